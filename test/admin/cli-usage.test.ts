// `gatehouse usage`: the usage table of a plan read from a running gateway's admin port, its flags, and its
// errors, both as a function and as the installed command.

import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { startGateway, tempDir, writeFile } from '../helpers.js'
import { baseConfig } from './helpers.js'
import { usage } from '../../src/cli/usage.js'
import { UsageError } from '../../src/cli/args.js'
import { apiKeyIdFor, usagePlanIdFor } from '../../src/controlplane/admin-api/values.js'
import type { UsageReader } from '../../src/controlplane/admin-api/index.js'

const root = fileURLToPath(new URL('../..', import.meta.url))

function capture(): { write(s: string): boolean; text: () => string } {
  let text = ''
  return { write: (s: string) => ((text += s), true), text: () => text }
}

const reader: UsageReader = {
  async getUsage(_planId, keyId, fromDay, toDay) {
    const out = []
    for (let d = Date.parse(fromDay); d <= Date.parse(toDay); d += 86_400_000) {
      const day = new Date(d).toISOString().slice(0, 10)
      out.push({ day, used: keyId === apiKeyIdFor('alice') && day === '2024-01-02' ? 12 : 0 })
    }
    return out
  },
  remaining: async () => null,
}

const config = baseConfig({
  listeners: { admin: { token: 'usage-cli-token-0123456789' } },
  apiKeys: [{ name: 'alice' }, { name: 'bob' }],
  usagePlans: [{ name: 'gold', apiStages: [{ api: 'shop', stage: 'dev' }], quota: { limit: 100, period: 'MONTH' }, apiKeys: ['alice', 'bob'] }],
})

describe('gatehouse usage', () => {
  it('prints requests and remaining quota per key and day', async () => {
    const tmp = tempDir()
    const gw = await startGateway({ configFile: writeFile(tmp.dir, 'gatehouse.yaml', config) }, { usageReader: reader })
    try {
      const admin = `http://127.0.0.1:${gw.adminPort}`
      const plan = usagePlanIdFor('gold')
      const out = capture()
      const err = capture()
      const code = await usage(['--admin', admin, '--plan', plan, '--from', '2024-01-01', '--to', '2024-01-03', '--token', 'usage-cli-token-0123456789'], out, err)
      assert.equal(code, 0, err.text())
      const alice = apiKeyIdFor('alice')
      const bob = apiKeyIdFor('bob')
      const w = `alice (${alice})`.length
      const row = (key: string, day: string, used: string, remaining: string): string => `${key.padEnd(w)}  ${day}  ${used.padStart(4)}  ${remaining.padStart(9)}`
      assert.equal(
        out.text(),
        [
          `Usage plan gold (${plan}), 2024-01-01 to 2024-01-03, quota 100 per MONTH`,
          '',
          `${'KEY'.padEnd(w)}  DAY         USED  REMAINING`,
          row(`alice (${alice})`, '2024-01-01', '0', '100'),
          row('', '2024-01-02', '12', '88'),
          row('', '2024-01-03', '0', '88'),
          row(`bob (${bob})`, '2024-01-01', '0', '100'),
          row('', '2024-01-02', '0', '100'),
          row('', '2024-01-03', '0', '100'),
          '',
        ].join('\n'),
      )

      const one = capture()
      process.env['GATEHOUSE_ADMIN_TOKEN'] = 'usage-cli-token-0123456789'
      try {
        assert.equal(await usage(['--admin', admin, '--plan', plan, '--key', bob, '--from', '2024-01-02', '--to', '2024-01-02', '--json'], one, err), 0)
      } finally {
        delete process.env['GATEHOUSE_ADMIN_TOKEN']
      }
      assert.deepEqual(JSON.parse(one.text()), { usagePlanId: plan, startDate: '2024-01-02', endDate: '2024-01-02', values: { [bob]: [[0, 100]] } })

      const missing = capture()
      assert.equal(await usage(['--admin', admin, '--plan', 'nope', '--token', 'usage-cli-token-0123456789'], capture(), missing), 1)
      assert.equal(missing.text(), 'gatehouse usage: 404 from /usageplans/nope: Invalid Usage Plan ID specified\n')
      const noToken = capture()
      assert.equal(await usage(['--admin', admin, '--plan', plan], capture(), noToken), 1)
      assert.match(noToken.text(), /401 from \/usageplans\/.*requires a token/)

      // The installed command: registered in `gatehouse`, with its exit codes.
      const run = spawn(process.execPath, ['--import', 'tsx', 'src/cli/run.ts', 'usage', '--admin', admin, '--plan', plan, '--from', '2024-01-02', '--to', '2024-01-02'], {
        cwd: root,
        env: { ...process.env, GATEHOUSE_ADMIN_TOKEN: 'usage-cli-token-0123456789' },
      })
      let stdout = ''
      run.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
      // 'close', not 'exit': by then all of stdout has been read.
      const exit = await new Promise<number | null>((resolve) => run.on('close', resolve))
      assert.equal(exit, 0)
      assert.match(stdout, /alice \(\w+\)\s+2024-01-02\s+12\s+88/)
    } finally {
      await gw.stop()
      tmp.cleanup()
    }
  })

  it('refuses bad flags and reports an unreachable gateway', async () => {
    await assert.rejects(usage(['--plan', 'p']), (e: unknown) => e instanceof UsageError && /--admin URL/.test(e.message))
    await assert.rejects(usage(['--admin', 'http://127.0.0.1:1']), (e: unknown) => e instanceof UsageError && /--plan ID/.test(e.message))
    await assert.rejects(usage(['--admin', 'http://127.0.0.1:1', '--plan', 'p', '--from', '2024-13-01']), /--from must be a date YYYY-MM-DD/)
    await assert.rejects(usage(['--admin', 'http://127.0.0.1:1', '--plan', 'p', '--from', '2024-02-02', '--to', '2024-02-01']), /is after --to/)
    const err = capture()
    assert.equal(await usage(['--admin', 'http://127.0.0.1:1', '--plan', 'p'], capture(), err), 1)
    assert.match(err.text(), /^gatehouse usage: cannot reach the admin API at http:\/\/127\.0\.0\.1:1: /)
  })
})
