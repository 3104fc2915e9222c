// Who may use the admin API.
//
// - `listeners.admin.credentials` (access key id + secret access key pairs): requests signed with AWS SigV4 by
//   the SDKs and CLI are verified against them (the project's verifier, src/auth/sigv4.ts; service
//   `apigateway`, any region), and a bad signature or an unknown key gets AWS's 403 and error type.
// - `listeners.admin.token`: sent as `Authorization: Bearer TOKEN`, or as the access key id of a SigV4 header
//   (then the signature is not checked: the token is the secret either way).
// With either configured, every admin API request must present one of them. With neither, the admin API is
// open on a loopback listener; on any other address it refuses requests that change something or reveal
// key values, and says how to configure credentials.

import { createHash, timingSafeEqual } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import { AdminApiError, bufferBody, type AdminErrorType } from './http.js'
import { INVALID_TOKEN_MESSAGE, parseSignature, verifySigV4, type SigV4Request } from '../../auth/sigv4.js'

/** An admin credential declared in the config file: what SigV4 requests are verified against. */
export interface AdminCredential {
  accessKeyId: string
  secretAccessKey: string
}

export interface AdminAuthConfig {
  /** `listeners.admin.token` as now configured (it may change on reload): the token every request must present. */
  token: () => string | undefined
  /** `listeners.admin.credentials` as now configured. */
  credentials?: () => readonly AdminCredential[] | undefined
  /** The address the admin listener is bound to (e.g. `127.0.0.1`, `0.0.0.0`). */
  boundHost: () => string | undefined
  /** The clock signatures are checked against (default: the system clock). */
  signatureClock?: () => number
}

/** The SigV4 service name both AWS control-plane clients sign with (apigateway and apigatewayv2). */
export const ADMIN_SIGNING_SERVICE = 'apigateway'

/** True for addresses only this machine can reach. */
export function isLoopback(host: string | undefined): boolean {
  if (host === undefined) return false
  const h = host.toLowerCase().replace(/^\[|\]$/g, '')
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h) || /^::ffff:127\.\d+\.\d+\.\d+$/.test(h)
}

const SIGV4_CREDENTIAL = /^AWS4-HMAC-SHA256\s.*?Credential=([^/,\s]+)\//

/** The token a request presents, if any: a bearer token or a SigV4 access key id. */
export function presentedToken(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization
  if (typeof header !== 'string') return undefined
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(header)
  if (bearer) return bearer[1]
  return SIGV4_CREDENTIAL.exec(header)?.[1]
}

function sameSecret(a: string, b: string): boolean {
  // Comparing digests keeps the comparison constant-time whatever the lengths.
  const da = createHash('sha256').update(a).digest()
  const db = createHash('sha256').update(b).digest()
  return timingSafeEqual(da, db)
}

function sigV4Request(req: IncomingMessage, body: Buffer): SigV4Request {
  const raw = req.url ?? '/'
  const q = raw.indexOf('?')
  const headers: Array<[string, string]> = []
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) headers.push([req.rawHeaders[i]!, req.rawHeaders[i + 1]!])
  return { method: req.method ?? 'GET', rawPath: q < 0 ? raw : raw.slice(0, q), rawQuery: q < 0 ? '' : raw.slice(q + 1), headers, body }
}

/**
 * Throws the error response for a request the admin API must not serve. `sensitive` marks requests that
 * change something or would reveal API key values.
 */
export async function checkAdminAccess(req: IncomingMessage, config: AdminAuthConfig, sensitive: boolean): Promise<void> {
  const token = config.token()
  const credentials = config.credentials?.() ?? []
  if (token === undefined && credentials.length === 0) {
    if (!sensitive) return
    const host = config.boundHost()
    if (isLoopback(host)) return
    throw new AdminApiError(
      403,
      'ForbiddenException',
      `The admin listener is bound to ${host ?? 'a non-loopback address'}, which other machines can reach, and no admin credentials are configured, so requests that change configuration or reveal API key values are refused. Set listeners.admin.credentials (access key ids and secrets the AWS SDKs and CLI sign with) or listeners.admin.token (a long random secret; clients send "Authorization: Bearer <token>") in the config file, or bind the admin listener to 127.0.0.1.`,
    )
  }

  const header = req.headers.authorization
  const bearer = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1] : undefined
  if (bearer !== undefined) {
    if (token !== undefined && sameSecret(bearer, token)) return
    throw new AdminApiError(403, 'ForbiddenException', 'The admin API token is not valid')
  }
  const accessKeyId = presentedToken(req)
  if (accessKeyId === undefined) {
    throw new AdminApiError(
      401,
      'UnauthorizedException',
      credentials.length > 0
        ? 'This admin API requires AWS SigV4 signed requests with one of listeners.admin.credentials (AWS CLIs and SDKs: set those credentials)' + (token !== undefined ? ', or the header "Authorization: Bearer <listeners.admin.token>"' : '')
        : 'This admin API requires a token: send the header "Authorization: Bearer <listeners.admin.token>" (AWS CLIs and SDKs: use the token as the access key id)',
      { 'WWW-Authenticate': 'Bearer realm="gatehouse-admin"' },
    )
  }
  const credential = credentials.find((c) => c.accessKeyId === accessKeyId)
  if (credential === undefined) {
    if (token !== undefined && sameSecret(accessKeyId, token)) return
    // AWS's answer to an access key it does not know.
    if (credentials.length > 0) throw new AdminApiError(403, 'UnrecognizedClientException', INVALID_TOKEN_MESSAGE)
    throw new AdminApiError(403, 'ForbiddenException', 'The admin API token is not valid')
  }
  // The signature covers the body: read it now (handlers get the same bytes from readBody).
  const body = await bufferBody(req)
  const request = sigV4Request(req, body)
  const parts = parseSignature(request)
  const region = 'ok' in parts ? 'us-east-1' : parts.region
  const result = verifySigV4(request, {
    lookup: (id) => (id === credential.accessKeyId ? { accessKeyId: id, secretAccessKey: credential.secretAccessKey, principalArn: `arn:aws:iam::000000000000:user/${id}`, accountId: '000000000000' } : undefined),
    // Any region: the SDKs and CLI sign with whichever region they are configured for.
    region,
    service: ADMIN_SIGNING_SERVICE,
    nowMs: config.signatureClock?.() ?? Date.now(),
    explainMismatch: false,
  })
  if (!result.ok) throw new AdminApiError(403, result.errorType as AdminErrorType, result.message)
}
