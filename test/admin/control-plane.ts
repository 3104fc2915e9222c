// Shared fixtures for the control-plane tests: AWS SDK clients pointed at a gateway's admin port, the error a
// command raised, waiting until the data plane serves the store's latest revision, and calling an API's stage.

import assert from 'node:assert/strict'
import { APIGatewayClient, type APIGatewayClientConfig } from '@aws-sdk/client-api-gateway'
import { ApiGatewayV2Client, type ApiGatewayV2ClientConfig } from '@aws-sdk/client-apigatewayv2'
import { eventually, send, type TestGateway, type TestResponse } from '../helpers.js'

export function restClient(port: number, extra: Partial<APIGatewayClientConfig> = {}): APIGatewayClient {
  return new APIGatewayClient({ endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' }, maxAttempts: 1, ...extra })
}

export function v2Client(port: number, extra: Partial<ApiGatewayV2ClientConfig> = {}): ApiGatewayV2Client {
  return new ApiGatewayV2Client({ endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' }, maxAttempts: 1, ...extra })
}

/** The error a command raised: its name (the SDK's exception class), HTTP status and message. */
export async function failure(p: Promise<unknown>): Promise<{ name: string; status: number | undefined; message: string; error: unknown }> {
  try {
    await p
  } catch (error) {
    const e = error as Error & { $metadata?: { httpStatusCode?: number } }
    return { name: e.name, status: e.$metadata?.httpStatusCode, message: e.message, error }
  }
  assert.fail('the command succeeded')
}

/** Waits until the gateway's data plane serves the config store's current revision. */
export async function settle(gw: TestGateway): Promise<void> {
  const revision = await gw.gateway.store!.revision()
  await eventually(async () => {
    await gw.gateway.settled()
    return (gw.gateway.plan?.revision ?? 0) >= revision
  }, undefined, `the data plane to serve revision ${revision}`)
}

/** A request to an API on the data plane, by its `{apiId}.execute-api` host. */
export function invoke(gw: TestGateway, apiId: string, path: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<TestResponse> {
  return send(gw.port, path, { ...init, host: `${apiId}.execute-api.localhost` })
}
