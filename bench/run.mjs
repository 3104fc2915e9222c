// `npm run bench`: Gatehouse against baselines, one candidate at a time, each pinned to one core, under the
// same autocannon load, in one of five scenarios (--scenario): `proxy` (the plain HTTP_PROXY route against a
// bare undici proxy and http-proxy), `lambda` (a Lambda-proxy route against serverless-offline), `keyed`
// (API key + usage-plan throttle + access log + metrics, in-memory and Redis state), `cached` (the proxy route
// answered from the stage cache against the same route uncached), `vtl` (mapping
// templates rendered in a loop, no HTTP) and `websocket` (bench/websocket/: idle-connection RSS, echo round
// trips, broadcast, against a bare ws server). Prints a table with ratios and writes the figures to
// bench/results/. Speed is measured, not asserted: the exit code is non-zero only when a candidate failed
// or answered with errors.

import { spawn, spawnSync } from 'node:child_process'
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, rmSync, statSync, fstatSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { connect, createServer } from 'node:net'
import { availableParallelism, cpus, loadavg, release, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { performance } from 'node:perf_hooks'

const BENCH = fileURLToPath(new URL('.', import.meta.url))
const ROOT = join(BENCH, '..')
const RESULTS = join(BENCH, 'results')

/** The API key of the keyed scenario (20+ visible characters, as AWS requires). */
const BENCH_KEY = 'bench-key-0123456789abcdefghij'
const REDIS_URL = 'redis://127.0.0.1:6379'

/**
 * What each scenario runs. `candidates` run by default, `extra` only when named with --only. `ratios`
 * are [candidate, baseline, target or null]; targets come from the performance issue and are reported,
 * never enforced. `main` is the Gatehouse candidate that --against twins.
 */
const SCENARIOS = {
  proxy: {
    title: "Gatehouse's plain HTTP_PROXY route against a bare undici proxy and http-proxy",
    upstream: true,
    candidates: ['direct', 'gatehouse', 'gatehouse-access-log', 'undici-proxy', 'http-proxy'],
    extra: [],
    main: 'gatehouse',
    ratios: [
      ['gatehouse', 'undici-proxy', 0.9],
      ['gatehouse', 'http-proxy', 1.5],
      ['gatehouse-access-log', 'undici-proxy', null],
      ['gatehouse-access-log', 'http-proxy', null],
    ],
  },
  lambda: {
    title: 'a Lambda-proxy hello-world handler behind a REST AWS_PROXY route: Gatehouse against serverless-offline',
    upstream: false,
    candidates: ['gatehouse-lambda', 'gatehouse-lambda-quiet', 'serverless-offline'],
    extra: [],
    main: 'gatehouse-lambda',
    ratios: [
      ['gatehouse-lambda', 'serverless-offline', 10],
      ['gatehouse-lambda-quiet', 'serverless-offline', null],
    ],
    p99TargetMs: 5,
    warmup: 5,
    // --cpu-prof would reach every function worker thread too (see main-thread-profile.mjs).
    mainThreadProfile: true,
    mainThreadColumn: true,
  },
  keyed: {
    title: 'an HTTP_PROXY route with API key, usage-plan throttle, access log and metrics, against the bare proxies',
    upstream: true,
    candidates: ['direct', 'gatehouse-keyed', 'gatehouse-keyed-redis', 'undici-proxy', 'http-proxy'],
    extra: ['gatehouse', 'gatehouse-access-log'],
    main: 'gatehouse-keyed',
    ratios: [
      ['gatehouse-keyed', 'undici-proxy', 0.7],
      ['gatehouse-keyed', 'http-proxy', 1.3],
      ['gatehouse-keyed-redis', 'undici-proxy', 0.7],
      ['gatehouse-keyed-redis', 'http-proxy', 1.3],
    ],
    headers: { 'x-api-key': BENCH_KEY },
    // Gatehouse with --redis may have to be killed after SIGTERM; this profiler writes at SIGTERM.
    mainThreadProfile: true,
  },
  cached: {
    title: 'the plain HTTP_PROXY route answered from the stage cache, against the same route uncached and the bare undici proxy',
    upstream: true,
    candidates: ['gatehouse-cached', 'gatehouse-uncached', 'undici-proxy'],
    extra: ['direct'],
    main: 'gatehouse-cached',
    ratios: [
      ['gatehouse-cached', 'gatehouse-uncached', 2],
      ['gatehouse-cached', 'undici-proxy', null],
      ['gatehouse-uncached', 'undici-proxy', null],
    ],
  },
  vtl: {
    title: 'mapping templates compiled once and rendered in a loop (no HTTP)',
  },
  websocket: {
    title: 'a WebSocket API: RSS with 10,000 idle connections, echo round trips at 1,000 messages/s, broadcast to 1,000 connections, against a bare ws server',
    candidates: ['gatehouse', 'ws-echo'],
  },
}

const HELP = `Usage: npm run bench -- [options]   (or: node bench/run.mjs [options])

  --scenario NAME    proxy (default): plain HTTP_PROXY route vs undici-proxy and http-proxy
                     lambda: REST AWS_PROXY route to a hello-world handler vs serverless-offline
                     keyed: API key + usage-plan throttle + access log + metrics, in-memory and
                            --redis ${REDIS_URL} (skipped when no Redis answers there)
                     cached: the proxy route answered from the stage cache vs the same route uncached
                     vtl: template rendering micro-benchmark, no HTTP
                     websocket: idle-connection RSS, echo p99 at 1,000 msg/s, broadcast to 1,000
                            connections; Gatehouse vs a bare ws server (bench/websocket/)
  --duration S       measured seconds per candidate (default 10); vtl: per template (default 5)
  --warmup S         warm-up seconds per candidate, discarded (default 3; lambda: 5)
  --connections N    concurrent keep-alive connections (default 50)
  --rounds N         run every candidate N times, interleaved, and report each one's median run
                     (default 1; vtl: timed rounds per template, default 5)
  --gatehouse DIR    the Gatehouse checkout to measure (dist/ built); default: the one bench/ is in
  --against DIR      also run another Gatehouse build as '<main candidate>-against'
  --quick            smoke run: --warmup 1 --duration 3 (vtl: 1.5 s per template)
  --only A,B         run only these candidates of the scenario (see the list printed at start)
  --profile          run each candidate under node --cpu-prof (lambda, keyed: main-thread-only profiler);
                     prints Gatehouse's top functions, keeps all profiles
  --build            run \`npm run build\` in the Gatehouse checkout first (the gateway runs from dist/)
  --no-pin           do not pin processes to cores with taskset
  -h, --help         this text
`

function fail(msg) {
  process.stderr.write(`bench: ${msg}\n`)
  process.exit(1)
}

let args
try {
  args = parseArgs({
    options: {
      scenario: { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      connections: { type: 'string' },
      rounds: { type: 'string' },
      gatehouse: { type: 'string' },
      against: { type: 'string' },
      quick: { type: 'boolean' },
      only: { type: 'string' },
      profile: { type: 'boolean' },
      build: { type: 'boolean' },
      'no-pin': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  }).values
} catch (err) {
  fail(`${err.message}\n\n${HELP}`)
}
if (args.help) {
  process.stdout.write(HELP)
  process.exit(0)
}

const scenarioName = args.scenario ?? 'proxy'
const scenario = SCENARIOS[scenarioName]
if (!scenario) fail(`unknown scenario '${scenarioName}' (known: ${Object.keys(SCENARIOS).join(', ')})`)
const isVtl = scenarioName === 'vtl'

function positive(value, fallback, flag) {
  if (value === undefined) return fallback
  const n = Number(value)
  if (!Number.isFinite(n) || n <= 0) fail(`${flag} must be a positive number, got '${value}'`)
  return n
}
const duration = positive(args.duration, isVtl ? (args.quick ? 1.5 : 5) : args.quick ? 3 : 10, '--duration')
// The lambda scenario starts ~50 function environments (worker threads) on one core before it is warm.
const warmup = args.warmup === '0' ? 0 : positive(args.warmup, scenario.warmup ?? (args.quick ? 1 : 3), '--warmup')
const connections = Math.round(positive(args.connections, 50, '--connections'))
const rounds = Math.round(positive(args.rounds, isVtl ? 5 : 1, '--rounds'))

const GATEHOUSE = args.gatehouse ? resolve(args.gatehouse) : ROOT
const against = args.against ? resolve(args.against) : null
for (const [flag, dir] of [['--gatehouse', args.gatehouse ? GATEHOUSE : null], ['--against', against]]) {
  if (dir !== null && !existsSync(join(dir, 'dist', 'cli', 'main.js'))) fail(`${flag} ${dir}: no dist/cli/main.js there (build it first)`)
}

// --- setup: bench dependencies, the compiled gateway, core pinning ----------------------------------

const NEEDED = ['autocannon', 'http-proxy', 'undici', 'serverless', 'serverless-offline']
// The websocket scenario uses the checkout's own `ws` (see bench/websocket/scenario.mjs).
if (scenarioName !== 'websocket' && NEEDED.some((dep) => !existsSync(join(BENCH, 'node_modules', dep, 'package.json')))) {
  process.stdout.write('bench: installing the bench dependencies (npm install --prefix bench)…\n')
  const r = spawnSync('npm', ['install', '--prefix', BENCH, '--no-audit', '--no-fund'], { stdio: 'inherit', cwd: ROOT })
  if (r.status !== 0) fail('could not install the bench dependencies; run `npm install --prefix bench` from the repository root')
}

if (args.build) {
  const r = spawnSync('npm', ['run', 'build'], { stdio: 'inherit', cwd: GATEHOUSE })
  // tsc still emits on type errors elsewhere in the tree; only a missing CLI stops us.
  if (r.status !== 0) process.stderr.write('bench: `npm run build` reported errors; continuing with what it emitted\n')
}
const CLI = join(GATEHOUSE, 'dist', 'cli', 'main.js')
if (!existsSync(CLI)) fail(`${GATEHOUSE}/dist is missing: run \`npm run build\` there first (or pass --build)`)
const staleDist = newestMtime(join(GATEHOUSE, 'src')) > statSync(CLI).mtimeMs

function newestMtime(dir) {
  let newest = 0
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name)
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs)
  }
  return newest
}

