// Fuzzing the OpenAPI import (issue 8): generated documents — AWS-shaped ones with random values where the
// extensions, schemas and references are, and arbitrary text — are either imported or refused with problems
// that each name a path in the document; never another exception, never an unbounded stall. What imports
// compiles into models against which no body can make validation throw. Fixed seeds, bounded runs;
// `FUZZ_SEED=n FUZZ_RUNS=k npm test -- fuzz` explores further (k times the runs, from seed n).

import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { stringify } from 'yaml'
import { importOpenApi } from '../../src/controlplane/openapi/import.js'
import { parseDefinition } from '../../src/controlplane/openapi/parse.js'
import { ConfigError } from '../../src/errors.js'
import { ModelSet } from '../../src/steps/validate/models.js'
import type { RestApi } from '../../src/model/types.js'

const SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED)
const RUNS = Number(process.env.FUZZ_RUNS ?? 1)
/** fast-check parameters: the fixed seed unless FUZZ_SEED says otherwise, and `runs` (times FUZZ_RUNS). */
const params = (seed: number, runs: number) => ({ seed: SEED ?? seed, numRuns: runs * RUNS })

/** How long one generated case may take before it counts as a stall (generous: the machine is shared). */
const CASE_MS = 3_000

/** Passes when `fn` returns, or throws a ConfigError whose every problem has the file, a path and a message. */
function importsOrRefuses<T>(fn: () => T, file: string | undefined): T | undefined {
  const start = performance.now()
  try {
    return fn()
  } catch (err) {
    if (!(err instanceof ConfigError)) throw new Error(`not a ConfigError: ${err instanceof Error ? err.stack : String(err)}`)
    assert.ok(err.problems.length > 0, 'a ConfigError lists at least one problem')
    for (const p of err.problems) {
      assert.equal(p.file, file, `problem without its file: ${JSON.stringify(p)}`)
      assert.equal(typeof p.path, 'string')
      assert.ok(p.path === '' || p.path.startsWith('/'), `problem path is not a JSON pointer: ${JSON.stringify(p)}`)
      assert.ok(typeof p.message === 'string' && p.message.length > 0, `problem without a message: ${JSON.stringify(p)}`)
    }
    return undefined
  } finally {
    const ms = performance.now() - start
    assert.ok(ms < CASE_MS, `one case took ${ms.toFixed(0)} ms`)
  }
}

// ---- generators ------------------------------------------------------------------------------------

/** Keys that are also names of Object.prototype members: a lookup by such a key must not find the member. */
const PROTO_KEYS = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf']
/** `keys`, and now and then a prototype member's name. */
const keyOf = (...keys: string[]) => fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...keys) }, { weight: 1, arbitrary: fc.constantFrom(...PROTO_KEYS) })

const name = fc.constantFrom('A', 'B', 'Pet', 'Node', 'Empty', 'Error', 'bad name', '', '__proto__', 'constructor')
const anyJson = fc.jsonValue({ maxDepth: 3 })
/** Sometimes the right shape, sometimes anything. */
const or = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<unknown> => fc.oneof({ weight: 4, arbitrary: arb }, { weight: 1, arbitrary: anyJson })

const refTo = fc.oneof(
  name.map((n) => `#/definitions/${n}`),
  name.map((n) => `#/components/schemas/${n}`),
  fc.constantFrom('#', '#/', '#/paths', '#/components/schemas', 'other.json#/x', 'https://apigateway.amazonaws.com/restapis/x/models/A', '#/definitions/A/properties/a', '#/components/schemas/A#'),
)

