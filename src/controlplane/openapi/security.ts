// Security schemes → authorizers, and an operation's `security` (or the root one) → its authorization
// settings: x-amazon-apigateway-authorizer, x-amazon-apigateway-authtype, API key schemes (§12.1, §12.3).

import type { Authorizer } from '../../model/types.js'
import { stableId } from '../../model/ids.js'
import { at, isObj, type ImportContext, type Obj } from './context.js'
import { checkPattern } from './regexes.js'

export type SchemeInfo =
  | { kind: 'authorizer'; authorizer: Authorizer }
  | { kind: 'iam' }
  | { kind: 'apiKey' }
  | { kind: 'ignored'; why: string }

export interface Schemes {
  byName: Map<string, SchemeInfo>
  authorizers: Record<string, Authorizer>
  /** Where the document defines its schemes (`securityDefinitions` or `components.securitySchemes`), for messages. */
  where: string
}

export interface AuthDecision {
  authorizationType: 'NONE' | 'AWS_IAM' | 'CUSTOM' | 'COGNITO_USER_POOLS' | 'JWT'
  authorizerId?: string
  authorizationScopes?: string[]
  apiKeyRequired: boolean
}

const REST_AUTHORIZER_TYPES = ['TOKEN', 'REQUEST', 'COGNITO_USER_POOLS', 'JWT'] as const
const HTTP_AUTHORIZER_TYPES = ['REQUEST', 'JWT', 'TOKEN', 'COGNITO_USER_POOLS'] as const

/** Reads `securityDefinitions` (Swagger 2) or `components.securitySchemes` (OAS 3). */
export function readSchemes(ctx: ImportContext, doc: Obj, oas3: boolean, kind: 'REST' | 'HTTP', apiId: string): Schemes {
  const byName = new Map<string, SchemeInfo>()
  const authorizers: Record<string, Authorizer> = {}
  const base = oas3 ? '/components/securitySchemes' : '/securityDefinitions'
  const where = oas3 ? 'components.securitySchemes' : 'securityDefinitions'
  const raw = oas3 ? (isObj(doc.components) ? ctx.object(doc.components, 'securitySchemes', '/components') : undefined) : ctx.object(doc, 'securityDefinitions', '')
  if (raw === undefined) return { byName, authorizers, where }
  for (const [name, value] of Object.entries(raw)) {
    const r = ctx.deref(value, at(base, name))
    if (r === undefined) continue
    const path = r.path
    if (!isObj(r.value)) {
      ctx.problem(path, `Security scheme '${name}' must be an object`)
      continue
    }
    const scheme = r.value
    const authType = ctx.string(scheme, 'x-amazon-apigateway-authtype', path)
    if (scheme['x-amazon-apigateway-authorizer'] !== undefined) {
      const a = kind === 'REST' ? restAuthorizer(ctx, scheme, name, path, apiId, authType) : httpAuthorizer(ctx, scheme, name, path, apiId, authType)
      if (a !== undefined) {
        authorizers[a.id] = a
        byName.set(name, { kind: 'authorizer', authorizer: a })
      } else byName.set(name, { kind: 'ignored', why: 'its x-amazon-apigateway-authorizer is invalid' })
      continue
    }
    if (authType !== undefined && authType.toLowerCase() === 'awssigv4') {
      byName.set(name, { kind: 'iam' })
      continue
    }
    if (scheme.type === 'apiKey') {
      const keyName = typeof scheme.name === 'string' ? scheme.name : ''
      if (kind === 'HTTP') byName.set(name, { kind: 'ignored', why: 'HTTP APIs have no API keys' })
      else if (keyName.toLowerCase() === 'x-api-key' && scheme.in === 'header') byName.set(name, { kind: 'apiKey' })
      else byName.set(name, { kind: 'ignored', why: `an API key scheme must be the header x-api-key (this one is ${String(scheme.in)} '${keyName}')` })
      continue
    }
    byName.set(name, { kind: 'ignored', why: `a '${String(scheme.type)}' scheme without x-amazon-apigateway-authorizer has no API Gateway meaning` })
  }
  return { byName, authorizers, where }
}

