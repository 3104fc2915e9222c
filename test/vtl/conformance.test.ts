// Template rendering checked against AWS recordings: LocalStack's tests recorded against real AWS (kept as
// test/fixtures/aws/localstack/mapping-templates.json and s3-binary-support.json, with the templates and API
// definitions those tests used), the recorded cases restated in the AWS behaviour reference §5.2 (their
// recordings are not among our fixtures), and the AWS Developer Guide examples.
// Inputs the recordings do not hold are reconstructed only where the scenario leaves no doubt; each case says so.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { compileTemplate, type RenderResult, type TemplateInput } from '../../src/vtl/index.js'

const DATA = new URL('../fixtures/aws/localstack/', import.meta.url)

function readText(rel: string): string {
  return readFileSync(new URL(rel, DATA), 'utf8')
}

interface Scenarios<T> {
  scenarios: Record<string, T>
}

function scenario<T>(file: string, name: string): T {
  const all = (JSON.parse(readText(file)) as Scenarios<T>).scenarios
  const found = all[name]
  assert.ok(found !== undefined, `${name} not in ${file}`)
  return found
}

interface TemplateScenarios {
  'a Lambda response template sets the status with responseOverride': { template: string; responses: Record<string, { body: unknown; statusCode: number }> }
  'a Lambda request template reads a query parameter': {
    method: { requestParameters: Record<string, boolean> }
    integration: { requestTemplates: Record<string, unknown> }
    lambdaEvents: unknown[]
  }
  'a MOCK response template echoes a path parameter': { definition: string; response: unknown }
  'the default gateway response for MISSING_AUTHENTICATION_TOKEN': { gatewayResponse: { responseType: string; responseTemplates: Record<string, string> } }
}

function recorded<K extends keyof TemplateScenarios>(name: K): TemplateScenarios[K] {
  return scenario<TemplateScenarios[K]>('mapping-templates.json', name)
}

interface S3Download {
  api: string
  object: string
  objectType: string
  accept: string
  bodyText?: string
  bodyBase64?: string
}

function render(template: string, input: Partial<TemplateInput>, context: Record<string, unknown> = {}): RenderResult {
  const full: TemplateInput = { body: '', path: {}, querystring: {}, header: {}, ...input }
  return compileTemplate(template).render({ input: full, context, stageVariables: null })
}

// ---------------------------------------------------------------------------------------------------
// LocalStack's recordings (made against AWS)

test('response-template.vm: $input.json("$") and responseOverride.status chosen by $inputRoot.toString() [test_lambda_aws_integration_response_with_mapping_templates]', () => {
  const rec = recorded('a Lambda response template sets the status with responseOverride')
  const template = readText(rec.template)
  for (const [label, status] of [['status 202', 202], ['status 400', 400]] as const) {
    const expected = rec.responses[label] as { body: unknown; statusCode: number }
    assert.equal(expected.statusCode, status)
    // The Lambda's result is what `$input.json("$")` echoed back to the client.
    const r = render(template, { body: JSON.stringify(expected.body) })
    assert.deepEqual(JSON.parse(r.output), expected.body, label)
    assert.equal(r.responseOverride.status, status, label)
  }
})

test('a request template reading a query parameter [test_lambda_aws_integration_with_request_template]', () => {
  const rec = recorded('a Lambda request template reads a query parameter')
  assert.ok('method.request.querystring.param1' in rec.method.requestParameters)
  // The recording holds the JSON template parsed; its text is that object serialised.
  const template = JSON.stringify(rec.integration.requestTemplates['application/json'])
  rec.lambdaEvents.forEach((event, i) => {
    const r = render(template, { querystring: { param1: 'foobar' } })
    assert.deepEqual(JSON.parse(r.output), event, `call ${i + 1}`)
  })
})

