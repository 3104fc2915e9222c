// Opening a Gatehouse SQLite database: the directory created if needed, WAL, a busy timeout, the schema
// checked against the schema version this build writes and migrated in one immediate transaction and the statements prepared — or the handle closed on failure.

import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'

export function openDatabase<S>(
  dataDir: string,
  fileName: string,
  opts: { busyTimeoutMs?: number | undefined; synchronous: 'FULL' | 'NORMAL' },
  /** The schema version this build writes, and how to bring an older (or new) database up to it. */
  schema: { version: number; migrate: (db: Database.Database) => void },
  prepare: (db: Database.Database) => S,
): { db: Database.Database; path: string; stmt: S } {
  mkdirSync(dataDir, { recursive: true })
  const path = join(dataDir, fileName)
  const db = new Database(path)
  try {
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(opts.busyTimeoutMs ?? 5000))}`)
    db.pragma('journal_mode = WAL')
    db.pragma(`synchronous = ${opts.synchronous}`)
    db.transaction(() => {
      const version = db.pragma('user_version', { simple: true }) as number
      if (version > schema.version) throw new Error(`${path} was written by a newer Gatehouse (schema ${version}; this one knows ${schema.version})`)
      if (version === schema.version) return
      schema.migrate(db)
      db.pragma(`user_version = ${schema.version}`)
    }).immediate()
    return { db, path, stmt: prepare(db) }
  } catch (error) {
    db.close()
    throw error
  }
}
