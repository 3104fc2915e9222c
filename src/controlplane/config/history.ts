// Deployment history (docs/deployments.md): per API, every deployment a stage or canary points at is kept, and
// of the others the newest `deploymentHistory` (default 10); older ones are pruned, whoever made them. AWS
// keeps every deployment until it is deleted; a self-hosted store would otherwise grow with every file save.
//
// Pruning is part of the batch that makes a deployment (a config-file reload, CreateDeployment, an autoDeploy):
// its deletes carry the revision each deployment was read at, and the batch re-puts the API's stages it does not
// already write at the revision they were read at, so a stage repointed meanwhile (on any node sharing the
// store) fails the batch, which is then planned again from fresh reads.

import type { Deployment, GatewaySettings, Stage } from '../../model/types.js'
import type { ChangeOp, StoredDoc } from '../../store/port/ports.js'

/** Deployments kept per API beyond those in use, when neither the config file nor the CLI says. */
export const DEFAULT_DEPLOYMENT_HISTORY = 10

/** The most `deploymentHistory` may be (a sanity bound, not a storage promise). */
export const MAX_DEPLOYMENT_HISTORY = 10_000

/** How many unused deployments each API keeps, from the gateway settings. */
export function historyLimit(settings: GatewaySettings | undefined): number {
  const n = settings?.deploymentHistory
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 ? n : DEFAULT_DEPLOYMENT_HISTORY
}

/** Newest first: by `createdDate`, then by id (deployments of one load share a date). */
function newestFirst(a: Deployment, b: Deployment): number {
  if (a.createdDate !== b.createdDate) return a.createdDate < b.createdDate ? 1 : -1
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0
}

/** The deployment ids the stages point at (their own and their canary's). */
export function deploymentsInUse(stages: Iterable<Stage>): Set<string> {
  const inUse = new Set<string>()
  for (const stage of stages) {
    if (typeof stage?.deploymentId === 'string' && stage.deploymentId !== '') inUse.add(stage.deploymentId)
    if (typeof stage?.canarySettings?.deploymentId === 'string') inUse.add(stage.canarySettings.deploymentId)
  }
  return inUse
}

/**
 * The deployments to prune: `deployments` and `stages` are what the store will hold once the batch is applied.
 * Per API, the ones in use are kept, then the newest `keep` of the rest; every other one is returned.
 */
export function deploymentsToPrune(deployments: Iterable<Deployment>, stages: Iterable<Stage>, keep: number): Deployment[] {
  const inUse = deploymentsInUse(stages)
  const byApi = new Map<string, Deployment[]>()
  for (const d of deployments) {
    if (inUse.has(d.id)) continue
    const list = byApi.get(d.apiId)
    if (list) list.push(d)
    else byApi.set(d.apiId, [d])
  }
  const out: Deployment[] = []
  for (const list of byApi.values()) {
    list.sort(newestFirst)
    out.push(...list.slice(Math.max(0, keep)))
  }
  return out
}

/**
 * The ops that prune after a batch of `ops`: `deployments` and `stages` are the stored documents the batch was
 * planned from (read in the same attempt). Returns the deletes (each at the revision read) and, when there is
 * anything to delete, a re-put of every stage of the pruned APIs the batch does not write itself, so that a
 * concurrent repoint of one of them fails the whole batch (a revision conflict) instead of leaving a stage on
 * a deleted deployment. `ops` that put deployments or stages are taken into account; `protect` names
 * deployments never to prune (the config file's current ones).
 */
export function pruneOps(
  ops: readonly ChangeOp[],
  deployments: ReadonlyArray<StoredDoc<Deployment>>,
  stages: ReadonlyArray<StoredDoc<Stage>>,
  keep: number,
  protect: ReadonlySet<string> = new Set(),
): ChangeOp[] {
  const afterDeployments = new Map<string, Deployment>(deployments.map((d) => [d.id, d.value]))
  const afterStages = new Map<string, Stage>(stages.map((s) => [s.id, s.value]))
  const written = new Set<string>()
  for (const op of ops) {
    if (op.kind === 'deployment') {
      if (op.op === 'put') afterDeployments.set(op.id, op.value as Deployment)
      else afterDeployments.delete(op.id)
    } else if (op.kind === 'stage') {
      written.add(op.id)
      if (op.op === 'put') afterStages.set(op.id, op.value as Stage)
      else afterStages.delete(op.id)
    }
  }
  const prune = deploymentsToPrune(afterDeployments.values(), afterStages.values(), keep)
  if (prune.length === 0) return []
  const stored = new Map(deployments.map((d) => [d.id, d]))
  const out: ChangeOp[] = []
  const apis = new Set<string>()
  for (const d of prune) {
    const doc = stored.get(d.id)
    // One this very batch makes (or the config file declares) is never pruned by it, even with a history of 0.
    if (!doc || protect.has(d.id) || ops.some((op) => op.op === 'put' && op.kind === 'deployment' && op.id === d.id)) continue
    out.push({ op: 'delete', kind: 'deployment', id: d.id, expectRevision: doc.revision })
    apis.add(d.apiId)
  }
  for (const s of stages) {
    if (!apis.has(s.value.apiId) || written.has(s.id)) continue
    out.push({ op: 'put', kind: 'stage', id: s.id, value: s.value, origin: s.origin, expectRevision: s.revision })
  }
  return out
}
