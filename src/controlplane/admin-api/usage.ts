// AWS's usage records on the admin port (§7.2): GetUsage (`GET /usageplans/{id}/usage`) answers, per key of
// the plan and per UTC day, `[used, remaining]` under `values` (the wire name of the SDKs' `items`); UpdateUsage (`PATCH /usageplans/{id}/keys/{keyId}/usage`)
// replaces what remains of a key's quota. The numbers come from the UsageReader port.

import type { QuotaSettings, UsagePlan } from '../../model/types.js'
import type { HandlerContext, UsageReader } from './context.js'
import { AdminApiError, badRequest, notFound, page, patchOperations, readJsonObject, sendJson } from './http.js'
import { getPlanOr404 } from './usage-plans.js'
import { PLAN_KEY_NOT_FOUND } from './plan-keys.js'
import { existingKeys } from './plan-rules.js'
import { keysById } from './api-keys.js'

const DAY_MS = 86_400_000
/** The longest range GetUsage answers, in days (the StateStore's usage range). */
export const MAX_USAGE_DAYS = 366

function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10)
}

/** 00:00 UTC of a `YYYY-MM-DD` day, or NaN when it is not a real date. */
function dayMs(day: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day)
  if (!m) return NaN
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))
  return utcDay(ms) === day ? ms : NaN
}

/** Every day from `from` to `to` (00:00 UTC ms), inclusive. */
function daysOf(from: number, to: number): string[] {
  const out: string[] = []
  for (let d = from; d <= to; d += DAY_MS) out.push(utcDay(d))
  return out
}

/**
 * The first day of the quota period containing `day` (00:00 UTC ms): UTC calendar periods, `offset` the
 * weekday (0 = Sunday) a WEEK starts on, or the day of the month minus one a MONTH starts on (§7.2; the same
 * reading as the data plane's quota counters).
 */
export function periodStart(day: number, quota: QuotaSettings): number {
  const d = new Date(day)
  if (quota.period === 'WEEK') return day - ((d.getUTCDay() - quota.offset + 7) % 7) * DAY_MS
  if (quota.period === 'MONTH') {
    const month = d.getUTCDate() > quota.offset ? d.getUTCMonth() : d.getUTCMonth() - 1
    return Date.UTC(d.getUTCFullYear(), month, quota.offset + 1)
  }
  return day
}

/** A reader for when no usage records are kept: every day 0 used, the remaining quota computed from the plan. */
export const ZERO_USAGE_READER: UsageReader = {
  async getUsage(_planId, _keyId, fromDay, toDay) {
    return daysOf(dayMs(fromDay), dayMs(toDay)).map((day) => ({ day, used: 0 }))
  },
  async remaining() {
    return null
  },
}

/** The reader's usage over any range, asked for in slices of at most MAX_USAGE_DAYS. */
async function usageByDay(reader: UsageReader, planId: string, keyId: string, from: number, to: number): Promise<Map<string, number>> {
  const out = new Map<string, number>()
  for (let start = from; start <= to; start += MAX_USAGE_DAYS * DAY_MS) {
    const end = Math.min(to, start + (MAX_USAGE_DAYS - 1) * DAY_MS)
    for (const u of await reader.getUsage(planId, keyId, utcDay(start), utcDay(end))) out.set(u.day, u.used)
  }
  return out
}

/**
 * `[used, remaining]` for each day of [from, to] of one key. `remaining` is what was left of the quota at the
 * end of that day: in the current period anchored on the reader's live figure (which includes UpdateUsage
 * changes), in past periods the limit minus the period's use up to that day, in future days what is left
 * now (or the whole limit in a later period). Without a quota `remaining` is 0 (§7.2 [K]).
 */
export async function keyUsage(reader: UsageReader, plan: UsagePlan, keyId: string, from: number, to: number, today: number): Promise<Array<[number, number]>> {
  const quota = plan.quota
  const currentStart = quota ? periodStart(today, quota) : today
  // Remaining figures of days in the current period depend on the whole period's use up to today.
  const needCurrent = quota !== undefined && to >= currentStart
  const fetchFrom = quota ? Math.min(periodStart(from, quota), needCurrent ? currentStart : from) : from
  const fetchTo = needCurrent ? today : Math.min(to, today)
  const used = fetchTo >= fetchFrom ? await usageByDay(reader, plan.id, keyId, fetchFrom, fetchTo) : new Map<string, number>()
  const usedOn = (ms: number): number => used.get(utcDay(ms)) ?? 0
  if (!quota) return daysOf(from, to).map((day) => [usedOn(dayMs(day)), 0])

  const sumUsed = (a: number, b: number): number => {
    let total = 0
    for (let d = a; d <= b; d += DAY_MS) total += usedOn(d)
    return total
  }
  const live = await reader.remaining(plan.id, keyId, plan)
  const remainingNow = live ?? Math.max(0, quota.limit - sumUsed(currentStart, today))
  return daysOf(from, to).map((day): [number, number] => {
    const d = dayMs(day)
    const start = periodStart(d, quota)
    if (d > today) return [0, start === currentStart ? remainingNow : quota.limit]
    if (start === currentStart) return [usedOn(d), remainingNow + sumUsed(d + DAY_MS, today)]
    return [usedOn(d), Math.max(0, quota.limit - sumUsed(start, d))]
  })
}

