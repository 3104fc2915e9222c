// `--workers` while the config file on disk is broken: a worker that dies is replaced at once by one that
// serves the last configuration that loaded cleanly (not the one the cluster started with, and not a refusal
// loop with back-off), and fixing the file applies on every worker, the replacement included.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { PATIENCE_MS, tempDir } from '../helpers.js'
import { alive, get, startNode, stopAll, stopNode, within, writeVersionedConfig } from './helpers.js'

/** The versions answered by `n` requests, each on a connection of its own (so the cluster spreads them). */
async function versions(port: number, n: number): Promise<number[]> {
  const replies = await Promise.all(Array.from({ length: n }, () => get(port, '/dev/version')))
  return replies.map((r) => (r.status === 200 ? (JSON.parse(r.body) as { version: number }).version : -r.status))
}

test('--workers: a worker replaced while the file is broken serves the last good config; the fixed file applies everywhere', async (t) => {
  const tmp = tempDir()
  t.after(async () => {
    await stopAll()
    tmp.cleanup()
  })
  const config = writeVersionedConfig(tmp.dir, 1)
  const node = await startNode(['--config', config, '--workers', '2'])
  const pids = /workers: 2 \(pids ([\d, ]+)\)/.exec(node.stdout())![1]!.split(', ').map(Number)
  assert.deepEqual([...new Set(await versions(node.port, 6))], [1])

  // A good edit reaches both workers: this, not the start-up config, is now the last good one.
  writeVersionedConfig(tmp.dir, 2)
  await within(PATIENCE_MS, 'both workers serve version 2', async () => (await versions(node.port, 6)).every((v) => v === 2))

  // The file breaks; the workers keep serving version 2 and say why the file is refused.
  writeFileSync(config, 'apis: [ { name: versioned\n  this is: not yaml: at all\n')
  await within(PATIENCE_MS, 'the workers refuse the broken file', () => /configuration refused; the previous one keeps serving/.test(node.stderr()))
  const mark = node.stderr().length

  // A worker dies while the file is broken: its replacement starts from version 2, at once.
  process.kill(pids[0]!, 'SIGKILL')
  await within(PATIENCE_MS, 'a replacement worker serves', () => /"replacement worker is serving"/.test(node.stderr().slice(mark)))
  const since = node.stderr().slice(mark)
  assert.equal(since.match(/worker died; starting a replacement/g)?.length, 1, `one death, one replacement, no refusal loop:\n${since}`)
  assert.ok(Number(/"restartInMs":(\d+)/.exec(since)![1]) <= 500, 'no back-off beyond the first step')
  assert.match(since, /configuration refused; serving the last good configuration until the files are fixed/)
  assert.match(since, /gatehouse\.yaml/)
  const replacement = Number(/"pid":(\d+),"msg":"replacement worker is serving"/.exec(since)![1])
  assert.ok(alive(replacement) && !pids.includes(replacement))
  assert.deepEqual([...new Set(await versions(node.port, 8))], [2], 'both workers, the replacement too, serve the last good config')

  // The fixed file applies on every worker, the replacement included, without another restart.
  writeVersionedConfig(tmp.dir, 3)
  await within(PATIENCE_MS, 'every worker serves version 3', async () => (await versions(node.port, 8)).every((v) => v === 3))
  assert.ok(alive(replacement) && alive(pids[1]!))
  assert.equal(node.stderr().slice(mark).match(/worker died/g)?.length, 1)

  assert.equal(await stopNode(node), 0, node.stderr().slice(mark))
})
