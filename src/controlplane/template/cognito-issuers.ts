// JWT authorizers of a template whose issuer is a Cognito user pool's (`https://cognito-idp.{region}.amazonaws.com/
// {poolId}`, as SAM templates write it) follow the config file's `identity.cognito`, as REST Cognito authorizers
// do: a local OpenID provider stands in for the pool. Pure.

import { isRecord, type ApiDecl } from '../config/config-file.js'
import { resolveCognitoIssuer, type CognitoIssuerOverrides } from '../../auth/cognito.js'

const COGNITO_ISSUER = /^https:\/\/cognito-idp\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/([\w-]+_[0-9A-Za-z]+)$/

/** Rewrites, in place, the issuer of every JWT authorizer that names a Cognito pool `overrides` maps elsewhere. */
export function redirectCognitoIssuers(apis: ApiDecl[], overrides: CognitoIssuerOverrides | undefined): void {
  if (overrides === undefined) return
  for (const api of apis) {
    const components = isRecord(api.definition) ? api.definition.components : undefined
    const schemes = isRecord(components) && isRecord(components.securitySchemes) ? components.securitySchemes : {}
    for (const scheme of Object.values(schemes)) {
      const authorizer = isRecord(scheme) ? scheme['x-amazon-apigateway-authorizer'] : undefined
      const jwt = isRecord(authorizer) && isRecord(authorizer.jwtConfiguration) ? authorizer.jwtConfiguration : undefined
      const m = typeof jwt?.issuer === 'string' ? COGNITO_ISSUER.exec(jwt.issuer) : null
      if (jwt === undefined || m === null) continue
      const issuer = resolveCognitoIssuer(`arn:aws:cognito-idp:${m[1]}:000000000000:userpool/${m[2]}`, overrides)
      if (!issuer.startsWith('https://cognito-idp.')) jwt.issuer = issuer
    }
  }
}
