// AWS's Method, MethodResponse, Integration and IntegrationResponse operations (§1.3–1.5, §16): Put, Get,
// Update (patch) and Delete of each, with the recorded validation messages; and TestInvokeMethod (§19.3),
// which runs a method of the working definition through the data plane in process (a port the gateway lends).

import type { ContentHandling, HttpMethod, Integration, IntegrationResponse, Method, MethodResponse, PassthroughBehavior, RestApi, RestAuthorizationType, RestIntegrationType } from '../../../model/types.js'
import type { HandlerContext } from '../context.js'
import {
  AdminApiError,
  badRequest,
  notFound,
  optionalString,
  patchBoolean,
  patchOperations,
  readJsonObject,
  sendJson,
  sendNoContent,
  stringMap,
  validationErrors,
  type PatchOperation,
} from '../http.js'
import {
  INTEGRATION_NOT_FOUND,
  INVALID_AUTHORIZER,
  RESOURCE_NOT_FOUND,
  RESPONSE_NOT_FOUND,
  VALIDATOR_NOT_FOUND,
  changeRestApi,
  httpMethodParam,
  invalidPath,
  methodOf,
  onlyReplace,
  optionalBool,
  optionalInt,
  booleanMap,
  patchKey,
  readRestApi,
  resourceOf,
  statusCodeParam,
  stringList,
} from './common.js'
import { integrationJson, integrationResponseJson, methodJson, methodResponseJson } from './shapes.js'

const AUTH_TYPES: readonly RestAuthorizationType[] = ['NONE', 'AWS_IAM', 'CUSTOM', 'COGNITO_USER_POOLS']
const INTEGRATION_TYPES: readonly RestIntegrationType[] = ['HTTP', 'MOCK', 'AWS_PROXY', 'HTTP_PROXY', 'AWS']
const PASSTHROUGH: readonly PassthroughBehavior[] = ['WHEN_NO_MATCH', 'WHEN_NO_TEMPLATES', 'NEVER']
const CONTENT_HANDLING: readonly ContentHandling[] = ['CONVERT_TO_TEXT', 'CONVERT_TO_BINARY']
const PARAMETER_KEY = /^method\.request\.(path|querystring|header|multivaluequerystring|multivalueheader)\.(.+)$/

/** The method's authorizer and validator references must name things of the API (recorded messages). */
function checkMethodRefs(api: RestApi, m: Method): void {
  if (m.authorizationType === 'CUSTOM' || m.authorizationType === 'COGNITO_USER_POOLS') {
    if (m.authorizerId === undefined || !api.authorizers[m.authorizerId]) throw badRequest(INVALID_AUTHORIZER)
  } else delete m.authorizerId
  if (m.requestValidatorId !== undefined && !api.requestValidators[m.requestValidatorId]) throw badRequest(VALIDATOR_NOT_FOUND)
  for (const model of Object.values(m.requestModels)) if (!api.models[model]) throw badRequest(`Invalid model identifier specified: ${model}`)
  const names = new Map<string, string>()
  for (const key of Object.keys(m.requestParameters)) {
    const p = PARAMETER_KEY.exec(key)
    if (!p) throw badRequest(`Invalid mapping expression specified: Validation Result: warnings : [], errors : [Invalid method request parameter name specified: ${key}]`)
    const where = p[1]!.replace(/^multivalue/, '')
    const seen = names.get(p[2]!)
    if (seen !== undefined && seen !== where) throw badRequest('Parameter names must be unique across querystring, header and path')
    names.set(p[2]!, where)
  }
}

function authorizationType(raw: unknown): RestAuthorizationType {
  const t = typeof raw === 'string' ? raw.toUpperCase() : raw
  if (!AUTH_TYPES.includes(t as RestAuthorizationType)) {
    throw badRequest(`Invalid authorization type specified: ${String(raw)}. Valid options are ${AUTH_TYPES.join(',')}`)
  }
  return t as RestAuthorizationType
}

