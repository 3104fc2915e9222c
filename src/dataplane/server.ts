// The data-plane listener: resolves host and stage, matches the route, runs the plan's steps and the
// integration, and finishes with access log and metrics. Plans are swapped atomically; a request keeps
// the plan it started with.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import { performance } from 'node:perf_hooks'
import type { AddressInfo } from 'node:net'
import { listen } from './listen.js'
import type { Socket } from 'node:net'
import { RequestContext } from './context.js'
import type { ApiPlan, GatewayPlan, RoutePlan, StagePlan } from './plan.js'
import { sendBare, sendError, sendGatewayError, sendReply } from './respond.js'
import { GATEWAY_ERRORS, GatewayError } from '../errors.js'
import { extendedRequestId, requestId } from '../model/ids.js'
import { hasUntrustedCert, verifiedClientCert } from './client-cert.js'

/** 10 MB payload limit (§11.2). */
export const MAX_PAYLOAD = 10 * 1024 * 1024
/** Total size of header values (§11.2). */
export const MAX_HEADER_BYTES = 10240
/** URL length of a regional endpoint (§11.2); we serve as a regional endpoint. */
export const MAX_URL_LENGTH = 10240

export interface DataPlaneLogger {
  error(obj: Record<string, unknown>, msg: string): void
  warn(obj: Record<string, unknown>, msg: string): void
}

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

const EXECUTE_API = '.execute-api.'

export class DataPlane {
  #plan: GatewayPlan
  readonly #server: Server
  readonly #logger: DataPlaneLogger
  readonly #accessLog: ((line: string) => void) | null
  #inFlight = 0
  #draining = false
  #drainWaiters: Array<() => void> = []
  readonly #sockets = new Set<Socket>()
  readonly #https: boolean
  readonly #mutualTls: boolean

  constructor(plan: GatewayPlan, opts: DataPlaneOptions) {
    this.#plan = plan
    this.#logger = opts.logger
    this.#accessLog = opts.accessLog ?? null
    const handler = (req: IncomingMessage, res: ServerResponse) => this.#handle(req, res)
    const common = { maxHeaderSize: 64 * 1024, keepAliveTimeout: 65_000, requestTimeout: 0, headersTimeout: 60_000 }
    this.#https = Boolean(opts.tls)
    this.#mutualTls = opts.tls?.requestCert === true
    this.#server = opts.tls ? createHttpsServer({ ...common, ...opts.tls }, handler) : createServer(common, handler)
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

  #done(): void {
    this.#inFlight--
    if (this.#draining) {
      this.#server.closeIdleConnections()
      if (this.#inFlight === 0) for (const w of this.#drainWaiters.splice(0)) w()
    }
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const plan = this.#plan
    const ctx = new RequestContext(req, res, requestId(), extendedRequestId(), Date.now(), performance.now())
    ctx.keys = plan.keys
    if (this.#mutualTls) {
      const cert = verifiedClientCert(req.socket)
      if (cert !== null) ctx.extras = { clientCert: cert }
    }
    this.#inFlight++
    if (this.#draining) res.shouldKeepAlive = false
    res.once('close', () => {
      this.#finish(ctx)
      this.#done()
    })
    let p: Promise<void> | undefined
    try {
      p = this.#route(plan, ctx)
    } catch (err) {
      this.#fail(ctx, err)
    }
    if (p !== undefined) p.catch((err: unknown) => this.#fail(ctx, err))
  }

  #fail(ctx: RequestContext, err: unknown): void {
    if (err instanceof GatewayError) {
      // Our faults (5xx) are logged with why, so a user can tell a bad template from a dead backend.
      if (GATEWAY_ERRORS[err.code].fault === 'server') {
        ctx.errorLogged = true
        this.#logger.warn(
          { requestId: ctx.requestId, route: ctx.route?.routeKey, code: err.code, reason: ctx.integrationErrorMessage ?? undefined, err: err.cause },
          `request answered with ${err.code}`,
        )
      }
      if (!ctx.res.headersSent) sendError(ctx, err)
      else ctx.res.destroy()
      return
    }
    this.#logger.error({ err, requestId: ctx.requestId, path: ctx.rawPath }, 'unexpected error while handling a request')
    if (ctx.res.headersSent) ctx.res.destroy()
    else sendGatewayError(ctx, 'API_CONFIGURATION_ERROR', undefined)
  }

  /** Host and stage resolution (§0, §2.1), size checks (§2.2), route match (§1.2, §3.2), then the pipeline. */
  #route(plan: GatewayPlan, ctx: RequestContext): Promise<void> | undefined {
    const req = ctx.req
    let api: ApiPlan | null | undefined = null
    let path = ctx.rawPath.replace(/^\/{2,}/, '/') // `//stage/x` reaches the stage like `/stage/x` (test_lambda_aws_proxy_integration)
    const host = ctx.domainName
    const at = host.indexOf(EXECUTE_API)
    if (path.startsWith('/restapis/')) {
      // LocalStack's path form: /restapis/{apiId}/{stage}/_user_request_/{path}
      const m = /^\/restapis\/([^/]+)\/([^/]+)\/_user_request_(\/.*)?$/.exec(path)
      if (m) {
        api = plan.apis.get(m[1]!)
        path = '/' + m[2]! + (m[3] ?? '/')
      }
    } else if (at > 0) {
      api = plan.apis.get(host.slice(0, at).toLowerCase())
    } else {
      api = plan.defaultApi
    }
    if (!api || api.disableExecuteApiEndpoint) {
      sendBare(ctx, 403)
      return undefined
    }
    ctx.apiKind = api.kind

    // Stage: the first path segment; HTTP APIs fall back to the $default stage (§3.3).
    let i = 1
    while (i < path.length && path.charCodeAt(i) !== 47) i++
    const first = path.slice(1, i)
    let stage: StagePlan | undefined | null = first === '' ? undefined : api.stages.get(first)
    if (stage) path = i >= path.length ? '/' : path.slice(i)
    else if (api.kind === 'HTTP' && api.defaultStage) stage = api.defaultStage
    if (!stage) {
      sendBare(ctx, api.kind === 'HTTP' ? 404 : 403)
      return undefined
    }
    ctx.stage = stage
    ctx.stageVariables = stage.variables
    ctx.path = path

    // §7.8: with client certificates optional, one the truststore does not vouch for is refused [K: 403 Forbidden].
    if (this.#mutualTls && hasUntrustedCert(req.socket)) {
      sendBare(ctx, 403)
      return undefined
    }

    // Size checks (§2.2, §11.2).
    const len = req.headers['content-length']
    if (len !== undefined && Number(len) > MAX_PAYLOAD) {
      ctx.res.shouldKeepAlive = false
      sendGatewayError(ctx, 'REQUEST_TOO_LARGE', undefined)
      return undefined
    }
    if ((req.url?.length ?? 0) > MAX_URL_LENGTH) {
      sendReply(ctx, { status: 414, headers: {}, body: '{"message":"Request-URI Too Long"}' })
      return undefined
    }
    let headerBytes = 0
    const raw = req.rawHeaders
    for (let h = 1; h < raw.length; h += 2) headerBytes += raw[h]!.length
    if (headerBytes > MAX_HEADER_BYTES) {
      sendReply(ctx, { status: 431, headers: {}, body: '{"message":"Request Header Fields Too Large"}' })
      return undefined
    }

    // X-HTTP-Method-Override changes the method used for routing on REST APIs (§6.6).
    if (stage.kind === 'REST') {
      const override = req.headers['x-http-method-override']
      if (typeof override === 'string' && override !== '') ctx.httpMethod = override.toUpperCase()
    }

    // HTTP APIs with CORS answer preflights themselves, routes or not, without authorizers or integrations (§3.9).
    if (stage.cors !== null) {
      const preflight = stage.cors.preflight(ctx)
      if (preflight !== null) {
        sendReply(ctx, preflight)
        return undefined
      }
    }

    const match = stage.router.find(path, ctx.httpMethod)
    let route: RoutePlan | null
    if (match) {
      route = match.value
      ctx.pathParams = match.params
    } else route = stage.defaultRoute
    if (route === null) {
      if (stage.kind === 'HTTP') {
        sendBare(ctx, 404)
        return undefined
      }
      // §1.2: a non-SigV4 Authorization header on an unmatched request gives IncompleteSignatureException.
      const auth = req.headers.authorization
      if (auth !== undefined && auth !== '' && !auth.startsWith('AWS4-HMAC-SHA256 ')) {
        const token = auth.split(' ').pop()!
        sendReply(ctx, {
          status: 403,
          headers: { 'x-amzn-ErrorType': 'IncompleteSignatureException' },
          body: JSON.stringify({ message: `'${token}' not a valid key=value pair (missing equal-sign) in Authorization header: '${auth}'.` }),
        })
        return undefined
      }
      sendGatewayError(ctx, 'MISSING_AUTHENTICATION_TOKEN', undefined)
      return undefined
    }
    ctx.route = route
    return this.#runSteps(ctx, route, 0)
  }

