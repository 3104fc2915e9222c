// WebSocket APIs on several nodes: two `gatehouse serve --redis` processes sharing one Redis (a key prefix of
// their own per test). `@connections` calls made with the real `@aws-sdk/client-apigatewaymanagementapi` on
// one node reach a real `ws` client connected to the other; a node killed with SIGKILL takes its connections
// out of the registry once its heartbeat expires (a short --ws-node-ttl); a node stopped with SIGTERM closes
// its sockets with 1001, runs `$disconnect` for each and removes its entries at once; and a Redis outage
// leaves each node's own connections working while the others' answer a clear 500.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { serviceSkip } from '../services.js'
import { PATIENCE_MS, tempDir } from '../helpers.js'
import { REDIS_URL, dropRedisPrefix, redisProxy, startNode, stopAll, stopNode, uniqueRedisPrefix, within } from './helpers.js'
import { openSocket } from '../websocket/ws-helpers.js'
import { loggedEvents } from '../websocket/ws-helpers.js'
import { failure, management, whoami, writeWsConfig } from './ws-helpers.js'

const redisSkip = await serviceSkip('Redis', '127.0.0.1', 6379)
const skip = redisSkip || false

test('two nodes on one Redis: PostToConnection, GetConnection and DeleteConnection on one reach a socket on the other', { skip }, async (t) => {
  const tmp = tempDir()
  const prefix = uniqueRedisPrefix('ws-two-nodes')
  t.after(async () => {
    await stopAll()
    await dropRedisPrefix(prefix)
    tmp.cleanup()
  })
  const { config } = writeWsConfig(tmp.dir)
  const args = ['--config', config, '--redis', REDIS_URL, '--redis-prefix', prefix]
  const [a, b] = await Promise.all([startNode(args), startNode(args)])
  const onB = await openSocket(b.port, '/prod', { headers: { 'user-agent': 'two-nodes-test/1' } })
  const { id } = await whoami(onB)
  const mgmtA = management(a.port)

  await mgmtA.post(id, 'hello from node A')
  assert.equal(await onB.next(), 'hello from node A')

  const info = await mgmtA.get(id)
  assert.equal(info.Identity?.SourceIp, '127.0.0.1')
  assert.equal(info.Identity?.UserAgent, 'two-nodes-test/1')
  assert.ok(info.ConnectedAt instanceof Date && info.LastActiveAt instanceof Date)
  assert.ok(info.LastActiveAt!.getTime() >= info.ConnectedAt!.getTime())
  // A message from the client moves LastActiveAt as node A sees it.
  const before = info.LastActiveAt!.getTime()
  await within(PATIENCE_MS, 'a later LastActiveAt', async () => {
    await whoami(onB)
    return (await mgmtA.get(id)).LastActiveAt!.getTime() > before
  })
  // The same answers from the node that holds it.
  const fromB = await management(b.port).get(id)
  assert.equal(fromB.ConnectedAt!.getTime(), info.ConnectedAt!.getTime())

  // A client on A, posted to from B: both directions.
  const onA = await openSocket(a.port, '/prod')
  const idA = (await whoami(onA)).id
  await management(b.port).post(idA, 'hello from node B')
  assert.equal(await onA.next(), 'hello from node B')

  await mgmtA.delete(id)
  assert.deepEqual(await onB.closed, { code: 1000, reason: 'Connection Closed Normally' })
  const gone = await failure(mgmtA.post(id, 'too late'))
  assert.equal(gone.name, 'GoneException')
  assert.equal(gone.status, 410)
  onA.ws.close()
  assert.equal(await stopNode(a), 0)
  assert.equal(await stopNode(b), 0)
})

