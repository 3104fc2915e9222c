// Runs the ConfigStore conformance suite against PostgresConfigStore on the machine's PostgreSQL (database
// `test`, one fresh schema per store), plus what only it promises: other processes' batches reach watch().

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { serviceSkip } from '../services.js'
import pg from 'pg'
import { LISTEN_APPLICATION_NAME, PostgresConfigStore } from '../../src/store/postgres/config-store.js'
import type { PostgresConfigStoreOptions } from '../../src/store/postgres/config-store.js'
import { ChangeLogTruncatedError } from '../../src/store/port/ports.js'
import type { ChangeEvent, ConfigStore } from '../../src/store/port/ports.js'
import { configStoreConformance } from '../conformance/config-store.js'

const PG_URL = process.env.GATEHOUSE_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const quiet = { onListenerError: () => {} }

let counter = 0
/** A schema name no other run or test uses. */
function uniqueSchema(): string {
  return `gh_test_${process.pid}_${Date.now().toString(36)}_${++counter}`
}

async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_URL })
  await client.connect()
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
  } finally {
    await client.end()
  }
}

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

/** Opens stores on one fresh schema and drops it (closing them) when the test ends. */
function schemaFixture(t: { after: (fn: () => Promise<void>) => void }) {
  const schema = uniqueSchema()
  const opened: PostgresConfigStore[] = []
  t.after(async () => {
    for (const store of opened) await store.close()
    await dropSchema(schema)
  })
  return {
    schema,
    open: async (options: PostgresConfigStoreOptions = {}) => {
      const store = await PostgresConfigStore.open(PG_URL, { ...quiet, schema, ...options })
      opened.push(store)
      return store
    },
  }
}

