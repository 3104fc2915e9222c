// HTTP and HTTP_PROXY integrations (§1.4, §3.4): URI templates with path parameters and stage variables,
// request parameter mapping, header rules of §6.6, pooled keep-alive upstream calls through undici, streamed
// proxy bodies, the integration timeout, and (non-proxy) integration-response selection and mapping.

import { Readable } from 'node:stream'
import { performance } from 'node:perf_hooks'
import type { Dispatcher } from 'undici'
import { errors as undiciErrors } from 'undici'
import { generatedTraceId, type RequestContext } from '../dataplane/context.js'
import type { IntegrationHandler } from '../dataplane/plan.js'
import { GatewayError } from '../errors.js'
import { pushIdHeaders, sendReply } from '../dataplane/respond.js'
import { compileRequestSource, readsRequestBody, type ParamGetter } from '../dataplane/param-source.js'
import { MAX_PAYLOAD } from '../dataplane/server.js'
import { readBody, readRequestBody } from './body.js'
import { addVary, hasContentEncoding, negotiateEncoding, peek, writeCompressedStream } from '../dataplane/compression.js'
import { compileIntegrationResponses, type IntegrationResponseSelector } from './responses.js'
import type { RequestTemplates } from './request-templates.js'
import { convertRequestBody } from './binary.js'
import type { ContentHandling } from '../model/types.js'
import { compileHttpApiRequestMapping, compileHttpApiResponseMapping, type HttpApiRequestMapping, type HttpApiResponseMapping } from './http-api-mapping.js'

/** Request headers never forwarded (§6.6) — lower-case. `host` is set to the backend's. */
const DROP_REQUEST = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'expect',
  'max-forwards', 'content-md5', 'server', 'www-authenticate', 'proxy-authenticate', 'proxy-authorization', 'host',
])
/**
 * Response headers a REST proxy renames to `x-amzn-Remapped-*` while setting its own (§5.8). The backend's
 * x-amzn-RequestId too: test_apigateway_http :: test_http_integration_with_lambda[HTTP_PROXY] recorded
 * `x-amzn-remapped-x-amzn-requestid` next to the gateway's own id.
 */
const REMAP_RESPONSE = new Set(['connection', 'content-length', 'date', 'server', 'x-amzn-requestid'])
/** Hop-by-hop response headers that never pass. */
const DROP_RESPONSE = new Set(['connection', 'keep-alive', 'transfer-encoding', 'proxy-connection', 'upgrade', 'trailer'])
/**
 * Mapped header names undici refuses to send, which would otherwise turn a valid mapping into a 504. `Expect`
 * was absent at the backend in the header_remapping recording; AWS does send a mapped `Upgrade` there, which
 * this client cannot: a known divergence.
 */
const UNSENDABLE = ['expect', 'upgrade']
/** Request header names that cannot be the target of a mapping (§5.7): dropped, or a 500 for the length ones. */
const MAPPING_DROPPED = new Set(['connection', 'proxy-authenticate', 'te', 'via', ...UNSENDABLE])
const MAPPING_FATAL = new Set(['content-length', 'transfer-encoding'])

export interface HttpIntegrationConfig {
  apiKind: 'REST' | 'HTTP'
  apiId: string
  proxy: boolean
  uri: string
  /** The backend method; `ANY` (or absent) means the client's method. */
  httpMethod?: string | undefined
  timeoutMs: number
  /** REST: `integration.request.*` mappings (§5.7); HTTP APIs: `append|overwrite|remove:…` mappings (§3.5). */
  requestParameters: Record<string, string>
  /** HTTP APIs: response mappings by backend status (§3.5). */
  responseParameters?: Record<string, Record<string, string>>
  /** HTTP API `$default` route: the full request path is appended to the URI (§3.4). */
  appendPath: boolean
  insecureSkipVerification?: boolean
  /** Non-proxy only. */
  responses?: IntegrationResponseSelector
  requestTemplates?: RequestTemplates
  /** Non-proxy only: the request payload conversion (§14.2). */
  contentHandling?: ContentHandling | undefined
}

type UriPart = string | ((ctx: RequestContext) => string)

