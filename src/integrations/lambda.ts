// Lambda integrations on our function runtime: REST `AWS_PROXY` (payload 1.0), HTTP API `AWS_PROXY`
// (payload 1.0 or 2.0) and REST `AWS` non-proxy (request template → event, result or error →
// integration-response selection by errorMessage, §1.5, §4.8).

import { performance } from 'node:perf_hooks'
import type { RequestContext } from '../dataplane/context.js'
import type { IntegrationHandler, Reply } from '../dataplane/plan.js'
import { GatewayError } from '../errors.js'
import { bareReply, fatalHeaderMappingReply } from '../dataplane/respond.js'
import { acceptIsBinary, buildV1Event, buildV2Event, MalformedProxyResponse, readV1Result, readV2Result, traceIdOf } from '../mapping/lambda-events.js'
import type { IntegrationResponseSelector } from './responses.js'
import { compileRequestSource, type ParamGetter } from '../dataplane/param-source.js'
import { functionTarget, type FunctionInvoker } from '../mapping/function-target.js'
import { applyToLambdaEvent, headerList, headerRecord, type HttpApiRequestMapping, type HttpApiResponseMapping } from './http-api-mapping.js'

/** Errors a FunctionInvoker throws, recognised by name so this module needs no import of the runtime. */
function invokeFailure(err: unknown, ctx: RequestContext): GatewayError {
  const name = (err as { name?: string }).name
  ctx.integrationErrorMessage = (err as Error).message ?? String(err)
  // A missing function, a throttled one ([K] §4.2: AWS logs "Execution failed due to configuration error"),
  // or anything else the runtime refuses is a 500 Internal server error.
  if (name === 'TooManyRequestsError' || name === 'FunctionNotFoundError') return new GatewayError('API_CONFIGURATION_ERROR', undefined, { cause: err })
  return new GatewayError('API_CONFIGURATION_ERROR', undefined, { cause: err })
}

/**
 * REST responses from Lambda integrations carry the request's X-Amzn-Trace-Id (§6.5), unless the function set its
 * own: recorded in test_apigateway_lambda :: test_aws_proxy_response_payload_format_validation (invoke-api-with-headers).
 */
function withTraceId(ctx: RequestContext, reply: Reply): Reply {
  for (const k of Object.keys(reply.headers)) if (k.toLowerCase() === 'x-amzn-trace-id') return reply
  return { ...reply, headers: { ...reply.headers, 'X-Amzn-Trace-Id': traceIdOf(ctx) } }
}

/**
 * Header names a REST Lambda integration (AWS_PROXY or AWS) cannot take a request-parameter mapping onto: every
 * request then fails with 500 FATAL_HEADER_MAPPING, the function never called. Recorded for each of these names,
 * on both types, in test_apigateway_integrations :: TestApiGatewayHeaderRemapping::test_apigateway_header_remapping_aws;
 * other header mappings are accepted (and AWS_PROXY ignores them, §4.1). HTTP integrations fail on fewer (http.ts).
 */
const LAMBDA_MAPPING_FATAL = new Set(['content-length', 'transfer-encoding', 'authorization', 'connection', 'expect', 'proxy-authenticate', 'te'])

/** Whether REST `requestParameters` map a header onto one of LAMBDA_MAPPING_FATAL. */
function hasFatalHeaderMapping(requestParameters: Readonly<Record<string, string>> | undefined): boolean {
  for (const key of Object.keys(requestParameters ?? {})) {
    const m = /^integration\.request\.header\.(.+)$/.exec(key)
    if (m && LAMBDA_MAPPING_FATAL.has(m[1]!.toLowerCase())) return true
  }
  return false
}

const FATAL_MAPPING_REASON = 'a request parameter maps a header API Gateway cannot send to Lambda'

async function invoke(invoker: FunctionInvoker, target: string, event: unknown, ctx: RequestContext, timeoutMs: number) {
  ctx.integrationStart = performance.now()
  let timer: NodeJS.Timeout | undefined
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new GatewayError('INTEGRATION_TIMEOUT', undefined)), timeoutMs)
    })
    return await Promise.race([invoker.invoke(target, event, { requestId: ctx.requestId }), timeout])
  } catch (err) {
    if (err instanceof GatewayError) throw err
    throw invokeFailure(err, ctx)
  } finally {
    clearTimeout(timer)
    ctx.integrationLatency = Math.round(performance.now() - ctx.integrationStart)
  }
}

