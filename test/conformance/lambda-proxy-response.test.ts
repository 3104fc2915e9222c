// Conformance: how a REST AWS_PROXY integration reads a function's result (§4.2), from AWS recordings in
// test_apigateway_lambda.snapshot.json :: test_aws_proxy_response_payload_format_validation. The recorded function
// returned whatever JSON the client POSTed as the request body; so does ours. The 15 recorded shapes are below, one
// test each, then the binaryMediaTypes + Accept case the recording could not show (§14.2, §18.6).
//
// The recording went through an EDGE endpoint: its responses also carry Via, X-Cache, X-Amz-Cf-Pop and X-Amz-Cf-Id,
// which CloudFront adds. Gatehouse is a REGIONAL endpoint (§1.8): those four never appear.

import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { ECHO_EVENT, RESULT_FROM_BODY, lambdaUri, pathParams, startLambdaApi, type LambdaApiUnderTest } from './lambda-helpers.js'

let api: LambdaApiUnderTest
let binaryApi: LambdaApiUnderTest

function proxyApi(title: string, extra: Record<string, unknown> = {}) {
  return {
    openapi: '3.0.1',
    info: { title, version: '1' },
    paths: {
      '/{proxy+}': {
        'x-amazon-apigateway-any-method': {
          parameters: pathParams('proxy'),
          'x-amazon-apigateway-integration': { type: 'aws_proxy', httpMethod: 'POST', uri: lambdaUri('result-from-body') },
        },
      },
      '/echo': { post: { 'x-amazon-apigateway-integration': { type: 'aws_proxy', httpMethod: 'POST', uri: lambdaUri('proxy-echo') } } },
    },
    ...extra,
  }
}

before(async () => {
  api = await startLambdaApi('REST', proxyApi('response-format'), { 'result-from-body': RESULT_FROM_BODY, 'proxy-echo': ECHO_EVENT }, { stage: 'test' })
  binaryApi = await startLambdaApi(
    'REST',
    proxyApi('response-format-binary', { 'x-amazon-apigateway-binary-media-types': ['image/png'] }),
    { 'result-from-body': RESULT_FROM_BODY, 'proxy-echo': ECHO_EVENT },
    { stage: 'test' },
  )
})

after(async () => {
  await api?.stop()
  await binaryApi?.stop()
})

