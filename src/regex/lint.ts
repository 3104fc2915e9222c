// Patterns that backtracking engines (Java's, on AWS; JavaScript's) can take exponential time on: a repeated
// group whose body repeats too (`(a+)+`, `(a*)*`, `(\w+\s?)*`), or whose alternatives can start with the same
// character (`(a|aa)+`). RE2 runs them in linear time, so they are warnings, not errors.

/** One construct found: the group with its quantifier as written, and what makes it slow elsewhere. */
export interface SlowConstruct {
  readonly text: string
  readonly kind: 'nested-quantifier' | 'overlapping-alternation'
}

// The first character an alternative can start with: ASCII membership (0..127) plus "non-ASCII possible".
type First = Uint8Array

const ANY = (() => {
  const s = new Uint8Array(129)
  s.fill(1)
  return s
})()

function set(pred: (c: number) => boolean, nonAscii: boolean): First {
  const s = new Uint8Array(129)
  for (let c = 0; c < 128; c++) if (pred(c)) s[c] = 1
  s[128] = nonAscii ? 1 : 0
  return s
}

const isDigit = (c: number): boolean => c >= 48 && c <= 57
const isWord = (c: number): boolean => isDigit(c) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95
const isSpace = (c: number): boolean => c === 32 || (c >= 9 && c <= 13)
const CLASSES: Record<string, First> = {
  d: set(isDigit, false),
  w: set(isWord, false),
  s: set(isSpace, true),
}

function overlaps(a: First, b: First): boolean {
  for (let i = 0; i < 129; i++) if (a[i] === 1 && b[i] === 1) return true
  return false
}

function charSet(ch: string, ignoreCase: boolean): First {
  const code = ch.charCodeAt(0)
  if (code >= 128) return set(() => false, true)
  if (!ignoreCase) return set((c) => c === code, false)
  const lower = ch.toLowerCase().charCodeAt(0)
  const upper = ch.toUpperCase().charCodeAt(0)
  return set((c) => c === lower || c === upper, false)
}

// The members of a simple bracket expression (literals, ranges, \d \w \s); anything else: ANY.
function classSet(body: string, ignoreCase: boolean): First {
  if (body.startsWith('^')) return ANY
  const s = new Uint8Array(129)
  for (let i = 0; i < body.length; i++) {
    let c = body[i] as string
    if (c === '\\') {
      const n = body[i + 1] ?? ''
      i++
      const cls = CLASSES[n]
      if (cls !== undefined) {
        for (let k = 0; k < 129; k++) if (cls[k] === 1) s[k] = 1
        continue
      }
      if (/[A-Za-z0-9]/.test(n)) return ANY
      c = n
    }
    if (body[i + 1] === '-' && i + 2 < body.length && body[i + 2] !== '\\') {
      const from = c.charCodeAt(0)
      const to = (body[i + 2] as string).charCodeAt(0)
      for (let k = from; k <= to && k < 128; k++) {
        const one = charSet(String.fromCharCode(k), ignoreCase)
        for (let x = 0; x < 129; x++) if (one[x] === 1) s[x] = 1
      }
      if (to >= 128) s[128] = 1
      i += 2
      continue
    }
    const one = charSet(c, ignoreCase)
    for (let k = 0; k < 129; k++) if (one[k] === 1) s[k] = 1
  }
  return s
}

interface Quantifier {
  readonly min: number
  readonly max: number
  readonly length: number
}

function quantifierAt(p: string, i: number): Quantifier | null {
  const c = p[i]
  let q: Quantifier | null = null
  if (c === '*') q = { min: 0, max: Infinity, length: 1 }
  else if (c === '+') q = { min: 1, max: Infinity, length: 1 }
  else if (c === '?') q = { min: 0, max: 1, length: 1 }
  else if (c === '{') {
    const m = /^\{(\d+)(,(\d*))?\}/.exec(p.slice(i))
    if (m !== null) q = { min: Number(m[1]), max: m[2] === undefined ? Number(m[1]) : m[3] === '' ? Infinity : Number(m[3]), length: m[0].length }
  }
  if (q === null) return null
  // Lazy and possessive suffixes belong to the quantifier.
  const s = p[i + q.length]
  return s === '?' || s === '+' ? { ...q, length: q.length + 1 } : q
}

interface Frame {
  readonly start: number
  /** A variable repetition somewhere inside the group. */
  repeats: boolean
  /** The first-character set of each finished alternative, and of the current one (null: not started yet). */
  readonly alternatives: First[]
  current: First | null
  /** The current alternative may be empty (nothing, or only optional atoms so far). */
  emptyAlternative: boolean
}

/**
 * The constructs of `pattern` that make backtracking engines slow, in order: a group repeated without bound
 * (`*`, `+`, `{n,}`, or up to 10 times and more) whose body holds a variable repetition, or whose alternatives
 * can start with the same character. `dialect` says how to read `\Q…\E` (Java only).
 *
 * @example
 * slowConstructs('^(a+)+$', 'ecma') // [{ text: '(a+)+', kind: 'nested-quantifier' }]
 * slowConstructs('(a|aa)*b', 'java') // [{ text: '(a|aa)*', kind: 'overlapping-alternation' }]
 */
