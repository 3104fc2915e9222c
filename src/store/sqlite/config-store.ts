// SqliteConfigStore: the ConfigStore in `<data dir>/gatehouse.db` (better-sqlite3, WAL), the persistent
// single-node default. Several instances (or processes) may share one directory.

import Database from 'better-sqlite3'
import { openDatabase } from './open.js'
import { ChangeLogTruncatedError } from '../port/ports.js'
import type { ChangeEvent, ChangeOp, ConfigStore, DocKind, StoredDoc } from '../port/ports.js'
import { byId, checkChangeLogRevisions, checkExpectations, checkRevisionArgument, groupByRevision, prepareBatch } from '../port/batch.js'
import type { PreparedOp } from '../port/batch.js'
import { Watchers, warnListenerError } from '../port/watchers.js'
import type { ListenerErrorHandler } from '../port/watchers.js'

/** The database file's name inside the data directory. */
export const SQLITE_FILE_NAME = 'gatehouse.db'

const SCHEMA_VERSION = 1

export interface SqliteConfigStoreOptions {
  /** How often watchers look for batches written by other connections, in ms (default 200). */
  pollIntervalMs?: number
  /** How many revisions of change events are kept for `changesSince` (default 10,000). */
  changeLogRevisions?: number
  /** How long a write waits for another connection's write to finish, in ms (default 5000). */
  busyTimeoutMs?: number
  /** Called with whatever a `watch()` listener throws, or a background poll fails with (default: a process warning). */
  onListenerError?: ListenerErrorHandler
}

interface DocRow {
  kind: DocKind
  id: string
  revision: number
  origin: string
  value: string
}

/**
 * A ConfigStore in an SQLite database in `dataDir` (created if missing). Everything survives `close()` and
 * reopening: documents, the revision and the change log, which keeps the events of the last
 * `changeLogRevisions` revisions.
 *
 * Values are stored as JSON text and parsed on every read, so each caller gets its own copy. Listeners
 * see this instance's batches before `apply` resolves; batches committed through another connection to
 * the same file are found by a poll of `PRAGMA data_version` (a cheap counter read, no query of the data)
 * every `pollIntervalMs` while at least one listener is subscribed. The poll timer is unref'd and stopped
 * by `close()`. A batch whose ops are all deletes of missing documents writes nothing.
 *
 * @example
 * const store = new SqliteConfigStore('/var/lib/gatehouse')
 * store.watch((events) => console.log(events))
 */
export class SqliteConfigStore implements ConfigStore {
  /** The database file. */
  readonly path: string
  readonly #db: Database.Database
  readonly #keep: number
  readonly #pollIntervalMs: number
  readonly #onError: ListenerErrorHandler
  readonly #watchers: Watchers
  readonly #stmt: ReturnType<typeof prepareStatements>
  readonly #applyTx: (batch: PreparedOp[]) => number
  #timer: NodeJS.Timeout | undefined
  /** The last revision handed to watchers (meaningful while any are subscribed). */
  #delivered = 0
  #dataVersion = 0
  #closed = false

  constructor(dataDir: string, options: SqliteConfigStoreOptions = {}) {
    if (typeof dataDir !== 'string' || dataDir === '') throw new TypeError('SqliteConfigStore: dataDir must be a non-empty path')
    this.#keep = checkChangeLogRevisions(options.changeLogRevisions)
    this.#pollIntervalMs = options.pollIntervalMs ?? 200
    if (!(this.#pollIntervalMs > 0)) throw new TypeError(`pollIntervalMs must be positive, got ${options.pollIntervalMs}`)
    this.#onError = options.onListenerError ?? warnListenerError
    this.#watchers = new Watchers(this.#onError)

    // FULL: an accepted config change must survive a power cut, and config writes are rare.
    const opened = openDatabase(dataDir, SQLITE_FILE_NAME, { busyTimeoutMs: options.busyTimeoutMs, synchronous: 'FULL' }, { version: SCHEMA_VERSION, migrate }, prepareStatements)
    this.path = opened.path
    this.#db = opened.db
    this.#stmt = opened.stmt
    const keep = this.#keep
    const stmt = this.#stmt
    this.#applyTx = this.#db.transaction((batch: PreparedOp[]): number => {
      const current = stmt.revision.get()!
      checkExpectations(batch, (kind, id) => stmt.docRevision.get(kind, id) ?? 0)
      const effective = batch.filter((op) => op.op === 'put' || stmt.docRevision.get(op.kind, op.id) !== undefined)
      if (effective.length === 0) return current
      const revision = current + 1
      effective.forEach((op, seq) => {
        if (op.op === 'put') stmt.upsert.run(op.kind, op.id, revision, op.origin, op.json!)
        else stmt.remove.run(op.kind, op.id)
        stmt.logChange.run(revision, seq, op.op, op.kind, op.id)
      })
      stmt.setRevision.run(revision)
      stmt.prune.run(revision - keep)
      return revision
    }).immediate
  }

  async revision(): Promise<number> {
    this.#assertOpen()
    return this.#stmt.revision.get()!
  }

  async get<T = unknown>(kind: DocKind, id: string): Promise<StoredDoc<T> | undefined> {
    this.#assertOpen()
    const row = this.#stmt.getDoc.get(kind, id)
    return row === undefined ? undefined : toDoc<T>(row)
  }

