// OpenAPI → RestApi: resources from paths, methods from operations, models, validators, authorizers,
// gateway responses and the REST root extensions (§1, §12.1, §12.3).

import type { GatewayResponse, GatewayResponseType, HttpMethod, Method, MethodResponse, Resource, RestApi, RequestValidator } from '../../model/types.js'
import { stableId } from '../../model/ids.js'
import { at, isObj, type ImportContext, type Obj } from './context.js'
import { restIntegration } from './integration.js'
import { ModelRegistry, nameStem } from './models.js'
import { isGreedy, splitPath, variableName } from './paths.js'
import { applyAuthExtension, decideSecurity, readSchemes, type Schemes } from './security.js'

export interface ApiBasics {
  id: string
  name: string
  description?: string
  version?: string
  createdDate: string
  oas3: boolean
  /** Segments the basepath mode puts before every path. */
  prefix: string[]
}

/** Operation keys of a path item and the method each becomes. */
export const OPERATION_KEYS: Readonly<Record<string, HttpMethod>> = {
  get: 'GET',
  put: 'PUT',
  post: 'POST',
  delete: 'DELETE',
  options: 'OPTIONS',
  head: 'HEAD',
  patch: 'PATCH',
  'x-amazon-apigateway-any-method': 'ANY',
}

/** Path item keys that are not operations and need no warning. */
export const PATH_ITEM_OTHER_KEYS = new Set(['parameters', 'summary', 'description', 'servers', '$ref'])

/**
 * The operations of a path item with their methods and paths, warning about keys that are no operation
 * and reporting operations that are not objects (shared by the REST and HTTP API importers).
 */
export function* operationsOf(ctx: ImportContext, item: Obj, itemPath: string): Generator<[HttpMethod, Obj, string]> {
  for (const [key, op] of Object.entries(item)) {
    // Own keys only: a path item key such as `constructor` is no operation.
    const method = Object.hasOwn(OPERATION_KEYS, key) ? OPERATION_KEYS[key] : undefined
    const opPath = at(itemPath, key)
    if (method === undefined) {
      if (!PATH_ITEM_OTHER_KEYS.has(key) && !key.startsWith('x-')) ctx.warn(opPath, `'${key}' is not an operation API Gateway supports and is ignored`)
      continue
    }
    if (!isObj(op)) {
      ctx.problem(opPath, `Operation '${key}' must be an object`)
      continue
    }
    yield [method, op, opPath]
  }
}

const GATEWAY_RESPONSE_TYPES: readonly GatewayResponseType[] = [
  'DEFAULT_4XX', 'DEFAULT_5XX', 'ACCESS_DENIED', 'API_CONFIGURATION_ERROR', 'AUTHORIZER_CONFIGURATION_ERROR',
  'AUTHORIZER_FAILURE', 'BAD_REQUEST_PARAMETERS', 'BAD_REQUEST_BODY', 'EXPIRED_TOKEN', 'INTEGRATION_FAILURE',
  'INTEGRATION_TIMEOUT', 'INVALID_API_KEY', 'INVALID_SIGNATURE', 'MISSING_AUTHENTICATION_TOKEN', 'QUOTA_EXCEEDED',
  'REQUEST_TOO_LARGE', 'RESOURCE_NOT_FOUND', 'THROTTLED', 'UNAUTHORIZED', 'UNSUPPORTED_MEDIA_TYPE', 'WAF_FILTERED',
]

/** Root extensions the REST import turns into fields; every other `x-amazon-apigateway-*` is kept verbatim. */
const REST_ROOT_EXTENSIONS = new Set([
  'x-amazon-apigateway-gateway-responses',
  'x-amazon-apigateway-binary-media-types',
  'x-amazon-apigateway-minimum-compression-size',
  'x-amazon-apigateway-api-key-source',
  'x-amazon-apigateway-policy',
  'x-amazon-apigateway-endpoint-configuration',
  'x-amazon-apigateway-request-validators',
  'x-amazon-apigateway-request-validator',
])

