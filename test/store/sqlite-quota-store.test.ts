// Runs the QuotaStore conformance suite against SqliteQuotaStore, and every state suite against the bundle a
// node with a data dir uses (SQLite quotas, memory buckets and cache: localStateStore), plus what only they
// promise: quotas and usage in `<data dir>/state.db` survive restarts and are shared by instances on one
// directory, while token buckets and cache entries stay in memory, per process.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { SQLITE_STATE_FILE_NAME, SqliteQuotaStore } from '../../src/store/sqlite/quota-store.js'
import { localStateStore } from '../../src/store/compose.js'
import { SqliteConfigStore } from '../../src/store/sqlite/config-store.js'
import type { QuotaStore, StateStore } from '../../src/store/port/ports.js'
import { quotaPeriod } from '../../src/store/port/state-rules.js'
import { T, quotaStoreConformance, stateStoreConformance } from '../conformance/state-store.js'

const DAY = 86_400_000

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'gatehouse-state-'))
}

/** A fresh data dir with `open(dir)` on it; `reopen` closes and opens the same directory again. */
async function onDataDir<S extends { close(): Promise<void> }>(open: (dir: string) => S) {
  const dir = await tempDir()
  let current = open(dir)
  return {
    store: current,
    reopen: async () => {
      await current.close()
      current = open(dir)
      return current
    },
    cleanup: async () => {
      await current.close()
      await rm(dir, { recursive: true, force: true })
    },
  }
}

quotaStoreConformance('sqlite', () => onDataDir<QuotaStore & { close(): Promise<void> }>((dir) => new SqliteQuotaStore(dir)))
stateStoreConformance('sqlite quotas with memory buckets and cache (localStateStore with a data dir)', () => onDataDir<StateStore>((dir) => localStateStore(dir)))

test('sqlite state: state.db sits in the data directory beside the config store\'s gatehouse.db, in WAL mode', async (t) => {
  const root = await tempDir()
  t.after(() => rm(root, { recursive: true, force: true }))
  const dir = join(root, 'nested', 'data')
  const state = new SqliteQuotaStore(dir)
  const config = new SqliteConfigStore(dir)
  await state.consumeQuota('k', 1, quotaPeriod('DAY', 0, T), T)
  await config.apply([{ op: 'put', kind: 'api', id: 'a', value: {} }])
  assert.equal(state.path, join(dir, SQLITE_STATE_FILE_NAME))
  await state.close()
  await config.close()
  const db = new Database(join(dir, 'state.db'), { readonly: true })
  t.after(() => db.close())
  assert.equal(db.pragma('journal_mode', { simple: true }), 'wal')
  assert.equal(db.prepare('SELECT count(*) FROM quota_counters').pluck().get(), 1)
})

test('sqlite state: two instances on one directory share a quota exactly; buckets are each their own', async (t) => {
  const dir = await tempDir()
  const a = localStateStore(dir)
  const b = localStateStore(dir)
  t.after(async () => {
    await a.close()
    await b.close()
    await rm(dir, { recursive: true, force: true })
  })
  const month = quotaPeriod('MONTH', 0, T)
  const results = await Promise.all(Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? a : b).consumeQuota('shared', 50, month, T)))
  assert.equal(results.filter((r) => r.allowed).length, 50)
  assert.deepEqual(await b.getUsage('shared', '2024-03-15', '2024-03-15'), [{ day: '2024-03-15', used: 50 }])
  const bucket = [{ key: 'b', rate: 1, burst: 1 }]
  assert.deepEqual(await a.takeTokens(bucket, T), { allowed: true })
  assert.deepEqual(await b.takeTokens(bucket, T), { allowed: true }, 'buckets are per process (Redis shares them)')
  const quota = { key: 'admitted', limit: 30, period: month }
  const admits = await Promise.all(Array.from({ length: 100 }, (_, i) => (i % 2 === 0 ? a : b).admit([{ key: 'roomy', rate: 1, burst: 100 }], quota, T)))
  assert.equal(admits.filter((r) => r.allowed).length, 30, 'admit counts the shared quota exactly too')
})

test('sqlite state: after a restart the quota goes on where it was, buckets start full and the cache is empty', async (t) => {
  const dir = await tempDir()
  t.after(() => rm(dir, { recursive: true, force: true }))
  const month = quotaPeriod('MONTH', 0, T)
  const bucket = [{ key: 'b', rate: 1, burst: 1 }]
  const before = localStateStore(dir)
  assert.equal((await before.consumeQuota('k', 2, month, T)).allowed, true)
  assert.equal((await before.consumeQuota('k', 2, month, T)).allowed, true)
  assert.equal((await before.takeTokens(bucket, T)).allowed, true)
  await before.set('c', 'v', 60_000, T)
  await before.close()

  const after = localStateStore(dir)
  t.after(() => after.close())
  assert.deepEqual(await after.consumeQuota('k', 2, month, T + DAY), { allowed: false, used: 2, remaining: 0 }, 'no fresh quota after a restart')
  assert.deepEqual(await after.takeTokens(bucket, T), { allowed: true })
  assert.equal(await after.get('c', T), undefined)
})

test('sqlite state: ended quota periods and usage past retention are deleted from the file', async (t) => {
  const dir = await tempDir()
  t.after(() => rm(dir, { recursive: true, force: true }))
  const store = new SqliteQuotaStore(dir, { usageRetentionDays: 2, sweepIntervalMs: 60_000 })
  for (let i = 0; i < 5; i++) await store.consumeQuota(`k${i}`, 10, quotaPeriod('DAY', 0, T), T)
  const later = T + 3 * DAY
  await store.consumeQuota('k0', 10, quotaPeriod('DAY', 0, later), later)
  await store.close()
  const db = new Database(store.path, { readonly: true })
  t.after(() => db.close())
  assert.equal(db.prepare('SELECT count(*) FROM quota_counters').pluck().get(), 1)
  assert.deepEqual(db.prepare('SELECT key, day, used FROM usage_days').all(), [{ key: 'k0', day: '2024-03-18', used: 1 }])
})

test('sqlite state: a database written by a newer schema is refused, and a closed store refuses calls', async (t) => {
  const dir = await tempDir()
  t.after(() => rm(dir, { recursive: true, force: true }))
  const db = new Database(join(dir, SQLITE_STATE_FILE_NAME))
  db.pragma('user_version = 99')
  db.close()
  assert.throws(() => new SqliteQuotaStore(dir), /newer Gatehouse/)
  const other = await tempDir()
  t.after(() => rm(other, { recursive: true, force: true }))
  const store = new SqliteQuotaStore(other)
  await store.close()
  await assert.rejects(store.consumeQuota('k', 1, quotaPeriod('DAY', 0, T), T), /is closed/)
})
