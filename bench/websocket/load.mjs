// The websocket scenario's load generator: `ws` clients in one Node process (wrk and autocannon do not speak
// WebSocket), pinned to its own core. Four phases against one candidate, then `RESULT {json}`:
//   idle       opens `idle` connections, reads the candidate's RSS before and after (/proc/PID/status)
//   echo       `echoConnections` connections send `rate` messages/s in all, open loop (each message has a
//              scheduled send time; its latency runs from that time to its answer, so a stalled server
//              is not hidden by a stalled sender); warm-up, then the measured window
//   broadcast  `broadcastConnections` connections; a broadcast is triggered `rounds` times and timed from
//              the trigger to the moment the last connection has it. Gatehouse: the load process posts to
//              each connection through @connections (as a backend would); baseline: one message asks the
//              server to send to all
//   function   (Gatehouse only) the same through the example's chat function: one {"action":"sendmessage"}
//              and the function posts to every connection with @aws-sdk/client-apigatewaymanagementapi
// Usage: node load.mjs '{json}' (see websocket.mjs for the fields)

import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { Agent, request } from 'node:http'
import { performance } from 'node:perf_hooks'

const o = JSON.parse(process.argv[2])
const WebSocket = createRequire(o.wsFrom)('ws')
const CLK_TCK = o.clkTck ?? 100
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
const log = (s) => process.stderr.write(`  [load] ${s}\n`)

