// WebSocket APIs on the data-plane listener (docs/websocket.md, docs/aws-behaviour.md §10): the upgrade at
// the HTTP APIs' URL forms (`{apiId}.execute-api.…/{stage}`, the default WebSocket API on a bare host), the
// `$connect` integration before the handshake (a non-2xx answer refuses it with that status), route
// selection per message, route responses, AWS's error frames, `$disconnect` once per connection whatever
// ended it, the `@connections` management API, and the limits (message size, idle time, connection time).
// `ws` runs in noServer mode; no node:http here: the listener hands over the request and socket.

import { randomBytes, randomUUID } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import type { Duplex } from 'node:stream'
import { WebSocketServer, type WebSocket } from 'ws'
import type { GatewayPlan } from '../plan.js'
import { hostName as domainHostName, type DomainPlan } from '../domains.js'
import type { WsApiPlan, WsConnectGuard, WsConnectionInfo, WsIntegration, WsRequest, WsRoutePlan, WsStagePlan, WsUsage } from './plan.js'
import { NOT_JSON, parseBody } from './selection.js'
import { ConnectionRegistryUnavailableError, type ConnectionCommand, type ConnectionRegistry } from '../../store/port/connections.js'
import { MemoryConnectionRegistry } from '../../store/memory/connection-registry.js'
import { extendedRequestId } from '../../model/ids.js'
import { formatRequestTime } from '../context.js'
import { managementErrorBody, MANAGEMENT_ERRORS, wsErrorFrame } from '../../errors.js'
import { verifySigV4 } from '../../auth/sigv4.js'
import { evaluatePolicy, type Decision } from '../../auth/policy.js'
import { GATEWAY_ACCOUNT_ID, type IamCredential, type IdentityConfig } from '../../auth/identity.js'

/** AWS's WebSocket quotas (§11.4), each configurable for self-hosting. */
export interface WsLimits {
  /** A message (reassembled from its frames) over this closes the connection with 1009. AWS: 128 KB. */
  maxMessageBytes: number
  /** A connection without a message from the client for this long is closed (1001). AWS: 10 minutes. */
  idleTimeoutMs: number
  /** A connection is closed (1001) after this long, whatever it does. AWS: 2 hours. */
  maxConnectionMs: number
}

export const DEFAULT_WS_LIMITS: Readonly<WsLimits> = Object.freeze({ maxMessageBytes: 128 * 1024, idleTimeoutMs: 10 * 60_000, maxConnectionMs: 2 * 60 * 60_000 })

export interface WsLogger {
  warn(obj: object, msg?: string): void
  error(obj: object, msg?: string): void
}

export interface WebSocketOptions {
  logger: WsLogger
  accessLog?: ((line: string) => void) | null
  /**
   * The connection registry (a memory one of this gateway's own by default, closed by drain; a given one, shared
   * by several listeners or nodes, is closed by its owner).
   */
  registry?: ConnectionRegistry
  /** This node's id in the registry. */
  nodeId?: string
  limits?: Partial<WsLimits>
  /** Epoch ms (tests inject a clock). */
  now?: () => number
  /** The config's `identity` (SigV4 credentials for `@connections`); none declared: open on loopback. */
  identity?: () => IdentityConfig | undefined
}

/** The request the listener hands over (node:http's IncomingMessage, seen through what is used here). */
export interface UpgradeRequest {
  url?: string | undefined
  method?: string | undefined
  headers: Readonly<Record<string, string | string[] | undefined>>
  rawHeaders: string[]
  socket: { remoteAddress?: string | undefined }
}

/** An HTTP request to `@connections` (readable body) and its response (node:http's, seen through what is used). */
export interface ManagementRequest extends UpgradeRequest {
  on(event: 'data', cb: (chunk: Buffer) => void): unknown
  on(event: 'end' | 'error', cb: (err?: Error) => void): unknown
}
export interface ManagementResponse {
  writeContinue(): unknown
  writeHead(status: number, headers: Record<string, string | number>): unknown
  end(body?: string | Buffer): unknown
}

const REASONS: Readonly<Record<number, string>> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 429: 'Too Many Requests', 500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout' }
const EXECUTE_API = '.execute-api.'
/** `{prefix}/@connections/{id}`: the prefix is `/{stage}` on execute-api hosts, `/{basePath}` (or nothing) on custom domains. */
const CONNECTIONS = /^((?:\/[^/?]+)?)\/(?:@|%40)connections\/([^/?]+)\/?(?:\?.*)?$/i
const NO_STATUS_REASON = 'Client-side close frame status not set'
const GOING_AWAY = 'Going away'

/** How a connection ended, for `$disconnect` (§4.6): a close code and reason. */
interface Ending {
  code: number
  reason: string
}

