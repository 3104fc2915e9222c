// HTTP and HTTP_PROXY integrations (§1.4, §3.4): URI templates with path parameters (stage variables filled
// in at compile time), request parameter mapping, the header rules of §6.6, pooled keep-alive upstream calls
// through undici, proxy bodies streamed both ways into the response chain with backpressure, and the
// integration timeout. Non-proxy responses go through integration-response selection (responses.ts).

import { Readable } from 'node:stream'
import { performance } from 'node:perf_hooks'
import type { Dispatcher } from 'undici'
import { generatedTraceId, type RequestContext } from '../dataplane/context.js'
import type { IntegrationHandler, Reply } from '../dataplane/plan.js'
import { GatewayError } from '../errors.js'
import { fatalHeaderMappingReply } from '../dataplane/respond.js'
import { compileRequestSource, readsRequestBody, type ParamGetter } from '../dataplane/param-source.js'
import { MAX_PAYLOAD } from '../dataplane/limits.js'
import type { IntegrationResponseSelector } from './responses.js'
import { ProxyHandler, upstreamError, type ProxySource } from './proxy-stream.js'
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
  /** The stage's variables, filled into `${stageVariables.x}` of the URI at compile time (§1.6). */
  stageVariables: Readonly<Record<string, string>>
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
}

type UriPart = string | ((ctx: RequestContext) => string)

/**
 * Compiles `http://${stageVariables.host}/pets/{id}` into parts: stage variables are filled in now (a plan is
 * compiled per stage); `{name}` takes integration.request.path.name per request.
 */
