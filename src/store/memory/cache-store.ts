// MemoryCacheStore: TTL'd entries held in this process only (the Lambda-authorizer result cache of a single
// node or of a `--workers` primary). Expired entries are swept out so that memory stays bounded.

import type { CacheStore, Closable } from '../port/ports.js'
import { checkKey, checkTime, checkTtl, checkValue } from '../port/state-rules.js'

export interface MemoryCacheStoreOptions {
  /** How often, in the callers' time (`nowMs`), a `set` sweeps out expired entries (default 60,000 ms). */
  sweepIntervalMs?: number
}

interface Entry {
  bytes: Buffer
  text: boolean
  expiresAt: number
}

/**
 * A CacheStore in this process's memory. Values are copied in and out: mutating a Buffer after `set` or
 * after `get` never changes the store.
 *
 * @example
 * const cache = new MemoryCacheStore()
 * await cache.set('authorizer:abc', '{"principalId":"u1"}', 300_000, clock())
 */
export class MemoryCacheStore implements CacheStore, Closable {
  readonly #entries = new Map<string, Entry>()
  readonly #sweepIntervalMs: number
  #lastSweep = -Infinity
  #closed = false

  constructor(options: MemoryCacheStoreOptions = {}) {
    this.#sweepIntervalMs = options.sweepIntervalMs ?? 60_000
    if (!(this.#sweepIntervalMs >= 0)) throw new RangeError(`sweepIntervalMs must be >= 0, got ${options.sweepIntervalMs}`)
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
    // Strings go through UTF-8 like in Redis, so every adapter gives back the same text.
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

  /** How many entries are held right now (expired ones go at the next sweep). */
  get size(): number {
    return this.#entries.size
  }

  async close(): Promise<void> {
    this.#closed = true
    this.#entries.clear()
  }

  #maybeSweep(nowMs: number): void {
    if (nowMs - this.#lastSweep < this.#sweepIntervalMs) return
    this.#lastSweep = nowMs
    for (const [key, entry] of this.#entries) if (nowMs >= entry.expiresAt) this.#entries.delete(key)
  }

  #assertOpen(): void {
    if (this.#closed) throw new Error('MemoryCacheStore is closed')
  }
}
