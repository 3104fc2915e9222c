// The API-key step (§2.6, §7.1): for methods with apiKeyRequired, the key from `x-api-key` (HEADER source)
// or the authorizer's usageIdentifierKey (AUTHORIZER source) must exist, be enabled, and be in a usage plan
// that includes this API stage. Every failure is 403 {"message":"Forbidden"}, never 401.

import type { RestApi } from '../../model/types.js'
import type { StepFactory, Step } from '../../dataplane/plan.js'
import type { KeyEntry, KeyIndex, PlanBinding } from '../../dataplane/keys.js'
import { GatewayError } from '../../errors.js'

/**
 * The core of the API-key check, shared with WebSocket `$connect` (§10.6): the key must exist, be enabled and
 * be in a usage plan of this API stage (`{apiId}/{stage}`); otherwise 403 INVALID_API_KEY.
 */
export function planBindingOf(keys: KeyIndex, value: unknown, stageKey: string): { key: KeyEntry; binding: PlanBinding } {
  if (typeof value !== 'string' || value === '') throw new GatewayError('INVALID_API_KEY', 'Forbidden')
  const key = keys.byValue.get(value)
  if (key === undefined || !key.enabled) throw new GatewayError('INVALID_API_KEY', 'Forbidden')
  const binding = key.stages.get(stageKey)
  if (binding === undefined) throw new GatewayError('INVALID_API_KEY', 'Forbidden')
  return { key, binding }
}

export const apiKeyStep: StepFactory = {
  kind: 'apikey',
  compile(route) {
    if (route.apiKind !== 'REST' || route.method?.apiKeyRequired !== true) return null
    const fromAuthorizer = (route.api as RestApi).apiKeySource === 'AUTHORIZER'
    const stageKey = `${route.api.id}/${route.stage.stageName}`
    const step: Step = {
      name: 'apikey',
      describe: () => ({ source: fromAuthorizer ? 'AUTHORIZER' : 'HEADER' }),
      request(ctx) {
        let value: unknown
        if (fromAuthorizer) value = ctx.usageIdentifierKey
        else {
          const h = ctx.exchange.headers['x-api-key']
          value = Array.isArray(h) ? h[h.length - 1] : h
        }
        const { key, binding } = planBindingOf(ctx.keys, value, stageKey)
        ctx.apiKey = value as string
        ctx.apiKeyId = key.id
        ctx.usagePlan = binding
        return undefined
      },
    }
    return step
  },
}
