// Imports LocalStack's API definition files and checks the result against what AWS returned for the same
// imports (test_apigateway_import.snapshot.json): resources, methods, integrations, models, authorizers,
// validators, API settings and import warnings.

import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { importOpenApi, type ImportOptions } from '../../src/controlplane/openapi/import.js'
import { parseDefinition } from '../../src/controlplane/openapi/parse.js'
import type { HttpApi, RestApi } from '../../src/model/types.js'
import { RecordingMatcher, awsAuthorizer, awsMethod, awsModel, awsResource, awsRestApi } from './recorded-shape.js'

const DATA = new URL('../../../shared/external-data/localstack-apigateway-snapshots/', import.meta.url).pathname
const DEFS = join(DATA, 'api-definitions')
const SNAPSHOT = JSON.parse(readFileSync(join(DATA, 'snapshots/test_apigateway_import.snapshot.json'), 'utf8')) as Record<
  string,
  { 'recorded-content': Record<string, unknown> }
>

/** The values LocalStack's tests put into the files' `${...}` placeholders before importing. */
const FILL: Record<string, string> = {
  '${uri}': 'http://petstore.execute-api.us-east-1.amazonaws.com/petstore/pets',
  '${lambda_invocation_arn}': 'arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:fn/invocations',
  '${authorizer_lambda_invocation_arn}': 'arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:auth/invocations',
  '${cognito_pool_arn}': 'arn:aws:cognito-idp:us-east-1:111111111111:userpool/us-east-1_ABC123',
  '${credentials}': 'arn:aws:iam::000000000000:role/invoker',
}

function load(file: string, opts: Partial<ImportOptions> & { fill?: boolean } = {}): { api: RestApi | HttpApi; warnings: string[] } {
  let text = readFileSync(join(DEFS, file), 'utf8')
  if (opts.fill !== false) for (const [k, v] of Object.entries(FILL)) text = text.split(k).join(v)
  const { fill: _fill, ...rest } = opts
  const r = importOpenApi(parseDefinition(text, file), { kind: 'REST', id: 'rec0000001', file, createdDate: '2025-01-01T00:00:00.000Z', ...rest })
  return { api: r.api, warnings: r.warnings.map((w) => w.message) }
}

function rest(api: RestApi | HttpApi): RestApi {
  assert.equal(api.kind, 'REST')
  return api as RestApi
}

function strip(v: unknown): unknown {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return v
  const { ResponseMetadata: _m, ...rest } = v as Record<string, unknown>
  return rest
}

interface Case {
  test: string
  file: string
  basepath?: 'ignore' | 'prepend' | 'split'
  api?: string
  resources?: string
  models?: string
  authorizers?: string
  validators?: string
  /** Label prefix of the method recordings (`srv-var-method-test-get`). */
  prefix?: string
}

