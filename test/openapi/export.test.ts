// The export's document, field by field: what each GetExport extension adds, where the document says the
// API lives, info.version, Swagger and OpenAPI 3 shapes, security scheme names, models, integration
// defaults, the HTTP API export (with and without extensions, one whole document as a golden check), the
// parameters' parsing and the JSON/YAML text.

import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { parse as parseYaml } from 'yaml'
import { importOpenApi } from '../../src/controlplane/openapi/import.js'
import { parseDefinition } from '../../src/controlplane/openapi/parse.js'
import {
  ExportError,
  exportFormatOf,
  exportHttpApi,
  exportRestApi,
  parseHttpExportSpecification,
  parseRestExportExtensions,
  parseRestExportType,
  restExportFile,
  restStageUrl,
  serializeExport,
  type JsonObject,
  type RestExportOptions,
} from '../../src/controlplane/openapi/export.js'
import type { HttpApi, RestApi } from '../../src/model/types.js'

type Obj = Record<string, any>

const CREATED = '2025-01-02T03:04:05.678Z'

const REST_DOC = `
openapi: 3.0.1
info: { title: shop, description: a shop }
x-amazon-apigateway-request-validators:
  body: { validateRequestBody: true, validateRequestParameters: false }
x-amazon-apigateway-gateway-responses:
  DEFAULT_5XX: { statusCode: '502', responseTemplates: { application/json: '{"oops": true}' } }
x-amazon-apigateway-binary-media-types: [image/png]
x-amazon-apigateway-minimum-compression-size: 0
x-amazon-apigateway-api-key-source: AUTHORIZER
x-amazon-apigateway-policy: { Version: '2012-10-17', Statement: [] }
x-amazon-apigateway-documentation: { version: '1', documentationParts: [] }
x-amazon-apigateway-security-policy: TLS_1_2
x-amazon-apigateway-endpoint-configuration: { disableExecuteApiEndpoint: true }
paths:
  /items:
    get:
      operationId: listItems
      security: [{ sigv4: [] }]
      parameters:
        - { name: q, in: query }
        - { name: page, in: query, required: true }
        - { name: X-Trace, in: header }
      responses:
        '200':
          description: items
          headers: { X-Count: { required: true, schema: { type: integer } } }
          content: { application/json: { schema: { $ref: '#/components/schemas/Items' } } }
        '500': { description: broken }
      x-amazon-apigateway-integration:
        type: HTTP
        httpMethod: GET
        uri: https://backend.example.com/items
        responses:
          '5\\d{2}': { statusCode: '500' }
          default: { statusCode: '200', responseTemplates: { text/csv: 'id' } }
    post:
      security: [{ tokens: [] }, { api_key: [] }]
      x-amazon-apigateway-request-validator: body
      requestBody:
        content:
          application/xml: { schema: { type: object, properties: { id: { type: string } } } }
          application/json: { schema: { $ref: '#/components/schemas/Item' } }
      responses: { '201': { description: made } }
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates: { application/json: '{"statusCode": 201}', text/plain: '{"statusCode": 201}' }
        responses: { default: { statusCode: '201' } }
  /items/{id}:
    x-amazon-apigateway-any-method:
      parameters: [{ name: id, in: path, required: true, schema: { type: string } }]
      x-amazon-apigateway-integration:
        type: aws_proxy
        httpMethod: POST
        uri: arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:item/invocations
        cacheKeyParameters: [method.request.path.id]
components:
  schemas:
    Item:
      $schema: http://json-schema.org/draft-04/schema#
      type: object
      properties: { id: { type: string } }
      example: { $ref: not-a-reference }
    Items: { type: array, items: { $ref: '#/components/schemas/Item' } }
  securitySchemes:
    api_key: { type: apiKey, name: x-api-key, in: header }
    sigv4: { type: apiKey, name: Authorization, in: header, x-amazon-apigateway-authtype: awsSigv4 }
    tokens:
      type: apiKey
      name: X-Token
      in: header
      x-amazon-apigateway-authorizer:
        type: token
        authorizerUri: arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:auth/invocations
        authorizerResultTtlInSeconds: 30
`

function restApi(text = REST_DOC): RestApi {
  const { api } = importOpenApi(parseDefinition(text, 'shop.yaml'), { kind: 'REST', id: 'shop000001', createdDate: CREATED })
  return api as RestApi
}

