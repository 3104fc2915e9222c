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

/** `$context.extendedRequestId` / `x-amz-apigw-id`: 16 base64 characters ending in `=` (§17). */
export function extendedRequestId(): string {
  return randomBytes(11).toString('base64').slice(0, 15) + '='
}

/** `X-Amzn-Trace-Id`: `Root=1-{8 hex seconds}-{24 hex}`. */
export function traceId(nowMs: number = Date.now()): string {
  return `Root=1-${Math.floor(nowMs / 1000).toString(16).padStart(8, '0')}-${randomBytes(12).toString('hex')}`
}
