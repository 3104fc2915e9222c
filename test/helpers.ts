// Test helpers: a real gateway on port 0 with config written to a temp dir, real upstream servers, and
// requests through undici's fetch with an explicit Host header.

import type { FunctionInvoker } from '../src/mapping/function-target.js'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { request } from 'undici'
import pino from 'pino'
import { stringify } from 'yaml'
import { Gateway, type GatewayOptions } from '../src/gateway.js'
import { memoryAccessLogSink } from '../src/observe/logger.js'
import type { Sources } from '../src/controlplane/config/desired.js'

export function tempDir(prefix = 'gatehouse-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}

export function writeFile(dir: string, name: string, content: unknown): string {
  const path = join(dir, name)
  writeFileSync(path, typeof content === 'string' ? content : name.endsWith('.json') ? JSON.stringify(content, null, 2) : stringify(content))
  return path
}

export interface Upstream {
  url: string
  port: number
  server: Server
  requests: Array<{ method: string; url: string; headers: IncomingMessage['headers']; rawHeaders: string[]; body: string }>
  close(): Promise<void>
}

/** A real HTTP server on an ephemeral port that records requests; the handler answers (default: echo JSON). */
export async function startUpstream(handler?: (req: IncomingMessage, res: ServerResponse, body: string) => void): Promise<Upstream> {
  const requests: Upstream['requests'] = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8')
      requests.push({ method: req.method!, url: req.url!, headers: req.headers, rawHeaders: req.rawHeaders, body })
      if (handler) return handler(req, res, body)
      const text = JSON.stringify({ method: req.method, url: req.url, headers: req.headers, body })
      res.writeHead(200, { 'Content-Type': 'application/json', 'X-Upstream': 'yes' })
      res.end(text)
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const port = (server.address() as AddressInfo).port
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    server,
    requests,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r())
        server.closeAllConnections()
      }),
  }
}

export interface TestGateway {
  gateway: Gateway
  port: number
  adminPort: number
  accessLog: string[]
  logs: Array<Record<string, unknown>>
  /** A request to the data plane. `host` defaults to localhost. */
  fetch(path: string, init?: { method?: string; host?: string; headers?: Record<string, string>; body?: string | Buffer }): Promise<TestResponse>
  admin(path: string): Promise<TestResponse>
  stop(): Promise<void>
}

export interface TestResponse {
  status: number
  headers: Record<string, string | string[] | undefined>
  text: string
  json<T = any>(): T
}

export async function send(port: number, path: string, init: { method?: string; host?: string; headers?: Record<string, string>; body?: string | Buffer } = {}): Promise<TestResponse> {
  const res = await request(`http://127.0.0.1:${port}${path}`, {
    method: (init.method ?? 'GET') as 'GET',
    headers: { host: init.host ?? `localhost:${port}`, ...init.headers },
    body: init.body ?? null,
  })
  const text = await res.body.text()
  return { status: res.statusCode, headers: res.headers, text, json: () => JSON.parse(text) }
}

/** Starts a gateway from config sources, on ephemeral ports, with logs captured. */
export async function startGateway(sources: Partial<Sources>, extra: Partial<GatewayOptions> = {}): Promise<TestGateway> {
  const logs: Array<Record<string, unknown>> = []
  const logger = pino({ level: 'debug' }, { write: (line: string) => void logs.push(JSON.parse(line)) })
  const sink = memoryAccessLogSink()
  const gateway = new Gateway({
    sources: { restApis: [], httpApis: [], stageVariables: {}, ...sources },
    logger,
    port: 0,
    host: '127.0.0.1',
    adminPort: 0,
    accessLog: sink,
    watch: false,
    ...extra,
  })
  await gateway.start()
  const port = gateway.address!.port
  const adminPort = gateway.adminAddress!.port
  return {
    gateway,
    port,
    adminPort,
    accessLog: sink.lines,
    logs,
    fetch: (path, init) => send(port, path, init),
    admin: (path) => send(adminPort, path),
    stop: () => gateway.stop(1000),
  }
}

/**
 * How long a test waits for something that depends on the machine's speed (a file watcher, a change feed, a
 * log line, a process starting). Generous on purpose: a condition that holds costs nothing extra, and the suite
 * must pass on a slow, busy machine. Never assert that something took less than some time.
 */
export const PATIENCE_MS = 30_000

/** Polls `check` until it returns true (for file watchers and change feeds), failing after `ms`. */
export async function eventually(check: () => boolean | Promise<boolean>, ms = PATIENCE_MS, what = 'condition'): Promise<void> {
  const end = Date.now() + ms
  while (Date.now() < end) {
    if (await check()) return
    await new Promise((r) => setTimeout(r, 25))
  }
  throw new Error(`timed out waiting for ${what}`)
}

/** A function invoker for compile-only tests: compiling never invokes, and a test that did would see this. */
export const NO_FUNCTIONS: FunctionInvoker = {
  invoke: () => Promise.reject(new Error('no function runtime in this test')),
}

