// SigV4 verifier: every case of AWS's v4 test suite (header and presigned forms), mutations of them, and
// requests signed by the AWS SDK's own signer (@smithy/signature-v4), including over a real HTTP server.

import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { createServer, request as httpRequest } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createHash } from 'node:crypto'
import { SignatureV4 } from '@smithy/signature-v4'
import { Sha256 } from '@aws-crypto/sha256-js'
import {
  canonicalQuery,
  canonicalRequest,
  canonicalUri,
  computeSignature,
  parseSignature,
  payloadHashOf,
  signingKey,
  stringToSign,
  verifySigV4,
  type Credentials,
  type SigV4Request,
  type VerifyOptions,
  type VerifyResult,
} from '../../src/auth/sigv4.js'

// AWS's SigV4 test suite, one fixture per case (test/fixtures/aws/README.md says where it comes from and how
// it is shaped). Multi-line texts are arrays of lines.
const SUITE = new URL('../fixtures/aws/sigv4/cases/', import.meta.url)

interface SuiteContext {
  accessKeyId: string
  secretAccessKey: string
  sessionToken?: string
  region: string
  service: string
  signedAt: string
  normalizePath: boolean
  signBody: boolean
  presignExpiresInSeconds: number
  /** The presigned form adds X-Amz-Security-Token to the query after signing it. */
  sessionTokenAddedAfterSigning?: boolean
}

interface SuiteForm {
  canonicalRequest: string[]
  stringToSign: string[]
  signature: string
  signedRequest: string[]
}

interface SuiteCase {
  case: string
  context: SuiteContext
  request: string[]
  header: SuiteForm
  query: SuiteForm
}

/** Parses a raw HTTP/1.1 request: the target may contain spaces, header lines may be folded. */
function parseRawRequest(text: string): SigV4Request {
  const split = text.indexOf('\n\n')
  const head = split === -1 ? text : text.slice(0, split)
  const body = split === -1 ? '' : text.slice(split + 2)
  const lines = head.split('\n')
  const requestLine = lines.shift()!
  const method = requestLine.slice(0, requestLine.indexOf(' '))
  const target = requestLine.slice(method.length + 1, requestLine.lastIndexOf(' '))
  const q = target.indexOf('?')
  const headers: Array<[string, string]> = []
  for (const line of lines) {
    if (/^[ \t]/.test(line) && headers.length > 0) {
      headers[headers.length - 1]![1] += '\n' + line
      continue
    }
    const colon = line.indexOf(':')
    headers.push([line.slice(0, colon), line.slice(colon + 1)])
  }
  return {
    method,
    rawPath: q === -1 ? target : target.slice(0, q),
    rawQuery: q === -1 ? '' : target.slice(q + 1),
    headers,
    body: body === '' ? null : Buffer.from(body, 'utf8'),
  }
}

function credentialsFor(ctx: SuiteContext): Credentials {
  const c: Credentials = {
    accessKeyId: ctx.accessKeyId,
    secretAccessKey: ctx.secretAccessKey,
    principalArn: 'arn:aws:iam::123456789012:user/example',
    accountId: '123456789012',
  }
  if (ctx.sessionToken !== undefined) c.sessionToken = ctx.sessionToken
  return c
}

function optionsFor(ctx: SuiteContext, overrides: Partial<VerifyOptions> = {}): VerifyOptions {
  const creds = credentialsFor(ctx)
  return {
    lookup: (id) => (id === creds.accessKeyId ? creds : undefined),
    region: ctx.region,
    service: ctx.service,
    nowMs: Date.parse(ctx.signedAt),
    normalizePath: ctx.normalizePath,
    ...overrides,
  }
}

function loadCase(name: string) {
  const c = JSON.parse(readFileSync(new URL(`${name}.json`, SUITE), 'utf8')) as SuiteCase
  const text = (lines: string[]) => lines.join('\n')
  const form = (f: SuiteForm) => ({
    request: parseRawRequest(text(f.signedRequest)),
    canonical: text(f.canonicalRequest),
    sts: text(f.stringToSign),
    signature: f.signature,
  })
  return { ctx: c.context, header: form(c.header), query: form(c.query) }
}

