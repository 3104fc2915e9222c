// `x-amazon-apigateway-integration` → a REST Integration (§1.4, §1.5) or an HTTP API IntegrationV2 (§3.4),
// with AWS's defaults (§16.3) and range checks.

import type { ContentHandling, HttpMethod, Integration, IntegrationResponse, IntegrationV2, PassthroughBehavior, RestIntegrationType } from '../../model/types.js'
import { HTTP_METHODS } from '../../model/types.js'
import { at, isObj, type ImportContext, type Obj } from './context.js'
import { checkPattern, checkTemplates } from './regexes.js'
import { formatVersion } from './security.js'

const REST_TYPES: readonly RestIntegrationType[] = ['AWS', 'AWS_PROXY', 'HTTP', 'HTTP_PROXY', 'MOCK']
const PASSTHROUGH: readonly PassthroughBehavior[] = ['WHEN_NO_MATCH', 'WHEN_NO_TEMPLATES', 'NEVER']
const CONTENT_HANDLING: readonly ContentHandling[] = ['CONVERT_TO_TEXT', 'CONVERT_TO_BINARY']
const STATUS = /^[1-5]\d\d$/

export const REST_TIMEOUT = { min: 50, max: 29000, default: 29000 }
export const HTTP_TIMEOUT = { min: 50, max: 30000, default: 30000 }

/** Where the integration sits, for AWS-style messages and defaults. */
export interface RestSite {
  resourceId: string
  resourcePath: string
  httpMethod: HttpMethod
}

function httpMethodOf(ctx: ImportContext, o: Obj, path: string): string | undefined {
  const m = ctx.string(o, 'httpMethod', path)
  if (m === undefined || m === '') return undefined
  const up = m.toUpperCase()
  if (!(HTTP_METHODS as readonly string[]).includes(up)) {
    ctx.problem(at(path, 'httpMethod'), `Invalid HttpMethod '${m}'. Valid options are GET,PUT,POST,DELETE,PATCH,OPTIONS,HEAD,ANY`)
    return undefined
  }
  return up
}

/** Checks a URI's shape unless it holds a `${...}` placeholder (stage variables, template values). */
function checkUri(ctx: ImportContext, uri: string, type: string, path: string): void {
  if (uri.includes('${')) return
  if (type === 'HTTP' || type === 'HTTP_PROXY') {
    let ok = false
    try {
      const u = new URL(uri.replace(/\{[^}]*\}/g, 'x'))
      ok = u.protocol === 'http:' || u.protocol === 'https:'
    } catch {
      ok = false
    }
    if (!ok) ctx.problem(path, `Invalid HTTP endpoint specified for URI '${uri}'`)
  } else if ((type === 'AWS' || type === 'AWS_PROXY') && !uri.startsWith('arn:')) {
    ctx.problem(path, `Invalid ARN specified for URI '${uri}'`)
  }
}

function connection(ctx: ImportContext, o: Obj, path: string): { connectionType: 'INTERNET' | 'VPC_LINK'; connectionId?: string } {
  const connectionType = ctx.enumOf(o, 'connectionType', path, ['INTERNET', 'VPC_LINK'] as const) ?? 'INTERNET'
  const connectionId = ctx.string(o, 'connectionId', path)
  if (connectionType === 'VPC_LINK' && !connectionId) ctx.problem(at(path, 'connectionId'), 'A VPC_LINK integration needs a connectionId')
  return connectionId ? { connectionType, connectionId } : { connectionType }
}