const schema: fc.Arbitrary<unknown> = fc.letrec<{ schema: unknown }>((tie) => ({
  schema: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.record({ $ref: refTo }),
    fc.record(
      {
        type: or(fc.constantFrom('object', 'array', 'string', 'integer', 'number', 'boolean', 'null', 'objekt')),
        properties: or(fc.dictionary(keyOf('a', 'b', 'c', '$ref', 'enum'), tie('schema'), { maxKeys: 3 })),
        items: tie('schema'),
        additionalProperties: fc.oneof(fc.boolean(), tie('schema')),
        allOf: or(fc.array(tie('schema'), { maxLength: 3 })),
        anyOf: or(fc.array(tie('schema'), { maxLength: 2 })),
        oneOf: or(fc.array(tie('schema'), { maxLength: 2 })),
        not: tie('schema'),
        dependencies: or(fc.dictionary(keyOf('a', 'b'), fc.oneof(tie('schema'), fc.array(fc.constantFrom('a', 'b'))), { maxKeys: 2 })),
        required: or(fc.array(fc.constantFrom('a', 'b', 'c'), { maxLength: 3 })),
        pattern: or(fc.constantFrom('^a', '(', '[a-', '\\_x', '(a+)+$')),
        enum: fc.array(anyJson, { maxLength: 3 }),
        minimum: or(fc.integer()),
        id: fc.constantFrom('http://example.com/a', '#frag', 'relative'),
        $schema: fc.constantFrom('http://json-schema.org/draft-04/schema#', 'http://example.com/unknown'),
        discriminator: anyJson,
        example: anyJson,
      },
      { requiredKeys: [] },
    ),
    anyJson,
  ),
})).schema

const integration = fc.record(
  {
    type: or(fc.constantFrom('mock', 'http', 'http_proxy', 'aws', 'aws_proxy', 'MOCK', 'HTTP_PROXY', 'carrier-pigeon')),
    httpMethod: or(fc.constantFrom('GET', 'POST', 'ANY', 'get')),
    uri: or(fc.constantFrom('http://127.0.0.1:1/x', 'https://${stageVariables.up}/{id}', 'arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:f/invocations', 'not a uri', '${AWS::Region}')),
    payloadFormatVersion: or(fc.constantFrom('1.0', '2.0', '3.0')),
    passthroughBehavior: or(fc.constantFrom('when_no_match', 'NEVER', 'when_no_templates', 'sometimes')),
    requestTemplates: or(fc.dictionary(keyOf('application/json', 'text/plain', '*/*'), fc.constantFrom('{"statusCode": 200}', '#set($x = ', '$input.json("$")', '#foreach($i in [1..9999999])x#end'), { maxKeys: 2 })),
    requestParameters: or(fc.dictionary(keyOf('integration.request.header.x', 'integration.request.path.id', 'bogus'), fc.constantFrom('method.request.path.id', "'static'", 'method.request.header.h', 'nonsense'), { maxKeys: 2 })),
    responses: or(
      fc.dictionary(
        keyOf('default', '2\\d{2}', '4\\d{2}', '(', ''),
        fc.record({ statusCode: or(fc.constantFrom('200', '404', '999', 'abc')), responseTemplates: or(fc.dictionary(keyOf('application/json'), fc.string({ maxLength: 20 }), { maxKeys: 1 })) }, { requiredKeys: [] }),
        { maxKeys: 2 },
      ),
    ),
    timeoutInMillis: or(fc.integer({ min: -1, max: 400_000 })),
    contentHandling: or(fc.constantFrom('CONVERT_TO_TEXT', 'CONVERT_TO_BINARY', 'NOPE')),
  },
  { requiredKeys: [] },
)

const parameter = fc.record(
  { name: or(fc.constantFrom('id', 'q', 'x-h', 'proxy')), in: or(fc.constantFrom('path', 'query', 'header', 'body', 'cookie', 'formData')), required: or(fc.boolean()), schema, type: or(fc.constantFrom('string', 'integer')), $ref: refTo },
  { requiredKeys: [] },
)

