// Conformance: binary media types and contentHandling (§14.2), from the AWS recordings of
// test_apigateway_s3.snapshot.json :: TestApiGatewayS3BinarySupport, kept as
// test/fixtures/aws/localstack/s3-binary-support.json. LocalStack's tests put objects into S3
// through an `AWS` S3 integration (`ANY /{object_path+}`, Content-Type and `response-content-type` mapped) and
// read them back; here a real HTTP server that stores objects by key stands in for S3 behind an `HTTP`
// integration with the same mappings, which handles bodies the same way. Each scenario runs on an API without
// binaryMediaTypes and on one with `image/png` (the recordings' second stage, deployed after adding it).
// Request scenarios compare the stored object's MD5 with the ETag S3 recorded; response scenarios compare the
// bytes the client received with the recorded content.

import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { request } from 'undici'
import { startRestApi, type RestApiUnderTest } from './rest-helpers.js'

/** The two APIs of every recorded scenario, as the fixture names them. */
type ApiVariant = 'no binaryMediaTypes' | 'binaryMediaTypes [image/png]'
const NO_MEDIA: ApiVariant = 'no binaryMediaTypes'
const PNG: ApiVariant = 'binaryMediaTypes [image/png]'

interface Upload {
  api: ApiVariant
  object: string
  contentType: string
  /** MD5 of what S3 stored (its ETag). */
  storedMd5: string
}

interface Download {
  api: ApiVariant
  object: string
  /** The type S3 gave the payload (`response-content-type`). */
  objectType: string
  accept: string
  bodyText?: string
  bodyBase64?: string
  /** The ETag header the client received. */
  etag: string
}

interface Scenario {
  localstackTest: string
  integration?: { requestTemplates: Record<string, unknown> }
  integrationResponse?: { contentHandling: string; responseTemplates: Record<string, unknown> }
  uploads?: Upload[]
  downloads?: Download[]
}

const SCENARIOS = (
  JSON.parse(readFileSync(new URL('../fixtures/aws/localstack/s3-binary-support.json', import.meta.url), 'utf8')) as { scenarios: Record<string, Scenario> }
).scenarios

function scenario(name: string): Scenario {
  const found = SCENARIOS[name]
  if (found === undefined) throw new Error(`no recorded scenario ${name}`)
  return found
}

/** The recorded download of `object` typed `objectType` by S3, asked for with `accept`, on `api`. */
function recordedDownload(name: string, api: ApiVariant, object: string, objectType: string, accept: string): Download {
  const found = scenario(name).downloads?.find((d) => d.api === api && d.object === object && d.objectType === objectType && d.accept === accept)
  if (found === undefined) throw new Error(`no recording ${name} :: ${api}, ${object} as ${objectType}, Accept ${accept}`)
  return found
}

/** The fixture keeps a body as UTF-8 text when it is valid UTF-8, else as base64: back to bytes. */
function recordedBytes(d: Download): Buffer {
  assert.ok((d.bodyText === undefined) !== (d.bodyBase64 === undefined), `exactly one of bodyText and bodyBase64: ${d.object}`)
  return d.bodyText !== undefined ? Buffer.from(d.bodyText, 'utf8') : Buffer.from(d.bodyBase64!, 'base64')
}

/** The tests' template, `json.dumps({"data": "$input.body"})` (the recordings show it parsed). */
const PY_TEMPLATE = '{"data": "$input.body"}'

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex')

/** The test's objects: gzip bytes that are not UTF-8, their base64 text, and plain text. */
const RAW = Buffer.from('H4sIABRs7mMC/0vOzy0oSi0uTk1RSEksSdRRKM7IL81JUUhKVcjMK0vMyUxRCA1x07VQKC4pysxLBwC4ORBXLwAAAA==', 'base64')
const ENCODED = Buffer.from(RAW.toString('base64'))
const TEXT = Buffer.from('this is a UTF8 text typed object')
const BODIES: Record<string, Buffer> = { 'binary-raw': RAW, 'binary-encoded': ENCODED, text: TEXT }

/** The S3 stand-in: PUT stores body and type by key, GET returns them (type from `response-content-type`). */
const objects = new Map<string, { body: Buffer; type: string }>()
let s3: Server
let s3Url: string

