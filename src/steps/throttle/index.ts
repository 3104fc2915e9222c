// The throttling and quota step (§7.9, §7.2): token buckets in AWS's order — usage plan per method, usage
// plan per key, stage per method (or the stage default), account — and then the usage plan's quota, decided
// in one LimitStore call (`admit`, atomic in the backend) so several gateway processes enforce one limit.
// First empty bucket → 429 THROTTLED (nothing counted); quota spent → 429 QUOTA_EXCEEDED. Bucket specs and
// state keys come from the compiled key index and the compiled route: a request builds no string.

import type { MethodSetting, RouteSettings } from '../../model/types.js'
import type { StepFactory, RouteInfo, Step } from '../../dataplane/plan.js'
import type { RequestContext } from '../../dataplane/context.js'
import type { Limit, PlanBinding } from '../../dataplane/keys.js'
import type { AdmitResult, BucketSpec, LimitStore, QuotaSpec } from '../../store/port/ports.js'
import { StateStoreUnavailableError } from '../../store/port/ports.js'
import { quotaPeriod } from '../../store/port/state-rules.js'
import type { QuotaPeriodUnit } from '../../store/port/state-rules.js'
import { GatewayError } from '../../errors.js'

/** AWS's defaults: account 10,000 rps / 5,000 burst; REST stage methods the same (§7.9, §1.6 [REC]). */
export const DEFAULT_ACCOUNT_LIMIT: Limit = { rate: 10_000, burst: 5_000 }
export const DEFAULT_METHOD_LIMIT: Limit = { rate: 10_000, burst: 5_000 }

export interface ThrottleOptions {
  state: () => LimitStore
  now?: () => number
  /** The account-level bucket; null turns it off. */
  account?: Limit | null
  /**
   * When the state store cannot be reached: 'open' admits the request, 'closed' refuses it with 503 Service
   * Unavailable and `Retry-After: 1` (Gatehouse's STATE_STORE_UNAVAILABLE; AWS has no such situation).
   */
  onUnavailable?: 'open' | 'closed'
  /** Called each time the state store fails (logging, metrics); the refusal is then not logged per request. */
  onStoreError?: (err: unknown) => void
  /** Called on the first answer of the state store after one or more failures. */
  onStoreRecovered?: () => void
}

