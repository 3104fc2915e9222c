// The worker thread of an off-thread config load (off-thread.ts): reads, parses, imports and validates every
// config source with loadDesiredState, posts the result as plain data, and ends, taking the parse's memory with it.

import { parentPort, workerData } from 'node:worker_threads'
import { ConfigError } from '../../errors.js'
import { loadDesiredState } from './desired.js'
import type { LoadReply, LoadRequest } from './off-thread.js'

const request = workerData as LoadRequest
const now = new Date(request.now)

let reply: LoadReply
try {
  const state = await loadDesiredState({ ...request.sources, now: () => now })
  reply = { kind: 'loaded', state }
} catch (err) {
  reply = err instanceof ConfigError
    ? { kind: 'refused', problems: err.problems }
    : { kind: 'failed', message: err instanceof Error ? err.message : String(err), ...(err instanceof Error && err.stack !== undefined ? { stack: err.stack } : {}) }
}
parentPort!.postMessage(reply)
