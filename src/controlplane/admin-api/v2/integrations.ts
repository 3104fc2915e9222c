// apigatewayv2 integrations and integration responses (§3.4): CreateIntegration, GetIntegration(s),
// UpdateIntegration, DeleteIntegration; integration responses (WebSocket, stored and returned). HTTP API
// integrations are checked by the OpenAPI importer's own reader (the same rules as an imported
// x-amazon-apigateway-integration), so the control plane and files accept the same things.

import type { HttpApi, IntegrationResponseV2, IntegrationV2 } from '../../../model/types.js'
import { ImportContext } from '../../openapi/context.js'
import { httpIntegration } from '../../openapi/integration.js'
import type { HandlerContext } from '../context.js'
import { badRequest, conflict, readJsonObject, sendJson, sendNoContent } from '../http.js'
import { changeHttpApi, int, pageV2, partNotFound, readHttpApi, str, stringMapOf, unusedId } from './common.js'
import { integrationJson, integrationResponseJson } from './shapes.js'

const WEBSOCKET_TYPES = ['AWS', 'AWS_PROXY', 'HTTP', 'HTTP_PROXY', 'MOCK'] as const

/** The integration fields of a CreateIntegration/UpdateIntegration body, over `base` (the current one on update). */
export function buildIntegration(api: HttpApi, body: Record<string, unknown>, integrationId: string, base?: IntegrationV2): IntegrationV2 {
  const merged: Record<string, unknown> = base ? { ...base } : {}
  for (const [k, v] of Object.entries(body)) if (v !== undefined && v !== null) merged[k] = v
  const type = String(merged.integrationType ?? '').toUpperCase()
  if (api.protocolType === 'HTTP') {
    // The importer's reader, on the extension's field names.
    const ext: Record<string, unknown> = { type }
    const copy: Array<[string, string]> = [
      ['integrationUri', 'uri'],
      ['integrationMethod', 'httpMethod'],
      ['integrationSubtype', 'integrationSubtype'],
      ['payloadFormatVersion', 'payloadFormatVersion'],
      ['connectionType', 'connectionType'],
      ['connectionId', 'connectionId'],
      ['credentialsArn', 'credentials'],
      ['requestParameters', 'requestParameters'],
      ['responseParameters', 'responseParameters'],
      ['timeoutInMillis', 'timeoutInMillis'],
      ['tlsConfig', 'tlsConfig'],
    ]
    for (const [from, to] of copy) if (merged[from] !== undefined) ext[to] = merged[from]
    if (type === '') throw badRequest('IntegrationType is required')
    const ctx = new ImportContext(ext, undefined)
    const read = httpIntegration(ctx, ext, '')
    if (ctx.problems.length > 0 || read === undefined) throw badRequest(ctx.problems.map((p) => p.message).join('; ') || 'Invalid integration')
    const out: IntegrationV2 = { integrationId, ...read }
    const description = str(merged, 'description')
    if (description !== undefined && description !== '') out.description = description
    return out
  }
  // WebSocket integrations are kept as given (not served yet), with the types and ranges AWS allows.
  if (!(WEBSOCKET_TYPES as readonly string[]).includes(type)) throw badRequest(`Invalid integration type specified: ${type}. Valid options are ${WEBSOCKET_TYPES.join(', ')}`)
  const timeout = int(merged, 'timeoutInMillis') ?? 29000
  if (timeout < 50 || timeout > 29000) throw badRequest('Timeout must be between 50 and 29000 milliseconds')
  const connectionType = str(merged, 'connectionType') ?? 'INTERNET'
  if (connectionType !== 'INTERNET' && connectionType !== 'VPC_LINK') throw badRequest(`Invalid connection type specified: ${connectionType}`)
  const out: IntegrationV2 = {
    integrationId,
    integrationType: type as IntegrationV2['integrationType'],
    timeoutInMillis: timeout,
    connectionType,
    requestParameters: stringMapOf(merged, 'requestParameters') ?? {},
    responseParameters: {},
  }
  for (const f of ['integrationUri', 'integrationMethod', 'integrationSubtype', 'connectionId', 'credentialsArn', 'description', 'contentHandlingStrategy', 'passthroughBehavior', 'templateSelectionExpression', 'integrationResponseSelectionExpression'] as const) {
    const v = str(merged, f)
    if (v !== undefined && v !== '') (out as unknown as Record<string, unknown>)[f] = v
  }
  const pfv = str(merged, 'payloadFormatVersion')
  if (pfv !== undefined) {
    if (pfv !== '1.0') throw badRequest('WebSocket APIs support payloadFormatVersion 1.0 only')
    out.payloadFormatVersion = pfv
  }
  const templates = stringMapOf(merged, 'requestTemplates')
  if (templates !== undefined) out.requestTemplates = templates
  if (type !== 'MOCK' && !out.integrationUri) throw badRequest(`An integration of type ${type} needs an integrationUri`)
  if (base?.integrationResponses) out.integrationResponses = base.integrationResponses
  return out
}

