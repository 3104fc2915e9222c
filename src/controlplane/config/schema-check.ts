// Checks values against the model's JSON Schemas (src/model/schemas.ts) and turns ajv's errors into
// ConfigProblems a person can act on: a JSON-pointer path to the offending key or value, and a message
// (the schema's `x-message` where it has one, "did you mean" for misspelt keys).

import { Ajv } from 'ajv'
import type { ErrorObject, ValidateFunction } from 'ajv'
import type { ConfigProblem } from '../../errors.js'

let shared: Ajv | undefined

/** One ajv instance for the model schemas: every error (`allErrors`), with the failing schema node attached. */
export function modelAjv(): Ajv {
  if (!shared) {
    shared = new Ajv({ allErrors: true, verbose: true, strict: true })
    shared.addKeyword({ keyword: 'x-message', schemaType: 'string' })
  }
  return shared
}

const compiled = new WeakMap<object, ValidateFunction>()

/**
 * Validates `value` against `schema` and returns every problem, paths prefixed with `prefix`.
 * @example checkSchema(stageVariablesSchema, vars, { file: 'gatehouse.yaml', prefix: '/apis/0/stages/dev/variables' })
 */
export function checkSchema(schema: Record<string, unknown>, value: unknown, where: { file?: string; prefix?: string } = {}): ConfigProblem[] {
  let validate = compiled.get(schema)
  if (!validate) {
    validate = modelAjv().compile(schema)
    compiled.set(schema, validate)
  }
  if (validate(value)) return []
  return toProblems(validate.errors ?? [], where.file, where.prefix ?? '')
}

/** Escapes one JSON-pointer segment (RFC 6901). */
export function pointerSegment(key: string | number): string {
  return String(key).replace(/~/g, '~0').replace(/\//g, '~1')
}

function toProblems(errors: ErrorObject[], file: string | undefined, prefix: string): ConfigProblem[] {
  const out: ConfigProblem[] = []
  const seen = new Set<string>()
  for (const e of errors) {
    // The propertyNames wrapper repeats what its inner error (which names the key) already says.
    if (e.keyword === 'propertyNames') continue
    // So does an `if` wrapper (the `then`/`else` branch's own errors follow it).
    if (e.keyword === 'if') continue
    let path = prefix + e.instancePath
    let message: string
    const parent = (e.parentSchema ?? {}) as Record<string, unknown>
    const custom = typeof parent['x-message'] === 'string' ? (parent['x-message'] as string) : undefined
    if (e.propertyName !== undefined) {
      path += '/' + pointerSegment(e.propertyName)
      message = `invalid name "${e.propertyName}": ${custom ?? e.message ?? 'not allowed'}`
    } else if (e.keyword === 'additionalProperties') {
      const key = String((e.params as { additionalProperty: string }).additionalProperty)
      path += '/' + pointerSegment(key)
      const known = Object.keys((parent.properties ?? {}) as object)
      const guess = suggest(key, known)
      message = `unknown key "${key}"` + (guess ? ` (did you mean "${guess}"?)` : known.length ? `; known keys: ${known.join(', ')}` : '')
    } else if (e.keyword === 'required') {
      const key = String((e.params as { missingProperty: string }).missingProperty)
      path += '/' + pointerSegment(key)
      message = `"${key}" is required`
    } else if (e.keyword === 'enum') {
      const allowed = (e.params as { allowedValues: unknown[] }).allowedValues
      message = `must be one of: ${allowed.map((v) => JSON.stringify(v)).join(', ')} (found ${JSON.stringify(e.data)})`
    } else if (e.keyword === 'type') {
      message = `must be ${describeType((e.params as { type: string | string[] }).type)}`
    } else if (custom && typeof e.data === 'string') {
      const shown = e.data.length > 40 ? `${e.data.slice(0, 37)}...` : e.data
      message = `invalid value ${JSON.stringify(shown)}: ${custom}`
    } else if (custom) {
      message = custom
    } else if (e.keyword === 'minLength' && (e.params as { limit: number }).limit === 1) {
      message = 'must not be empty'
    } else {
      message = e.message ?? 'is invalid'
    }
    const key = path + '\0' + message
    if (seen.has(key)) continue
    seen.add(key)
    out.push(file === undefined ? { path, message } : { file, path, message })
  }
  return out
}

function describeType(type: string | string[]): string {
  const names: Record<string, string> = { object: 'a mapping (object)', array: 'a list', string: 'a string', integer: 'an integer', number: 'a number', boolean: 'true or false', null: 'null' }
  const list = Array.isArray(type) ? type : [type]
  return list.map((t) => names[t] ?? t).join(' or ')
}

/** The closest known key to a misspelt one (case-insensitive match or edit distance ≤ 2). */
export function suggest(key: string, known: string[]): string | undefined {
  let best: string | undefined
  let bestDistance = 3
  for (const k of known) {
    if (k.toLowerCase() === key.toLowerCase()) return k
    const d = editDistance(key.toLowerCase(), k.toLowerCase())
    if (d < bestDistance) {
      best = k
      bestDistance = d
    }
  }
  return best
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!
    row[0] = i
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!
      row[j] = Math.min(above + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1))
      diagonal = above
    }
  }
  return row[b.length]!
}