/** Compiles `http://${stageVariables.host}/pets/{id}` into parts; `{name}` takes integration.request.path.name. */
function compileUri(uri: string, pathSources: Map<string, ParamGetter>): UriPart[] {
  const parts: UriPart[] = []
  const re = /\$\{stageVariables\.([A-Za-z0-9_]+)\}|\{([A-Za-z0-9._$-]+?)\+?\}/g
  let last = 0
  for (let m = re.exec(uri); m !== null; m = re.exec(uri)) {
    if (m.index > last) parts.push(uri.slice(last, m.index))
    if (m[1] !== undefined) {
      const name = m[1]
      parts.push((c) => c.stageVariables[name] ?? '')
    } else {
      const name = m[2]!
      // Without a mapping for the placeholder we use the method's path parameter of that name: what the
      // console generates for `{proxy}` ([K]: AWS requires the mapping; this is a convenience).
      const get = pathSources.get(name) ?? ((c: RequestContext) => c.pathParams[name])
      // `$context.requestOverride.path.{name}` set by the request template wins over the mapping (§5.6).
      parts.push((c) => c.overrides?.request.path[name] ?? get(c) ?? '')
    }
    last = m.index + m[0].length
  }
  if (last < uri.length) parts.push(uri.slice(last))
  return parts
}

function splitUrl(url: string): { origin: string; path: string } | null {
  const scheme = url.indexOf('://')
  if (scheme <= 0) return null
  const proto = url.slice(0, scheme).toLowerCase()
  if (proto !== 'http' && proto !== 'https') return null
  let end = scheme + 3
  while (end < url.length) {
    const c = url.charCodeAt(end)
    if (c === 47 || c === 63 || c === 35) break
    end++
  }
  const origin = url.slice(0, end)
  if (end === scheme + 3) return null
  let path = url.slice(end)
  const hash = path.indexOf('#')
  if (hash !== -1) path = path.slice(0, hash)
  if (path === '' || path.startsWith('?')) path = '/' + path
  return { origin, path }
}

const validOrigins = new Map<string, boolean>()
function originOk(origin: string): boolean {
  let ok = validOrigins.get(origin)
  if (ok === undefined) {
    try {
      new URL(origin)
      ok = true
    } catch {
      ok = false
    }
    if (validOrigins.size > 10_000) validOrigins.clear()
    validOrigins.set(origin, ok)
  }
  return ok
}

/** Maps an undici failure to the gateway response of §6.1. */
function upstreamError(err: unknown): GatewayError {
  if (err instanceof GatewayError) return err
  if (err instanceof undiciErrors.HeadersTimeoutError || (err as { name?: string }).name === 'TimeoutError') {
    return new GatewayError('INTEGRATION_TIMEOUT', undefined, { cause: err })
  }
  return new GatewayError('INTEGRATION_FAILURE', undefined, { cause: err })
}

export class HttpIntegration implements IntegrationHandler {
  readonly type: string
  readonly #cfg: HttpIntegrationConfig
  readonly #dispatcher: Dispatcher
  readonly #uri: UriPart[]
  readonly #staticUrl: { origin: string; path: string } | null
  readonly #headerMaps: Array<[string, ParamGetter]> = []
  readonly #queryMaps: Array<[string, ParamGetter]> = []
  readonly #fatalMapping: boolean
  /** A mapping reads the body: a proxy buffers it instead of streaming (§5.7). */
  readonly #needsBody: boolean
  /** HTTP APIs' parameter mapping (§3.5). */
  readonly #apiMapping: HttpApiRequestMapping | null = null
  readonly #apiResponseMapping: HttpApiResponseMapping | null = null

