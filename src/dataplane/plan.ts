// The compiled plan the data plane serves, and the contracts of what runs inside it: steps, integrations and
// the response chain. The compiler (src/controlplane/compile) builds plans from deployments × stages with
// the factories of src/steps and src/integrations; a plan is frozen and swapped in whole on every change.

import type { DomainTable, TlsTable } from './domains.js'
import type { Router } from './router.js'
import type { RequestContext } from './context.js'
import type { KeyIndex } from './keys.js'
import type { WsApiTable } from './websocket/plan.js'
import type { Api, Integration, IntegrationV2, Method, Resource, Route, Stage } from '../model/types.js'

/** A complete response: what a step may answer instead of going on, and what a buffering integration returns. */
export interface Reply {
  status: number
  headers: Record<string, string>
  body: Buffer | string
  /** Each becomes its own `Set-Cookie` header. */
  cookies?: string[]
}

/**
 * The response chain, in undici's handler shape: an integration (or the runner, for a Reply or a gateway
 * error) calls `onResponseStart` once, `onResponseData` per chunk, then `onResponseEnd` — or
 * `onResponseError` when the body fails midway. `headers` is a flat `[name, value, …]` list without
 * `Content-Length`; `length` is the body's size when known, else -1. `onResponseData` returns false when
 * the client is slow: the producer pauses until `ctx.onceDrain` calls back. Handlers are compiled once per
 * route and keep per-request state on the context, so the chain costs no allocation per request. The last
 * handler is the transport's writer (src/dataplane/respond.ts for HTTP).
 */
export interface ResponseHandler {
  onResponseStart(ctx: RequestContext, status: number, headers: string[], length: number): void
  onResponseData(ctx: RequestContext, chunk: Buffer): boolean
  onResponseEnd(ctx: RequestContext): void
  onResponseError(ctx: RequestContext, err: Error): void
}

/**
 * What a step's `request` returns when it has answered the request itself, through the part of the response
 * chain it was given at compile time (the cache step's hit, which skips the response sides of later steps).
 */
export const ANSWERED: unique symbol = Symbol('answered')

/**
 * One unit of the request pipeline, compiled once per route at deploy time. `request` returns undefined to
 * go on, a Reply to answer, ANSWERED once it has answered itself, or throws a GatewayError. `response` wraps the next handler of the route's
 * response chain (called once, at compile time); response sides run in reverse step order. `describe`
 * says what the step was compiled to, for golden tests. Steps never import node:http, a concrete store,
 * another step or an integration.
 */
export type StepResult = undefined | Reply | typeof ANSWERED

export interface Step {
  readonly name: string
  request?(ctx: RequestContext): StepResult | Promise<StepResult>
  response?(next: ResponseHandler): ResponseHandler
  describe?(): unknown
}

/**
 * The kinds of step, in the order they run, with the reason for each position (docs/aws-behaviour.md §2).
 * The compiler sorts a route's steps by this table; `createSteps` (src/steps) has one factory per kind.
 */
export const STEP_ORDER = [
  ['policy', 'resource policy and WAF run first: they decide on the caller before any credential is read (§2.3, §7.6)'],
  ['auth', 'authentication and authorization by the method’s authorizationType (§2.5)'],
  ['apikey', 'API keys are checked after authorization, which may supply the key (AUTHORIZER source, §2.6)'],
  ['throttle', 'usage-plan, stage and account limits need the key to pick the plan (§2.7)'],
  ['validate', 'request validation only for callers that are admitted (§2.8, §9)'],
  ['cache', 'a cache hit skips the integration but still goes through response handling (§2.9, §8)'],
  ['transform', 'template selection, the passthrough rule (415) and the request template build the integration request, whatever the integration type (§2.10, §5.9)'],
] as const

export type StepKind = (typeof STEP_ORDER)[number][0]

/** What a route-level factory (step or integration) is told about the route it compiles for. */
export interface RouteInfo {
  apiKind: 'REST' | 'HTTP'
  api: Api
  stage: Stage
  deploymentId: string
  resourcePath: string
  httpMethod: string
  routeKey: string
  /**
   * Set when compiling a stage's canary (§1.6): the stage's own deployment, and whether the canary reads and
   * writes the stage's cache entries (`useStageCache`) instead of keeping its own.
   */
  canary?: { stageDeploymentId: string; useStageCache: boolean }
  /** REST only. */
  method?: Method
  resource?: Resource
  /** HTTP only. */
  route?: Route
}

export interface StepFactory {
  readonly kind: StepKind
  /** Returns null when the route needs no such step. Throws an Error (message for the user) if misconfigured. */
  compile(route: RouteInfo): Step | null
}

