// The AWS::ApiGatewayV2::* resources of WebSocket APIs (`ProtocolType: WEBSOCKET`) as a `type: websocket`
// config declaration (docs/websocket.md, docs/templates.md): Api, Integration, IntegrationResponse, Route,
// RouteResponse, Authorizer, Stage; Deployment needs nothing (a stage serves its API's routes). Integrations
// and authorizers are keyed by their logical ids; Target (`integrations/{Ref}`) and AuthorizerId (`Ref`) are
// resolved to them.

import { isRecord, type ApiDecl, type StageDecl } from '../config/config-file.js'
import { addStageSettings } from './stage-settings.js'
import { at } from './intrinsics.js'
import { stringMap } from './sam-api.js'
import type { Stack } from './stack.js'

/** A WebSocket API being built from a template. */
export interface WsApiBuild {
  logicalId: string
  decl: ApiDecl & { integrations: Record<string, Record<string, unknown>>; authorizers: Record<string, Record<string, unknown>>; routes: Array<Record<string, unknown>>; stages: Record<string, StageDecl> }
  /** The JSON pointer of the resource's Properties. */
  path: string
}

const builds = new WeakMap<Stack, Map<string, WsApiBuild>>()

/** The WebSocket APIs of a stack, by logical id. */
export function webSocketApis(stack: Stack): Map<string, WsApiBuild> {
  let m = builds.get(stack)
  if (m === undefined) builds.set(stack, (m = new Map()))
  return m
}

/** Declares an AWS::ApiGatewayV2::Api with ProtocolType WEBSOCKET. */
export function declareWebSocketApi(stack: Stack, logicalId: string): void {
  const p = (k: string): unknown => stack.prop(logicalId, k)
  const path = at('/Resources', logicalId, 'Properties')
  const name = typeof p('Name') === 'string' ? (p('Name') as string) : logicalId
  const decl: WsApiBuild['decl'] = { name, id: stack.apiId(logicalId), type: 'websocket', integrations: {}, authorizers: {}, routes: [], stages: {} }
  if (typeof p('RouteSelectionExpression') === 'string') decl.routeSelectionExpression = p('RouteSelectionExpression') as string
  if (typeof p('ApiKeySelectionExpression') === 'string') decl.apiKeySelectionExpression = p('ApiKeySelectionExpression') as string
  if (typeof p('Description') === 'string') decl.description = p('Description') as string
  if (typeof p('DisableExecuteApiEndpoint') === 'boolean') decl.disableExecuteApiEndpoint = p('DisableExecuteApiEndpoint') as boolean
  if (typeof p('DisableSchemaValidation') === 'boolean') decl.disableSchemaValidation = p('DisableSchemaValidation') as boolean
  if (isRecord(p('Tags'))) decl.tags = stringMap(p('Tags') as Record<string, unknown>)
  if (p('Body') !== undefined || p('BodyS3Location') !== undefined) stack.problem(at(path, 'Body'), 'WebSocket APIs are declared with AWS::ApiGatewayV2::Route and Integration resources, not an OpenAPI Body')
  webSocketApis(stack).set(logicalId, { logicalId, decl, path })
}

/** The WebSocket API a resource's ApiId names, if any. */
export function webSocketApiOf(stack: Stack, logicalId: string): WsApiBuild | undefined {
  const target = stack.logicalIdOf(stack.prop(logicalId, 'ApiId'))
  return target === undefined ? undefined : webSocketApis(stack).get(target)
}

const copy = (stack: Stack, id: string, into: Record<string, unknown>, fields: Record<string, string>): void => {
  for (const [cfn, name] of Object.entries(fields)) {
    const v = stack.prop(id, cfn)
    if (v !== undefined) into[name] = v
  }
}

