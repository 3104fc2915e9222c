// The AWS-compatible control plane for API keys and usage plans on the admin port (§7.1, §7.2, §16.1): one
// route table mounted on AdminServer with `use`, answering AWS's paths, JSON shapes, status codes and errors.

import { randomUUID } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Logger } from 'pino'
import type { ConfigStore } from '../../store/port/ports.js'
import type { AdminRoute } from '../admin.js'
import type { Handler, UsageReader } from './context.js'
import { AdminApiError, sendError, queryFlag } from './http.js'
import { checkAdminAccess, type AdminAuthConfig } from './auth.js'
import { AdminWriter } from './writes.js'
import { createApiKey, deleteApiKey, getApiKey, listApiKeys, updateApiKey } from './api-keys.js'
import { createUsagePlan, deleteUsagePlan, getUsagePlan, listUsagePlans, updateUsagePlan } from './usage-plans.js'
import { createUsagePlanKey, deleteUsagePlanKey, getUsagePlanKey, listUsagePlanKeys } from './plan-keys.js'
import { getUsage, updateUsage } from './usage.js'

export type { UsageReader } from './context.js'
export type { AdminAuthConfig } from './auth.js'
export { ZERO_USAGE_READER } from './usage.js'
export { ADMIN_ORIGIN } from './writes.js'

export interface AdminApiDeps {
  store: ConfigStore
  usage: UsageReader
  auth: AdminAuthConfig
  logger: Logger
  /** Clock for createdDate/lastUpdatedDate and "today" (default: the system clock). */
  now?: () => Date
}

interface Route {
  method: string
  pattern: RegExp
  handler: Handler
  /** Reveals API key values (so it is guarded like a write on an exposed listener). */
  reveals?: (url: URL) => boolean
}

const SEGMENT = '([^/]+)'
const path = (...parts: string[]): RegExp => new RegExp(`^/${parts.join('/')}/?$`)

const ROUTES: Route[] = [
  { method: 'POST', pattern: path('apikeys'), handler: createApiKey },
  { method: 'GET', pattern: path('apikeys'), handler: listApiKeys, reveals: (u) => queryFlag(u, 'includeValues') },
  { method: 'GET', pattern: path('apikeys', SEGMENT), handler: getApiKey, reveals: (u) => queryFlag(u, 'includeValue') },
  { method: 'PATCH', pattern: path('apikeys', SEGMENT), handler: updateApiKey },
  { method: 'DELETE', pattern: path('apikeys', SEGMENT), handler: deleteApiKey },
  { method: 'POST', pattern: path('usageplans'), handler: createUsagePlan },
  { method: 'GET', pattern: path('usageplans'), handler: listUsagePlans },
  { method: 'GET', pattern: path('usageplans', SEGMENT), handler: getUsagePlan },
  { method: 'PATCH', pattern: path('usageplans', SEGMENT), handler: updateUsagePlan },
  { method: 'DELETE', pattern: path('usageplans', SEGMENT), handler: deleteUsagePlan },
  { method: 'POST', pattern: path('usageplans', SEGMENT, 'keys'), handler: createUsagePlanKey },
  // Usage plan keys carry the key values (recorded shape).
  { method: 'GET', pattern: path('usageplans', SEGMENT, 'keys'), handler: listUsagePlanKeys, reveals: () => true },
  { method: 'GET', pattern: path('usageplans', SEGMENT, 'keys', SEGMENT), handler: getUsagePlanKey, reveals: () => true },
  { method: 'DELETE', pattern: path('usageplans', SEGMENT, 'keys', SEGMENT), handler: deleteUsagePlanKey },
  { method: 'GET', pattern: path('usageplans', SEGMENT, 'usage'), handler: getUsage },
  { method: 'PATCH', pattern: path('usageplans', SEGMENT, 'keys', SEGMENT, 'usage'), handler: updateUsage },
]

