// The load generator, in its own process so it can be pinned to its own core: an autocannon warm-up
// (discarded), a `MEASURE` line, the measured run, then `RESULT {json}`.
// Usage: node load.mjs '{"url":…,"connections":…,"warmup":s,"duration":s,"headers":{…}}' (headers optional)

import autocannon from 'autocannon'

const opts = JSON.parse(process.argv[2] ?? '{}')

function run(duration) {
  return new Promise((resolve, reject) => {
    autocannon({ url: opts.url, connections: opts.connections, pipelining: 1, duration, timeout: 10, headers: opts.headers ?? {} }, (err, result) => {
      if (err) reject(err)
      else resolve(result)
    })
  })
}

try {
  if (opts.warmup > 0) await run(opts.warmup)
  process.stdout.write('MEASURE\n')
  const r = await run(opts.duration)
  const summary = {
    requests: r.requests.total,
    duration: r.duration,
    rps: r.requests.average,
    rpsStddev: r.requests.stddev,
    latency: { mean: r.latency.average, p50: r.latency.p50, p90: r.latency.p90, p99: r.latency.p99, max: r.latency.max },
    throughputBytesPerSec: r.throughput.average,
    errors: r.errors,
    timeouts: r.timeouts,
    resets: r.resets ?? 0,
    non2xx: r.non2xx,
    statusCodes: r.statusCodeStats ?? null,
  }
  process.stdout.write(`RESULT ${JSON.stringify(summary)}\n`)
} catch (err) {
  process.stderr.write(`load generator failed: ${err?.stack ?? err}\n`)
  process.exit(1)
}
