#!/usr/bin/env node
// The CLI entry: runs the compiled CLI from dist/ (built by `npm install` through the prepare script).
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const compiled = new URL('../dist/cli/main.js', import.meta.url)
if (!existsSync(fileURLToPath(compiled))) {
  process.stderr.write('gatehouse: dist/ is missing; run `npm install` (or `npm run build`) in the checkout first\n')
  process.exit(1)
}
const { main } = await import(compiled.href)
process.exitCode = await main(process.argv.slice(2))
