// AWS's Model, RequestValidator and Authorizer operations on REST APIs (§1.9, §7.3, §7.4, §16): Create, Get
// (one and all), Update (patch) and Delete of each, with the recorded messages; GetModelTemplate.

import { randomId } from '../../../model/ids.js'
import type { Authorizer, Model, RequestValidator, RestApi } from '../../../model/types.js'
import type { HandlerContext } from '../context.js'
import {
  badRequest,
  conflict,
  invalidPatchPath,
  notFound,
  optionalString,
  page,
  patchBoolean,
  patchOperations,
  readJsonObject,
  sendAccepted,
  sendJson,
} from '../http.js'
import { AUTHORIZER_NOT_FOUND, VALIDATOR_NOT_FOUND, changeRestApi, optionalBool, optionalInt, readRestApi, stringList, unsupportedOp } from './common.js'
import { authorizerJson, modelJson, validatorJson } from './shapes.js'

const MODEL_NAME = /^[A-Za-z0-9]+$/
const EMPTY_SCHEMA = 'Model schema must have at least 1 property or array items defined'

function unusedId(taken: Record<string, unknown> | Iterable<string>, length = 6): string {
  const used = new Set(Symbol.iterator in Object(taken) ? (taken as Iterable<string>) : Object.keys(taken))
  let id = randomId(length)
  while (used.has(id)) id = randomId(length)
  return id
}

function parseSchema(text: string | undefined): Record<string, unknown> {
  if (text === undefined || text.trim() === '') throw badRequest(EMPTY_SCHEMA)
  let schema: unknown
  try {
    schema = JSON.parse(text)
  } catch (err) {
    throw badRequest(`Invalid model specified: Validation Result: warnings : [], errors : [Invalid model schema specified: ${(err as Error).message}]`)
  }
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) throw badRequest('Invalid model specified: the schema must be a JSON object')
  if (Object.keys(schema).length === 0) throw badRequest(EMPTY_SCHEMA)
  return schema as Record<string, unknown>
}

function modelNotFound(name: string): ReturnType<typeof notFound> {
  return notFound(`Invalid model name specified: ${name}`)
}

/** POST /restapis/{id}/models (CreateModel, 201). */
export async function createModel(ctx: HandlerContext): Promise<void> {
  const body = await readJsonObject(ctx.req)
  const name = optionalString(body, 'name') ?? ''
  if (name === '') throw badRequest('Model name must be non-empty')
  if (!MODEL_NAME.test(name)) throw badRequest('Invalid model name specified: model names are alphanumeric')
  const contentType = optionalString(body, 'contentType')
  if (contentType === undefined || contentType === '') throw badRequest('Invalid content type specified: a model needs a contentType')
  const schema = parseSchema(optionalString(body, 'schema'))
  const model = await changeRestApi(ctx, ctx.params[0]!, (api) => {
    if (api.models[name]) throw conflict('Model name already exists for this REST API')
    const m: Model = { id: unusedId(Object.values(api.models).map((x) => x.id)), name, contentType, schema }
    const description = optionalString(body, 'description')
    if (description !== undefined && description !== '') m.description = description
    api.models[name] = m
    return m
  })
  sendJson(ctx.res, 201, modelJson(model))
}

/** GET /restapis/{id}/models (GetModels). */
export async function listModels(ctx: HandlerContext): Promise<void> {
  const api = (await readRestApi(ctx, ctx.store, ctx.params[0]!)).value
  const models = Object.values(api.models).sort((a, b) => (a.name < b.name ? -1 : 1))
  const p = page(models, ctx.url, (m) => m.name)
  sendJson(ctx.res, 200, { item: p.items.map(modelJson), ...(p.position !== undefined ? { position: p.position } : {}) })
}

function modelOf(api: RestApi, name: string): Model {
  const m = api.models[name]
  if (!m) throw modelNotFound(name)
  return m
}

/** GET /restapis/{id}/models/{name} (GetModel). */
export async function getModel(ctx: HandlerContext): Promise<void> {
  const doc = await ctx.store.get<RestApi>('api', ctx.params[0]!)
  // Recorded: an unknown API reads as an unknown model here.
  if (!doc || doc.value.kind !== 'REST') throw modelNotFound(ctx.params[1]!)
  sendJson(ctx.res, 200, modelJson(modelOf(doc.value, ctx.params[1]!)))
}

/** Where a model is used: `/path/VERB` of the first method whose request or responses name it. */
function modelUse(api: RestApi, name: string): string | undefined {
  for (const r of Object.values(api.resources)) {
    for (const [verb, m] of Object.entries(r.resourceMethods)) {
      if (Object.values(m!.requestModels).includes(name)) return `method request: ${r.path}/${verb}`
      for (const resp of Object.values(m!.methodResponses)) if (Object.values(resp.responseModels).includes(name)) return `method response: ${r.path}/${verb}`
    }
  }
  return undefined
}

