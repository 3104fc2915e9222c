// The auth step (§2.5): authentication and authorization by the method's or route's authorizationType —
// Lambda authorizers (REST TOKEN/REQUEST, HTTP REQUEST), Cognito user pools (REST), JWT (HTTP) and
// AWS_IAM (both) — with the resource policy's decision combined in (§7.7). Methods without authorization
// get no step.

import type { Authorizer, HttpApi, Route, Stage } from '../../model/types.js'
import { compileWsAuthorization, type WsAuthCheck } from './websocket.js'
import type { RouteInfo, StepFactory, Step } from '../../dataplane/plan.js'
import { EMPTY_IDENTITY } from '../../auth/identity.js'
import type { AuthDeps, AuthStepOptions } from './common.js'
import { compileLambdaAuthorizer } from './lambda.js'
import { compileCognitoAuthorizer, compileJwtAuthorizer } from './tokens.js'
import { compileIamAuthorization } from './iam.js'
import { functionTarget } from '../../mapping/function-target.js'

export type { AuthStepOptions } from './common.js'
export type { WsAuthCheck, WsAuthGrant } from './websocket.js'
export { EXPLICIT_DENY_MESSAGE, IMPLICIT_DENY_MESSAGE } from './lambda.js'

/** Default time a Lambda authorizer may take (§3.7). */
export const DEFAULT_AUTHORIZER_TIMEOUT_MS = 10_000

/** `$connect` authorization of WebSocket APIs (§10.6), built with the same options as the auth step. */
export function createWsAuthorization(opts: AuthStepOptions): (api: HttpApi, stage: Stage, route: Route) => WsAuthCheck | null {
  return (api, stage, route) =>
    compileWsAuthorization(api, stage, route, {
      functions: opts.functions,
      jwks: opts.jwks,
      state: opts.state,
      identity: opts.identity() ?? EMPTY_IDENTITY,
      now: opts.now ?? Date.now,
      authorizerTimeoutMs: opts.authorizerTimeoutMs ?? DEFAULT_AUTHORIZER_TIMEOUT_MS,
      onStoreError: opts.onStoreError ?? (() => undefined),
    })
}

/** The step with a description of what it was compiled for (golden tests). */
function described(step: Step, what: unknown): Step {
  return { ...step, describe: () => what }
}

function authorizerOf(route: RouteInfo, id: string | undefined): Authorizer {
  const authorizer = id === undefined ? undefined : route.api.authorizers[id]
  if (authorizer === undefined) throw new Error(`${id === undefined ? 'no authorizerId is set' : `authorizer ${id} does not exist in the API`}, so ${route.routeKey} cannot be authorized`)
  return authorizer
}

/**
 * The auth step factory. Misconfigured authorization (an unknown authorizer, a bad identity source, an
 * invalid JWT configuration) throws at compile time: the compiler logs it and the route answers 500.
 *
 * @example
 * const auth = createAuthStep({ functions: gateway.functions, jwks: new JwksCache(), state: () => stateStore, identity: () => desired.identity })
 */
export function createAuthStep(opts: AuthStepOptions): StepFactory {
  const now = opts.now ?? Date.now
  const timeout = opts.authorizerTimeoutMs ?? DEFAULT_AUTHORIZER_TIMEOUT_MS
  const onStoreError = opts.onStoreError ?? (() => undefined)
  return {
    kind: 'auth',
    compile(route): Step | null {
      const deps: AuthDeps = {
        functions: opts.functions,
        jwks: opts.jwks,
        state: opts.state,
        identity: opts.identity() ?? EMPTY_IDENTITY,
        now,
        authorizerTimeoutMs: timeout,
        onStoreError,
      }
      const target = route.apiKind === 'REST' ? route.method : route.route
      if (target === undefined || target.authorizationType === 'NONE') return null
      if (target.authorizationType === 'AWS_IAM') return described(compileIamAuthorization(route, deps), { authorizationType: 'AWS_IAM' })
      const authorizer = authorizerOf(route, target.authorizerId)
      const describe = {
        authorizationType: target.authorizationType,
        authorizer: authorizer.name,
        type: authorizer.type,
        ...(authorizer.identitySource ? { identitySource: authorizer.identitySource } : {}),
        ...(authorizer.type === 'TOKEN' || authorizer.type === 'REQUEST' ? { function: functionTarget(authorizer.authorizerUri ?? '', route.stage.variables), resultTtlInSeconds: authorizer.authorizerResultTtlInSeconds } : {}),
        ...(target.authorizationScopes?.length ? { scopes: target.authorizationScopes } : {}),
      }
      if (route.apiKind === 'REST') {
        if (authorizer.type === 'COGNITO_USER_POOLS') return described(compileCognitoAuthorizer(route, authorizer, deps), describe)
        if (authorizer.type === 'TOKEN' || authorizer.type === 'REQUEST') return described(compileLambdaAuthorizer(route, authorizer, deps), describe)
        throw new Error(`authorizer ${authorizer.name} is of type ${authorizer.type}, which REST APIs do not have`)
      }
      if (authorizer.type === 'JWT') return described(compileJwtAuthorizer(route, authorizer, deps), describe)
      if (authorizer.type === 'REQUEST') return described(compileLambdaAuthorizer(route, authorizer, deps), describe)
      throw new Error(`authorizer ${authorizer.name} is of type ${authorizer.type}, which HTTP APIs do not have`)
    },
  }
}
