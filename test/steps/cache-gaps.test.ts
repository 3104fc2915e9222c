// Two gaps of the REST stage cache closed (docs/caching.md, §8), on the in-memory cache through a real gateway:
// changing a stage's cacheClusterSize, or turning cacheClusterEnabled off and on, drops its entries (AWS
// recreates the cache), by a config-file reload or UpdateStage; other stage changes keep them. And a resource
// policy that allows or denies execute-api:InvalidateCache decides `Cache-Control: max-age=0`, for anonymous
// callers alone and for IAM callers combined with their identity policies (§7.7).

import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { SignatureV4 } from '@smithy/signature-v4'
import { Sha256 } from '@aws-crypto/sha256-js'
import { startGateway, startUpstream, tempDir, writeFile, type TestGateway, type TestResponse, type Upstream } from '../helpers.js'
import { CACHE_CONTROL_IGNORED_WARNING } from '../../src/steps/cache/index.js'
import { settle } from '../admin/control-plane.js'
import { adminClient } from '../admin/helpers.js'

const API_ID = 'cachegap01'
const REGION = 'us-east-1'
const ARN_PREFIX = `arn:aws:execute-api:${REGION}:000000000000:${API_ID}`
const ALICE = { accessKeyId: 'AKIDALICE00000000002', secretAccessKey: 'alice-secret' }
const BOB = { accessKeyId: 'AKIDBOB0000000000002', secretAccessKey: 'bob-secret' }
const now = Date.UTC(2030, 5, 1, 12, 0, 0)

let upstream: Upstream
let gw: TestGateway
let tmp: { dir: string; cleanup: () => void }

function apiDocument(): Record<string, unknown> {
  const proxy = (path: string) => ({ type: 'http_proxy', httpMethod: 'GET', uri: `${upstream.url}${path}` })
  const signed = (path: string) => ({ get: { security: [{ sigv4: [] }], 'x-amazon-apigateway-integration': proxy(path) } })
  return {
    openapi: '3.0.1',
    info: { title: 'cache-gaps', version: '1' },
    components: { securitySchemes: { sigv4: { type: 'apiKey', name: 'Authorization', in: 'header', 'x-amazon-apigateway-authtype': 'awsSigv4' } } },
    'x-amazon-apigateway-policy': {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: '*', Action: 'execute-api:Invoke', Resource: 'execute-api:/*' },
        { Effect: 'Allow', Principal: '*', Action: 'execute-api:InvalidateCache', Resource: ['execute-api:/*/GET/open', 'execute-api:/*/GET/signed-open'] },
        { Effect: 'Deny', Principal: '*', Action: 'execute-api:InvalidateCache', Resource: 'execute-api:/*/GET/signed-closed' },
      ],
    },
    paths: {
      '/plain': { get: { 'x-amazon-apigateway-integration': proxy('/plain') } },
      '/open': { get: { 'x-amazon-apigateway-integration': proxy('/open') } },
      '/shut': { get: { 'x-amazon-apigateway-integration': proxy('/shut') } },
      '/signed-open': signed('/signed-open'),
      '/signed-closed': signed('/signed-closed'),
    },
  }
}

/** The config: stages prod (the config file's) and ops (changed through the control plane), both cached. */
function config(prod: Record<string, unknown>): Record<string, unknown> {
  const cached = { cacheClusterEnabled: true, cacheClusterSize: '0.5', methodSettings: { '*/*': { cachingEnabled: true, cacheTtlInSeconds: 300 } } }
  const allowInvoke = { Effect: 'Allow', Action: 'execute-api:Invoke', Resource: `${ARN_PREFIX}/*` }
  return {
    apis: [{ id: API_ID, type: 'rest', openapi: './api.json', stages: { prod: { ...cached, ...prod }, ops: cached } }],
    identity: {
      region: REGION,
      credentials: [
        { ...ALICE, principalArn: 'arn:aws:iam::000000000000:user/alice', policies: [{ Version: '2012-10-17', Statement: [allowInvoke, { Effect: 'Allow', Action: 'execute-api:InvalidateCache', Resource: `${ARN_PREFIX}/*` }] }] },
        { ...BOB, principalArn: 'arn:aws:iam::000000000000:user/bob', policies: [{ Version: '2012-10-17', Statement: [allowInvoke] }] },
      ],
    },
  }
}

before(async () => {
  upstream = await startUpstream((req, res) => {
    const path = req.url!.split('?')[0]
    const n = upstream.requests.filter((r) => r.url.split('?')[0] === path).length
    res.writeHead(200, { 'Content-Type': 'text/plain', 'X-Call': String(n) })
    res.end(`call ${n}`)
  })
  tmp = tempDir('gatehouse-cache-gaps-')
  writeFile(tmp.dir, 'api.json', apiDocument())
  gw = await startGateway({ configFile: writeFile(tmp.dir, 'gatehouse.yaml', config({})) }, { now: () => now })
})

