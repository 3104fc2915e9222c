// SAM's REST API authorizers (Auth.Authorizers: Cognito user pools, Lambda TOKEN and REQUEST) as OpenAPI security
// schemes with x-amazon-apigateway-authorizer, as SAM's translator writes them. Pure.

import { isRecord } from '../config/config-file.js'
import { at } from './intrinsics.js'
import type { Doc } from './openapi-build.js'
import type { Stack } from './stack.js'

/** The Lambda invocation URI of an authorizer's FunctionArn (a function ARN, or already an integration URI). */
export function authorizerUri(stack: Stack, functionArn: string): string {
  return functionArn.startsWith('arn:aws:apigateway:') ? functionArn : stack.invocationUri(functionArn)
}

export function restAuthorizerScheme(stack: Stack, a: unknown, path: string): Doc | undefined {
  if (!isRecord(a)) return stack.problem(path, 'an authorizer is a mapping')
  const identity = isRecord(a.Identity) ? a.Identity : {}
  if (a.UserPoolArn !== undefined) {
    const arns = (Array.isArray(a.UserPoolArn) ? a.UserPoolArn : [a.UserPoolArn]).map(String)
    const header = typeof identity.Header === 'string' ? identity.Header : 'Authorization'
    const authorizer: Doc = { type: 'cognito_user_pools', providerARNs: arns }
    if (typeof identity.ValidationExpression === 'string') authorizer.identityValidationExpression = identity.ValidationExpression
    return { type: 'apiKey', name: header, in: 'header', 'x-amazon-apigateway-authtype': 'cognito_user_pools', 'x-amazon-apigateway-authorizer': authorizer }
  }
  if (typeof a.FunctionArn === 'string') {
    const request = a.FunctionPayloadType === 'REQUEST'
    const ttl = identity.ReauthorizeEvery !== undefined ? Number(identity.ReauthorizeEvery) : 300
    const authorizer: Doc = { type: request ? 'request' : 'token', authorizerUri: authorizerUri(stack, a.FunctionArn), authorizerResultTtlInSeconds: ttl }
    if (request) {
      const sources = [
        ...list(identity.Headers).map((h) => `method.request.header.${h}`),
        ...list(identity.QueryStrings).map((q) => `method.request.querystring.${q}`),
        ...list(identity.StageVariables).map((v) => `stageVariables.${v}`),
        ...list(identity.Context).map((c) => `context.${c}`),
      ]
      if (sources.length > 0) authorizer.identitySource = sources.join(', ')
      else authorizer.authorizerResultTtlInSeconds = 0
      return { type: 'apiKey', name: 'Unused', in: 'header', 'x-amazon-apigateway-authtype': 'custom', 'x-amazon-apigateway-authorizer': authorizer }
    }
    const header = typeof identity.Header === 'string' ? identity.Header : 'Authorization'
    authorizer.identitySource = `method.request.header.${header}`
    if (typeof identity.ValidationExpression === 'string') authorizer.identityValidationExpression = identity.ValidationExpression
    return { type: 'apiKey', name: header, in: 'header', 'x-amazon-apigateway-authtype': 'custom', 'x-amazon-apigateway-authorizer': authorizer }
  }
  return stack.problem(at(path), 'a REST API authorizer has UserPoolArn (Cognito) or FunctionArn (Lambda)')
}

function list(v: unknown): string[] {
  return Array.isArray(v) ? v.map(String) : []
}
