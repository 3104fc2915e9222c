// Test identity providers on loopback: a real OpenID provider (oidc-provider) issuing JWT access tokens by
// client credentials and ID tokens by CIBA, with swappable signing keys and a switchable outage; plus a
// bare discovery+JWKS server for tokens the tests sign themselves (claim shapes oidc-provider never issues).

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto'
import Provider, { errors, type Adapter, type AdapterPayload, type AsymmetricSigningAlgorithm, type JWK } from 'oidc-provider'
import { SignJWT, type JWTPayload } from 'jose'

export const CLIENT_ID = 'svc'
export const CLIENT_SECRET = 'svc-secret'
/** The resource (audience) of RS256 access tokens. */
export const API_AUDIENCE = 'https://api.example'

/** Resources the provider serves, with the algorithm their access tokens are signed with. */
const RESOURCES: Record<string, AsymmetricSigningAlgorithm> = {
  [API_AUDIENCE]: 'RS256',
  'https://rs512.example': 'RS512',
  'https://ps.example': 'PS256',
  'https://es.example': 'ES256',
}

export type PrivateJwk = JWK & { kid: string }

/** A private RSA (default) or EC signing key as a JWK with a fresh kid. */
export function signingKey(kty: 'RSA' | 'EC' = 'RSA', kid = `${kty.toLowerCase()}-${randomUUID().slice(0, 8)}`): PrivateJwk {
  const { privateKey } = kty === 'RSA' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ec', { namedCurve: 'P-256' })
  return { ...(privateKey.export({ format: 'jwk' }) as JWK), kid }
}

/** Per-provider in-memory storage (the library's own one is process-wide and warns on every start). */
function memoryAdapter(): new (name: string) => Adapter {
  const store = new Map<string, AdapterPayload>()
  return class {
    readonly #name: string
    constructor(name: string) {
      this.#name = name
    }
    async upsert(id: string, payload: AdapterPayload): Promise<void> {
      store.set(`${this.#name}:${id}`, payload)
    }
    async find(id: string): Promise<AdapterPayload | undefined> {
      return store.get(`${this.#name}:${id}`)
    }
    async findByUserCode(): Promise<undefined> {
      return undefined
    }
    async findByUid(): Promise<undefined> {
      return undefined
    }
    async consume(id: string): Promise<void> {
      const p = store.get(`${this.#name}:${id}`)
      if (p !== undefined) p.consumed = Math.floor(Date.now() / 1000)
    }
    async destroy(id: string): Promise<void> {
      store.delete(`${this.#name}:${id}`)
    }
    async revokeByGrantId(): Promise<void> {}
  }
}

export type IdpMode = 'up' | 'hang' | 'hang-jwks'

export interface Idp {
  issuer: string
  /** Requests the IdP has seen, by path (`/.well-known/openid-configuration`, `/jwks`, `/token`, ...). */
  hits: Map<string, number>
  discoveryHits(): number
  jwksHits(): number
  /** The private keys currently signing (the first RSA key signs RS* tokens). */
  keys: PrivateJwk[]
  /** A client-credentials access token (a JWT) for `resource`, with `scope`. */
  accessToken(opts?: { scope?: string; resource?: string }): Promise<string>
  /** An ID token for `accountId` by CIBA: no browser, no interaction. Also returns its access token. */
  idToken(accountId: string): Promise<{ idToken: string; accessToken: string }>
  /** Replace the provider by one with the same issuer and these keys: a key rotation. */
  rotate(keys: PrivateJwk[]): void
  /** `hang`: accept connections and never answer; `hang-jwks`: answer all but the JWKS; `up`: serve. */
  setMode(mode: IdpMode): void
  /** How many requests are being held unanswered by a `hang` mode. */
  held(): number
  /** Back to `up`, and answer every held request now. */
  release(): void
  /** Stop listening: connections are refused from now on. */
  down(): Promise<void>
}

export interface IdpOptions {
  keys?: PrivateJwk[]
  /** Claims of the accounts ID tokens can be issued for; `sub` is the account id. */
  accounts?: Record<string, Record<string, unknown>>
  /** Extra claims for every access token (e.g. Cognito's `token_use: access`). */
  accessTokenClaims?: Record<string, unknown>
}

