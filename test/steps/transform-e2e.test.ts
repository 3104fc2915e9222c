// The transform step (§5.9, §2.10): template selection and the passthrough rule run before the integration,
// whatever its type — so a method whose integration this build cannot run still answers 415 for a media
// type its passthrough behaviour refuses, as AWS does, and 500 only for what would reach the backend.

import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startGateway, tempDir, writeFile, type TestGateway } from '../helpers.js'

let gw: TestGateway
let tmp: { dir: string; cleanup: () => void }

const sqs = (passthroughBehavior: string) => ({
  type: 'aws',
  httpMethod: 'POST',
  uri: 'arn:aws:apigateway:us-east-1:sqs:path/000000000000/orders',
  passthroughBehavior,
  requestTemplates: { 'application/json': 'Action=SendMessage&MessageBody=$util.urlEncode($input.body)' },
  responses: { default: { statusCode: '200' } },
})

before(async () => {
  tmp = tempDir('gatehouse-transform-')
  writeFile(tmp.dir, 'api.json', {
    openapi: '3.0.1',
    info: { title: 'transform', version: '1' },
    paths: {
      '/never': { post: { 'x-amazon-apigateway-integration': sqs('never') } },
      '/when-no-templates': { post: { 'x-amazon-apigateway-integration': sqs('when_no_templates') } },
      '/when-no-match': { post: { 'x-amazon-apigateway-integration': sqs('when_no_match') } },
    },
  })
  const config = writeFile(tmp.dir, 'gatehouse.yaml', { apis: [{ name: 'transform', id: 'xformapi', type: 'rest', openapi: './api.json', stages: { dev: {} } }] })
  gw = await startGateway({ configFile: config })
})

after(async () => {
  await gw?.stop()
  tmp?.cleanup()
})

test('a media type the passthrough behaviour refuses is 415, even where the integration cannot run', async () => {
  for (const path of ['/dev/never', '/dev/when-no-templates']) {
    const res = await gw.fetch(path, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hello' })
    assert.equal(res.status, 415, path)
    assert.deepEqual(res.json(), { message: 'Unsupported Media Type' })
    assert.equal(res.headers['x-amzn-errortype'], 'UnsupportedMediaTypeException')
  }
})

test('what passes the template rules reaches the integration, which answers 500 when this build cannot run it', async () => {
  const matched = await gw.fetch('/dev/never', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
  assert.equal(matched.status, 500)
  assert.deepEqual(matched.json(), { message: 'Internal server error' })
  const passedThrough = await gw.fetch('/dev/when-no-match', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hello' })
  assert.equal(passedThrough.status, 500)
})
