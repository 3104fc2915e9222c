// Canary releases on the data plane (§1.6): a REST stage whose canary runs another definition with stage
// variable overrides, declared in a config file. The split measured over hundreds of requests — exactly with a
// seeded random source, within binomial bounds that cannot flake with the real one; 0 % and 100 %;
// `$context.isCanaryRequest`, `deploymentId` and `stage` in templates, access logs and Lambda proxy events;
// metrics under the stage `{stage}/Canary` (§11.5); the canary's own cache entries, or the stage's with
// useStageCache, and FlushStageCache emptying both (§8).

import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { FlushStageCacheCommand } from '@aws-sdk/client-api-gateway'
import { startGateway, startUpstream, tempDir, writeFile, type TestGateway, type Upstream } from '../helpers.js'
import { restClient } from '../admin/control-plane.js'

/** mulberry32: a small seeded generator of numbers in [0, 1), so a test knows every draw in advance. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const TEMPLATE = (version: string): string =>
  `{"version": "${version}", "color": "$stageVariables.color", "tier": "$stageVariables.tier", "canary": "$context.isCanaryRequest", "deploymentId": "$context.deploymentId", "stage": "$context.stage"}`

/** The API as a definition; the canary's differs in the version its template prints and the backend path. */
export function definition(version: string, upstream: string): Record<string, unknown> {
  const mock = { type: 'mock', requestTemplates: { 'application/json': '{"statusCode": 200}' }, responses: { default: { statusCode: '200', responseTemplates: { 'application/json': TEMPLATE(version) } } } }
  return {
    openapi: '3.0.1',
    info: { title: 'shop', version: '1' },
    paths: {
      '/hello': { get: { 'x-amazon-apigateway-integration': mock } },
      '/cached': { get: { 'x-amazon-apigateway-integration': { type: 'http_proxy', httpMethod: 'GET', uri: `${upstream}/${version}` } } },
      '/fn': {
        get: {
          'x-amazon-apigateway-integration': {
            type: 'aws_proxy',
            httpMethod: 'POST',
            uri: 'arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:echo/invocations',
          },
        },
      },
    },
  }
}

const ECHO = `export const handler = async (event) => ({
  statusCode: 200,
  body: JSON.stringify({ stageVariables: event.stageVariables, deploymentId: event.requestContext.deploymentId, stage: event.requestContext.stage }),
})
`

const CACHED = { cacheClusterEnabled: true, methodSettings: { '*/*': { cachingEnabled: true, cacheTtlInSeconds: 300 } } }
const LOG_FORMAT = '$context.requestId stage=$context.stage canary=$context.isCanaryRequest deployment=$context.deploymentId'

