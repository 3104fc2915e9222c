// GetSdk for `typescript` (a Gatehouse extension) through the real AWS SDK: `client.ts` and `README.md` in
// the archive; the client type-checked strictly with the project's TypeScript against the browser's
// libraries only (no @types/node: it needs nothing but fetch and Web Crypto), with a caller using it right
// (must pass) and one using wrong types (each wrong line must fail); then imported (through tsx) and used
// against the running stage: typed models, parameters, the API key, SigV4 and ApiError.

import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import ts from 'typescript'
import { readZip } from '../../src/controlplane/sdk/zip.js'
import { tempDir } from '../helpers.js'
import { IAM_KEY, IAM_USER, startSdkFixture, type SdkFixture } from './sdk-fixture.js'

const GOOD = `import { Client, ApiError, type NewPet, type Pet, type Owner } from './client.js'
const client = new Client({ apiKey: 'k', credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, region: 'us-east-1' })
export async function use(): Promise<number> {
  const pet: NewPet = { name: 'rex', kind: 'dog', tags: ['a'] }
  const created = await client.petsPost({}, pet)
  const id: number = created.data.id
  const owner: Owner | undefined = created.data.owner
  const first: string | undefined = owner?.['first-name']
  const one = await client.petsPetIdGet({ petId: '1', 'x-trace-id': 't' })
  const fetched: Pet = one.data
  await client.petsGet()
  await client.petsGet({ type: 'dog' }, { queryParams: { page: '1' } })
  await client.aBCDXYZGet({ 'c.d': 'x' })
  try {
    await client.secureGet()
  } catch (err) {
    if (err instanceof ApiError) return err.status
  }
  return id + fetched.name.length + (first?.length ?? 0)
}
`

/** Each line is a mistake the types must catch. */
const BAD_LINES = [
  `await client.petsPost({}, { name: 42 })`,
  `await client.petsPost({}, { name: 'rex', kind: 'bird' })`,
  `await client.petsPost({}, { kind: 'dog' })`,
  `await client.petsPetIdGet({ petId: '1' })`,
  `await client.petsGet({ type: 1 })`,
  `const n: string = (await client.petsPetIdGet({ petId: '1', 'x-trace-id': 't' })).data.id`,
  `await client.noSuchMethod()`,
]
const BAD = `import { Client } from './client.js'
const client = new Client()
export async function misuse(): Promise<void> {
${BAD_LINES.map((l) => `  ${l}\n`).join('')}}
`

/** Diagnostics of a strict type check of `files` (browser libraries only), as `file:line: message`. */
function typecheck(dir: string, files: string[]): Array<{ file: string; line: number; text: string }> {
  const program = ts.createProgram(
    files.map((f) => join(dir, f)),
    {
      strict: true,
      noEmit: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      lib: ['lib.es2022.d.ts', 'lib.dom.d.ts', 'lib.dom.iterable.d.ts'],
      types: [],
      noUncheckedIndexedAccess: true,
      exactOptionalPropertyTypes: true,
      noImplicitReturns: true,
      noUnusedLocals: true,
      skipLibCheck: true,
    },
  )
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const pos = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : { line: -1 }
    return { file: d.file?.fileName.slice(dir.length + 1) ?? '', line: pos.line + 1, text: ts.flattenDiagnosticMessageText(d.messageText, '\n') }
  })
}

interface ClientModule {
  Client: new (config?: Record<string, unknown>) => Record<string, (...args: unknown[]) => Promise<{ status: number; data: unknown }>>
  ApiError: new (...args: never[]) => Error & { status: number; data: unknown }
}

describe('GetSdk typescript', () => {
  let fx: SdkFixture
  let tmp: { dir: string; cleanup: () => void }
  let files: Map<string, Buffer>
  let mod: ClientModule

  before(async () => {
    fx = await startSdkFixture()
    tmp = tempDir('gatehouse-sdk-ts-')
    const sdk = await fx.sdk('typescript')
    assert.equal(sdk.contentType, 'application/zip')
    assert.match(sdk.contentDisposition ?? '', /^attachment; filename="typescript_[\d_-]+utc\.zip"$/)
    files = readZip(sdk.body)
    for (const [name, data] of files) writeFileSync(join(tmp.dir, name), data)
    writeFileSync(join(tmp.dir, 'good.ts'), GOOD)
    writeFileSync(join(tmp.dir, 'bad.ts'), BAD)
    mod = (await import(pathToFileURL(join(tmp.dir, 'client.ts')).href)) as ClientModule
  })
  after(async () => {
    await fx?.stop()
    tmp?.cleanup()
  })

  it('holds client.ts and README.md', () => {
    assert.deepEqual([...files.keys()].sort(), ['README.md', 'client.ts'])
    assert.match(files.get('README.md')!.toString('utf8'), /petsPetIdGet/)
  })

  it('type-checks strictly with a right caller; every wrong line of a caller fails', () => {
    assert.deepEqual(typecheck(tmp.dir, ['client.ts', 'good.ts']), [])
    const errors = typecheck(tmp.dir, ['bad.ts'])
    assert.ok(errors.every((e) => e.file === 'bad.ts'), JSON.stringify(errors))
    const flagged = new Set(errors.map((e) => e.line))
    BAD_LINES.forEach((line, i) => assert.ok(flagged.has(i + 4), `no type error for: ${line}`))
  })

  it('calls the stage: parameters, the API key, SigV4; a non-2xx status throws ApiError', async () => {
    const plain = new mod.Client()
    const list = await plain.petsGet!({ type: 'dog' }, { queryParams: { page: '3' } })
    assert.equal(list.status, 200)
    const url = new URL((list.data as { url: string }).url, 'http://upstream')
    assert.equal(url.searchParams.get('type'), 'dog')
    assert.equal(url.searchParams.get('page'), '3')

    const one = await plain.petsPetIdGet!({ petId: 'a b', 'x-trace-id': 't-2' })
    assert.equal((one.data as { url: string }).url, '/pets/a%20b')
    assert.equal((one.data as { headers: Record<string, string> }).headers['x-trace-id'], 't-2')

    await assert.rejects(plain.petsPost!({}, { name: 'rex' }), (err: unknown) => err instanceof mod.ApiError && err.status === 403)
    const created = await new mod.Client({ apiKey: fx.apiKey }).petsPost!({}, { name: 'rex' })
    assert.equal(created.status, 200)
    assert.deepEqual(JSON.parse((created.data as { body: string }).body), { name: 'rex' })

    await assert.rejects(plain.secureGet!(), (err: unknown) => err instanceof mod.ApiError && err.status === 403)
    const signed = await new mod.Client({ credentials: IAM_KEY, region: 'us-east-1' }).secureGet!({}, { queryParams: { q: 'a b' } })
    assert.deepEqual(signed.data, { caller: IAM_USER })

    const odd = await plain.aBCDXYZGet!({ 'c.d': 'v2' })
    assert.deepEqual(odd.data, { resource: '/a-b/{c.d}/x,y:z', c: 'v2' })
  })
})
