// Redis unreachable (a closed loopback port): by default the gateway keeps serving and says, in its log and in
// /metrics, that limits are not being enforced; with --redis-unavailable closed it refuses the requests (503).

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { PATIENCE_MS, tempDir } from '../helpers.js'
import { THROTTLED_KEY, burst, closedPort, get, startNode, stopAll, stopNode, tally, within, writeLimitsConfig } from './helpers.js'

const BURST = 2

test('Redis unreachable, fail-open (the default): requests are served beyond the limit, the log and /metrics say so', async (t) => {
  const tmp = tempDir()
  t.after(async () => {
    await stopAll()
    tmp.cleanup()
  })
  const config = writeLimitsConfig(tmp.dir, { burst: BURST, quota: 100 })
  const node = await startNode(['--config', config, '--redis', `redis://127.0.0.1:${await closedPort()}`, '--redis-prefix', 'gh-test:unreachable:'])
  const replies = tally(await burst([node.port], 6, '/dev/limited', { 'x-api-key': THROTTLED_KEY }))
  assert.equal(replies.ok, 6, `served although the burst is ${BURST}: ${JSON.stringify(replies)}`)
  // The log comes through the child's stderr pipe, which may lag behind the HTTP replies.
  await within(PATIENCE_MS, 'the fail-open warning in the log', () => /state store unavailable/.test(node.stderr()))
  assert.match(node.stderr(), /state store unavailable: limits and quotas are not being enforced \(requests admitted\)/)
  const metrics = await get(node.adminPort, '/metrics')
  const errors = Number(/^gatehouse_state_store_errors_total (\d+)/m.exec(metrics.body)?.[1] ?? NaN)
  assert.ok(errors >= 6, `gatehouse_state_store_errors_total counts every request that could not be checked:\n${metrics.body.match(/.*state_store.*/g)?.join('\n')}`)
  assert.equal(await stopNode(node), 0)
})

test('Redis unreachable with --redis-unavailable closed: requests are refused', async (t) => {
  const tmp = tempDir()
  t.after(async () => {
    await stopAll()
    tmp.cleanup()
  })
  const config = writeLimitsConfig(tmp.dir, { burst: BURST, quota: 100 })
  const node = await startNode(['--config', config, '--redis', `redis://127.0.0.1:${await closedPort()}`, '--redis-unavailable', 'closed'])
  const replies = await burst([node.port], 3, '/dev/limited', { 'x-api-key': THROTTLED_KEY })
  for (const reply of replies) {
    assert.equal(reply.status, 503)
    assert.deepEqual(JSON.parse(reply.body), { message: 'Service Unavailable' })
  }
  await within(PATIENCE_MS, 'the fail-closed warning in the log', () => /state store unavailable/.test(node.stderr()))
  assert.match(node.stderr(), /limits and quotas cannot be checked \(requests refused with 503\)/)
  assert.doesNotMatch(node.stderr(), /request answered with/, 'no line per refused request')
  assert.equal(await stopNode(node), 0)
})