function dateParam(url: URL, name: 'startDate' | 'endDate'): number {
  const value = url.searchParams.get(name)
  if (value === null || value === '') throw badRequest(`${name} is required: a day as YYYY-MM-DD`)
  const ms = dayMs(value)
  if (Number.isNaN(ms)) throw badRequest(`Invalid ${name} specified: ${value}; expected a day as YYYY-MM-DD`)
  return ms
}

/** GET /usageplans/{id}/usage?startDate=&endDate=[&keyId=] (GetUsage). */
export async function getUsage(ctx: HandlerContext): Promise<void> {
  const from = dateParam(ctx.url, 'startDate')
  const to = dateParam(ctx.url, 'endDate')
  if (to < from) throw badRequest('endDate is before startDate')
  if ((to - from) / DAY_MS + 1 > MAX_USAGE_DAYS) throw badRequest(`A usage request covers at most ${MAX_USAGE_DAYS} days`)
  const plan = (await getPlanOr404(ctx.store, ctx.params[0]!)).value
  const keyId = ctx.url.searchParams.get('keyId')
  const keys = existingKeys(plan, await keysById(ctx.store))
    .map((d) => d.id)
    .filter((id) => !keyId || id === keyId)
    .sort()
  const p = page(keys, ctx.url, (id) => id)
  const now = ctx.now().getTime()
  const today = dayMs(utcDay(now))
  const values: Record<string, Array<[number, number]>> = {}
  for (const id of p.items) values[id] = await keyUsage(ctx.usage, plan, id, from, to, today)
  const out: Record<string, unknown> = { usagePlanId: plan.id, startDate: utcDay(from), endDate: utcDay(to), values }
  if (p.position !== undefined) out.position = p.position
  sendJson(ctx.res, 200, out)
}

/**
 * PATCH /usageplans/{id}/keys/{keyId}/usage (UpdateUsage): `replace /remaining` with a whole number. Answers
 * today's usage of the key. Needs a plan with a quota, and a usage reader that can adjust.
 */
export async function updateUsage(ctx: HandlerContext): Promise<void> {
  const ops = patchOperations(await readJsonObject(ctx.req), 'updateUsageInput')
  const plan = (await getPlanOr404(ctx.store, ctx.params[0]!)).value
  const keyId = ctx.params[1]!
  if (!plan.keyIds.includes(keyId) || !(await ctx.store.get('apikey', keyId))) throw notFound(PLAN_KEY_NOT_FOUND)
  let remaining: number | undefined
  for (const op of ops) {
    if (op.op !== 'replace' || op.path !== '/remaining') throw badRequest(`Invalid patch path  '${op.path}' specified for op '${op.op}'. Must be one of: [/remaining]`)
    const n = Number(op.value)
    if (op.value === undefined || op.value.trim() === '' || !Number.isInteger(n) || n < 0) throw badRequest(`/remaining must be a whole number of requests, 0 or more (found ${JSON.stringify(op.value ?? null)})`)
    remaining = n
  }
  if (remaining === undefined) throw badRequest('UpdateUsage needs a patch operation: {"op": "replace", "path": "/remaining", "value": "N"}')
  // §7.2 [K]: AWS's wording for a plan without a quota is not recorded.
  if (!plan.quota) throw badRequest(`Usage plan ${plan.id} has no quota, so there is no remaining quota to change`)
  if (!ctx.usage.adjust) throw new AdminApiError(501, 'NotImplementedException', 'Changing the remaining quota needs usage records, and none are connected to this gateway')
  await ctx.usage.adjust(plan.id, keyId, plan, remaining)
  const now = ctx.now().getTime()
  const today = dayMs(utcDay(now))
  const usage = await keyUsage(ctx.usage, plan, keyId, today, today, today)
  sendJson(ctx.res, 200, { usagePlanId: plan.id, startDate: utcDay(today), endDate: utcDay(today), values: { [keyId]: usage } })
}
