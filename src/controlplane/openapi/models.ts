// REST models from `definitions` / `components.schemas` and from inline request/response schemas, with
// `$ref`s rewritten to API Gateway model URLs (§1.9, §12.1). Circular references are allowed where they
// recurse into a property or an item; a model that applies to itself in place can never be validated and is
// refused (src/model/schema-cycles.ts).

import type { Model } from '../../model/types.js'
import { stableId } from '../../model/ids.js'
import { findSchemaCycles } from '../../model/schema-cycles.js'
import { at, isObj, refTokens, type ImportContext, type Obj } from './context.js'
import { checkSchemaPatterns } from './regexes.js'

const MODEL_NAME = /^[A-Za-z0-9]+$/

/** Schema keywords AWS lists as ignored on import (§12.1); they are kept in the schema and reported. */
const IGNORED_KEYWORDS = ['discriminator', 'example', 'readOnly']

export class ModelRegistry {
  readonly models: Record<string, Model> = {}
  readonly #ctx: ImportContext
  readonly #apiId: string
  readonly #oas3: boolean
  /** Defined model names → pointer of their schema. */
  readonly #defined = new Map<string, string>()
  /** Every model added from the document → the pointer of its schema there. */
  readonly #sources = new Map<string, string>()

  constructor(ctx: ImportContext, doc: Obj, apiId: string, oas3: boolean) {
    this.#ctx = ctx
    this.#apiId = apiId
    this.#oas3 = oas3
    const base = oas3 ? '/components/schemas' : '/definitions'
    const raw = oas3 ? (isObj(doc.components) ? ctx.object(doc.components, 'schemas', '/components') : undefined) : ctx.object(doc, 'definitions', '')
    const entries = raw === undefined ? [] : Object.entries(raw)
    for (const [name] of entries) this.#defined.set(name, at(base, name))
    for (const [name, schema] of entries) {
      const path = at(base, name)
      if (!MODEL_NAME.test(name)) {
        ctx.problem(path, `Model name '${name}' is invalid: model names must be alphanumeric`)
        continue
      }
      if (!isObj(schema)) {
        ctx.problem(path, `The schema of model '${name}' must be an object`)
        continue
      }
      this.#add(name, schema, path)
    }
    // Every REST API gets the default models Empty and Error (§1.9) unless the document defines its own.
    // Note: AWS's recorded imports list only the document's models (swagger-mock-cors.json → no models);
    // Gatehouse keeps the defaults so that every API can name them.
    if (this.models.Empty === undefined && !this.#defined.has('Empty')) {
      this.models.Empty = {
        id: stableId(`${apiId}:model:Empty`, 6),
        name: 'Empty',
        contentType: 'application/json',
        description: 'This is a default empty schema model',
        schema: { $schema: 'http://json-schema.org/draft-04/schema#', title: 'Empty Schema', type: 'object' },
      }
    }
    if (this.models.Error === undefined && !this.#defined.has('Error')) {
      this.models.Error = {
        id: stableId(`${apiId}:model:Error`, 6),
        name: 'Error',
        contentType: 'application/json',
        description: 'This is a default error schema model',
        schema: {
          $schema: 'http://json-schema.org/draft-04/schema#',
          title: 'Error Schema',
          type: 'object',
          properties: { message: { type: 'string' } },
        },
      }
    }
  }

  #add(name: string, schema: Obj, path: string, contentType = 'application/json'): void {
    const rewritten = this.rewrite(schema, path) as Obj
    checkSchemaPatterns(this.#ctx, path, schema)
    const model: Model = { id: stableId(`${this.#apiId}:model:${name}`, 6), name, contentType, schema: rewritten }
    if (typeof schema.description === 'string') model.description = schema.description
    this.models[name] = model
    this.#sources.set(name, path)
    const seen = new Set<string>()
    const scan = (v: unknown, p: string): void => {
      if (Array.isArray(v)) v.forEach((x, i) => scan(x, at(p, i)))
      else if (isObj(v)) {
        for (const [k, x] of Object.entries(v)) {
          if (IGNORED_KEYWORDS.includes(k) && !seen.has(k)) {
            seen.add(k)
            this.#ctx.warn(at(p, k), `'${k}' is not supported in API Gateway models and is ignored by validation`)
          }
          if (k !== 'enum' && k !== 'example' && k !== 'default') scan(x, at(p, k))
        }
      }
    }
    scan(schema, path)
  }

