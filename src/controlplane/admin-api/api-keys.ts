// AWS's ApiKey operations on the admin port (§7.1, §16.1): CreateApiKey, ImportApiKeys (CSV), GetApiKeys,
// GetApiKey, UpdateApiKey and DeleteApiKey, with AWS's defaults, limits and recorded messages.

import { randomId } from '../../model/ids.js'
import type { ApiKey, UsagePlan } from '../../model/types.js'
import type { ChangeOp, ConfigStore, StoredDoc } from '../../store/port/ports.js'
import type { HandlerContext } from './context.js'
import {
  AdminApiError,
  badRequest,
  conflict,
  invalidPatchPath,
  notFound,
  optionalString,
  page,
  patchBoolean,
  patchOperations,
  queryFlag,
  readBody,
  readJsonObject,
  sendAccepted,
  sendJson,
  stringMap,
} from './http.js'
import { apiKeyJson } from './shapes.js'
import { checkOnePlanPerStage } from './plan-rules.js'
import { apiKeyDescriptionProblem, apiKeyNameProblem, apiKeyValueProblem, generateApiKeyValue } from './values.js'
import { deleteOp, putOp, touchOp } from './writes.js'
import { parseCsv } from './csv.js'

export const API_KEY_NOT_FOUND = 'Invalid API Key identifier specified'
/** §7.1 [K]: AWS's wording for a duplicate key value is not recorded. */
export const API_KEY_EXISTS = 'API Key already exists'
/** The patch paths UpdateApiKey accepts, in the order AWS lists them (recorded). */
const API_KEY_PATCH_PATHS = ['/description', '/enabled', '/name', '/customerId'] as const
/** §7.1: imported key values are 30–128 characters. */
const IMPORT_VALUE_MIN = 30

/** Keys newest first (the order AWS listed them in the recordings), ties by id. */
export function keyListOrder(key: ApiKey): string {
  const created = Date.parse(key.createdDate)
  return `${String(9e15 - (Number.isFinite(created) ? created : 0)).padStart(16, '0')}:${key.id}`
}

export async function keysById(store: ConfigStore): Promise<Map<string, StoredDoc<ApiKey>>> {
  return new Map((await store.list<ApiKey>('apikey')).map((d) => [d.id, d]))
}

/** POST /apikeys (CreateApiKey), or with `?mode=import` ImportApiKeys. */
export async function createApiKey(ctx: HandlerContext): Promise<void> {
  if (ctx.url.searchParams.get('mode') === 'import') return importApiKeys(ctx)
  const body = await readJsonObject(ctx.req)
  const now = ctx.now().toISOString()
  const key: ApiKey = { id: randomId(10), value: '', enabled: false, createdDate: now, lastUpdatedDate: now, stageKeys: [], tags: stringMap(body, 'tags') }
  const name = optionalString(body, 'name')
  if (name !== undefined) {
    const problem = apiKeyNameProblem(name)
    if (problem) throw badRequest(problem)
    // An empty name is the same as none (recorded: the key comes back without a name).
    if (name !== '') key.name = name
  }
  const description = optionalString(body, 'description')
  if (description !== undefined) {
    const problem = apiKeyDescriptionProblem(description)
    if (problem) throw badRequest(problem)
    key.description = description
  }
  // §7.1: a new key is disabled unless the request enables it (recorded: create-api-key shows enabled false).
  if (body.enabled !== undefined && body.enabled !== null) {
    if (typeof body.enabled !== 'boolean') throw badRequest('enabled must be true or false')
    key.enabled = body.enabled
  }
  const value = optionalString(body, 'value')
  if (value !== undefined && value !== '') {
    const problem = apiKeyValueProblem(value)
    if (problem) throw badRequest(problem)
    key.value = value
  } else {
    // Recorded: an empty value is the same as none, and AWS generates one.
    key.value = generateApiKeyValue()
  }
  const customerId = optionalString(body, 'customerId')
  if (customerId !== undefined) key.customerId = customerId
  key.stageKeys = stageKeys(body.stageKeys)

  const { revision } = await ctx.writer.write(async (store) => {
    const existing = await store.list<ApiKey>('apikey')
    if (existing.some((d) => d.value.value === key.value)) throw conflict(API_KEY_EXISTS)
    return { ops: [putOp('apikey', key.id, key, undefined)], result: undefined }
  })
  await settleDuplicateValue(ctx.writer.store, key, revision)
  sendJson(ctx.res, 201, apiKeyJson(key, { value: true, tags: 'nonEmpty' }))
}

/**
 * Several gateway nodes may create keys with the same value at the same moment, each having checked that it
 * is unused. After writing, the key written later (higher revision) withdraws itself, so exactly one remains.
 */
async function settleDuplicateValue(store: ConfigStore, key: ApiKey, revision: number): Promise<void> {
  const keys = await store.list<ApiKey>('apikey')
  const earlier = keys.find((d) => d.id !== key.id && d.value.value === key.value && d.revision < revision)
  if (!earlier) return
  const mine = keys.find((d) => d.id === key.id)
  if (mine) await store.apply([deleteOp(mine)]).catch(() => undefined)
  throw conflict(API_KEY_EXISTS)
}

