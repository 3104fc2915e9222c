// The step factories a gateway runs when it is given none: one entry per kind of step that exists. The
// compiler orders a route's steps by STEP_ORDER (src/dataplane/plan.ts), not by their place in this list.

import type { StepFactory } from '../controlplane/compile/compile.js'
import { validationStep } from './validate/index.js'

/** Every built-in step factory. */
export const DEFAULT_STEPS: readonly StepFactory[] = Object.freeze([validationStep])
