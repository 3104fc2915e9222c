// Turns a desired state into the store batch that brings the store's file-origin documents in line with it:
// puts for what is new or changed, deletes for file-origin documents no longer desired (deployments excepted:
// they stay as the API's history, pruned to `deploymentHistory`, history.ts), nothing for the rest.

import type { ChangeOp, DocKind, StoredDoc } from '../../store/port/ports.js'
import type { Api, ApiKey, Deployment, DomainName, Stage } from '../../model/types.js'
import { generateApiKeyValue } from '../admin-api/values.js'
import { ConfigError } from '../../errors.js'
import { canonicalJson } from './canonical.js'
import { deploymentsInUse, historyLimit, pruneOps } from './history.js'
import type { DesiredState } from './desired.js'

/** The documents of each kind the planner compares against (from `ConfigStore.list`). */
export interface CurrentDocs {
  api: StoredDoc[]
  deployment: StoredDoc[]
  stage: StoredDoc[]
  settings: StoredDoc[]
  function: StoredDoc[]
  /** API keys; absent is the same as none stored. */
  apikey?: StoredDoc[]
  /** Usage plans; absent is the same as none stored. */
  usageplan?: StoredDoc[]
  /** Custom domain names; absent is the same as none stored. */
  domain?: StoredDoc[]
}

type PlannedKind = keyof CurrentDocs

interface DesiredDoc {
  kind: PlannedKind
  id: string
  value: unknown
}

/** Origin of documents that come from config files and CLI flags. */
export const FILE_ORIGIN = 'file'

/** The store id of a stage document. */
export function stageDocId(stage: Pick<Stage, 'apiId' | 'stageName'>): string {
  return `${stage.apiId}/${stage.stageName}`
}

/** The store id of a function declaration (its name). */
function functionId(fn: unknown): string {
  return String((fn as { name?: unknown }).name)
}

/**
 * The store batch that makes the store's file-origin documents equal `desired`.
 *
 * - Documents of origin `admin` (anything not `file`) are never written or deleted: when the admin API has
 *   taken over a document with the same kind and id, the admin's version wins. One exception: an admin stage
 *   whose content (dates aside) is exactly the file's stage is handed back to the file (origin `file`), so a
 *   stage rolled back and then forward again to the file's deployment follows the file again.
 * - Dates are not content: an unchanged document is not rewritten just because it was loaded at another
 *   time, and a rewritten API or stage keeps the `createdDate` the store already has (deployment snapshots
 *   take their API's). So `createdDate` is the first time the gateway saw the document.
 * - A deployment the file no longer declares is kept as history: per API, every deployment a remaining stage or
 *   canary points at plus the newest `settings.deploymentHistory` others (default 10), whoever made them; older
 *   ones are deleted in this batch, at the revision read, with the API's other stages re-put at theirs so that
 *   a stage repointed meanwhile by another node fails the batch (then planned again: history.ts). A file
 *   deployment whose API is no longer served goes, unless a remaining stage still points at it (§1.6).
 * - An API key declared without a value (`value: ''`) keeps the value the store has for it, or gets a newly
 *   generated one; its `createdDate` is kept like a stage's.
 */
