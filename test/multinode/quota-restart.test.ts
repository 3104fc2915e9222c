// A quota survives a restart of the gateway: with a data dir (SQLite state) and with Redis. Part of a daily
// quota is used, the process is stopped and started again, GetUsage shows the same use, and only what
// remained is admitted.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { serviceSkip } from '../services.js'
import { tempDir } from '../helpers.js'
import { QUOTA_KEY, REDIS_URL, burst, dropRedisPrefix, planNamed, startNode, stopAll, stopNode, tally, uniqueRedisPrefix, usageToday, writeLimitsConfig } from './helpers.js'

const redisSkip = await serviceSkip('Redis', '127.0.0.1', 6379)
const QUOTA = 10
const USED_BEFORE = 4

async function useQuotaAcrossRestart(args: string[], config: string): Promise<void> {
  const first = await startNode(['--config', config, ...args])
  const daily = await planNamed(first.adminPort, 'daily')
  const before = tally(await burst([first.port], USED_BEFORE, '/prod/limited', { 'x-api-key': QUOTA_KEY }))
  assert.equal(before.ok, USED_BEFORE)
  assert.deepEqual(await usageToday(first.adminPort, daily.id), [[USED_BEFORE, QUOTA - USED_BEFORE]])
  assert.equal(await stopNode(first), 0)

  const second = await startNode(['--config', config, ...args])
  assert.deepEqual(await usageToday(second.adminPort, daily.id), [[USED_BEFORE, QUOTA - USED_BEFORE]], 'the count continues after the restart')
  const after = tally(await burst([second.port], QUOTA, '/prod/limited', { 'x-api-key': QUOTA_KEY }))
  assert.equal(after.ok, QUOTA - USED_BEFORE, `only what remained is admitted: ${JSON.stringify(after)}`)
  assert.deepEqual(after.refusedBodies.map((b) => JSON.parse(b)), [{ message: 'Limit Exceeded' }])
  assert.deepEqual(await usageToday(second.adminPort, daily.id), [[QUOTA, 0]])
  assert.equal(await stopNode(second), 0)
}

test('with --data-dir, quota counters are in SQLite and survive a restart', async (t) => {
  const tmp = tempDir()
  t.after(async () => {
    await stopAll()
    tmp.cleanup()
  })
  const config = writeLimitsConfig(tmp.dir, { burst: 5, quota: QUOTA })
  await useQuotaAcrossRestart(['--data-dir', `${tmp.dir}/data`], config)
})

test('with --redis, quota counters are in Redis and survive a restart', { skip: redisSkip || false }, async (t) => {
  const tmp = tempDir()
  const prefix = uniqueRedisPrefix('restart')
  t.after(async () => {
    await stopAll()
    await dropRedisPrefix(prefix)
    tmp.cleanup()
  })
  const config = writeLimitsConfig(tmp.dir, { burst: 5, quota: QUOTA })
  await useQuotaAcrossRestart(['--redis', REDIS_URL, '--redis-prefix', prefix], config)
})
