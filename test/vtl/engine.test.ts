// Mapping-template engine behaviour (§5.1–§5.6): $input, $context, $stageVariables, quiet references, Java
// methods, directives and their limits, overrides, and compile-time errors.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import {
  FOREACH_LIMIT,
  TemplateRenderError,
  TemplateSyntaxError,
  compileTemplate,
  type RenderResult,
  type TemplateInput,
} from '../../src/vtl/index.js'

interface Opts {
  body?: string | Buffer
  contentType?: string
  path?: Record<string, string>
  querystring?: Record<string, string>
  header?: Record<string, string>
  context?: Record<string, unknown>
  stageVariables?: Record<string, string> | null
}

function run(template: string, o: Opts = {}): RenderResult {
  const input: TemplateInput = {
    body: o.body ?? '',
    path: o.path ?? {},
    querystring: o.querystring ?? {},
    header: o.header ?? {},
  }
  if (o.contentType !== undefined) input.contentType = o.contentType
  return compileTemplate(template).render({ input, context: o.context ?? {}, stageVariables: o.stageVariables ?? null })
}

const out = (template: string, o: Opts = {}): string => run(template, o).output

// ---------------------------------------------------------------------------------------------------
// $input

test('$input.body is the raw payload; an empty body reads as {} for JSON content only', () => {
  assert.equal(out('$input.body', { body: '{"a": 1}' }), '{"a": 1}')
  assert.equal(out('$input.body', { body: Buffer.from('héllo') }), 'héllo')
  assert.equal(out('$input.body', { body: '' }), '{}')
  assert.equal(out('$input.body', { body: '', contentType: 'application/json; charset=UTF-8' }), '{}')
  assert.equal(out('$input.body', { body: '', contentType: 'application/vnd.api+json' }), '{}')
  assert.equal(out('[$input.body]', { body: '', contentType: 'text/plain' }), '[]')
  assert.equal(out("$input.json('$')", { body: '' }), '{}')
})

test('$input.body is a string, so a property of it renders as nothing', () => {
  assert.equal(out('[$input.body.someKey]', { body: '{"someKey":"x"}' }), '[]')
})

test('$input.json gives JSON text: quoted strings, compact objects, "" when nothing matches', () => {
  const body = '{"a": "foobar", "n": 1.5, "obj": {"x": [1, 2]}, "items": [{"id": 1}, {"id": 2}], "nil": null}'
  assert.equal(out("$input.json('$.a')", { body }), '"foobar"')
  assert.equal(out("$input.json('$.n')", { body }), '1.5')
  assert.equal(out("$input.json('$.obj')", { body }), '{"x":[1,2]}')
  assert.equal(out("$input.json('$.items[*].id')", { body }), '[1,2]')
  assert.equal(out("$input.json('$.nil')", { body }), 'null')
  assert.equal(out("$input.json('$.missing')", { body }), '""')
  assert.equal(out("$input.json('$.a')", { body: 'not json' }), '""')
  assert.equal(out('$input.json("$")', { body: '"just a string"' }), '"just a string"')
})

test('$input.path gives the object itself: property access, size(), Java-style printing', () => {
  const body = '{"name": "Ann", "things": {"1": {}, "2": {}}, "tags": ["a", "b"], "n": 3, "ok": true}'
  assert.equal(out("$input.path('$').name", { body }), 'Ann')
  assert.equal(out("$input.path('$.things').size()", { body }), '2')
  assert.equal(out("$input.path('$.tags').size() $input.path('$.tags')[1] $input.path('$.tags').get(0)", { body }), '2 b a')
  assert.equal(out("$input.path('$.n') $input.path('$.ok')", { body }), '3 true')
  assert.equal(out("$input.path('$')", { body: '{"a":1,"b":"two"}' }), '{a=1, b=two}')
  assert.equal(out("$input.path('$.tags')", { body }), '["a","b"]')
  assert.equal(out("[$input.path('$.missing')]", { body }), '[]')
  assert.equal(out("[$input.path('$')]", { body: 'not json' }), '[]')
})

test('$input.path with a malformed JSONPath is a render error', () => {
  assert.throws(() => out("$input.path('$.a[')", { body: '{}' }), TemplateRenderError)
})

