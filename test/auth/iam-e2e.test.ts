// AWS_IAM methods through a real gateway (docs/aws-behaviour.md §7.5, §6.1, §6.6): requests signed with
// the AWS SDK's own SigV4 signer against credentials and identity policies declared in the config file's
// identity section; every refusal with AWS's status, error type and message; the caller's identity in
// $context.identity and the proxy event; the signature kept from HTTP_PROXY backends. Time is the
// gateway's injected clock.

import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { SignatureV4 } from '@smithy/signature-v4'
import { Sha256 } from '@aws-crypto/sha256-js'
import { startGateway, startUpstream, tempDir, writeFile, type TestGateway, type Upstream } from '../helpers.js'

const API_ID = 'iamapi'
const REGION = 'eu-west-1'
const ARN_PREFIX = `arn:aws:execute-api:${REGION}:000000000000:${API_ID}`

interface Key {
  accessKeyId: string
  secretAccessKey: string
  sessionToken?: string
}
const ALICE: Key = { accessKeyId: 'AKIDALICE00000000001', secretAccessKey: 'alice/secret+key' }
const BOB: Key = { accessKeyId: 'AKIDBOB0000000000001', secretAccessKey: 'bob-secret' }
const TEMP: Key = { accessKeyId: 'ASIATEMP000000000001', secretAccessKey: 'temp-secret', sessionToken: 'FwoGZXIvYXdzE+session/token=' }
const EXPIRED: Key = { accessKeyId: 'ASIAOLD0000000000001', secretAccessKey: 'old-secret', sessionToken: 'old-session-token' }

let now = Date.UTC(2030, 5, 1, 12, 0, 0)

const mock = (template: string) => ({
  type: 'mock',
  requestTemplates: { 'application/json': '{"statusCode": 200}' },
  responses: { default: { statusCode: '200', responseTemplates: { 'application/json': template } } },
})
const echo = {
  type: 'aws_proxy',
  httpMethod: 'POST',
  uri: 'arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:echo/invocations',
}
const iam = [{ sigv4: [] }]

let upstream: Upstream
let gw: TestGateway
let tmp: { dir: string; cleanup: () => void }

before(async () => {
  upstream = await startUpstream()
  tmp = tempDir('gatehouse-iam-e2e-')
  writeFile(tmp.dir, 'echo.mjs', `export const handler = async (event) => ({ statusCode: 200, body: JSON.stringify(event) })\n`)
  writeFile(tmp.dir, 'api.json', {
    openapi: '3.0.1',
    info: { title: 'iam', version: '1' },
    components: { securitySchemes: { sigv4: { type: 'apiKey', name: 'Authorization', in: 'header', 'x-amazon-apigateway-authtype': 'awsSigv4' } } },
    paths: {
      '/whoami': {
        get: {
          security: iam,
          'x-amazon-apigateway-integration': mock(
            '{"userArn":"$context.identity.userArn","accountId":"$context.identity.accountId","caller":"$context.identity.caller","user":"$context.identity.user","accessKey":"$context.identity.accessKey"}',
          ),
        },
      },
      '/event': { post: { security: iam, 'x-amazon-apigateway-integration': echo } },
      '/items/{id}': { delete: { security: iam, 'x-amazon-apigateway-integration': mock('{"deleted":true}') } },
      '/backend/{proxy+}': {
        'x-amazon-apigateway-any-method': {
          security: iam,
          parameters: [{ name: 'proxy', in: 'path', required: true, schema: { type: 'string' } }],
          'x-amazon-apigateway-integration': {
            type: 'http_proxy',
            httpMethod: 'ANY',
            uri: `${upstream.url}/{proxy}`,
            requestParameters: { 'integration.request.path.proxy': 'method.request.path.proxy' },
          },
        },
      },
      '/open': { get: { 'x-amazon-apigateway-integration': { type: 'http_proxy', httpMethod: 'GET', uri: `${upstream.url}/open` } } },
    },
  })
  const allowAll = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'execute-api:Invoke', Resource: `${ARN_PREFIX}/dev/*` }] }
  const config = writeFile(tmp.dir, 'gatehouse.yaml', {
    apis: [{ name: 'iam', id: API_ID, type: 'rest', openapi: './api.json', stages: { dev: {} } }],
    identity: {
      region: REGION,
      credentials: [
        {
          ...ALICE,
          principalArn: 'arn:aws:iam::000000000000:user/alice',
          userId: 'AIDAALICE',
          policies: [allowAll, { Statement: { Effect: 'Deny', Action: 'execute-api:*', Resource: `${ARN_PREFIX}/*/DELETE/*` } }],
        },
        { ...BOB, principalArn: 'arn:aws:iam::000000000000:user/bob' },
        { ...TEMP, principalArn: 'arn:aws:sts::000000000000:assumed-role/Reader/s1', expiration: new Date(now + 3_600_000).toISOString(), policies: [allowAll] },
        { ...EXPIRED, principalArn: 'arn:aws:sts::000000000000:assumed-role/Reader/s0', expiration: new Date(now - 1000).toISOString(), policies: [allowAll] },
      ],
    },
  })
  gw = await startGateway({ configFile: config, functionsDir: tmp.dir }, { now: () => now })
})

