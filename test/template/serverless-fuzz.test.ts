// Fuzzing the serverless.yml reader: generated services (the documented shape with random values, and arbitrary
// JSON) and strings full of `${…}` variables never make readServerlessYml throw, stall or answer a problem
// without the file and a path. Fixed seeds, bounded runs; FUZZ_SEED / FUZZ_RUNS explore further.

import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { readServerlessYml } from '../../src/controlplane/template/serverless.js'
import { HELLO_JS, serviceDir, type ServiceDir } from './serverless-helpers.js'

const SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED)
const RUNS = Number(process.env.FUZZ_RUNS ?? 1)
const params = (seed: number, runs: number) => ({ seed: SEED ?? seed, numRuns: runs * RUNS })

const anyJson = fc.jsonValue({ maxDepth: 3 })
const or = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<unknown> => fc.oneof({ weight: 4, arbitrary: arb }, { weight: 1, arbitrary: anyJson })
const record = <T extends Record<string, fc.Arbitrary<unknown>>>(fields: T) => fc.record(fields, { requiredKeys: [] })
const variable = fc
  .array(fc.constantFrom('${', '}', 'self:', 'custom.a', 'custom.b', 'opt:stage', 'sls:stage', 'env:HOME', 'env:NOPE', ', ', "'x'", 'file(./nope.yml)', 'file(./v.yml):k', 'param:p', 'aws:region', 'ssm:/x', '.', 'text'), { maxLength: 12 })
  .map((parts) => parts.join(''))
const event = or(
  fc.oneof(
    record({ http: or(fc.oneof(fc.constantFrom('GET hello', 'POST a/{id}', 'bad'), record({ path: or(fc.constantFrom('x', '/{proxy+}', '')), method: or(fc.constantFrom('get', 'ANY', 'nope')), cors: or(fc.boolean()), private: or(fc.boolean()), authorizer: or(fc.constantFrom('hello', 'aws_iam', 'arn:aws:cognito-idp:us-east-1:123456789012:userpool/x')), integration: or(fc.constantFrom('lambda', 'mock', 'http')) }))) }),
    record({ httpApi: or(fc.oneof(fc.constantFrom('*', 'GET /x', 'bad'), record({ path: or(fc.constantFrom('/x', '*')), method: or(fc.constantFrom('get', '*')), authorizer: anyJson }))) }),
    record({ websocket: or(fc.constantFrom('$connect', '')) }),
  ),
)
const service = record({
  service: or(fc.oneof(fc.constantFrom('svc', ''), variable)),
  provider: or(record({ name: or(fc.constant('aws')), runtime: or(fc.constantFrom('nodejs20.x', 'python3.12')), stage: or(variable), environment: or(fc.dictionary(fc.constantFrom('A', 'b-c', 'AWS_REGION'), or(variable), { maxKeys: 3 })), apiGateway: or(record({ apiKeys: anyJson, usagePlan: anyJson })), httpApi: or(record({ cors: anyJson, authorizers: anyJson })) })),
  custom: or(record({ a: or(variable), b: or(variable) })),
  functions: or(fc.dictionary(fc.constantFrom('hello', 'other', '__proto__'), or(record({ handler: or(fc.constantFrom('handler.hello', 'nope.x', 'x')), name: or(variable), timeout: anyJson, events: or(fc.array(event, { maxLength: 4 })) })), { maxKeys: 2 })),
  resources: anyJson,
})

describe('serverless.yml reader fuzz', () => {
  let svc: ServiceDir
  before(() => {
    svc = serviceDir({ 'handler.js': HELLO_JS, 'v.yml': 'k: ${self:custom.a}\n' })
  })
  after(() => svc.cleanup())

  const check = async (doc: unknown): Promise<void> => {
    const result = await readServerlessYml(doc, { file: 'serverless.yml', dir: svc.dir, parameterOverrides: {} })
    for (const p of [...result.problems, ...result.warnings]) {
      assert.equal(p.file, 'serverless.yml')
      assert.equal(typeof p.path, 'string')
      assert.ok(p.path === '' || p.path.startsWith('/'), p.path)
      assert.ok(p.message.length > 0)
    }
    if (result.problems.length === 0) assert.ok(result.config)
  }

  it('generated services: problems with paths, never an exception', async () => {
    await fc.assert(fc.asyncProperty(service, check), params(20251205, 200))
  })

  it('arbitrary JSON documents', async () => {
    await fc.assert(fc.asyncProperty(anyJson, check), params(7, 200))
  })
})
