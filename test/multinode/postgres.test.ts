// Two gateway nodes sharing config through PostgreSQL (database `test`, one fresh schema per run): node A names
// the store in its config file (`configStore:`), node B with `--config-store postgres://…?schema=…` and no
// config of its own, so it serves what node A wrote; an API key
// created and bound on node A's admin port works on node B within a second, and a key disabled on B is
// refused by A as quickly.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync, writeFileSync } from 'node:fs'
import pg from 'pg'
import YAML from 'yaml'
import { serviceSkip } from '../services.js'
import { tempDir } from '../helpers.js'
import { POSTGRES_URL, THROTTLED_KEY, adminJson, get, planNamed, startNode, stopAll, stopNode, within, writeLimitsConfig } from './helpers.js'

const postgresSkip = await serviceSkip('PostgreSQL', '127.0.0.1', 5432)
const NEW_KEY = 'shared-key-0123456789abcdef'

async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_URL })
  await client.connect()
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
  } finally {
    await client.end()
  }
}

test('two nodes on one PostgreSQL: B serves what A wrote, and admin changes on either reach the other', { skip: postgresSkip || false }, async (t) => {
  const tmp = tempDir()
  const schema = `gh_multinode_${process.pid}_${Date.now().toString(36)}`
  const url = `${POSTGRES_URL}?schema=${schema}`
  t.after(async () => {
    await stopAll()
    await dropSchema(schema)
    tmp.cleanup()
  })
  const config = writeLimitsConfig(tmp.dir, { burst: 1000, quota: 1000 })
  writeFileSync(config, YAML.stringify({ configStore: url, ...YAML.parse(readFileSync(config, 'utf8')) }))
  const a = await startNode(['--config', config])
  const b = await startNode(['--config-store', url])
  assert.match(b.stdout(), /REST API limited \(limitedapi1\), stage dev:/, 'B serves the API A loaded into the shared store')
  assert.equal((await get(b.port, '/dev/limited', { 'x-api-key': THROTTLED_KEY })).status, 200)
  assert.equal((await get(b.port, '/dev/limited', { 'x-api-key': NEW_KEY })).status, 403)

  const plan = await planNamed(a.adminPort, 'burst-only')
  const key = await adminJson(a.adminPort, 'POST', '/apikeys', { name: 'shared', value: NEW_KEY, enabled: true })
  assert.equal(key.status, 201)
  const bound = await adminJson(a.adminPort, 'POST', `/usageplans/${plan.id}/keys`, { keyId: key.json.id, keyType: 'API_KEY' })
  assert.equal(bound.status, 201)
  const tookMs = await within(30_000, 'the key created on A works on B', async () => (await get(b.port, '/dev/limited', { 'x-api-key': NEW_KEY })).status === 200)
  t.diagnostic(`a key created on node A was admitted by node B after ${tookMs} ms`)

  const off = await adminJson(b.adminPort, 'PATCH', `/apikeys/${key.json.id}`, { patchOperations: [{ op: 'replace', path: '/enabled', value: 'false' }] })
  assert.equal(off.status, 200)
  const backMs = await within(30_000, 'the key disabled on B is refused by A', async () => (await get(a.port, '/dev/limited', { 'x-api-key': NEW_KEY })).status === 403)
  t.diagnostic(`a key disabled on node B was refused by node A after ${backMs} ms`)

  assert.equal(await stopNode(a), 0)
  assert.equal(await stopNode(b), 0)
})

test('--config-store refuses a URL that is not PostgreSQL, and names the store it cannot open', async (t) => {
  const tmp = tempDir()
  t.after(async () => {
    await stopAll()
    tmp.cleanup()
  })
  await assert.rejects(startNode(['--config-store', 'mysql://127.0.0.1/test']), /--config-store: the config store must be a postgres:\/\/ URL/)
  await assert.rejects(startNode(['--config-store', 'postgres://nobody:secret@127.0.0.1:1/test']), (err: Error) => {
    const stderr = err.message.slice(err.message.indexOf('\nstderr:\n'))
    assert.match(stderr, /gatehouse: cannot open the PostgreSQL config store at postgres:\/\/nobody:\*\*\*@127\.0\.0\.1:1\/test: connect ECONNREFUSED/)
    assert.doesNotMatch(stderr, /secret/, 'the password is not printed')
    return true
  })
})
