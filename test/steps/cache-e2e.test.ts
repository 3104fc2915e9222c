// REST stage response caching (docs/aws-behaviour.md §8) through a real gateway on the in-memory cache, in
// front of a real upstream that counts its calls: hits byte-identical to the response they copy, the key
// (cacheKeyParameters in, everything else out), GET-only unless a method says otherwise, TTL on the gateway's
// injected clock, the 1 MB limit, 2xx only, the Cache-Control: max-age=0 strategies with IAM authorization,
// the CacheHitCount/CacheMissCount metrics, and the flush on a new deployment of the stage.

import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { SignatureV4 } from '@smithy/signature-v4'
import { Sha256 } from '@aws-crypto/sha256-js'
import { startGateway, startUpstream, tempDir, writeFile, type TestGateway, type TestResponse, type Upstream } from '../helpers.js'
import { CACHE_CONTROL_IGNORED_WARNING } from '../../src/steps/cache/index.js'

const API_ID = 'cacheapi01'
const REGION = 'us-east-1'
const ARN_PREFIX = `arn:aws:execute-api:${REGION}:000000000000:${API_ID}`
const ALICE = { accessKeyId: 'AKIDALICE00000000001', secretAccessKey: 'alice-secret' }
const BOB = { accessKeyId: 'AKIDBOB0000000000001', secretAccessKey: 'bob-secret' }
const MB = 1_048_576

let now = Date.UTC(2030, 5, 1, 12, 0, 0)
let upstream: Upstream
let gw: TestGateway
let tmp: { dir: string; cleanup: () => void }

/** Upstream calls so far whose path starts with `path`. */
const calls = (path: string): number => upstream.requests.filter((r) => r.url.startsWith(path)).length

function proxy(path: string, method = 'GET', extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { type: 'http_proxy', httpMethod: method, uri: `${upstream.url}${path}`, ...extra }
}

function apiDocument(version: string): Record<string, unknown> {
  return {
    openapi: '3.0.1',
    info: { title: 'cached', version },
    components: { securitySchemes: { sigv4: { type: 'apiKey', name: 'Authorization', in: 'header', 'x-amazon-apigateway-authtype': 'awsSigv4' } } },
    paths: {
      '/plain': {
        get: { 'x-amazon-apigateway-integration': proxy('/plain') },
        post: { 'x-amazon-apigateway-integration': proxy('/plain', 'POST') },
      },
      '/search': { post: { 'x-amazon-apigateway-integration': proxy('/search', 'POST') } },
      '/items/{id}': {
        get: {
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          'x-amazon-apigateway-integration': proxy('/items/{id}', 'GET', {
            requestParameters: { 'integration.request.path.id': 'method.request.path.id' },
            cacheKeyParameters: ['method.request.path.id', 'method.request.querystring.lang', 'method.request.header.x-tenant'],
          }),
        },
      },
      '/bytes': { get: { 'x-amazon-apigateway-integration': proxy('/bytes', 'GET', { cacheKeyParameters: ['method.request.querystring.n'] }) } },
      '/status/{code}': {
        get: {
          parameters: [{ name: 'code', in: 'path', required: true, schema: { type: 'string' } }],
          'x-amazon-apigateway-integration': proxy('/status/{code}', 'GET', {
            requestParameters: { 'integration.request.path.code': 'method.request.path.code' },
            cacheKeyParameters: ['method.request.path.code'],
          }),
        },
      },
      '/uncached': { get: { 'x-amazon-apigateway-integration': proxy('/uncached') } },
      '/short': { get: { 'x-amazon-apigateway-integration': proxy('/short') } },
      '/strict': { get: { 'x-amazon-apigateway-integration': proxy('/strict') } },
      '/silent': { get: { 'x-amazon-apigateway-integration': proxy('/silent') } },
      '/anyone': { get: { 'x-amazon-apigateway-integration': proxy('/anyone') } },
      '/signed': { get: { security: [{ sigv4: [] }], 'x-amazon-apigateway-integration': proxy('/signed') } },
    },
  }
}

