// The composition root: config sources → ConfigStore → compiler → data plane, plus the admin listener,
// hot reload of config files, and graceful shutdown. `gatehouse serve` is a thin shell around this.

import { readFileSync, watch, type FSWatcher } from 'node:fs'
import { Agent, type Dispatcher } from 'undici'
import type { AddressInfo } from 'node:net'
import type { Logger } from 'pino'
import type { ConfigStore, StoredDoc } from './store/port/ports.js'
import { RevisionConflictError } from './store/port/ports.js'
import { MemoryConfigStore } from './store/memory/config-store.js'
import { SqliteConfigStore } from './store/sqlite/config-store.js'
import type { Deployment, GatewaySettings, Stage } from './model/types.js'
import { ConfigError, formatProblems } from './errors.js'
import { loadDesiredState, planStoreChanges, type DesiredState, type Sources } from './controlplane/config/desired.js'
import { loadDesiredStateOffThread } from './controlplane/config/off-thread.js'
import { compileGateway, type CompileDeps } from './controlplane/compile/compile.js'
import { DataPlane } from './dataplane/server.js'
import { mutualTls } from './dataplane/client-cert.js'
import type { GatewayPlan, IntegrationTable, StepFactory } from './dataplane/plan.js'
import { GatewayMetrics } from './observe/metrics.js'
import { AdminServer } from './controlplane/admin.js'
import { adminApiRoute, type UsageReader } from './controlplane/admin-api/index.js'
import { isLoopback } from './controlplane/admin-api/auth.js'
import { createAccessLogSink, type AccessLogSink } from './observe/logger.js'
import { FunctionRuntime, type FunctionConfig } from './functions/index.js'
import { createIntegrations } from './integrations/index.js'
import { createWebSocketIntegrations } from './integrations/websocket.js'
import type { WsGuardFactory, WsIntegrationFactory } from './dataplane/websocket/plan.js'
import type { WsLimits } from './dataplane/websocket/server.js'
import type { ConnectionRegistry } from './store/port/connections.js'
import { MemoryConnectionRegistry } from './store/memory/connection-registry.js'
import { RedisConnectionRegistry } from './store/redis/connection-registry.js'
import { createSteps, createWsConnectGuards, type StepDeps } from './steps/index.js'
import { JwksCache } from './auth/jwt.js'
import type { Limit } from './dataplane/keys.js'
import type { EdgeLimits } from './dataplane/limits.js'
import type { StateStore } from './store/port/ports.js'
import { localStateStore } from './store/compose.js'
import { RedisStateStore } from './store/redis/state-store.js'
import { openConfigStoreUrl } from './store/config-url.js'
import { stateUsageReader } from './observe/usage.js'
import type { ApiKey, DomainName, UsagePlan } from './model/types.js'
import { LogThrottle } from './observe/log-throttle.js'
import { testInvoker } from './test-invoke.js'
import { DomainCertificates } from './controlplane/config/domain-tls.js'

/** How often a condition that may happen on every request (a state-store outage) is logged again. */
const LOG_REPEAT_MS = 10_000

function exposedAdminWarning(host: string): string {
  return (
    `the admin listener is bound to ${host}, which other machines can reach, and has no token: they can read /metrics and list API keys (without their values) and usage plans. ` +
    'Changes and key values are refused until listeners.admin.credentials or listeners.admin.token is set in the config file; or bind it to 127.0.0.1 (--admin-host).'
  )
}

/**
 * Resolves after the I/O that is waiting (requests, /health) has been handled: splits long main-thread work.
 * Two turns of setImmediate: called from the poll phase, one would resolve in the same loop iteration, before
 * any new I/O is polled.
 */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(() => setImmediate(resolve)))
}

