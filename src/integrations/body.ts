// Buffering a request body with the 10 MB payload limit (§11.2).

import type { IncomingMessage } from 'node:http'
import { GatewayError } from '../errors.js'

/** Reads the whole body; over `limit` bytes → REQUEST_TOO_LARGE (the rest of the body is discarded). */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let total = 0
    let failed = false
    req.on('data', (chunk: Buffer) => {
      if (failed) return
      total += chunk.length
      if (total > limit) {
        failed = true
        chunks.length = 0
        reject(new GatewayError('REQUEST_TOO_LARGE', undefined))
        return
      }
      chunks.push(chunk)
    })
    req.once('end', () => {
      if (!failed) resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total))
    })
    req.once('error', (err) => {
      if (!failed) reject(err)
    })
  })
}