function rssMb() {
  return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${o.pid}/status`, 'utf8'))[1]) / 1024
}
function cpuSeconds() {
  const stat = readFileSync(`/proc/${o.pid}/stat`, 'utf8')
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(f[11]) + Number(f[12])) / CLK_TCK
}

/** Opens one client; `onText` gets every text frame. */
function open(target, onText) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(target.url, { headers: target.host ? { host: target.host } : {}, perMessageDeflate: false })
    ws.on('open', () => resolve(ws))
    ws.on('error', reject)
    ws.on('unexpected-response', (_q, res) => reject(new Error(`upgrade refused with ${res.statusCode}`)))
    ws.on('message', (d) => onText?.(d.toString(), ws))
  })
}

/** Opens `n` clients, `concurrency` handshakes at a time. */
async function openMany(n, target, concurrency, onText) {
  const out = new Array(n)
  let next = 0
  await Promise.all(
    Array.from({ length: Math.min(concurrency, n) }, async () => {
      while (next < n) {
        const i = next++
        out[i] = await open(target, onText ? (t, ws) => onText(i, t, ws) : undefined)
      }
    }),
  )
  return out
}

async function closeAll(sockets) {
  await Promise.all(sockets.map((ws) => new Promise((r) => (ws.readyState === WebSocket.CLOSED ? r() : (ws.once('close', r), ws.close())))))
}

const pct = (sorted, p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] : null)
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]
const result = {}

// --- idle: RSS with `idle` connections open ----------------------------------------------------------
{
  await sleep(1000)
  const before = rssMb()
  const t0 = performance.now()
  const sockets = await openMany(o.idle, o.echo, 100)
  const openSeconds = (performance.now() - t0) / 1000
  await sleep(3000)
  const after = rssMb()
  await sleep(2000)
  const later = rssMb()
  result.idle = { connections: sockets.length, openSeconds, rssBeforeMb: before, rssAfterMb: after, rssAfter5sMb: later, kbPerConnection: ((later - before) * 1024) / sockets.length }
  log(`idle: ${sockets.length} open in ${openSeconds.toFixed(1)} s, RSS ${before.toFixed(0)} → ${later.toFixed(0)} MB`)
  await closeAll(sockets)
  await sleep(1000)
}

// --- echo: round trips at `rate` messages/s ----------------------------------------------------------
{
  const pending = [] // per connection: scheduled send times, in order
  let measuring = false
  let latencies = []
  let answered = 0
  const sockets = await openMany(o.echoConnections, o.echo, 50, (i) => {
    const sentAt = pending[i].shift()
    answered++
    if (measuring && sentAt !== undefined) latencies.push(performance.now() - sentAt)
  })
  sockets.forEach((_, i) => (pending[i] = []))
  const message = o.echoMessage
  async function drive(seconds) {
    const start = performance.now()
    const total = Math.round(seconds * o.rate)
    let sent = 0
    while (sent < total) {
      const now = performance.now()
      // Every message whose time has come is sent now, stamped with its scheduled time.
      while (sent < total && start + (sent * 1000) / o.rate <= now) {
        const i = sent % sockets.length
        pending[i].push(start + (sent * 1000) / o.rate)
        sockets[i].send(message)
        sent++
      }
      await sleep(1)
    }
    return sent
  }
  await drive(o.warmup)
  await sleep(200)
  measuring = true
  latencies = []
  const answeredBefore = answered
  const cpu0 = cpuSeconds()
  const w0 = performance.now()
  const sent = await drive(o.duration)
  // Answers still under way count too (waited for, up to 5 s).
  const until = performance.now() + 5000
  while (answered - answeredBefore < sent && performance.now() < until) await sleep(5)
  const wall = (performance.now() - w0) / 1000
  const cpu = cpuSeconds() - cpu0
  measuring = false
  latencies.sort((a, b) => a - b)
  result.echo = {
    connections: sockets.length,
    rate: o.rate,
    sent,
    answered: latencies.length,
    missing: sent - latencies.length,
    latencyMs: { p50: pct(latencies, 50), p90: pct(latencies, 90), p99: pct(latencies, 99), p999: pct(latencies, 99.9), max: latencies.at(-1) ?? null },
    candidateCpuPercent: (100 * cpu) / wall,
  }
  log(`echo: ${sent} sent, p99 ${result.echo.latencyMs.p99?.toFixed(2)} ms`)
  await closeAll(sockets)
}

// --- broadcast to `broadcastConnections` --------------------------------------------------------------
async function broadcastRounds(sockets, trigger, waitingFor) {
  const times = []
  for (let round = 1; round <= o.rounds; round++) {
    const tag = `round-${round}-${Math.random().toString(36).slice(2)}`
    let got = 0
    let first = null
    const t0 = performance.now()
    const all = new Promise((resolve) => {
      for (const ws of sockets) {
        const onMessage = (d) => {
          if (!d.toString().includes(tag)) return
          ws.off('message', onMessage)
          got++
          first ??= performance.now() - t0
          if (got === sockets.length) resolve(performance.now() - t0)
        }
        ws.on('message', onMessage)
      }
    })
    const timeout = sleep(o.broadcastTimeoutMs).then(() => null)
    await trigger(tag)
    const ms = await Promise.race([all, timeout])
    times.push({ ms, firstMs: first, delivered: got })
    log(`${waitingFor}: round ${round}: ${got}/${sockets.length} in ${ms === null ? 'TIMEOUT' : ms.toFixed(1) + ' ms'}`)
    await sleep(300)
  }
  const done = times.filter((t) => t.ms !== null).map((t) => t.ms)
  return { connections: sockets.length, rounds: times, medianMs: done.length ? median(done) : null, maxMs: done.length ? Math.max(...done) : null, incomplete: times.length - done.length }
}

{
  const sockets = await openMany(o.broadcastConnections, o.echo, 50)
  if (o.candidate === 'gatehouse') {
    // The connection ids, from a MOCK two-way route that answers $context.connectionId.
    const ids = await Promise.all(sockets.map((ws) => new Promise((resolve) => {
      ws.once('message', (d) => resolve(JSON.parse(d.toString()).connectionId))
      ws.send('{"action":"whoami"}')
    })))
    const agent = new Agent({ keepAlive: true, maxSockets: 64 })
    const post = (id, body) => new Promise((resolve, reject) => {
      const req = request(`${o.connectionsUrl}/${encodeURIComponent(id)}`, { method: 'POST', agent, headers: { host: o.echo.host, 'content-length': Buffer.byteLength(body) } }, (res) => {
        res.resume()
        res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`@connections answered ${res.statusCode}`))))
      })
      req.on('error', reject)
      req.end(body)
    })
    result.broadcast = await broadcastRounds(sockets, (tag) => Promise.all(ids.map((id) => post(id, tag))), 'broadcast (@connections)')
    agent.destroy()
  } else {
    result.broadcast = await broadcastRounds(sockets, async (tag) => sockets[0].send(JSON.stringify({ action: 'broadcast', data: tag })), 'broadcast')
  }
  await closeAll(sockets)
}

// --- broadcast through the example's chat function (Gatehouse) ------------------------------------------
if (o.chat) {
  // Each $connect runs the chat function: fewer handshakes at once, so few execution environments start.
  const sockets = await openMany(o.broadcastConnections, o.chat, 8)
  result.functionBroadcast = await broadcastRounds(sockets, async (tag) => sockets[0].send(JSON.stringify({ action: 'sendmessage', name: 'bench', message: tag })), 'broadcast (chat function)')
  await closeAll(sockets)
}

process.stdout.write(`RESULT ${JSON.stringify(result)}\n`)
process.exit(0)
