// Shared fixtures for the config tests: temp dirs with real files, and small AWS-style OpenAPI documents.

import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { ConfigError } from '../../src/errors.js'
import type { ConfigProblem } from '../../src/errors.js'

export interface TempDir {
  dir: string
  write(name: string, content: string): Promise<string>
  remove(): Promise<void>
}

export async function tempDir(): Promise<TempDir> {
  const dir = await mkdtemp(join(tmpdir(), 'gatehouse-config-'))
  return {
    dir,
    async write(name, content) {
      const path = join(dir, name)
      await mkdir(dirname(path), { recursive: true })
      await writeFile(path, content)
      return path
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  }
}

/** A REST API (OpenAPI 3) proxying to `${stageVariables.backend}`. */
export const PETSTORE_REST = `openapi: 3.0.1
info:
  title: petstore
  version: '1.0'
paths:
  /pets:
    get:
      responses:
        '200':
          description: ok
      x-amazon-apigateway-integration:
        type: http_proxy
        httpMethod: GET
        uri: http://\${stageVariables.backend}/pets
  /pets/{petId}:
    get:
      parameters:
        - name: petId
          in: path
          required: true
          schema:
            type: string
      responses:
        '200':
          description: ok
      x-amazon-apigateway-integration:
        type: http_proxy
        httpMethod: GET
        uri: http://\${stageVariables.backend}/pets/{petId}
        requestParameters:
          integration.request.path.petId: method.request.path.petId
`

/** An HTTP API (OpenAPI 3 with the HTTP API markers). */
export const ORDERS_HTTP = `openapi: 3.0.1
info:
  title: orders
  version: '1.0'
x-amazon-apigateway-importexport-version: '1.0'
paths:
  /orders:
    get:
      responses:
        '200':
          description: ok
      x-amazon-apigateway-integration:
        type: http_proxy
        httpMethod: GET
        uri: http://127.0.0.1:3000/orders
        payloadFormatVersion: '1.0'
`

/** The same HTTP API as a JS object, for inline `definition`s. */
export function ordersDefinition(title = 'orders'): Record<string, unknown> {
  return {
    openapi: '3.0.1',
    info: { title, version: '1.0' },
    'x-amazon-apigateway-importexport-version': '1.0',
    paths: {
      '/orders': {
        get: {
          responses: { '200': { description: 'ok' } },
          'x-amazon-apigateway-integration': { type: 'http_proxy', httpMethod: 'GET', uri: 'http://127.0.0.1:3000/orders', payloadFormatVersion: '1.0' },
        },
      },
    },
  }
}

/** Runs `fn`, expecting a ConfigError; returns its problems. */
export async function problemsOf(fn: () => Promise<unknown>): Promise<ConfigProblem[]> {
  try {
    await fn()
  } catch (err) {
    if (err instanceof ConfigError) return err.problems
    throw err
  }
  throw new Error('expected a ConfigError, but loading succeeded')
}

/** The problem at `path` (and `file`, when given), or a failure listing what was found. */
export function problemAt(problems: ConfigProblem[], path: string, file?: string): ConfigProblem {
  const found = problems.find((p) => p.path === path && (file === undefined || p.file === file))
  if (!found) throw new Error(`no problem at ${file ?? ''} ${path}; problems were:\n${problems.map((p) => `  ${p.file ?? ''} ${p.path}: ${p.message}`).join('\n')}`)
  return found
}