before(async () => {
  s3 = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const url = new URL(req.url!, 'http://s3')
      const key = decodeURIComponent(url.pathname.replace(/^\/bucket\//, ''))
      if (req.method === 'PUT') {
        const body = Buffer.concat(chunks)
        objects.set(key, { body, type: req.headers['content-type'] ?? 'binary/octet-stream' })
        res.writeHead(200, { ETag: `"${md5(body)}"`, 'Content-Length': '0' })
        res.end()
        return
      }
      const obj = objects.get(key)
      if (!obj) {
        res.writeHead(404, { 'Content-Type': 'application/xml' })
        res.end('<Error><Code>NoSuchKey</Code></Error>')
        return
      }
      res.writeHead(200, { 'Content-Type': url.searchParams.get('response-content-type') ?? obj.type, ETag: `"${md5(obj.body)}"`, 'Content-Length': String(obj.body.length) })
      res.end(obj.body)
    })
  })
  await new Promise<void>((r) => s3.listen(0, '127.0.0.1', r))
  s3Url = `http://127.0.0.1:${(s3.address() as AddressInfo).port}`
})

after(async () => {
  s3.closeAllConnections()
  await new Promise<void>((r) => s3.close(() => r()))
})

interface Setup {
  requestHandling?: 'CONVERT_TO_TEXT' | 'CONVERT_TO_BINARY'
  responseHandling?: 'CONVERT_TO_TEXT' | 'CONVERT_TO_BINARY'
  requestTemplates?: Record<string, string>
  responseTemplates?: Record<string, string>
}

/** The recordings' API (setup_s3_apigateway), with or without binaryMediaTypes [image/png]. */
function s3Api(setup: Setup, binary: boolean) {
  return {
    openapi: '3.0.1',
    info: { title: `s3-binary-${binary ? 'png' : 'none'}`, version: '1' },
    ...(binary ? { 'x-amazon-apigateway-binary-media-types': ['image/png'] } : {}),
    paths: {
      '/{object_path+}': {
        'x-amazon-apigateway-any-method': {
          parameters: [
            { name: 'object_path', in: 'path', required: true, schema: { type: 'string' } },
            { name: 'Content-Type', in: 'header', schema: { type: 'string' } },
            { name: 'response-content-type', in: 'header', schema: { type: 'string' } },
          ],
          responses: { '200': { description: 'ok', headers: { ETag: { schema: { type: 'string' } } } } },
          'x-amazon-apigateway-integration': {
            type: 'http',
            httpMethod: 'ANY',
            uri: `${s3Url}/bucket/{object_path}`,
            requestParameters: {
              'integration.request.path.object_path': 'method.request.path.object_path',
              'integration.request.header.Content-Type': 'method.request.header.Content-Type',
              'integration.request.querystring.response-content-type': 'method.request.header.response-content-type',
            },
            ...(setup.requestHandling ? { contentHandling: setup.requestHandling } : {}),
            ...(setup.requestTemplates ? { requestTemplates: setup.requestTemplates } : {}),
            responses: {
              default: {
                statusCode: '200',
                responseParameters: { 'method.response.header.ETag': 'integration.response.header.ETag' },
                ...(setup.responseHandling ? { contentHandling: setup.responseHandling } : {}),
                ...(setup.responseTemplates ? { responseTemplates: setup.responseTemplates } : {}),
              },
            },
          },
        },
      },
    },
  }
}

type S3ApiUnderTest = RestApiUnderTest & { variant: ApiVariant }

async function withApis(setup: Setup, run: (apis: { none: S3ApiUnderTest; png: S3ApiUnderTest }) => Promise<void>): Promise<void> {
  const none = { ...(await startRestApi(s3Api(setup, false))), variant: NO_MEDIA }
  const png = { ...(await startRestApi(s3Api(setup, true))), variant: PNG }
  try {
    await run({ none, png })
  } finally {
    await none.stop()
    await png.stop()
  }
}

async function call(api: RestApiUnderTest, method: string, key: string, headers: Record<string, string>, body?: Buffer) {
  const res = await request(`http://127.0.0.1:${api.gw.port}/${api.stage}/${key}`, {
    method: method as 'PUT',
    headers: { host: `localhost:${api.gw.port}`, ...headers },
    body: body ?? null,
  })
  const bytes = Buffer.from(await res.body.arrayBuffer())
  return { status: res.statusCode, headers: res.headers, body: bytes }
}

/** PUTs `key`'s body through the API and returns the stored object's MD5 (S3's ETag). */
async function put(api: RestApiUnderTest, key: string, contentType: string, expected = 200): Promise<string | undefined> {
  objects.delete(key)
  const res = await call(api, 'PUT', key, { 'content-type': contentType }, BODIES[key])
  assert.equal(res.status, expected, `PUT ${key} as ${contentType}: ${res.body.toString()}`)
  if (expected === 200) assert.equal(res.body.length, 0, 'S3 answers a PUT with an empty body')
  const stored = objects.get(key)
  return stored === undefined ? undefined : md5(stored.body)
}

