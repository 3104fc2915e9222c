// Parameter mapping of HTTP APIs (§3.5): `append|overwrite|remove:header.{name}`, `…:querystring.{name}` and
// `overwrite:path` on the integration request; `append|overwrite|remove:header.{name}` and
// `overwrite:statuscode` on the response, per backend status. Values mix static text with `$request.*`,
// `$response.*`, `$context.*` and `$stageVariables.*` references (bare or `${...}`). Compiled once per
// deployment; problems (reserved headers, unknown sources) are reported all at once.

import type { RequestContext } from '../dataplane/context.js'
import { contextGetter } from '../dataplane/context-vars.js'
import { compileBodyPath } from '../dataplane/param-source.js'

/** JSONPath sources read at most this much of a body (§3.5: "truncates the request body at 100 KB"). */
export const BODY_PATH_LIMIT = 100 * 1024

/** What a response-side reference reads. */
export interface MappedResponse {
  status: number
  /** Header names lower-cased, as node:http and undici give them. */
  headers: Readonly<Record<string, string | string[] | undefined>>
  /** null when the body was not buffered (no mapping for this status reads it). */
  body: Buffer | null
}

type Getter = (ctx: RequestContext, res: MappedResponse | null) => string | undefined
type Value = (ctx: RequestContext, res: MappedResponse | null) => string | undefined

type Op = 'append' | 'overwrite' | 'remove'
interface Edit {
  op: Op
  /** Header name as configured, or query string name. */
  name: string
  lower: string
  value: Value
}

/** Request edits of one integration, compiled. */
export interface HttpApiRequestMapping {
  /** Whether any value reads the request body (a proxy must then buffer it). */
  readonly readsBody: boolean
  /** Edits a flat `[name, value, …]` header list in place. */
  applyHeaders(ctx: RequestContext, headers: string[]): void
  /** Edits decoded query pairs in place; true when anything was mapped. */
  applyQuery(ctx: RequestContext, query: URLSearchParams): boolean
  /** The `overwrite:path` value for this request (always starting with `/`), or undefined. */
  path(ctx: RequestContext): string | undefined
}

/** Response edits of one integration, keyed by backend status, compiled. */
export interface HttpApiResponseMapping {
  /** Whether the mappings for `status` exist at all / read the response body (which must then be buffered). */
  has(status: number): boolean
  readsBody(status: number): boolean
  /** Edits a flat header list in place and returns the status to send. */
  apply(ctx: RequestContext, res: MappedResponse, headers: string[]): number
}

/**
 * Headers that cannot be mapped in either direction (§3.5). `Trailer` is listed besides AWS's `Trailers`:
 * the real header's name ([K]).
 */
const RESERVED_EXACT = new Set([
  'authorization', 'connection', 'content-encoding', 'content-length', 'content-location', 'forwarded', 'keep-alive',
  'origin', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'trailers', 'transfer-encoding', 'upgrade',
  'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', 'via',
])
const RESERVED_PREFIX = ['access-control-', 'apigw-', 'x-amz-', 'x-amzn-']

/** Whether a header name is reserved for HTTP API parameter mapping (§3.5). */
export function isReservedHeader(name: string): boolean {
  const lower = name.toLowerCase()
  return RESERVED_EXACT.has(lower) || RESERVED_PREFIX.some((p) => lower.startsWith(p))
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/

/** Joins every value of a header (case-insensitive) with `,`, as §3.5 says AWS does. */
function requestHeader(ctx: RequestContext, lower: string): string | undefined {
  const raw = ctx.rawHeaders
  let out: string | undefined
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]!.toLowerCase() === lower) out = out === undefined ? raw[i + 1]! : out + ',' + raw[i + 1]!
  }
  return out
}

function responseHeader(res: MappedResponse, lower: string): string | undefined {
  const v = res.headers[lower]
  return Array.isArray(v) ? v.join(',') : v
}

function truncated(body: Buffer | null): Buffer | null {
  return body !== null && body.length > BODY_PATH_LIMIT ? body.subarray(0, BODY_PATH_LIMIT) : body
}

interface Compiled {
  value: Value
  readsBody: boolean
}

