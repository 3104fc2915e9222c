// Part of the composition root, not an adapter: builds the StateStore bundle from role adapters. A node
// without Redis keeps token buckets, cache entries and cached responses in memory and its quotas in memory or, with a data dir,
// in SQLite (which persists them); `admit` then runs the bucket role and the quota role one after the other,
// synchronously, which in one process is as atomic as one call.

import type {
  AdmitResult,
  BucketSpec,
  BucketStore,
  CacheStore,
  CachedResponse,
  Closable,
  DailyUsage,
  QuotaPeriod,
  QuotaResult,
  QuotaSpec,
  QuotaStatus,
  QuotaStore,
  ResponseCache,
  StateStore,
  TakeResult,
} from './port/ports.js'
import { checkAdmit, checkQuotaSpec } from './port/state-rules.js'
import { MemoryBucketStore } from './memory/bucket-store.js'
import { MemoryCacheStore } from './memory/cache-store.js'
import { MemoryQuotaStore } from './memory/quota-store.js'
import { MemoryResponseCache } from './memory/response-cache.js'
import { SqliteQuotaStore } from './sqlite/quota-store.js'

/** The role adapters of one StateStore; each is closed once by the bundle's `close()`. */
export interface StateStoreParts {
  buckets: BucketStore & Closable
  quotas: QuotaStore & Closable
  cache: CacheStore & Closable
  responses: ResponseCache & Closable
}

/**
 * The StateStore of a node that holds its state itself (no Redis): buckets and cache in memory, quotas in
 * SQLite under `dataDir` when one is given (they survive restarts), else in memory. The `--workers` primary
 * serves the same bundle to its workers.
 *
 * @example
 * const state = localStateStore(dataDir) // dataDir may be undefined
 */
export function localStateStore(dataDir?: string): StateStore {
  return composeStateStore({
    buckets: new MemoryBucketStore(),
    quotas: dataDir ? new SqliteQuotaStore(dataDir) : new MemoryQuotaStore(),
    cache: new MemoryCacheStore(),
    responses: new MemoryResponseCache(),
  })
}

/**
 * One StateStore from one adapter per role. `admit` takes the tokens, then (only if they were taken) counts
 * the quota, with the semantics the port states (src/store/port/ports.ts, LimitStore). When both roles decide
 * synchronously (memory, SQLite) the bundle has `admitSync` and `takeTokensSync`, and nothing else can run
 * between the two halves; with asynchronous roles the bundle is only as atomic as the awaits between them
 * allow, which is why shared backends (Redis, a cluster primary) implement `admit` themselves.
 */
export function composeStateStore(parts: StateStoreParts): StateStore {
  return new StateStoreBundle(parts)
}

class StateStoreBundle implements StateStore {
  readonly #buckets: BucketStore & Closable
  readonly #quotas: QuotaStore & Closable
  readonly #cache: CacheStore & Closable
  readonly #responses: ResponseCache & Closable
  readonly takeTokensSync?: (buckets: readonly BucketSpec[], nowMs: number) => TakeResult
  readonly consumeQuotaSync?: (key: string, limit: number, period: QuotaPeriod, nowMs: number) => QuotaResult
  readonly admitSync?: (buckets: readonly BucketSpec[], quota: QuotaSpec | null, nowMs: number) => AdmitResult
  readonly getResponseSync?: (stage: string, key: string, nowMs: number) => CachedResponse | undefined
  #closed = false

  constructor(parts: StateStoreParts) {
    this.#buckets = parts.buckets
    this.#quotas = parts.quotas
    this.#cache = parts.cache
    this.#responses = parts.responses
    const { buckets, quotas, responses } = parts
    if (responses.getResponseSync) this.getResponseSync = responses.getResponseSync.bind(responses)
    if (buckets.takeTokensSync) this.takeTokensSync = buckets.takeTokensSync.bind(buckets)
    if (quotas.consumeQuotaSync) this.consumeQuotaSync = quotas.consumeQuotaSync.bind(quotas)
    const take = this.takeTokensSync
    const consume = this.consumeQuotaSync
    if (take && consume) {
      this.admitSync = (b, q, nowMs) => {
        // The quota is checked before any token is taken; `take` checks the buckets before it changes one.
        checkQuotaSpec(q, nowMs)
        const taken = take(b, nowMs)
        if (!taken.allowed) return { allowed: false, refusedBy: 'bucket', index: taken.index, retryAfterMs: taken.retryAfterMs }
        if (q === null) return ADMITTED
        return quotaOutcome(consume(q.key, q.limit, q.period, nowMs))
      }
    }
  }

  takeTokens(buckets: readonly BucketSpec[], nowMs: number): Promise<TakeResult> {
    return this.#buckets.takeTokens(buckets, nowMs)
  }

  consumeQuota(key: string, limit: number, period: QuotaPeriod, nowMs: number): Promise<QuotaResult> {
    return this.#quotas.consumeQuota(key, limit, period, nowMs)
  }

  quotaStatus(key: string, limit: number, period: QuotaPeriod): Promise<QuotaStatus> {
    return this.#quotas.quotaStatus(key, limit, period)
  }

  adjustQuota(key: string, period: QuotaPeriod, remaining: number, nowMs: number): Promise<QuotaStatus> {
    return this.#quotas.adjustQuota(key, period, remaining, nowMs)
  }

  getUsage(key: string, fromDay: string, toDay: string): Promise<DailyUsage[]> {
    return this.#quotas.getUsage(key, fromDay, toDay)
  }

  async admit(buckets: readonly BucketSpec[], quota: QuotaSpec | null, nowMs: number): Promise<AdmitResult> {
    if (this.admitSync) return this.admitSync(buckets, quota, nowMs)
    checkAdmit(buckets, quota, nowMs)
    const taken = await this.#buckets.takeTokens(buckets, nowMs)
    if (!taken.allowed) return { allowed: false, refusedBy: 'bucket', index: taken.index, retryAfterMs: taken.retryAfterMs }
    if (quota === null) return ADMITTED
    return quotaOutcome(await this.#quotas.consumeQuota(quota.key, quota.limit, quota.period, nowMs))
  }

  get(key: string, nowMs: number): Promise<string | Buffer | undefined> {
    return this.#cache.get(key, nowMs)
  }

  set(key: string, value: string | Buffer, ttlMs: number, nowMs: number): Promise<void> {
    return this.#cache.set(key, value, ttlMs, nowMs)
  }

  delete(key: string): Promise<void> {
    return this.#cache.delete(key)
  }

  deletePrefix(prefix: string): Promise<void> {
    return this.#cache.deletePrefix(prefix)
  }

  getResponse(stage: string, key: string, nowMs: number): Promise<CachedResponse | undefined> {
    return this.#responses.getResponse(stage, key, nowMs)
  }

  setResponse(stage: string, key: string, entry: CachedResponse, ttlMs: number, nowMs: number, capacityBytes: number): Promise<void> {
    return this.#responses.setResponse(stage, key, entry, ttlMs, nowMs, capacityBytes)
  }

  flushResponses(stage: string): Promise<void> {
    return this.#responses.flushResponses(stage)
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    // One adapter may serve several roles: close each once.
    for (const part of new Set<Closable>([this.#buckets, this.#quotas, this.#cache, this.#responses])) await part.close()
  }
}

const ADMITTED: AdmitResult = Object.freeze({ allowed: true, quota: null })

function quotaOutcome(r: QuotaResult): AdmitResult {
  const quota = { used: r.used, remaining: r.remaining }
  return r.allowed ? { allowed: true, quota } : { allowed: false, refusedBy: 'quota', quota }
}
