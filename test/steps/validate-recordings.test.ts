// AWS recordings about request validation, re-expressed as requests against a running gateway:
// - test_apigateway_import :: test_import_with_circular_models_and_request_validation: Person and House models
//   that $ref each other, validator `basic` (body and parameters) set as the document default, MOCK backend;
// - cloudformation test_apigateway :: test_cfn_deploy_apigateway_models: ANY /validated, a body-only validator,
//   a model requiring `string_field` and `integer_field` (a number), MOCK with passthrough NEVER;
// - §9's recorded parameter failure: the missing names listed as `[x-header-param, issuer, qs1]`;
// - test_apigateway_common :: TestApiGatewayCommon::test_api_gateway_request_validator, the recording behind §9
//   (snapshot read from localstack/localstack): the same failure on its own method, an
//   AWS_PROXY one whose validator checks the body too.

import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { Agent } from 'undici'
import pino from 'pino'
import { startRestApi, type RestApiUnderTest } from '../conformance/rest-helpers.js'
import { send, tempDir, writeFile } from '../helpers.js'
import { describePlan, compileGateway } from '../../src/controlplane/compile/compile.js'
import { importOpenApi } from '../../src/controlplane/openapi/import.js'
import { DataPlane } from '../../src/dataplane/server.js'
import { createIntegrations } from '../../src/integrations/index.js'
import { transformStep } from '../../src/steps/index.js'
import { NO_FUNCTIONS } from '../helpers.js'
import { GatewayMetrics } from '../../src/observe/metrics.js'
import { FunctionRuntime } from '../../src/functions/index.js'
import { createValidationStep } from '../../src/steps/validate/index.js'
import type { RestApi } from '../../src/model/types.js'

let circular: RestApiUnderTest
let cfn: RestApiUnderTest

before(async () => {
  const text = readFileSync(new URL('../fixtures/aws/localstack/api-definitions/openapi.spec.circular-ref-with-request-body.json', import.meta.url), 'utf8')
  circular = await startRestApi(JSON.parse(text))
  cfn = await startRestApi({
    openapi: '3.0.1',
    info: { title: 'cfn-models', version: '1' },
    'x-amazon-apigateway-request-validators': { bodyOnly: { validateRequestBody: true, validateRequestParameters: false } },
    paths: {
      '/validated': {
        'x-amazon-apigateway-any-method': {
          'x-amazon-apigateway-request-validator': 'bodyOnly',
          requestBody: { content: { 'application/json': { schema: { $ref: '#/components/schemas/ValidatedModel' } } } },
          'x-amazon-apigateway-integration': {
            type: 'mock',
            passthroughBehavior: 'never',
            requestTemplates: { 'application/json': '{"statusCode": 200}' },
            responses: { default: { statusCode: '200' } },
          },
        },
      },
    },
    components: {
      schemas: {
        ValidatedModel: {
          $schema: 'http://json-schema.org/draft-04/schema#',
          title: 'ValidatedModel',
          type: 'object',
          properties: { integer_field: { type: 'number' }, string_field: { type: 'string' } },
          required: ['string_field', 'integer_field'],
        },
      },
    },
  })
})

after(async () => {
  await circular.stop()
  await cfn.stop()
})

const JSON_CT = { 'content-type': 'application/json' }

test('circular models: the recorded method (basic validator, Person model) is served with a validation step', () => {
  const routes = describePlan(circular.gw.gateway.plan!)[0]!.routes
  // The stage's default throttle runs before validation (§2 order: throttle, then validate).
  assert.deepEqual(routes, ['POST /person -> MOCK [throttle,validate,transform]'])
})

test('circular models: a Person with name and b passes, also with a House holding more Persons', async () => {
  const ok = await circular.call('/person', { method: 'POST', headers: JSON_CT, body: JSON.stringify({ name: 'Ann', b: 1 }) })
  assert.equal(ok.status, 200)
  assert.equal(ok.json().response, 'mocked')
  const nested = { name: 'Ann', b: 1, house: { randomProperty: 'x', contains: [{ name: 'Bob', b: 2, house: { contains: [{ name: 'Cy', b: 3 }] } }] } }
  assert.equal((await circular.call('/person', { method: 'POST', headers: JSON_CT, body: JSON.stringify(nested) })).status, 200)
})

test('circular models: a Person missing a required property is refused with 400 Invalid request body', async () => {
  const res = await circular.call('/person', { method: 'POST', headers: JSON_CT, body: JSON.stringify({ name: 'Ann' }) })
  assert.equal(res.status, 400)
  assert.equal(res.headers['x-amzn-errortype'], 'BadRequestException')
  assert.deepEqual(res.json(), { message: 'Invalid request body' })
})

test('circular models: a Person inside the House, reached through Person → House → Person, is validated too', async () => {
  const res = await circular.call('/person', {
    method: 'POST',
    headers: JSON_CT,
    body: JSON.stringify({ name: 'Ann', b: 1, house: { contains: [{ name: 'Bob', b: 'two' }] } }),
  })
  assert.equal(res.status, 400)
  assert.deepEqual(res.json(), { message: 'Invalid request body' })
})

