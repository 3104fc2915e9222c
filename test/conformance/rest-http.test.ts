// Conformance: REST HTTP and HTTP_PROXY integrations, from AWS recordings in test_apigateway_http.snapshot.json
// (LocalStack's tests run against real AWS with a Lambda function URL as the backend; here a real upstream on
// port 0 stands in for it) plus the AWS-validated test_apigateway_integrations :: test_http_integration_status_code_selection.
// Inputs follow LocalStack's `create_rest_api_with_integration` fixture: a POST method on /test (or the given
// path), integration httpMethod POST, a 200 method response and a default integration response whose
// application/json template is `$input.json('$')`.

import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { startUpstream, type Upstream } from '../helpers.js'
import { headerNames, lastSeen, startRestApi, type RestApiUnderTest } from './rest-helpers.js'

type HttpType = 'HTTP' | 'HTTP_PROXY'
const TYPES: HttpType[] = ['HTTP', 'HTTP_PROXY']

/** The recorded clients sent Python's `json.dumps({"message": "hello world"})`: 26 bytes, with the space. */
const HELLO = '{"message": "hello world"}'

/** Like a Lambda function URL running the echo function: answers with a JSON view of the request and its own request id. */
let lambdaUrl: Upstream
let lambdaRequestIds: string[] = []
/** Like the status-code echo function: answers with the status named by the last path segment. */
let statusEcho: Upstream

function integrationFor(type: HttpType, uri: string, extra: Record<string, unknown> = {}) {
  return {
    type: type.toLowerCase(),
    httpMethod: 'POST',
    uri,
    responses: { default: { statusCode: '200', responseTemplates: { 'application/json': "$input.json('$')" } } },
    ...extra,
  }
}

/** The fixture's API: `{method} /{pathPart}` → `type` integration on `uri`. */
function fixtureApi(type: HttpType, uri: string, opts: { pathPart?: string; method?: string; parameters?: unknown[]; requestParameters?: Record<string, string> } = {}) {
  const method = opts.method ?? 'post'
  return {
    openapi: '3.0.1',
    info: { title: `test-apigw-${type}`, version: '1' },
    paths: {
      [`/${opts.pathPart ?? 'test'}`]: {
        [method]: {
          ...(opts.parameters ? { parameters: opts.parameters } : {}),
          responses: { '200': { description: '200 response' } },
          'x-amazon-apigateway-integration': integrationFor(type, uri, opts.requestParameters ? { requestParameters: opts.requestParameters } : {}),
        },
      },
    },
    'x-amazon-apigateway-endpoint-configuration': { types: ['REGIONAL'] },
  }
}

const withLambda = new Map<HttpType, RestApiUnderTest>()
const passthrough = new Map<HttpType, RestApiUnderTest>()
const methodApis = new Map<HttpType, RestApiUnderTest>()
let mappings: RestApiUnderTest
let selection: RestApiUnderTest

