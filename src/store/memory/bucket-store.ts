// MemoryBucketStore: token buckets held in this process only (a single node, or the primary of `--workers`).
// Nothing survives a restart, which for a bucket loses little: it refills within seconds anyway. Refilled
// buckets are swept out so that memory stays bounded.

import type { BucketSpec, BucketStore, Closable, TakeResult } from '../port/ports.js'
import { checkBuckets, refill, timeToFull, waitForToken } from '../port/state-rules.js'
import type { BucketState } from '../port/state-rules.js'

export interface MemoryBucketStoreOptions {
  /** How often, in the callers' time (`nowMs`), a call sweeps out refilled buckets (default 60,000 ms). */
  sweepIntervalMs?: number
}

interface StoredBucket extends BucketState {
  /** When the bucket is full again, and so indistinguishable from a new one. */
  fullAt: number
}

/**
 * A BucketStore in this process's memory. Every call decides synchronously (`takeTokensSync`; `takeTokens`
 * only wraps it in a promise), so concurrent calls are naturally atomic.
 *
 * @example
 * const buckets = new MemoryBucketStore()
 * const result = buckets.takeTokensSync([{ key: 'stage:prod', rate: 10, burst: 5 }], clock())
 */
export class MemoryBucketStore implements BucketStore, Closable {
  readonly #buckets = new Map<string, StoredBucket>()
  readonly #sweepIntervalMs: number
  #lastSweep = -Infinity
  #closed = false

  constructor(options: MemoryBucketStoreOptions = {}) {
    this.#sweepIntervalMs = options.sweepIntervalMs ?? 60_000
    if (!(this.#sweepIntervalMs >= 0)) throw new RangeError(`sweepIntervalMs must be >= 0, got ${options.sweepIntervalMs}`)
  }

  async takeTokens(buckets: readonly BucketSpec[], nowMs: number): Promise<TakeResult> {
    return this.takeTokensSync(buckets, nowMs)
  }

  takeTokensSync(buckets: readonly BucketSpec[], nowMs: number): TakeResult {
    this.#assertOpen()
    checkBuckets(buckets, nowMs)
    this.#maybeSweep(nowMs)
    const n = buckets.length
    if (n === 0) return { allowed: true }
    const states: BucketState[] = new Array(n)
    let index = -1
    let retryAfterMs = 0
    for (let i = 0; i < n; i++) {
      const spec = buckets[i]!
      const state = refill(this.#buckets.get(spec.key), spec, nowMs)
      states[i] = state
      const wait = waitForToken(state.tokens, spec)
      if (wait === 0) continue
      if (index < 0) index = i
      retryAfterMs = Math.max(retryAfterMs, wait)
    }
    if (index >= 0) return { allowed: false, index, retryAfterMs }
    for (let i = 0; i < n; i++) {
      const spec = buckets[i]!
      const { tokens, stamp } = states[i]!
      this.#buckets.set(spec.key, { tokens: tokens - 1, stamp, fullAt: stamp + timeToFull(tokens - 1, spec) })
    }
    return { allowed: true }
  }

  /** How many buckets are held right now (full ones are forgotten at the next sweep). */
  get size(): number {
    return this.#buckets.size
  }

  async close(): Promise<void> {
    this.#closed = true
    this.#buckets.clear()
  }

  #maybeSweep(nowMs: number): void {
    // Time comes from callers, so it may step back a little; only a step forward past the interval sweeps.
    if (nowMs - this.#lastSweep < this.#sweepIntervalMs) return
    this.#lastSweep = nowMs
    // A full bucket behaves exactly like a missing one, so forgetting it loses nothing.
    for (const [key, bucket] of this.#buckets) if (nowMs >= bucket.fullAt) this.#buckets.delete(key)
  }

  #assertOpen(): void {
    if (this.#closed) throw new Error('MemoryBucketStore is closed')
  }
}
