// serverless.yml services served end to end: the reader's translation written as a gatehouse.json and served by
// a gateway on ephemeral ports, called over real HTTP — a lambda-proxy http event, a lambda (non-proxy) http
// event through the default request template, an httpApi route, the CORS preflights of both, `private: true`
// (403 without the key, 200 with it) — and two unedited examples from serverless/examples (test/fixtures/serverless).

import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { apiIdFor } from '../../src/controlplane/config/desired.js'
import { parseYamlText } from '../../src/controlplane/config/config-file.js'
import { readServerlessYml } from '../../src/controlplane/template/serverless.js'
import type { TemplateResult } from '../../src/controlplane/template/types.js'
import { startGateway, type TestGateway } from '../helpers.js'
import { HELLO_JS, readYaml, serviceDir, type ServiceDir } from './serverless-helpers.js'

const KEY = 'sls-e2e-key-0123456789abcdef'

const SERVICE = `service: e2e
frameworkVersion: '3'
provider:
  name: aws
  runtime: nodejs20.x
  environment:
    GREETING: \${env:GATEHOUSE_SLS_E2E_UNSET, 'hi from provider'}
  apiGateway:
    apiKeys:
      - name: e2e-key
        value: ${KEY}
  httpApi:
    cors: true
functions:
  hello:
    handler: src/handler.hello
    events:
      - http: GET hello
      - http:
          path: items/{id}
          method: post
          cors: true
          private: true
      - httpApi: 'GET /hi/{id}'
  legacy:
    handler: src/legacy.handler
    events:
      - http:
          path: legacy/{name}
          method: get
          integration: lambda
`

const LEGACY_JS = `module.exports.handler = async (event) => ({ got: event })
`

/** Serves a translation: gatehouse.json (definitions inline) in `dir`. */
async function serve(result: TemplateResult, dir: string): Promise<TestGateway> {
  assert.deepEqual(result.problems, [])
  const file = join(dir, 'gatehouse.json')
  writeFileSync(file, JSON.stringify(result.config, null, 2))
  return startGateway({ configFile: file })
}

const hostOf = (type: 'rest' | 'http', name: string): string => `${apiIdFor(type, name)}.execute-api.localhost`

describe('serverless.yml served: http and httpApi events', () => {
  let svc: ServiceDir
  let gw: TestGateway
  const rest = hostOf('rest', 'dev-e2e')
  const http = hostOf('http', 'dev-e2e')
  before(async () => {
    svc = serviceDir({ 'src/handler.js': HELLO_JS, 'src/legacy.js': LEGACY_JS })
    gw = await serve(await readYaml(SERVICE, svc.dir), svc.dir)
  })
  after(async () => {
    await gw?.stop()
    svc?.cleanup()
  })

  it('an http event (lambda-proxy) on the {stage}-{service} REST API, with the provider environment', async () => {
    const res = await gw.fetch('/dev/hello', { host: rest })
    assert.equal(res.status, 200)
    assert.deepEqual(res.json(), { fn: 'hello', path: '/hello', env: 'hi from provider', id: null })
  })

  it('private: true → 403 Forbidden without the API key, 200 with it', async () => {
    const without = await gw.fetch('/dev/items/7', { method: 'POST', host: rest })
    assert.equal(without.status, 403)
    assert.deepEqual(without.json(), { message: 'Forbidden' })
    const wrong = await gw.fetch('/dev/items/7', { method: 'POST', host: rest, headers: { 'x-api-key': 'not-the-key-0000000000000' } })
    assert.equal(wrong.status, 403)
    const withKey = await gw.fetch('/dev/items/7', { method: 'POST', host: rest, headers: { 'x-api-key': KEY } })
    assert.equal(withKey.status, 200)
    assert.equal(withKey.json().id, '7')
  })

  it('cors: true → the OPTIONS preflight the framework generates (a MOCK with its default headers), no key needed', async () => {
    const res = await gw.fetch('/dev/items/7', { method: 'OPTIONS', host: rest, headers: { origin: 'https://app.example.com', 'access-control-request-method': 'POST' } })
    assert.equal(res.status, 200)
    assert.equal(res.headers['access-control-allow-origin'], '*')
    assert.equal(res.headers['access-control-allow-methods'], 'OPTIONS,POST')
    assert.equal(res.headers['access-control-allow-headers'], 'Content-Type,X-Amz-Date,Authorization,X-Api-Key,X-Amz-Security-Token,X-Amz-User-Agent,X-Amzn-Trace-Id')
  })

  it('integration: lambda → the function gets the framework-style event (path, query, headers, method, stage) and its return value is the body', async () => {
    const res = await gw.fetch('/dev/legacy/ada?lang=en', { host: rest, headers: { 'x-probe': "it's" } })
    assert.equal(res.status, 200)
    const event = res.json().got
    assert.equal(event.method, 'GET')
    assert.equal(event.stage, 'dev')
    assert.deepEqual(event.path, { name: 'ada' })
    assert.deepEqual(event.query, { lang: 'en' })
    assert.equal(event.headers['x-probe'], "it's")
    assert.equal(event.requestPath, '/legacy/{name}')
    assert.deepEqual(event.body, {})
  })

  it('an httpApi event on the HTTP API ($default stage, payload 2.0), and provider.httpApi.cors answering preflights', async () => {
    const res = await gw.fetch('/hi/42', { host: http })
    assert.equal(res.status, 200)
    assert.deepEqual(res.json(), { fn: 'hello', path: '/hi/42', env: 'hi from provider', id: '42' })
    const preflight = await gw.fetch('/hi/42', { method: 'OPTIONS', host: http, headers: { origin: 'https://app.example.com', 'access-control-request-method': 'GET' } })
    assert.equal(preflight.status, 204)
    assert.equal(preflight.headers['access-control-allow-origin'], '*')
    assert.match(String(preflight.headers['access-control-allow-methods']), /GET/)
  })
})

