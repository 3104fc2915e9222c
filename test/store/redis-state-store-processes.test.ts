// Several gateway processes sharing one Redis enforce one limit: three child processes fire requests at the
// same token bucket and the same quota at the same moment, and exactly the limit is admitted in total.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import type { ChildProcessByStdio } from 'node:child_process'
import type { Readable, Writable } from 'node:stream'
import { once } from 'node:events'
import { Redis } from 'ioredis'
import { serviceSkip } from '../services.js'
import { RedisStateStore } from '../../src/store/redis/state-store.js'
import { quotaPeriod } from '../../src/store/port/state-rules.js'

const REDIS_URL = 'redis://127.0.0.1:6379'
const PROCESSES = 3
const REQUESTS_PER_PROCESS = 120
const BURST = 50
const QUOTA = 70

const redisSkip = await serviceSkip('Redis', '127.0.0.1', 6379)

// Each child opens its own store, says "ready", waits for "go", then fires all its requests at once (on the
// shared frozen clock, so no token refills meanwhile) and prints how many of each kind were admitted.
const childScript = (moduleUrl: string) => `
  const { RedisStateStore } = await import(${JSON.stringify(moduleUrl)})
  const [url, keyPrefix, now, requests, burst, quota, start, end] = process.argv.slice(1)
  const store = new RedisStateStore(url, { keyPrefix })
  await store.getUsage('warm-up', '2024-01-01', '2024-01-01')
  process.stdout.write('ready\\n')
  await new Promise((resolve) => process.stdin.once('data', resolve))
  const bucket = [{ key: 'shared', rate: 1, burst: Number(burst) }]
  const period = { start: Number(start), end: Number(end) }
  const [tokens, quotas] = await Promise.all([
    Promise.all(Array.from({ length: Number(requests) }, () => store.takeTokens(bucket, Number(now)))),
    Promise.all(Array.from({ length: Number(requests) }, () => store.consumeQuota('shared', Number(quota), period, Number(now)))),
  ])
  console.log(JSON.stringify({ tokens: tokens.filter((r) => r.allowed).length, quota: quotas.filter((r) => r.allowed).length }))
  await store.close()
`

type Child = ChildProcessByStdio<Writable, Readable, null>

test('redis: three processes sharing one Redis admit exactly burst requests and exactly the quota in total', { skip: redisSkip || false }, async (t) => {
  const keyPrefix = `gh-test:${process.pid}:${Date.now().toString(36)}:processes:`
  const now = Date.UTC(2024, 2, 15, 12)
  const period = quotaPeriod('MONTH', 0, now)
  const moduleUrl = new URL('../../src/store/redis/state-store.ts', import.meta.url).href
  t.after(async () => {
    const redis = new Redis(REDIS_URL)
    const keys = await redis.keys(`${keyPrefix}*`)
    if (keys.length > 0) await redis.unlink(...keys)
    redis.disconnect()
  })

  const children: Child[] = []
  const exits: Array<Promise<unknown[]>> = []
  const outputs: string[] = []
  const killer = setTimeout(() => children.forEach((c) => c.kill('SIGKILL')), 60_000)
  t.after(() => clearTimeout(killer))
  for (let i = 0; i < PROCESSES; i++) {
    const args = [REDIS_URL, keyPrefix, now, REQUESTS_PER_PROCESS, BURST, QUOTA, period.start, period.end].map(String)
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', childScript(moduleUrl), ...args], { stdio: ['pipe', 'pipe', 'inherit'] })
    child.stdout.setEncoding('utf8')
    outputs.push('')
    child.stdout.on('data', (chunk: string) => (outputs[i] += chunk))
    children.push(child)
    exits.push(once(child, 'close')) // not 'exit': by then all of stdout has been read
  }
  // Wait until all three are connected, then release them together.
  for (let i = 0; i < PROCESSES; i++) while (!outputs[i]!.includes('ready\n')) await once(children[i]!.stdout, 'data')
  for (const child of children) child.stdin.end('go\n')
  for (const exit of exits) assert.deepEqual(await exit, [0, null])

  const counts = outputs.map((out) => JSON.parse(out.replace('ready\n', '')) as { tokens: number; quota: number })
  assert.equal(counts.reduce((sum, c) => sum + c.tokens, 0), BURST, `admitted per process: ${JSON.stringify(counts)}`)
  assert.equal(counts.reduce((sum, c) => sum + c.quota, 0), QUOTA, `admitted per process: ${JSON.stringify(counts)}`)

  const store = new RedisStateStore(REDIS_URL, { keyPrefix })
  t.after(() => store.close())
  assert.deepEqual(await store.quotaStatus('shared', QUOTA, period), { used: QUOTA, remaining: 0 })
  assert.deepEqual(await store.getUsage('shared', '2024-03-15', '2024-03-15'), [{ day: '2024-03-15', used: QUOTA }])
})
