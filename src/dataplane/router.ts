// A radix-style segment router for REST resources and HTTP API routes: literal segments beat `{param}`,
// which beats a greedy `{proxy+}` (deepest greedy first); an exact method beats ANY (§1.2, §3.2).

export interface RouteMatch<T> {
  value: T
  /** Path parameters, still percent-encoded as received (§1.2). */
  params: Record<string, string>
}

interface Node<T> {
  statics: Map<string, Node<T>> | null
  param: { name: string; node: Node<T> } | null
  greedy: { name: string; methods: Map<string, T> } | null
  methods: Map<string, T> | null
}

function newNode<T>(): Node<T> {
  return { statics: null, param: null, greedy: null, methods: null }
}

/** Splits a path into segments, dropping the leading slash and a trailing slash (ignored for matching). */
export function splitPath(path: string): string[] {
  let start = 0
  while (start < path.length && path.charCodeAt(start) === 47) start++
  let end = path.length
  if (end > start && path.charCodeAt(end - 1) === 47) end--
  if (end <= start) return []
  return path.slice(start, end).split('/')
}

export class Router<T> {
  readonly #root: Node<T> = newNode()
  #size = 0

  get size(): number {
    return this.#size
  }

  /**
   * Adds `value` for `method` at the path template `path` (e.g. `/pets/{id}` or `/files/{proxy+}`).
   * Throws on a conflicting variable name at the same position or a greedy part that is not last.
   */
  add(path: string, method: string, value: T): void {
    const parts = splitPath(path)
    let node = this.#root
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!
      if (part.startsWith('{') && part.endsWith('}')) {
        const inner = part.slice(1, -1)
        if (inner.endsWith('+')) {
          if (i !== parts.length - 1) throw new Error(`greedy path part ${part} must be the last part of ${path}`)
          const name = inner.slice(0, -1)
          if (node.greedy && node.greedy.name !== name) throw new Error(`conflicting greedy parameters {${node.greedy.name}+} and ${part} at ${path}`)
          node.greedy ??= { name, methods: new Map() }
          this.#set(node.greedy.methods, method, value, path)
          return
        }
        if (node.param && node.param.name !== inner) throw new Error(`conflicting path parameters {${node.param.name}} and ${part} at ${path}`)
        node.param ??= { name: inner, node: newNode() }
        node = node.param.node
      } else {
        node.statics ??= new Map()
        let next = node.statics.get(part)
        if (!next) {
          next = newNode()
          node.statics.set(part, next)
        }
        node = next
      }
    }
    node.methods ??= new Map()
    this.#set(node.methods, method, value, path)
  }

  #set(map: Map<string, T>, method: string, value: T, path: string): void {
    if (map.has(method)) throw new Error(`duplicate route ${method} ${path}`)
    map.set(method, value)
    this.#size++
  }

  /** Every value in the router (for describing a plan). */
  *values(): IterableIterator<T> {
    const stack: Array<Node<T>> = [this.#root]
    while (stack.length > 0) {
      const n = stack.pop()!
      if (n.methods) yield* n.methods.values()
      if (n.greedy) yield* n.greedy.methods.values()
      if (n.param) stack.push(n.param.node)
      if (n.statics) stack.push(...n.statics.values())
    }
  }

  /** Finds the route for a request path (stage prefix already removed) and method, or null. */
  find(path: string, method: string): RouteMatch<T> | null {
    const segments = splitPath(path)
    const params: Record<string, string> = {}
    const value = this.#match(this.#root, segments, 0, method, params)
    return value === undefined ? null : { value, params }
  }

  #match(node: Node<T>, segs: string[], i: number, method: string, params: Record<string, string>): T | undefined {
    if (i === segs.length) {
      const m = node.methods
      return m === null ? undefined : (m.get(method) ?? m.get('ANY'))
    }
    const seg = segs[i]!
    if (node.statics !== null) {
      const child = node.statics.get(seg)
      if (child !== undefined) {
        const found = this.#match(child, segs, i + 1, method, params)
        if (found !== undefined) return found
      }
    }
    if (node.param !== null && seg !== '') {
      const found = this.#match(node.param.node, segs, i + 1, method, params)
      if (found !== undefined) {
        params[node.param.name] = seg
        return found
      }
    }
    if (node.greedy !== null) {
      const g = node.greedy.methods
      const found = g.get(method) ?? g.get('ANY')
      if (found !== undefined) {
        // Inner double slashes are kept in a greedy value (§1.2): join the raw segments back.
        params[node.greedy.name] = i === segs.length - 1 ? seg : segs.slice(i).join('/')
        return found
      }
    }
    return undefined
  }
}