/** A real OpenID provider on 127.0.0.1 at an ephemeral port. */
export async function startIdp(opts: IdpOptions = {}): Promise<Idp & { close(): Promise<void> }> {
  const hits = new Map<string, number>()
  let mode: IdpMode = 'up'
  let handler: (req: IncomingMessage, res: ServerResponse) => void = () => undefined
  const held: Array<[IncomingMessage, ServerResponse]> = []
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname
    hits.set(path, (hits.get(path) ?? 0) + 1)
    if (mode === 'hang' || (mode === 'hang-jwks' && path === '/jwks')) {
      held.push([req, res])
      return
    }
    handler(req, res)
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const accounts = opts.accounts ?? {}
  let keys = opts.keys ?? [signingKey('RSA'), signingKey('EC')]
  let provider: Provider
  const pendingLogins = new Map<string, Promise<void>>()

  const build = (signing: PrivateJwk[]): Provider => {
    const p: Provider = new Provider(issuer, {
      adapter: memoryAdapter(),
      jwks: { keys: signing },
      cookies: { keys: ['test-only-cookie-key'] },
      clients: [
        {
          client_id: CLIENT_ID,
          client_secret: CLIENT_SECRET,
          grant_types: ['client_credentials', 'urn:openid:params:grant-type:ciba'],
          redirect_uris: [],
          response_types: [],
          backchannel_token_delivery_mode: 'poll',
        },
      ],
      scopes: ['openid', 'read', 'write', 'admin'],
      claims: { openid: ['sub', 'token_use', 'cognito:username', 'cognito:groups', 'email', 'email_verified', 'custom:role'] },
      findAccount: async (_ctx, id) => {
        const claims = accounts[id]
        if (claims === undefined) return undefined
        return { accountId: id, claims: async () => ({ ...claims, sub: id }) }
      },
      extraTokenClaims: async () => opts.accessTokenClaims,
      ttl: { AccessToken: 600, ClientCredentials: 600, IdToken: 3600, Grant: 600, BackchannelAuthenticationRequest: 600 },
      features: {
        devInteractions: { enabled: false },
        clientCredentials: { enabled: true },
        resourceIndicators: {
          enabled: true,
          defaultResource: () => API_AUDIENCE,
          useGrantedResource: () => true,
          getResourceServerInfo: (_ctx, resource) => {
            const alg = RESOURCES[resource]
            if (alg === undefined) throw new errors.InvalidTarget()
            return { scope: 'read write admin', audience: resource, accessTokenFormat: 'jwt', accessTokenTTL: 600, jwt: { sign: { alg } } }
          },
        },
        ciba: {
          enabled: true,
          processLoginHint: async (_ctx, hint) => hint,
          validateBindingMessage: async () => undefined,
          validateRequestContext: async () => undefined,
          verifyUserCode: async () => undefined,
          // The "authentication device" approves at once; the token request waits for it (no polling loop).
          triggerAuthenticationDevice: async (_ctx, request, account, client) => {
            const grant = new p.Grant({ accountId: account.accountId, clientId: client.clientId })
            grant.addOIDCScope('openid')
            grant.addResourceScope(API_AUDIENCE, 'read')
            await grant.save()
            pendingLogins.set(request.jti, Promise.resolve().then(() => p.backchannelResult(request, grant)))
          },
        },
      },
    })
    return p
  }
  const install = (signing: PrivateJwk[]): void => {
    keys = signing
    provider = build(signing)
    const cb = provider.callback()
    handler = (req, res) => void cb(req, res)
  }
  install(keys)

  const basic = `Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')}`
  const post = async (path: string, form: Record<string, string>): Promise<Record<string, unknown>> => {
    const res = await fetch(issuer + path, {
      method: 'POST',
      headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
    })
    const body = (await res.json()) as Record<string, unknown>
    if (res.status !== 200) throw new Error(`IdP ${path} answered ${res.status}: ${JSON.stringify(body)}`)
    return body
  }

  return {
    issuer,
    hits,
    discoveryHits: () => hits.get('/.well-known/openid-configuration') ?? 0,
    jwksHits: () => hits.get('/jwks') ?? 0,
    get keys() {
      return keys
    },
    async accessToken({ scope = 'read', resource } = {}) {
      const form: Record<string, string> = { grant_type: 'client_credentials', scope }
      if (resource !== undefined) form.resource = resource
      const body = await post('/token', form)
      return body.access_token as string
    },
    async idToken(accountId) {
      const started = await post('/backchannel', { scope: 'openid read', login_hint: accountId })
      const authReqId = started.auth_req_id as string
      // The BackchannelAuthenticationRequest's jti is the auth_req_id.
      await pendingLogins.get(authReqId)
      const body = await post('/token', { grant_type: 'urn:openid:params:grant-type:ciba', auth_req_id: authReqId })
      return { idToken: body.id_token as string, accessToken: body.access_token as string }
    },
    rotate: install,
    setMode(m) {
      mode = m
    },
    held: () => held.filter(([req]) => !req.socket.destroyed).length,
    release() {
      mode = 'up'
      for (const [req, res] of held.splice(0)) if (!req.socket.destroyed) handler(req, res)
    },
    down: () => closeServer(server),
    close: () => closeServer(server),
  }
}