/** Translates the resources of WebSocket APIs; returns the logical ids it took (the HTTP translator skips them). */
export function translateWebSocketResources(stack: Stack, ids: string[], typeOf: (id: string) => string): Set<string> {
  const taken = new Set<string>()
  const of = (type: string): Array<[string, WsApiBuild]> => {
    const out: Array<[string, WsApiBuild]> = []
    for (const id of ids) {
      if (typeOf(id) !== type) continue
      const api = webSocketApiOf(stack, id)
      if (api === undefined) continue
      taken.add(id)
      out.push([id, api])
    }
    return out
  }
  const integrationIds = new Map<string, string>()
  for (const [id, api] of of('AWS::ApiGatewayV2::Integration')) {
    const i: Record<string, unknown> = {}
    copy(stack, id, i, {
      IntegrationType: 'integrationType',
      IntegrationUri: 'integrationUri',
      IntegrationMethod: 'integrationMethod',
      TimeoutInMillis: 'timeoutInMillis',
      Description: 'description',
      ContentHandlingStrategy: 'contentHandlingStrategy',
      PassthroughBehavior: 'passthroughBehavior',
      CredentialsArn: 'credentialsArn',
      RequestParameters: 'requestParameters',
      RequestTemplates: 'requestTemplates',
      TemplateSelectionExpression: 'templateSelectionExpression',
    })
    if (typeof i.timeoutInMillis === 'string') i.timeoutInMillis = Number(i.timeoutInMillis)
    const key = id.slice(0, 64)
    api.decl.integrations[key] = i
    integrationIds.set(stack.opaqueId(id), key)
  }
  for (const [id] of of('AWS::ApiGatewayV2::IntegrationResponse')) {
    const api = webSocketApiOf(stack, id)!
    const key = integrationIds.get(String(stack.prop(id, 'IntegrationId')))
    if (key === undefined || api.decl.integrations[key] === undefined) {
      stack.problem(at('/Resources', id, 'Properties', 'IntegrationId'), 'names no AWS::ApiGatewayV2::Integration of this WebSocket API')
      continue
    }
    const r: Record<string, unknown> = {}
    copy(stack, id, r, { IntegrationResponseKey: 'integrationResponseKey', ResponseTemplates: 'responseTemplates', TemplateSelectionExpression: 'templateSelectionExpression', ContentHandlingStrategy: 'contentHandlingStrategy', ResponseParameters: 'responseParameters' })
    const list = ((api.decl.integrations[key]!.integrationResponses as unknown[] | undefined) ??= [])
    list.push(r)
  }
  const authorizerIds = new Map<string, string>()
  for (const [id, api] of of('AWS::ApiGatewayV2::Authorizer')) {
    const a: Record<string, unknown> = {}
    copy(stack, id, a, { Name: 'name', AuthorizerType: 'authorizerType', AuthorizerUri: 'authorizerUri', IdentitySource: 'identitySource', AuthorizerCredentialsArn: 'authorizerCredentialsArn' })
    const key = id.slice(0, 64)
    api.decl.authorizers[key] = a
    authorizerIds.set(stack.opaqueId(id), key)
  }
  const routes = new Map<string, Record<string, unknown>>()
  for (const [id, api] of of('AWS::ApiGatewayV2::Route')) {
    const base = at('/Resources', id, 'Properties')
    const r: Record<string, unknown> = {}
    copy(stack, id, r, { RouteKey: 'routeKey', AuthorizationType: 'authorizationType', ApiKeyRequired: 'apiKeyRequired', OperationName: 'operationName', RouteResponseSelectionExpression: 'routeResponseSelectionExpression', ModelSelectionExpression: 'modelSelectionExpression', RequestModels: 'requestModels', RequestParameters: 'requestParameters' })
    const target = stack.prop(id, 'Target')
    if (target !== undefined) {
      const key = typeof target === 'string' ? integrationIds.get(target.replace(/^integrations\//, '')) : undefined
      if (key === undefined) stack.problem(at(base, 'Target'), 'Target is integrations/ followed by the Ref of an AWS::ApiGatewayV2::Integration of this API')
      else r.target = `integrations/${key}`
    }
    const authorizerId = stack.prop(id, 'AuthorizerId')
    if (authorizerId !== undefined) {
      const key = authorizerIds.get(String(authorizerId))
      if (key === undefined) stack.problem(at(base, 'AuthorizerId'), 'names no AWS::ApiGatewayV2::Authorizer of this API')
      else r.authorizerId = key
    }
    if (typeof r.apiKeyRequired === 'string') r.apiKeyRequired = r.apiKeyRequired === 'true'
    api.decl.routes.push(r)
    routes.set(stack.opaqueId(id), r)
  }
  for (const [id] of of('AWS::ApiGatewayV2::RouteResponse')) {
    const route = routes.get(String(stack.prop(id, 'RouteId')))
    if (route === undefined) {
      stack.problem(at('/Resources', id, 'Properties', 'RouteId'), 'names no AWS::ApiGatewayV2::Route of this WebSocket API')
      continue
    }
    const rr: Record<string, unknown> = {}
    copy(stack, id, rr, { RouteResponseKey: 'routeResponseKey', ModelSelectionExpression: 'modelSelectionExpression', ResponseModels: 'responseModels' })
    ;((route.routeResponses as unknown[] | undefined) ??= []).push(rr)
  }
  for (const [id, api] of of('AWS::ApiGatewayV2::Stage')) {
    const name = stack.prop(id, 'StageName')
    if (typeof name !== 'string') continue
    const variables = stack.prop(id, 'StageVariables')
    const stage: StageDecl = isRecord(variables) ? { variables: stringMap(variables) } : {}
    const settings = (v: unknown): Record<string, number> | undefined => {
      if (!isRecord(v)) return undefined
      const out: Record<string, number> = {}
      if (v.ThrottlingRateLimit !== undefined) out.throttlingRateLimit = Number(v.ThrottlingRateLimit)
      if (v.ThrottlingBurstLimit !== undefined) out.throttlingBurstLimit = Number(v.ThrottlingBurstLimit)
      return Object.keys(out).length > 0 ? out : undefined
    }
    const d = settings(stack.prop(id, 'DefaultRouteSettings'))
    if (d !== undefined) (stage as Record<string, unknown>).defaultRouteSettings = d
    const rs = stack.prop(id, 'RouteSettings')
    if (isRecord(rs)) {
      const per: Record<string, Record<string, number>> = {}
      for (const [k, v] of Object.entries(rs)) {
        const s = settings(v)
        if (s !== undefined) per[k] = s
      }
      if (Object.keys(per).length > 0) (stage as Record<string, unknown>).routeSettings = per
    }
    addStageSettings(stack, stage, { AccessLogSettings: stack.prop(id, 'AccessLogSettings') }, at('/Resources', id, 'Properties'), { accessLog: 'AccessLogSettings' })
    api.decl.stages[name] = stage
  }
  // A deployment only snapshots the API: the stage that names it serves the routes declared here.
  for (const _ of of('AWS::ApiGatewayV2::Deployment')) void _
  return taken
}
