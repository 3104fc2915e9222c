// Shared by the serverless.yml reader tests: a service directory with handler files, the reader run on YAML
// text, and the translated config loaded through the config file pipeline (loadDesiredState).

import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import assert from 'node:assert/strict'
import { parseYamlText } from '../../src/controlplane/config/config-file.js'
import { loadDesiredState, type DesiredState } from '../../src/controlplane/config/desired.js'
import { readServerlessYml } from '../../src/controlplane/template/serverless.js'
import type { TemplateOptions, TemplateResult } from '../../src/controlplane/template/types.js'
import type { HttpApi, Method, RestApi } from '../../src/model/types.js'

export interface ServiceDir {
  dir: string
  write(name: string, content: string): string
  cleanup(): void
}

export function serviceDir(files: Record<string, string> = {}): ServiceDir {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-sls-'))
  const write = (name: string, content: string): string => {
    const path = join(dir, name)
    mkdirSync(dirname(path), { recursive: true })
    writeFileSync(path, content)
    return path
  }
  for (const [name, content] of Object.entries(files)) write(name, content)
  return { dir, write, cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}

/** Parses `yaml` with the project's parser and reads it as a serverless.yml in `dir`. */
export async function readYaml(yaml: string, dir: string, opts: Partial<TemplateOptions> = {}): Promise<TemplateResult> {
  const parsed = parseYamlText(yaml, 'serverless.yml')
  assert.deepEqual(parsed.problems, [], 'the test YAML parses')
  return readServerlessYml(parsed.value, { file: 'serverless.yml', dir, parameterOverrides: {}, ...opts })
}

/** Writes the translated config as gatehouse.json (definitions inline) and loads it as the gateway would. */
export async function loadTranslated(result: TemplateResult, dir: string): Promise<DesiredState> {
  assert.ok(result.config, `a config comes back; problems: ${JSON.stringify(result.problems)}`)
  const file = join(dir, 'gatehouse.json')
  writeFileSync(file, JSON.stringify(result.config, null, 2))
  return loadDesiredState({ configFile: file, restApis: [], httpApis: [], stageVariables: {}, cwd: dir })
}

export function restApi(state: DesiredState): RestApi {
  const api = state.apis.find((a) => a.kind === 'REST')
  assert.ok(api, 'a REST API')
  return api as RestApi
}

export function httpApi(state: DesiredState): HttpApi {
  const api = state.apis.find((a) => a.kind === 'HTTP')
  assert.ok(api, 'an HTTP API')
  return api as HttpApi
}

/** The method at `path` (e.g. `/items/{id}`) and HTTP method of a REST API. */
export function methodAt(api: RestApi, path: string, method: string): Method {
  const resource = Object.values(api.resources).find((r) => r.path === path)
  assert.ok(resource, `a resource ${path}; have ${Object.values(api.resources).map((r) => r.path).join(', ')}`)
  const m = resource.resourceMethods[method as keyof typeof resource.resourceMethods]
  assert.ok(m, `${method} ${path}`)
  return m
}

export const HELLO_JS = `module.exports.hello = async (event) => ({
  statusCode: 200,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ fn: 'hello', path: event.path ?? event.rawPath, env: process.env.GREETING ?? null, id: event.pathParameters?.id ?? null }),
})
`
