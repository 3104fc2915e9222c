// REST import from our own small documents: resources, methods, parameters, models, every integration type,
// root extensions, validators, authorizers and security, pseudo parameters and basepath modes.

import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { stableId } from '../../src/model/ids.js'
import type { Method, Resource, RestApi } from '../../src/model/types.js'
import { importOpenApi, type ImportOptions } from '../../src/controlplane/openapi/import.js'
import { parseDefinition } from '../../src/controlplane/openapi/parse.js'

const ID = 'restapi001'

function importRest(doc: unknown, opts: Partial<ImportOptions> = {}): { api: RestApi; warnings: Array<{ path: string; message: string }> } {
  const r = importOpenApi(doc, { kind: 'REST', id: ID, createdDate: '2025-01-01T00:00:00.000Z', ...opts })
  assert.equal(r.api.kind, 'REST')
  return { api: r.api as RestApi, warnings: r.warnings }
}

function res(api: RestApi, path: string): Resource {
  const r = Object.values(api.resources).find((x) => x.path === path)
  assert.ok(r, `resource ${path} (have ${Object.values(api.resources).map((x) => x.path).join(', ')})`)
  return r
}

function method(api: RestApi, path: string, verb: string): Method {
  const m = res(api, path).resourceMethods[verb as 'GET']
  assert.ok(m, `${verb} ${path}`)
  return m
}

const PETS_OAS3 = `
openapi: 3.0.1
info:
  title: Pets
  description: A pet store
  version: "1.2"
paths:
  /pets:
    parameters:
      - $ref: '#/components/parameters/Trace'
      - { name: limit, in: query, required: false, schema: { type: integer } }
    get:
      operationId: ListPets
      parameters:
        - { name: limit, in: query, required: true, schema: { type: integer } }
        - { name: sort, in: query }
      responses:
        200:
          description: ok
          headers:
            X-Total: { required: true, schema: { type: integer } }
            X-Page: { schema: { type: integer } }
          content:
            application/json: { schema: { $ref: '#/components/schemas/Pets' } }
        404:
          $ref: '#/components/responses/NotFound'
    post:
      requestBody:
        $ref: '#/components/requestBodies/NewPet'
      responses:
        "201": { description: created }
  /pets/{petId}:
    get:
      parameters:
        - { name: petId, in: path, schema: { type: string } }
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                type: object
                properties: { pet: { $ref: '#/components/schemas/Pet' } }
  /pets/{petId}/toys/{toyId}:
    delete: { responses: { "204": { description: gone } } }
  /store/inventory:
    x-amazon-apigateway-any-method:
      responses: { "200": { description: ok } }
    put: { responses: { "200": { description: ok } } }
    patch: { responses: { "200": { description: ok } } }
    head: { responses: { "200": { description: ok } } }
    options: { responses: { "200": { description: ok } } }
components:
  parameters:
    Trace: { name: X-Trace, in: header, required: true, schema: { type: string } }
  requestBodies:
    NewPet:
      required: true
      content:
        application/json: { schema: { $ref: '#/components/schemas/Pet' } }
        application/xml: { schema: { type: object, properties: { name: { type: string } } } }
  responses:
    NotFound:
      description: not found
      content:
        application/json: { schema: { $ref: '#/components/schemas/Error' } }
  schemas:
    Pet:
      type: object
      description: A pet
      properties:
        id: { type: string }
        friends: { type: array, items: { $ref: '#/components/schemas/Pet' } }
        owner: { $ref: '#/components/schemas/Owner' }
    Owner:
      type: object
      properties:
        pets: { $ref: '#/components/schemas/Pets' }
    Pets:
      type: array
      items: { $ref: '#/components/schemas/Pet' }
    Error:
      type: object
      properties: { code: { type: integer } }
`

