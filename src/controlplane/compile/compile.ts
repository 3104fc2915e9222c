// The compiler: (deployment × stage) → a frozen plan of routing tables, step lists, integration handlers and
// response chains, built with the step factories (src/steps) and the integration table (src/integrations)
// it is given. Pure apart from those and the metric handles: no I/O, no clock. A route whose integration
// cannot run answers 500 API_CONFIGURATION_ERROR and is reported in `warnings`, never thrown.

import type { ApiKey, Deployment, DomainName, GatewaySettings, HttpApi, Integration, IntegrationV2, Method, RestApi, Stage, UsagePlan } from '../../model/types.js'
import { compileKeyIndex } from './keys.js'
import { Router } from '../../dataplane/router.js'
import { HostTable } from '../../dataplane/resolve.js'
import type { DomainPem } from '../../dataplane/domains.js'
import { compileDomains } from './domains.js'
import { CLIENT } from '../../dataplane/respond.js'
import {
  integrationKey,
  STEP_ORDER,
  type AccessLogFormatter,
  type ApiPlan,
  type GatewayPlan,
  type IntegrationHandler,
  type IntegrationTable,
  type MetricsHandle,
  type Reply,
  type ResponseHandler,
  type RoutePlan,
  type RouteInfo,
  type StagePlan,
  type Step,
  type StepFactory,
} from '../../dataplane/plan.js'
import { GatewayError } from '../../errors.js'
import { compileAccessLog, DEFAULT_HTTP_ACCESS_LOG_FORMAT, DEFAULT_REST_ACCESS_LOG_FORMAT } from '../../observe/access-log.js'
import { compileHttpGatewayResponses, compileRestGatewayResponses } from './gateway-responses.js'
import { compileCors } from '../../dataplane/cors.js'
import { DEFAULT_CACHE_CLUSTER_SIZE } from '../../steps/cache/index.js'
import { compileWebSocketStage, webSocketTable, type WsCompileDeps } from './websocket.js'
import type { WsApiPlan, WsStagePlan } from '../../dataplane/websocket/plan.js'

export interface CompileInput {
  revision: number
  apiKeys?: readonly ApiKey[]
  usagePlans?: readonly UsagePlan[]
  deployments: ReadonlyMap<string, Deployment>
  stages: readonly Stage[]
  settings: GatewaySettings
  /** Custom domain names with their mappings (§1.7). */
  domains?: readonly DomainName[]
  /** Each domain's certificate (and mutual-TLS truststore) as PEM text, by lower-case domain name. */
  domainPems?: ReadonlyMap<string, DomainPem>
}

export interface CompileDeps {
  metrics: { handle(apiName: string, apiId: string, stage: string, method: string, resource: string): MetricsHandle }
  accessLogs: boolean
  /** The step factories (src/steps `createSteps`); none: routes run their integration alone. */
  steps?: readonly StepFactory[]
  /** The integration table (src/integrations `createIntegrations`). */
  integrations: IntegrationTable
  /** Numbers in [0, 1) for the per-request canary draw (§1.6). Default Math.random; tests pass a seeded one. */
  random?: () => number
  /** WebSocket routes' integrations and metrics (src/integrations/websocket.ts); none: WebSocket APIs are not served. */
  websocket?: Omit<WsCompileDeps, 'accessLogs'>
}

/** A route that cannot run: answers 500 API_CONFIGURATION_ERROR. `type` says what it was meant to be. */
class FailingIntegration implements IntegrationHandler {
  readonly type: string
  constructor(intended: string) {
    this.type = `UNAVAILABLE(${intended})`
  }
  handle(): Promise<Reply | undefined> {
    return Promise.reject(new GatewayError('API_CONFIGURATION_ERROR', undefined))
  }
  describe(): unknown {
    return { type: this.type }
  }
}

/** The route's response chain: each step's response side wraps the next, so they run in reverse step order. */
function responseChain(steps: readonly Step[]): ResponseHandler {
  let handler: ResponseHandler = CLIENT
  for (const step of steps) if (step.response !== undefined) handler = step.response(handler)
  return handler
}

const ORDER = new Map<string, number>(STEP_ORDER.map(([k], i) => [k, i]))

