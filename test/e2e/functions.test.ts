// The function runtime through the gateway: real handler files in a functions directory behind REST AWS_PROXY
// routes — cold then warm environments, errors, timeouts on both sides, a missing function, TypeScript and
// callback-style handlers, console output in the gateway log, and editing a handler while the gateway serves.

import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { writeFileSync } from 'node:fs'
import { PATIENCE_MS, eventually, startGateway, tempDir, writeFile, type TestGateway, type TestResponse } from '../helpers.js'

function uri(name: string): string {
  return `arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:${name}/invocations`
}

const HANDLERS: Record<string, string> = {
  'counter.mjs': `let calls = 0
const loadedAt = Date.now()
export const handler = async () => ({ statusCode: 200, body: JSON.stringify({ calls: ++calls, loadedAt }) })
`,
  'throws.mjs': `export const handler = async () => { throw new Error('kaboom: the handler failed') }
`,
  'slow.mjs': `export const handler = async () => {
  // Never answers: only the function timeout can end the invocation.
  await new Promise(() => setInterval(() => {}, 1000))
}
`,
  'typed.ts': `interface ProxyEvent { path: string; queryStringParameters: Record<string, string> | null }
interface ProxyResult { statusCode: number; headers: Record<string, string>; body: string }
const greet = (who: string): string => \`hello, \${who}\`
export const handler = async (event: ProxyEvent): Promise<ProxyResult> => ({
  statusCode: 200,
  headers: { 'Content-Type': 'text/plain' },
  body: greet(event.queryStringParameters?.name ?? 'world') + ' from ' + event.path,
})
`,
  'callback.cjs': `exports.handler = function (event, context, callback) {
  setTimeout(() => callback(null, { statusCode: 201, body: JSON.stringify({ style: 'callback', fn: context.functionName }) }), 5)
}
`,
  'logs.mjs': `export const handler = async (event) => {
  console.log('handling', event.path)
  console.error('a warning on stderr')
  return { statusCode: 200, body: 'logged' }
}
`,
  'edited.mjs': `export const handler = async () => ({ statusCode: 200, body: 'version one' })
`,
  'waits.mjs': `export const handler = async () => {
  // Never answers: only the integration timeout can end the request.
  await new Promise(() => setInterval(() => {}, 1000))
}
`,
}

function route(fn: string, extra: Record<string, unknown> = {}) {
  return { get: { 'x-amazon-apigateway-integration': { type: 'aws_proxy', httpMethod: 'POST', uri: uri(fn), ...extra } } }
}

let gw: TestGateway
let tmp: { dir: string; cleanup: () => void }

before(async () => {
  tmp = tempDir('gatehouse-functions-e2e-')
  for (const [file, source] of Object.entries(HANDLERS)) writeFile(tmp.dir, file, source)
  const api = writeFile(tmp.dir, 'api.json', {
    openapi: '3.0.1',
    info: { title: 'functions-e2e', version: '1' },
    paths: {
      '/counter': route('counter'),
      '/throws': route('throws'),
      '/slow': route('slow'),
      '/missing': route('nobody-by-that-name'),
      '/typed': route('typed'),
      '/callback': route('callback'),
      '/logs': route('logs'),
      '/edited': route('edited'),
      '/impatient': route('waits', { timeoutInMillis: 200 }),
    },
  })
  // The slow function is declared with a 1 s timeout (the config file takes whole seconds, like Lambda), far below
  // the 29 s integration timeout.
  const config = writeFile(tmp.dir, 'gatehouse.yaml', `functions:\n  - name: slow\n    module: ./slow.mjs\n    timeout: 1\n`)
  gw = await startGateway({ configFile: config, restApis: [api], stage: 'dev', functionsDir: tmp.dir })
})

after(async () => {
  await gw?.stop()
  tmp?.cleanup()
})

/** Gateway log entries written by function `name` for the request the client knows as `requestId`. */
function functionLogs(name: string, requestId: string): Array<Record<string, unknown>> {
  return gw.logs.filter((l) => l['function'] === name && l['requestId'] === requestId)
}

function requestIdOf(res: TestResponse): string {
  return String(res.headers['x-amzn-requestid'])
}

