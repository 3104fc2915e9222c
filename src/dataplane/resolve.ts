// Host and stage resolution (§0, §2.1), compiled once per plan: which API a request's host names (an
// `{apiId}.execute-api.…` host, LocalStack's `/restapis/{apiId}/{stage}/_user_request_/…` path, or the
// default API on a bare host), then which stage its first path segment names (HTTP APIs fall back to
// `$default`, §3.3). Custom domains come first (§1.7): a Host naming one is served by its mappings only,
// the longest base path matching whole segments winning; nothing mapped → 403 Forbidden. A REST stage with
// a canary sends each request to the canary's plan at random, with the canary's probability (§1.6): one
// draw and a pointer choice, the canary's plan having been compiled with the stage.

import type { RequestContext } from './context.js'
import type { ApiPlan, HostResolver, StagePlan } from './plan.js'
import { hostName, type DomainPlan, type DomainTable } from './domains.js'

const EXECUTE_API = '.execute-api.'
const USER_REQUEST = '/_user_request_'

/**
 * What `resolve` found: 0 when `ctx.stage`, `ctx.apiKind`, `ctx.path` and `ctx.stageVariables` are set;
 * 200 for a custom domain's health check (`/ping`, `/sping`), answered with an empty 200; otherwise the
 * status of the bare answer (403 REST-style Forbidden, 404 HTTP-style Not Found).
 */
export type Resolution = 0 | 200 | 403 | 404

export class HostTable implements HostResolver {
  readonly #apis: ReadonlyMap<string, ApiPlan>
  readonly #defaultApi: ApiPlan | null
  readonly #domains: DomainTable | null
  readonly #random: () => number

  /** `random` yields numbers in [0, 1) for the canary draw (Math.random; tests pass a seeded generator). */
  constructor(apis: ReadonlyMap<string, ApiPlan>, defaultApi: ApiPlan | null, domains: DomainTable | null = null, random: () => number = Math.random) {
    this.#apis = apis
    this.#defaultApi = defaultApi
    this.#domains = domains !== null && domains.size > 0 ? domains : null
    this.#random = random
  }

  /** Resolves the API and stage of `ctx` from its Host and raw path, writing them onto the context. */
  resolve(ctx: RequestContext): Resolution {
    let api: ApiPlan | null | undefined = null
    let path = ctx.rawPath
    // `//stage/x` reaches the stage like `/stage/x` (test_lambda_aws_proxy_integration).
    if (path.charCodeAt(1) === 47) path = path.replace(/^\/{2,}/, '/')
    const host = ctx.domainName
    if (this.#domains !== null) {
      const name = hostName(host)
      const domain = this.#domains.find(name)
      if (domain !== undefined) return this.#resolveDomain(ctx, domain, name, path)
    }
    const at = host.indexOf(EXECUTE_API)
    if (path.startsWith('/restapis/')) {
      const r = splitRestApisPath(path)
      if (r !== null) {
        api = this.#apis.get(r.apiId)
        path = r.path
      }
    } else if (at > 0) {
      api = this.#apis.get(host.slice(0, at).toLowerCase())
    } else {
      api = this.#defaultApi
    }
    if (!api || api.disableExecuteApiEndpoint) return 403
    ctx.apiKind = api.kind

    // Stage: the first path segment; HTTP APIs fall back to the $default stage (§3.3).
    let i = 1
    while (i < path.length && path.charCodeAt(i) !== 47) i++
    const first = path.slice(1, i)
    let stage: StagePlan | undefined | null = first === '' ? undefined : api.stages.get(first)
    if (stage) path = i >= path.length ? '/' : path.slice(i)
    else if (api.kind === 'HTTP' && api.defaultStage) stage = api.defaultStage
    if (!stage) return api.kind === 'HTTP' ? 404 : 403
    stage = this.#pick(stage)
    ctx.stage = stage
    ctx.stageVariables = stage.variables
    ctx.path = path
    return 0
  }

  /** The stage's plan, or its canary's (§1.6): 100 % always takes the canary (the draw is below 1); a 0 % canary is not compiled. */
  #pick(stage: StagePlan): StagePlan {
    const canary = stage.canary
    return canary !== null && this.#random() * 100 < canary.percent ? canary.plan : stage
  }

  /**
   * A request to a custom domain: the longest base path that matches whole segments picks the API (and stage);
   * it is stripped before route matching and kept in `rawPath` (§1.7, §4.1, §4.3).
   */
  #resolveDomain(ctx: RequestContext, domain: DomainPlan, name: string, path: string): Resolution {
    // §7.8: a domain with a truststore is served only over the HTTPS listener, to a connection that named it
    // by SNI and presented a certificate chaining to that truststore (another domain's SNI is no way round it).
    if (domain.mutualTls && (ctx.clientCert === null || ctx.tlsServerName === null || this.#domains!.find(hostName(ctx.tlsServerName)) !== domain)) return 403
    if (!domain.mutualTls) ctx.clientCert = null
    ctx.domainName = name
    // AWS reserves these on custom domains for its health checks (§1.7): answered here, never routed.
    if (path === '/ping' || path === '/sping') return 200
    for (const m of domain.mappings) {
      const bp = m.basePath
      let rest = path
      if (bp !== '') {
        const end = bp.length + 1
        if (!path.startsWith(bp, 1) || (end !== path.length && path.charCodeAt(end) !== 47)) continue
        rest = end === path.length ? '/' : path.slice(end)
      }
      const api = m.api
      let stage: StagePlan | null | undefined = m.stage
      if (stage === null) {
        // No stage in the mapping (REST): the next segment names it.
        let i = 1
        while (i < rest.length && rest.charCodeAt(i) !== 47) i++
        const first = rest.slice(1, i)
        stage = first === '' ? undefined : api.stages.get(first)
        if (!stage) return 403
        rest = i >= rest.length ? '/' : rest.slice(i)
      }
      ctx.apiKind = api.kind
      stage = this.#pick(stage)
      ctx.stage = stage
      ctx.stageVariables = stage.variables
      ctx.path = rest
      ctx.basePathMatched = bp
      return 0
    }
    return 403
  }
}

/** `/restapis/{apiId}/{stage}/_user_request_/{path}` → the API id and `/{stage}/{path}`; null for other paths. */
function splitRestApisPath(path: string): { apiId: string; path: string } | null {
  const idEnd = path.indexOf('/', 10)
  if (idEnd <= 10) return null
  const stageEnd = path.indexOf('/', idEnd + 1)
  if (stageEnd <= idEnd + 1) return null
  if (!path.startsWith(USER_REQUEST, stageEnd)) return null
  const rest = path.slice(stageEnd + USER_REQUEST.length)
  if (rest !== '' && rest.charCodeAt(0) !== 47) return null
  return { apiId: path.slice(10, idEnd), path: path.slice(idEnd, stageEnd) + (rest === '' ? '/' : rest) }
}
