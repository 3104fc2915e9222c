// The per-request context: what the pipeline knows about one request, read by steps, integrations, gateway
// responses, access logs and mapping templates (`$context`). Transport-neutral: it reads the request
// through an Exchange (HTTP today, a WebSocket message later) and never exposes node:http objects.
// What steps hand each other are typed fields, set by the step named beside each.

import type { Readable } from 'node:stream'
import type { ResponseHandler, RoutePlan, StagePlan } from './plan.js'
import { EMPTY_KEY_INDEX, type KeyIndex, type PlanBinding } from './keys.js'
import type { ClientCert } from './client-cert.js'
import type { Decision, PolicyPrincipal } from '../auth/policy.js'
import { MAX_PAYLOAD } from './limits.js'
import { decompressRequestBody } from './compression.js'
import { GatewayError } from '../errors.js'

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

/** `$context.requestTime`: `dd/MMM/yyyy:HH:mm:ss +0000`, UTC, English month (§17). */
export function formatRequestTime(ms: number): string {
  const d = new Date(ms)
  const p = (n: number) => (n < 10 ? '0' + n : String(n))
  return `${p(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`
}

/** Request headers by lower-case name, as a transport parsed them. */
export type RequestHeaders = Readonly<Record<string, string | string[] | undefined>>

/**
 * One request/response pair as a transport carries it. The request side is read by the context; the
 * response side is written only by the transport's response writer (src/dataplane/respond.ts for HTTP).
 */
export interface Exchange {
  readonly method: string
  /** Path and query as received. */
  readonly url: string
  readonly headers: RequestHeaders
  /** `[name, value, …]` as received, names in their original case. */
  readonly rawHeaders: readonly string[]
  readonly httpVersion: string
  readonly remoteAddress: string
  readonly localPort: number
  /** The connection is TLS. */
  readonly secure: boolean
  /** The request body as it arrives: read once, by the context's body readers or a streaming proxy. */
  readonly bodyStream: Readable
  /** Whether the response has started (its head is written). */
  readonly started: boolean
  /** Whether the connection stays open after this response. */
  readonly keepAlive: boolean
  /** The request announced a body that has not wholly arrived yet. */
  readonly bodyPending: boolean
  /** Closes the connection after this response (reading and dropping, for a moment, a body still arriving). */
  closeAfterResponse(): void
  start(status: number, headers: string[]): void
  write(chunk: Buffer): boolean
  end(chunk?: Buffer): void
  /** Cuts the response (mid-body failures): the client sees the connection close. */
  destroy(err?: Error): void
  onceDrain(fn: () => void): void
  /** Called when the client connection closes (finished or not). */
  onceClose(fn: () => void): void
  offClose(fn: () => void): void
}

/** The caller's IAM identity once the auth step verified a SigV4 signature (§7.5). */
export interface CallerIdentity {
  accessKey: string
  accountId: string
  caller: string | null
  user: string | null
  userArn: string
  principalOrgId: string | null
}

/** What the policy step leaves for the auth step (§7.7): the route's resource policy, to evaluate again once an IAM principal is known. */
export interface ResourcePolicyCheck {
  /** The method ARN of this request (the actual path, §0). */
  arn(ctx: RequestContext): string
  /**
   * The policy's decision for this request and principal (anonymous when absent) on `action` (default
   * `execute-api:Invoke`; the cache asks about `execute-api:InvalidateCache`, §8); never throws.
   */
  evaluate(ctx: RequestContext, principal?: PolicyPrincipal, action?: string): Decision
  /** True when the policy names principals or principal condition keys. */
  readonly dependsOnPrincipal: boolean
  /** PRIVATE endpoint APIs deny what the policy does not allow, even without an authorizer (§1.8, §7.7). */
  readonly privateApi: boolean
}

