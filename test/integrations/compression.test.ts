// Compression (§14.1): Accept-Encoding negotiation, compressed method responses (MOCK, HTTP, HTTP_PROXY with
// known and unknown lengths, already-encoded backends, large streamed bodies), and decompressed request
// bodies, through a real gateway and upstream.

import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { gunzipSync, gzipSync, inflateSync, deflateSync } from 'node:zlib'
import { request } from 'undici'
import { addVary, decompressRequestBody, negotiateEncoding } from '../../src/dataplane/compression.js'
import { startGateway, startUpstream, tempDir, writeFile, type TestGateway, type Upstream } from '../helpers.js'

test('Accept-Encoding: the highest q wins and must be a coding we support; gzip before deflate at equal q', () => {
  // The examples of §14.1.
  assert.equal(negotiateEncoding('deflate,gzip'), 'gzip')
  assert.equal(negotiateEncoding('*'), 'gzip')
  assert.equal(negotiateEncoding('deflate;q=0.5,gzip;q=1.0'), 'gzip')
  assert.equal(negotiateEncoding('gzip;q=1.0,identity;q=0.5,*;q=0'), 'gzip')
  assert.equal(negotiateEncoding('deflate'), 'deflate')
  assert.equal(negotiateEncoding('gzip;q=0.4, deflate;q=0.9'), 'deflate')
  assert.equal(negotiateEncoding('GZIP'), 'gzip')
  assert.equal(negotiateEncoding('x-gzip'), 'gzip')
  assert.equal(negotiateEncoding('gzip;q=0, *'), 'deflate')
  // Nothing to compress with.
  assert.equal(negotiateEncoding(undefined), null)
  assert.equal(negotiateEncoding(''), null)
  assert.equal(negotiateEncoding('identity'), null)
  assert.equal(negotiateEncoding('br'), null)
  assert.equal(negotiateEncoding('br;q=1.0, gzip;q=0.8'), null, 'the top coding is unsupported')
  assert.equal(negotiateEncoding('identity;q=1, gzip;q=0.5'), null)
  assert.equal(negotiateEncoding('gzip;q=0'), null)
  assert.equal(negotiateEncoding('*;q=0'), null)
})

test('Vary gains Accept-Encoding once', () => {
  const a = ['Content-Type', 'text/plain']
  addVary(a)
  assert.deepEqual(a, ['Content-Type', 'text/plain', 'Vary', 'Accept-Encoding'])
  const b = ['vary', 'Origin']
  addVary(b)
  assert.deepEqual(b, ['vary', 'Origin, Accept-Encoding'])
  const c = ['Vary', 'accept-encoding']
  addVary(c)
  assert.deepEqual(c, ['Vary', 'accept-encoding'])
})

test('request bodies are decompressed by Content-Encoding; unknown or broken codings are 415, oversized 413', async () => {
  const text = Buffer.from('{"hello":"world"}')
  assert.deepEqual(await decompressRequestBody(gzipSync(text), 'gzip', 1000), text)
  assert.deepEqual(await decompressRequestBody(deflateSync(text), 'deflate', 1000), text)
  assert.deepEqual(await decompressRequestBody(text, 'identity', 1000), text)
  assert.deepEqual(await decompressRequestBody(gzipSync(deflateSync(text)), 'deflate, gzip', 1000), text)
  await assert.rejects(decompressRequestBody(text, 'br', 1000), { code: 'UNSUPPORTED_MEDIA_TYPE' })
  await assert.rejects(decompressRequestBody(text, 'gzip', 1000), { code: 'UNSUPPORTED_MEDIA_TYPE' })
  await assert.rejects(decompressRequestBody(gzipSync(Buffer.alloc(5000)), 'gzip', 1000), { code: 'REQUEST_TOO_LARGE' })
})

const MIN = 1000
const BIG = JSON.stringify({ items: Array.from({ length: 200 }, (_, i) => ({ id: i, name: `item number ${i}` })) })
const HUGE = 'z'.repeat(600 * 1024)

let upstream: Upstream
let gw: TestGateway
let off: TestGateway
let tmp: { dir: string; cleanup: () => void }

