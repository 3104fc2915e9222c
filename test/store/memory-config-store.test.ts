// Runs the ConfigStore conformance suite against MemoryConfigStore, plus what only it promises.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { MemoryConfigStore } from '../../src/store/memory/config-store.js'
import { ChangeLogTruncatedError } from '../../src/store/port/ports.js'
import { configStoreConformance } from '../conformance/config-store.js'

configStoreConformance('memory', async () => {
  const store = new MemoryConfigStore({ onListenerError: () => {} })
  return { store, cleanup: () => store.close() }
})

test('memory: an error thrown by a listener reaches onListenerError', async () => {
  const errors: unknown[] = []
  const store = new MemoryConfigStore({ onListenerError: (e) => errors.push(e) })
  store.watch(() => {
    throw new Error('boom')
  })
  await store.apply([{ op: 'put', kind: 'api', id: 'a', value: {} }])
  assert.equal(errors.length, 1)
  assert.match((errors[0] as Error).message, /boom/)
})

test('memory: the change log keeps the last changeLogRevisions revisions and says when older ones are gone', async () => {
  const store = new MemoryConfigStore({ changeLogRevisions: 3 })
  for (let i = 1; i <= 5; i++) await store.apply([{ op: 'put', kind: 'api', id: `a${i}`, value: i }, { op: 'put', kind: 'stage', id: `a${i}/s`, value: i }])
  assert.deepEqual((await store.changesSince(2)).map((e) => `${e.revision}:${e.id}`), ['3:a3', '3:a3/s', '4:a4', '4:a4/s', '5:a5', '5:a5/s'])
  await assert.rejects(store.changesSince(1), (e: unknown) => e instanceof ChangeLogTruncatedError && e.requested === 1 && e.oldestAvailable === 2)
  await assert.rejects(store.changesSince(0), ChangeLogTruncatedError)
  assert.equal((await store.list('api')).length, 5, 'pruning the log never touches documents')
  assert.throws(() => new MemoryConfigStore({ changeLogRevisions: 0 }), /changeLogRevisions must be a positive integer/)
})
