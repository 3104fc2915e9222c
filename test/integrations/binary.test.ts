// Binary payloads (§14.2): the strict base64 and lossy-text primitives, then request conversion on MOCK and
// non-proxy Lambda (`AWS`) integrations through a real gateway and function (HTTP integrations are covered by
// the S3 recordings in test/conformance/rest-binary-s3.test.ts).

import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { request } from 'undici'
import { asUtf8Text, decodeBase64Strict } from '../../src/mapping/binary.js'
import { startGateway, tempDir, writeFile, type TestGateway } from '../helpers.js'

test('base64 is decoded strictly: alphabet only, padding optional but right when present', () => {
  assert.equal(decodeBase64Strict('aGVsbG8=')?.toString(), 'hello')
  assert.equal(decodeBase64Strict('aGVsbG8')?.toString(), 'hello')
  assert.equal(decodeBase64Strict('')?.length, 0)
  assert.equal(decodeBase64Strict('this is a UTF8 text typed object'), null)
  assert.equal(decodeBase64Strict('aGVsbG8=\n'), null)
  assert.equal(decodeBase64Strict('aGVs bG8='), null)
  assert.equal(decodeBase64Strict('aGVsbG8-'), null, 'URL-safe letters are not base64')
  assert.equal(decodeBase64Strict('aGVsb'), null, 'one character left over')
  assert.equal(decodeBase64Strict('aGVsbG8=='), null, 'wrong padding')
  assert.equal(decodeBase64Strict('aGVsbA==')?.toString(), 'hell')
})

test('text handling keeps valid UTF-8 as it is and replaces each invalid sequence with U+FFFD', () => {
  const valid = Buffer.from('héllo ✓')
  assert.equal(asUtf8Text(valid), valid)
  assert.equal(asUtf8Text(Buffer.from([0x61, 0xff, 0x62])).toString('hex'), '61efbfbd62')
})

let gw: TestGateway
let tmp: { dir: string; cleanup: () => void }
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff])

function api() {
  const mock = (contentHandling: string | undefined, template: string) => ({
    post: {
      responses: { '200': { description: 'ok' } },
      'x-amazon-apigateway-integration': {
        type: 'mock',
        ...(contentHandling ? { contentHandling } : {}),
        requestTemplates: { 'image/png': template, 'text/plain': template, 'application/json': template },
        responses: { default: { statusCode: '200', responseTemplates: { 'application/json': '{"seen": "$util.escapeJavaScript($context.requestOverride.header.seen)"}' } } },
      },
    },
  })
  const seen = '{"statusCode": 200}#set($context.requestOverride.header.seen = $input.body)'
  return {
    openapi: '3.0.1',
    info: { title: 'binary', version: '1' },
    'x-amazon-apigateway-binary-media-types': ['image/*'],
    paths: {
      '/mock-text': mock('CONVERT_TO_TEXT', seen),
      '/mock-binary': mock('CONVERT_TO_BINARY', seen),
      '/mock-plain': mock(undefined, seen),
      '/lambda': {
        post: {
          responses: { '200': { description: 'ok' } },
          'x-amazon-apigateway-integration': {
            type: 'aws',
            httpMethod: 'POST',
            uri: 'arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:echo/invocations',
            contentHandling: 'CONVERT_TO_TEXT',
            requestTemplates: { 'image/png': '{"image": "$input.body", "type": "$input.params(\'Content-Type\')"}' },
            responses: { default: { statusCode: '200' } },
          },
        },
      },
    },
  }
}

before(async () => {
  tmp = tempDir()
  writeFile(tmp.dir, 'echo.mjs', 'export const handler = async (event) => event\n')
  gw = await startGateway({ restApis: [writeFile(tmp.dir, 'api.json', api())], stage: 'dev', functionsDir: tmp.dir })
})

after(async () => {
  await gw.stop()
  tmp.cleanup()
})

async function post(path: string, type: string, body: Buffer | string) {
  const res = await request(`http://127.0.0.1:${gw.port}/dev${path}`, { method: 'POST', headers: { host: 'localhost', 'content-type': type, accept: 'application/json' }, body })
  const text = await res.body.text()
  return { status: res.statusCode, text }
}

test('MOCK, CONVERT_TO_TEXT: a binary request body reaches the template base64-encoded', async () => {
  const res = await post('/mock-text', 'image/png', PNG)
  assert.equal(res.status, 200, res.text)
  assert.deepEqual(JSON.parse(res.text), { seen: PNG.toString('base64') })
  // A text body stays text.
  assert.deepEqual(JSON.parse((await post('/mock-text', 'text/plain', 'plain words')).text), { seen: 'plain words' })
})

test('MOCK, CONVERT_TO_BINARY: a text body is base64-decoded before the template; one that is not base64 is a 500', async () => {
  const ok = await post('/mock-binary', 'text/plain', Buffer.from('decoded!').toString('base64'))
  assert.deepEqual(JSON.parse(ok.text), { seen: 'decoded!' })
  const bad = await post('/mock-binary', 'text/plain', 'not base64 at all')
  assert.equal(bad.status, 500)
  assert.deepEqual(JSON.parse(bad.text), { message: 'Internal server error' })
})

test('MOCK without contentHandling: a binary body that is not UTF-8 cannot feed a template (500)', async () => {
  const res = await post('/mock-plain', 'image/png', PNG)
  assert.equal(res.status, 500)
  const text = await post('/mock-plain', 'text/plain', 'fine')
  assert.deepEqual(JSON.parse(text.text), { seen: 'fine' })
})

test('AWS (non-proxy Lambda), CONVERT_TO_TEXT: the function gets the image as base64 through the template', async () => {
  const res = await post('/lambda', 'image/png', PNG)
  assert.equal(res.status, 200, res.text)
  assert.deepEqual(JSON.parse(res.text), { image: PNG.toString('base64'), type: 'image/png' })
})
