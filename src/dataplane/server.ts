// The data-plane listener: accepts connections (HTTP or TLS, with mutual TLS), hands each request to the
// runner on the current plan, and drains on shutdown. Plans are swapped atomically; a request keeps the
// plan it started with.

import { createServer, ServerResponse, type IncomingMessage, type Server } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import { performance } from 'node:perf_hooks'
import type { AddressInfo, Socket } from 'node:net'
import { listen } from './listen.js'
import { RequestContext } from './context.js'
import { HttpExchange } from './http-exchange.js'
import type { GatewayPlan } from './plan.js'
import { CLIENT } from './respond.js'
import { Runner, type RunnerLogger } from './runner.js'
import { extendedRequestId, requestId } from '../model/ids.js'
import { hasUntrustedCert, verifiedClientCert } from './client-cert.js'

export type DataPlaneLogger = RunnerLogger

export interface DataPlaneOptions {
  logger: DataPlaneLogger
  /** Called with each access-log line (already formatted). */
  accessLog?: ((line: string) => void) | null
  /**
   * HTTPS instead of HTTP. With `ca` + `requestCert` it is mutual TLS (§7.8, see `mutualTls()` in
   * client-cert.ts): `rejectUnauthorized` fails the handshake of clients without a trusted certificate;
   * without it, a request over a connection that presented an untrusted certificate gets 403.
   */
  tls?: { cert: string | Buffer; key: string | Buffer; ca?: string | Buffer; requestCert?: boolean; rejectUnauthorized?: boolean } | null
}

/** A ServerResponse that knows its request's context, so one shared listener finishes it (no closure per request). */
class GatewayResponse extends ServerResponse {
  ctx: RequestContext | null = null
  plane: DataPlane | null = null
}

function onResponseClose(this: GatewayResponse): void {
  const ctx = this.ctx
  if (ctx !== null) this.plane!.finished(ctx)
}

export class DataPlane {
  #plan: GatewayPlan
  readonly #server: Server
  readonly #runner: Runner
  #inFlight = 0
  #draining = false
  #drainWaiters: Array<() => void> = []
  readonly #sockets = new Set<Socket>()
  readonly #https: boolean
  readonly #mutualTls: boolean

  constructor(plan: GatewayPlan, opts: DataPlaneOptions) {
    this.#plan = plan
    this.#runner = new Runner(opts.logger, opts.accessLog ?? null)
    const handler = (req: IncomingMessage, res: ServerResponse) => this.#handle(req, res as GatewayResponse)
    const common = { maxHeaderSize: 64 * 1024, keepAliveTimeout: 65_000, requestTimeout: 0, headersTimeout: 60_000, ServerResponse: GatewayResponse }
    this.#https = Boolean(opts.tls)
    this.#mutualTls = opts.tls?.requestCert === true
    this.#server = (opts.tls ? createHttpsServer({ ...common, ...opts.tls }, handler) : createServer(common, handler)) as unknown as Server
    this.#server.on('connection', (s: Socket) => {
      this.#sockets.add(s)
      s.once('close', () => this.#sockets.delete(s))
    })
    this.#server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
      // Malformed requests never reach a handler: answer 400 (or 431 for oversized headers) and close.
      if (!socket.writable) {
        socket.destroy()
        return
      }
      const status = err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request'
      socket.end(`HTTP/1.1 ${status}\r\nContent-Type: application/json\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`)
    })
  }

  get server(): Server {
    return this.#server
  }

  get plan(): GatewayPlan {
    return this.#plan
  }

  /** Swaps in a new plan; requests already in flight keep the one they started with. */
  setPlan(plan: GatewayPlan): void {
    this.#plan = plan
  }

  listen(port: number, host: string): Promise<AddressInfo> {
    return listen(this.#server, port, host)
  }

  get inFlight(): number {
    return this.#inFlight
  }

  /** Stops accepting connections, lets in-flight requests finish (up to `timeoutMs`), then closes. */
  async drain(timeoutMs = 30_000): Promise<void> {
    this.#draining = true
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()))
    this.#server.closeIdleConnections()
    if (this.#inFlight > 0) {
      await Promise.race([
        new Promise<void>((resolve) => this.#drainWaiters.push(resolve)),
        new Promise<void>((resolve) => setTimeout(resolve, timeoutMs).unref()),
      ])
    }
    for (const s of this.#sockets) s.destroy()
    await closed
  }

  /** A request's response closed (sent, or the client went away): metrics, access log, drain accounting. */
  finished(ctx: RequestContext): void {
    ctx.clientAbort?.onClientClose()
    this.#runner.finish(ctx)
    this.#inFlight--
    if (this.#draining) {
      this.#server.closeIdleConnections()
      if (this.#inFlight === 0) for (const w of this.#drainWaiters.splice(0)) w()
    }
  }

  #handle(req: IncomingMessage, res: GatewayResponse): void {
    const ctx = new RequestContext(new HttpExchange(req, res), CLIENT, requestId(), extendedRequestId(), Date.now(), performance.now())
    if (this.#mutualTls) {
      ctx.clientCert = verifiedClientCert(req.socket)
      if (ctx.clientCert === null) ctx.untrustedClientCert = hasUntrustedCert(req.socket)
    }
    this.#inFlight++
    if (this.#draining) res.shouldKeepAlive = false
    res.ctx = ctx
    res.plane = this
    res.once('close', onResponseClose)
    this.#runner.run(this.#plan, ctx)
  }

  get isHttps(): boolean {
    return this.#https
  }
}
