// RestApi → an OpenAPI 3.0.1 or Swagger 2.0 document, as AWS's GetExport writes it (docs/aws-behaviour.md
// §12.2, docs/export.md): paths and operations from resources and methods, models as schemas, security from
// authorization settings, and the x-amazon-apigateway-* extensions the `extensions` parameter asks for.

import type { Authorizer, Deployment, GatewayResponse, HttpMethod, Integration, IntegrationResponse, Method, Model, Resource, RestApi } from '../../model/types.js'
import {
  OPERATION_KEY,
  ExportError,
  SchemeNames,
  baseText,
  compact,
  copyMap,
  oas3Server,
  restVersionDate,
  serverBase,
  type JsonObject,
  type ServerOptions,
} from './export-common.js'

/** GetExport's `exportType`. */
export type RestExportType = 'oas30' | 'swagger'

/** The values of GetExport's `extensions` parameter. */
export type RestExportExtension = 'integrations' | 'apigateway' | 'authorizers' | 'validators' | 'postman'

export const REST_EXPORT_EXTENSIONS: readonly RestExportExtension[] = ['integrations', 'apigateway', 'authorizers', 'validators', 'postman']

export interface RestExportOptions extends ServerOptions {
  type: RestExportType
  /** The exported stage: the document's base path (`/{stageName}`, or the `basePath` server variable). */
  stageName: string
  /** Which extensions to add (GetExport's `extensions`); none: a plain OpenAPI document. */
  extensions?: Iterable<RestExportExtension>
  /** The deployment the stage points at: its date is `info.version` when the API has no version. */
  deployment?: Pick<Deployment, 'createdDate'>
}

const METHOD_ORDER: readonly HttpMethod[] = ['GET', 'PUT', 'POST', 'DELETE', 'OPTIONS', 'HEAD', 'PATCH', 'ANY']

/** The default REST integration timeout (§16.3); AWS leaves it out of exports [REC test_export_*]. */
const DEFAULT_TIMEOUT = 29000

const MODEL_URL = /^https:\/\/apigateway\.amazonaws\.com\/restapis\/[^/]+\/models\/([^/]+)$/

/**
 * The models Gatehouse adds to every imported REST API (src/controlplane/openapi/models.ts) and AWS's
 * recorded imports do not have: left out of an export unless something refers to them, so that an export of
 * an API that never mentions them shows none, as AWS's does [REC test_export_oas30_openapi: `components: {}`].
 */
const SYNTHESIZED_MODELS: Readonly<Record<string, { description: string; schema: JsonObject }>> = {
  Empty: {
    description: 'This is a default empty schema model',
    schema: { $schema: 'http://json-schema.org/draft-04/schema#', title: 'Empty Schema', type: 'object' },
  },
  Error: {
    description: 'This is a default error schema model',
    schema: { $schema: 'http://json-schema.org/draft-04/schema#', title: 'Error Schema', type: 'object', properties: { message: { type: 'string' } } },
  },
}

interface Flags {
  oas3: boolean
  integrations: boolean
  authorizers: boolean
  validators: boolean
  apigateway: boolean
  postman: boolean
  region: string
}

/**
 * Exports a REST API (the snapshot of the stage's deployment) as AWS's GetExport does. Pure: the API is not
 * changed and the document shares no objects with it.
 *
 * @example
 * const doc = exportRestApi(deployment.snapshot as RestApi, { type: 'oas30', stageName: 'dev', deployment, extensions: ['apigateway'] })
 * const text = serializeExport(doc, 'yaml')
 */