/** PUT …/methods/{httpMethod} (PutMethod, 201): creates or replaces the method (its integration too). */
export async function putMethod(ctx: HandlerContext): Promise<void> {
  const [apiId, resourceId] = [ctx.params[0]!, ctx.params[1]!]
  const verb = httpMethodParam(ctx.params[2]!)
  const body = await readJsonObject(ctx.req)
  const method = await changeRestApi(
    ctx,
    apiId,
    (api) => {
      const resource = resourceOf(api, resourceId)
      const m: Method = {
        httpMethod: verb,
        authorizationType: authorizationType(body.authorizationType ?? 'NONE'),
        apiKeyRequired: optionalBool(body, 'apiKeyRequired') ?? false,
        requestParameters: booleanMap(body, 'requestParameters'),
        requestModels: stringMap(body, 'requestModels'),
        methodResponses: {},
      }
      const authorizerId = optionalString(body, 'authorizerId')
      if (authorizerId !== undefined) m.authorizerId = authorizerId
      const validatorId = optionalString(body, 'requestValidatorId')
      if (validatorId !== undefined && validatorId !== '') m.requestValidatorId = validatorId
      const operationName = optionalString(body, 'operationName')
      if (operationName !== undefined) m.operationName = operationName
      const scopes = stringList(body, 'authorizationScopes')
      if (scopes !== undefined && scopes.length > 0) m.authorizationScopes = scopes
      checkMethodRefs(api, m)
      resource.resourceMethods[verb] = m
      return m
    },
    { missing: RESOURCE_NOT_FOUND },
  )
  sendJson(ctx.res, 201, methodJson(method))
}

/** GET …/methods/{httpMethod} (GetMethod). */
export async function getMethod(ctx: HandlerContext): Promise<void> {
  const api = (await readRestApi(ctx, ctx.store, ctx.params[0]!, RESOURCE_NOT_FOUND)).value
  sendJson(ctx.res, 200, methodJson(methodOf(api, ctx.params[1]!, ctx.params[2]!).method))
}

/** DELETE …/methods/{httpMethod} (DeleteMethod, 204). */
export async function deleteMethod(ctx: HandlerContext): Promise<void> {
  await changeRestApi(
    ctx,
    ctx.params[0]!,
    (api) => {
      const { resource, verb } = methodOf(api, ctx.params[1]!, ctx.params[2]!)
      delete resource.resourceMethods[verb]
    },
    { missing: RESOURCE_NOT_FOUND },
  )
  sendNoContent(ctx.res)
}

function applyMethodPatch(m: Method, op: PatchOperation): void {
  const param = patchKey(op.path, '/requestParameters')
  if (param !== undefined && !op.path.slice('/requestParameters/'.length).includes('/')) {
    if (op.op === 'remove') delete m.requestParameters[param]
    else if (op.op === 'add' || op.op === 'replace') m.requestParameters[param] = patchBoolean(op.value)
    else throw onlyReplace()
    return
  }
  const model = patchKey(op.path, '/requestModels')
  if (model !== undefined && !op.path.slice('/requestModels/'.length).includes('/')) {
    if (op.op === 'remove') delete m.requestModels[model]
    else if (op.op === 'add' || op.op === 'replace') m.requestModels[model] = op.value ?? ''
    else throw onlyReplace()
    return
  }
  if (op.path === '/authorizationScopes') {
    const scopes = new Set(m.authorizationScopes ?? [])
    if (op.op === 'add' && op.value) scopes.add(op.value)
    else if (op.op === 'remove') {
      if (op.value) scopes.delete(op.value)
      else scopes.clear()
    } else if (op.op === 'replace') {
      scopes.clear()
      for (const s of (op.value ?? '').split(',').map((x) => x.trim()).filter(Boolean)) scopes.add(s)
    } else throw onlyReplace()
    if (scopes.size > 0) m.authorizationScopes = [...scopes]
    else delete m.authorizationScopes
    return
  }
  const fields = ['/authorizationType', '/authorizerId', '/apiKeyRequired', '/requestValidatorId', '/operationName']
  if (!fields.includes(op.path)) throw invalidPath(op)
  if (op.op !== 'replace') throw onlyReplace()
  const v = op.value
  switch (op.path) {
    case '/authorizationType':
      m.authorizationType = authorizationType(v)
      return
    case '/authorizerId':
      if (v === undefined || v === '') delete m.authorizerId
      else m.authorizerId = v
      return
    case '/apiKeyRequired':
      m.apiKeyRequired = patchBoolean(v)
      return
    case '/requestValidatorId':
      if (v === undefined || v === '') delete m.requestValidatorId
      else m.requestValidatorId = v
      return
    case '/operationName':
      if (v === undefined || v === '') delete m.operationName
      else m.operationName = v
      return
  }
}

