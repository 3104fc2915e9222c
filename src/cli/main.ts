// The `gatehouse` command: dispatches to one file per command.

import { readFileSync } from 'node:fs'
import { serve, SERVE_HELP } from './serve.js'
import { validate, VALIDATE_HELP } from './validate.js'
import { usage, USAGE_HELP } from './usage.js'
import { DOMAINS_HELP, domainsCommand } from './domains.js'
import { DEPLOYMENTS_HELP, EXPORT_HELP, IMPORT_HELP, SDK_HELP, deploymentsCommand, exportCommand, importCommand, sdkCommand } from './control.js'
import { CANARY_HELP, canaryCommand } from './canary.js'
import { UsageError } from './args.js'

const HELP = `Usage: gatehouse <command> [options]

Commands:
  serve      serve APIs (default: the bundled example)
  validate   check config and OpenAPI files
  usage      print a usage plan's usage records from a running gateway
  export     write a running gateway's API stage as OpenAPI
  sdk        write a client SDK (javascript or typescript) of a running gateway's REST API stage
  domains    list, create and map custom domain names on a running gateway
  import     create or update an API on a running gateway from an OpenAPI file
  deployments  list an API's deployments, or roll a stage back to an earlier one
  canary     set, promote or roll back a REST stage's canary release
  version    print the version

Run 'gatehouse <command> --help' for a command's options.

${SERVE_HELP}
${VALIDATE_HELP}
${USAGE_HELP}
${EXPORT_HELP}
${SDK_HELP}
${DOMAINS_HELP}
${IMPORT_HELP}
${DEPLOYMENTS_HELP}
${CANARY_HELP}`

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
  return pkg.version
}

/** Runs the CLI; resolves to the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv
  try {
    switch (command) {
      case 'serve':
        return await serve(rest)
      case 'validate':
        return await validate(rest)
      case 'usage':
        return await usage(rest)
      case 'export':
        return await exportCommand(rest)
      case 'sdk':
        return await sdkCommand(rest)
      case 'import':
        return await importCommand(rest)
      case 'domains':
        return await domainsCommand(rest)
      case 'deployments':
        return await deploymentsCommand(rest)
      case 'canary':
        return await canaryCommand(rest)
      case 'version':
      case '--version':
        process.stdout.write(version() + '\n')
        return 0
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(HELP)
        return command === undefined ? 1 : 0
      default:
        throw new UsageError(`unknown command ${JSON.stringify(command)}`)
    }
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`gatehouse: ${err.message}\nRun 'gatehouse --help' for usage.\n`)
      return 2
    }
    throw err
  }
}
