// Recursion in REST API models (JSON Schema draft 4): a model may refer to itself through a property or an
// item (a tree, a person with a list of persons), as AWS allows (docs/aws-behaviour.md §9, §12.1: circular
// references are allowed). What can never finish is a schema that applies again to the same value without
// descending into it — `A: {$ref: A}`, `A: {allOf: [{$ref: A}]}`, A → B → A through `$ref`s — for which a
// validator recurses until the stack runs out. This finds such in-place cycles, for the importer to refuse and
// for the validator to keep out of service. Pure, and iterative (no recursion on the schemas).

/** The URL other models use to `$ref` a model (§1.9). */
export function modelRefUrl(apiId: string, name: string): string {
  return `https://apigateway.amazonaws.com/restapis/${apiId}/models/${name}`
}

/** An in-place cycle: where the reference that closes it is, and the models it runs through. */
export interface SchemaCycle {
  /** The model whose schema holds the closing reference. */
  model: string
  /** JSON pointer of the closing `$ref` (or combinator branch) inside that model's schema, e.g. `/allOf/0/$ref`. */
  pointer: string
  /** The models along the cycle, first to last, e.g. `['A', 'B', 'A']`. */
  chain: string[]
}

/** A subschema: where it is (its parent and the keyword, and name or index, under which it sits) and its base URI. */
interface Place {
  model: string
  parent: Place | undefined
  keyword: string
  name: string | number | undefined
  /** The base URI `$ref`s in this node resolve against (draft 4 `id`s change it). */
  base: string
  /** The whole pointer, for a node found through a `$ref` fragment rather than by the walk. */
  pointer?: string
}

type Schema = Record<string, unknown>

const isSchema = (v: unknown): v is Schema => typeof v === 'object' && v !== null && !Array.isArray(v)

