// Several gateway processes, one limit: three `gatehouse serve` processes on their own ports share one Redis
// (a key prefix of their own per run) and one config file. Requests with one API key, fired at all three at
// once, get exactly the plan's burst — and exactly the plan's daily quota — in total, the rest 429.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { serviceSkip } from '../services.js'
import { tempDir } from '../helpers.js'
import { QUOTA_KEY, REDIS_URL, THROTTLED_KEY, burst, dropRedisPrefix, planNamed, startNode, stopAll, stopNode, tally, uniqueRedisPrefix, usageToday, writeLimitsConfig } from './helpers.js'
import type { Node } from './helpers.js'

const redisSkip = await serviceSkip('Redis', '127.0.0.1', 6379)
const BURST = 12
const QUOTA = 9
const REQUESTS = 90

test('three processes sharing one Redis admit exactly the burst and exactly the daily quota between them', { skip: redisSkip || false }, async (t) => {
  const tmp = tempDir()
  const prefix = uniqueRedisPrefix('three-nodes')
  const nodes: Node[] = []
  t.after(async () => {
    await stopAll()
    await dropRedisPrefix(prefix)
    tmp.cleanup()
  })
  const config = writeLimitsConfig(tmp.dir, { burst: BURST, quota: QUOTA })
  nodes.push(...(await Promise.all([0, 1, 2].map(() => startNode(['--config', config, '--redis', REDIS_URL, '--redis-prefix', prefix])))))
  const ports = nodes.map((n) => n.port)
  assert.equal(new Set(ports).size, 3, 'three processes, three ports')

  const throttled = tally(await burst(ports, REQUESTS, '/dev/limited', { 'x-api-key': THROTTLED_KEY }))
  assert.equal(throttled.ok, BURST, `exactly the burst is admitted across the three processes: ${JSON.stringify(throttled)}`)
  assert.deepEqual(throttled.statuses, [429])
  assert.deepEqual(throttled.refusedBodies.map((b) => JSON.parse(b)), [{ message: 'Too Many Requests' }])

  const quota = tally(await burst(ports, REQUESTS, '/prod/limited', { 'x-api-key': QUOTA_KEY }))
  assert.equal(quota.ok, QUOTA, `exactly the quota is admitted across the three processes: ${JSON.stringify(quota)}`)
  assert.deepEqual(quota.statuses, [429])
  assert.deepEqual(quota.refusedBodies.map((b) => JSON.parse(b)), [{ message: 'Limit Exceeded' }])

  // Every node reads the same usage back from Redis.
  const daily = await planNamed(nodes[0]!.adminPort, 'daily')
  for (const node of nodes) assert.deepEqual(await usageToday(node.adminPort, daily.id), [[QUOTA, 0]])

  for (const node of nodes) assert.equal(await stopNode(node), 0)
})
