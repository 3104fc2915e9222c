// Part of the store port (src/store/port/): the rules every state adapter shares (argument checks, token-bucket
// arithmetic, UTC days) and the pure `quotaPeriod` helper that turns a usage plan's quota settings into a
// period [start, end). Adapters import it as they import ports.ts; so do callers that compute periods.

import type { CachedResponse, BucketSpec, QuotaPeriod, QuotaSpec } from './ports.js'

const DAY_MS = 86_400_000

/** How many days of usage records adapters keep by default (AWS's retention is not documented [K]). */
export const DEFAULT_USAGE_RETENTION_DAYS = 90

/** The longest range `getUsage` answers, in days. */
export const MAX_USAGE_RANGE_DAYS = 366

/** How long a quota counter is kept after its period ends: room for clocks of several nodes to disagree. */
export const QUOTA_KEEP_AFTER_END_MS = 3_600_000

/** How long an idle bucket is kept after it has refilled, for the same reason. */
export const BUCKET_KEEP_AFTER_FULL_MS = 60_000

/**
 * How long Redis keeps a cache entry past its expiry. Expiry is decided on the callers' clock; Redis's clock
 * only collects garbage, late enough that a caller whose clock disagrees by less never loses a live entry.
 */
export const CACHE_KEEP_AFTER_EXPIRY_MS = 60_000

/**
 * A bucket counts as holding a token from 1 − 1e-9 on, so that refills that should add up to a whole token
 * but land a rounding error below it (e.g. 3 × (1/3)) still admit.
 */
export const TOKEN_EPSILON = 1e-9

export type QuotaPeriodUnit = 'DAY' | 'WEEK' | 'MONTH'

/**
 * The quota period containing `nowMs`, on UTC calendar boundaries (docs/aws-behaviour.md §7.2 [K]).
 *
 * `offset` is read as AWS's SDK documentation describes it, "the day that a time period starts", counted
 * from 0 (§7.2: "offset shifts the period start"):
 * - `DAY`: days run from 00:00 to 24:00 UTC; `offset` must be 0.
 * - `WEEK`: `offset` is the weekday the week starts on, 0 = Sunday (AWS's default) … 6 = Saturday.
 * - `MONTH`: the period starts on day `offset + 1` of the month, so 0 = the 1st; at most 27, so that every
 *   month has that day.
 * The other reading in AWS's API reference ("the number of requests subtracted from the limit in the initial
 * period") is not a property of the period; a caller wanting it lowers the first period's limit itself.
 * Throws RangeError for an unknown unit, an offset out of range, or a non-finite `nowMs`.
 *
 * @example
 * quotaPeriod('WEEK', 1, Date.UTC(2024, 0, 10)) // Monday 2024-01-08 00:00 UTC to Monday 2024-01-15
 */
export function quotaPeriod(unit: QuotaPeriodUnit, offset: number, nowMs: number): QuotaPeriod {
  checkTime(nowMs, 'nowMs')
  const now = new Date(nowMs)
  const midnight = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate())
  switch (unit) {
    case 'DAY':
      checkOffset(unit, offset, 0)
      return { start: midnight, end: midnight + DAY_MS }
    case 'WEEK': {
      checkOffset(unit, offset, 6)
      const start = midnight - ((now.getUTCDay() - offset + 7) % 7) * DAY_MS
      return { start, end: start + 7 * DAY_MS }
    }
    case 'MONTH': {
      checkOffset(unit, offset, 27)
      const year = now.getUTCFullYear()
      // Before this month's start day we are still in the period that began last month (Date.UTC wraps -1).
      const month = now.getUTCDate() > offset ? now.getUTCMonth() : now.getUTCMonth() - 1
      return { start: Date.UTC(year, month, offset + 1), end: Date.UTC(year, month + 1, offset + 1) }
    }
    default:
      throw new RangeError(`quota period must be DAY, WEEK or MONTH, got ${JSON.stringify(unit)}`)
  }
}

function checkOffset(unit: QuotaPeriodUnit, offset: number, max: number): void {
  if (!Number.isInteger(offset) || offset < 0 || offset > max) {
    throw new RangeError(`quota offset for ${unit} must be an integer from 0 to ${max}, got ${offset}`)
  }
}

let lastDayStart = NaN
let lastDay = ''

/** The UTC day of `nowMs` as `YYYY-MM-DD` (the last day is remembered: every request of a day asks for it). */
export function utcDay(nowMs: number): string {
  if (nowMs >= lastDayStart && nowMs < lastDayStart + DAY_MS) return lastDay
  const day = new Date(nowMs).toISOString().slice(0, 10)
  lastDayStart = nowMs - (((nowMs % DAY_MS) + DAY_MS) % DAY_MS)
  lastDay = day
  return day
}

