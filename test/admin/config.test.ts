// API keys and usage plans declared in gatehouse.yaml: what the admin API then shows, every problem with its
// path, admin-created documents surviving reloads, and persistence in a data dir (SQLite).

import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { loadDesiredState } from '../../src/controlplane/config/desired.js'
import { apiKeyIdFor, usagePlanIdFor } from '../../src/controlplane/admin-api/values.js'
import { startGateway, tempDir, writeFile } from '../helpers.js'
import { problemAt, problemsOf } from '../config/helpers.js'
import { adminClient, baseConfig } from './helpers.js'

const ALICE_VALUE = 'alice-secret-value-0123456789'

function declared(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return baseConfig({
    apiKeys: [
      { name: 'alice', value: ALICE_VALUE, description: 'Alice in accounting', tags: { team: 'acct' } },
      { name: 'bob' },
      { name: 'mallory', value: 'mallory-value-0123456789', enabled: false },
    ],
    usagePlans: [
      {
        name: 'gold',
        apiStages: [{ api: 'shop', stage: 'dev', throttle: { '/pets/GET': { burstLimit: 5, rateLimit: 1 } } }, { api: 'shop01', stage: 'prod' }],
        throttle: { burstLimit: 20, rateLimit: 10 },
        quota: { limit: 1000, period: 'WEEK', offset: 1 },
        apiKeys: ['alice', 'bob'],
      },
      { name: 'free', apiStages: [{ api: 'shop', stage: 'dev' }], apiKeys: ['mallory'] },
    ],
    ...extra,
  })
}