const nproc = availableParallelism()
const haveTaskset = !args['no-pin'] && spawnSync('taskset', ['-V']).status === 0
// The candidate gets CPU 0, with no other bench process on it; the load generator and the upstream
// share CPU 1 (each gets its own CPU when there are three or more).
const pinning = haveTaskset && nproc >= 2 ? { proxy: 0, load: 1, upstream: nproc >= 3 ? 2 : 1 } : null
if (pinning) spawnSync('taskset', ['-pc', String(pinning.load), String(process.pid)], { stdio: 'ignore' })
const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim()) || 100

function git(dir, ...cmd) {
  const r = spawnSync('git', cmd, { cwd: dir, encoding: 'utf8' })
  return r.status === 0 ? r.stdout.trim() : null
}
const gitInfo = {
  gatehouse: git(GATEHOUSE, 'rev-parse', '--short', 'HEAD'),
  // Uncommitted changes under src/ mean the figures belong to no commit.
  gatehouseSrcDirty: (git(GATEHOUSE, 'status', '--porcelain', '--', 'src') ?? '') !== '',
  bench: git(ROOT, 'rev-parse', '--short', 'HEAD'),
}

const machine = {
  nproc,
  cpu: cpus()[0]?.model ?? 'unknown',
  node: process.version,
  kernel: release(),
  loadAverageAtStart: loadavg().map((n) => Number(n.toFixed(2))),
  pinning: pinning ?? 'none (taskset missing, --no-pin, or a single CPU)',
}

const startedAt = new Date()
const stamp = startedAt.toISOString().replace(/[:.]/g, '-')
mkdirSync(RESULTS, { recursive: true })
const profileDir = join(RESULTS, 'profiles', `${scenarioName}-${stamp}`)

function writeReport(extra) {
  machine.loadAverageAtEnd = loadavg().map((n) => Number(n.toFixed(2)))
  const report = { scenario: scenarioName, date: startedAt.toISOString(), git: gitInfo, gatehouseDir: GATEHOUSE, distOlderThanSrc: staleDist, machine, ...extra }
  const file = join(RESULTS, `bench-${scenarioName}-${stamp}.json`)
  writeFileSync(file, JSON.stringify(report, null, 2) + '\n')
  if (machine.loadAverageAtStart[0] > 0.5) {
    process.stdout.write(`\nnote: the machine was busy with other work (load average ${machine.loadAverageAtStart[0]} at start, ${machine.loadAverageAtEnd[0]} at end, bench included); figures vary between runs, per-CPU-second ones less than per-second ones.\n`)
  }
  process.stdout.write(`\nresults written to ${file}\n`)
}

function preamble(what) {
  process.stdout.write(
    `Gatehouse bench, scenario ${scenarioName}: ${scenario.title}\n${what}\n` +
      `Gatehouse from ${GATEHOUSE} (commit ${gitInfo.gatehouse ?? 'unknown'}${gitInfo.gatehouseSrcDirty ? ', with uncommitted changes in src/' : ''})\n` +
      `machine: ${nproc} CPUs (${machine.cpu}), node ${machine.node}, load average ${machine.loadAverageAtStart.join(' ')}; ` +
      (pinning ? (isVtl ? `benchmark on CPU ${pinning.proxy}\n` : `candidate on CPU ${pinning.proxy}, load generator on CPU ${pinning.load}${scenario.upstream ? `, upstream on CPU ${pinning.upstream}` : ''}\n`) : 'no core pinning\n') +
      (staleDist ? 'note: src/ has changes newer than dist/ — run `npm run build` (or pass --build) to measure them\n' : '') +
      (args.profile ? 'note: --profile: every candidate runs under --cpu-prof and is slower than it would be\n' : '') +
      '\n',
  )
}

