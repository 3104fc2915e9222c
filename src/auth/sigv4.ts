// Signature Version 4 verification of incoming requests (header and presigned-query forms) for AWS_IAM
// methods and the @connections API: canonical request, string to sign, derived keys, AWS's error wording
// (docs/aws-behaviour.md §7.5, §6.1, §1.2; test vectors in Part B.2). Pure: no I/O, the clock is injected.

import { createHmac, hash, timingSafeEqual } from 'node:crypto'

/** The request as received, before any decoding. */
export interface SigV4Request {
  method: string
  /** The path as received, percent-encoded, without the query (e.g. `/prod/pets/a%20b`). */
  rawPath: string
  /** The query as received, without the leading `?` (empty string when there is none). */
  rawQuery: string
  /** Header name/value pairs in arrival order, as in Node's `rawHeaders`. */
  headers: Array<[string, string]>
  /**
   * The whole body. Used for the payload hash when `x-amz-content-sha256` is absent, and to check that
   * header when it is present (leave undefined when the body was not buffered: the header is then trusted).
   */
  body?: Buffer | null
}

/** What the credential store knows about an access key. */
export interface Credentials {
  accessKeyId: string
  secretAccessKey: string
  /** Set for temporary credentials: the request must carry exactly this `X-Amz-Security-Token`. */
  sessionToken?: string
  /** When temporary credentials stop working (epoch ms). */
  expiresAt?: number
  /** `$context.identity.userArn`, e.g. `arn:aws:iam::123456789012:user/alice`. */
  principalArn: string
  /** `$context.identity.accountId`. */
  accountId: string
  /** `$context.identity.caller` (e.g. `AIDAEXAMPLE` or `AROAEXAMPLE:session`). */
  caller?: string
  /** `$context.identity.user`. */
  user?: string
  /** `$context.identity.principalOrgId`. */
  principalOrgId?: string
}

export type SigV4ErrorCode =
  | 'MISSING_AUTHENTICATION_TOKEN'
  | 'INCOMPLETE_SIGNATURE'
  | 'INVALID_SIGNATURE'
  | 'EXPIRED_TOKEN'
  | 'UNRECOGNIZED_CLIENT'

/**
 * `errorType` is the `x-amzn-ErrorType` AWS sends; every failure is a 403. Gateway response types:
 * `UNRECOGNIZED_CLIENT` is answered as `ACCESS_DENIED` (§6.1: "bad IAM keys"); `INCOMPLETE_SIGNATURE` has no
 * type of its own (a 403 with this errorType, as src/dataplane/server.ts already answers for §1.2); the other
 * codes are gateway response types of the same name.
 */
export type VerifyResult =
  | { ok: true; credentials: Credentials; signedAt: number }
  | { ok: false; code: SigV4ErrorCode; errorType: string; message: string }

export interface VerifyOptions {
  lookup(accessKeyId: string): Credentials | undefined
  /** The region the credential scope must name. */
  region: string
  /** The service the credential scope must name: `execute-api` for API Gateway. */
  service: string
  /** The current time (epoch ms). */
  nowMs: number
  /** Allowed clock difference for the header form and for presigned dates in the future. Default 5 minutes. */
  maxSkewMs?: number
  /**
   * Normalise the path (drop empty, `.` and `..` segments) before encoding it. True for every service but S3,
   * so for `execute-api`; false only reproduces the suite's `normalize: false` vectors.
   */
  normalizePath?: boolean
  /**
   * Append the canonical request and string to sign to the INVALID_SIGNATURE message, as API Gateway does
   * (evidence: zirkelc/aws-signature-v4#4, aws-samples/sigv4-signing-examples#14). Default true.
   */
  explainMismatch?: boolean
}

export const SIGV4_ALGORITHM = 'AWS4-HMAC-SHA256'
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD'
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'
const DEFAULT_SKEW_MS = 5 * 60_000
const MAX_PRESIGN_SECONDS = 7 * 24 * 3600

export const SIGNATURE_MISMATCH_MESSAGE =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.'
export const INVALID_TOKEN_MESSAGE = 'The security token included in the request is invalid.'
export const EXPIRED_TOKEN_MESSAGE = 'The security token included in the request is expired'

