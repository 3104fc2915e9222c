// HTTP API parameter mapping (§3.5): compile-time refusals, then every request and response rule end to end
// through a gateway, a real upstream (HTTP_PROXY) and a real function (Lambda proxy).

import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startGateway, startUpstream, tempDir, writeFile, type TestGateway, type Upstream } from '../helpers.js'
import { compileHttpApiRequestMapping, compileHttpApiResponseMapping, isReservedHeader } from '../../src/integrations/http-api-mapping.js'

test('reserved headers are refused at compile time, every problem named at once (§3.5)', () => {
  assert.throws(
    () =>
      compileHttpApiRequestMapping({
        'append:header.Content-Length': '5',
        'overwrite:header.x-amzn-trace-id': 'x',
        'remove:header.Access-Control-Allow-Origin': "''",
        'append:header.ok': 'fine',
      }),
    (err: Error) => {
      assert.match(err.message, /3 problems/)
      assert.match(err.message, /requestParameters\["append:header.Content-Length"\]: the header Content-Length is reserved and cannot be mapped/)
      assert.match(err.message, /x-amzn-trace-id is reserved/)
      assert.match(err.message, /Access-Control-Allow-Origin is reserved/)
      return true
    },
  )
  assert.throws(() => compileHttpApiResponseMapping({ '200': { 'overwrite:header.Via': 'x' } }), /responseParameters\["200"\]\["overwrite:header.Via"\]: the header Via is reserved/)
  for (const h of ['Authorization', 'connection', 'Forwarded', 'X-Forwarded-Host', 'apigw-requestid', 'x-amz-date', 'Trailers', 'Keep-Alive', 'Origin']) {
    assert.ok(isReservedHeader(h), h)
  }
  for (const h of ['Host', 'Accept', 'X-Custom', 'Cache-Control']) assert.ok(!isReservedHeader(h), h)
})

test('unknown keys and sources, unsupported JSONPath and bad static status codes are compile errors', () => {
  assert.throws(() => compileHttpApiRequestMapping({ 'replace:header.x': 'v' }), /keys are append\|overwrite\|remove:header/)
  assert.throws(() => compileHttpApiRequestMapping({ 'append:path': 'v' }), /keys are/)
  assert.throws(() => compileHttpApiRequestMapping({ 'append:header.x': '$request.cookie.a' }), /not a mapping source/)
  assert.throws(() => compileHttpApiRequestMapping({ 'append:header.x': '${request.header}' }), /needs a name/)
  assert.throws(() => compileHttpApiRequestMapping({ 'append:header.x': '$request.body..name' }), /recursive descent/)
  assert.throws(() => compileHttpApiRequestMapping({ 'append:header.x': '${request.body.items[?(@.a)]}' }), /filter expressions/)
  assert.throws(() => compileHttpApiRequestMapping({ 'append:header.x': '$response.header.y' }), /request mappings cannot read the response/)
  assert.throws(() => compileHttpApiResponseMapping({ '200': { 'append:header.x': '$request.header.y' } }), /response mappings read \$response/)
  assert.throws(() => compileHttpApiResponseMapping({ '200': { 'overwrite:statuscode': 'teapot' } }), /"teapot" is not a status code/)
  assert.throws(() => compileHttpApiResponseMapping({ abc: { 'overwrite:statuscode': '200' } }), /keys are backend status codes/)
  assert.equal(compileHttpApiRequestMapping({}), null)
  assert.equal(compileHttpApiResponseMapping({}), null)
})

let upstream: Upstream
let gw: TestGateway
let lambdaGw: TestGateway
let tmp: { dir: string; cleanup: () => void }

function proxy(uri: string, requestParameters: Record<string, string> = {}, responseParameters: Record<string, Record<string, string>> = {}) {
  return { 'x-amazon-apigateway-integration': { type: 'http_proxy', httpMethod: 'ANY', uri, payloadFormatVersion: '1.0', requestParameters, responseParameters } }
}

