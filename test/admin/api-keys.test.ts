// The ApiKey operations of the admin API through a real gateway: AWS's shapes, defaults and messages as
// LocalStack recorded them against AWS (test_apigateway_extended TestApigatewayApiKeysCrud), CSV import,
// and concurrent creations.

import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { send, startGateway, tempDir, writeFile, type TestGateway } from '../helpers.js'
import { adminClient, baseConfig, errorOf, type AdminClient } from './helpers.js'

describe('admin API: API keys', () => {
  let tmp: ReturnType<typeof tempDir>
  let gw: TestGateway
  let api: AdminClient

  before(async () => {
    tmp = tempDir()
    gw = await startGateway({ configFile: writeFile(tmp.dir, 'gatehouse.yaml', baseConfig()) })
    api = adminClient(gw.adminPort)
  })
  after(async () => {
    await gw.stop()
    tmp.cleanup()
  })

  async function deleteAll(): Promise<void> {
    for (const k of (await api('GET', '/apikeys?limit=500')).json().item) await api('DELETE', `/apikeys/${k.id}`)
  }

  it('lists, creates, queries and pages keys as AWS does (recorded test_get_api_keys)', async () => {
    await deleteAll()
    const empty = await api('GET', '/apikeys')
    assert.equal(empty.status, 200)
    assert.deepEqual(empty.json(), { item: [] }, 'a list is under item, its wire name')

    const created = await api('POST', '/apikeys', { name: 'test-key-abc123' })
    assert.equal(created.status, 201)
    const key1 = created.json()
    assert.deepEqual(Object.keys(key1).sort(), ['createdDate', 'enabled', 'id', 'lastUpdatedDate', 'name', 'stageKeys', 'value'])
    assert.equal(key1.enabled, false, 'a new key is disabled unless the request enables it')
    assert.deepEqual(key1.stageKeys, [])
    assert.equal(key1.name, 'test-key-abc123')
    assert.match(key1.value, /^[A-Za-z0-9]{40}$/, 'a generated value is 40 alphanumerics')
    // AWS SDKs read control-plane dates as epoch seconds.
    assert.equal(typeof key1.createdDate, 'number')
    assert.ok(Math.abs(key1.createdDate - Date.now() / 1000) < 60)

    const listed = (await api('GET', '/apikeys')).json()
    assert.deepEqual(listed.item, [{ id: key1.id, name: key1.name, enabled: false, createdDate: key1.createdDate, lastUpdatedDate: key1.lastUpdatedDate, stageKeys: [] }], 'lists leave values out')

    const query = async (q: string): Promise<string[]> => (await api('GET', `/apikeys?name=${encodeURIComponent(q)}`)).json().item.map((k: { id: string }) => k.id)
    assert.deepEqual(await query('test-key-other1'), [], 'a name that no key has')
    assert.deepEqual(await query('test-key'), [key1.id], 'a prefix matches')
    assert.deepEqual(await query('TEST-KEY'), [], 'the prefix match is case-sensitive')
    assert.deepEqual(await query('st-key-abc123'), [], 'a suffix does not match')
    assert.deepEqual(await query('st-key'), [], 'an infix does not match')

    const key2 = (await api('POST', '/apikeys', { name: 'test-key-def456' })).json()
    assert.deepEqual((await api('GET', '/apikeys')).json().item.map((k: { id: string }) => k.id), [key2.id, key1.id], 'newest first')
    assert.deepEqual(await query('test-key-def456'), [key2.id])
    assert.deepEqual(await query('test-key'), [key2.id, key1.id])

    const page1 = (await api('GET', '/apikeys?limit=1')).json()
    assert.deepEqual(page1.item.map((k: { id: string }) => k.id), [key2.id])
    assert.equal(typeof page1.position, 'string')
    const page2 = (await api('GET', `/apikeys?limit=1&position=${encodeURIComponent(page1.position)}`)).json()
    assert.deepEqual(page2.item.map((k: { id: string }) => k.id), [key1.id])
    assert.equal(page2.position, undefined, 'the last page has no position')

    const invalidLimit = await api('GET', '/apikeys?limit=-1')
    assert.equal(invalidLimit.status, 200, 'AWS answers limit=-1 with a normal page (recorded)')
    assert.equal(invalidLimit.json().item.length, 2)

    const withValues = (await api('GET', '/apikeys?includeValues=true')).json()
    assert.deepEqual(withValues.item.map((k: { value: string }) => k.value), [key2.value, key1.value])

    const badPosition = await api('GET', '/apikeys?position=garbage')
    assert.deepEqual(errorOf(badPosition), { status: 400, type: 'BadRequestException', message: 'Invalid position parameter' })
  })

  it('gets, updates and deletes one key with the recorded shapes and messages', async () => {
    const key = (await api('POST', '/apikeys', { name: 'key-enabled-false', enabled: false })).json()

    const got = await api('GET', `/apikeys/${key.id}`)
    assert.equal(got.status, 200)
    assert.equal(got.json().value, undefined, 'no value unless includeValue=true')
    assert.deepEqual(got.json().tags, {}, 'a single key always has tags')
    assert.equal((await api('GET', `/apikeys/${key.id}?includeValue=true`)).json().value, key.value)

    const renamed = await api('PATCH', `/apikeys/${key.id}`, { patchOperations: [{ op: 'replace', path: '/name', value: 'new-name' }] })
    assert.equal(renamed.status, 200)
    assert.deepEqual(renamed.json(), { id: key.id, name: 'new-name', enabled: false, createdDate: key.createdDate, lastUpdatedDate: renamed.json().lastUpdatedDate, stageKeys: [], tags: {} })
    assert.ok(renamed.json().lastUpdatedDate >= key.lastUpdatedDate)

    // Recorded: a value that is not "true" sets enabled to false (Java's Boolean.parseBoolean).
    const notBoolean = await api('PATCH', `/apikeys/${key.id}`, { patchOperations: [{ op: 'replace', path: '/enabled', value: 'not-a-boolean' }] })
    assert.equal(notBoolean.status, 200)
    assert.equal(notBoolean.json().enabled, false)
    const enabled = await api('PATCH', `/apikeys/${key.id}`, {
      patchOperations: [
        { op: 'replace', path: '/enabled', value: 'TRUE' },
        { op: 'replace', path: '/description', value: 'for the shop' },
        { op: 'replace', path: '/customerId', value: 'cust-1' },
      ],
    })
    assert.equal(enabled.json().enabled, true)
    assert.equal(enabled.json().description, 'for the shop')
    assert.equal(enabled.json().customerId, 'cust-1')
    assert.deepEqual((await api('GET', '/apikeys?customerId=cust-1')).json().item.map((k: { id: string }) => k.id), [key.id])

    const immutable = await api('PATCH', `/apikeys/${key.id}`, { patchOperations: [{ op: 'replace', path: '/id', value: 'new-id' }] })
    assert.deepEqual(errorOf(immutable), {
      status: 400,
      type: 'BadRequestException',
      message: "Invalid patch path  '/id' specified for op 'replace'. Must be one of: [/description, /enabled, /name, /customerId]",
    })
    const longDescription = await api('PATCH', `/apikeys/${key.id}`, { patchOperations: [{ op: 'replace', path: '/description', value: 'a'.repeat(125001) }] })
    assert.deepEqual(errorOf(longDescription), { status: 400, type: 'BadRequestException', message: 'Invalid API Key description specified.' })
    const badOp = await api('PATCH', `/apikeys/${key.id}`, { patchOperations: [{ op: 'frobnicate', path: '/name', value: 'x' }] })
    assert.equal(badOp.status, 400)
    assert.match(badOp.json().message, /Member must satisfy enum value set: \[add, remove, move, test, replace, copy\]/)

    const deleted = await api('DELETE', `/apikeys/${key.id}`)
    assert.equal(deleted.status, 202)
    assert.equal(deleted.text, '')
    assert.deepEqual(errorOf(await api('GET', `/apikeys/${key.id}`)), { status: 404, type: 'NotFoundException', message: 'Invalid API Key identifier specified' })
    assert.deepEqual(errorOf(await api('DELETE', `/apikeys/${key.id}`)), { status: 404, type: 'NotFoundException', message: 'Invalid API Key identifier specified' })
    assert.equal((await api('PATCH', `/apikeys/${key.id}`, { patchOperations: [] })).status, 404)
  })

  it('validates names, values and descriptions on create (recorded messages)', async () => {
    assert.deepEqual(errorOf(await api('POST', '/apikeys', { name: 'a'.repeat(1025) })), {
      status: 400,
      type: 'BadRequestException',
      message: 'Invalid API Key name, can be at most 1024 characters.',
    })
    const emptyName = await api('POST', '/apikeys', { name: '' })
    assert.equal(emptyName.status, 201)
    assert.equal('name' in emptyName.json(), false, 'an empty name is no name')
    const noName = await api('POST', '/apikeys', {})
    assert.equal(noName.status, 201)
    assert.equal('name' in noName.json(), false)

    assert.deepEqual(errorOf(await api('POST', '/apikeys', { value: 'short' })), { status: 400, type: 'BadRequestException', message: 'API Key value should be at least 20 characters' })
    assert.deepEqual(errorOf(await api('POST', '/apikeys', { value: 'a'.repeat(129) })), {
      status: 400,
      type: 'BadRequestException',
      message: 'API Key value exceeds maximum size of 128 characters',
    })
    const emptyValue = await api('POST', '/apikeys', { value: '' })
    assert.equal(emptyValue.status, 201)
    assert.match(emptyValue.json().value, /^[A-Za-z0-9]{40}$/, 'an empty value is generated')
    assert.equal((await api('POST', '/apikeys', { value: 'has a space in it but long enough' })).status, 400)
    assert.deepEqual(errorOf(await api('POST', '/apikeys', { description: 'a'.repeat(125001) })), {
      status: 400,
      type: 'BadRequestException',
      message: 'Invalid API Key description specified.',
    })

    const full = await api('POST', '/apikeys', { name: 'full', value: 'my-own-value-0123456789', enabled: true, description: 'd', customerId: 'c', tags: { team: 'shop' }, stageKeys: [{ restApiId: 'shop01', stageName: 'dev' }] })
    assert.equal(full.status, 201)
    assert.deepEqual({ ...full.json<Record<string, unknown>>(), id: undefined, createdDate: undefined, lastUpdatedDate: undefined }, {
      id: undefined,
      value: 'my-own-value-0123456789',
      name: 'full',
      customerId: 'c',
      description: 'd',
      enabled: true,
      createdDate: undefined,
      lastUpdatedDate: undefined,
      stageKeys: ['shop01/dev'],
      tags: { team: 'shop' },
    })
    assert.deepEqual(errorOf(await api('POST', '/apikeys', { name: 'dup', value: 'my-own-value-0123456789' })), { status: 409, type: 'ConflictException', message: 'API Key already exists' })
    assert.equal((await api('POST', '/apikeys', { enabled: 'yes' })).status, 400)

    const badJson = await send(gw.adminPort, '/apikeys', { method: 'POST', body: '{"name": ', headers: { 'content-type': 'application/json' } })
    assert.equal(badJson.status, 400)
    assert.equal(badJson.headers['x-amzn-errortype'], 'SerializationException')
  })

  it('stores every one of 20 keys created in parallel, and exactly one of 10 racing for the same value', async () => {
    await deleteAll()
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => api('POST', '/apikeys', { name: `parallel-${i}` })))
    assert.deepEqual(results.map((r) => r.status), Array(20).fill(201))
    const ids = new Set(results.map((r) => r.json().id))
    assert.equal(ids.size, 20)
    const listed = (await api('GET', '/apikeys?limit=500')).json().item
    assert.deepEqual(new Set(listed.map((k: { id: string }) => k.id)), ids)

    const racing = await Promise.all(Array.from({ length: 10 }, (_, i) => api('POST', '/apikeys', { name: `race-${i}`, value: 'one-value-for-everyone-123' })))
    assert.equal(racing.filter((r) => r.status === 201).length, 1)
    assert.equal(racing.filter((r) => r.status === 409).length, 9)
  })

  it('imports keys from CSV: any column order and case, re-import overwrites, bad rows are warnings (§7.1)', async () => {
    await deleteAll()
    const plan = (await api('POST', '/usageplans', { name: 'csv-plan', apiStages: [{ apiId: 'shop01', stage: 'dev' }] })).json()
    const csv = [
      'key,NAME,Enabled,description,usageplanIds',
      `abcdefghijklmnopqrstuvwxyz0123,alice,true,"first, with a comma",${plan.id}`,
      'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123,bob,false,,',
      'tooshort,carol,true,,',
      '',
    ].join('\r\n')
    const imported = await api('POST', '/apikeys?mode=import&format=csv', csv)
    assert.equal(imported.status, 201)
    const body = imported.json()
    assert.equal(body.ids.length, 2)
    assert.deepEqual(body.warnings, ['line 4: API Key value should be at least 30 characters'])
    const keys = (await api('GET', '/apikeys?includeValues=true')).json().item
    const alice = keys.find((k: { name: string }) => k.name === 'alice')
    assert.equal(alice.enabled, true)
    assert.equal(alice.description, 'first, with a comma')
    assert.equal(alice.value, 'abcdefghijklmnopqrstuvwxyz0123')
    assert.equal(keys.find((k: { name: string }) => k.name === 'bob').enabled, false)
    assert.deepEqual((await api('GET', `/usageplans/${plan.id}/keys`)).json().item.map((k: { id: string }) => k.id), [alice.id], 'UsagePlanIds adds the key to the plan')

    // The same value again updates the key instead of creating another.
    const again = await api('POST', '/apikeys?mode=import&format=csv', 'Name,Key,Enabled\nalice-renamed,abcdefghijklmnopqrstuvwxyz0123,false\n')
    assert.deepEqual(again.json().ids, [alice.id])
    const updated = (await api('GET', `/apikeys/${alice.id}`)).json()
    assert.equal(updated.name, 'alice-renamed')
    assert.equal(updated.enabled, false)
    assert.equal((await api('GET', '/apikeys')).json().item.length, 2)

    const refused = await api('POST', '/apikeys?mode=import&format=csv&failonwarnings=true', 'Name,Key\ndave,short\neve,eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee\n')
    assert.equal(refused.status, 400)
    assert.match(refused.json().message, /line 2: API Key value should be at least 30 characters/)
    assert.equal((await api('GET', '/apikeys')).json().item.length, 2, 'a refused import writes nothing')

    assert.equal((await api('POST', '/apikeys?mode=import&format=json', '[]')).status, 400)
    assert.match((await api('POST', '/apikeys?mode=import&format=csv', 'Name,Value\nx,y\n')).json().message, /no Key column/)
    const unknownPlan = await api('POST', '/apikeys?mode=import&format=csv', 'Key,UsagePlanIds\nzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz,"nope1,nope2"\n')
    assert.deepEqual(unknownPlan.json(), { ids: [], warnings: ['line 2: Invalid Usage Plan ID specified: nope1, nope2'] })
    await api('DELETE', `/usageplans/${plan.id}`)
  })

  it('answers 405 for another method on a known path and leaves other paths to the built-in routes', async () => {
    const wrong = await api('PUT', '/apikeys')
    assert.equal(wrong.status, 405)
    assert.equal(wrong.headers['allow'], 'POST, GET')
    assert.equal((await api('GET', '/health')).status, 200)
    assert.equal((await api('GET', '/restapis-not-here')).status, 404)
  })
})
