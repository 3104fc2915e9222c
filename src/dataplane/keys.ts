// The API-key index the data plane consults (§7.1, §7.2): key value → key, and for each API stage the
// usage plan that admits it, with that plan's throttles and quota and the state-store keys they are counted
// under, built once per key. Built by the compiler from the `apikey` and `usageplan` documents; swapped with
// the plan, so a new key works at once on every node.

export interface Limit {
  readonly rate: number
  readonly burst: number
}

/** A bucket with the key it is kept under: a BucketSpec of the state store (src/store/port/ports.ts). */
export interface KeyedLimit extends Limit {
  readonly key: string
}

/** One API key's place in one usage plan for one API stage (§7.2), with its state keys precompiled. */
export interface PlanBinding {
  readonly planId: string
  readonly keyId: string
  /** The plan's per-key bucket (§7.2 `throttle`), keyed by plan and key; null when the plan sets none. */
  readonly keyBucket: KeyedLimit | null
  /** Per-method buckets of this API stage, keyed `"/pets/GET"`; `"/*\/*"` applies to every method. */
  readonly methodThrottle: ReadonlyMap<string, Limit>
  /** The key of a per-method bucket is this prefix + the route's `"/pets/GET"` (each method its own bucket). */
  readonly methodBucketPrefix: string
  /** The key this API key's quota counter and usage records in this plan are kept under (`quotaKey`). */
  readonly quotaKey: string
  readonly quota: { readonly limit: number; readonly offset: number; readonly period: 'DAY' | 'WEEK' | 'MONTH' } | null
}

export interface KeyEntry {
  readonly id: string
  readonly value: string
  readonly name: string | undefined
  readonly enabled: boolean
  /** `${apiId}/${stage}` → the (only) plan binding the key to that stage. */
  readonly stages: ReadonlyMap<string, PlanBinding>
}

export interface KeyIndex {
  readonly byValue: ReadonlyMap<string, KeyEntry>
}

export const EMPTY_KEY_INDEX: KeyIndex = Object.freeze({ byValue: new Map() })

/** The state-store key of a key's quota counter and usage records in a plan; the admin API reads usage by it. */
export function quotaKey(planId: string, keyId: string): string {
  return `q|${planId}|${keyId}`
}

/** The state-store key of a key's per-key bucket in a plan: one bucket across every stage of the plan (§7.2). */
export function keyBucketKey(planId: string, keyId: string): string {
  return `pk|${planId}|${keyId}`
}

/** The prefix of a key's per-method bucket keys in a plan on one API stage. */
export function methodBucketPrefix(planId: string, keyId: string, apiId: string, stage: string): string {
  return `pm|${planId}|${keyId}|${apiId}|${stage}|`
}
