// MemoryQuotaStore: quota counters and usage records held in this process only (tests, a single node
// without a data dir). Nothing survives a restart; ended periods and old usage are swept out.

import type { Closable, DailyUsage, QuotaPeriod, QuotaResult, QuotaStatus, QuotaStore } from '../port/ports.js'
import {
  QUOTA_KEEP_AFTER_END_MS,
  checkConsume,
  checkCount,
  checkKey,
  checkPeriod,
  checkRetentionDays,
  checkTime,
  daysBetween,
  oldestKeptDay,
  utcDay,
} from '../port/state-rules.js'

export interface MemoryQuotaStoreOptions {
  /**
   * How often, in the callers' time (`nowMs`), a call sweeps out ended quota periods and usage records past
   * retention (default 60,000 ms).
   */
  sweepIntervalMs?: number
  /** How many days of usage records are kept (default 90). */
  usageRetentionDays?: number
}

interface QuotaRow {
  end: number
  used: number
  /** Set by adjustQuota: the period's own limit from then on, instead of the plan's. */
  cap?: number
}

/**
 * A QuotaStore in this process's memory. Every decision is synchronous (`consumeQuotaSync`), so concurrent
 * calls are naturally atomic.
 *
 * @example
 * const quotas = new MemoryQuotaStore()
 * await quotas.consumeQuota('q|plan|key', 1000, quotaPeriod('DAY', 0, now), now)
 */
export class MemoryQuotaStore implements QuotaStore, Closable {
  readonly #quotas = new Map<string, QuotaRow>()
  readonly #usage = new Map<string, Map<string, number>>()
  readonly #sweepIntervalMs: number
  readonly #retentionDays: number
  #lastSweep = -Infinity
  #closed = false

  constructor(options: MemoryQuotaStoreOptions = {}) {
    this.#sweepIntervalMs = options.sweepIntervalMs ?? 60_000
    if (!(this.#sweepIntervalMs >= 0)) throw new RangeError(`sweepIntervalMs must be >= 0, got ${options.sweepIntervalMs}`)
    this.#retentionDays = checkRetentionDays(options.usageRetentionDays)
  }

  async consumeQuota(key: string, limit: number, period: QuotaPeriod, nowMs: number): Promise<QuotaResult> {
    return this.consumeQuotaSync(key, limit, period, nowMs)
  }

  consumeQuotaSync(key: string, limit: number, period: QuotaPeriod, nowMs: number): QuotaResult {
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

  /** How many quota counters and usage days are held right now. */
  counts(): { quotaCounters: number; usageDays: number } {
    let usageDays = 0
    for (const days of this.#usage.values()) usageDays += days.size
    return { quotaCounters: this.#quotas.size, usageDays }
  }

  async close(): Promise<void> {
    this.#closed = true
    this.#quotas.clear()
    this.#usage.clear()
  }

  #maybeSweep(nowMs: number): void {
    if (nowMs - this.#lastSweep < this.#sweepIntervalMs) return
    this.#lastSweep = nowMs
    for (const [id, row] of this.#quotas) if (nowMs >= row.end + QUOTA_KEEP_AFTER_END_MS) this.#quotas.delete(id)
    const oldest = oldestKeptDay(nowMs, this.#retentionDays)
    for (const [key, days] of this.#usage) {
      for (const day of days.keys()) if (day < oldest) days.delete(day)
      if (days.size === 0) this.#usage.delete(key)
    }
  }

  #assertOpen(): void {
    if (this.#closed) throw new Error('MemoryQuotaStore is closed')
  }
}

function quotaId(key: string, period: QuotaPeriod): string {
  return `${period.start}:${period.end}:${key}`
}
