// The storage ports. ConfigStore: revisioned config documents with a change feed (memory, SQLite, later
// PostgreSQL). StateStore: shared data-plane state (counters, buckets, cache) — memory, later Redis.
// Adapters import only this file; one conformance suite (test/conformance/config-store.ts) runs against each.

/** Kinds of config document. One document per (kind, id). */
export type DocKind =
  | 'api' // RestApi | HttpApi, id = apiId
  | 'deployment' // Deployment, id = deploymentId
  | 'stage' // Stage, id = `${apiId}/${stageName}`
  | 'settings' // GatewaySettings, id = 'gateway'
  | 'function' // function declarations (later issues)
  | 'apikey' // API keys (later issues)
  | 'usageplan' // usage plans (later issues)

export const DOC_KINDS: readonly DocKind[] = ['api', 'deployment', 'stage', 'settings', 'function', 'apikey', 'usageplan']

export interface StoredDoc<T = unknown> {
  kind: DocKind
  id: string
  /** The global revision at which this document was last written. */
  revision: number
  /** Who owns the document: `file` (config files / CLI flags; replaced on reload) or `admin` (admin API). */
  origin: string
  value: T
}

export type ChangeOp =
  | { op: 'put'; kind: DocKind; id: string; value: unknown; origin?: string; /** fail unless the doc is at this revision (0: must not exist) */ expectRevision?: number }
  | { op: 'delete'; kind: DocKind; id: string; expectRevision?: number }

export interface ChangeEvent {
  revision: number
  op: 'put' | 'delete'
  kind: DocKind
  id: string
}

/** Thrown by `apply` when an `expectRevision` does not hold; nothing of the batch is written. */
export class RevisionConflictError extends Error {
  readonly kind: DocKind
  readonly id: string
  readonly expected: number
  readonly actual: number
  constructor(kind: DocKind, id: string, expected: number, actual: number) {
    super(`revision conflict on ${kind}/${id}: expected ${expected}, found ${actual}`)
    this.name = 'RevisionConflictError'
    this.kind = kind
    this.id = id
    this.expected = expected
    this.actual = actual
  }
}

/**
 * Thrown by `changesSince` when the events after `requested` are no longer kept (adapters bound their
 * change log); the caller must reload everything instead of replaying changes.
 */
export class ChangeLogTruncatedError extends Error {
  readonly requested: number
  /** The oldest revision `changesSince` can still start from. */
  readonly oldestAvailable: number
  constructor(requested: number, oldestAvailable: number) {
    super(`changes after revision ${requested} are no longer kept; the change log starts after revision ${oldestAvailable}`)
    this.name = 'ChangeLogTruncatedError'
    this.requested = requested
    this.oldestAvailable = oldestAvailable
  }
}

export interface ConfigStore {
  /** The current global revision (0 for an empty store). Increases by one per applied batch. */
  revision(): Promise<number>
  get<T = unknown>(kind: DocKind, id: string): Promise<StoredDoc<T> | undefined>
  list<T = unknown>(kind: DocKind): Promise<Array<StoredDoc<T>>>
  /**
   * Applies a batch atomically: all of it or none of it. Every op of the batch gets the same new
   * revision, which is returned. An empty batch returns the current revision and writes nothing.
   */
  apply(ops: ChangeOp[]): Promise<number>
  /** Change events after `revision`, oldest first. Throws ChangeLogTruncatedError if they are no longer kept. */
  changesSince(revision: number): Promise<ChangeEvent[]>
  /**
   * Calls `listener` with the events of each batch applied after this call (by this process or, for
   * shared backends, by another). Returns an unsubscribe function.
   */
  watch(listener: (events: ChangeEvent[]) => void): () => void
  close(): Promise<void>
}
