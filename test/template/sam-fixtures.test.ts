// The aws-samples/serverless-patterns templates under test/fixtures/sam, served unedited with --template: what each
// pattern's README says a user sees (status, body, headers).

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { fileURLToPath } from 'node:url'
import { dirname } from 'node:path'
import { startGateway, tempDir, writeFile, type TestGateway } from '../helpers.js'
import { startStaticIdp } from '../auth/jwt-idp.js'
import { readTemplate } from '../../src/controlplane/template/index.js'
import type { ApiKey } from '../../src/model/types.js'

const fixture = (p: string): string => fileURLToPath(new URL(`../fixtures/sam/${p}`, import.meta.url))

/** Serves a fixture's template for the length of `check`. */
async function served(template: string, check: (gw: TestGateway) => Promise<void>): Promise<void> {
  const gw = await startGateway({ template: fixture(template) })
  try {
    await check(gw)
  } finally {
    await gw.stop()
  }
}

async function keyValue(gw: TestGateway, name: string): Promise<string> {
  const keys = await gw.gateway.store!.list<ApiKey>('apikey')
  const key = keys.find((k) => k.value.name === name)
  assert.ok(key, `API key ${name} is in the store`)
  return key.value.value
}

test('apigw-rest-api-lambda-node: the implicit ServerlessRestApi serves GET /hello on the Prod stage', async () => {
  await served('apigw-rest-api-lambda-node/template.yaml', async (gw) => {
    const res = await gw.fetch('/Prod/hello/')
    assert.equal(res.status, 200)
    assert.deepEqual(res.json(), { message: 'hello world' })
    assert.equal((await gw.fetch('/Prod/goodbye')).status, 403, 'an unknown path is the missing-authentication-token 403')
  })
})