function exportRest(api: RestApi, opts: Partial<RestExportOptions> = {}): Obj {
  return exportRestApi(api, { type: 'oas30', stageName: 'prod', ...opts }) as Obj
}

/** Every key in the document that starts with `x-`, with where it is (`/paths//items/get/…`: keys joined by `/`). */
function vendorKeys(doc: unknown, path = ''): string[] {
  const out: string[] = []
  if (Array.isArray(doc)) doc.forEach((v, i) => out.push(...vendorKeys(v, `${path}/${i}`)))
  else if (typeof doc === 'object' && doc !== null) {
    for (const [k, v] of Object.entries(doc)) {
      if (k.startsWith('x-')) out.push(`${path}/${k}`)
      // Templates and schemas hold data, not extensions.
      if (k !== 'x-amazon-apigateway-integration' && k !== 'x-amazon-apigateway-authorizer') out.push(...vendorKeys(v, `${path}/${k}`))
    }
  }
  return out
}

const ROOT_SETTINGS = [
  '/x-amazon-apigateway-gateway-responses',
  '/x-amazon-apigateway-binary-media-types',
  '/x-amazon-apigateway-minimum-compression-size',
  '/x-amazon-apigateway-api-key-source',
  '/x-amazon-apigateway-policy',
  '/x-amazon-apigateway-security-policy',
]

