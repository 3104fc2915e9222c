// The Java object model templates see (§5.1): how values print (`{k=v}` maps, JSON lists from parsed JSON,
// `[a, b]` lists made in templates), Velocity 1.7 equality and truth, and the Java methods of String, Number,
// Boolean, List and Map, dispatched by value type. No JavaScript method is ever called on template data.

import type { UserRegex } from '../regex/index.js'
import { charge, checkLength } from './budget.js'
import { TemplateRenderError } from './errors.js'
import { javaMatches, javaRegex, javaReplace, javaSplit } from './java-regex.js'

/** An engine-provided object (`$input`, `$util`, `$foreach`, map entries) with its own properties and methods. */
export abstract class HostObject {
  /** `$obj.name`; undefined when there is no such property. */
  abstract getProperty(name: string): unknown
  /** `$obj.name(args)`; undefined when there is no such method (Velocity then renders nothing). */
  abstract callMethod(name: string, args: readonly unknown[]): unknown
  /** What `$obj` prints. */
  toJavaString(): string {
    return ''
  }
  /** Inside JSON text (a JSON list holding an entry, say) a host object appears as its printed form. */
  toJSON(): string {
    return this.toJavaString()
  }
}

// Lists created by the template (literals, ranges, keySet(), split()...) are java.util.ArrayList and print as
// `[a, b]`. Every other array came from parsed JSON and prints as compact JSON (§5.2 [REC]).
const javaLists = new WeakSet<unknown[]>()

/** Marks an array as a template-made Java list (prints `[a, b]`). */
export function newJavaList<T>(items: T[]): T[] {
  javaLists.add(items)
  return items
}

// Header maps whose lookups fall back to a case-insensitive match (§5.2 [K]).
const caseInsensitiveMaps = new WeakSet<object>()

/** Marks a map so that `get`, `containsKey` and property access also find keys case-insensitively. */
export function markCaseInsensitive<T extends object>(map: T): T {
  caseInsensitiveMaps.add(map)
  return map
}

/** A `Map.Entry` from `entrySet()`: `$e.key`, `$e.value`, `getKey()`, `getValue()`, prints `k=v`. */
export class MapEntry extends HostObject {
  readonly #map: Record<string, unknown>
  readonly key: string
  constructor(map: Record<string, unknown>, key: string) {
    super()
    this.#map = map
    this.key = key
  }
  getProperty(name: string): unknown {
    if (name === 'key') return this.key
    if (name === 'value') return this.#map[this.key]
    return undefined
  }
  callMethod(name: string, args: readonly unknown[]): unknown {
    if (args.length === 0 && name === 'getKey') return this.key
    if (args.length === 0 && name === 'getValue') return this.#map[this.key]
    if (args.length === 1 && name === 'setValue') {
      const old = this.#map[this.key]
      setMapKey(this.#map, this.key, args[0])
      return old
    }
    if (args.length === 0 && name === 'toString') return this.toJavaString()
    return undefined
  }
  override toJavaString(): string {
    return `${this.key}=${toJavaString(this.#map[this.key], true)}`
  }
}

/** Whether a value is a map (a plain JavaScript object). */
export function isMap(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v) || v instanceof HostObject) return false
  const proto = Object.getPrototypeOf(v) as unknown
  return proto === Object.prototype || proto === null
}

/** Sets a map key without ever touching the prototype (a `__proto__` key becomes an own property). */
export function setMapKey(map: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(map, key, { value, writable: true, enumerable: true, configurable: true })
  else map[key] = value
}

function findKey(map: Record<string, unknown>, key: string): string | undefined {
  if (Object.hasOwn(map, key)) return key
  if (!caseInsensitiveMaps.has(map)) return undefined
  const lower = key.toLowerCase()
  for (const k of Object.keys(map)) if (k.toLowerCase() === lower) return k
  return undefined
}

/** `Map.get(key)` semantics: string keys only, with the case-insensitive fallback for header maps. */
export function mapGet(map: Record<string, unknown>, key: unknown): unknown {
  if (typeof key !== 'string') return undefined
  const k = findKey(map, key)
  return k === undefined ? undefined : map[k]
}

