// Identity sources of authorizers: REST's `method.request.header.X`, `method.request.querystring.X`,
// `stageVariables.X`, `context.X` (§7.3) and HTTP APIs' `$request.header.X`, `$request.querystring.X`,
// `$context.X`, `$stageVariables.X` (§3.7), compiled once into getters.

import type { RequestContext } from '../../dataplane/context.js'
import { compileRequestSource } from '../../dataplane/param-source.js'
import { contextGetter } from '../../dataplane/context-vars.js'

export type SourceGetter = (ctx: RequestContext) => string | undefined

const REST_SOURCE = /^(?:method\.request\.(?:header|querystring)\.\S+|stageVariables\.[A-Za-z0-9_]+|context\.[A-Za-z0-9_.-]+)$/
const HTTP_SOURCE = /^\$(request\.header|request\.querystring|context|stageVariables)\.(\S+)$/

/** A REST identity-source list (a comma-separated string, as AWS stores it, or already a list) as entries. */
export function sourceList(value: string | string[] | undefined): string[] {
  if (value === undefined) return []
  const list = Array.isArray(value) ? value : value.split(',')
  return list.map((s) => s.trim()).filter((s) => s !== '')
}

/** A REST identity source. Throws an Error naming the allowed forms (path parameters are not among them, §4.7). */
export function compileRestSource(expr: string): SourceGetter {
  const get = REST_SOURCE.test(expr) ? compileRequestSource(expr) : null
  if (get === null) {
    throw new Error(`"${expr}" is not an identity source: use method.request.header.NAME, method.request.querystring.NAME, stageVariables.NAME or context.NAME`)
  }
  return get
}

/** An HTTP API identity source (a selection expression). Repeated headers and query keys are joined with ','. */
export function compileHttpSource(expr: string): SourceGetter {
  const m = HTTP_SOURCE.exec(expr)
  if (m === null) throw new Error(`"${expr}" is not an identity source: use $request.header.NAME, $request.querystring.NAME, $context.NAME or $stageVariables.NAME`)
  const name = m[2]!
  switch (m[1]) {
    case 'request.header': {
      const lower = name.toLowerCase()
      return (c) => {
        const v = c.exchange.headers[lower]
        return Array.isArray(v) ? v.join(',') : v
      }
    }
    case 'request.querystring':
      return (c) => c.query.get(name)?.join(',')
    case 'stageVariables':
      return (c) => c.stageVariables[name]
    default: {
      const get = contextGetter(name)
      return (c) => {
        const v = get(c)
        return v === undefined || v === null ? undefined : typeof v === 'object' ? JSON.stringify(v) : String(v)
      }
    }
  }
}
