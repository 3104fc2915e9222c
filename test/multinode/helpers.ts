// Helpers for the multi-node tests: real `gatehouse serve` processes (spawned like a user runs them), a config
// with API keys and usage plans, concurrent requests spread over several nodes, and Redis clean-up.

import { spawn, type ChildProcess } from 'node:child_process'
import { request as httpRequest } from 'node:http'
import { createServer, connect, type AddressInfo, type Socket } from 'node:net'
import { fileURLToPath } from 'node:url'
import { request } from 'undici'
import { Redis } from 'ioredis'
import { writeFile } from '../helpers.js'

const root = fileURLToPath(new URL('../..', import.meta.url))

/** How long a node may take to print its banner (tsx compiles the sources on each start; CI machines are slow). */
const START_TIMEOUT_MS = 90_000

export const REDIS_URL = 'redis://127.0.0.1:6379'
export const POSTGRES_URL = process.env['GATEHOUSE_TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test'

/** The key bound to the throttled plan (dev stage), and the one bound to the quota plan (prod stage). */
export const THROTTLED_KEY = 'throttled-0123456789abcdef'
export const QUOTA_KEY = 'quota-key-0123456789abcdef'

export interface Node {
  child: ChildProcess
  port: number
  adminPort: number
  stdout(): string
  stderr(): string
  exit: Promise<number | null>
}

const running = new Set<ChildProcess>()
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL')
})

/** Stops every node this test file started and has not stopped yet (for `t.after`, also after a failed start). */
export async function stopAll(): Promise<void> {
  await Promise.all(
    [...running].map(async (child) => {
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 40_000)
      await exited
      clearTimeout(timer)
    }),
  )
}

/** Spawns `gatehouse serve ARGS` (ports 0 unless given) and resolves once its banner names both ports. */
export async function startNode(args: string[]): Promise<Node> {
  const ports = [...(args.includes('--port') ? [] : ['--port', '0']), ...(args.includes('--admin-port') ? [] : ['--admin-port', '0'])]
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/run.ts', 'serve', '--no-access-log', ...ports, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] })
  running.add(child)
  let out = ''
  let err = ''
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()))
  child.on('exit', () => running.delete(child))
  // 'close', not 'exit': by then everything the process wrote to stdout and stderr has been read.
  const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))
  const workers = args.includes('--workers')
  const ready = workers ? /\n {2}workers: \d+/ : /admin: http:\/\/127\.0\.0\.1:\d+/
  const end = Date.now() + START_TIMEOUT_MS
  let exited = false
  void exit.then(() => (exited = true))
  while (!ready.test(out)) {
    if (exited || Date.now() > end) {
      child.kill('SIGKILL')
      throw new Error(`gatehouse serve ${args.join(' ')} did not start${exited ? ' (it exited)' : ''}:\nstdout:\n${out}\nstderr:\n${err}`)
    }
    await sleep(50)
  }
  const port = Number(/(?:https?|wss?):\/\/localhost:(\d+)\//.exec(out)?.[1] ?? NaN)
  const adminPort = Number(/admin: http:\/\/127\.0\.0\.1:(\d+)/.exec(out)![1])
  return { child, port, adminPort, stdout: () => out, stderr: () => err, exit }
}

