// HTTP API import from our own documents: routes, shared integrations, authorizers, CORS, tags and the
// HTTP API root extensions.

import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { stableId } from '../../src/model/ids.js'
import type { HttpApi, IntegrationV2, Route } from '../../src/model/types.js'
import { importOpenApi, type ImportOptions } from '../../src/controlplane/openapi/import.js'
import { parseDefinition } from '../../src/controlplane/openapi/parse.js'

const ID = 'httpapi001'

function importHttp(doc: unknown, opts: Partial<ImportOptions> = {}): { api: HttpApi; warnings: Array<{ path: string; message: string }> } {
  const r = importOpenApi(doc, { kind: 'HTTP', id: ID, createdDate: '2025-01-01T00:00:00.000Z', ...opts })
  assert.equal(r.api.kind, 'HTTP')
  return { api: r.api as HttpApi, warnings: r.warnings }
}

function route(api: HttpApi, key: string): Route {
  const r = Object.values(api.routes).find((x) => x.routeKey === key)
  assert.ok(r, `route ${key} (have ${Object.values(api.routes).map((x) => x.routeKey).join(', ')})`)
  return r
}

function target(api: HttpApi, key: string): IntegrationV2 {
  const t = route(api, key).target
  assert.ok(t !== undefined && t.startsWith('integrations/'), `target of ${key}`)
  const i = api.integrations[t.slice('integrations/'.length)]
  assert.ok(i, `integration of ${key}`)
  return i
}

const ORDERS = `
openapi: 3.0.1
info:
  title: Orders
  version: "2024-01-01"
  description: Orders service
servers:
  - url: https://api.example.com
    x-amazon-apigateway-endpoint-configuration:
      disableExecuteApiEndpoint: true
tags:
  - name: team
    x-amazon-apigateway-tag-value: payments
  - name: docs-only
x-amazon-apigateway-cors:
  allowOrigins: [https://app.example.com]
  allowCredentials: true
  allowMethods: [GET, POST]
  allowHeaders: [authorization, content-type]
  exposeHeaders: [x-request-id]
  maxAge: 600
x-amazon-apigateway-importexport-version: "1.0"
security:
  - jwt: [orders.read]
paths:
  /orders:
    get:
      operationId: listOrders
      x-amazon-apigateway-integration:
        $ref: '#/components/x-amazon-apigateway-integrations/ordersLambda'
    post:
      security:
        - lambdaAuth: []
      x-amazon-apigateway-integration:
        $ref: '#/components/x-amazon-apigateway-integrations/ordersLambda'
  /orders/{id}:
    get:
      security:
        - jwt: [orders.read, orders.admin]
      x-amazon-apigateway-integration:
        type: http_proxy
        httpMethod: GET
        uri: https://backend.example.com/orders/{id}
        payloadFormatVersion: 1.0
        timeoutInMillis: 12000
        requestParameters:
          append:header.x-source: gateway
          overwrite:path: /v2/orders/$request.path.id
        responseParameters:
          "404":
            overwrite:statuscode: "410"
            append:header.x-gone: "yes"
        tlsConfig:
          serverNameToVerify: backend.example.com
    delete:
      security:
        - sigv4: []
      x-amazon-apigateway-integration:
        type: HTTP_PROXY
        httpMethod: DELETE
        connectionType: VPC_LINK
        connectionId: abc123
        uri: arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/my-alb/1/2
  /events:
    post:
      security: []
      x-amazon-apigateway-integration:
        type: aws_proxy
        integrationSubtype: EventBridge-PutEvents
        credentials: arn:aws:iam::\${AWS::AccountId}:role/events
        requestParameters:
          Detail: $request.body.detail
          DetailType: Order
          Source: orders
  /files/{proxy+}:
    x-amazon-apigateway-any-method:
      x-amazon-apigateway-auth:
        type: AWS_IAM
      x-amazon-apigateway-integration:
        type: http_proxy
        httpMethod: ANY
        uri: https://files.example.com/{proxy}
  /$default:
    x-amazon-apigateway-any-method:
      isDefaultRoute: true
      security: []
      x-amazon-apigateway-integration:
        $ref: '#/components/x-amazon-apigateway-integrations/ordersLambda'
components:
  securitySchemes:
    jwt:
      type: oauth2
      flows: {}
      x-amazon-apigateway-authorizer:
        type: jwt
        jwtConfiguration:
          issuer: https://issuer.example.com
          audience: [orders-api]
    lambdaAuth:
      type: apiKey
      name: Authorization
      in: header
      x-amazon-apigateway-authorizer:
        type: request
        authorizerUri: arn:aws:apigateway:\${AWS::Region}:lambda:path/2015-03-31/functions/arn:aws:lambda:\${AWS::Region}:\${AWS::AccountId}:function:auth/invocations
        authorizerPayloadFormatVersion: "2.0"
        enableSimpleResponses: true
        identitySource: $request.header.Authorization, $context.routeKey
        authorizerResultTtlInSeconds: 60
    sigv4:
      type: apiKey
      name: Authorization
      in: header
      x-amazon-apigateway-authtype: awsSigv4
  x-amazon-apigateway-integrations:
    ordersLambda:
      type: AWS_PROXY
      httpMethod: POST
      uri: arn:aws:lambda:\${AWS::Region}:\${AWS::AccountId}:function:orders
`

