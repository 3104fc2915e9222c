// API keys and usage plans through a real gateway (§7.1, §7.2, §18.10): every key problem is 403
// {"message":"Forbidden"}; plan throttles and quotas; usage read back on the admin port; keys created at
// run time work at once without a redeploy. An injected clock instead of sleeps.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { request } from 'undici'
import { startGateway, tempDir, writeFile, type TestGateway } from '../helpers.js'

const KEY_A = 'acme-0123456789abcdefghij'
const KEY_OFF = 'disabled-0123456789abcdef'
const KEY_OTHER = 'other-stage-0123456789abc'

function api() {
  const mock = { type: 'mock', requestTemplates: { 'application/json': '{"statusCode": 200}' }, responses: { default: { statusCode: '200', responseTemplates: { 'application/json': '{"key": "$context.identity.apiKeyId"}' } } } }
  return {
    openapi: '3.0.1',
    info: { title: 'keyed', version: '1' },
    paths: {
      '/open': { get: { 'x-amazon-apigateway-integration': mock } },
      '/keyed': { get: { security: [{ api_key: [] }], 'x-amazon-apigateway-integration': mock } },
      '/limited': { get: { security: [{ api_key: [] }], 'x-amazon-apigateway-integration': mock } },
    },
    components: { securitySchemes: { api_key: { type: 'apiKey', name: 'x-api-key', in: 'header' } } },
  }
}

async function adminJson(gw: TestGateway, method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await request(`http://127.0.0.1:${gw.adminPort}${path}`, { method: method as 'GET', headers: { 'content-type': 'application/json' }, body: body === undefined ? null : JSON.stringify(body) })
  const text = await res.body.text()
  return { status: res.statusCode, json: text ? JSON.parse(text) : null }
}

test('API keys: missing, unknown, disabled or unassociated keys are 403 Forbidden; plan limits and quota apply; usage is recorded', async () => {
  const tmp = tempDir()
  let now = Date.UTC(2026, 10, 23, 12, 0, 0)
  try {
    writeFile(tmp.dir, 'api.json', api())
    const config = writeFile(tmp.dir, 'gatehouse.yaml', {
      apis: [{ name: 'keyed', id: 'keyedapi01', type: 'rest', openapi: './api.json', stages: { dev: {}, prod: {} } }],
      apiKeys: [
        { name: 'a', value: KEY_A },
        { name: 'off', value: KEY_OFF, enabled: false },
        { name: 'other', value: KEY_OTHER },
      ],
      usagePlans: [
        { name: 'gold', apiStages: [{ api: 'keyed', stage: 'dev', throttle: { '/limited/GET': { burstLimit: 2, rateLimit: 1 } } }], quota: { limit: 5, period: 'DAY', offset: 0 }, apiKeys: ['a', 'off'] },
        { name: 'prod-only', apiStages: [{ api: 'keyed', stage: 'prod' }], apiKeys: ['other'] },
      ],
    })
    const gw = await startGateway({ configFile: config }, { now: () => now })
    try {
      assert.equal((await gw.fetch('/dev/open')).status, 200, 'a method without apiKeyRequired needs no key')
      const attempts: Array<Record<string, string>> = [{}, { 'x-api-key': 'nope-nope-nope-nope-nope' }, { 'x-api-key': KEY_OFF }, { 'x-api-key': KEY_OTHER }]
      for (const headers of attempts) {
        const res = await gw.fetch('/dev/keyed', { headers })
        assert.equal(res.status, 403, JSON.stringify(headers))
        assert.deepEqual(res.json(), { message: 'Forbidden' })
        assert.equal(res.headers['x-amzn-errortype'], 'ForbiddenException')
      }
      const ok = await gw.fetch('/dev/keyed', { headers: { 'X-API-Key': KEY_A } })
      assert.equal(ok.status, 200)
      assert.match(ok.json().key, /^[a-z0-9]+$/, '$context.identity.apiKeyId is set')
      // The per-method throttle of the plan: burst 2.
      const limited = []
      for (let i = 0; i < 3; i++) limited.push((await gw.fetch('/dev/limited', { headers: { 'x-api-key': KEY_A } })).status)
      assert.deepEqual(limited, [200, 200, 429])
      // Quota 5 a day: 3 used so far (1 keyed + 2 limited), throttled requests don't count.
      assert.equal((await gw.fetch('/dev/keyed', { headers: { 'x-api-key': KEY_A } })).status, 200)
      assert.equal((await gw.fetch('/dev/keyed', { headers: { 'x-api-key': KEY_A } })).status, 200)
      const over = await gw.fetch('/dev/keyed', { headers: { 'x-api-key': KEY_A } })
      assert.equal(over.status, 429)
      assert.deepEqual(over.json(), { message: 'Limit Exceeded' })
      assert.equal(over.headers['x-amzn-errortype'], 'LimitExceededException')
      // The next UTC day has a fresh quota.
      now += 24 * 3600 * 1000
      assert.equal((await gw.fetch('/dev/keyed', { headers: { 'x-api-key': KEY_A } })).status, 200)

      // Usage read back on AWS's control-plane path.
      const plans = await adminJson(gw, 'GET', '/usageplans')
      const gold = plans.json.item.find((p: { name: string }) => p.name === 'gold')
      const usage = await adminJson(gw, 'GET', `/usageplans/${gold.id}/usage?startDate=2026-11-23&endDate=2026-11-24`)
      assert.equal(usage.status, 200)
      const perKey = Object.values(usage.json.values) as Array<Array<[number, number]>>
      assert.deepEqual(perKey.find((days) => days[0]![0] === 5)?.map((d) => d[0]), [5, 1])
    } finally {
      await gw.stop()
    }
  } finally {
    tmp.cleanup()
  }
})

test('a key created and bound to a plan on the admin port works at once, without a redeploy', async () => {
  const tmp = tempDir()
  try {
    writeFile(tmp.dir, 'api.json', api())
    const config = writeFile(tmp.dir, 'gatehouse.yaml', { apis: [{ name: 'keyed', id: 'keyedapi02', type: 'rest', openapi: './api.json', stages: { dev: {} } }] })
    const gw = await startGateway({ configFile: config })
    try {
      const value = 'runtime-key-0123456789abcdef'
      assert.equal((await gw.fetch('/dev/keyed', { headers: { 'x-api-key': value } })).status, 403)
      const key = await adminJson(gw, 'POST', '/apikeys', { name: 'runtime', value, enabled: true })
      assert.equal(key.status, 201)
      const plan = await adminJson(gw, 'POST', '/usageplans', { name: 'rt', apiStages: [{ apiId: 'keyedapi02', stage: 'dev' }] })
      assert.equal(plan.status, 201)
      const bound = await adminJson(gw, 'POST', `/usageplans/${plan.json.id}/keys`, { keyId: key.json.id, keyType: 'API_KEY' })
      assert.equal(bound.status, 201)
      await gw.gateway.settled()
      assert.equal((await gw.fetch('/dev/keyed', { headers: { 'x-api-key': value } })).status, 200)
      // Disabling it takes effect at once too.
      const off = await adminJson(gw, 'PATCH', `/apikeys/${key.json.id}`, { patchOperations: [{ op: 'replace', path: '/enabled', value: 'false' }] })
      assert.equal(off.status, 200)
      await gw.gateway.settled()
      assert.equal((await gw.fetch('/dev/keyed', { headers: { 'x-api-key': value } })).status, 403)
    } finally {
      await gw.stop()
    }
  } finally {
    tmp.cleanup()
  }
})
