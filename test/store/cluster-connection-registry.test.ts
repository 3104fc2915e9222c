// The `--workers N` connection registry (src/store/cluster/connection-registry.ts) against the ConnectionRegistry
// conformance suite, with its two-node case: two workers' registries on IPC-like channels (messages serialized
// as JSON, delivered asynchronously, as node:cluster's are) served by one primary's host. Plus what only it
// promises: a worker whose channel ends takes its connections out, and a silent worker is an error, not a Gone.
// test/multinode/websocket-workers.test.ts runs it in real `gatehouse serve --workers 2` processes.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { EventEmitter } from 'node:events'
import { ClusterConnectionRegistry, ConnectionRegistryHost } from '../../src/store/cluster/connection-registry.js'
import { ConnectionRegistryUnavailableError, type ConnectionRecord } from '../../src/store/port/connections.js'
import type { IpcEndpoint } from '../../src/store/cluster/protocol.js'
import { connectionRegistrySuite } from '../conformance/connection-registry.js'

/** Two ends of a channel: what one sends, the other receives (as JSON, on a later turn). */
function channel(): { worker: IpcEndpoint & { end(): void }; primary: IpcEndpoint } {
  const toWorker = new EventEmitter()
  const toPrimary = new EventEmitter()
  let connected = true
  const deliver = (to: EventEmitter, m: unknown): boolean => {
    if (!connected) throw new Error('channel closed')
    const copy = JSON.parse(JSON.stringify(m)) as unknown
    setImmediate(() => connected && to.emit('message', copy))
    return true
  }
  return {
    worker: {
      send: (m) => deliver(toPrimary, m),
      on: (e, l) => toWorker.on(e, l),
      off: (e, l) => toWorker.off(e, l),
      get connected() {
        return connected
      },
      end: () => (connected = false),
    },
    primary: {
      send: (m) => deliver(toWorker, m),
      on: (e, l) => toPrimary.on(e, l),
      off: (e, l) => toPrimary.off(e, l),
      get connected() {
        return connected
      },
    },
  }
}

const record = (id: string, nodeId: string): ConnectionRecord => ({
  connectionId: id,
  apiId: 'api0000001',
  stage: 'prod',
  nodeId,
  connectedAt: 1_700_000_000_000,
  sourceIp: '203.0.113.7',
  userAgent: 'cluster-test/1',
  lastActiveAt: 1_700_000_000_000,
})

function twoWorkers(options: { timeoutMs?: number } = {}) {
  const host = new ConnectionRegistryHost(options)
  const ca = channel()
  const cb = channel()
  const unhostA = host.serve(ca.primary)
  const unhostB = host.serve(cb.primary)
  const a = new ClusterConnectionRegistry(ca.worker)
  const b = new ClusterConnectionRegistry(cb.worker)
  return { host, a, b, endB: () => (cb.worker.end(), unhostB()), cleanup: async () => (await Promise.all([a.close(), b.close()]), unhostA(), unhostB()) }
}

connectionRegistrySuite('cluster (IPC to the primary)', async () => {
  const { a, b, cleanup } = twoWorkers()
  return { a, b, shared: true, cleanup }
})

test('cluster registry: a worker whose channel ends (it exited) takes its connections out of the registry', async () => {
  const { host, a, b, endB, cleanup } = twoWorkers()
  try {
    a.attach('node-a', () => true)
    b.attach('node-b', () => true)
    await b.add(record('on-b', 'node-b'))
    await a.add(record('on-a', 'node-a'))
    assert.equal((await a.get('on-b'))?.nodeId, 'node-b')
    endB()
    assert.equal(await a.get('on-b'), null)
    assert.equal(await a.deliver('on-b', { kind: 'delete' }), false)
    assert.equal((await a.get('on-a'))?.nodeId, 'node-a')
    assert.equal(host.size, 1)
  } finally {
    await cleanup()
  }
})

test('cluster registry: a worker that never answers a command gives an error, not a Gone for a live connection', async () => {
  const host = new ConnectionRegistryHost({ timeoutMs: 50 })
  const ca = channel()
  const cb = channel()
  host.serve(ca.primary)
  host.serve(cb.primary)
  const a = new ClusterConnectionRegistry(ca.worker)
  const b = new ClusterConnectionRegistry(cb.worker)
  try {
    a.attach('node-a', () => true)
    b.attach('node-b', () => true)
    await b.add(record('on-b', 'node-b'))
    // Worker b stops reading its channel (busy, wedged) but is not gone.
    await b.close()
    await assert.rejects(a.deliver('on-b', { kind: 'post', data: Buffer.from('x') }), (err: Error) => err instanceof ConnectionRegistryUnavailableError && /did not answer/.test(err.message))
  } finally {
    await a.close()
  }
})
