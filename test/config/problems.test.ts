// loadDesiredState on bad sources: every rule reports a problem with its file and JSON-pointer path, and
// every problem across every file comes back in one ConfigError.

import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { loadDesiredState } from '../../src/controlplane/config/desired.js'
import type { Sources } from '../../src/controlplane/config/desired.js'
import { ConfigError } from '../../src/errors.js'
import { ORDERS_HTTP, PETSTORE_REST, ordersDefinition, problemAt, problemsOf, tempDir } from './helpers.js'
import type { TempDir } from './helpers.js'

function sources(over: Partial<Sources>): Sources {
  return { restApis: [], httpApis: [], stageVariables: {}, ...over }
}

describe('config problems', () => {
  let tmp: TempDir
  let n = 0
  before(async () => {
    tmp = await tempDir()
    await tmp.write('petstore.yaml', PETSTORE_REST)
    await tmp.write('orders.yaml', ORDERS_HTTP)
  })
  after(() => tmp.remove())

  /** Writes `yaml` as a config file next to the fixtures and returns the problems of loading it. */
  async function configProblems(yaml: string, over: Partial<Sources> = {}) {
    const name = `config-${++n}.yaml`
    await tmp.write(name, yaml)
    const problems = await problemsOf(() => loadDesiredState(sources({ configFile: name, cwd: tmp.dir, ...over })))
    return { problems, file: name }
  }

  it('refuses unknown top-level keys, suggesting the likely spelling', async () => {
    const { problems, file } = await configProblems('listener: { http: { port: 8080 } }\napis: []\nfrobnicate: 1\n')
    assert.match(problemAt(problems, '/listener', file).message, /unknown key "listener" \(did you mean "listeners"\?\)/)
    assert.match(problemAt(problems, '/frobnicate', file).message, /unknown key "frobnicate"; known keys: .*apis/)
  })

  it('refuses unknown keys inside APIs and stages', async () => {
    const { problems, file } = await configProblems(`apis:
  - type: rest
    openapi: petstore.yaml
    stage: { dev: {} }
    stages:
      dev:
        varibles: { a: b }
`)
    assert.match(problemAt(problems, '/apis/0/stage', file).message, /did you mean "stages"/)
    assert.match(problemAt(problems, '/apis/0/stages/dev/varibles', file).message, /did you mean "variables"/)
  })

  it('checks stage variables: names, values, and at most 100 per stage (§1.6)', async () => {
    const many = Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`v${i}`, 'x']))
    const { problems, file } = await configProblems(`apis:
  - type: rest
    openapi: petstore.yaml
    stages:
      dev:
        variables:
          bad name: x
          ${'n'.repeat(65)}: x
          spaces: 'has spaces'
          long: ${'a'.repeat(513)}
          empty: ''
          ok_1: 'http://host:80/path?q=1&r=2#frag,~.-'
      big:
        variables: ${JSON.stringify(many)}
`)
    assert.match(problemAt(problems, '/apis/0/stages/dev/variables/bad name', file).message, /invalid name "bad name": stage variable names are 1–64 letters, digits or underscores/)
    problemAt(problems, `/apis/0/stages/dev/variables/${'n'.repeat(65)}`, file)
    assert.match(problemAt(problems, '/apis/0/stages/dev/variables/spaces', file).message, /1–512 characters from/)
    problemAt(problems, '/apis/0/stages/dev/variables/long', file)
    problemAt(problems, '/apis/0/stages/dev/variables/empty', file)
    assert.ok(!problems.some((p) => p.path.endsWith('/ok_1')), 'every allowed character is accepted')
    assert.match(problemAt(problems, '/apis/0/stages/big/variables', file).message, /at most 100 stage variables/)
  })

  it('checks stage names, and allows $default on HTTP APIs only', async () => {
    const { problems, file } = await configProblems(`apis:
  - type: rest
    openapi: petstore.yaml
    stages:
      $default: {}
      'bad/name': {}
      ${'s'.repeat(129)}: {}
  - type: http
    openapi: orders.yaml
    stages:
      $default: {}
      'v1.0': {}
`)
    assert.match(problemAt(problems, '/apis/0/stages/$default', file).message, /only on HTTP APIs/)
    assert.match(problemAt(problems, '/apis/0/stages/bad~1name', file).message, /invalid stage name "bad\/name"/)
    problemAt(problems, `/apis/0/stages/${'s'.repeat(129)}`, file)
    assert.match(problemAt(problems, '/apis/1/stages/v1.0', file).message, /or "\$default"/)
    assert.ok(!problems.some((p) => p.path === '/apis/1/stages/$default'))
  })

  it("refuses --stage '$default' for REST APIs and bad --stage-variable values", async () => {
    const problems = await problemsOf(() =>
      loadDesiredState(sources({ restApis: ['petstore.yaml'], stage: '$default', stageVariables: { 'no-dash': 'x', ok: 'a b' }, cwd: tmp.dir })),
    )
    assert.match(problemAt(problems, '--stage').message, /only on HTTP APIs/)
    problemAt(problems, '--stage-variable/no-dash')
    problemAt(problems, '--stage-variable/ok')
  })

  it('keeps REST-only and HTTP-only settings to their API type', async () => {
    const { problems, file } = await configProblems(`apis:
  - type: rest
    openapi: petstore.yaml
    cors: { allowOrigins: ['*'] }
    stages:
      dev:
        defaultRouteSettings: { throttlingRateLimit: 5 }
        routeSettings: { 'GET /pets': { throttlingRateLimit: 1 } }
  - type: http
    openapi: orders.yaml
    binaryMediaTypes: [image/png]
    gatewayResponses: { DEFAULT_4XX: { statusCode: '400' } }
    cors: { allowOrigins: ['*'], allowCredentials: true }
    stages:
      dev:
        methodSettings: { '*/*': { throttlingRateLimit: 1 } }
        canarySettings: { percentTraffic: 5 }
        cacheClusterEnabled: true
        accessLogSettings: { format: '${'$context.requestId '.repeat(200)}' }
`)
    assert.match(problemAt(problems, '/apis/0/cors', file).message, /HTTP APIs only/)
    problemAt(problems, '/apis/0/stages/dev/defaultRouteSettings', file)
    problemAt(problems, '/apis/0/stages/dev/routeSettings', file)
    assert.match(problemAt(problems, '/apis/1/binaryMediaTypes', file).message, /REST APIs only/)
    problemAt(problems, '/apis/1/gatewayResponses', file)
    assert.match(problemAt(problems, '/apis/1/cors/allowCredentials', file).message, /cannot be combined with allowOrigins "\*"/)
    assert.match(problemAt(problems, '/apis/1/stages/dev/methodSettings', file).message, /defaultRouteSettings and routeSettings/)
    problemAt(problems, '/apis/1/stages/dev/canarySettings', file)
    problemAt(problems, '/apis/1/stages/dev/cacheClusterEnabled', file)
    assert.match(problemAt(problems, '/apis/1/stages/dev/accessLogSettings/format', file).message, /at most 3 KB/)
  })

  it('checks method settings, route settings, access logs and canaries field by field', async () => {
    const { problems, file } = await configProblems(`apis:
  - type: rest
    openapi: petstore.yaml
    stages:
      dev:
        methodSettings:
          /pets/GET: { throttlingRateLimit: 1 }
          ~1pets/FETCH: {}
          '*/*': { throttlingBurstLimit: -1, loggingLevel: debug, cacheTtlInSeconds: 7200, throttle: 1 }
        accessLogSettings: { format: "line one\\nline two" }
        canarySettings: { percentTraffic: 150, deploymentId: abc }
        cacheClusterSize: '2'
  - type: http
    openapi: orders.yaml
    stages:
      dev:
        routeSettings: { 'FETCH /x': {}, 'GET /orders': { throttlingBurstLimit: 1.5 } }
`)
    assert.match(problemAt(problems, '/apis/0/stages/dev/methodSettings/~1pets~1GET', file).message, /written "~1"/)
    problemAt(problems, '/apis/0/stages/dev/methodSettings/~01pets~1FETCH', file)
    problemAt(problems, '/apis/0/stages/dev/methodSettings/*~1*/throttlingBurstLimit', file)
    assert.match(problemAt(problems, '/apis/0/stages/dev/methodSettings/*~1*/loggingLevel', file).message, /"OFF", "ERROR", "INFO"/)
    problemAt(problems, '/apis/0/stages/dev/methodSettings/*~1*/cacheTtlInSeconds', file)
    problemAt(problems, '/apis/0/stages/dev/methodSettings/*~1*/throttle', file)
    assert.match(problemAt(problems, '/apis/0/stages/dev/accessLogSettings/format', file).message, /single line/)
    problemAt(problems, '/apis/0/stages/dev/canarySettings/percentTraffic', file)
    assert.match(problemAt(problems, '/apis/0/stages/dev/canarySettings/deploymentId', file).message, /unknown key/)
    problemAt(problems, '/apis/0/stages/dev/cacheClusterSize', file)
    assert.match(problemAt(problems, '/apis/1/stages/dev/routeSettings/FETCH ~1x', file).message, /route keys/)
    assert.match(problemAt(problems, '/apis/1/stages/dev/routeSettings/GET ~1orders/throttlingBurstLimit', file).message, /integer/)
  })

  it('checks gateway responses (§6.2)', async () => {
    const { problems, file } = await configProblems(`apis:
  - type: rest
    openapi: petstore.yaml
    gatewayResponses:
      DEFAULT_4xx: {}
      UNAUTHORIZED:
        statusCode: 999
        responseParameters:
          gatewayresponse.header.X-Ok: "'static'"
          gatewayresponse.header.X-Var: stageVariables.name
          gatewayresponse.header.X-Bad: static
          header.X-Wrong: "'x'"
`)
    assert.match(problemAt(problems, '/apis/0/gatewayResponses/DEFAULT_4xx', file).message, /gateway response types are DEFAULT_4XX/)
    assert.match(problemAt(problems, '/apis/0/gatewayResponses/UNAUTHORIZED/statusCode', file).message, /3-digit status/)
    assert.match(problemAt(problems, '/apis/0/gatewayResponses/UNAUTHORIZED/responseParameters/gatewayresponse.header.X-Bad', file).message, /quoted static value/)
    problemAt(problems, '/apis/0/gatewayResponses/UNAUTHORIZED/responseParameters/header.X-Wrong', file)
    assert.equal(problems.filter((p) => p.path.includes('X-Ok') || p.path.includes('X-Var')).length, 0)
  })

  it('needs exactly one of openapi and definition, and reports a missing file where it is named', async () => {
    const { problems, file } = await configProblems(`apis:
  - type: rest
    openapi: missing.yaml
  - type: rest
    name: both
    openapi: petstore.yaml
    definition: { openapi: 3.0.1 }
  - type: http
    name: neither
  - type: graphql
    openapi: petstore.yaml
  - openapi: petstore.yaml
`)
    assert.match(problemAt(problems, '/apis/0/openapi', file).message, /cannot read the OpenAPI file missing\.yaml: no such file/)
    assert.match(problemAt(problems, '/apis/1', file).message, /either openapi .* or definition .*not both/)
    assert.match(problemAt(problems, '/apis/2', file).message, /needs openapi: FILE .* or definition/)
    assert.match(problemAt(problems, '/apis/3/type', file).message, /"rest", "http"/)
    assert.match(problemAt(problems, '/apis/4/type', file).message, /"type" is required/)
  })

  it('reports two APIs that end with the same id, naming both', async () => {
    const { problems, file } = await configProblems(`apis:
  - { type: rest, openapi: petstore.yaml }
  - { type: rest, name: petstore, definition: { openapi: 3.0.1, info: { title: other, version: '1' }, paths: {} } }
  - { type: http, id: shared, openapi: orders.yaml }
  - { type: http, id: shared, name: again, openapi: orders.yaml }
`)
    const dup = problemAt(problems, '/apis/1', file)
    assert.match(dup.message, /API id "[a-z0-9]{10}" is used by both petstore \(config-\d+\.yaml \/apis\/0\) and petstore \(config-\d+\.yaml \/apis\/1\); give one of them a distinct `id`/)
    assert.match(problemAt(problems, '/apis/3/id', file).message, /"shared" is used by both orders .* and again/)
  })

  it('reports an API given both by the config file and by --rest-api as a collision', async () => {
    const { problems } = await configProblems('apis: [{ type: rest, openapi: petstore.yaml }]\n', { restApis: ['petstore.yaml'] })
    assert.match(problemAt(problems, '', 'petstore.yaml').message, /used by both petstore \(config-\d+\.yaml \/apis\/0\) and petstore \(--rest-api petstore\.yaml\)/)
  })

  it('checks listeners, logging, defaultApi, ids and functions', async () => {
    const { problems, file } = await configProblems(`listeners:
  http: { port: 70000, tls: { cert: c.pem } }
  admin: { host: '', allowedHosts: [gatehouse-admin.internal, .example.com, 'http://admin.example:9090'] }
logging: { level: loud, accessLogs: 'yes' }
defaultApi: nosuch
apis:
  - { type: rest, id: Not_Valid, openapi: petstore.yaml }
functions:
  - { name: hello, module: a.mjs, timeout: 0, memorySize: 64, environment: { 1BAD: x }, handler: 'mod.fn', extra: 1 }
  - { name: hello }
  - { name: 'no spaces' }
`)
    problemAt(problems, '/listeners/http/port', file)
    assert.match(problemAt(problems, '/listeners/http/tls/key', file).message, /"key" is required/)
    assert.match(problemAt(problems, '/listeners/admin/host', file).message, /must not be empty/)
    assert.match(problemAt(problems, '/listeners/admin/allowedHosts/2', file).message, /is not a host name: give a name without scheme, port or path/)
    assert.ok(!problems.some((p) => /allowedHosts\/[01]$/.test(p.path)), 'a name and a .domain are fine')
    problemAt(problems, '/logging/level', file)
    assert.match(problemAt(problems, '/logging/accessLogs', file).message, /true or false/)
    assert.match(problemAt(problems, '/defaultApi', file).message, /no API is named "nosuch"/)
    assert.match(problemAt(problems, '/apis/0/id', file).message, /lower-case/)
    problemAt(problems, '/functions/0/timeout', file)
    problemAt(problems, '/functions/0/memorySize', file)
    problemAt(problems, '/functions/0/environment/1BAD', file)
    assert.match(problemAt(problems, '/functions/0/handler', file).message, /exported function/)
    problemAt(problems, '/functions/0/extra', file)
    assert.match(problemAt(problems, '/functions/1/name', file).message, /already declared at \/functions\/0/)
    problemAt(problems, '/functions/2/name', file)
  })

  it('reports YAML syntax errors and duplicate keys with line numbers', async () => {
    const bad = await configProblems('apis:\n  - type: rest\n    type: http\n')
    assert.match(bad.problems[0]!.message, /syntax error at line 3/)
    assert.equal(bad.problems[0]!.file, bad.file)
    const list = await configProblems('- just\n- a list\n')
    assert.match(list.problems[0]!.message, /a config file is a mapping/)
    const missing = await problemsOf(() => loadDesiredState(sources({ configFile: 'nope.yaml', cwd: tmp.dir })))
    assert.deepEqual(missing, [{ file: 'nope.yaml', path: '', message: 'cannot read the config file: no such file' }])
  })

  it('collects every problem across the config file and OpenAPI files before throwing', async () => {
    await tmp.write('broken-a.yaml', PETSTORE_REST.replace('type: http_proxy', 'type: teleport'))
    await tmp.write('broken-b.yaml', 'openapi: 3.0.1\ninfo: { title: b, version: "1" }\npaths:\n  /x:\n    get: [\n')
    const { problems, file } = await configProblems(`apis:
  - { type: rest, openapi: broken-a.yaml, stages: { $default: {} } }
  - { type: rest, openapi: broken-b.yaml }
  - { type: http, definition: ${JSON.stringify(ordersDefinition())}, stages: { dev: { variables: { 'a b': c } } } }
`)
    const files = new Set(problems.map((p) => p.file))
    assert.ok(files.has('broken-a.yaml'), 'the first OpenAPI file has a problem')
    assert.ok(files.has('broken-b.yaml'), 'the second OpenAPI file has a problem')
    assert.ok(files.has(file), 'the config file has problems')
    const teleport = problems.find((p) => p.file === 'broken-a.yaml')!
    assert.match(teleport.path, /^\/paths\/~1pets\/get\/x-amazon-apigateway-integration/)
    problemAt(problems, '/apis/0/stages/$default', file)
    problemAt(problems, '/apis/2/stages/dev/variables/a b', file)
    const err = await loadDesiredState(sources({ configFile: file, cwd: tmp.dir })).catch((e: unknown) => e)
    assert.ok(err instanceof ConfigError)
    assert.match(err.message, /broken-a\.yaml: \/paths/, 'the message lists problems as file: path: message')
  })

  it('locates problems in an inline definition under its config path', async () => {
    const definition = ordersDefinition()
    ;((definition.paths as Record<string, Record<string, Record<string, Record<string, unknown>>>>)['/orders']!.get!['x-amazon-apigateway-integration']!).type = 'teleport'
    const { problems, file } = await configProblems(`apis:\n  - { type: http, definition: ${JSON.stringify(definition)} }\n`)
    const p = problems.find((x) => x.path.startsWith('/apis/0/definition/paths/~1orders/get'))
    assert.ok(p, `an importer problem re-rooted at /apis/0/definition: ${JSON.stringify(problems)}`)
    assert.equal(p.file, file)
  })

  it('warns (without failing) about settings that name no method or route', async () => {
    await tmp.write('warn.yaml', `apis:
  - type: rest
    openapi: petstore.yaml
    stages:
      dev:
        methodSettings: { '~1pets/GET': {}, '~1pets/POST': {}, '~1nothing/GET': {}, '*/*': {} }
  - type: http
    openapi: orders.yaml
    stages:
      dev:
        routeSettings: { 'GET /orders': {}, 'GET /nope': {} }
`)
    const state = await loadDesiredState(sources({ configFile: 'warn.yaml', cwd: tmp.dir }))
    const paths = state.warnings.filter((w) => w.file === 'warn.yaml').map((w) => w.path).sort()
    assert.deepEqual(paths, ['/apis/0/stages/dev/methodSettings/~01nothing~1GET', '/apis/0/stages/dev/methodSettings/~01pets~1POST', '/apis/1/stages/dev/routeSettings/GET ~1nope'])
  })
})
