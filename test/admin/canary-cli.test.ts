// `gatehouse canary set|promote|rollback` against a running gateway: an API imported and deployed, its next
// version sent to a canary (set --deploy) with an override, the canary's share changed, promoted (the stage
// serves the canary's deployment and overrides, and no canary is left), and a later canary rolled back.

import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startGateway, tempDir, writeFile, type TestGateway } from '../helpers.js'
import { deploymentsCommand, importCommand } from '../../src/cli/control.js'
import { canaryCommand } from '../../src/cli/canary.js'
import { invoke, settle } from './control-plane.js'

const TOKEN = 'canary-cli-token-0123456789'

function capture(): { write(t: string): void; text: string } {
  return {
    text: '',
    write(t: string) {
      this.text += t
    },
  }
}

function definition(version: string): Record<string, unknown> {
  const template = `{"version": "${version}", "color": "$stageVariables.color", "canary": "$context.isCanaryRequest"}`
  return {
    openapi: '3.0.1',
    info: { title: 'canary-cli', version: '1' },
    paths: {
      '/pets': {
        get: { 'x-amazon-apigateway-integration': { type: 'mock', requestTemplates: { 'application/json': '{"statusCode": 200}' }, responses: { default: { statusCode: '200', responseTemplates: { 'application/json': template } } } } },
      },
    },
  }
}

describe('gatehouse canary', () => {
  let tmp: ReturnType<typeof tempDir>
  let gw: TestGateway

  before(async () => {
    tmp = tempDir()
    gw = await startGateway({ configFile: writeFile(tmp.dir, 'gatehouse.yaml', { listeners: { admin: { token: TOKEN } } }) })
  })
  after(async () => {
    await gw.stop()
    tmp.cleanup()
  })

  it('sets a canary on a new deployment, promotes it, and rolls a later one back', async () => {
    const admin = ['--admin', `http://127.0.0.1:${gw.adminPort}`, '--token', TOKEN]
    const run = async (f: typeof canaryCommand, argv: string[]): Promise<string> => {
      const out = capture()
      const err = capture()
      const code = await f([...argv, ...admin], out, err)
      assert.equal(code, 0, err.text)
      await settle(gw)
      return out.text
    }
    const pets = async (): Promise<Record<string, string>> => (await invoke(gw, apiId, '/dev/pets')).json()

    const apiId = (await run((a, o, e) => importCommand(a, o, e), [writeFile(tmp.dir, 'v1.json', definition('v1')), '--stage', 'dev'])).trim()
    assert.deepEqual(await pets(), { version: 'v1', color: '', canary: 'false' })

    // The next version goes to a canary taking every request, with its own stage variable.
    await run((a, o, e) => importCommand(a, o, e), [writeFile(tmp.dir, 'v2.json', definition('v2')), '--api', apiId, '--mode', 'overwrite'])
    const set = await run(canaryCommand, ['set', '--api', apiId, '--stage', 'dev', '--deploy', '--percent', '100', '--variable', 'color=green'])
    assert.match(set, /^deployment \w+ made for the canary\nstage dev serves deployment \w+; canary: 100 % to deployment \w+, overrides color=green\n$/)
    assert.deepEqual(await pets(), { version: 'v2', color: 'green', canary: 'true' })
    // `deployments list` names the canary beside the stage.
    const listed = await run((a, o, e) => deploymentsCommand(a, o, e), ['list', '--api', apiId])
    assert.match(listed, /\n\w+ +\S+ +dev +[^\n]*\n\w+ +\S+ +dev\/Canary\(100%\)/)

    // Its share changes without a deployment; at 0 % the stage answers everything.
    assert.match(await run(canaryCommand, ['set', '--api', apiId, '--stage', 'dev', '--percent', '0']), /canary: 0 % to deployment/)
    assert.deepEqual(await pets(), { version: 'v1', color: '', canary: 'false' })

    // Promotion: the stage serves the canary's deployment and overrides; no canary is left.
    assert.match(await run(canaryCommand, ['promote', '--api', apiId, '--stage', 'dev']), /^stage dev now serves deployment \w+ \(was \w+\); the canary is promoted and removed\n$/)
    assert.deepEqual(await pets(), { version: 'v2', color: 'green', canary: 'false' })

    // A later canary, rolled back: the promoted version serves every request again.
    await run((a, o, e) => importCommand(a, o, e), [writeFile(tmp.dir, 'v3.json', definition('v3')), '--api', apiId, '--mode', 'overwrite'])
    await run(canaryCommand, ['set', '--api', apiId, '--stage', 'dev', '--deploy', '--percent', '100', '--variable', 'color=red'])
    assert.deepEqual(await pets(), { version: 'v3', color: 'red', canary: 'true' })
    assert.match(await run(canaryCommand, ['rollback', '--api', apiId, '--stage', 'dev']), /^stage dev serves deployment \w+ to every request; the canary \(deployment \w+\) is removed\n$/)
    assert.deepEqual(await pets(), { version: 'v2', color: 'green', canary: 'false' })

    // Nothing left to promote or roll back: an error, exit code 1.
    const err = capture()
    assert.equal(await canaryCommand(['promote', '--api', apiId, '--stage', 'dev', ...admin], capture(), err), 1)
    assert.equal(err.text, 'gatehouse canary: BadRequestException: Stage dev has no canary to promote\n')
  })

  it('prints its help, and refuses options that do not belong to the action', async () => {
    const out = capture()
    assert.equal(await canaryCommand(['--help'], out), 0)
    assert.match(out.text, /^Usage: gatehouse canary set/)
    await assert.rejects(canaryCommand(['promote', '--api', 'a', '--stage', 'dev', '--percent', '5']), /--percent is an option of canary set/)
    await assert.rejects(canaryCommand(['set', '--api', 'a', '--stage', 'dev', '--percent', '150']), /--percent must be a number from 0 to 100/)
    await assert.rejects(canaryCommand(['set', '--api', 'a', '--stage', 'dev', '--variable', 'bad name=x']), /--variable takes NAME=VALUE/)
  })
})
