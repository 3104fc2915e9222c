// AWS's REST API control plane (apigateway v1) on the admin port, driven by the unmodified AWS SDK for
// JavaScript v3: an API built from nothing (resources, methods, integrations, responses), deployed and
// invoked on the data plane; a change that reaches traffic only with a deployment; a stage pointer rolled
// back; stage settings kept as given; models, validators, authorizers and gateway responses; import, merge
// and overwrite; TestInvokeMethod; tags; every error class by name.

import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import {
  BadRequestException,
  ConflictException,
  CreateAuthorizerCommand,
  CreateDeploymentCommand,
  CreateModelCommand,
  CreateRequestValidatorCommand,
  CreateResourceCommand,
  CreateRestApiCommand,
  CreateStageCommand,
  DeleteDeploymentCommand,
  DeleteGatewayResponseCommand,
  DeleteMethodCommand,
  DeleteModelCommand,
  DeleteResourceCommand,
  DeleteRestApiCommand,
  DeleteStageCommand,
  FlushStageAuthorizersCacheCommand,
  GetAuthorizersCommand,
  GetDeploymentCommand,
  GetDeploymentsCommand,
  GetExportCommand,
  GetGatewayResponseCommand,
  GetGatewayResponsesCommand,
  GetIntegrationCommand,
  GetMethodCommand,
  GetModelCommand,
  GetModelsCommand,
  GetModelTemplateCommand,
  GetRequestValidatorsCommand,
  GetResourcesCommand,
  GetRestApiCommand,
  GetRestApisCommand,
  GetStageCommand,
  GetStagesCommand,
  GetTagsCommand,
  ImportRestApiCommand,
  NotFoundException,
  PutGatewayResponseCommand,
  PutIntegrationCommand,
  PutIntegrationResponseCommand,
  PutMethodCommand,
  PutMethodResponseCommand,
  PutRestApiCommand,
  TagResourceCommand,
  TestInvokeMethodCommand,
  UntagResourceCommand,
  UpdateIntegrationResponseCommand,
  UpdateMethodCommand,
  UpdateResourceCommand,
  UpdateRestApiCommand,
  UpdateStageCommand,
  type APIGatewayClient,
} from '@aws-sdk/client-api-gateway'
import { startGateway, type TestGateway } from '../helpers.js'
import { failure, invoke, restClient, settle } from './control-plane.js'

const MOCK_REQUEST = { 'application/json': '{"statusCode": 200}' }

/** A MOCK GET method on `resourceId` answering `body` with 200. */
async function mockMethod(client: APIGatewayClient, restApiId: string, resourceId: string, body: string, httpMethod = 'GET'): Promise<void> {
  await client.send(new PutMethodCommand({ restApiId, resourceId, httpMethod, authorizationType: 'NONE' }))
  await client.send(new PutIntegrationCommand({ restApiId, resourceId, httpMethod, type: 'MOCK', requestTemplates: MOCK_REQUEST }))
  await client.send(new PutMethodResponseCommand({ restApiId, resourceId, httpMethod, statusCode: '200', responseParameters: { 'method.response.header.x-version': false } }))
  await client.send(
    new PutIntegrationResponseCommand({
      restApiId,
      resourceId,
      httpMethod,
      statusCode: '200',
      responseTemplates: { 'application/json': body },
      responseParameters: { 'method.response.header.x-version': "'mock'" },
    }),
  )
}

