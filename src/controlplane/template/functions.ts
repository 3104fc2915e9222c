// AWS::Serverless::Function and AWS::Lambda::Function as function declarations: the Handler `dir/file.export`
// found under CodeUri with any module extension Gatehouse runs, Node.js InlineCode written to a cache file,
// Environment, Timeout, MemorySize and ReservedConcurrentExecutions. Other runtimes are listed as ignored.

import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { isRecord, type FunctionDecl } from '../config/config-file.js'
import { MODULE_EXTENSIONS } from '../../functions/config.js'
import { stableId } from '../../model/ids.js'
import { at } from './intrinsics.js'
import type { Stack } from './stack.js'

/** Where other runtimes stand: the later issue that brings them. */
const OTHER_RUNTIMES = 'Gatehouse runs Node.js functions only (nodejs* runtimes); other runtimes are a later issue'

/** Translates one function resource; false when it is not served (and has been listed as ignored). */
export function translateFunction(stack: Stack, logicalId: string): boolean {
  const r = stack.resources[logicalId]!
  const base = at('/Resources', logicalId, 'Properties')
  const p = (name: string): unknown => stack.prop(logicalId, name)
  const sam = r.Type === 'AWS::Serverless::Function'
  if (p('PackageType') === 'Image') {
    stack.ignore(logicalId, r.Type, 'a container image function (PackageType: Image); Gatehouse runs Node.js modules')
    return false
  }
  const runtime = p('Runtime')
  if (typeof runtime !== 'string' || !runtime.startsWith('nodejs')) {
    stack.ignore(logicalId, r.Type, `runtime ${typeof runtime === 'string' ? runtime : '(none)'}: ${OTHER_RUNTIMES}`)
    return false
  }
  const handler = p('Handler')
  if (typeof handler !== 'string' || !handler.includes('.')) {
    stack.problem(at(base, 'Handler'), 'Handler is FILE.EXPORT, e.g. app.handler or src/handlers/get.handler')
    return false
  }
  const dot = handler.lastIndexOf('.')
  const filePart = handler.slice(0, dot)
  const exportName = handler.slice(dot + 1)
  const module = sam ? samModule(stack, logicalId, filePart, base) : lambdaModule(stack, logicalId, filePart, base)
  if (module === undefined) return false

  const fn: FunctionDecl = { name: stack.functionName(logicalId), module, handler: exportName }
  const timeout = numberOf(p('Timeout'))
  if (timeout !== undefined) fn.timeout = timeout
  const memory = numberOf(p('MemorySize'))
  if (memory !== undefined) fn.memorySize = memory
  const reserved = numberOf(p('ReservedConcurrentExecutions'))
  if (reserved !== undefined) fn.reservedConcurrency = reserved
  const env = p('Environment')
  if (isRecord(env) && isRecord(env.Variables)) {
    fn.environment = {}
    for (const [k, v] of Object.entries(env.Variables)) {
      if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') fn.environment[k] = String(v)
      else if (v !== undefined) stack.problem(at(base, 'Environment', 'Variables', k), 'an environment variable is a string')
    }
  }
  stack.functions.push(fn)
  return true
}

function numberOf(v: unknown): number | undefined {
  if (typeof v === 'number') return v
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v)
  return undefined
}

function samModule(stack: Stack, logicalId: string, filePart: string, base: string): string | undefined {
  const inline = stack.prop(logicalId, 'InlineCode')
  if (typeof inline === 'string') return inlineModule(inline, filePart)
  const codeUri = stack.prop(logicalId, 'CodeUri') ?? '.'
  if (typeof codeUri !== 'string') {
    stack.ignore(logicalId, stack.resources[logicalId]!.Type, 'CodeUri names an S3 object (Bucket/Key); Gatehouse runs local code only')
    return undefined
  }
  return findModule(stack, codeUri, filePart, at(base, 'CodeUri'))
}

function lambdaModule(stack: Stack, logicalId: string, filePart: string, base: string): string | undefined {
  const code = stack.prop(logicalId, 'Code')
  if (typeof code === 'string') return findModule(stack, code, filePart, at(base, 'Code'))
  if (isRecord(code) && typeof code.ZipFile === 'string') return inlineModule(code.ZipFile, filePart)
  stack.ignore(logicalId, stack.resources[logicalId]!.Type, 'Code names an S3 object or an image; Gatehouse runs local code (a Code path, or ZipFile) only')
  return undefined
}

/** The module file of `filePart` under the code directory, with any extension Gatehouse runs. */
function findModule(stack: Stack, codeUri: string, filePart: string, path: string): string | undefined {
  if (/^s3:\/\//i.test(codeUri)) {
    stack.problem(path, `${codeUri} is in S3; Gatehouse runs local code only (point CodeUri at the function's directory)`)
    return undefined
  }
  const stem = resolve(stack.opts.dir, codeUri, filePart)
  for (const ext of MODULE_EXTENSIONS) if (existsSync(stem + ext)) return stem + ext
  stack.problem(path, `no module ${filePart}{${MODULE_EXTENSIONS.join(',')}} in ${resolve(stack.opts.dir, codeUri)} for the Handler`)
  return undefined
}

/**
 * InlineCode as Lambda sees it: a CommonJS `index.js` (written as .cjs so that a surrounding package.json's
 * `"type": "module"` does not change its meaning), in a cache directory named by its content.
 */
function inlineModule(code: string, filePart: string): string {
  const dir = join(tmpdir(), 'gatehouse-inline-code', stableId(code, 16))
  const file = join(dir, `${filePart.replace(/[^A-Za-z0-9_-]/g, '_')}.cjs`)
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true })
    writeFileSync(file, code)
  }
  return file
}