describe('REST export: what each extension adds', () => {
  const api = restApi()

  it('none: a plain OpenAPI document; the only x- key is the ANY operation of a path', () => {
    const doc = exportRest(api)
    assert.deepEqual(vendorKeys(doc), ['/paths//items/{id}/x-amazon-apigateway-any-method'])
    // Security stays: requirements and plain apiKey schemes.
    assert.deepEqual(doc.paths['/items'].post.security, [{ tokens: [] }, { api_key: [] }])
    assert.deepEqual(doc.components.securitySchemes, {
      api_key: { type: 'apiKey', name: 'x-api-key', in: 'header' },
      sigv4: { type: 'apiKey', name: 'Authorization', in: 'header' },
      tokens: { type: 'apiKey', name: 'X-Token', in: 'header' },
    })
  })

  it('integrations: x-amazon-apigateway-integration on every method that has one, nothing else', () => {
    const doc = exportRest(api, { extensions: ['integrations'] })
    assert.deepEqual(vendorKeys(doc).sort(), [
      '/paths//items/get/x-amazon-apigateway-integration',
      '/paths//items/post/x-amazon-apigateway-integration',
      '/paths//items/{id}/x-amazon-apigateway-any-method',
      '/paths//items/{id}/x-amazon-apigateway-any-method/x-amazon-apigateway-integration',
    ])
  })

  it('authorizers: x-amazon-apigateway-authorizer and -authtype in the security schemes', () => {
    const doc = exportRest(api, { extensions: ['authorizers'] })
    assert.deepEqual(doc.components.securitySchemes.tokens, {
      type: 'apiKey',
      name: 'X-Token',
      in: 'header',
      'x-amazon-apigateway-authtype': 'custom',
      'x-amazon-apigateway-authorizer': {
        type: 'token',
        authorizerUri: 'arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:auth/invocations',
        identitySource: 'method.request.header.X-Token',
        authorizerResultTtlInSeconds: 30,
      },
    })
    assert.equal(doc.components.securitySchemes.sigv4['x-amazon-apigateway-authtype'], 'awsSigv4')
    assert.equal(doc.paths['/items'].get['x-amazon-apigateway-integration'], undefined)
    assert.equal(doc['x-amazon-apigateway-request-validators'], undefined)
  })

  it('validators: the validators at the root and each method’s own', () => {
    const doc = exportRest(api, { extensions: ['validators'] })
    assert.deepEqual(doc['x-amazon-apigateway-request-validators'], { body: { validateRequestParameters: false, validateRequestBody: true } })
    assert.equal(doc.paths['/items'].post['x-amazon-apigateway-request-validator'], 'body')
    assert.equal(doc.paths['/items'].get['x-amazon-apigateway-request-validator'], undefined)
    assert.equal(doc.components.securitySchemes.tokens['x-amazon-apigateway-authorizer'], undefined)
  })

  it('apigateway: all of them, and the API settings that differ from their defaults', () => {
    const doc = exportRest(api, { extensions: ['apigateway'] })
    const keys = vendorKeys(doc)
    for (const k of ROOT_SETTINGS) assert.ok(keys.includes(k), k)
    assert.ok(keys.includes('/x-amazon-apigateway-request-validators'))
    assert.ok(keys.includes('/paths//items/get/x-amazon-apigateway-integration'))
    assert.deepEqual(doc['x-amazon-apigateway-gateway-responses'], { DEFAULT_5XX: { statusCode: '502', responseTemplates: { 'application/json': '{"oops": true}' } } })
    assert.equal(doc['x-amazon-apigateway-minimum-compression-size'], 0)
    assert.equal(doc['x-amazon-apigateway-api-key-source'], 'AUTHORIZER')
    assert.deepEqual(doc['x-amazon-apigateway-policy'], { Version: '2012-10-17', Statement: [] })
    // OpenAPI 3 puts the endpoint configuration on the server, Swagger at the root.
    assert.deepEqual(doc.servers[0]['x-amazon-apigateway-endpoint-configuration'], { disableExecuteApiEndpoint: true })
    const swagger = exportRest(api, { type: 'swagger', extensions: ['apigateway'] })
    assert.deepEqual(swagger['x-amazon-apigateway-endpoint-configuration'], { disableExecuteApiEndpoint: true })
    // Documentation parts are not exported (AWS exports them only for a stage's documentation version).
    assert.equal(doc['x-amazon-apigateway-documentation'], undefined)
  })

  it('apigateway leaves settings at their defaults out', () => {
    const doc = exportRest(restApi('openapi: 3.0.1\ninfo: { title: t }\npaths: { /a: { get: { responses: {} } } }'), { extensions: ['apigateway'] })
    assert.deepEqual(Object.keys(doc), ['openapi', 'info', 'servers', 'paths', 'components'])
  })

  it('postman: Postman signs the IAM methods with SigV4 for the region', () => {
    const doc = exportRest(api, { extensions: ['postman'], region: 'eu-west-1' })
    assert.deepEqual(doc.paths['/items'].get['x-postman-meta'], {
      currentHelper: 'awsSigV4',
      helperAttributes: { accessKey: '{{aws_access_key_id}}', secretKey: '{{aws_secret_access_key}}', region: 'eu-west-1', service: 'execute-api', saveHelper: true },
    })
    assert.equal(doc.paths['/items'].post['x-postman-meta'], undefined)
  })

  it('extensions combine', () => {
    const doc = exportRest(api, { extensions: parseRestExportExtensions('integrations,authorizers') })
    assert.ok(doc.paths['/items'].get['x-amazon-apigateway-integration'])
    assert.ok(doc.components.securitySchemes.tokens['x-amazon-apigateway-authorizer'])
    assert.equal(doc['x-amazon-apigateway-request-validators'], undefined)
  })

  it('refuses an export type or extension it does not know', () => {
    assert.throws(() => exportRestApi(api, { type: 'openapi' as 'oas30', stageName: 'prod' }), ExportError)
    assert.throws(() => exportRestApi(api, { type: 'oas30', stageName: 'prod', extensions: ['everything' as 'apigateway'] }), ExportError)
  })
})

