// `gatehouse serve`: load config, serve the data plane and the admin port, print every invoke URL,
// reload on file changes, drain on SIGTERM/SIGINT.

import { existsSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Gateway, type GatewayOptions } from '../gateway.js'
import { createLogger } from '../observe/logger.js'
import { ConfigError, formatProblems } from '../errors.js'
import { parse, takeParameterOverrides, toPairs, toPort, UsageError } from './args.js'
import { loadDesiredState, type Sources } from '../controlplane/config/desired.js'
import { MAX_DEPLOYMENT_HISTORY } from '../controlplane/config/history.js'
import { ConfigStoreOpenError, parseConfigStoreUrl } from '../store/config-url.js'
import { ClusterStateStore } from '../store/cluster/state-store.js'
import { ClusterConnectionRegistry, ConnectionRegistryHost } from '../store/cluster/connection-registry.js'
import { localStateStore } from '../store/compose.js'
import { isGatehouseWorker, MAX_WORKERS, runPrimary, workerLink } from './cluster.js'
import { allowedHostProblem } from '../controlplane/admin-guard.js'
import type { Limit } from '../dataplane/keys.js'

export const SERVE_HELP = `Usage: gatehouse serve [options]

With no options, serves the bundled example (examples/gatehouse.yaml).

Options:
  --config FILE            a gatehouse.yaml/json config file (hot-reloaded on change)
  --template FILE          an AWS SAM / CloudFormation template (template.yaml): serves its APIs and Node.js
                           functions (hot-reloaded); with --config, the config file's APIs are served too
                           and its listeners, dataDir and identity apply (docs/templates.md)
  --parameter-overrides K=V [K=V ...]
                           values of the template's Parameters, as the AWS and SAM CLIs take them
  --rest-api FILE          import an OpenAPI 3 / Swagger 2 file as a REST API (repeatable)
  --http-api FILE          import an OpenAPI 3 file as an HTTP API (repeatable)
  --stage NAME             stage to deploy the imported APIs to (default dev; '$default' for HTTP APIs);
                           with --template serverless.yml, the service's stage
  --stage-variable K=V     a stage variable for the imported APIs' stage (repeatable)
  --deployment-history N   deployments kept per API besides those a stage or canary uses (default 10;
                           0 keeps only those in use); wins over the config file's deploymentHistory
  --functions DIR          where Lambda-style functions live (NAME.{mjs,js,cjs,ts} or NAME/index.*)
  --port N                 data-plane port (default 8080)
  --host ADDR              data-plane address (default 0.0.0.0)
  --https-port N           the HTTPS listener of custom domains (SNI picks each domain's certificate;
                           default: listeners.https.port, else none)
  --admin-port N           admin port: /health, /ready, /metrics (default 9090)
  --admin-host ADDR        admin address (default 127.0.0.1)
  --admin-allowed-host NAME
                           a host name the admin port answers to besides localhost, IP addresses and
                           --admin-host (repeatable; .example.com allows a domain and its subdomains);
                           other Host headers get 403, against DNS rebinding
  --data-dir DIR           keep config in an embedded SQLite database in DIR (survives restarts)
  --config-store URL       keep config in PostgreSQL shared by several gateway nodes
                           (postgres://user:password@host:5432/database[?schema=NAME]); a change made on
                           any node reaches every node within a second
  --redis URL              share limits, quotas and usage through Redis (redis://host:port[/db]); needed
                           for exact limits across several gateway processes or nodes
  --redis-prefix PREFIX    prefix of every Redis key (default gatehouse:), to share one Redis between gateways
  --redis-unavailable MODE open (default: admit requests when Redis is down) or closed (refuse them)
  --ws-node-ttl MS         with --redis: how long a node's heartbeat lives (default 30000); the WebSocket
                           connections of a node that dies are gone (410) for the other nodes after this
  --account-limit R:B|off  the account-level throttle every request passes, cache hits included (default
                           AWS's 10000:5000, requests per second and burst); off turns it off
  --workers N              run N worker processes on the same ports (node:cluster); they share config and,
                           without --redis, limits, quotas and WebSocket connections held by the primary
  --log-level LEVEL        fatal|error|warn|info|debug (default info)
  --no-access-log          do not print access-log lines
  --no-watch               do not reload when config files change
`