function stageKeys(raw: unknown): string[] {
  if (raw === undefined || raw === null) return []
  if (!Array.isArray(raw)) throw badRequest('stageKeys must be a list of {restApiId, stageName}')
  return raw.map((sk) => {
    const o = (typeof sk === 'object' && sk !== null ? sk : {}) as Record<string, unknown>
    if (typeof o.restApiId !== 'string' || typeof o.stageName !== 'string') throw badRequest('stageKeys entries need restApiId and stageName')
    return `${o.restApiId}/${o.stageName}`
  })
}

interface ImportRow {
  line: number
  name?: string
  value: string
  description?: string
  enabled: boolean
  planIds: string[]
}

/**
 * POST /apikeys?mode=import&format=csv (ImportApiKeys, §7.1): columns Name, Key, Description, Enabled,
 * UsagePlanIds in any order, header names in any case. A row whose key value already exists updates that
 * key. Rows with problems are skipped and reported as warnings, or refuse the whole import with
 * `failonwarnings=true`. Everything else is written in one batch.
 */
async function importApiKeys(ctx: HandlerContext): Promise<void> {
  const format = ctx.url.searchParams.get('format')
  if (format?.toLowerCase() !== 'csv') throw badRequest(`Invalid format specified: ${format ?? '(none)'}; ImportApiKeys supports format=csv`)
  const failOnWarnings = queryFlag(ctx.url, 'failonwarnings') || queryFlag(ctx.url, 'failOnWarnings')
  let records
  try {
    records = parseCsv(await readBody(ctx.req))
  } catch (err) {
    if (err instanceof AdminApiError) throw err
    throw badRequest(`Invalid CSV: ${(err as Error).message}`)
  }
  const header = records.shift()
  if (!header) throw badRequest('The CSV has no header line; the columns are Name, Key, Description, Enabled, UsagePlanIds')
  const column = new Map(header.fields.map((f, i) => [f.trim().toLowerCase(), i]))
  const keyColumn = column.get('key')
  if (keyColumn === undefined) throw badRequest('The CSV has no Key column; the columns are Name, Key (required), Description, Enabled, UsagePlanIds')
  const cell = (fields: string[], name: string): string | undefined => {
    const i = column.get(name)
    return i === undefined ? undefined : fields[i]?.trim()
  }

  const warnings: string[] = []
  const rows: ImportRow[] = []
  const seenValues = new Set<string>()
  for (const r of records) {
    const value = r.fields[keyColumn]?.trim() ?? ''
    const at = `line ${r.line}`
    const problem = value === '' ? 'no Key value' : value.length < IMPORT_VALUE_MIN ? `API Key value should be at least ${IMPORT_VALUE_MIN} characters` : apiKeyValueProblem(value)
    if (problem) {
      warnings.push(`${at}: ${problem}`)
      continue
    }
    if (seenValues.has(value)) {
      warnings.push(`${at}: the same Key value appears on an earlier line`)
      continue
    }
    const name = cell(r.fields, 'name')
    const description = cell(r.fields, 'description')
    const nameProblem = name === undefined ? undefined : apiKeyNameProblem(name)
    const descriptionProblem = description === undefined ? undefined : apiKeyDescriptionProblem(description)
    if (nameProblem || descriptionProblem) {
      warnings.push(`${at}: ${nameProblem ?? descriptionProblem}`)
      continue
    }
    seenValues.add(value)
    const row: ImportRow = { line: r.line, value, enabled: patchBoolean(cell(r.fields, 'enabled')), planIds: (cell(r.fields, 'usageplanids') ?? '').split(',').map((s) => s.trim()).filter(Boolean) }
    if (name) row.name = name
    if (description) row.description = description
    rows.push(row)
  }
  if (failOnWarnings && warnings.length > 0) throw badRequest(`Import refused (failonwarnings): ${warnings.join('; ')}`)

  const { result } = await ctx.writer.write(async (store) => {
    const keys = await store.list<ApiKey>('apikey')
    const plans = new Map((await store.list<UsagePlan>('usageplan')).map((d) => [d.id, d]))
    const byValue = new Map(keys.map((d) => [d.value.value, d]))
    const now = ctx.now().toISOString()
    const ids: string[] = []
    const skipped: string[] = []
    const keyOps: ChangeOp[] = []
    const planChanges = new Map<string, UsagePlan>()
    for (const row of rows) {
      const missing = row.planIds.filter((p) => !plans.has(p))
      if (missing.length > 0) {
        skipped.push(`line ${row.line}: Invalid Usage Plan ID specified: ${missing.join(', ')}`)
        continue
      }
      const current = byValue.get(row.value)
      const key: ApiKey = current
        ? { ...current.value, enabled: row.enabled, lastUpdatedDate: now }
        : { id: randomId(10), value: row.value, enabled: row.enabled, createdDate: now, lastUpdatedDate: now, stageKeys: [], tags: {} }
      if (row.name !== undefined) key.name = row.name
      if (row.description !== undefined) key.description = row.description
      for (const planId of row.planIds) {
        const plan = planChanges.get(planId) ?? structuredClone(plans.get(planId)!.value)
        if (plan.keyIds.includes(key.id)) continue
        const others = [...plans.values()].map((d) => (planChanges.has(d.id) ? { ...d, value: planChanges.get(d.id)! } : d))
        checkOnePlanPerStage(planId, plan.apiStages, [key.id], others)
        plan.keyIds.push(key.id)
        planChanges.set(planId, plan)
      }
      keyOps.push(putOp('apikey', key.id, key, current))
      ids.push(key.id)
    }
    const planOps = [...planChanges].map(([id, plan]) => putOp('usageplan', id, plan, plans.get(id)))
    return { ops: [...keyOps, ...planOps], result: { ids, skipped } }
  })
  warnings.push(...result.skipped)
  sendJson(ctx.res, 201, { ids: result.ids, warnings })
}

