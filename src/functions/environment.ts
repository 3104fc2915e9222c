// The runtime's side of one execution environment (one worker thread): cold start, one invocation at a time, the
// timeout, crash and out-of-memory outcomes, and the CloudWatch-style START/END/REPORT lines around each request.

import { Worker } from 'node:worker_threads'
import { performance } from 'node:perf_hooks'
import {
  exitError,
  outOfMemoryError,
  timeoutError,
  type FunctionErrorShape,
} from './error-shape.js'
import type { FromWorker, ToWorker, WorkerInit } from './protocol.js'

/** The outcome of one invocation. */
export interface InvokeResult {
  /** The handler's result (after Lambda's JSON round trip; `undefined` becomes null), on success. */
  payload?: unknown
  /**
   * Set when the function failed, in Lambda's error shape; Lambda would answer with
   * `X-Amz-Function-Error: Unhandled`.
   */
  functionError?: FunctionErrorShape
  /** The log lines of this invocation as CloudWatch shows them: init output on a cold start, START, console, END, REPORT. */
  logs: string[]
  /** Time in the handler (ms); for a timeout, the time until the environment was stopped. */
  durationMs: number
  /** Whether a new environment was started for this invocation. */
  coldStart: boolean
  /** Init duration (ms) on a cold start: compiling, starting the worker and loading the module. */
  initDurationMs?: number
  requestId: string
}

/** One log line, as handed to the runtime's logger. */
export interface FunctionLogLine {
  functionName: string
  /** The request the line belongs to; "undefined" for lines logged during init, as on Lambda. */
  requestId: string
  /** INFO, WARN, ERROR, DEBUG or TRACE for the function's own output; START, END or REPORT for the runtime's lines. */
  level: string
  /** The text the function logged (or the runtime line). */
  message: string
  /** The whole line as CloudWatch shows it (`{time}\t{requestId}\t{LEVEL}\t{message}`). */
  line: string
}

export type FunctionLogger = (line: FunctionLogLine) => void

export interface EnvironmentOptions {
  readonly workerUrl: URL
  readonly init: WorkerInit
  readonly env: Record<string, string>
  readonly timeoutSeconds: number
  /** performance.now() when the cold start began (before compiling), for Init Duration. */
  readonly startedAt: number
  readonly logger: FunctionLogger | undefined
  readonly onExit: (env: Environment) => void
}

export interface EnvironmentRequest {
  readonly requestId: string
  readonly event: string
  readonly invokedFunctionArn: string
  readonly clientContext: string | null
}

interface Pending {
  readonly req: EnvironmentRequest
  readonly resolve: (r: InvokeResult) => void
  readonly reject: (e: Error) => void
  readonly logs: string[]
  readonly coldStart: boolean
  timer: NodeJS.Timeout | null
  dispatchedAt: number
}

/**
 * Node flags for environments: the gateway's own, without its preloads and loaders (`--import tsx` when running
 * from sources) — they belong to the gateway, cost every cold start, and user code does not expect them — and
 * without flags about the gateway's entry point (`--input-type`), which would break the worker's.
 */
const WORKER_EXEC_ARGV = ((): string[] => {
  const withValue = new Set(['--import', '--require', '-r', '--loader', '--experimental-loader', '--input-type', '--eval', '-e', '--print', '-p'])
  const out: string[] = []
  const args = process.execArgv
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!
    const name = a.split('=')[0]!
    if (withValue.has(name)) {
      if (!a.includes('=')) i++
      continue
    }
    out.push(a)
  }
  return out
})()

/** Lambda's limit on the init phase. */
const INIT_LIMIT_MS = 10_000

/**
 * One worker thread running one function's code. `state` tells the runtime what it may do with it:
 * `idle` environments take the next invocation; `dead` ones are gone or going.
 */
export class Environment {
  readonly functionName: string
  readonly memorySize: number
  /** The code version this environment loaded; the runtime retires it when the function changes. */
  readonly version: number
  state: 'starting' | 'busy' | 'idle' | 'dead' = 'starting'
  /** performance.now() of the last completed invocation. */
  lastUsed = 0

  readonly #worker: Worker
  readonly #opts: EnvironmentOptions
  readonly #timeoutMs: number
  #current: Pending | null = null
  #initMs = 0
  #served = 0
  #maxMemoryMb = 0
  #workerError: Error | null = null
  #exited = false