const STATUS = /^[1-5]\d\d$/

interface Param {
  name: string
  in: string
  required: boolean
  schema?: unknown
  path: string
}

export function importRestApi(ctx: ImportContext, doc: Obj, basics: ApiBasics): RestApi {
  const { id: apiId, oas3 } = basics
  const rootId = stableId(`${apiId}:/`, 10)
  const api: RestApi = {
    kind: 'REST',
    id: apiId,
    name: basics.name,
    ...(basics.description !== undefined ? { description: basics.description } : {}),
    ...(basics.version !== undefined ? { version: basics.version } : {}),
    createdDate: basics.createdDate,
    binaryMediaTypes: [],
    minimumCompressionSize: null,
    apiKeySource: 'HEADER',
    endpointConfiguration: { types: ['EDGE'] },
    policy: null,
    disableExecuteApiEndpoint: false,
    rootResourceId: rootId,
    resources: {},
    models: {},
    requestValidators: {},
    authorizers: {},
    gatewayResponses: {},
    tags: {},
    extensions: {},
  }

  readRootExtensions(ctx, doc, api, oas3)
  const validators = readValidators(ctx, doc, apiId)
  for (const v of validators.values()) api.requestValidators[v.id] = v
  let defaultValidator: string | undefined
  const dv = ctx.string(doc, 'x-amazon-apigateway-request-validator', '')
  if (dv !== undefined) {
    defaultValidator = validators.get(dv)?.id
    if (defaultValidator === undefined) ctx.problem('/x-amazon-apigateway-request-validator', `Unknown request validator '${dv}'`)
  }
  const models = new ModelRegistry(ctx, doc, apiId, oas3)
  const schemes = readSchemes(ctx, doc, oas3, 'REST', apiId)
  api.authorizers = schemes.authorizers

  const tree = new ResourceTree(ctx, apiId, rootId)
  const paths = doc.paths === undefined ? undefined : ctx.object(doc, 'paths', '')
  for (const [rawPath, rawItem] of Object.entries(paths ?? {})) {
    const itemPath = at('/paths', rawPath)
    const split = splitPath(ctx, rawPath, itemPath, 'REST')
    const r = ctx.deref(rawItem, itemPath)
    if (split === undefined || r === undefined) continue
    if (!isObj(r.value)) {
      ctx.problem(itemPath, `Path item '${rawPath}' must be an object`)
      continue
    }
    const item = r.value
    const segments = [...basics.prefix, ...split.segments]
    const resource = tree.ensure(segments, itemPath)
    if (resource === undefined) continue
    const shared = readParams(ctx, item, r.path)
    for (const [method, op, opPath] of operationsOf(ctx, item, r.path)) {
      if (resource.resourceMethods[method] !== undefined) {
        ctx.problem(opPath, `Method ${method} is defined twice for the resource ${resource.path}`)
        continue
      }
      const m = buildMethod(ctx, doc, op, opPath, { method, resource, shared, models, schemes, validators, defaultValidator, oas3 })
      resource.resourceMethods[method] = m
    }
  }
  api.resources = tree.resources
  models.checkRecursion()
  api.models = models.models
  return api
}

// ---------------------------------------------------------------------------------------------------

class ResourceTree {
  readonly resources: Record<string, Resource> = {}
  readonly #byPath = new Map<string, Resource>()
  /** Parent path → its variable child's path part, and where it came from. */
  readonly #variableChild = new Map<string, string>()
  readonly #ctx: ImportContext
  readonly #apiId: string

  constructor(ctx: ImportContext, apiId: string, rootId: string) {
    this.#ctx = ctx
    this.#apiId = apiId
    const root: Resource = { id: rootId, parentId: null, pathPart: '', path: '/', resourceMethods: {} }
    this.resources[rootId] = root
    this.#byPath.set('/', root)
  }

