// AWS's control plane on the admin port (§16): the `apigateway` (v1) paths — API keys, usage plans, REST
// APIs with their resources, methods, integrations, models, validators, authorizers, gateway responses,
// deployments, stages and tags — and the `apigatewayv2` paths (`/v2/…`: HTTP and WebSocket APIs), answering
// AWS's JSON shapes, status codes and errors. One route table mounted on AdminServer with `use`.

import { randomUUID } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Logger } from 'pino'
import type { ConfigStore } from '../../store/port/ports.js'
import type { AdminRoute } from '../admin.js'
import type { ControlPlanePorts, UsageReader } from './context.js'
import { AdminApiError, sendError, queryFlag } from './http.js'
import { checkAdminAccess, type AdminAuthConfig } from './auth.js'
import { AdminWriter } from './writes.js'
import { route, type Route } from './router.js'
import { createApiKey, deleteApiKey, getApiKey, listApiKeys, updateApiKey } from './api-keys.js'
import { createUsagePlan, deleteUsagePlan, getUsagePlan, listUsagePlans, updateUsagePlan } from './usage-plans.js'
import { createUsagePlanKey, deleteUsagePlanKey, getUsagePlanKey, listUsagePlanKeys } from './plan-keys.js'
import { getUsage, updateUsage } from './usage.js'
import { ControlPlaneThrottle, type AdminThrottle } from './throttle.js'
import { REST_ROUTES } from './rest/routes.js'
import { V2_ROUTES } from './v2/routes.js'
import { TAG_ROUTES } from './tags.js'
import { EXPORT_ROUTES } from './exports.js'
import { SDK_ROUTES } from './sdks.js'

export type { UsageReader, ControlPlanePorts, TestInvokeRequest, TestInvokeResult } from './context.js'
export type { AdminAuthConfig, AdminCredential } from './auth.js'
export type { AdminThrottle } from './throttle.js'
export { ZERO_USAGE_READER } from './usage.js'
export { ADMIN_ORIGIN } from './writes.js'

export interface AdminApiDeps {
  store: ConfigStore
  usage: UsageReader
  auth: AdminAuthConfig
  logger: Logger
  /** Clock for createdDate/lastUpdatedDate and "today" (default: the system clock). */
  now?: () => Date
  /** The account id in AWS's messages and ARNs (default 000000000000). */
  accountId?: () => string | undefined
  /** The region of API endpoints and ARNs (default us-east-1). */
  region?: () => string | undefined
  /** What the data plane lends the control plane (TestInvokeMethod, authorizer cache flushes). */
  ports?: ControlPlanePorts
  /** AWS's control-plane rate limit (`listeners.admin.throttle`): 429 TooManyRequestsException beyond it. */
  throttle?: () => AdminThrottle | undefined
}

const ROUTES: Route[] = [
  route('POST', '/apikeys', createApiKey, { body: (u) => (u.searchParams.get('mode') === 'import' ? 'csv' : undefined) }),
  route('GET', '/apikeys', listApiKeys, { reveals: (u) => queryFlag(u, 'includeValues') }),
  route('GET', '/apikeys/{apiKey}', getApiKey, { reveals: (u) => queryFlag(u, 'includeValue') }),
  route('PATCH', '/apikeys/{apiKey}', updateApiKey),
  route('DELETE', '/apikeys/{apiKey}', deleteApiKey),
  route('POST', '/usageplans', createUsagePlan),
  route('GET', '/usageplans', listUsagePlans),
  route('GET', '/usageplans/{usagePlanId}', getUsagePlan),
  route('PATCH', '/usageplans/{usagePlanId}', updateUsagePlan),
  route('DELETE', '/usageplans/{usagePlanId}', deleteUsagePlan),
  route('POST', '/usageplans/{usagePlanId}/keys', createUsagePlanKey),
  // Usage plan keys carry the key values (recorded shape).
  route('GET', '/usageplans/{usagePlanId}/keys', listUsagePlanKeys, { reveals: () => true }),
  route('GET', '/usageplans/{usagePlanId}/keys/{keyId}', getUsagePlanKey, { reveals: () => true }),
  route('DELETE', '/usageplans/{usagePlanId}/keys/{keyId}', deleteUsagePlanKey),
  route('GET', '/usageplans/{usagePlanId}/usage', getUsage),
  route('PATCH', '/usageplans/{usagePlanId}/keys/{keyId}/usage', updateUsage),
  ...REST_ROUTES,
  ...V2_ROUTES,
  ...TAG_ROUTES,
  ...EXPORT_ROUTES,
  ...SDK_ROUTES,
]