before(async () => {
  lambdaUrl = await startUpstream((req, res, body) => {
    const url = new URL(req.url!, 'http://x')
    const args: Record<string, string> = {}
    for (const [k, v] of url.searchParams) args[k] = args[k] === undefined ? v : `${args[k]},${v}`
    const headers: Record<string, string> = {}
    for (let i = 0; i < req.rawHeaders.length; i += 2) headers[req.rawHeaders[i]!.toLowerCase()] = req.rawHeaders[i + 1]!
    let data: unknown = body
    try {
      data = JSON.parse(body)
    } catch {
      // not JSON: echoed as text
    }
    const id = randomUUID()
    lambdaRequestIds.push(id)
    // A function URL answers with its own request id and trace id.
    const text = JSON.stringify({ args, data, domain: headers['host'], headers, method: req.method, origin: req.socket.remoteAddress, path: url.pathname })
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(text)), 'x-amzn-RequestId': id, 'X-Amzn-Trace-Id': LAMBDA_TRACE })
    res.end(text)
  })
  statusEcho = await startUpstream((req, res) => {
    const status = Number(req.url!.split('?')[0]!.split('/').pop())
    res.writeHead(status, { 'Content-Type': 'application/json' })
    res.end(JSON.stringify({ message: '', status_code: status }))
  })
  const mapParam = [{ name: 'map', in: 'path', required: true, schema: { type: 'string' } }]
  for (const type of TYPES) {
    withLambda.set(type, await startRestApi(fixtureApi(type, `${lambdaUrl.url}/`), { stage: 'test' }))
    passthrough.set(
      type,
      await startRestApi(
        fixtureApi(type, `${statusEcho.url}/{map}`, { pathPart: '{map+}', parameters: mapParam, requestParameters: { 'integration.request.path.map': 'method.request.path.map' } }),
        { stage: 'test' },
      ),
    )
    methodApis.set(type, await startRestApi(fixtureApi(type, `${lambdaUrl.url}/`, { method: 'x-amazon-apigateway-any-method' }), { stage: 'test' }))
  }
  // test_http_proxy_integration_request_data_mappings: the method declares (as required) every source it maps.
  mappings = await startRestApi(
    fixtureApi('HTTP_PROXY', `${lambdaUrl.url}/?testVar={pathVar}&testQs={qsVar}`, {
      pathPart: '{pathVariable}',
      parameters: [
        { name: 'pathVariable', in: 'path', required: true, schema: { type: 'string' } },
        { name: 'testVar', in: 'query', required: true, schema: { type: 'string' } },
        { name: 'testQueryString', in: 'query', required: true, schema: { type: 'string' } },
        { name: 'foobar', in: 'header', required: true, schema: { type: 'string' } },
        { name: 'emptyheader', in: 'header', required: true, schema: { type: 'string' } },
      ],
      requestParameters: {
        'integration.request.header.headerVar': 'method.request.header.foobar',
        'integration.request.path.qsVar': 'method.request.querystring.testVar',
        'integration.request.path.pathVar': 'method.request.path.pathVariable',
        'integration.request.querystring.queryString': 'method.request.querystring.testQueryString',
        'integration.request.querystring.testQs': 'method.request.querystring.testQueryString',
        'integration.request.querystring.testEmptyQs': 'method.request.header.emptyheader',
      },
    }),
    { stage: 'test' },
  )
  // test_http_integration_status_code_selection: GET /{status} → HTTP GET {echo}/status/{status}; default → 200, 4\d{2} → 400.
  selection = await startRestApi(
    {
      openapi: '3.0.1',
      info: { title: 'my_api', version: '1' },
      paths: {
        '/{status}': {
          get: {
            parameters: [{ name: 'status', in: 'path', required: true, schema: { type: 'string' } }],
            responses: { '200': { description: 'ok' }, '400': { description: 'client error' } },
            'x-amazon-apigateway-integration': {
              type: 'http',
              httpMethod: 'GET',
              uri: `${statusEcho.url}/status/{status}`,
              requestParameters: { 'integration.request.path.status': 'method.request.path.status' },
              responses: { default: { statusCode: '200' }, '4\\d{2}': { statusCode: '400' } },
            },
          },
        },
      },
    },
    { stage: 'test' },
  )
})

after(async () => {
  for (const a of [...withLambda.values(), ...passthrough.values(), ...methodApis.values(), mappings, selection]) await a?.stop()
  await lambdaUrl?.close()
  await statusEcho?.close()
})

/** The client of test_http_integration_with_lambda (python-requests adds Accept-Encoding). */
function postHello(api: RestApiUnderTest, accept: string) {
  return api.call('/test', {
    method: 'POST',
    body: HELLO,
    headers: { 'content-type': 'application/json', accept, 'user-agent': 'test/integration', 'accept-encoding': 'gzip, deflate' },
  })
}

const TRACE_ID = /^Root=1-[0-9a-f]{8}-[0-9a-f]{24}/
const LAMBDA_TRACE = 'root=1-6b04a000-0123456789abcdef01234567;parent=1a2b3c4d5e6f7a8b;sampled=0'

// Recording: test_apigateway_http.snapshot.json :: test_http_integration_with_lambda[HTTP] :: http-invocation-lambda-url (content.headers, content.method/path/data)
test('test_apigateway_http :: test_http_integration_with_lambda[HTTP] :: http-invocation-lambda-url: what the backend receives', async () => {
  const api = withLambda.get('HTTP')!
  const res = await postHello(api, 'application/xml')
  assert.equal(res.status, 200)
  const seen = lastSeen(lambdaUrl)
  assert.equal(seen.method, 'POST')
  assert.equal(seen.path, '/')
  assert.deepEqual(seen.args, {})
  assert.deepEqual(JSON.parse(seen.body), { message: 'hello world' })
  // The Lambda URL itself adds x-amzn-tls-* and x-forwarded-*; everything else in the recording came from API Gateway.
  assert.deepEqual(headerNames(seen.headers, ['connection']), ['accept', 'content-length', 'content-type', 'host', 'user-agent', 'x-amzn-apigateway-api-id', 'x-amzn-trace-id'])
  assert.equal(seen.headers['accept'], 'application/json')
  assert.equal(seen.headers['content-length'], '26')
  assert.equal(seen.headers['content-type'], 'application/json')
  assert.equal(seen.headers['host'], `127.0.0.1:${lambdaUrl.port}`)
  assert.equal(seen.headers['user-agent'], `AmazonAPIGateway_${api.apiId}`)
  assert.equal(seen.headers['x-amzn-apigateway-api-id'], api.apiId)
  assert.match(seen.headers['x-amzn-trace-id']!, TRACE_ID)
})

