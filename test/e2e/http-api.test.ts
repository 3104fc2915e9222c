// HTTP APIs (v2) end to end: route keys, ANY, $default route, $default and named stages, HTTP_PROXY
// forwarding rules (§3.4), error bodies and headers (§3.10).

import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startGateway, startUpstream, tempDir, writeFile, type TestGateway, type Upstream } from '../helpers.js'

let upstream: Upstream
let tmp: { dir: string; cleanup: () => void }
const gateways: TestGateway[] = []

function httpApi(backend: string, withDefaultRoute: boolean) {
  const integration = (uri: string, extra: Record<string, unknown> = {}) => ({ type: 'http_proxy', httpMethod: 'ANY', uri, payloadFormatVersion: '1.0', ...extra })
  const paths: Record<string, unknown> = {
    '/pets/dog/1': { get: { 'x-amazon-apigateway-integration': integration(`${backend}/route/dog-1`) } },
    '/pets/dog/{id}': { get: { 'x-amazon-apigateway-integration': integration(`${backend}/route/dog/{id}`) } },
    '/pets/{proxy+}': { get: { 'x-amazon-apigateway-integration': integration(`${backend}/route/pets/{proxy}`) } },
    '/{proxy+}': { 'x-amazon-apigateway-any-method': { 'x-amazon-apigateway-integration': integration(`${backend}/route/any/{proxy}`) } },
    '/slow': { get: { 'x-amazon-apigateway-integration': integration(`${backend}/slow`, { timeoutInMillis: 100 }) } },
  }
  if (withDefaultRoute) {
    delete paths['/{proxy+}']
    paths['/$default'] = { 'x-amazon-apigateway-any-method': { isDefaultRoute: true, 'x-amazon-apigateway-integration': integration(`${backend}/fallback`) } }
  }
  return { openapi: '3.0.1', info: { title: withDefaultRoute ? 'http-default' : 'http-plain', version: '1' }, 'x-amazon-apigateway-importexport-version': '1.0', paths }
}

before(async () => {
  upstream = await startUpstream((req, res) => {
    // Never answers (the connection is closed with the server): only the integration timeout can end it.
    if (req.url === '/slow') return
    res.writeHead(200, { 'Content-Type': 'application/json' })
    res.end(JSON.stringify({ method: req.method, url: req.url }))
  })
  tmp = tempDir()
})

after(async () => {
  for (const g of gateways) await g.stop()
  await upstream.close()
  tmp.cleanup()
})

async function serve(withDefaultRoute: boolean, stage: string): Promise<TestGateway> {
  const file = writeFile(tmp.dir, `http-${withDefaultRoute}-${stage}.json`, httpApi(upstream.url, withDefaultRoute))
  const g = await startGateway({ httpApis: [file], stage })
  gateways.push(g)
  return g
}

test('route selection follows the AWS example (§3.2) on the $default stage, with no stage prefix', async () => {
  const gw = await serve(false, '$default')
  assert.equal((await gw.fetch('/pets/dog/1')).json().url, '/route/dog-1')
  assert.equal((await gw.fetch('/pets/dog/2')).json().url, '/route/dog/2')
  assert.equal((await gw.fetch('/pets/cat/1')).json().url, '/route/pets/cat/1')
  const post = await gw.fetch('/test/5', { method: 'POST' })
  assert.deepEqual(post.json(), { method: 'POST', url: '/route/any/test/5' })
})

test('HTTP API responses carry apigw-requestid and no x-amzn-RequestId (§3.10)', async () => {
  const gw = await serve(false, 'beta')
  const res = await gw.fetch('/beta/pets/dog/1')
  assert.equal(res.status, 200)
  assert.match(String(res.headers['apigw-requestid']), /^[A-Za-z0-9+/]{15}=$/)
  assert.equal(res.headers['x-amzn-requestid'], undefined)
})

test('a named stage is served under its prefix; an unknown stage or route is 404 Not Found', async () => {
  const gw = await serve(false, 'beta')
  assert.equal((await gw.fetch('/beta/pets/dog/1')).json().url, '/route/dog-1')
  const none = await gw.fetch('/')
  assert.equal(none.status, 404)
  assert.deepEqual(none.json(), { message: 'Not Found' })
  assert.equal(none.headers['x-amzn-errortype'], undefined)
  assert.ok(none.headers['apigw-requestid'])
})

test('the $default route catches everything else and gets the full path appended (§3.4)', async () => {
  const gw = await serve(true, '$default')
  assert.equal((await gw.fetch('/')).json().url, '/fallback/')
  const other = await gw.fetch('/orders/7?x=1&x=2', { method: 'PATCH' })
  assert.deepEqual(other.json(), { method: 'PATCH', url: '/fallback/orders/7?x=1&x=2' })
  // A defined route still wins over $default.
  assert.equal((await gw.fetch('/pets/dog/1')).json().url, '/route/dog-1')
})

test('integration timeout on an HTTP API: 503 Service Unavailable (§3.10)', async () => {
  const gw = await serve(false, '$default')
  const res = await gw.fetch('/slow')
  assert.equal(res.status, 503)
  assert.deepEqual(res.json(), { message: 'Service Unavailable' })
})
