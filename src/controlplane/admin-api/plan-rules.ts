// The rules that span documents: an API stage in a usage plan must be a served REST API stage, and an API
// key may be in only one usage plan per API stage (§7.2).

import type { ConfigStore, StoredDoc } from '../../store/port/ports.js'
import type { Api, ApiKey, ApiStage, UsagePlan } from '../../model/types.js'
import { stageDocId } from '../config/store-plan.js'
import { AdminApiError, conflict } from './http.js'

/** `apiId:stage`, the form AWS uses for an API stage in patch values and messages. */
export function stageRef(s: Pick<ApiStage, 'apiId' | 'stage'>): string {
  return `${s.apiId}:${s.stage}`
}

/** AWS's message for an API stage that does not exist, or is not in the plan (§16.3). */
export function invalidApiStage(s: Pick<ApiStage, 'apiId' | 'stage'>, plan: string, status: 400 | 404 = 400): AdminApiError {
  const message = `Invalid API Stage {api: ${s.apiId}, stage: ${s.stage}} specified for usageplan ${plan}`
  return new AdminApiError(status, status === 400 ? 'BadRequestException' : 'NotFoundException', message)
}

/**
 * Throws unless the stage exists on a REST API. HTTP APIs have no API keys (§7.1), so their stages cannot be
 * in a usage plan. `plan` names the plan in the message (its name on create, its id on update).
 */
export async function checkStageExists(store: ConfigStore, s: Pick<ApiStage, 'apiId' | 'stage'>, plan: string): Promise<void> {
  const [api, stage] = await Promise.all([store.get<Api>('api', s.apiId), store.get('stage', stageDocId({ apiId: s.apiId, stageName: s.stage }))])
  // §7.1, §10.6: REST and WebSocket API stages take usage plans; HTTP APIs have none.
  if (!api || !stage || (api.value.kind !== 'REST' && !(api.value.kind === 'HTTP' && api.value.protocolType === 'WEBSOCKET'))) throw invalidApiStage(s, plan)
}

/**
 * Throws a ConflictException when one of `keyIds`, with the plan `planId` covering `stages`, would be in two
 * plans for the same API stage. `plans` are all stored plans (the plan itself is skipped).
 */
export function checkOnePlanPerStage(planId: string, stages: readonly ApiStage[], keyIds: readonly string[], plans: ReadonlyArray<StoredDoc<UsagePlan>>): void {
  const wanted = new Set(stages.map(stageRef))
  for (const other of plans) {
    if (other.id === planId) continue
    const shared = other.value.apiStages.map(stageRef).filter((ref) => wanted.has(ref))
    if (shared.length === 0) continue
    const key = keyIds.find((k) => other.value.keyIds.includes(k))
    if (key === undefined) continue
    // §7.2 [K]: AWS's exact wording for this refusal is not recorded.
    throw conflict(`Usage Plan ${planId} cannot be used with API Key ${key}: the key is already in usage plan ${other.id} for API stage ${shared[0]}, and a key can be in only one usage plan per API stage`)
  }
}

/** The plan's keys that still exist, in the order they were added. */
export function existingKeys(plan: UsagePlan, keys: ReadonlyMap<string, StoredDoc<ApiKey>>): Array<StoredDoc<ApiKey>> {
  return plan.keyIds.flatMap((id) => {
    const k = keys.get(id)
    return k ? [k] : []
  })
}
