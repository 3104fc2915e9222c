// apigatewayv2 APIs (§3.1, §10.1, §12.2): CreateApi (with quick create: `target` makes a route, an integration
// and a `$default` stage with autoDeploy), GetApis, GetApi, UpdateApi, DeleteApi (with its stages and
// deployments), DeleteCorsConfiguration, ImportApi and ReimportApi (the project's OpenAPI importer).

import { randomId } from '../../../model/ids.js'
import { ConfigError } from '../../../errors.js'
import type { Api, CorsConfiguration, HttpApi, IntegrationV2, Route, Stage } from '../../../model/types.js'
import { importOpenApi } from '../../openapi/import.js'
import { parseDefinition } from '../../openapi/parse.js'
import type { ChangeOp } from '../../../store/port/ports.js'
import type { HandlerContext } from '../context.js'
import { badRequest, readJsonObject, sendJson, sendNoContent } from '../http.js'
import { putOp } from '../writes.js'
import { unmappedOrRefuse } from '../domains.js'
import { apiWithDependents } from '../rest/apis.js'
import { apiNotFound, autoDeployOps, bool, changeHttpApi, pageV2, readHttpApi, str, strings, stringMapOf, unusedId } from './common.js'
import { buildIntegration } from './integrations.js'
import { checkRouteKey } from './api-routes.js'
import { HTTP_ROUTE_SELECTION, apiJson } from './shapes.js'

function corsFrom(raw: unknown): CorsConfiguration {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw badRequest('corsConfiguration must be an object')
  const o = raw as Record<string, unknown>
  const out: CorsConfiguration = {}
  for (const f of ['allowOrigins', 'allowMethods', 'allowHeaders', 'exposeHeaders'] as const) {
    const v = strings(o, f)
    if (v !== undefined) out[f] = v
  }
  const creds = bool(o, 'allowCredentials')
  if (creds !== undefined) out.allowCredentials = creds
  if (o.maxAge !== undefined && o.maxAge !== null) {
    if (typeof o.maxAge !== 'number' || !Number.isInteger(o.maxAge) || o.maxAge < -1 || o.maxAge > 86400) throw badRequest('maxAge must be between -1 and 86400 seconds')
    out.maxAge = o.maxAge
  }
  if (out.allowCredentials === true && out.allowOrigins?.includes('*')) throw badRequest("allowCredentials cannot be combined with the origin '*'")
  return out
}

/** The integration a quick-create `target` names: a Lambda function (AWS_PROXY, payload 2.0) or an HTTP URL (HTTP_PROXY). */
function quickIntegration(api: HttpApi, target: string, credentialsArn: string | undefined): IntegrationV2 {
  const lambda = /^arn:[^:]+:lambda:/.test(target) || /:function:/.test(target)
  const body: Record<string, unknown> = lambda
    ? { integrationType: 'AWS_PROXY', integrationUri: target, payloadFormatVersion: '2.0' }
    : { integrationType: 'HTTP_PROXY', integrationUri: target, integrationMethod: 'ANY', payloadFormatVersion: '1.0' }
  if (credentialsArn !== undefined) body.credentialsArn = credentialsArn
  return buildIntegration(api, body, unusedId(Object.keys(api.integrations), 7))
}

function applyApiFields(api: HttpApi, body: Record<string, unknown>): void {
  const name = str(body, 'name')
  if (name !== undefined) {
    if (name.trim() === '') throw badRequest('Name must not be empty')
    api.name = name
  }
  for (const f of ['description', 'version'] as const) {
    const v = str(body, f)
    if (v !== undefined) {
      if (v === '') delete api[f]
      else api[f] = v
    }
  }
  const rse = str(body, 'routeSelectionExpression')
  if (rse !== undefined) {
    if (api.protocolType === 'HTTP' && rse !== HTTP_ROUTE_SELECTION) throw badRequest(`The route selection expression of an HTTP API is ${HTTP_ROUTE_SELECTION}`)
    api.routeSelectionExpression = rse
  }
  const akse = str(body, 'apiKeySelectionExpression')
  if (akse !== undefined) {
    if (akse !== '$request.header.x-api-key' && akse !== '$context.authorizer.usageIdentifierKey') throw badRequest('apiKeySelectionExpression must be $request.header.x-api-key or $context.authorizer.usageIdentifierKey')
    api.apiKeySelectionExpression = akse
  }
  const disable = bool(body, 'disableExecuteApiEndpoint')
  if (disable !== undefined) api.disableExecuteApiEndpoint = disable
  const schemaValidation = bool(body, 'disableSchemaValidation')
  if (schemaValidation !== undefined) api.disableSchemaValidation = schemaValidation
  const ip = str(body, 'ipAddressType')
  if (ip !== undefined) {
    if (ip !== 'ipv4' && ip !== 'dualstack') throw badRequest('ipAddressType must be either ipv4 or dualstack.')
    api.ipAddressType = ip
  }
  if (body.corsConfiguration !== undefined && body.corsConfiguration !== null) {
    if (api.protocolType !== 'HTTP') throw badRequest('CORS configuration is supported only for HTTP APIs')
    api.corsConfiguration = corsFrom(body.corsConfiguration)
  }
}

