// The state conformance suites: the behaviour every adapter must show for each role it serves (BucketStore,
// QuotaStore, CacheStore), for `admit` (LimitStore), and for the StateStore bundle, on a frozen clock. Each
// adapter's test file registers the suites of the roles it serves (test/store/*-store.test.ts).

import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { AdmitResult, BucketSpec, BucketStore, CacheStore, CachedResponse, ResponseCache, LimitStore, QuotaSpec, QuotaStatus, QuotaStore, StateStore, TakeResult } from '../../src/store/port/ports.js'
import { quotaPeriod } from '../../src/store/port/state-rules.js'

export interface StoreFixture<S> {
  store: S
  /** Closes `store` and opens the same backing data again (adapters whose quotas persist only). */
  reopen?: () => Promise<S>
  /** Closes whatever the fixture opened and removes its data. */
  cleanup: () => Promise<void>
}

export type StateStoreFixture = StoreFixture<StateStore>

/** Friday 2024-03-15 12:00:00 UTC: the frozen "now" of every test. */
export const T = Date.UTC(2024, 2, 15, 12)
const HOUR = 3_600_000
const DAY = 24 * HOUR

/** Takes from `buckets` `times` times at `nowMs`, one after another; returns how many were admitted. */
async function takeRepeatedly(store: BucketStore, buckets: BucketSpec[], nowMs: number, times: number): Promise<number> {
  let admitted = 0
  for (let i = 0; i < times; i++) if ((await store.takeTokens(buckets, nowMs)).allowed) admitted++
  return admitted
}

const rejected = (index: number, retryAfterMs: number): TakeResult => ({ allowed: false, index, retryAfterMs })

/** Runs `body` on a fresh fixture, cleaned up afterwards whatever happens. */
function runner<S>(makeStore: () => Promise<StoreFixture<S>>) {
  return async (body: (store: S, fixture: StoreFixture<S>) => Promise<void>): Promise<void> => {
    const fixture = await makeStore()
    try {
      await body(fixture.store, fixture)
    } finally {
      await fixture.cleanup()
    }
  }
}

