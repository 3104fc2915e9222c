// SAM's APIs: AWS::Serverless::Api and AWS::Serverless::HttpApi (DefinitionBody/DefinitionUri, stage, variables,
// method/route settings, CORS, Auth, usage plans), the implicit ServerlessRestApi/ServerlessHttpApi, and the Api and
// HttpApi events of functions that add Lambda proxy routes to them — as SAM's translator generates them.

import { isRecord, type StageDecl } from '../config/config-file.js'
import type { MethodSetting, RouteSettings } from '../../model/types.js'
import { at } from './intrinsics.js'
import {
  addApiKeyScheme, addCorsPreflight, addOperation, addSigv4Scheme, API_KEY_SCHEME, forEachOperation, lambdaProxy,
  newDoc, requireSecurity, securitySchemes, SIGV4_SCHEME, type Doc, type RestCors,
} from './openapi-build.js'
import { IMPLICIT_HTTP_API, IMPLICIT_REST_API, type ApiBuild, type Stack } from './stack.js'
import { authorizerUri, restAuthorizerScheme } from './authorizers.js'
import { addStageSettings } from './stage-settings.js'
import { samDomain } from './domains.js'

type Obj = Record<string, unknown>

/** A SAM API resource (or implicit API) with its evaluated properties, kept for the finishing pass. */
interface SamApi {
  build: ApiBuild
  props: Obj
  /** Where the properties live: the resource, or Globals for an implicit API. */
  base: string
  /** Set when the document came from DefinitionBody/DefinitionUri: events then add only what it lacks. */
  explicit: boolean
}

const samApis = new WeakMap<Stack, Map<string, SamApi>>()

function registry(stack: Stack): Map<string, SamApi> {
  let m = samApis.get(stack)
  if (m === undefined) samApis.set(stack, (m = new Map()))
  return m
}

/** AWS::Serverless::Api / HttpApi: the build of the API, its document from DefinitionBody or DefinitionUri. */
export function declareSamApi(stack: Stack, logicalId: string, kind: 'rest' | 'http'): void {
  const base = at('/Resources', logicalId, 'Properties')
  const r = stack.resources[logicalId]!
  const props: Obj = {}
  for (const key of Object.keys(r.Properties)) {
    // DefinitionBody is evaluated as a whole below; the rest property by property.
    if (key !== 'DefinitionBody' && key !== 'DefinitionUri') props[key] = stack.prop(logicalId, key)
  }
  let doc: Doc | undefined
  if (r.Properties.DefinitionBody !== undefined) {
    const body = stack.ev.evaluate(r.Properties.DefinitionBody, at(base, 'DefinitionBody'))
    if (isRecord(body)) doc = body
    else stack.problem(at(base, 'DefinitionBody'), 'DefinitionBody is an OpenAPI document (a mapping)')
  } else if (r.Properties.DefinitionUri !== undefined) {
    const uri = r.Properties.DefinitionUri
    const read = typeof uri === 'string' ? stack.definitions.get(uri) : undefined
    if (isRecord(read)) doc = read
    else if (typeof uri !== 'string') stack.problem(at(base, 'DefinitionUri'), 'DefinitionUri names an S3 object; Gatehouse reads local files only (a path relative to the template)')
  }
  // Without a Name, API Gateway takes the document's info.title (SAM sets none).
  const title = doc !== undefined && isRecord(doc.info) && typeof doc.info.title === 'string' ? doc.info.title : undefined
  const name = typeof props.Name === 'string' ? props.Name : title ?? logicalId
  const build = newBuild(stack, logicalId, kind, name, doc ?? newDoc(name), base)
  if (doc !== undefined && r.Properties.DefinitionBody !== undefined) build.docPath = at(base, 'DefinitionBody')
  registry(stack).set(logicalId, { build, props, base, explicit: doc !== undefined })
}

