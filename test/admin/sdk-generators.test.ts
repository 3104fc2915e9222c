// The SDK generators without a gateway: the zip writer (read back by its own reader and node:zlib, and by
// Debian's `unzip -t` when it is installed), and both generators on an API no importer would accept —
// resource paths and parameter names that are no identifiers (`/a-b/{c.d}/$x`, quotes, `*/`, newlines),
// colliding method names, greedy paths, models named like globals, a recursive model and a hostile nesting
// depth — which must still give JavaScript that parses and TypeScript that type-checks.

import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import vm from 'node:vm'
import { inflateRawSync } from 'node:zlib'
import ts from 'typescript'
import type { HttpMethod, Method, Model, Resource, RestApi } from '../../src/model/types.js'
import { javascriptSdk, JS_LOAD_ORDER, JS_SDK_FOLDER } from '../../src/controlplane/sdk/javascript.js'
import { clientTs } from '../../src/controlplane/sdk/typescript.js'
import { operationName, sdkOperations } from '../../src/controlplane/sdk/operations.js'
import { readZip, writeZip, ZipError } from '../../src/controlplane/sdk/zip.js'
import { tempDir } from '../helpers.js'

function method(verb: HttpMethod, extra: Partial<Method> = {}): Method {
  return { httpMethod: verb, authorizationType: 'NONE', apiKeyRequired: false, requestParameters: {}, requestModels: {}, methodResponses: {}, ...extra }
}

function api(resources: Array<[string, Partial<Record<HttpMethod, Method>>]>, models: Model[] = []): RestApi {
  const out: Record<string, Resource> = {}
  resources.forEach(([path, methods], i) => {
    out[`r${i}`] = { id: `r${i}`, parentId: null, pathPart: path.split('/').pop() ?? '', path, resourceMethods: methods }
  })
  return {
    kind: 'REST',
    id: 'abc123',
    name: 'odd */ name\n// with lines\u2028x = 1',
    createdDate: '2024-01-01T00:00:00Z',
    binaryMediaTypes: [],
    minimumCompressionSize: null,
    apiKeySource: 'HEADER',
    endpointConfiguration: { types: ['EDGE'] },
    policy: null,
    disableExecuteApiEndpoint: false,
    rootResourceId: 'r0',
    resources: out,
    models: Object.fromEntries(models.map((m) => [m.id, m])),
    requestValidators: {},
    authorizers: {},
    gatewayResponses: {},
    tags: {},
    extensions: {},
  }
}

const model = (name: string, schema: Record<string, unknown>): Model => ({ id: name, name, contentType: 'application/json', schema })
const ref = (name: string) => ({ $ref: `https://apigateway.amazonaws.com/restapis/abc123/models/${encodeURIComponent(name)}` })

function nested(depth: number): Record<string, unknown> {
  let schema: Record<string, unknown> = { type: 'string' }
  for (let i = 0; i < depth; i++) schema = { type: 'object', properties: { deeper: schema } }
  return schema
}

const ODD = api(
  [
    ['/', { GET: method('GET'), ANY: method('ANY') }],
    ['/a-b/{c.d}/$x', { GET: method('GET', { requestParameters: { 'method.request.querystring.q"*/\n': false, 'method.request.header.X-Odd\'s': true } }) }],
    ['/a_b/{c.d}/$x', { GET: method('GET') }],
    ['/2024/reports', { POST: method('POST', { requestModels: { 'application/json': 'Error' } }) }],
    ['/files/{proxy+}', { PUT: method('PUT', { methodResponses: { '201': { statusCode: '201', responseParameters: {}, responseModels: { 'application/json': 'my model' } } } }) }],
  ],
  [
    model('Error', { type: 'object', required: ['message'], properties: { message: { type: 'string' }, 'needs quotes': { type: ['string', 'null'] } } }),
    model('my model', { type: 'object', properties: { self: ref('my model'), list: { type: 'array', items: ref('Error') }, odd: { enum: [{}, 1] } } }),
    model('123', nested(200)),
  ],
)

describe('zip writer', () => {
  const entries = [
    { name: 'top/', data: '' },
    { name: 'top/small.txt', data: 'hi' },
    { name: 'top/big.txt', data: 'repeat me '.repeat(2000) },
    { name: 'top/ünïcode name.md', data: 'ü' },
    { name: 'top/bytes.bin', data: new Uint8Array([0, 1, 2, 255]) },
  ]
  const zip = writeZip(entries, new Date(Date.UTC(2024, 4, 6, 18, 20, 24)))

  it('reads back with its own reader, stores what does not shrink and deflates what does', () => {
    const back = readZip(zip)
    assert.deepEqual([...back.keys()], entries.map((e) => e.name))
    for (const e of entries) assert.deepEqual(back.get(e.name), Buffer.from(typeof e.data === 'string' ? Buffer.from(e.data) : e.data))
    // The local header of each entry: method 0 (stored) for 'hi', 8 (deflate) for the repeated text, which node:zlib inflates.
    const small = zip.indexOf('top/small.txt')
    assert.equal(zip.readUInt16LE(small - 30 + 8), 0)
    const big = zip.indexOf('top/big.txt')
    assert.equal(zip.readUInt16LE(big - 30 + 8), 8)
    const size = zip.readUInt32LE(big - 30 + 18)
    const start = big + 'top/big.txt'.length
    assert.equal(inflateRawSync(zip.subarray(start, start + size)).toString(), 'repeat me '.repeat(2000))
  })

  it("is accepted by Debian's unzip -t", (t) => {
    const probe = spawnSync('unzip', ['-v'])
    if (probe.error) {
      t.skip('unzip is not installed')
      return
    }
    const tmp = tempDir('gatehouse-zip-')
    try {
      const file = join(tmp.dir, 'a.zip')
      writeFileSync(file, zip)
      const check = spawnSync('unzip', ['-t', file], { encoding: 'utf8' })
      assert.equal(check.status, 0, check.stdout + check.stderr)
      assert.match(check.stdout, /No errors detected/)
      const big = spawnSync('unzip', ['-p', file, 'top/big.txt'], { encoding: 'utf8' })
      assert.equal(big.stdout, 'repeat me '.repeat(2000))
    } finally {
      tmp.cleanup()
    }
  })

  it('refuses unsafe or duplicate names and detects corruption', () => {
    for (const name of ['../x', '/abs', 'a/../b', 'a\\b', 'a//b', '']) assert.throws(() => writeZip([{ name, data: 'x' }]), /Invalid zip entry name/)
    assert.throws(() => writeZip([{ name: 'a', data: 'x' }, { name: 'a', data: 'y' }]), /Duplicate/)
    const bad = Buffer.from(writeZip([{ name: 'a.txt', data: 'hi' }]))
    const at = 30 + 'a.txt'.length
    bad.writeUInt8(bad.readUInt8(at) ^ 1, at)
    assert.throws(() => readZip(bad), ZipError)
    assert.throws(() => readZip(Buffer.from('not a zip')), ZipError)
  })
})

