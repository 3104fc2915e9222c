// `$connect` authorization of WebSocket APIs (§10.6, §10.2): a Lambda REQUEST authorizer (identity sources
// `route.request.header.X`, `route.request.querystring.X`, `stageVariables.X`, `context.X`; the event of
// AWS's WebSocket REQUEST authorizer with `methodArn` `…/{stage}/$connect`) or AWS_IAM (a SigV4-signed or
// presigned upgrade request, the caller's policies allowing execute-api:Invoke on that ARN). The shared cores
// of the REST/HTTP step are reused: `lambdaAuthorizerResult` (invoke, timeout, answer checks) and the IAM
// credential index and identity-policy decision. AWS caches authorizer results for HTTP APIs only
// (`authorizerResultTtlInSeconds`: "Supported only for HTTP API Lambda authorizers"), so every `$connect`
// invokes the function. Failures are GatewayErrors: UNAUTHORIZED (401), ACCESS_DENIED (403),
// AUTHORIZER_CONFIGURATION_ERROR (500).

import type { Authorizer, HttpApi, Route, Stage } from '../../model/types.js'
import type { WsConnectRequest } from '../../dataplane/websocket/plan.js'
import { wsContextOf } from '../../dataplane/websocket/request-context.js'
import { WS_IDENTITY_SOURCE, wsIdentitySourceProblem } from '../../dataplane/websocket/selection.js'
import { GatewayError } from '../../errors.js'
import { accessDeniedMessage, evaluatePolicy } from '../../auth/policy.js'
import { GATEWAY_ACCOUNT_ID, type IamCredential } from '../../auth/identity.js'
import { functionTarget } from '../../mapping/function-target.js'
import { sourceList } from './identity-source.js'
import { authorizerContext, EXPLICIT_DENY_MESSAGE, IMPLICIT_DENY_MESSAGE, lambdaAuthorizerResult } from './lambda.js'
import { identityDecision, verifyCaller } from './iam.js'
import type { AuthDeps } from './common.js'

/** What `$connect`'s authorization grants the connection. */
export interface WsAuthGrant {
  authorizer?: Record<string, unknown>
  identity?: Record<string, string | null>
  /** The Lambda authorizer's `usageIdentifierKey` (API keys from the authorizer). */
  usageIdentifierKey?: string
}

export type WsAuthCheck = (req: WsConnectRequest) => Promise<WsAuthGrant>

type WsSource = (req: WsConnectRequest) => string | undefined

/** A WebSocket identity source, compiled once. Throws an Error naming the allowed forms. */
export function compileWsSource(expr: string): WsSource {
  const m = WS_IDENTITY_SOURCE.exec(expr.trim())
  if (m === null) throw new Error(wsIdentitySourceProblem(expr)!)
  const name = m[2]!
  switch (m[1]) {
    case 'route.request.header': {
      const lower = name.toLowerCase()
      return (r) => r.conn.lowerHeaders[lower]
    }
    case 'route.request.querystring':
      return (r) => r.conn.multiValueQuery?.[name]?.join(',')
    case 'stageVariables':
      return (r) => r.stage.variables[name]
    default:
      return (r) => {
        let v: unknown = connectContext(r)
        for (const part of name.split('.')) v = typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[part] : undefined
        return v === undefined || v === null ? undefined : typeof v === 'object' ? JSON.stringify(v) : String(v)
      }
  }
}

function connectContext(r: WsConnectRequest): Record<string, unknown> {
  return wsContextOf(r.conn, r.stage, { routeKey: '$connect', eventType: 'CONNECT', messageId: null, requestId: r.requestId, extendedRequestId: r.requestId, requestTimeEpoch: r.conn.connectedAt })
}

/** `arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/$connect` (§10.6). */
function connectArn(region: string, r: WsConnectRequest): string {
  return `arn:aws:execute-api:${region}:${GATEWAY_ACCOUNT_ID}:${r.stage.apiId}/${r.stage.stageName}/$connect`
}

