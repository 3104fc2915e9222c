// MemoryConnectionRegistry: the WebSocket connection registry of one process (src/store/port/connections.ts).
// Commands are delivered synchronously to the handler attached for the connection's node.

import type { CommandHandler, ConnectionCommand, ConnectionRecord, ConnectionRegistry } from '../port/connections.js'

export class MemoryConnectionRegistry implements ConnectionRegistry {
  readonly #records = new Map<string, ConnectionRecord>()
  readonly #nodes = new Map<string, CommandHandler>()

  attach(nodeId: string, handler: CommandHandler): void {
    this.#nodes.set(nodeId, handler)
  }

  add(record: ConnectionRecord): Promise<void> {
    this.#records.set(record.connectionId, { ...record })
    return Promise.resolve()
  }

  get(connectionId: string): Promise<ConnectionRecord | null> {
    const r = this.#records.get(connectionId)
    return Promise.resolve(r === undefined ? null : { ...r })
  }

  touch(connectionId: string, at: number): void {
    const r = this.#records.get(connectionId)
    if (r !== undefined) r.lastActiveAt = at
  }

  remove(connectionId: string): Promise<void> {
    this.#records.delete(connectionId)
    return Promise.resolve()
  }

  deliver(connectionId: string, command: ConnectionCommand): Promise<boolean> {
    const r = this.#records.get(connectionId)
    const handler = r === undefined ? undefined : this.#nodes.get(r.nodeId)
    if (handler === undefined) return Promise.resolve(false)
    return Promise.resolve(handler(connectionId, command))
  }

  close(): Promise<void> {
    this.#records.clear()
    this.#nodes.clear()
    return Promise.resolve()
  }
}