type Failure = Extract<VerifyResult, { ok: false }>

const fail = (code: SigV4ErrorCode, errorType: string, message: string): Failure => ({ ok: false, code, errorType, message })
const incomplete = (message: string): Failure => fail('INCOMPLETE_SIGNATURE', 'IncompleteSignatureException', message)
const invalid = (message: string): Failure => fail('INVALID_SIGNATURE', 'InvalidSignatureException', message)

/** The parts of a signature, whichever form carried them. */
export interface SignatureParts {
  form: 'header' | 'query'
  accessKeyId: string
  scopeDate: string
  region: string
  service: string
  terminator: string
  /** The credential scope as signed: `date/region/service/aws4_request`. */
  scope: string
  /** Lower-cased, in the order the client listed them. */
  signedHeaders: string[]
  signature: string
  /** The request time in ISO-8601 basic format, as used in the string to sign. */
  amzDate: string
  signedAtMs: number
  /** Presigned form: `X-Amz-Expires` in seconds, when given. */
  expiresSeconds?: number
  securityToken?: string
}

/**
 * Checks a SigV4-signed request. Order of checks: presence, form (IncompleteSignature), credential scope,
 * time, access key, session token, signature, then the body against `x-amz-content-sha256`.
 *
 * @example
 * const r = verifySigV4({ method: 'GET', rawPath: '/prod/pets', rawQuery: '', headers: [['Host', 'h'], ['Authorization', '...']] },
 *   { lookup: (id) => keys.get(id), region: 'us-east-1', service: 'execute-api', nowMs: Date.now() })
 * if (r.ok) console.log(r.credentials.principalArn)
 * else console.log(403, r.errorType, r.message)
 */
export function verifySigV4(req: SigV4Request, opts: VerifyOptions): VerifyResult {
  const headers = headerMap(req.headers)
  const parsed = parseWith(req, headers)
  if ('ok' in parsed) return parsed
  const parts = parsed

  if (parts.terminator !== 'aws4_request') {
    return invalid(`Credential should be scoped with a valid terminator: 'aws4_request', not '${parts.terminator}'. `)
  }
  if (parts.region !== opts.region) return invalid(`Credential should be scoped to a valid region, not '${parts.region}'. `)
  if (parts.service !== opts.service) return invalid(`Credential should be scoped to correct service: '${opts.service}'. `)
  if (parts.scopeDate !== parts.amzDate.slice(0, 8)) {
    return invalid(
      `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${parts.scopeDate}' != '${parts.amzDate.slice(0, 8)}', from '${parts.amzDate}'.`,
    )
  }

  const timeProblem = checkTime(parts, opts.nowMs, opts.maxSkewMs ?? DEFAULT_SKEW_MS)
  if (timeProblem) return timeProblem

  const credentials = opts.lookup(parts.accessKeyId)
  if (credentials === undefined) return fail('UNRECOGNIZED_CLIENT', 'UnrecognizedClientException', INVALID_TOKEN_MESSAGE)
  if (credentials.sessionToken !== parts.securityToken) {
    return fail('UNRECOGNIZED_CLIENT', 'UnrecognizedClientException', INVALID_TOKEN_MESSAGE)
  }
  if (credentials.expiresAt !== undefined && opts.nowMs >= credentials.expiresAt) {
    // [K] AWS names this ExpiredTokenException; the gateway response type is still EXPIRED_TOKEN (§6.1).
    return fail('EXPIRED_TOKEN', 'ExpiredTokenException', EXPIRED_TOKEN_MESSAGE)
  }

  const contentSha = firstHeader(headers, 'x-amz-content-sha256')?.trim()
  const payloadHash = payloadHashFrom(contentSha, req.body)
  const normalize = opts.normalizePath ?? true
  const key = signingKey(credentials.secretAccessKey, parts.scopeDate, parts.region, parts.service)

  const creq = canonicalRequestFromMap(req, headers, parts.signedHeaders, payloadHash, normalize, NO_OMIT)
  const sts = stringToSign(parts.amzDate, parts.scope, creq)
  let matched = signatureMatches(key, sts, parts.signature)
  if (!matched && parts.form === 'query' && parts.securityToken !== undefined) {
    // Some signers add X-Amz-Security-Token after signing, leaving it out of the canonical query
    // (suite case post-sts-header-after); the token is still checked against the credentials above.
    const alt = canonicalRequestFromMap(req, headers, parts.signedHeaders, payloadHash, normalize, OMIT_TOKEN)
    matched = signatureMatches(key, stringToSign(parts.amzDate, parts.scope, alt), parts.signature)
  }
  if (!matched) {
    const explain = opts.explainMismatch ?? true
    return invalid(
      explain
        ? `${SIGNATURE_MISMATCH_MESSAGE}\n\nThe Canonical String for this request should have been\n'${creq}'\n\nThe String-to-Sign should have been\n'${sts}'\n`
        : SIGNATURE_MISMATCH_MESSAGE,
    )
  }

  // The signature covers only the declared hash; a buffered body must agree with it.
  // [K] wording borrowed from S3 (XAmzContentSHA256Mismatch); API Gateway's own wording is unrecorded.
  if (contentSha !== undefined && contentSha !== '' && contentSha !== UNSIGNED_PAYLOAD && req.body != null) {
    if (sha256Hex(req.body) !== contentSha.toLowerCase()) {
      return invalid("The provided 'x-amz-content-sha256' header does not match what was computed.")
    }
  }
  return { ok: true, credentials, signedAt: parts.signedAtMs }
}

