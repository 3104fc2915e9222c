// WebSocket APIs on custom domains (§1.7, §10): `wss://` on the HTTPS listener of custom domains (the SNI name
// picks the certificate, the Host the domain), `ws://` by Host on the plain listener, API mappings with and
// without a base path, `$context.domainName`/`requestContext.domainName` the custom domain, and `@connections`
// through the domain (`https://{domain}/{basePath}/@connections/{id}`) as well as the execute-api endpoint.
// Certificates are made with openssl (test/admin/domain-fixture.ts): the clients verify them.

import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { request } from 'node:https'
import WebSocket from 'ws'
import { startGateway, tempDir, writeFile, type TestGateway } from '../helpers.js'
import { makeCerts, type Certs } from '../admin/domain-fixture.js'
import { loggedEvents, openSocket, refusal, type TestSocket } from './ws-helpers.js'

const LOGGING_FN = (log: string) => `import { appendFileSync } from 'node:fs'
export const handler = async (event) => {
  appendFileSync(${JSON.stringify(log)}, JSON.stringify(event) + '\\n')
  return { statusCode: 200 }
}
`

let tmp: { dir: string; cleanup: () => void }
let certs: Certs | null = null
let skip: string | false = false
let gw: TestGateway
let httpsPort = 0
let log = ''

before(async () => {
  tmp = tempDir('gatehouse-ws-domains-')
  try {
    certs = makeCerts(tmp.dir)
  } catch (err) {
    skip = `openssl is needed to make test certificates: ${(err as Error).message}`
    return
  }
  log = join(tmp.dir, 'events.log')
  writeFile(tmp.dir, 'app.mjs', LOGGING_FN(log))
  const cert = { cert: certs.certPath, key: certs.keyPath }
  const config = writeFile(tmp.dir, 'gatehouse.yaml', {
    listeners: { https: { port: 0, host: '127.0.0.1' } },
    functionsDir: '.',
    apis: [
      {
        name: 'chat',
        id: 'chatws0001',
        type: 'websocket',
        routeSelectionExpression: '$request.body.action',
        integrations: {
          app: { integrationType: 'AWS_PROXY', integrationUri: 'arn:aws:lambda:us-east-1:000000000000:function:app' },
          whoami: {
            integrationType: 'MOCK',
            requestTemplates: { $default: '{"statusCode": 200}' },
            integrationResponses: [{ integrationResponseKey: '$default', responseTemplates: { $default: '{"id": "$context.connectionId", "domain": "$context.domainName", "stage": "$context.stage"}' } }],
          },
        },
        routes: [
          { routeKey: '$connect', target: 'app' },
          { routeKey: 'whoami', target: 'whoami', routeResponseSelectionExpression: '$default', routeResponses: [{ routeResponseKey: '$default' }] },
        ],
        stages: { prod: {}, beta: {} },
      },
    ],
    domains: [
      { domainName: 'api.example.com', certificate: cert, mappings: [{ basePath: '(none)', api: 'chat', stage: 'prod' }] },
      { domainName: 'rt.example.com', certificate: cert, mappings: [{ basePath: 'v1', api: 'chat', stage: 'beta' }] },
    ],
  })
  gw = await startGateway({ configFile: config })
  httpsPort = gw.gateway.httpsAddress!.port
})

after(async () => {
  await gw?.stop()
  tmp.cleanup()
})

/** A `wss://` client naming `name` by SNI and in the Host header, trusting the test certificate. */
function secureSocket(name: string, path: string): Promise<TestSocket> {
  return new Promise((resolve, reject) => {
    // `ws` hands the TLS options (servername, ca) to https.request.
    const tls = { servername: name, ca: certs!.cert, headers: { host: `${name}:${httpsPort}` } } as WebSocket.ClientOptions
    const ws = new WebSocket(`wss://127.0.0.1:${httpsPort}${path}`, tls)
    const queued: string[] = []
    const waiters: Array<(s: string) => void> = []
    ws.on('message', (data) => {
      const w = waiters.shift()
      if (w) w(data.toString())
      else queued.push(data.toString())
    })
    const closed = new Promise<{ code: number; reason: string }>((r) => ws.on('close', (code, reason) => r({ code, reason: reason.toString() })))
    ws.on('unexpected-response', (_req, res) => reject(Object.assign(new Error(`refused with ${res.statusCode}`), { status: res.statusCode })))
    ws.on('error', reject)
    ws.on('open', () => resolve({ ws, queued, closed, next: () => (queued.length ? Promise.resolve(queued.shift()!) : new Promise((r) => waiters.push(r))), send: (t) => ws.send(t) }))
  })
}

