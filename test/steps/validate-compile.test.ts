// The validation step at deploy time: which methods get one, what a misconfiguration says, and that each
// model is compiled once however many methods, stages and reloads share it.

import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { Agent } from 'undici'
import { createValidationStep } from '../../src/steps/validate/index.js'
import { createSteps, STATELESS_STEPS } from '../../src/steps/index.js'
import { createIntegrations } from '../../src/integrations/index.js'
import { STEP_ORDER, type RouteInfo } from '../../src/dataplane/plan.js'
import { NO_FUNCTIONS } from '../helpers.js'
import { modelUrl } from '../../src/steps/validate/models.js'
import { compileGateway, describePlan } from '../../src/controlplane/compile/compile.js'
import { GatewayMetrics } from '../../src/observe/metrics.js'
import type { Deployment, HttpApi, Method, Model, RestApi, Stage } from '../../src/model/types.js'

const dispatcher = new Agent()
after(() => dispatcher.close())

function model(name: string, schema: Record<string, unknown>): Model {
  return { id: 'm' + name, name, contentType: 'application/json', schema }
}

function method(extra: Partial<Method> = {}): Method {
  return {
    httpMethod: 'POST',
    authorizationType: 'NONE',
    apiKeyRequired: false,
    requestParameters: {},
    requestModels: {},
    methodResponses: {},
    methodIntegration: {
      type: 'MOCK',
      connectionType: 'INTERNET',
      requestParameters: {},
      requestTemplates: { 'application/json': '{"statusCode": 200}' },
      passthroughBehavior: 'WHEN_NO_MATCH',
      timeoutInMillis: 29000,
      cacheKeyParameters: [],
      integrationResponses: { '200': { statusCode: '200', responseParameters: {}, responseTemplates: {} } },
    },
    ...extra,
  }
}

function restApi(methods: Record<string, Method>, extra: Partial<RestApi> = {}): RestApi {
  const resources: RestApi['resources'] = { root: { id: 'root', parentId: null, pathPart: '', path: '/', resourceMethods: {} } }
  for (const [path, m] of Object.entries(methods)) {
    const id = 'r' + Object.keys(resources).length
    resources[id] = { id, parentId: 'root', pathPart: path.slice(1), path, resourceMethods: { [m.httpMethod]: m } }
  }
  return {
    kind: 'REST',
    id: 'api1',
    name: 'validated',
    createdDate: '2024-01-01T00:00:00Z',
    binaryMediaTypes: [],
    minimumCompressionSize: null,
    apiKeySource: 'HEADER',
    endpointConfiguration: { types: ['REGIONAL'] },
    policy: null,
    disableExecuteApiEndpoint: false,
    rootResourceId: 'root',
    resources,
    models: { Pet: model('Pet', { type: 'object', required: ['name'] }) },
    requestValidators: {
      all: { id: 'all', name: 'all', validateRequestBody: true, validateRequestParameters: true },
      body: { id: 'body', name: 'body', validateRequestBody: true, validateRequestParameters: false },
      params: { id: 'params', name: 'params', validateRequestBody: false, validateRequestParameters: true },
      none: { id: 'none', name: 'none', validateRequestBody: false, validateRequestParameters: false },
    },
    authorizers: {},
    gatewayResponses: {},
    tags: {},
    extensions: {},
    ...extra,
  }
}

function stage(name: string, deploymentId: string): Stage {
  return { apiId: 'api1', stageName: name, deploymentId, variables: {}, methodSettings: {}, tags: {}, createdDate: '', lastUpdatedDate: '' }
}

function routeOf(api: RestApi, m: Method): RouteInfo {
  return { apiKind: 'REST', api, stage: stage('dev', 'd1'), deploymentId: 'd1', resourcePath: '/x', httpMethod: m.httpMethod, routeKey: 'POST /x', method: m }
}

const withModel = { requestModels: { 'application/json': 'Pet' } }
const withParam = { requestParameters: { 'method.request.querystring.q': true } }

test('a method gets a validation step only when its validator checks something it declares', () => {
  const f = createValidationStep()
  const compile = (m: Method, api = restApi({ '/x': m })) => f.compile(routeOf(api, m))
  assert.equal(compile(method(withModel)), null, 'no validator')
  assert.equal(compile(method({ ...withModel, requestValidatorId: 'none' })), null, 'validator checks nothing')
  assert.equal(compile(method({ ...withParam, requestValidatorId: 'body' })), null, 'body validator, no model')
  assert.equal(compile(method({ ...withModel, requestValidatorId: 'params' })), null, 'params validator, no required parameter')
  assert.equal(compile(method({ requestParameters: { 'method.request.header.h': false }, requestValidatorId: 'all' })), null, 'optional parameters only')
  assert.equal(compile(method({ ...withModel, requestValidatorId: 'body' }))?.name, 'validate')
  assert.equal(compile(method({ ...withParam, requestValidatorId: 'params' }))?.name, 'validate')
  // HTTP APIs have no request validation.
  const http = { kind: 'HTTP', id: 'h', name: 'h' } as unknown as HttpApi
  assert.equal(f.compile({ apiKind: 'HTTP', api: http, stage: stage('dev', 'd'), deploymentId: 'd', resourcePath: '/x', httpMethod: 'GET', routeKey: 'GET /x' }), null)
})