/** Registers the BucketStore tests for one adapter. `makeStore` is called once per test. */
export function bucketStoreConformance(name: string, makeStore: () => Promise<StoreFixture<BucketStore>>): void {
  const withStore = runner(makeStore)
  describe(`BucketStore conformance: ${name}`, () => {
    describe('token buckets', () => {
      test('a new bucket is full: burst requests pass at once, the next waits for the refill', () =>
        withStore(async (store) => {
          const bucket = { key: 'stage', rate: 10, burst: 5 }
          assert.equal(await takeRepeatedly(store, [bucket], T, 5), 5)
          assert.deepEqual(await store.takeTokens([bucket], T), rejected(0, 100))
          assert.deepEqual(await store.takeTokens([bucket], T + 40), rejected(0, 60), 'part of a token has come back')
          assert.deepEqual(await store.takeTokens([bucket], T + 100), { allowed: true })
          assert.deepEqual(await store.takeTokens([bucket], T + 100), rejected(0, 100))
          assert.equal(await takeRepeatedly(store, [bucket], T + 250, 5), 1, 'one and a half tokens refilled: one request')
        }))

      test('a bucket never holds more than burst, however long it was idle', () =>
        withStore(async (store) => {
          const bucket = { key: 'idle', rate: 100, burst: 3 }
          assert.equal(await takeRepeatedly(store, [bucket], T, 10), 3)
          assert.equal(await takeRepeatedly(store, [bucket], T + 7 * DAY, 10), 3)
        }))

      test('fractional rates refill a token over several seconds', () =>
        withStore(async (store) => {
          const bucket = { key: 'slow', rate: 0.5, burst: 1 }
          assert.deepEqual(await store.takeTokens([bucket], T), { allowed: true })
          assert.deepEqual(await store.takeTokens([bucket], T), rejected(0, 2000))
          assert.deepEqual(await store.takeTokens([bucket], T + 1999), rejected(0, 1))
          assert.deepEqual(await store.takeTokens([bucket], T + 2000), { allowed: true })
          const third = { key: 'thirds', rate: 3, burst: 1 }
          assert.deepEqual(await store.takeTokens([third], T), { allowed: true })
          assert.deepEqual(await store.takeTokens([third], T + 333), rejected(0, 1), '0.999 of a token is not a token')
          assert.deepEqual(await store.takeTokens([third], T + 334), { allowed: true })
        }))

      test('all or nothing: when one bucket is empty, no bucket loses a token', () =>
        withStore(async (store) => {
          const plan = { key: 'plan', rate: 1, burst: 3 }
          const method = { key: 'method', rate: 1, burst: 1 }
          assert.deepEqual(await store.takeTokens([plan, method], T), { allowed: true })
          assert.deepEqual(await store.takeTokens([plan, method], T), rejected(1, 1000))
          assert.deepEqual(await store.takeTokens([plan, method], T), rejected(1, 1000))
          assert.equal(await takeRepeatedly(store, [plan], T, 5), 2, 'the plan bucket still had both of its other tokens')
        }))

      test('the first empty bucket in the given order rejects; retryAfterMs waits for every empty one', () =>
        withStore(async (store) => {
          const fast = { key: 'fast', rate: 10, burst: 1 }
          const slow = { key: 'slow', rate: 1, burst: 1 }
          const roomy = { key: 'roomy', rate: 1, burst: 10 }
          await store.takeTokens([fast, slow], T)
          assert.deepEqual(await store.takeTokens([roomy, fast, slow], T), rejected(1, 1000))
          assert.deepEqual(await store.takeTokens([roomy, slow, fast], T), rejected(1, 1000))
          assert.deepEqual(await store.takeTokens([fast, roomy], T + 50), rejected(0, 50))
          assert.deepEqual(await store.takeTokens([roomy, slow, fast], T + 100), rejected(1, 900), 'fast has refilled; slow has not')
          assert.equal(await takeRepeatedly(store, [roomy], T + 100, 15), 10, 'the rejected calls took nothing from roomy')
        }))

      test('rate 0 or burst 0 blocks every request, from the first one on (§7.9 [K])', () =>
        withStore(async (store) => {
          const open = { key: 'open', rate: 10, burst: 10 }
          assert.deepEqual(await store.takeTokens([open, { key: 'no-rate', rate: 0, burst: 100 }], T), rejected(1, Infinity))
          assert.deepEqual(await store.takeTokens([{ key: 'no-burst', rate: 100, burst: 0 }, open], T), rejected(0, Infinity))
          assert.deepEqual(await store.takeTokens([{ key: 'no-rate', rate: 0, burst: 100 }], T + 30 * DAY), rejected(0, Infinity))
          assert.deepEqual(await store.takeTokens([{ key: 'half', rate: 1, burst: 0.5 }], T + DAY), rejected(0, Infinity), 'a burst below one token never admits')
          assert.equal(await takeRepeatedly(store, [open], T, 20), 10, 'the open bucket lost nothing to the blocked calls')
        }))

      test('new limits on an existing bucket apply at once: a lower burst caps what is left', () =>
        withStore(async (store) => {
          assert.deepEqual(await store.takeTokens([{ key: 'b', rate: 1, burst: 10 }], T), { allowed: true })
          assert.equal(await takeRepeatedly(store, [{ key: 'b', rate: 1, burst: 2 }], T, 10), 2)
          assert.deepEqual(await store.takeTokens([{ key: 'b', rate: 1000, burst: 2 }], T + 1), { allowed: true }, 'the new rate refills')
        }))

      test('a clock that steps back (another node lagging) refills nothing and does not move the bucket back', () =>
        withStore(async (store) => {
          const bucket = { key: 'skew', rate: 10, burst: 2 }
          assert.deepEqual(await store.takeTokens([bucket], T + 1000), { allowed: true })
          assert.deepEqual(await store.takeTokens([bucket], T), { allowed: true }, 'the token left is there for the lagging node too')
          assert.deepEqual(await store.takeTokens([bucket], T), rejected(0, 100))
          assert.deepEqual(await store.takeTokens([bucket], T + 1050), rejected(0, 50), 'refill counts from T+1000, the latest time seen')
          assert.deepEqual(await store.takeTokens([bucket], T + 1100), { allowed: true })
        }))

      test('buckets are independent, and an empty list admits', () =>
        withStore(async (store) => {
          assert.equal(await takeRepeatedly(store, [{ key: 'a', rate: 1, burst: 2 }], T, 5), 2)
          assert.equal(await takeRepeatedly(store, [{ key: 'b', rate: 1, burst: 2 }], T, 5), 2)
          assert.deepEqual(await store.takeTokens([], T), { allowed: true })
        }))

      test('200 parallel requests on a burst of 50 admit exactly 50', () =>
        withStore(async (store) => {
          const buckets = [{ key: 'hot', rate: 1, burst: 50 }, { key: 'wide', rate: 1, burst: 60 }]
          const results = await Promise.all(Array.from({ length: 200 }, () => store.takeTokens(buckets, T)))
          assert.equal(results.filter((r) => r.allowed).length, 50)
          assert.ok(results.every((r) => r.allowed || r.index === 0))
          assert.equal(await takeRepeatedly(store, [{ key: 'wide', rate: 1, burst: 60 }], T, 20), 10, 'only admitted requests took from the second bucket')
        }))

      test('bad buckets are rejected with a clear error', () =>
        withStore(async (store) => {
          await assert.rejects(store.takeTokens([{ key: 'a', rate: -1, burst: 1 }], T), /buckets\[0\]\.rate must be a finite number >= 0/)
          await assert.rejects(store.takeTokens([{ key: 'a', rate: 1, burst: NaN }], T), /buckets\[0\]\.burst/)
          await assert.rejects(store.takeTokens([{ key: 'a', rate: 1, burst: 1 }, { key: 'a', rate: 2, burst: 2 }], T), /buckets\[1\]\.key "a" is repeated/)
          await assert.rejects(store.takeTokens([{ key: '', rate: 1, burst: 1 }], T), /buckets\[0\]\.key must be a non-empty string/)
          await assert.rejects(store.takeTokens([{ key: 'a', rate: 1, burst: 1 }], Number.NaN), /nowMs must be a finite number/)
        }))
    })


    test('takeTokensSync, where an adapter has it, decides as takeTokens', (t) =>
      withStore(async (store) => {
        if (store.takeTokensSync === undefined) return t.skip(`${name} decides asynchronously only`)
        const bucket = { key: 'sync', rate: 10, burst: 2 }
        assert.deepEqual(store.takeTokensSync([bucket], T), { allowed: true })
        assert.deepEqual(await store.takeTokens([bucket], T), { allowed: true })
        assert.deepEqual(store.takeTokensSync([bucket], T), rejected(0, 100))
        assert.throws(() => store.takeTokensSync!([{ key: 'x', rate: -1, burst: 1 }], T), /buckets\[0\]\.rate/)
      }))
  })
}

