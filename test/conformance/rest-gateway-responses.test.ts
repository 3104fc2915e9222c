// Conformance: REST gateway responses as a client sees them (status, body, headers, DEFAULT_4XX/DEFAULT_5XX
// precedence), from AWS recordings in test_apigateway_api.snapshot.json :: TestApiGatewayGatewayResponse*.
// The recordings are control-plane reads (GetGatewayResponse[s]); here the recorded configuration is written
// as `x-amazon-apigateway-gateway-responses` and the errors are provoked for real where this build can
// provoke them. Types it cannot provoke yet (authorizers, API keys, validation, throttling, WAF, SigV4) are
// checked on the compiled stage: status and content type.

import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startUpstream, type Upstream } from '../helpers.js'
import { startRestApi, type RestApiUnderTest } from './rest-helpers.js'

/** test_gateway_response_crud :: get-gateway-responses: every type's default status (DEFAULT_* have none). */
const RECORDED_DEFAULT_STATUS: Record<string, number | null> = {
  ACCESS_DENIED: 403,
  API_CONFIGURATION_ERROR: 500,
  AUTHORIZER_CONFIGURATION_ERROR: 500,
  AUTHORIZER_FAILURE: 500,
  BAD_REQUEST_BODY: 400,
  BAD_REQUEST_PARAMETERS: 400,
  DEFAULT_4XX: null,
  DEFAULT_5XX: null,
  EXPIRED_TOKEN: 403,
  INTEGRATION_FAILURE: 504,
  INTEGRATION_TIMEOUT: 504,
  INVALID_API_KEY: 403,
  INVALID_SIGNATURE: 403,
  MISSING_AUTHENTICATION_TOKEN: 403,
  QUOTA_EXCEEDED: 429,
  REQUEST_TOO_LARGE: 413,
  RESOURCE_NOT_FOUND: 404,
  THROTTLED: 429,
  UNAUTHORIZED: 401,
  UNSUPPORTED_MEDIA_TYPE: 415,
  WAF_FILTERED: 403,
}

/** The template recorded in test_gateway_response_crud :: put-gateway-response (and reused by the other tests). */
const CUSTOM_TEMPLATE =
  '{\n     "message": $context.error.messageString,\n     "type":  "$context.error.responseType",\n     "stage":  "$context.stage",\n     "resourcePath":  "$context.resourcePath",\n     "stageVariables.a":  "$stageVariables.a",\n     "statusCode": "\'404\'"\n}'

let slow: Upstream

/**
 * An API where each gateway-response type this build can raise has a route that raises it:
 * /mock-no-match → API_CONFIGURATION_ERROR (no integration response matches 404, no default);
 * /down → INTEGRATION_FAILURE; /slow → INTEGRATION_TIMEOUT (50 ms); /never → UNSUPPORTED_MEDIA_TYPE for text/plain;
 * any other path → MISSING_AUTHENTICATION_TOKEN; a body over 10 MB → REQUEST_TOO_LARGE.
 */
function errorApi(gatewayResponses: Record<string, unknown> | undefined) {
  return {
    openapi: '3.0.1',
    info: { title: 'gateway-responses', version: '1' },
    paths: {
      '/mock-no-match': {
        get: {
          responses: { '200': { description: 'ok' } },
          'x-amazon-apigateway-integration': {
            type: 'mock',
            requestTemplates: { 'application/json': '{"statusCode": 404}' },
            responses: { '200': { statusCode: '200' } },
          },
        },
      },
      '/down': { get: { 'x-amazon-apigateway-integration': { type: 'http_proxy', httpMethod: 'GET', uri: 'http://127.0.0.1:1/nothing' } } },
      '/slow': { get: { 'x-amazon-apigateway-integration': { type: 'http_proxy', httpMethod: 'GET', uri: `${slow.url}/slow`, timeoutInMillis: 50 } } },
      '/never': {
        post: {
          responses: { '200': { description: 'ok' } },
          'x-amazon-apigateway-integration': {
            type: 'mock',
            passthroughBehavior: 'NEVER',
            requestTemplates: { 'application/json': '{"statusCode": 200}' },
            responses: { default: { statusCode: '200' } },
          },
        },
      },
    },
    ...(gatewayResponses ? { 'x-amazon-apigateway-gateway-responses': gatewayResponses } : {}),
  }
}

