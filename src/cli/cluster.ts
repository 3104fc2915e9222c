// `gatehouse serve --workers N`: the primary process forks N workers (node:cluster) that each run a Gateway on
// the same ports, holds the one StateStore they share (unless they use Redis), prints the banner once,
// replaces a worker that dies, and drains them all on SIGTERM/SIGINT.

import cluster from 'node:cluster'
import type { Worker } from 'node:cluster'
import { rmSync } from 'node:fs'
import type { Logger } from 'pino'
import type { StateStore } from '../store/port/ports.js'
import type { DesiredState } from '../controlplane/config/desired.js'
import { hostStateStore } from '../store/cluster/state-host.js'
import type { ConnectionRegistryHost } from '../store/cluster/connection-registry.js'

/** Set in a worker's environment by the primary; a worker runs the Gateway instead of forking. */
export const WORKER_ENV = 'GATEHOUSE_CLUSTER_WORKER'
/** The data dir the primary created for its workers' shared ConfigStore (when none was configured). */
export const WORKER_DATA_DIR_ENV = 'GATEHOUSE_CLUSTER_DATA_DIR'

/** The most workers `--workers` accepts. */
export const MAX_WORKERS = 256

/** True in a worker forked by `runPrimary`. */
export function isGatehouseWorker(): boolean {
  return cluster.isWorker && process.env[WORKER_ENV] === '1'
}

/** A worker's link to its primary: tells it the worker is serving, and hears when to stop. */
export const workerLink = {
  /** The data dir the primary created for this worker's ConfigStore, if any. */
  dataDir(): string | undefined {
    return process.env[WORKER_DATA_DIR_ENV] || undefined
  },
  /** The cluster id of this worker (1, 2, …; a replacement gets a new one). */
  id(): number {
    return cluster.worker?.id ?? 0
  },
  ready(banner: string): void {
    process.send?.({ gh: 'ready', banner })
  },
  /**
   * The last configuration that loaded cleanly in any worker (or in the primary at start), which the primary
   * holds for the workers it forks: a replacement started while the file on disk is broken serves it.
   */
  lastGoodConfig(): Promise<DesiredState | undefined> {
    return new Promise((resolve) => {
      const onMessage = (m: { gh?: string; desired?: DesiredState } | null): void => {
        if (m?.gh !== 'last-good-config') return
        process.off('message', onMessage)
        resolve(m.desired)
      }
      process.on('message', onMessage)
      // Asked for, not pushed: a message that came before this listener would be lost.
      process.send?.({ gh: 'last-good-config?' })
    })
  },
  /** Tells the primary about a configuration that loaded cleanly, for the workers it forks later. */
  configLoaded(desired: DesiredState): void {
    // A reload can finish while the worker is leaving: a closed channel is no error then.
    if (process.connected) process.send?.({ gh: 'good-config', desired }, () => undefined)
  },
  onStop(stop: () => void): void {
    process.on('message', (m: { gh?: string } | null) => {
      if (m?.gh === 'stop') stop()
    })
  },
  /** Lets the process exit once the Gateway has stopped: closes the IPC channel, telling the primary it was meant. */
  leave(): void {
    cluster.worker?.disconnect()
  },
}

export interface PrimaryOptions {
  workers: number
  logger: Logger
  out: NodeJS.WritableStream
  /** The store the primary serves to its workers' ClusterStateStore; null when they use Redis. Closed at exit. */
  state: StateStore | null
  /** The WebSocket connection registry the primary holds for its workers (their `@connections` reach each other's sockets); null when they use Redis. */
  connections?: ConnectionRegistryHost | null
  /** A data dir the primary created for the workers' ConfigStore: passed to them, removed at exit. */
  tempDataDir?: string
  /** One line under the banner saying where limits are held. */
  stateNote: string
  /** How long workers may take to drain on stop before they are killed (default 35 s). */
  stopTimeoutMs?: number
  /** The configuration the primary loaded at start: what a worker serves when the files are refused by then. */
  config: DesiredState
}

interface Slot {
  index: number
  worker: Worker | null
  startedAt: number
  quickFailures: number
  restartTimer: NodeJS.Timeout | null
}

/** A worker that dies within this long of starting counts as a quick failure, and restarts back off. */
const QUICK_FAILURE_MS = 10_000
const MAX_RESTART_DELAY_MS = 30_000

/**
 * Runs the cluster primary until SIGTERM/SIGINT; resolves to the exit code. Workers start one first (so that
 * it alone writes the config files into a fresh shared store), then the rest together. If one fails to start,
 * the others are stopped and the result is 1; its own error is on stderr already. After start-up a worker
 * that exits is replaced, at once the first time and with a growing delay (up to 30 s) while replacements
 * keep dying within 10 s. Every worker gets the last configuration that loaded cleanly (workers report each
 * one), so a replacement forked while the file on disk is broken serves that until the file is fixed.
 */
