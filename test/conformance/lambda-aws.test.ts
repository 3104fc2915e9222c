// Conformance: REST `AWS` (non-proxy) Lambda integrations (§1.4, §1.5, §4.8), from AWS recordings in
// test_apigateway_lambda.snapshot.json — test_lambda_aws_integration, test_lambda_aws_integration_with_request_template,
// test_lambda_selection_patterns and test_lambda_aws_integration_response_with_mapping_templates. The request and
// response templates of the last one are LocalStack's data files (test/fixtures/aws/localstack/api-definitions/*.vm),
// read as they are.

import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { ECHO, lambdaUri, pathParams, startLambdaApi, type LambdaApiUnderTest } from './lambda-helpers.js'

const HELLO = '{"message": "hello world"}'

/**
 * LocalStack's lambda_select_pattern as it was when the recording was made: the errors say "four hundred" and
 * "five hundred" (their recorded errorMessage), and the Python exception type was `Exception`.
 */
const SELECT_PATTERN = `class Exception extends Error {
  constructor(message) {
    super(message)
    this.name = 'Exception'
  }
}
export const handler = async (event) => {
  switch (event.statusCode) {
    case '200': return 'Pass'
    case '400': throw new Exception('Error: Raising four hundred from within the Lambda function')
    case '500': throw new Exception('Error: Raising five hundred from within the Lambda function')
    default: return 'Error Value in the json request should either be 400 or 500 to demonstrate'
  }
}
`

/** LocalStack's lambda_mapping_responses: the status asked for in the request body decides the result's body. */
const MAPPING_RESPONSES = `export const handler = async (event) => {
  const status = Number(event.body.httpStatus)
  return { statusCode: 200, body: status >= 400 ? 'customerror' : 'noerror' }
}
`

const TEMPLATES = new URL('../fixtures/aws/localstack/api-definitions/', import.meta.url)

function doc(title: string, paths: Record<string, unknown>) {
  return { openapi: '3.0.1', info: { title, version: '1' }, paths }
}

function responses(...codes: string[]) {
  return Object.fromEntries(codes.map((c) => [c, { description: `${c} response` }]))
}

let echo: LambdaApiUnderTest
let patterns: LambdaApiUnderTest
let mapped: LambdaApiUnderTest | undefined

before(async () => {
  // test_lambda_aws_integration (POST /test, no template) and _with_request_template (GET /test, a JSON template).
  echo = await startLambdaApi(
    'REST',
    doc('lambda-aws', {
      '/test': {
        post: {
          responses: responses('200'),
          'x-amazon-apigateway-integration': { type: 'aws', httpMethod: 'POST', uri: lambdaUri('echo'), responses: { default: { statusCode: '200' } } },
        },
        get: {
          parameters: [{ name: 'param1', in: 'query', required: false, schema: { type: 'string' } }],
          responses: responses('200'),
          'x-amazon-apigateway-integration': {
            type: 'aws',
            httpMethod: 'POST',
            uri: lambdaUri('echo'),
            requestTemplates: { 'application/json': `{"param1": "$input.params('param1')"}` },
            responses: { default: { statusCode: '200' } },
          },
        },
      },
      // §1.5: a pattern like "200" is matched against errorMessage only; a successful result takes the default.
      '/pattern-200': {
        post: {
          responses: responses('200', '201'),
          'x-amazon-apigateway-integration': {
            type: 'aws',
            httpMethod: 'POST',
            uri: lambdaUri('echo'),
            responses: { '200': { statusCode: '201' }, default: { statusCode: '200' } },
          },
        },
      },
    }),
    { echo: ECHO },
    { stage: 'api' },
  )
  // test_lambda_selection_patterns: GET /{statusCode}, default → 200, errors selected by errorMessage.
  patterns = await startLambdaApi(
    'REST',
    doc('lambda-selection', {
      '/{statusCode}': {
        get: {
          parameters: pathParams('statusCode'),
          responses: responses('200', '405', '502'),
          'x-amazon-apigateway-integration': {
            type: 'aws',
            httpMethod: 'POST',
            uri: lambdaUri('select-pattern'),
            requestTemplates: { 'application/json': `{"statusCode": "$input.params('statusCode')"}` },
            responses: {
              default: { statusCode: '200' },
              '.*four hundred.*': { statusCode: '405' },
              '.*five hundred.*': { statusCode: '502' },
            },
          },
        },
      },
    }),
    { 'select-pattern': SELECT_PATTERN },
    { stage: 'dev' },
  )
  // test_lambda_aws_integration_response_with_mapping_templates: the response template overrides the status.
  mapped = await startLambdaApi(
    'REST',
    doc('lambda-mapping-templates', {
      '/test': {
        post: {
          responses: responses('200', '400'),
          'x-amazon-apigateway-integration': {
            type: 'aws',
            httpMethod: 'POST',
            uri: lambdaUri('mapping-responses'),
            requestTemplates: { 'application/json': readFileSync(new URL('request-template.vm', TEMPLATES), 'utf8') },
            responses: {
              default: { statusCode: '200', responseTemplates: { 'application/json': readFileSync(new URL('response-template.vm', TEMPLATES), 'utf8') } },
            },
          },
        },
      },
    }),
    { 'mapping-responses': MAPPING_RESPONSES },
    { stage: 'api' },
  )
})

