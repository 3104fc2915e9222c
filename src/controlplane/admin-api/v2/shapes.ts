// The AWS JSON of apigatewayv2 objects: camelCase members, ISO-8601 dates, optional members left out.

import type { Authorizer, Deployment, HttpApi, IntegrationResponseV2, IntegrationV2, ModelV2, Route, RouteResponseV2, Stage } from '../../../model/types.js'

type Json = Record<string, unknown>

const nonEmpty = (o: object | undefined): o is object => o !== undefined && Object.keys(o).length > 0

export const HTTP_ROUTE_SELECTION = '${request.method} ${request.path}'
export const DEFAULT_API_KEY_SELECTION = '$request.header.x-api-key'

export function apiJson(api: HttpApi, region: string): Json {
  const scheme = api.protocolType === 'WEBSOCKET' ? 'wss' : 'https'
  const out: Json = {
    apiEndpoint: `${scheme}://${api.id}.execute-api.${region}.amazonaws.com`,
    apiId: api.id,
    apiKeySelectionExpression: api.apiKeySelectionExpression ?? DEFAULT_API_KEY_SELECTION,
  }
  if (api.corsConfiguration !== undefined) out.corsConfiguration = { ...api.corsConfiguration }
  out.createdDate = api.createdDate
  if (api.description !== undefined) out.description = api.description
  out.disableExecuteApiEndpoint = api.disableExecuteApiEndpoint
  if (api.disableSchemaValidation !== undefined) out.disableSchemaValidation = api.disableSchemaValidation
  out.ipAddressType = api.ipAddressType ?? 'ipv4'
  out.name = api.name
  out.protocolType = api.protocolType
  out.routeSelectionExpression = api.routeSelectionExpression
  out.tags = { ...api.tags }
  if (api.version !== undefined) out.version = api.version
  return out
}

export function routeJson(r: Route): Json {
  const out: Json = { apiKeyRequired: r.apiKeyRequired ?? false }
  if (r.authorizationScopes && r.authorizationScopes.length > 0) out.authorizationScopes = [...r.authorizationScopes]
  out.authorizationType = r.authorizationType
  if (r.authorizerId !== undefined) out.authorizerId = r.authorizerId
  if (r.modelSelectionExpression !== undefined) out.modelSelectionExpression = r.modelSelectionExpression
  if (r.operationName !== undefined) out.operationName = r.operationName
  if (nonEmpty(r.requestModels)) out.requestModels = { ...r.requestModels }
  if (nonEmpty(r.requestParameters)) out.requestParameters = structuredClone(r.requestParameters)
  out.routeId = r.routeId
  out.routeKey = r.routeKey
  if (r.routeResponseSelectionExpression !== undefined) out.routeResponseSelectionExpression = r.routeResponseSelectionExpression
  if (r.target !== undefined) out.target = r.target
  return out
}

export function integrationJson(i: IntegrationV2): Json {
  const out: Json = { connectionType: i.connectionType }
  if (i.connectionId !== undefined) out.connectionId = i.connectionId
  if (i.contentHandlingStrategy !== undefined) out.contentHandlingStrategy = i.contentHandlingStrategy
  if (i.credentialsArn !== undefined) out.credentialsArn = i.credentialsArn
  if (i.description !== undefined) out.description = i.description
  out.integrationId = i.integrationId
  if (i.integrationMethod !== undefined) out.integrationMethod = i.integrationMethod
  if (i.integrationResponseSelectionExpression !== undefined) out.integrationResponseSelectionExpression = i.integrationResponseSelectionExpression
  if (i.integrationSubtype !== undefined) out.integrationSubtype = i.integrationSubtype
  out.integrationType = i.integrationType
  if (i.integrationUri !== undefined) out.integrationUri = i.integrationUri
  if (i.passthroughBehavior !== undefined) out.passthroughBehavior = i.passthroughBehavior
  if (i.payloadFormatVersion !== undefined) out.payloadFormatVersion = i.payloadFormatVersion
  if (nonEmpty(i.requestParameters)) out.requestParameters = { ...i.requestParameters }
  if (nonEmpty(i.requestTemplates)) out.requestTemplates = { ...i.requestTemplates }
  if (nonEmpty(i.responseParameters)) out.responseParameters = structuredClone(i.responseParameters)
  if (i.templateSelectionExpression !== undefined) out.templateSelectionExpression = i.templateSelectionExpression
  out.timeoutInMillis = i.timeoutInMillis
  if (i.tlsConfig !== undefined && i.tlsConfig.serverNameToVerify !== undefined) out.tlsConfig = { serverNameToVerify: i.tlsConfig.serverNameToVerify }
  return out
}

