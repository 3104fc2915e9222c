// `@connections` signed with SigV4 against the identities the config declares (execute-api:ManageConnections
// in the principal's policies), refused when unsigned, badly signed or not allowed; and `wss://` when the
// data-plane listener is TLS.

import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { networkInterfaces } from 'node:os'
import { join } from 'node:path'
import WebSocket from 'ws'
import { ApiGatewayManagementApiClient, ForbiddenException, PostToConnectionCommand, GetConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi'
import { request } from 'undici'
import { startGateway, tempDir, writeFile, type TestGateway } from '../helpers.js'
import { openSocket } from './ws-helpers.js'

const ID_FN = `export const handler = async (event) => ({ statusCode: 200, body: event.requestContext.connectionId })\n`
const twoWay = { routeResponseSelectionExpression: '$default', routeResponses: [{ routeResponseKey: '$default' }] }

function api(name: string) {
  return {
    name,
    id: name,
    type: 'websocket',
    routeSelectionExpression: '$request.body.action',
    integrations: { id: { integrationType: 'AWS_PROXY', integrationUri: 'id' } },
    routes: [{ routeKey: '$default', target: 'id', ...twoWay }],
    stages: { prod: {} },
  }
}

function managementClient(port: number, key: { accessKeyId: string; secretAccessKey: string }): ApiGatewayManagementApiClient {
  return new ApiGatewayManagementApiClient({ endpoint: `http://127.0.0.1:${port}/prod`, region: 'eu-west-1', credentials: key, maxAttempts: 1 })
}

describe('@connections with declared identities', () => {
  let gw: TestGateway
  let tmp: ReturnType<typeof tempDir>
  const ADMIN = { accessKeyId: 'AKIAWSADMIN00001', secretAccessKey: 'admin-secret' }
  const READER = { accessKeyId: 'AKIAWSREADER0001', secretAccessKey: 'reader-secret' }

  before(async () => {
    tmp = tempDir()
    writeFile(tmp.dir, 'id.mjs', ID_FN)
    writeFile(tmp.dir, 'gatehouse.yaml', {
      functionsDir: '.',
      apis: [api('wsiam')],
      identity: {
        region: 'eu-west-1',
        credentials: [
          { ...ADMIN, principalArn: 'arn:aws:iam::000000000000:user/admin', policies: [{ Statement: [{ Effect: 'Allow', Action: 'execute-api:ManageConnections', Resource: 'arn:aws:execute-api:*:*:wsiam/prod/*/@connections/*' }] }] },
          { ...READER, principalArn: 'arn:aws:iam::000000000000:user/reader', policies: [{ Statement: [{ Effect: 'Allow', Action: 'execute-api:ManageConnections', Resource: 'arn:aws:execute-api:*:*:wsiam/prod/GET/@connections/*' }] }] },
        ],
      },
    })
    gw = await startGateway({ configFile: join(tmp.dir, 'gatehouse.yaml') })
  })
  after(async () => {
    await gw.stop()
    tmp.cleanup()
  })

  it('admits a signed request whose principal may ManageConnections, and refuses the others with 403 ForbiddenException', async () => {
    const s = await openSocket(gw.port, '/prod')
    s.send('who am i')
    const id = await s.next()
    const admin = managementClient(gw.port, ADMIN)
    await admin.send(new PostToConnectionCommand({ ConnectionId: id, Data: Buffer.from('signed and allowed') }))
    assert.equal(await s.next(), 'signed and allowed')

    const reader = managementClient(gw.port, READER)
    assert.ok((await reader.send(new GetConnectionCommand({ ConnectionId: id }))).ConnectedAt)
    await assert.rejects(reader.send(new PostToConnectionCommand({ ConnectionId: id, Data: Buffer.from('x') })), (err: unknown) => err instanceof ForbiddenException && /not authorized to perform: execute-api:ManageConnections/.test((err as Error).message))

    const forged = managementClient(gw.port, { accessKeyId: ADMIN.accessKeyId, secretAccessKey: 'wrong' })
    await assert.rejects(forged.send(new PostToConnectionCommand({ ConnectionId: id, Data: Buffer.from('x') })), ForbiddenException)

    const unsigned = await request(`http://127.0.0.1:${gw.port}/prod/@connections/${encodeURIComponent(id)}`, { method: 'POST', body: 'x' })
    assert.equal(unsigned.statusCode, 403)
    assert.equal(unsigned.headers['x-amzn-errortype'], 'ForbiddenException')
    await unsigned.body.text()
    admin.destroy()
    reader.destroy()
    forged.destroy()
    s.ws.close()
    await s.closed
  })
})

describe('wss:// on a TLS listener', () => {
  let gw: TestGateway
  let tmp: ReturnType<typeof tempDir>

  before(async () => {
    tmp = tempDir()
    const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: tmp.dir, stdio: 'ignore' })
    writeFile(tmp.dir, 'server.ext', 'subjectAltName=DNS:localhost,DNS:*.execute-api.localhost,IP:127.0.0.1\n')
    openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.pem', '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1')
    writeFile(tmp.dir, 'id.mjs', ID_FN)
    writeFile(tmp.dir, 'gatehouse.yaml', { functionsDir: '.', listeners: { http: { tls: { cert: 'server.pem', key: 'server.key' } } }, apis: [api('wstls')] })
    gw = await startGateway({ configFile: join(tmp.dir, 'gatehouse.yaml') })
  })
  after(async () => {
    await gw.stop()
    tmp.cleanup()
  })

  it('upgrades over TLS at the same URL forms', async () => {
    const ws = new WebSocket(`wss://127.0.0.1:${gw.port}/prod`, { headers: { host: `wstls.execute-api.localhost:${gw.port}` }, rejectUnauthorized: false })
    const frame = await new Promise<string>((resolve, reject) => {
      ws.on('open', () => ws.send('hello'))
      ws.on('message', (d) => resolve(d.toString()))
      ws.on('error', reject)
    })
    assert.match(frame, /^[A-Za-z0-9_-]{15}=$/)
    ws.close()
    await new Promise((r) => ws.on('close', r))
  })
})

describe('@connections without declared identities', () => {
  const outside = Object.values(networkInterfaces())
    .flat()
    .find((i) => i !== undefined && !i.internal && i.family === 'IPv4')?.address

  it('is open to loopback callers and refused with 403 to others', { skip: outside === undefined ? 'no non-loopback IPv4 address on this machine' : false }, async () => {
    const tmp = tempDir()
    writeFile(tmp.dir, 'id.mjs', ID_FN)
    writeFile(tmp.dir, 'gatehouse.yaml', { functionsDir: '.', apis: [api('wsopen')] })
    const gw = await startGateway({ configFile: join(tmp.dir, 'gatehouse.yaml') }, { host: '0.0.0.0' })
    try {
      const s = await openSocket(gw.port, '/prod')
      s.send('id')
      const id = encodeURIComponent(await s.next())
      const fromOutside = await request(`http://${outside}:${gw.port}/prod/@connections/${id}`, { method: 'POST', body: 'from outside' })
      assert.equal(fromOutside.statusCode, 403)
      assert.equal(fromOutside.headers['x-amzn-errortype'], 'ForbiddenException')
      await fromOutside.body.text()
      const fromLoopback = await request(`http://127.0.0.1:${gw.port}/prod/@connections/${id}`, { method: 'POST', body: 'from loopback' })
      assert.equal(fromLoopback.statusCode, 200)
      await fromLoopback.body.text()
      assert.equal(await s.next(), 'from loopback')
      s.ws.close()
      await s.closed
    } finally {
      await gw.stop()
      tmp.cleanup()
    }
  })
})