describe('REST import: resources and methods', () => {
  const { api } = importRest(parseDefinition(PETS_OAS3, 'pets.yaml'), { file: 'pets.yaml' })

  it('takes name, description and version from info', () => {
    assert.equal(api.name, 'Pets')
    assert.equal(api.description, 'A pet store')
    assert.equal(api.version, '1.2')
    assert.equal(api.createdDate, '2025-01-01T00:00:00.000Z')
  })

  it('creates the root, every path and the intermediate resources, with stable ids', () => {
    assert.equal(api.rootResourceId, stableId(`${ID}:/`, 10))
    assert.deepEqual(Object.values(api.resources).map((r) => r.path).sort(), [
      '/', '/pets', '/pets/{petId}', '/pets/{petId}/toys', '/pets/{petId}/toys/{toyId}', '/store', '/store/inventory',
    ])
    for (const r of Object.values(api.resources)) {
      if (r.path === '/') continue
      assert.equal(r.id, stableId(`${ID}:${r.path}`, 6))
      const parentPath = r.path.slice(0, r.path.lastIndexOf('/')) || '/'
      assert.equal(r.parentId, res(api, parentPath).id, `parent of ${r.path}`)
      assert.equal(r.pathPart, r.path.slice(r.path.lastIndexOf('/') + 1))
    }
    assert.deepEqual(Object.keys(res(api, '/pets/{petId}/toys').resourceMethods), [])
  })

  it('gives the same objects when the same document is imported again', () => {
    const again = importRest(parseDefinition(PETS_OAS3)).api
    assert.deepEqual(again, api)
  })

  it('turns each operation into a method, x-amazon-apigateway-any-method into ANY', () => {
    assert.deepEqual(Object.keys(res(api, '/store/inventory').resourceMethods).sort(), ['ANY', 'HEAD', 'OPTIONS', 'PATCH', 'PUT'])
    assert.deepEqual(Object.keys(res(api, '/pets').resourceMethods).sort(), ['GET', 'POST'])
    assert.equal(method(api, '/pets', 'GET').operationName, 'ListPets')
    assert.equal(method(api, '/pets', 'POST').operationName, undefined)
  })

  it('merges path-level parameters (following $refs) and lets the operation override them', () => {
    assert.deepEqual(method(api, '/pets', 'GET').requestParameters, {
      'method.request.header.X-Trace': true,
      'method.request.querystring.limit': true,
      'method.request.querystring.sort': false,
    })
    assert.deepEqual(method(api, '/pets', 'POST').requestParameters, {
      'method.request.header.X-Trace': true,
      'method.request.querystring.limit': false,
    })
  })

  it('always requires path parameters, declared or not', () => {
    assert.deepEqual(method(api, '/pets/{petId}', 'GET').requestParameters, { 'method.request.path.petId': true })
    assert.deepEqual(method(api, '/pets/{petId}/toys/{toyId}', 'DELETE').requestParameters, {
      'method.request.path.petId': true,
      'method.request.path.toyId': true,
    })
  })

  it('maps responses (integer keys too) to method responses with header parameters and models', () => {
    const get = method(api, '/pets', 'GET')
    assert.deepEqual(get.methodResponses['200'], {
      statusCode: '200',
      responseParameters: { 'method.response.header.X-Total': true, 'method.response.header.X-Page': false },
      responseModels: { 'application/json': 'Pets' },
    })
    assert.deepEqual(get.methodResponses['404'], { statusCode: '404', responseParameters: {}, responseModels: { 'application/json': 'Error' } })
    assert.deepEqual(method(api, '/pets', 'POST').methodResponses, { '201': { statusCode: '201', responseParameters: {}, responseModels: {} } })
  })

  it('turns requestBody content into request models, inline schemas into generated models', () => {
    const post = method(api, '/pets', 'POST')
    assert.equal(post.requestModels['application/json'], 'Pet')
    const xmlModel = post.requestModels['application/xml']!
    assert.match(xmlModel, /^[A-Za-z0-9]+$/)
    assert.equal(api.models[xmlModel]?.contentType, 'application/xml')
    assert.deepEqual(api.models[xmlModel]?.schema, { type: 'object', properties: { name: { type: 'string' } } })
    const inline = method(api, '/pets/{petId}', 'GET').methodResponses['200']!.responseModels['application/json']!
    assert.deepEqual(api.models[inline]?.schema, {
      type: 'object',
      properties: { pet: { $ref: `https://apigateway.amazonaws.com/restapis/${ID}/models/Pet` } },
    })
  })

  it('keeps schemas as models with $refs rewritten to model URLs, circular ones included', () => {
    const url = (n: string): string => `https://apigateway.amazonaws.com/restapis/${ID}/models/${n}`
    assert.deepEqual(api.models.Pet, {
      id: stableId(`${ID}:model:Pet`, 6),
      name: 'Pet',
      contentType: 'application/json',
      description: 'A pet',
      schema: {
        type: 'object',
        description: 'A pet',
        properties: { id: { type: 'string' }, friends: { type: 'array', items: { $ref: url('Pet') } }, owner: { $ref: url('Owner') } },
      },
    })
    assert.deepEqual(api.models.Owner?.schema, { type: 'object', properties: { pets: { $ref: url('Pets') } } })
  })

  it('adds the default Empty model and keeps the document’s own Error model', () => {
    assert.deepEqual(api.models.Empty?.schema, { $schema: 'http://json-schema.org/draft-04/schema#', title: 'Empty Schema', type: 'object' })
    assert.deepEqual(api.models.Error?.schema, { type: 'object', properties: { code: { type: 'integer' } } })
  })

  it('leaves methodIntegration undefined when an operation has no integration, and REST defaults in place', () => {
    assert.equal(method(api, '/pets', 'GET').methodIntegration, undefined)
    assert.equal(method(api, '/pets', 'GET').authorizationType, 'NONE')
    assert.equal(method(api, '/pets', 'GET').apiKeyRequired, false)
    assert.deepEqual(api.binaryMediaTypes, [])
    assert.equal(api.minimumCompressionSize, null)
    assert.equal(api.apiKeySource, 'HEADER')
    assert.deepEqual(api.endpointConfiguration, { types: ['EDGE'] })
    assert.equal(api.policy, null)
    assert.equal(api.disableExecuteApiEndpoint, false)
    assert.deepEqual(api.gatewayResponses, {})
    assert.deepEqual(api.extensions, {})
  })
})