describe('apiKeys and usagePlans in the config file', () => {
  it('become API keys and usage plans with stable ids, keys enabled by default', async () => {
    const tmp = tempDir()
    const gw = await startGateway({ configFile: writeFile(tmp.dir, 'gatehouse.yaml', declared()) })
    try {
      const api = adminClient(gw.adminPort)
      const keys = (await api('GET', '/apikeys?includeValues=true')).json().item as Array<Record<string, unknown>>
      const byName = new Map(keys.map((k) => [k.name, k]))
      assert.deepEqual([...byName.keys()].sort(), ['alice', 'bob', 'mallory'])
      const alice = byName.get('alice')!
      assert.equal(alice.id, apiKeyIdFor('alice'), 'the id comes from the name, so it is the same on every start')
      assert.equal(alice.value, ALICE_VALUE)
      assert.equal(alice.enabled, true, 'keys declared in a file are enabled unless they say otherwise')
      assert.equal(alice.description, 'Alice in accounting')
      assert.deepEqual(alice.tags, { team: 'acct' })
      assert.match(String(byName.get('bob')!.value), /^[A-Za-z0-9]{40}$/, 'a key without a value gets a generated one')
      assert.equal(byName.get('mallory')!.enabled, false)

      const gold = (await api('GET', `/usageplans/${usagePlanIdFor('gold')}`)).json()
      assert.deepEqual(gold, {
        id: usagePlanIdFor('gold'),
        name: 'gold',
        apiStages: [
          { apiId: 'shop01', stage: 'dev', throttle: { '/pets/GET': { burstLimit: 5, rateLimit: 1 } } },
          { apiId: 'shop01', stage: 'prod' },
        ],
        throttle: { burstLimit: 20, rateLimit: 10 },
        quota: { limit: 1000, offset: 1, period: 'WEEK' },
        tags: {},
      })
      const goldKeys = (await api('GET', `/usageplans/${gold.id}/keys`)).json().item.map((k: { name: string }) => k.name)
      assert.deepEqual(goldKeys, ['bob', 'alice'])
      assert.deepEqual((await api('GET', `/usageplans?keyId=${apiKeyIdFor('mallory')}`)).json().item.map((p: { name: string }) => p.name), ['free'])
    } finally {
      await gw.stop()
      tmp.cleanup()
    }
  })

  it('reports every problem with its path, never repeating a secret', async () => {
    const tmp = tempDir()
    try {
      const file = writeFile(
        tmp.dir,
        'gatehouse.yaml',
        baseConfig({
          listeners: { admin: { token: 'short-secret' } },
          apiKeys: [
            { name: 'alice', value: 'tiny-secret' },
            { name: 'alice' },
            { name: 'bob', value: 'shared-value-0123456789' },
            { name: 'carol', value: 'shared-value-0123456789' },
            { name: 'dave', enabled: 'yes' },
          ],
          usagePlans: [
            {
              name: 'gold',
              apiStages: [
                { api: 'nope', stage: 'dev' },
                { api: 'shop', stage: 'test' },
                { api: 'orders', stage: '$default' },
                { api: 'shop', stage: 'dev', throttle: { pets: { rateLimit: 1 } } },
              ],
              quota: { limit: 10, period: 'WEEK', offset: 9 },
              apiKeys: ['bob', 'zed', 'bob'],
            },
            { name: 'gold' },
            { name: 'silver', apiStages: [{ api: 'shop', stage: 'dev' }], apiKeys: ['bob'], quota: { limit: 5 }, frequency: 'often' },
          ],
        }),
      )
      const problems = await problemsOf(() => loadDesiredState({ configFile: file, restApis: [], httpApis: [], stageVariables: {}, cwd: tmp.dir }))
      const at = (path: string): string => problemAt(problems, path, 'gatehouse.yaml').message
      assert.match(at('/listeners/admin/token'), /at least 16 characters \(this one has 12\)/)
      assert.match(at('/apiKeys/0/value'), /API Key value should be at least 20 characters/)
      assert.match(at('/apiKeys/1/name'), /"alice" is already declared at \/apiKeys\/0/)
      assert.match(at('/apiKeys/3/value'), /already used by \/apiKeys\/2/)
      assert.match(at('/apiKeys/4/enabled'), /must be true or false/)
      assert.match(at('/usagePlans/0/apiStages/0/api'), /no API is named "nope" or has that id; the APIs are: shop \(shop01\), orders \(orders01\)/)
      assert.match(at('/usagePlans/0/apiStages/1/stage'), /API "shop" has no stage "test"; its stages are: dev, prod/)
      assert.match(at('/usagePlans/0/apiStages/2/api'), /HTTP API; usage plans and API keys apply to REST and WebSocket APIs only/)
      assert.match(at('/usagePlans/0/apiStages/3/throttle/pets'), /invalid method throttle key "pets"/)
      assert.match(at('/usagePlans/0/quota/offset'), /quota offset for WEEK must be 0 to 6/)
      assert.match(at('/usagePlans/0/apiKeys/1'), /no API key is named "zed"/)
      assert.match(at('/usagePlans/0/apiKeys/2'), /"bob" is listed twice/)
      assert.match(at('/usagePlans/1/name'), /"gold" is already declared at \/usagePlans\/0/)
      assert.match(at('/usagePlans/2/apiKeys/0'), /already in usage plan "gold" \(\/usagePlans\/0\) for API stage shop01:dev/)
      assert.match(at('/usagePlans/2/quota/period'), /"period" is required/)
      assert.match(at('/usagePlans/2/frequency'), /unknown key "frequency"/)
      const all = problems.map((p) => p.message).join('\n')
      assert.doesNotMatch(all, /tiny-secret|short-secret|shared-value/, 'secrets stay out of error messages')
    } finally {
      tmp.cleanup()
    }
  })

  it('reloads the file without touching what the admin API created or took over', async () => {
    const tmp = tempDir()
    const config = writeFile(tmp.dir, 'gatehouse.yaml', declared())
    const gw = await startGateway({ configFile: config })
    try {
      const api = adminClient(gw.adminPort)
      const bobValue = (await api('GET', `/apikeys/${apiKeyIdFor('bob')}?includeValue=true`)).json().value
      const adminKey = (await api('POST', '/apikeys', { name: 'from-admin', enabled: true })).json()
      const adminPlan = (await api('POST', '/usageplans', { name: 'admin-plan', apiStages: [{ apiId: 'shop01', stage: 'prod' }] })).json()
      await api('POST', `/usageplans/${adminPlan.id}/keys`, { keyId: adminKey.id, keyType: 'API_KEY' })
      // Patching a file key through the admin API takes it over.
      await api('PATCH', `/apikeys/${apiKeyIdFor('mallory')}`, { patchOperations: [{ op: 'replace', path: '/enabled', value: 'true' }] })

      // The file drops mallory and free, renames nothing, and changes alice's description.
      const next = declared()
      next.apiKeys = [
        { name: 'alice', value: ALICE_VALUE, description: 'Alice, now in sales' },
        { name: 'bob' },
      ]
      next.usagePlans = [{ name: 'gold', apiStages: [{ api: 'shop', stage: 'dev' }], apiKeys: ['alice', 'bob'] }]
      writeFile(tmp.dir, 'gatehouse.yaml', next)
      const reloaded = await gw.gateway.reload()
      assert.equal(reloaded.ok, true, reloaded.problems)

      const keys = new Map(((await api('GET', '/apikeys?includeValues=true')).json().item as Array<Record<string, unknown>>).map((k) => [k.name, k]))
      assert.deepEqual([...keys.keys()].sort(), ['alice', 'bob', 'from-admin', 'mallory'])
      assert.equal(keys.get('alice')!.description, 'Alice, now in sales')
      assert.equal(keys.get('bob')!.value, bobValue, 'a generated value survives reloads')
      assert.equal(keys.get('mallory')!.enabled, true, 'the admin took mallory over, so the file no longer deletes it')
      const plans = (await api('GET', '/usageplans')).json().item.map((p: { name: string }) => p.name)
      assert.deepEqual(plans, ['admin-plan', 'gold'], 'free is gone; the admin plan stays')
      assert.deepEqual((await api('GET', `/usageplans/${adminPlan.id}/keys`)).json().item.map((k: { id: string }) => k.id), [adminKey.id])
      assert.deepEqual((await api('GET', `/usageplans/${usagePlanIdFor('gold')}`)).json().apiStages, [{ apiId: 'shop01', stage: 'dev' }])

      // An unchanged file writes nothing.
      const revision = await gw.gateway.store!.revision()
      await gw.gateway.reload()
      assert.equal(await gw.gateway.store!.revision(), revision)
    } finally {
      await gw.stop()
      tmp.cleanup()
    }
  })

  it('keeps admin-created keys and plans, and generated values, in a data dir across restarts', async () => {
    const tmp = tempDir()
    const config = writeFile(tmp.dir, 'gatehouse.yaml', declared({ dataDir: './data' }))
    let adminKey: Record<string, unknown>
    let adminPlanId: string
    let bobValue: string
    let bobCreated: number
    let gw = await startGateway({ configFile: config })
    try {
      const api = adminClient(gw.adminPort)
      adminKey = (await api('POST', '/apikeys', { name: 'persisted', value: 'persisted-value-0123456789' })).json()
      adminPlanId = (await api('POST', '/usageplans', { name: 'persisted-plan', quota: { limit: 7, period: 'DAY' } })).json().id
      await api('POST', `/usageplans/${adminPlanId}/keys`, { keyId: adminKey.id, keyType: 'API_KEY' })
      const bob = (await api('GET', `/apikeys/${apiKeyIdFor('bob')}?includeValue=true`)).json()
      bobValue = bob.value
      bobCreated = bob.createdDate
    } finally {
      await gw.stop()
    }
    gw = await startGateway({ configFile: config })
    try {
      const api = adminClient(gw.adminPort)
      const again = (await api('GET', `/apikeys/${adminKey.id}?includeValue=true`)).json()
      assert.equal(again.value, 'persisted-value-0123456789')
      assert.equal(again.name, 'persisted')
      const plan = (await api('GET', `/usageplans/${adminPlanId}`)).json()
      assert.deepEqual(plan.quota, { limit: 7, offset: 0, period: 'DAY' })
      assert.deepEqual((await api('GET', `/usageplans/${adminPlanId}/keys`)).json().item.map((k: { id: string }) => k.id), [adminKey.id])
      const bob = (await api('GET', `/apikeys/${apiKeyIdFor('bob')}?includeValue=true`)).json()
      assert.equal(bob.value, bobValue, 'the generated value of a file key is kept in the data dir')
      assert.equal(bob.createdDate, bobCreated)
    } finally {
      await gw.stop()
      tmp.cleanup()
    }
  })
})