/** PATCH …/methods/{httpMethod} (UpdateMethod). */
export async function updateMethod(ctx: HandlerContext): Promise<void> {
  const ops = patchOperations(await readJsonObject(ctx.req), 'updateMethodInput')
  const method = await changeRestApi(
    ctx,
    ctx.params[0]!,
    (api) => {
      const { method } = methodOf(api, ctx.params[1]!, ctx.params[2]!)
      for (const op of ops) applyMethodPatch(method, op)
      checkMethodRefs(api, method)
      return method
    },
    { missing: RESOURCE_NOT_FOUND },
  )
  sendJson(ctx.res, 200, methodJson(method))
}

// ---------------------------------------------------------------------------------------------------
// Method responses

/** PUT …/methods/{httpMethod}/responses/{statusCode} (PutMethodResponse, 201). */
export async function putMethodResponse(ctx: HandlerContext): Promise<void> {
  const status = statusCodeParam(ctx.params[3]!)
  const body = await readJsonObject(ctx.req)
  const response = await changeRestApi(
    ctx,
    ctx.params[0]!,
    (api) => {
      const { method } = methodOf(api, ctx.params[1]!, ctx.params[2]!)
      const r: MethodResponse = { statusCode: status, responseParameters: booleanMap(body, 'responseParameters'), responseModels: stringMap(body, 'responseModels') }
      for (const model of Object.values(r.responseModels)) if (!api.models[model]) throw badRequest(`Invalid model identifier specified: ${model}`)
      method.methodResponses[status] = r
      return r
    },
    { missing: RESOURCE_NOT_FOUND },
  )
  sendJson(ctx.res, 201, methodResponseJson(response))
}

function methodResponseOf(method: Method, status: string): MethodResponse {
  const r = method.methodResponses[status]
  if (!r) throw notFound(RESPONSE_NOT_FOUND)
  return r
}

/** GET …/responses/{statusCode} (GetMethodResponse). */
export async function getMethodResponse(ctx: HandlerContext): Promise<void> {
  const status = statusCodeParam(ctx.params[3]!)
  const api = (await readRestApi(ctx, ctx.store, ctx.params[0]!, RESOURCE_NOT_FOUND)).value
  sendJson(ctx.res, 200, methodResponseJson(methodResponseOf(methodOf(api, ctx.params[1]!, ctx.params[2]!).method, status)))
}

/** DELETE …/responses/{statusCode} (DeleteMethodResponse, 204). */
export async function deleteMethodResponse(ctx: HandlerContext): Promise<void> {
  const status = statusCodeParam(ctx.params[3]!)
  await changeRestApi(
    ctx,
    ctx.params[0]!,
    (api) => {
      const { method } = methodOf(api, ctx.params[1]!, ctx.params[2]!)
      methodResponseOf(method, status)
      delete method.methodResponses[status]
    },
    { missing: RESOURCE_NOT_FOUND },
  )
  sendNoContent(ctx.res)
}

