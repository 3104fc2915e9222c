// Jayway-style JSONPath (the dialect AWS uses for `$input.path`, `$input.json` and `method.request.body.x`,
// docs/aws-behaviour.md §17): parsing into a token list once (cached), then evaluation over parsed JSON values.

import { compileRegex, RegexSyntaxError, type UserRegex } from '../regex/index.js'
import { charge } from './budget.js'

/** A JSONPath expression that cannot be parsed. */
export class JsonPathSyntaxError extends Error {
  override readonly name = 'JsonPathSyntaxError'
}

/** An evaluation that visited more than {@link MAX_VISITS} values (nested deep scans of a large document). */
export class JsonPathLimitError extends Error {
  override readonly name = 'JsonPathLimitError'
}

/**
 * The most values one evaluation may visit. Inside a template render every visit is also charged to the
 * render's budget (budget.ts), which is far smaller.
 */
export const MAX_VISITS = 10_000_000

type Token =
  | { readonly t: 'prop'; readonly names: readonly string[] }
  | { readonly t: 'index'; readonly indexes: readonly number[] }
  | { readonly t: 'slice'; readonly start: number | undefined; readonly end: number | undefined }
  | { readonly t: 'wild' }
  | { readonly t: 'scan' }
  | { readonly t: 'filter'; readonly pred: Pred }

type FnName = 'length' | 'size' | 'keys' | 'min' | 'max' | 'sum' | 'avg' | 'first' | 'last'

/** A compiled path. `definite` paths yield one value (or undefined); the others always yield a list. */
export interface CompiledJsonPath {
  readonly source: string
  readonly definite: boolean
  evaluate(doc: unknown): unknown
}

// Filter predicates, as a small expression tree.
type Operand =
  | { readonly k: 'path'; readonly absolute: boolean; readonly path: CompiledPathBody }
  | { readonly k: 'value'; readonly v: unknown }
  | { readonly k: 'regex'; readonly re: UserRegex }
type Pred =
  | { readonly k: 'and' | 'or'; readonly a: Pred; readonly b: Pred }
  | { readonly k: 'not'; readonly a: Pred }
  | { readonly k: 'exists'; readonly o: Operand }
  | { readonly k: 'cmp'; readonly op: string; readonly l: Operand; readonly r: Operand }

interface CompiledPathBody {
  readonly tokens: readonly Token[]
  readonly fn: FnName | undefined
  readonly definite: boolean
}

// A regex operand's value, told apart from JSON values by its key.
const REGEX = Symbol('regex')
interface RegexValue {
  readonly k: typeof REGEX
  readonly re: UserRegex
}

const MAX_CACHE = 2000
const cache = new Map<string, CompiledJsonPath>()

/**
 * Evaluates a Jayway-style JSONPath against a parsed JSON document.
 * A definite path (`$.a.b[0]`) gives the value, or `undefined` when nothing matches. An indefinite path
 * (`[*]`, `..`, `[?()]`, slices, several indexes) gives an array of every match, possibly empty, as Jayway does.
 * Throws {@link JsonPathSyntaxError} for a malformed path.
 * @example evaluateJsonPath({ a: [{ b: 1 }, { b: 2 }] }, '$.a[*].b') // [1, 2]
 */
export function evaluateJsonPath(doc: unknown, path: string): unknown {
  return compileJsonPath(path).evaluate(doc)
}

/** Parses a path once; repeated calls with the same text reuse the compiled form. */
export function compileJsonPath(path: string): CompiledJsonPath {
  let compiled = cache.get(path)
  if (compiled !== undefined) return compiled
  const body = new PathParser(path).parseRoot()
  compiled = {
    source: path,
    definite: body.definite,
    evaluate: (doc: unknown) => evaluateTop(body, doc),
  }
  if (cache.size >= MAX_CACHE) cache.clear()
  cache.set(path, compiled)
  return compiled
}

// Values visited by the evaluation in progress (evaluations are synchronous and do not nest).
let visits = 0

function evaluateTop(body: CompiledPathBody, doc: unknown): unknown {
  visits = 0
  try {
    return evaluateBody(body, doc, doc)
  } finally {
    charge(visits & 1023)
  }
}

