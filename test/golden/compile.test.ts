// Golden tests of the compiler: config in `*.input.yaml` → the plan's routing description in
// `*.expected.json`. Set UPDATE_GOLDEN=1 to rewrite the expected files after an intended change.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Agent } from 'undici'
import { loadDesiredState } from '../../src/controlplane/config/desired.js'
import { compileGateway, describePlan } from '../../src/controlplane/compile/compile.js'
import { GatewayMetrics } from '../../src/observe/metrics.js'
import { createIntegrations } from '../../src/integrations/index.js'
import { NO_FUNCTIONS } from '../helpers.js'

const dir = fileURLToPath(new URL('./compile/', import.meta.url))

for (const name of readdirSync(dir).filter((f) => f.endsWith('.input.yaml'))) {
  test(`compiler golden: ${name}`, async () => {
    const desired = await loadDesiredState({ configFile: join(dir, name), restApis: [], httpApis: [], stageVariables: {}, now: () => new Date('2026-01-01T00:00:00Z') })
    const dispatcher = new Agent()
    const plan = compileGateway(
      { revision: 1, deployments: new Map(desired.deployments.map((d) => [d.id, d])), stages: desired.stages, settings: desired.settings },
      { integrations: createIntegrations({ dispatcher, functions: NO_FUNCTIONS }), metrics: new GatewayMetrics({ defaultMetrics: false }), accessLogs: true },
    )
    await dispatcher.close()
    const actual = { routes: describePlan(plan), warnings: [...plan.warnings].sort(), defaultApi: plan.defaultApi?.id ?? null }
    const expectedFile = join(dir, name.replace('.input.yaml', '.expected.json'))
    if (process.env['UPDATE_GOLDEN'] === '1' || !existsSync(expectedFile)) writeFileSync(expectedFile, JSON.stringify(actual, null, 2) + '\n')
    assert.deepEqual(actual, JSON.parse(readFileSync(expectedFile, 'utf8')))
  })
}
