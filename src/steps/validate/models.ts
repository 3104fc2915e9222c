// The models of a REST API compiled to validators (JSON Schema draft 4, ajv), with `$ref`s between models
// resolved by their API Gateway URLs (§1.9). Compiled at deploy time and cached, so that routes sharing a
// model, stages sharing a deployment and reloads that leave the models alone compile each model once.
// `pattern` and `patternProperties` run on RE2 (src/regex) through ajv's `code.regExp` option, in linear
// time: no body can make a pattern backtrack.

import { createHash } from 'node:crypto'
import ajvDraft04 from 'ajv-draft-04'
import type { ValidateFunction } from 'ajv-draft-04'
import type { Model, RestApi } from '../../model/types.js'
import { compileRegex, RegexSyntaxError, type UserRegex } from '../../regex/index.js'
import { findSchemaCycles } from '../../model/schema-cycles.js'
import { describeValidationErrors, UNENFORCED_KEYWORDS, type PatternLookup, type RefResolver, type SchemaNode } from './report.js'

// A CommonJS module: under NodeNext its default import is `module.exports`, which carries the class as `default`.
const Ajv = ajvDraft04.default

const MODEL_URL = 'https://apigateway.amazonaws.com/restapis/'

/** True for the error a JavaScript engine throws when recursion exhausts the stack. */
function isStackOverflow(err: unknown): boolean {
  return err instanceof RangeError && /call stack/i.test(err.message)
}

/** The URL other models use to `$ref` a model (§1.9). */
export function modelUrl(apiId: string, name: string): string {
  return `${MODEL_URL}${apiId}/models/${name}`
}

/** A model ready to check bodies: ajv decides, the report explains. */
export interface CompiledModel {
  readonly name: string
  /** True when `data` conforms. */
  validate(data: unknown): boolean
  /** AWS-worded reasons why `data` does not conform (empty when it does). */
  explain(data: unknown): string[]
}

/** The compiled models of one API snapshot; each model is compiled on first use. */
export class ModelSet {
  readonly #apiId: string
  readonly #models: Record<string, Model>
  readonly #ajv: InstanceType<typeof Ajv>
  /** Why a model cannot be registered (invalid schema, duplicate id), by model name. */
  readonly #broken = new Map<string, string>()
  readonly #compiled = new Map<string, CompiledModel | Error>()
  readonly #onCompile: () => void
  /** Every pattern of these models, compiled once for ajv and the report alike (an error: cannot run). */
  readonly #patterns = new Map<string, UserRegex | RegexSyntaxError>()

