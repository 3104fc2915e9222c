// `npm run bench`: Gatehouse's plain HTTP_PROXY route against a bare undici proxy and http-proxy, one
// candidate at a time, each pinned to one core, all against the same loopback upstream and the same
// autocannon load. Prints a table with ratios and writes the figures to bench/results/. Speed is
// measured, not asserted: the exit code is non-zero only when a candidate failed or answered with errors.

import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { createServer } from 'node:net'
import { availableParallelism, cpus, loadavg, release, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { performance } from 'node:perf_hooks'

const BENCH = fileURLToPath(new URL('.', import.meta.url))
const ROOT = join(BENCH, '..')
const RESULTS = join(BENCH, 'results')

const HELP = `Usage: npm run bench -- [options]   (or: node bench/run.mjs [options])

  --duration S       measured seconds per candidate (default 10)
  --warmup S         warm-up seconds per candidate, discarded (default 3)
  --connections N    concurrent keep-alive connections (default 50)
  --rounds N         run every candidate N times, interleaved, and report each one's median run (default 1)
  --against DIR      also run another Gatehouse build (a checkout with dist/ built) as 'gatehouse-against'
  --quick            smoke run: --warmup 1 --duration 3
  --only A,B         run only these candidates (${'direct, gatehouse, gatehouse-access-log, undici-proxy, http-proxy'})
  --profile          run each candidate under node --cpu-prof; prints gatehouse's top functions, keeps all
  --build            run \`npm run build\` first (the gateway runs from dist/)
  --no-pin           do not pin processes to cores with taskset
  -h, --help         this text
`

/** Targets from the performance issue; reported, never enforced. */
const TARGETS = { 'undici-proxy': 0.9, 'http-proxy': 1.5 }

function fail(msg) {
  process.stderr.write(`bench: ${msg}\n`)
  process.exit(1)
}

let args
try {
  args = parseArgs({
    options: {
      duration: { type: 'string' },
      warmup: { type: 'string' },
      connections: { type: 'string' },
      rounds: { type: 'string' },
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

function positive(value, fallback, flag) {
  if (value === undefined) return fallback
  const n = Number(value)
  if (!Number.isFinite(n) || n <= 0) fail(`${flag} must be a positive number, got '${value}'`)
  return n
}
const duration = positive(args.duration, args.quick ? 3 : 10, '--duration')
const warmup = args.warmup === '0' ? 0 : positive(args.warmup, args.quick ? 1 : 3, '--warmup')
const connections = Math.round(positive(args.connections, 50, '--connections'))
const rounds = Math.round(positive(args.rounds, 1, '--rounds'))

const ALL = ['direct', 'gatehouse', 'gatehouse-access-log', 'undici-proxy', 'http-proxy']
const only = args.only ? args.only.split(',').map((s) => s.trim()).filter(Boolean) : [...ALL]
// --against DIR: another build of Gatehouse (e.g. a git worktree of the previous commit, built), run
// right after `gatehouse` in each round, so a change is compared under the same conditions.
const against = args.against ? resolve(args.against) : null
if (against !== null) {
  if (!existsSync(join(against, 'dist', 'cli', 'main.js'))) fail(`--against ${against}: no dist/cli/main.js there (build it first)`)
  ALL.push('gatehouse-against')
  if (!only.includes('gatehouse-against')) only.splice(only.includes('gatehouse') ? only.indexOf('gatehouse') + 1 : 0, 0, 'gatehouse-against')
}
for (const name of only) if (!ALL.includes(name)) fail(`unknown candidate '${name}' (known: ${ALL.join(', ')})`)

// --- setup: bench dependencies, the compiled gateway, core pinning ----------------------------------

if (!existsSync(join(BENCH, 'node_modules', 'autocannon', 'package.json')) || !existsSync(join(BENCH, 'node_modules', 'http-proxy', 'package.json'))) {
  process.stdout.write('bench: installing the bench dependencies (npm install --prefix bench)…\n')
  const r = spawnSync('npm', ['install', '--prefix', BENCH, '--no-audit', '--no-fund'], { stdio: 'inherit', cwd: ROOT })
  if (r.status !== 0) fail('could not install the bench dependencies; run `npm install --prefix bench` from the repository root')
}

if (args.build) {
  const r = spawnSync('npm', ['run', 'build'], { stdio: 'inherit', cwd: ROOT })
  // tsc still emits on type errors elsewhere in the tree; only a missing CLI stops us.
  if (r.status !== 0) process.stderr.write('bench: `npm run build` reported errors; continuing with what it emitted\n')
}
const CLI = join(ROOT, 'dist', 'cli', 'main.js')
if (only.some((n) => n.startsWith('gatehouse')) && !existsSync(CLI)) fail('dist/ is missing: run `npm run build` first (or pass --build)')
const staleDist = existsSync(CLI) && newestMtime(join(ROOT, 'src')) > statSync(CLI).mtimeMs

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

// --- processes ---------------------------------------------------------------------------------------

const children = new Set()
process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL')
})
for (const sig of ['SIGINT', 'SIGTERM']) process.once(sig, () => process.exit(130))

/** Spawns `node …args` (pinned to `cpu` when pinning), keeping the tail of stderr for error messages. */
function startNode(nodeArgs, { cpu, stdout = 'pipe', cwd = BENCH } = {}) {
  const [cmd, argv] = pinning && cpu !== undefined ? ['taskset', ['-c', String(cpu), process.execPath, ...nodeArgs]] : [process.execPath, nodeArgs]
  const child = spawn(cmd, argv, { cwd, stdio: ['ignore', stdout, 'pipe'] })
  children.add(child)
  let stderr = ''
  child.stderr.on('data', (d) => {
    stderr = (stderr + d).slice(-4000)
  })
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => {
    children.delete(child)
    resolve({ code, signal })
  }))
  return { child, exited, stderr: () => stderr.trim() }
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

function get(url) {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false, timeout: 2000 }, (res) => {
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

/** Polls `url` until it answers 200 (for the gateway, which prints no machine-readable ready line). */
async function waitFor200(url, proc, timeoutMs = 30_000) {
  const until = Date.now() + timeoutMs
  let last = ''
  while (Date.now() < until) {
    if (proc.child.exitCode !== null || proc.child.signalCode !== null) throw new Error(`exited before it was ready\n${proc.stderr()}`)
    try {
      const r = await get(url)
      if (r.status === 200) return
      last = `HTTP ${r.status} ${r.body.slice(0, 200)}`
    } catch (err) {
      last = err.message
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`${url} did not answer 200 within ${timeoutMs} ms (last: ${last})\n${proc.stderr()}`)
}

/** User + system CPU seconds a process has used so far (Linux /proc), or null elsewhere. */
function cpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
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
function drive(url, watched) {
  return new Promise((resolve, reject) => {
    const load = startNode([join(BENCH, 'load.mjs'), JSON.stringify({ url, connections, warmup, duration })], { cpu: pinning?.load })
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

// --- candidates --------------------------------------------------------------------------------------

function openApi(upstreamPort) {
  return {
    openapi: '3.0.1',
    info: { title: 'gatehouse-bench', version: '1' },
    paths: {
      '/hello': {
        get: { 'x-amazon-apigateway-integration': { type: 'http_proxy', httpMethod: 'GET', uri: `http://127.0.0.1:${upstreamPort}/hello` } },
      },
    },
  }
}

/** Each candidate starts its proxy and returns the URL to load and the process to watch. */
const CANDIDATES = {
  direct: {
    label: 'upstream, no proxy (reference)',
    async start(ctx) {
      return { url: `${ctx.upstreamUrl}/hello`, proc: null }
    },
  },
  gatehouse: {
    label: 'Gatehouse, REST HTTP_PROXY route, access log off',
    start: (ctx) => startGatehouse(ctx, false),
  },
  'gatehouse-against': {
    label: 'Gatehouse from --against, access log off',
    start: (ctx) => startGatehouse(ctx, false, against, 'gatehouse-against'),
  },
  'gatehouse-access-log': {
    label: 'Gatehouse, same route, access log on (to /dev/null)',
    start: (ctx) => startGatehouse(ctx, true),
  },
  'undici-proxy': {
    label: 'node:http + undici Pool.request (bare proxy)',
    start: (ctx) => startBaseline(ctx, 'undici-proxy', 'undici-proxy.mjs'),
  },
  'http-proxy': {
    label: 'http-proxy + keep-alive http.Agent',
    start: (ctx) => startBaseline(ctx, 'http-proxy', 'http-proxy.mjs'),
  },
}

/** `--cpu-prof` into results/profiles/<run>/<candidate>/ when --profile is on. */
function profileArgs(ctx, name) {
  if (!args.profile) return []
  const dir = join(ctx.profileDir, name)
  mkdirSync(dir, { recursive: true })
  return ['--cpu-prof', '--cpu-prof-dir', dir]
}

async function startBaseline(ctx, name, script) {
  const proc = startNode([...profileArgs(ctx, name), join(BENCH, 'proxies', script), '0', ctx.upstreamUrl], { cpu: pinning?.proxy })
  const { port } = await readyLine(proc)
  return { url: `http://127.0.0.1:${port}/hello`, proc }
}

async function startGatehouse(ctx, accessLog, root = ROOT, name = accessLog ? 'gatehouse-access-log' : 'gatehouse') {
  // A port found free can be taken by someone else before the gateway binds it: try again with new ones.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startGatehouseOnce(ctx, accessLog, root, name)
    } catch (err) {
      if (attempt >= 3 || !/EADDRINUSE/.test(err.message)) throw err
    }
  }
}

async function startGatehouseOnce(ctx, accessLog, root, name) {
  const port = await freePort()
  const adminPort = await freePort()
  const nodeArgs = []
  nodeArgs.push(...profileArgs(ctx, name))
  nodeArgs.push(join(root, 'bin', 'gatehouse.js'), 'serve', '--rest-api', ctx.apiFile, '--stage', 'dev', '--port', String(port), '--host', '127.0.0.1', '--admin-port', String(adminPort), '--no-watch', '--log-level', 'warn')
  if (!accessLog) nodeArgs.push('--no-access-log')
  // Access-log lines go to stdout: /dev/null, so we measure producing them, not a terminal.
  const stdout = openSync('/dev/null', 'w')
  const proc = startNode(nodeArgs, { cpu: pinning?.proxy, stdout, cwd: ROOT })
  const url = `http://127.0.0.1:${port}/dev/hello`
  try {
    await waitFor200(url, proc)
  } catch (err) {
    await stop(proc)
    throw err
  }
  return { url, proc }
}

// --- run ---------------------------------------------------------------------------------------------

const startedAt = new Date()
const stamp = startedAt.toISOString().replace(/[:.]/g, '-')
mkdirSync(RESULTS, { recursive: true })
const tmp = mkdtempSync(join(tmpdir(), 'gatehouse-bench-'))

const upstream = startNode([join(BENCH, 'upstream.mjs'), '0'], { cpu: pinning?.upstream })
let upstreamPort
try {
  ;({ port: upstreamPort } = await readyLine(upstream))
} catch (err) {
  fail(`the upstream did not start: ${err.message}`)
}
const ctx = {
  upstreamUrl: `http://127.0.0.1:${upstreamPort}`,
  apiFile: join(tmp, 'bench-api.json'),
  profileDir: join(RESULTS, 'profiles', stamp),
}
writeFileSync(ctx.apiFile, JSON.stringify(openApi(upstreamPort), null, 2))
const expected = await get(`${ctx.upstreamUrl}/hello`)

const machine = {
  nproc,
  cpu: cpus()[0]?.model ?? 'unknown',
  node: process.version,
  kernel: release(),
  loadAverageAtStart: loadavg().map((n) => Number(n.toFixed(2))),
  pinning: pinning ?? 'none (taskset missing, --no-pin, or a single CPU)',
}
const gitHead = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).stdout?.trim() || null

process.stdout.write(
  `Gatehouse bench — ${connections} connections, ${warmup}s warm-up + ${duration}s measured per candidate\n` +
    `machine: ${nproc} CPUs (${machine.cpu}), node ${machine.node}, load average ${machine.loadAverageAtStart.join(' ')}; ` +
    (pinning ? `candidate on CPU ${pinning.proxy}, load generator on CPU ${pinning.load}, upstream on CPU ${pinning.upstream}\n` : 'no core pinning\n') +
    (staleDist ? 'note: src/ has changes newer than dist/ — run `npm run build` (or pass --build) to measure them\n' : '') +
    (args.profile ? 'note: --profile: every candidate runs under --cpu-prof and is slower than it would be\n' : '') +
    '\n',
)

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
      const probe = await get(started.url)
      if (probe.status !== 200 || probe.body !== expected.body) {
        throw new Error(`a probe through it answered HTTP ${probe.status} with ${JSON.stringify(probe.body.slice(0, 200))}, not the upstream's body`)
      }
      const watched = { upstream: upstream.child.pid }
      if (started.proc) watched.proxy = started.proc.child.pid
      const r = await drive(started.url, watched)
      r.errorCount = r.errors + r.timeouts + r.non2xx + r.resets
      run = { label: cand.label, round, ...r }
      if (r.errorCount > 0) failed = true
      process.stdout.write(`${Math.round(r.rps)} req/s${r.errorCount > 0 ? `, ${r.errorCount} errors` : ''}\n`)
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
    }
    runs[name].push(run)
  }
}
const results = {}
for (const [name, list] of Object.entries(runs)) {
  const bad = list.find((r) => r.failed)
  if (bad) results[name] = bad
  else {
    const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]
    // The median run by req/s, with the median req/CPU-s of all rounds (rounds are noisy independently).
    results[name] = { ...[...list].sort((a, b) => a.rps - b.rps)[Math.floor((list.length - 1) / 2)] }
    const perCpu = list.map((r) => r.perCpuSecond).filter((x) => x !== null)
    results[name].perCpuSecond = perCpu.length > 0 ? median(perCpu) : null
  }
}
await stop(upstream)
rmSync(tmp, { recursive: true, force: true })

