// IAM-style policy evaluation for execute-api: method ARNs, compiled policies (Action/NotAction,
// Resource/NotResource, Principal/NotPrincipal, Condition) and the combined authorizer × resource-policy
// tables (docs/aws-behaviour.md §0, §7.3, §7.5–§7.7). Pure: no I/O.

import { isIPv4, isIPv6 } from 'node:net'
import type { ConfigProblem } from '../errors.js'

// ---------------------------------------------------------------------------------------------------
// ARNs

/** A method ARN longer than this gets `414 Request URI too long` on AWS (§0). */
export const METHOD_ARN_MAX_BYTES = 1600

/**
 * The ARN of an invoked method (§0): the **actual** request path, not the resource template.
 *
 * @example
 * methodArn({ region: 'us-east-1', accountId: '123456789012', apiId: 'a1b2c3d4e5', stage: 'dev', method: 'GET', path: '/' })
 * // 'arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/dev/GET/'
 */
export function methodArn(p: { region: string; accountId: string; apiId: string; stage: string; method: string; path: string }): string {
  const path = p.path.startsWith('/') ? p.path : `/${p.path}`
  return `${apiArn(p.region, p.accountId, p.apiId)}/${p.stage}/${p.method}${path}`
}

/** `arn:aws:execute-api:{region}:{accountId}:{apiId}`: what the `execute-api:/…` shorthand of resource policies expands to. */
export function apiArn(region: string, accountId: string, apiId: string): string {
  return `arn:aws:execute-api:${region}:${accountId}:${apiId}`
}

/**
 * The ACCESS_DENIED message for an IAM or resource-policy refusal (§7.5, §7.6).
 * @param principalArn the caller's ARN; undefined for an anonymous caller.
 */
export function accessDeniedMessage(principalArn: string | undefined, resource: string, explicitDeny: boolean, action = 'execute-api:Invoke'): string {
  return `User: ${principalArn ?? 'anonymous'} is not authorized to perform: ${action} on resource: ${resource}${explicitDeny ? ' with an explicit deny' : ''}`
}

// ---------------------------------------------------------------------------------------------------
// Requests and decisions

export type PolicyPrincipal = { type: 'anonymous' } | { type: 'aws'; arn: string; accountId: string }

export interface PolicyRequest {
  /** e.g. `execute-api:Invoke`. */
  action: string
  /** e.g. a method ARN. */
  resource: string
  /** The caller; absent means anonymous. */
  principal?: PolicyPrincipal
  /**
   * Condition keys (case-insensitive, as in IAM) with their values: `aws:SourceIp`, `aws:UserAgent`,
   * `aws:Referer`, `aws:SecureTransport`, `aws:CurrentTime`, `aws:EpochTime`, `aws:PrincipalArn`, … A
   * missing or undefined key is absent from the request. See {@link requestConditions}.
   */
  conditions: Record<string, string | string[] | undefined>
}

/** Explicit allow, explicit deny, or no statement matched. */
export type Decision = 'ALLOW' | 'DENY' | 'SILENT'

export interface CompileOptions {
  /** The API's ARN (see {@link apiArn}); expands `execute-api:/{stage}/{METHOD}/{path}` Resources of resource policies. */
  resourcePolicyApiArn?: string
}

export interface CompiledPolicy {
  /** Deny anywhere wins; then any Allow; otherwise SILENT. */
  evaluate(req: PolicyRequest): Decision
  /** How many statements the policy has. */
  readonly statementCount: number
}

/** A malformed policy, with every problem found (paths are JSON pointers inside the policy). */
export class PolicyError extends Error {
  readonly problems: ConfigProblem[]
  constructor(problems: ConfigProblem[]) {
    super(`Invalid policy: ${problems.map((p) => `${p.path || '/'}: ${p.message}`).join('; ')}`)
    this.name = 'PolicyError'
    this.problems = problems
  }
}

