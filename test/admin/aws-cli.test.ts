// The admin API driven by the AWS CLI (`aws apigateway …`, whichever `aws` is on PATH: Debian's awscli
// package or another install), isolated from the machine's AWS configuration: keys, plans and usage come
// back in the CLI's output, keys are created and imported (CSV), and a missing key is reported as
// NotFoundException. Skips when no `aws` is found.

import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { startGateway, tempDir, writeFile, type TestGateway } from '../helpers.js'
import { adminClient, baseConfig } from './helpers.js'

const NOW = Date.UTC(2026, 0, 15, 12, 0, 0)
const TODAY = '2026-01-15'
const KEY_VALUE = 'cli-key-value-0123456789abcdef'

interface Run {
  code: number
  stdout: string
  stderr: string
}

/** Runs a program without blocking this process (the gateway it talks to runs here too). */
function run(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve) => {
    execFile(file, args, { env, encoding: 'utf8', timeout: 90_000 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1
      resolve({ code, stdout, stderr: err !== null && typeof err.code !== 'number' ? `${err.message}\n${stderr}` : stderr })
    })
  })
}

/** The machine's environment without its AWS settings, with throwaway credentials and config files. */
function isolatedEnv(dir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('AWS_')) env[k] = v
  return {
    ...env,
    AWS_ACCESS_KEY_ID: 'x',
    AWS_SECRET_ACCESS_KEY: 'y',
    AWS_CONFIG_FILE: join(dir, 'aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, 'aws-credentials'),
    AWS_PAGER: '',
    AWS_EC2_METADATA_DISABLED: 'true',
  }
}

describe('admin API through the AWS CLI', () => {
  let tmp: ReturnType<typeof tempDir>
  let gw: TestGateway
  let env: NodeJS.ProcessEnv
  let version: string | undefined
  const aws = (...args: string[]): Promise<Run> => run('aws', ['apigateway', ...args, '--endpoint-url', `http://127.0.0.1:${gw.adminPort}`, '--region', 'us-east-1', '--output', 'json'], env)

  before(async () => {
    tmp = tempDir()
    env = isolatedEnv(tmp.dir)
    const probe = await run('aws', ['--version'], env)
    if (probe.code === 0) version = (probe.stdout || probe.stderr).trim()
    gw = await startGateway({ configFile: writeFile(tmp.dir, 'gatehouse.yaml', baseConfig()) }, { now: () => NOW })
  })
  after(async () => {
    await gw.stop()
    tmp.cleanup()
  })

  it('lists keys, reads usage and reports a missing key by name', async (t) => {
    if (version === undefined) {
      t.skip('no AWS CLI: `aws` is not on PATH (Debian: apt-get install awscli)')
      return
    }
    t.diagnostic(version)
    const api = adminClient(gw.adminPort)
    const key = (await api('POST', '/apikeys', { name: 'cli-key', value: KEY_VALUE })).json()
    const plan = (await api('POST', '/usageplans', { name: 'cli-plan', apiStages: [{ apiId: 'shop01', stage: 'dev' }], quota: { limit: 100, period: 'DAY' } })).json()
    assert.equal((await api('POST', `/usageplans/${plan.id}/keys`, { keyId: key.id, keyType: 'API_KEY' })).status, 201)

    const keys = await aws('get-api-keys', '--include-values')
    assert.equal(keys.code, 0, keys.stderr)
    const listed = JSON.parse(keys.stdout) as { items?: Array<Record<string, unknown>> }
    const seen = listed.items?.find((k) => k.id === key.id)
    assert.ok(seen, `the CLI lists the created key: ${keys.stdout}`)
    assert.deepEqual([seen.name, seen.value, seen.enabled], ['cli-key', KEY_VALUE, false])

    const usage = await aws('get-usage', '--usage-plan-id', plan.id, '--start-date', TODAY, '--end-date', TODAY)
    assert.equal(usage.code, 0, usage.stderr)
    assert.deepEqual(JSON.parse(usage.stdout), { usagePlanId: plan.id, startDate: TODAY, endDate: TODAY, items: { [key.id]: [[0, 100]] } })

    // ImportApiKeys: the CLI sends the CSV with no Content-Type at all (botocore sets none on blob payloads).
    const csv = writeFile(tmp.dir, 'keys.csv', 'Name,Key,Enabled\ncli-imported,cli-imported-value-0123456789abcdef,true\n')
    const imported = await aws('import-api-keys', '--body', `fileb://${csv}`, '--format', 'csv')
    assert.equal(imported.code, 0, imported.stderr)
    assert.equal((JSON.parse(imported.stdout) as { ids: string[] }).ids.length, 1)
    const created = await aws('create-api-key', '--name', 'cli-created')
    assert.equal(created.code, 0, created.stderr)
    assert.equal((JSON.parse(created.stdout) as { name: string }).name, 'cli-created')

    const missing = await aws('get-api-key', '--api-key', 'missing')
    assert.notEqual(missing.code, 0)
    assert.match(missing.stderr, /An error occurred \(NotFoundException\) when calling the GetApiKey operation: Invalid API Key identifier specified/)
  })
})