export function slowConstructs(pattern: string, dialect: 'java' | 'ecma'): SlowConstruct[] {
  const p = pattern
  const found: SlowConstruct[] = []
  const ignoreCase = dialect === 'java' && /^\(\?[a-z]*i/.test(p)
  const root: Frame = { start: -1, repeats: false, alternatives: [], current: null, emptyAlternative: true }
  const stack: Frame[] = [root]
  // The atom a following quantifier applies to: its first-character set and, for a group, its frame.
  let last = null as { first: First; frame: Frame | null; start: number } | null
  const top = (): Frame => stack[stack.length - 1] as Frame
  const atom = (first: First, frame: Frame | null, start: number): void => {
    const f = top()
    if (f.current === null) f.current = first
    else if (f.emptyAlternative) f.current = union(f.current, first)
    f.emptyAlternative = false
    last = { first, frame, start }
  }
  for (let i = 0; i < p.length; i++) {
    const c = p[i] as string
    const q = quantifierAt(p, i)
    if (q !== null && last !== null) {
      const variable = q.max !== q.min
      const f = top()
      if (variable) f.repeats = true
      // An optional atom leaves the alternative possibly empty: what follows can also come first.
      if (q.min === 0 && f.current === last.first) f.emptyAlternative = true
      const unbounded = q.max === Infinity || q.max >= 10
      const g = last.frame
      if (unbounded && g !== null) {
        const text = p.slice(last.start, i + q.length)
        if (g.repeats) found.push({ text, kind: 'nested-quantifier' })
        else if (alternativesOverlap(g)) found.push({ text, kind: 'overlapping-alternation' })
      }
      last = null
      i += q.length - 1
      continue
    }
    switch (c) {
      case '\\': {
        const n = p[i + 1] ?? ''
        if (dialect === 'java' && n === 'Q') {
          const end = p.indexOf('\\E', i + 2)
          const text = end === -1 ? p.slice(i + 2) : p.slice(i + 2, end)
          if (text !== '') atom(charSet(text[0] as string, ignoreCase), null, i)
          i = end === -1 ? p.length : end + 1
          continue
        }
        const cls = CLASSES[n.toLowerCase()]
        atom(cls !== undefined ? (n === n.toLowerCase() ? cls : ANY) : /[A-Za-z]/.test(n) ? ANY : charSet(n, ignoreCase), null, i)
        i++
        continue
      }
      case '[': {
        let j = i + 1
        if (p[j] === '^') j++
        if (p[j] === ']') j++
        while (j < p.length && p[j] !== ']') j += p[j] === '\\' ? 2 : 1
        atom(classSet(p.slice(i + 1, j), ignoreCase), null, i)
        i = j
        continue
      }
      case '(': {
        let skip = 0
        if (p[i + 1] === '?') {
          const m = /^\(\?(?:[:>=!]|<[=!]|<[A-Za-z][A-Za-z0-9_]*>|P<[A-Za-z][A-Za-z0-9_]*>|[a-zA-Z-]*:)/.exec(p.slice(i))
          const flagsOnly = /^\(\?[a-zA-Z-]*\)/.exec(p.slice(i))
          if (flagsOnly !== null) {
            i += flagsOnly[0].length - 1
            continue
          }
          skip = m === null ? 1 : m[0].length - 1
        }
        stack.push({ start: i, repeats: false, alternatives: [], current: null, emptyAlternative: true })
        last = null
        i += skip
        continue
      }
      case ')': {
        if (stack.length === 1) continue
        const g = stack.pop() as Frame
        finishAlternative(g)
        const parent = top()
        if (g.repeats) parent.repeats = true
        const first = g.alternatives.reduce<First>((acc, a) => union(acc, a), new Uint8Array(129))
        atom(g.alternatives.some((a) => a === ANY) ? ANY : first, g, g.start)
        continue
      }
      case '|':
        finishAlternative(top())
        last = null
        continue
      case '^':
      case '$':
        last = null
        continue
      case '.':
        atom(ANY, null, i)
        continue
      default:
        atom(charSet(c, ignoreCase), null, i)
    }
  }
  return found
}

function union(a: First, b: First): First {
  const s = new Uint8Array(129)
  for (let i = 0; i < 129; i++) s[i] = a[i] === 1 || b[i] === 1 ? 1 : 0
  return s
}

function finishAlternative(f: Frame): void {
  // An empty alternative (`(a|)`) can start with anything that follows the group.
  f.alternatives.push(f.current === null || f.emptyAlternative ? ANY : f.current)
  f.current = null
  f.emptyAlternative = true
}

function alternativesOverlap(g: Frame): boolean {
  const alts = g.alternatives
  if (alts.length < 2) return false
  for (let i = 0; i < alts.length; i++) for (let j = i + 1; j < alts.length; j++) if (overlaps(alts[i] as First, alts[j] as First)) return true
  return false
}
