// Java regular expressions on JavaScript's engine, for the String methods templates call (`replaceAll`,
// `replaceFirst`, `matches`, `split`): pattern translation, Java replacement strings and Java's split rules.

import { TemplateRenderError } from './errors.js'

const MAX_CACHE = 500
const patternCache = new Map<string, { source: string; flags: string }>()

// POSIX classes Java spells `\p{Name}`, as character-class bodies.
const POSIX: Record<string, string> = {
  Lower: 'a-z',
  Upper: 'A-Z',
  ASCII: '\\x00-\\x7F',
  Alpha: 'a-zA-Z',
  Digit: '0-9',
  Alnum: 'a-zA-Z0-9',
  Punct: '!-\\/:-@\\[-`{-~',
  Graph: '!-~',
  Print: ' -~',
  Blank: ' \\t',
  Cntrl: '\\x00-\\x1F\\x7F',
  XDigit: '0-9a-fA-F',
  Space: ' \\t\\n\\x0B\\f\\r',
  L: '\\p{L}',
  IsAlphabetic: '\\p{Alphabetic}',
  IsDigit: '\\p{Nd}',
  IsLetter: '\\p{L}',
  IsUppercase: '\\p{Lu}',
  IsLowercase: '\\p{Ll}',
  IsWhite_Space: '\\s',
  javaLowerCase: '\\p{Ll}',
  javaUpperCase: '\\p{Lu}',
  javaWhitespace: '\\s',
}

function escapeLiteral(s: string): string {
  return s.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&')
}

/** Translates a Java pattern to a JavaScript source and flags; throws TemplateRenderError when it can't. */
function translate(pattern: string): { source: string; flags: string } {
  const cached = patternCache.get(pattern)
  if (cached !== undefined) return cached
  let flags = ''
  let p = pattern
  // Leading inline flags, e.g. `(?i)`: JavaScript (Node 20) has no inline flag groups.
  const lead = /^\(\?([imsux]+)\)/.exec(p)
  if (lead !== null) {
    for (const f of lead[1] as string) {
      if (f === 'i' || f === 'm' || f === 's') flags += flags.includes(f) ? '' : f
      else if (f === 'x') throw new TemplateRenderError(`regular expression ${JSON.stringify(pattern)}: the (?x) flag is not supported`)
    }
    p = p.slice(lead[0].length)
  }
  let out = ''
  let inClass = false
  let needsUnicode = false
  for (let i = 0; i < p.length; i++) {
    const c = p[i] as string
    if (c === '\\') {
      const n = p[i + 1]
      if (n === undefined) throw new TemplateRenderError(`regular expression ${JSON.stringify(pattern)}: trailing backslash`)
      if (n === 'Q') {
        const end = p.indexOf('\\E', i + 2)
        const lit = end === -1 ? p.slice(i + 2) : p.slice(i + 2, end)
        out += escapeLiteral(lit)
        i = end === -1 ? p.length : end + 1
        continue
      }
      if ((n === 'p' || n === 'P') && p[i + 2] === '{') {
        const close = p.indexOf('}', i + 3)
        const name = close === -1 ? '' : p.slice(i + 3, close).replace(/^Is(?=[A-Z][a-z])/, '')
        const body = POSIX[name] ?? POSIX[p.slice(i + 3, close)]
        if (close === -1 || body === undefined) {
          throw new TemplateRenderError(`regular expression ${JSON.stringify(pattern)}: unsupported class \\${n}{${name}}`)
        }
        if (body.startsWith('\\p')) needsUnicode = true
        if (inClass) {
          if (n === 'P') throw new TemplateRenderError(`regular expression ${JSON.stringify(pattern)}: \\P{} inside [] is not supported`)
          out += body
        } else {
          out += n === 'P' ? `[^${body}]` : `[${body}]`
        }
        i = close
        continue
      }
      if (!inClass && n === 'A') {
        out += '^'
        i++
        continue
      }
      if (!inClass && n === 'z') {
        out += '$'
        i++
        continue
      }
      if (!inClass && n === 'Z') {
        out += '(?=\\n?$)'
        i++
        continue
      }
      out += c + n
      i++
      continue
    }
    if (inClass) {
      if (c === ']') inClass = false
      out += c
      continue
    }
    if (c === '[') {
      inClass = true
      out += c
      // A `]` right after `[` or `[^` is a literal in Java as in JavaScript's non-unicode mode.
      if (p[i + 1] === '^') {
        out += '^'
        i++
      }
      if (p[i + 1] === ']') {
        out += '\\]'
        i++
      }
      continue
    }
    // Possessive quantifiers and atomic groups: JavaScript has neither; the greedy form matches the same
    // strings in all but pathological patterns.
    if (c === '+' && /[*+?}]/.test(p[i - 1] ?? '') && p[i - 2] !== '\\') continue
    if (c === '(' && p.startsWith('(?>', i)) {
      out += '(?:'
      i += 2
      continue
    }
    out += c
  }
  const result = { source: out, flags: needsUnicode ? flags + 'u' : flags }
  try {
    new RegExp(result.source, result.flags)
  } catch (e) {
    throw new TemplateRenderError(`regular expression ${JSON.stringify(pattern)}: ${(e as Error).message}`)
  }
  if (patternCache.size >= MAX_CACHE) patternCache.clear()
  patternCache.set(pattern, result)
  return result
}

