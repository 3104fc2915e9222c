// The example chat's one function, behind the WebSocket API's three routes (examples/gatehouse.yaml):
//   $connect     remembers the connection
//   sendmessage  {"action":"sendmessage","name":"ada","message":"hi"} goes to every connected client as
//                {"from":"ada","message":"hi"}, through @connections (PostToConnection), as on AWS
//   $disconnect  forgets the connection
//
// Where the connection ids live: not in a variable. Each concurrent invocation may run in its own execution
// environment (a worker, like a Lambda instance), so module state is not shared. They live in a directory,
// one small file per connection (on AWS this would be a DynamoDB table): creating and deleting a file are
// atomic, so concurrent $connects and $disconnects never lose each other's writes, as they would rewriting
// one JSON file. A file left behind (the gateway was killed before $disconnect ran, or a $disconnect was
// throttled when many clients left at once) is removed the first time a broadcast to it answers 410
// GoneException, as AWS's own chat sample does.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ApiGatewayManagementApiClient, GoneException, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi'

// The temporary directory, as on Lambda (the runtime passes the function no TMPDIR, so it is the system's default).
const table = (rc) => join(tmpdir(), 'gatehouse-example-chat', `${rc.apiId}-${rc.stage}`)
const fileOf = (rc, id) => join(table(rc), encodeURIComponent(id))
/** A connection's record, or null once it is gone (a $disconnect may delete it while a broadcast reads). */
function recordOf(rc, id) {
  try {
    return JSON.parse(readFileSync(fileOf(rc, id), 'utf8'))
  } catch (err) {
    if (err.code === 'ENOENT') return null
    throw err
  }
}

export const handler = async (event) => {
  const rc = event.requestContext
  if (rc.routeKey === '$connect') {
    // The @connections endpoint of this stage, on the port the client reached: on AWS it would be
    // https://{domainName}/{stage}. The gateway serves it to loopback callers (no identities declared).
    const port = (event.headers.Host ?? event.headers.host ?? '').match(/:(\d+)$/)?.[1] ?? '80'
    mkdirSync(table(rc), { recursive: true })
    writeFileSync(fileOf(rc, rc.connectionId), JSON.stringify({ endpoint: `http://127.0.0.1:${port}/${rc.stage}` }))
    return { statusCode: 200 }
  }
  if (rc.routeKey === '$disconnect') {
    rmSync(fileOf(rc, rc.connectionId), { force: true })
    return { statusCode: 200 }
  }

  // sendmessage: to every connection of this gateway (the endpoint the sender connected through).
  const { endpoint } = recordOf(rc, rc.connectionId)
  const body = JSON.parse(event.body)
  const data = JSON.stringify({ from: String(body.name || 'anonymous'), message: String(body.message ?? '') })
  const client = new ApiGatewayManagementApiClient({ endpoint })
  const ids = readdirSync(table(rc)).map(decodeURIComponent)
  await Promise.all(
    ids.map(async (id) => {
      if (recordOf(rc, id)?.endpoint !== endpoint) return // gone, or another gateway's connection (another port)
      try {
        await client.send(new PostToConnectionCommand({ ConnectionId: id, Data: data }))
      } catch (err) {
        if (err instanceof GoneException) rmSync(fileOf(rc, id), { force: true })
        else throw err
      }
    }),
  )
  return { statusCode: 200 }
}