const stageSettings = {
  cacheClusterEnabled: true,
  cacheClusterSize: '0.5',
  methodSettings: {
    '*/*': { cachingEnabled: true, cacheTtlInSeconds: 60 },
    '~1search/POST': { cachingEnabled: true },
    '~1uncached/GET': { cachingEnabled: false },
    '~1short/GET': { cacheTtlInSeconds: 5 },
    '~1strict/GET': { unauthorizedCacheControlHeaderStrategy: 'FAIL_WITH_403' },
    '~1silent/GET': { unauthorizedCacheControlHeaderStrategy: 'SUCCEED_WITHOUT_RESPONSE_HEADER' },
    '~1anyone/GET': { requireAuthorizationForCacheControl: false },
  },
}

before(async () => {
  upstream = await startUpstream((req, res) => {
    const url = new URL(req.url!, 'http://upstream')
    const n = upstream.requests.filter((r) => r.url.split('?')[0] === url.pathname).length
    if (url.pathname.startsWith('/status/')) {
      const code = Number(url.pathname.slice('/status/'.length))
      res.writeHead(code, { 'Content-Type': 'text/plain' })
      res.end(`status ${code}, call ${n}`)
      return
    }
    if (url.pathname === '/bytes') {
      res.writeHead(200, { 'Content-Type': 'application/octet-stream' })
      res.end(Buffer.alloc(Number(url.searchParams.get('n')), n))
      return
    }
    const body = Buffer.concat([Buffer.from([0, 0xff, 0x80, n]), Buffer.from(` ${req.method} ${req.url}`)])
    res.writeHead(201, {
      'Content-Type': 'application/octet-stream',
      'Content-Length': String(body.length),
      'Set-Cookie': ['a=1', 'b=2'],
      'X-Call': String(n),
      'X-Echo-Query': url.search,
      'X-Echo-Tenant': String(req.headers['x-tenant'] ?? ''),
    })
    res.end(body)
  })
  tmp = tempDir('gatehouse-cache-e2e-')
  writeFile(tmp.dir, 'api.json', apiDocument('1'))
  const allowInvoke = { Effect: 'Allow', Action: 'execute-api:Invoke', Resource: `${ARN_PREFIX}/*` }
  const config = writeFile(tmp.dir, 'gatehouse.yaml', {
    apis: [{ name: 'cached', id: API_ID, type: 'rest', openapi: './api.json', stages: { prod: stageSettings, plain: {} } }],
    identity: {
      region: REGION,
      credentials: [
        {
          ...ALICE,
          principalArn: 'arn:aws:iam::000000000000:user/alice',
          policies: [{ Version: '2012-10-17', Statement: [allowInvoke, { Effect: 'Allow', Action: 'execute-api:InvalidateCache', Resource: `${ARN_PREFIX}/prod/GET/*` }] }],
        },
        { ...BOB, principalArn: 'arn:aws:iam::000000000000:user/bob', policies: [{ Version: '2012-10-17', Statement: [allowInvoke] }] },
      ],
    },
  })
  gw = await startGateway({ configFile: config }, { now: () => now })
})

after(async () => {
  await gw?.stop()
  await upstream?.close()
  tmp?.cleanup()
})

const get = (path: string, headers: Record<string, string> = {}): Promise<TestResponse> => gw.fetch(path, { headers })

/** What a client sees of a response, without the ids every response has of its own. */
function seen(r: TestResponse): unknown {
  const headers = { ...r.headers }
  for (const h of ['x-amzn-requestid', 'x-amz-apigw-id']) delete headers[h]
  return { status: r.status, headers, body: Buffer.from(r.text, 'latin1').toString('base64') }
}

async function metric(name: string, resource: string): Promise<number> {
  const text = (await gw.admin('/metrics')).text
  const line = text.split('\n').find((l) => l.startsWith(`apigateway_${name}{`) && l.includes('stage="prod"') && l.includes(`resource="${resource}"`))
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1))
}

test('a GET is answered from the cache the second time: status, headers and body identical, the upstream called once, hits and misses counted', async () => {
  const first = await get('/prod/plain')
  assert.equal(first.status, 201)
  assert.equal(first.headers['x-call'], '1')
  const second = await get('/prod/plain')
  assert.deepEqual(seen(second), seen(first))
  assert.deepEqual(second.headers['set-cookie'], ['a=1', 'b=2'])
  assert.notEqual(second.headers['x-amzn-requestid'], first.headers['x-amzn-requestid'], 'each response has its own request id')
  assert.equal(calls('/plain'), 1)
  assert.equal(await metric('CacheMissCount', '/plain'), 1)
  assert.equal(await metric('CacheHitCount', '/plain'), 1)
  assert.equal(await metric('Count', '/plain'), 2, 'a hit still counts as a request')
  // The default access log: a miss has the integration's latency, a hit none (no integration ran).
  const lines = gw.accessLog.map((l) => JSON.parse(l) as Record<string, string>).filter((l) => l['resourcePath'] === '/plain')
  assert.equal(lines.length, 2)
  assert.match(lines[0]!['integrationLatency']!, /^\d+$/)
  assert.equal(lines[1]!['integrationLatency'], '-')
  assert.equal(lines[1]!['responseLength'], lines[0]!['responseLength'])
})

