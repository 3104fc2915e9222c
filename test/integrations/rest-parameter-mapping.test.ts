// REST parameter mapping end to end (§5.6–§5.8): body sources (`method.request.body[.path]`,
// `integration.response.body.path`), `$context.requestOverride` / `responseOverride` from templates, and the
// header rules of §5.7, through a real gateway and a real upstream.

import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startGateway, startUpstream, tempDir, writeFile, type TestGateway, type Upstream } from '../helpers.js'

let upstream: Upstream
let gw: TestGateway
let tmp: { dir: string; cleanup: () => void }

const okResponse = { default: { statusCode: '200' } }

function api(backend: string) {
  return {
    openapi: '3.0.1',
    info: { title: 'rest-mapping', version: '1' },
    paths: {
      '/body-sources/{id}': {
        post: {
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { '200': { description: 'ok' } },
          'x-amazon-apigateway-integration': {
            type: 'http',
            httpMethod: 'POST',
            uri: `${backend}/pets/{petName}`,
            requestParameters: {
              'integration.request.path.petName': 'method.request.body.pet.name',
              'integration.request.header.X-Pet-Name': 'method.request.body.pet.name',
              'integration.request.header.X-First-Tag': 'method.request.body.pet.tags[0]',
              'integration.request.header.X-Pet': 'method.request.body.pet',
              'integration.request.header.X-Age': 'method.request.body.pet.age',
              'integration.request.header.X-Missing': 'method.request.body.pet.owner',
              'integration.request.header.X-Whole': 'method.request.body',
              'integration.request.querystring.vaccinated': 'method.request.body.pet.vaccinated',
            },
            responses: okResponse,
          },
        },
      },
      '/proxy-body': {
        post: {
          responses: { '200': { description: 'ok' } },
          'x-amazon-apigateway-integration': {
            type: 'http_proxy',
            httpMethod: 'POST',
            uri: `${backend}/proxied`,
            requestParameters: { 'integration.request.header.X-Order': 'method.request.body.order.id' },
          },
        },
      },
      '/response-body': {
        get: {
          responses: { '200': { description: 'ok', headers: { 'X-Status': { schema: { type: 'string' } }, 'X-Count': { schema: { type: 'string' } } } } },
          'x-amazon-apigateway-integration': {
            type: 'http',
            httpMethod: 'GET',
            uri: `${backend}/report`,
            responses: {
              default: {
                statusCode: '200',
                responseParameters: {
                  'method.response.header.X-Status': 'integration.response.body.status',
                  'method.response.header.X-Count': 'integration.response.body.items.length()',
                },
              },
            },
          },
        },
      },
      '/overrides/{id}': {
        post: {
          parameters: [
            { name: 'id', in: 'path', required: true, schema: { type: 'string' } },
            { name: 'q', in: 'query', schema: { type: 'string' } },
          ],
          responses: { '200': { description: 'ok' } },
          'x-amazon-apigateway-integration': {
            type: 'http',
            httpMethod: 'POST',
            uri: `${backend}/items/{id}`,
            requestParameters: {
              'integration.request.path.id': 'method.request.path.id',
              'integration.request.querystring.q': 'method.request.querystring.q',
              'integration.request.header.X-Mapped': "'from-mapping'",
            },
            requestTemplates: {
              'application/json':
                '#set($context.requestOverride.path.id = "overridden-id")' +
                '#set($context.requestOverride.querystring.q = "overridden-q")' +
                '#set($context.requestOverride.querystring.extra = "added")' +
                '#set($context.requestOverride.header.X-Mapped = "from-override")' +
                '#set($context.requestOverride.header.Accept = "text/csv")' +
                '{"rendered": true}',
            },
            responses: okResponse,
          },
        },
        get: {
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { '200': { description: 'ok' } },
          'x-amazon-apigateway-integration': {
            type: 'http',
            httpMethod: 'GET',
            uri: `${backend}/items/{id}`,
            requestParameters: { 'integration.request.path.id': 'method.request.path.id' },
            requestTemplates: { 'application/json': '#set($context.requestOverride.querystring.view = "full")' },
            responses: okResponse,
          },
        },
      },
      '/status-override': {
        post: {
          responses: { '200': { description: 'ok' } },
          'x-amazon-apigateway-integration': {
            type: 'mock',
            requestTemplates: {
              'application/json':
                '{"statusCode": 200}' +
                '#set($context.responseOverride.status = $input.path("$.status"))' +
                '#set($context.responseOverride.header.X-From-Request = "yes")',
            },
            responses: okResponse,
          },
        },
      },
      '/host-mapping': {
        get: {
          responses: { '200': { description: 'ok' } },
          'x-amazon-apigateway-integration': {
            type: 'http',
            httpMethod: 'GET',
            uri: `${backend}/host`,
            requestParameters: {
              'integration.request.header.Host': "'backend.example'",
              'integration.request.header.User-Agent': "'mapped-agent'",
              'integration.request.header.Via': "'1.1 nowhere'",
            },
            responses: okResponse,
          },
        },
      },
    },
  }
}

