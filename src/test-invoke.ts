// TestInvokeMethod's port (§19.3), composed here because it joins both planes: the control plane hands over
// a method of an API's working definition; this compiles a one-method plan of it (without the policy, auth,
// API key and throttle steps, as AWS runs a test invocation) and runs the request through the data plane in
// process. The answer is what a client would get, with an execution log in AWS's form.

import { performance } from 'node:perf_hooks'
import type { Logger } from 'pino'
import type { Deployment, RestApi, Stage } from './model/types.js'
import { compileGateway } from './controlplane/compile/compile.js'
import type { TestInvokeRequest, TestInvokeResult } from './controlplane/admin-api/index.js'
import type { IntegrationTable, MetricsHandle, StepFactory } from './dataplane/plan.js'
import { invokeInProcess } from './dataplane/in-process.js'

const STAGE = 'test-invoke-stage'
/** AWS runs a test invocation without authorization, API keys, throttling or the stage cache. */
const SKIPPED_STEPS = new Set(['policy', 'auth', 'apikey', 'throttle', 'cache'])
/** Headers of the answer that belong to the transport rather than the method. */
const TRANSPORT_HEADERS = new Set(['x-amzn-requestid', 'x-amz-apigw-id', 'connection', 'content-length', 'apigw-requestid'])

const NO_METRICS: MetricsHandle = { count() {}, latency() {}, integrationLatency() {}, error4xx() {}, error5xx() {}, cacheHit() {}, cacheMiss() {} }

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat']
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

/** `Thu Mar 21 10:00:00 UTC 2024`: the time stamp of AWS's execution log lines. */
function logTime(d: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0')
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} UTC ${d.getUTCFullYear()}`
}

/** A Java-style map print, as AWS's log shows parameters: `{a=1, b=2}`. */
function javaMap(entries: Iterable<[string, string]>): string {
  return `{${[...entries].map(([k, v]) => `${k}=${v}`).join(', ')}}`
}

/** The path parameters a concrete path gives a resource template. */
function pathParams(template: string, path: string): Array<[string, string]> {
  const names: string[] = []
  const source = template
    .split('/')
    .map((seg) => {
      const m = /^\{(.+?)(\+)?\}$/.exec(seg)
      if (!m) return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
      names.push(m[1]!)
      return m[2] ? '(.+)' : '([^/]+)'
    })
    .join('/')
  const match = new RegExp(`^${source}/?$`).exec(path)
  return match ? names.map((n, i) => [n, match[i + 1]!]) : []
}

export interface TestInvokeDeps {
  steps: () => readonly StepFactory[]
  integrations: () => IntegrationTable
  logger: Logger
}

/** The TestInvokeMethod port for the admin API. */
export function testInvoker(deps: TestInvokeDeps): (req: TestInvokeRequest) => Promise<TestInvokeResult> {
  return async (req) => {
    const started = performance.now()
    const resource = req.api.resources[req.resourceId]!
    const method = resource.resourceMethods[req.httpMethod as keyof typeof resource.resourceMethods]!
    const now = new Date().toISOString()
    // The API reduced to the one method: nothing else can answer the request.
    const api: RestApi = {
      ...req.api,
      disableExecuteApiEndpoint: false,
      resources: { [resource.id]: { ...resource, resourceMethods: { [req.httpMethod]: method } } },
    }
    const deployment: Deployment = { id: 'testinvoke', apiId: api.id, createdDate: now, snapshot: api }
    const stage: Stage = { apiId: api.id, stageName: STAGE, deploymentId: deployment.id, variables: { ...req.stageVariables }, methodSettings: {}, tags: {}, createdDate: now, lastUpdatedDate: now }
    const plan = compileGateway(
      { revision: 0, deployments: new Map([[deployment.id, deployment]]), stages: [stage], settings: {} },
      { metrics: { handle: () => NO_METRICS }, accessLogs: false, steps: deps.steps().filter((f) => !SKIPPED_STEPS.has(f.kind)), integrations: deps.integrations() },
    )
    const headers: Array<[string, string]> = [['Host', `${api.id}.execute-api.localhost`]]
    for (const [k, v] of Object.entries(req.headers)) headers.push([k, v])
    for (const [k, vs] of Object.entries(req.multiValueHeaders)) if (req.headers[k] === undefined) for (const v of vs) headers.push([k, v])
    const body = req.body === undefined ? undefined : Buffer.from(req.body)
    if (body !== undefined && body.length > 0 && !headers.some(([k]) => k.toLowerCase() === 'content-type')) headers.push(['Content-Type', 'application/json'])
    const verb = req.httpMethod === 'ANY' ? 'GET' : req.httpMethod
    const res = await invokeInProcess(plan, { method: verb, url: `/${STAGE}${req.pathWithQueryString}`, headers, ...(body !== undefined ? { body } : {}) }, deps.logger)

    const out: Record<string, string> = {}
    const multi: Record<string, string[]> = {}
    for (const [k, v] of res.headers) {
      if (TRANSPORT_HEADERS.has(k.toLowerCase())) continue
      out[k] = v
      ;(multi[k] ??= []).push(v)
    }
    const text = res.body.toString('utf8')
    const q = req.pathWithQueryString.indexOf('?')
    const path = q < 0 ? req.pathWithQueryString : req.pathWithQueryString.slice(0, q)
    const query = new URLSearchParams(q < 0 ? '' : req.pathWithQueryString.slice(q + 1))
    const t = logTime(new Date())
    const log = [
      `Execution log for request ${res.requestId}`,
      `${t} : Starting execution for request: ${res.requestId}`,
      `${t} : HTTP Method: ${verb}, Resource Path: ${path}`,
      `${t} : Method request path: ${javaMap(pathParams(resource.path, path))}`,
      `${t} : Method request query string: ${javaMap(query.entries())}`,
      `${t} : Method request headers: ${javaMap(Object.entries(req.headers))}`,
      `${t} : Method request body before transformations: ${req.body ?? ''}`,
      `${t} : Method response body after transformations: ${text}`,
      `${t} : Method response headers: ${javaMap(Object.entries(out))}`,
      `${t} : ${res.status < 500 ? 'Successfully completed execution' : 'Execution failed'}`,
      `${t} : Method completed with status: ${res.status}`,
    ]
    return { status: res.status, body: text, headers: out, multiValueHeaders: multi, latency: Math.round(performance.now() - started), log }
  }
}
