// The HTTP edge (docs/limits.md), over raw sockets against real gateways and a real backend: slow and stalled
// request bodies time out with 408 and a closed connection (MOCK, Lambda, and a proxy upload cut by a 504);
// a whole request and a request head have their own time; one client address holds a bounded number of
// connections; a 413 reaches the client still uploading (a lingering close, and no `100 Continue` first);
// dot segments are resolved or refused before routing, so nothing reaches the backend outside the
// `{proxy+}` prefix it was authorized for; absolute-form targets route by their authority; one Host; a
// head over the parser's buffer is 414 when its request line is too long; no header is silently dropped.
// Timing-independent: tiny timeouts on a gateway of their own, and every wait is for an event.

import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { request as httpRequest } from 'node:http'
import { fetch as undiciFetch, request as undiciRequest } from 'undici'
import { eventually, startGateway, startUpstream, tempDir, writeFile, type TestGateway, type Upstream } from '../helpers.js'
import { rawConnect, rawRequest, responses, until, type RawConnection } from './raw-http.js'

const LAMBDA = 'arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:echo/invocations'

let upstream: Upstream
/** Default limits. */
let gw: TestGateway
/** Tiny timeouts: everything slow on it times out at once. */
let quick: TestGateway
/** Two connections per client address. */
let capped: TestGateway
let tmp: { dir: string; cleanup: () => void }
let apiId: string

function api(backend: string) {
  const proxy = (uri: string, extra: Record<string, unknown> = {}) => ({ type: 'http_proxy', httpMethod: 'ANY', uri, ...extra })
  return {
    openapi: '3.0.1',
    info: { title: 'edge', version: '1' },
    paths: {
      '/public/{proxy+}': {
        'x-amazon-apigateway-any-method': {
          parameters: [{ name: 'proxy', in: 'path', required: true, schema: { type: 'string' } }],
          'x-amazon-apigateway-integration': proxy(`${backend}/public/{proxy}`, { requestParameters: { 'integration.request.path.proxy': 'method.request.path.proxy' } }),
        },
      },
      '/echo': { post: { 'x-amazon-apigateway-integration': proxy(`${backend}/echo`) } },
      '/hangs': { post: { 'x-amazon-apigateway-integration': proxy(`${backend}/hangs`, { timeoutInMillis: 200 }) } },
      '/mock': {
        post: {
          'x-amazon-apigateway-integration': {
            type: 'mock',
            requestTemplates: { 'application/json': '{"statusCode": 200}' },
            responses: { default: { statusCode: '200', responseTemplates: { 'application/json': '{"length": $input.body.length()}' } } },
          },
        },
      },
      '/lambda': { post: { 'x-amazon-apigateway-integration': { type: 'aws_proxy', httpMethod: 'POST', uri: LAMBDA } } },
    },
  }
}

before(async () => {
  upstream = await startUpstream((req, res, body) => {
    if (req.url === '/hangs') return
    res.writeHead(200, { 'Content-Type': 'application/json' })
    res.end(JSON.stringify({ url: req.url, length: body.length }))
  })
  tmp = tempDir('gatehouse-edge-')
  writeFile(tmp.dir, 'echo.mjs', `export const handler = async (event) => ({ statusCode: 200, body: String((event.body ?? '').length) })\n`)
  const file = writeFile(tmp.dir, 'api.json', api(upstream.url))
  const sources = { restApis: [file], stage: 'dev', functionsDir: tmp.dir }
  gw = await startGateway(sources)
  quick = await startGateway(sources, { limits: { headersTimeoutMs: 300, bodyIdleTimeoutMs: 200, requestTimeoutMs: 1500 } })
  capped = await startGateway(sources, { limits: { maxConnectionsPerIp: 2, bodyIdleTimeoutMs: 200 } })
  apiId = [...gw.gateway.plan!.apis.keys()][0]!
})

after(async () => {
  await gw?.stop()
  await quick?.stop()
  await capped?.stop()
  await upstream?.close()
  tmp?.cleanup()
})

const post = (path: string, length: number, extra = '') =>
  `POST ${path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n${extra}\r\n`

/**
 * Sends a request head and the start of its body, then nothing: the connection must be answered and closed
 * (the gateway's FIN; the client here keeps its own side open, as a stalled uploader would).
 */
async function stalled(port: number, path: string): Promise<RawConnection> {
  const raw = await rawConnect(port)
  raw.socket.write(post(path, 100) + '{"a":')
  await until(raw, () => raw.ended, 'the gateway to close the connection')
  raw.socket.destroy()
  return raw
}

