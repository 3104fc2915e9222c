// HttpApi → an OpenAPI 3.0.1 document, as AWS's ExportApi (apigatewayv2, specification OAS30) writes it
// (docs/aws-behaviour.md §12.2, docs/export.md): one operation per route, its integration, authorizers as
// security schemes, CORS, tags and x-amazon-apigateway-importexport-version.

import type { Authorizer, Deployment, HttpApi, IntegrationV2, Route } from '../../model/types.js'
import { ExportError, OPERATION_KEY, SchemeNames, compact, copyMap, httpVersionDate, oas3Server, pathVariables, serverBase, type JsonObject, type ServerOptions } from './export-common.js'

export interface HttpExportOptions extends ServerOptions {
  /** The exported stage; none: the API's latest configuration (the base path variable defaults to ''). */
  stageName?: string
  /** ExportApi's `includeExtensions`; AWS's default is true. */
  includeExtensions?: boolean
  /** ExportApi's `exportVersion`; only '1.0' exists. */
  exportVersion?: string
  /** The deployment the stage points at: its date is `info.version` when the API has no version. */
  deployment?: Pick<Deployment, 'createdDate'>
}

/**
 * Exports an HTTP API (a stage's deployment snapshot, or the API as it is now) as AWS's ExportApi does.
 * Pure: the API is not changed and the document shares no objects with it.
 *
 * @example
 * const doc = exportHttpApi(api, { stageName: '$default', includeExtensions: true })
 */
export function exportHttpApi(api: HttpApi, opts: HttpExportOptions = {}): JsonObject {
  if (opts.exportVersion !== undefined && opts.exportVersion !== '1.0') throw new ExportError(`Invalid exportVersion '${opts.exportVersion}': the only export version is 1.0`)
  const ext = opts.includeExtensions ?? true
  const base = serverBase(api.id, opts)
  const version = api.version ?? httpVersionDate(opts.deployment?.createdDate ?? api.createdDate)

  const names = new SchemeNames()
  const authorizerNames = new Map<string, string>()
  for (const a of Object.values(api.authorizers)) authorizerNames.set(a.id, names.claim(a.name))
  const sigv4 = names.claim('sigv4')
  let usesIam = false

  const paths: JsonObject = {}
  const routes = Object.values(api.routes).sort((a, b) => (a.routeKey < b.routeKey ? -1 : a.routeKey > b.routeKey ? 1 : 0))
  for (const route of routes) {
    const parsed = parseRouteKey(route.routeKey)
    if (parsed === undefined) continue
    const op: JsonObject = {}
    // The $default route is written as an ANY operation of the pseudo path /$default (§12.3 isDefaultRoute).
    if (parsed.isDefault) op.isDefaultRoute = true
    if (route.operationName) op.operationId = route.operationName
    const parameters = pathVariables(parsed.path).map((name) => ({
      name,
      in: 'path',
      description: `Generated path parameter for ${name}`,
      required: true,
      schema: { type: 'string' },
    }))
    if (parameters.length > 0) op.parameters = parameters
    op.responses = { default: { description: `Default response for ${route.routeKey}` } }
    const requirement = securityOf(route, authorizerNames, sigv4)
    if (requirement !== undefined) {
      op.security = [requirement]
      if (route.authorizationType === 'AWS_IAM') usesIam = true
    }
    const integration = route.target?.startsWith('integrations/') ? api.integrations[route.target.slice('integrations/'.length)] : undefined
    if (ext && integration !== undefined) op['x-amazon-apigateway-integration'] = exportIntegration(integration)
    const item = (paths[parsed.path] ??= {}) as JsonObject
    item[OPERATION_KEY[parsed.method] ?? parsed.method.toLowerCase()] = op
  }

  const schemes: JsonObject = {}
  if (usesIam) schemes[sigv4] = { type: 'apiKey', name: 'Authorization', in: 'header', ...(ext ? { 'x-amazon-apigateway-authtype': 'awsSigv4' } : {}) }
  for (const a of Object.values(api.authorizers)) schemes[authorizerNames.get(a.id)!] = authorizerScheme(a, ext)

  const server = oas3Server(base, opts.stageName === undefined || opts.stageName === '$default' ? '' : opts.stageName)
  if (ext && api.disableExecuteApiEndpoint) server['x-amazon-apigateway-endpoint-configuration'] = { disableExecuteApiEndpoint: true }

  const doc: JsonObject = {
    openapi: '3.0.1',
    info: compact({ title: api.name, description: api.description, version }),
    servers: [server],
  }
  if (ext && Object.keys(api.tags).length > 0) doc.tags = Object.entries(api.tags).map(([name, value]) => ({ name, 'x-amazon-apigateway-tag-value': value }))
  doc.paths = paths
  doc.components = compact({ securitySchemes: schemes })
  if (ext) {
    if (api.corsConfiguration !== undefined) doc['x-amazon-apigateway-cors'] = exportCors(api)
    for (const [key, value] of Object.entries(api.extensions)) doc[key] = structuredClone(value)
    doc['x-amazon-apigateway-importexport-version'] = '1.0'
  }
  return doc
}