/** One open connection. Its listeners are bound once, when it opens; nothing is allocated per message but the event. */
class Connection {
  readonly info: WsConnectionInfo
  readonly apiId: string
  readonly stageName: string
  readonly socket: WebSocket
  readonly connectedMark: number
  lastActive: number
  /** Set once: how it ended (a server-side close records its own before closing). */
  ending: Ending | null = null
  done = false
  readonly server: WebSocketGateway
  constructor(server: WebSocketGateway, info: WsConnectionInfo, stage: WsStagePlan, socket: WebSocket, now: number) {
    this.server = server
    this.info = info
    this.apiId = stage.apiId
    this.stageName = stage.stageName
    this.socket = socket
    this.connectedMark = now
    this.lastActive = now
    socket.on('message', this.onMessage)
    socket.on('close', this.onClose)
    socket.on('error', this.onError)
  }
  readonly onMessage = (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): void => {
    this.server.message(this, data, isBinary)
  }
  readonly onClose = (code: number, reason: Buffer): void => {
    this.server.ended(this, code, reason.toString('utf8'))
  }
  readonly onError = (err: Error): void => {
    // `ws` closes the socket after a protocol error (a message over the limit: 1009) with the code it put on
    // the error; the close event that follows reports 1006, so the code is kept for `$disconnect` here.
    if (this.ending === null) {
      const code = statusCodeOf(err)
      if (code !== undefined) this.ending = { code, reason: err.message }
    }
  }
  /** A close the gateway starts: recorded for `$disconnect`, then the close frame. */
  close(code: number, reason: string): void {
    if (this.ending === null) this.ending = { code, reason }
    if (this.socket.readyState === this.socket.OPEN || this.socket.readyState === this.socket.CONNECTING) this.socket.close(code, reason)
  }
}

/** The close code `ws` attached to a protocol error (a symbol-keyed property), if any. */
function statusCodeOf(err: Error): number | undefined {
  for (const sym of Object.getOwnPropertySymbols(err)) {
    if (sym.description === 'status-code') {
      const v = (err as unknown as Record<symbol, unknown>)[sym]
      if (typeof v === 'number') return v
    }
  }
  return undefined
}

/** A connection id: 16 URL-safe characters ending in `=`, like AWS's (§10.4). */
function connectionId(): string {
  return randomBytes(11).toString('base64url').slice(0, 15) + '='
}

function hostName(headers: UpgradeRequest['headers']): string {
  const h = headers.host
  const host = (Array.isArray(h) ? h[0] : h) ?? ''
  return host.toLowerCase()
}

function header(headers: UpgradeRequest['headers'], name: string): string | undefined {
  const v = headers[name]
  return Array.isArray(v) ? v.join(', ') : v
}

function isHandshake(req: UpgradeRequest): boolean {
  const key = header(req.headers, 'sec-websocket-key')
  return (req.method ?? 'GET') === 'GET' && (header(req.headers, 'upgrade') ?? '').toLowerCase() === 'websocket' && key !== undefined && /^[+/0-9A-Za-z]{22}==$/.test(key) && header(req.headers, 'sec-websocket-version') === '13'
}

function isLoopback(ip: string | undefined): boolean {
  return ip === '127.0.0.1' || ip === '::1' || ip === '::ffff:127.0.0.1' || (ip?.startsWith('127.') ?? false)
}

function sourceIpOf(ip: string | undefined): string {
  if (ip === undefined) return ''
  return ip.startsWith('::ffff:') ? ip.slice(7) : ip
}

export class WebSocketGateway {
  readonly #wss: WebSocketServer
  readonly #log: WsLogger
  readonly #accessLog: ((line: string) => void) | null
  readonly #registry: ConnectionRegistry
  readonly #ownsRegistry: boolean
  /** Registry writes under way (drain waits for the removals before it returns). */
  readonly #registryWrites = new Set<Promise<void>>()
  readonly #nodeId: string
  readonly #limits: WsLimits
  readonly #now: () => number
  readonly #identity: () => IdentityConfig | undefined
  readonly #connections = new Map<string, Connection>()
  readonly #sweep: NodeJS.Timeout
  #plan: () => GatewayPlan
  #pending = 0
  #pendingWaiters: Array<() => void> = []
  #draining = false
  /** `$disconnect` invocations under way, and who waits for them to end (drain). */
  #disconnecting = 0
  #disconnectWaiters: Array<() => void> = []

