// The render budget (src/vtl/budget.ts): a template can never stall the process. Every limit is checked with
// the step count or an injected clock, never the machine's speed: the same template fails the same way on a
// fast laptop and a slow CI runner.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import {
  CLOCK_EVERY,
  DEFAULT_RENDER_BUDGET,
  FOREACH_LIMIT,
  TemplateBudgetError,
  TemplateRenderError,
  compileTemplate,
  type RenderBudget,
} from '../../src/vtl/index.js'

function render(template: string, body: string, budget?: Partial<RenderBudget>): string {
  const t = compileTemplate(template, budget === undefined ? {} : { budget })
  return t.render({ input: { body, path: {}, querystring: {}, header: {} }, context: {}, stageVariables: null }).output
}

function budgetError(fn: () => unknown): TemplateBudgetError {
  try {
    fn()
  } catch (err) {
    assert.ok(err instanceof TemplateBudgetError, `expected a TemplateBudgetError, got ${String(err)}`)
    return err
  }
  assert.fail('the render did not go over its budget')
}

const items = (n: number): string => JSON.stringify(Array.from({ length: n }, (_, i) => ({ id: i, name: `item ${i}`, price: i / 4, tags: ['a', 'b'] })))

test('three nested #foreach over 1,000 items (a billion iterations) stop at the step budget', () => {
  const template = "#foreach($a in $input.path('$'))#foreach($b in $input.path('$'))#foreach($c in $input.path('$'))x#end#end#end"
  const err = budgetError(() => render(template, items(FOREACH_LIMIT)))
  assert.equal(err.limit, 'steps')
  assert.ok(err instanceof TemplateRenderError, 'a budget error is a render error (the gateway answers 500)')
  assert.match(err.message, /went over its budget of \d+ evaluation steps/)
})

test('the default budget leaves room for real templates: every field of 1,000 items, twice', () => {
  const template = `#set($root = $input.path('$'))[#foreach($i in $root){"id": $i.id, "name": "$util.escapeJavaScript($i.name)", "price": $i.price, "tags": $i.tags, "first": $foreach.first}#if($foreach.hasNext),#end#end]
#foreach($i in $root)#if($i.name.matches('item [0-9]+') && $i.price > 1)$i.name.toUpperCase().replaceAll(' ', '_')#end#end`
  const out = render(template, items(FOREACH_LIMIT))
  assert.equal(JSON.parse(out.split('\n')[0]!).length, FOREACH_LIMIT)
  assert.match(out, /ITEM_999$/)
})

test('the budget grows with the body the template maps: a caller buys work only with what it uploads', () => {
  const template = "#foreach($a in [1..200])#foreach($b in [1..20])x#end#end"
  const budget = { steps: 5_000, stepsPerBodyKiB: 4_096 }
  assert.equal(budgetError(() => render(template, '{}', budget)).limit, 'steps')
  assert.equal(render(template, ' '.repeat(16 * 1024), budget).length, 4000)
  // Without the scaling the larger body buys nothing.
  assert.equal(budgetError(() => render(template, ' '.repeat(16 * 1024), { ...budget, stepsPerBodyKiB: 0 })).limit, 'steps')
})

test('recursion that doubles (macros, #define blocks) stops at the budget instead of running 2^n steps', () => {
  const macro = '#macro(f $n)#if($n > 0)#set($m = $n - 1)#f($m)#set($m = $n - 1)#f($m)#end#end#f(19)'
  assert.equal(budgetError(() => render(macro, '{}')).limit, 'steps')
  const defines = Array.from({ length: 40 }, (_, i) => `#define($d${i})${i === 39 ? 'x' : `$d${i + 1}$d${i + 1}`}#end`).join('') + '$d0'
  assert.equal(budgetError(() => render(defines, '{}')).limit, 'steps')
})