function newBuild(stack: Stack, logicalId: string, kind: 'rest' | 'http', name: string, doc: Doc, path: string): ApiBuild {
  const build: ApiBuild = { logicalId, id: stack.apiId(logicalId), kind, name, doc, stages: {}, extra: {}, path }
  stack.apis.set(logicalId, build)
  return build
}

/** The implicit API, made on first use, with the Globals Api/HttpApi properties SAM gives it. */
function implicitApi(stack: Stack, kind: 'rest' | 'http', globals: Obj, eventPath: string): SamApi {
  const logicalId = kind === 'rest' ? IMPLICIT_REST_API : IMPLICIT_HTTP_API
  const known = registry(stack).get(logicalId)
  if (known !== undefined) return known
  const globalsKey = kind === 'rest' ? 'Api' : 'HttpApi'
  const raw = isRecord(globals[globalsKey]) ? (globals[globalsKey] as Obj) : {}
  const base = at('/Globals', globalsKey)
  const props = stack.ev.evaluate(raw, base) as Obj
  // The implicit APIs have no Name: AWS names them after the stack.
  const name = String(stack.ev.evaluate({ Ref: 'AWS::StackName' }, base))
  // Problems in the generated document point at the event that made the API.
  const api: SamApi = { build: newBuild(stack, logicalId, kind, name, newDoc(name), eventPath), props, base, explicit: false }
  registry(stack).set(logicalId, api)
  return api
}

/** The events of a served function: Api and HttpApi add routes; other event sources are listed as not served. */
export function addFunctionEvents(stack: Stack, fnLogicalId: string, globals: Obj): void {
  const events = stack.prop(fnLogicalId, 'Events')
  if (!isRecord(events)) return
  const fnArn = stack.functionArn(fnLogicalId)
  for (const [name, event] of Object.entries(events)) {
    const path = at('/Resources', fnLogicalId, 'Properties', 'Events', name)
    if (!isRecord(event) || !isRecord(event.Properties)) continue
    const type = event.Type
    if (type !== 'Api' && type !== 'HttpApi') {
      stack.warn(path, `event ${name} (${String(type)}) is not served: Gatehouse invokes functions from API Gateway events only`)
      continue
    }
    const kind = type === 'Api' ? 'rest' : 'http'
    const p = event.Properties
    const apiRef = kind === 'rest' ? p.RestApiId : p.ApiId
    let api: SamApi | undefined
    if (apiRef === undefined) api = implicitApi(stack, kind, globals, path)
    else {
      const target = stack.logicalIdOf(apiRef)
      api = target === undefined ? undefined : registry(stack).get(target)
      if (api === undefined) {
        stack.problem(at(path, 'Properties', kind === 'rest' ? 'RestApiId' : 'ApiId'), `names no AWS::Serverless::${kind === 'rest' ? 'Api' : 'HttpApi'} of this template`)
        continue
      }
    }
    if (typeof p.Path !== 'string' || typeof p.Method !== 'string') {
      if (kind === 'http' && p.Path === undefined && p.Method === undefined) {
        addOperation(api.build.doc, '/$default', 'any', { isDefaultRoute: true, responses: {}, 'x-amazon-apigateway-integration': lambdaProxy(stack.invocationUri(fnArn), 'http', stringOr(p.PayloadFormatVersion)) })
        continue
      }
      stack.problem(at(path, 'Properties'), 'an Api event needs Path and Method')
      continue
    }
    const op: Doc = { responses: {}, 'x-amazon-apigateway-integration': lambdaProxy(stack.invocationUri(fnArn), kind, stringOr(p.PayloadFormatVersion)) }
    if (kind === 'rest') {
      const parameters = requestParameters(p.RequestParameters)
      if (parameters.length > 0) op.parameters = parameters
    }
    if (isRecord(p.Auth)) op['x-gatehouse-sam-auth'] = p.Auth
    const added = addOperation(api.build.doc, p.Path, p.Method, op)
    if (!added && !api.explicit) stack.problem(at(path, 'Properties'), `${p.Method.toUpperCase()} ${p.Path} is already routed to another function`)
  }
}

