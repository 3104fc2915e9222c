// Request validation end to end (§9): an OpenAPI file with request validators, required parameters and body
// models that $ref each other, served by a real gateway in front of a real upstream.

import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { Readable } from 'node:stream'
import { request } from 'undici'
import { startGateway, startUpstream, tempDir, writeFile, type TestGateway, type Upstream } from '../helpers.js'

let upstream: Upstream
let gw: TestGateway
let tmp: { dir: string; cleanup: () => void }

const PARAMS = [
  { name: 'x-token', in: 'header', required: true, schema: { type: 'string' } },
  { name: 'q1', in: 'query', required: true, schema: { type: 'string' } },
  { name: 'opt', in: 'query', required: false, schema: { type: 'string' } },
]

function doc(backend: string) {
  const proxy = (path: string, method = 'POST') => ({ type: 'http_proxy', httpMethod: method, uri: `${backend}${path}` })
  const pets = (validator?: string) => ({
    post: {
      parameters: PARAMS,
      requestBody: { content: { 'application/json': { schema: { $ref: '#/components/schemas/Pet' } } } },
      ...(validator ? { 'x-amazon-apigateway-request-validator': validator } : {}),
      'x-amazon-apigateway-integration': proxy('/pets'),
    },
  })
  return {
    openapi: '3.0.1',
    info: { title: 'validated', version: '1' },
    'x-amazon-apigateway-request-validators': {
      all: { validateRequestBody: true, validateRequestParameters: true },
      'body-only': { validateRequestBody: true, validateRequestParameters: false },
      'params-only': { validateRequestBody: false, validateRequestParameters: true },
      none: { validateRequestBody: false, validateRequestParameters: false },
    },
    'x-amazon-apigateway-request-validator': 'all',
    'x-amazon-apigateway-gateway-responses': {
      BAD_REQUEST_BODY: {
        statusCode: '400',
        responseParameters: { 'gatewayresponse.header.x-validation': "'failed'" },
        responseTemplates: { 'application/json': '{"error": "$context.error.message", "details": "$context.error.validationErrorString"}' },
      },
    },
    paths: {
      '/pets': pets(),
      '/pets/body-only': pets('body-only'),
      '/pets/params-only': pets('params-only'),
      '/pets/none': pets('none'),
      '/things/{id}': { get: { parameters: PARAMS, 'x-amazon-apigateway-integration': proxy('/things', 'GET') } },
      '/notes': {
        post: {
          requestBody: {
            content: {
              'application/json': { schema: { $ref: '#/components/schemas/Pet' } },
              $default: { schema: { $ref: '#/components/schemas/Note' } },
            },
          },
          'x-amazon-apigateway-integration': proxy('/notes'),
        },
      },
      '/broken': {
        post: {
          requestBody: { content: { 'application/json': { schema: { $ref: '#/components/schemas/Broken' } } } },
          'x-amazon-apigateway-integration': proxy('/broken'),
        },
      },
    },
    components: {
      schemas: {
        Pet: {
          type: 'object',
          required: ['name', 'owner'],
          properties: {
            name: { type: 'string', minLength: 1 },
            age: { type: 'integer', minimum: 0 },
            owner: { $ref: '#/components/schemas/Owner' },
          },
        },
        Owner: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } },
        Note: { type: 'object', required: ['text'], properties: { text: { type: 'string' } } },
        Broken: { type: 'objekt' },
      },
    },
  }
}

const GOOD = JSON.stringify({ name: 'Rex', age: 3, owner: { name: 'Ann' } })
const JSON_CT = { 'content-type': 'application/json', 'x-token': 't' }

before(async () => {
  upstream = await startUpstream()
  tmp = tempDir()
  gw = await startGateway({ restApis: [writeFile(tmp.dir, 'api.json', doc(upstream.url))], stage: 'dev' })
})

after(async () => {
  await gw.stop()
  await upstream.close()
  tmp.cleanup()
})

function post(path: string, body: string | undefined, headers: Record<string, string> = JSON_CT) {
  return gw.fetch('/dev' + path, { method: 'POST', headers, ...(body === undefined ? {} : { body }) })
}

test('a valid request reaches the backend with its body intact', async () => {
  const res = await post('/pets?q1=a', GOOD)
  assert.equal(res.status, 200)
  const seen = upstream.requests.at(-1)!
  assert.equal(seen.body, GOOD)
  assert.equal(seen.headers['content-length'], String(Buffer.byteLength(GOOD)))
})

test('a chunked body is read for validation and then sent on whole', async () => {
  const big = JSON.stringify({ name: 'x'.repeat(300_000), owner: { name: 'Ann' } })
  const res = await request(`http://127.0.0.1:${gw.port}/dev/pets?q1=a`, {
    method: 'POST',
    headers: { host: `localhost:${gw.port}`, ...JSON_CT },
    body: Readable.from([big.slice(0, 1000), big.slice(1000)]),
  })
  await res.body.text()
  assert.equal(res.statusCode, 200)
  assert.equal(upstream.requests.at(-1)!.body, big)
})

test('missing required parameters: 400 listing headers before query strings', async () => {
  const before = upstream.requests.length
  const res = await post('/pets', GOOD, { 'content-type': 'application/json' })
  assert.equal(res.status, 400)
  assert.equal(res.headers['x-amzn-errortype'], 'BadRequestException')
  assert.deepEqual(res.json(), { message: 'Missing required request parameters: [x-token, q1]' })
  assert.deepEqual((await post('/pets', GOOD)).json(), { message: 'Missing required request parameters: [q1]' })
  assert.equal(upstream.requests.length, before, 'the backend is not called')
})

