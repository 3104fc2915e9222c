// apigatewayv2 stages and deployments (§3.3): a stage with `autoDeploy` gets a new deployment with every change
// to the API (so changes apply at once); others point at the deployment CreateDeployment (with stageName) or
// UpdateStage `deploymentId` names. DeleteAccessLogSettings, DeleteRouteSettings, ResetAuthorizersCache.

import { randomId } from '../../../model/ids.js'
import type { AccessLogSettings, Deployment, HttpApi, RouteSettings, Stage } from '../../../model/types.js'
import type { ConfigStore, StoredDoc } from '../../../store/port/ports.js'
import { stageDocId } from '../../config/store-plan.js'
import { stageNameProblem } from '../../config/stages.js'
import { unmappedOrRefuse } from '../domains.js'
import type { HandlerContext } from '../context.js'
import { badRequest, conflict, notFound, readJsonObject, sendJson, sendNoContent } from '../http.js'
import { deleteOp, putOp, withHistoryPruned } from '../writes.js'
import { autoDeployOps, bool, deploymentsOf, pageV2, readHttpApi, stagesOf, str, stringMapOf } from './common.js'
import { deploymentJson, stageJson } from './shapes.js'

function stageNotFound(name: string): ReturnType<typeof notFound> {
  return notFound(`Invalid stage identifier specified ${name}`)
}

async function stageDoc(ctx: HandlerContext, store: ConfigStore, apiId: string, name: string): Promise<{ api: StoredDoc<HttpApi>; stage: StoredDoc<Stage> }> {
  const api = await readHttpApi(ctx, store, apiId)
  const stage = await store.get<Stage>('stage', stageDocId({ apiId, stageName: name }))
  if (!stage) throw stageNotFound(name)
  return { api, stage }
}

function routeSettingsFrom(raw: unknown, what: string): RouteSettings {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw badRequest(`${what} must be an object`)
  const o = raw as Record<string, unknown>
  const out: RouteSettings = {}
  for (const f of ['throttlingBurstLimit', 'throttlingRateLimit'] as const) {
    if (o[f] === undefined || o[f] === null) continue
    const n = Number(o[f])
    if (!Number.isFinite(n) || n < 0 || (f === 'throttlingBurstLimit' && !Number.isInteger(n))) throw badRequest(`${what}.${f} must be a number, 0 or more`)
    out[f] = n
  }
  for (const f of ['detailedMetricsEnabled', 'dataTraceEnabled'] as const) if (typeof o[f] === 'boolean') out[f] = o[f] as boolean
  if (o.loggingLevel !== undefined && o.loggingLevel !== null) {
    if (o.loggingLevel !== 'OFF' && o.loggingLevel !== 'ERROR' && o.loggingLevel !== 'INFO') throw badRequest(`${what}.loggingLevel must be OFF, ERROR or INFO`)
    out.loggingLevel = o.loggingLevel
  }
  return out
}

function accessLogFrom(raw: unknown): AccessLogSettings {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw badRequest('accessLogSettings must be an object')
  const o = raw as Record<string, unknown>
  const out: AccessLogSettings = {}
  if (typeof o.destinationArn === 'string' && o.destinationArn !== '') out.destinationArn = o.destinationArn
  if (typeof o.format === 'string' && o.format !== '') {
    if (Buffer.byteLength(o.format) > 3072) throw badRequest('An HTTP API access log format is at most 3 KB')
    out.format = o.format
  }
  return out
}

