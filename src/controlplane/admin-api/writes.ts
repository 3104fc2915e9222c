// How the admin API writes: every change is one ConfigStore batch whose puts and deletes carry the revision
// each document was read at (expectRevision), retried from a fresh read when another writer got there first.
// Writes of this process are also queued one after another, so concurrent admins on one node never retry.

import { RevisionConflictError } from '../../store/port/ports.js'
import type { Deployment, GatewaySettings, Stage } from '../../model/types.js'
import { historyLimit, pruneOps } from '../config/history.js'
import type { ChangeOp, ConfigStore, DocKind, StoredDoc } from '../../store/port/ports.js'
import { AdminApiError } from './http.js'

/** Origin of documents the admin API writes. */
export const ADMIN_ORIGIN = 'admin'

/** An attempt's outcome: the batch to apply (possibly empty) and what to answer once it is applied. */
export interface WritePlan<T> {
  ops: ChangeOp[]
  result: T
}

/** How often a write is retried after revision conflicts before giving up with a 409. */
const MAX_ATTEMPTS = 25

export class AdminWriter {
  readonly #store: ConfigStore
  #tail: Promise<unknown> = Promise.resolve()

  constructor(store: ConfigStore) {
    this.#store = store
  }

  get store(): ConfigStore {
    return this.#store
  }

  /**
   * Runs `attempt` (which reads what it needs and returns the batch) and applies the batch; on a revision
   * conflict, runs it again from fresh reads. Errors thrown by `attempt` end the write unchanged.
   * Resolves to the attempt's result and the revision the batch was written at.
   */
  write<T>(attempt: (store: ConfigStore) => Promise<WritePlan<T>>): Promise<{ result: T; revision: number }> {
    const run = this.#tail.then(() => this.#attempts(attempt))
    this.#tail = run.catch(() => undefined)
    return run
  }

  async #attempts<T>(attempt: (store: ConfigStore) => Promise<WritePlan<T>>): Promise<{ result: T; revision: number }> {
    for (let i = 1; ; i++) {
      const plan = await attempt(this.#store)
      try {
        const revision = await this.#store.apply(plan.ops)
        return { result: plan.result, revision }
      } catch (err) {
        if (!(err instanceof RevisionConflictError)) throw err
        if (i >= MAX_ATTEMPTS) {
          throw new AdminApiError(409, 'ConflictException', `${err.kind} ${err.id} kept changing while this request tried to update it; try again`)
        }
        // Another node wrote between our read and our write; back off a little so that several retrying
        // writers do not collide again in lockstep.
        await new Promise((r) => setTimeout(r, Math.random() * 5 * i))
      }
    }
  }
}

/** A put op of a batch. */
export type PutOp = Extract<ChangeOp, { op: 'put' }>

/** A put of `value` that only succeeds while `current` (undefined: nothing) is still the stored version. */
export function putOp(kind: DocKind, id: string, value: unknown, current: StoredDoc | undefined, origin = ADMIN_ORIGIN): PutOp {
  return { op: 'put', kind, id, value, origin, expectRevision: current?.revision ?? 0 }
}

/**
 * Re-puts a document unchanged (same value, same origin) at its revision: a batch that must not interleave
 * with another writer's change to the same document (e.g. two plans adding one key) includes it.
 */
export function touchOp(doc: StoredDoc): PutOp {
  return { op: 'put', kind: doc.kind, id: doc.id, value: doc.value, origin: doc.origin, expectRevision: doc.revision }
}

export function deleteOp(doc: StoredDoc): ChangeOp {
  return { op: 'delete', kind: doc.kind, id: doc.id, expectRevision: doc.revision }
}

/**
 * `ops` (a batch that makes a deployment of API `apiId`) followed by the pruning of that API's deployment
 * history (docs/deployments.md): the deployments beyond the newest `deploymentHistory` no stage uses, deleted at
 * the revision read, with the API's other stages re-put at theirs (config/history.ts).
 */
export async function withHistoryPruned(store: ConfigStore, apiId: string, ops: ChangeOp[]): Promise<ChangeOp[]> {
  const [settings, deployments, stages] = await Promise.all([store.get<GatewaySettings>('settings', 'gateway'), store.list<Deployment>('deployment'), store.list<Stage>('stage')])
  const mine = deployments.filter((d) => d.value.apiId === apiId)
  return [...ops, ...pruneOps(ops, mine, stages.filter((s) => s.value.apiId === apiId), historyLimit(settings?.value))]
}
