// Lambda authorizers: REST TOKEN and REQUEST authorizers (§7.3, events §4.7) and HTTP API REQUEST
// authorizers with payload 1.0 or 2.0 and simple responses (§3.7). Identity sources are checked before
// anything is invoked; results are cached per API, stage, authorizer and identity-source values; the
// policy a function returns is evaluated against the ARN of the request actually made.

import { createHash } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import type { Authorizer } from '../../model/types.js'
import type { RouteInfo, Reply, Step } from '../../dataplane/plan.js'
import type { RequestContext } from '../../dataplane/context.js'
import { GatewayError } from '../../errors.js'
import { StateStoreUnavailableError } from '../../store/port/ports.js'
import { compilePolicy, evaluatePolicy, PolicyError } from '../../auth/policy.js'
import { functionTarget } from '../../mapping/function-target.js'
import { buildV1Event, buildV2Event } from '../../mapping/lambda-events.js'
import { compileRegex, type UserRegex } from '../../regex/index.js'
import { conditionsOf, finalDecision, requestArn, type AuthDeps } from './common.js'
import { compileHttpSource, compileRestSource, sourceList, type SourceGetter } from './identity-source.js'

/** ACCESS_DENIED messages of a Lambda authorizer's policy (§6.1, §7.3). */
export const EXPLICIT_DENY_MESSAGE = 'User is not authorized to access this resource with an explicit deny'
export const IMPLICIT_DENY_MESSAGE = 'User is not authorized to access this resource'

/** What an authorizer answered, as cached: a policy response or (HTTP 2.0) a simple one. */
export interface AuthorizerResult {
  principalId?: string
  /** The policy document as JSON text (compiled policies are cached by text). */
  policy?: string
  isAuthorized?: boolean
  context: Record<string, unknown>
  usageIdentifierKey?: string
}

interface Plan {
  readonly rest: boolean
  readonly authorizer: Authorizer
  /** The function, with the stage's variables filled in. */
  readonly target: string
  readonly sources: readonly SourceGetter[]
  /** REST TOKEN authorizers: the token is the one identity source. */
  readonly token: boolean
  readonly validation: UserRegex | null
  /** Missing identity sources answer 401 without invoking. */
  readonly sourcesRequired: boolean
  readonly ttlMs: number
  /** HTTP APIs: the authorizer event's payload format. */
  readonly payload: '1.0' | '2.0'
  readonly simple: boolean
}

const UNAUTHORIZED = (why: string): GatewayError => new GatewayError('UNAUTHORIZED', undefined, { cause: new Error(why) })
const MISCONFIGURED = (name: string, why: string, cause?: unknown): GatewayError =>
  new GatewayError('AUTHORIZER_CONFIGURATION_ERROR', undefined, { cause: new Error(`authorizer ${name}: ${why}`, cause === undefined ? undefined : { cause }) })

