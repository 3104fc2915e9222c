// The REST API (apigateway v1) operations' routes: AWS's request URIs and methods (the SDK's models).

import { route, type Route } from '../router.js'
import { createRestApi, deleteRestApi, getRestApi, listRestApis, putRestApi, updateRestApi } from './apis.js'
import { createResource, deleteResource, getResource, listResources, updateResource } from './resources.js'
import {
  deleteIntegration,
  deleteIntegrationResponse,
  deleteMethod,
  deleteMethodResponse,
  getIntegration,
  getIntegrationResponse,
  getMethod,
  getMethodResponse,
  putIntegration,
  putIntegrationResponse,
  putMethod,
  putMethodResponse,
  testInvokeMethod,
  updateIntegration,
  updateIntegrationResponse,
  updateMethod,
  updateMethodResponse,
} from './methods.js'
import {
  createAuthorizer,
  createModel,
  createValidator,
  deleteAuthorizer,
  deleteModel,
  deleteValidator,
  getAuthorizer,
  getModel,
  getModelTemplate,
  getValidator,
  listAuthorizers,
  listModels,
  listValidators,
  updateAuthorizer,
  updateModel,
  updateValidator,
} from './models.js'
import { deleteGatewayResponse, getGatewayResponse, listGatewayResponses, putGatewayResponse, updateGatewayResponse } from './gateway-responses.js'
import {
  createDeployment,
  createStage,
  deleteDeployment,
  deleteStage,
  flushAuthorizersCache,
  flushStageCache,
  getDeployment,
  getStage,
  listDeployments,
  listStages,
  updateDeployment,
  updateStage,
} from './deployments.js'

const API = '/restapis/{restApiId}'
const METHOD = `${API}/resources/{resourceId}/methods/{httpMethod}`

export const REST_ROUTES: Route[] = [
  route('POST', '/restapis', createRestApi, { body: (u) => (u.searchParams.get('mode') === 'import' ? 'definition' : undefined) }),
  route('GET', '/restapis', listRestApis),
  route('GET', API, getRestApi),
  route('PATCH', API, updateRestApi),
  route('PUT', API, putRestApi, { body: () => 'definition' }),
  route('DELETE', API, deleteRestApi),

  route('GET', `${API}/resources`, listResources),
  route('GET', `${API}/resources/{resourceId}`, getResource),
  route('POST', `${API}/resources/{parentId}`, createResource),
  route('PATCH', `${API}/resources/{resourceId}`, updateResource),
  route('DELETE', `${API}/resources/{resourceId}`, deleteResource),

  route('PUT', METHOD, putMethod),
  route('GET', METHOD, getMethod),
  route('PATCH', METHOD, updateMethod),
  route('DELETE', METHOD, deleteMethod),
  route('POST', METHOD, testInvokeMethod),
  route('PUT', `${METHOD}/responses/{statusCode}`, putMethodResponse),
  route('GET', `${METHOD}/responses/{statusCode}`, getMethodResponse),
  route('PATCH', `${METHOD}/responses/{statusCode}`, updateMethodResponse),
  route('DELETE', `${METHOD}/responses/{statusCode}`, deleteMethodResponse),
  route('PUT', `${METHOD}/integration`, putIntegration),
  route('GET', `${METHOD}/integration`, getIntegration),
  route('PATCH', `${METHOD}/integration`, updateIntegration),
  route('DELETE', `${METHOD}/integration`, deleteIntegration),
  route('PUT', `${METHOD}/integration/responses/{statusCode}`, putIntegrationResponse),
  route('GET', `${METHOD}/integration/responses/{statusCode}`, getIntegrationResponse),
  route('PATCH', `${METHOD}/integration/responses/{statusCode}`, updateIntegrationResponse),
  route('DELETE', `${METHOD}/integration/responses/{statusCode}`, deleteIntegrationResponse),

  route('POST', `${API}/models`, createModel),
  route('GET', `${API}/models`, listModels),
  route('GET', `${API}/models/{modelName}`, getModel),
  route('PATCH', `${API}/models/{modelName}`, updateModel),
  route('DELETE', `${API}/models/{modelName}`, deleteModel),
  route('GET', `${API}/models/{modelName}/default_template`, getModelTemplate),

  route('POST', `${API}/requestvalidators`, createValidator),
  route('GET', `${API}/requestvalidators`, listValidators),
  route('GET', `${API}/requestvalidators/{requestValidatorId}`, getValidator),
  route('PATCH', `${API}/requestvalidators/{requestValidatorId}`, updateValidator),
  route('DELETE', `${API}/requestvalidators/{requestValidatorId}`, deleteValidator),

  route('POST', `${API}/authorizers`, createAuthorizer),
  route('GET', `${API}/authorizers`, listAuthorizers),
  route('GET', `${API}/authorizers/{authorizerId}`, getAuthorizer),
  route('PATCH', `${API}/authorizers/{authorizerId}`, updateAuthorizer),
  route('DELETE', `${API}/authorizers/{authorizerId}`, deleteAuthorizer),

  route('GET', `${API}/gatewayresponses`, listGatewayResponses),
  route('GET', `${API}/gatewayresponses/{responseType}`, getGatewayResponse),
  route('PUT', `${API}/gatewayresponses/{responseType}`, putGatewayResponse),
  route('PATCH', `${API}/gatewayresponses/{responseType}`, updateGatewayResponse),
  route('DELETE', `${API}/gatewayresponses/{responseType}`, deleteGatewayResponse),

  route('POST', `${API}/deployments`, createDeployment),
  route('GET', `${API}/deployments`, listDeployments),
  route('GET', `${API}/deployments/{deploymentId}`, getDeployment),
  route('PATCH', `${API}/deployments/{deploymentId}`, updateDeployment),
  route('DELETE', `${API}/deployments/{deploymentId}`, deleteDeployment),

  route('POST', `${API}/stages`, createStage),
  route('GET', `${API}/stages`, listStages),
  route('GET', `${API}/stages/{stageName}`, getStage),
  route('PATCH', `${API}/stages/{stageName}`, updateStage),
  route('DELETE', `${API}/stages/{stageName}`, deleteStage),
  route('DELETE', `${API}/stages/{stageName}/cache/authorizers`, flushAuthorizersCache),
  route('DELETE', `${API}/stages/{stageName}/cache/data`, flushStageCache),
]