/** PATCH /restapis/{id}/models/{name} (UpdateModel): `replace` on `/description` and `/schema`. */
export async function updateModel(ctx: HandlerContext): Promise<void> {
  const ops = patchOperations(await readJsonObject(ctx.req), 'updateModelInput')
  const name = ctx.params[1]!
  const model = await changeRestApi(
    ctx,
    ctx.params[0]!,
    (api) => {
      const m = modelOf(api, name)
      for (const op of ops) {
        if (op.op !== 'replace') throw unsupportedOp(op)
        if (op.path === '/description') {
          if (op.value === undefined || op.value === '') delete m.description
          else m.description = op.value
        } else if (op.path === '/schema') m.schema = parseSchema(op.value)
        else throw invalidPatchPath(op, ['/description', '/schema'])
      }
      return m
    },
    { missing: `Invalid model name specified: ${name}` },
  )
  sendJson(ctx.res, 200, modelJson(model))
}

/** DELETE /restapis/{id}/models/{name} (DeleteModel, 202): refused while a method names the model (recorded). */
export async function deleteModel(ctx: HandlerContext): Promise<void> {
  const name = ctx.params[1]!
  await changeRestApi(
    ctx,
    ctx.params[0]!,
    (api) => {
      modelOf(api, name)
      const use = modelUse(api, name)
      if (use !== undefined) throw conflict(`Cannot delete model '${name}', is referenced in ${use}`)
      delete api.models[name]
    },
    { missing: `Invalid model name specified: ${name}` },
  )
  sendAccepted(ctx.res)
}

/** A mapping template skeleton for a model's schema (GetModelTemplate): every property mapped from the input. */
function templateFor(schema: Record<string, unknown>, api: RestApi): string {
  const lines: string[] = []
  const render = (s: Record<string, unknown>, source: string, indent: string, depth: number): void => {
    const ref = typeof s.$ref === 'string' ? /\/models\/([A-Za-z0-9]+)$/.exec(s.$ref)?.[1] : undefined
    if (ref !== undefined && api.models[ref] && depth < 5) return render(api.models[ref]!.schema, source, indent, depth + 1)
    const props = (s.properties ?? {}) as Record<string, Record<string, unknown>>
    const entries = Object.entries(props)
    lines.push('{')
    entries.forEach(([k, p], i) => {
      const comma = i < entries.length - 1 ? ',' : ''
      const path = `${source}.${k}`
      if (p.type === 'object' || p.properties !== undefined || p.$ref !== undefined) {
        lines.push(`${indent}  "${k}" : `)
        render(p, path, indent + '  ', depth + 1)
        lines[lines.length - 1] += comma
      } else if (p.type === 'number' || p.type === 'integer' || p.type === 'boolean') lines.push(`${indent}  "${k}" : $${path}${comma}`)
      else lines.push(`${indent}  "${k}" : "$${path}"${comma}`)
    })
    lines.push(`${indent}}`)
  }
  render(schema, 'inputRoot', '', 0)
  return `#set($inputRoot = $input.path('$'))\n${lines.join('\n')}`
}

/** GET /restapis/{id}/models/{name}/default_template (GetModelTemplate): `{value}`. */
export async function getModelTemplate(ctx: HandlerContext): Promise<void> {
  const api = (await readRestApi(ctx, ctx.store, ctx.params[0]!)).value
  sendJson(ctx.res, 200, { value: templateFor(modelOf(api, ctx.params[1]!).schema, api) })
}

// ---------------------------------------------------------------------------------------------------
// Request validators

const VALIDATOR_PATHS = ['/name', '/validateRequestParameters', '/validateRequestBody']

/** POST /restapis/{id}/requestvalidators (CreateRequestValidator, 201). */
export async function createValidator(ctx: HandlerContext): Promise<void> {
  const body = await readJsonObject(ctx.req)
  const doc = await ctx.store.get<RestApi>('api', ctx.params[0]!)
  // Recorded: this operation names an unknown API a bad request.
  if (!doc || doc.value.kind !== 'REST') throw badRequest('Invalid REST API identifier specified')
  const validator = await changeRestApi(ctx, ctx.params[0]!, (api) => {
    const v: RequestValidator = {
      id: unusedId(api.requestValidators),
      name: optionalString(body, 'name') ?? '',
      validateRequestBody: optionalBool(body, 'validateRequestBody') ?? false,
      validateRequestParameters: optionalBool(body, 'validateRequestParameters') ?? false,
    }
    if (Object.values(api.requestValidators).some((x) => x.name === v.name && v.name !== '')) throw conflict('Validator already exists for this REST API')
    api.requestValidators[v.id] = v
    return v
  })
  sendJson(ctx.res, 201, validatorJson(validator))
}

