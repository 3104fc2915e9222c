// AWS's Deployment and Stage operations on REST APIs (§1.6, §16.2): a deployment snapshots the API's working
// definition; a stage points at a deployment, and only stages serve traffic, so a REST change reaches
// clients through CreateDeployment (with stageName) or UpdateStage `/deploymentId` (also how a stage is
// rolled back). Stage settings apply without a redeploy. FlushStageAuthorizersCache and FlushStageCache.

import { randomId } from '../../../model/ids.js'
import type { CanarySettings, Deployment, MethodSetting, RestApi, Stage } from '../../../model/types.js'
import type { ChangeOp, ConfigStore, StoredDoc } from '../../../store/port/ports.js'
import { stageDocId } from '../../config/store-plan.js'
import { stageNameProblem } from '../../config/stages.js'
import { unmappedOrRefuse } from '../domains.js'
import type { HandlerContext } from '../context.js'
import {
  AdminApiError,
  badRequest,
  conflict,
  notFound,
  optionalString,
  page,
  patchBoolean,
  patchOperations,

  readJsonObject,
  sendAccepted,
  sendJson,
  stringMap,
  unescapeSegment,
  type PatchOperation,
} from '../http.js'
import { deleteOp, putOp, withHistoryPruned } from '../writes.js'
import { DEPLOYMENT_NOT_FOUND, STAGE_NOT_FOUND, optionalBool, readRestApi } from './common.js'
import { METHOD_SETTING_DEFAULTS, deploymentJson, stageJson } from './shapes.js'

const CACHE_SIZES = ['0.5', '1.6', '6.1', '13.5', '28.4', '58.2', '118', '237']

/** The deployments of an API, oldest first. */
export async function deploymentsOf(store: ConfigStore, apiId: string): Promise<Array<StoredDoc<Deployment>>> {
  return (await store.list<Deployment>('deployment')).filter((d) => d.value.apiId === apiId).sort((a, b) => (a.value.createdDate < b.value.createdDate ? -1 : a.value.createdDate > b.value.createdDate ? 1 : a.id < b.id ? -1 : 1))
}

/** The stages of an API, by name. */
export async function stagesOf(store: ConfigStore, apiId: string): Promise<Array<StoredDoc<Stage>>> {
  return (await store.list<Stage>('stage')).filter((s) => s.value.apiId === apiId).sort((a, b) => (a.value.stageName < b.value.stageName ? -1 : 1))
}

function hasMethods(api: RestApi): boolean {
  return Object.values(api.resources).some((r) => Object.keys(r.resourceMethods).length > 0)
}

function canaryFrom(raw: unknown, deploymentId: string): CanarySettings {
  const o = (typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? raw : {}) as Record<string, unknown>
  const percent = o.percentTraffic === undefined || o.percentTraffic === null ? 0 : Number(o.percentTraffic)
  if (!Number.isFinite(percent) || percent < 0 || percent > 100) throw badRequest('Canary percentTraffic must be between 0.0 and 100.0')
  return {
    percentTraffic: percent,
    deploymentId: typeof o.deploymentId === 'string' && o.deploymentId !== '' ? o.deploymentId : deploymentId,
    stageVariableOverrides: stringMap(o, 'stageVariableOverrides'),
    useStageCache: o.useStageCache === true,
  }
}

function cacheSize(value: string): string {
  if (!CACHE_SIZES.includes(value)) throw badRequest(`Invalid cache cluster size specified: ${value}. Valid options are ${CACHE_SIZES.join(', ')}`)
  return value
}

