// A canary declared in the config file (§1.6, docs/canary.md): added on reload with its own definition and a
// stage variable override, refused whole when it is bad (the path in the problem, the old config serving on),
// promoted in the file — the canary's definition moved to the API, its overrides into the stage variables,
// canarySettings deleted — and served so after the reload.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { eventually, startGateway, tempDir, writeFile } from '../helpers.js'

function definition(version: string): Record<string, unknown> {
  const template = `{"version": "${version}", "color": "$stageVariables.color", "canary": "$context.isCanaryRequest"}`
  return {
    openapi: '3.0.1',
    info: { title: 'canary-config', version: '1' },
    paths: {
      '/hello': {
        get: { 'x-amazon-apigateway-integration': { type: 'mock', requestTemplates: { 'application/json': '{"statusCode": 200}' }, responses: { default: { statusCode: '200', responseTemplates: { 'application/json': template } } } } },
      },
    },
  }
}

test('a config-file canary is served on reload, a bad one is refused, and its promotion in the file is served', async () => {
  const tmp = tempDir('gatehouse-canary-config-')
  writeFile(tmp.dir, 'v1.json', definition('v1'))
  writeFile(tmp.dir, 'v2.json', definition('v2'))
  const config = (stage: Record<string, unknown>, openapi = './v1.json'): string => writeFile(tmp.dir, 'gatehouse.yaml', { apis: [{ id: 'cfg01', type: 'rest', openapi, stages: { dev: stage } }] })
  const file = config({ variables: { color: 'blue' } })
  const gw = await startGateway({ configFile: file })
  const hello = async (): Promise<Record<string, string>> => (await gw.fetch('/dev/hello')).json()
  const reload = async (): Promise<{ ok: boolean; problems: string }> => {
    const r = await gw.gateway.reload()
    await gw.gateway.settled()
    return r
  }
  try {
    assert.deepEqual(await hello(), { version: 'v1', color: 'blue', canary: 'false' })

    // A canary on the next version, taking every request.
    config({ variables: { color: 'blue' }, canarySettings: { percentTraffic: 100, stageVariableOverrides: { color: 'green' }, openapi: './v2.json' } })
    assert.equal((await reload()).ok, true)
    await eventually(async () => (await hello()).version === 'v2', undefined, 'the canary to be served')
    assert.deepEqual(await hello(), { version: 'v2', color: 'green', canary: 'true' })

    // A bad canary is refused with its path; the canary in service keeps serving.
    config({ variables: { color: 'blue' }, canarySettings: { percentTraffic: 150, openapi: './v2.json' } })
    const refused = await reload()
    assert.equal(refused.ok, false)
    assert.match(refused.problems, /\/apis\/0\/stages\/dev\/canarySettings\/percentTraffic/)
    assert.deepEqual(await hello(), { version: 'v2', color: 'green', canary: 'true' })

    // Promotion in the file: the API takes the canary's definition and the stage its overrides; no canary.
    config({ variables: { color: 'green' } }, './v2.json')
    assert.equal((await reload()).ok, true)
    await eventually(async () => (await hello()).canary === 'false', undefined, 'the promoted stage to be served')
    assert.deepEqual(await hello(), { version: 'v2', color: 'green', canary: 'false' })
    assert.equal(gw.gateway.plan!.apis.get('cfg01')!.stages.get('dev')!.canary, null)
  } finally {
    await gw.stop()
    tmp.cleanup()
  }
})
