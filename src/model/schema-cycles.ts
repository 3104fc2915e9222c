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

interface NodeInfo {
  model: string
  pointer: string
  /** The base URI `$ref`s in this node resolve against (draft 4 `id`s change it). */
  base: string
}

type Schema = Record<string, unknown>

const isSchema = (v: unknown): v is Schema => typeof v === 'object' && v !== null && !Array.isArray(v)

function segment(key: string | number): string {
  return String(key).replace(/~/g, '~0').replace(/\//g, '~1')
}

/** Keywords whose values are subschemas: a map of them, one, or a list. */
const MAP_KEYWORDS = ['properties', 'patternProperties', 'definitions', 'dependencies']
const ONE_KEYWORDS = ['items', 'additionalItems', 'additionalProperties', 'not']
const LIST_KEYWORDS = ['items', 'allOf', 'anyOf', 'oneOf']

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
 * against every model terminates.
 * `models` maps model names to their schemas, whose `$ref`s name models by URL (`modelRefUrl`), possibly
 * with a JSON-pointer fragment; `id`s are honoured as draft 4 defines them.
 *
 * @example
 * findSchemaCycles('a1', { A: { allOf: [{ $ref: modelRefUrl('a1', 'A') }] } })
 * // → [{ model: 'A', pointer: '/allOf/0/$ref', chain: ['A', 'A'] }]
 */
export function findSchemaCycles(apiId: string, models: Record<string, unknown>): SchemaCycle[] {
  const found: SchemaCycle[] = []
  const info = new Map<Schema, NodeInfo>()
  const byUrl = new Map<string, Schema>()

  // Every subschema with its place and base URI; model roots and `id`s by URL.
  for (const [model, schema] of Object.entries(models)) {
    if (!isSchema(schema)) continue
    const rootUrl = modelRefUrl(apiId, model)
    byUrl.set(rootUrl, schema)
    const todo: Array<[Schema, string, string]> = [[schema, '', rootUrl]]
    while (todo.length > 0) {
      const [node, pointer, parentBase] = todo.pop()!
      if (info.has(node)) continue
      const base = withBase(parentBase, node.id)
      info.set(node, { model, pointer, base })
      if (base !== parentBase && !byUrl.has(base)) byUrl.set(base, node)
      for (const k of MAP_KEYWORDS) {
        const map = node[k]
        if (!isSchema(map)) continue
        for (const [name, sub] of Object.entries(map)) if (isSchema(sub)) todo.push([sub, `${pointer}/${k}/${segment(name)}`, base])
      }
      for (const k of ONE_KEYWORDS) if (isSchema(node[k])) todo.push([node[k] as Schema, `${pointer}/${k}`, base])
      for (const k of LIST_KEYWORDS) {
        const list = node[k]
        if (Array.isArray(list)) list.forEach((sub, i) => isSchema(sub) && todo.push([sub, `${pointer}/${k}/${i}`, base]))
      }
    }
  }

  const resolve = (ref: string, base: string): Schema | undefined => {
    let url: URL
    try {
      url = new URL(ref, base)
    } catch {
      return undefined
    }
    const exact = byUrl.get(url.href)
    if (exact !== undefined) return exact
    const fragment = decodeURIComponent(url.hash.slice(1))
    url.hash = ''
    let node: unknown = byUrl.get(url.href)
    if (node === undefined || (fragment !== '' && !fragment.startsWith('/'))) return undefined
    for (const raw of fragment === '' ? [] : fragment.slice(1).split('/')) {
      if (typeof node !== 'object' || node === null) return undefined
      node = (node as Record<string, unknown>)[raw.replace(/~1/g, '/').replace(/~0/g, '~')]
    }
    return isSchema(node) ? node : undefined
  }

  // The schemas a node applies to the very value it is applied to, each with the pointer of the edge.
  const inPlace = (node: Schema, at: NodeInfo): Array<[Schema, string]> => {
    const out: Array<[Schema, string]> = []
    if (typeof node.$ref === 'string') {
      const target = resolve(node.$ref, at.base)
      if (target !== undefined) out.push([target, `${at.pointer}/$ref`])
    }
    for (const k of ['allOf', 'anyOf', 'oneOf']) {
      const list = node[k]
      if (Array.isArray(list)) list.forEach((sub, i) => isSchema(sub) && out.push([sub, `${at.pointer}/${k}/${i}`]))
    }
    if (isSchema(node.not)) out.push([node.not, `${at.pointer}/not`])
    if (isSchema(node.dependencies)) {
      for (const [name, dep] of Object.entries(node.dependencies)) if (isSchema(dep)) out.push([dep, `${at.pointer}/dependencies/${segment(name)}`])
    }
    return out
  }

  const infoOf = (node: Schema, from: NodeInfo): NodeInfo => {
    let known = info.get(node)
    if (known === undefined) {
      // Reached through a pointer into a place that holds no subschema keyword (e.g. an extension).
      known = { model: from.model, pointer: from.pointer, base: from.base }
      info.set(node, known)
    }
    return known
  }

  const DONE = 2
  const ON_STACK = 1
  const state = new Map<Schema, number>()
  for (const start of info.keys()) {
    if (state.has(start)) continue
    const stack: Array<{ node: Schema; edges: Array<[Schema, string]>; next: number }> = []
    const push = (node: Schema): void => {
      state.set(node, ON_STACK)
      stack.push({ node, edges: inPlace(node, info.get(node)!), next: 0 })
    }
    push(start)
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!
      if (top.next >= top.edges.length) {
        state.set(top.node, DONE)
        stack.pop()
        continue
      }
      const [target, pointer] = top.edges[top.next++]!
      const from = info.get(top.node)!
      infoOf(target, from)
      const s = state.get(target)
      if (s === ON_STACK) {
        const i = stack.findIndex((f) => f.node === target)
        const chain: string[] = []
        for (const f of stack.slice(i)) {
          const m = info.get(f.node)!.model
          if (chain[chain.length - 1] !== m) chain.push(m)
        }
        chain.push(info.get(target)!.model)
        found.push({ model: from.model, pointer, chain })
      }
      if (s === undefined) push(target)
    }
  }
  return found
}
