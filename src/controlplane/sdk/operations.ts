// What both SDK generators read from a stage's deployed REST API: one operation per method (ANY methods left
// out, as AWS's generator does), named as AWS names the JavaScript SDK's methods — the resource path in
// camelCase plus the verb (`GET /pets/{petId}` → `petsPetIdGet`, `GET /` → `rootGet`) — with its path,
// query and header parameters, its request and response models, and whether it needs an API key or SigV4.
// Names are made of ASCII letters and digits only, so any resource path gives a valid identifier.

import type { HttpMethod, Method, Model, RestApi } from '../../model/types.js'

export interface SdkParameter {
  /** The name as the API declares it (`petId`, `x-trace-id`): the key of the SDK's `params` object. */
  name: string
  required: boolean
}

export interface SdkOperation {
  /** AWS's method name: `petsPetIdGet`; unique within the API. */
  name: string
  verb: Exclude<HttpMethod, 'ANY'>
  /** The resource path template (`/pets/{petId}`, `/files/{proxy+}`). */
  path: string
  /** Every `{label}` of the path (greedy labels without the `+`), in order: always required. */
  pathParams: string[]
  queryParams: SdkParameter[]
  headerParams: SdkParameter[]
  apiKeyRequired: boolean
  authorizationType: Method['authorizationType']
  /** The request body's model for `application/json` (or the only one), by name. */
  requestModel?: string
  /** The model of the lowest 2xx method response for `application/json` (or its only one), by name. */
  responseModel?: string
}

const VERB_ORDER: ReadonlyArray<Exclude<HttpMethod, 'ANY'>> = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']

/** The words of a text: its runs of ASCII letters and digits. */
function words(text: string): string[] {
  return text.match(/[A-Za-z0-9]+/g) ?? []
}

/** `pets`, `petId`, `Get` → `petsPetIdGet`: the first word with a lower-case initial, the others capitalised. */
export function camelCase(parts: readonly string[]): string {
  return parts
    .filter((w) => w !== '')
    .map((w, i) => (i === 0 ? w.charAt(0).toLowerCase() : w.charAt(0).toUpperCase()) + w.slice(1))
    .join('')
}

/** A name that is a valid identifier: `_` before a leading digit; `fallback` when nothing is left. */
export function identifier(name: string, fallback: string): string {
  if (name === '') return fallback
  return /^[0-9]/.test(name) ? `_${name}` : name
}

/** AWS's JavaScript SDK method name for a method of a resource path: `/pets/{petId}` GET → `petsPetIdGet`. */
export function operationName(path: string, verb: string): string {
  const pathWords = words(path)
  const base = camelCase([...(pathWords.length > 0 ? pathWords : ['root']), verb.charAt(0) + verb.slice(1).toLowerCase()])
  return identifier(base, 'root')
}

/** Gives each name a number suffix (`2`, `3`…) when it is taken already. */
export class UniqueNames {
  readonly #taken: Set<string>
  constructor(reserved: Iterable<string> = []) {
    this.#taken = new Set(reserved)
  }
  take(name: string): string {
    let out = name
    for (let n = 2; this.#taken.has(out); n++) out = `${name}${n}`
    this.#taken.add(out)
    return out
  }
}

/** The labels of a path template: `/a/{b}/{c+}` → `['b', 'c']`. */
export function pathLabels(path: string): string[] {
  return [...path.matchAll(/\{([^{}]+)\}/g)].map((m) => m[1]!.replace(/\+$/, ''))
}

function jsonModel(models: Record<string, string>): string | undefined {
  const json = models['application/json']
  if (json !== undefined) return json
  const all = Object.values(models)
  return all.length === 1 ? all[0] : undefined
}

function responseModel(m: Method): string | undefined {
  const codes = Object.keys(m.methodResponses)
    .filter((c) => /^2\d\d$/.test(c))
    .sort()
  for (const code of codes) {
    const model = jsonModel(m.methodResponses[code]!.responseModels)
    if (model !== undefined) return model
  }
  return undefined
}

/** The API's operations, by resource path then verb (GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS). */
export function sdkOperations(api: RestApi): SdkOperation[] {
  const names = new UniqueNames()
  const resources = Object.values(api.resources).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
  const out: SdkOperation[] = []
  for (const resource of resources) {
    for (const verb of VERB_ORDER) {
      const m = resource.resourceMethods[verb]
      if (!m) continue
      const pathParams = pathLabels(resource.path)
      const queryParams: SdkParameter[] = []
      const headerParams: SdkParameter[] = []
      for (const [key, required] of Object.entries(m.requestParameters).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
        const p = /^method\.request\.(querystring|multivaluequerystring|header|multivalueheader)\.([\s\S]+)$/.exec(key)
        if (!p) continue
        const list = p[1]!.endsWith('querystring') ? queryParams : headerParams
        if (!list.some((x) => x.name === p[2])) list.push({ name: p[2]!, required })
      }
      const requestModel = jsonModel(m.requestModels)
      const response = responseModel(m)
      out.push({
        name: names.take(operationName(resource.path, verb)),
        verb,
        path: resource.path,
        pathParams,
        queryParams,
        headerParams,
        apiKeyRequired: m.apiKeyRequired,
        authorizationType: m.authorizationType,
        ...(requestModel !== undefined ? { requestModel } : {}),
        ...(response !== undefined ? { responseModel: response } : {}),
      })
    }
  }
  return out
}

/** The models the API defines, by name. */
export function sdkModels(api: RestApi): Map<string, Model> {
  return new Map(Object.values(api.models).map((m) => [m.name, m]))
}