// --- report ------------------------------------------------------------------------------------------

const ratios = {}
for (const g of ['gatehouse', 'gatehouse-against', 'gatehouse-access-log']) {
  for (const base of Object.keys(TARGETS)) {
    const a = results[g]
    const b = results[base]
    if (a?.rps && b?.rps) {
      ratios[`${g} / ${base}`] = { ratio: a.rps / b.rps, perCpuRatio: a.perCpuSecond && b.perCpuSecond ? a.perCpuSecond / b.perCpuSecond : null, target: TARGETS[base] }
    }
  }
}

if (results.gatehouse?.rps && results['gatehouse-against']?.rps) {
  const a = results.gatehouse
  const b = results['gatehouse-against']
  ratios['gatehouse / gatehouse-against'] = { ratio: a.rps / b.rps, perCpuRatio: a.perCpuSecond && b.perCpuSecond ? a.perCpuSecond / b.perCpuSecond : null, target: null }
}

const fmt = (n, d = 0) => (n === null || n === undefined ? '-' : Number(n).toFixed(d))
const header = ['candidate', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'non-2xx', 'cand. CPU%', 'req/CPU-s', 'upstream CPU%', 'load CPU%', 'steal%']
const rows = only.map((name) => {
  const r = results[name]
  if (!r || r.failed) return [name, 'FAILED', '', '', '', '', '', '', '', '', '']
  return [name, fmt(r.rps), fmt(r.latency.p50), fmt(r.latency.p99), String(r.errors + r.timeouts + r.resets), String(r.non2xx), fmt(r.cpuPercent.proxy), fmt(r.perCpuSecond), fmt(r.cpuPercent.upstream), fmt(r.cpuPercent.load), fmt(r.stealPercent)]
})
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)))
const line = (cells) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ')
let out = (rounds > 1 ? `\nmedian of ${rounds} rounds (req/s columns from the median run; req/CPU-s the median of all rounds):` : '') + '\n' + line(header) + '\n' + line(widths.map((w) => '-'.repeat(w))) + '\n' + rows.map(line).join('\n') + '\n'
if (Object.keys(ratios).length > 0) {
  out += '\nratios (targets from the performance issue, reported, not enforced):\n'
  for (const [k, { ratio, perCpuRatio, target }] of Object.entries(ratios)) {
    const perCpu = perCpuRatio === null ? '' : `   (per CPU-second ${perCpuRatio.toFixed(2)}×)`
    const verdict = target === null ? ''.padEnd(21) : `target ≥ ${target}×  ${ratio >= target ? 'met  ' : 'short'}`
    out += `  ${k.padEnd(36)} ${ratio.toFixed(2)}× req/s   ${verdict}${perCpu}\n`
  }
}
const busy = Object.values(results).some((r) => r.cpuPercent && r.cpuPercent.load + r.cpuPercent.upstream > 90 && pinning && pinning.load === pinning.upstream)
if (busy) out += '\nnote: the load generator and upstream share one CPU and used most of it on some rows; a candidate whose CPU% is well under 100 was limited by them, not by itself.\n'
process.stdout.write(out)