function api(backend: string, title: string, minimum: number | null) {
  const mock = (body: string) => ({
    get: {
      responses: { '200': { description: 'ok' } },
      'x-amazon-apigateway-integration': {
        type: 'mock',
        requestTemplates: { 'application/json': '{"statusCode": 200}' },
        responses: { default: { statusCode: '200', responseTemplates: { 'application/json': body } } },
      },
    },
  })
  const proxy = (path: string) => ({ get: { 'x-amazon-apigateway-integration': { type: 'http_proxy', httpMethod: 'GET', uri: `${backend}${path}` } } })
  return {
    openapi: '3.0.1',
    info: { title, version: '1' },
    ...(minimum === null ? {} : { 'x-amazon-apigateway-minimum-compression-size': minimum }),
    paths: {
      '/big': mock(BIG),
      '/small': mock('{"ok": true}'),
      '/huge': {
        get: {
          responses: { '200': { description: 'ok' } },
          'x-amazon-apigateway-integration': { type: 'http', httpMethod: 'GET', uri: `${backend}/huge`, responses: { default: { statusCode: '200' } } },
        },
      },
      '/http': {
        post: {
          responses: { '200': { description: 'ok' } },
          'x-amazon-apigateway-integration': {
            type: 'http',
            httpMethod: 'POST',
            uri: `${backend}/echo`,
            requestParameters: { 'integration.request.header.X-Name': 'method.request.body.name' },
            requestTemplates: { 'application/json': '{"wrapped": $input.json(\'$\')}' },
            responses: { default: { statusCode: '200' } },
          },
        },
      },
      '/proxy/length': proxy('/length'),
      '/proxy/chunked-big': proxy('/chunked-big'),
      '/proxy/chunked-small': proxy('/chunked-small'),
      '/proxy/encoded': proxy('/encoded'),
    },
  }
}

before(async () => {
  upstream = await startUpstream((req, res, body) => {
    switch (req.url) {
      case '/length':
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(BIG)) })
        res.end(BIG)
        return
      case '/chunked-big':
        res.writeHead(200, { 'Content-Type': 'application/json' })
        res.write(BIG.slice(0, 100))
        setTimeout(() => res.end(BIG.slice(100)), 5)
        return
      case '/chunked-small':
        res.writeHead(200, { 'Content-Type': 'application/json' })
        res.write('{"small":')
        res.end(' true}')
        return
      case '/huge':
        res.writeHead(200, { 'Content-Type': 'text/plain' })
        res.end(HUGE)
        return
      case '/encoded': {
        const z = gzipSync(Buffer.from(BIG))
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip', 'Content-Length': String(z.length) })
        res.end(z)
        return
      }
      default:
        res.writeHead(200, { 'Content-Type': 'application/json' })
        res.end(JSON.stringify({ received: body, name: req.headers['x-name'] ?? null, pad: 'p'.repeat(MIN) }))
    }
  })
  tmp = tempDir()
  gw = await startGateway({ restApis: [writeFile(tmp.dir, 'on.json', api(upstream.url, 'compressed', MIN))], stage: 'dev' })
  off = await startGateway({ restApis: [writeFile(tmp.dir, 'off.json', api(upstream.url, 'uncompressed', null))], stage: 'dev' })
})

after(async () => {
  await gw.stop()
  await off.stop()
  await upstream.close()
  tmp.cleanup()
})

async function get(g: TestGateway, path: string, headers: Record<string, string> = {}, method = 'GET', body?: Buffer | string) {
  const res = await request(`http://127.0.0.1:${g.port}/dev${path}`, { method: method as 'GET', headers: { host: 'localhost', ...headers }, body: body ?? null })
  return { status: res.statusCode, headers: res.headers, body: Buffer.from(await res.body.arrayBuffer()) }
}

test('a method response at or above minimumCompressionSize is gzip-compressed, with Content-Encoding and Vary', async () => {
  const res = await get(gw, '/big', { 'accept-encoding': 'gzip, deflate, br' })
  assert.equal(res.status, 200)
  assert.equal(res.headers['content-encoding'], 'gzip')
  assert.equal(res.headers['vary'], 'Accept-Encoding')
  assert.equal(Number(res.headers['content-length']), res.body.length)
  assert.ok(res.body.length < Buffer.byteLength(BIG))
  assert.equal(gunzipSync(res.body).toString(), BIG)
})

