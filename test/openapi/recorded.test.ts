// Imports LocalStack's API definition files and checks the result against what AWS returned for the same
// imports (test/fixtures/aws/localstack/rest-import.json, from test_apigateway_import): resources, methods,
// integrations, models, authorizers, validators, API settings and import warnings.

import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync, readdirSync } from 'node:fs'
import { importOpenApi, type ImportOptions } from '../../src/controlplane/openapi/import.js'
import { parseDefinition } from '../../src/controlplane/openapi/parse.js'
import type { HttpApi, RestApi } from '../../src/model/types.js'
import { RecordingMatcher, awsAuthorizer, awsMethod, awsModel, awsResource, awsRestApi } from './recorded-shape.js'

const DEFS = new URL('../fixtures/aws/localstack/api-definitions/', import.meta.url)

/** One import AWS was asked to do, and what it returned (every field after `definition` is optional). */
interface Scenario {
  localstackTest: string
  definition: string
  basepath?: 'ignore' | 'prepend' | 'split'
  restApi?: Record<string, unknown>
  resources?: Array<{ path: string }>
  /** Keyed `VERB /path`. */
  methods?: Record<string, unknown>
  authorizers?: Array<Record<string, unknown>>
  models?: Array<Record<string, unknown>>
  requestValidators?: unknown[]
}

const SCENARIOS = (
  JSON.parse(readFileSync(new URL('../fixtures/aws/localstack/rest-import.json', import.meta.url), 'utf8')) as { scenarios: Record<string, Scenario> }
).scenarios

/** The values LocalStack's tests put into the files' `${...}` placeholders before importing. */
const FILL: Record<string, string> = {
  '${uri}': 'http://petstore.execute-api.us-east-1.amazonaws.com/petstore/pets',
  '${lambda_invocation_arn}': 'arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:fn/invocations',
  '${authorizer_lambda_invocation_arn}': 'arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:auth/invocations',
  '${cognito_pool_arn}': 'arn:aws:cognito-idp:us-east-1:111111111111:userpool/us-east-1_ABC123',
  '${credentials}': 'arn:aws:iam::000000000000:role/invoker',
}

function load(file: string, opts: Partial<ImportOptions> & { fill?: boolean } = {}): { api: RestApi | HttpApi; warnings: string[] } {
  let text = readFileSync(new URL(file, DEFS), 'utf8')
  if (opts.fill !== false) for (const [k, v] of Object.entries(FILL)) text = text.split(k).join(v)
  const { fill: _fill, ...rest } = opts
  const r = importOpenApi(parseDefinition(text, file), { kind: 'REST', id: 'rec0000001', file, createdDate: '2025-01-01T00:00:00.000Z', ...rest })
  return { api: r.api, warnings: r.warnings.map((w) => w.message) }
}

function rest(api: RestApi | HttpApi): RestApi {
  assert.equal(api.kind, 'REST')
  return api as RestApi
}

/** The recorded imports, by their scenario names in the fixture. */
const CASES = [
  'Swagger 2.0 pet store with Lambda TOKEN authorizers',
  'OpenAPI 3 document with an API key scheme and OPTIONS on the root',
  'Swagger 2.0 MOCK API with CORS preflight methods',
  'Swagger 2.0 basePath /base, basepath=ignore',
  'Swagger 2.0 basePath /base, basepath=prepend',
  'Swagger 2.0 basePath /base, basepath=split',
  'OpenAPI 3 basePath server variable /base-var, basepath=ignore',
  'OpenAPI 3 server URL path /base-url/part, basepath=ignore',
  'OpenAPI 3 basePath server variable /base-var, basepath=prepend',
  'OpenAPI 3 server URL path /base-url/part, basepath=prepend',
  'OpenAPI 3 basePath server variable /base-var, basepath=split',
  'OpenAPI 3 server URL path /base-url/part, basepath=split',
  'global API key security requirement',
  'models that refer to each other in a cycle',
  'cyclic models behind a request body validator',
  'an integration calling POST behind GET',
  'Cognito authorizer with an identity source and scopes',
  'response status codes written as YAML integers',
  'Pulumi-generated document with binary media type */*',
]