let profile = null
if (args.profile && existsSync(ctx.profileDir)) {
  const { topSelf, formatTop } = await import('./profile-top.mjs')
  profile = {}
  for (const name of readdirSync(ctx.profileDir)) {
    const dir = join(ctx.profileDir, name)
    const file = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).map((f) => join(dir, f))[0]
    if (!file) continue
    const top = topSelf(file, 30)
    profile[name] = { file, functions: top.functions, inclusive: top.inclusive, groups: top.groups }
    if (name === 'gatehouse') process.stdout.write(`\ngatehouse CPU profile (${file}):\n${formatTop(top)}\n`)
  }
  process.stdout.write(`\nprofiles of every candidate: ${ctx.profileDir} (read one with \`node bench/profile-top.mjs FILE\`)\n`)
}

machine.loadAverageAtEnd = loadavg().map((n) => Number(n.toFixed(2)))
if (machine.loadAverageAtStart[0] > 0.5) {
  process.stdout.write(`\nnote: the machine was busy with other work (load average ${machine.loadAverageAtStart[0]} at start, ${machine.loadAverageAtEnd[0]} at end, bench included); figures vary between runs, req/CPU-s less than req/s.\n`)
}

const report = {
  date: startedAt.toISOString(),
  git: gitHead,
  distOlderThanSrc: staleDist,
  machine,
  options: { connections, warmup, duration, rounds, profile: Boolean(args.profile), loadGenerator: 'autocannon' },
  results,
  runs: rounds > 1 ? runs : undefined,
  ratios,
  profile,
}
const file = join(RESULTS, `bench-${stamp}.json`)
writeFileSync(file, JSON.stringify(report, null, 2) + '\n')
process.stdout.write(`\nresults written to ${file}\n`)
process.exit(failed ? 1 : 0)
