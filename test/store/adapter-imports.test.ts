// The store's layer rule, read from the sources: an adapter (src/store/<backend>/) imports the port
// (src/store/port/), its own folder and packages — never another adapter, nor anything outside the store.
// Composition of adapters happens in src/store/compose.ts and src/gateway.ts, which are not adapters.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const store = fileURLToPath(new URL('../../src/store/', import.meta.url))

test('store adapters import only the port, their own folder and packages', () => {
  const adapters = readdirSync(store).filter((name) => name !== 'port' && statSync(join(store, name)).isDirectory())
  assert.ok(adapters.length >= 5, `adapters found: ${adapters.join(', ')}`)
  const broken: string[] = []
  for (const adapter of adapters) {
    for (const file of readdirSync(join(store, adapter)).filter((f) => f.endsWith('.ts'))) {
      const source = readFileSync(join(store, adapter, file), 'utf8')
      for (const [, spec] of source.matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+'([^']+)'/gm)) {
        const ok = !spec!.startsWith('.') || spec!.startsWith('./') || spec!.startsWith('../port/')
        if (!ok) broken.push(`src/store/${adapter}/${file} imports ${spec}`)
      }
    }
  }
  assert.deepEqual(broken, [])
})