export function planStoreChanges(desired: DesiredState, current: CurrentDocs): ChangeOp[] {
  const existing = new Map<string, StoredDoc>()
  const key = (kind: DocKind, id: string): string => `${kind}\0${id}`
  for (const kind of Object.keys(current) as PlannedKind[]) for (const doc of current[kind] ?? []) existing.set(key(kind, doc.id), doc)

  const wanted: DesiredDoc[] = [
    ...desired.apis.map((a): DesiredDoc => ({ kind: 'api', id: a.id, value: a })),
    ...desired.deployments.map((d): DesiredDoc => ({ kind: 'deployment', id: d.id, value: d })),
    ...desired.stages.map((s): DesiredDoc => ({ kind: 'stage', id: stageDocId(s), value: s })),
    { kind: 'settings', id: 'gateway', value: desired.settings },
    ...desired.functions.map((f): DesiredDoc => ({ kind: 'function', id: functionId(f), value: f })),
    ...desired.apiKeys.map((k): DesiredDoc => ({ kind: 'apikey', id: k.id, value: k })),
    ...desired.usagePlans.map((p): DesiredDoc => ({ kind: 'usageplan', id: p.id, value: p })),
    ...(desired.domains ?? []).map((d): DesiredDoc => ({ kind: 'domain', id: d.domainName, value: d })),
  ]

  const apiCreated = new Map<string, string>()
  for (const api of desired.apis) {
    const stored = existing.get(key('api', api.id))?.value as Api | undefined
    apiCreated.set(api.id, stored?.createdDate ?? api.createdDate)
  }

  const ops: ChangeOp[] = []
  const wantedKeys = new Set<string>()
  for (const doc of wanted) {
    wantedKeys.add(key(doc.kind, doc.id))
    const stored = existing.get(key(doc.kind, doc.id))
    const value = keepDates(doc.kind, doc.value, stored?.value, apiCreated)
    if (doc.kind === 'deployment' && stored && !sameSnapshot(stored.value as Deployment, value as Deployment)) {
      // A file deployment's id is a hash of its API's content: another deployment under it is a hash collision
      // (or a control-plane deployment's random id that happens to match). Deployments are immutable and a
      // stage must never serve another API's snapshot: refuse the load rather than overwrite or share it.
      const d = value as Deployment
      throw new ConfigError([
        { path: '/apis', message: `the deployment id ${d.id} derived for API ${d.apiId} is already taken by another deployment (of API ${(stored.value as Deployment).apiId}); change anything in the API (e.g. its description) to derive another id` },
      ])
    }
    if (stored && stored.origin !== FILE_ORIGIN) {
      // A stage the admin moved back to exactly what the file declares (e.g. rolled forward to the file's
      // deployment) is the file's again: later file changes reach it (docs/deployments.md).
      const same = doc.kind === 'stage' && canonicalJson(withoutDates('stage', stored.value)) === canonicalJson(withoutDates('stage', value))
      if (same) ops.push({ op: 'put', kind: 'stage', id: doc.id, value: stored.value, origin: FILE_ORIGIN, expectRevision: stored.revision })
      continue
    }
    if (stored && canonicalJson(withoutDates(doc.kind, stored.value)) === canonicalJson(withoutDates(doc.kind, value))) continue
    ops.push({ op: 'put', kind: doc.kind, id: doc.id, value, origin: FILE_ORIGIN })
  }

  const gone = (doc: StoredDoc, kind: PlannedKind): boolean => doc.origin === FILE_ORIGIN && !wantedKeys.has(key(kind, doc.id))
  // After the batch, stages are the admin's (untouched) plus the desired ones the admin doesn't own.
  const adminStages = current.stage.filter((d) => d.origin !== FILE_ORIGIN)
  const remainingStages: Stage[] = [
    ...adminStages.map((d) => d.value as Stage),
    ...desired.stages.filter((s) => (existing.get(key('stage', stageDocId(s)))?.origin ?? FILE_ORIGIN) === FILE_ORIGIN),
  ]
  const inUse = deploymentsInUse(remainingStages)
  const remainingApis = new Set<string>([...desired.apis.map((a) => a.id), ...current.api.filter((d) => !gone(d, 'api')).map((d) => d.id)])
  for (const kind of ['stage', 'deployment', 'api', 'function', 'settings', 'usageplan', 'apikey', 'domain'] as const) {
    for (const doc of current[kind] ?? []) {
      if (kind === 'deployment') {
        // A deployment the file no longer declares stays as history (pruned below) while its API is served;
        // with its API gone it goes too, unless a remaining stage still points at it (AWS refuses, §1.6).
        const d = doc.value as Deployment
        if (doc.origin === FILE_ORIGIN && !remainingApis.has(d?.apiId) && !inUse.has(doc.id)) ops.push({ op: 'delete', kind, id: doc.id })
        continue
      }
      if (gone(doc, kind)) ops.push({ op: 'delete', kind, id: doc.id })
    }
  }
  // The bounded history: per API, the deployments in use plus the newest `deploymentHistory` others.
  const remainingDeployments = (current.deployment as Array<StoredDoc<Deployment>>).filter((d) => !ops.some((op) => op.op === 'delete' && op.kind === 'deployment' && op.id === d.id))
  ops.push(...pruneOps(ops, remainingDeployments, current.stage as Array<StoredDoc<Stage>>, historyLimit(desired.settings), new Set(desired.deployments.map((d) => d.id))))
  return ops
}

/** Whether two deployments hold the same API content (dates aside). */
function sameSnapshot(a: Deployment, b: Deployment): boolean {
  return a?.apiId === b.apiId && canonicalJson({ ...a?.snapshot, createdDate: undefined }) === canonicalJson({ ...b.snapshot, createdDate: undefined })
}

function keepDates(kind: PlannedKind, value: unknown, stored: unknown, apiCreated: Map<string, string>): unknown {
  if (kind === 'api') {
    const api = value as Api
    return { ...api, createdDate: apiCreated.get(api.id) ?? api.createdDate }
  }
  if (kind === 'deployment') {
    const d = value as Deployment
    const createdDate = (stored as Deployment | undefined)?.createdDate ?? d.createdDate
    return { ...d, createdDate, snapshot: { ...d.snapshot, createdDate: apiCreated.get(d.apiId) ?? d.snapshot.createdDate } }
  }
  if (kind === 'domain') {
    const d = value as DomainName
    return { ...d, createdDate: (stored as DomainName | undefined)?.createdDate ?? d.createdDate }
  }
  if (kind === 'stage') {
    const s = value as Stage
    return { ...s, createdDate: (stored as Stage | undefined)?.createdDate ?? s.createdDate }
  }
  if (kind === 'apikey') {
    const k = value as ApiKey
    const previous = stored as ApiKey | undefined
    // A key declared without a value keeps the one generated for it before (the file cannot hold it).
    const keyValue = k.value !== '' ? k.value : previous?.value || generateApiKeyValue()
    return { ...k, value: keyValue, createdDate: previous?.createdDate ?? k.createdDate }
  }
  return value
}

function withoutDates(kind: PlannedKind, value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value
  const v = value as Record<string, unknown>
  if (kind === 'api') return { ...v, createdDate: undefined }
  if (kind === 'deployment') {
    const snapshot = v.snapshot && typeof v.snapshot === 'object' ? { ...(v.snapshot as object), createdDate: undefined } : v.snapshot
    return { ...v, createdDate: undefined, snapshot }
  }
  if (kind === 'stage' || kind === 'apikey') return { ...v, createdDate: undefined, lastUpdatedDate: undefined }
  if (kind === 'domain') return { ...v, createdDate: undefined }
  return value
}
