// The plain AWS::ApiGateway::* resources as an OpenAPI document per RestApi: RestApi (Body, or built from
// Resource and Method), Authorizer, Model, RequestValidator, GatewayResponse, Deployment and Stage, ApiKey,
// UsagePlan and UsagePlanKey.

import { isRecord, type StageDecl } from '../config/config-file.js'
import { at } from './intrinsics.js'
import { addApiKeyScheme, addOperation, addSigv4Scheme, API_KEY_SCHEME, newDoc, requireSecurity, securitySchemes, SIGV4_SCHEME, type Doc } from './openapi-build.js'
import { limits, methodSettings, stringMap } from './sam-api.js'
import type { ApiBuild, Stack } from './stack.js'
import { webSocketApis } from './apigw-websocket.js'
import { addStageSettings, canaryOf } from './stage-settings.js'

type Obj = Record<string, unknown>

export function declareRestApi(stack: Stack, logicalId: string): void {
  const base = at('/Resources', logicalId, 'Properties')
  const p = (k: string): unknown => stack.prop(logicalId, k)
  if (p('BodyS3Location') !== undefined) stack.problem(at(base, 'BodyS3Location'), 'BodyS3Location names an S3 object; Gatehouse reads Body (inline, or an AWS::Include of a local file)')
  const body = p('Body')
  const name = typeof p('Name') === 'string' ? (p('Name') as string) : isRecord(body) && isRecord(body.info) && typeof body.info.title === 'string' ? body.info.title : logicalId
  const doc = isRecord(body) ? body : newDoc(name)
  const build: ApiBuild = { logicalId, id: stack.apiId(logicalId), kind: 'rest', name, doc, stages: {}, extra: {}, path: base }
  if (isRecord(body)) build.docPath = at(base, 'Body')
  const endpoint = p('EndpointConfiguration')
  const type = isRecord(endpoint) && Array.isArray(endpoint.Types) ? endpoint.Types[0] : undefined
  if (type === 'EDGE' || type === 'REGIONAL' || type === 'PRIVATE') build.extra.endpointType = type
  const binary = p('BinaryMediaTypes')
  if (Array.isArray(binary)) doc['x-amazon-apigateway-binary-media-types'] = binary.map(String)
  if (p('ApiKeySourceType') === 'AUTHORIZER') doc['x-amazon-apigateway-api-key-source'] = 'AUTHORIZER'
  if (isRecord(p('Policy'))) build.extra.policy = p('Policy') as Obj
  stack.apis.set(logicalId, build)
}

/** The API a resource's RestApiId names, or a problem. */
function apiOf(stack: Stack, logicalId: string, key = 'RestApiId'): ApiBuild | undefined {
  const target = stack.logicalIdOf(stack.prop(logicalId, key))
  const api = target === undefined ? undefined : stack.apis.get(target)
  if (api === undefined) stack.problem(at('/Resources', logicalId, 'Properties', key), 'names no API of this template')
  return api
}