  constructor(plan: () => GatewayPlan, opts: WebSocketOptions) {
    this.#plan = plan
    this.#log = opts.logger
    this.#accessLog = opts.accessLog ?? null
    this.#registry = opts.registry ?? new MemoryConnectionRegistry()
    this.#ownsRegistry = opts.registry === undefined
    this.#nodeId = opts.nodeId ?? randomUUID()
    this.#limits = { ...DEFAULT_WS_LIMITS, ...opts.limits }
    this.#now = opts.now ?? Date.now
    this.#identity = opts.identity ?? (() => undefined)
    this.#wss = new WebSocketServer({
      noServer: true,
      maxPayload: this.#limits.maxMessageBytes,
      perMessageDeflate: false,
      clientTracking: false,
      // The `$connect` integration chose the subprotocol (§10.4); without one, none is echoed.
      handleProtocols: (_protocols, req) => (req as unknown as { gatehouseProtocol?: string }).gatehouseProtocol ?? false,
    })
    this.#registry.attach(this.#nodeId, (id, cmd) => this.#command(id, cmd))
    const shortest = Math.min(this.#limits.idleTimeoutMs, this.#limits.maxConnectionMs)
    this.#sweep = setInterval(() => this.sweep(), Math.max(5, Math.min(1000, Math.floor(shortest / 4)))).unref()
  }

  get limits(): Readonly<WsLimits> {
    return this.#limits
  }

  /** Open connections on this node. */
  get size(): number {
    return this.#connections.size
  }

  // ------------------------------------------------------------------------------------------------
  // Resolution

  /** The WebSocket API and stage a request's Host and first path segment name, or null. */
  #resolve(req: UpgradeRequest, path: string): { api: WsApiPlan; stage: WsStagePlan; rest: string } | null {
    const plan = this.#plan()
    const table = plan.websockets
    if (table === undefined) return null
    const host = hostName(req.headers)
    // A custom domain (§1.7) is served by its API mappings only, before the execute-api rules.
    if (plan.domains != null && plan.domains.size > 0) {
      const domain = plan.domains.find(domainHostName(host))
      if (domain !== undefined) return wsMapping(domain, path)
    }
    const at = host.indexOf(EXECUTE_API)
    const api = at > 0 ? table.apis.get(host.slice(0, at)) : table.defaultApi
    if (!api || api.disableExecuteApiEndpoint) return null
    let i = 1
    while (i < path.length && path.charCodeAt(i) !== 47) i++
    let name: string
    try {
      name = decodeURIComponent(path.slice(1, i))
    } catch {
      return null
    }
    const stage = api.stages.get(name)
    if (!stage) return null
    return { api, stage, rest: path.slice(i) }
  }

  /** Whether a request path could be `@connections` (the listener asks before routing it as HTTP). */
  static isManagementPath(url: string | undefined): boolean {
    return url !== undefined && (url.includes('/@connections/') || /\/%40connections\//i.test(url))
  }

  // ------------------------------------------------------------------------------------------------
  // The upgrade and `$connect`

  /** An upgrade request from the listener: `$connect`, then the handshake, or a refusal with a status. */
  upgrade(req: UpgradeRequest, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy())
    const url = req.url ?? '/'
    const q = url.indexOf('?')
    const path = q === -1 ? url : url.slice(0, q)
    // A request `ws` would refuse (no key, another version, not GET) is refused before `$connect` runs.
    if (!isHandshake(req)) {
      refuse(socket, 400)
      return
    }
    const found = this.#draining ? null : this.#resolve(req, path)
    if (found === null || (found.rest !== '' && found.rest !== '/')) {
      refuse(socket, this.#draining ? 503 : 403)
      return
    }
    const stage = found.stage
    const now = this.#now()
    const info = connectionInfo(req, url, q, now)
    const event = this.#event(info, stage, 'CONNECT', '$connect', '', NOT_JSON, null)
    const route = stage.connect
    ;(route?.metrics ?? stage.unmatchedMetrics).connect()
    if (route !== null && route.throttle !== null && !route.throttle.take()) {
      route.metrics.clientError()
      this.#logEvent(event, 429)
      refuse(socket, 429)
      return
    }
    if (route !== null && route.guard !== null) {
      void this.#guarded(req, socket, head, info, stage, route, route.guard, event)
      return
    }
    if (route === null || route.integration === null) {
      this.#accept(req, socket, head, info, stage, event, undefined)
      return
    }
    void this.#connect(req, socket, head, info, stage, route, route.integration, event)
  }

  /** `$connect`'s access control (authorizer, AWS_IAM, API key), then its integration with the grant on the connection. */
  async #guarded(req: UpgradeRequest, socket: Duplex, head: Buffer, info: WsConnectionInfo, stage: WsStagePlan, route: WsRoutePlan, guard: WsConnectGuard, event: WsRequest): Promise<void> {
    this.#pending++
    try {
      const outcome = await guard.check({ conn: info, stage, method: req.method ?? 'GET', url: req.url ?? '/', requestId: event.requestId, keys: this.#plan().keys })
      if (!outcome.ok) {
        route.metrics.clientError()
        this.#logEvent(event, outcome.status, undefined, outcome.reason)
        refuse(socket, outcome.status)
        return
      }
      // Every later event of the connection carries the grant (§10.2): the connect's own event too.
      const granted: WsConnectionInfo = { ...info, grant: outcome.grant }
      const ev: WsRequest = { ...event, conn: granted }
      if (route.integration === null) this.#accept(req, socket, head, granted, stage, ev, undefined)
      else await this.#connect(req, socket, head, granted, stage, route, route.integration, ev)
    } catch (err) {
      route.metrics.executionError()
      this.#logEvent(event, 500, undefined, (err as Error).message)
      refuse(socket, 500)
    } finally {
      this.#settled()
    }
  }

  /** `$connect`'s integration, then the handshake or the refusal (an async method: no closure per upgrade). */
  async #connect(req: UpgradeRequest, socket: Duplex, head: Buffer, info: WsConnectionInfo, stage: WsStagePlan, route: WsRoutePlan, integration: WsIntegration, event: WsRequest): Promise<void> {
    this.#pending++
    const started = performance.now()
    try {
      const result = await integration.invoke(event)
      const ms = performance.now() - started
      route.metrics.integrationLatency(ms)
      if (result.status < 200 || result.status > 299) {
        route.metrics.integrationError()
        this.#logEvent(event, result.status, ms)
        refuse(socket, result.status)
      } else {
        const protocol = result.headers ? headerOf(result.headers, 'sec-websocket-protocol') : undefined
        this.#accept(req, socket, head, info, stage, event, protocol, ms)
      }
    } catch (err) {
      route.metrics.executionError()
      this.#logEvent(event, 500, performance.now() - started, (err as Error).message)
      refuse(socket, 500)
    } finally {
      this.#settled()
    }
  }

  #accept(req: UpgradeRequest, socket: Duplex, head: Buffer, info: WsConnectionInfo, stage: WsStagePlan, event: WsRequest, protocol: string | undefined, latency?: number): void {
    if (socket.destroyed) return
    if (protocol !== undefined) (req as unknown as { gatehouseProtocol?: string }).gatehouseProtocol = protocol
    this.#wss.handleUpgrade(req as never, socket, head, (ws) => {
      const conn = new Connection(this, info, stage, ws, this.#now())
      this.#connections.set(info.connectionId, conn)
      this.#track(
        this.#registry
          .add({ connectionId: info.connectionId, apiId: stage.apiId, stage: stage.stageName, nodeId: this.#nodeId, connectedAt: info.connectedAt, sourceIp: info.sourceIp, userAgent: info.userAgent, lastActiveAt: info.connectedAt })
          .catch((err: unknown) => this.#log.warn({ err, connectionId: info.connectionId }, 'connection registry: cannot record a connection (it is served on this node; other nodes cannot reach it)')),
      )
      this.#logEvent(event, 200, latency)
    })
  }

  // ------------------------------------------------------------------------------------------------
  // Messages

  /** The stage a connection belongs to, in the plan now served (a new deployment applies to open connections). */
  #stageOf(conn: Connection): WsStagePlan | undefined {
    return this.#plan().websockets?.apis.get(conn.apiId)?.stages.get(conn.stageName)
  }

  message(conn: Connection, data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): void {
    if (conn.ending !== null) return
    if (isBinary) {
      // §10.4: binary frames are refused with 1003 (no content handling converts them here).
      conn.close(1003, 'Unsupported data')
      return
    }
    const stage = this.#stageOf(conn)
    if (stage === undefined) {
      conn.close(1001, GOING_AWAY)
      return
    }
    const now = this.#now()
    conn.lastActive = now
    this.#registry.touch(conn.info.connectionId, now)
    const text = Buffer.isBuffer(data) ? data.toString('utf8') : Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data).toString('utf8')
    const json = parseBody(text)
    const key = stage.routeSelection.evaluate({ body: json })
    const route = (key === undefined ? undefined : stage.routes.get(key)) ?? stage.default
    const event = this.#event(conn.info, stage, 'MESSAGE', route?.routeKey ?? key ?? '$default', text, json, messageId())
    if (route === null) {
      // §10.2: no match and no `$default`: the error frame; the connection stays open.
      stage.unmatchedMetrics.message()
      stage.unmatchedMetrics.clientError()
      this.#send(conn, wsErrorFrame('FORBIDDEN', conn.info.connectionId, event.requestId))
      this.#logEvent(event, 403)
      return
    }
    route.metrics.message()
    const usage = conn.info.grant?.usage
    if (usage !== undefined) {
      void this.#metered(conn, route, event, usage)
      return
    }
    this.#dispatch(conn, route, event)
  }

  /** A message of a connection with an API key: counted against the key's usage plan first (§10.6). */
  async #metered(conn: Connection, route: WsRoutePlan, event: WsRequest, usage: WsUsage): Promise<void> {
    let verdict: Awaited<ReturnType<WsUsage['admit']>>
    // Under way until dispatched: a drain waits for it.
    this.#pending++
    try {
      verdict = await usage.admit()
    } catch (err) {
      this.#log.warn({ err, connectionId: conn.info.connectionId }, 'usage plan: cannot count a message; admitted')
      verdict = 'OK'
    } finally {
      this.#settled()
    }
    if (verdict !== 'OK') {
      route.metrics.clientError()
      this.#send(conn, wsErrorFrame(verdict === 'THROTTLED' ? 'THROTTLED' : 'LIMIT_EXCEEDED', conn.info.connectionId, event.requestId))
      this.#logEvent(event, 429)
      return
    }
    this.#dispatch(conn, route, event)
  }

  /** A message past route selection (and its usage plan): the route's throttle, then its integration. */
  #dispatch(conn: Connection, route: WsRoutePlan, event: WsRequest): void {
    if (route.throttle !== null && !route.throttle.take()) {
      route.metrics.clientError()
      this.#send(conn, wsErrorFrame('THROTTLED', conn.info.connectionId, event.requestId))
      this.#logEvent(event, 429)
      return
    }
    if (route.integration === null) {
      route.metrics.executionError()
      this.#send(conn, wsErrorFrame('INTERNAL', conn.info.connectionId, event.requestId))
      this.#logEvent(event, 500)
      return
    }
    void this.#invoke(conn, route, route.integration, event)
  }

  /** A message's integration, then the route response or the error frame (an async method: no closure per message). */
  async #invoke(conn: Connection, route: WsRoutePlan, integration: WsIntegration, event: WsRequest): Promise<void> {
    this.#pending++
    const started = performance.now()
    try {
      const result = await integration.invoke(event)
      const ms = performance.now() - started
      route.metrics.integrationLatency(ms)
      if (result.status >= 400) route.metrics.integrationError()
      if (route.twoWay && result.body !== null && conn.ending === null) {
        route.metrics.message()
        this.#send(conn, result.body)
      }
      this.#logEvent(event, result.status, ms)
    } catch (err) {
      route.metrics.executionError()
      this.#send(conn, wsErrorFrame('INTERNAL', conn.info.connectionId, event.requestId))
      this.#logEvent(event, 500, performance.now() - started, (err as Error).message)
    } finally {
      this.#settled()
    }
  }

  #send(conn: Connection, text: string | Buffer): void {
    if (conn.socket.readyState === conn.socket.OPEN) conn.socket.send(text, { binary: false })
  }

  #settled(): void {
    this.#pending--
    if (this.#pending === 0) for (const w of this.#pendingWaiters.splice(0)) w()
  }

  // ------------------------------------------------------------------------------------------------
  // Endings and `$disconnect`

  /** The socket closed (whoever started it): `$disconnect` once, best-effort, after the socket is closed (§10.4). */
  ended(conn: Connection, code: number, reason: string): void {
    if (conn.done) return
    conn.done = true
    const ending = conn.ending ?? (code === 1005 ? { code, reason: NO_STATUS_REASON } : code === 1006 ? { code, reason: 'Connection lost' } : { code, reason })
    conn.ending = ending
    const id = conn.info.connectionId
    this.#connections.delete(id)
    this.#track(this.#registry.remove(id).catch((err: unknown) => this.#log.warn({ err, connectionId: id }, 'connection registry: cannot remove a connection')))
    const stage = this.#stageOf(conn)
    const route = stage?.disconnect ?? null
    if (stage === undefined) return
    const event = this.#event(conn.info, stage, 'DISCONNECT', '$disconnect', '', NOT_JSON, null, ending)
    if (route === null || route.integration === null) {
      this.#logEvent(event, 200)
      return
    }
    void this.#disconnect(route, route.integration, event)
  }

  /** `$disconnect`'s integration: best-effort, its answer ignored but counted and logged. */
  async #disconnect(route: WsRoutePlan, integration: WsIntegration, event: WsRequest): Promise<void> {
    const started = performance.now()
    this.#disconnecting++
    try {
      const result = await integration.invoke(event)
      const ms = performance.now() - started
      route.metrics.integrationLatency(ms)
      if (result.status >= 400) route.metrics.integrationError()
      this.#logEvent(event, result.status, ms)
    } catch (err) {
      route.metrics.executionError()
      this.#logEvent(event, 500, performance.now() - started, (err as Error).message)
    } finally {
      if (--this.#disconnecting === 0) for (const w of this.#disconnectWaiters.splice(0)) w()
    }
  }

  /** Closes connections past the idle time or the longest connection time (1001 Going away). */
  sweep(): void {
    const now = this.#now()
    const idle = this.#limits.idleTimeoutMs
    const max = this.#limits.maxConnectionMs
    for (const conn of this.#connections.values()) {
      if (conn.ending !== null) continue
      if (now - conn.connectedMark >= max || now - conn.lastActive >= idle) conn.close(1001, GOING_AWAY)
    }
  }

  /** Stop: no new connections; messages under way finish (up to `timeoutMs`); every socket closes with 1001; `$disconnect` runs. */
  async drain(timeoutMs: number): Promise<void> {
    this.#draining = true
    clearInterval(this.#sweep)
    const deadline = new Promise<void>((r) => setTimeout(r, timeoutMs).unref())
    if (this.#pending > 0) await Promise.race([new Promise<void>((r) => this.#pendingWaiters.push(r)), deadline])
    const closing: Array<Promise<void>> = []
    for (const conn of this.#connections.values()) {
      closing.push(new Promise<void>((r) => conn.socket.once('close', () => r())))
      conn.close(1001, GOING_AWAY)
    }
    await Promise.race([Promise.all(closing), deadline])
    // Sockets whose client never answered the close frame: ended now.
    for (const conn of [...this.#connections.values()]) {
      conn.socket.terminate()
      this.ended(conn, 1001, GOING_AWAY)
    }
    if (this.#disconnecting > 0) await Promise.race([new Promise<void>((r) => this.#disconnectWaiters.push(r)), deadline])
    // This node's entries leave the registry before it stops (a shared registry fails fast when unreachable).
    await Promise.race([Promise.all(this.#registryWrites), deadline])
    if (this.#ownsRegistry) await this.#registry.close()
  }

  /** Keeps a registry write until it settles (it never rejects: each logs its own failure). */
  #track(write: Promise<void>): void {
    this.#registryWrites.add(write)
    void write.finally(() => this.#registryWrites.delete(write))
  }

  // ------------------------------------------------------------------------------------------------
  // `@connections` (§10.5)

  /** A command from the registry for a connection of this node. */
  #command(id: string, cmd: ConnectionCommand): boolean {
    const conn = this.#connections.get(id)
    if (conn === undefined || conn.ending !== null || conn.socket.readyState !== conn.socket.OPEN) return false
    if (cmd.kind === 'delete') {
      conn.close(1000, 'Connection Closed Normally')
      return true
    }
    const stage = this.#stageOf(conn)
    stage?.unmatchedMetrics.message()
    conn.socket.send(cmd.data, { binary: false })
    return true
  }

  /**
   * An HTTP request whose path is `/{stage}/@connections/{id}` on a WebSocket API's host: answered here
   * (true), or not a WebSocket API's (false: the listener routes it as usual).
   */
  manage(req: ManagementRequest, res: ManagementResponse, expectsContinue = false): boolean {
    const url = req.url ?? '/'
    const m = CONNECTIONS.exec(url)
    if (m === null) return false
    const found = this.#resolve(req, m[1] === '' ? '/' : m[1]!)
    if (found === null || (found.rest !== '' && found.rest !== '/')) return false
    let id: string
    try {
      id = decodeURIComponent(m[2]!)
    } catch {
      answer(res, 'BAD_REQUEST')
      return true
    }
    if (expectsContinue) res.writeContinue()
    const chunks: Buffer[] = []
    let size = 0
    let tooLarge = false
    req.on('data', (c: Buffer) => {
      size += c.length
      if (size > this.#limits.maxMessageBytes) tooLarge = true
      else chunks.push(c)
    })
    req.on('error', () => undefined)
    req.on('end', () => {
      if (tooLarge) return answer(res, 'PAYLOAD_TOO_LARGE')
      const body = Buffer.concat(chunks)
      const method = (req.method ?? 'GET').toUpperCase()
      const denied = this.#authorize(req, url, body, found.stage, method, id)
      if (denied !== null) return answer(res, 'FORBIDDEN', denied)
      this.#manageConnection(found.stage, method, id, body, res).catch((err: unknown) => {
        if (err instanceof ConnectionRegistryUnavailableError) {
          this.#log.warn({ err, connectionId: id }, '@connections: the connection registry cannot be reached')
          return answer(res, /did not answer/.test(err.message) ? 'NODE_UNREACHABLE' : 'REGISTRY_UNAVAILABLE')
        }
        this.#log.error({ err, connectionId: id }, '@connections request failed')
        res.writeHead(500, { 'Content-Type': 'application/json', 'x-amzn-ErrorType': 'InternalServerErrorException' })
        res.end()
      })
    })
    return true
  }

  async #manageConnection(stage: WsStagePlan, method: string, id: string, body: Buffer, res: ManagementResponse): Promise<void> {
    // A connection of this node is answered without the registry (so it works while a shared one is unreachable).
    const local = this.#connections.get(id)
    if (local !== undefined && local.apiId === stage.apiId && local.stageName === stage.stageName) return this.#manageLocal(local, method, body, res)
    // A connection is its API stage's: another API's or stage's `@connections` does not see it.
    const r = await this.#registry.get(id)
    if (r === null || r.apiId !== stage.apiId || r.stage !== stage.stageName) return method === 'POST' || method === 'GET' || method === 'DELETE' ? answer(res, 'GONE') : answer(res, 'NOT_FOUND')
    if (method === 'POST') {
      if (!(await this.#registry.deliver(id, { kind: 'post', data: body }))) return answer(res, 'GONE')
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': 0, 'x-amzn-RequestId': randomUUID() })
      res.end()
      return
    }
    if (method === 'GET') {
      const text = JSON.stringify({ connectedAt: new Date(r.connectedAt).toISOString(), identity: { sourceIp: r.sourceIp, userAgent: r.userAgent }, lastActiveAt: new Date(r.lastActiveAt).toISOString() })
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), 'x-amzn-RequestId': randomUUID() })
      res.end(text)
      return
    }
    if (method === 'DELETE') {
      if (!(await this.#registry.deliver(id, { kind: 'delete' }))) return answer(res, 'GONE')
      res.writeHead(204, { 'x-amzn-RequestId': randomUUID() })
      res.end()
      return
    }
    answer(res, 'NOT_FOUND')
  }

  #manageLocal(conn: Connection, method: string, body: Buffer, res: ManagementResponse): void {
    const id = conn.info.connectionId
    if (method === 'POST' || method === 'DELETE') {
      if (!this.#command(id, method === 'POST' ? { kind: 'post', data: body } : { kind: 'delete' })) return answer(res, 'GONE')
      res.writeHead(method === 'POST' ? 200 : 204, method === 'POST' ? { 'Content-Type': 'application/json', 'Content-Length': 0, 'x-amzn-RequestId': randomUUID() } : { 'x-amzn-RequestId': randomUUID() })
      res.end()
      return
    }
    if (method !== 'GET') return answer(res, 'NOT_FOUND')
    if (conn.ending !== null) return answer(res, 'GONE')
    const info = conn.info
    const lastActiveAt = conn.lastActive === conn.connectedMark ? info.connectedAt : conn.lastActive
    const text = JSON.stringify({ connectedAt: new Date(info.connectedAt).toISOString(), identity: { sourceIp: info.sourceIp, userAgent: info.userAgent }, lastActiveAt: new Date(lastActiveAt).toISOString() })
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), 'x-amzn-RequestId': randomUUID() })
    res.end(text)
  }

  /**
   * SigV4 (service execute-api) against the config's `identity.credentials`, whose policies must allow
   * `execute-api:ManageConnections` on the connection's ARN; with no credentials declared, only loopback
   * callers are admitted (docs/websocket.md). Returns null when admitted, else the message of the 403.
   */
  #authorize(req: ManagementRequest, url: string, body: Buffer, stage: WsStagePlan, method: string, id: string): string | null {
    const identity = this.#identity()
    if (identity === undefined || identity.credentials.length === 0) {
      return isLoopback(req.socket.remoteAddress) ? null : 'Forbidden: @connections is open to loopback callers only when no identity.credentials are declared'
    }
    const q = url.indexOf('?')
    const headers: Array<[string, string]> = []
    for (let i = 0; i < req.rawHeaders.length; i += 2) headers.push([req.rawHeaders[i]!, req.rawHeaders[i + 1]!])
    const creds = new Map(identity.credentials.map((c) => [c.accessKeyId, c]))
    const r = verifySigV4(
      { method, rawPath: q === -1 ? url : url.slice(0, q), rawQuery: q === -1 ? '' : url.slice(q + 1), headers, body },
      { lookup: (k) => creds.get(k), region: identity.region, service: 'execute-api', nowMs: this.#now() },
    )
    if (!r.ok) return r.message
    const cred = r.credentials as IamCredential
    const resource = `arn:aws:execute-api:${identity.region}:${GATEWAY_ACCOUNT_ID}:${stage.apiId}/${stage.stageName}/${method}/@connections/${id}`
    let decision: Decision = 'SILENT'
    for (const policy of cred.policies) {
      const d = evaluatePolicy(policy, { action: 'execute-api:ManageConnections', resource, principal: { type: 'aws', arn: cred.principalArn, accountId: cred.accountId }, conditions: {} })
      if (d === 'DENY') return `User: ${cred.principalArn} is not authorized to perform: execute-api:ManageConnections on resource: ${resource} with an explicit deny`
      if (d === 'ALLOW') decision = 'ALLOW'
    }
    return decision === 'ALLOW' ? null : `User: ${cred.principalArn} is not authorized to perform: execute-api:ManageConnections on resource: ${resource}`
  }

  // ------------------------------------------------------------------------------------------------
  // Events and logs

  #event(info: WsConnectionInfo, stage: WsStagePlan, eventType: WsRequest['eventType'], routeKey: string, body: string, json: unknown, msgId: string | null, ending?: Ending): WsRequest {
    const rid = extendedRequestId()
    return {
      conn: info,
      stage,
      eventType,
      routeKey,
      // §10.6: requestId equals extendedRequestId on WebSocket APIs.
      requestId: rid,
      extendedRequestId: rid,
      messageId: msgId,
      requestTimeEpoch: this.#now(),
      body,
      json,
      ...(ending ? { disconnectStatusCode: ending.code, disconnectReason: ending.reason } : {}),
    }
  }

  /** One access-log line per event (§11.6), with `$context.connectionId`, `eventType`, `routeKey`, `messageId`. */
  #logEvent(event: WsRequest, status: number, latencyMs?: number, error?: string): void {
    const format = event.stage.accessLog
    if (format === null || this.#accessLog === null) return
    const c = event.conn
    this.#accessLog(
      format.format((name) => {
        switch (name) {
          case 'requestId':
          case 'extendedRequestId':
            return event.requestId
          case 'connectionId':
            return c.connectionId
          case 'connectedAt':
            return String(c.connectedAt)
          case 'eventType':
            return event.eventType
          case 'routeKey':
            return event.routeKey
          case 'messageId':
            return event.messageId ?? undefined
          case 'messageDirection':
            return 'IN'
          case 'status':
            return String(status)
          case 'integrationLatency':
            return latencyMs === undefined ? undefined : String(Math.round(latencyMs))
          case 'requestTime':
            return formatRequestTime(event.requestTimeEpoch)
          case 'requestTimeEpoch':
            return String(event.requestTimeEpoch)
          case 'identity.sourceIp':
            return c.sourceIp
          case 'identity.userAgent':
            return c.userAgent
          case 'stage':
            return event.stage.stageName
          case 'apiId':
            return event.stage.apiId
          case 'domainName':
            return c.domainName
          case 'error.message':
          case 'integrationErrorMessage':
            return error
          case 'disconnectStatusCode':
            return event.disconnectStatusCode === undefined ? undefined : String(event.disconnectStatusCode)
          case 'disconnectReason':
            return event.disconnectReason
          default:
            return grantVariable(c.grant, name)
        }
      }),
    )
  }
}

