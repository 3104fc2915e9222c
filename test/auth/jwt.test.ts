// JWT authorizer token checks (docs/aws-behaviour.md §3.6) against tokens a real OpenID provider issues.

import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { generateKeyPairSync } from 'node:crypto'
import { SignJWT } from 'jose'
import { ConfigError } from '../../src/errors.js'
import { extractToken, JwksCache, type JwtResult } from '../../src/auth/jwt.js'
import { API_AUDIENCE, CLIENT_ID, headerOf, payloadOf, startIdp, startStaticIdp, withHeader, withPayload, type Idp, type StaticIdp } from './jwt-idp.js'

function refused(r: JwtResult): Extract<JwtResult, { ok: false }> {
  assert.equal(r.ok, false, `expected a refusal, got ${JSON.stringify(r)}`)
  return r as Extract<JwtResult, { ok: false }>
}

function accepted(r: JwtResult): Extract<JwtResult, { ok: true }> {
  assert.equal(r.ok, true, `expected acceptance, got ${JSON.stringify(r)}`)
  return r as Extract<JwtResult, { ok: true }>
}

describe('JWT authorizer with a real OpenID provider', () => {
  let idp: Idp & { close(): Promise<void> }
  let cache: JwksCache
  let token: string
  before(async () => {
    idp = await startIdp()
    cache = new JwksCache()
    token = await idp.accessToken({ scope: 'read' })
  })
  after(async () => {
    cache.close()
    await idp.close()
  })

  test('a real access token is accepted; its claims and scopes come back', async () => {
    const r = accepted(await cache.verifier({ issuer: idp.issuer, audience: [API_AUDIENCE] }).verify(token))
    assert.equal(r.claims.iss, idp.issuer)
    assert.equal(r.claims.aud, API_AUDIENCE)
    assert.equal(r.claims.client_id, CLIENT_ID)
    assert.deepEqual(r.scopes, ['read'])
    assert.equal(idp.discoveryHits(), 1)
    assert.equal(idp.jwksHits(), 1)
  })

  test('the token may come bare or after "Bearer " in the identity source', async () => {
    const v = cache.verifier({ issuer: idp.issuer, audience: [API_AUDIENCE] })
    assert.equal(extractToken(`Bearer ${token}`), token)
    assert.equal(extractToken(`bearer   ${token}  `), token)
    assert.equal(extractToken(token), token)
    accepted(await v.verify(extractToken(`Bearer ${token}`)))
    for (const empty of [undefined, '', '   ', 'Bearer', 'Bearer  ']) assert.equal(extractToken(empty), undefined, String(empty))
    const r = refused(await v.verify(extractToken('Bearer ')))
    assert.equal(r.status, 401)
    assert.equal(r.reason, 'missing_token')
    assert.equal(r.wwwAuthenticate, 'Bearer scope="" error="invalid_token" error_description="the token is missing"')
  })

  test("an audience the authorizer does not list is refused with AWS's challenge", async () => {
    const r = refused(await cache.verifier({ issuer: idp.issuer, audience: ['https://other.example'] }).verify(token))
    assert.equal(r.status, 401)
    assert.equal(r.reason, 'bad_audience')
    assert.equal(r.wwwAuthenticate, 'Bearer scope="" error="invalid_token" error_description="the token does not have a valid audience"')
  })

  test('client_id counts only when the token has no aud: with aud present, aud decides', async () => {
    const r = refused(await cache.verifier({ issuer: idp.issuer, audience: [CLIENT_ID] }).verify(token))
    assert.equal(r.reason, 'bad_audience')
    accepted(await cache.verifier({ issuer: idp.issuer, audience: ['x', API_AUDIENCE] }).verify(token))
  })

  test('an expired token is refused; the clock skew is 5 s by default and configurable', async () => {
    const exp = payloadOf(token).exp as number
    const v = cache.verifier({ issuer: idp.issuer, audience: [API_AUDIENCE] })
    const r = refused(await v.verify(token, { nowMs: (exp + 3600) * 1000 }))
    assert.equal(r.status, 401)
    assert.equal(r.reason, 'expired')
    assert.equal(r.wwwAuthenticate, 'Bearer scope="" error="invalid_token" error_description="the token has expired"')
    accepted(await v.verify(token, { nowMs: (exp + 4) * 1000 }))
    refused(await v.verify(token, { nowMs: (exp + 5) * 1000 }))
    const strict = cache.verifier({ issuer: idp.issuer, audience: [API_AUDIENCE], clockSkewSeconds: 0 })
    accepted(await strict.verify(token, { nowMs: exp * 1000 - 1 }))
    assert.equal(refused(await strict.verify(token, { nowMs: exp * 1000 })).reason, 'expired')
  })

  test('a token issued in the future (iat) is refused', async () => {
    const iat = payloadOf(token).iat as number
    const r = refused(await cache.verifier({ issuer: idp.issuer, audience: [API_AUDIENCE] }).verify(token, { nowMs: (iat - 60) * 1000 }))
    assert.equal(r.reason, 'issued_in_future')
    assert.match(r.wwwAuthenticate, /error_description="the token was issued in the future"/)
  })

  test('a token from another issuer is refused without asking any IdP', async () => {
    const before = idp.discoveryHits() + idp.jwksHits()
    const fresh = new JwksCache()
    const r = refused(await fresh.verifier({ issuer: `${idp.issuer}/tenant-b`, audience: [API_AUDIENCE] }).verify(token))
    fresh.close()
    assert.equal(r.reason, 'bad_issuer')
    assert.match(r.wwwAuthenticate, /error_description="the token does not have a valid issuer"/)
    assert.equal(idp.discoveryHits() + idp.jwksHits(), before)
  })

  test('a tampered signature or payload is refused', async () => {
    const v = cache.verifier({ issuer: idp.issuer, audience: [API_AUDIENCE] })
    const [h, p, s] = token.split('.') as [string, string, string]
    const flipped = s.slice(0, 10) + (s[10] === 'A' ? 'B' : 'A') + s.slice(11)
    const r1 = refused(await v.verify(`${h}.${p}.${flipped}`))
    assert.equal(r1.reason, 'bad_signature')
    assert.match(r1.wwwAuthenticate, /error="invalid_token" error_description="the token signature is invalid"/)
    const r2 = refused(await v.verify(withPayload(token, { ...payloadOf(token), scope: 'read write admin' }), { scopes: ['admin'] }))
    assert.equal(r2.reason, 'bad_signature')
  })

  test('only RS256/RS384/RS512 are accepted: real RS512 passes, real PS256 and ES256 tokens do not', async () => {
    const rs512 = await idp.accessToken({ resource: 'https://rs512.example' })
    assert.equal(headerOf(rs512).alg, 'RS512')
    accepted(await cache.verifier({ issuer: idp.issuer, audience: ['https://rs512.example'] }).verify(rs512))
    for (const [resource, alg] of [['https://ps.example', 'PS256'], ['https://es.example', 'ES256']] as const) {
      const t = await idp.accessToken({ resource })
      assert.equal(headerOf(t).alg, alg)
      const r = refused(await cache.verifier({ issuer: idp.issuer, audience: [resource] }).verify(t))
      assert.equal(r.reason, 'unsupported_algorithm', alg)
      assert.match(r.wwwAuthenticate, /error_description="the token is not signed with RS256, RS384 or RS512"/)
    }
    const hs = await new SignJWT({ iss: idp.issuer, aud: API_AUDIENCE, exp: Math.floor(Date.now() / 1000) + 60 })
      .setProtectedHeader({ alg: 'HS256', kid: headerOf(token).kid as string })
      .sign(Buffer.alloc(32, 1))
    assert.equal(refused(await cache.verifier({ issuer: idp.issuer, audience: [API_AUDIENCE] }).verify(hs)).reason, 'unsupported_algorithm')
    const none = withHeader(token, { alg: 'none', kid: headerOf(token).kid })
    assert.equal(refused(await cache.verifier({ issuer: idp.issuer, audience: [API_AUDIENCE] }).verify(none)).reason, 'unsupported_algorithm')
  })

  test('a token whose header has no kid is refused', async () => {
    const r = refused(await cache.verifier({ issuer: idp.issuer, audience: [API_AUDIENCE] }).verify(withHeader(token, { alg: 'RS256' })))
    assert.equal(r.reason, 'missing_kid')
  })

  test('malformed tokens are refused with 401, never thrown', async () => {
    const v = cache.verifier({ issuer: idp.issuer, audience: [API_AUDIENCE] })
    for (const bad of ['abc', 'a.b', 'a.b.c.d.e', '!!!.???.sig', `${token.split('.')[0]}.bm90IGpzb24.sig`, 'W10.W10.c2ln']) {
      const r = refused(await v.verify(bad))
      assert.equal(r.status, 401, bad)
      assert.equal(r.reason, 'malformed', bad)
      assert.match(r.wwwAuthenticate, /error_description="the token is not a well-formed signed JWT"/)
    }
  })

  test('route scopes: at least one must be in the token, else 403 insufficient_scope', async () => {
    const v = cache.verifier({ issuer: idp.issuer, audience: [API_AUDIENCE] })
    const rw = await idp.accessToken({ scope: 'read write' })
    assert.deepEqual(accepted(await v.verify(rw, { scopes: ['admin', 'write'] })).scopes, ['read', 'write'])
    accepted(await v.verify(token, { scopes: ['read'] }))
    const r = refused(await v.verify(token, { scopes: ['write', 'admin'] }))
    assert.equal(r.status, 403)
    assert.equal(r.reason, 'insufficient_scope')
    assert.equal(r.wwwAuthenticate, 'Bearer scope="write admin" error="insufficient_scope" error_description="the token does not have a required scope"')
    const none = await idp.accessToken({ scope: '' })
    assert.equal(payloadOf(none).scope, undefined)
    assert.deepEqual(accepted(await v.verify(none)).scopes, [])
    assert.equal(refused(await v.verify(none, { scopes: ['read'] })).status, 403)
  })

  test('an authorizer config with problems is refused with every problem listed', () => {
    assert.throws(
      () => cache.verifier({ issuer: 'not a url', audience: [], clockSkewSeconds: -1 }),
      (e: unknown) => {
        assert.ok(e instanceof ConfigError)
        assert.deepEqual(e.problems.map((p) => p.path), ['/issuer', '/audience', '/clockSkewSeconds'])
        return true
      },
    )
    assert.throws(() => cache.verifier({ issuer: idp.issuer, audience: ['a', ''] }), /\/audience\/1: An audience must be a non-empty string/)
    assert.throws(() => cache.verifier({ issuer: idp.issuer, audience: Array.from({ length: 51 }, (_, i) => `a${i}`) }), /at most 50 audiences/)
  })
})

