// Config as a whole: hot reload of the config file, refusal of bad config with the old one still serving,
// requests in flight across a reload, and persistence with --data-dir.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { PATIENCE_MS, eventually, send, startGateway, startUpstream, tempDir, writeFile } from '../helpers.js'

function api(title: string, paths: Record<string, string>, backend: string) {
  const out: Record<string, unknown> = {}
  for (const [path, target] of Object.entries(paths)) {
    out[path] = { get: { 'x-amazon-apigateway-integration': { type: 'http_proxy', httpMethod: 'GET', uri: `${backend}${target}` } } }
  }
  return { openapi: '3.0.1', info: { title, version: '1' }, paths: out }
}

test('editing the config file hot-reloads it; a bad edit is refused whole and the old config keeps serving', async () => {
  const upstream = await startUpstream()
  const tmp = tempDir()
  try {
    writeFile(tmp.dir, 'one.json', api('one', { '/a': '/a' }, upstream.url))
    const config = writeFile(tmp.dir, 'gatehouse.yaml', { apis: [{ name: 'one', type: 'rest', openapi: './one.json', stages: { dev: {} } }] })
    const gw = await startGateway({ configFile: config }, { watch: true })
    try {
      assert.equal((await gw.fetch('/dev/a')).status, 200)
      assert.equal((await gw.fetch('/dev/b')).status, 403)

      // A new route appears after an edit of the referenced OpenAPI file.
      writeFile(tmp.dir, 'one.json', api('one', { '/a': '/a', '/b': '/b' }, upstream.url))
      await eventually(async () => (await gw.fetch('/dev/b')).status === 200, PATIENCE_MS, 'the new route')

      // A bad config file: every problem is logged with its path, the previous config still serves.
      const revision = gw.gateway.plan!.revision
      writeFileSync(config, 'apis:\n  - name: one\n    type: soap\n    openapi: ./missing.json\n    stages: { "bad stage": {} }\nunknownKey: 1\n')
      await eventually(() => gw.logs.some((l) => String(l['msg']).includes('configuration refused')), PATIENCE_MS, 'the refusal')
      const refusal = String(gw.logs.find((l) => String(l['msg']).includes('configuration refused'))!['msg'])
      assert.match(refusal, /\/apis\/0\/type/)
      assert.match(refusal, /\/unknownKey/)
      assert.equal(gw.gateway.plan!.revision, revision)
      assert.equal((await gw.fetch('/dev/a')).status, 200)
      assert.equal((await gw.fetch('/dev/b')).status, 200)

      // Fixing the file serves again.
      writeFile(tmp.dir, 'gatehouse.yaml', { apis: [{ name: 'one', type: 'rest', openapi: './one.json', stages: { prod: {} } }] })
      await eventually(async () => (await gw.fetch('/prod/a')).status === 200, PATIENCE_MS, 'the fixed config')
      assert.equal((await gw.fetch('/dev/a')).status, 403)
    } finally {
      await gw.stop()
    }
  } finally {
    await upstream.close()
    tmp.cleanup()
  }
})

test('requests in flight during a reload finish on the plan they started with; none fail', async () => {
  // The backend holds /slow until the test lets it go: that request is in flight for the whole reload.
  let releaseSlow!: () => void
  const slowReleased = new Promise<void>((resolve) => (releaseSlow = resolve))
  let slowArrived!: () => void
  const slowInFlight = new Promise<void>((resolve) => (slowArrived = resolve))
  const upstream = await startUpstream((req, res) => {
    if (req.url !== '/slow') {
      res.end(`done ${req.url}`)
      return
    }
    slowArrived()
    void slowReleased.then(() => res.end(`done ${req.url}`))
  })
  const tmp = tempDir()
  try {
    const file = writeFile(tmp.dir, 'api.json', api('inflight', { '/slow': '/slow', '/fast': '/fast' }, upstream.url))
    const gw = await startGateway({ restApis: [file], stage: 'dev' })
    try {
      const slow = gw.fetch('/dev/slow')
      await slowInFlight
      // A stream of requests while the config changes underneath.
      const burst: Array<Promise<{ status: number }>> = []
      for (let i = 0; i < 20; i++) burst.push(gw.fetch('/dev/fast'))
      writeFile(tmp.dir, 'api.json', api('inflight', { '/slow': '/slow', '/fast': '/fast', '/new': '/new' }, upstream.url))
      const reload = gw.gateway.reload()
      for (let i = 0; i < 20; i++) burst.push(gw.fetch('/dev/fast'))
      assert.equal((await reload).ok, true)
      const results = await Promise.all(burst)
      assert.deepEqual(new Set(results.map((r) => r.status)), new Set([200]))
      releaseSlow()
      const s = await slow
      assert.equal(s.status, 200)
      assert.equal((await gw.fetch('/dev/new')).status, 200)
    } finally {
      releaseSlow()
      await gw.stop()
    }
  } finally {
    await upstream.close()
    tmp.cleanup()
  }
})

test('with --data-dir what was loaded survives a restart, and API ids are stable', async () => {
  const upstream = await startUpstream()
  const tmp = tempDir()
  const dataDir = join(tmp.dir, 'data')
  try {
    const file = writeFile(tmp.dir, 'api.json', api('persisted', { '/p': '/p' }, upstream.url))
    const first = await startGateway({ restApis: [file], stage: 'dev' }, { dataDir })
    const id = [...first.gateway.plan!.apis.keys()][0]
    assert.equal((await first.fetch('/dev/p')).status, 200)
    await first.stop()

    // Restart with nothing but the data dir: the stored config is served.
    const second = await startGateway({}, { dataDir })
    try {
      assert.deepEqual([...second.gateway.plan!.apis.keys()], [id])
      const res = await send(second.port, '/dev/p', { host: `${id}.execute-api.localhost` })
      assert.equal(res.status, 200)
    } finally {
      await second.stop()
    }

    // Restarting from the same file (no data dir) gives the same API id.
    const third = await startGateway({ restApis: [file], stage: 'dev' })
    try {
      assert.deepEqual([...third.gateway.plan!.apis.keys()], [id])
    } finally {
      await third.stop()
    }
  } finally {
    await upstream.close()
    tmp.cleanup()
  }
})
