// Selection expressions (§10.1): body paths, braces, several variables, `\$` escapes, static keys, and what
// cannot be evaluated (undefined: the caller falls back to $default).

import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { compileSelectionExpression, NOT_JSON, parseBody } from '../../src/dataplane/websocket/selection.js'

const body = (text: string) => ({ body: parseBody(text) })

describe('selection expressions', () => {
  it('reads $request.body paths, nested, with numbers and booleans as text', () => {
    assert.equal(compileSelectionExpression('$request.body.action').evaluate(body('{"action":"send"}')), 'send')
    assert.equal(compileSelectionExpression('$request.body.a.b').evaluate(body('{"a":{"b":"deep"}}')), 'deep')
    assert.equal(compileSelectionExpression('$request.body.n').evaluate(body('{"n":3}')), '3')
    assert.equal(compileSelectionExpression('$request.body.ok').evaluate(body('{"ok":true}')), 'true')
    assert.equal(compileSelectionExpression('$request.body.o').evaluate(body('{"o":{"x":1}}')), '{"x":1}')
  })

  it('is undefined when the body is not JSON or the path is missing or null', () => {
    const e = compileSelectionExpression('$request.body.action')
    assert.equal(e.evaluate({ body: NOT_JSON }), undefined)
    assert.equal(e.evaluate(body('plain text')), undefined)
    assert.equal(e.evaluate(body('{"other":1}')), undefined)
    assert.equal(e.evaluate(body('{"action":null}')), undefined)
    assert.equal(e.evaluate(body('[1,2]')), undefined)
  })

  it('joins braces, several variables and text; `\\$` is a literal dollar; static keys are static', () => {
    assert.equal(compileSelectionExpression('${request.body.version}-beta').evaluate(body('{"version":"v2"}')), 'v2-beta')
    assert.equal(compileSelectionExpression('${request.body.a}:${request.body.b}').evaluate(body('{"a":"x","b":"y"}')), 'x:y')
    const escaped = compileSelectionExpression('\\$default')
    assert.equal(escaped.isStatic, true)
    assert.equal(escaped.evaluate(body('{}')), '$default')
    assert.equal(compileSelectionExpression('$default').evaluate(body('{}')), '$default')
    assert.equal(compileSelectionExpression('static').isStatic, true)
  })

  it('reads integration responses, headers, context and stage variables through the lookups given', () => {
    const e = compileSelectionExpression('${integration.response.statuscode}')
    assert.equal(e.evaluate({ body: NOT_JSON, integration: (n) => (n === 'statuscode' ? '404' : undefined) }), '404')
    assert.equal(compileSelectionExpression('$request.header.X-Kind').evaluate({ body: NOT_JSON, header: (n) => (n === 'x-kind' ? 'k' : undefined) }), 'k')
    assert.equal(compileSelectionExpression('$context.routeKey').evaluate({ body: NOT_JSON, context: (n) => (n === 'routeKey' ? 'r' : undefined) }), 'r')
    assert.equal(compileSelectionExpression('${stageVariables.v}').evaluate({ body: NOT_JSON, stageVariable: () => 'sv' }), 'sv')
  })
})
