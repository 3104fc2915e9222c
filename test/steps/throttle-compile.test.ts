// The throttle step and the key index at deploy time: bucket specs and state keys are built once per
// (plan binding × route) — the request path hands the store the same frozen objects every time, and one
// `admit` call per request — and the keys are those earlier versions counted under, so state carries over.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { compileKeyIndex } from '../../src/controlplane/compile/keys.js'
import type { RouteInfo } from '../../src/dataplane/plan.js'
import { createThrottleStep } from '../../src/steps/throttle/index.js'
import type { ThrottleOptions } from '../../src/steps/throttle/index.js'
import type { RequestContext } from '../../src/dataplane/context.js'
import type { PlanBinding } from '../../src/dataplane/keys.js'
import { GatewayError } from '../../src/errors.js'
import type { AdmitResult, BucketSpec, LimitStore, QuotaSpec } from '../../src/store/port/ports.js'
import { StateStoreUnavailableError } from '../../src/store/port/ports.js'
import { quotaPeriod } from '../../src/store/port/state-rules.js'
import type { ApiKey, Method, RestApi, Stage, UsagePlan } from '../../src/model/types.js'

const T = Date.UTC(2024, 2, 15, 12)
const DAY = 86_400_000

function key(id: string): ApiKey {
  return { id, value: `value-of-${id}-0123456789abcdef`, enabled: true, createdDate: '', lastUpdatedDate: '' } as ApiKey
}

function plan(id: string, extra: Partial<UsagePlan>, keyIds: string[]): UsagePlan {
  return { id, name: id, apiStages: [{ apiId: 'api1', stage: 'dev' }], tags: {}, keyIds, ...extra }
}

const PLANS = [
  plan(
    'p1',
    {
      apiStages: [
        { apiId: 'api1', stage: 'dev', throttle: { '/x/GET': { rateLimit: 1, burstLimit: 2 }, '/*/*': { rateLimit: 3, burstLimit: 4 } } },
        { apiId: 'api1', stage: 'prod' },
      ],
      throttle: { rateLimit: 5, burstLimit: 10 },
      quota: { limit: 100, offset: 0, period: 'DAY' },
    },
    ['k1', 'k3'],
  ),
  plan('p2', {}, ['k2']),
]

function index() {
  const warnings: string[] = []
  const keys = compileKeyIndex([key('k1'), key('k2'), key('k3')], PLANS, (m) => warnings.push(m))
  assert.deepEqual(warnings, [])
  const binding = (keyId: string, stage = 'dev'): PlanBinding => keys.byValue.get(`value-of-${keyId}-0123456789abcdef`)!.stages.get(`api1/${stage}`)!
  return { binding }
}

function route(path: string, apiKeyRequired = true): RouteInfo {
  const api = { kind: 'REST', id: 'api1', name: 'a' } as unknown as RestApi
  const stage: Stage = { apiId: 'api1', stageName: 'dev', deploymentId: 'd1', variables: {}, methodSettings: {}, tags: {}, createdDate: '', lastUpdatedDate: '' }
  const method = { httpMethod: 'GET', apiKeyRequired } as Method
  return { apiKind: 'REST', api, stage, deploymentId: 'd1', resourcePath: path, httpMethod: 'GET', routeKey: `GET ${path}`, method }
}

interface Call {
  buckets: readonly BucketSpec[]
  quota: QuotaSpec | null
  nowMs: number
}

/** A LimitStore that records every admit and answers what the test says. */
function recordingStore(answer: (call: Call) => AdmitResult | Error, sync = false) {
  const calls: Call[] = []
  const decide = (buckets: readonly BucketSpec[], quota: QuotaSpec | null, nowMs: number): AdmitResult => {
    const call = { buckets, quota, nowMs }
    calls.push(call)
    const r = answer(call)
    if (r instanceof Error) throw r
    return r
  }
  const unused = () => assert.fail('only admit may be called')
  const store = {
    admit: async (b: readonly BucketSpec[], q: QuotaSpec | null, t: number) => decide(b, q, t),
    ...(sync ? { admitSync: decide } : {}),
    takeTokens: unused,
    consumeQuota: unused,
    quotaStatus: unused,
    adjustQuota: unused,
    getUsage: unused,
  } as unknown as LimitStore
  return { store, calls }
}

const ALLOW: AdmitResult = { allowed: true, quota: null }
const ctxWith = (binding: PlanBinding | undefined): RequestContext => ({ usagePlan: binding ?? null }) as unknown as RequestContext

function step(store: LimitStore, now: () => number, extra: Partial<ThrottleOptions> = {}, path = '/x') {
  const s = createThrottleStep({ state: () => store, now, account: { rate: 20, burst: 40 }, ...extra }).compile(route(path))
  assert.ok(s?.request)
  return s.request
}

test('the key index holds each key\'s state keys, built once: per-key bucket, per-method prefix, quota key', () => {
  const { binding } = index()
  const b = binding('k1')
  assert.equal(b.keyId, 'k1')
  assert.deepEqual(b.keyBucket, { key: 'pk|p1|k1', rate: 5, burst: 10 })
  assert.equal(b.methodBucketPrefix, 'pm|p1|k1|api1|dev|')
  assert.equal(b.quotaKey, 'q|p1|k1')
  assert.equal(binding('k1', 'prod').keyBucket!.key, 'pk|p1|k1', 'one per-key bucket across every stage of the plan (§7.2)')
  assert.equal(binding('k3').quotaKey, 'q|p1|k3', 'every key of a plan has its own binding')
  assert.notEqual(binding('k3'), b)
  assert.equal(binding('k2').keyBucket, null)
  assert.ok(Object.isFrozen(b) && Object.isFrozen(b.keyBucket))
})

