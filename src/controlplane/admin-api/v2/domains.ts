// apigatewayv2's custom domain names (§1.7): CreateDomainName, GetDomainName(s), UpdateDomainName,
// DeleteDomainName, and API mappings (Create/Get/Update/Delete ApiMapping). The same `domain` documents as
// apigateway's (rest/domains.ts): an API mapping is a base path mapping with an id, to a REST or HTTP API stage.

import type { ApiMapping, DomainName } from '../../../model/types.js'
import type { HandlerContext } from '../context.js'
import { badRequest, notFound, readJsonObject, sendJson, sendNoContent } from '../http.js'
import {
  removeMapping,
  apiMappingJson,
  checkBasePath,
  changeDomain,
  checkBasePathFree,
  checkDomainName,
  checkEndpointType,
  checkSecurityPolicy,
  checkTarget,
  domainJsonV2,
  listDomains,
  putNewDomain,
  readDomain,
  readTruststore,
  resolveCertificate,
  type TargetErrors,
} from '../domains.js'
import { deleteOp } from '../writes.js'
import { apiNotFound, pageV2, str, stringMapOf, unusedId } from './common.js'

const API_MAPPING_NOT_FOUND = 'Invalid API mapping identifier specified'

function targetErrors(ctx: HandlerContext): TargetErrors {
  return { api: (id) => apiNotFound(ctx, id), stage: (stage) => badRequest(`Invalid stage identifier specified ${stage}`) }
}

/** The one DomainNameConfiguration this gateway keeps per domain (AWS has one per endpoint type). */
function configurationOf(body: Record<string, unknown>): Record<string, unknown> | undefined {
  const v = body.domainNameConfigurations
  if (v === undefined || v === null) return undefined
  if (!Array.isArray(v) || v.some((c) => typeof c !== 'object' || c === null)) throw badRequest('DomainNameConfigurations must be a list of objects')
  if (v.length !== 1) throw badRequest('Give exactly one DomainNameConfiguration (this gateway serves one endpoint type per custom domain name)')
  return v[0] as Record<string, unknown>
}

/** Applies a DomainNameConfiguration and MutualTlsAuthentication (CreateDomainName, UpdateDomainName); the writes check the domain's rules. */
async function applyV2Fields(ctx: HandlerContext, d: DomainName, body: Record<string, unknown>, creating: boolean): Promise<void> {
  const config = configurationOf(body)
  if (creating && config === undefined) throw badRequest('DomainNameConfigurations is required: give [{CertificateArn, EndpointType, SecurityPolicy}]')
  if (config) {
    d.endpointType = checkEndpointType(str(config, 'endpointType') ?? '', d.endpointType)
    d.securityPolicy = checkSecurityPolicy(str(config, 'securityPolicy'), d.securityPolicy)
    const arn = str(config, 'certificateArn')
    const name = str(config, 'certificateName')
    if (arn !== undefined || creating) {
      const cert = await resolveCertificate(ctx.writer.store, d.domainName, { arn, name: name ?? d.certificateName }, 'CertificateArn', false)
      delete d.certificatePem
      delete d.certificateFiles
      delete d.certificateName
      Object.assign(d, cert)
    } else if (name !== undefined) d.certificateName = name
  }
  const mtls = body.mutualTlsAuthentication
  if (mtls !== undefined && mtls !== null) {
    if (typeof mtls !== 'object' || Array.isArray(mtls)) throw badRequest('MutualTlsAuthentication must be an object with TruststoreUri and TruststoreVersion')
    const m = mtls as Record<string, unknown>
    const uri = str(m, 'truststoreUri')
    if (!creating && (uri === '' || (uri === undefined && !d.mutualTlsAuthentication))) delete d.mutualTlsAuthentication
    else d.mutualTlsAuthentication = await readTruststore(uri ?? d.mutualTlsAuthentication?.truststoreUri, str(m, 'truststoreVersion') ?? d.mutualTlsAuthentication?.truststoreVersion)
  }
}

/** POST /v2/domainnames (CreateDomainName, 201). */
export async function createDomainNameV2(ctx: HandlerContext): Promise<void> {
  const body = await readJsonObject(ctx.req)
  const domainName = checkDomainName(str(body, 'domainName'))
  const d: DomainName = { domainName, securityPolicy: 'TLS_1_2', endpointType: 'REGIONAL', mappings: [], tags: stringMapOf(body, 'tags') ?? {}, createdDate: ctx.now().toISOString() }
  await applyV2Fields(ctx, d, body, true)
  await putNewDomain(ctx, d)
  sendJson(ctx.res, 201, domainJsonV2(d, ctx.region))
}

/** GET /v2/domainnames (GetDomainNames): maxResults/nextToken. */
export async function listDomainNamesV2(ctx: HandlerContext): Promise<void> {
  const p = pageV2(await listDomains(ctx.store), ctx.url, (d) => d.domainName)
  sendJson(ctx.res, 200, { items: p.items.map((d) => domainJsonV2(d, ctx.region)), ...(p.nextToken ? { nextToken: p.nextToken } : {}) })
}

