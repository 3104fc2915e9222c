// User regexes at import and in `gatehouse validate`: a pattern RE2 cannot run (lookaround, backreferences) is
// a problem at its path with the reason, so it is found before serving rather than as a 500 per request; a
// pattern that backtracking engines (AWS's Java included) can take exponential time on is a warning.

import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ConfigError, type ConfigProblem } from '../../src/errors.js'
import { importOpenApi } from '../../src/controlplane/openapi/import.js'
import { validate } from '../../src/cli/validate.js'

const LINEAR = 'Gatehouse runs user regexes in linear time'

const lambdaUri = 'arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:f/invocations'

/** A REST API whose every regex slot holds the given patterns. */
function doc(p: { model: string; keyed: string; selection: string; identity: string; template: string }) {
  return {
    openapi: '3.0.1',
    info: { title: 'regexes', version: '1' },
    security: [{ tok: [] }],
    paths: {
      '/pets': {
        post: {
          requestBody: { content: { 'application/json': { schema: { $ref: '#/components/schemas/Pet' } } } },
          responses: { '200': { description: 'ok' }, '400': { description: 'bad' } },
          'x-amazon-apigateway-integration': {
            type: 'aws',
            httpMethod: 'POST',
            uri: lambdaUri,
            requestTemplates: { 'application/json': `{"ok": #if($input.path('$.name').matches('${p.template}'))true#else false#end}` },
            responses: { default: { statusCode: '200' }, [p.selection]: { statusCode: '400' } },
          },
        },
      },
    },
    components: {
      schemas: {
        Pet: { type: 'object', properties: { name: { type: 'string', pattern: p.model } }, patternProperties: { [p.keyed]: { type: 'string' } } },
      },
      securitySchemes: {
        tok: {
          type: 'apiKey',
          name: 'Authorization',
          in: 'header',
          'x-amazon-apigateway-authtype': 'custom',
          'x-amazon-apigateway-authorizer': { type: 'token', authorizerUri: lambdaUri, identityValidationExpression: p.identity },
        },
      },
    },
  }
}

const HOSTILE = { model: '^(?=[a-z])\\w+$', keyed: '^(x)-\\1$', selection: '(?<!ok).*error.*', identity: '^(?!Basic )\\S+$', template: '(?<=a)b' }
const SLOW = { model: '^(a+)+$', keyed: '^(x|xy)*$', selection: '.*(\\w+\\s?)*failed', identity: '^Bearer (a|aa)+$', template: '(a*)*b' }

function problems(d: unknown): ConfigProblem[] {
  try {
    importOpenApi(d, { kind: 'REST', id: 'regexapi01', file: 'api.json' })
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`)
    return err.problems
  }
  assert.fail('expected the import to be refused')
}

describe('a pattern RE2 cannot run is a problem at its path, with the reason', () => {
  it('in a model pattern, a patternProperties key, a selectionPattern, an identityValidationExpression and a template', () => {
    const byPath = Object.fromEntries(problems(doc(HOSTILE)).map((p) => [p.path, p.message]))
    assert.deepEqual(byPath, {
      '/components/schemas/Pet/properties/name/pattern': `Model pattern "^(?=[a-z])\\\\w+$": RE2 syntax: lookahead "(?=" is not supported; ${LINEAR}`,
      '/components/schemas/Pet/patternProperties/^(x)-\\1$': `Model patternProperties key "^(x)-\\\\1$": RE2 syntax: backreferences "\\1" are not supported; ${LINEAR}`,
      '/paths/~1pets/post/x-amazon-apigateway-integration/responses/(?<!ok).*error.*': `selectionPattern "(?<!ok).*error.*": RE2 syntax: lookbehind "(?<!" is not supported; ${LINEAR}`,
      '/components/securitySchemes/tok/x-amazon-apigateway-authorizer/identityValidationExpression': `identityValidationExpression "^(?!Basic )\\\\S+$": RE2 syntax: lookahead "(?!" is not supported; ${LINEAR}`,
      '/paths/~1pets/post/x-amazon-apigateway-integration/requestTemplates/application~1json': `Mapping template: line 1, column 8: matches(): regular expression "(?<=a)b": RE2 syntax: lookbehind "(?<=" is not supported; ${LINEAR}`,
    })
  })

  it('patterns RE2 runs import without a problem, whatever AWS dialect they are written in', () => {
    const ok = { model: '^[\\w.-]+@\\w+\\.\\w{2,}$', keyed: '^x-\\d+$', selection: '.*\\bnot found\\b.*', identity: '^Bearer [A-Za-z0-9._~+/-]+=*$', template: '\\p{Lower}+' }
    const { api } = importOpenApi(doc(ok), { kind: 'REST', id: 'regexapi01' })
    assert.ok(api)
  })
})

describe('gatehouse validate', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-regex-validate-'))
  const run = async (name: string, d: unknown): Promise<{ code: number; out: string; err: string }> => {
    const file = join(dir, name)
    writeFileSync(file, JSON.stringify(d))
    let out = ''
    let err = ''
    const code = await validate(['--rest', file], { write: (t: string) => (out += t) }, { write: (t: string) => (err += t) })
    return { code, out, err }
  }

  it('exits 1 and lists every pattern RE2 cannot run, each with its path', async () => {
    const r = await run('hostile.json', doc(HOSTILE))
    assert.equal(r.code, 1)
    assert.match(r.err, /^5 problems:/m)
    assert.equal(r.err.split(LINEAR).length - 1, 5)
    assert.match(r.err, /hostile\.json: \/components\/schemas\/Pet\/properties\/name\/pattern: Model pattern .*lookahead/)
  })

  it('warns, and still exits 0, on nested quantifiers and overlapping repeated alternations', async () => {
    const r = await run('slow.json', doc(SLOW))
    assert.equal(r.code, 0, r.err)
    assert.match(r.out, /1 file valid, with \d+ warnings/)
    const lines = r.err.split('\n').filter((l) => l.includes('backtracking engines'))
    const expected: Array<[string, string]> = [
      ['/components/schemas/Pet/properties/name/pattern', 'nested quantifier "(a+)+"'],
      ['/components/schemas/Pet/patternProperties/^(x|xy)*$', 'repeated alternation whose alternatives overlap "(x|xy)*"'],
      ['/paths/~1pets/post/x-amazon-apigateway-integration/responses/.*(\\w+\\s?)*failed', 'nested quantifier "(\\\\w+\\\\s?)*"'],
      ['/components/securitySchemes/tok/x-amazon-apigateway-authorizer/identityValidationExpression', 'repeated alternation whose alternatives overlap "(a|aa)+"'],
      ['/paths/~1pets/post/x-amazon-apigateway-integration/requestTemplates/application~1json', 'nested quantifier "(a*)*"'],
    ]
    for (const [path, what] of expected) {
      assert.ok(lines.some((l) => l.includes(`slow.json: ${path}: `) && l.includes(what)), `no warning at ${path} about ${what}:\n${lines.join('\n')}`)
    }
    assert.equal(lines.length, expected.length)
    assert.ok(lines.every((l) => l.endsWith('safe in Gatehouse (RE2 matches in linear time), but AWS (Java regex) and other backtracking engines can take exponential time on some inputs')))
    rmSync(dir, { recursive: true, force: true })
  })
})
