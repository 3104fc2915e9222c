// The auth step and the resource-policy step together through a real gateway (docs/aws-behaviour.md §7.7):
// a Lambda authorizer's silence rescued by a resource-policy Allow (table A), IAM callers of another
// account needing both Allows (table B), same-account IAM callers admitted by the policy alone, and a
// resource policy that names an IAM principal, evaluated once the signature has named the caller.

import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { SignatureV4 } from '@smithy/signature-v4'
import { Sha256 } from '@aws-crypto/sha256-js'
import { startGateway, tempDir, writeFile, type TestGateway } from '../helpers.js'

const API_ID = 'rpapi'
const ARN_PREFIX = `arn:aws:execute-api:us-east-1:000000000000:${API_ID}`
const allowAll = { Statement: [{ Effect: 'Allow', Action: 'execute-api:Invoke', Resource: '*' }] }
const KEYS = {
  carol: { accessKeyId: 'AKIDCAROL00000000001', secretAccessKey: 'carol-secret', principalArn: 'arn:aws:iam::111122223333:user/carol', policies: [allowAll] },
  dave: { accessKeyId: 'AKIDDAVE000000000001', secretAccessKey: 'dave-secret', principalArn: 'arn:aws:iam::111122223333:user/dave', policies: [allowAll] },
  erin: { accessKeyId: 'AKIDERIN000000000001', secretAccessKey: 'erin-secret', principalArn: 'arn:aws:iam::000000000000:user/erin' },
  frank: { accessKeyId: 'AKIDFRANK00000000001', secretAccessKey: 'frank-secret', principalArn: 'arn:aws:iam::000000000000:user/frank', policies: [allowAll] },
}

const mock = {
  type: 'mock',
  requestTemplates: { 'application/json': '{"statusCode": 200}' },
  responses: { default: { statusCode: '200', responseTemplates: { 'application/json': '{"ok":true}' } } },
}
const get = (scheme: string) => ({ get: { security: [{ [scheme]: [] }], 'x-amazon-apigateway-integration': mock } })

let gw: TestGateway
let tmp: { dir: string; cleanup: () => void }

before(async () => {
  tmp = tempDir('gatehouse-rp-auth-e2e-')
  // Allows exactly the method ARN for "allow", a method nobody calls for anything else: silence.
  writeFile(
    tmp.dir,
    'rp-auth.mjs',
    `export const handler = async (event) => ({
  principalId: 'p',
  policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: event.authorizationToken === 'allow' ? event.methodArn : event.methodArn + '/nothing' }] },
})
`,
  )
  writeFile(tmp.dir, 'api.json', {
    openapi: '3.0.1',
    info: { title: 'rp', version: '1' },
    components: {
      securitySchemes: {
        lambda: {
          type: 'apiKey',
          name: 'Authorization',
          in: 'header',
          'x-amazon-apigateway-authtype': 'custom',
          'x-amazon-apigateway-authorizer': {
            type: 'token',
            authorizerUri: 'arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:rp-auth/invocations',
            authorizerResultTtlInSeconds: 0,
          },
        },
        sigv4: { type: 'apiKey', name: 'Authorization', in: 'header', 'x-amazon-apigateway-authtype': 'awsSigv4' },
      },
    },
    paths: {
      '/rescued': get('lambda'),
      '/unrescued': get('lambda'),
      '/cross': get('sigv4'),
      '/same': get('sigv4'),
    },
  })
  const config = writeFile(tmp.dir, 'gatehouse.yaml', {
    apis: [
      {
        name: 'rp',
        id: API_ID,
        type: 'rest',
        openapi: './api.json',
        stages: { dev: {} },
        policy: {
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Principal: '*', Action: 'execute-api:Invoke', Resource: 'execute-api:/dev/GET/rescued' },
            { Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:user/carol' }, Action: 'execute-api:Invoke', Resource: 'execute-api:/dev/GET/cross' },
            { Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::000000000000:root' }, Action: 'execute-api:Invoke', Resource: 'execute-api:/dev/GET/same' },
            { Effect: 'Deny', Principal: { AWS: 'arn:aws:iam::000000000000:user/frank' }, Action: 'execute-api:Invoke', Resource: 'execute-api:/*' },
          ],
        },
      },
    ],
    identity: { credentials: Object.values(KEYS) },
  })
  gw = await startGateway({ configFile: config, functionsDir: tmp.dir })
})

after(async () => {
  await gw?.stop()
  tmp?.cleanup()
})

async function signed(path: string, key: { accessKeyId: string; secretAccessKey: string }) {
  const signer = new SignatureV4({ service: 'execute-api', region: 'us-east-1', sha256: Sha256, credentials: key })
  const req = await signer.sign({ method: 'GET', protocol: 'http:', hostname: 'localhost', port: gw.port, path, query: {}, headers: { host: `localhost:${gw.port}` } })
  return gw.fetch(path, { headers: req.headers })
}

test('table A: a Lambda authorizer that allows nothing is rescued by a resource-policy Allow', async () => {
  assert.equal((await gw.fetch('/dev/rescued', { headers: { Authorization: 'silent' } })).status, 200)
  const res = await gw.fetch('/dev/unrescued', { headers: { Authorization: 'silent' } })
  assert.equal(res.status, 403)
  assert.deepEqual(res.json(), { message: 'User is not authorized to access this resource' })
  assert.equal((await gw.fetch('/dev/unrescued', { headers: { Authorization: 'allow' } })).status, 200, 'the authorizer alone is enough where the policy is silent')
})

test('table B: a caller of another account needs both its IAM policy and the resource policy to allow', async () => {
  assert.equal((await signed('/dev/cross', KEYS.carol)).status, 200)
  const res = await signed('/dev/cross', KEYS.dave)
  assert.equal(res.status, 403)
  assert.deepEqual(res.json(), { message: `User: arn:aws:iam::111122223333:user/dave is not authorized to perform: execute-api:Invoke on resource: ${ARN_PREFIX}/dev/GET/cross` })
})

test('table A for IAM: a same-account caller without identity policies is admitted by the resource policy alone', async () => {
  assert.equal((await signed('/dev/same', KEYS.erin)).status, 200)
  const res = await signed('/dev/cross', KEYS.erin)
  assert.equal(res.status, 403, 'both silent: denied')
})

test('a resource-policy Deny naming the IAM principal wins over its identity policy', async () => {
  const res = await signed('/dev/same', KEYS.frank)
  assert.equal(res.status, 403)
  assert.deepEqual(res.json(), { message: `User: arn:aws:iam::000000000000:user/frank is not authorized to perform: execute-api:Invoke on resource: ${ARN_PREFIX}/dev/GET/same with an explicit deny` })
})
