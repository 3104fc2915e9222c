// src/regex: user patterns in AWS's dialects (Java for selection patterns, identity validation, JSONPath
// filters and template String methods; ECMA 262 for model schemas) run on RE2. What they match, what is
// refused and why, that no input makes them slow, and the nested-quantifier lint. Property tests compare RE2
// with JavaScript's own engine on the syntax both dialects share (fixed seed, bounded runs).

import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { compileRegex, regexProblem, RegexSyntaxError, slowConstructs } from '../../src/regex/index.js'
import { javaReplace, javaSplit } from '../../src/vtl/java-regex.js'

const java = (p: string) => compileRegex(p, 'java')
const ecma = (p: string) => compileRegex(p, 'ecma')

test('Java patterns mean what java.util.regex makes of them', () => {
  const cases: Array<[string, string, boolean]> = [
    ['4\\d{2}', '404', true],
    ['4\\d{2}', '4040', false],
    ['.*Not Found.*', 'Error: Not Found here', true],
    ['(?i)not found', 'NOT FOUND', true],
    ['(?i:x)y', 'Xy', true],
    ['(?i:x)y', 'XY', false],
    ['\\p{Lower}+\\p{Upper}', 'abC', true],
    ['\\P{Digit}+', 'ab', true],
    ['[\\p{Alpha}\\d]+', 'a1B2', true],
    ['\\p{L}+', 'héllo', true],
    ['\\p{IsLatin}+', 'abc', true],
    ['\\p{javaLowerCase}', 'é', true],
    ['\\s', '\u000B', true], // Java's \s includes the vertical tab; RE2's does not
    ['\\h', '\u00A0', true],
    ['a\\Rb', 'a\r\nb', true],
    ['\\Qa.b*\\E', 'a.b*', true],
    ['\\Qa.b*\\E', 'axbb', false],
    ['\\u0041\\x42\\x{43}\\0104\\e', 'ABCD\u001B', true],
    ['a*+b', 'aaab', true], // possessive: same strings matched here
    ['(?>ab|a)c', 'abc', true],
    ['[]a]+', ']a]', true],
    ['[^]a]', 'b', true],
    ['(?<year>\\d{4})-(?<m>\\d\\d)', '2024-05', true],
    ['\\Aabc\\z', 'abc', true],
    ['colou?r', 'color', true],
    ['a{2,3}', 'aaaa', false],
  ]
  for (const [p, s, expected] of cases) assert.equal(java(p).matches(s), expected, `${p} on ${JSON.stringify(s)}`)
})

test('ECMA 262 patterns (JSON Schema, no u flag) mean what JavaScript makes of them', () => {
  const cases: Array<[string, string, boolean]> = [
    ['^[a-z]+$', 'abc', true],
    ['\\_\\-\\@', '_-@', true], // identity escapes
    ['\\a\\z\\p{L}', 'azp{L}', true], // letters without a meaning are themselves (no u flag)
    ['^a.b$', 'a\rb', false], // . stops at every line terminator
    ['^a.b$', 'a\u2028b', false],
    ['\\s', '\u00A0', true], // \s includes no-break space and BOM
    ['\\s', '\uFEFF', true],
    ['^[]$', '', false],
    ['^[^]$', '\n', true],
    ['\\u0041', 'A', true],
    ['\\u00', 'u00', true],
    ['\\cJ', '\n', true],
    ['[\\b]', '\b', true],
    ['a{,3}', 'a{,3}', true], // not a quantifier: literal
    ['x}', 'x}', true],
    ['^\\d{3}-\\d{4}$', '555-1234', true],
    ['(?<n>a)b', 'ab', true],
  ]
  for (const [p, s, expected] of cases) {
    assert.equal(ecma(p).test(s), expected, `${p} on ${JSON.stringify(s)}`)
    assert.equal(new RegExp(p).test(s), expected, `JavaScript agrees on ${p}`)
  }
})

