// Fuzzing config-file parsing (issue 8): generated config files — the documented shape with random values,
// written as JSON or as YAML with anchors and aliases, and arbitrary YAML-flavoured text — are loaded through
// loadDesiredState from real files. Each either loads or is refused with problems that name their file and a
// path; never another exception, never an unbounded stall. Fixed seeds, bounded runs;
// `FUZZ_SEED=n FUZZ_RUNS=k npm test -- fuzz` explores further (k times the runs, from seed n).

import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { stringify } from 'yaml'
import { loadDesiredState } from '../../src/controlplane/config/desired.js'
import { parseYamlText } from '../../src/controlplane/config/config-file.js'
import { ConfigError } from '../../src/errors.js'
import { PETSTORE_REST, tempDir, type TempDir } from './helpers.js'

const SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED)
const RUNS = Number(process.env.FUZZ_RUNS ?? 1)
const params = (seed: number, runs: number) => ({ seed: SEED ?? seed, numRuns: runs * RUNS })

/** How long one generated case may take before it counts as a stall (generous: the machine is shared). */
const CASE_MS = 3_000

const PROTO_KEYS = ['__proto__', 'constructor', 'toString', 'hasOwnProperty']
const keyOf = (...keys: string[]) => fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...keys) }, { weight: 1, arbitrary: fc.constantFrom(...PROTO_KEYS) })
const anyJson = fc.jsonValue({ maxDepth: 3 })
const or = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<unknown> => fc.oneof({ weight: 4, arbitrary: arb }, { weight: 1, arbitrary: anyJson })
const record = <T extends Record<string, fc.Arbitrary<unknown>>>(fields: T) => fc.record(fields, { requiredKeys: [] })

const MOCK = { type: 'mock', requestTemplates: { 'application/json': '{"statusCode": 200}' }, responses: { default: { statusCode: '200' } } }
const inlineDefinition = or(
  record({
    openapi: or(fc.constantFrom('3.0.1', '2.0')),
    info: or(record({ title: or(fc.constantFrom('inline', 'petstore', '')), version: fc.constantFrom('1') })),
    paths: or(fc.dictionary(keyOf('/a', '/{id}', 'x'), or(record({ get: or(record({ 'x-amazon-apigateway-integration': or(fc.constant(MOCK)) })) })), { maxKeys: 2 })),
  }),
)

const stage = record({
  description: or(fc.string({ maxLength: 5 })),
  variables: or(fc.dictionary(keyOf('backend', 'port', 'bad key!'), or(fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.boolean())), { maxKeys: 2 })),
  methodSettings: or(fc.dictionary(keyOf('*/*', '/a/GET', '~1a/GET', 'nonsense'), or(record({ throttlingRateLimit: or(fc.double()), throttlingBurstLimit: or(fc.integer()), cachingEnabled: or(fc.boolean()) })), { maxKeys: 2 })),
  accessLogSettings: or(record({ format: or(fc.constantFrom('$context.requestId', '$context.', '{"a":"$context.status"}')), destinationArn: or(fc.string({ maxLength: 5 })) })),
  canarySettings: or(record({ percentTraffic: or(fc.double({ min: -10, max: 200 })), stageVariableOverrides: anyJson, useStageCache: or(fc.boolean()), openapi: or(fc.constantFrom('./petstore.yaml', './missing.yaml')), definition: inlineDefinition })),
  tracingEnabled: or(fc.boolean()),
  defaultRouteSettings: anyJson,
  routeSettings: anyJson,
  tags: anyJson,
})

