// PostgresConfigStore: the ConfigStore shared by several gateway nodes through one PostgreSQL database,
// with LISTEN/NOTIFY carrying each committed revision to every node.

import pg from 'pg'
import { ChangeLogTruncatedError } from '../port/ports.js'
import type { ChangeEvent, ChangeOp, ConfigStore, DocKind, StoredDoc } from '../port/ports.js'
import { byId, checkChangeLogRevisions, checkExpectations, checkRevisionArgument, docKey, groupByRevision, prepareBatch, UNSTORABLE_TEXT } from '../port/batch.js'
import { Watchers, warnListenerError } from '../port/watchers.js'
import type { ListenerErrorHandler } from '../port/watchers.js'

export interface PostgresConfigStoreOptions {
  /** The schema that holds the `gatehouse_*` tables; created if absent (default `public`). */
  schema?: string
  /** How many revisions of change events are kept for `changesSince` (default 10,000). */
  changeLogRevisions?: number
  /** Most connections used for queries (default 5), besides the one that listens. */
  maxConnections?: number
  /** Delay before re-establishing a lost LISTEN connection, in ms (default 1000). */
  reconnectDelayMs?: number
  /** Called with whatever a `watch()` listener throws, or a background connection fails with (default: a process warning). */
  onListenerError?: ListenerErrorHandler
}

interface DocRow {
  kind: DocKind
  id: string
  revision: string
  origin: string
  value: string
}

interface ChangeRow {
  revision: string
  op: 'put' | 'delete'
  kind: DocKind
  id: string
}

/** The `application_name` of each instance's LISTEN connection (visible in `pg_stat_activity`). */
export const LISTEN_APPLICATION_NAME = 'gatehouse-config-listen'

const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,39}$/

/**
 * A ConfigStore in PostgreSQL. Tables `gatehouse_meta`, `gatehouse_docs` and `gatehouse_changes` are
 * created in `schema` if absent. Writers serialise on the one revision row (`SELECT … FOR UPDATE`), so
 * revisions stay consecutive across processes. Each commit sends `NOTIFY gatehouse_config_<schema>` with
 * the new revision; every instance keeps one connection listening and hands the logged events of each new
 * revision to its watchers, so a batch applied anywhere reaches every node's `watch()` within moments.
 * Listeners see this instance's own batches before `apply` resolves. After a lost LISTEN connection the
 * instance reconnects and replays what it missed from the change log (which keeps `changeLogRevisions`).
 *
 * Values are stored as JSON text and parsed on every read, so each caller gets its own copy. A batch
 * whose ops are all deletes of missing documents writes nothing.
 *
 * @example
 * const store = await PostgresConfigStore.open('postgres://gatehouse@db:5432/gatehouse', { schema: 'gw' })
 */
export class PostgresConfigStore implements ConfigStore {
  readonly schema: string
  readonly #pool: pg.Pool
  readonly #connectionString: string
  readonly #t: { meta: string; docs: string; changes: string }
  readonly #channel: string
  readonly #keep: number
  readonly #reconnectDelayMs: number
  readonly #onError: ListenerErrorHandler
  readonly #watchers: Watchers
  #listenClient: pg.Client | undefined
  #reconnectTimer: NodeJS.Timeout | undefined
  /** The highest revision this instance knows exists (from its own commits, reads and notifications). */
  #known = 0
  /** The last revision handed to watchers. */
  #delivered = 0
  /** Deliveries run one after another so batches reach listeners in order. */
  #chain: Promise<void> = Promise.resolve()
  #closed = false