function compileSteps(route: RouteInfo, deps: CompileDeps, warn: (m: string) => void): Step[] {
  if (!deps.steps || deps.steps.length === 0) return []
  const out: Array<[number, Step]> = []
  for (const f of deps.steps) {
    try {
      const s = f.compile(route)
      if (s !== null) out.push([ORDER.get(f.kind) ?? 99, s])
    } catch (err) {
      warn(`${route.api.id}/${route.stage.stageName} ${route.routeKey}: ${f.kind} step: ${(err as Error).message}`)
      out.push([-1, { name: 'misconfigured', request: () => Promise.reject(new GatewayError('API_CONFIGURATION_ERROR', undefined)) }])
    }
  }
  return out.sort((a, b) => a[0] - b[0]).map(([, s]) => s)
}

/** The route's integration from the table, or one that answers 500 (with a warning saying why). */
function compileIntegration(info: RouteInfo, integration: Integration | IntegrationV2 | undefined, deps: CompileDeps, warn: (m: string) => void): IntegrationHandler {
  const where = `${info.api.id}/${info.stage.stageName} ${info.routeKey}`
  if (!integration) {
    warn(`${where}: ${info.apiKind === 'REST' ? 'the method has no integration' : 'the route has no integration target'}; it answers 500`)
    return new FailingIntegration('NONE')
  }
  const key = integrationKey(integration)
  const type = 'integrationType' in integration ? integration.integrationType : integration.type
  const factory = deps.integrations.get(key)
  if (!factory) {
    warn(`${where}: integration ${key === type ? `type ${type}` : `${type} (${key})`} is not available in this build; it answers 500`)
    return new FailingIntegration(type)
  }
  try {
    return factory(info, integration)
  } catch (err) {
    warn(`${where}: ${(err as Error).message}; it answers 500`)
    return new FailingIntegration(type)
  }
}

/**
 * How a REST stage plan is compiled: the stage's own (with its canary's plan, if any), or a canary's (§1.6),
 * which carries the stage's deployment id for `useStageCache` and reports metrics as `{stage}/Canary` (§11.5).
 */
type RestStageRole = { canary: StagePlan['canary'] } | { canaryOf: NonNullable<RouteInfo['canary']> }

function compileRestStage(api: RestApi, stage: Stage, deployment: Deployment, deps: CompileDeps, warn: (m: string) => void, role: RestStageRole): StagePlan {
  const router = new Router<RoutePlan>()
  const isCanary = 'canaryOf' in role
  const metricStage = isCanary ? `${stage.stageName}/Canary` : stage.stageName
  for (const resource of Object.values(api.resources)) {
    for (const [verb, method] of Object.entries(resource.resourceMethods) as Array<[string, Method]>) {
      const routeKey = `${verb} ${resource.path}`
      const info: RouteInfo = { apiKind: 'REST', api, stage, deploymentId: deployment.id, resourcePath: resource.path, httpMethod: verb, routeKey, method, resource }
      if (isCanary) info.canary = role.canaryOf
      const steps = Object.freeze(compileSteps(info, deps, warn))
      const route: RoutePlan = Object.freeze({
        resourcePath: resource.path,
        resourceId: resource.id,
        httpMethod: verb,
        routeKey,
        operationName: method.operationName,
        steps,
        integration: compileIntegration(info, method.methodIntegration, deps, warn),
        response: responseChain(steps),
        metrics: deps.metrics.handle(api.name, api.id, metricStage, verb, resource.path),
      })
      try {
        router.add(resource.path, verb, route)
      } catch (err) {
        warn(`${api.id}/${stage.stageName}: ${(err as Error).message}`)
      }
    }
  }
  const problems: string[] = []
  const gatewayResponses = compileRestGatewayResponses(api.gatewayResponses, problems)
  for (const p of problems) warn(`${api.id}: ${p}`)
  return Object.freeze({
    kind: 'REST',
    apiId: api.id,
    apiName: api.name,
    stageName: stage.stageName,
    deploymentId: deployment.id,
    variables: Object.freeze({ ...stage.variables }),
    hasVariables: Object.keys(stage.variables).length > 0,
    router,
    defaultRoute: null,
    gatewayResponses,
    accessLog: accessLogFor(stage, DEFAULT_REST_ACCESS_LOG_FORMAT, deps),
    binaryMediaTypes: Object.freeze([...api.binaryMediaTypes]),
    minimumCompressionSize: api.minimumCompressionSize,
    cacheCluster: stage.cacheClusterEnabled === true ? stage.cacheClusterSize ?? DEFAULT_CACHE_CLUSTER_SIZE : null,
    unmatchedMetrics: deps.metrics.handle(api.name, api.id, metricStage, '-', '-'),
    // REST APIs have no CORS engine: OPTIONS methods and gateway responses do it (§19.1).
    cors: null,
    canary: isCanary ? null : role.canary,
    isCanary,
  })
}

