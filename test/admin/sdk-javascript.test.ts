// GetSdk for `javascript` through the real AWS SDK: the archive AWS's shape has (apiGateway-js-sdk/ with
// apigClient.js, README.md, lib/), loaded script by script in the order its README gives into a fresh
// JavaScript realm that has only what a browser has (fetch, crypto, URL, TextEncoder), then used against the
// running stage: path, query and header parameters, an API key method (403 without the key, 200 with it), an
// AWS_IAM method signed with SigV4 through Web Crypto, and a resource path that is no identifier.
// GetSdkTypes and GetSdkType shapes; unknown SDK types and a missing API or stage by exception name.

import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import vm from 'node:vm'
import { BadRequestException, GetSdkCommand, GetSdkTypeCommand, GetSdkTypesCommand, NotFoundException } from '@aws-sdk/client-api-gateway'
import { readZip } from '../../src/controlplane/sdk/zip.js'
import { failure } from './control-plane.js'
import { IAM_KEY, IAM_USER, STAGE, startSdkFixture, type SdkFixture } from './sdk-fixture.js'

interface AxiosLike {
  status: number
  headers: Record<string, string>
  data: unknown
}
type Method = (params?: Record<string, unknown>, body?: unknown, additional?: { headers?: Record<string, string>; queryParams?: Record<string, string> }) => Promise<AxiosLike>
type ApigClient = Record<string, Method>

/** A value of the SDK's realm as a plain value of this one (deepStrictEqual compares prototypes). */
const plain = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T

/** What a failed call rejected with: axios's shape, the response under `.response`. */
async function rejection(p: Promise<unknown>): Promise<AxiosLike> {
  try {
    await p
  } catch (err) {
    const response = (err as { response?: AxiosLike }).response
    assert.ok(response, `a rejection with a response, got ${String(err)}`)
    return response
  }
  assert.fail('the call succeeded')
}