/** POST /restapis/{id}/deployments (CreateDeployment, 201): snapshots the API; `stageName` points a stage at it. */
export async function createDeployment(ctx: HandlerContext): Promise<void> {
  const apiId = ctx.params[0]!
  const body = await readJsonObject(ctx.req)
  const stageName = optionalString(body, 'stageName')
  const canary = body.canarySettings !== undefined && body.canarySettings !== null
  if (canary && (stageName === undefined || stageName === '')) {
    throw badRequest(`Invalid deployment content specified.Non null and non empty stageName must be provided for canary deployment. Provided value is ${stageName ?? 'null'}`)
  }
  if (stageName !== undefined && stageName !== '') {
    const problem = stageNameProblem(stageName, 'REST')
    if (problem) throw badRequest(problem)
  }
  const { result } = await ctx.writer.write(async (store) => {
    const api = (await readRestApi(ctx, store, apiId)).value
    if (!hasMethods(api)) throw badRequest("The REST API doesn't contain any methods")
    const now = ctx.now().toISOString()
    const deployment: Deployment = { id: randomId(6), apiId, createdDate: now, snapshot: api }
    const description = optionalString(body, 'description')
    if (description !== undefined && description !== '') deployment.description = description
    const ops: ChangeOp[] = [putOp('deployment', deployment.id, deployment, undefined)]
    if (stageName !== undefined && stageName !== '') {
      const current = await store.get<Stage>('stage', stageDocId({ apiId, stageName }))
      let stage: Stage
      if (canary) {
        if (!current) throw badRequest(`Invalid deployment content specified.Stage ${stageName} must already be created before making a canary release deployment`)
        stage = { ...current.value, canarySettings: canaryFrom(body.canarySettings, deployment.id), lastUpdatedDate: now }
        stage.canarySettings!.deploymentId = deployment.id
      } else if (current) {
        stage = { ...current.value, deploymentId: deployment.id, lastUpdatedDate: now }
      } else {
        stage = { apiId, stageName, deploymentId: deployment.id, variables: {}, methodSettings: {}, tags: {}, createdDate: now, lastUpdatedDate: now }
        const stageDescription = optionalString(body, 'stageDescription')
        if (stageDescription !== undefined && stageDescription !== '') stage.description = stageDescription
      }
      if (!canary) {
        const variables = stringMap(body, 'variables')
        if (Object.keys(variables).length > 0) stage.variables = { ...stage.variables, ...variables }
        const cacheEnabled = optionalBool(body, 'cacheClusterEnabled')
        if (cacheEnabled !== undefined) stage.cacheClusterEnabled = cacheEnabled
        const size = optionalString(body, 'cacheClusterSize')
        if (size !== undefined && size !== '') stage.cacheClusterSize = cacheSize(size)
        const tracing = optionalBool(body, 'tracingEnabled')
        if (tracing !== undefined) stage.tracingEnabled = tracing
      }
      ops.push(putOp('stage', stageDocId(stage), stage, current))
    }
    return { ops: await withHistoryPruned(store, apiId, ops), result: deployment }
  })
  sendJson(ctx.res, 201, deploymentJson(result, false))
}

/** GET /restapis/{id}/deployments (GetDeployments): the history, oldest first. */
export async function listDeployments(ctx: HandlerContext): Promise<void> {
  const apiId = ctx.params[0]!
  await readRestApi(ctx, ctx.store, apiId)
  const all = (await deploymentsOf(ctx.store, apiId)).map((d) => d.value)
  const order = (d: Deployment): string => `${d.createdDate}:${d.id}`
  const p = page(all, ctx.url, order)
  sendJson(ctx.res, 200, { item: p.items.map((d) => deploymentJson(d, false)), ...(p.position !== undefined ? { position: p.position } : {}) })
}

async function deploymentDoc(ctx: HandlerContext, store: ConfigStore, apiId: string, id: string): Promise<StoredDoc<Deployment>> {
  await readRestApi(ctx, store, apiId)
  const doc = await store.get<Deployment>('deployment', id)
  if (!doc || doc.value.apiId !== apiId) throw notFound(DEPLOYMENT_NOT_FOUND)
  return doc
}

