// Baseline: the `http-proxy` package with a keep-alive http.Agent, the way it is most often deployed.
// Usage: node http-proxy.mjs PORT UPSTREAM_ORIGIN. Prints `READY {"port":N}` once listening.

import { createServer, Agent } from 'node:http'
import httpProxy from 'http-proxy'

const [portArg, upstream] = process.argv.slice(2)
if (!upstream) {
  process.stderr.write('usage: node http-proxy.mjs PORT UPSTREAM_ORIGIN\n')
  process.exit(2)
}

const agent = new Agent({ keepAlive: true, maxSockets: 256 })
const proxy = httpProxy.createProxyServer({ target: upstream, agent })
proxy.on('error', (_err, _req, res) => {
  // For HTTP requests `res` is a ServerResponse; http-proxy passes a socket only for WebSocket upgrades.
  if (res.headersSent) res.destroy()
  else {
    res.writeHead(502, { 'content-type': 'application/json' })
    res.end('{"message":"Bad Gateway"}')
  }
})

const server = createServer({ keepAliveTimeout: 65_000, requestTimeout: 0 }, (req, res) => proxy.web(req, res))

server.listen(Number(portArg ?? 0), '127.0.0.1', () => {
  process.stdout.write(`READY ${JSON.stringify({ port: server.address().port })}\n`)
})
process.once('SIGTERM', () => {
  server.closeAllConnections()
  server.close(() => {
    agent.destroy()
    process.exit(0)
  })
})
