// serverless.yml `http` and `httpApi` events → OpenAPI documents with x-amazon-apigateway extensions, as the
// Serverless Framework v3 compiles them to API Gateway: integrations, CORS preflight (OPTIONS MOCK), API keys
// (`private: true`), authorizers, request parameters and schemas (validation). Pure.

import type { ApiDecl } from '../config/config-file.js'
import { isRecord } from '../config/config-file.js'
import type { CorsConfiguration } from '../../model/types.js'

type Obj = Record<string, unknown>

export interface EventContext {
  problem(path: string, message: string): void
  warn(path: string, message: string): void
  ignore(logicalId: string, type: string, reason: string): void
  /** The integration URI of a function of this service, by its key under `functions:`. */
  functionUri(key: string): string | undefined
  region: string
  accountId: string
  service: string
  stage: string
}

/** The integration URI API Gateway invokes a Lambda function by (src/functions/function-ref.ts reads it back). */
export function lambdaUri(nameOrArn: string, region: string, accountId: string): string {
  const arn = nameOrArn.startsWith('arn:') ? nameOrArn : `arn:aws:lambda:${region}:${accountId}:function:${nameOrArn}`
  return `arn:aws:apigateway:${region}:lambda:path/2015-03-31/functions/${arn}/invocations`
}

/** The headers a CORS preflight allows unless `cors.headers` says otherwise (the framework's defaults). */
export const DEFAULT_CORS_HEADERS = ['Content-Type', 'X-Amz-Date', 'Authorization', 'X-Api-Key', 'X-Amz-Security-Token', 'X-Amz-User-Agent', 'X-Amzn-Trace-Id']

const REST_METHODS = new Set(['get', 'post', 'put', 'patch', 'delete', 'head', 'options', 'any'])
const HTTP_METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'OPTIONS', 'HEAD', 'DELETE', 'ANY'])
const ALL_METHODS = 'DELETE,GET,HEAD,PATCH,POST,PUT'

/** A JSON pointer segment (`~` and `/` escaped). */
export function segment(key: string | number): string {
  return String(key).replace(/~/g, '~0').replace(/\//g, '~1')
}

/** A scalar as YAML users mean it: a string, or a number or boolean taken as its text. */
export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined
}

function strings(v: unknown): string[] | undefined {
  if (typeof v === 'string') return [v]
  if (Array.isArray(v) && v.every((s) => typeof s === 'string')) return v as string[]
  return undefined
}

/** `{id}` and `{proxy+}` in a path: the parameter names (`id`, `proxy`). */
function pathParameterNames(path: string): string[] {
  return [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!.replace(/\+$/, ''))
}

function operationKey(method: string): string {
  return method.toLowerCase() === 'any' ? 'x-amazon-apigateway-any-method' : method.toLowerCase()
}

// The error-to-status patterns the framework gives a non-proxy (lambda) integration: a status code in square
// brackets in the error message selects that response; "Task timed out" is a 504.
const DEFAULT_STATUS_CODES: Record<string, string> = {
  '200': '',
  '400': '[\\s\\S]*\\[400\\][\\s\\S]*',
  '401': '[\\s\\S]*\\[401\\][\\s\\S]*',
  '403': '[\\s\\S]*\\[403\\][\\s\\S]*',
  '404': '[\\s\\S]*\\[404\\][\\s\\S]*',
  '422': '[\\s\\S]*\\[422\\][\\s\\S]*',
  '500': '[\\s\\S]*(Process\\s?exited\\s?before\\s?completing\\s?request|\\[500\\])[\\s\\S]*',
  '502': '[\\s\\S]*\\[502\\][\\s\\S]*',
  '504': '([\\s\\S]*\\[504\\][\\s\\S]*)|(.*Task timed out after \\d+\\.\\d+ seconds$)',
}

/** A JSON object of a VTL map's entries, strings escaped (single quotes left as they are: JSON has no \'). */
function vtlMap(expr: string): string {
  return (
    `{#foreach($k in ${expr}.keySet())"$util.escapeJavaScript($k).replaceAll("\\\\'", "'")": ` +
    `"$util.escapeJavaScript(${expr}.get($k)).replaceAll("\\\\'", "'")"#if($foreach.hasNext),#end#end}`
  )
}

/** The event a non-proxy (`integration: lambda`) function receives, as the framework's default template builds it. */
function lambdaEventTemplate(body: string): string {
  return [
    '#set($params = $input.params())',
    '{',
    `  "body": ${body},`,
    '  "method": "$context.httpMethod",',
    '  "principalId": "$context.authorizer.principalId",',
    '  "stage": "$context.stage",',
    '  "cognitoPoolClaims": { "sub": "$context.authorizer.claims.sub" },',
    `  "enhancedAuthContext": ${vtlMap('$context.authorizer')},`,
    `  "headers": ${vtlMap('$params.header')},`,
    `  "query": ${vtlMap('$params.querystring')},`,
    `  "path": ${vtlMap('$params.path')},`,
    `  "identity": ${vtlMap('$context.identity')},`,
    `  "stageVariables": ${vtlMap('$stageVariables')},`,
    '  "requestPath": "$context.resourcePath"',
    '}',
  ].join('\n')
}

