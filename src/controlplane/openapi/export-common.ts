// What the REST and HTTP API exporters share: the error they throw, the server URL of a stage, date formats
// for info.version, and small helpers that keep exported objects free of empty members.

/** A JSON object of an exported document. */
export type JsonObject = Record<string, unknown>

/** An export request AWS would refuse (an unknown export type, extension or media type). */
export class ExportError extends Error {
  /** The AWS exception the control plane answers with. */
  readonly code = 'BadRequestException' as const
  constructor(message: string) {
    super(message)
    this.name = 'ExportError'
  }
}

/** Where an exported document says the API is served. */
export interface ServerOptions {
  /** For AWS's host form `{apiId}.execute-api.{region}.amazonaws.com`. Default `us-east-1`. */
  region?: string
  /**
   * The API's own base URL, without the stage (e.g. `http://a1b2c3d4e5.execute-api.localhost:8080`). When
   * given it replaces AWS's host, so that the document points at this gateway rather than at AWS.
   */
  baseUrl?: string
}

/** The base URL without a trailing slash: `baseUrl`, or AWS's `https://{apiId}.execute-api.{region}.amazonaws.com`. */
export function serverBase(apiId: string, opts: ServerOptions): URL {
  const raw = opts.baseUrl ?? `https://${apiId}.execute-api.${opts.region ?? 'us-east-1'}.amazonaws.com`
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new ExportError(`Invalid base URL '${raw}': it must be an absolute http or https URL`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ExportError(`Invalid base URL '${raw}': it must be an absolute http or https URL`)
  url.search = ''
  url.hash = ''
  url.pathname = url.pathname.replace(/\/+$/, '')
  return url
}

/** `scheme://host[:port][/path]` of a base URL, without a trailing slash. */
export function baseText(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname === '/' ? '' : url.pathname}`
}

/**
 * An OpenAPI 3 `servers` entry as AWS writes it [REC test_export_oas30_openapi]: the stage is the default of a
 * `basePath` variable, without a leading slash.
 */
export function oas3Server(base: URL, stageName: string): JsonObject {
  return { url: `${baseText(base)}/{basePath}`, variables: { basePath: { default: stageName } } }
}

function validDate(iso: string): Date {
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) throw new ExportError(`Invalid date '${iso}'`)
  return d
}

/** `2025-05-06T18:20:24Z`: a REST export's info.version when the API has none (seconds, no milliseconds). */
export function restVersionDate(iso: string): string {
  return validDate(iso).toISOString().replace(/\.\d{3}Z$/, 'Z')
}

/** `2025-05-06 18:20:24UTC`: an HTTP API export's info.version when the API has none [K]. */
export function httpVersionDate(iso: string): string {
  return validDate(iso).toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, 'UTC')
}

/** The members of `o` whose values are neither undefined nor an empty object or list. */
export function compact(o: JsonObject): JsonObject {
  const out: JsonObject = {}
  for (const [k, v] of Object.entries(o)) {
    if (v === undefined) continue
    if (Array.isArray(v) ? v.length === 0 : typeof v === 'object' && v !== null && Object.keys(v).length === 0) continue
    out[k] = v
  }
  return out
}

/** A copy of a string map (exported documents never share objects with the model they come from). */
export function copyMap<T>(m: Record<string, T> | undefined): Record<string, T> | undefined {
  return m === undefined ? undefined : { ...m }
}

/**
 * Hands out security scheme names: each wanted name once, the first asker keeping it; a later asker of a
 * taken name gets `name_2`, `name_3`… (an authorizer named `sigv4` keeps its name, the IAM scheme moves).
 */
export class SchemeNames {
  readonly #taken = new Set<string>()

  claim(wanted: string): string {
    let name = wanted
    for (let n = 2; this.#taken.has(name); n++) name = `${wanted}_${n}`
    this.#taken.add(name)
    return name
  }
}

/** A path's `{name}` and `{name+}` variables, in order, with their names as written (`proxy+` keeps its `+`). */
export function pathVariables(path: string): string[] {
  const out: string[] = []
  for (const seg of path.split('/')) {
    const m = /^\{([^{}]+)\}$/.exec(seg)
    if (m) out.push(m[1]!)
  }
  return out
}

/** The key of each method's operation in a path item, as AWS writes it (`ANY` is an extension). */
export const OPERATION_KEY: Readonly<Record<string, string>> = {
  GET: 'get',
  PUT: 'put',
  POST: 'post',
  DELETE: 'delete',
  OPTIONS: 'options',
  HEAD: 'head',
  PATCH: 'patch',
  ANY: 'x-amazon-apigateway-any-method',
}