const operation = fc.record(
  {
    operationId: or(fc.string({ maxLength: 8 })),
    parameters: or(fc.array(parameter, { maxLength: 3 })),
    requestBody: or(fc.record({ content: or(fc.dictionary(keyOf('application/json', 'text/plain', '*/*'), fc.record({ schema }, { requiredKeys: [] }), { maxKeys: 2 })), $ref: refTo }, { requiredKeys: [] })),
    responses: or(fc.dictionary(keyOf('200', '404', 'default', '2XX', 'bad'), fc.record({ description: fc.string({ maxLength: 5 }), schema, headers: anyJson, content: anyJson, $ref: refTo }, { requiredKeys: [] }), { maxKeys: 2 })),
    security: or(fc.array(fc.dictionary(keyOf('key', 'auth', 'jwt', 'ghost'), fc.array(fc.constantFrom('scope', 'x'), { maxLength: 2 }), { maxKeys: 2 }), { maxLength: 2 })),
    'x-amazon-apigateway-integration': or(integration),
    'x-amazon-apigateway-request-validator': or(fc.constantFrom('all', 'body', 'ghost')),
    'x-amazon-apigateway-auth': or(fc.record({ type: fc.constantFrom('AWS_IAM', 'NONE', 'none', 'x') }, { requiredKeys: [] })),
    'x-amazon-apigateway-api-key-source': anyJson,
  },
  { requiredKeys: [] },
)

const pathKey = fc.constantFrom('/', '/a', '/a/{id}', '/{proxy+}', '/a/{id}/{proxy+}', '/{a}/{a}', 'no-slash', '/a//b', '/$default', '/a/{id', '/x~1y', '/__proto__')
const pathItem = fc.record(
  {
    get: operation,
    post: operation,
    'x-amazon-apigateway-any-method': fc.oneof(operation, fc.record({ isDefaultRoute: fc.boolean() }, { requiredKeys: [] })),
    parameters: or(fc.array(parameter, { maxLength: 2 })),
    $ref: refTo,
    trace: anyJson,
  },
  { requiredKeys: [] },
)

const authorizer = fc.record(
  {
    type: or(fc.constantFrom('token', 'request', 'cognito_user_pools', 'jwt', 'TOKEN', 'bogus')),
    authorizerUri: or(fc.constantFrom('arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:auth/invocations', 'nope')),
    identitySource: or(fc.constantFrom('method.request.header.Authorization', '$request.header.Authorization', 'bad', '')),
    authorizerResultTtlInSeconds: or(fc.integer({ min: -5, max: 5000 })),
    identityValidationExpression: or(fc.constantFrom('^Bearer .+$', '(', '(a+)+$')),
    providerARNs: or(fc.array(fc.constantFrom('arn:aws:cognito-idp:us-east-1:000000000000:userpool/us-east-1_abc', 'x'), { maxLength: 2 })),
    jwtConfiguration: anyJson,
  },
  { requiredKeys: [] },
)

const securityScheme = fc.record(
  { type: or(fc.constantFrom('apiKey', 'oauth2', 'openIdConnect', 'http')), name: or(fc.constantFrom('Authorization', 'x-api-key')), in: or(fc.constantFrom('header', 'query')), 'x-amazon-apigateway-authtype': or(fc.constantFrom('custom', 'awsSigv4', 'cognito_user_pools')), 'x-amazon-apigateway-authorizer': or(authorizer) },
  { requiredKeys: [] },
)