/** GET /restapis/{id}/deployments/{deploymentId} (GetDeployment; `embed=apisummary`). */
export async function getDeployment(ctx: HandlerContext): Promise<void> {
  const doc = await deploymentDoc(ctx, ctx.store, ctx.params[0]!, ctx.params[1]!)
  const embed = ctx.url.searchParams.getAll('embed').some((e) => e.toLowerCase().split(',').includes('apisummary'))
  sendJson(ctx.res, 200, deploymentJson(doc.value, embed))
}

/** PATCH /restapis/{id}/deployments/{deploymentId} (UpdateDeployment): `replace /description`. */
export async function updateDeployment(ctx: HandlerContext): Promise<void> {
  const ops = patchOperations(await readJsonObject(ctx.req), 'updateDeploymentInput')
  const { result } = await ctx.writer.write(async (store) => {
    const doc = await deploymentDoc(ctx, store, ctx.params[0]!, ctx.params[1]!)
    const d = structuredClone(doc.value)
    for (const op of ops) {
      if (op.path !== '/description') throw badRequest(`Invalid patch path  '${op.path}' specified for op '${op.op}'. Must be one of: [/description]`)
      if (op.op === 'remove' || !op.value) delete d.description
      else d.description = op.value
    }
    return { ops: [putOp('deployment', d.id, d, doc)], result: d }
  })
  sendJson(ctx.res, 200, deploymentJson(result, false))
}

/** DELETE /restapis/{id}/deployments/{deploymentId} (DeleteDeployment, 202): refused while a stage uses it (recorded). */
export async function deleteDeployment(ctx: HandlerContext): Promise<void> {
  const apiId = ctx.params[0]!
  await ctx.writer.write(async (store) => {
    const doc = await deploymentDoc(ctx, store, apiId, ctx.params[1]!)
    const stages = await stagesOf(store, apiId)
    if (stages.some((s) => s.value.deploymentId === doc.id || s.value.canarySettings?.deploymentId === doc.id)) {
      throw badRequest('Active stages pointing to this deployment must be moved or deleted')
    }
    // The stages are re-put unchanged so that one pointed at this deployment meanwhile fails the batch.
    return { ops: [deleteOp(doc), ...stages.map((s) => ({ op: 'put' as const, kind: s.kind, id: s.id, value: s.value, origin: s.origin, expectRevision: s.revision }))], result: undefined }
  })
  sendAccepted(ctx.res)
}

// ---------------------------------------------------------------------------------------------------
// Stages

async function stageDoc(ctx: HandlerContext, store: ConfigStore, apiId: string, stageName: string): Promise<StoredDoc<Stage>> {
  await readRestApi(ctx, store, apiId)
  const doc = await store.get<Stage>('stage', stageDocId({ apiId, stageName }))
  if (!doc) throw notFound(STAGE_NOT_FOUND)
  return doc
}

async function checkDeployment(store: ConfigStore, apiId: string, id: string): Promise<void> {
  const d = await store.get<Deployment>('deployment', id)
  if (!d || d.value.apiId !== apiId) throw badRequest('Deployment id does not exist')
}

