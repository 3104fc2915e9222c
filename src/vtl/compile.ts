// Template source → program tree, done once at deploy time. velocityjs's grammar does the lexing and parsing;
// this module nests the blocks itself (so unbalanced `#end`s are syntax errors, as in Velocity), applies
// velocityjs's newline trimming, hoists macros and pre-parses every interpolated string literal.

import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { compileRegex, RegexSyntaxError, type UserRegex } from '../regex/index.js'
import { TemplateSyntaxError } from './errors.js'

// ---------------------------------------------------------------------------------------------------
// The program tree the renderer walks.

/** Where a directive sits in its template, for error messages. */
export type Where = string

export type Node =
  | { readonly k: 'text'; readonly text: string }
  | { readonly k: 'out'; readonly ref: RefExpr }
  | { readonly k: 'set'; readonly target: RefExpr; readonly value: Expr }
  | { readonly k: 'if'; readonly branches: readonly Branch[] }
  | { readonly k: 'foreach'; readonly varName: string; readonly from: Expr; readonly body: readonly Node[]; readonly where: Where }
  | { readonly k: 'break' }
  | { readonly k: 'stop' }
  | { readonly k: 'call'; readonly name: string; readonly args: readonly Expr[]; readonly body: readonly Node[] | null; readonly where: Where }
  | { readonly k: 'define'; readonly name: string; readonly body: readonly Node[] }

export interface Branch {
  readonly cond: Expr | null
  readonly body: readonly Node[]
}

export type Expr =
  | { readonly k: 'lit'; readonly v: unknown }
  | { readonly k: 'interp'; readonly body: readonly Node[] }
  | RefExpr
  | { readonly k: 'list'; readonly items: readonly Expr[] }
  | { readonly k: 'range'; readonly from: Expr; readonly to: Expr }
  | { readonly k: 'map'; readonly entries: readonly (readonly [string, Expr])[] }
  | { readonly k: 'bin'; readonly op: string; readonly a: Expr; readonly b: Expr }
  | { readonly k: 'not'; readonly a: Expr }
  | { readonly k: 'neg'; readonly a: Expr }

export interface RefExpr {
  readonly k: 'ref'
  readonly id: string
  readonly path: readonly Seg[]
  /** `$name(...)` at the root: Velocity has no such functions, so it evaluates to null. */
  readonly rootCall: boolean
}

export type Seg =
  | { readonly k: 'prop'; readonly name: string }
  | { readonly k: 'index'; readonly key: Expr }
  /** `regex`: the first argument of a String regex method, when the template spells it as a literal, compiled. */
  | { readonly k: 'call'; readonly name: string; readonly args: readonly Expr[]; readonly regex?: UserRegex }

export interface MacroDef {
  readonly params: readonly string[]
  readonly body: readonly Node[]
}

export interface Program {
  readonly nodes: readonly Node[]
  readonly macros: ReadonlyMap<string, MacroDef>
  /** The regular expressions written as literals in the template (compiled), in order. */
  readonly regexes: readonly UserRegex[]
}

// ---------------------------------------------------------------------------------------------------
// velocityjs's raw grammar. Its public `parse()` silently repairs a missing or extra `#end` (dropping or
// duplicating text), so we take the token list from the grammar module it ships and nest it ourselves.

interface RawPos {
  first_line: number
  first_column: number
  last_line: number
  last_column: number
}

interface RawRef {
  type: 'references'
  id: string
  leader: string
  path?: RawAttr[]
  args?: RawExpr[] | false
  pos?: RawPos
}

type RawAttr =
  | { type: 'property'; id: string }
  | { type: 'index'; id: RawExpr }
  | { type: 'method'; id: string; args?: RawExpr[] | false }

type RawExpr =
  | RawRef
  | { type: 'string'; value: string; isEval?: boolean }
  | { type: 'integer' | 'decimal'; value: string | number }
  | { type: 'bool'; value: 'true' | 'false' | 'null' }
  | { type: 'array'; value: (RawExpr | string | number)[]; isRange?: boolean }
  | { type: 'map'; value?: Record<string, RawExpr> }
  | { type: 'math'; operator: string; expression: RawExpr[] }
  | { type: 'runt'; value: string }

type RawOpen =
  | { type: 'if'; condition: RawExpr; pos?: RawPos }
  | { type: 'noescape'; pos?: RawPos }
  | { type: 'foreach'; to: string; from: RawExpr; pos?: RawPos }
  | { type: 'macro'; id: string; args?: RawRef[]; pos?: RawPos }
  | { type: 'macro_body'; id: string; args?: RawExpr[]; pos?: RawPos }
  | { type: 'define'; id: string; pos?: RawPos }

