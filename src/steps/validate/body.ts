// Body validation (§9): the model for the request's content type, and the check of a buffered body against it.

import type { CompiledModel } from './models.js'
import { formatValidationErrorString } from './report.js'

/** Models by lower-cased content type, `$default` included, as compiled from a method's `requestModels`. */
export type ModelsByContentType = ReadonlyMap<string, CompiledModel>

/**
 * The model for a request: the one mapped to its media type (parameters and case ignored), else the
 * `$default` one [K]. No Content-Type counts as `application/json` (§9). Undefined: no validation (§9 [K]).
 */
export function modelFor(models: ModelsByContentType, contentType: string | undefined): CompiledModel | undefined {
  let media = 'application/json'
  if (contentType !== undefined) {
    const semi = contentType.indexOf(';')
    const m = (semi === -1 ? contentType : contentType.slice(0, semi)).trim().toLowerCase()
    if (m !== '') media = m
  }
  return models.get(media) ?? models.get('$default')
}

/**
 * The deepest nesting of objects and arrays a validated body may have: the default of Jackson's
 * StreamReadConstraints (`maxNestingDepth`), the JSON parser AWS's Java validator reads bodies with [K]. It
 * also keeps the validators' recursion (ajv's, the report's) far from the end of the stack: no request can
 * overflow it, whatever its model.
 */
export const MAX_BODY_DEPTH = 1000

/** True when `value` nests objects and arrays deeper than `max` (iterative: the value may be deeper than the stack). */
export function nestsDeeperThan(value: unknown, max: number): boolean {
  if (typeof value !== 'object' || value === null) return false
  const stack: Array<[object, number]> = [[value, 1]]
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!
    if (depth > max) return true
    for (const child of Array.isArray(node) ? node : Object.values(node)) {
      if (typeof child === 'object' && child !== null) stack.push([child, depth + 1])
    }
  }
  return false
}

/** Outcome of a body check: null when it conforms, else the `$context.error.validationErrorString` value. */
export function checkBody(model: CompiledModel, body: Buffer): string | null {
  let text = body.toString('utf8')
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1)
  // A body that is not JSON fails whatever the schema says (§9 [K]); AWS's wording for this case is not
  // recorded, so the reason is ours.
  if (text.trim() === '') return formatValidationErrorString(['request body is empty, expected JSON'])
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch (err) {
    return formatValidationErrorString([`request body is not valid JSON: ${(err as Error).message}`])
  }
  if (nestsDeeperThan(data, MAX_BODY_DEPTH)) return formatValidationErrorString([`request body nests objects and arrays more than ${MAX_BODY_DEPTH} levels deep`])
  if (model.validate(data)) return null
  return formatValidationErrorString(model.explain(data))
}