test('$input.params() is a map of path, querystring and header, in that order', () => {
  const o = { path: { id: '7' }, querystring: { q: 'x' }, header: { Accept: '*/*' } }
  assert.equal(out('$input.params()', o), '{path={id=7}, querystring={q=x}, header={Accept=*/*}}')
  assert.equal(out('$input.params().path.id $input.params().querystring.get("q") $input.params().get("header").Accept', o), '7 x */*')
  assert.equal(out('#foreach($type in $input.params().keySet())$type #end', o), 'path querystring header ')
})

test('$input.params(name) looks in path, then querystring, then header, and gives "" when absent', () => {
  const o = { path: { v: 'from-path' }, querystring: { v: 'from-query', q: 'query-only' }, header: { v: 'from-header', 'X-Custom': 'hdr' } }
  assert.equal(out("$input.params('v')", o), 'from-path')
  assert.equal(out("$input.params('q')", o), 'query-only')
  assert.equal(out("$input.params('X-Custom')", o), 'hdr')
  assert.equal(out("[$input.params('nope')]", o), '[]')
  assert.equal(out("#if($input.params('nope') == '')empty#end", o), 'empty')
})

test('header lookups fall back to a case-insensitive match', () => {
  const o = { header: { 'Content-Type': 'application/json' } }
  assert.equal(out("$input.params('content-type')", o), 'application/json')
  assert.equal(out("$input.params().header.get('CONTENT-TYPE')", o), 'application/json')
  assert.equal(out('$input.params().header.content-type', o), 'application/json')
  assert.equal(out("$input.params().header.containsKey('content-type')", o), 'true')
})

// ---------------------------------------------------------------------------------------------------
// $context, $stageVariables and quiet references

test('$context variables, nested objects and missing ones', () => {
  const context = {
    stage: 'dev',
    requestId: 'r-1',
    identity: { sourceIp: '10.0.0.1', userAgent: 'curl' },
    authorizer: { principalId: 'u1', claims: { sub: 'abc' } },
    error: { messageString: '"Missing Authentication Token"' },
  }
  assert.equal(
    out('$context.stage $context.identity.sourceIp $context.authorizer.principalId $context.authorizer.claims.sub $context.error.messageString', { context }),
    'dev 10.0.0.1 u1 abc "Missing Authentication Token"',
  )
  assert.equal(out('[$context.nothing][$context.identity.nothing][$context.nothing.deeper]', { context }), '[][][]')
})

test('$stageVariables by dot, by index and wrapped; null stage variables render as nothing', () => {
  const stageVariables = { host: 'example.com', 'my-var': 'v' }
  assert.equal(out("$stageVariables.host ${stageVariables['host']} $stageVariables['my-var']", { stageVariables }), 'example.com example.com v')
  assert.equal(out('[$stageVariables.host][$stageVariables]', { stageVariables: null }), '[][]')
})

test('undefined and null references render as nothing, in every notation', () => {
  assert.equal(out('[$missing][$!missing][${missing}][$!{missing}][$missing.a.b()][$missing[0]]'), '[][][][][][]')
  assert.equal(out("[$input.path('$.a')]", { body: '{"a":null}' }), '[]')
})

test('a null value inside a map or list prints as null', () => {
  assert.equal(out("$input.path('$')", { body: '{"a":null}' }), '{a=null}')
  assert.equal(out('#set($l = [1, $missing, 2])$l'), '[1, null, 2]')
})

// ---------------------------------------------------------------------------------------------------
// Java methods

