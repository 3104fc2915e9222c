// Why a body failed its model, in the words AWS uses for `$context.error.validationErrorString` (§9): AWS
// validates with the Java json-schema-validator (draft 4), so this walks the schema the way that library does
// and words each failure as it does. It only runs after ajv has rejected a body; ajv decides validity.
// Patterns run on RE2 (src/regex), compiled with the model at deploy time, like ajv's.

import { compileRegex, RegexSyntaxError, type UserRegex } from '../../regex/index.js'

/** A JSON Schema (draft 4) object as stored in a model. */
export type SchemaNode = Record<string, unknown>

/** Finds the schema a `$ref` names: `#/pointer` inside `root`, or a model URL (with an optional fragment). */
export type RefResolver = (ref: string, root: SchemaNode) => { schema: unknown; root: SchemaNode } | undefined

/** The compiled form of a schema `pattern` (ECMA 262); undefined when it cannot run. */
export type PatternLookup = (pattern: string) => UserRegex | undefined

const MAX_DEFAULT = 256
const defaultCache = new Map<string, UserRegex | undefined>()

/** Compiles patterns on first use, for callers without a model set's own compiled patterns. */
export const compilePattern: PatternLookup = (pattern) => {
  if (defaultCache.has(pattern)) return defaultCache.get(pattern)
  let re: UserRegex | undefined
  try {
    re = compileRegex(pattern, 'ecma')
  } catch (err) {
    if (!(err instanceof RegexSyntaxError)) throw err
  }
  if (defaultCache.size >= MAX_DEFAULT) defaultCache.clear()
  defaultCache.set(pattern, re)
  return re
}

/**
 * Keywords that are never enforced. §9: `minItems`/`maxItems` are not part of API Gateway's simple validation
 * [DOC]; the compiled ajv validators leave them out too so that both agree.
 */
export const UNENFORCED_KEYWORDS: readonly string[] = ['minItems', 'maxItems']

/** A schema applied to a value, on the way down (loop guard). */
type Frame = [SchemaNode, unknown]

/** The draft-4 primitive types, in the order the Java library lists them. */
const TYPE_ORDER = ['array', 'boolean', 'integer', 'null', 'number', 'object', 'string']

function typeOf(v: unknown): string {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'array'
  switch (typeof v) {
    case 'boolean':
      return 'boolean'
    case 'string':
      return 'string'
    case 'number':
      return Number.isInteger(v) ? 'integer' : 'number'
    default:
      return 'object'
  }
}

function isObject(v: unknown): v is SchemaNode {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** JSON as Jackson prints a node: compact. */
function json(v: unknown): string {
  return JSON.stringify(v) ?? 'null'
}

function num(v: unknown): string {
  return String(v)
}

function codePoints(s: string): number {
  let n = 0
  for (const _ of s) n++
  return n
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i]))
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a)
    if (ka.length !== Object.keys(b).length) return false
    return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && deepEqual(a[k], b[k]))
  }
  return false
}

// A pattern that cannot run never fails a value (ajv refused the model before any body got here).
function regexMatches(patterns: PatternLookup, pattern: string, s: string): boolean {
  const re = patterns(pattern)
  return re === undefined || re.test(s)
}

/**
 * The failure messages for `data` against `schema`, in the Java library's order: keywords of a node first,
 * then its children (object members in sorted name order, array items by index), and no descent into
 * children once any failure has been reported (its default, non-deep check). Combinators (`allOf`, `anyOf`,
 * `oneOf`, `not`) check their branches on the side and report one message of their own. `format` is not
 * checked (see the step's header comment), nor are the UNENFORCED_KEYWORDS.
 *
 * @example
 * describeValidationErrors({ type: 'object', required: ['name'] }, {}, resolver)
 * // → ['object has missing required properties (["name"])']
 */
export function describeValidationErrors(schema: SchemaNode, data: unknown, resolve: RefResolver, patterns: PatternLookup = compilePattern): string[] {
  const out: string[] = []
  visit(schema, schema, data, out, { resolve, patterns }, [])
  return out
}

/** What the walk needs besides the schema and the value. */
interface Walk {
  readonly resolve: RefResolver
  readonly patterns: PatternLookup
}

/**
 * `$context.error.validationErrorString`: the messages as a Java list (`[a, b]`), escaped for use inside a
 * JSON string, as AWS gives it (§9 shows `[object has missing required properties ([\"name\"])]`).
 */