/** PATCH …/responses/{statusCode} (UpdateMethodResponse; AWS answers 201). */
export async function updateMethodResponse(ctx: HandlerContext): Promise<void> {
  const body = await readJsonObject(ctx.req)
  const status = ctx.params[3]!
  // Recorded: bad ops and a bad status code are reported together.
  const problems: string[] = []
  try {
    patchOperations(body, 'updateMethodResponseInput')
  } catch (err) {
    if (!(err instanceof AdminApiError)) throw err
    problems.push(...err.message.replace(/^\d+ validation errors? detected: /, '').split('; '))
  }
  if (!/^[1-5]\d\d$/.test(status)) problems.push(`Value '${status}' at 'statusCode' failed to satisfy constraint: Member must satisfy regular expression pattern: [1-5]\\d\\d`)
  if (problems.length > 0) throw validationErrors(problems)
  const ops = patchOperations(body, 'updateMethodResponseInput')
  const response = await changeRestApi(
    ctx,
    ctx.params[0]!,
    (api) => {
      const { method } = methodOf(api, ctx.params[1]!, ctx.params[2]!)
      const r = methodResponseOf(method, status)
      for (const op of ops) {
        const param = patchKey(op.path, '/responseParameters')
        const model = patchKey(op.path, '/responseModels')
        if (param !== undefined) {
          if (op.op === 'remove' || op.op === 'replace') {
            if (!(param in r.responseParameters)) throw notFound('Invalid parameter name specified')
          }
          if (op.op === 'remove') delete r.responseParameters[param]
          else r.responseParameters[param] = patchBoolean(op.value)
        } else if (model !== undefined) {
          if (op.op === 'remove' || op.op === 'replace') {
            if (!(model in r.responseModels)) throw notFound('Content-Type specified was not found')
          }
          if (op.op === 'remove') delete r.responseModels[model]
          else {
            if (!api.models[op.value ?? '']) throw badRequest(`Invalid model identifier specified: ${op.value ?? ''}`)
            r.responseModels[model] = op.value!
          }
        } else throw invalidPath(op)
      }
      return r
    },
    { missing: RESOURCE_NOT_FOUND },
  )
  sendJson(ctx.res, 201, methodResponseJson(response))
}

// ---------------------------------------------------------------------------------------------------
// Integrations

function checkIntegration(i: Integration): void {
  if (i.type !== 'MOCK') {
    if (i.httpMethod === undefined || i.httpMethod === '') throw badRequest('Enumeration value for HttpMethod must be non-empty')
    if (i.uri === undefined || i.uri === '') throw badRequest('Invalid Integration URI specified: an integration of this type needs a uri')
    if (!i.uri.includes('${')) {
      if (i.type === 'HTTP' || i.type === 'HTTP_PROXY') {
        let ok = false
        try {
          const u = new URL(i.uri.replace(/\{[^}]*\}/g, 'x'))
          ok = u.protocol === 'http:' || u.protocol === 'https:'
        } catch {
          ok = false
        }
        if (!ok) throw badRequest('Invalid HTTP endpoint specified for URI')
      } else {
        if (!i.uri.startsWith('arn:')) throw badRequest('Invalid ARN specified in the request')
        if (!/:(path|action)\//.test(i.uri)) throw badRequest('AWS ARN for integration must contain path or action')
        if (i.type === 'AWS_PROXY' && !/:lambda:path\/|:firehose:/.test(i.uri)) {
          throw badRequest("Integrations of type 'AWS_PROXY' currently only supports Lambda function and Firehose stream invocations.")
        }
      }
    }
  }
  if (i.timeoutInMillis < 50 || i.timeoutInMillis > 300000) throw badRequest('Timeout should be between 50 ms and 29000 ms')
  if (i.connectionType === 'VPC_LINK' && !i.connectionId) throw badRequest('connectionId must be specified for VPC_LINK integrations')
}

