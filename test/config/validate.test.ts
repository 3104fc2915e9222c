// validateFiles (`gatehouse validate FILE...`) on config files and OpenAPI documents, good and bad.

import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { fileURLToPath } from 'node:url'
import { checkFiles, detectApiKind, looksLikeHttpApi, validateFiles } from '../../src/controlplane/config/validate.js'
import { ORDERS_HTTP, PETSTORE_REST, problemAt, tempDir } from './helpers.js'
import type { TempDir } from './helpers.js'

/** A REST API as AWS exports it with extensions: both root extensions the HTTP API guess must not rely on. */
const REST_EXPORT = {
  openapi: '3.0.1',
  info: { title: 'pets-export', version: '2024-01-01T00:00:00Z' },
  servers: [{ url: 'https://abc123.execute-api.us-east-1.amazonaws.com/{basePath}', variables: { basePath: { default: 'dev' } } }],
  'x-amazon-apigateway-importexport-version': '1.0',
  'x-amazon-apigateway-cors': { allowOrigins: ['*'], allowMethods: ['GET'] },
  paths: {
    '/pets': {
      get: {
        responses: { '200': { description: '200 response', content: {} } },
        'x-amazon-apigateway-integration': {
          type: 'mock',
          requestTemplates: { 'application/json': '{"statusCode": 200}' },
          responses: { default: { statusCode: '200' } },
          passthroughBehavior: 'when_no_match',
        },
      },
    },
  },
  components: {},
}

