// The client writer, last handler of every response chain and the only writer of HTTP responses: the
// standard headers of REST and HTTP APIs (§6.5, §3.10), HTTP API CORS headers (§3.9), REST compression
// (§14.1) for whole and streamed bodies, byte counts for access logs; plus turning Replies, gateway errors
// and bare answers into a chain's calls.

import type { RequestContext } from './context.js'
import type { CompiledGatewayResponse, Reply, ResponseHandler } from './plan.js'
import { BARE_ANSWERS, errorSpec, responseTypeOf, type BareAnswer, type BareAnswerCode, type GatewayError, type GatewayErrorCode } from '../errors.js'
import { addVary, compressSync, compressor, hasContentEncoding, negotiateEncoding, SYNC_COMPRESS_LIMIT, type Coding } from './compression.js'
import type { Gzip, Deflate } from 'node:zlib'

/**
 * Appends the headers every response carries: the ids, `x-amzn-RequestId` + `x-amz-apigw-id` (REST) or
 * `apigw-requestid` (HTTP), and an explicit `Connection`. Written by us, Node adds no `Keep-Alive: timeout=…`,
 * which AWS never sends (test_apigateway_common :: test_invocation_trace_id :: normal-req-headers-MOCK).
 */
function pushIdHeaders(ctx: RequestContext, out: string[]): void {
  if (ctx.apiKind === 'HTTP') out.push('apigw-requestid', ctx.extendedRequestId)
  else out.push('x-amzn-RequestId', ctx.requestId, 'x-amz-apigw-id', ctx.extendedRequestId)
  out.push('Connection', ctx.exchange.keepAlive ? 'keep-alive' : 'close')
}

/** A body held back until the compression decision can be made (§14.1). */
class Held {
  readonly chunks: Buffer[] = []
  size = 0
  constructor(
    readonly status: number,
    readonly headers: string[],
    /** BUFFER: compress the whole body once it is in; PEEK: length unknown, decide at `min` bytes. */
    readonly mode: 'BUFFER' | 'PEEK',
    readonly coding: Coding,
    readonly min: number,
  ) {}
}

/** A body compressed as it streams (chunked). */
class Compressing {
  readonly z: Gzip | Deflate
  constructor(z: Gzip | Deflate) {
    this.z = z
  }
  onceDrain(fn: () => void): void {
    this.z.once('drain', fn)
  }
}

/** Direct writing with the length unknown: the bytes are counted for `$context.responseLength`. */
class Counting {
  n = 0
}

function writeHead(ctx: RequestContext, status: number, headers: string[], length: number): void {
  // An error answered while the request body is still arriving closes the connection rather than read on
  // a body nobody wants (the rest is read and dropped for a moment, so the client gets the answer).
  if (status >= 400 && ctx.exchange.bodyPending) ctx.exchange.closeAfterResponse()
  if (length >= 0) {
    headers.push('Content-Length', String(length))
    ctx.responseLength = length
  }
  pushIdHeaders(ctx, headers)
  ctx.status = status
  ctx.exchange.start(status, headers)
}

function startCompressed(ctx: RequestContext, status: number, headers: string[], coding: Coding, before: readonly Buffer[]): Compressing {
  const ex = ctx.exchange
  headers.push('Content-Encoding', coding)
  addVary(headers)
  writeHead(ctx, status, headers, -1)
  const state = new Compressing(compressor(coding))
  const z = state.z
  let n = 0
  z.on('data', (c: Buffer) => {
    n += c.length
    if (!ex.write(c)) {
      z.pause()
      ex.onceDrain(() => z.resume())
    }
  })
  z.once('end', () => {
    ctx.responseLength = n
    ex.end()
  })
  z.on('error', (err) => ex.destroy(err))
  ex.onceClose(() => {
    if (!z.writableEnded) z.destroy()
  })
  for (const c of before) z.write(c)
  ctx.writerState = state
  return state
}

