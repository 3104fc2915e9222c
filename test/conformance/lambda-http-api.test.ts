// Conformance: Lambda proxy integrations on HTTP APIs — the payload 2.0 event (§4.3) and response inference (§4.4),
// payload 1.0 (§4.5), and function errors. No public AWS recordings exist for HTTP APIs (LocalStack keeps those
// tests out of its open-source edition): the expectations are the documented shapes of the AWS behaviour
// reference §4.3–4.5 and the emulator bugs listed in §18.7.

import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { ECHO_EVENT, RESULT_FROM_BODY, lambdaUri, startLambdaApi, type LambdaApiUnderTest } from './lambda-helpers.js'

const BOOM = "export const handler = async () => { throw new Error('boom') }\n"

function lambda(name: string, version: '1.0' | '2.0', bareArn = false) {
  const uri = bareArn ? `arn:aws:lambda:us-east-1:000000000000:function:${name}` : lambdaUri(name)
  return { 'x-amazon-apigateway-integration': { type: 'aws_proxy', httpMethod: 'POST', uri, payloadFormatVersion: version } }
}

const DOC = {
  openapi: '3.0.1',
  info: { title: 'lambda-http-api', version: '1' },
  'x-amazon-apigateway-importexport-version': '1.0',
  paths: {
    '/customers/{id}': { get: lambda('echo', '2.0') },
    '/plain': { get: lambda('echo', '2.0', true) },
    '/items': { post: lambda('echo', '2.0') },
    '/shape': { post: lambda('result-from-body', '2.0') },
    '/boom': { get: lambda('boom', '2.0') },
    '/v1/{proxy+}': { 'x-amazon-apigateway-any-method': lambda('echo', '1.0') },
    '/v1-shape': { post: lambda('result-from-body', '1.0') },
    '/boom-v1': { get: lambda('boom', '1.0') },
  },
}
const FUNCTIONS = { echo: ECHO_EVENT, 'result-from-body': RESULT_FROM_BODY, boom: BOOM }

let api: LambdaApiUnderTest
let beta: LambdaApiUnderTest

before(async () => {
  api = await startLambdaApi('HTTP', DOC, FUNCTIONS, { stage: '$default' })
  beta = await startLambdaApi('HTTP', DOC, FUNCTIONS, { stage: 'beta', stageVariables: { color: 'blue' } })
})

after(async () => {
  await api?.stop()
  await beta?.stop()
})

/** node:http sends a header given as a list once per value. */
function repeated(headers: Record<string, string | string[]>): Record<string, string> {
  return headers as Record<string, string>
}

test('payload 2.0: the full event for a templated route with query, cookies and repeated headers', async () => {
  const res = await api.raw('/customers/42?a=1&a=2&b=x%20y', {
    headers: repeated({ 'User-Agent': 'curl/8.5.0', 'X-Multi': ['one', 'two'], Cookie: 'c1=v1; c2=v2', 'X-CaSe': 'Kept' }),
  })
  assert.equal(res.status, 200)
  const e = res.json()
  assert.deepEqual(Object.keys(e).sort(), [
    'cookies', 'headers', 'isBase64Encoded', 'pathParameters', 'queryStringParameters', 'rawPath', 'rawQueryString', 'requestContext', 'routeKey', 'version',
  ])
  assert.equal(e.version, '2.0')
  assert.equal(e.routeKey, 'GET /customers/{id}', 'the route template, not the concrete path')
  assert.equal(e.rawPath, '/customers/42')
  assert.equal(e.rawQueryString, 'a=1&a=2&b=x%20y', 'exactly as received')
  assert.deepEqual(e.cookies, ['c1=v1', 'c2=v2'])
  // Header names lower-cased, duplicates joined with ",", Cookie taken out.
  for (const name of Object.keys(e.headers)) assert.equal(name, name.toLowerCase())
  assert.equal(e.headers['cookie'], undefined)
  assert.equal(e.headers['x-multi'], 'one,two')
  assert.equal(e.headers['x-case'], 'Kept')
  assert.equal(e.headers['user-agent'], 'curl/8.5.0')
  assert.equal(e.headers['host'], `${api.apiId}.execute-api.localhost:${api.gw.port}`)
  assert.equal(e.headers['x-forwarded-for'], '127.0.0.1')
  assert.equal(e.headers['x-forwarded-proto'], 'http')
  assert.equal(e.headers['x-forwarded-port'], String(api.gw.port))
  assert.match(e.headers['x-amzn-trace-id'], /^Root=1-/)
  assert.deepEqual(e.queryStringParameters, { a: '1,2', b: 'x y' }, 'decoded; duplicates joined with ","')
  assert.deepEqual(e.pathParameters, { id: '42' })
  assert.equal(e.isBase64Encoded, false)

  const rc = e.requestContext
  assert.deepEqual(Object.keys(rc).sort(), ['accountId', 'apiId', 'domainName', 'domainPrefix', 'http', 'requestId', 'routeKey', 'stage', 'time', 'timeEpoch'])
  assert.match(rc.accountId, /^\d{12}$/)
  assert.equal(rc.apiId, api.apiId)
  assert.equal(rc.domainName, e.headers['host'])
  assert.equal(rc.domainPrefix, api.apiId)
  assert.deepEqual(rc.http, { method: 'GET', path: '/customers/42', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'curl/8.5.0' })
  assert.equal(rc.requestId, res.headers['apigw-requestid'], 'the id the client gets in apigw-requestid')
  assert.equal(rc.routeKey, 'GET /customers/{id}')
  assert.equal(rc.stage, '$default')
  assert.match(rc.time, /^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/)
  assert.equal(typeof rc.timeEpoch, 'number')
})

