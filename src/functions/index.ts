// The Lambda programming model on our own runtime: functions declared or found in a --functions directory, run in
// worker-thread execution environments that are reused while warm, with Lambda's timeout, memory, concurrency,
// error and logging behaviour. Integrations and authorizers call FunctionRuntime.invoke.

import { randomBytes, randomUUID } from 'node:crypto'
import { statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, dirname, extname, join, resolve } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { CompileError, ModuleCompiler, isTypeScript } from './compiler.js'
import {
  MODULE_EXTENSIONS,
  lambdaEnvironment,
  resolveFunctionConfig,
  type FunctionConfig,
  type ResolvedFunctionConfig,
} from './config.js'
import { Environment, type FunctionLogger, type InvokeResult } from './environment.js'
import { runtimeError } from './error-shape.js'
import { functionArn, parseFunctionRef } from './function-ref.js'

export type { FunctionConfig, ResolvedFunctionConfig } from './config.js'
export type { FunctionLogLine, FunctionLogger, InvokeResult } from './environment.js'
export type { FunctionErrorShape } from './error-shape.js'
export type { FunctionRef } from './function-ref.js'
export { functionArn, isFunctionName, parseFunctionRef } from './function-ref.js'
export { resolveFunctionConfig } from './config.js'

/** Default region and account in ARNs and AWS_REGION when the caller names none. */
export const DEFAULT_REGION = 'us-east-1'
export const DEFAULT_ACCOUNT_ID = '000000000000'
/** Idle environments are stopped after this long without an invocation. */
export const DEFAULT_IDLE_TIMEOUT_MS = 5 * 60_000
/**
 * The global cap on execution environments (worker threads) across all functions: the analog of an account's
 * concurrency limit, sized for one machine. A function without reserved concurrency may use all of it.
 */
export const DEFAULT_MAX_ENVIRONMENTS = 64

/** No function by that name or ARN, or its module file is missing: Lambda's ResourceNotFoundException. */
export class FunctionNotFoundError extends Error {
  readonly code = 'ResourceNotFoundException'
  readonly statusCode = 404
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'FunctionNotFoundError'
  }
}

/**
 * Too many invocations in flight: Lambda's TooManyRequestsException ("Rate Exceeded."), thrown at once rather than
 * queued, as Lambda throttles synchronous invocations.
 */
export class TooManyRequestsError extends Error {
  readonly code = 'TooManyRequestsException'
  readonly statusCode = 429
  /** Lambda's Reason field: the function's reserved concurrency, or the global cap, was reached. */
  readonly reason: 'ReservedFunctionConcurrentInvocationLimitExceeded' | 'ConcurrentInvocationLimitExceeded'
  readonly functionName: string
  constructor(functionName: string, reason: TooManyRequestsError['reason']) {
    super('Rate Exceeded.')
    this.name = 'TooManyRequestsError'
    this.functionName = functionName
    this.reason = reason
  }
}

export interface FunctionRuntimeOptions {
  /** Stop an environment after this long idle (ms). Default 5 minutes. */
  idleTimeoutMs?: number
  /** Most environments alive at once across all functions (see DEFAULT_MAX_ENVIRONMENTS). Default 64. */
  maxEnvironments?: number
  /** Receives every log line of every function, with its request id. */
  logger?: FunctionLogger
  /** AWS_REGION of environments, and the region in ARNs that name none. Default us-east-1. */
  region?: string
  /** The account in invokedFunctionArn when the caller's ARN names none. Default 000000000000. */
  accountId?: string
  /** Where compiled TypeScript goes. Default `{tmpdir}/gatehouse-functions-{uid}`. */
  cacheDir?: string
}

interface FunctionEntry {
  readonly name: string
  config: ResolvedFunctionConfig
  /** The --functions directory it was found in; null when registered. */
  directory: string | null
  /** The module file in use, once resolved. */
  file: string | null
  stamp: { mtimeMs: number; size: number; ino: number } | null
  /** Bumped on every change of code or config; environments of older versions retire. */
  version: number
  /** Warm environments of the current version, least recently used first. */
  idle: Environment[]
  inFlight: number
}

interface ResolvedRef {
  readonly entry: FunctionEntry
  readonly invokedFunctionArn: string
}

const REF_CACHE_LIMIT = 10_000