/** The WebSocket API mapping of a custom domain a path falls under (whole segments, longest base path first), or null. */
function wsMapping(domain: DomainPlan, path: string): { api: WsApiPlan; stage: WsStagePlan; rest: string } | null {
  for (const m of domain.websocket ?? []) {
    if (m.basePath === '') return { api: m.api, stage: m.stage, rest: path }
    const n = m.basePath.length + 1
    if (path.startsWith(m.basePath, 1) && path.charCodeAt(0) === 47 && (path.length === n || path.charCodeAt(n) === 47)) return { api: m.api, stage: m.stage, rest: path.slice(n) }
  }
  return null
}

/** `$context.authorizer.*` and `$context.identity.*` set by `$connect`'s access control, for access logs. */
function grantVariable(grant: WsConnectionInfo['grant'], name: string): string | undefined {
  if (grant === undefined) return undefined
  const [scope, key] = name.startsWith('authorizer.') ? [grant.authorizer, name.slice(11)] : name.startsWith('identity.') ? [grant.identity, name.slice(9)] : [undefined, '']
  const v = scope?.[key]
  return v === undefined || v === null ? undefined : typeof v === 'object' ? JSON.stringify(v) : String(v)
}

let messageCounter = 0
/** `$context.messageId`: unique per message, AWS-shaped (16 characters ending in `=`). */
function messageId(): string {
  messageCounter = (messageCounter + 1) % 0x1000000
  return extendedRequestId().slice(0, 11) + messageCounter.toString(36).padStart(4, '0').slice(-4) + '='
}

