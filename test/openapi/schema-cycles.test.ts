// Recursive models (issue 8, item 9). AWS allows circular references between models (§12.1): a tree whose
// children are trees imports, deploys and validates bodies of any depth up to the body limit. A model that
// applies to itself in place (`A: {$ref: A}`, an allOf back to its own model, A → B → A) could never be
// validated — before, it imported and every request to its method was a 500 from a stack overflow — and is
// now refused at import with the path of the reference that closes the cycle. No request overflows the stack.

import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { importOpenApi } from '../../src/controlplane/openapi/import.js'
import { ConfigError, type ConfigProblem } from '../../src/errors.js'
import { findSchemaCycles, modelRefUrl } from '../../src/model/schema-cycles.js'
import { ModelSet } from '../../src/steps/validate/models.js'
import { checkBody } from '../../src/steps/validate/body.js'
import { startGateway, tempDir, writeFile, type TestGateway } from '../helpers.js'

const MOCK = { type: 'mock', requestTemplates: { 'application/json': '{"statusCode": 200}' }, responses: { default: { statusCode: '200' } } }

/** A Swagger 2.0 REST API whose POST /x validates its body against `definitions[root]`. */
function swagger(definitions: Record<string, unknown>, root: string): Record<string, unknown> {
  return {
    swagger: '2.0',
    info: { title: 'recursive', version: '1' },
    'x-amazon-apigateway-request-validators': { body: { validateRequestBody: true, validateRequestParameters: false } },
    'x-amazon-apigateway-request-validator': 'body',
    paths: {
      '/x': {
        post: {
          consumes: ['application/json'],
          parameters: [{ in: 'body', name: 'body', schema: { $ref: `#/definitions/${root}` } }],
          responses: { 200: { description: 'ok' } },
          'x-amazon-apigateway-integration': MOCK,
        },
      },
    },
    definitions,
  }
}

function importProblems(doc: Record<string, unknown>): ConfigProblem[] {
  try {
    importOpenApi(doc, { kind: 'REST', id: 'cyc0000001', file: 'api.json' })
  } catch (err) {
    if (err instanceof ConfigError) return err.problems
    throw err
  }
  return []
}

const ref = (name: string) => ({ $ref: `#/definitions/${name}` })

describe('models that apply to themselves in place are refused at import', () => {
  const cases: Array<[string, Record<string, unknown>, string, RegExp]> = [
    ['A: {$ref: A}', { A: ref('A') }, '/definitions/A/$ref', /^Model 'A' applies to itself without descending into a property or an item/],
    ['allOf back to its own model', { A: { type: 'object', allOf: [{ required: ['a'] }, ref('A')] } }, '/definitions/A/allOf/1/$ref', /^Model 'A' applies to itself/],
    ['anyOf, oneOf and not', { A: { anyOf: [{ type: 'string' }, { oneOf: [{ not: ref('A') }] }] } }, '/definitions/A/anyOf/1/oneOf/0/not/$ref', /^Model 'A' applies to itself/],
    ['a schema dependency', { A: { dependencies: { a: ref('A') } } }, '/definitions/A/dependencies/a/$ref', /^Model 'A' applies to itself/],
    ['A → B → A', { A: ref('B'), B: { allOf: [ref('A')] } }, '/definitions/B/allOf/0/$ref', /^Models A → B → A apply to each other \(this reference closes the cycle\)/],
  ]
  for (const [what, definitions, path, message] of cases) {
    it(what, () => {
      const problems = importProblems(swagger(definitions, 'A'))
      assert.equal(problems.length, 1, JSON.stringify(problems))
      assert.deepEqual({ file: problems[0]!.file, path: problems[0]!.path }, { file: 'api.json', path })
      assert.match(problems[0]!.message, message)
      assert.match(problems[0]!.message, /a model may refer to itself only inside properties, items or additionalProperties/)
    })
  }

  it('in OpenAPI 3 components too, and every cycle at once', () => {
    const doc = {
      openapi: '3.0.1',
      info: { title: 'recursive', version: '1' },
      paths: {},
      components: { schemas: { A: { $ref: '#/components/schemas/A' }, B: { allOf: [{ $ref: '#/components/schemas/B' }] }, Fine: { type: 'object' } } },
    }
    const problems = importProblems(doc)
    assert.deepEqual(problems.map((p) => p.path).sort(), ['/components/schemas/A/$ref', '/components/schemas/B/allOf/0/$ref'])
  })

  it('recursion through properties, items and additionalProperties imports', () => {
    const definitions = {
      Node: { type: 'object', properties: { children: { type: 'array', items: ref('Node') }, parent: ref('Node') } },
      Dict: { type: 'object', additionalProperties: ref('Dict') },
      Person: { type: 'object', properties: { house: ref('House') } },
      House: { type: 'object', properties: { people: { type: 'array', items: ref('Person') } } },
    }
    assert.deepEqual(importProblems(swagger(definitions, 'Node')), [])
  })
})

