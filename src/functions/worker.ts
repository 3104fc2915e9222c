// One Lambda execution environment, run as a worker thread: loads the user's module once (init), then runs one
// invocation at a time under the Node.js runtime's handler contract — async or callback style,
// callbackWaitsForEmptyEventLoop, context.done/succeed/fail — and captures console output per request id.

import { parentPort, workerData } from 'node:worker_threads'
import { format } from 'node:util'
import { getHeapStatistics } from 'node:v8'
import { performance } from 'node:perf_hooks'
import {
  MAX_RESPONSE_BYTES,
  formatLoggedError,
  nodeJsExitError,
  responseTooLargeError,
  runtimeError,
  toErrorShape,
  type FunctionErrorShape,
} from './error-shape.js'
import type { FromWorker, InvokeMessage, ToWorker, WorkerInit } from './protocol.js'

type Handler = (event: unknown, context: unknown, callback: (err?: unknown, result?: unknown) => void) => unknown

if (parentPort === null) throw new Error('functions/worker must run as a worker thread')
const port = parentPort
const init = workerData as WorkerInit
if (init.sourceMaps) process.setSourceMapsEnabled(true)

function post(msg: FromWorker): void {
  port.postMessage(msg)
}

// Lambda prints "undefined" as the request id of lines logged during init; later lines carry the latest request's id.
let requestId = 'undefined'

function log(level: string, args: unknown[]): void {
  const message = format(...args)
  post({ t: 'log', requestId, level, message, line: `${new Date().toISOString()}\t${requestId}\t${level}\t${message}` })
}

// The Node.js runtime's console levels (text log format).
console.log = (...args: unknown[]) => log('INFO', args)
console.info = (...args: unknown[]) => log('INFO', args)
console.warn = (...args: unknown[]) => log('WARN', args)
console.error = (...args: unknown[]) => log('ERROR', args)
console.debug = (...args: unknown[]) => log('DEBUG', args)
console.trace = (...args: unknown[]) => log('TRACE', args)

