// `node --import bench/main-thread-profile.mjs …`: a CPU profile of the main thread only, written at exit
// to $BENCH_CPU_PROF_DIR as CPU.<date>.<time>.<pid>.0.001.cpuprofile (the name `--cpu-prof` would give it),
// when SIGTERM arrives (so a process that then fails to exit and is killed still leaves its profile) or
// at exit, whichever comes first.
// For Gatehouse with functions: `--cpu-prof` is passed on to every function worker thread, and fifty
// profilers sampling on one core slow the gateway down about twentyfold. Gatehouse does not pass `--import`
// on to its workers, so this profiles the gateway's own thread alone.

import { Session } from 'node:inspector'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { isMainThread } from 'node:worker_threads'

const dir = process.env.BENCH_CPU_PROF_DIR
if (isMainThread && dir) {
  const session = new Session()
  session.connect()
  session.post('Profiler.enable')
  // 1 ms, as --cpu-prof samples.
  session.post('Profiler.setSamplingInterval', { interval: 1000 })
  session.post('Profiler.start')
  let written = false
  const write = () => {
    if (written) return
    written = true
    // Same-thread inspector sessions answer synchronously, so this completes inside an exit handler.
    session.post('Profiler.stop', (err, result) => {
      if (err) {
        process.stderr.write(`main-thread-profile: ${err.message}\n`)
        return
      }
      const d = new Date()
      const p2 = (n) => String(n).padStart(2, '0')
      const name = `CPU.${d.getFullYear()}${p2(d.getMonth() + 1)}${p2(d.getDate())}.${p2(d.getHours())}${p2(d.getMinutes())}${p2(d.getSeconds())}.${process.pid}.0.001.cpuprofile`
      mkdirSync(dir, { recursive: true })
      writeFileSync(join(dir, name), JSON.stringify(result.profile))
    })
  }
  process.prependOnceListener('SIGTERM', () => {
    write()
    // A process with no SIGTERM handler of its own must still die of it, as it would unprofiled.
    if (process.listenerCount('SIGTERM') === 0) process.kill(process.pid, 'SIGTERM')
  })
  process.once('exit', write)
}
