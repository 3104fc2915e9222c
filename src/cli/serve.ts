// `gatehouse serve`: load config, serve the data plane and the admin port, print every invoke URL,
// reload on file changes, drain on SIGTERM/SIGINT.

import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { Gateway, type GatewayOptions } from '../gateway.js'
import { createLogger } from '../observe/logger.js'
import { ConfigError, formatProblems } from '../errors.js'
import { parse, toPairs, toPort, UsageError } from './args.js'
import type { Sources } from '../controlplane/config/desired.js'

export const SERVE_HELP = `Usage: gatehouse serve [options]

With no options, serves the bundled example (examples/gatehouse.yaml).

Options:
  --config FILE            a gatehouse.yaml/json config file (hot-reloaded on change)
  --rest-api FILE          import an OpenAPI 3 / Swagger 2 file as a REST API (repeatable)
  --http-api FILE          import an OpenAPI 3 file as an HTTP API (repeatable)
  --stage NAME             stage to deploy the imported APIs to (default dev; '$default' for HTTP APIs)
  --stage-variable K=V     a stage variable for the imported APIs' stage (repeatable)
  --functions DIR          where Lambda-style functions live (NAME.{mjs,js,cjs,ts} or NAME/index.*)
  --port N                 data-plane port (default 8080)
  --host ADDR              data-plane address (default 0.0.0.0)
  --admin-port N           admin port: /health, /ready, /metrics (default 9090)
  --admin-host ADDR        admin address (default 127.0.0.1)
  --data-dir DIR           keep config in an embedded SQLite database in DIR (survives restarts)
  --redis URL              share limits, quotas and usage through Redis (redis://host:port); needed for
                           exact limits across several gateway processes or nodes
  --redis-unavailable MODE open (default: admit requests when Redis is down) or closed (refuse them)
  --log-level LEVEL        fatal|error|warn|info|debug (default info)
  --no-access-log          do not print access-log lines
  --no-watch               do not reload when config files change
`

export function bundledExample(): string {
  return fileURLToPath(new URL('../../examples/gatehouse.yaml', import.meta.url))
}

export async function serve(argv: string[], out: NodeJS.WriteStream = process.stdout): Promise<number> {
  const { values } = parse(argv, {
    config: { type: 'string' },
    'rest-api': { type: 'string', multiple: true },
    'http-api': { type: 'string', multiple: true },
    stage: { type: 'string' },
    'stage-variable': { type: 'string', multiple: true },
    functions: { type: 'string' },
    port: { type: 'string' },
    host: { type: 'string' },
    'admin-port': { type: 'string' },
    'admin-host': { type: 'string' },
    'data-dir': { type: 'string' },
    'log-level': { type: 'string' },
    redis: { type: 'string' },
    'redis-unavailable': { type: 'string' },
    'no-access-log': { type: 'boolean' },
    'no-watch': { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  })
  if (values.help) {
    out.write(SERVE_HELP)
    return 0
  }
  const sources: Sources = {
    restApis: values['rest-api'] ?? [],
    httpApis: values['http-api'] ?? [],
    stageVariables: toPairs(values['stage-variable'], '--stage-variable'),
    cwd: process.cwd(),
  }
  if (values.config) sources.configFile = values.config
  if (values.stage) sources.stage = values.stage
  if (values.functions) sources.functionsDir = values.functions
  const noSources = !values.config && sources.restApis.length === 0 && sources.httpApis.length === 0
  if (noSources && !values['data-dir']) {
    const example = bundledExample()
    if (existsSync(example)) sources.configFile = example
  }
  const logger = createLogger(values['log-level'] ?? 'info')
  const opts: GatewayOptions = { sources, logger, watch: !values['no-watch'] }
  const port = toPort(values.port, '--port')
  const adminPort = toPort(values['admin-port'], '--admin-port')
  if (port !== undefined) opts.port = port
  if (adminPort !== undefined) opts.adminPort = adminPort
  if (values.host) opts.host = values.host
  if (values['admin-host']) opts.adminHost = values['admin-host']
  if (values['data-dir']) opts.dataDir = values['data-dir']
  if (values['no-access-log']) opts.accessLog = null
  if (values.redis) opts.redis = values.redis
  const mode = values['redis-unavailable']
  if (mode !== undefined) {
    if (mode !== 'open' && mode !== 'closed') throw new UsageError(`--redis-unavailable takes open or closed, got ${JSON.stringify(mode)}`)
    opts.stateUnavailable = mode
  }

  const gateway = new Gateway(opts)
  try {
    await gateway.start()
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`gatehouse: configuration refused (${err.problems.length} problem${err.problems.length === 1 ? '' : 's'}):\n${formatProblems(err.problems)}\n`)
      await gateway.stop(0).catch(() => undefined)
      return 1
    }
    const e = err as NodeJS.ErrnoException
    if (e.code === 'EADDRINUSE') {
      process.stderr.write(`gatehouse: ${e.message}: the port is taken; choose another with --port / --admin-port\n`)
      await gateway.stop(0).catch(() => undefined)
      return 1
    }
    throw err
  }
  out.write(banner(gateway))
  return new Promise<number>((resolve) => {
    let stopping = false
    const stop = (signal: string) => {
      if (stopping) return
      stopping = true
      logger.info({ signal }, 'draining in-flight requests, then exiting')
      gateway.stop().then(
        () => resolve(0),
        (err: unknown) => {
          logger.error({ err }, 'error while stopping')
          resolve(1)
        },
      )
    }
    process.once('SIGTERM', () => stop('SIGTERM'))
    process.once('SIGINT', () => stop('SIGINT'))
  })
}

function banner(gateway: Gateway): string {
  const lines = [`Gatehouse is serving (config revision ${gateway.plan?.revision ?? 0})`]
  const served = gateway.urls()
  if (served.length === 0) lines.push('  no API is deployed to a stage yet')
  for (const s of served) {
    lines.push(`  ${s.kind === 'REST' ? 'REST API' : 'HTTP API'} ${s.apiName} (${s.apiId}), stage ${s.stage}:`)
    for (const u of s.urls) lines.push(`    ${u}`)
  }
  const a = gateway.adminAddress
  if (a) {
    const host = a.family === 'IPv6' ? `[${a.address}]` : a.address
    lines.push(`  admin: http://${host}:${a.port}/health  /ready  /metrics`)
  }
  return lines.join('\n') + '\n'
}