// ---------------------------------------------------------------------------------------------------
// Printing

/** Java's `String.valueOf(double|int)`, close enough: integers without a fraction, others shortest form. */
export function formatJavaNumber(n: number): string {
  return Object.is(n, -0) ? '0' : String(n)
}

/** Compact JSON text (what json-smart prints for parsed JSON lists and `$input.json`). */
export function toJsonText(v: unknown): string {
  return JSON.stringify(v) ?? 'null'
}

/**
 * What Java's `toString()` gives for a value. `nested` is for values inside a collection, where null prints
 * as `null`; at the top level the caller renders null as nothing (quiet references, §5.1).
 */
export function toJavaString(v: unknown, nested = false): string {
  if (v === undefined || v === null) return nested ? 'null' : ''
  switch (typeof v) {
    case 'string':
      return v
    case 'number':
      return formatJavaNumber(v)
    case 'boolean':
      return v ? 'true' : 'false'
    case 'object':
      break
    default:
      return String(v)
  }
  if (Array.isArray(v)) {
    if (!javaLists.has(v)) return toJsonText(v)
    charge(v.length >>> 2)
    let out = '['
    for (let i = 0; i < v.length; i++) out += (i === 0 ? '' : ', ') + toJavaString(v[i], true)
    return out + ']'
  }
  if (v instanceof HostObject) return v.toJavaString()
  if (!isMap(v)) return String(v)
  const map = v
  let out = '{'
  let first = true
  for (const k in map) {
    if (!Object.hasOwn(map, k)) continue
    out += (first ? '' : ', ') + k + '=' + toJavaString(map[k], true)
    first = false
  }
  return out + '}'
}

// ---------------------------------------------------------------------------------------------------
// Equality and truth

/** Java `Object.equals`: same type and value; lists and maps compare element by element. */
export function javaObjectEquals(a: unknown, b: unknown): boolean {
  if (a === b) return true
  charge(1)
  if (a === null || a === undefined || b === null || b === undefined) return false
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false
    for (let i = 0; i < a.length; i++) if (!javaObjectEquals(a[i], b[i])) return false
    return true
  }
  if (isMap(a)) {
    if (!isMap(b)) return false
    const ka = Object.keys(a)
    if (ka.length !== Object.keys(b).length) return false
    for (const k of ka) if (!Object.hasOwn(b, k) || !javaObjectEquals(a[k], b[k])) return false
    return true
  }
  return false
}

/**
 * Velocity 1.7 `==`: numbers compare by value, same-type values with `equals`, anything else by `toString()`.
 * AWS quirk (§5.1 [REC test_input_path_template_formatting]): a null reference equals the empty string.
 */
export function velocityEquals(a: unknown, b: unknown): boolean {
  const aNull = a === undefined || a === null
  const bNull = b === undefined || b === null
  if (aNull || bNull) {
    if (aNull && bNull) return true
    return (aNull ? b : a) === ''
  }
  if (typeof a === 'number' && typeof b === 'number') return a === b
  if (typeof a === typeof b && typeof a !== 'object') return a === b
  if ((Array.isArray(a) && Array.isArray(b)) || (isMap(a) && isMap(b))) return javaObjectEquals(a, b)
  return toJavaString(a, true) === toJavaString(b, true)
}

/** Velocity 1.7 truth (`#if($x)`): only null and `false` are false; `""`, `0` and empty lists are true. */
export function isTruthy(v: unknown): boolean {
  return v !== undefined && v !== null && v !== false
}

// ---------------------------------------------------------------------------------------------------
// Property and index access

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1)
}

/** `$obj.name`: a map key for maps, else a bean getter (`getName()` / `isName()`), as Velocity's uberspector. */
export function getProperty(target: unknown, name: string): unknown {
  if (target === undefined || target === null) return undefined
  if (isMap(target)) {
    const k = findKey(target, name)
    return k === undefined ? undefined : target[k]
  }
  if (target instanceof HostObject) return target.getProperty(name)
  const cap = capitalize(name)
  const viaGet = callMethod(target, 'get' + cap, [])
  if (viaGet !== undefined) return viaGet
  return callMethod(target, 'is' + cap, [])
}