describe('HTTP API import', () => {
  const { api, warnings } = importHttp(parseDefinition(ORDERS, 'orders.yaml'), { file: 'orders.yaml', region: 'eu-central-1', accountId: '111122223333' })

  it('fills the API object', () => {
    assert.equal(api.name, 'Orders')
    assert.equal(api.description, 'Orders service')
    assert.equal(api.version, '2024-01-01')
    assert.equal(api.protocolType, 'HTTP')
    assert.equal(api.routeSelectionExpression, '${request.method} ${request.path}')
    assert.equal(api.disableExecuteApiEndpoint, true)
    assert.deepEqual(api.tags, { team: 'payments' })
    assert.deepEqual(api.extensions, { 'x-amazon-apigateway-importexport-version': '1.0' })
    assert.deepEqual(warnings, [])
  })

  it('makes a route per path and operation, ANY for any-method and $default for isDefaultRoute', () => {
    assert.deepEqual(Object.values(api.routes).map((r) => r.routeKey).sort(), [
      '$default', 'ANY /files/{proxy+}', 'DELETE /orders/{id}', 'GET /orders', 'GET /orders/{id}', 'POST /events', 'POST /orders',
    ])
    for (const r of Object.values(api.routes)) assert.equal(r.routeId, stableId(`${ID}:${r.routeKey}`, 7))
    assert.equal(route(api, 'GET /orders').operationName, 'listOrders')
  })

  it('reads a Lambda proxy integration through $ref with payload 2.0 and 30000 ms by default, shared by equal routes', () => {
    const i = target(api, 'GET /orders')
    assert.deepEqual(i, {
      integrationId: i.integrationId,
      integrationType: 'AWS_PROXY',
      integrationUri: 'arn:aws:lambda:eu-central-1:111122223333:function:orders',
      integrationMethod: 'POST',
      payloadFormatVersion: '2.0',
      timeoutInMillis: 30000,
      connectionType: 'INTERNET',
      requestParameters: {},
      responseParameters: {},
    })
    assert.equal(route(api, 'POST /orders').target, route(api, 'GET /orders').target)
    assert.equal(route(api, '$default').target, route(api, 'GET /orders').target)
    assert.equal(Object.keys(api.integrations).length, 5)
  })

  it('reads an HTTP proxy integration with parameter mapping, response mapping and TLS settings', () => {
    assert.deepEqual(target(api, 'GET /orders/{id}'), {
      integrationId: route(api, 'GET /orders/{id}').target!.slice(13),
      integrationType: 'HTTP_PROXY',
      integrationUri: 'https://backend.example.com/orders/{id}',
      integrationMethod: 'GET',
      payloadFormatVersion: '1.0',
      timeoutInMillis: 12000,
      connectionType: 'INTERNET',
      requestParameters: { 'append:header.x-source': 'gateway', 'overwrite:path': '/v2/orders/$request.path.id' },
      responseParameters: { '404': { 'overwrite:statuscode': '410', 'append:header.x-gone': 'yes' } },
      tlsConfig: { serverNameToVerify: 'backend.example.com' },
    })
  })

  it('reads private integrations and AWS service integrations', () => {
    const vpc = target(api, 'DELETE /orders/{id}')
    assert.equal(vpc.connectionType, 'VPC_LINK')
    assert.equal(vpc.connectionId, 'abc123')
    const events = target(api, 'POST /events')
    assert.equal(events.integrationSubtype, 'EventBridge-PutEvents')
    assert.equal(events.integrationUri, undefined)
    assert.equal(events.payloadFormatVersion, '1.0')
    assert.equal(events.credentialsArn, 'arn:aws:iam::111122223333:role/events')
    assert.deepEqual(events.requestParameters, { Detail: '$request.body.detail', DetailType: 'Order', Source: 'orders' })
  })

  it('creates JWT and Lambda authorizers', () => {
    const jwt = Object.values(api.authorizers).find((a) => a.name === 'jwt')!
    assert.deepEqual(jwt, {
      id: stableId(`${ID}:authorizer:jwt`, 7),
      name: 'jwt',
      type: 'JWT',
      authorizerResultTtlInSeconds: 0,
      identitySource: ['$request.header.Authorization'],
      jwtConfiguration: { issuer: 'https://issuer.example.com', audience: ['orders-api'] },
    })
    const lambda = Object.values(api.authorizers).find((a) => a.name === 'lambdaAuth')!
    assert.equal(lambda.type, 'REQUEST')
    assert.equal(lambda.authorizerUri, 'arn:aws:apigateway:eu-central-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-central-1:111122223333:function:auth/invocations')
    assert.equal(lambda.authorizerPayloadFormatVersion, '2.0')
    assert.equal(lambda.enableSimpleResponses, true)
    assert.deepEqual(lambda.identitySource, ['$request.header.Authorization', '$context.routeKey'])
    assert.equal(lambda.authorizerResultTtlInSeconds, 60)
  })

  it('sets each route’s authorization from its security, the root security, or x-amazon-apigateway-auth', () => {
    const jwtId = Object.values(api.authorizers).find((a) => a.name === 'jwt')!.id
    assert.deepEqual(route(api, 'GET /orders'), {
      routeId: route(api, 'GET /orders').routeId,
      routeKey: 'GET /orders',
      operationName: 'listOrders',
      authorizationType: 'JWT',
      authorizerId: jwtId,
      authorizationScopes: ['orders.read'],
      target: route(api, 'GET /orders').target,
    })
    assert.deepEqual(route(api, 'GET /orders/{id}').authorizationScopes, ['orders.read', 'orders.admin'])
    const post = route(api, 'POST /orders')
    assert.equal(post.authorizationType, 'CUSTOM')
    assert.equal(api.authorizers[post.authorizerId!]?.name, 'lambdaAuth')
    assert.equal(post.authorizationScopes, undefined)
    assert.equal(route(api, 'DELETE /orders/{id}').authorizationType, 'AWS_IAM')
    assert.equal(route(api, 'ANY /files/{proxy+}').authorizationType, 'AWS_IAM')
    assert.equal(route(api, 'POST /events').authorizationType, 'NONE')
    assert.equal(route(api, '$default').authorizationType, 'NONE')
  })

  it('reads the CORS configuration', () => {
    assert.deepEqual(api.corsConfiguration, {
      allowOrigins: ['https://app.example.com'],
      allowCredentials: true,
      allowMethods: ['GET', 'POST'],
      allowHeaders: ['authorization', 'content-type'],
      exposeHeaders: ['x-request-id'],
      maxAge: 600,
    })
  })

  it('gives the same API from the JSON form of the document', () => {
    const json = JSON.stringify(parseDefinition(ORDERS))
    const again = importHttp(parseDefinition(json), { file: 'orders.yaml', region: 'eu-central-1', accountId: '111122223333' }).api
    assert.deepEqual(again, api)
  })
})

