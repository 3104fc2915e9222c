// REST Lambda authorizers through a real gateway (docs/aws-behaviour.md §7.3, §4.7, §5.3): TOKEN and
// REQUEST authorizers as real functions in a functions directory, every outcome of the §7.3 table, identity
// sources and identityValidationExpression checked before invoking, the result cache (per identity, TTL on
// an injected clock, the cached policy applied to every method), context in a proxy event and a mapping
// template, usageIdentifierKey feeding an AUTHORIZER-sourced API key.

import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startGateway, tempDir, writeFile, type TestGateway } from '../helpers.js'

const API_ID = 'authrest'
const ARN_PREFIX = `arn:aws:execute-api:us-east-1:000000000000:${API_ID}`
const API_KEY = 'authorizer-supplied-key-0001'

function uri(fn: string): string {
  return `arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:${fn}/invocations`
}

const HANDLERS: Record<string, string> = {
  // Behaviour by the token's first word; `calls` counts invocations of this warm environment.
  'token-auth.mjs': `let calls = 0
const policy = (statements) => ({ Version: '2012-10-17', Statement: statements })
const st = (effect, resource) => ({ Action: 'execute-api:Invoke', Effect: effect, Resource: resource })
export const handler = async (event) => {
  calls++
  const token = event.authorizationToken
  const kind = token.split('-')[0]
  const arn = event.methodArn
  const everything = arn.split('/')[0] + '/*'
  const context = { calls, n: 1, ok: true, arn, kind, keys: Object.keys(event).sort().join(',') }
  const principalId = 'user-' + token
  switch (kind) {
    case 'allow': return { principalId, policyDocument: policy([st('Allow', arn)]), context }
    case 'allowall': return { principalId, policyDocument: policy([st('Allow', everything)]), context }
    case 'deny': return { principalId, policyDocument: policy([st('Allow', '*'), st('Deny', arn)]), context }
    case 'elsewhere': return { principalId, policyDocument: policy([st('Allow', arn.replace('/GET/', '/POST/'))]), context }
    case 'unauthorized': throw new Error('Unauthorized')
    case 'boom': throw new Error('boom: the authorizer failed')
    case 'noprincipal': return { policyDocument: policy([st('Allow', arn)]) }
    case 'badpolicy': return { principalId, policyDocument: { Statement: [{ Effect: 'Maybe', Action: 'execute-api:Invoke', Resource: arn }] } }
    case 'nested': return { principalId, policyDocument: policy([st('Allow', arn)]), context: { obj: { a: 1 } } }
    case 'key': return { principalId, policyDocument: policy([st('Allow', everything)]), usageIdentifierKey: token === 'key-good' ? '${API_KEY}' : 'no-such-key-00000000000' }
    default: throw new Error('unexpected token ' + token)
  }
}
`,
  'request-auth.mjs': `let calls = 0
export const handler = async (event) => {
  calls++
  return {
    principalId: 'req-user',
    policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: event.methodArn.split('/')[0] + '/*' }] },
    context: { calls, event: JSON.stringify(event) },
  }
}
`,
  'slow-auth.mjs': `export const handler = async () => {
  // Never answers: only its 1 s function timeout can end it.
  await new Promise(() => setInterval(() => {}, 1000))
}
`,
  'echo.mjs': `export const handler = async (event) => ({ statusCode: 200, body: JSON.stringify(event) })
`,
}

const MOCK_TEMPLATE =
  '{"principal":"$context.authorizer.principalId","calls":"$context.authorizer.calls","n":"$context.authorizer.n","ok":"$context.authorizer.ok","arn":"$context.authorizer.arn","kind":"$context.authorizer.kind","keys":"$context.authorizer.keys"}'

function mock(template = MOCK_TEMPLATE) {
  return {
    type: 'mock',
    requestTemplates: { 'application/json': '{"statusCode": 200}' },
    responses: { default: { statusCode: '200', responseTemplates: { 'application/json': template } } },
  }
}

function op(scheme: string, integration: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return { get: { security: [{ [scheme]: [] }], 'x-amazon-apigateway-integration': integration, ...extra } }
}

const proxy = { type: 'aws_proxy', httpMethod: 'POST', uri: uri('echo') }

function authorizer(type: 'token' | 'request', fnUri: string, ttl: number, extra: Record<string, unknown> = {}) {
  return {
    type: 'apiKey',
    name: 'Authorization',
    in: 'header',
    'x-amazon-apigateway-authtype': 'custom',
    'x-amazon-apigateway-authorizer': { type, authorizerUri: fnUri, authorizerResultTtlInSeconds: ttl, ...extra },
  }
}

