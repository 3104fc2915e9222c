// What the REST API (v1) handlers share: reading an API from the store with AWS's not-found messages,
// changing it in one revision-checked batch, and AWS's recorded messages and validation rules (§16.3).

import type { Api, HttpMethod, Method, Resource, RestApi } from '../../../model/types.js'
import { HTTP_METHODS } from '../../../model/types.js'
import type { ChangeOp, ConfigStore, StoredDoc } from '../../../store/port/ports.js'
import type { HandlerContext } from '../context.js'
import { AdminApiError, badRequest, notFound, validationErrors, type PatchOperation } from '../http.js'
import { putOp } from '../writes.js'

export const RESOURCE_NOT_FOUND = 'Invalid Resource identifier specified'
export const METHOD_NOT_FOUND = 'Invalid Method identifier specified'
export const INTEGRATION_NOT_FOUND = 'Invalid Integration identifier specified'
export const RESPONSE_NOT_FOUND = 'Invalid Response status code specified'
export const STAGE_NOT_FOUND = 'Invalid Stage identifier specified'
export const DEPLOYMENT_NOT_FOUND = 'Invalid Deployment identifier specified'
export const VALIDATOR_NOT_FOUND = 'Invalid Request Validator identifier specified'
export const AUTHORIZER_NOT_FOUND = 'Invalid Authorizer identifier specified'
export const INVALID_HTTP_METHOD = 'Invalid HttpMethod specified. Valid options are GET,PUT,POST,DELETE,PATCH,OPTIONS,HEAD,ANY'
export const INVALID_AUTHORIZER = 'Invalid authorizer ID specified. Setting the authorization type to CUSTOM or COGNITO_USER_POOLS requires a valid authorizer.'

/** `Invalid API identifier specified {account}:{id}` (404, recorded). */
export function apiNotFound(ctx: Pick<HandlerContext, 'accountId'>, id: string): AdminApiError {
  return notFound(`Invalid API identifier specified ${ctx.accountId}:${id}`)
}

/**
 * The REST API `id` as stored (with its revision), or the 404 AWS answers. Operations under a resource
 * answer `Invalid Resource identifier specified` for an unknown API too (recorded): pass that as `missing`.
 */
export async function readRestApi(ctx: Pick<HandlerContext, 'accountId'>, store: ConfigStore, id: string, missing?: string): Promise<StoredDoc<RestApi>> {
  const doc = await store.get<Api>('api', id)
  if (!doc || doc.value.kind !== 'REST') throw missing !== undefined ? notFound(missing) : apiNotFound(ctx, id)
  return doc as StoredDoc<RestApi>
}

/**
 * Changes a REST API's working definition: `change` edits a copy (and returns the answer, or throws an
 * AdminApiError to change nothing); the copy is written in one batch that fails on a concurrent change
 * (then everything is read and done again). The document becomes the admin's (origin `admin`): a config
 * file reload no longer replaces it. `extra` adds ops to the same batch.
 */
export async function changeRestApi<T>(
  ctx: HandlerContext,
  id: string,
  change: (api: RestApi, store: ConfigStore) => T | Promise<T>,
  opts: { missing?: string; extra?: (api: RestApi, store: ConfigStore) => Promise<ChangeOp[]> } = {},
): Promise<T> {
  const { result } = await ctx.writer.write(async (store) => {
    const doc = await readRestApi(ctx, store, id, opts.missing)
    const api = structuredClone(doc.value)
    const result = await change(api, store)
    const ops: ChangeOp[] = [putOp('api', id, api, doc)]
    if (opts.extra) ops.push(...(await opts.extra(api, store)))
    return { ops, result }
  })
  return result
}

/** An HTTP method of a path (`GET`, …, `ANY`), checked. */
export function httpMethodParam(raw: string): HttpMethod {
  const m = raw.toUpperCase()
  if (!(HTTP_METHODS as readonly string[]).includes(m)) throw badRequest(INVALID_HTTP_METHOD)
  return m as HttpMethod
}

export function resourceOf(api: RestApi, resourceId: string): Resource {
  const r = api.resources[resourceId]
  if (!r) throw notFound(RESOURCE_NOT_FOUND)
  return r
}