test('cfn models: the body-only validator accepts a body with both required fields', async () => {
  const res = await cfn.call('/validated', { method: 'POST', headers: JSON_CT, body: JSON.stringify({ string_field: 's', integer_field: 1.5 }) })
  assert.equal(res.status, 200)
})

test('cfn models: a missing or mistyped field gives 400 Invalid request body, whatever the method of ANY', async () => {
  for (const [method, body] of [
    ['POST', { string_field: 's' }],
    ['PUT', { string_field: 's', integer_field: '1' }],
    ['PATCH', {}],
  ] as const) {
    const res = await cfn.call('/validated', { method, headers: JSON_CT, body: JSON.stringify(body) })
    assert.equal(res.status, 400, `${method} ${JSON.stringify(body)}`)
    assert.deepEqual(res.json(), { message: 'Invalid request body' })
  }
})

test('cfn models: a content type without a model is not validated; passthrough NEVER then refuses it with 415', async () => {
  const res = await cfn.call('/validated', { method: 'POST', headers: { 'content-type': 'text/xml' }, body: '<a/>' })
  assert.equal(res.status, 415)
  assert.deepEqual(res.json(), { message: 'Unsupported Media Type' })
})

test('§9 recording: missing header, path and query parameters are listed headers first, then path, then query', async () => {
  const { api } = importOpenApi(
    {
      openapi: '3.0.1',
      info: { title: 'params', version: '1' },
      'x-amazon-apigateway-request-validators': { params: { validateRequestBody: false, validateRequestParameters: true } },
      'x-amazon-apigateway-request-validator': 'params',
      paths: {
        '/test': {
          get: {
            parameters: [
              { name: 'qs1', in: 'query', required: true, schema: { type: 'string' } },
              { name: 'x-header-param', in: 'header', required: true, schema: { type: 'string' } },
            ],
            'x-amazon-apigateway-integration': { type: 'mock', requestTemplates: { 'application/json': '{"statusCode": 200}' }, responses: { default: { statusCode: '200' } } },
          },
        },
      },
    },
    { kind: 'REST', id: 'params0001', createdDate: '2025-01-01T00:00:00.000Z' },
  )
  // The recorded method declared a required path parameter its resource has no variable for (possible through
  // PutMethod, not through an OpenAPI import), so it is always missing.
  const rest = api as RestApi
  const resource = Object.values(rest.resources).find((r) => r.path === '/test')!
  resource.resourceMethods.GET!.requestParameters['method.request.path.issuer'] = true
  const dispatcher = new Agent()
  const plan = compileGateway(
    {
      revision: 1,
      deployments: new Map([['d1', { id: 'd1', apiId: rest.id, createdDate: '', snapshot: rest }]]),
      stages: [{ apiId: rest.id, stageName: 'dev', deploymentId: 'd1', variables: {}, methodSettings: {}, tags: {}, createdDate: '', lastUpdatedDate: '' }],
      settings: {},
    },
    { integrations: createIntegrations({ dispatcher, functions: NO_FUNCTIONS }), metrics: new GatewayMetrics(), accessLogs: false, steps: [createValidationStep(), transformStep] },
  )
  const dp = new DataPlane(plan, { logger: pino({ level: 'silent' }) })
  const { port } = await dp.listen(0, '127.0.0.1')
  try {
    const res = await send(port, '/dev/test')
    assert.equal(res.status, 400)
    assert.deepEqual(res.json(), { message: 'Missing required request parameters: [x-header-param, issuer, qs1]' })
    const some = await send(port, '/dev/test?qs1=a', { headers: { 'x-header-param': 'h' } })
    assert.deepEqual(some.json(), { message: 'Missing required request parameters: [issuer]' })
  } finally {
    await dp.drain(1000)
    await dispatcher.close()
  }
})

