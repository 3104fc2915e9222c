// RedisConnectionRegistry: the WebSocket connection registry (src/store/port/connections.ts) shared by every
// gateway node through one Redis, so that `@connections` on any node reaches the socket on whichever node
// holds it (docs/websocket.md, "Several nodes").
//
// - Records: one hash per connection, `{prefix}ws:conn:{connectionId}` (apiId, stage, nodeId, connectedAt,
//   sourceIp, userAgent, lastActiveAt), kept until the connection ends (and at most `recordTtlMs`, a bound for
//   records nobody removed).
// - Liveness: each node keeps `{prefix}ws:node:{nodeId}` alive with a TTL (`nodeTtlMs`, refreshed every third
//   of it). A record whose node key has expired belongs to a dead node: `get` and `deliver` treat it as gone
//   (GoneException) and delete it. So a node that dies takes its connections with it within `nodeTtlMs`.
// - Delivery: a command is PUBLISHed on the holding node's channel `{prefix}ws:node:{nodeId}`; the holder
//   runs it on the socket and PUBLISHes the answer (taken, or gone) on the asking node's channel. A channel
//   nobody listens to (PUBLISH reaches 0 subscribers) means the node is gone. A command for this node's own
//   connections never leaves the process.
// - Redis unreachable: calls fail fast with ConnectionRegistryUnavailableError (never queued, never resent);
//   `add`, `remove` and `touch` are best-effort for the caller, which logs. The node keeps serving its own
//   sockets; only what needs Redis (another node's connections) fails.

import { randomUUID } from 'node:crypto'
import { Redis } from 'ioredis'
import type { RedisOptions } from 'ioredis'
import { ConnectionRegistryUnavailableError } from '../port/connections.js'
import type { CommandHandler, ConnectionCommand, ConnectionRecord, ConnectionRegistry } from '../port/connections.js'

export interface RedisConnectionRegistryOptions {
  /** Prepended to every key and channel (default `gatehouse:`), like the Redis state store's. */
  keyPrefix?: string
  /** How long a node's heartbeat key lives without a refresh: a dead node's connections are gone after this (default 30 s). */
  nodeTtlMs?: number
  /** How long a command may wait for its answer (Redis, and the holding node's reply) before it fails (default 2000 ms). */
  commandTimeoutMs?: number
  /** How long a connection attempt may take (default 1000 ms). */
  connectTimeoutMs?: number
  /** The longest a record is kept when nobody removes it (default 3 hours: longer than AWS's 2-hour connections). */
  recordTtlMs?: number
  /** Called with each connection error. */
  onError?: (error: Error) => void
}

/** A delivery message on a node's channel. */
interface CommandMessage {
  t: 'cmd'
  /** The asking node and its request id. */
  from: string
  re: string
  /** The node holding the connection. */
  to: string
  id: string
  kind: 'post' | 'delete'
  /** base64 */
  data?: string
}
interface ReplyMessage {
  t: 'reply'
  re: string
  ok: boolean
}

// KEYS[1]: the record. ARGV[1]: lastActiveAt. Touches only a record that exists (a late touch must not revive one).
const TOUCH = `
if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('HSET', KEYS[1], 'lastActiveAt', ARGV[1]) end
return 0
`

// KEYS[1]: the record. ARGV: the asking node, the node-key prefix, the set of nodes that ever beat. The record,
// flat, or {} when there is none or its node is dead: a node that beat once and whose heartbeat has expired
// (the record is then deleted). A node never seen is not judged.
const GET = `
local h = redis.call('HGETALL', KEYS[1])
if #h == 0 then return h end
local node = nil
for i = 1, #h, 2 do if h[i] == 'nodeId' then node = h[i + 1] end end
if node ~= nil and node ~= ARGV[1] and redis.call('EXISTS', ARGV[2] .. node) == 0 and redis.call('SISMEMBER', ARGV[3], node) == 1 then
  redis.call('DEL', KEYS[1])
  return {}
end
return h
`

const UNAVAILABLE_REPLIES = /^(LOADING|MASTERDOWN|READONLY|TRYAGAIN|CLUSTERDOWN|BUSY)\b/

