// ClusterStateStore: the StateStore (every role: buckets, quotas, cache, the response cache, `admit`) of a `--workers N` worker.
// Every call travels over the cluster IPC channel to the one store the primary holds
// (src/store/cluster/state-host.ts), so the workers of one machine share one set of buckets, quotas and cache
// entries instead of each enforcing the limits on its own. A throttled request is one `admit` call.

import { StateStoreUnavailableError } from '../port/ports.js'
import type { AdmitResult, BucketSpec, CachedResponse, DailyUsage, QuotaPeriod, QuotaResult, QuotaSpec, QuotaStatus, StateStore, TakeResult } from '../port/ports.js'
import { checkAdmit, checkBuckets, checkConsume, checkCount, checkKey, checkPeriod, checkResponseEntry, checkTime, checkTtl, checkValue, daysBetween } from '../port/state-rules.js'
import { decode, encode, isStateReply } from './protocol.js'
import type { IpcEndpoint, StateCall, StateOp } from './protocol.js'

export interface ClusterStateStoreOptions {
  /** How long a call waits for the primary's answer before failing with StateStoreUnavailableError (default 2000 ms). */
  timeoutMs?: number
}

interface Pending {
  resolve: (value: unknown) => void
  reject: (error: Error) => void
  timer: NodeJS.Timeout
}

let instances = 0

/**
 * A StateStore that forwards each call to the primary process over `endpoint` (in a cluster worker:
 * `process`). Arguments are checked here first, with the same rules and messages as every adapter, so a bad
 * call never crosses the channel. Decisions are as atomic as the primary's store makes them: the primary
 * runs one call at a time per store. The calls of one event-loop turn travel as one message, which keeps
 * the channel's per-message cost off each request under load.
 *
 * A primary that is gone, or silent for `timeoutMs`, gives StateStoreUnavailableError, which the throttle
 * step turns into fail-open or fail-closed like an unreachable Redis. `close()` detaches this adapter only;
 * the primary's store stays open for the other workers.
 *
 * @example
 * const state = new ClusterStateStore(process)
 * await state.takeTokens([{ key: 'k', rate: 10, burst: 5 }], Date.now())
 */
export class ClusterStateStore implements StateStore {
  readonly #endpoint: IpcEndpoint
  readonly #timeoutMs: number
  readonly #tag = `${process.pid}:${++instances}`
  readonly #pending = new Map<number, Pending>()
  readonly #onMessage = (message: unknown): void => this.#settle(message)
  /** Calls made in this turn of the event loop, sent together at its end. */
  #queue: StateCall[] = []
  #flushScheduled = false
  #nextId = 0
  #closed = false

