// CORS end to end. HTTP APIs (§3.9): the gateway answers preflights itself before route matching, echoes
// allowed origins (wildcard subdomains included), and replaces backend CORS headers on other responses.
// REST APIs (§19.1): no CORS engine; the console's OPTIONS MOCK pattern (recorded swagger-mock-cors.json)
// and a DEFAULT_4XX gateway response do the work, and the gateway adds nothing on its own.

import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { startGateway, startUpstream, tempDir, writeFile, type TestGateway, type Upstream } from '../helpers.js'

// LocalStack's input file for its recorded CORS test (test/fixtures/aws/README.md).
const SWAGGER_MOCK_CORS = new URL('../fixtures/aws/localstack/api-definitions/swagger-mock-cors.json', import.meta.url)

let upstream: Upstream
let tmp: { dir: string; cleanup: () => void }
const gateways: TestGateway[] = []

before(async () => {
  upstream = await startUpstream((req, res) => {
    // A backend with its own (wrong) idea of CORS.
    res.writeHead(200, {
      'Content-Type': 'application/json',
      'Access-Control-Allow-Origin': 'https://backend.invalid',
      'Access-Control-Allow-Methods': 'DELETE',
      'X-Request-Id': 'r-1',
    })
    res.end(JSON.stringify({ method: req.method, url: req.url }))
  })
  tmp = tempDir()
})

after(async () => {
  for (const g of gateways) await g.stop()
  await upstream.close()
  tmp.cleanup()
})

function httpApi(title: string) {
  const integration = { type: 'http_proxy', httpMethod: 'ANY', uri: `${upstream.url}/items`, payloadFormatVersion: '1.0' }
  return {
    openapi: '3.0.1',
    info: { title, version: '1' },
    'x-amazon-apigateway-importexport-version': '1.0',
    paths: {
      '/items': { get: { 'x-amazon-apigateway-integration': integration }, post: { 'x-amazon-apigateway-integration': integration } },
    },
  }
}

async function serveHttp(name: string, cors: Record<string, unknown> | undefined): Promise<TestGateway> {
  writeFile(tmp.dir, `${name}.json`, httpApi(name))
  const config = writeFile(tmp.dir, `${name}.yaml`, {
    apis: [{ name, type: 'http', openapi: `./${name}.json`, ...(cors ? { cors } : {}), stages: { $default: {} } }],
  })
  const g = await startGateway({ configFile: config })
  gateways.push(g)
  return g
}

const preflight = (origin: string, extra: Record<string, string> = {}) => ({
  method: 'OPTIONS',
  headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,authorization', ...extra },
})

test('HTTP API: a preflight is answered by the gateway with 204 and the configured headers, even with no OPTIONS route', async () => {
  const gw = await serveHttp('cors-listed', {
    allowOrigins: ['https://app.example.com', 'https://*.example.org'],
    allowMethods: ['GET', 'POST'],
    allowHeaders: ['content-type', 'authorization'],
    exposeHeaders: ['x-request-id'],
    maxAge: 600,
    allowCredentials: true,
  })
  const seen = upstream.requests.length
  const res = await gw.fetch('/items', preflight('https://app.example.com'))
  assert.equal(res.status, 204)
  assert.equal(res.text, '')
  assert.equal(res.headers['access-control-allow-origin'], 'https://app.example.com')
  assert.equal(res.headers['access-control-allow-methods'], 'GET,POST')
  assert.equal(res.headers['access-control-allow-headers'], 'content-type,authorization')
  assert.equal(res.headers['access-control-max-age'], '600')
  assert.equal(res.headers['access-control-allow-credentials'], 'true')
  assert.equal(res.headers['vary'], 'Origin')
  assert.ok(res.headers['apigw-requestid'])
  // Answered before routing: a path without any route gets the same answer, and no backend was called.
  const nowhere = await gw.fetch('/no/such/route', preflight('https://app.example.com'))
  assert.equal(nowhere.status, 204)
  assert.equal(nowhere.headers['access-control-allow-origin'], 'https://app.example.com')
  assert.equal(upstream.requests.length, seen)
})

test('HTTP API: wildcard subdomain origins match one or more labels, never the bare domain or look-alikes [K §3.9]', async () => {
  const gw = await serveHttp('cors-wild', { allowOrigins: ['https://*.example.org'], allowMethods: ['GET'] })
  for (const origin of ['https://a.example.org', 'https://a.b.example.org', 'https://A.Example.org']) {
    const res = await gw.fetch('/items', preflight(origin))
    assert.equal(res.headers['access-control-allow-origin'], origin, origin)
  }
  for (const origin of ['https://example.org', 'https://a.example.org.evil.com', 'http://a.example.org', 'https://a.example.org:8443', 'https://evil.com']) {
    const res = await gw.fetch('/items', preflight(origin))
    assert.equal(res.status, 204, origin)
    assert.equal(res.headers['access-control-allow-origin'], undefined, origin)
  }
})

