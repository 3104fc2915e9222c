// The round trip: import → export (extensions=apigateway; includeExtensions for HTTP APIs) → text → import
// again gives the same model, over every OpenAPI document the repository has (LocalStack's definitions,
// test/fixtures/openapi, examples/, the golden configs' inline definitions) and two documents that use every
// feature the export writes. The deployed configs are also compiled before and after: the same routing table
// and the same compiled steps and integrations, so the data plane answers the same.

import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync, readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { importOpenApi } from '../../src/controlplane/openapi/import.js'
import { parseDefinition } from '../../src/controlplane/openapi/parse.js'
import { exportHttpApi, exportRestApi, serializeExport, type ExportFormat, type RestExportType } from '../../src/controlplane/openapi/export.js'
import { loadDesiredState } from '../../src/controlplane/config/desired.js'
import type { Api, HttpApi, Method, RestApi } from '../../src/model/types.js'
import { describeCompiled, type Compilable } from '../compile-plan.js'

const CREATED = '2025-03-01T10:20:30.456Z'
const DEPLOYED = '2025-03-02T08:00:00.789Z'

/**
 * What an export cannot carry, or carries differently on purpose; everything else must come back equal.
 * Applied to the original, it says what the re-import must be:
 *
 * - `createdDate`: set by the import (both imports here are given the same date).
 * - `version`: an API without one is exported with the deployment's date as info.version, which the
 *   re-import reads as the version.
 * - REST `endpointConfiguration.types`: not part of OpenAPI; AWS takes it from the import request
 *   (`endpointConfigurationTypes`), and so does a re-import.
 * - REST `tags`: REST imports do not read tags, so the export writes none.
 * - REST `extensions['x-amazon-apigateway-documentation']`: AWS exports documentation only for a stage's
 *   documentation version, which Gatehouse does not have (the recorded export of petstore-swagger.json
 *   has none).
 * - HTTP `extensions['x-amazon-apigateway-importexport-version']`: every export with extensions adds it.
 * - REST `authType` of an authorizer imported without `x-amazon-apigateway-authtype`: exported as `custom`
 *   (`cognito_user_pools` for Cognito), AWS's own names; it is a label with no effect.
 * - model `$schema` (top level), `contentType` and `description`: OpenAPI schema objects have no
 *   `$schema`; every model read from `components.schemas`/`definitions` is an `application/json` model;
 *   the import takes a model's description from its schema's, so a description that is not the schema's
 *   (Gatehouse's default Empty and Error models, or one set through the admin API) comes back as the
 *   schema's. None of the three is used by validation.
 * - Swagger 2.0 only: an operation has one body schema and one schema per response, for all its
 *   `consumes`/`produces` types, and response headers have no `required` flag (see swaggerView).
 */
function expectedBack(original: Api, back: Api, type: RestExportType | 'http'): Api {
  const want = structuredClone(original) as Api
  want.createdDate = back.createdDate
  if (original.version === undefined && back.version !== undefined) want.version = back.version
  if (want.kind === 'REST' && back.kind === 'REST') {
    want.endpointConfiguration.types = [...back.endpointConfiguration.types]
    want.tags = { ...back.tags }
    delete want.extensions['x-amazon-apigateway-documentation']
    for (const a of Object.values(want.authorizers)) a.authType ??= a.type === 'COGNITO_USER_POOLS' ? 'cognito_user_pools' : 'custom'
    if (type === 'swagger') swaggerView(want)
  } else if (want.kind === 'HTTP') {
    want.extensions['x-amazon-apigateway-importexport-version'] = '1.0'
  }
  return want
}

/** Model fields that no OpenAPI document carries (see above), cleared on both sides. */
function withoutModelMeta(api: Api): Api {
  const out = structuredClone(api)
  if (out.kind === 'REST') {
    for (const m of Object.values(out.models)) {
      delete m.schema.$schema
      m.contentType = 'application/json'
      if (typeof m.schema.description === 'string') m.description = m.schema.description
      else delete m.description
    }
  }
  return out
}

