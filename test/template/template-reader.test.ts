// The template reader on its own: short-form tags, intrinsics, parameters and overrides, problems with JSON
// pointers for bad templates, ignored resources, AWS::Include, and `gatehouse validate --template` exit codes.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseTemplateText } from '../../src/controlplane/template/cfn-yaml.js'
import { readTemplate } from '../../src/controlplane/template/index.js'
import { Intrinsics, type IntrinsicsEnv } from '../../src/controlplane/template/intrinsics.js'
import { validate } from '../../src/cli/validate.js'
import { PATIENCE_MS, eventually, tempDir, writeFile, startGateway } from '../helpers.js'

test('short-form tags become their long forms, scalar and sequence alike', () => {
  const parsed = parseTemplateText(
    ['a: !Ref Foo', 'b: !Sub "x-${AWS::Region}"', 'c: !Sub ["${v}", { v: !GetAtt F.Arn }]', 'd: !GetAtt [F, Arn]', 'e: !If [C, !Ref AWS::NoValue, !Join ["", [a, !Select [0, !GetAZs ""]]]]', 'f: !Equals [1, "1"]', 'g: !Base64 hi', 'h: !FindInMap [M, k, v]', 'i: !Split [",", "a,b"]', 'j: !ImportValue X', 'k: !Condition C', 'l: !Not [!Condition C]', 'm: !And [!Condition C, !Or [!Condition C]]', 'n: !Cidr [x, 1, 2]'].join('\n'),
    't.yaml',
  )
  assert.deepEqual(parsed.problems, [])
  assert.deepEqual(parsed.value, {
    a: { Ref: 'Foo' },
    b: { 'Fn::Sub': 'x-${AWS::Region}' },
    c: { 'Fn::Sub': ['${v}', { v: { 'Fn::GetAtt': ['F', 'Arn'] } }] },
    d: { 'Fn::GetAtt': ['F', 'Arn'] },
    e: { 'Fn::If': ['C', { Ref: 'AWS::NoValue' }, { 'Fn::Join': ['', ['a', { 'Fn::Select': [0, { 'Fn::GetAZs': '' }] }]] }] },
    f: { 'Fn::Equals': [1, '1'] },
    g: { 'Fn::Base64': 'hi' },
    h: { 'Fn::FindInMap': ['M', 'k', 'v'] },
    i: { 'Fn::Split': [',', 'a,b'] },
    j: { 'Fn::ImportValue': 'X' },
    k: { Condition: 'C' },
    l: { 'Fn::Not': [{ Condition: 'C' }] },
    m: { 'Fn::And': [{ Condition: 'C' }, { 'Fn::Or': [{ Condition: 'C' }] }] },
    n: { 'Fn::Cidr': ['x', 1, 2] },
  })
})

test('the bounded reader still refuses alias bombs in templates', () => {
  const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]', ...Array.from({ length: 8 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}]`)].join('\n')
  const parsed = parseTemplateText(bomb, 'bomb.yaml')
  assert.equal(parsed.value, undefined)
  assert.match(parsed.problems[0]!.message, /alias/)
})

function env(over: Partial<IntrinsicsEnv> = {}): IntrinsicsEnv {
  return {
    file: 't.yaml',
    parameters: new Map<string, unknown>([['Stage', 'dev'], ['Zones', ['a', 'b']]]),
    pseudo: { 'AWS::Region': 'eu-west-1', 'AWS::AccountId': '111122223333' },
    mappings: { Env: { dev: { Size: 'small' } } },
    conditions: { IsDev: { 'Fn::Equals': [{ Ref: 'Stage' }, 'dev'] }, IsProd: { 'Fn::Not': [{ Condition: 'IsDev' }] } },
    resource: (id) => (id === 'Fn' ? { ref: () => 'my-fn', getAtt: (a) => (a === 'Arn' ? 'arn:aws:lambda:eu-west-1:111122223333:function:my-fn' : undefined) } : undefined),
    ...over,
  }
}