describe('the cycle finder', () => {
  const url = (n: string) => modelRefUrl('api1', n)
  it('follows draft-4 ids and pointers into other models', () => {
    assert.deepEqual(findSchemaCycles('api1', { A: { id: 'http://example.com/a', allOf: [{ $ref: 'http://example.com/a' }] } }).map((c) => c.pointer), ['/allOf/0/$ref'])
    assert.deepEqual(findSchemaCycles('api1', { A: { definitions: { x: { $ref: `${url('B')}#/definitions/y` } }, $ref: '#/definitions/x' }, B: { definitions: { y: { not: { $ref: url('A') } } } } }).length, 1)
    assert.deepEqual(findSchemaCycles('api1', { A: { properties: { a: { $ref: url('A') } } }, B: { items: { allOf: [{ $ref: url('B') }] } } }), [])
  })
})

describe('a deployment that holds such a model anyway (stored before the importer refused it)', () => {
  it('keeps it, and every model that refers to it, out of service: its routes answer 500, no request recurses', () => {
    const schema = (s: Record<string, unknown>) => ({ id: 'm', name: 'x', contentType: 'application/json', schema: s })
    const set = new ModelSet('api1', { A: schema({ allOf: [{ $ref: modelRefUrl('api1', 'A') }] }), Pet: schema({ properties: { a: { $ref: modelRefUrl('api1', 'A') } } }), Fine: schema({ type: 'object' }) }, () => undefined)
    assert.match(String(set.get('A')), /model 'A' applies to itself \(A → A\) without descending into a property or an item: validation would never end/)
    assert.match(String(set.get('Pet')), /model 'Pet' refers to model 'A', which cannot be used/)
    const fine = set.get('Fine')
    assert.ok(!(fine instanceof Error) && fine.validate({}))
  })
})

describe('a model that nests combinators at every level of a recursive body', () => {
  it('cannot overflow the stack either: a body too deep to check is refused as invalid', () => {
    // 40 allOf levels per level of the body: a body well within the 1000-level limit needs tens of thousands of frames.
    let inner: Record<string, unknown> = { type: 'object', required: ['v'], properties: { c: { $ref: modelRefUrl('api1', 'N') } } }
    for (let i = 0; i < 40; i++) inner = { allOf: [inner] }
    const set = new ModelSet('api1', { N: { id: 'n', name: 'N', contentType: 'application/json', schema: inner } }, () => undefined)
    const model = set.get('N')
    assert.ok(!(model instanceof Error))
    const body = (levels: number, leaf: string) => Buffer.from('{"v":1,"c":'.repeat(levels) + leaf + '}'.repeat(levels))
    assert.equal(checkBody(model, body(3, '{"v":2}')), null)
    assert.equal(checkBody(model, body(3, '{}')), '[instance failed to match all required schemas (matched only 0 out of 1)]')
    assert.match(checkBody(model, body(900, '{}'))!, /^\[(request body nests too deeply to be checked against model N|instance failed to match all required schemas.*)\]$/)
  })
})

describe('a recursive model served', () => {
  let gw: TestGateway
  let tmp: { dir: string; cleanup: () => void }
  before(async () => {
    tmp = tempDir()
    const definitions = { Node: { type: 'object', required: ['v'], properties: { v: { type: 'integer' }, c: { type: 'array', items: ref('Node') } } } }
    gw = await startGateway({ restApis: [writeFile(tmp.dir, 'tree.json', swagger(definitions, 'Node'))], stage: 'dev' })
  })
  after(async () => {
    await gw.stop()
    tmp.cleanup()
  })

  /** A tree `levels` nodes deep (two JSON levels each: the node and its `c` array), ending in `leaf`. */
  const tree = (levels: number, leaf: string) => '{"v":1,"c":['.repeat(levels) + leaf + ']}'.repeat(levels)
  const post = (body: string) => gw.fetch('/dev/x', { method: 'POST', headers: { 'content-type': 'application/json' }, body })

  it('validates trees at every depth up to 1000 levels of nesting', async () => {
    assert.equal((await post(tree(3, '{"v":2}'))).status, 200)
    assert.equal((await post(tree(499, '{"v":2}'))).status, 200)
    const bad = await post(tree(499, '{"v":"two"}'))
    assert.equal(bad.status, 400)
    assert.deepEqual(bad.json(), { message: 'Invalid request body' })
  })

  it('refuses a body nested deeper than 1000 levels as an invalid body, not a stack overflow', async () => {
    for (const levels of [500, 100_000]) {
      const res = await post(tree(levels, '{"v":2}'))
      assert.equal(res.status, 400, `${levels} levels`)
      assert.deepEqual(res.json(), { message: 'Invalid request body' })
    }
    assert.deepEqual(gw.logs.filter((l) => (l.level as number) >= 50), [], 'no error was logged')
  })
})