/** 00:00 UTC of a `YYYY-MM-DD` day; RangeError for anything else (including 2023-02-30). */
export function parseDay(day: string, name = 'day'): number {
  const match = typeof day === 'string' ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(day) : null
  const ms = match === null ? NaN : Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]))
  if (Number.isNaN(ms) || utcDay(ms) !== day) throw new RangeError(`${name} must be a date YYYY-MM-DD, got ${JSON.stringify(day)}`)
  return ms
}

/** Every day from `fromDay` to `toDay`, inclusive; RangeError when reversed or longer than MAX_USAGE_RANGE_DAYS. */
export function daysBetween(fromDay: string, toDay: string): string[] {
  const from = parseDay(fromDay, 'fromDay')
  const to = parseDay(toDay, 'toDay')
  if (to < from) throw new RangeError(`toDay ${toDay} is before fromDay ${fromDay}`)
  const count = (to - from) / DAY_MS + 1
  if (count > MAX_USAGE_RANGE_DAYS) throw new RangeError(`a usage range covers at most ${MAX_USAGE_RANGE_DAYS} days, got ${count}`)
  return Array.from({ length: count }, (_, i) => utcDay(from + i * DAY_MS))
}

/** The first day whose usage record is still kept at `nowMs`. */
export function oldestKeptDay(nowMs: number, retentionDays: number): string {
  return utcDay(nowMs - retentionDays * DAY_MS)
}

/** How long, from `nowMs`, the usage record of `day` must be kept. */
export function usageTtlMs(day: string, nowMs: number, retentionDays: number): number {
  return Math.max(1, parseDay(day) + DAY_MS - nowMs + retentionDays * DAY_MS)
}

/** The usage retention in days, defaulted; RangeError unless a positive integer. */
export function checkRetentionDays(days: number | undefined): number {
  const value = days ?? DEFAULT_USAGE_RETENTION_DAYS
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`usageRetentionDays must be a positive integer, got ${days}`)
  return value
}

/** RangeError unless `value` is a finite number (a time or duration in ms). */
export function checkTime(value: number, name: string): void {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new RangeError(`${name} must be a finite number of milliseconds, got ${value}`)
}

/** TypeError unless `key` is a non-empty string. */
export function checkKey(key: string, name = 'key'): void {
  if (typeof key !== 'string' || key === '') throw new TypeError(`${name} must be a non-empty string`)
}

/** The checks of `takeTokens`: finite `nowMs`, and distinct keys with finite rate and burst >= 0. */
export function checkBuckets(buckets: readonly BucketSpec[], nowMs: number): void {
  checkTime(nowMs, 'nowMs')
  if (!Array.isArray(buckets)) throw new TypeError('buckets must be an array')
  // On every request's path: no message is built unless a check fails, and short lists need no Set.
  const n = buckets.length
  const seen = n > 8 ? new Set<string>() : null
  for (let i = 0; i < n; i++) {
    const b = buckets[i]!
    const key = b?.key
    if (typeof key !== 'string' || key === '') throw new TypeError(`buckets[${i}].key must be a non-empty string`)
    let repeated = false
    if (seen !== null) {
      repeated = seen.has(key)
      seen.add(key)
    } else {
      for (let j = 0; j < i && !repeated; j++) repeated = buckets[j]!.key === key
    }
    if (repeated) throw new RangeError(`buckets[${i}].key ${JSON.stringify(key)} is repeated; each bucket may appear once per call`)
    if (!isLimit(b.rate)) throw new RangeError(`buckets[${i}].rate must be a finite number >= 0, got ${b.rate}`)
    if (!isLimit(b.burst)) throw new RangeError(`buckets[${i}].burst must be a finite number >= 0, got ${b.burst}`)
  }
}

function isLimit(v: number): boolean {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0
}

/** RangeError unless `period` has integer start < end. */
export function checkPeriod(period: QuotaPeriod): void {
  if (typeof period !== 'object' || period === null || !Number.isSafeInteger(period.start) || !Number.isSafeInteger(period.end) || period.start >= period.end) {
    throw new RangeError(`period must be { start, end } with integer milliseconds and start < end, got ${JSON.stringify(period)}`)
  }
}

