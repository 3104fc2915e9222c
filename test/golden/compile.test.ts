// Golden tests of the compiler: config in `compile/*.input.yaml` (one case per feature) → what the plan was
// compiled to in `*.expected.json`: the routing table (`describePlan`) and, per route, its steps with what
// each was compiled for and its integration (`describeRoutes`). Set UPDATE_GOLDEN=1 to rewrite the expected
// files after an intended change, and read the diff.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { loadDesiredState } from '../../src/controlplane/config/desired.js'
import { describeCompiled } from '../compile-plan.js'

const dir = fileURLToPath(new URL('./compile/', import.meta.url))
const cases = readdirSync(dir).filter((f) => f.endsWith('.input.yaml'))

test('there is a golden case per feature', () => {
  for (const feature of ['mixed', 'keys-throttle', 'templates', 'validators', 'authorizers', 'policies', 'caching', 'canary', 'websocket']) assert.ok(cases.includes(`${feature}.input.yaml`), feature)
})

for (const name of cases) {
  test(`compiler golden: ${name}`, async () => {
    const desired = await loadDesiredState({ configFile: join(dir, name), restApis: [], httpApis: [], stageVariables: {}, now: () => new Date('2026-01-01T00:00:00Z') })
    const actual = await describeCompiled(desired)
    const expectedFile = join(dir, name.replace('.input.yaml', '.expected.json'))
    if (process.env['UPDATE_GOLDEN'] === '1' || !existsSync(expectedFile)) writeFileSync(expectedFile, JSON.stringify(actual, null, 2) + '\n')
    assert.deepEqual(actual, JSON.parse(readFileSync(expectedFile, 'utf8')))
  })
}
