// What the HTTP and WebSocket API (apigatewayv2) handlers share: reading an API with AWS's not-found
// message, changing it in one revision-checked batch that also redeploys every `autoDeploy` stage (so the
// change applies at once there, §3.3), paging with `maxResults`/`nextToken`, and body field readers.

import { randomId } from '../../../model/ids.js'
import type { Api, Deployment, HttpApi, Stage } from '../../../model/types.js'
import type { ChangeOp, ConfigStore, StoredDoc } from '../../../store/port/ports.js'
import type { HandlerContext } from '../context.js'
import { AdminApiError, badRequest, notFound } from '../http.js'
import { putOp, withHistoryPruned } from '../writes.js'

export function apiNotFound(ctx: Pick<HandlerContext, 'accountId'>, id: string): AdminApiError {
  return notFound(`Invalid API identifier specified ${ctx.accountId}:${id}`)
}

/** `{Thing} not found` style 404 of apigatewayv2 for a part of an API. */
export function partNotFound(what: string, id: string): AdminApiError {
  return notFound(`Invalid ${what} identifier specified ${id}`)
}

export async function readHttpApi(ctx: Pick<HandlerContext, 'accountId'>, store: ConfigStore, id: string): Promise<StoredDoc<HttpApi>> {
  const doc = await store.get<Api>('api', id)
  if (!doc || doc.value.kind !== 'HTTP') throw apiNotFound(ctx, id)
  return doc as StoredDoc<HttpApi>
}

export async function stagesOf(store: ConfigStore, apiId: string): Promise<Array<StoredDoc<Stage>>> {
  return (await store.list<Stage>('stage')).filter((s) => s.value.apiId === apiId).sort((a, b) => (a.value.stageName < b.value.stageName ? -1 : 1))
}

export async function deploymentsOf(store: ConfigStore, apiId: string): Promise<Array<StoredDoc<Deployment>>> {
  return (await store.list<Deployment>('deployment')).filter((d) => d.value.apiId === apiId).sort((a, b) => (a.value.createdDate < b.value.createdDate ? -1 : a.value.createdDate > b.value.createdDate ? 1 : a.id < b.id ? -1 : 1))
}

export function deploymentMessage(id: string): string {
  return `Successfully deployed stage with deployment ID '${id}'`
}

/**
 * The ops that deploy `api` to its `autoDeploy` stages (or to `only`): one new deployment they all point at,
 * and the pruning of the API's deployment history (docs/deployments.md).
 */
export async function autoDeployOps(ctx: HandlerContext, store: ConfigStore, api: HttpApi, only?: StoredDoc<Stage> | Stage): Promise<ChangeOp[]> {
  const stored = await stagesOf(store, api.id)
  const targets: Array<{ stage: Stage; doc: StoredDoc<Stage> | undefined }> = only
    ? [{ stage: 'value' in only ? only.value : only, doc: 'value' in only ? only : stored.find((s) => s.value.stageName === only.stageName) }]
    : stored.filter((s) => s.value.autoDeploy === true).map((s) => ({ stage: s.value, doc: s }))
  if (targets.length === 0) return []
  const now = ctx.now().toISOString()
  const deployment: Deployment = { id: randomId(6), apiId: api.id, createdDate: now, autoDeployed: true, snapshot: api }
  const ops: ChangeOp[] = [putOp('deployment', deployment.id, deployment, undefined)]
  for (const { stage, doc } of targets) {
    ops.push(putOp('stage', `${api.id}/${stage.stageName}`, { ...stage, deploymentId: deployment.id, lastUpdatedDate: now }, doc))
  }
  return withHistoryPruned(store, api.id, ops)
}

/**
 * Changes an HTTP or WebSocket API's definition: `change` edits a copy; the copy is written with the
 * redeployment of every autoDeploy stage, in one batch that fails on a concurrent change (then everything is
 * read and done again). The document becomes the admin's (origin `admin`).
 */
export async function changeHttpApi<T>(ctx: HandlerContext, id: string, change: (api: HttpApi, store: ConfigStore) => T | Promise<T>): Promise<T> {
  const { result } = await ctx.writer.write(async (store) => {
    const doc = await readHttpApi(ctx, store, id)
    const api = structuredClone(doc.value)
    const result = await change(api, store)
    return { ops: [putOp('api', id, api, doc), ...(await autoDeployOps(ctx, store, api))], result }
  })
  return result
}

/** A page of a v2 list (`maxResults`, `nextToken`): `{items, nextToken}`. */
export function pageV2<T>(items: readonly T[], url: URL, key: (item: T) => string): { items: T[]; nextToken?: string } {
  const token = url.searchParams.get('nextToken')
  let start = 0
  if (token) {
    let after: unknown
    try {
      after = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'))
    } catch {
      after = undefined
    }
    if (typeof after !== 'string') throw badRequest('Invalid nextToken')
    const i = items.findIndex((x) => key(x) > after)
    start = i < 0 ? items.length : i
  }
  const n = Number(url.searchParams.get('maxResults'))
  const size = Number.isInteger(n) && n > 0 ? Math.min(n, 500) : 500
  const slice = items.slice(start, start + size)
  const last = slice[slice.length - 1]
  if (start + size >= items.length || last === undefined) return { items: slice }
  return { items: slice, nextToken: Buffer.from(JSON.stringify(key(last))).toString('base64url') }
}

export function str(body: Record<string, unknown>, field: string): string | undefined {
  const v = body[field]
  if (v === undefined || v === null) return undefined
  if (typeof v !== 'string') throw badRequest(`${field} must be a string`)
  return v
}

export function bool(body: Record<string, unknown>, field: string): boolean | undefined {
  const v = body[field]
  if (v === undefined || v === null) return undefined
  if (typeof v !== 'boolean') throw badRequest(`${field} must be true or false`)
  return v
}

export function int(body: Record<string, unknown>, field: string): number | undefined {
  const v = body[field]
  if (v === undefined || v === null) return undefined
  if (typeof v !== 'number' || !Number.isInteger(v)) throw badRequest(`${field} must be a whole number`)
  return v
}

export function strings(body: Record<string, unknown>, field: string): string[] | undefined {
  const v = body[field]
  if (v === undefined || v === null) return undefined
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw badRequest(`${field} must be a list of strings`)
  return v as string[]
}

export function stringMapOf(body: Record<string, unknown>, field: string): Record<string, string> | undefined {
  const v = body[field]
  if (v === undefined || v === null) return undefined
  if (typeof v !== 'object' || Array.isArray(v)) throw badRequest(`${field} must be a map of strings`)
  const out: Record<string, string> = {}
  for (const [k, x] of Object.entries(v)) {
    if (typeof x !== 'string') throw badRequest(`${field}.${k} must be a string`)
    out[k] = x
  }
  return out
}

/** `{name: {required: bool}}` maps (WebSocket route request parameters, route response parameters). */
export function requiredMap(body: Record<string, unknown>, field: string): Record<string, { required: boolean }> | undefined {
  const v = body[field]
  if (v === undefined || v === null) return undefined
  if (typeof v !== 'object' || Array.isArray(v)) throw badRequest(`${field} must be a map of {required}`)
  const out: Record<string, { required: boolean }> = {}
  for (const [k, x] of Object.entries(v)) out[k] = { required: typeof x === 'object' && x !== null && (x as { required?: unknown }).required === true }
  return out
}

export function unusedId(taken: Iterable<string>, length: number): string {
  const used = new Set(taken)
  let id = randomId(length)
  while (used.has(id)) id = randomId(length)
  return id
}
