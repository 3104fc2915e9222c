import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Router, splitPath } from '../../src/dataplane/router.js'

function router(routes: Array<[string, string]>): Router<string> {
  const r = new Router<string>()
  for (const [method, path] of routes) r.add(path, method, `${method} ${path}`)
  return r
}

test('HTTP API route selection example of the AWS docs (§3.2)', () => {
  const r = router([
    ['GET', '/pets/dog/1'],
    ['GET', '/pets/dog/{id}'],
    ['GET', '/pets/{proxy+}'],
    ['ANY', '/{proxy+}'],
  ])
  assert.equal(r.find('/pets/dog/1', 'GET')?.value, 'GET /pets/dog/1')
  assert.deepEqual(r.find('/pets/dog/2', 'GET'), { value: 'GET /pets/dog/{id}', params: { id: '2' } })
  assert.deepEqual(r.find('/pets/cat/1', 'GET'), { value: 'GET /pets/{proxy+}', params: { proxy: 'cat/1' } })
  assert.deepEqual(r.find('/test/5', 'POST'), { value: 'ANY /{proxy+}', params: { proxy: 'test/5' } })
})

test('literal beats parameter beats greedy, at every level', () => {
  const r = router([
    ['GET', '/a/{x}/c'],
    ['GET', '/a/b/{y}'],
    ['GET', '/a/{proxy+}'],
  ])
  assert.deepEqual(r.find('/a/b/c', 'GET'), { value: 'GET /a/b/{y}', params: { y: 'c' } })
  assert.deepEqual(r.find('/a/z/c', 'GET'), { value: 'GET /a/{x}/c', params: { x: 'z' } })
  assert.deepEqual(r.find('/a/z/d', 'GET'), { value: 'GET /a/{proxy+}', params: { proxy: 'z/d' } })
})

test('the deepest greedy ancestor wins', () => {
  const r = router([
    ['ANY', '/{proxy+}'],
    ['ANY', '/files/{rest+}'],
  ])
  assert.deepEqual(r.find('/files/a/b', 'GET'), { value: 'ANY /files/{rest+}', params: { rest: 'a/b' } })
  assert.deepEqual(r.find('/other/a', 'GET'), { value: 'ANY /{proxy+}', params: { proxy: 'other/a' } })
})

test('an exact method beats ANY on the same resource; a missing method falls through', () => {
  const r = router([
    ['ANY', '/pets'],
    ['GET', '/pets'],
    ['POST', '/{proxy+}'],
  ])
  assert.equal(r.find('/pets', 'GET')?.value, 'GET /pets')
  assert.equal(r.find('/pets', 'DELETE')?.value, 'ANY /pets')
  const r2 = router([
    ['GET', '/pets'],
    ['POST', '/{proxy+}'],
  ])
  assert.equal(r2.find('/pets', 'POST')?.value, 'POST /{proxy+}')
  assert.equal(r2.find('/pets', 'PUT'), null)
})

test('root resource, trailing slash ignored, greedy needs one segment', () => {
  const r = router([
    ['GET', '/'],
    ['GET', '/{proxy+}'],
  ])
  assert.equal(r.find('/', 'GET')?.value, 'GET /')
  assert.equal(r.find('', 'GET')?.value, 'GET /')
  assert.deepEqual(r.find('/proxy-value/', 'GET'), { value: 'GET /{proxy+}', params: { proxy: 'proxy-value' } })
  const r2 = router([['GET', '/{proxy+}']])
  assert.equal(r2.find('/', 'GET'), null)
})

test('double slashes inside a greedy value are kept; encoded values stay encoded (§1.2)', () => {
  const r = router([['ANY', '/{proxy+}']])
  assert.deepEqual(r.find('/proxy-value//double-slash', 'GET')?.params, { proxy: 'proxy-value//double-slash' })
  assert.deepEqual(r.find('/users/test%2Balias@gmail.com', 'GET')?.params, { proxy: 'users/test%2Balias@gmail.com' })
})

test('a {param} never matches an empty segment', () => {
  const r = router([['GET', '/a/{id}/b']])
  assert.equal(r.find('/a//b', 'GET'), null)
})

test('conflicting definitions are refused', () => {
  const r = router([['GET', '/a/{id}']])
  assert.throws(() => r.add('/a/{other}', 'GET', 'x'), /conflicting path parameters/)
  assert.throws(() => r.add('/a/{id}', 'GET', 'x'), /duplicate route/)
  assert.throws(() => r.add('/{p+}/x', 'GET', 'x'), /must be the last/)
})

test('splitPath drops leading and trailing slashes only', () => {
  assert.deepEqual(splitPath('/a/b/'), ['a', 'b'])
  assert.deepEqual(splitPath('//a//b'), ['a', '', 'b'])
  assert.deepEqual(splitPath('/'), [])
})