type RawDirective =
  | RawOpen
  | { type: 'set'; equal: [RawRef, RawExpr]; pos?: RawPos }
  | { type: 'elseif'; condition: RawExpr; pos?: RawPos }
  | { type: 'else' | 'end' | 'break' | 'stop'; pos?: RawPos }
  | { type: 'macro_call'; id: string; args?: RawExpr[]; pos?: RawPos }
  | { type: 'comment' | 'raw'; value: string; pos?: RawPos }

type RawToken = string | RawRef | RawDirective

interface JisonError extends Error {
  hash?: { loc?: { first_line?: number; first_column?: number }; line?: number; text?: string; expected?: string[] }
}

/**
 * The velocityjs release whose grammar module {@link loadVelocityGrammar} loads. package.json pins velocityjs
 * to exactly this version, because that module is not part of the package's public API.
 */
export const VELOCITYJS_VERSION = '2.1.7'

const GRAMMAR_MODULE = 'dist/cjs/parse/index.cjs'

function installedVersion(entry: string): string | undefined {
  for (let dir = dirname(entry); dir !== dirname(dir); dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: unknown; version?: unknown }
      if (pkg.name === 'velocityjs') return typeof pkg.version === 'string' ? pkg.version : undefined
    } catch {
      // No package.json at this level: keep walking up.
    }
  }
  return undefined
}

/**
 * Loads velocityjs's raw grammar: the jison parser in `dist/cjs/parse/index.cjs`, export `parse_1`, which
 * turns a template into a flat token list. velocityjs is resolved from `from` (default: this module).
 * Throws an Error naming {@link VELOCITYJS_VERSION} when velocityjs is missing or has no such module.
 *
 * @example
 * loadVelocityGrammar()('#set($a = 1)$a') // → [{ type: 'set', … }, { type: 'references', id: 'a', … }]
 */
export function loadVelocityGrammar(from: string | URL = import.meta.url): (source: string) => unknown[] {
  const require = createRequire(from)
  let entry: string
  try {
    entry = require.resolve('velocityjs')
  } catch {
    throw new Error(`Mapping templates need velocityjs ${VELOCITYJS_VERSION}, which is not installed: npm install velocityjs@${VELOCITYJS_VERSION}`)
  }
  const version = installedVersion(entry)
  const refuse = (why: string): never => {
    throw new Error(
      `velocityjs ${version ?? '(unknown version)'} is installed, but Gatehouse needs velocityjs ${VELOCITYJS_VERSION} exactly: ` +
        `it loads the package's grammar module ${GRAMMAR_MODULE} (export parse_1), which is not public API, and ${why}. ` +
        `Install the pinned version: npm install velocityjs@${VELOCITYJS_VERSION}`,
    )
  }
  // The package's CommonJS entry is dist/cjs/index.cjs; the grammar sits next to it in parse/.
  const file = join(dirname(entry), 'parse', 'index.cjs')
  let mod: { parse_1?: unknown }
  try {
    mod = require(file) as { parse_1?: unknown }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw err
    return refuse('this version does not have it')
  }
  if (typeof mod.parse_1 !== 'function') return refuse('in this version it does not export parse_1')
  return mod.parse_1 as (source: string) => unknown[]
}

const grammar = loadVelocityGrammar() as (source: string) => RawToken[]

function lex(source: string, offset: Loc | undefined): RawToken[] {
  try {
    return grammar(source)
  } catch (e) {
    const err = e as JisonError
    const text = err.hash?.text
    const expected = err.hash?.expected
    // Without a jison hash the grammar itself failed on input it half-accepted; pass its message on.
    let detail =
      text === undefined
        ? `cannot parse the template (${(err.message ?? String(e)).split('\n')[0]})`
        : text === ''
          ? 'unexpected end of template'
          : `unexpected ${JSON.stringify(text)}`
    if (expected !== undefined && expected.length > 0 && expected.length <= 8) detail += `, expected ${expected.join(' or ')}`
    if (offset !== undefined) throw new TemplateSyntaxError(`in a string literal: ${detail}`, offset.line, offset.column, { cause: e })
    const loc = err.hash?.loc
    const line = loc?.first_line ?? (err.hash?.line !== undefined ? err.hash.line + 1 : undefined)
    const column = loc?.first_column !== undefined ? loc.first_column + 1 : undefined
    throw new TemplateSyntaxError(detail, line, column, { cause: e })
  }
}

interface Loc {
  line: number
  column: number
}