/** Registers the QuotaStore tests for one adapter. `makeStore` is called once per test. */
export function quotaStoreConformance(name: string, makeStore: () => Promise<StoreFixture<QuotaStore>>): void {
  const withStore = runner(makeStore)
  describe(`QuotaStore conformance: ${name}`, () => {
    describe('quotas and usage', () => {
      const day = quotaPeriod('DAY', 0, T)
      const month = quotaPeriod('MONTH', 0, T)

      test('a quota admits exactly limit requests in its period; rejected ones are not counted', () =>
        withStore(async (store) => {
          assert.deepEqual(await store.consumeQuota('k1', 3, day, T), { allowed: true, used: 1, remaining: 2 })
          assert.deepEqual(await store.consumeQuota('k1', 3, day, T + 1), { allowed: true, used: 2, remaining: 1 })
          assert.deepEqual(await store.consumeQuota('k1', 3, day, T + 2), { allowed: true, used: 3, remaining: 0 })
          assert.deepEqual(await store.consumeQuota('k1', 3, day, T + 3), { allowed: false, used: 3, remaining: 0 })
          assert.deepEqual(await store.consumeQuota('k1', 3, day, T + 4), { allowed: false, used: 3, remaining: 0 })
          assert.deepEqual(await store.quotaStatus('k1', 3, day), { used: 3, remaining: 0 })
          assert.deepEqual(await store.getUsage('k1', '2024-03-15', '2024-03-15'), [{ day: '2024-03-15', used: 3 }])
          assert.deepEqual(await store.consumeQuota('k2', 3, day, T), { allowed: true, used: 1, remaining: 2 }, 'another key has its own quota')
        }))

      test('a limit of 0 admits nothing; raising the limit admits more in the same period', () =>
        withStore(async (store) => {
          assert.deepEqual(await store.consumeQuota('k', 0, day, T), { allowed: false, used: 0, remaining: 0 })
          assert.deepEqual(await store.consumeQuota('k', 2, day, T), { allowed: true, used: 1, remaining: 1 })
          assert.deepEqual(await store.consumeQuota('k', 1, day, T), { allowed: false, used: 1, remaining: 0 })
          assert.deepEqual(await store.quotaStatus('k', 5, day), { used: 1, remaining: 4 })
          assert.deepEqual(await store.quotaStatus('never-used', 5, day), { used: 0, remaining: 5 })
        }))

      test('a new period starts from zero', () =>
        withStore(async (store) => {
          assert.equal((await store.consumeQuota('k', 1, day, T)).allowed, true)
          assert.equal((await store.consumeQuota('k', 1, day, day.end - 1)).allowed, false, 'the last millisecond of the day is still the old period')
          const tomorrow = quotaPeriod('DAY', 0, day.end)
          assert.deepEqual(tomorrow, { start: day.end, end: day.end + DAY })
          assert.deepEqual(await store.consumeQuota('k', 1, tomorrow, day.end), { allowed: true, used: 1, remaining: 0 })
          assert.deepEqual(await store.quotaStatus('k', 1, day), { used: 1, remaining: 0 }, 'the old period keeps its count')
        }))

      test('usage records count admitted requests per UTC day, with 0 for days without any', () =>
        withStore(async (store) => {
          for (let i = 0; i < 4; i++) await store.consumeQuota('k', 6, month, T + i)
          for (let i = 0; i < 2; i++) await store.consumeQuota('k', 6, month, T + 2 * DAY + i)
          for (let i = 0; i < 3; i++) await store.consumeQuota('k', 6, month, T + 3 * DAY)
          await store.consumeQuota('other', 6, month, T)
          assert.deepEqual(await store.getUsage('k', '2024-03-14', '2024-03-19'), [
            { day: '2024-03-14', used: 0 },
            { day: '2024-03-15', used: 4 },
            { day: '2024-03-16', used: 0 },
            { day: '2024-03-17', used: 2 },
            { day: '2024-03-18', used: 0 },
            { day: '2024-03-19', used: 0 },
          ])
          assert.deepEqual(await store.getUsage('nobody', '2024-02-28', '2024-03-01'), [
            { day: '2024-02-28', used: 0 },
            { day: '2024-02-29', used: 0 },
            { day: '2024-03-01', used: 0 },
          ])
        }))

      test('a request counts on the UTC day of its time: 23:59:59.999 and 00:00 fall on two days', () =>
        withStore(async (store) => {
          await store.consumeQuota('k', 10, month, day.end - 1)
          await store.consumeQuota('k', 10, month, day.end)
          assert.deepEqual(await store.getUsage('k', '2024-03-15', '2024-03-16'), [
            { day: '2024-03-15', used: 1 },
            { day: '2024-03-16', used: 1 },
          ])
        }))

      test('adjustQuota replaces what remains of the period (UpdateUsage replace /remaining)', () =>
        withStore(async (store) => {
          for (let i = 0; i < 3; i++) await store.consumeQuota('k', 5, day, T)
          assert.deepEqual(await store.adjustQuota('k', day, 10, T), { used: 3, remaining: 10 })
          assert.deepEqual(await store.quotaStatus('k', 5, day), { used: 3, remaining: 10 })
          let admitted = 0
          for (let i = 0; i < 20; i++) if ((await store.consumeQuota('k', 5, day, T)).allowed) admitted++
          assert.equal(admitted, 10, 'the plan limit of 5 no longer applies in this period')
          assert.deepEqual(await store.adjustQuota('k', day, 0, T), { used: 13, remaining: 0 })
          assert.deepEqual(await store.consumeQuota('k', 100, day, T), { allowed: false, used: 13, remaining: 0 })
          assert.deepEqual(await store.adjustQuota('fresh', day, 1, T), { used: 0, remaining: 1 }, 'a key without requests can be adjusted')
          assert.deepEqual(await store.consumeQuota('fresh', 0, day, T), { allowed: true, used: 1, remaining: 0 })
          const tomorrow = quotaPeriod('DAY', 0, day.end)
          assert.deepEqual(await store.consumeQuota('k', 5, tomorrow, day.end), { allowed: true, used: 1, remaining: 4 }, 'the next period has the plan limit again')
          assert.deepEqual((await store.getUsage('k', '2024-03-15', '2024-03-16')).map((u) => u.used), [13, 1])
        }))

      test('200 parallel requests on a quota of 50 admit exactly 50 and record 50', () =>
        withStore(async (store) => {
          const results = await Promise.all(Array.from({ length: 200 }, () => store.consumeQuota('hot', 50, month, T)))
          assert.equal(results.filter((r) => r.allowed).length, 50)
          assert.deepEqual(results.filter((r) => r.allowed).map((r) => r.used).sort((a, b) => a - b), Array.from({ length: 50 }, (_, i) => i + 1))
          assert.deepEqual(await store.getUsage('hot', '2024-03-15', '2024-03-15'), [{ day: '2024-03-15', used: 50 }])
        }))

      test('bad quota arguments are rejected with a clear error', () =>
        withStore(async (store) => {
          await assert.rejects(store.consumeQuota('k', -1, day, T), /limit must be an integer >= 0/)
          await assert.rejects(store.consumeQuota('k', 1.5, day, T), /limit must be an integer >= 0/)
          await assert.rejects(store.consumeQuota('k', 1, { start: 10, end: 10 }, 10), /start < end/)
          await assert.rejects(store.consumeQuota('k', 1, day, day.end), /outside the period/)
          await assert.rejects(store.adjustQuota('k', day, -2, T), /remaining must be an integer >= 0/)
          await assert.rejects(store.getUsage('k', '2024-3-1', '2024-03-02'), /fromDay must be a date YYYY-MM-DD/)
          await assert.rejects(store.getUsage('k', '2024-02-30', '2024-03-02'), /fromDay must be a date YYYY-MM-DD/)
          await assert.rejects(store.getUsage('k', '2024-03-02', '2024-03-01'), /is before fromDay/)
          await assert.rejects(store.getUsage('k', '2023-01-01', '2024-03-01'), /at most 366 days/)
        }))

      test('quota counters and usage records survive reopening (persistent adapters)', async (t) => {
        const fixture = await makeStore()
        try {
          if (fixture.reopen === undefined) return t.skip(`${name} keeps quotas in memory only`)
          for (let i = 0; i < 3; i++) await fixture.store.consumeQuota('k', 4, month, T)
          await fixture.store.adjustQuota('adjusted', month, 7, T)
          const reopened = await fixture.reopen()
          assert.deepEqual(await reopened.quotaStatus('k', 4, month), { used: 3, remaining: 1 })
          assert.deepEqual(await reopened.consumeQuota('k', 4, month, T + DAY), { allowed: true, used: 4, remaining: 0 })
          assert.deepEqual(await reopened.consumeQuota('k', 4, month, T + DAY), { allowed: false, used: 4, remaining: 0 })
          assert.deepEqual(await reopened.quotaStatus('adjusted', 4, month), { used: 0, remaining: 7 })
          assert.deepEqual((await reopened.getUsage('k', '2024-03-15', '2024-03-16')).map((u) => u.used), [3, 1])
        } finally {
          await fixture.cleanup()
        }
      })
    })


    test('consumeQuotaSync, where an adapter has it, decides as consumeQuota', (t) =>
      withStore(async (store) => {
        if (store.consumeQuotaSync === undefined) return t.skip(`${name} decides asynchronously only`)
        const day = quotaPeriod('DAY', 0, T)
        assert.deepEqual(store.consumeQuotaSync('k', 2, day, T), { allowed: true, used: 1, remaining: 1 })
        assert.deepEqual(await store.consumeQuota('k', 2, day, T), { allowed: true, used: 2, remaining: 0 })
        assert.deepEqual(store.consumeQuotaSync('k', 2, day, T), { allowed: false, used: 2, remaining: 0 })
        assert.throws(() => store.consumeQuotaSync!('k', -1, day, T), /limit must be an integer >= 0/)
      }))
  })
}