/**
 * A REST stage's canary (§1.6), compiled beside the stage: its deployment, with the stage variables and the
 * canary's overrides merged over them (so URIs and templates are filled in now, not per request). Null when
 * there is none, when it takes 0 % of the traffic, or when its deployment cannot be served (with a warning).
 */
function compileCanary(stage: Stage, deployments: ReadonlyMap<string, Deployment>, deps: CompileDeps, warn: (m: string) => void): StagePlan['canary'] {
  const c = stage.canarySettings
  if (c === undefined || !(c.percentTraffic > 0)) return null
  const where = `canary of stage ${stage.apiId}/${stage.stageName}`
  const deployment = deployments.get(c.deploymentId)
  if (!deployment) {
    warn(`${where} points at missing deployment ${c.deploymentId}; the stage serves all requests`)
    return null
  }
  const api = deployment.snapshot
  if (api.kind !== 'REST' || api.id !== stage.apiId) {
    warn(`${where}: deployment ${c.deploymentId} is not one of this REST API's; the stage serves all requests`)
    return null
  }
  const canaryStage: Stage = { ...stage, variables: { ...stage.variables, ...c.stageVariableOverrides } }
  const plan = compileRestStage(api, canaryStage, deployment, deps, (m) => warn(`(canary) ${m}`), {
    canaryOf: { stageDeploymentId: stage.deploymentId, useStageCache: c.useStageCache },
  })
  return Object.freeze({ percent: Math.min(c.percentTraffic, 100), plan })
}

function accessLogFor(stage: Stage, fallback: string, deps: CompileDeps): AccessLogFormatter | null {
  if (!deps.accessLogs) return null
  return compileAccessLog(stage.accessLogSettings?.format || fallback)
}

function compileHttpStage(api: HttpApi, stage: Stage, deployment: Deployment, deps: CompileDeps, warn: (m: string) => void): StagePlan {
  const router = new Router<RoutePlan>()
  let defaultRoute: RoutePlan | null = null
  for (const route of Object.values(api.routes)) {
    let verb: string
    let path: string
    if (route.routeKey === '$default') {
      verb = 'ANY'
      path = '$default'
    } else {
      const m = /^([A-Z]+) (\/.*)$/.exec(route.routeKey)
      if (!m) {
        warn(`${api.id}: route key ${route.routeKey} is not "METHOD /path" or $default; skipped`)
        continue
      }
      verb = m[1]!
      path = m[2]!
    }
    const info: RouteInfo = { apiKind: 'HTTP', api, stage, deploymentId: deployment.id, resourcePath: path, httpMethod: verb, routeKey: route.routeKey, route }
    const targetId = route.target?.startsWith('integrations/') ? route.target.slice('integrations/'.length) : undefined
    const steps = Object.freeze(compileSteps(info, deps, warn))
    const plan: RoutePlan = Object.freeze({
      resourcePath: path,
      resourceId: route.routeId,
      httpMethod: verb,
      routeKey: route.routeKey,
      operationName: route.operationName,
      steps,
      integration: compileIntegration(info, targetId === undefined ? undefined : api.integrations[targetId], deps, warn),
      response: responseChain(steps),
      metrics: deps.metrics.handle(api.name, api.id, stage.stageName, verb, route.routeKey),
    })
    if (route.routeKey === '$default') defaultRoute = plan
    else {
      try {
        router.add(path, verb, plan)
      } catch (err) {
        warn(`${api.id}/${stage.stageName}: ${(err as Error).message}`)
      }
    }
  }
  return Object.freeze({
    kind: 'HTTP',
    apiId: api.id,
    apiName: api.name,
    stageName: stage.stageName,
    deploymentId: deployment.id,
    variables: Object.freeze({ ...stage.variables }),
    hasVariables: Object.keys(stage.variables).length > 0,
    router,
    defaultRoute,
    gatewayResponses: compileHttpGatewayResponses(),
    accessLog: accessLogFor(stage, DEFAULT_HTTP_ACCESS_LOG_FORMAT, deps),
    binaryMediaTypes: Object.freeze([]),
    minimumCompressionSize: null,
    unmatchedMetrics: deps.metrics.handle(api.name, api.id, stage.stageName, '-', '-'),
    cors: api.corsConfiguration ? compileCors(api.corsConfiguration) : null,
    // AWS HTTP APIs have no canary releases.
    canary: null,
    isCanary: false,
  })
}