  /** The resource at `segments`, creating it and its missing ancestors (§12.1). */
  ensure(segments: string[], where: string): Resource | undefined {
    let parent = this.#byPath.get('/')!
    for (const seg of segments) {
      const path = parent.path === '/' ? `/${seg}` : `${parent.path}/${seg}`
      let child = this.#byPath.get(path)
      if (child === undefined) {
        if (isGreedy(parent.pathPart)) {
          this.#ctx.problem(where, `Cannot create a child of a resource with a greedy path variable: ${parent.pathPart}`)
          return undefined
        }
        if (variableName(seg) !== undefined) {
          const sibling = this.#variableChild.get(parent.path)
          if (sibling !== undefined && sibling !== seg) {
            // The AWS message for a second variable child (§1.2, §16.3).
            this.#ctx.problem(where, `A sibling (${sibling}) of this resource already has a variable path part -- only one is allowed`)
            return undefined
          }
          this.#variableChild.set(parent.path, seg)
        }
        child = { id: stableId(`${this.#apiId}:${path}`, 6), parentId: parent.id, pathPart: seg, path, resourceMethods: {} }
        this.resources[child.id] = child
        this.#byPath.set(path, child)
      }
      parent = child
    }
    return parent
  }
}

// ---------------------------------------------------------------------------------------------------

function readParams(ctx: ImportContext, holder: Obj, holderPath: string): Param[] {
  const raw = holder.parameters
  if (raw === undefined || raw === null) return []
  const base = at(holderPath, 'parameters')
  if (!Array.isArray(raw)) {
    ctx.problem(base, "'parameters' must be a list")
    return []
  }
  const out: Param[] = []
  raw.forEach((entry, i) => {
    const r = ctx.deref(entry, at(base, i))
    if (r === undefined) return
    if (!isObj(r.value)) {
      ctx.problem(r.path, 'A parameter must be an object')
      return
    }
    const p = r.value
    const name = ctx.string(p, 'name', r.path, true)
    const where = ctx.string(p, 'in', r.path, true)
    if (name === undefined || where === undefined) return
    const required = ctx.bool(p, 'required', r.path) ?? false
    const param: Param = { name, in: where, required, path: r.path }
    if (p.schema !== undefined) param.schema = p.schema
    out.push(param)
  })
  return out
}

/** Operation parameters override path-level ones with the same name and location. */
function mergeParams(shared: Param[], own: Param[]): Param[] {
  const key = (p: Param): string => `${p.in}\u0000${p.name}`
  const ownKeys = new Set(own.map(key))
  return [...shared.filter((p) => !ownKeys.has(key(p))), ...own]
}

interface MethodSite {
  method: HttpMethod
  resource: Resource
  shared: Param[]
  models: ModelRegistry
  schemes: Schemes
  validators: Map<string, RequestValidator>
  defaultValidator: string | undefined
  oas3: boolean
}

function mediaTypes(ctx: ImportContext, doc: Obj, op: Obj, opPath: string, key: 'consumes' | 'produces'): string[] {
  const own = op[key] !== undefined ? ctx.strings(op, key, opPath) : undefined
  const root = own === undefined && doc[key] !== undefined ? ctx.strings(doc, key, '') : undefined
  const list = own ?? root ?? []
  return list.length > 0 ? list : ['application/json']
}

