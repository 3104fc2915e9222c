// Compression codings (§14.1): `Accept-Encoding` negotiation (RFC 7231 q-values), gzip and deflate, `Vary`,
// and the decompression of compressed request bodies. The client writer (respond.ts) decides when a
// response is compressed, by the stage's `minimumCompressionSize`.

import { createDeflate, createGzip, deflateSync, gzipSync, gunzip, inflate, type Gzip, type Deflate } from 'node:zlib'
import { GatewayError } from '../errors.js'

export type Coding = 'gzip' | 'deflate'

/**
 * Bodies up to this size are compressed synchronously into a Content-Length response; larger ones stream
 * through zlib (chunked), so one big reply never stalls the event loop.
 */
export const SYNC_COMPRESS_LIMIT = 256 * 1024

/**
 * The coding for an `Accept-Encoding` value, or null for none (§14.1). Entries carry q-values (default 1, 0
 * refuses); the codings with the highest q win, and one of them must be one we support — `gzip` (or
 * `x-gzip`), `deflate`, or `*` — else nothing is compressed (`identity` at the top means uncompressed).
 * Between gzip and deflate at the same q, gzip is preferred, whatever their order in the header ([K]: AWS
 * documents no preference; gzip is what clients handle best).
 * @example negotiateEncoding('deflate;q=0.5, gzip;q=1.0') // 'gzip'
 */
export function negotiateEncoding(header: string | undefined): Coding | null {
  if (header === undefined || header.trim() === '') return null
  const q = new Map<string, number>()
  for (const part of header.split(',')) {
    const [rawName, ...params] = part.split(';')
    let name = rawName!.trim().toLowerCase()
    if (name === '') continue
    if (name === 'x-gzip') name = 'gzip'
    let weight = 1
    for (const p of params) {
      const m = /^\s*q\s*=\s*([0-9.]+)\s*$/i.exec(p)
      if (m) weight = Number(m[1])
    }
    // An unparseable weight makes the entry meaningless: skipped.
    if (!Number.isFinite(weight) || weight < 0 || weight > 1) continue
    q.set(name, Math.max(weight, q.get(name) ?? -1))
  }
  const star = q.get('*')
  const weightOf = (c: Coding) => q.get(c) ?? star ?? 0
  let best = 0
  for (const w of q.values()) best = Math.max(best, w)
  if (best === 0) return null
  if (weightOf('gzip') === best) return 'gzip'
  if (weightOf('deflate') === best) return 'deflate'
  return null
}

/** Adds `Accept-Encoding` to a flat header list's `Vary` (creating it), unless it is already covered. */
export function addVary(headers: string[]): void {
  for (let i = 0; i < headers.length; i += 2) {
    if (headers[i]!.toLowerCase() !== 'vary') continue
    const v = headers[i + 1]!
    if (v.trim() === '*' || /(^|,)\s*accept-encoding\s*(,|$)/i.test(v)) return
    headers[i + 1] = v.trim() === '' ? 'Accept-Encoding' : `${v}, Accept-Encoding`
    return
  }
  headers.push('Vary', 'Accept-Encoding')
}

/** Whether a flat header list carries a Content-Encoding other than identity (then it is never compressed again). */
export function hasContentEncoding(headers: readonly string[]): boolean {
  for (let i = 0; i < headers.length; i += 2) {
    if (headers[i]!.toLowerCase() === 'content-encoding') return headers[i + 1]!.trim().toLowerCase() !== 'identity'
  }
  return false
}

/** Compresses a whole body at once (bodies up to SYNC_COMPRESS_LIMIT). */
export function compressSync(body: Buffer, coding: Coding): Buffer {
  return coding === 'gzip' ? gzipSync(body) : deflateSync(body)
}

/** A streaming compressor for bodies over SYNC_COMPRESS_LIMIT or of unknown length. */
export function compressor(coding: Coding): Gzip | Deflate {
  return coding === 'gzip' ? createGzip() : createDeflate()
}

function unzip(fn: typeof gunzip, body: Buffer, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => fn(body, { maxOutputLength: limit }, (err, out) => (err ? reject(err) : resolve(out))))
}

/**
 * Decompresses a request body by its `Content-Encoding` (§14.1: gzip, deflate, identity; several codings are
 * undone last first). An unsupported coding or a body not compressed with the named one → 415
 * UNSUPPORTED_MEDIA_TYPE, as AWS documents; more than `limit` bytes once inflated → 413.
 */
export async function decompressRequestBody(body: Buffer, contentEncoding: string | undefined, limit: number): Promise<Buffer> {
  if (contentEncoding === undefined || body.length === 0) return body
  const codings = contentEncoding.split(',').map((c) => c.trim().toLowerCase()).filter((c) => c !== '' && c !== 'identity')
  let out = body
  for (const coding of codings.reverse()) {
    try {
      if (coding === 'gzip' || coding === 'x-gzip') out = await unzip(gunzip, out, limit)
      else if (coding === 'deflate') out = await unzip(inflate, out, limit)
      else throw new GatewayError('UNSUPPORTED_MEDIA_TYPE', undefined)
    } catch (err) {
      if (err instanceof GatewayError) throw err
      if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw new GatewayError('REQUEST_TOO_LARGE', undefined, { cause: err })
      throw new GatewayError('UNSUPPORTED_MEDIA_TYPE', undefined, { cause: err })
    }
  }
  return out
}
