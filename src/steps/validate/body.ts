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
  if (model.validate(data)) return null
  return formatValidationErrorString(model.explain(data))
}
