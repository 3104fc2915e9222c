// Property-based fuzzing of mapping templates (fast-check, fixed seed, bounded runs): random templates built
// from VTL's directives, references, Java methods, regexes, JSONPath and $util, rendered against random
// bodies. Whatever the template and the body, compiling gives a program or a TemplateSyntaxError, rendering
// gives output or a TemplateRenderError (the budget's included) and never any other exception, and no render
// works past its step budget: the meter reads the clock once per CLOCK_EVERY steps, so the number of reads
// bounds the steps taken.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { performance } from 'node:perf_hooks'
import fc from 'fast-check'
import { CLOCK_EVERY, TemplateRenderError, TemplateSyntaxError, compileTemplate, type RenderBudget } from '../../src/vtl/index.js'

const SEED = 8_2026
const STEPS = 50_000

const name = fc.constantFrom('$a', '$b', '$list', '$m', '$s', '$i')
const jsonPath = fc.constantFrom("'$'", "'$.items'", "'$.items[0]'", "'$..*'", "'$..name'", "'$.items[*].id'", "'$.s'", "'$.items[?(@.id > 1)]'", "'$.items[?(@.name =~ /(a+)+b/)]'", "'$['", "'$..*..*'")
const regex = fc.constantFrom("'(a+)+b'", "'(a|aa)*c'", "'[a-z]+'", "'\\\\s*,\\\\s*'", "''", "'(?i)A'", "'.'", "'(?=a)'", "'\\\\p{Lower}+'", "'('", "'x{2,5}'", "$s")
const literal = fc.oneof(
  fc.integer({ min: -3, max: 2000 }).map(String),
  fc.constantFrom("'a'", '"x$a"', "''", 'true', 'false', 'null', '[]', '{}', '[1, 2, 3]', '{"k": 1}', '"$s$s"', "'aaaa'"),
)

const { expr } = fc.letrec<{ expr: string; ref: string }>((tie) => ({
  ref: fc.oneof(
    { depthSize: 'small' },
    name,
    jsonPath.map((p) => `$input.path(${p})`),
    jsonPath.map((p) => `$input.json(${p})`),
    fc.constantFrom('$input.body', "$input.params('p')", '$input.params()', '$context.requestId', '$stageVariables.v', '$foreach.index', '$foreach.hasNext'),
    fc.tuple(name, regex).map(([n, r]) => `${n}.matches(${r})`),
    fc.tuple(name, regex, literal).map(([n, r, l]) => `${n}.replaceAll(${r}, ${l})`),
    fc.tuple(name, regex).map(([n, r]) => `${n}.split(${r})`),
    fc.tuple(name, fc.constantFrom('size()', 'length()', 'toUpperCase()', 'trim()', 'keySet()', 'values()', 'entrySet()', 'isEmpty()', 'toString()', 'get(0)', "get('k')", 'substring(1)', 'charAt(2)', 'repeat(3)', 'repeat(100000)', 'add($a)', 'addAll($list)', "put('k', $a)", 'contains($a)', 'indexOf($a)', 'remove(0)')).map(([n, m]) => `${n}.${m}`),
    fc.tuple(fc.constantFrom('escapeJavaScript', 'parseJson', 'urlEncode', 'urlDecode', 'base64Encode', 'base64Decode'), tie('expr')).map(([f, e]) => `$util.${f}(${e})`),
  ),
  expr: fc.oneof(
    { depthSize: 'small' },
    literal,
    tie('ref'),
    fc.tuple(tie('expr'), fc.constantFrom('+', '-', '*', '/', '%', '==', '!=', '<', '>', '&&', '||'), tie('expr')).map(([a, o, b]) => `${a} ${o} ${b}`),
    fc.tuple(literal, literal).map(([a, b]) => `[${a}..${b}]`),
    tie('expr').map((e) => `!${e}`),
  ),
}))

const { block } = fc.letrec<{ block: string; node: string }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small' },
    fc.constantFrom('text ', '{"k": ', '}', ',', '\n', '#break', '#stop', '## comment\n', '#* c *#', '$!a', '${a}', '#'),
    expr.map((e) => `$!{x}${e.startsWith('$') ? e : ''}`),
    fc.tuple(name, expr).map(([n, e]) => `#set(${n} = ${e})`),
    fc.tuple(expr, tie('block'), tie('block')).map(([c, t, e]) => `#if(${c})${t}#else${e}#end`),
    fc.tuple(name, expr, tie('block')).map(([n, e, b]) => `#foreach(${n} in ${e})${b}#end`),
    fc.tuple(tie('block')).map(([b]) => `#define($d)${b}$d$d#end$d`),
    fc.tuple(tie('block'), expr).map(([b, e]) => `#macro(mac $a)${b}#end#mac(${e})#mac($a)`),
  ),
  block: fc.array(tie('node'), { maxLength: 4 }).map((nodes) => nodes.join('')),
}))