test('MOCK response template echoing a path parameter [TestAPIGateway::test_api_gateway_mock_integration, openapi-mock.json]', () => {
  // Reconstructed input: the recorded keys are exactly openapi-mock.json's template for /echo/{data}, so the
  // call was /echo/foobar.
  const rec = recorded('a MOCK response template echoes a path parameter')
  const spec = JSON.parse(readText(rec.definition)) as {
    paths: Record<string, Record<string, { 'x-amazon-apigateway-integration': { responses: { default: { responseTemplates: Record<string, string> } } } }>>
  }
  const integration = spec.paths['/echo/{data}']?.['x-amazon-apigateway-any-method']?.['x-amazon-apigateway-integration']
  const template = integration?.responses.default.responseTemplates['application/json'] as string
  const r = render(template, { path: { data: 'foobar' } })
  assert.deepEqual(JSON.parse(r.output), rec.response)
})

test('$input.body is inserted verbatim into a response template [TestApiGatewayS3BinarySupport::test_apigw_s3_binary_support_response_convert_to_binary_with_request_template]', () => {
  const rec = scenario<{ integrationResponse: { responseTemplates: Record<string, unknown>; contentHandling: string }; downloads: S3Download[] }>(
    's3-binary-support.json',
    'download, CONVERT_TO_TEXT and a response template for application/json',
  )
  const ir = rec.integrationResponse
  assert.equal(ir.contentHandling, 'CONVERT_TO_TEXT')
  const template = `{"data": "${(ir.responseTemplates['application/json'] as { data: string }).data}"}`
  // The client saw {"data": "<base64>"}: with CONVERT_TO_TEXT the template got the object base64-encoded.
  const download = rec.downloads.find((d) => d.object === 'binary-encoded' && d.objectType === 'binary/octet-stream' && d.accept === 'image/png')
  const expected = download?.bodyText as string
  const b64 = (JSON.parse(expected) as { data: string }).data
  assert.equal(Buffer.from(b64, 'base64').subarray(0, 2).toString('hex'), '1f8b', 'the object is the gzip file of the request test')
  assert.equal(render(template, { body: b64, contentType: 'application/json' }).output, expected)
})

test('the default gateway-response template renders the quoted error message [test_gateway_response_crud, §6.1, §18.1]', () => {
  const def = recorded('the default gateway response for MISSING_AUTHENTICATION_TOKEN').gatewayResponse
  assert.equal(def.responseType, 'MISSING_AUTHENTICATION_TOKEN')
  const template = def.responseTemplates['application/json'] as string
  const r = render(template, {}, { error: { message: 'Missing Authentication Token', messageString: '"Missing Authentication Token"', responseType: 'MISSING_AUTHENTICATION_TOKEN' } })
  assert.equal(r.output, '{"message":"Missing Authentication Token"}')
})

test('request-template.vm (LocalStack input file) renders valid JSON with every parameter escaped', () => {
  const template = readText('api-definitions/request-template.vm')
  const r = render(
    template,
    {
      body: '{"order": {"id": 7}}',
      path: { id: 'a/b' },
      querystring: { q: 'say "hi"', page: '2' },
      header: { 'User-Agent': 'curl/8', Accept: '*/*' },
    },
    { apiId: 'abc123', httpMethod: 'POST', identity: { sourceIp: '10.1.2.3', userAgent: 'curl/8' }, path: '/dev/items/a/b', protocol: 'HTTP/1.1', requestId: 'r-1', stage: 'dev' },
  )
  const doc = JSON.parse(r.output) as Record<string, Record<string, unknown>>
  assert.deepEqual(doc.apiContext, { apiId: 'abc123', method: 'POST', sourceIp: '10.1.2.3', userAgent: 'curl/8', path: '/dev/items/a/b', protocol: 'HTTP/1.1', requestId: 'r-1', stage: 'dev' })
  assert.deepEqual(doc.path, { parameterMap: { id: 'a/b' } })
  assert.deepEqual(doc.querystring, { parameterMap: { q: 'say "hi"', page: '2' } })
  assert.deepEqual(doc.header, { parameterMap: { 'User-Agent': 'curl/8', Accept: '*/*' } })
  assert.deepEqual(doc.body, { order: { id: 7 } })
})

