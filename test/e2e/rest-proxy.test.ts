// REST APIs with HTTP_PROXY integrations, end to end: URL forms, routing, headers, bodies, errors.

import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import { PATIENCE_MS, startGateway, startUpstream, tempDir, writeFile, type TestGateway, type Upstream } from '../helpers.js'

let upstream: Upstream
let gw: TestGateway
let tmp: { dir: string; cleanup: () => void }
let apiId: string

function restApi(backend: string) {
  return {
    openapi: '3.0.1',
    info: { title: 'proxy-test', version: '1' },
    paths: {
      '/items/{id}': {
        get: {
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          'x-amazon-apigateway-integration': {
            type: 'http_proxy',
            httpMethod: 'GET',
            uri: '${stageVariables.backend}/things/{id}',
            requestParameters: { 'integration.request.path.id': 'method.request.path.id' },
          },
        },
      },
      '/items': {
        post: { 'x-amazon-apigateway-integration': { type: 'http_proxy', httpMethod: 'POST', uri: `${backend}/things` } },
      },
      '/{proxy+}': {
        'x-amazon-apigateway-any-method': {
          parameters: [{ name: 'proxy', in: 'path', required: true, schema: { type: 'string' } }],
          'x-amazon-apigateway-integration': {
            type: 'http_proxy',
            httpMethod: 'ANY',
            uri: `${backend}/any/{proxy}`,
            requestParameters: { 'integration.request.path.proxy': 'method.request.path.proxy' },
          },
        },
      },
      '/slow': {
        get: { 'x-amazon-apigateway-integration': { type: 'http_proxy', httpMethod: 'GET', uri: `${backend}/slow`, timeoutInMillis: 200 } },
      },
      '/down': {
        get: { 'x-amazon-apigateway-integration': { type: 'http_proxy', httpMethod: 'GET', uri: 'http://127.0.0.1:1/nothing' } },
      },
      '/lambda': {
        get: { 'x-amazon-apigateway-integration': { type: 'aws_proxy', httpMethod: 'POST', uri: 'arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:nope/invocations' } },
      },
    },
  }
}

before(async () => {
  upstream = await startUpstream((req, res, body) => {
    // Never answers (the connection is closed with the server): only the integration timeout can end it.
    if (req.url === '/slow') return
    res.writeHead(201, { 'Content-Type': 'application/json', 'X-Upstream': 'yes', Server: 'upstream/1.0', 'Set-Cookie': ['a=1', 'b=2'] })
    res.end(JSON.stringify({ method: req.method, url: req.url, body, length: body.length }))
  })
  tmp = tempDir()
  const file = writeFile(tmp.dir, 'api.json', restApi(upstream.url))
  gw = await startGateway({ restApis: [file], stage: 'dev', stageVariables: { backend: upstream.url } })
  apiId = [...gw.gateway.plan!.apis.keys()][0]!
})

after(async () => {
  await gw.stop()
  await upstream.close()
  tmp.cleanup()
})

test('path parameters and stage variables fill the integration URI; backend status and headers pass through', async () => {
  const res = await gw.fetch('/dev/items/42?x=1&y=a%20b')
  assert.equal(res.status, 201)
  assert.equal(res.json().url, '/things/42?x=1&y=a%20b')
  assert.equal(res.headers['x-upstream'], 'yes')
  assert.deepEqual(res.headers['set-cookie'], ['a=1', 'b=2'])
  // The backend's Server header is remapped (§5.8); the gateway's ids are added (§6.5).
  assert.equal(res.headers['x-amzn-remapped-server'], 'upstream/1.0')
  assert.match(String(res.headers['x-amzn-requestid']), /^[0-9a-f-]{36}$/)
  assert.match(String(res.headers['x-amz-apigw-id']), /^[A-Za-z0-9+/]{15}=$/)
})