export function exportRestApi(api: RestApi, opts: RestExportOptions): JsonObject {
  if (opts.type !== 'oas30' && opts.type !== 'swagger') throw new ExportError(`Invalid export type '${String(opts.type)}': expected oas30 or swagger`)
  const ext = new Set(opts.extensions ?? [])
  for (const e of ext) if (!REST_EXPORT_EXTENSIONS.includes(e)) throw new ExportError(`Unknown export extension '${String(e)}'`)
  const all = ext.has('apigateway')
  const flags: Flags = {
    oas3: opts.type === 'oas30',
    integrations: all || ext.has('integrations'),
    authorizers: all || ext.has('authorizers'),
    validators: all || ext.has('validators'),
    apigateway: all,
    postman: ext.has('postman'),
    region: opts.region ?? 'us-east-1',
  }
  const base = serverBase(api.id, opts)
  const version = api.version ?? restVersionDate(opts.deployment?.createdDate ?? api.createdDate)
  const security = new SecurityBuilder(api, flags)
  const paths = exportPaths(api, flags, security)
  const schemas = exportModels(api, flags.oas3)
  const schemes = security.schemes()
  const endpoint = flags.apigateway ? endpointConfiguration(api) : undefined

  const doc: JsonObject = {}
  if (flags.oas3) {
    doc.openapi = '3.0.1'
    doc.info = compact({ title: api.name, description: api.description, version })
    const server = oas3Server(base, opts.stageName)
    if (endpoint !== undefined) server['x-amazon-apigateway-endpoint-configuration'] = endpoint
    doc.servers = [server]
    doc.paths = paths
    // AWS writes `components` even when it is empty [REC test_export_oas30_openapi[TEST_IMPORT_PETS]].
    doc.components = compact({ schemas, securitySchemes: schemes })
  } else {
    doc.swagger = '2.0'
    doc.info = compact({ description: api.description, version, title: api.name })
    doc.host = base.host
    doc.basePath = `${base.pathname === '/' ? '' : base.pathname}/${opts.stageName}`
    doc.schemes = [base.protocol.slice(0, -1)]
    doc.paths = paths
    if (schemes !== undefined) doc.securityDefinitions = schemes
    if (schemas !== undefined) doc.definitions = schemas
    if (endpoint !== undefined) doc['x-amazon-apigateway-endpoint-configuration'] = endpoint
  }
  if (flags.validators) {
    const validators: JsonObject = {}
    for (const v of Object.values(api.requestValidators)) {
      validators[v.name] = { validateRequestParameters: v.validateRequestParameters, validateRequestBody: v.validateRequestBody }
    }
    if (Object.keys(validators).length > 0) doc['x-amazon-apigateway-request-validators'] = validators
  }
  if (flags.apigateway) Object.assign(doc, rootExtensions(api))
  return doc
}

/** The stage's URL as the export writes it (`{base}/{stageName}`): AWS's form for the region, or `baseUrl`'s. */
export function restStageUrl(api: RestApi, stageName: string, opts: ServerOptions = {}): string {
  return `${baseText(serverBase(api.id, opts))}/${stageName}`
}

// ---------------------------------------------------------------------------------------------------
// Paths and operations

function exportPaths(api: RestApi, flags: Flags, security: SecurityBuilder): JsonObject {
  const resources = Object.values(api.resources).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
  const parents = new Set(resources.map((r) => r.parentId))
  const paths: JsonObject = {}
  for (const r of resources) {
    const item: JsonObject = {}
    for (const verb of METHOD_ORDER) {
      const m = r.resourceMethods[verb]
      if (m !== undefined) item[OPERATION_KEY[verb]!] = exportOperation(api, r, m, flags, security)
    }
    // A resource with neither methods nor children would be lost on import; an empty path item keeps it.
    // Resources on the way to others are created again by the import, so they are left out, as AWS does.
    if (Object.keys(item).length > 0 || (!parents.has(r.id) && r.parentId !== null)) paths[r.path] = item
  }
  return paths
}

/** The model of a body for a single-schema format (Swagger): the application/json one, else the first. */
function singleModel(models: Record<string, string>): string | undefined {
  return models['application/json'] ?? Object.values(models)[0]
}

function addUnique(list: string[], values: Iterable<string>): void {
  for (const v of values) if (!list.includes(v)) list.push(v)
}

