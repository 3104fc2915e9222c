// apigateway's custom domain names (§1.7): CreateDomainName, GetDomainName(s), UpdateDomainName (its patch
// paths), DeleteDomainName, and the base path mappings under a domain (Create/Get/Update/Delete
// BasePathMapping). Base path mappings are the same list as apigatewayv2's API mappings (v2/domains.ts).

import type { ApiMapping, DomainName } from '../../../model/types.js'
import type { HandlerContext } from '../context.js'
import { badRequest, invalidPatchPath, optionalString, page, patchOperations, readJsonObject, sendAccepted, sendJson, stringMap, unescapeSegment, type PatchOperation } from '../http.js'
import {
  removeMapping,
  basePathMappingJson,
  checkBasePath,
  changeDomain,
  checkBasePathFree,
  checkDomainName,
  checkEndpointType,
  checkSecurityPolicy,
  checkTarget,
  domainJson,
  listDomains,
  mappingAt,
  putNewDomain,
  readDomain,
  readTruststore,
  resolveCertificate,
  type TargetErrors,
} from '../domains.js'
import { unusedId } from '../v2/common.js'
import { deleteOp } from '../writes.js'

/** AWS's answers to a base path mapping whose API or stage does not exist (400; the stage's as reported by users). */
const REST_TARGET_ERRORS: TargetErrors = {
  api: () => badRequest('Invalid REST API identifier specified'),
  stage: () => badRequest('Invalid stage identifier specified'),
}

/** UpdateDomainName's patch paths (all `replace`, besides removing mutual TLS). */
const DOMAIN_PATCH_PATHS = [
  '/certificateArn',
  '/certificateName',
  '/regionalCertificateArn',
  '/regionalCertificateName',
  '/securityPolicy',
  '/endpointConfiguration/types/{type}',
  '/mutualTlsAuthentication/truststoreUri',
  '/mutualTlsAuthentication/truststoreVersion',
]
const MAPPING_PATCH_PATHS = ['/basePath', '/restapiId', '/stage']

/** POST /domainnames (CreateDomainName, 201). */
export async function createDomainName(ctx: HandlerContext): Promise<void> {
  const body = await readJsonObject(ctx.req)
  const domainName = checkDomainName(optionalString(body, 'domainName'))
  const endpoint = body.endpointConfiguration as { types?: unknown } | undefined
  const types = endpoint?.types
  if (types !== undefined && types !== null && !Array.isArray(types)) throw badRequest('endpointConfiguration.types must be a list with one endpoint type: EDGE or REGIONAL')
  if (Array.isArray(types) && types.length > 1) throw badRequest('Cannot create an api with multiple Endpoint Types.')
  const endpointType = checkEndpointType(typeof types?.[0] === 'string' ? types[0] : '', 'EDGE')
  const regional = endpointType === 'REGIONAL'
  const [arnField, nameField, otherArn] = regional ? ['regionalCertificateArn', 'regionalCertificateName', 'certificateArn'] : ['certificateArn', 'certificateName', 'regionalCertificateArn']
  if (optionalString(body, otherArn)) throw badRequest(`${otherArn} is for ${regional ? 'EDGE' : 'REGIONAL'} domain names; a ${endpointType} domain name takes ${arnField}`)
  const mtlsRaw = body.mutualTlsAuthentication as Record<string, unknown> | undefined
  const mtls = mtlsRaw ? await readTruststore(optionalString(mtlsRaw, 'truststoreUri'), optionalString(mtlsRaw, 'truststoreVersion')) : undefined
  const tags = stringMap(body, 'tags')
  const securityPolicy = checkSecurityPolicy(optionalString(body, 'securityPolicy'), 'TLS_1_2')
  const cert = await resolveCertificate(
    ctx.store,
    domainName,
    { arn: optionalString(body, arnField), name: optionalString(body, nameField), body: optionalString(body, 'certificateBody'), privateKey: optionalString(body, 'certificatePrivateKey'), chain: optionalString(body, 'certificateChain') },
    arnField,
  )
  const d: DomainName = { domainName, ...cert, securityPolicy, endpointType, mappings: [], tags, createdDate: ctx.now().toISOString() }
  if (mtls) d.mutualTlsAuthentication = mtls
  await putNewDomain(ctx, d)
  sendJson(ctx.res, 201, domainJson(d, ctx.region))
}