const document = fc.record(
  {
    openapi: or(fc.constantFrom('3.0.1', '3.0.0', '3.1.0', '2.0')),
    swagger: or(fc.constantFrom('2.0', 2)),
    info: or(fc.record({ title: or(fc.string({ maxLength: 8 })), version: or(fc.constantFrom('1', '1.0')), description: fc.string({ maxLength: 8 }) }, { requiredKeys: [] })),
    basePath: or(fc.constantFrom('/', '/v1', '/a/b', 'v1')),
    servers: or(fc.array(fc.record({ url: fc.constantFrom('https://x.example/v1', '/{basePath}', 'not a url'), variables: anyJson }, { requiredKeys: [] }), { maxLength: 2 })),
    paths: or(fc.dictionary(pathKey, or(pathItem), { maxKeys: 4 })),
    definitions: or(fc.dictionary(name, schema, { maxKeys: 4 })),
    components: or(
      fc.record(
        {
          schemas: or(fc.dictionary(name, schema, { maxKeys: 4 })),
          securitySchemes: or(fc.dictionary(keyOf('key', 'auth', 'jwt'), or(securityScheme), { maxKeys: 2 })),
          'x-amazon-apigateway-integrations': or(fc.dictionary(keyOf('i1', 'i2'), or(integration), { maxKeys: 2 })),
        },
        { requiredKeys: [] },
      ),
    ),
    securityDefinitions: or(fc.dictionary(keyOf('key', 'auth'), or(securityScheme), { maxKeys: 2 })),
    security: or(fc.array(fc.dictionary(keyOf('key', 'auth', 'ghost'), fc.array(fc.string({ maxLength: 3 }), { maxLength: 1 }), { maxKeys: 1 }), { maxLength: 2 })),
    'x-amazon-apigateway-request-validators': or(fc.dictionary(keyOf('all', 'body'), or(fc.record({ validateRequestBody: or(fc.boolean()), validateRequestParameters: or(fc.boolean()) }, { requiredKeys: [] })), { maxKeys: 2 })),
    'x-amazon-apigateway-request-validator': or(fc.constantFrom('all', 'body', 'ghost')),
    'x-amazon-apigateway-gateway-responses': or(fc.dictionary(keyOf('DEFAULT_4XX', 'BAD_REQUEST_BODY', 'NOT_A_TYPE'), or(fc.record({ statusCode: or(fc.constantFrom('400', 'abc')), responseTemplates: anyJson, responseParameters: anyJson }, { requiredKeys: [] })), { maxKeys: 2 })),
    'x-amazon-apigateway-binary-media-types': or(fc.array(fc.constantFrom('image/png', '*/*', ''), { maxLength: 2 })),
    'x-amazon-apigateway-policy': anyJson,
    'x-amazon-apigateway-cors': anyJson,
    'x-amazon-apigateway-minimum-compression-size': or(fc.integer({ min: -1, max: 20_000_000 })),
    'x-amazon-apigateway-api-key-source': or(fc.constantFrom('HEADER', 'AUTHORIZER', 'nope')),
    'x-amazon-apigateway-endpoint-configuration': anyJson,
    tags: anyJson,
  },
  { requiredKeys: [] },
)

/**
 * Valid documents whose models refer to one another at random — in place (`$ref`, combinators) and through
 * properties and items — so that some recurse legitimately and some could never be validated.
 */
const MODEL_NAMES = ['A', 'B', 'C', 'D']
const validSchema: fc.Arbitrary<Record<string, unknown>> = fc.letrec<{ schema: Record<string, unknown> }>((tie) => ({
  schema: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 1, arbitrary: fc.constantFrom(...MODEL_NAMES).map((n) => ({ $ref: `#/definitions/${n}` })) },
    {
      // Keywords that descend into the value: recursion through them is legitimate.
      weight: 4,
      arbitrary: fc.record(
        {
          type: fc.constantFrom('object', 'array', 'string', 'integer', 'number', 'boolean', 'null'),
          properties: fc.dictionary(fc.constantFrom('a', 'b', 'c'), tie('schema'), { maxKeys: 3 }),
          items: tie('schema'),
          additionalProperties: fc.oneof(fc.boolean(), tie('schema')),
          required: fc.uniqueArray(fc.constantFrom('a', 'b', 'c'), { minLength: 1, maxLength: 3 }),
          minimum: fc.integer({ min: -5, max: 5 }),
          maxLength: fc.integer({ min: 0, max: 5 }),
          enum: fc.array(fc.jsonValue({ maxDepth: 1 }), { minLength: 1, maxLength: 3 }),
        },
        { requiredKeys: [] },
      ),
    },
    {
      // Keywords that apply to the value itself: a way back to the same schema through them never ends.
      weight: 1,
      arbitrary: fc.oneof(
        fc.record({ allOf: fc.array(tie('schema'), { minLength: 1, maxLength: 2 }) }),
        fc.record({ anyOf: fc.array(tie('schema'), { minLength: 1, maxLength: 2 }) }),
        fc.record({ oneOf: fc.array(tie('schema'), { minLength: 1, maxLength: 2 }) }),
        fc.record({ not: tie('schema') }),
        fc.record({ dependencies: fc.dictionary(fc.constantFrom('a', 'b'), fc.oneof(tie('schema'), fc.uniqueArray(fc.constantFrom('a', 'b'), { minLength: 1, maxLength: 2 })), { minKeys: 1, maxKeys: 2 }) }),
      ),
    },
  ),
})).schema

