// Deployment history and rollback (docs/deployments.md): a config-file API's earlier versions stay listed by
// `gatehouse deployments list`; `gatehouse deployments rollback` points its stage back at one (the stage becomes
// the admin's, and file reloads leave it there) and forward again (rolled forward to the file's own deployment,
// the next reload hands the stage back to the file); CreateDeployment prunes beyond `deploymentHistory`.

import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startGateway, startUpstream, tempDir, writeFile, type TestGateway } from '../helpers.js'
import { deploymentsCommand } from '../../src/cli/control.js'
import { invoke, settle } from './control-plane.js'
import { adminClient } from './helpers.js'
import type { Stage } from '../../src/model/types.js'

function capture(): { write(t: string): void; text: string } {
  return {
    text: '',
    write(t: string) {
      this.text += t
    },
  }
}

/** A config file whose REST API `colours01` (stage prod) answers GET /v with `{"v": version}`. */
function colours(version: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const integration = { type: 'mock', requestTemplates: { 'application/json': '{"statusCode": 200}' }, responses: { default: { statusCode: '200', responseTemplates: { 'application/json': `{"v": ${version}}` } } } }
  return {
    ...extra,
    apis: [{ id: 'colours01', type: 'rest', definition: { openapi: '3.0.1', info: { title: 'colours', version: '1' }, paths: { '/v': { get: { 'x-amazon-apigateway-integration': integration } } } }, stages: { prod: {} } }],
  }
}

interface Row {
  id: string
  stages: string
}

describe('deployment history and rollback of a config-file API', () => {
  let tmp: ReturnType<typeof tempDir>
  let gw: TestGateway
  let admin: string
  const served = async (): Promise<number> => (await invoke(gw, 'colours01', '/prod/v')).json().v
  const edit = async (version: number, extra: Record<string, unknown> = {}): Promise<void> => {
    writeFile(tmp.dir, 'gatehouse.yaml', colours(version, extra))
    assert.equal((await gw.gateway.reload()).ok, true)
    await settle(gw)
  }
  const list = async (): Promise<Row[]> => {
    const out = capture()
    const err = capture()
    assert.equal(await deploymentsCommand(['list', '--admin', admin, '--api', 'colours01'], out, err), 0, err.text)
    const [header, ...lines] = out.text.trim().split('\n')
    assert.match(header!, /^DEPLOYMENT\s+CREATED\s+STAGES/)
    return lines.map((l) => {
      const [id, , stages] = l.split(/\s+/)
      return { id: id!, stages: stages! }
    })
  }
  const rollback = async (...args: string[]): Promise<string> => {
    const out = capture()
    const err = capture()
    assert.equal(await deploymentsCommand(['rollback', '--admin', admin, '--api', 'colours01', '--stage', 'prod', ...args], out, err), 0, err.text)
    await settle(gw)
    return out.text
  }
  const origin = async (): Promise<string | undefined> => (await gw.gateway.store!.get<Stage>('stage', 'colours01/prod'))?.origin

  before(async () => {
    tmp = tempDir()
    gw = await startGateway({ configFile: writeFile(tmp.dir, 'gatehouse.yaml', colours(1)) })
    admin = `http://127.0.0.1:${gw.adminPort}`
  })
  after(async () => {
    await gw.stop()
    tmp.cleanup()
  })

  it('lists every version of the file, rolls the stage back and forward, and hands it back to the file', async () => {
    assert.equal(await served(), 1)
    await edit(2)
    assert.equal(await served(), 2)
    const [v1, v2] = await list()
    assert.deepEqual([v1?.stages, v2?.stages], ['-', 'prod'], 'version 1 stays in the history after the file moved on')

    // Rollback with no --to: the deployment before the stage's current one.
    assert.match(await rollback(), new RegExp(`now serves deployment ${v1!.id} \\(was ${v2!.id}\\)`))
    assert.equal(await served(), 1)
    assert.equal(await origin(), 'admin', 'the rolled-back stage is the admin\'s')

    // The file moves on: its new version is recorded, but the rolled-back stage stays where it was put.
    await edit(3)
    assert.equal(await served(), 1)
    const rows = await list()
    assert.deepEqual(rows.map((r) => r.stages), ['prod', '-', '-'])
    const v3 = rows[2]!
    assert.equal(await gw.gateway.store!.get('deployment', v3.id).then((d) => d?.origin), 'file')

    // Forward to the file's current version: served at once; the next reload gives the stage back to the file.
    await rollback('--to', v3.id)
    assert.equal(await served(), 3)
    assert.equal(await origin(), 'admin')
    await edit(3)
    assert.equal(await origin(), 'file', 'a stage equal to the file\'s is the file\'s again')
    await edit(4)
    assert.equal(await served(), 4, 'file changes reach the stage again')
  })

  it('refuses a rollback to a deployment that is not in the history, and leaves the stage alone', async () => {
    const before = await served()
    const out = capture()
    const err = capture()
    assert.equal(await deploymentsCommand(['rollback', '--admin', admin, '--api', 'colours01', '--stage', 'prod', '--to', 'nosuch'], out, err), 1)
    assert.match(err.text, /BadRequestException: Deployment id does not exist/)
    assert.equal(await served(), before)
  })

  it('prunes beyond deploymentHistory, whoever made the deployments; the deployments stages use are kept', async () => {
    await edit(10, { deploymentHistory: 2 })
    const call = adminClient(gw.adminPort)
    // Three deployments through the control plane without a stage, then one that the file's stage gets.
    const made: string[] = []
    for (let i = 0; i < 3; i++) {
      const res = await call('POST', '/restapis/colours01/deployments', { description: `admin ${i}` })
      assert.equal(res.status, 201, res.text)
      made.push(res.json().id)
    }
    await settle(gw)
    const rows = await list()
    const inUse = rows.find((r) => r.stages === 'prod')!
    assert.deepEqual(rows.map((r) => r.id).sort(), [inUse.id, made[1]!, made[2]!].sort(), 'the one in use and the newest two others')
    assert.equal(await served(), 10, 'pruning never touches what is served')
    const gone = await call('GET', `/restapis/colours01/deployments/${made[0]}`)
    assert.equal(gone.status, 404)
  })
})

