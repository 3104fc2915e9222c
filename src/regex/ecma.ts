// ECMA 262 regular expressions without the `u` flag (JSON Schema `pattern` and `patternProperties`, as AWS's
// validator reads them) translated to RE2 syntax. Lookaround and backreferences are refused; what RE2 spells
// differently is rewritten: identity escapes (`\_`, `\a` is "a"), `\uXXXX`, `\cX`, `.`, `\s`, `[]`, `[^]`.

import { invalid, unsupported, unsupportedPlural } from './errors.js'
import { hex, literal, quote } from './spell.js'

// ECMA's WhiteSpace and LineTerminator code points (what `\s` matches), as a bracket body.
const SPACE = '\\t\\n\\x0B\\f\\r \\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}\\x{FEFF}'
// `.` matches anything but a line terminator.
const DOT = '[^\\n\\r\\x{2028}\\x{2029}]'
const QUANTIFIER = /^\{(\d+)(,(\d*))?\}/

/**
 * Translates an ECMA 262 pattern (no `u` flag) to RE2 syntax. Throws RegexSyntaxError for lookaround,
 * backreferences, repetition counts above 1000 and patterns ECMA itself rejects that RE2 would accept.
 */
export function translateEcma(pattern: string): string {
  const p = pattern
  const named = /\(\?<[A-Za-z_$]/.test(p)
  let out = ''
  let inClass = false
  for (let i = 0; i < p.length; i++) {
    const c = p[i] as string
    if (c === '\\') {
      const [text, next] = escape(p, i, inClass, named)
      out += text
      i = next - 1
      continue
    }
    if (inClass) {
      if (c === ']') {
        inClass = false
        out += ']'
      } else if (c === '[') {
        out += '\\['
      } else {
        out += c
      }
      continue
    }
    switch (c) {
      case '[':
        // `[]` matches nothing and `[^]` anything; RE2 would read the `]` as a member.
        if (p.startsWith('[]', i)) {
          out += '[^\\x00-\\x{10FFFF}]'
          i++
          continue
        }
        if (p.startsWith('[^]', i)) {
          out += '[\\x00-\\x{10FFFF}]'
          i += 2
          continue
        }
        inClass = true
        out += '['
        if (p[i + 1] === '^') {
          out += '^'
          i++
        }
        continue
      case '(': {
        if (p[i + 1] !== '?') {
          out += '('
          continue
        }
        const rest = p.slice(i + 2)
        if (rest.startsWith('=') || rest.startsWith('!')) throw unsupported(p, `lookahead ${quote(p.slice(i, i + 3))}`)
        if (rest.startsWith('<=') || rest.startsWith('<!')) throw unsupported(p, `lookbehind ${quote(p.slice(i, i + 4))}`)
        if (rest.startsWith(':')) {
          out += '(?:'
          i += 2
          continue
        }
        const name = /^<([A-Za-z_$][A-Za-z0-9_$]*)>/.exec(rest)
        if (name === null || name[1]!.includes('$')) throw invalid(p, `invalid group ${JSON.stringify(p.slice(i, i + 4))}`)
        out += `(?P<${name[1]}>`
        i += 1 + name[0].length
        continue
      }
      case '.':
        out += DOT
        continue
      case '{': {
        const m = QUANTIFIER.exec(p.slice(i))
        if (m !== null) {
          const min = Number(m[1])
          const max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3])
          if (max < min) throw invalid(p, `numbers out of order in ${m[0]} quantifier`)
          if (min > 1000 || (max !== Infinity && max > 1000)) throw unsupported(p, `a repetition count above 1000 ${quote(m[0])}`)
          out += m[0]
          i += m[0].length - 1
          continue
        }
        // Not a quantifier: a literal brace (Annex B).
        out += '\\{'
        continue
      }
      case '}':
      case ']':
        out += '\\' + c
        continue
      default:
        out += c
    }
  }
  if (inClass) throw invalid(p, 'unterminated character class')
  return out
}

// One escape sequence starting at `p[i]`: its RE2 spelling and the index after it.
function escape(p: string, i: number, inClass: boolean, named: boolean): [string, number] {
  const n = p[i + 1]
  if (n === undefined) throw invalid(p, '\\ at end of pattern')
  const after = i + 2
  switch (n) {
    case 'd':
    case 'D':
    case 'w':
    case 'W':
    case 't':
    case 'n':
    case 'r':
    case 'f':
    case 'v':
      return ['\\' + n, after]
    case 's':
      return [inClass ? SPACE : `[${SPACE}]`, after]
    case 'S':
      return [inClass ? '\\S' : `[^${SPACE}]`, after]
    case 'b':
      return [inClass ? '\\x08' : '\\b', after]
    case 'B':
      return [inClass ? 'B' : '\\B', after]
    case 'c': {
      const x = p[after]
      if (x !== undefined && /[A-Za-z]/.test(x)) return [hex(x.charCodeAt(0) % 32), after + 1]
      return ['\\\\c', after]
    }
    case 'x': {
      const h = p.slice(after, after + 2)
      return /^[0-9a-fA-F]{2}$/.test(h) ? [hex(parseInt(h, 16)), after + 2] : ['x', after]
    }
    case 'u': {
      const h = p.slice(after, after + 4)
      return /^[0-9a-fA-F]{4}$/.test(h) ? [hex(parseInt(h, 16)), after + 4] : ['u', after]
    }
    case 'k':
      if (named) throw unsupportedPlural(p, `backreferences ${quote(p.slice(i, p.indexOf('>', i) + 1 || i + 3))}`)
      return ['k', after]
    default:
      break
  }
  if (n >= '0' && n <= '9') {
    if (n === '0' && !/[0-9]/.test(p[after] ?? '')) return ['\\x{0}', after]
    if (!inClass && n !== '0') throw unsupportedPlural(p, `backreferences ${quote('\\' + n)}`)
    // Annex B legacy octal escapes (\0nn, and \1.. inside brackets); \8 and \9 are the digits themselves.
    const m = /^[0-3]?[0-7]{1,2}|^[0-7]/.exec(p.slice(i + 1))
    if (m === null) return [n, after]
    return [hex(parseInt(m[0], 8)), i + 1 + m[0].length]
  }
  // Identity escapes: any other letter, and any other character, is itself.
  const cp = p.codePointAt(i + 1)!
  const ch = String.fromCodePoint(cp)
  return [literal(ch), i + 1 + ch.length]
}
