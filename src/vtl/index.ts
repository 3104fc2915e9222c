// The AWS-faithful mapping-template engine (docs/aws-behaviour.md §5): compile a VTL template once at deploy
// time, render it per request with `$input`, `$context`, `$stageVariables` and `$util`, and read back the
// `$context.requestOverride` / `responseOverride` values the template set (§5.6).

import { RegexSyntaxError } from '../regex/index.js'
import { DEFAULT_RENDER_BUDGET, enterMeter, leaveMeter, RenderMeter, type RenderBudget } from './budget.js'
import { compileProgram } from './compile.js'
import { TemplateRenderError, TemplateSyntaxError } from './errors.js'
import { InputObject, type TemplateInput } from './input.js'
import { RenderState, renderNodes } from './render.js'
import { UTIL } from './util.js'
import { isMap, toJavaString } from './values.js'

export { TemplateRenderError, TemplateSyntaxError } from './errors.js'
export { CLOCK_EVERY, DEFAULT_RENDER_BUDGET, TemplateBudgetError, type BudgetLimit, type RenderBudget } from './budget.js'
export type { TemplateInput } from './input.js'
export { evaluateJsonPath, JsonPathSyntaxError } from './jsonpath.js'
export { FOREACH_LIMIT } from './render.js'

/** What a template can see. */
export interface RenderVars {
  input: TemplateInput
  /**
   * `$context` (nested objects: identity, authorizer, error...), or a function building it, called only when
   * the template reads `$context`. A `requestOverride` / `responseOverride` given here (or in `overrides`)
   * seeds the template's own, so a response template can read what the request template set (§5.6).
   */
  context: Record<string, unknown> | (() => Record<string, unknown>)
  /** The overrides to seed `$context` with, when `context` is a function (so reading them needs no `$context`). */
  overrides?: Partial<OverrideMaps> | null
  /** `$stageVariables`; null when the stage has none (then every `$stageVariables.x` renders empty). */
  stageVariables: Record<string, string> | null
}

/** The rendered text plus the overrides the template set with `#set($context.requestOverride...)`. */
export interface RenderResult {
  output: string
  /**
   * `$context.requestOverride` / `responseOverride` as set by the template (§5.6). `extra` holds the keys a
   * template put in either map beyond the ones the gateway acts on, as set, present only when there are some:
   * they carry over to the response template like the rest (recorded `responseOverride.custom`,
   * test_integration_mock_with_response_override_in_request_template).
   */
  requestOverride: { header: Record<string, string>; querystring: Record<string, string>; path: Record<string, string>; extra?: Record<string, unknown> }
  responseOverride: { header: Record<string, string>; status?: number; extra?: Record<string, unknown> }
}

export interface CompiledTemplate {
  /**
   * Renders once. Throws TemplateRenderError, and TemplateBudgetError (a TemplateRenderError) when the render
   * goes over its budget; never re-parses the template.
   */
  render(vars: RenderVars): RenderResult
  /** The budget every render of this template has. */
  readonly budget: RenderBudget
}

export interface CompileOptions {
  /** Limits on each render; what is left out is {@link DEFAULT_RENDER_BUDGET}'s. */
  budget?: Partial<RenderBudget>
}

/** AWS's mapping-template size limit: 300 KB (§5.1 [DOC]). */
export const TEMPLATE_SIZE_LIMIT = 300 * 1024

/**
 * Parses a template once (at deploy time). Throws TemplateSyntaxError, with line and column, for a template that
 * Velocity would reject (including an unbalanced `#end`), one over 300 KB, or one that calls a String regex
 * method with a literal pattern RE2 cannot run (lookaround, backreferences: see src/regex).
 * @example
 * const t = compileTemplate('{"name": "$input.path(\'$.name\')", "stage": "$context.stage"}')
 * t.render({ input: { body: '{"name":"x"}', path: {}, querystring: {}, header: {} }, context: { stage: 'dev' }, stageVariables: null }).output
 * // '{"name": "x", "stage": "dev"}'
 */