/** SIGTERM, then the exit code (SIGKILL after `ms`, and the code is then null). */
export async function stopNode(node: Node, ms = 40_000): Promise<number | null> {
  if (node.child.exitCode !== null || node.child.signalCode !== null) return node.exit
  node.child.kill('SIGTERM')
  const timer = setTimeout(() => node.child.kill('SIGKILL'), ms)
  try {
    return await node.exit
  } finally {
    clearTimeout(timer)
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/**
 * Polls `check` every 20 ms until true; throws after `ms`. Resolves to the time it took, for diagnostics only:
 * give `ms` room for a slow, busy machine, and never assert on the result.
 */
export async function within(ms: number, what: string, check: () => boolean | Promise<boolean>): Promise<number> {
  const started = Date.now()
  while (Date.now() - started <= ms) {
    if (await check()) return Date.now() - started
    await sleep(20)
  }
  throw new Error(`not within ${ms} ms: ${what}`)
}

/**
 * A config file with one REST API (`GET /limited` needing an API key) on stages dev and prod, a plan on dev
 * whose key may send `burst` requests and then practically none (rate 0.001/s), and a plan on prod with a
 * quota of `quota` requests a day. Returns the config file's path.
 */
export function writeLimitsConfig(dir: string, opts: { burst: number; quota: number; apiId?: string }): string {
  const mock = { type: 'mock', requestTemplates: { 'application/json': '{"statusCode": 200}' }, responses: { default: { statusCode: '200', responseTemplates: { 'application/json': '{"ok": true}' } } } }
  writeFile(dir, 'api.json', {
    openapi: '3.0.1',
    info: { title: 'limited', version: '1' },
    paths: { '/limited': { get: { security: [{ api_key: [] }], responses: { '200': { description: 'ok' } }, 'x-amazon-apigateway-integration': mock } } },
    components: { securitySchemes: { api_key: { type: 'apiKey', name: 'x-api-key', in: 'header' } } },
  })
  return writeFile(dir, 'gatehouse.yaml', {
    apis: [{ name: 'limited', id: opts.apiId ?? 'limitedapi1', type: 'rest', openapi: './api.json', stages: { dev: {}, prod: {} } }],
    apiKeys: [
      { name: 'throttled', value: THROTTLED_KEY },
      { name: 'quota', value: QUOTA_KEY },
    ],
    usagePlans: [
      { name: 'burst-only', apiStages: [{ api: 'limited', stage: 'dev' }], throttle: { burstLimit: opts.burst, rateLimit: 0.001 }, apiKeys: ['throttled'] },
      { name: 'daily', apiStages: [{ api: 'limited', stage: 'prod' }], quota: { limit: opts.quota, period: 'DAY', offset: 0 }, apiKeys: ['quota'] },
    ],
  })
}

/**
 * A config file with one REST API whose MOCK route `GET /{path}` answers `{"version": N}` on stage dev;
 * with `apiKey`, the route needs that key, bound to a plan with a daily quota of `quota` (default 1,000,000).
 * Rewriting it with another version is a reload a test can see in the answers. Returns the config file's path.
 */
export function writeVersionedConfig(dir: string, version: number, opts: { path?: string; apiId?: string; apiKey?: string; quota?: number } = {}): string {
  const mock = {
    type: 'mock',
    requestTemplates: { 'application/json': '{"statusCode": 200}' },
    responses: { default: { statusCode: '200', responseTemplates: { 'application/json': `{"version": ${version}}` } } },
  }
  const keyed = opts.apiKey !== undefined
  writeFile(dir, 'api.json', {
    openapi: '3.0.1',
    info: { title: 'versioned', version: '1' },
    paths: { [`/${opts.path ?? 'version'}`]: { get: { ...(keyed ? { security: [{ api_key: [] }] } : {}), responses: { '200': { description: 'ok' } }, 'x-amazon-apigateway-integration': mock } } },
    ...(keyed ? { components: { securitySchemes: { api_key: { type: 'apiKey', name: 'x-api-key', in: 'header' } } } } : {}),
  })
  return writeFile(dir, 'gatehouse.yaml', {
    apis: [{ name: 'versioned', id: opts.apiId ?? 'versioned1', type: 'rest', openapi: './api.json', stages: { dev: {} } }],
    ...(keyed
      ? {
          apiKeys: [{ name: 'load', value: opts.apiKey }],
          usagePlans: [{ name: 'quota', apiStages: [{ api: 'versioned', stage: 'dev' }], quota: { limit: opts.quota ?? 1_000_000, period: 'DAY', offset: 0 }, apiKeys: ['load'] }],
        }
      : {}),
  })
}

export interface Reply {
  status: number
  body: string
}

/** One request on a connection of its own (so that a cluster hands it to whichever worker is next). */
export function get(port: number, path: string, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, headers: { host: `localhost:${port}`, ...headers }, agent: false, timeout: 20_000 }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (c: string) => (body += c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
      res.on('error', reject)
    })
    req.on('timeout', () => req.destroy(new Error(`GET ${path} on port ${port} timed out`)))
    req.on('error', reject)
    req.end()
  })
}