/** GET /restapis/{id}/requestvalidators (GetRequestValidators). */
export async function listValidators(ctx: HandlerContext): Promise<void> {
  const api = (await readRestApi(ctx, ctx.store, ctx.params[0]!)).value
  const all = Object.values(api.requestValidators).sort((a, b) => (a.id < b.id ? -1 : 1))
  const p = page(all, ctx.url, (v) => v.id)
  sendJson(ctx.res, 200, { item: p.items.map(validatorJson), ...(p.position !== undefined ? { position: p.position } : {}) })
}

function validatorOf(api: RestApi, id: string): RequestValidator {
  const v = api.requestValidators[id]
  if (!v) throw notFound(VALIDATOR_NOT_FOUND)
  return v
}

/** GET /restapis/{id}/requestvalidators/{validatorId} (GetRequestValidator). */
export async function getValidator(ctx: HandlerContext): Promise<void> {
  const api = (await readRestApi(ctx, ctx.store, ctx.params[0]!)).value
  sendJson(ctx.res, 200, validatorJson(validatorOf(api, ctx.params[1]!)))
}

/** PATCH /restapis/{id}/requestvalidators/{validatorId} (UpdateRequestValidator). */
export async function updateValidator(ctx: HandlerContext): Promise<void> {
  const ops = patchOperations(await readJsonObject(ctx.req), 'updateRequestValidatorInput')
  const validator = await changeRestApi(ctx, ctx.params[0]!, (api) => {
    const v = validatorOf(api, ctx.params[1]!)
    for (const op of ops) {
      if (op.op !== 'replace') throw unsupportedOp(op)
      if (!VALIDATOR_PATHS.includes(op.path)) throw invalidPatchPath(op, VALIDATOR_PATHS)
      if (op.path === '/name') {
        if (op.value === undefined || op.value.trim() === '') throw badRequest('Request Validator name cannot be blank')
        v.name = op.value
      } else if (op.path === '/validateRequestBody') v.validateRequestBody = patchBoolean(op.value)
      else v.validateRequestParameters = patchBoolean(op.value)
    }
    return v
  })
  sendJson(ctx.res, 200, validatorJson(validator))
}

/** DELETE /restapis/{id}/requestvalidators/{validatorId} (DeleteRequestValidator, 202): methods using it lose it. */
export async function deleteValidator(ctx: HandlerContext): Promise<void> {
  await changeRestApi(ctx, ctx.params[0]!, (api) => {
    const v = validatorOf(api, ctx.params[1]!)
    delete api.requestValidators[v.id]
    for (const r of Object.values(api.resources)) for (const m of Object.values(r.resourceMethods)) if (m!.requestValidatorId === v.id) delete m!.requestValidatorId
  })
  sendAccepted(ctx.res)
}

// ---------------------------------------------------------------------------------------------------
// Authorizers

const AUTHORIZER_TYPES = ['TOKEN', 'REQUEST', 'COGNITO_USER_POOLS'] as const

function checkAuthorizer(a: Authorizer): void {
  if (!(AUTHORIZER_TYPES as readonly string[]).includes(a.type)) throw badRequest(`Invalid authorizer type specified: ${a.type}. Valid options are ${AUTHORIZER_TYPES.join(',')}`)
  if (a.name.trim() === '') throw badRequest('Invalid authorizer name specified: an authorizer needs a name')
  if (a.type === 'COGNITO_USER_POOLS') {
    if (!a.providerARNs || a.providerARNs.length === 0) throw badRequest('Invalid Provider ARNs specified: a COGNITO_USER_POOLS authorizer needs providerARNs')
  } else if (!a.authorizerUri) throw badRequest('Invalid Authorizer URI specified: a TOKEN or REQUEST authorizer needs an authorizerUri')
  if (a.type === 'TOKEN' && !a.identitySource) throw badRequest('Identity Source must be specified for a TOKEN authorizer')
  if (!Number.isInteger(a.authorizerResultTtlInSeconds) || a.authorizerResultTtlInSeconds < 0 || a.authorizerResultTtlInSeconds > 3600) {
    throw badRequest('Invalid Authorizer TTL specified: authorizerResultTtlInSeconds is 0 to 3600')
  }
}

