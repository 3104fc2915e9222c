// Conformance: header mappings (`integration.request.header.*`) on REST Lambda integrations, from the AWS recording
// test_apigateway_integrations :: TestApiGatewayHeaderRemapping::test_apigateway_header_remapping_aws[AWS_PROXY|AWS]
// (that snapshot file was read from localstack/localstack at the recorded commit).
//
// The scenario: GET methods declaring 27 optional request headers, each on a Lambda integration — /no-param without
// mappings, /full mapping 20 of those headers, and one resource per header whose mapping fails the request. The
// client sends the same 26 headers every time. What the recording shows:
// - AWS_PROXY ignores the mappings it can run: /full hands the function the client's own headers, as /no-param does
//   (test_lambda_aws_proxy_integration_request_data_mapping shows the same for other mappings);
// - but mapping onto Content-Length, Transfer-Encoding, Authorization, Connection, Expect, Proxy-Authenticate or TE
//   fails every request with 500 `{"message": "Internal server error"}` and `x-amzn-ErrorType:
//   InternalServerErrorException` (Content-Length 36: AWS's own body), on AWS_PROXY and AWS alike. HTTP
//   integrations fail only on the first two (rest-header-remapping.test.ts).
//
// AWS recorded through an EDGE endpoint (CloudFront's Via in the event); Gatehouse behaves as a REGIONAL one, so Via
// is not asserted.

import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { ECHO, ECHO_EVENT, lambdaUri, startLambdaApi, type LambdaApiUnderTest } from './lambda-helpers.js'
import { HEADER_REMAPPING_CLIENT_HEADERS } from './rest-helpers.js'

type LambdaType = 'AWS_PROXY' | 'AWS'
const TYPES: LambdaType[] = ['AWS_PROXY', 'AWS']

const HEADERS = [
  'Accept', 'Accept-Charset', 'Accept-Encoding', 'Age', 'Authorization', 'Connection', 'Content-Encoding', 'Content-Length',
  'Content-MD5', 'Content-Type', 'Date', 'Expect', 'Host', 'Max-Forwards', 'Pragma', 'Proxy-Authenticate', 'Range', 'Referer',
  'Server', 'TE', 'Transfer-Encoding', 'Trailer', 'Upgrade', 'User-Agent', 'Via', 'Warn', 'WWW-Authenticate',
]

/** The mappings of /full: the recording's list without the seven that have a resource of their own. */
const FULL_REQUEST_PARAMETERS: Record<string, string> = {
  'integration.request.header.Accept': "'text/html'",
  'integration.request.header.Accept-Charset': "'UTF-16'",
  'integration.request.header.Accept-Encoding': "'zstd'",
  'integration.request.header.Age': "'request_params_age'",
  'integration.request.header.Content-Encoding': "'compress'",
  'integration.request.header.Content-MD5': "'request_params_Content-MD5'",
  'integration.request.header.Content-Type': "'application/json'",
  'integration.request.header.Date': "'request_params_Date'",
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
  'integration.request.header.Via': "'othersite.net'",
}

/** Each failing mapping, by the path of its resource, with the recording's value for it. */
const FATAL: Record<string, [string, string]> = {
  'content-length': ['Content-Length', "'0'"],
  'transfer-encoding': ['Transfer-Encoding', "'deflate'"],
  authorization: ['Authorization', "'request_params_authorization'"],
  connection: ['Connection', "'keep-alive'"],
  expect: ['Expect', "'200-ok'"],
  'proxy-authenticate': ['Proxy-Authenticate', '\'Basic realm="Access to the internal site"\''],
  te: ['TE', "'gzip'"],
}

/** What the recorded client sent on every request; Host is the invoke URL's. */
const CLIENT_HEADERS: Record<string, string> = { ...HEADER_REMAPPING_CLIENT_HEADERS }

function method(type: LambdaType, requestParameters: Record<string, string>) {
  return {
    get: {
      parameters: HEADERS.map((h) => ({ name: h, in: 'header', required: false, schema: { type: 'string' } })),
      responses: { '200': { description: '200 response', headers: Object.fromEntries(HEADERS.map((h) => [h, { schema: { type: 'string' } }])) } },
      'x-amazon-apigateway-integration': {
        type: type.toLowerCase(),
        httpMethod: 'POST',
        uri: lambdaUri(type === 'AWS_PROXY' ? 'proxy-echo' : 'echo'),
        requestParameters,
        responses: { default: { statusCode: '200' } },
      },
    },
  }
}