/** Builds the step of a route whose authorizer is a Lambda function. Throws an Error for a misconfigured authorizer. */
export function compileLambdaAuthorizer(route: RouteInfo, authorizer: Authorizer, deps: AuthDeps): Step {
  const rest = route.apiKind === 'REST'
  if (!authorizer.authorizerUri) throw new Error(`authorizer ${authorizer.name} has no authorizerUri`)
  const token = rest && authorizer.type === 'TOKEN'
  let exprs = rest ? sourceList(authorizer.identitySource) : Array.isArray(authorizer.identitySource) ? authorizer.identitySource : sourceList(authorizer.identitySource)
  // [K] A TOKEN authorizer reads one header; AWS requires it, Authorization is what everyone uses.
  if (token && exprs.length === 0) exprs = ['method.request.header.Authorization']
  if (token && (exprs.length !== 1 || !/^method\.request\.header\./.test(exprs[0]!))) {
    throw new Error(`the token authorizer ${authorizer.name} needs exactly one identity source of the form method.request.header.NAME`)
  }
  const sources = exprs.map(rest ? compileRestSource : compileHttpSource)
  let validation: UserRegex | null = null
  if (token && authorizer.identityValidationExpression) {
    try {
      // [K] Java's Pattern.matches semantics: the whole token must match. A Java pattern, run on RE2.
      validation = compileRegex(authorizer.identityValidationExpression, 'java')
    } catch (err) {
      throw new Error(`identityValidationExpression of authorizer ${authorizer.name}: ${(err as Error).message}`)
    }
  }
  const ttl = authorizer.authorizerResultTtlInSeconds
  const ttlSeconds = Number.isInteger(ttl) && ttl >= 0 ? Math.min(ttl, 3600) : 300
  const payload = rest ? '1.0' : (authorizer.authorizerPayloadFormatVersion ?? '2.0')
  const plan: Plan = {
    rest,
    authorizer,
    target: functionTarget(authorizer.authorizerUri, route.stage.variables),
    sources,
    token,
    validation,
    // REST REQUEST: identity sources matter only while caching (§7.3); HTTP APIs: whenever configured (§3.7).
    sourcesRequired: token || (rest ? ttlSeconds > 0 : true),
    // Without identity sources there is nothing to key a cached result by: every request invokes.
    ttlMs: sources.length > 0 ? ttlSeconds * 1000 : 0,
    payload,
    simple: !rest && payload === '2.0' && authorizer.enableSimpleResponses === true,
  }
  const cachePrefix = `authorizer|${route.api.id}|${route.stage.stageName}|${authorizer.id}|`
  return { name: 'auth', request: (ctx) => authorize(ctx, plan, deps, cachePrefix) }
}

async function authorize(ctx: RequestContext, plan: Plan, deps: AuthDeps, cachePrefix: string): Promise<Reply | undefined> {
  const values: string[] = []
  for (const get of plan.sources) {
    const v = get(ctx)
    if ((v === undefined || v === '') && plan.sourcesRequired) throw UNAUTHORIZED('an identity source is missing or empty')
    values.push(v ?? '')
  }
  if (plan.validation !== null && !plan.validation.matches(values[0]!)) throw UNAUTHORIZED('the token does not match the identityValidationExpression')
  const arn = requestArn(ctx, deps.identity.region)
  if (typeof arn !== 'string') return arn

  const key = plan.ttlMs > 0 ? cachePrefix + createHash('sha256').update(JSON.stringify(values)).digest('base64url') : null
  const { result, latency } = await lambdaAuthorizerResult(deps, { name: plan.authorizer.name, target: plan.target, ttlMs: plan.ttlMs, simple: plan.simple, stringContext: plan.rest }, key, () => eventOf(ctx, plan, arn, values), ctx.requestId)

  if (plan.simple) {
    if (result.isAuthorized !== true) throw new GatewayError('ACCESS_DENIED', undefined)
  } else {
    const decision = evaluatePolicy(result.policy!, { action: 'execute-api:Invoke', resource: arn, conditions: conditionsOf(ctx, deps.now()) })
    // The authorizer speaks for the API's own account (§7.7 table A).
    const final = finalDecision(ctx, decision, true)
    if (final !== 'ALLOW') throw new GatewayError('ACCESS_DENIED', final === 'DENY' ? EXPLICIT_DENY_MESSAGE : IMPLICIT_DENY_MESSAGE)
  }

  ctx.authorizer = authorizerContext(result, latency)
  if (plan.rest) {
    if (result.usageIdentifierKey !== undefined) ctx.usageIdentifierKey = result.usageIdentifierKey
  } else {
    // Payload 2.0 integrations see the context under `lambda` (§3.7, §4.3); $context.authorizer.x reads it flat.
    ctx.authorizerV2 = { lambda: result.context }
  }
  return undefined
}