/** The media types of CSV imports (ImportApiKeys): what people send, and what the AWS SDKs send (octet-stream). */
const CSV_TYPES = new Set(['text/csv', 'application/octet-stream'])

/**
 * Writes take JSON bodies, as AWS's control plane does: a body of another type (or of none) is a 415. This also
 * refuses what a web page may send without a CORS preflight (text/plain, forms), whatever the Origin checks let
 * through. ImportApiKeys takes CSV, as text/csv or application/octet-stream (the AWS SDKs) or untyped (the AWS
 * CLI sends no Content-Type). A body-less write with no Content-Type (DELETE) needs none.
 */
function checkMediaType(req: IncomingMessage, csvImport: boolean): void {
  const header = req.headers['content-type']
  const type = header === undefined ? undefined : header.split(';')[0]!.trim().toLowerCase()
  if (csvImport) {
    if (type === undefined || CSV_TYPES.has(type)) return
    throw new AdminApiError(415, 'UnsupportedMediaTypeException', `Unsupported Media Type: ImportApiKeys takes the CSV as text/csv (or application/octet-stream), not ${type.slice(0, 100)}`)
  }
  if (type === 'application/json') return
  const length = req.headers['content-length']
  const hasBody = req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0')
  if (type === undefined && !hasBody) return
  throw new AdminApiError(415, 'UnsupportedMediaTypeException', `Unsupported Media Type: the admin API takes request bodies as JSON; send "Content-Type: application/json"${type === undefined ? ' with the body' : `, not ${type.slice(0, 100)}`}`)
}

/**
 * The admin API route for `AdminServer.use`: answers the API key and usage plan paths (and 405 for another
 * method on them), leaves every other path to the next handler.
 *
 * @example
 * admin.use(adminApiRoute({ store, usage: ZERO_USAGE_READER, auth: { token: () => undefined, boundHost: () => '127.0.0.1' }, logger }))
 */
export function adminApiRoute(deps: AdminApiDeps): AdminRoute {
  const writer = new AdminWriter(deps.store)
  const now = deps.now ?? (() => new Date())
  return async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> => {
    const matches = ROUTES.map((r) => ({ r, m: r.pattern.exec(url.pathname) })).filter((x) => x.m !== null)
    if (matches.length === 0) return false
    // Every AWS control-plane answer names its request; SDKs show it as `$metadata.requestId`.
    const requestId = randomUUID()
    res.setHeader('x-amzn-RequestId', requestId)
    try {
      const hit = matches.find((x) => x.r.method === req.method)
      if (!hit) {
        const allowed = [...new Set(matches.map((x) => x.r.method))].join(', ')
        throw new AdminApiError(405, 'BadRequestException', `Method ${req.method ?? ''} is not supported on ${url.pathname}; use ${allowed}`, { Allow: allowed })
      }
      const sensitive = hit.r.method !== 'GET' || (hit.r.reveals?.(url) ?? false)
      checkAdminAccess(req, deps.auth, sensitive)
      if (hit.r.method !== 'GET') checkMediaType(req, hit.r.method === 'POST' && url.pathname.replace(/\/$/, '') === '/apikeys' && url.searchParams.get('mode') === 'import')
      let params: string[]
      try {
        params = hit.m!.slice(1).map((p) => decodeURIComponent(p))
      } catch {
        throw new AdminApiError(400, 'BadRequestException', `Invalid percent-encoding in ${url.pathname}`)
      }
      await hit.r.handler({ req, res, url, params, store: deps.store, writer, usage: deps.usage, now })
      // An audit line per change (the path names ids only, never key values).
      if (hit.r.method !== 'GET') deps.logger.info({ method: req.method, path: url.pathname, status: res.statusCode, requestId }, 'admin API change')
    } catch (err) {
      if (!(err instanceof AdminApiError)) throw err
      // The body may be unread on an early error; drain it so the connection stays usable.
      req.resume()
      sendError(res, err)
    }
    return true
  }
}