export function methodOf(api: RestApi, resourceId: string, httpMethod: string): { resource: Resource; method: Method; verb: HttpMethod } {
  const resource = resourceOf(api, resourceId)
  const verb = httpMethod.toUpperCase() as HttpMethod
  const method = resource.resourceMethods[verb]
  if (!method) throw notFound(METHOD_NOT_FOUND)
  return { resource, method, verb }
}

const STATUS = /^[1-5]\d\d$/

/** A status code path parameter: `[1-5]\d\d` or AWS's ValidationException (recorded). */
export function statusCodeParam(raw: string): string {
  if (!STATUS.test(raw)) throw validationErrors([`Value '${raw}' at 'statusCode' failed to satisfy constraint: Member must satisfy regular expression pattern: [1-5]\\d\\d`])
  return raw
}

/** `Invalid patch path  '/x' specified for op 'add'. Please choose supported operations` (recorded). */
export function unsupportedOp(op: PatchOperation): AdminApiError {
  return badRequest(`Invalid patch path  '${op.path}' specified for op '${op.op}'. Please choose supported operations`)
}

/** `Invalid patch path /x` (recorded for methods, method responses, gateway responses). */
export function invalidPath(op: PatchOperation): AdminApiError {
  return badRequest(`Invalid patch path ${op.path === '' ? 'null' : op.path}`)
}

/** `Invalid patch operation specified. Must be one of: [replace]` (recorded). */
export function onlyReplace(): AdminApiError {
  return badRequest('Invalid patch operation specified. Must be one of: [replace]')
}

/** The map key a patch path names after a prefix: `/requestParameters/method.request.header.x` → `method.request.header.x`. */
export function patchKey(path: string, prefix: string): string | undefined {
  if (!path.startsWith(prefix + '/')) return undefined
  const key = path.slice(prefix.length + 1)
  return key === '' ? undefined : key.replace(/~1/g, '/').replace(/~0/g, '~')
}

/** A body field that must be a string → boolean map (`requestParameters` of a method). */
export function booleanMap(body: Record<string, unknown>, field: string): Record<string, boolean> {
  const v = body[field]
  if (v === undefined || v === null) return {}
  if (typeof v !== 'object' || Array.isArray(v)) throw badRequest(`${field} must be a map of booleans`)
  const out: Record<string, boolean> = {}
  for (const [k, val] of Object.entries(v)) {
    if (typeof val !== 'boolean') throw badRequest(`Invalid value for ${k} in ${field}: must be true or false`)
    out[k] = val
  }
  return out
}

/** A body field that must be a list of strings. */
export function stringList(body: Record<string, unknown>, field: string): string[] | undefined {
  const v = body[field]
  if (v === undefined || v === null) return undefined
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw badRequest(`${field} must be a list of strings`)
  return v as string[]
}

/** A body field that must be a boolean. */
export function optionalBool(body: Record<string, unknown>, field: string): boolean | undefined {
  const v = body[field]
  if (v === undefined || v === null) return undefined
  if (typeof v !== 'boolean') throw badRequest(`${field} must be true or false`)
  return v
}

/** A body field that must be a whole number. */
export function optionalInt(body: Record<string, unknown>, field: string): number | undefined {
  const v = body[field]
  if (v === undefined || v === null) return undefined
  if (typeof v !== 'number' || !Number.isInteger(v)) throw badRequest(`${field} must be a whole number`)
  return v
}

/** Every resource below `id` (its descendants), deepest last. */
export function descendants(api: RestApi, id: string): Resource[] {
  const out: Resource[] = []
  const walk = (parentId: string): void => {
    for (const r of Object.values(api.resources)) {
      if (r.parentId === parentId) {
        out.push(r)
        walk(r.id)
      }
    }
  }
  walk(id)
  return out
}

/** Recomputes the `path` of a resource and its descendants after a pathPart or parentId change. */
export function repath(api: RestApi, id: string): void {
  const r = api.resources[id]!
  const parent = r.parentId === null ? undefined : api.resources[r.parentId]
  r.path = parent === undefined ? '/' : (parent.path === '/' ? '' : parent.path) + '/' + r.pathPart
  for (const child of Object.values(api.resources)) if (child.parentId === id) repath(api, child.id)
}