test('a keyed request makes one admit call, with the same frozen buckets and quota spec every time in a period', async () => {
  const { binding } = index()
  let now = T
  const { store, calls } = recordingStore(() => ALLOW)
  const request = step(store, () => now)
  const ctx = ctxWith(binding('k1'))
  assert.equal(await request(ctx), undefined)
  now += 1000
  assert.equal(await request(ctx), undefined)
  assert.equal(calls.length, 2, 'one call per request')
  const [first, second] = calls as [Call, Call]
  assert.deepEqual(first.buckets, [
    { key: 'pm|p1|k1|api1|dev|/x/GET', rate: 1, burst: 2 },
    { key: 'pk|p1|k1', rate: 5, burst: 10 },
    { key: 's|api1|dev|GET /x', rate: 10_000, burst: 5_000 },
    { key: 'acct', rate: 20, burst: 40 },
  ], 'AWS order: plan per method, plan per key, stage, account (§7.9)')
  assert.deepEqual(first.quota, { key: 'q|p1|k1', limit: 100, period: quotaPeriod('DAY', 0, T) })
  assert.equal(second.buckets, first.buckets, 'the same array: nothing assembled per request')
  assert.equal(second.quota, first.quota, 'the same quota spec within the period')
  assert.ok(Object.isFrozen(first.buckets) && first.buckets.every((b) => Object.isFrozen(b)) && Object.isFrozen(first.quota))
  assert.deepEqual([first.nowMs, second.nowMs], [T, T + 1000])

  now = T + DAY
  await request(ctx)
  assert.equal(calls[2]!.buckets, first.buckets)
  assert.deepEqual(calls[2]!.quota, { key: 'q|p1|k1', limit: 100, period: quotaPeriod('DAY', 0, T + DAY) }, 'a new period, a new spec')
  now = T
  await request(ctx)
  assert.deepEqual(calls[3]!.quota!.period, quotaPeriod('DAY', 0, T), 'a clock stepping back gets its own period')
})

test('each route has its own per-method bucket (a "/*/*" plan throttle applies per method); a plan without quota still records usage', async () => {
  const { binding } = index()
  const { store, calls } = recordingStore(() => ALLOW)
  await step(store, () => T, {}, '/y')(ctxWith(binding('k1')))
  assert.deepEqual(calls[0]!.buckets[0], { key: 'pm|p1|k1|api1|dev|/y/GET', rate: 3, burst: 4 })
  await step(store, () => T, { account: null })(ctxWith(binding('k2')))
  assert.deepEqual(calls[1]!.buckets, [{ key: 's|api1|dev|GET /x', rate: 10_000, burst: 5_000 }])
  assert.deepEqual(calls[1]!.quota, { key: 'q|p2|k2', limit: Number.MAX_SAFE_INTEGER, period: quotaPeriod('DAY', 0, T) })
})

test('refusals: a bucket is 429 THROTTLED, the quota 429 QUOTA_EXCEEDED; an in-process store decides without a promise', async () => {
  const { binding } = index()
  const ctx = ctxWith(binding('k1'))
  const byBucket: AdmitResult = { allowed: false, refusedBy: 'bucket', index: 0, retryAfterMs: 1000 }
  const byQuota: AdmitResult = { allowed: false, refusedBy: 'quota', quota: { used: 100, remaining: 0 } }
  const code = (err: unknown) => (err as GatewayError).code
  for (const [answer, expected] of [
    [byBucket, 'THROTTLED'],
    [byQuota, 'QUOTA_EXCEEDED'],
  ] as const) {
    const async = step(recordingStore(() => answer).store, () => T)
    await assert.rejects(async(ctx) as Promise<undefined>, (err) => code(err) === expected)
    const sync = step(recordingStore(() => answer, true).store, () => T)
    assert.throws(() => sync(ctx), (err) => code(err) === expected)
  }
  const { store, calls } = recordingStore(() => ALLOW, true)
  assert.equal(step(store, () => T)(ctx), undefined, 'admitted synchronously: no promise for the runner to await')
  assert.equal(calls.length, 1)
})

test('an unreachable store: fail open admits and reports, fail closed answers 503 with Retry-After, reported once by whoever logs', async () => {
  const { binding } = index()
  const ctx = ctxWith(binding('k1'))
  const down = () => new StateStoreUnavailableError('Redis is down')
  const reported: unknown[] = []
  const open = step(recordingStore(down).store, () => T, { onStoreError: (e) => reported.push(e) })
  assert.equal(await open(ctx), undefined)
  assert.equal(reported.length, 1)
  const closed = step(recordingStore(down).store, () => T, { onUnavailable: 'closed', onStoreError: (e) => reported.push(e) })
  await assert.rejects(closed(ctx) as Promise<undefined>, (err) => {
    const e = err as GatewayError
    assert.equal(e.code, 'STATE_STORE_UNAVAILABLE')
    assert.deepEqual(e.headers, { 'Retry-After': '1' })
    assert.equal(e.reported, true, 'onStoreError logs it: the runner does not log it per request')
    return true
  })
  assert.equal(reported.length, 2)
  const broken = step(recordingStore(() => new TypeError('a bug'), true).store, () => T)
  assert.throws(() => broken(ctx), TypeError, 'other errors are not swallowed')
})

test('a route without a key uses the fixed buckets only, with no quota', async () => {
  const { store, calls } = recordingStore(() => ALLOW)
  const s = createThrottleStep({ state: () => store, now: () => T }).compile(route('/open', false))
  await s!.request!(ctxWith(undefined))
  assert.deepEqual(calls[0]!.buckets.map((b) => b.key), ['s|api1|dev|GET /open', 'acct'])
  assert.equal(calls[0]!.quota, null)
})
