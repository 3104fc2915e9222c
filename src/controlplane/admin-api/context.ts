// What every admin API handler receives: the request, its path parameters, the store (through the writer),
// the clock, the usage records port, and the narrow ports the gateway gives the control plane.

import type { IncomingMessage, ServerResponse } from 'node:http'
import type { ConfigStore } from '../../store/port/ports.js'
import type { RestApi, UsagePlan } from '../../model/types.js'
import type { AdminWriter } from './writes.js'

/**
 * Read access to usage records (requests admitted per key and UTC day) for the admin API's usage routes.
 * The gateway implements it on its StateStore.
 */
export interface UsageReader {
  /** One entry per UTC day from `fromDay` to `toDay` (`YYYY-MM-DD`, inclusive, at most 366 days), oldest first. */
  getUsage(planId: string, keyId: string, fromDay: string, toDay: string): Promise<Array<{ day: string; used: number }>>
  /** What remains of the key's quota in the current period; null when unknown (the admin API then computes it). */
  remaining(planId: string, keyId: string, plan: UsagePlan): Promise<number | null>
  /** Sets what remains of the key's quota in the current period (AWS UpdateUsage). Absent: not supported. */
  adjust?(planId: string, keyId: string, plan: UsagePlan, remaining: number): Promise<void>
}

/** One TestInvokeMethod request (§19.3): a method of the API's working definition, run without auth or keys. */
export interface TestInvokeRequest {
  api: RestApi
  resourceId: string
  httpMethod: string
  /** The path to run with (matching the resource's path), its query string included. */
  pathWithQueryString: string
  body?: string
  headers: Record<string, string>
  multiValueHeaders: Record<string, string[]>
  stageVariables: Record<string, string>
}

export interface TestInvokeResult {
  status: number
  body: string
  headers: Record<string, string>
  multiValueHeaders: Record<string, string[]>
  /** Milliseconds. */
  latency: number
  /** Lines of AWS's execution log form (without the trailing empty line). */
  log: string[]
}

/**
 * What the data plane lends the control plane (the gateway composes them; tests may leave them out):
 * running one method in process (TestInvokeMethod), flushing a stage's authorizer cache and response cache,
 * and where the data plane listens (GetSdk).
 */
export interface ControlPlanePorts {
  testInvoke?(req: TestInvokeRequest): Promise<TestInvokeResult>
  /** Drops the cached Lambda-authorizer results of an API stage (FlushStageAuthorizersCache, ResetAuthorizersCache). */
  flushAuthorizerCache?(apiId: string, stageName: string): Promise<void>
  /** Where the data plane listens (the default URL of generated SDKs, GetSdk); absent without a data plane. */
  dataPlane?(): { protocol: 'http' | 'https'; port: number } | undefined
  /** Drops the cached responses of a REST API stage (FlushStageCache). */
  flushStageCache?(apiId: string, stageName: string): Promise<void>
}

export interface HandlerContext {
  req: IncomingMessage
  res: ServerResponse
  url: URL
  /** Path parameters, decoded, in the order the route names them. */
  params: string[]
  store: ConfigStore
  writer: AdminWriter
  usage: UsageReader
  now: () => Date
  /** The account id AWS's messages and ARNs name (`identity.accountId`, default 000000000000). */
  accountId: string
  /** The region of generated endpoints and ARNs (`identity.region`, default us-east-1). */
  region: string
  ports: ControlPlanePorts
}

export type Handler = (ctx: HandlerContext) => Promise<void>
