// Raw-socket HTTP for protocol tests: a connection that records what arrives and how it ends, and a strict
// reader of the responses in it (status line, headers, a body by Content-Length).

import { connect, type Socket } from 'node:net'
import { PATIENCE_MS } from '../helpers.js'

export interface RawConnection {
  socket: Socket
  /** Everything received so far, as latin1. */
  text: string
  /** The server closed its side (FIN). */
  ended: boolean
  closed: boolean
  error: NodeJS.ErrnoException | null
}

/** Opens a connection that may keep writing after the server closed its side (half-open). */
export function rawConnect(port: number): Promise<RawConnection> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1', allowHalfOpen: true })
    const raw: RawConnection = { socket, text: '', ended: false, closed: false, error: null }
    socket.setEncoding('latin1')
    socket.on('data', (d: string) => (raw.text += d))
    socket.on('end', () => (raw.ended = true))
    socket.on('error', (e: NodeJS.ErrnoException) => (raw.error ??= e))
    socket.on('close', () => (raw.closed = true))
    socket.once('connect', () => {
      socket.off('error', reject)
      resolve(raw)
    })
    socket.once('error', reject)
  })
}

/** Resolves when `check` holds, re-checking on every event of the connection; fails after PATIENCE_MS. */
export function until(raw: RawConnection, check: () => boolean, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = raw.socket
    const test = () => {
      if (!check()) return false
      done()
      resolve()
      return true
    }
    const onEvent = () => void test()
    const timer = setTimeout(() => {
      done()
      reject(new Error(`timed out waiting for ${what}; received so far: ${JSON.stringify(raw.text.slice(0, 300))}`))
    }, PATIENCE_MS)
    const done = () => {
      clearTimeout(timer)
      for (const e of ['data', 'end', 'close', 'error']) s.off(e, onEvent)
    }
    for (const e of ['data', 'end', 'close', 'error']) s.on(e, onEvent)
    test()
  })
}

export interface RawResponse {
  status: number
  headers: Record<string, string>
  body: string
}

/** The body of a chunked message at the start of `text` and its length on the wire; null while incomplete. */
function dechunk(text: string): { body: string; used: number } | null {
  let at = 0
  let body = ''
  for (;;) {
    const eol = text.indexOf('\r\n', at)
    if (eol < 0) return null
    const size = parseInt(text.slice(at, eol).split(';')[0]!, 16)
    if (!Number.isSafeInteger(size) || size < 0) throw new Error(`not a chunk size: ${JSON.stringify(text.slice(at, eol))}`)
    at = eol + 2
    if (size === 0) {
      const end = text.indexOf('\r\n\r\n', at - 2)
      return end < 0 ? null : { body, used: end + 4 }
    }
    if (text.length < at + size + 2) return null
    body += text.slice(at, at + size)
    at += size + 2
  }
}

/**
 * The complete responses at the start of `text` (1xx included); throws on anything that is not HTTP/1.1.
 * `head`: answers to a HEAD request, whose final response has no body whatever its headers say. `closed`:
 * the connection has ended, so a response with neither length nor chunks ends with it (RFC 9112 §6.3).
 */
export function responses(text: string, opts: { head?: boolean; closed?: boolean } = {}): RawResponse[] {
  const out: RawResponse[] = []
  let rest = text
  for (;;) {
    const end = rest.indexOf('\r\n\r\n')
    if (end < 0) break
    const lines = rest.slice(0, end).split('\r\n')
    const m = /^HTTP\/1\.1 (\d{3}) [^\r\n]*$/.exec(lines[0]!)
    if (m === null) throw new Error(`not an HTTP/1.1 status line: ${JSON.stringify(lines[0]!.slice(0, 100))}`)
    const headers: Record<string, string> = {}
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':')
      if (colon <= 0) throw new Error(`not a header line: ${JSON.stringify(line.slice(0, 100))}`)
      headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim()
    }
    const status = Number(m[1])
    if (opts.head === true && status >= 200) {
      out.push({ status, headers, body: '' })
      rest = rest.slice(end + 4)
      continue
    }
    if (headers['transfer-encoding'] === 'chunked') {
      const chunked = dechunk(rest.slice(end + 4))
      if (chunked === null) break
      out.push({ status, headers, body: chunked.body })
      rest = rest.slice(end + 4 + chunked.used)
      continue
    }
    const noBody = status < 200 || status === 204 || status === 304
    if (!noBody && headers['content-length'] === undefined && headers['transfer-encoding'] === undefined) {
      // Delimited by the connection's end.
      if (opts.closed !== true) break
      out.push({ status, headers, body: rest.slice(end + 4) })
      break
    }
    const length = noBody ? 0 : Number(headers['content-length'])
    if (!Number.isSafeInteger(length) || length < 0) throw new Error(`a response with an unreadable length: ${lines[0]}`)
    if (rest.length < end + 4 + length) break
    out.push({ status, headers, body: rest.slice(end + 4, end + 4 + length) })
    rest = rest.slice(end + 4 + length)
  }
  return out
}

/** Sends one request on a new connection and waits for its final (non-1xx) response. */
export async function rawRequest(port: number, request: string): Promise<RawResponse> {
  const raw = await rawConnect(port)
  raw.socket.write(request)
  let final: RawResponse | undefined
  await until(raw, () => (final = responses(raw.text).find((r) => r.status >= 200)) !== undefined || raw.ended || raw.closed, 'a response')
  raw.socket.destroy()
  if (final === undefined) throw new Error(`the connection closed without a response; received: ${JSON.stringify(raw.text.slice(0, 300))}`)
  return final
}
