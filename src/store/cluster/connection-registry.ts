// The WebSocket connection registry of `gatehouse serve --workers N` without Redis: the primary holds the
// records of every worker's connections (ConnectionRegistryHost, one per primary, serving each worker's IPC
// channel), and a worker's ClusterConnectionRegistry forwards its calls there. A command for a connection is
// relayed by the primary to the worker holding the socket, whose answer (taken, or gone) travels back the same
// way, so `@connections` on any worker reaches a socket held by another. A worker that exits takes its
// connections out of the registry (the primary drops them when its channel ends).

import { ConnectionRegistryUnavailableError } from '../port/connections.js'
import type { CommandHandler, ConnectionCommand, ConnectionRecord, ConnectionRegistry } from '../port/connections.js'
import { decode, encode } from './protocol.js'
import type { IpcEndpoint } from './protocol.js'

type Op = 'attach' | 'add' | 'get' | 'touch' | 'remove' | 'deliver'
/** Worker → primary: one registry call. */
interface RegistryCall {
  gh: 'ws-reg'
  from: string
  id: number
  op: Op
  args: unknown[]
}
/** Primary → worker: its answer. */
interface RegistryReply {
  gh: 'ws-reg-reply'
  to: string
  id: number
  ok: boolean
  value?: unknown
  error?: string
}
/** Primary → worker: a command for a connection it holds. */
interface RelayedCommand {
  gh: 'ws-cmd'
  re: number
  node: string
  connectionId: string
  command: unknown
}
/** Worker → primary: whether the command was taken. */
interface RelayedAnswer {
  gh: 'ws-cmd-reply'
  re: number
  ok: boolean
}

const isCall = (m: unknown): m is RegistryCall => typeof m === 'object' && m !== null && (m as RegistryCall).gh === 'ws-reg'
const isReply = (m: unknown): m is RegistryReply => typeof m === 'object' && m !== null && (m as RegistryReply).gh === 'ws-reg-reply'
const isCommand = (m: unknown): m is RelayedCommand => typeof m === 'object' && m !== null && (m as RelayedCommand).gh === 'ws-cmd'
const isAnswer = (m: unknown): m is RelayedAnswer => typeof m === 'object' && m !== null && (m as RelayedAnswer).gh === 'ws-cmd-reply'

function send(endpoint: IpcEndpoint, message: unknown): boolean {
  if (endpoint.connected === false || typeof endpoint.send !== 'function') return false
  try {
    endpoint.send(message, () => undefined)
    return true
  } catch {
    return false
  }
}

/**
 * The primary's registry: every worker's connection records, and which worker's channel each node is on.
 * Serve each worker with `serve(worker)`; the function it returns stops serving it and drops its connections.
 */
export class ConnectionRegistryHost {
  readonly #records = new Map<string, ConnectionRecord>()
  readonly #nodes = new Map<string, IpcEndpoint>()
  readonly #relayed = new Map<number, { resolve: (ok: boolean | 'timeout') => void; timer: NodeJS.Timeout }>()
  readonly #timeoutMs: number
  #nextRelay = 0

  constructor(options: { timeoutMs?: number } = {}) {
    this.#timeoutMs = options.timeoutMs ?? 2000
  }

  /** How many connections are recorded (for tests and diagnostics). */
  get size(): number {
    return this.#records.size
  }

  serve(endpoint: IpcEndpoint): () => void {
    const onMessage = (m: unknown): void => {
      if (isAnswer(m)) {
        const r = this.#relayed.get(m.re)
        if (r === undefined) return
        clearTimeout(r.timer)
        this.#relayed.delete(m.re)
        r.resolve(m.ok === true)
        return
      }
      if (!isCall(m)) return
      void this.#answer(endpoint, m).then((reply) => {
        if (reply !== null) send(endpoint, reply)
      })
    }
    endpoint.on('message', onMessage)
    return () => {
      endpoint.off('message', onMessage)
      // The worker is gone: its nodes and their connections leave the registry.
      for (const [node, e] of this.#nodes) {
        if (e !== endpoint) continue
        this.#nodes.delete(node)
        for (const [id, r] of this.#records) if (r.nodeId === node) this.#records.delete(id)
      }
    }
  }

  async #answer(endpoint: IpcEndpoint, call: RegistryCall): Promise<RegistryReply | null> {
    const args = decode(call.args) as unknown[]
    const reply = (value?: unknown): RegistryReply => ({ gh: 'ws-reg-reply', to: call.from, id: call.id, ok: true, ...(value === undefined ? {} : { value: encode(value) }) })
    switch (call.op) {
      case 'attach':
        this.#nodes.set(String(args[0]), endpoint)
        return reply()
      case 'add': {
        const r = args[0] as ConnectionRecord
        this.#records.set(r.connectionId, { ...r })
        return reply()
      }
      case 'get': {
        const r = this.#records.get(String(args[0]))
        return reply(r === undefined ? null : r)
      }
      case 'touch': {
        // [[connectionId, at], …]: one turn's touches of one worker.
        for (const [id, at] of args as Array<[string, number]>) {
          const r = this.#records.get(String(id))
          if (r !== undefined) r.lastActiveAt = Number(at)
        }
        return null
      }
      case 'remove':
        this.#records.delete(String(args[0]))
        return reply()
      case 'deliver': {
        const taken = await this.#deliver(String(args[0]), args[1] as ConnectionCommand)
        if (taken === 'timeout') return { gh: 'ws-reg-reply', to: call.from, id: call.id, ok: false, error: `the node holding the connection did not answer within ${this.#timeoutMs} ms` }
        return reply(taken)
      }
      default:
        return { gh: 'ws-reg-reply', to: call.from, id: call.id, ok: false, error: `unknown connection registry operation ${JSON.stringify(call.op)}` }
    }
  }

  #deliver(connectionId: string, command: ConnectionCommand): Promise<boolean | 'timeout'> {
    const r = this.#records.get(connectionId)
    const endpoint = r === undefined ? undefined : this.#nodes.get(r.nodeId)
    if (r === undefined || endpoint === undefined) return Promise.resolve(false)
    const re = ++this.#nextRelay
    return new Promise<boolean | 'timeout'>((resolve) => {
      // A worker that does not answer in time: an error for the caller, not a Gone for a live connection.
      const timer = setTimeout(() => {
        this.#relayed.delete(re)
        resolve('timeout')
      }, this.#timeoutMs)
      this.#relayed.set(re, { resolve, timer })
      const message: RelayedCommand = { gh: 'ws-cmd', re, node: r.nodeId, connectionId, command: encode(command) }
      if (!send(endpoint, message)) {
        clearTimeout(timer)
        this.#relayed.delete(re)
        resolve(false)
      }
    })
  }
}