  async list<T = unknown>(kind: DocKind): Promise<Array<StoredDoc<T>>> {
    this.#assertOpen()
    return this.#stmt.listDocs.all(kind).sort(byId).map((row) => toDoc<T>(row))
  }

  async apply(ops: ChangeOp[]): Promise<number> {
    this.#assertOpen()
    const revision = this.#applyTx(prepareBatch(ops))
    this.#catchUp()
    return revision
  }

  async changesSince(revision: number): Promise<ChangeEvent[]> {
    this.#assertOpen()
    checkRevisionArgument(revision)
    // One read transaction, so the bound check and the events agree even if another connection writes.
    return this.#db.transaction(() => {
      const current = this.#stmt.revision.get()!
      if (revision < current - this.#keep) throw new ChangeLogTruncatedError(revision, current - this.#keep)
      return this.#stmt.changesAfter.all(revision)
    }).deferred()
  }

  watch(listener: (events: ChangeEvent[]) => void): () => void {
    this.#assertOpen()
    const current = this.#stmt.revision.get()!
    if (this.#watchers.size === 0) {
      this.#delivered = current
      this.#dataVersion = this.#readDataVersion()
      this.#timer = setInterval(() => this.#poll(), this.#pollIntervalMs)
      this.#timer.unref()
    }
    const unsubscribe = this.#watchers.add(listener, current)
    return () => {
      unsubscribe()
      if (this.#watchers.size === 0) this.#stopTimer()
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#stopTimer()
    this.#watchers.clear()
    this.#db.close()
  }

  #poll(): void {
    if (this.#closed) return
    try {
      // data_version changes only when another connection commits; our own applies catch up directly.
      const version = this.#readDataVersion()
      if (version === this.#dataVersion) return
      this.#dataVersion = version
      this.#catchUp()
    } catch (error) {
      // A transient failure (e.g. SQLITE_BUSY beyond the timeout): report it and try again next tick.
      this.#onError(error)
    }
  }

  /** Hands every logged batch after the last delivered one to the watchers, oldest first. */
  #catchUp(): void {
    if (this.#watchers.size === 0) return
    const events = this.#stmt.changesAfter.all(this.#delivered)
    for (const batch of groupByRevision(events)) {
      // A listener that applies a batch itself catches up inside this loop; skip what that delivered.
      if (batch[0]!.revision <= this.#delivered) continue
      this.#delivered = batch[0]!.revision
      this.#watchers.publish(batch)
    }
  }

  #readDataVersion(): number {
    return this.#db.pragma('data_version', { simple: true }) as number
  }

  #stopTimer(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer)
    this.#timer = undefined
  }

  #assertOpen(): void {
    if (this.#closed) throw new Error(`SqliteConfigStore (${this.path}) is closed`)
  }
}

/** Creates the schema of a database older than SCHEMA_VERSION (openDatabase checks the version). */
function migrate(db: Database.Database): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS meta (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      revision INTEGER NOT NULL
    );
    INSERT OR IGNORE INTO meta (id, revision) VALUES (1, 0);
    CREATE TABLE IF NOT EXISTS docs (
      kind TEXT NOT NULL,
      id TEXT NOT NULL,
      revision INTEGER NOT NULL,
      origin TEXT NOT NULL,
      value TEXT NOT NULL,
      PRIMARY KEY (kind, id)
    ) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS changes (
      revision INTEGER NOT NULL,
      seq INTEGER NOT NULL,
      op TEXT NOT NULL,
      kind TEXT NOT NULL,
      id TEXT NOT NULL,
      PRIMARY KEY (revision, seq)
    ) WITHOUT ROWID;
  `)
}

function prepareStatements(db: Database.Database) {
  return {
    revision: db.prepare<[], number>('SELECT revision FROM meta WHERE id = 1').pluck(),
    setRevision: db.prepare<[number]>('UPDATE meta SET revision = ? WHERE id = 1'),
    docRevision: db.prepare<[DocKind, string], number>('SELECT revision FROM docs WHERE kind = ? AND id = ?').pluck(),
    getDoc: db.prepare<[DocKind, string], DocRow>('SELECT kind, id, revision, origin, value FROM docs WHERE kind = ? AND id = ?'),
    listDocs: db.prepare<[DocKind], DocRow>('SELECT kind, id, revision, origin, value FROM docs WHERE kind = ?'),
    upsert: db.prepare<[DocKind, string, number, string, string]>(
      `INSERT INTO docs (kind, id, revision, origin, value) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (kind, id) DO UPDATE SET revision = excluded.revision, origin = excluded.origin, value = excluded.value`,
    ),
    remove: db.prepare<[DocKind, string]>('DELETE FROM docs WHERE kind = ? AND id = ?'),
    logChange: db.prepare<[number, number, string, DocKind, string]>('INSERT INTO changes (revision, seq, op, kind, id) VALUES (?, ?, ?, ?, ?)'),
    prune: db.prepare<[number]>('DELETE FROM changes WHERE revision <= ?'),
    changesAfter: db.prepare<[number], ChangeEvent>('SELECT revision, op, kind, id FROM changes WHERE revision > ? ORDER BY revision, seq'),
  }
}

function toDoc<T>(row: DocRow): StoredDoc<T> {
  return { kind: row.kind, id: row.id, revision: row.revision, origin: row.origin, value: JSON.parse(row.value) as T }
}
