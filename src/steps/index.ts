// The step registry: `createSteps` builds one factory for every kind of step that exists, from the deps a
// gateway process gives them. The compiler orders a route's steps by STEP_ORDER (src/dataplane/plan.ts),
// not by their place in this list; a kind whose factory returns null for a route is left out of its plan.

import type { StepFactory } from '../dataplane/plan.js'
import { createPolicyStep, type PolicyStepOptions } from './policy/index.js'
import { createAuthStep, type AuthStepOptions } from './auth/index.js'
import { apiKeyStep } from './apikey/index.js'
import { createThrottleStep, type ThrottleOptions } from './throttle/index.js'
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