/** Registers the CacheStore tests for one adapter. `makeStore` is called once per test. */
export function cacheStoreConformance(name: string, makeStore: () => Promise<StoreFixture<CacheStore>>): void {
  const withStore = runner(makeStore)
  describe(`CacheStore conformance: ${name}`, () => {
    describe('cache entries', () => {
      test('strings come back as strings and Buffers as Buffers, byte for byte', () =>
        withStore(async (store) => {
          const bytes = Buffer.from([0, 1, 2, 0xff, 0xfe, 0x80, 0x0a])
          await store.set('text', 'héllo — 世界 🎉 "quoted" \n', 1000, T)
          await store.set('bytes', bytes, 1000, T)
          await store.set('empty', '', 1000, T)
          await store.set('empty-bytes', Buffer.alloc(0), 1000, T)
          assert.equal(await store.get('text', T), 'héllo — 世界 🎉 "quoted" \n')
          const back = await store.get('bytes', T)
          assert.ok(Buffer.isBuffer(back))
          assert.deepEqual(back, bytes)
          assert.equal(await store.get('empty', T), '')
          assert.deepEqual(await store.get('empty-bytes', T), Buffer.alloc(0))
          assert.equal(await store.get('missing', T), undefined)
        }))

      test('an entry lives for ttlMs on the callers\' clock; setting again replaces value and expiry', () =>
        withStore(async (store) => {
          await store.set('k', 'v1', 1000, T)
          assert.equal(await store.get('k', T + 999), 'v1')
          assert.equal(await store.get('k', T + 1000), undefined)
          await store.set('k', 'v2', 5000, T + 2000)
          assert.equal(await store.get('k', T + 6999), 'v2')
          await store.set('k', Buffer.from('v3'), 10, T + 7000)
          assert.deepEqual(await store.get('k', T + 7009), Buffer.from('v3'))
          assert.equal(await store.get('k', T + 7010), undefined)
        }))

      test('mutating a Buffer after set, or a Buffer read back, does not change the entry', () =>
        withStore(async (store) => {
          const value = Buffer.from('abc')
          await store.set('k', value, 1000, T)
          value[0] = 0x7a
          const first = (await store.get('k', T)) as Buffer
          assert.equal(first.toString(), 'abc')
          first[1] = 0x7a
          assert.equal(((await store.get('k', T)) as Buffer).toString(), 'abc')
        }))

      test('delete and deletePrefix remove only what they name', () =>
        withStore(async (store) => {
          for (const key of ['api1:GET /a', 'api1:GET /b', 'api1*:x', 'api10:GET /a', 'api2:GET /a']) await store.set(key, key, 60_000, T)
          await store.delete('api2:GET /a')
          await store.delete('never-set')
          assert.equal(await store.get('api2:GET /a', T), undefined)
          await store.deletePrefix('api1:')
          assert.equal(await store.get('api1:GET /a', T), undefined)
          assert.equal(await store.get('api1:GET /b', T), undefined)
          assert.equal(await store.get('api1*:x', T), 'api1*:x', 'glob characters in keys are plain characters')
          assert.equal(await store.get('api10:GET /a', T), 'api10:GET /a')
          await store.deletePrefix('api1*')
          assert.equal(await store.get('api1*:x', T), undefined)
          assert.equal(await store.get('api10:GET /a', T), 'api10:GET /a')
        }))

      test('bad cache arguments are rejected with a clear error', () =>
        withStore(async (store) => {
          await assert.rejects(store.set('k', 'v', 0, T), /ttlMs must be a finite number > 0/)
          await assert.rejects(store.set('k', 'v', Infinity, T), /ttlMs must be a finite number > 0/)
          await assert.rejects(store.set('k', 42 as unknown as string, 10, T), /value must be a string or a Buffer/)
          await assert.rejects(store.get('', T), /key must be a non-empty string/)
        }))
    })
  })
}