function httpApi(backend: string) {
  return {
    openapi: '3.0.1',
    info: { title: 'http-mapping', version: '1' },
    paths: {
      '/headers/{id}': {
        post: proxy(`${backend}/h`, {
          'append:header.x-append': '$request.header.x-in',
          'overwrite:header.x-over': 'static-value',
          'remove:header.x-drop': "''",
          'append:header.x-stage': '$stageVariables.color',
          'append:header.x-context': '$context.httpMethod $context.routeKey',
          'append:header.x-mixed': 'id=${request.path.id};q=${request.querystring.q};path=$request.path',
          'append:header.x-body': '$request.body.user.name',
          'append:header.x-body-brace': '${request.body.user.roles[1]}',
          'append:header.x-whole-body': '$request.body',
          'append:header.x-absent': '$request.header.not-sent',
          'overwrite:header.Host': 'mapped.example',
        }),
      },
      '/query': {
        get: proxy(`${backend}/q?fixed=1`, {
          'append:querystring.tag': '$request.header.x-tag',
          'overwrite:querystring.page': '7',
          'remove:querystring.secret': "''",
          'append:querystring.stage': '${stageVariables.color}',
        }),
      },
      '/old/{id}': {
        get: proxy(`${backend}/base/ignored`, { 'overwrite:path': '/new/${request.path.id}/items' }),
      },
      '/status/{code}': {
        get: proxy(`${backend}/status/{code}`, {}, {
          '404': { 'overwrite:statuscode': '200', 'append:header.x-was': 'not-found', 'overwrite:header.content-type': 'text/plain' },
          '500': { 'overwrite:statuscode': '$response.header.x-real-status', 'remove:header.x-internal': "''", 'append:header.x-error': '$response.body.error.code' },
          '201': { 'append:header.x-created': '${response.header.location} by $context.routeKey' },
        }),
      },
      '/reserved': { get: proxy(`${backend}/r`, { 'append:header.Authorization': 'x' }) },
    },
  }
}

const FUNCTION = `export const handler = async (event) => ({
  statusCode: event.headers['x-want'] === 'missing' ? 404 : 200,
  headers: { 'content-type': 'application/json', 'x-fn': 'yes' },
  body: JSON.stringify({ headers: event.headers, rawQueryString: event.rawQueryString, queryStringParameters: event.queryStringParameters ?? null, rawPath: event.rawPath, error: { code: 'E42' } }),
})
`

function lambdaApi() {
  const integration = {
    type: 'aws_proxy',
    httpMethod: 'POST',
    uri: 'arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:echo/invocations',
    payloadFormatVersion: '2.0',
    requestParameters: { 'append:header.x-added': '$request.querystring.who', 'remove:header.x-secret': "''", 'overwrite:querystring.mode': 'mapped', 'overwrite:path': '/rewritten' },
    responseParameters: { '404': { 'overwrite:statuscode': '410', 'append:header.x-gone': '$response.body.error.code', 'remove:header.x-fn': "''" } },
  }
  return { openapi: '3.0.1', info: { title: 'lambda-mapping', version: '1' }, paths: { '/fn': { get: { 'x-amazon-apigateway-integration': integration } } } }
}

before(async () => {
  upstream = await startUpstream((req, res, body) => {
    const url = new URL(req.url!, 'http://x')
    if (url.pathname.startsWith('/status/')) {
      const code = Number(url.pathname.split('/').pop())
      const headers: Record<string, string> = { 'Content-Type': 'application/json', 'x-internal': 'secret', 'x-real-status': '503' }
      if (code === 201) headers['Location'] = '/things/9'
      res.writeHead(code, headers)
      res.end(JSON.stringify({ error: { code: 'E' + code } }))
      return
    }
    res.writeHead(200, { 'Content-Type': 'application/json' })
    res.end(JSON.stringify({ url: req.url, headers: req.headers, rawHeaders: req.rawHeaders, body }))
  })
  tmp = tempDir()
  gw = await startGateway({ httpApis: [writeFile(tmp.dir, 'http.json', httpApi(upstream.url))], stage: '$default', stageVariables: { color: 'blue' } })
  writeFile(tmp.dir, 'echo.mjs', FUNCTION)
  lambdaGw = await startGateway({ httpApis: [writeFile(tmp.dir, 'lambda.json', lambdaApi())], stage: '$default', functionsDir: tmp.dir })
})

after(async () => {
  await gw.stop()
  await lambdaGw.stop()
  await upstream.close()
  tmp.cleanup()
})

test('header mapping: append, overwrite, remove with every request source, bare and ${...} forms mixed', async () => {
  const body = JSON.stringify({ user: { name: 'ana', roles: ['reader', 'writer'] } })
  const res = await gw.fetch('/headers/42?q=a&q=b', {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', 'x-in': 'one', 'x-over': 'client', 'x-drop': 'gone', 'x-append': 'client-first' },
  })
  assert.equal(res.status, 200)
  const seen = res.json().headers as Record<string, string>
  // append adds to what the client sent; overwrite replaces it; remove drops it.
  assert.equal(seen['x-append'], 'client-first, one')
  assert.equal(seen['x-over'], 'static-value')
  assert.equal(seen['x-drop'], undefined)
  assert.equal(seen['x-stage'], 'blue')
  assert.equal(seen['x-context'], 'POST POST /headers/{id}')
  // Repeated query values are joined with ',' (§3.5); $request.path has no stage.
  assert.equal(seen['x-mixed'], 'id=42;q=a,b;path=/headers/42')
  assert.equal(seen['x-body'], 'ana')
  assert.equal(seen['x-body-brace'], 'writer')
  assert.equal(seen['x-whole-body'], body)
  // A value that is a single missing reference sends nothing.
  assert.equal(seen['x-absent'], undefined)
  assert.equal(seen['host'], 'mapped.example')
  // The body, read for the mapping, still reaches the backend whole.
  assert.equal(res.json().body, body)
})