function exportOperation(api: RestApi, r: Resource, m: Method, flags: Flags, security: SecurityBuilder): JsonObject {
  const { oas3 } = flags
  const ref = (name: string) => ({ $ref: `${oas3 ? '#/components/schemas/' : '#/definitions/'}${name}` })
  const op: JsonObject = {}
  if (m.operationName) op.operationId = m.operationName

  if (!oas3) {
    // Recorded: consumes lists the request model and request template types, produces the response model
    // and integration response template types [REC test_export_swagger_openapi: GET / consumes
    // application/json from its MOCK template and produces text/html from its response template].
    const consumes: string[] = []
    addUnique(consumes, Object.keys(m.requestModels))
    addUnique(consumes, Object.keys(m.methodIntegration?.requestTemplates ?? {}))
    const produces: string[] = []
    for (const mr of Object.values(m.methodResponses)) {
      addUnique(produces, Object.keys(mr.responseModels))
      addUnique(produces, Object.keys(m.methodIntegration?.integrationResponses[mr.statusCode]?.responseTemplates ?? {}))
    }
    if (consumes.length > 0) op.consumes = consumes
    if (produces.length > 0) op.produces = produces
  }

  const parameters: JsonObject[] = []
  for (const [key, required] of Object.entries(m.requestParameters)) {
    const p = /^method\.request\.(path|querystring|header|multivaluequerystring|multivalueheader)\.(.+)$/.exec(key)
    if (!p) continue
    const where = p[1] === 'path' ? 'path' : p[1]!.endsWith('querystring') ? 'query' : 'header'
    // OpenAPI requires path parameters; AWS writes `required: false` out in Swagger only [REC test_export_*].
    const isRequired = where === 'path' || required
    if (oas3) parameters.push(compact({ name: p[2], in: where, required: isRequired ? true : undefined, schema: { type: 'string' } }))
    else parameters.push({ name: p[2], in: where, required: isRequired, type: 'string' })
  }
  if (!oas3) {
    const body = singleModel(m.requestModels)
    if (body !== undefined) parameters.push({ in: 'body', name: body, required: true, schema: ref(body) })
  }
  if (parameters.length > 0) op.parameters = parameters

  if (oas3 && Object.keys(m.requestModels).length > 0) {
    const content: JsonObject = {}
    for (const [ct, model] of Object.entries(m.requestModels)) content[ct] = { schema: ref(model) }
    op.requestBody = { content, required: true }
  }

  const responses: JsonObject = {}
  for (const [code, mr] of Object.entries(m.methodResponses)) {
    const headers: JsonObject = {}
    for (const [key, required] of Object.entries(mr.responseParameters)) {
      const h = /^method\.response\.header\.(.+)$/.exec(key)
      if (!h) continue
      // Swagger 2 header objects have no `required`; OpenAPI 3 ones do.
      headers[h[1]!] = oas3 ? compact({ schema: { type: 'string' }, required: required ? true : undefined }) : { type: 'string' }
    }
    if (oas3) {
      const content: JsonObject = {}
      for (const [ct, model] of Object.entries(mr.responseModels)) content[ct] = { schema: ref(model) }
      // AWS writes `content: {}` for a response without models [REC test_export_oas30_openapi].
      responses[code] = { description: `${code} response`, ...(Object.keys(headers).length > 0 ? { headers } : {}), content }
    } else {
      const model = singleModel(mr.responseModels)
      responses[code] = compact({ description: `${code} response`, schema: model === undefined ? undefined : ref(model), headers })
    }
  }
  op.responses = responses

  const requirements = security.requirements(m)
  if (requirements.length > 0) op.security = requirements
  if (flags.validators && m.requestValidatorId !== undefined) {
    const v = api.requestValidators[m.requestValidatorId]
    if (v !== undefined) op['x-amazon-apigateway-request-validator'] = v.name
  }
  if (flags.integrations && m.methodIntegration !== undefined) op['x-amazon-apigateway-integration'] = exportIntegration(m.methodIntegration, r)
  if (flags.postman && m.authorizationType === 'AWS_IAM') op['x-postman-meta'] = postmanSigV4(flags.region)
  return op
}

