// The HTTP transport of an Exchange: one node:http request/response pair. The only module that reads
// IncomingMessage or writes ServerResponse on the data plane; the client writer (respond.ts) drives it.
// It sends `100 Continue` only when the body is first read, so a request refused on its headers (413,
// 403, …) is answered without inviting a body the gateway would drop (RFC 9110 §10.1.1).

import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import type { Readable } from 'node:stream'
import type { Exchange, RequestHeaders } from './context.js'
import { lingerWhenClosed } from './edge.js'

/** Whether request headers announce a body (a non-zero Content-Length, or a Transfer-Encoding). */
export function declaresBody(headers: RequestHeaders): boolean {
  const len = headers['content-length']
  return len !== undefined ? len !== '0' : headers['transfer-encoding'] !== undefined
}

export class HttpExchange implements Exchange {
  readonly #req: IncomingMessage
  readonly #res: ServerResponse
  /** `Expect: 100-continue` and no `100 Continue` sent yet. */
  #continuePending: boolean
  /** How long a connection closed before its request body arrived keeps reading (and dropping) it. */
  readonly #lingerMs: number

  constructor(req: IncomingMessage, res: ServerResponse, expectsContinue = false, lingerMs = 0) {
    this.#req = req
    this.#res = res
    this.#continuePending = expectsContinue
    this.#lingerMs = lingerMs
  }

  get method(): string {
    return this.#req.method ?? 'GET'
  }

  get url(): string {
    return this.#req.url ?? '/'
  }

  get headers(): RequestHeaders {
    return this.#req.headers
  }

  get rawHeaders(): readonly string[] {
    return this.#req.rawHeaders
  }

  get httpVersion(): string {
    return this.#req.httpVersion
  }

  get remoteAddress(): string {
    return this.#req.socket.remoteAddress ?? ''
  }

  get localPort(): number {
    return this.#req.socket.localPort ?? 0
  }

  get secure(): boolean {
    return (this.#req.socket as { encrypted?: boolean }).encrypted === true
  }

  get bodyStream(): Readable {
    if (this.#continuePending) {
      this.#continuePending = false
      if (!this.#res.headersSent) this.#res.writeContinue()
    }
    return this.#req
  }

  /** `Expect: 100-continue` was asked and nothing has read the body yet (so no `100 Continue` went out). */
  get continuePending(): boolean {
    return this.#continuePending
  }

  get bodyPending(): boolean {
    const req = this.#req
    return !req.complete && declaresBody(req.headers)
  }

  get started(): boolean {
    return this.#res.headersSent
  }

  get keepAlive(): boolean {
    // Answered without `100 Continue`: the client may send its body or not, so the connection cannot go on.
    if (this.#continuePending && this.bodyPending) this.closeAfterResponse()
    return this.#res.shouldKeepAlive
  }

  closeAfterResponse(): void {
    this.#res.shouldKeepAlive = false
    const socket = this.#req.socket as Socket | null
    if (socket !== null && this.bodyPending) lingerWhenClosed(socket, this.#lingerMs)
  }

  start(status: number, headers: string[]): void {
    this.#res.writeHead(status, headers)
  }

  write(chunk: Buffer): boolean {
    return this.#res.write(chunk)
  }

  end(chunk?: Buffer): void {
    if (chunk === undefined) this.#res.end()
    else this.#res.end(chunk)
  }

  destroy(err?: Error): void {
    this.#res.destroy(err)
  }

  onceDrain(fn: () => void): void {
    this.#res.once('drain', fn)
  }

  onceClose(fn: () => void): void {
    this.#res.once('close', fn)
  }

  offClose(fn: () => void): void {
    this.#res.off('close', fn)
  }
}
