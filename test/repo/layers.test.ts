// The layer rules of the house (docs/architecture.md, "Layers"), read from the sources' own imports: the
// data plane never imports the control plane; steps, integrations and the mapping library import no
// node:http, no concrete store, and no step or integration of their own kind's neighbours; store adapters
// import only the port. Every violation is listed with the file and the import.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { typeScriptFiles } from '../source-files.js'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const SRC = join(ROOT, 'src')

interface Edge {
  from: string
  /** `src/…` for the project's own modules (without extension), or the bare specifier. */
  to: string
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g

function edges(): Edge[] {
  const out: Edge[] = []
  for (const file of typeScriptFiles(SRC)) {
    const text = readFileSync(file, 'utf8')
    const from = relative(ROOT, file).replace(/\.ts$/, '')
    for (const m of text.matchAll(IMPORT)) {
      const spec = (m[1] ?? m[2])!
      const to = spec.startsWith('.') ? relative(ROOT, resolve(dirname(file), spec)).replace(/\.js$/, '') : spec
      out.push({ from, to })
    }
  }
  return out
}

const ALL = edges()
const ADAPTERS = ['memory', 'sqlite', 'postgres', 'redis', 'cluster']
const under = (p: string, dir: string) => p === dir || p.startsWith(dir + '/')
const folderOf = (p: string, root: string) => p.slice(root.length + 1).split('/')[0]!
const isAdapter = (p: string) => ADAPTERS.some((a) => under(p, `src/store/${a}`))
const isHttp = (p: string) => p === 'node:http' || p === 'node:https' || p === 'http' || p === 'https'

function violations(rule: (e: Edge) => boolean): string[] {
  return ALL.filter(rule).map((e) => `${e.from} → ${e.to}`)
}

test('the project has sources to check (the rules below are not vacuous)', () => {
  assert.ok(ALL.filter((e) => under(e.from, 'src/steps')).length > 20)
  assert.ok(ALL.filter((e) => under(e.from, 'src/integrations')).length > 10)
  assert.ok(ALL.filter((e) => isAdapter(e.from)).length > 5)
})

test('the data plane and everything that runs in it never imports the control plane', () => {
  const runtime = ['src/dataplane', 'src/steps', 'src/integrations', 'src/mapping', 'src/vtl', 'src/functions']
  assert.deepEqual(violations((e) => runtime.some((d) => under(e.from, d)) && under(e.to, 'src/controlplane')), [])
})

test('steps, integrations and the mapping library never touch node:http (they see the transport-neutral context)', () => {
  const dirs = ['src/steps', 'src/integrations', 'src/mapping']
  assert.deepEqual(violations((e) => dirs.some((d) => under(e.from, d)) && isHttp(e.to)), [])
  // In the data plane, only the listener and the HTTP exchange know node:http.
  const allowed = new Set(['src/dataplane/server', 'src/dataplane/http-exchange'])
  assert.deepEqual(violations((e) => under(e.from, 'src/dataplane') && isHttp(e.to) && !allowed.has(e.from)), [])
})

test('steps import no concrete store, no integration and no other step', () => {
  assert.deepEqual(violations((e) => under(e.from, 'src/steps') && isAdapter(e.to)), [])
  assert.deepEqual(violations((e) => under(e.from, 'src/steps') && under(e.to, 'src/integrations')), [])
  // src/steps/index.ts is the registry and may import every step; a step's own folder may import itself.
  assert.deepEqual(
    violations((e) => under(e.from, 'src/steps') && e.from !== 'src/steps/index' && under(e.to, 'src/steps') && folderOf(e.from, 'src/steps') !== folderOf(e.to, 'src/steps')),
    [],
  )
})

test('integrations import no step and no concrete store', () => {
  assert.deepEqual(violations((e) => under(e.from, 'src/integrations') && (under(e.to, 'src/steps') || isAdapter(e.to))), [])
})

test('store adapters import only the port (and their own files), never another adapter', () => {
  assert.deepEqual(
    violations((e) => {
      if (!isAdapter(e.from) || !e.to.startsWith('src/')) return false
      const own = `src/store/${folderOf(e.from, 'src/store')}`
      return !under(e.to, own) && !under(e.to, 'src/store/port')
    }),
    [],
  )
})