// Recording: same :: http-invocation-lambda-url (headers): the response carries the gateway's ids and a trace id,
// and no backend header (non-proxy integrations copy none unless mapped).
test('test_apigateway_http :: test_http_integration_with_lambda[HTTP] :: http-invocation-lambda-url: response headers', async () => {
  const res = await postHello(withLambda.get('HTTP')!, 'application/xml')
  assert.equal(res.status, 200)
  assert.equal(res.headers['content-type'], 'application/json')
  assert.match(String(res.headers['x-amzn-requestid']), /^[0-9a-f-]{36}$/)
  assert.ok(res.headers['x-amz-apigw-id'])
  assert.ok(res.headers['date'])
  assert.notEqual(res.headers['x-amzn-requestid'], lambdaRequestIds.at(-1))
  assert.match(String(res.headers['x-amzn-trace-id']), TRACE_ID)
  assert.deepEqual(headerNames(res.headers), ['connection', 'content-length', 'content-type', 'date', 'x-amz-apigw-id', 'x-amzn-requestid', 'x-amzn-trace-id'])
  assert.equal(res.headers['connection'], 'keep-alive')
})

// Recording: same :: http-invocation-lambda-url (content). NEEDS VTL: the body is `$input.json('$')` of the backend's.
test("test_apigateway_http :: test_http_integration_with_lambda[HTTP] :: http-invocation-lambda-url: body through $input.json('$') [needs VTL]", async () => {
  const res = await postHello(withLambda.get('HTTP')!, 'application/xml')
  const content = res.json()
  assert.deepEqual(content.data, { message: 'hello world' })
  assert.equal(content.method, 'POST')
  assert.equal(content.path, '/')
  assert.equal(content.headers['user-agent'], `AmazonAPIGateway_${withLambda.get('HTTP')!.apiId}`)
})

// Recording: test_http_integration_with_lambda[HTTP_PROXY] :: http-invocation-lambda-url (content)
test('test_apigateway_http :: test_http_integration_with_lambda[HTTP_PROXY] :: http-invocation-lambda-url: what the backend receives', async () => {
  const api = withLambda.get('HTTP_PROXY')!
  const res = await postHello(api, 'application/xml')
  assert.equal(res.status, 200)
  const seen = lastSeen(lambdaUrl)
  assert.equal(seen.method, 'POST')
  assert.equal(seen.path, '/')
  assert.deepEqual(JSON.parse(seen.body), { message: 'hello world' })
  // x-forwarded-* may come from the gateway or (in the recording) the Lambda URL: allowed, not required.
  assert.deepEqual(headerNames(seen.headers, ['connection', 'x-forwarded-for', 'x-forwarded-port', 'x-forwarded-proto']), [
    'accept', 'accept-encoding', 'content-length', 'content-type', 'host', 'user-agent', 'x-amzn-apigateway-api-id', 'x-amzn-trace-id',
  ])
  assert.equal(seen.headers['accept'], 'application/xml')
  assert.equal(seen.headers['accept-encoding'], 'gzip, deflate')
  assert.equal(seen.headers['content-length'], '26')
  assert.equal(seen.headers['content-type'], 'application/json')
  assert.equal(seen.headers['host'], `127.0.0.1:${lambdaUrl.port}`)
  assert.equal(seen.headers['user-agent'], 'test/integration')
  assert.equal(seen.headers['x-amzn-apigateway-api-id'], api.apiId)
  assert.match(seen.headers['x-amzn-trace-id']!, TRACE_ID)
})