  private constructor(connectionString: string, schema: string, options: PostgresConfigStoreOptions) {
    this.schema = schema
    this.#connectionString = connectionString
    this.#keep = checkChangeLogRevisions(options.changeLogRevisions)
    this.#reconnectDelayMs = options.reconnectDelayMs ?? 1000
    this.#onError = options.onListenerError ?? warnListenerError
    this.#watchers = new Watchers(this.#onError)
    const q = `"${schema}"`
    this.#t = { meta: `${q}.gatehouse_meta`, docs: `${q}.gatehouse_docs`, changes: `${q}.gatehouse_changes` }
    this.#channel = `gatehouse_config_${schema}`
    this.#pool = new pg.Pool({ connectionString, max: options.maxConnections ?? 5 })
    // An idle pooled connection that dies must not crash the process; the pool replaces it on next use.
    this.#pool.on('error', (error) => this.#onError(error))
  }

  /** Connects, creates the schema and tables if absent, and starts listening for other nodes' commits. */
  static async open(connectionString: string, options: PostgresConfigStoreOptions = {}): Promise<PostgresConfigStore> {
    if (typeof connectionString !== 'string' || connectionString === '') throw new TypeError('PostgresConfigStore: connectionString must be a non-empty string')
    const schema = options.schema ?? 'public'
    if (!SCHEMA_NAME.test(schema)) throw new TypeError(`PostgresConfigStore: schema must match ${SCHEMA_NAME.source}, got ${JSON.stringify(schema)}`)
    const store = new PostgresConfigStore(connectionString, schema, options)
    try {
      await store.#migrate()
      await store.#listen()
      store.#known = store.#delivered = await store.#readRevision()
    } catch (error) {
      await store.close()
      throw error
    }
    return store
  }

  async revision(): Promise<number> {
    this.#assertOpen()
    return this.#readRevision()
  }

  async get<T = unknown>(kind: DocKind, id: string): Promise<StoredDoc<T> | undefined> {
    this.#assertOpen()
    // No such document can exist, and PostgreSQL would reject the text outright.
    if (typeof id !== 'string' || UNSTORABLE_TEXT.test(id)) return undefined
    const { rows } = await this.#pool.query<DocRow>(`SELECT kind, id, revision, origin, value FROM ${this.#t.docs} WHERE kind = $1 AND id = $2`, [kind, id])
    return rows[0] === undefined ? undefined : toDoc<T>(rows[0])
  }

  async list<T = unknown>(kind: DocKind): Promise<Array<StoredDoc<T>>> {
    this.#assertOpen()
    const { rows } = await this.#pool.query<DocRow>(`SELECT kind, id, revision, origin, value FROM ${this.#t.docs} WHERE kind = $1`, [kind])
    return rows.sort(byId).map((row) => toDoc<T>(row))
  }

