// Runs every state conformance suite (each role and `admit`) against RedisStateStore on the machine's Redis
// (one fresh key prefix per store), plus what only it promises: idle keys expire, keys stay under the prefix, and an unreachable
// Redis gives StateStoreUnavailableError at once — and the store recovers when Redis is back.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, connect } from 'node:net'
import type { Server, Socket } from 'node:net'
import { once } from 'node:events'
import { Redis } from 'ioredis'
import { serviceSkip } from '../services.js'
import { RedisStateStore } from '../../src/store/redis/state-store.js'
import type { RedisStateStoreOptions } from '../../src/store/redis/state-store.js'
import { StateStoreUnavailableError } from '../../src/store/port/ports.js'
import type { StateStore } from '../../src/store/port/ports.js'
import { quotaPeriod } from '../../src/store/port/state-rules.js'
import { T, stateStoreConformance } from '../conformance/state-store.js'

const REDIS_URL = 'redis://127.0.0.1:6379'
const MINUTE = 60_000
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR

let counter = 0
/** A key prefix no other run or test uses. */
function uniquePrefix(): string {
  return `gh-test:${process.pid}:${Date.now().toString(36)}:${++counter}:`
}

/** Every key under `prefix`, sorted. */
async function keysUnder(prefix: string): Promise<string[]> {
  const redis = new Redis(REDIS_URL)
  try {
    const keys: string[] = []
    let cursor = '0'
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000)
      keys.push(...batch)
      cursor = next
    } while (cursor !== '0')
    return keys.sort()
  } finally {
    redis.disconnect()
  }
}

async function dropPrefix(prefix: string): Promise<void> {
  const keys = await keysUnder(prefix)
  if (keys.length === 0) return
  const redis = new Redis(REDIS_URL)
  try {
    await redis.unlink(...keys)
  } finally {
    redis.disconnect()
  }
}

/** A port on which nothing listens (just closed). */
async function closedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as { port: number }
  server.close()
  await once(server, 'close')
  return port
}

/**
 * A timeout no test run reaches: a call given it can only fail some other way (refused, closed), and one that
 * does not would show as a hung test rather than as a slow one.
 */
const NEVER_MS = 600_000

/** Milliseconds `promise` takes to settle, and its rejection. */
async function timedRejection(promise: Promise<unknown>): Promise<{ ms: number; error: unknown }> {
  const started = performance.now()
  try {
    await promise
  } catch (error) {
    return { ms: performance.now() - started, error }
  }
  assert.fail('expected a rejection')
}

const redisSkip = await serviceSkip('Redis', '127.0.0.1', 6379)

test('redis: a store pointed at a closed port rejects every operation with StateStoreUnavailableError, without waiting', async () => {
  const port = await closedPort()
  // No timeout can end these calls: a refused connection must fail them by itself (ioredis's defaults would
  // retry for about 10 s instead).
  const store = new RedisStateStore({ host: '127.0.0.1', port }, { keyPrefix: uniquePrefix(), connectTimeoutMs: NEVER_MS, commandTimeoutMs: NEVER_MS })
  try {
    const day = quotaPeriod('DAY', 0, T)
    const calls: Array<() => Promise<unknown>> = [
      () => store.admit([{ key: 'b', rate: 1, burst: 1 }], { key: 'k', limit: 1, period: day }, T),
      () => store.takeTokens([{ key: 'b', rate: 1, burst: 1 }], T),
      () => store.consumeQuota('k', 1, day, T),
      () => store.quotaStatus('k', 1, day),
      () => store.adjustQuota('k', day, 1, T),
      () => store.getUsage('k', '2024-03-15', '2024-03-15'),
      () => store.get('k', T),
      () => store.set('k', 'v', 1000, T),
      () => store.delete('k'),
      () => store.deletePrefix('k'),
    ]
    for (const call of calls) {
      const { error } = await timedRejection(call())
      assert.ok(error instanceof StateStoreUnavailableError, `got ${String(error)}`)
      assert.equal(error.code, 'STATE_STORE_UNAVAILABLE')
      assert.match(error.message, new RegExp(`Redis at 127\\.0\\.0\\.1:${port} is unavailable`))
      assert.doesNotMatch(error.message, /within \d+ ms|timed? ?out/i, 'failed by the refusal, not by a timeout')
    }
    const parallel = await Promise.allSettled(Array.from({ length: 50 }, () => store.takeTokens([{ key: 'b', rate: 1, burst: 1 }], T)))
    assert.ok(parallel.every((r) => r.status === 'rejected' && r.reason instanceof StateStoreUnavailableError))
  } finally {
    await store.close()
  }
})

