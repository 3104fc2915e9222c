// AWS's GatewayResponse operations (§6.2, §16): GetGatewayResponses (all 21 types, defaults included),
// GetGatewayResponse, PutGatewayResponse, UpdateGatewayResponse and DeleteGatewayResponse, with the recorded
// default shapes and messages. Like every REST change they reach traffic with the next deployment.

import type { GatewayResponse, GatewayResponseType, RestApi } from '../../../model/types.js'
import type { HandlerContext } from '../context.js'
import { badRequest, notFound, optionalString, patchOperations, readJsonObject, sendAccepted, sendJson, stringMap, validationErrors } from '../http.js'
import { changeRestApi, invalidPath, patchKey, readRestApi } from './common.js'
import { GATEWAY_RESPONSE_ENUM, GATEWAY_RESPONSE_TYPES, gatewayResponseJson } from './shapes.js'

const STATUS = /^[1-5]\d\d$/

function responseTypeParam(raw: string): GatewayResponseType {
  if (!(GATEWAY_RESPONSE_TYPES as readonly string[]).includes(raw)) {
    throw validationErrors([`Value '${raw}' at 'responseType' failed to satisfy constraint: Member must satisfy enum value set: [${GATEWAY_RESPONSE_ENUM}]`])
  }
  return raw as GatewayResponseType
}

/** GET /restapis/{id}/gatewayresponses (GetGatewayResponses): every type, in AWS's order. */
export async function listGatewayResponses(ctx: HandlerContext): Promise<void> {
  const api = (await readRestApi(ctx, ctx.store, ctx.params[0]!)).value
  sendJson(ctx.res, 200, { item: GATEWAY_RESPONSE_TYPES.map((t) => gatewayResponseJson(api, t)) })
}

/** GET /restapis/{id}/gatewayresponses/{type} (GetGatewayResponse): the customised one or the default. */
export async function getGatewayResponse(ctx: HandlerContext): Promise<void> {
  const api = (await readRestApi(ctx, ctx.store, ctx.params[0]!)).value
  sendJson(ctx.res, 200, gatewayResponseJson(api, responseTypeParam(ctx.params[1]!)))
}

/** PUT /restapis/{id}/gatewayresponses/{type} (PutGatewayResponse, 201). */
export async function putGatewayResponse(ctx: HandlerContext): Promise<void> {
  const type = responseTypeParam(ctx.params[1]!)
  const body = await readJsonObject(ctx.req)
  const status = optionalString(body, 'statusCode')
  if (status !== undefined && status !== '' && !STATUS.test(status)) throw badRequest(`Invalid status code specified: ${status}`)
  const response: GatewayResponse = { responseType: type, responseParameters: stringMap(body, 'responseParameters'), responseTemplates: stringMap(body, 'responseTemplates') }
  if (status !== undefined && status !== '') response.statusCode = status
  const api = await changeRestApi(ctx, ctx.params[0]!, (api) => {
    api.gatewayResponses[type] = response
    return api
  })
  sendJson(ctx.res, 201, gatewayResponseJson(api, type))
}

/** The response a patch starts from: the customised one, or the default as GetGatewayResponse shows it. */
function editable(api: RestApi, type: GatewayResponseType): GatewayResponse {
  const own = api.gatewayResponses[type]
  if (own) return own
  const shown = gatewayResponseJson(api, type)
  const out: GatewayResponse = {
    responseType: type,
    responseParameters: { ...(shown.responseParameters as Record<string, string>) },
    responseTemplates: { ...(shown.responseTemplates as Record<string, string>) },
  }
  if (typeof shown.statusCode === 'string') out.statusCode = shown.statusCode
  return out
}

/** PATCH /restapis/{id}/gatewayresponses/{type} (UpdateGatewayResponse): a default type becomes customised. */
export async function updateGatewayResponse(ctx: HandlerContext): Promise<void> {
  const type = responseTypeParam(ctx.params[1]!)
  const ops = patchOperations(await readJsonObject(ctx.req), 'updateGatewayResponseInput')
  const api = await changeRestApi(ctx, ctx.params[0]!, (api) => {
    const r = editable(api, type)
    for (const op of ops) {
      if (op.path === '/statusCode') {
        if (op.op !== 'replace') throw invalidPath(op)
        if (!STATUS.test(op.value ?? '')) throw badRequest(`Invalid status code specified: ${op.value ?? ''}`)
        r.statusCode = op.value!
        continue
      }
      const param = patchKey(op.path, '/responseParameters')
      const template = patchKey(op.path, '/responseTemplates')
      if (param === undefined && template === undefined) throw invalidPath(op)
      const [map, key, what] = param !== undefined ? [r.responseParameters, param, 'responseParameters'] : [r.responseTemplates, template!, 'responseTemplates']
      if (op.op === 'remove') {
        delete map[key]
        continue
      }
      if (op.op !== 'add' && op.op !== 'replace') throw invalidPath(op)
      if (op.op === 'replace' && !(key in map)) throw notFound('Invalid parameter name specified')
      if (op.value === undefined || op.value === '') throw badRequest(`Invalid null or empty value in ${what}`)
      map[key] = op.value
    }
    api.gatewayResponses[type] = r
    return api
  })
  sendJson(ctx.res, 200, gatewayResponseJson(api, type))
}

/** DELETE /restapis/{id}/gatewayresponses/{type} (DeleteGatewayResponse, 202): back to the default. */
export async function deleteGatewayResponse(ctx: HandlerContext): Promise<void> {
  const type = responseTypeParam(ctx.params[1]!)
  await changeRestApi(ctx, ctx.params[0]!, (api) => {
    if (!api.gatewayResponses[type]) throw notFound('Gateway response type not defined on api')
    delete api.gatewayResponses[type]
  })
  sendAccepted(ctx.res)
}

