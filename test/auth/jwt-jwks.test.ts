// The JWKS cache of JWT authorizers (AWS behaviour reference §3.6 step 3, §11.3): shared fetches, key
// rotation, refetch limits under floods of unknown kids, outages, timeouts and the JWKS size cap.

import { after, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { JwksCache, type JwtResult } from '../../src/auth/jwt.js'
import { eventually } from '../helpers.js'
import { API_AUDIENCE, headerOf, signingKey, startIdp, startStaticIdp, withHeader } from './jwt-idp.js'

function reasonOf(r: JwtResult): string {
  return r.ok ? 'ok' : r.reason
}

function detailOf(r: JwtResult): string {
  return r.ok ? '' : (r.detail ?? '')
}

/**
 * A timeout no test run reaches: a fetch given it can only end some other way (refused, closed, answered), and
 * one that does not would show as a hung test rather than as a slow one.
 */
const NEVER_MS = 600_000

/** A clock the test moves by hand. */
function manualClock(): { now: () => number; advance(ms: number): void } {
  let t = Date.now()
  return { now: () => t, advance: (ms) => void (t += ms) }
}

const cleanups: Array<() => unknown> = []
after(async () => {
  for (const c of cleanups.reverse()) await c()
})

describe('JWKS cache', () => {
  test('concurrent verifications share one discovery and one JWKS fetch; both stay cached', async () => {
    const idp = await startIdp()
    const cache = new JwksCache()
    cleanups.push(() => idp.close(), () => cache.close())
    const v = cache.verifier({ issuer: idp.issuer, audience: [API_AUDIENCE] })
    const token = await idp.accessToken()
    const results = await Promise.all(Array.from({ length: 25 }, () => v.verify(token)))
    assert.deepEqual(new Set(results.map(reasonOf)), new Set(['ok']))
    for (let i = 0; i < 10; i++) assert.equal(reasonOf(await v.verify(token)), 'ok')
    // A second authorizer for the same issuer uses the same keys.
    assert.equal(reasonOf(await cache.verifier({ issuer: idp.issuer, audience: [API_AUDIENCE, 'x'] }).verify(token)), 'ok')
    assert.equal(idp.discoveryHits(), 1)
    assert.equal(idp.jwksHits(), 1)
    // The provider also publishes an EC key; it is not an RSA key, so its kid finds nothing.
    const ecKid = idp.keys.find((k) => k.kty === 'EC')!.kid
    assert.equal(reasonOf(await v.verify(withHeader(token, { alg: 'RS256', kid: ecKid }))), 'unknown_kid')
  })

  test('key rotation: a new kid is fetched once the refetch interval allows; retired keys stop working', async () => {
    const clock = manualClock()
    const k1 = signingKey()
    const idp = await startIdp({ keys: [k1] })
    const cache = new JwksCache({ nowMs: clock.now, minRefreshIntervalMs: 30_000, keysMaxAgeMs: 120_000 })
    cleanups.push(() => idp.close(), () => cache.close())
    const v = cache.verifier({ issuer: idp.issuer, audience: [API_AUDIENCE] })
    const t1 = await idp.accessToken()
    assert.equal(headerOf(t1).kid, k1.kid)
    assert.equal(reasonOf(await v.verify(t1)), 'ok')
    assert.equal(idp.jwksHits(), 1)

    // The IdP restarts with a new signing key and still publishes the old one during the overlap.
    const k2 = signingKey()
    idp.rotate([k2, k1])
    const t2 = await idp.accessToken()
    assert.equal(headerOf(t2).kid, k2.kid)
    // Within the interval of the last fetch the unknown kid is refused without asking the IdP again.
    clock.advance(10_000)
    const early = await v.verify(t2)
    assert.equal(reasonOf(early), 'unknown_kid')
    assert.match(early.ok ? '' : early.wwwAuthenticate, /error_description="no key of the issuer matches the token kid"/)
    assert.equal(idp.jwksHits(), 1)
    clock.advance(20_000)
    assert.equal(reasonOf(await v.verify(t2)), 'ok')
    assert.equal(reasonOf(await v.verify(t1)), 'ok')
    assert.equal(idp.jwksHits(), 2)

    // The overlap ends: only k2 is published. Cached keys age out and the refresh drops k1.
    idp.rotate([k2])
    clock.advance(60_000)
    assert.equal(reasonOf(await v.verify(t1)), 'ok', 'k1 is still cached and fresh')
    assert.equal(idp.jwksHits(), 2)
    clock.advance(60_000)
    assert.equal(reasonOf(await v.verify(t1)), 'ok', 'aged keys serve while they are refreshed in the background')
    await cache.idle()
    assert.equal(idp.jwksHits(), 3)
    assert.equal(reasonOf(await v.verify(t1)), 'unknown_kid')
    assert.equal(reasonOf(await v.verify(t2)), 'ok')
    assert.equal(idp.jwksHits(), 3)
    assert.equal(idp.discoveryHits(), 1)
  })

  test('a flood of made-up kids triggers at most one JWKS refetch per interval', async () => {
    const clock = manualClock()
    const idp = await startIdp()
    const cache = new JwksCache({ nowMs: clock.now, minRefreshIntervalMs: 30_000 })
    cleanups.push(() => idp.close(), () => cache.close())
    const v = cache.verifier({ issuer: idp.issuer, audience: [API_AUDIENCE] })
    const token = await idp.accessToken()
    assert.equal(reasonOf(await v.verify(token)), 'ok')
    assert.equal(idp.jwksHits(), 1)
    const bogus = (i: number): string => withHeader(token, { alg: 'RS256', kid: `bogus-${i}` })

    clock.advance(30_000)
    const burst = await Promise.all(Array.from({ length: 200 }, (_, i) => v.verify(bogus(i))))
    assert.deepEqual(new Set(burst.map(reasonOf)), new Set(['unknown_kid']))
    for (let i = 200; i < 250; i++) {
      clock.advance(100)
      const r = await v.verify(bogus(i))
      assert.equal(r.ok ? 0 : r.status, 401)
    }
    assert.equal(idp.jwksHits(), 2, 'one refetch for the whole burst and the trickle after it')
    clock.advance(30_000)
    for (let i = 250; i < 300; i++) await v.verify(bogus(i))
    assert.equal(idp.jwksHits(), 3)
    assert.equal(reasonOf(await v.verify(token)), 'ok', 'the real key kept working throughout')
    assert.equal(idp.discoveryHits(), 1)
  })

  test('an unreachable IdP answers 401 without waiting out a timeout; keys already cached keep working, even past their age', async () => {
    const clock = manualClock()
    const idp = await startIdp()
    const warm = new JwksCache({ nowMs: clock.now, keysMaxAgeMs: 60_000 })
    cleanups.push(() => idp.close(), () => warm.close())
    const token = await idp.accessToken()
    const v = warm.verifier({ issuer: idp.issuer, audience: [API_AUDIENCE] })
    assert.equal(reasonOf(await v.verify(token)), 'ok')
    await idp.down()

    // No timeout can end these fetches: a refused connection must fail them by itself.
    const cold = new JwksCache({ discoveryTimeoutMs: NEVER_MS, jwksTimeoutMs: NEVER_MS })
    cleanups.push(() => cold.close())
    const r = await cold.verifier({ issuer: idp.issuer, audience: [API_AUDIENCE] }).verify(token)
    assert.doesNotMatch(detailOf(r), /did not answer within/, 'connection refused is not waited out')
    assert.equal(reasonOf(r), 'keys_unavailable')
    assert.equal(r.ok ? 0 : r.status, 401)
    assert.match(r.ok ? '' : r.wwwAuthenticate, /error_description="the signing keys of the issuer could not be fetched"/)
    assert.match(detailOf(r), /openid-configuration could not be fetched \((ECONNREFUSED|UND_ERR_SOCKET)\)/)

    assert.equal(reasonOf(await v.verify(token)), 'ok')
    clock.advance(61_000)
    assert.equal(reasonOf(await v.verify(token)), 'ok', 'aged keys serve while the refresh fails')
    await warm.idle()
    assert.equal(reasonOf(await v.verify(token)), 'ok', 'and after it failed')
  })

  test('aged keys are refreshed in the background: a hanging IdP delays no verification', async () => {
    const clock = manualClock()
    const idp = await startIdp()
    const cache = new JwksCache({ nowMs: clock.now, keysMaxAgeMs: 60_000, jwksTimeoutMs: NEVER_MS })
    cleanups.push(() => idp.close(), () => cache.close())
    const token = await idp.accessToken()
    const v = cache.verifier({ issuer: idp.issuer, audience: [API_AUDIENCE] })
    assert.equal(reasonOf(await v.verify(token)), 'ok')
    // The IdP holds the refresh until the test releases it: a verification that waited for it would never finish.
    idp.setMode('hang')
    clock.advance(61_000)
    const results = await Promise.all(Array.from({ length: 5 }, () => v.verify(token)))
    await eventually(() => idp.held() === 1, undefined, 'the background refresh to reach the IdP')
    assert.equal(idp.held(), 1, 'nobody waited for the refresh, which is still held')
    assert.deepEqual(new Set(results.map(reasonOf)), new Set(['ok']))
    idp.release()
    await cache.idle()
    assert.equal(idp.jwksHits(), 2, 'one background refresh for all of them')
    assert.equal(reasonOf(await v.verify(token)), 'ok')
  })

  test('an IdP that never answers is given up on after the 1500 ms default timeout', async () => {
    const idp = await startIdp()
    cleanups.push(() => idp.close())
    const token = await idp.accessToken()
    idp.setMode('hang')
    const cache = new JwksCache()
    cleanups.push(() => cache.close())
    const started = performance.now()
    const r = await cache.verifier({ issuer: idp.issuer, audience: [API_AUDIENCE] }).verify(token)
    const elapsed = performance.now() - started
    assert.equal(reasonOf(r), 'keys_unavailable')
    assert.match(detailOf(r), /OpenID discovery .* did not answer within 1500 ms/)
    // Not before the timeout (a busy machine may take longer, never less).
    assert.ok(elapsed >= 1400, `gave up after ${elapsed} ms`)
  })

  test('the JWKS fetch has its own timeout after discovery succeeds', async () => {
    const idp = await startIdp()
    cleanups.push(() => idp.close())
    const token = await idp.accessToken()
    idp.setMode('hang-jwks')
    // Discovery has no reachable timeout: only the JWKS fetch's own 200 ms can end this.
    const cache = new JwksCache({ discoveryTimeoutMs: NEVER_MS, jwksTimeoutMs: 200 })
    cleanups.push(() => cache.close())
    const started = performance.now()
    const r = await cache.verifier({ issuer: idp.issuer, audience: [API_AUDIENCE] }).verify(token)
    assert.equal(reasonOf(r), 'keys_unavailable')
    assert.match(detailOf(r), /JWKS .*\/jwks did not answer within 200 ms/)
    assert.ok(performance.now() - started >= 190, 'not before the JWKS timeout')
  })

  test('close() ends a pending fetch at once and refuses later tokens', async () => {
    const idp = await startIdp()
    cleanups.push(() => idp.close())
    const token = await idp.accessToken()
    idp.setMode('hang')
    // No timeout can end the fetch: only close() can.
    const cache = new JwksCache({ discoveryTimeoutMs: NEVER_MS, jwksTimeoutMs: NEVER_MS })
    const pending = cache.verifier({ issuer: idp.issuer, audience: [API_AUDIENCE] }).verify(token)
    setImmediate(() => cache.close())
    const r = await pending
    assert.equal(reasonOf(r), 'keys_unavailable')
    assert.match(detailOf(r), /closed/)
    assert.doesNotMatch(detailOf(r), /did not answer within/)
    assert.equal(reasonOf(await cache.verifier({ issuer: idp.issuer, audience: [API_AUDIENCE] }).verify(token)), 'keys_unavailable')
  })
})

describe('JWKS size cap and bad key documents', () => {
  const exp = (): number => Math.floor(Date.now() / 1000) + 300

  test('a JWKS of 150000 bytes is read; one byte more is refused, with or without content-length', async () => {
    const idp = await startStaticIdp()
    cleanups.push(() => idp.close())
    const token = await idp.sign({ iss: idp.issuer, aud: 'api', exp: exp() })
    const verifyFresh = async (): Promise<JwtResult> => {
      const cache = new JwksCache()
      try {
        return await cache.verifier({ issuer: idp.issuer, audience: ['api'] }).verify(token)
      } finally {
        cache.close()
      }
    }
    const padded = (size: number): string => idp.jwksJson + ' '.repeat(size - Buffer.byteLength(idp.jwksJson))
    for (const chunked of [false, true]) {
      idp.setJwksBody(padded(150_000), { chunked })
      assert.equal(reasonOf(await verifyFresh()), 'ok', `150000 bytes, chunked: ${chunked}`)
      idp.setJwksBody(padded(150_001), { chunked })
      const r = await verifyFresh()
      assert.equal(reasonOf(r), 'keys_unavailable', `150001 bytes, chunked: ${chunked}`)
      assert.equal(r.ok ? 0 : r.status, 401)
      assert.match(detailOf(r), /JWKS .* is larger than 150000 bytes/)
    }
  })

  test('a JWKS that is not JSON, has no keys array or answers 500 is refused; a fixed one is retried after 5 s', async () => {
    const clock = manualClock()
    const idp = await startStaticIdp()
    cleanups.push(() => idp.close())
    const token = await idp.sign({ iss: idp.issuer, aud: 'api', exp: exp() })
    const cases: Array<[string, number, RegExp]> = [
      ['not json', 200, /is not JSON/],
      ['{"keys":"none"}', 200, /has no "keys" array/],
      ['{"message":"boom"}', 500, /answered HTTP 500/],
    ]
    for (const [body, status, detail] of cases) {
      idp.setJwksBody(body, { status })
      const cache = new JwksCache()
      const r = await cache.verifier({ issuer: idp.issuer, audience: ['api'] }).verify(token)
      cache.close()
      assert.equal(reasonOf(r), 'keys_unavailable', body)
      assert.match(detailOf(r), detail)
    }

    idp.setJwksBody('not json')
    const cache = new JwksCache({ nowMs: clock.now })
    cleanups.push(() => cache.close())
    const v = cache.verifier({ issuer: idp.issuer, audience: ['api'] })
    assert.equal(reasonOf(await v.verify(token)), 'keys_unavailable')
    const hits = idp.jwksHits()
    idp.setJwksBody(undefined)
    clock.advance(1_000)
    assert.equal(reasonOf(await v.verify(token)), 'keys_unavailable', 'no retry within 5 s of a failure')
    assert.equal(idp.jwksHits(), hits)
    clock.advance(4_000)
    assert.equal(reasonOf(await v.verify(token)), 'ok')
    assert.equal(idp.jwksHits(), hits + 1)
  })
})
