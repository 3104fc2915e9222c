// serverless.yml `websocket` events (Serverless Framework v3) as one `type: websocket` API (docs/websocket.md,
// docs/serverless-framework.md): each event's `route` targets its function (AWS_PROXY), `routeResponseSelectionExpression`
// makes the route two-way, `authorizer` (a function of the service by key or name, or `arn:`; with
// `identitySource`, the framework's default `route.request.header.Auth`) guards `$connect`. The API is named
// `provider.websocketsApiName` (default `{stage}-{service}-websockets`), selects routes by
// `provider.websocketsApiRouteSelectionExpression` (default `$request.body.action`) and has the service's stage.

import { isRecord, type ApiDecl } from '../config/config-file.js'
import type { EventContext } from './serverless-events.js'
import { str } from './serverless-events.js'
import { wsIdentitySourceProblem } from '../../dataplane/websocket/selection.js'

type Obj = Record<string, unknown>

export class WebSocketApiBuilder {
  readonly #ctx: EventContext
  readonly #name: string
  readonly #provider: Obj
  readonly #integrations: Record<string, Record<string, unknown>> = {}
  readonly #authorizers: Record<string, Record<string, unknown>> = {}
  readonly #routes = new Map<string, Record<string, unknown>>()

  constructor(ctx: EventContext, provider: Obj) {
    this.#ctx = ctx
    this.#provider = provider
    this.#name = str(provider.websocketsApiName) ?? `${ctx.stage}-${ctx.service}-websockets`
  }

  get name(): string {
    return this.#name
  }

  /** One `websocket` event of function `key` (`body`: `$connect`, or `{route, routeResponseSelectionExpression, authorizer}`). */
  addEvent(key: string, body: unknown, path: string, resolveFunction: (ref: string) => string | undefined): void {
    const ev: Obj = typeof body === 'string' ? { route: body } : isRecord(body) ? body : {}
    const route = str(ev.route)
    if (route === undefined || route === '') {
      this.#ctx.problem(path, 'a websocket event names its route: websocket: $connect, or route: under it')
      return
    }
    if (this.#routes.has(route)) {
      this.#ctx.problem(`${path}/route`, `route "${route}" is declared by two websocket events`)
      return
    }
    const uri = this.#ctx.functionUri(key)
    if (uri === undefined) return
    const integrationId = key.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64)
    this.#integrations[integrationId] = { integrationType: 'AWS_PROXY', integrationUri: uri }
    const r: Record<string, unknown> = { routeKey: route, target: `integrations/${integrationId}` }
    const rrse = str(ev.routeResponseSelectionExpression)
    if (rrse !== undefined) {
      r.routeResponseSelectionExpression = rrse
      r.routeResponses = [{ routeResponseKey: '$default' }]
    }
    if (ev.authorizer !== undefined) {
      if (route !== '$connect') this.#ctx.problem(`${path}/authorizer`, 'an authorizer can only be set on the $connect route')
      else {
        const a = this.#authorizer(ev.authorizer, `${path}/authorizer`, resolveFunction)
        if (a !== undefined) {
          r.authorizationType = 'CUSTOM'
          r.authorizerId = a
        }
      }
    }
    this.#routes.set(route, r)
  }

  #authorizer(raw: unknown, path: string, resolveFunction: (ref: string) => string | undefined): string | undefined {
    const a: Obj = typeof raw === 'string' ? (raw.startsWith('arn:') ? { arn: raw } : { name: raw }) : isRecord(raw) ? raw : {}
    const ref = str(a.arn) ?? str(a.name)
    if (ref === undefined) {
      this.#ctx.problem(path, 'an authorizer names a function of this service (name:) or a Lambda ARN (arn:)')
      return undefined
    }
    const uri = ref.startsWith('arn:') ? ref : resolveFunction(ref)
    if (uri === undefined) {
      this.#ctx.problem(path, `authorizer "${ref}" names no function of this service`)
      return undefined
    }
    const sources = a.identitySource === undefined ? ['route.request.header.Auth'] : Array.isArray(a.identitySource) ? a.identitySource.map(String) : [String(a.identitySource)]
    sources.forEach((s, i) => {
      const bad = wsIdentitySourceProblem(s)
      if (bad !== null) this.#ctx.problem(`${path}/identitySource${Array.isArray(a.identitySource) ? `/${i}` : ''}`, bad)
    })
    const id = ref.replace(/^arn:.*:function:/, '').replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64)
    this.#authorizers[id] = { authorizerUri: uri, identitySource: sources }
    return id
  }

  /** The API, or undefined without any websocket event. */
  build(id: string): ApiDecl | undefined {
    if (this.#routes.size === 0) return undefined
    const decl: ApiDecl = {
      name: this.#name,
      id,
      type: 'websocket',
      routeSelectionExpression: str(this.#provider.websocketsApiRouteSelectionExpression) ?? '$request.body.action',
      integrations: this.#integrations,
      routes: [...this.#routes.values()],
      stages: { [this.#ctx.stage]: {} },
    }
    if (Object.keys(this.#authorizers).length > 0) decl.authorizers = this.#authorizers
    if (typeof this.#provider.websocketsDescription === 'string') decl.description = this.#provider.websocketsDescription
    return decl
  }
}
