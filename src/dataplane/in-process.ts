// Runs one request through a plan without a socket: an Exchange held in memory, the same runner, steps,
// integrations and client writer as a request from the network. The control plane's TestInvokeMethod uses
// it (through a port the gateway composes), so a test invocation answers exactly what a client would get.

import { Readable } from 'node:stream'
import { performance } from 'node:perf_hooks'
import { RequestContext, type Exchange, type RequestHeaders } from './context.js'
import type { GatewayPlan } from './plan.js'
import { CLIENT } from './respond.js'
import { Runner, type RunnerLogger } from './runner.js'
import { extendedRequestId, requestId } from '../model/ids.js'

export interface InProcessRequest {
  method: string
  /** Path and query, e.g. `/test-invoke-stage/pets?x=1`. */
  url: string
  /** Name/value pairs in order (a name may repeat). */
  headers: ReadonlyArray<readonly [string, string]>
  body?: Buffer
}

export interface InProcessResponse {
  status: number
  /** Name/value pairs as the client writer wrote them. */
  headers: Array<[string, string]>
  body: Buffer
  requestId: string
}

class MemoryExchange implements Exchange {
  readonly method: string
  readonly url: string
  readonly headers: RequestHeaders
  readonly rawHeaders: readonly string[]
  readonly httpVersion = '1.1'
  readonly remoteAddress = '127.0.0.1'
  readonly localPort = 0
  readonly secure = false
  readonly bodyStream: Readable
  started = false
  keepAlive = false
  /** The body is in memory from the start. */
  readonly bodyPending = false
  status = 0
  responseHeaders: Array<[string, string]> = []
  readonly #chunks: Buffer[] = []
  readonly #closers = new Set<() => void>()
  readonly #done: (r: { status: number; headers: Array<[string, string]>; body: Buffer }) => void
  readonly #failed: (err: Error) => void

  constructor(req: InProcessRequest, done: (r: { status: number; headers: Array<[string, string]>; body: Buffer }) => void, failed: (err: Error) => void) {
    this.method = req.method
    this.url = req.url
    const headers: Record<string, string | string[]> = {}
    const raw: string[] = []
    for (const [name, value] of req.headers) {
      raw.push(name, value)
      const key = name.toLowerCase()
      const had = headers[key]
      headers[key] = had === undefined ? value : Array.isArray(had) ? [...had, value] : key === 'set-cookie' ? [had, value] : `${had}, ${value}`
    }
    this.headers = headers
    this.rawHeaders = raw
    this.bodyStream = Readable.from(req.body && req.body.length > 0 ? [req.body] : [])
    this.#done = done
    this.#failed = failed
  }

  closeAfterResponse(): void {}

  start(status: number, headers: string[]): void {
    this.started = true
    this.status = status
    for (let i = 0; i + 1 < headers.length; i += 2) this.responseHeaders.push([headers[i]!, headers[i + 1]!])
  }

  write(chunk: Buffer): boolean {
    this.#chunks.push(Buffer.from(chunk))
    return true
  }

  end(chunk?: Buffer): void {
    if (chunk !== undefined) this.#chunks.push(Buffer.from(chunk))
    this.#done({ status: this.status, headers: this.responseHeaders, body: Buffer.concat(this.#chunks) })
    this.#close()
  }

  destroy(err?: Error): void {
    this.#failed(err ?? new Error('the response was cut'))
    this.#close()
  }

  onceDrain(fn: () => void): void {
    queueMicrotask(fn)
  }

  onceClose(fn: () => void): void {
    this.#closers.add(fn)
  }

  offClose(fn: () => void): void {
    this.#closers.delete(fn)
  }

  #close(): void {
    for (const fn of [...this.#closers]) fn()
    this.#closers.clear()
  }
}

/**
 * Runs `req` on `plan` in this process and resolves with the response the client writer produced.
 *
 * @example
 * const res = await invokeInProcess(plan, { method: 'GET', url: '/dev/pets', headers: [['Host', 'localhost']] }, logger)
 */
export function invokeInProcess(plan: GatewayPlan, req: InProcessRequest, logger: RunnerLogger): Promise<InProcessResponse> {
  const runner = new Runner(logger, null)
  return new Promise<InProcessResponse>((resolve, reject) => {
    const id = requestId()
    let ctx: RequestContext | null = null
    const exchange = new MemoryExchange(
      req,
      (r) => {
        if (ctx) runner.finish(ctx)
        resolve({ ...r, requestId: id })
      },
      reject,
    )
    ctx = new RequestContext(exchange, CLIENT, id, extendedRequestId(), Date.now(), performance.now())
    runner.run(plan, ctx)
  })
}
