// `$util` with Java library semantics (§5.5): commons-lang escapeJavaScript, URLEncoder/URLDecoder, base64,
// parseJson. Checked both directly and through templates.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { compileTemplate } from '../../src/vtl/index.js'
import { escapeJavaScript, urlDecode, urlEncode } from '../../src/vtl/util.js'

function out(template: string, body = ''): string {
  return compileTemplate(template).render({ input: { body, path: {}, querystring: {}, header: {} }, context: {}, stageVariables: null }).output
}

test('escapeJavaScript escapes quotes, backslash, slash and control characters the Java way', () => {
  assert.equal(escapeJavaScript(`say "hi"`), `say \\"hi\\"`)
  assert.equal(escapeJavaScript(`it's`), `it\\'s`)
  assert.equal(escapeJavaScript('a\\b'), 'a\\\\b')
  assert.equal(escapeJavaScript('</script>'), '<\\/script>')
  assert.equal(escapeJavaScript('l1\nl2\r\t\b\f'), 'l1\\nl2\\r\\t\\b\\f')
  assert.equal(escapeJavaScript('\u0001\u001f'), '\\u0001\\u001F')
  assert.equal(escapeJavaScript('plain text 123 {}[]:,'), 'plain text 123 {}[]:,')
})

test('escapeJavaScript writes every non-ASCII UTF-16 unit as upper-case \\uXXXX (DEL stays)', () => {
  assert.equal(escapeJavaScript('café'), 'caf\\u00E9')
  assert.equal(escapeJavaScript('€'), '\\u20AC')
  assert.equal(escapeJavaScript('😀'), '\\uD83D\\uDE00')
  assert.equal(escapeJavaScript('\u007f'), '\u007f')
})

test('escapeJavaScript in a template: a JSON string body stays valid JSON except for \\\'', () => {
  const body = JSON.stringify({ msg: 'He said "go"\nnow' })
  const rendered = out(`{"m": "$util.escapeJavaScript($input.path('$.msg'))"}`, body)
  assert.deepEqual(JSON.parse(rendered), { m: 'He said "go"\nnow' })
  // The string form of $input.json is escaped again, as AWS's example with errorMessage shows.
  assert.equal(out(`$util.escapeJavaScript($input.json('$.m'))`, '{"m":"foobar"}'), '\\"foobar\\"')
  assert.equal(out('[$util.escapeJavaScript($missing)]'), '[]')
})

test('urlEncode is Java URLEncoder: space is +, only A-Z a-z 0-9 . - * _ are kept, UTF-8 bytes in upper-case hex', () => {
  assert.equal(urlEncode('{"some": "value"}'), '%7B%22some%22%3A+%22value%22%7D')
  assert.equal(urlEncode('x=a+b'), 'x%3Da%2Bb')
  assert.equal(urlEncode("a.b-c*d_e~f!g'h(i)"), 'a.b-c*d_e%7Ef%21g%27h%28i%29')
  assert.equal(urlEncode('é/€'), '%C3%A9%2F%E2%82%AC')
  assert.equal(urlEncode('\uD800x'), '%3Fx')
})

test('urlDecode is Java URLDecoder: + is a space, %XX sequences are UTF-8; a bad escape is an error', () => {
  assert.equal(urlDecode('x%3Da+b'), 'x=a b')
  assert.equal(urlDecode('%C3%A9%2F%E2%82%AC'), 'é/€')
  assert.equal(urlDecode('100%25'), '100%')
  assert.throws(() => urlDecode('%zz'), /illegal hex/)
  assert.throws(() => urlDecode('50%'), /illegal hex/)
})

test('url and base64 helpers through a template, round-tripping UTF-8', () => {
  assert.equal(out(`$util.urlEncode('{"some": "value"}')`), '%7B%22some%22%3A+%22value%22%7D')
  assert.equal(out(`$util.urlDecode($util.urlEncode('a b&c=é'))`), 'a b&c=é')
  assert.equal(out(`$util.base64Encode('héllo wörld')`), Buffer.from('héllo wörld').toString('base64'))
  assert.equal(out(`$util.base64Decode('aMOpbGxv')`), 'héllo')
  assert.equal(out(`$util.base64Encode('')`), '')
})

test('parseJson gives objects that templates can walk (the AWS docs example)', () => {
  const body = JSON.stringify({ errorMessage: '{"key1":"var1","key2":{"arr":[1,2,3]}}' })
  const t = `#set($o = $util.parseJson($input.path('$.errorMessage')))
{
  "errorMessageObjKey2ArrVal" : $o.key2.arr[0]
}`
  assert.deepEqual(JSON.parse(out(t, body)), { errorMessageObjKey2ArrVal: 1 })
  assert.equal(out(`$util.parseJson('[1,2,3]').size() $util.parseJson('"s"') $util.parseJson('true')`), '3 s true')
  assert.equal(out(`$util.parseJson('{"a":[1,{"b":2}]}')`), '{a=[1,{"b":2}]}')
})

test('the helpers take strings: a map, list, number or boolean argument finds no method and renders nothing', () => {
  const body = '{"m": {"a": 1}, "l": [1], "n": 5, "b": true}'
  for (const p of ['m', 'l', 'n', 'b']) {
    assert.equal(out(`[$util.escapeJavaScript($input.path('$.${p}'))][$util.urlEncode($input.path('$.${p}'))][$util.base64Encode($input.path('$.${p}'))]`, body), '[][][]', p)
  }
  // Converting first is the way to pass a number.
  assert.equal(out(`$util.escapeJavaScript($input.path('$.n').toString())`, body), '5')
})

test('there is no $util.toJson (that is AppSync); unknown helpers render as nothing', () => {
  assert.equal(out(`[$util.toJson('x')][$util.time.nowISO8601()]`), '[][]')
})
