// The HTTP and WebSocket API (apigatewayv2) operations' routes: AWS's request URIs under /v2 (the SDK's models).

import { route, type Route } from '../router.js'
import { createApi, deleteApi, deleteCors, getApi, importApi, listApis, reimportApi, updateApi } from './apis.js'
import {
  createRoute,
  createRouteResponse,
  deleteRoute,
  deleteRouteRequestParameter,
  deleteRouteResponse,
  getRoute,
  getRouteResponse,
  listRouteResponses,
  listRoutes,
  updateRoute,
  updateRouteResponse,
} from './api-routes.js'
import {
  createIntegration,
  createIntegrationResponse,
  deleteIntegration,
  deleteIntegrationResponse,
  getIntegration,
  getIntegrationResponse,
  listIntegrationResponses,
  listIntegrations,
  updateIntegration,
  updateIntegrationResponse,
} from './integrations.js'
import { createAuthorizer, deleteAuthorizer, getAuthorizer, listAuthorizers, updateAuthorizer } from './authorizers.js'
import { createModel, deleteModel, getModel, getModelTemplate, listModels, updateModel } from './models.js'
import {
  createDeployment,
  createStage,
  deleteAccessLogSettings,
  deleteDeployment,
  deleteRouteSettings,
  deleteStage,
  getDeployment,
  getStage,
  listDeployments,
  listStages,
  resetAuthorizersCache,
  updateDeployment,
  updateStage,
} from './stages.js'

import {
  createApiMapping,
  createDomainNameV2,
  deleteApiMapping,
  deleteDomainNameV2,
  getApiMapping,
  getDomainNameV2,
  listApiMappings,
  listDomainNamesV2,
  updateApiMapping,
  updateDomainNameV2,
} from './domains.js'

const API = '/v2/apis/{apiId}'
const DOMAIN = '/v2/domainnames/{domainName}'

export const V2_ROUTES: Route[] = [
  route('POST', '/v2/apis', createApi),
  route('GET', '/v2/apis', listApis),
  route('PUT', '/v2/apis', importApi),
  route('GET', API, getApi),
  route('PATCH', API, updateApi),
  route('PUT', API, reimportApi),
  route('DELETE', API, deleteApi),
  route('DELETE', `${API}/cors`, deleteCors),

  route('POST', `${API}/routes`, createRoute),
  route('GET', `${API}/routes`, listRoutes),
  route('GET', `${API}/routes/{routeId}`, getRoute),
  route('PATCH', `${API}/routes/{routeId}`, updateRoute),
  route('DELETE', `${API}/routes/{routeId}`, deleteRoute),
  route('DELETE', `${API}/routes/{routeId}/requestparameters/{key}`, deleteRouteRequestParameter),
  route('POST', `${API}/routes/{routeId}/routeresponses`, createRouteResponse),
  route('GET', `${API}/routes/{routeId}/routeresponses`, listRouteResponses),
  route('GET', `${API}/routes/{routeId}/routeresponses/{routeResponseId}`, getRouteResponse),
  route('PATCH', `${API}/routes/{routeId}/routeresponses/{routeResponseId}`, updateRouteResponse),
  route('DELETE', `${API}/routes/{routeId}/routeresponses/{routeResponseId}`, deleteRouteResponse),

  route('POST', `${API}/integrations`, createIntegration),
  route('GET', `${API}/integrations`, listIntegrations),
  route('GET', `${API}/integrations/{integrationId}`, getIntegration),
  route('PATCH', `${API}/integrations/{integrationId}`, updateIntegration),
  route('DELETE', `${API}/integrations/{integrationId}`, deleteIntegration),
  route('POST', `${API}/integrations/{integrationId}/integrationresponses`, createIntegrationResponse),
  route('GET', `${API}/integrations/{integrationId}/integrationresponses`, listIntegrationResponses),
  route('GET', `${API}/integrations/{integrationId}/integrationresponses/{integrationResponseId}`, getIntegrationResponse),
  route('PATCH', `${API}/integrations/{integrationId}/integrationresponses/{integrationResponseId}`, updateIntegrationResponse),
  route('DELETE', `${API}/integrations/{integrationId}/integrationresponses/{integrationResponseId}`, deleteIntegrationResponse),

  route('POST', `${API}/authorizers`, createAuthorizer),
  route('GET', `${API}/authorizers`, listAuthorizers),
  route('GET', `${API}/authorizers/{authorizerId}`, getAuthorizer),
  route('PATCH', `${API}/authorizers/{authorizerId}`, updateAuthorizer),
  route('DELETE', `${API}/authorizers/{authorizerId}`, deleteAuthorizer),

  route('POST', `${API}/models`, createModel),
  route('GET', `${API}/models`, listModels),
  route('GET', `${API}/models/{modelId}`, getModel),
  route('GET', `${API}/models/{modelId}/template`, getModelTemplate),
  route('PATCH', `${API}/models/{modelId}`, updateModel),
  route('DELETE', `${API}/models/{modelId}`, deleteModel),

  route('POST', `${API}/stages`, createStage),
  route('GET', `${API}/stages`, listStages),
  route('GET', `${API}/stages/{stageName}`, getStage),
  route('PATCH', `${API}/stages/{stageName}`, updateStage),
  route('DELETE', `${API}/stages/{stageName}`, deleteStage),
  route('DELETE', `${API}/stages/{stageName}/accesslogsettings`, deleteAccessLogSettings),
  route('DELETE', `${API}/stages/{stageName}/routesettings/{routeKey}`, deleteRouteSettings),
  route('DELETE', `${API}/stages/{stageName}/cache/authorizers`, resetAuthorizersCache),

  route('POST', `${API}/deployments`, createDeployment),
  route('GET', `${API}/deployments`, listDeployments),
  route('GET', `${API}/deployments/{deploymentId}`, getDeployment),
  route('PATCH', `${API}/deployments/{deploymentId}`, updateDeployment),
  route('DELETE', `${API}/deployments/{deploymentId}`, deleteDeployment),

  route('POST', '/v2/domainnames', createDomainNameV2),
  route('GET', '/v2/domainnames', listDomainNamesV2),
  route('GET', DOMAIN, getDomainNameV2),
  route('PATCH', DOMAIN, updateDomainNameV2),
  route('DELETE', DOMAIN, deleteDomainNameV2),
  route('POST', `${DOMAIN}/apimappings`, createApiMapping),
  route('GET', `${DOMAIN}/apimappings`, listApiMappings),
  route('GET', `${DOMAIN}/apimappings/{apiMappingId}`, getApiMapping),
  route('PATCH', `${DOMAIN}/apimappings/{apiMappingId}`, updateApiMapping),
  route('DELETE', `${DOMAIN}/apimappings/{apiMappingId}`, deleteApiMapping),
]
