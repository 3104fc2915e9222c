// The response chain (src/dataplane/plan.ts): a step's response side wraps the route's chain once, at
// compile time, and runs in reverse step order; every answer of a matched route goes through it — an
// integration's Reply, a proxied body streamed chunk by chunk, and a gateway error — before the client
// writer adds the standard headers.

import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import type { RequestContext } from '../../src/dataplane/context.js'
import type { ResponseHandler, StepFactory, StepKind } from '../../src/dataplane/plan.js'
import { STATELESS_STEPS } from '../../src/steps/index.js'
import type { ServerResponse } from 'node:http'
import { request } from 'undici'
import { startGateway, startUpstream, tempDir, writeFile, type TestGateway, type Upstream } from '../helpers.js'

/** Per request, what a tee saw: the bytes of the body as it passed. */
const seen = new WeakMap<RequestContext, { chunks: number; bytes: number }>()
const teed: Array<{ status: number; chunks: number; bytes: number }> = []

/** A step of `kind` whose response side appends its name to `x-chain` and (when `tee`) counts the body. */
function marker(kind: StepKind, name: string, tee = false): StepFactory {
  return {
    kind,
    compile: () => ({
      name,
      response(next: ResponseHandler): ResponseHandler {
        return {
          onResponseStart(ctx, status, headers, length) {
            const i = headers.findIndex((h, j) => j % 2 === 0 && h.toLowerCase() === 'x-chain')
            if (i === -1) headers.push('x-chain', name)
            else headers[i + 1] += ',' + name
            if (tee) seen.set(ctx, { chunks: 0, bytes: 0 })
            next.onResponseStart(ctx, status, headers, length)
          },
          onResponseData(ctx, chunk) {
            const s = seen.get(ctx)
            if (tee && s) {
              s.chunks++
              s.bytes += chunk.length
            }
            return next.onResponseData(ctx, chunk)
          },
          onResponseEnd(ctx) {
            const s = seen.get(ctx)
            if (tee && s) teed.push({ status: ctx.status, ...s })
            next.onResponseEnd(ctx)
          },
          onResponseError(ctx, err) {
            next.onResponseError(ctx, err)
          },
        }
      },
    }),
  }
}

let upstream: Upstream
let streaming: ServerResponse | null = null
let gw: TestGateway
let tmp: { dir: string; cleanup: () => void }

before(async () => {
  upstream = await startUpstream((req, res) => {
    if (req.url === '/stream') {
      // The rest of the body is sent only once the client has the first part (see the test): the chain
      // must pass chunks on as they come, or the request never ends.
      res.writeHead(200, { 'content-type': 'text/plain' })
      res.write('one,two,')
      streaming = res
      return
    }
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end('{"ok":true}')
  })
  tmp = tempDir('gatehouse-chain-')
  writeFile(tmp.dir, 'api.json', {
    openapi: '3.0.1',
    info: { title: 'chain', version: '1' },
    paths: {
      '/mock': {
        get: {
          'x-amazon-apigateway-integration': {
            type: 'mock',
            requestTemplates: { 'application/json': '{"statusCode": 200}' },
            responses: { default: { statusCode: '200', responseTemplates: { 'application/json': '{"mocked":true}' } } },
          },
        },
      },
      '/stream': { get: { 'x-amazon-apigateway-integration': { type: 'http_proxy', httpMethod: 'GET', uri: `${upstream.url}/stream` } } },
      '/broken': { get: { 'x-amazon-apigateway-integration': { type: 'http_proxy', httpMethod: 'GET', uri: 'http://127.0.0.1:1/nothing' } } },
    },
  })
  const config = writeFile(tmp.dir, 'gatehouse.yaml', { apis: [{ name: 'chain', id: 'chainapi', type: 'rest', openapi: './api.json', stages: { dev: {} } }] })
  // policy runs first on the request side, so its response side runs last.
  gw = await startGateway({ configFile: config }, { steps: [marker('validate', 'validate'), marker('policy', 'policy', true), ...STATELESS_STEPS] })
})

after(async () => {
  await gw?.stop()
  await upstream?.close()
  tmp?.cleanup()
})

test('response sides run in reverse step order, on a buffered Reply', async () => {
  const res = await gw.fetch('/dev/mock')
  assert.equal(res.status, 200)
  assert.deepEqual(res.json(), { mocked: true })
  assert.equal(res.headers['x-chain'], 'validate,policy')
  assert.ok(res.headers['x-amzn-requestid'], 'the client writer still adds the standard headers')
})

test('a proxied body streams through the chain chunk by chunk', async () => {
  teed.length = 0
  const res = await request(`http://127.0.0.1:${gw.port}/dev/stream`, { headers: { host: `localhost:${gw.port}` } })
  assert.equal(res.headers['x-chain'], 'validate,policy')
  let text = ''
  for await (const chunk of res.body) {
    text += chunk.toString()
    if (text === 'one,two,') streaming!.end('three')
  }
  assert.equal(text, 'one,two,three')
  assert.equal(teed.length, 1)
  assert.equal(teed[0]!.bytes, 'one,two,three'.length)
  assert.ok(teed[0]!.chunks >= 2, `the body came in ${teed[0]!.chunks} chunk(s), not buffered into one`)
})

test('a gateway error of a matched route goes through the chain too', async () => {
  teed.length = 0
  const res = await gw.fetch('/dev/broken')
  assert.equal(res.status, 504)
  assert.equal(res.headers['x-chain'], 'validate,policy')
  assert.equal(teed[0]?.status, 504)
})

test('an unmatched request never reaches a route’s chain', async () => {
  const res = await gw.fetch('/dev/nowhere')
  assert.equal(res.status, 403)
  assert.equal(res.headers['x-chain'], undefined)
})
