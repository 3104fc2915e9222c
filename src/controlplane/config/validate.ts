// `gatehouse validate FILE...`: checks config files and OpenAPI documents without serving anything, and
// returns every problem found in every file.

import { dirname, isAbsolute, relative, resolve } from 'node:path'
import { ConfigError } from '../../errors.js'
import type { ConfigProblem } from '../../errors.js'
import { parseDefinition } from '../openapi/parse.js'
import { isRecord, parseYamlText } from './config-file.js'
import { importDefinition, openApiTooLarge, titleOf } from './api-source.js'
import { CONFIG_FILE_LIMIT, OPENAPI_FILE_LIMIT, readBoundedText, tooLargeMessage } from './limits.js'
import { apiIdFor, loadDesiredState } from './desired.js'
import { readTemplate, type IgnoredResource } from '../template/index.js'

export interface ValidateOptions {
  /** Validate OpenAPI documents as this API type instead of detecting it. */
  kind?: 'REST' | 'HTTP'
  /** Directory relative file names resolve against (default: `process.cwd()`). */
  cwd?: string
}

/**
 * For `gatehouse validate FILE...`: each file is a config file or an OpenAPI document (detected by content:
 * an `openapi` or `swagger` key). Returns every problem, [] when all are valid.
 *
 * OpenAPI documents validate as `opts.kind`; without it, as guessed by {@link detectApiKind} (REST unless
 * the document holds something only HTTP APIs have).
 */
export async function validateFiles(files: string[], opts: ValidateOptions = {}): Promise<ConfigProblem[]> {
  return (await checkFiles(files, opts)).problems
}

/** How an OpenAPI document given to `gatehouse validate` was read: as the caller said, or guessed. */
export interface KindDecision {
  file: string
  kind: 'REST' | 'HTTP'
  /** False when `opts.kind` said it. */
  guessed: boolean
  /** For a guess: what it was based on, e.g. "no HTTP-API-only extension found". */
  basis?: string
}

export interface CheckResult {
  problems: ConfigProblem[]
  /** Ignored constructs and settings that match nothing: the files are still valid. */
  warnings: ConfigProblem[]
  /** One entry per OpenAPI document (config files say the type of each API themselves). */
  kinds: KindDecision[]
}

/** Like {@link validateFiles}, with the warnings and the API type each OpenAPI document was validated as. */
export async function checkFiles(files: string[], opts: ValidateOptions = {}): Promise<CheckResult> {
  const cwd = resolve(opts.cwd ?? process.cwd())
  const problems: ConfigProblem[] = []
  const warnings: ConfigProblem[] = []
  const kinds: KindDecision[] = []
  for (const file of files) {
    const abs = resolve(cwd, file)
    const rel = relative(cwd, abs)
    const display = rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : abs
    // Whether it is a config file or an OpenAPI document is known only once it is parsed: read up to the
    // larger limit, then hold each kind to its own.
    const read = await readBoundedText(abs, Math.max(CONFIG_FILE_LIMIT, OPENAPI_FILE_LIMIT))
    if ('error' in read) {
      problems.push({ file: display, path: '', message: `cannot read the file: ${read.error}` })
      continue
    }
    if ('tooLarge' in read) {
      const { size, limit } = read.tooLarge
      problems.push({ file: display, path: '', message: tooLargeMessage('file', size, limit, 'OpenAPI files and config files are limited to 6 MB (API Gateway imports definitions of at most 6 MB)') })
      continue
    }
    const text = read.text
    const bytes = Buffer.byteLength(text)
    const parsed = parseYamlText(text, display)
    if (parsed.problems.length) {
      problems.push(...parsed.problems)
      continue
    }
    const value = parsed.value
    if (isRecord(value) && ('openapi' in value || 'swagger' in value)) {
      const decision: KindDecision = opts.kind !== undefined ? { file: display, kind: opts.kind, guessed: false } : { file: display, guessed: true, ...detectApiKind(value) }
      kinds.push(decision)
      if (bytes > OPENAPI_FILE_LIMIT) {
        problems.push(openApiTooLarge(display, bytes, OPENAPI_FILE_LIMIT))
        continue
      }
      const found = checkOpenApi(text, display, decision.kind)
      problems.push(...found.problems)
      warnings.push(...found.warnings)
      continue
    }
    if (bytes > CONFIG_FILE_LIMIT) {
      problems.push({ file: display, path: '', message: tooLargeMessage('config file', bytes, CONFIG_FILE_LIMIT, 'put large OpenAPI definitions in files of their own') })
      continue
    }
    try {
      const state = await loadDesiredState({ configFile: abs, restApis: [], httpApis: [], stageVariables: {}, cwd })
      warnings.push(...state.warnings)
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err
      problems.push(...err.problems)
    }
  }
  return { problems, warnings, kinds }
}