/**
 * Registers the `admit` tests for one LimitStore (ports.ts states the semantics). They run through `admit`
 * and, when the store has it, again through `admitSync`.
 */
export function admitConformance(name: string, makeStore: () => Promise<StoreFixture<LimitStore>>): void {
  const withStore = runner(makeStore)
  type Admit = (buckets: readonly BucketSpec[], quota: QuotaSpec | null, nowMs: number) => Promise<AdmitResult>
  const viaAdmit = (store: LimitStore): Admit => (b, q, t) => store.admit(b, q, t)
  const viaAdmitSync = (store: LimitStore): Admit | undefined => {
    const sync = store.admitSync
    if (sync === undefined) return undefined
    return (b, q, t) => {
      try {
        return Promise.resolve(sync.call(store, b, q, t))
      } catch (error) {
        return Promise.reject(error)
      }
    }
  }
  const day = quotaPeriod('DAY', 0, T)
  const month = quotaPeriod('MONTH', 0, T)
  const quota = (key: string, limit: number, period = day): QuotaSpec => ({ key, limit, period })
  const admitted = (q: QuotaStatus | null): AdmitResult => ({ allowed: true, quota: q })
  const byBucket = (index: number, retryAfterMs: number): AdmitResult => ({ allowed: false, refusedBy: 'bucket', index, retryAfterMs })
  const byQuota = (used: number): AdmitResult => ({ allowed: false, refusedBy: 'quota', quota: { used, remaining: 0 } })

  for (const [how, pick] of [
    ['admit', viaAdmit],
    ['admitSync', viaAdmitSync],
  ] as const) {
    const withAdmit = (t: { skip: (message: string) => void }, body: (admit: Admit, store: LimitStore) => Promise<void>) =>
      withStore(async (store) => {
        const admit = pick(store)
        if (admit === undefined) return t.skip(`${name} has no ${how}`)
        await body(admit, store)
      })

    describe(`LimitStore conformance (${how}): ${name}`, () => {
      test('buckets only: decides as takeTokens, all or nothing, the first empty bucket in order refuses', (t) =>
        withAdmit(t, async (admit, store) => {
          const plan = { key: 'plan', rate: 1, burst: 3 }
          const method = { key: 'method', rate: 1, burst: 1 }
          assert.deepEqual(await admit([plan, method], null, T), admitted(null))
          assert.deepEqual(await admit([plan, method], null, T), byBucket(1, 1000))
          assert.deepEqual(await admit([plan, method], null, T + 400), byBucket(1, 600))
          assert.equal(await takeRepeatedly(store, [plan], T, 5), 2, 'the refused calls took nothing from the plan bucket')
          assert.deepEqual(await admit([], null, T), admitted(null), 'nothing to check admits')
        }))

      test('quota only: counts like consumeQuota and records usage; a spent quota refuses', (t) =>
        withAdmit(t, async (admit, store) => {
          assert.deepEqual(await admit([], quota('k', 2), T), admitted({ used: 1, remaining: 1 }))
          assert.deepEqual(await admit([], quota('k', 2), T + 1), admitted({ used: 2, remaining: 0 }))
          assert.deepEqual(await admit([], quota('k', 2), T + 2), byQuota(2))
          assert.deepEqual(await store.quotaStatus('k', 2, day), { used: 2, remaining: 0 })
          assert.deepEqual(await store.getUsage('k', '2024-03-15', '2024-03-15'), [{ day: '2024-03-15', used: 2 }])
          assert.deepEqual(await store.consumeQuota('k', 3, day, T), { allowed: true, used: 3, remaining: 0 }, 'admit and consumeQuota count on one counter')
        }))

      test('an admitted request takes a token from every bucket and counts its quota once', (t) =>
        withAdmit(t, async (admit, store) => {
          const a = { key: 'a', rate: 1, burst: 2 }
          const b = { key: 'b', rate: 1, burst: 3 }
          assert.deepEqual(await admit([a, b], quota('k', 10, month), T), admitted({ used: 1, remaining: 9 }))
          assert.equal(await takeRepeatedly(store, [a], T, 5), 1)
          assert.equal(await takeRepeatedly(store, [b], T, 5), 2)
          assert.deepEqual(await store.getUsage('k', '2024-03-15', '2024-03-15'), [{ day: '2024-03-15', used: 1 }])
        }))

      test('an empty bucket wins over a spent quota (THROTTLED before QUOTA_EXCEEDED), and nothing is counted', (t) =>
        withAdmit(t, async (admit, store) => {
          const b = { key: 'b', rate: 1, burst: 1 }
          assert.deepEqual(await admit([], quota('spent', 1), T), admitted({ used: 1, remaining: 0 }))
          assert.deepEqual(await store.takeTokens([b], T), { allowed: true })
          assert.deepEqual(await admit([b], quota('spent', 1), T), byBucket(0, 1000), 'the bucket refuses first, though the quota is spent too')
          assert.deepEqual(await admit([b], quota('fresh', 5), T), byBucket(0, 1000))
          assert.deepEqual(await store.quotaStatus('fresh', 5, day), { used: 0, remaining: 5 }, 'a throttled request is not counted')
          assert.deepEqual(await store.getUsage('fresh', '2024-03-15', '2024-03-15'), [{ day: '2024-03-15', used: 0 }], 'nor recorded')
          assert.deepEqual(await store.quotaStatus('spent', 1, day), { used: 1, remaining: 0 })
        }))

      test('a spent quota refuses after the tokens were taken: they stay taken; nothing is counted or recorded', (t) =>
        withAdmit(t, async (admit, store) => {
          const b = { key: 'b', rate: 1, burst: 3 }
          assert.deepEqual(await admit([b], quota('none', 0), T), byQuota(0))
          assert.deepEqual(await admit([b], quota('none', 0), T), byQuota(0))
          assert.equal(await takeRepeatedly(store, [b], T, 5), 1, 'the two refused requests spent two tokens')
          assert.deepEqual(await admit([b], quota('none', 0), T), byBucket(0, 1000), 'and with the bucket empty the bucket refuses')
          assert.deepEqual(await store.getUsage('none', '2024-03-15', '2024-03-15'), [{ day: '2024-03-15', used: 0 }])
        }))

      test('a remaining quota set by adjustQuota applies to admit', (t) =>
        withAdmit(t, async (admit, store) => {
          const b = { key: 'b', rate: 1, burst: 10 }
          assert.deepEqual(await store.adjustQuota('k', day, 1, T), { used: 0, remaining: 1 })
          assert.deepEqual(await admit([b], quota('k', 100), T), admitted({ used: 1, remaining: 0 }))
          assert.deepEqual(await admit([b], quota('k', 100), T), byQuota(1))
        }))

      test('rate 0 or burst 0 refuses every request, with no retry time, and nothing is counted', (t) =>
        withAdmit(t, async (admit, store) => {
          const open = { key: 'open', rate: 10, burst: 10 }
          assert.deepEqual(await admit([open, { key: 'shut', rate: 0, burst: 10 }], quota('k', 5), T), byBucket(1, Infinity))
          assert.deepEqual(await store.quotaStatus('k', 5, day), { used: 0, remaining: 5 })
          assert.equal(await takeRepeatedly(store, [open], T, 20), 10)
        }))

      test('200 parallel admits on a bucket of 50 admit exactly 50; with a quota of 30, exactly 30', (t) =>
        withAdmit(t, async (admit, store) => {
          const hot = { key: 'hot', rate: 1, burst: 50 }
          const all = await Promise.all(Array.from({ length: 200 }, () => admit([hot], quota('wide', 1000, month), T)))
          assert.equal(all.filter((r) => r.allowed).length, 50)
          assert.ok(all.every((r) => r.allowed || (r.refusedBy === 'bucket' && r.index === 0)))
          assert.deepEqual(await store.quotaStatus('wide', 1000, month), { used: 50, remaining: 950 })

          const warm = { key: 'warm', rate: 1, burst: 80 }
          const tight = await Promise.all(Array.from({ length: 200 }, () => admit([warm], quota('tight', 30, month), T)))
          assert.equal(tight.filter((r) => r.allowed).length, 30)
          assert.equal(tight.filter((r) => !r.allowed && r.refusedBy === 'quota').length, 50, 'the bucket let 80 through; the quota refused 50 of them')
          assert.equal(tight.filter((r) => !r.allowed && r.refusedBy === 'bucket').length, 120)
          assert.deepEqual(await store.takeTokens([warm], T), { allowed: false, index: 0, retryAfterMs: 1000 })
          assert.deepEqual(await store.getUsage('tight', '2024-03-15', '2024-03-15'), [{ day: '2024-03-15', used: 30 }])
        }))

      test('bad arguments are refused before anything changes', (t) =>
        withAdmit(t, async (admit, store) => {
          const b = { key: 'b', rate: 1, burst: 1 }
          await assert.rejects(admit([{ key: 'a', rate: -1, burst: 1 }], quota('k', 1), T), /buckets\[0\]\.rate must be a finite number >= 0/)
          await assert.rejects(admit([b, b], null, T), /buckets\[1\]\.key "b" is repeated/)
          await assert.rejects(admit([b], quota('k', -1), T), /limit must be an integer >= 0/)
          await assert.rejects(admit([b], quota('', 1), T), /key must be a non-empty string/)
          await assert.rejects(admit([b], quota('k', 1), day.end), /outside the period/)
          await assert.rejects(admit([b], { key: 'k', limit: 1, period: { start: 10, end: 10 } }, T), /start < end/)
          await assert.rejects(admit([b], null, Number.NaN), /nowMs must be a finite number/)
          assert.deepEqual(await store.takeTokens([b], T), { allowed: true }, 'no refused call took the token')
          assert.deepEqual(await store.quotaStatus('k', 1, day), { used: 0, remaining: 1 })
        }))
    })
  }
}