describe('serverless/examples, unedited (test/fixtures/serverless)', () => {
  const fixtures = new URL('../fixtures/serverless/', import.meta.url).pathname
  let tmp: ServiceDir
  before(() => {
    tmp = serviceDir()
  })
  after(() => tmp.cleanup())

  async function example(name: string): Promise<TemplateResult> {
    const dir = join(fixtures, name)
    const parsed = parseYamlText(readFileSync(join(dir, 'serverless.yml'), 'utf8'), `${name}/serverless.yml`)
    return readServerlessYml(parsed.value, { file: `${name}/serverless.yml`, dir, parameterOverrides: {} })
  }

  it('aws-node-rest-api: GET /dev/ answers "Go Serverless v2.0! …" with the proxy event as input', async () => {
    const result = await example('aws-node-rest-api')
    assert.deepEqual(result.config!.functions!.map((f) => f.name), ['aws-node-rest-api-dev-hello'])
    const gw = await serve(result, tmp.dir)
    try {
      const res = await gw.fetch('/dev/', { host: hostOf('rest', 'dev-aws-node-rest-api') })
      assert.equal(res.status, 200)
      const body = res.json()
      assert.equal(body.message, 'Go Serverless v2.0! Your function executed successfully!')
      assert.equal(body.input.httpMethod, 'GET')
      assert.equal(body.input.resource, '/')
      assert.equal(body.input.requestContext.stage, 'dev')
    } finally {
      await gw.stop()
    }
  })

  it('aws-node-http-api: GET / answers "Go Serverless v3.0! …" with the 2.0 event as input', async () => {
    const result = await example('aws-node-http-api')
    assert.deepEqual(result.config!.functions!.map((f) => f.name), ['serverless-http-api-dev-api'])
    const gw = await serve(result, tmp.dir)
    try {
      const res = await gw.fetch('/', { host: hostOf('http', 'dev-serverless-http-api') })
      assert.equal(res.status, 200)
      const body = res.json()
      assert.equal(body.message, 'Go Serverless v3.0! Your function executed successfully!')
      assert.equal(body.input.version, '2.0')
      assert.equal(body.input.routeKey, 'GET /')
      assert.equal(body.input.rawPath, '/')
    } finally {
      await gw.stop()
    }
  })
})
