// WebSocket APIs declared in the config file, served on the data-plane listener and driven by real `ws`
// clients and the real @aws-sdk/client-apigatewaymanagementapi: $connect (accepting, refusing with the
// function's status, failing), route selection ($request.body.action, nested paths, $default, AWS's Forbidden
// frame), two-way and one-way routes, AWS's WebSocket Lambda events, MOCK/AWS/HTTP_PROXY integrations with
// templates, @connections POST/GET/DELETE and GoneException, $disconnect once per connection, metrics and
// access logs.

import { before, after, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { connect } from 'node:net'
import { ApiGatewayManagementApiClient, DeleteConnectionCommand, GetConnectionCommand, PostToConnectionCommand, GoneException } from '@aws-sdk/client-apigatewaymanagementapi'
import { eventually, send, startGateway, startUpstream, tempDir, writeFile, type TestGateway, type Upstream } from '../helpers.js'
import { loggedEvents, openSocket, refusal } from './ws-helpers.js'
import { apiIdFor } from '../../src/controlplane/config/desired.js'

const fn = (name: string) => `arn:aws:lambda:us-east-1:000000000000:function:${name}`

function appSource(log: string): string {
  return `import { appendFileSync } from 'node:fs'
export const handler = async (event) => {
  appendFileSync(${JSON.stringify(log)}, JSON.stringify(event) + '\\n')
  const rc = event.requestContext
  if (rc.eventType === 'CONNECT') {
    const q = event.queryStringParameters || {}
    if (q.deny) return { statusCode: Number(q.deny) }
    if (q.fail) throw new Error('connect failed')
    const proto = event.headers['Sec-WebSocket-Protocol']
    return proto ? { statusCode: 200, headers: { 'Sec-WebSocket-Protocol': proto.split(',')[0].trim() } } : { statusCode: 200 }
  }
  if (rc.eventType === 'DISCONNECT') return { statusCode: 200 }
  if (rc.routeKey === 'boom') throw new Error('boom')
  if (rc.routeKey === 'event') return { statusCode: 200, body: JSON.stringify(event) }
  if (rc.routeKey === 'oneway') return { statusCode: 200, body: 'never sent' }
  return { statusCode: 200, body: 'echo:' + event.body }
}
`
}

/** Writes raw bytes to the listener (then `after` once the first answer arrives) and returns all it answers until it closes. */
function raw(port: number, head: string, after?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(head))
    let text = ''
    let sent = false
    socket.on('data', (d) => {
      text += d.toString()
      if (after !== undefined && !sent) {
        sent = true
        socket.write(after)
      }
      if (/\r\n\r\n/.test(text.replace(/^HTTP\/1\.1 100 Continue\r\n\r\n/, '')) && !/100 Continue\r\n\r\n$/.test(text)) socket.end()
    })
    socket.on('error', reject)
    socket.on('close', () => resolve(text))
  })
}

async function fetchRaw(port: number, path: string, host: string): Promise<number> {
  const res = await send(port, path, { host })
  return res.status
}

const TEMPLATE_FN = `export const handler = async (event) => ({ received: event })\n`