test('the output and every string a template builds are capped (default: the 10 MiB payload limit)', () => {
  assert.equal(DEFAULT_RENDER_BUDGET.outputChars, 10 * 1024 * 1024)
  const budget = { outputChars: 100_000 }
  const body = JSON.stringify({ s: 'x'.repeat(1000) })
  // Output through a loop, doubling through #set, String.repeat and concat: all refused before they grow past it.
  assert.equal(budgetError(() => render("#foreach($i in [1..1000])$input.body#end", body, budget)).limit, 'output')
  assert.equal(budgetError(() => render('#set($s = "ab")#foreach($i in [1..40])#set($s = "$s$s")#end$s.length()', '{}', budget)).limit, 'output')
  assert.equal(budgetError(() => render("$input.path('$.s').repeat(1000000000)", body, budget)).limit, 'output')
  assert.equal(budgetError(() => render("#set($s = $input.path('$.s'))#foreach($i in [1..200])#set($s = $s + $s)#end", body, budget)).limit, 'output')
  assert.equal(budgetError(() => render("$input.path('$.s').replace('x', $input.body)", body, budget)).limit, 'output')
  assert.equal(budgetError(() => render("$input.path('$.s').replaceAll('x', $input.body)", body, budget)).limit, 'output')
  // Under the cap nothing changes.
  assert.equal(render("$input.path('$.s').repeat(3).length()", body, budget), '3000')
})

test('a wall-clock backstop, read every CLOCK_EVERY steps from an injected clock', () => {
  let reads = 0
  let now = 0
  const clock = (): number => {
    reads++
    return now
  }
  // A clock that never moves: the render finishes, and the clock was read about once per CLOCK_EVERY steps.
  const loop = '#foreach($a in [1..100])#foreach($b in [1..100])x#end#end'
  assert.equal(render(loop, '{}', { now: clock, timeMs: 50 }).length, 10_000)
  assert.ok(reads >= 10 && reads <= 1 + Math.ceil(40_000 / CLOCK_EVERY), `the clock was read ${reads} times`)
  // A clock that moves 10 ms per read: the render stops at the 50 ms budget, long before its steps run out.
  reads = 0
  const slow = (): number => (now += 10)
  const err = budgetError(() => render(loop, '{}', { now: slow, timeMs: 50, steps: 1e9 }))
  assert.equal(err.limit, 'time')
  assert.match(err.message, /time budget of 50 ms/)
  // timeMs 0: no clock at all.
  reads = 0
  render(loop, '{}', { now: clock, timeMs: 0 })
  assert.equal(reads, 0)
})

test('JSONPath walks are charged per value visited: nested deep scans of a deep body stop at the budget', () => {
  // 300 nested objects: `$..*` yields 300 values, `$..*..*` about 45,000, `$..*..*..*` about 4.5 million.
  let doc = '1'
  for (let i = 0; i < 300; i++) doc = `{"a":${doc}}`
  assert.equal(budgetError(() => render("$input.json('$..*..*..*').length()", doc)).limit, 'steps')
  // One scan of the same body is cheap.
  assert.equal(render("$input.path('$..*').size()", doc), '300')
})

test('patterns built while rendering are charged for their compilation: a thousand distinct large ones stop', () => {
  const template = "#set($s = $input.path('$.s'))#foreach($i in [1..1000])#set($p = \"a{$i}\")$s.matches($p)#end"
  assert.equal(budgetError(() => render(template, JSON.stringify({ s: 'a'.repeat(1000) }))).limit, 'steps')
})

test(`#foreach: the ${FOREACH_LIMIT + 1}th iteration is an error; a loop left early by #break never reaches it`, () => {
  const list = JSON.stringify(Array.from({ length: FOREACH_LIMIT + 5 }, (_, i) => i))
  assert.equal(render("#foreach($i in $input.path('$'))$i#if($i == 2)#break#end#end", list), '012')
  assert.throws(() => render("#foreach($i in $input.path('$'))#end", list), (err: Error) => {
    assert.ok(err instanceof TemplateRenderError && !(err instanceof TemplateBudgetError))
    assert.match(err.message, /#foreach over 1005 items; API Gateway allows at most 1000 iterations/)
    return true
  })
})
