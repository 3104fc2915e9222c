// The compiled plan of WebSocket APIs (docs/websocket.md, docs/aws-behaviour.md §10) and the contract of
// their integrations. The compiler (src/controlplane/compile/websocket.ts) builds one WsStagePlan per
// (deployment × stage): routes by key, each with its integration (templates compiled), whether it answers
// (a route response), and its metric handle. The listener (src/dataplane/websocket/server.ts) serves it.

import type { SelectionExpression } from './selection.js'

/** What every event of one connection shares. Built once per connection. */
export interface WsConnectionInfo {
  readonly connectionId: string
  /** Epoch ms. */
  readonly connectedAt: number
  readonly sourceIp: string
  readonly userAgent: string
  readonly domainName: string
  /** The upgrade request's headers with their names as sent (repeated ones joined with `,`), and their values in order. */
  readonly headers: Readonly<Record<string, string>>
  /** The same by lower-case name (selection expressions, templates). */
  readonly lowerHeaders: Readonly<Record<string, string>>
  readonly multiValueHeaders: Readonly<Record<string, string[]>>
  readonly query: Readonly<Record<string, string>> | null
  readonly multiValueQuery: Readonly<Record<string, string[]>> | null
  /** What `$connect`'s access control granted: kept for every later event of the connection (§10.2, §10.6). */
  readonly grant?: WsGrant
}

/**
 * What `$connect`'s access control (§10.6) leaves on a connection: the Lambda authorizer's result
 * (`requestContext.authorizer`, `$context.authorizer.*`), the caller's identity (IAM, API key) and, with an
 * API key in a usage plan, the admission of each message against the plan's throttle and quota.
 */
export interface WsGrant {
  readonly authorizer?: Readonly<Record<string, unknown>>
  /** Added to `requestContext.identity` (`apiKey`, `apiKeyId`, `accessKey`, `userArn`, …). */
  readonly identity?: Readonly<Record<string, string | null>>
  /** Counts one message (or the connect) against the usage plan: 'OK', or why it is refused. */
  readonly usage?: WsUsage
}

export interface WsUsage {
  admit(): Promise<'OK' | 'THROTTLED' | 'QUOTA_EXCEEDED'>
}

/** The upgrade request as `$connect`'s access control sees it. */
export interface WsConnectRequest {
  readonly conn: WsConnectionInfo
  readonly stage: WsStagePlan
  readonly method: string
  /** The request target as sent (path and query), for SigV4. */
  readonly url: string
  readonly requestId: string
  /** The API keys and usage plans in force (GatewayPlan.keys). */
  readonly keys: import('../keys.js').KeyIndex
}

export type WsConnectOutcome = { readonly ok: true; readonly grant: WsGrant } | { readonly ok: false; readonly status: number; readonly reason: string }

/** `$connect`'s access control: authorizer or IAM, then the API key (compiled by src/steps `createWsConnectGuards`). */
export interface WsConnectGuard {
  check(req: WsConnectRequest): Promise<WsConnectOutcome>
  describe(): Record<string, unknown>
}

export type WsEventType = 'CONNECT' | 'MESSAGE' | 'DISCONNECT'

/** One event going to an integration: the connect, a message, or the disconnect. */
export interface WsRequest {
  readonly conn: WsConnectionInfo
  readonly stage: WsStagePlan
  readonly eventType: WsEventType
  readonly routeKey: string
  readonly requestId: string
  readonly extendedRequestId: string
  /** MESSAGE only. */
  readonly messageId: string | null
  /** Epoch ms. */
  readonly requestTimeEpoch: number
  /** The message text ('' for CONNECT and DISCONNECT). */
  readonly body: string
  /** The body parsed once (route selection), or NOT_JSON. */
  readonly json: unknown
  readonly disconnectStatusCode?: number
  readonly disconnectReason?: string
}

/** What an integration answered: a status (the connect's, or the backend's) and the body to send back, if any. */
export interface WsResult {
  readonly status: number
  readonly body: string | null
  /** Proxy `$connect` answers: headers for the handshake (`Sec-WebSocket-Protocol`). */
  readonly headers?: Readonly<Record<string, string>>
}

/** The backend of a WebSocket route, compiled once. Rejects (throws) when the integration failed (ExecutionError). */
export interface WsIntegration {
  readonly type: string
  invoke(req: WsRequest): Promise<WsResult>
  describe(): Record<string, unknown>
}

/** Metrics of a WebSocket route (§11.5), labelled by API, stage and route. */
export interface WsMetricsHandle {
  connect(): void
  message(): void
  integrationError(): void
  clientError(): void
  executionError(): void
  integrationLatency(ms: number): void
}

export interface WsRoutePlan {
  readonly routeKey: string
  readonly routeId: string
  /** Null: a route with no target ($connect/$disconnect may have none; a message route then answers an error frame). */
  readonly integration: WsIntegration | null
  /** A `$default` route response is declared (two-way route): the integration's answer is sent back as a frame. */
  readonly twoWay: boolean
  readonly metrics: WsMetricsHandle
  /** The route's throttle (stage defaultRouteSettings / routeSettings); null: none. */
  readonly throttle: { take(): boolean; readonly rate: number; readonly burst: number } | null
  /** `$connect` only: its authorizer, IAM or API key check; null when the route is open. */
  readonly guard: WsConnectGuard | null
}

/** A compiled `$context.*` access-log format: `value` answers a variable name without `$context.`. */
export interface WsAccessLogFormatter {
  format(value: (name: string) => string | undefined): string
}

export interface WsStagePlan {
  readonly apiId: string
  readonly apiName: string
  readonly stageName: string
  readonly deploymentId: string
  readonly variables: Readonly<Record<string, string>>
  readonly routeSelection: SelectionExpression
  /** Custom routes by key; `$connect`, `$disconnect` and `$default` are fields of their own. */
  readonly routes: ReadonlyMap<string, WsRoutePlan>
  readonly connect: WsRoutePlan | null
  readonly disconnect: WsRoutePlan | null
  readonly default: WsRoutePlan | null
  /** Metrics of what matched no route (labelled with the stage only). */
  readonly unmatchedMetrics: WsMetricsHandle
  readonly accessLog: WsAccessLogFormatter | null
}

export interface WsApiPlan {
  readonly id: string
  readonly name: string
  readonly disableExecuteApiEndpoint: boolean
  readonly stages: ReadonlyMap<string, WsStagePlan>
}

/** Every WebSocket API served, and the one on bare hosts. */
export interface WsApiTable {
  readonly apis: ReadonlyMap<string, WsApiPlan>
  readonly defaultApi: WsApiPlan | null
}

/** What the compiler needs of the process to build WebSocket integrations (src/integrations/websocket.ts). */
/** Builds `$connect`'s access control from the route's `authorizationType`, `authorizerId` and `apiKeyRequired`; null: open. Throws when misconfigured. */
export type WsGuardFactory = (api: import('../../model/types.js').HttpApi, stage: import('../../model/types.js').Stage, route: import('../../model/types.js').Route) => WsConnectGuard | null

export type WsIntegrationFactory = (
  route: { apiId: string; stageName: string; routeKey: string; variables: Readonly<Record<string, string>> },
  integration: import('../../model/types.js').IntegrationV2,
) => WsIntegration
