// The error table is kept honest: docs/gateway-responses.md lists every gateway response and bare answer
// exactly as src/errors.ts defines them (fastify keeps its error codes and their doc page in step the same
// way), and no module that answers requests writes an error body of its own outside the table.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { typeScriptFiles } from '../source-files.js'
import { fileURLToPath } from 'node:url'
import { BARE_ANSWERS, GATEHOUSE_ERRORS, GATEWAY_ERRORS } from '../../src/errors.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const DOC = readFileSync(join(ROOT, 'docs/gateway-responses.md'), 'utf8')

/** The rows of the markdown table whose header starts with `first`, as arrays of cells (backticks removed). */
function table(first: string): string[][] {
  const lines = DOC.split('\n')
  const start = lines.findIndex((l) => l.startsWith(`| ${first} |`))
  assert.ok(start >= 0, `docs/gateway-responses.md has a table headed "${first}"`)
  const rows: string[][] = []
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break
    rows.push(line.slice(1, -1).split(' | ').map((c) => c.trim().replace(/^`(.*)`$/, '$1')))
  }
  return rows
}

test('every gateway response type is documented with its status, error type, messages, close code and fault', () => {
  const rows = table('type')
  const expected = Object.entries(GATEWAY_ERRORS).map(([type, s]) => [type, String(s.status), s.errorType, s.message ?? '(none)', s.httpApiMessage, String(s.wsCloseCode), s.fault])
  assert.deepEqual(rows, expected)
})

test("every gateway response of Gatehouse's own is documented with its status, error type, messages, close code and fault", () => {
  const rows = table('code')
  const expected = Object.entries(GATEHOUSE_ERRORS).map(([code, s]) => [code, String(s.status), s.errorType, s.message ?? '(none)', s.httpApiMessage, String(s.wsCloseCode), s.fault])
  assert.deepEqual(rows, expected)
})

test('every bare answer is documented with its status, error type and exact body', () => {
  const rows = table('answer')
  const expected = Object.entries(BARE_ANSWERS).map(([name, a]) => [name, String(a.status), a.errorType ?? '(none)', a.body])
  assert.deepEqual(rows, expected)
})

test('no module that answers data-plane requests writes an error body of its own', () => {
  // A JSON `message` body written as a literal, or built with JSON.stringify({ message … }), outside the table.
  const literal = /['"`]\{\s*\\?"message\\?"\s*:|JSON\.stringify\(\{\s*message\b/
  const allowed = new Set(['src/errors.ts', 'src/dataplane/respond.ts'])
  const found: string[] = []
  for (const dir of ['src/dataplane', 'src/steps', 'src/integrations', 'src/mapping', 'src/errors.ts']) {
    const files = dir.endsWith('.ts') ? [join(ROOT, dir)] : typeScriptFiles(join(ROOT, dir))
    for (const file of files) {
      const rel = relative(ROOT, file)
      if (allowed.has(rel)) continue
      readFileSync(file, 'utf8').split('\n').forEach((line, i) => {
        if (!line.trim().startsWith('//') && !line.trim().startsWith('*') && literal.test(line)) found.push(`${rel}:${i + 1}: ${line.trim()}`)
      })
    }
  }
  assert.deepEqual(found, [])
})
