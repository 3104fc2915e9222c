// The primary's side of the cluster StateStore: answers the calls ClusterStateStore sends over one worker's IPC
// channel with the one store the primary holds for all of its workers.

import type { StateStore } from '../port/ports.js'
import { STATE_OPS, decode, encode, isStateRequest } from './protocol.js'
import type { IpcEndpoint, StateCall, StateReply, StateResult } from './protocol.js'

const OPS = new Set<string>(STATE_OPS)

/**
 * Serves `store` (or whatever `store()` returns at the time of each call) to the ClusterStateStore adapters
 * on `endpoint`: a cluster Worker in the primary, or `process` in a forked child. Call it once per worker;
 * every worker's calls reach the same store, so limits hold across all of them. Replies to a worker that
 * has gone are dropped. Returns a function that stops serving this endpoint (the store stays open).
 *
 * @example
 * const state = localStateStore(dataDir) // src/store/compose.ts
 * cluster.on('fork', (worker) => hostStateStore(state, worker))
 */
export function hostStateStore(store: StateStore | (() => StateStore), endpoint: IpcEndpoint): () => void {
  const current = typeof store === 'function' ? store : () => store
  const onMessage = (message: unknown): void => {
    if (!isStateRequest(message)) return
    // Started in the order sent, so one worker's calls reach the store in its order.
    const s = current()
    void Promise.all(message.calls.map((call) => answer(s, call))).then((results) => {
      if (endpoint.connected === false || typeof endpoint.send !== 'function') return
      const reply: StateReply = { gh: 'state-reply', to: message.from, results }
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

async function answer(store: StateStore, call: StateCall): Promise<StateResult> {
  try {
    if (!OPS.has(call.op)) throw new TypeError(`unknown state store operation ${JSON.stringify(call.op)}`)
    const s = store as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>
    const value = await s[call.op]!.apply(s, decode(call.args) as unknown[])
    return value === undefined ? { id: call.id, ok: true } : { id: call.id, ok: true, value: encode(value) }
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error))
    return { id: call.id, ok: false, error: { name: e.name, message: e.message } }
  }
}
