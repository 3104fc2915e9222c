// Issue 8, item 1: a catastrophic-backtracking pattern (`(a+)+`) in a model `pattern`, a template's `matches`
// or a Lambda error `selectionPattern`, met by a request built to trigger it, used to block the event loop for
// seconds (a 37-byte body: 2.2 s; 30 characters: over a minute), stopping every API and /health. User regexes
// now run on RE2: the hostile request is answered at once, and /health answers within 100 ms meanwhile.

import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startGateway, tempDir, writeFile, type TestGateway } from '../helpers.js'
import { describeLoad, healthUnderHostileLoad, medianLatency } from '../hostile-load.js'

let gw: TestGateway
let tmp: { dir: string; cleanup: () => void }

// 30 characters: seconds per match on a backtracking engine, doubling with each one more, even once V8 has
// compiled a pattern it reuses to machine code (measured before RE2: /health waited 7.7 s on the Lambda case).
const HOSTILE = 'a'.repeat(30)
const JSON_HEADERS = { 'content-type': 'application/json' }

const lambdaUri = (name: string): string =>
  `arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:${name}/invocations`

before(async () => {
  tmp = tempDir('gatehouse-hostile-regex-')
  // The function fails with the message it is given: Lambda error messages are often built from client input.
  writeFile(tmp.dir, 'fail.mjs', 'export const handler = async (event) => { throw new Error(event.msg) }\n')
  const api = writeFile(tmp.dir, 'api.json', {
    openapi: '3.0.1',
    info: { title: 'hostile-regex', version: '1' },
    'x-amazon-apigateway-request-validators': { body: { validateRequestBody: true, validateRequestParameters: false } },
    'x-amazon-apigateway-gateway-responses': {
      BAD_REQUEST_BODY: {
        statusCode: '400',
        responseTemplates: { 'application/json': '{"message": "$context.error.message", "why": "$context.error.validationErrorString"}' },
      },
    },
    paths: {
      '/signup': {
        post: {
          requestBody: { content: { 'application/json': { schema: { $ref: '#/components/schemas/User' } } } },
          'x-amazon-apigateway-request-validator': 'body',
          'x-amazon-apigateway-integration': {
            type: 'mock',
            requestTemplates: { 'application/json': '{"statusCode": 200}' },
            responses: { default: { statusCode: '200', responseTemplates: { 'application/json': '{"ok": true}' } } },
          },
        },
      },
      '/match': {
        post: {
          'x-amazon-apigateway-integration': {
            type: 'mock',
            requestTemplates: { 'application/json': `{"statusCode": #if($input.path('$.s').matches('(a+)+b'))201#else 200#end}` },
            responses: {
              default: { statusCode: '200', responseTemplates: { 'application/json': '{"matched": false}' } },
              '201': { statusCode: '201', responseTemplates: { 'application/json': '{"matched": true}' } },
            },
          },
        },
      },
      '/fn': {
        post: {
          'x-amazon-apigateway-integration': {
            type: 'aws',
            httpMethod: 'POST',
            uri: lambdaUri('fail'),
            requestTemplates: { 'application/json': `{"msg": "$util.escapeJavaScript($input.path('$.msg'))"}` },
            responses: {
              default: { statusCode: '200' },
              '(a+)+': { statusCode: '422', responseTemplates: { 'application/json': '{"selected": "(a+)+"}' } },
              '.*': { statusCode: '500', responseTemplates: { 'application/json': '{"selected": ".*"}' } },
            },
          },
        },
      },
    },
    components: {
      schemas: { User: { type: 'object', required: ['name'], properties: { name: { type: 'string', pattern: '^(a+)+$' } } } },
    },
  })
  gw = await startGateway({ restApis: [api], stage: 'dev', functionsDir: tmp.dir })
})

after(async () => {
  await gw?.stop()
  tmp?.cleanup()
})

test('a model pattern (a+)+ keeps its meaning, and a body built to make it backtrack is answered at once while /health stays quick', async (t) => {
  const ok = await gw.fetch('/dev/signup', { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify({ name: 'aaa' }) })
  assert.equal(ok.status, 200)
  assert.deepEqual(ok.json(), { ok: true })
  // The probe: a 37-byte body.
  const hostileBody = JSON.stringify({ name: `${HOSTILE.slice(0, 25)}!` })
  assert.equal(Buffer.byteLength(hostileBody), 37)
  const hostile = () => gw.fetch('/dev/signup', { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify({ name: `${HOSTILE}!` }) })
  const load = await healthUnderHostileLoad(gw, hostile)
  t.diagnostic(describeLoad(load))
  for (const answer of [await gw.fetch('/dev/signup', { method: 'POST', headers: JSON_HEADERS, body: hostileBody }), ...load.answers]) {
    assert.equal(answer.status, 400)
    assert.equal(answer.json().message, 'Invalid request body')
    // The AWS-worded reason is computed with the same (linear-time) pattern.
    assert.match(answer.json().why, /^\[ECMA 262 regex "\^\(a\+\)\+\$" does not match input string "a+!"\]$/)
  }
  assert.ok(load.overlapping >= load.latencies.length / 2, describeLoad(load))
  assert.ok(medianLatency(load) < 100, describeLoad(load))
})

test('a template matches((a+)+b) on client input is answered at once while /health stays quick', async (t) => {
  const yes = await gw.fetch('/dev/match', { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify({ s: 'aab' }) })
  assert.equal(yes.status, 201)
  assert.deepEqual(yes.json(), { matched: true })
  const hostile = () => gw.fetch('/dev/match', { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify({ s: HOSTILE }) })
  const load = await healthUnderHostileLoad(gw, hostile)
  t.diagnostic(describeLoad(load))
  for (const answer of load.answers) {
    assert.equal(answer.status, 200)
    assert.deepEqual(answer.json(), { matched: false })
  }
  assert.ok(load.overlapping >= load.latencies.length / 2, describeLoad(load))
  assert.ok(medianLatency(load) < 100, describeLoad(load))
})

test('a Lambda error selectionPattern (a+)+ against an error message the client chose is answered at once while /health stays quick', async (t) => {
  const selected = await gw.fetch('/dev/fn', { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify({ msg: 'aaa' }) })
  assert.equal(selected.status, 422)
  assert.deepEqual(selected.json(), { selected: '(a+)+' })
  // The whole message must match (Java's String.matches): the characters after the a's make a backtracking
  // engine try every way of splitting them first. A different message each time: selections are remembered
  // per message, and an attacker varies them.
  let n = 0
  const hostile = () => gw.fetch('/dev/fn', { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify({ msg: `${HOSTILE}!${n++}` }) })
  const load = await healthUnderHostileLoad(gw, hostile)
  t.diagnostic(describeLoad(load))
  for (const answer of load.answers) {
    assert.equal(answer.status, 500)
    assert.deepEqual(answer.json(), { selected: '.*' })
  }
  assert.ok(load.overlapping >= load.latencies.length / 2, describeLoad(load))
  assert.ok(medianLatency(load) < 100, describeLoad(load))
})