describe('REST export: the document around the paths', () => {
  const api = restApi()

  it('points at AWS’s host for the region, the stage as base path', () => {
    const oas = exportRest(api, { region: 'eu-west-1' })
    assert.deepEqual(oas.servers, [{ url: 'https://shop000001.execute-api.eu-west-1.amazonaws.com/{basePath}', variables: { basePath: { default: 'prod' } } }])
    const swagger = exportRest(api, { type: 'swagger' })
    assert.equal(swagger.host, 'shop000001.execute-api.us-east-1.amazonaws.com')
    assert.equal(swagger.basePath, '/prod')
    assert.deepEqual(swagger.schemes, ['https'])
  })

  it('points at the gateway itself when given its base URL', () => {
    const base = 'http://shop000001.execute-api.localhost:8080'
    assert.deepEqual(exportRest(api, { baseUrl: base }).servers[0].url, 'http://shop000001.execute-api.localhost:8080/{basePath}')
    const swagger = exportRest(api, { type: 'swagger', baseUrl: 'http://localhost:8080/gw/' })
    assert.equal(swagger.host, 'localhost:8080')
    assert.equal(swagger.basePath, '/gw/prod')
    assert.deepEqual(swagger.schemes, ['http'])
    assert.equal(restStageUrl(api, 'prod', { baseUrl: base }), `${base}/prod`)
    assert.throws(() => exportRest(api, { baseUrl: 'localhost:8080' }), ExportError)
    assert.throws(() => exportRest(api, { baseUrl: 'ftp://localhost' }), ExportError)
  })

  it('info: the API name and description; the version, or else the deployment’s date to the second', () => {
    assert.deepEqual(exportRest(api, { deployment: { createdDate: '2025-06-07T08:09:10.111Z' } }).info, { title: 'shop', description: 'a shop', version: '2025-06-07T08:09:10Z' })
    assert.equal(exportRest(api).info.version, '2025-01-02T03:04:05Z')
    assert.equal(exportRest({ ...api, version: 'v9' }, { deployment: { createdDate: '2025-06-07T08:09:10.111Z' } }).info.version, 'v9')
    assert.deepEqual(Object.keys(exportRest(api, { type: 'swagger' }).info), ['description', 'version', 'title'])
  })

  it('sorts paths, and keeps a resource without methods or children as an empty path item', () => {
    const a = restApi('openapi: 3.0.1\ninfo: { title: t }\npaths:\n  /b/c: {}\n  /a: { get: { responses: {} } }\n  /b/c/d/e: { get: { responses: {} } }')
    assert.deepEqual(Object.keys(exportRest(a).paths), ['/a', '/b/c/d/e'])
    const leaf = restApi('openapi: 3.0.1\ninfo: { title: t }\npaths:\n  /z/leaf: {}\n  /a: { get: { responses: {} } }')
    assert.deepEqual(exportRest(leaf).paths, { '/a': { get: { responses: {} } }, '/z/leaf': {} })
  })
})