/** What `gatehouse validate --template` finds: every problem and warning, and the resources not served. */
export interface TemplateCheck {
  problems: ConfigProblem[]
  warnings: ConfigProblem[]
  ignored: IgnoredResource[]
}

/**
 * Checks a SAM / CloudFormation template as `gatehouse serve --template` would load it: translated, imported,
 * validated (functions' modules found, stages, keys and plans), without serving.
 */
export async function checkTemplate(template: string, parameterOverrides: Record<string, string>, opts: { cwd?: string } = {}): Promise<TemplateCheck> {
  const cwd = resolve(opts.cwd ?? process.cwd())
  const abs = resolve(cwd, template)
  const rel = relative(cwd, abs)
  const file = rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : abs
  const read = await readTemplate(abs, { file, dir: dirname(abs), parameterOverrides })
  if (read.problems.length > 0) return { problems: read.problems, warnings: read.warnings, ignored: read.ignored }
  try {
    const state = await loadDesiredState({ template: abs, parameterOverrides, restApis: [], httpApis: [], stageVariables: {}, cwd })
    return { problems: [], warnings: state.warnings, ignored: state.ignored ?? [] }
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err
    return { problems: err.problems, warnings: read.warnings, ignored: read.ignored }
  }
}

function checkOpenApi(text: string, display: string, kind: 'REST' | 'HTTP'): { problems: ConfigProblem[]; warnings: ConfigProblem[] } {
  let doc: unknown
  try {
    doc = parseDefinition(text, display)
  } catch (err) {
    if (err instanceof ConfigError) return { problems: err.problems, warnings: [] }
    return { problems: [{ file: display, path: '', message: err instanceof Error ? err.message : String(err) }], warnings: [] }
  }
  const id = apiIdFor(kind === 'REST' ? 'rest' : 'http', titleOf(doc) ?? display)
  const result = importDefinition(doc, { kind, id, file: display, createdDate: new Date().toISOString() })
  return { problems: result.problems, warnings: result.warnings }
}

/** The first construct found that only an HTTP API document has: its JSON pointer and what it is. */
interface HttpOnlySignal {
  path: string
  what: string
}

