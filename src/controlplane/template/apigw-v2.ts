// The plain AWS::ApiGatewayV2::* resources of HTTP APIs as an OpenAPI document per Api: Api (Body, or quick create
// with Target), Integration, Route, Authorizer and Stage. WebSocket APIs are translated by apigw-websocket.ts.

import { isRecord, type StageDecl } from '../config/config-file.js'
import { addStageSettings } from './stage-settings.js'
import { at } from './intrinsics.js'
import { addOperation, addSigv4Scheme, lambdaProxy, newDoc, requireSecurity, securitySchemes, SIGV4_SCHEME, type Doc } from './openapi-build.js'
import { httpCors, stringMap } from './sam-api.js'
import type { ApiBuild, Stack } from './stack.js'
import { declareWebSocketApi, translateWebSocketResources } from './apigw-websocket.js'

/** Declares an AWS::ApiGatewayV2::Api; a WebSocket API goes to its own translator (apigw-websocket.ts). */
export function declareHttpApi(stack: Stack, logicalId: string): boolean {
  const p = (k: string): unknown => stack.prop(logicalId, k)
  if (p('ProtocolType') === 'WEBSOCKET') {
    declareWebSocketApi(stack, logicalId)
    return false
  }
  const base = at('/Resources', logicalId, 'Properties')
  if (p('BodyS3Location') !== undefined) stack.problem(at(base, 'BodyS3Location'), 'BodyS3Location names an S3 object; Gatehouse reads Body (inline, or an AWS::Include of a local file)')
  const body = p('Body')
  const name = typeof p('Name') === 'string' ? (p('Name') as string) : logicalId
  const doc = isRecord(body) ? body : newDoc(name)
  const build: ApiBuild = { logicalId, id: stack.apiId(logicalId), kind: 'http', name, doc, stages: {}, extra: {}, path: base }
  if (isRecord(body)) build.docPath = at(base, 'Body')
  const cors = httpCors(p('CorsConfiguration'))
  if (cors !== undefined) doc['x-amazon-apigateway-cors'] = cors
  const target = p('Target')
  if (typeof target === 'string') {
    // Quick create: one route (RouteKey, default $default) to the target, and the auto-deployed $default stage.
    const routeKey = typeof p('RouteKey') === 'string' ? (p('RouteKey') as string) : '$default'
    addRoute(doc, routeKey, { responses: {}, 'x-amazon-apigateway-integration': lambdaProxy(target, 'http') })
    build.stages.$default = {}
  }
  stack.apis.set(logicalId, build)
  return true
}

function addRoute(doc: Doc, routeKey: string, op: Doc): boolean {
  if (routeKey === '$default') return addOperation(doc, '/$default', 'any', { ...op, isDefaultRoute: true })
  const m = /^(\S+)\s+(\/\S*)$/.exec(routeKey)
  return m !== null && addOperation(doc, m[2]!, m[1]!, op)
}

function apiOf(stack: Stack, logicalId: string): ApiBuild | undefined {
  const target = stack.logicalIdOf(stack.prop(logicalId, 'ApiId'))
  const api = target === undefined ? undefined : stack.apis.get(target)
  if (api === undefined || api.kind !== 'http') stack.problem(at('/Resources', logicalId, 'Properties', 'ApiId'), 'names no HTTP API of this template')
  return api?.kind === 'http' ? api : undefined
}

