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
import { SwitchLoad } from '../switch-load.js'
import type { Stage } from '../../src/model/types.js'

const CLIENTS = 8
/** Responses each stable phase must see before the next switch (test/switch-load.ts). */
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
  let load: SwitchLoad | null = null
  t.after(async () => {
    await load?.halt()
    for (const h of held) h.release()
    await pool.close()
    await gw.stop()
    await upstream.close()
    tmp.cleanup()
  })

  load = new SwitchLoad({
    clients: CLIENTS,
    perPhase: PER_PHASE,
    initial: 'blue',
    request: async () => {
      const res = await pool.request({ path: '/prod/v', method: 'GET', headers: { host: HOST } })
      return { status: res.statusCode, text: await res.body.text() }
    },
    version: (text) => JSON.parse(text).colour,
  })

  /** A GET /prod/slow held at the backend: resolves once the backend has it, with the response to come. */
  const slowInFlight = async (): Promise<{ response: Promise<{ status: number; body: string }> }> => {
    const reached = new Promise<void>((resolve) => (arrived = resolve))
    const response = pool.request({ path: '/prod/slow', method: 'GET', headers: { host: HOST } }).then(async (r) => ({ status: r.statusCode, body: await r.body.text() }))
    await reached
    arrived = null
    return { response }
  }

  // 1. Config-file reloads: blue → green → blue → green, a slow request held across the first switch.
  const reloadTo = (colour: 'blue' | 'green') => async (): Promise<void> => {
    writeFile(tmp.dir, 'gatehouse.yaml', config(colour, upstream.url))
    assert.equal((await gw.gateway.reload()).ok, true)
  }
  const slowFile = await slowInFlight()
  await load.switchTo('green', reloadTo('green'))
  held.shift()!.release()
  const slowFileDone = await slowFile.response
  assert.deepEqual([slowFileDone.status, JSON.parse(slowFileDone.body)], [200, { servedBy: '/slow/blue' }], 'the slow request finished on the deployment it started on')
  await load.switchTo('blue', reloadTo('blue'))
  await load.switchTo('green', reloadTo('green'))

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
  await load.switchTo('blue', point(blue))
  held.shift()!.release()
  const slowAdminDone = await slowAdmin.response
  assert.deepEqual([slowAdminDone.status, JSON.parse(slowAdminDone.body)], [200, { servedBy: '/slow/green' }], 'the slow request finished on the deployment it started on')
  await load.switchTo('green', point(green))
  await load.switchTo('blue', point(blue))
  await load.stop()
  load.assertClean(['blue', 'green'])
})
