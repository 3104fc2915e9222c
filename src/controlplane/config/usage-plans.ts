// The config file's `apiKeys` and `usagePlans` (§7.1, §7.2): checked against the APIs and stages the same
// file declares, and turned into ApiKey and UsagePlan documents with ids derived from their names.

import type { ConfigProblem } from '../../errors.js'
import type { ApiKey, ApiStage, Stage, ThrottleSettings, UsagePlan } from '../../model/types.js'
import type { ApiKeyDecl, UsagePlanDecl } from './config-file.js'
import { isRecord } from './config-file.js'
import { pointerSegment } from './schema-check.js'
import { apiKeyIdFor, apiKeyValueProblem, methodThrottleKeyProblem, quotaProblems, usagePlanIdFor } from '../admin-api/values.js'

export interface UsagePlansInput {
  apiKeys: unknown
  usagePlans: unknown
  /** The APIs served, to resolve `api` (an id, or a name that only one API has). */
  apis: ReadonlyArray<{ id: string; name: string; kind: 'REST' | 'HTTP'; protocolType?: 'WEBSOCKET' }>
  stages: readonly Stage[]
  file: string | undefined
  now: string
}

/**
 * Builds the declared keys and plans, reporting every problem with its path. A key declared without a value
 * gets `value: ''`: the store planner keeps the value it generated before, or generates one.
 */