describe('HTTP API import: more cases', () => {
  it('applies the basepath modes to routes', () => {
    const doc = { openapi: '3.0.1', info: { title: 'b' }, servers: [{ url: 'https://h/stage/v1' }], paths: { '/a': { get: {} } } }
    assert.deepEqual(Object.values(importHttp(doc).api.routes).map((r) => r.routeKey), ['GET /a'])
    assert.deepEqual(Object.values(importHttp(doc, { basepath: 'prepend' }).api.routes).map((r) => r.routeKey), ['GET /stage/v1/a'])
    assert.deepEqual(Object.values(importHttp(doc, { basepath: 'split' }).api.routes).map((r) => r.routeKey), ['GET /v1/a'])
  })

  it('imports a Swagger 2.0 document, with routes without integrations left untargeted', () => {
    const { api } = importHttp({ swagger: '2.0', info: { title: 's' }, paths: { '/': { get: {} }, '/x/{y}': { put: {} } } })
    assert.deepEqual(Object.values(api.routes).map((r) => r.routeKey), ['GET /', 'PUT /x/{y}'])
    assert.equal(route(api, 'GET /').target, undefined)
    assert.deepEqual(api.integrations, {})
  })

  it('warns about REST-only extensions and API key schemes, and translates REST-style identity sources', () => {
    const { api, warnings } = importHttp({
      openapi: '3.0.1',
      info: { title: 'w' },
      'x-amazon-apigateway-binary-media-types': ['*/*'],
      components: {
        securitySchemes: {
          key: { type: 'apiKey', name: 'x-api-key', in: 'header' },
          auth: { type: 'apiKey', name: 'Authorization', in: 'header', 'x-amazon-apigateway-authorizer': { type: 'request', authorizerUri: 'arn:aws:lambda:us-east-1:1:function:a', identitySource: 'method.request.header.Authorization', authorizerPayloadFormatVersion: 1.0 } },
        },
      },
      paths: {
        '/a': {
          get: {
            security: [{ key: [], auth: [] }],
            'x-amazon-apigateway-integration': { type: 'aws_proxy', uri: 'arn:aws:lambda:us-east-1:1:function:f', payloadFormatVersion: 1.0, responses: { default: { statusCode: '200' } } },
          },
        },
      },
    })
    assert.deepEqual(warnings.map((w) => w.path), [
      '/x-amazon-apigateway-binary-media-types',
      '/components/securitySchemes/auth/x-amazon-apigateway-authorizer/identitySource',
      '/paths/~1a/get/security/0/key',
      '/paths/~1a/get/x-amazon-apigateway-integration/responses',
    ])
    const auth = Object.values(api.authorizers)[0]!
    assert.deepEqual(auth.identitySource, ['$request.header.Authorization'])
    assert.equal(auth.authorizerPayloadFormatVersion, '1.0')
    assert.equal(target(api, 'GET /a').payloadFormatVersion, '1.0')
    assert.deepEqual(api.extensions, { 'x-amazon-apigateway-binary-media-types': ['*/*'] })
  })

  it('imports a route whose security names an undefined scheme without it, with a warning', () => {
    const { api, warnings } = importHttp({
      openapi: '3.0.1',
      info: { title: 'u' },
      components: {
        securitySchemes: {
          jwt: { type: 'oauth2', 'x-amazon-apigateway-authorizer': { type: 'jwt', jwtConfiguration: { issuer: 'https://issuer.example.com', audience: ['a'] } } },
        },
      },
      paths: {
        '/open': { get: { security: [{ nope: [] }] } },
        '/jwt': { get: { security: [{ nope: [] }, { jwt: ['read'] }] } },
      },
    })
    assert.equal(route(api, 'GET /open').authorizationType, 'NONE')
    assert.equal(route(api, 'GET /open').authorizerId, undefined)
    assert.equal(route(api, 'GET /jwt').authorizationType, 'JWT')
    assert.deepEqual(route(api, 'GET /jwt').authorizationScopes, ['read'])
    assert.deepEqual(warnings.map((w) => w.path), ['/paths/~1open/get/security/0/nope', '/paths/~1jwt/get/security/0/nope'])
    assert.match(warnings[0]!.message, /Unknown security scheme 'nope'/)
  })
})
