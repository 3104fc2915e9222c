// Lambda proxy payloads: the REST/HTTP payload 1.0 event (§4.1, §4.5) and the HTTP API payload 2.0 event
// (§4.3), and the reading of a function's result into a response with AWS's validation and inference
// rules (§4.2, §4.4).

import { generatedTraceId, type RequestContext } from '../dataplane/context.js'
import type { Reply } from '../dataplane/plan.js'
import { firstAccept, mediaType } from './templates.js'

const ACCOUNT_ID = '000000000000'

/** Whether a media type matches a binaryMediaTypes entry (`image/png`, `image/*`, `*\/*`). */
export function isBinaryType(type: string, binaryMediaTypes: readonly string[]): boolean {
  if (binaryMediaTypes.length === 0 || type === '') return false
  const slash = type.indexOf('/')
  const main = slash === -1 ? type : type.slice(0, slash)
  for (const raw of binaryMediaTypes) {
    const b = raw.toLowerCase()
    if (b === type || b === '*/*' || (b.endsWith('/*') && b.slice(0, -2) === main)) return true
  }
  return false
}

/** HTTP APIs deliver text only for textual content types; everything else (or none) is base64 (§4.3). */
export function isTextualType(type: string): boolean {
  if (type === '') return false
  return (
    type.startsWith('text/') ||
    type.endsWith('/json') ||
    type.endsWith('+json') ||
    type.endsWith('/xml') ||
    type.endsWith('+xml') ||
    type === 'application/javascript' ||
    type === 'application/x-javascript' ||
    type === 'application/ecmascript' ||
    type === 'application/yaml' ||
    type === 'application/x-yaml' ||
    type === 'application/graphql'
  )
}

function identity(ctx: RequestContext): Record<string, unknown> {
  const id: Record<string, unknown> = {
    accessKey: null,
    accountId: null,
    caller: null,
    cognitoAuthenticationProvider: null,
    cognitoAuthenticationType: null,
    cognitoIdentityId: null,
    cognitoIdentityPoolId: null,
    principalOrgId: null,
    sourceIp: ctx.sourceIp,
    user: null,
    userAgent: ctx.header('user-agent') ?? null,
    userArn: null,
  }
  if (ctx.apiKey !== null) {
    id['apiKey'] = ctx.apiKey
    id['apiKeyId'] = ctx.apiKeyId
  }
  if (ctx.identity !== null) Object.assign(id, ctx.identity)
  if (ctx.clientCert !== null) id['clientCert'] = ctx.clientCert
  return id
}

function domainPrefix(domain: string): string {
  const i = domain.indexOf('.')
  const host = i === -1 ? domain : domain.slice(0, i)
  const colon = host.indexOf(':')
  return colon === -1 ? host : host.slice(0, colon)
}

/** The request's X-Amzn-Trace-Id (the client's, or one made from the request's time and id): the same value in the event and on the response. */
export function traceIdOf(ctx: RequestContext): string {
  const sent = ctx.exchange.headers['x-amzn-trace-id']
  if (typeof sent === 'string') return sent
  return generatedTraceId(ctx)
}

/** The headers a regional endpoint adds before the integration sees the request (§1.8). */
function forwardedHeaders(ctx: RequestContext): Array<[string, string]> {
  const out: Array<[string, string]> = []
  const h = ctx.exchange.headers
  out.push(['X-Amzn-Trace-Id', traceIdOf(ctx)])
  const xff = h['x-forwarded-for']
  out.push(['X-Forwarded-For', xff === undefined ? ctx.sourceIp : `${Array.isArray(xff) ? xff.join(', ') : xff}, ${ctx.sourceIp}`])
  out.push(['X-Forwarded-Port', String(ctx.exchange.localPort)])
  out.push(['X-Forwarded-Proto', ctx.secure ? 'https' : 'http'])
  return out
}

const FORWARDED = new Set(['x-amzn-trace-id', 'x-forwarded-for', 'x-forwarded-port', 'x-forwarded-proto'])

/**
 * Client headers a REST API drops at ingress (§6.6), so a REST proxy event never shows them: the events recorded in
 * test_apigateway_lambda :: test_lambda_aws_proxy_integration have neither the client's Connection nor its Content-Length.
 */
