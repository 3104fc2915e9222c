// Conformance: REST routing, from AWS recordings (LocalStack's tests run against real AWS):
// test_apigateway_common :: TestApigatewayRouting::test_routing_not_found (its snapshot is not among our
// fixtures; read from localstack/localstack at the recorded test), TestProxyRouting (AWS-validated
// assertions, no snapshot), and the routing facts inside test_apigateway_lambda :: test_lambda_aws_proxy_integration
// (path parameters and resource per request path), observed here through an HTTP_PROXY backend.

import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import type { Upstream } from '../helpers.js'
import { lastSeen, startEchoUpstream, startRestApi, type RestApiUnderTest } from './rest-helpers.js'

/** A MOCK method answering 200 with a fixed JSON template (no VTL involved). */
function mockMethod(body: Record<string, unknown>) {
  return {
    responses: { '200': { description: '200 response' } },
    'x-amazon-apigateway-integration': {
      type: 'mock',
      requestTemplates: { 'application/json': '{"statusCode": 200}' },
      responses: { default: { statusCode: '200', responseTemplates: { 'application/json': JSON.stringify(body) } } },
    },
  }
}

let notFoundApi: RestApiUnderTest
let siblingApi: RestApiUnderTest
let proxyApi: RestApiUnderTest
let upstream: Upstream

before(async () => {
  // test_routing_not_found: one working MOCK route; the other requests hit nothing.
  notFoundApi = await startRestApi({
    openapi: '3.0.1',
    info: { title: 'routing', version: '1' },
    paths: { '/existing': { get: mockMethod({ statusCode: 200, message: 'exists' }) } },
  })
  // TestProxyRouting::test_proxy_routing_with_hardcoded_resource_sibling.
  siblingApi = await startRestApi({
    openapi: '3.0.1',
    info: { title: 'test proxy routing', version: '1' },
    paths: {
      '/test': { post: mockMethod({ statusCode: 200, message: 'POST request' }) },
      '/test/any': { 'x-amazon-apigateway-any-method': mockMethod({ statusCode: 200, message: 'ANY request' }) },
      '/{proxy+}': {
        options: {
          parameters: [{ name: 'proxy', in: 'path', required: true, schema: { type: 'string' } }],
          ...mockMethod({ statusCode: 200, message: 'OPTIONS request' }),
        },
      },
    },
  })
  // test_lambda_aws_proxy_integration: ANY /{proxy+} and GET /hardcoded. The backend sees the proxy value in
  // its path and the matched resource in a mapped header, instead of a Lambda seeing them in its event.
  upstream = await startEchoUpstream()
  const proxyIntegration = (uri: string, extra: Record<string, string> = {}) => ({
    type: 'http_proxy',
    httpMethod: 'ANY',
    uri,
    requestParameters: { 'integration.request.header.X-Resource-Path': 'context.resourcePath', ...extra },
  })
  proxyApi = await startRestApi({
    openapi: '3.0.1',
    info: { title: 'proxy-routing', version: '1' },
    paths: {
      '/{proxy+}': {
        'x-amazon-apigateway-any-method': {
          parameters: [{ name: 'proxy', in: 'path', required: true, schema: { type: 'string' } }],
          'x-amazon-apigateway-integration': proxyIntegration(`${upstream.url}/echo/{proxy}`, { 'integration.request.path.proxy': 'method.request.path.proxy' }),
        },
      },
      '/hardcoded': { get: { 'x-amazon-apigateway-integration': proxyIntegration(`${upstream.url}/hardcoded`) } },
    },
  }, { stage: 'stage' })
})

after(async () => {
  await notFoundApi?.stop()
  await siblingApi?.stop()
  await proxyApi?.stop()
  await upstream?.close()
})

// Recording: test_apigateway_common.snapshot.json :: TestApigatewayRouting::test_routing_not_found :: working-route
test('test_apigateway_common :: TestApigatewayRouting::test_routing_not_found :: working-route', async () => {
  const res = await notFoundApi.call('/existing')
  assert.equal(res.status, 200)
  assert.deepEqual(res.json(), { message: 'exists', statusCode: 200 })
})

// Recording: same test :: not-found. The status is §1.2 (403); the body and error type are recorded.
test('test_apigateway_common :: TestApigatewayRouting::test_routing_not_found :: not-found', async () => {
  const res = await notFoundApi.call('/not-existing')
  assert.equal(res.status, 403)
  assert.deepEqual(res.json(), { message: 'Missing Authentication Token' })
  assert.equal(res.headers['x-amzn-errortype'], 'MissingAuthenticationTokenException')
})

