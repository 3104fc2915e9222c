// The wording and order of `$context.error.validationErrorString` (§9): what a client reads in a customised
// BAD_REQUEST_BODY response when its body does not match the model.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { describeValidationErrors, formatValidationErrorString } from '../../src/steps/validate/report.js'
import { ModelSet, modelUrl } from '../../src/steps/validate/models.js'
import type { Model } from '../../src/model/types.js'

function models(schemas: Record<string, Record<string, unknown>>): Record<string, Model> {
  const out: Record<string, Model> = {}
  for (const [name, schema] of Object.entries(schemas)) out[name] = { id: name.toLowerCase(), name, contentType: 'application/json', schema }
  return out
}

/** Compiles `Root` (and its siblings) as the step does and explains `data` against it. */
function explain(schemas: Record<string, Record<string, unknown>>, data: unknown): string[] {
  const set = new ModelSet('api123', models(schemas), () => {})
  const m = set.get('Root')
  if (m instanceof Error) throw m
  assert.equal(m.validate(data), false, 'ajv must reject the body too')
  return m.explain(data)
}

test('missing required properties are listed once per object, sorted, as compact JSON', () => {
  const out = explain({ Root: { type: 'object', required: ['name', 'b', 'age'], properties: { age: { type: 'integer' } } } }, { age: 3 })
  assert.deepEqual(out, ['object has missing required properties (["b","name"])'])
})

test('a wrong type names the found type and the allowed ones; "number" also allows integers', () => {
  assert.deepEqual(explain({ Root: { type: 'integer' } }, 'x'), ['instance type (string) does not match any allowed primitive type (allowed: ["integer"])'])
  assert.deepEqual(explain({ Root: { type: 'number' } }, 'x'), ['instance type (string) does not match any allowed primitive type (allowed: ["integer","number"])'])
  assert.deepEqual(explain({ Root: { type: ['string', 'null', 'array'] } }, 1.5), [
    'instance type (number) does not match any allowed primitive type (allowed: ["array","null","string"])',
  ])
})

test('the string, number and object keywords use the validator library wording', () => {
  assert.deepEqual(explain({ Root: { type: 'string', minLength: 3 } }, 'ab'), ['string "ab" is too short (length: 2, required minimum: 3)'])
  assert.deepEqual(explain({ Root: { type: 'string', maxLength: 1 } }, 'é€'), ['string "é€" is too long (length: 2, maximum allowed: 1)'])
  assert.deepEqual(explain({ Root: { type: 'string', pattern: '^[a-z]+$' } }, 'A1'), ['ECMA 262 regex "^[a-z]+$" does not match input string "A1"'])
  assert.deepEqual(explain({ Root: { enum: ['a', 'b'] } }, 'c'), ['instance value ("c") not found in enum (possible values: ["a","b"])'])
  assert.deepEqual(explain({ Root: { type: 'number', minimum: 5 } }, 3), ['numeric instance is lower than the required minimum (minimum: 5, found: 3)'])
  assert.deepEqual(explain({ Root: { type: 'number', minimum: 5, exclusiveMinimum: true } }, 5), ['numeric instance is not strictly greater than the required minimum 5'])
  assert.deepEqual(explain({ Root: { type: 'number', maximum: 2.5 } }, 3), ['numeric instance is greater than the required maximum (maximum: 2.5, found: 3)'])
  assert.deepEqual(explain({ Root: { type: 'number', maximum: 2, exclusiveMaximum: true } }, 2), ['numeric instance is not strictly lower than the required maximum 2'])
  assert.deepEqual(explain({ Root: { type: 'integer', multipleOf: 3 } }, 7), ['remainder of division is not zero (7 / 3)'])
  assert.deepEqual(explain({ Root: { type: 'array', uniqueItems: true } }, [1, 2, 1]), ['array must not contain duplicate elements'])
  assert.deepEqual(explain({ Root: { type: 'object', properties: { a: {} }, additionalProperties: false } }, { z: 1, a: 1, b: 2 }), [
    'object instance has properties which are not allowed by the schema: ["b","z"]',
  ])
  assert.deepEqual(explain({ Root: { type: 'object', maxProperties: 1 } }, { a: 1, b: 2 }), ['object has too many properties (found 2 but schema requires at most 1)'])
  assert.deepEqual(explain({ Root: { type: 'object', dependencies: { card: ['billing', 'zip'] } } }, { card: 1, zip: 2 }), [
    'property "card" of object has missing property dependencies (schema requires ["billing","zip"]; missing: ["billing"])',
  ])
})