// Item 4: slow request bodies.

test('a stalled body on a Lambda route is answered 408 and the connection closed', async () => {
  const raw = await stalled(quick.port, '/dev/lambda')
  const [res] = responses(raw.text)
  assert.equal(res?.status, 408)
  assert.deepEqual(JSON.parse(res.body), { message: 'Request Timeout' })
  assert.equal(res.headers['connection'], 'close')
  assert.ok(res.headers['x-amzn-requestid'], 'answered as the API, with its request id')
})

test('a stalled body on a MOCK route is answered 408 and the connection closed', async () => {
  const raw = await stalled(quick.port, '/dev/mock')
  assert.equal(responses(raw.text)[0]?.status, 408)
})

test('a proxy upload cut by the integration timeout gets its 504, then the connection closes', async () => {
  // Default limits: the 200 ms integration timeout comes long before the body-idle one.
  const raw = await stalled(gw.port, '/dev/hangs')
  const [res] = responses(raw.text)
  assert.equal(res?.status, 504)
  assert.equal(res.headers['connection'], 'close')
})

test('a body that keeps trickling in is cut off by the whole-request timeout', async () => {
  const raw = await rawConnect(quick.port)
  raw.socket.write(post('/dev/lambda', 100000))
  // One byte at a time, more often than the body-idle timeout: only the whole-request timeout can end it.
  const trickle = setInterval(() => raw.socket.writable && raw.socket.write('x'), 20)
  try {
    await until(raw, () => raw.ended, 'the gateway to close the connection')
  } finally {
    clearInterval(trickle)
    raw.socket.destroy()
  }
  assert.equal(responses(raw.text)[0]?.status, 408)
})

test('a request head that never ends is answered 408 and the connection closed', async () => {
  const raw = await rawConnect(quick.port)
  raw.socket.write('GET /dev/public/x HTTP/1.1\r\nHost: localhost\r\n')
  await until(raw, () => raw.ended, 'the gateway to close the connection')
  raw.socket.destroy()
  const [res] = responses(raw.text)
  assert.equal(res?.status, 408)
  assert.deepEqual(JSON.parse(res.body), { message: 'Request Timeout' })
})

test('a client address holds at most the configured number of connections; more are closed at once, and logged', async () => {
  const a = await rawConnect(capped.port)
  const b = await rawConnect(capped.port)
  // Both are served, and kept open.
  for (const raw of [a, b]) {
    raw.socket.write('GET /dev/public/x HTTP/1.1\r\nHost: localhost\r\n\r\n')
    await until(raw, () => responses(raw.text).length === 1, 'a response')
    assert.equal(responses(raw.text)[0]!.status, 200)
  }
  const c = await rawConnect(capped.port)
  c.socket.write('GET /dev/public/x HTTP/1.1\r\nHost: localhost\r\n\r\n')
  await until(c, () => c.ended || c.closed, 'the third connection to be closed')
  assert.equal(c.text, '', 'closed without an answer')
  assert.ok(capped.logs.some((l) => String(l['msg']).includes('maxConnectionsPerIp') && l['refused'] === 1))
  // Once one closes, a new connection is served again.
  a.socket.destroy()
  await eventually(async () => {
    try {
      return (await rawRequest(capped.port, 'GET /dev/public/x HTTP/1.1\r\nHost: localhost\r\n\r\n')).status === 200
    } catch {
      return false
    }
  }, undefined, 'a new connection to be served')
  b.socket.destroy()
})

test('a connection closing with a lingering read is released even when the client never closes its side', async () => {
  // Two uploads refused with 413 whose clients then go silent, keeping their side open: the lingering reads
  // end on their own, and the two connections they held count no more.
  const silent: RawConnection[] = []
  for (let i = 0; i < 2; i++) {
    await eventually(async () => {
      const raw = await rawConnect(capped.port)
      raw.socket.write(post('/dev/mock', 20 * 1024 * 1024) + 'x'.repeat(1024))
      await until(raw, () => raw.ended || raw.closed, 'an answer or a refusal')
      if (responses(raw.text)[0]?.status === 413) silent.push(raw)
      else raw.socket.destroy()
      return silent.length === i + 1
    }, undefined, 'an upload to be refused with 413')
  }
  await eventually(async () => {
    try {
      return (await rawRequest(capped.port, 'GET /dev/public/x HTTP/1.1\r\nHost: localhost\r\n\r\n')).status === 200
    } catch {
      return false
    }
  }, undefined, 'the lingering connections to be released')
  for (const raw of silent) raw.socket.destroy()
})

// Item 8: a 413 for an over-limit body.