export function buildUsagePlans(input: UsagePlansInput): { apiKeys: ApiKey[]; usagePlans: UsagePlan[]; problems: ConfigProblem[] } {
  const problems: ConfigProblem[] = []
  const problem = (path: string, message: string): void => {
    problems.push(input.file === undefined ? { path, message } : { file: input.file, path, message })
  }

  const apiKeys: ApiKey[] = []
  const keyIndex = new Map<string, number>()
  const valueIndex = new Map<string, number>()
  for (const [i, raw] of (Array.isArray(input.apiKeys) ? input.apiKeys : []).entries()) {
    // Ill-typed entries were reported by the schema check.
    if (!isRecord(raw) || typeof raw.name !== 'string') continue
    const decl = raw as unknown as ApiKeyDecl
    const at = `/apiKeys/${i}`
    const first = keyIndex.get(decl.name)
    if (first !== undefined) {
      problem(`${at}/name`, `API key "${decl.name}" is already declared at /apiKeys/${first}`)
      continue
    }
    keyIndex.set(decl.name, i)
    if (typeof decl.value === 'string') {
      const valueProblem = apiKeyValueProblem(decl.value)
      if (valueProblem) problem(`${at}/value`, `${valueProblem} (§7.1)`)
      const same = valueIndex.get(decl.value)
      if (same !== undefined) problem(`${at}/value`, `the same value is already used by /apiKeys/${same}; API key values must be unique`)
      valueIndex.set(decl.value, i)
    }
    const key: ApiKey = {
      id: apiKeyIdFor(decl.name),
      value: typeof decl.value === 'string' ? decl.value : '',
      name: decl.name,
      enabled: decl.enabled ?? true,
      createdDate: input.now,
      lastUpdatedDate: input.now,
      stageKeys: [],
      tags: isRecord(decl.tags) ? { ...(decl.tags as Record<string, string>) } : {},
    }
    if (typeof decl.description === 'string') key.description = decl.description
    if (typeof decl.customerId === 'string') key.customerId = decl.customerId
    apiKeys.push(key)
  }

  const usagePlans: UsagePlan[] = []
  const planIndex = new Map<string, number>()
  // `apiId:stage` → key id → where that key was put in a plan for that stage.
  const keyStages = new Map<string, Map<string, string>>()
  for (const [i, raw] of (Array.isArray(input.usagePlans) ? input.usagePlans : []).entries()) {
    if (!isRecord(raw) || typeof raw.name !== 'string') continue
    const decl = raw as unknown as UsagePlanDecl
    const at = `/usagePlans/${i}`
    const first = planIndex.get(decl.name)
    if (first !== undefined) {
      problem(`${at}/name`, `usage plan "${decl.name}" is already declared at /usagePlans/${first}`)
      continue
    }
    planIndex.set(decl.name, i)
    const plan: UsagePlan = { id: usagePlanIdFor(decl.name), name: decl.name, apiStages: [], tags: isRecord(decl.tags) ? { ...(decl.tags as Record<string, string>) } : {}, keyIds: [] }
    if (typeof decl.description === 'string') plan.description = decl.description
    if (typeof decl.productCode === 'string') plan.productCode = decl.productCode
    if (isRecord(decl.throttle)) plan.throttle = { ...(decl.throttle as ThrottleSettings) }
    if (isRecord(decl.quota)) {
      const q = decl.quota
      // Limit and period were checked by the schema; the offset's range depends on the period.
      const offsetProblem = quotaProblems(q).find((m) => m.startsWith('quota offset'))
      if (offsetProblem) problem(`${at}/quota/offset`, offsetProblem)
      if (typeof q.limit === 'number' && typeof q.period === 'string') plan.quota = { limit: q.limit, offset: typeof q.offset === 'number' ? q.offset : 0, period: q.period }
    }

    const seenStages = new Set<string>()
    for (const [j, s] of (Array.isArray(decl.apiStages) ? decl.apiStages : []).entries()) {
      if (!isRecord(s) || typeof s.api !== 'string' || typeof s.stage !== 'string') continue
      const sat = `${at}/apiStages/${j}`
      const apiId = resolveApi(s.api, input.apis, (m) => problem(`${sat}/api`, m))
      if (apiId === undefined) continue
      const api = input.apis.find((a) => a.id === apiId)!
      // §7.1, §10.6: REST and WebSocket APIs have API keys; HTTP APIs do not.
      if (api.kind !== 'REST' && api.protocolType !== 'WEBSOCKET') {
        problem(`${sat}/api`, `"${s.api}" is an HTTP API; usage plans and API keys apply to REST and WebSocket APIs only (§7.1)`)
        continue
      }
      if (!input.stages.some((st) => st.apiId === apiId && st.stageName === s.stage)) {
        const names = input.stages.filter((st) => st.apiId === apiId).map((st) => st.stageName)
        problem(`${sat}/stage`, `API "${s.api}" has no stage "${s.stage}"` + (names.length ? `; its stages are: ${names.join(', ')}` : ''))
        continue
      }
      const ref = `${apiId}:${s.stage}`
      if (seenStages.has(ref)) {
        problem(sat, `API stage ${s.api} ${s.stage} is listed twice in this plan`)
        continue
      }
      seenStages.add(ref)
      const stage: ApiStage = { apiId, stage: s.stage }
      if (isRecord(s.throttle)) {
        for (const key of Object.keys(s.throttle)) {
          const keyProblem = methodThrottleKeyProblem(key)
          if (keyProblem) problem(`${sat}/throttle/${pointerSegment(key)}`, keyProblem)
        }
        if (Object.keys(s.throttle).length > 0) stage.throttle = structuredClone(s.throttle as Record<string, ThrottleSettings>)
      }
      plan.apiStages.push(stage)
    }

    for (const [j, keyName] of (Array.isArray(decl.apiKeys) ? decl.apiKeys : []).entries()) {
      if (typeof keyName !== 'string') continue
      const kat = `${at}/apiKeys/${j}`
      if (!keyIndex.has(keyName)) {
        const known = [...keyIndex.keys()]
        problem(kat, `no API key is named "${keyName}"` + (known.length ? `; the keys declared under apiKeys are: ${known.join(', ')}` : '; declare it under apiKeys'))
        continue
      }
      const keyId = apiKeyIdFor(keyName)
      if (plan.keyIds.includes(keyId)) {
        problem(kat, `API key "${keyName}" is listed twice in this plan`)
        continue
      }
      for (const s of plan.apiStages) {
        const ref = `${s.apiId}:${s.stage}`
        const holders = keyStages.get(ref) ?? new Map<string, string>()
        keyStages.set(ref, holders)
        const other = holders.get(keyId)
        if (other !== undefined) problem(kat, `API key "${keyName}" is already in usage plan ${other} for API stage ${ref}; a key can be in only one usage plan per API stage (§7.2)`)
        else holders.set(keyId, `"${decl.name}" (${at})`)
      }
      plan.keyIds.push(keyId)
    }
    usagePlans.push(plan)
  }
  return { apiKeys, usagePlans, problems }
}

/** An API by id, or by a name only one API has; reports why not otherwise. */
export function resolveApi(ref: string, apis: UsagePlansInput['apis'], report: (message: string) => void): string | undefined {
  const byId = apis.find((a) => a.id === ref)
  if (byId) return byId.id
  const byName = apis.filter((a) => a.name === ref)
  if (byName.length === 1) return byName[0]!.id
  if (byName.length > 1) report(`"${ref}" names several APIs (${byName.map((a) => a.id).join(', ')}); use the id`)
  else {
    const known = apis.map((a) => `${a.name} (${a.id})`).join(', ')
    report(`no API is named "${ref}" or has that id` + (known ? `; the APIs are: ${known}` : '; no APIs are declared'))
  }
  return undefined
}
