// One log line per interval for something that may happen on every request (a state-store outage): the first
// occurrence is logged at once; the ones after it are counted, and the first occurrence once the interval has
// passed logs one line carrying that count. The clock is injected, so tests move it instead of waiting.

export class LogThrottle {
  readonly #intervalMs: number
  readonly #now: () => number
  #lastLineAt = -Infinity
  #unlogged = 0
  #logged = false

  constructor(intervalMs: number, now: () => number = Date.now) {
    if (!(intervalMs > 0)) throw new RangeError(`intervalMs must be positive, got ${intervalMs}`)
    this.#intervalMs = intervalMs
    this.#now = now
  }

  /**
   * Records one occurrence. Returns null when it is only counted, or, when a line is due now, how many
   * occurrences since the previous line were not logged (0 for the first one).
   */
  hit(): number | null {
    const t = this.#now()
    if (t - this.#lastLineAt < this.#intervalMs) {
      this.#unlogged++
      return null
    }
    const unlogged = this.#unlogged
    this.#lastLineAt = t
    this.#unlogged = 0
    this.#logged = true
    return unlogged
  }

  /**
   * Ends an episode (the condition is over). Returns null when no line was logged since the last end: the
   * episode's occurrences were all counted, and the next line reports them. Otherwise a closing line is due,
   * carrying the occurrences not logged since the last line. The interval still runs from the last line, so a
   * condition that comes and goes quickly costs at most two lines (one line, one closing line) per interval.
   */
  end(): number | null {
    if (!this.#logged) return null
    const unlogged = this.#unlogged
    this.#logged = false
    this.#unlogged = 0
    return unlogged
  }
}