// Recording: test_apigateway_common.snapshot.json :: TestApiGatewayCommon::test_api_gateway_request_validator ::
// missing-all-required-request-params-post, missing-required-headers-request-params-get, missing-required-qs-request-params-get.
// Resource /nested/{test}, GET and POST on a Lambda proxy, validator `test-validator` (parameters and body), body
// model testSchema (numbers `a` and `b` required), required parameters path `test`, query `qs1`, header
// `x-header-param`. UpdateMethod then swapped POST's `method.request.path.test` for `method.request.path.issuer`,
// a path parameter the resource has no variable for; GET kept `test`. Invoked on /nested/value:
// - POST with no header, no query and the body {"test": "test"} (which the model refuses too) → 400
//   `[x-header-param, issuer, qs1]`: every missing name, the undeclarable path one included, and the parameter
//   failure wins over the body's;
// - GET with only ?qs1=test → 400 `[x-header-param]`; GET with only the header → 400 `[qs1]`.
test('test_apigateway_common :: TestApiGatewayCommon::test_api_gateway_request_validator :: missing-*-request-params', async () => {
  const tmp = tempDir('gatehouse-validator-')
  writeFile(tmp.dir, 'echo.mjs', 'export const handler = async (event) => ({ statusCode: 200, body: event.body })\n')
  const operation = {
    parameters: [
      { name: 'test', in: 'path', required: true, schema: { type: 'string' } },
      { name: 'qs1', in: 'query', required: true, schema: { type: 'string' } },
      { name: 'x-header-param', in: 'header', required: true, schema: { type: 'string' } },
    ],
    requestBody: { content: { 'application/json': { schema: { $ref: '#/components/schemas/testSchema' } } } },
    'x-amazon-apigateway-request-validator': 'test-validator',
    'x-amazon-apigateway-integration': {
      type: 'aws_proxy',
      httpMethod: 'POST',
      uri: 'arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:echo/invocations',
    },
  }
  const { api } = importOpenApi(
    {
      openapi: '3.0.1',
      info: { title: 'aws lambda api', version: '1' },
      'x-amazon-apigateway-request-validators': { 'test-validator': { validateRequestBody: true, validateRequestParameters: true } },
      paths: { '/nested/{test}': { get: operation, post: operation } },
      components: {
        schemas: {
          testSchema: {
            $schema: 'http://json-schema.org/draft-04/schema#',
            title: 'testSchema',
            type: 'object',
            properties: { a: { type: 'number' }, b: { type: 'number' } },
            required: ['a', 'b'],
          },
        },
      },
    },
    { kind: 'REST', id: 'validator01', createdDate: '2025-01-01T00:00:00.000Z' },
  )
  const rest = api as RestApi
  const resource = Object.values(rest.resources).find((r) => r.path === '/nested/{test}')!
  // The recorded UpdateMethod (add /requestParameters/method.request.path.issuer, remove .../method.request.path.test):
  // possible through the management API, not through an OpenAPI import, hence the edit of the imported model.
  const post = resource.resourceMethods.POST!
  delete post.requestParameters['method.request.path.test']
  post.requestParameters['method.request.path.issuer'] = true
  assert.equal(resource.resourceMethods.GET!.requestParameters['method.request.path.test'], true)

  const functions = new FunctionRuntime()
  functions.registerDirectory(tmp.dir)
  const dispatcher = new Agent()
  const plan = compileGateway(
    {
      revision: 1,
      deployments: new Map([['d1', { id: 'd1', apiId: rest.id, createdDate: '', snapshot: rest }]]),
      stages: [{ apiId: rest.id, stageName: 'local', deploymentId: 'd1', variables: {}, methodSettings: {}, tags: {}, createdDate: '', lastUpdatedDate: '' }],
      settings: {},
    },
    { integrations: createIntegrations({ dispatcher, functions }), metrics: new GatewayMetrics(), accessLogs: false, steps: [createValidationStep(), transformStep] },
  )
  const dp = new DataPlane(plan, { logger: pino({ level: 'silent' }) })
  const { port } = await dp.listen(0, '127.0.0.1')
  try {
    // The GET method, whose declared parameters all exist, lets a complete request through to the function.
    const ok = await send(port, '/local/nested/value?qs1=test', { headers: { 'x-header-param': 'test', ...JSON_CT }, body: '{"a": 1, "b": 2}' })
    assert.equal(ok.status, 200)
    assert.deepEqual(ok.json(), { a: 1, b: 2 })

    const all = await send(port, '/local/nested/value', { method: 'POST', headers: JSON_CT, body: '{"test": "test"}' })
    assert.equal(all.status, 400)
    assert.equal(all.headers['x-amzn-errortype'], 'BadRequestException')
    assert.deepEqual(all.json(), { message: 'Missing required request parameters: [x-header-param, issuer, qs1]' })

    const noHeader = await send(port, '/local/nested/value?qs1=test')
    assert.equal(noHeader.status, 400)
    assert.deepEqual(noHeader.json(), { message: 'Missing required request parameters: [x-header-param]' })

    const noQuery = await send(port, '/local/nested/value', { headers: { 'x-header-param': 'test' } })
    assert.equal(noQuery.status, 400)
    assert.deepEqual(noQuery.json(), { message: 'Missing required request parameters: [qs1]' })

    // With every parameter the resource can carry, POST still lacks `issuer`: no request can satisfy it.
    const complete = await send(port, '/local/nested/value?qs1=test', { method: 'POST', headers: { 'x-header-param': 'test', ...JSON_CT }, body: '{"a": 1, "b": 2}' })
    assert.equal(complete.status, 400)
    assert.deepEqual(complete.json(), { message: 'Missing required request parameters: [issuer]' })
  } finally {
    await dp.drain(1000)
    await dispatcher.close()
    await functions.close()
    tmp.cleanup()
  }
})