function stringOr(v: unknown): string | undefined {
  return typeof v === 'string' ? v : typeof v === 'number' ? v.toFixed(1) : undefined
}

/** RequestParameters of an Api event: `method.request.header.X` (or `{ name: { Required } }`) as OpenAPI parameters. */
function requestParameters(raw: unknown): Doc[] {
  const out: Doc[] = []
  const list = Array.isArray(raw) ? raw : []
  for (const item of list) {
    const [name, opts] = typeof item === 'string' ? [item, {}] : isRecord(item) ? (Object.entries(item)[0] ?? ['', {}]) : ['', {}]
    const m = /^method\.request\.(header|querystring|path)\.(.+)$/.exec(name)
    if (m === null) continue
    const where = m[1] === 'querystring' ? 'query' : m[1]!
    out.push({ name: m[2], in: where, required: isRecord(opts) && opts.Required === true, schema: { type: 'string' } })
  }
  return out
}

/**
 * After every function's events are in: stage, Auth (authorizers, default authorizer, API keys), CORS, usage plans,
 * gateway responses and the rest of each SAM API's properties.
 */
export function finishSamApis(stack: Stack): void {
  for (const api of registry(stack).values()) {
    if (api.build.kind === 'rest') finishRest(stack, api)
    else finishHttp(stack, api)
    forEachOperation(api.build.doc, (op) => delete op['x-gatehouse-sam-auth'])
  }
}

function finishRest(stack: Stack, api: SamApi): void {
  const { build, props, base } = api
  const stageName = typeof props.StageName === 'string' ? props.StageName : 'Prod'
  const stage: StageDecl = {}
  if (isRecord(props.Variables)) stage.variables = stringMap(props.Variables)
  if (props.CacheClusterEnabled === true || props.CacheClusterEnabled === 'true') stage.cacheClusterEnabled = true
  if (props.CacheClusterSize !== undefined) stage.cacheClusterSize = String(props.CacheClusterSize)
  if (props.TracingEnabled === true) stage.tracingEnabled = true
  if (Array.isArray(props.MethodSettings)) stage.methodSettings = methodSettings(props.MethodSettings)
  addStageSettings(stack, stage, props, base, { canary: 'CanarySetting', accessLog: 'AccessLogSetting' })
  build.stages[stageName] = stage
  if (props.Domain !== undefined) samDomain(stack, build, props.Domain, at(base, 'Domain'), stageName)
  stack.generated.set(`${build.logicalId}${stageName.replace(/[^A-Za-z0-9]/g, '')}Stage`, { ref: () => stageName, getAtt: () => undefined })
  // SAM's `!Ref MyApi.Stage` names the generated stage too.
  stack.generated.set(`${build.logicalId}.Stage`, { ref: () => stageName, getAtt: () => undefined })
  if (Array.isArray(props.BinaryMediaTypes)) build.doc['x-amazon-apigateway-binary-media-types'] = props.BinaryMediaTypes.map((t) => String(t).replace(/~1/g, '/'))
  const endpoint = isRecord(props.EndpointConfiguration) ? props.EndpointConfiguration.Type : props.EndpointConfiguration
  if (endpoint === 'EDGE' || endpoint === 'REGIONAL' || endpoint === 'PRIVATE') build.extra.endpointType = endpoint
  if (isRecord(props.GatewayResponses)) build.doc['x-amazon-apigateway-gateway-responses'] = gatewayResponses(props.GatewayResponses)
  if (props.ApiKeySourceType === 'AUTHORIZER') build.doc['x-amazon-apigateway-api-key-source'] = 'AUTHORIZER'
  const auth = isRecord(props.Auth) ? props.Auth : {}
  restAuth(stack, api, auth)
  const cors = restCors(props.Cors)
  if (cors !== undefined) addCorsPreflight(build.doc, cors)
  if (isRecord(auth.UsagePlan)) usagePlan(stack, api, auth.UsagePlan, stageName, at(base, 'Auth', 'UsagePlan'))
}

