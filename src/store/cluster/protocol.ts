// The messages a cluster worker's StateStore exchanges with the primary over the IPC channel, and a codec
// that carries Buffers and non-finite numbers through the channel's JSON serialization.

/** What both sides need of an IPC channel: a cluster Worker, a forked ChildProcess, or `process` in the child. */
export interface IpcEndpoint {
  send?(message: unknown, callback?: (error: Error | null) => void): boolean
  on(event: 'message', listener: (message: unknown) => void): unknown
  off(event: 'message', listener: (message: unknown) => void): unknown
  readonly connected?: boolean
}

/** The StateStore methods a worker may call on the primary's store (never `close`: the primary owns it). */
export const STATE_OPS = ['admit', 'takeTokens', 'consumeQuota', 'quotaStatus', 'adjustQuota', 'getUsage', 'get', 'set', 'delete', 'deletePrefix', 'getResponse', 'setResponse', 'flushResponses'] as const
export type StateOp = (typeof STATE_OPS)[number]

/** One StateStore call. */
export interface StateCall {
  id: number
  op: StateOp
  args: unknown[]
}

export type StateResult = { id: number; ok: true; value?: unknown } | { id: number; ok: false; error: { name: string; message: string } }

/** The calls one adapter made in one turn of its event loop, sent as one message (fewer, larger IPC writes). */
export interface StateRequest {
  gh: 'state'
  /** Names the calling adapter, so several adapters can share one channel. */
  from: string
  calls: StateCall[]
}

/** The results of one StateRequest's calls, in any order. */
export interface StateReply {
  gh: 'state-reply'
  to: string
  results: StateResult[]
}

export function isStateRequest(message: unknown): message is StateRequest {
  const m = message as Partial<StateRequest> | null
  return typeof m === 'object' && m !== null && m.gh === 'state' && typeof m.from === 'string' && Array.isArray(m.calls)
}

export function isStateReply(message: unknown): message is StateReply {
  const m = message as Partial<StateReply> | null
  return typeof m === 'object' && m !== null && m.gh === 'state-reply' && typeof m.to === 'string' && Array.isArray(m.results)
}

type Encoded = { $buf: string } | { $num: 'Infinity' | '-Infinity' | 'NaN' }

/** Makes `value` survive JSON: Buffers become base64, Infinity and NaN become tagged strings. */
export function encode(value: unknown): unknown {
  if (Buffer.isBuffer(value)) return { $buf: value.toString('base64') } satisfies Encoded
  if (typeof value === 'number' && !Number.isFinite(value)) return { $num: String(value) as 'Infinity' } satisfies Encoded
  if (Array.isArray(value)) return value.map(encode)
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) out[k] = encode(v)
    return out
  }
  return value
}

/** The inverse of `encode`. */
export function decode(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(decode)
  if (typeof value === 'object' && value !== null) {
    const o = value as Record<string, unknown>
    if (typeof o['$buf'] === 'string' && Object.keys(o).length === 1) return Buffer.from(o['$buf'], 'base64')
    if (typeof o['$num'] === 'string' && Object.keys(o).length === 1) return Number(o['$num'])
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(o)) out[k] = decode(v)
    return out
  }
  return value
}