function segment(key: string | number): string {
  return String(key).replace(/~/g, '~0').replace(/\//g, '~1')
}

function pointerOf(place: Place): string {
  const steps: string[] = []
  for (let p: Place | undefined = place; p !== undefined; p = p.parent) {
    if (p.pointer !== undefined) {
      steps.push(p.pointer)
      break
    }
    if (p.name !== undefined) steps.push('/' + segment(p.name))
    if (p.keyword !== '') steps.push('/' + p.keyword)
  }
  return steps.reverse().join('')
}

/** Keywords whose values are subschemas: a map of them, one, or a list. */
const MAP_KEYWORDS = ['properties', 'patternProperties', 'definitions', 'dependencies']
const ONE_KEYWORDS = ['items', 'additionalItems', 'additionalProperties', 'not']
const LIST_KEYWORDS = ['items', 'allOf', 'anyOf', 'oneOf']
/** Keywords that apply each of a list of schemas to the value itself. */
const COMBINATORS = ['allOf', 'anyOf', 'oneOf']

/** Whether a schema applies another schema to its own value: `$ref`, a combinator, `not`, a schema dependency. */
function appliesInPlace(node: Schema): boolean {
  if (typeof node.$ref === 'string' || isSchema(node.not)) return true
  for (const k of COMBINATORS) if (Array.isArray(node[k])) return true
  const deps = node.dependencies
  if (isSchema(deps)) for (const k in deps) if (isSchema(deps[k])) return true
  return false
}

function withBase(base: string, id: unknown): string {
  if (typeof id !== 'string' || id === '') return base
  try {
    return new URL(id, base).href
  } catch {
    return base
  }
}

/**
 * The in-place cycles among an API's models (one per reference that closes a cycle), none when validation
 * against every model terminates. `models` maps model names to their schemas, whose `$ref`s name models by
 * URL (`modelRefUrl`), possibly with a JSON-pointer fragment; `id`s are honoured as draft 4 defines them.
 * Linear in the size of the schemas; only the schemas that apply others in place are indexed.
 *
 * @example
 * findSchemaCycles('a1', { A: { allOf: [{ $ref: modelRefUrl('a1', 'A') }] } })
 * // → [{ model: 'A', pointer: '/allOf/0/$ref', chain: ['A', 'A'] }]
 */
export function findSchemaCycles(apiId: string, models: Record<string, unknown>): SchemaCycle[] {
  /** The schemas that apply another schema to their own value: the only ones a cycle can run through. */
  const places = new Map<Schema, Place>()
  const byUrl = new Map<string, Schema>()
  const baseOf = new Map<Schema, string>()

  // Schemas from JSON (and the importer's copies) are trees: every node is reached once.
  for (const [model, schema] of Object.entries(models)) {
    if (!isSchema(schema)) continue
    const rootUrl = modelRefUrl(apiId, model)
    byUrl.set(rootUrl, schema)
    baseOf.set(schema, rootUrl)
    const todo: Array<[Schema, Place]> = [[schema, { model, parent: undefined, keyword: '', name: undefined, base: rootUrl }]]
    while (todo.length > 0) {
      const [node, place] = todo.pop()!
      if (node.id !== undefined) {
        place.base = withBase(place.base, node.id)
        if (!byUrl.has(place.base)) byUrl.set(place.base, node)
        baseOf.set(node, place.base)
      }
      if (appliesInPlace(node) && !places.has(node)) places.set(node, place)
      const child = (sub: unknown, keyword: string, name: string | number | undefined): void => {
        if (isSchema(sub)) todo.push([sub, { model, parent: place, keyword, name, base: place.base }])
      }
      for (const k of MAP_KEYWORDS) {
        const map = node[k]
        if (isSchema(map)) for (const name in map) if (Object.hasOwn(map, name)) child(map[name], k, name)
      }
      for (const k of ONE_KEYWORDS) child(node[k], k, undefined)
      for (const k of LIST_KEYWORDS) {
        const list = node[k]
        if (Array.isArray(list)) for (let i = 0; i < list.length; i++) child(list[i], k, i)
      }
    }
  }

  /** The schema a `$ref` names, and the base URI of the document it is in. */
  const resolve = (ref: string, base: string): { node: Schema; docBase: string; fragment: string } | undefined => {
    // The common case, a whole model by its URL, without parsing URLs.
    const direct = byUrl.get(ref)
    if (direct !== undefined) return { node: direct, docBase: ref, fragment: '' }
    let url: URL
    try {
      url = new URL(ref, base)
    } catch {
      return undefined
    }
    const exact = byUrl.get(url.href)
    if (exact !== undefined) return { node: exact, docBase: url.href, fragment: '' }
    let fragment: string
    try {
      fragment = decodeURIComponent(url.hash.slice(1))
    } catch {
      return undefined
    }
    url.hash = ''
    const doc = byUrl.get(url.href)
    if (doc === undefined || (fragment !== '' && !fragment.startsWith('/'))) return undefined
    let node: unknown = doc
    for (const raw of fragment === '' ? [] : fragment.slice(1).split('/')) {
      if (typeof node !== 'object' || node === null) return undefined
      const key = raw.replace(/~1/g, '/').replace(/~0/g, '~')
      node = Object.hasOwn(node, key) ? (node as Record<string, unknown>)[key] : undefined
    }
    return isSchema(node) ? { node, docBase: url.href, fragment } : undefined
  }

  /** The place of a schema a cycle may run through; one reached only through a pointer gets one now. */
  const placeOf = (node: Schema, via: { docBase: string; fragment: string }, from: Place): Place | undefined => {
    const known = places.get(node)
    if (known !== undefined || !appliesInPlace(node)) return known
    const place: Place = { model: from.model, parent: undefined, keyword: '', name: undefined, base: baseOf.get(node) ?? via.docBase, pointer: via.fragment }
    places.set(node, place)
    return place
  }

  // The schemas a schema applies to its own value (those that apply others in turn), with the edge's steps.
  const edgesOf = (node: Schema, place: Place): Array<[Schema, string]> => {
    const out: Array<[Schema, string]> = []
    const add = (target: Schema, step: string): void => {
      if (places.has(target)) out.push([target, step])
    }
    if (typeof node.$ref === 'string') {
      const hit = resolve(node.$ref, place.base)
      if (hit !== undefined && placeOf(hit.node, hit, place) !== undefined) out.push([hit.node, '/$ref'])
    }
    for (const k of COMBINATORS) {
      const list = node[k]
      if (Array.isArray(list)) list.forEach((sub, i) => isSchema(sub) && add(sub, `/${k}/${i}`))
    }
    if (isSchema(node.not)) add(node.not, '/not')
    const deps = node.dependencies
    if (isSchema(deps)) for (const name in deps) if (Object.hasOwn(deps, name) && isSchema(deps[name])) add(deps[name] as Schema, `/dependencies/${segment(name)}`)
    return out
  }

  const found: SchemaCycle[] = []
  const DONE = 2
  const ON_STACK = 1
  const state = new Map<Schema, number>()
  for (const [start, startPlace] of [...places]) {
    if (state.has(start)) continue
    const stack: Array<{ node: Schema; place: Place; edges: Array<[Schema, string]>; next: number }> = [{ node: start, place: startPlace, edges: edgesOf(start, startPlace), next: 0 }]
    state.set(start, ON_STACK)
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!
      if (top.next >= top.edges.length) {
        state.set(top.node, DONE)
        stack.pop()
        continue
      }
      const [target, step] = top.edges[top.next++]!
      const targetPlace = places.get(target)!
      const s = state.get(target)
      if (s === ON_STACK) {
        const chain: string[] = []
        for (const f of stack.slice(stack.findIndex((f) => f.node === target))) if (chain[chain.length - 1] !== f.place.model) chain.push(f.place.model)
        chain.push(targetPlace.model)
        found.push({ model: top.place.model, pointer: pointerOf(top.place) + step, chain })
      } else if (s === undefined) {
        state.set(target, ON_STACK)
        stack.push({ node: target, place: targetPlace, edges: edgesOf(target, targetPlace), next: 0 })
      }
    }
  }
  return found
}
