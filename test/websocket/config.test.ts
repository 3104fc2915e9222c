// `type: websocket` in the config file: what it loads to (the HttpApi the control plane would hold after the
// same apigatewayv2 calls, a deployment and its stages) and every problem reported at its path.

import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { loadDesiredState } from '../../src/controlplane/config/desired.js'
import { ConfigError } from '../../src/errors.js'
import type { HttpApi } from '../../src/model/types.js'
import { tempDir, writeFile } from '../helpers.js'

async function load(config: unknown): Promise<Awaited<ReturnType<typeof loadDesiredState>>> {
  const tmp = tempDir()
  try {
    writeFile(tmp.dir, 'gatehouse.yaml', config)
    return await loadDesiredState({ configFile: join(tmp.dir, 'gatehouse.yaml'), restApis: [], httpApis: [], stageVariables: {}, cwd: tmp.dir })
  } finally {
    tmp.cleanup()
  }
}

async function problems(config: unknown): Promise<Array<{ path: string; message: string }>> {
  try {
    await load(config)
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.map((p) => ({ path: p.path, message: p.message }))
    throw err
  }
  assert.fail('the config was accepted')
}

const GOOD = {
  apis: [
    {
      name: 'chat',
      type: 'websocket',
      description: 'a chat',
      routeSelectionExpression: '$request.body.action',
      integrations: {
        fn: { integrationType: 'AWS_PROXY', integrationUri: 'arn:aws:lambda:us-east-1:000000000000:function:chat' },
        mock: { integrationType: 'MOCK', requestTemplates: { $default: '{"statusCode":200}' }, integrationResponses: [{ integrationResponseKey: '$default', responseTemplates: { $default: '{}' } }] },
      },
      routes: [
        { routeKey: '$connect', target: 'fn' },
        { routeKey: 'send', target: 'integrations/mock', routeResponseSelectionExpression: '$default', routeResponses: [{ routeResponseKey: '$default' }] },
      ],
      stages: { production: { variables: { color: 'blue' }, defaultRouteSettings: { throttlingBurstLimit: 10, throttlingRateLimit: 5 }, routeSettings: { send: { throttlingBurstLimit: 1 } } } },
    },
  ],
}

describe('type: websocket in the config file', () => {
  it('loads a WebSocket API, its deployment and stages', async () => {
    const state = await load(GOOD)
    const api = state.apis[0] as HttpApi
    assert.equal(api.protocolType, 'WEBSOCKET')
    assert.equal(api.routeSelectionExpression, '$request.body.action')
    assert.equal(api.apiKeySelectionExpression, '$request.header.x-api-key')
    assert.deepEqual(Object.values(api.routes).map((r) => [r.routeKey, r.target]).sort(), [['$connect', 'integrations/fn'], ['send', 'integrations/mock']])
    const send = Object.values(api.routes).find((r) => r.routeKey === 'send')!
    assert.deepEqual(Object.values(send.routeResponses!).map((r) => r.routeResponseKey), ['$default'])
    assert.equal(api.integrations.fn!.timeoutInMillis, 29000)
    assert.deepEqual(Object.values(api.integrations.mock!.integrationResponses!).map((r) => r.integrationResponseKey), ['$default'])
    assert.equal(state.stages.length, 1)
    assert.deepEqual([state.stages[0]!.stageName, state.stages[0]!.variables, state.stages[0]!.routeSettings], ['production', { color: 'blue' }, { send: { throttlingBurstLimit: 1 } }])
    assert.equal(state.deployments[0]!.apiId, api.id)
  })

  it('reports every problem at its path', async () => {
    const found = await problems({
      listeners: { http: { websocket: { idleTimeoutMs: 0 } } },
      apis: [
        {
          name: 'bad',
          type: 'websocket',
          routeSelectionExpression: '$request.header.x',
          openapi: './x.yaml',
          integrations: {
            fn: { integrationType: 'AWS_PROXY' },
            web: { integrationType: 'HTTP', integrationUri: 'ftp://x', timeoutInMillis: 40000 },
            tpl: { integrationType: 'MOCK', requestTemplates: { $default: '#if(' }, integrationResponses: [{ integrationResponseKey: '2xx' }] },
          },
          routes: [
            { routeKey: 'a', target: 'nope' },
            { routeKey: 'a', target: 'fn' },
            { routeKey: 'b' },
            { routeKey: 'c', target: 'fn', routeResponseSelectionExpression: '$request.body.x', routeResponses: [{ routeResponseKey: 'ok' }] },
            { routeKey: 'd', target: 'fn', authorizationType: 'AWS_IAM' },
          ],
          stages: { $default: {} },
        },
      ],
    })
    const at = (path: string) => found.filter((p) => p.path === path).map((p) => p.message)
    assert.ok(at('/listeners/http/websocket/idleTimeoutMs').length === 1, JSON.stringify(found))
    assert.match(at('/apis/0/integrations/web/timeoutInMillis')[0]!, /29000|less than or equal/)
    assert.match(at('/apis/0/routeSelectionExpression')[0]!, /\$request\.body/)
    assert.match(at('/apis/0/openapi')[0]!, /does not apply to WebSocket APIs/)
    assert.match(at('/apis/0/integrations/fn/integrationUri')[0]!, /needs an integrationUri/)
    assert.match(at('/apis/0/integrations/web/integrationUri')[0]!, /not an http\(s\) URL/)
    assert.match(at('/apis/0/integrations/tpl/requestTemplates/$default')[0]!, /does not compile/)
    assert.match(at('/apis/0/integrations/tpl/integrationResponses/0/integrationResponseKey')[0]!, /\$default or a regular expression/)
    assert.match(at('/apis/0/routes/0/target')[0]!, /names no integration of this API; its integrations are: fn, web, tpl/)
    assert.match(at('/apis/0/routes/1/routeKey')[0]!, /declared twice/)
    assert.match(at('/apis/0/routes/2/target')[0]!, /needs a target/)
    assert.match(at('/apis/0/routes/3/routeResponseSelectionExpression')[0]!, /only route response selection expression is "\$default"/)
    assert.match(at('/apis/0/routes/3/routeResponses/0/routeResponseKey')[0]!, /only route response key/)
    assert.match(at('/apis/0/routes/4/authorizationType')[0]!, /only possible on the \$connect route/)
    assert.match(at('/apis/0/stages/$default')[0]!, /no \$default stage/)
  })
})
