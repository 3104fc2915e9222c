// ImportRestApi and PutRestApi (§12.1): an OpenAPI document through the project's importer, then merged
// into (mode=merge) or put in place of (mode=overwrite) an API's working definition. Ids the API already
// has are kept: resources by path, authorizers and validators by name, the root resource always.

import { ConfigError, type ConfigProblem } from '../../../errors.js'
import type { Authorizer, RequestValidator, Resource, RestApi } from '../../../model/types.js'
import { importOpenApi } from '../../openapi/import.js'
import { parseDefinition } from '../../openapi/parse.js'
import { badRequest } from '../http.js'

export interface ImportOptions {
  id: string
  createdDate: string
  region: string
  accountId: string
  url: URL
}

export interface Imported {
  api: RestApi
  warnings: string[]
}

function problemText(p: ConfigProblem): string {
  return `${p.path || '/'}: ${p.message}`
}

/**
 * The API an OpenAPI document describes, with the `basepath`, `failonwarnings` and `endpointConfigurationTypes`
 * query parameters of the import operations. A document that is not a valid definition is a 400 listing every
 * problem (recorded: BadRequestException).
 */
export function importDocument(text: string, opts: ImportOptions): Imported {
  const q = opts.url.searchParams
  const basepath = q.get('basepath') ?? q.get('basePath') ?? 'ignore'
  if (basepath !== 'ignore' && basepath !== 'prepend' && basepath !== 'split') throw badRequest(`Invalid basepath parameter '${basepath}': use ignore, prepend or split`)
  let api: RestApi
  let warnings: ConfigProblem[]
  try {
    const doc = parseDefinition(text)
    const result = importOpenApi(doc, { kind: 'REST', id: opts.id, basepath, region: opts.region, accountId: opts.accountId, createdDate: opts.createdDate })
    api = result.api as RestApi
    warnings = result.warnings
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err
    throw badRequest(`Invalid OpenAPI input: ${err.problems.map(problemText).join('; ')}`)
  }
  const texts = warnings.map(problemText)
  const failOnWarnings = (q.get('failonwarnings') ?? q.get('failOnWarnings'))?.toLowerCase() === 'true'
  if (failOnWarnings && texts.length > 0) throw badRequest(`Warnings found during import (failonwarnings=true): ${texts.join('; ')}`)
  const types = q.get('endpointConfigurationTypes') ?? q.get('parameters.endpointConfigurationTypes')
  if (types) {
    const t = types.toUpperCase()
    if (t !== 'EDGE' && t !== 'REGIONAL' && t !== 'PRIVATE') throw badRequest('Invalid EndpointTypes specified. Valid options are REGIONAL,EDGE,PRIVATE')
    api.endpointConfiguration = { ...api.endpointConfiguration, types: [t] }
  }
  return { api, warnings: texts }
}

/**
 * Renames `imported`'s ids to the ones `existing` has for the same things: the root resource, resources by
 * path, authorizers and validators by name, and every reference to them in methods.
 */
export function adoptIds(imported: RestApi, existing: RestApi): void {
  const resourceIds = new Map<string, string>()
  const byPath = new Map(Object.values(existing.resources).map((r) => [r.path, r.id]))
  for (const r of Object.values(imported.resources)) resourceIds.set(r.id, r.parentId === null ? existing.rootResourceId : (byPath.get(r.path) ?? r.id))
  const resources: Record<string, Resource> = {}
  for (const r of Object.values(imported.resources)) {
    const id = resourceIds.get(r.id)!
    resources[id] = { ...r, id, parentId: r.parentId === null ? null : (resourceIds.get(r.parentId) ?? r.parentId) }
  }
  imported.resources = resources
  imported.rootResourceId = existing.rootResourceId

  const authorizerIds = renameByName(imported.authorizers, existing.authorizers)
  const validatorIds = renameByName(imported.requestValidators, existing.requestValidators)
  for (const r of Object.values(imported.resources)) {
    for (const m of Object.values(r.resourceMethods)) {
      if (m!.authorizerId !== undefined) m!.authorizerId = authorizerIds.get(m!.authorizerId) ?? m!.authorizerId
      if (m!.requestValidatorId !== undefined) m!.requestValidatorId = validatorIds.get(m!.requestValidatorId) ?? m!.requestValidatorId
    }
  }
}

function renameByName<T extends Authorizer | RequestValidator>(imported: Record<string, T>, existing: Record<string, T>): Map<string, string> {
  const ids = new Map<string, string>()
  const byName = new Map(Object.values(existing).map((x) => [x.name, x.id]))
  const out: Record<string, T> = {}
  for (const x of Object.values(imported)) {
    const id = byName.get(x.name) ?? x.id
    ids.set(x.id, id)
    out[id] = { ...x, id }
  }
  for (const k of Object.keys(imported)) delete imported[k]
  Object.assign(imported, out)
  return ids
}

/**
 * PutRestApi mode=overwrite: the API becomes what the document describes; its id, creation date, endpoint
 * configuration and tags stay (§12.1: neither mode touches the endpoint configuration, stages or keys).
 */
export function overwriteApi(existing: RestApi, imported: RestApi): RestApi {
  adoptIds(imported, existing)
  return { ...imported, id: existing.id, createdDate: existing.createdDate, endpointConfiguration: existing.endpointConfiguration, tags: existing.tags }
}

/**
 * PutRestApi mode=merge: the document's methods replace the same methods of the API (resources are added
 * where missing); its models, authorizers, validators and gateway responses are added or replace the ones of
 * the same name; binary media types are added. Everything else of the API stays.
 */
export function mergeApi(existing: RestApi, imported: RestApi): RestApi {
  adoptIds(imported, existing)
  const api = structuredClone(existing)
  // Parents before children: a resource path's parent is shorter.
  for (const r of Object.values(imported.resources).sort((a, b) => a.path.length - b.path.length)) {
    const have = api.resources[r.id]
    if (!have) {
      api.resources[r.id] = { ...r, resourceMethods: { ...r.resourceMethods } }
      continue
    }
    Object.assign(have.resourceMethods, r.resourceMethods)
  }
  Object.assign(api.models, imported.models)
  Object.assign(api.authorizers, imported.authorizers)
  Object.assign(api.requestValidators, imported.requestValidators)
  Object.assign(api.gatewayResponses, imported.gatewayResponses)
  for (const t of imported.binaryMediaTypes) if (!api.binaryMediaTypes.includes(t)) api.binaryMediaTypes.push(t)
  if (imported.policy !== null) api.policy = imported.policy
  if (imported.minimumCompressionSize !== null) api.minimumCompressionSize = imported.minimumCompressionSize
  Object.assign(api.extensions, imported.extensions)
  return api
}