/**
 * Registers every suite for a StateStore bundle (all roles and `admit`), plus what only the bundle can show:
 * the roles' namespaces are separate. `makeStore` is called once per test.
 */
export function stateStoreConformance(name: string, makeStore: () => Promise<StateStoreFixture>): void {
  bucketStoreConformance(name, makeStore)
  quotaStoreConformance(name, makeStore)
  cacheStoreConformance(name, makeStore)
  responseCacheConformance(name, makeStore, { boundsCapacity: false })
  admitConformance(name, makeStore)
  const withStore = runner(makeStore)
  describe(`StateStore conformance: ${name}`, () => {
      test('cache keys, bucket keys and quota keys never collide', () =>
        withStore(async (store) => {
          await store.set('same', 'cached', 60_000, T)
          assert.equal(await takeRepeatedly(store, [{ key: 'same', rate: 1, burst: 2 }], T, 5), 2)
          await store.consumeQuota('same', 1, quotaPeriod('DAY', 0, T), T)
          await store.deletePrefix('')
          assert.equal(await store.get('same', T), undefined)
          assert.deepEqual(await store.takeTokens([{ key: 'same', rate: 1, burst: 2 }], T), rejected(0, 1000), 'deletePrefix clears only cache entries')
          assert.deepEqual(await store.quotaStatus('same', 1, quotaPeriod('DAY', 0, T)), { used: 1, remaining: 0 })
        }))
  })
}