const API = {
  openapi: '3.0.1',
  info: { title: 'authorizers', version: '1' },
  'x-amazon-apigateway-api-key-source': 'AUTHORIZER',
  components: {
    securitySchemes: {
      tokenAuth: authorizer('token', uri('token-auth'), 300, { identityValidationExpression: '[a-z0-9-]+' }),
      tokenNoCache: authorizer('token', uri('token-auth'), 0),
      requestAuth: authorizer('request', uri('request-auth'), 300, { identitySource: 'method.request.header.X-User, method.request.querystring.tenant' }),
      requestNoCache: authorizer('request', uri('request-auth'), 0, { identitySource: 'method.request.header.X-User, method.request.querystring.tenant' }),
      stageVarAuth: authorizer(
        'token',
        'arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:${stageVariables.authFn}/invocations',
        0,
      ),
      slowAuth: authorizer('token', uri('slow-auth'), 0),
      missingAuth: authorizer('token', uri('no-function-by-that-name'), 0),
      api_key: { type: 'apiKey', name: 'x-api-key', in: 'header' },
    },
  },
  paths: {
    '/mock': op('tokenAuth', mock()),
    '/pets/{id}': op('tokenAuth', mock()),
    '/proxy': op('tokenAuth', proxy),
    '/nocache': op('tokenNoCache', mock()),
    '/req/{id}': op('requestAuth', proxy),
    '/req-nocache': op('requestNoCache', proxy),
    '/stagevar': op('stageVarAuth', mock()),
    '/slow': op('slowAuth', mock()),
    '/missing': op('missingAuth', mock()),
    '/keyed': { get: { security: [{ tokenAuth: [], api_key: [] }], 'x-amazon-apigateway-integration': mock('{"keyed":true}') } },
  },
}

let gw: TestGateway
let tmp: { dir: string; cleanup: () => void }
let now = Date.UTC(2030, 0, 1)

before(async () => {
  tmp = tempDir('gatehouse-authorizer-e2e-')
  for (const [file, source] of Object.entries(HANDLERS)) writeFile(tmp.dir, file, source)
  writeFile(tmp.dir, 'api.json', API)
  const config = writeFile(tmp.dir, 'gatehouse.yaml', {
    apis: [{ name: 'authorizers', id: API_ID, type: 'rest', openapi: './api.json', stages: { dev: { variables: { authFn: 'token-auth' } } } }],
    functions: [{ name: 'slow-auth', module: './slow-auth.mjs', timeout: 1 }],
    apiKeys: [{ name: 'from-authorizer', value: API_KEY }],
    usagePlans: [{ name: 'authorizer-plan', apiStages: [{ api: API_ID, stage: 'dev' }], apiKeys: ['from-authorizer'] }],
  })
  gw = await startGateway({ configFile: config, functionsDir: tmp.dir }, { now: () => now })
})

after(async () => {
  await gw?.stop()
  tmp?.cleanup()
})

const bearer = (token: string) => ({ headers: { Authorization: token } })

/** Invocations so far of the token authorizer, read through a method whose authorizer never caches. */
async function tokenCalls(): Promise<number> {
  const res = await gw.fetch('/dev/nocache', bearer(`allow-count-${Math.random().toString(36).slice(2)}`))
  assert.equal(res.status, 200)
  return Number(res.json().calls) - 1
}

test('an Allow for the method ARN: 200, and the context reaches a mapping template as strings', async () => {
  const res = await gw.fetch('/dev/mock', bearer('allow-1'))
  assert.equal(res.status, 200, res.text)
  const body = res.json()
  assert.equal(body.principal, 'user-allow-1')
  assert.equal(body.n, '1')
  assert.equal(body.ok, 'true')
  assert.equal(body.arn, `${ARN_PREFIX}/dev/GET/mock`)
  assert.equal(body.keys, 'authorizationToken,methodArn,type', 'a TOKEN event has only type, authorizationToken and methodArn')
})

test('the proxy event carries requestContext.authorizer = {principalId, integrationLatency, ...context}', async () => {
  const res = await gw.fetch('/dev/proxy', bearer('allow-proxy'))
  assert.equal(res.status, 200, res.text)
  const authorizer = res.json().requestContext.authorizer
  assert.equal(authorizer.principalId, 'user-allow-proxy')
  assert.equal(typeof authorizer.integrationLatency, 'number')
  assert.equal(authorizer.n, '1')
  assert.equal(authorizer.ok, 'true')
  assert.equal(authorizer.kind, 'allow')
  assert.equal(typeof authorizer.calls, 'string')
})

