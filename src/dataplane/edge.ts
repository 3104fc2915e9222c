// Connection hygiene of the HTTP edge, below HTTP: how many connections one client address may hold, and the
// lingering close (nginx's lingering_close, RFC 9112 §9.6) that keeps reading and dropping what a client
// still sends after an answer that closes the connection, so that closing does not reset the connection
// under the client (losing the answer it has not read yet).

import type { Socket } from 'node:net'

const LINGER_MS = Symbol('gatehouse.lingerMs')
const LINGERING = Symbol('gatehouse.lingering')

interface EdgeSocket extends Socket {
  [LINGER_MS]?: number
  [LINGERING]?: boolean
}

/**
 * Makes the close that node:http starts after this connection's last answer (`destroySoon`) a lingering one:
 * for a connection whose request body is still arriving when it is answered.
 */
export function lingerWhenClosed(socket: Socket, ms: number): void {
  const s = socket as EdgeSocket
  if (s.destroyed) return
  s[LINGER_MS] = ms
  s.destroySoon = lingerSoon
}

function lingerSoon(this: EdgeSocket): void {
  lingerClose(this, this[LINGER_MS] ?? 0)
}

/**
 * Closes our side once what is written has gone (FIN), then reads and drops whatever the client still sends
 * until it closes its side or `ms` pass, whichever is first; then the connection is gone.
 */
export function lingerClose(socket: Socket, ms: number): void {
  const s = socket as EdgeSocket
  if (s.destroyed || s[LINGERING] === true) return
  s[LINGERING] = true
  if (s.writable) s.end()
  if (ms <= 0 || s.readableEnded) {
    if (s.writableFinished) s.destroy()
    else s.once('finish', destroyThis)
    return
  }
  s.once('end', onPeerEnd)
  s.resume()
  setTimeout(destroySocket, ms, s).unref()
}

/** Whether the connection is closing with a lingering read (what arrives now is dropped, never answered). */
export function isLingering(socket: Socket): boolean {
  return (socket as EdgeSocket)[LINGERING] === true
}

/** The client closed its side: close ours once our answer has gone (a client may half-close and still read). */
function onPeerEnd(this: Socket): void {
  if (this.writableFinished) this.destroy()
  else this.once('finish', destroyThis)
}

function destroyThis(this: Socket): void {
  this.destroy()
}

function destroySocket(socket: Socket): void {
  socket.destroy()
}

/** Open connections per client address, against a cap (0: no cap). */
export class ClientConnections {
  readonly #max: number
  readonly #open = new Map<string, number>()

  constructor(max: number) {
    this.#max = max
  }

  /** Counts a new connection from `ip`; false (not counted) when `ip` already holds the cap. */
  admit(ip: string): boolean {
    if (this.#max === 0) return true
    const n = this.#open.get(ip) ?? 0
    if (n >= this.#max) return false
    this.#open.set(ip, n + 1)
    return true
  }

  /** A connection admitted for `ip` closed. */
  release(ip: string): void {
    const n = this.#open.get(ip)
    if (n === undefined) return
    if (n <= 1) this.#open.delete(ip)
    else this.#open.set(ip, n - 1)
  }

  /** Connections open from `ip` (for tests and metrics). */
  count(ip: string): number {
    return this.#open.get(ip) ?? 0
  }
}

/**
 * Whether a request head that overflowed the parser's buffer did so in its request line (→ 414) rather than
 * in its header lines (→ 431), judged from the socket read in which it overflowed (node:http tells nothing
 * else): the line being read there starts with a method, a space and a target. A read that is all the middle
 * of one long line cannot say which line it is; it is taken for headers.
 */
export function overflowInRequestLine(read: Buffer | undefined): boolean {
  if (read === undefined || read.length === 0) return false
  const start = read.lastIndexOf(10) + 1
  const head = read.subarray(start, start + 64).toString('latin1')
  return /^[!#$%&'*+.^_`|~0-9A-Za-z-]+ (?:\/|\*|[A-Za-z][A-Za-z0-9+.-]*:\/\/)/.test(head)
}