after(async () => {
  await gw?.stop()
  await upstream?.close()
  tmp?.cleanup()
})

const get = (path: string, headers: Record<string, string> = {}): Promise<TestResponse> => gw.fetch(path, { headers })
const call = async (path: string): Promise<string> => String((await get(path)).headers['x-call'])
const reload = async (prod: Record<string, unknown>): Promise<void> => {
  writeFile(tmp.dir, 'gatehouse.yaml', config(prod))
  assert.equal((await gw.gateway.reload()).problems, '')
}

test('a changed cacheClusterSize, or the cache turned off and on, drops the stage\'s entries (config file); other changes keep them', async () => {
  assert.equal(await call('/prod/plain'), '1')
  assert.equal(await call('/prod/plain'), '1', 'cached')

  await reload({ variables: { colour: 'blue' } })
  assert.equal(await call('/prod/plain'), '1', 'a stage variable change keeps the cache')

  await reload({ variables: { colour: 'blue' }, cacheClusterSize: '1.6' })
  assert.equal(await call('/prod/plain'), '2', 'the resized cache starts empty')
  assert.equal(await call('/prod/plain'), '2', 'and caches again')

  await reload({ variables: { colour: 'blue' }, cacheClusterSize: '1.6', cacheClusterEnabled: false })
  assert.equal(await call('/prod/plain'), '3', 'no cache')
  assert.equal(await call('/prod/plain'), '4')

  await reload({ variables: { colour: 'blue' }, cacheClusterSize: '1.6' })
  assert.equal(await call('/prod/plain'), '5', 'turned on again, the cache does not bring back what it held before')
  assert.equal(await call('/prod/plain'), '5')
})

test('UpdateStage /cacheClusterSize drops the stage\'s entries; /description does not', async () => {
  const admin = adminClient(gw.adminPort)
  const patch = async (path: string, value: string): Promise<void> => {
    const res = await admin('PATCH', `/restapis/${API_ID}/stages/ops`, { patchOperations: [{ op: 'replace', path, value }] })
    assert.equal(res.status, 200, res.text)
    await settle(gw)
  }
  const first = await call('/ops/plain')
  assert.equal(await call('/ops/plain'), first, 'cached')
  await patch('/description', 'kept')
  assert.equal(await call('/ops/plain'), first, 'a description change keeps the cache')
  await patch('/cacheClusterSize', '6.1')
  const resized = await call('/ops/plain')
  assert.notEqual(resized, first, 'the resized cache starts empty')
  assert.equal(await call('/ops/plain'), resized)
})

async function signedGet(path: string, key: typeof ALICE, headers: Record<string, string> = {}): Promise<TestResponse> {
  const signer = new SignatureV4({ service: 'execute-api', region: REGION, sha256: Sha256, credentials: key })
  const req = await signer.sign(
    { method: 'GET', protocol: 'http:', hostname: 'localhost', port: gw.port, path, query: {}, headers: { host: `localhost:${gw.port}`, ...headers } },
    { signingDate: new Date(now) },
  )
  return gw.fetch(path, { headers: req.headers })
}

test('a resource policy allowing execute-api:InvalidateCache lets an anonymous caller refresh the entry; elsewhere it is ignored with the Warning', async () => {
  assert.equal(await call('/prod/open'), '1')
  const refreshed = await get('/prod/open', { 'Cache-Control': 'max-age=0' })
  assert.equal(refreshed.headers['x-call'], '2', 'the integration was called')
  assert.equal(refreshed.headers['warning'], undefined)
  assert.equal(await call('/prod/open'), '2', 'and its response replaced the entry')

  assert.equal(await call('/prod/shut'), '1')
  const ignored = await get('/prod/shut', { 'Cache-Control': 'max-age=0' })
  assert.equal(ignored.headers['x-call'], '1', 'the policy says nothing about this method: the cached response')
  assert.equal(ignored.headers['warning'], CACHE_CONTROL_IGNORED_WARNING)
})

test('IAM callers: the resource policy\'s Allow suffices in the gateway\'s account, and its Deny wins over an identity policy\'s Allow', async () => {
  assert.equal((await signedGet('/prod/signed-open', BOB)).headers['x-call'], '1')
  const bob = await signedGet('/prod/signed-open', BOB, { 'cache-control': 'max-age=0' })
  assert.equal(bob.headers['x-call'], '2', 'BOB\'s identity policies only allow Invoke; the resource policy allows InvalidateCache')
  assert.equal(bob.headers['warning'], undefined)

  assert.equal((await signedGet('/prod/signed-closed', ALICE)).headers['x-call'], '1')
  const alice = await signedGet('/prod/signed-closed', ALICE, { 'cache-control': 'max-age=0' })
  assert.equal(alice.status, 200)
  assert.equal(alice.headers['x-call'], '1', 'ALICE may invalidate by her identity policies, but the resource policy denies it here')
  assert.equal(alice.headers['warning'], CACHE_CONTROL_IGNORED_WARNING)
})