export interface GatewayOptions {
  sources: Sources
  logger: Logger
  /** Overrides of what the config file says. */
  port?: number
  host?: string
  adminPort?: number
  adminHost?: string
  /** Host names the admin listener answers to besides its own (`--admin-allowed-host`), with the config file's. */
  adminAllowedHosts?: readonly string[]
  dataDir?: string
  /** Where access-log lines go; default stdout. `null` turns them off. */
  accessLog?: AccessLogSink | null
  /** Watch config and OpenAPI files and reload on change (default true). */
  watch?: boolean
  /** The step factories to run instead of the built-in ones (`createSteps`); for tests and extensions. */
  steps?: readonly StepFactory[]
  /**
   * Where config lives when several gateway nodes share it: a `postgres://…[?schema=NAME]` URL (wins over the
   * config file's `configStore`). A change made on any node reaches every node's data plane within a second.
   */
  configStore?: string
  /** Shared data-plane state (limits, quotas, usage): a `redis://` URL; default in-process (or SQLite with a data dir). */
  redis?: string
  /** Prepended to every Redis key (default `gatehouse:`), so several gateways or test runs can share one Redis. */
  redisKeyPrefix?: string
  /** A data-plane state store to use instead of opening one (a cluster worker's link to its primary); closed by stop(). */
  state?: StateStore
  /** When Redis cannot be reached: admit requests ('open', default) or refuse them ('closed'). */
  stateUnavailable?: 'open' | 'closed'
  /** The account-level throttle (default AWS's 10,000 rps, burst 5,000); null turns it off. */
  accountLimit?: Limit | null
  /** The clock of limits and quotas, and of how often an outage is logged again (tests inject one). */
  now?: () => number
  /** The integration table to use instead of the built-in one (`createIntegrations`). */
  integrations?: IntegrationTable
  /** Usage records for the admin API's usage routes (default: none kept, every day reads 0). */
  usageReader?: UsageReader
  /**
   * The last configuration that loaded cleanly (a cluster worker gets it from its primary). When the files on
   * disk are refused at start, the gateway logs their problems and serves this instead, watching the files so
   * that a fixed file applies at once; without it a refused file fails the start.
   */
  lastGoodConfig?: DesiredState
  /** Called with every configuration that loaded cleanly, at start and on each reload. */
  onConfigLoaded?: (desired: DesiredState) => void
  /** The HTTP edge's timeouts and connection cap; each field given wins over the config file's `listeners.http.limits`. */
  limits?: Partial<EdgeLimits>
  /** Numbers in [0, 1) for the canary draw of each request (§1.6). Default Math.random; tests pass a seeded one. */
  random?: () => number
  /**
   * The HTTPS listener of custom domains (`--https-port`, wins over `listeners.https.port`): SNI picks each
   * domain's certificate. Its host defaults to the HTTP listener's.
   */
  httpsPort?: number
  httpsHost?: string
  /** WebSocket limits; each field given wins over the config file's `listeners.http.websocket` (docs/websocket.md). */
  websocketLimits?: Partial<WsLimits>
  /**
   * The WebSocket connection registry to use instead of opening one (a cluster worker's link to its primary);
   * closed by stop(). Default: Redis with `redis` (shared by every node), else this process's memory.
   */
  connectionRegistry?: ConnectionRegistry
  /** With `redis`: how long a node's heartbeat lives; a node that dies takes its WebSocket connections out after this (default 30 s). */
  websocketNodeTtlMs?: number
}

export interface ServedUrl {
  apiId: string
  apiName: string
  kind: 'REST' | 'HTTP' | 'WEBSOCKET'
  stage: string
  urls: string[]
  /** A REST stage's canary (§1.6): the share of requests it takes and its deployment. */
  canary?: { percent: number; deploymentId: string }
}

export class Gateway {
  readonly #opts: GatewayOptions
  readonly #log: Logger
  readonly metrics = new GatewayMetrics()
  readonly #dispatcher: Dispatcher
  #store: ConfigStore | null = null
  #dataPlane: DataPlane | null = null
  /** The HTTPS listener of custom domains, when configured. */
  #httpsPlane: DataPlane | null = null
  #httpsAddress: AddressInfo | null = null
  /** The domains' certificates, read on every compile; each domain's last good one is kept through bad files. */
  readonly #domainCertificates = new DomainCertificates()
  #admin: AdminServer | null = null
  #state: StateStore | null = null
  /** The WebSocket connection registry both listeners share (each is a node in it). */
  #connections: ConnectionRegistry | null = null
  /** State-store failures seen by requests, and Redis connection errors: each logged at most once per 10 s. */
  readonly #stateErrorLog: LogThrottle
  readonly #redisErrorLog: LogThrottle
  readonly #cacheErrorLog: LogThrottle
  #steps: readonly StepFactory[] = []
  #wsGuards: WsGuardFactory | undefined
  #integrations: IntegrationTable | null = null
  #wsIntegrations: WsIntegrationFactory | null = null
  #accessLog: AccessLogSink | null = null
  #unwatchStore: (() => void) | null = null
  #fileWatchers: FSWatcher[] = []
  #reloadTimer: NodeJS.Timeout | null = null
  #recompiling: Promise<void> | null = null
  #recompileAgain = false
  /** The reload running, and the one queued behind it (file changes during a reload coalesce into one). */
  #reloading: Promise<{ ok: boolean; problems: string }> | null = null
  #reloadQueued: Promise<{ ok: boolean; problems: string }> | null = null
  /** Aborts an off-thread load when the gateway stops. */
  readonly #stopping = new AbortController()
  #ready = false
  #desired: DesiredState | null = null
  readonly functions: FunctionRuntime
  /** Discovery documents and signing keys of every JWT and Cognito authorizer's issuers. */
  readonly #jwks: JwksCache
  #functionsDir: string | undefined
  readonly #registered = new Map<string, string>()
  #address: AddressInfo | null = null
  #adminAddress: AddressInfo | null = null
  #adminWarning: string | null = null