export function formatValidationErrorString(messages: readonly string[]): string {
  return JSON.stringify('[' + messages.join(', ') + ']').slice(1, -1)
}

/** Follows `$ref` chains (draft 4: a `$ref` replaces its siblings). A chain that loops resolves to nothing. */
function deref(schema: unknown, root: SchemaNode, resolve: RefResolver): { schema: SchemaNode; root: SchemaNode } | undefined {
  let s = schema
  let r = root
  const seen = new Set<unknown>()
  while (isObject(s) && typeof s.$ref === 'string') {
    if (seen.has(s)) return undefined
    seen.add(s)
    const hit = resolve(s.$ref, r)
    if (hit === undefined) return undefined
    s = hit.schema
    r = hit.root
  }
  return isObject(s) ? { schema: s, root: r } : undefined
}

function visit(schema0: unknown, root0: SchemaNode, data: unknown, out: string[], w: Walk, stack: Frame[]): void {
  const found = deref(schema0, root0, w.resolve)
  if (found === undefined) return
  const { schema, root } = found
  // The same schema on the same value again, from inside itself (`{"allOf":[{"$ref":<self>}]}`): a loop that
  // the Java library refuses as well; stop rather than recurse for ever.
  if (stack.some(([s, d]) => s === schema && d === data)) return
  stack.push([schema, data])
  try {
    checkKeywords(schema, root, data, out, w, stack)
    if (out.length === 0) visitChildren(schema, root, data, out, w, stack)
  } finally {
    stack.pop()
  }
}

function visitChildren(schema: SchemaNode, root: SchemaNode, data: unknown, out: string[], w: Walk, stack: Frame[]): void {
  if (Array.isArray(data)) {
    const items = schema.items
    const additional = schema.additionalItems
    data.forEach((item, i) => {
      let child: unknown
      if (Array.isArray(items)) child = i < items.length ? items[i] : isObject(additional) ? additional : undefined
      else if (isObject(items)) child = items
      if (child !== undefined) visit(child, root, item, out, w, stack)
    })
  } else if (isObject(data)) {
    const props = isObject(schema.properties) ? schema.properties : {}
    const patterns = isObject(schema.patternProperties) ? schema.patternProperties : {}
    const additional = schema.additionalProperties
    for (const key of Object.keys(data).sort()) {
      const children: unknown[] = []
      if (Object.prototype.hasOwnProperty.call(props, key)) children.push(props[key])
      for (const [re, s] of Object.entries(patterns)) if (regexMatches(w.patterns, re, key)) children.push(s)
      if (children.length === 0 && isObject(additional)) children.push(additional)
      for (const c of children) visit(c, root, data[key], out, w, stack)
    }
  }
}

/** Whether `data` passes `schema` (a branch of a combinator), using the same walk. */
function passes(schema: unknown, root: SchemaNode, data: unknown, w: Walk, stack: Frame[]): boolean {
  const sub: string[] = []
  visit(schema, root, data, sub, w, stack)
  return sub.length === 0
}