async function cached(deps: AuthDeps, key: string): Promise<AuthorizerResult | undefined> {
  let text: string | Buffer | undefined
  try {
    text = await deps.state().get(key, deps.now())
  } catch (err) {
    if (!(err instanceof StateStoreUnavailableError)) throw err
    deps.onStoreError(err)
    return undefined
  }
  if (text === undefined) return undefined
  try {
    return JSON.parse(text.toString()) as AuthorizerResult
  } catch {
    return undefined
  }
}

async function store(deps: AuthDeps, key: string, result: AuthorizerResult, ttlMs: number): Promise<void> {
  try {
    await deps.state().set(key, JSON.stringify(result), ttlMs, deps.now())
  } catch (err) {
    if (!(err instanceof StateStoreUnavailableError)) throw err
    deps.onStoreError(err)
  }
}

/** The event of a REST or HTTP API authorizer (§4.7, §3.7). */
function eventOf(ctx: RequestContext, plan: Plan, arn: string, values: string[]): Record<string, unknown> {
  return plan.rest
    ? plan.token
      ? { type: 'TOKEN', authorizationToken: values[0], methodArn: arn }
      : restRequestEvent(ctx, arn)
    : plan.payload === '2.0'
      ? httpV2Event(ctx, arn, values)
      : httpV1Event(ctx, arn, values)
}

/** What the shared core of a Lambda authorizer needs to know of it (REST, HTTP and WebSocket $connect). */
export interface LambdaAuthorizerCall {
  readonly name: string
  /** The function, with the stage's variables filled in. */
  readonly target: string
  /** 0: no caching. */
  readonly ttlMs: number
  /** HTTP 2.0 simple responses (`isAuthorized`). */
  readonly simple: boolean
  /** REST and WebSocket hand every context value on as a string; HTTP APIs keep their JSON types. */
  readonly stringContext: boolean
}

/**
 * The shared core of Lambda authorizers: the cached result under `key` (null: no caching), else the function
 * invoked with `event()` within the timeout, its answer checked, and cached. Every failure is a GatewayError
 * (UNAUTHORIZED for an `Unauthorized` error, AUTHORIZER_CONFIGURATION_ERROR otherwise, §7.3).
 */
export async function lambdaAuthorizerResult(deps: AuthDeps, call: LambdaAuthorizerCall, key: string | null, event: () => Record<string, unknown>, requestId: string): Promise<{ result: AuthorizerResult; latency: number }> {
  const hit = key === null ? undefined : await cached(deps, key)
  if (hit !== undefined) return { result: hit, latency: 0 }
  const started = performance.now()
  const result = await invoke(call, deps, event(), requestId)
  const latency = Math.round(performance.now() - started)
  if (key !== null) await store(deps, key, result, call.ttlMs)
  return { result, latency }
}

/** `requestContext.authorizer` / `$context.authorizer`: principalId, integrationLatency and the context, flat (§7.3). */
export function authorizerContext(result: AuthorizerResult, latency: number): Record<string, unknown> {
  const authorizer: Record<string, unknown> = {}
  if (result.principalId !== undefined) authorizer['principalId'] = result.principalId
  authorizer['integrationLatency'] = latency
  for (const [k, v] of Object.entries(result.context)) if (!(k in authorizer)) authorizer[k] = v
  return authorizer
}

/** Invokes the authorizer function and reads its answer; every failure is a GatewayError (§7.3 outcomes). */
async function invoke(call: LambdaAuthorizerCall, deps: AuthDeps, event: Record<string, unknown>, requestId: string): Promise<AuthorizerResult> {
  const name = call.name
  let timer: NodeJS.Timeout | undefined
  let outcome: Awaited<ReturnType<AuthDeps['functions']['invoke']>>
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(MISCONFIGURED(name, `no answer within ${deps.authorizerTimeoutMs} ms`)), deps.authorizerTimeoutMs)
    })
    outcome = await Promise.race([deps.functions.invoke(call.target, event, { requestId }), timeout])
  } catch (err) {
    if (err instanceof GatewayError) throw err
    throw MISCONFIGURED(name, `the function could not be invoked: ${(err as Error).message}`, err)
  } finally {
    clearTimeout(timer)
  }
  const fe = outcome.functionError
  if (fe !== undefined) {
    if (fe.errorMessage === 'Unauthorized') throw UNAUTHORIZED(`authorizer ${name} answered Unauthorized`)
    throw MISCONFIGURED(name, `the function failed: ${fe.errorType}: ${fe.errorMessage}`)
  }
  const read = readResult(outcome.payload, call)
  if (typeof read === 'string') throw MISCONFIGURED(name, `invalid authorizer response: ${read}`)
  return read
}

