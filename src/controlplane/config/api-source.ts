// Where an API comes from: an OpenAPI file or an inline definition, imported by the OpenAPI importer, then the
// config file's API-level overrides (name, binaryMediaTypes, gatewayResponses, cors, policy, endpointType)
// laid on top.

import { ConfigError } from '../../errors.js'
import type { ConfigProblem } from '../../errors.js'
import type { Api, GatewayResponseType } from '../../model/types.js'
import { parseDefinition } from '../openapi/parse.js'
import { importOpenApi } from '../openapi/import.js'
import { compilePolicy, PolicyError } from '../../auth/policy.js'
import type { ApiDecl } from './config-file.js'
import { isRecord } from './config-file.js'
import { OPENAPI_FILE_LIMIT, readBoundedText, tooLargeMessage } from './limits.js'

/** Where something is in the user's sources, for problems. */
export interface Where {
  file?: string
  path: string
}

function at(where: Where, path: string, message: string): ConfigProblem {
  return where.file === undefined ? { path, message } : { file: where.file, path, message }
}

/** The problem of an OpenAPI file over OPENAPI_FILE_LIMIT (API Gateway's own limit on imported definitions). */
export function openApiTooLarge(display: string, size: number, limit: number): ConfigProblem {
  const advice = 'API Gateway imports definitions of at most 6 MB too (ImportRestApi, PutRestApi); split the API, or move large schemas, templates and descriptions out of the file'
  return { file: display, path: '', message: tooLargeMessage('OpenAPI file', size, limit, advice) }
}

/**
 * Reads and parses an OpenAPI file. A file that can't be read is a problem at `namedAt`, the place that
 * names it (a config-file key or a CLI flag); a file over OPENAPI_FILE_LIMIT (refused from its size, before
 * it is read) and syntax problems belong to the file itself.
 */
export async function readDefinitionFile(absPath: string, display: string, namedAt: Where): Promise<{ doc?: unknown; problems: ConfigProblem[] }> {
  const read = await readBoundedText(absPath, OPENAPI_FILE_LIMIT)
  if ('error' in read) return { problems: [at(namedAt, namedAt.path, `cannot read the OpenAPI file ${display}: ${read.error}`)] }
  if ('tooLarge' in read) return { problems: [openApiTooLarge(display, read.tooLarge.size, read.tooLarge.limit)] }
  try {
    return { doc: parseDefinition(read.text, display), problems: [] }
  } catch (err) {
    return { problems: problemsOf(err, { file: display, path: '' }) }
  }
}

/** `info.title` of an OpenAPI document, if it has one. */
export function titleOf(doc: unknown): string | undefined {
  if (!isRecord(doc) || !isRecord(doc.info)) return undefined
  const title = doc.info.title
  return typeof title === 'string' && title.trim() !== '' ? title : undefined
}

export interface ImportRequest {
  kind: 'REST' | 'HTTP'
  id: string
  basepath?: 'ignore' | 'prepend' | 'split'
  createdDate: string
  /** The OpenAPI file's display name; absent for an inline definition. */
  file?: string
  /** For an inline definition: where it sits in the config file; importer paths are re-rooted there. */
  inline?: Where
}

/** Imports a parsed document; never throws: importer problems and warnings come back located. */
export function importDefinition(doc: unknown, req: ImportRequest): { api?: Api; problems: ConfigProblem[]; warnings: ConfigProblem[] } {
  const relocate = (p: ConfigProblem): ConfigProblem =>
    req.inline
      ? at(req.inline, req.inline.path + (p.path === '/' ? '' : p.path), p.message)
      : p.file === undefined && req.file !== undefined ? { ...p, file: req.file } : p
  try {
    const result = importOpenApi(doc, {
      kind: req.kind,
      id: req.id,
      ...(req.file !== undefined ? { file: req.file } : {}),
      ...(req.basepath !== undefined ? { basepath: req.basepath } : {}),
      createdDate: req.createdDate,
    })
    return { api: result.api, problems: [], warnings: result.warnings.map(relocate) }
  } catch (err) {
    const fallback: Where = req.inline ?? (req.file !== undefined ? { file: req.file, path: '' } : { path: '' })
    return { problems: err instanceof ConfigError ? err.problems.map(relocate) : problemsOf(err, fallback), warnings: [] }
  }
}

function problemsOf(err: unknown, where: Where): ConfigProblem[] {
  if (err instanceof ConfigError) return err.problems.map((p) => (p.file === undefined && where.file !== undefined ? { ...p, file: where.file } : p))
  return [at(where, where.path, `cannot import the definition: ${err instanceof Error ? err.message : String(err)}`)]
}

