// Who may use the admin API. With `listeners.admin.token` set, every admin API request must carry it — as
// `Authorization: Bearer TOKEN`, or as the access key id of an AWS SigV4 header, so that AWS CLIs and SDKs
// work with `AWS_ACCESS_KEY_ID=TOKEN` (the signature is not checked: the token is the secret either way).
// Without a token, the admin API is open on a loopback listener; on any other address it refuses requests
// that change something or reveal key values, and says how to configure a token.

import { createHash, timingSafeEqual } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import { AdminApiError } from './http.js'

export interface AdminAuthConfig {
  /** `listeners.admin.token` as now configured (it may change on reload): the token every request must present. */
  token: () => string | undefined
  /** The address the admin listener is bound to (e.g. `127.0.0.1`, `0.0.0.0`). */
  boundHost: () => string | undefined
}

/** True for addresses only this machine can reach. */
export function isLoopback(host: string | undefined): boolean {
  if (host === undefined) return false
  const h = host.toLowerCase().replace(/^\[|\]$/g, '')
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h) || /^::ffff:127\.\d+\.\d+\.\d+$/.test(h)
}

const SIGV4_CREDENTIAL = /^AWS4-HMAC-SHA256\s.*?Credential=([^/,\s]+)\//

/** The token a request presents, if any. */
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

/**
 * Throws the error response for a request the admin API must not serve. `sensitive` marks requests that
 * change something or would reveal API key values.
 */
export function checkAdminAccess(req: IncomingMessage, config: AdminAuthConfig, sensitive: boolean): void {
  const token = config.token()
  if (token !== undefined) {
    const presented = presentedToken(req)
    if (presented === undefined) {
      throw new AdminApiError(401, 'UnauthorizedException', 'This admin API requires a token: send the header "Authorization: Bearer <listeners.admin.token>" (AWS CLIs and SDKs: use the token as the access key id)', {
        'WWW-Authenticate': 'Bearer realm="gatehouse-admin"',
      })
    }
    if (!sameSecret(presented, token)) throw new AdminApiError(403, 'ForbiddenException', 'The admin API token is not valid')
    return
  }
  if (!sensitive) return
  const host = config.boundHost()
  if (isLoopback(host)) return
  throw new AdminApiError(
    403,
    'ForbiddenException',
    `The admin listener is bound to ${host ?? 'a non-loopback address'}, which other machines can reach, and no admin token is configured, so requests that change configuration or reveal API key values are refused. Set listeners.admin.token in the config file (a long random secret; clients send "Authorization: Bearer <token>"), or bind the admin listener to 127.0.0.1.`,
  )
}