// ---------------------------------------------------------------------------------------------------
// Parsing

type HeaderMap = Map<string, string[]>

function headerMap(pairs: Array<[string, string]>): HeaderMap {
  const map: HeaderMap = new Map()
  for (const [name, value] of pairs) {
    const key = name.toLowerCase()
    const list = map.get(key)
    if (list) list.push(value)
    else map.set(key, [value])
  }
  return map
}

function firstHeader(headers: HeaderMap, name: string): string | undefined {
  return headers.get(name)?.[0]
}

const QUERY_AUTH_PARAMS = ['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Signature', 'X-Amz-Date', 'X-Amz-SignedHeaders'] as const

/**
 * Finds and parses the signature of a request, without checking it: the header form when an
 * `Authorization` header is present, else the presigned form when the query carries `X-Amz-*` auth
 * parameters. Returns a failure for a missing or malformed signature.
 */
export function parseSignature(req: SigV4Request): SignatureParts | Failure {
  return parseWith(req, headerMap(req.headers))
}

function parseWith(req: SigV4Request, headers: HeaderMap): SignatureParts | Failure {
  const authorization = firstHeader(headers, 'authorization')
  if (authorization !== undefined && authorization.trim() !== '') return parseHeaderForm(authorization, headers)

  const query = queryParams(req.rawQuery)
  if (query.has('X-Amz-Algorithm') || query.has('X-Amz-Credential') || query.has('X-Amz-Signature')) return parseQueryForm(query)
  return fail('MISSING_AUTHENTICATION_TOKEN', 'MissingAuthenticationTokenException', 'Missing Authentication Token')
}

