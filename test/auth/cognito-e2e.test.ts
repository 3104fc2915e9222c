// REST Cognito user pool authorizers through a real gateway (docs/aws-behaviour.md §7.4): a real OpenID
// provider stands in for the pool through the config's identity.cognito.userPools; ID tokens on methods
// without scopes, access tokens on methods with them, every failure 401, claims as strings in a proxy
// event and a mapping template.

import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startGateway, tempDir, writeFile, type TestGateway } from '../helpers.js'
import { startIdp, startStaticIdp, type Idp, type StaticIdp } from './jwt-idp.js'

const POOL_ARN = 'arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_Pool1'

const echo = `export const handler = async (event) => ({ statusCode: 200, body: JSON.stringify(event) })\n`
const proxy = {
  type: 'aws_proxy',
  httpMethod: 'POST',
  uri: 'arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:echo/invocations',
}
const mock = (template: string) => ({
  type: 'mock',
  requestTemplates: { 'application/json': '{"statusCode": 200}' },
  responses: { default: { statusCode: '200', responseTemplates: { 'application/json': template } } },
})

const API = {
  openapi: '3.0.1',
  info: { title: 'cognito', version: '1' },
  components: {
    securitySchemes: {
      pool: {
        type: 'apiKey',
        name: 'Authorization',
        in: 'header',
        'x-amazon-apigateway-authtype': 'cognito_user_pools',
        'x-amazon-apigateway-authorizer': { type: 'cognito_user_pools', providerARNs: [POOL_ARN] },
      },
    },
  },
  paths: {
    '/profile': { get: { security: [{ pool: [] }], 'x-amazon-apigateway-integration': proxy } },
    '/orders': {
      get: {
        security: [{ pool: ['read'] }],
        'x-amazon-apigateway-integration': mock('{"sub":"$context.authorizer.claims.sub","scope":"$context.authorizer.claims.scope","tokenUse":"$context.authorizer.claims.token_use"}'),
      },
    },
    '/admin': { get: { security: [{ pool: ['admin'] }], 'x-amazon-apigateway-integration': mock('{"admin":true}') } },
  },
}

let idp: Idp & { close(): Promise<void> }
let stranger: StaticIdp
let gw: TestGateway
let tmp: { dir: string; cleanup: () => void }
let idToken: string
let accessToken: string

before(async () => {
  idp = await startIdp({
    accounts: {
      alice: { token_use: 'id', 'cognito:username': 'alice', 'cognito:groups': ['admins', 'users'], email: 'alice@example.com', email_verified: true, 'custom:role': 'editor' },
    },
    accessTokenClaims: { token_use: 'access' },
  })
  stranger = await startStaticIdp()
  ;({ idToken, accessToken } = await idp.idToken('alice'))
  tmp = tempDir('gatehouse-cognito-e2e-')
  writeFile(tmp.dir, 'echo.mjs', echo)
  writeFile(tmp.dir, 'api.json', API)
  const config = writeFile(tmp.dir, 'gatehouse.yaml', {
    apis: [{ name: 'cognito', type: 'rest', openapi: './api.json', stages: { dev: {} } }],
    identity: { cognito: { userPools: { [POOL_ARN]: idp.issuer } } },
  })
  gw = await startGateway({ configFile: config, functionsDir: tmp.dir })
})

after(async () => {
  await gw?.stop()
  await idp?.close()
  await stranger?.close()
  tmp?.cleanup()
})

const auth = (value: string) => ({ headers: { Authorization: value } })

test('an ID token on a method without scopes: 200, claims as strings in the proxy event', async () => {
  const res = await gw.fetch('/dev/profile', auth(idToken))
  assert.equal(res.status, 200, res.text)
  const claims = res.json().requestContext.authorizer.claims
  assert.equal(claims.sub, 'alice')
  assert.equal(claims['cognito:username'], 'alice')
  assert.equal(claims['cognito:groups'], 'admins,users')
  assert.equal(claims['custom:role'], 'editor')
  assert.equal(claims.email_verified, 'true')
  assert.equal(claims.token_use, 'id')
  assert.equal(claims.iss, idp.issuer)
  assert.match(claims.exp, /^(Sun|Mon|Tue|Wed|Thu|Fri|Sat) [A-Z][a-z]{2} \d{2} \d{2}:\d{2}:\d{2} UTC \d{4}$/)
  assert.ok(Object.values(claims).every((v) => typeof v === 'string'))
})

test('a "Bearer " prefix is tolerated', async () => {
  assert.equal((await gw.fetch('/dev/profile', auth(`Bearer ${idToken}`))).status, 200)
})

test('no token, a garbage token, a token of another issuer, an access token where an ID token is needed: 401 Unauthorized', async () => {
  const foreign = await stranger.sign({ iss: stranger.issuer, token_use: 'id', sub: 'mallory', exp: Math.floor(Date.now() / 1000) + 300 })
  for (const init of [{}, auth('not-a-jwt'), auth(foreign), auth(accessToken)]) {
    const res = await gw.fetch('/dev/profile', init)
    assert.equal(res.status, 401)
    assert.deepEqual(res.json(), { message: 'Unauthorized' })
    assert.equal(res.headers['x-amzn-errortype'], 'UnauthorizedException')
  }
})

test('a method with scopes takes an access token with one of them; claims reach a mapping template', async () => {
  const res = await gw.fetch('/dev/orders', auth(accessToken))
  assert.equal(res.status, 200, res.text)
  assert.deepEqual(res.json(), { sub: 'alice', scope: 'read', tokenUse: 'access' })
  const withId = await gw.fetch('/dev/orders', auth(idToken))
  assert.equal(withId.status, 401, 'an ID token does not do where scopes are required')
})

test('an access token without the method scope is 401 (not 403) on a Cognito authorizer', async () => {
  const res = await gw.fetch('/dev/admin', auth(accessToken))
  assert.equal(res.status, 401)
  assert.deepEqual(res.json(), { message: 'Unauthorized' })
  const admin = await idp.accessToken({ scope: 'admin' })
  assert.equal((await gw.fetch('/dev/admin', auth(admin))).status, 200)
})