/** POST /restapis/{id}/stages (CreateStage, 201). */
export async function createStage(ctx: HandlerContext): Promise<void> {
  const apiId = ctx.params[0]!
  const body = await readJsonObject(ctx.req)
  const stageName = optionalString(body, 'stageName') ?? ''
  const problem = stageNameProblem(stageName, 'REST')
  if (problem) throw badRequest(problem)
  const deploymentId = optionalString(body, 'deploymentId') ?? ''
  if (deploymentId === '') throw badRequest('Invalid deployment identifier specified: a stage needs a deploymentId')
  const { result } = await ctx.writer.write(async (store) => {
    await readRestApi(ctx, store, apiId)
    const id = stageDocId({ apiId, stageName })
    if (await store.get('stage', id)) throw conflict('Stage already exists')
    await checkDeployment(store, apiId, deploymentId)
    const now = ctx.now().toISOString()
    const stage: Stage = { apiId, stageName, deploymentId, variables: stringMap(body, 'variables'), methodSettings: {}, tags: stringMap(body, 'tags'), createdDate: now, lastUpdatedDate: now }
    const description = optionalString(body, 'description')
    if (description !== undefined && description !== '') stage.description = description
    const cacheEnabled = optionalBool(body, 'cacheClusterEnabled')
    if (cacheEnabled !== undefined) stage.cacheClusterEnabled = cacheEnabled
    const size = optionalString(body, 'cacheClusterSize')
    if (size !== undefined && size !== '') stage.cacheClusterSize = cacheSize(size)
    const tracing = optionalBool(body, 'tracingEnabled')
    if (tracing !== undefined) stage.tracingEnabled = tracing
    const docVersion = optionalString(body, 'documentationVersion')
    if (docVersion !== undefined && docVersion !== '') stage.documentationVersion = docVersion
    if (body.canarySettings !== undefined && body.canarySettings !== null) {
      stage.canarySettings = canaryFrom(body.canarySettings, deploymentId)
      await checkDeployment(store, apiId, stage.canarySettings.deploymentId)
    }
    return { ops: [putOp('stage', id, stage, undefined)], result: stage }
  })
  sendJson(ctx.res, 201, stageJson(result))
}

/** GET /restapis/{id}/stages[?deploymentId=] (GetStages): `{item: [...]}`, no paging. */
export async function listStages(ctx: HandlerContext): Promise<void> {
  const apiId = ctx.params[0]!
  await readRestApi(ctx, ctx.store, apiId)
  const deploymentId = ctx.url.searchParams.get('deploymentId')
  const stages = (await stagesOf(ctx.store, apiId)).map((s) => s.value).filter((s) => !deploymentId || s.deploymentId === deploymentId)
  sendJson(ctx.res, 200, { item: stages.map((s) => stageJson(s)) })
}

/** GET /restapis/{id}/stages/{stageName} (GetStage). */
export async function getStage(ctx: HandlerContext): Promise<void> {
  // Recorded (test_apigateway_canary, test_apigateway_api): a stage without tags has no `tags` member.
  sendJson(ctx.res, 200, stageJson((await stageDoc(ctx, ctx.store, ctx.params[0]!, ctx.params[1]!)).value))
}

const SETTING_GROUPS: Record<string, keyof MethodSetting> = {
  'metrics/enabled': 'metricsEnabled',
  'logging/dataTrace': 'dataTraceEnabled',
  'logging/loglevel': 'loggingLevel',
  'throttling/burstLimit': 'throttlingBurstLimit',
  'throttling/rateLimit': 'throttlingRateLimit',
  'caching/ttlInSeconds': 'cacheTtlInSeconds',
  'caching/enabled': 'cachingEnabled',
  'caching/dataEncrypted': 'cacheDataEncrypted',
  'caching/requireAuthorizationForCacheControl': 'requireAuthorizationForCacheControl',
  'caching/unauthorizedCacheControlHeaderStrategy': 'unauthorizedCacheControlHeaderStrategy',
}

const STAGE_PATHS =
  '[/deploymentId, /description, /cacheClusterEnabled, /cacheClusterSize, /clientCertificateId, /accessLogSettings, /accessLogSettings/destinationArn, /accessLogSettings/format, /{resourcePath}/{httpMethod}/metrics/enabled, /{resourcePath}/{httpMethod}/logging/dataTrace, /{resourcePath}/{httpMethod}/logging/loglevel, /{resourcePath}/{httpMethod}/throttling/burstLimit/{resourcePath}/{httpMethod}/throttling/rateLimit/{resourcePath}/{httpMethod}/caching/ttlInSeconds, /{resourcePath}/{httpMethod}/caching/enabled, /{resourcePath}/{httpMethod}/caching/dataEncrypted, /{resourcePath}/{httpMethod}/caching/requireAuthorizationForCacheControl, /{resourcePath}/{httpMethod}/caching/unauthorizedCacheControlHeaderStrategy, /*/*/metrics/enabled, /*/*/logging/dataTrace, /*/*/logging/loglevel, /*/*/throttling/burstLimit /*/*/throttling/rateLimit /*/*/caching/ttlInSeconds, /*/*/caching/enabled, /*/*/caching/dataEncrypted, /*/*/caching/requireAuthorizationForCacheControl, /*/*/caching/unauthorizedCacheControlHeaderStrategy, /variables/{variable_name}, /tracingEnabled]'

