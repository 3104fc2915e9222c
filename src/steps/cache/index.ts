// The cache step (§8, §2.9): REST stage response caching. The request side looks the method's key up in the
// ResponseCache and answers a hit with the stored status, headers and body; a miss goes on to the
// integration, and the response side copies a 2xx response of at most 1 MB into the cache as it passes to the
// client. Runs after auth, API keys, throttling and validation (STEP_ORDER), so a hit is still authorized and
// counted. Routes without caching get no step. A failing cache store is a miss, never an error.

import type { MethodSetting } from '../../model/types.js'
import type { ResponseHandler, RouteInfo, Step, StepFactory, StepResult } from '../../dataplane/plan.js'
import { ANSWERED } from '../../dataplane/plan.js'
import { CacheCapture, type RequestContext } from '../../dataplane/context.js'
import { asksCacheInvalidation } from '../../dataplane/cache-control.js'
import type { CachedResponse, ResponseCache } from '../../store/port/ports.js'
import { GatewayError } from '../../errors.js'

/** §8: the largest response that is cached. */
export const MAX_CACHED_BYTES = 1_048_576
/** §8: `cacheTtlInSeconds` when no method setting gives one. */
export const DEFAULT_CACHE_TTL_SECONDS = 300
/** §1.6: `cacheClusterSize` when the stage gives none, in GB. */
export const DEFAULT_CACHE_CLUSTER_SIZE = '0.5'
/** The response header of SUCCEED_WITH_RESPONSE_HEADER (§8; AWS's exact text is not documented [K]). */
export const CACHE_CONTROL_IGNORED_WARNING = '199 - "Cache-Control headers were ignored because the caller is not authorized to invalidate the cache"'
/** FAIL_WITH_403's message (§8 [K]). */
export const UNAUTHORIZED_INVALIDATION_MESSAGE = 'User is not authorized to invalidate cache'

export interface CacheStepOptions {
  /** The response cache (the gateway's state store: memory, Redis or the cluster primary). */
  cache: () => ResponseCache
  /** The clock of entry expiry. Default Date.now. */
  now?: () => number
  /** Called when the cache store fails (the request is then a miss); the caller throttles its logging. */
  onStoreError?: (err: unknown) => void
}

type Strategy = NonNullable<MethodSetting['unauthorizedCacheControlHeaderStrategy']>

/** Where a cache key parameter's value comes from (`method.request.{path|querystring|header}.{name}`). */
const enum Source {
  PATH,
  QUERY,
  HEADER,
}

interface KeyPart {
  readonly source: Source
  readonly name: string
}

/** The stage's effective setting for one field: the method's own entry, else `*\/*` (§1.6). */
function settingOf<K extends keyof MethodSetting>(own: MethodSetting | undefined, all: MethodSetting | undefined, field: K): MethodSetting[K] {
  return own?.[field] ?? all?.[field]
}

/** `method.request.*` as a key part; `integration.request.*` through the method request parameter it maps from. */
function keyPart(param: string, route: RouteInfo): KeyPart | null {
  let p = param
  if (p.startsWith('integration.request.')) {
    const from = route.method?.methodIntegration?.requestParameters[p]
    if (from === undefined || !from.startsWith('method.request.')) return null
    p = from
  }
  const m = /^method\.request\.(path|querystring|multivaluequerystring|header|multivalueheader)\.(.+)$/.exec(p)
  if (m === null) return null
  const kind = m[1]!
  const name = m[2]!
  if (kind === 'path') return { source: Source.PATH, name }
  if (kind.endsWith('querystring')) return { source: Source.QUERY, name }
  return { source: Source.HEADER, name: name.toLowerCase() }
}

function partValue(ctx: RequestContext, part: KeyPart): string | undefined {
  switch (part.source) {
    case Source.PATH:
      return ctx.pathParams[part.name]
    case Source.QUERY:
      return ctx.query.get(part.name)?.join(',')
    case Source.HEADER:
      return ctx.header(part.name)
  }
}

/**
 * The cache step factory: a step for REST methods of stages with `cacheClusterEnabled` whose effective method
 * setting has `cachingEnabled` and a TTL above 0. GET methods follow `*\/*`; any other method is cached only
 * when its own `methodSettings` entry (`~1path/METHOD`) enables caching; an ANY method under `*\/*` caches
 * its GET requests only.
 *
 * @example
 * const cache = createCacheStep({ cache: () => stateStore, onStoreError: (err) => log.warn({ err }, 'cache store failed') })
 */
