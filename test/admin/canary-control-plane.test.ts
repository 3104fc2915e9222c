// Canary releases through AWS's control plane, driven by the unmodified AWS SDK, against what AWS answered
// in LocalStack's recorded canary tests (test_apigateway_canary.snapshot.json; the scenario names below are
// the recording's): a canary deployment at 0 % then 100 % serving its stage variable overrides
// (test_invoking_canary_deployment), promotion by copy operations (test_update_stage_with_copy_ops), a canary
// made by a stage patch and removed (test_create_canary_deployment_by_stage_update), and rollback by
// `remove /canarySettings`. Ids and dates, placeholders in the recording, are compared by role.

import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import {
  BadRequestException,
  CreateDeploymentCommand,
  CreateRestApiCommand,
  PutIntegrationCommand,
  PutIntegrationResponseCommand,
  PutMethodCommand,
  PutMethodResponseCommand,
  UpdateIntegrationResponseCommand,
  UpdateStageCommand,
  type APIGatewayClient,
  type Stage,
} from '@aws-sdk/client-api-gateway'
import { startGateway, type TestGateway } from '../helpers.js'
import { failure, invoke, restClient, settle } from './control-plane.js'

/** The response template of the recorded test, with its message. */
function template(message: string): string {
  return JSON.stringify({
    statusCode: 200,
    message,
    variable: '$stageVariables.testVar',
    nonExistingDefault: '$stageVariables.noStageVar',
    nonOverridden: '$stageVariables.defaultVar',
    isCanary: '$context.isCanaryRequest',
  })
}

/** The recorded fixture: an API whose root GET is a MOCK answering `template(message)`. */
async function createApi(client: APIGatewayClient, message: string): Promise<{ restApiId: string; rootId: string }> {
  const api = await client.send(new CreateRestApiCommand({ name: 'canary' }))
  const [restApiId, rootId] = [api.id!, api.rootResourceId!]
  await client.send(new PutMethodCommand({ restApiId, resourceId: rootId, httpMethod: 'GET', authorizationType: 'NONE' }))
  await client.send(new PutMethodResponseCommand({ restApiId, resourceId: rootId, httpMethod: 'GET', statusCode: '200' }))
  await client.send(new PutIntegrationCommand({ restApiId, resourceId: rootId, httpMethod: 'GET', type: 'MOCK', requestTemplates: { 'application/json': '{"statusCode": 200}' } }))
  await client.send(new PutIntegrationResponseCommand({ restApiId, resourceId: rootId, httpMethod: 'GET', statusCode: '200', selectionPattern: '', responseTemplates: { 'application/json': template(message) } }))
  return { restApiId, rootId }
}

async function setMessage(client: APIGatewayClient, restApiId: string, rootId: string, message: string): Promise<void> {
  await client.send(
    new UpdateIntegrationResponseCommand({
      restApiId,
      resourceId: rootId,
      httpMethod: 'GET',
      statusCode: '200',
      patchOperations: [{ op: 'replace', path: '/responseTemplates/application~1json', value: template(message) }],
    }),
  )
}

/** A stage as the recording shows it, without its dates. */
function shape(s: Stage): Record<string, unknown> {
  const { createdDate: _c, lastUpdatedDate: _l, $metadata: _m, ...rest } = s as Stage & { $metadata?: unknown }
  return rest
}

