// Bounded fetches of OpenID discovery documents and JWKS: our own timeout timer, a byte cap enforced while
// the body streams in, and import of the RSA signing keys (docs/aws-behaviour.md §3.6 step 3, §11.3).

import { createPublicKey, type KeyObject } from 'node:crypto'

/** Why fetching or reading an issuer's keys failed. */
export type KeySourceFailure = 'timeout' | 'too_large' | 'http_status' | 'network' | 'invalid' | 'closed'

/** A failed discovery or JWKS fetch; `message` names the URL and what went wrong. */
export class KeySourceError extends Error {
  readonly code: KeySourceFailure
  constructor(code: KeySourceFailure, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'KeySourceError'
    this.code = code
  }
}

export interface BoundedFetchOptions {
  fetch: typeof fetch
  /** Covers the whole exchange: connect, headers and body. */
  timeoutMs: number
  maxBytes: number
  /** Aborts the fetch when the owning cache closes. */
  signal: AbortSignal
  /** What is being fetched, for messages ("OpenID discovery", "JWKS"). */
  what: string
}

/** GET `url` and parse its body as JSON, within `timeoutMs` and `maxBytes`. */
export async function fetchJsonBounded(url: string, o: BoundedFetchOptions): Promise<unknown> {
  if (o.signal.aborted) throw new KeySourceError('closed', `${o.what} ${url}: the key cache is closed`)
  const ac = new AbortController()
  let timedOut = false
  // Our own timer rather than AbortSignal.timeout: it also bounds the body read and is cleared exactly.
  const timer = setTimeout(() => {
    timedOut = true
    ac.abort()
  }, o.timeoutMs)
  const onClose = (): void => ac.abort()
  o.signal.addEventListener('abort', onClose, { once: true })
  const failure = (e: unknown): KeySourceError => {
    if (e instanceof KeySourceError) return e
    if (timedOut) return new KeySourceError('timeout', `${o.what} ${url} did not answer within ${o.timeoutMs} ms`, { cause: e })
    if (o.signal.aborted) return new KeySourceError('closed', `${o.what} ${url}: the key cache is closed`, { cause: e })
    const cause = (e as { cause?: { code?: string; message?: string } }).cause
    const why = cause?.code ?? cause?.message ?? (e as Error).message
    return new KeySourceError('network', `${o.what} ${url} could not be fetched (${why})`, { cause: e })
  }
  try {
    let res: Response
    try {
      res = await o.fetch(url, { signal: ac.signal, headers: { accept: 'application/json' } })
    } catch (e) {
      throw failure(e)
    }
    if (!res.ok) {
      await res.body?.cancel().catch(() => undefined)
      throw new KeySourceError('http_status', `${o.what} ${url} answered HTTP ${res.status}`)
    }
    const tooLarge = (): KeySourceError =>
      new KeySourceError('too_large', `${o.what} ${url} is larger than ${o.maxBytes} bytes`)
    const declared = Number(res.headers.get('content-length') ?? NaN)
    if (declared > o.maxBytes) {
      await res.body?.cancel().catch(() => undefined)
      throw tooLarge()
    }
    const chunks: Uint8Array[] = []
    let total = 0
    if (res.body !== null) {
      const reader = res.body.getReader()
      try {
        for (;;) {
          const { done, value } = await reader.read()
          if (done) break
          total += value.byteLength
          // Checked while streaming: a chunked body has no content-length to refuse up front.
          if (total > o.maxBytes) {
            await reader.cancel().catch(() => undefined)
            throw tooLarge()
          }
          chunks.push(value)
        }
      } catch (e) {
        throw failure(e)
      }
    }
    const text = Buffer.concat(chunks).toString('utf8')
    try {
      return JSON.parse(text) as unknown
    } catch {
      throw new KeySourceError('invalid', `${o.what} ${url} is not JSON`)
    }
  } finally {
    clearTimeout(timer)
    o.signal.removeEventListener('abort', onClose)
  }
}

/** The `jwks_uri` of an OpenID discovery document, checked to be an http(s) URL. */
export function jwksUriOf(doc: unknown, discoveryUrl: string): string {
  const uri = isObject(doc) ? doc.jwks_uri : undefined
  if (typeof uri !== 'string') throw new KeySourceError('invalid', `OpenID discovery ${discoveryUrl} has no jwks_uri`)
  let parsed: URL
  try {
    parsed = new URL(uri)
  } catch {
    throw new KeySourceError('invalid', `OpenID discovery ${discoveryUrl} has an invalid jwks_uri ${JSON.stringify(uri)}`)
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new KeySourceError('invalid', `OpenID discovery ${discoveryUrl} has a jwks_uri that is not http(s): ${uri}`)
  }
  return parsed.href
}

/** A public signing key from a JWKS, with the algorithm the JWK pins it to, if any. */
export interface SigningKey {
  readonly kid: string
  readonly key: KeyObject
  readonly alg: string | undefined
}

/**
 * The RSA signing keys of a JWKS by `kid`. Keys of other types, keys marked `use: enc`, keys without a
 * `kid` and keys that do not import are left out: AWS verifies only RSA signatures and finds the key by
 * `kid` (§3.6 step 4). A document without a `keys` array is an error.
 */
export function rsaKeysOf(doc: unknown, jwksUrl: string): Map<string, SigningKey> {
  const keys = isObject(doc) ? doc.keys : undefined
  if (!Array.isArray(keys)) throw new KeySourceError('invalid', `JWKS ${jwksUrl} has no "keys" array`)
  const out = new Map<string, SigningKey>()
  for (const jwk of keys) {
    if (!isObject(jwk) || jwk.kty !== 'RSA' || typeof jwk.kid !== 'string' || jwk.kid === '') continue
    if (jwk.use !== undefined && jwk.use !== 'sig') continue
    if (typeof jwk.n !== 'string' || typeof jwk.e !== 'string') continue
    if (out.has(jwk.kid)) continue
    let key: KeyObject
    try {
      key = createPublicKey({ key: { kty: 'RSA', n: jwk.n, e: jwk.e }, format: 'jwk' })
    } catch {
      continue
    }
    out.set(jwk.kid, { kid: jwk.kid, key, alg: typeof jwk.alg === 'string' ? jwk.alg : undefined })
  }
  return out
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}
