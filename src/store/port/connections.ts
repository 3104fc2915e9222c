// The WebSocket connection registry port (docs/websocket.md): which connections are open, on which node,
// with what `@connections` GET answers, and the delivery of `@connections` commands (post a frame, close)
// to the node that holds the socket. The memory adapter (src/store/memory/connection-registry.ts) serves one
// node; a Redis adapter keeps records in hashes and delivers commands over pub/sub to the holding node's
// channel, so `PostToConnection` on any node reaches the socket wherever it is.

/** What the registry keeps of an open connection. Times are epoch ms. */
export interface ConnectionRecord {
  readonly connectionId: string
  readonly apiId: string
  readonly stage: string
  /** The node holding the socket (its `attach` id). */
  readonly nodeId: string
  readonly connectedAt: number
  readonly sourceIp: string
  readonly userAgent: string
  lastActiveAt: number
}

/** A command for the node holding a connection. */
export type ConnectionCommand = { readonly kind: 'post'; readonly data: Buffer } | { readonly kind: 'delete' }

/**
 * How a node receives the commands addressed to its connections: true when the connection was there and
 * the command taken, false when it is gone.
 */
export type CommandHandler = (connectionId: string, command: ConnectionCommand) => boolean

export interface ConnectionRegistry {
  /** This node's delivery handler (one per node); commands for connections registered under `nodeId` reach it. */
  attach(nodeId: string, handler: CommandHandler): void
  /** Records an open connection (after its `$connect` succeeded). */
  add(record: ConnectionRecord): Promise<void>
  /** The record of an open connection, or null when it is closed or unknown. */
  get(connectionId: string): Promise<ConnectionRecord | null>
  /** The client sent a message (epoch ms). Best-effort and cheap: adapters may batch it. */
  touch(connectionId: string, at: number): void
  /** The connection ended. */
  remove(connectionId: string): Promise<void>
  /** Delivers a command to the node holding the connection: false when no node holds it (GoneException). */
  deliver(connectionId: string, command: ConnectionCommand): Promise<boolean>
  close(): Promise<void>
}

/** The registry's backing store (Redis) cannot be reached: the connection's node cannot be known or told. */
export class ConnectionRegistryUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'ConnectionRegistryUnavailableError'
  }
}