test('the all-params request template from openapi-http-method-integration.json renders valid JSON', () => {
  const spec = JSON.parse(readText('api-definitions/openapi-http-method-integration.json')) as {
    paths: Record<string, Record<string, { 'x-amazon-apigateway-integration'?: { requestTemplates?: Record<string, string> } }>>
  }
  const template = Object.values(spec.paths)
    .flatMap((p) => Object.values(p))
    .map((m) => m['x-amazon-apigateway-integration']?.requestTemplates?.['application/json'])
    .find((t) => t?.includes('$allParams')) as string
  const r = render(template, { path: {}, querystring: { a: "it's" }, header: { Host: 'h' } })
  assert.deepEqual(JSON.parse(r.output.replaceAll("\\'", "'")), { params: { path: {}, querystring: { a: "it's" }, header: { Host: 'h' } } })
})

// ---------------------------------------------------------------------------------------------------
// Recorded cases restated in the AWS behaviour reference §5.1–§5.2 [REC test_input_path_template_formatting /
// test_input_body_formatting] (their recordings are not among our fixtures).

const pathCases: [body: string, template: string, output: string][] = [
  ['{"foo":"bar"}', "#set($r=$input.path('$'))$r", '{foo=bar}'],
  ['{"bigger":"dict","to":"test","with":"separators"}', "#set($r=$input.path('$'))$r", '{bigger=dict, to=test, with=separators}'],
  ['[{"foo":"bar"}]', "#set($r=$input.path('$'))$r", '[{"foo":"bar"}]'],
  ['{"foo":[{"nested":"bar"}]}', "#set($r=$input.path('$'))$r", '{foo=[{"nested":"bar"}]}'],
  ['[{"foo":"bar"}]', "#set($r=$input.path('$'))$r[0]", '{foo=bar}'],
  ['{"nested":{"foo":"bar"}}', "#set($r=$input.path('$'))$r.nested", '{foo=bar}'],
  ['{"listValue":[]}', "$input.path('$.listValue')", '[]'],
  ['{"listValue":null}', "$input.path('$.listValue')", ''],
  ['{"foo":"bar"}', "#set($r=$input.path('$'))$r.toString()", '{foo=bar}'],
]

for (const [body, template, output] of pathCases) {
  test(`§5.2 [REC]: ${template} with ${body} → ${JSON.stringify(output)}`, () => {
    assert.equal(render(template, { body }).output, output)
  })
}

test('§5.1 [REC]: a missing $input.path result compares equal to ""', () => {
  assert.equal(render("#set($result = $input.path('$.missing'))#if($result == \"\")no result#{else}$result#end", { body: '{"a":1}' }).output, 'no result')
})

test('§5.2 [REC]: an empty body under a JSON content type renders $input.body as {}', () => {
  assert.equal(render('$input.body', { body: '', contentType: 'application/json' }).output, '{}')
})

test('§5.6 [REC]: responseOverride.status set in a request template, requestOverride readable in a response template', () => {
  const req = render('#set($context.responseOverride.status = 400)#set($context.requestOverride.header.X-Test = "t")', {})
  assert.equal(req.responseOverride.status, 400)
  const res = render('$context.requestOverride.header.X-Test', {}, { requestOverride: req.requestOverride, responseOverride: req.responseOverride })
  assert.equal(res.output, 't')
  assert.equal(res.responseOverride.status, 400)
})

// ---------------------------------------------------------------------------------------------------
// AWS Developer Guide examples (api-gateway-mapping-template-reference: POST /things/abc)

test('[DOC] the $input example: params, path(...).size() and json(...)', () => {
  const template = `{
    "id" : "$input.params('id')",
    "count" : "$input.path('$.things').size()",
    "things" : $input.json('$.things')
}`
  const r = render(template, { path: { id: 'abc' }, body: '{"things": {"1": {}, "2": {}, "3": {}}}' })
  assert.deepEqual(JSON.parse(r.output), { id: 'abc', count: '3', things: { '1': {}, '2': {}, '3': {} } })
})