let defaults: RestApiUnderTest
let crudPut: RestApiUnderTest
let putSequence: RestApiUnderTest
let default4xx: RestApiUnderTest

before(async () => {
  // Never answers (the connection is closed with the server): only the integration timeout can end a request.
  slow = await startUpstream(() => undefined)
  defaults = await startRestApi(errorApi(undefined))
  // test_gateway_response_crud :: put-gateway-response
  crudPut = await startRestApi(
    errorApi({
      MISSING_AUTHENTICATION_TOKEN: {
        statusCode: '404',
        responseParameters: {
          'gatewayresponse.header.Access-Control-Allow-Origin': "'a.b.c'",
          'gatewayresponse.header.x-request-header': 'method.request.header.Accept',
          'gatewayresponse.header.x-request-path': 'method.request.path.petId',
          'gatewayresponse.header.x-request-query': 'method.request.querystring.q',
        },
        responseTemplates: { 'application/json': CUSTOM_TEMPLATE },
      },
    }),
    { stageVariables: { a: 'value-of-a' } },
  )
  // test_gateway_response_put: the state after its six PUTs, as get-gateway-responses recorded it. Each PUT
  // replaces the whole response, so MISSING_AUTHENTICATION_TOKEN ends with the template only.
  putSequence = await startRestApi(
    errorApi({
      MISSING_AUTHENTICATION_TOKEN: { responseTemplates: { 'application/json': CUSTOM_TEMPLATE } },
      DEFAULT_5XX: {
        statusCode: '599',
        responseParameters: { 'gatewayresponse.header.x-request-header': 'method.request.header.Accept' },
        responseTemplates: { 'application/json': CUSTOM_TEMPLATE },
      },
      AUTHORIZER_FAILURE: { statusCode: '500', responseParameters: { 'gatewayresponse.header.foo': "'bar'" } },
    }),
    { stageVariables: { a: 'value-of-a' } },
  )
  // test_update_gateway_response :: update-gateway-response-not-set / get-gateway-response: DEFAULT_4XX at 444
  // with the recorded header parameters (its recorded templates hold a malformed nested value and are left out).
  default4xx = await startRestApi(
    errorApi({
      DEFAULT_4XX: {
        statusCode: '444',
        responseParameters: {
          'gatewayresponse.header.Access-Control-Allow-Origin': "'example.com'",
          'gatewayresponse.header.x-request-header': 'method.request.header.Accept',
          'gatewayresponse.header.x-request-path': 'method.request.path.petId',
          'gatewayresponse.header.x-request-query': 'method.request.querystring.q',
        },
      },
    }),
  )
})

after(async () => {
  for (const a of [defaults, crudPut, putSequence, default4xx]) await a?.stop()
  await slow?.close()
})

function compiled(api: RestApiUnderTest) {
  const stage = api.gw.gateway.plan!.apis.get(api.apiId)!.stages.get(api.stage)!
  return stage.gatewayResponses
}

const BIG = Buffer.alloc(10 * 1024 * 1024 + 1, 97)

// Recording: test_apigateway_api.snapshot.json :: TestApiGatewayGatewayResponse::test_gateway_response_crud :: get-gateway-responses
test('test_apigateway_api :: TestApiGatewayGatewayResponse::test_gateway_response_crud :: get-gateway-responses: default status of every type', () => {
  const responses = compiled(defaults)
  for (const [type, status] of Object.entries(RECORDED_DEFAULT_STATUS)) {
    if (status === null) continue
    const gr = responses.get(type)
    assert.ok(gr, `${type} is compiled`)
    assert.equal(gr.status, status, type)
    assert.equal(gr.contentType, 'application/json', type)
  }
})