after(async () => {
  await gw?.stop()
  await upstream?.close()
  tmp?.cleanup()
})

interface SignedInit {
  method?: string
  body?: string
  key?: Key
  at?: number
  region?: string
  /** Send this body instead of the signed one. */
  sendBody?: string
}

async function signedHeaders(path: string, init: SignedInit = {}): Promise<Record<string, string>> {
  const key = init.key ?? ALICE
  const signer = new SignatureV4({ service: 'execute-api', region: init.region ?? REGION, sha256: Sha256, credentials: key })
  const [p, q] = path.split('?') as [string, string | undefined]
  const headers: Record<string, string> = { host: `localhost:${gw.port}` }
  if (init.body !== undefined) headers['content-type'] = 'application/json'
  const req = await signer.sign(
    { method: init.method ?? 'GET', protocol: 'http:', hostname: 'localhost', port: gw.port, path: p, query: Object.fromEntries(new URLSearchParams(q ?? '')), headers, body: init.body },
    { signingDate: new Date(init.at ?? now) },
  )
  return req.headers
}

async function signed(path: string, init: SignedInit = {}) {
  const headers = await signedHeaders(path, init)
  const body = init.sendBody ?? init.body
  return gw.fetch(path, { method: init.method ?? 'GET', headers, ...(body !== undefined ? { body } : {}) })
}

test('a signed request with permission: 200, the identity in $context.identity', async () => {
  const res = await signed('/dev/whoami')
  assert.equal(res.status, 200, res.text)
  assert.deepEqual(res.json(), { userArn: 'arn:aws:iam::000000000000:user/alice', accountId: '000000000000', caller: 'AIDAALICE', user: 'AIDAALICE', accessKey: ALICE.accessKeyId })
})

test('the body is covered by the signature and reaches the function; the identity is in the proxy event', async () => {
  const res = await signed('/dev/event?x=1', { method: 'POST', body: '{"amount":10}' })
  assert.equal(res.status, 200, res.text)
  const event = res.json()
  assert.equal(event.body, '{"amount":10}')
  assert.equal(event.requestContext.identity.userArn, 'arn:aws:iam::000000000000:user/alice')
  assert.equal(event.requestContext.identity.accountId, '000000000000')
  assert.equal(event.requestContext.identity.accessKey, ALICE.accessKeyId)
  assert.equal(event.requestContext.identity.caller, 'AIDAALICE')
  assert.equal(event.requestContext.authorizer, undefined, 'IAM fills identity, not authorizer')

  const tampered = await signed('/dev/event', { method: 'POST', body: '{"amount":10}', sendBody: '{"amount":1000}' })
  assert.equal(tampered.status, 403)
  assert.equal(tampered.headers['x-amzn-errortype'], 'InvalidSignatureException')
})