/** `total` requests at once, spread round-robin over `ports`. */
export function burst(ports: number[], total: number, path: string, headers: Record<string, string>): Promise<Reply[]> {
  return Promise.all(Array.from({ length: total }, (_, i) => get(ports[i % ports.length]!, path, headers)))
}

/** How many replies had each status, and the distinct bodies of the refused ones. */
export function tally(replies: Reply[]): { ok: number; refused: number; statuses: number[]; refusedBodies: string[] } {
  const refused = replies.filter((r) => r.status !== 200)
  return {
    ok: replies.length - refused.length,
    refused: refused.length,
    statuses: [...new Set(refused.map((r) => r.status))],
    refusedBodies: [...new Set(refused.map((r) => r.body))],
  }
}

export async function adminJson(adminPort: number, method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await request(`http://127.0.0.1:${adminPort}${path}`, { method: method as 'GET', headers: { 'content-type': 'application/json' }, body: body === undefined ? null : JSON.stringify(body) })
  const text = await res.body.text()
  return { status: res.statusCode, json: text ? JSON.parse(text) : null }
}

/** The plan named `name` on a node's admin port. */
export async function planNamed(adminPort: number, name: string): Promise<{ id: string; keyIds?: string[] }> {
  const plans = await adminJson(adminPort, 'GET', '/usageplans')
  const plan = (plans.json.item as Array<{ id: string; name: string }>).find((p) => p.name === name)
  if (!plan) throw new Error(`no usage plan ${name}: ${JSON.stringify(plans.json)}`)
  return plan
}

/** Today's `[used, remaining]` of every key of a plan, read with GetUsage. */
export async function usageToday(adminPort: number, planId: string): Promise<Array<[number, number]>> {
  const today = new Date().toISOString().slice(0, 10)
  const usage = await adminJson(adminPort, 'GET', `/usageplans/${planId}/usage?startDate=${today}&endDate=${today}`)
  if (usage.status !== 200) throw new Error(`GetUsage answered ${usage.status}: ${JSON.stringify(usage.json)}`)
  return Object.values(usage.json.values as Record<string, Array<[number, number]>>).map((days) => days[0]!)
}

/** A Redis key prefix no other run or test uses. */
export function uniqueRedisPrefix(what: string): string {
  return `gh-test:${process.pid}:${Date.now().toString(36)}:${what}:`
}

/** Removes every Redis key under `prefix`. */
export async function dropRedisPrefix(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL)
  try {
    let cursor = '0'
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000)
      if (keys.length > 0) await redis.unlink(...keys)
      cursor = next
    } while (cursor !== '0')
  } finally {
    redis.disconnect()
  }
}

/** A loopback port on which nothing listens (just closed). */
export async function closedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1')
  await new Promise((resolve) => server.once('listening', resolve))
  const port = (server.address() as { port: number }).port
  await new Promise((resolve) => server.close(resolve))
  return port
}

/** True while a process with this pid exists. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** A TCP proxy to the real Redis that can cut every connection and refuse new ones (`down`), and let them through again (`up`). */
export async function redisProxy() {
  let up = true
  const sockets = new Set<Socket>()
  const server = createServer((client) => {
    if (!up) {
      client.destroy()
      return
    }
    const redis = connect(6379, '127.0.0.1')
    for (const s of [client, redis]) {
      sockets.add(s)
      s.on('close', () => sockets.delete(s))
      s.on('error', () => undefined)
    }
    client.pipe(redis).pipe(client)
    client.on('close', () => redis.destroy())
    redis.on('close', () => client.destroy())
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `redis://127.0.0.1:${(server.address() as AddressInfo).port}`,
    down() {
      up = false
      for (const s of sockets) s.destroy()
    },
    up() {
      up = true
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy()
        server.close(() => resolve())
      }),
  }
}