/** Everything that hangs off RestApis, in the order that lets each find what it refers to. */
export function translateRestResources(stack: Stack, ids: string[], typeOf: (id: string) => string): void {
  const of = (type: string): string[] => ids.filter((id) => typeOf(id) === type)
  const paths = resourcePaths(stack, of('AWS::ApiGateway::Resource'))
  const schemes = new Map<string, string>()
  for (const id of of('AWS::ApiGateway::Authorizer')) authorizer(stack, id, schemes)
  const validators = new Map<string, string>()
  for (const id of of('AWS::ApiGateway::RequestValidator')) validator(stack, id, validators)
  for (const id of of('AWS::ApiGateway::Model')) model(stack, id)
  for (const id of of('AWS::ApiGateway::GatewayResponse')) gatewayResponse(stack, id)
  for (const id of of('AWS::ApiGateway::Method')) method(stack, id, paths, schemes, validators)
  // A Deployment with DeploymentCanarySettings makes itself the canary of a stage that exists already.
  const canaryDeployments: Array<{ id: string; api: ApiBuild; name: unknown }> = []
  for (const id of of('AWS::ApiGateway::Deployment')) {
    const name = stack.prop(id, 'StageName')
    const api = apiOf(stack, id)
    if (api === undefined) continue
    if (stack.prop(id, 'DeploymentCanarySettings') !== undefined) canaryDeployments.push({ id, api, name })
    else if (typeof name === 'string') api.stages[name] ??= stageOf(stack, stack.prop(id, 'StageDescription'), at('/Resources', id, 'Properties', 'StageDescription'))
  }
  for (const id of of('AWS::ApiGateway::Stage')) {
    const api = apiOf(stack, id)
    const name = stack.prop(id, 'StageName')
    if (api === undefined || typeof name !== 'string') continue
    const props: Obj = {}
    for (const k of ['Variables', 'MethodSettings', 'CacheClusterEnabled', 'CacheClusterSize', 'TracingEnabled', 'Description', 'AccessLogSetting', 'CanarySetting']) props[k] = stack.prop(id, k)
    api.stages[name] = stageOf(stack, props, at('/Resources', id, 'Properties'))
  }
  for (const { id, api, name } of canaryDeployments) {
    const path = at('/Resources', id, 'Properties', 'DeploymentCanarySettings')
    if (typeof name !== 'string') {
      stack.problem(path, 'DeploymentCanarySettings needs StageName: the stage whose canary this deployment becomes')
      continue
    }
    const stage = api.stages[name]
    if (stage === undefined) {
      stack.problem(at('/Resources', id, 'Properties', 'StageName'), `stage ${name} must already be created before making a canary release deployment (declare it with an AWS::ApiGateway::Stage or another Deployment's StageName)`)
      continue
    }
    const canary = canaryOf(stack, stack.prop(id, 'DeploymentCanarySettings'), path)
    if (canary !== undefined) stage.canarySettings = canary
  }
  for (const id of of('AWS::ApiGateway::ApiKey')) {
    const name = stack.prop(id, 'Name')
    const value = stack.prop(id, 'Value')
    const enabled = stack.prop(id, 'Enabled')
    // AWS::ApiGateway::ApiKey is disabled unless Enabled says otherwise.
    stack.apiKeys.push({ name: typeof name === 'string' ? name : keyName(stack, id), enabled: enabled === true || enabled === 'true', ...(typeof value === 'string' ? { value } : {}) })
  }
  for (const id of of('AWS::ApiGateway::UsagePlan')) usagePlan(stack, id)
  for (const id of of('AWS::ApiGateway::UsagePlanKey')) {
    const keyId = stack.logicalIdOf(stack.prop(id, 'KeyId'))
    const planId = stack.logicalIdOf(stack.prop(id, 'UsagePlanId'))
    const key = keyId === undefined ? undefined : stack.apiKeys.find((k) => k.name === keyName(stack, keyId) || k.name === stack.prop(keyId, 'Name'))
    const plan = planId === undefined ? undefined : stack.usagePlans.find((p) => p.name === planName(stack, planId))
    if (key === undefined) stack.problem(at('/Resources', id, 'Properties', 'KeyId'), 'names no AWS::ApiGateway::ApiKey of this template')
    else if (plan === undefined) stack.problem(at('/Resources', id, 'Properties', 'UsagePlanId'), 'names no AWS::ApiGateway::UsagePlan of this template')
    else (plan.apiKeys ??= []).push(key.name)
  }
}

function keyName(stack: Stack, logicalId: string): string {
  const name = stack.prop(logicalId, 'Name')
  return typeof name === 'string' ? name : logicalId
}

function planName(stack: Stack, logicalId: string): string {
  const name = stack.prop(logicalId, 'UsagePlanName')
  return typeof name === 'string' ? name : logicalId
}

function usagePlan(stack: Stack, id: string): void {
  const apiStages: Array<{ api: string; stage: string; throttle?: Record<string, { burstLimit?: number; rateLimit?: number }> }> = []
  const raw = stack.prop(id, 'ApiStages')
  ;(Array.isArray(raw) ? raw : []).forEach((s, i) => {
    if (!isRecord(s)) return
    const apiLogical = stack.logicalIdOf(s.ApiId)
    // A REST API's stage, or a WebSocket API's (§10.6: WebSocket APIs take usage plans too).
    const apiId = apiLogical === undefined ? undefined : (stack.apis.get(apiLogical)?.id ?? webSocketApis(stack).get(apiLogical)?.decl.id)
    if (apiId === undefined || typeof s.Stage !== 'string') {
      stack.problem(at('/Resources', id, 'Properties', 'ApiStages', i), 'ApiId and Stage name an API of this template and its stage')
      return
    }
    const stage: (typeof apiStages)[number] = { api: apiId, stage: s.Stage }
    if (isRecord(s.Throttle)) {
      stage.throttle = {}
      for (const [k, t] of Object.entries(s.Throttle)) if (isRecord(t)) stage.throttle[k] = limits({ Throttle: t }).throttle ?? {}
    }
    apiStages.push(stage)
  })
  stack.usagePlans.push({ name: planName(stack, id), apiStages, apiKeys: [], ...limits({ Quota: stack.prop(id, 'Quota'), Throttle: stack.prop(id, 'Throttle') }) })
}

