// The websocket scenario's baseline: a bare `ws` server (the same `ws` package Gatehouse uses), no routing,
// no integrations. Each text message is echoed back, except {"action":"broadcast","data":…}, whose data goes
// to every connected client. Prints `READY {"port":…}` once listening.
// Usage: node echo-server.mjs WS_PACKAGE_JSON (the package.json whose node_modules holds ws)
import { createRequire } from 'node:module'

const { WebSocketServer } = createRequire(process.argv[2])('ws')
const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, maxPayload: 128 * 1024 })
wss.on('connection', (ws) => {
  ws.on('message', (data) => {
    const text = data.toString()
    if (text.startsWith('{"action":"broadcast"')) {
      const out = JSON.parse(text).data
      for (const client of wss.clients) client.send(out)
    } else ws.send(text)
  })
})
wss.on('listening', () => process.stdout.write(`READY ${JSON.stringify({ port: wss.address().port })}\n`))
process.on('SIGTERM', () => {
  for (const c of wss.clients) c.terminate()
  wss.close(() => process.exit(0))
})