const api = record({
  name: or(fc.constantFrom('petstore', 'orders', 'petstore', '')),
  id: or(fc.constantFrom('abcdefghij', 'x', 'abcdefghij')),
  type: or(fc.constantFrom('rest', 'http', 'soap')),
  openapi: or(fc.constantFrom('./petstore.yaml', './missing.yaml', '../../../../../etc/hostname', '', './')),
  definition: inlineDefinition,
  basepath: or(fc.constantFrom('ignore', 'prepend', 'split', 'other')),
  binaryMediaTypes: or(fc.array(fc.constantFrom('image/png', '*/*'), { maxLength: 2 })),
  gatewayResponses: or(fc.dictionary(keyOf('DEFAULT_4XX', 'REQUEST_TOO_LARGE', 'NOPE'), or(record({ statusCode: or(fc.oneof(fc.constantFrom('404', 'abc'), fc.integer())), responseParameters: anyJson, responseTemplates: anyJson })), { maxKeys: 2 })),
  cors: or(record({ allowOrigins: or(fc.array(fc.constantFrom('*', 'https://a.example'), { maxLength: 2 })), allowCredentials: or(fc.boolean()), maxAge: or(fc.integer()) })),
  policy: or(record({ Version: or(fc.constantFrom('2012-10-17', '2008')), Statement: or(fc.array(record({ Effect: or(fc.constantFrom('Allow', 'Deny', 'Maybe')), Principal: anyJson, Action: anyJson, Resource: anyJson, Condition: anyJson }), { maxLength: 2 })) })),
  endpointType: or(fc.constantFrom('EDGE', 'REGIONAL', 'PRIVATE', 'MOON')),
  stages: or(fc.dictionary(keyOf('dev', 'prod', '$default', 'bad stage'), or(stage), { maxKeys: 2 })),
})

const config = record({
  $schema: or(fc.string({ maxLength: 5 })),
  listeners: or(record({ http: or(record({ port: or(fc.integer({ min: -1, max: 70_000 })), host: or(fc.constantFrom('0.0.0.0', '::1', '')), tls: anyJson })), admin: or(record({ port: or(fc.integer()), host: anyJson, token: or(fc.string({ maxLength: 20 })) })) })),
  dataDir: or(fc.constantFrom('./.data', '')),
  configStore: or(fc.constantFrom('postgres://localhost/x', 'mysql://x')),
  functionsDir: or(fc.constantFrom('./functions', '')),
  logging: or(record({ level: or(fc.constantFrom('info', 'debug', 'loud')), accessLogs: or(fc.boolean()) })),
  defaultApi: or(fc.constantFrom('petstore', 'abcdefghij', 'nobody')),
  apis: or(fc.array(or(api), { maxLength: 3 })),
  functions: or(fc.array(or(record({ name: or(fc.constantFrom('f', 'g', 'f')), module: or(fc.constantFrom('./f.mjs', '')), handler: or(fc.string({ maxLength: 5 })), timeout: or(fc.integer({ min: -1, max: 1000 })), memorySize: or(fc.integer()), environment: anyJson })), { maxLength: 2 })),
  apiKeys: or(fc.array(or(record({ name: or(fc.constantFrom('k', 'k', 'partner')), value: or(fc.constantFrom('short', 'partner-0123456789abcdefghij')), enabled: or(fc.boolean()) })), { maxLength: 2 })),
  usagePlans: or(fc.array(or(record({ name: or(fc.constantFrom('p', 'p')), apiStages: or(fc.array(or(record({ api: or(fc.constantFrom('petstore', 'ghost')), stage: or(fc.constantFrom('dev', 'nope')), throttle: anyJson })), { maxLength: 2 })), throttle: anyJson, quota: or(record({ limit: or(fc.integer()), period: or(fc.constantFrom('DAY', 'YEAR')), offset: or(fc.integer()) })), apiKeys: or(fc.array(fc.constantFrom('k', 'ghost'), { maxLength: 2 })) })), { maxLength: 2 })),
  identity: or(record({ region: or(fc.constantFrom('us-east-1', 'mars-1')), cognito: anyJson, credentials: or(fc.array(or(record({ accessKeyId: or(fc.constantFrom('AKIDEXAMPLE12345678', 'x')), secretAccessKey: fc.constantFrom('secret'), principalArn: or(fc.constantFrom('arn:aws:iam::000000000000:user/ci', 'arn:nope')), policies: anyJson })), { maxLength: 1 })) })),
  unknownKey: anyJson,
})