/** A REST stage's properties (AWS::ApiGateway::Stage, a Deployment's StageDescription) at `path`. */
export function stageOf(stack: Stack, props: unknown, path: string): StageDecl {
  const p = isRecord(props) ? props : {}
  const stage: StageDecl = {}
  addStageSettings(stack, stage, p, path, { canary: 'CanarySetting', accessLog: 'AccessLogSetting' })
  if (typeof p.Description === 'string') stage.description = p.Description
  if (isRecord(p.Variables)) stage.variables = stringMap(p.Variables)
  if (Array.isArray(p.MethodSettings)) stage.methodSettings = methodSettings(p.MethodSettings)
  if (p.CacheClusterEnabled === true || p.CacheClusterEnabled === 'true') stage.cacheClusterEnabled = true
  if (p.CacheClusterSize !== undefined) stage.cacheClusterSize = String(p.CacheClusterSize)
  if (p.TracingEnabled === true) stage.tracingEnabled = true
  return stage
}

/** The path of every AWS::ApiGateway::Resource, keyed by the id its Ref gives (and each API's root). */
function resourcePaths(stack: Stack, ids: string[]): Map<string, { api: string; path: string }> {
  const out = new Map<string, { api: string; path: string }>()
  for (const [logicalId] of stack.apis) out.set(stack.opaqueId(`${logicalId}/`, 10), { api: logicalId, path: '/' })
  const pending = new Map<string, { parent: unknown; part: string; api: string; logicalId: string }>()
  for (const id of ids) {
    const api = apiOf(stack, id)
    const part = stack.prop(id, 'PathPart')
    if (api === undefined || typeof part !== 'string') continue
    pending.set(stack.opaqueId(id), { parent: stack.prop(id, 'ParentId'), part, api: api.logicalId, logicalId: id })
  }
  // Parents before children: repeat until nothing more resolves.
  for (let progress = true; progress && pending.size > 0; ) {
    progress = false
    for (const [ref, r] of pending) {
      const parent = typeof r.parent === 'string' ? out.get(r.parent) : undefined
      if (parent === undefined) continue
      out.set(ref, { api: r.api, path: `${parent.path === '/' ? '' : parent.path}/${r.part}` })
      pending.delete(ref)
      progress = true
    }
  }
  for (const r of pending.values()) stack.problem(at('/Resources', r.logicalId, 'Properties', 'ParentId'), 'names no resource (or root resource) of this API')
  return out
}

function authorizer(stack: Stack, id: string, schemes: Map<string, string>): void {
  const api = apiOf(stack, id)
  if (api === undefined) return
  const p = (k: string): unknown => stack.prop(id, k)
  const name = typeof p('Name') === 'string' ? (p('Name') as string) : id
  const type = String(p('Type') ?? '').toUpperCase()
  const source = typeof p('IdentitySource') === 'string' ? (p('IdentitySource') as string) : undefined
  const header = source !== undefined && /^method\.request\.header\.([^,\s]+)$/.exec(source)?.[1]
  const authorizer: Doc = { type: type === 'COGNITO_USER_POOLS' ? 'cognito_user_pools' : type.toLowerCase() }
  if (source !== undefined) authorizer.identitySource = source
  if (typeof p('AuthorizerUri') === 'string') authorizer.authorizerUri = p('AuthorizerUri')
  if (Array.isArray(p('ProviderARNs'))) authorizer.providerARNs = p('ProviderARNs')
  if (p('AuthorizerResultTtlInSeconds') !== undefined) authorizer.authorizerResultTtlInSeconds = Number(p('AuthorizerResultTtlInSeconds'))
  if (typeof p('IdentityValidationExpression') === 'string') authorizer.identityValidationExpression = p('IdentityValidationExpression')
  const authType = type === 'COGNITO_USER_POOLS' ? 'cognito_user_pools' : 'custom'
  securitySchemes(api.doc)[name] = { type: 'apiKey', name: header || 'Unused', in: 'header', 'x-amazon-apigateway-authtype': authType, 'x-amazon-apigateway-authorizer': authorizer }
  schemes.set(stack.opaqueId(id), name)
}