/** Reads a REST integration. Problems inside go to `path` (the integration object's pointer). */
export function restIntegration(ctx: ImportContext, raw: Obj, path: string, site: RestSite): Integration | undefined {
  const type = ctx.enumOf(raw, 'type', path, REST_TYPES, true)
  if (type === undefined) return undefined
  const uri = ctx.string(raw, 'uri', path)
  if (type !== 'MOCK' && !uri) ctx.problem(at(path, 'uri'), `An integration of type ${type.toLowerCase()} needs a uri`)
  if (uri) checkUri(ctx, uri, type, at(path, 'uri'))
  const httpMethod = httpMethodOf(ctx, raw, path)
  if (type !== 'MOCK' && httpMethod === undefined && raw.httpMethod === undefined) {
    ctx.problem(at(path, 'httpMethod'), `An integration of type ${type.toLowerCase()} needs an httpMethod (the backend method)`)
  }
  const out: Integration = {
    type,
    ...connection(ctx, raw, path),
    requestParameters: {},
    requestTemplates: {},
    passthroughBehavior: ctx.enumOf(raw, 'passthroughBehavior', path, PASSTHROUGH) ?? 'WHEN_NO_MATCH',
    timeoutInMillis: ctx.int(raw, 'timeoutInMillis', path, REST_TIMEOUT.min, REST_TIMEOUT.max) ?? REST_TIMEOUT.default,
    cacheNamespace: ctx.string(raw, 'cacheNamespace', path) || site.resourceId,
    cacheKeyParameters: ctx.strings(raw, 'cacheKeyParameters', path) ?? [],
    integrationResponses: {},
  }
  // Recorded: AWS drops httpMethod from MOCK integrations (test_import_with_http_method_integration).
  if (httpMethod !== undefined && type !== 'MOCK') out.httpMethod = httpMethod
  if (uri) out.uri = uri
  const credentials = ctx.string(raw, 'credentials', path)
  if (credentials) out.credentials = credentials
  // Recorded: a non-string parameter value is dropped with this warning (openapi-basepath-url.yaml).
  const badParam = (name: string, value: unknown, p: string): void =>
    ctx.warn(p, `Invalid format for 'requestParameters'. Expected type string for property '${name}' of resource '${site.resourcePath}' and method '${site.httpMethod}' but got '${String(value)}'`)
  out.requestParameters = ctx.stringMap(raw, 'requestParameters', path, badParam) ?? {}
  out.requestTemplates = ctx.stringMap(raw, 'requestTemplates', path) ?? {}
  checkTemplates(ctx, at(path, 'requestTemplates'), out.requestTemplates)
  const ch = ctx.enumOf(raw, 'contentHandling', path, CONTENT_HANDLING)
  if (ch !== undefined) out.contentHandling = ch
  const tls = ctx.object(raw, 'tlsConfig', path)
  if (tls !== undefined) {
    const skip = ctx.bool(tls, 'insecureSkipVerification', at(path, 'tlsConfig'))
    out.tlsConfig = skip === undefined ? {} : { insecureSkipVerification: skip }
  }
  const mode = ctx.enumOf(raw, 'responseTransferMode', path, ['BUFFERED', 'STREAM'] as const)
  if (mode !== undefined) {
    if (mode === 'STREAM' && type !== 'HTTP_PROXY' && type !== 'AWS_PROXY') {
      ctx.problem(at(path, 'responseTransferMode'), 'Response streaming (STREAM) is only available for http_proxy and aws_proxy integrations')
    }
    out.responseTransferMode = mode
  }
  out.integrationResponses = integrationResponses(ctx, raw, path)
  return out
}

function integrationResponses(ctx: ImportContext, raw: Obj, path: string): Record<string, IntegrationResponse> {
  const out: Record<string, IntegrationResponse> = {}
  const responses = ctx.object(raw, 'responses', path)
  if (responses === undefined) return out
  const rp = at(path, 'responses')
  for (const [key, value] of Object.entries(responses)) {
    const p = at(rp, key)
    if (!isObj(value)) {
      ctx.problem(p, `Integration response '${key}' must be an object with a statusCode`)
      continue
    }
    const statusCode = ctx.text(value, 'statusCode', p, true)
    if (statusCode === undefined) continue
    if (!STATUS.test(statusCode)) {
      ctx.problem(at(p, 'statusCode'), `Invalid status code '${statusCode}': status codes must match [1-5]\\d\\d`)
      continue
    }
    if (out[statusCode] !== undefined) {
      ctx.warn(p, `Another response already maps to status ${statusCode}; this one replaces it`)
    }
    const r: IntegrationResponse = {
      statusCode,
      responseParameters: ctx.stringMap(value, 'responseParameters', p) ?? {},
      responseTemplates: ctx.stringMap(value, 'responseTemplates', p) ?? {},
    }
    if (key !== 'default') {
      r.selectionPattern = key
      checkPattern(ctx, p, key, 'java', 'selectionPattern')
    }
    checkTemplates(ctx, at(p, 'responseTemplates'), r.responseTemplates)
    const ch = ctx.enumOf(value, 'contentHandling', p, CONTENT_HANDLING)
    if (ch !== undefined) r.contentHandling = ch
    out[statusCode] = r
  }
  return out
}