test('intrinsics: Ref, Sub with attributes and pseudo parameters, Join, If, FindInMap, Select, Split, NoValue', () => {
  const ev = new Intrinsics(env())
  const v = ev.evaluate(
    {
      uri: { 'Fn::Sub': 'arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Fn.Arn}/invocations' },
      name: { Ref: 'Fn' },
      joined: { 'Fn::Join': ['-', [{ Ref: 'Stage' }, { 'Fn::Select': [1, { Ref: 'Zones' }] }]] },
      size: { 'Fn::FindInMap': ['Env', { Ref: 'Stage' }, 'Size'] },
      chosen: { 'Fn::If': ['IsProd', 'prod', 'not-prod'] },
      gone: { 'Fn::If': ['IsDev', { Ref: 'AWS::NoValue' }, 'kept'] },
      list: ['a', { Ref: 'AWS::NoValue' }, 'b'],
      literal: { 'Fn::Sub': ['${!Literal}-${X}', { X: 'x' }] },
      split: { 'Fn::Split': [',', 'p,q'] },
    },
    '/Resources/R/Properties',
  )
  assert.deepEqual(ev.problems, [])
  assert.deepEqual(v, {
    uri: 'arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:111122223333:function:my-fn/invocations',
    name: 'my-fn',
    joined: 'dev-b',
    size: 'small',
    chosen: 'not-prod',
    list: ['a', 'b'],
    literal: '${Literal}-x',
    split: ['p', 'q'],
  })
})

test('intrinsics: what cannot be resolved is a problem at its JSON pointer, never an exception', () => {
  const ev = new Intrinsics(env())
  const v = ev.evaluate({ a: { Ref: 'Nope' }, b: { 'Fn::GetAtt': ['Fn', 'Missing'] }, c: { 'Fn::Sub': '${Ghost.Arn}' }, d: { 'Fn::If': ['NoSuchCondition', 1, 2] }, e: { 'Fn::ImportValue': 'x' }, f: { 'Fn::Select': [5, ['a']] } }, '/Resources/R/Properties')
  assert.deepEqual(v, { d: 2 })
  assert.deepEqual(ev.problems.map((p) => p.path), [
    '/Resources/R/Properties/a/Ref',
    '/Resources/R/Properties/b/Fn::GetAtt',
    '/Resources/R/Properties/c/Fn::Sub',
    '/Resources/R/Properties/d/Fn::If/0',
    '/Resources/R/Properties/e/Fn::ImportValue',
    '/Resources/R/Properties/f/Fn::Select',
  ])
  assert.match(ev.problems[0]!.message, /Nope/)
  assert.ok(ev.problems.every((p) => p.file === 't.yaml'))
})

async function read(text: string, overrides: Record<string, string> = {}, files: Record<string, string> = {}) {
  const { dir, cleanup } = tempDir('gatehouse-template-')
  try {
    for (const [name, content] of Object.entries(files)) writeFile(dir, name, content)
    const path = writeFile(dir, 'template.yaml', text)
    return await readTemplate(path, { file: 'template.yaml', dir: dirname(path), parameterOverrides: overrides })
  } finally {
    cleanup()
  }
}

const FN = `
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs20.x
      Handler: app.handler
      InlineCode: "exports.handler = async () => ({ statusCode: 200, body: process.env.GREETING })"
      Environment:
        Variables:
          GREETING: !Ref Greeting
      Events:
        Get:
          Type: Api
          Properties: { Path: /hi, Method: get }
`

test('bad templates: unknown Ref, a parameter without a default, an s3 Location, a bad override — each with its path', async () => {
  const result = await read(
    `Transform: AWS::Serverless-2016-10-31
Parameters:
  Greeting: { Type: String }
  Mode: { Type: String, Default: a, AllowedValues: [a, b] }
Resources:${FN}
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: !Ref Nowhere
      DefinitionBody:
        Fn::Transform:
          Name: AWS::Include
          Parameters: { Location: s3://bucket/api.yaml }
`,
    { Mode: 'c', Unknown: 'x' },
  )
  const byPath = Object.fromEntries(result.problems.map((p) => [p.path, p.message]))
  assert.match(byPath['/Resources/Api/Properties/DefinitionBody/Fn::Transform/Parameters/Location'] ?? '', /s3:\/\/bucket\/api\.yaml/)
  assert.match(byPath['/Parameters/Greeting'] ?? '', /no Default.*--parameter-overrides Greeting=VALUE/)
  assert.match(byPath['/Resources/Api/Properties/StageName/Ref'] ?? '', /Nowhere/)
  const overrides = result.problems.filter((p) => p.path === '--parameter-overrides').map((p) => p.message)
  assert.equal(overrides.length, 2)
  assert.match(overrides.join('\n'), /Unknown: the template declares no parameter/)
  assert.match(overrides.join('\n'), /Mode must be one of a, b; got "c"/)
  assert.ok(result.problems.every((p) => p.file === 'template.yaml'))
})

