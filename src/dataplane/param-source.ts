// Parameter-mapping source expressions of REST APIs (§5.7, §5.8, §6.2): `'static'`,
// `method.request.{path|querystring|header|multivaluequerystring|multivalueheader}.{name}`,
// `method.request.body[.{JSONPath}]`, `stageVariables.{name}`, `context.{var}` — compiled to getters once
// per deployment.

import type { RequestContext } from './context.js'
import { contextGetter } from './context-vars.js'
import { compileJsonPath, type CompiledJsonPath } from '../vtl/jsonpath.js'

export type ParamGetter = (ctx: RequestContext) => string | undefined

/** Whether a source expression reads the request body, so a streaming (proxy) integration must buffer it. */
export function readsRequestBody(expr: string): boolean {
  const e = expr.trim()
  return e === 'method.request.body' || e.startsWith('method.request.body.')
}

const NOT_JSON = Symbol('not JSON')
const parsedBodies = new WeakMap<Buffer, unknown>()

/** A body parsed as JSON once however many mappings read it; NOT_JSON when it is not JSON. */
function parsedBody(body: Buffer): unknown {
  let doc = parsedBodies.get(body)
  if (doc === undefined && !parsedBodies.has(body)) {
    try {
      doc = JSON.parse(body.toString('utf8')) as unknown
    } catch {
      doc = NOT_JSON
    }
    parsedBodies.set(body, doc)
  }
  return doc
}

/**
 * Compiles `a.b[0].c` (a JSONPath without its `$.`, as `method.request.body.{path}` and
 * `integration.response.body.{path}` write it) into a reader of a JSON body. A string result is the value
 * itself; objects, arrays, numbers and booleans are their JSON text; no match, `null` or a body that is not
 * JSON give undefined, so the parameter is left out ([K] §5.7). Throws for a path that does not parse.
 */
export function compileBodyPath(path: string): (body: Buffer | null) => string | undefined {
  const jp: CompiledJsonPath = compileJsonPath(path.startsWith('[') ? '$' + path : '$.' + path)
  return (body) => {
    if (body === null || body.length === 0) return undefined
    const doc = parsedBody(body)
    if (doc === NOT_JSON) return undefined
    const v = jp.evaluate(doc)
    if (v === undefined || v === null) return undefined
    return typeof v === 'string' ? v : JSON.stringify(v)
  }
}

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
          const v = c.exchange.headers[lower]
          return Array.isArray(v) ? v[v.length - 1] : v
        }
      }
      default: {
        const lower = name.toLowerCase()
        return (c) => {
          const v = c.exchange.headers[lower]
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
  if (e === 'method.request.body') return (c) => c.bodyBytes?.toString('utf8')
  m = /^method\.request\.body\.(.+)$/.exec(e)
  if (m) {
    let read: (body: Buffer | null) => string | undefined
    try {
      read = compileBodyPath(m[1]!)
    } catch {
      return null
    }
    return (c) => read(c.bodyBytes)
  }
  return null
}