function locOf(pos: RawPos | undefined, base: Loc | undefined): Loc | undefined {
  if (base !== undefined) return base
  return pos === undefined ? undefined : { line: pos.first_line, column: pos.first_column + 1 }
}

function whereOf(loc: Loc | undefined): Where {
  return loc === undefined ? 'template' : `line ${loc.line}, column ${loc.column}`
}

// velocityjs's lexer does not know `#stop` without parentheses: it yields "#s" + "top...". Velocity does.
function recogniseStop(tokens: RawToken[]): RawToken[] {
  const out: RawToken[] = []
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as RawToken
    const next = tokens[i + 1]
    if (typeof next === 'string') {
      if (t === '#s' && next.startsWith('top') && !/^[A-Za-z0-9_-]/.test(next.slice(3))) {
        out.push({ type: 'stop' }, next.slice(3))
        i++
        continue
      }
      if (t === '#{' && next.startsWith('stop}')) {
        out.push({ type: 'stop' }, next.slice(5))
        i++
        continue
      }
    }
    if (typeof t === 'object' && t.type === 'macro_call' && t.id === 'stop' && (t.args === undefined || t.args.length === 0)) {
      out.push({ type: 'stop', ...(t.pos === undefined ? {} : { pos: t.pos }) })
      continue
    }
    out.push(t)
  }
  return out
}

// velocityjs drops a run of spaces/tabs plus one newline right after every directive (not after `$refs`).
// Velocity 1.7's own whitespace gobbling differs in detail (§17 [K]); both keep JSON output valid.
const TRIM = /^[ \t]*\n/
function trimAfterDirectives(tokens: RawToken[]): void {
  for (let i = 0; i < tokens.length - 1; i++) {
    const t = tokens[i] as RawToken
    if (typeof t === 'string' || t.type === 'references' || t.type === 'raw') continue
    const next = tokens[i + 1]
    if (typeof next === 'string' && TRIM.test(next)) tokens[i + 1] = next.replace(TRIM, '')
  }
}

// A nested block: the opening directive and the tokens up to its `#end`.
interface RawBlock {
  readonly open: RawOpen
  readonly items: RawItem[]
}
type RawItem = RawToken | RawBlock

const BLOCK_TYPES = new Set(['if', 'foreach', 'macro', 'macro_body', 'define', 'noescape'])

function isBlock(item: RawItem): item is RawBlock {
  return typeof item === 'object' && 'open' in item
}

function directiveName(type: string): string {
  return type === 'macro_body' ? '#@' : `#${type}`
}

function nest(tokens: RawToken[], base: Loc | undefined): RawItem[] {
  const root: RawItem[] = []
  const stack: RawBlock[] = []
  let current = root
  for (const t of tokens) {
    if (typeof t !== 'string' && BLOCK_TYPES.has(t.type)) {
      const block: RawBlock = { open: t as RawOpen, items: [] }
      current.push(block)
      stack.push(block)
      current = block.items
      continue
    }
    if (typeof t !== 'string' && (t.type === 'else' || t.type === 'elseif')) {
      const top = stack[stack.length - 1]
      if (top === undefined || top.open.type !== 'if') {
        const loc = locOf(t.pos, base)
        throw new TemplateSyntaxError(`#${t.type} without a matching #if`, loc?.line, loc?.column)
      }
      if (top.items.some((x) => typeof x === 'object' && !isBlock(x) && x.type === 'else')) {
        const loc = locOf(t.pos, base)
        throw new TemplateSyntaxError(`#${t.type} after #else`, loc?.line, loc?.column)
      }
      current.push(t)
      continue
    }
    if (typeof t !== 'string' && t.type === 'end') {
      const closed = stack.pop()
      if (closed === undefined) {
        const loc = locOf(t.pos, base)
        throw new TemplateSyntaxError('#end without a matching #if, #foreach, #macro or #define', loc?.line, loc?.column)
      }
      const parent = stack[stack.length - 1]
      current = parent === undefined ? root : parent.items
      continue
    }
    current.push(t)
  }
  const open = stack[stack.length - 1]
  if (open !== undefined) {
    const loc = locOf(open.open.pos, base)
    throw new TemplateSyntaxError(`${directiveName(open.open.type)} has no matching #end`, loc?.line, loc?.column)
  }
  return root
}

function parseItems(source: string, base: Loc | undefined): RawItem[] {
  const tokens = recogniseStop(lex(source, base))
  trimAfterDirectives(tokens)
  return nest(tokens, base)
}

// ---------------------------------------------------------------------------------------------------
// Conversion into the program tree.

