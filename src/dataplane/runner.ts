// The runner: one request through the plan — host and stage resolution, the request checks of §2.2, route
// match, the route's steps (a plain loop that awaits only when a step returns a promise), the integration,
// and the response chain; gateway errors for whatever fails; metrics and the access log at the end.

import { performance } from 'node:perf_hooks'
import type { RequestContext } from './context.js'
import { ANSWERED, type GatewayPlan, type Reply, type RoutePlan, type StepResult } from './plan.js'
import { bareReply, errorReply, gatewayErrorReply, sendReply } from './respond.js'
import { GatewayError, errorSpec, incompleteSignature, notKeyValueMessage } from '../errors.js'
import { MAX_HEADER_BYTES, MAX_HEADER_COUNT, MAX_PAYLOAD, MAX_URL_LENGTH } from './limits.js'
import { normaliseTarget, targetNeedsWork } from './target.js'

export interface RunnerLogger {
  error(obj: Record<string, unknown>, msg: string): void
  warn(obj: Record<string, unknown>, msg: string): void
}

export class Runner {
  readonly #logger: RunnerLogger
  readonly #accessLog: ((line: string) => void) | null

  constructor(logger: RunnerLogger, accessLog: ((line: string) => void) | null) {
    this.#logger = logger
    this.#accessLog = accessLog
  }

  /** Runs one request on `plan` (the plan it keeps to the end, whatever is swapped in meanwhile). */
  run(plan: GatewayPlan, ctx: RequestContext): void {
    ctx.keys = plan.keys
    ctx.runner = this
    let p: Promise<void> | undefined
    try {
      p = this.#route(plan, ctx)
    } catch (err) {
      this.fail(ctx, err)
    }
    if (p !== undefined) p.catch((err: unknown) => this.fail(ctx, err))
  }