/**
 * Validates a policy once (an object or its JSON text) and returns an evaluator for the hot path.
 * Throws {@link PolicyError} listing every problem.
 *
 * Not supported (refused or taken literally): policy variables such as `${aws:username}` are matched
 * literally; `Version` is not interpreted.
 *
 * @example
 * const p = compilePolicy({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*',
 *   Action: 'execute-api:Invoke', Resource: 'execute-api:/*' }] }, { resourcePolicyApiArn: apiArn('us-east-1', '123456789012', 'a1b2c3d4e5') })
 * p.evaluate({ action: 'execute-api:Invoke', resource: arn, conditions: {} }) // 'ALLOW'
 */
export function compilePolicy(policy: unknown, opts: CompileOptions = {}): CompiledPolicy {
  const problems: ConfigProblem[] = []
  const problem = (path: string, message: string) => problems.push({ path, message })
  let doc = policy
  if (typeof doc === 'string') {
    try {
      doc = JSON.parse(doc)
    } catch (err) {
      throw new PolicyError([{ path: '', message: `not valid JSON (${(err as Error).message})` }])
    }
  }
  if (!isObject(doc)) throw new PolicyError([{ path: '', message: 'a policy must be a JSON object' }])
  for (const key of Object.keys(doc)) {
    if (key !== 'Version' && key !== 'Id' && key !== 'Statement') problem(`/${key}`, `unknown policy element "${key}"`)
  }
  if (doc.Version !== undefined && typeof doc.Version !== 'string') problem('/Version', 'Version must be a string')
  const raw = doc.Statement
  let rawStatements: Array<{ value: unknown; path: string }> = []
  if (raw === undefined) problem('/Statement', 'Statement is required')
  else if (Array.isArray(raw)) rawStatements = raw.map((value, i) => ({ value, path: `/Statement/${i}` }))
  else rawStatements = [{ value: raw, path: '/Statement' }]

  const statements: Statement[] = []
  for (const { value, path } of rawStatements) {
    const st = compileStatement(value, path, opts, problem)
    if (st) statements.push(st)
  }
  if (problems.length > 0) throw new PolicyError(problems)

  // Deny statements first: a matching Deny ends evaluation, and once an Allow matched only Deny can change it.
  const denies = statements.filter((s) => s.deny)
  const allows = statements.filter((s) => !s.deny)
  return {
    statementCount: statements.length,
    evaluate(req: PolicyRequest): Decision {
      const ctx = new ConditionLookup(req.conditions)
      for (const s of denies) if (applies(s, req, ctx)) return 'DENY'
      for (const s of allows) if (applies(s, req, ctx)) return 'ALLOW'
      return 'SILENT'
    },
  }
}

const objectCache = new WeakMap<object, Map<string, CompiledPolicy>>()
const textCache = new Map<string, CompiledPolicy>()
const TEXT_CACHE_LIMIT = 256

/**
 * Evaluates a policy (object or JSON text) for one request. Compiled policies are cached per policy
 * object (and per text, boundedly); throws {@link PolicyError} for a malformed policy.
 */
export function evaluatePolicy(policy: unknown, req: PolicyRequest, opts: CompileOptions = {}): Decision {
  const optKey = opts.resourcePolicyApiArn ?? ''
  if (typeof policy === 'string') {
    const key = `${optKey}\n${policy}`
    let compiled = textCache.get(key)
    if (!compiled) {
      compiled = compilePolicy(policy, opts)
      if (textCache.size >= TEXT_CACHE_LIMIT) textCache.delete(textCache.keys().next().value!)
      textCache.set(key, compiled)
    }
    return compiled.evaluate(req)
  }
  if (typeof policy === 'object' && policy !== null) {
    let perOpts = objectCache.get(policy)
    if (!perOpts) objectCache.set(policy, (perOpts = new Map()))
    let compiled = perOpts.get(optKey)
    if (!compiled) perOpts.set(optKey, (compiled = compilePolicy(policy, opts)))
    return compiled.evaluate(req)
  }
  return compilePolicy(policy, opts).evaluate(req)
}

