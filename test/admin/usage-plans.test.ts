// The UsagePlan, UsagePlanKey and usage operations of the admin API through a real gateway: AWS's shapes
// and messages (recorded test_get_usage_plan_api_keys, test_create_usage_plan_with_throttle), patch paths,
// the one-plan-per-stage rule, concurrent key additions, and usage records read through the UsageReader port.

import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startGateway, tempDir, writeFile, type TestGateway } from '../helpers.js'
import { adminClient, baseConfig, errorOf, type AdminClient } from './helpers.js'
import type { UsageReader } from '../../src/controlplane/admin-api/index.js'
import { keyUsage, periodStart } from '../../src/controlplane/admin-api/usage.js'
import type { UsagePlan } from '../../src/model/types.js'

/** Usage records held in memory: the port the gateway's StateStore implements, with recorded days. */
class RecordedUsage implements UsageReader {
  readonly used = new Map<string, number>()
  readonly remainingNow = new Map<string, number>()
  readonly adjustments: Array<{ planId: string; keyId: string; remaining: number }> = []
  async getUsage(planId: string, keyId: string, fromDay: string, toDay: string): Promise<Array<{ day: string; used: number }>> {
    const out: Array<{ day: string; used: number }> = []
    for (let d = Date.parse(fromDay); d <= Date.parse(toDay); d += 86_400_000) {
      const day = new Date(d).toISOString().slice(0, 10)
      out.push({ day, used: this.used.get(`${planId}/${keyId}/${day}`) ?? 0 })
    }
    return out
  }
  async remaining(planId: string, keyId: string): Promise<number | null> {
    return this.remainingNow.get(`${planId}/${keyId}`) ?? null
  }
  async adjust(planId: string, keyId: string, _plan: UsagePlan, remaining: number): Promise<void> {
    this.adjustments.push({ planId, keyId, remaining })
    this.remainingNow.set(`${planId}/${keyId}`, remaining)
  }
}

const DAY = 86_400_000
const dayOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10)