/** PUT …/methods/{httpMethod}/integration (PutIntegration, 201). */
export async function putIntegration(ctx: HandlerContext): Promise<void> {
  const body = await readJsonObject(ctx.req)
  const type = typeof body.type === 'string' ? body.type.toUpperCase() : body.type
  if (!INTEGRATION_TYPES.includes(type as RestIntegrationType)) {
    throw validationErrors([`Value '${String(body.type)}' at 'putIntegrationInput.type' failed to satisfy constraint: Member must satisfy enum value set: [${INTEGRATION_TYPES.join(', ')}]`])
  }
  const integration = await changeRestApi(
    ctx,
    ctx.params[0]!,
    (api) => {
      const { method, resource } = methodOf(api, ctx.params[1]!, ctx.params[2]!)
      const i: Integration = {
        type: type as RestIntegrationType,
        connectionType: 'INTERNET',
        requestParameters: stringMap(body, 'requestParameters'),
        requestTemplates: stringMap(body, 'requestTemplates'),
        passthroughBehavior: 'WHEN_NO_MATCH',
        timeoutInMillis: optionalInt(body, 'timeoutInMillis') ?? 29000,
        cacheNamespace: optionalString(body, 'cacheNamespace') || resource.id,
        cacheKeyParameters: stringList(body, 'cacheKeyParameters') ?? [],
        integrationResponses: {},
      }
      const httpMethod = optionalString(body, 'httpMethod')
      if (httpMethod !== undefined && httpMethod !== '') i.httpMethod = httpMethod.toUpperCase()
      const uri = optionalString(body, 'uri')
      if (uri !== undefined && uri !== '') i.uri = uri
      const connectionType = optionalString(body, 'connectionType')
      if (connectionType !== undefined) {
        if (connectionType !== 'INTERNET' && connectionType !== 'VPC_LINK') throw badRequest(`Invalid connection type specified: ${connectionType}`)
        i.connectionType = connectionType
      }
      const connectionId = optionalString(body, 'connectionId')
      if (connectionId !== undefined && connectionId !== '') i.connectionId = connectionId
      const credentials = optionalString(body, 'credentials')
      if (credentials !== undefined && credentials !== '') i.credentials = credentials
      const passthrough = optionalString(body, 'passthroughBehavior')
      if (passthrough !== undefined) {
        if (!PASSTHROUGH.includes(passthrough.toUpperCase() as PassthroughBehavior)) throw badRequest(`Invalid passthrough behavior specified: ${passthrough}`)
        i.passthroughBehavior = passthrough.toUpperCase() as PassthroughBehavior
      }
      const contentHandling = optionalString(body, 'contentHandling')
      if (contentHandling !== undefined && contentHandling !== '') {
        if (!CONTENT_HANDLING.includes(contentHandling as ContentHandling)) throw badRequest(`Invalid content handling specified: ${contentHandling}`)
        i.contentHandling = contentHandling as ContentHandling
      }
      if (body.tlsConfig !== undefined && body.tlsConfig !== null && typeof body.tlsConfig === 'object') {
        const t = body.tlsConfig as Record<string, unknown>
        i.tlsConfig = typeof t.insecureSkipVerification === 'boolean' ? { insecureSkipVerification: t.insecureSkipVerification } : {}
      }
      const mode = optionalString(body, 'responseTransferMode')
      if (mode !== undefined) {
        if (mode !== 'BUFFERED' && mode !== 'STREAM') throw badRequest(`Invalid response transfer mode specified: ${mode}`)
        i.responseTransferMode = mode
      }
      checkIntegration(i)
      method.methodIntegration = i
      return i
    },
    { missing: RESOURCE_NOT_FOUND },
  )
  sendJson(ctx.res, 201, integrationJson(integration))
}