/**
 * Combines the authorizer's (or IAM policy's) decision with the resource policy's (§7.7).
 * - `resourcePolicy === null`: no resource policy; only an explicit Allow passes.
 * - Table A (`sameAccount`): Allow if (auth Allow and RP not Deny) or (auth silent and RP Allow).
 * - Table B (cross-account): both must explicitly Allow.
 * - `auth === null` (authorizationType NONE): only the resource policy counts; a silent policy passes on
 *   public APIs and fails on private ones (`privateApi`) [K §7.7].
 */
export function combine(auth: Decision | null, resourcePolicy: Decision | null, sameAccount: boolean, opts: { privateApi?: boolean } = {}): 'ALLOW' | 'DENY' {
  if (auth === null) {
    if (resourcePolicy === 'DENY') return 'DENY'
    if (resourcePolicy === 'SILENT' && opts.privateApi) return 'DENY'
    return 'ALLOW'
  }
  if (resourcePolicy === null) return auth === 'ALLOW' ? 'ALLOW' : 'DENY'
  if (auth === 'DENY' || resourcePolicy === 'DENY') return 'DENY'
  if (sameAccount) return auth === 'ALLOW' || resourcePolicy === 'ALLOW' ? 'ALLOW' : 'DENY'
  return auth === 'ALLOW' && resourcePolicy === 'ALLOW' ? 'ALLOW' : 'DENY'
}

/**
 * The standard condition keys of a request, formatted as AWS sets them (§7.6): `aws:SourceIp` (an IPv4
 * address arriving as IPv4-mapped IPv6 is given as plain IPv4), `aws:CurrentTime` (ISO 8601, seconds),
 * `aws:EpochTime` (seconds), `aws:SecureTransport` (`true`/`false`), and the principal keys when known.
 */
export function requestConditions(r: {
  nowMs: number
  sourceIp?: string
  userAgent?: string
  referer?: string
  secureTransport?: boolean
  principal?: PolicyPrincipal
  username?: string
  userId?: string
  principalOrgId?: string
  sourceVpc?: string
  sourceVpce?: string
}): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {
    'aws:CurrentTime': new Date(r.nowMs).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    'aws:EpochTime': String(Math.floor(r.nowMs / 1000)),
  }
  if (r.sourceIp !== undefined) out['aws:SourceIp'] = /^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(r.sourceIp) ? r.sourceIp.slice(7) : r.sourceIp
  if (r.userAgent !== undefined) out['aws:UserAgent'] = r.userAgent
  if (r.referer !== undefined) out['aws:Referer'] = r.referer
  if (r.secureTransport !== undefined) out['aws:SecureTransport'] = r.secureTransport ? 'true' : 'false'
  if (r.principal?.type === 'aws') {
    out['aws:PrincipalArn'] = r.principal.arn
    out['aws:PrincipalAccount'] = r.principal.accountId
  }
  if (r.username !== undefined) out['aws:username'] = r.username
  if (r.userId !== undefined) out['aws:userid'] = r.userId
  if (r.principalOrgId !== undefined) out['aws:PrincipalOrgID'] = r.principalOrgId
  if (r.sourceVpc !== undefined) out['aws:SourceVpc'] = r.sourceVpc
  if (r.sourceVpce !== undefined) out['aws:SourceVpce'] = r.sourceVpce
  return out
}

// ---------------------------------------------------------------------------------------------------
// Statements

type Problem = (path: string, message: string) => void
type Test = (value: string) => boolean

interface Statement {
  deny: boolean
  action: Test
  resource: Test
  principal: (p: PolicyPrincipal | undefined) => boolean
  conditions: Condition[]
}

function applies(s: Statement, req: PolicyRequest, ctx: ConditionLookup): boolean {
  if (!s.action(req.action) || !s.resource(req.resource) || !s.principal(req.principal)) return false
  for (const c of s.conditions) if (!c(ctx)) return false
  return true
}

const STATEMENT_KEYS = new Set(['Sid', 'Effect', 'Principal', 'NotPrincipal', 'Action', 'NotAction', 'Resource', 'NotResource', 'Condition'])

