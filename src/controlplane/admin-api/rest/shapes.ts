// The AWS JSON of REST API (v1) objects as the control plane answers them (recorded shapes, §16.3): empty
// maps and lists left out where AWS leaves them out, dates as epoch seconds, model schemas and policies as
// JSON strings.

import type {
  Authorizer,
  Deployment,
  GatewayResponse,
  GatewayResponseType,
  Integration,
  IntegrationResponse,
  Method,
  MethodResponse,
  MethodSetting,
  Model,
  RequestValidator,
  Resource,
  RestApi,
  Stage,
} from '../../../model/types.js'
import { errorSpec } from '../../../errors.js'
import { epochSeconds } from '../http.js'

type Json = Record<string, unknown>

const nonEmpty = (o: object | undefined): boolean => o !== undefined && Object.keys(o).length > 0

/** The default ipAddressType of an endpoint type (recorded: PRIVATE is dualstack, the others ipv4). */
export function defaultIpAddressType(types: readonly string[]): 'ipv4' | 'dualstack' {
  return types.includes('PRIVATE') ? 'dualstack' : 'ipv4'
}

export function restApiJson(api: RestApi, opts: { tags: 'always' | 'nonEmpty' } = { tags: 'nonEmpty' }): Json {
  const out: Json = { id: api.id, name: api.name }
  if (api.description !== undefined) out.description = api.description
  out.createdDate = epochSeconds(api.createdDate)
  if (api.version !== undefined) out.version = api.version
  if (api.binaryMediaTypes.length > 0) out.binaryMediaTypes = [...api.binaryMediaTypes]
  if (api.minimumCompressionSize !== null) out.minimumCompressionSize = api.minimumCompressionSize
  out.apiKeySource = api.apiKeySource
  const ec = api.endpointConfiguration
  out.endpointConfiguration = {
    types: [...ec.types],
    ipAddressType: ec.ipAddressType ?? defaultIpAddressType(ec.types),
    ...(ec.vpcEndpointIds && ec.vpcEndpointIds.length > 0 ? { vpcEndpointIds: [...ec.vpcEndpointIds] } : {}),
  }
  if (api.policy !== null) out.policy = JSON.stringify(api.policy)
  if (opts.tags === 'always' || nonEmpty(api.tags)) out.tags = { ...api.tags }
  out.disableExecuteApiEndpoint = api.disableExecuteApiEndpoint
  out.rootResourceId = api.rootResourceId
  if (api.securityPolicy !== undefined) out.securityPolicy = api.securityPolicy
  if (api.endpointAccessMode !== undefined) out.endpointAccessMode = api.endpointAccessMode
  return out
}

/** A resource; its methods as `{}` each, or whole with `embed=methods` (recorded). The root has no parentId or pathPart. */
export function resourceJson(r: Resource, embedMethods: boolean): Json {
  const out: Json = { id: r.id }
  if (r.parentId !== null) {
    out.parentId = r.parentId
    out.pathPart = r.pathPart
  }
  out.path = r.path
  const verbs = Object.keys(r.resourceMethods)
  if (verbs.length > 0) {
    out.resourceMethods = Object.fromEntries(Object.entries(r.resourceMethods).map(([verb, m]) => [verb, embedMethods ? methodJson(m!) : {}]))
  }
  return out
}

export function methodJson(m: Method): Json {
  const out: Json = { httpMethod: m.httpMethod, authorizationType: m.authorizationType }
  if (m.authorizerId !== undefined) out.authorizerId = m.authorizerId
  out.apiKeyRequired = m.apiKeyRequired
  if (m.requestValidatorId !== undefined) out.requestValidatorId = m.requestValidatorId
  if (m.operationName !== undefined) out.operationName = m.operationName
  if (nonEmpty(m.requestParameters)) out.requestParameters = { ...m.requestParameters }
  if (nonEmpty(m.requestModels)) out.requestModels = { ...m.requestModels }
  if (nonEmpty(m.methodResponses)) out.methodResponses = Object.fromEntries(Object.entries(m.methodResponses).map(([k, r]) => [k, methodResponseJson(r)]))
  if (m.methodIntegration) out.methodIntegration = integrationJson(m.methodIntegration)
  if (m.authorizationScopes && m.authorizationScopes.length > 0) out.authorizationScopes = [...m.authorizationScopes]
  return out
}

export function methodResponseJson(r: MethodResponse): Json {
  const out: Json = { statusCode: r.statusCode }
  if (nonEmpty(r.responseParameters)) out.responseParameters = { ...r.responseParameters }
  if (nonEmpty(r.responseModels)) out.responseModels = { ...r.responseModels }
  return out
}

