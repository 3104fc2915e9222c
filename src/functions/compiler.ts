// TypeScript function modules compiled on load with esbuild: bundled into one ESM file in a cache directory (never
// next to the user's file), reused while the mtime and size of every input file stay the same. esbuild is an
// optional dependency, imported on the first TypeScript module only: JavaScript handlers never load it.

import { createHash } from 'node:crypto'
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs'
import { basename, dirname, extname, join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { Plugin } from 'esbuild'

const TS_EXTENSIONS = new Set(['.ts', '.mts', '.cts'])

/** Whether `file` needs compiling before Node can import it. */
export function isTypeScript(file: string): boolean {
  return TS_EXTENSIONS.has(extname(file))
}

/** A TypeScript module that does not compile; the runtime reports it as Runtime.UserCodeSyntaxError. */
export class CompileError extends Error {
  readonly file: string
  constructor(file: string, message: string) {
    super(message)
    this.name = 'CompileError'
    this.file = file
  }
}

/** A TypeScript module to compile, and esbuild (an optional dependency) not installed. */
export class EsbuildMissingError extends Error {
  readonly file: string
  constructor(file: string, options?: ErrorOptions) {
    super(`TypeScript handler ${file} needs the optional dependency esbuild: npm install esbuild`, options)
    this.name = 'EsbuildMissingError'
    this.file = file
  }
}

type Esbuild = typeof import('esbuild')

/**
 * esbuild, imported here and nowhere else, when the first TypeScript module is compiled (the module cache keeps
 * it afterwards). A failed import is not remembered, so installing esbuild works without a restart.
 */
async function loadEsbuild(file: string): Promise<Esbuild> {
  try {
    return await import('esbuild')
  } catch (err) {
    const e = err as NodeJS.ErrnoException
    if ((e.code === 'ERR_MODULE_NOT_FOUND' || e.code === 'MODULE_NOT_FOUND') && /'esbuild'/.test(e.message)) throw new EsbuildMissingError(file, { cause: err })
    throw err
  }
}

/** One input of a compiled module: path, mtime and size when it was compiled. */
type InputStamp = [path: string, mtimeMs: number, size: number]

interface Compiled {
  readonly url: string
  readonly inputs: InputStamp[]
}

function stillFresh(inputs: InputStamp[]): boolean {
  for (const [path, mtimeMs, size] of inputs) {
    const st = statSync(path, { throwIfNoEntry: false })
    if (st === undefined || st.mtimeMs !== mtimeMs || st.size !== size) return false
  }
  return true
}

function stampsOf(paths: string[]): InputStamp[] {
  const out: InputStamp[] = []
  for (const path of paths) {
    const st = statSync(path, { throwIfNoEntry: false })
    if (st !== undefined) out.push([path, st.mtimeMs, st.size])
  }
  return out
}

// Packages stay outside the bundle, imported from where Node would find them for the user's file: the compiled
// module lives in the cache directory, so a bare specifier must become an absolute location.
const externalPackages: Plugin = {
  name: 'gatehouse-external-packages',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, async (args) => {
      if (args.pluginData === 'gatehouse-inner' || args.path.startsWith('node:')) return undefined
      const found = await build.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, importer: args.importer, pluginData: 'gatehouse-inner' })
      if (found.errors.length > 0 || found.external || found.path === '') return { path: args.path, external: true }
      const asImport = args.kind === 'import-statement' || args.kind === 'dynamic-import'
      return { path: asImport ? pathToFileURL(found.path).href : found.path, external: true }
    })
  },
}

/**
 * Compiles TypeScript function modules into `cacheDir`. JavaScript modules pass through untouched.
 * Inputs (the entry and every file bundled into it) are checked on each cold start; the result is kept in memory
 * and on disk, so a restart with unchanged files skips esbuild.
 */
export class ModuleCompiler {
  readonly #cacheDir: string
  readonly #memo = new Map<string, Compiled>()
  readonly #pending = new Map<string, Promise<string>>()