function compileStatement(value: unknown, path: string, opts: CompileOptions, problem: Problem): Statement | undefined {
  if (!isObject(value)) {
    problem(path, 'a statement must be an object')
    return undefined
  }
  for (const key of Object.keys(value)) if (!STATEMENT_KEYS.has(key)) problem(`${path}/${key}`, `unknown statement element "${key}"`)

  let deny = false
  // [K] IAM spells Effect "Allow"/"Deny"; any letter case is accepted here rather than break a Lambda
  // authorizer that AWS may be lenient with.
  if (typeof value.Effect !== 'string' || !/^(allow|deny)$/i.test(value.Effect)) problem(`${path}/Effect`, 'Effect must be "Allow" or "Deny"')
  else deny = value.Effect.toLowerCase() === 'deny'

  const action = compileMatchList(value, 'Action', 'NotAction', path, problem, (p) => globTest(p, true))
  const expand = (pattern: string): string =>
    opts.resourcePolicyApiArn !== undefined && pattern.startsWith('execute-api:/') ? opts.resourcePolicyApiArn + pattern.slice('execute-api:'.length) : pattern
  const resource = compileMatchList(value, 'Resource', 'NotResource', path, problem, (p) => globTest(expand(p), false))

  let principal: Statement['principal'] = () => true
  if (value.Principal !== undefined && value.NotPrincipal !== undefined) problem(path, 'a statement cannot have both Principal and NotPrincipal')
  else if (value.Principal !== undefined) principal = compilePrincipal(value.Principal, `${path}/Principal`, problem)
  else if (value.NotPrincipal !== undefined) {
    const inner = compilePrincipal(value.NotPrincipal, `${path}/NotPrincipal`, problem)
    principal = (p) => !inner(p)
  }

  const conditions = value.Condition === undefined ? [] : compileConditions(value.Condition, `${path}/Condition`, problem)
  if (!action || !resource) return undefined
  return { deny, action, resource, principal, conditions }
}

function compileMatchList(
  statement: Record<string, unknown>,
  positive: string,
  negative: string,
  path: string,
  problem: Problem,
  compile: (pattern: string) => Test,
): Test | undefined {
  const has = statement[positive] !== undefined
  const hasNot = statement[negative] !== undefined
  if (has && hasNot) {
    problem(path, `a statement cannot have both ${positive} and ${negative}`)
    return undefined
  }
  if (!has && !hasNot) {
    problem(path, `a statement needs ${positive} or ${negative}`)
    return undefined
  }
  const key = has ? positive : negative
  const patterns = stringList(statement[key], `${path}/${key}`, problem)
  if (!patterns) return undefined
  const tests = patterns.map(compile)
  const any: Test = tests.length === 1 ? tests[0]! : (v) => tests.some((t) => t(v))
  return has ? any : (v) => !any(v)
}

function stringList(value: unknown, path: string, problem: Problem): string[] | undefined {
  if (typeof value === 'string') return [value]
  if (Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'string')) return value as string[]
  problem(path, 'must be a string or a non-empty array of strings')
  return undefined
}

/**
 * IAM globbing: `*` is any run of characters (`/` and `:` included, possibly empty), `?` exactly one;
 * the whole value must match (no implicit prefix match, §7.3).
 */
function globTest(pattern: string, ignoreCase: boolean): Test {
  if (pattern === '*') return () => true
  if (!/[*?]/.test(pattern)) {
    if (!ignoreCase) return (v) => v === pattern
    const lower = pattern.toLowerCase()
    return (v) => v.length === lower.length && v.toLowerCase() === lower
  }
  const glob = Array.from(ignoreCase ? pattern.toLowerCase() : pattern)
  return (v) => globMatches(glob, Array.from(ignoreCase ? v.toLowerCase() : v))
}

/**
 * Whether `value` (code points) matches `glob` (`*`: any run, `?`: one). Without regular expressions, and in at
 * most glob × value steps: a policy's patterns meet request ARNs that callers choose, and a backtracking
 * regex of several `*`s can take polynomial time in the ARN's length.
 */
