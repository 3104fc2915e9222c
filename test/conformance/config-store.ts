// The ConfigStore conformance suite: the behaviour every adapter (memory, SQLite, PostgreSQL) must show,
// registered as node:test tests by each adapter's test file.

import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { RevisionConflictError } from '../../src/store/port/ports.js'
import type { ChangeEvent, ChangeOp, ConfigStore, DocKind } from '../../src/store/port/ports.js'

export interface ConfigStoreFixture {
  store: ConfigStore
  /** Closes `store` and opens the same backing data again (persistent adapters only). */
  reopen?: () => Promise<ConfigStore>
  /** Closes whatever the fixture opened and removes its data. */
  cleanup: () => Promise<void>
}

const put = (kind: DocKind, id: string, value: unknown, extra: { origin?: string; expectRevision?: number } = {}): ChangeOp => ({ op: 'put', kind, id, value, ...extra })
const del = (kind: DocKind, id: string, expectRevision?: number): ChangeOp =>
  expectRevision === undefined ? { op: 'delete', kind, id } : { op: 'delete', kind, id, expectRevision }

/** Registers the conformance tests for one adapter. `makeStore` is called once per test. */
export function configStoreConformance(name: string, makeStore: () => Promise<ConfigStoreFixture>): void {
  // Runs `body` with a fresh store, always cleaning up.
  const withStore = async (body: (store: ConfigStore, fixture: ConfigStoreFixture) => Promise<void>): Promise<void> => {
    const fixture = await makeStore()
    try {
      await body(fixture.store, fixture)
    } finally {
      await fixture.cleanup()
    }
  }

  describe(`ConfigStore conformance: ${name}`, () => {
    test('an empty store is at revision 0 with no documents and no changes', () =>
      withStore(async (store) => {
        assert.equal(await store.revision(), 0)
        assert.equal(await store.get('api', 'a1'), undefined)
        assert.deepEqual(await store.list('api'), [])
        assert.deepEqual(await store.changesSince(0), [])
      }))

    test('put stores a document at the new revision, origin defaulting to admin', () =>
      withStore(async (store) => {
        const rev = await store.apply([put('api', 'a1', { name: 'pets' }), put('stage', 'a1/prod', { stageName: 'prod' }, { origin: 'file' })])
        assert.equal(rev, 1)
        assert.equal(await store.revision(), 1)
        assert.deepEqual(await store.get('api', 'a1'), { kind: 'api', id: 'a1', revision: 1, origin: 'admin', value: { name: 'pets' } })
        assert.deepEqual(await store.get('stage', 'a1/prod'), { kind: 'stage', id: 'a1/prod', revision: 1, origin: 'file', value: { stageName: 'prod' } })
        assert.equal(await store.get('deployment', 'a1'), undefined, 'the same id under another kind is another document')
      }))

    test('each non-empty batch advances the revision by exactly one, and apply([]) writes nothing', () =>
      withStore(async (store) => {
        assert.equal(await store.apply([]), 0)
        assert.equal(await store.apply([put('api', 'a', 1), put('api', 'b', 2), put('api', 'c', 3)]), 1)
        assert.equal(await store.apply([put('api', 'd', 4)]), 2)
        assert.equal(await store.apply([]), 2)
        assert.equal(await store.revision(), 2)
        assert.deepEqual((await store.list('api')).map((d) => [d.id, d.revision]), [['a', 1], ['b', 1], ['c', 1], ['d', 2]])
        assert.equal((await store.changesSince(0)).length, 4)
      }))

    test('put replaces a document: value, origin and revision', () =>
      withStore(async (store) => {
        await store.apply([put('api', 'a1', { name: 'old', extra: true }, { origin: 'file' })])
        await store.apply([put('api', 'a1', { name: 'new' })])
        assert.deepEqual(await store.get('api', 'a1'), { kind: 'api', id: 'a1', revision: 2, origin: 'admin', value: { name: 'new' } })
        assert.equal((await store.list('api')).length, 1)
      }))

    test('list returns only the given kind, sorted by id in code-unit order', () =>
      withStore(async (store) => {
        const ids = ['b', 'a/b', 'B', 'a-b', 'a', 'é', 'z9', 'z10']
        await store.apply(ids.map((id) => put('stage', id, { id })))
        await store.apply([put('api', 'a', {}), put('deployment', 'c', {})])
        const listed = await store.list('stage')
        assert.deepEqual(listed.map((d) => d.id), ['B', 'a', 'a-b', 'a/b', 'b', 'z10', 'z9', 'é'])
        assert.ok(listed.every((d) => d.kind === 'stage' && d.revision === 1 && (d.value as { id: string }).id === d.id))
        assert.deepEqual(await store.list('usageplan'), [])
      }))

    test('values read back deep-equal what was written', () =>
      withStore(async (store) => {
        const values: Record<string, unknown> = {
          nested: { a: { b: { c: [1, 2, { d: null }] } }, empty: {}, list: [], t: true, f: false },
          numbers: { zero: 0, negative: -42, float: 3.25, tiny: 1e-9, big: 9007199254740991, exp: 6.02e23 },
          strings: { lone: 'half \ud800 surrogate', empty: '', unicode: 'héllo — 世界 🎉', escapes: 'quote " backslash \\ newline \n tab \t nul \u0000', sql: "'; DROP TABLE docs; --" },
          awkwardKeys: { '': 1, 'a.b': 2, 'with space': 3, __proto__x: 4, constructor: 5 },
          array: [1, 'two', null, [3], { four: 4 }],
          string: 'just a string',
          number: 7,
          nullValue: null,
          boolean: false,
        }
        await store.apply(Object.entries(values).map(([id, value]) => put('function', id, value)))
        for (const [id, value] of Object.entries(values)) {
          assert.deepEqual((await store.get('function', id))?.value, value, `value of ${id}`)
        }
        assert.deepEqual(Object.fromEntries((await store.list('function')).map((d) => [d.id, d.value])), values)
      }))

    test('a document whose key is __proto__ round-trips as an own property', () =>
      withStore(async (store) => {
        const value = JSON.parse('{"__proto__": {"polluted": true}, "ok": 1}') as unknown
        await store.apply([put('api', 'p', value)])
        const back = (await store.get('api', 'p'))?.value as Record<string, unknown>
        assert.deepEqual(Object.keys(back), ['__proto__', 'ok'])
        assert.equal(({} as Record<string, unknown>).polluted, undefined)
      }))

    test('object properties that are undefined are left out, as in JSON', () =>
      withStore(async (store) => {
        await store.apply([put('api', 'u', { name: 'x', description: undefined, nested: { gone: undefined, kept: 1 } })])
        assert.deepEqual((await store.get('api', 'u'))?.value, { name: 'x', nested: { kept: 1 } })
      }))

    test('mutating a value after put, or a value read back, does not change the store (values are copied)', () =>
      withStore(async (store) => {
        const value = { name: 'pets', tags: ['a'], inner: { n: 1 } }
        await store.apply([put('api', 'a1', value)])
        value.name = 'changed'
        value.tags.push('b')
        value.inner.n = 2
        const first = (await store.get<typeof value>('api', 'a1'))!
        assert.deepEqual(first.value, { name: 'pets', tags: ['a'], inner: { n: 1 } })
        first.value.name = 'mutated by reader'
        first.value.tags.push('x')
        first.revision = 99
        const listed = (await store.list<typeof value>('api'))[0]!
        listed.value.inner.n = 3
        assert.deepEqual(await store.get('api', 'a1'), { kind: 'api', id: 'a1', revision: 1, origin: 'admin', value: { name: 'pets', tags: ['a'], inner: { n: 1 } } })
        assert.notEqual((await store.get('api', 'a1'))!.value, (await store.get('api', 'a1'))!.value, 'each read gets its own copy')
      }))

    test('delete removes a document and is recorded as a change', () =>
      withStore(async (store) => {
        await store.apply([put('api', 'a1', {}), put('api', 'a2', {})])
        assert.equal(await store.apply([del('api', 'a1')]), 2)
        assert.equal(await store.get('api', 'a1'), undefined)
        assert.deepEqual((await store.list('api')).map((d) => d.id), ['a2'])
        assert.deepEqual(await store.changesSince(1), [{ revision: 2, op: 'delete', kind: 'api', id: 'a1' }])
      }))

    test('deleting a missing document is a no-op: no event, and a batch of only no-ops leaves the revision alone', () =>
      withStore(async (store) => {
        const seen: ChangeEvent[][] = []
        store.watch((events) => seen.push(events))
        assert.equal(await store.apply([del('api', 'ghost'), put('api', 'real', { n: 1 })]), 1)
        assert.deepEqual(await store.changesSince(0), [{ revision: 1, op: 'put', kind: 'api', id: 'real' }])
        // Chosen behaviour: a batch that would change nothing is like apply([]): same revision, no events.
        assert.equal(await store.apply([del('api', 'ghost'), del('stage', 'ghost/prod')]), 1)
        assert.equal(await store.revision(), 1)
        assert.deepEqual(await store.changesSince(1), [])
        assert.deepEqual(seen, [[{ revision: 1, op: 'put', kind: 'api', id: 'real' }]])
      }))

    test('expectRevision 0 means "must not exist"', () =>
      withStore(async (store) => {
        assert.equal(await store.apply([put('api', 'a1', { v: 1 }, { expectRevision: 0 })]), 1)
        const error = await store.apply([put('api', 'a1', { v: 2 }, { expectRevision: 0 })]).then(
          () => assert.fail('a create over an existing document must fail'),
          (e: unknown) => e,
        )
        assert.ok(error instanceof RevisionConflictError)
        assert.equal(error.kind, 'api')
        assert.equal(error.id, 'a1')
        assert.equal(error.expected, 0)
        assert.equal(error.actual, 1)
        assert.match(error.message, /api\/a1/)
        assert.deepEqual((await store.get('api', 'a1'))?.value, { v: 1 })
        // Deleting a missing document while expecting it not to exist holds, and is a no-op.
        assert.equal(await store.apply([del('api', 'nothing', 0)]), 1)
      }))

    test('expectRevision N must match the document\'s current revision, for put and delete', () =>
      withStore(async (store) => {
        await store.apply([put('api', 'a1', { v: 1 })])
        await store.apply([put('api', 'other', {})])
        assert.equal(await store.apply([put('api', 'a1', { v: 2 }, { expectRevision: 1 })]), 3)
        await assert.rejects(store.apply([put('api', 'a1', { v: 3 }, { expectRevision: 1 })]), (e: unknown) => e instanceof RevisionConflictError && e.expected === 1 && e.actual === 3)
        await assert.rejects(store.apply([del('api', 'a1', 2)]), RevisionConflictError)
        await assert.rejects(store.apply([put('api', 'missing', {}, { expectRevision: 3 })]), (e: unknown) => e instanceof RevisionConflictError && e.actual === 0)
        await assert.rejects(store.apply([del('api', 'missing', 1)]), RevisionConflictError)
        assert.equal(await store.revision(), 3)
        assert.equal(await store.apply([del('api', 'a1', 3)]), 4)
        assert.equal(await store.get('api', 'a1'), undefined)
      }))

    test('a conflict anywhere in a batch writes nothing of it', () =>
      withStore(async (store) => {
        await store.apply([put('api', 'a1', { v: 1 }), put('api', 'a2', { v: 1 })])
        const seen: ChangeEvent[][] = []
        store.watch((events) => seen.push(events))
        await assert.rejects(
          store.apply([put('api', 'a1', { v: 2 }), del('api', 'a2'), put('api', 'new', {}), put('stage', 's', {}, { expectRevision: 5 })]),
          RevisionConflictError,
        )
        assert.equal(await store.revision(), 1)
        assert.deepEqual((await store.list('api')).map((d) => [d.id, d.value]), [['a1', { v: 1 }], ['a2', { v: 1 }]])
        assert.equal(await store.get('api', 'new'), undefined)
        assert.deepEqual(await store.changesSince(1), [])
        assert.deepEqual(seen, [])
        assert.equal(await store.apply([put('api', 'a1', { v: 2 })]), 2, 'the revision the failed batch would have had is still free')
      }))

    test('changesSince returns one event per op after the given revision, oldest first', () =>
      withStore(async (store) => {
        await store.apply([put('api', 'a1', {}), put('stage', 'a1/prod', {})])
        await store.apply([put('deployment', 'd1', {})])
        await store.apply([del('stage', 'a1/prod'), put('api', 'a1', { v: 2 })])
        const all: ChangeEvent[] = [
          { revision: 1, op: 'put', kind: 'api', id: 'a1' },
          { revision: 1, op: 'put', kind: 'stage', id: 'a1/prod' },
          { revision: 2, op: 'put', kind: 'deployment', id: 'd1' },
          { revision: 3, op: 'delete', kind: 'stage', id: 'a1/prod' },
          { revision: 3, op: 'put', kind: 'api', id: 'a1' },
        ]
        assert.deepEqual(await store.changesSince(0), all)
        assert.deepEqual(await store.changesSince(1), all.slice(2))
        assert.deepEqual(await store.changesSince(2), all.slice(3))
        assert.deepEqual(await store.changesSince(3), [])
        assert.deepEqual(await store.changesSince(10), [])
        await assert.rejects(store.changesSince(-1), TypeError)
        await assert.rejects(store.changesSince(1.5), TypeError)
      }))

    test('watch gets each later batch once, in order, before apply resolves; unsubscribe stops it', () =>
      withStore(async (store) => {
        await store.apply([put('api', 'before', {})])
        const seen: ChangeEvent[][] = []
        const unsubscribe = store.watch((events) => seen.push(events))
        await store.apply([put('api', 'a1', {}), put('api', 'a2', {})])
        assert.deepEqual(seen, [[{ revision: 2, op: 'put', kind: 'api', id: 'a1' }, { revision: 2, op: 'put', kind: 'api', id: 'a2' }]])
        await store.apply([del('api', 'a1')])
        assert.deepEqual(seen.map((b) => b.map((e) => `${e.revision}:${e.op}:${e.id}`)), [['2:put:a1', '2:put:a2'], ['3:delete:a1']])
        unsubscribe()
        unsubscribe()
        await store.apply([put('api', 'after', {})])
        assert.equal(seen.length, 2)
      }))

    test('several listeners each get every batch; one that throws breaks neither apply nor the others', () =>
      withStore(async (store) => {
        const first: number[] = []
        const last: number[] = []
        store.watch((events) => first.push(events[0]!.revision))
        store.watch(() => {
          throw new Error('listener failure')
        })
        store.watch((events) => last.push(events[0]!.revision))
        assert.equal(await store.apply([put('api', 'a', {})]), 1)
        assert.equal(await store.apply([put('api', 'b', {})]), 2)
        assert.deepEqual(first, [1, 2])
        assert.deepEqual(last, [1, 2])
        assert.equal((await store.get('api', 'b'))?.revision, 2)
      }))

    test('a listener that applies a batch itself still sees every batch once, in order', () =>
      withStore(async (store) => {
        const seen: number[] = []
        const others: number[] = []
        store.watch((events) => {
          seen.push(events[0]!.revision)
          if (events[0]!.id === 'trigger') void store.apply([put('api', 'reaction', {})])
        })
        store.watch((events) => others.push(events[0]!.revision))
        await store.apply([put('api', 'trigger', {})])
        await waitFor(async () => (await store.get('api', 'reaction')) !== undefined && seen.length === 2)
        assert.deepEqual(seen, [1, 2])
        assert.deepEqual(others, [1, 2])
      }))

    test('many parallel applies all succeed with distinct consecutive revisions', () =>
      withStore(async (store) => {
        await store.apply([put('settings', 'gateway', {})])
        const n = 40
        const revisions = await Promise.all(Array.from({ length: n }, (_, i) => store.apply([put('apikey', `k${String(i).padStart(2, '0')}`, { i })])))
        assert.deepEqual([...revisions].sort((a, b) => a - b), Array.from({ length: n }, (_, i) => i + 2))
        assert.equal(await store.revision(), n + 1)
        const keys = await store.list<{ i: number }>('apikey')
        assert.equal(keys.length, n)
        for (const doc of keys) assert.equal(doc.revision, revisions[doc.value.i])
        assert.deepEqual((await store.changesSince(1)).map((e) => e.revision), Array.from({ length: n }, (_, i) => i + 2))
      }))

    test('a value that is not a JSON document is rejected with its path, and nothing is written', () =>
      withStore(async (store) => {
        const cycle: Record<string, unknown> = { name: 'loop' }
        cycle.self = { back: cycle }
        const bad: Array<[unknown, RegExp]> = [
          [{ handler: () => 1 }, /\$\.handler is a function/],
          [cycle, /\$\.self\.back .*cycle/],
          [{ n: Number.NaN }, /\$\.n is NaN/],
          [{ n: Infinity }, /\$\.n is Infinity/],
          [{ big: 10n }, /\$\.big is a bigint/],
          [{ s: Symbol('x') }, /\$\.s is a symbol/],
          [{ list: [1, undefined] }, /\$\.list\[1\] is undefined/],
          [{ when: new Date(0) }, /\$\.when is a Date, not a plain object/],
          [{ m: new Map() }, /\$\.m is a Map/],
          [undefined, /\$ is undefined/],
        ]
        for (const [value, message] of bad) {
          await assert.rejects(store.apply([put('api', 'good', { ok: true }), put('api', 'bad', value)]), (e: unknown) => {
            assert.ok(e instanceof TypeError, `TypeError for ${message}`)
            assert.match(e.message, /ops\[1\] \(api\/bad\)/)
            assert.match(e.message, message)
            return true
          })
        }
        assert.equal(await store.revision(), 0)
        assert.deepEqual(await store.list('api'), [])
        assert.deepEqual(await store.changesSince(0), [])
        // Shared (acyclic) references are fine: they are simply written twice.
        const shared = { x: 1 }
        await store.apply([put('api', 'dag', { a: shared, b: shared })])
        assert.deepEqual((await store.get('api', 'dag'))?.value, { a: { x: 1 }, b: { x: 1 } })
      }))

    test('a malformed op is rejected with a clear error, and nothing is written', () =>
      withStore(async (store) => {
        const bad: Array<[unknown, RegExp]> = [
          [{ op: 'upsert', kind: 'api', id: 'x', value: {} }, /op must be 'put' or 'delete'/],
          [{ op: 'put', kind: 'apis', id: 'x', value: {} }, /kind must be one of/],
          [{ op: 'put', kind: 'api', id: '', value: {} }, /id must be a non-empty string/],
          [{ op: 'put', kind: 'api', id: 7, value: {} }, /id must be a non-empty string/],
          [{ op: 'put', kind: 'api', id: 'nul\u0000', value: {} }, /contains a NUL or an unpaired surrogate/],
          [{ op: 'delete', kind: 'api', id: 'half\ud800' }, /contains a NUL or an unpaired surrogate/],
          [{ op: 'put', kind: 'api', id: 'x' }, /needs a value/],
          [{ op: 'put', kind: 'api', id: 'x', value: {}, origin: 3 }, /origin must be a non-empty string/],
          [{ op: 'put', kind: 'api', id: 'x', value: {}, expectRevision: -1 }, /expectRevision must be a non-negative integer/],
          [{ op: 'delete', kind: 'api', id: 'x', expectRevision: 1.5 }, /expectRevision must be a non-negative integer/],
          [null, /ops\[1\] must be an object/],
          [{ op: 'put', kind: 'api', id: 'first', value: {} }, /only once/],
        ]
        for (const [op, message] of bad) {
          await assert.rejects(store.apply([put('api', 'first', {}), op as ChangeOp]), (e: unknown) => e instanceof TypeError && message.test(e.message))
        }
        await assert.rejects(store.apply('nope' as unknown as ChangeOp[]), (e: unknown) => e instanceof TypeError && /ops must be an array/.test(e.message))
        assert.equal(await store.revision(), 0)
        assert.deepEqual(await store.list('api'), [])
      }))

    test('events handed to listeners and returned by changesSince are plain data in the port\'s shape', () =>
      withStore(async (store) => {
        let received: ChangeEvent[] | undefined
        store.watch((events) => (received = events))
        await store.apply([put('usageplan', 'p1', { throttle: { rateLimit: 10 } }, { origin: 'file' })])
        assert.deepEqual(received, [{ revision: 1, op: 'put', kind: 'usageplan', id: 'p1' }])
        const [event] = await store.changesSince(0)
        assert.deepEqual(Object.keys(event!).sort(), ['id', 'kind', 'op', 'revision'])
        assert.equal(typeof event!.revision, 'number')
      }))

    test('a closed store refuses further use with a clear error', () =>
      withStore(async (store) => {
        await store.apply([put('api', 'a', {})])
        await store.close()
        await store.close()
        await assert.rejects(store.apply([put('api', 'b', {})]), /closed/)
        await assert.rejects(store.get('api', 'a'), /closed/)
        await assert.rejects(store.revision(), /closed/)
        assert.throws(() => store.watch(() => {}), /closed/)
      }))

    test('documents, revision and change log survive closing and reopening', async (t) => {
      const fixture = await makeStore()
      try {
        if (fixture.reopen === undefined) {
          t.skip(`${name} keeps nothing across reopening`)
          return
        }
        await fixture.store.apply([put('api', 'a1', { name: 'pets' }, { origin: 'file' }), put('stage', 'a1/prod', { v: 1 })])
        await fixture.store.apply([del('stage', 'a1/prod')])
        const reopened = await fixture.reopen()
        assert.equal(await reopened.revision(), 2)
        assert.deepEqual(await reopened.get('api', 'a1'), { kind: 'api', id: 'a1', revision: 1, origin: 'file', value: { name: 'pets' } })
        assert.equal(await reopened.get('stage', 'a1/prod'), undefined)
        assert.deepEqual(await reopened.changesSince(0), [
          { revision: 1, op: 'put', kind: 'api', id: 'a1' },
          { revision: 1, op: 'put', kind: 'stage', id: 'a1/prod' },
          { revision: 2, op: 'delete', kind: 'stage', id: 'a1/prod' },
        ])
        assert.equal(await reopened.apply([put('api', 'a1', { name: 'cats' }, { expectRevision: 1 })]), 3)
      } finally {
        await fixture.cleanup()
      }
    })
  })
}

/** Polls `condition` until it holds (for deliveries that happen after apply resolves), failing after 30 s. */
async function waitFor(condition: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await condition())) {
    if (Date.now() > deadline) assert.fail(`condition not met within ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}
