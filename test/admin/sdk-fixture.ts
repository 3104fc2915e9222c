// The API both SDK tests generate clients for, imported and deployed through the real AWS SDK: an HTTP_PROXY
// list with a query parameter, a get by path parameter with a required header, an API key-protected POST
// with request and response models, an AWS_IAM method (MOCK, answering the caller's ARN), and a resource
// path that is no JavaScript identifier (`/a-b/{c.d}/x,y:z`). A gateway with the admin port, an upstream that echoes requests,
// IAM credentials in the identity section, and an API key in a usage plan of the stage.

import {
  CreateApiKeyCommand,
  CreateDeploymentCommand,
  CreateUsagePlanCommand,
  CreateUsagePlanKeyCommand,
  GetSdkCommand,
  ImportRestApiCommand,
  type APIGatewayClient,
} from '@aws-sdk/client-api-gateway'
import { startGateway, startUpstream, tempDir, writeFile, type TestGateway, type Upstream } from '../helpers.js'
import { restClient, settle } from './control-plane.js'

export const IAM_KEY = { accessKeyId: 'AKIDSDKTEST000000001', secretAccessKey: 'sdk/test+secret' }
export const IAM_USER = 'arn:aws:iam::000000000000:user/sdk-tester'
export const STAGE = 'dev'

export interface SdkFixture {
  gw: TestGateway
  upstream: Upstream
  client: APIGatewayClient
  apiId: string
  apiKey: string
  /** The SDK archive of the stage. */
  sdk(sdkType: string, parameters?: Record<string, string>): Promise<{ body: Uint8Array; contentType: string | undefined; contentDisposition: string | undefined }>
  stop(): Promise<void>
}

const mock = (template: string): Record<string, unknown> => ({
  type: 'mock',
  requestTemplates: { 'application/json': '{"statusCode": 200}' },
  responses: { default: { statusCode: '200', responseTemplates: { 'application/json': template } } },
})

export function petsDefinition(upstreamUrl: string): Record<string, unknown> {
  const ok = (schema?: string) => ({ '200': { description: 'ok', ...(schema ? { content: { 'application/json': { schema: { $ref: `#/components/schemas/${schema}` } } } } : {}) } })
  return {
    openapi: '3.0.1',
    info: { title: 'pets', version: '1' },
    components: {
      securitySchemes: {
        api_key: { type: 'apiKey', name: 'x-api-key', in: 'header' },
        sigv4: { type: 'apiKey', name: 'Authorization', in: 'header', 'x-amazon-apigateway-authtype': 'awsSigv4' },
      },
      schemas: {
        NewPet: {
          type: 'object',
          required: ['name'],
          properties: { name: { type: 'string' }, kind: { type: 'string', enum: ['dog', 'cat'] }, tags: { type: 'array', items: { type: 'string' } } },
        },
        Pet: {
          type: 'object',
          required: ['id', 'name'],
          properties: { id: { type: 'integer' }, name: { type: 'string' }, owner: { $ref: '#/components/schemas/Owner' } },
        },
        Owner: { type: 'object', properties: { 'first-name': { type: 'string' } } },
      },
    },
    paths: {
      '/pets': {
        get: {
          parameters: [{ name: 'type', in: 'query', schema: { type: 'string' } }],
          responses: ok(),
          'x-amazon-apigateway-integration': { type: 'http_proxy', httpMethod: 'GET', uri: `${upstreamUrl}/pets` },
        },
        post: {
          security: [{ api_key: [] }],
          requestBody: { content: { 'application/json': { schema: { $ref: '#/components/schemas/NewPet' } } } },
          responses: ok('Pet'),
          'x-amazon-apigateway-integration': { type: 'http_proxy', httpMethod: 'POST', uri: `${upstreamUrl}/pets` },
        },
      },
      '/pets/{petId}': {
        get: {
          parameters: [
            { name: 'petId', in: 'path', required: true, schema: { type: 'string' } },
            { name: 'x-trace-id', in: 'header', required: true, schema: { type: 'string' } },
          ],
          responses: ok('Pet'),
          'x-amazon-apigateway-integration': {
            type: 'http_proxy',
            httpMethod: 'GET',
            uri: `${upstreamUrl}/pets/{petId}`,
            requestParameters: { 'integration.request.path.petId': 'method.request.path.petId' },
          },
        },
      },
      '/secure': { get: { security: [{ sigv4: [] }], responses: ok(), 'x-amazon-apigateway-integration': mock('{"caller":"$context.identity.userArn"}') } },
      '/a-b/{c.d}/x,y:z': {
        get: {
          parameters: [{ name: 'c.d', in: 'path', required: true, schema: { type: 'string' } }],
          responses: ok(),
          'x-amazon-apigateway-integration': mock('{"resource":"$context.resourcePath","c":"$input.params(\'c.d\')"}'),
        },
      },
    },
  }
}

export async function startSdkFixture(): Promise<SdkFixture> {
  const upstream = await startUpstream()
  const tmp = tempDir('gatehouse-sdk-')
  const allow = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'execute-api:Invoke', Resource: 'arn:aws:execute-api:us-east-1:000000000000:*' }] }
  const config = writeFile(tmp.dir, 'gatehouse.yaml', { identity: { credentials: [{ ...IAM_KEY, principalArn: IAM_USER, policies: [allow] }] } })
  const gw = await startGateway({ configFile: config })
  try {
    return await prepare(gw, upstream, () => tmp.cleanup())
  } catch (err) {
    await gw.stop()
    await upstream.close()
    tmp.cleanup()
    throw err
  }
}

async function prepare(gw: TestGateway, upstream: Upstream, cleanup: () => void): Promise<SdkFixture> {
  const client = restClient(gw.adminPort)
  const api = await client.send(new ImportRestApiCommand({ body: Buffer.from(JSON.stringify(petsDefinition(upstream.url))) }))
  const apiId = api.id!
  await client.send(new CreateDeploymentCommand({ restApiId: apiId, stageName: STAGE }))
  const key = await client.send(new CreateApiKeyCommand({ name: 'sdk-test', enabled: true }))
  const plan = await client.send(new CreateUsagePlanCommand({ name: 'sdk-plan', apiStages: [{ apiId, stage: STAGE }] }))
  await client.send(new CreateUsagePlanKeyCommand({ usagePlanId: plan.id!, keyId: key.id!, keyType: 'API_KEY' }))
  await settle(gw)
  return {
    gw,
    upstream,
    client,
    apiId,
    apiKey: key.value!,
    async sdk(sdkType, parameters) {
      const res = await client.send(new GetSdkCommand({ restApiId: apiId, stageName: STAGE, sdkType, ...(parameters ? { parameters } : {}) }))
      return { body: res.body!, contentType: res.contentType, contentDisposition: res.contentDisposition }
    },
    async stop() {
      await gw.stop()
      await upstream.close()
      cleanup()
    },
  }
}