describe('REST export: operations', () => {
  const api = restApi()

  it('OpenAPI 3: parameters, a request body per content type, responses with headers and content', () => {
    const paths = exportRest(api).paths
    assert.deepEqual(paths['/items'].get.parameters, [
      { name: 'q', in: 'query', schema: { type: 'string' } },
      { name: 'page', in: 'query', required: true, schema: { type: 'string' } },
      { name: 'X-Trace', in: 'header', schema: { type: 'string' } },
    ])
    assert.deepEqual(paths['/items'].get.responses, {
      '200': { description: '200 response', headers: { 'X-Count': { schema: { type: 'string' }, required: true } }, content: { 'application/json': { schema: { $ref: '#/components/schemas/Items' } } } },
      '500': { description: '500 response', content: {} },
    })
    assert.deepEqual(paths['/items'].post.requestBody, {
      content: { 'application/xml': { schema: { $ref: '#/components/schemas/PostItemsRequest' } }, 'application/json': { schema: { $ref: '#/components/schemas/Item' } } },
      required: true,
    })
    assert.equal(paths['/items'].get.operationId, 'listItems')
    assert.deepEqual(paths['/items/{id}']['x-amazon-apigateway-any-method'].parameters, [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }])
  })

  it('Swagger 2: consumes and produces, the JSON model as the body parameter, required written out', () => {
    const paths = exportRest(api, { type: 'swagger' }).paths
    const post = paths['/items'].post
    assert.deepEqual(post.consumes, ['application/xml', 'application/json', 'text/plain'])
    assert.equal(post.produces, undefined)
    assert.deepEqual(post.parameters, [{ in: 'body', name: 'Item', required: true, schema: { $ref: '#/definitions/Item' } }])
    const get = paths['/items'].get
    assert.equal(get.consumes, undefined)
    assert.deepEqual(get.produces, ['application/json', 'text/csv'])
    assert.deepEqual(get.parameters[0], { name: 'q', in: 'query', required: false, type: 'string' })
    assert.deepEqual(get.responses['200'], { description: '200 response', schema: { $ref: '#/definitions/Items' }, headers: { 'X-Count': { type: 'string' } } })
    assert.deepEqual(get.responses['500'], { description: '500 response' })
  })

  it('security: the authorizer (or sigv4) and api_key, each its own requirement', () => {
    const paths = exportRest(api).paths
    assert.deepEqual(paths['/items'].get.security, [{ sigv4: [] }])
    assert.deepEqual(paths['/items'].post.security, [{ tokens: [] }, { api_key: [] }])
    assert.equal(paths['/items/{id}']['x-amazon-apigateway-any-method'].security, undefined)
  })

  it('an authorizer named like a fixed scheme keeps its name; the fixed scheme moves aside', () => {
    const clash = restApi()
    Object.values(clash.authorizers)[0]!.name = 'sigv4'
    const doc = exportRest(clash, { extensions: ['apigateway'] })
    assert.deepEqual(doc.paths['/items'].get.security, [{ sigv4_2: [] }])
    assert.deepEqual(doc.paths['/items'].post.security, [{ sigv4: [] }, { api_key: [] }])
    assert.equal(doc.components.securitySchemes.sigv4_2['x-amazon-apigateway-authtype'], 'awsSigv4')
    assert.equal(doc.components.securitySchemes.sigv4['x-amazon-apigateway-authorizer'].type, 'token')
    const back = importOpenApi(doc, { kind: 'REST', id: clash.id, createdDate: CREATED }).api as RestApi
    const get = Object.values(back.resources).find((r) => r.path === '/items')!.resourceMethods.GET!
    assert.equal(get.authorizationType, 'AWS_IAM')
  })

  it('integrations: lower-case enums, responses keyed by selection pattern, defaults left out', () => {
    const paths = exportRest(api, { extensions: ['integrations'] }).paths
    assert.deepEqual(paths['/items'].get['x-amazon-apigateway-integration'], {
      type: 'http',
      httpMethod: 'GET',
      uri: 'https://backend.example.com/items',
      responses: { '5\\d{2}': { statusCode: '500' }, default: { statusCode: '200', responseTemplates: { 'text/csv': 'id' } } },
      passthroughBehavior: 'when_no_match',
    })
    // A cache key makes no cache namespace appear: the namespace is the resource's id, the default.
    assert.deepEqual(paths['/items/{id}']['x-amazon-apigateway-any-method']['x-amazon-apigateway-integration'].cacheKeyParameters, ['method.request.path.id'])
    assert.equal(paths['/items/{id}']['x-amazon-apigateway-any-method']['x-amazon-apigateway-integration'].cacheNamespace, undefined)
  })
})

describe('REST export: models', () => {
  it('turns model URLs back into local references and drops $schema; examples stay as they are', () => {
    const api = restApi()
    const oas = exportRest(api).components.schemas
    assert.deepEqual(oas.Items, { type: 'array', items: { $ref: '#/components/schemas/Item' } })
    assert.deepEqual(oas.Item, { type: 'object', properties: { id: { type: 'string' } }, example: { $ref: 'not-a-reference' } })
    assert.deepEqual(exportRest(api, { type: 'swagger' }).definitions.Items, { type: 'array', items: { $ref: '#/definitions/Item' } })
    // A model URL of another API (a copied schema) still names a model of this one.
    api.models.Items!.schema = { type: 'array', items: { $ref: 'https://apigateway.amazonaws.com/restapis/otherapi01/models/Item' } }
    assert.deepEqual(exportRest(api).components.schemas.Items.items, { $ref: '#/components/schemas/Item' })
  })

  it('leaves out the Empty and Error models Gatehouse adds on import, unless something refers to them', () => {
    const api = restApi()
    assert.ok(api.models.Empty && api.models.Error)
    assert.deepEqual(Object.keys(exportRest(api).components.schemas), ['Item', 'Items', 'PostItemsRequest'])
    api.resources[api.rootResourceId]!.resourceMethods.GET = {
      httpMethod: 'GET',
      authorizationType: 'NONE',
      apiKeyRequired: false,
      requestParameters: {},
      requestModels: {},
      methodResponses: { '200': { statusCode: '200', responseParameters: {}, responseModels: { 'application/json': 'Empty' } } },
    }
    const schemas = exportRest(api).components.schemas
    assert.deepEqual(schemas.Empty, { title: 'Empty Schema', type: 'object' })
    assert.equal(schemas.Error, undefined)
  })

  it('writes components even when there is nothing in it, and Swagger no definitions', () => {
    const api = restApi('openapi: 3.0.1\ninfo: { title: t }\npaths: { /a: { get: { responses: {} } } }')
    assert.deepEqual(exportRest(api).components, {})
    assert.equal(exportRest(api, { type: 'swagger' }).definitions, undefined)
  })
})

