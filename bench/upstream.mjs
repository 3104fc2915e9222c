// The benchmark's upstream: one node:http server on loopback answering every request with the same small
// JSON body over keep-alive. Prints `READY {"port":N}` once listening.

import { createServer } from 'node:http'

/** About 100 bytes, fixed, so every candidate moves the same payload. */
const BODY = Buffer.from(JSON.stringify({ message: 'hello from the gatehouse bench upstream', ok: true, n: 42, pad: 'abcdefghijklmnopqrstuvwxyz' }))

const HEADERS = { 'content-type': 'application/json', 'content-length': String(BODY.length) }

// Answers at once: Node reads and drops any unread request body when the response finishes (GETs have none).
const server = createServer({ keepAliveTimeout: 65_000, headersTimeout: 66_000, requestTimeout: 0 }, (req, res) => {
  res.writeHead(200, HEADERS)
  res.end(BODY)
})

const port = Number(process.argv[2] ?? 0)
server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`READY ${JSON.stringify({ port: server.address().port })}\n`)
})
process.once('SIGTERM', () => {
  server.closeAllConnections()
  server.close(() => process.exit(0))
})
