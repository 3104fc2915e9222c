// Prometheus metrics with AWS's CloudWatch names (§11.5): Count, Latency, IntegrationLatency, 4XXError,
// 5XXError, CacheHitCount, CacheMissCount, labelled by API, stage, method and resource (route key on HTTP APIs). A route's series are
// plain numbers held by its handle (resolved once per route at compile time), so a request only adds to
// fields; they are written out in Prometheus text at scrape time. prom-client keeps the process metrics.

import { Counter, Registry, collectDefaultMetrics } from 'prom-client'
import type { MetricsHandle } from '../dataplane/plan.js'
import type { WsMetricsHandle } from '../dataplane/websocket/plan.js'

const BUCKETS = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000]

class Histo {
  readonly counts = new Float64Array(BUCKETS.length)
  sum = 0
  count = 0
  observe(v: number): void {
    this.sum += v
    this.count++
    for (let i = 0; i < BUCKETS.length; i++) {
      if (v <= BUCKETS[i]!) {
        this.counts[i]!++
        return
      }
    }
  }
}

class RouteSeries implements MetricsHandle {
  readonly labels: string
  requests = 0
  e4 = 0
  e5 = 0
  hits = 0
  misses = 0
  readonly lat = new Histo()
  readonly ilat = new Histo()
  constructor(labels: string) {
    this.labels = labels
  }
  count(): void {
    this.requests++
  }
  latency(ms: number): void {
    this.lat.observe(ms)
  }
  integrationLatency(ms: number): void {
    this.ilat.observe(ms)
  }
  error4xx(v: 0 | 1): void {
    this.e4 += v
  }
  error5xx(v: 0 | 1): void {
    this.e5 += v
  }
  cacheHit(): void {
    this.hits++
  }
  cacheMiss(): void {
    this.misses++
  }
}

/** A WebSocket route's series (§11.5): ConnectCount, MessageCount, IntegrationError, ClientError, ExecutionError, IntegrationLatency. */
class WsRouteSeries implements WsMetricsHandle {
  readonly labels: string
  connects = 0
  messages = 0
  integrationErrors = 0
  clientErrors = 0
  executionErrors = 0
  readonly ilat = new Histo()
  constructor(labels: string) {
    this.labels = labels
  }
  connect(): void {
    this.connects++
  }
  message(): void {
    this.messages++
  }
  integrationError(): void {
    this.integrationErrors++
  }
  clientError(): void {
    this.clientErrors++
  }
  executionError(): void {
    this.executionErrors++
  }
  integrationLatency(ms: number): void {
    this.ilat.observe(ms)
  }
}

const WS_FAMILIES: Array<[string, string, 'counter' | 'histogram', (s: WsRouteSeries) => number | Histo]> = [
  ['apigateway_ConnectCount', 'WebSocket connections that reached $connect (AWS/ApiGateway ConnectCount).', 'counter', (s) => s.connects],
  ['apigateway_MessageCount', 'WebSocket messages, to and from clients (AWS/ApiGateway MessageCount).', 'counter', (s) => s.messages],
  ['apigateway_IntegrationError', 'WebSocket integration answers with a 4xx/5xx status (AWS/ApiGateway IntegrationError).', 'counter', (s) => s.integrationErrors],
  ['apigateway_ClientError', 'WebSocket requests refused by the gateway before the integration (AWS/ApiGateway ClientError).', 'counter', (s) => s.clientErrors],
  ['apigateway_ExecutionError', 'WebSocket integrations that failed or could not be called (AWS/ApiGateway ExecutionError).', 'counter', (s) => s.executionErrors],
]

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')
}

const FAMILIES: Array<[string, string, 'counter' | 'histogram', (s: RouteSeries) => number | Histo, cacheOnly?: true]> = [
  ['apigateway_Count', 'Requests received (AWS/ApiGateway Count).', 'counter', (s) => s.requests],
  ['apigateway_Latency', 'Milliseconds from receipt to response (AWS/ApiGateway Latency).', 'histogram', (s) => s.lat],
  ['apigateway_IntegrationLatency', 'Milliseconds spent on the backend (AWS/ApiGateway IntegrationLatency).', 'histogram', (s) => s.ilat],
  ['apigateway_4XXError', 'Responses with a 4xx status (AWS/ApiGateway 4XXError; 4xx on HTTP APIs).', 'counter', (s) => s.e4],
  ['apigateway_5XXError', 'Responses with a 5xx status (AWS/ApiGateway 5XXError; 5xx on HTTP APIs).', 'counter', (s) => s.e5],
  // Only for routes whose requests have gone through the stage cache (§8), as CloudWatch has them only there.
  ['apigateway_CacheHitCount', 'Requests answered from the REST stage cache (AWS/ApiGateway CacheHitCount).', 'counter', (s) => s.hits, true],
  ['apigateway_CacheMissCount', 'Requests of cached methods that went to the integration (AWS/ApiGateway CacheMissCount).', 'counter', (s) => s.misses, true],
]