function parseRouteKey(routeKey: string): { method: string; path: string; isDefault: boolean } | undefined {
  if (routeKey === '$default') return { method: 'ANY', path: '/$default', isDefault: true }
  const m = /^(\S+) (\/\S*)$/.exec(routeKey)
  return m ? { method: m[1]!, path: m[2]!, isDefault: false } : undefined
}

function securityOf(route: Route, authorizerNames: Map<string, string>, sigv4: string): JsonObject | undefined {
  if (route.authorizationType === 'AWS_IAM') return { [sigv4]: [] }
  if ((route.authorizationType === 'JWT' || route.authorizationType === 'CUSTOM') && route.authorizerId !== undefined) {
    const name = authorizerNames.get(route.authorizerId)
    if (name !== undefined) return { [name]: [...(route.authorizationScopes ?? [])] }
  }
  return undefined
}

function joinSources(source: string | string[] | undefined): string | undefined {
  if (source === undefined) return undefined
  return Array.isArray(source) ? (source.length > 0 ? source.join(',') : undefined) : source
}

/** A JWT authorizer is an OAuth 2 scheme; a Lambda (REQUEST) authorizer an API key scheme. */
function authorizerScheme(a: Authorizer, ext: boolean): JsonObject {
  const first = Array.isArray(a.identitySource) ? a.identitySource[0] : a.identitySource?.split(',')[0]?.trim()
  const scheme: JsonObject =
    a.type === 'JWT' ? { type: 'oauth2', flows: {} } : { type: 'apiKey', name: /^\$request\.header\.(.+)$/.exec(first ?? '')?.[1] ?? 'Unused', in: 'header' }
  if (!ext) return scheme
  if (a.authType !== undefined) scheme['x-amazon-apigateway-authtype'] = a.authType
  scheme['x-amazon-apigateway-authorizer'] =
    a.type === 'JWT'
      ? compact({
          type: 'jwt',
          identitySource: joinSources(a.identitySource),
          // Written as the API has it, even an empty audience list.
          jwtConfiguration: {
            ...(a.jwtConfiguration?.issuer !== undefined ? { issuer: a.jwtConfiguration.issuer } : {}),
            ...(a.jwtConfiguration?.audience !== undefined ? { audience: [...a.jwtConfiguration.audience] } : {}),
          },
        })
      : compact({
          type: a.type.toLowerCase(),
          authorizerUri: a.authorizerUri,
          authorizerCredentials: a.authorizerCredentials,
          identitySource: joinSources(a.identitySource),
          authorizerPayloadFormatVersion: a.authorizerPayloadFormatVersion,
          enableSimpleResponses: a.enableSimpleResponses,
          authorizerResultTtlInSeconds: a.authorizerResultTtlInSeconds,
        })
  return scheme
}

/**
 * `x-amazon-apigateway-integration` of a route, written out in full (AWS's HTTP API exports carry
 * payloadFormatVersion, connectionType and timeoutInMillis even at their defaults [K]).
 */
function exportIntegration(i: IntegrationV2): JsonObject {
  const responseParameters: JsonObject = {}
  for (const [status, map] of Object.entries(i.responseParameters)) responseParameters[status] = { ...map }
  const out = compact({
    type: i.integrationType.toLowerCase(),
    integrationSubtype: i.integrationSubtype,
    httpMethod: i.integrationMethod,
    uri: i.integrationUri,
    credentials: i.credentialsArn,
    requestParameters: copyMap(i.requestParameters),
    responseParameters,
    payloadFormatVersion: i.payloadFormatVersion,
    connectionType: i.connectionType,
    connectionId: i.connectionId,
    timeoutInMillis: i.timeoutInMillis,
  })
  if (i.tlsConfig !== undefined) out.tlsConfig = { ...i.tlsConfig }
  return out
}

function exportCors(api: HttpApi): JsonObject {
  const c = api.corsConfiguration!
  const list = (v: string[] | undefined) => (v === undefined ? undefined : [...v])
  const out: JsonObject = {}
  // Kept even when empty: an empty list and a missing one are different settings.
  for (const [k, v] of Object.entries({
    allowOrigins: list(c.allowOrigins),
    allowCredentials: c.allowCredentials,
    exposeHeaders: list(c.exposeHeaders),
    maxAge: c.maxAge,
    allowMethods: list(c.allowMethods),
    allowHeaders: list(c.allowHeaders),
  })) {
    if (v !== undefined) out[k] = v
  }
  return out
}
