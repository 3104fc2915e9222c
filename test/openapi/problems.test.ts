// Bad documents: every problem is reported at once, each with the file and a JSON pointer into the document.

import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { ConfigError, type ConfigProblem } from '../../src/errors.js'
import { importOpenApi, type ImportOptions } from '../../src/controlplane/openapi/import.js'
import { parseDefinition } from '../../src/controlplane/openapi/parse.js'

function problems(doc: unknown, opts: Partial<ImportOptions> = {}): ConfigProblem[] {
  try {
    importOpenApi(doc, { kind: 'REST', id: 'badapi0001', file: 'api.yaml', ...opts })
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`)
    for (const p of err.problems) assert.equal(p.file, 'api.yaml')
    return err.problems
  }
  assert.fail('expected the import to be refused')
}

/** path → message, for compact assertions. */
function byPath(ps: ConfigProblem[]): Record<string, string> {
  const out: Record<string, string> = {}
  for (const p of ps) {
    assert.equal(out[p.path], undefined, `one problem per path in this test (${p.path})`)
    out[p.path] = p.message
  }
  return out
}

describe('refused documents', () => {
  it('refuses something that is not an object', () => {
    for (const doc of [null, 'text', 42, ['openapi']]) {
      const ps = problems(doc)
      assert.equal(ps.length, 1)
      assert.equal(ps[0]!.path, '/')
      assert.match(ps[0]!.message, /must be a JSON or YAML object/)
    }
  })

  it('refuses a document without a version field, and unsupported versions', () => {
    assert.match(problems({ info: { title: 't' }, paths: {} })[0]!.message, /neither an 'openapi' \(3\.0\.x\) nor a 'swagger' \(2\.0\) field/)
    assert.deepEqual(problems({ openapi: '3.1.0', info: { title: 't' }, paths: {} }).map((p) => p.path), ['/openapi'])
    assert.deepEqual(problems({ swagger: '1.2', info: { title: 't' }, paths: {} }).map((p) => p.path), ['/swagger'])
    // An unquoted YAML `swagger: 2.0` is the number 2, and fine.
    assert.equal(importOpenApi(parseDefinition('swagger: 2.0\ninfo: {title: t}\npaths: {}\n'), { kind: 'REST', id: 'ok' }).api.name, 't')
  })

  it('requires info.title, the API name', () => {
    assert.deepEqual(problems({ openapi: '3.0.1', paths: {} }).map((p) => p.path), ['/info'])
    const ps = problems({ openapi: '3.0.1', info: { title: '  ', version: '1' }, paths: {} })
    assert.deepEqual(ps.map((p) => p.path), ['/info/title'])
    assert.match(ps[0]!.message, /info\.title is required/)
  })

  it('lists every REST problem of one document, each at its own path', () => {
    const yaml = `
swagger: "2.0"
info: { version: "1" }
x-amazon-apigateway-minimum-compression-size: 20000000
x-amazon-apigateway-gateway-responses:
  NOT_A_TYPE: { statusCode: 400 }
x-amazon-apigateway-request-validator: nope
securityDefinitions:
  jwt:
    type: apiKey
    name: Authorization
    in: header
    x-amazon-apigateway-authorizer: { type: jwt }
  tok:
    type: apiKey
    name: Authorization
    in: header
    x-amazon-apigateway-authorizer: { type: token }
paths:
  /pets:
    get:
      x-amazon-apigateway-integration:
        type: lambda
    post:
      x-amazon-apigateway-integration:
        type: http
        httpMethod: POST
    put:
      x-amazon-apigateway-integration:
        type: http_proxy
        uri: http://example.com
        httpMethod: FETCH
        timeoutInMillis: 30000
    delete:
      security: [{ missing: [] }]
      x-amazon-apigateway-integration:
        type: mock
        timeoutInMillis: 10
        responses:
          default: { responseTemplates: { application/json: "{}" } }
          "4\\\\d{2}": { statusCode: "600" }
          other: "text"
  /pets/{id}: { get: {} }
  /pets/{name}/toys: { get: {} }
  /a{b}: { get: {} }
  /bad space: { get: {} }
  /files/{proxy+}/more: { get: {} }
  /vpc:
    get:
      x-amazon-apigateway-request-validator: unknown
      parameters:
        - $ref: '#/parameters/Nope'
      responses:
        "200": { description: ok, schema: { $ref: '#/definitions/Missing' } }
        "999": { description: odd }
      x-amazon-apigateway-integration:
        type: aws_proxy
        httpMethod: POST
        uri: not-an-arn
        connectionType: VPC_LINK
        passthroughBehavior: sometimes
definitions:
  Bad_Name: { type: object }
  Good:
    type: object
    properties:
      x: { $ref: '#/definitions/Absent' }
`
    const ps = problems(parseDefinition(yaml, 'api.yaml'))
    const integration = (p: string, m: string): string => `/paths/${p}/${m}/x-amazon-apigateway-integration`
    assert.deepEqual(Object.keys(byPath(ps)).sort(), [
      '/definitions/Bad_Name',
      '/definitions/Good/properties/x/$ref',
      '/info/title',
      '/paths/~1a{b}',
      '/paths/~1bad space',
      '/paths/~1files~1{proxy+}~1more',
      `${integration('~1pets', 'delete')}/responses/4\\d{2}/statusCode`,
      `${integration('~1pets', 'delete')}/responses/default/statusCode`,
      `${integration('~1pets', 'delete')}/responses/other`,
      `${integration('~1pets', 'delete')}/timeoutInMillis`,
      `${integration('~1pets', 'get')}/type`,
      `${integration('~1pets', 'post')}/uri`,
      `${integration('~1pets', 'put')}/httpMethod`,
      `${integration('~1pets', 'put')}/timeoutInMillis`,
      '/paths/~1pets~1{name}~1toys',
      `${integration('~1vpc', 'get')}/connectionId`,
      `${integration('~1vpc', 'get')}/passthroughBehavior`,
      `${integration('~1vpc', 'get')}/uri`,
      '/paths/~1vpc/get/parameters/0/$ref',
      '/paths/~1vpc/get/responses/200/schema/$ref',
      '/paths/~1vpc/get/responses/999',
      '/paths/~1vpc/get/x-amazon-apigateway-request-validator',
      '/securityDefinitions/jwt/x-amazon-apigateway-authorizer/type',
      '/securityDefinitions/tok/x-amazon-apigateway-authorizer/authorizerUri',
      '/x-amazon-apigateway-gateway-responses/NOT_A_TYPE',
      '/x-amazon-apigateway-minimum-compression-size',
      '/x-amazon-apigateway-request-validator',
    ].sort())
    const m = byPath(ps)
    assert.match(m[`${integration('~1pets', 'get')}/type`]!, /Invalid type 'lambda'; expected one of AWS, AWS_PROXY, HTTP, HTTP_PROXY, MOCK/)
    assert.match(m[`${integration('~1pets', 'post')}/uri`]!, /type http needs a uri/)
    assert.match(m[`${integration('~1pets', 'put')}/timeoutInMillis`]!, /between 50 and 29000, not 30000/)
    assert.match(m[`${integration('~1pets', 'delete')}/timeoutInMillis`]!, /between 50 and 29000, not 10/)
    assert.match(m[`${integration('~1pets', 'delete')}/responses/default/statusCode`]!, /'statusCode' is required/)
    assert.match(m['/paths/~1pets~1{name}~1toys']!, /A sibling \(\{id\}\) of this resource already has a variable path part -- only one is allowed/)
    assert.match(m['/paths/~1a{b}']!, /a path parameter must be a whole segment/)
    assert.match(m['/paths/~1files~1{proxy+}~1more']!, /Cannot create a child of a resource with a greedy path variable: \{proxy\+\}/)
    assert.match(m['/paths/~1vpc/get/parameters/0/$ref']!, /Unknown \$ref target '#\/parameters\/Nope'/)
    assert.match(m['/definitions/Good/properties/x/$ref']!, /Unknown \$ref target '#\/definitions\/Absent'/)
    assert.match(m['/definitions/Bad_Name']!, /must be alphanumeric/)
    assert.match(m['/x-amazon-apigateway-minimum-compression-size']!, /between 0 and 10485760/)
    assert.match(m[`${integration('~1vpc', 'get')}/uri`]!, /Invalid ARN/)
  })

  it('shows every problem in the error message, one per line with file and path', () => {
    try {
      importOpenApi({ openapi: '3.0.1', info: {}, paths: { 'no-slash': {} } }, { kind: 'REST', id: 'x', file: 'f.json' })
      assert.fail('expected a ConfigError')
    } catch (err) {
      assert.ok(err instanceof ConfigError)
      assert.equal(err.message, "f.json: /info/title: info.title is required: it becomes the API name\nf.json: /paths/no-slash: Path 'no-slash' must start with '/'")
    }
  })

  it('reports a problem inside a shared $ref target once, where it is defined', () => {
    const ps = problems(
      {
        openapi: '3.0.1',
        info: { title: 't' },
        paths: {
          '/a': { get: { 'x-amazon-apigateway-integration': { $ref: '#/components/x-amazon-apigateway-integrations/i' } } },
          '/b': { get: { 'x-amazon-apigateway-integration': { $ref: '#/components/x-amazon-apigateway-integrations/i' } } },
        },
        components: { 'x-amazon-apigateway-integrations': { i: { type: 'http_proxy', httpMethod: 'GET', uri: 'https://h', timeoutInMillis: 30001 } } },
      },
      { kind: 'HTTP' },
    )
    assert.deepEqual(ps.map((p) => p.path), ['/components/x-amazon-apigateway-integrations/i/timeoutInMillis'])
    assert.match(ps[0]!.message, /between 50 and 30000/)
  })

  it('lists every HTTP API problem of one document', () => {
    const ps = problems(
      {
        openapi: '3.0.1',
        info: { title: 'h' },
        'x-amazon-apigateway-cors': { allowOrigins: '*', allowCredentials: true, maxAge: 'long' },
        components: {
          securitySchemes: {
            tok: { type: 'apiKey', name: 'A', in: 'header', 'x-amazon-apigateway-authorizer': { type: 'token', authorizerUri: 'arn:x' } },
            jwt: { type: 'oauth2', 'x-amazon-apigateway-authorizer': { type: 'jwt' } },
            req: { type: 'apiKey', name: 'A', in: 'header', 'x-amazon-apigateway-authorizer': { type: 'request', identitySource: 'header.A', authorizerPayloadFormatVersion: '3.0' } },
          },
        },
        paths: {
          '/m': { get: { 'x-amazon-apigateway-integration': { type: 'mock' } } },
          '/p': { get: { 'x-amazon-apigateway-integration': { type: 'http_proxy', httpMethod: 'GET', uri: 'https://h', payloadFormatVersion: '2.0' } } },
          '/l': { get: { 'x-amazon-apigateway-integration': { type: 'aws_proxy' } } },
          '/r': { get: { 'x-amazon-apigateway-integration': { type: 'http_proxy', httpMethod: 'GET', uri: 'https://h', responseParameters: { oops: {} } } } },
          '/d': { get: {} },
          '/d/': { get: {} },
          '/g/{p+}/x': { get: {} },
        },
      },
      { kind: 'HTTP' },
    )
    assert.deepEqual(Object.keys(byPath(ps)).sort(), [
      '/components/securitySchemes/jwt/x-amazon-apigateway-authorizer/jwtConfiguration',
      '/components/securitySchemes/req/x-amazon-apigateway-authorizer/authorizerPayloadFormatVersion',
      '/components/securitySchemes/req/x-amazon-apigateway-authorizer/authorizerUri',
      '/components/securitySchemes/req/x-amazon-apigateway-authorizer/identitySource',
      '/components/securitySchemes/tok/x-amazon-apigateway-authorizer/type',
      '/paths/~1d~1/get',
      '/paths/~1g~1{p+}~1x',
      '/paths/~1l/get/x-amazon-apigateway-integration/uri',
      '/paths/~1m/get/x-amazon-apigateway-integration/type',
      '/paths/~1p/get/x-amazon-apigateway-integration/payloadFormatVersion',
      '/paths/~1r/get/x-amazon-apigateway-integration/responseParameters/oops',
      '/x-amazon-apigateway-cors/allowCredentials',
      '/x-amazon-apigateway-cors/maxAge',
    ].sort())
    const m = byPath(ps)
    assert.match(m['/paths/~1m/get/x-amazon-apigateway-integration/type']!, /only aws_proxy and http_proxy/)
    assert.match(m['/paths/~1d~1/get']!, /Route 'GET \/d' is defined twice/)
    assert.match(m['/x-amazon-apigateway-cors/allowCredentials']!, /cannot be combined with the origin '\*'/)
    assert.match(m['/paths/~1g~1{p+}~1x']!, /the greedy path variable \{p\+\} must be the last segment/)
  })
})
