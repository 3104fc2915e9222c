// AWS's RestApi operations (§1.1, §12.1, §16): CreateRestApi, ImportRestApi (`POST /restapis?mode=import`),
// GetRestApis, GetRestApi, UpdateRestApi (its patch paths), PutRestApi (`mode=merge|overwrite`) and
// DeleteRestApi (with the API's deployments and stages).

import { randomId } from '../../../model/ids.js'
import type { Api, Deployment, Model, RestApi, Stage } from '../../../model/types.js'
import type { ChangeOp } from '../../../store/port/ports.js'
import type { HandlerContext } from '../context.js'
import {
  badRequest,

  optionalString,
  page,
  patchBoolean,
  patchOperations,
  readBody,
  readJsonObject,
  sendAccepted,
  sendJson,
  stringMap,
  unescapeSegment,
  type PatchOperation,
} from '../http.js'
import { deleteOp, putOp } from '../writes.js'
import { unmappedOrRefuse } from '../domains.js'
import { apiNotFound, changeRestApi, invalidPath, onlyReplace, optionalBool, readRestApi, stringList } from './common.js'
import { importDocument, mergeApi, overwriteApi } from './definition.js'
import { defaultIpAddressType, restApiJson } from './shapes.js'

const MAX_COMPRESSION = 10485760
const COMPRESSION_PROBLEM = 'Invalid minimum compression size, must be between 0 and 10485760'
const ENDPOINT_TYPES = ['REGIONAL', 'EDGE', 'PRIVATE'] as const
const INVALID_ENDPOINT_TYPES = 'Invalid EndpointTypes specified. Valid options are REGIONAL,EDGE,PRIVATE'

/** The models every new REST API has (§1.9). */
function defaultModels(): Record<string, Model> {
  return {
    Empty: {
      id: randomId(6),
      name: 'Empty',
      contentType: 'application/json',
      description: 'This is a default empty schema model',
      schema: { $schema: 'http://json-schema.org/draft-04/schema#', title: 'Empty Schema', type: 'object' },
    },
    Error: {
      id: randomId(6),
      name: 'Error',
      contentType: 'application/json',
      description: 'This is a default error schema model',
      schema: { $schema: 'http://json-schema.org/draft-04/schema#', title: 'Error Schema', type: 'object', properties: { message: { type: 'string' } } },
    },
  }
}

function parsePolicy(text: string): Record<string, unknown> {
  let policy: unknown
  try {
    policy = JSON.parse(text)
  } catch {
    throw badRequest('Invalid policy document. Please check the policy syntax and ensure that Principals are valid.')
  }
  if (typeof policy !== 'object' || policy === null || Array.isArray(policy)) throw badRequest('Invalid policy document. Please check the policy syntax and ensure that Principals are valid.')
  return policy as Record<string, unknown>
}

function compressionSize(raw: unknown): number {
  const n = typeof raw === 'number' ? raw : NaN
  if (!Number.isInteger(n) || n < 0 || n > MAX_COMPRESSION) throw badRequest(COMPRESSION_PROBLEM)
  return n
}

/** `endpointConfiguration` of CreateRestApi, with the recorded messages. */
function endpointConfiguration(raw: unknown): RestApi['endpointConfiguration'] {
  if (raw === undefined || raw === null) return { types: ['EDGE'], ipAddressType: 'ipv4' }
  if (typeof raw !== 'object' || Array.isArray(raw)) throw badRequest('endpointConfiguration must be an object')
  const o = raw as Record<string, unknown>
  const types = o.types === undefined || o.types === null ? [] : o.types
  if (!Array.isArray(types)) throw badRequest(INVALID_ENDPOINT_TYPES)
  if (types.length > 1) throw badRequest('Cannot create an api with multiple Endpoint Types.')
  const type = types.length === 0 ? 'EDGE' : String(types[0]).toUpperCase()
  if (!(ENDPOINT_TYPES as readonly string[]).includes(type)) throw badRequest(INVALID_ENDPOINT_TYPES)
  const out: RestApi['endpointConfiguration'] = { types: [type as (typeof ENDPOINT_TYPES)[number]] }
  const ip = o.ipAddressType
  if (ip !== undefined && ip !== null && ip !== '') {
    if (ip !== 'ipv4' && ip !== 'dualstack') throw badRequest('ipAddressType must be either ipv4 or dualstack.')
    if (type === 'PRIVATE' && ip !== 'dualstack') throw badRequest('Only dualstack ipAddressType is supported for Private APIs.')
    out.ipAddressType = ip
  } else out.ipAddressType = defaultIpAddressType(out.types)
  if (Array.isArray(o.vpcEndpointIds) && o.vpcEndpointIds.length > 0) out.vpcEndpointIds = o.vpcEndpointIds.map(String)
  return out
}

