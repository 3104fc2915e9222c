// Command-line argument parsing shared by the commands (node:util parseArgs, with repeatable flags).

import { parseArgs, type ParseArgsConfig } from 'node:util'

export class UsageError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'UsageError'
  }
}

export function parse<T extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: T, allowPositionals = false) {
  try {
    return parseArgs({ args: argv, options, allowPositionals, strict: true })
  } catch (err) {
    throw new UsageError((err as Error).message)
  }
}

export function toPort(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined
  const n = Number(value)
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`${flag} must be a port number (0-65535), got ${JSON.stringify(value)}`)
  return n
}

/** `K=V` pairs of a repeatable flag into an object. */
export function toPairs(values: string[] | undefined, flag: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const v of values ?? []) {
    const eq = v.indexOf('=')
    if (eq <= 0) throw new UsageError(`${flag} takes KEY=VALUE, got ${JSON.stringify(v)}`)
    out[v.slice(0, eq)] = v.slice(eq + 1)
  }
  return out
}
