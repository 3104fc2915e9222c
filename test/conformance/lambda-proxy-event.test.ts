// Conformance: the payload-1.0 event a REST AWS_PROXY integration hands to Lambda, from AWS recordings in
// test_apigateway_lambda.snapshot.json — test_lambda_aws_proxy_integration (ANY /{proxy+} and ANY /hardcoded
// on stage "stage", invoked with slashes, query strings and encodings), test_lambda_aws_proxy_integration_request_data_mapping
// (requestParameters on AWS_PROXY are ignored) and test_lambda_aws_proxy_integration_non_post_method.
//
// AWS recorded these through an EDGE endpoint: CloudFront title-cased `authorization` to `Authorization` and added
// CloudFront-*, Via and X-Amz-Cf-Id. Gatehouse behaves as a REGIONAL endpoint (§1.8): header names reach the
// function exactly as the client sent them, the gateway adds only X-Amzn-Trace-Id and X-Forwarded-For/Port/Proto,
// and no CloudFront header appears. The assertions below derive the expected header set from the recording that way.

import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { ECHO_EVENT, lambdaUri, pathParams, startLambdaApi, type LambdaApiUnderTest } from './lambda-helpers.js'

/** Top-level keys of every recorded event. */
const EVENT_KEYS = [
  'body', 'headers', 'httpMethod', 'isBase64Encoded', 'multiValueHeaders', 'multiValueQueryStringParameters', 'path',
  'pathParameters', 'queryStringParameters', 'requestContext', 'resource', 'stageVariables',
]
/** requestContext keys of every recorded event (no authorizer, no operationName: the methods have neither). */
const CONTEXT_KEYS = [
  'accountId', 'apiId', 'deploymentId', 'domainName', 'domainPrefix', 'extendedRequestId', 'httpMethod', 'identity', 'path',
  'protocol', 'requestId', 'requestTime', 'requestTimeEpoch', 'resourceId', 'resourcePath', 'stage',
]
/** requestContext.identity as recorded: every field but sourceIp and userAgent is null without auth. */
const NULL_IDENTITY = {
  accessKey: null, accountId: null, caller: null, cognitoAuthenticationProvider: null, cognitoAuthenticationType: null,
  cognitoIdentityId: null, cognitoIdentityPoolId: null, principalOrgId: null, user: null, userArn: null,
}
/** Headers only an EDGE endpoint (CloudFront) adds; never seen on a regional endpoint. */
const EDGE_ONLY = /^(cloudfront-|via$|x-amz-cf-id$)/i

/** What python-requests sent in the recorded calls (its defaults plus the test's own three headers). */
const CLIENT_HEADERS = {
  Accept: '*/*',
  'Accept-Encoding': 'gzip, deflate',
  Connection: 'keep-alive',
  'User-Agent': 'python-requests/testing',
  'tEsT-HEADeR': 'aValUE',
  authorization: 'random-value',
}
/** The header names recorded in the GET events, EDGE ones included. */
const RECORDED_GET_HEADERS = [
  'Accept', 'Accept-Encoding', 'Authorization', 'CloudFront-Forwarded-Proto', 'CloudFront-Is-Desktop-Viewer',
  'CloudFront-Is-Mobile-Viewer', 'CloudFront-Is-SmartTV-Viewer', 'CloudFront-Is-Tablet-Viewer', 'CloudFront-Viewer-ASN',
  'CloudFront-Viewer-Country', 'Host', 'User-Agent', 'Via', 'X-Amz-Cf-Id', 'X-Amzn-Trace-Id', 'X-Forwarded-For',
  'X-Forwarded-Port', 'X-Forwarded-Proto', 'tEsT-HEADeR',
]

/** The recorded names a regional endpoint shows: EDGE-only ones gone, client-sent ones in the client's casing. */
function regionalNames(recorded: string[], sent: Record<string, string>): string[] {
  const asSent = new Map(Object.keys(sent).map((k) => [k.toLowerCase(), k]))
  return recorded.filter((h) => !EDGE_ONLY.test(h)).map((h) => asSent.get(h.toLowerCase()) ?? h).sort()
}

let api: LambdaApiUnderTest
let mapping: LambdaApiUnderTest
let nonPost: LambdaApiUnderTest