/** Reads an HTTP API integration (§3.4); `integrationId` is filled in by the caller. */
export function httpIntegration(ctx: ImportContext, raw: Obj, path: string): Omit<IntegrationV2, 'integrationId'> | undefined {
  const type = ctx.enumOf(raw, 'type', path, REST_TYPES, true)
  if (type === undefined) return undefined
  if (type !== 'AWS_PROXY' && type !== 'HTTP_PROXY') {
    ctx.problem(at(path, 'type'), `HTTP APIs support only aws_proxy and http_proxy integrations, not ${type.toLowerCase()}`)
    return undefined
  }
  const subtype = ctx.string(raw, 'integrationSubtype', path)
  if (subtype && type !== 'AWS_PROXY') ctx.problem(at(path, 'integrationSubtype'), 'integrationSubtype applies only to aws_proxy integrations')
  const uri = ctx.string(raw, 'uri', path)
  if (!uri && !subtype) ctx.problem(at(path, 'uri'), `An integration of type ${type.toLowerCase()} needs a uri`)
  if (uri && type === 'HTTP_PROXY' && !uri.startsWith('arn:')) checkUri(ctx, uri, type, at(path, 'uri'))
  const out: Omit<IntegrationV2, 'integrationId'> = {
    integrationType: type,
    timeoutInMillis: ctx.int(raw, 'timeoutInMillis', path, HTTP_TIMEOUT.min, HTTP_TIMEOUT.max) ?? HTTP_TIMEOUT.default,
    ...connection(ctx, raw, path),
    requestParameters: ctx.stringMap(raw, 'requestParameters', path) ?? {},
    responseParameters: {},
  }
  if (uri) out.integrationUri = uri
  if (subtype) out.integrationSubtype = subtype
  const method = httpMethodOf(ctx, raw, path)
  if (method !== undefined) out.integrationMethod = method
  const credentials = ctx.string(raw, 'credentials', path)
  if (credentials) out.credentialsArn = credentials
  // §3.4/§12.3: Lambda proxy integrations default to payload 2.0; HTTP proxies and AWS service
  // integrations (integrationSubtype) only know 1.0.
  const lambdaProxy = type === 'AWS_PROXY' && !subtype
  out.payloadFormatVersion = lambdaProxy ? '2.0' : '1.0'
  const pfvRaw = raw.payloadFormatVersion
  if (pfvRaw !== undefined && pfvRaw !== null) {
    const v = formatVersion(pfvRaw)
    if (v === undefined) ctx.problem(at(path, 'payloadFormatVersion'), `payloadFormatVersion must be '1.0' or '2.0', not ${JSON.stringify(pfvRaw)}`)
    else if (v === '2.0' && !lambdaProxy) ctx.problem(at(path, 'payloadFormatVersion'), 'Payload format 2.0 is only supported by Lambda proxy integrations')
    else out.payloadFormatVersion = v
  }
  const tls = ctx.object(raw, 'tlsConfig', path)
  if (tls !== undefined) {
    const tp = at(path, 'tlsConfig')
    const sni = ctx.string(tls, 'serverNameToVerify', tp)
    const skip = ctx.bool(tls, 'insecureSkipVerification', tp)
    out.tlsConfig = {}
    if (sni) out.tlsConfig.serverNameToVerify = sni
    if (skip !== undefined) out.tlsConfig.insecureSkipVerification = skip
  }
  const rp = ctx.object(raw, 'responseParameters', path)
  if (rp !== undefined) {
    for (const [status, map] of Object.entries(rp)) {
      const p = at(path, 'responseParameters', status)
      if (!STATUS.test(status)) {
        ctx.problem(p, `responseParameters keys are backend status codes ([1-5]\\d\\d), not '${status}'`)
        continue
      }
      if (!isObj(map)) {
        ctx.problem(p, `responseParameters for ${status} must be an object of mappings`)
        continue
      }
      out.responseParameters[status] = ctx.stringMap(rp, status, at(path, 'responseParameters')) ?? {}
    }
  }
  if (raw.responses !== undefined) ctx.warn(at(path, 'responses'), 'Integration responses do not apply to HTTP APIs and are ignored (use responseParameters)')
  if (raw.requestTemplates !== undefined) ctx.warn(at(path, 'requestTemplates'), 'Mapping templates do not apply to HTTP APIs and are ignored')
  return out
}