/** Quick create / quick update: the route `routeKey` (default `$default`) targets an integration with `target`. */
function applyTarget(api: HttpApi, body: Record<string, unknown>): void {
  const target = str(body, 'target')
  const routeKey = str(body, 'routeKey')
  if (target === undefined && routeKey === undefined) return
  if (api.protocolType !== 'HTTP') throw badRequest('Quick create (target, routeKey) is supported only for HTTP APIs')
  const key = routeKey ?? '$default'
  checkRouteKey(api, key)
  let route: Route | undefined = Object.values(api.routes).find((r) => r.routeKey === key)
  if (target === undefined) {
    if (!route) throw badRequest('A routeKey without a target needs an existing route')
    return
  }
  const integration = quickIntegration(api, target, str(body, 'credentialsArn'))
  const current = route?.target?.startsWith('integrations/') ? route.target.slice('integrations/'.length) : undefined
  if (current !== undefined && api.integrations[current]) integration.integrationId = current
  api.integrations[integration.integrationId] = integration
  if (!route) {
    route = { routeId: unusedId(Object.keys(api.routes), 7), routeKey: key, authorizationType: 'NONE' }
    api.routes[route.routeId] = route
  }
  route.target = `integrations/${integration.integrationId}`
}

/** POST /v2/apis (CreateApi, 201). */
export async function createApi(ctx: HandlerContext): Promise<void> {
  const body = await readJsonObject(ctx.req)
  const protocol = str(body, 'protocolType')
  if (protocol !== 'HTTP' && protocol !== 'WEBSOCKET') throw badRequest(`Invalid protocolType specified: ${String(protocol)}. Valid options are HTTP, WEBSOCKET`)
  const name = str(body, 'name')
  if (name === undefined || name.trim() === '') throw badRequest('Name is required')
  const rse = str(body, 'routeSelectionExpression')
  if (protocol === 'WEBSOCKET' && !rse) throw badRequest('RouteSelectionExpression is required for WebSocket APIs')
  const now = ctx.now().toISOString()
  const api: HttpApi = {
    kind: 'HTTP',
    id: randomId(10),
    name,
    createdDate: now,
    protocolType: protocol,
    routeSelectionExpression: protocol === 'HTTP' ? HTTP_ROUTE_SELECTION : rse!,
    disableExecuteApiEndpoint: false,
    routes: {},
    integrations: {},
    authorizers: {},
    tags: stringMapOf(body, 'tags') ?? {},
    extensions: {},
  }
  applyApiFields(api, body)
  applyTarget(api, body)
  const quick = str(body, 'target') !== undefined
  await ctx.writer.write(async (store) => {
    const ops: ChangeOp[] = [putOp('api', api.id, api, undefined)]
    if (quick) {
      // Quick create: a $default stage that deploys every change (§3.1).
      const stage: Stage = { apiId: api.id, stageName: '$default', deploymentId: '', variables: {}, methodSettings: {}, tags: {}, createdDate: now, lastUpdatedDate: now, autoDeploy: true }
      ops.push(...(await autoDeployOps(ctx, store, api, stage)))
    }
    return { ops, result: undefined }
  })
  sendJson(ctx.res, 201, apiJson(api, ctx.region))
}

/** GET /v2/apis (GetApis): HTTP and WebSocket APIs. */
export async function listApis(ctx: HandlerContext): Promise<void> {
  const apis = (await ctx.store.list<Api>('api'))
    .map((d) => d.value)
    .filter((a): a is HttpApi => a.kind === 'HTTP')
    .sort((a, b) => (a.createdDate < b.createdDate ? -1 : a.createdDate > b.createdDate ? 1 : a.id < b.id ? -1 : 1))
  const p = pageV2(apis, ctx.url, (a) => `${a.createdDate}:${a.id}`)
  sendJson(ctx.res, 200, { items: p.items.map((a) => apiJson(a, ctx.region)), ...(p.nextToken ? { nextToken: p.nextToken } : {}) })
}