/** What S3 stored (MD5) when `object` was PUT as `contentType` through `api`, as recorded. */
function recordedMd5(name: string, api: ApiVariant, object: string, contentType: string): string {
  const found = scenario(name).uploads?.find((u) => u.api === api && u.object === object && u.contentType === contentType)
  if (found === undefined) throw new Error(`no recording ${name} :: ${api}, ${object} sent as ${contentType}`)
  return found.storedMd5
}

for (const handling of [undefined, 'CONVERT_TO_TEXT'] as const) {
  const name = `upload, request contentHandling ${handling ?? 'unset'}`
  test(`test_apigw_s3_binary_support_request[${handling ?? 'None'}]: what S3 stores for raw, base64 and text bodies with and without binaryMediaTypes`, async () => {
    await withApis({ requestHandling: handling }, async ({ none, png }) => {
      for (const key of Object.keys(BODIES)) {
        assert.equal(await put(none, key, 'image/png'), recordedMd5(name, NO_MEDIA, key, 'image/png'), `no binaryMediaTypes: ${key}`)
      }
      for (const key of Object.keys(BODIES)) {
        assert.equal(await put(png, key, 'image/png'), recordedMd5(name, PNG, key, 'image/png'), `image/png body: ${key}`)
      }
      for (const key of Object.keys(BODIES)) {
        assert.equal(await put(png, key, 'text/plain'), recordedMd5(name, PNG, key, 'text/plain'), `text/plain body: ${key}`)
      }
    })
  })
}

test('test_apigw_s3_binary_support_request_convert_to_binary: text bodies are base64-decoded, non-base64 ones fail with 500', async () => {
  const name = 'upload, request contentHandling CONVERT_TO_BINARY'
  await withApis({ requestHandling: 'CONVERT_TO_BINARY' }, async ({ none, png }) => {
    assert.equal(await put(none, 'binary-encoded', 'image/png'), recordedMd5(name, NO_MEDIA, 'binary-encoded', 'image/png'))
    assert.equal(await put(none, 'binary-raw', 'image/png', 500), undefined, 'nothing reaches S3')
    assert.equal(await put(none, 'text', 'text/plain', 500), undefined, 'nothing reaches S3')
    for (const key of Object.keys(BODIES)) {
      assert.equal(await put(png, key, 'image/png'), recordedMd5(name, PNG, key, 'image/png'), `image/png body: ${key}`)
    }
    assert.equal(await put(png, 'binary-raw', 'text/plain', 500), undefined)
    assert.equal(await put(png, 'text', 'text/plain', 500), undefined)
    assert.equal(await put(png, 'binary-encoded', 'text/plain'), recordedMd5(name, PNG, 'binary-encoded', 'text/plain'))
  })
  const failed = await startRestApi(s3Api({ requestHandling: 'CONVERT_TO_BINARY' }, false))
  try {
    const res = await call(failed, 'PUT', 'text', { 'content-type': 'text/plain' }, TEXT)
    assert.equal(res.status, 500)
    assert.deepEqual(JSON.parse(res.body.toString()), { message: 'Internal server error' })
    assert.equal(res.headers['x-amzn-errortype'], 'InternalServerErrorException')
  } finally {
    await failed.stop()
  }
})

test('test_apigw_s3_binary_support_request_convert_to_binary_with_request_template: the decoded body passes, a template cannot read it', async () => {
  const name = 'upload, CONVERT_TO_BINARY and a request template for application/json'
  const template = PY_TEMPLATE
  assert.deepEqual(scenario(name).integration?.requestTemplates['application/json'], JSON.parse(template))
  await withApis({ requestHandling: 'CONVERT_TO_BINARY', requestTemplates: { 'application/json': template } }, async ({ none }) => {
    // image/png has no template: passed through, base64-decoded.
    assert.equal(await put(none, 'binary-encoded', 'image/png'), recordedMd5(name, NO_MEDIA, 'binary-encoded', 'image/png'))
    // application/json has one: the decoded gzip bytes cannot be rendered.
    assert.equal(await put(none, 'binary-encoded', 'application/json', 500), undefined)
  })
})

/** GETs `key` as `accept` with S3 typing the payload `type`, like the recordings' `_invoke`. */
async function get(api: RestApiUnderTest, key: string, accept: string, type = 'binary/octet-stream') {
  return call(api, 'GET', key, { accept, 'response-content-type': type })
}

async function expectContent(api: S3ApiUnderTest, name: string, key: string, accept: string, type = 'binary/octet-stream'): Promise<void> {
  const want = recordedDownload(name, api.variant, key, type, accept)
  const label = `${api.variant}, ${key} as ${type}, Accept ${accept}`
  const res = await get(api, key, accept, type)
  assert.equal(res.status, 200, `${label}: ${res.body.toString()}`)
  assert.equal(res.body.toString('hex'), recordedBytes(want).toString('hex'), label)
  assert.equal(res.headers['etag'], want.etag, `${label}: the mapped ETag`)
}