function restAuthorizer(ctx: ImportContext, scheme: Obj, name: string, path: string, apiId: string, authType: string | undefined): Authorizer | undefined {
  const ext = ctx.object(scheme, 'x-amazon-apigateway-authorizer', path)
  if (ext === undefined) return undefined
  const p = at(path, 'x-amazon-apigateway-authorizer')
  const type = ctx.enumOf(ext, 'type', p, REST_AUTHORIZER_TYPES, true)
  if (type === 'JWT') {
    ctx.problem(at(p, 'type'), 'JWT authorizers exist only on HTTP APIs; REST APIs use token, request or cognito_user_pools')
    return undefined
  }
  const a: Authorizer = {
    id: stableId(`${apiId}:authorizer:${name}`, 6),
    name,
    type: type ?? 'TOKEN',
    authorizerResultTtlInSeconds: ctx.int(ext, 'authorizerResultTtlInSeconds', p, 0, 3600) ?? 300,
  }
  const uri = ctx.string(ext, 'authorizerUri', p)
  if (uri) a.authorizerUri = uri
  else if (type === 'TOKEN' || type === 'REQUEST') ctx.problem(at(p, 'authorizerUri'), `A ${type.toLowerCase()} authorizer needs an authorizerUri`)
  const cred = ctx.string(ext, 'authorizerCredentials', p)
  if (cred) a.authorizerCredentials = cred
  const source = ctx.string(ext, 'identitySource', p)
  if (source) a.identitySource = source
  else if ((type === 'TOKEN' || type === 'COGNITO_USER_POOLS') && typeof scheme.name === 'string' && scheme.name !== '') {
    // Recorded: a token or Cognito authorizer without identitySource reads the scheme's header
    // (test_import_swagger_api, test_import_with_cognito_auth_identity_source).
    a.identitySource = `method.request.${scheme.in === 'query' ? 'querystring' : 'header'}.${scheme.name}`
  }
  const validation = ctx.string(ext, 'identityValidationExpression', p)
  if (validation) {
    a.identityValidationExpression = validation
    checkPattern(ctx, at(p, 'identityValidationExpression'), validation, 'java', 'identityValidationExpression')
  }
  const arns = ctx.strings(ext, 'providerARNs', p)
  if (arns !== undefined && arns.length > 0) a.providerARNs = arns
  else if (type === 'COGNITO_USER_POOLS') ctx.problem(at(p, 'providerARNs'), 'A cognito_user_pools authorizer needs providerARNs')
  if (authType !== undefined) a.authType = authType
  return a
}

