// Chaos through the real CLI: `gatehouse serve --workers 2` with its config in PostgreSQL and its limits in
// Redis (both private instances started by this test, so that stopping them disturbs nothing else), under a
// steady load at a bounded rate, while the config reloads, a worker is killed, the config file is broken (and
// a worker is killed while it is broken) and fixed, Redis stops and returns, and PostgreSQL restarts.
//
// What must hold: no request fails except those the events must fail — requests in flight on a worker at the
// moment it is SIGKILLed (nothing can answer them), and, with --redis-unavailable closed, the requests in
// flight or arriving while Redis is down (503) — and the quota counted in Redis equals the requests admitted (none lost,
// none counted twice). The recovery times are reported as diagnostics; docs/operations.md records them.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { tempDir } from '../helpers.js'
import { adminJson, get, planNamed, startNode, stopAll, stopNode, within, writeVersionedConfig } from '../multinode/helpers.js'
import { OwnPostgres, OwnRedis } from './instances.js'

const LOAD_KEY = 'chaos-load-key-0123456789abcdef'
const LATE_KEY = 'chaos-late-key-0123456789abcdef'
const QUOTA = 1_000_000
/** Requests per second the load offers; every request opens a connection of its own, so the workers share them. */
const RATE = 80
const PATIENCE_MS = 60_000

function writeConfig(dir: string, version: number): string {
  return writeVersionedConfig(dir, version, { path: 'jobs', apiId: 'chaosapi01', apiKey: LOAD_KEY, quota: QUOTA })
}

interface Sample {
  startedAt: number
  endedAt: number
  status: number
  version?: number
  error?: string
}

/** A steady load: one request every 1000/RATE ms, each on its own connection, until stopped. */
class Load {
  readonly samples: Sample[] = []
  readonly #pending = new Set<Promise<void>>()
  #timer: NodeJS.Timeout | null = null

  constructor(readonly port: number) {}

  start(): void {
    this.#timer = setInterval(() => this.#fire(), 1000 / RATE)
  }

  #fire(): void {
    const startedAt = Date.now()
    const p = get(this.port, '/dev/jobs', { 'x-api-key': LOAD_KEY }).then(
      (r) => {
        const sample: Sample = { startedAt, endedAt: Date.now(), status: r.status }
        if (r.status === 200) sample.version = (JSON.parse(r.body) as { version: number }).version
        this.samples.push(sample)
      },
      (err: Error) => {
        this.samples.push({ startedAt, endedAt: Date.now(), status: 0, error: err.message })
      },
    )
    this.#pending.add(p)
    void p.finally(() => this.#pending.delete(p))
  }

  /** Resolves once `check` holds for the samples that ended after `since` (polling the samples). */
  until(what: string, since: number, check: (after: Sample[]) => boolean): Promise<number> {
    return within(PATIENCE_MS, what, () => check(this.samples.filter((s) => s.endedAt >= since)))
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer)
    await Promise.all(this.#pending)
  }
}

/** The `time` of the first JSON log line after `from` in `log` matching `msg`. */
function loggedAt(log: string, msg: RegExp): number | undefined {
  for (const line of log.split('\n')) {
    if (!msg.test(line)) continue
    const time = /"time":"([^"]+)"/.exec(line)?.[1]
    if (time) return Date.parse(time)
  }
  return undefined
}

const workerPids = (out: string): number[] => /workers: 2 \(pids ([\d, ]+)\)/.exec(out)![1]!.split(', ').map(Number)

const missing = OwnRedis.missing() ?? OwnPostgres.missing()
if (missing && process.env['GATEHOUSE_REQUIRE_SERVICES'] === '1') throw new Error(`the chaos test needs its own Redis and PostgreSQL: ${missing}`)