  constructor(cacheDir: string) {
    this.#cacheDir = cacheDir
  }

  /**
   * The URL to import for `file` (absolute path).
   * @throws CompileError when TypeScript does not compile; EsbuildMissingError when esbuild is not installed.
   */
  async urlFor(file: string): Promise<string> {
    if (!isTypeScript(file)) return pathToFileURL(file).href
    const memo = this.#memo.get(file)
    if (memo !== undefined && stillFresh(memo.inputs)) return memo.url
    const pending = this.#pending.get(file)
    if (pending !== undefined) return pending
    const job = this.#compile(file).finally(() => this.#pending.delete(file))
    this.#pending.set(file, job)
    return job
  }

  async #compile(file: string): Promise<string> {
    const esbuild = await loadEsbuild(file)
    const key = createHash('sha256').update(`${file}\0${esbuild.version}`).digest('hex').slice(0, 16)
    const stem = join(this.#cacheDir, `${basename(file).replace(/[^\w.-]/g, '_')}-${key}`)
    const outFile = `${stem}.mjs`
    const metaFile = `${stem}.json`
    const url = pathToFileURL(outFile).href

    const onDisk = readMeta(metaFile)
    if (onDisk !== null && statSync(outFile, { throwIfNoEntry: false }) !== undefined && stillFresh(onDisk)) {
      const compiled = { url, inputs: onDisk }
      this.#memo.set(file, compiled)
      return url
    }

    const fileUrl = pathToFileURL(file).href
    const workDir = dirname(file)
    let result
    try {
      result = await esbuild.build({
        entryPoints: [file],
        absWorkingDir: workDir,
        outfile: outFile,
        bundle: true,
        write: false,
        metafile: true,
        format: 'esm',
        platform: 'node',
        target: `node${process.versions.node.split('.')[0]}`,
        sourcemap: 'inline',
        sourcesContent: false,
        logLevel: 'silent',
        plugins: [externalPackages],
        // The module runs from the cache directory: give it its own location, and a require() that resolves
        // from there too (esbuild routes require calls of external packages through a global `require`).
        define: {
          'import.meta.url': JSON.stringify(fileUrl),
          '__filename': JSON.stringify(file),
          '__dirname': JSON.stringify(workDir),
        },
        banner: {
          js: `import { createRequire as __gatehouseCreateRequire } from 'node:module'; const require = __gatehouseCreateRequire(${JSON.stringify(fileUrl)});`,
        },
      })
    } catch (err) {
      const errors = (err as { errors?: Array<{ text: string; location?: { file: string; line: number; column: number } | null }> }).errors
      const first = errors?.[0]
      const where = first?.location ? `${resolve(workDir, first.location.file)}:${first.location.line}:${first.location.column + 1}: ` : ''
      throw new CompileError(file, first ? `${where}${first.text}` : String(err))
    }
    const output = result.outputFiles.find((f) => f.path.endsWith('.mjs')) ?? result.outputFiles[0]
    if (output === undefined) throw new CompileError(file, 'esbuild produced no output')
    const inputs = stampsOf(Object.keys(result.metafile.inputs).map((p) => resolve(workDir, p)))

    mkdirSync(this.#cacheDir, { recursive: true, mode: 0o700 })
    // Write-then-rename: another gateway process may be reading the same cache entry.
    const tmp = `${stem}.${process.pid}.${Date.now()}.tmp`
    writeFileSync(tmp, output.contents)
    renameSync(tmp, outFile)
    writeFileSync(`${tmp}j`, JSON.stringify({ inputs }))
    renameSync(`${tmp}j`, metaFile)
    this.#memo.set(file, { url, inputs })
    return url
  }
}

function readMeta(metaFile: string): InputStamp[] | null {
  try {
    const meta = JSON.parse(readFileSync(metaFile, 'utf8')) as { inputs?: unknown }
    if (!Array.isArray(meta.inputs) || meta.inputs.length === 0) return null
    return meta.inputs as InputStamp[]
  } catch {
    return null
  }
}
