// WebSocket APIs from CloudFormation templates, served end to end (docs/templates.md, docs/websocket.md):
// AWS::ApiGatewayV2::Api with ProtocolType WEBSOCKET, its Integration, IntegrationResponse, Route,
// RouteResponse, Authorizer (a Lambda REQUEST authorizer on $connect), Deployment and Stage, an API key in a
// usage plan of the WebSocket stage (AWS::ApiGateway::ApiKey, UsagePlan, UsagePlanKey), with real `ws`
// clients and the template's inline functions.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startGateway, tempDir, writeFile } from '../helpers.js'
import { openSocket, refusal } from '../websocket/ws-helpers.js'
import { readTemplate } from '../../src/controlplane/template/index.js'

const TEMPLATE = `AWSTemplateFormatVersion: '2010-09-09'
Resources:
  Chat:
    Type: AWS::ApiGatewayV2::Api
    Properties:
      Name: chat
      ProtocolType: WEBSOCKET
      RouteSelectionExpression: $request.body.action
  Authorizer:
    Type: AWS::ApiGatewayV2::Authorizer
    Properties:
      ApiId: !Ref Chat
      Name: token
      AuthorizerType: REQUEST
      AuthorizerUri: !Sub arn:aws:apigateway:\${AWS::Region}:lambda:path/2015-03-31/functions/\${AuthFn.Arn}/invocations
      IdentitySource: [route.request.querystring.token]
  ChatIntegration:
    Type: AWS::ApiGatewayV2::Integration
    Properties:
      ApiId: !Ref Chat
      IntegrationType: AWS_PROXY
      IntegrationUri: !Sub arn:aws:apigateway:\${AWS::Region}:lambda:path/2015-03-31/functions/\${ChatFn.Arn}/invocations
  PingIntegration:
    Type: AWS::ApiGatewayV2::Integration
    Properties:
      ApiId: !Ref Chat
      IntegrationType: MOCK
      RequestTemplates: { $default: '{"statusCode": 200}' }
      TemplateSelectionExpression: \\$default
  PingIntegrationResponse:
    Type: AWS::ApiGatewayV2::IntegrationResponse
    Properties:
      ApiId: !Ref Chat
      IntegrationId: !Ref PingIntegration
      IntegrationResponseKey: $default
      ResponseTemplates: { $default: '{"pong": "$context.authorizer.user"}' }
  ConnectRoute:
    Type: AWS::ApiGatewayV2::Route
    Properties:
      ApiId: !Ref Chat
      RouteKey: $connect
      AuthorizationType: CUSTOM
      AuthorizerId: !Ref Authorizer
      ApiKeyRequired: true
      Target: !Join [/, [integrations, !Ref ChatIntegration]]
  SendRoute:
    Type: AWS::ApiGatewayV2::Route
    Properties:
      ApiId: !Ref Chat
      RouteKey: send
      Target: !Sub integrations/\${ChatIntegration}
      RouteResponseSelectionExpression: $default
  SendRouteResponse:
    Type: AWS::ApiGatewayV2::RouteResponse
    Properties: { ApiId: !Ref Chat, RouteId: !Ref SendRoute, RouteResponseKey: $default }
  PingRoute:
    Type: AWS::ApiGatewayV2::Route
    Properties:
      ApiId: !Ref Chat
      RouteKey: ping
      Target: !Sub integrations/\${PingIntegration}
      RouteResponseSelectionExpression: $default
  PingRouteResponse:
    Type: AWS::ApiGatewayV2::RouteResponse
    Properties: { ApiId: !Ref Chat, RouteId: !Ref PingRoute, RouteResponseKey: $default }
  Deployment:
    Type: AWS::ApiGatewayV2::Deployment
    DependsOn: [ConnectRoute, SendRoute, PingRoute]
    Properties: { ApiId: !Ref Chat }
  Stage:
    Type: AWS::ApiGatewayV2::Stage
    Properties:
      ApiId: !Ref Chat
      StageName: production
      DeploymentId: !Ref Deployment
      StageVariables: { greeting: hello }
  Key:
    Type: AWS::ApiGateway::ApiKey
    Properties: { Name: chat-key, Value: chatKey0123456789abcdefghij, Enabled: true }
  Plan:
    Type: AWS::ApiGateway::UsagePlan
    Properties:
      UsagePlanName: chat-plan
      ApiStages: [{ ApiId: !Ref Chat, Stage: !Ref Stage }]
      Quota: { Limit: 1000, Period: DAY }
  PlanKey:
    Type: AWS::ApiGateway::UsagePlanKey
    Properties: { KeyId: !Ref Key, KeyType: API_KEY, UsagePlanId: !Ref Plan }
  AuthFn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: nodejs20.x
      Handler: index.handler
      Code:
        ZipFile: |
          exports.handler = async (event) => ({
            principalId: event.queryStringParameters.token,
            policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: event.queryStringParameters.token === 'eve' ? 'Deny' : 'Allow', Resource: event.methodArn }] },
            context: { user: event.queryStringParameters.token },
          })
  ChatFn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: nodejs20.x
      Handler: index.handler
      Code:
        ZipFile: |
          exports.handler = async (event) => ({ statusCode: 200, body: event.requestContext.eventType === 'MESSAGE' ? JSON.parse(event.body).text + ' from ' + event.requestContext.authorizer.user : '' })
`