describe('admin API: usage plans', () => {
  let tmp: ReturnType<typeof tempDir>
  let gw: TestGateway
  let api: AdminClient
  const usage = new RecordedUsage()

  before(async () => {
    tmp = tempDir()
    gw = await startGateway({ configFile: writeFile(tmp.dir, 'gatehouse.yaml', baseConfig()) }, { usageReader: usage })
    api = adminClient(gw.adminPort)
  })
  after(async () => {
    await gw.stop()
    tmp.cleanup()
  })

  const ids = (res: { json(): { item: Array<{ id: string }> } }): string[] => res.json().item.map((i) => i.id)

  it('creates, reads, lists and deletes plans with the recorded shapes', async () => {
    const created = await api('POST', '/usageplans', { name: 'usage-plan-1' })
    assert.equal(created.status, 201)
    assert.deepEqual(created.json(), { id: created.json().id, name: 'usage-plan-1', apiStages: [] }, 'recorded create-usage-plan')

    // Recorded: a burst above the rate is accepted and echoed as given.
    const throttled = await api('POST', '/usageplans', { name: 'invalid-throttle-burst-gt-rate', throttle: { rateLimit: 10, burstLimit: 20 } })
    assert.equal(throttled.status, 201)
    assert.deepEqual(throttled.json().throttle, { burstLimit: 20, rateLimit: 10 })

    const full = await api('POST', '/usageplans', {
      name: 'gold',
      description: 'paying customers',
      apiStages: [{ apiId: 'shop01', stage: 'dev', throttle: { '/pets/GET': { burstLimit: 5, rateLimit: 2.5 } } }, { apiId: 'shop01', stage: 'prod' }],
      throttle: { burstLimit: 100, rateLimit: 50 },
      quota: { limit: 5000, period: 'MONTH' },
      tags: { tier: 'gold' },
    })
    assert.equal(full.status, 201)
    const gold = full.json()
    assert.deepEqual(gold, {
      id: gold.id,
      name: 'gold',
      description: 'paying customers',
      apiStages: [
        { apiId: 'shop01', stage: 'dev', throttle: { '/pets/GET': { burstLimit: 5, rateLimit: 2.5 } } },
        { apiId: 'shop01', stage: 'prod' },
      ],
      throttle: { burstLimit: 100, rateLimit: 50 },
      quota: { limit: 5000, offset: 0, period: 'MONTH' },
      tags: { tier: 'gold' },
    })
    assert.equal('keyIds' in gold, false, 'the plan keys are not part of the UsagePlan JSON')

    const got = await api('GET', `/usageplans/${created.json().id}`)
    assert.deepEqual(got.json(), { id: created.json().id, name: 'usage-plan-1', apiStages: [], tags: {} })
    assert.deepEqual(errorOf(await api('GET', '/usageplans/nope')), { status: 404, type: 'NotFoundException', message: 'Invalid Usage Plan ID specified' })

    const listed = (await api('GET', '/usageplans')).json().item.map((p: { name: string }) => p.name)
    assert.deepEqual(listed, ['gold', 'invalid-throttle-burst-gt-rate', 'usage-plan-1'], 'by name')
    const paged = (await api('GET', '/usageplans?limit=2')).json()
    assert.equal(paged.item.length, 2)
    assert.deepEqual((await api('GET', `/usageplans?limit=2&position=${paged.position}`)).json().item.map((p: { name: string }) => p.name), ['usage-plan-1'])

    for (const id of [created.json().id, throttled.json().id, gold.id]) assert.equal((await api('DELETE', `/usageplans/${id}`)).status, 202)
    assert.deepEqual((await api('GET', '/usageplans')).json(), { item: [] })
    assert.equal((await api('DELETE', `/usageplans/${gold.id}`)).status, 404)
  })

  it('refuses bad plans with AWS-style messages', async () => {
    assert.equal((await api('POST', '/usageplans', {})).status, 400)
    const noApi = await api('POST', '/usageplans', { name: 'p', apiStages: [{ apiId: 'nope', stage: 'dev' }] })
    assert.deepEqual(errorOf(noApi), { status: 400, type: 'BadRequestException', message: 'Invalid API Stage {api: nope, stage: dev} specified for usageplan p' })
    const noStage = await api('POST', '/usageplans', { name: 'p', apiStages: [{ apiId: 'shop01', stage: 'test' }] })
    assert.equal(noStage.json().message, 'Invalid API Stage {api: shop01, stage: test} specified for usageplan p')
    const httpApi = await api('POST', '/usageplans', { name: 'p', apiStages: [{ apiId: 'orders01', stage: '$default' }] })
    assert.equal(httpApi.status, 400, 'HTTP APIs have no API keys, so no usage plans')
    assert.match((await api('POST', '/usageplans', { name: 'p', quota: { limit: 10, period: 'YEAR' } })).json().message, /quota period must be one of DAY, WEEK, MONTH/)
    assert.match((await api('POST', '/usageplans', { name: 'p', quota: { limit: 10, period: 'WEEK', offset: 7 } })).json().message, /quota offset for WEEK must be 0 to 6/)
    assert.match((await api('POST', '/usageplans', { name: 'p', throttle: { burstLimit: -1 } })).json().message, /burstLimit/)
    assert.match((await api('POST', '/usageplans', { name: 'p', apiStages: [{ apiId: 'shop01', stage: 'dev', throttle: { pets: { rateLimit: 1 } } }] })).json().message, /invalid method throttle key "pets"/)
    assert.equal((await api('POST', '/usageplans', { name: 'p', apiStages: [{ apiId: 'shop01', stage: 'dev' }, { apiId: 'shop01', stage: 'dev' }] })).status, 400)
    assert.deepEqual((await api('GET', '/usageplans')).json(), { item: [] }, 'nothing was created')
  })

  it('applies UpdateUsagePlan patch operations', async () => {
    const plan = (await api('POST', '/usageplans', { name: 'patchy', apiStages: [{ apiId: 'shop01', stage: 'dev' }] })).json()
    const patch = (...patchOperations: unknown[]) => api('PATCH', `/usageplans/${plan.id}`, { patchOperations })

    const updated = await patch(
      { op: 'replace', path: '/name', value: 'renamed' },
      { op: 'replace', path: '/description', value: 'about' },
      { op: 'replace', path: '/throttle/rateLimit', value: '12.5' },
      { op: 'replace', path: '/throttle/burstLimit', value: '25' },
      { op: 'replace', path: '/quota/limit', value: '1000' },
      { op: 'replace', path: '/quota/period', value: 'WEEK' },
      { op: 'replace', path: '/quota/offset', value: '1' },
      { op: 'add', path: '/apiStages', value: 'shop01:prod' },
      { op: 'replace', path: '/apiStages/shop01:dev/throttle/~1pets/GET/rateLimit', value: '3' },
      { op: 'replace', path: '/apiStages/shop01:dev/throttle/*/*/burstLimit', value: '9' },
    )
    assert.equal(updated.status, 200)
    assert.deepEqual(updated.json(), {
      id: plan.id,
      name: 'renamed',
      description: 'about',
      apiStages: [
        { apiId: 'shop01', stage: 'dev', throttle: { '/pets/GET': { rateLimit: 3 }, '/*/*': { burstLimit: 9 } } },
        { apiId: 'shop01', stage: 'prod' },
      ],
      throttle: { rateLimit: 12.5, burstLimit: 25 },
      quota: { limit: 1000, offset: 1, period: 'WEEK' },
      tags: {},
    })
    assert.deepEqual((await api('GET', `/usageplans/${plan.id}`)).json(), updated.json(), 'the update is stored')

    const removed = await patch(
      { op: 'remove', path: '/apiStages/shop01:dev/throttle/~1pets/GET' },
      { op: 'remove', path: '/throttle' },
      { op: 'remove', path: '/quota' },
      { op: 'remove', path: '/apiStages', value: 'shop01:prod' },
    )
    assert.deepEqual(removed.json().apiStages, [{ apiId: 'shop01', stage: 'dev', throttle: { '/*/*': { burstLimit: 9 } } }])
    assert.equal(removed.json().throttle, undefined)
    assert.equal(removed.json().quota, undefined)
    assert.deepEqual((await patch({ op: 'remove', path: '/apiStages/shop01:dev/throttle' })).json().apiStages, [{ apiId: 'shop01', stage: 'dev' }])

    assert.deepEqual(errorOf(await patch({ op: 'replace', path: '/id', value: 'x' })), {
      status: 400,
      type: 'BadRequestException',
      message:
        "Invalid patch path  '/id' specified for op 'replace'. Must be one of: [/name, /description, /productCode, /throttle/burstLimit, /throttle/rateLimit, /quota/limit, /quota/offset, /quota/period, /apiStages/{apiId}:{stage}/throttle/{resourcePath}/{httpMethod}/burstLimit, /apiStages/{apiId}:{stage}/throttle/{resourcePath}/{httpMethod}/rateLimit]",
    })
    assert.deepEqual(errorOf(await patch({ op: 'remove', path: '/apiStages', value: 'shop01:prod' })), {
      status: 404,
      type: 'NotFoundException',
      message: `Invalid API Stage {api: shop01, stage: prod} specified for usageplan ${plan.id}`,
    })
    assert.equal((await patch({ op: 'add', path: '/apiStages', value: 'shop01:nope' })).status, 400)
    assert.equal((await patch({ op: 'add', path: '/apiStages', value: 'no-colon' })).status, 400)
    assert.match((await patch({ op: 'replace', path: '/quota/limit', value: '10' })).json().message, /quota period must be one of/, 'a quota needs a period')
    assert.equal((await patch({ op: 'replace', path: '/name', value: '' })).status, 400)
    // A refused batch changes nothing, even its valid operations.
    await patch({ op: 'replace', path: '/name', value: 'never' }, { op: 'replace', path: '/id', value: 'x' })
    assert.equal((await api('GET', `/usageplans/${plan.id}`)).json().name, 'renamed')
    assert.equal((await api('PATCH', '/usageplans/nope', { patchOperations: [] })).status, 404)
    await api('DELETE', `/usageplans/${plan.id}`)
  })

  it('adds, lists, gets and removes plan keys as recorded (test_get_usage_plan_api_keys)', async () => {
    const key1 = (await api('POST', '/apikeys', { name: 'test-key-one' })).json()
    const key2 = (await api('POST', '/apikeys', { name: 'test-key-two' })).json()
    const plan = (await api('POST', '/usageplans', { name: 'usage-plan-keys' })).json()
    assert.deepEqual((await api('GET', `/usageplans/${plan.id}/keys`)).json(), { item: [] })

    const added1 = await api('POST', `/usageplans/${plan.id}/keys`, { keyId: key1.id, keyType: 'API_KEY' })
    assert.equal(added1.status, 201)
    assert.deepEqual(added1.json(), { id: key1.id, type: 'API_KEY', value: key1.value, name: 'test-key-one' })
    await api('POST', `/usageplans/${plan.id}/keys`, { keyId: key2.id, keyType: 'API_KEY' })

    const listed = await api('GET', `/usageplans/${plan.id}/keys`)
    assert.deepEqual(listed.json().item, [
      { id: key2.id, type: 'API_KEY', value: key2.value, name: 'test-key-two' },
      { id: key1.id, type: 'API_KEY', value: key1.value, name: 'test-key-one' },
    ], 'the most recently added first')
    assert.deepEqual(ids(await api('GET', `/usageplans/${plan.id}/keys?name=test-key`)), [key2.id, key1.id])
    assert.deepEqual(ids(await api('GET', `/usageplans/${plan.id}/keys?name=TEST-key`)), [], 'case-sensitive')
    assert.deepEqual(ids(await api('GET', `/usageplans/${plan.id}/keys?name=test-key-one`)), [key1.id])
    assert.deepEqual(ids(await api('GET', `/usageplans/${plan.id}/keys?name=nothing`)), [])
    const first = (await api('GET', `/usageplans/${plan.id}/keys?limit=1`)).json()
    assert.deepEqual(ids(await api('GET', `/usageplans/${plan.id}/keys?limit=1&position=${first.position}`)), [key1.id])
    assert.deepEqual((await api('GET', `/usageplans/${plan.id}/keys/${key1.id}`)).json(), { id: key1.id, type: 'API_KEY', value: key1.value, name: 'test-key-one' })
    assert.deepEqual(ids(await api('GET', `/usageplans?keyId=${key1.id}`)), [plan.id])

    assert.deepEqual(errorOf(await api('POST', `/usageplans/${plan.id}/keys`, { keyId: key1.id, keyType: 'API_KEY' })).status, 409)
    assert.deepEqual(errorOf(await api('POST', `/usageplans/${plan.id}/keys`, { keyId: 'nope', keyType: 'API_KEY' })), { status: 404, type: 'NotFoundException', message: 'Invalid API Key identifier specified' })
    assert.equal((await api('POST', `/usageplans/${plan.id}/keys`, { keyId: key1.id, keyType: 'OTHER' })).status, 400)
    assert.equal((await api('POST', '/usageplans/nope/keys', { keyId: key1.id, keyType: 'API_KEY' })).status, 404)

    assert.equal((await api('DELETE', `/usageplans/${plan.id}/keys/${key2.id}`)).status, 202)
    assert.deepEqual(errorOf(await api('GET', `/usageplans/${plan.id}/keys/${key2.id}`)), { status: 404, type: 'NotFoundException', message: 'Invalid Usage Plan Key identifier specified' })
    assert.equal((await api('DELETE', `/usageplans/${plan.id}/keys/${key2.id}`)).status, 404)

    // Recorded: deleting the API keys empties the plan's key list; an unknown plan lists no keys.
    await api('DELETE', `/apikeys/${key1.id}`)
    await api('DELETE', `/apikeys/${key2.id}`)
    assert.deepEqual((await api('GET', `/usageplans/${plan.id}/keys`)).json(), { item: [] })
    assert.deepEqual((await api('GET', '/usageplans/bad-id/keys')).json(), { item: [] })
    await api('DELETE', `/usageplans/${plan.id}`)
  })

  it('keeps a key in at most one plan per API stage (§7.2)', async () => {
    const key = (await api('POST', '/apikeys', { name: 'one-per-stage' })).json()
    const devPlan = (await api('POST', '/usageplans', { name: 'dev-plan', apiStages: [{ apiId: 'shop01', stage: 'dev' }] })).json()
    const otherDev = (await api('POST', '/usageplans', { name: 'other-dev', apiStages: [{ apiId: 'shop01', stage: 'dev' }] })).json()
    const prodPlan = (await api('POST', '/usageplans', { name: 'prod-plan', apiStages: [{ apiId: 'shop01', stage: 'prod' }] })).json()
    assert.equal((await api('POST', `/usageplans/${devPlan.id}/keys`, { keyId: key.id, keyType: 'API_KEY' })).status, 201)

    const clash = await api('POST', `/usageplans/${otherDev.id}/keys`, { keyId: key.id, keyType: 'API_KEY' })
    assert.equal(clash.status, 409)
    assert.equal(clash.headers['x-amzn-errortype'], 'ConflictException')
    assert.match(clash.json().message, new RegExp(`already in usage plan ${devPlan.id} for API stage shop01:dev`))
    assert.equal((await api('POST', `/usageplans/${prodPlan.id}/keys`, { keyId: key.id, keyType: 'API_KEY' })).status, 201, 'another stage is fine')

    const widen = await api('PATCH', `/usageplans/${prodPlan.id}`, { patchOperations: [{ op: 'add', path: '/apiStages', value: 'shop01:dev' }] })
    assert.equal(widen.status, 409, 'adding the stage to the other plan would put the key in two plans for it')
    assert.deepEqual((await api('GET', `/usageplans/${prodPlan.id}`)).json().apiStages, [{ apiId: 'shop01', stage: 'prod' }])

    for (const p of [devPlan, otherDev, prodPlan]) await api('DELETE', `/usageplans/${p.id}`)
    await api('DELETE', `/apikeys/${key.id}`)
  })

  it('loses no plan key when 20 are added to one plan at once', async () => {
    const plan = (await api('POST', '/usageplans', { name: 'busy', apiStages: [{ apiId: 'shop01', stage: 'dev' }] })).json()
    const keys = await Promise.all(Array.from({ length: 20 }, async (_, i) => (await api('POST', '/apikeys', { name: `busy-${i}` })).json()))
    const added = await Promise.all(keys.map((k) => api('POST', `/usageplans/${plan.id}/keys`, { keyId: k.id, keyType: 'API_KEY' })))
    assert.deepEqual(added.map((r) => r.status), Array(20).fill(201))
    const inPlan = new Set(ids(await api('GET', `/usageplans/${plan.id}/keys?limit=500`)))
    assert.deepEqual(inPlan, new Set(keys.map((k) => k.id)))
    await api('DELETE', `/usageplans/${plan.id}`)
    for (const k of keys) await api('DELETE', `/apikeys/${k.id}`)
  })

  it('answers GetUsage with [used, remaining] per key and day, and UpdateUsage through the reader (§7.2)', async () => {
    const alice = (await api('POST', '/apikeys', { name: 'alice' })).json()
    const bob = (await api('POST', '/apikeys', { name: 'bob' })).json()
    const plan = (await api('POST', '/usageplans', { name: 'daily', apiStages: [{ apiId: 'shop01', stage: 'dev' }], quota: { limit: 100, period: 'DAY' } })).json()
    for (const k of [alice, bob]) await api('POST', `/usageplans/${plan.id}/keys`, { keyId: k.id, keyType: 'API_KEY' })
    const today = Date.parse(dayOf(Date.now()))
    const [d2, d1, d0] = [dayOf(today - 2 * DAY), dayOf(today - DAY), dayOf(today)]
    usage.used.set(`${plan.id}/${alice.id}/${d2}`, 5)
    usage.used.set(`${plan.id}/${alice.id}/${d1}`, 7)
    usage.used.set(`${plan.id}/${alice.id}/${d0}`, 3)

    const res = await api('GET', `/usageplans/${plan.id}/usage?startDate=${d2}&endDate=${d0}`)
    assert.equal(res.status, 200)
    assert.deepEqual(res.json(), {
      usagePlanId: plan.id,
      startDate: d2,
      endDate: d0,
      values: {
        [alice.id]: [[5, 95], [7, 93], [3, 97]],
        [bob.id]: [[0, 100], [0, 100], [0, 100]],
      },
    })
    const onlyBob = (await api('GET', `/usageplans/${plan.id}/usage?startDate=${d0}&endDate=${d0}&keyId=${bob.id}`)).json()
    assert.deepEqual(onlyBob.values, { [bob.id]: [[0, 100]] })

    const granted = await api('PATCH', `/usageplans/${plan.id}/keys/${alice.id}/usage`, { patchOperations: [{ op: 'replace', path: '/remaining', value: '500' }] })
    assert.equal(granted.status, 200)
    assert.deepEqual(granted.json(), { usagePlanId: plan.id, startDate: d0, endDate: d0, values: { [alice.id]: [[3, 500]] } })
    assert.deepEqual(usage.adjustments, [{ planId: plan.id, keyId: alice.id, remaining: 500 }])
    const after = (await api('GET', `/usageplans/${plan.id}/usage?startDate=${d1}&endDate=${d0}&keyId=${alice.id}`)).json()
    assert.deepEqual(after.values[alice.id], [[7, 93], [3, 500]], 'the live remaining figure anchors today; past days keep theirs')

    assert.equal((await api('GET', `/usageplans/${plan.id}/usage?startDate=${d0}`)).status, 400)
    assert.match((await api('GET', `/usageplans/${plan.id}/usage?startDate=2024-02-30&endDate=2024-03-01`)).json().message, /Invalid startDate/)
    assert.match((await api('GET', `/usageplans/${plan.id}/usage?startDate=${d0}&endDate=${d2}`)).json().message, /endDate is before startDate/)
    assert.equal((await api('GET', `/usageplans/${plan.id}/usage?startDate=2020-01-01&endDate=2022-01-01`)).status, 400, 'more than 366 days')
    assert.equal((await api('GET', `/usageplans/nope/usage?startDate=${d0}&endDate=${d0}`)).status, 404)
    const patchUsage = (keyId: string, value: unknown, path = '/remaining') => api('PATCH', `/usageplans/${plan.id}/keys/${keyId}/usage`, { patchOperations: [{ op: 'replace', path, value }] })
    assert.equal((await patchUsage(alice.id, '-1')).status, 400)
    assert.equal((await patchUsage(alice.id, 'lots')).status, 400)
    assert.equal((await patchUsage(alice.id, '5', '/used')).status, 400)
    assert.equal((await patchUsage('nope', '5')).status, 404)

    const noQuota = (await api('POST', '/usageplans', { name: 'no-quota' })).json()
    const carol = (await api('POST', '/apikeys', { name: 'carol' })).json()
    await api('POST', `/usageplans/${noQuota.id}/keys`, { keyId: carol.id, keyType: 'API_KEY' })
    assert.match((await api('PATCH', `/usageplans/${noQuota.id}/keys/${carol.id}/usage`, { patchOperations: [{ op: 'replace', path: '/remaining', value: '1' }] })).json().message, /has no quota/)
    assert.deepEqual((await api('GET', `/usageplans/${noQuota.id}/usage?startDate=${d0}&endDate=${d0}`)).json().values, { [carol.id]: [[0, 0]] })
  })
})