const pgSkip = await serviceSkip('PostgreSQL', '127.0.0.1', 5432)
if (pgSkip) {
  test('postgres ConfigStore', { skip: pgSkip }, () => {})
} else {
  configStoreConformance('postgres', async () => {
    const schema = uniqueSchema()
    let current = await PostgresConfigStore.open(PG_URL, { ...quiet, schema })
    return {
      store: current,
      reopen: async () => {
        await current.close()
        current = await PostgresConfigStore.open(PG_URL, { ...quiet, schema })
        return current
      },
      cleanup: async () => {
        await current.close()
        await dropSchema(schema)
      },
    }
  })

  test('postgres: creates its schema and tables if absent, and opening again keeps the data', async (t) => {
    const { schema, open } = schemaFixture(t)
    const first = await open()
    await first.apply([{ op: 'put', kind: 'api', id: 'a', value: { n: 1 } }])
    const second = await open()
    assert.equal(await second.revision(), 1)
    const client = new pg.Client({ connectionString: PG_URL })
    await client.connect()
    const { rows } = await client.query<{ table_name: string }>('SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name', [schema])
    await client.end()
    assert.deepEqual(rows.map((r) => r.table_name), ['gatehouse_changes', 'gatehouse_docs', 'gatehouse_meta'])
  })

  test('postgres: a bad schema name or connection string gives a clear error', async () => {
    await assert.rejects(PostgresConfigStore.open(PG_URL, { schema: 'drop table; --' }), /schema must match/)
    await assert.rejects(PostgresConfigStore.open(''), /connectionString must be a non-empty string/)
    await assert.rejects(PostgresConfigStore.open('postgres://postgres@127.0.0.1:5432/gatehouse_no_such_database_here', { schema: uniqueSchema() }), /gatehouse_no_such_database_here/)
  })

  test('postgres: a batch applied by another instance reaches watch(), in order with local ones', async (t) => {
    const { open } = schemaFixture(t)
    const a = await open()
    const b = await open()
    const seenByB: number[] = []
    b.watch((events) => seenByB.push(events[0]!.revision))
    const delivered = nextBatch(b)
    await a.apply([{ op: 'put', kind: 'stage', id: 'api/prod', value: { v: 1 } }, { op: 'delete', kind: 'stage', id: 'api/none' }])
    assert.deepEqual(await delivered, [{ revision: 1, op: 'put', kind: 'stage', id: 'api/prod' }])
    await a.apply([{ op: 'put', kind: 'api', id: 'x', value: {} }])
    assert.equal(await b.apply([{ op: 'put', kind: 'api', id: 'y', value: {} }]), 3)
    assert.deepEqual(seenByB, [1, 2, 3], 'B gets A\'s second batch before its own, each once')
  })

  test('postgres: a batch applied by another process reaches watch()', async (t) => {
    const { schema, open } = schemaFixture(t)
    const store = await open()
    const delivered = nextBatch(store, 90_000)
    const moduleUrl = new URL('../../src/store/postgres/config-store.ts', import.meta.url).href
    const script = `
      const { PostgresConfigStore } = await import(${JSON.stringify(moduleUrl)})
      const store = await PostgresConfigStore.open(process.argv[1], { schema: process.argv[2] })
      process.stdout.write('ready\\n')
      await new Promise((resolve) => process.stdin.once('data', resolve))
      console.log(await store.apply([{ op: 'put', kind: 'deployment', id: 'from-child', value: { pid: process.pid } }]))
      await store.close()
    `
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, PG_URL, schema], { stdio: ['pipe', 'pipe', 'inherit'] })
    // A store left open would keep the child alive; the deadline allows for tsx starting on a busy machine.
    const killer = setTimeout(() => child.kill('SIGKILL'), 90_000)
    t.after(() => clearTimeout(killer))
    let out = ''
    child.stdout.setEncoding('utf8')
    child.stdout.on('data', (chunk: string) => (out += chunk))
    while (!out.includes('ready')) await once(child.stdout, 'data')
    child.stdin.end('go\n')
    const events = await delivered
    assert.deepEqual(events, [{ revision: 1, op: 'put', kind: 'deployment', id: 'from-child' }])
    const [code, signal] = (await once(child, 'close')) as [number | null, string | null] // stdout fully read
    assert.equal(signal, null, 'the child had to be killed: a closed store kept it alive')
    assert.equal(code, 0)
    assert.match(out, /^ready\n1\n$/)
    assert.equal((await store.get<{ pid: number }>('deployment', 'from-child'))?.value.pid, child.pid)
  })

  test('postgres: two instances applying in parallel get distinct consecutive revisions', async (t) => {
    const { open } = schemaFixture(t)
    const a = await open()
    const b = await open()
    const revisions = await Promise.all(
      Array.from({ length: 30 }, (_, i) => (i % 2 === 0 ? a : b).apply([{ op: 'put', kind: 'apikey', id: `k${i}`, value: i }])),
    )
    assert.deepEqual([...revisions].sort((x, y) => x - y), Array.from({ length: 30 }, (_, i) => i + 1))
    assert.equal((await b.changesSince(0)).length, 30)
  })

  test('postgres: after its LISTEN connection is killed, an instance reconnects and replays what it missed', async (t) => {
    const { open } = schemaFixture(t)
    const writer = await open()
    const errors: unknown[] = []
    const watcher = await open({ reconnectDelayMs: 50, onListenerError: (e) => errors.push(e) })
    const seen: number[] = []
    watcher.watch((events) => seen.push(events[0]!.revision))
    await writer.apply([{ op: 'put', kind: 'api', id: '1', value: {} }])
    await waitFor(() => seen.length === 1)

    const admin = new pg.Client({ connectionString: PG_URL })
    await admin.connect()
    t.after(() => admin.end())
    const killed = await admin.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND query = $2`,
      [LISTEN_APPLICATION_NAME, `LISTEN "gatehouse_config_${watcher.schema}"`],
    )
    assert.equal(killed.rowCount, 2, 'the LISTEN connections of both instances on this schema were found')
    await waitFor(() => errors.length > 0)
    // Written while the watcher is (probably) still reconnecting: must arrive through the replay.
    await writer.apply([{ op: 'put', kind: 'api', id: '2', value: {} }])
    await waitFor(() => seen.length === 2)
    await writer.apply([{ op: 'put', kind: 'api', id: '3', value: {} }])
    await waitFor(() => seen.length === 3)
    assert.deepEqual(seen, [1, 2, 3])
  })

  test('postgres: the change log keeps the last changeLogRevisions revisions', async (t) => {
    const { open } = schemaFixture(t)
    const store = await open({ changeLogRevisions: 3 })
    for (let i = 1; i <= 5; i++) await store.apply([{ op: 'put', kind: 'api', id: `a${i}`, value: i }, { op: 'put', kind: 'stage', id: `a${i}/s`, value: i }])
    assert.deepEqual((await store.changesSince(2)).map((e) => `${e.revision}:${e.id}`), ['3:a3', '3:a3/s', '4:a4', '4:a4/s', '5:a5', '5:a5/s'])
    await assert.rejects(store.changesSince(1), (e: unknown) => e instanceof ChangeLogTruncatedError && e.oldestAvailable === 2)
    assert.equal((await store.list('api')).length, 5, 'pruning the log never touches documents')
  })
}

/** Polls `condition` every 10 ms until it holds, failing after `timeoutMs` (generous: the machine may be busy). */
async function waitFor(condition: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`condition not met within ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}
