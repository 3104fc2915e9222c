// The AWS-faithful mapping-template engine (docs/aws-behaviour.md §5): compile a VTL template once at deploy
// time, render it per request with `$input`, `$context`, `$stageVariables` and `$util`, and read back the
// `$context.requestOverride` / `responseOverride` values the template set (§5.6).

import { compileProgram } from './compile.js'
import { TemplateRenderError, TemplateSyntaxError } from './errors.js'
import { InputObject, type TemplateInput } from './input.js'
import { RenderState, renderNodes } from './render.js'
import { UTIL } from './util.js'
import { isMap, toJavaString } from './values.js'

export { TemplateRenderError, TemplateSyntaxError } from './errors.js'
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
  /** `$context.requestOverride` / `responseOverride` as set by the template (§5.6): */
  requestOverride: { header: Record<string, string>; querystring: Record<string, string>; path: Record<string, string> }
  responseOverride: { header: Record<string, string>; status?: number }
}

export interface CompiledTemplate {
  /** Renders once. Throws TemplateRenderError; never re-parses the template. */
  render(vars: RenderVars): RenderResult
}

/** AWS's mapping-template size limit: 300 KB (§5.1 [DOC]). */
export const TEMPLATE_SIZE_LIMIT = 300 * 1024

/**
 * Parses a template once (at deploy time). Throws TemplateSyntaxError, with line and column, for a template that
 * Velocity would reject (including an unbalanced `#end`) or one over 300 KB.
 * @example
 * const t = compileTemplate('{"name": "$input.path(\'$.name\')", "stage": "$context.stage"}')
 * t.render({ input: { body: '{"name":"x"}', path: {}, querystring: {}, header: {} }, context: { stage: 'dev' }, stageVariables: null }).output
 * // '{"name": "x", "stage": "dev"}'
 */
export function compileTemplate(source: string): CompiledTemplate {
  const size = Buffer.byteLength(source, 'utf8')
  if (size > TEMPLATE_SIZE_LIMIT) {
    throw new TemplateSyntaxError(`the template is ${size} bytes; API Gateway allows at most ${TEMPLATE_SIZE_LIMIT} (300 KB)`)
  }
  const program = compileProgram(source)
  return {
    render(vars: RenderVars): RenderResult {
      let context: (Record<string, unknown> & OverrideMaps) | undefined
      const globals: Record<string, unknown> = Object.create(null) as Record<string, unknown>
      globals.input = new InputObject(vars.input)
      globals.stageVariables = vars.stageVariables
      globals.util = UTIL
      const st = new RenderState(program, globals, (id) => (id === 'context' ? (context = renderContext(typeof vars.context === 'function' ? vars.context() : vars.context, vars.overrides)) : undefined))
      let output: string
      try {
        output = renderNodes(program.nodes, st)
      } catch (e) {
        if (e instanceof TemplateRenderError) throw e
        throw new TemplateRenderError(`rendering failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e })
      }
      // A template that never touched $context passes the given overrides through unchanged.
      const overrides = context ?? vars.overrides ?? (typeof vars.context === 'function' ? {} : (vars.context as Partial<OverrideMaps>))
      return { output, requestOverride: readRequestOverride(overrides), responseOverride: readResponseOverride(overrides) }
    },
  }
}

export interface OverrideMaps {
  requestOverride: { header: Record<string, unknown>; querystring: Record<string, unknown>; path: Record<string, unknown> }
  responseOverride: { header: Record<string, unknown>; status?: unknown }
}

function copyMap(v: unknown): Record<string, unknown> {
  return isMap(v) ? { ...v } : {}
}

// A per-render `$context`: a shallow copy whose override maps are fresh, so nothing a template sets leaks into
// the caller's objects or into another request.
function renderContext(base: Record<string, unknown>, seed: Partial<OverrideMaps> | null | undefined): Record<string, unknown> & OverrideMaps {
  const from = seed ?? base
  const req = isMap(from.requestOverride) ? from.requestOverride : {}
  const res = isMap(from.responseOverride) ? from.responseOverride : {}
  const responseOverride: OverrideMaps['responseOverride'] = { header: copyMap(res.header) }
  if (res.status !== undefined && res.status !== null) responseOverride.status = res.status
  return {
    ...base,
    requestOverride: { header: copyMap(req.header), querystring: copyMap(req.querystring), path: copyMap(req.path) },
    responseOverride,
  }
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
  return { header: stringValues(m.header), querystring: stringValues(m.querystring), path: stringValues(m.path) }
}

function readResponseOverride(context: Partial<OverrideMaps>): RenderResult['responseOverride'] {
  const r = context.responseOverride as unknown
  const m = isMap(r) ? r : {}
  const out: RenderResult['responseOverride'] = { header: stringValues(m.header) }
  const status = m.status
  if (typeof status === 'number' && Number.isInteger(status)) out.status = status
  else if (typeof status === 'string' && /^\d+$/.test(status.trim())) out.status = Number(status.trim())
  return out
}
