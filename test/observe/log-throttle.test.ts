// LogThrottle on a hand-moved clock: the first occurrence logs, the rest of the interval is counted, the first
// occurrence after the interval logs the count; an episode's end logs once, and only after a logged line.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { LogThrottle } from '../../src/observe/log-throttle.js'

test('one line per interval, carrying the occurrences it did not log', () => {
  let t = 1_000
  const log = new LogThrottle(10_000, () => t)
  assert.equal(log.hit(), 0, 'the first occurrence logs at once')
  for (let i = 0; i < 500; i++) assert.equal(log.hit(), null)
  t += 9_999
  assert.equal(log.hit(), null)
  t += 1
  assert.equal(log.hit(), 501, 'the next line says how many were not logged')
  assert.equal(log.hit(), null)
  assert.equal(log.end(), 1, 'the end of the episode closes with the rest')
  assert.equal(log.end(), null, 'once')
})

test('a condition that comes and goes costs at most a line and a closing line per interval', () => {
  let t = 0
  const log = new LogThrottle(10_000, () => t)
  let lines = 0
  for (let i = 0; i < 100; i++) {
    if (log.hit() !== null) lines++
    if (log.end() !== null) lines++
    t += 100
  }
  assert.equal(lines, 2, '10 s of flapping every 100 ms')
  t += 10_000
  assert.equal(log.hit(), 99, 'the flaps in between are reported with the next line')
})