test('Java String methods', () => {
  const body = '{"s": "  Hello, World  ", "csv": "a,b,,c,,", "e": ""}'
  const t = (expr: string): string => out(`#set($s = $input.path('$.s').trim())${expr}`, { body })
  assert.equal(t('$s.length()'), '12')
  assert.equal(t('$s.toUpperCase() $s.toLowerCase()'), 'HELLO, WORLD hello, world')
  assert.equal(t("$s.replace('l', 'L')"), 'HeLLo, WorLd')
  assert.equal(t("$s.replaceAll('[aeiou]', '*')"), 'H*ll*, W*rld')
  assert.equal(t("$s.replaceAll('(\\w+), (\\w+)', '$2 $1')"), 'World Hello')
  assert.equal(t("$s.replaceFirst('l', '_')"), 'He_lo, World')
  assert.equal(t('$s.substring(7) $s.substring(0, 5)'), 'World Hello')
  assert.equal(t("$s.indexOf('o') $s.indexOf('o', 5) $s.lastIndexOf('o') $s.indexOf('z')"), '4 8 8 -1')
  assert.equal(t("$s.contains('World') $s.startsWith('Hell') $s.endsWith('d') $s.startsWith('World', 7)"), 'true true true true')
  assert.equal(t("$s.equals('Hello, World') $s.equalsIgnoreCase('hello, world') $s.isEmpty()"), 'true true false')
  assert.equal(t("$s.matches('H.*d') $s.matches('ello')"), 'true false')
  assert.equal(t("$s.charAt(4) $s.concat('!') $s.toString()"), 'o Hello, World! Hello, World')
  assert.equal(out("$input.path('$.e').isEmpty() $input.path('$.e').length()", { body }), 'true 0')
  // Java split drops trailing empty strings, keeps inner ones.
  assert.equal(out("#set($p = $input.path('$.csv').split(','))$p.size() $p", { body }), '4 [a, b, , c]')
  assert.equal(out("$input.path('$.csv').split(',', -1).size()", { body }), '6')
  // Java trim removes control characters too, but String.strip-style Unicode spaces stay.
  assert.equal(out('[$input.path("$.s").trim()]', { body: '{"s": "\\u0001 x \\t"}' }), '[x]')
})

test('the AWS-documented escapeJavaScript fix-up: replaceAll("\\\\\'", "\'") turns \\\' back into \'', () => {
  assert.equal(out(`$util.escapeJavaScript($input.path('$.s')).replaceAll("\\\\'","'")`, { body: `{"s": "it's \\"x\\""}` }), `it's \\"x\\"`)
})

test('Java String method misuse is a render error, as the Java exception would be', () => {
  assert.throws(() => out("$input.path('$.s').substring(10)", { body: '{"s":"abc"}' }), TemplateRenderError)
  assert.throws(() => out("$input.path('$.s').charAt(3)", { body: '{"s":"abc"}' }), TemplateRenderError)
  // A bad pattern built while rendering fails the render; one written in the template fails its compilation.
  assert.throws(() => out("#set($re = '(')$input.path('$.s').replaceAll($re, 'x')", { body: '{"s":"abc"}' }), TemplateRenderError)
  assert.throws(() => out("$input.path('$.s').replaceAll('(', 'x')", { body: '{"s":"abc"}' }), TemplateSyntaxError)
})

test('an unknown method or one with the wrong arguments renders as nothing', () => {
  assert.equal(out("[$input.path('$.s').noSuchMethod()][$input.path('$.s').substring()]", { body: '{"s":"abc"}' }), '[][]')
  // String parameters are not converted from numbers (Velocity 1.7), except indexOf(int ch).
  assert.equal(out("[$input.path('$.s').contains(1)][$input.path('$.s').indexOf(98)]", { body: '{"s":"abc"}' }), '[][1]')
  // JavaScript's own methods are not reachable from templates.
  assert.equal(out("[$input.path('$.s').padStart(9)][$input.path('$').constructor][$input.path('$').hasOwnProperty('s')]", { body: '{"s":"abc"}' }), '[][][]')
  // `.length` is a JavaScript property, not a Java bean property.
  assert.equal(out("[$input.path('$.s').length]", { body: '{"s":"abc"}' }), '[]')
})

test('Java Map methods', () => {
  const body = '{"m": {"a": 1, "b": "two"}}'
  const t = (expr: string): string => out(`#set($m = $input.path('$.m'))${expr}`, { body })
  assert.equal(t("$m.get('a') $m.b $m['b'] $m.size() $m.isEmpty()"), '1 two two 2 false')
  assert.equal(t("$m.containsKey('a') $m.containsKey('z') $m.containsValue('two')"), 'true false true')
  assert.equal(t('$m.keySet() $m.values()'), '[a, b] [1, two]')
  assert.equal(t('#foreach($e in $m.entrySet())$e.key=$e.value;$e.getKey()#end'), 'a=1;ab=two;b')
  assert.equal(t("#set($old = $m.put('c', 3))$m $old"), '{a=1, b=two, c=3} ')
  assert.equal(t("$m.put('a', 9)|$m.remove('b')|$m"), '1|two|{a=9}')
  assert.equal(t("#set($m.d = 'x')$m.d $m.getOrDefault('zz', 'dflt')"), 'x dflt')
})