test('a CloudFormation WebSocket API is read as a websocket declaration: integrations, responses, authorizer, routes, stage', async () => {
  const tmp = tempDir()
  try {
    const result = await readTemplate(writeFile(tmp.dir, 'template.yaml', TEMPLATE), { file: 'template.yaml', dir: tmp.dir, parameterOverrides: {} })
    assert.deepEqual(result.problems, [])
    assert.ok(!result.ignored.some((r) => r.type.startsWith('AWS::ApiGatewayV2::')), JSON.stringify(result.ignored))
    const api = result.config!.apis!.find((a) => a.type === 'websocket')! as Record<string, any>
    assert.equal(api.routeSelectionExpression, '$request.body.action')
    assert.deepEqual(Object.keys(api.integrations).sort(), ['ChatIntegration', 'PingIntegration'])
    assert.equal(api.integrations.PingIntegration.integrationResponses[0].integrationResponseKey, '$default')
    assert.deepEqual(api.authorizers.Authorizer.identitySource, ['route.request.querystring.token'])
    const connect = api.routes.find((r: any) => r.routeKey === '$connect')
    assert.deepEqual({ target: connect.target, authorizationType: connect.authorizationType, authorizerId: connect.authorizerId }, { target: 'integrations/ChatIntegration', authorizationType: 'CUSTOM', authorizerId: 'Authorizer' })
    assert.deepEqual(api.routes.find((r: any) => r.routeKey === 'send').routeResponses, [{ routeResponseKey: '$default' }])
    assert.deepEqual(api.stages, { production: { variables: { greeting: 'hello' } } })
  } finally {
    tmp.cleanup()
  }
})

test('a CloudFormation WebSocket API served: the authorizer on $connect, a Lambda proxy route and a MOCK route answering', async () => {
  const tmp = tempDir()
  const gw = await startGateway({ template: writeFile(tmp.dir, 'template.yaml', TEMPLATE) })
  try {
    assert.equal(await refusal(gw.port, '/production'), 401, 'no token: the identity source is missing')
    assert.equal(await refusal(gw.port, '/production?token=eve'), 403, 'the authorizer denies eve')
    assert.equal(await refusal(gw.port, '/production?token=ann'), 403, 'ApiKeyRequired: no x-api-key')
    const s = await openSocket(gw.port, '/production?token=ann', { headers: { 'x-api-key': 'chatKey0123456789abcdefghij' } })
    s.send(JSON.stringify({ action: 'send', text: 'hi' }))
    assert.equal(await s.next(), 'hi from ann')
    s.send(JSON.stringify({ action: 'ping' }))
    assert.deepEqual(JSON.parse(await s.next()), { pong: 'ann' })
    s.send(JSON.stringify({ action: 'nothing' }))
    assert.equal(JSON.parse(await s.next()).message, 'Forbidden', 'no $default route: the error frame')
    s.ws.close()
  } finally {
    await gw.stop()
    tmp.cleanup()
  }
})

const SERVICE = `service: chat
frameworkVersion: '3'
provider:
  name: aws
  runtime: nodejs20.x
  stage: live
  websocketsApiRouteSelectionExpression: $request.body.route
functions:
  connect:
    handler: handler.connect
    events:
      - websocket:
          route: $connect
          authorizer:
            name: auth
            identitySource: [route.request.header.Auth]
  say:
    handler: handler.say
    events:
      - websocket:
          route: say
          routeResponseSelectionExpression: $default
      - websocket: $default
  auth:
    handler: handler.auth
`
const HANDLER = `export const connect = async () => ({ statusCode: 200 })
export const say = async (event) => ({ statusCode: 200, body: event.requestContext.routeKey + ': ' + event.body + ' (' + event.requestContext.authorizer.principalId + ')' })
export const auth = async (event) => ({
  principalId: event.headers.Auth ?? event.headers.auth,
  policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: event.methodArn }] },
})
`

test('a serverless.yml websocket service served: the $connect authorizer by function key, route selection from the provider, a two-way route', async () => {
  const tmp = tempDir()
  writeFile(tmp.dir, 'handler.mjs', HANDLER)
  const gw = await startGateway({ template: writeFile(tmp.dir, 'serverless.yml', SERVICE) })
  try {
    assert.equal(await refusal(gw.port, '/live'), 401, 'no Auth header')
    const s = await openSocket(gw.port, '/live', { headers: { Auth: 'zoe' } })
    s.send(JSON.stringify({ route: 'say', text: 'hello' }))
    assert.equal(await s.next(), 'say: {"route":"say","text":"hello"} (zoe)')
    // $default has no route response: one-way, nothing comes back; the next two-way answer is the next frame.
    s.send(JSON.stringify({ route: 'other' }))
    s.send(JSON.stringify({ route: 'say', n: 2 }))
    assert.equal(await s.next(), 'say: {"route":"say","n":2} (zoe)')
    s.ws.close()
  } finally {
    await gw.stop()
    tmp.cleanup()
  }
})
