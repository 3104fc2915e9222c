// Runs the ConfigStore conformance suite against SqliteConfigStore, plus what only it promises: a data
// directory, WAL, persistence, and several instances sharing one file.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { SQLITE_FILE_NAME, SqliteConfigStore } from '../../src/store/sqlite/config-store.js'
import { ChangeLogTruncatedError } from '../../src/store/port/ports.js'
import type { ChangeEvent, ConfigStore } from '../../src/store/port/ports.js'
import { configStoreConformance } from '../conformance/config-store.js'

const quiet = { onListenerError: () => {} }

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'gatehouse-sqlite-'))
}

configStoreConformance('sqlite', async () => {
  const dir = await tempDir()
  let current: ConfigStore = new SqliteConfigStore(dir, quiet)
  return {
    store: current,
    reopen: async () => {
      await current.close()
      current = new SqliteConfigStore(dir, quiet)
      return current
    },
    cleanup: async () => {
      await current.close()
      await rm(dir, { recursive: true, force: true })
    },
  }
})

/** Resolves with the first batch `store` delivers, or rejects after `ms` (generous: delivery speed is the machine's). */
function nextBatch(store: ConfigStore, ms = 30_000): Promise<ChangeEvent[]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      unsubscribe()
      reject(new Error(`no batch delivered within ${ms} ms`))
    }, ms)
    const unsubscribe = store.watch((events) => {
      clearTimeout(timer)
      unsubscribe()
      resolve(events)
    })
  })
}

test('sqlite: creates a missing data directory with gatehouse.db inside, in WAL mode', async (t) => {
  const root = await tempDir()
  t.after(() => rm(root, { recursive: true, force: true }))
  const dir = join(root, 'nested', 'data')
  const store = new SqliteConfigStore(dir)
  await store.apply([{ op: 'put', kind: 'api', id: 'a', value: {} }])
  assert.equal(store.path, join(dir, SQLITE_FILE_NAME))
  assert.ok(existsSync(join(dir, 'gatehouse.db')))
  await store.close()
  const db = new Database(join(dir, 'gatehouse.db'), { readonly: true })
  assert.equal(db.pragma('journal_mode', { simple: true }), 'wal')
  db.close()
})

test('sqlite: a data directory path that is a file gives a clear error', async (t) => {
  const root = await tempDir()
  t.after(() => rm(root, { recursive: true, force: true }))
  const file = join(root, 'not-a-dir')
  await writeFile(file, 'x')
  assert.throws(() => new SqliteConfigStore(file), /EEXIST|ENOTDIR|not a directory|file already exists/)
})

test('sqlite: a database written by a newer schema is refused, not clobbered', async (t) => {
  const dir = await tempDir()
  t.after(() => rm(dir, { recursive: true, force: true }))
  const db = new Database(join(dir, SQLITE_FILE_NAME))
  db.pragma('user_version = 99')
  db.close()
  assert.throws(() => new SqliteConfigStore(dir), /newer Gatehouse/)
})

test('sqlite: a batch applied by one instance reaches another instance\'s watch()', async (t) => {
  const dir = await tempDir()
  const a = new SqliteConfigStore(dir, quiet)
  const b = new SqliteConfigStore(dir, quiet)
  t.after(async () => {
    await a.close()
    await b.close()
    await rm(dir, { recursive: true, force: true })
  })
  await a.apply([{ op: 'put', kind: 'api', id: 'before', value: {} }])
  const seenByB: ChangeEvent[][] = []
  b.watch((events) => seenByB.push(events))
  const delivered = nextBatch(b)
  await a.apply([{ op: 'put', kind: 'api', id: 'x', value: { v: 1 } }, { op: 'delete', kind: 'api', id: 'before' }])
  assert.deepEqual(await delivered, [
    { revision: 2, op: 'put', kind: 'api', id: 'x' },
    { revision: 2, op: 'delete', kind: 'api', id: 'before' },
  ])
  assert.deepEqual((await b.get('api', 'x'))?.value, { v: 1 })
  // B's own batch continues the shared revision and is delivered to B once, after A's.
  assert.equal(await b.apply([{ op: 'put', kind: 'api', id: 'y', value: {} }]), 3)
  assert.deepEqual(seenByB.map((batch) => batch[0]!.revision), [2, 3])
})

test('sqlite: batches from another instance are delivered in order even when interleaved with local ones', async (t) => {
  const dir = await tempDir()
  const a = new SqliteConfigStore(dir, quiet)
  const b = new SqliteConfigStore(dir, { ...quiet, pollIntervalMs: 60_000 })
  t.after(async () => {
    await a.close()
    await b.close()
    await rm(dir, { recursive: true, force: true })
  })
  const seen: number[] = []
  b.watch((events) => seen.push(events[0]!.revision))
  await a.apply([{ op: 'put', kind: 'api', id: '1', value: {} }])
  await a.apply([{ op: 'put', kind: 'api', id: '2', value: {} }])
  // B has not polled yet (long interval); its own apply must first hand over A's two batches.
  await b.apply([{ op: 'put', kind: 'api', id: '3', value: {} }])
  assert.deepEqual(seen, [1, 2, 3])
})

