// Integration responses (§1.5, §5.8): select by selection pattern (a whole-string Java regex match against
// the backend status, or a Lambda error message, run on RE2 in linear time), map headers, render the response
// template (§5.9).

import type { RequestHeaders as IncomingHttpHeaders } from '../dataplane/context.js'
import type { ContentHandling, IntegrationResponse } from '../model/types.js'
import type { RequestContext } from '../dataplane/context.js'
import type { Reply } from '../dataplane/plan.js'
import { GatewayError } from '../errors.js'
import { compileBodyPath, compileRequestSource } from '../dataplane/param-source.js'
import { compileMappingTemplate, firstAccept, selectResponseTemplate, type MappingTemplate } from '../mapping/templates.js'
import { convertResponseBody, requireTemplateText } from '../mapping/binary.js'
import { compileRegex, RegexSyntaxError, type UserRegex } from '../regex/index.js'

/** Mapped response headers renamed to `x-amzn-Remapped-*` (§5.8). */
const REMAPPED = new Set(['authorization', 'connection', 'content-length', 'content-md5', 'date', 'expect', 'host', 'max-forwards', 'proxy-authenticate', 'server', 'trailer', 'upgrade', 'user-agent', 'www-authenticate'])
/**
 * Set by the gateway itself, whatever is mapped. A mapped `Via` does reach the client: the header_remapping
 * recording (test_apigateway_header_remapping_http[HTTP] :: full-integration) has a Via only where it is mapped.
 */
const OVERWRITTEN = new Set(['transfer-encoding'])

type HeaderSource = (ctx: RequestContext, headers: IncomingHttpHeaders, body: Buffer) => string | undefined

interface CompiledResponse {
  statusCode: number
  pattern: UserRegex | null
  headers: Array<[string, HeaderSource]>
  templates: Map<string, MappingTemplate>
  contentHandling: ContentHandling | undefined
}

export interface IntegrationResponseSelector {
  /**
   * `key` is the backend status as a string, or a Lambda error message; null for a successful Lambda
   * result, which only the default response takes (§1.5). Throws API_CONFIGURATION_ERROR when nothing
   * matches and there is no default.
   */
  select(key: string | null, ctx: RequestContext, headers: IncomingHttpHeaders, body: Buffer): Reply
  readonly empty: boolean
  /** The compiled responses, for golden tests. */
  describe(): unknown
}

/** At most this many selection keys are remembered per integration. */
const MEMO_LIMIT = 512

function compileHeaderSource(expr: string): HeaderSource | null {
  const e = expr.trim()
  let m = /^integration\.response\.header\.(.+)$/.exec(e)
  if (m) {
    const name = m[1]!.toLowerCase()
    return (_c, h) => {
      const v = h[name]
      return Array.isArray(v) ? v[v.length - 1] : v
    }
  }
  m = /^integration\.response\.multivalueheader\.(.+)$/.exec(e)
  if (m) {
    const name = m[1]!.toLowerCase()
    return (_c, h) => {
      const v = h[name]
      return Array.isArray(v) ? v.join(',') : v
    }
  }
  if (e === 'integration.response.body') return (_c, _h, b) => b.toString('utf8')
  m = /^integration\.response\.body\.(.+)$/.exec(e)
  if (m) {
    let read: (body: Buffer | null) => string | undefined
    try {
      read = compileBodyPath(m[1]!)
    } catch {
      return null
    }
    return (_c, _h, b) => read(b)
  }
  const req = compileRequestSource(e)
  return req === null ? null : (c) => req(c)
}

/** Sets a header, replacing any already there under another letter case. */
function setHeader(out: Record<string, string>, name: string, value: string): void {
  const lower = name.toLowerCase()
  for (const k of Object.keys(out)) if (k !== name && k.toLowerCase() === lower) delete out[k]
  out[name] = value
}

/**
 * Compiles integration responses once per deployment. Throws an Error naming the problem for a bad
 * selection pattern, mapping expression or template.
 */
