// The request target before routing (src/dataplane/target.ts): RFC 3986 §5.2.4 dot-segment removal with
// `%2e` read as a dot, refusals for climbing above the root and for dot segments hidden behind an encoded
// slash, a backslash or a `;`, the absolute form (RFC 9112 §3.2.2), and the one-pass scan that lets
// ordinary paths through untouched. Plus the guess node:http's head overflow is answered by (414 or 431).

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { absoluteForm, resolveDotSegments, targetNeedsWork } from '../../src/dataplane/target.js'
import { overflowInRequestLine } from '../../src/dataplane/edge.js'

test('RFC 3986 §5.2.4 examples and the trailing-slash rule', () => {
  const cases: Array<[string, string]> = [
    ['/a/b/c/./../../g', '/a/g'],
    ['/mid/content=5/../6', '/mid/6'],
    ['/a/./b', '/a/b'],
    ['/a/b/..', '/a/'],
    ['/a/b/.', '/a/b/'],
    ['/a/..', '/'],
    ['/.', '/'],
    ['/a//../b', '/a/b'],
    ['/a//b/../c', '/a//c'],
    ['/a/%2e%2E/b', '/b'],
    ['/a/.%2e/b', '/b'],
    ['/a/%2e./b', '/b'],
    ['/a/%2e/b', '/a/b'],
  ]
  for (const [input, out] of cases) assert.equal(resolveDotSegments(input), out, input)
})

test('paths without dot segments come back as they are (the same string)', () => {
  for (const p of ['/', '/a/b', '/a//b/', '/a/..b/c.', '/a/.../b', '/a%2Fb/c', '/a/b%2e', '/v1.2/x..y']) assert.equal(resolveDotSegments(p), p, p)
})

test('climbing above the root is refused', () => {
  for (const p of ['/..', '/../a', '/a/../..', '/a/../../b', '/%2e%2e/x', '/./../x']) assert.equal(resolveDotSegments(p), null, p)
})

test('a dot segment hidden behind an encoded slash, a backslash or a ";" is refused', () => {
  for (const p of ['/a/%2e%2e%2fb', '/a/..%2Fb', '/a/b%2f..', '/a/..%5cb', '/a/%5C..%5Cb', '/a/..\\b', '/a/b\\..\\c', '/a/..;/b', '/a/..;jsessionid=1/b', '/a/%2e%2e;/b', '/a/x%2f.%2fy']) {
    assert.equal(resolveDotSegments(p), null, p)
  }
  // Encoded slashes and semicolons around ordinary names are data.
  for (const p of ['/a/x%2fy/..', '/a;v=1/b']) assert.notEqual(resolveDotSegments(p), null, p)
})

test('the scan flags what may need work, and nothing in ordinary paths', () => {
  for (const p of ['/a/./b', '/a/../b', '/.', '/a/%2e%2e/b', '/a/%2E', '/a/%2Fb', '/a/%2f', '/a/%5cb', '/a/%5C', '/a\\b', '/a#f', 'http://h/a', '*']) assert.equal(targetNeedsWork(p), true, p)
  for (const p of ['/', '/a/b', '/a.b/c', '/v1.2/x', '/a/%20b', '/a/%2Bb', '/a/%25', '/a/%2', '/a/%']) assert.equal(targetNeedsWork(p), false, p)
})

test('absolute form: http(s) with a host; the path defaults to /', () => {
  assert.deepEqual(absoluteForm('http://h.example:8080/a/b'), { authority: 'h.example:8080', path: '/a/b' })
  assert.deepEqual(absoluteForm('HTTPS://h'), { authority: 'h', path: '/' })
  for (const t of ['ftp://h/a', 'http:///a', 'http://u:p@h/a', 'h/a', '*', 'http:/h/a']) assert.equal(absoluteForm(t), null, t)
})

test('a head that overflowed in its request line is told from one that overflowed in its headers', () => {
  const b = (s: string) => Buffer.from(s, 'latin1')
  assert.equal(overflowInRequestLine(b('GET /' + 'a'.repeat(1000))), true)
  assert.equal(overflowInRequestLine(b('GET http://h/' + 'a'.repeat(1000))), true)
  assert.equal(overflowInRequestLine(b('x\r\n\r\nPOST /' + 'a'.repeat(1000))), true, 'a pipelined request after another')
  assert.equal(overflowInRequestLine(b('GET / HTTP/1.1\r\nHost: h\r\nX-Big: ' + 'b'.repeat(1000))), false)
  assert.equal(overflowInRequestLine(b('x-1: v\r\nx-2: v\r\nx-3')), false)
  assert.equal(overflowInRequestLine(b('a'.repeat(1000))), false, 'the middle of one long line is taken for headers')
  assert.equal(overflowInRequestLine(undefined), false)
})