function httpAuthorizer(ctx: ImportContext, scheme: Obj, name: string, path: string, apiId: string, authType: string | undefined): Authorizer | undefined {
  const ext = ctx.object(scheme, 'x-amazon-apigateway-authorizer', path)
  if (ext === undefined) return undefined
  const p = at(path, 'x-amazon-apigateway-authorizer')
  const type = ctx.enumOf(ext, 'type', p, HTTP_AUTHORIZER_TYPES, true)
  if (type === 'TOKEN' || type === 'COGNITO_USER_POOLS') {
    ctx.problem(at(p, 'type'), `HTTP APIs support jwt and request authorizers, not ${type.toLowerCase()}`)
    return undefined
  }
  const raw = ext.identitySource
  let identitySource: string[] | undefined
  if (typeof raw === 'string') identitySource = raw.split(',').map((s) => s.trim()).filter((s) => s !== '')
  else if (raw !== undefined && raw !== null) identitySource = ctx.strings(ext, 'identitySource', p)
  if (identitySource !== undefined) identitySource = httpIdentitySources(ctx, identitySource, at(p, 'identitySource'))
  const a: Authorizer = { id: stableId(`${apiId}:authorizer:${name}`, 7), name, type: type ?? 'REQUEST', authorizerResultTtlInSeconds: 0 }
  if (authType !== undefined) a.authType = authType
  if (type === 'JWT') {
    a.identitySource = identitySource && identitySource.length > 0 ? identitySource : ['$request.header.Authorization']
    const jwt = ctx.object(ext, 'jwtConfiguration', p, true)
    if (jwt !== undefined) {
      const jp = at(p, 'jwtConfiguration')
      const issuer = ctx.string(jwt, 'issuer', jp, true)
      const audience = ctx.strings(jwt, 'audience', jp)
      if (audience !== undefined && audience.length > 50) ctx.problem(at(jp, 'audience'), 'A JWT authorizer allows at most 50 audiences')
      a.jwtConfiguration = {}
      if (issuer !== undefined) a.jwtConfiguration.issuer = issuer
      if (audience !== undefined) a.jwtConfiguration.audience = audience
    }
    return a
  }
  const uri = ctx.string(ext, 'authorizerUri', p)
  if (uri) a.authorizerUri = uri
  else ctx.problem(at(p, 'authorizerUri'), 'A request authorizer needs an authorizerUri')
  const cred = ctx.string(ext, 'authorizerCredentials', p)
  if (cred) a.authorizerCredentials = cred
  if (identitySource !== undefined && identitySource.length > 0) a.identitySource = identitySource
  const pfv = ext.authorizerPayloadFormatVersion
  // [K] §3.7: the payload format is required by CreateAuthorizer; an import without one gets 2.0, the
  // console's default for new Lambda authorizers.
  a.authorizerPayloadFormatVersion = '2.0'
  if (pfv !== undefined && pfv !== null) {
    const v = formatVersion(pfv)
    if (v === undefined) ctx.problem(at(p, 'authorizerPayloadFormatVersion'), `authorizerPayloadFormatVersion must be '1.0' or '2.0', not ${JSON.stringify(pfv)}`)
    else a.authorizerPayloadFormatVersion = v
  }
  const simple = ctx.bool(ext, 'enableSimpleResponses', p)
  if (simple !== undefined) a.enableSimpleResponses = simple
  if (simple === true && a.authorizerPayloadFormatVersion === '1.0') {
    ctx.problem(at(p, 'enableSimpleResponses'), 'Simple responses need authorizerPayloadFormatVersion 2.0')
  }
  // [K] §3.7: caching needs an identity source, so without one the TTL defaults to 0 rather than 300.
  const hasSource = a.identitySource !== undefined
  const ttl = ctx.int(ext, 'authorizerResultTtlInSeconds', p, 0, 3600)
  if (ttl !== undefined && ttl > 0 && !hasSource) {
    ctx.problem(at(p, 'authorizerResultTtlInSeconds'), 'Authorizer caching (a TTL above 0) needs an identitySource')
  }
  a.authorizerResultTtlInSeconds = ttl ?? (hasSource ? 300 : 0)
  return a
}

/**
 * HTTP API identity sources are selection expressions (§3.6, §3.7). REST-style `method.request.header.X`
 * and `method.request.querystring.X` are translated, with a warning; anything else is a problem.
 */
function httpIdentitySources(ctx: ImportContext, sources: string[], path: string): string[] {
  return sources.flatMap((s) => {
    if (/^\$(request\.(header|querystring)\.[^.\s]+|context\.\S+|stageVariables\.\S+)$/.test(s)) return [s]
    const rest = /^method\.request\.(header|querystring)\.(\S+)$/.exec(s)
    if (rest) {
      const translated = `$request.${rest[1]}.${rest[2]}`
      ctx.warn(path, `The REST-style identity source '${s}' is read as '${translated}'`)
      return [translated]
    }
    ctx.problem(path, `Invalid identity source '${s}': use $request.header.X, $request.querystring.X, $context.X or $stageVariables.X`)
    return []
  })
}

/** '1.0' | '2.0' from a string or a number (JSON and YAML read `1.0` as the number 1). */
export function formatVersion(v: unknown): '1.0' | '2.0' | undefined {
  const s = typeof v === 'number' ? v.toFixed(1) : typeof v === 'string' ? v.trim() : undefined
  return s === '1.0' || s === '2.0' ? s : undefined
}