before(async () => {
  const integration = { type: 'aws_proxy', httpMethod: 'POST', uri: lambdaUri('proxy-echo') }
  api = await startLambdaApi(
    'REST',
    {
      openapi: '3.0.1',
      info: { title: 'lambda-proxy-event', version: '1' },
      paths: {
        '/{proxy+}': { 'x-amazon-apigateway-any-method': { parameters: pathParams('proxy'), 'x-amazon-apigateway-integration': integration } },
        '/hardcoded': { 'x-amazon-apigateway-any-method': { 'x-amazon-apigateway-integration': integration } },
      },
    },
    { 'proxy-echo': ECHO_EVENT },
    { stage: 'stage' },
  )
  // test_lambda_aws_proxy_integration_request_data_mapping: every kind of requestParameters mapping, on AWS_PROXY.
  mapping = await startLambdaApi(
    'REST',
    {
      openapi: '3.0.1',
      info: { title: 'lambda-proxy-mapping', version: '1' },
      paths: {
        '/{pathVariable}': {
          'x-amazon-apigateway-any-method': {
            parameters: [
              ...pathParams('pathVariable'),
              { name: 'foobar', in: 'header', required: true, schema: { type: 'string' } },
              { name: 'emptyheader', in: 'header', required: true, schema: { type: 'string' } },
              { name: 'testVar', in: 'query', required: true, schema: { type: 'string' } },
              { name: 'testQueryString', in: 'query', required: true, schema: { type: 'string' } },
            ],
            'x-amazon-apigateway-integration': {
              type: 'aws_proxy',
              httpMethod: 'POST',
              uri: lambdaUri('proxy-echo'),
              requestParameters: {
                'integration.request.header.headerVar': 'method.request.header.foobar',
                'integration.request.path.qsVar': 'method.request.querystring.testVar',
                'integration.request.path.pathVar': 'method.request.path.pathVariable',
                'integration.request.querystring.queryString': 'method.request.querystring.testQueryString',
                'integration.request.querystring.testQs': 'method.request.querystring.testQueryString',
                'integration.request.querystring.testEmptyQs': 'method.request.header.emptyheader',
              },
            },
          },
        },
      },
    },
    { 'proxy-echo': ECHO_EVENT },
    { stage: 'test' },
  )
  // test_lambda_aws_proxy_integration_non_post_method: integration httpMethod GET, and an INTEGRATION_FAILURE gateway
  // response customised without a status code.
  nonPost = await startLambdaApi(
    'REST',
    {
      openapi: '3.0.1',
      info: { title: 'lambda-proxy-get', version: '1' },
      paths: {
        '/{proxy+}': {
          'x-amazon-apigateway-any-method': {
            parameters: pathParams('proxy'),
            'x-amazon-apigateway-integration': { type: 'aws_proxy', httpMethod: 'GET', uri: lambdaUri('proxy-echo') },
          },
        },
      },
      'x-amazon-apigateway-gateway-responses': { INTEGRATION_FAILURE: { responseParameters: {} } },
    },
    { 'proxy-echo': ECHO_EVENT },
    { stage: 'test' },
  )
})

after(async () => {
  await api?.stop()
  await mapping?.stop()
  await nonPost?.stop()
})

interface Invocation {
  event: any
  requestId: string
  extendedRequestId: string
  traceId: string
}

