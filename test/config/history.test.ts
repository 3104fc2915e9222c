// The deployment history of config-file APIs (docs/deployments.md): each content version of a file is one
// deployment, kept after the file moves on; per API the deployments in use plus the newest `deploymentHistory`
// others are kept; re-applying a file writes nothing; a stage repointed while a batch prunes fails the batch.

import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { writeFile } from 'node:fs/promises'
import { loadDesiredState, planStoreChanges } from '../../src/controlplane/config/desired.js'
import type { DesiredState, Sources } from '../../src/controlplane/config/desired.js'
import { DEFAULT_DEPLOYMENT_HISTORY, deploymentsToPrune } from '../../src/controlplane/config/history.js'
import { MemoryConfigStore } from '../../src/store/memory/config-store.js'
import { RevisionConflictError, type ConfigStore } from '../../src/store/port/ports.js'
import type { Deployment, Stage } from '../../src/model/types.js'
import { problemAt, problemsOf, tempDir, type TempDir } from './helpers.js'
import { toDeploymentHistory } from '../../src/cli/serve.js'
import { UsageError } from '../../src/cli/args.js'

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

/** An inline MOCK API whose GET /v answers `{"v": version}`. */
function config(version: number, extra = ''): string {
  const definition = {
    openapi: '3.0.1',
    info: { title: 'colours', version: '1' },
    paths: { '/v': { get: { 'x-amazon-apigateway-integration': { type: 'mock', requestTemplates: { 'application/json': '{"statusCode": 200}' }, responses: { default: { statusCode: '200', responseTemplates: { 'application/json': `{"v": ${version}}` } } } } } } },
  }
  return `${extra}apis:\n  - { id: colours01, type: rest, definition: ${JSON.stringify(definition)}, stages: { prod: {} } }\n`
}

