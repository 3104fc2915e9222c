// validateFiles (`gatehouse validate FILE...`) on config files and OpenAPI documents, good and bad.

import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { fileURLToPath } from 'node:url'
import { checkFiles, looksLikeHttpApi, validateFiles } from '../../src/controlplane/config/validate.js'
import { ORDERS_HTTP, PETSTORE_REST, problemAt, tempDir } from './helpers.js'
import type { TempDir } from './helpers.js'

describe('validateFiles', () => {
  let tmp: TempDir
  before(async () => {
    tmp = await tempDir()
    await tmp.write('petstore.yaml', PETSTORE_REST)
    await tmp.write('orders.yaml', ORDERS_HTTP)
    await tmp.write('gatehouse.yaml', 'apis:\n  - { type: rest, openapi: petstore.yaml, stages: { dev: {} } }\n  - { type: http, openapi: orders.yaml, stages: { $default: {} } }\n')
  })
  after(() => tmp.remove())

  it('returns no problems for a good config file and good OpenAPI documents of both types', async () => {
    assert.deepEqual(await validateFiles(['gatehouse.yaml', 'petstore.yaml', 'orders.yaml'], { cwd: tmp.dir }), [])
  })

  it('finds the problems of every file in one pass', async () => {
    await tmp.write('bad-config.yaml', 'apis:\n  - { type: rest, openapi: petstore.yaml, stages: { $default: {} } }\nlisteners: { htp: {} }\n')
    await tmp.write('bad-api.json', JSON.stringify({ openapi: '3.0.1', info: { title: 'x', version: '1' }, paths: { '/a': { get: { 'x-amazon-apigateway-integration': { type: 'teleport' } } } } }))
    await tmp.write('syntax.yaml', 'apis: [\n')
    const problems = await validateFiles(['bad-config.yaml', 'bad-api.json', 'syntax.yaml', 'absent.yaml'], { cwd: tmp.dir })
    problemAt(problems, '/apis/0/stages/$default', 'bad-config.yaml')
    assert.match(problemAt(problems, '/listeners/htp', 'bad-config.yaml').message, /did you mean "http"/)
    assert.ok(problems.some((p) => p.file === 'bad-api.json' && p.path.startsWith('/paths/~1a/get')), JSON.stringify(problems))
    assert.match(problemAt(problems, '', 'syntax.yaml').message, /syntax error/)
    assert.deepEqual(problemAt(problems, '', 'absent.yaml').message, 'cannot read the file: no such file')
  })

  it('detects HTTP API documents, and lets the caller choose the type', async () => {
    assert.equal(looksLikeHttpApi({ openapi: '3.0.1', 'x-amazon-apigateway-importexport-version': '1.0' }), true)
    assert.equal(looksLikeHttpApi({ openapi: '3.0.1', paths: { '/': { 'x-amazon-apigateway-any-method': { isDefaultRoute: true } } } }), true)
    assert.equal(looksLikeHttpApi({ openapi: '3.0.1', paths: { '/a': { get: { 'x-amazon-apigateway-integration': { payloadFormatVersion: '2.0' } } } } }), true)
    assert.equal(looksLikeHttpApi({ openapi: '3.0.1', paths: { '/a': { get: { 'x-amazon-apigateway-integration': { type: 'http_proxy' } } } } }), false)
    assert.equal(looksLikeHttpApi({ swagger: '2.0', 'x-amazon-apigateway-importexport-version': '1.0' }), false)

    // REST-only integration types are wrong on an HTTP API: the detected or chosen type decides the verdict.
    const mock = PETSTORE_REST.replace(/type: http_proxy/g, 'type: mock')
    await tmp.write('mock.yaml', mock)
    assert.deepEqual(await validateFiles(['mock.yaml'], { cwd: tmp.dir }), [], 'validated as REST by default')
    const asHttp = await validateFiles(['mock.yaml'], { cwd: tmp.dir, kind: 'HTTP' })
    assert.ok(asHttp.length > 0 && asHttp.every((p) => p.file === 'mock.yaml'), JSON.stringify(asHttp))
  })

  it('reports warnings separately through checkFiles', async () => {
    await tmp.write('warn.yaml', "apis:\n  - { type: rest, openapi: petstore.yaml, stages: { dev: { methodSettings: { '~1nope/GET': {} } } } }\n")
    const { problems, warnings } = await checkFiles(['warn.yaml'], { cwd: tmp.dir })
    assert.deepEqual(problems, [])
    problemAt(warnings, '/apis/0/stages/dev/methodSettings/~01nope~1GET', 'warn.yaml')
  })

  it('accepts the documented example config', async () => {
    const example = fileURLToPath(new URL('../../docs/gatehouse.example.yaml', import.meta.url))
    assert.deepEqual(await validateFiles([example]), [])
  })
})
