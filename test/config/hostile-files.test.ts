// Hostile config and OpenAPI files (issue 8, items 7 and 10): files over the size limits are refused from their
// size before they are read, as are things that are not files (a FIFO, /dev/zero); YAML alias bombs, aliases
// inside themselves and nesting deep enough to exhaust a stack are config problems with the file and a path —
// for `serve`, for a reload and for `validate` alike — never an uncaught exception, a stall or a crash.

import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { loadDesiredState, type Sources } from '../../src/controlplane/config/desired.js'
import { loadDesiredStateOffThread } from '../../src/controlplane/config/off-thread.js'
import { CONFIG_FILE_LIMIT, OPENAPI_FILE_LIMIT, readBoundedText } from '../../src/controlplane/config/limits.js'
import { validate } from '../../src/cli/validate.js'
import { ConfigError } from '../../src/errors.js'
import { startGateway } from '../helpers.js'
import { PETSTORE_REST, problemAt, problemsOf, tempDir, type TempDir } from './helpers.js'

function sources(over: Partial<Sources>): Sources {
  return { restApis: [], httpApis: [], stageVariables: {}, ...over }
}

/** The "billion laughs": each level repeats the one before nine times; 9^8 strings once expanded. */
const ALIAS_BOMB = `apis: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
`

/** `{"openapi": "3.0.1", ..., "x-deep": [[[…]]]}` with `depth` nested arrays. */
function deepJson(depth: number): string {
  return `{"openapi":"3.0.1","info":{"title":"deep","version":"1"},"paths":{},"x-deep":${'['.repeat(depth)}${']'.repeat(depth)}}`
}

/** Captures what `validate` writes. */
function capture(): { write(text: string): boolean; text: () => string } {
  let out = ''
  return { write: (t) => ((out += t), true), text: () => out }
}

