// The bounds on what a config or OpenAPI file may make the gateway do: how large a file may be (checked with
// stat before anything is read, and the read itself bounded), and how deeply a parsed document may nest. A
// file past a bound is a problem in the file, never a stall, a crash or a stack overflow (docs/config-files.md).

import { open, stat } from 'node:fs/promises'

/**
 * The largest OpenAPI file read: API Gateway's limit on the definition given to ImportRestApi and PutRestApi,
 * "6 MB" (docs/aws-behaviour.md §11.2), read as 6 MiB, the lenient reading.
 */
export const OPENAPI_FILE_LIMIT = 6 * 1024 * 1024

/**
 * The largest config file read. It may hold definitions inline, so it gets the same room as one OpenAPI file;
 * larger APIs go in files of their own (`openapi: FILE`).
 */
export const CONFIG_FILE_LIMIT = 6 * 1024 * 1024

/**
 * The deepest nesting of objects and arrays accepted in a parsed document. Real definitions stay far below it
 * (the deepest AWS recording and fixture nests 13 levels); far above it, recursive code (the YAML parser's,
 * ajv's, the importer's walks) would exhaust the stack.
 */
export const MAX_DOCUMENT_DEPTH = 128

/**
 * How many alias uses, weighted by the size of what they repeat, a YAML document may make (the YAML library's
 * `maxAliasCount`): ordinary anchors and merge keys stay far below it, an alias bomb goes far above.
 */
export const MAX_ALIAS_COUNT = 1000

/** The problem of a document nested deeper than MAX_DOCUMENT_DEPTH. */
export const TOO_DEEP = `the document nests objects and arrays more than ${MAX_DOCUMENT_DEPTH} levels deep; no API definition or config needs that many`

/** The problem of YAML aliases that expand past MAX_ALIAS_COUNT. */
export const ALIAS_BOMB = `the aliases (*name) repeat anchored content too many times (over ${MAX_ALIAS_COUNT} copies, weighted by their size), as in a "billion laughs" alias bomb; write the repeated parts out, or repeat less`

/** True for the error the YAML library throws when aliases expand past `maxAliasCount`. */
export function isAliasBomb(err: unknown): boolean {
  return err instanceof ReferenceError && /alias/i.test(err.message)
}

/** A size for people: `6 MB (6,291,456 bytes)`. */
export function formatSize(bytes: number): string {
  const mb = bytes / (1024 * 1024)
  const short = mb >= 1 ? `${mb >= 10 ? Math.round(mb) : Math.round(mb * 10) / 10} MB` : `${Math.ceil(bytes / 1024)} KB`
  return `${short} (${bytes.toLocaleString('en-US')} bytes)`
}

/** What reading a bounded text file gave: the text, or why there is none. */
export type BoundedRead = { text: string } | { tooLarge: { size: number; limit: number } } | { error: string }

/**
 * Reads a UTF-8 text file of at most `limit` bytes. The size is checked with stat before the file is opened,
 * and the read stops at `limit + 1` bytes whatever stat said (a file that grows meanwhile). Anything but a
 * regular file is refused before it is opened (a FIFO would block, a device could be endless).
 */
export async function readBoundedText(absPath: string, limit: number): Promise<BoundedRead> {
  try {
    const info = await stat(absPath)
    if (info.isDirectory()) return { error: 'is a directory, not a file' }
    if (!info.isFile()) return { error: 'is not a regular file' }
    if (info.size > limit) return { tooLarge: { size: info.size, limit } }
    const handle = await open(absPath, 'r')
    try {
      let buf = Buffer.allocUnsafe(Math.min(limit + 1, info.size + 1))
      let filled = 0
      for (;;) {
        if (filled === buf.length) {
          if (filled > limit) return { tooLarge: { size: filled, limit } }
          // The file grew since stat: read on, never past the limit.
          const bigger = Buffer.allocUnsafe(Math.min(limit + 1, buf.length * 2))
          buf.copy(bigger, 0, 0, filled)
          buf = bigger
        }
        const { bytesRead } = await handle.read(buf, filled, buf.length - filled, null)
        if (bytesRead === 0) return { text: buf.toString('utf8', 0, filled) }
        filled += bytesRead
      }
    } finally {
      await handle.close()
    }
  } catch (err) {
    return { error: describeFsError(err) }
  }
}

/** A short reason for a failed file read: `no such file` rather than the whole errno text. */
export function describeFsError(err: unknown): string {
  const code = (err as { code?: string }).code
  if (code === 'ENOENT') return 'no such file'
  if (code === 'EISDIR') return 'is a directory, not a file'
  if (code === 'EACCES') return 'permission denied'
  return err instanceof Error ? err.message : String(err)
}

/**
 * The message for a file over its limit, e.g. `the OpenAPI file is 52 MB (54,525,952 bytes), over the limit of
 * 6 MB (6,291,456 bytes): …`. `advice` says what to do about it.
 */
export function tooLargeMessage(what: string, size: number, limit: number, advice: string): string {
  return `the ${what} is ${formatSize(size)}, over the limit of ${formatSize(limit)}: ${advice}`
}

/** Where a document breaks a structural bound: a JSON pointer and what is wrong there. */
export interface ShapeProblem {
  path: string
  message: string
}

function segment(key: string | number): string {
  return String(key).replace(/~/g, '~0').replace(/\//g, '~1')
}

/**
 * Checks a parsed document without recursion: nesting deeper than MAX_DOCUMENT_DEPTH, or a collection that contains
 * itself (a YAML alias to an enclosing node). Returns the first problem found, with its path.
 */
export function checkDocumentShape(root: unknown): ShapeProblem | undefined {
  if (typeof root !== 'object' || root === null) return undefined
  // An explicit stack of frames: the object, its children still to visit, and the path to it.
  interface Frame {
    node: object
    keys: Array<string | number>
    next: number
    path: string
  }
  const onPath = new Set<object>()
  const childrenOf = (node: object): Array<string | number> => (Array.isArray(node) ? node.map((_, i) => i) : Object.keys(node))
  const stack: Frame[] = [{ node: root, keys: childrenOf(root), next: 0, path: '' }]
  onPath.add(root)
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!
    if (top.next >= top.keys.length) {
      onPath.delete(top.node)
      stack.pop()
      continue
    }
    const key = top.keys[top.next++]!
    const child = (top.node as Record<string | number, unknown>)[key]
    if (typeof child !== 'object' || child === null) continue
    const path = `${top.path}/${segment(key)}`
    if (onPath.has(child)) return { path, message: 'an alias refers to a collection that contains it (the document would be infinite)' }
    if (stack.length >= MAX_DOCUMENT_DEPTH) return { path, message: TOO_DEEP }
    onPath.add(child)
    stack.push({ node: child, keys: childrenOf(child), next: 0, path })
  }
  return undefined
}

/** True for the error a JavaScript engine throws when recursion exhausts the stack. */
export function isStackOverflow(err: unknown): boolean {
  return err instanceof RangeError && /call stack/i.test(err.message)
}