function checkKeywords(s: SchemaNode, root: SchemaNode, data: unknown, out: string[], w: Walk, stack: Frame[]): void {
  const type = typeOf(data)

  if (s.type !== undefined) {
    const declared = Array.isArray(s.type) ? s.type : [s.type]
    const allowed = new Set(declared.filter((t): t is string => typeof t === 'string'))
    if (allowed.has('number')) allowed.add('integer')
    if (!allowed.has(type)) {
      const list = TYPE_ORDER.filter((t) => allowed.has(t))
      out.push(`instance type (${type}) does not match any allowed primitive type (allowed: ${json(list)})`)
    }
  }
  if (Array.isArray(s.enum) && !s.enum.some((e) => deepEqual(e, data))) {
    out.push(`instance value (${json(data)}) not found in enum (possible values: ${json(s.enum)})`)
  }

  if (type === 'integer' || type === 'number') {
    const n = data as number
    if (typeof s.minimum === 'number') {
      if (s.exclusiveMinimum === true && n <= s.minimum) out.push(`numeric instance is not strictly greater than the required minimum ${num(s.minimum)}`)
      else if (n < s.minimum) out.push(`numeric instance is lower than the required minimum (minimum: ${num(s.minimum)}, found: ${num(n)})`)
    }
    if (typeof s.maximum === 'number') {
      if (s.exclusiveMaximum === true && n >= s.maximum) out.push(`numeric instance is not strictly lower than the required maximum ${num(s.maximum)}`)
      else if (n > s.maximum) out.push(`numeric instance is greater than the required maximum (maximum: ${num(s.maximum)}, found: ${num(n)})`)
    }
    if (typeof s.multipleOf === 'number' && s.multipleOf > 0) {
      const q = n / s.multipleOf
      if (q !== Math.trunc(q)) out.push(`remainder of division is not zero (${num(n)} / ${num(s.multipleOf)})`)
    }
  } else if (type === 'string') {
    const str = data as string
    const len = codePoints(str)
    if (typeof s.minLength === 'number' && len < s.minLength) out.push(`string "${str}" is too short (length: ${len}, required minimum: ${s.minLength})`)
    if (typeof s.maxLength === 'number' && len > s.maxLength) out.push(`string "${str}" is too long (length: ${len}, maximum allowed: ${s.maxLength})`)
    if (typeof s.pattern === 'string' && !regexMatches(w.patterns, s.pattern, str)) out.push(`ECMA 262 regex "${s.pattern}" does not match input string "${str}"`)
  } else if (type === 'array') {
    const arr = data as unknown[]
    if (s.uniqueItems === true && arr.some((x, i) => arr.findIndex((y) => deepEqual(x, y)) !== i)) out.push('array must not contain duplicate elements')
    if (Array.isArray(s.items) && s.additionalItems === false && arr.length > s.items.length) {
      out.push(`schema only allows ${s.items.length} elements in array but instance has ${arr.length} elements`)
    }
  } else if (type === 'object') {
    const obj = data as SchemaNode
    const keys = Object.keys(obj)
    if (Array.isArray(s.required)) {
      const missing = s.required.filter((r): r is string => typeof r === 'string' && !Object.prototype.hasOwnProperty.call(obj, r)).sort()
      if (missing.length > 0) out.push(`object has missing required properties (${json([...new Set(missing)])})`)
    }
    if (typeof s.minProperties === 'number' && keys.length < s.minProperties) {
      out.push(`object has too few properties (found ${keys.length} but schema requires at least ${s.minProperties})`)
    }
    if (typeof s.maxProperties === 'number' && keys.length > s.maxProperties) {
      out.push(`object has too many properties (found ${keys.length} but schema requires at most ${s.maxProperties})`)
    }
    if (s.additionalProperties === false) {
      const props = isObject(s.properties) ? s.properties : {}
      const patterns = isObject(s.patternProperties) ? Object.keys(s.patternProperties) : []
      const unwanted = keys.filter((k) => !Object.prototype.hasOwnProperty.call(props, k) && !patterns.some((p) => regexMatches(w.patterns, p, k))).sort()
      if (unwanted.length > 0) out.push(`object instance has properties which are not allowed by the schema: ${json(unwanted)}`)
    }
    if (isObject(s.dependencies)) {
      for (const key of Object.keys(s.dependencies).sort()) {
        if (!Object.prototype.hasOwnProperty.call(obj, key)) continue
        const dep = s.dependencies[key]
        if (Array.isArray(dep)) {
          const missing = dep.filter((d): d is string => typeof d === 'string' && !Object.prototype.hasOwnProperty.call(obj, d))
          if (missing.length > 0) {
            out.push(`property "${key}" of object has missing property dependencies (schema requires ${json(dep)}; missing: ${json(missing)})`)
          }
        } else if (isObject(dep)) {
          visit(dep, root, data, out, w, stack)
        }
      }
    }
  }

  if (Array.isArray(s.allOf)) {
    const matched = s.allOf.filter((b) => passes(b, root, data, w, stack)).length
    if (matched < s.allOf.length) out.push(`instance failed to match all required schemas (matched only ${matched} out of ${s.allOf.length})`)
  }
  if (Array.isArray(s.anyOf) && !s.anyOf.some((b) => passes(b, root, data, w, stack))) {
    out.push(`instance failed to match at least one required schema among ${s.anyOf.length}`)
  }
  if (Array.isArray(s.oneOf)) {
    const matched = s.oneOf.filter((b) => passes(b, root, data, w, stack)).length
    if (matched !== 1) out.push(`instance failed to match exactly one schema (matched ${matched} out of ${s.oneOf.length})`)
  }
  if (s.not !== undefined && passes(s.not, root, data, w, stack)) out.push('instance matched a schema which it should not have')
}