const body = fc.oneof(
  fc.json({ maxDepth: 4 }),
  fc.record({
    s: fc.string({ unit: fc.constantFrom('a', 'b', 'c', ',', ' ', '"', '\\', 'é', '\n'), maxLength: 40 }),
    items: fc.array(fc.record({ id: fc.integer({ min: 0, max: 5 }), name: fc.constantFrom('aab', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaa', 'x') }), { maxLength: 1000 }),
  }).map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 50 }),
)

interface Outcome {
  ok: boolean
  ms: number
  clockReads: number
  limit: number
}

function attempt(template: string, input: string): Outcome {
  let clockReads = 0
  const budget: Partial<RenderBudget> = {
    steps: STEPS,
    // The clock never trips here (a real one would on a slow machine); it only counts the meter's checks.
    timeMs: 1e12,
    now: () => {
      clockReads++
      return 0
    },
  }
  let compiled
  try {
    compiled = compileTemplate(template, { budget })
  } catch (err) {
    assert.ok(err instanceof TemplateSyntaxError, `compiling ${JSON.stringify(template)} threw ${String(err)}`)
    return { ok: false, ms: 0, clockReads: 0, limit: STEPS }
  }
  const start = performance.now()
  try {
    const result = compiled.render({
      input: { body: input, path: { p: 'path' }, querystring: {}, header: { Accept: '*/*' } },
      context: { requestId: 'r-1', stage: 'dev' },
      stageVariables: { v: 'stage' },
    })
    assert.equal(typeof result.output, 'string')
    assert.ok(result.output.length <= compiled.budget.outputChars)
    return { ok: true, ms: performance.now() - start, clockReads, limit: STEPS + Math.floor((input.length / 1024) * compiled.budget.stepsPerBodyKiB) }
  } catch (err) {
    assert.ok(err instanceof TemplateRenderError, `rendering ${JSON.stringify(template)} threw ${String(err)}`)
    // Engine faults are wrapped as "rendering failed: …"; only running out of stack may end up there.
    if (err.message.startsWith('rendering failed:')) assert.ok(err.cause instanceof RangeError, `engine fault rendering ${JSON.stringify(template)}: ${err.message}`)
    return { ok: false, ms: performance.now() - start, clockReads, limit: STEPS + Math.floor((input.length / 1024) * compiled.budget.stepsPerBodyKiB) }
  }
}

test('property: any template on any body renders or fails with a clear error, within its step budget', (t) => {
  let rendered = 0
  let slowest = 0
  let runs = 0
  fc.assert(
    fc.property(block, body, (template, input) => {
      const r = attempt(template, input)
      runs++
      if (r.ok) rendered++
      slowest = Math.max(slowest, r.ms)
      // One clock read per CLOCK_EVERY steps: more reads would mean more steps than the budget allows.
      assert.ok(r.clockReads <= Math.ceil(r.limit / CLOCK_EVERY) + 1, `${r.clockReads} clock reads for a limit of ${r.limit} steps: ${JSON.stringify(template)}`)
      // Not a speed assertion: a render the meter failed to bound would run for minutes, not seconds.
      assert.ok(r.ms < 10_000, `a render took ${r.ms.toFixed(0)} ms: ${JSON.stringify(template)}`)
    }),
    { seed: SEED, numRuns: 400 },
  )
  t.diagnostic(`${runs} templates, ${rendered} rendered, the others refused with a clear error; slowest render ${slowest.toFixed(1)} ms`)
  assert.ok(rendered > runs / 4, 'the generator makes mostly valid templates')
})

test('property: random text is a template or a TemplateSyntaxError, never a crash', () => {
  const unit = fc.constantFrom(...'#$!{}()[]\'"abcdefghijklmnopqrstuvwxyz.,=<>+-*/ \n@|&\\'.split(''), '#set', '#if', '#end', '#foreach', '#macro', '#define', '$input.path(', ' in ')
  fc.assert(
    fc.property(fc.string({ unit, maxLength: 60 }), fc.string({ maxLength: 30 }), (template, input) => {
      attempt(template, input)
    }),
    { seed: SEED, numRuns: 1500 },
  )
})
