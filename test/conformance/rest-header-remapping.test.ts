// Conformance: header handling at ingress and egress of REST HTTP / HTTP_PROXY integrations (§5.7, §5.8, §6.6),
// from the AWS recording test_apigateway_integrations :: TestApiGatewayHeaderRemapping::test_apigateway_header_remapping_http[HTTP|HTTP_PROXY]
// (that snapshot is not among our fixtures; read from localstack/localstack at the recorded test).
// The recorded backend was httpbin.org/post, which hides Via, X-Forwarded-* and Connection from its echo and
// sits behind a load balancer that answers `Expect`; those four are therefore not asserted on the backend side.

import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import type { Upstream } from '../helpers.js'
import { HEADER_REMAPPING_CLIENT_HEADERS, headerNames, lastSeen, rawRequest, startEchoUpstream, startRestApi, type RestApiUnderTest } from './rest-helpers.js'

type HttpType = 'HTTP' | 'HTTP_PROXY'
const TYPES: HttpType[] = ['HTTP', 'HTTP_PROXY']

/** The 27 header names of the scenario, each declared as an optional method request header and a method response header. */
const HEADERS = [
  'Accept', 'Accept-Charset', 'Accept-Encoding', 'Age', 'Authorization', 'Connection', 'Content-Encoding', 'Content-Length',
  'Content-MD5', 'Content-Type', 'Date', 'Expect', 'Host', 'Max-Forwards', 'Pragma', 'Proxy-Authenticate', 'Range', 'Referer',
  'Server', 'TE', 'Transfer-Encoding', 'Trailer', 'Upgrade', 'User-Agent', 'Via', 'Warn', 'WWW-Authenticate',
]

/** Request mappings of the /full resource (Content-Length and Transfer-Encoding have their own resources). */
const FULL_REQUEST_PARAMETERS: Record<string, string> = {
  'integration.request.header.Accept': "'text/html'",
  'integration.request.header.Accept-Charset': "'UTF-16'",
  'integration.request.header.Accept-Encoding': "'zstd'",
  'integration.request.header.Age': "'request_params_age'",
  'integration.request.header.Authorization': "'request_params_authorization'",
  'integration.request.header.Content-Encoding': "'compress'",
  'integration.request.header.Content-MD5': "'request_params_Content-MD5'",
  'integration.request.header.Content-Type': "'application/json'",
  'integration.request.header.Date': "'request_params_Date'",
  'integration.request.header.Expect': "'200-ok'",
  'integration.request.header.Host': 'method.request.header.Host',
  'integration.request.header.Max-Forwards': "'2'",
  'integration.request.header.Pragma': "'no-cache'",
  'integration.request.header.Range': "'bytes=0-499'",
  'integration.request.header.Referer': "'https://example.com/page'",
  'integration.request.header.Server': "'https://example.com/page'",
  'integration.request.header.Trailer': "'user-agent'",
  'integration.request.header.Upgrade': "'HTTP/2.0'",
  'integration.request.header.User-Agent': "'Override-Agent'",
  'integration.request.header.Warn': '\'110 anderson/1.3.37 "Response is stale"\'',
  'integration.request.header.WWW-Authenticate': "'Basic YWxhZGRpbjpvcGVuc2VzYW1l'",
  'integration.request.header.Connection': "'keep-alive'",
  'integration.request.header.Proxy-Authenticate': '\'Basic realm="Access to the internal site"\'',
  'integration.request.header.TE': "'gzip'",
  'integration.request.header.Via': "'othersite.net'",
}

/** What the recorded client sent on every request, with the invoke URL's host. */
function clientHeaders(host: string): Record<string, string> {
  return { Host: host, ...HEADER_REMAPPING_CLIENT_HEADERS }
}

function method(integration: Record<string, unknown>) {
  return {
    parameters: HEADERS.map((h) => ({ name: h, in: 'header', required: false, schema: { type: 'string' } })),
    responses: { '200': { description: '200 response', headers: Object.fromEntries(HEADERS.map((h) => [h, { schema: { type: 'string' } }])) } },
    'x-amazon-apigateway-integration': integration,
  }
}

