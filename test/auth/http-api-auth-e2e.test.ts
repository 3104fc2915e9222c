// HTTP API authorization through a real gateway (docs/aws-behaviour.md §3.6–§3.8, §3.10, §4.3): JWT
// authorizers against a real OpenID provider (401/403 with www-authenticate, route scopes, claims for
// payload 2.0, payload 1.0 and parameter mappings), Lambda REQUEST authorizers with payload 2.0 simple
// responses and payload 1.0 policies (identity sources, caching on the injected clock, context shapes),
// and AWS_IAM routes signed with the AWS SDK's signer. Error bodies are HTTP APIs' Title Case ones.

import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { SignatureV4 } from '@smithy/signature-v4'
import { Sha256 } from '@aws-crypto/sha256-js'
import { startGateway, startUpstream, tempDir, writeFile, type TestGateway, type Upstream } from '../helpers.js'
import { API_AUDIENCE, startIdp, type Idp } from './jwt-idp.js'

const API_ID = 'httpauth'
const ARN_PREFIX = `arn:aws:execute-api:us-east-1:000000000000:${API_ID}`
const ALICE = { accessKeyId: 'AKIDHTTPALICE0000001', secretAccessKey: 'alice-http-secret' }
const BOB = { accessKeyId: 'AKIDHTTPBOB000000001', secretAccessKey: 'bob-http-secret' }

const fnUri = (name: string) => `arn:aws:lambda:us-east-1:000000000000:function:${name}`

const HANDLERS: Record<string, string> = {
  'echo.mjs': `export const handler = async (event) => ({ statusCode: 200, body: JSON.stringify(event) })\n`,
  'simple-auth.mjs': `let calls = 0
export const handler = async (event) => {
  calls++
  const token = (event.identitySource ?? [])[0] ?? ''
  if (token === 'boom') throw new Error('boom')
  if (token === 'unauthorized') throw new Error('Unauthorized')
  if (token === 'garbage') return { isAuthorized: 'yes' }
  return {
    isAuthorized: token === '' || token.startsWith('ok'),
    context: { calls, user: 'u-' + token, n: 7, flag: true, list: [1, 2], obj: { a: 'b' }, type: event.type, routeArn: event.routeArn, version: event.version, identitySource: event.identitySource, hasBody: 'body' in event, routeKey: event.routeKey },
  }
}
`,
  'policy-auth.mjs': `export const handler = async (event) => {
  const token = event.authorizationToken
  const effect = token.startsWith('allow') ? 'Allow' : 'Deny'
  return {
    principalId: 'p-' + token,
    policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: effect, Resource: event.methodArn }] },
    context: { methodArn: event.methodArn, version: event.version, type: event.type, identitySource: event.identitySource, count: 3 },
  }
}
`,
}

let idp: Idp & { close(): Promise<void> }
let upstream: Upstream
let gw: TestGateway
let tmp: { dir: string; cleanup: () => void }
let offset = 0

function lambda(name: string, payloadFormatVersion: '1.0' | '2.0') {
  return { type: 'aws_proxy', httpMethod: 'POST', uri: fnUri(name), payloadFormatVersion }
}

function route(security: unknown, integration: unknown) {
  return { get: { security, 'x-amazon-apigateway-integration': integration } }
}