function integrationOf(api: RestApi, resourceId: string, httpMethod: string): { method: Method; integration: Integration } {
  const { method } = methodOf(api, resourceId, httpMethod)
  if (!method.methodIntegration) throw notFound(INTEGRATION_NOT_FOUND)
  return { method, integration: method.methodIntegration }
}

/** GET …/integration (GetIntegration). */
export async function getIntegration(ctx: HandlerContext): Promise<void> {
  const api = (await readRestApi(ctx, ctx.store, ctx.params[0]!, RESOURCE_NOT_FOUND)).value
  sendJson(ctx.res, 200, integrationJson(integrationOf(api, ctx.params[1]!, ctx.params[2]!).integration))
}

/** DELETE …/integration (DeleteIntegration, 204). */
export async function deleteIntegration(ctx: HandlerContext): Promise<void> {
  await changeRestApi(
    ctx,
    ctx.params[0]!,
    (api) => {
      const { method } = integrationOf(api, ctx.params[1]!, ctx.params[2]!)
      delete method.methodIntegration
    },
    { missing: RESOURCE_NOT_FOUND },
  )
  sendNoContent(ctx.res)
}

function applyIntegrationPatch(i: Integration, op: PatchOperation): void {
  for (const [prefix, map] of [
    ['/requestParameters', i.requestParameters],
    ['/requestTemplates', i.requestTemplates],
  ] as const) {
    const key = patchKey(op.path, prefix)
    if (key === undefined) continue
    if (op.op === 'remove') delete map[key]
    else if (op.op === 'add' || op.op === 'replace') map[key] = op.value ?? ''
    else throw onlyReplace()
    return
  }
  if (op.path.startsWith('/cacheKeyParameters/')) {
    const key = op.path.slice('/cacheKeyParameters/'.length)
    if (op.op === 'add' && !i.cacheKeyParameters.includes(key)) i.cacheKeyParameters.push(key)
    else if (op.op === 'remove') i.cacheKeyParameters = i.cacheKeyParameters.filter((k) => k !== key)
    return
  }
  const v = op.value
  const optional = (field: 'httpMethod' | 'uri' | 'connectionId' | 'credentials' | 'cacheNamespace'): void => {
    if (op.op === 'remove' || v === undefined || v === '') delete i[field]
    else i[field] = field === 'httpMethod' ? v.toUpperCase() : v
  }
  switch (op.path) {
    case '/httpMethod':
    case '/uri':
    case '/connectionId':
    case '/credentials':
    case '/cacheNamespace':
      return optional(op.path.slice(1) as 'httpMethod')
    case '/type':
      if (!INTEGRATION_TYPES.includes((v ?? '').toUpperCase() as RestIntegrationType)) throw badRequest(`Invalid integration type specified: ${String(v)}`)
      i.type = (v ?? '').toUpperCase() as RestIntegrationType
      return
    case '/connectionType':
      if (v !== 'INTERNET' && v !== 'VPC_LINK') throw badRequest(`Invalid connection type specified: ${String(v)}`)
      i.connectionType = v
      return
    case '/passthroughBehavior':
      if (!PASSTHROUGH.includes((v ?? '').toUpperCase() as PassthroughBehavior)) throw badRequest(`Invalid passthrough behavior specified: ${String(v)}`)
      i.passthroughBehavior = (v ?? '').toUpperCase() as PassthroughBehavior
      return
    case '/contentHandling':
      if (op.op === 'remove' || v === undefined || v === '') delete i.contentHandling
      else if (!CONTENT_HANDLING.includes(v as ContentHandling)) throw badRequest(`Invalid content handling specified: ${v}`)
      else i.contentHandling = v as ContentHandling
      return
    case '/timeoutInMillis':
      if (!/^\d+$/.test(v ?? '')) throw badRequest('Timeout should be between 50 ms and 29000 ms')
      i.timeoutInMillis = Number(v)
      return
    case '/tlsConfig/insecureSkipVerification':
      i.tlsConfig = { ...(i.tlsConfig ?? {}), insecureSkipVerification: patchBoolean(v) }
      return
    case '/responseTransferMode':
      if (v !== 'BUFFERED' && v !== 'STREAM') throw badRequest(`Invalid response transfer mode specified: ${String(v)}`)
      i.responseTransferMode = v
      return
    default:
      throw invalidPath(op)
  }
}

