// loadDesiredState on good sources: config files (APIs by file and inline, REST and HTTP, several stages,
// $default), CLI flags, overrides, canaries, stable ids and deployment ids.

import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { writeFile } from 'node:fs/promises'
import { loadDesiredState } from '../../src/controlplane/config/desired.js'
import type { Sources } from '../../src/controlplane/config/desired.js'
import { stableId } from '../../src/model/ids.js'
import type { RestApi, HttpApi } from '../../src/model/types.js'
import { ORDERS_HTTP, PETSTORE_REST, ordersDefinition, tempDir } from './helpers.js'
import type { TempDir } from './helpers.js'

const clock = (iso: string) => () => new Date(iso)

function sources(over: Partial<Sources>): Sources {
  return { restApis: [], httpApis: [], stageVariables: {}, ...over }
}

describe('loadDesiredState: config files', () => {
  let tmp: TempDir
  before(async () => {
    tmp = await tempDir()
    await tmp.write('apis/petstore.yaml', PETSTORE_REST)
  })
  after(() => tmp.remove())

  it('loads a REST API from a file and an HTTP API inline, with several stages and $default', async () => {
    const config = await tmp.write(
      'conf/gatehouse.json',
      JSON.stringify({
        listeners: { http: { port: 8080, host: '0.0.0.0' }, admin: { port: 9090 } },
        dataDir: './state',
        logging: { level: 'debug' },
        defaultApi: 'petstore',
        apis: [
          {
            type: 'rest',
            openapi: '../apis/petstore.yaml',
            stages: {
              dev: { variables: { backend: '127.0.0.1:3000' }, description: 'development' },
              prod: {
                variables: { backend: 'pets.internal:80' },
                methodSettings: { '*/*': { throttlingRateLimit: 100, throttlingBurstLimit: 50 } },
                accessLogSettings: { format: '$context.requestId $context.status' },
              },
            },
          },
          { type: 'http', name: 'orders-api', definition: ordersDefinition(), stages: { $default: {}, beta: { variables: { v: '2' } } } },
        ],
      }),
    )
    const state = await loadDesiredState(sources({ configFile: config, now: clock('2024-05-01T10:00:00Z') }))

    const rest = state.apis.find((a) => a.kind === 'REST') as RestApi
    const http = state.apis.find((a) => a.kind === 'HTTP') as HttpApi
    assert.equal(rest.name, 'petstore')
    assert.equal(rest.id, stableId('rest:petstore', 10))
    assert.equal(http.name, 'orders-api', 'the config name overrides info.title')
    assert.equal(http.id, stableId('http:orders-api', 10))
    assert.ok(Object.values(rest.resources).some((r) => r.path === '/pets/{petId}'))

    const ids = state.stages.map((s) => `${s.apiId}/${s.stageName}`).sort()
    assert.deepEqual(ids, [`${http.id}/$default`, `${http.id}/beta`, `${rest.id}/dev`, `${rest.id}/prod`].sort())
    const prod = state.stages.find((s) => s.stageName === 'prod')!
    assert.deepEqual(prod.variables, { backend: 'pets.internal:80' })
    assert.deepEqual(prod.methodSettings, { '*/*': { throttlingRateLimit: 100, throttlingBurstLimit: 50 } }, 'kept as declared, no AWS defaults filled in')
    assert.equal(prod.accessLogSettings?.format, '$context.requestId $context.status')
    assert.equal(state.stages.find((s) => s.stageName === 'dev')!.description, 'development')

    assert.equal(state.deployments.length, 2)
    for (const stage of state.stages) {
      const deployment = state.deployments.find((d) => d.id === stage.deploymentId)
      assert.ok(deployment, `stage ${stage.stageName} points at a deployment that exists`)
      assert.equal(deployment.apiId, stage.apiId)
      assert.equal(deployment.snapshot.id, stage.apiId)
      assert.equal(stage.createdDate, '2024-05-01T10:00:00.000Z')
    }

    assert.deepEqual(state.listeners, { http: { port: 8080, host: '0.0.0.0' }, admin: { port: 9090 } })
    assert.equal(state.dataDir, join(tmp.dir, 'conf/state'), 'dataDir is relative to the config file')
    assert.deepEqual(state.logging, { level: 'debug', accessLogs: true })
    assert.equal(state.settings.defaultApiId, rest.id)
    assert.deepEqual(state.files.sort(), [config, join(tmp.dir, 'apis/petstore.yaml')].sort())
  })

  it('reads YAML config files; APIs without stages get the --stage stage; --stage-variable wins everywhere', async () => {
    const config = await tmp.write(
      'gatehouse.yaml',
      `listeners:
  http: { tls: { cert: certs/server.crt, key: certs/server.key } }
apis:
  - type: rest
    openapi: apis/petstore.yaml
  - type: http
    definition:
      openapi: 3.0.1
      info: { title: orders, version: '1' }
      x-amazon-apigateway-importexport-version: '1.0'
      paths:
        /orders:
          get:
            x-amazon-apigateway-integration: { type: http_proxy, httpMethod: GET, uri: 'http://127.0.0.1:3000/orders', payloadFormatVersion: '1.0' }
    stages:
      live:
        variables: { backend: 'a.example:80', port: 8080, keep: yes }
`,
    )
    const state = await loadDesiredState(sources({ configFile: config, stage: 'test', stageVariables: { backend: 'localhost:4000' } }))
    const rest = state.apis.find((a) => a.kind === 'REST')!
    const restStages = state.stages.filter((s) => s.apiId === rest.id)
    assert.deepEqual(restStages.map((s) => s.stageName), ['test'])
    assert.deepEqual(restStages[0]!.variables, { backend: 'localhost:4000' })
    const live = state.stages.find((s) => s.stageName === 'live')!
    assert.deepEqual(live.variables, { backend: 'localhost:4000', port: '8080', keep: 'yes' }, 'YAML numbers become strings; the CLI value wins')
    assert.deepEqual(state.logging, { level: 'info', accessLogs: true })
    assert.deepEqual(state.listeners, { http: { tls: { cert: join(tmp.dir, 'certs/server.crt'), key: join(tmp.dir, 'certs/server.key') } } }, 'TLS files are relative to the config file')
  })

  it('applies binaryMediaTypes, gatewayResponses and cors overrides over the document', async () => {
    await tmp.write(
      'gr/api.yaml',
      PETSTORE_REST +
        `x-amazon-apigateway-binary-media-types: [image/gif]
x-amazon-apigateway-gateway-responses:
  DEFAULT_5XX:
    statusCode: '503'
  UNAUTHORIZED:
    responseTemplates:
      application/json: '{"doc":true}'
`,
    )
    const config = await tmp.write(
      'gr/gatehouse.yaml',
      `apis:
  - type: rest
    openapi: api.yaml
    binaryMediaTypes: [image/png]
    gatewayResponses:
      UNAUTHORIZED:
        statusCode: 401
        responseParameters:
          gatewayresponse.header.Access-Control-Allow-Origin: "'*'"
        responseTemplates:
          application/json: '{"message":$context.error.messageString}'
  - type: http
    definition: ${JSON.stringify({ ...ordersDefinition(), 'x-amazon-apigateway-cors': { allowOrigins: ['https://doc.example'] } })}
    cors: { allowOrigins: ['https://app.example'], maxAge: 600 }
`,
    )
    const state = await loadDesiredState(sources({ configFile: config }))
    const rest = state.apis.find((a) => a.kind === 'REST') as RestApi
    assert.deepEqual(rest.binaryMediaTypes, ['image/png'])
    assert.equal(rest.gatewayResponses.DEFAULT_5XX?.statusCode, '503', 'types the config does not name are kept')
    assert.deepEqual(rest.gatewayResponses.UNAUTHORIZED, {
      responseType: 'UNAUTHORIZED',
      statusCode: '401',
      responseParameters: { 'gatewayresponse.header.Access-Control-Allow-Origin': "'*'" },
      responseTemplates: { 'application/json': '{"message":$context.error.messageString}' },
    })
    const http = state.apis.find((a) => a.kind === 'HTTP') as HttpApi
    assert.deepEqual(http.corsConfiguration, { allowOrigins: ['https://app.example'], maxAge: 600 })
    const deployed = state.deployments.find((d) => d.apiId === rest.id)!.snapshot as RestApi
    assert.deepEqual(deployed.binaryMediaTypes, ['image/png'], 'the deployment snapshots the API with its overrides')
  })

  it('gives a canary the stage deployment, or its own when it names another definition', async () => {
    await tmp.write('canary/v2.yaml', PETSTORE_REST.replace('/pets/{petId}', '/pets/{petId}/toys'))
    const config = await tmp.write(
      'canary/gatehouse.yaml',
      `apis:
  - type: rest
    openapi: ../apis/petstore.yaml
    stages:
      prod:
        variables: { backend: 'v1.internal' }
        canarySettings: { percentTraffic: 10, stageVariableOverrides: { backend: 'v2.internal' } }
      beta:
        canarySettings: { percentTraffic: 50, openapi: v2.yaml, useStageCache: true }
`,
    )
    const state = await loadDesiredState(sources({ configFile: config }))
    const prod = state.stages.find((s) => s.stageName === 'prod')!
    const beta = state.stages.find((s) => s.stageName === 'beta')!
    assert.deepEqual(prod.canarySettings, { percentTraffic: 10, deploymentId: prod.deploymentId, stageVariableOverrides: { backend: 'v2.internal' }, useStageCache: false })
    assert.equal(beta.deploymentId, prod.deploymentId)
    assert.notEqual(beta.canarySettings?.deploymentId, beta.deploymentId)
    assert.equal(beta.canarySettings?.percentTraffic, 50)
    const canary = state.deployments.find((d) => d.id === beta.canarySettings?.deploymentId)
    assert.ok(canary, 'the canary deployment is part of the desired state')
    assert.equal(canary.apiId, beta.apiId)
    assert.ok(Object.values((canary.snapshot as RestApi).resources).some((r) => r.path === '/pets/{petId}/toys'))
    assert.ok(state.files.includes(join(tmp.dir, 'canary/v2.yaml')))
  })

  it('passes function declarations through with module paths resolved, and resolves functionsDir', async () => {
    const config = await tmp.write(
      'fn/gatehouse.yaml',
      `functionsDir: ./functions
functions:
  - name: hello
    module: ./functions/hello.mjs
    handler: handler
    timeout: 10
    memorySize: 256
    environment: { GREETING: hi, RETRIES: 3 }
    reservedConcurrency: 2
`,
    )
    const state = await loadDesiredState(sources({ configFile: config }))
    assert.deepEqual(state.functions, [
      { name: 'hello', module: join(tmp.dir, 'fn/functions/hello.mjs'), handler: 'handler', timeout: 10, memorySize: 256, environment: { GREETING: 'hi', RETRIES: '3' }, reservedConcurrency: 2 },
    ])
    assert.equal(state.functionsDir, join(tmp.dir, 'fn/functions'))
    const overridden = await loadDesiredState(sources({ configFile: config, functionsDir: 'elsewhere', cwd: tmp.dir }))
    assert.equal(overridden.functionsDir, join(tmp.dir, 'elsewhere'), '--functions wins over the config file')
  })

  it('accepts an empty config file', async () => {
    const config = await tmp.write('empty.yaml', '')
    const state = await loadDesiredState(sources({ configFile: config }))
    assert.deepEqual(state.apis, [])
    assert.deepEqual(state.stages, [])
  })
})