describe('canary releases through the AWS SDK', () => {
  let gw: TestGateway
  let client: APIGatewayClient

  before(async () => {
    gw = await startGateway({})
    client = restClient(gw.adminPort)
  })
  after(async () => {
    await gw.stop()
  })

  it('serves a canary deployment with its overrides at 100 %, promotes it with copy operations, and removes it (recorded)', async () => {
    const { restApiId, rootId } = await createApi(client, 'default deployment')
    const d1 = await client.send(new CreateDeploymentCommand({ restApiId, stageName: 'dev', variables: { testVar: 'default', defaultVar: 'default' } }))
    await setMessage(client, restApiId, rootId, 'canary deployment')
    const d2 = await client.send(new CreateDeploymentCommand({ restApiId, stageName: 'dev', canarySettings: { percentTraffic: 0, stageVariableOverrides: { testVar: 'canary', noStageVar: 'canary' } } }))
    await settle(gw)
    // response-deployment-1
    assert.deepEqual((await invoke(gw, restApiId, '/dev/')).json(), { statusCode: 200, message: 'default deployment', variable: 'default', nonExistingDefault: '', nonOverridden: 'default', isCanary: 'false' })

    // update-stage
    const updated = await client.send(new UpdateStageCommand({ restApiId, stageName: 'dev', patchOperations: [{ op: 'replace', path: '/canarySettings/percentTraffic', value: '100.0' }] }))
    assert.deepEqual(shape(updated), {
      cacheClusterEnabled: false,
      cacheClusterStatus: 'NOT_AVAILABLE',
      canarySettings: { deploymentId: d2.id, percentTraffic: 100, stageVariableOverrides: { noStageVar: 'canary', testVar: 'canary' }, useStageCache: false },
      deploymentId: d1.id,
      methodSettings: {},
      stageName: 'dev',
      tracingEnabled: false,
      variables: { defaultVar: 'default', testVar: 'default' },
    })
    await settle(gw)
    // response-canary-deployment
    assert.deepEqual((await invoke(gw, restApiId, '/dev/')).json(), { statusCode: 200, message: 'canary deployment', variable: 'canary', nonExistingDefault: 'canary', nonOverridden: 'default', isCanary: 'true' })

    // Promotion as AWS documents and records it (update-stage-with-copy-2): the canary stays, at 0 %.
    const promoted = await client.send(
      new UpdateStageCommand({
        restApiId,
        stageName: 'dev',
        patchOperations: [
          { op: 'replace', value: '0.0', path: '/canarySettings/percentTraffic' },
          { op: 'copy', from: '/canarySettings/deploymentId', path: '/deploymentId' },
          { op: 'copy', from: '/canarySettings/stageVariableOverrides', path: '/variables' },
        ],
      }),
    )
    assert.deepEqual(shape(promoted), {
      cacheClusterEnabled: false,
      cacheClusterStatus: 'NOT_AVAILABLE',
      canarySettings: { deploymentId: d2.id, percentTraffic: 0, stageVariableOverrides: { noStageVar: 'canary', testVar: 'canary' }, useStageCache: false },
      deploymentId: d2.id,
      methodSettings: {},
      stageName: 'dev',
      tracingEnabled: false,
      variables: { defaultVar: 'default', noStageVar: 'canary', testVar: 'canary' },
    })
    await settle(gw)
    const served = { statusCode: 200, message: 'canary deployment', variable: 'canary', nonExistingDefault: 'canary', nonOverridden: 'default', isCanary: 'false' }
    assert.deepEqual((await invoke(gw, restApiId, '/dev/')).json(), served)

    // update-stage-remove-canary-settings: the stage as it was, without canarySettings.
    const removed = await client.send(new UpdateStageCommand({ restApiId, stageName: 'dev', patchOperations: [{ op: 'remove', path: '/canarySettings' }] }))
    assert.equal(removed.canarySettings, undefined)
    assert.equal(removed.deploymentId, d2.id)
    await settle(gw)
    assert.deepEqual((await invoke(gw, restApiId, '/dev/')).json(), served)
  })

  it('rolls a canary back with remove /canarySettings: the stage’s deployment serves every request again', async () => {
    const { restApiId, rootId } = await createApi(client, 'stable')
    const d1 = await client.send(new CreateDeploymentCommand({ restApiId, stageName: 'prod', variables: { testVar: 'default' } }))
    await setMessage(client, restApiId, rootId, 'risky')
    await client.send(new CreateDeploymentCommand({ restApiId, stageName: 'prod', canarySettings: { percentTraffic: 100, stageVariableOverrides: { testVar: 'canary' } } }))
    await settle(gw)
    assert.deepEqual(
      [(await invoke(gw, restApiId, '/prod/')).json()].map((b) => [b.message, b.variable, b.isCanary]),
      [['risky', 'canary', 'true']],
    )
    const rolledBack = await client.send(new UpdateStageCommand({ restApiId, stageName: 'prod', patchOperations: [{ op: 'remove', path: '/canarySettings' }] }))
    assert.equal(rolledBack.canarySettings, undefined)
    assert.equal(rolledBack.deploymentId, d1.id)
    await settle(gw)
    const b = (await invoke(gw, restApiId, '/prod/')).json()
    assert.deepEqual([b.message, b.variable, b.isCanary], ['stable', 'default', 'false'])
  })

  it('refuses copy operations as AWS does, and makes a canary from a stage patch (recorded)', async () => {
    const { restApiId } = await createApi(client, 'x')
    const d1 = await client.send(new CreateDeploymentCommand({ restApiId, stageName: 'dev', variables: { testVar: 'test', testVar2: 'test2' } }))
    // copy-with-bad-statement
    const bad = await failure(
      client.send(
        new UpdateStageCommand({
          restApiId,
          stageName: 'dev',
          patchOperations: [
            { op: 'copy', path: '/canarySettings/stageVariableOverrides', from: '/variables' },
            { op: 'copy', path: '/canarySettings/deploymentId', from: '/deploymentId' },
          ],
        }),
      ),
    )
    assert.ok(bad.error instanceof BadRequestException)
    assert.equal(
      bad.message,
      'Invalid copy operation with path: /canarySettings/stageVariableOverrides and from /variables. Valid copy:path are [/deploymentId, /variables] and valid copy:from are [/canarySettings/deploymentId, /canarySettings/stageVariableOverrides]',
    )
    // copy-with-no-replace
    const none = await failure(
      client.send(
        new UpdateStageCommand({
          restApiId,
          stageName: 'dev',
          patchOperations: [
            { op: 'copy', from: '/canarySettings/stageVariableOverrides', path: '/variables' },
            { op: 'copy', from: '/canarySettings/deploymentId', path: '/deploymentId' },
          ],
        }),
      ),
    )
    assert.ok(none.error instanceof BadRequestException)
    assert.equal(none.message, 'Promotion not available. Canary does not exist.')
    // update-stage-with-copy: the replace makes a canary on the stage's deployment, the copies change nothing.
    const copied = await client.send(
      new UpdateStageCommand({
        restApiId,
        stageName: 'dev',
        patchOperations: [
          { op: 'replace', value: '0.0', path: '/canarySettings/percentTraffic' },
          { op: 'copy', from: '/canarySettings/deploymentId', path: '/deploymentId' },
          { op: 'copy', from: '/canarySettings/stageVariableOverrides', path: '/variables' },
        ],
      }),
    )
    assert.deepEqual(copied.canarySettings, { deploymentId: d1.id, percentTraffic: 0, useStageCache: false })
    assert.deepEqual([copied.deploymentId, copied.variables], [d1.id, { testVar: 'test', testVar2: 'test2' }])

    // test_create_canary_deployment_by_stage_update: update-stage-with-deployment, remove-stage-canary, update-stage-with-percent
    const d2 = await client.send(new CreateDeploymentCommand({ restApiId }))
    await client.send(new UpdateStageCommand({ restApiId, stageName: 'dev', patchOperations: [{ op: 'remove', path: '/canarySettings' }] }))
    const withDeployment = await client.send(new UpdateStageCommand({ restApiId, stageName: 'dev', patchOperations: [{ op: 'replace', path: '/canarySettings/deploymentId', value: d2.id! }] }))
    assert.deepEqual(withDeployment.canarySettings, { deploymentId: d2.id, percentTraffic: 0, useStageCache: false })
    const removed = await client.send(new UpdateStageCommand({ restApiId, stageName: 'dev', patchOperations: [{ op: 'remove', path: '/canarySettings' }] }))
    assert.equal(removed.canarySettings, undefined)
    const withPercent = await client.send(new UpdateStageCommand({ restApiId, stageName: 'dev', patchOperations: [{ op: 'replace', path: '/canarySettings/percentTraffic', value: '50' }] }))
    assert.deepEqual(withPercent.canarySettings, { deploymentId: d1.id, percentTraffic: 50, useStageCache: false })
  })
})
