// Serverless Framework v3 variables in a parsed serverless.yml: `${self:…}`, `${opt:stage}`, `${sls:stage}`,
// `${env:…}`, `${file(./x.yml):key}`, `${param:…}`, `${aws:region}` / `${aws:accountId}`, nested and with
// fallbacks. Resolution is lazy (a `self:` reference resolves only what it reads), bounded (depth, file size),
// and never throws: a cycle or an unresolvable reference is a problem at the JSON pointer of the value holding it.

import { extname, isAbsolute, relative, resolve } from 'node:path'
import type { ConfigProblem } from '../../errors.js'
import { isRecord, parseYamlText } from '../config/config-file.js'
import { CONFIG_FILE_LIMIT, readBoundedText, tooLargeMessage } from '../config/limits.js'

/** What variables resolve against, besides the document itself. */
export interface VariableContext {
  /** The template's display name, for problems. */
  file: string
  /** Directory `${file(…)}` paths resolve against. */
  dir: string
  /** `--stage` (`${opt:stage}`); undefined when not given. */
  optStage?: string
  /** `--region` (`${opt:region}`); undefined when not given. */
  optRegion?: string
  /** `${param:…}` values given on the command line. */
  params: Record<string, string>
  accountId: string
  defaultRegion: string
}

export interface ResolvedDocument {
  value: unknown
  problems: ConfigProblem[]
  warnings: ConfigProblem[]
  /** Absolute paths of the files `${file(…)}` read. */
  files: string[]
}

/** How deeply variables may refer to values holding variables: past it, a chain is reported rather than followed. */
const MAX_CHAIN = 64
/** How many `${…}` one load may evaluate: a document that multiplies references is stopped, not followed. */
const MAX_EVALUATIONS = 100_000
const NOT_FOUND = Symbol('not found')
type Value = unknown | typeof NOT_FOUND

class Failure extends Error {}

function pointerSegment(key: string | number): string {
  return String(key).replace(/~/g, '~0').replace(/\//g, '~1')
}

/** Whether `s` holds a `${` that starts a variable. */
function hasVariable(s: string): boolean {
  return s.includes('${')
}

/** The index of the `}` closing the `${` at `start`, or -1. Quotes inside are skipped. */
function closingBrace(s: string, start: number): number {
  let depth = 0
  let quote: string | undefined
  for (let i = start; i < s.length; i++) {
    const c = s[i]!
    if (quote !== undefined) {
      if (c === quote) quote = undefined
      continue
    }
    if ((c === "'" || c === '"') && depth > 0) quote = c
    else if (c === '$' && s[i + 1] === '{') {
      depth++
      i++
    } else if (c === '}') {
      depth--
      if (depth === 0) return i
    }
  }
  return -1
}

/** Splits at the commas outside quotes, parentheses and nested `${…}`. */
function splitTopLevel(s: string): string[] {
  const parts: string[] = []
  let depth = 0
  let quote: string | undefined
  let start = 0
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!
    if (quote !== undefined) {
      if (c === quote) quote = undefined
    } else if (c === "'" || c === '"') quote = c
    else if (c === '{' || c === '(') depth++
    else if (c === '}' || c === ')') depth--
    else if (c === ',' && depth === 0) {
      parts.push(s.slice(start, i))
      start = i + 1
    }
  }
  parts.push(s.slice(start))
  return parts.map((p) => p.trim())
}

/** Reads `a.b.0.c` out of a value. */
function dig(value: unknown, address: string): Value {
  let cur: unknown = value
  if (address === '') return cur
  for (const key of address.split('.')) {
    if (Array.isArray(cur) && /^\d+$/.test(key)) cur = cur[Number(key)]
    else if (isRecord(cur) && Object.hasOwn(cur, key)) cur = cur[key]
    else return NOT_FOUND
    if (cur === undefined) return NOT_FOUND
  }
  return cur
}

class Resolver {
  readonly problems: ConfigProblem[] = []
  readonly warnings: ConfigProblem[] = []
  readonly files: string[] = []
  readonly #root: unknown
  readonly #ctx: VariableContext
  readonly #memo = new Map<string, unknown>()
  readonly #inProgress: string[] = []
  readonly #fileCache = new Map<string, unknown>()
  readonly #filesInProgress = new Set<string>()
  #evaluations = 0
  #stage: string | undefined
  #region: string | undefined