describe('loadDesiredState: CLI flags', () => {
  let tmp: TempDir
  before(async () => {
    tmp = await tempDir()
    await tmp.write('petstore.yaml', PETSTORE_REST)
    await tmp.write('orders.yaml', ORDERS_HTTP)
  })
  after(() => tmp.remove())

  it('imports --rest-api and --http-api files relative to cwd into a dev stage with the --stage-variable values', async () => {
    const state = await loadDesiredState(sources({ restApis: ['petstore.yaml'], httpApis: ['orders.yaml'], stageVariables: { backend: '127.0.0.1:3000' }, cwd: tmp.dir }))
    assert.deepEqual(state.apis.map((a) => [a.kind, a.name, a.id]), [
      ['REST', 'petstore', stableId('rest:petstore', 10)],
      ['HTTP', 'orders', stableId('http:orders', 10)],
    ])
    assert.deepEqual(state.stages.map((s) => [s.stageName, s.variables]), [
      ['dev', { backend: '127.0.0.1:3000' }],
      ['dev', { backend: '127.0.0.1:3000' }],
    ])
    assert.deepEqual(state.files.sort(), [join(tmp.dir, 'orders.yaml'), join(tmp.dir, 'petstore.yaml')])
  })

  it("serves an HTTP API on --stage '$default'", async () => {
    const state = await loadDesiredState(sources({ httpApis: ['orders.yaml'], stage: '$default', cwd: tmp.dir }))
    assert.equal(state.stages[0]!.stageName, '$default')
  })
})

