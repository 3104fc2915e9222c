// Java regular expressions (java.util.regex, what AWS runs for selection patterns, identity validation,
// JSONPath filters and the String methods of mapping templates) translated to RE2 syntax. Constructs RE2
// cannot run in linear time (lookaround, backreferences) are refused with a RegexSyntaxError saying so;
// constructs with an RE2 spelling (`\p{Lower}`, `\h`, `\R`, `\uXXXX`, `(?d)`) are rewritten.

import { invalid, unsupported, unsupportedPlural } from './errors.js'
import { hex, literal, quote } from './spell.js'

// Java's POSIX classes (US-ASCII) as RE2 POSIX class names, usable inside and outside brackets.
const POSIX: Record<string, string> = {
  Lower: 'lower',
  Upper: 'upper',
  ASCII: 'ascii',
  Alpha: 'alpha',
  Digit: 'digit',
  Alnum: 'alnum',
  Punct: 'punct',
  Graph: 'graph',
  Print: 'print',
  Blank: 'blank',
  Cntrl: 'cntrl',
  XDigit: 'xdigit',
  Space: 'space',
}

// Java's whitespace-like escapes and java.lang.Character classes, as bracket bodies.
const SPACE = '\\t\\n\\x0B\\f\\r '
const HSPACE = '\\t \\x{A0}\\x{1680}\\x{180E}\\x{2000}-\\x{200A}\\x{202F}\\x{205F}\\x{3000}'
const VSPACE = '\\n\\x0B\\f\\r\\x{85}\\x{2028}\\x{2029}'
const JAVA_WHITESPACE = '\\t\\n\\x0B\\f\\r\\x1C-\\x1F \\x{1680}\\x{2000}-\\x{2006}\\x{2008}-\\x{200A}\\x{2028}\\x{2029}\\x{205F}\\x{3000}'

// `\p{Name}` names that are not RE2 names, as bracket bodies (a single `\p{X}` can also be negated as `\P{X}`).
const NAMED: Record<string, string> = {
  Alphabetic: '\\p{L}\\p{Nl}',
  Letter: '\\p{L}',
  Digit: '\\p{Nd}',
  Uppercase: '\\p{Lu}',
  Lowercase: '\\p{Ll}',
  Titlecase: '\\p{Lt}',
  Punctuation: '\\p{P}',
  Control: '\\p{Cc}',
  White_Space: SPACE + '\\x{85}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}',
  javaLowerCase: '\\p{Ll}',
  javaUpperCase: '\\p{Lu}',
  javaTitleCase: '\\p{Lt}',
  javaDigit: '\\p{Nd}',
  javaLetter: '\\p{L}',
  javaLetterOrDigit: '\\p{L}\\p{Nd}',
  javaAlphabetic: '\\p{L}\\p{Nl}',
  javaWhitespace: JAVA_WHITESPACE,
  javaSpaceChar: '\\p{Zs}\\p{Zl}\\p{Zp}',
}

// RE2's Unicode general categories and scripts are accepted as they are (`\p{Lu}`, `\p{Greek}`).
const RE2_NAME = /^(?:[A-Z][a-z]?|[A-Z][a-z]+(?:_[A-Z][a-z]+)*)$/

/** A class spelt `\p{…}`/`\P{…}`, resolved: an RE2 class atom (usable in brackets) or a bracket body. */
function propertyClass(pattern: string, name: string, negated: boolean, inClass: boolean): string {
  let n = name.replace(/^(?:general_category|gc|script|sc|block|blk)=/, '')
  if (n.startsWith('In') && n.length > 2 && /^[A-Z]/.test(n.slice(2)) && !/^(?:general_category|gc|script|sc)=/.test(name)) {
    throw unsupportedPlural(pattern, `Unicode blocks ${quote(`\\p{${name}}`)}`)
  }
  const posix = POSIX[n]
  if (posix !== undefined) {
    const atom = `[:${negated ? '^' : ''}${posix}:]`
    return inClass ? atom : `[${atom}]`
  }
  if (n.startsWith('Is') && n.length > 2) n = n.slice(2)
  const body = NAMED[n] ?? NAMED[name]
  if (body !== undefined) {
    const single = /^\\p\{[A-Za-z_]+\}$/.exec(body)
    if (negated && single) return body.replace('\\p', '\\P')
    if (inClass) {
      if (negated) throw unsupported(pattern, `\\P{${name}} inside [...]`)
      return body
    }
    return `[${negated ? '^' : ''}${body}]`
  }
  if (n === 'L1') n = 'Latin'
  if (!RE2_NAME.test(n)) throw invalid(pattern, `unknown character property \\${negated ? 'P' : 'p'}{${name}}`)
  return `\\${negated ? 'P' : 'p'}{${n}}`
}