describe('SDK generators on paths and names that are no identifiers', () => {
  it('names methods as AWS does, made unique, leaving ANY out', () => {
    assert.equal(operationName('/pets/{petId}', 'GET'), 'petsPetIdGet')
    assert.equal(operationName('/', 'POST'), 'rootPost')
    assert.equal(operationName('/{a}/{b}/{op}', 'GET'), 'aBOpGet')
    assert.equal(operationName('/a-b/{c.d}/$x', 'GET'), 'aBCDXGet')
    assert.deepEqual(sdkOperations(ODD).map((o) => o.name), ['rootGet', '_2024ReportsPost', 'aBCDXGet', 'aBCDXGet2', 'filesProxyPut'])
  })

  it('gives JavaScript that parses and builds URLs with every value escaped', async () => {
    const files = new Map(javascriptSdk(ODD, 'dev', 'http://gw.example:8080/restapis/abc123/dev/_user_request_').map((e) => [e.name, e.data]))
    const sent: Array<{ url: string; init: { method: string; headers: Record<string, string> } }> = []
    const fakeFetch = async (url: string, init: { method: string; headers: Record<string, string> }) => {
      sent.push({ url, init })
      return new Response('{"ok":true}', { status: 200 })
    }
    const realm = vm.createContext({ fetch: fakeFetch, crypto: globalThis.crypto, URL, TextEncoder })
    for (const path of JS_LOAD_ORDER) vm.runInContext(String(files.get(JS_SDK_FOLDER + path)), realm, { filename: path })
    const client = vm.runInContext('apigClientFactory.newClient()', realm) as Record<string, (p: unknown, b?: unknown, a?: unknown) => Promise<unknown>>
    await client.aBCDXGet!({ 'c.d': 'x/y z', 'q"*/\n': 'v&w', "X-Odd's": 'h' })
    await client.filesProxyPut!({ proxy: 'a/b c/d' }, { n: 1 })
    assert.equal(sent[0]!.url, 'http://gw.example:8080/restapis/abc123/dev/_user_request_/a-b/x%2Fy%20z/$x?q%22%2A%2F%0A=v%26w')
    assert.equal(sent[0]!.init.headers["X-Odd's"], 'h')
    assert.equal(sent[1]!.url, 'http://gw.example:8080/restapis/abc123/dev/_user_request_/files/a/b%20c/d')
    assert.equal(sent[1]!.init.method, 'PUT')
    assert.throws(() => client.aBCDXGet!({ 'c.d': 'x' }), /X-Odd's must be defined/)
  })

  it('gives TypeScript that type-checks strictly, models named like globals renamed, hostile depth cut to unknown', () => {
    const code = clientTs(ODD, 'http://gw.example:8080/restapis/abc123/dev/_user_request_')
    assert.match(code, /export type ErrorModel = /)
    assert.match(code, /export type my_model = /)
    assert.match(code, /export type _123 = /)
    const tmp = tempDir('gatehouse-sdk-odd-')
    try {
      writeFileSync(join(tmp.dir, 'client.ts'), code)
      writeFileSync(
        join(tmp.dir, 'use.ts'),
        `import { Client, type ErrorModel, type my_model } from './client.js'
export async function use(c: Client): Promise<string | undefined> {
  const e: ErrorModel = { message: 'm', 'needs quotes': null }
  await c._2024ReportsPost({}, e)
  const m: my_model = (await c.filesProxyPut({ proxy: 'a/b' })).data
  return m.self?.list?.[0]?.message
}
`,
      )
      const program = ts.createProgram([join(tmp.dir, 'client.ts'), join(tmp.dir, 'use.ts')], {
        strict: true,
        noEmit: true,
        target: ts.ScriptTarget.ES2022,
        module: ts.ModuleKind.ESNext,
        moduleResolution: ts.ModuleResolutionKind.Bundler,
        lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
        types: [],
        skipLibCheck: true,
      })
      const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'))
      assert.deepEqual(diagnostics, [])
    } finally {
      tmp.cleanup()
    }
  })
})
