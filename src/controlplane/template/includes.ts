// The files a template names besides itself, read before it is evaluated: `Fn::Transform: AWS::Include` of a
// local OpenAPI file (spliced in place, relative to the template), DefinitionUri files of SAM APIs, and the
// templates of nested AWS::Serverless::Application resources. An s3:// location is a problem naming it.

import { resolve } from 'node:path'
import type { ConfigProblem } from '../../errors.js'
import { isRecord } from '../config/config-file.js'
import { OPENAPI_FILE_LIMIT, readBoundedText, tooLargeMessage } from '../config/limits.js'
import { parseTemplateText } from './cfn-yaml.js'
import { at } from './intrinsics.js'

export interface ReadFiles {
  problems: ConfigProblem[]
  files: string[]
}

/** Reads a local YAML/JSON file named at `path` in `file`; undefined (with a problem) when it cannot be. */
export async function readLocal(location: string, dir: string, file: string, path: string, out: ReadFiles): Promise<unknown> {
  if (/^s3:\/\//i.test(location) || /^https?:\/\//i.test(location)) {
    out.problems.push({ file, path, message: `${location} is not a local file; Gatehouse reads files next to the template only (give a relative path)` })
    return undefined
  }
  const abs = resolve(dir, location)
  out.files.push(abs)
  const read = await readBoundedText(abs, OPENAPI_FILE_LIMIT)
  if ('error' in read) {
    out.problems.push({ file, path, message: `cannot read ${location}: ${read.error}` })
    return undefined
  }
  if ('tooLarge' in read) {
    out.problems.push({ file, path, message: tooLargeMessage(location, read.tooLarge.size, read.tooLarge.limit, 'API Gateway imports definitions of at most 6 MB') })
    return undefined
  }
  const parsed = parseTemplateText(read.text, location)
  out.problems.push(...parsed.problems)
  return parsed.value
}

/** Replaces every `Fn::Transform: { Name: AWS::Include, Parameters: { Location } }` by the file's content. */
export async function spliceIncludes(value: unknown, path: string, dir: string, file: string, out: ReadFiles, depth = 0): Promise<unknown> {
  if (Array.isArray(value)) {
    const items: unknown[] = []
    for (const [i, v] of value.entries()) items.push(await spliceIncludes(v, at(path, i), dir, file, out, depth))
    return items
  }
  if (!isRecord(value)) return value
  const transform = value['Fn::Transform']
  if (transform !== undefined && Object.keys(value).length === 1) {
    const tp = at(path, 'Fn::Transform')
    if (!isRecord(transform) || transform.Name !== 'AWS::Include') return value
    const location = isRecord(transform.Parameters) ? transform.Parameters.Location : undefined
    if (typeof location !== 'string') {
      out.problems.push({ file, path: at(tp, 'Parameters', 'Location'), message: 'AWS::Include needs Parameters.Location, the file to include' })
      return undefined
    }
    if (depth > 4) {
      out.problems.push({ file, path: tp, message: 'AWS::Include nests more than 4 files deep' })
      return undefined
    }
    const included = await readLocal(location, dir, file, at(tp, 'Parameters', 'Location'), out)
    return spliceIncludes(included, path, dir, file, out, depth + 1)
  }
  const outObj: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(value)) outObj[k] = await spliceIncludes(v, at(path, k), dir, file, out, depth)
  return outObj
}
