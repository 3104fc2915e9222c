// Usage records and quota state for the admin API (§7.2 GetUsage / UpdateUsage), read from the QuotaStore
// under the same keys the throttle step counts with (`quotaKey`, src/dataplane/keys.ts).

import type { UsagePlan } from '../model/types.js'
import type { QuotaStore } from '../store/port/ports.js'
import { quotaPeriod } from '../store/port/state-rules.js'
import { quotaKey } from '../dataplane/keys.js'

export interface UsageReaderLike {
  getUsage(planId: string, keyId: string, fromDay: string, toDay: string): Promise<Array<{ day: string; used: number }>>
  remaining(planId: string, keyId: string, plan: UsagePlan): Promise<number | null>
  adjust?(planId: string, keyId: string, plan: UsagePlan, remaining: number): Promise<void>
}

export function stateUsageReader(state: () => QuotaStore, now: () => number = Date.now): UsageReaderLike {
  return {
    getUsage: (planId, keyId, from, to) => state().getUsage(quotaKey(planId, keyId), from, to),
    async remaining(planId, keyId, plan) {
      if (!plan.quota) return null
      const s = await state().quotaStatus(quotaKey(planId, keyId), plan.quota.limit, quotaPeriod(plan.quota.period, plan.quota.offset ?? 0, now()))
      return s.remaining
    },
    async adjust(planId, keyId, plan, remaining) {
      if (!plan.quota) return
      const t = now()
      await state().adjustQuota(quotaKey(planId, keyId), quotaPeriod(plan.quota.period, plan.quota.offset ?? 0, t), remaining, t)
    },
  }
}