async function whoami(s: TestSocket): Promise<{ id: string; domain: string; stage: string }> {
  s.send(JSON.stringify({ action: 'whoami' }))
  return JSON.parse(await s.next()) as { id: string; domain: string; stage: string }
}

/** POST over HTTPS to the domain (SNI and Host), trusting the test certificate. */
function postThroughDomain(name: string, path: string, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: httpsPort, servername: name, ca: certs!.cert, method: 'POST', path, headers: { host: name, 'content-length': Buffer.byteLength(body) } }, (res) => {
      let text = ''
      res.on('data', (c: Buffer) => (text += c.toString()))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }))
    })
    req.on('error', reject)
    req.end(body)
  })
}

test('wss:// on a custom domain (SNI): the mapped stage answers, and domainName is the custom domain', async (t) => {
  if (skip) return t.skip(skip)
  const s = await secureSocket('api.example.com', '/')
  const me = await whoami(s)
  assert.deepEqual({ domain: me.domain, stage: me.stage }, { domain: 'api.example.com', stage: 'prod' })
  const connect = loggedEvents(log).find((e) => e.requestContext.connectionId === me.id && e.requestContext.eventType === 'CONNECT')
  assert.equal(connect?.requestContext.domainName, 'api.example.com')
  assert.equal(connect?.requestContext.stage, 'prod')
  // `@connections` through the domain reaches it.
  const posted = await postThroughDomain('api.example.com', `/@connections/${encodeURIComponent(me.id)}`, 'via the domain')
  assert.equal(posted.status, 200)
  assert.equal(await s.next(), 'via the domain')
  s.ws.close()
  await s.closed
})

test('the banner lists the custom domains\' wss:// URLs beside the execute-api ones', async (t) => {
  if (skip) return t.skip(skip)
  const urls = gw.gateway.urls().filter((u) => u.kind === 'WEBSOCKET')
  const of = (stage: string) => urls.find((u) => u.stage === stage)?.urls ?? []
  assert.ok(of('prod').includes(`wss://api.example.com:${httpsPort}`), JSON.stringify(urls))
  assert.ok(of('beta').includes(`wss://rt.example.com:${httpsPort}/v1`), JSON.stringify(urls))
})

test('a base path mapping: wss://rt.example.com/v1 reaches its stage; other paths are refused with 403', async (t) => {
  if (skip) return t.skip(skip)
  const s = await secureSocket('rt.example.com', '/v1')
  const me = await whoami(s)
  assert.deepEqual({ domain: me.domain, stage: me.stage }, { domain: 'rt.example.com', stage: 'beta' })
  const posted = await postThroughDomain('rt.example.com', `/v1/@connections/${encodeURIComponent(me.id)}`, 'via v1')
  assert.equal(posted.status, 200)
  assert.equal(await s.next(), 'via v1')
  // Another API stage's endpoint does not see it (AWS: GoneException).
  assert.equal((await postThroughDomain('api.example.com', `/@connections/${encodeURIComponent(me.id)}`, 'x')).status, 410)
  for (const path of ['/v2', '/v1/extra', '/beta']) {
    await assert.rejects(secureSocket('rt.example.com', path), (err: { status?: number }) => err.status === 403, path)
  }
  s.ws.close()
  await s.closed
})

test('ws:// by Host on the plain listener serves the custom domain too; the execute-api host still works', async (t) => {
  if (skip) return t.skip(skip)
  const s = await openSocket(gw.port, '/', { host: 'api.example.com' })
  const me = await whoami(s)
  assert.deepEqual({ domain: me.domain, stage: me.stage }, { domain: 'api.example.com', stage: 'prod' })
  assert.equal(await refusal(gw.port, '/prod', { host: 'api.example.com' }), 403)
  const direct = await openSocket(gw.port, '/prod', { host: `chatws0001.execute-api.localhost:${gw.port}` })
  assert.equal((await whoami(direct)).domain, 'chatws0001.execute-api.localhost')
  for (const c of [s, direct]) {
    c.ws.close()
    await c.closed
  }
})
