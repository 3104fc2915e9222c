// The `requestContext` of AWS's WebSocket events and the `$context` of their templates (§4.6, §10.6), shared by
// the integrations and `$connect`'s Lambda authorizer event: the route, event type, ids, times, identity
// (with what `$connect`'s access control added: API key, IAM caller) and the authorizer's result.

import { formatRequestTime } from '../context.js'
import type { WsConnectionInfo, WsEventType, WsRequest, WsStagePlan } from './plan.js'

/** The request context of one event of a connection. */
export function wsContextOf(
  c: WsConnectionInfo,
  stage: WsStagePlan,
  e: { routeKey: string; eventType: WsEventType; messageId: string | null; requestId: string; extendedRequestId: string; requestTimeEpoch: number },
): Record<string, unknown> {
  const grant = c.grant
  const rc: Record<string, unknown> = {
    routeKey: e.routeKey,
    ...(grant?.authorizer ? { authorizer: grant.authorizer } : {}),
    ...(e.messageId !== null ? { messageId: e.messageId } : {}),
    eventType: e.eventType,
    extendedRequestId: e.extendedRequestId,
    requestTime: formatRequestTime(e.requestTimeEpoch),
    messageDirection: 'IN',
    stage: stage.stageName,
    connectedAt: c.connectedAt,
    requestTimeEpoch: e.requestTimeEpoch,
    identity: grant?.identity ? { ...grant.identity, sourceIp: c.sourceIp, userAgent: c.userAgent } : { sourceIp: c.sourceIp, userAgent: c.userAgent },
    requestId: e.requestId,
    domainName: c.domainName,
    connectionId: c.connectionId,
    apiId: stage.apiId,
  }
  return rc
}

/** The `requestContext` of AWS's WebSocket events, and the `$context` of templates (§4.6, §10.6). */
export function wsRequestContext(req: WsRequest): Record<string, unknown> {
  const rc = wsContextOf(req.conn, req.stage, req)
  if (req.eventType === 'DISCONNECT') {
    rc.disconnectStatusCode = req.disconnectStatusCode ?? 1005
    rc.disconnectReason = req.disconnectReason ?? ''
  }
  return rc
}
