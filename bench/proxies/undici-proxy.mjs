// Baseline: the smallest correct reverse proxy we know how to write on Node — a node:http server and an
// undici Pool with keep-alive. Copies method, path, status, headers and body; drops hop-by-hop headers.
// Usage: node undici-proxy.mjs PORT UPSTREAM_ORIGIN. Prints `READY {"port":N}` once listening.

import { createServer } from 'node:http'
import { Pool } from 'undici'

const [portArg, upstream] = process.argv.slice(2)
if (!upstream) {
  process.stderr.write('usage: node undici-proxy.mjs PORT UPSTREAM_ORIGIN\n')
  process.exit(2)
}

/** RFC 9110 §7.6.1 connection-specific headers, plus `host` (the pool sets the upstream's). */
const HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'proxy-authorization', 'proxy-authenticate', 'host'])

const pool = new Pool(upstream, { connections: null, pipelining: 1, keepAliveTimeout: 30_000 })

const server = createServer({ keepAliveTimeout: 65_000, requestTimeout: 0 }, (req, res) => {
  const raw = req.rawHeaders
  const headers = []
  for (let i = 0; i < raw.length; i += 2) {
    if (!HOP.has(raw[i].toLowerCase())) headers.push(raw[i], raw[i + 1])
  }
  const hasBody = req.headers['content-length'] !== undefined ? req.headers['content-length'] !== '0' : req.headers['transfer-encoding'] !== undefined
  pool.request({ path: req.url, method: req.method, headers, body: hasBody ? req : null }).then(
    (up) => {
      const out = []
      for (const k in up.headers) {
        if (HOP.has(k)) continue
        const v = up.headers[k]
        if (Array.isArray(v)) for (const one of v) out.push(k, one)
        else out.push(k, v)
      }
      res.writeHead(up.statusCode, out)
      // pipe() with explicit teardown rather than stream.pipeline(), whose per-call AbortController costs
      // a tenth of a request's CPU on Node 20: the baseline should be as lean as a careful hand-written proxy.
      const body = up.body
      const dropUpstream = () => {
        if (!body.readableEnded) body.destroy()
      }
      body.on('error', () => res.destroy())
      res.once('close', dropUpstream)
      res.on('error', dropUpstream)
      body.pipe(res)
    },
    () => {
      if (res.headersSent) res.destroy()
      else {
        res.writeHead(502, { 'content-type': 'application/json' })
        res.end('{"message":"Bad Gateway"}')
      }
    },
  )
})

server.listen(Number(portArg ?? 0), '127.0.0.1', () => {
  process.stdout.write(`READY ${JSON.stringify({ port: server.address().port })}\n`)
})
process.once('SIGTERM', () => {
  server.closeAllConnections()
  server.close(() => pool.close().then(() => process.exit(0)))
})