/**
 * Runs Lambda-style functions in worker-thread execution environments.
 *
 * Behaviour, following Lambda's Node.js runtime:
 * - One invocation per environment at a time; idle environments are reused (most recently used first) and
 *   stopped after `idleTimeoutMs`. A new environment loads the module once (cold start, `Init Duration`).
 * - Timeout: the clock starts when the handler starts (init has its own 10 s limit); at expiry the environment
 *   is terminated and the result is `Sandbox.Timedout`, "RequestId: {id} Error: Task timed out after 3.00 seconds".
 * - `process.exit` → `Runtime.ExitError`; an uncaught exception → that error's own shape; an unhandled rejection →
 *   `Runtime.UnhandledPromiseRejection`; going past `memorySize` of JS heap → `Runtime.OutOfMemory`. Each ends
 *   only its own environment; the next invocation starts a fresh one.
 * - A non-async handler's return value is ignored: it answers through the callback, or null once its event loop
 *   is empty; an async handler whose promise never settles gets `Runtime.NodeJsExit`.
 * - Load failures: `Runtime.UserCodeSyntaxError`, `Runtime.ImportModuleError` (a missing CommonJS dependency),
 *   `Runtime.HandlerNotFound`; an error thrown by module code is reported as itself. Init is retried next call.
 * - Environments are worker threads: they isolate failures, not hostile code (they share the process, its cwd
 *   and time zone). Off-heap memory (Buffers) is not bounded by `memorySize`.
 *
 * @example
 * const functions = new FunctionRuntime({ logger: (l) => console.log(l.line) })
 * functions.registerDirectory('./functions')
 * const res = await functions.invoke('arn:aws:lambda:us-east-1:123456789012:function:hello', { name: 'Ada' })
 * if (res.functionError) console.error(res.functionError.errorMessage)
 */
export class FunctionRuntime {
  readonly #idleTimeoutMs: number
  readonly #max: number
  readonly #logger: FunctionLogger | undefined
  readonly #region: string
  readonly #accountId: string
  readonly #compiler: ModuleCompiler
  readonly #functions = new Map<string, FunctionEntry>()
  readonly #directories: string[] = []
  readonly #refs = new Map<string, ResolvedRef>()
  /** Every environment whose worker has not exited yet. */
  readonly #all = new Set<Environment>()
  /** Environments stopped to make room: their slot under the cap is free before their worker has exited. */
  readonly #evicted = new WeakSet<Environment>()
  /** Environments counted against the global cap. */
  #counted = 0
  /** Cold starts still compiling or being constructed. */
  #starting = 0
  #sweeper: NodeJS.Timeout | null = null
  #workerUrl: Promise<URL> | null = null
  #closed = false

  constructor(opts: FunctionRuntimeOptions = {}) {
    const idle = opts.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS
    const max = opts.maxEnvironments ?? DEFAULT_MAX_ENVIRONMENTS
    if (!Number.isFinite(idle) || idle <= 0) throw new RangeError('idleTimeoutMs must be a positive number of milliseconds')
    if (!Number.isInteger(max) || max < 1) throw new RangeError('maxEnvironments must be a whole number, 1 or more')
    this.#idleTimeoutMs = idle
    this.#max = max
    this.#logger = opts.logger
    this.#region = opts.region ?? DEFAULT_REGION
    this.#accountId = opts.accountId ?? DEFAULT_ACCOUNT_ID
    this.#compiler = new ModuleCompiler(opts.cacheDir ?? join(tmpdir(), `gatehouse-functions-${process.getuid?.() ?? 'user'}`))
  }

  /**
   * Declares a function, or replaces one: new invocations get environments with the new code and config, while
   * environments running the old one finish their invocation and retire.
   * @throws ConfigError listing every problem with `cfg`.
   */
  register(cfg: FunctionConfig): void {
    const config = resolveFunctionConfig(cfg)
    const existing = this.#functions.get(config.name)
    if (existing === undefined) {
      this.#functions.set(config.name, { name: config.name, config, directory: null, file: null, stamp: null, version: 0, idle: [], inFlight: 0 })
      return
    }
    existing.config = config
    existing.directory = null
    existing.file = null
    existing.stamp = null
    this.#newVersion(existing)
  }