/** A cache miss's response on its way to the client, copied as it passes (src/steps/cache). */
export class CacheCapture {
  readonly key: string
  status = 0
  /** The header list as the integration gave it; null until the response starts. */
  headers: string[] | null = null
  readonly chunks: Buffer[] = []
  size = 0
  constructor(key: string) {
    this.key = key
  }
}

/** Before a runner takes the request: failures are a programming error, thrown. */
const NO_RUNNER = Object.freeze({
  fail(_ctx: RequestContext, err: unknown): void {
    throw err
  },
})

export class RequestContext {
  readonly exchange: Exchange
  readonly requestId: string
  readonly extendedRequestId: string
  /** `Date.now()` at receipt. */
  readonly startTime: number
  /** `performance.now()` at receipt, for latencies. */
  readonly startMark: number
  /** The method used for routing (after `X-HTTP-Method-Override`, §6.6). */
  httpMethod: string
  /** The path after the stage (and base path), as received (percent-encoded), without the query. */
  path: string
  /** The raw path as received, with the stage, for `requestContext.path`. */
  rawPath: string
  /** The raw query string without `?` ('' when none). */
  rawQuery: string
  /** `Host` as received; for a request through a custom domain, its host name (lower case, no port). */
  domainName: string
  sourceIp: string
  /** The kind of API the request resolved to, once known (decides REST vs HTTP response headers). */
  apiKind: 'REST' | 'HTTP' | null = null
  stage: StagePlan | null = null
  route: RoutePlan | null = null
  /** Where the response goes: the route's response chain once a route matched, else the client writer. */
  response: ResponseHandler
  pathParams: Record<string, string> = {}
  /** Stage variables in effect (canary overrides merged later). */
  stageVariables: Readonly<Record<string, string>> = {}
  /** Filled as the request progresses, read by access logs. */
  status = 0
  responseLength = -1
  integrationStatus = -1
  integrationLatency = -1
  integrationStart = 0
  errorMessage: string | null = null
  errorType: string | null = null
  integrationErrorMessage: string | null = null
  /** Set once the reason for a 5xx has been logged, so it is logged once. */
  errorLogged = false
  /**
   * `$context.requestOverride` / `responseOverride` set by mapping templates (§5.6); `extra`: keys of a
   * template's own in those maps, which only later templates read.
   */
  overrides: {
    request: { header: Record<string, string>; querystring: Record<string, string>; path: Record<string, string>; extra?: Record<string, unknown> }
    response: { header: Record<string, string>; status?: number; extra?: Record<string, unknown> }
  } | null = null
  /** The API keys of the plan this request started on. */
  keys: KeyIndex = EMPTY_KEY_INDEX

  // What steps hand each other.
  /** Listener (mutual TLS, §7.8): the verified client certificate. */
  clientCert: ClientCert | null = null
  /** Listener (the HTTPS listener of custom domains): the SNI name of the connection, or null. */
  tlsServerName: string | null = null
  /**
   * Resolution → `$context.customDomain.basePathMatched`, events: the base path of the custom-domain mapping
   * the request came through ('' for `(none)`); null when it came through no custom domain (§1.7).
   */
  basePathMatched: string | null = null
  /** Policy step → auth step: the resource policy's decision before authentication, when final (§7.7). */
  resourcePolicy: 'ALLOW' | 'SILENT' | null = null
  /** Policy step → auth step: evaluates the resource policy again once an IAM principal is known. */
  resourcePolicyCheck: ResourcePolicyCheck | null = null
  /** Auth step (AWS_IAM) → `$context.identity.*`, events. */
  identity: CallerIdentity | null = null
  /** Auth step → `$context.authorizer.*` and payload 1.0 events: what the authorizer returned, flat. */
  authorizer: Record<string, unknown> | null = null
  /** Auth step → payload 2.0 events: the authorizer's result nested by kind (`{ lambda }`, `{ jwt }`, `{ iam }`, §4.3). */
  authorizerV2: Record<string, unknown> | null = null
  /** Auth step (Lambda authorizer) → API-key step: the key an AUTHORIZER key source uses (§7.1). */
  usageIdentifierKey: string | null = null
  /** Auth step: the Authorization header was a SigV4 signature for the gateway, not for the backend (§6.6). */
  sigv4Verified = false
  /** API-key step → throttle step, `$context.identity.apiKey*`: the key, its id and the plan binding it to this stage. */
  apiKey: string | null = null
  apiKeyId: string | null = null
  usagePlan: PlanBinding | null = null
  /** Validation step → `$context.error.validationErrorString` (§9). */
  validationError: string | null = null
  /** Transform step → integration: the request template's output, or null to pass the body through (§5.9). */
  transformed: string | null = null
  /** Transform step → integration: the payload after content handling (§14.2), before any template. */
  payload: Buffer | null = null
  /**
   * Policy step (the resource policy, for callers that are not IAM principals) or auth step (AWS_IAM: the
   * identity and resource policies combined as for Invoke, §7.7) → cache step: the caller may
   * `execute-api:InvalidateCache` here (§8). Set only for requests that ask (`Cache-Control: max-age=0`).
   */
  cacheInvalidationAllowed = false
  /** Cache step, request → response side: a miss's response being copied for the cache (§8). */
  cacheCapture: CacheCapture | null = null
  /** Cache step: an unauthorized `Cache-Control: max-age=0` was ignored; the response says so (§8). */
  cacheWarning = false

