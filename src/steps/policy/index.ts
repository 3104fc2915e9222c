// The resource-policy step (§7.6, §7.7, §1.8): a REST API's `policy` is compiled once per deployment and
// evaluated first in the pipeline against the method ARN of the actual request path. An explicit Deny
// answers 403 ACCESS_DENIED here; otherwise the decision is left on the context for the auth step, which
// combines it with the authorizer's per §7.7. Methods without authorization are decided here.
//
// What this step leaves on the context (read by the auth step):
// - `resourcePolicy`: 'ALLOW' | 'SILENT', the policy's decision for the caller as known before
//   authentication (anonymous). Absent when the API has no policy, or when the decision has to wait for
//   the IAM principal (below).
// - `resourcePolicyCheck`: a {@link ResourcePolicyCheck}, to evaluate the policy again once an IAM
//   principal is known. Present whenever the API has a policy.
//
// Principals: this step runs before any credential is read, so it evaluates as `anonymous`. A statement
// naming principals (`Principal: {"AWS": …}`, `NotPrincipal`) or conditions on principal keys
// (`aws:Principal*`, `aws:username`, `aws:userid`) cannot be decided for an AWS_IAM method until the
// signature is verified. For AWS_IAM methods of such policies this step decides nothing and leaves
// `resourcePolicy` unset: the auth step must call `resourcePolicyCheck.evaluate(ctx, principal)` after
// SigV4 and apply §7.7 (Deny included). For every other method the principal is anonymous by nature
// (Lambda and Cognito authorizers do not give IAM principals), so the anonymous decision is final.

import type { RestApi } from '../../model/types.js'
import type { StepFactory, Step } from '../../dataplane/plan.js'
import type { RequestContext, ResourcePolicyCheck } from '../../dataplane/context.js'
import { GatewayError } from '../../errors.js'
import { asksCacheInvalidation } from '../../dataplane/cache-control.js'
import {
  accessDeniedMessage,
  apiArn,
  compilePolicy,
  methodArn,
  requestConditions,
  type CompiledPolicy,
  type Decision,
  type PolicyPrincipal,
} from '../../auth/policy.js'

/** AWS's placeholders for a local gateway's ARNs (the same as Lambda events and `$context.accountId`). */
export const DEFAULT_REGION = 'us-east-1'
export const DEFAULT_ACCOUNT_ID = '000000000000'

export interface PolicyStepOptions {
  /** The region in method ARNs (default us-east-1). */
  region?: string
  /** The account in method ARNs (default 000000000000). */
  accountId?: string
  /** The clock behind `aws:CurrentTime` and `aws:EpochTime` (tests inject one). */
  now?: () => number
}


const PRINCIPAL_KEYS = /^aws:(principal|username$|userid$)/i

/** Whether any statement names principals or conditions on who the caller is (needs IAM auth to decide). */
export function policyDependsOnPrincipal(policy: Record<string, unknown>): boolean {
  const raw = policy['Statement']
  const statements = Array.isArray(raw) ? raw : [raw]
  for (const s of statements) {
    if (typeof s !== 'object' || s === null) continue
    const st = s as Record<string, unknown>
    if (st['NotPrincipal'] !== undefined) return true
    const p = st['Principal']
    if (p !== undefined && p !== '*' && !isAnyone(p)) return true
    const cond = st['Condition']
    if (typeof cond === 'object' && cond !== null) {
      for (const block of Object.values(cond)) {
        if (typeof block !== 'object' || block === null) continue
        for (const key of Object.keys(block)) if (PRINCIPAL_KEYS.test(key)) return true
      }
    }
  }
  return false
}

function isAnyone(p: unknown): boolean {
  if (typeof p !== 'object' || p === null || Array.isArray(p)) return false
  const entries = Object.entries(p)
  if (entries.length !== 1 || entries[0]![0] !== 'AWS') return false
  const v = entries[0]![1]
  return v === '*' || (Array.isArray(v) && v.length > 0 && v.every((x) => x === '*'))
}

/**
 * The policy step. Compiles each API's policy once per deployment snapshot (and ARN prefix), and for each
 * route returns a step only when the API has a policy or is PRIVATE.
 *
 * @example
 * const steps = [createPolicyStep({ now: () => clock.now() }), ...DEFAULT_STEPS]
 */
