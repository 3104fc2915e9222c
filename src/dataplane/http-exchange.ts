// The HTTP transport of an Exchange: one node:http request/response pair. The only module that reads
// IncomingMessage or writes ServerResponse on the data plane; the client writer (respond.ts) drives it.

import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Readable } from 'node:stream'
import type { Exchange, RequestHeaders } from './context.js'

export class HttpExchange implements Exchange {
  readonly #req: IncomingMessage
  readonly #res: ServerResponse

  constructor(req: IncomingMessage, res: ServerResponse) {
    this.#req = req
    this.#res = res
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
    return this.#req
  }

  get started(): boolean {
    return this.#res.headersSent
  }

  get keepAlive(): boolean {
    return this.#res.shouldKeepAlive
  }

  closeAfterResponse(): void {
    this.#res.shouldKeepAlive = false
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
