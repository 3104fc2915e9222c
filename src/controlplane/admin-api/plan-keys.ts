// AWS's UsagePlanKey operations on the admin port (§7.2): CreateUsagePlanKey, GetUsagePlanKeys,
// GetUsagePlanKey and DeleteUsagePlanKey. A plan's keys are the plan document's internal `keyIds`.

import type { ApiKey, UsagePlan } from '../../model/types.js'
import type { HandlerContext } from './context.js'
import { badRequest, conflict, notFound, optionalString, page, readJsonObject, sendAccepted, sendJson } from './http.js'
import { usagePlanKeyJson } from './shapes.js'
import { checkOnePlanPerStage, existingKeys } from './plan-rules.js'
import { API_KEY_NOT_FOUND, keysById } from './api-keys.js'
import { getPlanOr404 } from './usage-plans.js'
import { putOp, touchOp } from './writes.js'

/** §7.2 [K]: AWS's wording for a key that is not in the plan is not recorded. */
export const PLAN_KEY_NOT_FOUND = 'Invalid Usage Plan Key identifier specified'

/**
 * POST /usageplans/{id}/keys (CreateUsagePlanKey, 201) with `{keyId, keyType: "API_KEY"}`. The key document
 * is re-written with the plan, so two nodes adding one key to two plans for the same stage cannot both win.
 */
export async function createUsagePlanKey(ctx: HandlerContext): Promise<void> {
  const body = await readJsonObject(ctx.req)
  const keyId = optionalString(body, 'keyId')
  const keyType = optionalString(body, 'keyType')
  if (!keyId) throw badRequest('keyId is required: the id of the API key to add to the usage plan')
  // §7.2 [K]: API_KEY is the only key type AWS has; its wording for another is not recorded.
  if (keyType !== 'API_KEY') throw badRequest(`Invalid keyType specified: ${keyType ?? '(none)'}; the only key type is API_KEY`)
  const { result } = await ctx.writer.write(async (store) => {
    const planDoc = await getPlanOr404(store, ctx.params[0]!)
    const keyDoc = await store.get<ApiKey>('apikey', keyId)
    if (!keyDoc) throw notFound(API_KEY_NOT_FOUND)
    const plan = planDoc.value
    if (plan.keyIds.includes(keyId)) throw conflict(`API Key ${keyId} is already in usage plan ${plan.id}`)
    checkOnePlanPerStage(plan.id, plan.apiStages, [keyId], await store.list<UsagePlan>('usageplan'))
    const updated: UsagePlan = { ...plan, keyIds: [...plan.keyIds, keyId] }
    return { ops: [putOp('usageplan', plan.id, updated, planDoc), touchOp(keyDoc)], result: keyDoc.value }
  })
  sendJson(ctx.res, 201, usagePlanKeyJson(result))
}

/**
 * GET /usageplans/{id}/keys (GetUsagePlanKeys): the most recently added first, `name` (the SDKs' `nameQuery`) a
 * case-sensitive prefix of the key name, paging; the keys under `item`. An unknown plan answers an empty list
 * (recorded).
 */
export async function listUsagePlanKeys(ctx: HandlerContext): Promise<void> {
  const plan = await ctx.store.get<UsagePlan>('usageplan', ctx.params[0]!)
  if (!plan) return sendJson(ctx.res, 200, { item: [] })
  const nameQuery = ctx.url.searchParams.get('name')
  const keys = existingKeys(plan.value, await keysById(ctx.store))
    .map((d) => d.value)
    .filter((k) => !nameQuery || (k.name?.startsWith(nameQuery) ?? false))
  // List order is newest-added first; the position token is the index from the oldest, which stays put
  // when keys are added.
  const order = new Map(plan.value.keyIds.map((id, i) => [id, String(1e9 - i).padStart(10, '0')]))
  const sortKey = (k: ApiKey): string => order.get(k.id) ?? ''
  keys.sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : 1))
  const p = page(keys, ctx.url, sortKey)
  const out: Record<string, unknown> = { item: p.items.map(usagePlanKeyJson) }
  if (p.position !== undefined) out.position = p.position
  sendJson(ctx.res, 200, out)
}

/** GET /usageplans/{id}/keys/{keyId} (GetUsagePlanKey). */
export async function getUsagePlanKey(ctx: HandlerContext): Promise<void> {
  const plan = await getPlanOr404(ctx.store, ctx.params[0]!)
  const keyId = ctx.params[1]!
  const key = plan.value.keyIds.includes(keyId) ? await ctx.store.get<ApiKey>('apikey', keyId) : undefined
  if (!key) throw notFound(PLAN_KEY_NOT_FOUND)
  sendJson(ctx.res, 200, usagePlanKeyJson(key.value))
}

/** DELETE /usageplans/{id}/keys/{keyId} (DeleteUsagePlanKey, 202). */
export async function deleteUsagePlanKey(ctx: HandlerContext): Promise<void> {
  await ctx.writer.write(async (store) => {
    const planDoc = await getPlanOr404(store, ctx.params[0]!)
    const keyId = ctx.params[1]!
    if (!planDoc.value.keyIds.includes(keyId)) throw notFound(PLAN_KEY_NOT_FOUND)
    const updated: UsagePlan = { ...planDoc.value, keyIds: planDoc.value.keyIds.filter((k) => k !== keyId) }
    return { ops: [putOp('usageplan', updated.id, updated, planDoc)], result: undefined }
  })
  sendAccepted(ctx.res)
}
