// The AWS JSON of API keys, usage plans and usage plan keys, as the recordings show them
// (test_apigateway_extended TestApigatewayApiKeysCrud, cloudformation test_update_usage_plan).

import type { ApiKey, UsagePlan } from '../../model/types.js'
import { epochSeconds } from './http.js'

/**
 * An ApiKey as AWS answers. `value` only when asked for (create, `includeValue(s)=true`); `tags` always on a
 * single-key GET or PATCH, and only when there are some on create and in lists (recorded shapes).
 */
export function apiKeyJson(key: ApiKey, opts: { value: boolean; tags: 'always' | 'nonEmpty' }): Record<string, unknown> {
  const out: Record<string, unknown> = { id: key.id }
  if (opts.value) out.value = key.value
  if (key.name !== undefined) out.name = key.name
  if (key.customerId !== undefined) out.customerId = key.customerId
  if (key.description !== undefined) out.description = key.description
  out.enabled = key.enabled
  out.createdDate = epochSeconds(key.createdDate)
  out.lastUpdatedDate = epochSeconds(key.lastUpdatedDate)
  out.stageKeys = [...key.stageKeys]
  if (opts.tags === 'always' || Object.keys(key.tags).length > 0) out.tags = { ...key.tags }
  return out
}

/** A UsagePlan as AWS answers: without the internal `keyIds`; `tags` as for keys. */
export function usagePlanJson(plan: UsagePlan, opts: { tags: 'always' | 'nonEmpty' }): Record<string, unknown> {
  const out: Record<string, unknown> = { id: plan.id, name: plan.name }
  if (plan.description !== undefined) out.description = plan.description
  out.apiStages = plan.apiStages.map((s) => (s.throttle && Object.keys(s.throttle).length > 0 ? { apiId: s.apiId, stage: s.stage, throttle: s.throttle } : { apiId: s.apiId, stage: s.stage }))
  if (plan.throttle !== undefined) out.throttle = { ...plan.throttle }
  if (plan.quota !== undefined) out.quota = { ...plan.quota }
  if (plan.productCode !== undefined) out.productCode = plan.productCode
  if (opts.tags === 'always' || Object.keys(plan.tags).length > 0) out.tags = { ...plan.tags }
  return out
}

/** A UsagePlanKey: `{id, type: "API_KEY", value, name}` (recorded). */
export function usagePlanKeyJson(key: ApiKey): Record<string, unknown> {
  const out: Record<string, unknown> = { id: key.id, type: 'API_KEY', value: key.value }
  if (key.name !== undefined) out.name = key.name
  return out
}