export async function getDomainNameV2(ctx: HandlerContext): Promise<void> {
  sendJson(ctx.res, 200, domainJsonV2((await readDomain(ctx.store, ctx.params[0]!)).value, ctx.region))
}

/** PATCH /v2/domainnames/{domainName} (UpdateDomainName): the given configuration and mutual TLS; admin-owned after. */
export async function updateDomainNameV2(ctx: HandlerContext): Promise<void> {
  const body = await readJsonObject(ctx.req)
  const result = await changeDomain(ctx, ctx.params[0]!, async (d) => {
    await applyV2Fields(ctx, d, body, false)
    return { result: d }
  })
  sendJson(ctx.res, 200, domainJsonV2(result, ctx.region))
}

/** DELETE /v2/domainnames/{domainName} (DeleteDomainName, 204): with its mappings. */
export async function deleteDomainNameV2(ctx: HandlerContext): Promise<void> {
  await ctx.writer.write(async (store) => ({ ops: [deleteOp(await readDomain(store, ctx.params[0]!))], result: undefined }))
  sendNoContent(ctx.res)
}

// ---------------------------------------------------------------------------------------------------
// API mappings

function mappingById(d: DomainName, id: string): ApiMapping {
  const m = d.mappings.find((x) => x.id === id)
  if (!m) throw notFound(API_MAPPING_NOT_FOUND)
  return m
}

/** Applies ApiId, ApiMappingKey and Stage of a request to a mapping (the new one, or a copy being updated). */
function applyMappingFields(d: DomainName, m: ApiMapping, body: Record<string, unknown>): void {
  const apiId = str(body, 'apiId')
  if (apiId !== undefined && apiId !== '') m.apiId = apiId
  const key = str(body, 'apiMappingKey')
  if (key !== undefined) {
    m.basePath = checkBasePath(key)
    checkBasePathFree(d, m.basePath, m)
  }
  const stage = str(body, 'stage')
  if (stage !== undefined && stage !== '') m.stage = stage
}

/** POST /v2/domainnames/{domainName}/apimappings (CreateApiMapping, 201): ApiId and Stage required. */
export async function createApiMapping(ctx: HandlerContext): Promise<void> {
  const body = await readJsonObject(ctx.req)
  if (!str(body, 'apiId')) throw badRequest('ApiId is required: the API the mapping routes to')
  if (!str(body, 'stage')) throw badRequest('Stage is required: the stage of the API the mapping routes to')
  const result = await changeDomain(ctx, ctx.params[0]!, async (d, store) => {
    const m: ApiMapping = { id: unusedId(d.mappings.map((x) => x.id), 6), basePath: '', apiId: '' }
    applyMappingFields(d, m, body)
    checkBasePathFree(d, m.basePath, m)
    d.mappings.push(m)
    return { result: m, extra: [await checkTarget(store, d, m, targetErrors(ctx), false)] }
  })
  sendJson(ctx.res, 201, apiMappingJson(result))
}

/** GET /v2/domainnames/{domainName}/apimappings (GetApiMappings): every mapping, apigateway's base path mappings included. */
export async function listApiMappings(ctx: HandlerContext): Promise<void> {
  const d = (await readDomain(ctx.store, ctx.params[0]!)).value
  const sorted = [...d.mappings].sort((a, b) => (a.basePath < b.basePath ? -1 : 1))
  const p = pageV2(sorted, ctx.url, (m) => m.basePath)
  sendJson(ctx.res, 200, { items: p.items.map(apiMappingJson), ...(p.nextToken ? { nextToken: p.nextToken } : {}) })
}

export async function getApiMapping(ctx: HandlerContext): Promise<void> {
  const d = (await readDomain(ctx.store, ctx.params[0]!)).value
  sendJson(ctx.res, 200, apiMappingJson(mappingById(d, ctx.params[1]!)))
}

/** PATCH /v2/domainnames/{domainName}/apimappings/{apiMappingId} (UpdateApiMapping): the fields given. */
export async function updateApiMapping(ctx: HandlerContext): Promise<void> {
  const body = await readJsonObject(ctx.req)
  const result = await changeDomain(ctx, ctx.params[0]!, async (d, store) => {
    const m = mappingById(d, ctx.params[1]!)
    applyMappingFields(d, m, body)
    return { result: m, extra: [await checkTarget(store, d, m, targetErrors(ctx), false)] }
  })
  sendJson(ctx.res, 200, apiMappingJson(result))
}

/** DELETE /v2/domainnames/{domainName}/apimappings/{apiMappingId} (DeleteApiMapping, 204). */
export async function deleteApiMapping(ctx: HandlerContext): Promise<void> {
  await removeMapping(ctx, (d) => mappingById(d, ctx.params[1]!))
  sendNoContent(ctx.res)
}
