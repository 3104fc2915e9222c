// The admin API's route table: AWS's request URIs (`/restapis/{restApiId}/resources/{resourceId}`) as anchored
// patterns, each with its handler. A label matches one path segment (still percent-encoded; the router
// decodes it), a greedy label `{name+}` the rest of the path.

import type { Handler } from './context.js'

export interface Route {
  method: string
  pattern: RegExp
  handler: Handler
  /** Reveals API key values (so it is guarded like a write on an exposed listener). */
  reveals?: (url: URL) => boolean
  /**
   * What the request body may be besides JSON: `csv` (ImportApiKeys), `definition` (an OpenAPI document,
   * JSON or YAML: ImportRestApi, PutRestApi), decided per request (`mode=import`).
   */
  body?: (url: URL) => 'csv' | 'definition' | undefined
}

/**
 * A route for one AWS operation.
 * @example route('GET', '/restapis/{restApiId}/resources/{resourceId}', getResource)
 */
export function route(method: string, template: string, handler: Handler, extra: Pick<Route, 'reveals' | 'body'> = {}): Route {
  const source = template
    .split('/')
    .map((part) => (part === '' ? '' : /^\{[A-Za-z]+\+\}$/.test(part) ? '(.+)' : /^\{[A-Za-z]+\}$/.test(part) ? '([^/]+)' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/')
  return { method, pattern: new RegExp(`^${source}/?$`), handler, ...extra }
}
