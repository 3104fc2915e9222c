// Jayway-style JSONPath as `$input.path` / `$input.json` use it (§17): definite paths give one value or
// nothing, indefinite ones a list; filters, slices, deep scan and the functions templates reach for.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { JsonPathSyntaxError, evaluateJsonPath } from '../../src/vtl/index.js'

const store = {
  store: {
    book: [
      { category: 'reference', author: 'Nigel Rees', title: 'Sayings of the Century', price: 8.95 },
      { category: 'fiction', author: 'Evelyn Waugh', title: 'Sword of Honour', price: 12.99 },
      { category: 'fiction', author: 'Herman Melville', title: 'Moby Dick', isbn: '0-553-21311-3', price: 8.99 },
      { category: 'fiction', author: 'J. R. R. Tolkien', title: 'The Lord of the Rings', isbn: '0-395-19395-8', price: 22.99 },
    ],
    bicycle: { color: 'red', price: 19.95 },
  },
  expensive: 10,
}

test('root and dotted or bracketed properties select one value', () => {
  assert.equal(evaluateJsonPath(store, '$'), store)
  assert.equal(evaluateJsonPath(store, '$.store.bicycle.color'), 'red')
  assert.equal(evaluateJsonPath(store, "$['store']['bicycle']['color']"), 'red')
  assert.equal(evaluateJsonPath(store, '$["store"].bicycle["price"]'), 19.95)
  assert.equal(evaluateJsonPath({ 'a.b': 1 }, "$['a.b']"), 1)
  assert.equal(evaluateJsonPath({ 'x-y': 2 }, '$.x-y'), 2)
})

test('a path without a leading $ is read as starting at the root, as Jayway does', () => {
  assert.equal(evaluateJsonPath(store, 'store.bicycle.color'), 'red')
})

test('a definite path that matches nothing gives undefined, but a null value is a match', () => {
  assert.equal(evaluateJsonPath(store, '$.nope'), undefined)
  assert.equal(evaluateJsonPath(store, '$.store.book[10]'), undefined)
  assert.equal(evaluateJsonPath(store, '$.store.book.title'), undefined)
  assert.equal(evaluateJsonPath({ a: null }, '$.a'), null)
  assert.equal(evaluateJsonPath('text', '$.a'), undefined)
})

test('array indexes, negative indexes, several indexes and slices', () => {
  assert.equal(evaluateJsonPath(store, '$.store.book[0].author'), 'Nigel Rees')
  assert.equal(evaluateJsonPath(store, '$.store.book[-1].author'), 'J. R. R. Tolkien')
  assert.deepEqual(evaluateJsonPath(store, '$.store.book[0,2].price'), [8.95, 8.99])
  assert.deepEqual(evaluateJsonPath(store, '$.store.book[:2].price'), [8.95, 12.99])
  assert.deepEqual(evaluateJsonPath(store, '$.store.book[1:3].price'), [12.99, 8.99])
  assert.deepEqual(evaluateJsonPath(store, '$.store.book[-2:].price'), [8.99, 22.99])
})

test('wildcards and deep scan collect every match in document order', () => {
  assert.deepEqual(evaluateJsonPath(store, '$.store.book[*].author'), ['Nigel Rees', 'Evelyn Waugh', 'Herman Melville', 'J. R. R. Tolkien'])
  assert.deepEqual(evaluateJsonPath(store, '$..author'), ['Nigel Rees', 'Evelyn Waugh', 'Herman Melville', 'J. R. R. Tolkien'])
  assert.deepEqual(evaluateJsonPath(store, '$.store..price'), [8.95, 12.99, 8.99, 22.99, 19.95])
  assert.deepEqual(evaluateJsonPath(store, '$.store.bicycle.*'), ['red', 19.95])
  assert.deepEqual(evaluateJsonPath({ a: { b: 1 } }, '$..*'), [{ b: 1 }, 1])
  assert.deepEqual(evaluateJsonPath(store, '$..book[2].title'), ['Moby Dick'])
})

test('an indefinite path that matches nothing gives an empty list', () => {
  assert.deepEqual(evaluateJsonPath(store, '$..nothing'), [])
  assert.deepEqual(evaluateJsonPath({ items: [] }, '$.items[*].id'), [])
})

test('filters: existence, comparisons, regex, logic and in', () => {
  const titles = (p: string): unknown => (evaluateJsonPath(store, p) as { title: string }[]).map((b) => b.title)
  assert.deepEqual(titles('$.store.book[?(@.isbn)]'), ['Moby Dick', 'The Lord of the Rings'])
  assert.deepEqual(titles('$.store.book[?(@.price < 10)]'), ['Sayings of the Century', 'Moby Dick'])
  assert.deepEqual(titles("$.store.book[?(@.category == 'reference')]"), ['Sayings of the Century'])
  assert.deepEqual(titles('$.store.book[?(@.price > $.expensive)]'), ['Sword of Honour', 'The Lord of the Rings'])
  assert.deepEqual(titles("$.store.book[?(@.author =~ /.*REES/i)]"), ['Sayings of the Century'])
  assert.deepEqual(titles("$.store.book[?(@.category == 'fiction' && @.price < 10)]"), ['Moby Dick'])
  assert.deepEqual(titles("$.store.book[?(!(@.category == 'fiction') || @.price > 20)]"), ['Sayings of the Century', 'The Lord of the Rings'])
  assert.deepEqual(titles("$.store.book[?(@.author in ['Evelyn Waugh', 'Nobody'])]"), ['Sword of Honour'])
  assert.deepEqual(evaluateJsonPath([{ id: 1 }, { id: 2 }], "$[?(@.id == '2')]"), [{ id: 2 }])
})

test('functions at the end of a path', () => {
  assert.equal(evaluateJsonPath(store, '$.store.book.length()'), 4)
  assert.equal(evaluateJsonPath(store, '$.store.bicycle.size()'), 2)
  assert.deepEqual(evaluateJsonPath(store, '$.store.bicycle.keys()'), ['color', 'price'])
  assert.equal(evaluateJsonPath(store, '$..price.max()'), 22.99)
})

test('several properties at the end of a path merge into one map', () => {
  assert.deepEqual(evaluateJsonPath(store, "$.store.bicycle['color','price','gears']"), { color: 'red', price: 19.95 })
})

test('a malformed path is a JsonPathSyntaxError naming the path', () => {
  for (const bad of ['$.', '$[', "$['a'", '$.a[?(@.b ==)]', '$[1:2:3:4]', '$x']) {
    assert.throws(() => evaluateJsonPath(store, bad), JsonPathSyntaxError, bad)
  }
})