function parseHeaderForm(authorization: string, headers: HeaderMap): SignatureParts | Failure {
  // AWS splits the parameters on commas and whitespace, so `Credential= AKID/...` and `Bearer xyz` both fail
  // on the token without '=' (§1.2; [ISS] iann0036/cloud9-sync#10, serverless/serverless#3205).
  const trimmed = authorization.trim()
  const space = trimmed.search(/\s/)
  const algorithm = space === -1 ? trimmed : trimmed.slice(0, space)
  const rest = space === -1 ? '' : trimmed.slice(space + 1)
  const params = new Map<string, string>()
  for (const token of rest.split(/[\s,]+/)) {
    if (token === '') continue
    const eq = token.indexOf('=')
    if (eq === -1) return incomplete(`'${token}' not a valid key=value pair (missing equal-sign) in Authorization header: '${authorization}'.`)
    params.set(token.slice(0, eq), token.slice(eq + 1))
  }

  const amzDateHeader = firstHeader(headers, 'x-amz-date')
  const dateHeader = firstHeader(headers, 'date')
  const missing: string[] = []
  if (!params.has('Credential')) missing.push("Authorization header requires 'Credential' parameter.")
  if (!params.has('Signature')) missing.push("Authorization header requires 'Signature' parameter.")
  if (!params.has('SignedHeaders')) missing.push("Authorization header requires 'SignedHeaders' parameter.")
  if (amzDateHeader === undefined && dateHeader === undefined) {
    missing.push("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
  }
  if (missing.length > 0) return incomplete(`${missing.join(' ')} Authorization=${authorization}`)
  // [K] AWS's wording for a foreign algorithm with otherwise complete parameters is unrecorded.
  if (algorithm !== SIGV4_ALGORITHM) return incomplete(`Unsupported AWS 'algorithm': '${algorithm}'.`)

  const time = amzDateHeader !== undefined ? parseAmzDate(amzDateHeader.trim()) : parseHttpDate(dateHeader!.trim())
  if ('ok' in time) return time
  const token = firstHeader(headers, 'x-amz-security-token')
  return finishParts('header', params.get('Credential')!, params.get('SignedHeaders')!, params.get('Signature')!, time, undefined, token)
}

function parseQueryForm(query: Map<string, string>): SignatureParts | Failure {
  // [K] Wording of AWS's non-S3 services for incomplete presigned parameters.
  const missing = QUERY_AUTH_PARAMS.filter((p) => !query.has(p)).map((p) => `AWS query-string parameters must include '${p}'.`)
  if (missing.length > 0) return incomplete(`${missing.join(' ')} Re-examine the query-string parameters.`)
  const algorithm = query.get('X-Amz-Algorithm')!
  if (algorithm !== SIGV4_ALGORITHM) return incomplete(`Unsupported AWS 'algorithm': '${algorithm}'.`)
  const time = parseAmzDate(query.get('X-Amz-Date')!)
  if ('ok' in time) return time

  let expires: number | undefined
  const rawExpires = query.get('X-Amz-Expires')
  if (rawExpires !== undefined) {
    // [K] S3's wording for these two limits.
    if (!/^\d+$/.test(rawExpires)) return incomplete('X-Amz-Expires should be a number')
    expires = Number(rawExpires)
    if (expires > MAX_PRESIGN_SECONDS) return incomplete(`X-Amz-Expires must be less than a week (in seconds) that is ${MAX_PRESIGN_SECONDS}`)
  }
  return finishParts(
    'query',
    query.get('X-Amz-Credential')!,
    query.get('X-Amz-SignedHeaders')!,
    query.get('X-Amz-Signature')!,
    time,
    expires,
    query.get('X-Amz-Security-Token'),
  )
}

function finishParts(
  form: 'header' | 'query',
  credential: string,
  signedHeadersParam: string,
  signature: string,
  time: { amzDate: string; ms: number },
  expiresSeconds: number | undefined,
  securityToken: string | undefined,
): SignatureParts | Failure {
  const scopeParts = credential.split('/')
  if (scopeParts.length !== 5) {
    return incomplete(`Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '${credential}'`)
  }
  const [accessKeyId, scopeDate, region, service, terminator] = scopeParts as [string, string, string, string, string]
  const signedHeaders = signedHeadersParam.split(';').map((h) => h.trim().toLowerCase()).filter((h) => h !== '')
  // [K] AWS's rule and wording: the host must be part of what was signed.
  if (!signedHeaders.includes('host') && !signedHeaders.includes(':authority')) {
    return incomplete("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.")
  }
  const parts: SignatureParts = {
    form,
    accessKeyId,
    scopeDate,
    region,
    service,
    terminator,
    scope: `${scopeDate}/${region}/${service}/${terminator}`,
    signedHeaders,
    signature,
    amzDate: time.amzDate,
    signedAtMs: time.ms,
  }
  if (expiresSeconds !== undefined) parts.expiresSeconds = expiresSeconds
  if (securityToken !== undefined) parts.securityToken = securityToken
  return parts
}

const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/

function parseAmzDate(value: string): { amzDate: string; ms: number } | Failure {
  const m = AMZ_DATE.exec(value)
  if (m) {
    const [year, month, day, hour, minute, second] = [+m[1]!, +m[2]!, +m[3]!, +m[4]!, +m[5]!, +m[6]!]
    const ms = Date.UTC(year, month - 1, day, hour, minute, second)
    // Date.UTC rolls impossible dates over (month 13, 31 April); refuse those instead.
    const d = new Date(ms)
    if (hour < 24 && minute < 60 && second < 60 && d.getUTCMonth() === month - 1 && d.getUTCDate() === day) return { amzDate: value, ms }
  }
  return incomplete(`Date must be in ISO-8601 'basic format'. Got '${value}'. See http://en.wikipedia.org/wiki/ISO_8601`)
}

function parseHttpDate(value: string): { amzDate: string; ms: number } | Failure {
  const ms = Date.parse(value)
  if (Number.isNaN(ms)) return incomplete(`Date must be in ISO-8601 'basic format'. Got '${value}'. See http://en.wikipedia.org/wiki/ISO_8601`)
  const whole = Math.floor(ms / 1000) * 1000
  return { amzDate: formatAmzDate(whole), ms: whole }
}

/** Epoch ms → `YYYYMMDDTHHMMSSZ`. */
export function formatAmzDate(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '')
}