function headerOf(headers: Readonly<Record<string, string>>, name: string): string | undefined {
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === name) return String(v)
  return undefined
}

function connectionInfo(req: UpgradeRequest, url: string, q: number, now: number): WsConnectionInfo {
  const headers: Record<string, string> = {}
  const multi: Record<string, string[]> = {}
  // AWS passes the upgrade request's headers with their names as sent.
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!
    const value = req.rawHeaders[i + 1]!
    headers[name] = headers[name] === undefined ? value : `${headers[name]},${value}`
    ;(multi[name] ??= []).push(value)
  }
  let query: Record<string, string> | null = null
  let multiQuery: Record<string, string[]> | null = null
  if (q !== -1 && q < url.length - 1) {
    query = {}
    multiQuery = {}
    for (const [k, v] of new URLSearchParams(url.slice(q + 1))) {
      query[k] = v
      ;(multiQuery[k] ??= []).push(v)
    }
  }
  const lower: Record<string, string> = {}
  for (const [k, v] of Object.entries(headers)) lower[k.toLowerCase()] = v
  return {
    connectionId: connectionId(),
    connectedAt: now,
    sourceIp: sourceIpOf(req.socket.remoteAddress),
    userAgent: header(req.headers, 'user-agent') ?? '',
    domainName: (header(req.headers, 'host') ?? '').replace(/:\d+$/, ''),
    headers,
    lowerHeaders: lower,
    multiValueHeaders: multi,
    query,
    multiValueQuery: multiQuery,
  }
}

/** Refuses an upgrade with a status (§10.4: the `$connect` integration's, 403 for an unknown API or stage). */
function refuse(socket: Duplex, status: number): void {
  if (socket.destroyed) return
  const reason = REASONS[status] ?? 'Error'
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\nx-amzn-RequestId: ${randomUUID()}\r\n\r\n`)
}

function answer(res: ManagementResponse, code: keyof typeof MANAGEMENT_ERRORS, message?: string): void {
  const e = MANAGEMENT_ERRORS[code]
  const body = managementErrorBody(code, message)
  res.writeHead(e.status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), 'x-amzn-ErrorType': e.errorType, 'x-amzn-RequestId': randomUUID() })
  res.end(body)
}