describe('REST export is pure', () => {
  it('does not change the API and shares no object with it', () => {
    const api = restApi()
    const before = structuredClone(api)
    const doc = exportRest(api, { extensions: ['apigateway', 'postman'] })
    assert.deepEqual(api, before)
    // Scribbling over the document leaves the API alone.
    const scribble = (v: unknown): void => {
      if (Array.isArray(v)) {
        v.forEach(scribble)
        v.push('x')
      } else if (typeof v === 'object' && v !== null) {
        for (const x of Object.values(v)) scribble(x)
        ;(v as Obj).scribbled = true
      }
    }
    scribble(doc)
    assert.deepEqual(api, before)
  })
})

// ---------------------------------------------------------------------------------------------------

const HTTP_DOC = `
openapi: 3.0.1
info: { title: flights }
x-amazon-apigateway-cors: { allowOrigins: ['*'], allowMethods: [GET] }
tags: [{ name: owner, x-amazon-apigateway-tag-value: ops }]
paths:
  /flights/{id}:
    get:
      security: [{ jwt: [read] }]
      x-amazon-apigateway-integration: { type: http_proxy, httpMethod: GET, uri: 'https://backend.example.com/flights/{id}', payloadFormatVersion: '1.0' }
  /files/{path+}:
    delete:
      security: [{ iam: [] }]
      x-amazon-apigateway-integration: { type: aws_proxy, httpMethod: POST, uri: 'arn:aws:lambda:us-east-1:000000000000:function:files' }
  /$default:
    x-amazon-apigateway-any-method:
      isDefaultRoute: true
      x-amazon-apigateway-integration: { type: aws_proxy, httpMethod: POST, uri: 'arn:aws:lambda:us-east-1:000000000000:function:rest' }
components:
  securitySchemes:
    iam: { type: apiKey, name: Authorization, in: header, x-amazon-apigateway-authtype: awsSigv4 }
    jwt:
      type: oauth2
      x-amazon-apigateway-authorizer: { type: jwt, jwtConfiguration: { issuer: 'https://issuer.example.com', audience: [flights] } }
`

function httpApi(text = HTTP_DOC): HttpApi {
  return importOpenApi(parseDefinition(text, 'flights.yaml'), { kind: 'HTTP', id: 'flights001', createdDate: CREATED }).api as HttpApi
}