describe('REST import: Swagger 2.0', () => {
  const doc = {
    swagger: '2.0',
    info: { title: 'Swagger pets', version: 3 },
    consumes: ['application/json', 'text/plain'],
    produces: ['application/json'],
    parameters: { Auth: { name: 'Authorization', in: 'header', required: true, type: 'string' } },
    paths: {
      '/pets': {
        post: {
          parameters: [{ $ref: '#/parameters/Auth' }, { in: 'body', name: 'body', required: true, schema: { $ref: '#/definitions/Pet' } }],
          responses: { 200: { description: 'ok', schema: { $ref: '#/definitions/Pet' }, headers: { 'X-Id': { type: 'string' } } } },
        },
        put: {
          consumes: ['application/xml'],
          produces: ['application/xml', 'application/json'],
          parameters: [{ in: 'body', name: 'body', schema: { type: 'object' } }],
          responses: { 200: { description: 'ok', schema: { $ref: '#/definitions/Pet' } } },
        },
      },
    },
    definitions: { Pet: { type: 'object', properties: { tag: { $ref: '#/definitions/Tag' } } }, Tag: { type: 'string' } },
  }

  it('reads body parameters per consumed type and response schemas per produced type', () => {
    const { api } = importRest(doc)
    assert.equal(api.version, '3')
    const post = method(api, '/pets', 'POST')
    assert.deepEqual(post.requestModels, { 'application/json': 'Pet', 'text/plain': 'Pet' })
    assert.deepEqual(post.requestParameters, { 'method.request.header.Authorization': true })
    assert.deepEqual(post.methodResponses['200'], {
      statusCode: '200',
      responseParameters: { 'method.response.header.X-Id': false },
      responseModels: { 'application/json': 'Pet' },
    })
    const put = method(api, '/pets', 'PUT')
    assert.deepEqual(Object.keys(put.requestModels), ['application/xml'])
    assert.deepEqual(put.methodResponses['200']!.responseModels, { 'application/xml': 'Pet', 'application/json': 'Pet' })
    assert.equal(api.models.Pet?.schema.properties && (api.models.Pet.schema.properties as { tag: { $ref: string } }).tag.$ref, `https://apigateway.amazonaws.com/restapis/${ID}/models/Tag`)
    assert.ok(api.models.Error, 'default Error model')
  })

  it('gives the same API from the JSON and the YAML form of a document', () => {
    const fromJson = importRest(parseDefinition(JSON.stringify(doc, null, 2))).api
    const yaml = `swagger: "2.0"
info: { title: Swagger pets, version: 3 }
consumes: [application/json, text/plain]
produces: [application/json]
parameters:
  Auth: { name: Authorization, in: header, required: true, type: string }
paths:
  /pets:
    post:
      parameters:
        - $ref: '#/parameters/Auth'
        - { in: body, name: body, required: true, schema: { $ref: '#/definitions/Pet' } }
      responses:
        200: { description: ok, schema: { $ref: '#/definitions/Pet' }, headers: { X-Id: { type: string } } }
    put:
      consumes: [application/xml]
      produces: [application/xml, application/json]
      parameters:
        - { in: body, name: body, schema: { type: object } }
      responses:
        200: { description: ok, schema: { $ref: '#/definitions/Pet' } }
definitions:
  Pet: { type: object, properties: { tag: { $ref: '#/definitions/Tag' } } }
  Tag: { type: string }
`
    assert.deepEqual(importRest(parseDefinition(yaml)).api, fromJson)
  })
})