/** PATCH …/integration (UpdateIntegration). */
export async function updateIntegration(ctx: HandlerContext): Promise<void> {
  const ops = patchOperations(await readJsonObject(ctx.req), 'updateIntegrationInput')
  const integration = await changeRestApi(
    ctx,
    ctx.params[0]!,
    (api) => {
      const { integration } = integrationOf(api, ctx.params[1]!, ctx.params[2]!)
      for (const op of ops) applyIntegrationPatch(integration, op)
      checkIntegration(integration)
      return integration
    },
    { missing: RESOURCE_NOT_FOUND },
  )
  sendJson(ctx.res, 200, integrationJson(integration))
}

// ---------------------------------------------------------------------------------------------------
// Integration responses

function integrationResponseOf(i: Integration, status: string): IntegrationResponse {
  const r = i.integrationResponses[status]
  if (!r) throw notFound(RESPONSE_NOT_FOUND)
  return r
}

/** PUT …/integration/responses/{statusCode} (PutIntegrationResponse, 201). */
export async function putIntegrationResponse(ctx: HandlerContext): Promise<void> {
  const status = statusCodeParam(ctx.params[3]!)
  const body = await readJsonObject(ctx.req)
  const response = await changeRestApi(
    ctx,
    ctx.params[0]!,
    (api) => {
      const { integration } = integrationOf(api, ctx.params[1]!, ctx.params[2]!)
      const r: IntegrationResponse = { statusCode: status, responseParameters: stringMap(body, 'responseParameters'), responseTemplates: stringMap(body, 'responseTemplates') }
      const pattern = optionalString(body, 'selectionPattern')
      if (pattern !== undefined) r.selectionPattern = pattern
      const contentHandling = optionalString(body, 'contentHandling')
      if (contentHandling !== undefined && contentHandling !== '') {
        if (!CONTENT_HANDLING.includes(contentHandling as ContentHandling)) throw badRequest(`Invalid content handling specified: ${contentHandling}`)
        r.contentHandling = contentHandling as ContentHandling
      }
      integration.integrationResponses[status] = r
      return r
    },
    { missing: RESOURCE_NOT_FOUND },
  )
  sendJson(ctx.res, 201, integrationResponseJson(response))
}

/** GET …/integration/responses/{statusCode} (GetIntegrationResponse). */
export async function getIntegrationResponse(ctx: HandlerContext): Promise<void> {
  const status = statusCodeParam(ctx.params[3]!)
  const api = (await readRestApi(ctx, ctx.store, ctx.params[0]!, RESOURCE_NOT_FOUND)).value
  sendJson(ctx.res, 200, integrationResponseJson(integrationResponseOf(integrationOf(api, ctx.params[1]!, ctx.params[2]!).integration, status)))
}

/** DELETE …/integration/responses/{statusCode} (DeleteIntegrationResponse, 204). */
export async function deleteIntegrationResponse(ctx: HandlerContext): Promise<void> {
  const status = statusCodeParam(ctx.params[3]!)
  await changeRestApi(
    ctx,
    ctx.params[0]!,
    (api) => {
      const { integration } = integrationOf(api, ctx.params[1]!, ctx.params[2]!)
      integrationResponseOf(integration, status)
      delete integration.integrationResponses[status]
    },
    { missing: RESOURCE_NOT_FOUND },
  )
  sendNoContent(ctx.res)
}

