// The data-plane listener: accepts connections (HTTP or TLS, with mutual TLS), hands each request to the
// runner on the current plan, and drains on shutdown. Plans are swapped atomically; a request keeps the
// plan it started with. It holds the HTTP edge's limits (docs/limits.md): connections per client address,
// the time a request's headers and whole message may take (node:http's own sweep), the longest pause in a
// request body (one shared sweep over the requests whose body is arriving), `100 Continue` only when a body
// is read, and answers to what HTTP itself cannot parse.

import { createServer, ServerResponse, type IncomingMessage, type Server } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { SecureContext, Server as TlsServer, TLSSocket } from 'node:tls'
import { performance } from 'node:perf_hooks'
import type { AddressInfo, Socket } from 'node:net'
import { listen } from './listen.js'
import { RequestContext } from './context.js'
import { declaresBody, HttpExchange } from './http-exchange.js'
import type { GatewayPlan } from './plan.js'
import { bareReply, CLIENT, sendReply } from './respond.js'
import { Runner, type RunnerLogger } from './runner.js'
import { extendedRequestId, requestId } from '../model/ids.js'
import { hasUntrustedCert, verifiedClientCert } from './client-cert.js'
import { edgeLimits, MAX_HEAD_BYTES, MAX_HEADER_COUNT, MAX_LINGER_MS, type EdgeLimits } from './limits.js'
import { ClientConnections, isLingering, lingerClose, overflowInRequestLine } from './edge.js'
import { BARE_ANSWERS, type BareAnswerCode } from '../errors.js'
import { WebSocketGateway, type WebSocketOptions } from './websocket/server.js'

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
  /**
   * The HTTPS listener of custom domains (docs/custom-domains.md): the SNI name picks the domain's certificate
   * from the plan's TLS table, swapped with the plan; clients without SNI, or naming no domain, get the first
   * domain's (by name). Client certificates are asked for while some domain has mutual TLS, never required at
   * the handshake: resolution refuses (403) a request to such a domain without one from its truststore.
   */
  sni?: boolean
  /** The edge's timeouts and connection cap; defaults in `DEFAULT_EDGE_LIMITS`. */
  limits?: Partial<EdgeLimits>
  /** WebSocket APIs (src/dataplane/websocket): limits, registry, identity for `@connections`. */
  websocket?: Omit<WebSocketOptions, 'logger' | 'accessLog'>
}

/** A ServerResponse that knows its request's context, so one shared listener finishes it (no closure per request). */
class GatewayResponse extends ServerResponse {
  ctx: RequestContext | null = null
  plane: DataPlane | null = null
  exchange: HttpExchange | null = null
  /** While the request body arrives: the socket's byte count when the body sweep last saw it move, and when. */
  bodyRead = -1
  bodySince = 0
}

function onResponseClose(this: GatewayResponse): void {
  if (this.ctx !== null) this.plane!.finished(this)
}

function sweepBodies(plane: DataPlane): void {
  plane.sweepBodies(performance.now())
}

/** True when a TLS socket negotiated TLS 1.0 or 1.1. */
function isLegacyVersion(socket: unknown): boolean {
  const s = socket as Partial<TLSSocket> | null
  if (s === null || typeof s !== 'object' || typeof s.getProtocol !== 'function') return false
  const v = s.getProtocol()
  return v === 'TLSv1' || v === 'TLSv1.1'
}

/** How often node:http looks for requests past their headers or whole-request time: a tenth of the shorter one, 5 ms – 1 s. */
function checkingInterval(l: EdgeLimits): number {
  const shortest = l.requestTimeoutMs > 0 ? Math.min(l.headersTimeoutMs, l.requestTimeoutMs) : l.headersTimeoutMs
  return Math.max(5, Math.min(1000, Math.floor(shortest / 10)))
}

const REASONS: Readonly<Record<number, string>> = { 400: 'Bad Request', 408: 'Request Timeout', 414: 'URI Too Long', 431: 'Request Header Fields Too Large' }

/** An answer written straight to a connection whose request HTTP could not parse (no request, no context). */
function rawAnswer(code: BareAnswerCode): string {
  const a = BARE_ANSWERS[code]
  return `HTTP/1.1 ${a.status} ${REASONS[a.status] ?? 'Error'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(a.body)}\r\nConnection: close\r\n\r\n${a.body}`
}