  constructor(opts: EnvironmentOptions, version: number) {
    this.#opts = opts
    this.functionName = opts.init.functionName
    this.memorySize = opts.init.memorySize
    this.version = version
    this.#timeoutMs = Math.round(opts.timeoutSeconds * 1000)
    this.#worker = new Worker(opts.workerUrl, {
      workerData: opts.init,
      env: opts.env,
      execArgv: WORKER_EXEC_ARGV,
      // The function's memory bounds its JS heap; going past it ends this worker only (ERR_WORKER_OUT_OF_MEMORY).
      resourceLimits: { maxOldGenerationSizeMb: opts.init.memorySize },
    })
    this.#worker.on('message', (msg: FromWorker) => this.#onMessage(msg))
    this.#worker.on('error', (err: Error) => {
      this.#workerError = err
    })
    this.#worker.on('exit', (code: number) => this.#onExit(code))
  }

  /** Runs one invocation. Resolves with the outcome whatever the function does; rejects only when terminated. */
  invoke(req: EnvironmentRequest): Promise<InvokeResult> {
    return new Promise<InvokeResult>((resolve, reject) => {
      if (this.state !== 'idle' && this.state !== 'starting') {
        reject(new Error(`environment of ${this.functionName} is ${this.state}`))
        return
      }
      const coldStart = this.#served === 0
      this.#served++
      const p: Pending = { req, resolve, reject, logs: [], coldStart, timer: null, dispatchedAt: 0 }
      this.#current = p
      // Hold the process open while work is pending; an idle environment does not.
      this.#worker.ref()
      if (this.state === 'starting') p.timer = setTimeout(() => this.#onInitTimeout(p), INIT_LIMIT_MS)
      else this.#dispatch(p)
    })
  }

  /** Stops the worker. An invocation still running is rejected with `reason`. */
  terminate(reason?: Error): Promise<void> {
    const p = this.#current
    if (p !== null) {
      this.#current = null
      if (p.timer !== null) clearTimeout(p.timer)
      p.reject(reason ?? new Error(`environment of ${this.functionName} terminated`))
    }
    this.state = 'dead'
    if (this.#exited) return Promise.resolve()
    return this.#worker.terminate().then(() => undefined)
  }

  #dispatch(p: Pending): void {
    this.state = 'busy'
    p.dispatchedAt = performance.now()
    this.#platform(p, 'START', `START RequestId: ${p.req.requestId} Version: $LATEST`)
    const msg: ToWorker = {
      t: 'invoke',
      requestId: p.req.requestId,
      event: p.req.event,
      timeoutMs: this.#timeoutMs,
      invokedFunctionArn: p.req.invokedFunctionArn,
      clientContext: p.req.clientContext,
    }
    this.#worker.postMessage(msg)
    p.timer = setTimeout(() => this.#onTimeout(p), this.#timeoutMs)
  }

  #onMessage(msg: FromWorker): void {
    const p = this.#current
    switch (msg.t) {
      case 'log':
        if (p !== null) p.logs.push(msg.line)
        this.#log(msg.requestId, msg.level, msg.message, msg.line)
        return
      case 'ready':
        this.#initMs = performance.now() - this.#opts.startedAt
        if (p === null) {
          this.state = 'idle'
          return
        }
        if (p.timer !== null) clearTimeout(p.timer)
        this.#dispatch(p)
        return
      case 'initError':
        if (p === null) return
        this.#initMs = performance.now() - this.#opts.startedAt
        this.state = 'dead'
        this.#platform(p, 'START', `START RequestId: ${p.req.requestId} Version: $LATEST`)
        this.#finish(p, { error: msg.error, durationMs: 0, status: `error\tError Type: ${msg.error.errorType}` })
        return
      case 'done':
        if (p === null || msg.requestId !== p.req.requestId) return
        if (msg.memoryMb > this.#maxMemoryMb) this.#maxMemoryMb = msg.memoryMb
        this.state = 'idle'
        this.lastUsed = performance.now()
        this.#worker.unref()
        if (msg.error !== undefined) this.#finish(p, { error: msg.error, durationMs: msg.durationMs })
        else this.#finish(p, { payload: msg.payload ?? 'null', durationMs: msg.durationMs })
        return
      case 'fatal':
        // The worker exits right after this message.
        this.state = 'dead'
        if (p === null || (msg.requestId !== null && msg.requestId !== p.req.requestId)) return
        this.#finish(p, { error: msg.error, durationMs: performance.now() - p.dispatchedAt, status: `error\tError Type: ${msg.error.errorType}` })
        return
    }
  }

  #onTimeout(p: Pending): void {
    if (this.#current !== p) return
    this.state = 'dead'
    void this.#worker.terminate()
    const seconds = this.#opts.timeoutSeconds
    const message = `Task timed out after ${seconds.toFixed(2)} seconds`
    const line = `${new Date().toISOString()} ${p.req.requestId} ${message}`
    p.logs.push(line)
    this.#log(p.req.requestId, 'ERROR', message, line)
    this.#finish(p, { error: timeoutError(p.req.requestId, seconds), durationMs: performance.now() - p.dispatchedAt, status: 'timeout' })
  }

  #onInitTimeout(p: Pending): void {
    if (this.#current !== p) return
    this.state = 'dead'
    void this.#worker.terminate()
    this.#initMs = performance.now() - this.#opts.startedAt
    this.#platform(p, 'START', `START RequestId: ${p.req.requestId} Version: $LATEST`)
    // AWS reports an init phase that runs out of time with the function's own timeout message (Sandbox.Timedout).
    this.#finish(p, { error: timeoutError(p.req.requestId, this.#opts.timeoutSeconds), durationMs: 0, status: 'timeout' })
  }

  #onExit(code: number): void {
    this.#exited = true
    this.state = 'dead'
    const p = this.#current
    if (p !== null) {
      const oom = (this.#workerError as { code?: unknown } | null)?.code === 'ERR_WORKER_OUT_OF_MEMORY'
      if (oom) this.#maxMemoryMb = this.memorySize
      const error = oom ? outOfMemoryError(p.req.requestId) : exitError(p.req.requestId, code)
      if (p.dispatchedAt === 0) this.#platform(p, 'START', `START RequestId: ${p.req.requestId} Version: $LATEST`)
      if (!oom && this.#workerError !== null) {
        // The environment itself failed (not the handler): say why, or nobody can tell.
        const why = `environment failed: ${this.#workerError.stack ?? this.#workerError.message}`
        const whyLine = `${new Date().toISOString()}\t${p.req.requestId}\tERROR\t${why}`
        p.logs.push(whyLine)
        this.#log(p.req.requestId, 'ERROR', why, whyLine)
      }
      const line = `RequestId: ${p.req.requestId} Error: ${error.errorMessage.replace(/^RequestId: \S+ Error: /, '')}\n${error.errorType}`
      p.logs.push(line)
      this.#log(p.req.requestId, 'ERROR', line, line)
      this.#finish(p, {
        error,
        durationMs: p.dispatchedAt === 0 ? 0 : performance.now() - p.dispatchedAt,
        status: `error\tError Type: ${error.errorType}`,
      })
    }
    this.#opts.onExit(this)
  }

  #finish(p: Pending, o: { payload?: string; error?: FunctionErrorShape; durationMs: number; status?: string }): void {
    if (this.#current !== p) return
    this.#current = null
    if (p.timer !== null) clearTimeout(p.timer)
    const id = p.req.requestId
    this.#platform(p, 'END', `END RequestId: ${id}`)
    let report = `REPORT RequestId: ${id}\tDuration: ${o.durationMs.toFixed(2)} ms\tBilled Duration: ${Math.max(1, Math.ceil(o.durationMs))} ms\tMemory Size: ${this.memorySize} MB\tMax Memory Used: ${this.#maxMemoryMb} MB\t`
    if (p.coldStart) report += `Init Duration: ${this.#initMs.toFixed(2)} ms\t`
    if (o.status !== undefined) report += `Status: ${o.status}\t`
    this.#platform(p, 'REPORT', report)
    const result: InvokeResult = { logs: p.logs, durationMs: o.durationMs, coldStart: p.coldStart, requestId: id }
    if (p.coldStart) result.initDurationMs = this.#initMs
    if (o.error !== undefined) result.functionError = o.error
    else result.payload = JSON.parse(o.payload ?? 'null') as unknown
    p.resolve(result)
  }

  #platform(p: Pending, level: string, line: string): void {
    p.logs.push(line)
    this.#log(p.req.requestId, level, line, line)
  }

  #log(requestId: string, level: string, message: string, line: string): void {
    const logger = this.#opts.logger
    if (logger === undefined) return
    try {
      logger({ functionName: this.functionName, requestId, level, message, line })
    } catch {
      // A failing logger must not take an invocation (or the gateway) down with it.
    }
  }
}