let instances = 0

/** A `--workers N` worker's registry: every call goes to the primary's ConnectionRegistryHost over `endpoint`. */
export class ClusterConnectionRegistry implements ConnectionRegistry {
  readonly #endpoint: IpcEndpoint
  readonly #timeoutMs: number
  readonly #tag = `${process.pid}:ws:${++instances}`
  readonly #handlers = new Map<string, CommandHandler>()
  readonly #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>()
  readonly #onMessage = (m: unknown): void => this.#receive(m)
  readonly #touches = new Map<string, number>()
  #touchScheduled = false
  #nextId = 0
  #closed = false

  constructor(endpoint: IpcEndpoint, options: { timeoutMs?: number } = {}) {
    if (typeof endpoint?.on !== 'function' || typeof endpoint.send !== 'function') throw new TypeError('ClusterConnectionRegistry: endpoint must be an IPC channel (process in a cluster worker)')
    this.#endpoint = endpoint
    this.#timeoutMs = options.timeoutMs ?? 3000
    endpoint.on('message', this.#onMessage)
  }

  attach(nodeId: string, handler: CommandHandler): void {
    this.#handlers.set(nodeId, handler)
    this.#call('attach', [nodeId]).catch(() => undefined)
  }

  async add(record: ConnectionRecord): Promise<void> {
    await this.#call('add', [record])
  }

  async get(connectionId: string): Promise<ConnectionRecord | null> {
    return ((await this.#call('get', [connectionId])) as ConnectionRecord | null) ?? null
  }

  /** Batched: one IPC message per event-loop turn, whatever the number of messages received. */
  touch(connectionId: string, at: number): void {
    if (this.#closed) return
    this.#touches.set(connectionId, at)
    if (this.#touchScheduled) return
    this.#touchScheduled = true
    setImmediate(() => {
      this.#touchScheduled = false
      const touches = [...this.#touches]
      this.#touches.clear()
      if (!this.#closed && touches.length > 0) send(this.#endpoint, { gh: 'ws-reg', from: this.#tag, id: 0, op: 'touch', args: touches } satisfies RegistryCall)
    })
  }

  async remove(connectionId: string): Promise<void> {
    await this.#call('remove', [connectionId])
  }

  async deliver(connectionId: string, command: ConnectionCommand): Promise<boolean> {
    return (await this.#call('deliver', [connectionId, command])) === true
  }

  close(): Promise<void> {
    this.#closed = true
    this.#endpoint.off('message', this.#onMessage)
    for (const [id, p] of this.#pending) {
      clearTimeout(p.timer)
      p.reject(new ConnectionRegistryUnavailableError('the connection registry is closed'))
      this.#pending.delete(id)
    }
    return Promise.resolve()
  }

  #call(op: Op, args: unknown[]): Promise<unknown> {
    if (this.#closed) return Promise.reject(new ConnectionRegistryUnavailableError('the connection registry is closed'))
    const id = ++this.#nextId
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id)
        reject(new ConnectionRegistryUnavailableError(`the primary process did not answer the connection registry (${op}) within ${this.#timeoutMs} ms`))
      }, this.#timeoutMs)
      this.#pending.set(id, { resolve, reject, timer })
      if (!send(this.#endpoint, { gh: 'ws-reg', from: this.#tag, id, op, args: encode(args) as unknown[] } satisfies RegistryCall)) {
        clearTimeout(timer)
        this.#pending.delete(id)
        reject(new ConnectionRegistryUnavailableError('the primary process is gone: the connection registry is unavailable'))
      }
    })
  }

  #receive(m: unknown): void {
    if (isReply(m)) {
      if (m.to !== this.#tag) return
      const p = this.#pending.get(m.id)
      if (p === undefined) return
      clearTimeout(p.timer)
      this.#pending.delete(m.id)
      if (m.ok) p.resolve(m.value === undefined ? undefined : decode(m.value))
      else p.reject(new ConnectionRegistryUnavailableError(m.error ?? 'connection registry call failed'))
      return
    }
    if (!isCommand(m)) return
    const handler = this.#handlers.get(m.node)
    if (handler === undefined) return
    let ok = false
    try {
      ok = handler(m.connectionId, decode(m.command) as ConnectionCommand)
    } catch {
      ok = false
    }
    send(this.#endpoint, { gh: 'ws-cmd-reply', re: m.re, ok } satisfies RelayedAnswer)
  }
}
