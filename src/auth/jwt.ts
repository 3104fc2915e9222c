// Token verification for JWT authorizers (HTTP APIs, docs/aws-behaviour.md §3.6) and Cognito user pool
// authorizers (REST, §7.4): the token from an identity source, a per-issuer cache of discovery and JWKS,
// signature and claim checks, and the 401/403 answers with their `www-authenticate` challenge.

import { compactVerify } from 'jose'
import { ConfigError, type ConfigProblem } from '../errors.js'
import { compileRegex, RegexSyntaxError, type UserRegex } from '../regex/index.js'
import { fetchJsonBounded, jwksUriOf, KeySourceError, rsaKeysOf, type SigningKey } from './jwks-fetch.js'

export { cognitoIssuer, parseUserPoolArn, resolveCognitoIssuer, stringifyClaims } from './cognito.js'
export type { CognitoIssuerOverrides, UserPoolArn } from './cognito.js'
export { KeySourceError } from './jwks-fetch.js'

/** The only signature algorithms AWS accepts: RSA PKCS#1 v1.5 (§3.6 step 4; PS* and EC are refused [K]). */
export const RSA_ALGORITHMS: readonly string[] = Object.freeze(['RS256', 'RS384', 'RS512'])
/** Leeway for `exp`, `nbf` and `iat`, so a local clock a few seconds off a remote IdP's does not refuse fresh tokens. */
export const DEFAULT_CLOCK_SKEW_SECONDS = 5
/** Discovery and JWKS fetch timeouts, and the JWKS size cap (§11.3). */
export const DEFAULT_FETCH_TIMEOUT_MS = 1500
export const DEFAULT_MAX_JWKS_BYTES = 150_000
/** Refetches of an issuer's JWKS (for an unknown `kid`, or stale keys) are at least this far apart. */
export const DEFAULT_MIN_REFRESH_INTERVAL_MS = 30_000
/** After a failed fetch, an issuer with no cached keys is retried this soon (an IdP that starts after us). */
export const DEFAULT_FAILURE_RETRY_MS = 5_000
/** Cached keys older than this are refreshed in the background; they keep serving meanwhile, and if that fails. */
export const DEFAULT_KEYS_MAX_AGE_MS = 600_000

export interface JwtAuthorizerConfig {
  /**
   * The issuer tokens must name in `iss` exactly; its `/.well-known/openid-configuration` leads to the keys.
   * Several issuers (a Cognito authorizer with several `providerARNs`): the token's `iss` picks one.
   */
  issuer: string | readonly string[]
  /** `aud` (or, when a token has no `aud`, `client_id`) must be one of these. Cognito mode: empty skips the check. */
  audience: readonly string[]
  /**
   * Cognito user pool mode (REST §7.4): `token_use` must be `id` when the method has no scopes and `access`
   * when it has some (or always `tokenUse` when set); a scope failure is 401, not 403.
   * `identityValidationExpression` is the authorizer's regex, matched (whole, Java syntax) against `aud`.
   */
  cognito?: { tokenUse?: 'id' | 'access'; identityValidationExpression?: string }
  /** Leeway in seconds for `exp`, `nbf` and `iat`; default {@link DEFAULT_CLOCK_SKEW_SECONDS}. */
  clockSkewSeconds?: number
}

/** Why a token was refused; stable codes for logs and `$context.authorizer.error`. */
export type JwtFailureReason =
  | 'missing_token'
  | 'malformed'
  | 'unsupported_algorithm'
  | 'missing_kid'
  | 'unknown_kid'
  | 'keys_unavailable'
  | 'bad_signature'
  | 'bad_issuer'
  | 'bad_audience'
  | 'missing_exp'
  | 'expired'
  | 'not_yet_valid'
  | 'issued_in_future'
  | 'bad_token_use'
  | 'identity_validation'
  | 'insufficient_scope'