test('unknown and not-needed resource types are listed as ignored, never fatal; false Conditions too', async () => {
  const result = await read(`Parameters:
  Greeting: { Type: String, Default: hi }
  WithTable: { Type: String, Default: "no" }
Conditions:
  Table: !Equals [!Ref WithTable, "yes"]
Resources:${FN}
  Queue: { Type: AWS::SQS::Queue }
  Perm: { Type: AWS::Lambda::Permission, Properties: { FunctionName: !Ref Fn } }
  Tbl: { Type: AWS::DynamoDB::Table, Condition: Table }
  Py: { Type: AWS::Serverless::Function, Properties: { Runtime: python3.12, Handler: app.handler, CodeUri: . } }
`)
  assert.deepEqual(result.problems, [])
  assert.deepEqual(result.ignored.map((r) => [r.logicalId, r.type]), [
    ['Tbl', 'AWS::DynamoDB::Table'],
    ['Py', 'AWS::Serverless::Function'],
    ['Queue', 'AWS::SQS::Queue'],
    ['Perm', 'AWS::Lambda::Permission'],
  ])
  assert.match(result.ignored[0]!.reason, /Condition is false/)
  assert.match(result.ignored[1]!.reason, /python3\.12.*Node\.js/)
})

test('AWS::Include splices a local OpenAPI file in, with its intrinsics evaluated and the file watched', async () => {
  const fixture = fileURLToPath(new URL('../fixtures/sam/apigw-ddb-openapi-crud/template.yaml', import.meta.url))
  const result = await readTemplate(fixture, { file: 'template.yaml', dir: dirname(fixture), parameterOverrides: {} })
  assert.deepEqual(result.problems, [])
  const api = result.config!.apis![0]!
  assert.equal(api.name, 'DynamoDB Crud API with Canary releases')
  const get = (api.definition!.paths as any)['/{id}'].get['x-amazon-apigateway-integration']
  assert.equal(get.uri, 'arn:aws:apigateway:us-east-1:dynamodb:action/GetItem')
  assert.match(get.requestTemplates['application/json'], /"TableName": "[a-z0-9]{10}"/)
  assert.equal(get.credentials, 'arn:aws:iam::123456789012:role/CrudRole')
  assert.ok(result.files.some((f) => f.endsWith('apigw-ddb-openapi-crud/api.yaml')), 'the included file is watched')
})

test('--parameter-overrides changes what is served', async () => {
  const { dir, cleanup } = tempDir('gatehouse-template-serve-')
  const path = writeFile(dir, 'template.yaml', `Transform: AWS::Serverless-2016-10-31\nParameters:\n  Greeting: { Type: String, Default: hello }\nResources:${FN}`)
  try {
    for (const [overrides, expected] of [[{}, 'hello'], [{ Greeting: 'bonjour' }, 'bonjour']] as const) {
      const gw = await startGateway({ template: path, parameterOverrides: overrides })
      try {
        const res = await gw.fetch('/Prod/hi')
        assert.equal(res.status, 200)
        assert.equal(res.text, expected)
      } finally {
        await gw.stop()
      }
    }
  } finally {
    cleanup()
  }
})

function capture(): { write(s: string): boolean; text: string } {
  const out = { text: '', write: (s: string) => ((out.text += s), true) }
  return out
}

test('gatehouse validate --template: exit 0 with ignored resources listed, 1 with every problem and its path', async () => {
  const good = fileURLToPath(new URL('../fixtures/sam/apigw-api-key/template.yaml', import.meta.url))
  let out = capture()
  let err = capture()
  assert.equal(await validate(['--template', good], out, err), 0)
  assert.match(out.text, /ignored AppFunctionPermission \(AWS::Lambda::Permission\)/)
  assert.match(out.text, /valid/)

  const { dir, cleanup } = tempDir('gatehouse-template-validate-')
  try {
    const bad = writeFile(dir, 'template.yaml', `Parameters:\n  Greeting: { Type: String }\nResources:${FN}`)
    out = capture()
    err = capture()
    assert.equal(await validate(['--template', bad], out, err), 1)
    assert.match(err.text, /\/Parameters\/Greeting/)
    out = capture()
    err = capture()
    assert.equal(await validate(['--template', bad, '--parameter-overrides', 'Greeting=hi'], out, err), 0, err.text)
    out = capture()
    err = capture()
    assert.equal(await validate(['--template', bad, '--parameter-overrides', 'Greeting=hi', 'Other=x'], out, err), 1)
    assert.match(err.text, /--parameter-overrides.*Other/)
  } finally {
    cleanup()
  }
})

