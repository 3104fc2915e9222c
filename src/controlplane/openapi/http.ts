// OpenAPI → HttpApi: one route per path × operation, shared integrations, JWT/Lambda authorizers, CORS
// and the HTTP API root extensions (§3, §12.2, §12.3).

import type { CorsConfiguration, HttpApi, IntegrationV2, Route } from '../../model/types.js'
import { stableId } from '../../model/ids.js'
import { at, isObj, type ImportContext, type Obj } from './context.js'
import { httpIntegration } from './integration.js'
import { splitPath } from './paths.js'
import { operationsOf, readEndpointConfiguration, type ApiBasics } from './rest.js'
import { applyAuthExtension, decideSecurity, readSchemes } from './security.js'

/** Root extensions that only mean something on REST APIs; kept verbatim, with a warning. */
const REST_ONLY_EXTENSIONS = new Set([
  'x-amazon-apigateway-gateway-responses',
  'x-amazon-apigateway-binary-media-types',
  'x-amazon-apigateway-minimum-compression-size',
  'x-amazon-apigateway-api-key-source',
  'x-amazon-apigateway-policy',
  'x-amazon-apigateway-request-validators',
  'x-amazon-apigateway-request-validator',
])

/** Integration fields in a stable order, so equal integrations serialise equally and share one id. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  if (isObj(value)) {
    return `{${Object.keys(value)
      .sort()
      .filter((k) => value[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`)
      .join(',')}}`
  }
  return JSON.stringify(value)
}

export function importHttpApi(ctx: ImportContext, doc: Obj, basics: ApiBasics): HttpApi {
  const { id: apiId, oas3 } = basics
  const api: HttpApi = {
    kind: 'HTTP',
    id: apiId,
    name: basics.name,
    ...(basics.description !== undefined ? { description: basics.description } : {}),
    ...(basics.version !== undefined ? { version: basics.version } : {}),
    createdDate: basics.createdDate,
    protocolType: 'HTTP',
    routeSelectionExpression: '${request.method} ${request.path}',
    disableExecuteApiEndpoint: false,
    routes: {},
    integrations: {},
    authorizers: {},
    tags: {},
    extensions: {},
  }

  const cors = readCors(ctx, doc)
  if (cors !== undefined) api.corsConfiguration = cors
  readEndpointConfiguration(ctx, doc, oas3, (cfg, p) => {
    const disable = ctx.bool(cfg, 'disableExecuteApiEndpoint', p)
    if (disable !== undefined) api.disableExecuteApiEndpoint = disable
  })
  readTags(ctx, doc, api)
  for (const [key, value] of Object.entries(doc)) {
    if (!key.startsWith('x-amazon-apigateway-')) continue
    if (key === 'x-amazon-apigateway-cors' || key === 'x-amazon-apigateway-endpoint-configuration') continue
    if (REST_ONLY_EXTENSIONS.has(key)) ctx.warn(`/${key}`, `${key} applies to REST APIs only and is ignored`)
    api.extensions[key] = value
  }

  const schemes = readSchemes(ctx, doc, oas3, 'HTTP', apiId)
  api.authorizers = schemes.authorizers

  const routeSources = new Map<string, string>()
  const paths = doc.paths === undefined ? undefined : ctx.object(doc, 'paths', '')
  for (const [rawPath, rawItem] of Object.entries(paths ?? {})) {
    const itemPath = at('/paths', rawPath)
    const r = ctx.deref(rawItem, itemPath)
    if (r === undefined) continue
    if (!isObj(r.value)) {
      ctx.problem(itemPath, `Path item '${rawPath}' must be an object`)
      continue
    }
    const item = r.value
    // Exports put the $default route under a pseudo path such as `/$default` (§12.3 isDefaultRoute), so
    // the path is only checked when an ordinary route needs it.
    let routePath: string | undefined | null = null
    const pathOfRoute = (): string | undefined => {
      if (routePath === null) {
        const split = splitPath(ctx, rawPath, itemPath, 'HTTP')
        routePath = split === undefined ? undefined : '/' + [...basics.prefix, ...split.segments].join('/')
      }
      return routePath
    }
    for (const [method, op, opPath] of operationsOf(ctx, item, r.path)) {
      const isDefault = method === 'ANY' && ctx.bool(op, 'isDefaultRoute', opPath) === true
      const path = isDefault ? undefined : pathOfRoute()
      if (!isDefault && path === undefined) continue
      const routeKey = isDefault ? '$default' : `${method} ${path}`
      const earlier = routeSources.get(routeKey)
      if (earlier !== undefined) {
        ctx.problem(opPath, `Route '${routeKey}' is defined twice (also at ${earlier})`)
        continue
      }
      routeSources.set(routeKey, opPath)
      const route: Route = { routeId: stableId(`${apiId}:${routeKey}`, 7), routeKey, authorizationType: 'NONE' }
      const opId = ctx.string(op, 'operationId', opPath)
      if (opId) route.operationName = opId

      const security = op.security !== undefined ? op.security : doc.security
      const securityPath = op.security !== undefined ? at(opPath, 'security') : '/security'
      const auth = applyAuthExtension(ctx, op, opPath, decideSecurity(ctx, security, securityPath, schemes, 'HTTP'))
      route.authorizationType = auth.authorizationType === 'COGNITO_USER_POOLS' ? 'JWT' : auth.authorizationType
      if (auth.authorizerId !== undefined && (route.authorizationType === 'JWT' || route.authorizationType === 'CUSTOM')) route.authorizerId = auth.authorizerId
      if (auth.authorizationScopes !== undefined) route.authorizationScopes = auth.authorizationScopes

      const rawIntegration = op['x-amazon-apigateway-integration']
      if (rawIntegration !== undefined) {
        const ir = ctx.deref(rawIntegration, at(opPath, 'x-amazon-apigateway-integration'))
        if (ir !== undefined) {
          if (!isObj(ir.value)) ctx.problem(ir.path, 'x-amazon-apigateway-integration must be an object')
          else {
            const body = httpIntegration(ctx, ir.value, ir.path)
            if (body !== undefined) {
              // Identical integrations share one id (and one object) across routes.
              const integrationId = stableId(`${apiId}:integration:${canonical(body)}`, 7)
              const integration: IntegrationV2 = { integrationId, ...body }
              api.integrations[integrationId] ??= integration
              route.target = `integrations/${integrationId}`
            }
          }
        }
      }
      api.routes[route.routeId] = route
    }
  }
  return api
}

function readCors(ctx: ImportContext, doc: Obj): CorsConfiguration | undefined {
  const key = 'x-amazon-apigateway-cors'
  if (doc[key] === undefined) return undefined
  const raw = ctx.object(doc, key, '')
  if (raw === undefined) return undefined
  const p = `/${key}`
  const out: CorsConfiguration = {}
  for (const k of ['allowOrigins', 'exposeHeaders', 'allowMethods', 'allowHeaders'] as const) {
    const v = ctx.strings(raw, k, p)
    if (v !== undefined) out[k] = v
  }
  const creds = ctx.bool(raw, 'allowCredentials', p)
  if (creds !== undefined) out.allowCredentials = creds
  const maxAge = ctx.int(raw, 'maxAge', p, 0, 86400)
  if (maxAge !== undefined) out.maxAge = maxAge
  if (out.allowCredentials === true && out.allowOrigins?.includes('*')) {
    ctx.problem(at(p, 'allowCredentials'), "allowCredentials cannot be combined with the origin '*'")
  }
  for (const k of Object.keys(raw)) {
    if (!['allowOrigins', 'exposeHeaders', 'allowMethods', 'allowHeaders', 'allowCredentials', 'maxAge'].includes(k)) {
      ctx.warn(at(p, k), `Unknown CORS setting '${k}' is ignored`)
    }
  }
  return out
}

/** Root `tags` entries carrying `x-amazon-apigateway-tag-value` become API tags (§12.3). */
function readTags(ctx: ImportContext, doc: Obj, api: HttpApi): void {
  if (!Array.isArray(doc.tags)) return
  doc.tags.forEach((t, i) => {
    if (!isObj(t) || t['x-amazon-apigateway-tag-value'] === undefined) return
    const p = at('/tags', i)
    const name = ctx.string(t, 'name', p, true)
    const value = ctx.text(t, 'x-amazon-apigateway-tag-value', p)
    if (name !== undefined && value !== undefined) api.tags[name] = value
  })
}