test('a presigned URL works like a signed header', async () => {
  const signer = new SignatureV4({ service: 'execute-api', region: REGION, sha256: Sha256, credentials: ALICE })
  const req = await signer.presign(
    { method: 'GET', protocol: 'http:', hostname: 'localhost', port: gw.port, path: '/dev/whoami', query: {}, headers: { host: `localhost:${gw.port}` } },
    { signingDate: new Date(now), expiresIn: 60 },
  )
  const query = Object.entries(req.query ?? {}).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`).join('&')
  const res = await gw.fetch(`/dev/whoami?${query}`)
  assert.equal(res.status, 200, res.text)
  assert.equal(res.json().userArn, 'arn:aws:iam::000000000000:user/alice')
})

test('no signature: 403 Missing Authentication Token', async () => {
  const res = await gw.fetch('/dev/whoami')
  assert.equal(res.status, 403)
  assert.deepEqual(res.json(), { message: 'Missing Authentication Token' })
  assert.equal(res.headers['x-amzn-errortype'], 'MissingAuthenticationTokenException')
})

test('a malformed Authorization header: bare 403 IncompleteSignatureException', async () => {
  const res = await gw.fetch('/dev/whoami', { headers: { Authorization: 'AWS4-HMAC-SHA256 Credential=AKIDALICE00000000001/20300601/eu-west-1/execute-api/aws4_request', 'X-Amz-Date': '20300601T120000Z' } })
  assert.equal(res.status, 403)
  assert.equal(res.headers['x-amzn-errortype'], 'IncompleteSignatureException')
  assert.match(res.json().message, /^Authorization header requires 'Signature' parameter\. Authorization header requires 'SignedHeaders' parameter\./)
  const bearer = await gw.fetch('/dev/whoami', { headers: { Authorization: 'Bearer abc' } })
  assert.equal(bearer.status, 403)
  assert.deepEqual(bearer.json(), { message: "'abc' not a valid key=value pair (missing equal-sign) in Authorization header: 'Bearer abc'." })
})

test('a wrong secret: 403 INVALID_SIGNATURE with the canonical string AWS would have signed', async () => {
  const res = await signed('/dev/whoami', { key: { accessKeyId: ALICE.accessKeyId, secretAccessKey: 'not-her-secret' } })
  assert.equal(res.status, 403)
  assert.equal(res.headers['x-amzn-errortype'], 'InvalidSignatureException')
  assert.match(res.json().message, /^The request signature we calculated does not match the signature you provided\. .*The Canonical String for this request should have been\n'GET\n\/dev\/whoami\n/s)
})

test('a credential scoped to another region is refused', async () => {
  const res = await signed('/dev/whoami', { region: 'us-east-1' })
  assert.equal(res.status, 403)
  assert.equal(res.json().message, "Credential should be scoped to a valid region, not 'us-east-1'. ")
})

test('a signature more than 5 minutes from the gateway clock: 403 with AWS’s expiry messages', async () => {
  const old = await signed('/dev/whoami', { at: now - 6 * 60_000 })
  assert.equal(old.status, 403)
  assert.equal(old.headers['x-amzn-errortype'], 'InvalidSignatureException')
  assert.equal(old.json().message, 'Signature expired: 20300601T115400Z is now earlier than 20300601T115500Z (20300601T120000Z - 5 min.)')
  const future = await signed('/dev/whoami', { at: now + 6 * 60_000 })
  assert.equal(future.status, 403)
  assert.equal(future.json().message, 'Signature not yet current: 20300601T120600Z is still later than 20300601T120500Z (20300601T120000Z + 5 min.)')
  assert.equal((await signed('/dev/whoami', { at: now - 4 * 60_000 })).status, 200, 'within the 5 minutes')
})

test('an unknown access key: 403 "The security token included in the request is invalid."', async () => {
  const res = await signed('/dev/whoami', { key: { accessKeyId: 'AKIDNOBODY0000000001', secretAccessKey: 'x' } })
  assert.equal(res.status, 403)
  assert.deepEqual(res.json(), { message: 'The security token included in the request is invalid.' })
  assert.equal(res.headers['x-amzn-errortype'], 'UnrecognizedClientException')
})

test('temporary credentials: the session token must be sent; past their expiration they are refused', async () => {
  assert.equal((await signed('/dev/whoami', { key: TEMP })).json().userArn, 'arn:aws:sts::000000000000:assumed-role/Reader/s1')
  const noToken = await signed('/dev/whoami', { key: { accessKeyId: TEMP.accessKeyId, secretAccessKey: TEMP.secretAccessKey } })
  assert.equal(noToken.status, 403)
  assert.deepEqual(noToken.json(), { message: 'The security token included in the request is invalid.' })
  const expired = await signed('/dev/whoami', { key: EXPIRED })
  assert.equal(expired.status, 403)
  assert.deepEqual(expired.json(), { message: 'The security token included in the request is expired' })
})

test('a principal whose policies allow nothing: 403 ACCESS_DENIED naming the principal and the method ARN', async () => {
  const res = await signed('/dev/whoami', { key: BOB })
  assert.equal(res.status, 403)
  assert.equal(res.headers['x-amzn-errortype'], 'AccessDeniedException')
  assert.deepEqual(res.json(), {
    message: `User: arn:aws:iam::000000000000:user/bob is not authorized to perform: execute-api:Invoke on resource: ${ARN_PREFIX}/dev/GET/whoami`,
  })
})

test('an explicit Deny in the identity policies wins over the Allow', async () => {
  const res = await signed('/dev/items/9', { method: 'DELETE' })
  assert.equal(res.status, 403)
  assert.deepEqual(res.json(), {
    message: `User: arn:aws:iam::000000000000:user/alice is not authorized to perform: execute-api:Invoke on resource: ${ARN_PREFIX}/dev/DELETE/items/9 with an explicit deny`,
  })
})

test('an HTTP_PROXY backend never sees the SigV4 Authorization header; other Authorization headers pass', async () => {
  const res = await signed('/dev/backend/orders/1')
  assert.equal(res.status, 200, res.text)
  const seen = upstream.requests.at(-1)!
  assert.equal(seen.url, '/orders/1')
  assert.equal(seen.headers['authorization'], undefined)
  assert.ok(seen.headers['x-amz-date'], 'the rest of the request is forwarded as it came')

  const open = await gw.fetch('/dev/open', { headers: { Authorization: 'Bearer for-the-backend' } })
  assert.equal(open.status, 200)
  assert.equal(upstream.requests.at(-1)!.headers['authorization'], 'Bearer for-the-backend')
})
