// The stage cache (docs/aws-behaviour.md §8) shared through the machine's Redis: two gateway instances on one
// key prefix, where the second answers from what the first cached without calling the upstream, byte for byte;
// a FlushStageCache on one empties the cache for both; and with Redis cut off (a TCP proxy this test
// controls) cached methods are served by their integration — misses, never errors — logged once, not per
// request; once Redis is back, hits again.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { serviceSkip } from '../services.js'
import { eventually, send, startGateway, startUpstream, tempDir, writeFile, type TestResponse } from '../helpers.js'
import { REDIS_URL, dropRedisPrefix, redisProxy, uniqueRedisPrefix } from '../multinode/helpers.js'

const redisSkip = await serviceSkip('Redis', '127.0.0.1', 6379)

function cachedConfig(dir: string, upstreamUrl: string): string {
  writeFile(dir, 'api.json', {
    openapi: '3.0.1',
    info: { title: 'shared', version: '1' },
    paths: {
      '/report': { get: { 'x-amazon-apigateway-integration': { type: 'http_proxy', httpMethod: 'GET', uri: `${upstreamUrl}/report`, cacheKeyParameters: ['method.request.querystring.day'] } } },
    },
  })
  return writeFile(dir, 'gatehouse.yaml', {
    defaultApi: 'shared',
    apis: [{ name: 'shared', id: 'sharedapi1', type: 'rest', openapi: './api.json', stages: { prod: { cacheClusterEnabled: true, methodSettings: { '*/*': { cachingEnabled: true } } } } }],
  })
}

async function countingUpstream() {
  const upstream = await startUpstream((req, res) => {
    const n = upstream.requests.length
    const body = Buffer.concat([Buffer.from([0xde, 0xad, 0xbe, 0xef]), Buffer.from(`report ${req.url} #${n}`)])
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': String(body.length), 'Set-Cookie': ['s=1', 't=2'], 'X-Report': String(n) })
    res.end(body)
  })
  return upstream
}

function seen(r: TestResponse): unknown {
  const headers = { ...r.headers }
  for (const h of ['x-amzn-requestid', 'x-amz-apigw-id']) delete headers[h]
  return { status: r.status, headers, body: Buffer.from(r.text, 'latin1').toString('base64') }
}

test('two gateways on one Redis share the cache: the second serves the first one\'s entry without calling the upstream; a flush on one empties both', { skip: redisSkip || false }, async (t) => {
  const tmp = tempDir()
  const prefix = uniqueRedisPrefix('cache-shared')
  const upstream = await countingUpstream()
  const config = cachedConfig(tmp.dir, upstream.url)
  const a = await startGateway({ configFile: config }, { redis: REDIS_URL, redisKeyPrefix: prefix })
  const b = await startGateway({ configFile: config }, { redis: REDIS_URL, redisKeyPrefix: prefix })
  t.after(async () => {
    await a.stop()
    await b.stop()
    await upstream.close()
    await dropRedisPrefix(prefix)
    tmp.cleanup()
  })
  const first = await a.fetch('/prod/report?day=mon')
  assert.equal(first.status, 200)
  const fromB = await b.fetch('/prod/report?day=mon')
  assert.deepEqual(seen(fromB), seen(first))
  assert.equal(upstream.requests.length, 1)
  await b.fetch('/prod/report?day=tue')
  assert.equal((await a.fetch('/prod/report?day=tue')).headers['x-report'], '2')
  assert.equal(upstream.requests.length, 2)

  const flushed = await send(b.adminPort, '/restapis/sharedapi1/stages/prod/cache/data', { method: 'DELETE' })
  assert.equal(flushed.status, 202)
  assert.equal((await a.fetch('/prod/report?day=mon')).headers['x-report'], '3', 'the flush on one gateway reached the other')
  assert.equal((await b.fetch('/prod/report?day=mon')).headers['x-report'], '3')
  assert.equal(upstream.requests.length, 3)
})

test('Redis down: cached methods are served by the upstream, never an error; one log line, not one per request; hits again once Redis is back', { skip: redisSkip || false }, async (t) => {
  const tmp = tempDir()
  const prefix = uniqueRedisPrefix('cache-down')
  const upstream = await countingUpstream()
  const proxy = await redisProxy()
  let now = Date.UTC(2030, 0, 1)
  const gw = await startGateway({ configFile: cachedConfig(tmp.dir, upstream.url) }, { redis: proxy.url, redisKeyPrefix: prefix, now: () => now })
  t.after(async () => {
    await gw.stop()
    await proxy.close()
    await upstream.close()
    await dropRedisPrefix(prefix)
    tmp.cleanup()
  })
  await gw.fetch('/prod/report?day=mon')
  await gw.fetch('/prod/report?day=mon')
  assert.equal(upstream.requests.length, 1)

  proxy.down()
  for (let i = 0; i < 5; i++) {
    const r = await gw.fetch('/prod/report?day=mon')
    assert.equal(r.status, 200, r.text)
    assert.match(r.text, /report \/report\?day=mon #/)
  }
  assert.equal(upstream.requests.length, 6, 'every request went to the upstream')
  const lines = gw.logs.filter((l) => typeof l['msg'] === 'string' && (l['msg'] as string).startsWith('response cache unavailable'))
  assert.equal(lines.length, 1, 'the outage is logged once per 10 s, not per request')

  proxy.up()
  now += 60_000
  // ioredis reconnects in the background; until then requests keep going to the upstream.
  await eventually(async () => {
    await gw.fetch('/prod/report?day=tue')
    const before = upstream.requests.length
    await gw.fetch('/prod/report?day=tue')
    return upstream.requests.length === before
  }, undefined, 'a hit once Redis is back')
})

test('on Redis too, a changed cacheClusterSize starts the stage\'s cache empty; an unchanged reload keeps it', { skip: redisSkip || false }, async (t) => {
  const tmp = tempDir()
  const prefix = uniqueRedisPrefix('cache-resize')
  const upstream = await countingUpstream()
  const config = cachedConfig(tmp.dir, upstream.url)
  const gw = await startGateway({ configFile: config }, { redis: REDIS_URL, redisKeyPrefix: prefix })
  t.after(async () => {
    await gw.stop()
    await upstream.close()
    await dropRedisPrefix(prefix)
    tmp.cleanup()
  })
  assert.equal((await gw.fetch('/prod/report?day=mon')).headers['x-report'], '1')
  assert.equal((await gw.fetch('/prod/report?day=mon')).headers['x-report'], '1', 'cached in Redis')
  assert.equal((await gw.gateway.reload()).problems, '')
  assert.equal((await gw.fetch('/prod/report?day=mon')).headers['x-report'], '1', 'the same config keeps the cache')
  writeFile(tmp.dir, 'gatehouse.yaml', {
    defaultApi: 'shared',
    apis: [{ name: 'shared', id: 'sharedapi1', type: 'rest', openapi: './api.json', stages: { prod: { cacheClusterEnabled: true, cacheClusterSize: '1.6', methodSettings: { '*/*': { cachingEnabled: true } } } } }],
  })
  assert.equal((await gw.gateway.reload()).problems, '')
  assert.equal((await gw.fetch('/prod/report?day=mon')).headers['x-report'], '2', 'the resized cache starts empty')
  assert.equal((await gw.fetch('/prod/report?day=mon')).headers['x-report'], '2')
})
