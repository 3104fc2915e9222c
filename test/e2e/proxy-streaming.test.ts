// Streaming through HTTP_PROXY: large bodies both ways, a slow client (backpressure), a client that goes
// away mid-response (the backend request is aborted), a backend that dies mid-body (the client's response
// is cut, never completed with a wrong length), and keep-alive reuse of backend connections.

import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { request as httpRequest } from 'node:http'
import { createHash } from 'node:crypto'
import { eventually, startGateway, startUpstream, tempDir, writeFile, type TestGateway, type Upstream } from '../helpers.js'

let upstream: Upstream
let gw: TestGateway
let tmp: { dir: string; cleanup: () => void }
const big = Buffer.alloc(8 * 1024 * 1024, 'abcdefghij')
let aborted = 0
const sockets = new Set<unknown>()
/** Set while /dies is answering: kills its backend connection (the test calls it once the client has data). */
let killDying: (() => void) | undefined

before(async () => {
  upstream = await startUpstream((req, res) => {
    sockets.add(req.socket)
    if (req.url === '/big') {
      res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': String(big.length) })
      res.end(big)
    } else if (req.url === '/endless') {
      res.writeHead(200, { 'Content-Type': 'text/plain' })
      const timer = setInterval(() => res.write('x'.repeat(16384)), 5)
      res.on('close', () => {
        clearInterval(timer)
        aborted++
      })
    } else if (req.url === '/dies') {
      killDying = () => req.socket.destroy()
      res.writeHead(200, { 'Content-Length': '100000' })
      res.write('y'.repeat(1000))
    } else {
      res.writeHead(200, { 'Content-Type': 'application/json' })
      res.end('{"ok":true}')
    }
  })
  tmp = tempDir()
  const proxy = (path: string) => ({ get: { 'x-amazon-apigateway-integration': { type: 'http_proxy', httpMethod: 'ANY', uri: `${upstream.url}${path}` } } })
  const file = writeFile(tmp.dir, 'api.json', { openapi: '3.0.1', info: { title: 'streaming', version: '1' }, paths: { '/big': proxy('/big'), '/endless': proxy('/endless'), '/dies': proxy('/dies'), '/small': proxy('/small') } })
  gw = await startGateway({ restApis: [file], stage: 'dev' })
})

after(async () => {
  await gw.stop()
  await upstream.close()
  tmp.cleanup()
})

function rawGet(path: string, onResponse: (res: import('node:http').IncomingMessage) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: gw.port, path, headers: { host: 'localhost' } }, (res) => {
      onResponse(res)
      res.on('close', resolve)
      res.on('error', () => resolve())
    })
    req.on('error', reject)
    req.end()
  })
}

test('an 8 MB response arrives whole, even to a client that reads slowly', async () => {
  const hash = createHash('sha256')
  let length = 0
  await rawGet('/dev/big', (res) => {
    assert.equal(res.statusCode, 200)
    assert.equal(res.headers['content-length'], String(big.length))
    res.pause()
    // Read in small sips so the gateway has to pause the backend.
    const sip = setInterval(() => {
      const chunk = res.read(65536) as Buffer | null
      if (chunk) {
        hash.update(chunk)
        length += chunk.length
      }
    }, 1)
    res.on('end', () => clearInterval(sip))
    res.on('close', () => clearInterval(sip))
    res.on('readable', () => undefined)
  })
  assert.equal(length, big.length)
  assert.equal(hash.digest('hex'), createHash('sha256').update(big).digest('hex'))
})

test('a client that goes away mid-response aborts the backend request', async () => {
  const before = aborted
  await rawGet('/dev/endless', (res) => {
    res.once('data', () => res.destroy())
  })
  await eventually(() => aborted !== before, undefined, 'the backend request to be aborted')
  assert.equal(aborted, before + 1)
  // The gateway keeps serving.
  assert.equal((await gw.fetch('/dev/small')).status, 200)
})

test('a backend that dies mid-body cuts the client response instead of finishing it short', async () => {
  let received = 0
  let completed = false
  await rawGet('/dev/dies', (res) => {
    assert.equal(res.headers['content-length'], '100000')
    res.on('data', (c: Buffer) => {
      received += c.length
      // The backend dies once the start of the body has reached the client.
      killDying?.()
    })
    res.on('end', () => (completed = true))
  })
  assert.ok(received < 100000)
  assert.equal(completed, false)
})

test('backend connections are kept alive and reused', async () => {
  sockets.clear()
  for (let i = 0; i < 20; i++) assert.equal((await gw.fetch('/dev/small')).status, 200)
  assert.ok(sockets.size <= 2, `20 sequential requests used ${sockets.size} backend connections`)
})