describe('hostile config and OpenAPI files', () => {
  let tmp: TempDir
  before(async () => {
    tmp = await tempDir()
    await tmp.write('petstore.yaml', PETSTORE_REST)
  })
  after(() => tmp.remove())

  describe('a YAML alias bomb (item 10)', () => {
    it('in the config file is a config problem of that file, for serve, reload and validate alike', async () => {
      await tmp.write('bomb.yaml', ALIAS_BOMB)
      const problems = await problemsOf(() => loadDesiredState(sources({ configFile: 'bomb.yaml', cwd: tmp.dir })))
      assert.equal(problems.length, 1)
      assert.match(problemAt(problems, '', 'bomb.yaml').message, /^Invalid YAML: the aliases \(\*name\) repeat anchored content too many times .*alias bomb/)

      // `serve --config`: the gateway refuses to start with the same problem.
      await assert.rejects(startGateway({ configFile: join(tmp.dir, 'bomb.yaml') }), (err: unknown) => err instanceof ConfigError && /bomb\.yaml: \/: Invalid YAML: the aliases/.test(err.message))
      // A reload (off the event loop) refuses it the same way.
      const offThread = await problemsOf(() => loadDesiredStateOffThread(sources({ configFile: 'bomb.yaml', cwd: tmp.dir })))
      assert.deepEqual(offThread, problems)

      // `validate`: exit 1 and the problem listed, no exception.
      const out = capture()
      const err = capture()
      assert.equal(await validate([join(tmp.dir, 'bomb.yaml')], out, err), 1)
      assert.match(err.text(), /1 problem:\n.*bomb\.yaml: \/: Invalid YAML: the aliases/)
    })

    it('in an OpenAPI file named by the config is a problem of the OpenAPI file', async () => {
      await tmp.write('bomb-api.yaml', `openapi: 3.0.1\ninfo: {title: bomb, version: "1"}\npaths: {}\n${ALIAS_BOMB.replace('apis:', 'x-a:').replace(/^([b-h]):/gm, 'x-$1:')}`)
      await tmp.write('uses-bomb.yaml', 'apis:\n  - { name: bomb, type: rest, openapi: ./bomb-api.yaml }\n')
      const problems = await problemsOf(() => loadDesiredState(sources({ configFile: 'uses-bomb.yaml', cwd: tmp.dir })))
      assert.match(problemAt(problems, '/', 'bomb-api.yaml').message, /^Invalid YAML: the aliases \(\*name\) repeat anchored content too many times/)
    })

    it('an alias inside the collection it names is refused with the path where it recurses', async () => {
      await tmp.write('loop.yaml', 'apis:\n  - &api\n    name: loop\n    type: rest\n    definition: { nested: [*api] }\n')
      const problems = await problemsOf(() => loadDesiredState(sources({ configFile: 'loop.yaml', cwd: tmp.dir })))
      assert.match(problemAt(problems, '/apis/0/definition/nested/0', 'loop.yaml').message, /alias refers to a collection that contains it/)
    })
  })

  describe('deep nesting', () => {
    it('a JSON OpenAPI file nested 100,000 levels deep is refused with the path where it is too deep', async () => {
      await tmp.write('deep.json', deepJson(100_000))
      const problems = await problemsOf(() => loadDesiredState(sources({ restApis: ['deep.json'], cwd: tmp.dir })))
      assert.equal(problems.length, 1)
      const p = problems[0]!
      assert.equal(p.file, 'deep.json')
      assert.match(p.path, /^\/x-deep(\/0){127}$/)
      assert.match(p.message, /nests objects and arrays more than 128 levels deep/)
    })

    it('so is a JSON config file, with the definition inline', async () => {
      await tmp.write('deep-config.json', `{"apis":[{"name":"deep","type":"rest","definition":${deepJson(200)}}]}`)
      const problems = await problemsOf(() => loadDesiredState(sources({ configFile: 'deep-config.json', cwd: tmp.dir })))
      assert.equal(problems.length, 1)
      assert.match(problemAt(problems, `/apis/0/definition/x-deep${'/0'.repeat(124)}`, 'deep-config.json').message, /more than 128 levels deep/)
      // Deeper than the YAML parser (which reads config files, JSON included) can go: the same problem, for the file.
      await tmp.write('deeper-config.json', `{"apis":[{"name":"deep","type":"rest","definition":${deepJson(100_000)}}]}`)
      const deeper = await problemsOf(() => loadDesiredState(sources({ configFile: 'deeper-config.json', cwd: tmp.dir })))
      assert.equal(deeper.length, 1)
      assert.match(problemAt(deeper, '', 'deeper-config.json').message, /^syntax error at line 1, column \d+: the document nests objects and arrays more than 128 levels deep/)
    })

    it('and YAML, in flow and in block style, deeper than the YAML parser itself can go', async () => {
      await tmp.write('deep-flow.yaml', `openapi: 3.0.1\nx-deep: ${'['.repeat(50_000)}${']'.repeat(50_000)}\n`)
      let block = 'openapi: 3.0.1\n'
      for (let i = 0; i < 3000; i++) block += `${' '.repeat(i)}k:\n`
      await tmp.write('deep-block.yaml', block)
      for (const file of ['deep-flow.yaml', 'deep-block.yaml']) {
        const problems = await problemsOf(() => loadDesiredState(sources({ restApis: [file], cwd: tmp.dir })))
        assert.equal(problems.length, 1, file)
        assert.equal(problems[0]!.file, file)
        assert.match(problems[0]!.message, /more than 128 levels deep/, file)
      }
      await tmp.write('deep-config.yaml', `apis: ${'['.repeat(50_000)}${']'.repeat(50_000)}\n`)
      const problems = await problemsOf(() => loadDesiredState(sources({ configFile: 'deep-config.yaml', cwd: tmp.dir })))
      assert.match(problemAt(problems, '', 'deep-config.yaml').message, /more than 128 levels deep/)
    })

    it('a document just inside the limit is read', async () => {
      // 128 levels in all: the root object and 127 arrays (x-deep and 126 inside it).
      await tmp.write('deep-ok.json', deepJson(127))
      const state = await loadDesiredState(sources({ restApis: ['deep-ok.json'], cwd: tmp.dir }))
      assert.equal(state.apis.length, 1)
      await tmp.write('deep-over.json', deepJson(128))
      await problemsOf(() => loadDesiredState(sources({ restApis: ['deep-over.json'], cwd: tmp.dir })))
    })
  })

  describe('file sizes (item 7)', () => {
    it('an OpenAPI file over 6 MB is refused from its size, naming the file, its size and the limit', async () => {
      const big = await tmp.write('big.json', ' '.repeat(OPENAPI_FILE_LIMIT + 1))
      const message = 'the OpenAPI file is 6 MB (6,291,457 bytes), over the limit of 6 MB (6,291,456 bytes): API Gateway imports definitions of at most 6 MB too'
      const cli = await problemsOf(() => loadDesiredState(sources({ restApis: ['big.json'], cwd: tmp.dir })))
      assert.equal(cli.length, 1)
      assert.ok(problemAt(cli, '', 'big.json').message.startsWith(message), cli[0]!.message)
      await tmp.write('uses-big.yaml', 'apis:\n  - { name: big, type: rest, openapi: ./big.json }\n')
      const fromConfig = await problemsOf(() => loadDesiredState(sources({ configFile: 'uses-big.yaml', cwd: tmp.dir })))
      assert.ok(problemAt(fromConfig, '', 'big.json').message.startsWith(message))
      const err = capture()
      assert.equal(await validate([big], capture(), err), 1)
      assert.match(err.text(), /big\.json: \/: the file is 6 MB \(6,291,457 bytes\), over the limit of 6 MB/)
    })

    it('a config file over 6 MB is refused the same way', async () => {
      await tmp.write('big-config.yaml', '#'.repeat(CONFIG_FILE_LIMIT + 1))
      const problems = await problemsOf(() => loadDesiredState(sources({ configFile: 'big-config.yaml', cwd: tmp.dir })))
      assert.match(problemAt(problems, '', 'big-config.yaml').message, /^the config file is 6 MB \(6,291,457 bytes\), over the limit of 6 MB \(6,291,456 bytes\): put large OpenAPI definitions in files of their own/)
    })

    it('what is not a regular file is refused without reading it: a FIFO would block, /dev/zero never ends', async (t) => {
      const fifo = join(tmp.dir, 'fifo.yaml')
      try {
        execFileSync('mkfifo', [fifo])
      } catch {
        t.skip('mkfifo is not available')
        return
      }
      const problems = await problemsOf(() => loadDesiredState(sources({ restApis: ['fifo.yaml'], cwd: tmp.dir })))
      assert.match(problemAt(problems, '--rest-api').message, /cannot read the OpenAPI file fifo\.yaml: is not a regular file/)
      const config = await problemsOf(() => loadDesiredState(sources({ configFile: 'fifo.yaml', cwd: tmp.dir })))
      assert.match(problemAt(config, '', 'fifo.yaml').message, /cannot read the config file: is not a regular file/)
      if (existsSync('/dev/zero')) {
        const zero = await problemsOf(() => loadDesiredState(sources({ restApis: ['/dev/zero'], cwd: tmp.dir })))
        assert.match(problemAt(zero, '--rest-api').message, /cannot read the OpenAPI file \/dev\/zero: is not a regular file/)
      }
    })

    it('the read itself is bounded: at the limit a file is read, one byte over it is not', async () => {
      const path = await tmp.write('edge.txt', 'x'.repeat(100))
      assert.deepEqual(await readBoundedText(path, 100), { text: 'x'.repeat(100) })
      assert.deepEqual(await readBoundedText(path, 99), { tooLarge: { size: 100, limit: 99 } })
      assert.deepEqual(await readBoundedText(join(tmp.dir, 'missing.txt'), 99), { error: 'no such file' })
      assert.deepEqual(await readBoundedText(tmp.dir, 99), { error: 'is a directory, not a file' })
    })
  })
})