  async apply(ops: ChangeOp[]): Promise<number> {
    this.#assertOpen()
    const batch = prepareBatch(ops)
    const client = await this.#pool.connect()
    let revision: number
    try {
      await client.query('BEGIN')
      const meta = await client.query<{ revision: string }>(`SELECT revision FROM ${this.#t.meta} WHERE id = 1 FOR UPDATE`)
      const current = Number(meta.rows[0]!.revision)
      const existing = new Map<string, number>()
      if (batch.length > 0) {
        const found = await client.query<{ kind: DocKind; id: string; revision: string }>(
          `SELECT d.kind, d.id, d.revision FROM ${this.#t.docs} d JOIN unnest($1::text[], $2::text[]) AS b(kind, id) ON d.kind = b.kind AND d.id = b.id`,
          [batch.map((op) => op.kind), batch.map((op) => op.id)],
        )
        for (const row of found.rows) existing.set(docKey(row.kind, row.id), Number(row.revision))
      }
      checkExpectations(batch, (kind, id) => existing.get(docKey(kind, id)) ?? 0)
      const effective = batch.filter((op) => op.op === 'put' || existing.has(docKey(op.kind, op.id)))
      if (effective.length === 0) {
        await client.query('ROLLBACK')
        revision = current
      } else {
        revision = current + 1
        const puts = effective.filter((op) => op.op === 'put')
        const deletes = effective.filter((op) => op.op === 'delete')
        if (puts.length > 0) {
          await client.query(
            `INSERT INTO ${this.#t.docs} (kind, id, revision, origin, value)
             SELECT kind, id, $1, origin, value FROM unnest($2::text[], $3::text[], $4::text[], $5::text[]) AS b(kind, id, origin, value)
             ON CONFLICT (kind, id) DO UPDATE SET revision = excluded.revision, origin = excluded.origin, value = excluded.value`,
            [revision, puts.map((op) => op.kind), puts.map((op) => op.id), puts.map((op) => op.origin), puts.map((op) => op.json)],
          )
        }
        if (deletes.length > 0) {
          await client.query(
            `DELETE FROM ${this.#t.docs} d USING unnest($1::text[], $2::text[]) AS b(kind, id) WHERE d.kind = b.kind AND d.id = b.id`,
            [deletes.map((op) => op.kind), deletes.map((op) => op.id)],
          )
        }
        await client.query(
          `INSERT INTO ${this.#t.changes} (revision, seq, op, kind, id)
           SELECT $1, seq, op, kind, id FROM unnest($2::int[], $3::text[], $4::text[], $5::text[]) AS b(seq, op, kind, id)`,
          [revision, effective.map((_, seq) => seq), effective.map((op) => op.op), effective.map((op) => op.kind), effective.map((op) => op.id)],
        )
        await client.query(`UPDATE ${this.#t.meta} SET revision = $1 WHERE id = 1`, [revision])
        await client.query(`DELETE FROM ${this.#t.changes} WHERE revision <= $1`, [revision - this.#keep])
        // Delivered to every listening connection when (and only if) the transaction commits.
        await client.query('SELECT pg_notify($1, $2)', [this.#channel, String(revision)])
        await client.query('COMMIT')
      }
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {})
      throw error
    } finally {
      client.release()
    }
    this.#learn(revision)
    await this.#catchUp()
    return revision
  }

  async changesSince(revision: number): Promise<ChangeEvent[]> {
    this.#assertOpen()
    checkRevisionArgument(revision)
    // One snapshot for both reads, so the bound check and the events agree while others write.
    const client = await this.#pool.connect()
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY')
      const current = Number((await client.query<{ revision: string }>(`SELECT revision FROM ${this.#t.meta} WHERE id = 1`)).rows[0]!.revision)
      if (revision < current - this.#keep) throw new ChangeLogTruncatedError(revision, current - this.#keep)
      const events = await this.#changesAfter(client, revision)
      await client.query('COMMIT')
      return events
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {})
      throw error
    } finally {
      client.release()
    }
  }

  watch(listener: (events: ChangeEvent[]) => void): () => void {
    this.#assertOpen()
    if (this.#watchers.size === 0) this.#delivered = Math.max(this.#delivered, this.#known)
    return this.#watchers.add(listener, this.#known)
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#watchers.clear()
    if (this.#reconnectTimer !== undefined) clearTimeout(this.#reconnectTimer)
    await this.#chain
    const listenClient = this.#listenClient
    this.#listenClient = undefined
    await listenClient?.end().catch(() => {})
    await this.#pool.end()
  }

  async #migrate(): Promise<void> {
    const client = await this.#pool.connect()
    try {
      await client.query('BEGIN')
      // Two nodes starting at once would otherwise race on CREATE … IF NOT EXISTS.
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`gatehouse:migrate:${this.schema}`])
      await client.query(`CREATE SCHEMA IF NOT EXISTS "${this.schema}"`)
      await client.query(`CREATE TABLE IF NOT EXISTS ${this.#t.meta} (id int PRIMARY KEY CHECK (id = 1), revision bigint NOT NULL)`)
      await client.query(`INSERT INTO ${this.#t.meta} (id, revision) VALUES (1, 0) ON CONFLICT (id) DO NOTHING`)
      await client.query(
        `CREATE TABLE IF NOT EXISTS ${this.#t.docs} (kind text NOT NULL, id text NOT NULL, revision bigint NOT NULL, origin text NOT NULL, value text NOT NULL, PRIMARY KEY (kind, id))`,
      )
      await client.query(
        `CREATE TABLE IF NOT EXISTS ${this.#t.changes} (revision bigint NOT NULL, seq int NOT NULL, op text NOT NULL, kind text NOT NULL, id text NOT NULL, PRIMARY KEY (revision, seq))`,
      )
      await client.query('COMMIT')
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {})
      throw error
    } finally {
      client.release()
    }
  }

