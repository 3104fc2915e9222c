// Throttling through a real gateway (§7.9): stage defaults and per-method settings, the account bucket,
// HTTP API route settings; an injected clock instead of sleeps.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startGateway, tempDir, writeFile } from '../helpers.js'

function mockApi(title: string) {
  const mock = { type: 'mock', requestTemplates: { 'application/json': '{"statusCode": 200}' }, responses: { default: { statusCode: '200', responseTemplates: { 'application/json': '{"ok": true}' } } } }
  return { openapi: '3.0.1', info: { title, version: '1' }, paths: { '/a': { get: { 'x-amazon-apigateway-integration': mock } }, '/b': { get: { 'x-amazon-apigateway-integration': mock } } } }
}

test('stage throttling: */* default per method, a per-method override, refill with the clock', async () => {
  const tmp = tempDir()
  let now = 1_000_000
  try {
    writeFile(tmp.dir, 'api.json', mockApi('throttled'))
    const config = writeFile(tmp.dir, 'gatehouse.yaml', {
      apis: [{ name: 'throttled', type: 'rest', openapi: './api.json', stages: { dev: { methodSettings: { '*/*': { throttlingRateLimit: 1, throttlingBurstLimit: 2 }, '~1b/GET': { throttlingRateLimit: 0, throttlingBurstLimit: 0 } } } } }],
    })
    const gw = await startGateway({ configFile: config }, { now: () => now })
    try {
      assert.equal((await gw.fetch('/dev/a')).status, 200)
      assert.equal((await gw.fetch('/dev/a')).status, 200)
      const third = await gw.fetch('/dev/a')
      assert.equal(third.status, 429)
      assert.deepEqual(third.json(), { message: 'Too Many Requests' })
      assert.equal(third.headers['x-amzn-errortype'], 'TooManyRequestsException')
      // A rate or burst of 0 on a method blocks it (§7.9 [K]).
      assert.equal((await gw.fetch('/dev/b')).status, 429)
      now += 1000
      assert.equal((await gw.fetch('/dev/a')).status, 200)
      assert.equal((await gw.fetch('/dev/a')).status, 429)
    } finally {
      await gw.stop()
    }
  } finally {
    tmp.cleanup()
  }
})

test('the account bucket is shared by every API and stage', async () => {
  const tmp = tempDir()
  const now = 5_000_000
  try {
    const a = writeFile(tmp.dir, 'a.json', mockApi('acct-a'))
    const b = writeFile(tmp.dir, 'b.json', mockApi('acct-b'))
    const gw = await startGateway({ restApis: [a, b], stage: 'dev' }, { now: () => now, accountLimit: { rate: 1, burst: 3 } })
    try {
      const ids = [...gw.gateway.plan!.apis.keys()]
      const statuses: number[] = []
      for (let i = 0; i < 4; i++) {
        const res = await gw.fetch('/dev/a', { host: `${ids[i % 2]}.execute-api.localhost` })
        statuses.push(res.status)
      }
      assert.deepEqual(statuses, [200, 200, 200, 429])
    } finally {
      await gw.stop()
    }
  } finally {
    tmp.cleanup()
  }
})