export function translateHttpResources(stack: Stack, all: string[], typeOf: (id: string) => string): void {
  // The resources of WebSocket APIs are translated to their declaration; the rest are HTTP APIs'.
  const taken = translateWebSocketResources(stack, all, typeOf)
  const ids = all.filter((id) => !taken.has(id))
  const of = (type: string): string[] => ids.filter((id) => typeOf(id) === type)
  const integrations = new Map<string, Doc>()
  for (const id of of('AWS::ApiGatewayV2::Integration')) {
    const p = (k: string): unknown => stack.prop(id, k)
    const i: Doc = { type: String(p('IntegrationType') ?? '').toLowerCase() }
    if (p('IntegrationUri') !== undefined) i.uri = p('IntegrationUri')
    i.httpMethod = typeof p('IntegrationMethod') === 'string' ? p('IntegrationMethod') : 'POST'
    i.payloadFormatVersion = typeof p('PayloadFormatVersion') === 'string' ? p('PayloadFormatVersion') : '2.0'
    if (p('TimeoutInMillis') !== undefined) i.timeoutInMillis = Number(p('TimeoutInMillis'))
    if (isRecord(p('RequestParameters'))) i.requestParameters = p('RequestParameters')
    if (p('ConnectionType') !== undefined) i.connectionType = p('ConnectionType')
    integrations.set(stack.opaqueId(id), i)
  }
  const authorizers = new Map<string, string>()
  for (const id of of('AWS::ApiGatewayV2::Authorizer')) {
    const api = apiOf(stack, id)
    if (api === undefined) continue
    const p = (k: string): unknown => stack.prop(id, k)
    const name = typeof p('Name') === 'string' ? (p('Name') as string) : id
    const sources = Array.isArray(p('IdentitySource')) ? (p('IdentitySource') as unknown[]).map(String) : []
    let scheme: Doc
    if (p('AuthorizerType') === 'JWT') {
      const jwt = isRecord(p('JwtConfiguration')) ? (p('JwtConfiguration') as Record<string, unknown>) : {}
      scheme = {
        type: 'oauth2',
        flows: {},
        'x-amazon-apigateway-authorizer': {
          type: 'jwt',
          identitySource: sources.join(',') || '$request.header.Authorization',
          jwtConfiguration: { ...(typeof jwt.Issuer === 'string' ? { issuer: jwt.Issuer } : {}), ...(Array.isArray(jwt.Audience) ? { audience: jwt.Audience.map(String) } : {}) },
        },
      }
    } else {
      const a: Doc = { type: 'request', authorizerUri: p('AuthorizerUri'), authorizerPayloadFormatVersion: String(p('AuthorizerPayloadFormatVersion') ?? '2.0') }
      if (sources.length > 0) a.identitySource = sources.join(',')
      if (p('EnableSimpleResponses') === true) a.enableSimpleResponses = true
      a.authorizerResultTtlInSeconds = Number(p('AuthorizerResultTtlInSeconds') ?? 0)
      scheme = { type: 'apiKey', name: 'Authorization', in: 'header', 'x-amazon-apigateway-authorizer': a }
    }
    securitySchemes(api.doc)[name] = scheme
    authorizers.set(stack.opaqueId(id), name)
  }
  for (const id of of('AWS::ApiGatewayV2::Route')) {
    const api = apiOf(stack, id)
    const base = at('/Resources', id, 'Properties')
    const routeKey = stack.prop(id, 'RouteKey')
    if (api === undefined || typeof routeKey !== 'string') continue
    const target = stack.prop(id, 'Target')
    const integration = typeof target === 'string' ? integrations.get(target.replace(/^integrations\//, '')) : undefined
    if (integration === undefined) {
      stack.problem(at(base, 'Target'), 'Target is integrations/ followed by the Ref of an AWS::ApiGatewayV2::Integration of this template')
      continue
    }
    const op: Doc = { responses: {}, 'x-amazon-apigateway-integration': integration }
    const authType = stack.prop(id, 'AuthorizationType')
    if (authType === 'AWS_IAM') {
      addSigv4Scheme(api.doc)
      requireSecurity(op, SIGV4_SCHEME)
    } else if (authType === 'JWT' || authType === 'CUSTOM') {
      const scheme = authorizers.get(String(stack.prop(id, 'AuthorizerId')))
      const scopes = stack.prop(id, 'AuthorizationScopes')
      if (scheme === undefined) stack.problem(at(base, 'AuthorizerId'), 'names no AWS::ApiGatewayV2::Authorizer of this API')
      else requireSecurity(op, scheme, Array.isArray(scopes) ? scopes.map(String) : [])
    }
    if (!addRoute(api.doc, routeKey, op)) stack.problem(at(base, 'RouteKey'), `"${routeKey}" is not a route key (METHOD /path or $default), or the API already has it`)
  }
  for (const id of of('AWS::ApiGatewayV2::Stage')) {
    const api = apiOf(stack, id)
    const name = stack.prop(id, 'StageName')
    if (api === undefined || typeof name !== 'string') continue
    const variables = stack.prop(id, 'StageVariables')
    const stage: StageDecl = isRecord(variables) ? { variables: stringMap(variables) } : {}
    addStageSettings(stack, stage, { AccessLogSettings: stack.prop(id, 'AccessLogSettings') }, at('/Resources', id, 'Properties'), { accessLog: 'AccessLogSettings' })
    api.stages[name] = stage
  }
}