  /** Opens the LISTEN connection; on loss, reopens it after a delay and replays what was missed. */
  async #listen(): Promise<void> {
    const client = new pg.Client({ connectionString: this.#connectionString, application_name: LISTEN_APPLICATION_NAME })
    client.on('error', (error) => this.#onError(error))
    client.on('notification', (message) => {
      if (message.channel !== this.#channel) return
      const revision = Number(message.payload)
      if (Number.isSafeInteger(revision)) this.#learn(revision)
      void this.#catchUp()
    })
    client.on('end', () => {
      if (this.#closed || this.#listenClient !== client) return
      this.#listenClient = undefined
      this.#scheduleReconnect()
    })
    await client.connect()
    if (this.#closed) {
      await client.end().catch(() => {})
      return
    }
    this.#listenClient = client
    await client.query(`LISTEN "${this.#channel}"`)
  }

  #scheduleReconnect(): void {
    if (this.#closed || this.#reconnectTimer !== undefined) return
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = undefined
      this.#listen().then(
        async () => {
          // Commits made while we were not listening sent notifications nobody heard.
          this.#learn(await this.#readRevision())
          await this.#catchUp()
        },
        (error: unknown) => {
          this.#onError(error)
          this.#scheduleReconnect()
        },
      )
    }, this.#reconnectDelayMs)
    this.#reconnectTimer.unref()
  }

  #learn(revision: number): void {
    if (revision > this.#known) this.#known = revision
  }

  /** Queues a delivery of every logged batch after the last delivered one; resolves when it has run. */
  #catchUp(): Promise<void> {
    this.#chain = this.#chain.then(async () => {
      if (this.#closed) return
      if (this.#watchers.size === 0) {
        this.#delivered = Math.max(this.#delivered, this.#known)
        return
      }
      if (this.#delivered >= this.#known) return
      const events = await this.#changesAfter(this.#pool, this.#delivered)
      for (const batch of groupByRevision(events)) {
        if (batch[0]!.revision <= this.#delivered) continue
        this.#delivered = batch[0]!.revision
        this.#watchers.publish(batch)
      }
    }).catch((error: unknown) => {
      if (!this.#closed) this.#onError(error)
    })
    return this.#chain
  }

  async #changesAfter(client: pg.Pool | pg.PoolClient, revision: number): Promise<ChangeEvent[]> {
    const { rows } = await client.query<ChangeRow>(`SELECT revision, op, kind, id FROM ${this.#t.changes} WHERE revision > $1 ORDER BY revision, seq`, [revision])
    return rows.map((row) => ({ revision: Number(row.revision), op: row.op, kind: row.kind, id: row.id }))
  }

  async #readRevision(): Promise<number> {
    const { rows } = await this.#pool.query<{ revision: string }>(`SELECT revision FROM ${this.#t.meta} WHERE id = 1`)
    const revision = Number(rows[0]!.revision)
    this.#learn(revision)
    return revision
  }

  #assertOpen(): void {
    if (this.#closed) throw new Error(`PostgresConfigStore (schema ${this.schema}) is closed`)
  }
}

function toDoc<T>(row: DocRow): StoredDoc<T> {
  return { kind: row.kind, id: row.id, revision: Number(row.revision), origin: row.origin, value: JSON.parse(row.value) as T }
}
