// The API-key index the data plane consults (§7.1, §7.2): key value → key, and for each API stage the
// usage plan that admits it, with that plan's throttles and quota. Built by the compiler from the
// `apikey` and `usageplan` documents; swapped with the plan, so a new key works at once on every node.

export interface Limit {
  readonly rate: number
  readonly burst: number
}

export interface PlanBinding {
  readonly planId: string
  /** The plan's per-key bucket (§7.2 `throttle`), null when the plan sets none. */
  readonly throttle: Limit | null
  /** Per-method buckets of this API stage, keyed `"/pets/GET"`; `"/*\/*"` applies to every method. */
  readonly methodThrottle: ReadonlyMap<string, Limit>
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
