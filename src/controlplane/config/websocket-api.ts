// A WebSocket API declared in the config file (`type: websocket`, docs/websocket.md): apigatewayv2
// CreateApi's fields, `integrations` by id (CreateIntegration with its integration responses) and `routes`
// (CreateRoute with its route responses), checked with problems at their paths and built into the HttpApi
// (protocolType WEBSOCKET) that the control plane would hold after the same calls.

import type { ConfigProblem } from '../../errors.js'
import type { Authorizer, HttpApi, IntegrationResponseV2, IntegrationV2, Route, RouteResponseV2 } from '../../model/types.js'
import { stableId } from '../../model/ids.js'
import type { ApiDecl } from './config-file.js'
import { isRecord } from './config-file.js'
import { pointerSegment } from './schema-check.js'
import { compileTemplate } from '../../vtl/index.js'
import { wsIdentitySourceProblem } from '../../dataplane/websocket/selection.js'

const INTEGRATION_ID = /^[A-Za-z0-9_-]{1,64}$/
const WS_TIMEOUT_MAX = 29_000

/** Builds the API; every problem found is returned with its JSON-pointer path (the schema has checked shapes). */
export function buildWebSocketApi(decl: ApiDecl, id: string, name: string, base: string, file: string | undefined, createdDate: string): { api?: HttpApi; problems: ConfigProblem[]; warnings: ConfigProblem[] } {
  const problems: ConfigProblem[] = []
  const warnings: ConfigProblem[] = []
  const problem = (path: string, message: string): void => void problems.push(file === undefined ? { path, message } : { file, path, message })
  const warn = (path: string, message: string): void => void warnings.push(file === undefined ? { path, message } : { file, path, message })

  for (const field of ['openapi', 'definition', 'basepath', 'binaryMediaTypes', 'gatewayResponses', 'cors', 'policy', 'endpointType'] as const) {
    if (decl[field] !== undefined) problem(`${base}/${field}`, `${field} does not apply to WebSocket APIs`)
  }
  const rse = decl.routeSelectionExpression
  if (typeof rse !== 'string') problem(`${base}/routeSelectionExpression`, 'a WebSocket API needs a routeSelectionExpression, e.g. "$request.body.action"')
  else if (!/^\$request\.body(\.|$)|^\$\{request\.body\./.test(rse)) problem(`${base}/routeSelectionExpression`, `"${rse}": the route selection expression of a WebSocket API is $request.body.{jsonPath}, e.g. "$request.body.action"`)

  const integrations: Record<string, IntegrationV2> = {}
  for (const [key, raw] of Object.entries(isRecord(decl.integrations) ? decl.integrations : {})) {
    const at = `${base}/integrations/${pointerSegment(key)}`
    if (!INTEGRATION_ID.test(key)) problem(at, `integration id "${key}": use 1–64 letters, digits, "-" or "_"`)
    if (!isRecord(raw)) continue
    const type = raw.integrationType as IntegrationV2['integrationType']
    const uri = typeof raw.integrationUri === 'string' ? raw.integrationUri : undefined
    if (type !== 'MOCK' && uri === undefined) problem(`${at}/integrationUri`, `an ${String(type)} integration needs an integrationUri (${type === 'AWS_PROXY' || type === 'AWS' ? 'a function name or ARN' : 'an http(s) URL'})`)
    if ((type === 'HTTP' || type === 'HTTP_PROXY') && uri !== undefined && !/^https?:\/\/|^\$\{stageVariables\./.test(uri)) problem(`${at}/integrationUri`, `"${uri}" is not an http(s) URL`)
    const integration: IntegrationV2 = {
      integrationId: key,
      integrationType: type,
      timeoutInMillis: typeof raw.timeoutInMillis === 'number' ? raw.timeoutInMillis : WS_TIMEOUT_MAX,
      connectionType: 'INTERNET',
      requestParameters: isRecord(raw.requestParameters) ? (raw.requestParameters as Record<string, string>) : {},
      responseParameters: {},
    }
    if (uri !== undefined) integration.integrationUri = uri
    for (const f of ['integrationMethod', 'description', 'contentHandlingStrategy', 'passthroughBehavior', 'templateSelectionExpression', 'credentialsArn'] as const) {
      if (typeof raw[f] === 'string') integration[f] = raw[f] as never
    }
    if (isRecord(raw.requestTemplates)) {
      integration.requestTemplates = raw.requestTemplates as Record<string, string>
      checkTemplates(integration.requestTemplates, `${at}/requestTemplates`, problem)
    }
    if (type === 'AWS_PROXY' || type === 'HTTP_PROXY') {
      if (raw.requestTemplates !== undefined) warn(`${at}/requestTemplates`, `request templates do not apply to ${type} integrations; they are ignored`)
    }
    if (Array.isArray(raw.integrationResponses)) {
      const responses: Record<string, IntegrationResponseV2> = {}
      const seen = new Set<string>()
      raw.integrationResponses.forEach((r: unknown, i: number) => {
        if (!isRecord(r) || typeof r.integrationResponseKey !== 'string') return
        const rat = `${at}/integrationResponses/${i}`
        const k = r.integrationResponseKey
        if (seen.has(k)) problem(`${rat}/integrationResponseKey`, `integration response key "${k}" is declared twice`)
        seen.add(k)
        if (k !== '$default' && !/^\/.*\/$/s.test(k)) problem(`${rat}/integrationResponseKey`, `"${k}": an integration response key is $default or a regular expression in slashes, e.g. "/4\\\\d\\\\d/"`)
        else if (k !== '$default') {
          try {
            new RegExp(k.slice(1, -1))
          } catch (err) {
            problem(`${rat}/integrationResponseKey`, `"${k}": ${(err as Error).message}`)
          }
        }
        const irId = stableId(`${id}:${key}:${k}`, 6)
        const ir: IntegrationResponseV2 = { integrationResponseId: irId, integrationResponseKey: k }
        if (isRecord(r.responseTemplates)) {
          ir.responseTemplates = r.responseTemplates as Record<string, string>
          checkTemplates(ir.responseTemplates, `${rat}/responseTemplates`, problem)
        }
        if (typeof r.templateSelectionExpression === 'string') ir.templateSelectionExpression = r.templateSelectionExpression
        if (typeof r.contentHandlingStrategy === 'string') ir.contentHandlingStrategy = r.contentHandlingStrategy
        responses[irId] = ir
      })
      integration.integrationResponses = responses
    }
    integrations[key] = integration
  }

  // Authorizers by id (CreateAuthorizer's fields): REQUEST only on WebSocket APIs (§10.6).
  const authorizers: Record<string, Authorizer> = {}
  for (const [key, raw] of Object.entries(isRecord(decl.authorizers) ? decl.authorizers : {})) {
    const at = `${base}/authorizers/${pointerSegment(key)}`
    if (!INTEGRATION_ID.test(key)) problem(at, `authorizer id "${key}": use 1–64 letters, digits, "-" or "_"`)
    if (!isRecord(raw)) continue
    const type = raw.authorizerType ?? 'REQUEST'
    if (type !== 'REQUEST') problem(`${at}/authorizerType`, `"${String(type)}": WebSocket APIs have REQUEST (Lambda) authorizers only`)
    if (typeof raw.authorizerUri !== 'string' || raw.authorizerUri === '') problem(`${at}/authorizerUri`, 'a REQUEST authorizer needs an authorizerUri (a function name or ARN)')
    const sources = typeof raw.identitySource === 'string' ? raw.identitySource.split(',').map((x) => x.trim()).filter(Boolean) : Array.isArray(raw.identitySource) ? raw.identitySource.filter((x): x is string => typeof x === 'string') : []
    sources.forEach((src, j) => {
      const bad = wsIdentitySourceProblem(src)
      if (bad !== null) problem(`${at}/identitySource${Array.isArray(raw.identitySource) ? `/${j}` : ''}`, bad)
    })
    if (raw.authorizerResultTtlInSeconds !== undefined && raw.authorizerResultTtlInSeconds !== 0) warn(`${at}/authorizerResultTtlInSeconds`, 'AWS caches authorizer results for HTTP APIs only; every $connect invokes the authorizer')
    const a: Authorizer = { id: key, name: typeof raw.name === 'string' ? raw.name : key, type: 'REQUEST', authorizerResultTtlInSeconds: 0 }
    if (typeof raw.authorizerUri === 'string') a.authorizerUri = raw.authorizerUri
    if (sources.length > 0) a.identitySource = sources
    if (typeof raw.authorizerCredentialsArn === 'string') a.authorizerCredentials = raw.authorizerCredentialsArn
    authorizers[key] = a
  }
  const keySelection = decl.apiKeySelectionExpression
  if (keySelection !== undefined && keySelection !== '$request.header.x-api-key' && keySelection !== '$context.authorizer.usageIdentifierKey') {
    problem(`${base}/apiKeySelectionExpression`, `"${String(keySelection)}": use $request.header.x-api-key or $context.authorizer.usageIdentifierKey`)
  }

  const routes: Record<string, Route> = {}
  const keys = new Set<string>()
  ;(Array.isArray(decl.routes) ? decl.routes : []).forEach((raw, i) => {
    if (!isRecord(raw) || typeof raw.routeKey !== 'string') return
    const at = `${base}/routes/${i}`
    const key = raw.routeKey
    if (keys.has(key)) problem(`${at}/routeKey`, `route key "${key}" is declared twice`)
    keys.add(key)
    const routeId = stableId(`${id}:route:${key}`, 7)
    const route: Route = { routeId, routeKey: key, authorizationType: (raw.authorizationType as Route['authorizationType']) ?? 'NONE' }
    if (typeof raw.target === 'string') {
      const target = raw.target.startsWith('integrations/') ? raw.target : `integrations/${raw.target}`
      const targetId = target.slice('integrations/'.length)
      if (integrations[targetId] === undefined) {
        const known = Object.keys(integrations)
        problem(`${at}/target`, `"${raw.target}" names no integration of this API` + (known.length ? `; its integrations are: ${known.join(', ')}` : '; it declares none under integrations'))
      }
      route.target = target
    } else if (key !== '$connect' && key !== '$disconnect') {
      problem(`${at}/target`, `route "${key}" needs a target (an integration id under integrations, or "integrations/{id}")`)
    }
    const authType = raw.authorizationType
    if (authType !== undefined && authType !== 'NONE' && authType !== 'AWS_IAM' && authType !== 'CUSTOM') problem(`${at}/authorizationType`, `"${String(authType)}": a WebSocket route's authorizationType is NONE, AWS_IAM or CUSTOM`)
    if (authType !== undefined && authType !== 'NONE' && key !== '$connect') problem(`${at}/authorizationType`, 'authorization is only possible on the $connect route')
    if (authType === 'CUSTOM') {
      if (typeof raw.authorizerId !== 'string') problem(`${at}/authorizerId`, 'authorizationType CUSTOM needs an authorizerId (an id under authorizers)')
      else if (authorizers[raw.authorizerId] === undefined) {
        const known = Object.keys(authorizers)
        problem(`${at}/authorizerId`, `"${raw.authorizerId}" names no authorizer of this API` + (known.length ? `; its authorizers are: ${known.join(', ')}` : '; it declares none under authorizers'))
      }
    } else if (typeof raw.authorizerId === 'string') problem(`${at}/authorizerId`, 'an authorizerId needs authorizationType CUSTOM')
    if (raw.apiKeyRequired === true && key !== '$connect') warn(`${at}/apiKeyRequired`, 'API keys are checked on $connect; set apiKeyRequired there (the connection\'s key then meters every message)')
    for (const f of ['authorizerId', 'operationName', 'modelSelectionExpression', 'routeResponseSelectionExpression'] as const) {
      if (typeof raw[f] === 'string') route[f] = raw[f] as string
    }
    if (typeof raw.apiKeyRequired === 'boolean') route.apiKeyRequired = raw.apiKeyRequired
    if (isRecord(raw.requestModels)) route.requestModels = raw.requestModels as Record<string, string>
    if (isRecord(raw.requestParameters)) route.requestParameters = raw.requestParameters as Record<string, { required: boolean }>
    if (route.routeResponseSelectionExpression !== undefined && route.routeResponseSelectionExpression !== '$default') {
      problem(`${at}/routeResponseSelectionExpression`, `"${route.routeResponseSelectionExpression}": the only route response selection expression is "$default"`)
    }
    if (Array.isArray(raw.routeResponses)) {
      const responses: Record<string, RouteResponseV2> = {}
      raw.routeResponses.forEach((r: unknown, j: number) => {
        if (!isRecord(r) || typeof r.routeResponseKey !== 'string') return
        if (r.routeResponseKey !== '$default') problem(`${at}/routeResponses/${j}/routeResponseKey`, `"${r.routeResponseKey}": the only route response key is "$default"`)
        const rrId = stableId(`${routeId}:${r.routeResponseKey}`, 6)
        const rr: RouteResponseV2 = { routeResponseId: rrId, routeResponseKey: r.routeResponseKey }
        if (typeof r.modelSelectionExpression === 'string') rr.modelSelectionExpression = r.modelSelectionExpression
        if (isRecord(r.responseModels)) rr.responseModels = r.responseModels as Record<string, string>
        responses[rrId] = rr
      })
      route.routeResponses = responses
      if (Object.keys(responses).length > 0 && route.routeResponseSelectionExpression === undefined) {
        warn(`${at}/routeResponseSelectionExpression`, 'the route has a route response but no routeResponseSelectionExpression: set it to "$default" for the integration\'s answer to be sent back')
      }
    }
    routes[routeId] = route
  })

  if (problems.length) return { problems, warnings }
  const api: HttpApi = {
    kind: 'HTTP',
    id,
    name,
    createdDate,
    protocolType: 'WEBSOCKET',
    routeSelectionExpression: rse!,
    disableExecuteApiEndpoint: decl.disableExecuteApiEndpoint === true,
    apiKeySelectionExpression: decl.apiKeySelectionExpression ?? '$request.header.x-api-key',
    routes,
    integrations,
    authorizers,
    tags: isRecord(decl.tags) ? (decl.tags as Record<string, string>) : {},
    extensions: {},
  }
  if (typeof decl.description === 'string') api.description = decl.description
  if (typeof decl.disableSchemaValidation === 'boolean') api.disableSchemaValidation = decl.disableSchemaValidation
  return { api, problems, warnings }
}

function checkTemplates(templates: Record<string, string>, at: string, problem: (path: string, message: string) => void): void {
  for (const [key, source] of Object.entries(templates)) {
    if (typeof source !== 'string') continue
    try {
      compileTemplate(source)
    } catch (err) {
      problem(`${at}/${pointerSegment(key)}`, `the template does not compile: ${(err as Error).message}`)
    }
  }
}
