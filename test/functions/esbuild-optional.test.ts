// esbuild is an optional dependency, loaded on the first TypeScript handler only. The gateway as it ships
// (every source file compiled to dist/, run by plain node without tsx, which itself depends on esbuild) serves
// JavaScript handlers without ever loading esbuild, and without it installed at all; a TypeScript handler
// then fails with an error saying what to install.

import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { execFile, spawn } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { transform } from 'esbuild'
import { send } from '../helpers.js'
import { typeScriptFiles } from '../source-files.js'

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
let base: string
/** A shipped layout whose node_modules has everything but esbuild. */
let bare: string
/** The same layout with every installed package, esbuild included. */
let full: string

const lambda = (name: string): string => `arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:${name}/invocations`

function api(paths: Record<string, string>): string {
  const items = Object.entries(paths).map(([path, fn]) => `  ${path}:\n    get:\n      x-amazon-apigateway-integration: { type: aws_proxy, httpMethod: POST, uri: '${lambda(fn)}' }\n`)
  return `openapi: 3.0.1\ninfo: { title: fns, version: '1' }\npaths:\n${items.join('')}`
}

before(async () => {
  base = mkdtempSync(join(tmpdir(), 'gatehouse-esbuild-optional-'))
  const template = join(base, 'template')
  for (const file of typeScriptFiles(join(repo, 'src'))) {
    const out = join(template, 'dist', relative(join(repo, 'src'), file).replace(/\.ts$/, '.js'))
    mkdirSync(dirname(out), { recursive: true })
    const { code } = await transform(readFileSync(file, 'utf8'), { loader: 'ts', format: 'esm', target: 'node20' })
    writeFileSync(out, code)
  }
  writeFileSync(join(template, 'package.json'), JSON.stringify({ name: 'gatehouse', version: '0.0.0-test', type: 'module' }))
  mkdirSync(join(template, 'bin'))
  cpSync(join(repo, 'bin', 'gatehouse.js'), join(template, 'bin', 'gatehouse.js'))
  mkdirSync(join(template, 'fns'))
  writeFileSync(join(template, 'fns', 'hello.mjs'), `export const handler = async () => ({ statusCode: 200, body: JSON.stringify({ hello: 'js' }) })\n`)
  writeFileSync(join(template, 'fns', 'typed.ts'), `export const handler = async (e: { n?: number }): Promise<unknown> => ({ statusCode: 200, body: String((e.n ?? 1) * 3) })\n`)
  writeFileSync(join(template, 'js-only.yaml'), api({ '/js': 'hello' }))
  writeFileSync(join(template, 'mixed.yaml'), api({ '/js': 'hello', '/ts': 'typed' }))
  // Records, when the process exits, every CommonJS module it loaded (esbuild's entry is CommonJS).
  writeFileSync(
    join(template, 'trace.mjs'),
    `import { createRequire } from 'node:module'\nimport { writeFileSync } from 'node:fs'\n` +
      `const cache = createRequire(import.meta.url).cache\n` +
      `process.on('exit', () => writeFileSync(process.env.TRACE_OUT, JSON.stringify(Object.keys(cache))))\n`,
  )

  bare = join(base, 'bare')
  cpSync(template, bare, { recursive: true })
  mkdirSync(join(bare, 'node_modules'))
  for (const name of readdirSync(join(repo, 'node_modules'))) {
    if (name === 'esbuild' || name === '@esbuild' || name.startsWith('.')) continue
    symlinkSync(join(repo, 'node_modules', name), join(bare, 'node_modules', name))
  }
  full = join(base, 'full')
  cpSync(template, full, { recursive: true })
  symlinkSync(join(repo, 'node_modules'), join(full, 'node_modules'), 'dir')
})

after(() => rmSync(base, { recursive: true, force: true }))

function plainNode(cwd: string, args: string[], env: Record<string, string> = {}): { stdout: () => string; stderr: () => string; stop: () => void; exit: Promise<number | null> } {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env }
  delete childEnv['NODE_OPTIONS']
  const child = spawn(process.execPath, args, { cwd, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  child.stdout.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr.on('data', (d: Buffer) => (err += d.toString()))
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  return { stdout: () => out, stderr: () => err, stop: () => child.kill('SIGTERM'), exit }
}

async function waitFor(get: () => string, re: RegExp, ms = 20_000): Promise<RegExpMatchArray> {
  const end = Date.now() + ms
  while (Date.now() < end) {
    const m = get().match(re)
    if (m) return m
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error(`timed out waiting for ${re} in:\n${get()}`)
}

function serve(cwd: string, definition: string, env: Record<string, string> = {}, preload: string[] = []) {
  return plainNode(cwd, [...preload, 'bin/gatehouse.js', 'serve', '--rest-api', definition, '--functions', 'fns', '--port', '0', '--admin-port', '0', '--no-access-log', '--no-watch'], env)
}

/** Runs an ES module script with plain node in `cwd`; resolves to the JSON it prints. */
function script(cwd: string, code: string): Promise<any> {
  const env = { ...process.env }
  delete env['NODE_OPTIONS']
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--input-type=module', '-e', code], { cwd, env, timeout: 30_000 }, (err, out, errOut) => {
      if (err) reject(new Error(`${err.message}\n${errOut}`))
      else resolve(JSON.parse(out.trim()))
    })
  })
}

