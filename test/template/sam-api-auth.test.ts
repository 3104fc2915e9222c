// AWS::Serverless::Api's Auth, Cors and UsagePlan as SAM generates them, served: a Lambda TOKEN default
// authorizer, API keys required, a PER_API usage plan with a quota, and the OPTIONS preflight methods.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startGateway, tempDir, writeFile } from '../helpers.js'
import type { ApiKey } from '../../src/model/types.js'

const TEMPLATE = `Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Runtime: nodejs20.x
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: v1
      Cors: "'https://app.example'"
      Auth:
        DefaultAuthorizer: TokenAuth
        AddDefaultAuthorizerToCorsPreflight: false
        ApiKeyRequired: true
        Authorizers:
          TokenAuth:
            FunctionArn: !GetAtt AuthFn.Arn
            Identity: { Header: X-Token, ReauthorizeEvery: 0 }
        UsagePlan:
          CreateUsagePlan: PER_API
          Quota: { Limit: 3, Period: DAY }
  AuthFn:
    Type: AWS::Serverless::Function
    Properties:
      Handler: index.handler
      InlineCode: |
        exports.handler = async (event) => ({
          principalId: 'ada',
          policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: event.authorizationToken === 'allow' ? 'Allow' : 'Deny', Resource: event.methodArn }] },
        })
  AppFn:
    Type: AWS::Serverless::Function
    Properties:
      Handler: index.handler
      InlineCode: |
        exports.handler = async (event) => ({ statusCode: 200, body: JSON.stringify({ principal: event.requestContext.authorizer?.principalId ?? null }) })
      Events:
        Get:
          Type: Api
          Properties: { RestApiId: !Ref Api, Path: /items, Method: get }
        Open:
          Type: Api
          Properties: { RestApiId: !Ref Api, Path: /open, Method: get, Auth: { Authorizer: NONE, ApiKeyRequired: false } }
`

test('SAM Api Auth, Cors and UsagePlan: preflight open, 403 without the key, 401 without the token, 200, then 429 past the quota', async () => {
  const { dir, cleanup } = tempDir('gatehouse-sam-auth-')
  const gw = await startGateway({ template: writeFile(dir, 'template.yaml', TEMPLATE) })
  try {
    const preflight = await gw.fetch('/v1/items', { method: 'OPTIONS', headers: { origin: 'https://app.example', 'access-control-request-method': 'GET' } })
    assert.equal(preflight.status, 200)
    assert.equal(preflight.headers['access-control-allow-origin'], 'https://app.example')
    assert.equal(preflight.headers['access-control-allow-methods'], 'GET,OPTIONS')
    assert.equal((await gw.fetch('/v1/items', { headers: { 'x-token': 'allow' } })).status, 403, 'no API key')
    const keys = await gw.gateway.store!.list<ApiKey>('apikey')
    const key = keys.find((k) => k.value.name === 'ApiApiKey')!.value.value
    assert.equal((await gw.fetch('/v1/items', { headers: { 'x-api-key': key } })).status, 401, 'no token')
    assert.equal((await gw.fetch('/v1/items', { headers: { 'x-api-key': key, 'x-token': 'deny' } })).status, 403, 'denied by the authorizer')
    const ok = await gw.fetch('/v1/items', { headers: { 'x-api-key': key, 'x-token': 'allow' } })
    assert.equal(ok.status, 200)
    assert.deepEqual(ok.json(), { principal: 'ada' })
    const statuses: number[] = []
    for (let i = 0; i < 4; i++) statuses.push((await gw.fetch('/v1/items', { headers: { 'x-api-key': key, 'x-token': 'allow' } })).status)
    assert.ok(statuses.includes(429), `the quota of 3 a day answers 429 (got ${statuses.join(',')})`)
    const open = await gw.fetch('/v1/open')
    assert.equal(open.status, 200, 'Authorizer NONE and ApiKeyRequired false on the event: neither is asked for')
    assert.deepEqual(open.json(), { principal: null })
  } finally {
    await gw.stop()
    cleanup()
  }
})
