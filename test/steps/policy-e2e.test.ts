// Resource policies through a real gateway (§7.6, §7.7, §1.8): IP allow and deny lists, Deny over Allow,
// the execute-api:/ shorthand per stage, method and path, private APIs, request conditions (user agent,
// time from an injected clock), and what the step hands on to the auth step.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startGateway, tempDir, writeFile, type TestGateway } from '../helpers.js'
import { ConfigError } from '../../src/errors.js'
import { createPolicyStep } from '../../src/steps/policy/index.js'
import type { StepFactory } from '../../src/dataplane/plan.js'

const ACCOUNT = '000000000000'
const mock = { type: 'mock', requestTemplates: { 'application/json': '{"statusCode": 200}' }, responses: { default: { statusCode: '200', responseTemplates: { 'application/json': '{"ok": true}' } } } }

function api(title: string, extra: Record<string, unknown> = {}) {
  return {
    openapi: '3.0.1',
    info: { title, version: '1' },
    paths: {
      '/open': { get: { 'x-amazon-apigateway-integration': mock } },
      '/secret': { get: { 'x-amazon-apigateway-integration': mock } },
      '/pets': { get: { 'x-amazon-apigateway-integration': mock } },
      '/pets/{id}': { get: { 'x-amazon-apigateway-integration': mock }, post: { 'x-amazon-apigateway-integration': mock } },
      '/signed': { get: { security: [{ sigv4: [] }], 'x-amazon-apigateway-integration': mock } },
    },
    components: { securitySchemes: { sigv4: { type: 'apiKey', name: 'Authorization', in: 'header', 'x-amazon-apigateway-authtype': 'awsSigv4' } } },
    ...extra,
  }
}

const allowAll = { Effect: 'Allow', Principal: '*', Action: 'execute-api:Invoke', Resource: 'execute-api:/*' }

interface ApiSetup {
  id: string
  policy?: Record<string, unknown>
  endpointType?: 'PRIVATE' | 'REGIONAL'
  stages?: string[]
}

async function serve(dir: string, apis: ApiSetup[], extra: Parameters<typeof startGateway>[1] = {}): Promise<TestGateway> {
  writeFile(dir, 'api.json', api('policed'))
  const config = writeFile(dir, 'gatehouse.yaml', {
    apis: apis.map((a) => ({
      name: a.id,
      id: a.id,
      type: 'rest',
      openapi: './api.json',
      ...(a.policy ? { policy: a.policy } : {}),
      ...(a.endpointType ? { endpointType: a.endpointType } : {}),
      stages: Object.fromEntries((a.stages ?? ['dev']).map((s) => [s, {}])),
    })),
  })
  return startGateway({ configFile: config }, extra)
}

function arn(apiId: string, rest: string): string {
  return `arn:aws:execute-api:us-east-1:${ACCOUNT}:${apiId}/${rest}`
}

async function withGateway(apis: ApiSetup[], body: (gw: TestGateway) => Promise<void>, extra: Parameters<typeof startGateway>[1] = {}): Promise<void> {
  const tmp = tempDir()
  try {
    const gw = await serve(tmp.dir, apis, extra)
    try {
      await body(gw)
    } finally {
      await gw.stop()
    }
  } finally {
    tmp.cleanup()
  }
}

const host = (id: string) => `${id}.execute-api.localhost`

test('IP lists: Deny with NotIpAddress keeps out callers outside the CIDRs; callers inside pass (§7.6)', async () => {
  await withGateway(
    [
      { id: 'outside01', policy: { Version: '2012-10-17', Statement: [allowAll, { Effect: 'Deny', Principal: '*', Action: 'execute-api:Invoke', Resource: 'execute-api:/*', Condition: { NotIpAddress: { 'aws:SourceIp': ['10.0.0.0/8', '192.168.1.0/24'] } } }] } },
      { id: 'inside001', policy: { Version: '2012-10-17', Statement: [allowAll, { Effect: 'Deny', Principal: '*', Action: 'execute-api:Invoke', Resource: 'execute-api:/*', Condition: { NotIpAddress: { 'aws:SourceIp': ['192.168.1.0/24', '127.0.0.0/8'] } } }] } },
      { id: 'blocked01', policy: { Version: '2012-10-17', Statement: [allowAll, { Effect: 'Deny', Principal: '*', Action: 'execute-api:Invoke', Resource: 'execute-api:/*', Condition: { IpAddress: { 'aws:SourceIp': '127.0.0.1/32' } } }] } },
    ],
    async (gw) => {
      const out = await gw.fetch('/dev/open', { host: host('outside01') })
      assert.equal(out.status, 403)
      assert.equal(out.headers['x-amzn-errortype'], 'AccessDeniedException')
      assert.deepEqual(out.json(), { message: `User: anonymous is not authorized to perform: execute-api:Invoke on resource: ${arn('outside01', 'dev/GET/open')} with an explicit deny` })
      assert.equal((await gw.fetch('/dev/open', { host: host('inside001') })).status, 200)
      assert.equal((await gw.fetch('/dev/open', { host: host('blocked01') })).status, 403)
    },
  )
})

