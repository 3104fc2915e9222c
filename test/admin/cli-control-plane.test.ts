// `gatehouse import`, `gatehouse export` and `gatehouse deployments list|rollback` against a running gateway:
// an API imported and deployed, exported, re-imported, listed and rolled back, with requests signed from
// AWS credentials in the environment (listeners.admin.credentials) or carrying the admin token.

import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { startGateway, tempDir, writeFile, type TestGateway } from '../helpers.js'
import { deploymentsCommand, exportCommand, importCommand } from '../../src/cli/control.js'
import { invoke, settle } from './control-plane.js'

const ADMIN = { accessKeyId: 'AKIDCLICOMMANDS', secretAccessKey: 'cli-commands-secret-0123456789' }
const TOKEN = 'cli-commands-token-0123456789'

function capture(): { write(t: string): void; text: string } {
  return {
    text: '',
    write(t: string) {
      this.text += t
    },
  }
}

function definition(body: string): Record<string, unknown> {
  return {
    openapi: '3.0.1',
    info: { title: 'cli-commands', version: '1' },
    paths: {
      '/pets': {
        get: { 'x-amazon-apigateway-integration': { type: 'mock', requestTemplates: { 'application/json': '{"statusCode": 200}' }, responses: { default: { statusCode: '200', responseTemplates: { 'application/json': body } } } } },
      },
    },
  }
}

describe('gatehouse import, export and deployments', () => {
  let tmp: ReturnType<typeof tempDir>
  let gw: TestGateway
  const saved = { id: process.env['AWS_ACCESS_KEY_ID'], secret: process.env['AWS_SECRET_ACCESS_KEY'], token: process.env['GATEHOUSE_ADMIN_TOKEN'] }

  before(async () => {
    tmp = tempDir()
    gw = await startGateway({ configFile: writeFile(tmp.dir, 'gatehouse.yaml', { listeners: { admin: { credentials: [ADMIN], token: TOKEN } } }) })
    delete process.env['GATEHOUSE_ADMIN_TOKEN']
    process.env['AWS_ACCESS_KEY_ID'] = ADMIN.accessKeyId
    process.env['AWS_SECRET_ACCESS_KEY'] = ADMIN.secretAccessKey
  })
  after(async () => {
    for (const [k, v] of [['AWS_ACCESS_KEY_ID', saved.id], ['AWS_SECRET_ACCESS_KEY', saved.secret], ['GATEHOUSE_ADMIN_TOKEN', saved.token]] as const) {
      if (v === undefined) delete process.env[k]
      else process.env[k] = v
    }
    await gw.stop()
    tmp.cleanup()
  })

  it('imports and deploys, re-imports, exports, lists and rolls back a REST API (signed requests)', async () => {
    const admin = `http://127.0.0.1:${gw.adminPort}`
    const v1 = writeFile(tmp.dir, 'v1.json', definition('{"v": 1}'))
    const out = capture()
    const err = capture()
    assert.equal(await importCommand(['--admin', admin, '--stage', 'dev', v1], out, err), 0, err.text)
    const apiId = out.text.trim()
    assert.match(apiId, /^[a-z0-9]{10}$/)
    await settle(gw)
    assert.deepEqual((await invoke(gw, apiId, '/dev/pets')).json(), { v: 1 })

    const v2 = writeFile(tmp.dir, 'v2.json', definition('{"v": 2}'))
    assert.equal(await importCommand(['--admin', admin, '--api', apiId, '--mode', 'overwrite', '--stage', 'dev', v2], capture(), err), 0, err.text)
    await settle(gw)
    assert.deepEqual((await invoke(gw, apiId, '/dev/pets')).json(), { v: 2 })

    const file = join(tmp.dir, 'export.yaml')
    assert.equal(await exportCommand(['--admin', admin, '--api', apiId, '--stage', 'dev', '--yaml', '--extensions', 'integrations', '--out', file], capture(), err), 0, err.text)
    assert.match(readFileSync(file, 'utf8'), /x-amazon-apigateway-integration:/)

    const list = capture()
    assert.equal(await deploymentsCommand(['list', '--admin', admin, '--api', apiId], list, err), 0, err.text)
    const lines = list.text.trim().split('\n')
    assert.match(lines[0]!, /^DEPLOYMENT\s+CREATED\s+STAGES\s+DESCRIPTION$/)
    assert.equal(lines.length, 3)
    assert.match(lines[2]!, /\sdev\s/)

    const rolled = capture()
    assert.equal(await deploymentsCommand(['rollback', '--admin', admin, '--api', apiId, '--stage', 'dev'], rolled, err), 0, err.text)
    assert.match(rolled.text, /^stage dev now serves deployment [a-z0-9]{6} \(was [a-z0-9]{6}\)\n$/)
    await settle(gw)
    assert.deepEqual((await invoke(gw, apiId, '/dev/pets')).json(), { v: 1 })
  })

  it('works with the admin token, handles HTTP APIs, and reports AWS errors by name', async () => {
    const admin = `http://127.0.0.1:${gw.adminPort}`
    const doc = writeFile(tmp.dir, 'http.json', {
      openapi: '3.0.1',
      info: { title: 'cli-http', version: '1' },
      paths: { '/x': { get: { 'x-amazon-apigateway-integration': { type: 'http_proxy', httpMethod: 'GET', uri: 'http://127.0.0.1:9/x', payloadFormatVersion: '1.0' } } } },
    })
    const out = capture()
    const err = capture()
    assert.equal(await importCommand(['--admin', admin, '--token', TOKEN, '--http', '--stage', '$default', doc], out, err), 0, err.text)
    const apiId = out.text.trim()
    const exported = capture()
    assert.equal(await exportCommand(['--admin', admin, '--token', TOKEN, '--api', apiId], exported, err), 0, err.text)
    assert.deepEqual(Object.keys(JSON.parse(exported.text).paths), ['/x'])

    const bad = capture()
    assert.equal(await deploymentsCommand(['list', '--admin', admin, '--token', 'wrong-token', '--api', apiId], capture(), bad), 1)
    assert.equal(bad.text, 'gatehouse deployments: ForbiddenException: The admin API token is not valid\n')
    const missing = capture()
    assert.equal(await exportCommand(['--admin', admin, '--api', 'nope000000', '--stage', 'dev'], capture(), missing), 1)
    assert.equal(missing.text, 'gatehouse export: NotFoundException: No REST or HTTP API has the id nope000000\n')
  })
})