describe('REST import: integrations', () => {
  const doc = {
    openapi: '3.0.3',
    info: { title: 'Integrations' },
    paths: {
      '/aws': {
        post: {
          responses: { 200: { description: 'ok' }, 400: { description: 'bad' }, 500: { description: 'err' } },
          'x-amazon-apigateway-integration': {
            type: 'aws',
            uri: 'arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/arn:aws:lambda:${AWS::Region}:${AWS::AccountId}:function:f/invocations',
            httpMethod: 'post',
            credentials: 'arn:aws:iam::${AWS::AccountId}:role/r',
            requestParameters: { 'integration.request.header.X-Amz-Invocation-Type': "'Event'" },
            requestTemplates: { 'application/json': '#set($x = $input.json("$"))\n{"body": $x}\n' },
            passthroughBehavior: 'when_no_templates',
            contentHandling: 'convert_to_text',
            timeoutInMillis: 5000,
            cacheNamespace: 'ns1',
            cacheKeyParameters: ['method.request.header.X'],
            responses: {
              default: { statusCode: '200', responseTemplates: { 'application/json': '$input.json("$.body")' } },
              '.*Bad.*': { statusCode: 400, responseParameters: { 'method.response.header.X-Err': 'integration.response.body.errorType' } },
              '5\\d{2}': { statusCode: '500', contentHandling: 'CONVERT_TO_BINARY' },
            },
          },
        },
      },
      '/lambda': {
        get: { 'x-amazon-apigateway-integration': { type: 'AWS_PROXY', httpMethod: 'POST', uri: 'arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/f/invocations', responseTransferMode: 'stream' } },
      },
      '/http/{id}': {
        get: {
          'x-amazon-apigateway-integration': {
            type: 'Http',
            httpMethod: 'GET',
            uri: 'https://backend.example.com/items/{id}',
            requestParameters: { 'integration.request.path.id': 'method.request.path.id' },
            tlsConfig: { insecureSkipVerification: true },
            responses: { default: { statusCode: '200' } },
          },
          responses: { 200: { description: 'ok' } },
        },
      },
      '/proxy/{proxy+}': {
        'x-amazon-apigateway-any-method': {
          'x-amazon-apigateway-integration': {
            type: 'http_proxy',
            httpMethod: 'ANY',
            uri: 'http://${stageVariables.host}/{proxy}',
            connectionType: 'vpc_link',
            connectionId: '${stageVariables.vpcLinkId}',
            cacheKeyParameters: ['method.request.path.proxy'],
          },
        },
      },
      '/mock': {
        options: {
          responses: { 204: { description: 'cors' } },
          'x-amazon-apigateway-integration': {
            type: 'MOCK',
            httpMethod: 'POST',
            requestTemplates: { 'application/json': '{"statusCode": 204}' },
            responses: { default: { statusCode: '204', responseParameters: { 'method.response.header.Allow': "'GET'" } } },
          },
        },
      },
    },
  }
  const { api, warnings } = importRest(doc, { region: 'eu-west-1', accountId: '123456789012' })

  it('reads an aws integration with every field, enums upper-cased, pseudo parameters resolved', () => {
    const i = method(api, '/aws', 'POST').methodIntegration!
    assert.deepEqual(i, {
      type: 'AWS',
      httpMethod: 'POST',
      uri: 'arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:123456789012:function:f/invocations',
      connectionType: 'INTERNET',
      credentials: 'arn:aws:iam::123456789012:role/r',
      requestParameters: { 'integration.request.header.X-Amz-Invocation-Type': "'Event'" },
      requestTemplates: { 'application/json': '#set($x = $input.json("$"))\n{"body": $x}\n' },
      passthroughBehavior: 'WHEN_NO_TEMPLATES',
      contentHandling: 'CONVERT_TO_TEXT',
      timeoutInMillis: 5000,
      cacheNamespace: 'ns1',
      cacheKeyParameters: ['method.request.header.X'],
      integrationResponses: {
        '200': { statusCode: '200', responseParameters: {}, responseTemplates: { 'application/json': '$input.json("$.body")' } },
        '400': {
          statusCode: '400',
          selectionPattern: '.*Bad.*',
          responseParameters: { 'method.response.header.X-Err': 'integration.response.body.errorType' },
          responseTemplates: {},
        },
        '500': { statusCode: '500', selectionPattern: '5\\d{2}', responseParameters: {}, responseTemplates: {}, contentHandling: 'CONVERT_TO_BINARY' },
      },
    })
  })

  it('fills AWS defaults: passthrough WHEN_NO_MATCH, 29000 ms, cache namespace = resource id', () => {
    const i = method(api, '/lambda', 'GET').methodIntegration!
    assert.equal(i.type, 'AWS_PROXY')
    assert.equal(i.passthroughBehavior, 'WHEN_NO_MATCH')
    assert.equal(i.timeoutInMillis, 29000)
    assert.equal(i.cacheNamespace, res(api, '/lambda').id)
    assert.deepEqual(i.cacheKeyParameters, [])
    assert.equal(i.connectionType, 'INTERNET')
    assert.equal(i.responseTransferMode, 'STREAM')
    assert.deepEqual(i.integrationResponses, {})
  })

  it('reads http and http_proxy integrations, VPC links and TLS settings', () => {
    const h = method(api, '/http/{id}', 'GET').methodIntegration!
    assert.equal(h.type, 'HTTP')
    assert.equal(h.uri, 'https://backend.example.com/items/{id}')
    assert.deepEqual(h.tlsConfig, { insecureSkipVerification: true })
    assert.equal(h.integrationResponses['200']?.selectionPattern, undefined)
    const p = method(api, '/proxy/{proxy+}', 'ANY').methodIntegration!
    assert.equal(p.type, 'HTTP_PROXY')
    assert.equal(p.httpMethod, 'ANY')
    assert.equal(p.connectionType, 'VPC_LINK')
    assert.equal(p.connectionId, '${stageVariables.vpcLinkId}')
    assert.equal(p.uri, 'http://${stageVariables.host}/{proxy}')
    assert.deepEqual(method(api, '/proxy/{proxy+}', 'ANY').requestParameters, { 'method.request.path.proxy': true })
  })

  it('reads mock integrations and drops their httpMethod, as AWS does', () => {
    const m = method(api, '/mock', 'OPTIONS').methodIntegration!
    assert.equal(m.type, 'MOCK')
    assert.equal(m.httpMethod, undefined)
    assert.equal(m.uri, undefined)
    assert.deepEqual(m.requestTemplates, { 'application/json': '{"statusCode": 204}' })
    assert.deepEqual(m.integrationResponses['204']?.responseParameters, { 'method.response.header.Allow': "'GET'" })
  })

  it('imports without warnings when nothing was ignored', () => {
    assert.deepEqual(warnings, [])
  })

  it('resolves pseudo parameters with the default region and account', () => {
    const uri = importRest(doc).api
    const i = method(uri, '/aws', 'POST').methodIntegration!
    assert.equal(i.uri, 'arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:f/invocations')
    assert.equal(method(importRest(doc, { region: 'cn-north-1' }).api, '/aws', 'POST').methodIntegration!.uri!.slice(0, 15), 'arn:aws-cn:apig')
  })
})

