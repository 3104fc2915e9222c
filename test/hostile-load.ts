// Measures what a hostile request does to everyone else: keeps hostile requests in flight against a real
// gateway (each sent as soon as the previous one is answered) and, meanwhile, times the admin `/health` probe.
// The gateway and this process share one event loop, so a request that blocks the loop delays the probe by
// as long as it blocks: the probe's latency is the stall an operator's health check would see.

import { performance } from 'node:perf_hooks'
import type { TestGateway, TestResponse } from './helpers.js'

export interface HostileLoad {
  /** `/health` latencies in ms, in order. */
  latencies: number[]
  /** The hostile requests' answers. */
  answers: TestResponse[]
  /** How many probes overlapped a hostile request (sent before its answer came, answered after it was sent). */
  overlapping: number
}

/**
 * Probes `/health` `probes` times while `concurrency` loops keep `hostile()` requests in flight (one by
 * default: the case is one hostile request at a time; each probe then waits at most for one).
 */
export async function healthUnderHostileLoad(gw: TestGateway, hostile: () => Promise<TestResponse>, probes = 12, concurrency = 1): Promise<HostileLoad> {
  let stop = false
  const answers: TestResponse[] = []
  const spans: Array<[number, number]> = []
  const loop = async (): Promise<void> => {
    while (!stop) {
      const start = performance.now()
      answers.push(await hostile())
      spans.push([start, performance.now()])
    }
  }
  const loops = Array.from({ length: concurrency }, loop)
  // Let the first hostile requests reach the gateway before the first probe.
  await new Promise((r) => setTimeout(r, 20))
  const latencies: number[] = []
  const probeSpans: Array<[number, number]> = []
  for (let i = 0; i < probes; i++) {
    const start = performance.now()
    const health = await gw.admin('/health')
    const end = performance.now()
    if (health.status !== 200) throw new Error(`/health answered ${health.status}: ${health.text}`)
    latencies.push(end - start)
    probeSpans.push([start, end])
    await new Promise((r) => setTimeout(r, 5))
  }
  stop = true
  await Promise.all(loops)
  const overlapping = probeSpans.filter(([ps, pe]) => spans.some(([hs, he]) => hs < pe && he > ps)).length
  return { latencies, answers, overlapping }
}

/** `median 3.1 ms, max 7.9 ms (12 probes, 11 during a hostile request, 40 hostile requests)`. */
export function describeLoad(load: HostileLoad): string {
  const sorted = [...load.latencies].sort((a, b) => a - b)
  const median = sorted[Math.floor(sorted.length / 2)]!
  return `/health latency median ${median.toFixed(1)} ms, max ${sorted[sorted.length - 1]!.toFixed(1)} ms (${sorted.length} probes, ${load.overlapping} during a hostile request, ${load.answers.length} hostile requests answered)`
}

/** The median latency. */
export function medianLatency(load: HostileLoad): number {
  const sorted = [...load.latencies].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]!
}