test('HTTP API: a preflight from an origin not allowed gets a 2xx without CORS headers [K §3.9]', async () => {
  const gw = await serveHttp('cors-refused', { allowOrigins: ['https://app.example.com'], allowMethods: ['GET'], allowHeaders: ['*'], maxAge: 60 })
  const res = await gw.fetch('/items', preflight('https://evil.example.net'))
  assert.equal(res.status, 204)
  for (const h of Object.keys(res.headers)) assert.ok(!h.startsWith('access-control-'), h)
})

test('HTTP API: origin "*" answers "*" without Vary', async () => {
  const gw = await serveHttp('cors-any', { allowOrigins: ['*'], allowMethods: ['*'], allowHeaders: ['*'] })
  const res = await gw.fetch('/items', preflight('https://anyone.example'))
  assert.equal(res.headers['access-control-allow-origin'], '*')
  assert.equal(res.headers['access-control-allow-methods'], '*')
  assert.equal(res.headers['access-control-allow-headers'], '*')
  assert.equal(res.headers['vary'], undefined)
  const get = await gw.fetch('/items', { headers: { origin: 'https://anyone.example' } })
  assert.equal(get.headers['access-control-allow-origin'], '*')
})

test('HTTP API: other responses from allowed origins get the configured headers instead of the backend’s', async () => {
  const gw = await serveHttp('cors-actual', { allowOrigins: ['https://app.example.com'], allowMethods: ['GET', 'POST'], exposeHeaders: ['x-request-id', 'x-total'], allowCredentials: true })
  const res = await gw.fetch('/items', { headers: { origin: 'https://app.example.com' } })
  assert.equal(res.status, 200)
  assert.deepEqual(res.json(), { method: 'GET', url: '/items' })
  assert.equal(res.headers['access-control-allow-origin'], 'https://app.example.com')
  assert.equal(res.headers['access-control-allow-credentials'], 'true')
  assert.equal(res.headers['access-control-expose-headers'], 'x-request-id,x-total')
  assert.equal(res.headers['access-control-allow-methods'], undefined)
  assert.equal(res.headers['x-request-id'], 'r-1')
  // No Origin, or one not allowed: the backend's CORS headers are still ignored, none are added.
  for (const headers of [{}, { origin: 'https://evil.example.net' }] as Array<Record<string, string>>) {
    const other = await gw.fetch('/items', { headers })
    assert.equal(other.status, 200)
    for (const h of Object.keys(other.headers)) assert.ok(!h.startsWith('access-control-'), h)
  }
  // Responses the gateway makes itself within the stage carry them too [K §3.9].
  const missing = await gw.fetch('/nothing-here', { headers: { origin: 'https://app.example.com' } })
  assert.equal(missing.status, 404)
  assert.equal(missing.headers['access-control-allow-origin'], 'https://app.example.com')
})

test('HTTP API: an OPTIONS request that is not a preflight is routed like any other request', async () => {
  const gw = await serveHttp('cors-options', { allowOrigins: ['*'] })
  const res = await gw.fetch('/items', { method: 'OPTIONS', headers: { origin: 'https://app.example.com' } })
  assert.equal(res.status, 404)
  assert.deepEqual(res.json(), { message: 'Not Found' })
})

test('HTTP API without corsConfiguration: preflights are routed and backend CORS headers pass through', async () => {
  const gw = await serveHttp('cors-none', undefined)
  const pre = await gw.fetch('/items', preflight('https://app.example.com'))
  assert.equal(pre.status, 404)
  const res = await gw.fetch('/items', { headers: { origin: 'https://app.example.com' } })
  assert.equal(res.headers['access-control-allow-origin'], 'https://backend.invalid')
  assert.equal(res.headers['access-control-allow-methods'], 'DELETE')
})

