// Path templates in an OpenAPI document: splitting and checking them against AWS's path-part rules (§1.2,
// §3.2), and the base path that the `basepath` import mode prepends or splits (§12.1).

import { at, isObj, type ImportContext, type Obj } from './context.js'

export type BasePathMode = 'ignore' | 'prepend' | 'split'

const REST_LITERAL = /^[A-Za-z0-9._\-,:]+$/
// HTTP API route paths accept the RFC 3986 path characters (`$`, `~`, `@`…) in literal segments [K].
const HTTP_LITERAL = /^[A-Za-z0-9._~:@!$&'()*+,;=\-]+$/
const VARIABLE = /^\{([A-Za-z0-9._\-]+)(\+?)\}$/

export interface SplitPath {
  /** Path segments (no empty ones): literals, `{name}` or a final `{name+}`. */
  segments: string[]
  /** Path variable names, in order. */
  params: string[]
}

/** `{name}` or `{name+}` → name; undefined for a literal segment. */
export function variableName(segment: string): string | undefined {
  return VARIABLE.exec(segment)?.[1]
}

export function isGreedy(segment: string): boolean {
  return VARIABLE.exec(segment)?.[2] === '+'
}

/**
 * Splits a path template and checks every segment. Reports problems at `where` and returns undefined when
 * the path is unusable. A single trailing slash is tolerated (`/pets/` is `/pets`).
 */
export function splitPath(ctx: ImportContext, raw: string, where: string, kind: 'REST' | 'HTTP'): SplitPath | undefined {
  if (!raw.startsWith('/')) {
    ctx.problem(where, `Path '${raw}' must start with '/'`)
    return undefined
  }
  const trimmed = raw.length > 1 && raw.endsWith('/') ? raw.slice(0, -1) : raw
  const parts = trimmed === '/' ? [] : trimmed.slice(1).split('/')
  return checkSegments(ctx, parts, raw, where, kind)
}

/** Checks already-split segments (also used for the base path). */
export function checkSegments(
  ctx: ImportContext,
  parts: string[],
  raw: string,
  where: string,
  kind: 'REST' | 'HTTP',
): SplitPath | undefined {
  let ok = true
  const params: string[] = []
  parts.forEach((seg, i) => {
    if (seg === '') {
      ctx.problem(where, `Path '${raw}' has an empty segment`)
      ok = false
      return
    }
    const v = VARIABLE.exec(seg)
    if (v) {
      const name = v[1]!
      if (params.includes(name)) {
        ctx.problem(where, `Path '${raw}' uses the variable {${name}} twice`)
        ok = false
      }
      params.push(name)
      if (v[2] === '+' && i !== parts.length - 1) {
        ctx.problem(
          where,
          kind === 'REST'
            ? // The AWS message for a child under a greedy resource (§16.3).
              `Cannot create a child of a resource with a greedy path variable: ${seg}`
            : `Path '${raw}': the greedy path variable ${seg} must be the last segment`,
        )
        ok = false
      }
      return
    }
    if (seg.includes('{') || seg.includes('}')) {
      ctx.problem(where, `Path '${raw}': a path parameter must be a whole segment ('${seg}' is not)`)
      ok = false
      return
    }
    if (!(kind === 'REST' ? REST_LITERAL : HTTP_LITERAL).test(seg)) {
      ctx.problem(
        where,
        kind === 'REST'
          ? `Path '${raw}': the path part '${seg}' may only contain a-zA-Z0-9._-,: and curly braces around a whole segment, with an optional + before the closing brace`
          : `Path '${raw}': the segment '${seg}' contains characters not allowed in a route path`,
      )
      ok = false
    }
  })
  return ok ? { segments: parts, params } : undefined
}

/** The document's base path as segments, with the pointer to report problems at; undefined when none. */
export function documentBasePath(ctx: ImportContext, doc: Obj, oas3: boolean): { segments: string[]; raw: string; where: string } | undefined {
  let raw: string | undefined
  let where = ''
  if (!oas3) {
    raw = ctx.string(doc, 'basePath', '')
    where = '/basePath'
  } else if (Array.isArray(doc.servers)) {
    const servers = doc.servers
    // A `basePath` server variable wins, even when the url doesn't use it (AWS's documented rule).
    const withVar = servers.findIndex((s) => isObj(s) && isObj(s.variables) && isObj(s.variables.basePath))
    if (withVar >= 0) {
      const variable = (servers[withVar] as { variables: { basePath: Obj } }).variables.basePath
      where = at('', 'servers', withVar, 'variables', 'basePath')
      raw = ctx.text(variable, 'default', where)
      where = at(where, 'default')
    } else if (isObj(servers[0]) && typeof servers[0].url === 'string') {
      where = at('', 'servers', 0, 'url')
      raw = serverUrlPath(servers[0].url, servers[0].variables)
      if (raw === undefined) ctx.warn(where, `Could not read a base path from the server url '${servers[0].url}'; no base path is used`)
    }
  }
  if (raw === undefined) return undefined
  const segments = raw.split('/').filter((s) => s !== '')
  return segments.length === 0 ? undefined : { segments, raw, where }
}

function serverUrlPath(url: string, variables: unknown): string | undefined {
  const filled = url.replace(/\{([^}]+)\}/g, (m, name: string) => {
    const v = isObj(variables) && isObj(variables[name]) ? variables[name].default : undefined
    return typeof v === 'string' || typeof v === 'number' ? String(v) : m
  })
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(filled)) {
    try {
      return decodeURIComponent(new URL(filled).pathname)
    } catch {
      return undefined
    }
  }
  return filled.split(/[?#]/)[0]
}

/** The segments the `basepath` mode puts in front of every path (§12.1). */
export function basePathPrefix(
  ctx: ImportContext,
  doc: Obj,
  oas3: boolean,
  mode: BasePathMode,
  kind: 'REST' | 'HTTP',
): string[] {
  if (mode === 'ignore') return []
  const base = documentBasePath(ctx, doc, oas3)
  if (base === undefined) return []
  const segments = mode === 'split' ? base.segments.slice(1) : base.segments
  const checked = checkSegments(ctx, segments, base.raw, base.where, kind)
  if (checked === undefined) return []
  if (checked.segments.some(isGreedy)) {
    ctx.problem(base.where, `The base path '${base.raw}' cannot contain a greedy path variable`)
    return []
  }
  return checked.segments
}
