// AWS's HTTP API control plane (apigatewayv2) on the admin port, driven by the unmodified AWS SDK for
// JavaScript v3: quick create (to a URL and to a function), routes and integrations with parameter mapping,
// stages with autoDeploy (changes apply at once) and without (they wait for a deployment), JWT and Lambda
// REQUEST authorizers, CORS, ImportApi/ReimportApi, WebSocket APIs stored and returned, tags and errors.

import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import {
  ConflictException,
  BadRequestException,
  CreateApiCommand,
  CreateAuthorizerCommand,
  CreateDeploymentCommand,
  CreateIntegrationCommand,
  CreateIntegrationResponseCommand,
  CreateModelCommand,
  CreateRouteCommand,
  CreateRouteResponseCommand,
  CreateStageCommand,
  DeleteApiCommand,
  DeleteCorsConfigurationCommand,
  DeleteRouteCommand,
  ExportApiCommand,
  GetApiCommand,
  GetApisCommand,
  GetAuthorizersCommand,
  GetDeploymentsCommand,
  GetIntegrationCommand,
  GetIntegrationResponsesCommand,
  GetModelsCommand,
  GetRouteResponsesCommand,
  GetRoutesCommand,
  GetStageCommand,
  GetStagesCommand,
  GetTagsCommand,
  ImportApiCommand,
  NotFoundException,
  ReimportApiCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateApiCommand,
  UpdateRouteCommand,
  UpdateStageCommand,
  type ApiGatewayV2Client,
} from '@aws-sdk/client-apigatewayv2'
import { startGateway, startUpstream, tempDir, writeFile, type TestGateway, type Upstream } from '../helpers.js'
import { failure, invoke, settle, v2Client } from './control-plane.js'

const FUNCTIONS: Record<string, string> = {
  'hello.mjs': `export const handler = async (event) => ({ statusCode: 200, body: JSON.stringify({ hello: event.rawPath, version: event.version, routeKey: event.routeKey }) })\n`,
  'gate.mjs': `export const handler = async (event) => ({ isAuthorized: event.headers?.authorization === 'let-me-in', context: { who: 'tester' } })\n`,
}
const lambdaArn = (name: string): string => `arn:aws:lambda:us-east-1:000000000000:function:${name}`

