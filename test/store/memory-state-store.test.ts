// Runs the StateStore conformance suite against MemoryStateStore, plus what only it promises: idle state is
// swept out on the callers' clock, and state still in use is not.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { MemoryStateStore } from '../../src/store/memory/state-store.js'
import { quotaPeriod } from '../../src/store/port/state-rules.js'
import { T, stateStoreConformance } from '../conformance/state-store.js'

stateStoreConformance('memory', async () => {
  const store = new MemoryStateStore()
  return { store, cleanup: () => store.close() }
})

const MINUTE = 60_000
const DAY = 86_400_000

test('memory: refilled buckets, ended quota periods, old usage and expired entries are swept out', async () => {
  const store = new MemoryStateStore({ sweepIntervalMs: MINUTE, usageRetentionDays: 2 })
  for (let i = 0; i < 1000; i++) await store.takeTokens([{ key: `client-${i}`, rate: 10, burst: 5 }], T)
  const day = quotaPeriod('DAY', 0, T)
  for (let i = 0; i < 10; i++) await store.consumeQuota(`key-${i}`, 100, day, T)
  for (let i = 0; i < 10; i++) await store.set(`entry-${i}`, 'v', 1000, T)
  assert.deepEqual(store.counts(), { buckets: 1000, quotaCounters: 10, usageDays: 10, cacheEntries: 10 })

  await store.takeTokens([{ key: 'late', rate: 10, burst: 5 }], T + MINUTE)
  assert.deepEqual(store.counts(), { buckets: 1, quotaCounters: 10, usageDays: 10, cacheEntries: 0 }, 'the full buckets and expired entries went')

  const later = T + 3 * DAY
  await store.consumeQuota('key-0', 100, quotaPeriod('DAY', 0, later), later)
  assert.deepEqual(store.counts(), { buckets: 0, quotaCounters: 1, usageDays: 1, cacheEntries: 0 }, 'yesterday\'s counters and usage past 2 days went')
  assert.deepEqual((await store.getUsage('key-1', '2024-03-15', '2024-03-15'))[0], { day: '2024-03-15', used: 0 })
  await store.close()
})

test('memory: a bucket still refilling is kept by the sweep, so no one gets a fresh burst early', async () => {
  const store = new MemoryStateStore({ sweepIntervalMs: MINUTE })
  const slow = { key: 'slow', rate: 0.001, burst: 5 }
  for (let i = 0; i < 5; i++) assert.equal((await store.takeTokens([slow], T)).allowed, true)
  await store.takeTokens([{ key: 'other', rate: 1, burst: 1 }], T + 10 * MINUTE)
  assert.equal(store.counts().buckets, 2)
  assert.deepEqual(await store.takeTokens([slow], T + 10 * MINUTE), { allowed: false, index: 0, retryAfterMs: 400_000 })
  await store.close()
})

test('memory: a closed store refuses calls', async () => {
  const store = new MemoryStateStore()
  await store.close()
  await assert.rejects(store.takeTokens([], T), /MemoryStateStore is closed/)
})
