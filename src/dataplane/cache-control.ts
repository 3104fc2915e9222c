// The client's request to refresh a cached response (§8): `Cache-Control: max-age=0`. Read by the auth step
// (is the caller allowed to?) and the cache step (what to do about it).

import type { RequestContext } from './context.js'

/** True when the request's `Cache-Control` has the directive `max-age=0` (any case, among others). */
export function asksCacheInvalidation(ctx: RequestContext): boolean {
  const cc = ctx.header('cache-control')
  if (cc === undefined || cc.length < 9) return false
  for (const part of cc.split(',')) if (part.trim().toLowerCase() === 'max-age=0') return true
  return false
}