  constructor(endpoint: IpcEndpoint, options: ClusterStateStoreOptions = {}) {
    if (typeof endpoint?.on !== 'function' || typeof endpoint.send !== 'function') throw new TypeError('ClusterStateStore: endpoint must be an IPC channel (process in a cluster worker)')
    this.#timeoutMs = options.timeoutMs ?? 2000
    if (!Number.isInteger(this.#timeoutMs) || this.#timeoutMs <= 0) throw new RangeError(`timeoutMs must be a positive integer, got ${options.timeoutMs}`)
    this.#endpoint = endpoint
    endpoint.on('message', this.#onMessage)
  }

  async takeTokens(buckets: readonly BucketSpec[], nowMs: number): Promise<TakeResult> {
    checkBuckets(buckets, nowMs)
    if (buckets.length === 0) return { allowed: true }
    return (await this.#call('takeTokens', [buckets.map((b) => ({ key: b.key, rate: b.rate, burst: b.burst })), nowMs])) as TakeResult
  }

  /** One call, one IPC message (batched with the other calls of this event-loop turn). */
  async admit(buckets: readonly BucketSpec[], quota: QuotaSpec | null, nowMs: number): Promise<AdmitResult> {
    checkAdmit(buckets, quota, nowMs)
    if (buckets.length === 0 && quota === null) return { allowed: true, quota: null }
    const q = quota === null ? null : { key: quota.key, limit: quota.limit, period: { start: quota.period.start, end: quota.period.end } }
    return (await this.#call('admit', [buckets.map((b) => ({ key: b.key, rate: b.rate, burst: b.burst })), q, nowMs])) as AdmitResult
  }

  async consumeQuota(key: string, limit: number, period: QuotaPeriod, nowMs: number): Promise<QuotaResult> {
    checkConsume(key, limit, period, nowMs)
    return (await this.#call('consumeQuota', [key, limit, { start: period.start, end: period.end }, nowMs])) as QuotaResult
  }

  async quotaStatus(key: string, limit: number, period: QuotaPeriod): Promise<QuotaStatus> {
    checkKey(key)
    checkCount(limit, 'limit')
    checkPeriod(period)
    return (await this.#call('quotaStatus', [key, limit, { start: period.start, end: period.end }])) as QuotaStatus
  }

  async adjustQuota(key: string, period: QuotaPeriod, remaining: number, nowMs: number): Promise<QuotaStatus> {
    checkKey(key)
    checkPeriod(period)
    checkCount(remaining, 'remaining')
    checkTime(nowMs, 'nowMs')
    return (await this.#call('adjustQuota', [key, { start: period.start, end: period.end }, remaining, nowMs])) as QuotaStatus
  }

  async getUsage(key: string, fromDay: string, toDay: string): Promise<DailyUsage[]> {
    checkKey(key)
    daysBetween(fromDay, toDay)
    return (await this.#call('getUsage', [key, fromDay, toDay])) as DailyUsage[]
  }

  async get(key: string, nowMs: number): Promise<string | Buffer | undefined> {
    checkKey(key)
    checkTime(nowMs, 'nowMs')
    return (await this.#call('get', [key, nowMs])) as string | Buffer | undefined
  }

  async set(key: string, value: string | Buffer, ttlMs: number, nowMs: number): Promise<void> {
    checkKey(key)
    checkValue(value)
    checkTtl(ttlMs)
    checkTime(nowMs, 'nowMs')
    await this.#call('set', [key, value, ttlMs, nowMs])
  }

  async delete(key: string): Promise<void> {
    checkKey(key)
    await this.#call('delete', [key])
  }

  async deletePrefix(prefix: string): Promise<void> {
    if (typeof prefix !== 'string') throw new TypeError('prefix must be a string')
    await this.#call('deletePrefix', [prefix])
  }

  async getResponse(stage: string, key: string, nowMs: number): Promise<CachedResponse | undefined> {
    checkKey(stage, 'stage')
    checkKey(key)
    checkTime(nowMs, 'nowMs')
    return (await this.#call('getResponse', [stage, key, nowMs])) as CachedResponse | undefined
  }

  async setResponse(stage: string, key: string, entry: CachedResponse, ttlMs: number, nowMs: number, capacityBytes: number): Promise<void> {
    checkResponseEntry(stage, key, entry, ttlMs, nowMs, capacityBytes)
    await this.#call('setResponse', [stage, key, { status: entry.status, headers: entry.headers, body: entry.body }, ttlMs, nowMs, capacityBytes])
  }

  async flushResponses(stage: string): Promise<void> {
    checkKey(stage, 'stage')
    await this.#call('flushResponses', [stage])
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#endpoint.off('message', this.#onMessage)
    for (const [id, p] of this.#pending) {
      clearTimeout(p.timer)
      p.reject(new StateStoreUnavailableError('the cluster state store was closed before the primary answered'))
      this.#pending.delete(id)
    }
  }

  #call(op: StateOp, args: unknown[]): Promise<unknown> {
    if (this.#closed) return Promise.reject(new Error('ClusterStateStore is closed'))
    if (this.#endpoint.connected === false) return Promise.reject(new StateStoreUnavailableError(`the cluster primary is gone (${op})`))
    const id = ++this.#nextId
    return new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id)
        reject(new StateStoreUnavailableError(`the cluster primary did not answer within ${this.#timeoutMs} ms (${op})`))
      }, this.#timeoutMs)
      this.#pending.set(id, { resolve, reject, timer })
      this.#queue.push({ id, op, args: encode(args) as unknown[] })
      if (!this.#flushScheduled) {
        this.#flushScheduled = true
        setImmediate(() => this.#flush())
      }
    })
  }

  #flush(): void {
    this.#flushScheduled = false
    const calls = this.#queue
    this.#queue = []
    if (calls.length === 0 || this.#closed) return
    const failAll = (error: Error): void => {
      for (const call of calls) this.#fail(call.id, new StateStoreUnavailableError(`cannot reach the cluster primary (${call.op}): ${error.message}`, { cause: error }))
    }
    try {
      this.#endpoint.send!({ gh: 'state', from: this.#tag, calls }, (error) => {
        if (error) failAll(error)
      })
    } catch (error) {
      failAll(error as Error)
    }
  }

  #fail(id: number, error: Error): void {
    const p = this.#pending.get(id)
    if (!p) return
    this.#pending.delete(id)
    clearTimeout(p.timer)
    p.reject(error)
  }

  #settle(message: unknown): void {
    if (!isStateReply(message) || message.to !== this.#tag) return
    for (const result of message.results) {
      const p = this.#pending.get(result.id)
      if (!p) continue
      this.#pending.delete(result.id)
      clearTimeout(p.timer)
      if (result.ok) p.resolve(decode(result.value))
      else p.reject(rebuildError(result.error))
    }
  }
}

/** The primary's error as the class a local adapter would have thrown. */
function rebuildError(e: { name: string; message: string }): Error {
  switch (e.name) {
    case 'RangeError':
      return new RangeError(e.message)
    case 'TypeError':
      return new TypeError(e.message)
    case 'StateStoreUnavailableError':
      return new StateStoreUnavailableError(e.message)
    default: {
      const error = new Error(e.message)
      error.name = e.name
      return error
    }
  }
}