const validDocument = fc.record({ models: fc.dictionary(fc.constantFrom(...MODEL_NAMES), validSchema, { minKeys: 1, maxKeys: 4 }), body: fc.oneof(validSchema, fc.constantFrom(...MODEL_NAMES).map((n) => ({ $ref: `#/definitions/${n}` }))) }).map(({ models, body }) => ({
  swagger: '2.0',
  info: { title: 'models', version: '1' },
  'x-amazon-apigateway-request-validators': { body: { validateRequestBody: true, validateRequestParameters: false } },
  'x-amazon-apigateway-request-validator': 'body',
  paths: { '/x': { post: { consumes: ['application/json'], parameters: [{ in: 'body', name: 'body', schema: body }], responses: { 200: { description: 'ok' } }, 'x-amazon-apigateway-integration': { type: 'mock', requestTemplates: { 'application/json': '{"statusCode": 200}' } } } } },
  // A $ref to a model that is not defined is a problem of its own; define every model a schema may name.
  definitions: Object.fromEntries(MODEL_NAMES.map((n) => [n, models[n] ?? { type: 'object' }])),
}))

// ---- properties ------------------------------------------------------------------------------------

describe('OpenAPI import fuzzing', () => {
  it('found by fuzzing: a path-item key that names an Object.prototype member is no operation', () => {
    const doc = { openapi: '3.0.1', info: { title: 'p', version: '1' }, paths: { '/': { constructor: {}, toString: { $ref: '#' } } } }
    const { warnings } = importOpenApi(doc, { kind: 'REST', id: 'fuzz000001', file: 'f.json' })
    assert.deepEqual(warnings.map((w) => w.path), ['/paths/~1/constructor', '/paths/~1/toString'])
  })

  it("found by fuzzing: a body such as {\"toString\": 0} against an enum of objects is checked, not a TypeError in ajv", () => {
    const set = new ModelSet('a1', { M: { id: 'm', name: 'M', contentType: 'application/json', schema: { enum: [{}, { a: 1 }] } } }, () => undefined)
    const m = set.get('M')
    assert.ok(!(m instanceof Error))
    assert.equal(m.validate({ toString: 0 }), false)
    assert.deepEqual(m.explain({ toString: 0 }), ['instance value ({"toString":0}) not found in enum (possible values: [{},{"a":1}])'])
    assert.equal(m.validate({ valueOf: 1 }), false)
    assert.equal(m.validate({ a: 1 }), true)
  })

  it('AWS-shaped documents with random values import or are refused with located problems', () => {
    fc.assert(
      fc.property(document, fc.constantFrom<'REST' | 'HTTP'>('REST', 'HTTP'), fc.constantFrom<'ignore' | 'prepend' | 'split'>('ignore', 'prepend', 'split'), (doc, kind, basepath) => {
        const result = importsOrRefuses(() => importOpenApi(doc, { kind, id: 'fuzz000001', file: 'fuzz.json', basepath, createdDate: '2026-01-01T00:00:00Z' }), 'fuzz.json')
        if (result === undefined || result.api.kind !== 'REST') return
        // What imports compiles into models, and no body makes validating against any of them throw.
        const api = result.api as RestApi
        const set = new ModelSet(api.id, api.models, () => undefined)
        for (const model of Object.keys(api.models)) {
          const compiled = set.get(model)
          if (compiled instanceof Error) continue
          for (const body of [{}, [], 'x', 1, null, { a: { a: { a: [] } } }, { b: [1, 'x'], c: true }]) {
            if (!compiled.validate(body)) assert.ok(Array.isArray(compiled.explain(body)))
          }
        }
      }),
      params(0x8a7e, 300),
    )
  })

  it('models that refer to one another at random: whatever imports validates every body without throwing', () => {
    let imported = 0
    fc.assert(
      fc.property(validDocument, fc.array(fc.jsonValue({ maxDepth: 6 }), { minLength: 1, maxLength: 8 }), (doc, bodies) => {
        const result = importsOrRefuses(() => importOpenApi(doc, { kind: 'REST', id: 'fuzz000002', file: 'models.json' }), 'models.json')
        if (result === undefined) return
        imported++
        const api = result.api as RestApi
        const set = new ModelSet(api.id, api.models, () => undefined)
        for (const model of Object.keys(api.models)) {
          const compiled = set.get(model)
          if (compiled instanceof Error) {
            // An invalid draft-4 schema imports and its routes answer 500 (test/steps/validate-compile.test.ts);
            // one that applies to itself must never get this far.
            assert.doesNotMatch(compiled.message, /applies to itself|refers to model/)
            continue
          }
          for (const body of bodies) {
            if (!compiled.validate(body)) assert.ok(Array.isArray(compiled.explain(body)))
          }
        }
      }),
      params(0x8a81, 200),
    )
    // The generator is not vacuous: most documents import (the others hold a model that applies to itself).
    assert.ok(imported > 30 * RUNS, `only ${imported} of ${200 * RUNS} documents imported`)
  })

  it('the same documents as JSON and YAML text parse back, or are refused with the file and a path', () => {
    fc.assert(
      fc.property(document, fc.boolean(), (doc, asYaml) => {
        const text = asYaml ? stringify(doc, { aliasDuplicateObjects: true }) : JSON.stringify(doc)
        const parsed = importsOrRefuses(() => parseDefinition(text, 'fuzz.yaml'), 'fuzz.yaml')
        if (parsed !== undefined) importsOrRefuses(() => importOpenApi(parsed, { kind: 'REST', id: 'fuzz000001', file: 'fuzz.yaml' }), 'fuzz.yaml')
      }),
      params(0x8a7f, 150),
    )
  })

  it('arbitrary and YAML-flavoured text never makes the parser throw anything but a ConfigError', () => {
    const token = fc.constantFrom('openapi: 3.0.1\n', 'paths:\n', '  /a:\n', '    get: ', '&a ', '*a', '*b', '<<: ', '!!binary ', '!!set ', '!!omap ', '!!js/function ', '? ', '- ', '[', ']', '{', '}', ',', ':', '"', "'", '#', '\n', '  ', '\t', '---\n', '...\n', '%YAML 1.2\n', '\uFEFF', '\\u0000', '1e999', '0x1F', '.nan', '~', 'null', '__proto__: ', 'x')
    const yamlish = fc.array(token, { maxLength: 60 }).map((t) => t.join(''))
    fc.assert(
      fc.property(fc.oneof(yamlish, fc.string({ unit: 'binary', maxLength: 200 })), (text) => {
        const parsed = importsOrRefuses(() => parseDefinition(text, 'fuzz.yaml'), 'fuzz.yaml')
        if (parsed !== undefined) importsOrRefuses(() => importOpenApi(parsed, { kind: 'HTTP', id: 'fuzz000001', file: 'fuzz.yaml' }), 'fuzz.yaml')
      }),
      params(0x8a80, 500),
    )
  })
})
