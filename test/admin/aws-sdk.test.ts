// The admin API driven by the unmodified AWS SDK for JavaScript v3 (@aws-sdk/client-api-gateway): every
// API key, usage plan, plan key and usage operation the admin port serves, read back through the SDK's own
// deserialisers (lists under `item`, usage under `values`, epoch-second dates), usage counted from real keyed
// requests on the data plane, and errors raised as the SDK's named exceptions from `x-amzn-ErrorType`.

import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import {
  APIGatewayClient,
  BadRequestException,
  ConflictException,
  CreateApiKeyCommand,
  CreateUsagePlanCommand,
  CreateUsagePlanKeyCommand,
  DeleteApiKeyCommand,
  DeleteUsagePlanCommand,
  DeleteUsagePlanKeyCommand,
  GetApiKeyCommand,
  GetApiKeysCommand,
  GetDomainNamesCommand,
  GetUsageCommand,
  GetUsagePlanCommand,
  GetUsagePlanKeyCommand,
  GetUsagePlanKeysCommand,
  GetUsagePlansCommand,
  GetVpcLinksCommand,
  ImportApiKeysCommand,
  NotFoundException,
  UpdateApiKeyCommand,
  UpdateUsageCommand,
  UpdateUsagePlanCommand,
  paginateGetApiKeys,
  type APIGatewayClientConfig,
} from '@aws-sdk/client-api-gateway'
import { startGateway, tempDir, writeFile, type TestGateway } from '../helpers.js'

/** Today for the gateway (data plane counters and the admin API's usage days): an injected clock, no midnight races. */
const NOW = Date.UTC(2026, 0, 15, 12, 0, 0)
const TODAY = '2026-01-15'
const ALICE_VALUE = 'alice-sdk-value-0123456789'
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

/** REST API `shop01` (stages dev and prod) whose GET /pets needs an API key. */
function keyedConfig(extra: Record<string, unknown> = {}): Record<string, unknown> {
  const mock = { type: 'mock', requestTemplates: { 'application/json': '{"statusCode": 200}' }, responses: { default: { statusCode: '200', responseTemplates: { 'application/json': '{"key": "$context.identity.apiKeyId"}' } } } }
  return {
    apis: [
      {
        id: 'shop01',
        type: 'rest',
        definition: {
          openapi: '3.0.1',
          info: { title: 'shop', version: '1' },
          paths: { '/pets': { get: { security: [{ api_key: [] }], 'x-amazon-apigateway-integration': mock } } },
          components: { securitySchemes: { api_key: { type: 'apiKey', name: 'x-api-key', in: 'header' } } },
        },
        stages: { dev: {}, prod: {} },
      },
    ],
    ...extra,
  }
}

