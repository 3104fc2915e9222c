// Parameter-mapping source expressions of REST APIs (§5.7, §5.8, §6.2): `'static'`,
// `method.request.{path|querystring|header|multivaluequerystring|multivalueheader}.{name}`,
// `stageVariables.{name}`, `context.{var}` — compiled to getters once per deployment.

import type { RequestContext } from './context.js'
import { contextGetter } from './context-vars.js'

export type ParamGetter = (ctx: RequestContext) => string | undefined

/** Returns a getter for a request-side source expression, or null when the expression is not one. */
export function compileRequestSource(expr: string): ParamGetter | null {
  const e = expr.trim()
  if (e.length >= 2 && e.startsWith("'") && e.endsWith("'")) {
    const v = e.slice(1, -1)
    return () => v
  }
  let m = /^method\.request\.(path|querystring|header|multivaluequerystring|multivalueheader)\.(.+)$/.exec(e)
  if (m) {
    const where = m[1]!
    const name = m[2]!
    switch (where) {
      case 'path':
        return (c) => c.pathParams[name]
      case 'querystring':
        // The last value of a repeated key wins (§18.2).
        return (c) => {
          const l = c.query.get(name)
          return l === undefined ? undefined : l[l.length - 1]
        }
      case 'multivaluequerystring':
        return (c) => c.query.get(name)?.join(',')
      case 'header': {
        const lower = name.toLowerCase()
        return (c) => {
          const v = c.req.headers[lower]
          return Array.isArray(v) ? v[v.length - 1] : v
        }
      }
      default: {
        const lower = name.toLowerCase()
        return (c) => {
          const v = c.req.headers[lower]
          return Array.isArray(v) ? v.join(',') : v
        }
      }
    }
  }
  m = /^stageVariables\.([A-Za-z0-9_]+)$/.exec(e)
  if (m) {
    const name = m[1]!
    return (c) => c.stageVariables[name]
  }
  m = /^context\.([A-Za-z0-9_.-]+)$/.exec(e)
  if (m) {
    const get = contextGetter(m[1]!)
    return (c) => {
      const v = get(c)
      return v === undefined || v === null ? undefined : typeof v === 'object' ? JSON.stringify(v) : String(v)
    }
  }
  if (e === 'method.request.body') return (c) => c.body?.toString('utf8')
  return null
}
