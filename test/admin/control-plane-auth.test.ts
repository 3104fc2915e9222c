// Who may use the control plane: requests signed with SigV4 by the AWS SDKs are verified against
// listeners.admin.credentials (both clients, apigateway and apigatewayv2, sign as `apigateway`, any region);
// a bad signature, an unknown key and an unsigned request get AWS's errors by name; the bearer token keeps
// working beside credentials; listeners.admin.throttle answers 429 TooManyRequestsException.

import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { CreateRestApiCommand, GetRestApisCommand, TooManyRequestsException, UnauthorizedException, type APIGatewayClient } from '@aws-sdk/client-api-gateway'
import { CreateApiCommand, GetApisCommand } from '@aws-sdk/client-apigatewayv2'
import { send, startGateway, tempDir, writeFile, type TestGateway } from '../helpers.js'
import { failure, restClient, v2Client } from './control-plane.js'

const ADMIN = { accessKeyId: 'AKIDGATEHOUSEADMIN', secretAccessKey: 'admin-secret-0123456789abcdef' }
const TOKEN = 'a-bearer-token-for-scripts-0123'

/** An SDK client that sends its requests without a signature. */
function unsigned(client: APIGatewayClient): APIGatewayClient {
  type Args = { request: { headers: Record<string, string> } }
  const drop = (next: (args: Args) => Promise<unknown>) => async (args: Args) => {
    for (const h of Object.keys(args.request.headers)) if (h.toLowerCase() === 'authorization') delete args.request.headers[h]
    return next(args)
  }
  client.middlewareStack.addRelativeTo(drop as never, { relation: 'after', toMiddleware: 'httpSigningMiddleware', name: 'dropSignature' })
  return client
}

describe('control plane authentication with listeners.admin.credentials', () => {
  let tmp: ReturnType<typeof tempDir>
  let gw: TestGateway

  before(async () => {
    tmp = tempDir()
    gw = await startGateway({ configFile: writeFile(tmp.dir, 'gatehouse.yaml', { listeners: { admin: { credentials: [ADMIN], token: TOKEN } } }) })
  })
  after(async () => {
    await gw.stop()
    tmp.cleanup()
  })

  it('accepts requests the SDKs sign with the configured credentials, in any region, with bodies', async () => {
    const v1 = restClient(gw.adminPort, { credentials: ADMIN, region: 'eu-west-3' })
    const created = await v1.send(new CreateRestApiCommand({ name: 'signed', description: 'a body the signature covers' }))
    assert.ok((await v1.send(new GetRestApisCommand({}))).items!.some((a) => a.id === created.id))
    const v2 = v2Client(gw.adminPort, { credentials: ADMIN })
    const api = await v2.send(new CreateApiCommand({ Name: 'signed-http', ProtocolType: 'HTTP' }))
    assert.ok((await v2.send(new GetApisCommand({}))).Items!.some((a) => a.ApiId === api.ApiId))
  })

  it('refuses a wrong secret (InvalidSignatureException), an unknown key (UnrecognizedClientException) and an unsigned request (UnauthorizedException)', async () => {
    const badSecret = await failure(restClient(gw.adminPort, { credentials: { accessKeyId: ADMIN.accessKeyId, secretAccessKey: 'not-the-secret-0123456789' } }).send(new GetRestApisCommand({})))
    assert.deepEqual([badSecret.name, badSecret.status], ['InvalidSignatureException', 403])
    assert.match(badSecret.message, /^The request signature we calculated does not match the signature you provided/)
    const v2BadSecret = await failure(v2Client(gw.adminPort, { credentials: { accessKeyId: ADMIN.accessKeyId, secretAccessKey: 'wrong' } }).send(new GetApisCommand({})))
    assert.deepEqual([v2BadSecret.name, v2BadSecret.status], ['InvalidSignatureException', 403])
    const unknown = await failure(restClient(gw.adminPort, { credentials: { accessKeyId: 'AKIDSTRANGER', secretAccessKey: 'whatever' } }).send(new GetRestApisCommand({})))
    assert.deepEqual([unknown.name, unknown.status, unknown.message], ['UnrecognizedClientException', 403, 'The security token included in the request is invalid.'])
    const anonymous = await failure(unsigned(restClient(gw.adminPort)).send(new GetRestApisCommand({})))
    assert.ok(anonymous.error instanceof UnauthorizedException)
    assert.equal(anonymous.status, 401)
  })

  it('keeps the bearer token working beside credentials, and refuses a wrong one', async () => {
    const ok = await send(gw.adminPort, '/restapis', { headers: { authorization: `Bearer ${TOKEN}` } })
    assert.equal(ok.status, 200)
    const bad = await send(gw.adminPort, '/restapis', { headers: { authorization: 'Bearer not-the-token' } })
    assert.deepEqual([bad.status, bad.headers['x-amzn-errortype']], [403, 'ForbiddenException'])
    // Health checks need no credentials.
    assert.equal((await send(gw.adminPort, '/health')).status, 200)
  })
})

describe('control plane rate limit (listeners.admin.throttle)', () => {
  it('answers 429 TooManyRequestsException with Retry-After once the burst is spent', async () => {
    const tmp = tempDir()
    const gw = await startGateway({ configFile: writeFile(tmp.dir, 'gatehouse.yaml', { listeners: { admin: { throttle: { rateLimit: 0.01, burstLimit: 2 } } } }) })
    try {
      const client = restClient(gw.adminPort)
      await client.send(new GetRestApisCommand({}))
      await client.send(new GetRestApisCommand({}))
      const limited = await failure(client.send(new GetRestApisCommand({})))
      assert.ok(limited.error instanceof TooManyRequestsException)
      assert.equal(limited.status, 429)
      assert.equal((limited.error as TooManyRequestsException).retryAfterSeconds, '100')
    } finally {
      await gw.stop()
      tmp.cleanup()
    }
  })
})
