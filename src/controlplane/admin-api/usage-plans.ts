// AWS's UsagePlan operations on the admin port (§7.2, §16.1): CreateUsagePlan, GetUsagePlans, GetUsagePlan,
// UpdateUsagePlan (its patch paths) and DeleteUsagePlan.

import { randomId } from '../../model/ids.js'
import type { ApiKey, ApiStage, QuotaSettings, ThrottleSettings, UsagePlan } from '../../model/types.js'
import type { ChangeOp, ConfigStore, StoredDoc } from '../../store/port/ports.js'
import type { HandlerContext } from './context.js'
import { badRequest, invalidPatchPath, notFound, optionalString, page, patchOperations, readJsonObject, sendAccepted, sendJson, stringMap, unescapeSegment } from './http.js'
import type { PatchOperation } from './http.js'
import { usagePlanJson } from './shapes.js'
import { checkOnePlanPerStage, checkStageExists, invalidApiStage, stageRef } from './plan-rules.js'
import { methodThrottleKeyProblem, quotaProblems, throttleProblems } from './values.js'
import { deleteOp, putOp, touchOp } from './writes.js'

export const USAGE_PLAN_NOT_FOUND = 'Invalid Usage Plan ID specified'

/** The patch paths of UpdateUsagePlan per op (§16.2 and AWS's patch-operations reference). */
const PLAN_PATCH_PATHS: Record<string, readonly string[]> = {
  replace: ['/name', '/description', '/productCode', '/throttle/burstLimit', '/throttle/rateLimit', '/quota/limit', '/quota/offset', '/quota/period', '/apiStages/{apiId}:{stage}/throttle/{resourcePath}/{httpMethod}/burstLimit', '/apiStages/{apiId}:{stage}/throttle/{resourcePath}/{httpMethod}/rateLimit'],
  add: ['/apiStages', '/apiStages/{apiId}:{stage}/throttle/{resourcePath}/{httpMethod}/burstLimit', '/apiStages/{apiId}:{stage}/throttle/{resourcePath}/{httpMethod}/rateLimit'],
  remove: ['/apiStages', '/throttle', '/quota', '/apiStages/{apiId}:{stage}/throttle', '/apiStages/{apiId}:{stage}/throttle/{resourcePath}/{httpMethod}'],
}

function parseNumber(value: unknown, what: string): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN
  if (!Number.isFinite(n)) throw badRequest(`${what} must be a number (found ${JSON.stringify(value ?? null)})`)
  return n
}

function throttleFrom(raw: unknown, what: string): ThrottleSettings {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw badRequest(`${what} must be an object with burstLimit and rateLimit`)
  const o = raw as Record<string, unknown>
  const t: ThrottleSettings = {}
  if (o.burstLimit !== undefined && o.burstLimit !== null) t.burstLimit = parseNumber(o.burstLimit, `${what} burstLimit`)
  if (o.rateLimit !== undefined && o.rateLimit !== null) t.rateLimit = parseNumber(o.rateLimit, `${what} rateLimit`)
  const problems = throttleProblems(t, what)
  if (problems.length) throw badRequest(problems.join('; '))
  return t
}

function quotaFrom(raw: unknown): QuotaSettings {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw badRequest('quota must be an object with limit, period and offset')
  const o = raw as Record<string, unknown>
  const problems = quotaProblems(o)
  if (problems.length) throw badRequest(problems.join('; '))
  return { limit: o.limit as number, offset: (o.offset as number | undefined) ?? 0, period: o.period as QuotaSettings['period'] }
}

function apiStagesFrom(raw: unknown, planName: string): ApiStage[] {
  if (raw === undefined || raw === null) return []
  if (!Array.isArray(raw)) throw badRequest('apiStages must be a list of {apiId, stage, throttle}')
  const seen = new Set<string>()
  return raw.map((item) => {
    const o = (typeof item === 'object' && item !== null ? item : {}) as Record<string, unknown>
    const s: ApiStage = { apiId: typeof o.apiId === 'string' ? o.apiId : '', stage: typeof o.stage === 'string' ? o.stage : '' }
    if (s.apiId === '' || s.stage === '') throw invalidApiStage(s, planName)
    if (seen.has(stageRef(s))) throw badRequest(`API Stage ${stageRef(s)} appears twice in apiStages`)
    seen.add(stageRef(s))
    if (o.throttle !== undefined && o.throttle !== null) {
      if (typeof o.throttle !== 'object' || Array.isArray(o.throttle)) throw badRequest('an API stage throttle maps "{resourcePath}/{httpMethod}" to {burstLimit, rateLimit}')
      const throttle: Record<string, ThrottleSettings> = {}
      for (const [key, t] of Object.entries(o.throttle)) {
        const problem = methodThrottleKeyProblem(key)
        if (problem) throw badRequest(problem)
        throttle[key] = throttleFrom(t, `throttle of ${key}`)
      }
      if (Object.keys(throttle).length > 0) s.throttle = throttle
    }
    return s
  })
}