function remappingApi(type: HttpType, uri: string) {
  const base = { type: type.toLowerCase(), httpMethod: 'POST', uri }
  const requestTemplate = '{' + HEADERS.map((h) => `"${h}": "$input.params('${h}')"`).join(',') + '}'
  return {
    openapi: '3.0.1',
    info: { title: `header-remapping-${type}`, version: '1' },
    paths: {
      '/no-param': { get: method({ ...base, responses: { default: { statusCode: '200' } } }) },
      '/full': {
        get: method({
          ...base,
          requestParameters: FULL_REQUEST_PARAMETERS,
          requestTemplates: { 'application/json': requestTemplate },
          responses: {
            default: {
              statusCode: '200',
              responseParameters: Object.fromEntries(HEADERS.map((h) => [`method.response.header.${h}`, `'response_param_${h}'`])),
            },
          },
        }),
      },
      '/content-length': { get: method({ ...base, requestParameters: { 'integration.request.header.Content-Length': "'0'" }, responses: { default: { statusCode: '200' } } }) },
      '/transfer-encoding': { get: method({ ...base, requestParameters: { 'integration.request.header.Transfer-Encoding': "'deflate'" }, responses: { default: { statusCode: '200' } } }) },
    },
    'x-amazon-apigateway-endpoint-configuration': { types: ['REGIONAL'] },
  }
}

let echo: Upstream
const apis = new Map<HttpType, RestApiUnderTest>()

before(async () => {
  // Like httpbin.org/post behind gunicorn, as in the recording.
  echo = await startEchoUpstream({ 'Access-Control-Allow-Origin': '*', 'Access-Control-Allow-Credentials': 'true', Server: 'gunicorn/19.9.0' })
  for (const type of TYPES) apis.set(type, await startRestApi(remappingApi(type, `${echo.url}/post`), { stage: 'test' }))
})

after(async () => {
  for (const a of apis.values()) await a.stop()
  await echo?.close()
})

function invoke(type: HttpType, path: string) {
  const api = apis.get(type)!
  const host = `localhost:${api.gw.port}`
  return rawRequest(api.gw.port, `/test/${path}`, { headers: clientHeaders(host) }).then((res) => ({ res, host, api }))
}

/** Backend header names without those the recorded echo could not show (see the header comment). */
function backendNames(headers: Record<string, string>): string[] {
  return headerNames(headers, ['connection', 'via', 'expect', 'x-forwarded-for', 'x-forwarded-port', 'x-forwarded-proto'])
}

const ID = (type: HttpType) => `test_apigateway_integrations :: TestApiGatewayHeaderRemapping::test_apigateway_header_remapping_http[${type}]`

// ---- HTTP -------------------------------------------------------------------------------------------------

// Recording: ...[HTTP] :: no-param-integration (headers, body): non-proxy HTTP forwards none of the client's
// headers, only its own defaults, and no body for a bodiless GET.
test(`${ID('HTTP')} :: no-param-integration: what the backend receives`, async () => {
  const { res, api } = await invoke('HTTP', 'no-param')
  assert.equal(res.status, 200)
  const seen = lastSeen(echo)
  assert.equal(seen.method, 'POST')
  assert.deepEqual(backendNames(seen.headers), ['accept', 'content-length', 'host', 'user-agent', 'x-amzn-apigateway-api-id', 'x-amzn-trace-id'])
  assert.equal(seen.headers['accept'], 'application/json')
  assert.equal(seen.headers['content-length'], '0')
  assert.equal(seen.headers['host'], `127.0.0.1:${echo.port}`)
  assert.equal(seen.headers['user-agent'], `AmazonAPIGateway_${api.apiId}`)
  assert.equal(seen.headers['x-amzn-apigateway-api-id'], api.apiId)
  assert.equal(seen.body, '')
})

// Recording: ...[HTTP] :: no-param-integration (response-headers): exactly these seven.
test(`${ID('HTTP')} :: no-param-integration: response headers`, async () => {
  const { res } = await invoke('HTTP', 'no-param')
  assert.deepEqual(headerNames(res.headers), ['connection', 'content-length', 'content-type', 'date', 'x-amz-apigw-id', 'x-amzn-requestid', 'x-amzn-trace-id'])
  assert.equal(res.headers['connection'], 'close')
  assert.equal(res.headers['content-type'], 'application/json')
  assert.equal(Number(res.headers['content-length']), Buffer.byteLength(res.text))
})

