// Deployment history on PostgreSQL shared by two gateway nodes (docs/deployments.md): both nodes load the same
// config file and reload it at the same time after every edit, so both plan the same pruning; whichever batch
// lands second conflicts on the revisions it read and is planned again. Every reload succeeds, the store keeps
// exactly the deployment in use plus the newest `deploymentHistory` others, and both nodes serve the latest
// version. A rollback through one node's control plane to a kept deployment is served by the other.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import pg from 'pg'
import { serviceSkip } from '../services.js'
import { send, startGateway, tempDir, writeFile } from '../helpers.js'
import { POSTGRES_URL } from './helpers.js'
import { settle } from '../admin/control-plane.js'
import { adminClient } from '../admin/helpers.js'
import type { Deployment, Stage } from '../../src/model/types.js'

const postgresSkip = await serviceSkip('PostgreSQL', '127.0.0.1', 5432)

async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_URL })
  await client.connect()
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
  } finally {
    await client.end()
  }
}

function config(version: number): Record<string, unknown> {
  const integration = { type: 'mock', requestTemplates: { 'application/json': '{"statusCode": 200}' }, responses: { default: { statusCode: '200', responseTemplates: { 'application/json': `{"v": ${version}}` } } } }
  return {
    deploymentHistory: 2,
    apis: [{ id: 'pghist01', type: 'rest', definition: { openapi: '3.0.1', info: { title: 'pg-history', version: '1' }, paths: { '/v': { get: { 'x-amazon-apigateway-integration': integration } } } }, stages: { prod: {} } }],
  }
}

test('two nodes on one PostgreSQL reload together: pruning conflicts are retried, the history stays bounded, a rollback reaches both', { skip: postgresSkip || false }, async (t) => {
  const tmp = tempDir()
  const schema = `gh_history_${process.pid}_${Date.now().toString(36)}`
  const url = `${POSTGRES_URL}?schema=${schema}`
  const file = writeFile(tmp.dir, 'gatehouse.yaml', config(1))
  const a = await startGateway({ configFile: file }, { configStore: url })
  const b = await startGateway({ configFile: file }, { configStore: url })
  t.after(async () => {
    await a.stop()
    await b.stop()
    await dropSchema(schema)
    tmp.cleanup()
  })
  const served = async (port: number): Promise<number> => JSON.parse((await send(port, '/prod/v', { host: 'pghist01.execute-api.localhost' })).text).v

  const inUse: string[] = []
  for (let v = 2; v <= 6; v++) {
    writeFile(tmp.dir, 'gatehouse.yaml', config(v))
    const [ra, rb] = await Promise.all([a.gateway.reload(), b.gateway.reload()])
    assert.deepEqual([ra.problems, rb.problems], ['', ''], `both nodes reload version ${v}`)
    await settle(a)
    await settle(b)
    assert.deepEqual([await served(a.port), await served(b.port)], [v, v])
    inUse.push((await a.gateway.store!.get<Stage>('stage', 'pghist01/prod'))!.value.deploymentId)
  }
  const kept = (await a.gateway.store!.list<Deployment>('deployment')).filter((d) => d.value.apiId === 'pghist01').map((d) => d.id)
  assert.deepEqual(kept.sort(), inUse.slice(-3).sort(), 'the deployment in use (v6) and the newest two others (v5, v4)')

  // Roll back on node A to v4; node B serves it once it has the store's revision.
  const res = await adminClient(a.adminPort)('PATCH', '/restapis/pghist01/stages/prod', { patchOperations: [{ op: 'replace', path: '/deploymentId', value: inUse[2] }] })
  assert.equal(res.status, 200, res.text)
  await settle(a)
  await settle(b)
  assert.deepEqual([await served(a.port), await served(b.port)], [4, 4])
})