describe('WebSocket APIs from the config file', () => {
  let gw: TestGateway
  let tmp: ReturnType<typeof tempDir>
  let upstream: Upstream
  let log: string
  const chat = apiIdFor('websocket', 'chat')
  const nested = apiIdFor('websocket', 'nested')
  let host: string
  let nestedHost: string

  before(async () => {
    tmp = tempDir('gatehouse-ws-')
    log = join(tmp.dir, 'events.log')
    upstream = await startUpstream((req, res, body) => {
      res.writeHead(body.includes('missing') ? 404 : 200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ backend: req.method, got: body }))
    })
    writeFile(tmp.dir, 'app.mjs', appSource(log))
    writeFile(tmp.dir, 'tpl.mjs', TEMPLATE_FN)
    const twoWay = { routeResponseSelectionExpression: '$default', routeResponses: [{ routeResponseKey: '$default' }] }
    writeFile(tmp.dir, 'gatehouse.yaml', {
      functionsDir: '.',
      apis: [
        {
          name: 'chat',
          type: 'websocket',
          routeSelectionExpression: '$request.body.action',
          integrations: {
            app: { integrationType: 'AWS_PROXY', integrationUri: fn('app') },
            mock: {
              integrationType: 'MOCK',
              requestTemplates: { $default: '{"statusCode": 200}' },
              integrationResponses: [{ integrationResponseKey: '$default', responseTemplates: { $default: '{"mocked":"$context.routeKey","id":"$context.connectionId","stage":"$stageVariables.color"}' } }],
            },
            tpl: {
              integrationType: 'AWS',
              integrationUri: fn('tpl'),
              templateSelectionExpression: '${request.body.kind}',
              requestTemplates: {
                shout: '{"said": "$util.escapeJavaScript($input.path(\'$.text\')).toUpperCase()", "route": "$context.routeKey"}',
                $default: '{"said": "$input.path(\'$.text\')", "route": "$context.routeKey"}',
              },
              integrationResponses: [{ integrationResponseKey: '$default', responseTemplates: { $default: '{"from":"template","said":"$input.path(\'$.received.said\')"}' } }],
            },
            backend: { integrationType: 'HTTP_PROXY', integrationUri: `${upstream.url}/messages` },
            web: {
              integrationType: 'HTTP',
              integrationUri: '${stageVariables.backend}/templated',
              integrationMethod: 'PUT',
              requestTemplates: { $default: '{"item":"$input.path(\'$.item\')","from":"$context.connectionId"}' },
              integrationResponses: [
                { integrationResponseKey: '/4\\d\\d/', responseTemplates: { $default: '{"error":"not found","status":"$input.path(\'$.backend\')"}' } },
                { integrationResponseKey: '$default', responseTemplates: { $default: '{"ok":$input.json(\'$.got\')}' } },
              ],
            },
          },
          routes: [
            { routeKey: '$connect', target: 'app' },
            { routeKey: '$disconnect', target: 'integrations/app' },
            { routeKey: '$default', target: 'app', ...twoWay },
            { routeKey: 'event', target: 'app', ...twoWay },
            { routeKey: 'boom', target: 'app', ...twoWay },
            { routeKey: 'oneway', target: 'app' },
            { routeKey: 'mock', target: 'mock', ...twoWay },
            { routeKey: 'tpl', target: 'tpl', ...twoWay },
            { routeKey: 'http', target: 'backend', ...twoWay },
            { routeKey: 'web', target: 'web', ...twoWay },
          ],
          stages: { prod: { variables: { color: 'teal', backend: upstream.url } } },
        },
        {
          name: 'nested',
          type: 'websocket',
          routeSelectionExpression: '$request.body.meta.kind',
          integrations: { mock: { integrationType: 'MOCK', integrationResponses: [{ integrationResponseKey: '$default', responseTemplates: { $default: '{"matched":"$context.routeKey"}' } }] } },
          routes: [{ routeKey: 'ping', target: 'mock', ...twoWay }],
          stages: {
            live: { accessLogSettings: { format: '$context.eventType $context.routeKey $context.connectionId $context.messageId $context.status' } },
          },
        },
      ],
    })
    gw = await startGateway({ configFile: join(tmp.dir, 'gatehouse.yaml') })
    host = `${chat}.execute-api.localhost:${gw.port}`
    nestedHost = `${nested}.execute-api.localhost:${gw.port}`
  })

  after(async () => {
    await gw.stop()
    await upstream.close()
    tmp.cleanup()
  })

  it('routes by $request.body.action, falls back to $default for non-JSON and unknown actions, and answers only on two-way routes', async () => {
    const s = await openSocket(gw.port, '/prod', { host })
    s.send('not json at all')
    assert.equal(await s.next(), 'echo:not json at all')
    s.send(JSON.stringify({ action: 'nobody' }))
    assert.equal(await s.next(), 'echo:{"action":"nobody"}')
    // A one-way route's answer is dropped: the next frame is the echo that follows it.
    s.send(JSON.stringify({ action: 'oneway' }))
    s.send('after')
    assert.equal(await s.next(), 'echo:after')
    s.ws.close()
    await s.closed
  })

  it("sends AWS's WebSocket events to functions: CONNECT with headers and query, MESSAGE with the body, DISCONNECT with the close code", async () => {
    const s = await openSocket(gw.port, '/prod?room=blue&room=red', { host, headers: { 'User-Agent': 'ws-test/1' } })
    s.send(JSON.stringify({ action: 'event', n: 1 }))
    const msg = JSON.parse(await s.next())
    const rc = msg.requestContext
    assert.equal(msg.body, '{"action":"event","n":1}')
    assert.equal(msg.isBase64Encoded, false)
    assert.equal(msg.headers, undefined)
    assert.deepEqual(
      [rc.routeKey, rc.eventType, rc.messageDirection, rc.stage, rc.apiId, rc.domainName, rc.identity.sourceIp, rc.identity.userAgent],
      ['event', 'MESSAGE', 'IN', 'prod', chat, host.replace(/:\d+$/, ''), '127.0.0.1', 'ws-test/1'],
    )
    assert.match(rc.connectionId, /^[A-Za-z0-9_-]{15}=$/)
    assert.match(rc.messageId, /^\S{15}=$/)
    assert.equal(rc.requestId, rc.extendedRequestId)
    assert.match(rc.requestTime, /^\d\d\/[A-Z][a-z]{2}\/\d{4}:\d\d:\d\d:\d\d \+0000$/)
    assert.equal(typeof rc.connectedAt, 'number')
    assert.equal(typeof rc.requestTimeEpoch, 'number')
    s.ws.close(4000, 'bye now')
    await s.closed
    await eventually(() => loggedEvents(log).some((e) => e.requestContext.connectionId === rc.connectionId && e.requestContext.eventType === 'DISCONNECT'))
    const mine = loggedEvents(log).filter((e) => e.requestContext.connectionId === rc.connectionId)
    const connect = mine.find((e) => e.requestContext.eventType === 'CONNECT')!
    assert.equal(connect.requestContext.routeKey, '$connect')
    assert.deepEqual(connect.queryStringParameters, { room: 'red' })
    assert.deepEqual(connect.multiValueQueryStringParameters, { room: ['blue', 'red'] })
    assert.equal(connect.headers['User-Agent'], 'ws-test/1')
    assert.deepEqual(connect.multiValueHeaders['User-Agent'], ['ws-test/1'])
    assert.equal(connect.requestContext.messageId, undefined)
    const disconnects = mine.filter((e) => e.requestContext.eventType === 'DISCONNECT')
    assert.equal(disconnects.length, 1)
    assert.equal(disconnects[0]!.requestContext.disconnectStatusCode, 4000)
    assert.equal(disconnects[0]!.requestContext.disconnectReason, 'bye now')
    assert.equal(disconnects[0]!.requestContext.routeKey, '$disconnect')
  })

  it('refuses the upgrade with the status $connect answers, 500 when it fails, 403 for an unknown API or stage', async () => {
    assert.equal(await refusal(gw.port, '/prod?deny=401', { host }), 401)
    assert.equal(await refusal(gw.port, '/prod?deny=429', { host }), 429)
    assert.equal(await refusal(gw.port, '/prod?fail=1', { host }), 500)
    assert.equal(await refusal(gw.port, '/nostage', { host }), 403)
    assert.equal(await refusal(gw.port, '/%E0%A4%A', { host }), 403)
    assert.equal(await refusal(gw.port, '/prod', { host: `nosuchapi0.execute-api.localhost:${gw.port}` }), 403)
  })

  it('refuses a malformed handshake with 400 before $connect runs', async () => {
    const before = loggedEvents(log).length
    const answer = await raw(gw.port, `GET /prod HTTP/1.1\r\nHost: ${host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n`)
    assert.match(answer, /^HTTP\/1\.1 400 /)
    assert.equal(loggedEvents(log).length, before)
  })

  it('answers a bad connection id in @connections with 400 BadRequestException, and a malformed stage with the HTTP answer', async () => {
    const bad = await raw(gw.port, `GET /prod/@connections/%E0%A4%A HTTP/1.1\r\nHost: ${host}\r\n\r\n`)
    assert.match(bad, /^HTTP\/1\.1 400 Bad Request\r\n/)
    assert.match(bad, /x-amzn-ErrorType: BadRequestException/i)
    const stage = await raw(gw.port, `GET /%E0%A4%A/@connections/x HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`)
    assert.match(stage, /^HTTP\/1\.1 4\d\d /)
  })

  it('answers `100 Continue` to an @connections request that expects it', async () => {
    const answer = await raw(gw.port, `POST /prod/@connections/AAAAAAAAAAAAAAA%3D HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n`, 'hi')
    assert.match(answer, /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 410 Gone\r\n/)
    assert.match(answer, /x-amzn-ErrorType: GoneException/i)
  })

  it('echoes the subprotocol $connect chose', async () => {
    const s = await openSocket(gw.port, '/prod', { host, protocols: ['chat.v2', 'chat.v1'] })
    assert.equal(s.ws.protocol, 'chat.v2')
    s.ws.close()
    await s.closed
  })

  it("answers AWS's Forbidden frame when no route matches and there is no $default, and keeps the connection open", async () => {
    const s = await openSocket(gw.port, '/live', { host: nestedHost })
    s.send(JSON.stringify({ meta: { kind: 'pong' } }))
    const frame = JSON.parse(await s.next())
    assert.equal(frame.message, 'Forbidden')
    assert.match(frame.connectionId, /=$/)
    assert.ok(frame.requestId)
    s.send('not json')
    assert.equal(JSON.parse(await s.next()).message, 'Forbidden')
    s.send(JSON.stringify({ meta: { kind: 'ping' } }))
    assert.deepEqual(JSON.parse(await s.next()), { matched: 'ping' })
    s.ws.close()
    await s.closed
    await eventually(() => gw.accessLog.some((l) => l.startsWith(`DISCONNECT $disconnect ${frame.connectionId} -`)))
    assert.ok(gw.accessLog.some((l) => l.startsWith(`CONNECT $connect ${frame.connectionId} - 200`)))
    assert.ok(gw.accessLog.some((l) => new RegExp(`^MESSAGE ping ${frame.connectionId.replace(/[=]/g, '\\=')} \\S+= 200$`).test(l)))
  })

  it("answers AWS's Internal server error frame when the integration fails", async () => {
    const s = await openSocket(gw.port, '/prod', { host })
    s.send(JSON.stringify({ action: 'boom' }))
    const frame = JSON.parse(await s.next())
    assert.equal(frame.message, 'Internal server error')
    assert.ok(frame.connectionId && frame.requestId)
    s.send('still open')
    assert.equal(await s.next(), 'echo:still open')
    s.ws.close()
    await s.closed
  })

  it('runs MOCK and AWS (non-proxy) integrations with request templates picked by templateSelectionExpression and integration responses', async () => {
    const s = await openSocket(gw.port, '/prod', { host })
    s.send(JSON.stringify({ action: 'mock' }))
    const mocked = JSON.parse(await s.next())
    assert.equal(mocked.mocked, 'mock')
    assert.equal(mocked.stage, 'teal')
    assert.match(mocked.id, /=$/)
    s.send(JSON.stringify({ action: 'tpl', kind: 'shout', text: 'hello' }))
    assert.deepEqual(JSON.parse(await s.next()), { from: 'template', said: 'HELLO' })
    s.send(JSON.stringify({ action: 'tpl', kind: 'other', text: 'quiet' }))
    assert.deepEqual(JSON.parse(await s.next()), { from: 'template', said: 'quiet' })
    s.ws.close()
    await s.closed
  })

  it('POSTs each message to an HTTP_PROXY backend and sends its answer back', async () => {
    const s = await openSocket(gw.port, '/prod', { host })
    s.send(JSON.stringify({ action: 'http', x: 1 }))
    assert.deepEqual(JSON.parse(await s.next()), { backend: 'POST', got: '{"action":"http","x":1}' })
    assert.equal(upstream.requests.at(-1)!.url, '/messages')
    s.ws.close()
    await s.closed
  })

  it('sends an HTTP integration the request template and picks the integration response by the backend status', async () => {
    const s = await openSocket(gw.port, '/prod', { host })
    s.send(JSON.stringify({ action: 'web', item: 'apple' }))
    const ok = JSON.parse(await s.next())
    assert.equal(JSON.parse(ok.ok).item, 'apple')
    assert.match(JSON.parse(ok.ok).from, /=$/)
    const last = upstream.requests.at(-1)!
    assert.deepEqual([last.method, last.url], ['PUT', '/templated'])
    s.send(JSON.stringify({ action: 'web', item: 'missing' }))
    assert.deepEqual(JSON.parse(await s.next()), { error: 'not found', status: 'PUT' })
    s.ws.close()
    await s.closed
  })

  it('serves @connections to the real management API client: PostToConnection, GetConnection, DeleteConnection, GoneException', async () => {
    const s = await openSocket(gw.port, '/prod', { host, headers: { 'User-Agent': 'mgmt-test' } })
    s.send(JSON.stringify({ action: 'event' }))
    const id = JSON.parse(await s.next()).requestContext.connectionId as string
    // The bare host serves the default WebSocket API? Two are declared: name the API in the host, as AWS does.
    const client = new ApiGatewayManagementApiClient({
      endpoint: `http://${chat}.execute-api.localhost:${gw.port}/prod`,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    })
    client.middlewareStack.add((next) => (args) => {
      // execute-api.localhost does not resolve everywhere: connect to 127.0.0.1, keep the Host.
      const req = (args as { request: { hostname: string; headers: Record<string, string> } }).request
      req.headers.host = `${chat}.execute-api.localhost:${gw.port}`
      req.hostname = '127.0.0.1'
      return next(args)
    }, { step: 'finalizeRequest', name: 'toLoopback' })
    await client.send(new PostToConnectionCommand({ ConnectionId: id, Data: Buffer.from('pushed from the backend') }))
    assert.equal(await s.next(), 'pushed from the backend')
    const info = await client.send(new GetConnectionCommand({ ConnectionId: id }))
    assert.ok(info.ConnectedAt instanceof Date)
    assert.ok(info.LastActiveAt instanceof Date)
    assert.equal(info.Identity?.SourceIp, '127.0.0.1')
    assert.equal(info.Identity?.UserAgent, 'mgmt-test')
    // Another API's @connections does not see this connection.
    const other = await fetchRaw(gw.port, `/live/@connections/${encodeURIComponent(id)}`, nestedHost)
    assert.equal(other, 410)
    await client.send(new DeleteConnectionCommand({ ConnectionId: id }))
    const closed = await s.closed
    assert.equal(closed.code, 1000)
    await assert.rejects(client.send(new PostToConnectionCommand({ ConnectionId: id, Data: Buffer.from('x') })), (err: unknown) => err instanceof GoneException && (err as GoneException).$metadata.httpStatusCode === 410)
    await assert.rejects(client.send(new GetConnectionCommand({ ConnectionId: 'AAAAAAAAAAAAAAA=' })), GoneException)
    await assert.rejects(client.send(new DeleteConnectionCommand({ ConnectionId: id })), GoneException)
    await eventually(() => loggedEvents(log).some((e) => e.requestContext.connectionId === id && e.requestContext.eventType === 'DISCONNECT'))
    const disconnect = loggedEvents(log).filter((e) => e.requestContext.connectionId === id && e.requestContext.eventType === 'DISCONNECT')
    assert.equal(disconnect.length, 1)
    assert.equal(disconnect[0]!.requestContext.disconnectStatusCode, 1000)
    client.destroy()
  })

  it('closes with 1003 on a binary frame', async () => {
    const s = await openSocket(gw.port, '/prod', { host })
    s.send(Buffer.from([1, 2, 3]), true)
    assert.equal((await s.closed).code, 1003)
  })

  it('lists each WebSocket stage with its ws:// URL and @connections endpoint in the served URLs', () => {
    const served = gw.gateway.urls().filter((u) => u.kind === 'WEBSOCKET')
    assert.deepEqual(
      served.map((u) => [u.apiName, u.stage, u.urls]).sort(),
      [
        ['chat', 'prod', [`ws://${chat}.execute-api.localhost:${gw.port}/prod`, `http://${chat}.execute-api.localhost:${gw.port}/prod/@connections`]],
        ['nested', 'live', [`ws://${nested}.execute-api.localhost:${gw.port}/live`, `http://${nested}.execute-api.localhost:${gw.port}/live/@connections`]],
      ],
    )
  })

  it("counts AWS's WebSocket metrics per route", async () => {
    const text = await gw.gateway.metrics.text()
    const line = (name: string, route: string) => new RegExp(`^${name}\\{[^}]*api_id="${chat}",stage="prod",route="${route.replace('$', '\\$')}"\\} (\\d+)$`, 'm').exec(text)?.[1]
    assert.ok(Number(line('apigateway_ConnectCount', '$connect')) >= 5)
    assert.ok(Number(line('apigateway_MessageCount', '$default')) >= 4)
    assert.ok(Number(line('apigateway_ExecutionError', 'boom')) >= 1)
    assert.ok(Number(line('apigateway_IntegrationError', '$connect')) >= 2)
    assert.match(text, new RegExp(`apigateway_ClientError\\{[^}]*api_id="${nested}",stage="live",route="-"\\} [1-9]`))
    assert.match(text, /apigateway_IntegrationLatency_count\{[^}]*route="event"\} [1-9]/)
  })
})