function pointer(...keys: string[]): string {
  return keys.map((k) => '/' + k.replace(/~/g, '~0').replace(/\//g, '~1')).join('')
}

/**
 * Looks for constructs that only HTTP API documents carry (§12.2, §12.3): reusable integrations under
 * `components.x-amazon-apigateway-integrations`; an integration's `payloadFormatVersion` (required on HTTP
 * APIs, unknown to REST) or `integrationSubtype`; an `isDefaultRoute` ANY method (the `$default` route); a
 * `jwt` authorizer or an authorizer's `jwtConfiguration`, `authorizerPayloadFormatVersion` or
 * `enableSimpleResponses`; `x-amazon-apigateway-tag-value` in the root tags.
 *
 * Not signals, because REST documents carry them too: `x-amazon-apigateway-importexport-version` and
 * `x-amazon-apigateway-cors` (REST exports have both), and an integration's `connectionType` (REST
 * integrations have INTERNET and VPC_LINK, §1.4).
 */
function findHttpOnlySignal(doc: Record<string, unknown>): HttpOnlySignal | undefined {
  const components = isRecord(doc.components) ? doc.components : undefined
  if (components !== undefined && 'x-amazon-apigateway-integrations' in components) {
    return { path: pointer('components', 'x-amazon-apigateway-integrations'), what: 'reusable integrations' }
  }
  if (isRecord(doc.paths)) {
    for (const [p, item] of Object.entries(doc.paths)) {
      if (!isRecord(item)) continue
      for (const [key, op] of Object.entries(item)) {
        if (!isRecord(op)) continue
        if (key === 'x-amazon-apigateway-any-method' && op.isDefaultRoute === true) {
          return { path: pointer('paths', p, key, 'isDefaultRoute'), what: 'isDefaultRoute (the $default route)' }
        }
        const integration = op['x-amazon-apigateway-integration']
        if (!isRecord(integration)) continue
        for (const field of ['payloadFormatVersion', 'integrationSubtype']) {
          if (integration[field] !== undefined) return { path: pointer('paths', p, key, 'x-amazon-apigateway-integration', field), what: `integration ${field}` }
        }
      }
    }
  }
  const schemes = components !== undefined && isRecord(components.securitySchemes) ? components.securitySchemes : undefined
  for (const [name, scheme] of Object.entries(schemes ?? {})) {
    const authorizer = isRecord(scheme) ? scheme['x-amazon-apigateway-authorizer'] : undefined
    if (!isRecord(authorizer)) continue
    const at = (field: string): string => pointer('components', 'securitySchemes', name, 'x-amazon-apigateway-authorizer', field)
    if (typeof authorizer.type === 'string' && authorizer.type.toLowerCase() === 'jwt') return { path: at('type'), what: 'jwt authorizer' }
    for (const field of ['jwtConfiguration', 'authorizerPayloadFormatVersion', 'enableSimpleResponses']) {
      if (authorizer[field] !== undefined) return { path: at(field), what: `authorizer ${field}` }
    }
  }
  if (Array.isArray(doc.tags)) {
    const i = doc.tags.findIndex((t) => isRecord(t) && 'x-amazon-apigateway-tag-value' in t)
    if (i >= 0) return { path: pointer('tags', String(i), 'x-amazon-apigateway-tag-value'), what: 'tag value' }
  }
  return undefined
}

/**
 * Guesses whether an OpenAPI document is a REST or an HTTP API when nobody said: HTTP only when it holds a
 * construct that HTTP API documents alone carry (see findHttpOnlySignal), REST otherwise. Swagger 2.0
 * documents are REST (AWS imports HTTP APIs from OpenAPI 3.0 only). `basis` says what the guess rests on.
 *
 * @example
 * detectApiKind({ openapi: '3.0.1', 'x-amazon-apigateway-cors': {} })
 * // → { kind: 'REST', basis: 'no HTTP-API-only extension found' }
 */
export function detectApiKind(doc: Record<string, unknown>): { kind: 'REST' | 'HTTP'; basis: string } {
  if ('swagger' in doc) return { kind: 'REST', basis: 'a Swagger 2.0 document, and HTTP APIs import OpenAPI 3.0 only' }
  const signal = findHttpOnlySignal(doc)
  if (signal === undefined) return { kind: 'REST', basis: 'no HTTP-API-only extension found' }
  return { kind: 'HTTP', basis: `HTTP-API-only ${signal.what} at ${signal.path}` }
}

/** True when {@link detectApiKind} guesses an HTTP API. */
export function looksLikeHttpApi(doc: Record<string, unknown>): boolean {
  return detectApiKind(doc).kind === 'HTTP'
}