before(async () => {
  idp = await startIdp()
  upstream = await startUpstream()
  tmp = tempDir('gatehouse-http-auth-e2e-')
  for (const [file, source] of Object.entries(HANDLERS)) writeFile(tmp.dir, file, source)
  writeFile(tmp.dir, 'api.json', {
    openapi: '3.0.1',
    info: { title: 'http-auth', version: '1' },
    'x-amazon-apigateway-importexport-version': '1.0',
    components: {
      securitySchemes: {
        jwt: {
          type: 'oauth2',
          flows: {},
          'x-amazon-apigateway-authorizer': { type: 'jwt', identitySource: '$request.header.Authorization', jwtConfiguration: { issuer: idp.issuer, audience: [API_AUDIENCE] } },
        },
        simple: {
          type: 'apiKey',
          name: 'X-Token',
          in: 'header',
          'x-amazon-apigateway-authorizer': {
            type: 'request',
            authorizerUri: fnUri('simple-auth'),
            authorizerPayloadFormatVersion: '2.0',
            enableSimpleResponses: true,
            identitySource: '$request.header.X-Token',
            authorizerResultTtlInSeconds: 300,
          },
        },
        anyone: {
          type: 'apiKey',
          name: 'X-Nothing',
          in: 'header',
          'x-amazon-apigateway-authorizer': { type: 'request', authorizerUri: fnUri('simple-auth'), authorizerPayloadFormatVersion: '2.0', enableSimpleResponses: true },
        },
        policy: {
          type: 'apiKey',
          name: 'X-Token',
          in: 'header',
          'x-amazon-apigateway-authorizer': {
            type: 'request',
            authorizerUri: fnUri('policy-auth'),
            authorizerPayloadFormatVersion: '1.0',
            identitySource: '$request.header.X-Token',
            authorizerResultTtlInSeconds: 0,
          },
        },
        sigv4: { type: 'apiKey', name: 'Authorization', in: 'header', 'x-amazon-apigateway-authtype': 'awsSigv4' },
      },
    },
    paths: {
      '/jwt/v2': route([{ jwt: [] }], lambda('echo', '2.0')),
      '/jwt/v1': route([{ jwt: [] }], lambda('echo', '1.0')),
      '/jwt/scoped': route([{ jwt: ['admin'] }], lambda('echo', '2.0')),
      '/jwt/mapped': route([{ jwt: [] }], {
        type: 'http_proxy',
        httpMethod: 'GET',
        uri: `${upstream.url}/mapped`,
        payloadFormatVersion: '1.0',
        requestParameters: { 'append:header.x-client': '$context.authorizer.claims.client_id' },
      }),
      '/lambda/simple': route([{ simple: [] }], lambda('echo', '2.0')),
      '/lambda/simple-v1': route([{ simple: [] }], lambda('echo', '1.0')),
      '/lambda/anyone': route([{ anyone: [] }], lambda('echo', '2.0')),
      '/lambda/policy': route([{ policy: [] }], lambda('echo', '2.0')),
      '/iam': route([{ sigv4: [] }], lambda('echo', '2.0')),
      '/iam/v1': route([{ sigv4: [] }], lambda('echo', '1.0')),
    },
  })
  const config = writeFile(tmp.dir, 'gatehouse.yaml', {
    apis: [{ name: 'http-auth', id: API_ID, type: 'http', openapi: './api.json', stages: { dev: {} } }],
    identity: {
      credentials: [
        { ...ALICE, principalArn: 'arn:aws:iam::000000000000:user/alice', userId: 'AIDAALICE', policies: [{ Statement: [{ Effect: 'Allow', Action: 'execute-api:Invoke', Resource: `${ARN_PREFIX}/*` }] }] },
        { ...BOB, principalArn: 'arn:aws:iam::000000000000:user/bob' },
      ],
    },
  })
  gw = await startGateway({ configFile: config, functionsDir: tmp.dir }, { now: () => Date.now() + offset })
})

after(async () => {
  await gw?.stop()
  await idp?.close()
  await upstream?.close()
  tmp?.cleanup()
})

const bearer = (token: string) => ({ headers: { Authorization: `Bearer ${token}` } })
const xToken = (token: string) => ({ headers: { 'X-Token': token } })

test('JWT: no token is 401 {"message":"Unauthorized"} with a www-authenticate challenge and no AWS error type', async () => {
  const res = await gw.fetch('/dev/jwt/v2')
  assert.equal(res.status, 401)
  assert.deepEqual(res.json(), { message: 'Unauthorized' })
  assert.equal(res.headers['www-authenticate'], 'Bearer scope="" error="invalid_token" error_description="the token is missing"')
  assert.equal(res.headers['x-amzn-errortype'], undefined)
  assert.ok(res.headers['apigw-requestid'])
})

test('JWT: a token for another audience is 401 naming the audience', async () => {
  const other = await idp.accessToken({ resource: 'https://rs512.example' })
  const res = await gw.fetch('/dev/jwt/v2', bearer(other))
  assert.equal(res.status, 401)
  assert.match(String(res.headers['www-authenticate']), /error_description="the token does not have a valid audience"/)
})

test('JWT: a valid token reaches a payload 2.0 function as requestContext.authorizer.jwt {claims, scopes}', async () => {
  const res = await gw.fetch('/dev/jwt/v2', bearer(await idp.accessToken({ scope: 'read write' })))
  assert.equal(res.status, 200, res.text)
  const jwt = res.json().requestContext.authorizer.jwt
  assert.equal(jwt.claims.client_id, 'svc')
  assert.equal(jwt.claims.aud, API_AUDIENCE)
  assert.equal(jwt.claims.iss, idp.issuer)
  assert.match(jwt.claims.exp, /^\d+$/, 'numeric claims arrive as text')
  assert.deepEqual(jwt.scopes, ['read', 'write'])
})