function restAuth(stack: Stack, api: SamApi, auth: Obj): void {
  const doc = api.build.doc
  const authorizers = isRecord(auth.Authorizers) ? auth.Authorizers : {}
  for (const [name, a] of Object.entries(authorizers)) {
    const scheme = restAuthorizerScheme(stack, a, at(api.base, 'Auth', 'Authorizers', name))
    if (scheme !== undefined) securitySchemes(doc)[name] = scheme
  }
  const defaultAuthorizer = typeof auth.DefaultAuthorizer === 'string' ? auth.DefaultAuthorizer : undefined
  if (defaultAuthorizer !== undefined && defaultAuthorizer !== 'AWS_IAM' && !(defaultAuthorizer in authorizers)) {
    stack.problem(at(api.base, 'Auth', 'DefaultAuthorizer'), `names no authorizer under Auth.Authorizers (${Object.keys(authorizers).join(', ') || 'none'})`)
  }
  const preflightToo = auth.AddDefaultAuthorizerToCorsPreflight !== false
  forEachOperation(doc, (op, method) => {
    const eventAuth = isRecord(op['x-gatehouse-sam-auth']) ? op['x-gatehouse-sam-auth'] : {}
    const skip = method === 'options' && !preflightToo
    const chosen = typeof eventAuth.Authorizer === 'string' ? eventAuth.Authorizer : skip ? undefined : defaultAuthorizer
    const scopes = Array.isArray(eventAuth.AuthorizationScopes) ? eventAuth.AuthorizationScopes.map(String) : []
    if (chosen === 'AWS_IAM') {
      addSigv4Scheme(doc)
      requireSecurity(op, SIGV4_SCHEME)
    } else if (chosen !== undefined && chosen !== 'NONE' && chosen in authorizers) requireSecurity(op, chosen, scopes)
    const keyRequired = eventAuth.ApiKeyRequired !== undefined ? eventAuth.ApiKeyRequired === true : auth.ApiKeyRequired === true && !(method === 'options' && !preflightToo)
    if (keyRequired && method !== 'options') {
      addApiKeyScheme(doc)
      requireSecurity(op, API_KEY_SCHEME)
    }
  })
}

/** SAM's Cors: a quoted origin string, or AllowOrigin/AllowMethods/AllowHeaders/MaxAge/AllowCredentials. */
function restCors(raw: unknown): RestCors | undefined {
  if (typeof raw === 'string') return { allowOrigin: raw }
  if (!isRecord(raw) || typeof raw.AllowOrigin !== 'string') return undefined
  const cors: RestCors = { allowOrigin: raw.AllowOrigin }
  if (typeof raw.AllowMethods === 'string') cors.allowMethods = raw.AllowMethods
  if (typeof raw.AllowHeaders === 'string') cors.allowHeaders = raw.AllowHeaders
  if (raw.MaxAge !== undefined) cors.maxAge = String(raw.MaxAge)
  if (raw.AllowCredentials === true) cors.allowCredentials = true
  return cors
}

function usagePlan(stack: Stack, api: SamApi, plan: Obj, stageName: string, path: string): void {
  const create = plan.CreateUsagePlan
  if (create === 'NONE') return
  if (create !== 'PER_API' && create !== 'SHARED') {
    stack.problem(at(path, 'CreateUsagePlan'), 'CreateUsagePlan is PER_API, SHARED or NONE')
    return
  }
  const planName = create === 'SHARED' ? 'ServerlessUsagePlan' : `${api.build.logicalId}UsagePlan`
  const keyName = create === 'SHARED' ? 'ServerlessApiKey' : `${api.build.logicalId}ApiKey`
  if (!stack.apiKeys.some((k) => k.name === keyName)) stack.apiKeys.push({ name: keyName, enabled: true })
  const existing = stack.usagePlans.find((p) => p.name === planName)
  const apiStage = { api: api.build.id, stage: stageName }
  if (existing !== undefined) {
    existing.apiStages!.push(apiStage)
    return
  }
  stack.usagePlans.push({ name: planName, apiStages: [apiStage], apiKeys: [keyName], ...limits(plan) })
}

