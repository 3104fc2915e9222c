// Opens the ConfigStore a `--config-store URL` (or the config file's `configStore:`) names. Today that is
// PostgreSQL, shared by several gateway nodes; SQLite and memory are chosen by `--data-dir` or its absence.

import type { ConfigStore } from './port/ports.js'
import { PostgresConfigStore } from './postgres/config-store.js'
import type { PostgresConfigStoreOptions } from './postgres/config-store.js'

/** A config store location, parsed. */
export interface ConfigStoreTarget {
  kind: 'postgres'
  /** The URL handed to the PostgreSQL client (without our own `schema` parameter). */
  connectionString: string
  /** From `?schema=NAME`: the schema holding the gatehouse tables (default `public`). */
  schema?: string
  /** The URL with any password replaced by `***`, for messages and logs. */
  display: string
}

/** Failure to open the config store a URL names; the message says which one (password hidden) and why. */
export class ConfigStoreOpenError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'ConfigStoreOpenError'
  }
}

/**
 * Parses a config store URL: `postgres://user:password@host:port/database[?schema=NAME]` (or `postgresql://`).
 * Throws ConfigStoreOpenError for anything else, saying what is expected.
 *
 * @example
 * parseConfigStoreUrl('postgres://gatehouse@db:5432/gatehouse?schema=prod') // { kind: 'postgres', schema: 'prod', … }
 */
export function parseConfigStoreUrl(url: string): ConfigStoreTarget {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new ConfigStoreOpenError(`the config store must be a postgres:// URL (postgres://user:password@host:5432/database[?schema=NAME]), got ${JSON.stringify(url)}`)
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new ConfigStoreOpenError(`the config store must be a postgres:// URL (postgres://user:password@host:5432/database[?schema=NAME]), got a ${parsed.protocol}// URL`)
  }
  const schema = parsed.searchParams.get('schema') ?? undefined
  parsed.searchParams.delete('schema')
  const target: ConfigStoreTarget = { kind: 'postgres', connectionString: parsed.toString(), display: redact(parsed) }
  if (schema !== undefined) target.schema = schema
  return target
}

/**
 * Opens the ConfigStore `url` names (creating its tables if absent) and starts listening for other nodes'
 * changes. Every failure (a bad URL or schema name, a database that does not answer or refuses us) is a
 * ConfigStoreOpenError naming the store.
 */
export async function openConfigStoreUrl(url: string, options: Omit<PostgresConfigStoreOptions, 'schema'> = {}): Promise<ConfigStore> {
  const target = parseConfigStoreUrl(url)
  try {
    return await PostgresConfigStore.open(target.connectionString, { ...options, ...(target.schema !== undefined ? { schema: target.schema } : {}) })
  } catch (error) {
    const reason = error instanceof Error ? error.message || (error as NodeJS.ErrnoException).code || error.name : String(error)
    throw new ConfigStoreOpenError(`cannot open the PostgreSQL config store at ${target.display}: ${reason}`, { cause: error })
  }
}

function redact(url: URL): string {
  const copy = new URL(url.toString())
  if (copy.password !== '') copy.password = '***'
  return copy.toString()
}
