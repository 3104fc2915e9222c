// Access logs (§11.6): a stage's `accessLogSettings.format` with `$context.*` variables, compiled once per
// stage; unresolved variables print `-`. One line per request.

import type { AccessLogFormatter } from '../dataplane/plan.js'
import { compileSubstitution } from '../dataplane/context-vars.js'

/** Our default when a stage sets no format: AWS's JSON console example with the latencies added. */
export const DEFAULT_REST_ACCESS_LOG_FORMAT =
  '{"requestId":"$context.requestId","ip":"$context.identity.sourceIp","requestTime":"$context.requestTime","httpMethod":"$context.httpMethod","resourcePath":"$context.resourcePath","status":"$context.status","protocol":"$context.protocol","responseLength":"$context.responseLength","integrationLatency":"$context.integrationLatency","responseLatency":"$context.responseLatency"}'
/** HTTP APIs log the route key instead of the resource path (§11.6). */
export const DEFAULT_HTTP_ACCESS_LOG_FORMAT =
  '{"requestId":"$context.requestId","ip":"$context.identity.sourceIp","requestTime":"$context.requestTime","httpMethod":"$context.httpMethod","routeKey":"$context.routeKey","status":"$context.status","protocol":"$context.protocol","responseLength":"$context.responseLength","integrationLatency":"$context.integrationLatency","responseLatency":"$context.responseLatency"}'

/** JSON-ish formats get their substituted values escaped so a quote in a path cannot break the line. */
function jsonEscape(v: string): string {
  const s = JSON.stringify(v)
  return s.slice(1, -1)
}

export function compileAccessLog(format: string): AccessLogFormatter {
  const oneLine = format.replace(/[\r\n]+/g, ' ')
  const looksJson = oneLine.trimStart().startsWith('{')
  const render = compileSubstitution(oneLine, '-', looksJson ? jsonEscape : undefined)
  return { format: render }
}