// Recording: same test :: wrong-method. A known resource with a method it does not have: the same 403, no 405.
test('test_apigateway_common :: TestApigatewayRouting::test_routing_not_found :: wrong-method', async () => {
  const res = await notFoundApi.call('/existing', { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } })
  assert.equal(res.status, 403)
  assert.deepEqual(res.json(), { message: 'Missing Authentication Token' })
  assert.equal(res.headers['x-amzn-errortype'], 'MissingAuthenticationTokenException')
})

// AWS-validated (no snapshot): test_apigateway_common :: TestProxyRouting::test_proxy_routing_with_hardcoded_resource_sibling
test('test_apigateway_common :: TestProxyRouting::test_proxy_routing_with_hardcoded_resource_sibling: a static resource without the method falls through to the greedy sibling', async () => {
  const cases: Array<[string, string, string]> = [
    ['OPTIONS', '/test', 'OPTIONS request'],
    ['POST', '/test', 'POST request'],
    ['OPTIONS', '/test/any', 'ANY request'],
    ['GET', '/test/any', 'ANY request'],
  ]
  for (const [method, path, message] of cases) {
    const res = await siblingApi.call(path, { method })
    assert.equal(res.status, 200, `${method} ${path}`)
    assert.equal(res.json().message, message, `${method} ${path}`)
  }
})

// Recording: test_apigateway_lambda.snapshot.json :: test_lambda_aws_proxy_integration :: invocation-payload-*
// (pathParameters.proxy and resource of each recorded request path, stage "stage").
const PROXY_CASES: Array<[label: string, path: string, proxy: string]> = [
  ['invocation-payload-without-trailing-slash', '/stage/proxy-value', 'proxy-value'],
  ['invocation-payload-with-trailing-slash', '/stage/proxy-value/', 'proxy-value'],
  ['invocation-payload-with-double-slash', '/stage/proxy-value//double-slash', 'proxy-value//double-slash'],
  ['invocation-payload-with-prepended-slash', '/stage//proxy-value', 'proxy-value'],
  ['invocation-payload-without-trailing-slash-and-query-params', '/stage/proxy-value?urlparam=test', 'proxy-value'],
  ['invocation-payload-with-trailing-slash-and-query-params', '/stage/proxy-value/?urlparam=test', 'proxy-value'],
  ['invocation-payload-with-params-encoding-multi', '/stage/proxy-value?category=electronics&category=books', 'proxy-value'],
]
for (const [label, path, proxy] of PROXY_CASES) {
  test(`test_apigateway_lambda :: test_lambda_aws_proxy_integration :: ${label}: {proxy+} = ${JSON.stringify(proxy)}`, async () => {
    const res = await proxyApi.gw.fetch(path)
    assert.equal(res.status, 200)
    const seen = lastSeen(upstream)
    assert.equal(seen.path, `/echo/${proxy}`)
    assert.equal(seen.headers['x-resource-path'], '/{proxy+}')
  })
}

// Recording: same test :: invocation-hardcoded (requestContext.path `/stage//hardcoded`, resource `/hardcoded`):
// the static resource wins over the greedy one, even with a doubled slash after the stage.
test('test_apigateway_lambda :: test_lambda_aws_proxy_integration :: invocation-hardcoded: /stage//hardcoded routes to /hardcoded', async () => {
  const res = await proxyApi.gw.fetch('/stage//hardcoded')
  assert.equal(res.status, 200)
  const seen = lastSeen(upstream)
  assert.equal(seen.path, '/hardcoded')
  assert.equal(seen.headers['x-resource-path'], '/hardcoded')
})

// Recording: same test :: invocation-payload-with-path-encoded-email: the greedy value is handed on still
// percent-encoded (`%2B` stays, `+` stays). Seen through a mapped header, so no URI re-encoding is involved.
test('test_apigateway_lambda :: test_lambda_aws_proxy_integration :: invocation-payload-with-path-encoded-email: {proxy+} keeps %2B and +', async () => {
  const raw = 'proxy-value/api/user/test%2Balias@gmail.com/plus/test+alias@gmail.com'
  const api = await startRestApi({
    openapi: '3.0.1',
    info: { title: 'proxy-encoding', version: '1' },
    paths: {
      '/{proxy+}': {
        'x-amazon-apigateway-any-method': {
          parameters: [{ name: 'proxy', in: 'path', required: true, schema: { type: 'string' } }],
          'x-amazon-apigateway-integration': {
            type: 'http_proxy',
            httpMethod: 'ANY',
            uri: `${upstream.url}/fixed`,
            requestParameters: { 'integration.request.header.X-Proxy': 'method.request.path.proxy' },
          },
        },
      },
    },
  }, { stage: 'stage' })
  try {
    const res = await api.gw.fetch(`/stage/${raw}`)
    assert.equal(res.status, 200)
    assert.equal(lastSeen(upstream).headers['x-proxy'], raw)
  } finally {
    await api.stop()
  }
})
