// Access logs (§11.6): a stage's `accessLogSettings.format` with `$context.*` variables, compiled once per
// stage; unresolved variables print `-`. One line per request.

import type { AccessLogFormatter } from '../dataplane/plan.js'
import type { WsAccessLogFormatter } from '../dataplane/websocket/plan.js'
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

/** WebSocket stages (§11.6): one line per connect, message and disconnect, with the connection and event. */
export const DEFAULT_WS_ACCESS_LOG_FORMAT =
  '{"requestId":"$context.requestId","ip":"$context.identity.sourceIp","requestTime":"$context.requestTime","eventType":"$context.eventType","routeKey":"$context.routeKey","connectionId":"$context.connectionId","messageId":"$context.messageId","status":"$context.status","integrationLatency":"$context.integrationLatency"}'

/**
 * A WebSocket stage's access-log format, compiled once: `$context.x` (or `${context.x}`) variables are
 * looked up through the `value` function a log line is formatted with; unresolved ones print `-`.
 */
export function compileWsAccessLog(format: string): WsAccessLogFormatter {
  const oneLine = format.replace(/[\r\n]+/g, ' ')
  const escape = oneLine.trimStart().startsWith('{') ? jsonEscape : (v: string) => v
  const texts: string[] = []
  const names: string[] = []
  const re = /\$\{context\.([A-Za-z0-9_.-]+)\}|\$context\.([A-Za-z0-9_]+(?:\.[A-Za-z0-9_-]+)*)/g
  let last = 0
  for (let m = re.exec(oneLine); m !== null; m = re.exec(oneLine)) {
    texts.push(oneLine.slice(last, m.index))
    names.push((m[1] ?? m[2])!)
    last = m.index + m[0].length
  }
  texts.push(oneLine.slice(last))
  return {
    format(value) {
      let out = texts[0]!
      for (let i = 0; i < names.length; i++) {
        const v = value(names[i]!)
        out += (v === undefined || v === '' ? '-' : escape(v)) + texts[i + 1]!
      }
      return out
    },
  }
}