describe('REST import: root extensions and validators', () => {
  const doc = {
    openapi: '3.0.1',
    info: { title: 'Extensions' },
    servers: [{ url: 'https://example.com', 'x-amazon-apigateway-endpoint-configuration': { disableExecuteApiEndpoint: true, vpcEndpointIds: ['vpce-1'] } }],
    'x-amazon-apigateway-binary-media-types': ['image/png', '*/*'],
    'x-amazon-apigateway-minimum-compression-size': 1024,
    'x-amazon-apigateway-api-key-source': 'authorizer',
    'x-amazon-apigateway-policy': { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 'execute-api:Invoke', Resource: '*' }] },
    'x-amazon-apigateway-gateway-responses': {
      DEFAULT_4XX: { responseParameters: { 'gatewayresponse.header.Access-Control-Allow-Origin': "'*'" } },
      missing_authentication_token: { statusCode: 404, responseTemplates: { 'application/json': '{"message": "$context.error.messageString"}' } },
    },
    'x-amazon-apigateway-request-validators': {
      all: { validateRequestBody: true, validateRequestParameters: true },
      params: { validateRequestParameters: true },
    },
    'x-amazon-apigateway-request-validator': 'all',
    'x-amazon-apigateway-documentation': { version: '1', documentationParts: [] },
    'x-amazon-apigateway-security-policy': 'TLS_1_2',
    paths: {
      '/a': { get: {}, post: { 'x-amazon-apigateway-request-validator': 'params' } },
    },
  }
  const { api } = importRest(doc)

  it('reads binary media types, compression size, API key source and the resource policy', () => {
    assert.deepEqual(api.binaryMediaTypes, ['image/png', '*/*'])
    assert.equal(api.minimumCompressionSize, 1024)
    assert.equal(api.apiKeySource, 'AUTHORIZER')
    assert.equal((api.policy as { Version: string }).Version, '2012-10-17')
  })

  it('reads the endpoint configuration from an OAS 3 server', () => {
    assert.equal(api.disableExecuteApiEndpoint, true)
    assert.deepEqual(api.endpointConfiguration, { types: ['EDGE'], vpcEndpointIds: ['vpce-1'] })
    const oas2 = importRest({ swagger: '2.0', info: { title: 't' }, 'x-amazon-apigateway-endpoint-configuration': { disableExecuteApiEndpoint: true }, paths: {} }).api
    assert.equal(oas2.disableExecuteApiEndpoint, true)
  })

  it('reads gateway responses, type names case-insensitively', () => {
    assert.deepEqual(api.gatewayResponses, {
      DEFAULT_4XX: { responseType: 'DEFAULT_4XX', responseParameters: { 'gatewayresponse.header.Access-Control-Allow-Origin': "'*'" }, responseTemplates: {} },
      MISSING_AUTHENTICATION_TOKEN: {
        responseType: 'MISSING_AUTHENTICATION_TOKEN',
        statusCode: '404',
        responseParameters: {},
        responseTemplates: { 'application/json': '{"message": "$context.error.messageString"}' },
      },
    })
  })

  it('creates validators and applies the root default unless an operation names its own', () => {
    const all = Object.values(api.requestValidators).find((v) => v.name === 'all')!
    const params = Object.values(api.requestValidators).find((v) => v.name === 'params')!
    assert.deepEqual(params, { id: stableId(`${ID}:validator:params`, 6), name: 'params', validateRequestBody: false, validateRequestParameters: true })
    assert.equal(method(api, '/a', 'GET').requestValidatorId, all.id)
    assert.equal(method(api, '/a', 'POST').requestValidatorId, params.id)
  })

  it('keeps every other x-amazon-apigateway-* root extension verbatim', () => {
    assert.deepEqual(api.extensions, {
      'x-amazon-apigateway-documentation': { version: '1', documentationParts: [] },
      'x-amazon-apigateway-security-policy': 'TLS_1_2',
    })
  })
})