/**
 * What Postman's own Swagger converter reads to sign a request with SigV4 (postmanlabs/swagger2-to-postman,
 * test/data/swagger_aws_2.json) [K: AWS documents no more than "Postman extensions"].
 */
function postmanSigV4(region: string): JsonObject {
  return {
    currentHelper: 'awsSigV4',
    helperAttributes: { accessKey: '{{aws_access_key_id}}', secretKey: '{{aws_secret_access_key}}', region, service: 'execute-api', saveHelper: true },
  }
}

// ---------------------------------------------------------------------------------------------------
// Integrations

/**
 * `x-amazon-apigateway-integration` with AWS's lower-case enums and without the fields that hold their
 * defaults (timeout 29000, INTERNET, a cache namespace equal to the resource id, empty maps) [REC
 * test_export_*: an HTTP integration exports type, httpMethod, uri, responses, requestParameters and
 * passthroughBehavior only].
 */
function exportIntegration(i: Integration, r: Resource): JsonObject {
  const responses: JsonObject = {}
  for (const ir of Object.values(i.integrationResponses)) {
    const key = ir.selectionPattern === undefined || ir.selectionPattern === '' ? 'default' : ir.selectionPattern
    if (responses[key] === undefined) responses[key] = exportIntegrationResponse(ir)
  }
  const out = compact({
    type: i.type.toLowerCase(),
    httpMethod: i.httpMethod,
    uri: i.uri,
    credentials: i.credentials,
    connectionType: i.connectionType === 'VPC_LINK' ? i.connectionType : undefined,
    connectionId: i.connectionId,
    responses,
    requestParameters: copyMap(i.requestParameters),
    requestTemplates: copyMap(i.requestTemplates),
    passthroughBehavior: i.passthroughBehavior.toLowerCase(),
    contentHandling: i.contentHandling,
    timeoutInMillis: i.timeoutInMillis === DEFAULT_TIMEOUT ? undefined : i.timeoutInMillis,
    cacheNamespace: i.cacheNamespace === undefined || i.cacheNamespace === r.id ? undefined : i.cacheNamespace,
    cacheKeyParameters: [...i.cacheKeyParameters],
    responseTransferMode: i.responseTransferMode,
  })
  // Even an empty tlsConfig is written: it is what the integration was given.
  if (i.tlsConfig !== undefined) out.tlsConfig = { ...i.tlsConfig }
  return out
}

function exportIntegrationResponse(ir: IntegrationResponse): JsonObject {
  return compact({
    statusCode: ir.statusCode,
    responseParameters: copyMap(ir.responseParameters),
    responseTemplates: copyMap(ir.responseTemplates),
    contentHandling: ir.contentHandling,
  })
}

// ---------------------------------------------------------------------------------------------------
// Security

/**
 * Security schemes and requirements. A method's requirement list names its authorizer (or `sigv4` for
 * AWS_IAM) and, when it needs an API key, `api_key`, each in an object of its own as AWS writes them; the
 * importer applies every entry of the list (src/controlplane/openapi/security.ts).
 */
class SecurityBuilder {
  readonly #api: RestApi
  readonly #flags: Flags
  readonly #names = new SchemeNames()
  /** authorizer id → scheme name. */
  readonly #authorizerNames = new Map<string, string>()
  #apiKeyName: string | undefined
  #sigv4Name: string | undefined
  readonly #reserved: { apiKey: string; sigv4: string }

  constructor(api: RestApi, flags: Flags) {
    this.#api = api
    this.#flags = flags
    // Authorizers keep their names (the import made them from scheme names); the two fixed schemes take
    // theirs only when no authorizer holds them.
    for (const a of Object.values(api.authorizers)) this.#authorizerNames.set(a.id, this.#names.claim(a.name))
    this.#reserved = { apiKey: this.#names.claim('api_key'), sigv4: this.#names.claim('sigv4') }
  }

