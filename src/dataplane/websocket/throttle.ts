// Route throttling of WebSocket stages (defaultRouteSettings / routeSettings throttlingRateLimit and
// throttlingBurstLimit, §7.9): one token bucket per stage route in this process, compiled with the stage.
// A message over the limit gets the `Too Many Requests` error frame; a `$connect` over it is refused with 429.

export class RouteBucket {
  readonly rate: number
  readonly burst: number
  #tokens: number
  #last: number
  readonly #now: () => number

  constructor(rate: number, burst: number, now: () => number = Date.now) {
    this.rate = rate
    this.burst = burst
    this.#tokens = burst
    this.#now = now
    this.#last = now()
  }

  /** Takes a token: false when the route is over its limit. */
  take(): boolean {
    const now = this.#now()
    const elapsed = Math.max(0, now - this.#last) / 1000
    this.#last = now
    this.#tokens = Math.min(this.burst, this.#tokens + elapsed * this.rate)
    if (this.#tokens < 1) return false
    this.#tokens -= 1
    return true
  }
}

/** The bucket of a route from its stage's settings (the route's own win field by field); null when unthrottled. */
export function routeBucket(settings: { throttlingRateLimit?: number; throttlingBurstLimit?: number } | undefined, now?: () => number): RouteBucket | null {
  if (settings === undefined) return null
  const { throttlingRateLimit: rate, throttlingBurstLimit: burst } = settings
  if (rate === undefined && burst === undefined) return null
  // Only one given: the other is unbounded on its side, as AWS leaves the account's limit in force.
  return new RouteBucket(rate ?? 10_000, burst ?? 5_000, now)
}