/** POST /restapis (CreateRestApi, 201), or with `?mode=import` ImportRestApi. */
export async function createRestApi(ctx: HandlerContext): Promise<void> {
  if (ctx.url.searchParams.get('mode') === 'import') return importRestApi(ctx)
  const body = await readJsonObject(ctx.req)
  const name = optionalString(body, 'name')
  if (name === undefined || name.trim() === '') throw badRequest('Invalid REST API name specified: a REST API needs a name')
  const description = optionalString(body, 'description')
  if (description === '') throw badRequest('Description cannot be an empty string')
  const now = ctx.now().toISOString()
  const id = randomId(10)
  const rootId = randomId(10)
  let api: RestApi = {
    kind: 'REST',
    id,
    name,
    createdDate: now,
    binaryMediaTypes: stringList(body, 'binaryMediaTypes') ?? [],
    minimumCompressionSize: body.minimumCompressionSize === undefined || body.minimumCompressionSize === null ? null : compressionSize(body.minimumCompressionSize),
    apiKeySource: 'HEADER',
    endpointConfiguration: endpointConfiguration(body.endpointConfiguration),
    policy: null,
    disableExecuteApiEndpoint: optionalBool(body, 'disableExecuteApiEndpoint') ?? false,
    rootResourceId: rootId,
    resources: { [rootId]: { id: rootId, parentId: null, pathPart: '', path: '/', resourceMethods: {} } },
    models: defaultModels(),
    requestValidators: {},
    authorizers: {},
    gatewayResponses: {},
    tags: stringMap(body, 'tags'),
    extensions: {},
  }
  if (description !== undefined) api.description = description
  const version = optionalString(body, 'version')
  if (version !== undefined && version !== '') api.version = version
  const keySource = optionalString(body, 'apiKeySource')
  if (keySource !== undefined) {
    if (keySource !== 'HEADER' && keySource !== 'AUTHORIZER') throw badRequest(`Invalid API Key source specified: ${keySource}; use HEADER or AUTHORIZER`)
    api.apiKeySource = keySource
  }
  const policy = optionalString(body, 'policy')
  if (policy !== undefined && policy !== '') api.policy = parsePolicy(policy)
  const securityPolicy = optionalString(body, 'securityPolicy')
  if (securityPolicy !== undefined) api.securityPolicy = securityPolicy
  const accessMode = optionalString(body, 'endpointAccessMode')
  if (accessMode !== undefined) api.endpointAccessMode = accessMode
  const cloneFrom = optionalString(body, 'cloneFrom')
  if (cloneFrom !== undefined && cloneFrom !== '') {
    // The clone takes the source's definition (resources, models, authorizers…) but none of its stages.
    const source = (await readRestApi(ctx, ctx.store, cloneFrom)).value
    api = { ...structuredClone(source), id, name: api.name, createdDate: now, tags: api.tags, ...(description !== undefined ? { description } : {}) }
  }
  await ctx.writer.write(async () => ({ ops: [putOp('api', id, api, undefined)], result: undefined }))
  sendJson(ctx.res, 201, restApiJson(api))
}

/** POST /restapis?mode=import (ImportRestApi, 201): a new API from an OpenAPI document. */
async function importRestApi(ctx: HandlerContext): Promise<void> {
  const text = await readBody(ctx.req)
  const id = randomId(10)
  const { api, warnings } = importDocument(text, { id, createdDate: ctx.now().toISOString(), region: ctx.region, accountId: ctx.accountId, url: ctx.url })
  await ctx.writer.write(async () => ({ ops: [putOp('api', id, api, undefined)], result: undefined }))
  sendJson(ctx.res, 201, { ...restApiJson(api), ...(warnings.length > 0 ? { warnings } : {}) })
}

