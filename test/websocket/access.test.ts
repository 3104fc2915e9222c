// `$connect` access control of WebSocket APIs (docs/websocket.md, docs/aws-behaviour.md §10.6, §10.2): a Lambda
// REQUEST authorizer reading a header or a query-string parameter (missing → 401, Deny → 403, a failing
// authorizer → 500), its principal and context in later MESSAGE events and `$context.authorizer.*`; AWS_IAM
// (a SigV4-signed or presigned upgrade, unsigned refused); API keys on `$connect` from `x-api-key` or the
// authorizer's usageIdentifierKey, checked against usage plans whose quota counts the connect and every message.
// Real `ws` clients, real Gatehouse functions.

import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { SignatureV4 } from '@smithy/signature-v4'
import { Sha256 } from '@aws-crypto/sha256-js'
import { startGateway, tempDir, writeFile, type TestGateway } from '../helpers.js'
import { openSocket, refusal } from './ws-helpers.js'

const AUTH_FN = `
const header = (event, name) => Object.entries(event.headers ?? {}).find(([k]) => k.toLowerCase() === name)?.[1]
export const handler = async (event) => {
  const token = header(event, 'auth') ?? event.queryStringParameters?.token
  if (token === 'boom') throw new Error('the authorizer broke')
  if (token === 'nobody') throw new Error('Unauthorized')
  const effect = token === 'deny' ? 'Deny' : 'Allow'
  return {
    principalId: 'user-' + token,
    policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: effect, Resource: event.methodArn }] },
    context: { user: token, level: 3, methodArn: event.methodArn, type: event.type },
    ...(header(event, 'x-usage-key') ? { usageIdentifierKey: header(event, 'x-usage-key') } : {}),
  }
}
`
const ECHO_FN = `export const handler = async (event) => ({ statusCode: 200, body: JSON.stringify({ eventType: event.requestContext.eventType, authorizer: event.requestContext.authorizer ?? null, identity: event.requestContext.identity }) })\n`
const twoWay = { routeResponseSelectionExpression: '$default', routeResponses: [{ routeResponseKey: '$default' }] }
const REGION = 'eu-west-1'
const ALICE = { accessKeyId: 'AKIAWSALICE00001', secretAccessKey: 'alice-secret' }
const MALLORY = { accessKeyId: 'AKIAWSMALLORY001', secretAccessKey: 'mallory-secret' }
const KEY = 'wsKey0123456789abcdefghij'
const OTHER_KEY = 'wsOther0123456789abcdefgh'
const AUTH_KEY = 'wsAuthKey0123456789abcdef'

function wsApi(id: string, connect: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return {
    name: id,
    id,
    type: 'websocket',
    routeSelectionExpression: '$request.body.action',
    integrations: {
      echo: { integrationType: 'AWS_PROXY', integrationUri: 'echo' },
      ctx: {
        integrationType: 'MOCK',
        requestTemplates: { $default: '{"statusCode": 200}' },
        integrationResponses: [{ integrationResponseKey: '$default', responseTemplates: { $default: '{"user":"$context.authorizer.user","principal":"$context.authorizer.principalId","apiKeyId":"$context.identity.apiKeyId"}' } }],
      },
    },
    routes: [
      { routeKey: '$connect', ...connect },
      { routeKey: '$default', target: 'echo', ...twoWay },
      { routeKey: 'ctx', target: 'ctx', ...twoWay },
    ],
    stages: { prod: {} },
    ...extra,
  }
}

const host = (id: string) => `${id}.execute-api.localhost`