function remappingApi(type: LambdaType) {
  return {
    openapi: '3.0.1',
    info: { title: `header-remapping-${type}`, version: '1' },
    paths: {
      '/no-param': method(type, {}),
      '/full': method(type, FULL_REQUEST_PARAMETERS),
      ...Object.fromEntries(Object.entries(FATAL).map(([path, [header, value]]) => [`/${path}`, method(type, { [`integration.request.header.${header}`]: value })])),
    },
    'x-amazon-apigateway-endpoint-configuration': { types: ['REGIONAL'] },
  }
}

const apis = new Map<LambdaType, LambdaApiUnderTest>()

before(async () => {
  for (const type of TYPES) apis.set(type, await startLambdaApi('REST', remappingApi(type), { 'proxy-echo': ECHO_EVENT, echo: ECHO }, { stage: 'test' }))
})

after(async () => {
  for (const a of apis.values()) await a.stop()
})

const ID = (type: LambdaType) => `test_apigateway_integrations :: TestApiGatewayHeaderRemapping::test_apigateway_header_remapping_aws[${type}]`

/** The headers of the recorded events, without Via (EDGE, see the header comment): the client's, minus those dropped at ingress (§6.6). */
const RECORDED_EVENT_HEADERS = [
  'Accept', 'Accept-Charset', 'Accept-Encoding', 'Age', 'Authorization', 'Content-Encoding', 'Content-Type', 'Date', 'Host', 'Pragma',
  'Range', 'Referer', 'User-Agent', 'Warn', 'X-Amzn-Trace-Id', 'X-Forwarded-For', 'X-Forwarded-Port', 'X-Forwarded-Proto',
]

// Recording: ...[AWS_PROXY] :: no-param-integration, full-integration (headers, body): the same event either way,
// carrying the client's values (Accept application/json, not the mapped text/html), no body for the GET.
for (const path of ['no-param', 'full']) {
  test(`${ID('AWS_PROXY')} :: ${path}-integration: the function gets the client's headers, unmapped`, async () => {
    const res = await apis.get('AWS_PROXY')!.raw(`/test/${path}`, { headers: CLIENT_HEADERS })
    assert.equal(res.status, 200)
    const event = res.json()
    assert.deepEqual(Object.keys(event.headers).filter((h) => h.toLowerCase() !== 'via').sort(), RECORDED_EVENT_HEADERS)
    for (const h of RECORDED_EVENT_HEADERS) if (h in CLIENT_HEADERS) assert.equal(event.headers[h], CLIENT_HEADERS[h], h)
    assert.equal(event.body, null)
  })
}

// Recording: ...[AWS] :: no-param-integration, full-integration: both answer 200 (the mappings an AWS Lambda
// integration can run are accepted; what it does with them is outside this scenario).
test(`${ID('AWS')} :: no-param-integration, full-integration: 200`, async () => {
  for (const path of ['no-param', 'full']) {
    const res = await apis.get('AWS')!.raw(`/test/${path}`, { headers: CLIENT_HEADERS })
    assert.equal(res.status, 200, path)
  }
})

// Recording: ...[AWS_PROXY|AWS] :: content-length, transfer-encoding, authorization, connection, expect,
// proxy-authenticate, te: 500, AWS's own body, x-amzn-ErrorType InternalServerErrorException.
for (const type of TYPES) {
  for (const path of Object.keys(FATAL)) {
    test(`${ID(type)} :: ${path}: a mapping onto ${FATAL[path]![0]} fails the request with 500`, async () => {
      const res = await apis.get(type)!.raw(`/test/${path}`, { headers: CLIENT_HEADERS })
      assert.equal(res.status, 500)
      assert.equal(res.text, '{"message": "Internal server error"}')
      assert.equal(res.headers['content-type'], 'application/json')
      assert.equal(res.headers['x-amzn-errortype'], 'InternalServerErrorException')
    })
  }
}