test('a node killed with SIGKILL: its connections are gone (410) for the other nodes once its heartbeat expires', { skip }, async (t) => {
  const tmp = tempDir()
  const prefix = uniqueRedisPrefix('ws-killed')
  t.after(async () => {
    await stopAll()
    await dropRedisPrefix(prefix)
    tmp.cleanup()
  })
  const { config } = writeWsConfig(tmp.dir)
  const args = ['--config', config, '--redis', REDIS_URL, '--redis-prefix', prefix, '--ws-node-ttl', '1000']
  const [a, b] = await Promise.all([startNode(args), startNode(args)])
  const onB = await openSocket(b.port, '/prod')
  const { id } = await whoami(onB)
  const mgmtA = management(a.port)
  assert.equal((await mgmtA.get(id)).Identity?.SourceIp, '127.0.0.1')
  b.child.kill('SIGKILL')
  await b.exit
  await onB.closed
  // The event waited for: GetConnection on A turns into GoneException (after the 1 s heartbeat TTL).
  await within(PATIENCE_MS, 'GoneException for the dead node’s connection', async () => (await failure(mgmtA.get(id)).catch(() => ({ name: 'ok' }))).name === 'GoneException')
  const post = await failure(mgmtA.post(id, 'to the dead'))
  assert.equal(post.name, 'GoneException')
  assert.equal(post.status, 410)
  assert.equal(await stopNode(a), 0)
})

test('SIGTERM: the node closes its sockets with 1001, runs $disconnect for each, and its connections are gone for the others at once', { skip }, async (t) => {
  const tmp = tempDir()
  const prefix = uniqueRedisPrefix('ws-sigterm')
  t.after(async () => {
    await stopAll()
    await dropRedisPrefix(prefix)
    tmp.cleanup()
  })
  const { config, log } = writeWsConfig(tmp.dir)
  // The default heartbeat TTL (30 s): a Gone right after the stop shows the node removed its own entries.
  const args = ['--config', config, '--redis', REDIS_URL, '--redis-prefix', prefix]
  const [a, b] = await Promise.all([startNode(args), startNode(args)])
  const sockets = await Promise.all([openSocket(b.port, '/prod'), openSocket(b.port, '/prod')])
  const ids = await Promise.all(sockets.map(async (s) => (await whoami(s)).id))
  const mgmtA = management(a.port)
  for (const id of ids) assert.ok((await mgmtA.get(id)).ConnectedAt)
  assert.equal(await stopNode(b), 0)
  for (const s of sockets) assert.deepEqual(await s.closed, { code: 1001, reason: 'Going away' })
  const disconnects = loggedEvents(log).filter((e) => e.requestContext.eventType === 'DISCONNECT')
  assert.deepEqual(disconnects.map((e) => e.requestContext.connectionId).sort(), [...ids].sort())
  for (const e of disconnects) assert.equal(e.requestContext.disconnectStatusCode, 1001)
  for (const id of ids) assert.equal((await failure(mgmtA.get(id))).name, 'GoneException')
  assert.equal(await stopNode(a), 0)
})

test('Redis down: each node still serves its own connections; another node’s answer a clear 500; nothing crashes', { skip }, async (t) => {
  const tmp = tempDir()
  const prefix = uniqueRedisPrefix('ws-redis-down')
  const proxy = await redisProxy()
  t.after(async () => {
    await stopAll()
    await proxy.close()
    await dropRedisPrefix(prefix)
    tmp.cleanup()
  })
  const { config } = writeWsConfig(tmp.dir)
  const args = ['--config', config, '--redis', proxy.url, '--redis-prefix', prefix]
  const [a, b] = await Promise.all([startNode(args), startNode(args)])
  const onA = await openSocket(a.port, '/prod')
  const onB = await openSocket(b.port, '/prod')
  const idA = (await whoami(onA)).id
  const idB = (await whoami(onB)).id
  const mgmtA = management(a.port)
  await mgmtA.post(idB, 'before the outage')
  assert.equal(await onB.next(), 'before the outage')

  proxy.down()
  await mgmtA.post(idA, 'local, during the outage')
  assert.equal(await onA.next(), 'local, during the outage')
  assert.equal((await mgmtA.get(idA)).Identity?.SourceIp, '127.0.0.1')
  const remote = await failure(mgmtA.post(idB, 'remote, during the outage'))
  assert.equal(remote.status, 500)
  assert.equal(remote.name, 'InternalServerErrorException')
  assert.match(remote.message, /connection registry is unavailable/)
  // The sockets keep working through the outage.
  assert.equal(typeof (await whoami(onB)).id, 'string')

  proxy.up()
  await within(PATIENCE_MS, 'delivery across nodes again once Redis is back', async () => {
    try {
      await mgmtA.post(idB, 'after the outage')
      return true
    } catch {
      return false
    }
  })
  assert.equal(await onB.next(), 'after the outage')
  onA.ws.close()
  onB.ws.close()
  assert.equal(await stopNode(a), 0)
  assert.equal(await stopNode(b), 0)
})