class Converter {
  readonly macros = new Map<string, MacroDef>()
  readonly regexes: UserRegex[] = []
  readonly #macroNames = new Set<string>()
  readonly #pending: { name: string; block: RawBlock; source: string; base: Loc | undefined }[] = []

  collectMacros(items: RawItem[], source: string, base: Loc | undefined): void {
    for (const item of items) {
      if (!isBlock(item)) continue
      if (item.open.type === 'macro') {
        this.#macroNames.add(item.open.id)
        this.#pending.push({ name: item.open.id, block: item, source, base })
      }
      this.collectMacros(item.items, source, base)
    }
  }

  finishMacros(): void {
    for (const { name, block, source, base } of this.#pending) {
      const open = block.open as Extract<RawOpen, { type: 'macro' }>
      const params = (open.args ?? []).map((a) => a.id)
      this.macros.set(name, { params, body: this.nodes(block.items, source, base) })
    }
  }

  nodes(items: RawItem[], source: string, base: Loc | undefined): Node[] {
    const out: Node[] = []
    const pushText = (text: string): void => {
      if (text === '') return
      const last = out[out.length - 1]
      if (last !== undefined && last.k === 'text') out[out.length - 1] = { k: 'text', text: last.text + text }
      else out.push({ k: 'text', text })
    }
    for (const item of items) {
      if (typeof item === 'string') {
        pushText(item)
        continue
      }
      if (isBlock(item)) {
        const node = this.block(item, source, base)
        if (node !== null) out.push(node)
        continue
      }
      const loc = locOf(item.pos, base)
      switch (item.type) {
        case 'references':
          out.push({ k: 'out', ref: this.ref(item, loc) })
          break
        case 'set':
          out.push({ k: 'set', target: this.ref(item.equal[0], loc), value: this.expr(item.equal[1], loc) })
          break
        case 'break':
          out.push({ k: 'break' })
          break
        case 'stop':
          out.push({ k: 'stop' })
          break
        case 'raw':
          pushText(item.value)
          break
        case 'comment':
          break
        case 'macro_call':
          if (this.#macroNames.has(item.id)) {
            out.push({ k: 'call', name: item.id, args: (item.args || []).map((a) => this.expr(a, loc)), body: null, where: whereOf(loc) })
          } else {
            // Velocity prints an unknown macro call (and #include/#parse/#evaluate, which AWS has no loader
            // for) as the literal text.
            pushText(sourceText(source, item.pos) ?? `#${item.id}()`)
          }
          break
        default:
          break
      }
    }
    return out
  }