function assertFailure(r: VerifyResult, code: string, message?: string | RegExp): asserts r is Extract<VerifyResult, { ok: false }> {
  assert.equal(r.ok, false, 'expected the request to be refused')
  if (r.ok) return
  assert.equal(r.code, code, r.message)
  if (typeof message === 'string') assert.equal(r.message, message)
  else if (message) assert.match(r.message, message)
}

const suiteCases = readdirSync(SUITE)
  .filter((n) => n.endsWith('.json'))
  .map((n) => n.slice(0, -'.json'.length))
  .sort()

describe('AWS SigV4 test suite (v4)', () => {
  test('all 38 cases are present', () => {
    assert.equal(suiteCases.length, 38)
  })

  for (const name of suiteCases) {
    for (const form of ['header', 'query'] as const) {
      test(`${name} (${form}): canonical request, string to sign and signature match; the request is accepted`, () => {
        const c = loadCase(name)
        const v = c[form]
        const parts = parseSignature(v.request)
        assert.ok(!('ok' in parts), `parse failed: ${'ok' in parts ? parts.message : ''}`)
        if ('ok' in parts) return
        assert.equal(parts.form, form)
        // post-sts-header-after signs the presigned query before adding X-Amz-Security-Token.
        const omitQuery = form === 'query' && c.ctx.sessionTokenAddedAfterSigning ? ['X-Amz-Security-Token'] : []
        const creq = canonicalRequest(v.request, parts.signedHeaders, payloadHashOf(v.request), { normalizePath: c.ctx.normalizePath, omitQuery })
        assert.equal(creq, v.canonical)
        const sts = stringToSign(parts.amzDate, parts.scope, creq)
        assert.equal(sts, v.sts)
        const key = signingKey(c.ctx.secretAccessKey, parts.scopeDate, c.ctx.region, c.ctx.service)
        assert.equal(computeSignature(key, sts), v.signature)

        const result = verifySigV4(v.request, optionsFor(c.ctx))
        assert.ok(result.ok, result.ok ? '' : result.message)
        assert.equal(result.credentials.accessKeyId, 'AKIDEXAMPLE')
        assert.equal(result.signedAt, Date.parse('2015-08-30T12:36:00Z'))
      })
    }
  }
})