  /**
   * Resolves functions not registered by name from `dir`: NAME → `dir/NAME.{mjs,js,cjs,ts}` or
   * `dir/NAME/index.{mjs,js,cjs,ts}` (then .mts, .cts), found on first invoke, with Lambda's default config.
   * Directories are searched in the order they were added.
   */
  registerDirectory(dir: string): void {
    const abs = resolve(dir)
    if (!this.#directories.includes(abs)) this.#directories.push(abs)
  }

  /** Whether `nameOrArn` names a registered function or one found in a functions directory. */
  has(nameOrArn: string): boolean {
    try {
      const { entry } = this.#lookup(nameOrArn)
      return entry.file !== null || this.#resolveFile(entry) !== null
    } catch {
      return false
    }
  }

  /**
   * Invokes a function synchronously (RequestResponse) and resolves with its outcome: a function that throws,
   * times out, crashes or runs out of memory resolves with `functionError`, never rejects.
   * @throws FunctionNotFoundError when nothing answers to `nameOrArn`.
   * @throws TooManyRequestsError when the function's concurrency (or the global cap) is in use.
   */
  async invoke(nameOrArn: string, event: unknown, opts: { requestId?: string; clientContext?: unknown } = {}): Promise<InvokeResult> {
    if (this.#closed) throw new Error('the function runtime is closed')
    const { entry, invokedFunctionArn } = this.#lookup(nameOrArn)
    this.#refresh(entry)
    const limit = entry.config.reservedConcurrency ?? this.#max
    if (entry.inFlight >= limit) {
      throw new TooManyRequestsError(entry.name, entry.config.reservedConcurrency === undefined ? 'ConcurrentInvocationLimitExceeded' : 'ReservedFunctionConcurrentInvocationLimitExceeded')
    }
    const eventJson = toJson(event, 'event')
    const clientContext = opts.clientContext === undefined ? null : toJson(opts.clientContext, 'clientContext')
    const requestId = opts.requestId ?? randomUUID()
    const req = { requestId, event: eventJson, invokedFunctionArn, clientContext }

    let env = entry.idle.pop()
    // An idle environment can die between invocations (a stray timer throwing) before its exit is processed.
    while (env !== undefined && env.state !== 'idle') env = entry.idle.pop()
    if (env === undefined) {
      if (this.#counted + this.#starting >= this.#max && !this.#evictOldestIdle()) {
        throw new TooManyRequestsError(entry.name, 'ConcurrentInvocationLimitExceeded')
      }
      entry.inFlight++
      try {
        const started = await this.#start(entry, req)
        if (!(started instanceof Environment)) return started
        env = started
      } catch (err) {
        entry.inFlight--
        throw err
      }
    } else {
      entry.inFlight++
    }
    try {
      return await env.invoke(req)
    } finally {
      entry.inFlight--
      this.#release(entry, env)
    }
  }

  /** Environments alive (including starting and retiring ones) and invocations in flight. */
  stats(): { environments: number; inFlight: number } {
    let inFlight = 0
    for (const entry of this.#functions.values()) inFlight += entry.inFlight
    return { environments: this.#counted + this.#starting, inFlight }
  }

  /** Stops every environment; invocations still running reject. The runtime can't be used afterwards. */
  async close(): Promise<void> {
    this.#closed = true
    if (this.#sweeper !== null) clearInterval(this.#sweeper)
    this.#sweeper = null
    const closing = [...this.#all].map((env) => env.terminate(new Error('the function runtime was closed')))
    for (const entry of this.#functions.values()) entry.idle = []
    await Promise.all(closing)
  }

  #lookup(nameOrArn: string): ResolvedRef {
    const cached = this.#refs.get(nameOrArn)
    if (cached !== undefined && this.#functions.get(cached.entry.name) === cached.entry) return cached
    const ref = typeof nameOrArn === 'string' ? parseFunctionRef(nameOrArn) : null
    if (ref === null) throw new FunctionNotFoundError(`Function not found: ${String(nameOrArn)} is not a function name, ARN or integration URI`)
    let entry = this.#functions.get(ref.name)
    if (entry === undefined) {
      for (const dir of this.#directories) {
        const file = findModule(join(dir, ref.name))
        if (file === null) continue
        entry = {
          name: ref.name,
          config: resolveFunctionConfig({ name: ref.name, module: file }),
          directory: dir,
          file: null,
          stamp: null,
          version: 0,
          idle: [],
          inFlight: 0,
        }
        this.#functions.set(ref.name, entry)
        break
      }
    }
    const arn = functionArn(ref.name, ref.region ?? this.#region, ref.accountId ?? this.#accountId, ref.qualifier)
    if (entry === undefined) throw new FunctionNotFoundError(`Function not found: ${arn}`)
    if (this.#refs.size >= REF_CACHE_LIMIT) this.#refs.clear()
    const resolved = { entry, invokedFunctionArn: arn }
    this.#refs.set(nameOrArn, resolved)
    return resolved
  }

  #resolveFile(entry: FunctionEntry): string | null {
    if (entry.directory !== null) return findModule(join(entry.directory, entry.name))
    const st = statSync(entry.config.module, { throwIfNoEntry: false })
    if (st?.isFile()) return (MODULE_EXTENSIONS as readonly string[]).includes(extname(entry.config.module)) ? entry.config.module : null
    if (st?.isDirectory()) return findModule(join(entry.config.module, 'index'))
    return null
  }

  // The one stat per invocation: a changed file means a new code version for environments started from now on.
  #refresh(entry: FunctionEntry): void {
    const st = entry.file === null ? undefined : statSync(entry.file, { throwIfNoEntry: false })
    if (st !== undefined && st.isFile()) {
      const s = entry.stamp
      if (s !== null && s.mtimeMs === st.mtimeMs && s.size === st.size && s.ino === st.ino) return
      entry.stamp = { mtimeMs: st.mtimeMs, size: st.size, ino: st.ino }
      if (s !== null) this.#newVersion(entry)
      return
    }
    const file = this.#resolveFile(entry)
    if (file === null) {
      const where = entry.directory !== null ? `in ${entry.directory}` : `at ${entry.config.module}`
      if (entry.directory !== null && entry.inFlight === 0) {
        this.#functions.delete(entry.name)
        this.#retireIdle(entry)
      }
      throw new FunctionNotFoundError(`Function not found: ${functionArn(entry.name, this.#region, this.#accountId)} (no module ${where})`)
    }
    const fst = statSync(file)
    const hadFile = entry.file !== null
    entry.file = file
    entry.stamp = { mtimeMs: fst.mtimeMs, size: fst.size, ino: fst.ino }
    if (hadFile) this.#newVersion(entry)
  }

  #newVersion(entry: FunctionEntry): void {
    entry.version++
    this.#retireIdle(entry)
  }

  #retireIdle(entry: FunctionEntry): void {
    const idle = entry.idle
    entry.idle = []
    for (const env of idle) void env.terminate()
  }

  /** Starts an environment for `entry`; a module that does not compile gives its failed result instead. */
  async #start(entry: FunctionEntry, req: { requestId: string }): Promise<Environment | InvokeResult> {
    const startedAt = performance.now()
    const config = entry.config
    const file = entry.file!
    const version = entry.version
    this.#starting++
    let env: Environment
    try {
      let url: string
      try {
        url = await this.#compiler.urlFor(file)
      } catch (err) {
        if (!(err instanceof CompileError)) throw err
        return this.#compileFailure(config, req.requestId, err, performance.now() - startedAt)
      }
      const workerUrl = await this.#resolveWorkerUrl()
      const now = new Date()
      const logStreamName = `${now.toISOString().slice(0, 10).replaceAll('-', '/')}/[$LATEST]${randomBytes(16).toString('hex')}`
      const handlerString = `${basename(file, extname(file))}.${config.handler}`
      const created: Environment = new Environment({
        workerUrl,
        init: {
          url,
          handler: config.handler,
          handlerString,
          functionName: config.name,
          memorySize: config.memorySize,
          logGroupName: `/aws/lambda/${config.name}`,
          logStreamName,
          sourceMaps: isTypeScript(file),
        },
        env: lambdaEnvironment(config, { region: this.#region, logStreamName, handlerString, taskRoot: dirname(file) }),
        timeoutSeconds: config.timeout,
        startedAt,
        logger: this.#logger,
        onExit: () => this.#onEnvExit(entry, created),
      }, version)
      env = created
    } finally {
      this.#starting--
    }
    this.#all.add(env)
    this.#counted++
    if (this.#closed) void env.terminate()
    this.#startSweeper()
    return env
  }

  #compileFailure(config: ResolvedFunctionConfig, requestId: string, err: CompileError, initMs: number): InvokeResult {
    // esbuild refusing the module is what a syntax error is on Lambda.
    const error = runtimeError('Runtime.UserCodeSyntaxError', `SyntaxError: ${err.message}`)
    const lines = [
      `${new Date().toISOString()}\tundefined\tERROR\tUncaught Exception \t${JSON.stringify(error)}`,
      `START RequestId: ${requestId} Version: $LATEST`,
      `END RequestId: ${requestId}`,
      `REPORT RequestId: ${requestId}\tDuration: 0.00 ms\tBilled Duration: 1 ms\tMemory Size: ${config.memorySize} MB\tMax Memory Used: 0 MB\tInit Duration: ${initMs.toFixed(2)} ms\tStatus: error\tError Type: ${error.errorType}\t`,
    ]
    if (this.#logger !== undefined) {
      const levels = ['ERROR', 'START', 'END', 'REPORT']
      lines.forEach((line, i) => {
        try {
          this.#logger!({ functionName: config.name, requestId: i === 0 ? 'undefined' : requestId, level: levels[i]!, message: line, line })
        } catch {
          // see Environment#log
        }
      })
    }
    return { functionError: error, logs: lines, durationMs: 0, coldStart: true, initDurationMs: initMs, requestId }
  }

  // Running from TypeScript sources (tsx), the worker is compiled like a TypeScript function; from dist/ it is
  // dist/functions/worker.js, next to this module.
  #resolveWorkerUrl(): Promise<URL> {
    if (this.#workerUrl === null) {
      const here = import.meta.url
      const ext = extname(new URL(here).pathname)
      const source = new URL(`./worker${ext}`, here)
      this.#workerUrl = ext === '.js' || ext === '.mjs'
        ? Promise.resolve(source)
        : this.#compiler.urlFor(fileURLToPath(source)).then((u) => new URL(u))
      this.#workerUrl.catch(() => {
        this.#workerUrl = null
      })
    }
    return this.#workerUrl
  }

  #release(entry: FunctionEntry, env: Environment): void {
    if (env.state !== 'idle') return
    if (this.#closed || env.version !== entry.version || this.#functions.get(entry.name) !== entry) {
      void env.terminate()
      return
    }
    entry.idle.push(env)
  }

  #onEnvExit(entry: FunctionEntry, env: Environment): void {
    this.#all.delete(env)
    if (!this.#evicted.has(env)) this.#counted--
    const i = entry.idle.indexOf(env)
    if (i !== -1) entry.idle.splice(i, 1)
    if (this.#all.size === 0 && this.#sweeper !== null) {
      clearInterval(this.#sweeper)
      this.#sweeper = null
    }
  }

  /** Frees a slot under the global cap by stopping the least recently used idle environment. */
  #evictOldestIdle(): boolean {
    let oldest: FunctionEntry | null = null
    for (const entry of this.#functions.values()) {
      const first = entry.idle[0]
      if (first !== undefined && (oldest === null || first.lastUsed < oldest.idle[0]!.lastUsed)) oldest = entry
    }
    const env = oldest?.idle.shift()
    if (env === undefined) return false
    void env.terminate()
    // The slot is free now: the worker is on its way out.
    this.#evicted.add(env)
    this.#counted--
    return true
  }

  #startSweeper(): void {
    if (this.#sweeper !== null) return
    const period = Math.min(Math.max(this.#idleTimeoutMs / 2, 10), 30_000)
    this.#sweeper = setInterval(() => this.#sweep(), period)
    this.#sweeper.unref()
  }

  #sweep(): void {
    const cutoff = performance.now() - this.#idleTimeoutMs
    for (const entry of this.#functions.values()) {
      while (entry.idle.length > 0 && entry.idle[0]!.lastUsed <= cutoff) void entry.idle.shift()!.terminate()
    }
  }
}

function findModule(base: string): string | null {
  for (const ext of MODULE_EXTENSIONS) {
    const file = base + ext
    if (statSync(file, { throwIfNoEntry: false })?.isFile()) return file
  }
  for (const ext of MODULE_EXTENSIONS) {
    const file = join(base, 'index' + ext)
    if (statSync(file, { throwIfNoEntry: false })?.isFile()) return file
  }
  return null
}

function toJson(value: unknown, what: string): string {
  let json: string | undefined
  try {
    json = JSON.stringify(value === undefined ? null : value)
  } catch (err) {
    throw new TypeError(`${what} is not JSON-serialisable: ${(err as Error).message}`)
  }
  return json ?? 'null'
}