describe('validateFiles', () => {
  let tmp: TempDir
  before(async () => {
    tmp = await tempDir()
    await tmp.write('petstore.yaml', PETSTORE_REST)
    await tmp.write('orders.yaml', ORDERS_HTTP)
    await tmp.write('gatehouse.yaml', 'apis:\n  - { type: rest, openapi: petstore.yaml, stages: { dev: {} } }\n  - { type: http, openapi: orders.yaml, stages: { $default: {} } }\n')
  })
  after(() => tmp.remove())

  it('returns no problems for a good config file and good OpenAPI documents of both types', async () => {
    assert.deepEqual(await validateFiles(['gatehouse.yaml', 'petstore.yaml', 'orders.yaml'], { cwd: tmp.dir }), [])
  })

  it('finds the problems of every file in one pass', async () => {
    await tmp.write('bad-config.yaml', 'apis:\n  - { type: rest, openapi: petstore.yaml, stages: { $default: {} } }\nlisteners: { htp: {} }\n')
    await tmp.write('bad-api.json', JSON.stringify({ openapi: '3.0.1', info: { title: 'x', version: '1' }, paths: { '/a': { get: { 'x-amazon-apigateway-integration': { type: 'teleport' } } } } }))
    await tmp.write('syntax.yaml', 'apis: [\n')
    const problems = await validateFiles(['bad-config.yaml', 'bad-api.json', 'syntax.yaml', 'absent.yaml'], { cwd: tmp.dir })
    problemAt(problems, '/apis/0/stages/$default', 'bad-config.yaml')
    assert.match(problemAt(problems, '/listeners/htp', 'bad-config.yaml').message, /did you mean "http"/)
    assert.ok(problems.some((p) => p.file === 'bad-api.json' && p.path.startsWith('/paths/~1a/get')), JSON.stringify(problems))
    assert.match(problemAt(problems, '', 'syntax.yaml').message, /syntax error/)
    assert.deepEqual(problemAt(problems, '', 'absent.yaml').message, 'cannot read the file: no such file')
  })

  it('guesses an HTTP API only from constructs that HTTP API documents alone carry', () => {
    const http = (doc: Record<string, unknown>): string => {
      const d = detectApiKind({ openapi: '3.0.1', info: { title: 't' }, ...doc })
      assert.equal(d.kind, 'HTTP', JSON.stringify(doc))
      return d.basis
    }
    const integration = (fields: Record<string, unknown>) => ({ paths: { '/a': { get: { 'x-amazon-apigateway-integration': { type: 'aws_proxy', ...fields } } } } })
    assert.equal(http(integration({ payloadFormatVersion: '2.0' })), 'HTTP-API-only integration payloadFormatVersion at /paths/~1a/get/x-amazon-apigateway-integration/payloadFormatVersion')
    assert.match(http(integration({ payloadFormatVersion: '1.0' })), /payloadFormatVersion/)
    assert.match(http(integration({ integrationSubtype: 'SQS-SendMessage' })), /integrationSubtype at \/paths\/~1a\/get/)
    assert.match(http({ paths: { '/$default': { 'x-amazon-apigateway-any-method': { isDefaultRoute: true } } } }), /isDefaultRoute \(the \$default route\) at \/paths\/~1\$default\/x-amazon-apigateway-any-method\/isDefaultRoute/)
    assert.match(http({ components: { 'x-amazon-apigateway-integrations': { i: {} } } }), /reusable integrations at \/components\/x-amazon-apigateway-integrations/)
    assert.match(http({ components: { securitySchemes: { j: { type: 'oauth2', 'x-amazon-apigateway-authorizer': { type: 'JWT' } } } } }), /jwt authorizer at \/components\/securitySchemes\/j\/x-amazon-apigateway-authorizer\/type/)
    assert.match(http({ components: { securitySchemes: { r: { type: 'apiKey', 'x-amazon-apigateway-authorizer': { type: 'request', enableSimpleResponses: true } } } } }), /authorizer enableSimpleResponses/)
    assert.match(http({ tags: [{ name: 'team' }, { name: 'env', 'x-amazon-apigateway-tag-value': 'dev' }] }), /tag value at \/tags\/1\/x-amazon-apigateway-tag-value/)
  })

  it('guesses REST for the rest, including REST exports with importexport-version and cors', () => {
    const rest = (doc: Record<string, unknown>): string => {
      const d = detectApiKind(doc)
      assert.equal(d.kind, 'REST', JSON.stringify(doc))
      return d.basis
    }
    const exported = { openapi: '3.0.1', 'x-amazon-apigateway-importexport-version': '1.0', 'x-amazon-apigateway-cors': { allowOrigins: ['*'] } }
    assert.equal(rest(exported), 'no HTTP-API-only extension found')
    assert.equal(looksLikeHttpApi(exported), false)
    // A VPC link is a REST integration setting too (§1.4).
    rest({ openapi: '3.0.1', paths: { '/a': { get: { 'x-amazon-apigateway-integration': { type: 'http_proxy', connectionType: 'VPC_LINK', connectionId: 'v' } } } } })
    rest({ openapi: '3.0.1', paths: { '/': { 'x-amazon-apigateway-any-method': { isDefaultRoute: false } } } })
    rest({ openapi: '3.0.1', components: { securitySchemes: { t: { type: 'apiKey', 'x-amazon-apigateway-authorizer': { type: 'token' } } } } })
    assert.match(rest({ swagger: '2.0', paths: { '/a': { get: { 'x-amazon-apigateway-integration': { payloadFormatVersion: '2.0' } } } } }), /Swagger 2\.0/)
  })

  it('validates a REST export carrying importexport-version and cors as REST, and says it guessed', async () => {
    await tmp.write('rest-export.json', JSON.stringify(REST_EXPORT))
    const { problems, kinds } = await checkFiles(['rest-export.json'], { cwd: tmp.dir })
    assert.deepEqual(problems, [])
    assert.deepEqual(kinds, [{ file: 'rest-export.json', kind: 'REST', guessed: true, basis: 'no HTTP-API-only extension found' }])
    // As an HTTP API (what the old guess made of it) its MOCK integration is a problem.
    const asHttp = await checkFiles(['rest-export.json'], { cwd: tmp.dir, kind: 'HTTP' })
    assert.deepEqual(asHttp.kinds, [{ file: 'rest-export.json', kind: 'HTTP', guessed: false }])
    assert.match(problemAt(asHttp.problems, '/paths/~1pets/get/x-amazon-apigateway-integration/type', 'rest-export.json').message, /not mock/)
  })

  it('lets the caller choose the type', async () => {
    // REST-only integration types are wrong on an HTTP API: the detected or chosen type decides the verdict.
    const mock = PETSTORE_REST.replace(/type: http_proxy/g, 'type: mock')
    await tmp.write('mock.yaml', mock)
    assert.deepEqual(await validateFiles(['mock.yaml'], { cwd: tmp.dir }), [], 'validated as REST by default')
    const asHttp = await validateFiles(['mock.yaml'], { cwd: tmp.dir, kind: 'HTTP' })
    assert.ok(asHttp.length > 0 && asHttp.every((p) => p.file === 'mock.yaml'), JSON.stringify(asHttp))
  })

  it('reports warnings separately through checkFiles', async () => {
    await tmp.write('warn.yaml', "apis:\n  - { type: rest, openapi: petstore.yaml, stages: { dev: { methodSettings: { '~1nope/GET': {} } } } }\n")
    const { problems, warnings, kinds } = await checkFiles(['warn.yaml'], { cwd: tmp.dir })
    assert.deepEqual(problems, [])
    problemAt(warnings, '/apis/0/stages/dev/methodSettings/~01nope~1GET', 'warn.yaml')
    assert.deepEqual(kinds, [], 'a config file says the type of each API itself')
  })

  it('accepts a security requirement naming an undefined scheme, with a warning at its path', async () => {
    const sample = fileURLToPath(new URL('../fixtures/openapi/request-validation-undefined-scheme.json', import.meta.url))
    const { problems, warnings } = await checkFiles([sample])
    assert.deepEqual(problems, [])
    assert.match(problemAt(warnings, '/paths/~1validation/get/security/0/sigv4').message, /Unknown security scheme 'sigv4'/)
  })

  it('accepts the documented example config', async () => {
    const example = fileURLToPath(new URL('../../docs/gatehouse.example.yaml', import.meta.url))
    assert.deepEqual(await validateFiles([example]), [])
  })
})