test('hot reload: a change to the template, or to a file it includes, is served without a restart', async () => {
  const { dir, cleanup } = tempDir('gatehouse-template-reload-')
  const api = (message: string): string => `openapi: 3.0.1
info: { title: included, version: '1' }
paths:
  /msg:
    get:
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates: { application/json: '{"statusCode": 200}' }
        responses: { default: { statusCode: '200', responseTemplates: { application/json: '{"message": "${message}"}' } } }
`
  const template = (stage: string): string => `Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: ${stage}
      DefinitionBody:
        Fn::Transform: { Name: AWS::Include, Parameters: { Location: ./api.yaml } }
`
  writeFile(dir, 'api.yaml', api('first'))
  const path = writeFile(dir, 'template.yaml', template('one'))
  const gw = await startGateway({ template: path }, { watch: true })
  try {
    assert.deepEqual((await gw.fetch('/one/msg')).json(), { message: 'first' })
    writeFile(dir, 'api.yaml', api('second'))
    await eventually(async () => (await gw.fetch('/one/msg')).text.includes('second'), PATIENCE_MS, 'the included file reloaded')
    writeFile(dir, 'template.yaml', template('two'))
    await eventually(async () => (await gw.fetch('/two/msg')).status === 200, PATIENCE_MS, 'the template reloaded')
    assert.equal((await gw.fetch('/one/msg')).status, 403, 'the old stage is gone')
  } finally {
    await gw.stop()
    cleanup()
  }
})

test('malformed templates are problems, never exceptions', async () => {
  const cases: Array<[string, RegExp]> = [
    ['just a string', /a template is a mapping/],
    ['Resources: [1, 2]', /Resources section/],
    ['Resources:\n  A: 5', /a resource is a mapping with a Type/],
    ['Resources:\n  F: { Type: AWS::Serverless::Function, Properties: { Runtime: nodejs20.x, Handler: 5 } }', /Handler is FILE\.EXPORT/],
    ['Resources:\n  F: { Type: AWS::Serverless::Function, Properties: { Runtime: nodejs20.x, Handler: app.handler, CodeUri: ./nowhere } }', /no module app/],
    ['Conditions:\n  A: { Condition: B }\n  B: { Condition: A }\nResources:\n  Q: { Type: AWS::SQS::Queue, Condition: A }', /depends on itself/],
    ['Resources:\n  Api: { Type: AWS::Serverless::Api, Properties: { StageName: x, DefinitionBody: { "Fn::Sub": 5 } } }', /Fn::Sub takes a string|DefinitionBody is an OpenAPI document/],
    ['Resources:\n  M: { Type: AWS::ApiGateway::Method, Properties: { RestApiId: !Ref Ghost, HttpMethod: GET } }', /Ghost/],
    ['Resources:\n  R: { Type: AWS::ApiGatewayV2::Route, Properties: { ApiId: x, RouteKey: GET / } }', /names no HTTP API/],
    ['Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties: { Runtime: nodejs20.x, InlineCode: "exports.handler=1", Handler: index.handler, Events: { E: { Type: Api, Properties: { RestApiId: !Ref F, Path: /x, Method: get } } } }', /names no AWS::Serverless::Api/],
  ]
  for (const [text, expected] of cases) {
    const result = await read(text)
    assert.ok(result.problems.length > 0, `problems for ${JSON.stringify(text)}`)
    assert.match(result.problems.map((p) => p.message).join('\n'), expected, text)
  }
})

test('--template with --config: both files\' APIs are served; DefinitionUri reads a local OpenAPI file', async () => {
  const { dir, cleanup } = tempDir('gatehouse-template-config-')
  const mock = (message: string) => ({
    openapi: '3.0.1',
    info: { title: message, version: '1' },
    paths: { '/m': { get: { 'x-amazon-apigateway-integration': { type: 'mock', requestTemplates: { 'application/json': '{"statusCode": 200}' }, responses: { default: { statusCode: '200', responseTemplates: { 'application/json': `{"from": "${message}"}` } } } } } } },
  })
  writeFile(dir, 'openapi.json', mock('template'))
  const template = writeFile(dir, 'template.yaml', 'Resources:\n  Api:\n    Type: AWS::Serverless::Api\n    Properties: { StageName: t, DefinitionUri: ./openapi.json }\n')
  const config = writeFile(dir, 'gatehouse.yaml', { apis: [{ type: 'rest', definition: mock('config'), stages: { c: {} } }] })
  const gw = await startGateway({ configFile: config, template })
  try {
    const apis = (await gw.gateway.store!.list<{ name: string; id: string }>('api')).map((a) => a.value)
    assert.deepEqual(apis.map((a) => a.name).sort(), ['config', 'template'])
    const id = (name: string): string => apis.find((a) => a.name === name)!.id
    assert.deepEqual((await gw.fetch('/t/m', { host: `${id('template')}.execute-api.localhost` })).json(), { from: 'template' })
    assert.deepEqual((await gw.fetch('/c/m', { host: `${id('config')}.execute-api.localhost` })).json(), { from: 'config' })
  } finally {
    await gw.stop()
    cleanup()
  }
})