/** Quota and Throttle of a usage plan, SAM's and AWS::ApiGateway::UsagePlan's spelling alike. */
export function limits(plan: Obj): { quota?: { limit: number; offset?: number; period: 'DAY' | 'WEEK' | 'MONTH' }; throttle?: { burstLimit?: number; rateLimit?: number } } {
  const out: ReturnType<typeof limits> = {}
  const q = plan.Quota
  if (isRecord(q) && (q.Period === 'DAY' || q.Period === 'WEEK' || q.Period === 'MONTH')) {
    out.quota = { limit: Number(q.Limit), period: q.Period }
    if (q.Offset !== undefined) out.quota.offset = Number(q.Offset)
  }
  const t = plan.Throttle
  if (isRecord(t)) {
    out.throttle = {}
    if (t.BurstLimit !== undefined) out.throttle.burstLimit = Number(t.BurstLimit)
    if (t.RateLimit !== undefined) out.throttle.rateLimit = Number(t.RateLimit)
  }
  return out
}

export function stringMap(v: Obj): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, x] of Object.entries(v)) if (x !== undefined && typeof x !== 'object') out[k] = String(x)
  return out
}

/** MethodSettings (ResourcePath + HttpMethod) as the stage's `methodSettings` keys (`~1hello/GET`, `*\/*`). */
export function methodSettings(list: unknown[]): Record<string, MethodSetting> {
  const out: Record<string, MethodSetting> = {}
  const fields: Array<[string, keyof MethodSetting]> = [
    ['MetricsEnabled', 'metricsEnabled'], ['LoggingLevel', 'loggingLevel'], ['DataTraceEnabled', 'dataTraceEnabled'],
    ['ThrottlingBurstLimit', 'throttlingBurstLimit'], ['ThrottlingRateLimit', 'throttlingRateLimit'], ['CachingEnabled', 'cachingEnabled'],
    ['CacheTtlInSeconds', 'cacheTtlInSeconds'], ['CacheDataEncrypted', 'cacheDataEncrypted'],
    ['RequireAuthorizationForCacheControl', 'requireAuthorizationForCacheControl'], ['UnauthorizedCacheControlHeaderStrategy', 'unauthorizedCacheControlHeaderStrategy'],
  ]
  for (const m of list) {
    if (!isRecord(m)) continue
    const path = typeof m.ResourcePath === 'string' ? m.ResourcePath : '/*'
    const key = `${path === '/*' ? '*' : path.replace(/~/g, '~0').replace(/\//g, '~1')}/${typeof m.HttpMethod === 'string' ? m.HttpMethod.toUpperCase() : '*'}`
    const setting: Record<string, unknown> = {}
    for (const [from, to] of fields) {
      const v = m[from]
      if (v === undefined) continue
      setting[to] = typeof v === 'string' && /^(true|false)$/.test(v) ? v === 'true' : typeof v === 'string' && /^\d+(\.\d+)?$/.test(v) ? Number(v) : v
    }
    out[key] = setting as MethodSetting
  }
  return out
}

function gatewayResponses(raw: Obj): Doc {
  const out: Doc = {}
  for (const [type, r] of Object.entries(raw)) {
    if (!isRecord(r)) continue
    const response: Doc = {}
    if (r.StatusCode !== undefined) response.statusCode = String(r.StatusCode)
    const params: Record<string, string> = {}
    const rp = isRecord(r.ResponseParameters) ? r.ResponseParameters : {}
    for (const [section, prefix] of [['Headers', 'header'], ['Paths', 'path'], ['QueryStrings', 'querystring']] as const) {
      const m = rp[section]
      if (isRecord(m)) for (const [k, v] of Object.entries(m)) params[`gatewayresponse.${prefix}.${k}`] = String(v)
    }
    if (Object.keys(params).length > 0) response.responseParameters = params
    if (isRecord(r.ResponseTemplates)) response.responseTemplates = r.ResponseTemplates
    out[type] = response
  }
  return out
}