test('members are checked in sorted name order, and nothing below an error is looked at', () => {
  const schema = {
    Root: {
      type: 'object',
      properties: {
        zeta: { type: 'string' },
        alpha: { type: 'string' },
        nested: { type: 'object', properties: { deep: { type: 'string' } } },
      },
    },
  }
  // alpha fails first (sorted order); its siblings still get their own checks, but nested's members do not.
  assert.deepEqual(explain(schema, { zeta: 1, nested: { deep: 1 }, alpha: 2 }), [
    'instance type (integer) does not match any allowed primitive type (allowed: ["string"])',
    'instance type (integer) does not match any allowed primitive type (allowed: ["string"])',
  ])
  // With the top level clean, the nested member is reached.
  assert.deepEqual(explain(schema, { nested: { deep: 1 } }), ['instance type (integer) does not match any allowed primitive type (allowed: ["string"])'])
  // An error on the object itself stops the walk before its members.
  const required = { Root: { ...schema.Root, required: ['id'] } }
  assert.deepEqual(explain(required, { alpha: 1 }), ['object has missing required properties (["id"])'])
})

test('combinators report one message of their own, not their branches', () => {
  assert.deepEqual(explain({ Root: { anyOf: [{ type: 'string' }, { type: 'object', required: ['a'] }] } }, {}), [
    'instance failed to match at least one required schema among 2',
  ])
  assert.deepEqual(explain({ Root: { oneOf: [{ type: 'number' }, { type: 'integer' }] } }, 3), ['instance failed to match exactly one schema (matched 2 out of 2)'])
  assert.deepEqual(explain({ Root: { allOf: [{ type: 'number' }, { minimum: 10 }, { maximum: 1 }] } }, 5), [
    'instance failed to match all required schemas (matched only 1 out of 3)',
  ])
  assert.deepEqual(explain({ Root: { not: { type: 'string' } } }, 'x'), ['instance matched a schema which it should not have'])
})

test('$refs between models are followed, circular ones included', () => {
  const base = modelUrl('api123', '')
  const schemas = {
    Root: { type: 'object', required: ['name'], properties: { name: { type: 'string' }, house: { $ref: base + 'House' } } },
    House: { type: 'object', properties: { people: { type: 'array', items: { $ref: base + 'Root' } } } },
  }
  assert.deepEqual(explain(schemas, { name: 'a', house: { people: [{ name: 'b' }, {}] } }), ['object has missing required properties (["name"])'])
  assert.deepEqual(explain(schemas, { name: 'a', house: { people: [{ name: 7 }] } }), [
    'instance type (integer) does not match any allowed primitive type (allowed: ["string"])',
  ])
})

test('minItems and maxItems are not enforced (§9: not part of simple validation)', () => {
  const set = new ModelSet('api123', models({ Root: { type: 'array', minItems: 2, maxItems: 3, items: { type: 'string' } } }), () => {})
  const m = set.get('Root')
  assert.ok(!(m instanceof Error))
  assert.equal(m.validate([]), true)
  assert.equal(m.validate(['a', 'b', 'c', 'd']), true)
  assert.equal(m.validate([1]), false)
})

test('patterns are read as ECMA 262 without the unicode flag, so escapes like \\_ compile', () => {
  assert.deepEqual(explain({ Root: { type: 'string', pattern: '^[a-z\\_]+$' } }, 'a-b'), ['ECMA 262 regex "^[a-z\\_]+$" does not match input string "a-b"'])
})

test('the error string is a Java-style list escaped for a JSON string, as §9 shows it', () => {
  assert.equal(formatValidationErrorString(['object has missing required properties (["name"])']), '[object has missing required properties ([\\"name\\"])]')
  assert.equal(formatValidationErrorString(['a', 'b']), '[a, b]')
  // Placed in a JSON template between quotes, it parses back to the plain messages.
  const rendered = `{"errors": "${formatValidationErrorString(['string "x\\y" is too short (length: 3, required minimum: 5)'])}"}`
  assert.equal(JSON.parse(rendered).errors, '[string "x\\y" is too short (length: 3, required minimum: 5)]')
})

test('describeValidationErrors reports nothing for a conforming value', () => {
  assert.deepEqual(describeValidationErrors({ type: 'object', required: ['a'] }, { a: 1 }, () => undefined), [])
})