async function expect500(api: RestApiUnderTest, key: string, accept: string, type?: string): Promise<void> {
  const res = await get(api, key, accept, type)
  assert.equal(res.status, 500, `${key} as ${accept}`)
  assert.deepEqual(JSON.parse(res.body.toString()), { message: 'Internal server error' })
}

function storeAll(): void {
  for (const [key, body] of Object.entries(BODIES)) objects.set(key, { body, type: 'binary/octet-stream' })
}

/**
 * With binaryMediaTypes [image/png]: a "text payload" is one S3 types binary/octet-stream (not a binary media
 * type of the API), a "binary payload" one it types image/png; Accept is binary (image/png) or text (text/plain).
 */
const RESPONSE_ROWS = [
  // [text or binary payload, payload type, accept]
  ['text', 'binary/octet-stream', 'image/png'],
  ['binary', 'image/png', 'image/png'],
  ['text', 'binary/octet-stream', 'text/plain'],
  ['binary', 'image/png', 'text/plain'],
] as const

test('test_apigw_s3_binary_support_response_no_content_handling: Accept and payload type decide (binary↔text, base64 both ways)', async () => {
  const name = 'download, response contentHandling unset'
  storeAll()
  await withApis({}, async ({ none, png }) => {
    await expectContent(none, name, 'text', 'text/plain')
    await expectContent(none, name, 'binary-raw', 'image/png')
    await expectContent(none, name, 'binary-encoded', 'image/png')
    for (const [payload, type, accept] of RESPONSE_ROWS) {
      for (const key of Object.keys(BODIES)) {
        // A text payload asked for as binary is base64-decoded: raw bytes and plain text are not base64.
        if (payload === 'text' && accept === 'image/png' && key !== 'binary-encoded') await expect500(png, key, accept, type)
        else await expectContent(png, name, key, accept, type)
      }
    }
  })
})

test('test_apigw_s3_binary_support_response_convert_to_text: binary payloads base64-encoded, text as (lossy) UTF-8, whatever the Accept', async () => {
  const name = 'download, response contentHandling CONVERT_TO_TEXT'
  storeAll()
  await withApis({ responseHandling: 'CONVERT_TO_TEXT' }, async ({ none, png }) => {
    await expectContent(none, name, 'text', 'text/plain')
    await expectContent(none, name, 'binary-raw', 'image/png')
    await expectContent(none, name, 'binary-encoded', 'image/png')
    for (const [, type, accept] of RESPONSE_ROWS) {
      for (const key of Object.keys(BODIES)) await expectContent(png, name, key, accept, type)
    }
  })
})

test('test_apigw_s3_binary_support_response_convert_to_binary: text payloads base64-decoded (500 when not base64), binary ones as they are', async () => {
  const name = 'download, response contentHandling CONVERT_TO_BINARY'
  storeAll()
  await withApis({ responseHandling: 'CONVERT_TO_BINARY' }, async ({ none, png }) => {
    await expectContent(none, name, 'binary-encoded', 'image/png')
    await expect500(none, 'binary-raw', 'image/png')
    await expect500(none, 'text', 'text/plain')
    for (const [payload, type, accept] of RESPONSE_ROWS) {
      for (const key of Object.keys(BODIES)) {
        if (payload === 'text' && key !== 'binary-encoded') await expect500(png, key, accept, type)
        else await expectContent(png, name, key, accept, type)
      }
    }
  })
})

test('test_apigw_s3_binary_support_response_convert_to_binary_with_request_template: CONVERT_TO_TEXT then the template', async () => {
  const name = 'download, CONVERT_TO_TEXT and a response template for application/json'
  const ir = scenario(name).integrationResponse!
  const template = PY_TEMPLATE
  assert.deepEqual(ir.responseTemplates['application/json'], JSON.parse(template))
  storeAll()
  await withApis({ responseHandling: 'CONVERT_TO_TEXT', responseTemplates: { 'application/json': template } }, async ({ png }) => {
    await expectContent(png, name, 'binary-encoded', 'image/png')
  })
  // After the update to CONVERT_TO_BINARY nothing was recorded; here the decoded gzip bytes cannot be rendered
  // by the template: 500 ([K], the request side's recorded rule).
  await withApis({ responseHandling: 'CONVERT_TO_BINARY', responseTemplates: { 'application/json': template } }, async ({ png }) => {
    await expect500(png, 'binary-encoded', 'image/png')
  })
})
