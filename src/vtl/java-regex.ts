// Java regular expressions for the String methods templates call (`matches`, `replaceAll`, `replaceFirst`,
// `split`), run on RE2 (src/regex): linear time whatever the pattern. A pattern written in the template is
// compiled with the template (compile.ts); one built while rendering is compiled on first use and kept.

import { compileRegex, RegexSyntaxError, type UserRegex } from '../regex/index.js'
import { charge, checkLength } from './budget.js'
import { TemplateRenderError } from './errors.js'

const MAX_CACHE = 500
const dynamic = new Map<string, UserRegex>()

// What finding one match costs beyond the characters scanned (a Matcher step, the groups): about 8 steps.
const PER_MATCH = 8
// Compiling, and building the automaton the first matches need, costs about 32 steps per RE2 instruction
// (`a{1000}` is a thousand of them).
const PER_INSTRUCTION = 32

/**
 * A compiled Java pattern, for a pattern built while rendering; throws TemplateRenderError when it cannot run
 * (RE2 syntax, or invalid). A compilation is charged to the render by the size of the compiled program.
 */
export function javaRegex(pattern: string): UserRegex {
  let re = dynamic.get(pattern)
  if (re !== undefined) return re
  charge(pattern.length)
  try {
    re = compileRegex(pattern, 'java')
    charge(re.programSize() * PER_INSTRUCTION)
  } catch (err) {
    if (err instanceof RegexSyntaxError) throw new TemplateRenderError(err.message, { cause: err })
    throw err
  }
  if (dynamic.size >= MAX_CACHE) dynamic.clear()
  dynamic.set(pattern, re)
  return re
}

/** Java `String.matches`: the whole string must match. */
export function javaMatches(s: string, re: UserRegex): boolean {
  return re.matches(s)
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

/**
 * Java `String.replaceAll` (all = true) or `replaceFirst`. In a render, a result longer than the output budget
 * is a TemplateBudgetError as soon as it grows past it.
 */
export function javaReplace(s: string, re: UserRegex, replacement: string, all: boolean): string {
  const parts = parseReplacement(replacement, re.groupCount())
  const named = re.namedGroups()
  for (const part of parts) {
    if (typeof part === 'object' && !Object.hasOwn(named, part.name)) throw new TemplateRenderError(`replacement string: no group with name {${part.name}}`)
  }
  const m = re.matcher(s)
  let out = ''
  let last = 0
  while (m.find()) {
    charge(PER_MATCH)
    out += s.slice(last, m.start())
    for (const part of parts) {
      if (typeof part === 'string') out += part
      else out += m.group(typeof part === 'number' ? part : part.name) ?? ''
    }
    last = m.end()
    checkLength(out.length, `String.${all ? 'replaceAll' : 'replaceFirst'}`)
    if (!all) break
  }
  if (last === 0 && out === '') return s
  return out + s.slice(last)
}

/** Java `String.split(regex, limit)`, including its removal of trailing empty strings when limit is 0. */
export function javaSplit(s: string, re: UserRegex, limit = 0): string[] {
  const m = re.matcher(s)
  const list: string[] = []
  let index = 0
  const limited = limit > 0
  while (m.find()) {
    charge(PER_MATCH)
    const start = m.start()
    const end = m.end()
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
  }
  if (index === 0) return [s]
  if (!limited || list.length < limit) list.push(s.slice(index))
  let size = list.length
  if (limit === 0) while (size > 0 && list[size - 1] === '') size--
  return list.slice(0, size)
}