const invalidStagePath = (path: string): AdminApiError => badRequest(`Invalid method setting path: ${path}. Must be one of: ${STAGE_PATHS}`)
const cannotRemove = (what: string): AdminApiError => badRequest(`Cannot remove method setting ${what} because there is no method setting for this method `)

function settingValue(field: keyof MethodSetting, value: string | undefined): MethodSetting[keyof MethodSetting] {
  const v = value ?? ''
  switch (field) {
    case 'throttlingBurstLimit':
    case 'cacheTtlInSeconds':
      if (!/^-?\d+$/.test(v)) throw badRequest(`Invalid value for ${field}: ${v} is not a whole number`)
      if (field === 'cacheTtlInSeconds' && (Number(v) < 0 || Number(v) > 3600)) throw badRequest('Cache TTL must be between 0 and 3600 seconds')
      return Number(v)
    case 'throttlingRateLimit':
      if (!Number.isFinite(Number(v)) || v.trim() === '') throw badRequest(`Invalid value for ${field}: ${v} is not a number`)
      return Number(v)
    case 'loggingLevel':
      if (v !== 'OFF' && v !== 'ERROR' && v !== 'INFO') throw badRequest(`Invalid logging level specified: ${v}. Valid options are OFF, ERROR, INFO`)
      return v
    case 'unauthorizedCacheControlHeaderStrategy':
      if (v !== 'FAIL_WITH_403' && v !== 'SUCCEED_WITH_RESPONSE_HEADER' && v !== 'SUCCEED_WITHOUT_RESPONSE_HEADER') {
        throw badRequest(`Invalid unauthorizedCacheControlHeaderStrategy specified: ${v}. Valid options are FAIL_WITH_403, SUCCEED_WITH_RESPONSE_HEADER, SUCCEED_WITHOUT_RESPONSE_HEADER`)
      }
      return v
    default:
      return patchBoolean(v)
  }
}

