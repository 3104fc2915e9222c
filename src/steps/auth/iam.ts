// AWS_IAM authorization (§7.5, §3.8): the SigV4 signature checked against the credentials of the config's
// `identity.credentials` (service execute-api, the configured region, the body buffered for the payload
// hash), then the principal's identity policies must allow execute-api:Invoke on the method ARN. The
// caller's identity goes to `$context.identity.*` and Lambda events; whether it may refresh a cached response
// (execute-api:InvalidateCache, §8) to the cache step.

import type { RouteInfo, Reply, Step } from '../../dataplane/plan.js'
import type { RequestContext } from '../../dataplane/context.js'
import { GatewayError, incompleteSignature } from '../../errors.js'
import { bareReply } from '../../dataplane/respond.js'
import { verifySigV4, type SigV4Request, type VerifyResult } from '../../auth/sigv4.js'
import { accessDeniedMessage, combine, evaluatePolicy, type Decision, type PolicyPrincipal, type PolicyRequest } from '../../auth/policy.js'
import { GATEWAY_ACCOUNT_ID, type IamCredential, type IdentityConfig } from '../../auth/identity.js'
import { conditionsOf, finalDecision, requestArn, type AuthDeps } from './common.js'
import { asksCacheInvalidation } from '../../dataplane/cache-control.js'

const indexes = new WeakMap<IdentityConfig, ReadonlyMap<string, IamCredential>>()

/** The credentials by access key id, built once per identity config. */
function credentialIndex(identity: IdentityConfig): ReadonlyMap<string, IamCredential> {
  let index = indexes.get(identity)
  if (index === undefined) {
    index = new Map(identity.credentials.map((c) => [c.accessKeyId, c]))
    indexes.set(identity, index)
  }
  return index
}

/** SigV4 (service execute-api, the identity's region) against the identity's credentials: shared by the step and WebSocket `$connect`. */
export function verifyCaller(identity: IdentityConfig, req: SigV4Request, nowMs: number): VerifyResult {
  const keys = credentialIndex(identity)
  return verifySigV4(req, { lookup: (id) => keys.get(id), region: identity.region, service: 'execute-api', nowMs })
}

/** Builds the step of an AWS_IAM method or route. */
export function compileIamAuthorization(route: RouteInfo, deps: AuthDeps): Step {
  const rest = route.apiKind === 'REST'
  const region = deps.identity.region
  return {
    name: 'auth',
    async request(ctx) {
      // The payload hash covers the body: it is read whole here, and integrations use it as read.
      const body = await ctx.rawBody()
      const nowMs = deps.now()
      const raw = ctx.rawHeaders
      const headers: Array<[string, string]> = []
      for (let i = 0; i < raw.length; i += 2) headers.push([raw[i]!, raw[i + 1]!])
      const r = verifyCaller(deps.identity, { method: ctx.exchange.method, rawPath: ctx.rawPath, rawQuery: ctx.rawQuery, headers, body }, nowMs)
      if (!r.ok) return refuse(ctx, r, rest)
      const cred = r.credentials as IamCredential
      const arn = requestArn(ctx, region)
      if (typeof arn !== 'string') return arn

      const principal: PolicyPrincipal = { type: 'aws', arn: cred.principalArn, accountId: cred.accountId }
      const req: PolicyRequest = { action: 'execute-api:Invoke', resource: arn, principal, conditions: conditionsOf(ctx, nowMs, principal, cred.principalOrgId) }
      const decision = identityDecision(cred.policies, req)
      const final = finalDecision(ctx, decision, cred.accountId === GATEWAY_ACCOUNT_ID, principal)
      if (final !== 'ALLOW') throw new GatewayError('ACCESS_DENIED', accessDeniedMessage(cred.principalArn, arn, final === 'DENY'))
      // §8: only a caller allowed execute-api:InvalidateCache on this method may refresh its cached response:
      // its identity policies and the API's resource policy, combined as for Invoke (§7.7: an explicit Deny in
      // either refuses; in the gateway's account either may allow; across accounts both must). Evaluated only
      // when the request asks for it.
      if (asksCacheInvalidation(ctx)) {
        const invalidate: PolicyRequest = { ...req, action: 'execute-api:InvalidateCache' }
        const check = ctx.resourcePolicyCheck
        const byPolicy = check === null ? null : check.evaluate(ctx, principal, invalidate.action)
        ctx.cacheInvalidationAllowed = combine(identityDecision(cred.policies, invalidate), byPolicy, cred.accountId === GATEWAY_ACCOUNT_ID) === 'ALLOW'
      }

      ctx.identity = {
        accessKey: cred.accessKeyId,
        accountId: cred.accountId,
        caller: cred.caller ?? null,
        user: cred.user ?? null,
        userArn: cred.principalArn,
        principalOrgId: cred.principalOrgId ?? null,
      }
      // §3.8: what a payload 2.0 integration receives.
      if (!rest) {
        ctx.authorizerV2 = {
          iam: {
            accessKey: cred.accessKeyId,
            accountId: cred.accountId,
            callerId: cred.caller ?? null,
            cognitoIdentity: null,
            principalOrgId: cred.principalOrgId ?? null,
            userArn: cred.principalArn,
            userId: cred.user ?? null,
          },
        }
      }
      // The signature is the gateway's business: HTTP_PROXY backends do not get it (§6.6).
      ctx.sigv4Verified = true
      return undefined
    },
  }
}

/** The identity policies' decision on `req`: DENY when a statement denies it, ALLOW when one allows it, else SILENT. */
export function identityDecision(policies: IamCredential['policies'], req: PolicyRequest): Decision {
  let decision: Decision = 'SILENT'
  for (const policy of policies) {
    const d = evaluatePolicy(policy, req)
    if (d === 'DENY') return 'DENY'
    if (d === 'ALLOW') decision = 'ALLOW'
  }
  return decision
}

/**
 * A failed signature check (§6.1, §7.5). REST: the gateway response of the failure, with AWS's error type;
 * a malformed header is a bare 403 IncompleteSignatureException, as for unmatched routes (§1.2). HTTP APIs
 * answer 403 Forbidden to all of them [K].
 */
function refuse(ctx: RequestContext, r: Extract<VerifyResult, { ok: false }>, rest: boolean): Reply {
  if (!rest) throw new GatewayError('ACCESS_DENIED', undefined, { cause: new Error(r.message) })
  const headers = { 'x-amzn-ErrorType': r.errorType }
  switch (r.code) {
    case 'MISSING_AUTHENTICATION_TOKEN':
      throw new GatewayError('MISSING_AUTHENTICATION_TOKEN', undefined)
    case 'INCOMPLETE_SIGNATURE':
      ctx.errorMessage = r.message
      return bareReply(ctx, incompleteSignature(r.message))
    case 'INVALID_SIGNATURE':
      throw new GatewayError('INVALID_SIGNATURE', r.message, { headers })
    case 'EXPIRED_TOKEN':
      throw new GatewayError('EXPIRED_TOKEN', r.message, { headers })
    case 'UNRECOGNIZED_CLIENT':
      // "Bad IAM keys" are answered with the ACCESS_DENIED gateway response (§6.1).
      throw new GatewayError('ACCESS_DENIED', r.message, { headers })
  }
}
