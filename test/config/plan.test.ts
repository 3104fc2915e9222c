// planStoreChanges against a real (memory) ConfigStore: first load, unchanged reload, a changed file, a
// removed API, and admin-origin documents left alone.

import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { writeFile } from 'node:fs/promises'
import { loadDesiredState, planStoreChanges } from '../../src/controlplane/config/desired.js'
import type { DesiredState, Sources } from '../../src/controlplane/config/desired.js'
import { MemoryConfigStore } from '../../src/store/memory/config-store.js'
import type { ConfigStore } from '../../src/store/port/ports.js'
import type { Api, Deployment, Stage } from '../../src/model/types.js'
import { PETSTORE_REST, ordersDefinition, tempDir } from './helpers.js'
import type { TempDir } from './helpers.js'

async function current(store: ConfigStore) {
  return {
    api: await store.list('api'),
    deployment: await store.list('deployment'),
    stage: await store.list('stage'),
    settings: await store.list('settings'),
    function: await store.list('function'),
  }
}

async function sync(store: ConfigStore, desired: DesiredState) {
  const ops = planStoreChanges(desired, await current(store))
  await store.apply(ops)
  return ops
}

describe('planStoreChanges', () => {
  let tmp: TempDir
  let config: string
  let petstore: string
  const twoApis = () => `apis:
  - { type: rest, openapi: petstore.yaml, stages: { dev: { variables: { backend: 'a:1' } }, prod: {} } }
  - { type: http, definition: ${JSON.stringify(ordersDefinition())} }
functions:
  - { name: hello, timeout: 5 }
`
  const load = (iso: string) =>
    loadDesiredState({ configFile: config, restApis: [], httpApis: [], stageVariables: {}, now: () => new Date(iso) } satisfies Sources)

  before(async () => {
    tmp = await tempDir()
    petstore = await tmp.write('petstore.yaml', PETSTORE_REST)
    config = await tmp.write('gatehouse.yaml', twoApis())
  })
  after(() => tmp.remove())

  it('writes everything on first load, nothing on an unchanged reload, and only what changed after an edit', async () => {
    const store = new MemoryConfigStore()
    const first = await load('2024-01-01T00:00:00Z')
    const ops = await sync(store, first)
    assert.ok(ops.every((op) => op.op === 'put' && op.origin === 'file'))
    const counts = (kind: string) => ops.filter((op) => op.kind === kind).length
    assert.deepEqual([counts('api'), counts('deployment'), counts('stage'), counts('settings'), counts('function')], [2, 2, 3, 1, 1])
    const restId = first.apis.find((a) => a.kind === 'REST')!.id
    assert.ok(await store.get('stage', `${restId}/prod`), 'stages are stored under apiId/stageName')
    assert.ok(await store.get('function', 'hello'))

    const revision = await store.revision()
    const reload = await load('2024-03-03T00:00:00Z')
    assert.deepEqual(planStoreChanges(reload, await current(store)), [], 'a restart with unchanged files writes nothing')
    assert.equal(await store.revision(), revision)

    await writeFile(petstore, PETSTORE_REST.replace('/pets/{petId}:', '/pets/{petId}/owner:'))
    const edited = await load('2024-04-04T00:00:00Z')
    const editOps = await sync(store, edited)
    const summary = editOps.map((op) => `${op.op} ${op.kind}`).sort()
    assert.deepEqual(summary, ['put api', 'put deployment', 'put stage', 'put stage'])
    const oldDeployment = first.deployments.find((d) => d.apiId === restId)!.id
    assert.ok(await store.get('deployment', oldDeployment), 'the superseded deployment stays in the history (docs/deployments.md)')

    const api = (await store.get<Api>('api', restId))!.value
    assert.equal(api.createdDate, '2024-01-01T00:00:00.000Z', 'the API keeps the date it was first seen')
    const stage = (await store.get<Stage>('stage', `${restId}/dev`))!.value
    assert.equal(stage.createdDate, '2024-01-01T00:00:00.000Z')
    assert.equal(stage.lastUpdatedDate, '2024-04-04T00:00:00.000Z')
    const deployment = (await store.get<Deployment>('deployment', stage.deploymentId))!.value
    assert.equal(deployment.createdDate, '2024-04-04T00:00:00.000Z')
    assert.equal(deployment.snapshot.createdDate, '2024-01-01T00:00:00.000Z')
    assert.ok(Object.values((deployment.snapshot as { resources: Record<string, { path: string }> }).resources).some((r) => r.path === '/pets/{petId}/owner'))
    await writeFile(petstore, PETSTORE_REST)
  })

  it('deletes the documents of an API removed from the config, and leaves admin documents alone', async () => {
    await writeFile(config, twoApis())
    const store = new MemoryConfigStore()
    const first = await load('2024-01-01T00:00:00Z')
    await sync(store, first)
    const rest = first.apis.find((a) => a.kind === 'REST')!
    const http = first.apis.find((a) => a.kind === 'HTTP')!
    const restDeployment = first.deployments.find((d) => d.apiId === rest.id)!.id

    // The admin API made its own API, took over the REST API's prod stage, and a stage pointing at a file deployment.
    const adminApi = { ...http, id: 'adminapi01', name: 'admin-made' }
    const adminProd = { ...first.stages.find((s) => s.stageName === 'prod')!, description: 'changed by admin' }
    await store.apply([
      { op: 'put', kind: 'api', id: 'adminapi01', value: adminApi, origin: 'admin' },
      { op: 'put', kind: 'stage', id: `${rest.id}/prod`, value: adminProd, origin: 'admin' },
    ])

    await writeFile(config, `apis:\n  - { type: http, definition: ${JSON.stringify(ordersDefinition())} }\n`)
    const reduced = await load('2024-02-01T00:00:00Z')
    const ops = await sync(store, reduced)
    const summary = ops.map((op) => `${op.op} ${op.kind} ${op.id}`).sort()
    assert.deepEqual(summary, [`delete api ${rest.id}`, 'delete function hello', `delete stage ${rest.id}/dev`].sort(), 'the deployment the admin stage uses is kept (§1.6)')
    assert.ok(await store.get('deployment', restDeployment))
    const prod = await store.get<Stage>('stage', `${rest.id}/prod`)
    assert.equal(prod?.origin, 'admin')
    assert.equal(prod?.value.description, 'changed by admin')
    assert.ok(await store.get('api', 'adminapi01'))
    assert.ok(await store.get('api', http.id))

    // Once the admin stage goes, the next sync removes the orphaned file deployment.
    await store.apply([{ op: 'delete', kind: 'stage', id: `${rest.id}/prod` }])
    assert.deepEqual(planStoreChanges(reduced, await current(store)), [{ op: 'delete', kind: 'deployment', id: restDeployment }])
  })

  it('does not overwrite a desired document the admin API owns', async () => {
    await writeFile(config, twoApis())
    const store = new MemoryConfigStore()
    const desired = await load('2024-01-01T00:00:00Z')
    await store.apply([{ op: 'put', kind: 'settings', id: 'gateway', value: { defaultApiId: 'admin-owned' }, origin: 'admin' }])
    const ops = planStoreChanges(desired, await current(store))
    assert.ok(!ops.some((op) => op.kind === 'settings'))
  })
})