/** Compiles everything served into one plan. Never throws for a bad API: it warns and leaves it out. */
export function compileGateway(input: CompileInput, deps: CompileDeps): GatewayPlan {
  const warnings: string[] = []
  const warn = (m: string) => warnings.push(m)
  const byApi = new Map<string, { name: string; kind: 'REST' | 'HTTP'; disabled: boolean; stages: Map<string, StagePlan>; defaultStage: StagePlan | null }>()
  const wsApis = new Map<string, WsApiPlan>()
  for (const stage of input.stages) {
    // An HTTP API stage made before any deployment (CreateStage without deploymentId) serves nothing yet.
    if (!stage.deploymentId) continue
    const deployment = input.deployments.get(stage.deploymentId)
    if (!deployment) {
      warn(`stage ${stage.apiId}/${stage.stageName} points at missing deployment ${stage.deploymentId}; not served`)
      continue
    }
    const api = deployment.snapshot
    if (api.kind === 'HTTP' && api.protocolType === 'WEBSOCKET') {
      if (!deps.websocket) continue
      try {
        const ws = compileWebSocketStage(api, stage, deployment, { ...deps.websocket, accessLogs: deps.accessLogs }, warn)
        let entry = wsApis.get(api.id)
        if (!entry) {
          entry = { id: api.id, name: api.name, disableExecuteApiEndpoint: api.disableExecuteApiEndpoint, stages: new Map<string, WsStagePlan>() }
          wsApis.set(api.id, entry)
        }
        ;(entry.stages as Map<string, WsStagePlan>).set(stage.stageName, ws)
      } catch (err) {
        warn(`stage ${stage.apiId}/${stage.stageName}: ${(err as Error).message}; not served`)
      }
      continue
    }
    let plan: StagePlan
    try {
      plan = api.kind === 'REST'
        ? compileRestStage(api, stage, deployment, deps, warn, { canary: compileCanary(stage, input.deployments, deps, warn) })
        : compileHttpStage(api, stage, deployment, deps, warn)
    } catch (err) {
      warn(`stage ${stage.apiId}/${stage.stageName}: ${(err as Error).message}; not served`)
      continue
    }
    let entry = byApi.get(api.id)
    if (!entry) {
      entry = { name: api.name, kind: api.kind, disabled: api.disableExecuteApiEndpoint, stages: new Map(), defaultStage: null }
      byApi.set(api.id, entry)
    }
    if (stage.stageName === '$default') {
      if (api.kind === 'REST') warn(`REST API ${api.id} cannot have a $default stage; not served`)
      else entry.defaultStage = plan
    } else entry.stages.set(stage.stageName, plan)
  }
  const apis = new Map<string, ApiPlan>()
  for (const [id, e] of byApi) {
    apis.set(id, Object.freeze({ id, name: e.name, kind: e.kind, disableExecuteApiEndpoint: e.disabled, stages: e.stages, defaultStage: e.defaultStage }))
  }
  let defaultApi: ApiPlan | null = null
  if (input.settings.defaultApiId !== undefined) {
    defaultApi = apis.get(input.settings.defaultApiId) ?? null
    if (!defaultApi && !wsApis.has(input.settings.defaultApiId)) warn(`default API ${input.settings.defaultApiId} is not served`)
  } else if (apis.size === 1) defaultApi = apis.values().next().value ?? null
  const keys = compileKeyIndex(input.apiKeys ?? [], input.usagePlans ?? [], warn)
  const domains = compileDomains(input.domains ?? [], apis, input.domainPems ?? new Map(), warn, wsApis)
  const websockets = wsApis.size > 0 ? { websockets: webSocketTable(wsApis, input.settings.defaultApiId) } : {}
  return Object.freeze({ revision: input.revision, apis, defaultApi, hosts: new HostTable(apis, defaultApi, domains.table, deps.random), keys, domains: domains.table, tls: domains.tls, warnings: Object.freeze(warnings), ...websockets })
}