function checkTime(parts: SignatureParts, nowMs: number, skewMs: number): Failure | undefined {
  const skewText = skewMs % 60_000 === 0 ? `${skewMs / 60_000} min.` : `${skewMs / 1000} sec.`
  const expired = (message: string): Failure => fail('EXPIRED_TOKEN', 'InvalidSignatureException', message)
  if (parts.signedAtMs > nowMs + skewMs) {
    return expired(
      `Signature not yet current: ${parts.amzDate} is still later than ${formatAmzDate(nowMs + skewMs)} (${formatAmzDate(nowMs)} + ${skewText})`,
    )
  }
  if (parts.form === 'query' && parts.expiresSeconds !== undefined) {
    // [K] A presigned URL is good for X-Amz-Expires seconds from X-Amz-Date; the message follows the header form's.
    const windowMs = parts.expiresSeconds * 1000
    if (nowMs > parts.signedAtMs + windowMs) {
      return expired(
        `Signature expired: ${parts.amzDate} is now earlier than ${formatAmzDate(nowMs - windowMs)} (${formatAmzDate(nowMs)} - ${parts.expiresSeconds} sec.)`,
      )
    }
    return undefined
  }
  if (parts.signedAtMs < nowMs - skewMs) {
    return expired(`Signature expired: ${parts.amzDate} is now earlier than ${formatAmzDate(nowMs - skewMs)} (${formatAmzDate(nowMs)} - ${skewText})`)
  }
  return undefined
}

// ---------------------------------------------------------------------------------------------------
// Canonical request

const NO_OMIT: ReadonlySet<string> = new Set(['x-amz-signature'])
const OMIT_TOKEN: ReadonlySet<string> = new Set(['x-amz-signature', 'x-amz-security-token'])

/**
 * The canonical request of SigV4 for a non-S3 service: method, canonical URI (normalised, then encoded
 * again: "double encoding"), sorted canonical query, canonical headers, signed-header list, payload hash.
 * `omitQuery` names (case-insensitive) query parameters to leave out besides `X-Amz-Signature`.
 */
export function canonicalRequest(
  req: SigV4Request,
  signedHeaders: readonly string[],
  payloadHash: string,
  opts: { normalizePath?: boolean; omitQuery?: readonly string[] } = {},
): string {
  const omit = opts.omitQuery ? new Set([...NO_OMIT, ...opts.omitQuery.map((q) => q.toLowerCase())]) : NO_OMIT
  return canonicalRequestFromMap(req, headerMap(req.headers), signedHeaders, payloadHash, opts.normalizePath ?? true, omit)
}

