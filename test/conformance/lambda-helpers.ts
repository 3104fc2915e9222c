// Helpers for the Lambda conformance tests: a gateway serving one REST or HTTP API whose integrations call
// real handler modules written to a temp functions directory, and the integration URIs that name them.

import { startGateway, tempDir, writeFile, type TestGateway, type TestResponse } from '../helpers.js'
import { rawRequest } from './rest-helpers.js'

/** The invocation URI API Gateway uses for a Lambda function in the default region and account. */
export function lambdaUri(name: string): string {
  return `arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:${name}/invocations`
}

/** A handler that answers a proxy request with the event it received, as LocalStack's lambda_aws_proxy does. */
export const ECHO_EVENT = 'export const handler = async (event) => ({ statusCode: 200, body: JSON.stringify(event) })\n'

/** A handler that returns the request body, parsed, as its result (LocalStack's LAMBDA_RESPONSE_FROM_BODY). */
export const RESULT_FROM_BODY = `export const handler = async (event) => {
  if (event.body === null) throw new TypeError('the request has no body')
  return JSON.parse(event.body)
}
`

/** A handler for non-proxy integrations that returns its event unchanged (LocalStack's lambda_echo). */
export const ECHO = 'export const handler = async (event) => event\n'

export interface LambdaApiUnderTest {
  gw: TestGateway
  apiId: string
  stage: string
  /** The functions directory: write a handler file here to add or change a function. */
  functionsDir: string
  /** A request on `/{stage}{path}` (no stage prefix on an HTTP API's `$default` stage). */
  call(path: string, init?: Parameters<TestGateway['fetch']>[1]): Promise<TestResponse>
  /** The same on `{apiId}.execute-api.localhost`, the host form a real AWS invoke URL has. */
  callHostBased(path: string, init?: Parameters<TestGateway['fetch']>[1]): Promise<TestResponse>
  /** Through node:http with the header names exactly as given, on the host form; `rawPath` is sent as it is. */
  raw(rawPath: string, init?: { method?: string; headers?: Record<string, string>; body?: string }): Promise<TestResponse & { rawHeaders: string[] }>
  stop(): Promise<void>
}

/**
 * Writes `functions` (name → module source; a name with an extension keeps it, otherwise `.mjs`) and the API
 * document to a temp dir and starts a gateway serving the API on `stage` with that functions directory.
 */
export async function startLambdaApi(
  kind: 'REST' | 'HTTP',
  doc: unknown,
  functions: Record<string, string>,
  opts: { stage?: string; stageVariables?: Record<string, string> } = {},
): Promise<LambdaApiUnderTest> {
  const tmp = tempDir('gatehouse-lambda-')
  for (const [name, source] of Object.entries(functions)) writeFile(tmp.dir, /\.[cm]?[jt]s$/.test(name) ? name : `${name}.mjs`, source)
  const file = writeFile(tmp.dir, 'api.json', doc)
  const stage = opts.stage ?? (kind === 'REST' ? 'dev' : '$default')
  let gw: TestGateway
  try {
    gw = await startGateway({
      ...(kind === 'REST' ? { restApis: [file] } : { httpApis: [file] }),
      stage,
      stageVariables: opts.stageVariables ?? {},
      functionsDir: tmp.dir,
    })
  } catch (err) {
    tmp.cleanup()
    throw err
  }
  const apiId = [...gw.gateway.plan!.apis.keys()][0]!
  const prefix = stage === '$default' ? '' : `/${stage}`
  const host = `${apiId}.execute-api.localhost:${gw.port}`
  return {
    gw,
    apiId,
    stage,
    functionsDir: tmp.dir,
    call: (path, init) => gw.fetch(`${prefix}${path}`, init),
    callHostBased: (path, init) => gw.fetch(`${prefix}${path}`, { ...init, host }),
    raw: (rawPath, init = {}) => rawRequest(gw.port, rawPath, { ...init, headers: { Host: host, ...init.headers } }),
    stop: async () => {
      await gw.stop()
      tmp.cleanup()
    },
  }
}

/** OpenAPI declarations of required path parameters, one per name. */
export function pathParams(...names: string[]): Array<Record<string, unknown>> {
  return names.map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } }))
}
