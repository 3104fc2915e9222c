// MemoryStateStore: the StateStore held in this process only (tests, a single node without a data dir).
// Nothing survives a restart; idle state is swept so that memory stays bounded.

import type { BucketSpec, DailyUsage, QuotaPeriod, QuotaResult, QuotaStatus, StateStore, TakeResult } from '../port/ports.js'
import {
  QUOTA_KEEP_AFTER_END_MS,
  checkBuckets,
  checkConsume,
  checkCount,
  checkKey,
  checkPeriod,
  checkRetentionDays,
  checkTime,
  checkTtl,
  checkValue,
  daysBetween,
  oldestKeptDay,
  refill,
  timeToFull,
  utcDay,
  waitForToken,
} from '../port/state-rules.js'
import type { BucketState } from '../port/state-rules.js'

export interface MemoryStateStoreOptions {
  /**
   * How often, in the callers' time (`nowMs`), a call sweeps out refilled buckets, ended quota periods,
   * usage records past retention and expired cache entries (default 60,000 ms).
   */
  sweepIntervalMs?: number
  /** How many days of usage records are kept (default 90). */
  usageRetentionDays?: number
}

interface StoredBucket extends BucketState {
  /** When the bucket is full again, and so indistinguishable from a new one. */
  fullAt: number
}

interface QuotaRow {
  end: number
  used: number
  /** Set by adjustQuota: the period's own limit from then on, instead of the plan's. */
  cap?: number
}

interface Entry {
  bytes: Buffer
  text: boolean
  expiresAt: number
}

/** What a MemoryStateStore holds, for tests and metrics. */
export interface MemoryStateStoreCounts {
  buckets: number
  quotaCounters: number
  usageDays: number
  cacheEntries: number
}

/**
 * A StateStore in this process's memory. Every operation completes synchronously inside its promise, so
 * concurrent calls are naturally atomic. Cache values are copied in and out: mutating a Buffer after `set`
 * or after `get` never changes the store.
 *
 * @example
 * const state = new MemoryStateStore()
 * const result = await state.takeTokens([{ key: 'stage:prod', rate: 10, burst: 5 }], clock())
 */
export class MemoryStateStore implements StateStore {
  readonly #buckets = new Map<string, StoredBucket>()
  readonly #quotas = new Map<string, QuotaRow>()
  readonly #usage = new Map<string, Map<string, number>>()
  readonly #entries = new Map<string, Entry>()
  readonly #sweepIntervalMs: number
  readonly #retentionDays: number
  #lastSweep = -Infinity
  #closed = false