describe('REST import: authorizers and security', () => {
  const doc = {
    openapi: '3.0.1',
    info: { title: 'Secure' },
    security: [{ tokenAuth: [] }],
    components: {
      securitySchemes: {
        tokenAuth: {
          type: 'apiKey', name: 'Authorization', in: 'header', 'x-amazon-apigateway-authtype': 'custom',
          'x-amazon-apigateway-authorizer': { type: 'TOKEN', authorizerUri: 'arn:aws:apigateway:us-east-1:lambda:path/fn', authorizerResultTtlInSeconds: 60, identityValidationExpression: '^Bearer .+' },
        },
        requestAuth: {
          type: 'apiKey', name: 'unused', in: 'header',
          'x-amazon-apigateway-authorizer': { type: 'request', authorizerUri: 'arn:aws:apigateway:us-east-1:lambda:path/fn2', identitySource: 'method.request.header.X-User, method.request.querystring.q', authorizerCredentials: 'arn:aws:iam::1:role/r' },
        },
        pool: {
          type: 'apiKey', name: 'Authorization', in: 'header', 'x-amazon-apigateway-authtype': 'cognito_user_pools',
          'x-amazon-apigateway-authorizer': { type: 'cognito_user_pools', providerARNs: ['arn:aws:cognito-idp:us-east-1:1:userpool/p'] },
        },
        sigv4: { type: 'apiKey', name: 'Authorization', in: 'header', 'x-amazon-apigateway-authtype': 'awsSigv4' },
        api_key: { type: 'apiKey', name: 'x-api-key', in: 'header' },
        oauth: { type: 'oauth2', flows: {} },
      },
    },
    paths: {
      '/default': { get: {} },
      '/request': { get: { security: [{ requestAuth: [] }] } },
      '/cognito': { get: { security: [{ pool: ['email', 'openid'] }] } },
      '/iam': { get: { security: [{ sigv4: [] }] } },
      '/key': { get: { security: [{ api_key: [] }] } },
      '/token-and-key': { get: { security: [{ tokenAuth: [], api_key: [] }] } },
      '/open': { get: { security: [] } },
      '/auth-ext': { get: { 'x-amazon-apigateway-auth': { type: 'aws_iam' } }, post: { 'x-amazon-apigateway-auth': { type: 'NONE' } } },
      '/oauth': { get: { security: [{ oauth: ['read'] }] } },
    },
  }
  const { api, warnings } = importRest(doc)
  const byName = (n: string): string => Object.values(api.authorizers).find((a) => a.name === n)!.id

  it('creates an authorizer per scheme with x-amazon-apigateway-authorizer, with stable ids and defaults', () => {
    assert.deepEqual(Object.values(api.authorizers).map((a) => a.name).sort(), ['pool', 'requestAuth', 'tokenAuth'])
    assert.deepEqual(api.authorizers[byName('tokenAuth')], {
      id: stableId(`${ID}:authorizer:tokenAuth`, 6),
      name: 'tokenAuth',
      type: 'TOKEN',
      authorizerUri: 'arn:aws:apigateway:us-east-1:lambda:path/fn',
      identitySource: 'method.request.header.Authorization',
      identityValidationExpression: '^Bearer .+',
      authorizerResultTtlInSeconds: 60,
      authType: 'custom',
    })
    const req = api.authorizers[byName('requestAuth')]!
    assert.equal(req.type, 'REQUEST')
    assert.equal(req.identitySource, 'method.request.header.X-User, method.request.querystring.q')
    assert.equal(req.authorizerCredentials, 'arn:aws:iam::1:role/r')
    assert.equal(req.authorizerResultTtlInSeconds, 300)
    const pool = api.authorizers[byName('pool')]!
    assert.equal(pool.type, 'COGNITO_USER_POOLS')
    assert.deepEqual(pool.providerARNs, ['arn:aws:cognito-idp:us-east-1:1:userpool/p'])
    assert.equal(pool.identitySource, 'method.request.header.Authorization')
  })

  it('applies root-level security to operations without their own', () => {
    const m = method(api, '/default', 'GET')
    assert.equal(m.authorizationType, 'CUSTOM')
    assert.equal(m.authorizerId, byName('tokenAuth'))
  })

  it('applies operation-level security: request, Cognito with scopes, IAM, API key', () => {
    assert.equal(method(api, '/request', 'GET').authorizerId, byName('requestAuth'))
    const cognito = method(api, '/cognito', 'GET')
    assert.equal(cognito.authorizationType, 'COGNITO_USER_POOLS')
    assert.deepEqual(cognito.authorizationScopes, ['email', 'openid'])
    assert.equal(method(api, '/iam', 'GET').authorizationType, 'AWS_IAM')
    assert.equal(method(api, '/iam', 'GET').authorizerId, undefined)
    const key = method(api, '/key', 'GET')
    assert.equal(key.authorizationType, 'NONE')
    assert.equal(key.apiKeyRequired, true)
    const both = method(api, '/token-and-key', 'GET')
    assert.equal(both.authorizationType, 'CUSTOM')
    assert.equal(both.apiKeyRequired, true)
  })

  it('treats an empty operation security list as no security', () => {
    const m = method(api, '/open', 'GET')
    assert.equal(m.authorizationType, 'NONE')
    assert.equal(m.authorizerId, undefined)
  })

  it('lets x-amazon-apigateway-auth override security', () => {
    assert.equal(method(api, '/auth-ext', 'GET').authorizationType, 'AWS_IAM')
    assert.equal(method(api, '/auth-ext', 'POST').authorizationType, 'NONE')
    assert.equal(method(api, '/auth-ext', 'POST').authorizerId, undefined)
  })

  it('warns about security schemes API Gateway cannot apply', () => {
    assert.equal(method(api, '/oauth', 'GET').authorizationType, 'NONE')
    assert.deepEqual(warnings.map((w) => w.path), ['/paths/~1oauth/get/security/0/oauth'])
  })
})

