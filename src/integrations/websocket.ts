// The integrations of WebSocket routes (docs/aws-behaviour.md §10.3, §4.6; docs/websocket.md), compiled once
// per route and stage: AWS_PROXY to a Gatehouse function with AWS's WebSocket event; AWS (Lambda, non-proxy)
// and MOCK with request templates picked by `templateSelectionExpression` and integration responses;
// HTTP_PROXY (the message is POSTed as is) and HTTP (the request template's output is sent). Each answers a
// WsResult: the status, and the body a two-way route sends back.

import type { Dispatcher } from 'undici'
import type { IntegrationResponseV2, IntegrationV2 } from '../model/types.js'
import type { FunctionInvoker } from '../mapping/function-target.js'
import { functionTarget } from '../mapping/function-target.js'
import { wsRequestContext } from '../dataplane/websocket/request-context.js'
import { compileTemplate, type CompiledTemplate } from '../vtl/index.js'
import { compileSelectionExpression, parseBody, type SelectionExpression, type SelectionInput } from '../dataplane/websocket/selection.js'
import type { WsIntegration, WsIntegrationFactory, WsRequest, WsResult } from '../dataplane/websocket/plan.js'

export interface WsIntegrationDeps {
  functions: FunctionInvoker
  dispatcher: Dispatcher
}

/** The integration could not be called, or failed (ExecutionError; the client gets `Internal server error`). */
export class WsIntegrationError extends Error {}

export { wsRequestContext }

/** AWS's Lambda proxy event for a WebSocket route (§4.6). */
export function wsProxyEvent(req: WsRequest): Record<string, unknown> {
  const c = req.conn
  const requestContext = wsRequestContext(req)
  if (req.eventType === 'MESSAGE') return { requestContext, body: req.body, isBase64Encoded: false }
  const event: Record<string, unknown> = { headers: c.headers, multiValueHeaders: c.multiValueHeaders }
  if (req.eventType === 'CONNECT' && c.query !== null) {
    event.queryStringParameters = c.query
    event.multiValueQueryStringParameters = c.multiValueQuery
  }
  event.requestContext = requestContext
  event.isBase64Encoded = false
  return event
}

function selectionInput(req: WsRequest, integration?: { status: number; headers: Record<string, string> }): SelectionInput {
  return {
    body: req.json,
    header: (name) => req.conn.lowerHeaders[name],
    context: (name) => {
      const v = wsRequestContext(req)[name]
      return v === undefined ? undefined : String(v)
    },
    stageVariable: (name) => req.stage.variables[name],
    ...(integration ? { integration: (name: string) => (name === 'statuscode' ? String(integration.status) : name.startsWith('header.') ? integration.headers[name.slice(7)] : undefined) } : {}),
  }
}

/** Request templates by key, picked by `templateSelectionExpression` (falling back to `$default`). */
class RequestTemplates {
  readonly #templates: ReadonlyMap<string, CompiledTemplate>
  readonly #selection: SelectionExpression | null
  constructor(integration: IntegrationV2) {
    this.#templates = new Map(Object.entries(integration.requestTemplates ?? {}).map(([k, t]) => [k, compileTemplate(t)]))
    this.#selection = integration.templateSelectionExpression ? compileSelectionExpression(integration.templateSelectionExpression) : null
  }
  get size(): number {
    return this.#templates.size
  }
  /** The rendered body, or the message itself when there is no template to apply (passthrough). */
  render(req: WsRequest): string {
    if (this.#templates.size === 0) return req.body
    const key = this.#selection?.evaluate(selectionInput(req)) ?? '$default'
    const template = this.#templates.get(key) ?? this.#templates.get('$default')
    if (template === undefined) return req.body
    return renderWith(template, req, req.body)
  }
}

function renderWith(template: CompiledTemplate, req: WsRequest, body: string): string {
  return template.render({
    input: { body, path: {}, querystring: req.conn.query ?? {}, header: req.conn.lowerHeaders as Record<string, string> },
    context: () => wsRequestContext(req),
    stageVariables: Object.keys(req.stage.variables).length ? (req.stage.variables as Record<string, string>) : null,
  }).output
}

interface CompiledResponse {
  readonly key: string
  readonly pattern: RegExp | null
  readonly templates: ReadonlyMap<string, CompiledTemplate>
  readonly selection: SelectionExpression | null
}

/** Integration responses (§10.3): `$default`, or `/regex/` keys matched against the status or the Lambda error message. */
class IntegrationResponses {
  readonly #responses: readonly CompiledResponse[]
  readonly #default: CompiledResponse | null
  constructor(responses: Record<string, IntegrationResponseV2> | undefined) {
    const all: CompiledResponse[] = Object.values(responses ?? {}).map((r) => {
      const key = r.integrationResponseKey
      const m = /^\/(.*)\/$/s.exec(key)
      return {
        key,
        pattern: m ? new RegExp(`^(?:${m[1]})$`) : null,
        templates: new Map(Object.entries(r.responseTemplates ?? {}).map(([k, t]) => [k, compileTemplate(t)])),
        selection: r.templateSelectionExpression ? compileSelectionExpression(r.templateSelectionExpression) : null,
      }
    })
    this.#responses = all.filter((r) => r.pattern !== null)
    this.#default = all.find((r) => r.key === '$default') ?? null
  }
  /** The body sent back: the selected response's template applied to the backend's body, or the body as is. */
  apply(req: WsRequest, status: number, headers: Record<string, string>, body: string, matchOn: string): string {
    const r = this.#responses.find((x) => x.pattern!.test(matchOn)) ?? this.#default
    if (r === null || r.templates.size === 0) return body
    const key = r.selection?.evaluate({ ...selectionInput(req, { status, headers }), body: parseBody(body) }) ?? '$default'
    const t = r.templates.get(key) ?? r.templates.get('$default')
    return t === undefined ? body : renderWith(t, req, body)
  }
}

function timeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new WsIntegrationError('Endpoint request timed out')), ms)
  })
  return Promise.race([p, t]).finally(() => clearTimeout(timer))
}

