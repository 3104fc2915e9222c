// The per-request context: what the pipeline knows about one request, read by steps, integrations,
// gateway responses, access logs and (later) mapping templates as `$context`.

import type { IncomingMessage, ServerResponse } from 'node:http'
import type { RoutePlan, StagePlan } from './plan.js'
import { EMPTY_KEY_INDEX, type KeyIndex } from './keys.js'

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

/** `$context.requestTime`: `dd/MMM/yyyy:HH:mm:ss +0000`, UTC, English month (§17). */
export function formatRequestTime(ms: number): string {
  const d = new Date(ms)
  const p = (n: number) => (n < 10 ? '0' + n : String(n))
  return `${p(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`
}

export class RequestContext {
  readonly req: IncomingMessage
  readonly res: ServerResponse
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
  /** `Host` as received. */
  domainName: string
  sourceIp: string
  /** The kind of API the request resolved to, once known (decides REST vs HTTP response headers). */
  apiKind: 'REST' | 'HTTP' | null = null
  stage: StagePlan | null = null
  route: RoutePlan | null = null
  pathParams: Record<string, string> = {}
  /** Stage variables in effect (canary overrides merged later). */
  stageVariables: Readonly<Record<string, string>> = {}
  /** The request body once buffered (non-proxy integrations); proxy integrations stream instead. */
  body: Buffer | null = null
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
  /** Values steps add for `$context.authorizer.*` and the like (later issues). */
  authorizer: Record<string, unknown> | null = null
  /** `$context.requestOverride` / `responseOverride` set by mapping templates (§5.6). */
  overrides: {
    request: { header: Record<string, string>; querystring: Record<string, string>; path: Record<string, string> }
    response: { header: Record<string, string>; status?: number }
  } | null = null
  /** The API keys of the plan this request started on. */
  keys: KeyIndex = EMPTY_KEY_INDEX
  /** Free slots for steps of later issues (api key id, usage plan…), keyed by step name. */
  extras: Record<string, unknown> | null = null

  #query: Map<string, string[]> | null = null

  /** The decoded query (parsed on first use). */
  get query(): Map<string, string[]> {
    return (this.#query ??= parseQuery(this.rawQuery))
  }

  constructor(req: IncomingMessage, res: ServerResponse, requestId: string, extendedRequestId: string, startTime: number, startMark: number) {
    this.req = req
    this.res = res
    this.requestId = requestId
    this.extendedRequestId = extendedRequestId
    this.startTime = startTime
    this.startMark = startMark
    this.httpMethod = req.method ?? 'GET'
    const url = req.url ?? '/'
    const q = url.indexOf('?')
    this.rawPath = q === -1 ? url : url.slice(0, q)
    this.rawQuery = q === -1 ? '' : url.slice(q + 1)
    this.path = this.rawPath
    this.domainName = req.headers.host ?? ''
    this.sourceIp = req.socket.remoteAddress ?? ''
  }

  get requestTime(): string {
    return formatRequestTime(this.startTime)
  }

  get protocol(): string {
    return 'HTTP/' + this.req.httpVersion
  }

  /** Header value by lower-case name; several values are joined with `,` (Node's own join rules). */
  header(name: string): string | undefined {
    const v = this.req.headers[name]
    return Array.isArray(v) ? v.join(',') : v
  }
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
