// `--redis-unavailable closed` against the machine's real Redis, reached through a TCP proxy this test
// controls: while the proxy cuts Redis off, every request is refused with 503 Service Unavailable (REST and HTTP
// APIs, with Retry-After), and the gateway log says so once, then once per 10 s of the gateway's (injected)
// clock with the count of the refusals in between — never one line per request; when Redis is back, requests
// pass again and the log says so once.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { serviceSkip } from '../services.js'
import { eventually, startGateway, tempDir, writeFile, type TestGateway, type TestResponse } from '../helpers.js'
import { dropRedisPrefix, redisProxy, uniqueRedisPrefix } from '../multinode/helpers.js'

const redisSkip = await serviceSkip('Redis', '127.0.0.1', 6379)

test('Redis down with --redis-unavailable closed: 503 Service Unavailable, and a bounded log', { skip: redisSkip || false }, async (t) => {
  const tmp = tempDir()
  const prefix = uniqueRedisPrefix('closed')
  const mock = { type: 'mock', requestTemplates: { 'application/json': '{"statusCode": 200}' }, responses: { default: { statusCode: '200', responseTemplates: { 'application/json': '{"ok": true}' } } } }
  const config = writeFile(tmp.dir, 'gatehouse.yaml', {
    defaultApi: 'shop',
    apis: [
      { name: 'shop', id: 'shopapi001', type: 'rest', definition: { openapi: '3.0.1', info: { title: 'shop', version: '1' }, paths: { '/pets': { get: { 'x-amazon-apigateway-integration': mock } } } }, stages: { dev: {} } },
      {
        name: 'orders',
        id: 'ordersapi1',
        type: 'http',
        definition: { openapi: '3.0.1', info: { title: 'orders', version: '1' }, paths: { '/orders': { get: { 'x-amazon-apigateway-integration': { type: 'http_proxy', httpMethod: 'GET', uri: 'http://127.0.0.1:9/', payloadFormatVersion: '1.0' } } } } },
        stages: { $default: {} },
      },
    ],
  })
  const proxy = await redisProxy()
  // The gateway's clock (limits, and how often the log repeats itself): moved by hand, never by waiting.
  let clock = Date.UTC(2026, 0, 15, 12, 0, 0)
  let gw: TestGateway | undefined
  t.after(async () => {
    await gw?.stop()
    await proxy.close()
    await dropRedisPrefix(prefix)
    tmp.cleanup()
  })
  gw = await startGateway({ configFile: config }, { redis: proxy.url, redisKeyPrefix: prefix, stateUnavailable: 'closed', now: () => clock })
  const rest = () => gw!.fetch('/dev/pets')
  const http = () => gw!.fetch('/orders', { host: `ordersapi1.execute-api.localhost:${gw!.port}` })

  // Redis answers through the proxy: requests pass.
  await eventually(async () => (await rest()).status === 200, undefined, 'a request admitted through Redis')

  proxy.down()
  await eventually(async () => (await rest()).status !== 200, undefined, 'the gateway noticing that Redis is gone')
  const logFrom = gw.logs.length
  const refusedRest: TestResponse[] = []
  const refusedHttp: TestResponse[] = []
  for (let i = 0; i < 40; i++) {
    const batch = await Promise.all([rest(), rest(), rest(), rest(), http()])
    refusedRest.push(...batch.slice(0, 4))
    refusedHttp.push(batch[4]!)
  }
  for (const res of refusedRest) {
    assert.equal(res.status, 503)
    assert.deepEqual(res.json(), { message: 'Service Unavailable' })
    assert.equal(res.headers['x-amzn-errortype'], 'ServiceUnavailableException')
    assert.equal(res.headers['retry-after'], '1')
  }
  for (const res of refusedHttp) {
    assert.equal(res.status, 503)
    assert.deepEqual(res.json(), { message: 'Service Unavailable' })
    assert.equal(res.headers['retry-after'], '1')
  }

  // 200 refusals in the same 10 s of the clock: at most one line about them (the first refusal may have been
  // logged before logFrom), and no line per request.
  const during = () => gw!.logs.slice(logFrom)
  const warnings = (lines: Array<Record<string, unknown>>) => lines.filter((l) => (l.level as number) >= 40)
  assert.ok(warnings(during()).length <= 2, `a bounded log while Redis is down:\n${during().map((l) => JSON.stringify(l)).join('\n')}`)
  assert.equal(during().filter((l) => /request answered with/.test(String(l.msg))).length, 0, 'no line per refused request')
  const refusals = () => gw!.logs.filter((l) => /state store unavailable/.test(String(l.msg)))
  assert.equal(refusals().length, 1, 'the first refusal is logged at once')
  assert.match(String(refusals()[0]!.msg), /requests refused/)

  // 10 s later (on the gateway's clock) the next refusal logs one line with how many were not logged.
  clock += 10_000
  assert.equal((await rest()).status, 503)
  assert.equal(refusals().length, 2)
  const summary = refusals()[1]!
  assert.ok((summary.refused as number) >= refusedRest.length + refusedHttp.length, `the count of refusals since the first line: ${JSON.stringify(summary)}`)
  assert.equal((await rest()).status, 503)
  assert.equal(refusals().length, 2, 'and nothing more within the next 10 s')

  // Redis back: requests pass again, and the log says so once.
  proxy.up()
  await eventually(async () => (await rest()).status === 200, undefined, 'requests admitted again once Redis is back')
  assert.equal((await http()).status !== 503, true)
  const back = gw.logs.filter((l) => /reachable again/.test(String(l.msg)))
  assert.equal(back.length, 1, gw.logs.map((l) => JSON.stringify(l)).join('\n'))
})