// Recording: same :: http-invocation-lambda-url (headers, content): the body passes through; the backend's
// Connection, Content-Length, Date and x-amzn-RequestId come back as x-amzn-Remapped-*.
test('test_apigateway_http :: test_http_integration_with_lambda[HTTP_PROXY] :: http-invocation-lambda-url: response', async () => {
  const res = await postHello(withLambda.get('HTTP_PROXY')!, 'application/xml')
  assert.equal(res.status, 200)
  assert.equal(res.headers['content-type'], 'application/json')
  const content = res.json()
  assert.deepEqual(content.data, { message: 'hello world' })
  assert.equal(content.headers['user-agent'], 'test/integration')
  assert.ok(res.headers['x-amz-apigw-id'])
  assert.match(String(res.headers['x-amzn-requestid']), /^[0-9a-f-]{36}$/)
  assert.equal(res.headers['x-amzn-remapped-connection'], 'keep-alive')
  assert.equal(res.headers['x-amzn-remapped-content-length'], res.headers['content-length'])
  assert.ok(res.headers['x-amzn-remapped-date'])
  assert.equal(res.headers['x-amzn-remapped-x-amzn-requestid'], lambdaRequestIds.at(-1))
  assert.notEqual(res.headers['x-amzn-requestid'], lambdaRequestIds.at(-1))
  // The backend's trace id passes through as any other header (proxies add none of their own, §6.5).
  assert.equal(res.headers['x-amzn-trace-id'], LAMBDA_TRACE)
  assert.deepEqual(headerNames(res.headers), [
    'connection', 'content-length', 'content-type', 'date', 'x-amz-apigw-id', 'x-amzn-remapped-connection', 'x-amzn-remapped-content-length',
    'x-amzn-remapped-date', 'x-amzn-remapped-x-amzn-requestid', 'x-amzn-requestid', 'x-amzn-trace-id',
  ])
})

for (const type of TYPES) {
  // Recording: test_apigateway_http.snapshot.json :: test_http_integration_invoke_status_code_passthrough[TYPE] :: matching-response / non-matching-response (status_code)
  const expected400 = type === 'HTTP' ? 200 : 400
  test(`test_apigateway_http :: test_http_integration_invoke_status_code_passthrough[${type}] :: matching-response, non-matching-response: status ${200}, ${expected400}`, async () => {
    const api = passthrough.get(type)!
    const ok = await api.call('/status/200', { method: 'POST' })
    assert.equal(ok.status, 200)
    assert.equal(lastSeen(statusEcho).path, '/status/200')
    const bad = await api.call('/status/400', { method: 'POST' })
    // HTTP: the only integration response is the default 200, whatever the backend said. HTTP_PROXY: passed through.
    assert.equal(bad.status, expected400)
    assert.equal(lastSeen(statusEcho).path, '/status/400')
  })

  // Recording: same :: body. For HTTP it goes through `$input.json('$')` and so NEEDS VTL; for HTTP_PROXY it is passed through.
  test(`test_apigateway_http :: test_http_integration_invoke_status_code_passthrough[${type}] :: matching-response, non-matching-response: body${type === 'HTTP' ? ' [needs VTL]' : ''}`, async () => {
    const api = passthrough.get(type)!
    assert.deepEqual((await api.call('/status/200', { method: 'POST' })).json(), { message: '', status_code: 200 })
    assert.deepEqual((await api.call('/status/400', { method: 'POST' })).json(), { message: '', status_code: 400 })
  })

  // Recording: test_apigateway_http.snapshot.json :: test_http_integration_method[TYPE] :: http-invocation-lambda-url-post/-put/-get
  // (ANY method, integration method POST; the recorded test sent POST for all three labels). The echo trimmed x-* headers.
  test(`test_apigateway_http :: test_http_integration_method[${type}] :: http-invocation-lambda-url-post, -put, -get`, async () => {
    const api = methodApis.get(type)!
    for (let i = 0; i < 3; i++) {
      const res = await api.call('/test', {
        method: 'POST',
        body: HELLO,
        headers: { 'content-type': 'application/json', accept: 'application/json', 'user-agent': 'test/integration', 'accept-encoding': 'gzip, deflate' },
      })
      assert.equal(res.status, 200)
      const seen = lastSeen(lambdaUrl)
      assert.equal(seen.method, 'POST')
      assert.equal(seen.path, '/')
      assert.deepEqual(JSON.parse(seen.body), { message: 'hello world' })
      const names = headerNames(seen.headers, ['connection']).filter((h) => !h.startsWith('x-'))
      if (type === 'HTTP') {
        assert.deepEqual(names, ['accept', 'content-length', 'content-type', 'host', 'user-agent'])
        assert.equal(seen.headers['user-agent'], `AmazonAPIGateway_${api.apiId}`)
      } else {
        assert.deepEqual(names, ['accept', 'accept-encoding', 'content-length', 'content-type', 'host', 'user-agent'])
        assert.equal(seen.headers['user-agent'], 'test/integration')
        assert.equal(seen.headers['accept-encoding'], 'gzip, deflate')
      }
      assert.equal(seen.headers['accept'], 'application/json')
      assert.equal(seen.headers['content-type'], 'application/json')
    }
  })

  // Not recorded (the recording's labels name PUT and GET but it sent POST each time): §1.4 [DOC] — the
  // integration's httpMethod is the method used on the backend, whatever the client used on an ANY method.
  test(`§1.4 [DOC] ${type}: a PUT or GET on an ANY method reaches the backend as the integration's POST`, async () => {
    const api = methodApis.get(type)!
    for (const method of ['PUT', 'GET']) {
      const res = await api.call('/test', { method, headers: { accept: 'application/json' } })
      assert.equal(res.status, 200, method)
      assert.equal(lastSeen(lambdaUrl).method, 'POST', method)
    }
  })
}