test('redis: a bad connection or option is a clear error', () => {
  assert.throws(() => new RedisStateStore(''), /connection URL must be a non-empty string/)
  assert.throws(() => new RedisStateStore(42 as unknown as string), /connection must be a redis:\/\/ URL or ioredis options/)
  assert.throws(() => new RedisStateStore(REDIS_URL, { commandTimeoutMs: 0 }), /commandTimeoutMs must be a positive integer/)
})

if (redisSkip) {
  test('redis StateStore', { skip: redisSkip }, () => {})
} else {
  stateStoreConformance('redis', async () => {
    const keyPrefix = uniquePrefix()
    let current: StateStore = new RedisStateStore(REDIS_URL, { keyPrefix })
    return {
      store: current,
      reopen: async () => {
        await current.close()
        current = new RedisStateStore(REDIS_URL, { keyPrefix })
        return current
      },
      cleanup: async () => {
        await current.close()
        await dropPrefix(keyPrefix)
      },
    }
  })

  /** Opens a store on a fresh prefix, closed and cleaned when the test ends. */
  const openStore = (t: { after: (fn: () => Promise<void>) => void }, options: RedisStateStoreOptions = {}, connection: string | { host: string; port: number } = REDIS_URL) => {
    const keyPrefix = uniquePrefix()
    const store = new RedisStateStore(connection, { keyPrefix, ...options })
    t.after(async () => {
      await store.close()
      await dropPrefix(keyPrefix)
    })
    return { store, keyPrefix }
  }

  test('redis: every key lives under the prefix and expires once it is no longer needed', async (t) => {
    const { store, keyPrefix } = openStore(t, { usageRetentionDays: 2 })
    const day = quotaPeriod('DAY', 0, T)
    await store.takeTokens([{ key: 'b', rate: 10, burst: 5 }], T)
    await store.consumeQuota('k', 10, day, T)
    await store.set('c', 'v', 30_000, T)
    const keys = await keysUnder(keyPrefix)
    assert.deepEqual(keys.map((k) => k.slice(keyPrefix.length)), ['bucket:b', 'cache:c', `quota:${day.start}:${day.end}:k`, 'usage:2024-03-15:k'])
    const redis = new Redis(REDIS_URL)
    t.after(() => redis.disconnect())
    const ttl = async (suffix: string) => redis.pttl(keyPrefix + suffix)
    const near = (actual: number, expected: number, what: string) => assert.ok(actual <= expected && actual > expected - 5000, `${what}: PTTL ${actual}, expected about ${expected}`)
    near(await ttl('bucket:b'), 100 + MINUTE, 'a bucket one token short: 100 ms to refill plus a minute')
    near(await ttl(`quota:${day.start}:${day.end}:k`), day.end - T + HOUR, 'a quota counter: to the end of its period plus an hour')
    near(await ttl('usage:2024-03-15:k'), day.end - T + 2 * DAY, 'a usage record: to the end of its day plus the retention')
    near(await ttl('cache:c'), 30_000 + MINUTE, 'a cache entry: its ttl plus a minute for clocks to disagree')
  })

  test('redis: a store on another prefix sees none of this one\'s state', async (t) => {
    const { store: a } = openStore(t)
    const { store: b } = openStore(t)
    await a.takeTokens([{ key: 'same', rate: 1, burst: 1 }], T)
    await a.set('same', 'a', 1000, T)
    assert.deepEqual(await b.takeTokens([{ key: 'same', rate: 1, burst: 1 }], T), { allowed: true })
    assert.equal(await b.get('same', T), undefined)
  })

  test('redis: scripts flushed from Redis (e.g. after a Redis restart) are loaded again transparently', async (t) => {
    const { store } = openStore(t)
    const bucket = { key: 'b', rate: 1, burst: 2 }
    assert.deepEqual(await store.takeTokens([bucket], T), { allowed: true })
    const redis = new Redis(REDIS_URL)
    t.after(() => redis.disconnect())
    await redis.script('FLUSH')
    assert.deepEqual(await store.takeTokens([bucket], T), { allowed: true })
    assert.deepEqual(await store.takeTokens([bucket], T), { allowed: false, index: 0, retryAfterMs: 1000 })
  })

  test('redis: when Redis goes away calls fail without waiting, and work again once it is back', async (t) => {
    const proxy = new Proxy(6379)
    const port = await proxy.listen(0)
    t.after(() => proxy.close())
    // No timeout can end a call: only the lost connection can fail it.
    const { store } = openStore(t, { connectTimeoutMs: NEVER_MS, commandTimeoutMs: NEVER_MS }, { host: '127.0.0.1', port })
    const bucket = { key: 'b', rate: 1, burst: 100 }
    assert.deepEqual(await store.takeTokens([bucket], T), { allowed: true })

    await proxy.close()
    const { error } = await timedRejection(store.takeTokens([bucket], T))
    assert.ok(error instanceof StateStoreUnavailableError, `got ${String(error)}`)
    assert.doesNotMatch(error.message, /within \d+ ms|timed? ?out/i, 'failed by the lost connection, not by a timeout')
    const again = await timedRejection(store.consumeQuota('k', 1, quotaPeriod('DAY', 0, T), T))
    assert.ok(again.error instanceof StateStoreUnavailableError)
    assert.doesNotMatch(String((again.error as Error).message), /within \d+ ms|timed? ?out/i, 'a second call while down fails at once too')

    await proxy.listen(port)
    const deadline = Date.now() + 30_000
    let result
    for (;;) {
      try {
        result = await store.takeTokens([bucket], T)
        break
      } catch (e) {
        assert.ok(e instanceof StateStoreUnavailableError)
        if (Date.now() > deadline) assert.fail('the store did not reconnect within 30 s')
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
    }
    assert.deepEqual(result, { allowed: true })
    assert.equal((await store.quotaStatus('k', 5, quotaPeriod('DAY', 0, T))).used, 0)
  })

  test('redis: a command Redis does not answer in time fails with StateStoreUnavailableError', async (t) => {
    const proxy = new Proxy(6379)
    const port = await proxy.listen(0)
    t.after(() => proxy.close())
    const { store } = openStore(t, { commandTimeoutMs: 100 }, { host: '127.0.0.1', port })
    assert.equal(await store.get('k', T), undefined)
    proxy.stall()
    // The stalled proxy never answers, so only the 100 ms command timeout can end the call; never before it.
    const { ms, error } = await timedRejection(store.get('k', T))
    assert.ok(error instanceof StateStoreUnavailableError, `got ${String(error)}`)
    assert.ok(ms >= 90, `answered after ${Math.round(ms)} ms`)
  })
}

/** A TCP proxy to a local port that a test can stop, restart on the same port, or make silent. */
class Proxy {
  readonly #target: number
  readonly #sockets = new Set<Socket>()
  #server: Server | undefined
  #stalled = false

  constructor(target: number) {
    this.#target = target
  }

  async listen(port: number): Promise<number> {
    this.#stalled = false
    const server = createServer((client) => {
      const upstream = connect(this.#target, '127.0.0.1')
      for (const socket of [client, upstream]) {
        this.#sockets.add(socket)
        socket.on('close', () => this.#sockets.delete(socket))
        socket.on('error', () => socket.destroy())
      }
      client.on('data', (chunk: Buffer) => {
        if (!this.#stalled) upstream.write(chunk)
      })
      upstream.on('data', (chunk: Buffer) => client.write(chunk))
      client.on('close', () => upstream.destroy())
      upstream.on('close', () => client.destroy())
    })
    this.#server = server
    server.listen(port, '127.0.0.1')
    await once(server, 'listening')
    return (server.address() as { port: number }).port
  }

  /** Keeps connections open but stops forwarding requests, like a Redis that hangs. */
  stall(): void {
    this.#stalled = true
  }

  async close(): Promise<void> {
    const server = this.#server
    this.#server = undefined
    for (const socket of this.#sockets) socket.destroy()
    if (server === undefined) return
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }
}