test('the method ARN is built from the request path actually used, not the resource template', async () => {
  const res = await gw.fetch('/dev/pets/42', bearer('allowall-arn'))
  assert.equal(res.status, 200)
  assert.equal(res.json().arn, `${ARN_PREFIX}/dev/GET/pets/42`)
})

test('a missing or empty token is 401 Unauthorized without invoking the authorizer', async () => {
  const before = await tokenCalls()
  for (const init of [{}, bearer('')]) {
    const res = await gw.fetch('/dev/mock', init)
    assert.equal(res.status, 401)
    assert.deepEqual(res.json(), { message: 'Unauthorized' })
    assert.equal(res.headers['x-amzn-errortype'], 'UnauthorizedException')
  }
  assert.equal(await tokenCalls(), before + 1, 'only the counting call itself invoked the function')
})

test('a token that does not match identityValidationExpression is 401 without invoking', async () => {
  const before = await tokenCalls()
  const res = await gw.fetch('/dev/mock', bearer('Not A Valid Token!'))
  assert.equal(res.status, 401)
  assert.deepEqual(res.json(), { message: 'Unauthorized' })
  assert.equal(await tokenCalls(), before + 1)
})

test('the authorizer failing with "Unauthorized" is 401', async () => {
  const res = await gw.fetch('/dev/mock', bearer('unauthorized-1'))
  assert.equal(res.status, 401)
  assert.deepEqual(res.json(), { message: 'Unauthorized' })
})

test('any other error, an invalid response, a missing function or a timeout: 500 AUTHORIZER_CONFIGURATION_ERROR, {"message": null}', async () => {
  const cases: Array<[string, string]> = [
    ['/dev/mock', 'boom-1'],
    ['/dev/mock', 'noprincipal-1'],
    ['/dev/mock', 'badpolicy-1'],
    ['/dev/mock', 'nested-1'],
    ['/dev/missing', 'anything'],
    ['/dev/slow', 'anything'],
  ]
  for (const [path, token] of cases) {
    const res = await gw.fetch(path, bearer(token))
    assert.equal(res.status, 500, `${path} ${token}: ${res.text}`)
    assert.deepEqual(res.json(), { message: null }, `${path} ${token}`)
    assert.equal(res.headers['x-amzn-errortype'], 'AuthorizerConfigurationException')
  }
  const logged = gw.logs.filter((l) => l['code'] === 'AUTHORIZER_CONFIGURATION_ERROR')
  assert.ok(logged.length >= cases.length, 'each 500 is logged with its reason')
})

test('an explicit Deny is 403 with the explicit-deny message, even next to an Allow', async () => {
  const res = await gw.fetch('/dev/mock', bearer('deny-1'))
  assert.equal(res.status, 403)
  assert.deepEqual(res.json(), { message: 'User is not authorized to access this resource with an explicit deny' })
  assert.equal(res.headers['x-amzn-errortype'], 'AccessDeniedException')
})

test('a policy with no Allow for this method is 403 "User is not authorized to access this resource"', async () => {
  const res = await gw.fetch('/dev/mock', bearer('elsewhere-1'))
  assert.equal(res.status, 403)
  assert.deepEqual(res.json(), { message: 'User is not authorized to access this resource' })
})

test('results are cached per token for the TTL on the gateway clock, then the authorizer runs again', async () => {
  const first = await gw.fetch('/dev/mock', bearer('allowall-cache'))
  const second = await gw.fetch('/dev/mock', bearer('allowall-cache'))
  assert.equal(first.status, 200)
  assert.equal(second.json().calls, first.json().calls, 'the second request used the cached result')
  const other = await gw.fetch('/dev/mock', bearer('allowall-cache-other'))
  assert.notEqual(other.json().calls, first.json().calls, 'another token is another cache entry')
  now += 299_000
  assert.equal((await gw.fetch('/dev/mock', bearer('allowall-cache'))).json().calls, first.json().calls, 'still cached before 300 s')
  now += 2_000
  const after = await gw.fetch('/dev/mock', bearer('allowall-cache'))
  assert.ok(Number(after.json().calls) > Number(first.json().calls), 'expired after 300 s: invoked again')
})

