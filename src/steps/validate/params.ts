// Required method request parameters (§9): which ones a method declares, in the order AWS lists the missing
// ones, and which of them a request lacks.

import type { Method } from '../../model/types.js'
import type { RequestContext } from '../../dataplane/context.js'
import { compileRequestSource, type ParamGetter } from '../../dataplane/param-source.js'

/** One required parameter: its name as listed in the error message and how to read it. */
export interface RequiredParameter {
  readonly name: string
  readonly get: ParamGetter
}

const REQUIRED_KIND = /^method\.request\.(path|querystring|header)\.(.+)$/

/**
 * The method's required `path`, `querystring` and `header` parameters, ordered by their full
 * `method.request.*` key. §9 recorded `[x-header-param, issuer, qs1]`: headers, then path, then querystring,
 * which is the sorted order of the keys; within a kind the names are sorted the same way [K].
 * `multivaluequerystring`/`multivalueheader` entries are not checked: §9 names only the three kinds [K].
 */
export function requiredParameters(method: Method): RequiredParameter[] {
  const keys = Object.entries(method.requestParameters)
    .filter(([key, required]) => required === true && REQUIRED_KIND.test(key))
    .map(([key]) => key)
    .sort()
  const out: RequiredParameter[] = []
  for (const key of keys) {
    const get = compileRequestSource(key)
    if (get !== null) out.push({ name: REQUIRED_KIND.exec(key)![2]!, get })
  }
  return out
}

/**
 * The names of required parameters the request lacks. A value that is empty or only white space counts as
 * missing (`?q1=` does, §9); a repeated query key is judged by its last value, the one mappings see (§18.2).
 */
export function missingParameters(required: readonly RequiredParameter[], ctx: RequestContext): string[] {
  const missing: string[] = []
  for (const p of required) {
    const v = p.get(ctx)
    if (v === undefined || v.trim() === '') missing.push(p.name)
  }
  return missing
}