/**
 * GET /apikeys (GetApiKeys): `includeValues`, `name` (the SDKs' `nameQuery`: a case-sensitive prefix, recorded),
 * `customerId`, paging. The keys go out under `item`, the list's wire name.
 */
export async function listApiKeys(ctx: HandlerContext): Promise<void> {
  const includeValues = queryFlag(ctx.url, 'includeValues')
  const nameQuery = ctx.url.searchParams.get('name')
  const customerId = ctx.url.searchParams.get('customerId')
  const keys = (await ctx.store.list<ApiKey>('apikey'))
    .map((d) => d.value)
    .filter((k) => !nameQuery || (k.name?.startsWith(nameQuery) ?? false))
    .filter((k) => !customerId || k.customerId === customerId)
    .sort((a, b) => (keyListOrder(a) < keyListOrder(b) ? -1 : 1))
  const p = page(keys, ctx.url, keyListOrder)
  const out: Record<string, unknown> = { item: p.items.map((k) => apiKeyJson(k, { value: includeValues, tags: 'nonEmpty' })) }
  if (p.position !== undefined) out.position = p.position
  sendJson(ctx.res, 200, out)
}

/** GET /apikeys/{id} (GetApiKey), the value with `includeValue=true`. */
export async function getApiKey(ctx: HandlerContext): Promise<void> {
  const doc = await ctx.store.get<ApiKey>('apikey', ctx.params[0]!)
  if (!doc) throw notFound(API_KEY_NOT_FOUND)
  sendJson(ctx.res, 200, apiKeyJson(doc.value, { value: queryFlag(ctx.url, 'includeValue'), tags: 'always' }))
}

/**
 * PATCH /apikeys/{id} (UpdateApiKey): `replace` on /description, /enabled, /name, /customerId (recorded
 * list and message). An admin update takes the key over from the config file (origin admin).
 */
export async function updateApiKey(ctx: HandlerContext): Promise<void> {
  const ops = patchOperations(await readJsonObject(ctx.req), 'updateApiKeyInput')
  for (const op of ops) {
    if (op.op !== 'replace' || !(API_KEY_PATCH_PATHS as readonly string[]).includes(op.path)) throw invalidPatchPath(op, API_KEY_PATCH_PATHS)
    if (op.path === '/name' && op.value !== undefined) {
      const problem = apiKeyNameProblem(op.value)
      if (problem) throw badRequest(problem)
    }
    if (op.path === '/description' && op.value !== undefined) {
      const problem = apiKeyDescriptionProblem(op.value)
      if (problem) throw badRequest(problem)
    }
  }
  const { result } = await ctx.writer.write(async (store) => {
    const doc = await store.get<ApiKey>('apikey', ctx.params[0]!)
    if (!doc) throw notFound(API_KEY_NOT_FOUND)
    const key: ApiKey = { ...doc.value, lastUpdatedDate: ctx.now().toISOString() }
    for (const op of ops) {
      const field = op.path.slice(1) as 'description' | 'enabled' | 'name' | 'customerId'
      if (field === 'enabled') key.enabled = patchBoolean(op.value)
      else if (op.value === undefined || op.value === '') delete key[field]
      else key[field] = op.value
    }
    return { ops: [putOp('apikey', key.id, key, doc)], result: key }
  })
  sendJson(ctx.res, 200, apiKeyJson(result, { value: false, tags: 'always' }))
}

/** DELETE /apikeys/{id} (DeleteApiKey, 202): the key also leaves every usage plan (recorded). */
export async function deleteApiKey(ctx: HandlerContext): Promise<void> {
  await ctx.writer.write(async (store) => {
    const doc = await store.get<ApiKey>('apikey', ctx.params[0]!)
    if (!doc) throw notFound(API_KEY_NOT_FOUND)
    const ops: ChangeOp[] = [deleteOp(doc)]
    for (const plan of await store.list<UsagePlan>('usageplan')) {
      if (!plan.value.keyIds.includes(doc.id)) continue
      // Cleaning up after a deleted key does not take a config-file plan over: it keeps its origin.
      ops.push({ ...touchOp(plan), value: { ...plan.value, keyIds: plan.value.keyIds.filter((k) => k !== doc.id) } })
    }
    return { ops, result: undefined }
  })
  sendAccepted(ctx.res)
}
