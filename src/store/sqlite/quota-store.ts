// SqliteQuotaStore: the QuotaStore of a single node with a data directory. Quota counters and usage records
// live in `<data dir>/state.db` and survive restarts. It stores nothing else: the composition root
// (src/store/compose.ts) pairs it with in-memory buckets and cache.

import Database from 'better-sqlite3'
import { openDatabase } from './open.js'
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

/** The database file's name inside the data directory (apart from the config store's gatehouse.db). */
export const SQLITE_STATE_FILE_NAME = 'state.db'

const SCHEMA_VERSION = 1

export interface SqliteQuotaStoreOptions {
  /** How often, in the callers' time, ended quota periods and old usage records are deleted (default 60,000 ms). */
  sweepIntervalMs?: number
  /** How many days of usage records are kept (default 90). */
  usageRetentionDays?: number
  /** How long a write waits for another connection's write to finish, in ms (default 5000). */
  busyTimeoutMs?: number
}

interface CounterRow {
  used: number
  cap: number | null
}

/**
 * A QuotaStore for one node with `--data-dir`. Quotas are what users pay attention to across restarts (a
 * restart must not hand out a fresh monthly quota), so quota counters and usage records are written to
 * SQLite, each decision in one IMMEDIATE transaction; several processes sharing the directory therefore
 * share quotas exactly. Token buckets are not kept here: a bucket refills within seconds anyway, and
 * writing one per request would cost more than it protects (the composition root keeps them in memory, per
 * process; nodes that must share them use Redis). A decision is synchronous (`consumeQuotaSync`).
 *
 * The file is in WAL mode with `synchronous = NORMAL`: a crash of the process loses nothing, a power cut may
 * lose the last moments of counting, and a request costs no fsync.
 *
 * @example
 * const quotas = new SqliteQuotaStore('/var/lib/gatehouse')
 */
export class SqliteQuotaStore implements QuotaStore, Closable {
  /** The database file. */
  readonly path: string
  readonly #db: Database.Database
  readonly #stmt: ReturnType<typeof prepareStatements>
  readonly #consumeTx: (key: string, limit: number, period: QuotaPeriod, day: string) => QuotaResult
  readonly #adjustTx: (key: string, period: QuotaPeriod, remaining: number) => number
  readonly #sweepIntervalMs: number
  readonly #retentionDays: number
  #lastSweep = -Infinity
  #closed = false