// --- processes ---------------------------------------------------------------------------------------

const children = new Set()
process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL')
})
for (const sig of ['SIGINT', 'SIGTERM']) process.once(sig, () => process.exit(130))

/** The last `bytes` of a file, for error messages from a process whose stderr went to a file. */
function tailOf(file, bytes = 4000) {
  try {
    const fd = openSync(file, 'r')
    try {
      const size = fstatSync(fd).size
      const len = Math.min(bytes, size)
      const buf = Buffer.alloc(len)
      readSync(fd, buf, 0, len, size - len)
      return buf.toString('utf8')
    } finally {
      closeSync(fd)
    }
  } catch {
    return ''
  }
}

/**
 * Spawns `node …args` (pinned to `cpu` when pinning), keeping the tail of stderr for error messages.
 * `stderrFile`: for candidates that log on every request, so the bench process (which shares the load
 * generator's CPU) does not spend CPU reading their logs through a pipe.
 */
function startNode(nodeArgs, { cpu, stdout = 'pipe', stderrFile = null, cwd = BENCH, env = process.env } = {}) {
  const [cmd, argv] = pinning && cpu !== undefined ? ['taskset', ['-c', String(cpu), process.execPath, ...nodeArgs]] : [process.execPath, nodeArgs]
  const errFd = stderrFile ? openSync(stderrFile, 'w') : null
  const child = spawn(cmd, argv, { cwd, env, stdio: ['ignore', stdout, errFd ?? 'pipe'] })
  if (errFd !== null) closeSync(errFd)
  children.add(child)
  let stderr = ''
  child.stderr?.on('data', (d) => {
    stderr = (stderr + d).slice(-4000)
  })
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => {
    children.delete(child)
    resolve({ code, signal })
  }))
  return { child, exited, stderr: () => (stderrFile ? tailOf(stderrFile) : stderr).trim() }
}

/** Resolves with the parsed `READY {…}` line a bench child prints once listening. */
function readyLine(proc, timeoutMs = 15_000) {
  return new Promise((resolve, reject) => {
    let buf = ''
    const timer = setTimeout(() => reject(new Error(`not ready after ${timeoutMs} ms\n${proc.stderr()}`)), timeoutMs)
    proc.child.stdout.on('data', (d) => {
      buf += d
      const m = /^READY (.*)$/m.exec(buf)
      if (m) {
        clearTimeout(timer)
        resolve(JSON.parse(m[1]))
      }
    })
    proc.exited.then(({ code, signal }) => {
      clearTimeout(timer)
      reject(new Error(`exited (${signal ?? code}) before it was ready\n${proc.stderr()}`))
    })
  })
}

async function stop(proc, timeoutMs = 15_000) {
  if (proc.child.exitCode !== null || proc.child.signalCode !== null) return proc.exited
  proc.child.kill('SIGTERM')
  const t = setTimeout(() => proc.child.kill('SIGKILL'), timeoutMs)
  const r = await proc.exited
  clearTimeout(t)
  return r
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address()
      s.close(() => resolve(port))
    })
  })
}

function get(url, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false, timeout: 2000, headers }, (res) => {
      const chunks = []
      res.on('data', (c) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString() }))
      res.on('error', reject)
    })
    req.on('timeout', () => req.destroy(new Error('timed out')))
    req.on('error', reject)
    req.end()
  })
}

/** Polls `url` until it answers 200 (for servers that print no machine-readable ready line). */
async function waitFor200(url, proc, timeoutMs = 30_000, headers = {}) {
  const until = Date.now() + timeoutMs
  let last = ''
  while (Date.now() < until) {
    if (proc.child.exitCode !== null || proc.child.signalCode !== null) throw new Error(`exited before it was ready\n${proc.stderr()}`)
    try {
      const r = await get(url, headers)
      if (r.status === 200) return
      last = `HTTP ${r.status} ${r.body.slice(0, 200)}`
    } catch (err) {
      last = err.message
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`${url} did not answer 200 within ${timeoutMs} ms (last: ${last})\n${proc.stderr()}`)
}

/** User + system CPU seconds a process (or with `tid`, one of its threads) has used so far (Linux /proc), or null elsewhere. */
function cpuSeconds(pid, tid) {
  try {
    const stat = readFileSync(tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK
  } catch {
    return null
  }
}

/** Machine-wide CPU jiffies from /proc/stat: total and steal (time the hypervisor gave to other guests). */
function machineJiffies() {
  try {
    const cpu = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/).slice(1).map(Number)
    return { total: cpu.reduce((a, b) => a + b, 0), steal: cpu[7] ?? 0 }
  } catch {
    return null
  }
}

/** Runs the load generator against `url`, measuring the CPU each watched process uses in the measured window. */
function drive(url, watched, headers) {
  return new Promise((resolve, reject) => {
    const load = startNode([join(BENCH, 'load.mjs'), JSON.stringify({ url, connections, warmup, duration, headers })], { cpu: pinning?.load })
    const pids = { ...watched, load: load.child.pid }
    let before = null
    let windowStart = 0
    let machineBefore = null
    let buf = ''
    load.child.stdout.on('data', (d) => {
      buf += d
      let nl
      while ((nl = buf.indexOf('\n')) !== -1) {
        const line = buf.slice(0, nl)
        buf = buf.slice(nl + 1)
        if (line === 'MEASURE') {
          before = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, cpuSeconds(pid)]))
          if (pids.proxy) before.proxyMain = cpuSeconds(pids.proxy, pids.proxy)
          windowStart = performance.now()
          machineBefore = machineJiffies()
        } else if (line.startsWith('RESULT ')) {
          const result = JSON.parse(line.slice(7))
          const wall = (performance.now() - windowStart) / 1000
          const cpu = {}
          for (const [k, pid] of Object.entries(pids)) {
            const now = cpuSeconds(pid)
            cpu[k] = before?.[k] == null || now === null ? null : (100 * (now - before[k])) / wall
          }
          // The candidate's main thread alone (the rest: function worker threads, GC and libuv helpers).
          if (pids.proxy) {
            const now = cpuSeconds(pids.proxy, pids.proxy)
            cpu.proxyMain = before?.proxyMain == null || now === null ? null : (100 * (now - before.proxyMain)) / wall
          }
          result.cpuPercent = cpu
          const machineAfter = machineJiffies()
          result.stealPercent = machineBefore && machineAfter && machineAfter.total > machineBefore.total ? (100 * (machineAfter.steal - machineBefore.steal)) / (machineAfter.total - machineBefore.total) : null
          // Requests per CPU-second of the candidate: less sensitive than req/s to other work on the machine.
          result.perCpuSecond = cpu.proxy ? result.rps / (cpu.proxy / 100) : null
          resolve(result)
        }
      }
    })
    load.exited.then(({ code, signal }) => reject(new Error(`load generator exited (${signal ?? code}) without a result\n${load.stderr()}`)))
  })
}