function buildMethod(ctx: ImportContext, doc: Obj, op: Obj, opPath: string, site: MethodSite): Method {
  const { method, resource, models } = site
  const stem = nameStem(method === 'ANY' ? 'any' : method.toLowerCase(), resource.path)
  const m: Method = {
    httpMethod: method,
    authorizationType: 'NONE',
    apiKeyRequired: false,
    requestParameters: {},
    requestModels: {},
    methodResponses: {},
  }
  const opId = ctx.string(op, 'operationId', opPath)
  if (opId) m.operationName = opId

  // Every variable of the resource path is a required path parameter, declared or not (recorded:
  // /echo/{data} without parameters gets method.request.path.data, test_import_with_global_api_key_authorizer).
  const pathVars = resource.path.split('/').map(variableName).filter((v): v is string => v !== undefined)
  for (const v of pathVars) m.requestParameters[`method.request.path.${v}`] = true

  const params = mergeParams(site.shared, readParams(ctx, op, opPath))
  for (const p of params) {
    switch (p.in) {
      case 'path':
        if (!pathVars.includes(p.name)) ctx.warn(p.path, `Path parameter '${p.name}' is not in the path ${resource.path} and is ignored`)
        break
      case 'query':
        m.requestParameters[`method.request.querystring.${p.name}`] = p.required
        break
      case 'header':
        m.requestParameters[`method.request.header.${p.name}`] = p.required
        break
      case 'body':
        if (site.oas3) {
          ctx.problem(at(p.path, 'in'), "OpenAPI 3 has no 'body' parameters; use requestBody")
          break
        }
        if (p.schema === undefined) {
          ctx.problem(p.path, 'A body parameter needs a schema')
          break
        }
        for (const ct of mediaTypes(ctx, doc, op, opPath, 'consumes')) {
          const name = models.modelFor(p.schema, at(p.path, 'schema'), `${stem}Request`, ct, false)
          if (name !== undefined) m.requestModels[ct] = name
        }
        break
      case 'formData':
      case 'cookie':
        ctx.warn(at(p.path, 'in'), `'${p.in}' parameters are not supported by API Gateway and are ignored`)
        break
      default:
        ctx.problem(at(p.path, 'in'), `Invalid parameter location '${p.in}'; expected path, query or header`)
    }
  }

  if (op.requestBody !== undefined) {
    if (!site.oas3) ctx.warn(at(opPath, 'requestBody'), "Swagger 2.0 has no requestBody (use a 'body' parameter); it is ignored")
    else {
      const r = ctx.deref(op.requestBody, at(opPath, 'requestBody'))
      if (r !== undefined && isObj(r.value)) {
        const content = ctx.object(r.value, 'content', r.path)
        for (const [ct, media] of Object.entries(content ?? {})) {
          if (!isObj(media) || media.schema === undefined) continue
          const name = models.modelFor(media.schema, at(r.path, 'content', ct, 'schema'), `${stem}Request`, ct, false)
          if (name !== undefined) m.requestModels[ct] = name
        }
      } else if (r !== undefined) ctx.problem(r.path, 'requestBody must be an object')
    }
  }

  m.methodResponses = methodResponses(ctx, doc, op, opPath, site, stem)

  const security = op.security !== undefined ? op.security : doc.security
  const securityPath = op.security !== undefined ? at(opPath, 'security') : '/security'
  const auth = applyAuthExtension(ctx, op, opPath, decideSecurity(ctx, security, securityPath, site.schemes, 'REST'))
  m.authorizationType = auth.authorizationType === 'JWT' ? 'CUSTOM' : auth.authorizationType
  m.apiKeyRequired = auth.apiKeyRequired
  if (auth.authorizerId !== undefined && (m.authorizationType === 'CUSTOM' || m.authorizationType === 'COGNITO_USER_POOLS')) m.authorizerId = auth.authorizerId
  if (auth.authorizationScopes !== undefined) m.authorizationScopes = auth.authorizationScopes

  const ownValidator = ctx.string(op, 'x-amazon-apigateway-request-validator', opPath)
  if (ownValidator !== undefined) {
    const v = site.validators.get(ownValidator)
    if (v === undefined) ctx.problem(at(opPath, 'x-amazon-apigateway-request-validator'), `Unknown request validator '${ownValidator}'`)
    else m.requestValidatorId = v.id
  } else if (site.defaultValidator !== undefined) m.requestValidatorId = site.defaultValidator

  const rawIntegration = op['x-amazon-apigateway-integration']
  if (rawIntegration !== undefined) {
    const r = ctx.deref(rawIntegration, at(opPath, 'x-amazon-apigateway-integration'))
    if (r !== undefined) {
      if (!isObj(r.value)) ctx.problem(r.path, 'x-amazon-apigateway-integration must be an object')
      else {
        const integration = restIntegration(ctx, r.value, r.path, { resourceId: resource.id, resourcePath: resource.path, httpMethod: method })
        if (integration !== undefined) {
          m.methodIntegration = integration
          for (const [status, ir] of Object.entries(integration.integrationResponses)) {
            if (m.methodResponses[status] === undefined) {
              ctx.warn(at(r.path, 'responses', ir.selectionPattern ?? 'default'), `Integration response ${status} has no matching method response in 'responses'`)
            }
          }
        }
      }
    }
  }
  return m
}