/** POST /usageplans (CreateUsagePlan, 201). */
export async function createUsagePlan(ctx: HandlerContext): Promise<void> {
  const body = await readJsonObject(ctx.req)
  const name = optionalString(body, 'name')
  // §16.3 [K]: AWS's wording for a missing name is not recorded (its SDKs refuse the request first).
  if (name === undefined || name === '') throw badRequest('Invalid usage plan name specified: a usage plan needs a name')
  const plan: UsagePlan = { id: randomId(10), name, apiStages: apiStagesFrom(body.apiStages, name), tags: stringMap(body, 'tags'), keyIds: [] }
  const description = optionalString(body, 'description')
  if (description !== undefined) plan.description = description
  if (body.throttle !== undefined && body.throttle !== null) plan.throttle = throttleFrom(body.throttle, 'throttle')
  if (body.quota !== undefined && body.quota !== null) plan.quota = quotaFrom(body.quota)
  const productCode = optionalString(body, 'productCode')
  if (productCode !== undefined) plan.productCode = productCode
  await ctx.writer.write(async (store) => {
    for (const s of plan.apiStages) await checkStageExists(store, s, name)
    return { ops: [putOp('usageplan', plan.id, plan, undefined)], result: undefined }
  })
  sendJson(ctx.res, 201, usagePlanJson(plan, { tags: 'nonEmpty' }))
}

/** Plans by name, then id. */
function planOrder(plan: UsagePlan): string {
  return `${plan.name}\u0000${plan.id}`
}

/** GET /usageplans (GetUsagePlans): `keyId` lists the plans that key is in; paging; the plans under `item`. */
export async function listUsagePlans(ctx: HandlerContext): Promise<void> {
  const keyId = ctx.url.searchParams.get('keyId')
  const plans = (await ctx.store.list<UsagePlan>('usageplan'))
    .map((d) => d.value)
    .filter((p) => !keyId || p.keyIds.includes(keyId))
    .sort((a, b) => (planOrder(a) < planOrder(b) ? -1 : 1))
  const p = page(plans, ctx.url, planOrder)
  const out: Record<string, unknown> = { item: p.items.map((plan) => usagePlanJson(plan, { tags: 'nonEmpty' })) }
  if (p.position !== undefined) out.position = p.position
  sendJson(ctx.res, 200, out)
}

export async function getPlanOr404(store: ConfigStore, id: string): Promise<StoredDoc<UsagePlan>> {
  const doc = await store.get<UsagePlan>('usageplan', id)
  if (!doc) throw notFound(USAGE_PLAN_NOT_FOUND)
  return doc
}

/** GET /usageplans/{id} (GetUsagePlan). */
export async function getUsagePlan(ctx: HandlerContext): Promise<void> {
  const doc = await getPlanOr404(ctx.store, ctx.params[0]!)
  sendJson(ctx.res, 200, usagePlanJson(doc.value, { tags: 'always' }))
}

/** `/apiStages/{apiId}:{stage}/throttle[/{resourcePath}/{httpMethod}[/{field}]]`, parsed. */
interface StageThrottlePath {
  ref: string
  /** The method throttle key (`/pets/GET`), absent for the whole stage's throttle map. */
  key?: string
  field?: 'burstLimit' | 'rateLimit'
}

function parseStageThrottlePath(path: string): StageThrottlePath | undefined {
  const m = /^\/apiStages\/([^/]+)\/throttle(?:\/(.+))?$/.exec(path)
  if (!m) return undefined
  const ref = unescapeSegment(m[1]!)
  if (m[2] === undefined) return { ref }
  const parts = m[2].split('/')
  let field: StageThrottlePath['field']
  const last = parts[parts.length - 1]
  if (last === 'burstLimit' || last === 'rateLimit') {
    field = last
    parts.pop()
  }
  if (parts.length < 2) return undefined
  const method = parts.pop()!
  // The resource path is one segment with "/" written "~1" (`~1pets~1{petId}`), or "*" for every path.
  const resource = parts.map(unescapeSegment).join('/')
  const resourcePath = resource === '*' ? '/*' : resource.startsWith('/') ? resource : `/${resource}`
  const out: StageThrottlePath = { ref, key: `${resourcePath}/${method}` }
  if (field) out.field = field
  return out
}

/**
 * Applies UpdateUsagePlan's patch operations to a copy of the plan. Returns it with the API stages added
 * (their existence and the one-plan-per-stage rule are checked by the caller against the store).
 */
