// The Redis WebSocket connection registry against the ConnectionRegistry conformance suite, including its
// two-node case (two registries, two Redis connections, one key prefix), plus what only it promises: a node
// whose heartbeat expires takes its connections with it, a node that closes removes its own records, and an
// unreachable Redis gives ConnectionRegistryUnavailableError without waiting.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer } from 'node:net'
import { Redis } from 'ioredis'
import { serviceSkip } from '../services.js'
import { RedisConnectionRegistry } from '../../src/store/redis/connection-registry.js'
import { ConnectionRegistryUnavailableError, type ConnectionRecord } from '../../src/store/port/connections.js'
import { connectionRegistrySuite } from '../conformance/connection-registry.js'
import { redisProxy, within } from '../multinode/helpers.js'

const REDIS_URL = 'redis://127.0.0.1:6379'
const redisSkip = await serviceSkip('Redis', '127.0.0.1', 6379)

let counter = 0
function uniquePrefix(): string {
  return `gh-test:${process.pid}:${Date.now().toString(36)}:${++counter}:`
}

async function dropPrefix(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL)
  try {
    let cursor = '0'
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000)
      if (keys.length > 0) await redis.unlink(...keys)
      cursor = next
    } while (cursor !== '0')
  } finally {
    redis.disconnect()
  }
}

const record = (id: string, nodeId: string): ConnectionRecord => ({
  connectionId: id,
  apiId: 'api0000001',
  stage: 'prod',
  nodeId,
  connectedAt: 1_700_000_000_000,
  sourceIp: '203.0.113.7',
  userAgent: 'redis-test/1',
  lastActiveAt: 1_700_000_000_000,
})

