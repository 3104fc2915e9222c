// `gatehouse validate FILE...`: checks config and OpenAPI files without serving; exit 0 only when all are valid.

import { validateFiles } from '../controlplane/config/validate.js'
import { formatProblems } from '../errors.js'
import { parse, UsageError } from './args.js'

export const VALIDATE_HELP = `Usage: gatehouse validate [--http] FILE...

Checks gatehouse config files and OpenAPI documents (JSON or YAML) and lists every problem with its path.
OpenAPI documents are checked as REST APIs unless --http is given (or the document is clearly an HTTP API).
Exit code 0 only when every file is valid.
`

export async function validate(argv: string[], out: NodeJS.WriteStream = process.stdout): Promise<number> {
  const { values, positionals } = parse(argv, { http: { type: 'boolean' }, rest: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, true)
  if (values.help) {
    out.write(VALIDATE_HELP)
    return 0
  }
  if (positionals.length === 0) throw new UsageError('validate needs at least one FILE')
  const problems = await validateFiles(positionals, values.http ? { kind: 'HTTP' } : values.rest ? { kind: 'REST' } : undefined)
  if (problems.length === 0) {
    out.write(`${positionals.length} file${positionals.length === 1 ? '' : 's'} valid\n`)
    return 0
  }
  process.stderr.write(`${problems.length} problem${problems.length === 1 ? '' : 's'}:\n${formatProblems(problems)}\n`)
  return 1
}