/** `--deployment-history N`: a whole number, 0 to 10000. */
export function toDeploymentHistory(value: string): number {
  const n = /^\d+$/.test(value) ? Number(value) : NaN
  if (!Number.isInteger(n) || n > MAX_DEPLOYMENT_HISTORY) throw new UsageError(`--deployment-history takes a whole number from 0 to ${MAX_DEPLOYMENT_HISTORY}, got ${JSON.stringify(value)}`)
  return n
}

export function bundledExample(): string {
  return fileURLToPath(new URL('../../examples/gatehouse.yaml', import.meta.url))
}

export async function serve(argvIn: string[], out: NodeJS.WriteStream = process.stdout): Promise<number> {
  const { argv, overrides } = takeParameterOverrides(argvIn)
  const { values } = parse(argv, {
    config: { type: 'string' },
    template: { type: 'string' },
    'rest-api': { type: 'string', multiple: true },
    'http-api': { type: 'string', multiple: true },
    stage: { type: 'string' },
    'stage-variable': { type: 'string', multiple: true },
    'deployment-history': { type: 'string' },
    functions: { type: 'string' },
    port: { type: 'string' },
    host: { type: 'string' },
    'admin-port': { type: 'string' },
    'https-port': { type: 'string' },
    'admin-host': { type: 'string' },
    'admin-allowed-host': { type: 'string', multiple: true },
    'data-dir': { type: 'string' },
    'config-store': { type: 'string' },
    'log-level': { type: 'string' },
    redis: { type: 'string' },
    'redis-prefix': { type: 'string' },
    workers: { type: 'string' },
    'redis-unavailable': { type: 'string' },
    'ws-node-ttl': { type: 'string' },
    'account-limit': { type: 'string' },
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
  if (values.template) sources.template = values.template
  if (Object.keys(overrides).length > 0) {
    if (!values.template) throw new UsageError('--parameter-overrides needs --template')
    sources.parameterOverrides = overrides
  }
  if (values.stage) sources.stage = values.stage
  if (values.functions) sources.functionsDir = values.functions
  if (values['deployment-history'] !== undefined) sources.deploymentHistory = toDeploymentHistory(values['deployment-history'])
  const noSources = !values.config && !values.template && sources.restApis.length === 0 && sources.httpApis.length === 0
  if (noSources && !values['data-dir'] && !values['config-store']) {
    const example = bundledExample()
    if (existsSync(example)) sources.configFile = example
  }
  const worker = isGatehouseWorker()
  const baseLogger = createLogger(values['log-level'] ?? 'info')
  // Several workers write to one stderr: each line says which one.
  const logger = worker ? baseLogger.child({ worker: workerLink.id() }) : baseLogger
  const opts: GatewayOptions = { sources, logger, watch: !values['no-watch'] }
  const port = toPort(values.port, '--port')
  const adminPort = toPort(values['admin-port'], '--admin-port')
  if (port !== undefined) opts.port = port
  const httpsPort = toPort(values['https-port'], '--https-port')
  if (httpsPort !== undefined) opts.httpsPort = httpsPort
  if (adminPort !== undefined) opts.adminPort = adminPort
  if (values.host) opts.host = values.host
  if (values['admin-host']) opts.adminHost = values['admin-host']
  const allowedHosts = values['admin-allowed-host'] ?? []
  for (const name of allowedHosts) {
    const problem = allowedHostProblem(name)
    if (problem) throw new UsageError(`--admin-allowed-host: ${problem}`)
  }
  if (allowedHosts.length > 0) opts.adminAllowedHosts = allowedHosts
  if (values['data-dir']) opts.dataDir = values['data-dir']
  if (values['no-access-log']) opts.accessLog = null
  if (values['config-store'] !== undefined) {
    try {
      parseConfigStoreUrl(values['config-store'])
    } catch (err) {
      throw new UsageError(`--config-store: ${(err as Error).message}`)
    }
    opts.configStore = values['config-store']
  }
  if (values.redis) opts.redis = values.redis
  if (values['redis-prefix'] !== undefined) {
    if (values['redis-prefix'] === '') throw new UsageError('--redis-prefix must not be empty')
    if (!values.redis) throw new UsageError('--redis-prefix needs --redis')
    opts.redisKeyPrefix = values['redis-prefix']
  }
  const mode = values['redis-unavailable']
  if (mode !== undefined) {
    if (mode !== 'open' && mode !== 'closed') throw new UsageError(`--redis-unavailable takes open or closed, got ${JSON.stringify(mode)}`)
    opts.stateUnavailable = mode
  }
  const nodeTtl = values['ws-node-ttl']
  if (nodeTtl !== undefined) {
    if (!values.redis) throw new UsageError('--ws-node-ttl needs --redis')
    const n = /^\d+$/.test(nodeTtl) ? Number(nodeTtl) : NaN
    if (!Number.isInteger(n) || n < 100 || n > 3_600_000) throw new UsageError(`--ws-node-ttl takes milliseconds from 100 to 3600000, got ${JSON.stringify(nodeTtl)}`)
    opts.websocketNodeTtlMs = n
  }
  const account = toAccountLimit(values['account-limit'])
  if (account !== undefined) opts.accountLimit = account
  const workers = toWorkers(values.workers)
  if (workers !== undefined && !worker) return primary(opts, workers, out)
  if (worker) {
    // The primary made a data dir for the shared config when none was configured, and holds the limits.
    const shared = workerLink.dataDir()
    if (shared && opts.dataDir === undefined) opts.dataDir = shared
    if (!opts.redis) {
      opts.state = new ClusterStateStore(process)
      // WebSocket connections: the primary relays `@connections` to the worker holding the socket.
      opts.connectionRegistry = new ClusterConnectionRegistry(process)
    }
    const lastGood = await workerLink.lastGoodConfig()
    if (lastGood) opts.lastGoodConfig = lastGood
    opts.onConfigLoaded = (desired) => workerLink.configLoaded(desired)
  }

  const gateway = new Gateway(opts)
  // The primary may ask a worker to stop while it is still starting: it stops as soon as it has started.
  let stopRequested: string | null = null
  let requestStop: (signal: string) => void = (signal) => (stopRequested ??= signal)
  if (worker) workerLink.onStop(() => requestStop('primary'))
  const leave = (code: number): number => {
    if (worker) workerLink.leave()
    return code
  }
  try {
    await gateway.start()
  } catch (err) {
    const refused = startFailure(err)
    if (refused === null) throw err
    process.stderr.write(refused)
    await gateway.stop(0).catch(() => undefined)
    return leave(1)
  }
  if (worker) workerLink.ready(banner(gateway))
  else out.write(banner(gateway))
  return new Promise<number>((resolve) => {
    let stopping = false
    requestStop = (signal: string) => {
      if (stopping) return
      stopping = true
      logger.info({ signal }, 'draining in-flight requests, then exiting')
      gateway.stop().then(
        () => resolve(leave(0)),
        (err: unknown) => {
          logger.error({ err }, 'error while stopping')
          resolve(leave(1))
        },
      )
    }
    process.once('SIGTERM', () => requestStop('SIGTERM'))
    process.once('SIGINT', () => requestStop('SIGINT'))
    if (stopRequested !== null) requestStop(stopRequested)
  })
}

/** What to tell the user when the gateway cannot start for a reason of theirs; null for a bug. */
function startFailure(err: unknown): string | null {
  if (err instanceof ConfigError) return `gatehouse: configuration refused (${err.problems.length} problem${err.problems.length === 1 ? '' : 's'}):\n${formatProblems(err.problems)}\n`
  if (err instanceof ConfigStoreOpenError) return `gatehouse: ${err.message}\n`
  const e = err as NodeJS.ErrnoException
  if (e.code === 'EADDRINUSE') return `gatehouse: ${e.message}: the port is taken; choose another with --port / --admin-port\n`
  return null
}

/** `--account-limit RATE:BURST` (requests per second, fractions allowed, and a whole burst) or `off` (null). */
function toAccountLimit(value: string | undefined): Limit | null | undefined {
  if (value === undefined) return undefined
  if (value === 'off') return null
  const m = /^(\d+(?:\.\d+)?):(\d+)$/.exec(value)
  if (m === null) throw new UsageError(`--account-limit takes RATE:BURST (e.g. 10000:5000) or off, got ${JSON.stringify(value)}`)
  return { rate: Number(m[1]), burst: Number(m[2]) }
}

function toWorkers(value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1 || n > MAX_WORKERS) throw new UsageError(`--workers must be a whole number from 1 to ${MAX_WORKERS}, got ${JSON.stringify(value)}`)
  return n
}

/**
 * `--workers N`: checks the config once (so problems are reported once, not by every worker), picks the
 * shared stores, and runs the cluster primary.
 */
async function primary(opts: GatewayOptions, workers: number, out: NodeJS.WriteStream): Promise<number> {
  let desired
  try {
    desired = await loadDesiredState(opts.sources)
  } catch (err) {
    const refused = startFailure(err)
    if (refused === null) throw err
    process.stderr.write(refused)
    return 1
  }
  const dataDir = opts.dataDir ?? desired.dataDir
  const configStore = opts.configStore ?? desired.configStore
  // Workers must share one config store, so that an admin change through any of them reaches all.
  const tempDataDir = dataDir || configStore ? undefined : mkdtempSync(join(tmpdir(), 'gatehouse-cluster-'))
  if (tempDataDir) opts.logger.info({ dataDir: tempDataDir }, 'the workers share config through a temporary data dir, removed at exit (--data-dir keeps it)')
  const state = opts.redis ? null : localStateStore(dataDir)
  const stateNote = opts.redis ? 'limits and quotas in Redis' : `limits and quotas held by the primary (pid ${process.pid})${dataDir ? ', kept in the data dir' : ''}`
  const connections = opts.redis ? null : new ConnectionRegistryHost()
  return runPrimary({ workers, logger: opts.logger, out, state, connections, stateNote, config: desired, ...(tempDataDir ? { tempDataDir } : {}) })
}

function banner(gateway: Gateway): string {
  const lines = [`Gatehouse is serving (config revision ${gateway.plan?.revision ?? 0})`]
  const served = gateway.urls()
  if (served.length === 0) lines.push('  no API is deployed to a stage yet')
  for (const s of served) {
    const canary = s.canary ? ` (canary: ${s.canary.percent} % of requests to deployment ${s.canary.deploymentId})` : ''
    lines.push(`  ${s.kind === 'REST' ? 'REST API' : s.kind === 'HTTP' ? 'HTTP API' : 'WebSocket API'} ${s.apiName} (${s.apiId}), stage ${s.stage}${canary}:`)
    for (const u of s.urls) lines.push(`    ${u}`)
  }
  const h = gateway.httpsAddress
  if (h) lines.push(`  custom domains (HTTPS, SNI): port ${h.port}`)
  const a = gateway.adminAddress
  if (a) {
    const host = a.family === 'IPv6' ? `[${a.address}]` : a.address
    lines.push(`  admin: http://${host}:${a.port}/health  /ready  /metrics`)
  }
  if (gateway.adminWarning !== null) lines.push(`  warning: ${gateway.adminWarning}`)
  for (const r of gateway.ignoredResources) lines.push(`  ignored: ${r.logicalId} (${r.type}): ${r.reason}`)
  return lines.join('\n') + '\n'
}