const REST_INGRESS_DROPPED = new Set([
  'connection', 'content-length', 'content-md5', 'expect', 'max-forwards', 'proxy-authenticate', 'server', 'te',
  'transfer-encoding', 'trailer', 'upgrade', 'www-authenticate',
])

/** Body for an event: text, base64, or null when there is none. */
function eventBody(body: Buffer | null, base64: boolean): string | null {
  if (body === null || body.length === 0) return null
  return base64 ? body.toString('base64') : body.toString('utf8')
}

/**
 * The payload-1.0 event (REST AWS_PROXY, or an HTTP API with payloadFormatVersion 1.0). `path` has no stage
 * on REST APIs (a doubled slash after the stage collapsed, trailing slash kept); HTTP APIs keep the stage.
 */
export function buildV1Event(ctx: RequestContext, opts: { httpApi: boolean; binaryMediaTypes: readonly string[] }): Record<string, unknown> {
  const headers: Record<string, string> = {}
  const multi: Record<string, string[]> = {}
  const raw = ctx.rawHeaders
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!
    const lower = name.toLowerCase()
    if (FORWARDED.has(lower) || (!opts.httpApi && REST_INGRESS_DROPPED.has(lower))) continue
    const value = raw[i + 1]!
    headers[name] = value
    ;(multi[name] ??= []).push(value)
  }
  for (const [name, value] of forwardedHeaders(ctx)) {
    headers[name] = value
    multi[name] = [value]
  }
  let qs: Record<string, string> | null = null
  let mqs: Record<string, string[]> | null = null
  if (ctx.query.size > 0) {
    qs = {}
    mqs = {}
    for (const [k, v] of ctx.query) {
      qs[k] = v[v.length - 1]!
      mqs[k] = [...v]
    }
  }
  const type = mediaType(ctx.header('content-type'), '')
  const base64 = isBinaryType(type, opts.binaryMediaTypes)
  const route = ctx.route!
  const stage = ctx.stage!
  const hasParams = Object.keys(ctx.pathParams).length > 0
  // Through a custom domain, `path` is the request's own, base path (and a stage segment) included (§1.7, §4.1).
  const path = opts.httpApi || ctx.basePathMatched !== null ? ctx.rawPath : '/' + ctx.path.replace(/^\/+/, '')
  const requestContext: Record<string, unknown> = {
    accountId: ACCOUNT_ID,
    apiId: stage.apiId,
    deploymentId: stage.deploymentId,
    domainName: ctx.domainName,
    domainPrefix: domainPrefix(ctx.domainName),
    extendedRequestId: ctx.extendedRequestId,
    httpMethod: ctx.httpMethod,
    identity: identity(ctx),
    // Slashes doubled before the stage are collapsed (recorded: `//stage/x` → "/stage/x"); later ones are kept.
    path: opts.httpApi ? ctx.rawPath : ctx.rawPath.replace(/^\/{2,}/, '/'),
    protocol: ctx.protocol,
    requestId: opts.httpApi ? ctx.extendedRequestId : ctx.requestId,
    requestTime: ctx.requestTime,
    requestTimeEpoch: ctx.startTime,
    resourceId: route.resourceId,
    resourcePath: route.resourcePath,
    stage: stage.stageName,
  }
  if (opts.httpApi) requestContext['routeKey'] = route.routeKey
  if (route.operationName !== undefined) requestContext['operationName'] = route.operationName
  if (ctx.authorizer !== null) requestContext['authorizer'] = ctx.authorizer
  const event: Record<string, unknown> = {}
  if (opts.httpApi) event['version'] = '1.0'
  Object.assign(event, {
    resource: route.resourcePath,
    path,
    httpMethod: ctx.httpMethod,
    headers,
    multiValueHeaders: multi,
    queryStringParameters: qs,
    multiValueQueryStringParameters: mqs,
    pathParameters: hasParams ? { ...ctx.pathParams } : null,
    stageVariables: stage.hasVariables ? { ...ctx.stageVariables } : null,
    requestContext,
    body: eventBody(ctx.receivedBody, base64),
    isBase64Encoded: base64 && ctx.receivedBody !== null && ctx.receivedBody.length > 0,
  })
  return event
}