export interface LambdaProxyConfig {
  apiKind: 'REST' | 'HTTP'
  uri: string
  /** The stage's variables, filled into the URI at compile time. */
  stageVariables: Readonly<Record<string, string>>
  /** REST: the integration's httpMethod; anything but POST fails every invocation (§4.1). */
  httpMethod?: string | undefined
  payloadFormatVersion: '1.0' | '2.0'
  timeoutMs: number
  binaryMediaTypes: readonly string[]
  /**
   * REST: the integration's `requestParameters`. AWS_PROXY does not apply them (the event carries the client's
   * request, §4.1), but a header mapping in LAMBDA_MAPPING_FATAL fails every request.
   */
  requestParameters?: Readonly<Record<string, string>>
  /** HTTP APIs: parameter mapping of the event and of the function's response (§3.5). */
  requestMapping?: HttpApiRequestMapping | null
  responseMapping?: HttpApiResponseMapping | null
}

export class LambdaProxyIntegration implements IntegrationHandler {
  readonly type = 'AWS_PROXY'
  readonly #cfg: LambdaProxyConfig
  readonly #invoker: FunctionInvoker
  readonly #target: string
  readonly #fatalMapping: boolean

  constructor(cfg: LambdaProxyConfig, invoker: FunctionInvoker) {
    this.#cfg = cfg
    this.#invoker = invoker
    this.#target = functionTarget(cfg.uri, cfg.stageVariables)
    this.#fatalMapping = cfg.apiKind === 'REST' && hasFatalHeaderMapping(cfg.requestParameters)
  }