/** A bracket body as a class atom: itself inside brackets, `[body]`/`[^body]` outside. */
function bodyClass(pattern: string, body: string, negated: boolean, inClass: boolean, spelling: string): string {
  if (!inClass) return `[${negated ? '^' : ''}${body}]`
  if (negated) throw unsupported(pattern, `${spelling} inside [...]`)
  return body
}

const QUANTIFIER = /^\{(\d+)(,(\d*))?\}/

/**
 * Translates a Java pattern to RE2 syntax. Throws RegexSyntaxError for what RE2 cannot run (lookaround,
 * backreferences, `\G`, `\Z`, nested classes and intersections, `(?x)`) and for what Java itself rejects.
 */
export function translateJava(pattern: string): string {
  let out = ''
  let inClass = false
  // Index in `pattern` where the current class's members start (a `]` there is a literal, as in Java).
  let classBodyStart = -1
  const p = pattern
  for (let i = 0; i < p.length; i++) {
    const c = p[i] as string
    if (c === '\\') {
      const [text, next] = escape(p, i, inClass)
      out += text
      i = next - 1
      continue
    }
    if (inClass) {
      if (c === ']' && i !== classBodyStart) {
        inClass = false
        out += ']'
      } else if (c === '[') {
        throw unsupportedPlural(p, 'nested character classes and unions "[a[b]]"')
      } else if (c === '&' && p[i + 1] === '&') {
        throw unsupported(p, 'character class intersection "&&"')
      } else if (c === ']') {
        out += '\\]'
      } else {
        out += c
      }
      continue
    }
    switch (c) {
      case '[':
        inClass = true
        out += '['
        if (p[i + 1] === '^') {
          out += '^'
          i++
        }
        classBodyStart = i + 1
        continue
      case '(': {
        const [text, next] = group(p, i)
        out += text
        i = next - 1
        continue
      }
      case '*':
      case '+':
      case '?':
        out += c
        i = quantifierSuffix(p, i + 1, (s) => (out += s)) - 1
        continue
      case '{': {
        const m = QUANTIFIER.exec(p.slice(i))
        if (m === null) throw invalid(p, `illegal repetition ${JSON.stringify(p.slice(i, i + 8))}`)
        const min = Number(m[1])
        const max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3])
        if (max < min) throw invalid(p, `illegal repetition range ${m[0]}`)
        if (min > 1000 || (max !== Infinity && max > 1000)) throw unsupported(p, `a repetition count above 1000 ${quote(m[0])}`)
        out += m[0]
        i = quantifierSuffix(p, i + m[0].length, (s) => (out += s)) - 1
        continue
      }
      default:
        out += c
    }
  }
  if (inClass) throw invalid(p, 'unclosed character class')
  return out
}

// After a quantifier: `?` (reluctant) is kept; `+` (possessive) is dropped, since RE2 matches the same strings
// with the greedy form in all but patterns that rely on possessive failure. Returns the index after it.
function quantifierSuffix(p: string, at: number, emit: (s: string) => void): number {
  if (p[at] === '?') {
    emit('?')
    return at + 1
  }
  if (p[at] === '+') return at + 1
  return at
}

function group(p: string, i: number): [string, number] {
  if (p[i + 1] !== '?') return ['(', i + 1]
  const rest = p.slice(i + 2)
  if (rest.startsWith('=') || rest.startsWith('!')) throw unsupported(p, `lookahead ${quote(p.slice(i, i + 3))}`)
  if (rest.startsWith('<=') || rest.startsWith('<!')) throw unsupported(p, `lookbehind ${quote(p.slice(i, i + 4))}`)
  if (rest.startsWith(':')) return ['(?:', i + 3]
  // Atomic groups: RE2 has none; the plain group matches the same strings in all but patterns relying on it.
  if (rest.startsWith('>')) return ['(?:', i + 3]
  const named = /^<([A-Za-z][A-Za-z0-9]*)>/.exec(rest)
  if (named) return [`(?P<${named[1]}>`, i + 2 + named[0].length]
  const flags = /^([a-zA-Z]*)(?:-([a-zA-Z]*))?([):])/.exec(rest)
  if (flags === null) throw invalid(p, `unknown group construct ${JSON.stringify(p.slice(i, i + 4))}`)
  const keep = (set: string): string => {
    let kept = ''
    for (const f of set) {
      if (f === 'i' || f === 'm' || f === 's') kept += kept.includes(f) ? '' : f
      // (?u) Unicode-aware case folding: RE2 folds Unicode case anyway. (?d) Unix lines: RE2 only knows \n.
      else if (f === 'u' || f === 'd') continue
      else if (f === 'x') throw unsupported(p, 'the comments flag "(?x)"')
      else if (f === 'U') throw unsupported(p, 'the Unicode character class flag "(?U)"')
      else throw invalid(p, `unknown inline flag ${JSON.stringify(f)}`)
    }
    return kept
  }
  const on = keep(flags[1] ?? '')
  const off = keep(flags[2] ?? '')
  const spec = on + (off === '' ? '' : `-${off}`)
  const end = i + 2 + flags[0].length
  if (flags[3] === ')') return [spec === '' ? '' : `(?${spec})`, end]
  return [spec === '' ? '(?:' : `(?${spec}:`, end]
}

