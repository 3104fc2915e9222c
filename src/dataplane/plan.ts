// The compiled plan the data plane serves: frozen routing tables and per-route step lists, built by the
// compiler (src/controlplane/compile) from deployments × stages and swapped in whole on every change.

import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Router } from './router.js'
import type { RequestContext } from './context.js'
import type { GatewayErrorCode } from '../errors.js'
import type { KeyIndex } from './keys.js'

/** What a step may answer instead of going on: a complete response. */
export interface Reply {
  status: number
  headers: Record<string, string>
  body: Buffer | string
  /** Each becomes its own `Set-Cookie` header. */
  cookies?: string[]
}

/**
 * One unit of the request pipeline, compiled once per route at deploy time. `request` returns
 * undefined to go on, a Reply to answer, or throws a GatewayError. Steps never import node:http,
 * a concrete store or another step.
 */
export interface Step {
  readonly name: string
  request?(ctx: RequestContext): undefined | Reply | Promise<undefined | Reply>
}

/**
 * The kinds of step, in the order they run, with the reason for each position (docs/aws-behaviour.md §2).
 * Later issues add their step kinds at these positions; the compiler sorts a route's steps by this table.
 */
export const STEP_ORDER = [
  ['policy', 'resource policy and WAF run first: they decide on the caller before any credential is read (§2.3, §7.6)'],
  ['auth', 'authentication and authorization by the method’s authorizationType (§2.5)'],
  ['apikey', 'API keys are checked after authorization, which may supply the key (AUTHORIZER source, §2.6)'],
  ['throttle', 'usage-plan, stage and account limits need the key to pick the plan (§2.7)'],
  ['validate', 'request validation only for callers that are admitted (§2.8, §9)'],
  ['cache', 'a cache hit skips the integration but still goes through response handling (§2.9, §8)'],
  ['transform', 'parameter mapping and templates build the integration request (§2.10, §5)'],
] as const

export type StepKind = (typeof STEP_ORDER)[number][0]

/** The backend call of a route. It writes the response itself (proxy streaming) or throws a GatewayError. */
export interface IntegrationHandler {
  readonly type: string
  handle(ctx: RequestContext): Promise<void>
}

/** A compiled gateway response (§6.1–6.2) for one type, within one stage. */
export interface CompiledGatewayResponse {
  readonly type: string
  readonly status: number
  readonly errorType: string
  readonly contentType: string
  /** Renders body and headers for a request context and an error message. */
  render(ctx: RequestContext | null, message: string | null): { body: string; headers: Record<string, string> }
}

export interface MetricsHandle {
  count(): void
  latency(ms: number): void
  integrationLatency(ms: number): void
  error4xx(v: 0 | 1): void
  error5xx(v: 0 | 1): void
}

export interface RoutePlan {
  /** REST: the resource path template (`/pets/{id}`); HTTP: the route path (`/pets/{id}` or `$default`). */
  readonly resourcePath: string
  readonly resourceId: string
  /** The method key that matched: an HTTP verb or `ANY`. */
  readonly httpMethod: string
  /** HTTP APIs: `GET /pets/{id}` or `$default`; REST: `${httpMethod} ${resourcePath}`. */
  readonly routeKey: string
  readonly operationName: string | undefined
  readonly steps: readonly Step[]
  readonly integration: IntegrationHandler
  readonly metrics: MetricsHandle
}

/** An HTTP API stage's CORS configuration, compiled (§3.9; src/dataplane/cors.ts). */
export interface StageCors {
  /** The gateway's own answer to a preflight (OPTIONS + Origin + Access-Control-Request-Method); null for other requests. */
  preflight(ctx: RequestContext): Reply | null
  /** Rewrites a response's flat header list: backend CORS headers dropped, the configured ones added for an allowed origin. */
  decorate(ctx: RequestContext, headers: string[]): void
}

export interface AccessLogFormatter {
  format(ctx: RequestContext): string
}

export interface StagePlan {
  readonly kind: 'REST' | 'HTTP'
  readonly apiId: string
  readonly apiName: string
  readonly stageName: string
  readonly deploymentId: string
  readonly variables: Readonly<Record<string, string>>
  /** `null` in events when the stage has no variables (§1.6). */
  readonly hasVariables: boolean
  readonly router: Router<RoutePlan>
  /** HTTP APIs: the `$default` route, if any. */
  readonly defaultRoute: RoutePlan | null
  readonly gatewayResponses: ReadonlyMap<string, CompiledGatewayResponse>
  readonly accessLog: AccessLogFormatter | null
  readonly binaryMediaTypes: readonly string[]
  /** REST: responses of at least this many bytes are compressed (§14.1); null (and HTTP APIs): never. */
  readonly minimumCompressionSize: number | null
  /** Metrics for requests that match no route (labelled with the stage only). */
  readonly unmatchedMetrics: MetricsHandle
  /** HTTP APIs with a corsConfiguration: preflights answered before route matching, CORS headers on responses; otherwise null. */
  readonly cors: StageCors | null
}

export interface ApiPlan {
  readonly id: string
  readonly name: string
  readonly kind: 'REST' | 'HTTP'
  readonly disableExecuteApiEndpoint: boolean
  /** Named stages; the HTTP `$default` stage is `defaultStage`, not in this map. */
  readonly stages: ReadonlyMap<string, StagePlan>
  readonly defaultStage: StagePlan | null
}

export interface GatewayPlan {
  readonly revision: number
  readonly apis: ReadonlyMap<string, ApiPlan>
  /** The API answering on hosts that name none (bare localhost): the only one, or the one marked default. */
  readonly defaultApi: ApiPlan | null
  /** API keys and the usage plans that bind them to stages. */
  readonly keys: KeyIndex
  /** Problems met while compiling (a route that cannot run, etc.): logged, never fatal. */
  readonly warnings: readonly string[]
}

/** What the data plane hands an integration or step besides the context: nothing node:http-specific leaks. */
export type RawRequest = IncomingMessage
export type RawResponse = ServerResponse

export type ErrorCode = GatewayErrorCode