test('repeated request headers are joined with "," for $request.header', async () => {
  const { request } = await import('undici')
  const r = await request(`http://127.0.0.1:${gw.port}/headers/1`, { method: 'POST', headers: ['host', 'localhost', 'x-in', 'a', 'x-in', 'b'], body: '{}' })
  const seen = ((await r.body.json()) as { headers: Record<string, string> }).headers
  assert.equal(seen['x-append'], 'a,b')
})

test('query mapping: append, overwrite and remove on top of the URI and client query strings', async () => {
  const res = await gw.fetch('/query?page=1&secret=s&keep=k', { headers: { 'x-tag': 'red' } })
  const url = new URL(res.json().url as string, 'http://x')
  assert.equal(url.pathname, '/q')
  assert.equal(url.searchParams.get('fixed'), '1')
  assert.equal(url.searchParams.get('keep'), 'k')
  assert.deepEqual(url.searchParams.getAll('page'), ['7'])
  assert.equal(url.searchParams.get('secret'), null)
  assert.equal(url.searchParams.get('tag'), 'red')
  assert.equal(url.searchParams.get('stage'), 'blue')
  // No x-tag header: the append is skipped rather than sending an empty value.
  const none = new URL((await gw.fetch('/query')).json().url as string, 'http://x')
  assert.equal(none.searchParams.has('tag'), false)
})

test('overwrite:path replaces the whole backend path, keeping the query', async () => {
  const res = await gw.fetch('/old/5?x=1')
  assert.equal(res.json().url, '/new/5/items?x=1')
})

test('response mapping per backend status: statuscode, headers from $response.header and $response.body', async () => {
  const nf = await gw.fetch('/status/404')
  assert.equal(nf.status, 200)
  assert.equal(nf.headers['x-was'], 'not-found')
  assert.equal(nf.headers['content-type'], 'text/plain')
  assert.equal(nf.headers['x-internal'], 'secret')
  const err = await gw.fetch('/status/500')
  assert.equal(err.status, 503)
  assert.equal(err.headers['x-internal'], undefined)
  assert.equal(err.headers['x-error'], 'E500')
  assert.deepEqual(err.json(), { error: { code: 'E500' } })
  const created = await gw.fetch('/status/201')
  assert.equal(created.status, 201)
  assert.equal(created.headers['x-created'], '/things/9 by GET /status/{code}')
  // A status without mappings passes untouched.
  const plain = await gw.fetch('/status/202')
  assert.equal(plain.status, 202)
  assert.equal(plain.headers['x-internal'], 'secret')
})

test('a route whose mapping names a reserved header answers 500 and the compile warning says why', async () => {
  const res = await gw.fetch('/reserved')
  assert.equal(res.status, 500)
  assert.deepEqual(res.json(), { message: 'Internal Server Error' })
  assert.ok(gw.gateway.plan!.warnings.some((w) => /Authorization is reserved and cannot be mapped/.test(w)), gw.gateway.plan!.warnings.join('\n'))
})

test('Lambda proxy on an HTTP API: request mapping edits the event, response mapping the result', async () => {
  const res = await lambdaGw.fetch('/fn?who=me&mode=client', { headers: { 'x-secret': 's', 'x-keep': 'k' } })
  assert.equal(res.status, 200)
  const event = res.json()
  assert.equal(event.headers['x-added'], 'me')
  assert.equal(event.headers['x-secret'], undefined)
  assert.equal(event.headers['x-keep'], 'k')
  assert.deepEqual(event.queryStringParameters, { who: 'me', mode: 'mapped' })
  assert.equal(event.rawQueryString, 'who=me&mode=mapped')
  assert.equal(event.rawPath, '/rewritten')
  assert.equal(res.headers['x-fn'], 'yes')
  const gone = await lambdaGw.fetch('/fn', { headers: { 'x-want': 'missing' } })
  assert.equal(gone.status, 410)
  assert.equal(gone.headers['x-gone'], 'E42')
  assert.equal(gone.headers['x-fn'], undefined)
})