// Recording: ...[HTTP] :: full-integration (headers): mapped request headers reach the backend as mapped,
// except Proxy-Authenticate and TE (dropped); Host can be overridden.
test(`${ID('HTTP')} :: full-integration: mapped request headers at the backend`, async () => {
  const { res, host, api } = await invoke('HTTP', 'full')
  assert.equal(res.status, 200)
  const seen = lastSeen(echo)
  // Upgrade is checked in its own test below.
  assert.deepEqual(backendNames(seen.headers).filter((h) => h !== 'upgrade'), [
    'accept', 'accept-charset', 'accept-encoding', 'age', 'authorization', 'content-encoding', 'content-length', 'content-md5', 'content-type',
    'date', 'host', 'max-forwards', 'pragma', 'range', 'referer', 'server', 'trailer', 'user-agent', 'warn', 'www-authenticate',
    'x-amzn-apigateway-api-id', 'x-amzn-trace-id',
  ])
  const expected: Record<string, string> = {
    accept: 'text/html',
    'accept-charset': 'UTF-16',
    'accept-encoding': 'zstd',
    age: 'request_params_age',
    authorization: 'request_params_authorization',
    'content-encoding': 'compress',
    'content-md5': 'request_params_Content-MD5',
    'content-type': 'application/json',
    host,
    'max-forwards': '2',
    pragma: 'no-cache',
    range: 'bytes=0-499',
    referer: 'https://example.com/page',
    server: 'https://example.com/page',
    trailer: 'user-agent',
    'user-agent': 'Override-Agent',
    warn: '110 anderson/1.3.37 "Response is stale"',
    'www-authenticate': 'Basic YWxhZGRpbjpvcGVuc2VzYW1l',
    'x-amzn-apigateway-api-id': api.apiId,
  }
  for (const [k, v] of Object.entries(expected)) assert.equal(seen.headers[k], v, k)
  assert.equal(seen.headers['content-length'], String(Buffer.byteLength(seen.body)))
})

// Recording: ...[HTTP] :: full-integration (headers): `Upgrade: HTTP/2.0`, mapped, reaches the backend.
// Known gap: undici (our upstream client) refuses to send an Upgrade request header, so a mapped one is dropped.
test(`${ID('HTTP')} :: full-integration: a mapped Upgrade header reaches the backend`, { todo: 'undici cannot send a mapped Upgrade header' }, async () => {
  const { res } = await invoke('HTTP', 'full')
  assert.equal(res.status, 200)
  assert.equal(lastSeen(echo).headers['upgrade'], 'HTTP/2.0')
})

// Recording: ...[HTTP] :: full-integration (body). NEEDS VTL: the request template reads every client header
// with $input.params(); headers dropped at ingress read as "".
test(`${ID('HTTP')} :: full-integration: headers visible to the request template [needs VTL]`, async () => {
  const { res, host } = await invoke('HTTP', 'full')
  assert.equal(res.status, 200)
  const body = JSON.parse(lastSeen(echo).body)
  assert.ok(body.Date, 'Date is readable')
  assert.ok(body.Via, 'Via is readable')
  delete body.Date
  delete body.Via
  assert.deepEqual(body, {
    Accept: 'application/json',
    'Accept-Charset': 'UTF-8',
    'Accept-Encoding': 'br',
    Age: 'request_Age',
    Authorization: 'Unauthorized',
    Connection: '',
    'Content-Encoding': 'deflate',
    'Content-Length': '',
    'Content-MD5': '',
    'Content-Type': 'application/json',
    Expect: '',
    Host: host,
    'Max-Forwards': '',
    Pragma: 'cache',
    'Proxy-Authenticate': '',
    Range: 'bytes=500-999',
    Referer: 'https://example.com/',
    Server: '',
    TE: '',
    'Transfer-Encoding': '',
    Trailer: '',
    Upgrade: '',
    'User-Agent': 'localStack/0.0',
    Warn: '299 localStack/0.0',
    'WWW-Authenticate': '',
  })
})

// Recording: ...[HTTP] :: full-integration (response-headers): mapped response headers, some renamed to
// x-amzn-Remapped-*, Transfer-Encoding dropped, the gateway's own Connection/Content-Length/Date kept.
test(`${ID('HTTP')} :: full-integration: mapped response headers and x-amzn-Remapped-*`, async () => {
  const { res } = await invoke('HTTP', 'full')
  assert.equal(res.status, 200)
  const asIs = ['Accept', 'Accept-Charset', 'Accept-Encoding', 'Age', 'Content-Encoding', 'Content-Type', 'Pragma', 'Range', 'Referer', 'TE', 'Warn']
  for (const h of asIs) assert.equal(res.headers[h.toLowerCase()], `response_param_${h}`, h)
  const remapped = ['Authorization', 'Connection', 'Content-Length', 'Content-MD5', 'Expect', 'Host', 'Max-Forwards', 'Proxy-Authenticate', 'Server', 'Trailer', 'Upgrade', 'User-Agent', 'WWW-Authenticate']
  for (const h of remapped) assert.equal(res.headers[`x-amzn-remapped-${h.toLowerCase()}`], `response_param_${h}`, h)
  assert.ok(res.headers['x-amzn-remapped-date'])
  assert.equal(res.headers['connection'], 'close')
  assert.equal(Number(res.headers['content-length']), Buffer.byteLength(res.text))
  assert.notEqual(res.headers['date'], 'response_param_Date')
  assert.equal(res.headers['transfer-encoding'], undefined)
  assert.ok(res.headers['x-amzn-trace-id'])
  assert.deepEqual(headerNames(res.headers, ['via']), [
    ...asIs.map((h) => h.toLowerCase()),
    'connection', 'content-length', 'date', 'x-amz-apigw-id', 'x-amzn-requestid', 'x-amzn-trace-id',
    ...remapped.map((h) => `x-amzn-remapped-${h.toLowerCase()}`), 'x-amzn-remapped-date',
  ].sort())
})

