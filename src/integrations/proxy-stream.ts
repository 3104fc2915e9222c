// The streamed half of HTTP_PROXY integrations: one proxied request on undici's dispatch API, its response
// passed down the route's response chain chunk by chunk with backpressure, the integration timeout until the
// response starts, and the backend released when the client goes away (§3.4, §6.6).

import { performance } from 'node:perf_hooks'
import type { Dispatcher } from 'undici'
import { errors as undiciErrors } from 'undici'
import type { RequestContext } from '../dataplane/context.js'
import { GatewayError } from '../errors.js'
import type { HttpApiResponseMapping } from './http-api-mapping.js'

/** Maps an undici failure to the gateway response of §6.1. */
export function upstreamError(err: unknown): GatewayError {
  if (err instanceof GatewayError) return err
  if (err instanceof undiciErrors.HeadersTimeoutError || (err as { name?: string }).name === 'TimeoutError') {
    return new GatewayError('INTEGRATION_TIMEOUT', undefined, { cause: err })
  }
  return new GatewayError('INTEGRATION_FAILURE', undefined, { cause: err })
}

/** What the proxy needs of its integration: the response headers as the client gets them, and HTTP API response mappings. */
export interface ProxySource {
  /** Fills `out` with the backend's headers as the client gets them; returns Content-Length or -1. */
  proxyHeaders(headers: Dispatcher.ResponseData['headers'], out: string[]): number
  /** HTTP APIs: the response mapping for a backend status, or null (§3.5). */
  responseMapping(status: number): HttpApiResponseMapping | null
}

function onProxyTimeout(h: ProxyHandler): void {
  h.timedOut = true
  h.controller?.abort(new Error('integration timeout'))
}

/**
 * One proxied request on undici's dispatch API: the backend's status and headers start the route's response
 * chain, body chunks go down it as they come (pausing the backend while the chain says the client is slow),
 * and the integration timeout aborts the dispatch until the response starts. A failure before the response
 * starts is answered through `ctx.runner` with its gateway error; after, the chain cuts the response. An
 * HTTP API response mapping that reads the body holds the response until it is whole (§3.5). No promise and
 * no closure per request.
 */
export class ProxyHandler implements Dispatcher.DispatchHandler {
  controller: Dispatcher.DispatchController | null = null
  timedOut = false
  ended = false
  /** The client went away before undici started the request: it is aborted as soon as it starts. */
  clientGone = false
  readonly #integration: ProxySource
  readonly #ctx: RequestContext
  readonly #timer: NodeJS.Timeout
  readonly #timeoutMs: number
  #started = false
  /** A response mapping that reads the body: status, headers and the body so far. */
  #held: { status: number; headers: Dispatcher.ResponseData['headers']; out: string[]; chunks: Buffer[] } | null = null

  constructor(integration: ProxySource, ctx: RequestContext, timeoutMs: number) {
    this.#integration = integration
    this.#ctx = ctx
    this.#timeoutMs = timeoutMs
    this.#timer = setTimeout(onProxyTimeout, timeoutMs, this)
    ctx.clientAbort = this
  }

  /** The client went away before the backend finished: stop reading it and free the connection. */
  onClientClose(): void {
    if (this.ended) return
    this.clientGone = true
    this.controller?.abort(new Error('client closed the connection'))
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller
    // The timeout may fire, or the client go away (its answer already given by the edge: a 400 for a body
    // it broke off), before undici starts the request (while it connects): abort now, or undici would wait
    // on a body that never comes.
    if (this.timedOut) controller.abort(new Error('integration timeout'))
    else if (this.clientGone) controller.abort(new Error('client closed the connection'))
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: Dispatcher.ResponseData['headers']): void {
    if (statusCode < 200) return
    clearTimeout(this.#timer)
    const ctx = this.#ctx
    ctx.integrationLatency = Math.round(performance.now() - ctx.integrationStart)
    ctx.integrationStatus = statusCode
    const out: string[] = []
    const length = this.#integration.proxyHeaders(headers, out)
    let status = statusCode
    const mapping = this.#integration.responseMapping(statusCode)
    if (mapping !== null) {
      if (mapping.readsBody(statusCode)) {
        this.#held = { status: statusCode, headers, out, chunks: [] }
        return
      }
      status = mapping.apply(ctx, { status: statusCode, headers, body: null }, out)
    }
    this.#started = true
    ctx.response.onResponseStart(ctx, status, out, length)
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.#held !== null) {
      this.#held.chunks.push(chunk)
      return
    }
    if (!this.#ctx.response.onResponseData(this.#ctx, chunk)) {
      controller.pause()
      this.#ctx.onceDrain(() => controller.resume())
    }
  }

  onResponseEnd(): void {
    this.ended = true
    const ctx = this.#ctx
    const held = this.#held
    if (held !== null) {
      // The mapping read the whole body: sent with the mapped status and headers (§3.5).
      const body = Buffer.concat(held.chunks)
      const status = this.#integration.responseMapping(held.status)!.apply(ctx, { status: held.status, headers: held.headers, body }, held.out)
      this.#started = true
      ctx.response.onResponseStart(ctx, status, held.out, body.length)
      if (body.length > 0) ctx.response.onResponseData(ctx, body)
      ctx.response.onResponseEnd(ctx)
      return
    }
    ctx.response.onResponseEnd(ctx)
  }

  onResponseError(_controller: Dispatcher.DispatchController, err: Error): void {
    this.ended = true
    clearTimeout(this.#timer)
    const ctx = this.#ctx
    if (this.#started) {
      // Mid-body: the client's response cannot be answered any more; the chain cuts it.
      ctx.response.onResponseError(ctx, err)
      return
    }
    ctx.integrationLatency = Math.round(performance.now() - ctx.integrationStart)
    ctx.integrationErrorMessage = this.timedOut ? `timed out after ${this.#timeoutMs} ms` : err.message
    ctx.runner.fail(ctx, this.timedOut ? new GatewayError('INTEGRATION_TIMEOUT', undefined, { cause: err }) : upstreamError(err))
  }
}
