// The config file's identity section (region, Cognito user pools, IAM credentials with their policies):
// every problem reported at once with its path and never with a secret, the gateway refusing to start on
// them; and authorizers that cannot work answering 500 with a warning naming the route.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { loadDesiredState } from '../../src/controlplane/config/desired.js'
import { ConfigError, type ConfigProblem } from '../../src/errors.js'
import { startGateway, tempDir, writeFile } from '../helpers.js'

const MOCK = {
  type: 'mock',
  requestTemplates: { 'application/json': '{"statusCode": 200}' },
  responses: { default: { statusCode: '200', responseTemplates: { 'application/json': '{}' } } },
}

async function problemsOf(config: unknown): Promise<ConfigProblem[]> {
  const tmp = tempDir()
  try {
    const file = writeFile(tmp.dir, 'gatehouse.yaml', config)
    await loadDesiredState({ configFile: file, restApis: [], httpApis: [], stageVariables: {}, cwd: tmp.dir })
    return []
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err
    return err.problems
  } finally {
    tmp.cleanup()
  }
}

test('a valid identity section: region, pools and credentials with the account taken from the principal ARN', async () => {
  const tmp = tempDir()
  try {
    const file = writeFile(tmp.dir, 'gatehouse.yaml', {
      identity: {
        region: 'eu-central-1',
        cognito: { endpoint: 'http://localhost:9229', userPools: { 'eu-central-1_Abc': 'http://127.0.0.1:8080/oidc' } },
        credentials: [
          { accessKeyId: 'AKIDEXAMPLE000000001', secretAccessKey: 's3cr3t', principalArn: 'arn:aws:sts::123456789012:assumed-role/Reader/session', policies: [{ Statement: { Effect: 'Allow', Action: 'execute-api:Invoke', Resource: '*' } }] },
        ],
      },
    })
    const state = await loadDesiredState({ configFile: file, restApis: [], httpApis: [], stageVariables: {}, cwd: tmp.dir })
    assert.equal(state.identity.region, 'eu-central-1')
    assert.deepEqual(state.identity.cognito, { endpoint: 'http://localhost:9229', userPools: { 'eu-central-1_Abc': 'http://127.0.0.1:8080/oidc' } })
    assert.equal(state.identity.credentials.length, 1)
    assert.equal(state.identity.credentials[0]!.accountId, '123456789012')
  } finally {
    tmp.cleanup()
  }
})

test('without an identity section: us-east-1, no credentials', async () => {
  const tmp = tempDir()
  try {
    const file = writeFile(tmp.dir, 'gatehouse.yaml', { logging: { level: 'info' } })
    const state = await loadDesiredState({ configFile: file, restApis: [], httpApis: [], stageVariables: {}, cwd: tmp.dir })
    assert.equal(state.identity.region, 'us-east-1')
    assert.deepEqual(state.identity.credentials, [])
  } finally {
    tmp.cleanup()
  }
})

test('every identity problem is reported with its path, and no message repeats a secret', async () => {
  const secret = 'do-not-print-this-secret'
  const problems = await problemsOf({
    identity: {
      region: 'mars',
      cognito: { endpoint: 'localhost:9229', userPools: { 'not-a-pool': 'ftp://idp', 'arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_Ok': 'http://127.0.0.1:1' } },
      credentials: [
        { accessKeyId: 'short', secretAccessKey: secret, principalArn: 'arn:aws:iam::000000000000:user/a' },
        { accessKeyId: 'AKIDEXAMPLE000000001', secretAccessKey: secret, principalArn: 'alice', expiration: 'tomorrow' },
        { accessKeyId: 'AKIDEXAMPLE000000001', secretAccessKey: secret, principalArn: 'arn:aws:iam::000000000000:user/b', policies: [{ Statement: [{ Effect: 'Maybe', Action: 'execute-api:Invoke', Resource: '*' }] }] },
        { accessKeyId: 'AKIDEXAMPLE000000009', secret, principalArn: 'arn:aws:iam::000000000000:user/c' },
      ],
    },
  })
  const byPath = new Map(problems.map((p) => [p.path, p.message]))
  assert.match(byPath.get('/identity/region') ?? '', /AWS region name/)
  assert.match(byPath.get('/identity/cognito/endpoint') ?? '', /http\(s\) URL/)
  assert.match(byPath.get('/identity/cognito/userPools/not-a-pool') ?? '', /user pool ARN|http\(s\) URL/)
  assert.match(byPath.get('/identity/credentials/0/accessKeyId') ?? '', /16 to 128/)
  assert.match(byPath.get('/identity/credentials/1/principalArn') ?? '', /not an IAM principal ARN/)
  assert.match(byPath.get('/identity/credentials/1/expiration') ?? '', /not a date/)
  assert.match(byPath.get('/identity/credentials/2/accessKeyId') ?? '', /already declared at \/identity\/credentials\/1/)
  assert.match(byPath.get('/identity/credentials/2/policies/0/Statement/0/Effect') ?? '', /Allow.*Deny/)
  assert.ok(problems.some((p) => p.path.startsWith('/identity/credentials/3') && /secret/.test(p.message)), 'the misspelt key is reported')
  for (const p of problems) assert.ok(!p.message.includes(secret), `a message repeats the secret: ${p.message}`)
  assert.ok(problems.every((p) => p.file === 'gatehouse.yaml'))
})