describe('GetSdk javascript', () => {
  let fx: SdkFixture
  let files: Map<string, Buffer>
  let newClient: (config?: Record<string, unknown>) => ApigClient
  let disposition: string | undefined

  before(async () => {
    fx = await startSdkFixture()
    const sdk = await fx.sdk('javascript')
    assert.equal(sdk.contentType, 'application/zip')
    disposition = sdk.contentDisposition
    files = readZip(sdk.body)
    // The README's script tags, in order, are what a page loads.
    const readme = files.get('apiGateway-js-sdk/README.md')!.toString('utf8')
    const scripts = [...readme.matchAll(/<script type="text\/javascript" src="([^"]+)"><\/script>/g)].map((m) => m[1]!)
    assert.equal(scripts.at(-1), 'apigClient.js')
    const realm = vm.createContext({ fetch, crypto: globalThis.crypto, URL, TextEncoder, console })
    for (const src of scripts) {
      const code = files.get(`apiGateway-js-sdk/${src}`)
      assert.ok(code, `${src} is in the archive`)
      vm.runInContext(code.toString('utf8'), realm, { filename: src })
    }
    newClient = (config) => vm.runInContext('apigClientFactory', realm).newClient(config) as ApigClient
  })
  after(async () => {
    await fx?.stop()
  })

  it("has AWS's layout and a zip name with the type", () => {
    for (const name of [
      'apiGateway-js-sdk/apigClient.js',
      'apiGateway-js-sdk/README.md',
      'apiGateway-js-sdk/lib/apiGatewayCore/apiGatewayClient.js',
      'apiGateway-js-sdk/lib/apiGatewayCore/sigV4Client.js',
      'apiGateway-js-sdk/lib/apiGatewayCore/simpleHttpClient.js',
      'apiGateway-js-sdk/lib/apiGatewayCore/utils.js',
      'apiGateway-js-sdk/lib/url-template/url-template.js',
    ]) {
      assert.ok(files.has(name), name)
    }
    assert.ok([...files.keys()].every((n) => n.startsWith('apiGateway-js-sdk/')))
    assert.match(disposition ?? '', /^attachment; filename="javascript_\d{4}-\d\d-\d\d_\d\d-\d\dutc\.zip"$/)
  })

  it("names the methods as AWS does and calls the stage with path, query and header parameters", async () => {
    const client = newClient()
    assert.deepEqual(Object.keys(client).sort(), ['aBCDXYZGet', 'petsGet', 'petsPetIdGet', 'petsPost', 'secureGet'])

    const list = await client.petsGet!({ type: 'dog cat' }, undefined, { queryParams: { page: '2' } })
    assert.equal(list.status, 200)
    const listed = plain(list.data) as { method: string; url: string }
    assert.equal(listed.method, 'GET')
    const url = new URL(listed.url, 'http://upstream')
    assert.equal(url.pathname, '/pets')
    assert.equal(url.searchParams.get('type'), 'dog cat')
    assert.equal(url.searchParams.get('page'), '2')

    const one = await client.petsPetIdGet!({ petId: 'a/b c', 'x-trace-id': 'trace-1' })
    const got = plain(one.data) as { url: string; headers: Record<string, string> }
    assert.equal(got.url, '/pets/a%2Fb%20c')
    assert.equal(got.headers['x-trace-id'], 'trace-1')

    assert.throws(() => client.petsPetIdGet!({ petId: '1' }), /x-trace-id must be defined/)
  })

  it('sends the API key: 403 without it, 200 with it (the body as JSON)', async () => {
    const denied = await rejection(newClient().petsPost!({}, { name: 'rex' }))
    assert.equal(denied.status, 403)
    assert.deepEqual(plain(denied.data), { message: 'Forbidden' })

    const created = await newClient({ apiKey: fx.apiKey }).petsPost!({}, { name: 'rex', kind: 'dog' })
    assert.equal(created.status, 200)
    const echoed = plain(created.data) as { method: string; body: string; headers: Record<string, string> }
    assert.equal(echoed.method, 'POST')
    assert.deepEqual(JSON.parse(echoed.body), { name: 'rex', kind: 'dog' })
    assert.equal(echoed.headers['content-type'], 'application/json')
  })

  it('signs with SigV4 (Web Crypto) for an AWS_IAM method; unsigned and wrongly signed calls are refused', async () => {
    const unsigned = await rejection(newClient().secureGet!({}))
    assert.equal(unsigned.status, 403)
    assert.deepEqual(plain(unsigned.data), { message: 'Missing Authentication Token' })

    const signed = await newClient({ accessKey: IAM_KEY.accessKeyId, secretKey: IAM_KEY.secretAccessKey, region: 'us-east-1' }).secureGet!({}, undefined, { queryParams: { b: '2', a: 'x y' } })
    assert.equal(signed.status, 200)
    assert.deepEqual(plain(signed.data), { caller: IAM_USER })

    const wrong = await rejection(newClient({ accessKey: IAM_KEY.accessKeyId, secretKey: 'not-the-secret', region: 'us-east-1' }).secureGet!({}))
    assert.equal(wrong.status, 403)
    assert.match(String((plain(wrong.data) as { message: string }).message), /signature we calculated does not match/)
  })

  it('escapes parameters of a path that is no identifier (/a-b/{c.d}/x,y:z)', async () => {
    const res = await newClient().aBCDXYZGet!({ 'c.d': 'v1.2' })
    assert.equal(res.status, 200)
    assert.deepEqual(plain(res.data), { resource: '/a-b/{c.d}/x,y:z', c: 'v1.2' })
  })

  it('takes the invokeUrl parameter (and config.invokeUrl) for the URL the client calls', async () => {
    const other = readZip((await fx.sdk('javascript', { invokeUrl: 'https://api.example.com/v1/' })).body)
    const code = other.get('apiGateway-js-sdk/apigClient.js')!.toString('utf8')
    assert.ok(code.includes('"https://api.example.com/v1"'))
    const res = await newClient({ invokeUrl: `http://127.0.0.1:${fx.gw.port}/restapis/${fx.apiId}/${STAGE}/_user_request_/` }).petsGet!({})
    assert.equal(res.status, 200)
    const bad = await failure(fx.sdk('javascript', { invokeUrl: 'ftp://x' }))
    assert.equal(bad.name, 'BadRequestException')
  })

  it('lists the SDK types and answers errors by exception name', async () => {
    const types = await fx.client.send(new GetSdkTypesCommand({}))
    assert.deepEqual(types.items?.map((t) => t.id), ['javascript', 'typescript'])
    const js = await fx.client.send(new GetSdkTypeCommand({ id: 'javascript' }))
    assert.equal(js.friendlyName, 'JavaScript')
    assert.ok(Array.isArray(js.configurationProperties))
    assert.equal((await failure(fx.client.send(new GetSdkTypeCommand({ id: 'cobol' })))).name, 'NotFoundException')

    const java = await failure(fx.client.send(new GetSdkCommand({ restApiId: fx.apiId, stageName: STAGE, sdkType: 'java', parameters: { 'service.name': 'x' } })))
    assert.ok(java.error instanceof BadRequestException)
    assert.equal(java.status, 400)
    const unknown = await failure(fx.client.send(new GetSdkCommand({ restApiId: fx.apiId, stageName: STAGE, sdkType: 'cobol' })))
    assert.ok(unknown.error instanceof BadRequestException)
    const noStage = await failure(fx.client.send(new GetSdkCommand({ restApiId: fx.apiId, stageName: 'nope', sdkType: 'javascript' })))
    assert.ok(noStage.error instanceof NotFoundException)
    assert.equal(noStage.message, 'Invalid Stage identifier specified')
    const noApi = await failure(fx.client.send(new GetSdkCommand({ restApiId: 'missing000', stageName: STAGE, sdkType: 'javascript' })))
    assert.ok(noApi.error instanceof NotFoundException)
    assert.equal(noApi.message, 'Invalid API identifier specified 000000000000:missing000')
  })
})