test('a 413 reaches a client still uploading: the gateway reads and drops the rest, then closes without a reset', async () => {
  const raw = await rawConnect(gw.port)
  raw.socket.write(post('/dev/mock', 20 * 1024 * 1024) + 'x'.repeat(64 * 1024))
  await until(raw, () => responses(raw.text).length === 1, 'the 413')
  const [res] = responses(raw.text)
  assert.equal(res!.status, 413)
  assert.deepEqual(JSON.parse(res!.body), { message: 'Request Too Long' })
  assert.equal(res!.headers['connection'], 'close')
  // The client goes on uploading after the answer: the gateway has closed its side but still reads.
  await until(raw, () => raw.ended, 'the gateway to close its side')
  for (let i = 0; i < 8; i++) await new Promise<void>((resolve, reject) => raw.socket.write(Buffer.alloc(32 * 1024, 120), (err) => (err ? reject(err) : resolve())))
  raw.socket.end()
  await until(raw, () => raw.closed, 'the connection to close')
  assert.equal(raw.error, null, 'no reset while the client was still sending')
})

test('real clients get the 413 for a 12 MB upload, not a broken pipe', async () => {
  const big = Buffer.alloc(12 * 1024 * 1024, 97)
  const url = `http://127.0.0.1:${gw.port}/dev/mock`
  const viaHttp = await new Promise<number>((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST', headers: { host: 'localhost', 'content-type': 'application/json', 'content-length': big.length } }, (res) => {
      res.resume()
      res.on('end', () => resolve(res.statusCode!))
    })
    req.on('error', reject)
    req.end(big)
  })
  assert.equal(viaHttp, 413)
  const viaUndici = await undiciRequest(url, { method: 'POST', headers: { host: 'localhost', 'content-type': 'application/json' }, body: big })
  assert.equal(viaUndici.statusCode, 413)
  await viaUndici.body.text()
  const viaFetch = await undiciFetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: big })
  assert.equal(viaFetch.status, 413)
  await viaFetch.text()
})

test('Expect: 100-continue with an over-limit Content-Length gets 413 and no 100 Continue', async () => {
  const raw = await rawConnect(gw.port)
  raw.socket.write(post('/dev/echo', 20 * 1024 * 1024, 'Expect: 100-continue\r\n'))
  await until(raw, () => responses(raw.text).length > 0, 'an answer')
  assert.match(raw.text, /^HTTP\/1\.1 413 /)
  raw.socket.destroy()
})

test('Expect: 100-continue on a route that reads the body: 100 Continue, then the answer', async () => {
  const raw = await rawConnect(gw.port)
  raw.socket.write(post('/dev/echo', 5, 'Expect: 100-continue\r\n'))
  await until(raw, () => responses(raw.text).length === 1, '100 Continue')
  assert.equal(responses(raw.text)[0]!.status, 100)
  raw.socket.write('hello')
  await until(raw, () => responses(raw.text).length === 2, 'the answer')
  const res = responses(raw.text)[1]!
  assert.equal(res.status, 200)
  assert.deepEqual(JSON.parse(res.body), { url: '/echo', length: 5 })
  raw.socket.destroy()
})

test('Expect: 100-continue on a request refused on its headers: no 100, and the connection closes', async () => {
  const raw = await rawConnect(gw.port)
  raw.socket.write(post('/dev/nowhere', 1000, 'Expect: 100-continue\r\n'))
  await until(raw, () => raw.ended, 'the gateway to close its side')
  const all = responses(raw.text)
  assert.deepEqual(all.map((r) => r.status), [403])
  assert.equal(all[0]!.headers['connection'], 'close')
  raw.socket.destroy()
})

// Item 6: dot segments.

async function seen(path: string, port = gw.port): Promise<{ status: number; backend: string | undefined }> {
  const before = upstream.requests.length
  const res = await rawRequest(port, `GET ${path} HTTP/1.1\r\nHost: localhost\r\n\r\n`)
  return { status: res.status, backend: upstream.requests.length > before ? upstream.requests.at(-1)!.url : undefined }
}

test('dot segments are resolved before routing: the backend never sees them, nor a path outside the prefix', async () => {
  assert.deepEqual(await seen('/dev/public/a/./b/../c'), { status: 200, backend: '/public/a/c' })
  assert.deepEqual(await seen('/dev/public/a/%2E%2e/c'), { status: 200, backend: '/public/c' })
  // `/public/a/` after resolution: the trailing slash is not part of the greedy value (§1.2).
  assert.deepEqual(await seen('/dev/public/a/b/..'), { status: 200, backend: '/public/a' })
  // Climbing out of /public/ routes to what the path names, here nothing: the 403 of an unknown resource.
  assert.deepEqual(await seen('/dev/public/x/../../secret'), { status: 403, backend: undefined })
  assert.deepEqual(await seen('/dev/public/%2e%2e/%2e%2e/secret'), { status: 403, backend: undefined })
})