/** The stage fields of CreateStage and UpdateStage. */
function applyStageFields(api: HttpApi, s: Stage, body: Record<string, unknown>, deploymentIds: ReadonlySet<string>): void {
  const description = str(body, 'description')
  if (description !== undefined) {
    if (description === '') delete s.description
    else s.description = description
  }
  const autoDeploy = bool(body, 'autoDeploy')
  if (autoDeploy !== undefined) {
    if (autoDeploy && api.protocolType === 'WEBSOCKET') throw badRequest('AutoDeploy is supported only for HTTP APIs')
    s.autoDeploy = autoDeploy
  }
  const deploymentId = str(body, 'deploymentId')
  if (deploymentId !== undefined && deploymentId !== '') {
    if (!deploymentIds.has(deploymentId)) throw badRequest(`Invalid deployment identifier specified ${deploymentId}`)
    s.deploymentId = deploymentId
  }
  const variables = stringMapOf(body, 'stageVariables')
  if (variables !== undefined) {
    // An empty value removes a variable (AWS's way to delete one with UpdateStage).
    for (const [k, v] of Object.entries(variables)) {
      if (v === '') delete s.variables[k]
      else s.variables[k] = v
    }
  }
  if (body.defaultRouteSettings !== undefined && body.defaultRouteSettings !== null) s.defaultRouteSettings = { ...(s.defaultRouteSettings ?? {}), ...routeSettingsFrom(body.defaultRouteSettings, 'defaultRouteSettings') }
  if (body.routeSettings !== undefined && body.routeSettings !== null) {
    if (typeof body.routeSettings !== 'object' || Array.isArray(body.routeSettings)) throw badRequest('routeSettings must map route keys to settings')
    s.routeSettings = { ...(s.routeSettings ?? {}) }
    for (const [key, v] of Object.entries(body.routeSettings as Record<string, unknown>)) s.routeSettings[key] = { ...(s.routeSettings[key] ?? {}), ...routeSettingsFrom(v, `routeSettings.${key}`) }
  }
  if (body.accessLogSettings !== undefined && body.accessLogSettings !== null) s.accessLogSettings = accessLogFrom(body.accessLogSettings)
  const cert = str(body, 'clientCertificateId')
  if (cert !== undefined) {
    if (cert === '') delete s.clientCertificateId
    else s.clientCertificateId = cert
  }
}

/** POST /v2/apis/{apiId}/stages (CreateStage, 201): with `autoDeploy`, deployed at once. */
export async function createStage(ctx: HandlerContext): Promise<void> {
  const apiId = ctx.params[0]!
  const body = await readJsonObject(ctx.req)
  const stageName = str(body, 'stageName') ?? ''
  const { result } = await ctx.writer.write(async (store) => {
    const api = (await readHttpApi(ctx, store, apiId)).value
    const problem = stageName === '' ? 'StageName is required' : stageNameProblem(stageName, api.protocolType === 'WEBSOCKET' ? 'REST' : 'HTTP')
    if (problem) throw badRequest(problem)
    const id = stageDocId({ apiId, stageName })
    if (await store.get('stage', id)) throw conflict(`Stage already exists: ${stageName}`)
    const now = ctx.now().toISOString()
    const stage: Stage = { apiId, stageName, deploymentId: '', variables: {}, methodSettings: {}, tags: stringMapOf(body, 'tags') ?? {}, createdDate: now, lastUpdatedDate: now, autoDeploy: false }
    applyStageFields(api, stage, body, new Set((await deploymentsOf(store, apiId)).map((d) => d.id)))
    if (stage.autoDeploy) {
      const ops = await autoDeployOps(ctx, store, api, stage)
      const put = ops.find((o) => o.op === 'put' && o.kind === 'stage')
      return { ops, result: put && put.op === 'put' ? (put.value as Stage) : stage }
    }
    return { ops: [putOp('stage', id, stage, undefined)], result: stage }
  })
  sendJson(ctx.res, 201, stageJson(result))
}

export async function listStages(ctx: HandlerContext): Promise<void> {
  const apiId = ctx.params[0]!
  await readHttpApi(ctx, ctx.store, apiId)
  const all = (await stagesOf(ctx.store, apiId)).map((s) => s.value)
  const p = pageV2(all, ctx.url, (s) => s.stageName)
  sendJson(ctx.res, 200, { items: p.items.map(stageJson), ...(p.nextToken ? { nextToken: p.nextToken } : {}) })
}