/** The HTTP API payload-2.0 event (§4.3): lower-cased, comma-joined headers; cookies apart; absent, not null. */
export function buildV2Event(ctx: RequestContext): Record<string, unknown> {
  const headers: Record<string, string> = {}
  const cookies: string[] = []
  const raw = ctx.rawHeaders
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase()
    const value = raw[i + 1]!
    if (name === 'cookie') {
      for (const c of value.split(';')) {
        const t = c.trim()
        if (t !== '') cookies.push(t)
      }
      continue
    }
    if (FORWARDED.has(name)) continue
    headers[name] = headers[name] === undefined ? value : headers[name] + ',' + value
  }
  for (const [name, value] of forwardedHeaders(ctx)) headers[name.toLowerCase()] = value
  const route = ctx.route!
  const stage = ctx.stage!
  const event: Record<string, unknown> = {
    version: '2.0',
    routeKey: route.routeKey,
    rawPath: ctx.rawPath,
    rawQueryString: ctx.rawQuery,
  }
  if (cookies.length > 0) event['cookies'] = cookies
  event['headers'] = headers
  if (ctx.query.size > 0) {
    const qs: Record<string, string> = {}
    for (const [k, v] of ctx.query) qs[k] = v.join(',')
    event['queryStringParameters'] = qs
  }
  const requestContext: Record<string, unknown> = {
    accountId: ACCOUNT_ID,
    apiId: stage.apiId,
    domainName: ctx.domainName,
    domainPrefix: domainPrefix(ctx.domainName),
    http: { method: ctx.httpMethod, path: ctx.rawPath, protocol: ctx.protocol, sourceIp: ctx.sourceIp, userAgent: ctx.header('user-agent') ?? '' },
    requestId: ctx.extendedRequestId,
    routeKey: route.routeKey,
    stage: stage.stageName,
    time: ctx.requestTime,
    timeEpoch: ctx.startTime,
  }
  if (ctx.clientCert !== null) requestContext['authentication'] = { clientCert: ctx.clientCert }
  // Payload 2.0 nests what the authorizer found by its kind (`jwt`, `lambda`, `iam`, §4.3); $context and 1.0 read it flat.
  const authorizer = ctx.authorizerV2 ?? ctx.authorizer
  if (authorizer !== null) requestContext['authorizer'] = authorizer
  event['requestContext'] = requestContext
  if (ctx.receivedBody !== null && ctx.receivedBody.length > 0) {
    const text = isTextualType(mediaType(ctx.header('content-type'), ''))
    event['body'] = text ? ctx.receivedBody.toString('utf8') : ctx.receivedBody.toString('base64')
    event['isBase64Encoded'] = !text
  } else event['isBase64Encoded'] = false
  if (Object.keys(ctx.pathParams).length > 0) event['pathParameters'] = { ...ctx.pathParams }
  if (stage.hasVariables) event['stageVariables'] = { ...ctx.stageVariables }
  return event
}

/** A function result that does not follow the proxy response format (§4.2). */
export class MalformedProxyResponse extends Error {
  constructor(reason: string) {
    super(`Malformed Lambda proxy response: ${reason}`)
    this.name = 'MalformedProxyResponse'
  }
}

const V1_KEYS = new Set(['statusCode', 'headers', 'multiValueHeaders', 'body', 'isBase64Encoded'])

function scalarString(v: unknown, where: string): string {
  if (v === null) return ''
  if (typeof v === 'string') return v
  if (typeof v === 'number' || typeof v === 'boolean') return String(v)
  throw new MalformedProxyResponse(`${where} must be a string, number or boolean`)
}

function parseStatus(v: unknown): number {
  if (v === undefined) return 200
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : NaN
  if (!Number.isInteger(n) || n < 100 || n > 599) throw new MalformedProxyResponse(`statusCode ${JSON.stringify(v)} is not a status code`)
  return n
}

/**
 * Reads a payload-1.0 proxy result (§4.2): strict about the shape (unknown keys, non-string body,
 * non-list multi-value headers, bad status → MalformedProxyResponse), lenient where AWS is (no statusCode
 * → 200, numeric strings, stringified header values). `base64Allowed`: decode an `isBase64Encoded` body
 * (REST: only when the request's Accept matches binaryMediaTypes; HTTP APIs: always).
 */