export type JwtResult =
  | { ok: true; claims: Record<string, unknown>; scopes: string[] }
  | {
      ok: false
      status: 401 | 403
      /** The `www-authenticate` header value, e.g. `Bearer scope="" error="invalid_token" error_description="the token has expired"`. */
      wwwAuthenticate: string
      reason: JwtFailureReason
      /** The `error_description` in the header. */
      description: string
      /** More for the log: the URL that failed, the claim value that was wrong. Never sent to clients. */
      detail?: string
    }

export interface JwtVerifyOptions {
  /** The route's `authorizationScopes`: the token needs at least one of them. */
  scopes?: readonly string[]
  /** The clock for `exp`/`nbf`/`iat`; default the cache's clock. */
  nowMs?: number
}

export interface JwtVerifier {
  /** Verifies a token (already taken out of the identity source, see {@link extractToken}). Never throws. */
  verify(token: string | undefined, opts?: JwtVerifyOptions): Promise<JwtResult>
}

export interface JwksCacheOptions {
  fetch?: typeof fetch
  /** Default 1500 (§11.3). */
  discoveryTimeoutMs?: number
  /** Default 1500 (§11.3). */
  jwksTimeoutMs?: number
  /** Default 150000 (§11.3). */
  maxJwksBytes?: number
  /** Default {@link DEFAULT_MIN_REFRESH_INTERVAL_MS}. */
  minRefreshIntervalMs?: number
  /** Default {@link DEFAULT_FAILURE_RETRY_MS} (capped by `minRefreshIntervalMs`). */
  failureRetryMs?: number
  /** Default {@link DEFAULT_KEYS_MAX_AGE_MS}. */
  keysMaxAgeMs?: number
  nowMs?: () => number
}

/**
 * The token in an identity-source value: the bare token or `Bearer <token>` (§3.6 step 1; the scheme
 * name is matched case-insensitively). Undefined when the value is missing or blank.
 *
 * @example
 * extractToken('Bearer eyJ...') // 'eyJ...'
 * extractToken('eyJ...')        // 'eyJ...'
 */
export function extractToken(value: string | undefined): string | undefined {
  if (value === undefined) return undefined
  const v = value.trim()
  const m = /^bearer(?:\s+(.*))?$/i.exec(v)
  const token = m === null ? v : (m[1] ?? '').trim()
  return token === '' ? undefined : token
}

interface IssuerState {
  jwksUri: string | undefined
  keys: Map<string, SigningKey> | undefined
  fetchedAt: number
  lastAttemptAt: number | undefined
  lastFailed: boolean
  lastError: string | undefined
  inflight: Promise<void> | undefined
}

type KeyLookup = { key: SigningKey } | { reason: 'unknown_kid' | 'keys_unavailable'; detail: string }

/**
 * Discovery documents and signing keys per issuer, shared by every verifier made from it. Concurrent
 * verifications share one in-flight fetch; an unknown `kid` refetches the JWKS (key rotation) at most once
 * per `minRefreshIntervalMs`, so a flood of made-up kids cannot flood the IdP; keys already cached keep
 * working while the IdP is unreachable. Keys older than `keysMaxAgeMs` are refetched in the background,
 * which is how a key the IdP has withdrawn stops being accepted. The discovery document is fetched again
 * only after a JWKS fetch fails.
 *
 * @example
 * const cache = new JwksCache()
 * const verifier = cache.verifier({ issuer: 'https://idp.example', audience: ['api'] })
 * const result = await verifier.verify(extractToken(req.headers.authorization), { scopes: ['read'] })
 */
export class JwksCache {
  readonly #fetch: typeof fetch
  readonly #discoveryTimeoutMs: number
  readonly #jwksTimeoutMs: number
  readonly #maxJwksBytes: number
  readonly #minRefreshMs: number
  readonly #failureRetryMs: number
  readonly #keysMaxAgeMs: number
  readonly #now: () => number
  readonly #issuers = new Map<string, IssuerState>()
  readonly #closing = new AbortController()

