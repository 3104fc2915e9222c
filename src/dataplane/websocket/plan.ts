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
export type WsIntegrationFactory = (
  route: { apiId: string; stageName: string; routeKey: string; variables: Readonly<Record<string, string>> },
  integration: import('../../model/types.js').IntegrationV2,
) => WsIntegration