function compileUri(uri: string, variables: Readonly<Record<string, string>>, pathSources: Map<string, ParamGetter>): UriPart[] {
  const parts: UriPart[] = []
  const re = /\$\{stageVariables\.([A-Za-z0-9_]+)\}|\{([A-Za-z0-9._$-]+?)\+?\}/g
  let text = ''
  let last = 0
  for (let m = re.exec(uri); m !== null; m = re.exec(uri)) {
    text += uri.slice(last, m.index)
    last = m.index + m[0].length
    if (m[1] !== undefined) {
      text += variables[m[1]] ?? ''
      continue
    }
    if (text !== '') parts.push(text)
    text = ''
    const name = m[2]!
    // Without a mapping for the placeholder we use the method's path parameter of that name: what the
    // console generates for `{proxy}` ([K]: AWS requires the mapping; this is a convenience).
    const get = pathSources.get(name) ?? ((c: RequestContext) => c.pathParams[name])
    // `$context.requestOverride.path.{name}` set by the request template wins over the mapping (§5.6).
    parts.push((c) => c.overrides?.request.path[name] ?? get(c) ?? '')
  }
  text += uri.slice(last)
  if (text !== '') parts.push(text)
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

/** Origins already checked (URIs with path placeholders are built per request; their origin rarely varies). */
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

export class HttpIntegration implements IntegrationHandler, ProxySource {
  readonly type: string
  readonly #cfg: HttpIntegrationConfig
  readonly #dispatcher: Dispatcher
  readonly #uri: UriPart[]
  /** The backend URL when it holds no path placeholder: split and checked once, at compile time. */
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
      const responseMapping = compileHttpApiResponseMapping(cfg.responseParameters ?? {})
      this.#apiResponseMapping = responseMapping
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
    this.#uri = compileUri(cfg.uri, cfg.stageVariables, pathSources)
    if (this.#uri.every((p) => typeof p === 'string')) {
      const url = this.#uri.join('')
      const split = splitUrl(url)
      // An undefined stage variable can leave an invalid URL: a configuration error (§1.6), found at deploy time.
      if (!split || !originOk(split.origin)) throw new Error(`invalid integration URI ${url === cfg.uri ? cfg.uri : `${cfg.uri} (${url} with the stage's variables)`}`)
      this.#staticUrl = split
    } else this.#staticUrl = null
  }

  describe(): unknown {
    return {
      type: this.type,
      uri: this.#staticUrl ? this.#staticUrl.origin + this.#staticUrl.path : this.#uri.map((p) => (typeof p === 'string' ? p : '{…}')).join(''),
      ...(this.#cfg.httpMethod && this.#cfg.httpMethod !== 'ANY' ? { method: this.#cfg.httpMethod } : {}),
      timeoutMs: this.#cfg.timeoutMs,
      ...(this.#headerMaps.length ? { headers: this.#headerMaps.map(([n]) => n) } : {}),
      ...(this.#queryMaps.length ? { querystrings: this.#queryMaps.map(([n]) => n) } : {}),
      ...(this.#cfg.appendPath ? { appendPath: true } : {}),
      ...(this.#cfg.responses ? { responses: this.#cfg.responses.describe() } : {}),
    }
  }

  #target(ctx: RequestContext): { origin: string; path: string } {
    let split = this.#staticUrl
    if (split === null) {
      let url = ''
      for (const p of this.#uri) url += typeof p === 'string' ? p : p(ctx)
      split = splitUrl(url)
      // A path parameter can bring in anything: the URL is checked as built.
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
    let query = ''
    const q = path.indexOf('?')
    if (q !== -1) {
      if (q < path.length - 1) query = path.slice(q + 1)
      path = path.slice(0, q)
    }
    const mapping = this.#apiMapping
    if (mapping !== null) {
      // `overwrite:path` replaces the whole backend path (§3.5).
      const mapped = mapping.path(ctx)
      if (mapped !== undefined) path = mapped
    }
    if (this.#cfg.proxy && ctx.rawQuery !== '') query = query === '' ? ctx.rawQuery : query + '&' + ctx.rawQuery
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

  #headers(ctx: RequestContext): string[] {
    const out: string[] = []
    const raw = ctx.rawHeaders
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
        if (lk === 'authorization' && ctx.sigv4Verified) continue
        out.push(k, raw[i + 1]!)
      }
      out.push('X-Forwarded-For', xff === undefined ? ctx.sourceIp : xff + ', ' + ctx.sourceIp)
      out.push('X-Forwarded-Proto', ctx.secure ? 'https' : 'http')
      out.push('X-Forwarded-Port', String(ctx.exchange.localPort))
      // REST proxies name the API to the backend as non-proxy HTTP does (test_http_integration_with_lambda[HTTP_PROXY]).
      if (this.#cfg.apiKind === 'REST') out.push('X-Amzn-Apigateway-Api-Id', this.#cfg.apiId)
    } else {
      // Non-proxy HTTP: the backend gets only mapped values plus these defaults (§1.4).
      out.push('Accept', 'application/json', 'User-Agent', `AmazonAPIGateway_${this.#cfg.apiId}`, 'X-Amzn-Apigateway-Api-Id', this.#cfg.apiId)
      const body = ctx.bodyBytes
      if (body !== null && body.length > 0) out.push('Content-Type', ctx.header('content-type') ?? 'application/json')
    }
    out.push('X-Amzn-Trace-Id', generatedTraceId(ctx))
    for (const [name, get] of this.#headerMaps) {
      const v = get(ctx)
      if (v === undefined) continue
      removeHeader(out, name.toLowerCase())
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
        removeHeader(out, lower)
        out.push(name, overrides[name]!)
      }
    }
    return out
  }

  /**
   * A proxy whose body is still unread starts at once and streams: no promise (it reports a failure before
   * the response starts through `ctx.runner`). Everything else — non-proxy, a mapping that reads the body, a
   * body a step already read — runs asynchronously.
   */
  handle(ctx: RequestContext): Promise<Reply | undefined> | undefined {
    if (this.#cfg.proxy && !this.#fatalMapping && !this.#needsBody && !ctx.bodyConsumed) {
      this.#proxy(ctx, this.#method(ctx), this.#streamedBody(ctx))
      return undefined
    }
    return this.#handle(ctx)
  }

  #method(ctx: RequestContext): string {
    const m = this.#cfg.httpMethod
    return m === undefined || m === 'ANY' ? ctx.httpMethod : m
  }

  /** The client's body streamed on, or null when there is none. */
  #streamedBody(ctx: RequestContext): Dispatcher.DispatchOptions['body'] {
    const method = this.#method(ctx)
    if (method === 'GET' || method === 'HEAD') return null
    const h = ctx.exchange.headers
    const hasBody = h['content-length'] !== undefined ? h['content-length'] !== '0' : h['transfer-encoding'] !== undefined
    return hasBody ? limitBody(ctx) : null
  }

  /** Starts the proxied request; its response streams down the chain (see ProxyHandler). */
  #proxy(ctx: RequestContext, method: string, body: Dispatcher.DispatchOptions['body']): void {
    const target = this.#target(ctx)
    const headers = this.#headers(ctx)
    const handler = new ProxyHandler(this, ctx, this.#cfg.timeoutMs)
    ctx.integrationStart = performance.now()
    this.#dispatcher.dispatch({ origin: target.origin, path: target.path, method: method as Dispatcher.HttpMethod, headers, body, headersTimeout: 0, bodyTimeout: 300_000 }, handler)
  }

  async #handle(ctx: RequestContext): Promise<Reply | undefined> {
    if (this.#fatalMapping) return fatalHeaderMappingReply(ctx)
    const cfg = this.#cfg
    const method = this.#method(ctx)
    if (cfg.proxy) {
      // A mapping reads the body, or a step already read it: the body is passed on as received.
      const received = await ctx.rawBody()
      this.#proxy(ctx, method, method === 'GET' || method === 'HEAD' || received.length === 0 ? null : received)
      return undefined
    }
    // Non-proxy: the transform step converted and rendered the body (§5.9).
    const payload = ctx.payload ?? (await ctx.body())
    const target = this.#target(ctx)
    const headers = this.#headers(ctx)
    let body: Dispatcher.DispatchOptions['body'] = null
    if (method !== 'GET' && method !== 'HEAD') body = ctx.transformed ?? (payload.length > 0 ? payload : null)
    ctx.integrationStart = performance.now()
    // The integration timeout covers the wait for the backend's response and its body; our own timer,
    // because undici's coarse timers can overshoot short timeouts.
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
        bodyTimeout: 0,
      })
    } catch (err) {
      clearTimeout(timer)
      ctx.integrationLatency = Math.round(performance.now() - ctx.integrationStart)
      ctx.integrationErrorMessage = timedOut ? `timed out after ${cfg.timeoutMs} ms` : ((err as Error).message ?? String(err))
      throw timedOut ? new GatewayError('INTEGRATION_TIMEOUT', undefined, { cause: err }) : upstreamError(err)
    }
    ctx.integrationStatus = response.statusCode
    let data: Buffer
    try {
      data = Buffer.from(await response.body.arrayBuffer())
    } catch (err) {
      throw timedOut ? new GatewayError('INTEGRATION_TIMEOUT', undefined, { cause: err }) : upstreamError(err)
    } finally {
      clearTimeout(timer)
      ctx.integrationLatency = Math.round(performance.now() - ctx.integrationStart)
    }
    const selected = cfg.responses!.select(String(response.statusCode), ctx, response.headers, data)
    // Non-proxy HTTP responses carry the trace id (§6.5; test_http_integration_with_lambda[HTTP], header_remapping[HTTP]).
    if (!Object.keys(selected.headers).some((k) => k.toLowerCase() === 'x-amzn-trace-id')) selected.headers['X-Amzn-Trace-Id'] = generatedTraceId(ctx)
    return selected
  }

  /** The proxied response's headers as the client gets them (§5.8 remapping on REST, hop-by-hop dropped). Returns Content-Length or -1. */
  proxyHeaders(headers: Dispatcher.ResponseData['headers'], out: string[]): number {
    const rest = this.#cfg.apiKind === 'REST'
    let length = -1
    for (const k in headers) {
      const v = headers[k]
      if (v === undefined) continue
      if (k === 'content-length') length = Number(v)
      if (rest && REMAP_RESPONSE.has(k)) {
        out.push('x-amzn-Remapped-' + k, Array.isArray(v) ? v.join(', ') : v)
        continue
      }
      if (DROP_RESPONSE.has(k) || k === 'content-length') continue
      if (Array.isArray(v)) for (const one of v) out.push(k, one)
      else out.push(k, v)
    }
    return Number.isSafeInteger(length) && length >= 0 ? length : -1
  }

  /** HTTP APIs: the response mapping for a backend status, or null (§3.5). */
  responseMapping(status: number): HttpApiResponseMapping | null {
    const m = this.#apiResponseMapping
    return m !== null && m.has(status) ? m : null
  }
}

function removeHeader(out: string[], lower: string): void {
  for (let i = 0; i < out.length; i += 2) {
    if (out[i]!.toLowerCase() === lower) {
      out.splice(i, 2)
      i -= 2
    }
  }
}

/** Streams the client body on, refusing bodies over the payload limit even when sent chunked. */
function limitBody(ctx: RequestContext): Readable {
  const req = ctx.exchange.bodyStream
  if (ctx.exchange.headers['content-length'] !== undefined) return req
  return Readable.from((async function* () {
    let total = 0
    for await (const chunk of req as AsyncIterable<Buffer>) {
      total += chunk.length
      if (total > MAX_PAYLOAD) throw new GatewayError('REQUEST_TOO_LARGE', undefined)
      yield chunk
    }
  })())
}