/** The end of every HTTP response chain. */
export const CLIENT: ResponseHandler = {
  onResponseStart(ctx, status, headers, length) {
    const ex = ctx.exchange
    if (ctx.responseStarted || ex.started) {
      // A second response for one request: the first already went out; cut the connection.
      ex.destroy()
      return
    }
    ctx.responseStarted = true
    // HTTP APIs with CORS: every response of the stage, ours or the integration's (§3.9).
    const cors = ctx.stage?.cors
    if (cors) cors.decorate(ctx, headers)
    // REST compression (§14.1): the final method response, when at least minimumCompressionSize bytes.
    const min = ctx.stage?.minimumCompressionSize
    if (min !== undefined && min !== null && length !== 0 && status !== 204 && status !== 304 && !hasContentEncoding(headers)) {
      if (length > 0 && length >= min) {
        // Large enough to compress: the response varies on Accept-Encoding whether or not this client accepts.
        addVary(headers)
        const coding = negotiateEncoding(ctx.header('accept-encoding'))
        if (coding !== null) {
          if (length <= SYNC_COMPRESS_LIMIT || ctx.httpMethod === 'HEAD') ctx.writerState = new Held(status, headers, 'BUFFER', coding, min)
          else startCompressed(ctx, status, headers, coding, [])
          return
        }
      } else if (length < 0 && ctx.httpMethod !== 'HEAD') {
        const coding = negotiateEncoding(ctx.header('accept-encoding'))
        if (coding !== null) {
          // A streamed body of unknown size: read up to the minimum before deciding.
          ctx.writerState = new Held(status, headers, 'PEEK', coding, min)
          return
        }
        addVary(headers)
      }
    }
    if (length < 0) ctx.writerState = new Counting()
    writeHead(ctx, status, headers, length)
  },

  onResponseData(ctx, chunk) {
    const state = ctx.writerState
    if (state === null) return ctx.httpMethod === 'HEAD' ? true : ctx.exchange.write(chunk)
    if (state instanceof Counting) {
      state.n += chunk.length
      return ctx.exchange.write(chunk)
    }
    if (state instanceof Compressing) return state.z.write(chunk)
    const held = state as Held
    held.chunks.push(chunk)
    held.size += chunk.length
    if (held.mode === 'PEEK' && held.size >= held.min && held.min > 0) {
      addVary(held.headers)
      const c = startCompressed(ctx, held.status, held.headers, held.coding, held.chunks)
      held.chunks.length = 0
      return c.z.writableNeedDrain ? false : true
    }
    return true
  },

  onResponseEnd(ctx) {
    const state = ctx.writerState
    const ex = ctx.exchange
    if (state === null) {
      ex.end()
      return
    }
    if (state instanceof Counting) {
      ctx.responseLength = state.n
      ex.end()
      return
    }
    if (state instanceof Compressing) {
      state.z.end()
      return
    }
    const held = state as Held
    const all = held.chunks.length === 1 ? held.chunks[0]! : Buffer.concat(held.chunks, held.size)
    if (held.mode === 'PEEK') {
      // Ended before the minimum: sent as it is, with its length.
      if (held.size === 0 || held.size < held.min) {
        writeHead(ctx, held.status, held.headers, all.length)
        ex.end(all.length > 0 ? all : undefined)
        return
      }
      addVary(held.headers)
      startCompressed(ctx, held.status, held.headers, held.coding, [all]).z.end()
      return
    }
    const body = compressSync(all, held.coding)
    held.headers.push('Content-Encoding', held.coding)
    writeHead(ctx, held.status, held.headers, body.length)
    ex.end(ctx.httpMethod === 'HEAD' ? undefined : body)
  },

  onResponseError(ctx, err) {
    const state = ctx.writerState
    if (state instanceof Compressing) state.z.destroy()
    // Mid-body: the client's response cannot be answered any more; cut it.
    ctx.exchange.destroy(err)
  },
}

const HOP_BY_HOP_REPLY = new Set(['content-length', 'transfer-encoding', 'connection'])

/**
 * Sends a complete response through `handler` (the route's chain, or the client writer before a route is
 * known): the Reply's headers as a flat list, its cookies as `Set-Cookie`s, `Content-Type` defaulting to
 * application/json, the framing headers left to the writer.
 */
export function sendReply(ctx: RequestContext, reply: Reply, handler: ResponseHandler = ctx.response): void {
  const body = typeof reply.body === 'string' ? Buffer.from(reply.body) : reply.body
  const headers: string[] = []
  let hasType = false
  for (const k in reply.headers) {
    const lk = k.toLowerCase()
    if (HOP_BY_HOP_REPLY.has(lk)) continue
    if (lk === 'content-type') hasType = true
    headers.push(k, reply.headers[k]!)
  }
  if (reply.cookies !== undefined) for (const c of reply.cookies) headers.push('Set-Cookie', c)
  if (!hasType) headers.push('Content-Type', 'application/json')
  handler.onResponseStart(ctx, reply.status, headers, body.length)
  if (body.length > 0) handler.onResponseData(ctx, body)
  handler.onResponseEnd(ctx)
}

/** The stage's gateway response for `code` (or the built-in one before a stage is known), as a Reply. */
export function gatewayErrorReply(ctx: RequestContext, code: GatewayErrorCode, message: string | null | undefined, extraHeaders?: Record<string, string>): Reply {
  const spec = errorSpec(code)
  const msg = message === undefined ? spec.message : message
  ctx.errorType = responseTypeOf(code)
  ctx.errorMessage = msg
  const gr: CompiledGatewayResponse | undefined = ctx.stage?.gatewayResponses.get(code)
  if (!gr) {
    return { status: spec.status, headers: { 'Content-Type': 'application/json', 'x-amzn-ErrorType': spec.errorType, ...extraHeaders }, body: JSON.stringify({ message: msg }) }
  }
  const { body, headers } = gr.render(ctx, ctx.stage!.kind === 'HTTP' ? spec.httpApiMessage : msg)
  const all: Record<string, string> = { 'Content-Type': gr.contentType }
  if (ctx.stage!.kind === 'REST') all['x-amzn-ErrorType'] = gr.errorType
  Object.assign(all, extraHeaders, headers)
  return { status: gr.status, headers: all, body }
}

/** The Reply of a GatewayError. */
export function errorReply(ctx: RequestContext, err: GatewayError): Reply {
  return gatewayErrorReply(ctx, err.code, err.responseMessage, err.headers)
}

/**
 * The answer to every request of a REST integration whose request parameters map a header it cannot send
 * (§5.7): AWS's own 500 body, not the gateway response; `$context.error.*` as for API_CONFIGURATION_ERROR.
 */
export function fatalHeaderMappingReply(ctx: RequestContext, reason?: string): Reply {
  ctx.errorType = 'API_CONFIGURATION_ERROR'
  ctx.errorMessage = 'Internal server error'
  if (reason !== undefined) ctx.integrationErrorMessage = reason
  return bareReply(ctx, 'FATAL_HEADER_MAPPING')
}

/** A bare answer (no gateway-response customisation, §6.3) as a Reply; `x-amzn-ErrorType` only on REST. */
export function bareReply(ctx: RequestContext, answer: BareAnswer | BareAnswerCode): Reply {
  const a = typeof answer === 'string' ? BARE_ANSWERS[answer] : answer
  const headers: Record<string, string> = { 'Content-Type': 'application/json' }
  if (a.errorType !== null && ctx.apiKind !== 'HTTP') headers['x-amzn-ErrorType'] = a.errorType
  return { status: a.status, headers, body: a.body }
}