/** A Swagger 2.0 operation's models: one body model for every consumes type, one per response for every produces type. */
function swaggerView(api: RestApi): void {
  const single = (models: Record<string, string>) => models['application/json'] ?? Object.values(models)[0]
  for (const r of Object.values(api.resources)) {
    for (const m of Object.values(r.resourceMethods) as Method[]) {
      const body = single(m.requestModels)
      if (body !== undefined) {
        const consumes = new Set([...Object.keys(m.requestModels), ...Object.keys(m.methodIntegration?.requestTemplates ?? {})])
        m.requestModels = Object.fromEntries([...consumes].map((ct) => [ct, body]))
      }
      const produces = new Set<string>()
      for (const mr of Object.values(m.methodResponses)) {
        for (const ct of Object.keys(mr.responseModels)) produces.add(ct)
        for (const ct of Object.keys(m.methodIntegration?.integrationResponses[mr.statusCode]?.responseTemplates ?? {})) produces.add(ct)
      }
      for (const mr of Object.values(m.methodResponses)) {
        const model = single(mr.responseModels)
        if (model !== undefined) mr.responseModels = Object.fromEntries([...produces].map((ct) => [ct, model]))
        for (const k of Object.keys(mr.responseParameters)) mr.responseParameters[k] = false
      }
    }
  }
}

/** Exports, writes as text, reads and imports again under the same id. */
function roundTrip(api: Api, type: RestExportType | 'http', format: ExportFormat, stageName = 'dev'): { back: Api; text: string } {
  const doc =
    api.kind === 'REST'
      ? exportRestApi(api, { type: type as RestExportType, stageName, extensions: ['apigateway'], deployment: { createdDate: DEPLOYED } })
      : exportHttpApi(api, { stageName, includeExtensions: true, deployment: { createdDate: DEPLOYED } })
  const text = serializeExport(doc, format)
  const { api: back } = importOpenApi(parseDefinition(text, `export.${format}`), { kind: api.kind, id: api.id, createdDate: api.createdDate })
  return { back, text }
}