test('chaos: reloads, a killed worker, a broken and fixed file, Redis down and back, PostgreSQL restarted — under load', { skip: missing ?? false }, async (t) => {
  const tmp = tempDir()
  const redis = new OwnRedis()
  let pg: OwnPostgres | null = null
  t.after(async () => {
    await stopAll()
    await redis.destroy()
    pg?.destroy()
    tmp.cleanup()
  })
  await redis.start()
  pg = await OwnPostgres.create()
  pg.start()

  const config = writeConfig(tmp.dir, 1)
  const node = await startNode(['--config', config, '--workers', '2', '--config-store', pg.url, '--redis', redis.url, '--redis-unavailable', 'closed'])
  let pids = workerPids(node.stdout())
  const recovery: Record<string, number> = {}
  const kills: Array<{ at: number; noticed: () => number | undefined }> = []
  const killWorker = (pid: number): void => {
    const mark = node.stderr().length
    const at = Date.now()
    process.kill(pid, 'SIGKILL')
    kills.push({ at, noticed: () => loggedAt(node.stderr().slice(mark), /"worker died; starting a replacement"/) })
  }
  const replacementAfter = async (mark: number): Promise<number> => {
    await within(PATIENCE_MS, 'a replacement worker serves', () => /"replacement worker is serving"/.test(node.stderr().slice(mark)))
    return Number(/"pid":(\d+),"msg":"replacement worker is serving"/.exec(node.stderr().slice(mark))![1])
  }

  const load = new Load(node.port)
  load.start()
  await load.until('the load is served', 0, (s) => s.filter((x) => x.status === 200).length >= 40)

  // 1. The config reloads (the OpenAPI file changes): every worker serves version 2.
  let t0 = Date.now()
  writeConfig(tmp.dir, 2)
  await load.until('version 2 everywhere', t0, (s) => s.slice(-20).length === 20 && s.slice(-20).every((x) => x.version === 2))
  recovery['reload: file written → the last 20 responses all new'] = Date.now() - t0

  // 2. A worker is killed outright: it is replaced, and the load goes on.
  let mark = node.stderr().length
  t0 = Date.now()
  killWorker(pids[0]!)
  const first = await replacementAfter(mark)
  recovery['SIGKILLed worker → replacement serving'] = Date.now() - t0
  pids = [first, pids[1]!]

  // 3. The file breaks; a worker is killed while it is broken; the file is fixed.
  writeFileSync(config, 'apis: [ {{ this is not yaml\n')
  await within(PATIENCE_MS, 'the workers refuse the broken file', () => /configuration refused; the previous one keeps serving/.test(node.stderr().slice(mark)))
  mark = node.stderr().length
  t0 = Date.now()
  killWorker(pids[1]!)
  const second = await replacementAfter(mark)
  recovery['SIGKILLed worker, file broken → replacement serving the last good config'] = Date.now() - t0
  assert.match(node.stderr().slice(mark), /serving the last good configuration until the files are fixed/)
  pids = [pids[0]!, second]
  t0 = Date.now()
  writeConfig(tmp.dir, 3)
  await load.until('version 3 everywhere', t0, (s) => s.slice(-20).length === 20 && s.slice(-20).every((x) => x.version === 3))
  recovery['fixed file written → the last 20 responses all new'] = Date.now() - t0

  // 4. Redis stops (closed mode: requests are refused meanwhile) and returns with its append-only file.
  const redisDown = Date.now()
  await redis.stop()
  await load.until('requests refused while Redis is down', redisDown, (s) => s.some((x) => x.status === 503))
  const redisStarting = Date.now()
  await redis.start()
  const redisUp = Date.now()
  await load.until('requests admitted after Redis returns', redisUp, (s) => s.some((x) => x.status === 200 && x.startedAt >= redisUp))
  const redisServing = Date.now()
  recovery['Redis back (port open) → first request admitted'] = redisServing - redisUp

  // 5. PostgreSQL restarts; the data plane keeps serving, and a key made afterwards reaches both workers.
  pg.restart()
  const pgUp = Date.now()
  const key = await adminJson(node.adminPort, 'POST', '/apikeys', { name: 'late', value: LATE_KEY, enabled: true })
  assert.equal(key.status, 201, JSON.stringify(key.json))
  const plan = await planNamed(node.adminPort, 'quota')
  const bound = await adminJson(node.adminPort, 'POST', `/usageplans/${plan.id}/keys`, { keyId: key.json.id, keyType: 'API_KEY' })
  assert.equal(bound.status, 201, JSON.stringify(bound.json))
  await within(PATIENCE_MS, 'the key made after the restart works on every worker', async () => {
    const replies = await Promise.all(Array.from({ length: 6 }, () => get(node.port, '/dev/jobs', { 'x-api-key': LATE_KEY })))
    return replies.every((r) => r.status === 200)
  })
  recovery['PostgreSQL restarted → a new key served by every worker'] = Date.now() - pgUp
  await load.until('load served after the restart', Date.now(), (s) => s.filter((x) => x.status === 200).length >= 20)
  await load.stop()

  // Every failure is one the events had to cause.
  const expected = (s: Sample): string | null => {
    if (s.status === 503 && s.endedAt >= redisDown && s.startedAt <= redisServing) return 'Redis down'
    if (s.status === 0) {
      for (const k of kills) if (s.startedAt <= (k.noticed() ?? Infinity) && s.endedAt >= k.at) return 'in flight on a killed worker'
    }
    return null
  }
  const failed = load.samples.filter((s) => s.status !== 200)
  const unexpected = failed.filter((s) => expected(s) === null)
  const killedInFlight = failed.filter((s) => expected(s) === 'in flight on a killed worker').length
  const ok = load.samples.length - failed.length
  t.diagnostic(`${load.samples.length} requests: ${ok} admitted, ${failed.length - killedInFlight} refused while Redis was down, ${killedInFlight} lost in flight on killed workers, ${unexpected.length} unexpected`)
  for (const [what, ms] of Object.entries(recovery)) t.diagnostic(`recovery: ${what}: ${ms} ms`)
  t.diagnostic(`Redis restart took ${redisUp - redisStarting} ms`)
  assert.deepEqual(unexpected, [], `unexpected failures:\n${JSON.stringify(unexpected.slice(0, 10), null, 1)}`)

  // No quota count is lost: what Redis counted for the load key is what was admitted (a request lost in
  // flight on a killed worker may have been counted before the worker died).
  const today = new Date().toISOString().slice(0, 10)
  const usage = await adminJson(node.adminPort, 'GET', `/usageplans/${plan.id}/usage?startDate=${today}&endDate=${today}&keyId=${(await keyIdOf(node.adminPort, 'load'))}`)
  assert.equal(usage.status, 200, JSON.stringify(usage.json))
  const [used, remaining] = (Object.values(usage.json.values as Record<string, Array<[number, number]>>)[0] ?? [[NaN, NaN]])[0]!
  assert.ok(used >= ok && used <= ok + killedInFlight, `quota used ${used}, admitted ${ok}, lost in flight ${killedInFlight}`)
  assert.equal(used + remaining, QUOTA)

  assert.equal(await stopNode(node), 0, node.stderr().slice(-4000))
})

async function keyIdOf(adminPort: number, name: string): Promise<string> {
  const keys = await adminJson(adminPort, 'GET', '/apikeys')
  const key = (keys.json.item as Array<{ id: string; name: string }>).find((k) => k.name === name)
  if (!key) throw new Error(`no key ${name}: ${JSON.stringify(keys.json)}`)
  return key.id
}