test('aws:SourceIp is plain IPv4 when an IPv4 client reaches a dual-stack listener (::ffff:127.0.0.1)', async () => {
  await withGateway(
    [{ id: 'dualstack', endpointType: 'PRIVATE', policy: { Version: '2012-10-17', Statement: [{ ...allowAll, Condition: { IpAddress: { 'aws:SourceIp': '127.0.0.0/8' } } }] } }],
    async (gw) => {
      const res = await gw.fetch('/dev/open', { host: host('dualstack') })
      assert.equal(res.status, 200, res.text)
    },
    { host: '::' },
  )
})

test('an explicit Deny wins over an Allow; other methods stay allowed', async () => {
  await withGateway(
    [{ id: 'denywins1', policy: { Version: '2012-10-17', Statement: [allowAll, { Effect: 'Deny', Principal: '*', Action: 'execute-api:Invoke', Resource: 'execute-api:/*/GET/secret' }] } }],
    async (gw) => {
      const secret = await gw.fetch('/dev/secret', { host: host('denywins1') })
      assert.equal(secret.status, 403)
      assert.match(secret.json().message, /on resource: arn:aws:execute-api:us-east-1:000000000000:denywins1\/dev\/GET\/secret with an explicit deny$/)
      assert.equal((await gw.fetch('/dev/open', { host: host('denywins1') })).status, 200)
    },
  )
})

test('shorthand resources match the actual path per stage and method; on a PRIVATE API the rest is an implicit deny', async () => {
  await withGateway(
    [{ id: 'shorthand', endpointType: 'PRIVATE', stages: ['dev', 'prod'], policy: { Version: '2012-10-17', Statement: [{ ...allowAll, Resource: ['execute-api:/prod/GET/pets/*', 'execute-api:/dev/*/pets/7'] }] } }],
    async (gw) => {
      const h = { host: host('shorthand') }
      assert.equal((await gw.fetch('/prod/pets/1', h)).status, 200)
      // The ARN carries the path as requested, not the resource template /pets/{id}.
      assert.equal((await gw.fetch('/dev/pets/7', { ...h, method: 'POST' })).status, 200)
      const other = await gw.fetch('/dev/pets/8', h)
      assert.equal(other.status, 403)
      assert.deepEqual(other.json(), { message: `User: anonymous is not authorized to perform: execute-api:Invoke on resource: ${arn('shorthand', 'dev/GET/pets/8')}` })
      assert.equal((await gw.fetch('/prod/pets/1', { ...h, method: 'POST' })).status, 403)
      // `pets/*` needs something after the slash: /prod/GET/pets itself is not covered.
      assert.equal((await gw.fetch('/prod/pets', h)).status, 403)
    },
  )
})

test('a silent policy allows unauthenticated methods of a public API [K §7.7]', async () => {
  await withGateway([{ id: 'publicapi', policy: { Version: '2012-10-17', Statement: [{ ...allowAll, Resource: 'execute-api:/dev/GET/open' }] } }], async (gw) => {
    assert.equal((await gw.fetch('/dev/open', { host: host('publicapi') })).status, 200)
    assert.equal((await gw.fetch('/dev/secret', { host: host('publicapi') })).status, 200)
  })
})

test('a PRIVATE API without a resource policy denies every request (§1.8)', async () => {
  await withGateway([{ id: 'nopolicy1', endpointType: 'PRIVATE' }], async (gw) => {
    const res = await gw.fetch('/dev/open', { host: host('nopolicy1') })
    assert.equal(res.status, 403)
    assert.deepEqual(res.json(), { message: `User: anonymous is not authorized to perform: execute-api:Invoke on resource: ${arn('nopolicy1', 'dev/GET/open')}` })
  })
})

test('conditions: aws:UserAgent and aws:CurrentTime from the injected clock', async () => {
  let now = Date.UTC(2029, 11, 31, 23, 59, 0)
  await withGateway(
    [
      {
        id: 'condition',
        policy: {
          Version: '2012-10-17',
          Statement: [
            allowAll,
            { Effect: 'Deny', Principal: '*', Action: 'execute-api:Invoke', Resource: 'execute-api:/*', Condition: { StringLike: { 'aws:UserAgent': '*BadBot*' } } },
            { Effect: 'Deny', Principal: '*', Action: 'execute-api:Invoke', Resource: 'execute-api:/*/*/secret', Condition: { DateGreaterThan: { 'aws:CurrentTime': '2030-01-01T00:00:00Z' } } },
          ],
        },
      },
    ],
    async (gw) => {
      const h = { host: host('condition') }
      assert.equal((await gw.fetch('/dev/open', { ...h, headers: { 'user-agent': 'Mozilla/5.0' } })).status, 200)
      assert.equal((await gw.fetch('/dev/open', { ...h, headers: { 'user-agent': 'Mozilla/5.0 (BadBot 1.0)' } })).status, 403)
      assert.equal((await gw.fetch('/dev/secret', h)).status, 200)
      now = Date.UTC(2030, 0, 1, 0, 0, 1)
      assert.equal((await gw.fetch('/dev/secret', h)).status, 403)
      assert.equal((await gw.fetch('/dev/open', h)).status, 200)
    },
    { now: () => now },
  )
})