describe('mutations of suite requests', () => {
  const mismatchPrefix =
    'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.'

  test('a tampered signed header is an INVALID_SIGNATURE whose message shows the canonical string and string to sign', () => {
    const c = loadCase('post-header-key-sort')
    const req = structuredClone(c.header.request)
    req.headers = req.headers.map(([n, v]) => [n, n === 'My-Header1' ? 'value2' : v])
    const r = verifySigV4(req, optionsFor(c.ctx))
    assertFailure(r, 'INVALID_SIGNATURE')
    assert.equal(r.errorType, 'InvalidSignatureException')
    const expectedCreq = c.header.canonical.replace('my-header1:value1', 'my-header1:value2')
    const expectedSts = stringToSign('20150830T123600Z', '20150830/us-east-1/service/aws4_request', expectedCreq)
    assert.equal(
      r.message,
      `${mismatchPrefix}\n\nThe Canonical String for this request should have been\n'${expectedCreq}'\n\nThe String-to-Sign should have been\n'${expectedSts}'\n`,
    )
  })

  test('explainMismatch: false gives the bare AWS message', () => {
    const c = loadCase('get-vanilla')
    const req = { ...c.header.request, rawPath: '/other' }
    assertFailure(verifySigV4(req, optionsFor(c.ctx, { explainMismatch: false })), 'INVALID_SIGNATURE', mismatchPrefix)
  })

  test('an unsigned header may change freely; a signed one may not', () => {
    const c = loadCase('get-vanilla')
    const extra = { ...c.header.request, headers: [...c.header.request.headers, ['User-Agent', 'curl/8'] as [string, string]] }
    assert.ok(verifySigV4(extra, optionsFor(c.ctx)).ok)
    const host = { ...c.header.request, headers: c.header.request.headers.map(([n, v]) => [n, n === 'Host' ? 'evil.example.com' : v] as [string, string]) }
    assertFailure(verifySigV4(host, optionsFor(c.ctx)), 'INVALID_SIGNATURE')
  })

  test('a tampered path, query or body is an INVALID_SIGNATURE', () => {
    const vanilla = loadCase('get-vanilla-query-order-key-case')
    assertFailure(verifySigV4({ ...vanilla.header.request, rawPath: '/admin' }, optionsFor(vanilla.ctx)), 'INVALID_SIGNATURE')
    assertFailure(
      verifySigV4({ ...vanilla.header.request, rawQuery: 'Param2=value2&Param1=value9' }, optionsFor(vanilla.ctx)),
      'INVALID_SIGNATURE',
    )
    assertFailure(
      verifySigV4({ ...vanilla.header.request, rawQuery: 'Param2=value2&Param1=value1&Param3=x' }, optionsFor(vanilla.ctx)),
      'INVALID_SIGNATURE',
    )
    assertFailure(verifySigV4({ ...vanilla.query.request, rawPath: '/admin' }, optionsFor(vanilla.ctx)), 'INVALID_SIGNATURE')

    const form = loadCase('post-x-www-form-urlencoded')
    // Presigned: the body hash is part of the canonical request.
    assertFailure(verifySigV4({ ...form.query.request, body: Buffer.from('Param1=value2') }, optionsFor(form.ctx)), 'INVALID_SIGNATURE')
    // Header form: the signature covers x-amz-content-sha256, and the body must agree with it.
    assertFailure(
      verifySigV4({ ...form.header.request, body: Buffer.from('Param1=value2') }, optionsFor(form.ctx)),
      'INVALID_SIGNATURE',
      "The provided 'x-amz-content-sha256' header does not match what was computed.",
    )
    // An unbuffered body (undefined) leaves the declared hash to be trusted.
    assert.ok(verifySigV4({ ...form.header.request, body: undefined }, optionsFor(form.ctx)).ok)
  })

  test('the wrong secret is an INVALID_SIGNATURE', () => {
    const c = loadCase('get-vanilla')
    const wrong: Credentials = { ...credentialsFor(c.ctx), secretAccessKey: 'not-the-secret' }
    for (const form of ['header', 'query'] as const) {
      assertFailure(verifySigV4(c[form].request, optionsFor(c.ctx, { lookup: () => wrong })), 'INVALID_SIGNATURE')
    }
  })

  test('clock skew beyond 5 minutes is EXPIRED_TOKEN with AWS wording; exactly 5 minutes is accepted', () => {
    const c = loadCase('get-vanilla')
    const t = Date.parse('2015-08-30T12:36:00Z')
    assert.ok(verifySigV4(c.header.request, optionsFor(c.ctx, { nowMs: t + 5 * 60_000 })).ok)
    assert.ok(verifySigV4(c.header.request, optionsFor(c.ctx, { nowMs: t - 5 * 60_000 })).ok)
    const late = verifySigV4(c.header.request, optionsFor(c.ctx, { nowMs: Date.parse('2015-08-30T12:46:00Z') }))
    assertFailure(late, 'EXPIRED_TOKEN', 'Signature expired: 20150830T123600Z is now earlier than 20150830T124100Z (20150830T124600Z - 5 min.)')
    assert.equal(late.errorType, 'InvalidSignatureException')
    assertFailure(
      verifySigV4(c.header.request, optionsFor(c.ctx, { nowMs: Date.parse('2015-08-30T12:26:00Z') })),
      'EXPIRED_TOKEN',
      'Signature not yet current: 20150830T123600Z is still later than 20150830T123100Z (20150830T122600Z + 5 min.)',
    )
    assertFailure(
      verifySigV4(c.header.request, optionsFor(c.ctx, { nowMs: t + 61_000, maxSkewMs: 60_000 })),
      'EXPIRED_TOKEN',
      'Signature expired: 20150830T123600Z is now earlier than 20150830T123601Z (20150830T123701Z - 1 min.)',
    )
  })

  test('a presigned URL is honoured for X-Amz-Expires seconds and no longer', () => {
    const c = loadCase('get-vanilla')
    const t = Date.parse('2015-08-30T12:36:00Z')
    assert.ok(verifySigV4(c.query.request, optionsFor(c.ctx, { nowMs: t + 3600_000 })).ok)
    assertFailure(
      verifySigV4(c.query.request, optionsFor(c.ctx, { nowMs: t + 3601_000 })),
      'EXPIRED_TOKEN',
      'Signature expired: 20150830T123600Z is now earlier than 20150830T123601Z (20150830T133601Z - 3600 sec.)',
    )
    assertFailure(verifySigV4(c.query.request, optionsFor(c.ctx, { nowMs: t - 6 * 60_000 })), 'EXPIRED_TOKEN', /^Signature not yet current/)
    // X-Amz-Expires is itself signed.
    const longer = { ...c.query.request, rawQuery: c.query.request.rawQuery.replace('X-Amz-Expires=3600', 'X-Amz-Expires=7200') }
    assertFailure(verifySigV4(longer, optionsFor(c.ctx, { nowMs: t + 3700_000 })), 'INVALID_SIGNATURE')
  })

  test('an unknown access key is UNRECOGNIZED_CLIENT: "The security token included in the request is invalid."', () => {
    const c = loadCase('get-vanilla')
    for (const form of ['header', 'query'] as const) {
      const r = verifySigV4(c[form].request, optionsFor(c.ctx, { lookup: () => undefined }))
      assertFailure(r, 'UNRECOGNIZED_CLIENT', 'The security token included in the request is invalid.')
      assert.equal(r.errorType, 'UnrecognizedClientException')
    }
  })

  test('session tokens: the request must carry exactly the credentials\' token, and expired credentials are refused', () => {
    const c = loadCase('get-vanilla-with-session-token')
    const base = credentialsFor(c.ctx)
    const withoutToken = { ...c.header.request, headers: c.header.request.headers.filter(([n]) => n !== 'X-Amz-Security-Token') }
    assertFailure(verifySigV4(withoutToken, optionsFor(c.ctx)), 'UNRECOGNIZED_CLIENT', 'The security token included in the request is invalid.')
    const other: Credentials = { ...base, sessionToken: 'another-token' }
    assertFailure(verifySigV4(c.header.request, optionsFor(c.ctx, { lookup: () => other })), 'UNRECOGNIZED_CLIENT')
    const longTerm: Credentials = { ...base }
    delete longTerm.sessionToken
    assertFailure(verifySigV4(c.query.request, optionsFor(c.ctx, { lookup: () => longTerm })), 'UNRECOGNIZED_CLIENT')
    const expired: Credentials = { ...base, expiresAt: Date.parse('2015-08-30T12:30:00Z') }
    const r = verifySigV4(c.header.request, optionsFor(c.ctx, { lookup: () => expired }))
    assertFailure(r, 'EXPIRED_TOKEN', 'The security token included in the request is expired')
    assert.equal(r.errorType, 'ExpiredTokenException')
  })

  test('a credential scoped to another region, service, terminator or day is refused with AWS wording', () => {
    const c = loadCase('get-vanilla')
    assertFailure(
      verifySigV4(c.header.request, optionsFor(c.ctx, { region: 'eu-west-1' })),
      'INVALID_SIGNATURE',
      "Credential should be scoped to a valid region, not 'us-east-1'. ",
    )
    assertFailure(
      verifySigV4(c.header.request, optionsFor(c.ctx, { service: 'execute-api' })),
      'INVALID_SIGNATURE',
      "Credential should be scoped to correct service: 'execute-api'. ",
    )
    const swap = (from: string, to: string): SigV4Request => ({
      ...c.header.request,
      headers: c.header.request.headers.map(([n, v]) => [n, n === 'Authorization' ? v.replace(from, to) : v] as [string, string]),
    })
    assertFailure(
      verifySigV4(swap('aws4_request', 'aws5_request'), optionsFor(c.ctx)),
      'INVALID_SIGNATURE',
      "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'. ",
    )
    assertFailure(
      verifySigV4(swap('AKIDEXAMPLE/20150830', 'AKIDEXAMPLE/20150831'), optionsFor(c.ctx)),
      'INVALID_SIGNATURE',
      "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20150831' != '20150830', from '20150830T123600Z'.",
    )
  })

  test('malformed Authorization headers are INCOMPLETE_SIGNATURE with AWS wording', () => {
    const c = loadCase('get-vanilla')
    const withAuth = (auth: string, keepDate = true): SigV4Request => ({
      ...c.header.request,
      headers: [
        ...c.header.request.headers.filter(([n]) => n !== 'Authorization' && (keepDate || n !== 'X-Amz-Date')),
        ['Authorization', auth],
      ],
    })
    const check = (auth: string, message: string, keepDate = true) => {
      const r = verifySigV4(withAuth(auth, keepDate), optionsFor(c.ctx))
      assertFailure(r, 'INCOMPLETE_SIGNATURE', message)
      assert.equal(r.errorType, 'IncompleteSignatureException')
    }
    check('Bearer xyz', "'xyz' not a valid key=value pair (missing equal-sign) in Authorization header: 'Bearer xyz'.")
    check(
      'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig',
      "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig",
      false,
    )
    check(
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date',
      "Authorization header requires 'Signature' parameter. Authorization=AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date",
    )
    check(
      'AWS4-HMAC-SHA256 Credential= AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc',
      "'AKIDEXAMPLE/20150830/us-east-1/service/aws4_request' not a valid key=value pair (missing equal-sign) in Authorization header: 'AWS4-HMAC-SHA256 Credential= AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc'.",
    )
    check(
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service, SignedHeaders=host;x-amz-date, Signature=abc',
      "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got 'AKIDEXAMPLE/20150830/us-east-1/service'",
    )
    check(
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=x-amz-date, Signature=abc',
      "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
    )
    const badDate: SigV4Request = {
      ...c.header.request,
      headers: c.header.request.headers.map(([n, v]) => [n, n === 'X-Amz-Date' ? '2015-08-30T12:36:00Z' : v] as [string, string]),
    }
    assertFailure(
      verifySigV4(badDate, optionsFor(c.ctx)),
      'INCOMPLETE_SIGNATURE',
      "Date must be in ISO-8601 'basic format'. Got '2015-08-30T12:36:00Z'. See http://en.wikipedia.org/wiki/ISO_8601",
    )
  })

  test('a presigned URL missing parameters is INCOMPLETE_SIGNATURE', () => {
    const c = loadCase('get-vanilla')
    const rawQuery = c.query.request.rawQuery.replace(/&X-Amz-Signature=[0-9a-f]+/, '')
    assertFailure(
      verifySigV4({ ...c.query.request, rawQuery }, optionsFor(c.ctx)),
      'INCOMPLETE_SIGNATURE',
      "AWS query-string parameters must include 'X-Amz-Signature'. Re-examine the query-string parameters.",
    )
  })

  test('no signature at all is MISSING_AUTHENTICATION_TOKEN', () => {
    const c = loadCase('get-vanilla')
    const r = verifySigV4(parseRawRequest('GET /?a=b HTTP/1.1\nHost:example.amazonaws.com\n\n'), optionsFor(c.ctx))
    assertFailure(r, 'MISSING_AUTHENTICATION_TOKEN', 'Missing Authentication Token')
    assert.equal(r.errorType, 'MissingAuthenticationTokenException')
    const blank = verifySigV4({ ...c.header.request, headers: [['Host', 'example.amazonaws.com'], ['Authorization', '  ']] }, optionsFor(c.ctx))
    assertFailure(blank, 'MISSING_AUTHENTICATION_TOKEN')
  })

  test('a Date header stands in for X-Amz-Date', () => {
    const secret = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY'
    const date = 'Sun, 30 Aug 2015 12:36:00 GMT'
    const unsigned: SigV4Request = { method: 'GET', rawPath: '/', rawQuery: '', headers: [['Host', 'example.amazonaws.com'], ['Date', date]] }
    const creq = canonicalRequest(unsigned, ['date', 'host'], payloadHashOf(unsigned))
    const sts = stringToSign('20150830T123600Z', '20150830/us-east-1/service/aws4_request', creq)
    const sig = computeSignature(signingKey(secret, '20150830', 'us-east-1', 'service'), sts)
    const req = {
      ...unsigned,
      headers: [
        ...unsigned.headers,
        ['Authorization', `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=date;host, Signature=${sig}`],
      ] as Array<[string, string]>,
    }
    const c = loadCase('get-vanilla')
    const r = verifySigV4(req, optionsFor(c.ctx))
    assert.ok(r.ok, r.ok ? '' : r.message)
  })
})