export class RedisConnectionRegistry implements ConnectionRegistry {
  readonly keyPrefix: string
  readonly #client: Redis
  readonly #sub: Redis
  readonly #nodeTtlMs: number
  readonly #commandTimeoutMs: number
  readonly #recordTtlMs: number
  readonly #where: string
  /** This process's nodes (a listener each: the data plane, the custom domains' HTTPS one) and their handlers. */
  readonly #nodes = new Map<string, CommandHandler>()
  /** The node whose channel carries the answers to this process's commands (the first attached). */
  #replyNode: string | null = null
  #heartbeat: NodeJS.Timeout | null = null
  /** Records added by this node and not removed: taken out of Redis on close (a node stopping removes its own). */
  readonly #own = new Map<string, ConnectionRecord>()
  /** Commands sent to other nodes, waiting for their answer. */
  readonly #waiting = new Map<string, { resolve: (ok: boolean) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>()
  /** Touches of this turn of the event loop, sent together. */
  #touches = new Map<string, number>()
  #touchScheduled = false
  #lastError: Error | undefined
  #closed = false

  constructor(connection: string | RedisOptions, options: RedisConnectionRegistryOptions = {}) {
    this.keyPrefix = options.keyPrefix ?? 'gatehouse:'
    this.#nodeTtlMs = options.nodeTtlMs ?? 30_000
    this.#commandTimeoutMs = options.commandTimeoutMs ?? 2000
    this.#recordTtlMs = options.recordTtlMs ?? 3 * 60 * 60_000
    const connectTimeout = options.connectTimeoutMs ?? 1000
    for (const [name, value] of [
      ['nodeTtlMs', this.#nodeTtlMs],
      ['commandTimeoutMs', this.#commandTimeoutMs],
      ['recordTtlMs', this.#recordTtlMs],
      ['connectTimeoutMs', connectTimeout],
    ] as const) {
      if (!Number.isInteger(value) || value <= 0) throw new RangeError(`${name} must be a positive integer, got ${value}`)
    }
    const backoff: RedisOptions = { retryStrategy: (times: number) => Math.min(50 * times, 1000) }
    const failFast: RedisOptions = { enableOfflineQueue: false, maxRetriesPerRequest: 0, autoResendUnfulfilledCommands: false, commandTimeout: this.#commandTimeoutMs, connectTimeout }
    // The subscriber queues its SUBSCRIBE until connected and subscribes again after each reconnect.
    const subscriber: RedisOptions = { maxRetriesPerRequest: null, autoResubscribe: true, connectTimeout }
    if (typeof connection === 'string') {
      if (connection === '') throw new TypeError('RedisConnectionRegistry: the connection URL must be a non-empty string')
      this.#client = new Redis(connection, { ...backoff, ...failFast })
      this.#sub = new Redis(connection, { ...backoff, ...subscriber })
    } else {
      this.#client = new Redis({ ...backoff, ...connection, ...failFast })
      this.#sub = new Redis({ ...backoff, ...connection, ...subscriber })
    }
    const { host, port } = this.#client.options
    this.#where = `${host ?? '127.0.0.1'}:${port ?? 6379}`
    for (const c of [this.#client, this.#sub]) {
      c.on('error', (error: Error) => {
        this.#lastError = error
        options.onError?.(error)
      })
    }
    // Back from an outage: this node's heartbeat at once, and its records again (a record written during the
    // outage failed; one whose node's heartbeat expired meanwhile may have been deleted by another node).
    this.#client.on('ready', () => void this.#beat().then(() => this.#rewriteOwn()))
    this.#client.defineCommand('ghWsTouch', { numberOfKeys: 1, lua: TOUCH })
    this.#client.defineCommand('ghWsGet', { numberOfKeys: 1, lua: GET })
    this.#sub.on('messageBuffer', (_channel: Buffer, message: Buffer) => this.#onMessage(message))
  }

  attach(nodeId: string, handler: CommandHandler): void {
    this.#nodes.set(nodeId, handler)
    this.#replyNode ??= nodeId
    this.#sub.subscribe(this.#channel(nodeId)).catch((err: unknown) => (this.#lastError = err as Error))
    void this.#beat()
    this.#heartbeat ??= setInterval(() => void this.#beat(), Math.max(10, Math.floor(this.#nodeTtlMs / 3))).unref()
  }

  async add(record: ConnectionRecord): Promise<void> {
    if (this.#nodes.has(record.nodeId)) this.#own.set(record.connectionId, { ...record })
    await this.#run('add', () => this.#write(record).exec())
  }

  /** The MULTI that writes a record whole. */
  #write(record: ConnectionRecord): ReturnType<Redis['multi']> {
    const key = this.#conn(record.connectionId)
    return this.#client
      .multi()
      .del(key)
      .hset(key, {
        apiId: record.apiId,
        stage: record.stage,
        nodeId: record.nodeId,
        connectedAt: String(record.connectedAt),
        sourceIp: record.sourceIp,
        userAgent: record.userAgent,
        lastActiveAt: String(record.lastActiveAt),
      })
      .pexpire(key, this.#recordTtlMs)
  }

  async get(connectionId: string): Promise<ConnectionRecord | null> {
    this.#flushTouches()
    const scripts = this.#client as unknown as { ghWsGet(key: string, self: string, nodePrefix: string, nodes: string): Promise<string[]> }
    const flat = await this.#run('get', () => scripts.ghWsGet(this.#conn(connectionId), '', this.#nodeKey(''), this.#nodesKey()))
    const h: Record<string, string> = {}
    for (let i = 0; i + 1 < flat.length; i += 2) h[flat[i]!] = flat[i + 1]!
    if (h['nodeId'] === undefined) return null
    return {
      connectionId,
      apiId: h['apiId'] ?? '',
      stage: h['stage'] ?? '',
      nodeId: h['nodeId'],
      connectedAt: Number(h['connectedAt']),
      sourceIp: h['sourceIp'] ?? '',
      userAgent: h['userAgent'] ?? '',
      lastActiveAt: Number(h['lastActiveAt']),
    }
  }

  touch(connectionId: string, at: number): void {
    const own = this.#own.get(connectionId)
    if (own !== undefined) own.lastActiveAt = at
    this.#touches.set(connectionId, at)
    if (this.#touchScheduled) return
    this.#touchScheduled = true
    setImmediate(() => this.#flushTouches())
  }

  async remove(connectionId: string): Promise<void> {
    this.#own.delete(connectionId)
    this.#touches.delete(connectionId)
    await this.#run('remove', () => this.#client.del(this.#conn(connectionId)))
  }

  async deliver(connectionId: string, command: ConnectionCommand): Promise<boolean> {
    const r = await this.get(connectionId)
    if (r === null) return false
    const local = this.#nodes.get(r.nodeId)
    if (local !== undefined) return local(connectionId, command)
    if (this.#replyNode === null) throw new Error('RedisConnectionRegistry: attach a node before delivering to another one')
    const re = randomUUID()
    const msg: CommandMessage = { t: 'cmd', from: this.#replyNode, to: r.nodeId, re, id: connectionId, kind: command.kind, ...(command.kind === 'post' ? { data: command.data.toString('base64') } : {}) }
    const answer = new Promise<boolean>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiting.delete(re)
        reject(new ConnectionRegistryUnavailableError(`node ${r.nodeId} holding connection ${connectionId} did not answer within ${this.#commandTimeoutMs} ms`))
      }, this.#commandTimeoutMs)
      this.#waiting.set(re, { resolve, reject, timer })
    })
    let listeners: number
    try {
      listeners = await this.#run('deliver', () => this.#client.publish(this.#channel(r.nodeId), JSON.stringify(msg)))
    } catch (err) {
      const w = this.#waiting.get(re)
      if (w) clearTimeout(w.timer)
      this.#waiting.delete(re)
      throw err
    }
    if (listeners === 0) {
      // Nobody listens on that node's channel: it is gone (its heartbeat has not expired yet).
      const w = this.#waiting.get(re)
      if (w) clearTimeout(w.timer)
      this.#waiting.delete(re)
      return false
    }
    return answer
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#flushTouches()
    this.#closed = true
    if (this.#heartbeat) clearInterval(this.#heartbeat)
    for (const [re, w] of this.#waiting) {
      clearTimeout(w.timer)
      w.reject(new ConnectionRegistryUnavailableError('the connection registry is closing'))
      this.#waiting.delete(re)
    }
    if (this.#client.status === 'ready') {
      // A node that stops takes its records and heartbeat out at once.
      const keys = [...this.#own.keys()].map((id) => this.#conn(id))
      for (const node of this.#nodes.keys()) keys.push(this.#nodeKey(node))
      try {
        if (keys.length > 0) await this.#client.del(...keys)
        if (this.#nodes.size > 0) await this.#client.srem(this.#nodesKey(), ...this.#nodes.keys())
        await quitWithin(this.#client, 1000)
      } catch {
        // Lost meanwhile: the heartbeat expires on its own.
      }
    }
    this.#client.disconnect()
    this.#sub.disconnect()
  }

  /**
   * Drops the Redis connections and the heartbeat without removing anything, as a node killed with SIGKILL
   * would (for tests of what the other nodes see).
   */
  kill(): void {
    this.#closed = true
    if (this.#heartbeat) clearInterval(this.#heartbeat)
    this.#client.disconnect()
    this.#sub.disconnect()
  }

  // ------------------------------------------------------------------------------------------------

  #onMessage(raw: Buffer): void {
    let m: CommandMessage | ReplyMessage
    try {
      m = JSON.parse(raw.toString('utf8')) as CommandMessage | ReplyMessage
    } catch {
      return
    }
    if (m.t === 'reply') {
      const w = this.#waiting.get(m.re)
      if (w === undefined) return
      clearTimeout(w.timer)
      this.#waiting.delete(m.re)
      w.resolve(m.ok === true)
      return
    }
    if (m.t !== 'cmd' || typeof m.id !== 'string') return
    const command: ConnectionCommand = m.kind === 'post' ? { kind: 'post', data: Buffer.from(m.data ?? '', 'base64') } : { kind: 'delete' }
    let ok = false
    try {
      ok = this.#nodes.get(m.to)?.(m.id, command) ?? false
    } catch {
      ok = false
    }
    const reply: ReplyMessage = { t: 'reply', re: m.re, ok }
    if (this.#client.status !== 'ready') return
    this.#client.publish(this.#channel(m.from), JSON.stringify(reply)).catch(() => undefined)
  }

  #flushTouches(): void {
    this.#touchScheduled = false
    if (this.#touches.size === 0 || this.#closed || this.#client.status !== 'ready') {
      this.#touches.clear()
      return
    }
    const touches = this.#touches
    this.#touches = new Map()
    const scripts = this.#client as unknown as { ghWsTouch(key: string, at: string): Promise<number> }
    for (const [id, at] of touches) scripts.ghWsTouch(this.#conn(id), String(at)).catch(() => undefined)
  }

  async #rewriteOwn(): Promise<void> {
    if (this.#closed || this.#own.size === 0) return
    try {
      await Promise.all([...this.#own.values()].map((r) => this.#write(r).exec()))
    } catch {
      // Lost again: the next reconnect tries again.
    }
  }

  async #beat(): Promise<void> {
    if (this.#nodes.size === 0 || this.#closed || this.#client.status !== 'ready') return
    try {
      const m = this.#client.multi()
      for (const node of this.#nodes.keys()) m.set(this.#nodeKey(node), String(Date.now()), 'PX', this.#nodeTtlMs).sadd(this.#nodesKey(), node)
      await m.exec()
    } catch {
      // Redis is down: the next beat tries again.
    }
  }

  /** One Redis round trip; every sign of an unreachable Redis becomes ConnectionRegistryUnavailableError. */
  async #run<T>(op: string, command: () => Promise<T>): Promise<T> {
    if (this.#closed) throw new ConnectionRegistryUnavailableError('the connection registry is closed')
    if (this.#client.status !== 'ready') {
      // Starting up: wait for the first connection, at most the command timeout.
      if (this.#client.status === 'connecting' || this.#client.status === 'wait' || this.#client.status === 'connect') await this.#untilReady()
      if ((this.#client.status as string) !== 'ready') throw this.#unavailable(op, this.#lastError)
    }
    try {
      return await command()
    } catch (error) {
      if (error instanceof Error && error.name === 'ReplyError' && !UNAVAILABLE_REPLIES.test(error.message)) throw error
      throw this.#unavailable(op, error)
    }
  }

  #untilReady(): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer)
        this.#client.off('ready', done).off('error', done)
        resolve()
      }
      const timer = setTimeout(done, this.#commandTimeoutMs)
      this.#client.on('ready', done).on('error', done)
    })
  }

  #unavailable(op: string, cause: unknown): ConnectionRegistryUnavailableError {
    const reason = cause instanceof Error ? cause.message : 'not connected'
    return new ConnectionRegistryUnavailableError(`Redis at ${this.#where} is unavailable (connection registry ${op}): ${reason}`, { cause })
  }

  #conn(id: string): string {
    return `${this.keyPrefix}ws:conn:${id}`
  }

  #nodeKey(nodeId: string): string {
    return `${this.keyPrefix}ws:node:${nodeId}`
  }

  /** The nodes that ever beat (a node that stops cleanly leaves it). */
  #nodesKey(): string {
    return `${this.keyPrefix}ws:nodes`
  }

  #channel(nodeId: string): string {
    return `${this.keyPrefix}ws:to:${nodeId}`
  }
}

async function quitWithin(client: Redis, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  const gaveUp = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms)
    timer.unref()
  })
  await Promise.race([client.quit().then(() => undefined), gaveUp])
  clearTimeout(timer)
}