describe('HTTP API control plane through the AWS SDK', () => {
  let gw: TestGateway
  let client: ApiGatewayV2Client
  let upstream: Upstream
  let tmp: ReturnType<typeof tempDir>

  before(async () => {
    tmp = tempDir()
    for (const [file, source] of Object.entries(FUNCTIONS)) writeFile(tmp.dir, file, source)
    upstream = await startUpstream()
    gw = await startGateway({ functionsDir: tmp.dir })
    client = v2Client(gw.adminPort)
  })
  after(async () => {
    await gw.stop()
    await upstream.close()
    tmp.cleanup()
  })

  it('quick-creates an API to a URL and to a function, served at once on its $default stage', async () => {
    const toUrl = await client.send(new CreateApiCommand({ Name: 'quick-url', ProtocolType: 'HTTP', Target: upstream.url }))
    assert.match(toUrl.ApiId!, /^[a-z0-9]{10}$/)
    assert.equal(toUrl.ApiEndpoint, `https://${toUrl.ApiId}.execute-api.us-east-1.amazonaws.com`)
    assert.equal(toUrl.RouteSelectionExpression, '${request.method} ${request.path}')
    const stage = await client.send(new GetStageCommand({ ApiId: toUrl.ApiId, StageName: '$default' }))
    assert.equal(stage.AutoDeploy, true)
    assert.ok(stage.DeploymentId)
    const routes = (await client.send(new GetRoutesCommand({ ApiId: toUrl.ApiId }))).Items!
    assert.deepEqual(routes.map((r) => r.RouteKey), ['$default'])
    const integration = await client.send(new GetIntegrationCommand({ ApiId: toUrl.ApiId, IntegrationId: routes[0]!.Target!.slice('integrations/'.length) }))
    assert.deepEqual([integration.IntegrationType, integration.IntegrationMethod, integration.PayloadFormatVersion], ['HTTP_PROXY', 'ANY', '1.0'])
    await settle(gw)
    const res = await invoke(gw, toUrl.ApiId!, '/any/path?x=1')
    assert.equal(res.status, 200)
    assert.equal(res.json().url, '/any/path?x=1')

    const toFunction = await client.send(new CreateApiCommand({ Name: 'quick-fn', ProtocolType: 'HTTP', Target: lambdaArn('hello'), RouteKey: 'GET /hello' }))
    await settle(gw)
    const hello = await invoke(gw, toFunction.ApiId!, '/hello')
    assert.equal(hello.status, 200)
    assert.deepEqual(hello.json(), { hello: '/hello', version: '2.0', routeKey: 'GET /hello' })
    assert.equal((await invoke(gw, toFunction.ApiId!, '/other')).status, 404)
    assert.ok((await client.send(new GetApisCommand({}))).Items!.some((a) => a.ApiId === toFunction.ApiId))
  })

  it('builds routes and integrations; autoDeploy stages take changes at once, others wait for a deployment', async () => {
    const api = await client.send(new CreateApiCommand({ Name: 'orders', ProtocolType: 'HTTP', Description: 'orders API' }))
    const ApiId = api.ApiId!
    const integration = await client.send(
      new CreateIntegrationCommand({
        ApiId,
        IntegrationType: 'HTTP_PROXY',
        IntegrationMethod: 'GET',
        IntegrationUri: `${upstream.url}/backend/{id}`,
        PayloadFormatVersion: '1.0',
        RequestParameters: { 'append:header.x-from': 'gatehouse', 'overwrite:path': '/backend/$request.path.id' },
        ResponseParameters: { '200': { 'append:header.x-mapped': 'yes' } },
      }),
    )
    assert.match(integration.IntegrationId!, /^[a-z0-9]{7}$/)
    assert.equal(integration.TimeoutInMillis, 30000)
    const route = await client.send(new CreateRouteCommand({ ApiId, RouteKey: 'GET /orders/{id}', Target: `integrations/${integration.IntegrationId}` }))
    assert.match(route.RouteId!, /^[a-z0-9]{7}$/)

    await client.send(new CreateStageCommand({ ApiId, StageName: 'prod' }))
    await client.send(new CreateStageCommand({ ApiId, StageName: 'live', AutoDeploy: true, StageVariables: { color: 'blue' } }))
    await settle(gw)
    assert.equal((await invoke(gw, ApiId, '/prod/orders/7')).status, 404, 'a stage without a deployment serves nothing')
    const live = await invoke(gw, ApiId, '/live/orders/7')
    assert.equal(live.status, 200)
    assert.equal(live.json().url, '/backend/7')
    assert.equal(live.json().headers['x-from'], 'gatehouse')
    assert.equal(live.headers['x-mapped'], 'yes')

    const deployment = await client.send(new CreateDeploymentCommand({ ApiId, StageName: 'prod', Description: 'first' }))
    assert.equal(deployment.DeploymentStatus, 'DEPLOYED')
    await settle(gw)
    assert.equal((await invoke(gw, ApiId, '/prod/orders/7')).status, 200)

    // A new route reaches the autoDeploy stage at once, the other stage only with its next deployment.
    await client.send(new CreateRouteCommand({ ApiId, RouteKey: 'GET /health', Target: `integrations/${integration.IntegrationId}` }))
    await settle(gw)
    assert.equal((await invoke(gw, ApiId, '/live/health')).status, 200)
    assert.equal((await invoke(gw, ApiId, '/prod/health')).status, 404)
    const history = (await client.send(new GetDeploymentsCommand({ ApiId }))).Items!
    assert.ok(history.some((d) => d.DeploymentId === deployment.DeploymentId && d.AutoDeployed === false))
    assert.ok(history.some((d) => d.AutoDeployed === true))

    // Rolling a stage back: point it at an earlier deployment.
    const second = await client.send(new CreateDeploymentCommand({ ApiId, StageName: 'prod' }))
    await settle(gw)
    assert.equal((await invoke(gw, ApiId, '/prod/health')).status, 200)
    const rolledBack = await client.send(new UpdateStageCommand({ ApiId, StageName: 'prod', DeploymentId: deployment.DeploymentId }))
    assert.equal(rolledBack.DeploymentId, deployment.DeploymentId)
    await settle(gw)
    assert.equal((await invoke(gw, ApiId, '/prod/health')).status, 404)
    assert.ok(second.DeploymentId)

    const settings = await client.send(
      new UpdateStageCommand({
        ApiId,
        StageName: 'live',
        DefaultRouteSettings: { ThrottlingBurstLimit: 10, ThrottlingRateLimit: 5 },
        RouteSettings: { 'GET /health': { ThrottlingBurstLimit: 1, ThrottlingRateLimit: 1 } },
        AccessLogSettings: { DestinationArn: 'arn:aws:logs:us-east-1:000000000000:log-group:http', Format: '$context.requestId' },
        StageVariables: { color: 'green' },
      }),
    )
    assert.deepEqual(settings.DefaultRouteSettings, { DetailedMetricsEnabled: false, ThrottlingBurstLimit: 10, ThrottlingRateLimit: 5 })
    assert.deepEqual(settings.RouteSettings, { 'GET /health': { ThrottlingBurstLimit: 1, ThrottlingRateLimit: 1 } })
    assert.deepEqual(settings.StageVariables, { color: 'green' })
    assert.equal(settings.AccessLogSettings?.Format, '$context.requestId')
    assert.deepEqual((await client.send(new GetStagesCommand({ ApiId }))).Items!.map((s) => s.StageName), ['live', 'prod'])

    await client.send(new DeleteRouteCommand({ ApiId, RouteId: route.RouteId }))
    await settle(gw)
    assert.equal((await invoke(gw, ApiId, '/live/orders/7')).status, 404)
  })

  it('protects routes with a Lambda REQUEST authorizer and a JWT authorizer', async () => {
    const { ApiId } = await client.send(new CreateApiCommand({ Name: 'guarded', ProtocolType: 'HTTP', Target: lambdaArn('hello'), RouteKey: 'GET /private' }))
    const gate = await client.send(
      new CreateAuthorizerCommand({
        ApiId,
        Name: 'gate',
        AuthorizerType: 'REQUEST',
        AuthorizerUri: lambdaArn('gate'),
        AuthorizerPayloadFormatVersion: '2.0',
        EnableSimpleResponses: true,
        IdentitySource: ['$request.header.Authorization'],
      }),
    )
    const jwt = await client.send(
      new CreateAuthorizerCommand({ ApiId, Name: 'jwt', AuthorizerType: 'JWT', IdentitySource: ['$request.header.Authorization'], JwtConfiguration: { Issuer: 'https://issuer.example', Audience: ['api'] } }),
    )
    assert.deepEqual((await client.send(new GetAuthorizersCommand({ ApiId }))).Items!.map((a) => a.Name).sort(), ['gate', 'jwt'])
    const route = (await client.send(new GetRoutesCommand({ ApiId }))).Items![0]!
    await client.send(new UpdateRouteCommand({ ApiId, RouteId: route.RouteId, AuthorizationType: 'CUSTOM', AuthorizerId: gate.AuthorizerId }))
    await settle(gw)
    assert.equal((await invoke(gw, ApiId!, '/private', { headers: { authorization: 'let-me-in' } })).status, 200)
    assert.equal((await invoke(gw, ApiId!, '/private', { headers: { authorization: 'nope' } })).status, 403)

    await client.send(new UpdateRouteCommand({ ApiId, RouteId: route.RouteId, AuthorizationType: 'JWT', AuthorizerId: jwt.AuthorizerId, AuthorizationScopes: ['read'] }))
    await settle(gw)
    assert.equal((await invoke(gw, ApiId!, '/private')).status, 401)
    const mismatch = await failure(client.send(new UpdateRouteCommand({ ApiId, RouteId: route.RouteId, AuthorizationType: 'CUSTOM', AuthorizerId: jwt.AuthorizerId })))
    assert.ok(mismatch.error instanceof BadRequestException)
  })

  it('answers CORS preflights from the API configuration, until it is deleted', async () => {
    const { ApiId } = await client.send(new CreateApiCommand({ Name: 'cors', ProtocolType: 'HTTP', Target: upstream.url, CorsConfiguration: { AllowOrigins: ['https://app.example'], AllowMethods: ['GET'], MaxAge: 60 } }))
    await settle(gw)
    const preflight = { method: 'OPTIONS', headers: { origin: 'https://app.example', 'access-control-request-method': 'GET' } }
    let res = await invoke(gw, ApiId!, '/x', preflight)
    assert.equal(res.headers['access-control-allow-origin'], 'https://app.example')
    assert.equal(res.headers['access-control-max-age'], '60')
    const updated = await client.send(new UpdateApiCommand({ ApiId, CorsConfiguration: { AllowOrigins: ['*'] } }))
    assert.deepEqual(updated.CorsConfiguration, { AllowOrigins: ['*'] })
    await client.send(new DeleteCorsConfigurationCommand({ ApiId }))
    assert.equal((await client.send(new GetApiCommand({ ApiId }))).CorsConfiguration, undefined)
    await settle(gw)
    res = await invoke(gw, ApiId!, '/x', preflight)
    assert.equal(res.headers['access-control-allow-origin'], undefined)
  })

  it('imports an OpenAPI document and re-imports a changed one', async () => {
    const doc = (path: string) => ({
      openapi: '3.0.1',
      info: { title: 'imported-http', version: '1' },
      paths: { [path]: { get: { 'x-amazon-apigateway-integration': { type: 'http_proxy', httpMethod: 'GET', uri: `${upstream.url}${path}`, payloadFormatVersion: '1.0' } } } },
    })
    const imported = await client.send(new ImportApiCommand({ Body: JSON.stringify(doc('/one')) }))
    const ApiId = imported.ApiId!
    assert.equal(imported.Name, 'imported-http')
    await client.send(new CreateStageCommand({ ApiId, StageName: '$default', AutoDeploy: true }))
    await settle(gw)
    assert.equal((await invoke(gw, ApiId, '/one')).json().url, '/one')
    await client.send(new ReimportApiCommand({ ApiId, Body: JSON.stringify(doc('/two')) }))
    await settle(gw)
    assert.equal((await invoke(gw, ApiId, '/one')).status, 404)
    assert.equal((await invoke(gw, ApiId, '/two')).json().url, '/two')
    // ExportApi writes the stage's deployment; importing it gives the same answers.
    const exported = await client.send(new ExportApiCommand({ ApiId, Specification: 'OAS30', OutputType: 'JSON', StageName: '$default', IncludeExtensions: true }))
    const text = Buffer.from(exported.body!).toString('utf8')
    assert.equal(JSON.parse(text)['x-amazon-apigateway-importexport-version'], '1.0')
    const copy = await client.send(new ImportApiCommand({ Body: text }))
    await client.send(new CreateStageCommand({ ApiId: copy.ApiId, StageName: '$default', AutoDeploy: true }))
    await settle(gw)
    assert.equal((await invoke(gw, copy.ApiId!, '/two')).json().url, '/two')
    const broken = await failure(client.send(new ImportApiCommand({ Body: '{"openapi": "3.0.1"}' })))
    assert.ok(broken.error instanceof BadRequestException)
  })

  it('stores and returns WebSocket APIs, routes, integrations, responses and models without serving them', async () => {
    const ws = await client.send(new CreateApiCommand({ Name: 'chat', ProtocolType: 'WEBSOCKET', RouteSelectionExpression: '$request.body.action' }))
    const ApiId = ws.ApiId!
    assert.equal(ws.ApiEndpoint, `wss://${ApiId}.execute-api.us-east-1.amazonaws.com`)
    assert.equal(ws.ApiKeySelectionExpression, '$request.header.x-api-key')
    const integration = await client.send(new CreateIntegrationCommand({ ApiId, IntegrationType: 'MOCK', RequestTemplates: { '$default': '{"statusCode": 200}' }, TemplateSelectionExpression: '\\$default' }))
    const connect = await client.send(new CreateRouteCommand({ ApiId, RouteKey: '$connect', Target: `integrations/${integration.IntegrationId}`, ApiKeyRequired: true, RouteResponseSelectionExpression: '$default' }))
    await client.send(new CreateRouteCommand({ ApiId, RouteKey: 'sendMessage', Target: `integrations/${integration.IntegrationId}`, RequestParameters: { 'route.request.header.x-user': { Required: true } } }))
    await client.send(new CreateRouteResponseCommand({ ApiId, RouteId: connect.RouteId, RouteResponseKey: '$default' }))
    await client.send(new CreateIntegrationResponseCommand({ ApiId, IntegrationId: integration.IntegrationId, IntegrationResponseKey: '$default', ResponseTemplates: { '$default': '{"ok": true}' } }))
    const model = await client.send(new CreateModelCommand({ ApiId, Name: 'Message', ContentType: 'application/json', Schema: '{"type":"object"}' }))
    assert.match(model.ModelId!, /^[a-z0-9]{6}$/)
    await client.send(new CreateStageCommand({ ApiId, StageName: 'prod' }))
    await client.send(new CreateDeploymentCommand({ ApiId, StageName: 'prod' }))

    const routes = (await client.send(new GetRoutesCommand({ ApiId }))).Items!
    const send = routes.find((r) => r.RouteKey === 'sendMessage')!
    assert.deepEqual(send.RequestParameters, { 'route.request.header.x-user': { Required: true } })
    assert.equal(routes.find((r) => r.RouteKey === '$connect')!.ApiKeyRequired, true)
    assert.deepEqual((await client.send(new GetRouteResponsesCommand({ ApiId, RouteId: connect.RouteId }))).Items!.map((r) => r.RouteResponseKey), ['$default'])
    assert.deepEqual((await client.send(new GetIntegrationResponsesCommand({ ApiId, IntegrationId: integration.IntegrationId }))).Items![0]!.ResponseTemplates, { '$default': '{"ok": true}' })
    assert.deepEqual((await client.send(new GetModelsCommand({ ApiId }))).Items!.map((m) => m.Name), ['Message'])
    assert.equal((await client.send(new GetIntegrationCommand({ ApiId, IntegrationId: integration.IntegrationId }))).TemplateSelectionExpression, '\\$default')
    await settle(gw)
    assert.equal((await invoke(gw, ApiId, '/prod')).status, 403, 'WebSocket APIs are not served yet')
  })

  it('raises NotFoundException, BadRequestException and ConflictException by name; tags APIs; deletes an API with its stages', async () => {
    const missing = await failure(client.send(new GetApiCommand({ ApiId: 'nope000000' })))
    assert.ok(missing.error instanceof NotFoundException)
    assert.deepEqual([missing.status, missing.message], [404, 'Invalid API identifier specified 000000000000:nope000000'])
    const { ApiId } = await client.send(new CreateApiCommand({ Name: 'errors', ProtocolType: 'HTTP', Tags: { team: 'red' } }))
    const badKey = await failure(client.send(new CreateRouteCommand({ ApiId, RouteKey: 'FETCH /x' })))
    assert.ok(badKey.error instanceof BadRequestException)
    await client.send(new CreateRouteCommand({ ApiId, RouteKey: 'GET /x' }))
    const dup = await failure(client.send(new CreateRouteCommand({ ApiId, RouteKey: 'GET /x' })))
    assert.ok(dup.error instanceof ConflictException)
    assert.equal(dup.message, 'Route with key GET /x already exists for this API')
    const badIntegration = await failure(client.send(new CreateIntegrationCommand({ ApiId, IntegrationType: 'MOCK' })))
    assert.ok(badIntegration.error instanceof BadRequestException)
    const noRoute = await failure(client.send(new GetIntegrationCommand({ ApiId, IntegrationId: 'nope000' })))
    assert.ok(noRoute.error instanceof NotFoundException)

    const arn = `arn:aws:apigateway:us-east-1::/apis/${ApiId}`
    await client.send(new TagResourceCommand({ ResourceArn: arn, Tags: { env: 'test' } }))
    await client.send(new UntagResourceCommand({ ResourceArn: arn, TagKeys: ['team'] }))
    assert.deepEqual((await client.send(new GetTagsCommand({ ResourceArn: arn }))).Tags, { env: 'test' })

    await client.send(new CreateStageCommand({ ApiId, StageName: '$default', AutoDeploy: true }))
    await client.send(new DeleteApiCommand({ ApiId }))
    const gone = await failure(client.send(new GetStageCommand({ ApiId, StageName: '$default' })))
    assert.ok(gone.error instanceof NotFoundException)
  })
})