test('apigw-http-api-lambda: the quick-create HTTP API sends every request to the function, with CORS', async () => {
  await served('apigw-http-api-lambda/template.yml', async (gw) => {
    const res = await gw.fetch('/some/path?x=1', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hi' })
    assert.equal(res.status, 200)
    const body = res.json()
    assert.equal(body.functionName, 'apigw-http-api-lambda-function', 'FunctionName from !Sub ${AppName}-function')
    assert.equal(body.method, 'POST')
    assert.equal(body.rawPath, '/some/path')
    assert.deepEqual(body.queryString, { x: '1' })
    assert.equal(body.body, 'hi')
    const preflight = await gw.fetch('/some/path', { method: 'OPTIONS', headers: { origin: 'https://example.com', 'access-control-request-method': 'POST' } })
    assert.equal(preflight.status, 204)
    assert.equal(preflight.headers['access-control-allow-origin'], '*')
    assert.match(String(preflight.headers['access-control-allow-methods']), /POST/)
  })
})

test('apigw-api-key: GET / without the key is 403, with the generated key 200 (plain AWS::ApiGateway resources)', async () => {
  await served('apigw-api-key/template.yaml', async (gw) => {
    const denied = await gw.fetch('/Prod/')
    assert.equal(denied.status, 403)
    assert.deepEqual(denied.json(), { message: 'Forbidden' })
    const key = await keyValue(gw, 'ApiKey')
    const ok = await gw.fetch('/Prod/', { headers: { 'x-api-key': key } })
    assert.equal(ok.status, 200)
    const event = ok.json()
    assert.equal(event.httpMethod, 'GET')
    assert.equal(event.requestContext.identity.apiKey, key)
    assert.deepEqual(gw.gateway.ignoredResources.map((r) => r.logicalId), ['AppFunctionPermission'])
  })
})

test('apigw-usage-plans: 403 without the key; with it, requests are admitted until the plan says 429', async () => {
  await served('apigw-usage-plans/template.yaml', async (gw) => {
    assert.equal((await gw.fetch('/Prod/plantest/')).status, 403)
    const key = await keyValue(gw, 'UsagePlanApiKey')
    const statuses: number[] = []
    for (let i = 0; i < 60 && !statuses.includes(429); i++) statuses.push((await gw.fetch('/Prod/plantest/', { headers: { 'x-api-key': key } })).status)
    // The Python function is not run (listed as ignored), so admitted requests fail at the integration.
    assert.ok(statuses[0] !== 403 && statuses[0] !== 429, `the first keyed request is admitted (got ${statuses[0]})`)
    assert.ok(statuses.includes(429), `the plan's throttle or its quota of 50 a day answers 429 (got ${statuses.join(',')})`)
    assert.ok(statuses.indexOf(429) <= 50, 'no more than the quota is admitted')
    assert.match(gw.gateway.ignoredResources[0]?.reason ?? '', /python3\.14/)
  })
})

test('apigw-cors-nonproxy: the OPTIONS MOCK method answers the preflight with the CORS headers', async () => {
  await served('apigw-cors-nonproxy/template.yaml', async (gw) => {
    const res = await gw.fetch('/prod/helloworld', { method: 'OPTIONS', headers: { 'content-type': 'application/json', origin: 'https://example.com' } })
    assert.equal(res.status, 200)
    assert.equal(res.headers['access-control-allow-origin'], '*')
    assert.equal(res.headers['access-control-allow-methods'], 'POST,GET,OPTIONS')
    assert.equal(res.headers['access-control-allow-headers'], 'Content-Type,X-Amz-Date,Authorization,X-Api-Key,X-Amz-Security-Token')
  })
})

test('apigw-mappingtemplate-lambda-nodejs: the request mapping template feeds the InlineCode function (non-proxy)', async () => {
  await served('apigw-mappingtemplate-lambda-nodejs/template.yaml', async (gw) => {
    const res = await gw.fetch('/prod/', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
    assert.equal(res.status, 200)
    assert.equal(res.json(), 'Hello from the mapping template API')
  })
})

test('cognito-httpapi: the JWT authorizer (issuer from the nested auth.yaml stack) refuses a request without a token', async () => {
  await served('cognito-httpapi/template.yaml', async (gw) => {
    const res = await gw.fetch('/')
    assert.equal(res.status, 401)
    assert.deepEqual(res.json(), { message: 'Unauthorized' })
    assert.deepEqual(gw.gateway.ignoredResources.map((r) => r.logicalId), ['AuthStack'])
  })
})

test('cognito-httpapi with --config identity.cognito: a local issuer stands in for the pool; its token gets 200 and the claims', async () => {
  const template = fixture('cognito-httpapi/template.yaml')
  // The pool id and app client id the template's nested stack gives, as the gateway computes them.
  const read = await readTemplate(template, { file: 'template.yaml', dir: dirname(template), parameterOverrides: {} })
  const jwt = (read.config!.apis![0]!.definition as any).components.securitySchemes.OAuth2Authorizer['x-amazon-apigateway-authorizer'].jwtConfiguration
  const poolId = /\/([^/]+)$/.exec(jwt.issuer)![1]!
  const clientId = jwt.audience[0]
  const idp = await startStaticIdp()
  const tmp = tempDir('gatehouse-sam-cognito-')
  const config = writeFile(tmp.dir, 'gatehouse.yaml', { identity: { cognito: { userPools: { [poolId]: idp.issuer } } } })
  const gw = await startGateway({ configFile: config, template })
  try {
    assert.equal((await gw.fetch('/')).status, 401)
    const exp = Math.floor(Date.now() / 1000) + 300
    const noScope = await idp.sign({ iss: idp.issuer, client_id: clientId, token_use: 'access', scope: 'openid', sub: 'alice', exp })
    assert.equal((await gw.fetch('/', { headers: { authorization: noScope } })).status, 403, 'the route needs the email scope')
    const token = await idp.sign({ iss: idp.issuer, client_id: clientId, token_use: 'access', scope: 'email openid', sub: 'alice', exp })
    const res = await gw.fetch('/', { headers: { authorization: token } })
    assert.equal(res.status, 200, res.text)
    assert.equal(res.json().requestContext.authorizer.jwt.claims.sub, 'alice')
  } finally {
    await gw.stop()
    await idp.close()
    tmp.cleanup()
  }
})