  /** The runner: a plain loop over the route's steps that awaits only when a step returns a promise. */
  #runSteps(ctx: RequestContext, route: RoutePlan, from: number): Promise<void> | undefined {
    const steps = route.steps
    for (let s = from; s < steps.length; s++) {
      const step = steps[s]!
      if (step.request === undefined) continue
      const r = step.request(ctx)
      if (r === undefined) continue
      if (r instanceof Promise) {
        return r.then((reply) => {
          if (reply !== undefined) sendReply(ctx, reply)
          else return this.#runSteps(ctx, route, s + 1)
          return undefined
        })
      }
      sendReply(ctx, r)
      return undefined
    }
    return route.integration.handle(ctx)
  }

  #finish(ctx: RequestContext): void {
    const stage = ctx.stage
    if (stage === null) return
    if (ctx.status === 0) ctx.status = ctx.res.statusCode
    const metrics = ctx.route?.metrics ?? stage.unmatchedMetrics
    const status = ctx.status
    // A 5xx an integration answered itself (e.g. a malformed Lambda proxy result) is logged with why.
    if (status >= 500 && !ctx.errorLogged && ctx.integrationErrorMessage !== null) {
      this.#logger.warn({ requestId: ctx.requestId, route: ctx.route?.routeKey, status, reason: ctx.integrationErrorMessage }, `request answered with ${status}`)
    }
    metrics.count()
    metrics.latency(performance.now() - ctx.startMark)
    if (ctx.integrationLatency >= 0) metrics.integrationLatency(ctx.integrationLatency)
    metrics.error4xx(status >= 400 && status < 500 ? 1 : 0)
    metrics.error5xx(status >= 500 ? 1 : 0)
    if (this.#accessLog !== null && stage.accessLog !== null) {
      try {
        this.#accessLog(stage.accessLog.format(ctx))
      } catch (err) {
        this.#logger.warn({ err, requestId: ctx.requestId }, 'access log formatting failed')
      }
    }
  }

  get isHttps(): boolean {
    return this.#https
  }
}
