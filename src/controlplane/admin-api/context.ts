// What every admin API handler receives: the request, its path parameters, the store (through the writer),
// the clock, and the usage records port.

import type { IncomingMessage, ServerResponse } from 'node:http'
import type { ConfigStore } from '../../store/port/ports.js'
import type { UsagePlan } from '../../model/types.js'
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
}

export type Handler = (ctx: HandlerContext) => Promise<void>
