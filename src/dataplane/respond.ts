// Writing responses: the standard headers of REST and HTTP APIs (§6.5, §3.10) and gateway errors.

import type { ServerResponse } from 'node:http'
import type { RequestContext } from './context.js'
import type { CompiledGatewayResponse, Reply } from './plan.js'
import { GATEWAY_ERRORS, GatewayError, type GatewayErrorCode } from '../errors.js'
import { addVary, compressSync, replyCompression, SYNC_COMPRESS_LIMIT, writeCompressedStream } from './compression.js'

/**
 * Appends the headers every response carries: the ids, `x-amzn-RequestId` + `x-amz-apigw-id` (REST) or
 * `apigw-requestid` (HTTP), and an explicit `Connection`. Written by us, Node adds no `Keep-Alive: timeout=…`,
 * which AWS never sends (test_apigateway_common :: test_invocation_trace_id :: normal-req-headers-MOCK).
 */
export function pushIdHeaders(ctx: RequestContext, out: string[]): void {
  if (ctx.apiKind === 'HTTP') out.push('apigw-requestid', ctx.extendedRequestId)
  else out.push('x-amzn-RequestId', ctx.requestId, 'x-amz-apigw-id', ctx.extendedRequestId)
  out.push('Connection', ctx.res.shouldKeepAlive ? 'keep-alive' : 'close')
}

/**
 * Sends a complete response with the standard headers added, compressed when the stage's
 * minimumCompressionSize and the client's Accept-Encoding allow it (§14.1).
 */
export function sendReply(ctx: RequestContext, reply: Reply): void {
  const res = ctx.res
  if (res.headersSent) {
    res.destroy()
    return
  }
  let body = typeof reply.body === 'string' ? Buffer.from(reply.body) : reply.body
  const headers: string[] = []
  let hasType = false
  for (const [k, v] of Object.entries(reply.headers)) {
    const lk = k.toLowerCase()
    if (lk === 'content-length' || lk === 'transfer-encoding' || lk === 'connection') continue
    if (lk === 'content-type') hasType = true
    headers.push(k, v)
  }
  if (reply.cookies !== undefined) for (const c of reply.cookies) headers.push('Set-Cookie', c)
  if (!hasType) headers.push('Content-Type', 'application/json')
  // HTTP APIs with CORS: every response of the stage, ours or the integration's (§3.9).
  const cors = ctx.stage?.cors
  if (cors) cors.decorate(ctx, headers)
  const compression = replyCompression(ctx, reply.status, headers, body.length)
  if (compression !== null) {
    // Large enough to compress: the response varies on Accept-Encoding whether or not this client accepts.
    addVary(headers)
    const coding = compression.coding
    if (coding !== null && body.length > SYNC_COMPRESS_LIMIT) {
      pushIdHeaders(ctx, headers)
      writeCompressedStream(ctx, reply.status, headers, coding, ctx.httpMethod === 'HEAD' ? Buffer.alloc(0) : body)
      return
    }
    if (coding !== null) {
      body = compressSync(body, coding)
      headers.push('Content-Encoding', coding)
    }
  }
  headers.push('Content-Length', String(body.length))
  pushIdHeaders(ctx, headers)
  ctx.status = reply.status
  ctx.responseLength = body.length
  res.writeHead(reply.status, headers)
  res.end(ctx.httpMethod === 'HEAD' ? undefined : body)
}

/** Answers with the stage's gateway response for `code` (or the built-in one before a stage is known). */
export function sendGatewayError(ctx: RequestContext, code: GatewayErrorCode, message: string | null | undefined, extraHeaders?: Record<string, string>): void {
  const spec = GATEWAY_ERRORS[code]
  const msg = message === undefined ? spec.message : message
  const gr: CompiledGatewayResponse | undefined = ctx.stage?.gatewayResponses.get(code)
  if (!gr) {
    sendReply(ctx, { status: spec.status, headers: { 'Content-Type': 'application/json', 'x-amzn-ErrorType': spec.errorType, ...extraHeaders }, body: JSON.stringify({ message: msg }) })
    ctx.errorType = code
    ctx.errorMessage = msg
    return
  }
  const { body, headers } = gr.render(ctx, ctx.stage!.kind === 'HTTP' ? spec.httpApiMessage : msg)
  const all: Record<string, string> = { 'Content-Type': gr.contentType }
  if (ctx.stage!.kind === 'REST') all['x-amzn-ErrorType'] = gr.errorType
  Object.assign(all, extraHeaders, headers)
  sendReply(ctx, { status: gr.status, headers: all, body })
}

export function sendError(ctx: RequestContext, err: GatewayError): void {
  sendGatewayError(ctx, err.code, err.responseMessage, err.headers)
}

/** Answers before any API or stage is known: REST-style 403 Forbidden or HTTP-style 404 Not Found. */
export function sendBare(ctx: RequestContext, status: 403 | 404, extra?: Record<string, string>): void {
  const body = status === 403 ? '{"message":"Forbidden"}' : '{"message":"Not Found"}'
  const headers: Record<string, string> = { 'Content-Type': 'application/json', ...extra }
  if (ctx.apiKind !== 'HTTP') headers['x-amzn-ErrorType'] = status === 403 ? 'ForbiddenException' : 'NotFoundException'
  sendReply(ctx, { status, headers, body })
}

export function isResponseWritable(res: ServerResponse): boolean {
  return !res.headersSent && !res.destroyed
}