test('payload 2.0: optional fields are absent, not null', async () => {
  const e = (await api.raw('/plain')).json()
  for (const key of ['cookies', 'queryStringParameters', 'body', 'pathParameters', 'stageVariables']) {
    assert.ok(!(key in e), `${key} should be absent`)
  }
  assert.equal(e.rawQueryString, '')
  assert.equal(e.isBase64Encoded, false)
  assert.equal(e.routeKey, 'GET /plain', 'a bare Lambda ARN as integration URI works too')
})

test('payload 2.0: textual bodies arrive as text; any other type, or none, base64-encoded (§4.3)', async () => {
  const cases: Array<{ type?: string; body: Buffer; base64: boolean }> = [
    { type: 'application/json', body: Buffer.from('{"a":1}'), base64: false },
    { type: 'text/plain; charset=utf-8', body: Buffer.from('héllo'), base64: false },
    { type: 'application/xml', body: Buffer.from('<a/>'), base64: false },
    { type: 'application/octet-stream', body: Buffer.from([0, 1, 2, 0xff]), base64: true },
    { type: 'application/x-www-form-urlencoded', body: Buffer.from('a=1&b=2'), base64: true },
    { type: 'image/png', body: Buffer.from([0x89, 0x50, 0x4e, 0x47]), base64: true },
    { body: Buffer.from('no type'), base64: true },
  ]
  for (const c of cases) {
    const res = await api.gw.fetch('/items', { method: 'POST', body: c.body, headers: c.type ? { 'content-type': c.type } : {} })
    const e = res.json()
    assert.equal(e.isBase64Encoded, c.base64, `${c.type ?? 'no Content-Type'}`)
    assert.equal(e.body, c.base64 ? c.body.toString('base64') : c.body.toString('utf8'), `${c.type ?? 'no Content-Type'}`)
  }
})

test('payload 2.0 on a named stage: rawPath and http.path keep the stage; stage variables present', async () => {
  const res = await beta.call('/customers/9')
  assert.equal(res.status, 200)
  const e = res.json()
  assert.equal(e.rawPath, '/beta/customers/9')
  assert.equal(e.requestContext.http.path, '/beta/customers/9')
  assert.equal(e.requestContext.stage, 'beta')
  assert.equal(e.routeKey, 'GET /customers/{id}')
  assert.deepEqual(e.pathParameters, { id: '9' })
  assert.deepEqual(e.stageVariables, { color: 'blue' })
})

/** POSTs `result` as JSON to a route whose function returns it. */
function shape(result: unknown, path = '/shape') {
  return api.gw.fetch(path, { method: 'POST', body: JSON.stringify(result), headers: { 'content-type': 'application/json' } })
}

test('payload 2.0 response inference: a value without statusCode is a 200 JSON body (§4.4)', async () => {
  const str = await shape('Hello from Lambda!')
  assert.equal(str.status, 200)
  assert.equal(str.text, 'Hello from Lambda!', 'a string stays a plain string')
  assert.equal(str.headers['content-type'], 'application/json')
  const obj = await shape({ message: 'hi', nested: { n: 1 } })
  assert.equal(obj.status, 200)
  assert.deepEqual(obj.json(), { message: 'hi', nested: { n: 1 } })
  assert.equal(obj.headers['content-type'], 'application/json')
  const arr = await shape([1, 'two', { three: 3 }])
  assert.equal(arr.status, 200)
  assert.deepEqual(arr.json(), [1, 'two', { three: 3 }])
  const num = await shape(42)
  assert.equal(num.status, 200)
  assert.equal(num.text, '42')
  assert.ok(num.headers['apigw-requestid'])
  assert.equal(num.headers['x-amzn-requestid'], undefined)
})