const FORM_BODY =
  '{#foreach($pair in $input.path(\'$\').split(\'&\'))#set($kv = $pair.split(\'=\'))#if($kv.size() >= 1 && $kv[0] != "")' +
  '"$util.escapeJavaScript($util.urlDecode($kv[0]))": "#if($kv.size() >= 2)$util.escapeJavaScript($util.urlDecode($kv[1])).replaceAll("\\\\\'", "\'")#end"' +
  '#if($foreach.hasNext),#end#end#end}'

export const DEFAULT_REQUEST_TEMPLATES: Record<string, string> = {
  'application/json': lambdaEventTemplate("$input.json('$')"),
  'application/x-www-form-urlencoded': lambdaEventTemplate(FORM_BODY),
}

interface CorsPreflight {
  headers: Set<string>
  methods: Set<string>
  origins: Set<string>
  origin: string
  allowCredentials: boolean
  maxAge?: number
  cacheControl?: string
}

/** The implicit REST API of a service's `http` events. */
export class RestApiBuilder {
  readonly #ctx: EventContext
  readonly #name: string
  readonly #apiGateway: Obj
  readonly #provider: Obj
  readonly #paths: Record<string, Obj> = {}
  readonly #routes = new Map<string, string>()
  readonly #cors = new Map<string, CorsPreflight>()
  readonly #schemes: Obj = {}
  readonly #models: Obj = {}
  #validator = false
  #events = 0

  constructor(ctx: EventContext, name: string, apiGateway: Obj, provider: Obj) {
    this.#ctx = ctx
    this.#name = name
    this.#apiGateway = apiGateway
    this.#provider = provider
  }