/** POSTs `result` (JSON) as python-requests' `json=` did; the function returns it as its result. */
function invoke(target: LambdaApiUnderTest, result: unknown, headers: Record<string, string> = {}) {
  return target.raw('/test/test', {
    method: 'POST',
    headers: { 'User-Agent': 'python/test', Accept: '*/*', 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify(result),
  })
}

/**
 * Response header names of a successful proxy response, as recorded less the EDGE ones, lower-cased, plus `extra`.
 * (Connection, Content-Length, Content-Type, Date, X-Amzn-Trace-Id, x-amz-apigw-id, x-amzn-RequestId.)
 */
function expectedNames(extra: string[]): string[] {
  return ['connection', 'content-length', 'content-type', 'date', 'x-amz-apigw-id', 'x-amzn-requestid', 'x-amzn-trace-id', ...extra].sort()
}

function names(headers: Record<string, unknown>): string[] {
  return Object.keys(headers).map((h) => h.toLowerCase()).sort()
}

/** The recorded 502: AWS's own message, and (§4.2 [K]) no x-amzn-ErrorType, since it is not a gateway response. */
function assertMalformed(res: { status: number; text: string; headers: Record<string, unknown> }): void {
  assert.equal(res.status, 502)
  assert.deepEqual(JSON.parse(res.text), { message: 'Internal server error' })
  assert.equal(res.headers['x-amzn-errortype'], undefined)
}

test('invoke-api-no-body: {statusCode: 200} → 200 with an empty body', async () => {
  const res = await invoke(api, { statusCode: 200 })
  assert.equal(res.status, 200)
  assert.equal(res.text, '')
  assert.equal(res.headers['content-type'], 'application/json', 'no Content-Type in the result → application/json')
})

test('invoke-api-with-headers: header values are stringified (true → "true")', async () => {
  const res = await invoke(api, { statusCode: 200, headers: { 'test-header': 'value', 'header-bool': true } })
  assert.equal(res.status, 200)
  assert.equal(res.text, '')
  assert.equal(res.headers['test-header'], 'value')
  assert.equal(res.headers['header-bool'], 'true')
  assert.equal(res.headers['content-type'], 'application/json')
  assert.equal(res.headers['content-length'], '0')
  assert.match(String(res.headers['x-amzn-trace-id']), /^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$/)
  assert.deepEqual(names(res.headers), expectedNames(['header-bool', 'test-header']))
})

test('invoke-api-with-headers-null: headers: null is allowed', async () => {
  const res = await invoke(api, { statusCode: 200, headers: null })
  assert.equal(res.status, 200)
  assert.equal(res.text, '')
  assert.deepEqual(names(res.headers), expectedNames([]))
})

test('invoke-api-wrong-format: an unknown top-level key → 502', async () => {
  assertMalformed(await invoke(api, { statusCode: 200, wrongValue: 'value' }))
})

test('invoke-api-empty-response: the recorded call sent no body, so the function failed → 502', async () => {
  // python-requests sends no body for `json={}`: the recorded function then failed on a null body. Ours does the same.
  const res = await api.raw('/test/test', { method: 'POST', headers: { 'User-Agent': 'python/test' } })
  assertMalformed(res)
})

test('an empty object result is read like the other rows without statusCode: 200, empty body (§4.2)', async () => {
  // Not what invoke-api-empty-response shows (there the function failed); §4.2 chooses to treat {} as "no statusCode".
  const res = await invoke(api, {})
  assert.equal(res.status, 200)
  assert.equal(res.text, '')
})

test('invoke-api-b64-encoded-true: without binaryMediaTypes the base64 text is returned as it is', async () => {
  const res = await invoke(api, { statusCode: 200, body: Buffer.from('test-data').toString('base64'), isBase64Encoded: true })
  assert.equal(res.status, 200)
  assert.equal(res.text, 'dGVzdC1kYXRh')
})

test('invoke-api-b64-encoded-false: a base64-looking body without the flag is plain text', async () => {
  const res = await invoke(api, { statusCode: 200, body: Buffer.from('test-data').toString('base64') })
  assert.equal(res.status, 200)
  assert.equal(res.text, 'dGVzdC1kYXRh')
})

test('invoke-api-multi-headers-valid: multiValueHeaders are joined with ", "', async () => {
  const res = await invoke(api, { statusCode: 200, multiValueHeaders: { 'test-multi': ['value1', 'value2'] } })
  assert.equal(res.status, 200)
  assert.equal(res.headers['test-multi'], 'value1, value2')
  assert.deepEqual(names(res.headers), expectedNames(['test-multi']))
})

test('invoke-api-multi-headers-overwrite: multi values first, then the single one', async () => {
  const res = await invoke(api, { statusCode: 200, multiValueHeaders: { 'test-multi': ['value-multi'] }, headers: { 'test-multi': 'value-solo' } })
  assert.equal(res.status, 200)
  assert.equal(res.headers['test-multi'], 'value-multi, value-solo')
  assert.deepEqual(names(res.headers), expectedNames(['test-multi']))
})

test('invoke-api-multi-headers-overwrite-casing: merged case-insensitively under the multiValueHeaders casing', async () => {
  const res = await invoke(api, { statusCode: 200, multiValueHeaders: { 'tesT-Multi': ['value-multi'] }, headers: { 'test-multi': 'value-solo' } })
  assert.equal(res.status, 200)
  const onWire: Array<[string, string]> = []
  for (let i = 0; i < res.rawHeaders.length; i += 2) onWire.push([res.rawHeaders[i]!, res.rawHeaders[i + 1]!])
  assert.deepEqual(onWire.filter(([k]) => k.toLowerCase() === 'test-multi'), [['tesT-Multi', 'value-multi, value-solo']])
})

test('invoke-api-multi-headers-invalid: a multiValueHeaders entry that is not a list → 502', async () => {
  assertMalformed(await invoke(api, { statusCode: 200, multiValueHeaders: { 'test-multi-invalid': 'value1' } }))
})

test('invoke-api-invalid-status-code: statusCode "test" → 502', async () => {
  assertMalformed(await invoke(api, { statusCode: 'test' }))
})

test('invoke-api-status-code-str: statusCode "201" (a numeric string) → 201', async () => {
  const res = await invoke(api, { statusCode: '201' })
  assert.equal(res.status, 201)
  assert.equal(res.text, '')
})

test('invoke-api-just-string: a result that is not an object → 502', async () => {
  assertMalformed(await invoke(api, 'justAString'))
})

test('invoke-api-only-headers: no statusCode → 200, the headers still sent', async () => {
  const res = await invoke(api, { headers: { 'test-header': 'value' } })
  assert.equal(res.status, 200)
  assert.equal(res.text, '')
  assert.equal(res.headers['test-header'], 'value')
})

test('a body that is not a string → 502 (§4.2)', async () => {
  assertMalformed(await invoke(api, { statusCode: 200, body: { nested: true } }))
})

test('isBase64Encoded with binaryMediaTypes: decoded only when the first Accept type matches (§14.2, §18.6)', async () => {
  const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff])
  const result = { statusCode: 200, headers: { 'Content-Type': 'image/png' }, body: png.toString('base64'), isBase64Encoded: true }
  const asBinary = await binaryApi.gw.fetch(`/test/test`, {
    method: 'POST',
    host: `${binaryApi.apiId}.execute-api.localhost:${binaryApi.gw.port}`,
    headers: { accept: 'image/png', 'content-type': 'application/json' },
    body: JSON.stringify(result),
  })
  assert.equal(asBinary.status, 200)
  assert.equal(asBinary.headers['content-type'], 'image/png')
  assert.equal(asBinary.headers['content-length'], String(png.length))
  const firstMatches = await invoke(binaryApi, { statusCode: 200, body: Buffer.from('test-data').toString('base64'), isBase64Encoded: true }, { Accept: 'image/png, text/html' })
  assert.equal(firstMatches.text, 'test-data')
  // Accept listing a binary type second, or a text type: the base64 text is returned.
  const secondOnly = await invoke(binaryApi, { statusCode: 200, body: 'dGVzdC1kYXRh', isBase64Encoded: true }, { Accept: 'text/html, image/png' })
  assert.equal(secondOnly.text, 'dGVzdC1kYXRh')
  const text = await invoke(binaryApi, { statusCode: 200, body: 'dGVzdC1kYXRh', isBase64Encoded: true }, { Accept: 'text/plain' })
  assert.equal(text.text, 'dGVzdC1kYXRh')
})

test('a request body is base64-encoded for the function only when its Content-Type matches binaryMediaTypes (§4.1)', async () => {
  const bytes = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0xff, 0x10])
  const binary = (await binaryApi.gw.fetch('/test/echo', {
    method: 'POST',
    host: `${binaryApi.apiId}.execute-api.localhost:${binaryApi.gw.port}`,
    headers: { 'content-type': 'image/png' },
    body: bytes,
  })).json()
  assert.equal(binary.isBase64Encoded, true)
  assert.equal(binary.body, bytes.toString('base64'))
  const textual = (await binaryApi.raw('/test/echo', { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: 'plain text' })).json()
  assert.equal(textual.isBase64Encoded, false)
  assert.equal(textual.body, 'plain text')
  // Without binaryMediaTypes nothing is encoded, whatever the type.
  const none = (await api.raw('/test/echo', { method: 'POST', headers: { 'Content-Type': 'image/png' }, body: 'abc' })).json()
  assert.equal(none.isBase64Encoded, false)
  assert.equal(none.body, 'abc')
})