export function integrationOf(api: HttpApi, id: string): IntegrationV2 {
  const i = api.integrations[id]
  if (!i) throw partNotFound('Integration', id)
  return i
}

/** POST /v2/apis/{apiId}/integrations (CreateIntegration, 201). */
export async function createIntegration(ctx: HandlerContext): Promise<void> {
  const body = await readJsonObject(ctx.req)
  const integration = await changeHttpApi(ctx, ctx.params[0]!, (api) => {
    const i = buildIntegration(api, body, unusedId(Object.keys(api.integrations), 7))
    api.integrations[i.integrationId] = i
    return i
  })
  sendJson(ctx.res, 201, integrationJson(integration))
}

/** GET /v2/apis/{apiId}/integrations (GetIntegrations). */
export async function listIntegrations(ctx: HandlerContext): Promise<void> {
  const api = (await readHttpApi(ctx, ctx.store, ctx.params[0]!)).value
  const all = Object.values(api.integrations).sort((a, b) => (a.integrationId < b.integrationId ? -1 : 1))
  const p = pageV2(all, ctx.url, (i) => i.integrationId)
  sendJson(ctx.res, 200, { items: p.items.map(integrationJson), ...(p.nextToken ? { nextToken: p.nextToken } : {}) })
}

/** GET /v2/apis/{apiId}/integrations/{integrationId} (GetIntegration). */
export async function getIntegration(ctx: HandlerContext): Promise<void> {
  const api = (await readHttpApi(ctx, ctx.store, ctx.params[0]!)).value
  sendJson(ctx.res, 200, integrationJson(integrationOf(api, ctx.params[1]!)))
}

/** PATCH /v2/apis/{apiId}/integrations/{integrationId} (UpdateIntegration): the given fields replace. */
export async function updateIntegration(ctx: HandlerContext): Promise<void> {
  const body = await readJsonObject(ctx.req)
  const integration = await changeHttpApi(ctx, ctx.params[0]!, (api) => {
    const current = integrationOf(api, ctx.params[1]!)
    const i = buildIntegration(api, body, current.integrationId, current)
    api.integrations[i.integrationId] = i
    return i
  })
  sendJson(ctx.res, 200, integrationJson(integration))
}

/** DELETE /v2/apis/{apiId}/integrations/{integrationId} (DeleteIntegration, 204): refused while a route targets it. */
export async function deleteIntegration(ctx: HandlerContext): Promise<void> {
  await changeHttpApi(ctx, ctx.params[0]!, (api) => {
    const i = integrationOf(api, ctx.params[1]!)
    const user = Object.values(api.routes).find((r) => r.target === `integrations/${i.integrationId}`)
    if (user) throw conflict(`Integration ${i.integrationId} is the target of route ${user.routeKey}; change or delete the route first`)
    delete api.integrations[i.integrationId]
  })
  sendNoContent(ctx.res)
}

