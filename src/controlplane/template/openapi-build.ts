// Building OpenAPI documents with x-amazon-apigateway extensions from template resources: operations, Lambda
// proxy integrations, security schemes and CORS preflight methods, on Swagger 2.0 and OpenAPI 3 documents alike. Pure.

import { isRecord } from '../config/config-file.js'

export type Doc = Record<string, unknown>

const METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'x-amazon-apigateway-any-method'])

/** An empty document for a generated API. */
export function newDoc(title: string): Doc {
  return { openapi: '3.0.1', info: { title, version: '1.0' }, paths: {} }
}

/** The OpenAPI method key of an HTTP method (`ANY` → `x-amazon-apigateway-any-method`). */
export function methodKey(method: string): string {
  const m = method.toLowerCase()
  return m === 'any' || m === '*' ? 'x-amazon-apigateway-any-method' : m
}

function objectAt(parent: Doc, key: string): Doc {
  const v = parent[key]
  if (isRecord(v)) return v
  const made: Doc = {}
  parent[key] = made
  return made
}

/** Adds an operation unless the document already has one at that path and method (SAM keeps DefinitionBody's own). */
export function addOperation(doc: Doc, path: string, method: string, op: Doc): boolean {
  const item = objectAt(objectAt(doc, 'paths'), path)
  const key = methodKey(method)
  if (item[key] !== undefined) return false
  item[key] = op
  return true
}

/** Calls `fn` for every operation of the document. */
export function forEachOperation(doc: Doc, fn: (op: Doc, method: string, path: string) => void): void {
  const paths = isRecord(doc.paths) ? doc.paths : {}
  for (const [path, item] of Object.entries(paths)) {
    if (!isRecord(item)) continue
    for (const [method, op] of Object.entries(item)) if (METHODS.has(method) && isRecord(op)) fn(op, method, path)
  }
}

/** The security schemes object of the document (`securityDefinitions` in Swagger 2.0). */
export function securitySchemes(doc: Doc): Doc {
  if (doc.swagger !== undefined) return objectAt(doc, 'securityDefinitions')
  return objectAt(objectAt(doc, 'components'), 'securitySchemes')
}

/** A Lambda proxy integration (payload format 2.0 by default on HTTP APIs). */
export function lambdaProxy(uri: string, kind: 'rest' | 'http', payloadFormatVersion?: string): Doc {
  const integration: Doc = { type: 'aws_proxy', httpMethod: 'POST', uri }
  if (kind === 'http') integration.payloadFormatVersion = payloadFormatVersion ?? '2.0'
  else integration.passthroughBehavior = 'when_no_match'
  return integration
}

/** API Gateway's API key scheme (`x-api-key` header). */
export const API_KEY_SCHEME = 'api_key'
export const SIGV4_SCHEME = 'sigv4'

export function addApiKeyScheme(doc: Doc): void {
  securitySchemes(doc)[API_KEY_SCHEME] ??= { type: 'apiKey', name: 'x-api-key', in: 'header' }
}

export function addSigv4Scheme(doc: Doc): void {
  securitySchemes(doc)[SIGV4_SCHEME] ??= { type: 'apiKey', name: 'Authorization', in: 'header', 'x-amazon-apigateway-authtype': 'awsSigv4' }
}

/** Adds a requirement to an operation's security (one requirement object, several schemes all required). */
export function requireSecurity(op: Doc, scheme: string, scopes: string[] = []): void {
  const list = Array.isArray(op.security) ? op.security : []
  const first = isRecord(list[0]) ? list[0] : {}
  first[scheme] = scopes
  op.security = [first, ...list.slice(1)]
}

/** REST CORS as SAM writes it: an OPTIONS MOCK method on every path answering the preflight with these headers. */
export interface RestCors {
  allowOrigin: string
  allowMethods?: string
  allowHeaders?: string
  maxAge?: string
  allowCredentials?: boolean
}

export function addCorsPreflight(doc: Doc, cors: RestCors): void {
  const paths = isRecord(doc.paths) ? doc.paths : {}
  for (const item of Object.values(paths)) {
    if (!isRecord(item) || item.options !== undefined) continue
    const methods = Object.keys(item).filter((m) => METHODS.has(m)).map((m) => (m === 'x-amazon-apigateway-any-method' ? 'DELETE,GET,HEAD,OPTIONS,PATCH,POST,PUT' : m.toUpperCase()))
    const headers: Record<string, string> = { 'Access-Control-Allow-Origin': cors.allowOrigin }
    headers['Access-Control-Allow-Methods'] = cors.allowMethods ?? `'${[...new Set([...methods.join(',').split(','), 'OPTIONS'])].sort().join(',')}'`
    if (cors.allowHeaders !== undefined) headers['Access-Control-Allow-Headers'] = cors.allowHeaders
    if (cors.maxAge !== undefined) headers['Access-Control-Max-Age'] = cors.maxAge
    if (cors.allowCredentials === true) headers['Access-Control-Allow-Credentials'] = "'true'"
    const responseParameters: Record<string, string> = {}
    const responseHeaders: Record<string, unknown> = {}
    for (const [name, value] of Object.entries(headers)) {
      responseParameters[`method.response.header.${name}`] = value
      responseHeaders[name] = { schema: { type: 'string' } }
    }
    item.options = {
      summary: 'CORS support',
      responses: { '200': { description: 'Default response for CORS method', headers: responseHeaders } },
      'x-amazon-apigateway-integration': {
        type: 'mock',
        requestTemplates: { 'application/json': '{\n  "statusCode" : 200\n}\n' },
        responses: { default: { statusCode: '200', responseParameters, responseTemplates: { 'application/json': '{}\n' } } },
      },
    }
  }
}
