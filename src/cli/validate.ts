// `gatehouse validate FILE...`: checks config and OpenAPI files without serving; exit 0 only when all are valid.

import { checkFiles, checkTemplate, type KindDecision } from '../controlplane/config/validate.js'
import { formatProblems } from '../errors.js'
import { parse, takeParameterOverrides, UsageError } from './args.js'

export const VALIDATE_HELP = `Usage: gatehouse validate [--rest | --http] FILE...
       gatehouse validate --template FILE [--parameter-overrides K=V ...]

Checks gatehouse config files and OpenAPI documents (JSON or YAML) and lists every problem and every
warning (a construct that is ignored, a setting that matches nothing), each with its file and path.

Options:
  --rest    validate the OpenAPI documents as REST APIs
  --http    validate the OpenAPI documents as HTTP APIs
Without either, each document is guessed: an HTTP API only when it holds something only HTTP API
documents have (e.g. an integration's payloadFormatVersion, an isDefaultRoute, a jwt authorizer,
components.x-amazon-apigateway-integrations), otherwise a REST API. The output says which and why.
Config files say the type of each API themselves.

  --template FILE   check an AWS SAM / CloudFormation template as 'serve --template' would load it; prints
                    each resource it does not serve (one line each) and every problem with the template's
                    file and JSON pointer (docs/templates.md)
  --parameter-overrides K=V [K=V ...]
                    values of the template's Parameters

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
export async function validate(argvIn: string[], out: Out = process.stdout, err: Out = process.stderr): Promise<number> {
  const { argv, overrides } = takeParameterOverrides(argvIn)
  const { values, positionals } = parse(argv, { http: { type: 'boolean' }, rest: { type: 'boolean' }, template: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, true)
  if (values.help) {
    out.write(VALIDATE_HELP)
    return 0
  }
  if (values.template !== undefined) {
    if (positionals.length > 0 || values.http || values.rest) throw new UsageError('validate --template checks one template; give other files in a separate run')
    return validateTemplate(values.template, overrides, out, err)
  }
  if (Object.keys(overrides).length > 0) throw new UsageError('--parameter-overrides needs --template')
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

async function validateTemplate(file: string, overrides: Record<string, string>, out: Out, err: Out): Promise<number> {
  const { problems, warnings, ignored } = await checkTemplate(file, overrides)
  for (const r of ignored) out.write(`${file}: ignored ${r.logicalId} (${r.type}): ${r.reason}\n`)
  if (warnings.length > 0) err.write(`${plural(warnings.length, 'warning')}:\n${formatProblems(warnings)}\n`)
  if (problems.length === 0) {
    out.write(`${file} valid${warnings.length > 0 ? `, with ${plural(warnings.length, 'warning')}` : ''}\n`)
    return 0
  }
  err.write(`${plural(problems.length, 'problem')}:\n${formatProblems(problems)}\n`)
  return 1
}