test('a stage without cacheClusterEnabled does not cache', async () => {
  await get('/plain/plain')
  await get('/plain/plain')
  assert.equal(calls('/plain'), 3)
})

test('cacheKeyParameters separate entries by path, query string and header; other query strings and headers share one', async () => {
  const a = await get('/prod/items/1?lang=en&other=1', { 'x-tenant': 't1', 'x-other': 'a' })
  const sameKey = await get('/prod/items/1?other=2&lang=en', { 'x-tenant': 't1', 'x-other': 'b' })
  assert.deepEqual(seen(sameKey), seen(a), 'unlisted query strings and headers are not in the key')
  assert.equal(sameKey.headers['x-echo-query'], '?lang=en&other=1')
  assert.equal(calls('/items/'), 1)
  const byPath = await get('/prod/items/2?lang=en', { 'x-tenant': 't1' })
  const byQuery = await get('/prod/items/1?lang=fr', { 'x-tenant': 't1' })
  const byHeader = await get('/prod/items/1?lang=en', { 'x-tenant': 't2' })
  const noHeader = await get('/prod/items/1?lang=en')
  assert.equal(calls('/items/'), 5, 'each listed parameter value is its own entry')
  assert.match(byPath.text, /GET \/items\/2\?lang=en/)
  assert.equal(byQuery.headers['x-echo-query'], '?lang=fr')
  assert.equal(byHeader.headers['x-echo-tenant'], 't2')
  assert.equal(noHeader.headers['x-echo-tenant'], '')
  await get('/prod/items/2?lang=en', { 'x-tenant': 't1' })
  assert.equal(calls('/items/'), 5)
})

test('POST is not cached by the stage-wide setting; a POST method whose own setting enables caching is; a method can turn caching off', async () => {
  await gw.fetch('/prod/plain', { method: 'POST', body: 'x' })
  await gw.fetch('/prod/plain', { method: 'POST', body: 'x' })
  assert.equal(upstream.requests.filter((r) => r.url === '/plain' && r.method === 'POST').length, 2)
  const s1 = await gw.fetch('/prod/search', { method: 'POST', body: 'one' })
  const s2 = await gw.fetch('/prod/search', { method: 'POST', body: 'two' })
  assert.equal(calls('/search'), 1)
  assert.equal(s2.text, s1.text, 'the body is not part of the key (§8)')
  await get('/prod/uncached')
  await get('/prod/uncached')
  assert.equal(calls('/uncached'), 2)
})

test('an entry expires after cacheTtlInSeconds on the gateway clock', async () => {
  await get('/prod/short')
  now += 4_999
  await get('/prod/short')
  assert.equal(calls('/short'), 1)
  now += 1
  const fresh = await get('/prod/short')
  assert.equal(calls('/short'), 2)
  assert.equal(fresh.headers['x-call'], '2')
})

test('a response of 1,048,576 bytes is cached; one byte more is passed on whole and not stored', async () => {
  const exact = await get(`/prod/bytes?n=${MB}`)
  assert.equal(Buffer.byteLength(exact.text, 'latin1'), MB)
  const again = await get(`/prod/bytes?n=${MB}`)
  assert.equal(again.text, exact.text)
  assert.equal(calls('/bytes'), 1)
  const over = await get(`/prod/bytes?n=${MB + 1}`)
  assert.equal(Buffer.byteLength(over.text, 'latin1'), MB + 1)
  await get(`/prod/bytes?n=${MB + 1}`)
  assert.equal(calls('/bytes'), 3)
})

test('error responses are not cached', async () => {
  for (const code of ['404', '500']) {
    const r1 = await get(`/prod/status/${code}`)
    const r2 = await get(`/prod/status/${code}`)
    assert.equal(r1.status, Number(code))
    assert.equal(r2.text, `status ${code}, call 2`)
  }
  await get('/prod/status/200')
  const hit = await get('/prod/status/200')
  assert.equal(hit.text, 'status 200, call 1')
})