test('JWT: a payload 1.0 function gets requestContext.authorizer {claims, scopes}', async () => {
  const res = await gw.fetch('/dev/jwt/v1', bearer(await idp.accessToken({ scope: 'read' })))
  assert.equal(res.status, 200, res.text)
  const authorizer = res.json().requestContext.authorizer
  assert.equal(authorizer.claims.client_id, 'svc')
  assert.deepEqual(authorizer.scopes, ['read'])
})

test('JWT: a route scope the token lacks is 403 {"message":"Forbidden"} with insufficient_scope', async () => {
  const res = await gw.fetch('/dev/jwt/scoped', bearer(await idp.accessToken({ scope: 'read' })))
  assert.equal(res.status, 403)
  assert.deepEqual(res.json(), { message: 'Forbidden' })
  assert.equal(res.headers['www-authenticate'], 'Bearer scope="admin" error="insufficient_scope" error_description="the token does not have a required scope"')
  assert.equal((await gw.fetch('/dev/jwt/scoped', bearer(await idp.accessToken({ scope: 'admin' })))).status, 200)
})

test('JWT: $context.authorizer.claims.x feeds a parameter mapping', async () => {
  const res = await gw.fetch('/dev/jwt/mapped', bearer(await idp.accessToken()))
  assert.equal(res.status, 200, res.text)
  assert.equal(upstream.requests.at(-1)!.headers['x-client'], 'svc')
})

test('Lambda 2.0 simple response: the event, and the context under authorizer.lambda with its JSON types', async () => {
  const res = await gw.fetch('/dev/lambda/simple?q=1', xToken('ok-event'))
  assert.equal(res.status, 200, res.text)
  const lambdaContext = res.json().requestContext.authorizer.lambda
  assert.equal(lambdaContext.user, 'u-ok-event')
  assert.equal(lambdaContext.n, 7)
  assert.equal(lambdaContext.flag, true)
  assert.deepEqual(lambdaContext.list, [1, 2])
  assert.deepEqual(lambdaContext.obj, { a: 'b' })
  assert.equal(lambdaContext.type, 'REQUEST')
  assert.equal(lambdaContext.version, '2.0')
  assert.equal(lambdaContext.routeArn, `${ARN_PREFIX}/dev/GET/lambda/simple`)
  assert.deepEqual(lambdaContext.identitySource, ['ok-event'])
  assert.equal(lambdaContext.routeKey, 'GET /lambda/simple')
  assert.equal(lambdaContext.hasBody, false)
})

test('Lambda: a payload 1.0 integration sees the context flat in requestContext.authorizer', async () => {
  const res = await gw.fetch('/dev/lambda/simple-v1', xToken('ok-flat'))
  assert.equal(res.status, 200, res.text)
  const authorizer = res.json().requestContext.authorizer
  assert.equal(authorizer.user, 'u-ok-flat')
  assert.equal(authorizer.n, 7)
  assert.equal(typeof authorizer.integrationLatency, 'number')
})

test('Lambda: a missing identity source is 401 without invoking; isAuthorized false is 403 Forbidden', async () => {
  const calls = async (token: string) => (await gw.fetch('/dev/lambda/simple', xToken(token))).json().requestContext.authorizer.lambda.calls as number
  const before = await calls('ok-count-1')
  for (const init of [{}, xToken('')]) {
    const missing = await gw.fetch('/dev/lambda/simple', init)
    assert.equal(missing.status, 401)
    assert.deepEqual(missing.json(), { message: 'Unauthorized' })
  }
  assert.equal(await calls('ok-count-2'), before + 1, 'the 401s invoked nothing')
  const denied = await gw.fetch('/dev/lambda/simple', xToken('nope'))
  assert.equal(denied.status, 403)
  assert.deepEqual(denied.json(), { message: 'Forbidden' })
  assert.equal(denied.headers['x-amzn-errortype'], undefined)
})