describe('canonical pieces', () => {
  test('paths are normalised and encoded a second time (non-S3 services)', () => {
    assert.equal(canonicalUri('/a/./b/../c//d/'), '/a/c/d/')
    assert.equal(canonicalUri('/prod/a%20b/caf%C3%A9'), '/prod/a%2520b/caf%25C3%25A9')
    assert.equal(canonicalUri("/it's(1)*!"), '/it%27s%281%29%2A%21')
    assert.equal(canonicalUri(''), '/')
    assert.equal(canonicalUri('/..'), '/')
  })

  test('query parameters are decoded, re-encoded per RFC 3986 and sorted by name then value', () => {
    assert.equal(canonicalQuery('b=2&a=2&a=1&c'), 'a=1&a=2&b=2&c=')
    assert.equal(canonicalQuery('q=a+b&r=%7e%2a&s=%zz'), 'q=a%20b&r=~%2A&s=%25zz')
    assert.equal(canonicalQuery('X-Amz-Signature=abc&x=1'), 'x=1')
    assert.equal(canonicalQuery(''), '')
  })

  test('derived signing keys match the AWS documentation example and are cached', () => {
    const key = signingKey('wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', '20120215', 'us-east-1', 'iam')
    assert.equal(key.toString('hex'), 'f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d')
    assert.equal(signingKey('wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', '20120215', 'us-east-1', 'iam'), key)
  })
})