test('Java List methods', () => {
  const t = (expr: string): string => out(`#set($l = ["x", "y"])${expr}`)
  assert.equal(t('$l.size() $l.get(1) $l[0] $l.isEmpty()'), '2 y x false')
  assert.equal(t("$l.contains('y') $l.indexOf('y') $l.indexOf('q')"), 'true 1 -1')
  assert.equal(t("#set($ok = $l.add('z'))$l $ok"), '[x, y, z] true')
  assert.equal(t("$l.set(0, 'X')|$l.remove(0)|$l"), 'x|X|[y]')
  assert.equal(t('$l.subList(0, 1)'), '[x]')
  assert.throws(() => t('$l.get(5)'), TemplateRenderError)
})

test('lists made in a template print Java-style, lists from JSON print as JSON', () => {
  assert.equal(out('#set($l = ["a", 1, {"k": "v"}])$l'), '[a, 1, {k=v}]')
  assert.equal(out("$input.path('$.l')", { body: '{"l": ["a", 1, {"k": "v"}]}' }), '["a",1,{"k":"v"}]')
  assert.equal(out("#set($l = $input.path('$.l'))#set($ok = $l.add('b'))$l", { body: '{"l": ["a"]}' }), '["a","b"]')
})

// ---------------------------------------------------------------------------------------------------
// Directives

test('#set: variables, map keys, and a null right side leaving the variable unchanged', () => {
  assert.equal(out('#set($a = "x")#set($a = $missing)$a'), 'x')
  assert.equal(out('#set($m = {})#set($m.k = "v")#set($m["k2"] = 2)$m'), '{k=v, k2=2}')
  assert.equal(out('#set($a = 1)#set($b = $a + 2)$b'), '3')
})

test('#if/#elseif/#else with Velocity 1.7 truth: only null and false are false', () => {
  const t = (cond: string): string => out(`#if(${cond})T#{else}F#end`, { body: '{"f": false, "z": 0, "s": "", "l": []}' })
  assert.equal(t("$input.path('$.f')"), 'F')
  assert.equal(t("$input.path('$.missing')"), 'F')
  assert.equal(t("$input.path('$.z')"), 'T')
  assert.equal(t("$input.path('$.s')"), 'T')
  assert.equal(t("$input.path('$.l')"), 'T')
  assert.equal(t("!$input.path('$.missing')"), 'T')
  assert.equal(out('#set($n = 2)#if($n == 1)one#elseif($n == 2)two#else many#end'), 'two')
  assert.equal(out('#if($a && $b || true)yes#end'), 'yes')
})

test('== compares numbers by value, other types by their text; a null reference equals ""', () => {
  assert.equal(out('#if(1 == 1.0)a#end#if("1" == 1)b#end#if(true == "true")c#end#if("a" != "b")d#end'), 'abcd')
  assert.equal(out("#set($r = $input.path('$.missing'))#if($r == \"\")empty#end", { body: '{}' }), 'empty')
  assert.equal(out('#if($missing == $alsoMissing)same#end'), 'same')
  assert.equal(out('#if($missing == "x")x#{else}not-x#end'), 'not-x')
  assert.equal(out('#if(2 > 1 && 1 <= 1 && !(1 > 2))ok#end#if("b" > "a")strings-order#end'), 'ok')
})

test('arithmetic: integer division and modulo, string concatenation with +', () => {
  assert.equal(out('#set($x = 7 / 2)$x #set($y = 7 % 3)$y #set($z = 1.5 * 2)$z'), '3 1 3')
  assert.equal(out('#set($s = "n=" + 5)$s'), 'n=5')
  assert.equal(out('#set($x = 1)#set($x = $x / 0)$x'), '1')
})