test('Lambda: an error is 500 Internal Server Error; "Unauthorized" is 401; an invalid simple response is 500', async () => {
  const boom = await gw.fetch('/dev/lambda/simple', xToken('boom'))
  assert.equal(boom.status, 500)
  assert.deepEqual(boom.json(), { message: 'Internal Server Error' })
  assert.equal((await gw.fetch('/dev/lambda/simple', xToken('unauthorized'))).status, 401)
  const garbage = await gw.fetch('/dev/lambda/simple', xToken('garbage'))
  assert.equal(garbage.status, 500)
  assert.deepEqual(garbage.json(), { message: 'Internal Server Error' })
})

test('Lambda: results are cached by identity-source value for the TTL, across routes of the authorizer', async () => {
  const calls = async (path: string, token: string) => (await gw.fetch(path, xToken(token))).json().requestContext.authorizer
  const first = (await calls('/dev/lambda/simple', 'ok-cache')).lambda.calls
  assert.equal((await calls('/dev/lambda/simple', 'ok-cache')).lambda.calls, first)
  assert.equal((await calls('/dev/lambda/simple-v1', 'ok-cache')).calls, first, 'another route of the same authorizer shares the result')
  assert.notEqual((await calls('/dev/lambda/simple', 'ok-cache-2')).lambda.calls, first)
  offset += 301_000
  assert.ok((await calls('/dev/lambda/simple', 'ok-cache')).lambda.calls > first, 'invoked again after 300 s')
})

test('Lambda without identity sources: invoked on every request', async () => {
  const a = (await gw.fetch('/dev/lambda/anyone')).json().requestContext.authorizer.lambda
  const b = (await gw.fetch('/dev/lambda/anyone')).json().requestContext.authorizer.lambda
  assert.equal(b.calls, a.calls + 1)
  assert.deepEqual(a.identitySource, [])
})

test('Lambda 1.0 policy response: the REST-like event; Allow passes, Deny is 403 Forbidden', async () => {
  const res = await gw.fetch('/dev/lambda/policy', xToken('allow-1'))
  assert.equal(res.status, 200, res.text)
  const lambdaContext = res.json().requestContext.authorizer.lambda
  assert.deepEqual(lambdaContext, { methodArn: `${ARN_PREFIX}/dev/GET/lambda/policy`, version: '1.0', type: 'REQUEST', identitySource: 'allow-1', count: 3 })
  const denied = await gw.fetch('/dev/lambda/policy', xToken('deny-1'))
  assert.equal(denied.status, 403)
  assert.deepEqual(denied.json(), { message: 'Forbidden' })
})

async function signedFetch(path: string, key: { accessKeyId: string; secretAccessKey: string }) {
  const signer = new SignatureV4({ service: 'execute-api', region: 'us-east-1', sha256: Sha256, credentials: key })
  const req = await signer.sign(
    { method: 'GET', protocol: 'http:', hostname: 'localhost', port: gw.port, path, query: {}, headers: { host: `localhost:${gw.port}` } },
    { signingDate: new Date(Date.now() + offset) },
  )
  return gw.fetch(path, { headers: req.headers })
}

test('AWS_IAM: a payload 2.0 function gets requestContext.authorizer.iam; 1.0 gets identity', async () => {
  const res = await signedFetch('/dev/iam', ALICE)
  assert.equal(res.status, 200, res.text)
  assert.deepEqual(res.json().requestContext.authorizer.iam, {
    accessKey: ALICE.accessKeyId,
    accountId: '000000000000',
    callerId: 'AIDAALICE',
    cognitoIdentity: null,
    principalOrgId: null,
    userArn: 'arn:aws:iam::000000000000:user/alice',
    userId: 'AIDAALICE',
  })
  const v1 = await signedFetch('/dev/iam/v1', ALICE)
  assert.equal(v1.status, 200, v1.text)
  assert.equal(v1.json().requestContext.identity.userArn, 'arn:aws:iam::000000000000:user/alice')
})

test('AWS_IAM: unsigned, badly signed or not permitted requests are 403 {"message":"Forbidden"}', async () => {
  for (const res of [
    await gw.fetch('/dev/iam'),
    await signedFetch('/dev/iam', { accessKeyId: ALICE.accessKeyId, secretAccessKey: 'wrong' }),
    await signedFetch('/dev/iam', BOB),
  ]) {
    assert.equal(res.status, 403)
    assert.deepEqual(res.json(), { message: 'Forbidden' })
    assert.equal(res.headers['x-amzn-errortype'], undefined)
  }
})
