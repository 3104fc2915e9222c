// MemoryResponseCache: the REST stage response cache (§8) in this process's memory (a single node, or the
// `--workers` primary for all its workers). Each stage keeps its entries in least-recently-used order within
// its capacity bound, so memory never grows past the sum of the stages' bounds.

import type { CachedResponse, Closable, ResponseCache } from '../port/ports.js'
import { checkKey, checkResponseEntry, checkTime, responseEntryBytes } from '../port/state-rules.js'

interface Entry {
  readonly response: CachedResponse
  readonly bytes: number
  readonly expiresAt: number
}

/** One stage's entries, oldest use first (a Map keeps insertion order; a hit re-inserts its entry). */
class StageEntries {
  readonly entries = new Map<string, Entry>()
  bytes = 0

  drop(key: string, entry: Entry): void {
    this.entries.delete(key)
    this.bytes -= entry.bytes
  }
}

/**
 * A ResponseCache in memory. A hit moves its entry to the most recently used end; a store that would take a
 * stage past `capacityBytes` first evicts that stage's least recently used entries (expired ones go the same
 * way, or when met). An entry larger than the whole bound is not stored.
 *
 * @example
 * const cache = new MemoryResponseCache()
 * await cache.setResponse('a1b2c3/prod', 'GET|/pets', { status: 200, headers: ['Content-Type', 'application/json'], body }, 300_000, now(), 2 ** 29)
 */
export class MemoryResponseCache implements ResponseCache, Closable {
  readonly #stages = new Map<string, StageEntries>()
  #closed = false

  getResponseSync(stage: string, key: string, nowMs: number): CachedResponse | undefined {
    this.#assertOpen()
    checkKey(stage, 'stage')
    checkKey(key)
    checkTime(nowMs, 'nowMs')
    const s = this.#stages.get(stage)
    const entry = s?.entries.get(key)
    if (s === undefined || entry === undefined) return undefined
    s.entries.delete(key)
    if (nowMs >= entry.expiresAt) {
      s.bytes -= entry.bytes
      return undefined
    }
    s.entries.set(key, entry)
    // Stored entries are frozen copies: the caller gets its own header list (the writer appends to it).
    const r = entry.response
    return { status: r.status, headers: r.headers.slice(), body: r.body }
  }

  async getResponse(stage: string, key: string, nowMs: number): Promise<CachedResponse | undefined> {
    return this.getResponseSync(stage, key, nowMs)
  }

  async setResponse(stage: string, key: string, entry: CachedResponse, ttlMs: number, nowMs: number, capacityBytes: number): Promise<void> {
    this.#assertOpen()
    checkResponseEntry(stage, key, entry, ttlMs, nowMs, capacityBytes)
    let s = this.#stages.get(stage)
    if (s === undefined) this.#stages.set(stage, (s = new StageEntries()))
    const old = s.entries.get(key)
    if (old !== undefined) s.drop(key, old)
    const bytes = responseEntryBytes(key, entry)
    if (bytes > capacityBytes) return
    for (const [k, e] of s.entries) {
      if (s.bytes + bytes <= capacityBytes) break
      s.drop(k, e)
    }
    const response: CachedResponse = Object.freeze({ status: entry.status, headers: Object.freeze(entry.headers.slice()), body: Buffer.from(entry.body) })
    s.entries.set(key, { response, bytes, expiresAt: nowMs + ttlMs })
    s.bytes += bytes
  }

  async flushResponses(stage: string): Promise<void> {
    this.#assertOpen()
    checkKey(stage, 'stage')
    this.#stages.delete(stage)
  }

  /** Bytes held for `stage` (as counted against its bound). */
  bytesOf(stage: string): number {
    return this.#stages.get(stage)?.bytes ?? 0
  }

  async close(): Promise<void> {
    this.#closed = true
    this.#stages.clear()
  }

  #assertOpen(): void {
    if (this.#closed) throw new Error('MemoryResponseCache is closed')
  }
}
