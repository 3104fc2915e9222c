// Reads V8 .cpuprofiles (from `node --cpu-prof`) and lists where self time went: the top functions,
// mapped back to src/*.ts through dist/'s source maps, and the totals per file. Several files (e.g. the
// worker threads of one process) are added up.
// Usage: node bench/profile-top.mjs [--root GATEHOUSE_DIR] FILE.cpuprofile… [N]

import { readFileSync, existsSync } from 'node:fs'
import { SourceMap } from 'node:module'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { relative, resolve, dirname } from 'node:path'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const maps = new Map()

function sourceMapFor(url) {
  if (maps.has(url)) return maps.get(url)
  let map = null
  if (url.startsWith('file://')) {
    const file = fileURLToPath(url) + '.map'
    if (existsSync(file)) {
      try {
        map = { map: new SourceMap(JSON.parse(readFileSync(file, 'utf8'))), dir: dirname(file) }
      } catch {
        map = null
      }
    }
  }
  maps.set(url, map)
  return map
}

/** `file:line` for a call frame, in src/ terms (relative to `root`) where a source map says so (1-based line). */
function locate(frame, root = ROOT) {
  const { url, lineNumber, columnNumber } = frame
  if (url === '') return { file: '(native/vm)', line: 0 }
  const sm = sourceMapFor(url)
  if (sm !== null && lineNumber >= 0) {
    const e = sm.map.findEntry(lineNumber, columnNumber)
    if (e && e.originalSource) {
      const src = e.originalSource.startsWith('file://') ? fileURLToPath(e.originalSource) : resolve(sm.dir, e.originalSource)
      return { file: relative(root, src), line: e.originalLine + 1 }
    }
  }
  let file = url.startsWith('file://') ? relative(root, fileURLToPath(url)) : url
  file = file.replace(/^.*node_modules\//, 'node_modules/')
  return { file, line: lineNumber + 1 }
}

/** Groups a file into what a reader cares about: our source, a dependency, Node's internals. */
function groupOf(file) {
  if (file.startsWith('src/')) return file
  const dep = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file)
  if (dep) return `dependency ${dep[1]}`
  if (file.startsWith('node:internal/http') || file.startsWith('node:_http')) return 'node: http'
  if (file.startsWith('node:internal/streams') || file.startsWith('node:stream')) return 'node: streams'
  if (file.startsWith('node:net') || file.startsWith('node:internal/stream_base')) return 'node: net'
  if (file.startsWith('node:')) return 'node: other'
  return file
}

/**
 * Self time per function and per file group, and total time of src/ functions, as percentages of busy
 * (non-idle) samples. `paths`: one profile or several, added up. `root`: the Gatehouse checkout the
 * profiled code ran from (default: the one bench/ is in), so its files read as src/….
 * @example topSelf('bench/results/profiles/CPU.x.cpuprofile', 25)
 */
export function topSelf(paths, n = 25, { root = ROOT } = {}) {
  const fns = new Map()
  const groups = new Map()
  const ours = new Map()
  let total = 0
  let idle = 0
  for (const path of Array.isArray(paths) ? paths : [paths]) {
    const r = addProfile(JSON.parse(readFileSync(path, 'utf8')), root, fns, groups, ours)
    total += r.total
    idle += r.idle
  }
  const busy = total - idle
  const pct = (s) => (busy === 0 ? 0 : (100 * s) / busy)
  return {
    totalSamples: total,
    busySamples: busy,
    busyPercent: total === 0 ? 0 : (100 * busy) / total,
    functions: [...fns.values()].sort((a, b) => b.samples - a.samples).slice(0, n).map((f) => ({ ...f, busyPercent: pct(f.samples) })),
    inclusive: [...ours.values()].sort((a, b) => b.samples - a.samples).slice(0, n).map((f) => ({ ...f, busyPercent: pct(f.samples) })),
    groups: [...groups].sort((a, b) => b[1] - a[1]).map(([group, samples]) => ({ group, samples, busyPercent: pct(samples) })),
  }
}

/** Adds one profile's samples into the maps; returns its total and idle sample counts. */
function addProfile(profile, root, fns, groups, ours) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]))
  const hits = new Map()
  for (const id of profile.samples) hits.set(id, (hits.get(id) ?? 0) + 1)
  const total = profile.samples.length
  let idle = 0
  for (const [id, count] of hits) {
    const frame = byId.get(id).callFrame
    const name = frame.functionName || '(anonymous)'
    if (name === '(idle)') {
      idle += count
      continue
    }
    const special = name.startsWith('(') && frame.url === ''
    const at = special ? { file: name, line: 0 } : locate(frame, root)
    const key = special ? name : `${name} ${at.file}:${at.line}`
    const f = fns.get(key) ?? { name, file: at.file, line: at.line, samples: 0 }
    f.samples += count
    fns.set(key, f)
    const g = special ? name : groupOf(at.file)
    groups.set(g, (groups.get(g) ?? 0) + count)
  }
  // Inclusive time of our own (src/) functions: self plus everything they called, each sample counted
  // once per function even under recursion.
  const parent = new Map()
  for (const node of profile.nodes) for (const c of node.children ?? []) parent.set(c, node.id)
  for (const [id, count] of hits) {
    if (byId.get(id).callFrame.functionName === '(idle)') continue
    const seen = new Set()
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      const frame = byId.get(cur).callFrame
      if (!frame.url.startsWith('file://') || frame.url.includes('/node_modules/')) continue
      const at = locate(frame, root)
      if (!at.file.startsWith('src/')) continue
      const key = `${frame.functionName || '(anonymous)'} ${at.file}:${at.line}`
      if (seen.has(key)) continue
      seen.add(key)
      const f = ours.get(key) ?? { name: frame.functionName || '(anonymous)', file: at.file, line: at.line, samples: 0 }
      f.samples += count
      ours.set(key, f)
    }
  }
  return { total, idle }
}

/** The report as text, percentages of busy (non-idle) time. */
export function formatTop(top) {
  const lines = [`${top.totalSamples} samples, ${top.busyPercent.toFixed(1)}% busy; percentages below are of busy time`, '', 'self time by function:']
  for (const f of top.functions) {
    const where = f.line > 0 ? `${f.file}:${f.line}` : f.file
    lines.push(`  ${f.busyPercent.toFixed(1).padStart(5)}%  ${f.name.padEnd(34)} ${where}`)
  }
  lines.push('', 'total time (self + callees) of src/ functions:')
  for (const f of top.inclusive) lines.push(`  ${f.busyPercent.toFixed(1).padStart(5)}%  ${f.name.padEnd(34)} ${f.file}:${f.line}`)
  lines.push('', 'self time by file group:')
  for (const g of top.groups) lines.push(`  ${g.busyPercent.toFixed(1).padStart(5)}%  ${g.group}`)
  return lines.join('\n')
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const argv = process.argv.slice(2)
  let root = ROOT
  const at = argv.indexOf('--root')
  if (at !== -1) root = resolve(argv.splice(at, 2)[1] ?? '.')
  const n = argv.length > 1 && /^\d+$/.test(argv[argv.length - 1]) ? Number(argv.pop()) : 25
  if (argv.length === 0) {
    process.stderr.write('usage: node bench/profile-top.mjs [--root GATEHOUSE_DIR] FILE.cpuprofile… [N]\n')
    process.exit(2)
  }
  process.stdout.write(formatTop(topSelf(argv, n, { root })) + '\n')
}
