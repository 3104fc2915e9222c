// The stage cache (docs/aws-behaviour.md §8) driven through AWS's control plane with the unmodified AWS SDK:
// an API built with PutIntegration's cacheKeyParameters, a stage cache turned on by CreateDeployment and
// UpdateStage's `/*/*/caching/*` patch paths, FlushStageCache emptying it, and a rollback to an earlier
// deployment not serving what that deployment cached before — all against an upstream that counts its calls.

import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import {
  CreateDeploymentCommand,
  CreateResourceCommand,
  CreateRestApiCommand,
  FlushStageCacheCommand,
  GetStageCommand,
  PutIntegrationCommand,
  PutMethodCommand,
  UpdateStageCommand,
  type APIGatewayClient,
} from '@aws-sdk/client-api-gateway'
import { startGateway, startUpstream, type TestGateway, type Upstream } from '../helpers.js'
import { invoke, restClient, settle } from './control-plane.js'

describe('the stage cache through the AWS SDK', () => {
  let gw: TestGateway
  let client: APIGatewayClient
  let upstream: Upstream

  before(async () => {
    upstream = await startUpstream((req, res) => {
      const n = upstream.requests.length
      res.writeHead(200, { 'Content-Type': 'text/plain', 'X-Call': String(n) })
      res.end(`call ${n} for ${req.url}`)
    })
    gw = await startGateway({})
    client = restClient(gw.adminPort)
  })
  after(async () => {
    await gw.stop()
    await upstream.close()
  })

  it('caches per cacheKeyParameters once UpdateStage enables caching; FlushStageCache empties the stage; a rollback starts empty', async () => {
    const api = await client.send(new CreateRestApiCommand({ name: 'cached' }))
    const restApiId = api.id!
    const items = await client.send(new CreateResourceCommand({ restApiId, parentId: api.rootResourceId!, pathPart: 'items' }))
    await client.send(new PutMethodCommand({ restApiId, resourceId: items.id!, httpMethod: 'GET', authorizationType: 'NONE', requestParameters: { 'method.request.querystring.page': false } }))
    await client.send(
      new PutIntegrationCommand({
        restApiId,
        resourceId: items.id!,
        httpMethod: 'GET',
        type: 'HTTP_PROXY',
        integrationHttpMethod: 'GET',
        uri: `${upstream.url}/items`,
        cacheKeyParameters: ['method.request.querystring.page'],
      }),
    )
    const first = await client.send(new CreateDeploymentCommand({ restApiId, stageName: 'prod', cacheClusterEnabled: true, cacheClusterSize: '0.5' }))
    await settle(gw)
    // The stage cache is on, but no method has caching enabled yet.
    await invoke(gw, restApiId, '/prod/items?page=1')
    await invoke(gw, restApiId, '/prod/items?page=1')
    assert.equal(upstream.requests.length, 2)

    await client.send(
      new UpdateStageCommand({
        restApiId,
        stageName: 'prod',
        patchOperations: [
          { op: 'replace', path: '/*/*/caching/enabled', value: 'true' },
          { op: 'replace', path: '/*/*/caching/ttlInSeconds', value: '600' },
        ],
      }),
    )
    const stage = await client.send(new GetStageCommand({ restApiId, stageName: 'prod' }))
    assert.equal(stage.cacheClusterStatus, 'AVAILABLE')
    assert.equal(stage.methodSettings?.['*/*']?.cachingEnabled, true)
    await settle(gw)
    const miss = await invoke(gw, restApiId, '/prod/items?page=1')
    const hit = await invoke(gw, restApiId, '/prod/items?page=1&other=x')
    assert.equal(hit.text, miss.text)
    assert.equal(upstream.requests.length, 3)
    assert.equal((await invoke(gw, restApiId, '/prod/items?page=2')).text, 'call 4 for /items?page=2')

    await client.send(new FlushStageCacheCommand({ restApiId, stageName: 'prod' }))
    assert.equal((await invoke(gw, restApiId, '/prod/items?page=1')).text, 'call 5 for /items?page=1')
    assert.equal((await invoke(gw, restApiId, '/prod/items?page=1')).text, 'call 5 for /items?page=1')

    // A second deployment, then back to the first: neither serves what an earlier pointer cached.
    await client.send(new CreateDeploymentCommand({ restApiId, stageName: 'prod' }))
    await settle(gw)
    assert.equal((await invoke(gw, restApiId, '/prod/items?page=1')).text, 'call 6 for /items?page=1')
    await client.send(new UpdateStageCommand({ restApiId, stageName: 'prod', patchOperations: [{ op: 'replace', path: '/deploymentId', value: first.id! }] }))
    await settle(gw)
    assert.equal((await invoke(gw, restApiId, '/prod/items?page=1')).text, 'call 7 for /items?page=1')
    assert.equal(upstream.requests.length, 7)
  })
})
