// The step registry: `createSteps` builds one factory for every kind of step that exists, from the deps a
// gateway process gives them. The compiler orders a route's steps by STEP_ORDER (src/dataplane/plan.ts),
// not by their place in this list; a kind whose factory returns null for a route is left out of its plan.

import type { StepFactory } from '../dataplane/plan.js'
import { createPolicyStep, type PolicyStepOptions } from './policy/index.js'
import { createAuthStep, createWsAuthorization, type AuthStepOptions } from './auth/index.js'
import { apiKeyStep, planBindingOf } from './apikey/index.js'
import { createThrottleStep, createUsageAdmitter, type ThrottleOptions } from './throttle/index.js'
import type { WsConnectGuard, WsGrant, WsGuardFactory, WsUsage } from '../dataplane/websocket/plan.js'
import { errorSpec, GatewayError } from '../errors.js'
import { validationStep } from './validate/index.js'
import { transformStep } from './transform/index.js'
import { createCacheStep, type CacheStepOptions } from './cache/index.js'

export interface StepDeps {
  policy?: PolicyStepOptions
  auth: AuthStepOptions
  throttle: ThrottleOptions
  /** The REST stage cache (§8); without it no route is cached. */
  cache?: CacheStepOptions
}

/** Every built-in step kind: policy, auth, apikey, throttle, validate, cache (given a response cache), transform. */
export function createSteps(deps: StepDeps): readonly StepFactory[] {
  const steps = [createPolicyStep(deps.policy), createAuthStep(deps.auth), apiKeyStep, createThrottleStep(deps.throttle), validationStep, transformStep]
  if (deps.cache !== undefined) steps.push(createCacheStep(deps.cache))
  return Object.freeze(steps)
}

/** The steps that need nothing of the process (no runtime, no state): what a bare compile uses. */
export const STATELESS_STEPS: readonly StepFactory[] = Object.freeze([apiKeyStep, validationStep, transformStep])

export { transformStep, validationStep, apiKeyStep }

/**
 * `$connect` access control of WebSocket APIs (§10.6): the route's authorization (Lambda REQUEST authorizer or
 * AWS_IAM), then, with `apiKeyRequired`, the API key picked by the API's `apiKeySelectionExpression`
 * (`$request.header.x-api-key`, or `$context.authorizer.usageIdentifierKey` from the authorizer) checked as
 * REST checks it, and the connect counted against its usage plan; the grant then meters each message of the
 * connection against the same plan. Refusals carry the HTTP status the upgrade is refused with.
 */
export function createWsConnectGuards(deps: Pick<StepDeps, 'auth' | 'throttle'>): WsGuardFactory {
  const authorization = createWsAuthorization(deps.auth)
  const admitter = createUsageAdmitter({ state: deps.throttle.state, ...(deps.throttle.now ? { now: deps.throttle.now } : {}) })
  return (api, stage, route) => {
    if (route.routeKey !== '$connect') return null
    const auth = authorization(api, stage, route)
    const keyRequired = route.apiKeyRequired === true
    if (auth === null && !keyRequired) return null
    const fromAuthorizer = api.apiKeySelectionExpression === '$context.authorizer.usageIdentifierKey'
    const stageKey = `${api.id}/${stage.stageName}`
    const guard: WsConnectGuard = {
      describe: () => ({ authorizationType: route.authorizationType, ...(route.authorizerId ? { authorizerId: route.authorizerId } : {}), ...(keyRequired ? { apiKeyRequired: true, apiKeySelectionExpression: fromAuthorizer ? '$context.authorizer.usageIdentifierKey' : '$request.header.x-api-key' } : {}) }),
      async check(req) {
        try {
          const granted = auth === null ? {} : await auth(req)
          let identity = granted.identity
          let usage: WsUsage | undefined
          if (keyRequired) {
            const value = fromAuthorizer ? granted.usageIdentifierKey : req.conn.lowerHeaders['x-api-key']
            const { key, binding } = planBindingOf(req.keys, value, stageKey)
            const admit = admitter(binding, '$connect')
            const first = await admit()
            if (first !== 'OK') throw new GatewayError(first, undefined)
            identity = { ...identity, apiKey: value as string, apiKeyId: key.id }
            usage = { admit }
          }
          const grant: WsGrant = { ...(granted.authorizer ? { authorizer: granted.authorizer } : {}), ...(identity ? { identity } : {}), ...(usage ? { usage } : {}) }
          return { ok: true, grant }
        } catch (err) {
          if (!(err instanceof GatewayError)) throw err
          const cause = err.cause instanceof Error ? `: ${err.cause.message}` : ''
          return { ok: false, status: errorSpec(err.code).status, reason: `${err.code}${cause}` }
        }
      },
    }
    return guard
  }
}
