// Helpers for WebSocket tests: a real `ws` client to a gateway's API (Host header naming the API), with every
// frame received queued, and the close and refusal as promises.

import WebSocket from 'ws'
import { readFileSync, existsSync } from 'node:fs'

export interface TestSocket {
  ws: WebSocket
  /** The next text frame (waits for it). */
  next(): Promise<string>
  /** Frames received and not yet taken. */
  readonly queued: string[]
  send(text: string | Buffer, binary?: boolean): void
  closed: Promise<{ code: number; reason: string }>
}

export function openSocket(port: number, path: string, opts: { host?: string; headers?: Record<string, string>; protocols?: string[] } = {}): Promise<TestSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`, opts.protocols ?? [], { headers: { ...(opts.host ? { host: opts.host } : {}), ...opts.headers } })
    const queued: string[] = []
    const waiters: Array<(s: string) => void> = []
    ws.on('message', (data) => {
      const text = data.toString()
      const w = waiters.shift()
      if (w) w(text)
      else queued.push(text)
    })
    const closed = new Promise<{ code: number; reason: string }>((r) => ws.on('close', (code, reason) => r({ code, reason: reason.toString() })))
    ws.on('unexpected-response', (_req, res) => reject(Object.assign(new Error(`refused with ${res.statusCode}`), { status: res.statusCode })))
    ws.on('error', (err) => reject(err))
    ws.on('open', () =>
      resolve({
        ws,
        queued,
        closed,
        next: () => (queued.length ? Promise.resolve(queued.shift()!) : new Promise((r) => waiters.push(r))),
        send: (text, binary = false) => ws.send(text, { binary }),
      }),
    )
  })
}

/** The status an upgrade was refused with (fails if it was accepted). */
export async function refusal(port: number, path: string, opts: { host?: string; headers?: Record<string, string> } = {}): Promise<number> {
  try {
    const s = await openSocket(port, path, opts)
    s.ws.close()
  } catch (err) {
    const status = (err as { status?: number }).status
    if (status !== undefined) return status
    throw err
  }
  throw new Error('the upgrade was accepted')
}

/** The JSON lines a test function appended to its log file. */
export function loggedEvents(file: string): Array<Record<string, any>> {
  if (!existsSync(file)) return []
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, any>)
}