export class GatewayMetrics {
  readonly registry = new Registry()
  readonly #series = new Map<string, RouteSeries>()
  readonly #wsSeries = new Map<string, WsRouteSeries>()
  readonly #stateErrors: Counter

  constructor(opts: { defaultMetrics?: boolean } = {}) {
    this.#stateErrors = new Counter({ name: 'gatehouse_state_store_errors_total', help: 'Requests for which the shared state store (Redis) could not be reached.', registers: [this.registry] })
    if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry, prefix: 'gatehouse_' })
  }

  /** The handle for one (api, stage, method, resource); cached, so plans rebuilt on reload keep counting. */
  handle(apiName: string, apiId: string, stage: string, method: string, resource: string): MetricsHandle {
    const labels = `api_name="${escapeLabel(apiName)}",api_id="${escapeLabel(apiId)}",stage="${escapeLabel(stage)}",method="${escapeLabel(method)}",resource="${escapeLabel(resource)}"`
    let s = this.#series.get(labels)
    if (!s) {
      s = new RouteSeries(labels)
      this.#series.set(labels, s)
    }
    return s
  }

  /** A WebSocket route's handle (api, stage, route key; `-` for what matched no route); cached like `handle`. */
  wsHandle(apiName: string, apiId: string, stage: string, route: string): WsMetricsHandle {
    const labels = `api_name="${escapeLabel(apiName)}",api_id="${escapeLabel(apiId)}",stage="${escapeLabel(stage)}",route="${escapeLabel(route)}"`
    let s = this.#wsSeries.get(labels)
    if (!s) {
      s = new WsRouteSeries(labels)
      this.#wsSeries.set(labels, s)
    }
    return s
  }

  stateStoreErrors(): void {
    this.#stateErrors.inc()
  }

  /** The Prometheus text exposition of every metric. */
  async text(): Promise<string> {
    const lines: string[] = []
    const series = [...this.#series.values()]
    const ws = [...this.#wsSeries.values()]
    for (const [name, help, type, get, cacheOnly] of FAMILIES) {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`)
      for (const s of series) {
        if (cacheOnly && s.hits + s.misses === 0) continue
        const v = get(s)
        if (typeof v === 'number') {
          lines.push(`${name}{${s.labels}} ${v}`)
          continue
        }
        let cumulative = 0
        for (let i = 0; i < BUCKETS.length; i++) {
          cumulative += v.counts[i]!
          lines.push(`${name}_bucket{${s.labels},le="${BUCKETS[i]}"} ${cumulative}`)
        }
        lines.push(`${name}_bucket{${s.labels},le="+Inf"} ${v.count}`, `${name}_sum{${s.labels}} ${v.sum}`, `${name}_count{${s.labels}} ${v.count}`)
      }
      // WebSocket routes' IntegrationLatency shares the family (labelled by route instead of method and resource).
      if (name === 'apigateway_IntegrationLatency') for (const s of ws) writeSeries(lines, name, s.labels, s.ilat)
    }
    if (ws.length > 0) {
      for (const [name, help, type, get] of WS_FAMILIES) {
        lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`)
        for (const s of ws) writeSeries(lines, name, s.labels, get(s))
      }
    }
    return lines.join('\n') + '\n' + (await this.registry.metrics())
  }

  get contentType(): string {
    return this.registry.contentType
  }
}

function writeSeries(lines: string[], name: string, labels: string, v: number | Histo): void {
  if (typeof v === 'number') {
    lines.push(`${name}{${labels}} ${v}`)
    return
  }
  let cumulative = 0
  for (let i = 0; i < BUCKETS.length; i++) {
    cumulative += v.counts[i]!
    lines.push(`${name}_bucket{${labels},le="${BUCKETS[i]}"} ${cumulative}`)
  }
  lines.push(`${name}_bucket{${labels},le="+Inf"} ${v.count}`, `${name}_sum{${labels}} ${v.sum}`, `${name}_count{${labels}} ${v.count}`)
}