describe('usage records without an adjustable reader', () => {
  it('answers UpdateUsage with 501 NotImplementedException', async () => {
    const tmp = tempDir()
    const reader: UsageReader = { getUsage: async () => [], remaining: async () => null }
    const gw = await startGateway({ configFile: writeFile(tmp.dir, 'gatehouse.yaml', baseConfig()) }, { usageReader: reader })
    try {
      const api = adminClient(gw.adminPort)
      const key = (await api('POST', '/apikeys', {})).json()
      const plan = (await api('POST', '/usageplans', { name: 'p', quota: { limit: 1, period: 'DAY' } })).json()
      await api('POST', `/usageplans/${plan.id}/keys`, { keyId: key.id, keyType: 'API_KEY' })
      const res = await api('PATCH', `/usageplans/${plan.id}/keys/${key.id}/usage`, { patchOperations: [{ op: 'replace', path: '/remaining', value: '10' }] })
      assert.deepEqual(errorOf(res), { status: 501, type: 'NotImplementedException', message: 'Changing the remaining quota needs usage records, and none are connected to this gateway' })
    } finally {
      await gw.stop()
      tmp.cleanup()
    }
  })
})

describe('keyUsage: remaining quota per day across period boundaries', () => {
  const reader = (used: Record<string, number>, live: number | null = null): UsageReader => ({
    async getUsage(_p, _k, from, to) {
      const out = []
      for (let d = Date.parse(from); d <= Date.parse(to); d += DAY) out.push({ day: dayOf(d), used: used[dayOf(d)] ?? 0 })
      return out
    },
    remaining: async () => live,
  })
  const plan = (quota: UsagePlan['quota']): UsagePlan => ({ id: 'p', name: 'p', apiStages: [], tags: {}, keyIds: ['k'], ...(quota ? { quota } : {}) })

  it('counts a WEEK quota from the configured weekday, and starts over in the next week', async () => {
    // 2024-01-08 is a Monday; offset 1 starts weeks on Mondays.
    const weekly = plan({ limit: 50, offset: 1, period: 'WEEK' })
    assert.equal(dayOf(periodStart(Date.parse('2024-01-10'), weekly.quota!)), '2024-01-08')
    const used = { '2024-01-06': 4, '2024-01-07': 6, '2024-01-08': 10, '2024-01-09': 5, '2024-01-10': 1 }
    const rows = await keyUsage(reader(used), weekly, 'k', Date.parse('2024-01-06'), Date.parse('2024-01-12'), Date.parse('2024-01-10'))
    assert.deepEqual(rows, [
      [4, 46], // Saturday of the previous week (which began Monday 2024-01-01)
      [6, 40],
      [10, 40], // Monday: a new week
      [5, 35],
      [1, 34], // today
      [0, 34], // the rest of this week: what is left now
      [0, 34],
    ])
    // A range that ends before today, or lies wholly after it, still counts the whole current week.
    const before = await keyUsage(reader(used), weekly, 'k', Date.parse('2024-01-08'), Date.parse('2024-01-09'), Date.parse('2024-01-10'))
    assert.deepEqual(before, [[10, 40], [5, 35]])
    const later = await keyUsage(reader(used), weekly, 'k', Date.parse('2024-01-11'), Date.parse('2024-01-15'), Date.parse('2024-01-10'))
    assert.deepEqual(later, [[0, 34], [0, 34], [0, 34], [0, 34], [0, 50]], 'the next week starts full on Monday 2024-01-15')
  })

  it('counts a MONTH quota from day offset + 1 and uses the live remaining figure for the current period', async () => {
    const monthly = plan({ limit: 1000, offset: 14, period: 'MONTH' })
    assert.equal(dayOf(periodStart(Date.parse('2024-03-10'), monthly.quota!)), '2024-02-15')
    const used = { '2024-02-14': 100, '2024-02-15': 20, '2024-03-14': 30, '2024-03-15': 1 }
    const rows = await keyUsage(reader(used, 700), monthly, 'k', Date.parse('2024-02-14'), Date.parse('2024-03-16'), Date.parse('2024-03-15'))
    assert.deepEqual(rows[0], [100, 900], 'the period that began 2024-01-15')
    assert.deepEqual(rows[1], [20, 980], 'a new period on the 15th')
    assert.deepEqual(rows[29], [30, 950], '2024-03-14, last day of that period')
    assert.deepEqual(rows[30], [1, 700], 'today: the live figure')
    assert.deepEqual(rows[31], [0, 700], 'tomorrow, same period')
  })

  it('reports 0 remaining without a quota', async () => {
    assert.deepEqual(await keyUsage(reader({ '2024-01-01': 2 }), plan(undefined), 'k', Date.parse('2024-01-01'), Date.parse('2024-01-01'), Date.parse('2024-01-05')), [[2, 0]])
  })
})