  /** Answers a failure: the gateway response of a GatewayError, or a logged 500 for anything else. */
  fail(ctx: RequestContext, err: unknown): void {
    if (ctx.responseStarted && (err instanceof GatewayError || isConnectionReset(err))) {
      // The client already has its answer, or the start of it (e.g. the edge's 408 for a stalled body): what
      // fails after it (the upload the edge gave up on, the connection it closed) only cuts the response.
      ctx.response.onResponseError(ctx, err as Error)
      return
    }
    if (err instanceof GatewayError) {
      // Our faults (5xx) are logged with why, so a user can tell a bad template from a dead backend; unless
      // whoever threw the error has reported it already (an outage is logged by its own rate-limited line).
      if (err.reported) ctx.errorLogged = true
      else if (errorSpec(err.code).fault === 'server') {
        ctx.errorLogged = true
        this.#logger.warn(
          { requestId: ctx.requestId, api: ctx.stage?.apiId, stage: ctx.stage?.stageName, route: ctx.route?.routeKey, code: err.code, reason: ctx.integrationErrorMessage ?? undefined, err: err.cause },
          `request answered with ${err.code}`,
        )
      }
      if (!ctx.responseStarted) sendReply(ctx, errorReply(ctx, err))
      else ctx.response.onResponseError(ctx, err)
      return
    }
    this.#logger.error({ err, requestId: ctx.requestId, path: ctx.rawPath }, 'unexpected error while handling a request')
    if (!ctx.responseStarted) sendReply(ctx, gatewayErrorReply(ctx, 'API_CONFIGURATION_ERROR', undefined))
    else ctx.response.onResponseError(ctx, err instanceof Error ? err : new Error(String(err)))
  }

  /**
   * HTTP's own checks (RFC 9112 §3.2: one Host; the target normalised, docs/limits.md), resolution (§0, §2.1),
   * checks (§2.2, §7.8, §6.6, §3.9), route match (§1.2, §3.2), then the pipeline.
   */
  #route(plan: GatewayPlan, ctx: RequestContext): Promise<void> | undefined {
    let headerBytes = 0
    let hosts = 0
    const raw = ctx.rawHeaders
    for (let h = 0; h < raw.length; h += 2) {
      const name = raw[h]!
      if (name.length === 4 && name.toLowerCase() === 'host') hosts++
      headerBytes += raw[h + 1]!.length
    }
    if (hosts > 1 || (targetNeedsWork(ctx.rawPath) && !normaliseTarget(ctx)) || (ctx.rawQuery !== '' && ctx.rawQuery.includes('#'))) {
      sendReply(ctx, bareReply(ctx, 'BAD_REQUEST'))
      return undefined
    }
    const resolved = plan.hosts.resolve(ctx)
    if (resolved !== 0) {
      // 200: a custom domain's reserved health check (/ping, /sping, §1.7): an empty 200.
      sendReply(ctx, resolved === 200 ? { status: 200, headers: {}, body: '' } : bareReply(ctx, resolved === 403 ? 'FORBIDDEN' : 'NOT_FOUND'))
      return undefined
    }
    const stage = ctx.stage!
    // §7.8: with client certificates optional, one the truststore does not vouch for is refused [K: 403 Forbidden].
    if (ctx.untrustedClientCert) {
      sendReply(ctx, bareReply(ctx, 'FORBIDDEN'))
      return undefined
    }
    // Size checks (§2.2, §11.2).
    const len = ctx.exchange.headers['content-length']
    if (len !== undefined && Number(len) > MAX_PAYLOAD) {
      ctx.exchange.closeAfterResponse()
      sendReply(ctx, gatewayErrorReply(ctx, 'REQUEST_TOO_LARGE', undefined))
      return undefined
    }
    if (ctx.exchange.url.length > MAX_URL_LENGTH) {
      sendReply(ctx, bareReply(ctx, 'URI_TOO_LONG'))
      return undefined
    }
    // node:http keeps at most MAX_HEADER_COUNT + 1 lines: one more than the limit means more were sent.
    if (headerBytes > MAX_HEADER_BYTES || raw.length > 2 * MAX_HEADER_COUNT) {
      sendReply(ctx, bareReply(ctx, 'HEADERS_TOO_LARGE'))
      return undefined
    }
    // X-HTTP-Method-Override changes the method used for routing on REST APIs (§6.6).
    if (stage.kind === 'REST') {
      const override = ctx.exchange.headers['x-http-method-override']
      if (typeof override === 'string' && override !== '') ctx.httpMethod = override.toUpperCase()
    }
    // HTTP APIs with CORS answer preflights themselves, routes or not, without authorizers or integrations (§3.9).
    if (stage.cors !== null) {
      const preflight = stage.cors.preflight(ctx)
      if (preflight !== null) {
        sendReply(ctx, preflight)
        return undefined
      }
    }
    const match = stage.router.find(ctx.path, ctx.httpMethod)
    let route: RoutePlan | null
    if (match) {
      route = match.value
      ctx.pathParams = match.params
    } else route = stage.defaultRoute
    if (route === null) {
      if (stage.kind === 'HTTP') {
        sendReply(ctx, bareReply(ctx, 'NOT_FOUND'))
        return undefined
      }
      // §1.2: a non-SigV4 Authorization header on an unmatched request gives IncompleteSignatureException.
      const auth = ctx.header('authorization')
      if (auth !== undefined && auth !== '' && !auth.startsWith('AWS4-HMAC-SHA256 ')) {
        sendReply(ctx, bareReply(ctx, incompleteSignature(notKeyValueMessage(auth))))
        return undefined
      }
      sendReply(ctx, gatewayErrorReply(ctx, 'MISSING_AUTHENTICATION_TOKEN', undefined))
      return undefined
    }
    ctx.route = route
    ctx.response = route.response
    return runSteps(ctx, route, 0)
  }

  /** Metrics and the access-log line of a finished (or abandoned) request. */
  finish(ctx: RequestContext): void {
    const stage = ctx.stage
    if (stage === null) return
    const metrics = ctx.route?.metrics ?? stage.unmatchedMetrics
    const status = ctx.status
    // A 5xx an integration answered itself (e.g. a malformed Lambda proxy result) is logged with why.
    if (status >= 500 && !ctx.errorLogged && ctx.integrationErrorMessage !== null) {
      this.#logger.warn({ requestId: ctx.requestId, route: ctx.route?.routeKey, status, reason: ctx.integrationErrorMessage }, `request answered with ${status}`)
    }
    metrics.count()
    metrics.latency(performance.now() - ctx.startMark)
    if (ctx.integrationLatency >= 0) metrics.integrationLatency(ctx.integrationLatency)
    metrics.error4xx(status >= 400 && status < 500 ? 1 : 0)
    metrics.error5xx(status >= 500 ? 1 : 0)
    if (this.#accessLog !== null && stage.accessLog !== null) {
      try {
        this.#accessLog(stage.accessLog.format(ctx))
      } catch (err) {
        this.#logger.warn({ err, requestId: ctx.requestId }, 'access log formatting failed')
      }
    }
  }
}

/** The error a request stream ends with when its connection went away (node:http's `aborted`). */
function isConnectionReset(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | null)?.code === 'ECONNRESET'
}

/** The step loop: awaits only when a step returns a promise; a Reply answers through the route's chain. */
function runSteps(ctx: RequestContext, route: RoutePlan, from: number): Promise<void> | undefined {
  const steps = route.steps
  for (let s = from; s < steps.length; s++) {
    const step = steps[s]!
    if (step.request === undefined) continue
    const r = step.request(ctx)
    if (r === undefined) continue
    if (r === ANSWERED) return undefined
    if (r instanceof Promise) return afterStep(ctx, route, s, r)
    sendReply(ctx, r)
    return undefined
  }
  return integrate(ctx, route)
}

async function afterStep(ctx: RequestContext, route: RoutePlan, s: number, pending: Promise<unknown>): Promise<void> {
  const reply = (await pending) as StepResult
  if (reply === ANSWERED) return
  if (reply !== undefined) sendReply(ctx, reply)
  else await runSteps(ctx, route, s + 1)
}

/** The integration; a streaming one that took the response over returns nothing to wait for. */
function integrate(ctx: RequestContext, route: RoutePlan): Promise<void> | undefined {
  const pending = route.integration.handle(ctx)
  return pending === undefined ? undefined : sendWhenDone(ctx, pending)
}

async function sendWhenDone(ctx: RequestContext, pending: Promise<Reply | undefined>): Promise<void> {
  const reply = await pending
  if (reply !== undefined) sendReply(ctx, reply)
}