export function readV1Result(payload: unknown, base64Allowed: boolean): Reply {
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) throw new MalformedProxyResponse('the result is not a JSON object')
  const obj = payload as Record<string, unknown>
  for (const k of Object.keys(obj)) if (!V1_KEYS.has(k)) throw new MalformedProxyResponse(`unknown key ${JSON.stringify(k)}`)
  const status = parseStatus(obj['statusCode'])
  // Multi-value headers first, then single ones, merged case-insensitively keeping the multi-value casing.
  const names = new Map<string, string>()
  const values = new Map<string, string[]>()
  const mvh = obj['multiValueHeaders']
  if (mvh !== undefined && mvh !== null) {
    if (typeof mvh !== 'object' || Array.isArray(mvh)) throw new MalformedProxyResponse('multiValueHeaders must be an object')
    for (const [k, list] of Object.entries(mvh as Record<string, unknown>)) {
      if (!Array.isArray(list)) throw new MalformedProxyResponse(`multiValueHeaders.${k} must be a list`)
      const lower = k.toLowerCase()
      if (!names.has(lower)) names.set(lower, k)
      const into = values.get(lower) ?? []
      for (const v of list) into.push(scalarString(v, `multiValueHeaders.${k}`))
      values.set(lower, into)
    }
  }
  const h = obj['headers']
  if (h !== undefined && h !== null) {
    if (typeof h !== 'object' || Array.isArray(h)) throw new MalformedProxyResponse('headers must be an object')
    for (const [k, v] of Object.entries(h as Record<string, unknown>)) {
      const lower = k.toLowerCase()
      if (!names.has(lower)) names.set(lower, k)
      const into = values.get(lower) ?? []
      into.push(scalarString(v, `headers.${k}`))
      values.set(lower, into)
    }
  }
  const body = obj['body']
  if (body !== undefined && body !== null && typeof body !== 'string') throw new MalformedProxyResponse('body must be a string')
  const b64 = obj['isBase64Encoded']
  if (b64 !== undefined && b64 !== null && typeof b64 !== 'boolean') throw new MalformedProxyResponse('isBase64Encoded must be a boolean')
  const headers: Record<string, string> = {}
  const cookies: string[] = []
  for (const [lower, list] of values) {
    if (lower === 'set-cookie') cookies.push(...list)
    else headers[names.get(lower)!] = list.join(', ')
  }
  if (!values.has('content-type')) headers['Content-Type'] = 'application/json'
  const text = typeof body === 'string' ? body : ''
  const out: Buffer | string = b64 === true && base64Allowed ? Buffer.from(text, 'base64') : text
  return cookies.length > 0 ? { status, headers, body: out, cookies } : { status, headers, body: out }
}

/** Reads a payload-2.0 result (§4.4), inferring the response when there is no statusCode. */
export function readV2Result(payload: unknown): Reply {
  if (payload !== null && typeof payload === 'object' && !Array.isArray(payload) && 'statusCode' in payload) {
    const obj = payload as Record<string, unknown>
    const status = parseStatus(obj['statusCode'])
    const headers: Record<string, string> = {}
    const h = obj['headers']
    if (h !== undefined && h !== null) {
      if (typeof h !== 'object' || Array.isArray(h)) throw new MalformedProxyResponse('headers must be an object')
      for (const [k, v] of Object.entries(h as Record<string, unknown>)) headers[k] = scalarString(v, `headers.${k}`)
    }
    const c = obj['cookies']
    const cookies: string[] = []
    if (c !== undefined && c !== null) {
      if (!Array.isArray(c)) throw new MalformedProxyResponse('cookies must be a list')
      for (const one of c) cookies.push(scalarString(one, 'cookies'))
    }
    const body = obj['body']
    let text: string
    if (body === undefined || body === null) text = ''
    else if (typeof body === 'string') text = body
    else text = JSON.stringify(body)
    if (!Object.keys(headers).some((k) => k.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json'
    const out: Buffer | string = obj['isBase64Encoded'] === true ? Buffer.from(text, 'base64') : text
    return cookies.length > 0 ? { status, headers, body: out, cookies } : { status, headers, body: out }
  }
  const body = typeof payload === 'string' ? payload : JSON.stringify(payload ?? null)
  return { status: 200, headers: { 'content-type': 'application/json' }, body }
}

/** Whether a REST proxy may decode a base64 body: the request's first Accept type is binary (§14.2, §18.6). */
export function acceptIsBinary(ctx: RequestContext, binaryMediaTypes: readonly string[]): boolean {
  return isBinaryType(firstAccept(ctx.header('accept')), binaryMediaTypes)
}