test('what RE2 cannot run in linear time is refused with the construct and the reason', () => {
  const refused: Array<[string, 'java' | 'ecma', RegExp]> = [
    ['(?=a)b', 'java', /^RE2 syntax: lookahead "\(\?=" is not supported; Gatehouse runs user regexes in linear time$/],
    ['(?!a)b', 'ecma', /lookahead "\(\?!" is not supported/],
    ['(?<=a)b', 'java', /lookbehind "\(\?<=" is not supported/],
    ['(?<!a)b', 'ecma', /lookbehind "\(\?<!" is not supported/],
    ['(a)\\1', 'java', /backreferences "\\1" are not supported/],
    ['(a)\\1', 'ecma', /backreferences "\\1" are not supported/],
    ['(?<x>a)\\k<x>', 'java', /backreferences "\\k<x>" are not supported/],
    ['(?<x>a)\\k<x>', 'ecma', /backreferences "\\k<x>" are not supported/],
    ['a\\Z', 'java', /"\\Z" \(use \\z or \$\) is not supported/],
    ['\\Ga', 'java', /"\\G" is not supported/],
    ['(?x) a b', 'java', /the comments flag "\(\?x\)" is not supported/],
    ['[a-z&&[^e]]', 'java', /character class intersection "&&" is not supported/],
    ['[a[b]]', 'java', /nested character classes and unions/],
    ['\\p{InGreek}', 'java', /Unicode blocks "\\p\{InGreek\}" are not supported/],
    ['a{1001}', 'java', /a repetition count above 1000 "\{1001\}" is not supported/],
    ['((a{100}){100}){100}', 'ecma', /repetitions that multiply past 1000/],
  ]
  for (const [p, dialect, reason] of refused) {
    assert.throws(
      () => compileRegex(p, dialect),
      (err: Error) => err instanceof RegexSyntaxError && err.pattern === p && reason.test(err.reason) && err.message === `regular expression ${JSON.stringify(p)}: ${err.reason}`,
      `${dialect} ${p}`,
    )
    assert.match(regexProblem(p, dialect)!, reason)
  }
  // What the dialect itself rejects is said so, not blamed on RE2.
  assert.match(regexProblem('a{', 'java')!, /^invalid regular expression: illegal repetition/)
  assert.match(regexProblem('(?i)a', 'ecma')!, /^invalid regular expression: invalid group "\(\?i\)"/)
  assert.match(regexProblem('[abc', 'java')!, /^invalid regular expression: unclosed character class/)
  assert.equal(regexProblem('(a+)+', 'java'), undefined)
})

test('no input makes a pattern slow: classic catastrophic patterns on 100,000 characters (a backtracking engine would not finish)', () => {
  const input = 'a'.repeat(100_000)
  for (const p of ['^(a+)+$', '^(a|aa)+$', '^(a|a?)+$', '^(\\w+\\s?)*$', '(x+x+)+y', '^(.*a){20}$']) {
    assert.equal(ecma(p).test(input + '!'), false, p)
    assert.equal(java(p).matches(input + '!'), false, p)
  }
  assert.equal(java('(a+)+').matches(input), true)
  assert.equal(javaReplace(input, java('(a|aa)+b'), 'x', true), input)
  assert.equal(javaSplit(input + 'b' + input, java('(a|aa)+b')).length, 2)
})

test('the lint finds what backtracking engines take exponential time on, and nothing else', () => {
  const slow: Array<[string, string, string]> = [
    ['^(a+)+$', '(a+)+', 'nested-quantifier'],
    ['(a*)*b', '(a*)*', 'nested-quantifier'],
    ['^(\\w+\\s?)*$', '(\\w+\\s?)*', 'nested-quantifier'],
    ['(?:x+x+)+y', '(?:x+x+)+', 'nested-quantifier'],
    ['((ab)+)*', '((ab)+)*', 'nested-quantifier'],
    ['(.*a){11}', '(.*a){11}', 'nested-quantifier'],
    ['(a|aa)+', '(a|aa)+', 'overlapping-alternation'],
    ['(\\d|1)*x', '(\\d|1)*', 'overlapping-alternation'],
    ['(a|)+', '(a|)+', 'overlapping-alternation'],
    ['(?i)(a|A)+', '(a|A)+', 'overlapping-alternation'],
  ]
  for (const [p, text, kind] of slow) assert.deepEqual(slowConstructs(p, 'java'), [{ text, kind }], p)
  for (const p of ['(a|b)+', '(get|post)+', '([a-z]|[0-9])+', '(\\d|x)+', '(a+){2}', '\\((a+)\\)', 'a+b+c+', '^[\\w.-]+@\\w+\\.\\w{2,}$', '(\\Q(a+)+\\E)']) {
    assert.deepEqual(slowConstructs(p, 'java'), [], p)
  }
})