test('the step hands its decision on to the auth step; principal-dependent policies wait for IAM', async () => {
  // A stand-in for the auth step: it answers with what the policy step left for it.
  const probe: StepFactory = {
    kind: 'auth',
    compile: () => ({
      name: 'probe',
      request(ctx) {
        const check = ctx.resourcePolicyCheck ?? undefined
        const body = {
          resourcePolicy: ctx.resourcePolicy,
          dependsOnPrincipal: check?.dependsOnPrincipal ?? null,
          asAlice: check?.evaluate(ctx, { type: 'aws', arn: 'arn:aws:iam::111122223333:user/alice', accountId: '111122223333' }) ?? null,
          asAnonymous: check?.evaluate(ctx) ?? null,
        }
        return { status: 200, headers: {}, body: JSON.stringify(body) }
      },
    }),
  }
  const policy = {
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:user/alice' }, Action: 'execute-api:Invoke', Resource: 'execute-api:/*' },
      { Effect: 'Allow', Principal: '*', Action: 'execute-api:Invoke', Resource: 'execute-api:/dev/GET/open' },
    ],
  }
  await withGateway(
    [{ id: 'handover1', policy }, { id: 'nopolicy2' }],
    async (gw) => {
      const open = await gw.fetch('/dev/open', { host: host('handover1') })
      assert.deepEqual(open.json(), { resourcePolicy: 'ALLOW', dependsOnPrincipal: true, asAlice: 'ALLOW', asAnonymous: 'ALLOW' })
      // An AWS_IAM method of a policy naming principals: no decision before the signature is checked.
      const signed = await gw.fetch('/dev/signed', { host: host('handover1') })
      assert.deepEqual(signed.json(), { resourcePolicy: null, dependsOnPrincipal: true, asAlice: 'ALLOW', asAnonymous: 'SILENT' })
      // No policy: nothing handed on (the auth step then applies §7.7 without a resource policy).
      assert.deepEqual((await gw.fetch('/dev/open', { host: host('nopolicy2') })).json(), { resourcePolicy: null, dependsOnPrincipal: null, asAlice: null, asAnonymous: null })
    },
    { steps: [createPolicyStep(), probe] },
  )
})

test('a malformed policy in the config file is refused with the path of each problem', async () => {
  const tmp = tempDir()
  try {
    writeFile(tmp.dir, 'api.json', api('bad-policy'))
    const config = writeFile(tmp.dir, 'gatehouse.yaml', {
      apis: [{ name: 'bad', type: 'rest', openapi: './api.json', policy: { Statement: [{ Effect: 'Permit', Action: 'execute-api:Invoke', Resource: 'execute-api:/*', Condition: { IpAddress: { 'aws:SourceIp': 'not-an-ip' } } }] } }],
    })
    await assert.rejects(startGateway({ configFile: config }), (err: unknown) => {
      assert.ok(err instanceof ConfigError)
      const paths = err.problems.map((p) => p.path)
      assert.ok(paths.includes('/apis/0/policy/Statement/0/Effect'), paths.join(', '))
      assert.ok(paths.includes('/apis/0/policy/Statement/0/Condition/IpAddress/aws:SourceIp'), paths.join(', '))
      return true
    })
  } finally {
    tmp.cleanup()
  }
})

test('a policy from the OpenAPI document (x-amazon-apigateway-policy) is enforced too', async () => {
  const tmp = tempDir()
  try {
    writeFile(tmp.dir, 'api.json', api('doc-policy', { 'x-amazon-apigateway-policy': { Version: '2012-10-17', Statement: [allowAll, { Effect: 'Deny', Principal: '*', Action: 'execute-api:Invoke', Resource: 'execute-api:/*/GET/secret' }] } }))
    const gw = await startGateway({ restApis: [`${tmp.dir}/api.json`], stage: 'dev' })
    try {
      assert.equal((await gw.fetch('/dev/open')).status, 200)
      assert.equal((await gw.fetch('/dev/secret')).status, 403)
    } finally {
      await gw.stop()
    }
  } finally {
    tmp.cleanup()
  }
})