describe('config file fuzzing', () => {
  let tmp: TempDir
  let n = 0
  before(async () => {
    tmp = await tempDir()
    await tmp.write('petstore.yaml', PETSTORE_REST)
  })
  after(() => tmp.remove())

  /** Writes `text` as a config file and loads it: it loads, or every problem names its file and a path. */
  async function loadsOrRefuses(text: string, ext: string): Promise<void> {
    const file = `config-${++n}.${ext}`
    await tmp.write(file, text)
    const start = performance.now()
    try {
      await loadDesiredState({ configFile: file, cwd: tmp.dir, restApis: [], httpApis: [], stageVariables: {} })
    } catch (err) {
      if (!(err instanceof ConfigError)) throw new Error(`not a ConfigError: ${err instanceof Error ? err.stack : String(err)}\nfor ${file}:\n${text}`)
      assert.ok(err.problems.length > 0)
      for (const p of err.problems) {
        assert.ok(p.file !== undefined || p.path.startsWith('--'), `problem without its file: ${JSON.stringify(p)}`)
        assert.ok(p.path === '' || p.path.startsWith('/') || p.path.startsWith('--'), `problem path is not a JSON pointer: ${JSON.stringify(p)}`)
        assert.ok(typeof p.message === 'string' && p.message.length > 0, `problem without a message: ${JSON.stringify(p)}`)
      }
    } finally {
      const ms = performance.now() - start
      assert.ok(ms < CASE_MS, `one case took ${ms.toFixed(0)} ms`)
    }
  }

  it('found by fuzzing: an ill-typed gateway-response override is a problem, not a TypeError', async () => {
    await loadsOrRefuses(JSON.stringify({ apis: [{ type: 'rest', openapi: './petstore.yaml', gatewayResponses: { '': null, DEFAULT_4XX: 'text' } }] }), 'json')
  })

  it('config files of the documented shape with random values load or are refused with located problems', async () => {
    await fc.assert(
      fc.asyncProperty(config, fc.constantFrom('json', 'yaml', 'yaml-aliases'), async (decl, form) => {
        const text = form === 'json' ? JSON.stringify(decl, null, 1) : stringify(decl, { aliasDuplicateObjects: form === 'yaml-aliases' })
        await loadsOrRefuses(text, form === 'json' ? 'json' : 'yaml')
      }),
      params(0xc0f1, 200),
    )
  })

  it('YAML-flavoured and arbitrary text never makes the config parser throw', async () => {
    const token = fc.constantFrom('apis:\n', '  - name: x\n', '    type: rest\n', '    openapi: ./petstore.yaml\n', 'listeners: ', '&a ', '*a', '*b', '<<: *a\n', '!!binary ', '!!set ', '!!timestamp ', '!!js/regexp ', '? ', '- ', '[', ']', '{', '}', ',', ': ', '"', "'", '#', '\n', '  ', '\t', '---\n', '...\n', '%TAG ! tag:x:\n', '\uFEFF', '\u0000', '1e999', '.inf', '~', '__proto__: ', 'x')
    const yamlish = fc.array(token, { maxLength: 60 }).map((t) => t.join(''))
    await fc.assert(
      fc.asyncProperty(fc.oneof(yamlish, fc.string({ unit: 'binary', maxLength: 200 })), async (text) => {
        // The parser alone never throws…
        const parsed = parseYamlText(text, 'fuzz.yaml')
        for (const p of parsed.problems) assert.equal(p.file, 'fuzz.yaml')
        // …and the whole load from a file refuses with located problems.
        await loadsOrRefuses(text, 'yaml')
      }),
      params(0xc0f2, 300),
    )
  })

  it('anchors and aliases in every shape: bounded, never a ReferenceError', async () => {
    // Anchored collections, aliased n times at m levels: small ones load, large expansions are refused.
    const bomb = fc.record({ width: fc.integer({ min: 1, max: 12 }), levels: fc.integer({ min: 1, max: 8 }), where: fc.constantFrom('apis', 'unknownKey', 'identity') })
    await fc.assert(
      fc.asyncProperty(bomb, async ({ width, levels, where }) => {
        const lines = [`x0: &a0 [${Array(width).fill('"lol"').join(',')}]`]
        for (let i = 1; i <= levels; i++) lines.push(`x${i}: &a${i} [${Array(width).fill(`*a${i - 1}`).join(',')}]`)
        lines.push(`${where}: *a${levels}`)
        const text = lines.join('\n') + '\n'
        const parsed = parseYamlText(text, 'bomb.yaml')
        const expanded = width ** (levels + 1)
        if (expanded > 100_000) assert.ok(parsed.problems.length > 0, `${width}^${levels + 1} strings expanded without a problem`)
        await loadsOrRefuses(text, 'yaml')
      }),
      params(0xc0f3, 100),
    )
  })
})