/** RangeError unless `value` is a safe integer >= 0 (a limit or a remaining count). */
export function checkCount(value: number, name: string): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${name} must be an integer >= 0, got ${value}`)
}

/** The checks of `consumeQuota`. */
export function checkConsume(key: string, limit: number, period: QuotaPeriod, nowMs: number): void {
  checkKey(key)
  checkCount(limit, 'limit')
  checkPeriod(period)
  checkTime(nowMs, 'nowMs')
  if (nowMs < period.start || nowMs >= period.end) throw new RangeError(`nowMs ${nowMs} is outside the period [${period.start}, ${period.end})`)
}

/** The checks of `admit`'s quota (those of `consumeQuota`), when one is given. */
export function checkQuotaSpec(quota: QuotaSpec | null, nowMs: number): void {
  if (quota === null) return
  if (typeof quota !== 'object') throw new TypeError('quota must be { key, limit, period } or null')
  checkConsume(quota.key, quota.limit, quota.period, nowMs)
}

/** The checks of `admit`: those of `takeTokens`, then those of `consumeQuota` when a quota is given. */
export function checkAdmit(buckets: readonly BucketSpec[], quota: QuotaSpec | null, nowMs: number): void {
  checkBuckets(buckets, nowMs)
  checkQuotaSpec(quota, nowMs)
}

/** RangeError unless `ttlMs` is finite and positive. */
export function checkTtl(ttlMs: number): void {
  if (typeof ttlMs !== 'number' || !Number.isFinite(ttlMs) || ttlMs <= 0) throw new RangeError(`ttlMs must be a finite number > 0, got ${ttlMs}`)
}

/** TypeError unless `value` is a string or a Buffer. */
export function checkValue(value: string | Buffer): void {
  if (typeof value !== 'string' && !Buffer.isBuffer(value)) throw new TypeError('value must be a string or a Buffer')
}

/** A bucket as stored: its tokens at `stamp` (the latest `nowMs` it has seen). */
export interface BucketState {
  tokens: number
  stamp: number
}

/**
 * The bucket at `nowMs`: refilled for the time since its stamp and capped at the current burst. A `nowMs`
 * earlier than the stamp (another node's clock running behind) refills nothing and leaves the stamp, so
 * disagreeing clocks never mint tokens. The Redis script repeats exactly this arithmetic.
 */
export function refill(state: BucketState | undefined, spec: BucketSpec, nowMs: number): BucketState {
  if (state === undefined) return { tokens: spec.burst, stamp: nowMs }
  const elapsed = nowMs > state.stamp ? nowMs - state.stamp : 0
  return { tokens: Math.min(spec.burst, state.tokens + (elapsed * spec.rate) / 1000), stamp: Math.max(state.stamp, nowMs) }
}

/** Rate or burst 0 (or a burst below one token) blocks all traffic: §7.9 [K]. */
export function isBlocked(spec: BucketSpec): boolean {
  return spec.rate <= 0 || spec.burst < 1
}

/** Milliseconds until a bucket holding `tokens` has one (0 when it has one now). */
export function waitForToken(tokens: number, spec: BucketSpec): number {
  if (isBlocked(spec)) return Infinity
  return tokens >= 1 - TOKEN_EPSILON ? 0 : Math.ceil(((1 - tokens) * 1000) / spec.rate)
}

/** Milliseconds until a bucket holding `tokens` is full again (after which it may be forgotten). */
export function timeToFull(tokens: number, spec: BucketSpec): number {
  return Math.max(0, Math.ceil(((spec.burst - tokens) * 1000) / spec.rate))
}

/** The checks of `setResponse`: a stage and key, a status, a flat header list of strings, a Buffer body, ttl, time, capacity. */
export function checkResponseEntry(stage: string, key: string, entry: CachedResponse, ttlMs: number, nowMs: number, capacityBytes: number): void {
  checkKey(stage, 'stage')
  checkKey(key)
  if (typeof entry !== 'object' || entry === null) throw new TypeError('entry must be an object')
  if (!Number.isInteger(entry.status) || entry.status < 100 || entry.status > 599) throw new RangeError(`entry.status must be an HTTP status, got ${entry.status}`)
  const h = entry.headers
  if (!Array.isArray(h) || h.length % 2 !== 0 || h.some((x) => typeof x !== 'string')) throw new TypeError('entry.headers must be a flat [name, value, …] list of strings')
  if (!Buffer.isBuffer(entry.body)) throw new TypeError('entry.body must be a Buffer')
  checkTtl(ttlMs)
  checkTime(nowMs, 'nowMs')
  if (typeof capacityBytes !== 'number' || !(capacityBytes > 0)) throw new RangeError(`capacityBytes must be > 0, got ${capacityBytes}`)
}

/** What an entry counts against a stage's capacity: its body, header text and key, plus a fixed overhead. */
export function responseEntryBytes(key: string, entry: CachedResponse): number {
  let n = 64 + key.length + entry.body.length
  for (const s of entry.headers) n += s.length
  return n
}