/** GET /domainnames (GetDomainNames): paged with limit/position, under `item`. */
export async function listDomainNames(ctx: HandlerContext): Promise<void> {
  const p = page(await listDomains(ctx.store), ctx.url, (d) => d.domainName)
  sendJson(ctx.res, 200, { item: p.items.map((d) => domainJson(d, ctx.region)), ...(p.position !== undefined ? { position: p.position } : {}) })
}

/** GET /domainnames/{domainName} (GetDomainName). */
export async function getDomainName(ctx: HandlerContext): Promise<void> {
  sendJson(ctx.res, 200, domainJson((await readDomain(ctx.store, ctx.params[0]!)).value, ctx.region))
}

/** Applies UpdateDomainName's operations to a copy; certificate ARNs are checked by the caller. */
async function applyDomainPatch(d: DomainName, ops: PatchOperation[]): Promise<string | undefined> {
  let arn: string | undefined
  for (const op of ops) {
    const value = op.value ?? ''
    const regionalPath = op.path.startsWith('/regional')
    if (op.op === 'replace' && ['/certificateArn', '/regionalCertificateArn', '/certificateName', '/regionalCertificateName'].includes(op.path)) {
      if (op.path.endsWith('Name')) {
        if (value === '') delete d.certificateName
        else d.certificateName = value
        continue
      }
      if (value === '') throw badRequest(`${op.path.slice(1)} needs a value: the ARN of a certificate mapped in the config file's certificates:`)
      arn = value
      d.certificateArn = value
      delete d.certificatePem
      delete d.certificateFiles
      // The ARN member must suit the endpoint type the domain has after every operation (checked below).
      if (regionalPath !== (d.endpointType === 'REGIONAL') && !ops.some((o) => o.path.startsWith('/endpointConfiguration/types/'))) {
        throw badRequest(`${op.path.slice(1)} is for ${regionalPath ? 'REGIONAL' : 'EDGE'} domain names; this one is ${d.endpointType}`)
      }
    } else if (op.op === 'replace' && op.path === '/securityPolicy') {
      d.securityPolicy = checkSecurityPolicy(value, d.securityPolicy)
    } else if (op.op === 'replace' && op.path.startsWith('/endpointConfiguration/types/')) {
      d.endpointType = checkEndpointType(value, d.endpointType)
    } else if (op.op === 'replace' && op.path === '/mutualTlsAuthentication/truststoreUri') {
      if (value === '') delete d.mutualTlsAuthentication
      else d.mutualTlsAuthentication = await readTruststore(value, d.mutualTlsAuthentication?.truststoreVersion)
    } else if (op.op === 'replace' && op.path === '/mutualTlsAuthentication/truststoreVersion') {
      if (!d.mutualTlsAuthentication) throw badRequest('The domain name has no mutual TLS authentication; set /mutualTlsAuthentication/truststoreUri first')
      d.mutualTlsAuthentication = await readTruststore(d.mutualTlsAuthentication.truststoreUri, value)
    } else if (op.op === 'remove' && op.path === '/mutualTlsAuthentication') {
      delete d.mutualTlsAuthentication
    } else {
      throw invalidPatchPath(op, DOMAIN_PATCH_PATHS)
    }
  }
  return arn
}

/** PATCH /domainnames/{domainName} (UpdateDomainName): the domain becomes admin-owned. */
export async function updateDomainName(ctx: HandlerContext): Promise<void> {
  const ops = patchOperations(await readJsonObject(ctx.req), 'updateDomainNameInput')
  const result = await changeDomain(ctx, ctx.params[0]!, async (d, store) => {
    const arn = await applyDomainPatch(d, ops)
    if (arn !== undefined) Object.assign(d, await resolveCertificate(store, d.domainName, { arn, name: d.certificateName }, d.endpointType === 'REGIONAL' ? 'regionalCertificateArn' : 'certificateArn'))
    return { result: d }
  })
  sendJson(ctx.res, 200, domainJson(result, ctx.region))
}