describe('deployment history of config files', () => {
  let tmp: TempDir
  let file: string
  let clock = Date.parse('2025-01-01T00:00:00Z')
  const load = (over: Partial<Sources> = {}) =>
    loadDesiredState({ configFile: file, restApis: [], httpApis: [], stageVariables: {}, now: () => new Date((clock += 60_000)), ...over } satisfies Sources)
  const deploymentIds = async (store: ConfigStore) => (await store.list<Deployment>('deployment')).map((d) => d.id).sort()
  const prodDeployment = async (store: ConfigStore) => (await store.get<Stage>('stage', 'colours01/prod'))!.value.deploymentId

  before(async () => {
    tmp = await tempDir()
    file = await tmp.write('gatehouse.yaml', config(1))
  })
  after(() => tmp.remove())

  it('keeps one deployment per content version; re-applying a file, or returning to an earlier version, makes none', async () => {
    const store = new MemoryConfigStore()
    await writeFile(file, config(1))
    await sync(store, await load())
    const v1 = await prodDeployment(store)
    assert.deepEqual(planStoreChanges(await load(), await current(store)), [], 're-applying the same file writes nothing')

    await writeFile(file, config(2))
    await sync(store, await load())
    const v2 = await prodDeployment(store)
    assert.notEqual(v2, v1, 'a content change is a new deployment')
    assert.deepEqual(await deploymentIds(store), [v1, v2].sort(), 'the previous deployment is kept')

    await writeFile(file, config(1))
    const back = await sync(store, await load())
    assert.equal(await prodDeployment(store), v1, 'version 1 again is deployment v1 again')
    assert.deepEqual(back.filter((op) => op.kind === 'deployment'), [], 'no deployment is written')
    assert.deepEqual(await deploymentIds(store), [v1, v2].sort())
  })

  it('keeps the deployments in use plus the newest deploymentHistory others; the CLI flag wins over the file', async () => {
    const store = new MemoryConfigStore()
    const seen: string[] = []
    for (let v = 1; v <= 5; v++) {
      await writeFile(file, config(v, 'deploymentHistory: 2\n'))
      await sync(store, await load())
      seen.push(await prodDeployment(store))
    }
    // v5 is in use; v4 and v3 are the newest two others; v1 and v2 are pruned.
    assert.deepEqual(await deploymentIds(store), seen.slice(2).sort())

    await writeFile(file, config(6, 'deploymentHistory: 2\n'))
    const ops = await sync(store, await load({ deploymentHistory: 0 }))
    assert.deepEqual(await deploymentIds(store), [await prodDeployment(store)], 'with --deployment-history 0 only the one in use is left')
    assert.ok(ops.filter((op) => op.op === 'delete').every((op) => op.op === 'delete' && op.kind === 'deployment' && op.expectRevision !== undefined), 'pruning deletes at the revision read')
    assert.equal(DEFAULT_DEPLOYMENT_HISTORY, 10)
  })

  it('keeps a deployment an admin stage or a canary points at, however old', () => {
    const d = (id: string, apiId: string, minute: number): Deployment => ({ id, apiId, createdDate: `2025-01-01T00:${String(minute).padStart(2, '0')}:00.000Z`, snapshot: {} as Deployment['snapshot'] })
    const stage = (deploymentId: string, canary?: string): Stage => ({
      apiId: 'a',
      stageName: 's',
      deploymentId,
      variables: {},
      methodSettings: {},
      tags: {},
      createdDate: '',
      lastUpdatedDate: '',
      ...(canary ? { canarySettings: { percentTraffic: 10, deploymentId: canary, stageVariableOverrides: {}, useStageCache: false } } : {}),
    })
    const all = [d('a1', 'a', 1), d('a2', 'a', 2), d('a3', 'a', 3), d('a4', 'a', 4), d('b1', 'b', 1), d('b2', 'b', 2)]
    const pruned = deploymentsToPrune(all, [stage('a1', 'a2')], 1).map((x) => x.id).sort()
    assert.deepEqual(pruned, ['a3', 'b1'], 'per API: a1 and a2 in use, a4 and b2 the newest others')
  })

  it('a batch that prunes fails when a stage is repointed at a pruned deployment meanwhile (another node)', async () => {
    const store = new MemoryConfigStore()
    const ids: string[] = []
    for (let v = 1; v <= 2; v++) {
      await writeFile(file, config(v))
      await sync(store, await load())
      ids.push(await prodDeployment(store))
    }
    // An admin-made stage serves version 2 too.
    const now = new Date(clock).toISOString()
    await store.apply([{ op: 'put', kind: 'stage', id: 'colours01/old', value: { apiId: 'colours01', stageName: 'old', deploymentId: ids[1], variables: {}, methodSettings: {}, tags: {}, createdDate: now, lastUpdatedDate: now }, origin: 'admin' }])
    await writeFile(file, config(3))
    const desired = await load({ deploymentHistory: 0 })
    const planned = planStoreChanges(desired, await current(store))
    assert.ok(planned.some((op) => op.op === 'delete' && op.id === ids[0]), 'the plan prunes version 1')
    // Before the batch lands, an admin on another node rolls the stage back to version 1.
    const old = (await store.get<Stage>('stage', 'colours01/old'))!
    await store.apply([{ op: 'put', kind: 'stage', id: old.id, value: { ...old.value, deploymentId: ids[0] }, origin: 'admin', expectRevision: old.revision }])
    await assert.rejects(store.apply(planned), RevisionConflictError, 'the stage moved after the batch was planned')
    assert.equal((await store.get<Stage>('stage', 'colours01/old'))!.value.deploymentId, ids[0])
    // Planned again from fresh reads: version 1 is in use and kept, version 2 is pruned.
    await sync(store, desired)
    assert.deepEqual(await deploymentIds(store), [ids[0]!, await prodDeployment(store)].sort())
  })

  it('deploymentHistory that is not a whole number from 0 to 10000 is a problem at its path', async () => {
    for (const bad of ['-1', '2.5', '"ten"', '10001']) {
      const name = await tmp.write(`bad-${bad.replace(/\W/g, '')}.yaml`, config(1, `deploymentHistory: ${bad}\n`))
      const problems = await problemsOf(() => loadDesiredState({ configFile: name, restApis: [], httpApis: [], stageVariables: {} }))
      assert.ok(problemAt(problems, '/deploymentHistory').message, `deploymentHistory: ${bad}`)
    }
  })

  it('--deployment-history takes a whole number from 0 to 10000', () => {
    assert.equal(toDeploymentHistory('0'), 0)
    assert.equal(toDeploymentHistory('25'), 25)
    for (const bad of ['-1', '2.5', 'ten', '', '10001']) {
      assert.throws(() => toDeploymentHistory(bad), (err: Error) => err instanceof UsageError && /--deployment-history takes a whole number from 0 to 10000/.test(err.message), bad)
    }
  })

  it('refuses to load a file whose deployment id is already taken by another deployment (never overwrites one)', async () => {
    const store = new MemoryConfigStore()
    await writeFile(file, config(1))
    const desired = await load()
    const id = desired.deployments[0]!.id
    const other = { ...desired.deployments[0]!, apiId: 'another01', snapshot: { ...desired.deployments[0]!.snapshot, id: 'another01' } }
    await store.apply([{ op: 'put', kind: 'deployment', id, value: other, origin: 'admin' }])
    const problems = await problemsOf(async () => planStoreChanges(desired, await current(store)))
    assert.match(problemAt(problems, '/apis').message, new RegExp(`the deployment id ${id} derived for API colours01 is already taken by another deployment \\(of API another01\\)`))
    assert.equal((await store.get<Deployment>('deployment', id))!.value.apiId, 'another01', 'the other deployment is untouched')
  })
})
