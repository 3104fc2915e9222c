// How WebSocket connections end, each with `$disconnect` run once: the idle timeout and the longest connection
// time (tiny configured limits; the tests wait for the close event), a message over the size limit (1009),
// and the gateway stopping (1001 once messages under way are answered). Limits come from the config file's
// `listeners.http.websocket` or the gateway's options.

import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { eventually, startGateway, tempDir, writeFile, type TestGateway } from '../helpers.js'
import { loggedEvents, openSocket } from './ws-helpers.js'
import type { WsLimits } from '../../src/dataplane/websocket/server.js'

const LOGGING_FN = (log: string) => `import { appendFileSync } from 'node:fs'
export const handler = async (event) => {
  appendFileSync(${JSON.stringify(log)}, JSON.stringify(event) + '\\n')
  if (event.body === 'slow') await new Promise((r) => setTimeout(r, 200))
  return { statusCode: 200, body: 'echo:' + (event.body ?? '') }
}
`

async function start(limits: Partial<WsLimits>, viaFile = false): Promise<{ gw: TestGateway; log: string; cleanup: () => void }> {
  const tmp = tempDir('gatehouse-ws-life-')
  const log = join(tmp.dir, 'events.log')
  writeFile(tmp.dir, 'app.mjs', LOGGING_FN(log))
  const target = 'arn:aws:lambda:us-east-1:000000000000:function:app'
  writeFile(tmp.dir, 'gatehouse.yaml', {
    functionsDir: '.',
    ...(viaFile ? { listeners: { http: { websocket: limits } } } : {}),
    apis: [
      {
        name: 'life',
        type: 'websocket',
        routeSelectionExpression: '$request.body.action',
        integrations: { app: { integrationType: 'AWS_PROXY', integrationUri: target } },
        routes: [
          { routeKey: '$connect', target: 'app' },
          { routeKey: '$disconnect', target: 'app' },
          { routeKey: '$default', target: 'app', routeResponseSelectionExpression: '$default', routeResponses: [{ routeResponseKey: '$default' }] },
        ],
        stages: { prod: {} },
      },
    ],
  })
  const gw = await startGateway({ configFile: join(tmp.dir, 'gatehouse.yaml') }, viaFile ? {} : { websocketLimits: limits })
  return { gw, log, cleanup: tmp.cleanup }
}

async function disconnectOf(log: string, connectionId: string): Promise<Record<string, any>> {
  const find = () => loggedEvents(log).filter((e) => e.requestContext.connectionId === connectionId && e.requestContext.eventType === 'DISCONNECT')
  await eventually(() => find().length > 0, undefined, '$disconnect')
  return find()[0]!.requestContext
}

async function connectionIdOf(s: Awaited<ReturnType<typeof openSocket>>, log: string): Promise<string> {
  await eventually(() => loggedEvents(log).some((e) => e.requestContext.eventType === 'CONNECT'))
  const connects = loggedEvents(log).filter((e) => e.requestContext.eventType === 'CONNECT')
  void s
  return connects.at(-1)!.requestContext.connectionId as string
}

describe('WebSocket connection endings', () => {
  it('closes an idle connection with 1001 and runs $disconnect (limits from the config file)', async () => {
    const { gw, log, cleanup } = await start({ idleTimeoutMs: 150 }, true)
    try {
      const s = await openSocket(gw.port, '/prod')
      const id = await connectionIdOf(s, log)
      const closed = await s.closed
      assert.deepEqual(closed, { code: 1001, reason: 'Going away' })
      const rc = await disconnectOf(log, id)
      assert.equal(rc.disconnectStatusCode, 1001)
      assert.equal(rc.disconnectReason, 'Going away')
    } finally {
      await gw.stop()
      cleanup()
    }
  })

  it('closes a connection at its longest time with 1001, whatever it does', async () => {
    const { gw, log, cleanup } = await start({ maxConnectionMs: 200 })
    try {
      const s = await openSocket(gw.port, '/prod')
      s.send('hello')
      assert.equal(await s.next(), 'echo:hello')
      const id = await connectionIdOf(s, log)
      assert.equal((await s.closed).code, 1001)
      assert.equal((await disconnectOf(log, id)).disconnectStatusCode, 1001)
      assert.equal(loggedEvents(log).filter((e) => e.requestContext.eventType === 'DISCONNECT').length, 1)
    } finally {
      await gw.stop()
      cleanup()
    }
  })

  it('takes messages up to 128 KB by default', async () => {
    const { gw, cleanup } = await start({})
    try {
      const s = await openSocket(gw.port, '/prod')
      s.send('x'.repeat(128 * 1024))
      assert.equal((await s.next()).length, 128 * 1024 + 5)
      s.ws.close()
      await s.closed
    } finally {
      await gw.stop()
      cleanup()
    }
  })

  it('closes with 1009 on a message over the limit', async () => {
    const { gw, log, cleanup } = await start({ maxMessageBytes: 1024 })
    try {
      const s = await openSocket(gw.port, '/prod')
      s.send('y'.repeat(1024))
      assert.equal(await s.next(), 'echo:' + 'y'.repeat(1024))
      const id = await connectionIdOf(s, log)
      s.send('x'.repeat(1025))
      assert.equal((await s.closed).code, 1009)
      assert.equal((await disconnectOf(log, id)).disconnectStatusCode, 1009)
    } finally {
      await gw.stop()
      cleanup()
    }
  })

  it('on stop, answers the message under way, then closes with 1001 and runs $disconnect', async () => {
    const { gw, log, cleanup } = await start({})
    try {
      const s = await openSocket(gw.port, '/prod')
      const id = await connectionIdOf(s, log)
      s.send('slow')
      await eventually(() => loggedEvents(log).some((e) => e.body === 'slow'))
      const stopped = gw.stop()
      assert.equal(await s.next(), 'echo:slow')
      assert.equal((await s.closed).code, 1001)
      await stopped
      const rc = await disconnectOf(log, id)
      assert.deepEqual([rc.disconnectStatusCode, rc.disconnectReason], [1001, 'Going away'])
    } finally {
      cleanup()
    }
  })
})
