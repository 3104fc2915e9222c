// The regular expressions of an imported document, checked where they are written: a pattern RE2 cannot run
// (lookaround, backreferences) is a problem with its path, reported at import and by `gatehouse validate`,
// not a 500 at request time; a pattern that backtracking engines (AWS's Java, most others) can take
// exponential time on is a warning: it is safe here, but slow elsewhere.

import { regexProblem, slowConstructs, type RegexDialect, type SlowConstruct } from '../../regex/index.js'
import { templateRegexes } from '../../vtl/index.js'
import { at, type ImportContext } from './context.js'

function slowWarning(c: SlowConstruct): string {
  const what = c.kind === 'nested-quantifier' ? 'nested quantifier' : 'repeated alternation whose alternatives overlap'
  return `${what} ${JSON.stringify(c.text)}: safe in Gatehouse (RE2 matches in linear time), but AWS (Java regex) and other backtracking engines can take exponential time on some inputs`
}

/** Checks one pattern written at `path`: a problem when it cannot run, warnings when it is slow elsewhere. */
export function checkPattern(ctx: ImportContext, path: string, pattern: string, dialect: RegexDialect, what: string): void {
  const problem = regexProblem(pattern, dialect)
  if (problem !== undefined) {
    ctx.problem(path, `${what} ${JSON.stringify(pattern)}: ${problem}`)
    return
  }
  for (const c of slowConstructs(pattern, dialect)) ctx.warn(path, `${what} ${JSON.stringify(pattern)}: ${slowWarning(c)}`)
}

/**
 * Checks the regular expressions mapping templates write as literals (`$s.matches('…')`, `replaceAll`,
 * `replaceFirst`, `split`), one template per media type under `path`.
 */
export function checkTemplates(ctx: ImportContext, path: string, templates: Record<string, string>): void {
  for (const [type, source] of Object.entries(templates)) {
    const p = at(path, type)
    const found = templateRegexes(source)
    if (found.problem !== undefined) ctx.problem(p, `Mapping template: ${found.problem}`)
    for (const pattern of found.patterns) {
      for (const c of slowConstructs(pattern, 'java')) ctx.warn(p, `Mapping template regex ${JSON.stringify(pattern)}: ${slowWarning(c)}`)
    }
  }
}

/**
 * Checks the `pattern` and `patternProperties` keywords of a model schema (ECMA 262 syntax), walking it as
 * written; `enum`, `example` and `default` hold data, not schemas.
 */
export function checkSchemaPatterns(ctx: ImportContext, path: string, schema: unknown): void {
  // A YAML alias can make a schema contain itself (reported elsewhere); walk each object once per path.
  const onPath = new Set<object>()
  const walk = (v: unknown, p: string): void => {
    if (typeof v !== 'object' || v === null || onPath.has(v)) return
    onPath.add(v)
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, at(p, i)))
    else {
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
        if (k === 'enum' || k === 'example' || k === 'default') continue
        if (k === 'pattern' && typeof x === 'string') checkPattern(ctx, at(p, k), x, 'ecma', 'Model pattern')
        if (k === 'patternProperties' && typeof x === 'object' && x !== null && !Array.isArray(x)) {
          for (const key of Object.keys(x)) checkPattern(ctx, at(p, k, key), key, 'ecma', 'Model patternProperties key')
        }
        walk(x, at(p, k))
      }
    }
    onPath.delete(v)
  }
  walk(schema, path)
}