export function compileTemplate(source: string, options: CompileOptions = {}): CompiledTemplate {
  const size = Buffer.byteLength(source, 'utf8')
  if (size > TEMPLATE_SIZE_LIMIT) {
    throw new TemplateSyntaxError(`the template is ${size} bytes; API Gateway allows at most ${TEMPLATE_SIZE_LIMIT} (300 KB)`)
  }
  const program = compileProgram(source)
  const budget: RenderBudget = options.budget === undefined ? DEFAULT_RENDER_BUDGET : Object.freeze({ ...DEFAULT_RENDER_BUDGET, ...options.budget })
  return {
    budget,
    render(vars: RenderVars): RenderResult {
      let context: (Record<string, unknown> & OverrideMaps) | undefined
      const globals: Record<string, unknown> = Object.create(null) as Record<string, unknown>
      globals.input = new InputObject(vars.input)
      globals.stageVariables = vars.stageVariables
      globals.util = UTIL
      const body = vars.input.body
      const meter = new RenderMeter(budget, typeof body === 'string' ? body.length : body.byteLength)
      const st = new RenderState(program, globals, meter, (id) => (id === 'context' ? (context = renderContext(typeof vars.context === 'function' ? vars.context() : vars.context, vars.overrides)) : undefined))
      let output: string
      const previous = enterMeter(meter)
      try {
        output = renderNodes(program.nodes, st)
      } catch (e) {
        if (e instanceof TemplateRenderError) throw e
        throw new TemplateRenderError(`rendering failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e })
      } finally {
        leaveMeter(previous)
      }
      // A template that never touched $context passes the given overrides through unchanged.
      const overrides = context ?? vars.overrides ?? (typeof vars.context === 'function' ? {} : (vars.context as Partial<OverrideMaps>))
      return { output, requestOverride: readRequestOverride(overrides), responseOverride: readResponseOverride(overrides) }
    },
  }
}

/**
 * For config checks: the regular expressions a template writes as literals (the first argument of `matches`,
 * `replaceAll`, `replaceFirst`, `split`), and the reason the first one RE2 cannot run fails, if any. A template
 * that does not parse for another reason gives none (its syntax error is reported where it is compiled).
 */
export function templateRegexes(source: string): { patterns: string[]; problem?: string } {
  try {
    return { patterns: compileProgram(source).regexes.map((r) => r.source) }
  } catch (err) {
    if (err instanceof TemplateSyntaxError && err.cause instanceof RegexSyntaxError) return { patterns: [], problem: err.message }
    if (err instanceof TemplateSyntaxError) return { patterns: [] }
    throw err
  }
}

/** The override maps a template sees, with any keys of a template's own beside the known ones. */
export interface OverrideMaps {
  requestOverride: { header: Record<string, unknown>; querystring: Record<string, unknown>; path: Record<string, unknown>; [key: string]: unknown }
  responseOverride: { header: Record<string, unknown>; status?: unknown; [key: string]: unknown }
}

const REQUEST_KEYS = new Set(['header', 'querystring', 'path'])
const RESPONSE_KEYS = new Set(['header', 'status'])

function copyMap(v: unknown): Record<string, unknown> {
  return isMap(v) ? { ...v } : {}
}

// A per-render `$context`: a shallow copy whose override maps are fresh, so nothing a template sets leaks into
// the caller's objects or into another request. Keys of the seed's override maps beyond the known ones are
// copied as they are.
function renderContext(base: Record<string, unknown>, seed: Partial<OverrideMaps> | null | undefined): Record<string, unknown> & OverrideMaps {
  const from = seed ?? base
  const req = isMap(from.requestOverride) ? from.requestOverride : {}
  const res = isMap(from.responseOverride) ? from.responseOverride : {}
  const responseOverride: OverrideMaps['responseOverride'] = { ...extraKeys(res, RESPONSE_KEYS), header: copyMap(res.header) }
  if (res.status !== undefined && res.status !== null) responseOverride.status = res.status
  return {
    ...base,
    requestOverride: { ...extraKeys(req, REQUEST_KEYS), header: copyMap(req.header), querystring: copyMap(req.querystring), path: copyMap(req.path) },
    responseOverride,
  }
}

/** The entries of an override map whose keys are not in `known` (null and undefined values left out). */
function extraKeys(map: Record<string, unknown>, known: ReadonlySet<string>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const k of Object.keys(map)) if (!known.has(k) && map[k] !== undefined && map[k] !== null) out[k] = map[k]
  return out
}

function stringValues(v: unknown): Record<string, string> {
  const out: Record<string, string> = {}
  if (!isMap(v)) return out
  for (const k of Object.keys(v)) {
    const value = v[k]
    if (value !== undefined && value !== null) out[k] = toJavaString(value, true)
  }
  return out
}

function readRequestOverride(context: Partial<OverrideMaps>): RenderResult['requestOverride'] {
  const r = context.requestOverride as unknown
  const m = isMap(r) ? r : {}
  const out: RenderResult['requestOverride'] = { header: stringValues(m.header), querystring: stringValues(m.querystring), path: stringValues(m.path) }
  const extra = extraKeys(m, REQUEST_KEYS)
  if (Object.keys(extra).length > 0) out.extra = extra
  return out
}

function readResponseOverride(context: Partial<OverrideMaps>): RenderResult['responseOverride'] {
  const r = context.responseOverride as unknown
  const m = isMap(r) ? r : {}
  const out: RenderResult['responseOverride'] = { header: stringValues(m.header) }
  const status = m.status
  if (typeof status === 'number' && Number.isInteger(status)) out.status = status
  else if (typeof status === 'string' && /^\d+$/.test(status.trim())) out.status = Number(status.trim())
  const extra = extraKeys(m, RESPONSE_KEYS)
  if (Object.keys(extra).length > 0) out.extra = extra
  return out
}
