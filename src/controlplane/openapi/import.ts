// OpenAPI 3.0.x / Swagger 2.0 import entry point: checks the document's version and info, resolves AWS
// pseudo parameters and hands over to the REST or HTTP API importer. All problems are reported at once.

import { ConfigError, type ConfigProblem } from '../../errors.js'
import type { HttpApi, RestApi } from '../../model/types.js'
import { ImportContext, isObj, substitutePseudoParameters } from './context.js'
import { checkDocumentShape } from '../config/limits.js'
import { importHttpApi } from './http.js'
import { basePathPrefix, type BasePathMode } from './paths.js'
import { importRestApi, type ApiBasics } from './rest.js'

export interface ImportOptions {
  kind: 'REST' | 'HTTP'
  /** The API id to use (the caller makes it stable). Resource, route, model… ids derive from it. */
  id: string
  /** The file the document came from, for problem messages. */
  file?: string
  /** What to do with the document's base path (§12.1). Default 'ignore'. */
  basepath?: 'ignore' | 'prepend' | 'split'
  /** For `${AWS::Region}` (and `${AWS::Partition}`). Default 'us-east-1'. */
  region?: string
  /** For `${AWS::AccountId}`. Default '000000000000'. */
  accountId?: string
  /** ISO date for `createdDate`. Default: now. */
  createdDate?: string
}

export interface ImportResult {
  api: RestApi | HttpApi
  /** Constructs that were ignored (AWS's import warnings). */
  warnings: ConfigProblem[]
}

const BASEPATH_MODES: readonly BasePathMode[] = ['ignore', 'prepend', 'split']

/**
 * Turns a parsed OpenAPI 3.0.x or Swagger 2.0 document (with `x-amazon-apigateway-*` extensions) into a
 * RestApi or an HttpApi. Ids are derived from `opts.id`, so importing the same document twice gives the
 * same objects. Throws ConfigError listing every problem found, each with a JSON pointer into the document.
 *
 * @example
 * const { api, warnings } = importOpenApi(parseDefinition(text, file), { kind: 'REST', id: 'a1b2c3d4e5', file })
 */
export function importOpenApi(doc: unknown, opts: ImportOptions): ImportResult {
  if (opts.kind !== 'REST' && opts.kind !== 'HTTP') throw new TypeError(`importOpenApi: kind must be 'REST' or 'HTTP'`)
  if (typeof opts.id !== 'string' || opts.id === '') throw new TypeError('importOpenApi: id must be a non-empty string')
  const mode = opts.basepath ?? 'ignore'
  if (!BASEPATH_MODES.includes(mode)) throw new TypeError(`importOpenApi: basepath must be one of ${BASEPATH_MODES.join(', ')}`)

  if (!isObj(doc)) {
    const problem: ConfigProblem = { path: '/', message: 'The definition must be a JSON or YAML object (an OpenAPI 3.0 or Swagger 2.0 document)' }
    if (opts.file !== undefined) problem.file = opts.file
    throw new ConfigError([problem])
  }
  // The importer walks the document recursively: a document that nests too deeply, or (from YAML aliases)
  // contains itself, is refused here with the path where it does, whoever parsed it.
  const shape = checkDocumentShape(doc)
  if (shape !== undefined) {
    const problem: ConfigProblem = { path: shape.path, message: shape.message }
    if (opts.file !== undefined) problem.file = opts.file
    throw new ConfigError([problem])
  }
  const resolved = substitutePseudoParameters(doc, opts.region ?? 'us-east-1', opts.accountId ?? '000000000000') as Record<string, unknown>
  const ctx = new ImportContext(resolved, opts.file)

  let oas3: boolean
  if (resolved.openapi !== undefined) {
    oas3 = true
    const v = resolved.openapi
    if (typeof v !== 'string' || !/^3\.0(\.\d+)?$/.test(v)) {
      ctx.problem('/openapi', `Unsupported OpenAPI version ${JSON.stringify(v)}: API Gateway imports OpenAPI 3.0.x and Swagger 2.0`)
    }
  } else if (resolved.swagger !== undefined) {
    oas3 = false
    // An unquoted YAML `swagger: 2.0` reads as the number 2.
    if (resolved.swagger !== '2.0' && resolved.swagger !== 2) {
      ctx.problem('/swagger', `Unsupported Swagger version ${JSON.stringify(resolved.swagger)}: API Gateway imports OpenAPI 3.0.x and Swagger 2.0`)
    }
  } else {
    oas3 = isObj(resolved.components)
    ctx.problem('/', "Not an OpenAPI definition: it has neither an 'openapi' (3.0.x) nor a 'swagger' (2.0) field")
  }

  const info = ctx.object(resolved, 'info', '', true)
  const basics: ApiBasics = { id: opts.id, name: '', createdDate: opts.createdDate ?? new Date().toISOString(), oas3, prefix: [] }
  if (info !== undefined) {
    const title = ctx.text(info, 'title', '/info')
    if (title === undefined || title.trim() === '') ctx.problem('/info/title', 'info.title is required: it becomes the API name')
    else basics.name = title
    const description = ctx.text(info, 'description', '/info')
    if (description !== undefined) basics.description = description
    const version = ctx.text(info, 'version', '/info')
    if (version !== undefined) basics.version = version
  }
  basics.prefix = basePathPrefix(ctx, resolved, oas3, mode, opts.kind)

  const api = opts.kind === 'REST' ? importRestApi(ctx, resolved, basics) : importHttpApi(ctx, resolved, basics)
  if (ctx.problems.length > 0) throw new ConfigError(ctx.problems)
  return { api, warnings: ctx.warnings }
}