// Recording: test_apigateway_http.snapshot.json :: test_http_proxy_integration_request_data_mappings :: http-proxy-invocation
test('test_apigateway_http :: test_http_proxy_integration_request_data_mappings :: http-proxy-invocation: mapped query strings and headers', async () => {
  const res = await mappings.call('/foobar?testQueryString=foo&testVar=bar', {
    method: 'POST',
    body: HELLO,
    headers: {
      'content-type': 'application/json',
      accept: 'application/json',
      foobar: 'mapped-value',
      'user-agent': 'test/integration',
      headerVar: 'request-value',
      'accept-encoding': 'gzip, deflate',
    },
  })
  assert.equal(res.status, 200)
  const seen = lastSeen(lambdaUrl)
  assert.equal(seen.method, 'POST')
  assert.equal(seen.path, '/')
  // The URI's own query values come first, then the client's and the mapped ones; a repeated key keeps all.
  assert.deepEqual(seen.args, { queryString: 'foo', testQs: 'bar,foo', testQueryString: 'foo', testVar: 'foobar,bar' })
  assert.deepEqual(headerNames(seen.headers, ['connection']).filter((h) => !h.startsWith('x-')), [
    'accept', 'accept-encoding', 'content-length', 'content-type', 'foobar', 'headervar', 'host', 'user-agent',
  ])
  assert.equal(seen.headers['headervar'], 'mapped-value')
  assert.equal(seen.headers['foobar'], 'mapped-value')
  assert.equal(seen.headers['content-length'], '26')
  assert.deepEqual(JSON.parse(seen.body), { message: 'hello world' })
})

// Recording: same :: http-proxy-invocation (headers)
test('test_apigateway_http :: test_http_proxy_integration_request_data_mappings :: http-proxy-invocation: response headers', async () => {
  const res = await mappings.call('/foobar?testQueryString=foo&testVar=bar', {
    method: 'POST',
    body: HELLO,
    headers: { 'content-type': 'application/json', accept: 'application/json', foobar: 'mapped-value' },
  })
  assert.equal(res.status, 200)
  assert.equal(res.headers['content-type'], 'application/json')
  assert.equal(res.headers['x-amzn-remapped-connection'], 'keep-alive')
  assert.equal(res.headers['x-amzn-remapped-content-length'], res.headers['content-length'])
  assert.ok(res.headers['x-amzn-remapped-date'])
  assert.equal(res.headers['x-amzn-remapped-x-amzn-requestid'], lambdaRequestIds.at(-1))
  assert.ok(res.headers['x-amz-apigw-id'])
})

// AWS-validated (no snapshot): test_apigateway_integrations :: test_http_integration_status_code_selection
test('test_apigateway_integrations :: test_http_integration_status_code_selection: 404 selects the 4\\d{2} response, 201 the default', async () => {
  const notFound = await selection.call('/404', { headers: { 'user-agent': 'python-requests/testing' } })
  assert.equal(notFound.status, 400)
  assert.equal(lastSeen(statusEcho).method, 'GET')
  assert.equal(lastSeen(statusEcho).path, '/status/404')
  const created = await selection.call('/201', { headers: { 'user-agent': 'python-requests/testing' } })
  assert.equal(created.status, 200)
})