function canonicalRequestFromMap(
  req: SigV4Request,
  headers: HeaderMap,
  signedHeaders: readonly string[],
  payloadHash: string,
  normalize: boolean,
  omitQuery: ReadonlySet<string>,
): string {
  let headerBlock = ''
  for (const name of signedHeaders) headerBlock += `${name}:${canonicalHeaderValue(headers.get(name))}\n`
  return `${req.method}\n${canonicalUri(req.rawPath, normalize)}\n${canonicalQuery(req.rawQuery, omitQuery)}\n${headerBlock}\n${signedHeaders.join(';')}\n${payloadHash}`
}

/** Trims each value, folds line breaks and runs of spaces into one space, joins repeated headers with ','. */
function canonicalHeaderValue(values: string[] | undefined): string {
  if (values === undefined) return ''
  return values.map((v) => v.replace(/[\r\n]/g, ' ').replace(/[ \t]+/g, ' ').trim()).join(',')
}

/**
 * The canonical URI: with `normalize`, empty, `.` and `..` segments are resolved (a trailing slash is kept);
 * then every byte but the unreserved characters and `/` is percent-encoded, so an already-encoded `%20`
 * becomes `%2520` as AWS's non-S3 services expect.
 */
export function canonicalUri(rawPath: string, normalize = true): string {
  let path = rawPath === '' ? '/' : rawPath
  if (normalize) {
    const segments: string[] = []
    for (const segment of path.split('/')) {
      if (segment === '' || segment === '.') continue
      if (segment === '..') segments.pop()
      else segments.push(segment)
    }
    path = `${path.startsWith('/') ? '/' : ''}${segments.join('/')}${segments.length > 0 && path.endsWith('/') ? '/' : ''}`
  }
  return PLAIN_PATH.test(path) ? path : encodeBytes(Buffer.from(path, 'utf8'), true)
}

const PLAIN_PATH = /^[A-Za-z0-9\-._~/]*$/
const PLAIN_COMPONENT = /^[A-Za-z0-9\-._~]*$/

/** Decode then re-encode one query name or value; most are already canonical and skip the byte work. */
function canonicalComponent(text: string): string {
  return PLAIN_COMPONENT.test(text) ? text : encodeBytes(decodeQueryComponent(text), false)
}

/**
 * The canonical query: parameters decoded (`+` as a space, as AWS does: [ISS] zirkelc/aws-signature-v4#4),
 * re-encoded per RFC 3986, sorted by name then value; a name without `=` gets an empty value.
 */
export function canonicalQuery(rawQuery: string, omit: ReadonlySet<string> = NO_OMIT): string {
  if (rawQuery === '') return ''
  const pairs: Array<[string, string]> = []
  for (const piece of rawQuery.split('&')) {
    if (piece === '') continue
    const eq = piece.indexOf('=')
    const name = canonicalComponent(eq === -1 ? piece : piece.slice(0, eq))
    // Names to omit are plain ASCII, so comparing the encoded name is enough.
    if (omit.has(name.toLowerCase())) continue
    pairs.push([name, eq === -1 ? '' : canonicalComponent(piece.slice(eq + 1))])
  }
  // Encoded text is ASCII, so code-unit order is byte order.
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
  let out = ''
  for (const [name, value] of pairs) out += (out === '' ? '' : '&') + name + '=' + value
  return out
}

function queryParams(rawQuery: string): Map<string, string> {
  const out = new Map<string, string>()
  if (rawQuery === '') return out
  for (const piece of rawQuery.split('&')) {
    if (piece === '') continue
    const eq = piece.indexOf('=')
    const name = decodeQueryComponent(eq === -1 ? piece : piece.slice(0, eq)).toString('utf8')
    if (out.has(name)) continue
    out.set(name, eq === -1 ? '' : decodeQueryComponent(piece.slice(eq + 1)).toString('utf8'))
  }
  return out
}

const HEX = '0123456789ABCDEF'

