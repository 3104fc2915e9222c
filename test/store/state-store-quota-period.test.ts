// quotaPeriod: usage-plan quota periods on UTC calendar boundaries, `offset` being the day the period starts
// (docs/aws-behaviour.md §7.2 [K]; the choice is documented in src/store/port/state-rules.ts).

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { quotaPeriod } from '../../src/store/port/state-rules.js'
import type { QuotaPeriodUnit } from '../../src/store/port/state-rules.js'

const at = (iso: string): number => Date.parse(iso)
const span = (unit: QuotaPeriodUnit, offset: number, now: string): [string, string] => {
  const { start, end } = quotaPeriod(unit, offset, at(now))
  return [new Date(start).toISOString(), new Date(end).toISOString()]
}

test('DAY runs from 00:00 to 24:00 UTC', () => {
  assert.deepEqual(span('DAY', 0, '2024-03-15T12:00:00Z'), ['2024-03-15T00:00:00.000Z', '2024-03-16T00:00:00.000Z'])
  assert.deepEqual(span('DAY', 0, '2024-03-15T00:00:00Z'), ['2024-03-15T00:00:00.000Z', '2024-03-16T00:00:00.000Z'])
  assert.deepEqual(span('DAY', 0, '2024-03-15T23:59:59.999Z'), ['2024-03-15T00:00:00.000Z', '2024-03-16T00:00:00.000Z'])
  assert.deepEqual(span('DAY', 0, '2024-03-15T23:30:00-05:00'), ['2024-03-16T00:00:00.000Z', '2024-03-17T00:00:00.000Z'], 'UTC, not local time')
})

test('WEEK starts on the weekday named by offset: 0 Sunday (the default), 1 Monday … 6 Saturday', () => {
  // 2024-03-15 is a Friday.
  assert.deepEqual(span('WEEK', 0, '2024-03-15T12:00:00Z'), ['2024-03-10T00:00:00.000Z', '2024-03-17T00:00:00.000Z'])
  assert.deepEqual(span('WEEK', 1, '2024-03-15T12:00:00Z'), ['2024-03-11T00:00:00.000Z', '2024-03-18T00:00:00.000Z'])
  assert.deepEqual(span('WEEK', 5, '2024-03-15T12:00:00Z'), ['2024-03-15T00:00:00.000Z', '2024-03-22T00:00:00.000Z'], 'starting today')
  assert.deepEqual(span('WEEK', 6, '2024-03-15T12:00:00Z'), ['2024-03-09T00:00:00.000Z', '2024-03-16T00:00:00.000Z'], 'starting tomorrow: the week began six days ago')
  assert.deepEqual(span('WEEK', 1, '2024-03-17T23:59:59.999Z'), ['2024-03-11T00:00:00.000Z', '2024-03-18T00:00:00.000Z'], 'Sunday night is still a Monday week\'s last day')
  assert.deepEqual(span('WEEK', 1, '2024-03-18T00:00:00Z'), ['2024-03-18T00:00:00.000Z', '2024-03-25T00:00:00.000Z'])
  assert.deepEqual(span('WEEK', 0, '2024-12-31T10:00:00Z'), ['2024-12-29T00:00:00.000Z', '2025-01-05T00:00:00.000Z'], 'across a new year')
})

test('MONTH starts on day offset + 1 of the month: 0 is the 1st', () => {
  assert.deepEqual(span('MONTH', 0, '2024-03-15T12:00:00Z'), ['2024-03-01T00:00:00.000Z', '2024-04-01T00:00:00.000Z'])
  assert.deepEqual(span('MONTH', 0, '2024-02-29T23:59:59.999Z'), ['2024-02-01T00:00:00.000Z', '2024-03-01T00:00:00.000Z'], 'a leap February')
  assert.deepEqual(span('MONTH', 0, '2024-12-31T23:00:00Z'), ['2024-12-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z'])
  assert.deepEqual(span('MONTH', 14, '2024-03-15T00:00:00Z'), ['2024-03-15T00:00:00.000Z', '2024-04-15T00:00:00.000Z'])
  assert.deepEqual(span('MONTH', 14, '2024-03-14T23:59:59.999Z'), ['2024-02-15T00:00:00.000Z', '2024-03-15T00:00:00.000Z'])
  assert.deepEqual(span('MONTH', 14, '2024-01-10T00:00:00Z'), ['2023-12-15T00:00:00.000Z', '2024-01-15T00:00:00.000Z'], 'back across a new year')
  assert.deepEqual(span('MONTH', 27, '2023-02-28T08:00:00Z'), ['2023-02-28T00:00:00.000Z', '2023-03-28T00:00:00.000Z'])
})

test('consecutive periods tile time: each ends where the next starts, and contains the time it was asked for', () => {
  const cases: Array<[QuotaPeriodUnit, number]> = [['DAY', 0], ['WEEK', 0], ['WEEK', 3], ['MONTH', 0], ['MONTH', 27]]
  for (const [unit, offset] of cases) {
    const now = at('2023-11-20T05:00:00Z')
    let previous = quotaPeriod(unit, offset, now)
    assert.ok(previous.start <= now && now < previous.end)
    for (let i = 0; i < 40; i++) {
      const next = quotaPeriod(unit, offset, previous.end)
      assert.equal(next.start, previous.end, `${unit}/${offset} after ${new Date(previous.start).toISOString()}`)
      assert.deepEqual(quotaPeriod(unit, offset, next.end - 1), next)
      previous = next
    }
  }
})

test('a bad unit, offset or time is a clear error', () => {
  const now = at('2024-03-15T12:00:00Z')
  assert.throws(() => quotaPeriod('DAY', 1, now), /offset for DAY must be an integer from 0 to 0, got 1/)
  assert.throws(() => quotaPeriod('WEEK', 7, now), /offset for WEEK must be an integer from 0 to 6, got 7/)
  assert.throws(() => quotaPeriod('MONTH', 28, now), /offset for MONTH must be an integer from 0 to 27, got 28/)
  assert.throws(() => quotaPeriod('MONTH', -1, now), /offset for MONTH/)
  assert.throws(() => quotaPeriod('WEEK', 1.5, now), /offset for WEEK/)
  assert.throws(() => quotaPeriod('YEAR' as QuotaPeriodUnit, 0, now), /quota period must be DAY, WEEK or MONTH, got "YEAR"/)
  assert.throws(() => quotaPeriod('DAY', 0, Number.NaN), /nowMs must be a finite number/)
})
