// apigatewayv2 routes and route responses (§3.2, §10.2): CreateRoute, GetRoute(s), UpdateRoute, DeleteRoute,
// DeleteRouteRequestParameter; route responses (WebSocket, stored and returned). Route keys, targets and
// authorizers are checked against the API.

import type { HttpApi, HttpAuthorizationType, Route, RouteResponseV2 } from '../../../model/types.js'
import { HTTP_METHODS } from '../../../model/types.js'
import type { HandlerContext } from '../context.js'
import { badRequest, conflict, readJsonObject, sendJson, sendNoContent } from '../http.js'
import { bool, changeHttpApi, pageV2, partNotFound, readHttpApi, requiredMap, str, stringMapOf, strings, unusedId } from './common.js'
import { routeJson, routeResponseJson } from './shapes.js'

const AUTH_TYPES: readonly HttpAuthorizationType[] = ['NONE', 'JWT', 'CUSTOM', 'AWS_IAM']
const PATH_SEGMENT = /^(?:[A-Za-z0-9._~:@!$&'()*+,;=-]+|\{[A-Za-z0-9._-]+\+?\})$/

/** Checks a route key: `$default`, or `METHOD /path` on HTTP APIs; any key on WebSocket APIs (`$connect`, `sendMessage`). */
export function checkRouteKey(api: HttpApi, key: string): void {
  if (key === '') throw badRequest('RouteKey is required')
  if (api.protocolType === 'WEBSOCKET' || key === '$default') return
  const m = /^([A-Z]+) (\/.*)$/.exec(key)
  const problem = `Invalid route key: ${key}. A route key is "$default" or "METHOD /path" with METHOD one of ${HTTP_METHODS.join(', ')}`
  if (!m || !(HTTP_METHODS as readonly string[]).includes(m[1]!)) throw badRequest(problem)
  const path = m[2]!
  if (path === '/') return
  const segments = path.slice(1).split('/')
  segments.forEach((seg, i) => {
    if (!PATH_SEGMENT.test(seg)) throw badRequest(`${problem}: the path segment '${seg}' is not valid`)
    if (seg.endsWith('+}') && i !== segments.length - 1) throw badRequest(`${problem}: a greedy path variable must be the last segment`)
  })
}

/** A route's target: `integrations/{id}` of an integration of the API. */
function checkTarget(api: HttpApi, target: string): void {
  const m = /^integrations\/(.+)$/.exec(target)
  if (!m || !api.integrations[m[1]!]) throw badRequest(`Invalid target specified: ${target}; a route targets integrations/{integrationId} of an integration of this API`)
}

function checkAuth(api: HttpApi, r: Route): void {
  if (!AUTH_TYPES.includes(r.authorizationType)) throw badRequest(`Invalid authorization type specified: ${r.authorizationType}. Valid options are ${AUTH_TYPES.join(', ')}`)
  if (r.authorizationType === 'JWT' || r.authorizationType === 'CUSTOM') {
    const a = r.authorizerId === undefined ? undefined : api.authorizers[r.authorizerId]
    if (!a) throw badRequest(`Invalid authorizer ID specified: authorization type ${r.authorizationType} needs the id of an authorizer of this API`)
    const wanted = r.authorizationType === 'JWT' ? 'JWT' : 'REQUEST'
    if (a.type !== wanted) throw badRequest(`Authorizer ${a.id} is of type ${a.type}; authorization type ${r.authorizationType} needs a ${wanted} authorizer`)
  } else delete r.authorizerId
  // §10.2: WebSocket APIs authorize `$connect` only.
  if (api.protocolType === 'WEBSOCKET' && r.authorizationType !== 'NONE' && r.routeKey !== '$connect') throw badRequest('Currently, authorization is restricted to the $connect route only')
  if (r.authorizationScopes !== undefined && r.authorizationScopes.length > 0 && r.authorizationType !== 'JWT') {
    throw badRequest('Authorization scopes apply to JWT authorization only')
  }
}

function applyRouteFields(api: HttpApi, r: Route, body: Record<string, unknown>): void {
  const key = str(body, 'routeKey')
  if (key !== undefined) {
    checkRouteKey(api, key)
    if (Object.values(api.routes).some((x) => x.routeKey === key && x.routeId !== r.routeId)) throw conflict(`Route with key ${key} already exists for this API`)
    r.routeKey = key
  }
  const type = str(body, 'authorizationType')
  if (type !== undefined) r.authorizationType = type.toUpperCase() as HttpAuthorizationType
  const authorizerId = str(body, 'authorizerId')
  if (authorizerId !== undefined) r.authorizerId = authorizerId
  const scopes = strings(body, 'authorizationScopes')
  if (scopes !== undefined) r.authorizationScopes = scopes
  const target = str(body, 'target')
  if (target !== undefined) {
    if (target === '') delete r.target
    else {
      checkTarget(api, target)
      r.target = target
    }
  }
  for (const f of ['operationName', 'modelSelectionExpression', 'routeResponseSelectionExpression'] as const) {
    const v = str(body, f)
    if (v !== undefined) {
      if (v === '') delete r[f]
      else r[f] = v
    }
  }
  const keyRequired = bool(body, 'apiKeyRequired')
  if (keyRequired !== undefined) {
    if (keyRequired && api.protocolType === 'HTTP') throw badRequest('API keys are supported only for WebSocket APIs')
    r.apiKeyRequired = keyRequired
  }
  const models = stringMapOf(body, 'requestModels')
  if (models !== undefined) r.requestModels = { ...(r.requestModels ?? {}), ...models }
  const params = requiredMap(body, 'requestParameters')
  if (params !== undefined) {
    if (api.protocolType === 'HTTP') throw badRequest('Route request parameters are supported only for WebSocket APIs')
    r.requestParameters = { ...(r.requestParameters ?? {}), ...params }
  }
  checkAuth(api, r)
}

export function routeOf(api: HttpApi, id: string): Route {
  const r = api.routes[id]
  if (!r) throw partNotFound('Route', id)
  return r
}

/** POST /v2/apis/{apiId}/routes (CreateRoute, 201). */
export async function createRoute(ctx: HandlerContext): Promise<void> {
  const body = await readJsonObject(ctx.req)
  const route = await changeHttpApi(ctx, ctx.params[0]!, (api) => {
    if (str(body, 'routeKey') === undefined) throw badRequest('RouteKey is required')
    const r: Route = { routeId: unusedId(Object.keys(api.routes), 7), routeKey: '', authorizationType: 'NONE' }
    applyRouteFields(api, r, body)
    api.routes[r.routeId] = r
    return r
  })
  sendJson(ctx.res, 201, routeJson(route))
}

/** GET /v2/apis/{apiId}/routes (GetRoutes). */
export async function listRoutes(ctx: HandlerContext): Promise<void> {
  const api = (await readHttpApi(ctx, ctx.store, ctx.params[0]!)).value
  const all = Object.values(api.routes).sort((a, b) => (a.routeId < b.routeId ? -1 : 1))
  const p = pageV2(all, ctx.url, (r) => r.routeId)
  sendJson(ctx.res, 200, { items: p.items.map(routeJson), ...(p.nextToken ? { nextToken: p.nextToken } : {}) })
}

/** GET /v2/apis/{apiId}/routes/{routeId} (GetRoute). */
export async function getRoute(ctx: HandlerContext): Promise<void> {
  const api = (await readHttpApi(ctx, ctx.store, ctx.params[0]!)).value
  sendJson(ctx.res, 200, routeJson(routeOf(api, ctx.params[1]!)))
}

/** PATCH /v2/apis/{apiId}/routes/{routeId} (UpdateRoute): the given fields replace. */
export async function updateRoute(ctx: HandlerContext): Promise<void> {
  const body = await readJsonObject(ctx.req)
  const route = await changeHttpApi(ctx, ctx.params[0]!, (api) => {
    const r = routeOf(api, ctx.params[1]!)
    applyRouteFields(api, r, body)
    return r
  })
  sendJson(ctx.res, 200, routeJson(route))
}

/** DELETE /v2/apis/{apiId}/routes/{routeId} (DeleteRoute, 204). */
export async function deleteRoute(ctx: HandlerContext): Promise<void> {
  await changeHttpApi(ctx, ctx.params[0]!, (api) => {
    routeOf(api, ctx.params[1]!)
    delete api.routes[ctx.params[1]!]
  })
  sendNoContent(ctx.res)
}

/** DELETE /v2/apis/{apiId}/routes/{routeId}/requestparameters/{key} (DeleteRouteRequestParameter, 204). */
export async function deleteRouteRequestParameter(ctx: HandlerContext): Promise<void> {
  await changeHttpApi(ctx, ctx.params[0]!, (api) => {
    const r = routeOf(api, ctx.params[1]!)
    if (!r.requestParameters || !(ctx.params[2]! in r.requestParameters)) throw partNotFound('RequestParameter', ctx.params[2]!)
    delete r.requestParameters[ctx.params[2]!]
  })
  sendNoContent(ctx.res)
}

// ---------------------------------------------------------------------------------------------------
// Route responses (WebSocket APIs)

function routeResponseOf(r: Route, id: string): RouteResponseV2 {
  const rr = r.routeResponses?.[id]
  if (!rr) throw partNotFound('RouteResponse', id)
  return rr
}

function routeResponseFrom(body: Record<string, unknown>, id: string, base?: RouteResponseV2): RouteResponseV2 {
  const key = str(body, 'routeResponseKey') ?? base?.routeResponseKey
  if (!key) throw badRequest('RouteResponseKey is required')
  const rr: RouteResponseV2 = { ...(base ?? {}), routeResponseId: id, routeResponseKey: key }
  const mse = str(body, 'modelSelectionExpression')
  if (mse !== undefined) rr.modelSelectionExpression = mse
  const models = stringMapOf(body, 'responseModels')
  if (models !== undefined) rr.responseModels = models
  const params = requiredMap(body, 'responseParameters')
  if (params !== undefined) rr.responseParameters = params
  return rr
}

export async function createRouteResponse(ctx: HandlerContext): Promise<void> {
  const body = await readJsonObject(ctx.req)
  const response = await changeHttpApi(ctx, ctx.params[0]!, (api) => {
    if (api.protocolType !== 'WEBSOCKET') throw badRequest('Route responses are supported only for WebSocket APIs')
    const r = routeOf(api, ctx.params[1]!)
    r.routeResponses ??= {}
    const rr = routeResponseFrom(body, unusedId(Object.keys(r.routeResponses), 6))
    if (Object.values(r.routeResponses).some((x) => x.routeResponseKey === rr.routeResponseKey)) throw conflict(`Route response ${rr.routeResponseKey} already exists`)
    r.routeResponses[rr.routeResponseId] = rr
    return rr
  })
  sendJson(ctx.res, 201, routeResponseJson(response))
}

export async function listRouteResponses(ctx: HandlerContext): Promise<void> {
  const api = (await readHttpApi(ctx, ctx.store, ctx.params[0]!)).value
  const all = Object.values(routeOf(api, ctx.params[1]!).routeResponses ?? {})
  const p = pageV2(all, ctx.url, (r) => r.routeResponseId)
  sendJson(ctx.res, 200, { items: p.items.map(routeResponseJson), ...(p.nextToken ? { nextToken: p.nextToken } : {}) })
}

export async function getRouteResponse(ctx: HandlerContext): Promise<void> {
  const api = (await readHttpApi(ctx, ctx.store, ctx.params[0]!)).value
  sendJson(ctx.res, 200, routeResponseJson(routeResponseOf(routeOf(api, ctx.params[1]!), ctx.params[2]!)))
}

export async function updateRouteResponse(ctx: HandlerContext): Promise<void> {
  const body = await readJsonObject(ctx.req)
  const response = await changeHttpApi(ctx, ctx.params[0]!, (api) => {
    const r = routeOf(api, ctx.params[1]!)
    const rr = routeResponseFrom(body, ctx.params[2]!, routeResponseOf(r, ctx.params[2]!))
    r.routeResponses![rr.routeResponseId] = rr
    return rr
  })
  sendJson(ctx.res, 200, routeResponseJson(response))
}

export async function deleteRouteResponse(ctx: HandlerContext): Promise<void> {
  await changeHttpApi(ctx, ctx.params[0]!, (api) => {
    const r = routeOf(api, ctx.params[1]!)
    routeResponseOf(r, ctx.params[2]!)
    delete r.routeResponses![ctx.params[2]!]
  })
  sendNoContent(ctx.res)
}
