// Cognito user pool authorizers (REST, docs/aws-behaviour.md §7.4): pool ARNs to issuers, ID tokens from a
// real OpenID provider standing in for a pool, token_use per method, and the all-strings claims.

import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { ConfigError } from '../../src/errors.js'
import { cognitoIssuer, JwksCache, parseUserPoolArn, resolveCognitoIssuer, stringifyClaims, type JwtResult } from '../../src/auth/jwt.js'
import { CLIENT_ID, payloadOf, startIdp, startStaticIdp, type Idp, type StaticIdp } from './jwt-idp.js'

const POOL_ARN = 'arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_AbCdEf123'
const OTHER_POOL_ARN = 'arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_Other'

function refused(r: JwtResult): Extract<JwtResult, { ok: false }> {
  assert.equal(r.ok, false, `expected a refusal, got ${JSON.stringify(r)}`)
  return r as Extract<JwtResult, { ok: false }>
}

function accepted(r: JwtResult): Extract<JwtResult, { ok: true }> {
  assert.equal(r.ok, true, `expected acceptance, got ${JSON.stringify(r)}`)
  return r as Extract<JwtResult, { ok: true }>
}

describe('user pool ARNs and issuers', () => {
  test("a pool ARN names AWS's issuer URL", () => {
    assert.equal(cognitoIssuer(POOL_ARN), 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123')
    assert.equal(cognitoIssuer('arn:aws-cn:cognito-idp:cn-north-1:123456789012:userpool/cn-north-1_X'), 'https://cognito-idp.cn-north-1.amazonaws.com.cn/cn-north-1_X')
    assert.deepEqual(parseUserPoolArn(POOL_ARN), { partition: 'aws', region: 'eu-west-1', accountId: '123456789012', poolId: 'eu-west-1_AbCdEf123' })
  })

  test('an emulator endpoint serves every pool at {endpoint}/{poolId}; a userPools entry wins over it', () => {
    assert.equal(cognitoIssuer(POOL_ARN, 'http://localhost:9229/'), 'http://localhost:9229/eu-west-1_AbCdEf123')
    const overrides = { endpoint: 'http://localhost:9229', userPools: { [POOL_ARN]: 'http://127.0.0.1:8080/oidc', 'us-east-1_Other': 'http://127.0.0.1:8081' } }
    assert.equal(resolveCognitoIssuer(POOL_ARN, overrides), 'http://127.0.0.1:8080/oidc')
    assert.equal(resolveCognitoIssuer(OTHER_POOL_ARN, overrides), 'http://127.0.0.1:8081', 'by bare pool id')
    assert.equal(resolveCognitoIssuer('arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_Third', overrides), 'http://localhost:9229/eu-west-1_Third')
    assert.equal(resolveCognitoIssuer(POOL_ARN), cognitoIssuer(POOL_ARN))
  })

  test('something that is not a pool ARN is refused with the expected shape', () => {
    for (const bad of ['', 'eu-west-1_AbC', 'arn:aws:cognito-idp:eu-west-1:123456789012:identitypool/x', 'arn:aws:s3:::bucket']) {
      assert.equal(parseUserPoolArn(bad), undefined, bad)
      assert.throws(() => cognitoIssuer(bad), /is not a Cognito user pool ARN \(arn:aws:cognito-idp:\{region\}:\{account\}:userpool\/\{poolId\}\)/)
    }
  })
})

describe('claims for $context.authorizer.claims', () => {
  test("every value is a string; exp and iat read like AWS's samples", () => {
    const claims = stringifyClaims({
      sub: 'd2f50444',
      'cognito:groups': ['team_manager', 'staff'],
      email_verified: true,
      auth_time: 1680629979,
      iat: 1680629979,
      exp: 1680633579,
      address: { locality: 'Leeds' },
    })
    assert.deepEqual(claims, {
      sub: 'd2f50444',
      'cognito:groups': 'team_manager,staff',
      email_verified: 'true',
      auth_time: '1680629979',
      iat: 'Tue Apr 04 17:39:39 UTC 2023',
      exp: 'Tue Apr 04 18:39:39 UTC 2023',
      address: '{"locality":"Leeds"}',
    })
  })
})

describe('Cognito authorizer with a real OpenID provider standing in for the pool', () => {
  let idp: Idp & { close(): Promise<void> }
  let cache: JwksCache
  let issuer: string
  let idToken: string
  let accessToken: string
  before(async () => {
    idp = await startIdp({
      accounts: {
        alice: { token_use: 'id', 'cognito:username': 'alice', 'cognito:groups': ['admins', 'users'], email: 'alice@example.com', email_verified: true, 'custom:role': 'editor' },
      },
      accessTokenClaims: { token_use: 'access' },
    })
    cache = new JwksCache()
    issuer = resolveCognitoIssuer(POOL_ARN, { userPools: { [POOL_ARN]: idp.issuer } })
    ;({ idToken, accessToken } = await idp.idToken('alice'))
  })
  after(async () => {
    cache.close()
    await idp.close()
  })

  test('an ID token is accepted on a method without scopes; its claims reach the integration as strings', async () => {
    const r = accepted(await cache.verifier({ issuer, audience: [], cognito: {} }).verify(idToken))
    assert.equal(r.claims.token_use, 'id')
    assert.equal(r.claims.aud, CLIENT_ID)
    const claims = stringifyClaims(r.claims)
    assert.equal(claims.sub, 'alice')
    assert.equal(claims['cognito:username'], 'alice')
    assert.equal(claims['cognito:groups'], 'admins,users')
    assert.equal(claims['custom:role'], 'editor')
    assert.equal(claims.email_verified, 'true')
    assert.match(claims.exp ?? '', /^(Sun|Mon|Tue|Wed|Thu|Fri|Sat) [A-Z][a-z]{2} \d{2} \d{2}:\d{2}:\d{2} UTC \d{4}$/)
    assert.ok(Object.values(claims).every((v) => typeof v === 'string'))
  })

  test('without method scopes an access token is refused; with them it is the one accepted', async () => {
    const v = cache.verifier({ issuer, audience: [], cognito: {} })
    assert.equal(payloadOf(accessToken).token_use, 'access')
    const r = refused(await v.verify(accessToken))
    assert.equal(r.status, 401)
    assert.equal(r.reason, 'bad_token_use')
    assert.deepEqual(accepted(await v.verify(accessToken, { scopes: ['read'] })).scopes, ['read'])
    assert.equal(refused(await v.verify(idToken, { scopes: ['read'] })).reason, 'bad_token_use')
  })

  test('a scope failure is 401 on a Cognito authorizer, not 403', async () => {
    const r = refused(await cache.verifier({ issuer, audience: [], cognito: {} }).verify(accessToken, { scopes: ['admin'] }))
    assert.equal(r.status, 401)
    assert.equal(r.reason, 'insufficient_scope')
    assert.match(r.wwwAuthenticate, /error="invalid_token"/)
  })

  test('tokenUse pins the kind of token regardless of scopes', async () => {
    accepted(await cache.verifier({ issuer, audience: [], cognito: { tokenUse: 'access' } }).verify(accessToken))
    accepted(await cache.verifier({ issuer, audience: [], cognito: { tokenUse: 'id' } }).verify(idToken, { scopes: [] }))
  })

  test('identityValidationExpression must match the whole aud of the ID token', async () => {
    accepted(await cache.verifier({ issuer, audience: [], cognito: { identityValidationExpression: 's[a-z]c' } }).verify(idToken))
    const r = refused(await cache.verifier({ issuer, audience: [], cognito: { identityValidationExpression: 's[a-z]' } }).verify(idToken))
    assert.equal(r.reason, 'identity_validation')
    assert.equal(r.status, 401)
  })

  test('an ID token from a pool the authorizer does not name is refused; several pools may be named', async () => {
    assert.equal(refused(await cache.verifier({ issuer: cognitoIssuer(OTHER_POOL_ARN), audience: [], cognito: {} }).verify(idToken)).reason, 'bad_issuer')
    accepted(await cache.verifier({ issuer: [cognitoIssuer(OTHER_POOL_ARN), issuer], audience: [], cognito: {} }).verify(idToken))
  })

  test('an ID token for an app client the audience does not list is refused when an audience is set', async () => {
    accepted(await cache.verifier({ issuer, audience: [CLIENT_ID], cognito: {} }).verify(idToken))
    assert.equal(refused(await cache.verifier({ issuer, audience: ['another-client'], cognito: {} }).verify(idToken)).reason, 'bad_audience')
  })

  test('a bad identityValidationExpression is a config problem with its path', () => {
    assert.throws(
      () => cache.verifier({ issuer, audience: [], cognito: { identityValidationExpression: '(' } }),
      (e: unknown) => e instanceof ConfigError && e.problems.length === 1 && e.problems[0]!.path === '/cognito/identityValidationExpression',
    )
  })
})

describe('Cognito-shaped access tokens (no aud, client_id) from a JWKS the test controls', () => {
  // oidc-provider cannot issue an access token without `aud`; real Cognito access tokens have none.
  let idp: StaticIdp
  let cache: JwksCache
  before(async () => {
    idp = await startStaticIdp()
    cache = new JwksCache()
  })
  after(async () => {
    cache.close()
    await idp.close()
  })

  const cognitoAccessToken = (): Promise<string> =>
    idp.sign({ iss: idp.issuer, client_id: 'app-client', token_use: 'access', scope: 'orders/read aws.cognito.signin.user.admin', exp: Math.floor(Date.now() / 1000) + 300 })

  test('accepted on a method with one of its scopes', async () => {
    const r = accepted(await cache.verifier({ issuer: idp.issuer, audience: [], cognito: {} }).verify(await cognitoAccessToken(), { scopes: ['orders/read'] }))
    assert.deepEqual(r.scopes, ['orders/read', 'aws.cognito.signin.user.admin'])
  })

  test('refused when the authorizer has an identityValidationExpression: it tests aud, which access tokens lack', async () => {
    const r = refused(await cache.verifier({ issuer: idp.issuer, audience: [], cognito: { identityValidationExpression: '.*' } }).verify(await cognitoAccessToken(), { scopes: ['orders/read'] }))
    assert.equal(r.reason, 'identity_validation')
  })
})