describe('JWT authorizer with tokens signed against a JWKS the test controls', () => {
  // oidc-provider always puts `aud` in access tokens and never `scp`; Cognito access tokens and some IdPs
  // (Azure AD, Okta) differ, so these shapes are signed here with a key the test's own JWKS publishes.
  let idp: StaticIdp
  let cache: JwksCache
  const exp = (): number => Math.floor(Date.now() / 1000) + 300
  before(async () => {
    idp = await startStaticIdp()
    cache = new JwksCache()
  })
  after(async () => {
    cache.close()
    await idp.close()
  })

  test('a token without aud is matched on client_id', async () => {
    const v = cache.verifier({ issuer: idp.issuer, audience: ['app-client'] })
    accepted(await v.verify(await idp.sign({ iss: idp.issuer, client_id: 'app-client', exp: exp() })))
    assert.equal(refused(await v.verify(await idp.sign({ iss: idp.issuer, client_id: 'other', exp: exp() }))).reason, 'bad_audience')
    assert.equal(refused(await v.verify(await idp.sign({ iss: idp.issuer, exp: exp() }))).reason, 'bad_audience')
  })

  test('an aud list matches when any entry is an authorizer audience', async () => {
    const v = cache.verifier({ issuer: idp.issuer, audience: ['b'] })
    accepted(await v.verify(await idp.sign({ iss: idp.issuer, aud: ['a', 'b'], exp: exp() })))
  })

  test('scopes come from scp as an array or a string, and from scope', async () => {
    const v = cache.verifier({ issuer: idp.issuer, audience: ['api'] })
    const arr = accepted(await v.verify(await idp.sign({ iss: idp.issuer, aud: 'api', scp: ['orders.read', 'orders.write'], exp: exp() }), { scopes: ['orders.write'] }))
    assert.deepEqual(arr.scopes, ['orders.read', 'orders.write'])
    accepted(await v.verify(await idp.sign({ iss: idp.issuer, aud: 'api', scp: 'a b', exp: exp() }), { scopes: ['b'] }))
    assert.equal(refused(await v.verify(await idp.sign({ iss: idp.issuer, aud: 'api', exp: exp() }), { scopes: ['b'] })).status, 403)
  })

  test('a token without exp is refused, and so is one not valid yet (nbf)', async () => {
    const v = cache.verifier({ issuer: idp.issuer, audience: ['api'] })
    assert.equal(refused(await v.verify(await idp.sign({ iss: idp.issuer, aud: 'api' }))).reason, 'missing_exp')
    const nbf = refused(await v.verify(await idp.sign({ iss: idp.issuer, aud: 'api', exp: exp(), nbf: exp() - 10 })))
    assert.equal(nbf.reason, 'not_yet_valid')
    assert.equal(refused(await v.verify(await idp.sign({ iss: idp.issuer, aud: 'api', exp: 'soon' as unknown as number }))).reason, 'malformed')
  })

  test('a token signed by a key the issuer does not publish is refused', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const forged = await new SignJWT({ iss: idp.issuer, aud: 'api', exp: exp() }).setProtectedHeader({ alg: 'RS256', kid: idp.kid }).sign(privateKey)
    assert.equal(refused(await cache.verifier({ issuer: idp.issuer, audience: ['api'] }).verify(forged)).reason, 'bad_signature')
  })
})