/** One patch operation on a REST stage (§16.2 paths), deployments checked by the caller. */
function applyStagePatch(stage: Stage, op: PatchOperation, deploymentIds: ReadonlySet<string>): void {
  const { path, value } = op
  if (op.op === 'copy') {
    const valid = (path === '/deploymentId' && op.from === '/canarySettings/deploymentId') || (path === '/variables' && op.from === '/canarySettings/stageVariableOverrides')
    if (!valid) {
      throw badRequest(`Invalid copy operation with path: ${path} and from ${op.from ?? 'null'}. Valid copy:path are [/deploymentId, /variables] and valid copy:from are [/canarySettings/deploymentId, /canarySettings/stageVariableOverrides]`)
    }
    if (!stage.canarySettings) throw badRequest('Promotion not available. Canary does not exist.')
    // Promotion (recorded): the canary's deployment or overrides become the stage's; the canary stays, at 0%.
    if (path === '/deploymentId') stage.deploymentId = stage.canarySettings.deploymentId
    else stage.variables = { ...stage.variables, ...stage.canarySettings.stageVariableOverrides }
    stage.canarySettings.percentTraffic = 0
    return
  }
  const parts = path.split('/')
  // A string field that `remove` (or an empty value) takes away.
  type OptionalField = 'description' | 'cacheClusterSize' | 'clientCertificateId' | 'documentationVersion' | 'webAclArn'
  const optional = (key: OptionalField, parse: (v: string) => string = (v) => v) => (): void => {
    if (op.op === 'remove' || !value) delete stage[key]
    else stage[key] = parse(value)
  }
  const simple: Record<string, () => void> = {
    '/deploymentId': () => {
      if (!value || !deploymentIds.has(value)) throw badRequest('Deployment id does not exist')
      stage.deploymentId = value
    },
    '/description': optional('description'),
    '/cacheClusterEnabled': () => {
      stage.cacheClusterEnabled = patchBoolean(value)
    },
    '/cacheClusterSize': optional('cacheClusterSize', cacheSize),
    '/clientCertificateId': optional('clientCertificateId'),
    '/tracingEnabled': () => {
      stage.tracingEnabled = patchBoolean(value)
    },
    '/documentationVersion': optional('documentationVersion'),
    '/webAclArn': optional('webAclArn'),
  }
  if (simple[path]) return simple[path]!()

  if (parts[1] === 'variables' && parts.length === 3 && parts[2] !== '') {
    const name = unescapeSegment(parts[2]!)
    if (op.op === 'remove') delete stage.variables[name]
    else {
      if (!/^[A-Za-z0-9_]{1,64}$/.test(name)) throw badRequest(`Invalid stage variable name specified: ${name}; names are letters, digits and _ (at most 64)`)
      stage.variables[name] = value ?? ''
    }
    return
  }

  if (parts[1] === 'accessLogSettings') {
    if (op.op === 'remove') {
      if (parts.length === 2) {
        delete stage.accessLogSettings
        return
      }
      throw cannotRemove(parts.slice(1).join('/'))
    }
    const field = parts.length === 3 ? parts[2] : undefined
    if (field !== 'destinationArn' && field !== 'format') throw badRequest('Invalid accessLogSettings path. Must be one of : [/accessLogSettings/destinationArn, /accessLogSettings/format]')
    if (!value) throw badRequest('Access Log value must not be empty')
    stage.accessLogSettings = { ...(stage.accessLogSettings ?? {}), [field]: value }
    return
  }

  if (parts[1] === 'canarySettings') {
    if (op.op === 'remove') {
      if (parts.length === 2) {
        delete stage.canarySettings
        return
      }
      if (parts[2] === 'stageVariableOverrides' && parts.length === 4 && stage.canarySettings) {
        delete stage.canarySettings.stageVariableOverrides[unescapeSegment(parts[3]!)]
        return
      }
      throw cannotRemove(parts.slice(1).join('/'))
    }
    const field = parts[2]
    if (op.op === 'add' && field === 'deploymentId') throw badRequest(`Invalid add operation with path: ${path}`)
    // A canary made by a patch starts on the stage's deployment (recorded).
    const canary: CanarySettings = stage.canarySettings ?? { percentTraffic: 0, deploymentId: stage.deploymentId, stageVariableOverrides: {}, useStageCache: false }
    if (field === 'percentTraffic' && parts.length === 3) {
      const n = Number(value)
      if (!Number.isFinite(n) || n < 0 || n > 100) throw badRequest('Canary percentTraffic must be between 0.0 and 100.0')
      canary.percentTraffic = n
    } else if (field === 'deploymentId' && parts.length === 3) {
      if (!value || !deploymentIds.has(value)) throw badRequest('Deployment id does not exist')
      canary.deploymentId = value
    } else if (field === 'useStageCache' && parts.length === 3) canary.useStageCache = patchBoolean(value)
    else if (field === 'stageVariableOverrides' && parts.length === 4 && parts[3] !== '') canary.stageVariableOverrides[unescapeSegment(parts[3]!)] = value ?? ''
    else throw invalidStagePath(path)
    stage.canarySettings = canary
    return
  }

  // Method settings: /{resourcePath ~1-escaped, or *}/{httpMethod or *}[/{group}/{setting}]
  if (parts.length === 5 || (parts.length === 3 && op.op === 'remove')) {
    const key = `${parts[1]}/${parts[2]}`
    const valid = parts[1] === '*' ? parts[2] === '*' : parts[1] !== '' && (parts[2] === '*' || /^[A-Z]+$/.test(parts[2] ?? ''))
    if (valid) {
      if (parts.length === 3) {
        if (!stage.methodSettings[key]) throw cannotRemove(key)
        delete stage.methodSettings[key]
        return
      }
      const field = SETTING_GROUPS[`${parts[3]}/${parts[4]}`]
      if (field !== undefined) {
        if (op.op === 'remove') {
          if (!stage.methodSettings[key]) throw cannotRemove(`${key}/${parts[3]}/${parts[4]}`)
          delete stage.methodSettings[key]![field]
          return
        }
        // A new entry gets AWS's defaults, then the patched value (recorded shape).
        const setting: MethodSetting = stage.methodSettings[key] ?? { ...METHOD_SETTING_DEFAULTS }
        ;(setting as Record<string, unknown>)[field] = settingValue(field, value)
        stage.methodSettings[key] = setting
        return
      }
    }
  }
  if (op.op === 'remove') throw cannotRemove(parts.slice(1).join('/'))
  throw invalidStagePath(path)
}