test('payload 2.0 response: statusCode, headers and cookies, each cookie its own Set-Cookie (§4.4)', async () => {
  const res = await shape({ statusCode: 201, headers: { 'x-a': 'b', 'content-type': 'text/plain' }, cookies: ['c1=v1', 'c2=v2; Path=/'], body: 'made' })
  assert.equal(res.status, 201)
  assert.equal(res.text, 'made')
  assert.equal(res.headers['x-a'], 'b')
  assert.equal(res.headers['content-type'], 'text/plain')
  assert.deepEqual(res.headers['set-cookie'], ['c1=v1', 'c2=v2; Path=/'])
  const noType = await shape({ statusCode: 204 })
  assert.equal(noType.status, 204)
})

test('payload 2.0 response: isBase64Encoded bodies are always decoded (no binaryMediaTypes on HTTP APIs)', async () => {
  const res = await shape({ statusCode: 200, headers: { 'content-type': 'application/octet-stream' }, body: Buffer.from('test-data').toString('base64'), isBase64Encoded: true })
  assert.equal(res.status, 200)
  assert.equal(res.text, 'test-data')
  assert.equal(res.headers['content-length'], '9')
})

test('HTTP APIs: a function error or an unusable result → 500 {"message":"Internal Server Error"}', async () => {
  for (const res of [await api.gw.fetch('/boom'), await api.gw.fetch('/boom-v1'), await shape({ statusCode: 'abc' }), await shape('not an object', '/v1-shape')]) {
    assert.equal(res.status, 500)
    assert.deepEqual(res.json(), { message: 'Internal Server Error' })
    assert.equal(res.headers['x-amzn-errortype'], undefined)
    assert.ok(res.headers['apigw-requestid'])
  }
})

test('payload 1.0 on an HTTP API: version "1.0", path with the named stage, v1 maps (§4.5)', async () => {
  const res = await beta.raw('/beta/v1/x/y?q=1&q=2', { headers: repeated({ 'X-Multi': ['one', 'two'], 'User-Agent': 'curl/8.5.0' }) })
  assert.equal(res.status, 200)
  const e = res.json()
  assert.equal(e.version, '1.0')
  assert.equal(e.resource, '/v1/{proxy+}')
  assert.equal(e.path, '/beta/v1/x/y', 'unlike REST, path keeps the stage')
  assert.equal(e.httpMethod, 'GET')
  assert.deepEqual(e.pathParameters, { proxy: 'x/y' })
  assert.deepEqual(e.queryStringParameters, { q: '2' })
  assert.deepEqual(e.multiValueQueryStringParameters, { q: ['1', '2'] })
  assert.equal(e.headers['X-Multi'], 'two', 'the last value')
  assert.deepEqual(e.multiValueHeaders['X-Multi'], ['one', 'two'])
  assert.deepEqual(e.stageVariables, { color: 'blue' })
  assert.equal(e.body, null)
  assert.equal(e.isBase64Encoded, false)
  const rc = e.requestContext
  assert.equal(rc.routeKey, 'ANY /v1/{proxy+}')
  assert.equal(rc.resourcePath, '/v1/{proxy+}')
  assert.equal(rc.stage, 'beta')
  assert.equal(rc.path, '/beta/v1/x/y')
  assert.equal(rc.httpMethod, 'GET')
  assert.equal(rc.identity.userAgent, 'curl/8.5.0')
  assert.equal(rc.requestId, res.headers['apigw-requestid'])
})

test('payload 1.0 on the $default stage: no stage in path; null for what is missing', async () => {
  const e = (await api.call('/v1/a', { method: 'DELETE' })).json()
  assert.equal(e.version, '1.0')
  assert.equal(e.path, '/v1/a')
  assert.equal(e.httpMethod, 'DELETE')
  assert.equal(e.requestContext.stage, '$default')
  assert.equal(e.queryStringParameters, null)
  assert.equal(e.multiValueQueryStringParameters, null)
  assert.equal(e.stageVariables, null)
})

test('payload 1.0 response on an HTTP API: multiValueHeaders supported, base64 always decoded', async () => {
  const res = await shape({ statusCode: 202, multiValueHeaders: { 'x-m': ['1', '2'] }, headers: { 'x-s': 'single' }, body: 'ok' }, '/v1-shape')
  assert.equal(res.status, 202)
  assert.equal(res.text, 'ok')
  assert.equal(res.headers['x-m'], '1, 2')
  assert.equal(res.headers['x-s'], 'single')
  const b64 = await shape({ statusCode: 200, body: Buffer.from('test-data').toString('base64'), isBase64Encoded: true }, '/v1-shape')
  assert.equal(b64.text, 'test-data')
})