// --- Redis (keyed scenario) ---------------------------------------------------------------------------

/** Sends raw RESP commands to Redis on loopback; resolves with the reply text, or null when none answers. */
function redisRaw(commands, until, timeoutMs = 1000) {
  return new Promise((resolve) => {
    const sock = connect(6379, '127.0.0.1')
    let buf = ''
    const done = (v) => {
      clearTimeout(timer)
      sock.destroy()
      resolve(v)
    }
    const timer = setTimeout(() => done(null), timeoutMs)
    sock.on('connect', () => sock.write(commands))
    sock.on('data', (d) => {
      buf += d
      if (until.test(buf)) done(buf)
    })
    sock.on('error', () => done(null))
    sock.on('close', () => done(buf || null))
  })
}

/** `{pid}` of the Redis at REDIS_URL when it answers PING (pid null when it runs where we cannot see it), else null. */
async function probeRedis() {
  const reply = await redisRaw('PING\r\nINFO server\r\n', /process_id:\d+/)
  if (reply === null || !reply.startsWith('+PONG')) return null
  const pid = Number(/process_id:(\d+)/.exec(reply)?.[1])
  return { pid: pid && existsSync(`/proc/${pid}/stat`) ? pid : null }
}

/** Deletes the keys one run wrote under its own prefix; returns how many there were (null without redis-cli). */
function dropRedisKeys(prefix) {
  const scan = spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', '6379', '--scan', '--pattern', `${prefix}*`], { encoding: 'utf8' })
  if (scan.status !== 0) return null
  const keys = scan.stdout.split('\n').filter(Boolean)
  for (let i = 0; i < keys.length; i += 500) spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', '6379', 'DEL', ...keys.slice(i, i + 500)], { stdio: 'ignore' })
  return keys.length
}

// --- candidates --------------------------------------------------------------------------------------

function proxyApi(upstreamPort, { apiKeyRequired = false } = {}) {
  const method = { 'x-amazon-apigateway-integration': { type: 'http_proxy', httpMethod: 'GET', uri: `http://127.0.0.1:${upstreamPort}/hello` } }
  if (!apiKeyRequired) return { openapi: '3.0.1', info: { title: 'gatehouse-bench', version: '1' }, paths: { '/hello': { get: method } } }
  return {
    openapi: '3.0.1',
    info: { title: 'gatehouse-bench-keyed', version: '1' },
    paths: { '/hello': { get: { security: [{ api_key: [] }], ...method } } },
    components: { securitySchemes: { api_key: { type: 'apiKey', name: 'x-api-key', in: 'header' } } },
  }
}

const LAMBDA_API = {
  openapi: '3.0.1',
  info: { title: 'gatehouse-bench-lambda', version: '1' },
  paths: {
    '/hello': {
      get: {
        'x-amazon-apigateway-integration': {
          type: 'aws_proxy',
          httpMethod: 'POST',
          uri: 'arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:hello/invocations',
        },
      },
    },
  },
}

/** The keyed scenario's config file: the route requires a key; a usage plan with limits far above any load here. */
function keyedConfig() {
  return `# Written by bench/run.mjs (keyed scenario).
apis:
  - name: keyed
    type: rest
    openapi: ./keyed-api.json
    stages:
      dev:
        methodSettings:
          '*/*':
            metricsEnabled: true
apiKeys:
  - name: bench
    value: ${BENCH_KEY}
usagePlans:
  - name: bench
    apiStages:
      - api: keyed
        stage: dev
    throttle: { rateLimit: 1000000, burstLimit: 1000000 }
    apiKeys: [bench]
`
}

/**
 * The cached scenario's config file: the proxy route with the stage cache on (every request after the first is
 * a hit) or off; the stage throttle far above any load here (the account throttle is lifted by --account-limit).
 */
function cachedConfig(enabled) {
  return `# Written by bench/run.mjs (cached scenario).
apis:
  - name: cached
    type: rest
    openapi: ./bench-api.json
    stages:
      dev:
        cacheClusterEnabled: ${enabled}
        methodSettings:
          '*/*': { cachingEnabled: true, cacheTtlInSeconds: 3600, throttlingRateLimit: 1000000, throttlingBurstLimit: 1000000 }
`
}

/** Each candidate starts its server and returns the URL to load, the process to watch and, for Gatehouse, its admin URL. */
const CANDIDATES = {
  direct: {
    label: 'upstream, no proxy (reference)',
    async start(ctx) {
      return { url: `${ctx.upstreamUrl}/hello`, proc: null }
    },
  },
  gatehouse: {
    label: 'Gatehouse, REST HTTP_PROXY route, access log off',
    start: (ctx) => startGatehouse(ctx, { name: 'gatehouse', source: ['--rest-api', ctx.proxyApiFile] }),
  },
  'gatehouse-access-log': {
    label: 'Gatehouse, same route, access log on (to /dev/null)',
    start: (ctx) => startGatehouse(ctx, { name: 'gatehouse-access-log', source: ['--rest-api', ctx.proxyApiFile], accessLog: true }),
  },
  'undici-proxy': {
    label: 'node:http + undici Pool.request (bare proxy)',
    start: (ctx) => startBaseline(ctx, 'undici-proxy', 'undici-proxy.mjs'),
  },
  'http-proxy': {
    label: 'http-proxy + keep-alive http.Agent',
    start: (ctx) => startBaseline(ctx, 'http-proxy', 'http-proxy.mjs'),
  },
  'gatehouse-lambda': {
    label: 'Gatehouse, REST AWS_PROXY route to bench/lambda/hello.mjs, default log level (START/END/REPORT lines to a file)',
    start: (ctx) => startGatehouse(ctx, { name: 'gatehouse-lambda', source: ['--rest-api', ctx.lambdaApiFile, '--functions', join(BENCH, 'lambda')], logLevel: null }),
  },
  'gatehouse-lambda-quiet': {
    label: 'Gatehouse, same route, --log-level warn (no per-invocation log lines)',
    start: (ctx) => startGatehouse(ctx, { name: 'gatehouse-lambda-quiet', source: ['--rest-api', ctx.lambdaApiFile, '--functions', join(BENCH, 'lambda')] }),
  },
  'serverless-offline': {
    label: 'serverless@3 + serverless-offline@13, worker-thread runner, same handler (its request log to a file)',
    start: (ctx) => startServerlessOffline(ctx),
  },
  // AWS's account throttle (10,000 rps) would answer hits beyond it with 429: both run without it.
  'gatehouse-cached': {
    label: 'Gatehouse, REST HTTP_PROXY route answered from the stage cache (in memory), --account-limit off',
    start: (ctx) => startGatehouse(ctx, { name: 'gatehouse-cached', source: ['--config', ctx.cachedConfigFile, '--account-limit', 'off'] }),
  },
  'gatehouse-uncached': {
    label: 'Gatehouse, the same route and flags with the stage cache off',
    start: (ctx) => startGatehouse(ctx, { name: 'gatehouse-uncached', source: ['--config', ctx.uncachedConfigFile, '--account-limit', 'off'] }),
  },
  'gatehouse-keyed': {
    label: 'Gatehouse, API key + usage-plan throttle + access log + metrics, in-memory state',
    start: async (ctx) => ({ ...(await startGatehouse(ctx, { name: 'gatehouse-keyed', source: ['--config', ctx.keyedConfigFile], accessLog: true })), requiresKey: true }),
  },
  'gatehouse-keyed-redis': {
    label: `Gatehouse, the same, state in Redis (--redis ${REDIS_URL})`,
    async start(ctx) {
      if (ctx.redis === null) return { skipped: `no Redis answered at ${REDIS_URL}` }
      const prefix = `gatehouse-bench-${stamp}-${process.hrtime.bigint()}:`
      const started = await startGatehouse(ctx, { name: 'gatehouse-keyed-redis', source: ['--config', ctx.keyedConfigFile, '--redis', REDIS_URL, '--redis-prefix', prefix, '--redis-unavailable', 'closed'], accessLog: true })
      return { ...started, requiresKey: true, redisPrefix: prefix, watch: ctx.redis.pid ? { redis: ctx.redis.pid } : {} }
    },
  },
}