  requirements(m: Method): JsonObject[] {
    const out: JsonObject[] = []
    if (m.authorizationType === 'AWS_IAM') {
      this.#sigv4Name = this.#reserved.sigv4
      out.push({ [this.#sigv4Name]: [] })
    } else if ((m.authorizationType === 'CUSTOM' || m.authorizationType === 'COGNITO_USER_POOLS') && m.authorizerId !== undefined) {
      const name = this.#authorizerNames.get(m.authorizerId)
      if (name !== undefined) out.push({ [name]: [...(m.authorizationScopes ?? [])] })
    }
    if (m.apiKeyRequired) {
      this.#apiKeyName = this.#reserved.apiKey
      out.push({ [this.#apiKeyName]: [] })
    }
    return out
  }

  /** Every authorizer (the import makes one of each scheme, used or not), then the fixed schemes in use. */
  schemes(): JsonObject | undefined {
    const out: JsonObject = {}
    if (this.#apiKeyName !== undefined) out[this.#apiKeyName] = { type: 'apiKey', name: 'x-api-key', in: 'header' }
    if (this.#sigv4Name !== undefined) {
      out[this.#sigv4Name] = { type: 'apiKey', name: 'Authorization', in: 'header', ...(this.#flags.authorizers ? { 'x-amazon-apigateway-authtype': 'awsSigv4' } : {}) }
    }
    for (const a of Object.values(this.#api.authorizers)) out[this.#authorizerNames.get(a.id)!] = this.#authorizerScheme(a)
    return Object.keys(out).length > 0 ? out : undefined
  }

  #authorizerScheme(a: Authorizer): JsonObject {
    const source = Array.isArray(a.identitySource) ? a.identitySource.join(', ') : a.identitySource
    // Token and Cognito authorizers read one header, which the scheme names; a request authorizer reads its
    // identity sources, and AWS names the scheme's header `Unused` [K].
    const header = a.type === 'REQUEST' ? 'Unused' : (/^method\.request\.header\.(.+)$/.exec(source ?? '')?.[1] ?? 'Authorization')
    const scheme: JsonObject = { type: 'apiKey', name: header, in: 'header' }
    if (!this.#flags.authorizers) return scheme
    scheme['x-amazon-apigateway-authtype'] = a.authType ?? (a.type === 'COGNITO_USER_POOLS' ? 'cognito_user_pools' : 'custom')
    scheme['x-amazon-apigateway-authorizer'] = compact({
      type: a.type.toLowerCase(),
      authorizerUri: a.authorizerUri,
      authorizerCredentials: a.authorizerCredentials,
      identitySource: source,
      identityValidationExpression: a.identityValidationExpression,
      authorizerResultTtlInSeconds: a.authorizerResultTtlInSeconds,
      providerARNs: a.providerARNs === undefined ? undefined : [...a.providerARNs],
    })
    return scheme
  }
}

// ---------------------------------------------------------------------------------------------------
// Models

/** Deep copy of a model schema with model URLs turned back into local references, and `$schema` dropped. */
function exportSchema(schema: JsonObject, oas3: boolean): JsonObject {
  const base = oas3 ? '#/components/schemas/' : '#/definitions/'
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk)
    if (typeof v !== 'object' || v === null) return v
    const out: JsonObject = {}
    for (const [k, x] of Object.entries(v)) {
      const model = k === '$ref' && typeof x === 'string' ? MODEL_URL.exec(x)?.[1] : undefined
      if (model !== undefined) out[k] = base + model
      // The importer copies these verbatim (a `$ref` inside an example is data, not a reference).
      else if (k === 'enum' || k === 'example' || k === 'default') out[k] = structuredClone(x)
      else out[k] = walk(x)
    }
    return out
  }
  const out = walk(schema) as JsonObject
  // OpenAPI schema objects have no `$schema`; AWS leaves it out (its default Empty model exports as
  // `{type: object, title: Empty Schema}` in the developer guide's exported examples).
  delete out.$schema
  return out
}

function referencedModels(api: RestApi): Set<string> {
  const used = new Set<string>()
  for (const r of Object.values(api.resources)) {
    for (const m of Object.values(r.resourceMethods)) {
      for (const name of Object.values(m.requestModels)) used.add(name)
      for (const mr of Object.values(m.methodResponses)) for (const name of Object.values(mr.responseModels)) used.add(name)
    }
  }
  const scan = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(scan)
    else if (typeof v === 'object' && v !== null) {
      for (const [k, x] of Object.entries(v)) {
        const hit = k === '$ref' && typeof x === 'string' ? MODEL_URL.exec(x)?.[1] : undefined
        if (hit !== undefined) used.add(hit)
        else if (k !== 'enum' && k !== 'example' && k !== 'default') scan(x)
      }
    }
  }
  for (const model of Object.values(api.models)) scan(model.schema)
  return used
}

function isSynthesized(m: Model): boolean {
  const d = SYNTHESIZED_MODELS[m.name]
  return d !== undefined && m.description === d.description && JSON.stringify(m.schema) === JSON.stringify(d.schema)
}

function exportModels(api: RestApi, oas3: boolean): JsonObject | undefined {
  const used = referencedModels(api)
  const out: JsonObject = {}
  for (const m of Object.values(api.models)) {
    if (isSynthesized(m) && !used.has(m.name)) continue
    out[m.name] = exportSchema(m.schema, oas3)
  }
  return Object.keys(out).length > 0 ? out : undefined
}

// ---------------------------------------------------------------------------------------------------
// Root extensions (`extensions=apigateway`)

function endpointConfiguration(api: RestApi): JsonObject | undefined {
  const cfg: JsonObject = {}
  if (api.disableExecuteApiEndpoint) cfg.disableExecuteApiEndpoint = true
  // Even an empty list is written: it is what the API was given.
  if (api.endpointConfiguration.vpcEndpointIds !== undefined) cfg.vpcEndpointIds = [...api.endpointConfiguration.vpcEndpointIds]
  return Object.keys(cfg).length > 0 ? cfg : undefined
}

function exportGatewayResponse(g: GatewayResponse): JsonObject {
  return compact({ statusCode: g.statusCode, responseParameters: copyMap(g.responseParameters), responseTemplates: copyMap(g.responseTemplates) })
}

/**
 * The API's settings as root extensions, each only when it differs from AWS's default (the recorded
 * `extensions=apigateway` export of an API with default settings has none but the binary media types [REC]).
 */
function rootExtensions(api: RestApi): JsonObject {
  const out: JsonObject = {}
  const responses: JsonObject = {}
  for (const g of Object.values(api.gatewayResponses)) if (g !== undefined) responses[g.responseType] = exportGatewayResponse(g)
  if (Object.keys(responses).length > 0) out['x-amazon-apigateway-gateway-responses'] = responses
  if (api.binaryMediaTypes.length > 0) out['x-amazon-apigateway-binary-media-types'] = [...api.binaryMediaTypes]
  if (api.minimumCompressionSize !== null) out['x-amazon-apigateway-minimum-compression-size'] = api.minimumCompressionSize
  if (api.apiKeySource !== 'HEADER') out['x-amazon-apigateway-api-key-source'] = api.apiKeySource
  if (api.policy !== null) out['x-amazon-apigateway-policy'] = structuredClone(api.policy)
  for (const [key, value] of Object.entries(api.extensions)) {
    // Documentation is exported only for a stage's documentation version, which Gatehouse does not have:
    // the recorded export of petstore-swagger.json, imported with its documentation parts, has none [REC].
    if (key === 'x-amazon-apigateway-documentation' || key in out) continue
    out[key] = structuredClone(value)
  }
  return out
}