test('blank values count as missing: ?q1= and a header of spaces', async () => {
  const res = await post('/pets?q1=&opt=1', GOOD, { 'content-type': 'application/json', 'x-token': '   ' })
  assert.deepEqual(res.json(), { message: 'Missing required request parameters: [x-token, q1]' })
  assert.deepEqual((await post('/pets?q1=%20', GOOD)).json(), { message: 'Missing required request parameters: [q1]' })
})

test('parameters are checked before the body: when both fail, the parameter error is reported', async () => {
  const res = await post('/pets', '{}')
  assert.equal(res.status, 400)
  assert.deepEqual(res.json(), { message: 'Missing required request parameters: [q1]' })
})

test('a body that fails its model gets the customised BAD_REQUEST_BODY response with the validation errors', async () => {
  const before = upstream.requests.length
  // The owner is checked through the $ref from Pet to Owner.
  const res = await post('/pets?q1=a', JSON.stringify({ name: 'Rex', owner: {} }))
  assert.equal(res.status, 400)
  assert.equal(res.headers['x-validation'], 'failed')
  assert.equal(res.headers['x-amzn-errortype'], 'BadRequestException')
  assert.deepEqual(res.json(), { error: 'Invalid request body', details: '[object has missing required properties (["name"])]' })
  assert.equal(upstream.requests.length, before, 'the backend is not called')
})

test('several failures are listed in member-name order', async () => {
  const res = await post('/pets?q1=a', JSON.stringify({ owner: { name: 'Ann' }, name: '', age: -1 }))
  assert.equal(res.status, 400)
  assert.equal(
    res.json().details,
    '[numeric instance is lower than the required minimum (minimum: 0, found: -1), string "" is too short (length: 0, required minimum: 1)]',
  )
})

test('a body that is not JSON, or no body at all, is an invalid body', async () => {
  const bad = await post('/pets?q1=a', '{"name": ')
  assert.equal(bad.status, 400)
  assert.equal(bad.json().error, 'Invalid request body')
  assert.match(bad.json().details, /^\[request body is not valid JSON: /)
  const empty = await post('/pets?q1=a', undefined)
  assert.equal(empty.status, 400)
  assert.equal(empty.json().details, '[request body is empty, expected JSON]')
})

test('the model is chosen by media type: parameters and case do not matter, no Content-Type means JSON', async () => {
  assert.equal((await post('/pets?q1=a', '{}', { 'content-type': 'Application/JSON; charset=utf-8', 'x-token': 't' })).status, 400)
  assert.equal((await post('/pets?q1=a', GOOD, { 'content-type': 'application/json; charset=utf-8', 'x-token': 't' })).status, 200)
  assert.equal((await post('/pets?q1=a', '{}', { 'x-token': 't' })).status, 400)
  assert.equal((await post('/pets?q1=a', GOOD, { 'x-token': 't' })).status, 200)
})

test('a content type with no model and no $default model is not validated', async () => {
  const res = await post('/pets?q1=a', 'plain words', { 'content-type': 'text/plain', 'x-token': 't' })
  assert.equal(res.status, 200)
  assert.equal(upstream.requests.at(-1)!.body, 'plain words')
})

test('the $default model applies to content types without their own', async () => {
  assert.equal((await post('/notes', JSON.stringify({ text: 'hi' }), { 'content-type': 'text/plain' })).status, 200)
  const res = await post('/notes', '{}', { 'content-type': 'text/plain' })
  assert.equal(res.status, 400)
  assert.equal(res.json().details, '[object has missing required properties (["text"])]')
  // application/json has its own model.
  assert.equal((await post('/notes', JSON.stringify({ text: 'hi' }))).status, 400)
})

test("validator 'body only' ignores parameters; 'params only' ignores the body; a validator checking nothing lets all through", async () => {
  assert.equal((await post('/pets/body-only', GOOD, { 'content-type': 'application/json' })).status, 200)
  assert.equal((await post('/pets/body-only?q1=a', '{}')).status, 400)
  assert.equal((await post('/pets/params-only?q1=a', 'not json')).status, 200)
  assert.equal(upstream.requests.at(-1)!.body, 'not json')
  assert.deepEqual((await post('/pets/params-only', GOOD)).json(), { message: 'Missing required request parameters: [q1]' })
  assert.equal((await post('/pets/none', 'not json', { 'content-type': 'application/json' })).status, 200)
})

test('required parameters of a GET method with a path parameter', async () => {
  const res = await gw.fetch('/dev/things/7?opt=1')
  assert.equal(res.status, 400)
  assert.deepEqual(res.json(), { message: 'Missing required request parameters: [x-token, q1]' })
  assert.equal((await gw.fetch('/dev/things/7?q1=z', { headers: { 'x-token': 't' } })).status, 200)
})

test('a method whose model cannot be compiled answers 500 and the reason is logged; the others keep working', async () => {
  const res = await post('/broken', '{}')
  assert.equal(res.status, 500)
  assert.deepEqual(res.json(), { message: 'Internal server error' })
  const warning = gw.logs.find((l) => typeof l.msg === 'string' && l.msg.includes('POST /broken: validate step'))
  assert.ok(warning, 'a warning names the route')
  assert.match(String(warning.msg), /model 'Broken' is not a valid JSON Schema \(draft 4\)/)
  assert.equal((await post('/pets?q1=a', GOOD)).status, 200)
})