export function integrationJson(i: Integration): Json {
  const out: Json = { type: i.type }
  if (i.httpMethod !== undefined) out.httpMethod = i.httpMethod
  if (i.uri !== undefined) out.uri = i.uri
  // Recorded: MOCK integrations show no connectionType.
  if (i.type !== 'MOCK' || i.connectionType !== 'INTERNET') out.connectionType = i.connectionType
  if (i.connectionId !== undefined) out.connectionId = i.connectionId
  if (i.credentials !== undefined) out.credentials = i.credentials
  if (nonEmpty(i.requestParameters)) out.requestParameters = { ...i.requestParameters }
  if (nonEmpty(i.requestTemplates)) out.requestTemplates = { ...i.requestTemplates }
  out.passthroughBehavior = i.passthroughBehavior
  if (i.contentHandling !== undefined) out.contentHandling = i.contentHandling
  out.timeoutInMillis = i.timeoutInMillis
  if (i.cacheNamespace !== undefined) out.cacheNamespace = i.cacheNamespace
  out.cacheKeyParameters = [...i.cacheKeyParameters]
  if (nonEmpty(i.integrationResponses)) out.integrationResponses = Object.fromEntries(Object.entries(i.integrationResponses).map(([k, r]) => [k, integrationResponseJson(r)]))
  if (i.tlsConfig !== undefined) out.tlsConfig = { ...i.tlsConfig }
  if (i.responseTransferMode !== undefined) out.responseTransferMode = i.responseTransferMode
  return out
}

export function integrationResponseJson(r: IntegrationResponse): Json {
  const out: Json = { statusCode: r.statusCode }
  if (r.selectionPattern !== undefined) out.selectionPattern = r.selectionPattern
  if (nonEmpty(r.responseParameters)) out.responseParameters = { ...r.responseParameters }
  if (nonEmpty(r.responseTemplates)) out.responseTemplates = { ...r.responseTemplates }
  if (r.contentHandling !== undefined) out.contentHandling = r.contentHandling
  return out
}

export function modelJson(m: Model): Json {
  const out: Json = { id: m.id, name: m.name }
  if (m.description !== undefined) out.description = m.description
  out.schema = JSON.stringify(m.schema)
  out.contentType = m.contentType
  return out
}

export function validatorJson(v: RequestValidator): Json {
  return { id: v.id, name: v.name, validateRequestBody: v.validateRequestBody, validateRequestParameters: v.validateRequestParameters }
}

export function authorizerJson(a: Authorizer): Json {
  const out: Json = { id: a.id, name: a.name, type: a.type }
  if (a.providerARNs !== undefined) out.providerARNs = [...a.providerARNs]
  if (a.authType !== undefined) out.authType = a.authType
  if (a.authorizerUri !== undefined) out.authorizerUri = a.authorizerUri
  if (a.authorizerCredentials !== undefined) out.authorizerCredentials = a.authorizerCredentials
  if (a.identitySource !== undefined) out.identitySource = Array.isArray(a.identitySource) ? a.identitySource.join(', ') : a.identitySource
  if (a.identityValidationExpression !== undefined) out.identityValidationExpression = a.identityValidationExpression
  out.authorizerResultTtlInSeconds = a.authorizerResultTtlInSeconds
  return out
}

/** Every gateway response type, in AWS's listing order (alphabetical, recorded). */
export const GATEWAY_RESPONSE_TYPES: readonly GatewayResponseType[] = [
  'ACCESS_DENIED', 'API_CONFIGURATION_ERROR', 'AUTHORIZER_CONFIGURATION_ERROR', 'AUTHORIZER_FAILURE', 'BAD_REQUEST_BODY',
  'BAD_REQUEST_PARAMETERS', 'DEFAULT_4XX', 'DEFAULT_5XX', 'EXPIRED_TOKEN', 'INTEGRATION_FAILURE', 'INTEGRATION_TIMEOUT',
  'INVALID_API_KEY', 'INVALID_SIGNATURE', 'MISSING_AUTHENTICATION_TOKEN', 'QUOTA_EXCEEDED', 'REQUEST_TOO_LARGE',
  'RESOURCE_NOT_FOUND', 'THROTTLED', 'UNAUTHORIZED', 'UNSUPPORTED_MEDIA_TYPE', 'WAF_FILTERED',
]

/** The enum order AWS's ValidationException names (recorded). */
export const GATEWAY_RESPONSE_ENUM =
  'REQUEST_TOO_LARGE, RESOURCE_NOT_FOUND, AUTHORIZER_CONFIGURATION_ERROR, MISSING_AUTHENTICATION_TOKEN, BAD_REQUEST_BODY, INVALID_SIGNATURE, INVALID_API_KEY, BAD_REQUEST_PARAMETERS, AUTHORIZER_FAILURE, UNAUTHORIZED, INTEGRATION_TIMEOUT, ACCESS_DENIED, DEFAULT_4XX, DEFAULT_5XX, WAF_FILTERED, QUOTA_EXCEEDED, THROTTLED, API_CONFIGURATION_ERROR, UNSUPPORTED_MEDIA_TYPE, INTEGRATION_FAILURE, EXPIRED_TOKEN'

export const DEFAULT_GATEWAY_TEMPLATE = '{"message":$context.error.messageString}'