/** A fresh RegExp for a Java pattern; `extraFlags` adds e.g. `g`. */
export function javaRegExp(pattern: string, extraFlags = ''): RegExp {
  const t = translate(pattern)
  return new RegExp(t.source, t.flags + extraFlags)
}

/** Java `String.matches`: the whole string must match. */
export function javaMatches(s: string, pattern: string): boolean {
  const t = translate(pattern)
  return new RegExp(`^(?:${t.source})$`, t.flags).test(s)
}

type ReplacementPart = string | number | { readonly name: string }

// Java's `Matcher.appendReplacement` syntax: `$n`, `${name}`, and backslash escapes.
function parseReplacement(repl: string, groupCount: number): ReplacementPart[] {
  const parts: ReplacementPart[] = []
  let lit = ''
  for (let i = 0; i < repl.length; i++) {
    const c = repl[i] as string
    if (c === '\\') {
      i++
      if (i >= repl.length) throw new TemplateRenderError('replacement string: character to be escaped is missing')
      lit += repl[i]
    } else if (c === '$') {
      i++
      if (repl[i] === '{') {
        const close = repl.indexOf('}', i)
        if (close === -1) throw new TemplateRenderError("replacement string: named group is missing trailing '}'")
        if (lit !== '') parts.push(lit)
        lit = ''
        parts.push({ name: repl.slice(i + 1, close) })
        i = close
      } else {
        const d = repl[i]
        if (d === undefined || d < '0' || d > '9') throw new TemplateRenderError('replacement string: illegal group reference')
        let n = Number(d)
        if (n > groupCount) throw new TemplateRenderError(`replacement string: no group ${n}`)
        // Java takes further digits while the group number stays valid.
        while (i + 1 < repl.length) {
          const nd = repl[i + 1] as string
          if (nd < '0' || nd > '9') break
          const candidate = n * 10 + Number(nd)
          if (candidate > groupCount) break
          n = candidate
          i++
        }
        if (lit !== '') parts.push(lit)
        lit = ''
        parts.push(n)
      }
    } else {
      lit += c
    }
  }
  if (lit !== '') parts.push(lit)
  return parts
}

function groupCountOf(re: RegExp): number {
  return (new RegExp(`${re.source}|`, re.flags.replace('g', '')).exec('') as RegExpExecArray).length - 1
}

/** Java `String.replaceAll` (all = true) or `replaceFirst`. */
export function javaReplace(s: string, pattern: string, replacement: string, all: boolean): string {
  const re = javaRegExp(pattern, all ? 'g' : '')
  const parts = parseReplacement(replacement, groupCountOf(re))
  return s.replace(re, (...m: unknown[]) => {
    const groupsArg = m[m.length - 1]
    const named = typeof groupsArg === 'object' && groupsArg !== null ? (groupsArg as Record<string, string | undefined>) : undefined
    let out = ''
    for (const part of parts) {
      if (typeof part === 'string') out += part
      else if (typeof part === 'number') out += (m[part] as string | undefined) ?? ''
      else {
        if (named === undefined || !Object.hasOwn(named, part.name)) {
          throw new TemplateRenderError(`replacement string: no group with name {${part.name}}`)
        }
        out += named[part.name] ?? ''
      }
    }
    return out
  })
}

/** Java `String.split(regex, limit)`, including its removal of trailing empty strings when limit is 0. */
export function javaSplit(s: string, pattern: string, limit = 0): string[] {
  const re = javaRegExp(pattern, 'g')
  const list: string[] = []
  let index = 0
  const limited = limit > 0
  let m: RegExpExecArray | null
  while ((m = re.exec(s)) !== null) {
    const start = m.index
    const end = start + m[0].length
    if (m[0].length === 0) re.lastIndex++
    if (!limited || list.length < limit - 1) {
      // A zero-width match at the very start never yields a leading empty string (Java 8+).
      if (index === 0 && start === 0 && start === end) continue
      list.push(s.slice(index, start))
      index = end
    } else if (list.length === limit - 1) {
      list.push(s.slice(index))
      index = end
      break
    }
    if (re.lastIndex > s.length) break
  }
  if (index === 0) return [s]
  if (!limited || list.length < limit) list.push(s.slice(index))
  let size = list.length
  if (limit === 0) while (size > 0 && list[size - 1] === '') size--
  return list.slice(0, size)
}
