// Buffering a request body with the 10 MB payload limit (§11.2), decompressed for REST non-proxy
// integrations (§14.1).

import type { IncomingMessage } from 'node:http'
import type { RequestContext } from '../dataplane/context.js'
import { decompressRequestBody } from '../dataplane/compression.js'
import { MAX_PAYLOAD } from '../dataplane/server.js'
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

/**
 * The body a REST non-proxy integration works on: buffered, then decompressed by its `Content-Encoding`
 * before mappings and templates see it (§14.1: AWS decompresses request payloads whether or not response
 * compression is enabled; an unsupported or broken coding is a 415).
 */
export async function readRequestBody(ctx: RequestContext): Promise<Buffer> {
  const raw = await readBody(ctx.req, MAX_PAYLOAD)
  if (ctx.stage?.kind !== 'REST') return raw
  return decompressRequestBody(raw, ctx.header('content-encoding'), MAX_PAYLOAD)
}