function closeServer(server: Server): Promise<void> {
  return new Promise<void>((r) => {
    if (!server.listening) return r()
    server.close(() => r())
    server.closeAllConnections()
  })
}

export interface StaticIdp {
  issuer: string
  /** The signing key's kid, published in the JWKS. */
  kid: string
  jwksHits(): number
  /** A token signed with the published key; `header` overrides header fields. */
  sign(claims: JWTPayload, header?: { alg?: string; kid?: string }): Promise<string>
  /** What the JWKS endpoint answers from now on (default: the key set, as JSON, status 200). */
  setJwksBody(body: string | undefined, opts?: { chunked?: boolean; status?: number }): void
  /** The published JWKS as JSON text. */
  jwksJson: string
  close(): Promise<void>
}

/** A bare discovery + JWKS server with one RSA key the test signs with. */
export async function startStaticIdp(): Promise<StaticIdp> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const kid = `static-${randomUUID().slice(0, 8)}`
  const jwksJson = JSON.stringify({ keys: [{ ...(publicKey.export({ format: 'jwk' }) as JWK), kid, use: 'sig' }] })
  let jwksBody: string | undefined
  let chunked = false
  let status = 200
  let jwksHits = 0
  const server = createServer((req, res) => {
    if (req.url === '/.well-known/openid-configuration') {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ issuer, jwks_uri: `${issuer}/keys` }))
      return
    }
    if (req.url === '/keys') {
      jwksHits++
      const body = jwksBody ?? jwksJson
      if (chunked) {
        res.writeHead(status, { 'content-type': 'application/json' })
        for (let i = 0; i < body.length; i += 16_384) res.write(body.slice(i, i + 16_384))
        res.end()
      } else {
        res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) })
        res.end(body)
      }
      return
    }
    res.writeHead(404).end()
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    issuer,
    kid,
    jwksJson,
    jwksHits: () => jwksHits,
    sign: (claims, header = {}) => signWith(privateKey, claims, { alg: header.alg ?? 'RS256', kid: header.kid ?? kid }),
    setJwksBody(body, o = {}) {
      jwksBody = body
      chunked = o.chunked ?? false
      status = o.status ?? 200
    },
    close: () => closeServer(server),
  }
}

function signWith(key: KeyObject, claims: JWTPayload, header: { alg: string; kid: string }): Promise<string> {
  return new SignJWT(claims).setProtectedHeader(header).sign(key)
}

/** The decoded payload of a JWT, for assertions. */
export function payloadOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>
}

/** The decoded header of a JWT, for assertions. */
export function headerOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>
}

/** The same token with its header replaced (the signature no longer matches, which the tests rely on). */
export function withHeader(token: string, header: Record<string, unknown>): string {
  const [, payload, signature] = token.split('.')
  return `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${payload}.${signature}`
}

/** The same token with its payload replaced, keeping the original signature. */
export function withPayload(token: string, payload: Record<string, unknown>): string {
  const [header, , signature] = token.split('.')
  return `${header}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${signature}`
}