test('deflate when the client prefers it; nothing when the top coding is unsupported or none is sent', async () => {
  const deflated = await get(gw, '/big', { 'accept-encoding': 'deflate' })
  assert.equal(deflated.headers['content-encoding'], 'deflate')
  assert.equal(inflateSync(deflated.body).toString(), BIG)
  for (const ae of [undefined, 'br', 'identity']) {
    const res = await get(gw, '/big', ae === undefined ? {} : { 'accept-encoding': ae })
    assert.equal(res.headers['content-encoding'], undefined, String(ae))
    assert.equal(res.body.toString(), BIG)
    // The response still varies on Accept-Encoding.
    assert.equal(res.headers['vary'], 'Accept-Encoding')
  }
})

test('below the minimum, or with compression disabled (null), responses are sent as they are', async () => {
  const small = await get(gw, '/small', { 'accept-encoding': 'gzip' })
  assert.equal(small.headers['content-encoding'], undefined)
  assert.equal(small.headers['vary'], undefined)
  assert.equal(small.body.toString(), '{"ok": true}')
  const disabled = await get(off, '/big', { 'accept-encoding': 'gzip' })
  assert.equal(disabled.headers['content-encoding'], undefined)
  assert.equal(disabled.body.toString(), BIG)
})

test('a large non-proxy response (over the synchronous limit) is compressed as a stream and arrives whole', async () => {
  const res = await get(gw, '/huge', { 'accept-encoding': 'gzip' })
  assert.equal(res.headers['content-encoding'], 'gzip')
  assert.equal(gunzipSync(res.body).toString(), HUGE)
})

test('HTTP_PROXY: compressed with a known or unknown length, untouched when small or already encoded by the backend', async () => {
  const known = await get(gw, '/proxy/length', { 'accept-encoding': 'gzip' })
  assert.equal(known.headers['content-encoding'], 'gzip')
  assert.equal(known.headers['vary'], 'Accept-Encoding')
  assert.equal(gunzipSync(known.body).toString(), BIG)
  const chunked = await get(gw, '/proxy/chunked-big', { 'accept-encoding': 'gzip' })
  assert.equal(chunked.headers['content-encoding'], 'gzip')
  assert.equal(gunzipSync(chunked.body).toString(), BIG)
  const small = await get(gw, '/proxy/chunked-small', { 'accept-encoding': 'gzip' })
  assert.equal(small.headers['content-encoding'], undefined)
  assert.equal(small.headers['content-length'], String('{"small": true}'.length))
  assert.equal(small.body.toString(), '{"small": true}')
  const encoded = await get(gw, '/proxy/encoded', { 'accept-encoding': 'gzip' })
  assert.equal(encoded.headers['content-encoding'], 'gzip')
  assert.equal(gunzipSync(encoded.body).toString(), BIG, 'compressed once, by the backend')
  const plain = await get(gw, '/proxy/length')
  assert.equal(plain.headers['content-encoding'], undefined)
  assert.equal(plain.body.toString(), BIG)
})

test('a gzip request body is decompressed before mappings and templates, and the response compressed', async () => {
  const res = await get(gw, '/http', { 'content-type': 'application/json', 'content-encoding': 'gzip', 'accept-encoding': 'gzip' }, 'POST', gzipSync('{"name":"zed"}'))
  assert.equal(res.status, 200)
  assert.equal(res.headers['content-encoding'], 'gzip')
  const seen = JSON.parse(gunzipSync(res.body).toString())
  assert.equal(seen.received, '{"wrapped": {"name":"zed"}}')
  assert.equal(seen.name, 'zed')
})

test('request decompression does not need response compression; a broken or unknown coding is 415', async () => {
  const res = await get(off, '/http', { 'content-type': 'application/json', 'content-encoding': 'deflate' }, 'POST', deflateSync('{"name":"dee"}'))
  assert.equal(res.status, 200)
  assert.equal(JSON.parse(res.body.toString()).name, 'dee')
  const broken = await get(gw, '/http', { 'content-type': 'application/json', 'content-encoding': 'gzip' }, 'POST', '{"name":"plain"}')
  assert.equal(broken.status, 415)
  assert.deepEqual(JSON.parse(broken.body.toString()), { message: 'Unsupported Media Type' })
  const unknown = await get(gw, '/http', { 'content-type': 'application/json', 'content-encoding': 'br' }, 'POST', '{}')
  assert.equal(unknown.status, 415)
})
