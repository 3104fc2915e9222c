// Compiles API keys and usage plans into the data plane's key index (src/dataplane/keys.ts).

import type { ApiKey, ThrottleSettings, UsagePlan } from '../../model/types.js'
import type { KeyEntry, KeyIndex, Limit, PlanBinding } from '../../dataplane/keys.js'

function limit(t: ThrottleSettings | undefined): Limit | null {
  if (!t || (t.rateLimit === undefined && t.burstLimit === undefined)) return null
  // A plan that sets only one of the two leaves the other unbounded by this bucket ([K]).
  return { rate: t.rateLimit ?? Number.MAX_SAFE_INTEGER, burst: t.burstLimit ?? Number.MAX_SAFE_INTEGER }
}

export function compileKeyIndex(keys: readonly ApiKey[], plans: readonly UsagePlan[], warn: (m: string) => void): KeyIndex {
  const bindingsByKey = new Map<string, Map<string, PlanBinding>>()
  for (const plan of [...plans].sort((a, b) => a.id.localeCompare(b.id))) {
    for (const stage of plan.apiStages) {
      const methodThrottle = new Map<string, Limit>()
      for (const [path, t] of Object.entries(stage.throttle ?? {})) {
        const l = limit(t)
        if (l) methodThrottle.set(path, l)
      }
      const binding: PlanBinding = Object.freeze({
        planId: plan.id,
        throttle: limit(plan.throttle),
        methodThrottle,
        quota: plan.quota ? { limit: plan.quota.limit, offset: plan.quota.offset ?? 0, period: plan.quota.period } : null,
      })
      const stageKey = `${stage.apiId}/${stage.stage}`
      for (const keyId of plan.keyIds ?? []) {
        let m = bindingsByKey.get(keyId)
        if (!m) bindingsByKey.set(keyId, (m = new Map()))
        const other = m.get(stageKey)
        if (other) {
          warn(`API key ${keyId} is in usage plans ${other.planId} and ${plan.id} for the same stage ${stageKey}; ${other.planId} applies`)
          continue
        }
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