describe('HTTP API export', () => {
  it('with extensions (the default): integrations, authorizers, CORS, tags, the import/export version', () => {
    const doc = exportHttpApi(httpApi(), { stageName: 'live' }) as Obj
    assert.deepEqual(doc.servers, [{ url: 'https://flights001.execute-api.us-east-1.amazonaws.com/{basePath}', variables: { basePath: { default: 'live' } } }])
    assert.deepEqual(doc.info, { title: 'flights', version: '2025-01-02 03:04:05UTC' })
    assert.deepEqual(doc.tags, [{ name: 'owner', 'x-amazon-apigateway-tag-value': 'ops' }])
    assert.deepEqual(doc['x-amazon-apigateway-cors'], { allowOrigins: ['*'], allowMethods: ['GET'] })
    assert.equal(doc['x-amazon-apigateway-importexport-version'], '1.0')
    assert.deepEqual(Object.keys(doc.paths), ['/$default', '/files/{path+}', '/flights/{id}'])
    assert.deepEqual(doc.paths['/$default']['x-amazon-apigateway-any-method'], {
      isDefaultRoute: true,
      responses: { default: { description: 'Default response for $default' } },
      'x-amazon-apigateway-integration': {
        type: 'aws_proxy',
        httpMethod: 'POST',
        uri: 'arn:aws:lambda:us-east-1:000000000000:function:rest',
        payloadFormatVersion: '2.0',
        connectionType: 'INTERNET',
        timeoutInMillis: 30000,
      },
    })
    const get = doc.paths['/flights/{id}'].get
    assert.deepEqual(get.parameters, [{ name: 'id', in: 'path', description: 'Generated path parameter for id', required: true, schema: { type: 'string' } }])
    assert.deepEqual(get.security, [{ jwt: ['read'] }])
    assert.deepEqual(doc.paths['/files/{path+}'].delete.parameters[0].name, 'path+')
    // The IAM scheme is named as the export names it, not as the document did: AWS keeps no scheme names.
    assert.deepEqual(doc.paths['/files/{path+}'].delete.security, [{ sigv4: [] }])
    assert.deepEqual(doc.components.securitySchemes, {
      sigv4: { type: 'apiKey', name: 'Authorization', in: 'header', 'x-amazon-apigateway-authtype': 'awsSigv4' },
      jwt: {
        type: 'oauth2',
        flows: {},
        'x-amazon-apigateway-authorizer': { type: 'jwt', identitySource: '$request.header.Authorization', jwtConfiguration: { issuer: 'https://issuer.example.com', audience: ['flights'] } },
      },
    })
  })

  it('without extensions: a plain document (ANY operations and the $default route stay)', () => {
    const doc = exportHttpApi(httpApi(), { includeExtensions: false }) as Obj
    assert.deepEqual(vendorKeys(doc), ['/paths//$default/x-amazon-apigateway-any-method'])
    assert.deepEqual(doc.components.securitySchemes, { sigv4: { type: 'apiKey', name: 'Authorization', in: 'header' }, jwt: { type: 'oauth2', flows: {} } })
    assert.equal(doc.tags, undefined)
    // No stage: the latest configuration, served without a stage prefix.
    assert.equal(doc.servers[0].variables.basePath.default, '')
  })

  it('takes the version from the API, or the deployment, and the $default stage as an empty base path', () => {
    const api = httpApi()
    assert.equal((exportHttpApi({ ...api, version: '2.1' }) as Obj).info.version, '2.1')
    const doc = exportHttpApi(api, { stageName: '$default', deployment: { createdDate: '2025-12-31T23:59:59.999Z' }, baseUrl: 'http://localhost:8080' }) as Obj
    assert.equal(doc.info.version, '2025-12-31 23:59:59UTC')
    assert.deepEqual(doc.servers, [{ url: 'http://localhost:8080/{basePath}', variables: { basePath: { default: '' } } }])
  })

  it('refuses an export version other than 1.0', () => {
    assert.throws(() => exportHttpApi(httpApi(), { exportVersion: '2.0' }), ExportError)
    assert.doesNotThrow(() => exportHttpApi(httpApi(), { exportVersion: '1.0' }))
  })

  it('golden: the bundled example HTTP API, whole', () => {
    const text = readFileSync(new URL('../../examples/pets-http.yaml', import.meta.url), 'utf8')
    const api = importOpenApi(parseDefinition(text, 'pets-http.yaml'), { kind: 'HTTP', id: 'petshttp01', createdDate: CREATED }).api as HttpApi
    const integration = (type: string, httpMethod: string, uri: string, payloadFormatVersion: string) => ({ type, httpMethod, uri, payloadFormatVersion, connectionType: 'INTERNET', timeoutInMillis: 30000 })
    assert.deepEqual(exportHttpApi(api, { stageName: '$default' }), {
      openapi: '3.0.1',
      info: { title: 'pets-http', description: 'An HTTP API that proxies to the REST API next to it, through a stage variable.', version: '1.0' },
      servers: [{ url: 'https://petshttp01.execute-api.us-east-1.amazonaws.com/{basePath}', variables: { basePath: { default: '' } } }],
      paths: {
        '/hello': {
          get: {
            responses: { default: { description: 'Default response for GET /hello' } },
            'x-amazon-apigateway-integration': integration('aws_proxy', 'POST', 'arn:aws:lambda:us-east-1:000000000000:function:hello', '2.0'),
          },
        },
        '/pets': {
          get: {
            responses: { default: { description: 'Default response for GET /pets' } },
            'x-amazon-apigateway-integration': integration('http_proxy', 'GET', '${stageVariables.restApi}/pets', '1.0'),
          },
        },
        '/pets/{petId}': {
          get: {
            parameters: [{ name: 'petId', in: 'path', description: 'Generated path parameter for petId', required: true, schema: { type: 'string' } }],
            responses: { default: { description: 'Default response for GET /pets/{petId}' } },
            'x-amazon-apigateway-integration': integration('http_proxy', 'GET', '${stageVariables.restApi}/pets/{petId}', '1.0'),
          },
        },
      },
      components: {},
      'x-amazon-apigateway-importexport-version': '1.0',
    })
  })
})

