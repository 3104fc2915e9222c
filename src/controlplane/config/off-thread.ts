// Loading the desired state off the event loop: loadDesiredState runs in a worker thread of its own, one per
// load, so that reading, parsing (YAML is slow), importing and validating large or hostile files never holds up
// requests or the admin listener, and the parse's memory goes when the worker ends. The main thread only
// receives the result, plain data. A load that runs too long or needs too much memory is stopped and refused.

import { Worker } from 'node:worker_threads'
import { extname } from 'node:path'
import { ConfigError, type ConfigProblem } from '../../errors.js'
import type { DesiredState, Sources } from './desired.js'

/** What the worker is given: the sources without the clock function, and the clock's reading. */
export interface LoadRequest {
  sources: Omit<Sources, 'now'>
  /** ISO time of the load (`Sources.now`, read on the calling thread). */
  now: string
}

/** What the worker answers. */
export type LoadReply =
  | { kind: 'loaded'; state: DesiredState }
  | { kind: 'refused'; problems: ConfigProblem[] }
  | { kind: 'failed'; message: string; stack?: string }

export interface OffThreadOptions {
  /** A load still running after this long is stopped and refused (default 120 s). */
  timeoutMs?: number
  /** The worker's heap limit (V8 old generation); a load that needs more is stopped and refused (default 2048 MB). */
  maxHeapMb?: number
  /** Stops the load (the gateway is stopping); the promise rejects with the signal's reason. */
  signal?: AbortSignal
}

export const LOAD_TIMEOUT_MS = 120_000
export const LOAD_MAX_HEAP_MB = 2048

/**
 * Like loadDesiredState, in a worker thread: resolves to the desired state, or rejects with a ConfigError
 * listing every problem (a load stopped for time or memory is one problem saying so).
 *
 * @example
 * const desired = await loadDesiredStateOffThread({ configFile: 'gatehouse.yaml', restApis: [], httpApis: [], stageVariables: {} })
 */
export function loadDesiredStateOffThread(sources: Sources, opts: OffThreadOptions = {}): Promise<DesiredState> {
  const { now, ...plain } = sources
  const request: LoadRequest = { sources: plain, now: (now?.() ?? new Date()).toISOString() }
  const timeoutMs = opts.timeoutMs ?? LOAD_TIMEOUT_MS
  const maxHeapMb = opts.maxHeapMb ?? LOAD_MAX_HEAP_MB
  const what = sources.configFile ?? [...sources.restApis, ...sources.httpApis].join(', ')
  const refuse = (message: string): ConfigError => new ConfigError([sources.configFile !== undefined ? { file: sources.configFile, path: '', message } : { path: '', message }])

  return new Promise<DesiredState>((resolve, reject) => {
    if (opts.signal?.aborted) return reject(opts.signal.reason)
    const worker = startWorker(request, maxHeapMb)
    let settled = false
    const settle = (fn: () => void): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      opts.signal?.removeEventListener('abort', onAbort)
      void worker.terminate()
      fn()
    }
    const timer = setTimeout(() => {
      settle(() => reject(refuse(`loading the configuration (${what}) took longer than ${Math.round(timeoutMs / 1000)} s and was stopped`)))
    }, timeoutMs)
    const onAbort = (): void => settle(() => reject(opts.signal!.reason))
    opts.signal?.addEventListener('abort', onAbort, { once: true })
    worker.once('message', (reply: LoadReply) => {
      settle(() => {
        if (reply.kind === 'loaded') resolve(reply.state)
        else if (reply.kind === 'refused') reject(new ConfigError(reply.problems))
        else {
          const err = new Error(reply.message)
          if (reply.stack !== undefined) err.stack = reply.stack
          reject(err)
        }
      })
    })
    worker.once('error', (err: Error & { code?: string }) => {
      settle(() =>
        reject(
          err.code === 'ERR_WORKER_OUT_OF_MEMORY'
            ? refuse(`loading the configuration (${what}) needed more than ${maxHeapMb} MB of memory and was stopped`)
            : err,
        ),
      )
    })
    worker.once('exit', (code) => settle(() => reject(new Error(`the config loader thread ended without an answer (exit code ${code})`))))
  })
}

/**
 * The worker: from dist/, load-worker.js next to this module; from TypeScript sources (tests and development
 * run through tsx), load-worker.ts, with tsx registered in the worker first (Node 20 does not hand the
 * parent's `--import tsx` hooks to worker threads).
 */
function startWorker(request: LoadRequest, maxHeapMb: number): Worker {
  const here = import.meta.url
  const ext = extname(new URL(here).pathname)
  const options = { workerData: request, resourceLimits: { maxOldGenerationSizeMb: maxHeapMb } }
  if (ext === '.js' || ext === '.mjs') return new Worker(new URL('./load-worker.js', here), options)
  const entry = new URL(`./load-worker${ext}`, here).href
  const tsx = import.meta.resolve('tsx/esm/api')
  const boot = `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}) })`
  return new Worker(boot, { ...options, eval: true })
}