  #query: Map<string, string[]> | null = null
  #raw: Buffer | null = null
  #rawReading: Promise<Buffer> | null = null
  #decoded: Buffer | null = null
  #decoding: Promise<Buffer> | null = null
  /** Per-request state of the client writer (respond.ts). */
  writerState: unknown = null
  /** Set by the client writer once a response has begun: later failures cut it instead of answering. */
  responseStarted = false
  /** Listener (mutual TLS with optional certificates): the connection presented one the truststore does not vouch for. */
  untrustedClientCert = false
  /** The runner of this request: a streaming integration reports a failure before its response starts here. */
  runner: { fail(ctx: RequestContext, err: unknown): void } = NO_RUNNER
  /** A streaming producer (the proxy) to tell when the client goes away before the response ends. */
  clientAbort: { onClientClose(): void } | null = null

  /** The decoded query (parsed on first use). */
  get query(): Map<string, string[]> {
    return (this.#query ??= parseQuery(this.rawQuery))
  }

  constructor(exchange: Exchange, response: ResponseHandler, requestId: string, extendedRequestId: string, startTime: number, startMark: number) {
    this.exchange = exchange
    this.response = response
    this.requestId = requestId
    this.extendedRequestId = extendedRequestId
    this.startTime = startTime
    this.startMark = startMark
    this.httpMethod = exchange.method
    const url = exchange.url
    const q = url.indexOf('?')
    this.rawPath = q === -1 ? url : url.slice(0, q)
    this.rawQuery = q === -1 ? '' : url.slice(q + 1)
    this.path = this.rawPath
    const host = exchange.headers['host']
    this.domainName = typeof host === 'string' ? host : ''
    this.sourceIp = exchange.remoteAddress
  }

  get requestTime(): string {
    return formatRequestTime(this.startTime)
  }

  get protocol(): string {
    return 'HTTP/' + this.exchange.httpVersion
  }

  /** Header value by lower-case name; several values are joined with `,` (Node's own join rules). */
  header(name: string): string | undefined {
    const v = this.exchange.headers[name]
    return Array.isArray(v) ? v.join(',') : v
  }

  /** `[name, value, …]` as received. */
  get rawHeaders(): readonly string[] {
    return this.exchange.rawHeaders
  }

  /** The connection is TLS (`aws:SecureTransport`, `X-Forwarded-Proto`). */
  get secure(): boolean {
    return this.exchange.secure
  }

  /** Whether the body has been (or is being) read, so a proxy cannot stream it any more. */
  get bodyConsumed(): boolean {
    return this.#rawReading !== null
  }

  /**
   * The body bytes as received (10 MB limit, §11.2: more → 413), read once for every consumer: what a
   * SigV4 signature covers and what proxies pass on.
   */
  rawBody(): Promise<Buffer> {
    return (this.#rawReading ??= readStream(this.exchange.bodyStream, MAX_PAYLOAD).then((b) => (this.#raw = b)))
  }

  /**
   * The body as the stage's rules present it to validators, mappings and templates: on REST APIs a
   * `Content-Encoding` body is decompressed first (§14.1; an unsupported coding → 415); HTTP APIs take it
   * as received. Read and decoded once.
   */
  body(): Promise<Buffer> {
    return (this.#decoding ??= this.rawBody().then((raw) =>
      this.stage?.kind !== 'REST' ? raw : decompressRequestBody(raw, this.header('content-encoding'), MAX_PAYLOAD),
    ).then((b) => (this.#decoded = b)))
  }

  /**
   * Calls `fn` once the response can take more, after a chain handler's `onResponseData` returned false: the
   * client writer's current sink (a compressor while compressing, else the connection) has drained.
   */
  onceDrain(fn: () => void): void {
    const w = this.writerState as { onceDrain?: (fn: () => void) => void } | null
    if (w !== null && typeof w.onceDrain === 'function') w.onceDrain(fn)
    else this.exchange.onceDrain(fn)
  }

  /** The body once `rawBody()` has resolved; null before. */
  get receivedBody(): Buffer | null {
    return this.#raw
  }

  /** The decoded body once `body()` has resolved, else the bytes as received once read; null before. */
  get bodyBytes(): Buffer | null {
    return this.#decoded ?? this.#raw
  }
}

/** Reads a whole stream; over `limit` bytes → REQUEST_TOO_LARGE (the rest of the body is discarded). */
export function readStream(stream: Readable, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let total = 0
    let failed = false
    stream.on('data', (chunk: Buffer) => {
      if (failed) return
      total += chunk.length
      if (total > limit) {
        failed = true
        chunks.length = 0
        reject(new GatewayError('REQUEST_TOO_LARGE', undefined))
        return
      }
      chunks.push(chunk)
    })
    stream.once('end', () => {
      if (!failed) resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total))
    })
    stream.once('error', (err) => {
      if (!failed) reject(err)
    })
  })
}