export function authorizerJson(a: Authorizer): Json {
  const out: Json = {}
  if (a.authorizerCredentials !== undefined) out.authorizerCredentialsArn = a.authorizerCredentials
  out.authorizerId = a.id
  if (a.authorizerPayloadFormatVersion !== undefined) out.authorizerPayloadFormatVersion = a.authorizerPayloadFormatVersion
  if (a.type === 'REQUEST') out.authorizerResultTtlInSeconds = a.authorizerResultTtlInSeconds
  out.authorizerType = a.type
  if (a.authorizerUri !== undefined) out.authorizerUri = a.authorizerUri
  if (a.enableSimpleResponses !== undefined) out.enableSimpleResponses = a.enableSimpleResponses
  if (a.identitySource !== undefined) out.identitySource = Array.isArray(a.identitySource) ? [...a.identitySource] : a.identitySource.split(',').map((s) => s.trim())
  if (a.identityValidationExpression !== undefined) out.identityValidationExpression = a.identityValidationExpression
  if (a.jwtConfiguration !== undefined) out.jwtConfiguration = structuredClone(a.jwtConfiguration)
  out.name = a.name
  return out
}

export function stageJson(s: Stage): Json {
  const out: Json = {}
  if (s.accessLogSettings !== undefined && nonEmpty(s.accessLogSettings)) out.accessLogSettings = { ...s.accessLogSettings }
  out.autoDeploy = s.autoDeploy ?? false
  if (s.clientCertificateId !== undefined) out.clientCertificateId = s.clientCertificateId
  out.createdDate = s.createdDate
  out.defaultRouteSettings = { detailedMetricsEnabled: false, ...(s.defaultRouteSettings ?? {}) }
  if (s.deploymentId) out.deploymentId = s.deploymentId
  if (s.description !== undefined) out.description = s.description
  if (s.autoDeploy && s.deploymentId) out.lastDeploymentStatusMessage = `Successfully deployed stage with deployment ID '${s.deploymentId}'`
  out.lastUpdatedDate = s.lastUpdatedDate
  out.routeSettings = structuredClone(s.routeSettings ?? {})
  out.stageName = s.stageName
  out.stageVariables = { ...s.variables }
  out.tags = { ...s.tags }
  return out
}

export function deploymentJson(d: Deployment): Json {
  const out: Json = { autoDeployed: d.autoDeployed ?? false, createdDate: d.createdDate, deploymentId: d.id, deploymentStatus: 'DEPLOYED' }
  if (d.description !== undefined) out.description = d.description
  return out
}

export function modelJson(m: ModelV2): Json {
  const out: Json = {}
  if (m.contentType !== undefined) out.contentType = m.contentType
  if (m.description !== undefined) out.description = m.description
  out.modelId = m.modelId
  out.name = m.name
  if (m.schema !== undefined) out.schema = m.schema
  return out
}

export function routeResponseJson(r: RouteResponseV2): Json {
  const out: Json = {}
  if (r.modelSelectionExpression !== undefined) out.modelSelectionExpression = r.modelSelectionExpression
  if (nonEmpty(r.responseModels)) out.responseModels = { ...r.responseModels }
  if (nonEmpty(r.responseParameters)) out.responseParameters = structuredClone(r.responseParameters)
  out.routeResponseId = r.routeResponseId
  out.routeResponseKey = r.routeResponseKey
  return out
}

export function integrationResponseJson(r: IntegrationResponseV2): Json {
  const out: Json = {}
  if (r.contentHandlingStrategy !== undefined) out.contentHandlingStrategy = r.contentHandlingStrategy
  out.integrationResponseId = r.integrationResponseId
  out.integrationResponseKey = r.integrationResponseKey
  if (nonEmpty(r.responseParameters)) out.responseParameters = { ...r.responseParameters }
  if (nonEmpty(r.responseTemplates)) out.responseTemplates = { ...r.responseTemplates }
  if (r.templateSelectionExpression !== undefined) out.templateSelectionExpression = r.templateSelectionExpression
  return out
}