function globMatches(glob: readonly string[], value: readonly string[]): boolean {
  let g = 0
  let v = 0
  // The last `*` seen, and where in the value it started to match.
  let star = -1
  let mark = 0
  while (v < value.length) {
    const c = glob[g]
    if (c === '*') {
      star = g++
      mark = v
    } else if (c !== undefined && (c === '?' || c === value[v])) {
      g++
      v++
    } else if (star !== -1) {
      g = star + 1
      v = ++mark
    } else {
      return false
    }
  }
  while (glob[g] === '*') g++
  return g === glob.length
}

// ---------------------------------------------------------------------------------------------------
// Principals

function compilePrincipal(value: unknown, path: string, problem: Problem): (p: PolicyPrincipal | undefined) => boolean {
  if (value === '*') return () => true
  if (!isObject(value)) {
    problem(path, 'Principal must be "*" or an object such as {"AWS": [...]}')
    return () => false
  }
  const tests: Array<(p: PolicyPrincipal | undefined) => boolean> = []
  for (const [kind, entries] of Object.entries(value)) {
    const list = stringList(entries, `${path}/${kind}`, problem)
    if (!list) continue
    if (kind === 'AWS') {
      for (const entry of list) tests.push(awsPrincipalTest(entry, `${path}/${kind}`, problem))
    } else if (kind !== 'Service' && kind !== 'Federated' && kind !== 'CanonicalUser') {
      problem(`${path}/${kind}`, `unknown principal type "${kind}" (expected AWS, Service, Federated or CanonicalUser)`)
    }
    // Service, Federated and CanonicalUser principals never call execute-api directly: they match no one here.
  }
  return (p) => tests.some((t) => t(p))
}

const ACCOUNT_ID = /^\d{12}$/
const ACCOUNT_ROOT = /^arn:aws[\w-]*:iam::(\d{12}):root$/
const ROLE_ARN = /^arn:(aws[\w-]*):iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/
const ASSUMED_ROLE_ARN = /^arn:(aws[\w-]*):sts::(\d{12}):assumed-role\/([^/]+)\/[^/]+$/

function awsPrincipalTest(entry: string, path: string, problem: Problem): (p: PolicyPrincipal | undefined) => boolean {
  // {"AWS": "*"} is the same as "*": anyone, anonymous callers included.
  if (entry === '*') return () => true
  const account = ACCOUNT_ID.test(entry) ? entry : ACCOUNT_ROOT.exec(entry)?.[1]
  if (account !== undefined) return (p) => p?.type === 'aws' && p.accountId === account
  if (!entry.startsWith('arn:')) {
    problem(path, `"${entry}" is not "*", a 12-digit account id or an ARN`)
    return () => false
  }
  const role = ROLE_ARN.exec(entry)
  return (p) => {
    if (p?.type !== 'aws') return false
    if (p.arn === entry) return true
    // A role principal also covers its sessions: arn:aws:sts::ACCOUNT:assumed-role/NAME/SESSION.
    if (!role) return false
    const session = ASSUMED_ROLE_ARN.exec(p.arn)
    return session !== null && session[1] === role[1] && session[2] === role[2] && session[3] === role[3]
  }
}

// ---------------------------------------------------------------------------------------------------
// Conditions

type Condition = (ctx: ConditionLookup) => boolean