export function createPolicyStep(opts: PolicyStepOptions = {}): StepFactory {
  const region = opts.region ?? DEFAULT_REGION
  const accountId = opts.accountId ?? DEFAULT_ACCOUNT_ID
  const now = opts.now ?? Date.now
  // Every route of a deployment shares its snapshot's policy object: compile it once.
  const compiled = new WeakMap<object, { policy: CompiledPolicy; dependsOnPrincipal: boolean } | Error>()

  return {
    kind: 'policy',
    compile(route) {
      if (route.apiKind !== 'REST') return null
      const api = route.api as RestApi
      const privateApi = api.endpointConfiguration.types.includes('PRIVATE')
      const stage = route.stage.stageName
      const arnOf = (ctx: RequestContext): string => methodArn({ region, accountId, apiId: api.id, stage, method: ctx.httpMethod, path: ctx.path })

      if (api.policy === null) {
        if (!privateApi) return null
        // §1.8: a private API without a resource policy denies every request.
        return {
          name: 'policy',
          describe: () => ({ privateApi, policy: null }),
          request(ctx) {
            throw new GatewayError('ACCESS_DENIED', accessDeniedMessage(undefined, arnOf(ctx), false))
          },
        }
      }

      let entry = compiled.get(api.policy)
      if (entry === undefined) {
        try {
          entry = {
            policy: compilePolicy(api.policy, { resourcePolicyApiArn: apiArn(region, accountId, api.id) }),
            dependsOnPrincipal: policyDependsOnPrincipal(api.policy),
          }
        } catch (err) {
          entry = err as Error
        }
        compiled.set(api.policy, entry)
      }
      if (entry instanceof Error) throw new Error(`the resource policy cannot be used: ${entry.message}`)
      const { policy, dependsOnPrincipal } = entry

      const check: ResourcePolicyCheck = Object.freeze({
        arn: arnOf,
        dependsOnPrincipal,
        privateApi,
        evaluate(ctx: RequestContext, principal?: PolicyPrincipal, action = 'execute-api:Invoke'): Decision {
          return policy.evaluate({ action, resource: arnOf(ctx), ...(principal ? { principal } : {}), conditions: conditionsOf(ctx, now(), principal) })
        },
      })
      const authType = route.method?.authorizationType ?? 'NONE'
      const deferred = authType === 'AWS_IAM' && dependsOnPrincipal

      const step: Step = {
        name: 'policy',
        describe: () => ({ statements: statementCount(api.policy), dependsOnPrincipal, privateApi, ...(deferred ? { decidedAfterIam: true } : {}) }),
        request(ctx) {
          ctx.resourcePolicyCheck = check
          if (deferred) return undefined
          const arn = arnOf(ctx)
          const decision = policy.evaluate({ action: 'execute-api:Invoke', resource: arn, conditions: conditionsOf(ctx, now(), undefined) })
          if (decision === 'DENY') throw new GatewayError('ACCESS_DENIED', accessDeniedMessage(undefined, arn, true))
          // No authorizer: only the resource policy counts; silence is a denial on private APIs only (§7.7).
          if (authType === 'NONE' && decision === 'SILENT' && privateApi) throw new GatewayError('ACCESS_DENIED', accessDeniedMessage(undefined, arn, false))
          ctx.resourcePolicy = decision
          // §8: a caller that is no IAM principal may refresh a cached response when the resource policy allows
          // execute-api:InvalidateCache (AWS_IAM callers are decided by the auth step, with their identity policies).
          if (authType !== 'AWS_IAM' && asksCacheInvalidation(ctx)) {
            ctx.cacheInvalidationAllowed = policy.evaluate({ action: 'execute-api:InvalidateCache', resource: arn, conditions: conditionsOf(ctx, now(), undefined) }) === 'ALLOW'
          }
          return undefined
        },
      }
      return step
    },
  }
}

function statementCount(policy: unknown): number {
  const s = (policy as { Statement?: unknown } | null)?.Statement
  return Array.isArray(s) ? s.length : s === undefined ? 0 : 1
}

function conditionsOf(ctx: RequestContext, nowMs: number, principal: PolicyPrincipal | undefined): Record<string, string | undefined> {
  return requestConditions({
    nowMs,
    sourceIp: ctx.sourceIp,
    ...optional('userAgent', ctx.header('user-agent')),
    ...optional('referer', ctx.header('referer')),
    secureTransport: ctx.secure,
    ...(principal ? { principal } : {}),
  })
}

function optional<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, string>)
}