/** `--cpu-prof` into results/profiles/<run>/<candidate>/ when --profile is on (for the lambda scenario, the main thread only). */
function profileArgs(name) {
  if (!args.profile) return []
  const dir = join(profileDir, name)
  mkdirSync(dir, { recursive: true })
  if (scenario.mainThreadProfile) {
    process.env.BENCH_CPU_PROF_DIR = dir
    return ['--import', pathToFileURL(join(BENCH, 'main-thread-profile.mjs')).href]
  }
  return ['--cpu-prof', '--cpu-prof-dir', dir]
}

async function startBaseline(ctx, name, script) {
  const proc = startNode([...profileArgs(name), join(BENCH, 'proxies', script), '0', ctx.upstreamUrl], { cpu: pinning?.proxy })
  const { port } = await readyLine(proc)
  return { url: `http://127.0.0.1:${port}/hello`, proc }
}

/** Retries a start that lost its free port to someone else before binding it. */
async function withPortRetry(startOnce) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce()
    } catch (err) {
      if (attempt >= 3 || !/EADDRINUSE|address already in use/i.test(err.message)) throw err
    }
  }
}

/**
 * The real CLI: `gatehouse serve …source --stage dev`. logLevel null keeps the default (info: function
 * START/END/REPORT lines); stderr then goes to a file, as it does for serverless-offline's request log.
 */
function startGatehouse(ctx, { name: own, source, accessLog = false, logLevel = 'warn' }) {
  // The --against twin runs the same candidate from the other build.
  const root = ctx.againstRun ? against : GATEHOUSE
  const name = ctx.againstRun ? `${own}-against` : own
  return withPortRetry(async () => {
    const port = await freePort()
    const adminPort = await freePort()
    const nodeArgs = [...profileArgs(name), join(root, 'bin', 'gatehouse.js'), 'serve', ...source, '--stage', 'dev', '--port', String(port), '--host', '127.0.0.1', '--admin-port', String(adminPort), '--no-watch']
    if (logLevel !== null) nodeArgs.push('--log-level', logLevel)
    if (!accessLog) nodeArgs.push('--no-access-log')
    // Access-log lines go to stdout: /dev/null, so we measure producing them, not a terminal.
    const stdout = openSync('/dev/null', 'w')
    const stderrFile = logLevel === null ? join(ctx.tmp, `${name}.stderr.log`) : null
    const proc = startNode(nodeArgs, { cpu: pinning?.proxy, stdout, stderrFile, cwd: ROOT })
    closeSync(stdout)
    const url = `http://127.0.0.1:${port}/dev/hello`
    try {
      await waitFor200(url, proc, 30_000, scenario.headers)
    } catch (err) {
      await stop(proc)
      throw err
    }
    return { url, proc, adminUrl: `http://127.0.0.1:${adminPort}` }
  })
}

/**
 * `serverless offline` in bench/lambda with the worker-thread runner (v13's default), on loopback, without
 * the stage in the URL. Fake credentials and region: it must never reach AWS.
 */
function startServerlessOffline(ctx) {
  return withPortRetry(async () => {
    const port = await freePort()
    const lambdaPort = await freePort()
    const sls = join(BENCH, 'node_modules', 'serverless', 'bin', 'serverless.js')
    const nodeArgs = [...profileArgs('serverless-offline'), sls, 'offline', '--host', '127.0.0.1', '--httpPort', String(port), '--lambdaPort', String(lambdaPort), '--noPrependStageInUrl']
    const env = {
      ...process.env,
      AWS_ACCESS_KEY_ID: 'AKIABENCHFAKEKEY0000',
      AWS_SECRET_ACCESS_KEY: 'bench-fake-secret-not-a-real-key',
      AWS_REGION: 'us-east-1',
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_EC2_METADATA_DISABLED: 'true',
      SLS_TELEMETRY_DISABLED: '1',
      SLS_NOTIFICATIONS_MODE: 'off',
      SLS_DEPRECATION_DISABLE: '*',
    }
    delete env.AWS_PROFILE
    const stdout = openSync('/dev/null', 'w')
    const proc = startNode(nodeArgs, { cpu: pinning?.proxy, stdout, stderrFile: join(ctx.tmp, 'serverless-offline.stderr.log'), cwd: join(BENCH, 'lambda'), env })
    closeSync(stdout)
    const url = `http://127.0.0.1:${port}/hello`
    try {
      // Serverless loads its whole framework first: tens of seconds on a busy machine.
      await waitFor200(url, proc, 120_000)
    } catch (err) {
      await stop(proc)
      throw err
    }
    return { url, proc }
  })
}

/** `apigateway_Count` for GET /hello from Gatehouse's /metrics, or null. */
async function metricsCount(adminUrl) {
  try {
    const r = await get(`${adminUrl}/metrics`)
    let n = 0
    let seen = false
    for (const m of r.body.matchAll(/^apigateway_Count\{([^}]*)\} (\d+)/gm)) {
      if (m[1].includes('method="GET"') && m[1].includes('resource="/hello"')) {
        n += Number(m[2])
        seen = true
      }
    }
    return seen ? n : null
  } catch {
    return null
  }
}

// --- the vtl scenario (no HTTP) ------------------------------------------------------------------------