/** PUT /restapis/{id}?mode=merge|overwrite (PutRestApi, 200; merge is the default). */
export async function putRestApi(ctx: HandlerContext): Promise<void> {
  const id = ctx.params[0]!
  const mode = (ctx.url.searchParams.get('mode') ?? 'merge').toLowerCase()
  if (mode !== 'merge' && mode !== 'overwrite') throw badRequest(`Invalid mode '${mode}': use merge or overwrite`)
  const text = await readBody(ctx.req)
  let warnings: string[] = []
  const api = await changeRestApi(ctx, id, (current) => {
    const imported = importDocument(text, { id, createdDate: current.createdDate, region: ctx.region, accountId: ctx.accountId, url: ctx.url })
    warnings = imported.warnings
    const next = mode === 'overwrite' ? overwriteApi(current, imported.api) : mergeApi(current, imported.api)
    for (const k of Object.keys(current)) delete (current as unknown as Record<string, unknown>)[k]
    Object.assign(current, next)
    return current
  })
  sendJson(ctx.res, 200, { ...restApiJson(api, { tags: 'always' }), ...(warnings.length > 0 ? { warnings } : {}) })
}

/** Creation order, then id: a stable listing order for paging. */
function listOrder(api: Api): string {
  return `${String(Date.parse(api.createdDate)).padStart(15, '0')}:${api.id}`
}

/** GET /restapis (GetRestApis): `{item, position}`. */
export async function listRestApis(ctx: HandlerContext): Promise<void> {
  const apis = (await ctx.store.list<Api>('api'))
    .map((d) => d.value)
    .filter((a): a is RestApi => a.kind === 'REST')
    .sort((a, b) => (listOrder(a) < listOrder(b) ? -1 : 1))
  const p = page(apis, ctx.url, listOrder)
  sendJson(ctx.res, 200, { item: p.items.map((a) => restApiJson(a)), ...(p.position !== undefined ? { position: p.position } : {}) })
}

/** GET /restapis/{id} (GetRestApi). */
export async function getRestApi(ctx: HandlerContext): Promise<void> {
  sendJson(ctx.res, 200, restApiJson((await readRestApi(ctx, ctx.store, ctx.params[0]!)).value))
}