const MODES = ['ignore', 'prepend', 'split'] as const
const CASES: Case[] = [
  { test: 'test_import_swagger_api', file: 'petstore-authorizer.swagger.json', api: 'import-swagger', resources: 'resources', models: 'get-models', authorizers: 'get-authorizers' },
  { test: 'test_import_and_validate_rest_api[openapi.spec.tf.json]', file: 'openapi.spec.tf.json', api: 'import_tf_rest_api', resources: 'resources', models: 'get-models' },
  { test: 'test_import_and_validate_rest_api[swagger-mock-cors.json]', file: 'swagger-mock-cors.json', api: 'import_tf_rest_api', resources: 'resources', models: 'get-models' },
  ...MODES.map((m): Case => ({ test: `test_import_rest_apis_with_base_path_swagger[${m}]`, file: 'swagger.json', basepath: m, api: 'put-rest-api-swagger-json', resources: 'get-resources-swagger-json' })),
  ...MODES.flatMap((m): Case[] => [
    { test: `test_import_rest_api_with_base_path_oas30[${m}]`, file: 'openapi-basepath-server-variable.yaml', basepath: m, api: 'put-rest-api-oas30-srv-var', resources: 'get-resources-oas30-srv-var', prefix: 'srv-var-' },
    { test: `test_import_rest_api_with_base_path_oas30[${m}]`, file: 'openapi-basepath-url.yaml', basepath: m, api: 'put-rest-api-oas30-srv-url', resources: 'get-resources-oas30-srv-url', prefix: 'srv-url-' },
  ]),
  { test: 'test_import_with_global_api_key_authorizer', file: 'openapi.spec.global-auth.json', api: 'import-swagger', resources: 'resources', authorizers: 'get-authorizers' },
  { test: 'test_import_with_circular_models', file: 'openapi.spec.circular-ref.json', api: 'import-api', resources: 'resources', models: 'get-models' },
  { test: 'test_import_with_circular_models_and_request_validation', file: 'openapi.spec.circular-ref-with-request-body.json', api: 'import-api', resources: 'resources', models: 'get-models', validators: 'request-validators' },
  { test: 'test_import_with_http_method_integration', file: 'openapi-http-method-integration.json', resources: 'resources' },
  { test: 'test_import_with_cognito_auth_identity_source', file: 'openapi.cognito-auth.json', api: 'import-swagger', resources: 'resources', authorizers: 'get-authorizers' },
  { test: 'test_import_with_integer_http_status_code', file: 'openapi-method-int.spec.yaml', resources: 'resources' },
  // Binary media types */* and version 1.0: the recording matches the Pulumi-generated definition.
  { test: 'test_import_rest_api', file: 'openapi.spec.pulumi.json', api: 'import_rest_api' },
]

function recording(test: string): Record<string, unknown> {
  const key = Object.keys(SNAPSHOT).find((k) => k.endsWith(`::TestApiGatewayImportRestApi::${test}`))
  assert.ok(key, `no recording for ${test}`)
  return SNAPSHOT[key]!['recorded-content']
}

function items(v: unknown): unknown[] {
  const s = strip(v)
  if (Array.isArray(s)) return s
  return (s as { items: unknown[] }).items
}

describe('REST import matches the AWS recordings', () => {
  for (const c of CASES) {
    it(`${c.test} (${c.file})`, () => {
      const rec = recording(c.test)
      const { api: imported, warnings } = load(c.file, c.basepath ? { basepath: c.basepath } : {})
      const api = rest(imported)
      const m = new RecordingMatcher({ '<region>': 'us-east-1', '<partition>': 'aws', '<model-base-url>': 'https://apigateway.amazonaws.com' })

      if (c.api) {
        const expected = strip(rec[c.api]) as Record<string, unknown>
        const { createdDate: _c, tags: _t, warnings: recordedWarnings, endpointConfiguration, ...fields } = expected
        const { ipAddressType: _ip, ...endpoint } = endpointConfiguration as Record<string, unknown>
        m.match({ ...fields, endpointConfiguration: endpoint }, awsRestApi(api), c.api)
        assert.deepEqual(warnings, (recordedWarnings as string[] | undefined) ?? [], `${c.api}: import warnings`)
      }

      if (c.resources) {
        const expected = items(rec[c.resources]) as Array<{ path: string }>
        const ours = Object.values(api.resources).map(awsResource) as Array<{ path: string }>
        const byPath = (a: { path: string }, b: { path: string }): number => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)
        m.match([...expected].sort(byPath), [...ours].sort(byPath), c.resources)
        // Every method we created was recorded, and matches.
        for (const r of Object.values(api.resources)) {
          for (const [verb, method] of Object.entries(r.resourceMethods)) {
            const label = `${c.prefix ?? ''}method-${r.path === '/' ? 'root' : r.path.slice(1)}-${verb.toLowerCase()}`
            assert.ok(rec[label] !== undefined, `recording has ${label}`)
            m.match(strip(rec[label]), awsMethod(method!), label)
          }
        }
      }

      if (c.authorizers) {
        const expected = items(rec[c.authorizers]) as Array<Record<string, unknown>>
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
        const expected = items(rec[c.models]) as Array<Record<string, unknown>>
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

      if (c.validators) {
        const expected = items(rec[c.validators])
        m.match(expected, Object.values(api.requestValidators), c.validators)
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