/** `$obj[key]`: list index or map key. */
export function getIndex(target: unknown, key: unknown): unknown {
  if (Array.isArray(target)) {
    if (typeof key !== 'number' || !Number.isInteger(key) || key < 0 || key >= target.length) return undefined
    return target[key]
  }
  if (isMap(target)) return mapGet(target, key)
  if (target instanceof HostObject && typeof key === 'string') return target.getProperty(key)
  return undefined
}

/** `#set($obj.name = v)`: puts into maps; anything else is left alone (Velocity finds no setter). */
export function setProperty(target: unknown, name: string, value: unknown): void {
  if (isMap(target)) setMapKey(target, findKey(target, name) ?? name, value)
}

/** `#set($obj[key] = v)`. */
export function setIndex(target: unknown, key: unknown, value: unknown): void {
  if (Array.isArray(target)) {
    if (typeof key === 'number' && Number.isInteger(key) && key >= 0 && key < target.length) target[key] = value
  } else if (isMap(target) && typeof key === 'string') {
    setMapKey(target, findKey(target, key) ?? key, value)
  }
}

// ---------------------------------------------------------------------------------------------------
// Methods

/**
 * Calls a Java method on a template value; undefined when the type has no such method for these arguments.
 * `regex` is the compiled first argument of a String regex method, when the template wrote it as a literal.
 */
export function callMethod(target: unknown, name: string, args: readonly unknown[], regex?: UserRegex): unknown {
  switch (typeof target) {
    case 'string':
      return stringMethod(target, name, args, regex)
    case 'number':
      return numberMethod(target, name, args)
    case 'boolean':
      return booleanMethod(target, name, args)
    case 'object':
      if (target === null) return undefined
      if (Array.isArray(target)) return listMethod(target, name, args)
      if (target instanceof HostObject) return target.callMethod(name, args)
      if (isMap(target)) return mapMethod(target, name, args)
      return undefined
    default:
      return undefined
  }
}

function outOfBounds(what: string, index: number, length: number): never {
  throw new TemplateRenderError(`${what}: index ${index} out of bounds for length ${length}`)
}

function asInt(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isInteger(v) ? v : undefined
}

// Java String methods take CharSequence/String arguments; Velocity 1.7 does not convert a number or a map
// to one, so such a call finds no method.
function asText(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined
}

// Java `String.trim()` removes every char <= U+0020 at both ends (not Unicode whitespace).
function javaTrim(s: string): string {
  let start = 0
  let end = s.length
  while (start < end && s.charCodeAt(start) <= 0x20) start++
  while (end > start && s.charCodeAt(end - 1) <= 0x20) end--
  return s.slice(start, end)
}

function javaCompare(a: string, b: string): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const d = a.charCodeAt(i) - b.charCodeAt(i)
    if (d !== 0) return d
  }
  return a.length - b.length
}

function javaHash(s: string): number {
  let h = 0
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0
  return h
}

/** How many times `from` occurs in `s` (Java's `replace` of "" inserts between every character). */
function occurrences(s: string, from: string): number {
  if (from === '') return s.length + 1
  let count = 0
  for (let at = s.indexOf(from); at !== -1; at = s.indexOf(from, at + from.length)) count++
  return count
}

// RE2 matching costs more per character than the plain String methods: one step per 4 characters to test a
// match, one per character to find matches with their positions (replace, split).
function regexFor(pattern: string, compiled: UserRegex | undefined): UserRegex {
  return compiled !== undefined && compiled.source === pattern ? compiled : javaRegex(pattern)
}