/**
 * A gateway response as AWS answers it: the customised one (`defaultResponse: false`), or the default, which
 * inherits a customised DEFAULT_4XX/DEFAULT_5XX's status, parameters and templates (recorded).
 */
export function gatewayResponseJson(api: RestApi, type: GatewayResponseType): Json {
  const own = api.gatewayResponses[type]
  if (own) {
    return {
      responseType: type,
      ...(own.statusCode !== undefined ? { statusCode: own.statusCode } : {}),
      responseParameters: { ...own.responseParameters },
      responseTemplates: nonEmpty(own.responseTemplates) ? { ...own.responseTemplates } : { 'application/json': DEFAULT_GATEWAY_TEMPLATE },
      defaultResponse: false,
    }
  }
  let status: number | undefined
  let inherited: GatewayResponse | undefined
  if (type !== 'DEFAULT_4XX' && type !== 'DEFAULT_5XX') {
    status = errorSpec(type).status
    inherited = api.gatewayResponses[status >= 500 ? 'DEFAULT_5XX' : 'DEFAULT_4XX']
  }
  const out: Json = { responseType: type }
  const inheritedStatus = inherited?.statusCode
  if (inheritedStatus !== undefined) out.statusCode = inheritedStatus
  else if (status !== undefined) out.statusCode = String(status)
  out.responseParameters = { ...(inherited?.responseParameters ?? {}) }
  out.responseTemplates = inherited && nonEmpty(inherited.responseTemplates) ? { ...inherited.responseTemplates } : { 'application/json': DEFAULT_GATEWAY_TEMPLATE }
  out.defaultResponse = true
  return out
}

export function deploymentJson(d: Deployment, embedSummary: boolean): Json {
  const out: Json = { id: d.id }
  if (d.description !== undefined) out.description = d.description
  out.createdDate = epochSeconds(d.createdDate)
  if (embedSummary && d.snapshot.kind === 'REST') {
    const summary: Record<string, Record<string, Json>> = {}
    for (const r of Object.values(d.snapshot.resources)) {
      for (const [verb, m] of Object.entries(r.resourceMethods)) {
        summary[r.path] ??= {}
        summary[r.path]![verb] = { authorizationType: m!.authorizationType, apiKeyRequired: m!.apiKeyRequired }
      }
    }
    out.apiSummary = summary
  }
  return out
}

/** AWS's defaults of a method setting, filled in when a patch creates one (recorded for `*\/*`). */
export const METHOD_SETTING_DEFAULTS: Required<MethodSetting> = {
  metricsEnabled: false,
  loggingLevel: 'OFF',
  dataTraceEnabled: false,
  throttlingBurstLimit: 5000,
  throttlingRateLimit: 10000,
  cachingEnabled: false,
  cacheTtlInSeconds: 300,
  cacheDataEncrypted: false,
  requireAuthorizationForCacheControl: true,
  unauthorizedCacheControlHeaderStrategy: 'SUCCEED_WITH_RESPONSE_HEADER',
}

export function stageJson(s: Stage, opts: { tags: 'always' | 'nonEmpty' } = { tags: 'nonEmpty' }): Json {
  const out: Json = { deploymentId: s.deploymentId }
  if (s.clientCertificateId !== undefined) out.clientCertificateId = s.clientCertificateId
  out.stageName = s.stageName
  if (s.description !== undefined) out.description = s.description
  out.cacheClusterEnabled = s.cacheClusterEnabled ?? false
  if (s.cacheClusterSize !== undefined) out.cacheClusterSize = s.cacheClusterSize
  // The cache itself is the next issue's: its status says whether one is asked for.
  out.cacheClusterStatus = s.cacheClusterEnabled ? 'AVAILABLE' : 'NOT_AVAILABLE'
  out.methodSettings = Object.fromEntries(Object.entries(s.methodSettings).map(([k, v]) => [k, { ...v }]))
  if (nonEmpty(s.variables)) out.variables = { ...s.variables }
  if (s.documentationVersion !== undefined) out.documentationVersion = s.documentationVersion
  if (s.accessLogSettings !== undefined && nonEmpty(s.accessLogSettings)) out.accessLogSettings = { ...s.accessLogSettings }
  if (s.canarySettings !== undefined) {
    out.canarySettings = {
      deploymentId: s.canarySettings.deploymentId,
      percentTraffic: s.canarySettings.percentTraffic,
      ...(nonEmpty(s.canarySettings.stageVariableOverrides) ? { stageVariableOverrides: { ...s.canarySettings.stageVariableOverrides } } : {}),
      useStageCache: s.canarySettings.useStageCache,
    }
  }
  out.tracingEnabled = s.tracingEnabled ?? false
  if (s.webAclArn !== undefined) out.webAclArn = s.webAclArn
  if (opts.tags === 'always' || nonEmpty(s.tags)) out.tags = { ...s.tags }
  out.createdDate = epochSeconds(s.createdDate)
  out.lastUpdatedDate = epochSeconds(s.lastUpdatedDate)
  return out
}
