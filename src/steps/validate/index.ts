// The request-validation step of REST methods (§9, pipeline position §2.8): required parameters, then the
// body against the model for its content type. Everything is compiled when the route is: the parameter
// getters, the content-type → model table and the ajv validators (shared through a ModelCache).
//
// Choices where §9 is silent, each [K]:
// - `format` is not enforced: which formats AWS checks, and how strictly, is not recorded; rejecting valid
//   requests would be worse than letting a malformed e-mail address through.
// - No `validationErrorString` is set for missing parameters; the message already names them.
// - A body is read (buffered) only when a model applies to the request's content type, so proxies of
//   methods without a body model keep streaming.

import type { Method, RestApi } from '../../model/types.js'
import type { RouteInfo, StepFactory, Step } from '../../dataplane/plan.js'
import type { RequestContext } from '../../dataplane/context.js'
import { GatewayError } from '../../errors.js'
import { ModelCache, type CompiledModel } from './models.js'
import { missingParameters, requiredParameters, type RequiredParameter } from './params.js'
import { checkBody, modelFor, type ModelsByContentType } from './body.js'

export { describeValidationErrors, formatValidationErrorString } from './report.js'
export { ModelCache, modelUrl } from './models.js'

/** A validation step factory with the cache of compiled models it owns. */
export interface ValidationStepFactory extends StepFactory {
  /** Model compilations so far (each model of each distinct API model set is compiled once). */
  readonly compiles: number
}

/** Builds a validation step factory with its own model cache. */
export function createValidationStep(): ValidationStepFactory {
  const cache = new ModelCache()
  return {
    kind: 'validate',
    get compiles() {
      return cache.compiles
    },
    compile(route: RouteInfo): Step | null {
      if (route.apiKind !== 'REST' || route.method === undefined) return null
      const method = route.method
      const validatorId = method.requestValidatorId
      if (validatorId === undefined || validatorId === '') return null
      const api = route.api as RestApi
      const validator = api.requestValidators[validatorId]
      if (validator === undefined) throw new Error(`request validator '${validatorId}' does not exist`)
      if (!validator.validateRequestBody && !validator.validateRequestParameters) return null
      const params = validator.validateRequestParameters ? requiredParameters(method) : []
      const models = validator.validateRequestBody ? compileRequestModels(api, method, cache) : new Map<string, CompiledModel>()
      if (params.length === 0 && models.size === 0) return null
      return new ValidationStep(params, models)
    },
  }
}

/** The step factory the gateway uses by default. */
export const validationStep: ValidationStepFactory = createValidationStep()

function compileRequestModels(api: RestApi, method: Method, cache: ModelCache): Map<string, CompiledModel> {
  const set = cache.forApi(api)
  const out = new Map<string, CompiledModel>()
  for (const [contentType, name] of Object.entries(method.requestModels)) {
    const compiled = set.get(name)
    if (compiled instanceof Error) throw new Error(`request model for ${contentType}: ${compiled.message}`)
    out.set(contentType.toLowerCase(), compiled)
  }
  return out
}

class ValidationStep implements Step {
  readonly name = 'validate'
  readonly #params: readonly RequiredParameter[]
  readonly #models: ModelsByContentType

  constructor(params: readonly RequiredParameter[], models: ModelsByContentType) {
    this.#params = params
    this.#models = models
  }

  describe(): unknown {
    return { parameters: this.#params.map((p) => p.name), models: [...this.#models.keys()] }
  }

  request(ctx: RequestContext): undefined | Promise<undefined> {
    // Parameters first: when both fail, the parameter error is the one reported (§9 [K]).
    if (this.#params.length > 0) {
      const missing = missingParameters(this.#params, ctx)
      if (missing.length > 0) throw new GatewayError('BAD_REQUEST_PARAMETERS', `Missing required request parameters: [${missing.join(', ')}]`)
    }
    if (this.#models.size === 0) return undefined
    const model = modelFor(this.#models, ctx.header('content-type'))
    if (model === undefined) return undefined
    // The body as the stage presents it: decompressed on REST APIs (§14.1), read once for every consumer.
    return ctx.body().then((body) => check(ctx, model, body))
  }
}

function check(ctx: RequestContext, model: CompiledModel, body: Buffer): undefined {
  const errors = checkBody(model, body)
  if (errors === null) return undefined
  ctx.validationError = errors
  throw new GatewayError('BAD_REQUEST_BODY', undefined)
}