test('the cached policy applies to every method of the authorizer: one allowed only for /mock refuses /pets', async () => {
  assert.equal((await gw.fetch('/dev/mock', bearer('allow-narrow'))).status, 200)
  const before = await tokenCalls()
  const res = await gw.fetch('/dev/pets/7', bearer('allow-narrow'))
  assert.equal(res.status, 403)
  assert.deepEqual(res.json(), { message: 'User is not authorized to access this resource' })
  assert.equal(await tokenCalls(), before + 1, '/pets used the cached policy, without invoking')
  // An authorizer with TTL 0 sees every method's own ARN.
  assert.equal((await gw.fetch('/dev/nocache', bearer('allow-narrow'))).status, 200)
})

test('a cached explicit Deny keeps denying until it expires', async () => {
  assert.equal((await gw.fetch('/dev/mock', bearer('deny-cached'))).status, 403)
  const before = await tokenCalls()
  assert.equal((await gw.fetch('/dev/mock', bearer('deny-cached'))).status, 403)
  assert.equal(await tokenCalls(), before + 1)
})

test('REQUEST authorizer: every identity source is required while caching; the event has the request fields but no body', async () => {
  const missing = await gw.fetch('/dev/req/1?tenant=acme')
  assert.equal(missing.status, 401)
  assert.deepEqual(missing.json(), { message: 'Unauthorized' })
  assert.equal((await gw.fetch('/dev/req/1', { headers: { 'X-User': 'ann' } })).status, 401)

  const res = await gw.fetch('/dev/req/1?tenant=acme&tenant=zen', { method: 'GET', headers: { 'X-User': 'ann' } })
  assert.equal(res.status, 200, res.text)
  const authorizer = res.json().requestContext.authorizer
  assert.equal(authorizer.principalId, 'req-user')
  const event = JSON.parse(authorizer.event)
  assert.equal(event.type, 'REQUEST')
  assert.equal(event.methodArn, `${ARN_PREFIX}/dev/GET/req/1`)
  assert.equal(event.resource, '/req/{id}')
  assert.equal(event.path, '/req/1')
  assert.equal(event.httpMethod, 'GET')
  assert.equal(event.headers['X-User'], 'ann')
  assert.deepEqual(event.queryStringParameters, { tenant: 'zen' })
  assert.deepEqual(event.multiValueQueryStringParameters, { tenant: ['acme', 'zen'] })
  assert.deepEqual(event.pathParameters, { id: '1' })
  assert.deepEqual(event.stageVariables, { authFn: 'token-auth' })
  assert.equal(event.requestContext.resourcePath, '/req/{id}')
  assert.equal('body' in event, false)
  assert.equal('isBase64Encoded' in event, false)
})

test('REQUEST authorizer cache: keyed by all identity-source values together', async () => {
  const calls = async (user: string, tenant: string) => JSON.parse((await gw.fetch(`/dev/req/2?tenant=${tenant}`, { headers: { 'X-User': user } })).json().requestContext.authorizer.calls)
  const a = await calls('bob', 't1')
  assert.equal(await calls('bob', 't1'), a, 'same values: cached')
  const b = await calls('bob', 't2')
  assert.notEqual(b, a, 'another tenant: invoked')
  assert.notEqual(await calls('carol', 't1'), a, 'another user: invoked')
})

test('REQUEST authorizer with TTL 0: identity sources are optional and the function runs every time', async () => {
  const one = await gw.fetch('/dev/req-nocache')
  const two = await gw.fetch('/dev/req-nocache')
  assert.equal(one.status, 200, one.text)
  assert.equal(Number(two.json().requestContext.authorizer.calls), Number(one.json().requestContext.authorizer.calls) + 1)
})

test('authorizerUri may name the function through a stage variable', async () => {
  const res = await gw.fetch('/dev/stagevar', bearer('allow-stagevar'))
  assert.equal(res.status, 200, res.text)
  assert.equal(res.json().principal, 'user-allow-stagevar')
})

test('usageIdentifierKey is the API key of an AUTHORIZER-sourced API', async () => {
  const good = await gw.fetch('/dev/keyed', bearer('key-good'))
  assert.equal(good.status, 200, good.text)
  assert.deepEqual(good.json(), { keyed: true })
  const bad = await gw.fetch('/dev/keyed', bearer('key-bad'))
  assert.equal(bad.status, 403)
  assert.deepEqual(bad.json(), { message: 'Forbidden' })
  // The x-api-key header does not count when the key comes from the authorizer.
  const header = await gw.fetch('/dev/keyed', { headers: { Authorization: 'allowall-nokey', 'x-api-key': API_KEY } })
  assert.equal(header.status, 403)
})
