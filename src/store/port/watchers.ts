// Part of the store port (src/store/port/): the listener fan-out the ConfigStore adapters share: one call per
// batch per listener, in revision order, never a batch applied before the listener subscribed, and a
// throwing listener harms no one else. Adapters import it as they import ports.ts.

import type { ChangeEvent } from './ports.js'

interface Entry {
  listener: (events: ChangeEvent[]) => void
  /** Batches at or below this revision were applied before the listener subscribed. */
  from: number
}

/** Reports an error thrown by a listener; the default emits a process warning. */
export type ListenerErrorHandler = (error: unknown) => void

export const warnListenerError: ListenerErrorHandler = (error) => {
  process.emitWarning(`ConfigStore change delivery failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`, 'GatehouseStoreWarning')
}

/** Listeners of one store instance. */
export class Watchers {
  readonly #entries = new Set<Entry>()
  readonly #queue: ChangeEvent[][] = []
  readonly #onError: ListenerErrorHandler
  #draining = false

  constructor(onError: ListenerErrorHandler = warnListenerError) {
    this.#onError = onError
  }

  get size(): number {
    return this.#entries.size
  }

  /** Adds a listener that gets batches above revision `from`; returns its unsubscribe function. */
  add(listener: (events: ChangeEvent[]) => void, from: number): () => void {
    if (typeof listener !== 'function') throw new TypeError('watch: listener must be a function')
    const entry: Entry = { listener, from }
    this.#entries.add(entry)
    return () => {
      this.#entries.delete(entry)
    }
  }

  /** Delivers one batch (events of a single revision). Re-entrant calls are queued, so order holds. */
  publish(events: ChangeEvent[]): void {
    if (events.length === 0) return
    this.#queue.push(Object.freeze(events.map((e) => Object.freeze({ ...e }))) as ChangeEvent[])
    if (this.#draining) return
    this.#draining = true
    try {
      for (let batch = this.#queue.shift(); batch !== undefined; batch = this.#queue.shift()) {
        const revision = batch[0]!.revision
        for (const entry of [...this.#entries]) {
          // An earlier listener may have unsubscribed this one during this very batch.
          if (revision <= entry.from || !this.#entries.has(entry)) continue
          try {
            entry.listener(batch)
          } catch (error) {
            this.#report(error)
          }
        }
      }
    } finally {
      this.#draining = false
    }
  }

  clear(): void {
    this.#entries.clear()
    this.#queue.length = 0
  }

  #report(error: unknown): void {
    try {
      this.#onError(error)
    } catch {
      // The error handler itself failed; there is nobody left to tell.
    }
  }
}
