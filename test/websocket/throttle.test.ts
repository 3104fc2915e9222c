// Route throttling of WebSocket stages (routeSettings over defaultRouteSettings), on an injected clock: a
// message over its route's limit gets the `Too Many Requests` frame and the connection stays open; tokens
// come back with time; a `$connect` over its limit is refused with 429.

import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { startGateway, tempDir, writeFile } from '../helpers.js'
import { openSocket, refusal } from './ws-helpers.js'

describe('WebSocket route throttling', () => {
  it('throttles messages per route and $connect, with the stage default under the route settings', async () => {
    const tmp = tempDir()
    let clock = Date.parse('2026-01-01T00:00:00Z')
    const twoWay = { routeResponseSelectionExpression: '$default', routeResponses: [{ routeResponseKey: '$default' }] }
    writeFile(tmp.dir, 'gatehouse.yaml', {
      apis: [
        {
          name: 'throttled',
          type: 'websocket',
          routeSelectionExpression: '$request.body.action',
          integrations: { mock: { integrationType: 'MOCK', integrationResponses: [{ integrationResponseKey: '$default', responseTemplates: { $default: '$context.routeKey' } }] } },
          routes: [
            { routeKey: '$connect', target: 'mock' },
            { routeKey: 'ping', target: 'mock', ...twoWay },
            { routeKey: '$default', target: 'mock', ...twoWay },
          ],
          stages: {
            prod: {
              defaultRouteSettings: { throttlingBurstLimit: 100, throttlingRateLimit: 100 },
              routeSettings: { ping: { throttlingBurstLimit: 2, throttlingRateLimit: 1 }, $connect: { throttlingBurstLimit: 1, throttlingRateLimit: 0 } },
            },
          },
        },
      ],
    })
    const gw = await startGateway({ configFile: join(tmp.dir, 'gatehouse.yaml') }, { now: () => clock })
    try {
      const s = await openSocket(gw.port, '/prod')
      const ping = JSON.stringify({ action: 'ping' })
      s.send(ping)
      s.send(ping)
      s.send(ping)
      const frames = [await s.next(), await s.next(), await s.next()]
      assert.deepEqual(frames.filter((f) => f === 'ping').length, 2)
      const refused = JSON.parse(frames.find((f) => f !== 'ping')!)
      assert.equal(refused.message, 'Too Many Requests')
      assert.ok(refused.connectionId && refused.requestId)
      // Other routes keep the stage's default limits.
      s.send('hello')
      assert.equal(await s.next(), '$default')
      clock += 1000
      s.send(ping)
      assert.equal(await s.next(), 'ping')
      // $connect's one token is spent by the first connection.
      assert.equal(await refusal(gw.port, '/prod'), 429)
      s.ws.close()
      await s.closed
    } finally {
      await gw.stop()
      tmp.cleanup()
    }
  })
})