test('the first call starts an environment (cold, Init Duration); the next reuses it (warm, module state kept)', async () => {
  const first = await gw.fetch('/dev/counter')
  const second = await gw.fetch('/dev/counter')
  assert.equal(first.status, 200)
  assert.equal(first.json().calls, 1)
  assert.equal(second.json().calls, 2, 'module-level state survives between invocations of a warm environment')
  assert.equal(second.json().loadedAt, first.json().loadedAt, 'the module was loaded once')
  await eventually(() => functionLogs('counter', requestIdOf(second)).some((l) => String(l['msg']).startsWith('REPORT')), PATIENCE_MS, 'REPORT line')
  const report = (res: TestResponse) => String(functionLogs('counter', requestIdOf(res)).find((l) => String(l['msg']).startsWith('REPORT'))?.['msg'])
  assert.match(report(first), /Init Duration: [\d.]+ ms/)
  assert.doesNotMatch(report(second), /Init Duration/)
})

test('a handler that throws: 502 {"message": "Internal server error"}, and its error in the gateway log with the request id', async () => {
  const res = await gw.fetch('/dev/throws')
  assert.equal(res.status, 502)
  assert.deepEqual(res.json(), { message: 'Internal server error' })
  assert.equal(res.headers['x-amzn-errortype'], undefined)
  await eventually(() => functionLogs('throws', requestIdOf(res)).some((l) => String(l['msg']).includes('kaboom')), PATIENCE_MS, 'the error log line')
  const line = functionLogs('throws', requestIdOf(res)).find((l) => String(l['msg']).includes('kaboom'))!
  assert.match(String(line['msg']), /Invoke Error/)
  assert.match(String(line['msg']), /"errorType":"Error"/)
})

test('a function timeout shorter than the integration timeout: 502 once the function timeout ends it', async () => {
  const started = Date.now()
  const res = await gw.fetch('/dev/slow')
  const elapsed = Date.now() - started
  assert.equal(res.status, 502)
  assert.deepEqual(res.json(), { message: 'Internal server error' })
  // Not before the 1 s function timeout; the 502 (not the integration's 504) shows which timeout ended it.
  assert.ok(elapsed >= 950, `answered after ${elapsed} ms`)
  await eventually(() => functionLogs('slow', requestIdOf(res)).some((l) => String(l['msg']).includes('Task timed out after 1.00 seconds')), PATIENCE_MS, 'the timeout log line')
})

test('an integration timeout shorter than the function: 504 Endpoint request timed out', async () => {
  // The function never answers, so only the 200 ms integration timeout can end the request.
  const res = await gw.fetch('/dev/impatient')
  assert.equal(res.status, 504)
  assert.deepEqual(res.json(), { message: 'Endpoint request timed out' })
})

test('a function that does not exist: 500 Internal server error, and the reason logged', async () => {
  const res = await gw.fetch('/dev/missing')
  assert.equal(res.status, 500)
  assert.deepEqual(res.json(), { message: 'Internal server error' })
  const logged = gw.logs.find((l) => l['requestId'] === requestIdOf(res) && l['code'] === 'API_CONFIGURATION_ERROR')
  assert.ok(logged, 'a warning for the request')
  assert.match(String(logged['reason']), /nobody-by-that-name/)
})

test('a TypeScript handler is compiled and runs', async () => {
  const res = await gw.fetch('/dev/typed?name=Ada')
  assert.equal(res.status, 200)
  assert.equal(res.headers['content-type'], 'text/plain')
  assert.equal(res.text, 'hello, Ada from /typed')
})

test('a callback-style CommonJS handler answers through its callback', async () => {
  const res = await gw.fetch('/dev/callback')
  assert.equal(res.status, 201)
  assert.deepEqual(res.json(), { style: 'callback', fn: 'callback' })
})

test('console output appears in the gateway log with the request id the client got', async () => {
  const res = await gw.fetch('/dev/logs')
  assert.equal(res.text, 'logged')
  const id = requestIdOf(res)
  await eventually(() => functionLogs('logs', id).some((l) => String(l['msg']).startsWith('END')), PATIENCE_MS, 'END line')
  const lines = functionLogs('logs', id).map((l) => String(l['msg']))
  assert.ok(lines.some((m) => m.includes('handling /logs')), lines.join('\n'))
  assert.ok(lines.some((m) => m.includes('a warning on stderr')), lines.join('\n'))
  assert.ok(lines.some((m) => m.startsWith(`START RequestId: ${id}`)), 'START names the same request id')
})

test('editing a handler file while serving: the next request runs the new code', async () => {
  assert.equal((await gw.fetch('/dev/edited')).text, 'version one')
  writeFileSync(join(tmp.dir, 'edited.mjs'), `export const handler = async () => ({ statusCode: 200, body: 'version two, edited in place' })\n`)
  const res = await gw.fetch('/dev/edited')
  assert.equal(res.status, 200)
  assert.equal(res.text, 'version two, edited in place')
})