describe('esbuild, an optional dependency', () => {
  it('is never loaded by a gateway serving only JavaScript handlers', async () => {
    const traceOut = join(base, 'full-trace.json')
    const run = serve(full, 'js-only.yaml', { TRACE_OUT: traceOut }, ['--import', './trace.mjs'])
    const port = Number((await waitFor(run.stdout, /http:\/\/localhost:(\d+)\/dev\//))[1])
    const res = await send(port, '/dev/js')
    assert.equal(res.status, 200, run.stderr())
    assert.deepEqual(res.json(), { hello: 'js' })
    run.stop()
    assert.equal(await run.exit, 0, run.stderr())
    const loaded = JSON.parse(readFileSync(traceOut, 'utf8')) as string[]
    assert.ok(loaded.some((f) => f.includes('velocityjs')), 'the trace sees CommonJS packages the gateway loads')
    assert.deepEqual(loaded.filter((f) => /[/\\]esbuild[/\\]/.test(f)), [])
  })

  it('is imported by the runtime on the first TypeScript handler, not before', async () => {
    const out = await script(full, `
      import { createRequire } from 'node:module'
      const cache = createRequire(import.meta.url).cache
      const esbuildLoaded = () => Object.keys(cache).some((f) => /[/\\\\]esbuild[/\\\\]/.test(f))
      const { FunctionRuntime } = await import(${JSON.stringify(pathToFileURL(join(full, 'dist/functions/index.js')).href)})
      const rt = new FunctionRuntime({ cacheDir: ${JSON.stringify(join(base, 'cache'))} })
      rt.registerDirectory('fns')
      const js = await rt.invoke('hello', {})
      const afterJs = esbuildLoaded()
      const ts = await rt.invoke('typed', { n: 14 })
      console.log(JSON.stringify({ js: js.payload, afterJs, ts: ts.payload, afterTs: esbuildLoaded() }))
      await rt.close()
    `)
    assert.deepEqual(out, { js: { statusCode: 200, body: '{"hello":"js"}' }, afterJs: false, ts: { statusCode: 200, body: '42' }, afterTs: true })
  })

  it('need not be installed: JavaScript handlers run, a TypeScript one says what to install', async () => {
    const out = await script(bare, `
      const { FunctionRuntime } = await import(${JSON.stringify(pathToFileURL(join(bare, 'dist/functions/index.js')).href)})
      const rt = new FunctionRuntime({ cacheDir: ${JSON.stringify(join(base, 'cache-bare'))} })
      rt.registerDirectory('fns')
      const js = await rt.invoke('hello', {})
      let ts
      try {
        await rt.invoke('typed', {})
        ts = 'compiled'
      } catch (err) {
        ts = { name: err.name, message: err.message }
      }
      console.log(JSON.stringify({ js: js.payload, ts }))
      await rt.close()
    `)
    assert.deepEqual(out, {
      js: { statusCode: 200, body: '{"hello":"js"}' },
      ts: { name: 'EsbuildMissingError', message: `TypeScript handler ${join(bare, 'fns', 'typed.ts')} needs the optional dependency esbuild: npm install esbuild` },
    })
  })

  it('need not be installed for a gateway: the TypeScript route answers 500 and the log says why', async () => {
    const run = serve(bare, 'mixed.yaml')
    try {
      const port = Number((await waitFor(run.stdout, /http:\/\/localhost:(\d+)\/dev\//))[1])
      const js = await send(port, '/dev/js')
      assert.equal(js.status, 200, run.stderr())
      assert.deepEqual(js.json(), { hello: 'js' })
      const ts = await send(port, '/dev/ts')
      assert.equal(ts.status, 500)
      assert.deepEqual(ts.json(), { message: 'Internal server error' })
      await waitFor(run.stderr, /TypeScript handler \S*typed\.ts needs the optional dependency esbuild: npm install esbuild/)
    } finally {
      run.stop()
      assert.equal(await run.exit, 0, run.stderr())
    }
  })
})