/** `methodSettings` keys are `{resourcePath with / as ~1}/{METHOD}`; `*\/*` is the stage default (§1.6). */
function restLimit(settings: Record<string, MethodSetting>, resourcePath: string, method: string): Limit {
  const escaped = resourcePath.replace(/\//g, '~1')
  const own = settings[`${escaped}/${method}`] ?? settings[`${resourcePath}/${method}`]
  const all = settings['*/*']
  const rate = own?.throttlingRateLimit ?? all?.throttlingRateLimit ?? DEFAULT_METHOD_LIMIT.rate
  const burst = own?.throttlingBurstLimit ?? all?.throttlingBurstLimit ?? DEFAULT_METHOD_LIMIT.burst
  return { rate, burst }
}

/** HTTP APIs: `routeSettings[routeKey]`, then `defaultRouteSettings`; no stage bucket when neither sets one. */
function httpLimit(route: RouteInfo): Limit | null {
  const own: RouteSettings | undefined = route.stage.routeSettings?.[route.routeKey]
  const all = route.stage.defaultRouteSettings
  const rate = own?.throttlingRateLimit ?? all?.throttlingRateLimit
  const burst = own?.throttlingBurstLimit ?? all?.throttlingBurstLimit
  if (rate === undefined && burst === undefined) return null
  return { rate: rate ?? DEFAULT_METHOD_LIMIT.rate, burst: burst ?? DEFAULT_METHOD_LIMIT.burst }
}

/**
 * What one route admits for one plan binding (one API key in one usage plan on this stage): its buckets in
 * AWS's order and its quota, built on the first request of that key on that route and kept for as long as
 * the compiled route lives (bindings are frozen and swapped with the plan, so this is compile-time work).
 */
export interface Admission {
  readonly buckets: readonly BucketSpec[]
  readonly quotaKey: string
  readonly limit: number
  readonly unit: QuotaPeriodUnit
  readonly offset: number
  /** The quota spec of the period last asked for; a new one only when a request falls outside it. */
  current: QuotaSpec | null
}

/** The quota spec of `a` for time `t`, the same object for every request of a period. */
function quotaAt(a: Admission, t: number): QuotaSpec {
  const c = a.current
  if (c !== null && t >= c.period.start && t < c.period.end) return c
  return (a.current = Object.freeze({ key: a.quotaKey, limit: a.limit, period: quotaPeriod(a.unit, a.offset, t) }))
}

/**
 * What one route admits for one plan binding: the plan's per-method bucket (`methodKey`, else `/*\/*`), its
 * per-key bucket, then the route's own `fixed` buckets, and the quota. Built once per binding and kept in
 * `cache` (bindings are frozen and swapped with the plan). Shared with WebSocket messages (§10.6).
 */
export function admissionOf(cache: WeakMap<PlanBinding, Admission>, binding: PlanBinding, methodKey: string, fixed: readonly BucketSpec[]): Admission {
  let a = cache.get(binding)
  if (a !== undefined) return a
  const buckets: BucketSpec[] = []
  const m = binding.methodThrottle.get(methodKey) ?? binding.methodThrottle.get('/*/*')
  if (m) buckets.push(Object.freeze({ key: binding.methodBucketPrefix + methodKey, rate: m.rate, burst: m.burst }))
  if (binding.keyBucket) buckets.push(binding.keyBucket)
  buckets.push(...fixed)
  // Usage is recorded for every admitted request of a key; the quota only when the plan has one.
  const q = binding.quota
  a = {
    buckets: Object.freeze(buckets),
    quotaKey: binding.quotaKey,
    limit: q ? q.limit : Number.MAX_SAFE_INTEGER,
    unit: q ? q.period : 'DAY',
    offset: q ? q.offset : 0,
    current: null,
  }
  cache.set(binding, a)
  return a
}

/**
 * WebSocket API keys (§10.6): each message of a connection whose `$connect` presented a key, and the connect
 * itself, is one request against the key's usage plan (its throttle and quota, usage recorded). A store that
 * cannot be reached admits (fail open), as the HTTP step does by default.
 */
export function createUsageAdmitter(opts: { state: () => LimitStore; now?: () => number }): (binding: PlanBinding, methodKey: string) => () => Promise<'OK' | 'THROTTLED' | 'QUOTA_EXCEEDED'> {
  const now = opts.now ?? Date.now
  const cache = new WeakMap<PlanBinding, Admission>()
  return (binding, methodKey) => {
    const a = admissionOf(cache, binding, methodKey, [])
    return async () => {
      const t = now()
      let r: AdmitResult
      try {
        r = await opts.state().admit(a.buckets, quotaAt(a, t), t)
      } catch (err) {
        if (err instanceof StateStoreUnavailableError) return 'OK'
        throw err
      }
      return r.allowed ? 'OK' : r.refusedBy === 'bucket' ? 'THROTTLED' : 'QUOTA_EXCEEDED'
    }
  }
}

/** A store that is down is retried in the background (Redis: reconnect attempts at most a second apart): try again then. */
const RETRY_AFTER: Readonly<Record<string, string>> = Object.freeze({ 'Retry-After': '1' })

export function createThrottleStep(opts: ThrottleOptions): StepFactory {
  const now = opts.now ?? Date.now
  const account = opts.account === undefined ? DEFAULT_ACCOUNT_LIMIT : opts.account
  const failOpen = (opts.onUnavailable ?? 'open') === 'open'
  const reported = opts.onStoreError !== undefined
  // Whether the last call to the store failed (any route's): its next answer is a recovery.
  let failing = false
  return {
    kind: 'throttle',
    compile(route) {
      const stageLimit = route.apiKind === 'REST' ? restLimit(route.stage.methodSettings, route.resourcePath, route.httpMethod) : httpLimit(route)
      const stageBucket: BucketSpec | null = stageLimit ? Object.freeze({ key: `s|${route.api.id}|${route.stage.stageName}|${route.routeKey}`, rate: stageLimit.rate, burst: stageLimit.burst }) : null
      const accountBucket: BucketSpec | null = account ? Object.freeze({ key: 'acct', rate: account.rate, burst: account.burst }) : null
      const usesPlans = route.apiKind === 'REST' && route.method?.apiKeyRequired === true
      if (!stageBucket && !accountBucket && !usesPlans) return null
      const fixed: BucketSpec[] = []
      if (stageBucket) fixed.push(stageBucket)
      if (accountBucket) fixed.push(accountBucket)
      Object.freeze(fixed)
      const methodKey = `${route.resourcePath}/${route.httpMethod}`
      const admissions = new WeakMap<PlanBinding, Admission>()
      const admission = (binding: PlanBinding): Admission => admissionOf(admissions, binding, methodKey, fixed)

      const decide = (r: AdmitResult): undefined => {
        if (failing) {
          failing = false
          opts.onStoreRecovered?.()
        }
        if (r.allowed) return undefined
        throw new GatewayError(r.refusedBy === 'bucket' ? 'THROTTLED' : 'QUOTA_EXCEEDED', undefined)
      }
      const unavailable = (err: unknown): undefined => {
        if (!(err instanceof StateStoreUnavailableError)) throw err
        failing = true
        opts.onStoreError?.(err)
        if (!failOpen) throw new GatewayError('STATE_STORE_UNAVAILABLE', undefined, { cause: err, headers: RETRY_AFTER, reported })
        return undefined
      }
      // One state-store call per request: every bucket and the quota together (admit). An in-process store
      // decides synchronously, so the runner goes on without an await.
      const request = (ctx: RequestContext): undefined | Promise<undefined> => {
        const binding = usesPlans ? ctx.usagePlan : null
        const t = now()
        let buckets: readonly BucketSpec[] = fixed
        let quota: QuotaSpec | null = null
        if (binding) {
          const a = admission(binding)
          buckets = a.buckets
          quota = quotaAt(a, t)
        }
        if (buckets.length === 0 && quota === null) return undefined
        const state = opts.state()
        if (state.admitSync !== undefined) {
          let r: AdmitResult
          try {
            r = state.admitSync(buckets, quota, t)
          } catch (err) {
            return unavailable(err)
          }
          return decide(r)
        }
        return state.admit(buckets, quota, t).then(decide, unavailable)
      }
      const step: Step = {
        name: 'throttle',
        request,
        describe: () => ({ buckets: fixed.map((b) => ({ key: b.key, rate: b.rate, burst: b.burst })), ...(usesPlans ? { usagePlans: true } : {}) }),
      }
      return step
    },
  }
}