function proxyBody(payload: unknown): string | null {
  if (payload === undefined || payload === null) return null
  if (typeof payload === 'object' && 'body' in payload) {
    const b = (payload as { body?: unknown }).body
    if (b === undefined || b === null) return null
    return typeof b === 'string' ? b : JSON.stringify(b)
  }
  return null
}

class ProxyFunction implements WsIntegration {
  readonly type = 'AWS_PROXY'
  readonly #target: string
  readonly #timeoutMs: number
  readonly #functions: FunctionInvoker
  constructor(target: string, timeoutMs: number, functions: FunctionInvoker) {
    this.#target = target
    this.#timeoutMs = timeoutMs
    this.#functions = functions
  }
  async invoke(req: WsRequest): Promise<WsResult> {
    let result
    try {
      result = await timeout(this.#functions.invoke(this.#target, wsProxyEvent(req), { requestId: req.requestId }), this.#timeoutMs)
    } catch (err) {
      throw err instanceof WsIntegrationError ? err : new WsIntegrationError((err as Error).message)
    }
    if (result.functionError) throw new WsIntegrationError(result.functionError.errorMessage)
    const p = result.payload as { statusCode?: unknown; headers?: unknown } | null | undefined
    const status = typeof p === 'object' && p !== null && typeof p.statusCode === 'number' ? p.statusCode : 200
    const headers = typeof p === 'object' && p !== null && typeof p.headers === 'object' && p.headers !== null ? (p.headers as Record<string, string>) : undefined
    return { status, body: proxyBody(p), ...(headers ? { headers } : {}) }
  }
  describe(): Record<string, unknown> {
    return { type: this.type, function: this.#target, timeoutMs: this.#timeoutMs }
  }
}

class LambdaNonProxy implements WsIntegration {
  readonly type = 'AWS'
  readonly #target: string
  readonly #timeoutMs: number
  readonly #functions: FunctionInvoker
  readonly #requests: RequestTemplates
  readonly #responses: IntegrationResponses
  constructor(target: string, integration: IntegrationV2, functions: FunctionInvoker) {
    this.#target = target
    this.#timeoutMs = integration.timeoutInMillis
    this.#functions = functions
    this.#requests = new RequestTemplates(integration)
    this.#responses = new IntegrationResponses(integration.integrationResponses)
  }
  async invoke(req: WsRequest): Promise<WsResult> {
    const rendered = this.#requests.render(req)
    const parsed = parseBody(rendered)
    let result
    try {
      result = await timeout(this.#functions.invoke(this.#target, typeof parsed === 'symbol' ? rendered : parsed, { requestId: req.requestId }), this.#timeoutMs)
    } catch (err) {
      throw err instanceof WsIntegrationError ? err : new WsIntegrationError((err as Error).message)
    }
    if (result.functionError) {
      const body = JSON.stringify(result.functionError)
      return { status: 200, body: this.#responses.apply(req, 200, {}, body, result.functionError.errorMessage) }
    }
    const body = result.payload === undefined ? '' : typeof result.payload === 'string' ? result.payload : JSON.stringify(result.payload)
    return { status: 200, body: this.#responses.apply(req, 200, {}, body, '') }
  }
  describe(): Record<string, unknown> {
    return { type: this.type, function: this.#target, requestTemplates: this.#requests.size }
  }
}

class Mock implements WsIntegration {
  readonly type = 'MOCK'
  readonly #requests: RequestTemplates
  readonly #responses: IntegrationResponses
  constructor(integration: IntegrationV2) {
    this.#requests = new RequestTemplates(integration)
    this.#responses = new IntegrationResponses(integration.integrationResponses)
  }
  invoke(req: WsRequest): Promise<WsResult> {
    try {
      // The request template's `statusCode` is the mock's status (200 when there is none); its body is empty.
      const rendered = this.#requests.size === 0 ? '' : this.#requests.render(req)
      const doc = parseBody(rendered)
      const code = typeof doc === 'object' && doc !== null ? (doc as { statusCode?: unknown }).statusCode : undefined
      const status = typeof code === 'number' ? code : typeof code === 'string' && /^\d{3}$/.test(code) ? Number(code) : 200
      return Promise.resolve({ status, body: this.#responses.apply(req, status, {}, '', String(status)) })
    } catch (err) {
      return Promise.reject(new WsIntegrationError((err as Error).message))
    }
  }
  describe(): Record<string, unknown> {
    return { type: this.type, requestTemplates: this.#requests.size }
  }
}

class HttpBackend implements WsIntegration {
  readonly type: 'HTTP' | 'HTTP_PROXY'
  readonly #url: URL
  readonly #method: string
  readonly #timeoutMs: number
  readonly #dispatcher: Dispatcher
  readonly #requests: RequestTemplates | null
  readonly #responses: IntegrationResponses | null
  constructor(proxy: boolean, url: URL, integration: IntegrationV2, dispatcher: Dispatcher) {
    this.type = proxy ? 'HTTP_PROXY' : 'HTTP'
    this.#url = url
    this.#method = (integration.integrationMethod ?? 'POST').toUpperCase()
    this.#timeoutMs = integration.timeoutInMillis
    this.#dispatcher = dispatcher
    this.#requests = proxy ? null : new RequestTemplates(integration)
    this.#responses = proxy ? null : new IntegrationResponses(integration.integrationResponses)
  }
  async invoke(req: WsRequest): Promise<WsResult> {
    const body = this.#requests === null ? req.body : this.#requests.render(req)
    let res: Dispatcher.ResponseData
    let text: string
    try {
      res = await this.#dispatcher.request({
        origin: this.#url.origin,
        path: this.#url.pathname + this.#url.search,
        method: this.#method as Dispatcher.HttpMethod,
        headers: { 'content-type': 'application/json', 'user-agent': 'AmazonAPIGateway_' + req.stage.apiId },
        body: this.#method === 'GET' || this.#method === 'HEAD' ? null : body,
        headersTimeout: this.#timeoutMs,
        bodyTimeout: this.#timeoutMs,
      })
      text = await res.body.text()
    } catch (err) {
      throw new WsIntegrationError((err as Error).message)
    }
    const headers: Record<string, string> = {}
    for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') headers[k] = v
    const out = this.#responses === null ? text : this.#responses.apply(req, res.statusCode, headers, text, String(res.statusCode))
    return { status: res.statusCode, body: out }
  }
  describe(): Record<string, unknown> {
    return { type: this.type, method: this.#method, uri: this.#url.href }
  }
}

/** The factory the compiler builds WebSocket routes' integrations with. Throws an Error (for the user) when one cannot work. */
export function createWebSocketIntegrations(deps: WsIntegrationDeps): WsIntegrationFactory {
  return (route, integration) => {
    const uri = integration.integrationUri === undefined ? undefined : functionTarget(integration.integrationUri, route.variables)
    switch (integration.integrationType) {
      case 'AWS_PROXY':
        if (!uri) throw new Error('an AWS_PROXY integration needs an integrationUri (a function)')
        return new ProxyFunction(uri, integration.timeoutInMillis, deps.functions)
      case 'AWS':
        if (!uri) throw new Error('an AWS integration needs an integrationUri')
        if (!/:lambda:|^[A-Za-z0-9_-]+$/.test(uri)) throw new Error(`AWS integration ${uri}: only Lambda (a Gatehouse function) is available`)
        return new LambdaNonProxy(uri, integration, deps.functions)
      case 'MOCK':
        return new Mock(integration)
      case 'HTTP':
      case 'HTTP_PROXY': {
        if (!uri) throw new Error(`an ${integration.integrationType} integration needs an integrationUri`)
        let url: URL
        try {
          url = new URL(uri)
        } catch {
          throw new Error(`integrationUri ${uri} is not an http(s) URL`)
        }
        if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`integrationUri ${uri} is not an http(s) URL`)
        return new HttpBackend(integration.integrationType === 'HTTP_PROXY', url, integration, deps.dispatcher)
      }
    }
    throw new Error(`integration type ${String(integration.integrationType)} is not available for WebSocket routes`)
  }
}
