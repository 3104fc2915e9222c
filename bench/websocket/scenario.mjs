// The websocket scenario (`npm run bench -- --scenario websocket`), called by run.mjs: each candidate (Gatehouse
// serving a WebSocket API, and a bare `ws` echo server) is started on CPU 0, and load.mjs runs its four phases
// against it from CPU 1: RSS with 10,000 idle connections, echo round trips at 1,000 messages/s, broadcast to
// 1,000 connections (and, for Gatehouse, the same broadcast through the example's chat function).
//
// Both candidates and the load generator use the `ws` package of the Gatehouse checkout being measured
// (its node_modules), so the baseline runs the same `ws` as Gatehouse and bench/ needs nothing installed.

import { execFileSync, spawn, spawnSync } from 'node:child_process'
import { closeSync, existsSync, openSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

export const WS_DEFAULTS = { idle: 10_000, echoConnections: 100, rate: 1000, broadcastConnections: 1000, rounds: 5 }

/** The bench's WebSocket APIs: MOCK echo and whoami routes (no $connect integration), and the example's chat. */
export function gatehouseConfig(root) {
  const twoWay = 'routeResponseSelectionExpression: $default, routeResponses: [{ routeResponseKey: $default }]'
  const mock = (template) =>
    `{ integrationType: MOCK, requestTemplates: { $default: '{"statusCode": 200}' }, integrationResponses: [{ integrationResponseKey: $default, responseTemplates: { $default: '${template}' } }] }`
  return `# Written by bench/websocket/scenario.mjs. Every connection comes from 127.0.0.1: the edge's per-address
# cap (maxConnectionsPerIp, 1024 by default) is raised above the 10,000 idle connections.
# The chat function posts to http://127.0.0.1:PORT/bench/@connections (the bare host), which reaches the
# default WebSocket API: the chat one here. The load names the echo API in the Host header.
listeners:
  http: { limits: { maxConnectionsPerIp: 100000 } }
defaultApi: benchchat1
functionsDir: ${JSON.stringify(join(root, 'examples', 'functions'))}
apis:
  - name: bench
    id: benchws001
    type: websocket
    routeSelectionExpression: $request.body.action
    integrations:
      echo: ${mock('{"echo":"$context.messageId"}')}
      whoami: ${mock('{"connectionId":"$context.connectionId"}')}
    routes:
      - { routeKey: echo, target: echo, ${twoWay} }
      - { routeKey: whoami, target: whoami, ${twoWay} }
    stages: { bench: {} }
  - name: chat
    id: benchchat1
    type: websocket
    routeSelectionExpression: $request.body.action
    integrations:
      chat: { integrationType: AWS_PROXY, integrationUri: chat }
    routes:
      - { routeKey: $connect, target: chat }
      - { routeKey: sendmessage, target: chat }
      - { routeKey: $disconnect, target: chat }
    stages: { bench: {} }
functions:
  - name: chat
    module: ${JSON.stringify(join(root, 'examples', 'functions', 'chat.mjs'))}
    timeout: 60
    environment: { AWS_ACCESS_KEY_ID: bench, AWS_SECRET_ACCESS_KEY: bench }
`
}

/** The soft and hard limits on open files a child gets (it raises the soft one to the hard one first). */
export function fileLimits() {
  const r = spawnSync('sh', ['-c', 'echo "$(ulimit -Sn) $(ulimit -Hn)"'], { encoding: 'utf8' })
  const [soft, hard] = r.stdout.trim().split(' ').map((s) => (s === 'unlimited' ? Infinity : Number(s)))
  return { soft, hard }
}

/** `node …args` with the open-file limit raised to the hard limit, pinned to `cpu` when pinning. */
function startNode(h, nodeArgs, cpu, stderrFile) {
  const pin = h.pinning && cpu !== undefined ? ['taskset', '-c', String(cpu)] : []
  const errFd = openSync(stderrFile, 'w')
  const child = spawn('sh', ['-c', 'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$@"', 'sh', ...pin, process.execPath, ...nodeArgs], { cwd: h.BENCH, stdio: ['ignore', 'pipe', errFd] })
  closeSync(errFd)
  h.children.add(child)
  const exited = new Promise((resolve) => child.once('close', (code, signal) => (h.children.delete(child), resolve({ code, signal }))))
  return { child, exited, stderr: () => h.tailOf(stderrFile).trim() }
}

/** Resolves with the first match of `re` on the child's stdout. */
function stdoutMatch(proc, re, timeoutMs = 60_000) {
  return new Promise((resolve, reject) => {
    let buf = ''
    const timer = setTimeout(() => reject(new Error(`no ${re} on stdout after ${timeoutMs} ms\n${proc.stderr()}`)), timeoutMs)
    proc.child.stdout.on('data', (d) => {
      buf += d
      const m = re.exec(buf)
      if (m) {
        clearTimeout(timer)
        resolve(m)
      }
    })
    proc.exited.then(({ code, signal }) => {
      clearTimeout(timer)
      reject(new Error(`exited (${signal ?? code}) early\n${proc.stderr()}`))
    })
  })
}

/** Where the example's chat function keeps its connection records for the bench's chat API. */
/** The temporary directory a function sees: the runtime passes it no TMPDIR, so it is the system's default. */
const FUNCTION_TMPDIR = execFileSync(process.execPath, ['-p', 'require("node:os").tmpdir()'], { env: {}, encoding: 'utf8' }).trim()
const CHAT_TABLE = join(FUNCTION_TMPDIR, 'gatehouse-example-chat', 'benchchat1-bench')

const CANDIDATES = {
  gatehouse: {
    label: 'Gatehouse: MOCK two-way routes (echo, whoami), @connections; the example chat function for the function broadcast',
    async start(h, o) {
      // The chat function's connection records (examples/functions/chat.mjs) start empty.
      rmSync(CHAT_TABLE, { recursive: true, force: true })
      const config = join(h.tmp, 'websocket.yaml')
      writeFileSync(config, gatehouseConfig(h.GATEHOUSE))
      const port = await h.freePort()
      const proc = startNode(h, [join(h.GATEHOUSE, 'bin', 'gatehouse.js'), 'serve', '--config', config, '--port', String(port), '--host', '127.0.0.1', '--admin-port', '0', '--no-access-log', '--no-watch', '--log-level', 'warn'], h.pinning?.proxy, join(h.tmp, 'gatehouse.err'))
      await stdoutMatch(proc, /admin: http:\/\/\S+:\d+/)
      const url = `ws://127.0.0.1:${port}/bench`
      return {
        proc,
        load: {
          echo: { url, host: `benchws001.execute-api.localhost:${port}` },
          chat: o.functionBroadcast ? { url, host: `benchchat1.execute-api.localhost:${port}` } : null,
          connectionsUrl: `http://127.0.0.1:${port}/bench/@connections`,
          echoMessage: JSON.stringify({ action: 'echo', data: 'x'.repeat(48) }),
        },
      }
    },
  },
  'ws-echo': {
    label: 'a bare ws server: echo, and a loop over its clients for a broadcast',
    async start(h) {
      const proc = startNode(h, [join(h.BENCH, 'websocket', 'echo-server.mjs'), join(h.GATEHOUSE, 'package.json')], h.pinning?.proxy, join(h.tmp, 'ws-echo.err'))
      const m = await stdoutMatch(proc, /^READY (.*)$/m)
      const { port } = JSON.parse(m[1])
      return { proc, load: { echo: { url: `ws://127.0.0.1:${port}/` }, chat: null, echoMessage: JSON.stringify({ action: 'echo', data: 'x'.repeat(48) }) } }
    },
  },
}

/** Runs every candidate once (or `rounds` times, interleaved) and returns their results. */
export async function runWebSocketScenario(h, o) {
  const results = {}
  for (const name of o.only) {
    const cand = CANDIDATES[name]
    if (!cand) throw new Error(`unknown candidate '${name}' (known: ${Object.keys(CANDIDATES).join(', ')})`)
    process.stdout.write(`· ${name}: ${cand.label}\n`)
    let started = null
    try {
      started = await cand.start(h, o)
      const loadOpts = {
        ...started.load,
        candidate: name,
        pid: started.proc.child.pid,
        wsFrom: join(h.GATEHOUSE, 'package.json'),
        clkTck: h.CLK_TCK,
        idle: o.idle,
        echoConnections: o.echoConnections,
        rate: o.rate,
        warmup: o.warmup,
        duration: o.duration,
        broadcastConnections: o.broadcastConnections,
        rounds: o.rounds,
        broadcastTimeoutMs: 60_000,
      }
      const load = startNode(h, [join(h.BENCH, 'websocket', 'load.mjs'), JSON.stringify(loadOpts)], h.pinning?.load, join(h.tmp, `load-${name}.err`))
      load.child.stderr?.pipe(process.stdout)
      const m = await stdoutMatch(load, /^RESULT (.*)$/m, 30 * 60_000)
      results[name] = { label: cand.label, ...JSON.parse(m[1]) }
      process.stdout.write(h.tailOf(join(h.tmp, `load-${name}.err`)).replace(/^/gm, '  ') + '\n')
    } catch (err) {
      results[name] = { label: cand.label, failed: String(err.message ?? err) }
      process.stdout.write(`  FAILED: ${String(err.message ?? err).replace(/\n/g, '\n  ')}\n`)
    } finally {
      if (started?.proc) await h.stop(started.proc)
    }
    if (name === 'gatehouse' && results[name] && !results[name].failed) {
      // Records of connections whose $disconnect did not run (or not to the end) before the gateway stopped.
      results[name].chatRecordsLeft = existsSync(CHAT_TABLE) ? readdirSync(CHAT_TABLE).length : 0
      process.stdout.write(`  chat records left after the gateway stopped: ${results[name].chatRecordsLeft}\n`)
      rmSync(CHAT_TABLE, { recursive: true, force: true })
    }
  }
  return results
}