function methodResponses(ctx: ImportContext, doc: Obj, op: Obj, opPath: string, site: MethodSite, stem: string): Record<string, MethodResponse> {
  const out: Record<string, MethodResponse> = {}
  const responses = ctx.object(op, 'responses', opPath)
  if (responses === undefined) return out
  for (const [code, value] of Object.entries(responses)) {
    const p = at(opPath, 'responses', code)
    if (code === 'default') {
      ctx.warn(p, "The 'default' response has no API Gateway equivalent and is ignored")
      continue
    }
    if (!STATUS.test(code)) {
      ctx.problem(p, `Invalid status code '${code}': status codes must match [1-5]\\d\\d`)
      continue
    }
    const r = ctx.deref(value, p)
    if (r === undefined) continue
    if (!isObj(r.value)) {
      ctx.problem(r.path, `Response ${code} must be an object`)
      continue
    }
    const resp = r.value
    const mr: MethodResponse = { statusCode: code, responseParameters: {}, responseModels: {} }
    const headers = ctx.object(resp, 'headers', r.path)
    for (const [name, h] of Object.entries(headers ?? {})) {
      const hr = ctx.deref(h, at(r.path, 'headers', name))
      const required = hr !== undefined && isObj(hr.value) && hr.value.required === true
      mr.responseParameters[`method.response.header.${name}`] = required
    }
    const hint = `${stem}Response${code}`
    if (site.oas3) {
      const content = ctx.object(resp, 'content', r.path)
      for (const [ct, media] of Object.entries(content ?? {})) {
        if (!isObj(media) || media.schema === undefined) continue
        const name = site.models.modelFor(media.schema, at(r.path, 'content', ct, 'schema'), hint, ct, true)
        if (name !== undefined) mr.responseModels[ct] = name
      }
    } else if (resp.schema !== undefined) {
      for (const ct of mediaTypes(ctx, doc, op, opPath, 'produces')) {
        const name = site.models.modelFor(resp.schema, at(r.path, 'schema'), hint, ct, true)
        if (name !== undefined) mr.responseModels[ct] = name
      }
    }
    out[code] = mr
  }
  return out
}

// ---------------------------------------------------------------------------------------------------

function readValidators(ctx: ImportContext, doc: Obj, apiId: string): Map<string, RequestValidator> {
  const out = new Map<string, RequestValidator>()
  const raw = ctx.object(doc, 'x-amazon-apigateway-request-validators', '')
  for (const [name, v] of Object.entries(raw ?? {})) {
    const p = at('/x-amazon-apigateway-request-validators', name)
    if (!isObj(v)) {
      ctx.problem(p, `Request validator '${name}' must be an object`)
      continue
    }
    out.set(name, {
      id: stableId(`${apiId}:validator:${name}`, 6),
      name,
      validateRequestBody: ctx.bool(v, 'validateRequestBody', p) ?? false,
      validateRequestParameters: ctx.bool(v, 'validateRequestParameters', p) ?? false,
    })
  }
  return out
}

