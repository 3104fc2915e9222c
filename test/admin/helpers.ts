// Shared fixtures for the admin API tests: a config file with a REST API (stages dev and prod) and an HTTP
// API, and a small JSON client for the admin port.

import { send, type TestResponse } from '../helpers.js'

/** A REST API document with one MOCK method. */
export function restDefinition(title: string): Record<string, unknown> {
  return {
    openapi: '3.0.1',
    info: { title, version: '1' },
    paths: {
      '/pets': {
        get: {
          responses: { '200': { description: 'ok' } },
          'x-amazon-apigateway-integration': { type: 'mock', requestTemplates: { 'application/json': '{"statusCode": 200}' }, responses: { default: { statusCode: '200' } } },
        },
      },
    },
  }
}

/** An HTTP API document. */
export function httpDefinition(title: string): Record<string, unknown> {
  return {
    openapi: '3.0.1',
    info: { title, version: '1' },
    paths: { '/orders': { get: { 'x-amazon-apigateway-integration': { type: 'http_proxy', httpMethod: 'GET', uri: 'http://127.0.0.1:9/orders', payloadFormatVersion: '1.0' } } } },
  }
}

/** Config with REST API `shop` (id `shop01`, stages dev and prod) and HTTP API `orders` (id `orders01`). */
export function baseConfig(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apis: [
      { id: 'shop01', type: 'rest', definition: restDefinition('shop'), stages: { dev: {}, prod: {} } },
      { id: 'orders01', type: 'http', definition: httpDefinition('orders'), stages: { $default: {} } },
    ],
    ...extra,
  }
}

export interface AdminClient {
  (method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<TestResponse>
}

/** JSON requests to an admin port. A string body is sent as it is (CSV imports). */
export function adminClient(port: number): AdminClient {
  return (method, path, body, headers = {}) =>
    send(port, path, {
      method,
      headers: body === undefined ? headers : { 'content-type': typeof body === 'string' ? 'text/csv' : 'application/json', ...headers },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    })
}

/** An AWS-style error response: status, `x-amzn-ErrorType`, and the message. */
export function errorOf(res: TestResponse): { status: number; type: unknown; message: unknown } {
  return { status: res.status, type: res.headers['x-amzn-errortype'], message: res.json().message }
}