/**
 * Checks the API-level fields of a config entry that depend on the API type: `binaryMediaTypes` and
 * `gatewayResponses` exist only on REST APIs, `cors` only on HTTP APIs (REST CORS is OPTIONS methods and
 * gateway responses, §19.1).
 */
export function checkApiDecl(decl: ApiDecl, kind: 'REST' | 'HTTP', where: Where): { problems: ConfigProblem[]; warnings: ConfigProblem[] } {
  const problems: ConfigProblem[] = []
  const warnings: ConfigProblem[] = []
  const p = where.path
  if (kind === 'HTTP') {
    if (decl.binaryMediaTypes !== undefined) problems.push(at(where, `${p}/binaryMediaTypes`, 'binaryMediaTypes apply to REST APIs only; HTTP APIs pass bodies through as they are'))
    if (decl.gatewayResponses !== undefined) problems.push(at(where, `${p}/gatewayResponses`, 'gatewayResponses apply to REST APIs only'))
    if (decl.policy !== undefined) problems.push(at(where, `${p}/policy`, 'resource policies apply to REST APIs only (§7.6)'))
    if (decl.endpointType !== undefined) problems.push(at(where, `${p}/endpointType`, 'endpointType applies to REST APIs only'))
  } else {
    if (isRecord(decl.policy)) {
      try {
        compilePolicy(decl.policy)
      } catch (err) {
        if (!(err instanceof PolicyError)) throw err
        for (const pp of err.problems) problems.push(at(where, `${p}/policy${pp.path}`, pp.message))
      }
    }
    if (decl.cors !== undefined) problems.push(at(where, `${p}/cors`, 'cors applies to HTTP APIs only; on a REST API declare OPTIONS methods (and CORS headers on a DEFAULT_4XX gateway response) in the OpenAPI document'))
    if (isRecord(decl.gatewayResponses) && decl.gatewayResponses.REQUEST_TOO_LARGE !== undefined) {
      warnings.push(at(where, `${p}/gatewayResponses/REQUEST_TOO_LARGE`, 'AWS does not let REQUEST_TOO_LARGE be customised (§6.1); this entry may have no effect'))
    }
  }
  const cors = decl.cors
  // §3.9 [K]: credentials with a `*` origin is refused, as browsers refuse it; we reject rather than serve it.
  if (kind === 'HTTP' && isRecord(cors) && cors.allowCredentials === true && Array.isArray(cors.allowOrigins) && cors.allowOrigins.includes('*')) {
    problems.push(at(where, `${p}/cors/allowCredentials`, 'allowCredentials cannot be combined with allowOrigins "*"; list the origins'))
  }
  return { problems, warnings }
}

/**
 * Lays a config entry's overrides over an imported API. `binaryMediaTypes` replaces the document's list;
 * each `gatewayResponses` entry replaces the document's response of that type (types not named are kept);
 * `cors` replaces the document's `x-amazon-apigateway-cors`; `policy` its `x-amazon-apigateway-policy`;
 * `endpointType` sets the REST endpoint type.
 */
export function applyApiOverrides(api: Api, decl: ApiDecl): void {
  if (typeof decl.name === 'string') api.name = decl.name
  if (api.kind === 'REST') {
    if (isRecord(decl.policy)) api.policy = structuredClone(decl.policy)
    if (decl.endpointType !== undefined) api.endpointConfiguration = { ...api.endpointConfiguration, types: [decl.endpointType] }
    if (Array.isArray(decl.binaryMediaTypes)) api.binaryMediaTypes = [...decl.binaryMediaTypes]
    if (isRecord(decl.gatewayResponses)) {
      const merged = { ...api.gatewayResponses }
      for (const [type, gr] of Object.entries(decl.gatewayResponses)) {
        // Ill-typed entries were reported by the schema check (the whole config is refused); skip them here.
        if (!isRecord(gr)) continue
        const responseType = type as GatewayResponseType
        merged[responseType] = {
          responseType,
          ...(gr.statusCode !== undefined ? { statusCode: gr.statusCode } : {}),
          responseParameters: isRecord(gr.responseParameters) ? { ...gr.responseParameters } : {},
          responseTemplates: isRecord(gr.responseTemplates) ? { ...gr.responseTemplates } : {},
        }
      }
      api.gatewayResponses = merged
    }
  } else if (isRecord(decl.cors)) {
    api.corsConfiguration = { ...decl.cors }
  }
}