function isUnreserved(b: number): boolean {
  return (
    (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || (b >= 0x30 && b <= 0x39) || b === 0x2d || b === 0x2e || b === 0x5f || b === 0x7e
  )
}

function encodeBytes(bytes: Buffer, keepSlash: boolean): string {
  let out = ''
  for (const b of bytes) {
    if (isUnreserved(b) || (keepSlash && b === 0x2f)) out += String.fromCharCode(b)
    else out += '%' + HEX[b >> 4]! + HEX[b & 15]!
  }
  return out
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30
  if (c >= 0x41 && c <= 0x46) return c - 0x37
  if (c >= 0x61 && c <= 0x66) return c - 0x57
  return -1
}

/** Percent-decoding at the byte level: never throws; a stray `%` stays literal; `+` means a space. */
function decodeQueryComponent(text: string): Buffer {
  const src = Buffer.from(text, 'utf8')
  const out = Buffer.allocUnsafe(src.length)
  let n = 0
  for (let i = 0; i < src.length; i++) {
    const b = src[i]!
    if (b === 0x25 && i + 2 < src.length) {
      const hi = hexValue(src[i + 1]!)
      const lo = hexValue(src[i + 2]!)
      if (hi !== -1 && lo !== -1) {
        out[n++] = (hi << 4) | lo
        i += 2
        continue
      }
    }
    out[n++] = b === 0x2b ? 0x20 : b
  }
  return out.subarray(0, n)
}

// ---------------------------------------------------------------------------------------------------
// Hashing and keys

/** The last line of the canonical request: `x-amz-content-sha256` when sent, else the body's SHA-256. */
export function payloadHashOf(req: SigV4Request): string {
  return payloadHashFrom(firstHeader(headerMap(req.headers), 'x-amz-content-sha256')?.trim(), req.body)
}

function payloadHashFrom(contentSha: string | undefined, body: Buffer | null | undefined): string {
  return contentSha !== undefined && contentSha !== '' ? contentSha : sha256Hex(body ?? undefined)
}

function sha256Hex(data: Buffer | string | undefined): string {
  if (data === undefined || data.length === 0) return EMPTY_SHA256
  return hash('sha256', data, 'hex')
}

/** `AWS4-HMAC-SHA256\n{amzDate}\n{scope}\n{hex(sha256(canonicalRequest))}`. */
export function stringToSign(amzDate: string, scope: string, canonicalRequestText: string): string {
  return `${SIGV4_ALGORITHM}\n${amzDate}\n${scope}\n${sha256Hex(canonicalRequestText)}`
}

const KEY_CACHE_LIMIT = 1024
const keyCache = new Map<string, Buffer>()

/**
 * The derived signing key HMAC(HMAC(HMAC(HMAC("AWS4"+secret, date), region), service), "aws4_request"),
 * cached per (secret, date, region, service): four HMACs saved on every request after the first of the day.
 */
export function signingKey(secretAccessKey: string, date: string, region: string, service: string): Buffer {
  const cacheKey = `${date}\n${region}\n${service}\n${secretAccessKey}`
  const hit = keyCache.get(cacheKey)
  if (hit) return hit
  let key = createHmac('sha256', `AWS4${secretAccessKey}`).update(date).digest()
  key = createHmac('sha256', key).update(region).digest()
  key = createHmac('sha256', key).update(service).digest()
  key = createHmac('sha256', key).update('aws4_request').digest()
  // Map iteration order is insertion order, so the first key is the oldest.
  if (keyCache.size >= KEY_CACHE_LIMIT) keyCache.delete(keyCache.keys().next().value!)
  keyCache.set(cacheKey, key)
  return key
}

/** Hex HMAC-SHA256 of the string to sign with a derived key. */
export function computeSignature(key: Buffer, stringToSignText: string): string {
  return createHmac('sha256', key).update(stringToSignText).digest('hex')
}

const SIGNATURE_TEXT = /^[0-9a-f]{64}$/

function signatureMatches(key: Buffer, sts: string, provided: string): boolean {
  if (!SIGNATURE_TEXT.test(provided)) return false
  const expected = createHmac('sha256', key).update(sts).digest()
  return timingSafeEqual(expected, Buffer.from(provided, 'hex'))
}