/** A stable, readable description of a plan's routing (for golden tests and `gatehouse routes`). */
export function describePlan(plan: GatewayPlan): Array<{ api: string; kind: string; stage: string; routes: string[] }> {
  const out: Array<{ api: string; kind: string; stage: string; routes: string[] }> = []
  for (const api of plan.apis.values()) {
    const stages = [...api.stages.values()]
    if (api.defaultStage) stages.push(api.defaultStage)
    for (const s of stages) {
      const routes: string[] = []
      const seen = new Set<RoutePlan>()
      collectRoutes(s, seen)
      for (const r of seen) routes.push(`${r.routeKey} -> ${r.integration.type}${r.steps.length ? ' [' + r.steps.map((x) => x.name).join(',') + ']' : ''}`)
      routes.sort()
      out.push({ api: api.id, kind: api.kind, stage: s.stageName, routes })
    }
  }
  return out.sort((a, b) => (a.api + a.stage).localeCompare(b.api + b.stage))
}

function collectRoutes(stage: StagePlan, into: Set<RoutePlan>): void {
  for (const r of stage.router.values()) into.add(r)
  if (stage.defaultRoute) into.add(stage.defaultRoute)
}

/**
 * What every route of a plan was compiled to — its steps (with what each was compiled for) and its
 * integration — per API stage, as plain data (golden tests, and a readable answer to "what will this
 * config do"). A stage's canary (§1.6) is described after it as `{stage}/Canary`. Deterministic: APIs,
 * stages and routes sorted.
 */
export function describeRoutes(plan: GatewayPlan): Array<{ api: string; stage: string; settings: Record<string, unknown>; routes: Array<Record<string, unknown>> }> {
  const out: Array<{ api: string; stage: string; settings: Record<string, unknown>; routes: Array<Record<string, unknown>> }> = []
  for (const api of plan.apis.values()) {
    const stages = [...api.stages.values()]
    if (api.defaultStage) stages.push(api.defaultStage)
    for (const s of stages) {
      out.push({ api: api.id, stage: s.stageName, settings: stageSettings(s), routes: describeStageRoutes(s) })
      if (s.canary !== null) {
        const settings = { percentTraffic: s.canary.percent, deploymentId: s.canary.plan.deploymentId, ...stageSettings(s.canary.plan) }
        out.push({ api: api.id, stage: `${s.stageName}/Canary`, settings, routes: describeStageRoutes(s.canary.plan) })
      }
    }
  }
  return out.sort((a, b) => (a.api + '/' + a.stage).localeCompare(b.api + '/' + b.stage))
}

function stageSettings(s: StagePlan): Record<string, unknown> {
  const settings: Record<string, unknown> = {}
  if (s.hasVariables) settings['variables'] = s.variables
  if (s.binaryMediaTypes.length) settings['binaryMediaTypes'] = s.binaryMediaTypes
  if (s.minimumCompressionSize !== null) settings['minimumCompressionSize'] = s.minimumCompressionSize
  if (s.cors !== null) settings['cors'] = true
  return settings
}

function describeStageRoutes(s: StagePlan): Array<Record<string, unknown>> {
  const seen = new Set<RoutePlan>()
  collectRoutes(s, seen)
  return [...seen]
    .sort((a, b) => a.routeKey.localeCompare(b.routeKey))
    .map((r) => ({
      route: r.routeKey,
      steps: r.steps.map((step) => (step.describe ? { step: step.name, ...(step.describe() as object) } : { step: step.name })),
      integration: r.integration.describe ? r.integration.describe() : { type: r.integration.type },
    }))
}