export async function getApi(ctx: HandlerContext): Promise<void> {
  sendJson(ctx.res, 200, apiJson((await readHttpApi(ctx, ctx.store, ctx.params[0]!)).value, ctx.region))
}

/** PATCH /v2/apis/{apiId} (UpdateApi): the given fields replace; `target` updates the quick-created integration. */
export async function updateApi(ctx: HandlerContext): Promise<void> {
  const body = await readJsonObject(ctx.req)
  const api = await changeHttpApi(ctx, ctx.params[0]!, (api) => {
    applyApiFields(api, body)
    applyTarget(api, body)
    return api
  })
  sendJson(ctx.res, 200, apiJson(api, ctx.region))
}

/** DELETE /v2/apis/{apiId} (DeleteApi, 204): with its stages and deployments. */
export async function deleteApi(ctx: HandlerContext): Promise<void> {
  const id = ctx.params[0]!
  await ctx.writer.write(async (store) => {
    const doc = await store.get<Api>('api', id)
    if (!doc || doc.value.kind !== 'HTTP') throw apiNotFound(ctx, id)
    const touches = await unmappedOrRefuse(store, id, undefined, () => `Deleting API ${id} failed. Please remove all API mappings for the API from your custom domain names.`)
    return { ops: [...(await apiWithDependents(store, doc)), ...touches], result: undefined }
  })
  sendNoContent(ctx.res)
}

/** DELETE /v2/apis/{apiId}/cors (DeleteCorsConfiguration, 204). */
export async function deleteCors(ctx: HandlerContext): Promise<void> {
  await changeHttpApi(ctx, ctx.params[0]!, (api) => {
    delete api.corsConfiguration
  })
  sendNoContent(ctx.res)
}

/** The HTTP API an OpenAPI document describes (ImportApi, ReimportApi), or a 400 listing every problem. */
function importHttp(ctx: HandlerContext, body: Record<string, unknown>, id: string, createdDate: string): { api: HttpApi; warnings: string[] } {
  const text = str(body, 'body')
  if (text === undefined || text.trim() === '') throw badRequest('Body is required: the OpenAPI definition')
  const q = ctx.url.searchParams
  const basepath = q.get('basepath') ?? 'ignore'
  if (basepath !== 'ignore' && basepath !== 'prepend' && basepath !== 'split') throw badRequest(`Invalid basepath parameter '${basepath}': use ignore, prepend or split`)
  try {
    const result = importOpenApi(parseDefinition(text), { kind: 'HTTP', id, basepath, region: ctx.region, accountId: ctx.accountId, createdDate })
    const warnings = result.warnings.map((w) => `${w.path || '/'}: ${w.message}`)
    if ((q.get('failOnWarnings') ?? '').toLowerCase() === 'true' && warnings.length > 0) throw badRequest(`Warnings found during import (failOnWarnings=true): ${warnings.join('; ')}`)
    return { api: result.api as HttpApi, warnings }
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err
    throw badRequest(`Invalid OpenAPI input: ${err.problems.map((p) => `${p.path || '/'}: ${p.message}`).join('; ')}`)
  }
}

/** PUT /v2/apis (ImportApi, 201): a new HTTP API from an OpenAPI document. */
export async function importApi(ctx: HandlerContext): Promise<void> {
  const body = await readJsonObject(ctx.req)
  const { api, warnings } = importHttp(ctx, body, randomId(10), ctx.now().toISOString())
  await ctx.writer.write(async () => ({ ops: [putOp('api', api.id, api, undefined)], result: undefined }))
  sendJson(ctx.res, 201, { ...apiJson(api, ctx.region), ...(warnings.length > 0 ? { warnings } : {}) })
}

/** PUT /v2/apis/{apiId} (ReimportApi, 201): the API becomes what the document describes; id, dates, tags and stages stay. */
export async function reimportApi(ctx: HandlerContext): Promise<void> {
  const body = await readJsonObject(ctx.req)
  let warnings: string[] = []
  const api = await changeHttpApi(ctx, ctx.params[0]!, (current) => {
    if (current.protocolType !== 'HTTP') throw badRequest('Import is supported only for HTTP APIs')
    const imported = importHttp(ctx, body, current.id, current.createdDate)
    warnings = imported.warnings
    const next: HttpApi = { ...imported.api, tags: { ...current.tags, ...imported.api.tags } }
    for (const k of Object.keys(current)) delete (current as unknown as Record<string, unknown>)[k]
    Object.assign(current, next)
    return current
  })
  sendJson(ctx.res, 201, { ...apiJson(api, ctx.region), ...(warnings.length > 0 ? { warnings } : {}) })
}