  get #validatorName(): string {
    return `${this.#ctx.service}-${this.#ctx.stage} | Validate request body and querystring parameters`
  }

  addEvent(fnKey: string, body: unknown, at: string, fn: Obj): void {
    const { problem, warn } = this.#ctx
    let http: Obj
    if (typeof body === 'string') {
      const [method, path, ...rest] = body.trim().split(/\s+/)
      if (method === undefined || path === undefined || rest.length > 0) {
        problem(at, 'the short form of an http event is "METHOD path", e.g. "GET users/{id}"')
        return
      }
      http = { method, path }
    } else if (isRecord(body)) http = body
    else {
      problem(at, 'an http event is "METHOD path" or a mapping with path: and method:')
      return
    }
    const method = str(http.method)?.toLowerCase()
    if (method === undefined || !REST_METHODS.has(method)) {
      problem(`${at}/method`, `method is one of GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS or ANY, not ${JSON.stringify(http.method)}`)
      return
    }
    const rawPath = str(http.path)
    if (rawPath === undefined) {
      problem(`${at}/path`, 'path is required, e.g. users/{id}')
      return
    }
    const path = '/' + rawPath.replace(/^\//, '').replace(/\/$/, '')
    if (/\/\/|\s/.test(path) || !/^[A-Za-z0-9._~:@!$&'()*+,;=/{}-]*$/.test(path)) {
      problem(`${at}/path`, `"${rawPath}" is not a resource path (segments of letters, digits, {param} or {proxy+})`)
      return
    }
    const routeKey = `${method.toUpperCase()} ${path}`
    const earlier = this.#routes.get(routeKey)
    if (earlier !== undefined) {
      problem(at, `${routeKey} is already declared at ${earlier}`)
      return
    }
    this.#routes.set(routeKey, at)
    this.#events++

    const integrationType = integrationOf(http)
    const op: Obj = { responses: { '200': { description: '200 response' } } }
    const parameters: Obj[] = pathParameterNames(path).map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } }))
    const request = isRecord(http.request) ? http.request : {}
    const integrationParams: Record<string, string> = {}
    let anyRequired = false
    if (isRecord(request.parameters)) {
      for (const [plural, where] of [['paths', 'path'], ['querystrings', 'querystring'], ['headers', 'header']] as const) {
        const group = request.parameters[plural]
        if (group === undefined) continue
        if (!isRecord(group)) {
          problem(`${at}/request/parameters/${plural}`, `${plural} maps parameter names to true (required) or false`)
          continue
        }
        for (const [name, spec] of Object.entries(group)) {
          const required = isRecord(spec) ? spec.required !== false : spec === true
          if (required) anyRequired = true
          const mapped = isRecord(spec) && typeof spec.mappedValue === 'string' ? spec.mappedValue : `method.request.${where}.${name}`
          integrationParams[`integration.request.${where}.${name}`] = mapped
          const inOpenApi = where === 'querystring' ? 'query' : where
          const existing = parameters.find((p) => p.name === name && p.in === inOpenApi)
          if (existing !== undefined) existing.required = existing.required === true || required
          else parameters.push({ name, in: inOpenApi, required, schema: { type: 'string' } })
        }
      }
    }
    if (parameters.length > 0) op.parameters = parameters
    if (anyRequired) {
      op['x-amazon-apigateway-request-validator'] = this.#validatorName
      this.#validator = true
    }
    if (request.schemas !== undefined) this.#requestSchemas(op, request.schemas, `${at}/request/schemas`, fnKey, method)

    const uri = this.#ctx.functionUri(fnKey)!
    let cors: CorsPreflight | undefined
    if (http.cors !== undefined && http.cors !== false) cors = this.#addCors(path, method, http.cors, `${at}/cors`)
    const integration: Obj = { httpMethod: 'POST', uri, passthroughBehavior: 'when_no_match' }
    if (integrationType === 'AWS_PROXY') {
      integration.type = 'aws_proxy'
      if (request.template !== undefined || (isRecord(http.response) && Object.keys(http.response).some((k) => k !== 'transferMode'))) {
        warn(at, 'request templates and response settings apply to integration: lambda only; the framework removes them from a lambda-proxy event, and so does Gatehouse')
      }
    } else if (integrationType === 'AWS') {
      integration.type = 'aws'
      this.#nonProxy(op, integration, http, request, at, cors, true)
      if (Object.keys(integrationParams).length > 0) integration.requestParameters = { ...integrationParams }
      if (http.async === true) {
        integration.requestParameters = { ...(integration.requestParameters as Obj | undefined), 'integration.request.header.X-Amz-Invocation-Type': "'Event'" }
      }
    } else if (integrationType === 'HTTP' || integrationType === 'HTTP_PROXY' || integrationType === 'MOCK') {
      const target = str(request.uri)
      if (integrationType !== 'MOCK' && target === undefined) {
        problem(`${at}/request/uri`, `an ${integrationType.toLowerCase().replace('_', '-')} integration needs request.uri`)
        return
      }
      integration.type = integrationType.toLowerCase()
      if (integrationType === 'MOCK') {
        delete integration.uri
        delete integration.httpMethod
      } else {
        integration.uri = target
        integration.httpMethod = (str(request.method) ?? method).toUpperCase()
      }
      if (Object.keys(integrationParams).length > 0) integration.requestParameters = { ...integrationParams }
      if (integrationType !== 'HTTP_PROXY') this.#nonProxy(op, integration, http, request, at, cors, false)
    } else {
      problem(`${at}/integration`, `integration is lambda-proxy, lambda, http, http-proxy or mock, not ${JSON.stringify(http.integration)}`)
      return
    }
    if (typeof http.timeoutInMillis === 'number' || typeof this.#apiGateway.timeoutInMillis === 'number') {
      integration.timeoutInMillis = (http.timeoutInMillis ?? this.#apiGateway.timeoutInMillis) as number
    }
    op['x-amazon-apigateway-integration'] = integration

    const security: Obj = {}
    if (http.private === true) {
      this.#schemes.api_key = { type: 'apiKey', name: 'x-api-key', in: 'header' }
      security.api_key = []
    }
    if (http.authorizer !== undefined && http.authorizer !== null) this.#authorizer(http.authorizer, `${at}/authorizer`, security)
    if (Object.keys(security).length > 0) op.security = [security]
    void fn
    ;(this.#paths[path] ??= {})[operationKey(method)] = op
  }

  /** Request and response mapping of a non-proxy integration (`integration: lambda`, `http`, `mock`). */
  #nonProxy(op: Obj, integration: Obj, http: Obj, request: Obj, at: string, cors: CorsPreflight | undefined, lambda: boolean): void {
    const pass = str(request.passThrough)
    integration.passthroughBehavior = (pass ?? (lambda ? 'NEVER' : 'WHEN_NO_MATCH')).toLowerCase()
    const templates: Record<string, string> = lambda ? { ...DEFAULT_REQUEST_TEMPLATES } : {}
    if (isRecord(request.template)) {
      for (const [type, t] of Object.entries(request.template)) {
        if (t === null) delete templates[type]
        else if (typeof t === 'string') templates[type] = t
        else this.#ctx.problem(`${at}/request/template/${segment(type)}`, 'a request template is a string (or null to drop a default one)')
      }
    } else if (request.template !== undefined) this.#ctx.problem(`${at}/request/template`, 'request.template maps content types to templates')
    if (Object.keys(templates).length > 0) integration.requestTemplates = templates
    const response = isRecord(http.response) ? http.response : {}
    let codes: Record<string, Obj> = {}
    if (isRecord(response.statusCodes)) {
      for (const [code, cfg] of Object.entries(response.statusCodes)) codes[code] = isRecord(cfg) ? cfg : {}
      if (!Object.values(codes).some((c) => (c.pattern ?? '') === '')) codes['200'] = { pattern: '' }
    } else if (lambda || http.response !== undefined) {
      codes = Object.fromEntries(Object.entries(DEFAULT_STATUS_CODES).map(([c, pattern]) => [c, { pattern }]))
    } else codes = { '200': { pattern: '' } }
    const headers: Record<string, string> = {}
    if (cors !== undefined) {
      const origins = [...cors.origins]
      headers['Access-Control-Allow-Origin'] = `'${origins.length > 0 ? origins.join(',') : cors.origin}'`
      if (cors.allowCredentials) headers['Access-Control-Allow-Credentials'] = "'true'"
    }
    if (isRecord(response.headers)) for (const [h, v] of Object.entries(response.headers)) if (typeof v === 'string') headers[h] = v
    const methodResponses: Obj = {}
    const integrationResponses: Obj = {}
    for (const [code, cfg] of Object.entries(codes)) {
      if (!/^[1-5]\d\d$/.test(code)) {
        this.#ctx.problem(`${at}/response/statusCodes/${segment(code)}`, `"${code}" is not an HTTP status code`)
        continue
      }
      const params: Record<string, string> = {}
      const all = { ...headers, ...(isRecord(cfg.headers) ? (cfg.headers as Record<string, string>) : {}) }
      for (const [h, v] of Object.entries(all)) if (typeof v === 'string') params[`method.response.header.${h}`] = v
      const responseTemplates: Record<string, string> = {}
      if (typeof response.template === 'string') responseTemplates['application/json'] = response.template
      if (typeof cfg.template === 'string') responseTemplates['application/json'] = cfg.template
      else if (isRecord(cfg.template)) for (const [t, v] of Object.entries(cfg.template)) if (typeof v === 'string') responseTemplates[t] = v
      const pattern = str(cfg.pattern) ?? ''
      integrationResponses[pattern === '' ? 'default' : pattern] = { statusCode: code, responseParameters: params, responseTemplates }
      methodResponses[code] = {
        description: `${code} response`,
        ...(Object.keys(all).length > 0 ? { headers: Object.fromEntries(Object.keys(all).map((h) => [h, { schema: { type: 'string' } }])) } : {}),
      }
    }
    integration.responses = integrationResponses
    op.responses = methodResponses
  }

  #requestSchemas(op: Obj, raw: unknown, at: string, fnKey: string, method: string): void {
    if (!isRecord(raw)) {
      this.#ctx.problem(at, 'request.schemas maps content types to JSON schemas')
      return
    }
    const providerSchemas = isRecord(this.#apiGateway.request) && isRecord(this.#apiGateway.request.schemas) ? this.#apiGateway.request.schemas : {}
    const content: Obj = {}
    let n = 0
    for (const [type, cfg] of Object.entries(raw)) {
      let schema: unknown
      let name: string | undefined
      let description: string | undefined
      if (typeof cfg === 'string' && isRecord(providerSchemas[cfg])) {
        const p = providerSchemas[cfg] as Obj
        schema = p.schema
        name = str(p.name) ?? cfg
        description = str(p.description)
      } else if (isRecord(cfg) && cfg.schema !== undefined) {
        schema = cfg.schema
        name = str(cfg.name)
        description = str(cfg.description)
      } else schema = cfg
      if (typeof schema === 'string') {
        try {
          schema = JSON.parse(schema)
        } catch {
          this.#ctx.problem(`${at}/${segment(type)}`, 'the schema is neither a mapping nor JSON text (a ${file(…)} reference reads one from a file)')
          continue
        }
      }
      if (!isRecord(schema)) {
        this.#ctx.problem(`${at}/${segment(type)}`, 'a request schema is a JSON schema (a mapping)')
        continue
      }
      const model = (name ?? `${fnKey}${method}${n === 0 ? '' : n}Model`).replace(/[^A-Za-z0-9]/g, '')
      n++
      this.#models[model] = description === undefined ? schema : { ...schema, description }
      content[type] = { schema: { $ref: `#/components/schemas/${model}` } }
    }
    if (Object.keys(content).length === 0) return
    op.requestBody = { required: true, content }
    op['x-amazon-apigateway-request-validator'] = this.#validatorName
    this.#validator = true
  }

  #addCors(path: string, method: string, raw: unknown, at: string): CorsPreflight | undefined {
    const upper = method.toUpperCase()
    const cors: CorsPreflight = this.#cors.get(path) ?? { headers: new Set(), methods: new Set(), origins: new Set(), origin: '*', allowCredentials: false }
    let headers = DEFAULT_CORS_HEADERS
    let methods = ['OPTIONS', upper]
    if (isRecord(raw)) {
      const h = strings(raw.headers)
      if (h !== undefined) headers = h
      const m = strings(raw.methods)
      if (m !== undefined) methods = [...new Set([...m.map((x) => x.toUpperCase()), 'OPTIONS', upper])]
      const origins = strings(raw.origins)
      if (typeof raw.origin === 'string') {
        if (raw.origin.includes(',')) for (const o of raw.origin.split(',')) cors.origins.add(o.trim())
        else cors.origin = raw.origin
      }
      for (const o of origins ?? []) cors.origins.add(o)
      if (raw.allowCredentials === true) cors.allowCredentials = true
      if (typeof raw.maxAge === 'number') cors.maxAge = raw.maxAge
      if (typeof raw.cacheControl === 'string') cors.cacheControl = raw.cacheControl
    } else if (raw !== true) {
      this.#ctx.problem(at, 'cors is true or a mapping (origin, origins, headers, methods, allowCredentials, maxAge, cacheControl)')
      return undefined
    }
    for (const h of headers) cors.headers.add(h)
    for (const m of methods) cors.methods.add(m)
    this.#cors.set(path, cors)
    return cors
  }

  /** The OPTIONS method the framework adds for a path with `cors:`: a MOCK answering 200 with the CORS headers. */
  #preflight(path: string, cors: CorsPreflight): Obj {
    const origins = [...cors.origins]
    const headers: Record<string, string> = {
      'Access-Control-Allow-Origin': `'${origins.length > 0 ? origins[0] : cors.origin}'`,
      'Access-Control-Allow-Headers': `'${[...cors.headers].join(',')}'`,
      'Access-Control-Allow-Methods': `'${[...cors.methods].join(',').replace('ANY', ALL_METHODS)}'`,
    }
    if (cors.allowCredentials) headers['Access-Control-Allow-Credentials'] = "'true'"
    if (cors.maxAge !== undefined) headers['Access-Control-Max-Age'] = `'${cors.maxAge}'`
    if (cors.cacheControl !== undefined) headers['Cache-Control'] = `'${cors.cacheControl}'`
    // Several origins: the one the request came from is echoed when it matches one of them (`*` a wildcard).
    const template =
      origins.length === 0
        ? ''
        : '#set($origin = $input.params("Origin"))\n#if($origin == "") #set($origin = $input.params("origin")) #end\n' +
          `#if(${origins.map((o) => `$origin.matches("${o.replace(/\./g, '[.]').replace('*', '.+')}")`).join(' || ')}) ` +
          '#set($context.responseOverride.header.Access-Control-Allow-Origin = $origin) #end'
    void path
    return {
      responses: { '200': { description: 'CORS preflight', headers: Object.fromEntries(Object.keys(headers).map((h) => [h, { schema: { type: 'string' } }])) } },
      'x-amazon-apigateway-integration': {
        type: 'mock',
        requestTemplates: { 'application/json': '{statusCode:200}' },
        contentHandling: 'CONVERT_TO_TEXT',
        responses: {
          default: {
            statusCode: '200',
            responseParameters: Object.fromEntries(Object.entries(headers).map(([h, v]) => [`method.response.header.${h}`, v])),
            responseTemplates: { 'application/json': template },
          },
        },
      },
    }
  }

  #authorizer(raw: unknown, at: string, security: Obj): void {
    const { problem, warn } = this.#ctx
    let cfg: Obj
    if (typeof raw === 'string') cfg = raw.toUpperCase() === 'AWS_IAM' ? { type: 'AWS_IAM' } : raw.includes(':') ? { arn: raw } : { name: raw }
    else if (isRecord(raw)) cfg = raw
    else {
      problem(at, 'authorizer is a function name, an ARN, aws_iam, or a mapping (name or arn, type, identitySource, resultTtlInSeconds)')
      return
    }
    const type = str(cfg.type)?.toUpperCase()
    if (cfg.authorizerId !== undefined) {
      problem(at, 'an authorizer managed outside the service (authorizerId) cannot be served: declare it in the service (name: or arn:)')
      return
    }
    if (type === 'AWS_IAM') {
      this.#schemes.sigv4 = { type: 'apiKey', name: 'Authorization', in: 'header', 'x-amazon-apigateway-authtype': 'awsSigv4' }
      security.sigv4 = []
      return
    }
    const arn = str(cfg.arn)
    const fnName = str(cfg.name)
    const cognito = (arn !== undefined && /^arn:aws[a-z-]*:cognito-idp:/.test(arn)) || type === 'COGNITO_USER_POOLS'
    let name: string
    let uri: string | undefined
    if (arn !== undefined) {
      name = fnName ?? arn.slice(arn.lastIndexOf(':') + 1).split('-').pop()!.split('/').pop()!
      if (!cognito) uri = lambdaUri(arn, this.#ctx.region, this.#ctx.accountId)
    } else if (fnName !== undefined) {
      name = fnName
      uri = this.#ctx.functionUri(fnName)
      if (uri === undefined) {
        problem(at, `authorizer ${fnName} names no function of this service (give its key under functions:, or arn:)`)
        return
      }
    } else {
      problem(at, 'an authorizer needs name: (a function of this service) or arn:')
      return
    }
    if (!/^[A-Za-z0-9_-]+$/.test(name)) name = name.replace(/[^A-Za-z0-9_-]/g, '') || 'authorizer'
    const ttlRaw = Number.parseInt(String(cfg.resultTtlInSeconds), 10)
    const ttl = Number.isNaN(ttlRaw) ? 300 : ttlRaw
    const request = type === 'REQUEST'
    let identitySource = str(cfg.identitySource)
    if (identitySource === undefined && !(request && ttl === 0)) identitySource = 'method.request.header.Authorization'
    const ext: Obj = cognito
      ? { type: 'cognito_user_pools', providerARNs: arn === undefined ? [] : [arn] }
      : { type: request ? 'request' : 'token', authorizerUri: uri, authorizerResultTtlInSeconds: ttl }
    if (cognito) ext.authorizerResultTtlInSeconds = ttl
    if (identitySource !== undefined) ext.identitySource = identitySource
    if (typeof cfg.identityValidationExpression === 'string') ext.identityValidationExpression = cfg.identityValidationExpression
    const header = /^method\.request\.header\.([^,\s]+)$/.exec(identitySource ?? '')?.[1] ?? 'Authorization'
    if (cfg.claims !== undefined) warn(`${at}/claims`, 'claims filter the Cognito claims a lambda integration sees; they are ignored')
    const scheme = {
      type: 'apiKey',
      name: request ? 'Unused' : header,
      in: 'header',
      'x-amazon-apigateway-authtype': cognito ? 'cognito_user_pools' : 'custom',
      'x-amazon-apigateway-authorizer': ext,
    }
    const earlier = this.#schemes[name]
    if (earlier !== undefined && JSON.stringify(earlier) !== JSON.stringify(scheme)) {
      warn(at, `authorizer ${name} is declared again with other settings: the framework makes one authorizer per name, and the last declaration wins`)
    }
    this.#schemes[name] = scheme
    const scopes = strings(cfg.scopes)
    security[name] = cognito && scopes !== undefined ? scopes : []
  }

  build(): ApiDecl | undefined {
    if (this.#events === 0) return undefined
    for (const [path, cors] of this.#cors) {
      const item = (this.#paths[path] ??= {})
      if (item.options !== undefined) {
        this.#ctx.warn('', `${path} declares an OPTIONS method of its own, so no CORS preflight is generated for it`)
        continue
      }
      item.options = this.#preflight(path, cors)
    }
    const doc: Obj = { openapi: '3.0.1', info: { title: this.#name, version: '1' }, paths: this.#paths }
    if (typeof this.#apiGateway.description === 'string') (doc.info as Obj).description = this.#apiGateway.description
    const components: Obj = {}
    if (Object.keys(this.#schemes).length > 0) components.securitySchemes = this.#schemes
    if (Object.keys(this.#models).length > 0) components.schemas = this.#models
    if (Object.keys(components).length > 0) doc.components = components
    if (this.#validator) doc['x-amazon-apigateway-request-validators'] = { [this.#validatorName]: { validateRequestBody: true, validateRequestParameters: true } }
    const keySource = str(this.#apiGateway.apiKeySourceType)?.toUpperCase()
    if (keySource === 'HEADER' || keySource === 'AUTHORIZER') doc['x-amazon-apigateway-api-key-source'] = keySource
    const decl: ApiDecl = { type: 'rest', name: this.#name, definition: doc }
    const binary = strings(this.#apiGateway.binaryMediaTypes)
    if (binary !== undefined && binary.length > 0) decl.binaryMediaTypes = binary
    const endpoint = str(this.#provider.endpointType)?.toUpperCase()
    if (endpoint === 'REGIONAL' || endpoint === 'EDGE' || endpoint === 'PRIVATE') decl.endpointType = endpoint
    const policy = this.#apiGateway.resourcePolicy
    if (Array.isArray(policy) && policy.length > 0) decl.policy = { Version: '2012-10-17', Statement: policy }
    return decl
  }
}

/** `http.integration` (or `async`) as the API Gateway integration type. */
function integrationOf(http: Obj): string {
  const raw = str(http.integration)
  if (raw !== undefined) {
    const t = raw.toUpperCase().replace('-', '_')
    return t === 'LAMBDA' ? 'AWS' : t === 'LAMBDA_PROXY' ? 'AWS_PROXY' : t
  }
  return http.async === true ? 'AWS' : 'AWS_PROXY'
}

/** The HTTP API of a service's `httpApi` events. */
export class HttpApiBuilder {
  readonly #ctx: EventContext
  readonly #name: string
  readonly #config: Obj
  readonly #paths: Record<string, Obj> = {}
  readonly #routes = new Map<string, string>()
  readonly #schemes: Obj = {}
  readonly #corsMethods = new Set<string>(['OPTIONS'])
  #events = 0

  constructor(ctx: EventContext, name: string, config: Obj) {
    this.#ctx = ctx
    this.#name = name
    this.#config = config
  }

  addEvent(fnKey: string, body: unknown, at: string, fn: Obj): void {
    const { problem } = this.#ctx
    let method: string | undefined
    let path: string | undefined
    let authorizer: unknown
    let payload: unknown
    if (typeof body === 'string') {
      const s = body.trim()
      if (s === '*') path = '*'
      else {
        const m = /^(\S+)\s+(\/\S*)$/.exec(s)
        if (m === null) {
          problem(at, 'an httpApi event is "*", "METHOD /path" (e.g. "GET /users/{id}") or a mapping with method: and path:')
          return
        }
        method = m[1]!
        path = m[2]!
      }
    } else if (isRecord(body)) {
      method = str(body.method)
      path = str(body.path)
      authorizer = body.authorizer
      payload = body.payload
      if (path === undefined) {
        problem(`${at}/path`, 'path is required, e.g. /users/{id} (or "*")')
        return
      }
    } else {
      problem(at, 'an httpApi event is "*", "METHOD /path" or a mapping with method: and path:')
      return
    }
    let routeKey: string
    let item: string
    let opKey: string
    if (path === '*') {
      if (method !== undefined && method !== '*') {
        problem(`${at}/path`, 'path "*" (the default route) takes no method other than "*"')
        return
      }
      routeKey = '$default'
      item = '/$default'
      opKey = 'x-amazon-apigateway-any-method'
      method = 'ANY'
    } else {
      if (method === undefined) {
        problem(`${at}/method`, 'method is required (GET, POST, …, or "*" for any)')
        return
      }
      method = method.toUpperCase()
      if (method === '*') method = 'ANY'
      if (!HTTP_METHODS.has(method)) {
        problem(`${at}/method`, `method is one of ${[...HTTP_METHODS].join(', ')} or "*", not ${JSON.stringify(method)}`)
        return
      }
      if (!path.startsWith('/') || /\s/.test(path)) {
        problem(`${at}/path`, `"${path}" is not a route path: it starts with "/"`)
        return
      }
      routeKey = `${method} ${path}`
      item = path
      opKey = operationKey(method)
    }
    const earlier = this.#routes.get(routeKey)
    if (earlier !== undefined) {
      problem(at, `route ${routeKey} is already declared at ${earlier}`)
      return
    }
    this.#routes.set(routeKey, at)
    this.#events++
    if (method === 'ANY') for (const m of ALL_METHODS.split(',')) this.#corsMethods.add(m)
    else this.#corsMethods.add(method)

    const fnHttpApi = isRecord(fn.httpApi) ? fn.httpApi : {}
    const version = String(payload ?? fnHttpApi.payload ?? this.#config.payload ?? '2.0')
    const payloadFormatVersion = version === '1' || version === '1.0' ? '1.0' : version === '2' || version === '2.0' ? '2.0' : undefined
    if (payloadFormatVersion === undefined) {
      problem(`${at}${payload !== undefined ? '/payload' : ''}`, `the payload version is '1.0' or '2.0', not ${JSON.stringify(version)}`)
      return
    }
    const op: Obj = {
      responses: { default: { description: 'Default response' } },
      'x-amazon-apigateway-integration': { type: 'aws_proxy', httpMethod: 'POST', uri: this.#ctx.functionUri(fnKey), payloadFormatVersion, timeoutInMillis: 30000 },
    }
    if (routeKey === '$default') op.isDefaultRoute = true
    const params = item === '/$default' ? [] : pathParameterNames(item)
    if (params.length > 0) op.parameters = params.map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } }))
    if (authorizer !== undefined && authorizer !== null) {
      const security = this.#authorizer(authorizer, `${at}/authorizer`)
      if (security === null) return
      if (security !== undefined) op.security = [security]
    }
    ;(this.#paths[item] ??= {})[opKey] = op
  }

  /** The route's security requirement; null when the event is refused. */
  #authorizer(raw: unknown, at: string): Obj | undefined | null {
    const { problem } = this.#ctx
    const cfg: Obj = typeof raw === 'string' ? { name: raw } : isRecord(raw) ? raw : {}
    if (str(cfg.type) === 'aws_iam') {
      this.#schemes.sigv4 = { type: 'apiKey', name: 'Authorization', in: 'header', 'x-amazon-apigateway-authtype': 'awsSigv4' }
      return { sigv4: [] }
    }
    if (cfg.id !== undefined) {
      problem(at, 'an authorizer of an HTTP API managed outside the service (id:) cannot be served: declare it under provider.httpApi.authorizers')
      return null
    }
    const name = str(cfg.name)
    const declared = isRecord(this.#config.authorizers) && name !== undefined ? this.#config.authorizers[name] : undefined
    if (name === undefined || !isRecord(declared)) {
      problem(at, `authorizer ${name === undefined ? '(no name)' : JSON.stringify(name)} is not declared under provider.httpApi.authorizers`)
      return null
    }
    const schemeName = (str(declared.name) ?? name).replace(/[^A-Za-z0-9_-]/g, '') || 'authorizer'
    if (this.#schemes[schemeName] === undefined) {
      const scheme = this.#scheme(declared, `/provider/httpApi/authorizers/${segment(name)}`)
      if (scheme === undefined) return null
      this.#schemes[schemeName] = scheme
    }
    const scopes = strings(cfg.scopes) ?? []
    return { [schemeName]: scopes }
  }

  #scheme(a: Obj, at: string): Obj | undefined {
    const { problem } = this.#ctx
    const type = str(a.type)?.toLowerCase() ?? 'jwt'
    const identitySource = strings(a.identitySource)
    if (type === 'request') {
      const fnName = str(a.functionName)
      const arn = str(a.functionArn)
      const uri = fnName !== undefined ? this.#ctx.functionUri(fnName) : arn !== undefined ? lambdaUri(arn, this.#ctx.region, this.#ctx.accountId) : undefined
      if (uri === undefined) {
        problem(at, fnName !== undefined ? `functionName ${fnName} names no function of this service` : 'a request authorizer needs functionName: or functionArn:')
        return undefined
      }
      const ext: Obj = { type: 'request', authorizerUri: uri, authorizerPayloadFormatVersion: String(a.payloadVersion ?? '2.0') === '1.0' ? '1.0' : '2.0' }
      if (identitySource !== undefined) ext.identitySource = identitySource
      if (typeof a.enableSimpleResponses === 'boolean') ext.enableSimpleResponses = a.enableSimpleResponses
      if (typeof a.resultTtlInSeconds === 'number') ext.authorizerResultTtlInSeconds = a.resultTtlInSeconds
      return { type: 'apiKey', name: 'Authorization', in: 'header', 'x-amazon-apigateway-authorizer': ext }
    }
    if (type !== 'jwt') {
      problem(`${at}/type`, `an HTTP API authorizer is of type jwt or request, not ${JSON.stringify(a.type)}`)
      return undefined
    }
    const issuer = str(a.issuerUrl)
    if (issuer === undefined) {
      problem(`${at}/issuerUrl`, 'a JWT authorizer needs issuerUrl')
      return undefined
    }
    const audience = strings(a.audience)
    return {
      type: 'oauth2',
      flows: {},
      'x-amazon-apigateway-authorizer': {
        type: 'jwt',
        identitySource: identitySource ?? ['$request.header.Authorization'],
        jwtConfiguration: { issuer, ...(audience !== undefined ? { audience } : {}) },
      },
    }
  }

  build(): ApiDecl | undefined {
    if (this.#events === 0) return undefined
    const doc: Obj = { openapi: '3.0.1', info: { title: this.#name, version: '1' }, paths: this.#paths }
    if (Object.keys(this.#schemes).length > 0) doc.components = { securitySchemes: this.#schemes }
    const decl: ApiDecl = { type: 'http', name: this.#name, definition: doc }
    const cors = this.#cors()
    if (cors !== undefined) decl.cors = cors
    return decl
  }

  /** `provider.httpApi.cors`: true for the framework's defaults, or a mapping. */
  #cors(): CorsConfiguration | undefined {
    const raw = this.#config.cors
    if (raw === undefined || raw === false || raw === null) return undefined
    const at = '/provider/httpApi/cors'
    if (raw !== true && !isRecord(raw)) {
      this.#ctx.problem(at, 'cors is true or a mapping (allowedOrigins, allowedHeaders, allowedMethods, allowCredentials, exposedResponseHeaders, maxAge)')
      return undefined
    }
    const cfg: Obj = raw === true ? {} : raw
    const cors: CorsConfiguration = {
      allowOrigins: strings(cfg.allowedOrigins) ?? ['*'],
      allowHeaders: strings(cfg.allowedHeaders) ?? DEFAULT_CORS_HEADERS,
      allowMethods: strings(cfg.allowedMethods) ?? [...this.#corsMethods],
    }
    if (cfg.allowCredentials === true) cors.allowCredentials = true
    const expose = strings(cfg.exposedResponseHeaders)
    if (expose !== undefined) cors.exposeHeaders = expose
    if (typeof cfg.maxAge === 'number') cors.maxAge = cfg.maxAge
    return cors
  }
}