// Raw writes reach CloudWatch unprefixed on Lambda; here they become log lines of the current request, in order with
// console lines, instead of landing on the gateway's own stdout.
for (const [stream, level] of [[process.stdout, 'INFO'], [process.stderr, 'ERROR']] as const) {
  const raw = function write(chunk: unknown, encoding?: unknown, cb?: unknown): boolean {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString(typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8')
    const message = text.endsWith('\n') ? text.slice(0, -1) : text
    post({ t: 'log', requestId, level, message, line: message })
    const done = typeof encoding === 'function' ? encoding : cb
    if (typeof done === 'function') queueMicrotask(() => (done as () => void)())
    return true
  }
  ;(stream as unknown as { write: typeof raw }).write = raw
}

let handler: Handler | null = null
let isAsync = false
let dying = false

interface Invocation {
  readonly requestId: string
  readonly started: number
  /** Any of callback/done/succeed/fail was called: later calls are ignored, as in Lambda. */
  called: boolean
  /** context.callbackWaitsForEmptyEventLoop */
  waitsForEmptyLoop: boolean
  /** callback(null, result) while waiting for the event loop to empty. */
  waiting: { result: unknown } | null
  completed: boolean
}

let active: Invocation | null = null

function memoryMb(): number {
  const h = getHeapStatistics()
  return Math.ceil((h.total_heap_size + h.external_memory) / 1_048_576)
}

function complete(inv: Invocation, payload: string | undefined, error: FunctionErrorShape | undefined): void {
  if (inv.completed || dying) return
  inv.completed = true
  active = null
  const msg: FromWorker = error === undefined
    ? { t: 'done', requestId: inv.requestId, payload: payload ?? 'null', durationMs: performance.now() - inv.started, memoryMb: memoryMb() }
    : { t: 'done', requestId: inv.requestId, error, durationMs: performance.now() - inv.started, memoryMb: memoryMb() }
  post(msg)
  // Keep the environment alive for the next invocation (the port is unref'd while a handler runs, see run()).
  port.ref()
}

function succeed(inv: Invocation, result: unknown): void {
  let json: string | undefined
  try {
    json = JSON.stringify(result === undefined ? null : result)
  } catch {
    // What the Node.js runtime reports for a result JSON.stringify refuses (a cycle, a BigInt).
    fail(inv, new Error('Unable to stringify response body'))
    return
  }
  if (json !== undefined && json.length * 3 > MAX_RESPONSE_BYTES && Buffer.byteLength(json) > MAX_RESPONSE_BYTES) {
    failWith(inv, responseTooLargeError())
    return
  }
  complete(inv, json, undefined)
}

function fail(inv: Invocation, err: unknown): void {
  failWith(inv, toErrorShape(err))
}

function failWith(inv: Invocation, shape: FunctionErrorShape): void {
  if (inv.completed) return
  log('ERROR', ['Invoke Error', '\t' + formatLoggedError(shape)])
  complete(inv, undefined, shape)
}

function buildContext(inv: Invocation, msg: InvokeMessage): object {
  const deadline = Date.now() + msg.timeoutMs
  const done = (err?: unknown, result?: unknown): void => {
    if (inv.called) return
    inv.called = true
    if (err !== undefined && err !== null) fail(inv, err)
    else succeed(inv, result)
  }
  const context = {
    get callbackWaitsForEmptyEventLoop() {
      return inv.waitsForEmptyLoop
    },
    set callbackWaitsForEmptyEventLoop(value: boolean) {
      inv.waitsForEmptyLoop = value
    },
    succeed: (result?: unknown) => done(null, result),
    // fail() with nothing reports the string "handled", as the Node.js runtime does.
    fail: (err?: unknown) => done(err === undefined || err === null ? 'handled' : err),
    done,
    functionVersion: '$LATEST',
    functionName: init.functionName,
    memoryLimitInMB: String(init.memorySize),
    logGroupName: init.logGroupName,
    logStreamName: init.logStreamName,
    clientContext: msg.clientContext === null ? undefined : (JSON.parse(msg.clientContext) as unknown),
    identity: undefined,
    invokedFunctionArn: msg.invokedFunctionArn,
    awsRequestId: msg.requestId,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  }
  return context
}

function run(msg: InvokeMessage): void {
  if (handler === null || active !== null || dying) return
  requestId = msg.requestId
  const inv: Invocation = {
    requestId: msg.requestId,
    started: performance.now(),
    called: false,
    waitsForEmptyLoop: true,
    waiting: null,
    completed: false,
  }
  active = inv
  // While the handler runs, only the user's own work keeps this thread's event loop alive, so 'beforeExit' tells
  // us the loop has emptied — the moment Lambda answers a callback handler (callbackWaitsForEmptyEventLoop).
  port.unref()
  const callback = (err?: unknown, result?: unknown): void => {
    if (inv.called) return
    inv.called = true
    if (err !== undefined && err !== null) fail(inv, err)
    else if (!inv.waitsForEmptyLoop) succeed(inv, result)
    else inv.waiting = { result }
  }
  const context = buildContext(inv, msg) as { succeed: (r: unknown) => void; fail: (e: unknown) => void }
  try {
    const result = handler(JSON.parse(msg.event), context, callback)
    if (result !== null && typeof result === 'object' && typeof (result as { then?: unknown }).then === 'function') {
      ;(result as PromiseLike<unknown>).then(context.succeed, context.fail)
    }
    // A plain return value is ignored, as in Lambda: a non-async handler answers through the callback, or with
    // null once the event loop is empty.
  } catch (err) {
    callback(err)
  }
}

process.on('beforeExit', () => {
  const inv = active
  if (inv === null || inv.completed) return
  if (inv.waiting !== null) succeed(inv, inv.waiting.result)
  else if (inv.called) return
  else if (isAsync) {
    inv.called = true
    failWith(inv, nodeJsExitError())
  } else {
    inv.called = true
    succeed(inv, null)
  }
})

function fatal(label: string, shape: FunctionErrorShape, exitCode: number): void {
  if (dying) return
  log('ERROR', [label, '\t' + formatLoggedError(shape)])
  dying = true
  if (handler === null) post({ t: 'initError', error: shape })
  else post({ t: 'fatal', requestId: active?.requestId ?? null, error: shape })
  // As the Node.js runtime does: report, then end the environment. Messages posted before exit are delivered.
  process.exit(exitCode)
}

process.on('uncaughtException', (err) => fatal('Uncaught Exception', toErrorShape(err), 129))
process.on('unhandledRejection', (reason) => {
  let text: string
  try {
    text = String(reason)
  } catch {
    text = 'a rejection that cannot be turned into text'
  }
  const frames = reason instanceof Error && typeof reason.stack === 'string' ? reason.stack.split('\n').filter((l) => l.startsWith('    at ')) : []
  fatal('Unhandled Promise Rejection', { errorType: 'Runtime.UnhandledPromiseRejection', errorMessage: text, stackTrace: [`Runtime.UnhandledPromiseRejection: ${text}`, ...frames] }, 128)
})

function resolveExport(root: unknown, path: string): unknown {
  let cur: unknown = root
  for (const key of path.split('.')) {
    if (cur === null || cur === undefined) return undefined
    cur = (cur as Record<string, unknown>)[key]
  }
  return cur
}

/** The Node.js runtime's classification of load failures. */
function initErrorShape(err: unknown): FunctionErrorShape {
  if (err instanceof SyntaxError) return { ...toErrorShape(err), errorType: 'Runtime.UserCodeSyntaxError', errorMessage: String(err) }
  if ((err as { code?: unknown } | null)?.code === 'MODULE_NOT_FOUND') return runtimeError('Runtime.ImportModuleError', String(err))
  return toErrorShape(err)
}

async function load(): Promise<Handler> {
  const mod: unknown = await import(init.url)
  // CommonJS modules imported as ESM expose module.exports as `default`; named exports are found when Node can see them.
  let fn = resolveExport(mod, init.handler)
  if (fn === undefined) fn = resolveExport((mod as { default?: unknown }).default, init.handler)
  if (!fn) throw Object.assign(new Error(`${init.handlerString} is undefined or not exported`), { name: 'Runtime.HandlerNotFound' })
  if (typeof fn !== 'function') throw Object.assign(new Error(`${init.handlerString} is not a function`), { name: 'Runtime.HandlerNotFound' })
  return fn as Handler
}

const initStarted = performance.now()
load().then(
  (fn) => {
    if (dying) return
    handler = fn
    isAsync = fn.constructor?.name === 'AsyncFunction'
    port.on('message', (msg: ToWorker) => {
      if (msg.t === 'invoke') run(msg)
    })
    post({ t: 'ready', initMs: performance.now() - initStarted })
  },
  (err: unknown) => {
    const shape = (err as { name?: unknown } | null)?.name === 'Runtime.HandlerNotFound'
      ? runtimeError('Runtime.HandlerNotFound', (err as Error).message)
      : initErrorShape(err)
    fatal('Uncaught Exception', shape, 129)
  },
)