/** Case-insensitive access to the request's condition keys, built lazily once per evaluation. */
class ConditionLookup {
  readonly #raw: Record<string, string | string[] | undefined>
  #lower: Map<string, string[]> | undefined
  constructor(raw: Record<string, string | string[] | undefined>) {
    this.#raw = raw
  }
  /** The key's values; undefined when absent (an empty list counts as absent). */
  get(lowerKey: string): string[] | undefined {
    if (!this.#lower) {
      this.#lower = new Map()
      for (const [k, v] of Object.entries(this.#raw)) {
        if (v === undefined) continue
        const list = Array.isArray(v) ? v : [v]
        if (list.length > 0) this.#lower.set(k.toLowerCase(), list)
      }
    }
    return this.#lower.get(lowerKey)
  }
}

type Kind = 'string' | 'stringIgnoreCase' | 'stringLike' | 'numeric' | 'date' | 'bool' | 'ip' | 'arn' | 'null'
type Compare = 'eq' | 'lt' | 'lte' | 'gt' | 'gte'

interface OperatorSpec {
  kind: Kind
  negated: boolean
  compare?: Compare
}

const OPERATORS: Record<string, OperatorSpec> = {
  stringequals: { kind: 'string', negated: false },
  stringnotequals: { kind: 'string', negated: true },
  stringequalsignorecase: { kind: 'stringIgnoreCase', negated: false },
  stringnotequalsignorecase: { kind: 'stringIgnoreCase', negated: true },
  stringlike: { kind: 'stringLike', negated: false },
  stringnotlike: { kind: 'stringLike', negated: true },
  numericequals: { kind: 'numeric', negated: false, compare: 'eq' },
  numericnotequals: { kind: 'numeric', negated: true, compare: 'eq' },
  numericlessthan: { kind: 'numeric', negated: false, compare: 'lt' },
  numericlessthanequals: { kind: 'numeric', negated: false, compare: 'lte' },
  numericgreaterthan: { kind: 'numeric', negated: false, compare: 'gt' },
  numericgreaterthanequals: { kind: 'numeric', negated: false, compare: 'gte' },
  dateequals: { kind: 'date', negated: false, compare: 'eq' },
  datenotequals: { kind: 'date', negated: true, compare: 'eq' },
  datelessthan: { kind: 'date', negated: false, compare: 'lt' },
  datelessthanequals: { kind: 'date', negated: false, compare: 'lte' },
  dategreaterthan: { kind: 'date', negated: false, compare: 'gt' },
  dategreaterthanequals: { kind: 'date', negated: false, compare: 'gte' },
  bool: { kind: 'bool', negated: false },
  ipaddress: { kind: 'ip', negated: false },
  notipaddress: { kind: 'ip', negated: true },
  arnequals: { kind: 'arn', negated: false },
  arnlike: { kind: 'arn', negated: false },
  arnnotequals: { kind: 'arn', negated: true },
  arnnotlike: { kind: 'arn', negated: true },
  null: { kind: 'null', negated: false },
}

function compileConditions(value: unknown, path: string, problem: Problem): Condition[] {
  if (!isObject(value)) {
    problem(path, 'Condition must be an object of {operator: {key: value(s)}}')
    return []
  }
  const out: Condition[] = []
  for (const [operatorName, block] of Object.entries(value)) {
    const opPath = `${path}/${operatorName}`
    let name = operatorName
    let set: 'any' | 'all' | undefined
    const prefix = /^(ForAnyValue|ForAllValues):/i.exec(name)
    if (prefix) {
      set = prefix[1]!.toLowerCase() === 'foranyvalue' ? 'any' : 'all'
      name = name.slice(prefix[0].length)
    }
    let ifExists = false
    if (/IfExists$/i.test(name)) {
      ifExists = true
      name = name.slice(0, -'IfExists'.length)
    }
    const spec = OPERATORS[name.toLowerCase()]
    if (!spec || (spec.kind === 'null' && (ifExists || set))) {
      problem(opPath, `unknown condition operator "${operatorName}"`)
      continue
    }
    if (!isObject(block)) {
      problem(opPath, 'must be an object of {conditionKey: value(s)}')
      continue
    }
    for (const [key, rawValues] of Object.entries(block)) {
      const keyPath = `${opPath}/${key}`
      const values = scalarList(rawValues, keyPath, problem)
      if (!values) continue
      const positive = compileValueTest(spec, values, keyPath, problem)
      if (!positive) continue
      out.push(conditionFor(key.toLowerCase(), spec, positive, ifExists, set))
    }
  }
  return out
}

function conditionFor(lowerKey: string, spec: OperatorSpec, positive: Test, ifExists: boolean, set: 'any' | 'all' | undefined): Condition {
  if (spec.kind === 'null') return (ctx) => positive(ctx.get(lowerKey) === undefined ? 'true' : 'false')
  const one: Test = spec.negated ? (v) => !positive(v) : positive
  return (ctx) => {
    const values = ctx.get(lowerKey)
    if (values === undefined) {
      // IAM: an absent key fails a condition, except ...IfExists, negated operators and ForAllValues.
      if (ifExists) return true
      if (set === 'all') return true
      if (set === 'any') return false
      return spec.negated
    }
    if (set === 'all') return values.every(one)
    if (set === 'any') return values.some(one)
    // Plain operators over a multi-valued key: positive ones need one match, negated ones need none.
    return spec.negated ? !values.some(positive) : values.some(positive)
  }
}

function scalarList(value: unknown, path: string, problem: Problem): string[] | undefined {
  const list = Array.isArray(value) ? value : [value]
  if (list.length === 0 || !list.every((v) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')) {
    problem(path, 'condition values must be a string, number or boolean, or a non-empty array of them')
    return undefined
  }
  return list.map((v) => String(v))
}

/** The positive test "the request value matches one of the policy values". */
function compileValueTest(spec: OperatorSpec, values: string[], path: string, problem: Problem): Test | undefined {
  switch (spec.kind) {
    case 'string': {
      const set = new Set(values)
      return (v) => set.has(v)
    }
    case 'stringIgnoreCase': {
      const set = new Set(values.map((v) => v.toLowerCase()))
      return (v) => set.has(v.toLowerCase())
    }
    case 'stringLike': {
      const tests = values.map((p) => globTest(p, false))
      return (v) => tests.some((t) => t(v))
    }
    case 'arn': {
      const tests = values.map(arnTest)
      return (v) => tests.some((t) => t(v))
    }
    case 'numeric':
    case 'date': {
      const parse = spec.kind === 'numeric' ? parseNumber : parseDate
      const limits: number[] = []
      for (const v of values) {
        const n = parse(v)
        if (n === undefined) problem(path, `"${v}" is not a valid ${spec.kind === 'numeric' ? 'number' : 'date (ISO 8601 or epoch seconds)'}`)
        else limits.push(n)
      }
      if (limits.length !== values.length) return undefined
      const cmp = COMPARE[spec.compare!]
      return (v) => {
        const n = parse(v)
        return n !== undefined && limits.some((limit) => cmp(n, limit))
      }
    }
    case 'bool': {
      const wanted = new Set<string>()
      for (const v of values) {
        const lower = v.toLowerCase()
        if (lower !== 'true' && lower !== 'false') problem(path, `"${v}" is not true or false`)
        wanted.add(lower)
      }
      return (v) => wanted.has(v.toLowerCase())
    }
    case 'null': {
      for (const v of values) if (v.toLowerCase() !== 'true' && v.toLowerCase() !== 'false') problem(path, `"${v}" is not true or false`)
      const wanted = new Set(values.map((v) => v.toLowerCase()))
      return (absent) => wanted.has(absent)
    }
    case 'ip': {
      const blocks: Cidr[] = []
      for (const v of values) {
        const block = parseCidr(v)
        if (!block) problem(path, `"${v}" is not an IPv4 or IPv6 address or CIDR block`)
        else blocks.push(block)
      }
      if (blocks.length !== values.length) return undefined
      return (v) => {
        const ip = parseIp(v)
        return ip !== undefined && blocks.some((b) => inCidr(ip, b))
      }
    }
  }
}

const COMPARE: Record<Compare, (a: number, b: number) => boolean> = {
  eq: (a, b) => a === b,
  lt: (a, b) => a < b,
  lte: (a, b) => a <= b,
  gt: (a, b) => a > b,
  gte: (a, b) => a >= b,
}

function parseNumber(text: string): number | undefined {
  if (!/^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/.test(text)) return undefined
  const n = Number(text)
  return Number.isFinite(n) ? n : undefined
}

/** ISO 8601 dates, or epoch seconds (what `aws:EpochTime` holds). */
function parseDate(text: string): number | undefined {
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000
  if (!/^\d{4}-\d{2}-\d{2}/.test(text)) return undefined
  const ms = Date.parse(text)
  return Number.isNaN(ms) ? undefined : ms
}

/** ARN matching: the five `:`-separated fields before the resource are matched separately (IAM). */
function arnTest(pattern: string): Test {
  const patternParts = splitArn(pattern)
  const tests = patternParts.map((p, i) => (i < 5 ? globTestNoColon(p) : globTest(p, false)))
  return (v) => {
    const parts = splitArn(v)
    return parts.length === tests.length && tests.every((t, i) => t(parts[i]!))
  }
}

// The first five fields never hold a `:` (splitArn cuts at them), so plain globbing matches them as IAM does.
function globTestNoColon(pattern: string): Test {
  return globTest(pattern, false)
}

function splitArn(arn: string): string[] {
  const parts: string[] = []
  let rest = arn
  for (let i = 0; i < 5; i++) {
    const colon = rest.indexOf(':')
    if (colon === -1) break
    parts.push(rest.slice(0, colon))
    rest = rest.slice(colon + 1)
  }
  parts.push(rest)
  return parts
}

// ---------------------------------------------------------------------------------------------------
// IP addresses

interface Ip {
  v4: boolean
  bytes: Uint8Array
}

interface Cidr extends Ip {
  bits: number
}

/** IPv4 or IPv6 (zone ids dropped); an IPv4-mapped IPv6 address such as `::ffff:127.0.0.1` is IPv4. */
function parseIp(text: string): Ip | undefined {
  const address = text.trim().replace(/%.*$/, '')
  if (isIPv4(address)) return { v4: true, bytes: Uint8Array.from(address.split('.').map(Number)) }
  if (!isIPv6(address)) return undefined
  const bytes = ipv6Bytes(address)
  if (bytes === undefined) return undefined
  const mapped = bytes.subarray(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff
  return mapped ? { v4: true, bytes: bytes.slice(12) } : { v4: false, bytes }
}

/** The 16 bytes of an address that `isIPv6` accepted (so group syntax is already valid). */
function ipv6Bytes(address: string): Uint8Array | undefined {
  let text = address
  const tail: number[] = []
  const lastColon = text.lastIndexOf(':')
  const last = text.slice(lastColon + 1)
  if (last.includes('.')) {
    const [a, b, c, d] = last.split('.').map(Number) as [number, number, number, number]
    tail.push((a << 8) | b, (c << 8) | d)
    text = text.slice(0, lastColon + 1)
    if (!text.endsWith('::')) text = text.slice(0, -1)
  }
  const halves = text.split('::')
  const groupsOf = (part: string) => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)))
  let groups = groupsOf(halves[0]!)
  if (halves.length === 2) {
    const rest = groupsOf(halves[1]!)
    groups = [...groups, ...new Array<number>(Math.max(0, 8 - tail.length - groups.length - rest.length)).fill(0), ...rest]
  }
  groups.push(...tail)
  if (groups.length !== 8) return undefined
  const bytes = new Uint8Array(16)
  groups.forEach((g, i) => {
    bytes[i * 2] = g >> 8
    bytes[i * 2 + 1] = g & 0xff
  })
  return bytes
}

