// `gatehouse validate FILE...`: checks config files and OpenAPI documents without serving anything, and
// returns every problem found in every file.

import { readFile } from 'node:fs/promises'
import { isAbsolute, relative, resolve } from 'node:path'
import { ConfigError } from '../../errors.js'
import type { ConfigProblem } from '../../errors.js'
import { parseDefinition } from '../openapi/parse.js'
import { describeFsError, isRecord, parseYamlText } from './config-file.js'
import { importDefinition, titleOf } from './api-source.js'
import { apiIdFor, loadDesiredState } from './desired.js'

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
 * OpenAPI documents validate as REST APIs unless `opts.kind` says otherwise or the document is unmistakably
 * an HTTP API (see {@link looksLikeHttpApi}). Swagger 2.0 documents are always REST: HTTP APIs import
 * OpenAPI 3 only.
 */
export async function validateFiles(files: string[], opts: ValidateOptions = {}): Promise<ConfigProblem[]> {
  return (await checkFiles(files, opts)).problems
}

/** Like {@link validateFiles}, with the warnings (ignored constructs, settings that match nothing) too. */
export async function checkFiles(files: string[], opts: ValidateOptions = {}): Promise<{ problems: ConfigProblem[]; warnings: ConfigProblem[] }> {
  const cwd = resolve(opts.cwd ?? process.cwd())
  const problems: ConfigProblem[] = []
  const warnings: ConfigProblem[] = []
  for (const file of files) {
    const abs = resolve(cwd, file)
    const rel = relative(cwd, abs)
    const display = rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : abs
    let text: string
    try {
      text = await readFile(abs, 'utf8')
    } catch (err) {
      problems.push({ file: display, path: '', message: `cannot read the file: ${describeFsError(err)}` })
      continue
    }
    const parsed = parseYamlText(text, display)
    if (parsed.problems.length) {
      problems.push(...parsed.problems)
      continue
    }
    const value = parsed.value
    if (isRecord(value) && ('openapi' in value || 'swagger' in value)) {
      const found = checkOpenApi(text, display, opts.kind ?? (looksLikeHttpApi(value) ? 'HTTP' : 'REST'))
      problems.push(...found.problems)
      warnings.push(...found.warnings)
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
  return { problems, warnings }
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

/**
 * True when an OpenAPI document can only be an HTTP API: it carries `x-amazon-apigateway-importexport-version`
 * or `x-amazon-apigateway-cors` at the root (HTTP API export and CORS), reusable integrations under
 * `components.x-amazon-apigateway-integrations`, an integration with `payloadFormatVersion`, or an
 * `isDefaultRoute` ANY method (§12.2, §12.3). Swagger 2.0 is never an HTTP API.
 */
export function looksLikeHttpApi(doc: Record<string, unknown>): boolean {
  if ('swagger' in doc) return false
  if ('x-amazon-apigateway-importexport-version' in doc || 'x-amazon-apigateway-cors' in doc) return true
  if (isRecord(doc.components) && 'x-amazon-apigateway-integrations' in doc.components) return true
  if (!isRecord(doc.paths)) return false
  for (const item of Object.values(doc.paths)) {
    if (!isRecord(item)) continue
    for (const [key, op] of Object.entries(item)) {
      if (!isRecord(op)) continue
      if (key === 'x-amazon-apigateway-any-method' && op.isDefaultRoute === true) return true
      const integration = op['x-amazon-apigateway-integration']
      if (isRecord(integration) && 'payloadFormatVersion' in integration) return true
    }
  }
  return false
}