function stringMethod(s: string, name: string, args: readonly unknown[], regex?: UserRegex): unknown {
  const n = args.length
  const a0 = args[0]
  const a1 = args[1]
  switch (name) {
    case 'length':
      return n === 0 ? s.length : undefined
    case 'isEmpty':
      return n === 0 ? s.length === 0 : undefined
    case 'isBlank':
      return n === 0 ? /^\s*$/.test(s) : undefined
    case 'toString':
    case 'intern':
      return n === 0 ? s : undefined
    case 'toUpperCase':
      return n === 0 ? s.toUpperCase() : undefined
    case 'toLowerCase':
      return n === 0 ? s.toLowerCase() : undefined
    case 'trim':
      return n === 0 ? javaTrim(s) : undefined
    case 'strip':
      return n === 0 ? s.trim() : undefined
    case 'hashCode':
      return n === 0 ? javaHash(s) : undefined
    case 'charAt': {
      const i = asInt(a0)
      if (n !== 1 || i === undefined) return undefined
      if (i < 0 || i >= s.length) outOfBounds('String.charAt', i, s.length)
      return s.charAt(i)
    }
    case 'substring': {
      const b = asInt(a0)
      const e = n === 2 ? asInt(a1) : s.length
      if (n < 1 || n > 2 || b === undefined || e === undefined) return undefined
      if (b < 0 || e > s.length || b > e) {
        throw new TemplateRenderError(`String.substring: begin ${b}, end ${e}, length ${s.length}`)
      }
      return s.slice(b, e)
    }
    case 'indexOf':
    case 'lastIndexOf': {
      // indexOf(int ch) searches for a character code.
      const needle = typeof a0 === 'number' && Number.isInteger(a0) && a0 >= 0 && a0 <= 0xffff ? String.fromCharCode(a0) : asText(a0)
      if (needle === undefined || n < 1 || n > 2) return undefined
      const from = n === 2 ? asInt(a1) : undefined
      if (n === 2 && from === undefined) return undefined
      if (name === 'indexOf') return s.indexOf(needle, from === undefined ? 0 : Math.max(0, from))
      return from === undefined ? s.lastIndexOf(needle) : from < 0 ? -1 : s.lastIndexOf(needle, from)
    }
    case 'contains': {
      const needle = asText(a0)
      return n === 1 && needle !== undefined ? s.includes(needle) : undefined
    }
    case 'startsWith': {
      const prefix = asText(a0)
      if (prefix === undefined || n < 1 || n > 2) return undefined
      const off = n === 2 ? asInt(a1) : 0
      if (off === undefined) return undefined
      return off >= 0 && s.startsWith(prefix, off)
    }
    case 'endsWith': {
      const suffix = asText(a0)
      return n === 1 && suffix !== undefined ? s.endsWith(suffix) : undefined
    }
    case 'equals':
      return n === 1 ? a0 === s : undefined
    case 'equalsIgnoreCase':
      return n === 1 ? typeof a0 === 'string' && a0.length === s.length && a0.toUpperCase().toLowerCase() === s.toUpperCase().toLowerCase() : undefined
    case 'compareTo':
      return n === 1 && typeof a0 === 'string' ? javaCompare(s, a0) : undefined
    case 'compareToIgnoreCase':
      return n === 1 && typeof a0 === 'string' ? javaCompare(s.toUpperCase().toLowerCase(), a0.toUpperCase().toLowerCase()) : undefined
    case 'concat': {
      const t = asText(a0)
      if (n !== 1 || t === undefined) return undefined
      checkLength(s.length + t.length, 'String.concat')
      return s + t
    }
    case 'replace': {
      const from = asText(a0)
      const to = asText(a1)
      if (n !== 2 || from === undefined || to === undefined) return undefined
      if (to.length > from.length) checkLength(s.length + occurrences(s, from) * (to.length - from.length), 'String.replace')
      return s.replaceAll(from, () => to)
    }
    case 'replaceAll':
    case 'replaceFirst': {
      const pattern = asText(a0)
      const to = asText(a1)
      if (n !== 2 || pattern === undefined || to === undefined) return undefined
      const re = regexFor(pattern, regex)
      charge(s.length)
      return javaReplace(s, re, to, name === 'replaceAll')
    }
    case 'matches': {
      const pattern = asText(a0)
      if (n !== 1 || pattern === undefined) return undefined
      const re = regexFor(pattern, regex)
      charge(s.length >>> 2)
      return javaMatches(s, re)
    }
    case 'split': {
      const pattern = asText(a0)
      const limit = n === 2 ? asInt(a1) : 0
      if (pattern === undefined || limit === undefined || n < 1 || n > 2) return undefined
      const re = regexFor(pattern, regex)
      charge(s.length)
      return newJavaList(javaSplit(s, re, limit))
    }
    case 'repeat': {
      const count = asInt(a0)
      if (n !== 1 || count === undefined) return undefined
      if (count < 0) throw new TemplateRenderError(`String.repeat: count is negative: ${count}`)
      checkLength(s.length * count, 'String.repeat')
      return s.repeat(count)
    }
    default:
      return undefined
  }
}

