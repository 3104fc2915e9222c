// apigatewayv2 models (WebSocket APIs only, as on AWS; stored and returned): CreateModel, GetModel(s),
// UpdateModel, DeleteModel, GetModelTemplate.

import type { HttpApi, ModelV2 } from '../../../model/types.js'
import type { HandlerContext } from '../context.js'
import { badRequest, conflict, readJsonObject, sendJson, sendNoContent } from '../http.js'
import { changeHttpApi, pageV2, partNotFound, readHttpApi, str, unusedId } from './common.js'
import { modelJson } from './shapes.js'

function modelFields(m: ModelV2, body: Record<string, unknown>): void {
  const name = str(body, 'name')
  if (name !== undefined) {
    if (!/^[A-Za-z0-9]+$/.test(name)) throw badRequest('Model names must be alphanumeric')
    m.name = name
  }
  for (const f of ['contentType', 'description'] as const) {
    const v = str(body, f)
    if (v !== undefined) m[f] = v
  }
  const schema = str(body, 'schema')
  if (schema !== undefined) {
    if ((m.contentType ?? 'application/json') === 'application/json') {
      try {
        JSON.parse(schema)
      } catch {
        throw badRequest('Model schema must be valid JSON (JSON Schema draft 4) for application/json models')
      }
    }
    m.schema = schema
  }
}

function modelOf(api: HttpApi, id: string): ModelV2 {
  const m = api.models?.[id]
  if (!m) throw partNotFound('Model', id)
  return m
}

export async function createModel(ctx: HandlerContext): Promise<void> {
  const body = await readJsonObject(ctx.req)
  const model = await changeHttpApi(ctx, ctx.params[0]!, (api) => {
    if (api.protocolType !== 'WEBSOCKET') throw badRequest('Models are supported only for WebSocket APIs')
    api.models ??= {}
    const m: ModelV2 = { modelId: unusedId(Object.keys(api.models), 6), name: '' }
    modelFields(m, body)
    if (m.name === '') throw badRequest('Name is required')
    if (m.schema === undefined) throw badRequest('Schema is required')
    if (Object.values(api.models).some((x) => x.name === m.name)) throw conflict(`Model ${m.name} already exists for this API`)
    api.models[m.modelId] = m
    return m
  })
  sendJson(ctx.res, 201, modelJson(model))
}

export async function listModels(ctx: HandlerContext): Promise<void> {
  const api = (await readHttpApi(ctx, ctx.store, ctx.params[0]!)).value
  const all = Object.values(api.models ?? {}).sort((a, b) => (a.modelId < b.modelId ? -1 : 1))
  const p = pageV2(all, ctx.url, (m) => m.modelId)
  sendJson(ctx.res, 200, { items: p.items.map(modelJson), ...(p.nextToken ? { nextToken: p.nextToken } : {}) })
}

export async function getModel(ctx: HandlerContext): Promise<void> {
  const api = (await readHttpApi(ctx, ctx.store, ctx.params[0]!)).value
  sendJson(ctx.res, 200, modelJson(modelOf(api, ctx.params[1]!)))
}

/** GET …/models/{modelId}/template (GetModelTemplate): `{value}`, a mapping template of the schema's properties. */
export async function getModelTemplate(ctx: HandlerContext): Promise<void> {
  const api = (await readHttpApi(ctx, ctx.store, ctx.params[0]!)).value
  const m = modelOf(api, ctx.params[1]!)
  let props: string[] = []
  try {
    props = Object.keys((JSON.parse(m.schema ?? '{}') as { properties?: object }).properties ?? {})
  } catch {
    props = []
  }
  const lines = props.map((p, i) => `  "${p}" : "$inputRoot.${p}"${i < props.length - 1 ? ',' : ''}`)
  sendJson(ctx.res, 200, { value: `#set($inputRoot = $input.path('$'))\n{\n${lines.join('\n')}${lines.length ? '\n' : ''}}` })
}

export async function updateModel(ctx: HandlerContext): Promise<void> {
  const body = await readJsonObject(ctx.req)
  const model = await changeHttpApi(ctx, ctx.params[0]!, (api) => {
    const m = modelOf(api, ctx.params[1]!)
    modelFields(m, body)
    return m
  })
  sendJson(ctx.res, 200, modelJson(model))
}

export async function deleteModel(ctx: HandlerContext): Promise<void> {
  await changeHttpApi(ctx, ctx.params[0]!, (api) => {
    modelOf(api, ctx.params[1]!)
    delete api.models![ctx.params[1]!]
  })
  sendNoContent(ctx.res)
}