describe('loadDesiredState: stable ids', () => {
  let tmp: TempDir
  before(async () => {
    tmp = await tempDir()
  })
  after(() => tmp.remove())

  it('gives the same API and deployment ids on every load of unchanged files, and a new deployment id when a file changes', async () => {
    const api = await tmp.write('petstore.yaml', PETSTORE_REST)
    const config = await tmp.write('gatehouse.yaml', `apis:\n  - { type: rest, openapi: petstore.yaml }\n  - { type: http, id: orders1, definition: ${JSON.stringify(ordersDefinition())} }\n`)
    const first = await loadDesiredState(sources({ configFile: config, now: clock('2024-01-01T00:00:00Z') }))
    const second = await loadDesiredState(sources({ configFile: config, now: clock('2024-02-02T00:00:00Z') }))
    assert.deepEqual(second.apis.map((a) => a.id), first.apis.map((a) => a.id))
    assert.equal(first.apis[1]!.id, 'orders1', 'an explicit id is kept')
    assert.deepEqual(second.deployments.map((d) => d.id), first.deployments.map((d) => d.id), 'no deployment churn on restart')
    assert.deepEqual(second.stages.map((s) => s.deploymentId), first.stages.map((s) => s.deploymentId))

    await writeFile(api, PETSTORE_REST.replace('/pets/{petId}:', '/pets/{petId}/owner:'))
    const third = await loadDesiredState(sources({ configFile: config }))
    assert.equal(third.apis[0]!.id, first.apis[0]!.id, 'the API keeps its id')
    assert.notEqual(third.deployments[0]!.id, first.deployments[0]!.id, 'a changed API gets a new deployment')
    assert.equal(third.deployments[1]!.id, first.deployments[1]!.id, 'the unchanged API keeps its deployment')
    assert.match(third.deployments[0]!.id, /^[a-z0-9]{6}$/)
  })
})