function numberMethod(v: number, name: string, args: readonly unknown[]): unknown {
  const n = args.length
  switch (name) {
    case 'toString':
      return n === 0 ? formatJavaNumber(v) : undefined
    case 'intValue':
    case 'longValue':
    case 'shortValue':
    case 'byteValue':
      return n === 0 ? Math.trunc(v) : undefined
    case 'doubleValue':
    case 'floatValue':
      return n === 0 ? v : undefined
    case 'isNaN':
      return n === 0 ? Number.isNaN(v) : undefined
    case 'isInfinite':
      return n === 0 ? v === Infinity || v === -Infinity : undefined
    case 'equals':
      return n === 1 ? typeof args[0] === 'number' && args[0] === v : undefined
    case 'compareTo':
      return n === 1 && typeof args[0] === 'number' ? Math.sign(v - args[0]) : undefined
    default:
      return undefined
  }
}

function booleanMethod(v: boolean, name: string, args: readonly unknown[]): unknown {
  const n = args.length
  switch (name) {
    case 'toString':
      return n === 0 ? String(v) : undefined
    case 'booleanValue':
      return n === 0 ? v : undefined
    case 'equals':
      return n === 1 ? args[0] === v : undefined
    case 'compareTo':
      return n === 1 && typeof args[0] === 'boolean' ? Number(v) - Number(args[0]) : undefined
    default:
      return undefined
  }
}

// List and map methods that walk the whole collection, charged by its size (one step per 4 entries).
const LINEAR_LIST = new Set(['toString', 'contains', 'containsAll', 'indexOf', 'lastIndexOf', 'equals', 'add', 'addAll', 'remove', 'subList'])
const LINEAR_MAP = new Set(['containsValue', 'putAll', 'clear', 'keySet', 'values', 'entrySet', 'size', 'isEmpty', 'equals', 'toString'])

function listMethod(list: unknown[], name: string, args: readonly unknown[]): unknown {
  const n = args.length
  const a0 = args[0]
  if (LINEAR_LIST.has(name)) charge((list.length * (name === 'containsAll' && Array.isArray(a0) ? a0.length + 1 : 1) + (Array.isArray(a0) ? a0.length : 0)) >>> 2)
  switch (name) {
    case 'size':
      return n === 0 ? list.length : undefined
    case 'isEmpty':
      return n === 0 ? list.length === 0 : undefined
    case 'toString':
      return n === 0 ? toJavaString(list) : undefined
    case 'get': {
      const i = asInt(a0)
      if (n !== 1 || i === undefined) return undefined
      if (i < 0 || i >= list.length) outOfBounds('List.get', i, list.length)
      return list[i]
    }
    case 'contains':
      return n === 1 ? list.some((x) => javaObjectEquals(x, a0)) : undefined
    case 'containsAll':
      return n === 1 && Array.isArray(a0) ? a0.every((y) => list.some((x) => javaObjectEquals(x, y))) : undefined
    case 'indexOf':
      return n === 1 ? list.findIndex((x) => javaObjectEquals(x, a0)) : undefined
    case 'lastIndexOf':
      return n === 1 ? list.findLastIndex((x) => javaObjectEquals(x, a0)) : undefined
    case 'equals':
      return n === 1 ? javaObjectEquals(list, a0) : undefined
    case 'add': {
      if (n === 1) {
        list.push(a0)
        return true
      }
      const i = asInt(a0)
      if (n !== 2 || i === undefined) return undefined
      if (i < 0 || i > list.length) outOfBounds('List.add', i, list.length)
      list.splice(i, 0, args[1])
      return undefined
    }
    case 'addAll': {
      if (n === 1 && Array.isArray(a0)) {
        list.push(...a0)
        return a0.length > 0
      }
      const i = asInt(a0)
      const more = args[1]
      if (n !== 2 || i === undefined || !Array.isArray(more)) return undefined
      if (i < 0 || i > list.length) outOfBounds('List.addAll', i, list.length)
      list.splice(i, 0, ...more)
      return more.length > 0
    }
    case 'set': {
      const i = asInt(a0)
      if (n !== 2 || i === undefined) return undefined
      if (i < 0 || i >= list.length) outOfBounds('List.set', i, list.length)
      const old = list[i]
      list[i] = args[1]
      return old
    }
    case 'remove': {
      if (n !== 1) return undefined
      const i = asInt(a0)
      if (i !== undefined) {
        if (i < 0 || i >= list.length) outOfBounds('List.remove', i, list.length)
        return list.splice(i, 1)[0]
      }
      const at = list.findIndex((x) => javaObjectEquals(x, a0))
      if (at === -1) return false
      list.splice(at, 1)
      return true
    }
    case 'clear':
      if (n !== 0) return undefined
      list.length = 0
      return undefined
    case 'subList': {
      const from = asInt(a0)
      const to = asInt(args[1])
      if (n !== 2 || from === undefined || to === undefined) return undefined
      if (from < 0 || to > list.length || from > to) {
        throw new TemplateRenderError(`List.subList: fromIndex ${from}, toIndex ${to}, size ${list.length}`)
      }
      return newJavaList(list.slice(from, to))
    }
    default:
      return undefined
  }
}

