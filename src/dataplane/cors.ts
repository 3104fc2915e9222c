// CORS for HTTP APIs (§3.9): an API's corsConfiguration compiled once per stage into the preflight answer
// the gateway gives itself (before route matching, without integrations or authorizers) and the headers
// it puts on every other response of the stage. REST APIs have no CORS engine (§19.1) and never get one.

import type { CorsConfiguration } from '../model/types.js'
import { compileRegex, type UserRegex } from '../regex/index.js'
import type { RequestContext } from './context.js'
import type { Reply, StageCors } from './plan.js'

/** True for a CORS preflight: OPTIONS with both `Origin` and `Access-Control-Request-Method` (§3.9). */
export function isPreflight(ctx: RequestContext): boolean {
  return ctx.exchange.method === 'OPTIONS' && ctx.exchange.headers['origin'] !== undefined && ctx.exchange.headers['access-control-request-method'] !== undefined
}

/**
 * Compiles an HTTP API's corsConfiguration.
 *
 * Choices where §3.9 is [K]:
 * - The preflight answer is 204 with an empty body, for allowed and refused origins alike; a refused origin
 *   gets no CORS headers, so the browser blocks the request that would follow.
 * - The request's origin is echoed when it matches an entry; `*` is sent when `*` is configured (and no
 *   listed origin matched exactly). An echoed origin adds `Vary: Origin`, so caches keep answers apart.
 * - Origins compare case-insensitively. `https://*.example.com` matches one or more labels before
 *   `.example.com` (`https://a.example.com`, `https://a.b.example.com`), never `https://example.com`
 *   itself, and a port only when the entry names it.
 * - Methods, headers and max age are sent as configured; the gateway does not check the requested method
 *   or headers against them (the browser does).
 * - Responses the gateway produces itself within the stage (404, 401, 429…) get the same headers as
 *   integration responses, so that browsers can read them.
 * - Backend `Access-Control-*` headers are always dropped when CORS is configured (§3.9 [DOC]: ignored).
 *
 * @example
 * const cors = compileCors({ allowOrigins: ['https://app.example.com'], allowMethods: ['GET', 'POST'] })
 */
export function compileCors(config: CorsConfiguration): StageCors {
  const exact = new Set<string>()
  const patterns: UserRegex[] = []
  let any = false
  for (const o of config.allowOrigins ?? []) {
    const origin = o.trim().toLowerCase()
    if (origin === '*') any = true
    else if (origin.includes('*')) patterns.push(originPattern(origin))
    else if (origin !== '') exact.add(origin.replace(/\/+$/, ''))
  }
  const credentials = config.allowCredentials === true
  const methods = joined(config.allowMethods)
  const headers = joined(config.allowHeaders)
  const expose = joined(config.exposeHeaders)
  const maxAge = config.maxAge === undefined ? null : String(config.maxAge)

  /** The Access-Control-Allow-Origin value for a request's Origin, or null when it is not allowed. */
  const allowOrigin = (origin: string): string | null => {
    const lower = origin.toLowerCase()
    if (exact.has(lower)) return origin
    for (const p of patterns) if (p.test(lower)) return origin
    return any ? '*' : null
  }

  return Object.freeze({
    preflight(ctx: RequestContext): Reply | null {
      if (!isPreflight(ctx)) return null
      const out: Record<string, string> = {}
      const allowed = allowOrigin(headerOf(ctx, 'origin'))
      if (allowed !== null) {
        out['Access-Control-Allow-Origin'] = allowed
        if (credentials) out['Access-Control-Allow-Credentials'] = 'true'
        if (methods !== null) out['Access-Control-Allow-Methods'] = methods
        if (headers !== null) out['Access-Control-Allow-Headers'] = headers
        if (maxAge !== null) out['Access-Control-Max-Age'] = maxAge
        if (allowed !== '*') out['Vary'] = 'Origin'
      }
      return { status: 204, headers: out, body: '' }
    },

    decorate(ctx: RequestContext, out: string[]): void {
      // The gateway's own preflight answer already carries what it should.
      if (isPreflight(ctx)) return
      for (let i = 0; i < out.length; i += 2) {
        if (out[i]!.length > 15 && out[i]!.slice(0, 15).toLowerCase() === 'access-control-') {
          out.splice(i, 2)
          i -= 2
        }
      }
      const origin = ctx.exchange.headers['origin']
      if (origin === undefined) return
      const allowed = allowOrigin(headerOf(ctx, 'origin'))
      if (allowed === null) return
      out.push('Access-Control-Allow-Origin', allowed)
      if (credentials) out.push('Access-Control-Allow-Credentials', 'true')
      if (expose !== null) out.push('Access-Control-Expose-Headers', expose)
      if (allowed !== '*') addVaryOrigin(out)
    },
  })
}

function headerOf(ctx: RequestContext, name: string): string {
  const v = ctx.exchange.headers[name]
  return Array.isArray(v) ? (v[0] ?? '') : (v ?? '')
}

function joined(list: string[] | undefined): string | null {
  if (list === undefined || list.length === 0) return null
  return list.join(',')
}

/**
 * `https://*.example.com` → one or more host labels in place of `*`; everything else literal. On RE2: the
 * client chooses the Origin, and several `*`s would make a backtracking regex slow on a long one.
 */
function originPattern(origin: string): UserRegex {
  const src = origin
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'))
    .join('[a-z0-9-]+(?:\\.[a-z0-9-]+)*')
  return compileRegex(`^${src}$`, 'ecma')
}

function addVaryOrigin(out: string[]): void {
  for (let i = 0; i < out.length; i += 2) {
    if (out[i]!.toLowerCase() !== 'vary') continue
    const v = out[i + 1]!
    if (v === '*' || /(^|,)\s*origin\s*(,|$)/i.test(v)) return
    out[i + 1] = v + ', Origin'
    return
  }
  out.push('Vary', 'Origin')
}