// -----------------------------------------------------------------------------------------------------
// Requests signed by the AWS SDK's signer

const SDK_NOW = Date.parse('2025-03-01T10:00:00Z')
const SDK_CREDS: Credentials = {
  accessKeyId: 'AKIAGATEHOUSETEST01',
  secretAccessKey: 'gatehouse/secret+key/for+tests',
  principalArn: 'arn:aws:iam::111122223333:user/alice',
  accountId: '111122223333',
}
const SDK_TEMP: Credentials = {
  accessKeyId: 'ASIAGATEHOUSETEST02',
  secretAccessKey: 'temporary/secret',
  sessionToken: 'FwoGZXIvYXdzEBYaD+token/with=chars',
  principalArn: 'arn:aws:sts::111122223333:assumed-role/Reader/session1',
  accountId: '111122223333',
}
const sdkLookup = (id: string) => [SDK_CREDS, SDK_TEMP].find((c) => c.accessKeyId === id)
const sdkOptions: VerifyOptions = { lookup: sdkLookup, region: 'eu-west-1', service: 'execute-api', nowMs: SDK_NOW }

function sdkSigner(creds: Credentials) {
  const credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } = {
    accessKeyId: creds.accessKeyId,
    secretAccessKey: creds.secretAccessKey,
  }
  if (creds.sessionToken !== undefined) credentials.sessionToken = creds.sessionToken
  return new SignatureV4({ service: 'execute-api', region: 'eu-west-1', sha256: Sha256, credentials })
}