function applyRestApiPatch(api: RestApi, op: PatchOperation): void {
  const path = op.path
  const value = op.value
  if (path.startsWith('/binaryMediaTypes/')) {
    const type = unescapeSegment(path.slice('/binaryMediaTypes/'.length))
    if (op.op === 'add') {
      if (!api.binaryMediaTypes.includes(type)) api.binaryMediaTypes.push(type)
    } else if (op.op === 'remove') api.binaryMediaTypes = api.binaryMediaTypes.filter((t) => t !== type)
    else if (op.op === 'replace') {
      api.binaryMediaTypes = api.binaryMediaTypes.filter((t) => t !== type)
      if (value !== undefined && value !== '' && !api.binaryMediaTypes.includes(value)) api.binaryMediaTypes.push(value)
    } else throw badRequest("Invalid patch operation specified. Must be 'add'|'remove'|'replace'")
    return
  }
  if (path.startsWith('/endpointConfiguration/types/')) {
    if (op.op !== 'replace' && op.op !== 'add' && op.op !== 'remove') throw badRequest("Invalid patch operation specified. Must be 'add'|'remove'|'replace'")
    const next = (value ?? '').toUpperCase()
    if (!(ENDPOINT_TYPES as readonly string[]).includes(next)) throw badRequest(INVALID_ENDPOINT_TYPES)
    api.endpointConfiguration = { ...api.endpointConfiguration, types: [next as (typeof ENDPOINT_TYPES)[number]] }
    // A PRIVATE API is dualstack (recorded).
    if (next === 'PRIVATE') api.endpointConfiguration.ipAddressType = 'dualstack'
    return
  }
  if (path === '/endpointConfiguration/vpcEndpointIds') {
    if (value === undefined || value === '') throw badRequest('A VPC endpoint id is required')
    const ids = new Set(api.endpointConfiguration.vpcEndpointIds ?? [])
    if (op.op === 'add') ids.add(value)
    else if (op.op === 'remove') ids.delete(value)
    else throw badRequest("Invalid patch operation specified. Must be 'add'|'remove'")
    api.endpointConfiguration = { ...api.endpointConfiguration, vpcEndpointIds: [...ids] }
    return
  }
  if (path === '/endpointConfiguration/ipAddressType') {
    if (op.op !== 'replace') throw onlyReplace()
    if (value !== 'ipv4' && value !== 'dualstack') throw badRequest('ipAddressType must be either ipv4 or dualstack.')
    if (api.endpointConfiguration.types.includes('PRIVATE') && value !== 'dualstack') throw badRequest('Only dualstack ipAddressType is supported for Private APIs.')
    api.endpointConfiguration = { ...api.endpointConfiguration, ipAddressType: value }
    return
  }
  if (op.op === 'remove' && (path === '/description' || path === '/version' || path === '/policy' || path === '/minimumCompressionSize')) {
    if (path === '/policy') api.policy = null
    else if (path === '/minimumCompressionSize') api.minimumCompressionSize = null
    else delete api[path.slice(1) as 'description' | 'version']
    return
  }
  const known = ['/name', '/description', '/version', '/policy', '/apiKeySource', '/minimumCompressionSize', '/disableExecuteApiEndpoint', '/securityPolicy', '/endpointAccessMode']
  if (!known.includes(path)) throw invalidPath(op)
  if (op.op !== 'replace') throw onlyReplace()
  switch (path) {
    case '/name':
      if (value === undefined || value.trim() === '') throw badRequest('Invalid REST API name specified: the name cannot be empty')
      api.name = value
      return
    case '/description':
      if (value === undefined || value === '') delete api.description
      else api.description = value
      return
    case '/version':
      if (value === undefined || value === '') delete api.version
      else api.version = value
      return
    case '/policy':
      api.policy = value === undefined || value === '' ? null : parsePolicy(value)
      return
    case '/apiKeySource':
      if (value !== 'HEADER' && value !== 'AUTHORIZER') throw badRequest(`Invalid API Key source specified: ${String(value)}; use HEADER or AUTHORIZER`)
      api.apiKeySource = value
      return
    case '/minimumCompressionSize':
      if (value === undefined || value === '') api.minimumCompressionSize = null
      else {
        if (!/^-?\d+$/.test(value)) throw badRequest(COMPRESSION_PROBLEM)
        api.minimumCompressionSize = compressionSize(Number(value))
      }
      return
    case '/disableExecuteApiEndpoint':
      api.disableExecuteApiEndpoint = patchBoolean(value)
      return
    case '/securityPolicy':
      if (value === undefined || value === '') delete api.securityPolicy
      else api.securityPolicy = value
      return
    case '/endpointAccessMode':
      if (value === undefined || value === '') delete api.endpointAccessMode
      else api.endpointAccessMode = value
      return
  }
}

/** PATCH /restapis/{id} (UpdateRestApi). */
export async function updateRestApi(ctx: HandlerContext): Promise<void> {
  const ops = patchOperations(await readJsonObject(ctx.req), 'updateRestApiInput')
  const api = await changeRestApi(ctx, ctx.params[0]!, (api) => {
    for (const op of ops) applyRestApiPatch(api, op)
    return api
  })
  sendJson(ctx.res, 200, restApiJson(api, { tags: 'always' }))
}

/** DELETE /restapis/{id} (DeleteRestApi, 202): the API goes with its deployments and stages. */
export async function deleteRestApi(ctx: HandlerContext): Promise<void> {
  const id = ctx.params[0]!
  await ctx.writer.write(async (store) => {
    const doc = await store.get<Api>('api', id)
    if (!doc || doc.value.kind !== 'REST') throw apiNotFound(ctx, id)
    const touches = await unmappedOrRefuse(store, id, undefined, (domains) => `Deleting RestApi ${id} failed. Please remove all base path mappings related to the RestApi in your domains: ${domains}`)
    return { ops: [...(await apiWithDependents(store, doc)), ...touches], result: undefined }
  })
  sendAccepted(ctx.res)
}

/** The deletes of an API and everything that belongs to it (deployments, stages). */
export async function apiWithDependents(store: HandlerContext['store'], doc: Parameters<typeof deleteOp>[0]): Promise<ChangeOp[]> {
  const ops: ChangeOp[] = [deleteOp(doc)]
  for (const s of await store.list<Stage>('stage')) if (s.value.apiId === doc.id) ops.push(deleteOp(s))
  for (const d of await store.list<Deployment>('deployment')) if (d.value.apiId === doc.id) ops.push(deleteOp(d))
  return ops
}

