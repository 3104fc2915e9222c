// The primary's side of the cluster StateStore: answers the calls ClusterStateStore sends over one worker's IPC
// channel with the one store the primary holds for all of its workers.

import type { StateStore } from '../ports.js'
import { STATE_OPS, decode, encode, isStateRequest } from './protocol.js'
import type { IpcEndpoint, StateReply, StateRequest } from './protocol.js'

const OPS = new Set<string>(STATE_OPS)

/**
 * Serves `store` (or whatever `store()` returns at the time of each call) to the ClusterStateStore adapters
 * on `endpoint`: a cluster Worker in the primary, or `process` in a forked child. Call it once per worker;
 * every worker's calls reach the same store, so limits hold across all of them. Replies to a worker that
 * has gone are dropped. Returns a function that stops serving this endpoint (the store stays open).
 *
 * @example
 * const state = new MemoryStateStore()
 * cluster.on('fork', (worker) => hostStateStore(state, worker))
 */
export function hostStateStore(store: StateStore | (() => StateStore), endpoint: IpcEndpoint): () => void {
  const current = typeof store === 'function' ? store : () => store
  const onMessage = (message: unknown): void => {
    if (!isStateRequest(message)) return
    void answer(current, message).then((reply) => {
      if (endpoint.connected === false || typeof endpoint.send !== 'function') return
      try {
        endpoint.send(reply, () => undefined)
      } catch {
        // The worker went away between the call and the answer; nobody is waiting any more.
      }
    })
  }
  endpoint.on('message', onMessage)
  return () => void endpoint.off('message', onMessage)
}

async function answer(store: () => StateStore, request: StateRequest): Promise<StateReply> {
  const base = { gh: 'state-reply' as const, to: request.from, id: request.id }
  try {
    if (!OPS.has(request.op)) throw new TypeError(`unknown state store operation ${JSON.stringify(request.op)}`)
    const s = store() as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>
    const value = await s[request.op]!.apply(s, decode(request.args) as unknown[])
    return value === undefined ? { ...base, ok: true } : { ...base, ok: true, value: encode(value) }
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error))
    return { ...base, ok: false, error: { name: e.name, message: e.message } }
  }
}