// One escape sequence starting at `p[i]` (a backslash): its RE2 spelling and the index after it.
function escape(p: string, i: number, inClass: boolean): [string, number] {
  const n = p[i + 1]
  if (n === undefined) throw invalid(p, 'trailing backslash')
  const after = i + 2
  switch (n) {
    case 'Q': {
      const end = p.indexOf('\\E', after)
      const text = end === -1 ? p.slice(after) : p.slice(after, end)
      return [literal(text), end === -1 ? p.length : end + 2]
    }
    case 'E':
      return ['', after]
    case 'p':
    case 'P': {
      let name: string
      let next: number
      if (p[after] === '{') {
        const close = p.indexOf('}', after)
        if (close === -1) throw invalid(p, `unclosed character property \\${n}{`)
        name = p.slice(after + 1, close)
        next = close + 1
      } else {
        name = p[after] ?? ''
        next = after + 1
        if (!/^[A-Za-z]$/.test(name)) throw invalid(p, `illegal character property \\${n}`)
      }
      return [propertyClass(p, name, n === 'P', inClass), next]
    }
    case 's':
    case 'S':
      // Java's \s includes \x0B (vertical tab), RE2's does not. Inside brackets \S stays RE2's.
      if (inClass && n === 'S') return ['\\S', after]
      return [bodyClass(p, SPACE, n === 'S', inClass, '\\S'), after]
    case 'h':
    case 'H':
      return [bodyClass(p, HSPACE, n === 'H', inClass, '\\H'), after]
    case 'v':
    case 'V':
      return [bodyClass(p, VSPACE, n === 'V', inClass, '\\V'), after]
    case 'R':
      if (inClass) throw invalid(p, '\\R inside [...]')
      return ['(?:\\r\\n|[' + VSPACE + '])', after]
    case 'A':
    case 'z':
    case 'b':
    case 'B':
      if (inClass) throw invalid(p, `\\${n} inside [...]`)
      return ['\\' + n, after]
    case 'Z':
      throw unsupported(p, '"\\Z" (use \\z or $)')
    case 'G':
      throw unsupported(p, '"\\G"')
    case 'X':
      throw unsupported(p, '"\\X"')
    case 'N':
      throw unsupported(p, '"\\N{name}"')
    case 'k':
      throw unsupportedPlural(p, `backreferences ${quote(p.slice(i, p.indexOf('>', i) + 1 || i + 3))}`)
    case 'd':
    case 'D':
    case 'w':
    case 'W':
    case 't':
    case 'n':
    case 'r':
    case 'f':
      return ['\\' + n, after]
    case 'a':
      return ['\\x07', after]
    case 'e':
      return ['\\x1B', after]
    case 'c': {
      const x = p[after]
      if (x === undefined) throw invalid(p, 'illegal control escape \\c')
      return [hex(x.charCodeAt(0) ^ 64), after + 1]
    }
    case 'u': {
      const h = p.slice(after, after + 4)
      if (!/^[0-9a-fA-F]{4}$/.test(h)) throw invalid(p, 'illegal Unicode escape sequence \\u')
      return [hex(parseInt(h, 16)), after + 4]
    }
    case 'x': {
      if (p[after] === '{') {
        const close = p.indexOf('}', after)
        const h = close === -1 ? '' : p.slice(after + 1, close)
        if (!/^[0-9a-fA-F]{1,6}$/.test(h) || parseInt(h, 16) > 0x10ffff) throw invalid(p, 'illegal hexadecimal escape \\x{')
        return [hex(parseInt(h, 16)), close + 1]
      }
      const h = p.slice(after, after + 2)
      if (!/^[0-9a-fA-F]{2}$/.test(h)) throw invalid(p, 'illegal hexadecimal escape \\x')
      return [hex(parseInt(h, 16)), after + 2]
    }
    case '0': {
      // Java: \0n, \0nn, \0mnn (m <= 3), octal.
      const m = /^(?:[0-3][0-7]{2}|[0-7]{1,2})/.exec(p.slice(after))
      if (m === null) throw invalid(p, 'illegal octal escape sequence \\0')
      return [hex(parseInt(m[0], 8)), after + m[0].length]
    }
    default:
      break
  }
  if (n >= '1' && n <= '9') {
    if (inClass) throw invalid(p, `illegal escape sequence \\${n} inside [...]`)
    throw unsupportedPlural(p, `backreferences ${quote('\\' + n)}`)
  }
  if (/[A-Za-z]/.test(n)) throw invalid(p, `illegal escape sequence \\${n}`)
  // Any other escaped character is itself.
  const cp = p.codePointAt(i + 1)!
  const ch = String.fromCodePoint(cp)
  return [literal(ch), i + 1 + ch.length]
}