  constructor(opts: GatewayOptions) {
    this.#opts = opts
    this.#log = opts.logger
    this.#dispatcher = new Agent({ keepAliveTimeout: 30_000, keepAliveMaxTimeout: 600_000, connections: null, pipelining: 1 })
    // Function logs go to the gateway log with the request id, like CloudWatch Logs lines.
    this.functions = new FunctionRuntime({
      logger: (l) => this.#log.info({ function: l.functionName, requestId: l.requestId, level: l.level }, l.message),
    })
    this.#jwks = new JwksCache(opts.now ? { nowMs: opts.now } : {})
    this.#stateErrorLog = new LogThrottle(LOG_REPEAT_MS, opts.now)
    this.#redisErrorLog = new LogThrottle(LOG_REPEAT_MS, opts.now)
    this.#cacheErrorLog = new LogThrottle(LOG_REPEAT_MS, opts.now)
  }

  get ready(): boolean {
    return this.#ready
  }

  get plan(): GatewayPlan | null {
    return this.#dataPlane?.plan ?? null
  }

  get address(): AddressInfo | null {
    return this.#address
  }

  /** The address of the HTTPS listener of custom domains, when one is configured. */
  get httpsAddress(): AddressInfo | null {
    return this.#httpsAddress
  }

  get adminAddress(): AddressInfo | null {
    return this.#adminAddress
  }

  /** What start() warned about the admin listener (reachable from other machines with no token), or null. */
  get adminWarning(): string | null {
    return this.#adminWarning
  }

  /** The `--template` resources that are not served (the last configuration loaded), one line each for the user. */
  get ignoredResources(): ReadonlyArray<{ logicalId: string; type: string; reason: string }> {
    return this.#desired?.ignored ?? []
  }

  get store(): ConfigStore | null {
    return this.#store
  }

