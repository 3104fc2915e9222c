// Blue/green under load (docs/deployments.md): keep-alive clients loop on a stage while it is switched between
// two deployments several times — by config-file reloads, then through the control plane (UpdateStage
// /deploymentId). No request fails (no connection error, no 5xx); both versions are served; a request that
// starts once a switch is acknowledged (the reload resolved, or the data plane serves the store's revision)
// and ends before the next switch begins gets the new version; a slow request in flight during a switch
// completes with the deployment it started on. Every wait is for an event: a response counted, a request
// arriving at the backend, a reload resolving, a revision served.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Pool } from 'undici'
import { startGateway, startUpstream, tempDir, writeFile } from '../helpers.js'
import { settle } from '../admin/control-plane.js'
import { adminClient } from '../admin/helpers.js'
import type { Stage } from '../../src/model/types.js'

const CLIENTS = 8
/** Responses each stable phase must see (from requests that started and ended in it) before the next switch. */
const PER_PHASE = 40
const HOST = 'bg01.execute-api.localhost'

/** The config file: API bg01 whose GET /v answers the colour (MOCK) and GET /slow goes to the backend's /slow/{colour}. */
function config(colour: 'blue' | 'green', backend: string): Record<string, unknown> {
  const mock = { type: 'mock', requestTemplates: { 'application/json': '{"statusCode": 200}' }, responses: { default: { statusCode: '200', responseTemplates: { 'application/json': `{"colour": "${colour}"}` } } } }
  const slow = { type: 'http_proxy', httpMethod: 'GET', uri: `${backend}/slow/${colour}` }
  return {
    apis: [
      {
        id: 'bg01',
        type: 'rest',
        definition: { openapi: '3.0.1', info: { title: 'blue-green', version: '1' }, paths: { '/v': { get: { 'x-amazon-apigateway-integration': mock } }, '/slow': { get: { 'x-amazon-apigateway-integration': slow } } } },
        stages: { prod: {} },
      },
    ],
  }
}

interface Sample {
  startPhase: number
  endPhase: number
  status: number
  colour: string
}