  block(block: RawBlock, source: string, base: Loc | undefined): Node | null {
    const open = block.open
    const loc = locOf(open.pos, base)
    switch (open.type) {
      case 'if': {
        const branches: Branch[] = []
        let cond: Expr | null = this.expr(open.condition, loc)
        let body: RawItem[] = []
        for (const item of block.items) {
          if (typeof item === 'object' && !isBlock(item) && (item.type === 'elseif' || item.type === 'else')) {
            branches.push({ cond, body: this.nodes(body, source, base) })
            cond = item.type === 'elseif' ? this.expr(item.condition, locOf(item.pos, base)) : null
            body = []
          } else {
            body.push(item)
          }
        }
        branches.push({ cond, body: this.nodes(body, source, base) })
        return { k: 'if', branches }
      }
      case 'foreach':
        return { k: 'foreach', varName: open.to, from: this.expr(open.from, loc), body: this.nodes(block.items, source, base), where: whereOf(loc) }
      case 'macro':
        return null
      case 'macro_body':
        if (!this.#macroNames.has(open.id)) return { k: 'text', text: '' }
        return {
          k: 'call',
          name: open.id,
          args: (open.args || []).map((a) => this.expr(a, loc)),
          body: this.nodes(block.items, source, base),
          where: whereOf(loc),
        }
      case 'define':
        return { k: 'define', name: open.id, body: this.nodes(block.items, source, base) }
      case 'noescape':
        return { k: 'if', branches: [{ cond: null, body: this.nodes(block.items, source, base) }] }
    }
  }

  ref(raw: RawRef, loc: Loc | undefined): RefExpr {
    const path: Seg[] = (raw.path ?? []).map((attr): Seg => {
      switch (attr.type) {
        case 'property':
          return { k: 'prop', name: attr.id }
        case 'index':
          return { k: 'index', key: this.expr(attr.id, loc) }
        case 'method': {
          const args = (attr.args || []).map((a) => this.expr(a, loc))
          const regex = literalRegex(attr.id, args, loc)
          if (regex === undefined) return { k: 'call', name: attr.id, args }
          this.regexes.push(regex)
          return { k: 'call', name: attr.id, args, regex }
        }
      }
    })
    return { k: 'ref', id: raw.id, path, rootCall: raw.args !== undefined }
  }

  expr(raw: RawExpr | string | number, loc: Loc | undefined): Expr {
    if (typeof raw === 'string') return { k: 'lit', v: Number(raw) }
    if (typeof raw === 'number') return { k: 'lit', v: raw }
    switch (raw.type) {
      case 'references':
        return this.ref(raw, loc)
      case 'string': {
        if (raw.isEval !== true || (!raw.value.includes('$') && !raw.value.includes('#'))) return { k: 'lit', v: raw.value }
        const body = this.nodes(parseItems(raw.value, loc ?? { line: 1, column: 1 }), raw.value, loc ?? { line: 1, column: 1 })
        if (body.length === 0) return { k: 'lit', v: '' }
        const only = body[0]
        if (body.length === 1 && only !== undefined && only.k === 'text') return { k: 'lit', v: only.text }
        return { k: 'interp', body }
      }
      case 'integer':
      case 'decimal':
        return { k: 'lit', v: Number(raw.value) }
      case 'bool':
        return { k: 'lit', v: raw.value === 'true' ? true : raw.value === 'false' ? false : null }
      case 'array':
        if (raw.isRange === true) {
          const [from, to] = raw.value
          return { k: 'range', from: this.expr(from ?? 0, loc), to: this.expr(to ?? 0, loc) }
        }
        return { k: 'list', items: raw.value.map((v) => this.expr(v, loc)) }
      case 'map': {
        const value = raw.value ?? {}
        return { k: 'map', entries: Object.keys(value).map((key) => [key, this.expr(value[key] as RawExpr, loc)] as const) }
      }
      case 'math': {
        const [a, b] = raw.expression
        if (a === undefined) return { k: 'lit', v: null }
        if (raw.operator === 'not') return { k: 'not', a: this.expr(a, loc) }
        if (raw.operator === 'minus') return { k: 'neg', a: this.expr(a, loc) }
        if (raw.operator === 'parenthesis' || b === undefined) return this.expr(a, loc)
        return { k: 'bin', op: raw.operator, a: this.expr(a, loc), b: this.expr(b, loc) }
      }
      case 'runt':
        return { k: 'lit', v: raw.value }
    }
  }
}

/** The String methods whose first argument is a Java regular expression, with the argument counts they take. */
export const REGEX_METHODS: ReadonlyMap<string, readonly number[]> = new Map([
  ['matches', [1]],
  ['replaceAll', [2]],
  ['replaceFirst', [2]],
  ['split', [1, 2]],
])

// A regex written as a literal in the template is compiled with it, once: a pattern RE2 cannot run is a
// syntax error of the template, found at deploy time, not a failure of every request.
function literalRegex(method: string, args: readonly Expr[], loc: Loc | undefined): UserRegex | undefined {
  const first = args[0]
  if (first === undefined || first.k !== 'lit' || typeof first.v !== 'string' || !REGEX_METHODS.get(method)?.includes(args.length)) return undefined
  try {
    return compileRegex(first.v, 'java')
  } catch (err) {
    if (err instanceof RegexSyntaxError) throw new TemplateSyntaxError(`${method}(): ${err.message}`, loc?.line, loc?.column, { cause: err })
    throw err
  }
}

function sourceText(source: string, pos: RawPos | undefined): string | undefined {
  if (pos === undefined) return undefined
  const offsetOf = (line: number, column: number): number => {
    let off = 0
    for (let l = 1; l < line; l++) {
      const nl = source.indexOf('\n', off)
      if (nl === -1) return source.length
      off = nl + 1
    }
    return off + column
  }
  return source.slice(offsetOf(pos.first_line, pos.first_column), offsetOf(pos.last_line, pos.last_column))
}

/** Parses a template into a program. Throws TemplateSyntaxError with the line and column of the problem. */
export function compileProgram(source: string): Program {
  try {
    const items = parseItems(source, undefined)
    const conv = new Converter()
    conv.collectMacros(items, source, undefined)
    conv.finishMacros()
    const nodes = conv.nodes(items, source, undefined)
    return { nodes, macros: conv.macros, regexes: conv.regexes }
  } catch (err) {
    // Expressions or blocks nested tens of thousands deep exhaust the stack of the recursive conversion.
    if (err instanceof RangeError) throw new TemplateSyntaxError(`the template nests too deeply (${err.message})`, undefined, undefined, { cause: err })
    throw err
  }
}
