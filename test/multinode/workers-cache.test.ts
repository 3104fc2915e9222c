// `gatehouse serve --workers 2` without Redis shares one stage cache, held by the primary: after the first
// request of a cached method, requests on fresh connections (handed to the workers in turn) are all answered
// without calling the upstream; a FlushStageCache on the admin port empties it for every worker.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startUpstream, tempDir, writeFile } from '../helpers.js'
import { get, startNode, stopAll } from './helpers.js'
import { request } from 'undici'

test('--workers 2: the workers share the primary\'s stage cache, and a flush empties it for all', async (t) => {
  const tmp = tempDir()
  const upstream = await startUpstream((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/plain' })
    res.end(`call ${upstream.requests.length}`)
  })
  t.after(async () => {
    await stopAll()
    await upstream.close()
    tmp.cleanup()
  })
  writeFile(tmp.dir, 'api.json', {
    openapi: '3.0.1',
    info: { title: 'shared', version: '1' },
    paths: { '/report': { get: { 'x-amazon-apigateway-integration': { type: 'http_proxy', httpMethod: 'GET', uri: `${upstream.url}/report` } } } },
  })
  const config = writeFile(tmp.dir, 'gatehouse.yaml', {
    defaultApi: 'shared',
    apis: [{ name: 'shared', id: 'sharedapi1', type: 'rest', openapi: './api.json', stages: { prod: { cacheClusterEnabled: true, methodSettings: { '*/*': { cachingEnabled: true } } } } }],
  })
  const node = await startNode(['--config', config, '--workers', '2'])

  const bodies: string[] = []
  for (let i = 0; i < 8; i++) bodies.push((await get(node.port, '/prod/report')).body)
  assert.deepEqual(new Set(bodies), new Set(['call 1']), 'every worker answered from the one cache')
  assert.equal(upstream.requests.length, 1)

  const flushed = await request(`http://127.0.0.1:${node.adminPort}/restapis/sharedapi1/stages/prod/cache/data`, { method: 'DELETE' })
  await flushed.body.dump()
  assert.equal(flushed.statusCode, 202)
  const after: string[] = []
  for (let i = 0; i < 6; i++) after.push((await get(node.port, '/prod/report')).body)
  assert.deepEqual(new Set(after), new Set(['call 2']))
  assert.equal(upstream.requests.length, 2)
})