test('REST: the console’s OPTIONS MOCK pattern (recorded swagger-mock-cors.json) answers preflights as configured', async () => {
  const file = join(tmp.dir, 'swagger-mock-cors.json')
  writeFile(tmp.dir, 'swagger-mock-cors.json', readFileSync(SWAGGER_MOCK_CORS, 'utf8'))
  const gw = await startGateway({ restApis: [file], stage: 'dev' })
  gateways.push(gw)
  for (const path of ['/dev/product', '/dev/product/42']) {
    const res = await gw.fetch(path, preflight('http://localhost:8080', { 'content-type': 'application/json' }))
    assert.equal(res.status, 200, path)
    assert.equal(res.headers['access-control-allow-origin'], 'http://localhost:8080')
    assert.equal(res.headers['access-control-allow-methods'], 'OPTIONS,POST,GET')
    assert.equal(res.headers['access-control-allow-headers'], 'Content-Type')
    assert.equal(res.text, '{}\n')
    assert.ok(res.headers['x-amzn-requestid'])
  }
  // No OPTIONS method: a preflight is a missing method like any other (§19.1), without CORS headers.
  const none = await gw.fetch('/dev/elsewhere', preflight('http://localhost:8080'))
  assert.equal(none.status, 403)
  assert.deepEqual(none.json(), { message: 'Missing Authentication Token' })
  assert.equal(none.headers['access-control-allow-origin'], undefined)
})

test('REST: a DEFAULT_4XX gateway response with Access-Control-Allow-Origin makes errors readable (§6.2)', async () => {
  const mock = { type: 'mock', requestTemplates: { 'application/json': '{"statusCode": 200}' }, responses: { default: { statusCode: '200', responseTemplates: { 'application/json': '{}' } } } }
  writeFile(tmp.dir, 'rest-4xx.json', { openapi: '3.0.1', info: { title: 'rest-4xx', version: '1' }, paths: { '/ok': { get: { 'x-amazon-apigateway-integration': mock } } } })
  const config = writeFile(tmp.dir, 'rest-4xx.yaml', {
    apis: [
      {
        name: 'rest-4xx',
        type: 'rest',
        openapi: './rest-4xx.json',
        gatewayResponses: { DEFAULT_4XX: { responseParameters: { 'gatewayresponse.header.Access-Control-Allow-Origin': "'*'", 'gatewayresponse.header.Access-Control-Allow-Headers': "'Content-Type,X-Api-Key'" } } },
        stages: { dev: {} },
      },
    ],
  })
  const gw = await startGateway({ configFile: config })
  gateways.push(gw)
  const res = await gw.fetch('/dev/missing', { headers: { origin: 'https://app.example.com' } })
  assert.equal(res.status, 403)
  assert.equal(res.headers['x-amzn-errortype'], 'MissingAuthenticationTokenException')
  assert.equal(res.headers['access-control-allow-origin'], '*')
  assert.equal(res.headers['access-control-allow-headers'], 'Content-Type,X-Api-Key')
  // A successful response gets nothing the method response does not map.
  const ok = await gw.fetch('/dev/ok', { headers: { origin: 'https://app.example.com' } })
  assert.equal(ok.status, 200)
  assert.equal(ok.headers['access-control-allow-origin'], undefined)
})

test('REST: the gateway adds no CORS headers on its own and passes a proxy backend’s through', async () => {
  writeFile(tmp.dir, 'rest-proxy.json', {
    openapi: '3.0.1',
    info: { title: 'rest-proxy-cors', version: '1' },
    paths: { '/items': { 'x-amazon-apigateway-any-method': { 'x-amazon-apigateway-integration': { type: 'http_proxy', httpMethod: 'ANY', uri: `${upstream.url}/items` } } } },
  })
  const gw = await startGateway({ restApis: [join(tmp.dir, 'rest-proxy.json')], stage: 'dev' })
  gateways.push(gw)
  const res = await gw.fetch('/dev/items', { headers: { origin: 'https://app.example.com' } })
  assert.equal(res.status, 200)
  assert.equal(res.headers['access-control-allow-origin'], 'https://backend.invalid')
  assert.equal(res.headers['access-control-allow-methods'], 'DELETE')
  assert.equal(res.headers['access-control-allow-credentials'], undefined)
  // A preflight is just an OPTIONS request to the ANY method: the backend answers it.
  const seen = upstream.requests.length
  const pre = await gw.fetch('/dev/items', preflight('https://app.example.com'))
  assert.equal(pre.status, 200)
  assert.equal(upstream.requests.length, seen + 1)
  assert.equal(upstream.requests.at(-1)!.method, 'OPTIONS')
  const missing = await gw.fetch('/dev/nothing', { headers: { origin: 'https://app.example.com' } })
  assert.equal(missing.status, 403)
  assert.equal(missing.headers['access-control-allow-origin'], undefined)
})