/**
 * Applies a security requirement list: the first authorizer or IAM scheme decides the authorization type;
 * an API key scheme anywhere in it makes the key required. `requirements` undefined → no security.
 */
export function decideSecurity(ctx: ImportContext, requirements: unknown, path: string, schemes: Schemes, kind: 'REST' | 'HTTP'): AuthDecision {
  const out: AuthDecision = { authorizationType: 'NONE', apiKeyRequired: false }
  if (requirements === undefined || requirements === null) return out
  if (!Array.isArray(requirements)) {
    ctx.problem(path, "'security' must be a list of security requirement objects")
    return out
  }
  let decided = false
  requirements.forEach((req, i) => {
    const rp = at(path, i)
    if (!isObj(req)) {
      ctx.problem(rp, 'A security requirement must be an object mapping scheme names to scope lists')
      return
    }
    for (const [name, scopesRaw] of Object.entries(req)) {
      const sp = at(rp, name)
      const info = schemes.byName.get(name)
      if (info === undefined) {
        // [K] §12.1 does not say what a requirement naming an undefined scheme does, but AWS imports its own
        // request-validation sample, which has one: so not a refusal. Like any scheme API Gateway cannot apply,
        // it is a warning (§12.1: warnings list ignored constructs) and grants nothing: the method stays NONE
        // unless another scheme of the list decides. Failing closed instead would refuse calls AWS serves; the
        // warning, printed by `gatehouse validate` and logged by `serve`, is what catches a mistyped name.
        ctx.warn(sp, `Unknown security scheme '${name}': it is not defined in ${schemes.where}; the operation is imported without it`)
        continue
      }
      let scopes: string[] = []
      if (Array.isArray(scopesRaw) && scopesRaw.every((s) => typeof s === 'string')) scopes = scopesRaw as string[]
      else if (scopesRaw !== undefined && scopesRaw !== null) ctx.problem(sp, 'Scopes must be a list of strings')
      if (info.kind === 'ignored') {
        ctx.warn(sp, `Security scheme '${name}' is ignored: ${info.why}`)
        continue
      }
      if (info.kind === 'apiKey') {
        out.apiKeyRequired = true
        continue
      }
      if (decided) {
        ctx.warn(sp, `Only one authorizer or IAM scheme applies to an operation; '${name}' is ignored`)
        continue
      }
      decided = true
      if (info.kind === 'iam') {
        out.authorizationType = 'AWS_IAM'
        continue
      }
      const a = info.authorizer
      out.authorizerId = a.id
      if (kind === 'REST') {
        out.authorizationType = a.type === 'COGNITO_USER_POOLS' ? 'COGNITO_USER_POOLS' : 'CUSTOM'
        // Scopes only mean something to Cognito authorizers on REST APIs (recorded in
        // test_import_with_cognito_auth_identity_source).
        if (a.type === 'COGNITO_USER_POOLS' && scopes.length > 0) out.authorizationScopes = scopes
      } else {
        out.authorizationType = a.type === 'JWT' ? 'JWT' : 'CUSTOM'
        if (a.type === 'JWT' && scopes.length > 0) {
          if (scopes.length > 10) ctx.problem(sp, 'A route allows at most 10 authorization scopes')
          out.authorizationScopes = scopes
        }
      }
    }
  })
  return out
}

/** `x-amazon-apigateway-auth: { type: NONE | AWS_IAM }` on an operation overrides its security. */
export function applyAuthExtension(ctx: ImportContext, op: Obj, path: string, decision: AuthDecision): AuthDecision {
  if (op['x-amazon-apigateway-auth'] === undefined) return decision
  const ext = ctx.object(op, 'x-amazon-apigateway-auth', path)
  if (ext === undefined) return decision
  const type = ctx.enumOf(ext, 'type', at(path, 'x-amazon-apigateway-auth'), ['NONE', 'AWS_IAM'] as const, true)
  if (type === undefined) return decision
  return { authorizationType: type, apiKeyRequired: decision.apiKeyRequired }
}