/** `$connect`'s authorization, or null when the route has none. Throws an Error when misconfigured. */
export function compileWsAuthorization(api: HttpApi, stage: Stage, route: Route, deps: AuthDeps): WsAuthCheck | null {
  if (route.authorizationType === 'NONE') return null
  if (route.routeKey !== '$connect') throw new Error('authorization is only possible on the $connect route of a WebSocket API')
  if (route.authorizationType === 'AWS_IAM') return wsIam(deps)
  if (route.authorizationType !== 'CUSTOM') throw new Error(`authorizationType ${route.authorizationType} is not available on WebSocket APIs (NONE, AWS_IAM or CUSTOM)`)
  const authorizer: Authorizer | undefined = route.authorizerId === undefined ? undefined : api.authorizers[route.authorizerId]
  if (authorizer === undefined) throw new Error(`${route.authorizerId === undefined ? 'no authorizerId is set' : `authorizer ${route.authorizerId} does not exist in the API`}, so $connect cannot be authorized`)
  if (authorizer.type !== 'REQUEST') throw new Error(`authorizer ${authorizer.name} is of type ${authorizer.type}; WebSocket APIs have REQUEST authorizers only`)
  return wsLambda(authorizer, stage, deps)
}

function wsLambda(authorizer: Authorizer, stage: Stage, deps: AuthDeps): WsAuthCheck {
  if (!authorizer.authorizerUri) throw new Error(`authorizer ${authorizer.name} has no authorizerUri`)
  const sources = sourceList(authorizer.identitySource).map(compileWsSource)
  const call = { name: authorizer.name, target: functionTarget(authorizer.authorizerUri, stage.variables), ttlMs: 0, simple: false, stringContext: true }
  return async (req) => {
    for (const get of sources) {
      const v = get(req)
      if (v === undefined || v === '') throw new GatewayError('UNAUTHORIZED', undefined, { cause: new Error('an identity source is missing or empty') })
    }
    const arn = connectArn(deps.identity.region, req)
    const c = req.conn
    const { result, latency } = await lambdaAuthorizerResult(
      deps,
      call,
      null,
      () => ({
        type: 'REQUEST',
        methodArn: arn,
        headers: c.headers,
        multiValueHeaders: c.multiValueHeaders,
        ...(c.query !== null ? { queryStringParameters: c.query, multiValueQueryStringParameters: c.multiValueQuery } : {}),
        stageVariables: Object.keys(req.stage.variables).length > 0 ? req.stage.variables : null,
        requestContext: connectContext(req),
      }),
      req.requestId,
    )
    const decision = evaluatePolicy(result.policy!, { action: 'execute-api:Invoke', resource: arn, conditions: {} })
    if (decision !== 'ALLOW') throw new GatewayError('ACCESS_DENIED', decision === 'DENY' ? EXPLICIT_DENY_MESSAGE : IMPLICIT_DENY_MESSAGE)
    return { authorizer: authorizerContext(result, latency), ...(result.usageIdentifierKey !== undefined ? { usageIdentifierKey: result.usageIdentifierKey } : {}) }
  }
}

function wsIam(deps: AuthDeps): WsAuthCheck {
  const region = deps.identity.region
  return async (req) => {
    const headers: Array<[string, string]> = []
    for (const [name, values] of Object.entries(req.conn.multiValueHeaders)) for (const v of values) headers.push([name, v])
    const q = req.url.indexOf('?')
    const r = verifyCaller(deps.identity, { method: req.method, rawPath: q === -1 ? req.url : req.url.slice(0, q), rawQuery: q === -1 ? '' : req.url.slice(q + 1), headers, body: Buffer.alloc(0) }, deps.now())
    // WebSocket upgrades answer every signature failure with 403 (§10.4: the handshake fails with the status).
    if (!r.ok) throw new GatewayError('ACCESS_DENIED', r.message)
    const cred = r.credentials as IamCredential
    const arn = connectArn(region, req)
    const decision = identityDecision(cred.policies, { action: 'execute-api:Invoke', resource: arn, principal: { type: 'aws', arn: cred.principalArn, accountId: cred.accountId }, conditions: {} })
    if (decision !== 'ALLOW') throw new GatewayError('ACCESS_DENIED', accessDeniedMessage(cred.principalArn, arn, decision === 'DENY'))
    return {
      identity: {
        accessKey: cred.accessKeyId,
        accountId: cred.accountId,
        caller: cred.caller ?? null,
        user: cred.user ?? null,
        userArn: cred.principalArn,
        principalOrgId: cred.principalOrgId ?? null,
      },
    }
  }
}