// ---------------------------------------------------------------------------------------------------
// Properties: RE2 against JavaScript's engine, on the syntax Java, ECMA 262 and JavaScript share.

const atom = fc.constantFrom('a', 'b', 'ab', '.', '\\d', '\\w', '[ab]', '[^a]', '[a-c]', '\\.', '1', ' ')
const quantifier = fc.constantFrom('*', '+', '?', '{1,3}', '{2}', '{0,}', '*?', '+?')
const { pattern } = fc.letrec<{ pattern: string; node: string }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    atom,
    tie('node').map((n) => `(${n})`),
    fc.tuple(tie('node'), tie('node')).map(([a, b]) => a + b),
    fc.tuple(tie('node'), tie('node')).map(([a, b]) => `(?:${a}|${b})`),
    fc.tuple(tie('node'), quantifier).map(([n, q]) => `(?:${n})${q}`),
  ),
  pattern: fc.tuple(fc.constantFrom('', '^'), tie('node'), fc.constantFrom('', '$')).map(([a, n, b]) => a + n + b),
}))
// For positions (replace): repetition only of atoms. Where a repeated group can match the empty string
// (`(a*)*`), backtracking engines and RE2 can pick different (equally valid) matches; docs/regular-expressions.md says so.
const flat = fc
  .array(fc.oneof(atom, fc.tuple(atom, quantifier).map(([a, q]) => `(?:${a})${q}`), fc.tuple(atom, atom).map(([a, b]) => `(?:${a}|${b})+`)), { minLength: 1, maxLength: 4 })
  .map((parts) => parts.join(''))
const input = fc.string({ unit: fc.constantFrom('a', 'b', 'c', '1', '.', ' ', '_', '\n'), maxLength: 12 })
const SEED = 20_260_801

test('property: RE2 finds a match exactly where JavaScript does (ECMA 262 test, Java matches)', () => {
  fc.assert(
    fc.property(pattern, fc.array(input, { minLength: 1, maxLength: 4 }), (p, strings) => {
      const js = new RegExp(p)
      const whole = new RegExp(`^(?:${p})$`)
      const e = ecma(p)
      const j = java(p)
      for (const s of strings) {
        assert.equal(e.test(s), js.test(s), `ecma ${p} on ${JSON.stringify(s)}`)
        assert.equal(j.matches(s), whole.test(s), `java ${p} on ${JSON.stringify(s)}`)
      }
    }),
    { seed: SEED, numRuns: 400 },
  )
})

test('property: Java replaceAll and replaceFirst replace what JavaScript replaces (leftmost-first matches)', () => {
  fc.assert(
    fc.property(flat, input, (p, s) => {
      const j = java(p)
      assert.equal(javaReplace(s, j, '<$0>', true), s.replace(new RegExp(p, 'g'), '<$&>'), `replaceAll ${p} on ${JSON.stringify(s)}`)
      assert.equal(javaReplace(s, j, '<$0>', false), s.replace(new RegExp(p), '<$&>'), `replaceFirst ${p} on ${JSON.stringify(s)}`)
    }),
    { seed: SEED, numRuns: 300 },
  )
})

test('property: any pattern text compiles or is refused with a RegexSyntaxError, and matching never throws', () => {
  const chars = fc.constantFrom(...'ab()[]{}|*+?.^$\\-,:=!<>&1dswpPkQEZzuxc0'.split(''))
  fc.assert(
    fc.property(fc.string({ unit: chars, maxLength: 16 }), input, (p, s) => {
      for (const dialect of ['java', 'ecma'] as const) {
        let re
        try {
          re = compileRegex(p, dialect)
        } catch (err) {
          assert.ok(err instanceof RegexSyntaxError, `${dialect} ${JSON.stringify(p)}: ${String(err)}`)
          continue
        }
        re.test(s)
        re.matches(s)
        slowConstructs(p, dialect)
      }
    }),
    { seed: SEED, numRuns: 2000 },
  )
})
