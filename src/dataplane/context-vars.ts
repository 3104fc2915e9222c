// `$context.*` variables (§5.3, §11.6) as precompiled getters over a RequestContext, shared by access logs,
// gateway-response templates and parameter mappings. Compiled once per format/template, never per request.

import { performance } from 'node:perf_hooks'
import type { RequestContext } from './context.js'

export type ContextGetter = (ctx: RequestContext) => unknown

const ACCOUNT_ID = '000000000000'

function iamIdentity(ctx: RequestContext, key: string): unknown {
  const id = ctx.identity as Record<string, unknown> | null
  return id === null ? undefined : (id[key] ?? undefined)
}

function latencySince(ctx: RequestContext): number {
  return Math.round(performance.now() - ctx.startMark)
}

const GETTERS: Record<string, ContextGetter> = {
  accountId: () => ACCOUNT_ID,
  apiId: (c) => c.stage?.apiId,
  apiName: (c) => c.stage?.apiName,
  deploymentId: (c) => c.stage?.deploymentId,
  domainName: (c) => c.domainName,
  domainPrefix: (c) => {
    const d = c.domainName
    const i = d.indexOf('.')
    return i === -1 ? d : d.slice(0, i)
  },
  extendedRequestId: (c) => (c.stage?.kind === 'HTTP' ? c.requestId : c.extendedRequestId),
  httpMethod: (c) => c.httpMethod,
  path: (c) => c.rawPath,
  protocol: (c) => c.protocol,
  // HTTP APIs' request id is the short one they send as apigw-requestid (§3.10, §11.6).
  requestId: (c) => (c.apiKind === 'HTTP' ? c.extendedRequestId : c.requestId),
  awsEndpointRequestId: (c) => c.requestId,
  requestTime: (c) => c.requestTime,
  requestTimeEpoch: (c) => c.startTime,
  resourceId: (c) => c.route?.resourceId,
  resourcePath: (c) => c.route?.resourcePath,
  routeKey: (c) => c.route?.routeKey,
  operationName: (c) => c.route?.operationName,
  stage: (c) => c.stage?.stageName,
  status: (c) => (c.status || undefined),
  responseLength: (c) => (c.responseLength >= 0 ? c.responseLength : undefined),
  dataProcessed: (c) => (c.responseLength >= 0 ? c.responseLength : undefined),
  responseLatency: latencySince,
  integrationLatency: (c) => (c.integrationLatency >= 0 ? c.integrationLatency : undefined),
  integrationStatus: (c) => (c.integrationStatus >= 0 ? c.integrationStatus : undefined),
  'integration.status': (c) => (c.integrationStatus >= 0 ? c.integrationStatus : undefined),
  'integration.integrationStatus': (c) => (c.integrationStatus >= 0 ? c.integrationStatus : undefined),
  'integration.latency': (c) => (c.integrationLatency >= 0 ? c.integrationLatency : undefined),
  'integration.error': (c) => c.integrationErrorMessage,
  integrationErrorMessage: (c) => c.integrationErrorMessage,
  'identity.sourceIp': (c) => c.sourceIp,
  'identity.userAgent': (c) => c.header('user-agent'),
  // The caller's IAM identity, once the auth step has verified a SigV4 signature (§7.5).
  'identity.caller': (c) => iamIdentity(c, 'caller'),
  'identity.user': (c) => iamIdentity(c, 'user'),
  'identity.userArn': (c) => iamIdentity(c, 'userArn'),
  'identity.accountId': (c) => iamIdentity(c, 'accountId'),
  'identity.accessKey': (c) => iamIdentity(c, 'accessKey'),
  'identity.principalOrgId': (c) => iamIdentity(c, 'principalOrgId'),
  'identity.apiKey': (c) => c.apiKey ?? undefined,
  'identity.apiKeyId': (c) => c.apiKeyId ?? undefined,
  'error.message': (c) => c.errorMessage,
  // Already JSON-quoted (§6.1); a null message (AUTHORIZER_CONFIGURATION_ERROR) renders as `null`.
  'error.messageString': (c) => (c.errorMessage === null ? 'null' : JSON.stringify(c.errorMessage)),
  'error.responseType': (c) => c.errorType,
  'error.validationErrorString': (c) => c.validationError ?? undefined,
  // §1.6: the canary's plan was chosen at resolution; AWS prints the boolean.
  isCanaryRequest: (c) => c.stage !== null && c.stage.isCanary,
  xrayTraceId: () => undefined,
  wafResponseCode: () => undefined,
  'customDomain.basePathMatched': (c) => c.basePathMatched ?? undefined,
}

