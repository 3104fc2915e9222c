// MemoryConfigStore: the ConfigStore held in this process only (tests, `gatehouse serve` without a data dir).

import { ChangeLogTruncatedError } from '../port/ports.js'
import type { ChangeEvent, ChangeOp, ConfigStore, DocKind, StoredDoc } from '../port/ports.js'
import { byId, checkChangeLogRevisions, checkExpectations, checkRevisionArgument, docKey, prepareBatch } from '../port/batch.js'
import { Watchers } from '../port/watchers.js'
import type { ListenerErrorHandler } from '../port/watchers.js'

export interface MemoryConfigStoreOptions {
  /** How many revisions of change events `changesSince` can replay (default 10,000). */
  changeLogRevisions?: number
  /** Called with whatever a `watch()` listener throws (default: a process warning). */
  onListenerError?: ListenerErrorHandler
}

interface Row {
  kind: DocKind
  id: string
  revision: number
  origin: string
  json: string
}

/**
 * A ConfigStore in memory. Values are kept as JSON text and parsed on every read, so each caller gets its
 * own copy: mutating a value passed to `apply` or returned by `get`/`list` never changes the store.
 * Listeners are called before `apply` resolves. A batch whose ops are all deletes of missing documents
 * writes nothing and does not advance the revision.
 *
 * @example
 * const store = new MemoryConfigStore()
 * const rev = await store.apply([{ op: 'put', kind: 'settings', id: 'gateway', value: {} }])
 */
export class MemoryConfigStore implements ConfigStore {
  readonly #docs = new Map<string, Row>()
  readonly #log: ChangeEvent[] = []
  readonly #keep: number
  readonly #watchers: Watchers
  #revision = 0
  #closed = false

  constructor(options: MemoryConfigStoreOptions = {}) {
    this.#keep = checkChangeLogRevisions(options.changeLogRevisions)
    this.#watchers = new Watchers(options.onListenerError)
  }

  async revision(): Promise<number> {
    this.#assertOpen()
    return this.#revision
  }

  async get<T = unknown>(kind: DocKind, id: string): Promise<StoredDoc<T> | undefined> {
    this.#assertOpen()
    const row = this.#docs.get(docKey(kind, id))
    return row === undefined ? undefined : toDoc<T>(row)
  }

  async list<T = unknown>(kind: DocKind): Promise<Array<StoredDoc<T>>> {
    this.#assertOpen()
    const rows: Row[] = []
    for (const row of this.#docs.values()) if (row.kind === kind) rows.push(row)
    return rows.sort(byId).map((row) => toDoc<T>(row))
  }

  async apply(ops: ChangeOp[]): Promise<number> {
    this.#assertOpen()
    const batch = prepareBatch(ops)
    checkExpectations(batch, (kind, id) => this.#docs.get(docKey(kind, id))?.revision ?? 0)
    const effective = batch.filter((op) => op.op === 'put' || this.#docs.has(docKey(op.kind, op.id)))
    if (effective.length === 0) return this.#revision

    const revision = ++this.#revision
    const events: ChangeEvent[] = []
    for (const op of effective) {
      const key = docKey(op.kind, op.id)
      if (op.op === 'put') this.#docs.set(key, { kind: op.kind, id: op.id, revision, origin: op.origin, json: op.json! })
      else this.#docs.delete(key)
      events.push({ revision, op: op.op, kind: op.kind, id: op.id })
    }
    this.#log.push(...events)
    this.#prune()
    this.#watchers.publish(events)
    return revision
  }

  async changesSince(revision: number): Promise<ChangeEvent[]> {
    this.#assertOpen()
    checkRevisionArgument(revision)
    if (revision < this.#revision - this.#keep) throw new ChangeLogTruncatedError(revision, this.#revision - this.#keep)
    return this.#log.filter((e) => e.revision > revision).map((e) => ({ ...e }))
  }

  watch(listener: (events: ChangeEvent[]) => void): () => void {
    this.#assertOpen()
    return this.#watchers.add(listener, this.#revision)
  }

  async close(): Promise<void> {
    this.#closed = true
    this.#watchers.clear()
  }

  /** Drops the events of revisions more than `changeLogRevisions` behind the current one. */
  #prune(): void {
    const oldestKept = this.#revision - this.#keep + 1
    let drop = 0
    while (drop < this.#log.length && this.#log[drop]!.revision < oldestKept) drop++
    if (drop > 0) this.#log.splice(0, drop)
  }

  #assertOpen(): void {
    if (this.#closed) throw new Error('MemoryConfigStore is closed')
  }
}

function toDoc<T>(row: Row): StoredDoc<T> {
  return { kind: row.kind, id: row.id, revision: row.revision, origin: row.origin, value: JSON.parse(row.json) as T }
}