/** DELETE /domainnames/{domainName} (DeleteDomainName, 202): with its mappings. */
export async function deleteDomainName(ctx: HandlerContext): Promise<void> {
  await ctx.writer.write(async (store) => ({ ops: [deleteOp(await readDomain(store, ctx.params[0]!))], result: undefined }))
  sendAccepted(ctx.res)
}

// ---------------------------------------------------------------------------------------------------
// Base path mappings

/** POST /domainnames/{domainName}/basepathmappings (CreateBasePathMapping, 201). */
export async function createBasePathMapping(ctx: HandlerContext): Promise<void> {
  const body = await readJsonObject(ctx.req)
  const basePath = checkBasePath(optionalString(body, 'basePath'))
  const restApiId = optionalString(body, 'restApiId')
  if (!restApiId) throw badRequest('restApiId is required: the REST API the base path maps to')
  const stage = optionalString(body, 'stage')
  const result = await changeDomain(ctx, ctx.params[0]!, async (d, store) => {
    const m: ApiMapping = { id: unusedId(d.mappings.map((x) => x.id), 6), basePath, apiId: restApiId }
    if (stage) m.stage = stage
    checkBasePathFree(d, basePath)
    d.mappings.push(m)
    return { result: m, extra: [await checkTarget(store, d, m, REST_TARGET_ERRORS, true)] }
  })
  sendJson(ctx.res, 201, basePathMappingJson(result))
}

/** GET /domainnames/{domainName}/basepathmappings (GetBasePathMappings): every mapping, apigatewayv2's included. */
export async function listBasePathMappings(ctx: HandlerContext): Promise<void> {
  const d = (await readDomain(ctx.store, ctx.params[0]!)).value
  const sorted = [...d.mappings].sort((a, b) => (a.basePath < b.basePath ? -1 : 1))
  const p = page(sorted, ctx.url, (m) => m.basePath)
  sendJson(ctx.res, 200, { item: p.items.map(basePathMappingJson), ...(p.position !== undefined ? { position: p.position } : {}) })
}

/** GET /domainnames/{domainName}/basepathmappings/{basePath} (GetBasePathMapping; `(none)` is the root). */
export async function getBasePathMapping(ctx: HandlerContext): Promise<void> {
  const d = (await readDomain(ctx.store, ctx.params[0]!)).value
  sendJson(ctx.res, 200, basePathMappingJson(mappingAt(d, ctx.params[1]!)))
}

/** PATCH /domainnames/{domainName}/basepathmappings/{basePath} (UpdateBasePathMapping): /basePath, /restapiId, /stage. */
export async function updateBasePathMapping(ctx: HandlerContext): Promise<void> {
  const ops = patchOperations(await readJsonObject(ctx.req), 'updateBasePathMappingInput')
  const result = await changeDomain(ctx, ctx.params[0]!, async (d, store) => {
    const m = mappingAt(d, ctx.params[1]!)
    let apiChanged = false
    for (const op of ops) {
      const path = unescapeSegment(op.path)
      if (op.op !== 'replace' || !['/basepath', '/restapiid', '/stage'].includes(path.toLowerCase())) throw invalidPatchPath(op, MAPPING_PATCH_PATHS)
      const value = op.value ?? ''
      if (path.toLowerCase() === '/basepath') {
        m.basePath = checkBasePath(value)
        checkBasePathFree(d, m.basePath, m)
      } else if (path.toLowerCase() === '/restapiid') {
        if (value === '') throw badRequest('restApiId is required: the REST API the base path maps to')
        m.apiId = value
        apiChanged = true
      } else if (value === '' || value === '(none)') delete m.stage
      else m.stage = value
    }
    // A mapping made with CreateApiMapping may name an HTTP API; a new /restapiId must be a REST API.
    return { result: m, extra: [await checkTarget(store, d, m, REST_TARGET_ERRORS, apiChanged)] }
  })
  sendJson(ctx.res, 200, basePathMappingJson(result))
}

/** DELETE /domainnames/{domainName}/basepathmappings/{basePath} (DeleteBasePathMapping, 202). */
export async function deleteBasePathMapping(ctx: HandlerContext): Promise<void> {
  await removeMapping(ctx, (d) => mappingAt(d, ctx.params[1]!))
  sendAccepted(ctx.res)
}