  /** Throws an Error with a user-facing message when the configuration cannot work. */
  constructor(cfg: HttpIntegrationConfig, dispatcher: Dispatcher) {
    this.type = cfg.proxy ? 'HTTP_PROXY' : 'HTTP'
    this.#cfg = cfg
    this.#dispatcher = dispatcher
    const pathSources = new Map<string, ParamGetter>()
    let fatal = false
    if (cfg.apiKind === 'HTTP') {
      this.#apiMapping = compileHttpApiRequestMapping(cfg.requestParameters)
      this.#apiResponseMapping = compileHttpApiResponseMapping(cfg.responseParameters ?? {})
    } else for (const [key, expr] of Object.entries(cfg.requestParameters)) {
      const m = /^integration\.request\.(path|querystring|header)\.(.+)$/.exec(key)
      if (!m) throw new Error(`unsupported request parameter target ${key}`)
      const get = compileRequestSource(expr)
      if (!get) throw new Error(`unsupported mapping expression ${expr} for ${key}`)
      const name = m[2]!
      if (m[1] === 'path') pathSources.set(name, get)
      else if (m[1] === 'querystring') this.#queryMaps.push([name, get])
      else {
        const lower = name.toLowerCase()
        if (MAPPING_FATAL.has(lower)) fatal = true
        else if (!MAPPING_DROPPED.has(lower)) this.#headerMaps.push([name, get])
      }
    }
    this.#fatalMapping = fatal
    this.#needsBody = cfg.apiKind === 'HTTP' ? (this.#apiMapping?.readsBody ?? false) : Object.values(cfg.requestParameters).some(readsRequestBody)
    this.#uri = compileUri(cfg.uri, pathSources)
    if (this.#uri.every((p) => typeof p === 'string')) {
      const split = splitUrl(cfg.uri)
      if (!split || !originOk(split.origin)) throw new Error(`invalid integration URI ${cfg.uri}`)
      this.#staticUrl = split
    } else this.#staticUrl = null
  }

