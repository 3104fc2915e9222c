// Reading an OpenAPI/Swagger file's text: JSON or YAML, with syntax errors reported by line and column.

import { parseDocument, YAMLParseError } from 'yaml'
import { ConfigError } from '../../errors.js'
import { ALIAS_BOMB, MAX_ALIAS_COUNT, TOO_DEEP, checkDocumentShape, isAliasBomb, isStackOverflow } from '../config/limits.js'

function lineCol(text: string, offset: number): { line: number; col: number } {
  let line = 1
  let lineStart = 0
  const end = Math.min(Math.max(offset, 0), text.length)
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      line++
      lineStart = i + 1
    }
  }
  return { line, col: end - lineStart + 1 }
}

function fail(file: string | undefined, message: string, path = '/'): never {
  throw new ConfigError([file === undefined ? { path, message } : { file, path, message }])
}

/** Refuses a parsed document that nests too deeply or contains itself, with the path where it does. */
function checkShape(value: unknown, file: string | undefined, syntax: 'JSON' | 'YAML'): unknown {
  const shape = checkDocumentShape(value)
  if (shape !== undefined) fail(file, `Invalid ${syntax}: ${shape.message}`, shape.path)
  return value
}

function parseJson(text: string, file: string | undefined): unknown {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (err) {
    if (isStackOverflow(err)) return fail(file, `Invalid JSON: ${TOO_DEEP}`)
    const msg = (err as Error).message
    const pos = /position (\d+)/.exec(msg)
    const offset = pos ? Number(pos[1]) : /end of JSON/i.test(msg) ? text.length : 0
    const { line, col } = lineCol(text, offset)
    // Node 20 phrases JSON errors as "... in JSON at position N"; the position is given as line/column instead.
    const reason = msg.replace(/\s*in JSON at position \d+.*$/s, '').replace(/\s*\(line \d+ column \d+\)$/, '')
    return fail(file, `Invalid JSON at line ${line}, column ${col}: ${reason}`)
  }
  return checkShape(value, file, 'JSON')
}

function parseYaml(text: string, file: string | undefined): unknown {
  // YAML 1.2 core schema: dates stay strings and `yes` stays a string, as AWS's own parser reads them.
  let doc: ReturnType<typeof parseDocument>
  try {
    doc = parseDocument(text, { merge: true, uniqueKeys: true, prettyErrors: false })
  } catch (err) {
    return fail(file, isStackOverflow(err) ? `Invalid YAML: ${TOO_DEEP}` : `Invalid YAML: ${(err as Error).message}`)
  }
  const first = doc.errors[0]
  if (first !== undefined) {
    const pos = first instanceof YAMLParseError && first.linePos ? first.linePos[0] : lineCol(text, first.pos[0])
    const reason =
      first.code === 'MULTIPLE_DOCS'
        ? 'the file holds several YAML documents; a definition must be a single document'
        : /call stack/i.test(first.message)
          ? TOO_DEEP // the parser turns its own stack overflow into an error where it gave up
          : first.message.split('\n')[0]!.replace(/\s*at line \d+, column \d+:?$/, '')
    return fail(file, `Invalid YAML at line ${pos.line}, column ${pos.col}: ${reason}`)
  }
  let value: unknown
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT })
  } catch (err) {
    if (isAliasBomb(err)) return fail(file, `Invalid YAML: ${ALIAS_BOMB}`)
    return fail(file, isStackOverflow(err) ? `Invalid YAML: ${TOO_DEEP}` : `Invalid YAML: ${(err as Error).message}`)
  }
  return checkShape(value, file, 'YAML')
}

/**
 * Parses JSON or YAML text (an OpenAPI 3.0 or Swagger 2.0 definition).
 * Text whose first non-blank character is `{` or `[` is read as JSON, anything else as YAML.
 * Throws ConfigError (path `/`, line and column in the message) on a syntax error.
 *
 * @example
 * const doc = parseDefinition(readFileSync('api.yaml', 'utf8'), 'api.yaml')
 */
export function parseDefinition(text: string, file?: string): unknown {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text
  const first = /\S/.exec(body)
  if (first !== null && (first[0] === '{' || first[0] === '[')) return parseJson(body, file)
  return parseYaml(body, file)
}
