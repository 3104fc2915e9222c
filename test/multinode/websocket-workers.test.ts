// `gatehouse serve --workers 2`: `@connections` on any worker reaches a WebSocket client held by the other.
// Without Redis, through the primary (the registry it holds relays commands to the worker holding the
// socket); with --redis, through Redis like separate nodes. Each management request is made on a connection
// of its own (no keep-alive), so the cluster hands consecutive ones to the workers in turn: every socket gets
// posts arriving through both workers.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Agent } from 'node:http'
import { ApiGatewayManagementApiClient, GetConnectionCommand, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi'
import { serviceSkip } from '../services.js'
import { tempDir } from '../helpers.js'
import { REDIS_URL, dropRedisPrefix, startNode, stopAll, stopNode, uniqueRedisPrefix } from './helpers.js'
import { openSocket, type TestSocket } from '../websocket/ws-helpers.js'
import { whoami, writeWsConfig } from './ws-helpers.js'

const redisSkip = await serviceSkip('Redis', '127.0.0.1', 6379)

async function deliveredAcrossWorkers(port: number): Promise<void> {
  // A fresh TCP connection per request: consecutive requests go to different workers.
  const client = new ApiGatewayManagementApiClient({
    endpoint: `http://127.0.0.1:${port}/prod`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    maxAttempts: 1,
    requestHandler: { httpAgent: new Agent({ keepAlive: false }) },
  })
  const sockets: TestSocket[] = []
  for (let i = 0; i < 4; i++) sockets.push(await openSocket(port, '/prod', { headers: { 'user-agent': `worker-test/${i}` } }))
  const ids = await Promise.all(sockets.map(async (s) => (await whoami(s)).id))
  for (let round = 0; round < 3; round++) {
    for (let i = 0; i < sockets.length; i++) {
      await client.send(new PostToConnectionCommand({ ConnectionId: ids[i]!, Data: `round ${round} to ${i}` }))
      assert.equal(await sockets[i]!.next(), `round ${round} to ${i}`)
      const info = await client.send(new GetConnectionCommand({ ConnectionId: ids[i]! }))
      assert.equal(info.Identity?.UserAgent, `worker-test/${i}`)
    }
  }
  for (const s of sockets) s.ws.close()
  await Promise.all(sockets.map((s) => s.closed))
  client.destroy()
}

test('--workers 2 without Redis: @connections on one worker reaches sockets held by the other (through the primary)', async (t) => {
  const tmp = tempDir()
  t.after(async () => {
    await stopAll()
    tmp.cleanup()
  })
  const { config } = writeWsConfig(tmp.dir)
  const node = await startNode(['--config', config, '--workers', '2'])
  await deliveredAcrossWorkers(node.port)
  assert.equal(await stopNode(node), 0)
})

test('--workers 2 --redis: @connections on one worker reaches sockets held by the other (through Redis)', { skip: redisSkip || false }, async (t) => {
  const tmp = tempDir()
  const prefix = uniqueRedisPrefix('ws-workers')
  t.after(async () => {
    await stopAll()
    await dropRedisPrefix(prefix)
    tmp.cleanup()
  })
  const { config } = writeWsConfig(tmp.dir)
  const node = await startNode(['--config', config, '--workers', '2', '--redis', REDIS_URL, '--redis-prefix', prefix])
  await deliveredAcrossWorkers(node.port)
  assert.equal(await stopNode(node), 0)
})
