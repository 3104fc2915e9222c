// What the auth step's authorization types share: their dependencies (function runtime, JWKS cache, state
// store, identity config, clock), the method ARN of a request (§0), the policy condition keys of a request,
// and the last word of the resource policy (§7.7).

import type { RequestContext } from '../../dataplane/context.js'
import type { Reply } from '../../dataplane/plan.js'
import { bareReply } from '../../dataplane/respond.js'
import type { CacheStore } from '../../store/port/ports.js'
import type { FunctionInvoker } from '../../mapping/function-target.js'
import type { JwksCache } from '../../auth/jwt.js'
import type { IdentityConfig } from '../../auth/identity.js'
import { GATEWAY_ACCOUNT_ID } from '../../auth/identity.js'
import { combine, METHOD_ARN_MAX_BYTES, methodArn, requestConditions, type Decision, type PolicyPrincipal } from '../../auth/policy.js'

/** What the auth step is built with (one set per gateway process). */
export interface AuthStepOptions {
  /** Runs Lambda authorizers (the gateway's FunctionRuntime). */
  functions: FunctionInvoker
  /** The gateway's one JWKS cache, shared by every JWT and Cognito authorizer. */
  jwks: JwksCache
  /** Where Lambda authorizer results are cached (shared by several gateway processes on Redis). */
  state: () => CacheStore
  /** The config file's `identity` section as it stands (read when routes are compiled). */
  identity: () => IdentityConfig | undefined
  /** The clock of the authorizer cache and of SigV4 time checks. Default Date.now. */
  now?: () => number
  /** How long a Lambda authorizer may take. Default 10 000 ms (§3.7; [K] for REST, whose limit is undocumented). */
  authorizerTimeoutMs?: number
  /** Called when the state store fails: the result is then not cached, the authorizer is invoked. */
  onStoreError?: (err: unknown) => void
}

/** The options with their defaults filled in. */
export interface AuthDeps {
  readonly functions: FunctionInvoker
  readonly jwks: JwksCache
  readonly state: () => CacheStore
  readonly identity: IdentityConfig
  readonly now: () => number
  readonly authorizerTimeoutMs: number
  readonly onStoreError: (err: unknown) => void
}


/**
 * The ARN of the invoked method, from the actual request path (§0), or a 414 reply when it would be
 * longer than AWS allows.
 */
export function requestArn(ctx: RequestContext, region: string): string | Reply {
  const stage = ctx.stage!
  const arn = methodArn({ region, accountId: GATEWAY_ACCOUNT_ID, apiId: stage.apiId, stage: stage.stageName, method: ctx.httpMethod, path: ctx.path })
  return Buffer.byteLength(arn) > METHOD_ARN_MAX_BYTES ? bareReply(ctx, 'URI_TOO_LONG') : arn
}

/** The standard condition keys of a request, for authorizer and identity policies that use conditions. */
export function conditionsOf(ctx: RequestContext, nowMs: number, principal?: PolicyPrincipal, principalOrgId?: string): Record<string, string | undefined> {
  return requestConditions({
    nowMs,
    sourceIp: ctx.sourceIp,
    userAgent: ctx.header('user-agent'),
    referer: ctx.header('referer'),
    secureTransport: ctx.secure,
    principal,
    principalOrgId,
  })
}

/**
 * The final word on the caller: 'ALLOW', 'DENY' (an explicit Deny somewhere) or 'SILENT' (nothing
 * allowed it). The authorization's decision is combined with the resource policy's when the policy step
 * left one in `ctx.resourcePolicy` ('ALLOW' | 'SILENT'; its explicit Deny never gets here), or —
 * for a policy that names principals — evaluated now with the verified IAM `principal` through
 * `ctx.resourcePolicyCheck`. `sameAccount`: the caller is in the gateway's account (table A of
 * §7.7) or not (table B). Without a resource policy, the authorization alone decides.
 */
export function finalDecision(ctx: RequestContext, auth: Decision, sameAccount: boolean, principal?: PolicyPrincipal): Decision {
  let rp: Decision | null = ctx.resourcePolicy
  if (rp === null && principal !== undefined) {
    const check = ctx.resourcePolicyCheck
    if (check !== null) rp = check.evaluate(ctx, principal)
  }
  if (auth === 'DENY' || rp === 'DENY') return 'DENY'
  if (rp === 'ALLOW' || rp === 'SILENT') return combine(auth, rp, sameAccount) === 'ALLOW' ? 'ALLOW' : 'SILENT'
  return auth === 'ALLOW' ? 'ALLOW' : 'SILENT'
}