  constructor(dataDir: string, options: SqliteQuotaStoreOptions = {}) {
    if (typeof dataDir !== 'string' || dataDir === '') throw new TypeError('SqliteQuotaStore: dataDir must be a non-empty path')
    this.#sweepIntervalMs = options.sweepIntervalMs ?? 60_000
    if (!(this.#sweepIntervalMs >= 0)) throw new RangeError(`sweepIntervalMs must be >= 0, got ${options.sweepIntervalMs}`)
    this.#retentionDays = checkRetentionDays(options.usageRetentionDays)

    const opened = openDatabase(dataDir, SQLITE_STATE_FILE_NAME, { busyTimeoutMs: options.busyTimeoutMs, synchronous: 'NORMAL' }, { version: SCHEMA_VERSION, migrate }, prepareStatements)
    this.path = opened.path
    this.#db = opened.db
    this.#stmt = opened.stmt
    const stmt = this.#stmt
    this.#consumeTx = this.#db.transaction((key: string, limit: number, period: QuotaPeriod, day: string): QuotaResult => {
      const row = stmt.counter.get(key, period.start, period.end)
      const used = row?.used ?? 0
      const cap = row?.cap ?? limit
      if (used >= cap) return { allowed: false, used, remaining: 0 }
      stmt.countRequest.run(key, period.start, period.end)
      stmt.countDay.run(key, day)
      return { allowed: true, used: used + 1, remaining: cap - used - 1 }
    }).immediate
    this.#adjustTx = this.#db.transaction((key: string, period: QuotaPeriod, remaining: number): number => {
      const used = stmt.counter.get(key, period.start, period.end)?.used ?? 0
      stmt.setCap.run(key, period.start, period.end, used + remaining)
      return used
    }).immediate
  }

  async consumeQuota(key: string, limit: number, period: QuotaPeriod, nowMs: number): Promise<QuotaResult> {
    return this.consumeQuotaSync(key, limit, period, nowMs)
  }

  consumeQuotaSync(key: string, limit: number, period: QuotaPeriod, nowMs: number): QuotaResult {
    this.#assertOpen()
    checkConsume(key, limit, period, nowMs)
    this.#maybeSweep(nowMs)
    return this.#consumeTx(key, limit, period, utcDay(nowMs))
  }

  async quotaStatus(key: string, limit: number, period: QuotaPeriod): Promise<QuotaStatus> {
    this.#assertOpen()
    checkKey(key)
    checkCount(limit, 'limit')
    checkPeriod(period)
    const row = this.#stmt.counter.get(key, period.start, period.end)
    const used = row?.used ?? 0
    return { used, remaining: Math.max(0, (row?.cap ?? limit) - used) }
  }

  async adjustQuota(key: string, period: QuotaPeriod, remaining: number, nowMs: number): Promise<QuotaStatus> {
    this.#assertOpen()
    checkKey(key)
    checkPeriod(period)
    checkCount(remaining, 'remaining')
    checkTime(nowMs, 'nowMs')
    return { used: this.#adjustTx(key, period, remaining), remaining }
  }

  async getUsage(key: string, fromDay: string, toDay: string): Promise<DailyUsage[]> {
    this.#assertOpen()
    checkKey(key)
    const days = daysBetween(fromDay, toDay)
    const found = new Map(this.#stmt.usage.all(key, fromDay, toDay).map((row) => [row.day, row.used]))
    return days.map((day) => ({ day, used: found.get(day) ?? 0 }))
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#db.close()
  }

  #maybeSweep(nowMs: number): void {
    if (nowMs - this.#lastSweep < this.#sweepIntervalMs) return
    this.#lastSweep = nowMs
    this.#stmt.dropCounters.run(nowMs - QUOTA_KEEP_AFTER_END_MS)
    this.#stmt.dropDays.run(oldestKeptDay(nowMs, this.#retentionDays))
  }

  #assertOpen(): void {
    if (this.#closed) throw new Error(`SqliteQuotaStore (${this.path}) is closed`)
  }
}

/** Creates the schema of a database older than SCHEMA_VERSION (openDatabase checks the version). */
function migrate(db: Database.Database): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS quota_counters (
      key TEXT NOT NULL,
      period_start INTEGER NOT NULL,
      period_end INTEGER NOT NULL,
      used INTEGER NOT NULL,
      cap INTEGER,
      PRIMARY KEY (key, period_start, period_end)
    ) WITHOUT ROWID;
    CREATE INDEX IF NOT EXISTS quota_counters_by_end ON quota_counters (period_end);
    CREATE TABLE IF NOT EXISTS usage_days (
      key TEXT NOT NULL,
      day TEXT NOT NULL,
      used INTEGER NOT NULL,
      PRIMARY KEY (key, day)
    ) WITHOUT ROWID;
    CREATE INDEX IF NOT EXISTS usage_days_by_day ON usage_days (day);
  `)
}

function prepareStatements(db: Database.Database) {
  return {
    counter: db.prepare<[string, number, number], CounterRow>('SELECT used, cap FROM quota_counters WHERE key = ? AND period_start = ? AND period_end = ?'),
    countRequest: db.prepare<[string, number, number]>(
      `INSERT INTO quota_counters (key, period_start, period_end, used) VALUES (?, ?, ?, 1)
       ON CONFLICT (key, period_start, period_end) DO UPDATE SET used = used + 1`,
    ),
    setCap: db.prepare<[string, number, number, number]>(
      `INSERT INTO quota_counters (key, period_start, period_end, used, cap) VALUES (?, ?, ?, 0, ?)
       ON CONFLICT (key, period_start, period_end) DO UPDATE SET cap = excluded.cap`,
    ),
    countDay: db.prepare<[string, string]>(
      `INSERT INTO usage_days (key, day, used) VALUES (?, ?, 1) ON CONFLICT (key, day) DO UPDATE SET used = used + 1`,
    ),
    usage: db.prepare<[string, string, string], { day: string; used: number }>('SELECT day, used FROM usage_days WHERE key = ? AND day BETWEEN ? AND ?'),
    dropCounters: db.prepare<[number]>('DELETE FROM quota_counters WHERE period_end <= ?'),
    dropDays: db.prepare<[string]>('DELETE FROM usage_days WHERE day < ?'),
  }
}
