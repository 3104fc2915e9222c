// parseDefinition: JSON and YAML text in, plain values out; syntax errors as ConfigError with line/column.

import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ConfigError } from '../../src/errors.js'
import { parseDefinition } from '../../src/controlplane/openapi/parse.js'

function problemOf(fn: () => unknown): { file?: string; path: string; message: string } {
  try {
    fn()
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`)
    assert.equal(err.problems.length, 1)
    return err.problems[0]!
  }
  assert.fail('expected a ConfigError')
}

describe('parseDefinition', () => {
  it('reads JSON and YAML files into the same value', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-openapi-'))
    const json = join(dir, 'api.json')
    const yaml = join(dir, 'api.yaml')
    writeFileSync(json, '{"openapi": "3.0.1", "info": {"title": "t", "version": "2022-04-12T15:36:55Z"}, "paths": {"/a": {}}}')
    writeFileSync(yaml, 'openapi: 3.0.1\ninfo:\n  title: t\n  version: 2022-04-12T15:36:55Z\npaths:\n  /a: {}\n')
    const a = parseDefinition(readFileSync(json, 'utf8'), json)
    const b = parseDefinition(readFileSync(yaml, 'utf8'), yaml)
    assert.deepEqual(a, b)
    // YAML 1.2 core schema: an unquoted timestamp stays a string.
    assert.equal((b as { info: { version: unknown } }).info.version, '2022-04-12T15:36:55Z')
  })

  it('accepts a byte-order mark and leading blank lines before JSON', () => {
    assert.deepEqual(parseDefinition('\uFEFF\n\n  {"swagger": "2.0"}'), { swagger: '2.0' })
  })

  it('resolves YAML anchors, aliases and merge keys', () => {
    const v = parseDefinition('base: &b {type: mock}\nx: *b\ny:\n  <<: *b\n  uri: u\n') as Record<string, unknown>
    assert.deepEqual(v.x, { type: 'mock' })
    assert.deepEqual(v.y, { type: 'mock', uri: 'u' })
  })

  it('reports a JSON syntax error with its line and column', () => {
    const p = problemOf(() => parseDefinition('{\n  "openapi": "3.0.1",\n  "info": {,\n}', 'bad.json'))
    assert.equal(p.file, 'bad.json')
    assert.equal(p.path, '/')
    assert.match(p.message, /^Invalid JSON at line 3, column 12: /)
  })

  it('reports truncated JSON at its end', () => {
    const p = problemOf(() => parseDefinition('{"openapi": "3.0.1",\n "info": {'))
    assert.match(p.message, /^Invalid JSON at line 2, column 11: /)
  })

  it('reports a YAML syntax error with its line and column', () => {
    const p = problemOf(() => parseDefinition('openapi: 3.0.1\ninfo:\n  title: "unterminated\n', 'bad.yaml'))
    assert.equal(p.file, 'bad.yaml')
    assert.match(p.message, /^Invalid YAML at line \d+, column \d+: Missing closing "quote/)
  })

  it('refuses duplicate YAML keys, naming the line', () => {
    const p = problemOf(() => parseDefinition('paths:\n  /a: {}\n  /a: {}\n'))
    assert.match(p.message, /^Invalid YAML at line 3, column 3: Map keys must be unique/)
  })

  it('refuses several YAML documents in one file', () => {
    const p = problemOf(() => parseDefinition('openapi: 3.0.1\n---\nswagger: "2.0"\n'))
    assert.match(p.message, /several YAML documents/)
  })

  it('refuses an alias that contains itself instead of looping', () => {
    const p = problemOf(() => parseDefinition('a: &x\n  b: *x\n'))
    assert.match(p.message, /contains it/)
  })

  it('gives plain scalars and empty text back for the importer to judge', () => {
    assert.equal(parseDefinition('just text'), 'just text')
    assert.equal(parseDefinition(''), null)
  })
})
