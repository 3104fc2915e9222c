// One Redis round trip per throttled request, through a real gateway on the machine's Redis: Redis's MONITOR
// feed shows every command of the gateway's connection while K requests pass (keyed requests with plan
// buckets and a quota, admitted and refused, and plain requests with only stage and account buckets), and
// there are exactly K, each one EVALSHA of the admit script carrying every key the request is counted under.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Redis } from 'ioredis'
import { serviceSkip } from '../services.js'
import { startGateway, tempDir, writeFile } from '../helpers.js'
import { REDIS_URL, dropRedisPrefix, uniqueRedisPrefix } from '../multinode/helpers.js'

const redisSkip = await serviceSkip('Redis', '127.0.0.1', 6379)
const KEY = 'round-trip-0123456789abcdef'
const QUOTA = 6

interface Seen {
  args: string[]
  source: string
}

/** Every command Redis runs, from a MONITOR connection, with a way to wait until Redis has got this far. */
async function monitorRedis() {
  const seen: Seen[] = []
  const base = new Redis(REDIS_URL)
  const monitor = await base.monitor()
  monitor.on('monitor', (_time: string, args: string[], source: string) => seen.push({ args, source }))
  const marker = new Redis(REDIS_URL)
  let n = 0
  return {
    seen,
    /** Sends a marker on another connection and waits until MONITOR shows it: every earlier command is in `seen` then. */
    async barrier(): Promise<number> {
      const tag = `round-trip-marker-${process.pid}-${++n}`
      await marker.echo(tag)
      const deadline = Date.now() + 5000
      for (;;) {
        const at = seen.findIndex((s) => s.args[0]?.toLowerCase() === 'echo' && s.args[1] === tag)
        if (at >= 0) return at
        if (Date.now() > deadline) assert.fail('MONITOR did not show the marker within 5 s')
        await new Promise((resolve) => setTimeout(resolve, 10))
      }
    },
    close() {
      monitor.disconnect()
      base.disconnect()
      marker.disconnect()
    },
  }
}

test('a throttled request costs one Redis round trip: one EVALSHA with its buckets and quota, whatever the answer', { skip: redisSkip || false }, async (t) => {
  const tmp = tempDir()
  const prefix = uniqueRedisPrefix('round-trips')
  const mock = { type: 'mock', requestTemplates: { 'application/json': '{"statusCode": 200}' }, responses: { default: { statusCode: '200', responseTemplates: { 'application/json': '{"ok": true}' } } } }
  writeFile(tmp.dir, 'api.json', {
    openapi: '3.0.1',
    info: { title: 'trips', version: '1' },
    paths: {
      '/keyed': { get: { security: [{ api_key: [] }], 'x-amazon-apigateway-integration': mock } },
      '/open': { get: { 'x-amazon-apigateway-integration': mock } },
    },
    components: { securitySchemes: { api_key: { type: 'apiKey', name: 'x-api-key', in: 'header' } } },
  })
  const config = writeFile(tmp.dir, 'gatehouse.yaml', {
    apis: [{ name: 'trips', id: 'tripsapi01', type: 'rest', openapi: './api.json', stages: { dev: {} } }],
    apiKeys: [{ name: 'k', value: KEY }],
    usagePlans: [
      {
        name: 'metered',
        apiStages: [{ api: 'trips', stage: 'dev', throttle: { '/keyed/GET': { burstLimit: 100, rateLimit: 100 } } }],
        throttle: { burstLimit: 100, rateLimit: 100 },
        quota: { limit: QUOTA, period: 'DAY', offset: 0 },
        apiKeys: ['k'],
      },
    ],
  })
  const monitor = await monitorRedis()
  const gw = await startGateway({ configFile: config }, { redis: REDIS_URL, redisKeyPrefix: prefix })
  t.after(async () => {
    await gw.stop()
    monitor.close()
    await dropRedisPrefix(prefix)
    tmp.cleanup()
  })

  // The first request may load the script into Redis (EVALSHA, NOSCRIPT, EVAL); after that it is cached.
  assert.equal((await gw.fetch('/dev/keyed', { headers: { 'x-api-key': KEY } })).status, 200)
  const from = await monitor.barrier()
  const keyed = []
  for (let i = 0; i < 8; i++) keyed.push((await gw.fetch('/dev/keyed', { headers: { 'x-api-key': KEY } })).status)
  const open = []
  for (let i = 0; i < 3; i++) open.push((await gw.fetch('/dev/open')).status)
  const to = await monitor.barrier()
  assert.deepEqual(keyed, [200, 200, 200, 200, 200, 429, 429, 429], `a quota of ${QUOTA}, one used by the first request`)
  assert.deepEqual(open, [200, 200, 200])

  // MONITOR also lists the commands a script runs inside Redis (source "lua"): they cost no round trip.
  const window = monitor.seen.slice(from + 1, to).filter((s) => s.source !== 'lua')
  const sources = new Set(window.filter((s) => s.args.some((a) => a.startsWith(prefix))).map((s) => s.source))
  assert.equal(sources.size, 1, `the gateway talks to Redis over one connection: ${[...sources].join(', ')}`)
  const gateway = window.filter((s) => sources.has(s.source))
  const K = keyed.length + open.length
  assert.equal(gateway.length, K, `one command per request, got: ${gateway.map((s) => s.args[0]).join(' ')}`)
  assert.ok(gateway.every((s) => s.args[0]!.toLowerCase() === 'evalsha'), 'each is one EVALSHA')

  const keysOf = (s: Seen) => s.args.slice(3, 3 + Number(s.args[2])).map((k) => k.slice(prefix.length))
  for (const s of gateway.slice(0, keyed.length)) {
    const keys = keysOf(s)
    assert.equal(keys.length, 6, `four buckets and the quota's two keys: ${keys.join(' ')}`)
    assert.deepEqual(keys.slice(2, 4), ['bucket:s|tripsapi01|dev|GET /keyed', 'bucket:acct'], 'the stage and account buckets, after the plan\'s (§7.9)')
    assert.match(keys[0]!, /^bucket:pm\|[^|]+\|[^|]+\|tripsapi01\|dev\|\/keyed\/GET$/, 'the plan\'s per-method bucket')
    assert.match(keys[1]!, /^bucket:pk\|/, 'the plan\'s per-key bucket')
    assert.match(keys[4]!, /^quota:\d+:\d+:q\|/, 'and the quota counter, in the same call')
    assert.match(keys[5]!, /^usage:\d{4}-\d{2}-\d{2}:q\|/, 'and the usage record')
  }
  for (const s of gateway.slice(keyed.length)) assert.deepEqual(keysOf(s), ['bucket:s|tripsapi01|dev|GET /open', 'bucket:acct'])
})
