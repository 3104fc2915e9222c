// AWS's Resource operations (§1.2, §16): GetResources (`embed=methods`), GetResource, CreateResource,
// UpdateResource (`/pathPart`, `/parentId`) and DeleteResource (with its children), with the recorded rules
// and messages for path parts, siblings and greedy variables.

import { randomId } from '../../../model/ids.js'
import type { Resource, RestApi } from '../../../model/types.js'
import type { HandlerContext } from '../context.js'
import { badRequest, conflict, notFound, optionalString, page, patchOperations, readJsonObject, sendAccepted, sendJson } from '../http.js'
import { RESOURCE_NOT_FOUND, changeRestApi, descendants, readRestApi, repath, resourceOf, unsupportedOp } from './common.js'
import { resourceJson } from './shapes.js'

const PATH_PART = /^(?:[A-Za-z0-9._:,-]+|\{[A-Za-z0-9._-]+\+?\})$/

const isVariable = (part: string): boolean => part.startsWith('{')
const isGreedy = (part: string): boolean => part.endsWith('+}')

function embedsMethods(url: URL): boolean {
  return url.searchParams.getAll('embed').some((e) => e.split(',').map((s) => s.trim()).includes('methods'))
}

/** Checks a resource `pathPart` under `parentId`; `selfId` is the resource itself when it moves or is renamed. */
function checkPlacement(api: RestApi, parentId: string, pathPart: string, selfId?: string): void {
  if (!PATH_PART.test(pathPart)) {
    throw badRequest("Resource's path part only allow a-zA-Z0-9._-: and curly braces at the beginning and the end and an optional plus sign before the closing brace.")
  }
  const parent = api.resources[parentId]
  if (!parent) throw notFound(RESOURCE_NOT_FOUND)
  if (isGreedy(parent.pathPart)) throw badRequest(`Cannot create a child of a resource with a greedy path variable: ${parent.pathPart}`)
  for (const sibling of Object.values(api.resources)) {
    if (sibling.parentId !== parentId || sibling.id === selfId) continue
    if (sibling.pathPart === pathPart) throw conflict(`Another resource with the same parent already has this name: ${pathPart}`)
    if (isVariable(pathPart) && isVariable(sibling.pathPart)) throw badRequest(`A sibling (${sibling.pathPart}) of this resource already has a variable path part -- only one is allowed`)
  }
}

/** GET /restapis/{id}/resources (GetResources): `{item, position}`, root first, by path. */
export async function listResources(ctx: HandlerContext): Promise<void> {
  const api = (await readRestApi(ctx, ctx.store, ctx.params[0]!)).value
  const resources = Object.values(api.resources).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
  const p = page(resources, ctx.url, (r) => r.path)
  const embed = embedsMethods(ctx.url)
  sendJson(ctx.res, 200, { item: p.items.map((r) => resourceJson(r, embed)), ...(p.position !== undefined ? { position: p.position } : {}) })
}

/** GET /restapis/{id}/resources/{resourceId} (GetResource). */
export async function getResource(ctx: HandlerContext): Promise<void> {
  const api = (await readRestApi(ctx, ctx.store, ctx.params[0]!, RESOURCE_NOT_FOUND)).value
  sendJson(ctx.res, 200, resourceJson(resourceOf(api, ctx.params[1]!), embedsMethods(ctx.url)))
}

/** POST /restapis/{id}/resources/{parentId} (CreateResource, 201). */
export async function createResource(ctx: HandlerContext): Promise<void> {
  const [apiId, parentId] = [ctx.params[0]!, ctx.params[1]!]
  const body = await readJsonObject(ctx.req)
  const pathPart = optionalString(body, 'pathPart') ?? ''
  const resource = await changeRestApi(
    ctx,
    apiId,
    (api) => {
      checkPlacement(api, parentId, pathPart)
      let id = randomId(6)
      while (api.resources[id]) id = randomId(6)
      const r: Resource = { id, parentId, pathPart, path: '', resourceMethods: {} }
      api.resources[id] = r
      repath(api, id)
      return r
    },
    { missing: RESOURCE_NOT_FOUND },
  )
  sendJson(ctx.res, 201, resourceJson(resource, false))
}

/** PATCH /restapis/{id}/resources/{resourceId} (UpdateResource): `replace` on `/pathPart` or `/parentId`. */
export async function updateResource(ctx: HandlerContext): Promise<void> {
  const [apiId, resourceId] = [ctx.params[0]!, ctx.params[1]!]
  const ops = patchOperations(await readJsonObject(ctx.req), 'updateResourceInput')
  const resource = await changeRestApi(
    ctx,
    apiId,
    (api) => {
      const r = resourceOf(api, resourceId)
      for (const op of ops) {
        if (op.path !== '/pathPart' && op.path !== '/parentId') {
          throw badRequest(`Invalid patch path  '${op.path}' specified for op '${op.op}'. Must be one of: [/parentId, /pathPart]`)
        }
        if (op.op !== 'replace') throw unsupportedOp(op)
        if (r.parentId === null) throw badRequest(`Root resource cannot update its ${op.path.slice(1)}.`)
        const value = op.value ?? ''
        if (op.path === '/pathPart') {
          checkPlacement(api, r.parentId, value, r.id)
          r.pathPart = value
        } else {
          if (!api.resources[value]) throw notFound(RESOURCE_NOT_FOUND)
          if (value === r.id || descendants(api, r.id).some((d) => d.id === value)) throw badRequest('Resources cannot be cyclical.')
          checkPlacement(api, value, r.pathPart, r.id)
          r.parentId = value
        }
        repath(api, r.id)
      }
      return r
    },
    { missing: RESOURCE_NOT_FOUND },
  )
  sendJson(ctx.res, 200, resourceJson(resource, false))
}

/** DELETE /restapis/{id}/resources/{resourceId} (DeleteResource, 202): the resource and everything below it. */
export async function deleteResource(ctx: HandlerContext): Promise<void> {
  const [apiId, resourceId] = [ctx.params[0]!, ctx.params[1]!]
  await changeRestApi(
    ctx,
    apiId,
    (api) => {
      const r = resourceOf(api, resourceId)
      if (r.parentId === null) throw badRequest('Cannot delete the root resource of a REST API')
      for (const d of descendants(api, r.id)) delete api.resources[d.id]
      delete api.resources[r.id]
    },
    { missing: RESOURCE_NOT_FOUND },
  )
  sendAccepted(ctx.res)
}