  #target(ctx: RequestContext): { origin: string; path: string } {
    let split = this.#staticUrl
    if (split === null) {
      let url = ''
      for (const p of this.#uri) url += typeof p === 'string' ? p : p(ctx)
      split = splitUrl(url)
      // An undefined stage variable can leave an invalid URL: a configuration error (§1.6).
      if (!split || !originOk(split.origin)) throw new GatewayError('API_CONFIGURATION_ERROR', undefined)
    }
    let path = split.path
    if (this.#cfg.appendPath) {
      const q = path.indexOf('?')
      const base = q === -1 ? path : path.slice(0, q)
      const joined = (base.endsWith('/') ? base.slice(0, -1) : base) + ctx.path
      path = q === -1 ? joined : joined + path.slice(q)
    }
    // Query: the URI's own, then (proxy) the client's, then mapped values override.
    const parts: string[] = []
    const q = path.indexOf('?')
    if (q !== -1) {
      if (q < path.length - 1) parts.push(path.slice(q + 1))
      path = path.slice(0, q)
    }
    const mapping = this.#apiMapping
    if (mapping !== null) {
      // `overwrite:path` replaces the whole backend path (§3.5).
      const mapped = mapping.path(ctx)
      if (mapped !== undefined) path = mapped
    }
    if (this.#cfg.proxy && ctx.rawQuery !== '') parts.push(ctx.rawQuery)
    let query = parts.join('&')
    if (this.#queryMaps.length > 0) {
      const params = new URLSearchParams(query)
      for (const [name, get] of this.#queryMaps) {
        const v = get(ctx)
        if (v === undefined) continue
        // A proxy adds mapped values after those already there (test_http_proxy_integration_request_data_mappings:
        // `testQs=bar` from the URI plus the mapped `testQs=foo` arrive as both).
        if (this.#cfg.proxy) params.append(name, v)
        else params.set(name, v)
      }
      query = params.toString()
    }
    if (mapping !== null) {
      const params = new URLSearchParams(query)
      if (mapping.applyQuery(ctx, params)) query = params.toString()
    }
    const overrides = ctx.overrides?.request.querystring
    if (overrides !== undefined) {
      const names = Object.keys(overrides)
      if (names.length > 0) {
        // `$context.requestOverride.querystring.{name}` replaces whatever the mapping set (§5.6).
        const params = new URLSearchParams(query)
        for (const name of names) params.set(name, overrides[name]!)
        query = params.toString()
      }
    }
    return { origin: split.origin, path: query === '' ? path : path + '?' + query }
  }

  #headers(ctx: RequestContext, target: string): string[] {
    const out: string[] = []
    const raw = ctx.req.rawHeaders
    if (this.#cfg.proxy) {
      let xff: string | undefined
      for (let i = 0; i < raw.length; i += 2) {
        const k = raw[i]!
        const lk = k.toLowerCase()
        if (DROP_REQUEST.has(lk)) continue
        if (lk === 'x-forwarded-for') {
          xff = xff === undefined ? raw[i + 1]! : xff + ', ' + raw[i + 1]!
          continue
        }
        if (lk === 'x-forwarded-proto' || lk === 'x-forwarded-port') continue
        // REST proxies do not pass the client's Content-Encoding (§6.6).
        if (lk === 'content-encoding' && this.#cfg.apiKind === 'REST') continue
        // A SigV4 signature the auth step verified is the gateway's, not the backend's (§6.6).
        if (lk === 'authorization' && ctx.extras?.['sigv4Authorization'] === true) continue
        out.push(k, raw[i + 1]!)
      }
      out.push('X-Forwarded-For', xff === undefined ? ctx.sourceIp : xff + ', ' + ctx.sourceIp)
      out.push('X-Forwarded-Proto', (ctx.req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http')
      out.push('X-Forwarded-Port', String(ctx.req.socket.localPort ?? ''))
      // REST proxies name the API to the backend as non-proxy HTTP does (test_http_integration_with_lambda[HTTP_PROXY]).
      if (this.#cfg.apiKind === 'REST') out.push('X-Amzn-Apigateway-Api-Id', this.#cfg.apiId)
    } else {
      // Non-proxy HTTP: the backend gets only mapped values plus these defaults (§1.4).
      out.push('Accept', 'application/json', 'User-Agent', `AmazonAPIGateway_${this.#cfg.apiId}`, 'X-Amzn-Apigateway-Api-Id', this.#cfg.apiId)
      const ct = ctx.req.headers['content-type']
      if (ctx.body !== null && ctx.body.length > 0) out.push('Content-Type', ct ?? 'application/json')
    }
    out.push('X-Amzn-Trace-Id', traceId(ctx))
    for (const [name, get] of this.#headerMaps) {
      const v = get(ctx)
      if (v === undefined) continue
      const lower = name.toLowerCase()
      for (let i = 0; i < out.length; i += 2) {
        if (out[i]!.toLowerCase() === lower) {
          out.splice(i, 2)
          i -= 2
        }
      }
      out.push(name, v)
    }
    this.#apiMapping?.applyHeaders(ctx, out)
    const overrides = ctx.overrides?.request.header
    if (overrides !== undefined) {
      // `$context.requestOverride.header.{name}` replaces mapped and default values (§5.6); names a mapping
      // cannot send are not sent this way either.
      for (const name of Object.keys(overrides)) {
        const lower = name.toLowerCase()
        if (MAPPING_DROPPED.has(lower) || MAPPING_FATAL.has(lower)) continue
        for (let i = 0; i < out.length; i += 2) {
          if (out[i]!.toLowerCase() === lower) {
            out.splice(i, 2)
            i -= 2
          }
        }
        out.push(name, overrides[name]!)
      }
    }
    void target
    return out
  }

  async handle(ctx: RequestContext): Promise<void> {
    if (this.#fatalMapping) {
      // AWS answers with its own body here, not the gateway-response template: the header_remapping recording
      // has Content-Length 36, i.e. `{"message": "Internal server error"}` with the space.
      ctx.errorType = 'API_CONFIGURATION_ERROR'
      ctx.errorMessage = 'Internal server error'
      sendReply(ctx, { status: 500, headers: { 'Content-Type': 'application/json', 'x-amzn-ErrorType': 'InternalServerErrorException' }, body: '{"message": "Internal server error"}' })
      return
    }
    const cfg = this.#cfg
    if ((!cfg.proxy || this.#needsBody) && ctx.body === null) ctx.body = cfg.proxy ? await readBody(ctx.req, MAX_PAYLOAD) : await readRequestBody(ctx)
    const method = cfg.httpMethod === undefined || cfg.httpMethod === 'ANY' ? ctx.httpMethod : cfg.httpMethod
    // The request template runs first, whatever the method: the overrides it sets decide the URI, query and
    // headers (§5.6).
    // Content handling converts the payload before the template reads it (§14.2).
    const converted = cfg.proxy ? null : convertRequestBody(ctx, ctx.body!, cfg.contentHandling)
    const rendered = converted === null ? null : (cfg.requestTemplates?.apply(ctx, converted) ?? null)
    const target = this.#target(ctx)
    const headers = this.#headers(ctx, target.origin)
    const req = ctx.req
    let body: Dispatcher.DispatchOptions['body'] = null
    if (cfg.proxy) {
      if (method === 'GET' || method === 'HEAD') body = null
      else if (ctx.body !== null) body = ctx.body.length > 0 ? ctx.body : null
      else {
        const hasBody = req.headers['content-length'] !== undefined ? req.headers['content-length'] !== '0' : req.headers['transfer-encoding'] !== undefined
        if (hasBody) body = limitBody(ctx)
      }
    } else if (method !== 'GET' && method !== 'HEAD') {
      body = rendered ?? (converted!.length > 0 ? converted : null)
    }
    // The common proxy route (no response mapping, no compression) streams through undici's dispatch API
    // straight into the client response: no promise-and-stream layer per request (see ProxyHandler).
    if (cfg.proxy && this.#apiResponseMapping === null && (cfg.apiKind !== 'REST' || (ctx.stage?.minimumCompressionSize ?? null) === null)) {
      return this.#dispatchProxy(ctx, target, method, headers, body)
    }
    ctx.integrationStart = performance.now()
    // The integration timeout covers the wait for the backend's response (and, non-proxy, its body);
    // our own timer, because undici's coarse timers can overshoot short timeouts.
    const abort = new AbortController()
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      abort.abort()
    }, cfg.timeoutMs)
    let response: Dispatcher.ResponseData
    try {
      response = await this.#dispatcher.request({
        origin: target.origin,
        path: target.path,
        method: method as Dispatcher.HttpMethod,
        headers,
        body,
        signal: abort.signal,
        headersTimeout: 0,
        bodyTimeout: cfg.proxy ? 300_000 : 0,
      })
    } catch (err) {
      clearTimeout(timer)
      ctx.integrationLatency = Math.round(performance.now() - ctx.integrationStart)
      ctx.integrationErrorMessage = timedOut ? `timed out after ${cfg.timeoutMs} ms` : ((err as Error).message ?? String(err))
      throw timedOut ? new GatewayError('INTEGRATION_TIMEOUT', undefined, { cause: err }) : upstreamError(err)
    }
    ctx.integrationStatus = response.statusCode
    if (cfg.proxy) {
      clearTimeout(timer)
      ctx.integrationLatency = Math.round(performance.now() - ctx.integrationStart)
      const mapping = this.#apiResponseMapping
      if (mapping !== null && mapping.readsBody(response.statusCode)) {
        // A response mapping reads the body: buffered, then sent with the mapped status and headers (§3.5).
        let buffered: Buffer
        try {
          buffered = Buffer.from(await response.body.arrayBuffer())
        } catch (err) {
          throw upstreamError(err)
        }
        this.#sendProxied(ctx, response, buffered)
        return
      }
      this.#sendProxied(ctx, response, null)
      return
    }
    let payload: Buffer
    try {
      payload = Buffer.from(await response.body.arrayBuffer())
    } catch (err) {
      throw timedOut ? new GatewayError('INTEGRATION_TIMEOUT', undefined, { cause: err }) : upstreamError(err)
    } finally {
      clearTimeout(timer)
      ctx.integrationLatency = Math.round(performance.now() - ctx.integrationStart)
    }
    const selected = cfg.responses!.select(String(response.statusCode), ctx, response.headers, payload)
    // Non-proxy HTTP responses carry the trace id (§6.5; test_http_integration_with_lambda[HTTP], header_remapping[HTTP]).
    if (!Object.keys(selected.headers).some((k) => k.toLowerCase() === 'x-amzn-trace-id')) selected.headers['X-Amzn-Trace-Id'] = traceId(ctx)
    sendReply(ctx, selected)
  }

  /**
   * REST proxy responses are compressed like any method response (§14.1: AWS buffers them, so the minimum size
   * applies) unless the backend already encoded them. Returns true when it took the response over.
   */
  #compressProxied(ctx: RequestContext, status: number, out: string[], length: string | undefined, body: Readable): boolean {
    const min = ctx.stage?.minimumCompressionSize
    if (min === undefined || min === null || ctx.httpMethod === 'HEAD' || status === 204 || status === 304 || hasContentEncoding(out)) return false
    const size = length === undefined ? undefined : Number(length)
    if (size !== undefined && (size === 0 || size < min)) return false
    const coding = negotiateEncoding(ctx.header('accept-encoding'))
    if (coding === null || size !== undefined) {
      addVary(out)
      if (coding === null) return false
      pushIdHeaders(ctx, out)
      writeCompressedStream(ctx, status, out, coding, body)
      return true
    }
    // A chunked response of unknown size: read up to the minimum before deciding.
    const res = ctx.res
    peek(body, min).then(
      ({ chunks, size: seen, ended }) => {
        if (ended && (seen === 0 || seen < min)) {
          const all = Buffer.concat(chunks)
          out.push('Content-Length', String(all.length))
          pushIdHeaders(ctx, out)
          ctx.status = status
          ctx.responseLength = all.length
          res.writeHead(status, out)
          res.end(all)
          return
        }
        pushIdHeaders(ctx, out)
        writeCompressedStream(ctx, status, out, coding, ended ? Buffer.concat(chunks) : body, ended ? [] : chunks)
      },
      () => res.destroy(),
    )
    return true
  }

  /** The proxied response's headers as the client gets them (§5.8 remapping on REST, hop-by-hop dropped). */
  proxyHeaders(headers: Dispatcher.ResponseData['headers'], out: string[]): string | undefined {
    const rest = this.#cfg.apiKind === 'REST'
    let length: string | undefined
    for (const k in headers) {
      const v = headers[k]
      if (v === undefined) continue
      if (k === 'content-length') length = v as string
      if (rest && REMAP_RESPONSE.has(k)) {
        out.push('x-amzn-Remapped-' + k, Array.isArray(v) ? v.join(', ') : v)
        continue
      }
      if (DROP_RESPONSE.has(k) || k === 'content-length') continue
      if (Array.isArray(v)) for (const one of v) out.push(k, one)
      else out.push(k, v)
    }
    return length
  }

  #dispatchProxy(ctx: RequestContext, target: { origin: string; path: string }, method: string, headers: string[], body: Dispatcher.DispatchOptions['body']): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const handler = new ProxyHandler(this, ctx, this.#cfg.timeoutMs, resolve, reject)
      ctx.integrationStart = performance.now()
      this.#dispatcher.dispatch(
        { origin: target.origin, path: target.path, method: method as Dispatcher.HttpMethod, headers, body, headersTimeout: 0, bodyTimeout: 300_000 },
        handler,
      )
    })
  }

  /** Passes the backend's response on; `buffered` when a response mapping needed the whole body first. */
  #sendProxied(ctx: RequestContext, response: Dispatcher.ResponseData, buffered: Buffer | null): void {
    const res = ctx.res
    const out: string[] = []
    const rest = this.#cfg.apiKind === 'REST'
    const length = this.proxyHeaders(response.headers, out)
    let status = response.statusCode
    const mapping = this.#apiResponseMapping
    if (mapping !== null && mapping.has(status)) status = mapping.apply(ctx, { status, headers: response.headers, body: buffered }, out)
    // HTTP APIs with CORS replace the backend's CORS headers with the configured ones (§3.9).
    const cors = ctx.stage?.cors
    if (cors) cors.decorate(ctx, out)
    if (buffered !== null) {
      out.push('Content-Length', String(buffered.length))
      pushIdHeaders(ctx, out)
      ctx.status = status
      ctx.responseLength = buffered.length
      res.writeHead(status, out)
      res.end(ctx.httpMethod === 'HEAD' ? undefined : buffered)
      return
    }
    if (rest && this.#compressProxied(ctx, status, out, length, response.body)) return
    if (length !== undefined) out.push('Content-Length', length)
    pushIdHeaders(ctx, out)
    ctx.status = status
    res.writeHead(status, out)
    if (length !== undefined) ctx.responseLength = Number(length)
    else {
      let n = 0
      response.body.on('data', (chunk: Buffer) => {
        n += chunk.length
      })
      response.body.once('end', () => {
        ctx.responseLength = n
      })
    }
    // pipe() with our own teardown, not stream.pipeline(): on Node 20 every pipeline() call makes an
    // AbortController and aborts it when done, which builds a DOMException with a stack trace — about a
    // tenth of a proxied request's CPU in the bench profile. Same outcome: an upstream error destroys the
    // response, and a client that goes away (or a response error) destroys the upstream body, which
    // releases the backend connection.
    const body = response.body
    const dropUpstream = () => {
      if (!body.readableEnded) body.destroy()
    }
    body.on('error', () => res.destroy())
    res.once('close', dropUpstream)
    res.on('error', dropUpstream)
    body.pipe(res)
  }
}