  constructor(opts: JwksCacheOptions = {}) {
    this.#fetch = opts.fetch ?? globalThis.fetch
    this.#discoveryTimeoutMs = opts.discoveryTimeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS
    this.#jwksTimeoutMs = opts.jwksTimeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS
    this.#maxJwksBytes = opts.maxJwksBytes ?? DEFAULT_MAX_JWKS_BYTES
    this.#minRefreshMs = opts.minRefreshIntervalMs ?? DEFAULT_MIN_REFRESH_INTERVAL_MS
    this.#failureRetryMs = Math.min(opts.failureRetryMs ?? DEFAULT_FAILURE_RETRY_MS, this.#minRefreshMs)
    this.#keysMaxAgeMs = opts.keysMaxAgeMs ?? DEFAULT_KEYS_MAX_AGE_MS
    this.#now = opts.nowMs ?? Date.now
  }

  /**
   * A verifier for one authorizer. Throws a ConfigError listing every problem in `cfg` (paths relative to
   * the config: `/issuer`, `/audience/0`, ...).
   */
  verifier(cfg: JwtAuthorizerConfig): JwtVerifier {
    return new Verifier({ key: (issuer, kid) => this.#key(issuer, kid), now: this.#now }, checkConfig(cfg))
  }

  /** Resolves once no fetch is in flight (background refreshes of aged keys included). */
  async idle(): Promise<void> {
    for (;;) {
      const pending = [...this.#issuers.values()].flatMap((st) => (st.inflight === undefined ? [] : [st.inflight]))
      if (pending.length === 0) return
      await Promise.all(pending)
    }
  }

  /** Aborts in-flight fetches and forgets every key; later verifications answer 401. */
  close(): void {
    this.#closing.abort()
    this.#issuers.clear()
  }

  /** The key `kid` of `issuer`, fetching or refetching the JWKS when allowed. */
  async #key(issuer: string, kid: string): Promise<KeyLookup> {
    if (this.#closing.signal.aborted) return { reason: 'keys_unavailable', detail: 'the key cache is closed' }
    let st = this.#issuers.get(issuer)
    if (st === undefined) {
      st = { jwksUri: undefined, keys: undefined, fetchedAt: 0, lastAttemptAt: undefined, lastFailed: false, lastError: undefined, inflight: undefined }
      this.#issuers.set(issuer, st)
    }
    const cached = st.keys?.get(kid)
    if (cached !== undefined) {
      // Aged keys are refreshed in the background and serve meanwhile: a slow or absent IdP delays no one.
      if (this.#now() - st.fetchedAt >= this.#keysMaxAgeMs && st.inflight === undefined && this.#mayAttempt(st)) void this.#startRefresh(issuer, st)
      return { key: cached }
    }
    if (st.inflight !== undefined) await st.inflight
    else if (this.#mayAttempt(st)) await this.#startRefresh(issuer, st)
    const key = st.keys?.get(kid)
    if (key !== undefined) return { key }
    if (st.keys === undefined) return { reason: 'keys_unavailable', detail: st.lastError ?? `no keys fetched yet for ${issuer}` }
    return {
      reason: 'unknown_kid',
      detail: `kid ${JSON.stringify(kid)} is not among ${st.keys.size} RSA key(s) of ${st.jwksUri ?? issuer}` + (st.lastFailed && st.lastError !== undefined ? `; the last refetch failed: ${st.lastError}` : ''),
    }
  }

  #startRefresh(issuer: string, st: IssuerState): Promise<void> {
    const p = this.#refresh(issuer, st).finally(() => {
      if (st.inflight === p) st.inflight = undefined
    })
    st.inflight = p
    return p
  }

  #mayAttempt(st: IssuerState): boolean {
    if (st.lastAttemptAt === undefined) return true
    const gap = st.keys === undefined && st.lastFailed ? this.#failureRetryMs : this.#minRefreshMs
    return this.#now() - st.lastAttemptAt >= gap
  }

  async #refresh(issuer: string, st: IssuerState): Promise<void> {
    st.lastAttemptAt = this.#now()
    const signal = this.#closing.signal
    try {
      if (st.jwksUri === undefined) {
        // OpenID Discovery §4: the path is appended to the issuer without its trailing slash.
        const discoveryUrl = `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`
        const doc = await fetchJsonBounded(discoveryUrl, { fetch: this.#fetch, timeoutMs: this.#discoveryTimeoutMs, maxBytes: this.#maxJwksBytes, signal, what: 'OpenID discovery' })
        st.jwksUri = jwksUriOf(doc, discoveryUrl)
      }
      const jwks = await fetchJsonBounded(st.jwksUri, { fetch: this.#fetch, timeoutMs: this.#jwksTimeoutMs, maxBytes: this.#maxJwksBytes, signal, what: 'JWKS' })
      st.keys = rsaKeysOf(jwks, st.jwksUri)
      st.fetchedAt = this.#now()
      st.lastFailed = false
      st.lastError = undefined
    } catch (e) {
      st.lastFailed = true
      st.lastError = e instanceof KeySourceError ? e.message : `fetching the keys of ${issuer} failed: ${(e as Error).message}`
      // The JWKS may have moved; the next attempt starts again from discovery.
      st.jwksUri = undefined
    }
  }
}

interface CheckedConfig {
  issuers: readonly string[]
  audience: ReadonlySet<string>
  cognito: { tokenUse: 'id' | 'access' | undefined; audiencePattern: UserRegex | undefined } | undefined
  skewSeconds: number
}

function checkConfig(cfg: JwtAuthorizerConfig): CheckedConfig {
  const problems: ConfigProblem[] = []
  const issuers = typeof cfg.issuer === 'string' ? [cfg.issuer] : Array.isArray(cfg.issuer) ? (cfg.issuer as readonly unknown[]) : []
  if (issuers.length === 0) problems.push({ path: '/issuer', message: 'An issuer URL is required' })
  issuers.forEach((iss, i) => {
    const path = typeof cfg.issuer === 'string' ? '/issuer' : `/issuer/${i}`
    let url: URL | undefined
    try {
      url = typeof iss === 'string' ? new URL(iss) : undefined
    } catch {
      url = undefined
    }
    if (url === undefined || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
      problems.push({ path, message: `The issuer must be an http(s) URL, got ${JSON.stringify(iss)}` })
    }
  })
  const audience = Array.isArray(cfg.audience) ? (cfg.audience as readonly unknown[]) : undefined
  if (audience === undefined) problems.push({ path: '/audience', message: 'audience must be a list of strings' })
  else {
    audience.forEach((a, i) => {
      if (typeof a !== 'string' || a === '') problems.push({ path: `/audience/${i}`, message: `An audience must be a non-empty string, got ${JSON.stringify(a)}` })
    })
    if (audience.length > 50) problems.push({ path: '/audience', message: 'A JWT authorizer allows at most 50 audiences' })
    if (audience.length === 0 && cfg.cognito === undefined) problems.push({ path: '/audience', message: 'A JWT authorizer needs at least one audience' })
  }
  const skew = cfg.clockSkewSeconds ?? DEFAULT_CLOCK_SKEW_SECONDS
  if (typeof skew !== 'number' || !Number.isFinite(skew) || skew < 0) problems.push({ path: '/clockSkewSeconds', message: 'clockSkewSeconds must be a number of seconds, 0 or more' })
  let cognito: CheckedConfig['cognito']
  if (cfg.cognito !== undefined) {
    const tokenUse = cfg.cognito.tokenUse
    if (tokenUse !== undefined && tokenUse !== 'id' && tokenUse !== 'access') problems.push({ path: '/cognito/tokenUse', message: 'tokenUse must be "id" or "access"' })
    let audiencePattern: UserRegex | undefined
    const expr = cfg.cognito.identityValidationExpression
    if (expr !== undefined && expr !== '') {
      try {
        // A Java pattern, run on RE2; Pattern.matches: the whole value must match.
        audiencePattern = compileRegex(expr, 'java')
      } catch (e) {
        if (!(e instanceof RegexSyntaxError)) throw e
        problems.push({ path: '/cognito/identityValidationExpression', message: e.message })
      }
    }
    cognito = { tokenUse, audiencePattern }
  }
  if (problems.length > 0) throw new ConfigError(problems)
  return { issuers: issuers as string[], audience: new Set(audience as string[]), cognito, skewSeconds: skew }
}

const DESCRIPTIONS: Record<JwtFailureReason, string> = {
  missing_token: 'the token is missing',
  malformed: 'the token is not a well-formed signed JWT',
  unsupported_algorithm: 'the token is not signed with RS256, RS384 or RS512',
  missing_kid: 'the token header has no kid',
  unknown_kid: 'no key of the issuer matches the token kid',
  keys_unavailable: 'the signing keys of the issuer could not be fetched',
  bad_signature: 'the token signature is invalid',
  bad_issuer: 'the token does not have a valid issuer',
  bad_audience: 'the token does not have a valid audience',
  missing_exp: 'the token has no expiry time',
  expired: 'the token has expired',
  not_yet_valid: 'the token is not valid yet',
  issued_in_future: 'the token was issued in the future',
  bad_token_use: 'the token is not of the required token_use',
  identity_validation: 'the token audience does not match the identity validation expression',
  insufficient_scope: 'the token does not have a required scope',
}

function quoted(s: string): string {
  return s.replace(/[\\"]/g, (c) => `\\${c}`)
}

interface KeySource {
  key(issuer: string, kid: string): Promise<KeyLookup>
  now(): number
}

class Verifier implements JwtVerifier {
  readonly #keys: KeySource
  readonly #cfg: CheckedConfig

  constructor(keys: KeySource, cfg: CheckedConfig) {
    this.#keys = keys
    this.#cfg = cfg
  }

  async verify(token: string | undefined, opts: JwtVerifyOptions = {}): Promise<JwtResult> {
    const routeScopes = opts.scopes ?? []
    const fail = (reason: JwtFailureReason, detail?: string): JwtResult => {
      // Cognito authorizers answer every failure, scopes included, with 401 (§2 step 5, §7.4).
      const scopeFailure = reason === 'insufficient_scope' && this.#cfg.cognito === undefined
      const description = DESCRIPTIONS[reason]
      // [K] §3.6: `scope` lists the route's scopes (empty for a route without any, as in AWS's example).
      const wwwAuthenticate = `Bearer scope="${quoted(routeScopes.join(' '))}" error="${scopeFailure ? 'insufficient_scope' : 'invalid_token'}" error_description="${quoted(description)}"`
      const r: JwtResult = { ok: false, status: scopeFailure ? 403 : 401, wwwAuthenticate, reason, description }
      if (detail !== undefined) r.detail = detail
      return r
    }
    try {
      return await this.#verify(token, routeScopes, opts.nowMs ?? this.#keys.now(), fail)
    } catch (e) {
      // Nothing below is expected to throw; if it does, the caller is refused, not crashed.
      return fail('malformed', `verification failed unexpectedly: ${(e as Error).message}`)
    }
  }

  async #verify(token: string | undefined, routeScopes: readonly string[], nowMs: number, fail: (reason: JwtFailureReason, detail?: string) => JwtResult): Promise<JwtResult> {
    if (token === undefined || token.trim() === '') return fail('missing_token')
    const parts = token.split('.')
    if (parts.length !== 3) return fail('malformed', `a signed JWT has 3 dot-separated parts, this one has ${parts.length}`)
    const header = decodeSegment(parts[0]!)
    if (header === undefined) return fail('malformed', 'the header is not base64url-encoded JSON')
    const claims = decodeSegment(parts[1]!)
    if (claims === undefined) return fail('malformed', 'the payload is not base64url-encoded JSON')
    const alg = header.alg
    if (typeof alg !== 'string' || !RSA_ALGORITHMS.includes(alg)) return fail('unsupported_algorithm', `alg ${JSON.stringify(alg)}`)
    const kid = header.kid
    if (typeof kid !== 'string' || kid === '') return fail('missing_kid')
    // The issuer is checked before any key lookup: a token naming another issuer costs the IdP nothing.
    const iss = claims.iss
    const issuer = this.#cfg.issuers.find((i) => i === iss)
    if (issuer === undefined) return fail('bad_issuer', `iss ${JSON.stringify(iss)}, expected ${this.#cfg.issuers.map((i) => JSON.stringify(i)).join(' or ')}`)

    const found = await this.#keys.key(issuer, kid)
    if (!('key' in found)) return fail(found.reason, found.detail)
    if (found.key.alg !== undefined && found.key.alg !== alg) return fail('bad_signature', `key ${kid} is for ${found.key.alg}, the token says ${alg}`)
    try {
      await compactVerify(token, found.key.key, { algorithms: [alg] })
    } catch (e) {
      const code = (e as { code?: string }).code
      if (code === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED') return fail('bad_signature')
      return fail('malformed', (e as Error).message)
    }

    const skew = this.#cfg.skewSeconds
    const now = nowMs / 1000
    const exp = claims.exp
    if (exp === undefined) return fail('missing_exp')
    if (typeof exp !== 'number') return fail('malformed', `exp ${JSON.stringify(exp)} is not a number`)
    if (now >= exp + skew) return fail('expired', `exp ${new Date(exp * 1000).toISOString()}`)
    for (const name of ['nbf', 'iat'] as const) {
      const t = claims[name]
      if (t === undefined) continue
      if (typeof t !== 'number') return fail('malformed', `${name} ${JSON.stringify(t)} is not a number`)
      if (t > now + skew) return fail(name === 'nbf' ? 'not_yet_valid' : 'issued_in_future', `${name} ${new Date(t * 1000).toISOString()}`)
    }

    const audienceFailure = this.#checkAudience(claims)
    if (audienceFailure !== undefined) return fail(audienceFailure.reason, audienceFailure.detail)

    const cognito = this.#cfg.cognito
    if (cognito !== undefined) {
      const wanted = cognito.tokenUse ?? (routeScopes.length > 0 ? 'access' : 'id')
      if (claims.token_use !== wanted) return fail('bad_token_use', `token_use ${JSON.stringify(claims.token_use)}, this method needs ${JSON.stringify(wanted)}`)
    }

    const scopes = tokenScopes(claims)
    if (routeScopes.length > 0 && !routeScopes.some((s) => scopes.includes(s))) {
      return fail('insufficient_scope', `token scopes [${scopes.join(' ')}], route scopes [${routeScopes.join(' ')}]`)
    }
    return { ok: true, claims, scopes }
  }

  #checkAudience(claims: Record<string, unknown>): { reason: JwtFailureReason; detail: string } | undefined {
    const cognito = this.#cfg.cognito
    const auds = claims.aud === undefined ? undefined : (Array.isArray(claims.aud) ? claims.aud : [claims.aud]).filter((a): a is string => typeof a === 'string')
    if (cognito?.audiencePattern !== undefined) {
      // The expression tests `aud`, which Cognito access tokens lack: they are refused (§7.4).
      const pattern = cognito.audiencePattern
      if (auds === undefined || !auds.some((a) => pattern.matches(a))) return { reason: 'identity_validation', detail: `aud ${JSON.stringify(claims.aud)}` }
    }
    if (this.#cfg.audience.size === 0) return undefined
    // AWS: `client_id` is consulted only when the token has no `aud`; with both, `aud` decides.
    if (auds !== undefined) {
      return auds.some((a) => this.#cfg.audience.has(a)) ? undefined : { reason: 'bad_audience', detail: `aud ${JSON.stringify(claims.aud)}` }
    }
    const clientId = claims.client_id
    return typeof clientId === 'string' && this.#cfg.audience.has(clientId) ? undefined : { reason: 'bad_audience', detail: `no aud, client_id ${JSON.stringify(clientId)}` }
  }
}

/** The token's scopes: the space-delimited `scope` claim and the `scp` claim (an array or a string). */
function tokenScopes(claims: Record<string, unknown>): string[] {
  const out = new Set<string>()
  for (const name of ['scope', 'scp'] as const) {
    const v = claims[name]
    const list = typeof v === 'string' ? v.split(' ') : Array.isArray(v) ? v : []
    for (const s of list) if (typeof s === 'string' && s !== '') out.add(s)
  }
  return [...out]
}

function decodeSegment(segment: string): Record<string, unknown> | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(segment)) return undefined
  try {
    const v = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8')) as unknown
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}