const GB = 2 ** 30

/** A response as an integration would hand it to the chain: repeated headers, binary body. */
function response(body: string | Buffer, status = 200): CachedResponse {
  return {
    status,
    headers: ['Content-Type', 'application/octet-stream', 'Set-Cookie', 'a=1', 'Set-Cookie', 'b=2', 'X-Odd', ' spaced  value '],
    body: typeof body === 'string' ? Buffer.from(body) : body,
  }
}

/**
 * The ResponseCache contract (§8): entries per stage, byte-identical status, headers and body, expiry on the
 * callers' clock, a stage flush that leaves other stages alone, and — for adapters that hold entries
 * themselves (`boundsCapacity`) — least-recently-used eviction within the stage's capacity.
 */
export function responseCacheConformance(name: string, makeStore: () => Promise<StoreFixture<ResponseCache>>, opts: { boundsCapacity: boolean }): void {
  const withStore = runner(makeStore)
  describe(`ResponseCache conformance: ${name}`, () => {
    test('an entry comes back byte for byte: status, repeated headers in order, binary body', () =>
      withStore(async (store) => {
        const body = Buffer.from([0, 1, 2, 0xff, 0xfe, 0x80, 0x0a, 0x7b])
        const entry = response(body, 203)
        await store.setResponse('api1/prod', 'GET|/pets', entry, 60_000, T, GB)
        const back = await store.getResponse('api1/prod', 'GET|/pets', T + 1)
        assert.ok(back)
        assert.equal(back.status, 203)
        assert.deepEqual([...back.headers], [...entry.headers])
        assert.ok(Buffer.isBuffer(back.body))
        assert.deepEqual(back.body, body)
        assert.equal(await store.getResponse('api1/prod', 'GET|/other', T), undefined)
        await store.setResponse('api1/prod', 'GET|/empty', response(Buffer.alloc(0), 204), 60_000, T, GB)
        assert.equal((await store.getResponse('api1/prod', 'GET|/empty', T))?.body.length, 0)
      }))

    test('what was stored does not change when the caller mutates its own copy', () =>
      withStore(async (store) => {
        const entry = { status: 200, headers: ['A', '1'], body: Buffer.from('abc') }
        await store.setResponse('api1/prod', 'k', entry, 60_000, T, GB)
        entry.headers.push('B', '2')
        entry.body[0] = 0x7a
        const back = await store.getResponse('api1/prod', 'k', T)
        assert.deepEqual([...back!.headers], ['A', '1'])
        assert.equal(back!.body.toString(), 'abc')
      }))

    test('an entry lives for ttlMs on the callers\' clock; storing again replaces it', () =>
      withStore(async (store) => {
        await store.setResponse('api1/prod', 'k', response('v1'), 1000, T, GB)
        assert.equal((await store.getResponse('api1/prod', 'k', T + 999))?.body.toString(), 'v1')
        assert.equal(await store.getResponse('api1/prod', 'k', T + 1000), undefined)
        await store.setResponse('api1/prod', 'k', response('v3', 201), 5000, T + 2000, GB)
        const back = await store.getResponse('api1/prod', 'k', T + 6999)
        assert.equal(back?.body.toString(), 'v3')
        assert.equal(back?.status, 201)
        assert.equal(await store.getResponse('api1/prod', 'k', T + 7000), undefined)
      }))

    test('a flush drops every entry of its stage and none of another; the stage caches again afterwards', () =>
      withStore(async (store) => {
        for (let i = 0; i < 5; i++) await store.setResponse('api1/prod', `k${i}`, response(`p${i}`), 60_000, T, GB)
        await store.setResponse('api1/dev', 'k0', response('dev'), 60_000, T, GB)
        await store.setResponse('api1/prod2', 'k0', response('prefix twin'), 60_000, T, GB)
        await store.flushResponses('api1/prod')
        for (let i = 0; i < 5; i++) assert.equal(await store.getResponse('api1/prod', `k${i}`, T), undefined)
        assert.equal((await store.getResponse('api1/dev', 'k0', T))?.body.toString(), 'dev')
        assert.equal((await store.getResponse('api1/prod2', 'k0', T))?.body.toString(), 'prefix twin')
        await store.setResponse('api1/prod', 'k0', response('again'), 60_000, T, GB)
        assert.equal((await store.getResponse('api1/prod', 'k0', T))?.body.toString(), 'again')
        await store.flushResponses('api1/never-used')
      }))

    test('an entry larger than the stage\'s capacity is not stored', () =>
      withStore(async (store) => {
        await store.setResponse('api1/prod', 'big', response(Buffer.alloc(10_000)), 60_000, T, 5_000)
        assert.equal(await store.getResponse('api1/prod', 'big', T), undefined)
      }))

    test('bad arguments are refused before anything is stored', () =>
      withStore(async (store) => {
        await assert.rejects(store.setResponse('', 'k', response('x'), 1000, T, GB), TypeError)
        await assert.rejects(store.setResponse('s', 'k', response('x'), 0, T, GB), RangeError)
        await assert.rejects(store.setResponse('s', 'k', { status: 200, headers: ['odd'], body: Buffer.alloc(0) }, 1000, T, GB), TypeError)
        await assert.rejects(store.setResponse('s', 'k', { status: 200, headers: [], body: 'text' as unknown as Buffer }, 1000, T, GB), TypeError)
        await assert.rejects(store.setResponse('s', 'k', response('x'), 1000, T, 0), RangeError)
        assert.equal(await store.getResponse('s', 'k', T), undefined)
      }))

    if (opts.boundsCapacity) {
      test('a stage stays within its capacity: the least recently used entries go first', () =>
        withStore(async (store) => {
          const each = 1000
          const cap = 3 * (each + 200)
          await store.setResponse('api1/prod', 'a', response(Buffer.alloc(each)), 60_000, T, cap)
          await store.setResponse('api1/prod', 'b', response(Buffer.alloc(each)), 60_000, T, cap)
          await store.setResponse('api1/prod', 'c', response(Buffer.alloc(each)), 60_000, T, cap)
          assert.ok(await store.getResponse('api1/prod', 'a', T), 'a used: now the most recent')
          await store.setResponse('api1/prod', 'd', response(Buffer.alloc(each)), 60_000, T, cap)
          assert.equal(await store.getResponse('api1/prod', 'b', T), undefined, 'b was the least recently used')
          for (const k of ['a', 'c', 'd']) assert.ok(await store.getResponse('api1/prod', k, T), `${k} kept`)
          await store.setResponse('api1/other', 'x', response(Buffer.alloc(each)), 60_000, T, cap)
          for (const k of ['a', 'c', 'd']) assert.ok(await store.getResponse('api1/prod', k, T), 'another stage has its own bound')
        }))
    }
  })
}