/**
 * A getter for `$context.{name}` (name without the `$context.` prefix), or one that yields undefined
 * for a variable with no meaning here. `authorizer.*` reads what authorizer steps put on the context;
 * `identity.clientCert.*` the client certificate of a mutual TLS connection (§7.8).
 */
export function contextGetter(name: string): ContextGetter {
  const g = GETTERS[name]
  if (g) return g
  if (name.startsWith('authorizer.')) return pathGetter(name.slice('authorizer.'.length), (c) => c.authorizer)
  if (name.startsWith('identity.clientCert.')) return pathGetter(name.slice('identity.clientCert.'.length), (c) => c.clientCert)
  return () => undefined
}

function pathGetter(path: string, root: ContextGetter): ContextGetter {
  const keys = path.split('.')
  return (c) => {
    let v: unknown = root(c)
    for (const k of keys) {
      if (v === null || typeof v !== 'object') return undefined
      v = (v as Record<string, unknown>)[k]
    }
    return v
  }
}

/** Builds the whole `$context` object (for templates and events); costs allocation, so only on demand. */
export function contextObject(ctx: RequestContext): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [name, get] of Object.entries(GETTERS)) {
    const v = get(ctx)
    const dot = name.indexOf('.')
    if (dot === -1) out[name] = v
    else {
      const group = name.slice(0, dot)
      const inner = (out[group] ??= {}) as Record<string, unknown>
      inner[name.slice(dot + 1)] = v
    }
  }
  out['authorizer'] = ctx.authorizer ?? {}
  const cert = ctx.clientCert
  if (cert !== null) (out['identity'] as Record<string, unknown>)['clientCert'] = cert
  return out
}

/**
 * Compiles a text with `$context.x`, `$stageVariables.x` (and `${...}` forms) into a render function.
 * Unresolved references render as `unresolved` ('' for templates, '-' for access logs, §11.6).
 */
export function compileSubstitution(
  text: string,
  unresolved: string,
  quote: (v: string) => string = (v) => v,
): (ctx: RequestContext) => string {
  // `${context.x}` or `$context.x`; the brace form must close, the bare form never eats a `}`.
  const re = /\$\{(context|stageVariables)((?:\.[A-Za-z0-9_-]+)+)\}|\$(context|stageVariables)((?:\.[A-Za-z0-9_-]+)+)/g
  const parts: Array<string | ContextGetter> = []
  let last = 0
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    if (m.index > last) parts.push(text.slice(last, m.index))
    const name = (m[2] ?? m[4]!).slice(1)
    if ((m[1] ?? m[3]) === 'context') parts.push(contextGetter(name))
    else parts.push((c) => c.stageVariables[name])
    last = m.index + m[0].length
  }
  if (last < text.length) parts.push(text.slice(last))
  if (parts.length === 1 && typeof parts[0] === 'string') {
    const s = parts[0]
    return () => s
  }
  return (ctx) => {
    let out = ''
    for (const p of parts) {
      if (typeof p === 'string') out += p
      else {
        const v = p(ctx)
        out += v === undefined || v === null ? unresolved : quote(typeof v === 'object' ? JSON.stringify(v) : String(v))
      }
    }
    return out
  }
}