test('dot segments that climb above the root, or hide behind an encoded slash, a backslash, a ";" or a fragment, are refused with 400', async () => {
  for (const path of ['/dev/../../etc/passwd', '/dev/public/%2e%2e%2fsecret', '/dev/public/..%2F..%2Fsecret', '/dev/public/a%5c..%5c..%5csecret', '/dev/public/..\\secret', '/dev/public/..;/secret', '/dev/public/.%2e#f', '/dev/public/x?q#f']) {
    const res = await seen(path)
    assert.deepEqual(res, { status: 400, backend: undefined }, path)
  }
  const res = await rawRequest(gw.port, 'GET /dev/public/%2e%2e%2fsecret HTTP/1.1\r\nHost: localhost\r\n\r\n')
  assert.deepEqual(JSON.parse(res.body), { message: 'Bad Request' })
})

test('encoded slashes without dot segments pass as they are (path parameters stay encoded, §1.2)', async () => {
  assert.deepEqual(await seen('/dev/public/a%2Fb/c.d'), { status: 200, backend: '/public/a%2Fb/c.d' })
})

// Item 12: absolute-form targets, Host, and the head's size.

test('an absolute-form target routes by its authority, whatever the Host header says (RFC 9112 §3.2.2)', async () => {
  const res = await rawRequest(gw.port, `GET http://${apiId}.execute-api.localhost/dev/public/abs?q=1 HTTP/1.1\r\nHost: elsewhere.example\r\n\r\n`)
  assert.equal(res.status, 200)
  assert.equal(JSON.parse(res.body).url, '/public/abs?q=1')
  assert.equal((await rawRequest(gw.port, 'GET http://localhost/dev/public/a/../b HTTP/1.1\r\nHost: localhost\r\n\r\n')).status, 200)
  assert.equal(upstream.requests.at(-1)!.url, '/public/b')
  for (const target of ['ftp://localhost/dev/public/a', 'http:///dev/public/a', 'http://user@localhost/dev/public/a']) {
    assert.equal((await rawRequest(gw.port, `GET ${target} HTTP/1.1\r\nHost: localhost\r\n\r\n`)).status, 400, target)
  }
})

test('a request with two Host headers is refused with 400 (RFC 9112 §3.2)', async () => {
  const res = await rawRequest(gw.port, 'GET /dev/public/x HTTP/1.1\r\nHost: localhost\r\nHost: evil.example\r\n\r\n')
  assert.equal(res.status, 400)
})

test('a 1 MB URL is 414, as AWS answers an over-long URL; a head with a huge header is 431', async () => {
  const url = await rawRequest(gw.port, `GET /dev/${'a'.repeat(1 << 20)} HTTP/1.1\r\nHost: localhost\r\n\r\n`)
  assert.equal(url.status, 414)
  assert.deepEqual(JSON.parse(url.body), { message: 'Request-URI Too Long' })
  const header = await rawRequest(gw.port, `GET /dev/public/x HTTP/1.1\r\nHost: localhost\r\nX-Big: ${'b'.repeat(40_000)}\r\n\r\n`)
  assert.equal(header.status, 431)
})

test('more header lines than the edge takes are refused with 431, never silently dropped', async () => {
  const many = (n: number) => Array.from({ length: n }, (_, i) => `x-h${i}: v\r\n`).join('')
  for (const n of [10_000, 3000, 500]) {
    const res = await rawRequest(gw.port, `GET /dev/public/x HTTP/1.1\r\nHost: localhost\r\n${many(n)}\r\n`)
    assert.equal(res.status, 431, `${n} headers`)
  }
  const ok = await rawRequest(gw.port, `GET /dev/public/x HTTP/1.1\r\nHost: localhost\r\n${many(498)}\r\n`)
  assert.equal(ok.status, 200)
  assert.ok(upstream.requests.at(-1)!.rawHeaders.includes('x-h497'), 'the last header reached the backend')
})

test('the gateway still answers after all of the above', async () => {
  assert.equal((await gw.fetch('/dev/public/ok')).status, 200)
  assert.equal((await quick.fetch('/dev/public/ok')).status, 200)
  assert.equal((await gw.admin('/health')).status, 200)
})
