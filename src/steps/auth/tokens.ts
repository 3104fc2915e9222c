// Token authorizers: REST Cognito user pool authorizers (§7.4: pools mapped to issuers by the config's
// `identity.cognito`, method scopes, every failure 401, claims as strings) and HTTP API JWT authorizers
// (§3.6: route scopes, 401/403 with `www-authenticate`, claims and scopes for the integration).

import type { Authorizer } from '../../model/types.js'
import type { RouteInfo, Step } from '../../dataplane/plan.js'
import { GatewayError } from '../../errors.js'
import { extractToken, resolveCognitoIssuer, stringifyClaims, type JwtVerifier } from '../../auth/jwt.js'
import type { AuthDeps } from './common.js'
import { compileHttpSource, compileRestSource, sourceList } from './identity-source.js'

/** Builds the step of a REST method with a COGNITO_USER_POOLS authorizer. Throws an Error when misconfigured. */
export function compileCognitoAuthorizer(route: RouteInfo, authorizer: Authorizer, deps: AuthDeps): Step {
  const arns = authorizer.providerARNs ?? []
  if (arns.length === 0) throw new Error(`the Cognito authorizer ${authorizer.name} names no user pool (providerARNs)`)
  const issuers = arns.map((arn) => resolveCognitoIssuer(arn, deps.identity.cognito))
  const cognito: { identityValidationExpression?: string } = {}
  if (authorizer.identityValidationExpression) cognito.identityValidationExpression = authorizer.identityValidationExpression
  const verifier = deps.jwks.verifier({ issuer: issuers, audience: [], cognito })
  const exprs = sourceList(authorizer.identitySource)
  const source = compileRestSource(exprs[0] ?? 'method.request.header.Authorization')
  const scopes = route.method?.authorizationScopes ?? []
  return {
    name: 'auth',
    async request(ctx) {
      const r = await verifier.verify(extractToken(source(ctx)), { scopes })
      // Any failure, a missing scope included, is 401 Unauthorized (§7.4).
      if (!r.ok) throw new GatewayError('UNAUTHORIZED', undefined, { cause: new Error(`${r.reason}${r.detail === undefined ? '' : ': ' + r.detail}`) })
      const claims = stringifyClaims(r.claims)
      // [K] §4.1: scopes appear beside the claims when the method asked for an access token.
      ctx.authorizer = scopes.length > 0 ? { claims, scopes: r.scopes } : { claims }
      // A valid token is an Allow of the API's own account: a resource policy that did not deny keeps it (§7.7 table A).
      return undefined
    },
  }
}

/**
 * HTTP API JWT claims as the integration receives them [K]: strings, numbers and booleans as text, lists
 * as `[a b]`, objects as JSON (what AWS is reported to send, e.g. `"cognito:groups": "[admins users]"`).
 */
export function httpApiClaims(claims: Readonly<Record<string, unknown>>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(claims)) {
    if (value === undefined || value === null) continue
    if (typeof value === 'string') out[name] = value
    else if (Array.isArray(value)) out[name] = `[${value.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(' ')}]`
    else if (typeof value === 'object') out[name] = JSON.stringify(value)
    else out[name] = String(value)
  }
  return out
}

/** Builds the step of an HTTP API route with a JWT authorizer. Throws an Error (listing every problem) when misconfigured. */
export function compileJwtAuthorizer(route: RouteInfo, authorizer: Authorizer, deps: AuthDeps): Step {
  const cfg = authorizer.jwtConfiguration ?? {}
  let verifier: JwtVerifier
  try {
    verifier = deps.jwks.verifier({ issuer: cfg.issuer ?? [], audience: cfg.audience ?? [] })
  } catch (err) {
    throw new Error(`JWT authorizer ${authorizer.name}: ${(err as Error).message.replace(/\n/g, '; ')}`, { cause: err })
  }
  const exprs = Array.isArray(authorizer.identitySource) ? authorizer.identitySource : sourceList(authorizer.identitySource)
  const source = compileHttpSource(exprs[0] ?? '$request.header.Authorization')
  const scopes = route.route?.authorizationScopes ?? []
  return {
    name: 'auth',
    async request(ctx) {
      const r = await verifier.verify(extractToken(source(ctx)), { scopes })
      if (!r.ok) {
        throw new GatewayError(r.status === 403 ? 'ACCESS_DENIED' : 'UNAUTHORIZED', undefined, {
          headers: { 'www-authenticate': r.wwwAuthenticate },
          cause: new Error(`${r.reason}${r.detail === undefined ? '' : ': ' + r.detail}`),
        })
      }
      const jwt = { claims: httpApiClaims(r.claims), scopes: r.scopes.length > 0 ? r.scopes : null }
      // $context.authorizer.claims.x and payload 1.0 read {claims, scopes}; payload 2.0 has them under `jwt` (§3.6).
      ctx.authorizer = jwt
      ctx.authorizerV2 = { jwt }
      return undefined
    },
  }
}