describe('REST import matches the AWS recordings', () => {
  for (const name of CASES) {
    it(name, () => {
      const c = SCENARIOS[name]
      assert.ok(c, `no recording for ${name}`)
      const { api: imported, warnings } = load(c.definition, c.basepath ? { basepath: c.basepath } : {})
      const api = rest(imported)
      const m = new RecordingMatcher({ '<region>': 'us-east-1', '<partition>': 'aws', '<model-base-url>': 'https://apigateway.amazonaws.com' })

      if (c.restApi) {
        const { createdDate: _c, tags: _t, warnings: recordedWarnings, endpointConfiguration, ...fields } = c.restApi
        const { ipAddressType: _ip, ...endpoint } = endpointConfiguration as Record<string, unknown>
        m.match({ ...fields, endpointConfiguration: endpoint }, awsRestApi(api), 'restApi')
        assert.deepEqual(warnings, (recordedWarnings as string[] | undefined) ?? [], 'restApi: import warnings')
      }

      if (c.resources) {
        const expected = c.resources
        const ours = Object.values(api.resources).map(awsResource) as Array<{ path: string }>
        const byPath = (a: { path: string }, b: { path: string }): number => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)
        m.match([...expected].sort(byPath), [...ours].sort(byPath), 'resources')
        // Every method we created was recorded, and matches.
        for (const r of Object.values(api.resources)) {
          for (const [verb, method] of Object.entries(r.resourceMethods)) {
            const key = `${verb} ${r.path}`
            assert.ok(c.methods?.[key] !== undefined, `recording has ${key}`)
            m.match(c.methods[key], awsMethod(method!), key)
          }
        }
      }

      if (c.authorizers) {
        const expected = c.authorizers
        assert.equal(Object.keys(api.authorizers).length, expected.length, 'authorizer count')
        for (const e of expected) {
          const ours = Object.values(api.authorizers).find((a) => a.name === e.name || m.bindings.get(String(e.id)) === a.id)
          assert.ok(ours, `authorizer ${String(e.name)}`)
          // GetAuthorizer leaves an unset TTL out; AWS's documented default for it is 300, which we store.
          const exp = e.authorizerResultTtlInSeconds === undefined ? { ...e, authorizerResultTtlInSeconds: 300 } : e
          m.match(exp, awsAuthorizer(ours), `authorizer ${String(e.name)}`)
        }
      }

      if (c.models) {
        const expected = c.models
        for (const e of expected) {
          const name = typeof e.name === 'string' && !e.name.startsWith('<') ? e.name : m.bindings.get(String(e.name))
          assert.ok(name !== undefined && api.models[name], `model ${String(e.name)}`)
          m.match(e, awsModel(api.models[name]!), `model ${name}`)
        }
        // Gatehouse adds the default models Empty and Error when the document lacks them; AWS's import doesn't.
        const recorded = new Set(expected.map((e) => (typeof e.name === 'string' && !e.name.startsWith('<') ? e.name : m.bindings.get(String(e.name)))))
        const extra = Object.keys(api.models).filter((n) => !recorded.has(n))
        assert.ok(extra.every((n) => n === 'Empty' || n === 'Error'), `unexpected models ${extra.join(', ')}`)
      }

      if (c.requestValidators) {
        m.match(c.requestValidators, Object.values(api.requestValidators), 'requestValidators')
      }
    })
  }
})

describe('every LocalStack definition file imports', () => {
  const files = readdirSync(DEFS).filter((f) => /\.(json|yaml)$/.test(f))

  it('imports all of them as REST APIs, placeholders left as strings', () => {
    assert.ok(files.length >= 19)
    for (const f of files) {
      const { api } = load(f, { fill: false })
      const r = rest(api)
      assert.ok(r.resources[r.rootResourceId], `${f}: root resource`)
      assert.ok(Object.values(r.resources).some((x) => Object.keys(x.resourceMethods).length > 0), `${f}: has methods`)
    }
  })

  it('keeps ${...} placeholders verbatim in integration URIs', () => {
    const r = rest(load('petstore-swagger.json', { fill: false }).api)
    const pets = Object.values(r.resources).find((x) => x.path === '/pets/{petId}')!
    assert.equal(pets.resourceMethods.GET?.methodIntegration?.uri, '${uri}/{petId}')
  })

  it('keeps x-amazon-apigateway-documentation verbatim as an extension', () => {
    const r = rest(load('oas30_documentation_parts.json').api)
    const doc = r.extensions['x-amazon-apigateway-documentation'] as { version: string; documentationParts: unknown[] }
    assert.equal(doc.version, '1.0.3')
    assert.equal(doc.documentationParts.length, 4)
  })

  it('imports the stage-variables definition with its URI untouched', () => {
    const r = rest(load('openapi.spec.stage-variables.json').api)
    const m = Object.values(r.resources).find((x) => x.path === '/path1')!.resourceMethods.GET!
    assert.equal(m.methodIntegration?.type, 'HTTP_PROXY')
    assert.equal(m.methodIntegration?.httpMethod, 'POST')
    assert.equal(m.methodIntegration?.uri, 'https://${stageVariables.TestHost}/${stageVariables.testPath}?${stageVariables.querystring}')
  })

  it('imports the HTTP-API-shaped definitions as HTTP APIs', () => {
    const pets = load('openapi.spec.json', { kind: 'HTTP' }).api as HttpApi
    assert.deepEqual(Object.values(pets.routes).map((r) => r.routeKey).sort(), ['GET /pets', 'GET /pets/{petId}', 'POST /pets'])
    assert.deepEqual(pets.corsConfiguration?.allowMethods, ['GET', 'OPTIONS', 'POST'])
    const post = Object.values(pets.routes).find((r) => r.routeKey === 'POST /pets')!
    const integration = pets.integrations[post.target!.slice('integrations/'.length)]!
    assert.equal(integration.integrationType, 'HTTP_PROXY')
    assert.equal(integration.integrationMethod, 'POST')
    assert.equal(integration.payloadFormatVersion, '1.0')
    const byPet = Object.values(pets.routes).find((r) => r.routeKey === 'GET /pets/{petId}')!
    assert.equal(byPet.authorizationType, 'CUSTOM')
    assert.equal(pets.authorizers[byPet.authorizerId!]?.name, 'myAuthorizer')

    const sv = load('openapi.spec.stage-variables.json', { kind: 'HTTP' }).api as HttpApi
    const route = Object.values(sv.routes)[0]!
    assert.equal(route.routeKey, 'GET /path1')
    assert.equal(sv.integrations[route.target!.slice(13)]?.integrationUri, 'https://${stageVariables.TestHost}/${stageVariables.testPath}?${stageVariables.querystring}')
  })
})
