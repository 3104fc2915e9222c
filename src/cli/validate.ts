// `gatehouse validate FILE...`: checks config and OpenAPI files without serving; exit 0 only when all are valid.

import { checkFiles, type KindDecision } from '../controlplane/config/validate.js'
import { formatProblems } from '../errors.js'
import { parse, UsageError } from './args.js'

export const VALIDATE_HELP = `Usage: gatehouse validate [--rest | --http] FILE...

Checks gatehouse config files and OpenAPI documents (JSON or YAML) and lists every problem and every
warning (a construct that is ignored, a setting that matches nothing), each with its file and path.

Options:
  --rest    validate the OpenAPI documents as REST APIs
  --http    validate the OpenAPI documents as HTTP APIs
Without either, each document is guessed: an HTTP API only when it holds something only HTTP API
documents have (e.g. an integration's payloadFormatVersion, an isDefaultRoute, a jwt authorizer,
components.x-amazon-apigateway-integrations), otherwise a REST API. The output says which and why.
Config files say the type of each API themselves.

Exit code 0 when every file is valid (warnings do not count), 1 when a file has problems, 2 on bad usage.
`

interface Out {
  write(text: string): unknown
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`
}

function describeKind(d: KindDecision): string {
  const kind = d.kind === 'REST' ? 'a REST API' : 'an HTTP API'
  const why = d.guessed ? `guessed: ${d.basis}; pass --http or --rest to say` : d.kind === 'REST' ? '--rest' : '--http'
  return `${d.file}: treated as ${kind} (${why})\n`
}

/** Runs `gatehouse validate`; resolves to the exit code (0 all valid, 1 problems found). */
export async function validate(argv: string[], out: Out = process.stdout, err: Out = process.stderr): Promise<number> {
  const { values, positionals } = parse(argv, { http: { type: 'boolean' }, rest: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, true)
  if (values.help) {
    out.write(VALIDATE_HELP)
    return 0
  }
  if (values.http && values.rest) throw new UsageError('validate takes --rest or --http, not both')
  if (positionals.length === 0) throw new UsageError('validate needs at least one FILE')
  const kind = values.http ? 'HTTP' : values.rest ? 'REST' : undefined
  const { problems, warnings, kinds } = await checkFiles(positionals, kind === undefined ? {} : { kind })
  for (const d of kinds) out.write(describeKind(d))
  if (warnings.length > 0) err.write(`${plural(warnings.length, 'warning')}:\n${formatProblems(warnings)}\n`)
  if (problems.length === 0) {
    out.write(`${plural(positionals.length, 'file')} valid${warnings.length > 0 ? `, with ${plural(warnings.length, 'warning')}` : ''}\n`)
    return 0
  }
  err.write(`${plural(problems.length, 'problem')}:\n${formatProblems(problems)}\n`)
  return 1
}