if (isVtl) {
  preamble(`${rounds} timed rounds of ${(duration / rounds).toFixed(2)} s per template after a warm-up, one process`)
  const vtlArgs = [...profileArgs('vtl'), join(BENCH, 'vtl.mjs'), JSON.stringify({ root: GATEHOUSE, seconds: duration / rounds, rounds })]
  const proc = startNode(vtlArgs, { cpu: pinning?.proxy })
  let out = ''
  proc.child.stdout.on('data', (d) => (out += d))
  const { code } = await proc.exited
  const m = /^RESULT (.*)$/m.exec(out)
  if (code !== 0 || !m) fail(`the template benchmark failed (exit ${code})\n${proc.stderr()}`)
  const templates = JSON.parse(m[1])
  const fmt = (n, d = 0) => (n === null || n === undefined ? '-' : Number(n).toFixed(d))
  const header = ['template', 'renders', 'µs/render', 'renders/s', 'renders/CPU-s', 'out bytes']
  const rows = templates.map((t) => [t.name, String(t.renders), fmt(t.usPerRender, 2), fmt(t.rendersPerSec), fmt(t.rendersPerCpuSec), String(t.outputBytes)])
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)))
  const line = (cells) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ')
  process.stdout.write(`${line(header)}\n${line(widths.map((w) => '-'.repeat(w)))}\n${rows.map(line).join('\n')}\n`)
  process.stdout.write(`\n(medians of ${rounds} rounds; µs/render and renders/s are wall-clock, renders/CPU-s uses the process's own CPU time)\n`)
  for (const t of templates) process.stdout.write(`  ${t.name}: ${t.what}\n`)
  let profile = null
  if (args.profile && existsSync(join(profileDir, 'vtl'))) {
    const { topSelf, formatTop } = await import('./profile-top.mjs')
    const file = readdirSync(join(profileDir, 'vtl')).filter((f) => f.endsWith('.cpuprofile')).map((f) => join(profileDir, 'vtl', f))[0]
    if (file) {
      const top = topSelf(file, 30, { root: GATEHOUSE })
      profile = { file, functions: top.functions, inclusive: top.inclusive, groups: top.groups }
      process.stdout.write(`\nCPU profile (${file}):\n${formatTop(top)}\n`)
    }
  }
  writeReport({ options: { secondsPerTemplate: duration, rounds, profile: Boolean(args.profile) }, templates, profile })
  process.exit(0)
}

// --- the websocket scenario (bench/websocket/) ---------------------------------------------------------

if (scenarioName === 'websocket') {
  const { runWebSocketScenario, fileLimits, WS_DEFAULTS } = await import('./websocket/scenario.mjs')
  const o = {
    ...WS_DEFAULTS,
    duration,
    warmup: warmup || 1,
    rounds: args.rounds ? rounds : WS_DEFAULTS.rounds,
    only: args.only ? args.only.split(',').map((s) => s.trim()).filter(Boolean) : scenario.candidates,
    functionBroadcast: true,
  }
  if (args.quick) Object.assign(o, { idle: 2000, broadcastConnections: 200, rounds: 2 })
  const limits = fileLimits()
  machine.openFileLimit = limits
  // Each of the candidate and the load generator holds one descriptor per connection, plus a few dozen.
  if (limits.hard < o.idle + 512) fail(`the open-file limit (ulimit -Hn ${limits.hard}) is below ${o.idle + 512}: raise it (ulimit -n 65536 as root, or nofile in /etc/security/limits.conf) or pass --quick`)
  preamble(
    `${o.idle} idle connections; echo: ${o.echoConnections} connections, ${o.rate} messages/s in all, ${o.warmup}s warm-up + ${o.duration}s measured; ` +
      `broadcast: ${o.broadcastConnections} connections, ${o.rounds} rounds; open files: soft ${limits.soft}, hard ${limits.hard} (children raise the soft limit to the hard one)`,
  )
  const tmp = mkdtempSync(join(tmpdir(), 'gatehouse-bench-'))
  const results = await runWebSocketScenario(
    { tmp, BENCH, GATEHOUSE, CLI, pinning, children, stop, freePort, tailOf, CLK_TCK },
    o,
  )
  rmSync(tmp, { recursive: true, force: true })
  const fmt = (n, d = 0) => (n === null || n === undefined ? '-' : Number(n).toFixed(d))
  const header = ['candidate', 'RSS idle MB', `RSS ${o.idle} conns MB`, 'KB/conn', 'echo p50 ms', 'p99 ms', 'p99.9 ms', 'max ms', 'missing', 'cand. CPU%', `bcast ${o.broadcastConnections} median ms`, 'max ms', 'via function median ms']
  const rows = o.only.map((name) => {
    const r = results[name]
    if (!r || r.failed) return [name, 'FAILED', ...header.slice(2).map(() => '')]
    return [
      name,
      fmt(r.idle.rssBeforeMb),
      fmt(r.idle.rssAfter5sMb),
      fmt(r.idle.kbPerConnection, 1),
      fmt(r.echo.latencyMs.p50, 2),
      fmt(r.echo.latencyMs.p99, 2),
      fmt(r.echo.latencyMs.p999, 2),
      fmt(r.echo.latencyMs.max, 1),
      String(r.echo.missing),
      fmt(r.echo.candidateCpuPercent),
      fmt(r.broadcast.medianMs, 1),
      fmt(r.broadcast.maxMs, 1),
      r.functionBroadcast ? fmt(r.functionBroadcast.medianMs, 1) : '-',
    ]
  })
  const widths = header.map((hd, i) => Math.max(hd.length, ...rows.map((r) => r[i].length)))
  const line = (cells) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ')
  process.stdout.write(`\n${line(header)}\n${line(widths.map((w) => '-'.repeat(w)))}\n${rows.map(line).join('\n')}\n`)
  const g = results.gatehouse
  const targets = {}
  if (g && !g.failed) {
    targets.rss = { mb: g.idle.rssAfter5sMb, targetMb: 300, met: g.idle.rssAfter5sMb <= 300 }
    targets.echoP99 = { ms: g.echo.latencyMs.p99, targetMs: 5, met: g.echo.latencyMs.p99 !== null && g.echo.latencyMs.p99 <= 5 && g.echo.missing === 0 }
    process.stdout.write(`\ntargets (reported, not enforced): RSS with ${o.idle} idle connections ≤ 300 MB: ${targets.rss.met ? 'met' : 'short'}; echo p99 at ${o.rate}/s ≤ 5 ms: ${targets.echoP99.met ? 'met' : 'short'}\n`)
  }
  const failedAny = Object.values(results).some((r) => r.failed || r.echo?.missing > 0 || r.broadcast?.incomplete > 0 || r.functionBroadcast?.incomplete > 0)
  writeReport({ options: { ...o, loadGenerator: 'bench/websocket/load.mjs (ws clients in one Node process)' }, results, targets })
  process.exit(failedAny ? 1 : 0)
}

// --- the HTTP scenarios --------------------------------------------------------------------------------

