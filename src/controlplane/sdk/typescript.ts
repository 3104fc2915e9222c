// The `typescript` SDK (a Gatehouse extension to AWS's SDK types): a zip with `client.ts` — an ES module
// with no dependencies, one typed method per API method (named as the JavaScript SDK names them), `fetch`
// for transport, the API key option, and optional SigV4 signing through Web Crypto — and `README.md`.
// Body and response types come from the API's models (JSON Schema draft 4): objects, arrays, enums,
// `required`, `$ref` to other models, anyOf/oneOf/allOf; anything else is `unknown`.

import type { Model, RestApi } from '../../model/types.js'
import { identifier, sdkModels, sdkOperations, UniqueNames, type SdkOperation, type SdkParameter } from './operations.js'
import type { ZipEntry } from './zip.js'

/** Names client.ts itself uses or TypeScript predefines: a model of such a name gets a `Model` suffix. */
const RESERVED = [
  'Client', 'ClientConfig', 'ApiResponse', 'ApiError', 'RequestOptions', 'Credentials',
  'Array', 'ArrayBuffer', 'Boolean', 'Date', 'Error', 'Function', 'Headers', 'JSON', 'Map', 'Math', 'Number', 'Object',
  'Partial', 'Promise', 'Readonly', 'Record', 'RegExp', 'Response', 'Set', 'String', 'Symbol', 'TextEncoder', 'URL',
  'URLSearchParams', 'Uint8Array', 'any', 'bigint', 'boolean', 'never', 'null', 'number', 'object', 'string', 'symbol',
  'undefined', 'unknown', 'void', 'crypto', 'fetch',
]
/** Deeper inline schemas become `unknown` (a `$ref` starts over): the generator never runs away on a hostile model. */
const MAX_DEPTH = 24

/** A model name as a type name: letters, digits and `_` only. */
function typeNameOf(modelName: string): string {
  const cleaned = modelName.replace(/[^A-Za-z0-9_]+/g, '_')
  return identifier(cleaned, 'Model')
}

const PROPERTY_NAME = /^[A-Za-z_$][A-Za-z0-9_$]*$/

/** The model a `$ref` names: `https://apigateway.amazonaws.com/restapis/{id}/models/Pet`, `#/definitions/Pet`, `Pet`. */
function refName(ref: string): string {
  const hit = /(?:\/models\/|#\/definitions\/|#\/components\/schemas\/)([^/]+)$/.exec(ref)
  return decodeURIComponent(hit ? hit[1]! : ref)
}

class SchemaTypes {
  readonly #names = new Map<string, string>()
  constructor(models: Map<string, Model>) {
    const unique = new UniqueNames(RESERVED)
    for (const name of [...models.keys()].sort()) {
      let type = typeNameOf(name)
      if (RESERVED.includes(type)) type += 'Model'
      this.#names.set(name, unique.take(type))
    }
  }

  /** The type name of a model, or undefined when the API has no such model. */
  nameOf(model: string): string | undefined {
    return this.#names.get(model)
  }

  /** The TypeScript type of a JSON Schema. */
  typeOf(schema: unknown, depth = 0): string {
    if (depth > MAX_DEPTH || typeof schema !== 'object' || schema === null || Array.isArray(schema)) return 'unknown'
    const s = schema as Record<string, unknown>
    if (typeof s.$ref === 'string') return this.nameOf(refName(s.$ref)) ?? 'unknown'
    if (Array.isArray(s.enum)) {
      const literals = s.enum.map((v) => (v === null || ['string', 'number', 'boolean'].includes(typeof v) ? JSON.stringify(v) : undefined))
      return literals.length > 0 && literals.every((l) => l !== undefined) ? literals.join(' | ') : 'unknown'
    }
    for (const [key, join] of [['anyOf', ' | '], ['oneOf', ' | '], ['allOf', ' & ']] as const) {
      const parts = s[key]
      if (Array.isArray(parts) && parts.length > 0) return parts.map((p) => `(${this.typeOf(p, depth + 1)})`).join(join)
    }
    const types = Array.isArray(s.type) ? s.type : s.type === undefined ? (s.properties !== undefined ? ['object'] : []) : [s.type]
    if (types.length === 0) return 'unknown'
    const out = types.map((t) => this.#typeOfKind(t, s, depth))
    return out.includes('unknown') ? 'unknown' : out.join(' | ')
  }

  #typeOfKind(kind: unknown, s: Record<string, unknown>, depth: number): string {
    switch (kind) {
      case 'string':
        return 'string'
      case 'number':
      case 'integer':
        return 'number'
      case 'boolean':
        return 'boolean'
      case 'null':
        return 'null'
      case 'array':
        return `Array<${this.typeOf(s.items, depth + 1)}>`
      case 'object':
        return this.#objectType(s, depth)
      default:
        return 'unknown'
    }
  }

  #objectType(s: Record<string, unknown>, depth: number): string {
    const props = typeof s.properties === 'object' && s.properties !== null && !Array.isArray(s.properties) ? (s.properties as Record<string, unknown>) : {}
    const required = new Set(Array.isArray(s.required) ? s.required.filter((r): r is string => typeof r === 'string') : [])
    const indent = '  '.repeat(depth + 1)
    const members = Object.entries(props).map(([name, p]) => {
      const key = PROPERTY_NAME.test(name) ? name : JSON.stringify(name)
      return `${indent}${key}${required.has(name) ? '' : '?'}: ${this.typeOf(p, depth + 1)}\n`
    })
    const extra = s.additionalProperties
    if (members.length === 0) {
      if (typeof extra === 'object' && extra !== null) return `Record<string, ${this.typeOf(extra, depth + 1)}>`
      return 'Record<string, unknown>'
    }
    return `{\n${members.join('')}${'  '.repeat(depth)}}`
  }
}