/** PATCH /restapis/{id}/stages/{stageName} (UpdateStage): settings apply at once; `/deploymentId` repoints (rollback). */
export async function updateStage(ctx: HandlerContext): Promise<void> {
  const [apiId, stageName] = [ctx.params[0]!, ctx.params[1]!]
  const ops = patchOperations(await readJsonObject(ctx.req), 'updateStageInput')
  const { result } = await ctx.writer.write(async (store) => {
    const doc = await stageDoc(ctx, store, apiId, stageName)
    const deploymentIds = new Set((await deploymentsOf(store, apiId)).map((d) => d.id))
    const stage = structuredClone(doc.value)
    for (const op of ops) applyStagePatch(stage, op, deploymentIds)
    stage.lastUpdatedDate = ctx.now().toISOString()
    return { ops: [putOp('stage', doc.id, stage, doc)], result: stage }
  })
  sendJson(ctx.res, 200, stageJson(result))
}

/** DELETE /restapis/{id}/stages/{stageName} (DeleteStage, 202). */
export async function deleteStage(ctx: HandlerContext): Promise<void> {
  await ctx.writer.write(async (store) => {
    const doc = await stageDoc(ctx, store, ctx.params[0]!, ctx.params[1]!)
    const touches = await unmappedOrRefuse(store, doc.value.apiId, doc.value.stageName, (domains) => `Deleting stage ${doc.value.stageName} failed. Please remove all base path mappings related to the stage in your domains: ${domains}`)
    return { ops: [deleteOp(doc), ...touches], result: undefined }
  })
  sendAccepted(ctx.res)
}

/** DELETE /restapis/{id}/stages/{stageName}/cache/authorizers (FlushStageAuthorizersCache, 202). */
export async function flushAuthorizersCache(ctx: HandlerContext): Promise<void> {
  const [apiId, stageName] = [ctx.params[0]!, ctx.params[1]!]
  await stageDoc(ctx, ctx.store, apiId, stageName)
  await ctx.ports.flushAuthorizerCache?.(apiId, stageName)
  sendAccepted(ctx.res)
}

/** DELETE /restapis/{id}/stages/{stageName}/cache/data (FlushStageCache, 202): drops the stage's cached responses. */
export async function flushStageCache(ctx: HandlerContext): Promise<void> {
  const [apiId, stageName] = [ctx.params[0]!, ctx.params[1]!]
  await stageDoc(ctx, ctx.store, apiId, stageName)
  await ctx.ports.flushStageCache?.(apiId, stageName)
  sendAccepted(ctx.res)
}