describe('canary releases on the data plane', () => {
  let tmp: ReturnType<typeof tempDir>
  let gw: TestGateway
  let upstream: Upstream
  let hits = 0
  // The gateway's random source: each test puts the generator it needs here.
  let draw: () => number = Math.random

  before(async () => {
    tmp = tempDir('gatehouse-canary-')
    upstream = await startUpstream((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ backend: req.url, n: ++hits }))
    })
    writeFile(tmp.dir, 'echo.mjs', ECHO)
    writeFile(tmp.dir, 'v1.json', definition('v1', upstream.url))
    writeFile(tmp.dir, 'v2.json', definition('v2', upstream.url))
    const canary = { openapi: './v2.json', stageVariableOverrides: { color: 'green' } }
    const config = writeFile(tmp.dir, 'gatehouse.yaml', {
      apis: [
        {
          id: 'shop01',
          type: 'rest',
          openapi: './v1.json',
          stages: {
            dev: { variables: { color: 'blue', tier: 'gold' }, accessLogSettings: { format: LOG_FORMAT }, canarySettings: { ...canary, percentTraffic: 30 } },
            zero: { variables: { color: 'blue' }, canarySettings: { ...canary, percentTraffic: 0 } },
            all: { variables: { color: 'blue' }, canarySettings: { ...canary, percentTraffic: 100 } },
            own: { ...CACHED, canarySettings: { ...canary, percentTraffic: 50 } },
            shared: { ...CACHED, canarySettings: { ...canary, percentTraffic: 50, useStageCache: true } },
          },
        },
      ],
    })
    gw = await startGateway({ configFile: config, functionsDir: tmp.dir }, { random: () => draw() })
  })
  after(async () => {
    await gw.stop()
    await upstream.close()
    tmp.cleanup()
  })

  /** The stage's and its canary's deployment ids, as the plan serves them. */
  function deploymentIds(stage: string): { base: string; canary: string } {
    const plan = gw.gateway.plan!.apis.get('shop01')!.stages.get(stage)!
    return { base: plan.deploymentId, canary: plan.canary!.plan.deploymentId }
  }

  async function metric(stage: string): Promise<number> {
    const text = (await gw.admin('/metrics')).text
    const line = text.split('\n').find((l) => l.startsWith(`apigateway_Count{api_name="shop",api_id="shop01",stage="${stage}",method="GET",resource="/hello"} `))
    return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1))
  }

  it('sends exactly the requests the seeded draw picks to the canary, and counts them under dev/Canary', async () => {
    const N = 400
    const expect = seeded(42)
    const expected = Array.from({ length: N }, () => expect() * 100 < 30)
    const [baseBefore, canaryBefore] = [await metric('dev'), await metric('dev/Canary')]
    draw = seeded(42)
    const got: boolean[] = []
    for (let i = 0; i < N; i++) {
      const body = (await gw.fetch('/dev/hello')).json()
      // What a client sees on each side: the canary's definition and overrides, or the stage's.
      if (body.canary === 'true') assert.deepEqual([body.version, body.color, body.tier], ['v2', 'green', 'gold'])
      else assert.deepEqual([body.canary, body.version, body.color, body.tier], ['false', 'v1', 'blue', 'gold'])
      got.push(body.canary === 'true')
    }
    assert.deepEqual(got, expected)
    const canaries = expected.filter(Boolean).length
    assert.ok(canaries > 0 && canaries < N)
    assert.equal((await metric('dev/Canary')) - canaryBefore, canaries)
    assert.equal((await metric('dev')) - baseBefore, N - canaries)
  })

  it('with the real random source, the split stays within 6 sigma of 30 % over 600 requests', async () => {
    draw = Math.random
    const N = 600
    let canaries = 0
    for (let i = 0; i < N; i++) if ((await gw.fetch('/dev/hello')).json().canary === 'true') canaries++
    // Binomial(600, 0.3): mean 180, sigma 11.2; outside ±6 sigma happens about once in 500 million runs.
    const sigma = Math.sqrt(N * 0.3 * 0.7)
    assert.ok(Math.abs(canaries - N * 0.3) <= 6 * sigma, `${canaries} of ${N} went to the canary`)
  })

  it('0 % never reaches the canary and 100 % always does', async () => {
    draw = Math.random
    for (let i = 0; i < 200; i++) {
      assert.equal((await gw.fetch('/zero/hello')).json().version, 'v1')
      const all = (await gw.fetch('/all/hello')).json()
      assert.deepEqual([all.version, all.canary, all.color], ['v2', 'true', 'green'])
    }
  })

  it('$context.stage stays the stage name; deploymentId is the canary’s; both show in templates and the access log', async () => {
    const ids = deploymentIds('dev')
    assert.notEqual(ids.base, ids.canary)
    draw = () => 0
    const canary = await gw.fetch('/dev/hello')
    draw = () => 0.99
    const base = await gw.fetch('/dev/hello')
    assert.deepEqual([canary.json().stage, canary.json().deploymentId], ['dev', ids.canary])
    assert.deepEqual([base.json().stage, base.json().deploymentId], ['dev', ids.base])
    const line = (id: unknown): string | undefined => gw.accessLog.find((l) => l.startsWith(`${String(id)} `))
    assert.equal(line(canary.headers['x-amzn-requestid']), `${String(canary.headers['x-amzn-requestid'])} stage=dev canary=true deployment=${ids.canary}`)
    assert.equal(line(base.headers['x-amzn-requestid']), `${String(base.headers['x-amzn-requestid'])} stage=dev canary=false deployment=${ids.base}`)
  })

  it('a Lambda proxy event carries the canary’s stage variables and deployment id', async () => {
    const ids = deploymentIds('dev')
    draw = () => 0
    assert.deepEqual((await gw.fetch('/dev/fn')).json(), { stageVariables: { color: 'green', tier: 'gold' }, deploymentId: ids.canary, stage: 'dev' })
    draw = () => 0.99
    assert.deepEqual((await gw.fetch('/dev/fn')).json(), { stageVariables: { color: 'blue', tier: 'gold' }, deploymentId: ids.base, stage: 'dev' })
  })

  it('a canary on another deployment keeps its own cache entries; FlushStageCache empties both', async () => {
    const base = (): Promise<unknown> => ((draw = () => 0.99), gw.fetch('/own/cached').then((r) => r.json()))
    const canary = (): Promise<unknown> => ((draw = () => 0), gw.fetch('/own/cached').then((r) => r.json()))
    const b1 = (await base()) as { backend: string; n: number }
    assert.equal(b1.backend, '/v1')
    assert.deepEqual(await base(), b1)
    const c1 = (await canary()) as { backend: string; n: number }
    assert.equal(c1.backend, '/v2')
    assert.ok(c1.n > b1.n)
    assert.deepEqual(await canary(), c1)
    assert.deepEqual(await base(), b1)

    await restClient(gw.adminPort).send(new FlushStageCacheCommand({ restApiId: 'shop01', stageName: 'own' }))
    const b2 = (await base()) as { backend: string; n: number }
    const c2 = (await canary()) as { backend: string; n: number }
    assert.deepEqual([b2.backend, c2.backend], ['/v1', '/v2'])
    assert.ok(b2.n > c1.n && c2.n > b2.n, 'both were fetched again')
  })

  it('with useStageCache the canary is answered from the stage’s cache entries', async () => {
    draw = () => 0.99
    const b = (await gw.fetch('/shared/cached')).json()
    assert.equal(b.backend, '/v1')
    draw = () => 0
    // The canary's own backend would answer /v2: the stage's cached response comes back instead.
    assert.deepEqual((await gw.fetch('/shared/cached')).json(), b)
    assert.equal((await gw.fetch('/shared/hello')).json().version, 'v2')
  })

  it('a new deployment of the stage flushes the canary’s cache entries too', async () => {
    draw = () => 0
    const before = (await gw.fetch('/own/cached')).json()
    assert.deepEqual((await gw.fetch('/own/cached')).json(), before, 'cached')
    const ids = deploymentIds('own')
    writeFile(tmp.dir, 'v1.json', { ...definition('v1', upstream.url), info: { title: 'shop', version: '1', description: 'redeployed' } })
    assert.equal((await gw.gateway.reload()).ok, true)
    await gw.gateway.settled()
    assert.notEqual(deploymentIds('own').base, ids.base)
    assert.equal(deploymentIds('own').canary, ids.canary, 'the canary runs the same deployment')
    const after = (await gw.fetch('/own/cached')).json()
    assert.equal(after.backend, '/v2')
    assert.ok(after.n > before.n, 'fetched again, not served from the flushed cache')
  })
})
