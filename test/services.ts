// Service availability for tests that need a real backend (PostgreSQL, Redis…): on a bare laptop such a
// test skips with a message naming the service; in CI (GATEHOUSE_REQUIRE_SERVICES=1) a missing one fails.

import { connect } from 'node:net'

export function answers(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: timeoutMs })
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('timeout', () => {
      socket.destroy()
      resolve(false)
    })
    socket.once('error', () => resolve(false))
  })
}

/** `false` when the service answers; otherwise the skip message (or a thrown Error in CI). */
export async function serviceSkip(name: string, host: string, port: number): Promise<string | false> {
  if (await answers(host, port)) return false
  const message = `${name} is not answering on ${host}:${port}`
  if (process.env['GATEHOUSE_REQUIRE_SERVICES'] === '1') throw new Error(`${message}, and CI requires it`)
  return message
}
