// A small client of a running gateway's control plane for the CLI commands (export, import, deployments):
// JSON requests to the admin port, authenticated with the admin token (Bearer) or, when AWS credentials are
// in the environment, signed with SigV4 as the AWS SDKs sign them (service `apigateway`), using the project's
// own SigV4 code. Errors come back as AdminError with AWS's error type and message.

import { hash } from 'node:crypto'
import { request } from 'undici'
import { canonicalRequest, computeSignature, formatAmzDate, signingKey, stringToSign, SIGV4_ALGORITHM } from '../auth/sigv4.js'
import { UsageError } from './args.js'

export class AdminError extends Error {
  readonly status: number
  readonly type: string | undefined
  constructor(status: number, type: string | undefined, message: string) {
    super(message)
    this.name = 'AdminError'
    this.status = status
    this.type = type
  }
}

export interface AdminAuth {
  token?: string
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string; region: string }
}

export interface AdminResponse {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: Buffer
  json<T = any>(): T
}

/** The auth the environment gives: `--token`/GATEHOUSE_ADMIN_TOKEN, else AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY. */
export function authFromEnv(token: string | undefined, env: NodeJS.ProcessEnv = process.env): AdminAuth {
  const t = token ?? env['GATEHOUSE_ADMIN_TOKEN']
  if (t) return { token: t }
  const id = env['AWS_ACCESS_KEY_ID']
  const secret = env['AWS_SECRET_ACCESS_KEY']
  if (id && secret) {
    const credentials: NonNullable<AdminAuth['credentials']> = { accessKeyId: id, secretAccessKey: secret, region: env['AWS_REGION'] ?? env['AWS_DEFAULT_REGION'] ?? 'us-east-1' }
    if (env['AWS_SESSION_TOKEN']) credentials.sessionToken = env['AWS_SESSION_TOKEN']
    return { credentials }
  }
  return {}
}

export function adminBase(value: string | undefined): URL {
  if (!value) throw new UsageError('needs --admin URL (the gateway admin address, e.g. http://127.0.0.1:9090)')
  try {
    return new URL(value)
  } catch {
    throw new UsageError(`--admin must be a URL such as http://127.0.0.1:9090, got ${JSON.stringify(value)}`)
  }
}

export class AdminClient {
  readonly #base: URL
  readonly #auth: AdminAuth

  constructor(base: URL, auth: AdminAuth) {
    this.#base = base
    this.#auth = auth
  }

  /** Sends one request; a non-2xx answer throws AdminError (or resolves when `allow` lists its status). */
  async send(method: string, path: string, opts: { body?: unknown; headers?: Record<string, string>; allow?: number[] } = {}): Promise<AdminResponse> {
    const url = new URL(path, this.#base)
    const body = opts.body === undefined ? undefined : Buffer.isBuffer(opts.body) ? opts.body : Buffer.from(typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body))
    const headers: Record<string, string> = { host: url.host, ...(body !== undefined && !Buffer.isBuffer(opts.body) && typeof opts.body !== 'string' ? { 'content-type': 'application/json' } : {}), ...opts.headers }
    if (this.#auth.token) headers['authorization'] = `Bearer ${this.#auth.token}`
    else if (this.#auth.credentials) this.#sign(method, url, headers, body ?? Buffer.alloc(0))
    let res
    try {
      res = await request(url, { method: method as 'GET', headers, ...(body !== undefined ? { body } : {}) })
    } catch (e) {
      throw new AdminError(0, undefined, `cannot reach the admin API at ${this.#base.origin}: ${(e as Error).message}`)
    }
    const data = Buffer.from(await res.body.arrayBuffer())
    const out: AdminResponse = { status: res.statusCode, headers: res.headers, body: data, json: () => JSON.parse(data.toString('utf8')) }
    if ((res.statusCode < 200 || res.statusCode > 299) && !(opts.allow ?? []).includes(res.statusCode)) {
      let message = data.toString('utf8')
      try {
        message = (JSON.parse(message) as { message?: string }).message ?? message
      } catch {
        // not JSON: the text as it is
      }
      const type = res.headers['x-amzn-errortype']
      throw new AdminError(res.statusCode, typeof type === 'string' ? type.split(':')[0] : undefined, message)
    }
    return out
  }

  #sign(method: string, url: URL, headers: Record<string, string>, body: Buffer): void {
    const c = this.#auth.credentials!
    const amzDate = formatAmzDate(Date.now())
    headers['x-amz-date'] = amzDate
    if (c.sessionToken) headers['x-amz-security-token'] = c.sessionToken
    const signed = Object.keys(headers).map((h) => h.toLowerCase()).sort()
    const rawQuery = url.search.startsWith('?') ? url.search.slice(1) : url.search
    const creq = canonicalRequest({ method, rawPath: url.pathname, rawQuery, headers: Object.entries(headers), body }, signed, hash('sha256', body, 'hex'))
    const scope = `${amzDate.slice(0, 8)}/${c.region}/apigateway/aws4_request`
    const signature = computeSignature(signingKey(c.secretAccessKey, amzDate.slice(0, 8), c.region, 'apigateway'), stringToSign(amzDate, scope, creq))
    headers['authorization'] = `${SIGV4_ALGORITHM} Credential=${c.accessKeyId}/${scope}, SignedHeaders=${signed.join(';')}, Signature=${signature}`
  }
}

/** Which control plane an API id belongs to: `rest` (apigateway) or `http` (apigatewayv2, HTTP or WebSocket). */
export async function apiKind(client: AdminClient, apiId: string): Promise<'rest' | 'http'> {
  const id = encodeURIComponent(apiId)
  if ((await client.send('GET', `/restapis/${id}`, { allow: [404] })).status === 200) return 'rest'
  if ((await client.send('GET', `/v2/apis/${id}`, { allow: [404] })).status === 200) return 'http'
  throw new AdminError(404, 'NotFoundException', `No REST or HTTP API has the id ${apiId}`)
}