  /**
   * Refuses models that apply to themselves without descending into a property or an item (`A: {$ref: A}`,
   * `allOf` holding a `$ref` back to its own model, A → B → A): validating a body against them would never
   * end. Recursion through `properties`, `items` and the like (a tree) is allowed, as on AWS (§12.1).
   */
  checkRecursion(): void {
    const schemas: Record<string, unknown> = {}
    for (const [name, model] of Object.entries(this.models)) schemas[name] = model.schema
    for (const cycle of findSchemaCycles(this.#apiId, schemas)) {
      const base = this.#sources.get(cycle.model) ?? ''
      const who = cycle.chain.length > 2 ? `Models ${cycle.chain.join(' → ')} apply to each other (this reference closes the cycle)` : `Model '${cycle.model}' applies to itself`
      this.#ctx.problem(
        base + cycle.pointer,
        `${who} without descending into a property or an item, so validating a value against it would never end; a model may refer to itself only inside properties, items or additionalProperties (as a tree's children do)`,
      )
    }
  }

  /** The model name a `$ref` points at, when it is a local reference to a defined model. */
  #modelRef(ref: string): { name: string } | 'unknown' | undefined {
    const tokens = refTokens(ref)
    if (tokens === undefined) return undefined
    const isModelPath = this.#oas3
      ? tokens.length === 3 && tokens[0] === 'components' && tokens[1] === 'schemas'
      : tokens.length === 2 && tokens[0] === 'definitions'
    if (!isModelPath) return undefined
    const name = tokens[tokens.length - 1]!
    return this.#defined.has(name) ? { name } : 'unknown'
  }

  /** Deep-copies a schema with `#/definitions/X` / `#/components/schemas/X` refs turned into model URLs. */
  rewrite(schema: unknown, path: string): unknown {
    const onPath = new Set<object>()
    const walk = (v: unknown, p: string): unknown => {
      if (typeof v !== 'object' || v === null) return v
      if (onPath.has(v)) {
        this.#ctx.problem(p, 'The schema contains itself (a recursive YAML alias); use $ref instead')
        return {}
      }
      onPath.add(v)
      let out: unknown
      if (Array.isArray(v)) out = v.map((x, i) => walk(x, at(p, i)))
      else {
        const o: Obj = {}
        for (const [k, x] of Object.entries(v)) {
          if (k === '$ref' && typeof x === 'string') o[k] = this.#rewriteRef(x, at(p, k))
          else if (k === 'enum' || k === 'example' || k === 'default') o[k] = x
          else o[k] = walk(x, at(p, k))
        }
        out = o
      }
      onPath.delete(v)
      return out
    }
    return walk(schema, path)
  }

  #rewriteRef(ref: string, p: string): string {
    if (ref.startsWith('https://apigateway.amazonaws.com/restapis/')) return ref
    const hit = this.#modelRef(ref)
    if (hit === 'unknown') this.#ctx.problem(p, `Unknown $ref target '${ref}'`)
    else if (hit !== undefined) return `https://apigateway.amazonaws.com/restapis/${this.#apiId}/models/${hit.name}`
    else if (ref.startsWith('#')) {
      this.#ctx.problem(p, `A model schema can only reference whole models (${this.#oas3 ? '#/components/schemas/Name' : '#/definitions/Name'}), not '${ref}'`)
    } else this.#ctx.problem(p, `Only references inside the document (#/...) are supported in models, not '${ref}'`)
    return ref
  }

  /**
   * The model for a request or response body schema: the referenced model, or a new model holding an inline
   * schema (named from `hint`, e.g. `PostPetsRequest`). Primitive inline response schemas are ignored, as
   * AWS does (§12.1). Returns undefined (after reporting) when no model applies.
   */
  modelFor(schema: unknown, path: string, hint: string, contentType: string, isResponse: boolean): string | undefined {
    if (!isObj(schema)) {
      this.#ctx.problem(path, 'A schema must be an object')
      return undefined
    }
    if (typeof schema.$ref === 'string') {
      const hit = this.#modelRef(schema.$ref)
      if (hit === 'unknown') {
        this.#ctx.problem(at(path, '$ref'), `Unknown $ref target '${schema.$ref}'`)
        return undefined
      }
      if (hit !== undefined) return this.models[hit.name] ? hit.name : undefined
      const r = this.#ctx.deref(schema, path)
      if (r === undefined) return undefined
      return this.modelFor(r.value, r.path, hint, contentType, isResponse)
    }
    const t = schema.type
    if (isResponse && (t === 'string' || t === 'number' || t === 'integer' || t === 'boolean')) {
      this.#ctx.warn(path, `A primitive (${t}) response schema is not supported as a model and is ignored`)
      return undefined
    }
    let name = hint.replace(/[^A-Za-z0-9]/g, '') || 'Model'
    for (let n = 2; this.models[name] !== undefined || this.#defined.has(name); n++) name = `${hint.replace(/[^A-Za-z0-9]/g, '') || 'Model'}${n}`
    this.#add(name, schema, path, contentType)
    return name
  }
}

/** `post` + `/pets/{petId}` → `PostPetsPetId`: a readable stem for generated model names. */
export function nameStem(method: string, path: string): string {
  const words = [method, ...path.split(/[^A-Za-z0-9]+/)].filter((w) => w !== '')
  return words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join('')
}