// ---------------------------------------------------------------------------------------------------
// Integration responses (WebSocket APIs)

function websocketOnly(api: HttpApi, what: string): void {
  if (api.protocolType !== 'WEBSOCKET') throw badRequest(`${what} are supported only for WebSocket APIs`)
}

function responseFrom(body: Record<string, unknown>, id: string, base?: IntegrationResponseV2): IntegrationResponseV2 {
  const key = str(body, 'integrationResponseKey') ?? base?.integrationResponseKey
  if (!key) throw badRequest('IntegrationResponseKey is required')
  const r: IntegrationResponseV2 = { ...(base ?? {}), integrationResponseId: id, integrationResponseKey: key }
  for (const f of ['contentHandlingStrategy', 'templateSelectionExpression'] as const) {
    const v = str(body, f)
    if (v !== undefined) r[f] = v
  }
  const params = stringMapOf(body, 'responseParameters')
  if (params !== undefined) r.responseParameters = params
  const templates = stringMapOf(body, 'responseTemplates')
  if (templates !== undefined) r.responseTemplates = templates
  return r
}

function integrationResponseOf(i: IntegrationV2, id: string): IntegrationResponseV2 {
  const r = i.integrationResponses?.[id]
  if (!r) throw partNotFound('IntegrationResponse', id)
  return r
}

export async function createIntegrationResponse(ctx: HandlerContext): Promise<void> {
  const body = await readJsonObject(ctx.req)
  const response = await changeHttpApi(ctx, ctx.params[0]!, (api) => {
    websocketOnly(api, 'Integration responses')
    const i = integrationOf(api, ctx.params[1]!)
    i.integrationResponses ??= {}
    const r = responseFrom(body, unusedId(Object.keys(i.integrationResponses), 6))
    if (Object.values(i.integrationResponses).some((x) => x.integrationResponseKey === r.integrationResponseKey)) throw conflict(`Integration response ${r.integrationResponseKey} already exists`)
    i.integrationResponses[r.integrationResponseId] = r
    return r
  })
  sendJson(ctx.res, 201, integrationResponseJson(response))
}

export async function listIntegrationResponses(ctx: HandlerContext): Promise<void> {
  const api = (await readHttpApi(ctx, ctx.store, ctx.params[0]!)).value
  const all = Object.values(integrationOf(api, ctx.params[1]!).integrationResponses ?? {})
  const p = pageV2(all, ctx.url, (r) => r.integrationResponseId)
  sendJson(ctx.res, 200, { items: p.items.map(integrationResponseJson), ...(p.nextToken ? { nextToken: p.nextToken } : {}) })
}

export async function getIntegrationResponse(ctx: HandlerContext): Promise<void> {
  const api = (await readHttpApi(ctx, ctx.store, ctx.params[0]!)).value
  sendJson(ctx.res, 200, integrationResponseJson(integrationResponseOf(integrationOf(api, ctx.params[1]!), ctx.params[2]!)))
}

export async function updateIntegrationResponse(ctx: HandlerContext): Promise<void> {
  const body = await readJsonObject(ctx.req)
  const response = await changeHttpApi(ctx, ctx.params[0]!, (api) => {
    const i = integrationOf(api, ctx.params[1]!)
    const r = responseFrom(body, ctx.params[2]!, integrationResponseOf(i, ctx.params[2]!))
    i.integrationResponses![r.integrationResponseId] = r
    return r
  })
  sendJson(ctx.res, 200, integrationResponseJson(response))
}

export async function deleteIntegrationResponse(ctx: HandlerContext): Promise<void> {
  await changeHttpApi(ctx, ctx.params[0]!, (api) => {
    const i = integrationOf(api, ctx.params[1]!)
    integrationResponseOf(i, ctx.params[2]!)
    delete i.integrationResponses![ctx.params[2]!]
  })
  sendNoContent(ctx.res)
}
