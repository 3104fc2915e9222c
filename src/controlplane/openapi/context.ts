// The importer's working context: collects problems and warnings with JSON-pointer paths, follows local
// `$ref`s and reads typed values out of the document, reporting (never throwing) when a value is wrong.

import type { ConfigProblem } from '../../errors.js'

export type Obj = Record<string, unknown>

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** Appends keys to a JSON pointer, escaping `~` and `/` (`/paths` + `/pets` → `/paths/~1pets`). */
export function at(base: string, ...keys: Array<string | number>): string {
  let out = base === '/' ? '' : base
  for (const k of keys) out += '/' + String(k).replace(/~/g, '~0').replace(/\//g, '~1')
  return out
}

/** The reference tokens of a local `$ref` (`#/components/schemas/Pet` → ['components', 'schemas', 'Pet']). */
export function refTokens(ref: string): string[] | undefined {
  if (!ref.startsWith('#')) return undefined
  const body = ref.slice(1)
  if (body === '') return []
  if (!body.startsWith('/')) return undefined
  return body
    .slice(1)
    .split('/')
    .map((t) => {
      let s = t
      try {
        s = decodeURIComponent(t)
      } catch {
        // A malformed escape is kept literally; the lookup then fails and is reported as an unknown target.
      }
      return s.replace(/~1/g, '/').replace(/~0/g, '~')
    })
}

function describe(v: unknown): string {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'an array'
  if (typeof v === 'object') return 'an object'
  return `${typeof v} ${JSON.stringify(v)}`
}

export class ImportContext {
  readonly problems: ConfigProblem[] = []
  readonly warnings: ConfigProblem[] = []
  readonly #seen = new Set<string>()

  constructor(
    readonly root: unknown,
    readonly file: string | undefined,
  ) {}

  #push(list: ConfigProblem[], kind: string, path: string, message: string): void {
    const p = path || '/'
    const key = `${kind}\u0000${p}\u0000${message}`
    if (this.#seen.has(key)) return
    this.#seen.add(key)
    list.push(this.file === undefined ? { path: p, message } : { file: this.file, path: p, message })
  }

  problem(path: string, message: string): void {
    this.#push(this.problems, 'p', path, message)
  }

  warn(path: string, message: string): void {
    this.#push(this.warnings, 'w', path, message)
  }

  /** Looks up a local pointer in the document; undefined when nothing is there. */
  lookup(ref: string): unknown {
    const tokens = refTokens(ref)
    if (tokens === undefined) return undefined
    let cur: unknown = this.root
    for (const t of tokens) {
      if (Array.isArray(cur) && /^\d+$/.test(t)) cur = cur[Number(t)]
      else if (isObj(cur) && Object.hasOwn(cur, t)) cur = cur[t]
      else return undefined
    }
    return cur
  }

  /**
   * Follows `$ref` chains to local targets. Returns the target and its pointer (problems found inside a
   * referenced object are reported where it is defined), or undefined after reporting a bad reference.
   */
  deref(value: unknown, path: string): { value: unknown; path: string } | undefined {
    let cur = value
    let curPath = path
    const visited = new Set<string>()
    while (isObj(cur) && typeof cur.$ref === 'string') {
      const ref = cur.$ref
      const refPath = at(curPath, '$ref')
      if (!ref.startsWith('#')) {
        this.problem(refPath, `Only references inside the document (#/...) are supported, not '${ref}'`)
        return undefined
      }
      if (visited.has(ref)) {
        this.problem(refPath, `Circular $ref '${ref}'`)
        return undefined
      }
      visited.add(ref)
      const target = this.lookup(ref)
      if (target === undefined) {
        this.problem(refPath, `Unknown $ref target '${ref}'`)
        return undefined
      }
      cur = target
      curPath = at('', ...(refTokens(ref) ?? []))
    }
    return { value: cur, path: curPath }
  }

  object(o: Obj, key: string, path: string, required = false): Obj | undefined {
    const v = o[key]
    if (v === undefined || v === null) {
      if (required) this.problem(at(path, key), `'${key}' is required`)
      return undefined
    }
    if (!isObj(v)) {
      this.problem(at(path, key), `'${key}' must be an object, not ${describe(v)}`)
      return undefined
    }
    return v
  }

  string(o: Obj, key: string, path: string, required = false): string | undefined {
    const v = o[key]
    if (v === undefined || v === null) {
      if (required) this.problem(at(path, key), `'${key}' is required`)
      return undefined
    }
    if (typeof v !== 'string') {
      this.problem(at(path, key), `'${key}' must be a string, not ${describe(v)}`)
      return undefined
    }
    if (required && v === '') {
      this.problem(at(path, key), `'${key}' must not be empty`)
      return undefined
    }
    return v
  }

  /** A string, or a number/boolean given where AWS accepts one for a string field (status codes, versions). */
  text(o: Obj, key: string, path: string, required = false): string | undefined {
    const v = o[key]
    if (typeof v === 'number' || typeof v === 'boolean') return String(v)
    return this.string(o, key, path, required)
  }

  bool(o: Obj, key: string, path: string): boolean | undefined {
    const v = o[key]
    if (v === undefined || v === null) return undefined
    if (typeof v === 'boolean') return v
    if (v === 'true' || v === 'false') return v === 'true'
    this.problem(at(path, key), `'${key}' must be true or false, not ${describe(v)}`)
    return undefined
  }

  /** An integer in [min, max]; numeric strings are accepted. */
  int(o: Obj, key: string, path: string, min: number, max: number): number | undefined {
    const v = o[key]
    if (v === undefined || v === null) return undefined
    const n = typeof v === 'string' && /^-?\d+$/.test(v.trim()) ? Number(v) : v
    if (typeof n !== 'number' || !Number.isInteger(n)) {
      this.problem(at(path, key), `'${key}' must be an integer, not ${describe(v)}`)
      return undefined
    }
    if (n < min || n > max) {
      this.problem(at(path, key), `'${key}' must be between ${min} and ${max}, not ${n}`)
      return undefined
    }
    return n
  }

  /** A list of strings; a single string is accepted as a one-element list. */
  strings(o: Obj, key: string, path: string): string[] | undefined {
    const v = o[key]
    if (v === undefined || v === null) return undefined
    if (typeof v === 'string') return [v]
    if (!Array.isArray(v)) {
      this.problem(at(path, key), `'${key}' must be a list of strings, not ${describe(v)}`)
      return undefined
    }
    const out: string[] = []
    v.forEach((item, i) => {
      if (typeof item === 'string') out.push(item)
      else this.problem(at(path, key, i), `'${key}' entries must be strings, not ${describe(item)}`)
    })
    return out
  }

  /**
   * A string → string map. A non-string value goes to `onBad` (default: a problem) and is left out.
   */
  stringMap(
    o: Obj,
    key: string,
    path: string,
    onBad?: (name: string, value: unknown, path: string) => void,
  ): Record<string, string> | undefined {
    const m = this.object(o, key, path)
    if (m === undefined) return undefined
    const out: Record<string, string> = {}
    for (const [k, v] of Object.entries(m)) {
      if (typeof v === 'string') out[k] = v
      else if (onBad) onBad(k, v, at(path, key, k))
      else this.problem(at(path, key, k), `'${k}' must map to a string, not ${describe(v)}`)
    }
    return out
  }

  /** An enum value, compared case-insensitively and returned upper-case (§12.1). */
  enumOf<T extends string>(o: Obj, key: string, path: string, allowed: readonly T[], required = false): T | undefined {
    const v = o[key]
    if (v === undefined || v === null) {
      if (required) this.problem(at(path, key), `'${key}' is required (one of ${allowed.join(', ')})`)
      return undefined
    }
    const up = typeof v === 'string' ? v.toUpperCase() : undefined
    const hit = allowed.find((a) => a === up)
    if (hit === undefined) {
      const given = typeof v === 'string' ? `'${v}'` : describe(v)
      this.problem(at(path, key), `Invalid ${key} ${given}; expected one of ${allowed.join(', ')} (case-insensitive)`)
      return undefined
    }
    return hit
  }
}

/** Resolves `${AWS::Region}`, `${AWS::AccountId}` and `${AWS::Partition}` in every string of `value` (§12.1). */
export function substitutePseudoParameters(value: unknown, region: string, accountId: string): unknown {
  const partition = region.startsWith('cn-')
    ? 'aws-cn'
    : region.startsWith('us-gov-')
      ? 'aws-us-gov'
      : region.startsWith('us-isob-')
        ? 'aws-iso-b'
        : region.startsWith('us-iso-')
          ? 'aws-iso'
          : 'aws'
  const subst: Record<string, string> = { Region: region, AccountId: accountId, Partition: partition }
  const inProgress = new Set<object>()
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return v.includes('${AWS::') ? v.replace(/\$\{AWS::(Region|AccountId|Partition)\}/g, (_m, k: string) => subst[k] ?? _m) : v
    if (typeof v !== 'object' || v === null) return v
    // YAML aliases can make a cyclic structure; a cycle is left as it is rather than recursing forever.
    if (inProgress.has(v)) return v
    inProgress.add(v)
    let out: unknown
    if (Array.isArray(v)) out = v.map(walk)
    else {
      const o: Obj = {}
      for (const [k, x] of Object.entries(v)) o[k] = walk(x)
      out = o
    }
    inProgress.delete(v)
    return out
  }
  return walk(value)
}