test('the gateway refuses to start with a bad identity section', async () => {
  const tmp = tempDir()
  try {
    const file = writeFile(tmp.dir, 'gatehouse.yaml', { identity: { credentials: [{ accessKeyId: 'x', secretAccessKey: 'y', principalArn: 'z' }] } })
    await assert.rejects(startGateway({ configFile: file }), (err: unknown) => err instanceof ConfigError && err.problems.some((p) => p.path === '/identity/credentials/0/principalArn'))
  } finally {
    tmp.cleanup()
  }
})

test('an authorizer that cannot work answers 500 and the compile warning names the route and why', async () => {
  const tmp = tempDir()
  try {
    writeFile(tmp.dir, 'rest.json', {
      openapi: '3.0.1',
      info: { title: 'broken-rest', version: '1' },
      components: {
        securitySchemes: {
          pool: { type: 'apiKey', name: 'Authorization', in: 'header', 'x-amazon-apigateway-authorizer': { type: 'cognito_user_pools', providerARNs: ['arn:aws:s3:::not-a-pool'] } },
          badSource: {
            type: 'apiKey',
            name: 'Authorization',
            in: 'header',
            'x-amazon-apigateway-authorizer': { type: 'request', authorizerUri: 'arn:aws:lambda:us-east-1:000000000000:function:x', identitySource: 'method.request.path.id' },
          },
        },
      },
      paths: {
        '/pool': { get: { security: [{ pool: [] }], 'x-amazon-apigateway-integration': MOCK } },
        '/source': { get: { security: [{ badSource: [] }], 'x-amazon-apigateway-integration': MOCK } },
      },
    })
    writeFile(tmp.dir, 'http.json', {
      openapi: '3.0.1',
      info: { title: 'broken-http', version: '1' },
      'x-amazon-apigateway-importexport-version': '1.0',
      components: { securitySchemes: { jwt: { type: 'oauth2', 'x-amazon-apigateway-authorizer': { type: 'jwt', jwtConfiguration: { issuer: 'not a url', audience: ['a'] } } } } },
      paths: { '/jwt': { get: { security: [{ jwt: [] }], 'x-amazon-apigateway-integration': { type: 'http_proxy', httpMethod: 'GET', uri: 'http://127.0.0.1:9/', payloadFormatVersion: '1.0' } } } },
    })
    const file = writeFile(tmp.dir, 'gatehouse.yaml', {
      apis: [
        { name: 'broken-rest', id: 'brokenrest', type: 'rest', openapi: './rest.json', stages: { dev: {} } },
        { name: 'broken-http', id: 'brokenhttp', type: 'http', openapi: './http.json', stages: { dev: {} } },
      ],
    })
    const gw = await startGateway({ configFile: file })
    try {
      const pool = await gw.fetch('/dev/pool', { host: 'brokenrest.execute-api.localhost', headers: { Authorization: 'x' } })
      assert.equal(pool.status, 500)
      const source = await gw.fetch('/dev/source', { host: 'brokenrest.execute-api.localhost', headers: { Authorization: 'x' } })
      assert.equal(source.status, 500)
      const jwt = await gw.fetch('/dev/jwt', { host: 'brokenhttp.execute-api.localhost', headers: { Authorization: 'x' } })
      assert.equal(jwt.status, 500)
      assert.deepEqual(jwt.json(), { message: 'Internal Server Error' })
      const warnings = gw.gateway.plan!.warnings.join('\n')
      assert.match(warnings, /GET \/pool: auth step: .*not a Cognito user pool ARN/)
      assert.match(warnings, /GET \/source: auth step: "method\.request\.path\.id" is not an identity source/)
      assert.match(warnings, /GET \/jwt: auth step: JWT authorizer jwt: \/issuer: The issuer must be an http\(s\) URL/)
    } finally {
      await gw.stop()
    }
  } finally {
    tmp.cleanup()
  }
})