function parseCidr(text: string): Cidr | undefined {
  const slash = text.indexOf('/')
  const ip = parseIp(slash === -1 ? text : text.slice(0, slash))
  if (!ip) return undefined
  const max = ip.v4 ? 32 : 128
  let bits = max
  if (slash !== -1) {
    const suffix = text.slice(slash + 1)
    if (!/^\d{1,3}$/.test(suffix)) return undefined
    bits = Number(suffix)
    // An IPv4-mapped IPv6 block (::ffff:10.0.0.0/104) counts its prefix over the IPv6 address.
    const mappedV6 = ip.v4 && !isIPv4(text.slice(0, slash).trim())
    if (mappedV6) {
      if (bits < 96 || bits > 128) return undefined
      bits -= 96
    } else if (bits > max) return undefined
  }
  return { ...ip, bits }
}

function inCidr(ip: Ip, block: Cidr): boolean {
  if (ip.v4 !== block.v4) return false
  const full = block.bits >> 3
  for (let i = 0; i < full; i++) if (ip.bytes[i] !== block.bytes[i]) return false
  const rem = block.bits & 7
  if (rem === 0) return true
  const mask = (0xff << (8 - rem)) & 0xff
  return (ip.bytes[full]! & mask) === (block.bytes[full]! & mask)
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