/**
 * Compiles one mapping value. `side` says which `$request` / `$response` references are allowed; problems go
 * to `problem` (the value then yields undefined).
 */
function compileValue(text: string, side: 'request' | 'response', problem: (msg: string) => void): Compiled {
  const parts: Array<string | Getter> = []
  let readsBody = false
  let literal = ''
  const reference = (expr: string): Getter | null => {
    let m = /^request\.(header|querystring|path|body)(?:\.(.+))?$/.exec(expr)
    if (m) {
      if (side !== 'request') {
        problem(`$${expr}: response mappings read $response, $context and $stageVariables, not $request`)
        return null
      }
      const where = m[1]!
      const name = m[2]
      if (where === 'path') {
        if (name === undefined) return (c) => c.path
        return (c) => c.pathParams[name]
      }
      if (where === 'body') {
        readsBody = true
        if (name === undefined) return (c) => c.bodyBytes?.toString('utf8')
        const read = bodyPath(name, expr, problem)
        return read === null ? null : (c) => read(truncated(c.bodyBytes))
      }
      if (name === undefined) {
        problem(`$${expr} needs a name: $request.${where}.{name}`)
        return null
      }
      if (where === 'header') {
        const lower = name.toLowerCase()
        return (c) => requestHeader(c, lower)
      }
      return (c) => c.query.get(name)?.join(',')
    }
    m = /^response\.(header|body)(?:\.(.+))?$/.exec(expr)
    if (m) {
      if (side !== 'response') {
        problem(`$${expr}: request mappings cannot read the response`)
        return null
      }
      const name = m[2]
      if (m[1] === 'body') {
        readsBody = true
        if (name === undefined) return (_c, r) => r?.body?.toString('utf8')
        const read = bodyPath(name, expr, problem)
        return read === null ? null : (_c, r) => read(truncated(r?.body ?? null))
      }
      if (name === undefined) {
        problem(`$${expr} needs a name: $response.header.{name}`)
        return null
      }
      const lower = name.toLowerCase()
      return (_c, r) => (r === null ? undefined : responseHeader(r, lower))
    }
    m = /^context\.([A-Za-z0-9_.]+)$/.exec(expr)
    if (m) {
      const get = contextGetter(m[1]!)
      return (c) => {
        const v = get(c)
        return v === undefined || v === null ? undefined : typeof v === 'object' ? JSON.stringify(v) : String(v)
      }
    }
    m = /^stageVariables\.([A-Za-z0-9_]+)$/.exec(expr)
    if (m) {
      const name = m[1]!
      return (c) => c.stageVariables[name]
    }
    problem(`$${expr} is not a mapping source ($request.*, $response.*, $context.*, $stageVariables.* or static text)`)
    return null
  }
  const push = (g: Getter | null) => {
    if (literal !== '') parts.push(literal)
    literal = ''
    parts.push(g ?? (() => undefined))
  }
  // Bare references end where their name's characters end (letters, digits, `_`, `.`, `-`; other names need
  // the brace form); `${...}` ends at the brace.
  const bare = /^\$(request\.(?:header|querystring|path)\.[A-Za-z0-9_.-]+|request\.path|request\.body\.[A-Za-z0-9_.\-[\]*'"]+|request\.body|response\.header\.[A-Za-z0-9_.-]+|response\.body\.[A-Za-z0-9_.\-[\]*'"]+|response\.body|context\.[A-Za-z0-9_.]+|stageVariables\.[A-Za-z0-9_]+)/
  let i = 0
  while (i < text.length) {
    const ch = text[i]!
    if (ch === '$' && text[i + 1] === '{') {
      const end = text.indexOf('}', i + 2)
      if (end === -1) {
        problem(`unclosed \${ in ${JSON.stringify(text)}`)
        return { value: () => undefined, readsBody }
      }
      push(reference(text.slice(i + 2, end).trim()))
      i = end + 1
      continue
    }
    if (ch === '$') {
      const m = bare.exec(text.slice(i))
      if (m) {
        // A trailing dot ends a sentence, not a name.
        const expr = m[1]!.replace(/\.+$/, '')
        push(reference(expr))
        i += 1 + expr.length
        continue
      }
      if (/^\$(request|response|context|stageVariables)\b/.test(text.slice(i))) {
        problem(`${JSON.stringify(text)} has a reference that is not a mapping source at "${text.slice(i, i + 30)}"`)
        return { value: () => undefined, readsBody }
      }
    }
    literal += ch
    i++
  }
  if (literal !== '') parts.push(literal)
  if (parts.length === 0) return { value: () => '', readsBody }
  if (parts.length === 1) {
    const only = parts[0]!
    if (typeof only === 'string') return { value: () => only, readsBody }
    // A value that is one reference only is left out when the reference has nothing ([K] §3.5).
    return { value: only, readsBody }
  }
  // Mixed with text, a missing reference reads as ''.
  return {
    readsBody,
    value: (c, r) => {
      let out = ''
      for (const p of parts) out += typeof p === 'string' ? p : (p(c, r) ?? '')
      return out
    },
  }
}

function bodyPath(path: string, expr: string, problem: (msg: string) => void): ((body: Buffer | null) => string | undefined) | null {
  if (path.startsWith('.') || path.includes('..') || path.includes('?(')) {
    problem(`$${expr}: recursive descent (..) and filter expressions (?()) are not supported in mappings`)
    return null
  }
  try {
    return compileBodyPath(path)
  } catch (err) {
    problem(`$${expr}: invalid JSONPath: ${(err as Error).message}`)
    return null
  }
}

/** Orders edits so the outcome does not depend on key order: remove, then overwrite, then append ([K] §3.5). */
const OP_ORDER: Record<Op, number> = { remove: 0, overwrite: 1, append: 2 }

function sortEdits(edits: Edit[]): Edit[] {
  return edits.sort((a, b) => OP_ORDER[a.op] - OP_ORDER[b.op])
}

function editHeaders(edits: readonly Edit[], ctx: RequestContext, res: MappedResponse | null, headers: string[]): void {
  for (const e of edits) {
    let v: string | undefined
    if (e.op !== 'remove') {
      v = e.value(ctx, res)
      if (v === undefined) continue
    }
    if (e.op !== 'append') {
      for (let i = 0; i < headers.length; i += 2) {
        if (headers[i]!.toLowerCase() === e.lower) {
          headers.splice(i, 2)
          i -= 2
        }
      }
    }
    if (v !== undefined) headers.push(e.name, v)
  }
}

function problemsError(what: string, problems: string[]): Error {
  return new Error(`${what}: ${problems.length === 1 ? problems[0] : problems.length + ' problems: ' + problems.join('; ')}`)
}

/**
 * Compiles an integration's `requestParameters` (§3.5). Returns null when there are none. Throws one Error
 * listing every problem (unknown key, reserved header, unknown source).
 * @example
 * compileHttpApiRequestMapping({ 'append:header.x-user': '$context.authorizer.sub', 'overwrite:path': '/v2$request.path' })
 */
export function compileHttpApiRequestMapping(params: Readonly<Record<string, string>>): HttpApiRequestMapping | null {
  const keys = Object.keys(params)
  if (keys.length === 0) return null
  const problems: string[] = []
  const headerEdits: Edit[] = []
  const queryEdits: Edit[] = []
  let path: Value | null = null
  let readsBody = false
  for (const key of keys) {
    const at = (msg: string) => problems.push(`requestParameters["${key}"]: ${msg}`)
    const raw = params[key]!
    if (key === 'overwrite:path') {
      const c = compileValue(raw, 'request', at)
      readsBody ||= c.readsBody
      path = c.value
      continue
    }
    const m = /^(append|overwrite|remove):(header|querystring)\.(.+)$/.exec(key)
    if (!m) {
      at('keys are append|overwrite|remove:header.{name}, append|overwrite|remove:querystring.{name} or overwrite:path')
      continue
    }
    const op = m[1] as Op
    const name = m[3]!
    if (m[2] === 'header') {
      if (!TOKEN.test(name)) {
        at(`"${name}" is not a valid header name`)
        continue
      }
      if (isReservedHeader(name)) {
        at(`the header ${name} is reserved and cannot be mapped (§3.5)`)
        continue
      }
    }
    const c = op === 'remove' ? { value: () => '', readsBody: false } : compileValue(raw, 'request', at)
    readsBody ||= c.readsBody
    ;(m[2] === 'header' ? headerEdits : queryEdits).push({ op, name, lower: name.toLowerCase(), value: c.value })
  }
  if (problems.length > 0) throw problemsError('HTTP API request parameter mapping', problems)
  sortEdits(headerEdits)
  sortEdits(queryEdits)
  const pathValue = path
  return {
    readsBody,
    applyHeaders(ctx, headers) {
      editHeaders(headerEdits, ctx, null, headers)
    },
    applyQuery(ctx, query) {
      let changed = false
      for (const e of queryEdits) {
        if (e.op === 'remove') {
          changed ||= query.has(e.name)
          query.delete(e.name)
          continue
        }
        const v = e.value(ctx, null)
        if (v === undefined) continue
        if (e.op === 'overwrite') query.set(e.name, v)
        else query.append(e.name, v)
        changed = true
      }
      return changed
    },
    path(ctx) {
      if (pathValue === null) return undefined
      const v = pathValue(ctx, null)
      if (v === undefined || v === '') return undefined
      return v.startsWith('/') ? v : '/' + v
    },
  }
}

interface StatusEdits {
  headers: Edit[]
  status: Value | null
  readsBody: boolean
}

/**
 * Compiles an integration's `responseParameters` (backend status → mappings, §3.5). Returns null when there are
 * none. Throws one Error listing every problem. A static `overwrite:statuscode` must be 100–599; a computed one
 * that is not is ignored at run time and the backend status kept ([K]).
 */
export function compileHttpApiResponseMapping(params: Readonly<Record<string, Readonly<Record<string, string>>>>): HttpApiResponseMapping | null {
  const byStatus = new Map<number, StatusEdits>()
  const problems: string[] = []
  for (const [statusKey, map] of Object.entries(params)) {
    const status = Number(statusKey)
    if (!/^[1-5]\d\d$/.test(statusKey)) {
      problems.push(`responseParameters["${statusKey}"]: keys are backend status codes (100-599)`)
      continue
    }
    const edits: StatusEdits = { headers: [], status: null, readsBody: false }
    for (const [key, raw] of Object.entries(map)) {
      const at = (msg: string) => problems.push(`responseParameters["${statusKey}"]["${key}"]: ${msg}`)
      if (key === 'overwrite:statuscode') {
        if (!raw.includes('$') && !/^\s*[1-5]\d\d\s*$/.test(raw)) {
          at(`"${raw}" is not a status code (100-599)`)
          continue
        }
        const c = compileValue(raw, 'response', at)
        edits.readsBody ||= c.readsBody
        edits.status = c.value
        continue
      }
      const m = /^(append|overwrite|remove):header\.(.+)$/.exec(key)
      if (!m) {
        at('keys are append|overwrite|remove:header.{name} or overwrite:statuscode')
        continue
      }
      const op = m[1] as Op
      const name = m[2]!
      if (!TOKEN.test(name)) {
        at(`"${name}" is not a valid header name`)
        continue
      }
      if (isReservedHeader(name)) {
        at(`the header ${name} is reserved and cannot be mapped (§3.5)`)
        continue
      }
      const c = op === 'remove' ? { value: () => '', readsBody: false } : compileValue(raw, 'response', at)
      edits.readsBody ||= c.readsBody
      edits.headers.push({ op, name, lower: name.toLowerCase(), value: c.value })
    }
    sortEdits(edits.headers)
    byStatus.set(status, edits)
  }
  if (problems.length > 0) throw problemsError('HTTP API response parameter mapping', problems)
  if (byStatus.size === 0) return null
  return {
    has: (status) => byStatus.has(status),
    readsBody: (status) => byStatus.get(status)?.readsBody ?? false,
    apply(ctx, res, headers) {
      const edits = byStatus.get(res.status)
      if (edits === undefined) return res.status
      editHeaders(edits.headers, ctx, res, headers)
      if (edits.status !== null) {
        const v = edits.status(ctx, res)?.trim()
        if (v !== undefined && /^[1-5]\d\d$/.test(v)) return Number(v)
      }
      return res.status
    },
  }
}

/** A Reply-style header record as a flat list, and back (used for Lambda proxy responses). */
export function headerList(headers: Readonly<Record<string, string>>): string[] {
  const out: string[] = []
  for (const [k, v] of Object.entries(headers)) out.push(k, v)
  return out
}

export function headerRecord(list: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {}
  const names = new Map<string, string>()
  for (let i = 0; i < list.length; i += 2) {
    const name = list[i]!
    const lower = name.toLowerCase()
    const first = names.get(lower)
    if (first === undefined) {
      names.set(lower, name)
      out[name] = list[i + 1]!
    } else out[first] = out[first] + ',' + list[i + 1]!
  }
  return out
}

/** A header map (payload 1.0 multi-value or 2.0 comma-joined) as a flat list. */
function eventHeaderList(event: Record<string, unknown>, v2: boolean): string[] {
  const out: string[] = []
  const source = (v2 ? event['headers'] : event['multiValueHeaders']) as Record<string, string | string[]> | null | undefined
  for (const [k, v] of Object.entries(source ?? {})) {
    if (Array.isArray(v)) for (const one of v) out.push(k, one)
    else out.push(k, v)
  }
  return out
}

/**
 * Applies request edits to an HTTP API's Lambda proxy event (payload 1.0 or 2.0): headers, query string and
 * (`overwrite:path`) the path the function sees ([K]: §3.5 does not limit mappings to HTTP integrations).
 */
export function applyToLambdaEvent(mapping: HttpApiRequestMapping, ctx: RequestContext, event: Record<string, unknown>): void {
  const v2 = event['version'] === '2.0'
  const headers = eventHeaderList(event, v2)
  mapping.applyHeaders(ctx, headers)
  // Rebuilt whole: with nothing edited the result equals what was there.
  if (v2) {
    const out: Record<string, string> = {}
    for (let i = 0; i < headers.length; i += 2) {
      const k = headers[i]!.toLowerCase()
      out[k] = out[k] === undefined ? headers[i + 1]! : out[k] + ',' + headers[i + 1]!
    }
    event['headers'] = out
  } else {
    const single: Record<string, string> = {}
    const multi: Record<string, string[]> = {}
    for (let i = 0; i < headers.length; i += 2) {
      single[headers[i]!] = headers[i + 1]!
      ;(multi[headers[i]!] ??= []).push(headers[i + 1]!)
    }
    event['headers'] = single
    event['multiValueHeaders'] = multi
  }
  const query = new URLSearchParams()
  if (v2) {
    for (const [k, v] of new URLSearchParams(String(event['rawQueryString'] ?? ''))) query.append(k, v)
  } else {
    const mqs = event['multiValueQueryStringParameters'] as Record<string, string[]> | null
    for (const [k, list] of Object.entries(mqs ?? {})) for (const v of list) query.append(k, v)
  }
  if (mapping.applyQuery(ctx, query)) {
    const grouped = new Map<string, string[]>()
    for (const [k, v] of query) {
      const list = grouped.get(k)
      if (list) list.push(v)
      else grouped.set(k, [v])
    }
    if (v2) {
      event['rawQueryString'] = query.toString()
      if (grouped.size === 0) delete event['queryStringParameters']
      else event['queryStringParameters'] = Object.fromEntries([...grouped].map(([k, l]) => [k, l.join(',')]))
    } else {
      event['queryStringParameters'] = grouped.size === 0 ? null : Object.fromEntries([...grouped].map(([k, l]) => [k, l[l.length - 1]!]))
      event['multiValueQueryStringParameters'] = grouped.size === 0 ? null : Object.fromEntries(grouped)
    }
  }
  const path = mapping.path(ctx)
  if (path !== undefined) {
    if (v2) {
      event['rawPath'] = path
      const http = (event['requestContext'] as { http?: { path?: string } } | undefined)?.http
      if (http !== undefined) http.path = path
    } else event['path'] = path
  }
}
