// Compiles WebSocket API stages (docs/websocket.md, docs/aws-behaviour.md §10): the route selection
// expression, routes by key with their integrations (templates compiled now), whether each route answers
// (a `$default` route response with routeResponseSelectionExpression `$default`), metric handles and the
// access-log format. Pure apart from the integration factory and the metric handles; a route whose
// integration cannot run answers the `Internal server error` frame and is reported in `warnings`.

import type { Deployment, HttpApi, Route, Stage } from '../../model/types.js'
import type { WsConnectGuard, WsGuardFactory, WsAccessLogFormatter, WsApiPlan, WsApiTable, WsIntegration, WsIntegrationFactory, WsMetricsHandle, WsRoutePlan, WsStagePlan } from '../../dataplane/websocket/plan.js'
import { compileSelectionExpression } from '../../dataplane/websocket/selection.js'
import { routeBucket } from '../../dataplane/websocket/throttle.js'
import { compileWsAccessLog, DEFAULT_WS_ACCESS_LOG_FORMAT } from '../../observe/access-log.js'

export interface WsCompileDeps {
  integrations: WsIntegrationFactory
  metrics: { wsHandle(apiName: string, apiId: string, stage: string, route: string): WsMetricsHandle }
  accessLogs: boolean
  /** `$connect` access control (authorizers, AWS_IAM, API keys; src/steps `createWsConnectGuards`); none: routes are open (warned). */
  guards?: WsGuardFactory
  /** The clock of route throttles (epoch ms). */
  now?: () => number
}

function throttleOf(stage: Stage, routeKey: string): { throttlingRateLimit?: number; throttlingBurstLimit?: number } | undefined {
  const own = stage.routeSettings?.[routeKey]
  const d = stage.defaultRouteSettings
  if (own === undefined && d === undefined) return undefined
  const out: { throttlingRateLimit?: number; throttlingBurstLimit?: number } = {}
  const rate = own?.throttlingRateLimit ?? d?.throttlingRateLimit
  const burst = own?.throttlingBurstLimit ?? d?.throttlingBurstLimit
  if (rate !== undefined) out.throttlingRateLimit = rate
  if (burst !== undefined) out.throttlingBurstLimit = burst
  return out
}