function readRootExtensions(ctx: ImportContext, doc: Obj, api: RestApi, oas3: boolean): void {
  const binary = ctx.strings(doc, 'x-amazon-apigateway-binary-media-types', '')
  if (binary !== undefined) api.binaryMediaTypes = [...new Set(binary)]
  const mcs = ctx.int(doc, 'x-amazon-apigateway-minimum-compression-size', '', 0, 10485760)
  if (mcs !== undefined) api.minimumCompressionSize = mcs
  const source = ctx.enumOf(doc, 'x-amazon-apigateway-api-key-source', '', ['HEADER', 'AUTHORIZER'] as const)
  if (source !== undefined) api.apiKeySource = source
  const policy = doc['x-amazon-apigateway-policy']
  if (isObj(policy)) api.policy = policy
  else if (typeof policy === 'string') {
    try {
      const parsed: unknown = JSON.parse(policy)
      if (isObj(parsed)) api.policy = parsed
      else ctx.problem('/x-amazon-apigateway-policy', 'The resource policy must be a JSON object')
    } catch {
      ctx.problem('/x-amazon-apigateway-policy', 'The resource policy is a string that is not valid JSON')
    }
  } else if (policy !== undefined && policy !== null) ctx.problem('/x-amazon-apigateway-policy', 'The resource policy must be a JSON object')

  readEndpointConfiguration(ctx, doc, oas3, (cfg, p) => {
    const disable = ctx.bool(cfg, 'disableExecuteApiEndpoint', p)
    if (disable !== undefined) api.disableExecuteApiEndpoint = disable
    const vpce = ctx.strings(cfg, 'vpcEndpointIds', p)
    if (vpce !== undefined) api.endpointConfiguration.vpcEndpointIds = vpce
  })

  const gr = ctx.object(doc, 'x-amazon-apigateway-gateway-responses', '')
  for (const [type, value] of Object.entries(gr ?? {})) {
    const p = at('/x-amazon-apigateway-gateway-responses', type)
    const t = GATEWAY_RESPONSE_TYPES.find((g) => g === type.toUpperCase())
    if (t === undefined) {
      ctx.problem(p, `Unknown gateway response type '${type}'`)
      continue
    }
    if (!isObj(value)) {
      ctx.problem(p, `Gateway response ${type} must be an object`)
      continue
    }
    const resp: GatewayResponse = {
      responseType: t,
      responseParameters: ctx.stringMap(value, 'responseParameters', p) ?? {},
      responseTemplates: ctx.stringMap(value, 'responseTemplates', p) ?? {},
    }
    const status = ctx.text(value, 'statusCode', p)
    if (status !== undefined) {
      if (STATUS.test(status)) resp.statusCode = status
      else ctx.problem(at(p, 'statusCode'), `Invalid status code '${status}': status codes must match [1-5]\\d\\d`)
    }
    api.gatewayResponses[t] = resp
  }

  for (const [key, value] of Object.entries(doc)) {
    if (!key.startsWith('x-amazon-apigateway-') || REST_ROOT_EXTENSIONS.has(key)) continue
    if (key === 'x-amazon-apigateway-cors') ctx.warn(`/${key}`, 'x-amazon-apigateway-cors configures HTTP APIs only; REST APIs need OPTIONS methods for CORS')
    api.extensions[key] = value
  }
}

/** Calls `apply` with `x-amazon-apigateway-endpoint-configuration` from the root or (OAS 3) a server. */
export function readEndpointConfiguration(ctx: ImportContext, doc: Obj, oas3: boolean, apply: (cfg: Obj, path: string) => void): void {
  const key = 'x-amazon-apigateway-endpoint-configuration'
  if (doc[key] !== undefined) {
    const cfg = ctx.object(doc, key, '')
    if (cfg !== undefined) apply(cfg, `/${key}`)
  }
  if (oas3 && Array.isArray(doc.servers)) {
    doc.servers.forEach((s, i) => {
      if (!isObj(s) || s[key] === undefined) return
      const cfg = ctx.object(s, key, at('', 'servers', i))
      if (cfg !== undefined) apply(cfg, at('', 'servers', i, key))
    })
  }
}
