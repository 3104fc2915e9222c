// `--template FILE`: reads the file with the bounded YAML reader (CloudFormation's short-form tags understood) and
// hands it to its reader: a Serverless Framework service (`service:` and `provider:` at the top) to
// readServerlessYml, anything else to the AWS SAM / CloudFormation reader.

import { dirname } from 'node:path'
import { isRecord } from '../config/config-file.js'
import { OPENAPI_FILE_LIMIT, readBoundedText, tooLargeMessage } from '../config/limits.js'
import { parseTemplateText } from './cfn-yaml.js'
import { readCloudFormation } from './cloudformation.js'
import { readServerlessYml } from './serverless.js'
import type { TemplateOptions, TemplateResult } from './types.js'

export type { TemplateOptions, TemplateResult, IgnoredResource } from './types.js'

/** Whether a parsed document is a Serverless Framework service rather than a CloudFormation template. */
export function isServerlessService(doc: unknown): boolean {
  return isRecord(doc) && doc.service !== undefined && doc.provider !== undefined && doc.AWSTemplateFormatVersion === undefined && doc.Transform === undefined
}

/**
 * Reads the template at `absPath` (opts.file is its display name). Never throws for bad input: problems carry the
 * file and a JSON pointer.
 *
 * @example
 * const result = await readTemplate('/srv/app/template.yaml', { file: 'template.yaml', dir: '/srv/app', parameterOverrides: { Stage: 'dev' } })
 */
export async function readTemplate(absPath: string, opts: TemplateOptions): Promise<TemplateResult> {
  const file = opts.file
  const empty = (message: string): TemplateResult => ({ problems: [{ file, path: '', message }], warnings: [], ignored: [], files: [absPath] })
  const read = await readBoundedText(absPath, OPENAPI_FILE_LIMIT)
  if ('error' in read) return empty(`cannot read the template: ${read.error}`)
  if ('tooLarge' in read) return empty(tooLargeMessage('template', read.tooLarge.size, read.tooLarge.limit, 'put large OpenAPI definitions in files of their own (AWS::Include or DefinitionUri)'))
  const parsed = parseTemplateText(read.text, file)
  if (parsed.problems.length > 0) return { problems: parsed.problems, warnings: parsed.warnings, ignored: [], files: [absPath] }
  const withOpts: TemplateOptions = { ...opts, dir: opts.dir || dirname(absPath) }
  let result: TemplateResult
  if (isServerlessService(parsed.value)) {
    result = await readServerlessYml(parsed.value, withOpts)
  } else result = await readCloudFormation(parsed.value, withOpts)
  result.warnings.unshift(...parsed.warnings)
  result.files = [...new Set([absPath, ...result.files])]
  return result
}