// Recording: same :: full-integration (response-headers): a `Via` header is present when Via is mapped (absent in
// no-param-integration). Its value is masked in the recording, so only its presence is asserted.
test(`${ID('HTTP')} :: full-integration: a mapped Via response header is present`, async () => {
  const { res } = await invoke('HTTP', 'full')
  assert.ok(res.headers['via'], 'Via present')
})

// ---- HTTP_PROXY -------------------------------------------------------------------------------------------

// Recording: ...[HTTP_PROXY] :: no-param-integration (headers): the client's headers pass, except those dropped at
// ingress and Content-Encoding; the bodiless request arrives with Content-Length 0.
test(`${ID('HTTP_PROXY')} :: no-param-integration: what the backend receives`, async () => {
  const { res, api } = await invoke('HTTP_PROXY', 'no-param')
  assert.equal(res.status, 200)
  const seen = lastSeen(echo)
  assert.equal(seen.method, 'POST')
  assert.deepEqual(backendNames(seen.headers), [
    'accept', 'accept-charset', 'accept-encoding', 'age', 'authorization', 'content-length', 'content-type', 'date', 'host', 'pragma', 'range',
    'referer', 'user-agent', 'warn', 'x-amzn-apigateway-api-id', 'x-amzn-trace-id',
  ])
  const expected: Record<string, string> = {
    accept: 'application/json',
    'accept-charset': 'UTF-8',
    'accept-encoding': 'br',
    age: 'request_Age',
    authorization: 'Unauthorized',
    'content-length': '0',
    'content-type': 'application/json',
    host: `127.0.0.1:${echo.port}`,
    pragma: 'cache',
    range: 'bytes=500-999',
    referer: 'https://example.com/',
    'user-agent': 'localStack/0.0',
    warn: '299 localStack/0.0',
    'x-amzn-apigateway-api-id': api.apiId,
  }
  for (const [k, v] of Object.entries(expected)) assert.equal(seen.headers[k], v, k)
  assert.equal(seen.body, '')
})

// Recording: ...[HTTP_PROXY] :: no-param-integration (response-headers): backend headers pass, its
// Connection/Content-Length/Date/Server come back remapped; no trace id on proxy responses.
test(`${ID('HTTP_PROXY')} :: no-param-integration: response headers`, async () => {
  const { res } = await invoke('HTTP_PROXY', 'no-param')
  assert.equal(res.status, 200)
  assert.deepEqual(headerNames(res.headers), [
    'access-control-allow-credentials', 'access-control-allow-origin', 'connection', 'content-length', 'content-type', 'date', 'x-amz-apigw-id',
    'x-amzn-remapped-connection', 'x-amzn-remapped-content-length', 'x-amzn-remapped-date', 'x-amzn-remapped-server', 'x-amzn-requestid',
  ])
  assert.equal(res.headers['access-control-allow-origin'], '*')
  assert.equal(res.headers['access-control-allow-credentials'], 'true')
  assert.equal(res.headers['connection'], 'close')
  assert.equal(res.headers['x-amzn-remapped-connection'], 'keep-alive')
  assert.equal(res.headers['x-amzn-remapped-content-length'], res.headers['content-length'])
  assert.equal(res.headers['x-amzn-remapped-server'], 'gunicorn/19.9.0')
})

