// Selection expressions (docs/aws-behaviour.md §10.1), compiled once at deploy time: `$request.body.action`,
// `${request.body.version}-beta`, `\$default`, static text, `${integration.response.statuscode}`. Each
// variable names a source (`request.body`, `request.header`, `integration.response`, `context`,
// `stageVariables`) and a path; evaluation is not recursive. An expression whose variable cannot be
// evaluated (the body is not JSON, a key is missing) evaluates to undefined: the caller falls back to `$default`.

/** A source the evaluator reads: the body's parsed JSON (undefined when not JSON), and flat lookups. */
export interface SelectionInput {
  /** The message body parsed as JSON, or NOT_JSON. Parsed at most once per message by the caller. */
  readonly body: unknown
  header?(name: string): string | undefined
  context?(name: string): string | undefined
  stageVariable?(name: string): string | undefined
  /** `integration.response.statuscode` / `integration.response.header.x`. */
  integration?(name: string): string | undefined
}

/** The body of a message that is not JSON. */
export const NOT_JSON: unique symbol = Symbol('not JSON')

type Part = string | { readonly source: 'body'; readonly path: readonly string[] } | { readonly source: 'header' | 'context' | 'stage' | 'integration'; readonly name: string }

export interface SelectionExpression {
  readonly text: string
  /** True when the expression has no variable (a static key). */
  readonly isStatic: boolean
  evaluate(input: SelectionInput): string | undefined
}

const NAME = /[A-Za-z0-9_.\-]/

function variable(name: string): Part | null {
  if (name === 'request.body') return { source: 'body', path: [] }
  if (name.startsWith('request.body.')) return { source: 'body', path: name.slice('request.body.'.length).split('.') }
  if (name.startsWith('request.header.')) return { source: 'header', name: name.slice('request.header.'.length).toLowerCase() }
  if (name.startsWith('context.')) return { source: 'context', name: name.slice('context.'.length) }
  if (name.startsWith('stageVariables.')) return { source: 'stage', name: name.slice('stageVariables.'.length) }
  if (name.startsWith('integration.response.')) return { source: 'integration', name: name.slice('integration.response.'.length).toLowerCase() }
  return null
}

/** Parses an expression; never throws (unknown `$names` are kept as text, as `$default` is). */
export function compileSelectionExpression(text: string): SelectionExpression {
  const parts: Part[] = []
  let literal = ''
  let i = 0
  while (i < text.length) {
    const c = text[i]!
    if (c === '\\' && text[i + 1] === '$') {
      literal += '$'
      i += 2
      continue
    }
    if (c === '$') {
      let name: string
      let end: number
      if (text[i + 1] === '{') {
        const close = text.indexOf('}', i + 2)
        if (close === -1) {
          literal += text.slice(i)
          break
        }
        name = text.slice(i + 2, close)
        end = close + 1
      } else {
        end = i + 1
        while (end < text.length && NAME.test(text[end]!)) end++
        // A trailing dot belongs to the text after the variable.
        while (end > i + 1 && text[end - 1] === '.') end--
        name = text.slice(i + 1, end)
      }
      const v = variable(name)
      if (v === null) {
        literal += text.slice(i, end)
      } else {
        if (literal !== '') parts.push(literal)
        literal = ''
        parts.push(v)
      }
      i = end
      continue
    }
    literal += c
    i++
  }
  if (literal !== '' || parts.length === 0) parts.push(literal)
  const isStatic = parts.every((p) => typeof p === 'string')
  const constant = isStatic ? (parts as string[]).join('') : undefined
  return {
    text,
    isStatic,
    evaluate: constant !== undefined ? () => constant : (input) => evaluateParts(parts, input),
  }
}

function evaluateParts(parts: readonly Part[], input: SelectionInput): string | undefined {
  let out = ''
  for (const p of parts) {
    if (typeof p === 'string') {
      out += p
      continue
    }
    let v: string | undefined
    switch (p.source) {
      case 'body':
        v = bodyValue(input.body, p.path)
        break
      case 'header':
        v = input.header?.(p.name)
        break
      case 'context':
        v = input.context?.(p.name)
        break
      case 'stage':
        v = input.stageVariable?.(p.name)
        break
      case 'integration':
        v = input.integration?.(p.name)
        break
    }
    if (v === undefined) return undefined
    out += v
  }
  return out
}

function bodyValue(body: unknown, path: readonly string[]): string | undefined {
  if (body === NOT_JSON) return undefined
  let v: unknown = body
  for (const key of path) {
    if (typeof v !== 'object' || v === null || !Object.prototype.hasOwnProperty.call(v, key)) return undefined
    v = (v as Record<string, unknown>)[key]
  }
  if (v === null || v === undefined) return undefined
  if (typeof v === 'string') return v
  if (typeof v === 'number' || typeof v === 'boolean') return String(v)
  return JSON.stringify(v)
}

/** The message body as JSON, or NOT_JSON. */
export function parseBody(text: string): unknown {
  try {
    return JSON.parse(text) as unknown
  } catch {
    return NOT_JSON
  }
}

/**
 * The identity sources of a WebSocket API's REQUEST authorizer (§10.6): `route.request.header.X`,
 * `route.request.querystring.X`, `stageVariables.X`, `context.X`. Null when `expr` is one, else the problem.
 */
export function wsIdentitySourceProblem(expr: string): string | null {
  return WS_IDENTITY_SOURCE.test(expr) ? null : `"${expr}" is not a WebSocket identity source: use route.request.header.NAME, route.request.querystring.NAME, stageVariables.NAME or context.NAME`
}

export const WS_IDENTITY_SOURCE = /^(route\.request\.header|route\.request\.querystring|stageVariables|context)\.(\S+)$/
