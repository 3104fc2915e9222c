// The bundled example's WebSocket chat (examples/gatehouse.yaml, examples/functions/chat.mjs), driven by real
// `ws` clients: a message sent with {"action":"sendmessage"} reaches every connected client through the chat
// function's @connections calls (the real @aws-sdk/client-apigatewaymanagementapi), a client that left gets
// nothing and breaks nothing, a connection id left behind by a killed gateway is dropped at the first
// broadcast (GoneException), an unknown action gets AWS's Forbidden frame, and the page is served.

import { before, after, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { eventually, startGateway, type TestGateway } from '../helpers.js'
import { openSocket, type TestSocket } from '../websocket/ws-helpers.js'

const EXAMPLE = fileURLToPath(new URL('../../examples/gatehouse.yaml', import.meta.url))
/** Where the example's chat function keeps one file per connection (see examples/functions/chat.mjs). */
/** The temporary directory a function sees: the runtime passes it no TMPDIR, so it is the system's default. */
const FUNCTION_TMPDIR = execFileSync(process.execPath, ['-p', 'require("node:os").tmpdir()'], { env: {}, encoding: 'utf8' }).trim()
const TABLE = join(FUNCTION_TMPDIR, 'gatehouse-example-chat', 'chatsock01-production')

const say = (s: TestSocket, name: string, message: string) => s.send(JSON.stringify({ action: 'sendmessage', name, message }))

describe('the example chat (WebSocket API chat, stage production)', () => {
  let gw: TestGateway

  before(async () => {
    gw = await startGateway({ configFile: EXAMPLE })
  })

  after(async () => {
    await gw.stop()
  })

  it('broadcasts a message to every connected client, the sender included', async () => {
    const ada = await openSocket(gw.port, '/production')
    const bo = await openSocket(gw.port, '/production')
    say(ada, 'ada', 'hello, everyone')
    assert.deepEqual(JSON.parse(await ada.next()), { from: 'ada', message: 'hello, everyone' })
    assert.deepEqual(JSON.parse(await bo.next()), { from: 'ada', message: 'hello, everyone' })
    say(bo, '', 'hi ada')
    assert.deepEqual(JSON.parse(await ada.next()), { from: 'anonymous', message: 'hi ada' })
    assert.deepEqual(JSON.parse(await bo.next()), { from: 'anonymous', message: 'hi ada' })
    ada.ws.close()
    bo.ws.close()
    await Promise.all([ada.closed, bo.closed])
  })

  it('a client that left gets nothing, and the others still get every message', async () => {
    const ada = await openSocket(gw.port, '/production')
    const bo = await openSocket(gw.port, '/production')
    const cy = await openSocket(gw.port, '/production')
    bo.ws.close()
    await bo.closed
    say(ada, 'ada', 'bo has gone')
    assert.deepEqual(JSON.parse(await ada.next()), { from: 'ada', message: 'bo has gone' })
    assert.deepEqual(JSON.parse(await cy.next()), { from: 'ada', message: 'bo has gone' })
    assert.deepEqual(bo.queued, [])
    ada.ws.close()
    cy.ws.close()
    await Promise.all([ada.closed, cy.closed])
  })

  it('drops a connection id left behind (GoneException) and still delivers to the others', async () => {
    // What a gateway killed before $disconnect ran leaves: a record for a connection this gateway does not hold.
    mkdirSync(TABLE, { recursive: true })
    const stale = join(TABLE, encodeURIComponent('St4leConnecti0n='))
    writeFileSync(stale, JSON.stringify({ endpoint: `http://127.0.0.1:${gw.port}/production` }))
    const ada = await openSocket(gw.port, '/production')
    say(ada, 'ada', 'anyone there?')
    assert.deepEqual(JSON.parse(await ada.next()), { from: 'ada', message: 'anyone there?' })
    await eventually(() => !existsSync(stale), undefined, 'the stale record removed')
    ada.ws.close()
    await ada.closed
  })

  it("answers an action the API has no route for with AWS's Forbidden frame, and keeps the connection", async () => {
    const ada = await openSocket(gw.port, '/production')
    ada.send(JSON.stringify({ action: 'shout', message: 'HELLO' }))
    const frame = JSON.parse(await ada.next())
    assert.equal(frame.message, 'Forbidden')
    assert.match(frame.connectionId, /=$/)
    say(ada, 'ada', 'still here')
    assert.deepEqual(JSON.parse(await ada.next()), { from: 'ada', message: 'still here' })
    ada.ws.close()
    await ada.closed
  })

  it('serves the page to try it in a browser at GET /dev/chat', async () => {
    const page = await gw.fetch('/dev/chat')
    assert.equal(page.status, 200)
    assert.match(String(page.headers['content-type']), /^text\/html/)
    assert.match(page.text, /<title>Gatehouse chat<\/title>/)
    assert.match(page.text, /action: 'sendmessage'/)
  })
})