export async function runPrimary(opts: PrimaryOptions): Promise<number> {
  const log = opts.logger
  const env: Record<string, string> = { [WORKER_ENV]: '1' }
  if (opts.tempDataDir) env[WORKER_DATA_DIR_ENV] = opts.tempDataDir
  const slots: Slot[] = Array.from({ length: opts.workers }, (_, index) => ({ index, worker: null, startedAt: 0, quickFailures: 0, restartTimer: null }))
  let stopping = false
  let started = false
  let failedStart = false
  let stopCode = 0
  let banner: string | null = null
  let lastGood = opts.config
  let wakeStop: () => void = () => undefined
  const stopRequested = new Promise<void>((resolve) => (wakeStop = resolve))

  /** Forks the worker of `slot`; resolves true once it serves, false if it exits first. */
  const fork = (slot: Slot): Promise<boolean> => {
    const worker = cluster.fork(env)
    slot.worker = worker
    slot.startedAt = Date.now()
    const unhostState = opts.state ? hostStateStore(opts.state, worker) : () => undefined
    const unhostConnections = opts.connections ? opts.connections.serve(worker) : () => undefined
    const unhost = (): void => {
      unhostState()
      // A worker that exits takes its WebSocket connections out of the registry.
      unhostConnections()
    }
    return new Promise<boolean>((resolve) => {
      worker.on('message', (m: { gh?: string; banner?: string; desired?: DesiredState } | null) => {
        // The worker asks before loading: its fallback if the files are refused by then.
        if (m?.gh === 'last-good-config?') worker.send({ gh: 'last-good-config', desired: lastGood })
        if (m?.gh === 'good-config' && m.desired) lastGood = m.desired
        if (m?.gh !== 'ready') return
        banner ??= typeof m.banner === 'string' ? m.banner : ''
        if (started) log.info({ worker: worker.id, pid: worker.process.pid }, 'replacement worker is serving')
        resolve(true)
      })
      worker.on('exit', (code, signal) => {
        unhost()
        if (slot.worker === worker) slot.worker = null
        resolve(false)
        if (stopping) {
          if (code !== 0) stopCode = 1
          return
        }
        if (!started) return
        const quick = Date.now() - slot.startedAt < QUICK_FAILURE_MS
        slot.quickFailures = quick ? slot.quickFailures + 1 : 0
        const delay = slot.quickFailures === 0 ? 0 : Math.min(MAX_RESTART_DELAY_MS, 500 * 2 ** (slot.quickFailures - 1))
        const fields = { worker: worker.id, pid: worker.process.pid, code, signal, restartInMs: delay }
        if (worker.exitedAfterDisconnect && code === 0) log.warn(fields, 'worker stopped; starting a replacement')
        else log.error(fields, 'worker died; starting a replacement')
        slot.restartTimer = setTimeout(() => {
          slot.restartTimer = null
          if (!stopping) void fork(slot)
        }, delay)
      })
    })
  }

  const stop = (signal: string): void => {
    if (stopping) return
    stopping = true
    log.info({ signal, workers: slots.filter((s) => s.worker).length }, 'draining every worker, then exiting')
    for (const slot of slots) {
      if (slot.restartTimer) clearTimeout(slot.restartTimer)
      try {
        slot.worker?.send({ gh: 'stop' })
      } catch {
        // Its channel is already closed: it is on its way out.
      }
    }
    wakeStop()
  }
  const onSigterm = (): void => stop('SIGTERM')
  const onSigint = (): void => stop('SIGINT')
  process.on('SIGTERM', onSigterm)
  process.on('SIGINT', onSigint)

  try {
    const first = slots[0]!
    if (!(await fork(first))) failedStart = !stopping
    else if (!stopping) {
      const rest = await Promise.all(slots.slice(1).map(fork))
      if (rest.includes(false) && !stopping) failedStart = true
    }
    if (failedStart && !stopping) {
      log.error('a worker failed to start; stopping the others')
      stop('start-up failure')
    }
    if (!stopping) {
      started = true
      const pids = slots.map((s) => s.worker?.process.pid).join(', ')
      opts.out.write((banner ?? '') + `  workers: ${opts.workers} (pids ${pids}) sharing these ports; ${opts.stateNote}\n`)
    }
    await stopRequested
    await allExited(slots, opts.stopTimeoutMs ?? 35_000, log)
  } finally {
    process.off('SIGTERM', onSigterm)
    process.off('SIGINT', onSigint)
    await opts.state?.close().catch((err: unknown) => log.error({ err }, 'closing the shared state store failed'))
    if (opts.tempDataDir) rmSync(opts.tempDataDir, { recursive: true, force: true })
  }
  if (failedStart) return 1
  log.info('every worker has stopped')
  return stopCode
}

/** Waits for every worker to exit; kills those still running after `timeoutMs`. */
async function allExited(slots: Slot[], timeoutMs: number, log: Logger): Promise<void> {
  const live = slots.map((s) => s.worker).filter((w): w is Worker => w !== null && !w.isDead())
  if (live.length === 0) return
  let timer: NodeJS.Timeout | undefined
  const exits = Promise.all(live.map((w) => (w.isDead() ? undefined : new Promise((resolve) => w.once('exit', resolve)))))
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), timeoutMs)))
  if ((await Promise.race([exits, late])) === 'late') {
    for (const w of live) {
      if (w.isDead()) continue
      log.error({ worker: w.id, pid: w.process.pid }, `worker did not stop within ${timeoutMs} ms; killing it`)
      w.process.kill('SIGKILL')
    }
    await exits
  }
  clearTimeout(timer)
}