/** POST /restapis/{id}/authorizers (CreateAuthorizer, 201). */
export async function createAuthorizer(ctx: HandlerContext): Promise<void> {
  const body = await readJsonObject(ctx.req)
  const authorizer = await changeRestApi(ctx, ctx.params[0]!, (api) => {
    const a: Authorizer = {
      id: unusedId(api.authorizers),
      name: optionalString(body, 'name') ?? '',
      type: (optionalString(body, 'type') ?? '').toUpperCase() as Authorizer['type'],
      authorizerResultTtlInSeconds: optionalInt(body, 'authorizerResultTtlInSeconds') ?? 300,
    }
    const providerARNs = stringList(body, 'providerARNs')
    if (providerARNs !== undefined) a.providerARNs = providerARNs
    for (const field of ['authType', 'authorizerUri', 'authorizerCredentials', 'identitySource', 'identityValidationExpression'] as const) {
      const v = optionalString(body, field)
      if (v !== undefined && v !== '') a[field] = v
    }
    checkAuthorizer(a)
    api.authorizers[a.id] = a
    return a
  })
  sendJson(ctx.res, 201, authorizerJson(authorizer))
}

/** GET /restapis/{id}/authorizers (GetAuthorizers). */
export async function listAuthorizers(ctx: HandlerContext): Promise<void> {
  const api = (await readRestApi(ctx, ctx.store, ctx.params[0]!)).value
  const all = Object.values(api.authorizers).sort((a, b) => (a.id < b.id ? -1 : 1))
  const p = page(all, ctx.url, (a) => a.id)
  sendJson(ctx.res, 200, { item: p.items.map(authorizerJson), ...(p.position !== undefined ? { position: p.position } : {}) })
}

function authorizerOf(api: RestApi, id: string): Authorizer {
  const a = api.authorizers[id]
  if (!a) throw notFound(AUTHORIZER_NOT_FOUND)
  return a
}

/** GET /restapis/{id}/authorizers/{authorizerId} (GetAuthorizer). */
export async function getAuthorizer(ctx: HandlerContext): Promise<void> {
  const api = (await readRestApi(ctx, ctx.store, ctx.params[0]!)).value
  sendJson(ctx.res, 200, authorizerJson(authorizerOf(api, ctx.params[1]!)))
}

const AUTHORIZER_PATHS = ['/name', '/type', '/authType', '/authorizerUri', '/authorizerCredentials', '/identitySource', '/identityValidationExpression', '/authorizerResultTtlInSeconds', '/providerARNs']

/** PATCH /restapis/{id}/authorizers/{authorizerId} (UpdateAuthorizer). */
export async function updateAuthorizer(ctx: HandlerContext): Promise<void> {
  const ops = patchOperations(await readJsonObject(ctx.req), 'updateAuthorizerInput')
  const authorizer = await changeRestApi(ctx, ctx.params[0]!, (api) => {
    const a = authorizerOf(api, ctx.params[1]!)
    for (const op of ops) {
      if (op.path === '/providerARNs' || op.path.startsWith('/providerARNs/')) {
        const arns = new Set(a.providerARNs ?? [])
        const arn = op.value ?? ''
        if (op.op === 'add') arns.add(arn)
        else if (op.op === 'remove') arns.delete(arn)
        else if (op.op === 'replace') {
          arns.clear()
          for (const x of arn.split(',').map((s) => s.trim()).filter(Boolean)) arns.add(x)
        } else throw unsupportedOp(op)
        a.providerARNs = [...arns]
        continue
      }
      if (!AUTHORIZER_PATHS.includes(op.path)) throw invalidPatchPath(op, AUTHORIZER_PATHS)
      if (op.op !== 'replace') throw unsupportedOp(op)
      const v = op.value
      if (op.path === '/authorizerResultTtlInSeconds') {
        if (!/^\d+$/.test(v ?? '')) throw badRequest('Invalid Authorizer TTL specified: authorizerResultTtlInSeconds is 0 to 3600')
        a.authorizerResultTtlInSeconds = Number(v)
      } else if (op.path === '/name') a.name = v ?? ''
      else if (op.path === '/type') a.type = (v ?? '').toUpperCase() as Authorizer['type']
      else {
        const field = op.path.slice(1) as 'authType' | 'authorizerUri' | 'authorizerCredentials' | 'identitySource' | 'identityValidationExpression'
        if (v === undefined || v === '') delete a[field]
        else a[field] = v
      }
    }
    checkAuthorizer(a)
    return a
  })
  sendJson(ctx.res, 200, authorizerJson(authorizer))
}

/** DELETE /restapis/{id}/authorizers/{authorizerId} (DeleteAuthorizer, 202): refused while a method uses it. */
export async function deleteAuthorizer(ctx: HandlerContext): Promise<void> {
  await changeRestApi(ctx, ctx.params[0]!, (api) => {
    const a = authorizerOf(api, ctx.params[1]!)
    for (const r of Object.values(api.resources)) {
      for (const [verb, m] of Object.entries(r.resourceMethods)) {
        if (m!.authorizerId === a.id) throw conflict(`Cannot delete authorizer '${a.name}', is referenced in method: ${r.path}/${verb}`)
      }
    }
    delete api.authorizers[a.id]
  })
  sendAccepted(ctx.res)
}
