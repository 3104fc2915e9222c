// Compiles API keys and usage plans into the data plane's key index (src/dataplane/keys.ts): one binding per
// (key, plan, API stage), with the keys of its buckets and quota counter built here rather than per request.

import type { ApiKey, ThrottleSettings, UsagePlan } from '../../model/types.js'
import { keyBucketKey, methodBucketPrefix, quotaKey } from '../../dataplane/keys.js'
import type { KeyEntry, KeyIndex, Limit, PlanBinding } from '../../dataplane/keys.js'

function limit(t: ThrottleSettings | undefined): Limit | null {
  if (!t || (t.rateLimit === undefined && t.burstLimit === undefined)) return null
  // A plan that sets only one of the two leaves the other unbounded by this bucket ([K]).
  return { rate: t.rateLimit ?? Number.MAX_SAFE_INTEGER, burst: t.burstLimit ?? Number.MAX_SAFE_INTEGER }
}

export function compileKeyIndex(keys: readonly ApiKey[], plans: readonly UsagePlan[], warn: (m: string) => void): KeyIndex {
  const bindingsByKey = new Map<string, Map<string, PlanBinding>>()
  for (const plan of [...plans].sort((a, b) => a.id.localeCompare(b.id))) {
    const keyLimit = limit(plan.throttle)
    const quota = plan.quota ? Object.freeze({ limit: plan.quota.limit, offset: plan.quota.offset ?? 0, period: plan.quota.period }) : null
    for (const stage of plan.apiStages) {
      const methodThrottle = new Map<string, Limit>()
      for (const [path, t] of Object.entries(stage.throttle ?? {})) {
        const l = limit(t)
        if (l) methodThrottle.set(path, l)
      }
      const stageKey = `${stage.apiId}/${stage.stage}`
      for (const keyId of plan.keyIds ?? []) {
        let m = bindingsByKey.get(keyId)
        if (!m) bindingsByKey.set(keyId, (m = new Map()))
        const other = m.get(stageKey)
        if (other) {
          warn(`API key ${keyId} is in usage plans ${other.planId} and ${plan.id} for the same stage ${stageKey}; ${other.planId} applies`)
          continue
        }
        const binding: PlanBinding = Object.freeze({
          planId: plan.id,
          keyId,
          keyBucket: keyLimit ? Object.freeze({ key: keyBucketKey(plan.id, keyId), rate: keyLimit.rate, burst: keyLimit.burst }) : null,
          methodThrottle,
          methodBucketPrefix: methodBucketPrefix(plan.id, keyId, stage.apiId, stage.stage),
          quotaKey: quotaKey(plan.id, keyId),
          quota,
        })
        m.set(stageKey, binding)
      }
    }
  }
  const byValue = new Map<string, KeyEntry>()
  for (const k of keys) {
    if (byValue.has(k.value)) {
      warn(`API keys ${byValue.get(k.value)!.id} and ${k.id} have the same value; ${k.id} is ignored`)
      continue
    }
    byValue.set(k.value, Object.freeze({ id: k.id, value: k.value, name: k.name, enabled: k.enabled, stages: bindingsByKey.get(k.id) ?? new Map() }))
  }
  return Object.freeze({ byValue })
}