test('Cache-Control: max-age=0 from a caller who may not invalidate: the cached response with a Warning (default), without one, or 403', async () => {
  const cached = await get('/prod/plain')
  const before = calls('/plain')
  const warned = await get('/prod/plain', { 'Cache-Control': 'max-age=0' })
  assert.equal(warned.headers['x-call'], cached.headers['x-call'], 'served from the cache')
  assert.equal(warned.headers['warning'], CACHE_CONTROL_IGNORED_WARNING)
  assert.equal(calls('/plain'), before)

  await get('/prod/silent')
  const silent = await get('/prod/silent', { 'cache-control': 'no-cache, MAX-AGE=0' })
  assert.equal(silent.headers['x-call'], '1')
  assert.equal(silent.headers['warning'], undefined)
  assert.equal(calls('/silent'), 1)

  await get('/prod/strict')
  const refused = await get('/prod/strict', { 'Cache-Control': 'max-age=0' })
  assert.equal(refused.status, 403)
  assert.deepEqual(refused.json(), { message: 'User is not authorized to invalidate cache' })
  assert.equal(refused.headers['x-amzn-errortype'], 'AccessDeniedException')
  assert.equal(calls('/strict'), 1)
  assert.equal((await get('/prod/strict', { 'Cache-Control': 'max-age=60' })).headers['x-call'], '1', 'other Cache-Control values change nothing')
})

test('with requireAuthorizationForCacheControl false, any caller refreshes the entry', async () => {
  await get('/prod/anyone')
  const refreshed = await get('/prod/anyone', { 'Cache-Control': 'max-age=0' })
  assert.equal(refreshed.headers['x-call'], '2')
  assert.equal(refreshed.headers['warning'], undefined)
  assert.equal((await get('/prod/anyone')).headers['x-call'], '2', 'the refreshed response replaced the entry')
})

async function signedGet(path: string, key: typeof ALICE, headers: Record<string, string> = {}): Promise<TestResponse> {
  const signer = new SignatureV4({ service: 'execute-api', region: REGION, sha256: Sha256, credentials: key })
  const req = await signer.sign(
    { method: 'GET', protocol: 'http:', hostname: 'localhost', port: gw.port, path, query: {}, headers: { host: `localhost:${gw.port}`, ...headers } },
    { signingDate: new Date(now) },
  )
  return gw.fetch(path, { headers: req.headers })
}

test('an IAM caller allowed execute-api:InvalidateCache refreshes the entry; one allowed only to invoke gets the cached response and the Warning', async () => {
  assert.equal((await signedGet('/prod/signed', BOB)).headers['x-call'], '1')
  const bob = await signedGet('/prod/signed', BOB, { 'cache-control': 'max-age=0' })
  assert.equal(bob.status, 201)
  assert.equal(bob.headers['x-call'], '1')
  assert.equal(bob.headers['warning'], CACHE_CONTROL_IGNORED_WARNING)
  const alice = await signedGet('/prod/signed', ALICE, { 'cache-control': 'max-age=0' })
  assert.equal(alice.headers['x-call'], '2')
  assert.equal(alice.headers['warning'], undefined)
  assert.equal((await signedGet('/prod/signed', BOB)).headers['x-call'], '2')
  assert.equal(calls('/signed'), 2)
  assert.equal((await get('/prod/signed')).status, 403, 'a hit is still authorized first')
})

test('a new deployment of the stage flushes its cache: going back to the earlier API does not bring back its entries', async () => {
  await get('/prod/plain')
  const before = calls('/plain')
  writeFileSync(join(tmp.dir, 'api.json'), JSON.stringify(apiDocument('2')))
  assert.deepEqual((await gw.gateway.reload()).problems, '')
  await get('/prod/plain')
  assert.equal(calls('/plain'), before + 1, 'the new deployment has no entries')
  writeFileSync(join(tmp.dir, 'api.json'), JSON.stringify(apiDocument('1')))
  assert.deepEqual((await gw.gateway.reload()).problems, '')
  const back = await get('/prod/plain')
  assert.equal(calls('/plain'), before + 2, 'the earlier deployment\'s entries were flushed when it was replaced')
  assert.equal(back.headers['x-call'], String(before + 2))
})