/** PATCH …/integration/responses/{statusCode} (UpdateIntegrationResponse). */
export async function updateIntegrationResponse(ctx: HandlerContext): Promise<void> {
  const status = statusCodeParam(ctx.params[3]!)
  const ops = patchOperations(await readJsonObject(ctx.req), 'updateIntegrationResponseInput')
  const response = await changeRestApi(
    ctx,
    ctx.params[0]!,
    (api) => {
      const { integration } = integrationOf(api, ctx.params[1]!, ctx.params[2]!)
      const r = integrationResponseOf(integration, status)
      for (const op of ops) {
        const param = patchKey(op.path, '/responseParameters')
        const template = patchKey(op.path, '/responseTemplates')
        if (param !== undefined || template !== undefined) {
          const map = param !== undefined ? r.responseParameters : r.responseTemplates
          const key = (param ?? template)!
          if (op.op === 'remove') delete map[key]
          else map[key] = op.value ?? ''
        } else if (op.path === '/selectionPattern') {
          if (op.op === 'remove') delete r.selectionPattern
          else r.selectionPattern = op.value ?? ''
        } else if (op.path === '/contentHandling') {
          if (op.op === 'remove' || !op.value) delete r.contentHandling
          else if (!CONTENT_HANDLING.includes(op.value as ContentHandling)) throw badRequest(`Invalid content handling specified: ${op.value}`)
          else r.contentHandling = op.value as ContentHandling
        } else throw invalidPath(op)
      }
      return r
    },
    { missing: RESOURCE_NOT_FOUND },
  )
  sendJson(ctx.res, 200, integrationResponseJson(response))
}

// ---------------------------------------------------------------------------------------------------
// TestInvokeMethod

/** The path to run: the given one when it fits the resource's template, else the template itself (recorded). */
function testPath(resourcePath: string, pathWithQueryString: string | undefined): string {
  const given = pathWithQueryString ?? resourcePath
  const q = given.indexOf('?')
  const path = q < 0 ? given : given.slice(0, q)
  const query = q < 0 ? '' : given.slice(q)
  const pattern = new RegExp(
    '^' +
      resourcePath
        .split('/')
        .map((seg) => (/^\{.+\+\}$/.test(seg) ? '.+' : /^\{.+\}$/.test(seg) ? '[^/]+' : seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
        .join('/') +
      '/?$',
  )
  return (pattern.test(path) ? path : resourcePath) + query
}

/** POST …/methods/{httpMethod} (TestInvokeMethod): runs the method of the working definition, no auth or keys. */
export async function testInvokeMethod(ctx: HandlerContext): Promise<void> {
  const body = await readJsonObject(ctx.req)
  const api = (await readRestApi(ctx, ctx.store, ctx.params[0]!, RESOURCE_NOT_FOUND)).value
  const { resource, verb } = methodOf(api, ctx.params[1]!, ctx.params[2]!)
  const invoke = ctx.ports.testInvoke
  if (!invoke) throw new AdminApiError(501, 'NotImplementedException', 'TestInvokeMethod is not available in this process')
  const multi: Record<string, string[]> = {}
  if (body.multiValueHeaders && typeof body.multiValueHeaders === 'object') {
    for (const [k, v] of Object.entries(body.multiValueHeaders as Record<string, unknown>)) if (Array.isArray(v)) multi[k] = v.map(String)
  }
  const result = await invoke({
    api,
    resourceId: resource.id,
    httpMethod: verb as HttpMethod,
    pathWithQueryString: testPath(resource.path, optionalString(body, 'pathWithQueryString')),
    ...(typeof body.body === 'string' ? { body: body.body } : {}),
    headers: stringMap(body, 'headers'),
    multiValueHeaders: multi,
    stageVariables: stringMap(body, 'stageVariables'),
  })
  sendJson(ctx.res, 200, {
    status: result.status,
    body: result.body,
    headers: result.headers,
    multiValueHeaders: result.multiValueHeaders,
    log: [...result.log, ''].join('\n'),
    latency: result.latency,
  })
}