function mapMethod(map: Record<string, unknown>, name: string, args: readonly unknown[]): unknown {
  const n = args.length
  const a0 = args[0]
  if (LINEAR_MAP.has(name)) charge((Object.keys(map).length + (isMap(a0) ? Object.keys(a0).length : 0)) >>> 2)
  switch (name) {
    case 'get':
      return n === 1 ? mapGet(map, a0) : undefined
    case 'getOrDefault': {
      if (n !== 2) return undefined
      const k = typeof a0 === 'string' ? findKey(map, a0) : undefined
      return k === undefined ? args[1] : map[k]
    }
    case 'containsKey':
      return n === 1 ? typeof a0 === 'string' && findKey(map, a0) !== undefined : undefined
    case 'containsValue':
      return n === 1 ? Object.values(map).some((v) => javaObjectEquals(v, a0)) : undefined
    case 'put':
    case 'putIfAbsent': {
      if (n !== 2 || a0 === undefined || a0 === null) return undefined
      const key = toJavaString(a0, true)
      const existing = findKey(map, key)
      const old = existing === undefined ? undefined : map[existing]
      if (name === 'putIfAbsent' && old !== undefined && old !== null) return old
      setMapKey(map, existing ?? key, args[1])
      return old
    }
    case 'putAll':
      if (n !== 1 || !isMap(a0)) return undefined
      for (const k of Object.keys(a0)) setMapKey(map, k, a0[k])
      return undefined
    case 'remove': {
      if (n !== 1 || typeof a0 !== 'string') return undefined
      const k = findKey(map, a0)
      if (k === undefined) return undefined
      const old = map[k]
      delete map[k]
      return old
    }
    case 'clear':
      if (n !== 0) return undefined
      for (const k of Object.keys(map)) delete map[k]
      return undefined
    case 'keySet':
      return n === 0 ? newJavaList(Object.keys(map)) : undefined
    case 'values':
      return n === 0 ? newJavaList(Object.values(map)) : undefined
    case 'entrySet':
      return n === 0 ? newJavaList(Object.keys(map).map((k) => new MapEntry(map, k))) : undefined
    case 'size':
      return n === 0 ? Object.keys(map).length : undefined
    case 'isEmpty':
      return n === 0 ? Object.keys(map).length === 0 : undefined
    case 'equals':
      return n === 1 ? javaObjectEquals(map, a0) : undefined
    case 'toString':
      return n === 0 ? toJavaString(map) : undefined
    default:
      return undefined
  }
}