  constructor(root: unknown, ctx: VariableContext) {
    this.#root = root
    this.#ctx = ctx
  }

  problem(path: string, message: string): void {
    this.problems.push({ file: this.#ctx.file, path, message })
  }

  /** The fully resolved value of the raw node at `pointer` (memoised; cycles reported). */
  async resolveAt(pointer: string, raw: unknown): Promise<unknown> {
    if (this.#memo.has(pointer)) return this.#memo.get(pointer)
    if (this.#inProgress.includes(pointer)) {
      const cycle = [...this.#inProgress.slice(this.#inProgress.indexOf(pointer)), pointer].map((p) => p || '/').join(' → ')
      throw new Failure(`the variables refer to each other in a cycle: ${cycle}`)
    }
    if (this.#inProgress.length >= MAX_CHAIN) throw new Failure(`variables refer to values holding variables more than ${MAX_CHAIN} levels deep`)
    this.#inProgress.push(pointer)
    try {
      const value = await this.#resolveNode(pointer, raw)
      this.#memo.set(pointer, value)
      return value
    } finally {
      this.#inProgress.pop()
    }
  }

  async #resolveNode(pointer: string, raw: unknown): Promise<unknown> {
    if (typeof raw === 'string') {
      if (!hasVariable(raw)) return raw
      try {
        return await this.#resolveString(raw, pointer)
      } catch (err) {
        if (!(err instanceof Failure)) throw err
        // Reported at the value that holds the variable, once (the result is memoised); the value is left out.
        this.problem(pointer, err.message)
        return undefined
      }
    }
    if (Array.isArray(raw)) {
      const out: unknown[] = []
      for (let i = 0; i < raw.length; i++) out.push(await this.resolveAt(`${pointer}/${i}`, raw[i]))
      return out
    }
    if (isRecord(raw)) {
      const out: Record<string, unknown> = {}
      for (const [k, v] of Object.entries(raw)) {
        const value = await this.resolveAt(`${pointer}/${pointerSegment(k)}`, v)
        if (value !== undefined) out[k] = value
      }
      return out
    }
    return raw
  }

  /** A string holding variables: one whole variable keeps its value's type; otherwise the parts are joined as text. */
  async #resolveString(s: string, pointer: string): Promise<unknown> {
    const start = s.indexOf('${')
    const end = start < 0 ? -1 : closingBrace(s, start)
    if (start === 0 && end === s.length - 1) return this.#evaluate(s.slice(2, -1), pointer)
    let out = ''
    let i = 0
    while (i < s.length) {
      const open = s.indexOf('${', i)
      if (open < 0) {
        out += s.slice(i)
        break
      }
      const close = closingBrace(s, open)
      if (close < 0) throw new Failure(`"\${" at character ${open + 1} has no closing "}"`)
      out += s.slice(i, open)
      const value = await this.#evaluate(s.slice(open + 2, close), pointer)
      if (value !== null && typeof value === 'object') throw new Failure(`\${${s.slice(open + 2, close)}} gives an object or list, which cannot be part of a longer string`)
      out += String(value)
      i = close + 1
    }
    return out
  }

  /** The inside of one `${…}`: a reference, then fallbacks tried in order. */
  async #evaluate(inner: string, pointer: string): Promise<unknown> {
    if (++this.#evaluations > MAX_EVALUATIONS) throw new Failure(`the document evaluates more than ${MAX_EVALUATIONS} variables`)
    const parts = splitTopLevel(inner)
    for (let i = 0; i < parts.length; i++) {
      const value = await this.#term(parts[i]!, pointer, i > 0)
      if (value !== NOT_FOUND && value !== null && value !== undefined) return value
    }
    const first = parts[0] ?? ''
    throw new Failure(`cannot resolve \${${inner}}: ${this.#why(first)}`)
  }

  #why(ref: string): string {
    const source = /^([A-Za-z]+)\s*[:(]/.exec(ref)?.[1]
    if (source === 'env') return `the environment variable ${ref.slice(4)} is not set; set it or give a fallback, e.g. \${${ref}, 'default'}`
    if (source === 'param') return `no --param ${ref.slice(6)}=… was given and params: has no value for it; give one or a fallback`
    if (source === 'opt') return `the option --${ref.slice(4)} was not given; give it or a fallback`
    if (source === 'self') return 'nothing is declared at that address'
    if (source === 'file') return 'the file or the key in it was not found'
    if (source !== undefined && ['ssm', 'cf', 's3', 'sls', 'aws', 'strToBool'].includes(source)) return `the "${source}" source needs AWS or is not supported offline; give a fallback, e.g. \${${ref}, 'value'}`
    return 'no such variable source (self, opt, sls, env, file, param and aws are read)'
  }

  /** One term of a variable: a literal fallback, a nested `${…}`, or a `source:address` reference. */
  async #term(term: string, pointer: string, isFallback: boolean): Promise<Value> {
    const quoted = /^'([^']*)'$|^"([^"]*)"$/.exec(term)
    if (quoted) return quoted[1] ?? quoted[2] ?? ''
    if (term.startsWith('${') && closingBrace(term, 0) === term.length - 1) {
      try {
        return await this.#evaluate(term.slice(2, -1), pointer)
      } catch (err) {
        if (err instanceof Failure && isFallback) return NOT_FOUND
        throw err
      }
    }
    if (isFallback && /^-?\d+(\.\d+)?$/.test(term)) return Number(term)
    if (isFallback && (term === 'true' || term === 'false')) return term === 'true'
    if (isFallback && term === 'null') return NOT_FOUND
    // A reference whose address holds variables of its own: `self:custom.${opt:stage}`.
    const ref = hasVariable(term) ? String(await this.#resolveString(term, pointer)) : term
    const m = /^([A-Za-z]+)(?:\(([^)]*)\)(?=:|$))?(?::(.*))?$/s.exec(ref)
    if (m === null || (m[2] === undefined && m[3] === undefined)) {
      if (isFallback) return ref
      throw new Failure(`"\${${term}}" is not a variable: write \${source:address}, e.g. \${self:custom.x}`)
    }
    const [, source, arg, address] = m as unknown as [string, string, string | undefined, string | undefined]
    return this.#source(source, arg, (address ?? '').trim(), pointer)
  }

