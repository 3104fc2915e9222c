// Identifier helpers: AWS-shaped ids (10-char API ids, 6-char resource and deployment ids, request ids).

import { createHash, randomBytes, randomUUID } from 'node:crypto'

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789'

/** A lower-case alphanumeric id derived from `seed`: the same seed always gives the same id. */
export function stableId(seed: string, length = 10): string {
  const digest = createHash('sha256').update(seed).digest()
  let out = ''
  for (let i = 0; out.length < length; i++) out += ALPHABET[digest[i % digest.length]! % 36]
  return out
}

/** A random lower-case alphanumeric id. */
export function randomId(length = 10): string {
  const bytes = randomBytes(length)
  let out = ''
  for (let i = 0; i < length; i++) out += ALPHABET[bytes[i]! % 36]
  return out
}

/** `$context.requestId`: a UUID v4. */
export const requestId: () => string = randomUUID

// Random bytes drawn from a pool refilled 4 KiB at a time: one randomBytes call per ~370 requests
// instead of one per request (it showed in the proxy route's profile).
let pool = Buffer.alloc(0)
let poolOffset = 0
function pooled(n: number): Buffer {
  if (poolOffset + n > pool.length) {
    pool = randomBytes(4096)
    poolOffset = 0
  }
  const out = pool.subarray(poolOffset, poolOffset + n)
  poolOffset += n
  return out
}

/** `$context.extendedRequestId` / `x-amz-apigw-id`: 16 base64 characters ending in `=` (§17). */
export function extendedRequestId(): string {
  return pooled(11).toString('base64', 0, 11).slice(0, 15) + '='
}

/** `X-Amzn-Trace-Id`: `Root=1-{8 hex seconds}-{24 hex}`. */
export function traceId(nowMs: number = Date.now()): string {
  return `Root=1-${Math.floor(nowMs / 1000).toString(16).padStart(8, '0')}-${randomBytes(12).toString('hex')}`
}