test('#foreach: $foreach.hasNext/count/index/first/last, $velocityCount, maps iterate values', () => {
  assert.equal(out('#foreach($x in ["a","b","c"])$x#if($foreach.hasNext),#end#end'), 'a,b,c')
  assert.equal(out('#foreach($x in ["a","b"])$foreach.index:$foreach.count:$velocityCount:$foreach.first:$foreach.last #end'), '0:1:1:true:false 1:2:2:false:true ')
  assert.equal(out("#foreach($v in $input.path('$'))$v;#end", { body: '{"a":1,"b":2}' }), '1;2;')
  assert.equal(out('#foreach($i in [3..1])$i#end'), '321')
  assert.equal(out('#set($t = "text")#foreach($x in $missing)never#end#foreach($x in $t)never#end'), '')
  assert.equal(out('#foreach($o in [1,2])#foreach($i in ["a"])$foreach.parent.count$i#end#end'), '1a2a')
})

test('#foreach variables are scoped to the loop; #set of other names is global', () => {
  assert.equal(out('#set($x = "outer")#foreach($x in [1,2])#set($last = $x)#end$x $last'), 'outer 2')
})

test(`#foreach may iterate ${FOREACH_LIMIT} times; more is a TemplateRenderError`, () => {
  const list = JSON.stringify(Array.from({ length: FOREACH_LIMIT }, (_, i) => i))
  assert.equal(out("#set($n = 0)#foreach($i in $input.path('$'))#set($n = $n + 1)#end$n", { body: list }), String(FOREACH_LIMIT))
  const tooMany = JSON.stringify(Array.from({ length: FOREACH_LIMIT + 1 }, (_, i) => i))
  assert.throws(() => out("#foreach($i in $input.path('$'))$i#end", { body: tooMany }), (e: unknown) => {
    assert.ok(e instanceof TemplateRenderError)
    assert.match(e.message, /line 1, column 1: #foreach over 1001 items/)
    return true
  })
})

test('#break leaves the loop at once; #stop ends the whole template', () => {
  assert.equal(out('#foreach($i in [1..5])$i#if($i == 3)#break#end,#end done'), '1,2,3 done')
  assert.equal(out('a#foreach($i in [1..5])$i#if($i == 2)#stop#end#end b'), 'a12')
  assert.equal(out('before #stop after'), 'before ')
  assert.equal(out('before #stop() after'), 'before ')
})

test('#macro with arguments, nested calls, #@ body content, #define blocks', () => {
  assert.equal(out('#macro(kv $k $v)"$k": "$v"#end{#kv("a" 1), #kv("b" $input.params("q"))}', { querystring: { q: 'z' } }), '{"a": "1", "b": "z"}')
  assert.equal(out('#macro(inner $x)[$x]#end#macro(outer $x)#inner($x)#inner($x)#end#outer("y")'), '[y][y]')
  assert.equal(out('#macro(wrap)<$bodyContent>#end#@wrap()inside#end'), '<inside>')
  assert.equal(out('#define($block)n=$n#end#set($n = 1)$block #set($n = 2)$block'), 'n=1 n=2')
  assert.throws(() => out('#macro(loop)#loop()#end#loop()'), TemplateRenderError)
})

test('an undefined macro call prints as written', () => {
  assert.equal(out('a #nosuch("x") b'), 'a #nosuch("x") b')
})

test('comments are dropped and a directive alone on a line leaves no blank line', () => {
  assert.equal(out('## note\n#set($a = 1)\n#if(true)\n  x\n#end\n#* block\ncomment *#y'), '  x\ny')
})

test('string literals interpolate in double quotes only', () => {
  assert.equal(out('#set($n = "Ann")#set($d = "hi $n")#set($s = \'hi $n\')$d|$s'), 'hi Ann|hi $n')
})

// ---------------------------------------------------------------------------------------------------
// Overrides (§5.6)

test('request overrides for header, querystring and path come back in the result', () => {
  const r = run(
    '#set($context.requestOverride.header.X-Forwarded = "yes")' +
      '#set($context.requestOverride.querystring.page = 2)' +
      '#set($context.requestOverride.path.id = $input.params("id"))ok',
    { path: { id: '42' } },
  )
  assert.equal(r.output, 'ok')
  assert.deepEqual(r.requestOverride, { header: { 'X-Forwarded': 'yes' }, querystring: { page: '2' }, path: { id: '42' } })
  assert.deepEqual(r.responseOverride, { header: {} })
})

test('response overrides: status and headers; a request template may set the status too', () => {
  const r = run('#set($context.responseOverride.status = 400)#set($context.responseOverride.header.X-Why = "bad")')
  assert.deepEqual(r.responseOverride, { header: { 'X-Why': 'bad' }, status: 400 })
  assert.equal(run('#set($context.responseOverride.status = "201")').responseOverride.status, 201)
  assert.equal(run('#set($context.responseOverride.status = "abc")').responseOverride.status, undefined)
})

test('overrides set earlier (passed in $context) are readable and kept; the caller\'s objects are not changed', () => {
  const earlier = { requestOverride: { header: { 'X-A': '1' } }, responseOverride: { status: 202, header: {} } }
  const context: Record<string, unknown> = { ...earlier }
  const r = run('$context.requestOverride.header.X-A #set($context.requestOverride.header.X-B = "2")$context.responseOverride.status', { context })
  assert.equal(r.output, '1 202')
  assert.deepEqual(r.requestOverride.header, { 'X-A': '1', 'X-B': '2' })
  assert.equal(r.responseOverride.status, 202)
  assert.deepEqual(earlier.requestOverride.header, { 'X-A': '1' })
})

test('keys of a template\'s own in the override maps come back as `extra` and seed the next template with them', () => {
  const r = run('#set($context.responseOverride.custom = "passed")#set($context.requestOverride.note = {"a": 1})')
  assert.deepEqual(r.responseOverride, { header: {}, extra: { custom: 'passed' } })
  assert.deepEqual(r.requestOverride.extra, { note: { a: 1 } })
  const context = { requestOverride: { ...r.requestOverride.extra, header: {} }, responseOverride: { ...r.responseOverride.extra, header: {} } }
  assert.equal(run('$context.responseOverride.custom $context.requestOverride.note.a', { context }).output, 'passed 1')
})

// ---------------------------------------------------------------------------------------------------
// Compile once, errors

test('a compiled template renders many times with no state carried between renders', () => {
  const t = compileTemplate('#if(!$seen)first#end#set($seen = true)#set($context.responseOverride.status = $input.params("s"))$input.params("s")')
  const input = (s: string): TemplateInput => ({ body: '', path: {}, querystring: { s }, header: {} })
  const a = t.render({ input: input('201'), context: {}, stageVariables: null })
  const b = t.render({ input: input('202'), context: {}, stageVariables: null })
  assert.equal(a.output, 'first201')
  assert.equal(b.output, 'first202')
  assert.equal(a.responseOverride.status, 201)
  assert.equal(b.responseOverride.status, 202)
})

test('syntax errors are reported at compile time with line and column', () => {
  const cases: [string, RegExp][] = [
    ['{\n  "a": "#if($x"\n}', /^line 2, column \d+: /],
    ['#if(true)\nopen', /^line 1, column 1: #if has no matching #end/],
    ['ok\n#end', /^line 2, column 1: #end without a matching/],
    ['#else', /#else without a matching #if/],
    ['#if(true)#else#elseif(true)#end', /#elseif after #else/],
    ['#foreach($x in [1])', /#foreach has no matching #end/],
    ['#set($a = )', /^line 1, column \d+: unexpected "\)"/],
    // Interpolated string literals are parsed at compile time too, so render never parses.
    ['#set($a = "#if(true)x")', /^line 1, column 1: #if has no matching #end/],
  ]
  for (const [source, message] of cases) {
    assert.throws(() => compileTemplate(source), (e: unknown) => {
      assert.ok(e instanceof TemplateSyntaxError, source)
      assert.match(e.message, message, source)
      return true
    })
  }
})

test('a template over 300 KB is refused', () => {
  assert.doesNotThrow(() => compileTemplate('x'.repeat(300 * 1024)))
  assert.throws(() => compileTemplate('x'.repeat(300 * 1024 + 1)), TemplateSyntaxError)
})

test('$util.parseJson of bad JSON is a TemplateRenderError', () => {
  assert.throws(() => out('$util.parseJson("{nope")'), TemplateRenderError)
  assert.throws(() => out('$util.parseJson($missing)'), TemplateRenderError)
})