function finishHttp(stack: Stack, api: SamApi): void {
  const { build, props, base } = api
  const stageName = typeof props.StageName === 'string' ? props.StageName : '$default'
  const stage: StageDecl = {}
  if (isRecord(props.StageVariables)) stage.variables = stringMap(props.StageVariables)
  if (isRecord(props.DefaultRouteSettings)) stage.defaultRouteSettings = routeSettings(props.DefaultRouteSettings)
  if (isRecord(props.RouteSettings)) {
    stage.routeSettings = {}
    for (const [key, s] of Object.entries(props.RouteSettings)) if (isRecord(s)) stage.routeSettings[key] = routeSettings(s)
  }
  addStageSettings(stack, stage, props, base, { accessLog: 'AccessLogSettings' })
  build.stages[stageName] = stage
  if (props.Domain !== undefined) samDomain(stack, build, props.Domain, at(base, 'Domain'), stageName)
  stack.generated.set(`${build.logicalId}${stageName === '$default' ? 'Default' : stageName.replace(/[^A-Za-z0-9]/g, '')}Stage`, { ref: () => stageName, getAtt: () => undefined })
  // SAM's `!Ref MyApi.Stage` names the generated stage too.
  stack.generated.set(`${build.logicalId}.Stage`, { ref: () => stageName, getAtt: () => undefined })
  const cors = httpCors(props.CorsConfiguration)
  if (cors !== undefined) build.doc['x-amazon-apigateway-cors'] = cors
  const auth = isRecord(props.Auth) ? props.Auth : {}
  const authorizers = isRecord(auth.Authorizers) ? auth.Authorizers : {}
  for (const [name, a] of Object.entries(authorizers)) {
    const scheme = httpAuthorizerScheme(stack, a, at(base, 'Auth', 'Authorizers', name))
    if (scheme !== undefined) securitySchemes(build.doc)[name] = scheme
  }
  const defaultAuthorizer = typeof auth.DefaultAuthorizer === 'string' ? auth.DefaultAuthorizer : undefined
  if (defaultAuthorizer !== undefined && defaultAuthorizer !== 'AWS_IAM' && !(defaultAuthorizer in authorizers)) {
    stack.problem(at(base, 'Auth', 'DefaultAuthorizer'), `names no authorizer under Auth.Authorizers (${Object.keys(authorizers).join(', ') || 'none'})`)
  }
  forEachOperation(build.doc, (op) => {
    const eventAuth = isRecord(op['x-gatehouse-sam-auth']) ? op['x-gatehouse-sam-auth'] : {}
    const chosen = typeof eventAuth.Authorizer === 'string' ? eventAuth.Authorizer : defaultAuthorizer
    if (chosen === undefined || chosen === 'NONE') return
    if (chosen === 'AWS_IAM') {
      addSigv4Scheme(build.doc)
      requireSecurity(op, SIGV4_SCHEME)
      return
    }
    const a = authorizers[chosen]
    const scopes = Array.isArray(eventAuth.AuthorizationScopes) ? eventAuth.AuthorizationScopes : isRecord(a) && Array.isArray(a.AuthorizationScopes) ? a.AuthorizationScopes : []
    if (a !== undefined) requireSecurity(op, chosen, scopes.map(String))
  })
}