function sdkClient(port: number, accessKeyId = 'x', extra: Partial<APIGatewayClientConfig> = {}): APIGatewayClient {
  return new APIGatewayClient({ endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', credentials: { accessKeyId, secretAccessKey: 'y' }, maxAttempts: 1, ...extra })
}

/** The error a command raised, for assertions on its name, status and message. */
async function failure(p: Promise<unknown>): Promise<{ name: string; status: number | undefined; message: string; error: unknown }> {
  try {
    await p
  } catch (error) {
    const e = error as Error & { $metadata?: { httpStatusCode?: number } }
    return { name: e.name, status: e.$metadata?.httpStatusCode, message: e.message, error }
  }
  assert.fail('the command succeeded')
}

describe('admin API through the unmodified AWS SDK for JavaScript v3', () => {
  let tmp: ReturnType<typeof tempDir>
  let gw: TestGateway
  let client: APIGatewayClient
  let now = NOW

  before(async () => {
    tmp = tempDir()
    gw = await startGateway({ configFile: writeFile(tmp.dir, 'gatehouse.yaml', keyedConfig()) }, { now: () => now })
    // The default configuration: a loopback admin listener without a token, so any credentials do.
    client = sdkClient(gw.adminPort)
  })
  after(async () => {
    client.destroy()
    await gw.stop()
    tmp.cleanup()
  })

  it('creates, reads, lists, pages, updates and deletes API keys', async () => {
    const alice = await client.send(new CreateApiKeyCommand({ name: 'sdk-alice', description: 'first', enabled: true, value: ALICE_VALUE, customerId: 'cust-1', tags: { team: 'shop' } }))
    assert.equal(alice.$metadata.httpStatusCode, 201)
    assert.match(alice.$metadata.requestId ?? '', UUID, 'x-amzn-RequestId reaches $metadata.requestId')
    assert.equal(alice.value, ALICE_VALUE)
    assert.equal(alice.name, 'sdk-alice')
    assert.equal(alice.enabled, true)
    assert.equal(alice.customerId, 'cust-1')
    assert.deepEqual(alice.tags, { team: 'shop' })
    assert.deepEqual(alice.stageKeys, [])
    assert.ok(alice.createdDate instanceof Date)
    assert.equal(alice.createdDate.getTime(), NOW, 'dates arrive as epoch seconds and parse to the same instant')
    now += 1000
    const bob = await client.send(new CreateApiKeyCommand({ name: 'sdk-bob' }))
    assert.match(bob.value ?? '', /^[A-Za-z0-9]{40}$/, 'a generated value')
    assert.equal(bob.enabled, false, 'a new key is disabled unless the request enables it')

    const got = await client.send(new GetApiKeyCommand({ apiKey: alice.id! }))
    assert.equal(got.name, 'sdk-alice')
    assert.equal(got.value, undefined, 'no value without includeValue')
    assert.equal((await client.send(new GetApiKeyCommand({ apiKey: alice.id!, includeValue: true }))).value, ALICE_VALUE)

    const listed = await client.send(new GetApiKeysCommand({}))
    assert.deepEqual(listed.items?.map((k) => k.id), [bob.id, alice.id], 'the list the SDK reads from item, newest first')
    assert.deepEqual(listed.items?.map((k) => k.value), [undefined, undefined], 'no values without includeValues')
    assert.equal(listed.position, undefined)
    const withValues = await client.send(new GetApiKeysCommand({ includeValues: true }))
    assert.deepEqual(withValues.items?.map((k) => k.value), [bob.value, ALICE_VALUE])
    assert.deepEqual((await client.send(new GetApiKeysCommand({ nameQuery: 'sdk-a' }))).items?.map((k) => k.id), [alice.id], 'nameQuery travels as ?name=')
    assert.deepEqual((await client.send(new GetApiKeysCommand({ nameQuery: 'SDK' }))).items, [], 'a case-sensitive prefix')
    assert.deepEqual((await client.send(new GetApiKeysCommand({ customerId: 'cust-1' }))).items?.map((k) => k.id), [alice.id])

    const page1 = await client.send(new GetApiKeysCommand({ limit: 1 }))
    assert.deepEqual(page1.items?.map((k) => k.id), [bob.id])
    assert.equal(typeof page1.position, 'string')
    const page2 = await client.send(new GetApiKeysCommand({ limit: 1, position: page1.position! }))
    assert.deepEqual(page2.items?.map((k) => k.id), [alice.id])
    assert.equal(page2.position, undefined, 'the last page has no position')
    const paged: string[] = []
    for await (const page of paginateGetApiKeys({ client, pageSize: 1 }, {})) paged.push(...(page.items ?? []).map((k) => k.id!))
    assert.deepEqual(paged, [bob.id, alice.id], "the SDK's paginator walks every page")

    const updated = await client.send(
      new UpdateApiKeyCommand({
        apiKey: bob.id!,
        patchOperations: [
          { op: 'replace', path: '/name', value: 'sdk-bob-renamed' },
          { op: 'replace', path: '/enabled', value: 'true' },
          { op: 'replace', path: '/description', value: 'second' },
        ],
      }),
    )
    assert.equal(updated.$metadata.httpStatusCode, 200)
    assert.equal(updated.name, 'sdk-bob-renamed')
    assert.equal(updated.enabled, true)
    assert.equal(updated.description, 'second')
    assert.deepEqual(updated.tags, {})
    assert.equal((await client.send(new GetApiKeyCommand({ apiKey: bob.id! }))).name, 'sdk-bob-renamed', 'the update is stored')

    const deleted = await client.send(new DeleteApiKeyCommand({ apiKey: bob.id! }))
    assert.equal(deleted.$metadata.httpStatusCode, 202)
    const gone = await failure(client.send(new GetApiKeyCommand({ apiKey: bob.id! })))
    assert.ok(gone.error instanceof NotFoundException, "the SDK's own NotFoundException class")
    assert.deepEqual([gone.name, gone.status, gone.message], ['NotFoundException', 404, 'Invalid API Key identifier specified'])
  })

  it('raises BadRequestException, NotFoundException and ConflictException by name for API keys', async () => {
    const short = await failure(client.send(new CreateApiKeyCommand({ name: 'short', value: 'short' })))
    assert.ok(short.error instanceof BadRequestException)
    assert.deepEqual([short.name, short.status, short.message], ['BadRequestException', 400, 'API Key value should be at least 20 characters'])

    const duplicate = await failure(client.send(new CreateApiKeyCommand({ name: 'copy', value: ALICE_VALUE })))
    assert.ok(duplicate.error instanceof ConflictException)
    assert.deepEqual([duplicate.name, duplicate.status, duplicate.message], ['ConflictException', 409, 'API Key already exists'])

    const alice = (await client.send(new GetApiKeysCommand({ nameQuery: 'sdk-alice' }))).items![0]!
    const badPath = await failure(client.send(new UpdateApiKeyCommand({ apiKey: alice.id!, patchOperations: [{ op: 'replace', path: '/id', value: 'x' }] })))
    assert.deepEqual([badPath.name, badPath.status], ['BadRequestException', 400])
    assert.match(badPath.message, /Invalid patch path {2}'\/id' specified for op 'replace'/)

    assert.deepEqual((await failure(client.send(new DeleteApiKeyCommand({ apiKey: 'missing' })))).status, 404)
    assert.deepEqual((await failure(client.send(new UpdateApiKeyCommand({ apiKey: 'missing', patchOperations: [] })))).name, 'NotFoundException')
    const badPosition = await failure(client.send(new GetApiKeysCommand({ position: 'garbage' })))
    assert.deepEqual([badPosition.name, badPosition.message], ['BadRequestException', 'Invalid position parameter'])
  })

  it('imports API keys from CSV, with warnings or refused with failOnWarnings', async () => {
    const csv = ['Name,Key,Enabled,Description', 'sdk-csv-one,csv-one-0123456789abcdefghijklmn,true,imported', 'sdk-csv-short,tooshort,true,', ''].join('\n')
    const imported = await client.send(new ImportApiKeysCommand({ body: new TextEncoder().encode(csv), format: 'csv' }))
    assert.equal(imported.$metadata.httpStatusCode, 201)
    assert.equal(imported.ids?.length, 1)
    assert.deepEqual(imported.warnings, ['line 3: API Key value should be at least 30 characters'])
    const one = await client.send(new GetApiKeyCommand({ apiKey: imported.ids![0]!, includeValue: true }))
    assert.deepEqual([one.name, one.value, one.enabled, one.description], ['sdk-csv-one', 'csv-one-0123456789abcdefghijklmn', true, 'imported'])

    const refused = await failure(client.send(new ImportApiKeysCommand({ body: new TextEncoder().encode(csv), format: 'csv', failOnWarnings: true })))
    assert.deepEqual([refused.name, refused.status], ['BadRequestException', 400], 'failonwarnings=true refuses the whole file')
    assert.match(refused.message, /line 3: API Key value should be at least 30 characters/)
    assert.equal((await client.send(new GetApiKeysCommand({ nameQuery: 'sdk-csv' }))).items?.length, 1, 'a refused import writes nothing')
    await client.send(new DeleteApiKeyCommand({ apiKey: one.id! }))
  })

  it('creates, reads, lists, updates and deletes usage plans and their keys', async () => {
    const plan = await client.send(
      new CreateUsagePlanCommand({
        name: 'sdk-gold',
        description: 'paying customers',
        apiStages: [{ apiId: 'shop01', stage: 'dev', throttle: { '/pets/GET': { burstLimit: 5, rateLimit: 2.5 } } }],
        throttle: { burstLimit: 100, rateLimit: 50 },
        quota: { limit: 1000, period: 'DAY', offset: 0 },
        tags: { tier: 'gold' },
      }),
    )
    assert.equal(plan.$metadata.httpStatusCode, 201)
    assert.equal(plan.name, 'sdk-gold')
    assert.deepEqual(plan.apiStages, [{ apiId: 'shop01', stage: 'dev', throttle: { '/pets/GET': { burstLimit: 5, rateLimit: 2.5 } } }])
    assert.deepEqual(plan.throttle, { burstLimit: 100, rateLimit: 50 })
    assert.deepEqual(plan.quota, { limit: 1000, offset: 0, period: 'DAY' })
    assert.deepEqual(plan.tags, { tier: 'gold' })
    const silver = await client.send(new CreateUsagePlanCommand({ name: 'sdk-silver' }))

    assert.deepEqual((await client.send(new GetUsagePlanCommand({ usagePlanId: plan.id! }))).quota, { limit: 1000, offset: 0, period: 'DAY' })
    const plans = await client.send(new GetUsagePlansCommand({}))
    assert.deepEqual(plans.items?.map((p) => p.name), ['sdk-gold', 'sdk-silver'], 'the list the SDK reads from item')
    const firstPlan = await client.send(new GetUsagePlansCommand({ limit: 1 }))
    assert.deepEqual(firstPlan.items?.map((p) => p.name), ['sdk-gold'])
    assert.deepEqual((await client.send(new GetUsagePlansCommand({ limit: 1, position: firstPlan.position! }))).items?.map((p) => p.name), ['sdk-silver'])

    const updated = await client.send(
      new UpdateUsagePlanCommand({
        usagePlanId: silver.id!,
        patchOperations: [
          { op: 'replace', path: '/name', value: 'sdk-silver-renamed' },
          { op: 'add', path: '/apiStages', value: 'shop01:prod' },
          { op: 'replace', path: '/quota/limit', value: '10' },
          { op: 'replace', path: '/quota/period', value: 'WEEK' },
        ],
      }),
    )
    assert.equal(updated.name, 'sdk-silver-renamed')
    assert.deepEqual(updated.apiStages, [{ apiId: 'shop01', stage: 'prod' }])
    assert.deepEqual(updated.quota, { limit: 10, offset: 0, period: 'WEEK' })

    const alice = (await client.send(new GetApiKeysCommand({ nameQuery: 'sdk-alice' }))).items![0]!
    const carol = await client.send(new CreateApiKeyCommand({ name: 'sdk-carol', enabled: true }))
    const added = await client.send(new CreateUsagePlanKeyCommand({ usagePlanId: plan.id!, keyId: alice.id!, keyType: 'API_KEY' }))
    assert.equal(added.$metadata.httpStatusCode, 201)
    assert.deepEqual([added.id, added.type, added.value, added.name], [alice.id, 'API_KEY', ALICE_VALUE, 'sdk-alice'])
    await client.send(new CreateUsagePlanKeyCommand({ usagePlanId: plan.id!, keyId: carol.id!, keyType: 'API_KEY' }))

    const planKeys = await client.send(new GetUsagePlanKeysCommand({ usagePlanId: plan.id! }))
    assert.deepEqual(planKeys.items?.map((k) => [k.id, k.type, k.name]), [[carol.id, 'API_KEY', 'sdk-carol'], [alice.id, 'API_KEY', 'sdk-alice']], 'the most recently added first')
    assert.deepEqual((await client.send(new GetUsagePlanKeysCommand({ usagePlanId: plan.id!, nameQuery: 'sdk-al' }))).items?.map((k) => k.id), [alice.id])
    const keyPage = await client.send(new GetUsagePlanKeysCommand({ usagePlanId: plan.id!, limit: 1 }))
    assert.deepEqual((await client.send(new GetUsagePlanKeysCommand({ usagePlanId: plan.id!, limit: 1, position: keyPage.position! }))).items?.map((k) => k.id), [alice.id])
    assert.equal((await client.send(new GetUsagePlanKeyCommand({ usagePlanId: plan.id!, keyId: alice.id! }))).value, ALICE_VALUE)
    assert.deepEqual((await client.send(new GetUsagePlansCommand({ keyId: carol.id! }))).items?.map((p) => p.id), [plan.id])

    const twice = await failure(client.send(new CreateUsagePlanKeyCommand({ usagePlanId: plan.id!, keyId: alice.id!, keyType: 'API_KEY' })))
    assert.ok(twice.error instanceof ConflictException)
    assert.deepEqual([twice.name, twice.status], ['ConflictException', 409])

    assert.equal((await client.send(new DeleteUsagePlanKeyCommand({ usagePlanId: plan.id!, keyId: carol.id! }))).$metadata.httpStatusCode, 202)
    const removedKey = await failure(client.send(new GetUsagePlanKeyCommand({ usagePlanId: plan.id!, keyId: carol.id! })))
    assert.deepEqual([removedKey.name, removedKey.status, removedKey.message], ['NotFoundException', 404, 'Invalid Usage Plan Key identifier specified'])
    await client.send(new DeleteApiKeyCommand({ apiKey: carol.id! }))

    assert.equal((await client.send(new DeleteUsagePlanCommand({ usagePlanId: silver.id! }))).$metadata.httpStatusCode, 202)
    const noPlan = await failure(client.send(new GetUsagePlanCommand({ usagePlanId: silver.id! })))
    assert.deepEqual([noPlan.name, noPlan.status, noPlan.message], ['NotFoundException', 404, 'Invalid Usage Plan ID specified'])
    const noStage = await failure(client.send(new CreateUsagePlanCommand({ name: 'sdk-nowhere', apiStages: [{ apiId: 'shop01', stage: 'test' }] })))
    assert.deepEqual([noStage.name, noStage.status, noStage.message], ['BadRequestException', 400, 'Invalid API Stage {api: shop01, stage: test} specified for usageplan sdk-nowhere'])
  })

  it('reads usage counted from keyed requests on the data plane, and grants more with UpdateUsage', async () => {
    const plan = (await client.send(new GetUsagePlansCommand({}))).items!.find((p) => p.name === 'sdk-gold')!
    const alice = (await client.send(new GetApiKeysCommand({ nameQuery: 'sdk-alice' }))).items![0]!
    await gw.gateway.settled()
    for (let i = 0; i < 3; i++) {
      const res = await gw.fetch('/dev/pets', { headers: { 'x-api-key': ALICE_VALUE } })
      assert.equal(res.status, 200, res.text)
      assert.deepEqual(res.json(), { key: alice.id })
    }
    assert.equal((await gw.fetch('/dev/pets')).status, 403, 'the method needs a key')

    const usage = await client.send(new GetUsageCommand({ usagePlanId: plan.id!, startDate: TODAY, endDate: TODAY }))
    assert.equal(usage.$metadata.httpStatusCode, 200)
    assert.deepEqual(
      { usagePlanId: usage.usagePlanId, startDate: usage.startDate, endDate: usage.endDate, items: usage.items },
      { usagePlanId: plan.id, startDate: TODAY, endDate: TODAY, items: { [alice.id!]: [[3, 997]] } },
      'the SDK reads the per-key [used, remaining] days from values',
    )
    const twoDays = await client.send(new GetUsageCommand({ usagePlanId: plan.id!, startDate: '2026-01-14', endDate: TODAY, keyId: alice.id! }))
    assert.deepEqual(twoDays.items, { [alice.id!]: [[0, 1000], [3, 997]] })

    const granted = await client.send(new UpdateUsageCommand({ usagePlanId: plan.id!, keyId: alice.id!, patchOperations: [{ op: 'replace', path: '/remaining', value: '50' }] }))
    assert.equal(granted.$metadata.httpStatusCode, 200)
    assert.deepEqual(granted.items, { [alice.id!]: [[3, 50]] })
    assert.equal((await gw.fetch('/dev/pets', { headers: { 'x-api-key': ALICE_VALUE } })).status, 200)
    assert.deepEqual((await client.send(new GetUsageCommand({ usagePlanId: plan.id!, startDate: TODAY, endDate: TODAY }))).items, { [alice.id!]: [[4, 49]] })

    const backwards = await failure(client.send(new GetUsageCommand({ usagePlanId: plan.id!, startDate: TODAY, endDate: '2026-01-01' })))
    assert.deepEqual([backwards.name, backwards.status, backwards.message], ['BadRequestException', 400, 'endDate is before startDate'])
    const notInPlan = await failure(client.send(new UpdateUsageCommand({ usagePlanId: plan.id!, keyId: 'missing', patchOperations: [{ op: 'replace', path: '/remaining', value: '1' }] })))
    assert.deepEqual([notInPlan.name, notInPlan.status], ['NotFoundException', 404])
    const noPlan = await failure(client.send(new GetUsageCommand({ usagePlanId: 'missing', startDate: TODAY, endDate: TODAY })))
    assert.deepEqual([noPlan.name, noPlan.status], ['NotFoundException', 404])
  })

  it('answers GetDomainNames (no custom domains yet) and raises NotFoundException for an operation the admin port does not serve', async () => {
    const domains = await client.send(new GetDomainNamesCommand({}))
    assert.deepEqual([domains.$metadata.httpStatusCode, domains.items, domains.position], [200, [], undefined])
    const links = await failure(client.send(new GetVpcLinksCommand({})))
    assert.ok(links.error instanceof NotFoundException)
    assert.deepEqual([links.status, links.message], [404, 'Not Found: the admin port has no GET /vpclinks'])
  })
})

describe('admin API with listeners.admin.token through the AWS SDK', () => {
  it('takes the token as the access key id of the SDK credentials, and refuses another', async () => {
    const token = 'an-admin-token-for-the-sdk-0123'
    const tmp = tempDir()
    const gw = await startGateway({ configFile: writeFile(tmp.dir, 'gatehouse.yaml', keyedConfig({ listeners: { admin: { token } } })) }, { adminHost: '0.0.0.0' })
    const good = sdkClient(gw.adminPort, token)
    const bad = sdkClient(gw.adminPort, 'AKIDNOTTHETOKEN')
    try {
      const key = await good.send(new CreateApiKeyCommand({ name: 'sdk-token' }))
      assert.deepEqual((await good.send(new GetApiKeysCommand({}))).items?.map((k) => k.id), [key.id])
      const refused = await failure(bad.send(new GetApiKeysCommand({})))
      assert.deepEqual([refused.name, refused.status, refused.message], ['ForbiddenException', 403, 'The admin API token is not valid'])
    } finally {
      good.destroy()
      bad.destroy()
      await gw.stop()
      tmp.cleanup()
    }
  })
})