function assertRoundTrip(api: Api, label: string): void {
  const types: Array<RestExportType | 'http'> = api.kind === 'REST' ? ['oas30', 'swagger'] : ['http']
  for (const type of types) {
    for (const format of ['json', 'yaml'] as const) {
      const { back, text } = roundTrip(api, type, format)
      assert.deepEqual(withoutModelMeta(back), withoutModelMeta(expectedBack(api, back, type)), `${label}: ${type} ${format} round trip\n${text.slice(0, 4000)}`)
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// Every definition file of the repository

const LOCALSTACK = new URL('../fixtures/aws/localstack/api-definitions/', import.meta.url)
const FILL: Record<string, string> = {
  '${uri}': 'http://petstore.execute-api.us-east-1.amazonaws.com/petstore/pets',
  '${lambda_invocation_arn}': 'arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:fn/invocations',
  '${authorizer_lambda_invocation_arn}': 'arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:auth/invocations',
  '${cognito_pool_arn}': 'arn:aws:cognito-idp:us-east-1:111111111111:userpool/us-east-1_ABC123',
  '${credentials}': 'arn:aws:iam::000000000000:role/invoker',
}

function definitionFiles(): Array<{ label: string; url: URL; fill: boolean }> {
  const out: Array<{ label: string; url: URL; fill: boolean }> = []
  const add = (dir: URL, rel: string, fill: boolean) => {
    for (const f of readdirSync(dir).filter((n) => /\.(json|ya?ml)$/.test(n)).sort()) out.push({ label: `${rel}${f}`, url: new URL(f, dir), fill })
  }
  add(LOCALSTACK, 'test/fixtures/aws/localstack/api-definitions/', true)
  add(new URL('../fixtures/openapi/', import.meta.url), 'test/fixtures/openapi/', false)
  const examples = new URL('../../examples/', import.meta.url)
  for (const f of ['pets-rest.yaml', 'pets-http.yaml']) out.push({ label: `examples/${f}`, url: new URL(f, examples), fill: false })
  return out
}

function importFile(url: URL, fill: boolean, kind: 'REST' | 'HTTP', basepath?: 'prepend' | 'split'): Api | undefined {
  let text = readFileSync(url, 'utf8')
  if (fill) for (const [k, v] of Object.entries(FILL)) text = text.split(k).join(v)
  try {
    return importOpenApi(parseDefinition(text, url.pathname), { kind, id: 'rtrip00001', createdDate: CREATED, ...(basepath ? { basepath } : {}) }).api
  } catch {
    return undefined
  }
}

describe('import → export → import gives the same API, for every definition file', () => {
  const files = definitionFiles()
  it('finds the files', () => assert.ok(files.length >= 23, `${files.length} files`))
  for (const { label, url, fill } of files) {
    it(label, () => {
      let imported = 0
      for (const kind of ['REST', 'HTTP'] as const) {
        // Most files are REST documents; those that also import as HTTP APIs are checked as both.
        const api = importFile(url, fill, kind)
        if (api === undefined) continue
        imported++
        assertRoundTrip(api, `${label} as ${kind}`)
      }
      assert.ok(imported > 0, `${label} imports as a REST or an HTTP API`)
    })
  }
  it('documents imported with a base path (prepend, split) keep their resources', () => {
    for (const f of ['swagger.json', 'openapi-basepath-server-variable.yaml', 'openapi-basepath-url.yaml']) {
      for (const mode of ['prepend', 'split'] as const) assertRoundTrip(importFile(new URL(f, LOCALSTACK), true, 'REST', mode)!, `${f} basepath=${mode}`)
    }
  })
})

// ---------------------------------------------------------------------------------------------------
// Documents that use every feature

const RICH_REST = `
openapi: 3.0.1
info: { title: rich, description: every feature a REST export writes, version: '7' }
x-amazon-apigateway-request-validators:
  all: { validateRequestBody: true, validateRequestParameters: true }
  params: { validateRequestBody: false, validateRequestParameters: true }
x-amazon-apigateway-request-validator: params
x-amazon-apigateway-gateway-responses:
  DEFAULT_4XX:
    responseParameters: { gatewayresponse.header.Access-Control-Allow-Origin: "'*'" }
    responseTemplates: { application/json: '{"message": $context.error.messageString}' }
  THROTTLED: { statusCode: '503' }
x-amazon-apigateway-binary-media-types: [image/png, '*/*']
x-amazon-apigateway-minimum-compression-size: 1024
x-amazon-apigateway-api-key-source: AUTHORIZER
x-amazon-apigateway-policy:
  Version: '2012-10-17'
  Statement: [{ Effect: Allow, Principal: '*', Action: 'execute-api:Invoke', Resource: 'execute-api:/*' }]
x-amazon-apigateway-security-policy: TLS_1_2
servers:
  - url: https://example.com/{basePath}
    variables: { basePath: { default: v1 } }
    x-amazon-apigateway-endpoint-configuration: { disableExecuteApiEndpoint: true, vpcEndpointIds: [vpce-0123456789abcdef0] }
paths:
  /:
    options:
      responses:
        '200':
          description: preflight
          headers: { Access-Control-Allow-Origin: { schema: { type: string } } }
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates: { application/json: '{"statusCode": 200}' }
        responses: { default: { statusCode: '200', responseParameters: { method.response.header.Access-Control-Allow-Origin: "'*'" } } }
  /pets:
    get:
      operationId: listPets
      security: [{ pool: [email, openid] }, { api_key: [] }]
      parameters:
        - { name: limit, in: query, required: true, schema: { type: integer } }
        - { name: X-Trace, in: header }
      responses:
        '200':
          description: ok
          headers: { X-Total: { required: true, schema: { type: integer } }, X-Page: { schema: { type: integer } } }
          content: { application/json: { schema: { $ref: '#/components/schemas/Pets' } } }
        '404':
          description: none
          content: { application/json: { schema: { $ref: '#/components/schemas/Error' } } }
      x-amazon-apigateway-integration:
        type: http
        httpMethod: GET
        uri: https://backend.example.com/pets
        connectionType: VPC_LINK
        connectionId: abc123
        timeoutInMillis: 5000
        cacheNamespace: petsns
        cacheKeyParameters: [method.request.querystring.limit]
        requestParameters: { integration.request.header.X-Trace: method.request.header.X-Trace }
        tlsConfig: { insecureSkipVerification: true }
        responses:
          '4\\d{2}': { statusCode: '404', responseTemplates: { application/json: '{"error": true}' } }
          default: { statusCode: '200', responseParameters: { method.response.header.X-Total: integration.response.header.X-Total } }
    post:
      security: [{ sigv4: [] }]
      x-amazon-apigateway-request-validator: all
      requestBody:
        required: true
        content:
          application/json: { schema: { $ref: '#/components/schemas/Pet' } }
          application/xml: { schema: { type: object, properties: { name: { type: string } } } }
      responses:
        '201':
          description: created
          content: { application/json: { schema: { type: object, properties: { id: { type: integer } } } } }
      x-amazon-apigateway-integration:
        type: aws
        httpMethod: POST
        uri: arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:create/invocations
        credentials: arn:aws:iam::000000000000:role/invoker
        passthroughBehavior: never
        contentHandling: CONVERT_TO_TEXT
        requestTemplates: { application/json: '{"body": $input.json(''$'')}', application/xml: '<pet/>' }
        responses:
          default: { statusCode: '201', contentHandling: CONVERT_TO_BINARY, responseTemplates: { text/plain: 'created' } }
  /pets/{petId}:
    x-amazon-apigateway-any-method:
      security: [{ token: [] }]
      parameters: [{ name: petId, in: path, required: true, schema: { type: string } }]
      x-amazon-apigateway-integration:
        type: aws_proxy
        httpMethod: POST
        uri: arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:pet/invocations
        responseTransferMode: STREAM
    delete:
      security: [{ request: [] }]
      x-amazon-apigateway-auth: { type: NONE }
      responses: { '204': { description: gone } }
      x-amazon-apigateway-integration:
        type: mock
        passthroughBehavior: when_no_templates
        requestTemplates: { application/json: '{"statusCode": 204}' }
        responses: { default: { statusCode: '204' } }
    patch:
      security: [{ request: [] }]
      x-amazon-apigateway-request-validator: all
      requestBody: { content: { application/json: { schema: { $ref: '#/components/schemas/Owner' } } } }
      responses: { '200': { description: patched } }
  /files/{proxy+}:
    get:
      security: [{ sigv4: [] }, { api_key: [] }]
      x-amazon-apigateway-integration:
        type: http_proxy
        httpMethod: GET
        uri: 'https://files.example.com/{proxy}'
        requestParameters: { integration.request.path.proxy: method.request.path.proxy }
        tlsConfig: {}
  /empty/leaf: {}
components:
  schemas:
    Pet:
      type: object
      description: a pet
      required: [name]
      properties:
        name: { type: string, minLength: 1 }
        owner: { $ref: '#/components/schemas/Owner' }
        tags: { type: array, items: { type: string } }
    Owner:
      type: object
      properties: { pets: { type: array, items: { $ref: '#/components/schemas/Pet' } } }
    Pets: { type: array, items: { $ref: '#/components/schemas/Pet' } }
    Error:
      $schema: http://json-schema.org/draft-04/schema#
      type: object
      properties: { message: { type: string, default: none } }
  securitySchemes:
    api_key: { type: apiKey, name: x-api-key, in: header }
    sigv4: { type: apiKey, name: Authorization, in: header, x-amazon-apigateway-authtype: awsSigv4 }
    token:
      type: apiKey
      name: X-Token
      in: header
      x-amazon-apigateway-authtype: oauth2
      x-amazon-apigateway-authorizer:
        type: token
        authorizerUri: arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:token/invocations
        authorizerCredentials: arn:aws:iam::000000000000:role/authorizer
        identityValidationExpression: '^Bearer .+$'
        authorizerResultTtlInSeconds: 60
    request:
      type: apiKey
      name: Unused
      in: header
      x-amazon-apigateway-authorizer:
        type: request
        authorizerUri: arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:req/invocations
        identitySource: method.request.header.X-Tenant, method.request.querystring.user
        authorizerResultTtlInSeconds: 0
    pool:
      type: apiKey
      name: Authorization
      in: header
      x-amazon-apigateway-authtype: cognito_user_pools
      x-amazon-apigateway-authorizer:
        type: cognito_user_pools
        providerARNs: [arn:aws:cognito-idp:us-east-1:000000000000:userpool/us-east-1_rich]
    spare:
      type: apiKey
      name: X-Spare
      in: header
      x-amazon-apigateway-authorizer:
        type: token
        authorizerUri: arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:spare/invocations
`

const RICH_HTTP = `
openapi: 3.0.1
info: { title: rich-http, description: every feature an HTTP API export writes, version: '3' }
servers:
  - url: https://example.com/{basePath}
    variables: { basePath: { default: '' } }
    x-amazon-apigateway-endpoint-configuration: { disableExecuteApiEndpoint: true }
tags:
  - { name: team, x-amazon-apigateway-tag-value: pets }
  - { name: documentation-only }
x-amazon-apigateway-cors:
  allowOrigins: [https://app.example.com]
  allowCredentials: true
  exposeHeaders: [X-Total]
  maxAge: 600
  allowMethods: [GET, POST]
  allowHeaders: [authorization, content-type]
paths:
  /pets:
    get:
      operationId: listPets
      security: [{ jwt: [pets.read, pets.write] }]
      x-amazon-apigateway-integration:
        type: http_proxy
        httpMethod: GET
        uri: https://backend.example.com/pets
        payloadFormatVersion: '1.0'
        timeoutInMillis: 10000
        requestParameters: { 'append:header.x-from': gateway, 'overwrite:querystring.limit': '10' }
        responseParameters:
          '200': { 'append:header.x-served-by': gatehouse }
          '404': { 'overwrite:statuscode': '410' }
        tlsConfig: { serverNameToVerify: backend.example.com }
    post:
      security: [{ lambda: [] }]
      x-amazon-apigateway-integration: { type: aws_proxy, httpMethod: POST, uri: 'arn:aws:lambda:us-east-1:000000000000:function:create', payloadFormatVersion: '1.0' }
  /pets/{petId}:
    get:
      security: [{ sigv4: [] }]
      parameters: [{ name: petId, in: path, required: true, schema: { type: string } }]
      x-amazon-apigateway-integration: { type: aws_proxy, httpMethod: POST, uri: 'arn:aws:lambda:us-east-1:000000000000:function:create', payloadFormatVersion: '1.0' }
  /queue:
    post:
      x-amazon-apigateway-integration:
        type: aws_proxy
        integrationSubtype: SQS-SendMessage
        credentials: arn:aws:iam::000000000000:role/sqs
        requestParameters: { QueueUrl: 'https://sqs.us-east-1.amazonaws.com/000000000000/pets', MessageBody: $request.body }
        payloadFormatVersion: '1.0'
  /files/{proxy+}:
    x-amazon-apigateway-any-method:
      x-amazon-apigateway-integration: { type: http_proxy, httpMethod: ANY, uri: 'https://files.example.com/{proxy}', connectionType: VPC_LINK, connectionId: vl1234, payloadFormatVersion: '1.0' }
  /$default:
    x-amazon-apigateway-any-method:
      isDefaultRoute: true
      x-amazon-apigateway-integration: { type: aws_proxy, httpMethod: POST, uri: 'arn:aws:lambda:us-east-1:000000000000:function:fallback' }
  /open:
    get: { operationId: noIntegration }
components:
  securitySchemes:
    jwt:
      type: oauth2
      flows: {}
      x-amazon-apigateway-authorizer:
        type: jwt
        identitySource: $request.header.Authorization
        jwtConfiguration: { issuer: 'https://issuer.example.com', audience: [app-a, app-b] }
    lambda:
      type: apiKey
      name: X-Key
      in: header
      x-amazon-apigateway-authtype: custom
      x-amazon-apigateway-authorizer:
        type: request
        authorizerUri: arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:auth/invocations
        identitySource: '$request.header.X-Key,$request.querystring.tenant'
        authorizerPayloadFormatVersion: '2.0'
        enableSimpleResponses: true
        authorizerResultTtlInSeconds: 120
    lambda-v1:
      type: apiKey
      name: Authorization
      in: header
      x-amazon-apigateway-authorizer:
        type: request
        authorizerUri: arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:auth1/invocations
        authorizerPayloadFormatVersion: '1.0'
    sigv4: { type: apiKey, name: Authorization, in: header, x-amazon-apigateway-authtype: awsSigv4 }
`

describe('import → export → import over documents that use every feature', () => {
  it('a REST API: every authorizer kind, validators, gateway responses, API settings, integration fields, models', () => {
    const { api, warnings } = importOpenApi(parseDefinition(RICH_REST, 'rich.yaml'), { kind: 'REST', id: 'richrest01', createdDate: CREATED })
    assert.deepEqual(warnings, [])
    const rest = api as RestApi
    // The document does use what it is meant to exercise.
    assert.equal(Object.keys(rest.authorizers).length, 4)
    assert.equal(rest.apiKeySource, 'AUTHORIZER')
    assert.equal(rest.disableExecuteApiEndpoint, true)
    assert.ok(Object.values(rest.resources).some((r) => r.path === '/empty/leaf'))
    assertRoundTrip(api, 'rich REST')
  })

  it('an HTTP API: JWT, Lambda and IAM authorization, CORS, tags, the $default route, every integration field', () => {
    const { api, warnings } = importOpenApi(parseDefinition(RICH_HTTP, 'rich-http.yaml'), { kind: 'HTTP', id: 'richhttp01', createdDate: CREATED })
    assert.deepEqual(warnings, [])
    const http = api as HttpApi
    assert.ok(Object.values(http.routes).some((r) => r.routeKey === '$default'))
    assert.deepEqual(http.tags, { team: 'pets' })
    // Equal integrations share one id; the round trip must keep them shared.
    assert.equal(Object.keys(http.integrations).length, 5)
    assertRoundTrip(api, 'rich HTTP')
  })

  it('an API whose integrations, models and settings were changed after import (as the admin API may)', () => {
    const api = importOpenApi(parseDefinition(RICH_REST, 'rich.yaml'), { kind: 'REST', id: 'richrest02', createdDate: CREATED }).api as RestApi
    const pets = Object.values(api.resources).find((r) => r.path === '/pets')!
    const get = pets.resourceMethods.GET!
    // A method that refers to the Empty model Gatehouse adds on import (AWS's console adds it too).
    get.methodResponses['200']!.responseModels = { 'application/json': 'Empty' }
    get.requestParameters['method.request.querystring.optional'] = false
    api.minimumCompressionSize = 0
    api.apiKeySource = 'HEADER'
    api.endpointConfiguration.vpcEndpointIds = []
    assertRoundTrip(api, 'changed REST')
  })

  it('empty lists stay empty lists (not absent ones)', () => {
    const text = RICH_HTTP.replace('audience: [app-a, app-b]', 'audience: []').replace('exposeHeaders: [X-Total]', 'exposeHeaders: []')
    const api = importOpenApi(parseDefinition(text, 'rich-http.yaml'), { kind: 'HTTP', id: 'richhttp02', createdDate: CREATED }).api as HttpApi
    assert.deepEqual(Object.values(api.authorizers).find((a) => a.type === 'JWT')?.jwtConfiguration?.audience, [])
    assert.deepEqual(api.corsConfiguration?.exposeHeaders, [])
    assertRoundTrip(api, 'empty lists')
  })
})

// ---------------------------------------------------------------------------------------------------
// Deployed configs: the model and the compiled plan

async function compileDescription(desired: Compilable): Promise<unknown> {
  const { defaultApi: _defaultApi, ...described } = await describeCompiled(desired)
  return described
}

function configFiles(): Array<{ label: string; path: string }> {
  const golden = fileURLToPath(new URL('../golden/compile/', import.meta.url))
  return [
    { label: 'examples/gatehouse.yaml', path: fileURLToPath(new URL('../../examples/gatehouse.yaml', import.meta.url)) },
    ...readdirSync(golden)
      .filter((f) => f.endsWith('.input.yaml'))
      .sort()
      .map((f) => ({ label: `test/golden/compile/${f}`, path: golden + f })),
  ]
}

describe('a deployed API exported and imported again compiles to the same plan', () => {
  for (const { label, path } of configFiles()) {
    it(label, async () => {
      const desired = await loadDesiredState({ configFile: path, restApis: [], httpApis: [], stageVariables: {}, now: () => new Date('2026-01-01T00:00:00Z') })
      assert.ok(desired.deployments.length > 0)
      const deployments = desired.deployments.map((d) => {
        // WebSocket APIs have no OpenAPI export (AWS's GetExport serves HTTP APIs only): they stay as they are.
        if (d.snapshot.kind === 'HTTP' && d.snapshot.protocolType === 'WEBSOCKET') return d
        // A canary's own deployment is exported under the stage it is the canary of.
        const stage = desired.stages.find((s) => s.deploymentId === d.id || s.canarySettings?.deploymentId === d.id)!
        const api = d.snapshot
        // AWS exports no OpenAPI for WebSocket APIs (GetExport answers BadRequest): they go through as they are.
        if (api.kind === 'HTTP' && api.protocolType === 'WEBSOCKET') return d
        const doc =
          api.kind === 'REST'
            ? exportRestApi(api, { type: 'oas30', stageName: stage.stageName, extensions: ['apigateway'], deployment: d })
            : exportHttpApi(api, { stageName: stage.stageName, includeExtensions: true, deployment: d })
        const text = serializeExport(doc, 'yaml')
        const back = importOpenApi(parseDefinition(text, 'export.yaml'), { kind: api.kind, id: api.id, createdDate: api.createdDate }).api
        assert.deepEqual(withoutModelMeta(back), withoutModelMeta(expectedBack(api, back, api.kind === 'REST' ? 'oas30' : 'http')), `${label}: ${api.id}\n${text}`)
        // What the export cannot carry (the endpoint type a config file may set) goes with the deployment.
        if (back.kind === 'REST' && api.kind === 'REST') back.endpointConfiguration.types = [...api.endpointConfiguration.types]
        return { ...d, snapshot: back }
      })
      const before = await compileDescription(desired)
      const after = await compileDescription({ ...desired, deployments })
      assert.deepEqual(after, before)
    })
  }
})