test('sqlite: two instances applying in parallel get distinct consecutive revisions', async (t) => {
  const dir = await tempDir()
  const a = new SqliteConfigStore(dir, quiet)
  const b = new SqliteConfigStore(dir, quiet)
  t.after(async () => {
    await a.close()
    await b.close()
    await rm(dir, { recursive: true, force: true })
  })
  const revisions = await Promise.all(
    Array.from({ length: 30 }, (_, i) => (i % 2 === 0 ? a : b).apply([{ op: 'put', kind: 'apikey', id: `k${i}`, value: i }])),
  )
  assert.deepEqual([...revisions].sort((x, y) => x - y), Array.from({ length: 30 }, (_, i) => i + 1))
  assert.equal((await a.list('apikey')).length, 30)
  assert.equal((await b.changesSince(0)).length, 30)
})

test('sqlite: a closed instance stops watching', async (t) => {
  const dir = await tempDir()
  const a = new SqliteConfigStore(dir, quiet)
  const b = new SqliteConfigStore(dir, { ...quiet, pollIntervalMs: 20 })
  const c = new SqliteConfigStore(dir, { ...quiet, pollIntervalMs: 20 })
  t.after(async () => {
    await a.close()
    await c.close()
    await rm(dir, { recursive: true, force: true })
  })
  const seenByB: ChangeEvent[][] = []
  b.watch((events) => seenByB.push(events))
  await b.close()
  // C polls exactly as B did; once C has seen two batches, a still-running poll in B would have too.
  const first = nextBatch(c)
  await a.apply([{ op: 'put', kind: 'api', id: 'x', value: {} }])
  await first
  const second = nextBatch(c)
  await a.apply([{ op: 'put', kind: 'api', id: 'y', value: {} }])
  await second
  assert.deepEqual(seenByB, [])
})

test('sqlite: a process watching a store exits on its own once its work is done', async (t) => {
  const dir = await tempDir()
  t.after(() => rm(dir, { recursive: true, force: true }))
  const moduleUrl = new URL('../../src/store/sqlite/config-store.ts', import.meta.url).href
  const script = `
    const { SqliteConfigStore } = await import(${JSON.stringify(moduleUrl)})
    const kept = new SqliteConfigStore(process.argv[1])
    kept.watch(() => {})
    const closed = new SqliteConfigStore(process.argv[1])
    closed.watch(() => {})
    console.log(await closed.apply([{ op: 'put', kind: 'api', id: 'child', value: {} }]))
    await closed.close()
  `
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, dir], { stdio: ['ignore', 'pipe', 'inherit'] })
  let out = ''
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()))
  // A store left open would keep the child alive; the deadline allows for tsx starting on a busy machine.
  const timer = setTimeout(() => child.kill('SIGKILL'), 90_000)
  const [code, signal] = (await once(child, 'close')) as [number | null, string | null] // stdout fully read
  clearTimeout(timer)
  assert.equal(signal, null, 'the child had to be killed: an open store kept it alive')
  assert.equal(code, 0)
  assert.equal(out.trim(), '1')
})

test('sqlite: the change log keeps the last changeLogRevisions revisions, across reopening', async (t) => {
  const dir = await tempDir()
  t.after(() => rm(dir, { recursive: true, force: true }))
  let store = new SqliteConfigStore(dir, { changeLogRevisions: 3 })
  for (let i = 1; i <= 5; i++) await store.apply([{ op: 'put', kind: 'api', id: `a${i}`, value: i }, { op: 'put', kind: 'stage', id: `a${i}/s`, value: i }])
  await store.close()
  store = new SqliteConfigStore(dir, { changeLogRevisions: 3 })
  t.after(() => store.close())
  assert.deepEqual((await store.changesSince(2)).map((e) => `${e.revision}:${e.id}`), ['3:a3', '3:a3/s', '4:a4', '4:a4/s', '5:a5', '5:a5/s'])
  await assert.rejects(store.changesSince(1), (e: unknown) => e instanceof ChangeLogTruncatedError && e.oldestAvailable === 2)
  assert.equal((await store.list('api')).length, 5, 'pruning the log never touches documents')
  const raw = new Database(store.path, { readonly: true })
  assert.equal(raw.prepare('SELECT count(*) FROM changes').pluck().get(), 6, 'old events are deleted from the file')
  raw.close()
})