export async function getStage(ctx: HandlerContext): Promise<void> {
  const { stage } = await stageDoc(ctx, ctx.store, ctx.params[0]!, ctx.params[1]!)
  sendJson(ctx.res, 200, stageJson(stage.value))
}

/** PATCH /v2/apis/{apiId}/stages/{stageName} (UpdateStage): the given fields; turning autoDeploy on deploys now. */
export async function updateStage(ctx: HandlerContext): Promise<void> {
  const [apiId, stageName] = [ctx.params[0]!, ctx.params[1]!]
  const body = await readJsonObject(ctx.req)
  const { result } = await ctx.writer.write(async (store) => {
    const { api, stage: doc } = await stageDoc(ctx, store, apiId, stageName)
    const stage = structuredClone(doc.value)
    const wasAuto = stage.autoDeploy === true
    applyStageFields(api.value, stage, body, new Set((await deploymentsOf(store, apiId)).map((d) => d.id)))
    stage.lastUpdatedDate = ctx.now().toISOString()
    if (stage.autoDeploy && !wasAuto) {
      const ops = await autoDeployOps(ctx, store, api.value, { ...doc, value: stage })
      const put = ops.find((o) => o.op === 'put' && o.kind === 'stage')
      return { ops, result: put && put.op === 'put' ? (put.value as Stage) : stage }
    }
    return { ops: [putOp('stage', doc.id, stage, doc)], result: stage }
  })
  sendJson(ctx.res, 200, stageJson(result))
}

export async function deleteStage(ctx: HandlerContext): Promise<void> {
  await ctx.writer.write(async (store) => {
    const { stage } = await stageDoc(ctx, store, ctx.params[0]!, ctx.params[1]!)
    const touches = await unmappedOrRefuse(store, stage.value.apiId, stage.value.stageName, () => `Deleting stage ${stage.value.stageName} failed. Please remove all API mappings for the stage from your custom domain names.`)
    return { ops: [deleteOp(stage), ...touches], result: undefined }
  })
  sendNoContent(ctx.res)
}

/** DELETE …/stages/{stageName}/accesslogsettings (DeleteAccessLogSettings, 204). */
export async function deleteAccessLogSettings(ctx: HandlerContext): Promise<void> {
  await changeStage(ctx, (s) => {
    delete s.accessLogSettings
  })
  sendNoContent(ctx.res)
}

/** DELETE …/stages/{stageName}/routesettings/{routeKey} (DeleteRouteSettings, 204). */
export async function deleteRouteSettings(ctx: HandlerContext): Promise<void> {
  const key = ctx.params[2]!
  await changeStage(ctx, (s) => {
    if (!s.routeSettings?.[key]) throw notFound(`Invalid route settings specified for ${key}`)
    delete s.routeSettings[key]
  })
  sendNoContent(ctx.res)
}

async function changeStage(ctx: HandlerContext, change: (s: Stage) => void): Promise<void> {
  await ctx.writer.write(async (store) => {
    const { stage: doc } = await stageDoc(ctx, store, ctx.params[0]!, ctx.params[1]!)
    const stage = structuredClone(doc.value)
    change(stage)
    stage.lastUpdatedDate = ctx.now().toISOString()
    return { ops: [putOp('stage', doc.id, stage, doc)], result: undefined }
  })
}

/** DELETE …/stages/{stageName}/cache/authorizers (ResetAuthorizersCache, 204). */
export async function resetAuthorizersCache(ctx: HandlerContext): Promise<void> {
  const [apiId, stageName] = [ctx.params[0]!, ctx.params[1]!]
  await stageDoc(ctx, ctx.store, apiId, stageName)
  await ctx.ports.flushAuthorizerCache?.(apiId, stageName)
  sendNoContent(ctx.res)
}

// ---------------------------------------------------------------------------------------------------
// Deployments