describe('deployment history and rollback of a config-file HTTP API', () => {
  it('lists both versions and rolls the $default stage back through apigatewayv2', async (t) => {
    const upstream = await startUpstream((req, res) => res.end(JSON.stringify({ path: req.url })))
    const tmp = tempDir()
    const config = (version: number) => ({
      apis: [
        {
          id: 'orders01',
          type: 'http',
          definition: { openapi: '3.0.1', info: { title: 'orders', version: '1' }, paths: { '/orders': { get: { 'x-amazon-apigateway-integration': { type: 'http_proxy', httpMethod: 'GET', uri: `${upstream.url}/v${version}`, payloadFormatVersion: '1.0' } } } } },
          stages: { $default: {} },
        },
      ],
    })
    const gw = await startGateway({ configFile: writeFile(tmp.dir, 'gatehouse.yaml', config(1)) })
    t.after(async () => {
      await gw.stop()
      await upstream.close()
      tmp.cleanup()
    })
    const served = async (): Promise<string> => (await invoke(gw, 'orders01', '/orders')).json().path
    assert.equal(await served(), '/v1')
    writeFile(tmp.dir, 'gatehouse.yaml', config(2))
    assert.equal((await gw.gateway.reload()).ok, true)
    assert.equal(await served(), '/v2')

    const admin = `http://127.0.0.1:${gw.adminPort}`
    const out = capture()
    const err = capture()
    assert.equal(await deploymentsCommand(['list', '--admin', admin, '--api', 'orders01'], out, err), 0, err.text)
    const rows = out.text.trim().split('\n').slice(1).map((l) => l.split(/\s+/))
    assert.deepEqual(rows.map((r) => r[2]), ['-', '$default'])
    assert.equal(await deploymentsCommand(['rollback', '--admin', admin, '--api', 'orders01', '--stage', '$default', '--to', rows[0]![0]!], capture(), err), 0, err.text)
    await settle(gw)
    assert.equal(await served(), '/v1')
  })
})