function validator(stack: Stack, id: string, validators: Map<string, string>): void {
  const api = apiOf(stack, id)
  if (api === undefined) return
  const name = typeof stack.prop(id, 'Name') === 'string' ? (stack.prop(id, 'Name') as string) : id
  const all = isRecord(api.doc['x-amazon-apigateway-request-validators']) ? (api.doc['x-amazon-apigateway-request-validators'] as Obj) : {}
  all[name] = { validateRequestBody: stack.prop(id, 'ValidateRequestBody') === true, validateRequestParameters: stack.prop(id, 'ValidateRequestParameters') === true }
  api.doc['x-amazon-apigateway-request-validators'] = all
  validators.set(stack.opaqueId(id), name)
}

function model(stack: Stack, id: string): void {
  const api = apiOf(stack, id)
  const name = stack.prop(id, 'Name')
  if (api === undefined) return
  const modelName = typeof name === 'string' ? name : id
  const schema = stack.prop(id, 'Schema')
  const parsed = typeof schema === 'string' ? safeJson(schema) : schema
  const components = isRecord(api.doc.components) ? api.doc.components : (api.doc.components = {})
  const schemas = isRecord(components.schemas) ? components.schemas : (components.schemas = {})
  ;(schemas as Obj)[modelName] = isRecord(parsed) ? parsed : {}
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

function gatewayResponse(stack: Stack, id: string): void {
  const api = apiOf(stack, id)
  const type = stack.prop(id, 'ResponseType')
  if (api === undefined || typeof type !== 'string') return
  const responses = isRecord(api.doc['x-amazon-apigateway-gateway-responses']) ? (api.doc['x-amazon-apigateway-gateway-responses'] as Obj) : {}
  const r: Doc = {}
  if (stack.prop(id, 'StatusCode') !== undefined) r.statusCode = String(stack.prop(id, 'StatusCode'))
  if (isRecord(stack.prop(id, 'ResponseParameters'))) r.responseParameters = stack.prop(id, 'ResponseParameters')
  if (isRecord(stack.prop(id, 'ResponseTemplates'))) r.responseTemplates = stack.prop(id, 'ResponseTemplates')
  responses[type] = r
  api.doc['x-amazon-apigateway-gateway-responses'] = responses
}

const LOWER = (v: unknown): unknown => (typeof v === 'string' ? v.toLowerCase() : v)

function method(stack: Stack, id: string, paths: Map<string, { api: string; path: string }>, schemes: Map<string, string>, validators: Map<string, string>): void {
  const base = at('/Resources', id, 'Properties')
  const p = (k: string): unknown => stack.prop(id, k)
  const api = apiOf(stack, id)
  if (api === undefined) return
  const resourceId = p('ResourceId')
  const resource = typeof resourceId === 'string' ? paths.get(resourceId) : undefined
  if (resource === undefined) {
    stack.problem(at(base, 'ResourceId'), 'names no AWS::ApiGateway::Resource (or root resource) of this API')
    return
  }
  const httpMethod = p('HttpMethod')
  if (typeof httpMethod !== 'string') {
    stack.problem(at(base, 'HttpMethod'), 'HttpMethod is GET, POST … or ANY')
    return
  }
  const op: Doc = { responses: {} }
  if (typeof p('OperationName') === 'string') op.operationId = p('OperationName')
  const integration = p('Integration')
  if (isRecord(integration)) op['x-amazon-apigateway-integration'] = integrationOf(integration)
  const methodResponses = p('MethodResponses')
  for (const mr of Array.isArray(methodResponses) ? methodResponses : []) {
    if (!isRecord(mr) || mr.StatusCode === undefined) continue
    const response: Doc = { description: `${String(mr.StatusCode)} response` }
    const headers: Obj = {}
    if (isRecord(mr.ResponseParameters)) {
      for (const k of Object.keys(mr.ResponseParameters)) {
        const m = /^method\.response\.header\.(.+)$/.exec(k)
        if (m) headers[m[1]!] = { schema: { type: 'string' } }
      }
    }
    if (Object.keys(headers).length > 0) response.headers = headers
    if (isRecord(mr.ResponseModels)) response.content = modelContent(mr.ResponseModels)
    ;(op.responses as Obj)[String(mr.StatusCode)] = response
  }
  const parameters = p('RequestParameters')
  if (isRecord(parameters)) {
    op.parameters = Object.entries(parameters).flatMap(([k, required]) => {
      const m = /^method\.request\.(header|querystring|path)\.(.+)$/.exec(k)
      return m ? [{ name: m[2], in: m[1] === 'querystring' ? 'query' : m[1], required: required === true || required === 'true', schema: { type: 'string' } }] : []
    })
  }
  const models = p('RequestModels')
  if (isRecord(models)) op.requestBody = { content: modelContent(models) }
  const validatorId = p('RequestValidatorId')
  if (typeof validatorId === 'string' && validators.has(validatorId)) op['x-amazon-apigateway-request-validator'] = validators.get(validatorId)
  const authType = p('AuthorizationType')
  if (authType === 'AWS_IAM') {
    addSigv4Scheme(api.doc)
    requireSecurity(op, SIGV4_SCHEME)
  } else if (authType === 'CUSTOM' || authType === 'COGNITO_USER_POOLS') {
    const scheme = schemes.get(String(p('AuthorizerId')))
    const scopes = p('AuthorizationScopes')
    if (scheme === undefined) stack.problem(at(base, 'AuthorizerId'), 'names no AWS::ApiGateway::Authorizer of this API')
    else requireSecurity(op, scheme, Array.isArray(scopes) ? scopes.map(String) : [])
  }
  if (p('ApiKeyRequired') === true || p('ApiKeyRequired') === 'true') {
    addApiKeyScheme(api.doc)
    requireSecurity(op, API_KEY_SCHEME)
  }
  if (!addOperation(api.doc, resource.path, httpMethod, op)) stack.problem(at(base, 'HttpMethod'), `${resource.path} already has a ${httpMethod} method`)
}

function modelContent(models: Obj): Obj {
  const content: Obj = {}
  for (const [type, name] of Object.entries(models)) content[type] = { schema: name === 'Empty' || name === 'Error' ? { type: 'object' } : { $ref: `#/components/schemas/${String(name)}` } }
  return content
}

/** AWS::ApiGateway::Method's Integration as x-amazon-apigateway-integration. */
function integrationOf(i: Obj): Doc {
  const out: Doc = {}
  const map: Array<[string, string, (v: unknown) => unknown]> = [
    ['Type', 'type', LOWER], ['IntegrationHttpMethod', 'httpMethod', (v) => v], ['Uri', 'uri', (v) => v],
    ['RequestTemplates', 'requestTemplates', (v) => v], ['RequestParameters', 'requestParameters', (v) => v],
    ['PassthroughBehavior', 'passthroughBehavior', LOWER], ['ContentHandling', 'contentHandling', (v) => v],
    ['TimeoutInMillis', 'timeoutInMillis', Number], ['CacheKeyParameters', 'cacheKeyParameters', (v) => v],
    ['CacheNamespace', 'cacheNamespace', (v) => v], ['ConnectionType', 'connectionType', (v) => v],
    ['ConnectionId', 'connectionId', (v) => v], ['Credentials', 'credentials', (v) => v],
  ]
  for (const [from, to, f] of map) if (i[from] !== undefined) out[to] = f(i[from])
  const responses: Obj = {}
  for (const r of Array.isArray(i.IntegrationResponses) ? i.IntegrationResponses : []) {
    if (!isRecord(r)) continue
    const response: Doc = { statusCode: String(r.StatusCode) }
    if (isRecord(r.ResponseParameters)) response.responseParameters = r.ResponseParameters
    if (isRecord(r.ResponseTemplates)) response.responseTemplates = r.ResponseTemplates
    if (typeof r.ContentHandling === 'string') response.contentHandling = r.ContentHandling
    responses[typeof r.SelectionPattern === 'string' && r.SelectionPattern !== '' ? r.SelectionPattern : 'default'] = response
  }
  if (Object.keys(responses).length > 0) out.responses = responses
  return out
}