if (redisSkip) {
  test('redis connection registry', (t) => t.skip(redisSkip))
} else {
  connectionRegistrySuite('redis', async () => {
    const keyPrefix = uniquePrefix()
    const a = new RedisConnectionRegistry(REDIS_URL, { keyPrefix })
    const b = new RedisConnectionRegistry(REDIS_URL, { keyPrefix })
    return {
      a,
      b,
      shared: true,
      cleanup: async () => {
        await Promise.all([a.close(), b.close()])
        await dropPrefix(keyPrefix)
      },
    }
  })

  test('redis registry: a node whose heartbeat expires takes its connections with it (GoneException)', async (t) => {
    const keyPrefix = uniquePrefix()
    const a = new RedisConnectionRegistry(REDIS_URL, { keyPrefix })
    const raw = new Redis(REDIS_URL)
    t.after(async () => {
      await a.close()
      raw.disconnect()
      await dropPrefix(keyPrefix)
    })
    a.attach('node-a', () => true)
    // A node that beat once and is then killed (no clean close): its heartbeat key has a short TTL and is never
    // refreshed; its record stays behind (the process test in test/multinode kills a real gateway).
    const b = new RedisConnectionRegistry(REDIS_URL, { keyPrefix, nodeTtlMs: 400 })
    b.attach('node-b', () => true)
    await b.add(record('on-b', 'node-b'))
    assert.equal((await a.get('on-b'))?.nodeId, 'node-b')
    b.kill()
    // Wait for the event itself: the node's heartbeat key expiring in Redis.
    const nodeKey = `${keyPrefix}ws:node:node-b`
    while ((await raw.exists(nodeKey)) === 1) await new Promise((r) => setTimeout(r, 50))
    assert.equal(await raw.exists(`${keyPrefix}ws:conn:on-b`), 1, 'the dead node left its record behind')
    assert.equal(await a.get('on-b'), null)
    assert.equal(await a.deliver('on-b', { kind: 'post', data: Buffer.from('x') }), false)
    assert.equal(await raw.exists(`${keyPrefix}ws:conn:on-b`), 0, 'the record of the dead node is removed')
  })

  test('redis registry: a node cut off from Redis longer than its heartbeat TTL is registered again when Redis is back', async (t) => {
    const keyPrefix = uniquePrefix()
    const proxy = await redisProxy()
    const a = new RedisConnectionRegistry(REDIS_URL, { keyPrefix })
    const b = new RedisConnectionRegistry(proxy.url, { keyPrefix, nodeTtlMs: 300 })
    const raw = new Redis(REDIS_URL)
    t.after(async () => {
      await Promise.all([a.close(), b.close()])
      raw.disconnect()
      await proxy.close()
      await dropPrefix(keyPrefix)
    })
    a.attach('node-a', () => true)
    b.attach('node-b', () => true)
    await b.add(record('before', 'node-b'))
    proxy.down()
    // Opened during the outage: served by its node, not recorded yet.
    await assert.rejects(b.add(record('during', 'node-b')), ConnectionRegistryUnavailableError)
    while ((await raw.exists(`${keyPrefix}ws:node:node-b`)) === 1) await new Promise((r) => setTimeout(r, 50))
    // Another node reads it as a dead node's connection meanwhile.
    assert.equal(await a.get('before'), null)
    proxy.up()
    await within(30_000, 'node-b registered again', async () => (await a.get('before')) !== null && (await a.get('during')) !== null)
    assert.equal((await a.get('during'))?.nodeId, 'node-b')
  })

  test('redis registry: a node that closes removes its records, and its connections are gone at once', async (t) => {
    const keyPrefix = uniquePrefix()
    const a = new RedisConnectionRegistry(REDIS_URL, { keyPrefix })
    const b = new RedisConnectionRegistry(REDIS_URL, { keyPrefix })
    t.after(async () => {
      await a.close()
      await dropPrefix(keyPrefix)
    })
    a.attach('node-a', () => true)
    b.attach('node-b', () => true)
    await b.add(record('b1', 'node-b'))
    await b.add(record('b2', 'node-b'))
    await b.close()
    assert.equal(await a.get('b1'), null)
    assert.equal(await a.get('b2'), null)
  })

  test('redis registry: a post to a connection the holding node no longer has answers false (Gone)', async (t) => {
    const keyPrefix = uniquePrefix()
    const a = new RedisConnectionRegistry(REDIS_URL, { keyPrefix })
    const b = new RedisConnectionRegistry(REDIS_URL, { keyPrefix })
    t.after(async () => {
      await Promise.all([a.close(), b.close()])
      await dropPrefix(keyPrefix)
    })
    const got: string[] = []
    a.attach('node-a', () => true)
    b.attach('node-b', (id, cmd) => {
      got.push(`${id}:${cmd.kind === 'post' ? cmd.data.toString() : 'delete'}`)
      return id === 'live'
    })
    await b.add(record('live', 'node-b'))
    await b.add(record('closing', 'node-b'))
    assert.equal(await a.deliver('live', { kind: 'post', data: Buffer.from('héllo') }), true)
    assert.equal(await a.deliver('closing', { kind: 'delete' }), false)
    assert.deepEqual(got, ['live:héllo', 'closing:delete'])
  })
}

test('redis registry: Redis unreachable gives ConnectionRegistryUnavailableError, without waiting for a timeout', async () => {
  const server = createServer().listen(0, '127.0.0.1')
  await new Promise((r) => server.once('listening', r))
  const port = (server.address() as { port: number }).port
  await new Promise((r) => server.close(r))
  const registry = new RedisConnectionRegistry({ host: '127.0.0.1', port }, { keyPrefix: uniquePrefix(), commandTimeoutMs: 60_000, connectTimeoutMs: 60_000 })
  try {
    registry.attach('node-a', () => true)
    await assert.rejects(registry.get('c1'), (err: Error) => err instanceof ConnectionRegistryUnavailableError && /unavailable \(connection registry get\)/.test(err.message))
    await assert.rejects(registry.deliver('c1', { kind: 'delete' }), ConnectionRegistryUnavailableError)
    await assert.rejects(registry.add(record('c1', 'node-a')), ConnectionRegistryUnavailableError)
    registry.touch('c1', 1)
  } finally {
    await registry.close()
  }
})