const known = [...scenario.candidates, ...scenario.extra]
const only = args.only ? args.only.split(',').map((s) => s.trim()).filter(Boolean) : [...scenario.candidates]
// --against DIR: another build of Gatehouse (e.g. a git worktree of the previous commit, built), run
// right after the scenario's main Gatehouse candidate in each round, so a change is compared under the
// same conditions.
const againstName = `${scenario.main}-against`
if (against !== null) {
  const main = CANDIDATES[scenario.main]
  CANDIDATES[againstName] = {
    label: `${main.label}; the build from --against`,
    start: (ctx) => main.start({ ...ctx, againstRun: true }),
  }
  known.push(againstName)
  if (!only.includes(againstName)) only.splice(only.includes(scenario.main) ? only.indexOf(scenario.main) + 1 : 0, 0, againstName)
}
for (const name of only) if (!known.includes(name)) fail(`unknown candidate '${name}' for scenario ${scenarioName} (known: ${known.join(', ')})`)

const tmp = mkdtempSync(join(tmpdir(), 'gatehouse-bench-'))
const ctx = { tmp, upstreamUrl: null, redis: null }

let upstream = null
let expected = null
if (scenario.upstream) {
  upstream = startNode([join(BENCH, 'upstream.mjs'), '0'], { cpu: pinning?.upstream })
  let upstreamPort
  try {
    ;({ port: upstreamPort } = await readyLine(upstream))
  } catch (err) {
    fail(`the upstream did not start: ${err.message}`)
  }
  ctx.upstreamUrl = `http://127.0.0.1:${upstreamPort}`
  ctx.proxyApiFile = join(tmp, 'bench-api.json')
  writeFileSync(ctx.proxyApiFile, JSON.stringify(proxyApi(upstreamPort), null, 2))
  writeFileSync(join(tmp, 'keyed-api.json'), JSON.stringify(proxyApi(upstreamPort, { apiKeyRequired: true }), null, 2))
  ctx.keyedConfigFile = join(tmp, 'gatehouse.yaml')
  writeFileSync(ctx.keyedConfigFile, keyedConfig())
  ctx.cachedConfigFile = join(tmp, 'cached.yaml')
  writeFileSync(ctx.cachedConfigFile, cachedConfig(true))
  ctx.uncachedConfigFile = join(tmp, 'uncached.yaml')
  writeFileSync(ctx.uncachedConfigFile, cachedConfig(false))
  expected = (await get(`${ctx.upstreamUrl}/hello`)).body
} else {
  ctx.lambdaApiFile = join(tmp, 'lambda-api.json')
  writeFileSync(ctx.lambdaApiFile, JSON.stringify(LAMBDA_API, null, 2))
  expected = (await import('./lambda/hello.mjs')).BODY
}
if (only.some((n) => n.includes('redis'))) {
  ctx.redis = await probeRedis()
  if (ctx.redis === null) process.stdout.write(`note: no Redis answered at ${REDIS_URL}; the Redis variant is skipped\n`)
}

preamble(`${connections} connections, ${warmup}s warm-up + ${duration}s measured per candidate${rounds > 1 ? `, ${rounds} rounds` : ''}; candidates: ${only.join(', ')}`)