function applyPlanPatch(current: UsagePlan, ops: PatchOperation[]): { plan: UsagePlan; added: ApiStage[] } {
  const plan = structuredClone(current)
  const added: ApiStage[] = []
  let q: Partial<QuotaSettings> | undefined = plan.quota ? { ...plan.quota } : undefined
  const stageOf = (ref: string, op: PatchOperation): ApiStage => {
    const s = plan.apiStages.find((a) => stageRef(a) === ref)
    if (!s) {
      const [apiId = '', stage = ''] = ref.split(':')
      throw invalidApiStage({ apiId, stage }, plan.id, 404)
    }
    if (op.op !== 'remove' && op.value === undefined) throw badRequest(`${op.path} needs a value`)
    return s
  }
  for (const op of ops) {
    const supported = PLAN_PATCH_PATHS[op.op] ?? []
    const stagePath = op.path.startsWith('/apiStages/') ? parseStageThrottlePath(op.path) : undefined
    if (op.op === 'replace' && ['/name', '/description', '/productCode'].includes(op.path)) {
      const field = op.path.slice(1) as 'name' | 'description' | 'productCode'
      if (field === 'name') {
        if (!op.value) throw badRequest('Invalid usage plan name specified: a usage plan needs a name')
        plan.name = op.value
      } else if (op.value === undefined || op.value === '') delete plan[field]
      else plan[field] = op.value
    } else if (op.op === 'replace' && (op.path === '/throttle/burstLimit' || op.path === '/throttle/rateLimit')) {
      const field = op.path === '/throttle/burstLimit' ? 'burstLimit' : 'rateLimit'
      plan.throttle = throttleFrom({ ...plan.throttle, [field]: op.value }, 'throttle')
    } else if (op.op === 'replace' && (op.path === '/quota/limit' || op.path === '/quota/offset' || op.path === '/quota/period')) {
      q ??= {}
      if (op.path === '/quota/period') q.period = op.value as QuotaSettings['period']
      else q[op.path === '/quota/limit' ? 'limit' : 'offset'] = parseNumber(op.value, op.path.slice(1).replace('/', ' '))
    } else if (op.op === 'remove' && op.path === '/throttle') {
      delete plan.throttle
    } else if (op.op === 'remove' && op.path === '/quota') {
      q = undefined
    } else if ((op.op === 'add' || op.op === 'remove') && op.path === '/apiStages') {
      const [apiId = '', stage = '', ...rest] = (op.value ?? '').split(':')
      const s: ApiStage = { apiId, stage }
      if (apiId === '' || stage === '' || rest.length > 0) throw badRequest(`Invalid API Stage specified: "${op.value ?? ''}" (write apiId:stage)`)
      const index = plan.apiStages.findIndex((a) => stageRef(a) === stageRef(s))
      if (op.op === 'add') {
        if (index === -1) {
          plan.apiStages.push(s)
          added.push(s)
        }
      } else {
        if (index === -1) throw invalidApiStage(s, plan.id, 404)
        plan.apiStages.splice(index, 1)
      }
    } else if (stagePath && (op.op === 'replace' || op.op === 'add') && stagePath.key !== undefined && stagePath.field !== undefined) {
      const problem = methodThrottleKeyProblem(stagePath.key)
      if (problem) throw badRequest(problem)
      const s = stageOf(stagePath.ref, op)
      s.throttle ??= {}
      s.throttle[stagePath.key] = throttleFrom({ ...s.throttle[stagePath.key], [stagePath.field]: op.value }, `throttle of ${stagePath.key}`)
    } else if (stagePath && op.op === 'remove' && stagePath.field === undefined) {
      const s = stageOf(stagePath.ref, op)
      if (stagePath.key === undefined) delete s.throttle
      else if (s.throttle) {
        delete s.throttle[stagePath.key]
        if (Object.keys(s.throttle).length === 0) delete s.throttle
      }
    } else {
      throw invalidPatchPath(op, supported)
    }
  }
  if (q === undefined) delete plan.quota
  else {
    const problems = quotaProblems(q)
    if (problems.length) throw badRequest(problems.join('; '))
    plan.quota = { limit: q.limit!, offset: q.offset ?? 0, period: q.period! }
  }
  return { plan, added }
}

/**
 * PATCH /usageplans/{id} (UpdateUsagePlan). Added API stages must exist, and must not put one of the plan's
 * keys in two plans for one stage; the keys are re-written with the plan so that a concurrent change of
 * another plan's keys on another node cannot slip past that check. The plan becomes admin-owned.
 */
export async function updateUsagePlan(ctx: HandlerContext): Promise<void> {
  const ops = patchOperations(await readJsonObject(ctx.req), 'updateUsagePlanInput')
  const { result } = await ctx.writer.write(async (store) => {
    const doc = await getPlanOr404(store, ctx.params[0]!)
    const { plan, added } = applyPlanPatch(doc.value, ops)
    const batch: ChangeOp[] = [putOp('usageplan', plan.id, plan, doc)]
    if (added.length > 0) {
      for (const s of added) await checkStageExists(store, s, plan.id)
      const [plans, keys] = await Promise.all([store.list<UsagePlan>('usageplan'), store.list<ApiKey>('apikey')])
      checkOnePlanPerStage(plan.id, added, plan.keyIds, plans)
      for (const k of keys) if (plan.keyIds.includes(k.id)) batch.push(touchOp(k))
    }
    return { ops: batch, result: plan }
  })
  sendJson(ctx.res, 200, usagePlanJson(result, { tags: 'always' }))
}

/** DELETE /usageplans/{id} (DeleteUsagePlan, 202). */
export async function deleteUsagePlan(ctx: HandlerContext): Promise<void> {
  await ctx.writer.write(async (store) => {
    const doc = await getPlanOr404(store, ctx.params[0]!)
    return { ops: [deleteOp(doc)], result: undefined }
  })
  sendAccepted(ctx.res)
}