/** An integration that cannot run: every event fails (the client gets `Internal server error`; `$connect` is refused with 500). */
class FailingWsIntegration implements WsIntegration {
  readonly type: string
  readonly #reason: string
  constructor(intended: string, reason: string) {
    this.type = `UNAVAILABLE(${intended})`
    this.#reason = reason
  }
  invoke(): Promise<never> {
    return Promise.reject(new Error(this.#reason))
  }
  describe(): Record<string, unknown> {
    return { type: this.type }
  }
}

/** `$connect`'s access control when it cannot be built (an unknown authorizer …): every upgrade is refused with 500. */
const REFUSING_GUARD: WsConnectGuard = Object.freeze({
  check: () => Promise.resolve({ ok: false as const, status: 500, reason: 'the $connect access control is misconfigured' }),
  describe: () => ({ misconfigured: true }),
})

function isTwoWay(route: Route): boolean {
  if (route.routeResponseSelectionExpression !== '$default') return false
  return Object.values(route.routeResponses ?? {}).some((r) => r.routeResponseKey === '$default')
}

export function compileWebSocketStage(api: HttpApi, stage: Stage, deployment: Deployment, deps: WsCompileDeps, warn: (m: string) => void): WsStagePlan {
  const routes = new Map<string, WsRoutePlan>()
  let connect: WsRoutePlan | null = null
  let disconnect: WsRoutePlan | null = null
  let dflt: WsRoutePlan | null = null
  for (const route of Object.values(api.routes)) {
    const where = `${api.id}/${stage.stageName} ${route.routeKey}`
    const targetId = route.target?.startsWith('integrations/') ? route.target.slice('integrations/'.length) : undefined
    let integration: WsIntegration | null = null
    if (targetId !== undefined) {
      const decl = api.integrations[targetId]
      if (decl === undefined) {
        warn(`${where}: target integrations/${targetId} does not exist; the route answers an error`)
        integration = new FailingWsIntegration('NONE', 'no such integration')
      } else {
        try {
          integration = deps.integrations({ apiId: api.id, stageName: stage.stageName, routeKey: route.routeKey, variables: stage.variables }, decl)
        } catch (err) {
          warn(`${where}: ${(err as Error).message}; the route answers an error`)
          integration = new FailingWsIntegration(decl.integrationType, (err as Error).message)
        }
      }
    } else if (route.routeKey !== '$connect' && route.routeKey !== '$disconnect') {
      warn(`${where}: the route has no integration target; it answers an error`)
    }
    let guard: WsConnectGuard | null = null
    if (route.routeKey === '$connect') {
      if (deps.guards === undefined) {
        if (route.authorizationType !== 'NONE' || route.apiKeyRequired === true) warn(`${where}: access control is not available in this process; the route is open`)
      } else {
        try {
          guard = deps.guards(api, stage, route)
        } catch (err) {
          warn(`${where}: ${(err as Error).message}; connections are refused (500)`)
          guard = REFUSING_GUARD
        }
      }
    } else {
      if (route.authorizationType !== 'NONE') warn(`${where}: authorization is only possible on $connect (§10.2); ignored on this route`)
      if (route.apiKeyRequired === true) warn(`${where}: API keys are checked on $connect only; the connection's key meters this route's messages`)
    }
    if (route.requestModels && Object.keys(route.requestModels).length > 0) warn(`${where}: request models are not validated on WebSocket routes yet`)
    if (route.routeResponses && Object.keys(route.routeResponses).length > 0 && route.routeResponseSelectionExpression !== '$default') {
      warn(`${where}: the route has a route response but no routeResponseSelectionExpression "$default"; nothing is sent back`)
    }
    const plan: WsRoutePlan = Object.freeze({
      routeKey: route.routeKey,
      routeId: route.routeId,
      integration,
      twoWay: isTwoWay(route),
      metrics: deps.metrics.wsHandle(api.name, api.id, stage.stageName, route.routeKey),
      throttle: routeBucket(throttleOf(stage, route.routeKey), deps.now),
      guard,
    })
    if (route.routeKey === '$connect') connect = plan
    else if (route.routeKey === '$disconnect') disconnect = plan
    else if (route.routeKey === '$default') dflt = plan
    else routes.set(route.routeKey, plan)
  }
  let accessLog: WsAccessLogFormatter | null = null
  if (deps.accessLogs) accessLog = compileWsAccessLog(stage.accessLogSettings?.format || DEFAULT_WS_ACCESS_LOG_FORMAT)
  return Object.freeze({
    apiId: api.id,
    apiName: api.name,
    stageName: stage.stageName,
    deploymentId: deployment.id,
    variables: Object.freeze({ ...stage.variables }),
    routeSelection: compileSelectionExpression(api.routeSelectionExpression || '$request.body.action'),
    routes,
    connect,
    disconnect,
    default: dflt,
    unmatchedMetrics: deps.metrics.wsHandle(api.name, api.id, stage.stageName, '-'),
    accessLog,
  })
}

/** The table of WebSocket APIs: the default one is `defaultApiId` when it names one, else the only one. */
export function webSocketTable(apis: ReadonlyMap<string, WsApiPlan>, defaultApiId: string | undefined): WsApiTable {
  let defaultApi: WsApiPlan | null = null
  if (defaultApiId !== undefined) defaultApi = apis.get(defaultApiId) ?? null
  if (defaultApi === null && apis.size === 1) defaultApi = apis.values().next().value ?? null
  return Object.freeze({ apis, defaultApi })
}

/** What each WebSocket stage was compiled to (golden tests, `gatehouse routes`). */
export function describeWebSocket(table: WsApiTable): Array<{ api: string; stage: string; routeSelectionExpression: string; routes: Array<Record<string, unknown>> }> {
  const out: Array<{ api: string; stage: string; routeSelectionExpression: string; routes: Array<Record<string, unknown>> }> = []
  for (const api of table.apis.values()) {
    for (const s of api.stages.values()) {
      const all = [s.connect, s.disconnect, s.default, ...s.routes.values()].filter((r): r is WsRoutePlan => r !== null)
      out.push({
        api: api.id,
        stage: s.stageName,
        routeSelectionExpression: s.routeSelection.text,
        routes: all
          .sort((a, b) => a.routeKey.localeCompare(b.routeKey))
          .map((r) => ({ route: r.routeKey, twoWay: r.twoWay, ...(r.guard ? { access: r.guard.describe() } : {}), ...(r.throttle ? { throttle: { rateLimit: r.throttle.rate, burstLimit: r.throttle.burst } } : {}), integration: r.integration?.describe() ?? null })),
      })
    }
  }
  return out.sort((a, b) => (a.api + '/' + a.stage).localeCompare(b.api + '/' + b.stage))
}
