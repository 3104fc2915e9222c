// The ConnectionRegistry conformance suite (src/store/port/connections.ts): what every adapter must do — records
// for `@connections` GET, `touch`, removal, and the delivery of commands to the node that holds a connection
// (false when none does: GoneException). Each adapter's test file registers it (test/store/*-connection-registry.test.ts);
// a shared adapter (Redis) also runs the two-node cases, where `a` and `b` are two nodes' views of one registry.

import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { ConnectionCommand, ConnectionRecord, ConnectionRegistry } from '../../src/store/port/connections.js'

export interface RegistryFixture {
  /** Two nodes' registries over the same backing store (the same object for a per-process adapter). */
  a: ConnectionRegistry
  b: ConnectionRegistry
  /** Whether `a` and `b` are separate nodes (commands cross between them). */
  shared: boolean
  cleanup: () => Promise<void>
}

const record = (id: string, nodeId: string, at = 1_700_000_000_000): ConnectionRecord => ({
  connectionId: id,
  apiId: 'api0000001',
  stage: 'prod',
  nodeId,
  connectedAt: at,
  sourceIp: '203.0.113.7',
  userAgent: 'conformance/1',
  lastActiveAt: at,
})

export function connectionRegistrySuite(name: string, make: () => Promise<RegistryFixture>): void {
  const run = async (body: (f: RegistryFixture) => Promise<void>) => {
    const f = await make()
    try {
      await body(f)
    } finally {
      await f.cleanup()
    }
  }

  describe(`ConnectionRegistry conformance: ${name}`, () => {
    it('keeps a record until it is removed, and touch moves lastActiveAt', () =>
      run(async ({ a }) => {
        a.attach('node-a', () => true)
        assert.equal(await a.get('c1'), null)
        await a.add(record('c1', 'node-a'))
        assert.deepEqual(await a.get('c1'), record('c1', 'node-a'))
        a.touch('c1', 1_700_000_005_000)
        await new Promise((r) => setImmediate(r))
        assert.equal((await a.get('c1'))!.lastActiveAt, 1_700_000_005_000)
        await a.remove('c1')
        assert.equal(await a.get('c1'), null)
      }))

    it('delivers commands to the handler of the node holding the connection; false when none does', () =>
      run(async ({ a }) => {
        const got: Array<[string, ConnectionCommand]> = []
        a.attach('node-a', (id, cmd) => {
          got.push([id, cmd])
          return id !== 'closing'
        })
        await a.add(record('c1', 'node-a'))
        await a.add(record('closing', 'node-a'))
        assert.equal(await a.deliver('c1', { kind: 'post', data: Buffer.from('hi') }), true)
        assert.equal(await a.deliver('closing', { kind: 'delete' }), false)
        assert.equal(await a.deliver('unknown', { kind: 'delete' }), false)
        assert.deepEqual(got.map(([id, cmd]) => [id, cmd.kind, cmd.kind === 'post' ? cmd.data.toString() : null]), [
          ['c1', 'post', 'hi'],
          ['closing', 'delete', null],
        ])
        await a.remove('c1')
        assert.equal(await a.deliver('c1', { kind: 'post', data: Buffer.from('late') }), false)
      }))

    it('returns copies: changing a record read does not change the registry', () =>
      run(async ({ a }) => {
        await a.add(record('c1', 'node-a'))
        const r = (await a.get('c1'))!
        r.lastActiveAt = 1
        assert.equal((await a.get('c1'))!.lastActiveAt, 1_700_000_000_000)
      }))

    it('between nodes: a command given to one node reaches the socket on the other', async (t) => {
      const f = await make()
      try {
        if (!f.shared) return t.skip('a per-process adapter has one node')
        const got: string[] = []
        f.b.attach('node-b', (id) => {
          got.push(id)
          return true
        })
        f.a.attach('node-a', () => false)
        await f.b.add(record('on-b', 'node-b'))
        assert.deepEqual(await f.a.get('on-b'), record('on-b', 'node-b'))
        assert.equal(await f.a.deliver('on-b', { kind: 'post', data: Buffer.from('x') }), true)
        assert.deepEqual(got, ['on-b'])
      } finally {
        await f.cleanup()
      }
    })
  })
}
