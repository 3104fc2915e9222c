// HTTP APIs from templates, served: AWS::Serverless::HttpApi with a JWT authorizer whose issuer is a parameter
// (pointed at a local issuer with --parameter-overrides) and CorsConfiguration, and plain AWS::ApiGatewayV2
// Api/Integration/Route/Stage resources.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startGateway, tempDir, writeFile } from '../helpers.js'
import { startStaticIdp } from '../auth/jwt-idp.js'

const TEMPLATE = `Transform: AWS::Serverless-2016-10-31
Parameters:
  Issuer: { Type: String, Default: https://issuer.example }
Resources:
  Http:
    Type: AWS::Serverless::HttpApi
    Properties:
      CorsConfiguration: true
      Auth:
        DefaultAuthorizer: Jwt
        Authorizers:
          Jwt:
            JwtConfiguration: { issuer: !Ref Issuer, audience: [my-app] }
            IdentitySource: $request.header.Authorization
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs20.x
      Handler: index.handler
      InlineCode: |
        exports.handler = async (event) => ({ statusCode: 200, body: JSON.stringify({ sub: event.requestContext.authorizer.jwt.claims.sub, route: event.routeKey }) })
      Events:
        Get: { Type: HttpApi, Properties: { ApiId: !Ref Http, Path: /me, Method: GET } }
  Plain:
    Type: AWS::ApiGatewayV2::Api
    Properties: { Name: plain, ProtocolType: HTTP }
  PlainIntegration:
    Type: AWS::ApiGatewayV2::Integration
    Properties:
      ApiId: !Ref Plain
      IntegrationType: AWS_PROXY
      IntegrationUri: !Sub arn:aws:apigateway:\${AWS::Region}:lambda:path/2015-03-31/functions/\${Echo.Arn}/invocations
      PayloadFormatVersion: '2.0'
  PlainRoute:
    Type: AWS::ApiGatewayV2::Route
    Properties: { ApiId: !Ref Plain, RouteKey: POST /echo, Target: !Sub 'integrations/\${PlainIntegration}' }
  PlainStage:
    Type: AWS::ApiGatewayV2::Stage
    Properties: { ApiId: !Ref Plain, StageName: live, StageVariables: { colour: blue } }
  Echo:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: nodejs20.x
      Handler: index.handler
      Code:
        ZipFile: |
          exports.handler = async (event) => ({ statusCode: 200, body: event.body + ' ' + event.stageVariables.colour })
`

test('SAM HttpApi JWT issuer from --parameter-overrides, CORS, and plain ApiGatewayV2 resources', async () => {
  const idp = await startStaticIdp()
  const { dir, cleanup } = tempDir('gatehouse-template-http-')
  const gw = await startGateway({ template: writeFile(dir, 'template.yaml', TEMPLATE), parameterOverrides: { Issuer: idp.issuer } })
  try {
    const httpId = (await gw.gateway.store!.list<{ name: string; id: string }>('api')).find((a) => a.value.name !== 'plain')!.value.id
    const host = `${httpId}.execute-api.localhost`
    assert.equal((await gw.fetch('/me', { host })).status, 401)
    const token = await idp.sign({ iss: idp.issuer, aud: 'my-app', sub: 'ada', exp: Math.floor(Date.now() / 1000) + 300 })
    const me = await gw.fetch('/me', { host, headers: { authorization: `Bearer ${token}` } })
    assert.equal(me.status, 200, me.text)
    assert.deepEqual(me.json(), { sub: 'ada', route: 'GET /me' })
    const preflight = await gw.fetch('/me', { host, method: 'OPTIONS', headers: { origin: 'https://x.example', 'access-control-request-method': 'GET' } })
    assert.equal(preflight.status, 204)
    assert.equal(preflight.headers['access-control-allow-origin'], '*')

    const plainId = (await gw.gateway.store!.list<{ name: string; id: string }>('api')).find((a) => a.value.name === 'plain')!.value.id
    const echo = await gw.fetch('/live/echo', { host: `${plainId}.execute-api.localhost`, method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hi' })
    assert.equal(echo.status, 200)
    assert.equal(echo.text, 'hi blue')
  } finally {
    await gw.stop()
    await idp.close()
    cleanup()
  }
})