/** Every run of every candidate, in order; `results` keeps the median run (by req/s) of each. */
const runs = Object.fromEntries(only.map((name) => [name, []]))
let failed = false
for (let round = 1; round <= rounds; round++) {
  if (rounds > 1) process.stdout.write(`round ${round} of ${rounds}\n`)
  // Every other round runs the candidates in reverse, so no candidate always gets the same slot.
  for (const name of round % 2 === 0 ? [...only].reverse() : only) {
    const cand = CANDIDATES[name]
    process.stdout.write(`· ${name}: ${cand.label} … `)
    let started = null
    let run = null
    try {
      started = await cand.start(ctx)
      if (started.skipped) {
        run = { label: cand.label, round, skipped: started.skipped }
        process.stdout.write(`skipped: ${started.skipped}\n`)
        runs[name].push(run)
        continue
      }
      const probe = await get(started.url, scenario.headers)
      if (probe.status !== 200 || probe.body !== expected) {
        throw new Error(`a probe through it answered HTTP ${probe.status} with ${JSON.stringify(probe.body.slice(0, 200))}, not the expected body`)
      }
      if (started.requiresKey) {
        // The key must really be checked: without it the route answers 403.
        const bare = await get(started.url)
        if (bare.status !== 403) throw new Error(`without x-api-key it answered HTTP ${bare.status}, not 403`)
      }
      const watched = { ...(started.watch ?? {}) }
      if (upstream) watched.upstream = upstream.child.pid
      if (started.proc) watched.proxy = started.proc.child.pid
      const r = await drive(started.url, watched, scenario.headers)
      r.errorCount = r.errors + r.timeouts + r.non2xx + r.resets
      run = { label: cand.label, round, ...r }
      if (started.adminUrl) {
        // Metrics must have counted every request: warm-up and probes included, so at least the measured ones.
        run.metricsCount = await metricsCount(started.adminUrl)
        if (run.metricsCount !== null && run.metricsCount < r.requests) process.stdout.write(`(metrics counted ${run.metricsCount} < ${r.requests} requests) `)
      }
      if (r.errorCount > 0) failed = true
      process.stdout.write(`${Math.round(r.rps)} req/s, p99 ${r.latency.p99} ms${r.errorCount > 0 ? `, ${r.errorCount} errors ${JSON.stringify(r.statusCodes)}` : ''}\n`)
    } catch (err) {
      failed = true
      run = { label: cand.label, round, failed: String(err.message ?? err) }
      process.stdout.write(`FAILED\n  ${String(err.message ?? err).replace(/\n/g, '\n  ')}\n`)
    } finally {
      if (started?.proc) {
        // Every candidate exits 0 on SIGTERM; anything else is worth seeing in the JSON, not a failure.
        const { code, signal } = await stop(started.proc)
        if (code !== 0 && run) run.exit = signal ?? code
      }
      if (started?.redisPrefix && run) run.redisKeysWritten = dropRedisKeys(started.redisPrefix)
    }
    runs[name].push(run)
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]
const results = {}
for (const [name, list] of Object.entries(runs)) {
  const bad = list.find((r) => r.failed || r.skipped)
  if (bad) results[name] = bad
  else {
    // The median run by req/s, with the median req/CPU-s of all rounds (rounds are noisy independently).
    results[name] = { ...[...list].sort((a, b) => a.rps - b.rps)[Math.floor((list.length - 1) / 2)] }
    const perCpu = list.map((r) => r.perCpuSecond).filter((x) => x !== null)
    results[name].perCpuSecond = perCpu.length > 0 ? median(perCpu) : null
  }
}
if (upstream) await stop(upstream)

// --- report ------------------------------------------------------------------------------------------

const ratioPairs = [...scenario.ratios]
if (against !== null) {
  for (const [a, b, t] of scenario.ratios) if (a === scenario.main) ratioPairs.push([againstName, b, t])
  ratioPairs.push([scenario.main, againstName, null])
}
const ratios = {}
for (const [a, b, target] of ratioPairs) {
  const x = results[a]
  const y = results[b]
  if (x?.rps && y?.rps) ratios[`${a} / ${b}`] = { ratio: x.rps / y.rps, perCpuRatio: x.perCpuSecond && y.perCpuSecond ? x.perCpuSecond / y.perCpuSecond : null, target }
}

const fmt = (n, d = 0) => (n === null || n === undefined ? '-' : Number(n).toFixed(d))
const hasRedis = Object.values(results).some((r) => r.cpuPercent?.redis != null)
const header = ['candidate', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'non-2xx', 'cand. CPU%', ...(scenario.mainThreadColumn ? ['main thread CPU%'] : []), 'req/CPU-s', ...(scenario.upstream ? ['upstream CPU%'] : []), ...(hasRedis ? ['redis CPU%'] : []), 'load CPU%', 'steal%']
const rows = only.map((name) => {
  const r = results[name]
  if (!r || r.failed || r.skipped) return [name, r?.skipped ? 'skipped' : 'FAILED', ...header.slice(2).map(() => '')]
  return [
    name,
    fmt(r.rps),
    fmt(r.latency.p50),
    fmt(r.latency.p99),
    String(r.errors + r.timeouts + r.resets),
    String(r.non2xx),
    fmt(r.cpuPercent.proxy),
    ...(scenario.mainThreadColumn ? [fmt(r.cpuPercent.proxyMain)] : []),
    fmt(r.perCpuSecond),
    ...(scenario.upstream ? [fmt(r.cpuPercent.upstream)] : []),
    ...(hasRedis ? [fmt(r.cpuPercent.redis)] : []),
    fmt(r.cpuPercent.load),
    fmt(r.stealPercent),
  ]
})
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)))
const line = (cells) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ')
let out = (rounds > 1 ? `\nmedian of ${rounds} rounds (req/s columns from the median run; req/CPU-s the median of all rounds):` : '') + '\n' + line(header) + '\n' + line(widths.map((w) => '-'.repeat(w))) + '\n' + rows.map(line).join('\n') + '\n'
if (Object.keys(ratios).length > 0) {
  out += '\nratios (targets from the performance issue, reported, not enforced):\n'
  for (const [k, { ratio, perCpuRatio, target }] of Object.entries(ratios)) {
    const perCpu = perCpuRatio === null ? '' : `   (per CPU-second ${perCpuRatio.toFixed(2)}×${target === null ? '' : `, ${perCpuRatio >= target ? 'met' : 'short'}`})`
    const verdict = target === null ? ''.padEnd(21) : `target ≥ ${target}×  ${ratio >= target ? 'met  ' : 'short'}`
    out += `  ${k.padEnd(46)} ${ratio.toFixed(2).padStart(6)}× req/s   ${verdict}${perCpu}\n`
  }
}
const latencyTargets = {}
if (scenario.p99TargetMs) {
  out += `\nwarm p99 latency at ${connections} connections (target < ${scenario.p99TargetMs} ms for Gatehouse; autocannon records whole milliseconds):\n`
  for (const name of only) {
    const r = results[name]
    if (!r?.latency) continue
    const met = r.latency.p99 < scenario.p99TargetMs
    if (name.startsWith('gatehouse')) latencyTargets[name] = { p99: r.latency.p99, targetMs: scenario.p99TargetMs, met }
    out += `  ${name.padEnd(28)} p50 ${String(r.latency.p50).padStart(4)} ms   p99 ${String(r.latency.p99).padStart(4)} ms${name.startsWith('gatehouse') ? `   ${met ? 'met' : 'short'}` : ''}\n`
  }
  // Little's law: a closed loop of N connections at X req/s has a mean latency of N/X.
  const best = Math.max(...only.filter((n) => n.startsWith('gatehouse')).map((n) => results[n]?.rps ?? 0))
  if (best > 0) out += `  (with ${connections} connections always busy, mean latency is ${connections} / req/s: ${((1000 * connections) / best).toFixed(1)} ms at ${Math.round(best)} req/s; a p99 under ${scenario.p99TargetMs} ms needs well over ${Math.round((1000 * connections) / scenario.p99TargetMs)} req/s)\n`
}
const busy = Object.values(results).some((r) => r.cpuPercent && r.cpuPercent.load + (r.cpuPercent.upstream ?? 0) > 90 && pinning && pinning.load === pinning.upstream)
if (busy && scenario.upstream) out += '\nnote: the load generator and upstream share one CPU and used most of it on some rows; a candidate whose CPU% is well under 100 was limited by them, not by itself.\n'
if (hasRedis) out += '\nnote: Redis is not pinned and its CPU is not in req/CPU-s; its CPU% is in the redis column.\n'
process.stdout.write(out)

let profile = null
if (args.profile && existsSync(profileDir)) {
  const { topSelf, formatTop } = await import('./profile-top.mjs')
  profile = {}
  for (const name of readdirSync(profileDir)) {
    const dir = join(profileDir, name)
    const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))
    // CPU.<date>.<time>.<pid>.<thread id>.<seq>.cpuprofile: thread 0 is the main thread; the others are
    // worker threads (Gatehouse's and serverless-offline's function environments).
    const thread = (f) => Number(/^CPU\.\d+\.\d+\.\d+\.(\d+)\.\d+\.cpuprofile$/.exec(f)?.[1] ?? 0)
    const mainFile = files.find((f) => thread(f) === 0) ?? files[0]
    if (!mainFile) continue
    const workers = files.filter((f) => f !== mainFile).map((f) => join(dir, f))
    const top = topSelf(join(dir, mainFile), 30, { root: name.endsWith('-against') ? against : GATEHOUSE })
    profile[name] = { file: join(dir, mainFile), functions: top.functions, inclusive: top.inclusive, groups: top.groups }
    if (name.startsWith('gatehouse')) process.stdout.write(`\n${name} CPU profile, main thread (${join(dir, mainFile)}):\n${formatTop(top)}\n`)
    if (workers.length > 0) {
      const wtop = topSelf(workers, 20, { root: name.endsWith('-against') ? against : GATEHOUSE })
      profile[name].workerThreads = { files: workers.length, busySamples: wtop.busySamples, mainBusySamples: top.busySamples, functions: wtop.functions, groups: wtop.groups }
      if (name.startsWith('gatehouse')) {
        process.stdout.write(`\n${name}: ${workers.length} worker-thread profiles, ${wtop.busySamples} busy samples together (main thread: ${top.busySamples}):\n${formatTop(wtop)}\n`)
      }
    }
  }
  process.stdout.write(`\nprofiles of every candidate: ${profileDir} (read one with \`node bench/profile-top.mjs FILE\`)\n`)
}

rmSync(tmp, { recursive: true, force: true })
writeReport({
  options: { connections, warmup, duration, rounds, profile: Boolean(args.profile), loadGenerator: 'autocannon', candidates: only },
  results,
  runs: rounds > 1 ? runs : undefined,
  ratios,
  latencyTargets: scenario.p99TargetMs ? latencyTargets : undefined,
  profile,
})
process.exit(failed ? 1 : 0)
