// Runs every state conformance suite (each role and `admit`) against ClusterStateStore talking to a real second
// process over a real IPC channel (the primary's bundle with quotas in memory, or in SQLite), plus what only it
// promises: real node:cluster workers share one bucket and one quota exactly, through the separate calls and
// through `admit`, and a silent or vanished primary fails fast with StateStoreUnavailableError.

import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import cluster from 'node:cluster'
import type { Worker } from 'node:cluster'
import { fork } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { ClusterStateStore } from '../../src/store/cluster/state-store.js'
import { hostStateStore } from '../../src/store/cluster/state-host.js'
import { localStateStore } from '../../src/store/compose.js'
import { StateStoreUnavailableError } from '../../src/store/port/ports.js'
import type { StateStore } from '../../src/store/port/ports.js'
import { quotaPeriod } from '../../src/store/port/state-rules.js'
import { T, stateStoreConformance } from '../conformance/state-store.js'

const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url))

interface Host {
  child: ChildProcess
  reset(): Promise<void>
}

async function startHost(kind: 'memory' | 'sqlite' | 'mute'): Promise<Host> {
  const child = fork(fixture('cluster-host.ts'), [kind], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  const [ready] = (await once(child, 'message')) as [{ gh: string }]
  assert.equal(ready.gh, 'test-host-ready')
  let n = 0
  return {
    child,
    async reset() {
      const mine = ++n
      const done = new Promise<void>((resolve) => {
        const on = (m: { gh?: string; n?: number }): void => {
          if (m?.gh !== 'test-reset-done' || m.n !== mine) return
          child.off('message', on)
          resolve()
        }
        child.on('message', on)
      })
      child.send({ gh: 'test-reset', n: mine })
      await done
    },
  }
}

function stopHost(host: Host): Promise<unknown> {
  if (host.child.exitCode !== null) return Promise.resolve()
  const exited = once(host.child, 'exit')
  host.child.disconnect()
  return exited
}

const memoryHost = await startHost('memory')
const sqliteHost = await startHost('sqlite')
after(() => Promise.all([stopHost(memoryHost), stopHost(sqliteHost)]))

for (const [name, host] of [
  ['cluster, the primary holding the memory bundle', memoryHost],
  ['cluster, the primary holding SQLite quotas with memory buckets', sqliteHost],
] as const) {
  stateStoreConformance(name, async () => {
    await host.reset()
    let current: StateStore = new ClusterStateStore(host.child)
    return {
      store: current,
      // A worker restarting: its adapter goes, a new one finds the primary's state as it was.
      reopen: async () => {
        await current.close()
        current = new ClusterStateStore(host.child)
        return current
      },
      cleanup: () => current.close(),
    }
  })
}

test('cluster: three node:cluster workers admit exactly burst requests and exactly the quota in total, also through admit', async (t) => {
  const WORKERS = 3
  const REQUESTS = 80
  const BURST = 50
  const QUOTA = 70
  const now = T
  const period = quotaPeriod('MONTH', 0, now)
  const state = localStateStore()
  cluster.setupPrimary({
    exec: fixture('cluster-worker.ts'),
    execArgv: ['--import', 'tsx'],
    args: [now, REQUESTS, BURST, QUOTA, period.start, period.end].map(String),
  })
  const workers: Worker[] = []
  const killer = setTimeout(() => workers.forEach((w) => w.process.kill('SIGKILL')), 60_000)
  t.after(() => clearTimeout(killer))
  const results: Array<Promise<{ tokens: number; quota: number; admitted: number; refusedByQuota: number }>> = []
  const ready: Array<Promise<unknown>> = []
  for (let i = 0; i < WORKERS; i++) {
    const worker = cluster.fork()
    workers.push(worker)
    hostStateStore(state, worker)
    ready.push(new Promise((resolve) => worker.on('message', (m: { gh?: string }) => m?.gh === 'test-ready' && resolve(undefined))))
    results.push(new Promise((resolve) => worker.on('message', (m: { gh?: string; tokens: number; quota: number; admitted: number; refusedByQuota: number }) => m?.gh === 'test-result' && resolve(m))))
  }
  await Promise.all(ready)
  for (const worker of workers) worker.send({ gh: 'test-go' })
  const counts = await Promise.all(results)
  await Promise.all(workers.map((w) => (w.isDead() ? undefined : once(w, 'exit'))))
  assert.equal(counts.reduce((sum, c) => sum + c.tokens, 0), BURST, `admitted per worker: ${JSON.stringify(counts)}`)
  assert.equal(counts.reduce((sum, c) => sum + c.quota, 0), QUOTA, `admitted per worker: ${JSON.stringify(counts)}`)
  assert.deepEqual(await state.quotaStatus('shared', QUOTA, period), { used: QUOTA, remaining: 0 })
  // admit: a bucket of QUOTA tokens and a quota of BURST (< QUOTA) requests on other keys; QUOTA - BURST
  // requests got past the bucket and were refused by the quota.
  assert.equal(counts.reduce((sum, c) => sum + c.admitted, 0), BURST, `admit per worker: ${JSON.stringify(counts)}`)
  assert.equal(counts.reduce((sum, c) => sum + c.refusedByQuota, 0), QUOTA - BURST, `admit per worker: ${JSON.stringify(counts)}`)
  assert.deepEqual(await state.quotaStatus('shared-admit', BURST, period), { used: BURST, remaining: 0 })
  await state.close()
})

test('cluster: a primary that does not answer fails the call within the timeout, a vanished one at once', async () => {
  const host = await startHost('mute')
  const store = new ClusterStateStore(host.child, { timeoutMs: 200 })
  try {
    // The mute primary never answers, so only the 200 ms timeout can end the call (the message says which).
    await assert.rejects(store.takeTokens([{ key: 'a', rate: 1, burst: 1 }], T), (err: unknown) => {
      assert.ok(err instanceof StateStoreUnavailableError)
      assert.match(err.message, /did not answer within 200 ms \(takeTokens\)/)
      return true
    })
    await stopHost(host)
    await assert.rejects(store.consumeQuota('k', 1, quotaPeriod('DAY', 0, T), T), (err: unknown) => {
      assert.ok(err instanceof StateStoreUnavailableError)
      assert.match(err.message, /primary is gone/)
      return true
    })
  } finally {
    await store.close()
    await stopHost(host)
  }
})

test('cluster: bad arguments are refused in the worker with the adapters\' messages; a closed adapter refuses calls', async () => {
  const store = new ClusterStateStore(memoryHost.child)
  await assert.rejects(store.takeTokens([{ key: 'a', rate: -1, burst: 1 }], T), RangeError)
  await store.close()
  await assert.rejects(store.get('k', T), /ClusterStateStore is closed/)
  assert.throws(() => new ClusterStateStore({} as never), /endpoint must be an IPC channel/)
})