after(async () => {
  await echo?.stop()
  await patterns?.stop()
  await mapped?.stop()
})

test('test_lambda_aws_integration :: lambda-aws-integration — no template: the body is the event, the result the body', async () => {
  // python-requests' `data=` sends no Content-Type.
  const res = await echo.raw('/api/test', { method: 'POST', body: HELLO })
  assert.equal(res.status, 200)
  assert.deepEqual(res.json(), { message: 'hello world' })
  assert.equal(res.headers['content-type'], 'application/json')
  assert.match(String(res.headers['x-amzn-trace-id']), /^Root=1-/, 'AWS integrations answer with the trace id (§6.5)')
})

test('test_lambda_aws_integration_with_request_template :: lambda-aws-integration-1 and -2', async () => {
  const one = await echo.call('/test?param1=foobar')
  assert.equal(one.status, 200)
  assert.deepEqual(one.json(), { param1: 'foobar' })
  // A query parameter named Signature is an ordinary parameter (LocalStack issue 5041).
  const two = await echo.call('/test?param1=foobar&Signature=1')
  assert.equal(two.status, 200)
  assert.deepEqual(two.json(), { param1: 'foobar' })
})

test('a selectionPattern "200" does not catch a successful Lambda result (§1.5)', async () => {
  const res = await echo.call('/pattern-200', { method: 'POST', body: HELLO, headers: { 'content-type': 'application/json' } })
  assert.equal(res.status, 200)
  assert.deepEqual(res.json(), { message: 'hello world' })
})

test('test_lambda_selection_patterns :: lambda-selection-pattern-200 — success takes the default response', async () => {
  const res = await patterns.call('/200')
  assert.equal(res.status, 200)
  assert.equal(res.json(), 'Pass')
})

for (const [code, status, words] of [['400', 405, 'four'], ['500', 502, 'five']] as const) {
  test(`test_lambda_selection_patterns :: lambda-selection-pattern-${code} — errorMessage selects ${status}, the error body unmapped`, async () => {
    const res = await patterns.call(`/${code}`)
    assert.equal(res.status, status)
    const body = res.json()
    assert.deepEqual(Object.keys(body).sort(), ['errorMessage', 'errorType', 'requestId', 'stackTrace'])
    assert.equal(body.errorMessage, `Error: Raising ${words} hundred from within the Lambda function`)
    assert.equal(body.errorType, 'Exception')
    assert.match(body.requestId, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/)
    assert.ok(Array.isArray(body.stackTrace) && body.stackTrace.length > 0)
    for (const line of body.stackTrace) assert.equal(typeof line, 'string')
  })
}

test('test_lambda_aws_integration_response_with_mapping_templates :: response-template-202 and -400', async () => {
  const ok = await mapped!.call('/test', { method: 'POST', body: JSON.stringify({ httpStatus: '200' }), headers: { 'content-type': 'application/json' } })
  assert.equal(ok.status, 202)
  assert.deepEqual(ok.json(), { body: 'noerror', statusCode: 200 })
  const bad = await mapped!.call('/test', { method: 'POST', body: JSON.stringify({ httpStatus: '400', errorMessage: 'Test Bad request' }), headers: { 'content-type': 'application/json' } })
  assert.equal(bad.status, 400)
  assert.deepEqual(bad.json(), { body: 'customerror', statusCode: 200 })
})
