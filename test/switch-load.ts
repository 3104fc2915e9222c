// A load generator for switches under load (blue/green of a stage's deployment, of a base path mapping):
// keep-alive clients loop on one request while the test switches what serves it. Time is cut into phases —
// even phases are stable (one version is expected), odd ones are a switch under way — and each response is
// recorded with the phases it started and ended in. A switch waits until the stable phase has enough
// responses, then runs; once it is acknowledged (the reload resolved, the data plane serves the store's
// revision) the next stable phase begins. Nothing waits for time: only for responses counted.

import assert from 'node:assert/strict'

/** One response: the phases its request started and ended in, its status, and the version it named. */
export interface LoadSample {
  startPhase: number
  endPhase: number
  status: number
  version: string
}

export interface SwitchLoadOptions {
  /** Concurrent clients (each waits for its response before sending the next request). */
  clients: number
  /** Responses each stable phase must see (from requests that started and ended in it) before the next switch. */
  perPhase: number
  /** The version served at the start. */
  initial: string
  /** One request: its status and body text (a rejection is counted as a failure). */
  request: () => Promise<{ status: number; text: string }>
  /** The version a 200 response's body names. */
  version: (text: string) => string
}

export class SwitchLoad {
  readonly #opts: SwitchLoadOptions
  /** Even: stable, serving `versions[phase / 2]`; odd: a switch under way. */
  #phase = 0
  readonly versions: string[]
  readonly samples: LoadSample[] = []
  readonly failures: string[] = []
  #stop = false
  #waiter: { phase: number; resolve: () => void } | null = null
  readonly #clients: Array<Promise<void>>

  /** Starts the clients. */
  constructor(opts: SwitchLoadOptions) {
    this.#opts = opts
    this.versions = [opts.initial]
    this.#clients = Array.from({ length: opts.clients }, () => this.#client())
  }

  get phase(): number {
    return this.#phase
  }

  #stableCount(p: number): number {
    return this.samples.filter((s) => s.startPhase === p && s.endPhase === p).length
  }

  async #client(): Promise<void> {
    while (!this.#stop) {
      const startPhase = this.#phase
      try {
        const res = await this.#opts.request()
        const sample: LoadSample = { startPhase, endPhase: this.#phase, status: res.status, version: res.status === 200 ? this.#opts.version(res.text) : res.text }
        this.samples.push(sample)
        if (res.status !== 200) this.failures.push(`${res.status} ${res.text}`)
        const w = this.#waiter
        if (w && sample.startPhase === w.phase && sample.endPhase === w.phase && this.#stableCount(w.phase) >= this.#opts.perPhase) w.resolve()
      } catch (err) {
        this.failures.push(`connection: ${(err as Error).message}`)
      }
    }
  }

  /** Resolves once the current stable phase has `perPhase` responses that started and ended in it. */
  enoughInPhase(): Promise<void> {
    const phase = this.#phase
    if (this.#stableCount(phase) >= this.#opts.perPhase) return Promise.resolve()
    return new Promise<void>((resolve) => (this.#waiter = { phase, resolve: () => ((this.#waiter = null), resolve()) }))
  }

  /** Switches to `version` with `doSwitch` (which resolves when the switch is acknowledged). */
  async switchTo(version: string, doSwitch: () => Promise<void>): Promise<void> {
    await this.enoughInPhase()
    this.#phase++
    await doSwitch()
    this.versions.push(version)
    this.#phase++
  }

  /** Waits for the last stable phase to fill, then stops the clients. */
  async stop(): Promise<void> {
    await this.enoughInPhase()
    await this.halt()
  }

  /** Stops the clients at once (a test's cleanup, whether or not it got that far). */
  async halt(): Promise<void> {
    this.#stop = true
    await Promise.all(this.#clients)
  }

  /**
   * What a user would notice: no request failed (no connection error, no non-200), every version in `served`
   * was served, and in each stable phase only the version switched to before it (and enough responses).
   */
  assertClean(served: string[]): void {
    assert.deepEqual(this.failures, [], 'no request failed')
    assert.ok(this.samples.length >= this.#opts.perPhase * this.versions.length)
    assert.deepEqual([...new Set(this.samples.map((s) => s.version))].sort(), [...served].sort(), 'the versions served')
    for (let p = 0; p <= this.#phase; p += 2) {
      const inPhase = this.samples.filter((s) => s.startPhase === p && s.endPhase === p)
      const expected = this.versions[p / 2]
      const wrong = inPhase.filter((s) => s.version !== expected)
      assert.equal(wrong.length, 0, `phase ${p / 2} (${expected}): ${wrong.length} of ${inPhase.length} requests got another version after the switch was acknowledged: ${[...new Set(wrong.map((s) => s.version))].join(', ')}`)
      assert.ok(inPhase.length >= this.#opts.perPhase, `phase ${p / 2} saw ${inPhase.length} requests`)
    }
  }
}
