// apigatewayv2 authorizers (§3.6, §3.7): JWT and Lambda REQUEST authorizers — CreateAuthorizer,
// GetAuthorizer(s), UpdateAuthorizer, DeleteAuthorizer (refused while a route uses it).

import type { Authorizer, HttpApi } from '../../../model/types.js'
import type { HandlerContext } from '../context.js'
import { badRequest, conflict, readJsonObject, sendJson, sendNoContent } from '../http.js'
import { bool, changeHttpApi, int, pageV2, partNotFound, readHttpApi, str, strings, unusedId } from './common.js'
import { authorizerJson } from './shapes.js'
import { WS_IDENTITY_SOURCE } from '../../../dataplane/websocket/selection.js'

const IDENTITY_SOURCE = /^\$(request\.(header|querystring)\.[^.\s]+|context\.\S+|stageVariables\.\S+)$/

function applyAuthorizerFields(api: HttpApi, a: Authorizer, body: Record<string, unknown>): void {
  const name = str(body, 'name')
  if (name !== undefined) a.name = name
  const type = str(body, 'authorizerType')
  if (type !== undefined) a.type = type.toUpperCase() as Authorizer['type']
  const sources = strings(body, 'identitySource')
  if (sources !== undefined) a.identitySource = sources
  for (const [from, to] of [
    ['authorizerUri', 'authorizerUri'],
    ['authorizerCredentialsArn', 'authorizerCredentials'],
    ['identityValidationExpression', 'identityValidationExpression'],
  ] as const) {
    const v = str(body, from)
    if (v !== undefined) {
      if (v === '') delete a[to]
      else a[to] = v
    }
  }
  const pfv = str(body, 'authorizerPayloadFormatVersion')
  if (pfv !== undefined) {
    if (pfv !== '1.0' && pfv !== '2.0') throw badRequest(`Invalid authorizerPayloadFormatVersion: ${pfv}; use 1.0 or 2.0`)
    a.authorizerPayloadFormatVersion = pfv
  }
  const ttl = int(body, 'authorizerResultTtlInSeconds')
  if (ttl !== undefined) a.authorizerResultTtlInSeconds = ttl
  const simple = bool(body, 'enableSimpleResponses')
  if (simple !== undefined) a.enableSimpleResponses = simple
  if (body.jwtConfiguration !== undefined && body.jwtConfiguration !== null) {
    const j = body.jwtConfiguration as Record<string, unknown>
    const issuer = str(j, 'issuer')
    const audience = strings(j, 'audience')
    a.jwtConfiguration = { ...(issuer !== undefined ? { issuer } : {}), ...(audience !== undefined ? { audience } : {}) }
  }
  checkAuthorizer(api, a)
}

function checkAuthorizer(api: HttpApi, a: Authorizer): void {
  if (a.name.trim() === '') throw badRequest('Name is required')
  const sources = Array.isArray(a.identitySource) ? a.identitySource : a.identitySource ? [a.identitySource] : []
  if (a.type === 'JWT') {
    if (api.protocolType !== 'HTTP') throw badRequest('JWT authorizers are supported only for HTTP APIs')
    if (sources.length === 0) throw badRequest('IdentitySource is required for JWT authorizers')
    if (!a.jwtConfiguration?.issuer) throw badRequest('JwtConfiguration.Issuer is required for JWT authorizers')
    if (!a.jwtConfiguration.audience || a.jwtConfiguration.audience.length === 0) throw badRequest('JwtConfiguration.Audience is required for JWT authorizers')
  } else if (a.type === 'REQUEST') {
    if (!a.authorizerUri) throw badRequest('AuthorizerUri is required for REQUEST authorizers')
    if (api.protocolType === 'HTTP') {
      if (a.authorizerPayloadFormatVersion === undefined) throw badRequest('AuthorizerPayloadFormatVersion is required for REQUEST authorizers')
      if (a.enableSimpleResponses === true && a.authorizerPayloadFormatVersion !== '2.0') throw badRequest('Simple responses are supported only with authorizerPayloadFormatVersion 2.0')
      if (a.authorizerResultTtlInSeconds > 0 && sources.length === 0) throw badRequest('IdentitySource is required when authorizer caching is enabled')
    }
  } else throw badRequest(`Invalid authorizer type specified: ${a.type}. Valid options are REQUEST, JWT`)
  const pattern = api.protocolType === 'WEBSOCKET' ? WS_IDENTITY_SOURCE : IDENTITY_SOURCE
  for (const s of sources) if (!pattern.test(s)) throw badRequest(`Invalid identity source specified: ${s}`)
  if (!Number.isInteger(a.authorizerResultTtlInSeconds) || a.authorizerResultTtlInSeconds < 0 || a.authorizerResultTtlInSeconds > 3600) {
    throw badRequest('AuthorizerResultTtlInSeconds must be between 0 and 3600')
  }
}

function authorizerOf(api: HttpApi, id: string): Authorizer {
  const a = api.authorizers[id]
  if (!a) throw partNotFound('Authorizer', id)
  return a
}

/** POST /v2/apis/{apiId}/authorizers (CreateAuthorizer, 201). */
export async function createAuthorizer(ctx: HandlerContext): Promise<void> {
  const body = await readJsonObject(ctx.req)
  const authorizer = await changeHttpApi(ctx, ctx.params[0]!, (api) => {
    const a: Authorizer = { id: unusedId(Object.keys(api.authorizers), 6), name: '', type: 'REQUEST', authorizerResultTtlInSeconds: 0 }
    applyAuthorizerFields(api, a, body)
    api.authorizers[a.id] = a
    return a
  })
  sendJson(ctx.res, 201, authorizerJson(authorizer))
}

export async function listAuthorizers(ctx: HandlerContext): Promise<void> {
  const api = (await readHttpApi(ctx, ctx.store, ctx.params[0]!)).value
  const all = Object.values(api.authorizers).sort((a, b) => (a.id < b.id ? -1 : 1))
  const p = pageV2(all, ctx.url, (a) => a.id)
  sendJson(ctx.res, 200, { items: p.items.map(authorizerJson), ...(p.nextToken ? { nextToken: p.nextToken } : {}) })
}

export async function getAuthorizer(ctx: HandlerContext): Promise<void> {
  const api = (await readHttpApi(ctx, ctx.store, ctx.params[0]!)).value
  sendJson(ctx.res, 200, authorizerJson(authorizerOf(api, ctx.params[1]!)))
}

export async function updateAuthorizer(ctx: HandlerContext): Promise<void> {
  const body = await readJsonObject(ctx.req)
  const authorizer = await changeHttpApi(ctx, ctx.params[0]!, (api) => {
    const a = authorizerOf(api, ctx.params[1]!)
    applyAuthorizerFields(api, a, body)
    return a
  })
  sendJson(ctx.res, 200, authorizerJson(authorizer))
}

export async function deleteAuthorizer(ctx: HandlerContext): Promise<void> {
  await changeHttpApi(ctx, ctx.params[0]!, (api) => {
    const a = authorizerOf(api, ctx.params[1]!)
    const user = Object.values(api.routes).find((r) => r.authorizerId === a.id)
    if (user) throw conflict(`Authorizer ${a.id} is used by route ${user.routeKey}; change the route first`)
    delete api.authorizers[a.id]
  })
  sendNoContent(ctx.res)
}