function onProxyTimeout(h: ProxyHandler): void {
  h.timedOut = true
  h.controller?.abort(new Error('integration timeout'))
}

function onClientClose(this: ProxyHandler): void {
  // The client went away before the backend finished: stop reading it and free the connection.
  if (!this.ended) this.controller?.abort(new Error('client closed the connection'))
}

/**
 * One proxied request on undici's dispatch API: the backend's status and headers become the client's,
 * body chunks are written straight to the client response (pausing the backend while the client is slow),
 * and the integration timeout aborts the dispatch until the response starts. Resolves once the response
 * has started; rejects with the gateway error when it fails before that.
 */
class ProxyHandler implements Dispatcher.DispatchHandler {
  controller: Dispatcher.DispatchController | null = null
  timedOut = false
  ended = false
  readonly #integration: HttpIntegration
  readonly #ctx: RequestContext
  readonly #resolve: () => void
  readonly #reject: (err: GatewayError) => void
  readonly #timer: NodeJS.Timeout
  readonly #timeoutMs: number
  #started = false
  #counted = 0
  #countBytes = false
  readonly #onClose: () => void

  constructor(integration: HttpIntegration, ctx: RequestContext, timeoutMs: number, resolve: () => void, reject: (err: GatewayError) => void) {
    this.#integration = integration
    this.#ctx = ctx
    this.#resolve = resolve
    this.#reject = reject
    this.#timeoutMs = timeoutMs
    this.#timer = setTimeout(onProxyTimeout, timeoutMs, this)
    this.#onClose = onClientClose.bind(this)
    ctx.res.once('close', this.#onClose)
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller
    // The timeout may fire before undici starts the request (while it connects, on a busy machine): abort now.
    if (this.timedOut) controller.abort(new Error('integration timeout'))
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: Dispatcher.ResponseData['headers']): void {
    if (statusCode < 200) return
    clearTimeout(this.#timer)
    const ctx = this.#ctx
    ctx.integrationLatency = Math.round(performance.now() - ctx.integrationStart)
    ctx.integrationStatus = statusCode
    const out: string[] = []
    const length = this.#integration.proxyHeaders(headers, out)
    const cors = ctx.stage?.cors
    if (cors) cors.decorate(ctx, out)
    if (length !== undefined) {
      out.push('Content-Length', length)
      ctx.responseLength = Number(length)
    } else this.#countBytes = true
    pushIdHeaders(ctx, out)
    ctx.status = statusCode
    this.#started = true
    ctx.res.writeHead(statusCode, out)
    this.#resolve()
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.#countBytes) this.#counted += chunk.length
    const res = this.#ctx.res
    if (!res.write(chunk)) {
      controller.pause()
      res.once('drain', () => controller.resume())
    }
  }

  onResponseEnd(): void {
    this.ended = true
    const ctx = this.#ctx
    if (this.#countBytes) ctx.responseLength = this.#counted
    ctx.res.off('close', this.#onClose)
    ctx.res.end()
  }

  onResponseError(_controller: Dispatcher.DispatchController, err: Error): void {
    this.ended = true
    clearTimeout(this.#timer)
    const ctx = this.#ctx
    ctx.res.off('close', this.#onClose)
    if (this.#started) {
      // Mid-body: the client's response cannot be answered any more; cut it.
      ctx.res.destroy(err)
      return
    }
    ctx.integrationLatency = Math.round(performance.now() - ctx.integrationStart)
    ctx.integrationErrorMessage = this.timedOut ? `timed out after ${this.#timeoutMs} ms` : err.message
    this.#reject(this.timedOut ? new GatewayError('INTEGRATION_TIMEOUT', undefined, { cause: err }) : upstreamError(err))
  }
}

/** The `X-Amzn-Trace-Id` of a request: the same value towards the backend and back to the client. */
function traceId(ctx: RequestContext): string {
  return generatedTraceId(ctx)
}

/** Streams the client body on, refusing bodies over the payload limit even when sent chunked. */
function limitBody(ctx: RequestContext): Readable {
  const req = ctx.req
  if (req.headers['content-length'] !== undefined) return req
  return Readable.from((async function* () {
    let total = 0
    for await (const chunk of req as AsyncIterable<Buffer>) {
      total += chunk.length
      if (total > MAX_PAYLOAD) throw new GatewayError('REQUEST_TOO_LARGE', undefined)
      yield chunk
    }
  })())
}

export { compileIntegrationResponses }