  async #source(source: string, arg: string | undefined, address: string, pointer: string): Promise<Value> {
    switch (source) {
      case 'self':
        return this.#self(address)
      case 'opt':
        if (address === 'stage') return this.#ctx.optStage ?? NOT_FOUND
        if (address === 'region') return this.#ctx.optRegion ?? NOT_FOUND
        return NOT_FOUND
      case 'sls':
        if (address === 'stage') return this.stage()
        if (address === 'instanceId') return 'gatehouse'
        return NOT_FOUND
      case 'aws':
        if (address === 'region') return this.region()
        if (address === 'accountId') return this.#ctx.accountId
        return NOT_FOUND
      case 'env': {
        const v = process.env[address]
        return v === undefined ? NOT_FOUND : v
      }
      case 'param':
        return this.#param(address)
      case 'file':
        return this.#file(arg ?? '', address, pointer)
      default:
        return NOT_FOUND
    }
  }

  /** `${sls:stage}`: `--stage`, else `provider.stage`, else `dev`. */
  async stage(): Promise<string> {
    if (this.#stage !== undefined) return this.#stage
    let stage = this.#ctx.optStage
    if (stage === undefined) {
      const declared = await this.#self('provider.stage')
      stage = typeof declared === 'string' && declared !== '' ? declared : 'dev'
    }
    this.#stage = stage
    return stage
  }

  /** `${aws:region}`: `--region`, else `provider.region`, else the default region. */
  async region(): Promise<string> {
    if (this.#region !== undefined) return this.#region
    let region = this.#ctx.optRegion
    if (region === undefined) {
      const declared = await this.#self('provider.region')
      region = typeof declared === 'string' && declared !== '' ? declared : this.#ctx.defaultRegion
    }
    this.#region = region
    return region
  }

  async #param(name: string): Promise<Value> {
    if (Object.hasOwn(this.#ctx.params, name)) return this.#ctx.params[name]
    const stage = await this.stage()
    for (const scope of [stage, 'default']) {
      const v = await this.#self(`params.${scope}.${name}`)
      if (v !== NOT_FOUND) return v
    }
    return NOT_FOUND
  }

  /** `${self:a.b}`: walks the raw document, resolving each node it passes through. */
  async #self(address: string): Promise<Value> {
    let pointer = ''
    let raw: unknown = this.#root
    let resolved = false
    if (address === '') throw new Failure('${self:} needs an address, e.g. ${self:service}')
    for (const key of address.split('.')) {
      if (typeof raw === 'string' && hasVariable(raw)) {
        raw = await this.resolveAt(pointer, raw)
        resolved = true
      }
      if (Array.isArray(raw) && /^\d+$/.test(key)) raw = raw[Number(key)]
      else if (isRecord(raw) && Object.hasOwn(raw, key)) raw = raw[key]
      else return NOT_FOUND
      if (raw === undefined) return NOT_FOUND
      pointer += `/${pointerSegment(key)}`
    }
    // Below a value that came from a variable (a file, another reference), everything is already resolved.
    return resolved ? raw : this.resolveAt(pointer, raw)
  }

  async #file(arg: string, address: string, pointer: string): Promise<Value> {
    const name = arg.trim().replace(/^(['"])(.*)\1$/, '$2')
    if (name === '') throw new Failure('${file()} needs a file name, e.g. ${file(./config.yml):key}')
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(name)) throw new Failure(`\${file(${name})}: only local files are read`)
    const abs = isAbsolute(name) ? name : resolve(this.#ctx.dir, name)
    const ext = extname(abs).toLowerCase()
    if (['.js', '.cjs', '.mjs', '.ts'].includes(ext)) throw new Failure(`\${file(${name})}: JavaScript files are not run to compute variables; use a YAML or JSON file`)
    let content = this.#fileCache.get(abs)
    if (content === undefined) {
      if (this.#filesInProgress.has(abs)) throw new Failure(`\${file(${name})} includes itself (a cycle of files)`)
      const read = await readBoundedText(abs, CONFIG_FILE_LIMIT)
      if ('error' in read) throw new Failure(`cannot read ${name}: ${read.error}`)
      if ('tooLarge' in read) throw new Failure(tooLargeMessage(`file ${name}`, read.tooLarge.size, read.tooLarge.limit, 'variables read small files'))
      const display = relative(this.#ctx.dir, abs) || name
      const parsed = parseYamlText(read.text, display)
      if (parsed.problems.length > 0) throw new Failure(`cannot parse ${name}: ${parsed.problems[0]!.message}`)
      if (!this.files.includes(abs)) this.files.push(abs)
      // Variables inside the file resolve against this document (as the framework does), at this value's pointer.
      this.#filesInProgress.add(abs)
      try {
        content = await this.#resolveLoose(parsed.value ?? null, pointer)
      } finally {
        this.#filesInProgress.delete(abs)
      }
      this.#fileCache.set(abs, content)
    }
    if (address === '') return content
    return dig(content, address)
  }

  /** Resolves a value from outside the document (an included file): strings with variables, recursively, unmemoised. */
  async #resolveLoose(raw: unknown, pointer: string): Promise<unknown> {
    if (typeof raw === 'string') return hasVariable(raw) ? this.#resolveString(raw, pointer) : raw
    if (Array.isArray(raw)) {
      const out: unknown[] = []
      for (const v of raw) out.push(await this.#resolveLoose(v, pointer))
      return out
    }
    if (isRecord(raw)) {
      const out: Record<string, unknown> = {}
      for (const [k, v] of Object.entries(raw)) out[k] = await this.#resolveLoose(v, pointer)
      return out
    }
    return raw
  }
}

/**
 * Resolves every variable in `doc`. Values whose variables cannot be resolved are left out (and reported); the
 * rest of the document is returned resolved.
 */
export async function resolveVariables(doc: unknown, ctx: VariableContext): Promise<ResolvedDocument & { stage: string; region: string }> {
  const r = new Resolver(doc, ctx)
  let value: unknown
  let stage = 'dev'
  let region = ctx.defaultRegion
  try {
    value = await r.resolveAt('', doc)
    stage = await r.stage().catch(() => ctx.optStage ?? 'dev')
    region = await r.region().catch(() => ctx.defaultRegion)
  } catch (err) {
    r.problem('', err instanceof Error ? err.message : String(err))
  }
  return { value, problems: r.problems, warnings: r.warnings, files: r.files, stage, region }
}
