// A WebSocket API created through the apigatewayv2 control plane with the unmodified AWS SDK
// (ProtocolType WEBSOCKET, integrations and their responses, routes and route responses, a deployment and a
// stage) is served on the data plane at once, and a new deployment applies to connections already open.

import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import {
  CreateApiCommand,
  CreateDeploymentCommand,
  CreateIntegrationCommand,
  CreateIntegrationResponseCommand,
  CreateRouteCommand,
  CreateRouteResponseCommand,
  CreateStageCommand,
  UpdateStageCommand,
  type ApiGatewayV2Client,
} from '@aws-sdk/client-apigatewayv2'
import { startGateway, tempDir, writeFile, type TestGateway } from '../helpers.js'
import { settle, v2Client } from '../admin/control-plane.js'
import { openSocket, refusal } from './ws-helpers.js'

describe('WebSocket APIs through the apigatewayv2 control plane', () => {
  let gw: TestGateway
  let client: ApiGatewayV2Client
  let tmp: ReturnType<typeof tempDir>

  before(async () => {
    tmp = tempDir()
    writeFile(tmp.dir, 'greet.mjs', `export const handler = async (event) => ({ statusCode: 200, body: JSON.stringify({ hi: event.requestContext.connectionId.length, route: event.requestContext.routeKey }) })\n`)
    gw = await startGateway({ functionsDir: tmp.dir })
    client = v2Client(gw.adminPort)
  })
  after(async () => {
    await gw.stop()
    tmp.cleanup()
  })

  it('serves a WebSocket API built call by call once it is deployed to a stage', async () => {
    const api = await client.send(new CreateApiCommand({ Name: 'sdk-ws', ProtocolType: 'WEBSOCKET', RouteSelectionExpression: '$request.body.op' }))
    const ApiId = api.ApiId!
    assert.equal(api.ApiEndpoint, `wss://${ApiId}.execute-api.us-east-1.amazonaws.com`)
    const mock = await client.send(new CreateIntegrationCommand({ ApiId, IntegrationType: 'MOCK', RequestTemplates: { $default: '{"statusCode": 200}' }, TemplateSelectionExpression: '\\$default' }))
    await client.send(
      new CreateIntegrationResponseCommand({ ApiId, IntegrationId: mock.IntegrationId!, IntegrationResponseKey: '$default', ResponseTemplates: { $default: '{"op":"$input.path(\'$.op\')","stage":"$context.stage"}' } }),
    )
    const fn = await client.send(new CreateIntegrationCommand({ ApiId, IntegrationType: 'AWS_PROXY', IntegrationUri: 'arn:aws:lambda:us-east-1:000000000000:function:greet' }))
    const ping = await client.send(new CreateRouteCommand({ ApiId, RouteKey: 'ping', Target: `integrations/${mock.IntegrationId}`, RouteResponseSelectionExpression: '$default' }))
    await client.send(new CreateRouteResponseCommand({ ApiId, RouteId: ping.RouteId!, RouteResponseKey: '$default' }))
    const greet = await client.send(new CreateRouteCommand({ ApiId, RouteKey: '$default', Target: `integrations/${fn.IntegrationId}`, RouteResponseSelectionExpression: '$default' }))
    await client.send(new CreateRouteResponseCommand({ ApiId, RouteId: greet.RouteId!, RouteResponseKey: '$default' }))

    // Not deployed yet: nothing answers.
    await settle(gw)
    const host = `${ApiId}.execute-api.localhost:${gw.port}`
    assert.equal(await refusal(gw.port, '/live', { host }), 403)

    const d1 = await client.send(new CreateDeploymentCommand({ ApiId }))
    await client.send(new CreateStageCommand({ ApiId, StageName: 'live', DeploymentId: d1.DeploymentId! }))
    await settle(gw)
    const s = await openSocket(gw.port, '/live', { host })
    s.send(JSON.stringify({ op: 'ping' }))
    // The MOCK's integration response reads its own (empty) body: `$input.path` finds nothing there.
    assert.deepEqual(JSON.parse(await s.next()), { op: '', stage: 'live' })
    s.send('anything else')
    assert.deepEqual(JSON.parse(await s.next()), { hi: 16, route: '$default' })

    // A new deployment without the ping route: the open connection follows it.
    const pong = await client.send(new CreateRouteCommand({ ApiId, RouteKey: 'pong', Target: `integrations/${mock.IntegrationId}` }))
    assert.ok(pong.RouteId)
    const d2 = await client.send(new CreateDeploymentCommand({ ApiId }))
    await client.send(new UpdateStageCommand({ ApiId, StageName: 'live', DeploymentId: d2.DeploymentId! }))
    await settle(gw)
    // `pong` has no route response: one-way; the `$default` answer that follows is the next frame.
    s.send(JSON.stringify({ op: 'pong' }))
    s.send('after')
    assert.deepEqual(JSON.parse(await s.next()), { hi: 16, route: '$default' })
    s.ws.close()
    await s.closed
  })
})
