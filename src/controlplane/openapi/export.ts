// OpenAPI export, the other half of import: AWS's GetExport (REST APIs) and ExportApi (HTTP APIs) as pure
// functions from the model to a document, the parsing of their parameters, and the document's text and file
// name. The admin API's routes call these; nothing here does I/O. What is exported, flag by flag, and what
// Gatehouse chose where AWS is not documented: docs/export.md.

import { stringify } from 'yaml'
import { ExportError, type JsonObject } from './export-common.js'
import { REST_EXPORT_EXTENSIONS, type RestExportExtension, type RestExportType } from './export-rest.js'

export { ExportError, type JsonObject, type ServerOptions } from './export-common.js'
export { exportRestApi, restStageUrl, REST_EXPORT_EXTENSIONS, type RestExportExtension, type RestExportOptions, type RestExportType } from './export-rest.js'
export { exportHttpApi, type HttpExportOptions } from './export-http.js'

/** The text form of an export. */
export type ExportFormat = 'json' | 'yaml'

/**
 * GetExport's `exportType` path parameter. AWS documents the two values in lower case; others are refused.
 *
 * @example
 * parseRestExportType('oas30') // 'oas30'
 */
export function parseRestExportType(value: string): RestExportType {
  if (value === 'oas30' || value === 'swagger') return value
  throw new ExportError(`Invalid export type '${value}': expected oas30 or swagger`)
}

/**
 * ExportApi's `specification` path parameter: `OAS30`, the only one AWS has.
 *
 * @example
 * parseHttpExportSpecification('OAS30') // 'OAS30'
 */
export function parseHttpExportSpecification(value: string): 'OAS30' {
  if (value === 'OAS30') return value
  throw new ExportError(`Invalid specification '${value}': the only specification is OAS30`)
}

/**
 * GetExport's `extensions` parameter: a comma-separated list of `integrations`, `apigateway`, `authorizers`,
 * `validators` and `postman` (blanks around names are ignored, and AWS's guide also spells `integrations`
 * as `integration`). Unknown names are refused rather than ignored, so that a typo does not silently give a
 * document without the extensions asked for.
 *
 * @example
 * parseRestExportExtensions('integrations, authorizers') // Set { 'integrations', 'authorizers' }
 */
export function parseRestExportExtensions(value: string | undefined): Set<RestExportExtension> {
  const out = new Set<RestExportExtension>()
  if (value === undefined) return out
  for (const raw of value.split(',')) {
    const name = raw.trim().toLowerCase()
    if (name === '') continue
    const canonical = name === 'integration' ? 'integrations' : name
    const hit = REST_EXPORT_EXTENSIONS.find((e) => e === canonical)
    if (hit === undefined) throw new ExportError(`Invalid extensions value '${raw.trim()}': expected a comma-separated list of ${REST_EXPORT_EXTENSIONS.join(', ')}`)
    out.add(hit)
  }
  return out
}

/**
 * The format a request asks for: GetExport's `Accept` header (`application/json`, the default, or
 * `application/yaml`; parameters such as `; charset=utf-8` are ignored), or ExportApi's `outputType`
 * (`JSON` or `YAML`).
 *
 * @example
 * exportFormatOf('application/yaml') // 'yaml'
 * exportFormatOf('YAML') // 'yaml'
 */
export function exportFormatOf(acceptOrOutputType: string | undefined): ExportFormat {
  if (acceptOrOutputType === undefined || acceptOrOutputType.trim() === '') return 'json'
  const v = acceptOrOutputType.split(';')[0]!.trim().toLowerCase()
  if (v === 'application/json' || v === 'json' || v === '*/*') return 'json'
  if (v === 'application/yaml' || v === 'yaml') return 'yaml'
  throw new ExportError(`Unsupported export format '${acceptOrOutputType}': expected application/json or application/yaml (JSON or YAML)`)
}

/**
 * The document as text. JSON is indented by two spaces. YAML is written so that YAML 1.1 readers (which
 * read `2025-01-01T00:00:00Z` as a date and `yes` as true) and YAML 1.2 readers get the same strings: such
 * values are quoted. Long lines are not folded, and repeated values are written out, never as aliases.
 *
 * @example
 * serializeExport({ swagger: '2.0', info: { version: '2025-01-01T00:00:00Z' } }, 'yaml')
 * // 'swagger: "2.0"\ninfo:\n  version: "2025-01-01T00:00:00Z"\n'
 */
export function serializeExport(doc: JsonObject, format: ExportFormat): string {
  if (format === 'json') return JSON.stringify(doc, null, 2)
  return stringify(doc, { version: '1.1', lineWidth: 0, aliasDuplicateObjects: false, defaultStringType: 'PLAIN', defaultKeyType: 'PLAIN' })
}

/** GetExport's response: the text and AWS's headers for it [REC test_export_*]. */
export interface RestExportFile {
  body: string
  /** AWS answers every export as `application/octet-stream`. */
  contentType: 'application/octet-stream'
  /** `attachment; filename="{exportType}_{info.version}.{json|yaml}"`. */
  contentDisposition: string
}

/**
 * The text and headers of a GetExport answer for a document made by {@link exportRestApi}.
 *
 * @example
 * const file = restExportFile(doc, 'swagger', exportFormatOf(req.headers.accept))
 * // file.contentDisposition: 'attachment; filename="swagger_1.0.0.json"'
 */
export function restExportFile(doc: JsonObject, type: RestExportType, format: ExportFormat): RestExportFile {
  const info = doc.info as { version?: unknown } | undefined
  const version = typeof info?.version === 'string' ? info.version : ''
  return {
    body: serializeExport(doc, format),
    contentType: 'application/octet-stream',
    contentDisposition: `attachment; filename="${type}_${version.replace(/["\\\r\n]/g, '_')}.${format}"`,
  }
}
