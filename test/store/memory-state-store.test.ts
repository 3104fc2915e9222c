// Runs the state conformance suites against the memory adapters, one per role (MemoryBucketStore,
// MemoryQuotaStore, MemoryCacheStore) and composed into the bundle a node without a data dir uses, plus what
// only they promise: idle state is swept out on the callers' clock, and state still in use is not.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { MemoryBucketStore } from '../../src/store/memory/bucket-store.js'
import { MemoryQuotaStore } from '../../src/store/memory/quota-store.js'
import { MemoryCacheStore } from '../../src/store/memory/cache-store.js'
import { MemoryResponseCache } from '../../src/store/memory/response-cache.js'
import { composeStateStore, localStateStore } from '../../src/store/compose.js'
import { quotaPeriod } from '../../src/store/port/state-rules.js'
import { T, bucketStoreConformance, cacheStoreConformance, responseCacheConformance, quotaStoreConformance, stateStoreConformance } from '../conformance/state-store.js'

const closing = <S extends { close(): Promise<void> }>(store: S) => ({ store, cleanup: () => store.close() })

bucketStoreConformance('memory', async () => closing(new MemoryBucketStore()))
quotaStoreConformance('memory', async () => closing(new MemoryQuotaStore()))
cacheStoreConformance('memory', async () => closing(new MemoryCacheStore()))
responseCacheConformance('memory', async () => closing(new MemoryResponseCache()), { boundsCapacity: true })
stateStoreConformance('memory bundle (localStateStore without a data dir)', async () => closing(localStateStore()))

const MINUTE = 60_000
const DAY = 86_400_000

test('memory: refilled buckets, ended quota periods, old usage and expired entries are swept out', async () => {
  const buckets = new MemoryBucketStore({ sweepIntervalMs: MINUTE })
  const quotas = new MemoryQuotaStore({ sweepIntervalMs: MINUTE, usageRetentionDays: 2 })
  const cache = new MemoryCacheStore({ sweepIntervalMs: MINUTE })
  for (let i = 0; i < 1000; i++) await buckets.takeTokens([{ key: `client-${i}`, rate: 10, burst: 5 }], T)
  const day = quotaPeriod('DAY', 0, T)
  for (let i = 0; i < 10; i++) await quotas.consumeQuota(`key-${i}`, 100, day, T)
  for (let i = 0; i < 10; i++) await cache.set(`entry-${i}`, 'v', 1000, T)
  assert.equal(buckets.size, 1000)
  assert.deepEqual(quotas.counts(), { quotaCounters: 10, usageDays: 10 })
  assert.equal(cache.size, 10)

  await buckets.takeTokens([{ key: 'late', rate: 10, burst: 5 }], T + MINUTE)
  assert.equal(buckets.size, 1, 'the full buckets went')
  await cache.set('late', 'v', 1000, T + MINUTE)
  assert.equal(cache.size, 1, 'the expired entries went')

  const later = T + 3 * DAY
  await quotas.consumeQuota('key-0', 100, quotaPeriod('DAY', 0, later), later)
  assert.deepEqual(quotas.counts(), { quotaCounters: 1, usageDays: 1 }, 'yesterday\'s counters and usage past 2 days went')
  assert.deepEqual((await quotas.getUsage('key-1', '2024-03-15', '2024-03-15'))[0], { day: '2024-03-15', used: 0 })
  await Promise.all([buckets.close(), quotas.close(), cache.close()])
})

test('memory: a bucket still refilling is kept by the sweep, so no one gets a fresh burst early', async () => {
  const store = new MemoryBucketStore({ sweepIntervalMs: MINUTE })
  const slow = { key: 'slow', rate: 0.001, burst: 5 }
  for (let i = 0; i < 5; i++) assert.equal((await store.takeTokens([slow], T)).allowed, true)
  await store.takeTokens([{ key: 'other', rate: 1, burst: 1 }], T + 10 * MINUTE)
  assert.equal(store.size, 2)
  assert.deepEqual(await store.takeTokens([slow], T + 10 * MINUTE), { allowed: false, index: 0, retryAfterMs: 400_000 })
  await store.close()
})

test('memory: closed stores refuse calls; closing a bundle closes every part once', async () => {
  const buckets = new MemoryBucketStore()
  const quotas = new MemoryQuotaStore()
  const cache = new MemoryCacheStore()
  const responses = new MemoryResponseCache()
  let closes = 0
  const counted = <S extends { close(): Promise<void> }>(s: S): S => Object.assign(s, { close: ((close) => () => (closes++, close()))(s.close.bind(s)) })
  const bundle = composeStateStore({ buckets: counted(buckets), quotas: counted(quotas), cache: counted(cache), responses: counted(responses) })
  assert.equal(typeof bundle.admitSync, 'function', 'memory roles decide synchronously, so the bundle does too')
  await bundle.close()
  await bundle.close()
  assert.equal(closes, 4)
  await assert.rejects(buckets.takeTokens([], T), /MemoryBucketStore is closed/)
  await assert.rejects(quotas.consumeQuota('k', 1, quotaPeriod('DAY', 0, T), T), /MemoryQuotaStore is closed/)
  await assert.rejects(cache.get('k', T), /MemoryCacheStore is closed/)
  await assert.rejects(bundle.admit([], null, T), /MemoryBucketStore is closed/)
  await assert.rejects(responses.getResponse('api/prod', 'k', T), /MemoryResponseCache is closed/)
})
