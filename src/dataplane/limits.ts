// The data plane's limits: AWS's size limits (§11.2), in one place for the listener, the context's body
// reader and the proxy's streamed body; and the HTTP edge's own limits (timeouts, connections per client),
// which AWS does not publish and a deployment may tune (docs/limits.md).

/** 10 MB payload limit (§11.2). */
export const MAX_PAYLOAD = 10 * 1024 * 1024
/** Total size of header values (§11.2). */
export const MAX_HEADER_BYTES = 10240
/** URL length of a regional endpoint (§11.2); we serve as a regional endpoint. */
export const MAX_URL_LENGTH = 10240
/**
 * Header lines per request [K: AWS documents only the 10,240 bytes of values]. More is 431, never a silent
 * truncation (Node keeps the first 2,000 and drops the rest). Envoy and HAProxy refuse beyond about 100.
 */
export const MAX_HEADER_COUNT = 500
/**
 * What node:http's parser holds of one request head (request line and header lines, names included) before it
 * gives up: about three times AWS's 10,240 + 10,240 bytes, and half a socket read, so that an over-long request
 * line is still seen whole in the read that overflows (answered 414, not 431).
 */
export const MAX_HEAD_BYTES = 32 * 1024
/** The most a connection is kept reading (and dropping) the rest of a request body after an answer that closes it. */
export const MAX_LINGER_MS = 5_000

/** The HTTP edge's limits; 0 turns a timeout or the connection cap off (not the headers timeout). */
export interface EdgeLimits {
  /** Time to receive a request's line and headers, from its first byte. */
  headersTimeoutMs: number
  /** The longest pause while a request body is arriving (a slow or stalled upload). */
  bodyIdleTimeoutMs: number
  /** Time to receive a whole request, headers and body, from its first byte. */
  requestTimeoutMs: number
  /** Connections one client address may hold open at once; more are closed as they arrive. */
  maxConnectionsPerIp: number
}

export const DEFAULT_EDGE_LIMITS: Readonly<EdgeLimits> = Object.freeze({
  headersTimeoutMs: 60_000,
  bodyIdleTimeoutMs: 30_000,
  requestTimeoutMs: 300_000,
  maxConnectionsPerIp: 1024,
})

/** Fills in the defaults and checks the values; throws a RangeError naming the first bad one. */
export function edgeLimits(given: Partial<EdgeLimits> | undefined): EdgeLimits {
  const l: EdgeLimits = { ...DEFAULT_EDGE_LIMITS, ...given }
  for (const [k, v] of Object.entries(l)) {
    if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`${k} must be a whole number ≥ 0, got ${String(v)}`)
  }
  if (l.headersTimeoutMs === 0) throw new RangeError('headersTimeoutMs must be at least 1 ms: without it a client can hold a connection by never finishing its headers')
  if (l.requestTimeoutMs > 0 && l.headersTimeoutMs > l.requestTimeoutMs) {
    throw new RangeError(`headersTimeoutMs (${l.headersTimeoutMs}) must not exceed requestTimeoutMs (${l.requestTimeoutMs})`)
  }
  return l
}