// Recording: ...[HTTP_PROXY] :: full-integration (headers): mappings are applied on top of the proxied request,
// even to headers dropped from the client's (Content-Encoding, Max-Forwards, Server...); templates are not.
test(`${ID('HTTP_PROXY')} :: full-integration: mapped request headers at the backend`, async () => {
  const { res, host, api } = await invoke('HTTP_PROXY', 'full')
  assert.equal(res.status, 200)
  const seen = lastSeen(echo)
  // Upgrade is checked in its own test below.
  assert.deepEqual(backendNames(seen.headers).filter((h) => h !== 'upgrade'), [
    'accept', 'accept-charset', 'accept-encoding', 'age', 'authorization', 'content-encoding', 'content-length', 'content-md5', 'content-type',
    'date', 'host', 'max-forwards', 'pragma', 'range', 'referer', 'server', 'trailer', 'user-agent', 'warn', 'www-authenticate',
    'x-amzn-apigateway-api-id', 'x-amzn-trace-id',
  ])
  const expected: Record<string, string> = {
    accept: 'text/html',
    'accept-charset': 'UTF-16',
    'accept-encoding': 'zstd',
    age: 'request_params_age',
    authorization: 'request_params_authorization',
    'content-encoding': 'compress',
    'content-length': '0',
    'content-md5': 'request_params_Content-MD5',
    'content-type': 'application/json',
    host,
    'max-forwards': '2',
    pragma: 'no-cache',
    range: 'bytes=0-499',
    referer: 'https://example.com/page',
    server: 'https://example.com/page',
    trailer: 'user-agent',
    'user-agent': 'Override-Agent',
    warn: '110 anderson/1.3.37 "Response is stale"',
    'www-authenticate': 'Basic YWxhZGRpbjpvcGVuc2VzYW1l',
    'x-amzn-apigateway-api-id': api.apiId,
  }
  for (const [k, v] of Object.entries(expected)) assert.equal(seen.headers[k], v, k)
  assert.equal(seen.body, '')
})

// Recording: ...[HTTP_PROXY] :: full-integration (headers): `Upgrade: HTTP/2.0`, mapped, reaches the backend.
// Known gap: undici (our upstream client) refuses to send an Upgrade request header, so a mapped one is dropped.
test(`${ID('HTTP_PROXY')} :: full-integration: a mapped Upgrade header reaches the backend`, { todo: 'undici cannot send a mapped Upgrade header' }, async () => {
  const { res } = await invoke('HTTP_PROXY', 'full')
  assert.equal(res.status, 200)
  assert.equal(lastSeen(echo).headers['upgrade'], 'HTTP/2.0')
})

// Recording: ...[HTTP_PROXY] :: full-integration (response-headers): integration response mappings do not apply to a proxy.
test(`${ID('HTTP_PROXY')} :: full-integration: response headers are the backend's, not the mapped ones`, async () => {
  const { res } = await invoke('HTTP_PROXY', 'full')
  assert.equal(res.status, 200)
  assert.deepEqual(headerNames(res.headers), [
    'access-control-allow-credentials', 'access-control-allow-origin', 'connection', 'content-length', 'content-type', 'date', 'x-amz-apigw-id',
    'x-amzn-remapped-connection', 'x-amzn-remapped-content-length', 'x-amzn-remapped-date', 'x-amzn-remapped-server', 'x-amzn-requestid',
  ])
  assert.equal(res.headers['content-type'], 'application/json')
})

// ---- both: mapping onto Content-Length or Transfer-Encoding -------------------------------------------------

for (const type of TYPES) {
  for (const label of ['content-length', 'transfer-encoding']) {
    // Recording: ...[TYPE] :: content-length / transfer-encoding: a 500 whose body is 36 bytes,
    // `{"message": "Internal server error"}`, and whose headers are exactly these.
    test(`${ID(type)} :: ${label}: mapping a request header onto ${label === 'content-length' ? 'Content-Length' : 'Transfer-Encoding'} fails with 500`, async () => {
      const before = echo.requests.length
      const { res } = await invoke(type, label)
      assert.equal(res.status, 500)
      assert.deepEqual(res.json(), { message: 'Internal server error' })
      assert.equal(res.headers['x-amzn-errortype'], 'InternalServerErrorException')
      assert.equal(res.headers['content-type'], 'application/json')
      assert.deepEqual(headerNames(res.headers), ['connection', 'content-length', 'content-type', 'date', 'x-amz-apigw-id', 'x-amzn-errortype', 'x-amzn-requestid'])
      assert.equal(echo.requests.length, before, 'the backend is not called')
    })

    // Recording: same — Content-Length: 36 pins the exact text, with a space after the colon.
    test(`${ID(type)} :: ${label}: the 500 body is exactly {"message": "Internal server error"} (36 bytes)`, async () => {
      const { res } = await invoke(type, label)
      assert.equal(res.headers['content-length'], '36')
      assert.equal(res.text, '{"message": "Internal server error"}')
    })
  }
}