async function invoke(target: LambdaApiUnderTest, rawPath: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Invocation> {
  const res = await target.raw(rawPath, { headers: CLIENT_HEADERS, ...init })
  assert.equal(res.status, 200, `${rawPath}: ${res.text}`)
  return { event: res.json(), requestId: String(res.headers['x-amzn-requestid']), extendedRequestId: String(res.headers['x-amz-apigw-id']), traceId: String(res.headers['x-amzn-trace-id']) }
}

/** Checks what every recorded event has in common, for a call on `target` whose client sent `sent`. */
function assertCommonShape(target: LambdaApiUnderTest, inv: Invocation, sent: Record<string, string>, recordedHeaders: string[]): void {
  const { event } = inv
  assert.deepEqual(Object.keys(event).sort(), EVENT_KEYS)
  assert.equal(event.stageVariables, null, 'a stage without variables gives null, not {}')

  // Headers: the recording's set as a regional endpoint shows it; values as sent; every value also in the multi map.
  const host = `${target.apiId}.execute-api.localhost:${target.gw.port}`
  const withHost = { Host: host, ...sent }
  assert.deepEqual(Object.keys(event.headers).sort(), regionalNames(recordedHeaders, withHost))
  for (const name of Object.keys(event.headers)) {
    assert.ok(!EDGE_ONLY.test(name), `${name} is an EDGE header`)
    assert.deepEqual(event.multiValueHeaders[name], [event.headers[name]], `multiValueHeaders.${name}`)
  }
  for (const [name, value] of Object.entries(withHost)) {
    if (name === 'Connection' || name === 'Content-Length') continue
    assert.equal(event.headers[name], value, `header ${name} as sent`)
  }
  assert.equal(event.headers['Connection'], undefined, 'Connection is dropped at ingress (§6.6)')
  assert.equal(event.headers['Content-Length'], undefined, 'Content-Length is dropped at ingress (§6.6)')
  assert.match(event.headers['X-Amzn-Trace-Id'], /^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$/)
  assert.equal(event.headers['X-Amzn-Trace-Id'], inv.traceId, 'the function and the client see the same trace id')
  assert.equal(event.headers['X-Forwarded-For'], '127.0.0.1')
  assert.equal(event.headers['X-Forwarded-Port'], String(target.gw.port))
  assert.equal(event.headers['X-Forwarded-Proto'], 'http')

  const rc = event.requestContext
  assert.deepEqual(Object.keys(rc).sort(), CONTEXT_KEYS)
  assert.match(rc.accountId, /^\d{12}$/)
  assert.equal(rc.apiId, target.apiId)
  assert.equal(rc.domainName, host)
  assert.equal(rc.domainPrefix, target.apiId)
  assert.equal(typeof rc.deploymentId, 'string')
  assert.equal(typeof rc.resourceId, 'string')
  assert.equal(rc.httpMethod, event.httpMethod)
  assert.equal(rc.protocol, 'HTTP/1.1')
  assert.equal(rc.stage, target.stage)
  assert.equal(rc.requestId, inv.requestId, 'requestContext.requestId is the x-amzn-RequestId the client gets')
  assert.equal(rc.extendedRequestId, inv.extendedRequestId, 'extendedRequestId is the x-amz-apigw-id the client gets')
  assert.match(rc.requestTime, /^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/)
  assert.equal(typeof rc.requestTimeEpoch, 'number')
  assert.ok(Math.abs(rc.requestTimeEpoch - Date.now()) < 60_000)
  const { sourceIp, userAgent, ...nulls } = rc.identity
  assert.deepEqual(nulls, NULL_IDENTITY)
  assert.equal(sourceIp, '127.0.0.1')
  assert.equal(userAgent, sent['User-Agent'] ?? sent['user-Agent'])
}

/** One row per recorded GET call of test_lambda_aws_proxy_integration: what was invoked and what AWS put in the event. */
const GET_CALLS: Array<{
  label: string
  url: string
  resource: string
  path: string
  pathParameters: Record<string, string> | null
  contextPath: string
  query?: Record<string, string>
  multiQuery?: Record<string, string[]>
}> = [
  { label: 'invocation-payload-without-trailing-slash', url: '/stage/proxy-value', resource: '/{proxy+}', path: '/proxy-value', pathParameters: { proxy: 'proxy-value' }, contextPath: '/stage/proxy-value' },
  { label: 'invocation-payload-with-trailing-slash', url: '/stage/proxy-value/', resource: '/{proxy+}', path: '/proxy-value/', pathParameters: { proxy: 'proxy-value' }, contextPath: '/stage/proxy-value/' },
  {
    label: 'invocation-payload-with-double-slash',
    url: '/stage/proxy-value//double-slash',
    resource: '/{proxy+}',
    path: '/proxy-value//double-slash',
    pathParameters: { proxy: 'proxy-value//double-slash' },
    contextPath: '/stage/proxy-value//double-slash',
  },
  // A doubled slash before the stage is collapsed everywhere, requestContext.path included.
  { label: 'invocation-payload-with-prepended-slash-to-stage', url: '//stage/proxy-value', resource: '/{proxy+}', path: '/proxy-value', pathParameters: { proxy: 'proxy-value' }, contextPath: '/stage/proxy-value' },
  // A doubled slash after the stage is dropped from `path` and the proxy parameter, kept in requestContext.path.
  { label: 'invocation-payload-with-prepended-slash', url: '/stage//proxy-value', resource: '/{proxy+}', path: '/proxy-value', pathParameters: { proxy: 'proxy-value' }, contextPath: '/stage//proxy-value' },
  {
    label: 'invocation-payload-without-trailing-slash-and-query-params',
    url: '/stage/proxy-value?urlparam=test',
    resource: '/{proxy+}',
    path: '/proxy-value',
    pathParameters: { proxy: 'proxy-value' },
    contextPath: '/stage/proxy-value',
    query: { urlparam: 'test' },
    multiQuery: { urlparam: ['test'] },
  },
  {
    label: 'invocation-payload-with-trailing-slash-and-query-params',
    url: '/stage/proxy-value/?urlparam=test',
    resource: '/{proxy+}',
    path: '/proxy-value/',
    pathParameters: { proxy: 'proxy-value' },
    contextPath: '/stage/proxy-value/',
    query: { urlparam: 'test' },
    multiQuery: { urlparam: ['test'] },
  },
  // Path values stay percent-encoded, and a `+` in a path is not a space.
  {
    label: 'invocation-payload-with-path-encoded-email',
    url: '/stage/proxy-value/api/user/test%2Balias@gmail.com/plus/test+alias@gmail.com',
    resource: '/{proxy+}',
    path: '/proxy-value/api/user/test%2Balias@gmail.com/plus/test+alias@gmail.com',
    pathParameters: { proxy: 'proxy-value/api/user/test%2Balias@gmail.com/plus/test+alias@gmail.com' },
    contextPath: '/stage/proxy-value/api/user/test%2Balias@gmail.com/plus/test+alias@gmail.com',
  },
  // Query values are decoded: `+` is a space, %2B a plus, %20 a space; `/` and `:` pass as they are. The client
  // dropped `#` and everything after it (a URL fragment), so `zhash` ends at `abort/`.
  {
    label: 'invocation-payload-with-params-encoding',
    url:
      '/stage/proxy-value/api?dateTimeOffset=2023-06-12T18:05:10.123456+00:00&email=test%2Balias@gmail.com&plus=test+alias@gmail.com' +
      '&url=https://www.google.com/&whitespace=foo%20bar&zhash=abort/',
    resource: '/{proxy+}',
    path: '/proxy-value/api',
    pathParameters: { proxy: 'proxy-value/api' },
    contextPath: '/stage/proxy-value/api',
    query: {
      dateTimeOffset: '2023-06-12T18:05:10.123456 00:00',
      email: 'test+alias@gmail.com',
      plus: 'test alias@gmail.com',
      url: 'https://www.google.com/',
      whitespace: 'foo bar',
      zhash: 'abort/',
    },
    multiQuery: {
      dateTimeOffset: ['2023-06-12T18:05:10.123456 00:00'],
      email: ['test+alias@gmail.com'],
      plus: ['test alias@gmail.com'],
      url: ['https://www.google.com/'],
      whitespace: ['foo bar'],
      zhash: ['abort/'],
    },
  },
  { label: 'invocation-hardcoded', url: '/stage//hardcoded', resource: '/hardcoded', path: '/hardcoded', pathParameters: null, contextPath: '/stage//hardcoded' },
]

for (const call of GET_CALLS) {
  test(`test_lambda_aws_proxy_integration :: ${call.label}`, async () => {
    const inv = await invoke(api, call.url)
    assertCommonShape(api, inv, CLIENT_HEADERS, RECORDED_GET_HEADERS)
    const e = inv.event
    assert.equal(e.httpMethod, 'GET', 'the real method, although the method is ANY')
    assert.equal(e.resource, call.resource)
    assert.equal(e.requestContext.resourcePath, call.resource)
    assert.equal(e.path, call.path, 'path has no stage')
    assert.equal(e.requestContext.path, call.contextPath, 'requestContext.path is the raw path with the stage')
    assert.deepEqual(e.pathParameters, call.pathParameters)
    assert.deepEqual(e.queryStringParameters, call.query ?? null)
    assert.deepEqual(e.multiValueQueryStringParameters, call.multiQuery ?? null)
    assert.equal(e.body, null, 'no request body gives null')
    assert.equal(e.isBase64Encoded, false)
  })
}

test('test_lambda_aws_proxy_integration :: one deployment; resource ids per resource', async () => {
  const a = await invoke(api, '/stage/proxy-value')
  const b = await invoke(api, '/stage/proxy-value/other')
  const c = await invoke(api, '/stage/hardcoded')
  assert.equal(a.event.requestContext.deploymentId, c.event.requestContext.deploymentId)
  assert.equal(a.event.requestContext.resourceId, b.event.requestContext.resourceId)
  assert.notEqual(a.event.requestContext.resourceId, c.event.requestContext.resourceId)
  assert.notEqual(a.event.requestContext.requestId, b.event.requestContext.requestId)
})

test('test_lambda_aws_proxy_integration :: invocation-payload-with-params-encoding-multi', async () => {
  // A POST with repeated query keys, a JSON body and an oddly cased Authorization header.
  const sent = {
    Accept: '*/*',
    'Accept-Encoding': 'gzip, deflate',
    Connection: 'keep-alive',
    'Content-Type': 'application/json;charset=utf-8',
    aUThorization: 'Bearer token123;API key456',
    'User-Agent': 'python-requests/testing',
  }
  const body = '{"message": "hello world"}'
  const inv = await invoke(api, '/stage/proxy-value?category=electronics&category=books&price=10&price=20&price=30', { method: 'POST', headers: sent, body })
  const recorded = RECORDED_GET_HEADERS.filter((h) => h !== 'tEsT-HEADeR').concat('Content-Type')
  assertCommonShape(api, inv, sent, recorded)
  const e = inv.event
  assert.equal(e.headers['aUThorization'], 'Bearer token123;API key456', 'the client casing, on a regional endpoint')
  assert.equal(e.httpMethod, 'POST')
  assert.equal(e.path, '/proxy-value')
  assert.equal(e.requestContext.path, '/stage/proxy-value')
  assert.deepEqual(e.pathParameters, { proxy: 'proxy-value' })
  // The single-value map keeps the LAST value, the multi-value map all of them in order (§18.2).
  assert.deepEqual(e.queryStringParameters, { category: 'books', price: '30' })
  assert.deepEqual(e.multiValueQueryStringParameters, { category: ['electronics', 'books'], price: ['10', '20', '30'] })
  assert.equal(e.body, body, 'the body as a string, byte for byte')
  assert.deepEqual(JSON.parse(e.body), { message: 'hello world' })
  assert.equal(e.isBase64Encoded, false)
})

test('test_lambda_aws_proxy_integration_request_data_mapping :: requestParameters on AWS_PROXY change nothing', async () => {
  const sent = {
    Accept: 'application/json',
    'Accept-Encoding': 'gzip, deflate',
    Connection: 'keep-alive',
    'Content-Type': 'application/json',
    foobar: 'mapped-value',
    'user-Agent': 'test/integration',
    headerVar: 'request-value',
  }
  const inv = await invoke(mapping, '/test/foobar?testQueryString=foo&testVar=bar', { method: 'POST', headers: sent, body: '{"message": "hello world"}' })
  const recorded = [
    'Accept', 'Accept-Encoding', 'CloudFront-Forwarded-Proto', 'CloudFront-Is-Desktop-Viewer', 'CloudFront-Is-Mobile-Viewer',
    'CloudFront-Is-SmartTV-Viewer', 'CloudFront-Is-Tablet-Viewer', 'CloudFront-Viewer-ASN', 'CloudFront-Viewer-Country',
    'Content-Type', 'Host', 'User-Agent', 'Via', 'X-Amz-Cf-Id', 'X-Amzn-Trace-Id', 'X-Forwarded-For', 'X-Forwarded-Port',
    'X-Forwarded-Proto', 'foobar', 'headerVar',
  ]
  assertCommonShape(mapping, inv, sent, recorded)
  const e = inv.event
  // The mapping would have set headerVar to "mapped-value" and added queryString/testQs/testEmptyQs and two path
  // parameters: the event shows only what the client sent.
  assert.equal(e.headers['headerVar'], 'request-value')
  assert.deepEqual(e.multiValueHeaders['headerVar'], ['request-value'])
  assert.deepEqual(e.queryStringParameters, { testQueryString: 'foo', testVar: 'bar' })
  assert.deepEqual(e.multiValueQueryStringParameters, { testQueryString: ['foo'], testVar: ['bar'] })
  assert.deepEqual(e.pathParameters, { pathVariable: 'foobar' })
  assert.equal(e.resource, '/{pathVariable}')
  assert.equal(e.requestContext.resourcePath, '/{pathVariable}')
  assert.equal(e.path, '/foobar')
  assert.equal(e.requestContext.path, '/test/foobar')
  assert.equal(e.httpMethod, 'POST')
  assert.equal(e.requestContext.identity.userAgent, 'test/integration')
  assert.deepEqual(JSON.parse(e.body), { message: 'hello world' })
  assert.equal(e.isBase64Encoded, false)
})

test('test_lambda_aws_proxy_integration_non_post_method :: an AWS_PROXY integration with httpMethod GET answers 500', async () => {
  const res = await nonPost.call('/test-path', { headers: { 'User-Agent': 'python-requests/testing' } })
  assert.equal(res.status, 500)
  assert.deepEqual(res.json(), { message: 'Internal server error' })
})
