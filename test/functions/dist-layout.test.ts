// The runtime as it ships: src/functions compiled to .js files (the dist/ layout), run by plain node without tsx,
// must start dist/functions/worker.js directly and still compile TypeScript functions.

import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { transform } from 'esbuild'

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
let root: string

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'gatehouse-functions-dist-'))
  writeFileSync(join(root, 'package.json'), JSON.stringify({ type: 'module' }))
  symlinkSync(join(repo, 'node_modules'), join(root, 'node_modules'), 'dir')
  const sources = [
    'src/errors.ts',
    ...readdirSync(join(repo, 'src/functions')).filter((f) => f.endsWith('.ts')).map((f) => `src/functions/${f}`),
  ]
  for (const rel of sources) {
    const out = join(root, 'dist', rel.slice('src/'.length).replace(/\.ts$/, '.js'))
    mkdirSync(dirname(out), { recursive: true })
    const { code } = await transform(readFileSync(join(repo, rel), 'utf8'), { loader: 'ts', format: 'esm', target: 'node20' })
    writeFileSync(out, code)
  }
  mkdirSync(join(root, 'fns'))
  writeFileSync(join(root, 'fns', 'hello.mjs'), `export const handler = async (e) => ({ hello: e.who })\n`)
  writeFileSync(join(root, 'fns', 'typed.ts'), `export const handler = async (e: { n: number }): Promise<number> => e.n * 3\n`)
})

after(() => rmSync(root, { recursive: true, force: true }))

describe('compiled layout', () => {
  it('runs JavaScript and TypeScript functions from dist/functions/index.js under plain node', async () => {
    const cacheDir = join(root, 'cache')
    const script = `
      const { FunctionRuntime } = await import(${JSON.stringify(pathToFileURL(join(root, 'dist/functions/index.js')).href)})
      const rt = new FunctionRuntime({ cacheDir: ${JSON.stringify(cacheDir)} })
      rt.registerDirectory(${JSON.stringify(join(root, 'fns'))})
      const a = await rt.invoke('hello', { who: 'dist' })
      const b = await rt.invoke('typed', { n: 14 })
      console.log(JSON.stringify({ a: a.payload, b: b.payload, errors: [a.functionError, b.functionError] }))
      await rt.close()
    `
    const env = { ...process.env }
    delete env['NODE_OPTIONS']
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, ['--input-type=module', '-e', script], { cwd: root, env, timeout: 30_000 }, (err, out, errOut) => {
        if (err) reject(new Error(`${err.message}\n${errOut}`))
        else resolve(out)
      })
    })
    assert.deepEqual(JSON.parse(stdout.trim()), { a: { hello: 'dist' }, b: 42, errors: [null, null] })
    const cached = readdirSync(cacheDir)
    assert.ok(cached.some((f) => f.startsWith('typed.ts-')), 'the TypeScript function was compiled into the cache')
    assert.ok(!cached.some((f) => f.startsWith('worker')), 'the compiled worker.js ran as is')
  })
})