before(async () => {
  upstream = await startUpstream((req, res) => {
    if (req.url === '/report') {
      res.writeHead(200, { 'Content-Type': 'application/json' })
      res.end(JSON.stringify({ status: 'ready', items: [1, 2, 3] }))
      return
    }
    res.writeHead(200, { 'Content-Type': 'application/json' })
    res.end('{}')
  })
  tmp = tempDir()
  gw = await startGateway({ restApis: [writeFile(tmp.dir, 'api.json', api(upstream.url))], stage: 'dev' })
})

after(async () => {
  await gw.stop()
  await upstream.close()
  tmp.cleanup()
})

test('method.request.body and method.request.body.{JSONPath} fill path, query and headers (§5.7)', async () => {
  const body = JSON.stringify({ pet: { name: 'rex', tags: ['good', 'dog'], age: 4, vaccinated: true } })
  const res = await gw.fetch('/dev/body-sources/1', { method: 'POST', body, headers: { 'content-type': 'application/json' } })
  assert.equal(res.status, 200)
  const seen = upstream.requests.at(-1)!
  assert.equal(seen.url, '/pets/rex?vaccinated=true')
  assert.equal(seen.headers['x-pet-name'], 'rex')
  assert.equal(seen.headers['x-first-tag'], 'good')
  // Objects and numbers arrive as their JSON text; a path that matches nothing sends no header.
  assert.deepEqual(JSON.parse(String(seen.headers['x-pet'])), { name: 'rex', tags: ['good', 'dog'], age: 4, vaccinated: true })
  assert.equal(seen.headers['x-age'], '4')
  assert.equal(seen.headers['x-missing'], undefined)
  assert.equal(seen.headers['x-whole'], body)
  // The body itself still reaches the backend.
  assert.equal(seen.body, body)
})

test('a body that is not JSON leaves JSONPath mappings out rather than failing', async () => {
  const res = await gw.fetch('/dev/body-sources/1', { method: 'POST', body: 'plain words', headers: { 'content-type': 'application/json' } })
  assert.equal(res.status, 200)
  const seen = upstream.requests.at(-1)!
  assert.equal(seen.headers['x-pet-name'], undefined)
  assert.equal(seen.headers['x-whole'], 'plain words')
})

test('an HTTP_PROXY whose mapping reads the body buffers it and still forwards it whole', async () => {
  const body = JSON.stringify({ order: { id: 'o-17' }, pad: 'x'.repeat(50_000) })
  const res = await gw.fetch('/dev/proxy-body', { method: 'POST', body, headers: { 'content-type': 'application/json' } })
  assert.equal(res.status, 200)
  const seen = upstream.requests.at(-1)!
  assert.equal(seen.url, '/proxied')
  assert.equal(seen.headers['x-order'], 'o-17')
  assert.equal(seen.body, body)
})

test('integration.response.body.{JSONPath} maps backend body values to method response headers (§5.8)', async () => {
  const res = await gw.fetch('/dev/response-body')
  assert.equal(res.status, 200)
  assert.equal(res.headers['x-status'], 'ready')
  assert.equal(res.headers['x-count'], '3')
})

test('$context.requestOverride from the request template replaces mapped path, query and headers (§5.6)', async () => {
  const res = await gw.fetch('/dev/overrides/original?q=from-client', { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } })
  assert.equal(res.status, 200)
  const seen = upstream.requests.at(-1)!
  const url = new URL(seen.url, 'http://x')
  assert.equal(url.pathname, '/items/overridden-id')
  assert.equal(url.searchParams.get('q'), 'overridden-q')
  assert.equal(url.searchParams.get('extra'), 'added')
  assert.equal(seen.headers['x-mapped'], 'from-override')
  // Overrides replace the defaults a non-proxy HTTP integration sends, too.
  assert.equal(seen.headers['accept'], 'text/csv')
  assert.equal(seen.body, '{"rendered": true}')
})

test('a GET runs its request template too: overrides apply though no body is sent', async () => {
  const res = await gw.fetch('/dev/overrides/9')
  assert.equal(res.status, 200)
  const seen = upstream.requests.at(-1)!
  assert.equal(seen.url, '/items/9?view=full')
  assert.equal(seen.body, '')
})

test('responseOverride set in a request template applies without a response template; an out-of-range status is ignored', async () => {
  const res = await gw.fetch('/dev/status-override', { method: 'POST', body: '{"status": 418}', headers: { 'content-type': 'application/json' } })
  assert.equal(res.status, 418)
  assert.equal(res.headers['x-from-request'], 'yes')
  const bad = await gw.fetch('/dev/status-override', { method: 'POST', body: '{"status": 999}', headers: { 'content-type': 'application/json' } })
  assert.equal(bad.status, 200)
  assert.equal(bad.headers['x-from-request'], 'yes')
})

test('mapped Host and User-Agent are sent as mapped; a mapped Via is dropped (§5.7)', async () => {
  const res = await gw.fetch('/dev/host-mapping')
  assert.equal(res.status, 200)
  const seen = upstream.requests.at(-1)!
  assert.equal(seen.headers['host'], 'backend.example')
  assert.equal(seen.headers['user-agent'], 'mapped-agent')
  assert.equal(seen.headers['via'], undefined)
})