// ---------------------------------------------------------------------------------------------------

describe('export parameters', () => {
  it('extensions: a comma-separated list, blanks and case ignored, `integration` read as `integrations`', () => {
    assert.deepEqual(parseRestExportExtensions(undefined), new Set())
    assert.deepEqual(parseRestExportExtensions(''), new Set())
    assert.deepEqual(parseRestExportExtensions(' integrations , Authorizers,'), new Set(['integrations', 'authorizers']))
    assert.deepEqual(parseRestExportExtensions('integration'), new Set(['integrations']))
    assert.deepEqual(parseRestExportExtensions('apigateway,postman,validators'), new Set(['apigateway', 'postman', 'validators']))
    assert.throws(() => parseRestExportExtensions('integrations,swagger'), (e: unknown) => e instanceof ExportError && e.code === 'BadRequestException' && /'swagger'/.test(e.message))
  })

  it('specification: OAS30 only', () => {
    assert.equal(parseHttpExportSpecification('OAS30'), 'OAS30')
    assert.throws(() => parseHttpExportSpecification('OAS31'), ExportError)
  })

  it('export type: oas30 or swagger', () => {
    assert.equal(parseRestExportType('oas30'), 'oas30')
    assert.equal(parseRestExportType('swagger'), 'swagger')
    assert.throws(() => parseRestExportType('openapi'), ExportError)
  })

  it('format: from the Accept header or ExportApi’s outputType, JSON by default', () => {
    assert.equal(exportFormatOf(undefined), 'json')
    assert.equal(exportFormatOf('application/json; charset=utf-8'), 'json')
    assert.equal(exportFormatOf('*/*'), 'json')
    assert.equal(exportFormatOf('application/yaml'), 'yaml')
    assert.equal(exportFormatOf('YAML'), 'yaml')
    assert.equal(exportFormatOf('JSON'), 'json')
    assert.throws(() => exportFormatOf('text/html'), ExportError)
  })
})

describe('export text', () => {
  const doc: JsonObject = {
    swagger: '2.0',
    info: { version: '2025-01-02T03:04:05Z', title: 'yes' },
    paths: { '/a': { get: { responses: { '200': { description: 'ok' } } } } },
    shared: [{ same: 1 }],
    again: null,
    long: 'x'.repeat(300),
    template: '#set($a = 1)\n{"a": $a}\n',
  }
  doc.again = doc.shared

  it('YAML reads back the same under YAML 1.2 (our importer) and 1.1, with no aliases and no folded lines', () => {
    const text = serializeExport(doc, 'yaml')
    const plain = JSON.parse(JSON.stringify(doc)) as unknown
    assert.deepEqual(parseDefinition(text), plain)
    assert.deepEqual(parseYaml(text, { version: '1.1' }), plain)
    assert.match(text, /^swagger: "2\.0"$/m)
    assert.match(text, /version: "2025-01-02T03:04:05Z"/)
    assert.match(text, /title: "yes"/)
    assert.doesNotMatch(text, /[&*]a\d/)
    assert.ok(text.split('\n').some((l) => l.endsWith('x'.repeat(300))))
  })

  it('JSON is indented and parses back', () => {
    const text = serializeExport(doc, 'json')
    assert.deepEqual(JSON.parse(text), JSON.parse(JSON.stringify(doc)))
    assert.match(text, /^\{\n {2}"swagger": "2\.0",/)
  })

  it('GetExport’s file: octet-stream, named after the type and info.version', () => {
    const file = restExportFile(doc, 'swagger', 'yaml')
    assert.equal(file.contentType, 'application/octet-stream')
    assert.equal(file.contentDisposition, 'attachment; filename="swagger_2025-01-02T03:04:05Z.yaml"')
    assert.deepEqual(parseDefinition(file.body), JSON.parse(JSON.stringify(doc)))
    assert.equal(restExportFile({ info: { version: '1.0.0' } }, 'oas30', 'json').contentDisposition, 'attachment; filename="oas30_1.0.0.json"')
  })
})