export function compileIntegrationResponses(responses: Record<string, IntegrationResponse>): IntegrationResponseSelector {
  const specific: CompiledResponse[] = []
  let fallback: CompiledResponse | null = null
  for (const ir of Object.values(responses)) {
    const headers: Array<[string, HeaderSource]> = []
    for (const [key, expr] of Object.entries(ir.responseParameters)) {
      const m = /^method\.response\.header\.(.+)$/.exec(key)
      if (!m) throw new Error(`integration response ${ir.statusCode}: unsupported response parameter ${key}`)
      const src = compileHeaderSource(expr)
      if (!src) throw new Error(`integration response ${ir.statusCode}: unsupported mapping expression ${expr}`)
      const lower = m[1]!.toLowerCase()
      if (OVERWRITTEN.has(lower)) continue
      headers.push([REMAPPED.has(lower) ? `x-amzn-Remapped-${m[1]}` : m[1]!, src])
    }
    const templates = new Map<string, MappingTemplate>()
    for (const [type, tpl] of Object.entries(ir.responseTemplates)) {
      templates.set(type.toLowerCase(), compileMappingTemplate(tpl, `integration response ${ir.statusCode} template (${type})`))
    }
    let pattern: UserRegex | null = null
    if (ir.selectionPattern !== undefined && ir.selectionPattern !== '') {
      try {
        // A Java regex; String.matches: the whole string must match ([K] §1.5).
        pattern = compileRegex(ir.selectionPattern, 'java')
      } catch (err) {
        if (!(err instanceof RegexSyntaxError)) throw err
        throw new Error(`integration response ${ir.statusCode}: selectionPattern ${err.message}`)
      }
    }
    const status = Number(ir.statusCode)
    if (!Number.isInteger(status) || status < 100 || status > 599) throw new Error(`integration response status code ${ir.statusCode} is not valid`)
    const compiled: CompiledResponse = { statusCode: status, pattern, headers, templates, contentHandling: ir.contentHandling }
    if (pattern === null) fallback = compiled
    else specific.push(compiled)
  }
  // The response a key selects, kept per key: backend statuses are few, so the patterns run once per status
  // (Lambda error messages vary freely and are bounded by the memo's size).
  const memo = new Map<string, CompiledResponse | null>()
  const pick = (key: string): CompiledResponse | null => {
    let chosen = memo.get(key)
    if (chosen !== undefined) return chosen
    chosen = fallback
    for (const r of specific) {
      if (r.pattern!.matches(key)) {
        chosen = r
        break
      }
    }
    if (memo.size < MEMO_LIMIT) memo.set(key, chosen)
    return chosen
  }
  return {
    empty: specific.length === 0 && fallback === null,
    describe: () => [...specific, ...(fallback ? [fallback] : [])].map((r) => ({ status: r.statusCode, ...(r.pattern ? { pattern: r.pattern.source } : {}), ...(r.templates.size ? { templates: [...r.templates.keys()] } : {}) })),
    select(key, ctx, headers, body) {
      const chosen = key === null || specific.length === 0 ? fallback : pick(key)
      if (chosen === null) throw new GatewayError('API_CONFIGURATION_ERROR', undefined)
      const out: Record<string, string> = {}
      for (const [name, src] of chosen.headers) {
        const v = src(ctx, headers, body)
        if (v !== undefined) out[name] = v
      }
      const picked = selectResponseTemplate(chosen.templates, firstAccept(ctx.header('accept')))
      // Content handling converts the integration's payload before any template reads it (§14.2).
      const ct = headers['content-type']
      const converted = convertResponseBody(ctx, body, Array.isArray(ct) ? ct[0] : ct, chosen.contentHandling)
      let payload: Buffer | string = converted
      let type = 'application/json'
      let override = ctx.overrides?.response
      if (picked !== undefined) {
        type = picked[0]
        requireTemplateText(ctx, converted)
        const r = picked[1].render(ctx, converted, 'application/json')
        payload = r.output
        override = r.responseOverride
      }
      // $context.responseOverride wins over the mapping (§5.6). One set by the request template applies even
      // when no response template runs ([K]: §5.6 says it "also takes effect", without requiring one).
      let status = chosen.statusCode
      if (override !== undefined) {
        // Like AWS, a status outside 100–599 is ignored rather than sent.
        if (override.status !== undefined && override.status >= 100 && override.status <= 599) status = override.status
        for (const [k, v] of Object.entries(override.header)) setHeader(out, k, v)
      }
      const hasType = Object.keys(out).some((k) => k.toLowerCase() === 'content-type')
      if (!hasType) out['Content-Type'] = type
      return { status, headers: out, body: payload }
    },
  }
}