/**
 * The backend call of a route. Resolves with a Reply, which the runner sends through the route's response
 * chain, or with undefined once it has streamed the response into `ctx.response` itself; before the
 * response starts it fails by throwing (rejecting with) a GatewayError. A streaming integration may instead
 * return undefined at once, taking the response over: it then reports a failure before the response starts
 * through `ctx.runner.fail` (the proxy's fast path: no promise per request).
 */
export interface IntegrationHandler {
  readonly type: string
  handle(ctx: RequestContext): Promise<Reply | undefined> | undefined
  describe?(): unknown
}

/**
 * Builds the handler of one integration type for a route. Throws an Error (message for the user) when the
 * integration cannot work; the compiler turns that into a route answering 500 and a warning.
 */
export type IntegrationFactory = (route: RouteInfo, integration: Integration | IntegrationV2) => IntegrationHandler

/**
 * The integration factories of a gateway, keyed by integration type — and for `AWS` integrations by
 * `AWS:<service>`, the service parsed from the URI (`AWS:lambda`, later `AWS:sqs`…); HTTP API
 * `AWS_PROXY` integrations with a subtype by `AWS_PROXY:<subtype>`. See src/integrations/index.ts.
 */
export type IntegrationTable = ReadonlyMap<string, IntegrationFactory>

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
  /** REST stage cache (§8): a request of a cached method answered from the cache, or not. */
  cacheHit(): void
  cacheMiss(): void
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
  /** The head of the route's response chain: the steps' response sides, then the client writer. */
  readonly response: ResponseHandler
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
  /**
   * REST: the stage cache as configured — its `cacheClusterSize` when `cacheClusterEnabled`, else null (and
   * HTTP APIs). A change of it recreates the cache on AWS, so the gateway flushes the stage's entries (§8).
   */
  readonly cacheCluster?: string | null
  /** Metrics for requests that match no route (labelled with the stage only). */
  readonly unmatchedMetrics: MetricsHandle
  /** HTTP APIs with a corsConfiguration: preflights answered before route matching, CORS headers on responses; otherwise null. */
  readonly cors: StageCors | null
  /**
   * REST stages with a canary of more than 0 % (§1.6): the canary's own plan (its deployment, the stage
   * variables with its overrides merged in) and the percentage of requests it takes; otherwise null.
   * Resolution draws one random number per request and picks this plan or the stage's.
   */
  readonly canary: { readonly percent: number; readonly plan: StagePlan } | null
  /** True on a canary's plan: `$context.isCanaryRequest`, and metrics under the stage `{stage}/Canary` (§11.5). */
  readonly isCanary: boolean
}

/**
 * Resolves a request's API and stage from its Host and path, writing `stage`, `apiKind`, `path` and
 * `stageVariables` onto the context: 0 when found, else the status of the bare answer (403 or 404).
 */
export interface HostResolver {
  resolve(ctx: RequestContext): 0 | 200 | 403 | 404
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
  /** Host and stage resolution, compiled (the HostTable of src/dataplane/resolve.ts). */
  readonly hosts: HostResolver
  /** API keys and the usage plans that bind them to stages. */
  readonly keys: KeyIndex
  /** The custom domains with their compiled mappings (also inside `hosts`); null when there are none. */
  readonly domains?: DomainTable | null
  /** The custom domains' certificates for the HTTPS listener's SNI callback (domains.ts); null when none has one. */
  readonly tls?: TlsTable | null
  /** Problems met while compiling (a route that cannot run, etc.): logged, never fatal. */
  readonly warnings: readonly string[]
  /** WebSocket APIs (src/dataplane/websocket), served on upgrade requests and `@connections`; absent: none. */
  readonly websockets?: WsApiTable
}

/**
 * The key an integration is looked up by in the IntegrationTable: its type; for REST `AWS` integrations
 * `AWS:<service>` from `arn:aws:apigateway:{region}:{service}:{action|path}/…` (`AWS:lambda`, `AWS:sqs`…);
 * for HTTP API `AWS_PROXY` integrations with an `integrationSubtype`, `AWS_PROXY:<subtype>`.
 */
export function integrationKey(integration: Integration | IntegrationV2): string {
  if ('integrationType' in integration) {
    const t = integration.integrationType
    return t === 'AWS_PROXY' && integration.integrationSubtype ? `AWS_PROXY:${integration.integrationSubtype}` : t
  }
  if (integration.type !== 'AWS') return integration.type
  const m = /^arn:aws[\w-]*:apigateway:[^:]*:([^:]+):/.exec(integration.uri ?? '')
  return m ? `AWS:${m[1]!.toLowerCase()}` : 'AWS:unknown'
}