function routeSettings(s: Obj): RouteSettings {
  const out: RouteSettings = {}
  if (s.ThrottlingBurstLimit !== undefined) out.throttlingBurstLimit = Number(s.ThrottlingBurstLimit)
  if (s.ThrottlingRateLimit !== undefined) out.throttlingRateLimit = Number(s.ThrottlingRateLimit)
  if (s.DetailedMetricsEnabled !== undefined) out.detailedMetricsEnabled = s.DetailedMetricsEnabled === true
  if (s.LoggingLevel === 'OFF' || s.LoggingLevel === 'ERROR' || s.LoggingLevel === 'INFO') out.loggingLevel = s.LoggingLevel
  if (s.DataTraceEnabled !== undefined) out.dataTraceEnabled = s.DataTraceEnabled === true
  return out
}

/** CorsConfiguration: `true` (SAM: every origin, header and method) or the AWS::ApiGatewayV2::Api Cors shape. */
export function httpCors(raw: unknown): Doc | undefined {
  if (raw === true) return { allowOrigins: ['*'], allowHeaders: ['*'], allowMethods: ['*'] }
  if (!isRecord(raw)) return undefined
  const out: Doc = {}
  for (const [from, to] of [['AllowOrigins', 'allowOrigins'], ['AllowHeaders', 'allowHeaders'], ['AllowMethods', 'allowMethods'], ['ExposeHeaders', 'exposeHeaders']] as const) {
    if (Array.isArray(raw[from])) out[to] = (raw[from] as unknown[]).map(String)
  }
  if (raw.AllowCredentials !== undefined) out.allowCredentials = raw.AllowCredentials === true || raw.AllowCredentials === 'true'
  if (raw.MaxAge !== undefined) out.maxAge = Number(raw.MaxAge)
  return out
}

/** An HTTP API authorizer of SAM's Auth.Authorizers: JwtConfiguration → jwt, FunctionArn → a Lambda REQUEST authorizer. */
function httpAuthorizerScheme(stack: Stack, a: unknown, path: string): Doc | undefined {
  if (!isRecord(a)) return stack.problem(path, 'an authorizer is a mapping')
  if (isRecord(a.JwtConfiguration)) {
    const jwt = a.JwtConfiguration
    const issuer = jwt.issuer ?? jwt.Issuer
    const audience = jwt.audience ?? jwt.Audience
    return {
      type: 'oauth2',
      flows: {},
      'x-amazon-apigateway-authorizer': {
        type: 'jwt',
        identitySource: typeof a.IdentitySource === 'string' ? a.IdentitySource : '$request.header.Authorization',
        jwtConfiguration: { ...(typeof issuer === 'string' ? { issuer } : {}), ...(Array.isArray(audience) ? { audience: audience.map(String) } : {}) },
      },
    }
  }
  if (typeof a.FunctionArn === 'string') {
    const identity = isRecord(a.Identity) ? a.Identity : {}
    const sources = [
      ...(Array.isArray(identity.Headers) ? identity.Headers.map((h) => `$request.header.${String(h)}`) : []),
      ...(Array.isArray(identity.QueryStrings) ? identity.QueryStrings.map((q) => `$request.querystring.${String(q)}`) : []),
    ]
    const authorizer: Doc = {
      type: 'request',
      authorizerUri: authorizerUri(stack, a.FunctionArn),
      authorizerPayloadFormatVersion: typeof a.AuthorizerPayloadFormatVersion === 'string' ? a.AuthorizerPayloadFormatVersion : String(a.AuthorizerPayloadFormatVersion ?? '2.0'),
    }
    if (a.EnableSimpleResponses === true) authorizer.enableSimpleResponses = true
    if (sources.length > 0) authorizer.identitySource = sources.join(',')
    authorizer.authorizerResultTtlInSeconds = sources.length > 0 && identity.ReauthorizeEvery !== undefined ? Number(identity.ReauthorizeEvery) : 0
    return { type: 'apiKey', name: 'Authorization', in: 'header', 'x-amazon-apigateway-authorizer': authorizer }
  }
  return stack.problem(path, 'an HTTP API authorizer has JwtConfiguration (a JWT authorizer) or FunctionArn (a Lambda authorizer)')
}