  constructor(options: MemoryStateStoreOptions = {}) {
    this.#sweepIntervalMs = options.sweepIntervalMs ?? 60_000
    if (!(this.#sweepIntervalMs >= 0)) throw new RangeError(`sweepIntervalMs must be >= 0, got ${options.sweepIntervalMs}`)
    this.#retentionDays = checkRetentionDays(options.usageRetentionDays)
  }

  async takeTokens(buckets: readonly BucketSpec[], nowMs: number): Promise<TakeResult> {
    return this.takeTokensSync(buckets, nowMs)
  }

  /** The same decision without a promise: in-process callers on the hot path skip a microtask. */
  takeTokensSync(buckets: readonly BucketSpec[], nowMs: number): TakeResult {
    this.#assertOpen()
    checkBuckets(buckets, nowMs)
    this.#maybeSweep(nowMs)
    const states = buckets.map((spec) => refill(this.#buckets.get(spec.key), spec, nowMs))
    let index = -1
    let retryAfterMs = 0
    buckets.forEach((spec, i) => {
      const wait = waitForToken(states[i]!.tokens, spec)
      if (wait === 0) return
      if (index < 0) index = i
      retryAfterMs = Math.max(retryAfterMs, wait)
    })
    if (index >= 0) return { allowed: false, index, retryAfterMs }
    buckets.forEach((spec, i) => {
      const { tokens, stamp } = states[i]!
      this.#buckets.set(spec.key, { tokens: tokens - 1, stamp, fullAt: stamp + timeToFull(tokens - 1, spec) })
    })
    return { allowed: true }
  }

  async consumeQuota(key: string, limit: number, period: QuotaPeriod, nowMs: number): Promise<QuotaResult> {
    this.#assertOpen()
    checkConsume(key, limit, period, nowMs)
    this.#maybeSweep(nowMs)
    const id = quotaId(key, period)
    const row = this.#quotas.get(id)
    const used = row?.used ?? 0
    const cap = row?.cap ?? limit
    if (used >= cap) return { allowed: false, used, remaining: 0 }
    if (row === undefined) this.#quotas.set(id, { end: period.end, used: 1 })
    else row.used++
    let days = this.#usage.get(key)
    if (days === undefined) this.#usage.set(key, (days = new Map()))
    const day = utcDay(nowMs)
    days.set(day, (days.get(day) ?? 0) + 1)
    return { allowed: true, used: used + 1, remaining: cap - used - 1 }
  }

  async quotaStatus(key: string, limit: number, period: QuotaPeriod): Promise<QuotaStatus> {
    this.#assertOpen()
    checkKey(key)
    checkCount(limit, 'limit')
    checkPeriod(period)
    const row = this.#quotas.get(quotaId(key, period))
    const used = row?.used ?? 0
    return { used, remaining: Math.max(0, (row?.cap ?? limit) - used) }
  }

  async adjustQuota(key: string, period: QuotaPeriod, remaining: number, nowMs: number): Promise<QuotaStatus> {
    this.#assertOpen()
    checkKey(key)
    checkPeriod(period)
    checkCount(remaining, 'remaining')
    checkTime(nowMs, 'nowMs')
    const id = quotaId(key, period)
    const row = this.#quotas.get(id) ?? { end: period.end, used: 0 }
    row.cap = row.used + remaining
    this.#quotas.set(id, row)
    return { used: row.used, remaining }
  }

  async getUsage(key: string, fromDay: string, toDay: string): Promise<DailyUsage[]> {
    this.#assertOpen()
    checkKey(key)
    const days = this.#usage.get(key)
    return daysBetween(fromDay, toDay).map((day) => ({ day, used: days?.get(day) ?? 0 }))
  }

  async get(key: string, nowMs: number): Promise<string | Buffer | undefined> {
    this.#assertOpen()
    checkKey(key)
    checkTime(nowMs, 'nowMs')
    const entry = this.#entries.get(key)
    if (entry === undefined || nowMs >= entry.expiresAt) return undefined
    return entry.text ? entry.bytes.toString('utf8') : Buffer.from(entry.bytes)
  }

  async set(key: string, value: string | Buffer, ttlMs: number, nowMs: number): Promise<void> {
    this.#assertOpen()
    checkKey(key)
    checkValue(value)
    checkTtl(ttlMs)
    checkTime(nowMs, 'nowMs')
    this.#maybeSweep(nowMs)
    // Strings go through UTF-8 like in Redis, so both adapters give back the same text.
    const text = typeof value === 'string'
    this.#entries.set(key, { bytes: text ? Buffer.from(value, 'utf8') : Buffer.from(value), text, expiresAt: nowMs + ttlMs })
  }

  async delete(key: string): Promise<void> {
    this.#assertOpen()
    checkKey(key)
    this.#entries.delete(key)
  }

  async deletePrefix(prefix: string): Promise<void> {
    this.#assertOpen()
    if (typeof prefix !== 'string') throw new TypeError('prefix must be a string')
    for (const key of this.#entries.keys()) if (key.startsWith(prefix)) this.#entries.delete(key)
  }

  /** How many buckets, quota counters, usage days and cache entries are held right now. */
  counts(): MemoryStateStoreCounts {
    let usageDays = 0
    for (const days of this.#usage.values()) usageDays += days.size
    return { buckets: this.#buckets.size, quotaCounters: this.#quotas.size, usageDays, cacheEntries: this.#entries.size }
  }

  async close(): Promise<void> {
    this.#closed = true
    this.#buckets.clear()
    this.#quotas.clear()
    this.#usage.clear()
    this.#entries.clear()
  }

  #maybeSweep(nowMs: number): void {
    // Time comes from callers, so it may step back a little; only a step forward past the interval sweeps.
    if (nowMs - this.#lastSweep < this.#sweepIntervalMs) return
    this.#lastSweep = nowMs
    // A full bucket behaves exactly like a missing one, so forgetting it loses nothing.
    for (const [key, bucket] of this.#buckets) if (nowMs >= bucket.fullAt) this.#buckets.delete(key)
    for (const [id, row] of this.#quotas) if (nowMs >= row.end + QUOTA_KEEP_AFTER_END_MS) this.#quotas.delete(id)
    const oldest = oldestKeptDay(nowMs, this.#retentionDays)
    for (const [key, days] of this.#usage) {
      for (const day of days.keys()) if (day < oldest) days.delete(day)
      if (days.size === 0) this.#usage.delete(key)
    }
    for (const [key, entry] of this.#entries) if (nowMs >= entry.expiresAt) this.#entries.delete(key)
  }

  #assertOpen(): void {
    if (this.#closed) throw new Error('MemoryStateStore is closed')
  }
}

function quotaId(key: string, period: QuotaPeriod): string {
  return `${period.start}:${period.end}:${key}`
}