/** Query string parsing (§17): `+` is a space, values percent-decoded, duplicate keys keep their order. */
export function parseQuery(raw: string): Map<string, string[]> {
  const out = new Map<string, string[]>()
  if (raw === '') return out
  for (const pair of raw.split('&')) {
    if (pair === '') continue
    const eq = pair.indexOf('=')
    const k = decodeComponent(eq === -1 ? pair : pair.slice(0, eq))
    const v = eq === -1 ? '' : decodeComponent(pair.slice(eq + 1))
    const list = out.get(k)
    if (list) list.push(v)
    else out.set(k, [v])
  }
  return out
}

/** Percent-decodes with `+` as space; a malformed escape is kept as it was rather than failing the request. */
export function decodeComponent(s: string): string {
  const plus = s.includes('+') ? s.replace(/\+/g, ' ') : s
  if (!plus.includes('%')) return plus
  try {
    return decodeURIComponent(plus)
  } catch {
    return plus
  }
}

/**
 * The `X-Amzn-Trace-Id` Gatehouse makes for a request: `Root=1-{8 hex seconds}-{24 hex}` (§17), the 24 hex
 * taken from the request id (a random UUID) without a regex, as it runs on every proxied request.
 */
export function generatedTraceId(ctx: RequestContext): string {
  const id = ctx.requestId
  return 'Root=1-' + Math.floor(ctx.startTime / 1000).toString(16) + '-' + id.slice(0, 8) + id.slice(9, 13) + id.slice(14, 18) + id.slice(19, 23) + id.slice(24, 28)
}