describe('REST import: a security requirement naming an undefined scheme', () => {
  // Modelled on AWS's request-validation sample, which imports on AWS: its operations name `sigv4` in
  // `security` and the document defines no scheme at all.
  const file = fileURLToPath(new URL('../fixtures/openapi/request-validation-undefined-scheme.json', import.meta.url))
  const sample = parseDefinition(readFileSync(file, 'utf8'), file)

  it('imports the operations without that authorizer, with one warning per use at its path', () => {
    const { api, warnings } = importRest(sample)
    for (const verb of ['GET', 'POST']) {
      const m = method(api, '/validation', verb)
      assert.equal(m.authorizationType, 'NONE')
      assert.equal(m.authorizerId, undefined)
      assert.equal(m.apiKeyRequired, false)
    }
    assert.deepEqual(warnings.map((w) => w.path), ['/paths/~1validation/get/security/0/sigv4', '/paths/~1validation/post/security/0/sigv4'])
    assert.match(warnings[0]!.message, /Unknown security scheme 'sigv4': it is not defined in securityDefinitions; the operation is imported without it/)
    // The rest of the document is imported as usual.
    const validators = Object.values(api.requestValidators)
    assert.deepEqual(validators.map((v) => v.name).sort(), ['all', 'params-only'])
    assert.equal(method(api, '/validation', 'POST').requestValidatorId, validators.find((v) => v.name === 'all')!.id)
    assert.deepEqual(method(api, '/validation', 'GET').requestParameters, { 'method.request.querystring.q1': true })
  })

  it('lets another scheme of the same requirement list decide', () => {
    const { api, warnings } = importRest({
      openapi: '3.0.1',
      info: { title: 'mixed' },
      security: [{ ghost: [] }],
      components: {
        securitySchemes: {
          tok: {
            type: 'apiKey', name: 'Authorization', in: 'header',
            'x-amazon-apigateway-authorizer': { type: 'token', authorizerUri: 'arn:aws:apigateway:us-east-1:lambda:path/fn' },
          },
          api_key: { type: 'apiKey', name: 'x-api-key', in: 'header' },
        },
      },
      paths: {
        '/root-level': { get: {} },
        '/then-token': { get: { security: [{ ghost: [] }, { tok: [] }] } },
        '/with-key': { get: { security: [{ ghost: [], api_key: [] }] } },
      },
    })
    assert.equal(method(api, '/root-level', 'GET').authorizationType, 'NONE')
    const token = method(api, '/then-token', 'GET')
    assert.equal(token.authorizationType, 'CUSTOM')
    assert.equal(token.authorizerId, Object.values(api.authorizers).find((a) => a.name === 'tok')!.id)
    const keyed = method(api, '/with-key', 'GET')
    assert.equal(keyed.authorizationType, 'NONE')
    assert.equal(keyed.apiKeyRequired, true)
    assert.deepEqual(warnings.map((w) => w.path).sort(), [
      '/paths/~1then-token/get/security/0/ghost',
      '/paths/~1with-key/get/security/0/ghost',
      '/security/0/ghost',
    ])
    assert.match(warnings.find((w) => w.path === '/security/0/ghost')!.message, /not defined in components\.securitySchemes/)
  })
})