/** Checks a function's answer; a string says what is wrong with it. */
function readResult(payload: unknown, plan: LambdaAuthorizerCall): AuthorizerResult | string {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return 'the response is not a JSON object'
  const p = payload as Record<string, unknown>
  const result: AuthorizerResult = { context: {} }
  const ctx = p['context']
  if (ctx !== undefined && ctx !== null) {
    if (typeof ctx !== 'object' || Array.isArray(ctx)) return 'context must be an object'
    for (const [k, v] of Object.entries(ctx as Record<string, unknown>)) {
      if (!plan.stringContext) result.context[k] = v
      else if (typeof v === 'string') result.context[k] = v
      // REST hands every context value on as a string: 1 → "1", true → "true" (§5.3).
      else if (typeof v === 'number' || typeof v === 'boolean') result.context[k] = String(v)
      else if (v !== null) return `context.${k} must be a string, number or boolean, not ${Array.isArray(v) ? 'an array' : 'an object'}`
    }
  }
  if (plan.simple) {
    if (typeof p['isAuthorized'] !== 'boolean') return 'a simple response needs isAuthorized: true or false'
    result.isAuthorized = p['isAuthorized']
    return result
  }
  const principalId = p['principalId']
  if (typeof principalId === 'string') result.principalId = principalId
  else if (typeof principalId === 'number') result.principalId = String(principalId)
  else return 'principalId is missing or not a string'
  const doc = p['policyDocument']
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return 'policyDocument is missing or not an object'
  try {
    compilePolicy(doc)
  } catch (err) {
    if (err instanceof PolicyError) return `policyDocument: ${err.problems.map((x) => `${x.path || '/'} ${x.message}`).join('; ')}`
    throw err
  }
  result.policy = JSON.stringify(doc)
  const key = p['usageIdentifierKey']
  if (key !== undefined && key !== null) {
    if (typeof key !== 'string') return 'usageIdentifierKey must be a string'
    result.usageIdentifierKey = key
  }
  return result
}

/** REST REQUEST event (§4.7): the proxy event's request fields, without a body. */
function restRequestEvent(ctx: RequestContext, arn: string): Record<string, unknown> {
  const full = buildV1Event(ctx, { httpApi: false, binaryMediaTypes: [] })
  delete full['body']
  delete full['isBase64Encoded']
  return { type: 'REQUEST', methodArn: arn, ...full }
}

/** HTTP API payload 1.0 event (§3.7): REST's REQUEST event with the identity as one comma-joined string. */
function httpV1Event(ctx: RequestContext, arn: string, values: string[]): Record<string, unknown> {
  const full = buildV1Event(ctx, { httpApi: true, binaryMediaTypes: [] })
  delete full['body']
  delete full['isBase64Encoded']
  const { version, ...rest } = full
  const identity = values.join(',')
  return { version, type: 'REQUEST', methodArn: arn, identitySource: identity, authorizationToken: identity, ...rest }
}

/** HTTP API payload 2.0 event (§3.7): the integration event with type, routeArn and identitySource, without a body. */
function httpV2Event(ctx: RequestContext, arn: string, values: string[]): Record<string, unknown> {
  const full = buildV2Event(ctx)
  delete full['body']
  delete full['isBase64Encoded']
  const { version, ...rest } = full
  return { version, type: 'REQUEST', routeArn: arn, identitySource: values, ...rest }
}
