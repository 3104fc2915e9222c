// Opening a Gatehouse SQLite database: the directory created if needed, WAL, a busy timeout, the schema
// migrated in one immediate transaction and the statements prepared — or the handle closed on failure.

import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'

export function openDatabase<S>(
  dataDir: string,
  fileName: string,
  opts: { busyTimeoutMs?: number | undefined; synchronous: 'FULL' | 'NORMAL' },
  migrate: (db: Database.Database, path: string) => void,
  prepare: (db: Database.Database) => S,
): { db: Database.Database; path: string; stmt: S } {
  mkdirSync(dataDir, { recursive: true })
  const path = join(dataDir, fileName)
  const db = new Database(path)
  try {
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(opts.busyTimeoutMs ?? 5000))}`)
    db.pragma('journal_mode = WAL')
    db.pragma(`synchronous = ${opts.synchronous}`)
    db.transaction(() => migrate(db, path)).immediate()
    return { db, path, stmt: prepare(db) }
  } catch (error) {
    db.close()
    throw error
  }
}
