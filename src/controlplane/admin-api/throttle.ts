// AWS throttles its control plane per account (a token bucket: requests per second and a burst); beyond it a
// call gets 429 TooManyRequestsException with Retry-After, which the SDKs retry. Gatehouse applies the
// limit `listeners.admin.throttle` sets, per process; without one the admin API is not throttled.

import { AdminApiError } from './http.js'

export interface AdminThrottle {
  /** Requests per second, fractions allowed. */
  rateLimit: number
  /** The most requests at once. */
  burstLimit: number
}

export class ControlPlaneThrottle {
  #tokens = 0
  #at = 0
  #limits: AdminThrottle | undefined

  /** Takes a token, or throws AWS's 429 when none is left. */
  admit(limits: AdminThrottle | undefined, nowMs: number): void {
    if (limits === undefined) return
    if (this.#limits === undefined || this.#limits.rateLimit !== limits.rateLimit || this.#limits.burstLimit !== limits.burstLimit) {
      // A new (or changed) limit starts full.
      this.#limits = limits
      this.#tokens = limits.burstLimit
      this.#at = nowMs
    }
    this.#tokens = Math.min(limits.burstLimit, this.#tokens + ((nowMs - this.#at) / 1000) * limits.rateLimit)
    this.#at = nowMs
    if (this.#tokens >= 1) {
      this.#tokens -= 1
      return
    }
    const waitSeconds = limits.rateLimit > 0 ? Math.max(1, Math.ceil((1 - this.#tokens) / limits.rateLimit)) : 60
    throw new AdminApiError(429, 'TooManyRequestsException', 'Too Many Requests', { 'Retry-After': String(waitSeconds) })
  }
}
