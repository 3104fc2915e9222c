// Prometheus metrics with AWS's CloudWatch names (§11.5): Count, Latency, IntegrationLatency, 4XXError,
// 5XXError, labelled by API, stage, method and resource (route key on HTTP APIs). Label children are
// resolved once per route at compile time, so a request only increments.

import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import type { MetricsHandle } from '../dataplane/plan.js'

const LABELS = ['api_name', 'api_id', 'stage', 'method', 'resource'] as const
const BUCKETS = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000]

export class GatewayMetrics {
  readonly registry = new Registry()
  readonly #count: Counter<(typeof LABELS)[number]>
  readonly #latency: Histogram<(typeof LABELS)[number]>
  readonly #integrationLatency: Histogram<(typeof LABELS)[number]>
  readonly #e4: Counter<(typeof LABELS)[number]>
  readonly #e5: Counter<(typeof LABELS)[number]>
  readonly #handles = new Map<string, MetricsHandle>()
  readonly #stateErrors: Counter

  constructor(opts: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry]
    this.#count = new Counter({ name: 'apigateway_Count', help: 'Requests received (AWS/ApiGateway Count).', labelNames: LABELS, registers })
    this.#latency = new Histogram({ name: 'apigateway_Latency', help: 'Milliseconds from receipt to response (AWS/ApiGateway Latency).', labelNames: LABELS, buckets: BUCKETS, registers })
    this.#integrationLatency = new Histogram({ name: 'apigateway_IntegrationLatency', help: 'Milliseconds spent on the backend (AWS/ApiGateway IntegrationLatency).', labelNames: LABELS, buckets: BUCKETS, registers })
    this.#e4 = new Counter({ name: 'apigateway_4XXError', help: 'Responses with a 4xx status (AWS/ApiGateway 4XXError; 4xx on HTTP APIs).', labelNames: LABELS, registers })
    this.#e5 = new Counter({ name: 'apigateway_5XXError', help: 'Responses with a 5xx status (AWS/ApiGateway 5XXError; 5xx on HTTP APIs).', labelNames: LABELS, registers })
    this.#stateErrors = new Counter({ name: 'gatehouse_state_store_errors_total', help: 'Requests for which the shared state store (Redis) could not be reached.', registers })
    if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry, prefix: 'gatehouse_' })
  }

  /** The handle for one (api, stage, method, resource); cached, so plans rebuilt on reload reuse it. */
  handle(apiName: string, apiId: string, stage: string, method: string, resource: string): MetricsHandle {
    const key = `${apiId}\u0000${stage}\u0000${method}\u0000${resource}`
    let h = this.#handles.get(key)
    if (h) return h
    const labels = { api_name: apiName, api_id: apiId, stage, method, resource }
    const count = this.#count.labels(labels)
    const latency = this.#latency.labels(labels)
    const integration = this.#integrationLatency.labels(labels)
    const e4 = this.#e4.labels(labels)
    const e5 = this.#e5.labels(labels)
    h = {
      count: () => count.inc(),
      latency: (ms) => latency.observe(ms),
      integrationLatency: (ms) => integration.observe(ms),
      error4xx: (v) => {
        if (v) e4.inc()
      },
      error5xx: (v) => {
        if (v) e5.inc()
      },
    }
    this.#handles.set(key, h)
    return h
  }

  stateStoreErrors(): void {
    this.#stateErrors.inc()
  }

  text(): Promise<string> {
    return this.registry.metrics()
  }

  get contentType(): string {
    return this.registry.contentType
  }
}