/** The query string the SDK's HTTP handler would send: RFC 3986 escaping, object order. */
function sdkQueryString(query: Record<string, string | string[] | null>): string {
  const esc = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase())
  const out: string[] = []
  for (const [k, v] of Object.entries(query)) {
    if (v === null) out.push(esc(k))
    else for (const one of Array.isArray(v) ? v : [v]) out.push(`${esc(k)}=${esc(one)}`)
  }
  return out.join('&')
}

interface SdkInput {
  method: string
  path: string
  query?: Record<string, string | string[]>
  headers?: Record<string, string>
  body?: string
}

function sdkRequest(input: SdkInput) {
  const headers: Record<string, string> = { host: 'abc123defg.execute-api.eu-west-1.amazonaws.com', ...input.headers }
  return { method: input.method, protocol: 'https:', hostname: headers.host!, path: input.path, query: input.query ?? {}, headers, body: input.body }
}

async function sdkSign(creds: Credentials, input: SdkInput): Promise<SigV4Request> {
  const signed = await sdkSigner(creds).sign(sdkRequest(input), { signingDate: new Date(SDK_NOW) })
  return {
    method: signed.method,
    rawPath: signed.path,
    rawQuery: sdkQueryString(signed.query as Record<string, string | string[]>),
    headers: Object.entries(signed.headers as Record<string, string>),
    body: input.body === undefined ? null : Buffer.from(input.body),
  }
}