test('blue/green: switching a stage under load by file reloads and by UpdateStage fails no request', async (t) => {
  // The backend holds each /slow/{colour} request until the test releases it.
  const held: Array<{ url: string; release: () => void }> = []
  let arrived: (() => void) | null = null
  const upstream = await startUpstream((req, res) => {
    held.push({ url: req.url!, release: () => res.end(JSON.stringify({ servedBy: req.url })) })
    arrived?.()
  })
  const tmp = tempDir()
  const file = writeFile(tmp.dir, 'gatehouse.yaml', config('blue', upstream.url))
  const gw = await startGateway({ configFile: file })
  const pool = new Pool(`http://127.0.0.1:${gw.port}`, { connections: CLIENTS, pipelining: 1 })
  t.after(async () => {
    for (const h of held) h.release()
    await pool.close()
    await gw.stop()
    await upstream.close()
    tmp.cleanup()
  })

  // Phases: even = stable (the colour of `colours[phase / 2]`), odd = a switch under way.
  let phase = 0
  const colours: string[] = ['blue']
  const samples: Sample[] = []
  const failures: string[] = []
  let stop = false
  let waiter: { phase: number; resolve: () => void } | null = null
  const stableCount = (p: number): number => samples.filter((s) => s.startPhase === p && s.endPhase === p).length

  const client = async (): Promise<void> => {
    while (!stop) {
      const startPhase = phase
      try {
        const res = await pool.request({ path: '/prod/v', method: 'GET', headers: { host: HOST } })
        const text = await res.body.text()
        const sample: Sample = { startPhase, endPhase: phase, status: res.statusCode, colour: res.statusCode === 200 ? JSON.parse(text).colour : text }
        samples.push(sample)
        if (res.statusCode !== 200) failures.push(`${res.statusCode} ${text}`)
        if (waiter && sample.startPhase === waiter.phase && sample.endPhase === waiter.phase && stableCount(waiter.phase) >= PER_PHASE) waiter.resolve()
      } catch (err) {
        failures.push(`connection: ${(err as Error).message}`)
      }
    }
  }
  /** Resolves once the current stable phase has PER_PHASE responses that started and ended in it. */
  const enoughInPhase = (): Promise<void> =>
    stableCount(phase) >= PER_PHASE ? Promise.resolve() : new Promise<void>((resolve) => (waiter = { phase, resolve: () => ((waiter = null), resolve()) }))

  /** A GET /prod/slow held at the backend: resolves once the backend has it, with the response to come. */
  const slowInFlight = async (): Promise<{ response: Promise<{ status: number; body: string }> }> => {
    const reached = new Promise<void>((resolve) => (arrived = resolve))
    const response = pool.request({ path: '/prod/slow', method: 'GET', headers: { host: HOST } }).then(async (r) => ({ status: r.statusCode, body: await r.body.text() }))
    await reached
    arrived = null
    return { response }
  }
  /** Switches to `colour` with `doSwitch` (which resolves when the switch is acknowledged). */
  const switchTo = async (colour: string, doSwitch: () => Promise<void>): Promise<void> => {
    await enoughInPhase()
    phase++
    await doSwitch()
    colours.push(colour)
    phase++
  }

  const clients = Array.from({ length: CLIENTS }, () => client())

  // 1. Config-file reloads: blue → green → blue → green, a slow request held across the first switch.
  const reloadTo = (colour: 'blue' | 'green') => async (): Promise<void> => {
    writeFile(tmp.dir, 'gatehouse.yaml', config(colour, upstream.url))
    assert.equal((await gw.gateway.reload()).ok, true)
  }
  const slowFile = await slowInFlight()
  await switchTo('green', reloadTo('green'))
  held.shift()!.release()
  const slowFileDone = await slowFile.response
  assert.deepEqual([slowFileDone.status, JSON.parse(slowFileDone.body)], [200, { servedBy: '/slow/blue' }], 'the slow request finished on the deployment it started on')
  await switchTo('blue', reloadTo('blue'))
  await switchTo('green', reloadTo('green'))

  // The file made exactly two deployments (one per content version), both kept.
  const deployments = (await gw.gateway.store!.list<{ apiId: string }>('deployment')).filter((d) => d.value.apiId === 'bg01')
  assert.equal(deployments.length, 2)
  const stageDeployment = async (): Promise<string> => (await gw.gateway.store!.get<Stage>('stage', 'bg01/prod'))!.value.deploymentId
  const green = await stageDeployment()
  const blue = deployments.find((d) => d.id !== green)!.id

  // 2. The control plane: UpdateStage /deploymentId, green → blue → green → blue, a slow request across the first.
  const call = adminClient(gw.adminPort)
  const point = (deploymentId: string) => async (): Promise<void> => {
    const res = await call('PATCH', '/restapis/bg01/stages/prod', { patchOperations: [{ op: 'replace', path: '/deploymentId', value: deploymentId }] })
    assert.equal(res.status, 200, res.text)
    await settle(gw)
  }
  const slowAdmin = await slowInFlight()
  await switchTo('blue', point(blue))
  held.shift()!.release()
  const slowAdminDone = await slowAdmin.response
  assert.deepEqual([slowAdminDone.status, JSON.parse(slowAdminDone.body)], [200, { servedBy: '/slow/green' }], 'the slow request finished on the deployment it started on')
  await switchTo('green', point(green))
  await switchTo('blue', point(blue))
  await enoughInPhase()

  stop = true
  await Promise.all(clients)

  assert.deepEqual(failures, [], 'no request failed')
  assert.ok(samples.length >= PER_PHASE * colours.length)
  const served = new Set(samples.map((s) => s.colour))
  assert.deepEqual([...served].sort(), ['blue', 'green'], 'both versions were served')
  for (let p = 0; p <= phase; p += 2) {
    const inPhase = samples.filter((s) => s.startPhase === p && s.endPhase === p)
    const wrong = inPhase.filter((s) => s.colour !== colours[p / 2])
    assert.equal(wrong.length, 0, `phase ${p / 2} (${colours[p / 2]}): ${wrong.length} of ${inPhase.length} requests got the other version after the switch was acknowledged`)
    assert.ok(inPhase.length >= PER_PHASE, `phase ${p / 2} saw ${inPhase.length} requests`)
  }
})