test('the three URL forms reach the same API', async () => {
  const a = await gw.fetch('/dev/items/1')
  const b = await gw.fetch('/dev/items/1', { host: `${apiId}.execute-api.localhost:${gw.port}` })
  const c = await gw.fetch(`/restapis/${apiId}/dev/_user_request_/items/1`)
  for (const r of [a, b, c]) {
    assert.equal(r.status, 201)
    assert.equal(r.json().url, '/things/1')
  }
})

test('the request body is streamed to the backend, and the client method used for ANY', async () => {
  const body = 'x'.repeat(200_000)
  const res = await gw.fetch('/dev/items', { method: 'POST', body, headers: { 'content-type': 'text/plain' } })
  assert.equal(res.status, 201)
  assert.equal(res.json().length, 200_000)
  const del = await gw.fetch('/dev/some/deep/path', { method: 'DELETE' })
  assert.equal(del.json().method, 'DELETE')
  assert.equal(del.json().url, '/any/some/deep/path')
})

test('hop-by-hop headers are dropped and X-Forwarded-* set as AWS does', async () => {
  await gw.fetch('/dev/items/7', { headers: { 'x-forwarded-for': '10.1.1.1', te: 'trailers', 'x-custom': 'kept' } })
  const seen = upstream.requests.at(-1)!
  assert.equal(seen.headers['x-custom'], 'kept')
  assert.equal(seen.headers['te'], undefined)
  assert.equal(seen.headers['x-forwarded-for'], '10.1.1.1, 127.0.0.1')
  assert.equal(seen.headers['x-forwarded-proto'], 'http')
  assert.equal(seen.headers['x-forwarded-port'], String(gw.port))
  assert.equal(seen.headers['host'], `127.0.0.1:${upstream.port}`)
  assert.match(String(seen.headers['x-amzn-trace-id']), /^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$/)
})

test('unknown resource or method: 403 Missing Authentication Token, not 404 (§1.2)', async () => {
  // A POST on /items/{id} has no method, and ANY /{proxy+} would catch it: use a path with no greedy match.
  const res = await gw.fetch('/dev', { method: 'GET' })
  assert.equal(res.status, 403)
  assert.deepEqual(res.json(), { message: 'Missing Authentication Token' })
  assert.equal(res.headers['x-amzn-errortype'], 'MissingAuthenticationTokenException')
})

test('a non-SigV4 Authorization header on an unmatched request gives IncompleteSignatureException', async () => {
  const res = await gw.fetch('/dev', { headers: { authorization: 'Bearer xyz' } })
  assert.equal(res.status, 403)
  assert.equal(res.headers['x-amzn-errortype'], 'IncompleteSignatureException')
  assert.equal(res.json().message, "'xyz' not a valid key=value pair (missing equal-sign) in Authorization header: 'Bearer xyz'.")
})

test('unknown stage and unknown API: 403 Forbidden', async () => {
  const stage = await gw.fetch('/prod/items/1')
  assert.equal(stage.status, 403)
  assert.deepEqual(stage.json(), { message: 'Forbidden' })
  const api = await gw.fetch('/dev/items/1', { host: `zzzzzzzzzz.execute-api.localhost:${gw.port}` })
  assert.equal(api.status, 403)
  assert.deepEqual(api.json(), { message: 'Forbidden' })
})

test('integration timeout: 504 Endpoint request timed out', async () => {
  const res = await gw.fetch('/dev/slow')
  assert.equal(res.status, 504)
  assert.deepEqual(res.json(), { message: 'Endpoint request timed out' })
  assert.ok(upstream.requests.some((r) => r.url === '/slow'), 'the backend got the request and never answered: the 200 ms timeout did')
})

