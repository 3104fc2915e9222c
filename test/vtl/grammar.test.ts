// velocityjs's grammar, loaded from a private module of the package: it loads and parses a template with
// the pinned version, package.json pins exactly that version, and any other install fails naming it.

import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { VELOCITYJS_VERSION, loadVelocityGrammar } from '../../src/vtl/compile.js'
import { compileTemplate } from '../../src/vtl/index.js'

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..')

describe('velocityjs grammar', () => {
  it('loads from the installed velocityjs and parses a template into tokens', () => {
    const tokens = loadVelocityGrammar()('#set($n = 2)#if($n > 1)many $n#end')
    const types = tokens.map((t) => (typeof t === 'string' ? 'text' : (t as { type: string }).type))
    assert.deepEqual(types, ['set', 'if', 'text', 'references', 'end'])
    assert.equal((tokens[3] as { id: string }).id, 'n')
    // And the engine built on it renders.
    assert.equal(compileTemplate('#set($n = 2)#if($n > 1)many $n#end').render({ input: { body: '', path: {}, querystring: {}, header: {} }, context: {}, stageVariables: null }).output, 'many 2')
  })

  it('is pinned exactly in package.json and package-lock.json, and that version is installed', () => {
    const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }
    assert.equal(pkg.dependencies['velocityjs'], VELOCITYJS_VERSION, 'an exact version, no range')
    const lock = JSON.parse(readFileSync(join(repo, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string; dependencies?: Record<string, string> }> }
    assert.equal(lock.packages['']!.dependencies!['velocityjs'], VELOCITYJS_VERSION)
    assert.equal(lock.packages['node_modules/velocityjs']!.version, VELOCITYJS_VERSION)
    const installed = JSON.parse(readFileSync(join(repo, 'node_modules/velocityjs/package.json'), 'utf8')) as { version: string }
    assert.equal(installed.version, VELOCITYJS_VERSION)
  })
})

describe('velocityjs grammar: other installs', () => {
  let root: string
  const from = (dir: string): string => pathToFileURL(join(root, dir, 'index.js')).href

  /** A velocityjs package of `version` in `root/dir/node_modules`, with `grammar` as its parse/index.cjs. */
  function fakeInstall(dir: string, version: string, grammar?: string): void {
    const pkg = join(root, dir, 'node_modules', 'velocityjs')
    mkdirSync(join(pkg, 'dist', 'cjs'), { recursive: true })
    writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: 'velocityjs', version, main: './dist/cjs/index.cjs', exports: { '.': { require: './dist/cjs/index.cjs' } } }))
    writeFileSync(join(pkg, 'dist', 'cjs', 'index.cjs'), 'exports.render = () => ""\n')
    if (grammar !== undefined) {
      mkdirSync(join(pkg, 'dist', 'cjs', 'parse'))
      writeFileSync(join(pkg, 'dist', 'cjs', 'parse', 'index.cjs'), grammar)
    }
  }

  before(() => {
    root = mkdtempSync(join(tmpdir(), 'gatehouse-velocityjs-'))
    fakeInstall('moved', '2.2.0')
    fakeInstall('renamed', '2.1.8', 'exports.parse = () => []\n')
    mkdirSync(join(root, 'none'))
  })
  after(() => rmSync(root, { recursive: true, force: true }))

  it('names the version it needs when the grammar module is missing', () => {
    assert.throws(() => loadVelocityGrammar(from('moved')), (err: Error) => {
      assert.match(err.message, /^velocityjs 2\.2\.0 is installed, but Gatehouse needs velocityjs 2\.1\.7 exactly/)
      assert.match(err.message, /dist\/cjs\/parse\/index\.cjs \(export parse_1\)/)
      assert.match(err.message, /this version does not have it/)
      assert.match(err.message, /npm install velocityjs@2\.1\.7$/)
      return true
    })
  })

  it('names the version it needs when the module has no parse_1 export', () => {
    assert.throws(() => loadVelocityGrammar(from('renamed')), /velocityjs 2\.1\.8 is installed, .*it does not export parse_1\. Install the pinned version: npm install velocityjs@2\.1\.7/)
  })

  it('says velocityjs is missing when it is not installed at all', () => {
    assert.throws(() => loadVelocityGrammar(from('none')), /Mapping templates need velocityjs 2\.1\.7, which is not installed: npm install velocityjs@2\.1\.7/)
  })
})
