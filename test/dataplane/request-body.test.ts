// One body for every consumer (§14.1, §9, §7.5): a REST request body sent with Content-Encoding is read once
// and decompressed before a request validator and a mapping template see it — also after an AWS_IAM step
// verified the signature over the compressed bytes as sent. (Before the context owned the body, the first
// reader kept the raw bytes and everything after it saw them still compressed.)

import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { gzipSync } from 'node:zlib'
import { SignatureV4 } from '@smithy/signature-v4'
import { Sha256 } from '@aws-crypto/sha256-js'
import { startGateway, startUpstream, tempDir, writeFile, type TestGateway, type Upstream } from '../helpers.js'

const REGION = 'eu-west-1'
const KEY = { accessKeyId: 'AKIDBODY000000000001', secretAccessKey: 'body/secret' }
const NOW = Date.UTC(2030, 0, 1, 12, 0, 0)

let upstream: Upstream
let gw: TestGateway
let tmp: { dir: string; cleanup: () => void }

before(async () => {
  upstream = await startUpstream()
  tmp = tempDir('gatehouse-body-')
  const templated = (extra: Record<string, unknown>) => ({
    ...extra,
    'x-amazon-apigateway-integration': {
      type: 'http',
      httpMethod: 'POST',
      uri: `${upstream.url}/seen`,
      requestTemplates: { 'application/json': '{"name": $input.json(\'$.name\'), "length": $input.body.length()}' },
      responses: { default: { statusCode: '200' } },
    },
  })
  writeFile(tmp.dir, 'api.json', {
    openapi: '3.0.1',
    info: { title: 'body', version: '1' },
    'x-amazon-apigateway-request-validators': { body: { validateRequestBody: true, validateRequestParameters: false } },
    'x-amazon-apigateway-gateway-responses': {
      BAD_REQUEST_BODY: { statusCode: 400, responseTemplates: { 'application/json': '{"message": "$context.error.validationErrorString"}' } },
    },
    components: {
      schemas: { Pet: { type: 'object', required: ['name'], properties: { name: { type: 'string', minLength: 2 } } } },
      securitySchemes: { sigv4: { type: 'apiKey', name: 'Authorization', in: 'header', 'x-amazon-apigateway-authtype': 'awsSigv4' } },
    },
    paths: {
      '/validated': {
        post: templated({
          'x-amazon-apigateway-request-validator': 'body',
          requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/Pet' } } } },
        }),
      },
      '/signed': { post: templated({ security: [{ sigv4: [] }] }) },
    },
  })
  const config = writeFile(tmp.dir, 'gatehouse.yaml', {
    apis: [{ name: 'body', id: 'bodyapi', type: 'rest', openapi: './api.json', stages: { dev: {} } }],
    identity: {
      region: REGION,
      credentials: [
        {
          ...KEY,
          principalArn: 'arn:aws:iam::000000000000:user/body',
          policies: [{ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'execute-api:Invoke', Resource: `arn:aws:execute-api:${REGION}:000000000000:bodyapi/dev/*` }] }],
        },
      ],
    },
  })
  gw = await startGateway({ configFile: config }, { now: () => NOW })
})

after(async () => {
  await gw?.stop()
  await upstream?.close()
  tmp?.cleanup()
})

test('a gzip body is validated decompressed, then templated decompressed', async () => {
  const json = '{"name":"rex"}'
  const res = await gw.fetch('/dev/validated', { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: gzipSync(json) })
  assert.equal(res.status, 200, res.text)
  assert.deepEqual(JSON.parse(upstream.requests.at(-1)!.body), { name: 'rex', length: json.length })
})

test('a gzip body that breaks the model is refused with the validator’s message about its decompressed content', async () => {
  const res = await gw.fetch('/dev/validated', { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: gzipSync('{"name":"x"}') })
  assert.equal(res.status, 400)
  // The schema's complaint is about the name's length: the validator read the JSON, not gzip bytes.
  assert.match(res.json().message, /too short/)
})

test('AWS_IAM verifies the signature over the compressed bytes; the template then sees them decompressed', async () => {
  const json = '{"name":"signed"}'
  const body = gzipSync(json)
  const signer = new SignatureV4({ service: 'execute-api', region: REGION, sha256: Sha256, credentials: KEY })
  const headers: Record<string, string> = { host: `localhost:${gw.port}`, 'content-type': 'application/json', 'content-encoding': 'gzip' }
  const req = await signer.sign({ method: 'POST', protocol: 'http:', hostname: 'localhost', port: gw.port, path: '/dev/signed', query: {}, headers, body }, { signingDate: new Date(NOW) })
  const res = await gw.fetch('/dev/signed', { method: 'POST', headers: req.headers, body })
  assert.equal(res.status, 200, res.text)
  assert.deepEqual(JSON.parse(upstream.requests.at(-1)!.body), { name: 'signed', length: json.length })
})