test('misconfigurations are refused at compile time with a message naming what is wrong', () => {
  const f = createValidationStep()
  const compile = (m: Method, extra: Partial<RestApi> = {}) => f.compile(routeOf(restApi({ '/x': m }, extra), m))
  assert.throws(() => compile(method({ ...withModel, requestValidatorId: 'nope' })), /request validator 'nope' does not exist/)
  assert.throws(() => compile(method({ requestModels: { 'application/json': 'Ghost' }, requestValidatorId: 'all' })), /application\/json: model 'Ghost' does not exist/)
  assert.throws(
    () => compile(method({ ...withModel, requestValidatorId: 'all' }), { models: { Pet: model('Pet', { type: 'objekt' }) } }),
    /model 'Pet' is not a valid JSON Schema \(draft 4\): schema\/type must be equal to one of the allowed values/,
  )
  assert.throws(
    () => compile(method({ ...withModel, requestValidatorId: 'all' }), { models: { Pet: model('Pet', { properties: { o: { $ref: modelUrl('api1', 'Owner') } } }) } }),
    /model 'Pet' cannot be compiled: can't resolve reference https:\/\/apigateway\.amazonaws\.com\/restapis\/api1\/models\/Owner/,
  )
})

test('the compiler turns a misconfigured validator into a route that answers 500, with a warning', () => {
  const m = method({ ...withModel, requestValidatorId: 'all' })
  const api = restApi({ '/x': m }, { models: { Pet: model('Pet', { type: 7 }) } })
  const deployment: Deployment = { id: 'd1', apiId: 'api1', createdDate: '', snapshot: api }
  const plan = compileGateway(
    { revision: 1, deployments: new Map([['d1', deployment]]), stages: [stage('dev', 'd1')], settings: {} },
    { integrations: createIntegrations({ dispatcher, functions: NO_FUNCTIONS }), metrics: new GatewayMetrics(), accessLogs: false, steps: [createValidationStep()] },
  )
  assert.match(plan.warnings.join('\n'), /api1\/dev POST \/x: validate step: request model for application\/json: model 'Pet' is not a valid JSON Schema/)
  assert.deepEqual(describePlan(plan)[0]!.routes, ['POST /x -> MOCK [misconfigured]'])
})

test('a model shared by 100 methods and 2 stages is compiled once, and not again on a reload that keeps it', () => {
  const f = createValidationStep()
  const methods: Record<string, Method> = {}
  for (let i = 0; i < 100; i++) methods[`/m${i}`] = method({ ...withModel, requestValidatorId: 'body' })
  const compile = (api: RestApi, deploymentId: string) => {
    const deployment: Deployment = { id: deploymentId, apiId: 'api1', createdDate: '', snapshot: api }
    return compileGateway(
      { revision: 1, deployments: new Map([[deploymentId, deployment]]), stages: [stage('dev', deploymentId), stage('prod', deploymentId)], settings: {} },
      { integrations: createIntegrations({ dispatcher, functions: NO_FUNCTIONS }), metrics: new GatewayMetrics(), accessLogs: false, steps: [f] },
    )
  }
  const plan = compile(restApi(methods), 'd1')
  assert.deepEqual(plan.warnings, [])
  assert.equal(describePlan(plan).flatMap((s) => s.routes).filter((r) => r.endsWith('[validate]')).length, 200)
  assert.equal(f.compiles, 1)
  // A reload builds new snapshot objects; the models are the same, so nothing is compiled again.
  compile(structuredClone(restApi(methods)), 'd2')
  assert.equal(f.compiles, 1)
  // A changed model is compiled anew.
  compile(restApi(methods, { models: { Pet: model('Pet', { type: 'object', required: ['id'] }) } }), 'd3')
  assert.equal(f.compiles, 2)
})

test('the gateway runs the validation step by default, with one factory for every step kind that exists', () => {
  assert.ok(STATELESS_STEPS.some((s) => s.kind === 'validate'))
  const all = createSteps({ auth: { functions: NO_FUNCTIONS, jwks: null as never, state: () => null as never, identity: () => undefined }, throttle: { state: () => null as never } })
  assert.ok(all.some((s) => s.kind === 'validate'))
  // Each kind of the order table has its factory, once; `cache` arrives with response caching.
  assert.deepEqual(all.map((s) => s.kind).sort(), STEP_ORDER.map(([k]) => k).filter((k) => k !== 'cache').sort())
})
