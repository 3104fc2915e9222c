// Runs the CLI from sources (tests and development run it through tsx; bin/gatehouse.js runs dist/).

import { main } from './main.js'

process.exitCode = await main(process.argv.slice(2))