// Recording: same :: get-gateway-responses — default template `{"message":$context.error.messageString}` on every
// type, rendered for each type this build raises.
test('test_apigateway_api :: TestApiGatewayGatewayResponse::test_gateway_response_crud :: get-gateway-responses: default bodies as the client sees them', async () => {
  const missing = await defaults.call('/nowhere')
  assert.equal(missing.status, 403)
  assert.equal(missing.text, '{"message":"Missing Authentication Token"}')
  assert.equal(missing.headers['content-type'], 'application/json')

  const media = await defaults.call('/never', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' })
  assert.equal(media.status, 415)
  assert.equal(media.text, '{"message":"Unsupported Media Type"}')

  const config = await defaults.call('/mock-no-match')
  assert.equal(config.status, 500)
  assert.deepEqual(config.json(), { message: 'Internal server error' })

  const down = await defaults.call('/down')
  assert.equal(down.status, 504)
  assert.equal(typeof down.json().message, 'string')

  const timeout = await defaults.call('/slow')
  assert.equal(timeout.status, 504)
  assert.deepEqual(timeout.json(), { message: 'Endpoint request timed out' })

  const big = await defaults.call('/never', { method: 'POST', headers: { 'content-type': 'application/json' }, body: BIG })
  assert.equal(big.status, 413)
})

// Recording: same test :: put-gateway-response / get-gateway-response (MISSING_AUTHENTICATION_TOKEN at 404 with
// a static header, request-header and querystring parameters and a template using $context and $stageVariables).
test('test_apigateway_api :: TestApiGatewayGatewayResponse::test_gateway_response_crud :: put-gateway-response: the customised MISSING_AUTHENTICATION_TOKEN', async () => {
  const res = await crudPut.call('/nowhere?q=query-value', { headers: { accept: 'application/json' } })
  assert.equal(res.status, 404)
  assert.equal(res.headers['access-control-allow-origin'], 'a.b.c')
  assert.equal(res.headers['x-request-header'], 'application/json')
  assert.equal(res.headers['x-request-query'], 'query-value')
  assert.equal(res.headers['content-type'], 'application/json')
  const body = res.json()
  assert.equal(typeof body.resourcePath, 'string')
  delete body.resourcePath
  assert.deepEqual(body, {
    message: 'Missing Authentication Token',
    type: 'MISSING_AUTHENTICATION_TOKEN',
    stage: 'dev',
    'stageVariables.a': 'value-of-a',
    statusCode: "'404'",
  })
})

// Recording: same test :: put-gateway-response — only MISSING_AUTHENTICATION_TOKEN was customised, so the
// other types keep their defaults.
test('test_apigateway_api :: TestApiGatewayGatewayResponse::test_gateway_response_crud :: put-gateway-response: other types keep their defaults', async () => {
  const media = await crudPut.call('/never', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' })
  assert.equal(media.status, 415)
  assert.equal(media.text, '{"message":"Unsupported Media Type"}')
  assert.equal(media.headers['access-control-allow-origin'], undefined)
})

// Recording: test_gateway_response_put :: get-gateway-responses — DEFAULT_5XX (599, x-request-header, template)
// is inherited by the 5xx types not customised themselves; DEFAULT_4XX was not customised.
test('test_apigateway_api :: TestApiGatewayGatewayResponse::test_gateway_response_put :: get-gateway-responses: DEFAULT_5XX reaches every uncustomised 5xx type', async () => {
  for (const [path, type] of [['/mock-no-match', 'API_CONFIGURATION_ERROR'], ['/down', 'INTEGRATION_FAILURE'], ['/slow', 'INTEGRATION_TIMEOUT']] as const) {
    const res = await putSequence.call(path, { headers: { accept: 'application/json' } })
    assert.equal(res.status, 599, type)
    assert.equal(res.headers['x-request-header'], 'application/json', type)
    const body = res.json()
    assert.equal(body.type, type)
    assert.equal(body.stage, 'dev')
    assert.equal(body['stageVariables.a'], 'value-of-a')
    assert.equal(body.statusCode, "'404'")
    assert.equal(typeof body.message, 'string')
  }
  const responses = compiled(putSequence)
  for (const type of ['API_CONFIGURATION_ERROR', 'AUTHORIZER_CONFIGURATION_ERROR', 'INTEGRATION_FAILURE', 'INTEGRATION_TIMEOUT']) {
    assert.equal(responses.get(type)!.status, 599, type)
  }
})

// No recording (AWS has no such type): Gatehouse's own STATE_STORE_UNAVAILABLE (--redis-unavailable closed) is
// of the DEFAULT_5XX type, so a customised DEFAULT_5XX is what customises it.
test("Gatehouse's own 503 STATE_STORE_UNAVAILABLE takes a customised DEFAULT_5XX, and keeps 503 otherwise", () => {
  assert.equal(compiled(putSequence).get('STATE_STORE_UNAVAILABLE')!.status, 599)
  assert.equal(compiled(default4xx).get('STATE_STORE_UNAVAILABLE')!.status, 503)
  assert.equal(compiled(default4xx).get('STATE_STORE_UNAVAILABLE')!.errorType, 'ServiceUnavailableException')
})

// Recording: same :: put-gateway-response-default-ignored / get-gateway-responses — a customised
// AUTHORIZER_FAILURE keeps its own 500 and its own header; DEFAULT_5XX's do not apply to it.
test('test_apigateway_api :: TestApiGatewayGatewayResponse::test_gateway_response_put :: put-gateway-response-default-ignored: a customised type wins over DEFAULT_5XX', () => {
  const gr = compiled(putSequence).get('AUTHORIZER_FAILURE')!
  assert.equal(gr.status, 500)
  assert.equal(gr.contentType, 'application/json')
})

// Recording: same :: get-gateway-responses — MISSING_AUTHENTICATION_TOKEN ended with the template only (status
// back to 403, no parameters); 4xx types are untouched by DEFAULT_5XX.
test('test_apigateway_api :: TestApiGatewayGatewayResponse::test_gateway_response_put :: put-gateway-response-response-templates-only: template customised, status still 403', async () => {
  const res = await putSequence.call('/nowhere', { headers: { accept: 'application/json' } })
  assert.equal(res.status, 403)
  assert.equal(res.headers['x-request-header'], undefined)
  const body = res.json()
  assert.equal(body.message, 'Missing Authentication Token')
  assert.equal(body.type, 'MISSING_AUTHENTICATION_TOKEN')
  assert.equal(body.stage, 'dev')

  const media = await putSequence.call('/never', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' })
  assert.equal(media.status, 415)
  assert.equal(media.text, '{"message":"Unsupported Media Type"}')
  for (const [type, status] of Object.entries(RECORDED_DEFAULT_STATUS)) {
    if (status !== null && status < 500) assert.equal(compiled(putSequence).get(type)!.status, status, type)
  }
})

// Recording: test_update_gateway_response :: update-gateway-response-not-set and get-gateway-response —
// DEFAULT_4XX with statusCode 444 changes the status of every uncustomised 4xx type.
test('test_apigateway_api :: TestApiGatewayGatewayResponse::test_update_gateway_response :: get-gateway-response: DEFAULT_4XX at 444 with its headers', async () => {
  const missing = await default4xx.call('/nowhere?q=z', { headers: { accept: 'text/plain' } })
  assert.equal(missing.status, 444)
  assert.deepEqual(missing.json(), { message: 'Missing Authentication Token' })
  assert.equal(missing.headers['access-control-allow-origin'], 'example.com')
  assert.equal(missing.headers['x-request-header'], 'text/plain')
  assert.equal(missing.headers['x-request-query'], 'z')

  const media = await default4xx.call('/never', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' })
  assert.equal(media.status, 444)
  assert.deepEqual(media.json(), { message: 'Unsupported Media Type' })
  assert.equal(media.headers['access-control-allow-origin'], 'example.com')

  // 5xx types are not touched by DEFAULT_4XX.
  const config = await default4xx.call('/mock-no-match')
  assert.equal(config.status, 500)
  assert.equal(config.headers['access-control-allow-origin'], undefined)
})