  constructor(apiId: string, models: Record<string, Model>, onCompile: () => void) {
    this.#apiId = apiId
    this.#models = models
    this.#onCompile = onCompile
    // allErrors off: ajv only decides; formats are not enforced (the step's header comment says why).
    // Patterns without the `u` flag, as AWS's (ECMA 262) validator reads them: `\_` and the like are accepted.
    const regExp = Object.assign((pattern: string) => this.#pattern(pattern), { code: 'gatehouseRegExp' })
    this.#ajv = new Ajv({ strict: false, logger: false, validateFormats: false, allErrors: false, unicodeRegExp: false, code: { regExp } })
    for (const k of UNENFORCED_KEYWORDS) this.#ajv.removeKeyword(k)
    for (const [name, model] of Object.entries(models)) {
      try {
        if (!this.#ajv.validateSchema(model.schema)) {
          this.#broken.set(name, `is not a valid JSON Schema (draft 4): ${this.#ajv.errorsText(this.#ajv.errors, { dataVar: 'schema' })}`)
          continue
        }
        this.#ajv.addSchema(model.schema, modelUrl(apiId, name))
      } catch (err) {
        // An unknown `$schema` meta-schema, or an `id` another model already uses.
        this.#broken.set(name, `cannot be used: ${(err as Error).message}`)
      }
    }
    this.#refuseEndlessModels()
  }

  /**
   * The importer refuses models that apply to themselves in place (src/model/schema-cycles.ts); a deployment
   * stored before it did could still hold one, and ajv would recurse on it until the stack runs out. Such a
   * model, and every model that refers to it, is kept out of service: its routes answer 500 with a warning
   * at compile time, and no request ever reaches the recursion.
   */
  #refuseEndlessModels(): void {
    const schemas: Record<string, unknown> = {}
    for (const [name, model] of Object.entries(this.#models)) schemas[name] = model.schema
    const cycles = findSchemaCycles(this.#apiId, schemas)
    if (cycles.length === 0) return
    for (const c of cycles) for (const name of c.chain) this.#broken.set(name, `applies to itself (${c.chain.join(' → ')}) without descending into a property or an item: validation would never end`)
    const texts = new Map(Object.entries(schemas).map(([name, schema]) => [name, JSON.stringify(schema) ?? '']))
    for (let changed = true; changed; ) {
      changed = false
      for (const [name, text] of texts) {
        if (this.#broken.has(name)) continue
        const bad = [...this.#broken.keys()].find((b) => {
          const url = `"${modelUrl(this.#apiId, b)}`
          return text.includes(url + '"') || text.includes(url + '#')
        })
        if (bad === undefined) continue
        this.#broken.set(name, `refers to model '${bad}', which cannot be used`)
        changed = true
      }
    }
  }

  /** A schema pattern compiled to RE2 (ECMA 262 syntax); throws RegexSyntaxError for one that cannot run. */
  #pattern(pattern: string): UserRegex {
    let re = this.#patterns.get(pattern)
    if (re === undefined) {
      try {
        re = compileRegex(pattern, 'ecma')
      } catch (err) {
        if (!(err instanceof RegexSyntaxError)) throw err
        re = err
      }
      this.#patterns.set(pattern, re)
    }
    if (re instanceof RegexSyntaxError) throw re
    return re
  }

  /** The compiled model, or an Error whose message says why it cannot be used. */
  get(name: string): CompiledModel | Error {
    const known = this.#compiled.get(name)
    if (known !== undefined) return known
    const result = this.#compile(name)
    this.#compiled.set(name, result)
    return result
  }

  #compile(name: string): CompiledModel | Error {
    const model = this.#models[name]
    if (model === undefined) return new Error(`model '${name}' does not exist in API ${this.#apiId}`)
    const broken = this.#broken.get(name)
    if (broken !== undefined) return new Error(`model '${name}' ${broken}`)
    let fn: ValidateFunction | undefined
    try {
      this.#onCompile()
      fn = this.#ajv.getSchema(modelUrl(this.#apiId, name))
    } catch (err) {
      return new Error(`model '${name}' cannot be compiled: ${(err as Error).message}`)
    }
    if (fn === undefined) return new Error(`model '${name}' cannot be compiled`)
    const validate = fn
    const root = model.schema as SchemaNode
    const resolve = this.#resolver()
    const patterns: PatternLookup = (pattern) => {
      try {
        return this.#pattern(pattern)
      } catch {
        return undefined
      }
    }
    // ajv compares `enum` and `uniqueItems` values with fast-deep-equal, which calls a body's own `valueOf` or
    // `toString` member as a method: `{"toString": 0}` against an enum of objects throws a TypeError. When ajv
    // throws, the report's own walk (safe for any JSON) decides, so a body never turns into a 500.
    // Both recurse with the body: MAX_BODY_DEPTH keeps ordinary models far from the end of the stack, but a
    // model that nests combinators at every level can still reach it with a body within that depth. Such a
    // body cannot be checked, so it does not pass: the stack overflow is caught and the body refused (400).
    const report = (data: unknown): string[] => {
      try {
        return describeValidationErrors(root, data, resolve, patterns)
      } catch (err) {
        if (!isStackOverflow(err)) throw err
        return [`request body nests too deeply to be checked against model ${name}`]
      }
    }
    const decide = (data: unknown): boolean => {
      try {
        return validate(data) === true
      } catch {
        return report(data).length === 0
      }
    }
    return {
      name,
      validate: decide,
      explain: (data) => {
        const messages = report(data)
        if (messages.length > 0 || decide(data)) return messages
        // The report and ajv disagree (a construct the report does not model): fall back to ajv's words.
        return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`)
      },
    }
  }

  /** Resolves `#/pointer` in the current model and model URLs (`…/models/Name#/pointer`) of this API. */
  #resolver(): RefResolver {
    const prefix = modelUrl(this.#apiId, '')
    return (ref, root) => {
      const hash = ref.indexOf('#')
      const base = hash === -1 ? ref : ref.slice(0, hash)
      const fragment = hash === -1 ? '' : ref.slice(hash + 1)
      let doc: SchemaNode = root
      if (base !== '') {
        if (!base.startsWith(prefix)) return undefined
        const model = this.#models[base.slice(prefix.length)]
        if (model === undefined) return undefined
        doc = model.schema as SchemaNode
      }
      let node: unknown = doc
      if (fragment !== '' && fragment !== '/') {
        if (!fragment.startsWith('/')) return undefined
        for (const raw of fragment.slice(1).split('/')) {
          const token = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~')
          if (typeof node !== 'object' || node === null) return undefined
          node = (node as Record<string, unknown>)[token]
        }
      }
      return node === undefined ? undefined : { schema: node, root: doc }
    }
  }
}

/** How many model sets (one per API snapshot's models) are kept for reuse across reloads. */
const KEEP = 32

/**
 * Model sets by API and by the content of its models, so a reload that leaves the models alone reuses the
 * compiled validators. `compiles` counts model compilations (tests and diagnostics read it).
 */
export class ModelCache {
  #compiles = 0
  readonly #bySnapshot = new WeakMap<object, ModelSet>()
  readonly #byContent = new Map<string, ModelSet>()

  get compiles(): number {
    return this.#compiles
  }

  /** The model set of a deployment's API snapshot. */
  forApi(api: RestApi): ModelSet {
    const known = this.#bySnapshot.get(api.models)
    if (known !== undefined) return known
    const key = api.id + '\n' + createHash('sha256').update(JSON.stringify(api.models)).digest('base64')
    let set = this.#byContent.get(key)
    if (set === undefined) {
      set = new ModelSet(api.id, api.models, () => this.#compiles++)
      if (this.#byContent.size >= KEEP) this.#byContent.delete(this.#byContent.keys().next().value!)
    } else this.#byContent.delete(key)
    // Re-inserted last: the least recently used set is the first to go.
    this.#byContent.set(key, set)
    this.#bySnapshot.set(api.models, set)
    return set
  }
}