  /** Loads config (refusing bad config whole), opens the store, compiles, and starts both listeners. */
  async start(): Promise<void> {
    const desired = await this.#loadAtStart()
    for (const w of desired.warnings) this.#log.warn({ file: w.file, path: w.path }, w.message)
    this.#desired = desired
    const dataDir = this.#opts.dataDir ?? desired.dataDir
    const configStore = this.#opts.configStore ?? desired.configStore
    this.#store = configStore
      ? await openConfigStoreUrl(configStore, { onListenerError: (err) => this.#log.warn({ err }, 'PostgreSQL config store error') })
      : dataDir
        ? new SqliteConfigStore(dataDir)
        : new MemoryConfigStore()
    // With a persistent store and no file sources at all, what the store holds is served as it is.
    const hasFileSources = Boolean(this.#opts.sources.configFile) || this.#opts.sources.restApis.length > 0 || this.#opts.sources.httpApis.length > 0
    if (hasFileSources || (!dataDir && !configStore)) await this.#applyDesired(desired)
    if (configStore && !this.#opts.redis && !this.#opts.state) {
      this.#log.warn('config is shared through PostgreSQL, but limits and quotas are counted by this process alone: use --redis to share them between nodes')
    }

    this.#state = this.#opts.state
      ? this.#opts.state
      : this.#opts.redis
      ? new RedisStateStore(this.#opts.redis, {
          onError: (err) => {
            // Reconnect attempts fail about once a second while Redis is down: log one line per 10 s.
            const unlogged = this.#redisErrorLog.hit()
            if (unlogged !== null) this.#log.warn({ err, ...(unlogged > 0 ? { unlogged } : {}) }, 'Redis state store error')
          },
          ...(this.#opts.redisKeyPrefix !== undefined ? { keyPrefix: this.#opts.redisKeyPrefix } : {}),
        })
      : // Buckets and cache in memory; quotas in SQLite under the data dir (they survive restarts), else in memory.
        localStateStore(dataDir)
    this.#integrations = this.#opts.integrations ?? createIntegrations({ dispatcher: this.#dispatcher, functions: this.functions })
    this.#wsIntegrations = createWebSocketIntegrations({ dispatcher: this.#dispatcher, functions: this.functions })
    const stepDeps = {
        // Resource policies and authorizers build method ARNs in the same region (identity.region).
        policy: { ...(this.#opts.now ? { now: this.#opts.now } : {}), ...(desired.identity?.region ? { region: desired.identity.region } : {}) },
        auth: {
          functions: this.functions,
          jwks: this.#jwks,
          state: () => this.#state!,
          identity: () => this.#desired?.identity,
          ...(this.#opts.now ? { now: this.#opts.now } : {}),
          onStoreError: () => this.metrics.stateStoreErrors(),
        },
        cache: {
          cache: () => this.#state!,
          ...(this.#opts.now ? { now: this.#opts.now } : {}),
          onStoreError: (err) => this.#cacheStoreFailed(err),
        },
        throttle: {
          state: () => this.#state!,
          ...(this.#opts.now ? { now: this.#opts.now } : {}),
          ...(this.#opts.accountLimit !== undefined ? { account: this.#opts.accountLimit } : {}),
          onUnavailable: this.#opts.stateUnavailable ?? 'open',
          onStoreError: (err) => this.#stateStoreFailed(err),
          onStoreRecovered: () => this.#stateStoreRecovered(),
        },
      } satisfies StepDeps
    this.#steps = this.#opts.steps ?? createSteps(stepDeps)
    // `$connect` access control of WebSocket APIs: the same authorizer runtime, identity and limit store.
    this.#wsGuards = createWsConnectGuards(stepDeps)
    this.#accessLog = this.#opts.accessLog === undefined ? createAccessLogSink(desired.logging.accessLogs ? 1 : null) : this.#opts.accessLog
    // The loader resolved --functions (or the config file's functionsDir) to an absolute path.
    this.#functionsDir = desired.functionsDir
    if (this.#functionsDir) this.functions.registerDirectory(this.#functionsDir)
    const plan = await this.#compile()
    const tlsFiles = desired.listeners.http?.tls
    const tls = tlsFiles
      ? {
          cert: readFileSync(tlsFiles.cert),
          key: readFileSync(tlsFiles.key),
          // Mutual TLS (§7.8): client certificates are required unless the config says otherwise.
          ...(tlsFiles.truststore ? mutualTls(readFileSync(tlsFiles.truststore), tlsFiles.truststore, tlsFiles.requireClientCert ?? true) : {}),
        }
      : null
    const limits = { ...desired.listeners.http?.limits, ...this.#opts.limits }
    this.#connections =
      this.#opts.connectionRegistry ??
      (this.#opts.redis
        ? new RedisConnectionRegistry(this.#opts.redis, {
            ...(this.#opts.redisKeyPrefix !== undefined ? { keyPrefix: this.#opts.redisKeyPrefix } : {}),
            ...(this.#opts.websocketNodeTtlMs !== undefined ? { nodeTtlMs: this.#opts.websocketNodeTtlMs } : {}),
            onError: (err) => {
              const unlogged = this.#redisErrorLog.hit()
              if (unlogged !== null) this.#log.warn({ err, ...(unlogged > 0 ? { unlogged } : {}) }, 'Redis connection registry error')
            },
          })
        : new MemoryConnectionRegistry())
    const websocket = {
      limits: { ...desired.listeners.http?.websocket, ...this.#opts.websocketLimits },
      identity: () => this.#desired?.identity,
      registry: this.#connections,
      ...(this.#opts.now ? { now: this.#opts.now } : {}),
    }
    this.#dataPlane = new DataPlane(plan, { logger: this.#log, accessLog: this.#accessLog ? this.#accessLog.write : null, tls, limits, websocket })
    const port = this.#opts.port ?? desired.listeners.http?.port ?? 8080
    const host = this.#opts.host ?? desired.listeners.http?.host ?? '0.0.0.0'
    this.#address = await this.#dataPlane.listen(port, host)
    const httpsPort = this.#opts.httpsPort ?? desired.listeners.https?.port
    if (httpsPort !== undefined) {
      // WebSocket APIs' custom domains (wss://) upgrade here; its connections share the registry (another node in it).
      this.#httpsPlane = new DataPlane(plan, { logger: this.#log, accessLog: this.#accessLog ? this.#accessLog.write : null, sni: true, limits, websocket })
      this.#httpsAddress = await this.#httpsPlane.listen(httpsPort, this.#opts.httpsHost ?? desired.listeners.https?.host ?? host)
      if (!plan.tls) this.#log.warn({ httpsPort: this.#httpsAddress.port }, 'the HTTPS listener of custom domains has no certificate yet: no domain with a certificate is configured')
    }
    const adminPort = this.#opts.adminPort ?? desired.listeners.admin?.port ?? 9090
    const adminHost = this.#opts.adminHost ?? desired.listeners.admin?.host ?? '127.0.0.1'
    this.#admin = new AdminServer({
      gateway: this,
      metrics: this.metrics,
      logger: this.#log,
      hosts: {
        // The config file's names as now configured (they may change on reload), and the CLI's.
        allowedHosts: () => [...(this.#opts.adminAllowedHosts ?? []), ...(this.#desired?.listeners.admin?.allowedHosts ?? [])],
        boundHost: () => adminHost,
      },
    })
    this.#admin.use(
      adminApiRoute({
        store: this.#store,
        usage: this.#opts.usageReader ?? stateUsageReader(() => this.#state!, this.#opts.now),
        auth: {
          token: () => this.#desired?.listeners.admin?.token,
          credentials: () => this.#desired?.listeners.admin?.credentials,
          boundHost: () => this.#adminAddress?.address,
        },
        logger: this.#log,
        ...(this.#opts.now ? { now: () => new Date(this.#opts.now!()) } : {}),
        region: () => this.#desired?.identity?.region,
        throttle: () => this.#desired?.listeners.admin?.throttle,
        ports: {
          testInvoke: testInvoker({ steps: () => this.#steps, integrations: () => this.#integrations!, logger: this.#log }),
          // The Lambda authorizer cache's keys start with the API and stage (src/steps/auth/lambda.ts).
          flushAuthorizerCache: (apiId, stageName) => this.#state!.deletePrefix(`authorizer|${apiId}|${stageName}|`),
          dataPlane: () => (this.#address ? { protocol: this.#dataPlane?.isHttps ? 'https' : 'http', port: this.#address.port } : undefined),
          // The response cache's entries belong to `{apiId}/{stageName}` (src/steps/cache).
          flushStageCache: (apiId, stageName) => this.#state!.flushResponses(`${apiId}/${stageName}`),
        },
      }),
    )
    this.#adminAddress = await this.#admin.listen(adminPort, adminHost)
    const adminSecured = desired.listeners.admin?.token !== undefined || (desired.listeners.admin?.credentials?.length ?? 0) > 0
    this.#adminWarning = isLoopback(this.#adminAddress.address) || adminSecured ? null : exposedAdminWarning(adminHost)
    if (this.#adminWarning !== null) this.#log.warn({ adminHost, adminPort: this.#adminAddress.port }, this.#adminWarning)

    this.#unwatchStore = this.#store.watch(() => this.#scheduleRecompile())
    if (this.#opts.watch !== false) this.#watchFiles(desired.files)
    this.#ready = true
  }

  /** The configuration to start from: the files, or the last good one when the files are refused and one is known. */
  async #loadAtStart(): Promise<DesiredState> {
    try {
      const desired = await loadDesiredState(this.#opts.sources)
      this.#opts.onConfigLoaded?.(desired)
      return desired
    } catch (err) {
      const fallback = this.#opts.lastGoodConfig
      if (!(err instanceof ConfigError) || !fallback) throw err
      this.#log.error(
        { problems: err.problems },
        `configuration refused; serving the last good configuration until the files are fixed:\n${formatProblems(err.problems)}`,
      )
      return fallback
    }
  }

  /**
   * A request found the state store unreachable. An outage must not flood the log: the first such request is
   * logged, then one line per 10 s (of the gateway's clock) with how many requests were refused or admitted
   * unchecked since the previous line; every one is counted in /metrics.
   */
  #stateStoreFailed(err: unknown): void {
    this.metrics.stateStoreErrors()
    const unlogged = this.#stateErrorLog.hit()
    if (unlogged === null) return
    const closed = this.#opts.stateUnavailable === 'closed'
    const outcome = closed ? 'refused' : 'admitted'
    // `refused`/`admitted`: the requests this line stands for (itself and the ones not logged since the last line).
    this.#log.warn(
      { err, mode: closed ? 'closed' : 'open', [outcome]: unlogged + 1 },
      (closed ? 'state store unavailable: limits and quotas cannot be checked (requests refused with 503)' : 'state store unavailable: limits and quotas are not being enforced (requests admitted)') +
        (unlogged > 0 ? `; ${unlogged + 1} requests ${outcome} since the last line` : ''),
    )
  }

  /** The response cache failed for a request (it went to the integration instead): one line per 10 s. */
  #cacheStoreFailed(err: unknown): void {
    this.metrics.stateStoreErrors()
    const unlogged = this.#cacheErrorLog.hit()
    if (unlogged === null) return
    this.#log.warn({ err, misses: unlogged + 1 }, 'response cache unavailable: cached methods are served by their integrations' + (unlogged > 0 ? `; ${unlogged + 1} requests since the last line` : ''))
  }

  /**
   * §8: a new deployment of a stage flushes its cache (entries are keyed by deployment too, so this frees
   * them and keeps a rollback from serving what the old deployment cached before); so does a removed stage,
   * and a changed `cacheClusterSize` or `cacheClusterEnabled` (AWS recreates the cache cluster: it starts empty).
   */
  async #flushRedeployedStages(before: GatewayPlan | null, after: GatewayPlan): Promise<void> {
    if (before === null) return
    const flushes: Array<Promise<void>> = []
    for (const [apiId, api] of before.apis) {
      if (api.kind !== 'REST') continue
      for (const [stageName, stage] of api.stages) {
        const now = after.apis.get(apiId)?.stages.get(stageName)
        // The canary's entries live in the stage's cache too (§1.6): a new canary deployment flushes it as well;
        // so does a resized or re-enabled cache cluster (AWS recreates it).
        if (now?.deploymentId === stage.deploymentId && now.canary?.plan.deploymentId === stage.canary?.plan.deploymentId && (now.cacheCluster ?? null) === (stage.cacheCluster ?? null)) continue
        const flushed = this.#state?.flushResponses(`${apiId}/${stageName}`).catch((err: unknown) => this.#cacheStoreFailed(err))
        if (flushed) flushes.push(flushed)
      }
    }
    // Awaited by the recompile, so that `settled()` covers them (the stores fail fast when unreachable).
    await Promise.all(flushes)
  }

  #stateStoreRecovered(): void {
    const unlogged = this.#stateErrorLog.end()
    if (unlogged === null) return
    const outcome = this.#opts.stateUnavailable === 'closed' ? 'refused' : 'admitted'
    this.#log.info({ [outcome]: unlogged }, `state store reachable again: limits and quotas are enforced` + (unlogged > 0 ? `; ${unlogged} more requests ${outcome} since the last line` : ''))
  }

  /**
   * Brings the store in line with `desired` in one batch. Pruning the deployment history checks revisions
   * (another node sharing the store may prune or repoint at the same time): on a conflict the batch is planned
   * again from fresh reads.
   */
  async #applyDesired(desired: DesiredState): Promise<number> {
    const store = this.#store!
    for (let attempt = 1; ; attempt++) {
      const [api, deployment, stage, settings, fn, apikey, usageplan, domain] = await Promise.all([
        store.list('api'),
        store.list('deployment'),
        store.list('stage'),
        store.list('settings'),
        store.list('function'),
        store.list('apikey'),
        store.list('usageplan'),
        store.list('domain'),
      ])
      const ops = planStoreChanges(desired, { api, deployment, stage, settings, function: fn, apikey, usageplan, domain })
      try {
        return await store.apply(ops)
      } catch (err) {
        if (!(err instanceof RevisionConflictError) || attempt >= 25) throw err
        await new Promise((r) => setTimeout(r, Math.random() * 5 * attempt))
      }
    }
  }

  async #compile(): Promise<GatewayPlan> {
    const store = this.#store!
    const revision = await store.revision()
    const [deployments, stages, settings, functions, apiKeys, usagePlans, domains] = await Promise.all([
      store.list<Deployment>('deployment'),
      store.list<Stage>('stage'),
      store.get<GatewaySettings>('settings', 'gateway'),
      store.list<FunctionConfig>('function'),
      store.list<ApiKey>('apikey'),
      store.list<UsagePlan>('usageplan'),
      store.list<DomainName>('domain'),
    ])
    for (const f of functions) {
      // Re-registering retires warm environments: only do it when the declaration changed.
      const key = JSON.stringify(f.value)
      if (this.#registered.get(f.id) === key) continue
      this.#registered.set(f.id, key)
      try {
        this.functions.register(f.value)
      } catch (err) {
        this.#log.error({ function: f.id, err }, 'function declaration refused')
      }
    }
    // Certificates are read on every compile: a replaced file is served from the next one on.
    const domainDocs = domains.map((d) => d.value)
    const tls = await this.#domainCertificates.read(domainDocs, settings?.value ?? {})
    for (const p of tls.problems) {
      this.#log.error(
        { revision, domain: p.domain },
        `${p.message}; ${p.kept ? 'it keeps serving its last good certificate' : 'it has no certificate to serve yet: clients naming it get the default certificate, if another domain has one'}`,
      )
    }
    // Reading large documents out of the store took a while too.
    await yieldToEventLoop()
    const deps: CompileDeps = {
      metrics: this.metrics,
      accessLogs: this.#accessLog !== null,
      steps: this.#steps,
      integrations: this.#integrations!,
      ...(this.#opts.random ? { random: this.#opts.random } : {}),
      ...(this.#wsIntegrations ? { websocket: { integrations: this.#wsIntegrations, metrics: this.metrics, ...(this.#wsGuards ? { guards: this.#wsGuards } : {}), ...(this.#opts.now ? { now: this.#opts.now } : {}) } } : {}),
    }
    const plan = compileGateway(
      {
        revision,
        deployments: new Map(deployments.map((d: StoredDoc<Deployment>) => [d.id, d.value])),
        stages: stages.map((s) => s.value),
        settings: settings?.value ?? {},
        apiKeys: apiKeys.map((k) => k.value),
        usagePlans: usagePlans.map((p) => p.value),
        domains: domainDocs,
        domainPems: tls.pems,
      },
      deps,
    )
    for (const w of plan.warnings) this.#log.warn({ revision }, w)
    return plan
  }

  /** Recompiles after store changes; coalesces bursts, and never runs two compiles at once. */
  #scheduleRecompile(): void {
    if (this.#recompiling) {
      this.#recompileAgain = true
      return
    }
    this.#recompiling = (async () => {
      do {
        this.#recompileAgain = false
        try {
          // Storing a large change took a while: let waiting requests through before compiling it.
          await yieldToEventLoop()
          const plan = await this.#compile()
          const before = this.plan
          this.#dataPlane?.setPlan(plan)
          this.#httpsPlane?.setPlan(plan)
          if (this.#httpsPlane !== null && before?.tls && !plan.tls) this.#log.warn({ httpsPort: this.#httpsAddress?.port }, 'the HTTPS listener of custom domains has no certificate left: no domain with a certificate is configured, so every handshake fails')
          await this.#flushRedeployedStages(before, plan)
          this.#log.info({ revision: plan.revision }, 'new configuration is being served')
        } catch (err) {
          this.#log.error({ err }, 'recompiling the configuration failed; the previous one keeps serving')
        }
      } while (this.#recompileAgain)
      this.#recompiling = null
    })()
  }

  /** Waits until the plan reflects the store's current revision (for tests and the CLI). */
  async settled(): Promise<void> {
    while (this.#recompiling) await this.#recompiling
  }

  #watchFiles(files: string[]): void {
    for (const w of this.#fileWatchers) w.close()
    this.#fileWatchers = []
    for (const f of files) {
      try {
        const w = watch(f, { persistent: false }, () => this.#scheduleReload())
        w.on('error', () => this.#scheduleReload())
        this.#fileWatchers.push(w)
      } catch (err) {
        this.#log.warn({ file: f, err }, 'cannot watch file for changes')
      }
    }
  }

  #scheduleReload(): void {
    if (this.#reloadTimer) clearTimeout(this.#reloadTimer)
    // Editors write files in several steps; wait for the burst to end.
    this.#reloadTimer = setTimeout(() => {
      this.#reloadTimer = null
      this.reload().catch((err: unknown) => this.#log.error({ err }, 'reloading the configuration failed; the previous one keeps serving'))
    }, 150)
  }

  /**
   * Re-reads every config source, off the event loop (a worker thread per load: large or hostile files never
   * hold up requests or /health). A bad config is refused whole, with every problem logged, and the previous
   * one keeps serving. Reloads never overlap: one asked for while another runs follows it. Returns the
   * problems (empty on success).
   */
  reload(): Promise<{ ok: boolean; problems: string }> {
    if (this.#reloading === null) return this.#startReload()
    this.#reloadQueued ??= this.#reloading.then(() => {
      this.#reloadQueued = null
      return this.#startReload()
    })
    return this.#reloadQueued
  }

  #startReload(): Promise<{ ok: boolean; problems: string }> {
    const run = this.#reloadOnce().finally(() => {
      if (this.#reloading === run) this.#reloading = null
    })
    this.#reloading = run
    return run
  }

  async #reloadOnce(): Promise<{ ok: boolean; problems: string }> {
    let desired: DesiredState
    try {
      desired = await loadDesiredStateOffThread(this.#opts.sources, { signal: this.#stopping.signal })
    } catch (err) {
      if (this.#stopping.signal.aborted) return { ok: false, problems: 'the gateway is stopping' }
      const text = err instanceof ConfigError ? formatProblems(err.problems) : String(err)
      this.#log.error({ problems: err instanceof ConfigError ? err.problems : undefined }, `configuration refused; the previous one keeps serving:\n${text}`)
      // Files may have been replaced (rename-on-save): keep watching them.
      if (this.#opts.watch !== false && this.#desired) this.#watchFiles(this.#desired.files)
      return { ok: false, problems: text }
    }
    if (this.#stopping.signal.aborted) return { ok: false, problems: 'the gateway is stopping' }
    // Receiving a large state took a while: let waiting requests through before storing and compiling it.
    await yieldToEventLoop()
    this.#desired = desired
    this.#opts.onConfigLoaded?.(desired)
    const revision = await this.#applyDesired(desired)
    if (this.#opts.watch !== false) this.#watchFiles(desired.files)
    this.#log.info({ revision }, 'configuration reloaded')
    // The store's change feed has usually started the recompile already; a second one would compile it all again.
    if (this.#recompiling === null) this.#scheduleRecompile()
    await this.settled()
    return { ok: true, problems: '' }
  }

  /** Every invoke URL served, for the startup banner. */
  urls(publicHost = 'localhost'): ServedUrl[] {
    const plan = this.plan
    const port = this.#address?.port ?? 0
    if (!plan) return []
    const out: ServedUrl[] = []
    for (const api of plan.apis.values()) {
      const stages = [...api.stages.keys()]
      if (api.defaultStage) stages.push('$default')
      for (const stage of stages) {
        const prefix = stage === '$default' ? '' : '/' + stage
        const scheme = this.#dataPlane?.isHttps ? 'https' : 'http'
        const urls = [`${scheme}://${api.id}.execute-api.${publicHost}:${port}${prefix}/`]
        if (plan.defaultApi === api) urls.push(`${scheme}://${publicHost}:${port}${prefix}/`)
        if (api.kind === 'REST') urls.push(`${scheme}://${publicHost}:${port}/restapis/${api.id}/${stage}/_user_request_/`)
        const canary = api.stages.get(stage)?.canary
        out.push({ apiId: api.id, apiName: api.name, kind: api.kind, stage, urls, ...(canary ? { canary: { percent: canary.percent, deploymentId: canary.plan.deploymentId } } : {}) })
      }
    }
    // Custom domains: on the HTTPS listener when there is one, else by Host on the data-plane listener.
    const https = this.#httpsAddress
    const origin = (name: string) => (https ? `https://${name}:${https.port}` : `${this.#dataPlane?.isHttps ? 'https' : 'http'}://${name}:${port}`)
    for (const d of plan.domains?.all() ?? []) {
      for (const m of d.mappings) {
        const base = m.basePath === '' ? '/' : `/${m.basePath}/`
        for (const entry of out) {
          if (entry.apiId !== m.api.id) continue
          if (m.stage !== null && entry.stage !== m.stage.stageName) continue
          entry.urls.push(origin(d.name) + base + (m.stage === null ? `${entry.stage}/` : ''))
        }
      }
    }
    // WebSocket APIs: the wss/ws URL of each stage, and its @connections endpoint (docs/websocket.md).
    const ws = plan.websockets
    for (const api of ws?.apis.values() ?? []) {
      for (const stage of api.stages.keys()) {
        const tls = this.#dataPlane?.isHttps === true
        const urls = [`${tls ? 'wss' : 'ws'}://${api.id}.execute-api.${publicHost}:${port}/${stage}`]
        if (ws!.defaultApi === api) urls.push(`${tls ? 'wss' : 'ws'}://${publicHost}:${port}/${stage}`)
        urls.push(`${tls ? 'https' : 'http'}://${api.id}.execute-api.${publicHost}:${port}/${stage}/@connections`)
        out.push({ apiId: api.id, apiName: api.name, kind: 'WEBSOCKET', stage, urls })
      }
    }
    // WebSocket APIs' custom domains: wss:// on the HTTPS listener when there is one, else ws:// by Host.
    for (const d of plan.domains?.all() ?? []) {
      for (const m of d.websocket ?? []) {
        const entry = out.find((e) => e.kind === 'WEBSOCKET' && e.apiId === m.api.id && e.stage === m.stage.stageName)
        const wsOrigin = https ? `wss://${d.name}:${https.port}` : `${this.#dataPlane?.isHttps ? 'wss' : 'ws'}://${d.name}:${port}`
        entry?.urls.push(wsOrigin + (m.basePath === '' ? '' : `/${m.basePath}`))
      }
    }
    return out
  }

  /** Drains in-flight requests, then closes listeners, store and upstream pools. */
  async stop(timeoutMs = 30_000): Promise<void> {
    this.#ready = false
    this.#stopping.abort(new Error('the gateway is stopping'))
    for (const w of this.#fileWatchers) w.close()
    if (this.#reloadTimer) clearTimeout(this.#reloadTimer)
    this.#unwatchStore?.()
    await Promise.all([this.#dataPlane?.drain(timeoutMs), this.#httpsPlane?.drain(timeoutMs)])
    // Both listeners' WebSocket connections have ended and left the registry: this node leaves it too.
    await this.#connections?.close().catch((err: unknown) => this.#log.warn({ err }, 'closing the connection registry failed'))
    await this.#admin?.close()
    await this.#reloading?.catch(() => undefined)
    await this.settled()
    await this.#store?.close()
    this.#accessLog?.flush()
    await this.#dispatcher.close()
    await this.functions.close()
    this.#jwks.close()
    await this.#state?.close()
  }
}