async function sdkPresign(creds: Credentials, input: SdkInput, expiresIn: number): Promise<SigV4Request> {
  const signed = await sdkSigner(creds).presign(sdkRequest(input), { signingDate: new Date(SDK_NOW), expiresIn })
  return {
    method: signed.method,
    rawPath: signed.path,
    rawQuery: sdkQueryString(signed.query as Record<string, string | string[]>),
    headers: Object.entries(signed.headers as Record<string, string>),
    body: input.body === undefined ? null : Buffer.from(input.body),
  }
}

describe('requests signed by @smithy/signature-v4 for execute-api', () => {
  const oddPath = "/prod/pets/a%20b/caf%C3%A9/x+y/it's(1)/%2Fslash/~user/*"
  const cases: Array<[string, Credentials, SdkInput]> = [
    ['GET, long-term keys', SDK_CREDS, { method: 'GET', path: '/prod/pets' }],
    ['GET, session token', SDK_TEMP, { method: 'GET', path: '/prod/pets' }],
    ['root path', SDK_CREDS, { method: 'GET', path: '/prod/' }],
    ['POST with a JSON body', SDK_CREDS, { method: 'POST', path: '/prod/pets', headers: { 'content-type': 'application/json' }, body: '{"name":"Rex","emoji":"🐕"}' }],
    ['POST with a body and a session token', SDK_TEMP, { method: 'PUT', path: '/prod/pets/1', body: 'x'.repeat(10_000) }],
    ['query parameters with repeats and odd characters', SDK_CREDS, { method: 'GET', path: '/prod/search', query: { q: 'a b+c/d?e', tag: ['z', 'a', 'é'], "it's": '*(!)', empty: '' } }],
    ['odd characters in the path', SDK_CREDS, { method: 'DELETE', path: oddPath }],
    ['extra signed headers with repeated spaces', SDK_TEMP, { method: 'GET', path: '/prod/x', headers: { 'x-custom': '  a   b  ', 'content-type': 'text/plain' } }],
  ]

  for (const [name, creds, input] of cases) {
    test(`${name}: header form accepted, identity returned`, async () => {
      const req = await sdkSign(creds, input)
      const r = verifySigV4(req, sdkOptions)
      assert.ok(r.ok, r.ok ? '' : r.message)
      assert.equal(r.credentials.principalArn, creds.principalArn)
      assert.equal(r.signedAt, SDK_NOW)
    })
    test(`${name}: presigned form accepted`, async () => {
      const req = await sdkPresign(creds, input, 900)
      const r = verifySigV4(req, sdkOptions)
      assert.ok(r.ok, r.ok ? '' : r.message)
      assertFailure(verifySigV4(req, { ...sdkOptions, nowMs: SDK_NOW + 901_000 }), 'EXPIRED_TOKEN')
    })
  }

  test('an SDK-signed body that is swapped afterwards is refused', async () => {
    const req = await sdkSign(SDK_CREDS, { method: 'POST', path: '/prod/pets', body: '{"amount":1}' })
    assert.ok(verifySigV4(req, sdkOptions).ok)
    assertFailure(verifySigV4({ ...req, body: Buffer.from('{"amount":1000}') }, sdkOptions), 'INVALID_SIGNATURE')
    // Rewriting the declared hash too breaks the signature itself.
    const hash = createHash('sha256').update('{"amount":1000}').digest('hex')
    const rewritten = { ...req, body: Buffer.from('{"amount":1000}'), headers: req.headers.map(([n, v]) => [n, n === 'x-amz-content-sha256' ? hash : v] as [string, string]) }
    assertFailure(verifySigV4(rewritten, sdkOptions), 'INVALID_SIGNATURE', /^The request signature we calculated does not match/)
  })

  test('a path signed for one resource does not verify for another', async () => {
    const req = await sdkSign(SDK_CREDS, { method: 'GET', path: '/prod/pets/1' })
    assertFailure(verifySigV4({ ...req, rawPath: '/prod/pets/2' }, sdkOptions), 'INVALID_SIGNATURE')
    assertFailure(verifySigV4({ ...req, method: 'DELETE' }, sdkOptions), 'INVALID_SIGNATURE')
  })

  test('through a real HTTP server: Node\'s rawHeaders and URL verify as sent', async (t) => {
    const results: VerifyResult[] = []
    const server = createServer((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', () => {
        const url = req.url!
        const q = url.indexOf('?')
        const headers: Array<[string, string]> = []
        for (let i = 0; i < req.rawHeaders.length; i += 2) headers.push([req.rawHeaders[i]!, req.rawHeaders[i + 1]!])
        results.push(
          verifySigV4(
            { method: req.method!, rawPath: q === -1 ? url : url.slice(0, q), rawQuery: q === -1 ? '' : url.slice(q + 1), headers, body: Buffer.concat(chunks) },
            sdkOptions,
          ),
        )
        res.end()
      })
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    t.after(() => new Promise<void>((r) => server.close(() => r())))
    const port = (server.address() as AddressInfo).port

    const send = (signed: SigV4Request) =>
      new Promise<void>((resolve, reject) => {
        const headers: Record<string, string> = {}
        for (const [n, v] of signed.headers) headers[n] = v
        const out = httpRequest(
          { host: '127.0.0.1', port, method: signed.method, path: signed.rawPath + (signed.rawQuery ? `?${signed.rawQuery}` : ''), headers },
          (res) => {
            res.resume()
            res.on('end', resolve)
          },
        )
        out.on('error', reject)
        out.end(signed.body ?? undefined)
      })

    await send(await sdkSign(SDK_TEMP, { method: 'POST', path: oddPath, query: { q: 'a b', n: ['2', '1'] }, body: '{"ok":true}', headers: { 'content-type': 'application/json' } }))
    await send(await sdkPresign(SDK_CREDS, { method: 'GET', path: '/prod/pets/%E2%9C%93', query: { page: '2' } }, 60))
    assert.equal(results.length, 2)
    for (const r of results) assert.ok(r.ok, r.ok ? '' : r.message)
  })
})
