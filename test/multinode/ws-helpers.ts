// Helpers for the multi-node WebSocket tests: a config with one WebSocket API (a `whoami` two-way MOCK route
// that answers the connection id, `$connect`/`$disconnect` to a function that logs its events to a file), and
// the real `@aws-sdk/client-apigatewaymanagementapi` pointed at a node.

import { join } from 'node:path'
import { ApiGatewayManagementApiClient, DeleteConnectionCommand, GetConnectionCommand, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi'
import { writeFile } from '../helpers.js'
import type { TestSocket } from '../websocket/ws-helpers.js'

export const WS_API_ID = 'wsnodes001'

const LOGGING_FN = (log: string) => `import { appendFileSync } from 'node:fs'
export const handler = async (event) => {
  appendFileSync(${JSON.stringify(log)}, JSON.stringify(event) + '\\n')
  return { statusCode: 200 }
}
`

/** Writes the config (and its function) under `dir`; returns the config file and the function's event log. */
export function writeWsConfig(dir: string, extra: Record<string, unknown> = {}): { config: string; log: string } {
  const log = join(dir, 'events.log')
  writeFile(dir, 'app.mjs', LOGGING_FN(log))
  const config = writeFile(dir, 'gatehouse.yaml', {
    functionsDir: '.',
    ...extra,
    apis: [
      {
        name: 'nodes',
        id: WS_API_ID,
        type: 'websocket',
        routeSelectionExpression: '$request.body.action',
        integrations: {
          app: { integrationType: 'AWS_PROXY', integrationUri: 'arn:aws:lambda:us-east-1:000000000000:function:app' },
          whoami: {
            integrationType: 'MOCK',
            requestTemplates: { $default: '{"statusCode": 200}' },
            integrationResponses: [{ integrationResponseKey: '$default', responseTemplates: { $default: '{"id": "$context.connectionId", "domain": "$context.domainName"}' } }],
          },
        },
        routes: [
          { routeKey: '$connect', target: 'app' },
          { routeKey: '$disconnect', target: 'app' },
          { routeKey: 'whoami', target: 'whoami', routeResponseSelectionExpression: '$default', routeResponses: [{ routeResponseKey: '$default' }] },
        ],
        stages: { prod: {} },
      },
    ],
  })
  return { config, log }
}

/** The connection id of a socket, asked through its `whoami` route. */
export async function whoami(s: TestSocket): Promise<{ id: string; domain: string }> {
  s.send(JSON.stringify({ action: 'whoami' }))
  return JSON.parse(await s.next()) as { id: string; domain: string }
}

/** The management API of the `prod` stage on a node's data-plane port. */
export function management(port: number) {
  const client = new ApiGatewayManagementApiClient({ endpoint: `http://127.0.0.1:${port}/prod`, region: 'us-east-1', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' }, maxAttempts: 1 })
  return {
    client,
    post: (id: string, data: string) => client.send(new PostToConnectionCommand({ ConnectionId: id, Data: data })),
    get: (id: string) => client.send(new GetConnectionCommand({ ConnectionId: id })),
    delete: (id: string) => client.send(new DeleteConnectionCommand({ ConnectionId: id })),
  }
}

/** What an SDK call failed with: the error name and HTTP status. */
export async function failure(call: Promise<unknown>): Promise<{ name: string; status: number | undefined; message: string }> {
  try {
    await call
  } catch (err) {
    const e = err as { name: string; message: string; $metadata?: { httpStatusCode?: number } }
    return { name: e.name, status: e.$metadata?.httpStatusCode, message: e.message }
  }
  throw new Error('the call succeeded')
}
