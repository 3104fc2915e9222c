// The sources as files, for tests that read them (import rules, the error table, the dist layout).

import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'

/** Every `.ts` file below `dir`, recursively. */
export function typeScriptFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name)
    if (statSync(p).isDirectory()) typeScriptFiles(p, out)
    else if (name.endsWith('.ts')) out.push(p)
  }
  return out
}