  describe(): unknown {
    return { type: this.type, function: this.#target, payloadFormatVersion: this.#cfg.payloadFormatVersion, timeoutMs: this.#cfg.timeoutMs }
  }

  async handle(ctx: RequestContext): Promise<Reply> {
    if (this.#fatalMapping) return fatalHeaderMappingReply(ctx, FATAL_MAPPING_REASON)
    const cfg = this.#cfg
    if (cfg.apiKind === 'REST' && cfg.httpMethod !== undefined && cfg.httpMethod.toUpperCase() !== 'POST') {
      ctx.integrationErrorMessage = `Lambda integrations must use POST, not ${cfg.httpMethod}`
      throw new GatewayError('API_CONFIGURATION_ERROR', undefined)
    }
    // Proxy events carry the body as received (base64 when binary, §4.1).
    await ctx.rawBody()
    const event = cfg.payloadFormatVersion === '2.0' ? buildV2Event(ctx) : buildV1Event(ctx, { httpApi: cfg.apiKind === 'HTTP', binaryMediaTypes: cfg.binaryMediaTypes })
    if (cfg.requestMapping) applyToLambdaEvent(cfg.requestMapping, ctx, event)
    const result = await invoke(this.#invoker, this.#target, event, ctx, cfg.timeoutMs)
    if (result.functionError) {
      ctx.integrationStatus = 200
      ctx.integrationErrorMessage = `${result.functionError.errorType}: ${result.functionError.errorMessage}`
      return this.#malformed(ctx)
    }
    ctx.integrationStatus = 200
    let reply: Reply
    try {
      reply = cfg.payloadFormatVersion === '2.0' ? readV2Result(result.payload) : readV1Result(result.payload, cfg.apiKind === 'HTTP' || acceptIsBinary(ctx, cfg.binaryMediaTypes))
    } catch (err) {
      if (!(err instanceof MalformedProxyResponse)) throw err
      ctx.integrationErrorMessage = err.message
      return this.#malformed(ctx)
    }
    const mapping = cfg.responseMapping
    if (mapping && mapping.has(reply.status)) {
      // The function's status, headers and body stand for the backend's (§3.5).
      const headers = headerList(reply.headers)
      const lower: Record<string, string> = {}
      for (const [k, v] of Object.entries(reply.headers)) lower[k.toLowerCase()] = v
      const body = typeof reply.body === 'string' ? Buffer.from(reply.body) : reply.body
      const status = mapping.apply(ctx, { status: reply.status, headers: lower, body }, headers)
      reply = { ...reply, status, headers: headerRecord(headers) }
    }
    return cfg.apiKind === 'REST' ? withTraceId(ctx, reply) : reply
  }

  /** REST: 502 MALFORMED_PROXY_RESPONSE without x-amzn-ErrorType (§4.2); HTTP APIs: 500 (src/errors.ts BARE_ANSWERS). */
  #malformed(ctx: RequestContext): Reply {
    if (this.#cfg.apiKind === 'HTTP') return bareReply(ctx, 'HTTP_API_INTERNAL_ERROR')
    const gr = ctx.stage?.gatewayResponses.get('API_CONFIGURATION_ERROR')
    if (!gr) return bareReply(ctx, 'MALFORMED_PROXY_RESPONSE')
    const { body, headers } = gr.render(ctx, 'Internal server error')
    // A customised DEFAULT_5XX status applies; otherwise AWS's 502 for a malformed proxy response.
    return { status: gr.status === 500 ? 502 : gr.status, headers: { 'Content-Type': gr.contentType, ...headers }, body }
  }
}

export interface LambdaConfig {
  uri: string
  /** The stage's variables, filled into the URI at compile time. */
  stageVariables: Readonly<Record<string, string>>
  timeoutMs: number
  responses: IntegrationResponseSelector
  /** `integration.request.header.X-Amz-Invocation-Type` mapping, if any (§4.8, §19.5). */
  invocationType?: string | undefined
  /** The integration's `requestParameters`: a header mapping in LAMBDA_MAPPING_FATAL fails every request. */
  requestParameters?: Readonly<Record<string, string>>
}

/** REST `AWS` integration with a Lambda URI (non-proxy, §4.8). */
export class LambdaIntegration implements IntegrationHandler {
  readonly type = 'AWS'
  readonly #cfg: LambdaConfig
  readonly #invoker: FunctionInvoker
  readonly #target: string
  readonly #invocationType: ParamGetter | null
  readonly #fatalMapping: boolean

  constructor(cfg: LambdaConfig, invoker: FunctionInvoker) {
    this.#cfg = cfg
    this.#invoker = invoker
    this.#target = functionTarget(cfg.uri, cfg.stageVariables)
    this.#invocationType = cfg.invocationType === undefined ? null : compileRequestSource(cfg.invocationType)
    this.#fatalMapping = hasFatalHeaderMapping(cfg.requestParameters)
  }

  describe(): unknown {
    return { type: this.type, function: this.#target, timeoutMs: this.#cfg.timeoutMs, ...(this.#invocationType ? { invocationType: this.#cfg.invocationType } : {}), responses: this.#cfg.responses.describe() }
  }

  async handle(ctx: RequestContext): Promise<Reply> {
    if (this.#fatalMapping) return fatalHeaderMappingReply(ctx, FATAL_MAPPING_REASON)
    const cfg = this.#cfg
    // The transform step converted and rendered the body (§5.9, §14.2).
    const payload = ctx.payload ?? (await ctx.body())
    const text = ctx.transformed ?? payload.toString('utf8')
    let event: unknown = {}
    if (text.trim() !== '') {
      try {
        event = JSON.parse(text)
      } catch {
        // Lambda refuses a payload that is not JSON (InvalidRequestContentException): a 500 here [K].
        ctx.integrationErrorMessage = 'Could not parse request body into json'
        throw new GatewayError('API_CONFIGURATION_ERROR', undefined)
      }
    }
    const target = this.#target
    if (this.#invocationType?.(ctx) === 'Event') {
      // Asynchronous invocation: the client gets the default response at once, with an empty body.
      ctx.integrationStatus = 202
      void this.#invoker.invoke(target, event, { requestId: ctx.requestId }).catch(() => undefined)
      return withTraceId(ctx, cfg.responses.select(null, ctx, {}, Buffer.alloc(0)))
    }
    const result = await invoke(this.#invoker, target, event, ctx, cfg.timeoutMs)
    if (result.functionError) {
      const e = result.functionError
      ctx.integrationStatus = 200
      ctx.integrationErrorMessage = e.errorMessage
      // The unmapped error body is Lambda's error document as it is (§1.5).
      const body = JSON.stringify({ errorMessage: e.errorMessage, errorType: e.errorType, requestId: result.requestId, stackTrace: e.stackTrace ?? [] })
      return withTraceId(ctx, cfg.responses.select(e.errorMessage, ctx, {}, Buffer.from(body)))
    }
    ctx.integrationStatus = 200
    const body = Buffer.from(JSON.stringify(result.payload ?? null))
    return withTraceId(ctx, cfg.responses.select(null, ctx, {}, body))
  }
}
