// Part of the store port (src/store/port/): what every ConfigStore adapter does to a batch before touching its
// backend: check the ops, turn each value into JSON text (the one stored form), and the small pieces of
// ordering they share. Adapters import it as they import ports.ts.

import { DOC_KINDS, RevisionConflictError } from './ports.js'
import type { ChangeEvent, ChangeOp, DocKind } from './ports.js'

/** The origin a put gets when it names none. */
export const DEFAULT_ORIGIN = 'admin'

/** How many revisions of change events an adapter keeps by default (older ones are pruned). */
export const DEFAULT_CHANGE_LOG_REVISIONS = 10_000

/**
 * Text no adapter can keep as given: PostgreSQL rejects NUL, and UTF-8 encoders replace unpaired
 * surrogates. Values are safe (JSON.stringify escapes both); ids and origins are checked against this.
 */
export const UNSTORABLE_TEXT = /\u0000|\p{Cs}/u

/** A checked op: `json` is the value as JSON text for a put, null for a delete. */
export interface PreparedOp {
  op: 'put' | 'delete'
  kind: DocKind
  id: string
  origin: string
  json: string | null
  expectRevision: number | undefined
}

/**
 * Checks a batch and serialises its values. Throws a TypeError naming the op (and the path inside the
 * value) for anything that cannot be stored: an unknown op or kind, an empty id, a bad `expectRevision`,
 * the same document twice in one batch, or a value that is not a JSON document. Object properties whose
 * value is `undefined` are left out, as `JSON.stringify` does.
 */
export function prepareBatch(ops: readonly ChangeOp[]): PreparedOp[] {
  if (!Array.isArray(ops)) throw new TypeError(`apply: ops must be an array, got ${describe(ops)}`)
  const seen = new Set<string>()
  return ops.map((raw: unknown, index) => {
    const where = `apply: ops[${index}]`
    if (typeof raw !== 'object' || raw === null) throw new TypeError(`${where} must be an object, got ${describe(raw)}`)
    const op = raw as Record<string, unknown>
    if (op.op !== 'put' && op.op !== 'delete') throw new TypeError(`${where}.op must be 'put' or 'delete', got ${describe(op.op)}`)
    if (!DOC_KINDS.includes(op.kind as DocKind)) throw new TypeError(`${where}.kind must be one of ${DOC_KINDS.join(', ')}, got ${describe(op.kind)}`)
    if (typeof op.id !== 'string' || op.id === '') throw new TypeError(`${where}.id must be a non-empty string, got ${describe(op.id)}`)
    if (UNSTORABLE_TEXT.test(op.id)) throw new TypeError(`${where}.id ${describe(op.id)} contains a NUL or an unpaired surrogate, which databases cannot store`)
    const kind = op.kind as DocKind
    const id = op.id
    const at = `${where} (${kind}/${id})`
    const key = docKey(kind, id)
    if (seen.has(key)) throw new TypeError(`${at}: a batch may name each document only once`)
    seen.add(key)
    const expect = op.expectRevision
    if (expect !== undefined && !(Number.isSafeInteger(expect) && (expect as number) >= 0)) {
      throw new TypeError(`${at}.expectRevision must be a non-negative integer, got ${describe(expect)}`)
    }
    if (op.op === 'delete') return { op: 'delete', kind, id, origin: '', json: null, expectRevision: expect as number | undefined }
    if (op.origin !== undefined && (typeof op.origin !== 'string' || op.origin === '' || UNSTORABLE_TEXT.test(op.origin))) {
      throw new TypeError(`${at}.origin must be a non-empty string without NUL or unpaired surrogates, got ${describe(op.origin)}`)
    }
    if (!('value' in op)) throw new TypeError(`${at}: a put needs a value`)
    const problem = jsonProblem(op.value, '$', [])
    if (problem !== null) throw new TypeError(`${at}: value is not a JSON document: ${problem}`)
    return { op: 'put', kind, id, origin: (op.origin as string | undefined) ?? DEFAULT_ORIGIN, json: JSON.stringify(op.value), expectRevision: expect as number | undefined }
  })
}

/**
 * Throws RevisionConflictError for the first op whose `expectRevision` does not match `revisionOf` its
 * document (0 when the document does not exist).
 */
export function checkExpectations(batch: readonly PreparedOp[], revisionOf: (kind: DocKind, id: string) => number): void {
  for (const op of batch) {
    if (op.expectRevision === undefined) continue
    const actual = revisionOf(op.kind, op.id)
    if (actual !== op.expectRevision) throw new RevisionConflictError(op.kind, op.id, op.expectRevision, actual)
  }
}

/** A map key for one document. */
export function docKey(kind: DocKind, id: string): string {
  return `${kind}\u0000${id}`
}

/** Orders documents by id in UTF-16 code-unit order, the same in every adapter whatever its collation. */
export function byId(a: { id: string }, b: { id: string }): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0
}

/** Splits events (ordered by revision) into one array per revision. */
export function groupByRevision(events: readonly ChangeEvent[]): ChangeEvent[][] {
  const groups: ChangeEvent[][] = []
  let current: ChangeEvent[] | undefined
  for (const event of events) {
    if (current === undefined || current[0]!.revision !== event.revision) groups.push((current = []))
    current.push(event)
  }
  return groups
}

/** Checks the argument of `changesSince`. */
export function checkRevisionArgument(revision: unknown): asserts revision is number {
  if (!(Number.isSafeInteger(revision) && (revision as number) >= 0)) {
    throw new TypeError(`changesSince: revision must be a non-negative integer, got ${describe(revision)}`)
  }
}

/** Checks a change-log bound given in adapter options. */
export function checkChangeLogRevisions(value: number | undefined): number {
  const n = value ?? DEFAULT_CHANGE_LOG_REVISIONS
  if (!(Number.isSafeInteger(n) && n >= 1)) throw new TypeError(`changeLogRevisions must be a positive integer, got ${describe(value)}`)
  return n
}

// Returns null when `value` survives a JSON round trip unchanged (apart from undefined properties),
// else what is wrong and where. JSON.stringify alone would silently turn NaN into null and drop functions.
function jsonProblem(value: unknown, path: string, parents: object[]): string | null {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return null
    case 'number':
      return Number.isFinite(value) ? null : `${path} is ${value}, which JSON cannot represent`
    case 'undefined':
      return `${path} is undefined`
    case 'object': {
      if (value === null) return null
      if (parents.includes(value)) return `${path} refers back to an enclosing value (a cycle)`
      parents.push(value)
      try {
        if (Array.isArray(value)) {
          for (let i = 0; i < value.length; i++) {
            const problem = jsonProblem(value[i], `${path}[${i}]`, parents)
            if (problem !== null) return problem
          }
          return null
        }
        const proto: unknown = Object.getPrototypeOf(value)
        if (proto !== Object.prototype && proto !== null) {
          const name = (value as { constructor?: { name?: unknown } }).constructor?.name
          return `${path} is ${typeof name === 'string' && name !== '' ? `a ${name}` : 'an object with a prototype'}, not a plain object`
        }
        for (const [key, member] of Object.entries(value)) {
          if (member === undefined) continue
          const problem = jsonProblem(member, `${path}${/^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`}`, parents)
          if (problem !== null) return problem
        }
        return null
      } finally {
        parents.pop()
      }
    }
    default:
      return `${path} is a ${typeof value}`
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value)
  if (Array.isArray(value)) return 'an array'
  if (value === null) return 'null'
  if (typeof value === 'object') return 'an object'
  return String(value)
}
