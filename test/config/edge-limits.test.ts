// The HTTP edge's limits in the config file (`listeners.http.limits`, docs/limits.md): taken as given,
// checked as a whole (unknown keys, types, the headers timeout within the whole-request one), and the
// defaults the data plane fills in.

import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { loadDesiredState, type Sources } from '../../src/controlplane/config/desired.js'
import { DEFAULT_EDGE_LIMITS, edgeLimits } from '../../src/dataplane/limits.js'
import { problemAt, problemsOf, tempDir, type TempDir } from './helpers.js'

function sources(over: Partial<Sources>): Sources {
  return { restApis: [], httpApis: [], stageVariables: {}, ...over }
}

describe('listeners.http.limits', () => {
  let tmp: TempDir
  let n = 0
  before(async () => {
    tmp = await tempDir()
  })
  after(() => tmp.remove())

  async function write(yaml: string): Promise<string> {
    const name = `limits-${++n}.yaml`
    await tmp.write(name, yaml)
    return name
  }

  it('are read from the config file as given', async () => {
    const file = await write('listeners:\n  http:\n    port: 8080\n    limits: { bodyIdleTimeoutMs: 5000, maxConnectionsPerIp: 0 }\napis: []\n')
    const state = await loadDesiredState(sources({ configFile: file, cwd: tmp.dir }))
    assert.deepEqual(state.listeners.http?.limits, { bodyIdleTimeoutMs: 5000, maxConnectionsPerIp: 0 })
  })

  it('refuse unknown keys, negative numbers, and a headers timeout longer than the whole request’s', async () => {
    const file = await write('listeners:\n  http:\n    limits: { bodyIdleTimeout: 5, requestTimeoutMs: -1 }\napis: []\n')
    const problems = await problemsOf(() => loadDesiredState(sources({ configFile: file, cwd: tmp.dir })))
    assert.match(problemAt(problems, '/listeners/http/limits/bodyIdleTimeout', file).message, /did you mean "bodyIdleTimeoutMs"/)
    assert.ok(problems.some((p) => p.path === '/listeners/http/limits/requestTimeoutMs'))
    const order = await write('listeners:\n  http:\n    limits: { headersTimeoutMs: 90000, requestTimeoutMs: 60000 }\napis: []\n')
    const refused = await problemsOf(() => loadDesiredState(sources({ configFile: order, cwd: tmp.dir })))
    assert.match(problemAt(refused, '/listeners/http/limits', order).message, /headersTimeoutMs \(90000\) must not exceed requestTimeoutMs \(60000\)/)
  })

  it('default to 60 s for headers, 30 s of body silence, 5 min per request and 1024 connections per address', () => {
    assert.deepEqual(edgeLimits(undefined), { headersTimeoutMs: 60_000, bodyIdleTimeoutMs: 30_000, requestTimeoutMs: 300_000, maxConnectionsPerIp: 1024 })
    assert.deepEqual(edgeLimits({ requestTimeoutMs: 0 }), { ...DEFAULT_EDGE_LIMITS, requestTimeoutMs: 0 })
    assert.throws(() => edgeLimits({ headersTimeoutMs: 0 }), /at least 1 ms/)
    assert.throws(() => edgeLimits({ maxConnectionsPerIp: 1.5 }), /whole number/)
  })
})