/** POST /v2/apis/{apiId}/deployments (CreateDeployment, 201): snapshots the API; `stageName` points a stage at it. */
export async function createDeployment(ctx: HandlerContext): Promise<void> {
  const apiId = ctx.params[0]!
  const body = await readJsonObject(ctx.req)
  const stageName = str(body, 'stageName')
  const { result } = await ctx.writer.write(async (store) => {
    const api = (await readHttpApi(ctx, store, apiId)).value
    if (Object.keys(api.routes).length === 0) throw badRequest('At least one route is required before deploying the API')
    const now = ctx.now().toISOString()
    const deployment: Deployment = { id: randomId(6), apiId, createdDate: now, autoDeployed: false, snapshot: api }
    const description = str(body, 'description')
    if (description !== undefined && description !== '') deployment.description = description
    const ops = [putOp('deployment', deployment.id, deployment, undefined)]
    if (stageName !== undefined && stageName !== '') {
      const doc = await store.get<Stage>('stage', stageDocId({ apiId, stageName }))
      if (!doc) throw stageNotFound(stageName)
      if (doc.value.autoDeploy) throw badRequest(`Stage ${stageName} deploys automatically (autoDeploy); a deployment cannot be made for it`)
      ops.push(putOp('stage', doc.id, { ...doc.value, deploymentId: deployment.id, lastUpdatedDate: now }, doc))
    }
    return { ops: await withHistoryPruned(store, apiId, ops), result: deployment }
  })
  sendJson(ctx.res, 201, deploymentJson(result))
}

export async function listDeployments(ctx: HandlerContext): Promise<void> {
  const apiId = ctx.params[0]!
  await readHttpApi(ctx, ctx.store, apiId)
  const all = (await deploymentsOf(ctx.store, apiId)).map((d) => d.value)
  const p = pageV2(all, ctx.url, (d) => `${d.createdDate}:${d.id}`)
  sendJson(ctx.res, 200, { items: p.items.map(deploymentJson), ...(p.nextToken ? { nextToken: p.nextToken } : {}) })
}

async function deploymentDoc(ctx: HandlerContext, store: ConfigStore, apiId: string, id: string): Promise<StoredDoc<Deployment>> {
  await readHttpApi(ctx, store, apiId)
  const doc = await store.get<Deployment>('deployment', id)
  if (!doc || doc.value.apiId !== apiId) throw notFound(`Invalid deployment identifier specified ${id}`)
  return doc
}

export async function getDeployment(ctx: HandlerContext): Promise<void> {
  sendJson(ctx.res, 200, deploymentJson((await deploymentDoc(ctx, ctx.store, ctx.params[0]!, ctx.params[1]!)).value))
}

export async function updateDeployment(ctx: HandlerContext): Promise<void> {
  const body = await readJsonObject(ctx.req)
  const { result } = await ctx.writer.write(async (store) => {
    const doc = await deploymentDoc(ctx, store, ctx.params[0]!, ctx.params[1]!)
    const d = structuredClone(doc.value)
    const description = str(body, 'description')
    if (description !== undefined) {
      if (description === '') delete d.description
      else d.description = description
    }
    return { ops: [putOp('deployment', d.id, d, doc)], result: d }
  })
  sendJson(ctx.res, 200, deploymentJson(result))
}

export async function deleteDeployment(ctx: HandlerContext): Promise<void> {
  const apiId = ctx.params[0]!
  await ctx.writer.write(async (store) => {
    const doc = await deploymentDoc(ctx, store, apiId, ctx.params[1]!)
    const stages = await stagesOf(store, apiId)
    if (stages.some((s) => s.value.deploymentId === doc.id)) throw badRequest('Active stages pointing to this deployment must be moved or deleted')
    return { ops: [deleteOp(doc), ...stages.map((s) => ({ op: 'put' as const, kind: s.kind, id: s.id, value: s.value, origin: s.origin, expectRevision: s.revision }))], result: undefined }
  })
  sendNoContent(ctx.res)
}