test('an integration timeout that fires while the backend connection is still being made: 504, not a hang', async (t) => {
  // A backend that never answers, on a gateway of its own so that its first request must open a connection.
  const mute = await startUpstream(() => undefined)
  const dir = tempDir()
  const file = writeFile(dir.dir, 'api.json', {
    openapi: '3.0.1',
    info: { title: 'connecting', version: '1' },
    paths: { '/slow': { get: { 'x-amazon-apigateway-integration': { type: 'http_proxy', httpMethod: 'GET', uri: `${mute.url}/slow`, timeoutInMillis: 50 } } } },
  })
  const own = await startGateway({ restApis: [file], stage: 'dev' })
  // A busy machine, made certain: the event loop stalls just as the gateway starts connecting, so the 50 ms
  // timeout fires before undici has started the request.
  const stall = (): void => {
    const end = Date.now() + 200
    while (Date.now() < end);
  }
  subscribe('undici:client:beforeConnect', stall)
  t.after(async () => {
    unsubscribe('undici:client:beforeConnect', stall)
    await own.stop()
    await mute.close()
    dir.cleanup()
  })
  const res = await Promise.race([own.fetch('/dev/slow'), new Promise<null>((resolve) => setTimeout(resolve, PATIENCE_MS, null))])
  assert.ok(res !== null, 'no answer: the timeout was lost while connecting')
  assert.equal(res.status, 504)
  assert.deepEqual(res.json(), { message: 'Endpoint request timed out' })
})

test('backend unreachable: the INTEGRATION_FAILURE gateway response', async () => {
  const res = await gw.fetch('/dev/down')
  assert.equal(res.status, 504)
  assert.equal(res.headers['x-amzn-errortype'], 'InternalServerErrorException')
})

test('an integration type this build cannot run answers 500, never crashes', async () => {
  const res = await gw.fetch('/dev/lambda')
  assert.equal(res.status, 500)
  assert.deepEqual(res.json(), { message: 'Internal server error' })
  const again = await gw.fetch('/dev/items/1')
  assert.equal(again.status, 201)
})

test('X-HTTP-Method-Override changes the method used for routing (§6.6)', async () => {
  const res = await gw.fetch('/dev/items', { method: 'GET', headers: { 'x-http-method-override': 'POST' } })
  assert.equal(res.status, 201)
  assert.equal(res.json().url, '/things')
})

test('payloads over 10 MB get 413; over-long URLs and headers are refused cleanly', async () => {
  const big = Buffer.alloc(10 * 1024 * 1024 + 1, 97)
  const res = await gw.fetch('/dev/items', { method: 'POST', body: big })
  assert.equal(res.status, 413)
  assert.deepEqual(res.json(), { message: 'Request Too Long' })
  const url = await gw.fetch('/dev/items/' + 'a'.repeat(11_000))
  assert.equal(url.status, 414)
  const hdr = await gw.fetch('/dev/items/1', { headers: { 'x-big': 'b'.repeat(11_000) } })
  assert.equal(hdr.status, 431)
  const ok = await gw.fetch('/dev/items/1')
  assert.equal(ok.status, 201)
})

test('access log lines and metrics record each request', async () => {
  const before = gw.accessLog.length
  await gw.fetch('/dev/items/5')
  const line = JSON.parse(gw.accessLog.at(-1)!)
  assert.ok(gw.accessLog.length > before)
  assert.equal(line.httpMethod, 'GET')
  assert.equal(line.resourcePath, '/items/{id}')
  assert.equal(line.status, '201')
  assert.equal(line.ip, '127.0.0.1')
  assert.match(line.requestTime, /^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/)
  assert.ok(Number(line.integrationLatency) >= 0)
  const metrics = await gw.admin('/metrics')
  assert.equal(metrics.status, 200)
  assert.match(metrics.text, new RegExp(`apigateway_Count\\{api_name="proxy-test",api_id="${apiId}",stage="dev",method="GET",resource="/items/\\{id\\}"\\} \\d+`))
  assert.match(metrics.text, /apigateway_4XXError\{[^}]*stage="dev"[^}]*\} \d+/)
  assert.match(metrics.text, /apigateway_Latency_bucket/)
})

test('admin health and readiness', async () => {
  assert.equal((await gw.admin('/health')).status, 200)
  const ready = await gw.admin('/ready')
  assert.equal(ready.status, 200)
  assert.equal(ready.json().status, 'ready')
})