function evaluateBody(body: CompiledPathBody, node: unknown, root: unknown): unknown {
  const out: unknown[] = []
  walk(body.tokens, 0, node, root, out)
  const result = body.definite ? out[0] : out
  return body.fn === undefined ? result : applyFunction(body.fn, result)
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function walk(tokens: readonly Token[], i: number, node: unknown, root: unknown, out: unknown[]): void {
  if ((++visits & 1023) === 0) {
    charge(1024)
    if (visits > MAX_VISITS) throw new JsonPathLimitError(`the JSONPath evaluation visited more than ${MAX_VISITS} values`)
  }
  const tok = tokens[i]
  if (tok === undefined) {
    out.push(node)
    return
  }
  switch (tok.t) {
    case 'prop': {
      if (!isMap(node)) return
      if (tok.names.length === 1) {
        const name = tok.names[0] as string
        if (Object.hasOwn(node, name)) walk(tokens, i + 1, node[name], root, out)
        return
      }
      if (i === tokens.length - 1) {
        // Jayway merges several properties at the leaf into one map of the ones present.
        const merged: Record<string, unknown> = {}
        for (const name of tok.names) if (Object.hasOwn(node, name)) merged[name] = node[name]
        out.push(merged)
        return
      }
      for (const name of tok.names) if (Object.hasOwn(node, name)) walk(tokens, i + 1, node[name], root, out)
      return
    }
    case 'index': {
      if (!Array.isArray(node)) return
      for (const raw of tok.indexes) {
        const idx = raw < 0 ? node.length + raw : raw
        if (idx >= 0 && idx < node.length) walk(tokens, i + 1, node[idx], root, out)
      }
      return
    }
    case 'slice': {
      if (!Array.isArray(node)) return
      const len = node.length
      let from = tok.start ?? 0
      let to = tok.end ?? len
      if (from < 0) from = Math.max(0, len + from)
      if (to < 0) to = len + to
      to = Math.min(to, len)
      for (let k = from; k < to; k++) walk(tokens, i + 1, node[k], root, out)
      return
    }
    case 'wild': {
      if (Array.isArray(node)) for (const v of node) walk(tokens, i + 1, v, root, out)
      else if (isMap(node)) for (const k of Object.keys(node)) walk(tokens, i + 1, node[k], root, out)
      return
    }
    case 'scan': {
      scan(tokens, i + 1, node, root, out)
      return
    }
    case 'filter': {
      if (Array.isArray(node)) {
        for (const v of node) if (testPred(tok.pred, v, root)) walk(tokens, i + 1, v, root, out)
      } else if (isMap(node) && testPred(tok.pred, node, root)) {
        walk(tokens, i + 1, node, root, out)
      }
      return
    }
  }
}

// Deep scan: the rest of the path is tried on the node itself, then on every descendant, depth first.
function scan(tokens: readonly Token[], i: number, node: unknown, root: unknown, out: unknown[]): void {
  const next = tokens[i]
  if (next !== undefined && next.t === 'wild') {
    // `..*` yields every descendant once (not the node itself).
    const children = Array.isArray(node) ? node : isMap(node) ? Object.values(node) : []
    for (const child of children) {
      walk(tokens, i + 1, child, root, out)
      if (typeof child === 'object' && child !== null) scan(tokens, i, child, root, out)
    }
    return
  }
  walk(tokens, i, node, root, out)
  const children = Array.isArray(node) ? node : isMap(node) ? Object.values(node) : []
  for (const child of children) if (typeof child === 'object' && child !== null) scan(tokens, i, child, root, out)
}

function applyFunction(fn: FnName, v: unknown): unknown {
  switch (fn) {
    case 'length':
    case 'size':
      if (Array.isArray(v) || typeof v === 'string') return v.length
      if (isMap(v)) return Object.keys(v).length
      return undefined
    case 'keys':
      return isMap(v) ? Object.keys(v) : undefined
    case 'first':
      return Array.isArray(v) ? v[0] : undefined
    case 'last':
      return Array.isArray(v) ? v[v.length - 1] : undefined
    default: {
      if (!Array.isArray(v)) return undefined
      const nums = v.filter((x): x is number => typeof x === 'number')
      if (nums.length === 0) return undefined
      if (fn === 'min') return Math.min(...nums)
      if (fn === 'max') return Math.max(...nums)
      const sum = nums.reduce((a, b) => a + b, 0)
      return fn === 'sum' ? sum : sum / nums.length
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// Filter evaluation (Jayway semantics: numbers compare with numeric strings, `=~` is a full match).

function operandValue(o: Operand, current: unknown, root: unknown): { found: boolean; v: unknown } {
  if (o.k === 'value') return { found: true, v: o.v }
  if (o.k === 'regex') return { found: true, v: { k: REGEX, re: o.re } satisfies RegexValue }
  const out: unknown[] = []
  walk(o.path.tokens, 0, o.absolute ? root : current, root, out)
  if (o.path.definite) {
    if (out.length === 0) return { found: false, v: undefined }
    const v = out[0]
    return { found: true, v: o.path.fn === undefined ? v : applyFunction(o.path.fn, v) }
  }
  return { found: true, v: o.path.fn === undefined ? out : applyFunction(o.path.fn, out) }
}

function testPred(p: Pred, current: unknown, root: unknown): boolean {
  switch (p.k) {
    case 'and':
      return testPred(p.a, current, root) && testPred(p.b, current, root)
    case 'or':
      return testPred(p.a, current, root) || testPred(p.b, current, root)
    case 'not':
      return !testPred(p.a, current, root)
    case 'exists': {
      const r = operandValue(p.o, current, root)
      if (!r.found) return false
      if (p.o.k === 'value') return r.v !== false && r.v !== null
      return !(Array.isArray(r.v) && p.o.k === 'path' && !p.o.path.definite && r.v.length === 0)
    }
    case 'cmp': {
      const l = operandValue(p.l, current, root)
      const r = operandValue(p.r, current, root)
      if (!l.found || !r.found) return p.op === '!=' || p.op === 'nin' ? l.found !== r.found : false
      return compare(p.op, l.v, r.v)
    }
  }
}

function jsonEquals(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'string') return b.trim() !== '' && Number(b) === a
  if (typeof a === 'string' && typeof b === 'number') return a.trim() !== '' && Number(a) === b
  if (a === b) return true
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false
  return JSON.stringify(a) === JSON.stringify(b)
}

function compare(op: string, l: unknown, r: unknown): boolean {
  switch (op) {
    case '==':
      return jsonEquals(l, r)
    case '!=':
      return !jsonEquals(l, r)
    case '<':
    case '<=':
    case '>':
    case '>=': {
      let c: number
      if (typeof l === 'number' && typeof r === 'number') c = l - r
      else if (typeof l === 'string' && typeof r === 'string') c = l < r ? -1 : l > r ? 1 : 0
      else return false
      return op === '<' ? c < 0 : op === '<=' ? c <= 0 : op === '>' ? c > 0 : c >= 0
    }
    case '=~':
      return typeof l === 'string' && typeof r === 'object' && r !== null && 'k' in r && (r as { k: unknown }).k === REGEX && (r as RegexValue).re.matches(l)
    case 'in':
      return Array.isArray(r) && r.some((x) => jsonEquals(l, x))
    case 'nin':
      return Array.isArray(r) && !r.some((x) => jsonEquals(l, x))
    case 'subsetof':
      return Array.isArray(l) && Array.isArray(r) && l.every((x) => r.some((y) => jsonEquals(x, y)))
    case 'anyof':
      return Array.isArray(l) && Array.isArray(r) && l.some((x) => r.some((y) => jsonEquals(x, y)))
    case 'noneof':
      return Array.isArray(l) && Array.isArray(r) && !l.some((x) => r.some((y) => jsonEquals(x, y)))
    case 'contains':
      if (typeof l === 'string') return typeof r === 'string' && l.includes(r)
      return Array.isArray(l) && l.some((x) => jsonEquals(x, r))
    case 'size':
      return (Array.isArray(l) || typeof l === 'string') && typeof r === 'number' && l.length === r
    case 'empty':
      return (Array.isArray(l) || typeof l === 'string') && typeof r === 'boolean' && (l.length === 0) === r
    default:
      return false
  }
}

// ---------------------------------------------------------------------------------------------------
// Parsing

const FUNCTIONS = new Set<string>(['length', 'size', 'keys', 'min', 'max', 'sum', 'avg', 'first', 'last'])
const WORD_OPS = ['subsetof', 'anyof', 'noneof', 'contains', 'size', 'empty', 'nin', 'in']

class PathParser {
  readonly #src: string
  #pos = 0

  constructor(src: string) {
    this.#src = src
  }

  #fail(message: string): never {
    throw new JsonPathSyntaxError(`invalid JSONPath ${JSON.stringify(this.#src)} at ${this.#pos}: ${message}`)
  }

  parseRoot(): CompiledPathBody {
    let src = this.#src.trim()
    // Jayway reads `a.b` as `$.a.b`.
    if (src === '') this.#fail('empty path')
    if (src[0] !== '$') src = '$.' + src
    const sub = new PathParser(src)
    sub.#pos = 1
    const body = sub.parseSteps(() => sub.#pos >= sub.#src.length)
    return body
  }

  /** Parses steps until `atEnd` says stop (the end of the text, or the end of a filter operand). */
  parseSteps(atEnd: () => boolean): CompiledPathBody {
    const tokens: Token[] = []
    let fn: FnName | undefined
    const s = this.#src
    while (!atEnd()) {
      if (fn !== undefined) this.#fail('a function must come last')
      const c = s[this.#pos]
      if (c === '.') {
        if (s[this.#pos + 1] === '.') {
          this.#pos += 2
          tokens.push({ t: 'scan' })
          if (s[this.#pos] === '[') continue
        } else {
          this.#pos += 1
        }
        if (s[this.#pos] === '*') {
          this.#pos += 1
          tokens.push({ t: 'wild' })
          continue
        }
        const name = this.#readName()
        if (s[this.#pos] === '(' && s[this.#pos + 1] === ')' && FUNCTIONS.has(name)) {
          this.#pos += 2
          fn = name as FnName
          continue
        }
        tokens.push({ t: 'prop', names: [name] })
      } else if (c === '[') {
        tokens.push(this.#readBracket())
      } else {
        this.#fail(`unexpected ${JSON.stringify(c)}`)
      }
    }
    let definite = true
    for (let k = 0; k < tokens.length; k++) {
      const tok = tokens[k] as Token
      if (tok.t === 'scan' || tok.t === 'wild' || tok.t === 'filter' || tok.t === 'slice') definite = false
      else if (tok.t === 'index' && tok.indexes.length > 1) definite = false
      else if (tok.t === 'prop' && tok.names.length > 1 && k !== tokens.length - 1) definite = false
    }
    return { tokens, fn, definite }
  }

  #readName(): string {
    const s = this.#src
    const start = this.#pos
    while (this.#pos < s.length) {
      const ch = s[this.#pos] as string
      if (ch === '.' || ch === '[' || ch === '(' || ch === ')' || ch === ' ') break
      this.#pos++
    }
    if (this.#pos === start) this.#fail('expected a property name')
    return s.slice(start, this.#pos)
  }

  #skipSpaces(): void {
    while (this.#src[this.#pos] === ' ') this.#pos++
  }

  #readQuoted(): string {
    const s = this.#src
    const q = s[this.#pos]
    this.#pos++
    let out = ''
    while (this.#pos < s.length && s[this.#pos] !== q) {
      if (s[this.#pos] === '\\' && this.#pos + 1 < s.length) this.#pos++
      out += s[this.#pos]
      this.#pos++
    }
    if (s[this.#pos] !== q) this.#fail('unterminated string')
    this.#pos++
    return out
  }

  #readBracket(): Token {
    const s = this.#src
    this.#pos++ // [
    this.#skipSpaces()
    const c = s[this.#pos]
    if (c === '*') {
      this.#pos++
      this.#skipSpaces()
      this.#expect(']')
      return { t: 'wild' }
    }
    if (c === '?') {
      this.#pos++
      this.#skipSpaces()
      this.#expect('(')
      const pred = this.#parseOr()
      this.#skipSpaces()
      this.#expect(')')
      this.#skipSpaces()
      this.#expect(']')
      return { t: 'filter', pred }
    }
    if (c === "'" || c === '"') {
      const names: string[] = []
      for (;;) {
        this.#skipSpaces()
        const q = s[this.#pos]
        if (q !== "'" && q !== '"') this.#fail('expected a quoted property name')
        names.push(this.#readQuoted())
        this.#skipSpaces()
        if (s[this.#pos] === ',') {
          this.#pos++
          continue
        }
        this.#expect(']')
        return { t: 'prop', names }
      }
    }
    // Indexes or a slice.
    const end = s.indexOf(']', this.#pos)
    if (end === -1) this.#fail('missing ]')
    const inner = s.slice(this.#pos, end).replace(/\s+/g, '')
    this.#pos = end + 1
    if (inner.includes(':')) {
      const parts = inner.split(':')
      if (parts.length > 3) this.#fail('bad slice')
      const num = (p: string | undefined): number | undefined => {
        if (p === undefined || p === '') return undefined
        if (!/^-?\d+$/.test(p)) this.#fail(`bad slice bound ${JSON.stringify(p)}`)
        return Number(p)
      }
      return { t: 'slice', start: num(parts[0]), end: num(parts[1]) }
    }
    if (!/^-?\d+(,-?\d+)*$/.test(inner)) this.#fail(`bad index ${JSON.stringify(inner)}`)
    return { t: 'index', indexes: inner.split(',').map(Number) }
  }

  #expect(ch: string): void {
    if (this.#src[this.#pos] !== ch) this.#fail(`expected ${JSON.stringify(ch)}`)
    this.#pos++
  }

  #parseOr(): Pred {
    let left = this.#parseAnd()
    for (;;) {
      this.#skipSpaces()
      if (this.#src.startsWith('||', this.#pos)) {
        this.#pos += 2
        left = { k: 'or', a: left, b: this.#parseAnd() }
      } else return left
    }
  }

  #parseAnd(): Pred {
    let left = this.#parseUnary()
    for (;;) {
      this.#skipSpaces()
      if (this.#src.startsWith('&&', this.#pos)) {
        this.#pos += 2
        left = { k: 'and', a: left, b: this.#parseUnary() }
      } else return left
    }
  }

  #parseUnary(): Pred {
    this.#skipSpaces()
    const s = this.#src
    if (s[this.#pos] === '!' && s[this.#pos + 1] !== '=') {
      this.#pos++
      return { k: 'not', a: this.#parseUnary() }
    }
    if (s[this.#pos] === '(') {
      this.#pos++
      const inner = this.#parseOr()
      this.#skipSpaces()
      this.#expect(')')
      return inner
    }
    const l = this.#parseOperand()
    this.#skipSpaces()
    const op = this.#readOperator()
    if (op === undefined) return { k: 'exists', o: l }
    this.#skipSpaces()
    const r = this.#parseOperand()
    return { k: 'cmp', op, l, r }
  }

  #readOperator(): string | undefined {
    const s = this.#src
    for (const op of ['==', '!=', '<=', '>=', '=~', '<', '>']) {
      if (s.startsWith(op, this.#pos)) {
        this.#pos += op.length
        return op
      }
    }
    for (const op of WORD_OPS) {
      if (s.startsWith(op, this.#pos) && !/[A-Za-z0-9_]/.test(s[this.#pos + op.length] ?? '')) {
        this.#pos += op.length
        return op
      }
    }
    return undefined
  }

  #parseOperand(): Operand {
    const s = this.#src
    const c = s[this.#pos]
    if (c === '@' || c === '$') {
      this.#pos++
      const body = this.parseSteps(() => {
        const ch = s[this.#pos]
        return ch === undefined || (ch !== '.' && ch !== '[')
      })
      return { k: 'path', absolute: c === '$', path: body }
    }
    if (c === "'" || c === '"') return { k: 'value', v: this.#readQuoted() }
    if (c === '/') {
      let close = this.#pos + 1
      while (close < s.length && s[close] !== '/') close += s[close] === '\\' ? 2 : 1
      if (close >= s.length) this.#fail('unterminated regex')
      let end = close + 1
      while (end < s.length && /[a-z]/.test(s[end] as string)) end++
      const pattern = s.slice(this.#pos + 1, close)
      const flags = s.slice(close + 1, end).replace(/[^imsu]/g, '')
      this.#pos = end
      // Jayway compiles the pattern with java.util.regex and requires a whole match; it runs on RE2 here.
      try {
        const inline = flags.replace(/u/g, '')
        return { k: 'regex', re: compileRegex(inline === '' ? pattern : `(?${inline})${pattern}`, 'java') }
      } catch (e) {
        if (e instanceof RegexSyntaxError) this.#fail(`bad regex: ${e.reason}`)
        throw e
      }
    }
    if (c === '[' || c === '{') {
      const end = this.#matchingClose(c === '[' ? '[' : '{', c === '[' ? ']' : '}')
      const text = s.slice(this.#pos, end + 1).replace(/'((?:[^'\\]|\\.)*)'/g, (_m, g: string) => JSON.stringify(g))
      this.#pos = end + 1
      try {
        return { k: 'value', v: JSON.parse(text) }
      } catch {
        this.#fail('bad literal')
      }
    }
    const m = /^(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(s.slice(this.#pos))
    if (m === null) this.#fail('expected a value')
    const text = m[1] as string
    this.#pos += text.length
    return { k: 'value', v: text === 'true' ? true : text === 'false' ? false : text === 'null' ? null : Number(text) }
  }

  #matchingClose(open: string, close: string): number {
    const s = this.#src
    let depth = 0
    for (let k = this.#pos; k < s.length; k++) {
      const ch = s[k]
      if (ch === "'" || ch === '"') {
        k++
        while (k < s.length && s[k] !== ch) k += s[k] === '\\' ? 2 : 1
      } else if (ch === open) depth++
      else if (ch === close && --depth === 0) return k
    }
    return this.#fail(`missing ${close}`)
  }
}
