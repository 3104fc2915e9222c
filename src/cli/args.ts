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

/**
 * `--parameter-overrides` as the AWS and SAM CLIs take it: several `Key=Value` words after one flag (or the flag
 * repeated), a quoted list of them, or `ParameterKey=K,ParameterValue=V`. Returns argv with each pair as its own
 * `--parameter-overrides=PAIR`, and the pairs.
 */
export function takeParameterOverrides(argv: string[]): { argv: string[]; overrides: Record<string, string> } {
  const flag = '--parameter-overrides'
  const out: string[] = []
  const words: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (arg.startsWith(`${flag}=`)) words.push(arg.slice(flag.length + 1))
    else if (arg === flag) {
      let taken = 0
      while (i + 1 < argv.length && !argv[i + 1]!.startsWith('--')) {
        words.push(argv[++i]!)
        taken++
      }
      if (taken === 0) throw new UsageError(`${flag} takes Key=Value pairs`)
    } else out.push(arg)
  }
  const overrides: Record<string, string> = {}
  for (const word of words) {
    for (const pair of word.trim().split(/\s+(?=[A-Za-z0-9]+=|ParameterKey=)/)) {
      if (pair === '') continue
      const long = /^ParameterKey=([^,]+),ParameterValue=(.*)$/.exec(pair)
      if (long) {
        overrides[long[1]!] = long[2]!
        continue
      }
      const eq = pair.indexOf('=')
      if (eq <= 0) throw new UsageError(`${flag} takes Key=Value (or ParameterKey=K,ParameterValue=V), got ${JSON.stringify(pair)}`)
      overrides[pair.slice(0, eq)] = pair.slice(eq + 1).replace(/^(["'])(.*)\1$/, '$2')
    }
  }
  return { argv: out, overrides }
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
