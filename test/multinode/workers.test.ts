// `gatehouse serve --workers 3` without Redis: one banner; the workers share the ports, the config (a temporary
// SQLite data dir made by the primary) and the limits (held by the primary), so exactly the plan's burst and
// quota are admitted across them; an API key created on the shared admin port works on every worker without a
// redeploy; a killed worker is replaced and the limits it saw stay spent; SIGTERM drains all and exits 0.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { PATIENCE_MS, tempDir, writeFile } from '../helpers.js'
import { QUOTA_KEY, THROTTLED_KEY, adminJson, alive, burst, get, startNode, stopAll, stopNode, tally, within, writeLimitsConfig } from './helpers.js'
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const BURST = 10
const QUOTA = 7
const RUNTIME_KEY = 'runtime-key-0123456789abcdef'

/** Worker ids that logged serving a new configuration in `log`. */
function workersServingNewConfig(log: string): Set<number> {
  const ids = new Set<number>()
  for (const line of log.split('\n')) {
    if (!line.includes('"new configuration is being served"')) continue
    const id = /"worker":(\d+)/.exec(line)?.[1]
    if (id) ids.add(Number(id))
  }
  return ids
}

test('--workers 3 without Redis: one limit, one config, replaced workers, a clean stop', async (t) => {
  const tmp = tempDir()
  t.after(async () => {
    await stopAll()
    tmp.cleanup()
  })
  const config = writeLimitsConfig(tmp.dir, { burst: BURST, quota: QUOTA })
  const node = await startNode(['--config', config, '--workers', '3'])
  const out = node.stdout()
  assert.equal(out.match(/Gatehouse is serving/g)?.length, 1, `the banner is printed once:\n${out}`)
  const pids = /workers: 3 \(pids ([\d, ]+)\)/.exec(out)![1]!.split(', ').map(Number)
  assert.equal(new Set(pids).size, 3)
  assert.ok(pids.every(alive))
  // The banner came on stdout; the log line naming the data dir comes through stderr, which may lag.
  await within(PATIENCE_MS, 'the primary to log its shared data dir', () => /"dataDir":/.test(node.stderr()))
  const sharedDir = /"dataDir":"([^"]+)"/.exec(node.stderr())?.[1]
  assert.ok(sharedDir && existsSync(sharedDir), `the primary made a shared data dir:\n${node.stderr()}`)

  // Requests on connections of their own are handed to the workers in turn; the limits hold across them.
  const throttled = tally(await burst([node.port], 60, '/dev/limited', { 'x-api-key': THROTTLED_KEY }))
  assert.equal(throttled.ok, BURST, JSON.stringify(throttled))
  assert.deepEqual(throttled.refusedBodies.map((b) => JSON.parse(b)), [{ message: 'Too Many Requests' }])
  const quota = tally(await burst([node.port], 60, '/prod/limited', { 'x-api-key': QUOTA_KEY }))
  assert.equal(quota.ok, QUOTA, JSON.stringify(quota))
  assert.deepEqual(quota.refusedBodies.map((b) => JSON.parse(b)), [{ message: 'Limit Exceeded' }])

  // A key created and bound through the shared admin port reaches every worker.
  assert.deepEqual(tally(await burst([node.port], 6, '/dev/limited', { 'x-api-key': RUNTIME_KEY })).statuses, [403])
  const mark = node.stderr().length
  const key = await adminJson(node.adminPort, 'POST', '/apikeys', { name: 'runtime', value: RUNTIME_KEY, enabled: true })
  assert.equal(key.status, 201)
  const plan = await adminJson(node.adminPort, 'POST', '/usageplans', { name: 'runtime', apiStages: [{ apiId: 'limitedapi1', stage: 'dev' }] })
  assert.equal(plan.status, 201)
  const bound = await adminJson(node.adminPort, 'POST', `/usageplans/${plan.json.id}/keys`, { keyId: key.json.id, keyType: 'API_KEY' })
  assert.equal(bound.status, 201)
  await within(30_000, 'every worker serves the new configuration', () => workersServingNewConfig(node.stderr().slice(mark)).size === 3)
  await within(30_000, 'the new key works on every connection', async () => tally(await burst([node.port], 9, '/dev/limited', { 'x-api-key': RUNTIME_KEY })).ok === 9)

  // A worker killed outright is replaced; the limits it took part in stay spent (the primary holds them).
  process.kill(pids[1]!, 'SIGKILL')
  await within(60_000, 'a replacement worker serves', () => /"replacement worker is serving"/.test(node.stderr()))
  assert.match(node.stderr(), new RegExp(`"pid":${pids[1]},"code":null,"signal":"SIGKILL".*"worker died; starting a replacement"`))
  const replacement = Number(/"pid":(\d+),"msg":"replacement worker is serving"/.exec(node.stderr())![1])
  assert.ok(!pids.includes(replacement) && alive(replacement))
  const after = await burst([node.port], 9, '/dev/limited', { 'x-api-key': THROTTLED_KEY })
  assert.deepEqual(tally(after).statuses, [429], 'no worker got a fresh burst')
  assert.equal(tally(await burst([node.port], 9, '/dev/limited', { 'x-api-key': RUNTIME_KEY })).ok, 9)

  assert.equal(await stopNode(node), 0)
  assert.match(node.stderr(), /"every worker has stopped"/)
  for (const pid of [pids[0]!, pids[2]!, replacement]) assert.ok(!alive(pid), `worker ${pid} has exited`)
  assert.ok(!existsSync(sharedDir), 'the temporary data dir is removed')
  await assert.rejects(get(node.port, '/dev/limited'), /ECONNREFUSED/)
})

test('--workers: a bad config is reported once and nothing is forked; a bad --workers value is a usage error', async (t) => {
  const tmp = tempDir()
  t.after(() => tmp.cleanup())
  const bad = writeFile(tmp.dir, 'bad.yaml', { apis: [{ name: 'x', type: 'rest' }], listeners: { http: { port: 'eighty' } } })
  const root = fileURLToPath(new URL('../..', import.meta.url))
  const run = (args: string[]) =>
    new Promise<{ code: number | null; stderr: string; stdout: string }>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/run.ts', 'serve', ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] })
      let stderr = ''
      let stdout = ''
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
      const killer = setTimeout(() => child.kill('SIGKILL'), 60_000)
      // 'close', not 'exit': by then all of stdout and stderr has been read.
      child.on('close', (code) => {
        clearTimeout(killer)
        resolve({ code, stderr, stdout })
      })
    })
  const refused = await run(['--config', bad, '--workers', '3', '--port', '0', '--admin-port', '0'])
  assert.equal(refused.code, 1)
  assert.equal(refused.stderr.match(/configuration refused/g)?.length, 1, refused.stderr)
  assert.match(refused.stderr, /bad\.yaml: \/listeners\/http\/port/)
  assert.equal(refused.stdout, '')
  const usage = await run(['--workers', 'lots'])
  assert.equal(usage.code, 2)
  assert.match(usage.stderr, /--workers must be a whole number from 1 to 256, got "lots"/)
})