describe('$connect access control', () => {
  let gw: TestGateway
  let tmp: ReturnType<typeof tempDir>

  before(async () => {
    tmp = tempDir()
    writeFile(tmp.dir, 'auth.mjs', AUTH_FN)
    writeFile(tmp.dir, 'echo.mjs', ECHO_FN)
    writeFile(tmp.dir, 'gatehouse.yaml', {
      functionsDir: '.',
      apis: [
        wsApi('wshead', { authorizationType: 'CUSTOM', authorizerId: 'tok' }, { authorizers: { tok: { authorizerUri: 'auth', identitySource: ['route.request.header.Auth'] } }, stages: { prod: { accessLogSettings: { format: 'wshead $context.eventType $context.authorizer.principalId $context.authorizer.user $context.status' } } } }),
        wsApi('wsquery', { authorizationType: 'CUSTOM', authorizerId: 'q' }, { authorizers: { q: { authorizerUri: 'arn:aws:lambda:eu-west-1:000000000000:function:auth', identitySource: 'route.request.querystring.token' } } }),
        wsApi('wsiam', { authorizationType: 'AWS_IAM' }),
        wsApi('wskey', { apiKeyRequired: true }),
        wsApi('wskeyauth', { authorizationType: 'CUSTOM', authorizerId: 'tok', apiKeyRequired: true }, { apiKeySelectionExpression: '$context.authorizer.usageIdentifierKey', authorizers: { tok: { authorizerUri: 'auth', identitySource: ['route.request.header.Auth'] } } }),
      ],
      apiKeys: [
        { name: 'k', value: KEY },
        { name: 'other', value: OTHER_KEY },
        { name: 'viaauth', value: AUTH_KEY },
      ],
      usagePlans: [
        { name: 'small', apiStages: [{ api: 'wskey', stage: 'prod' }], quota: { limit: 4, period: 'DAY', offset: 0 }, apiKeys: ['k'] },
        { name: 'elsewhere', apiStages: [{ api: 'wshead', stage: 'prod' }], apiKeys: ['other'] },
        { name: 'authorized', apiStages: [{ api: 'wskeyauth', stage: 'prod' }], apiKeys: ['viaauth'] },
      ],
      identity: {
        region: REGION,
        credentials: [
          { ...ALICE, principalArn: 'arn:aws:iam::000000000000:user/alice', policies: [{ Statement: [{ Effect: 'Allow', Action: 'execute-api:Invoke', Resource: 'arn:aws:execute-api:*:*:wsiam/prod/$connect' }] }] },
          { ...MALLORY, principalArn: 'arn:aws:iam::000000000000:user/mallory', policies: [{ Statement: [{ Effect: 'Allow', Action: 'execute-api:Invoke', Resource: 'arn:aws:execute-api:*:*:other/*' }] }] },
        ],
      },
    })
    gw = await startGateway({ configFile: join(tmp.dir, 'gatehouse.yaml') })
  })
  after(async () => {
    await gw.stop()
    tmp.cleanup()
  })

  it('a header authorizer: allowed connects, its principal and context reach every later event and $context.authorizer', async () => {
    const s = await openSocket(gw.port, '/prod', { host: host('wshead'), headers: { Auth: 'alice' } })
    s.send('{"action":"anything"}')
    const message = JSON.parse(await s.next())
    assert.equal(message.eventType, 'MESSAGE')
    assert.equal(message.authorizer.principalId, 'user-alice')
    assert.equal(message.authorizer.user, 'alice')
    assert.equal(message.authorizer.level, '3', 'context values reach later events as strings, as REST authorizers hand them on')
    assert.equal(message.authorizer.type, 'REQUEST')
    assert.equal(message.authorizer.methodArn, `arn:aws:execute-api:${REGION}:000000000000:wshead/prod/$connect`)
    s.send('{"action":"ctx"}')
    assert.deepEqual(JSON.parse(await s.next()), { user: 'alice', principal: 'user-alice', apiKeyId: '' })
    s.ws.close()
    // The access log's $context.authorizer.* of the connect and the messages.
    assert.ok(gw.accessLog.includes('wshead CONNECT user-alice alice 200'), gw.accessLog.join('\n'))
    assert.ok(gw.accessLog.includes('wshead MESSAGE user-alice alice 200'))
  })

  it('a header authorizer refuses: missing identity 401, Deny 403, "Unauthorized" 401, a failing authorizer 500', async () => {
    assert.equal(await refusal(gw.port, '/prod', { host: host('wshead') }), 401)
    assert.equal(await refusal(gw.port, '/prod', { host: host('wshead'), headers: { Auth: '' } }), 401)
    assert.equal(await refusal(gw.port, '/prod', { host: host('wshead'), headers: { Auth: 'deny' } }), 403)
    assert.equal(await refusal(gw.port, '/prod', { host: host('wshead'), headers: { Auth: 'nobody' } }), 401)
    assert.equal(await refusal(gw.port, '/prod', { host: host('wshead'), headers: { Auth: 'boom' } }), 500)
  })

  it('a query-string authorizer: ?token=bob connects, ?token=deny is 403, no token is 401', async () => {
    const s = await openSocket(gw.port, '/prod?token=bob', { host: host('wsquery') })
    s.send('hello')
    const message = JSON.parse(await s.next())
    assert.equal(message.authorizer.user, 'bob')
    assert.equal(message.authorizer.principalId, 'user-bob')
    s.ws.close()
    assert.equal(await refusal(gw.port, '/prod?token=deny', { host: host('wsquery') }), 403)
    assert.equal(await refusal(gw.port, '/prod', { host: host('wsquery') }), 401)
    assert.equal(await refusal(gw.port, '/prod?other=1', { host: host('wsquery') }), 401)
  })

  async function signedHeaders(key: typeof ALICE, path: string): Promise<Record<string, string>> {
    const signer = new SignatureV4({ service: 'execute-api', region: REGION, sha256: Sha256, credentials: key })
    const req = await signer.sign({ method: 'GET', protocol: 'http:', hostname: host('wsiam'), path, query: {}, headers: { host: host('wsiam') } }, { signingDate: new Date() })
    return req.headers
  }

  it('AWS_IAM: a signed upgrade of an allowed principal connects, its identity in later events; unsigned, forged or not allowed: 403', async () => {
    const s = await openSocket(gw.port, '/prod', { host: host('wsiam'), headers: await signedHeaders(ALICE, '/prod') })
    s.send('who')
    const message = JSON.parse(await s.next())
    assert.equal(message.identity.userArn, 'arn:aws:iam::000000000000:user/alice')
    assert.equal(message.identity.accessKey, ALICE.accessKeyId)
    assert.equal(message.authorizer, null)
    s.ws.close()
    assert.equal(await refusal(gw.port, '/prod', { host: host('wsiam') }), 403)
    assert.equal(await refusal(gw.port, '/prod', { host: host('wsiam'), headers: await signedHeaders({ ...ALICE, secretAccessKey: 'wrong' }, '/prod') }), 403)
    assert.equal(await refusal(gw.port, '/prod', { host: host('wsiam'), headers: await signedHeaders(MALLORY, '/prod') }), 403)
  })

  it('AWS_IAM: a presigned upgrade URL connects', async () => {
    const signer = new SignatureV4({ service: 'execute-api', region: REGION, sha256: Sha256, credentials: ALICE })
    const req = await signer.presign({ method: 'GET', protocol: 'http:', hostname: host('wsiam'), path: '/prod', query: {}, headers: { host: host('wsiam') } }, { signingDate: new Date(), expiresIn: 300 })
    const query = Object.entries(req.query ?? {}).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`).join('&')
    const s = await openSocket(gw.port, `/prod?${query}`, { host: host('wsiam') })
    s.send('who')
    assert.equal(JSON.parse(await s.next()).identity.userArn, 'arn:aws:iam::000000000000:user/alice')
    s.ws.close()
  })

  it('API key required: none, unknown or of another stage 403; a valid key connects and every message counts against the quota', async () => {
    assert.equal(await refusal(gw.port, '/prod', { host: host('wskey') }), 403)
    assert.equal(await refusal(gw.port, '/prod', { host: host('wskey'), headers: { 'x-api-key': 'nope-nope-nope-nope-nope' } }), 403)
    assert.equal(await refusal(gw.port, '/prod', { host: host('wskey'), headers: { 'x-api-key': OTHER_KEY } }), 403)
    // Quota 4 a day: the connect is 1, two messages are 2 and 3 …
    const s = await openSocket(gw.port, '/prod', { host: host('wskey'), headers: { 'x-api-key': KEY } })
    s.send('{"action":"ctx"}')
    const first = JSON.parse(await s.next())
    assert.match(first.apiKeyId, /.+/, '$context.identity.apiKeyId is the key id')
    s.send('one more')
    const echoed = JSON.parse(await s.next())
    assert.equal(echoed.identity.apiKey, KEY)
    assert.equal(echoed.identity.apiKeyId, first.apiKeyId)
    // … the fourth request (a message) is the last one the quota admits; the fifth is refused, the socket stays open.
    s.send('last')
    assert.equal(JSON.parse(await s.next()).eventType, 'MESSAGE')
    s.send('over')
    const refused = JSON.parse(await s.next())
    assert.equal(refused.message, 'Limit Exceeded')
    assert.equal(typeof refused.connectionId, 'string')
    assert.equal(s.ws.readyState, s.ws.OPEN)
    s.ws.close()
    // A new connection with the spent key is refused with 429.
    assert.equal(await refusal(gw.port, '/prod', { host: host('wskey'), headers: { 'x-api-key': KEY } }), 429)
  })

  it('apiKeySelectionExpression $context.authorizer.usageIdentifierKey: the key the authorizer names must be in a plan of the stage', async () => {
    const s = await openSocket(gw.port, '/prod', { host: host('wskeyauth'), headers: { Auth: 'carol', 'x-usage-key': AUTH_KEY } })
    s.send('x')
    const message = JSON.parse(await s.next())
    assert.equal(message.identity.apiKey, AUTH_KEY)
    assert.equal(message.authorizer.user, 'carol')
    s.ws.close()
    assert.equal(await refusal(gw.port, '/prod', { host: host('wskeyauth'), headers: { Auth: 'carol' } }), 403, 'no usageIdentifierKey')
    assert.equal(await refusal(gw.port, '/prod', { host: host('wskeyauth'), headers: { Auth: 'carol', 'x-usage-key': KEY } }), 403, 'a key of another stage')
    assert.equal(await refusal(gw.port, '/prod', { host: host('wskeyauth'), headers: { Auth: 'carol', 'x-api-key': AUTH_KEY } }), 403, 'x-api-key is not read')
  })
})

describe('$connect access control through the apigatewayv2 control plane', () => {
  it('CreateAuthorizer on a WebSocket API and a CUSTOM $connect route: served once deployed; authorization elsewhere is refused', async () => {
    const { CreateApiCommand, CreateAuthorizerCommand, CreateDeploymentCommand, CreateIntegrationCommand, CreateRouteCommand, CreateRouteResponseCommand, CreateStageCommand, BadRequestException } = await import('@aws-sdk/client-apigatewayv2')
    const { settle, v2Client } = await import('../admin/control-plane.js')
    const tmp = tempDir()
    writeFile(tmp.dir, 'auth.mjs', AUTH_FN)
    writeFile(tmp.dir, 'echo.mjs', ECHO_FN)
    const gw = await startGateway({ functionsDir: tmp.dir })
    try {
      const client = v2Client(gw.adminPort)
      const ApiId = (await client.send(new CreateApiCommand({ Name: 'cp-ws', ProtocolType: 'WEBSOCKET', RouteSelectionExpression: '$request.body.action' }))).ApiId!
      const authorizer = await client.send(new CreateAuthorizerCommand({ ApiId, Name: 'tok', AuthorizerType: 'REQUEST', AuthorizerUri: 'arn:aws:lambda:us-east-1:000000000000:function:auth', IdentitySource: ['route.request.header.Auth'] }))
      const fn = await client.send(new CreateIntegrationCommand({ ApiId, IntegrationType: 'AWS_PROXY', IntegrationUri: 'echo' }))
      await client.send(new CreateRouteCommand({ ApiId, RouteKey: '$connect', AuthorizationType: 'CUSTOM', AuthorizerId: authorizer.AuthorizerId! }))
      await assert.rejects(
        client.send(new CreateRouteCommand({ ApiId, RouteKey: 'other', AuthorizationType: 'CUSTOM', AuthorizerId: authorizer.AuthorizerId!, Target: `integrations/${fn.IntegrationId}` })),
        (err: unknown) => err instanceof BadRequestException && /restricted to the \$connect route/.test((err as Error).message),
      )
      const route = await client.send(new CreateRouteCommand({ ApiId, RouteKey: '$default', Target: `integrations/${fn.IntegrationId}`, RouteResponseSelectionExpression: '$default' }))
      await client.send(new CreateRouteResponseCommand({ ApiId, RouteId: route.RouteId!, RouteResponseKey: '$default' }))
      const d = await client.send(new CreateDeploymentCommand({ ApiId }))
      await client.send(new CreateStageCommand({ ApiId, StageName: 'live', DeploymentId: d.DeploymentId! }))
      await settle(gw)
      const h = `${ApiId}.execute-api.localhost:${gw.port}`
      assert.equal(await refusal(gw.port, '/live', { host: h }), 401)
      assert.equal(await refusal(gw.port, '/live', { host: h, headers: { Auth: 'deny' } }), 403)
      const s = await openSocket(gw.port, '/live', { host: h, headers: { Auth: 'dan' } })
      s.send('hi')
      assert.equal(JSON.parse(await s.next()).authorizer.principalId, 'user-dan')
      s.ws.close()

      // An API key required on $connect, with a usage plan on the WebSocket stage made through apigateway (v1).
      const { CreateApiKeyCommand, CreateUsagePlanCommand, CreateUsagePlanKeyCommand } = await import('@aws-sdk/client-api-gateway')
      const { restClient } = await import('../admin/control-plane.js')
      const rest = restClient(gw.adminPort)
      const key = await rest.send(new CreateApiKeyCommand({ name: 'ws-key', value: 'cpWsKey0123456789abcdefgh', enabled: true }))
      const plan = await rest.send(new CreateUsagePlanCommand({ name: 'ws-plan', apiStages: [{ apiId: ApiId, stage: 'live' }] }))
      await rest.send(new CreateUsagePlanKeyCommand({ usagePlanId: plan.id!, keyId: key.id!, keyType: 'API_KEY' }))
      const { GetRoutesCommand, UpdateRouteCommand } = await import('@aws-sdk/client-apigatewayv2')
      const connect = (await client.send(new GetRoutesCommand({ ApiId }))).Items!.find((r) => r.RouteKey === '$connect')!
      await client.send(new UpdateRouteCommand({ ApiId, RouteId: connect.RouteId!, ApiKeyRequired: true }))
      const d2 = await client.send(new CreateDeploymentCommand({ ApiId, StageName: 'live' }))
      assert.ok(d2.DeploymentId)
      await settle(gw)
      assert.equal(await refusal(gw.port, '/live', { host: h, headers: { Auth: 'dan' } }), 403, 'no key')
      const keyed = await openSocket(gw.port, '/live', { host: h, headers: { Auth: 'dan', 'x-api-key': 'cpWsKey0123456789abcdefgh' } })
      keyed.send('hi')
      assert.equal(JSON.parse(await keyed.next()).identity.apiKeyId, key.id)
      keyed.ws.close()
    } finally {
      await gw.stop()
      tmp.cleanup()
    }
  })
})

describe('$connect access control in the config file', () => {
  it('reports an unknown authorizer, a CUSTOM route without authorizerId, a non-WebSocket identity source and authorization off $connect', async () => {
    const { loadDesiredState } = await import('../../src/controlplane/config/desired.js')
    const tmp = tempDir()
    try {
      const file = writeFile(tmp.dir, 'gatehouse.yaml', {
        apis: [
          {
            name: 'bad',
            type: 'websocket',
            routeSelectionExpression: '$request.body.action',
            integrations: { m: { integrationType: 'MOCK' } },
            authorizers: { a: { authorizerUri: 'auth', identitySource: ['$request.header.Auth'] } },
            routes: [
              { routeKey: '$connect', authorizationType: 'CUSTOM', authorizerId: 'nope' },
              { routeKey: 'x', target: 'm', authorizationType: 'AWS_IAM' },
              { routeKey: 'y', target: 'm', authorizationType: 'CUSTOM' },
            ],
          },
        ],
      })
      await assert.rejects(loadDesiredState({ configFile: file, restApis: [], httpApis: [], stageVariables: {} }), (err: Error) => {
        assert.match(err.message, /\/apis\/0\/authorizers\/a\/identitySource\/0: "\$request\.header\.Auth" is not a WebSocket identity source/)
        assert.match(err.message, /\/apis\/0\/routes\/0\/authorizerId: "nope" names no authorizer of this API; its authorizers are: a/)
        assert.match(err.message, /\/apis\/0\/routes\/1\/authorizationType: authorization is only possible on the \$connect route/)
        assert.match(err.message, /\/apis\/0\/routes\/2\/authorizerId: authorizationType CUSTOM needs an authorizerId/)
        return true
      })
    } finally {
      tmp.cleanup()
    }
  })
})