describe('REST import: basepath modes', () => {
  const swagger = { swagger: '2.0', info: { title: 'b' }, basePath: '/a/b/c', paths: { '/e': { get: {} }, '/f': { get: {} } } }
  const paths = (api: RestApi): string[] => Object.values(api.resources).map((r) => r.path).sort()

  it('ignores the base path by default', () => {
    assert.deepEqual(paths(importRest(swagger).api), ['/', '/e', '/f'])
    assert.deepEqual(paths(importRest(swagger, { basepath: 'ignore' }).api), ['/', '/e', '/f'])
  })

  it('prepends the whole base path, creating the intermediate resources', () => {
    assert.deepEqual(paths(importRest(swagger, { basepath: 'prepend' }).api), ['/', '/a', '/a/b', '/a/b/c', '/a/b/c/e', '/a/b/c/f'])
  })

  it('splits off the first segment as the stage and prepends the rest', () => {
    assert.deepEqual(paths(importRest(swagger, { basepath: 'split' }).api), ['/', '/b', '/b/c', '/b/c/e', '/b/c/f'])
  })

  it('reads an OAS 3 base path from the basePath server variable first, else from servers[0].url', () => {
    const byVar = {
      openapi: '3.0.0', info: { title: 'b' },
      servers: [{ url: 'https://x.example.com/ignored' }, { url: 'https://{host}/{basePath}', variables: { host: { default: 'h' }, basePath: { default: 'v1/api' } } }],
      paths: { '/e': { get: {} } },
    }
    assert.deepEqual(paths(importRest(byVar, { basepath: 'prepend' }).api), ['/', '/v1', '/v1/api', '/v1/api/e'])
    const byUrl = { openapi: '3.0.0', info: { title: 'b' }, servers: [{ url: 'https://{host}/stage/v2/', variables: { host: { default: 'h' } } }], paths: { '/e': { get: {} } } }
    assert.deepEqual(paths(importRest(byUrl, { basepath: 'split' }).api), ['/', '/v2', '/v2/e'])
    const relative = { openapi: '3.0.0', info: { title: 'b' }, servers: [{ url: '/rel' }], paths: { '/e': { get: {} } } }
    assert.deepEqual(paths(importRest(relative, { basepath: 'prepend' }).api), ['/', '/rel', '/rel/e'])
  })
})

describe('REST import: warnings for ignored constructs', () => {
  it('lists what it ignored, each with its path, and still imports', () => {
    const { api, warnings } = importRest({
      swagger: '2.0',
      info: { title: 'w' },
      paths: {
        '/w': {
          trace: {},
          post: {
            parameters: [{ name: 'f', in: 'formData', type: 'string' }],
            responses: { default: { description: 'x' }, 200: { description: 'ok' } },
            'x-amazon-apigateway-integration': {
              type: 'mock',
              requestParameters: { 'integration.request.header.a': "'1'", 'integration.request.header.b': 5 },
              responses: { default: { statusCode: '200' }, err: { statusCode: '500' } },
            },
          },
        },
      },
      definitions: { D: { type: 'object', discriminator: 'kind', properties: { kind: { type: 'string' } } } },
    })
    assert.deepEqual(method(api, '/w', 'POST').methodIntegration?.requestParameters, { 'integration.request.header.a': "'1'" })
    assert.deepEqual(
      warnings.map((w) => w.path),
      [
        '/definitions/D/discriminator',
        '/paths/~1w/trace',
        '/paths/~1w/post/parameters/0/in',
        '/paths/~1w/post/responses/default',
        '/paths/~1w/post/x-amazon-apigateway-integration/requestParameters/integration.request.header.b',
        '/paths/~1w/post/x-amazon-apigateway-integration/responses/err',
      ],
    )
    assert.match(warnings[4]!.message, /Expected type string for property 'integration.request.header.b' of resource '\/w' and method 'POST' but got '5'/)
    assert.match(warnings[5]!.message, /500 has no matching method response/)
  })
})
