// The request target before anything routes on it: the absolute form taken apart (RFC 9112 §3.2.2: its
// authority is the host), and dot segments resolved (RFC 3986 §5.2.4, with `%2e` as a dot as URL parsers
// read it), so that the path the gateway routes and authorizes on is the one a normalising backend serves.
// A path that climbs above the root, or hides a dot segment behind an encoded slash or backslash or a `;`,
// is refused (docs/limits.md), and so is a fragment (`#`), which no request target has (RFC 9112 §3.2) and
// which would hide what follows it from this check yet vanish on the way to the backend. Paths without any
// of this cost one scan.

import type { RequestContext } from './context.js'

/**
 * Whether the target needs `normaliseTarget`: not origin-form (`/…`), or holding `/.`, `\`, `#`, or an
 * escaped dot, slash or backslash. One pass, no allocation.
 */
export function targetNeedsWork(path: string): boolean {
  if (path.charCodeAt(0) !== 47) return true
  const n = path.length
  for (let i = 0; i < n; i++) {
    const c = path.charCodeAt(i)
    if (c === 47) {
      if (path.charCodeAt(i + 1) === 46) return true
    } else if (c === 37) {
      const a = path.charCodeAt(i + 1)
      const b = path.charCodeAt(i + 2) | 0x20
      // %2e %2f %5c, either case
      if ((a === 50 && (b === 101 || b === 102)) || (a === 53 && b === 99)) return true
    } else if (c === 92 || c === 35) return true
  }
  return false
}

/**
 * Rewrites `ctx.rawPath`/`ctx.path` (and `ctx.domainName` for the absolute form) to the normalised target;
 * false when the target is refused (400).
 */
export function normaliseTarget(ctx: RequestContext): boolean {
  let path = ctx.rawPath
  if (path.includes('#')) return false
  if (path.charCodeAt(0) !== 47) {
    const abs = absoluteForm(path)
    if (abs === null) return false
    ctx.domainName = abs.authority
    path = abs.path
  }
  const resolved = resolveDotSegments(path)
  if (resolved === null) return false
  ctx.rawPath = resolved
  ctx.path = resolved
  return true
}

const ABSOLUTE = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/]*)(\/.*)?$/

/** `http://host[:port]/path` → its authority and path ('/' when none); null for another scheme, no host, or user info. */
export function absoluteForm(target: string): { authority: string; path: string } | null {
  const m = ABSOLUTE.exec(target)
  if (m === null) return null
  const scheme = m[1]!.toLowerCase()
  const authority = m[2]!
  if ((scheme !== 'http' && scheme !== 'https') || authority === '' || authority.includes('@')) return null
  return { authority, path: m[3] ?? '/' }
}

/**
 * RFC 3986 §5.2.4 on a path of `/`-separated segments, `%2e` read as `.`: `.` segments go, `..` takes the
 * segment before it away, a dot segment at the end leaves a trailing slash; empty segments stay (AWS keeps
 * `//` inside a greedy path, §1.2). Null when a `..` would climb above the root, or a segment hides a dot
 * segment behind `%2f`, `%5c`, `\` or `;` (what a backend that decodes slashes, reads backslashes as slashes
 * or strips path parameters would resolve). The path itself when there is nothing to do.
 */
export function resolveDotSegments(path: string): string | null {
  const segs = path.split('/')
  const out: string[] = []
  let changed = false
  const last = segs.length - 1
  for (let i = 1; i <= last; i++) {
    const seg = segs[i]!
    const dots = dotSegment(seg)
    if (dots === 0) {
      if (hidesDotSegment(seg)) return null
      out.push(seg)
      continue
    }
    changed = true
    if (dots === 2) {
      if (out.length === 0) return null
      out.pop()
    }
    if (i === last) out.push('')
  }
  return changed ? '/' + out.join('/') : path
}

const ESCAPED_DOT = /%2e/gi

/** 1 for `.`, 2 for `..` (either spelled with `%2e`), 0 for any other segment. */
function dotSegment(seg: string): 0 | 1 | 2 {
  if (seg.length === 0 || seg.length > 6) return 0
  const d = seg.includes('%') ? seg.replace(ESCAPED_DOT, '.') : seg
  return d === '.' ? 1 : d === '..' ? 2 : 0
}

const HIDDEN_SEPARATOR = /%2f|%5c|\\|;/i
const HIDDEN_SEPARATORS = /%2f|%5c|\\|;/gi

function hidesDotSegment(seg: string): boolean {
  if (!HIDDEN_SEPARATOR.test(seg)) return false
  for (const piece of seg.replace(ESCAPED_DOT, '.').split(HIDDEN_SEPARATORS)) {
    if (piece === '.' || piece === '..') return true
  }
  return false
}