export function createCacheStep(opts: CacheStepOptions): StepFactory {
  const now = opts.now ?? Date.now
  const onStoreError = opts.onStoreError ?? (() => undefined)
  return {
    kind: 'cache',
    compile(route): Step | null {
      const stage = route.stage
      if (route.apiKind !== 'REST' || stage.cacheClusterEnabled !== true) return null
      const settings = stage.methodSettings
      const escaped = route.resourcePath.replace(/\//g, '~1')
      const own = settings[`${escaped}/${route.httpMethod}`] ?? settings[`${route.resourcePath}/${route.httpMethod}`]
      const all = settings['*/*']
      const explicit = own?.cachingEnabled === true
      if (!explicit && route.httpMethod !== 'GET' && route.httpMethod !== 'ANY') return null
      if (settingOf(own, all, 'cachingEnabled') !== true) return null
      const ttlSeconds = settingOf(own, all, 'cacheTtlInSeconds') ?? DEFAULT_CACHE_TTL_SECONDS
      if (!(ttlSeconds > 0)) return null
      const ttlMs = ttlSeconds * 1000
      const getOnly = !explicit
      const requireAuth = settingOf(own, all, 'requireAuthorizationForCacheControl') ?? true
      const strategy: Strategy = settingOf(own, all, 'unauthorizedCacheControlHeaderStrategy') ?? 'SUCCEED_WITH_RESPONSE_HEADER'
      const capacityBytes = Math.floor(Number(stage.cacheClusterSize ?? DEFAULT_CACHE_CLUSTER_SIZE) * 2 ** 30) || Math.floor(Number(DEFAULT_CACHE_CLUSTER_SIZE) * 2 ** 30)

      // §8: the stage, the deployment, the method, the resource's template path and the cache namespace, then
      // the values of the cacheKeyParameters, each length-prefixed so no value can pass for another.
      const integration = route.method?.methodIntegration
      const namespace = integration?.cacheNamespace ?? route.resource?.id ?? route.resourcePath
      const stageId = `${route.api.id}/${stage.stageName}`
      const params = integration?.cacheKeyParameters ?? []
      const parts: KeyPart[] = []
      for (const param of params) {
        const part = keyPart(param, route)
        if (part !== null) parts.push(part)
      }
      const keyParameters = params.filter((p) => keyPart(p, route) !== null)
      // Parameters the key cannot read (a body, an integration parameter not mapped from the method request).
      const ignored = params.filter((p) => keyPart(p, route) === null)
      const fixedMethod = route.httpMethod === 'ANY' ? null : route.httpMethod
      // §1.6: a canary on another deployment keeps its own entries (its deployment is in the key) unless
      // `useStageCache` has it read and write the stage's; on the stage's deployment the two share them.
      const keyDeployment = route.canary?.useStageCache ? route.canary.stageDeploymentId : route.deploymentId
      const prefix = `${keyDeployment}|${route.resourcePath}|${namespace.length}:${namespace}`
      const keyOf = (ctx: RequestContext): string => {
        let key = prefix + '|' + (fixedMethod ?? ctx.httpMethod)
        for (let i = 0; i < parts.length; i++) {
          const v = partValue(ctx, parts[i]!)
          key += v === undefined ? '|~' : `|${v.length}:${v}`
        }
        return key
      }

      // The rest of the response chain: what a hit is written to (later steps' response sides are skipped,
      // as §2 skips the integration response on a hit). Set once, when the compiler builds the chain.
      let next: ResponseHandler | null = null

      const failed = (err: unknown): undefined => {
        onStoreError(err)
        return undefined
      }
      const answer = (ctx: RequestContext, key: string, hit: CachedResponse | undefined): StepResult => {
        const metrics = ctx.route!.metrics
        if (hit === undefined || next === null) {
          metrics.cacheMiss()
          ctx.cacheCapture = new CacheCapture(key)
          return undefined
        }
        metrics.cacheHit()
        const headers = hit.headers as string[]
        if (ctx.cacheWarning) headers.push('Warning', CACHE_CONTROL_IGNORED_WARNING)
        const body = hit.body
        next.onResponseStart(ctx, hit.status, headers, body.length)
        if (body.length > 0) next.onResponseData(ctx, body)
        next.onResponseEnd(ctx)
        return ANSWERED
      }
      const lookupFailed = (ctx: RequestContext, err: unknown): StepResult => {
        onStoreError(err)
        // A store that failed now would most likely fail the write too: the response is not copied.
        ctx.route!.metrics.cacheMiss()
        return undefined
      }

      const request = (ctx: RequestContext): StepResult | Promise<StepResult> => {
        if (getOnly && ctx.httpMethod !== 'GET') return undefined
        const key = keyOf(ctx)
        if (asksCacheInvalidation(ctx)) {
          if (!requireAuth || ctx.cacheInvalidationAllowed) {
            // §8: an authorized refresh calls the integration and replaces the entry.
            ctx.route!.metrics.cacheMiss()
            ctx.cacheCapture = new CacheCapture(key)
            return undefined
          }
          if (strategy === 'FAIL_WITH_403') throw new GatewayError('ACCESS_DENIED', UNAUTHORIZED_INVALIDATION_MESSAGE)
          if (strategy === 'SUCCEED_WITH_RESPONSE_HEADER') ctx.cacheWarning = true
        }
        const store = opts.cache()
        if (store.getResponseSync !== undefined) {
          let hit: CachedResponse | undefined
          try {
            hit = store.getResponseSync(stageId, key, now())
          } catch (err) {
            return lookupFailed(ctx, err)
          }
          return answer(ctx, key, hit)
        }
        return store.getResponse(stageId, key, now()).then(
          (hit) => answer(ctx, key, hit),
          (err: unknown) => lookupFailed(ctx, err),
        )
      }

      const response = (downstream: ResponseHandler): ResponseHandler => {
        next = downstream
        return {
          onResponseStart(ctx, status, headers, length) {
            const c = ctx.cacheCapture
            if (c !== null) {
              // §8: only successful responses of at most 1 MB are cached.
              if (status >= 200 && status < 300 && length <= MAX_CACHED_BYTES) {
                c.status = status
                c.headers = headers.slice()
              } else ctx.cacheCapture = null
            }
            if (ctx.cacheWarning) headers.push('Warning', CACHE_CONTROL_IGNORED_WARNING)
            downstream.onResponseStart(ctx, status, headers, length)
          },
          onResponseData(ctx, chunk) {
            const c = ctx.cacheCapture
            if (c !== null) {
              c.size += chunk.length
              if (c.size > MAX_CACHED_BYTES) ctx.cacheCapture = null
              else c.chunks.push(chunk)
            }
            return downstream.onResponseData(ctx, chunk)
          },
          onResponseEnd(ctx) {
            downstream.onResponseEnd(ctx)
            const c = ctx.cacheCapture
            if (c === null || c.headers === null) return
            ctx.cacheCapture = null
            const body = c.chunks.length === 1 ? c.chunks[0]! : Buffer.concat(c.chunks, c.size)
            let pending: Promise<void>
            try {
              pending = opts.cache().setResponse(stageId, c.key, { status: c.status, headers: c.headers, body }, ttlMs, now(), capacityBytes)
            } catch (err) {
              failed(err)
              return
            }
            pending.catch(failed)
          },
          onResponseError(ctx, err) {
            ctx.cacheCapture = null
            downstream.onResponseError(ctx, err)
          },
        }
      }

      return {
        name: 'cache',
        request,
        response,
        describe: () => ({
          ttlInSeconds: ttlSeconds,
          capacityBytes,
          ...(getOnly && route.httpMethod === 'ANY' ? { getOnly: true } : {}),
          ...(keyParameters.length > 0 ? { keyParameters } : {}),
          ...(ignored.length > 0 ? { ignoredKeyParameters: ignored } : {}),
          ...(namespace !== route.resource?.id ? { namespace } : {}),
          ...(route.canary?.useStageCache ? { useStageCache: true } : {}),
          ...(requireAuth ? {} : { requireAuthorizationForCacheControl: false }),
          ...(strategy !== 'SUCCEED_WITH_RESPONSE_HEADER' ? { unauthorizedCacheControlHeaderStrategy: strategy } : {}),
        }),
      }
    },
  }
}