/** The media types of CSV imports (ImportApiKeys): what people send, and what the AWS SDKs send (octet-stream). */
const CSV_TYPES = new Set(['text/csv', 'application/octet-stream'])
/** The media types of OpenAPI documents (ImportRestApi, PutRestApi): JSON or YAML, or octet-stream (the SDKs' blob). */
const DEFINITION_TYPES = new Set(['application/json', 'application/octet-stream', 'application/yaml', 'application/x-yaml', 'text/yaml', 'text/x-yaml'])

/**
 * Writes take JSON bodies, as AWS's control plane does: a body of another type (or of none) is a 415. This also
 * refuses what a web page may send without a CORS preflight (text/plain, forms), whatever the Origin checks let
 * through. ImportApiKeys takes CSV, as text/csv or application/octet-stream (the AWS SDKs) or untyped (the AWS
 * CLI sends no Content-Type); ImportRestApi and PutRestApi take the OpenAPI document as JSON, YAML,
 * octet-stream or untyped. A body-less write with no Content-Type (DELETE) needs none.
 */
function checkMediaType(req: IncomingMessage, special: 'csv' | 'definition' | undefined): void {
  const header = req.headers['content-type']
  const type = header === undefined ? undefined : header.split(';')[0]!.trim().toLowerCase()
  if (special === 'csv') {
    if (type === undefined || CSV_TYPES.has(type)) return
    throw new AdminApiError(415, 'UnsupportedMediaTypeException', `Unsupported Media Type: ImportApiKeys takes the CSV as text/csv (or application/octet-stream), not ${type.slice(0, 100)}`)
  }
  if (special === 'definition') {
    if (type === undefined || DEFINITION_TYPES.has(type)) return
    throw new AdminApiError(415, 'UnsupportedMediaTypeException', `Unsupported Media Type: send the OpenAPI document as application/json or application/yaml, not ${type.slice(0, 100)}`)
  }
  if (type === 'application/json') return
  const length = req.headers['content-length']
  const hasBody = req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0')
  if (type === undefined && !hasBody) return
  throw new AdminApiError(415, 'UnsupportedMediaTypeException', `Unsupported Media Type: the admin API takes request bodies as JSON; send "Content-Type: application/json"${type === undefined ? ' with the body' : `, not ${type.slice(0, 100)}`}`)
}

/**
 * The admin API route for `AdminServer.use`: answers AWS's control-plane paths (and 405 for another method on
 * them), leaves every other path to the next handler.
 *
 * @example
 * admin.use(adminApiRoute({ store, usage: ZERO_USAGE_READER, auth: { token: () => undefined, boundHost: () => '127.0.0.1' }, logger }))
 */
export function adminApiRoute(deps: AdminApiDeps): AdminRoute {
  const writer = new AdminWriter(deps.store)
  const now = deps.now ?? (() => new Date())
  const throttle = new ControlPlaneThrottle()
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
      await checkAdminAccess(req, deps.auth, sensitive)
      throttle.admit(deps.throttle?.(), Date.now())
      if (hit.r.method !== 'GET') checkMediaType(req, hit.r.body?.(url))
      let params: string[]
      try {
        params = hit.m!.slice(1).map((p) => decodeURIComponent(p))
      } catch {
        throw new AdminApiError(400, 'BadRequestException', `Invalid percent-encoding in ${url.pathname}`)
      }
      await hit.r.handler({
        req,
        res,
        url,
        params,
        store: deps.store,
        writer,
        usage: deps.usage,
        now,
        accountId: deps.accountId?.() ?? '000000000000',
        region: deps.region?.() ?? 'us-east-1',
        ports: deps.ports ?? {},
      })
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