// Text for a comment: without anything that would end it (a star-slash, line terminators, U+2028/2029 included).
function doc(text: string): string {
  return text.replace(/\*\//g, '* /').replace(/[\r\n\u2028\u2029]+/g, ' ')
}

const PARAM_KEY = (name: string): string => (PROPERTY_NAME.test(name) ? name : JSON.stringify(name))

function paramsType(op: SdkOperation): { type: string; required: boolean } {
  const members: Array<{ name: string; required: boolean }> = [
    ...op.pathParams.map((name) => ({ name, required: true })),
    ...op.queryParams,
    ...op.headerParams,
  ]
  const seen = new Set<string>()
  const unique = members.filter((m) => (seen.has(m.name) ? false : (seen.add(m.name), true)))
  if (unique.length === 0) return { type: 'Record<string, never>', required: false }
  return {
    type: `{ ${unique.map((m) => `${PARAM_KEY(m.name)}${m.required ? '' : '?'}: string`).join('; ')} }`,
    required: unique.some((m) => m.required),
  }
}

const names = (params: readonly SdkParameter[] | readonly string[]): string => JSON.stringify(params.map((p) => (typeof p === 'string' ? p : p.name)))

function methodCode(op: SdkOperation, types: SchemaTypes): string {
  const params = paramsType(op)
  const bodyType = op.requestModel !== undefined ? (types.nameOf(op.requestModel) ?? 'unknown') : undefined
  const takesBody = bodyType !== undefined || ['POST', 'PUT', 'PATCH', 'DELETE'].includes(op.verb)
  const responseType = op.responseModel !== undefined ? (types.nameOf(op.responseModel) ?? 'unknown') : 'unknown'
  const paramsRequired = params.required || bodyType !== undefined
  const args = [`params: ${params.type}${paramsRequired ? '' : ' = {}'}`]
  if (takesBody) args.push(bodyType !== undefined ? `body: ${bodyType}` : 'body?: unknown')
  args.push('options: RequestOptions = {}')
  const notes = [`\`${op.verb} ${op.path}\``]
  if (op.apiKeyRequired) notes.push('needs an API key')
  if (op.authorizationType === 'AWS_IAM') notes.push('needs SigV4 credentials')
  return `
  /** ${doc(notes.join('; '))} */
  ${op.name}(${args.join(', ')}): Promise<ApiResponse<${responseType}>> {
    const p: Record<string, string | undefined> = params
    return this.#send<${responseType}>(${JSON.stringify(op.verb)}, ${JSON.stringify(op.path)}, p, ${names(op.queryParams)}, ${names(op.headerParams)}, ${takesBody ? 'body' : 'undefined'}, options)
  }
`
}

/** `client.ts` for the API's operations and models, calling `invokeUrl` unless the config names another. */
export function clientTs(api: RestApi, invokeUrl: string): string {
  const operations = sdkOperations(api)
  const models = sdkModels(api)
  const types = new SchemaTypes(models)
  const modelTypes = [...models.keys()].sort().map((name) => {
    const model = models.get(name)!
    const type = types.typeOf(model.schema)
    const head = `/** Model ${doc(name)}${model.description ? `: ${doc(model.description)}` : ''} */\n`
    return `${head}export type ${types.nameOf(name)!} = ${type}\n`
  })
  return `// A typed client for the API ${doc(api.name)}, generated by Gatehouse. An ES module without dependencies:
// it needs fetch, and crypto.subtle for SigV4 (browsers, Node.js 20, Deno, Bun).

${modelTypes.join('\n')}
export interface Credentials {
  accessKeyId: string
  secretAccessKey: string
  sessionToken?: string
}

export interface ClientConfig {
  /** The stage's URL (default: the URL it had when this client was generated). */
  invokeUrl?: string
  /** Sent as \`x-api-key\`. */
  apiKey?: string
  /** Signs every request with SigV4 (service execute-api), for AWS_IAM methods. */
  credentials?: Credentials
  /** The region of the signature (default us-east-1). */
  region?: string
  /** Headers sent with every request. */
  headers?: Record<string, string>
  /** The fetch to use (default: the global one). */
  fetch?: typeof fetch
}

export interface RequestOptions {
  headers?: Record<string, string>
  queryParams?: Record<string, string>
}

export interface ApiResponse<T> {
  status: number
  headers: Headers
  /** The body, parsed as JSON when it is JSON, else the text. */
  data: T
}

/** A response whose status is not 2xx. */
export class ApiError extends Error {
  readonly status: number
  readonly headers: Headers
  readonly data: unknown
  constructor(status: number, headers: Headers, data: unknown) {
    super(\`Request failed with status code \${status}\`)
    this.name = 'ApiError'
    this.status = status
    this.headers = headers
    this.data = data
  }
}

const INVOKE_URL = ${JSON.stringify(invokeUrl)}

function encode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase())
}

function hex(buffer: ArrayBuffer): string {
  return [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, '0')).join('')
}

async function sha256(text: string): Promise<string> {
  return hex(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)))
}

async function hmac(key: string | ArrayBuffer, data: string): Promise<ArrayBuffer> {
  const raw = typeof key === 'string' ? new TextEncoder().encode(key) : key
  const k = await crypto.subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
  return crypto.subtle.sign('HMAC', k, new TextEncoder().encode(data))
}

export class Client {
  readonly #config: ClientConfig
  readonly #base: URL

  constructor(config: ClientConfig = {}) {
    this.#config = config
    this.#base = new URL((config.invokeUrl ?? INVOKE_URL).replace(/\\/+$/, ''))
  }
${operations.map((op) => methodCode(op, types)).join('')}
  async #send<T>(verb: string, template: string, params: Record<string, string | undefined>, query: string[], headerNames: string[], body: unknown, options: RequestOptions): Promise<ApiResponse<T>> {
    const path = template.replace(/\\{([^{}]+)\\}/g, (_whole, label: string) => {
      const greedy = label.endsWith('+')
      const value = params[greedy ? label.slice(0, -1) : label]
      if (value === undefined) throw new Error(\`\${label} must be defined\`)
      return greedy ? value.split('/').map(encode).join('/') : encode(value)
    })
    const pairs: Array<[string, string]> = []
    for (const name of query) if (params[name] !== undefined) pairs.push([encode(name), encode(params[name]!)])
    for (const [name, value] of Object.entries(options.queryParams ?? {})) pairs.push([encode(name), encode(value)])
    pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
    const queryString = pairs.map(([k, v]) => \`\${k}=\${v}\`).join('&')
    const fullPath = this.#base.pathname.replace(/\\/+$/, '') + path
    const headers: Record<string, string> = { Accept: 'application/json', ...this.#config.headers }
    for (const name of headerNames) if (params[name] !== undefined) headers[name] = params[name]!
    Object.assign(headers, options.headers)
    let text: string | undefined
    if (body !== undefined && body !== null) {
      text = typeof body === 'string' ? body : JSON.stringify(body)
      if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['Content-Type'] = 'application/json'
    }
    if (this.#config.apiKey !== undefined) headers['x-api-key'] = this.#config.apiKey
    if (this.#config.credentials) Object.assign(headers, await this.#sign(verb, fullPath, queryString, text ?? ''))
    const url = this.#base.origin + fullPath + (queryString === '' ? '' : '?' + queryString)
    const res = await (this.#config.fetch ?? fetch)(url, { method: verb, headers, ...(text !== undefined ? { body: text } : {}) })
    const raw = await res.text()
    let data: unknown = raw
    if (raw !== '') {
      try {
        data = JSON.parse(raw)
      } catch {
        data = raw
      }
    }
    if (res.status < 200 || res.status > 299) throw new ApiError(res.status, res.headers, data)
    return { status: res.status, headers: res.headers, data: data as T }
  }

  async #sign(verb: string, path: string, query: string, body: string): Promise<Record<string, string>> {
    const { accessKeyId, secretAccessKey, sessionToken } = this.#config.credentials!
    const region = this.#config.region ?? 'us-east-1'
    const datetime = new Date().toISOString().replace(/[:-]|\\.\\d{3}/g, '')
    const date = datetime.slice(0, 8)
    const signed: Record<string, string> = { host: this.#base.host, 'x-amz-date': datetime }
    if (sessionToken) signed['x-amz-security-token'] = sessionToken
    const names = Object.keys(signed).sort()
    const canonical = [
      verb,
      path.split('/').map(encode).join('/') || '/',
      query,
      names.map((n) => \`\${n}:\${signed[n]!.trim()}\\n\`).join(''),
      names.join(';'),
      await sha256(body),
    ].join('\\n')
    const scope = \`\${date}/\${region}/execute-api/aws4_request\`
    const stringToSign = ['AWS4-HMAC-SHA256', datetime, scope, await sha256(canonical)].join('\\n')
    let key = await hmac('AWS4' + secretAccessKey, date)
    for (const part of [region, 'execute-api', 'aws4_request']) key = await hmac(key, part)
    const signature = hex(await hmac(key, stringToSign))
    const out: Record<string, string> = {
      'x-amz-date': datetime,
      Authorization: \`AWS4-HMAC-SHA256 Credential=\${accessKeyId}/\${scope}, SignedHeaders=\${names.join(';')}, Signature=\${signature}\`,
    }
    if (sessionToken) out['x-amz-security-token'] = sessionToken
    return out
  }
}
`
}

function readme(api: RestApi, stageName: string, invokeUrl: string): string {
  const operations = sdkOperations(api)
  return [
    `# TypeScript client for ${api.name.replace(/[\r\n]+/g, ' ')} (stage ${stageName})`,
    '',
    `Generated by Gatehouse. \`client.ts\` is one ES module without dependencies; it calls ${invokeUrl}.`,
    '',
    '```ts',
    "import { Client, ApiError } from './client.js'",
    "const client = new Client({ apiKey: 'API_KEY' }) // credentials: { accessKeyId, secretAccessKey } signs with SigV4",
    ...(operations[0] ? [`const res = await client.${operations[0].name}(${operations[0].pathParams.length > 0 ? '{ … }' : ''})`, '// res.status, res.data (typed from the response model); a non-2xx status throws ApiError'] : []),
    '```',
    '',
    '## Methods',
    '',
    ...operations.map((op) => `- \`${op.name}\`: \`${op.verb} ${op.path}\``),
    '',
  ].join('\n')
}

/** The archive's entries: `client.ts` and `README.md`. */
export function typescriptSdk(api: RestApi, stageName: string, invokeUrl: string): ZipEntry[] {
  return [
    { name: 'client.ts', data: clientTs(api, invokeUrl) },
    { name: 'README.md', data: readme(api, stageName, invokeUrl) },
  ]
}