export class DataPlane {
  #plan: GatewayPlan
  readonly #server: Server
  readonly #runner: Runner
  readonly #logger: DataPlaneLogger
  #inFlight = 0
  #draining = false
  #drainWaiters: Array<() => void> = []
  readonly #sockets = new Set<Socket>()
  readonly #https: boolean
  readonly #mutualTls: boolean
  readonly #sni: boolean
  readonly #limits: EdgeLimits
  readonly #lingerMs: number
  readonly #clients: ClientConnections
  /** Requests in flight whose body is still arriving, for the body-idle sweep. */
  readonly #bodies = new Set<GatewayResponse>()
  readonly #sweep: NodeJS.Timeout | null
  #refused = 0
  #refusedLoggedAt = -Infinity
  /** WebSocket upgrades and `@connections` (src/dataplane/websocket/server.ts). */
  readonly #ws: WebSocketGateway

  constructor(plan: GatewayPlan, opts: DataPlaneOptions) {
    this.#plan = plan
    this.#logger = opts.logger
    this.#runner = new Runner(opts.logger, opts.accessLog ?? null)
    const limits = (this.#limits = edgeLimits(opts.limits))
    this.#lingerMs = limits.bodyIdleTimeoutMs > 0 ? Math.min(MAX_LINGER_MS, limits.bodyIdleTimeoutMs) : MAX_LINGER_MS
    this.#clients = new ClientConnections(limits.maxConnectionsPerIp)
    const handler = (req: IncomingMessage, res: ServerResponse) => this.#handle(req, res as GatewayResponse, false)
    const common = {
      maxHeaderSize: MAX_HEAD_BYTES,
      keepAliveTimeout: 65_000,
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      connectionsCheckingInterval: checkingInterval(limits),
      ServerResponse: GatewayResponse,
    }
    this.#https = Boolean(opts.tls) || opts.sni === true
    this.#mutualTls = opts.tls?.requestCert === true
    this.#sni = opts.sni === true && !opts.tls
    if (this.#sni) {
      const plane = this
      // Node calls the SNI callback on the connection's TLSSocket, once the version is negotiated.
      const SNICallback = function (this: unknown, servername: string, cb: (err: Error | null, ctx?: SecureContext) => void): void {
        plane.#serverName(this, servername, cb)
      }
      const base = plan.tls?.defaultOptions
      this.#server = createHttpsServer({ ...common, ...(base ?? {}), requestCert: plan.tls?.anyMutualTls === true, rejectUnauthorized: false, SNICallback }, handler) as unknown as Server
      this.#server.on('secureConnection', (s: TLSSocket) => this.#checkVersion(s))
    } else {
      this.#server = (opts.tls ? createHttpsServer({ ...common, ...opts.tls }, handler) : createServer(common, handler)) as unknown as Server
    }
    // One line more than the limit is kept, so the runner can tell "too many" from "exactly the limit".
    this.#server.maxHeadersCount = MAX_HEADER_COUNT + 1
    // Without this listener node:http answers `100 Continue` before anyone looked at the request.
    this.#server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => this.#handle(req, res as GatewayResponse, true))
    this.#server.on('connection', (s: Socket) => {
      const ip = s.remoteAddress
      if (ip !== undefined && !this.#clients.admit(ip)) {
        this.#refuse(ip)
        s.destroy()
        return
      }
      this.#sockets.add(s)
      s.once('close', () => {
        this.#sockets.delete(s)
        if (ip !== undefined) this.#clients.release(ip)
      })
    })
    this.#server.on('clientError', (err: NodeJS.ErrnoException & { rawPacket?: Buffer }, socket: Socket) => this.#clientError(err, socket))
    this.#ws = new WebSocketGateway(() => this.#plan, { ...opts.websocket, logger: opts.logger, accessLog: opts.accessLog ?? null })
    this.#server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => this.#ws.upgrade(req, socket, head))
    this.#sweep = limits.bodyIdleTimeoutMs > 0 ? setInterval(sweepBodies, Math.max(5, Math.min(1000, Math.floor(limits.bodyIdleTimeoutMs / 4))), this).unref() : null
  }

  get server(): Server {
    return this.#server
  }

  get plan(): GatewayPlan {
    return this.#plan
  }

  /** The limits in force. */
  get limits(): Readonly<EdgeLimits> {
    return this.#limits
  }

  /**
   * Swaps in a new plan; requests already in flight keep the one they started with. On the domains' HTTPS
   * listener, new handshakes get the new plan's certificates; open connections keep theirs.
   */
  setPlan(plan: GatewayPlan): void {
    const before = this.#plan.tls
    this.#plan = plan
    const t = plan.tls
    if (!this.#sni || t === before) return
    const server = this.#server as unknown as TlsServer & { requestCert: boolean; rejectUnauthorized: boolean }
    // No domain certificate left (every domain removed): a context without one, as at a start with no domain,
    // so that every new handshake fails instead of getting a removed domain's certificate.
    server.setSecureContext(t?.defaultOptions ? { ...t.defaultOptions } : {})
    server.requestCert = t?.anyMutualTls === true
    server.rejectUnauthorized = false
  }

  /** The SNI callback: the named domain's secure context; a TLS 1.0/1.1 handshake to a TLS_1_2 domain fails. */
  #serverName(socket: unknown, servername: string, cb: (err: Error | null, ctx?: SecureContext) => void): void {
    const t = this.#plan.tls?.find(servername)
    if (t === undefined) return cb(null)
    if (t.domain.securityPolicy === 'TLS_1_2' && isLegacyVersion(socket)) return cb(new Error(`${servername} accepts TLS 1.2 and later (securityPolicy TLS_1_2)`))
    cb(null, t.context)
  }

  /**
   * After the handshake: the version floor again (for a connection the SNI callback did not see: no SNI name,
   * or one naming no domain, judged by the default domain's policy).
   */
  #checkVersion(socket: TLSSocket): void {
    if (!isLegacyVersion(socket)) return
    const t = this.#plan.tls
    const name = typeof socket.servername === 'string' ? socket.servername : ''
    const domain = (name !== '' ? t?.find(name)?.domain : undefined) ?? t?.defaultDomain
    if (domain?.securityPolicy !== 'TLS_1_0') socket.destroy()
  }

  listen(port: number, host: string): Promise<AddressInfo> {
    return listen(this.#server, port, host)
  }

  /** WebSocket APIs' connections. */
  get websockets(): WebSocketGateway {
    return this.#ws
  }

  get inFlight(): number {
    return this.#inFlight
  }

  /** Stops accepting connections, lets in-flight requests finish (up to `timeoutMs`), then closes. */
  async drain(timeoutMs = 30_000): Promise<void> {
    this.#draining = true
    if (this.#sweep !== null) clearInterval(this.#sweep)
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()))
    this.#server.closeIdleConnections()
    // WebSocket connections close with 1001 once their messages under way are answered (beside the HTTP requests).
    const websockets = this.#ws.drain(timeoutMs)
    if (this.#inFlight > 0) {
      await Promise.race([
        new Promise<void>((resolve) => this.#drainWaiters.push(resolve)),
        new Promise<void>((resolve) => setTimeout(resolve, timeoutMs).unref()),
      ])
    }
    await websockets
    for (const s of this.#sockets) s.destroy()
    await closed
  }

  /**
   * A request's response closed (sent, or the client went away): metrics, access log, drain accounting. A
   * body still arriving then is not read on: the connection closes with a lingering read.
   */
  finished(res: GatewayResponse): void {
    const ctx = res.ctx!
    ctx.clientAbort?.onClientClose()
    this.#runner.finish(ctx)
    this.#inFlight--
    this.#bodies.delete(res)
    const req = res.req
    const socket = req.socket as Socket | null
    if (socket !== null && !socket.destroyed && !req.complete && declaresBody(req.headers)) {
      // Whoever was reading it (an aborted proxy upload) stops; what still comes is dropped.
      req.removeAllListeners('data')
      req.resume()
      lingerClose(socket, this.#lingerMs)
    }
    if (this.#draining) {
      this.#server.closeIdleConnections()
      if (this.#inFlight === 0) for (const w of this.#drainWaiters.splice(0)) w()
    }
  }

  /**
   * The body-idle sweep: a request whose body has not moved for `bodyIdleTimeoutMs` is answered 408 (or cut,
   * when its response has started) and its connection closed. Bytes waiting unread in the request stream
   * are the reader's pause, not the client's.
   */
  sweepBodies(now: number): void {
    const idle = this.#limits.bodyIdleTimeoutMs
    for (const res of this.#bodies) {
      const req = res.req
      if (req.complete || req.destroyed) {
        this.#bodies.delete(res)
        continue
      }
      const read = req.socket?.bytesRead ?? -1
      // Waiting for our `100 Continue` is not the client's pause either.
      if (read !== res.bodyRead || req.readableLength > 0 || res.exchange!.continuePending) {
        res.bodyRead = read
        res.bodySince = now
        continue
      }
      if (now - res.bodySince < idle) continue
      this.#bodies.delete(res)
      this.#timedOut(res)
    }
  }

  /** A request that did not arrive in time: 408 while nothing is answered yet, else the connection is cut. */
  #timedOut(res: GatewayResponse): void {
    const ctx = res.ctx
    if (ctx !== null && !ctx.responseStarted && !res.headersSent) sendReply(ctx, bareReply(ctx, 'REQUEST_TIMEOUT'), CLIENT)
    else res.req.socket?.destroy()
  }

  /**
   * What node:http could not take as a request (a malformed or oversized head, a head or whole request over
   * its time): answered when nothing else is being answered on the connection, which then closes.
   */
  #clientError(err: NodeJS.ErrnoException & { rawPacket?: Buffer }, socket: Socket): void {
    if (socket.destroyed || isLingering(socket)) return
    // The connection itself failed (the client reset it): nothing to answer.
    if (err.code === 'ECONNRESET' || err.code === 'EPIPE') {
      socket.destroy()
      return
    }
    const timeout = err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
    const res = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage
    if (res) {
      // The request in flight failed in its own body (a bad chunk, the whole-request time): answer it if
      // nothing is answered yet. Anything else would land in the middle of another answer: cut.
      const g = res as GatewayResponse
      if (g.ctx !== null && !g.ctx.responseStarted && !g.headersSent && !g.req.complete) {
        this.#bodies.delete(g)
        sendReply(g.ctx, bareReply(g.ctx, timeout ? 'REQUEST_TIMEOUT' : 'BAD_REQUEST'), CLIENT)
      } else socket.destroy()
      return
    }
    if (!socket.writable) {
      socket.destroy()
      return
    }
    let answer: BareAnswerCode = 'BAD_REQUEST'
    if (timeout) answer = 'REQUEST_TIMEOUT'
    else if (err.code === 'HPE_HEADER_OVERFLOW') answer = overflowInRequestLine(err.rawPacket) ? 'URI_TOO_LONG' : 'HEADERS_TOO_LARGE'
    socket.write(rawAnswer(answer))
    lingerClose(socket, this.#lingerMs)
  }

  /** A connection over the per-address cap: closed at once; logged at most every 10 s with how many were. */
  #refuse(ip: string): void {
    this.#refused++
    const now = performance.now()
    if (now - this.#refusedLoggedAt < 10_000) return
    this.#refusedLoggedAt = now
    this.#logger.warn({ ip, maxConnectionsPerIp: this.#limits.maxConnectionsPerIp, refused: this.#refused }, 'connections refused: a client address holds the most connections allowed (listeners.http.limits.maxConnectionsPerIp)')
    this.#refused = 0
  }

  #handle(req: IncomingMessage, res: GatewayResponse, expectsContinue: boolean): void {
    // A request read while the connection closes after its last answer is never answered.
    if (req.socket === null || isLingering(req.socket)) {
      req.socket.destroy()
      return
    }
    // `/{stage}/@connections/{id}` of a WebSocket API (§10.5).
    if (WebSocketGateway.isManagementPath(req.url) && this.#ws.manage(req, res, expectsContinue)) return
    const exchange = new HttpExchange(req, res, expectsContinue, this.#lingerMs)
    const ctx = new RequestContext(exchange, CLIENT, requestId(), extendedRequestId(), Date.now(), performance.now())
    if (this.#mutualTls) {
      ctx.clientCert = verifiedClientCert(req.socket)
      if (ctx.clientCert === null) ctx.untrustedClientCert = hasUntrustedCert(req.socket)
    } else if (this.#sni) {
      // Resolution keeps the certificate only for a domain with mutual TLS named by this SNI name.
      const name = (req.socket as TLSSocket).servername
      ctx.tlsServerName = typeof name === 'string' && name !== '' ? name : null
      ctx.clientCert = verifiedClientCert(req.socket)
    }
    this.#inFlight++
    if (this.#draining) res.shouldKeepAlive = false
    res.ctx = ctx
    res.plane = this
    res.exchange = exchange
    res.once('close', onResponseClose)
    if (this.#sweep !== null && declaresBody(req.headers)) {
      res.bodyRead = -1
      res.bodySince = ctx.startMark
      this.#bodies.add(res)
    }
    this.#runner.run(this.#plan, ctx)
  }

  get isHttps(): boolean {
    return this.#https
  }
}