describe('REST API control plane through the AWS SDK', () => {
  let gw: TestGateway
  let client: APIGatewayClient

  before(async () => {
    // The canary the settings test makes (10 %) never draws a request: what it checks is the stage's own answer.
    gw = await startGateway({}, { random: () => 0.99 })
    client = restClient(gw.adminPort)
  })
  after(async () => {
    await gw.stop()
  })

  it('creates an API, deploys it, and serves only what a deployment holds; a stage rolls back to an earlier deployment', async () => {
    const api = await client.send(new CreateRestApiCommand({ name: 'pets', description: 'made by the SDK', tags: { team: 'blue' } }))
    assert.match(api.id!, /^[a-z0-9]{10}$/)
    assert.equal(api.apiKeySource, 'HEADER')
    assert.deepEqual(api.endpointConfiguration, { types: ['EDGE'], ipAddressType: 'ipv4' })
    assert.ok(api.createdDate instanceof Date)
    const restApiId = api.id!
    assert.ok((await client.send(new GetRestApisCommand({}))).items!.some((a) => a.id === restApiId))
    assert.equal((await client.send(new GetRestApiCommand({ restApiId }))).name, 'pets')

    const root = (await client.send(new GetResourcesCommand({ restApiId }))).items!
    assert.deepEqual(root, [{ id: api.rootResourceId, path: '/' }])
    const pets = await client.send(new CreateResourceCommand({ restApiId, parentId: api.rootResourceId!, pathPart: 'pets' }))
    assert.match(pets.id!, /^[a-z0-9]{6}$/)
    assert.equal(pets.path, '/pets')
    const pet = await client.send(new CreateResourceCommand({ restApiId, parentId: pets.id!, pathPart: '{petId}' }))
    assert.equal(pet.path, '/pets/{petId}')
    await mockMethod(client, restApiId, pets.id!, '{"pets": "v1"}')
    await mockMethod(client, restApiId, pet.id!, '{"pet": "$input.params(\'petId\')"}')

    const method = await client.send(new GetMethodCommand({ restApiId, resourceId: pets.id!, httpMethod: 'GET' }))
    assert.equal(method.methodIntegration?.type, 'MOCK')
    assert.equal(method.methodIntegration?.integrationResponses?.['200']?.responseTemplates?.['application/json'], '{"pets": "v1"}')
    const embedded = (await client.send(new GetResourcesCommand({ restApiId, embed: ['methods'] }))).items!
    assert.equal(embedded.find((r) => r.path === '/pets')!.resourceMethods!.GET!.methodIntegration!.type, 'MOCK')
    const plain = (await client.send(new GetResourcesCommand({ restApiId }))).items!
    assert.deepEqual(plain.find((r) => r.path === '/pets')!.resourceMethods, { GET: {} })

    // Nothing is served before a deployment.
    await settle(gw)
    assert.equal((await invoke(gw, restApiId, '/dev/pets')).status, 403)

    const first = await client.send(new CreateDeploymentCommand({ restApiId, stageName: 'dev', description: 'first', stageDescription: 'development' }))
    assert.match(first.id!, /^[a-z0-9]{6}$/)
    assert.equal(first.description, 'first')
    await settle(gw)
    let res = await invoke(gw, restApiId, '/dev/pets')
    assert.equal(res.status, 200)
    assert.deepEqual(res.json(), { pets: 'v1' })
    assert.equal(res.headers['x-version'], 'mock')
    assert.deepEqual((await invoke(gw, restApiId, '/dev/pets/42')).json(), { pet: '42' })

    // A change to the working definition is not served until it is deployed.
    await client.send(
      new UpdateIntegrationResponseCommand({
        restApiId,
        resourceId: pets.id!,
        httpMethod: 'GET',
        statusCode: '200',
        patchOperations: [{ op: 'replace', path: '/responseTemplates/application~1json', value: '{"pets": "v2"}' }],
      }),
    )
    await settle(gw)
    assert.deepEqual((await invoke(gw, restApiId, '/dev/pets')).json(), { pets: 'v1' })
    const second = await client.send(new CreateDeploymentCommand({ restApiId, stageName: 'dev', description: 'second' }))
    await settle(gw)
    assert.deepEqual((await invoke(gw, restApiId, '/dev/pets')).json(), { pets: 'v2' })

    const history = (await client.send(new GetDeploymentsCommand({ restApiId }))).items!
    assert.deepEqual(history.map((d) => [d.id, d.description]), [
      [first.id, 'first'],
      [second.id, 'second'],
    ])
    const summary = await client.send(new GetDeploymentCommand({ restApiId, deploymentId: first.id!, embed: ['apisummary'] }))
    assert.deepEqual(summary.apiSummary?.['/pets']?.GET, { authorizationType: 'NONE', apiKeyRequired: false })

    // Rollback: the stage points at the first deployment again.
    const rolledBack = await client.send(new UpdateStageCommand({ restApiId, stageName: 'dev', patchOperations: [{ op: 'replace', path: '/deploymentId', value: first.id! }] }))
    assert.equal(rolledBack.deploymentId, first.id)
    await settle(gw)
    assert.deepEqual((await invoke(gw, restApiId, '/dev/pets')).json(), { pets: 'v1' })

    // A deployment a stage uses cannot be deleted; an unused one can.
    const inUse = await failure(client.send(new DeleteDeploymentCommand({ restApiId, deploymentId: first.id! })))
    assert.ok(inUse.error instanceof BadRequestException)
    assert.equal(inUse.message, 'Active stages pointing to this deployment must be moved or deleted')
    await client.send(new DeleteDeploymentCommand({ restApiId, deploymentId: second.id! }))
    assert.equal((await client.send(new GetDeploymentsCommand({ restApiId }))).items!.length, 1)

    // A second stage, made with CreateStage, serves the same deployment under its own name.
    const prod = await client.send(new CreateStageCommand({ restApiId, stageName: 'prod', deploymentId: first.id!, variables: { tier: 'gold' }, tags: { env: 'prod' } }))
    assert.deepEqual(prod.variables, { tier: 'gold' })
    assert.equal(prod.cacheClusterStatus, 'NOT_AVAILABLE')
    await settle(gw)
    assert.equal((await invoke(gw, restApiId, '/prod/pets')).status, 200)
    assert.deepEqual((await client.send(new GetStagesCommand({ restApiId }))).item!.map((s) => s.stageName), ['dev', 'prod'])
    assert.deepEqual((await client.send(new GetStagesCommand({ restApiId, deploymentId: 'nope00' }))).item, [])
    await client.send(new DeleteStageCommand({ restApiId, stageName: 'prod' }))
    await settle(gw)
    assert.equal((await invoke(gw, restApiId, '/prod/pets')).status, 403)

    // Deleting the API takes its stages off the data plane.
    await client.send(new DeleteRestApiCommand({ restApiId }))
    await settle(gw)
    assert.equal((await invoke(gw, restApiId, '/dev/pets')).status, 403)
    const gone = await failure(client.send(new GetRestApiCommand({ restApiId })))
    assert.ok(gone.error instanceof NotFoundException)
    assert.equal(gone.message, `Invalid API identifier specified 000000000000:${restApiId}`)
  })

  it('keeps stage settings as given: variables, method settings with ~1 paths, access logs, tracing, cache and canary', async () => {
    const { id: restApiId, rootResourceId } = await client.send(new CreateRestApiCommand({ name: 'settings' }))
    await mockMethod(client, restApiId!, rootResourceId!, '{"stage": "$stageVariables.color"}')
    const pets = await client.send(new CreateResourceCommand({ restApiId, parentId: rootResourceId, pathPart: 'pets' }))
    await mockMethod(client, restApiId!, pets.id!, '{}')
    const d1 = await client.send(new CreateDeploymentCommand({ restApiId, stageName: 'dev', variables: { color: 'red' } }))
    const d2 = await client.send(new CreateDeploymentCommand({ restApiId, description: 'canary' }))
    await settle(gw)
    assert.deepEqual((await invoke(gw, restApiId!, '/dev/')).json(), { stage: 'red' })

    const stage = await client.send(
      new UpdateStageCommand({
        restApiId,
        stageName: 'dev',
        patchOperations: [
          { op: 'replace', path: '/variables/color', value: 'blue' },
          { op: 'replace', path: '/~1pets/GET/throttling/rateLimit', value: '12.5' },
          { op: 'replace', path: '/~1pets/GET/throttling/burstLimit', value: '7' },
          { op: 'replace', path: '/*/*/metrics/enabled', value: 'true' },
          { op: 'replace', path: '/*/*/logging/loglevel', value: 'INFO' },
          { op: 'replace', path: '/*/*/caching/ttlInSeconds', value: '60' },
          { op: 'replace', path: '/accessLogSettings/destinationArn', value: 'arn:aws:logs:us-east-1:000000000000:log-group:access' },
          { op: 'replace', path: '/accessLogSettings/format', value: '$context.requestId $context.status' },
          { op: 'replace', path: '/tracingEnabled', value: 'true' },
          { op: 'replace', path: '/cacheClusterEnabled', value: 'true' },
          { op: 'replace', path: '/cacheClusterSize', value: '0.5' },
          { op: 'replace', path: '/description', value: 'the dev stage' },
          { op: 'replace', path: '/canarySettings/percentTraffic', value: '10' },
          { op: 'replace', path: '/canarySettings/deploymentId', value: d2.id! },
          { op: 'replace', path: '/canarySettings/stageVariableOverrides/color', value: 'green' },
        ],
      }),
    )
    assert.deepEqual(stage.variables, { color: 'blue' })
    assert.equal(stage.methodSettings!['~1pets/GET']!.throttlingRateLimit, 12.5)
    assert.equal(stage.methodSettings!['~1pets/GET']!.throttlingBurstLimit, 7)
    // A new method setting starts from AWS's defaults (recorded).
    assert.equal(stage.methodSettings!['~1pets/GET']!.cacheTtlInSeconds, 300)
    assert.deepEqual(stage.methodSettings!['*/*'], {
      metricsEnabled: true,
      loggingLevel: 'INFO',
      dataTraceEnabled: false,
      throttlingBurstLimit: 5000,
      throttlingRateLimit: 10000,
      cachingEnabled: false,
      cacheTtlInSeconds: 60,
      cacheDataEncrypted: false,
      requireAuthorizationForCacheControl: true,
      unauthorizedCacheControlHeaderStrategy: 'SUCCEED_WITH_RESPONSE_HEADER',
    })
    assert.deepEqual(stage.accessLogSettings, { destinationArn: 'arn:aws:logs:us-east-1:000000000000:log-group:access', format: '$context.requestId $context.status' })
    assert.equal(stage.tracingEnabled, true)
    assert.equal(stage.cacheClusterEnabled, true)
    assert.equal(stage.cacheClusterSize, '0.5')
    assert.equal(stage.cacheClusterStatus, 'AVAILABLE')
    assert.deepEqual(stage.canarySettings, { deploymentId: d2.id, percentTraffic: 10, stageVariableOverrides: { color: 'green' }, useStageCache: false })
    assert.deepEqual(await client.send(new GetStageCommand({ restApiId, stageName: 'dev' })).then((s) => [s.description, s.deploymentId]), ['the dev stage', d1.id])

    // Stage variables apply without a redeployment.
    await settle(gw)
    assert.deepEqual((await invoke(gw, restApiId!, '/dev/')).json(), { stage: 'blue' })

    // Promotion copies the canary's deployment into the stage (recorded: the canary stays at 0%).
    const promoted = await client.send(new UpdateStageCommand({ restApiId, stageName: 'dev', patchOperations: [{ op: 'copy', from: '/canarySettings/deploymentId', path: '/deploymentId' }] }))
    assert.equal(promoted.deploymentId, d2.id)
    assert.equal(promoted.canarySettings?.percentTraffic, 0)
    const removed = await client.send(
      new UpdateStageCommand({
        restApiId,
        stageName: 'dev',
        patchOperations: [
          { op: 'remove', path: '/canarySettings' },
          { op: 'remove', path: '/accessLogSettings' },
          { op: 'remove', path: '/~1pets/GET' },
          { op: 'remove', path: '/variables/color' },
        ],
      }),
    )
    assert.equal(removed.canarySettings, undefined)
    assert.equal(removed.accessLogSettings, undefined)
    assert.deepEqual(Object.keys(removed.methodSettings!), ['*/*'])
    assert.equal(removed.variables, undefined)

    const badPath = await failure(client.send(new UpdateStageCommand({ restApiId, stageName: 'dev', patchOperations: [{ op: 'replace', path: '/accessLogSettings/nope', value: 'x' }] })))
    assert.deepEqual([badPath.name, badPath.message], ['BadRequestException', 'Invalid accessLogSettings path. Must be one of : [/accessLogSettings/destinationArn, /accessLogSettings/format]'])
    const noDeployment = await failure(client.send(new UpdateStageCommand({ restApiId, stageName: 'dev', patchOperations: [{ op: 'replace', path: '/deploymentId', value: 'nope00' }] })))
    assert.deepEqual([noDeployment.name, noDeployment.message], ['BadRequestException', 'Deployment id does not exist'])
    await client.send(new FlushStageAuthorizersCacheCommand({ restApiId, stageName: 'dev' }))
  })

  it('raises NotFoundException, BadRequestException and ConflictException by name with AWS messages', async () => {
    const { id: restApiId, rootResourceId } = await client.send(new CreateRestApiCommand({ name: 'errors' }))
    const cases: Array<[Promise<unknown>, new (...a: never[]) => Error, number, string]> = [
      [client.send(new GetRestApiCommand({ restApiId: 'nope000000' })), NotFoundException, 404, 'Invalid API identifier specified 000000000000:nope000000'],
      [client.send(new GetMethodCommand({ restApiId, resourceId: rootResourceId, httpMethod: 'GET' })), NotFoundException, 404, 'Invalid Method identifier specified'],
      [client.send(new GetIntegrationCommand({ restApiId, resourceId: 'nope00', httpMethod: 'GET' })), NotFoundException, 404, 'Invalid Resource identifier specified'],
      [client.send(new GetStageCommand({ restApiId, stageName: 'nope' })), NotFoundException, 404, 'Invalid Stage identifier specified'],
      [client.send(new CreateResourceCommand({ restApiId, parentId: rootResourceId, pathPart: 'a b' })), BadRequestException, 400, "Resource's path part only allow a-zA-Z0-9._-: and curly braces at the beginning and the end and an optional plus sign before the closing brace."],
      [client.send(new PutMethodCommand({ restApiId, resourceId: rootResourceId, httpMethod: 'FETCH', authorizationType: 'NONE' })), BadRequestException, 400, 'Invalid HttpMethod specified. Valid options are GET,PUT,POST,DELETE,PATCH,OPTIONS,HEAD,ANY'],
      [client.send(new PutMethodCommand({ restApiId, resourceId: rootResourceId, httpMethod: 'GET', authorizationType: 'CUSTOM' })), BadRequestException, 400, 'Invalid authorizer ID specified. Setting the authorization type to CUSTOM or COGNITO_USER_POOLS requires a valid authorizer.'],
      [client.send(new CreateDeploymentCommand({ restApiId })), BadRequestException, 400, "The REST API doesn't contain any methods"],
      [client.send(new UpdateRestApiCommand({ restApiId, patchOperations: [{ op: 'replace', path: '/minimumCompressionSize', value: '-1' }] })), BadRequestException, 400, 'Invalid minimum compression size, must be between 0 and 10485760'],
    ]
    for (const [p, type, status, message] of cases) {
      const f = await failure(p)
      assert.ok(f.error instanceof type, `${f.name}: ${f.message}`)
      assert.deepEqual([f.status, f.message], [status, message])
    }
    await client.send(new CreateResourceCommand({ restApiId, parentId: rootResourceId, pathPart: 'pets' }))
    const dup = await failure(client.send(new CreateResourceCommand({ restApiId, parentId: rootResourceId, pathPart: 'pets' })))
    assert.ok(dup.error instanceof ConflictException)
    assert.deepEqual([dup.status, dup.message], [409, 'Another resource with the same parent already has this name: pets'])
    const proxy = await client.send(new CreateResourceCommand({ restApiId, parentId: rootResourceId, pathPart: '{proxy+}' }))
    const sibling = await failure(client.send(new CreateResourceCommand({ restApiId, parentId: rootResourceId, pathPart: '{id}' })))
    assert.deepEqual([sibling.name, sibling.message], ['BadRequestException', 'A sibling ({proxy+}) of this resource already has a variable path part -- only one is allowed'])
    const greedyChild = await failure(client.send(new CreateResourceCommand({ restApiId, parentId: proxy.id, pathPart: 'x' })))
    assert.deepEqual([greedyChild.name, greedyChild.message], ['BadRequestException', 'Cannot create a child of a resource with a greedy path variable: {proxy+}'])
  })

  it('edits resources and methods by patch, and deletes a resource with its children', async () => {
    const { id: restApiId, rootResourceId } = await client.send(new CreateRestApiCommand({ name: 'edits' }))
    const a = await client.send(new CreateResourceCommand({ restApiId, parentId: rootResourceId, pathPart: 'a' }))
    const b = await client.send(new CreateResourceCommand({ restApiId, parentId: a.id, pathPart: 'b' }))
    const renamed = await client.send(new UpdateResourceCommand({ restApiId, resourceId: a.id, patchOperations: [{ op: 'replace', path: '/pathPart', value: 'z' }] }))
    assert.equal(renamed.path, '/z')
    assert.ok((await client.send(new GetResourcesCommand({ restApiId }))).items!.some((r) => r.id === b.id && r.path === '/z/b'))
    const cyclic = await failure(client.send(new UpdateResourceCommand({ restApiId, resourceId: a.id, patchOperations: [{ op: 'replace', path: '/parentId', value: b.id! }] })))
    assert.deepEqual([cyclic.name, cyclic.message], ['BadRequestException', 'Resources cannot be cyclical.'])

    await client.send(new PutMethodCommand({ restApiId, resourceId: b.id, httpMethod: 'POST', authorizationType: 'NONE' }))
    const m = await client.send(
      new UpdateMethodCommand({
        restApiId,
        resourceId: b.id,
        httpMethod: 'POST',
        patchOperations: [
          { op: 'replace', path: '/apiKeyRequired', value: 'true' },
          { op: 'add', path: '/requestParameters/method.request.querystring.q', value: 'true' },
          { op: 'add', path: '/requestModels/application~1json', value: 'Empty' },
          { op: 'replace', path: '/operationName', value: 'CreateB' },
        ],
      }),
    )
    assert.deepEqual([m.apiKeyRequired, m.requestParameters, m.requestModels, m.operationName], [true, { 'method.request.querystring.q': true }, { 'application/json': 'Empty' }, 'CreateB'])
    const wrongPath = await failure(client.send(new UpdateMethodCommand({ restApiId, resourceId: b.id, httpMethod: 'POST', patchOperations: [{ op: 'replace', path: '/httpMethod', value: 'GET' }] })))
    assert.deepEqual([wrongPath.name, wrongPath.message], ['BadRequestException', 'Invalid patch path /httpMethod'])

    await client.send(new DeleteMethodCommand({ restApiId, resourceId: b.id, httpMethod: 'POST' }))
    await client.send(new DeleteResourceCommand({ restApiId, resourceId: a.id }))
    assert.deepEqual((await client.send(new GetResourcesCommand({ restApiId }))).items!.map((r) => r.path), ['/'])

    const patched = await client.send(
      new UpdateRestApiCommand({
        restApiId,
        patchOperations: [
          { op: 'replace', path: '/name', value: 'edited' },
          { op: 'add', path: '/binaryMediaTypes/image~1png', value: '' },
          { op: 'replace', path: '/minimumCompressionSize', value: '1024' },
          { op: 'replace', path: '/endpointConfiguration/types/EDGE', value: 'REGIONAL' },
        ],
      }),
    )
    assert.deepEqual([patched.name, patched.binaryMediaTypes, patched.minimumCompressionSize, patched.endpointConfiguration?.types], ['edited', ['image/png'], 1024, ['REGIONAL']])
  })

  it('manages models, request validators, authorizers and gateway responses; a gateway response reaches traffic with a deployment', async () => {
    const { id: restApiId, rootResourceId } = await client.send(new CreateRestApiCommand({ name: 'parts' }))
    assert.deepEqual((await client.send(new GetModelsCommand({ restApiId }))).items!.map((x) => x.name), ['Empty', 'Error'])
    const model = await client.send(new CreateModelCommand({ restApiId, name: 'Pet', contentType: 'application/json', schema: JSON.stringify({ type: 'object', properties: { name: { type: 'string' }, age: { type: 'integer' } } }) }))
    assert.deepEqual(JSON.parse(model.schema!), { type: 'object', properties: { name: { type: 'string' }, age: { type: 'integer' } } })
    assert.equal((await client.send(new GetModelCommand({ restApiId, modelName: 'Pet' }))).id, model.id)
    assert.match((await client.send(new GetModelTemplateCommand({ restApiId, modelName: 'Pet' }))).value!, /"name" : "\$inputRoot\.name"/)
    const dupModel = await failure(client.send(new CreateModelCommand({ restApiId, name: 'Pet', contentType: 'application/json', schema: '{"type":"object"}' })))
    assert.deepEqual([dupModel.name, dupModel.message], ['ConflictException', 'Model name already exists for this REST API'])

    const validator = await client.send(new CreateRequestValidatorCommand({ restApiId, name: 'body', validateRequestBody: true }))
    assert.deepEqual((await client.send(new GetRequestValidatorsCommand({ restApiId }))).items, [{ id: validator.id, name: 'body', validateRequestBody: true, validateRequestParameters: false }])
    const authorizer = await client.send(
      new CreateAuthorizerCommand({ restApiId, name: 'tokens', type: 'TOKEN', authorizerUri: 'arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:auth/invocations', identitySource: 'method.request.header.Authorization' }),
    )
    assert.equal(authorizer.authorizerResultTtlInSeconds, 300)
    assert.equal((await client.send(new GetAuthorizersCommand({ restApiId }))).items!.length, 1)

    // A POST method validated against the Pet model, through the validator.
    await client.send(new PutMethodCommand({ restApiId, resourceId: rootResourceId, httpMethod: 'POST', authorizationType: 'NONE', requestValidatorId: validator.id, requestModels: { 'application/json': 'Pet' } }))
    await client.send(new PutIntegrationCommand({ restApiId, resourceId: rootResourceId, httpMethod: 'POST', type: 'MOCK', requestTemplates: MOCK_REQUEST }))
    await client.send(new PutMethodResponseCommand({ restApiId, resourceId: rootResourceId, httpMethod: 'POST', statusCode: '200' }))
    await client.send(new PutIntegrationResponseCommand({ restApiId, resourceId: rootResourceId, httpMethod: 'POST', statusCode: '200', responseTemplates: { 'application/json': '{"ok": true}' } }))
    const inUse = await failure(client.send(new DeleteModelCommand({ restApiId, modelName: 'Pet' })))
    assert.deepEqual([inUse.name, inUse.message], ['ConflictException', "Cannot delete model 'Pet', is referenced in method request: //POST"])

    const defaults = (await client.send(new GetGatewayResponsesCommand({ restApiId }))).items!
    assert.equal(defaults.length, 21)
    assert.deepEqual(defaults.find((r) => r.responseType === 'MISSING_AUTHENTICATION_TOKEN'), {
      responseType: 'MISSING_AUTHENTICATION_TOKEN',
      statusCode: '403',
      responseParameters: {},
      responseTemplates: { 'application/json': '{"message":$context.error.messageString}' },
      defaultResponse: true,
    })
    const put = await client.send(
      new PutGatewayResponseCommand({ restApiId, responseType: 'MISSING_AUTHENTICATION_TOKEN', statusCode: '404', responseTemplates: { 'application/json': '{"error": "no such route"}' } }),
    )
    assert.equal(put.defaultResponse, false)
    assert.equal((await client.send(new GetGatewayResponseCommand({ restApiId, responseType: 'MISSING_AUTHENTICATION_TOKEN' }))).statusCode, '404')

    await client.send(new CreateDeploymentCommand({ restApiId, stageName: 'v1' }))
    await settle(gw)
    const ok = await invoke(gw, restApiId!, '/v1/', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name": "rex", "age": 3}' })
    assert.deepEqual([ok.status, ok.json()], [200, { ok: true }])
    const invalid = await invoke(gw, restApiId!, '/v1/', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name": 7}' })
    assert.equal(invalid.status, 400)
    const missing = await invoke(gw, restApiId!, '/v1/nothing')
    assert.deepEqual([missing.status, missing.json()], [404, { error: 'no such route' }])

    await client.send(new DeleteGatewayResponseCommand({ restApiId, responseType: 'MISSING_AUTHENTICATION_TOKEN' }))
    const notSet = await failure(client.send(new DeleteGatewayResponseCommand({ restApiId, responseType: 'MISSING_AUTHENTICATION_TOKEN' })))
    assert.deepEqual([notSet.name, notSet.message], ['NotFoundException', 'Gateway response type not defined on api'])
    const badType = await failure(client.send(new GetGatewayResponseCommand({ restApiId, responseType: 'NOPE' as 'THROTTLED' })))
    assert.equal(badType.name, 'ValidationException')
  })

  it('imports an OpenAPI document, merges and overwrites it with PutRestApi, and keeps resource ids', async () => {
    const doc = {
      openapi: '3.0.1',
      info: { title: 'imported', version: '1' },
      paths: {
        '/items': {
          get: {
            'x-amazon-apigateway-integration': { type: 'mock', requestTemplates: { 'application/json': '{"statusCode": 200}' }, responses: { default: { statusCode: '200', responseTemplates: { 'application/json': '{"items": []}' } } } },
          },
        },
      },
    }
    const imported = await client.send(new ImportRestApiCommand({ body: Buffer.from(JSON.stringify(doc)), failOnWarnings: false }))
    const restApiId = imported.id!
    assert.equal(imported.name, 'imported')
    const items = (await client.send(new GetResourcesCommand({ restApiId }))).items!.find((r) => r.path === '/items')!
    await client.send(new CreateDeploymentCommand({ restApiId, stageName: 'live' }))
    await settle(gw)
    assert.deepEqual((await invoke(gw, restApiId, '/live/items')).json(), { items: [] })

    const extra = {
      openapi: '3.0.1',
      info: { title: 'imported', version: '2' },
      paths: {
        '/orders': {
          get: {
            'x-amazon-apigateway-integration': { type: 'mock', requestTemplates: { 'application/json': '{"statusCode": 200}' }, responses: { default: { statusCode: '200', responseTemplates: { 'application/json': '{"orders": []}' } } } },
          },
        },
      },
    }
    await client.send(new PutRestApiCommand({ restApiId, mode: 'merge', body: Buffer.from(JSON.stringify(extra)) }))
    let paths = (await client.send(new GetResourcesCommand({ restApiId }))).items!
    assert.deepEqual(paths.map((r) => r.path), ['/', '/items', '/orders'])
    assert.equal(paths.find((r) => r.path === '/items')!.id, items.id)
    await client.send(new PutRestApiCommand({ restApiId, mode: 'overwrite', body: Buffer.from(JSON.stringify(extra)) }))
    paths = (await client.send(new GetResourcesCommand({ restApiId }))).items!
    assert.deepEqual(paths.map((r) => r.path), ['/', '/orders'])
    // YAML works too, and a broken document is a BadRequestException.
    const yaml = `openapi: 3.0.1\ninfo: { title: yaml-api, version: '1' }\npaths: {}\n`
    assert.equal((await client.send(new ImportRestApiCommand({ body: Buffer.from(yaml) }))).name, 'yaml-api')
    const broken = await failure(client.send(new ImportRestApiCommand({ body: Buffer.from('{"openapi": "3.0.1"}') })))
    assert.equal(broken.name, 'BadRequestException')
    assert.match(broken.message, /info/)
  })

  it('exports a deployed API with GetExport (JSON and YAML, with extensions), and the export imports back to the same answers', async () => {
    const { id: restApiId, rootResourceId } = await client.send(new CreateRestApiCommand({ name: 'round-trip', version: '3' }))
    const pet = await client.send(new CreateResourceCommand({ restApiId, parentId: rootResourceId, pathPart: '{petId}' }))
    await mockMethod(client, restApiId!, pet.id!, '{"petId": "$input.params(\'petId\')"}')
    await client.send(new CreateDeploymentCommand({ restApiId, stageName: 'dev' }))
    await settle(gw)
    const before = await invoke(gw, restApiId!, '/dev/42')

    const exported = await client.send(new GetExportCommand({ restApiId, stageName: 'dev', exportType: 'oas30', parameters: { extensions: 'apigateway' }, accepts: 'application/json' }))
    assert.equal(exported.contentType, 'application/octet-stream')
    assert.equal(exported.contentDisposition, 'attachment; filename="oas30_3.json"')
    const doc = JSON.parse(Buffer.from(exported.body!).toString('utf8'))
    assert.equal(doc.openapi, '3.0.1')
    assert.ok(doc.paths['/{petId}'].get['x-amazon-apigateway-integration'])
    const yaml = await client.send(new GetExportCommand({ restApiId, stageName: 'dev', exportType: 'swagger', accepts: 'application/yaml' }))
    assert.match(Buffer.from(yaml.body!).toString('utf8'), /^swagger: "2.0"/m)
    const badType = await failure(client.send(new GetExportCommand({ restApiId, stageName: 'dev', exportType: 'raml' })))
    assert.ok(badType.error instanceof BadRequestException)

    const again = await client.send(new ImportRestApiCommand({ body: exported.body! }))
    await client.send(new CreateDeploymentCommand({ restApiId: again.id, stageName: 'dev' }))
    await settle(gw)
    const after = await invoke(gw, again.id!, '/dev/42')
    assert.deepEqual([after.status, after.json(), after.headers['x-version']], [before.status, before.json(), before.headers['x-version']])
  })

  it('runs a method with TestInvokeMethod without deploying it', async () => {
    const { id: restApiId, rootResourceId } = await client.send(new CreateRestApiCommand({ name: 'test-invoke' }))
    const pet = await client.send(new CreateResourceCommand({ restApiId, parentId: rootResourceId, pathPart: '{petId}' }))
    await mockMethod(client, restApiId!, pet.id!, '{"petId": "$input.params(\'petId\')", "q": "$input.params(\'q\')"}')
    const result = await client.send(new TestInvokeMethodCommand({ restApiId, resourceId: pet.id, httpMethod: 'GET', pathWithQueryString: '/123?q=x' }))
    assert.equal(result.status, 200)
    assert.deepEqual(JSON.parse(result.body!), { petId: '123', q: 'x' })
    assert.equal(result.headers?.['x-version'], 'mock')
    assert.match(result.log!, /^Execution log for request [0-9a-f-]{36}\n/)
    assert.match(result.log!, /Method request path: \{petId=123\}/)
    assert.match(result.log!, /Method completed with status: 200/)
    assert.equal(typeof result.latency, 'number')
  })

  it('tags REST APIs and stages by ARN', async () => {
    const { id: restApiId, rootResourceId } = await client.send(new CreateRestApiCommand({ name: 'tagged', tags: { a: '1' } }))
    await mockMethod(client, restApiId!, rootResourceId!, '{}')
    await client.send(new CreateDeploymentCommand({ restApiId, stageName: 'dev' }))
    const apiArn = `arn:aws:apigateway:us-east-1::/restapis/${restApiId}`
    const stageArn = `${apiArn}/stages/dev`
    await client.send(new TagResourceCommand({ resourceArn: apiArn, tags: { b: '2' } }))
    await client.send(new TagResourceCommand({ resourceArn: stageArn, tags: { env: 'dev' } }))
    assert.deepEqual((await client.send(new GetTagsCommand({ resourceArn: apiArn }))).tags, { a: '1', b: '2' })
    await client.send(new UntagResourceCommand({ resourceArn: apiArn, tagKeys: ['a'] }))
    assert.deepEqual((await client.send(new GetRestApiCommand({ restApiId }))).tags, { b: '2' })
    assert.deepEqual((await client.send(new GetStageCommand({ restApiId, stageName: 'dev' }))).tags, { env: 'dev' })
    const unknown = await failure(client.send(new GetTagsCommand({ resourceArn: 'arn:aws:apigateway:us-east-1::/restapis/nope000000' })))
    assert.equal(unknown.name, 'NotFoundException')
  })
})
