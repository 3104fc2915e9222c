// The auth step (§2.5): authentication and authorization by the method's or route's authorizationType —
// Lambda authorizers (REST TOKEN/REQUEST, HTTP REQUEST), Cognito user pools (REST), JWT (HTTP) and
// AWS_IAM (both) — with the resource policy's decision combined in (§7.7). Methods without authorization
// get no step.

import type { Authorizer } from '../../model/types.js'
import type { RouteInfo, StepFactory, Step } from '../../dataplane/plan.js'
import { EMPTY_IDENTITY } from '../../auth/identity.js'
import type { AuthDeps, AuthStepOptions } from './common.js'
import { compileLambdaAuthorizer } from './lambda.js'
import { compileCognitoAuthorizer, compileJwtAuthorizer } from './tokens.js'
import { compileIamAuthorization } from './iam.js'

export type { AuthStepOptions } from './common.js'
export { EXPLICIT_DENY_MESSAGE, IMPLICIT_DENY_MESSAGE } from './lambda.js'

/** Default time a Lambda authorizer may take (§3.7). */
export const DEFAULT_AUTHORIZER_TIMEOUT_MS = 10_000

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
      if (route.apiKind === 'REST') {
        const method = route.method
        if (method === undefined) return null
        switch (method.authorizationType) {
          case 'NONE':
            return null
          case 'AWS_IAM':
            return compileIamAuthorization(route, deps)
          default: {
            const authorizer = authorizerOf(route, method.authorizerId)
            if (authorizer.type === 'COGNITO_USER_POOLS') return compileCognitoAuthorizer(route, authorizer, deps)
            if (authorizer.type === 'TOKEN' || authorizer.type === 'REQUEST') return compileLambdaAuthorizer(route, authorizer, deps)
            throw new Error(`authorizer ${authorizer.name} is of type ${authorizer.type}, which REST APIs do not have`)
          }
        }
      }
      const r = route.route
      if (r === undefined) return null
      switch (r.authorizationType) {
        case 'NONE':
          return null
        case 'AWS_IAM':
          return compileIamAuthorization(route, deps)
        default: {
          const authorizer = authorizerOf(route, r.authorizerId)
          if (authorizer.type === 'JWT') return compileJwtAuthorizer(route, authorizer, deps)
          if (authorizer.type === 'REQUEST') return compileLambdaAuthorizer(route, authorizer, deps)
          throw new Error(`authorizer ${authorizer.name} is of type ${authorizer.type}, which HTTP APIs do not have`)
        }
      }
    },
  }
}
