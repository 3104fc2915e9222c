// The repository stands alone: no file in it may name a path outside the checkout — a folder next to it,
// somebody's home or work folder, a fixed temporary folder — because a clone into an empty folder (and the
// published package) has none of them. Every hit is reported as file:line so it can be fixed where it is.
//
// The patterns are assembled from pieces so that this file does not match them itself.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readdirSync, readFileSync, readlinkSync } from 'node:fs'
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = resolve(fileURLToPath(new URL('../../', import.meta.url)))

/** Not part of the repository: dependencies and Git's own files anywhere, build output and what .gitignore keeps out. */
const SKIP_NAMES = new Set(['node_modules', '.git'])
const SKIP_PATHS = new Set(['dist', 'coverage', '.data', 'bench/node_modules', 'bench/results'])
const SKIP_FILE = /\.log$/

interface Rule {
  name: string
  pattern: RegExp
}

const alt = (...words: string[]) => `(?:${words.join('|')})`

/** Fixed absolute paths and names of folders beside the checkout. */
const RULES: Rule[] = [
  { name: 'a folder beside the checkout', pattern: new RegExp(String.raw`\.\.[\\/]` + 'sha' + String.raw`red\b`) },
  { name: 'the external data folder', pattern: new RegExp(String.raw`(?:[\\/]` + 'external' + String.raw`-data\b|\b` + 'external' + String.raw`-data[\\/])`) },
  {
    name: 'a fixed absolute path on one machine',
    // Only where a path can start: not inside a URL (`https://host/home/`) or a longer path segment.
    pattern: new RegExp(String.raw`(?<![\w.~%-])/` + alt('wo' + 'rk', 'ro' + 'ot', 'ho' + 'me', 'Us' + 'ers', 't' + 'mp') + String.raw`(?=[/\s'"\x60),;:]|$)`),
  },
  { name: 'a fixed Windows user folder', pattern: new RegExp(String.raw`\b[A-Za-z]:\\+` + alt('Us' + 'ers', 'Docu' + 'ments and Settings') + String.raw`\\`) },
]

/**
 * Relative references, resolved against the file that holds them: in code, module specifiers and
 * `new URL(…, import.meta.url)`; in Markdown, link targets. (A code example inside Markdown has another base,
 * so code patterns are not applied to Markdown.)
 */
const CODE_REFERENCE = /(?:\bnew URL\(\s*|\bfrom\s+|\bimport\(\s*|\brequire\(\s*)(['"`])(\.\.?\/[^'"`]*)\1/g
const MARKDOWN_LINK = /\]\((\.\.\/[^)\s#]*)/g
const CODE_FILE = /\.(?:[cm]?[jt]s|tsx|jsx)$/

interface Hit {
  file: string
  line: number
  why: string
  text: string
}

/** Every line of `text` (the file `file`, relative to the root) that names a path outside the repository. */
function scan(file: string, text: string): Hit[] {
  const hits: Hit[] = []
  const lines = text.split('\n')
  lines.forEach((content, i) => {
    const at = (why: string) => hits.push({ file, line: i + 1, why, text: content.trim().slice(0, 160) })
    for (const rule of RULES) if (rule.pattern.test(content)) at(rule.name)
    for (const target of relativeReferences(file, content)) {
      if (!inside(resolve(ROOT, dirname(file), target))) at(`${target} leads outside the repository`)
    }
  })
  return hits
}

function relativeReferences(file: string, line: string): string[] {
  if (CODE_FILE.test(file)) return [...line.matchAll(CODE_REFERENCE)].map((m) => m[2]!)
  if (file.endsWith('.md')) return [...line.matchAll(MARKDOWN_LINK)].map((m) => m[1]!)
  return []
}

function inside(path: string): boolean {
  const rel = relative(ROOT, path)
  return rel !== '..' && !rel.startsWith('..' + sep) && !isAbsolute(rel)
}

interface Walk {
  files: string[]
  hits: Hit[]
}

function walk(dir: string, out: Walk): Walk {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name)
    const rel = relative(ROOT, full).split(sep).join('/')
    if (SKIP_NAMES.has(entry.name) || SKIP_PATHS.has(rel)) continue
    if (entry.isSymbolicLink()) {
      const target = resolve(dirname(full), readlinkSync(full))
      if (!inside(target)) out.hits.push({ file: rel, line: 0, why: 'a symbolic link to a path outside the repository', text: readlinkSync(full) })
      continue
    }
    if (entry.isDirectory()) {
      walk(full, out)
      continue
    }
    if (!entry.isFile() || SKIP_FILE.test(entry.name)) continue
    const bytes = readFileSync(full)
    if (bytes.subarray(0, 8000).includes(0)) continue // binary
    out.files.push(rel)
    out.hits.push(...scan(rel, bytes.toString('utf8')))
  }
  return out
}

test('no file in the repository names a path outside it', () => {
  const { files, hits } = walk(ROOT, { files: [], hits: [] })
  // The walk itself must have seen the tree: the manifest, the sources, this very file.
  assert.ok(files.includes('package.json') && files.includes('test/repo/self-contained.test.ts'), `walked ${files.length} files from ${ROOT}`)
  assert.ok(files.some((f) => f.startsWith('src/')), 'the walk reached src/')
  const report = hits.map((h) => `  ${h.file}:${h.line}: ${h.why}: ${h.text}`).join('\n')
  assert.equal(hits.length, 0, `${hits.length} reference(s) to paths outside the repository:\n${report}`)
})

test('the scanner flags what it should and leaves ordinary text alone', () => {
  const code = 'test/auth/x.test.ts'
  const doc = 'docs/x.md'
  const bad: Array<[string, string]> = [
    [code, `const DATA = new URL('../../../` + `sha` + `red/x/', import.meta.url)`],
    [code, `const DATA = new URL('../../../` + `fixtures/x.json', import.meta.url)`],
    [code, `import x from '../../../` + `elsewhere.js'`],
    [doc, `see /wo` + `rk/main/docs for details`],
    [doc, `cd /t` + `mp/gh-bench && npm ci`],
    [doc, `file:///ho` + `me/alice/x.json`],
    [code, `"C:\\Us` + `ers\\alice\\x"`],
    [doc, `copy from exter` + `nal-data/aws`],
    [doc, `[notes](../../` + `elsewhere.md)`],
  ]
  for (const [file, line] of bad) assert.ok(scan(file, line).length > 0, `not flagged in ${file}: ${line}`)
  const fine: Array<[string, string]> = [
    [code, `const dir = mkdtempSync(join(tmpdir(), 'gatehouse-'))`],
    [doc, `https://github.com/localstack/localstack/tree/main/home/`],
    [code, `assert.equal(p.evaluate(req(arnFor('GET', '/private/x'))), 'DENY')`],
    [doc, `GET /pets/{petId} → /prod/home/users`],
    [code, `import { x } from '../../src/gateway.js'`],
    [code, `const FIXTURES = new URL('../fixtures/aws/', import.meta.url)`],
    [doc, `[the fixtures](../test/fixtures/aws/README.md)`],
    ['CONTRIBUTING.md', "found relative to the test file: `new URL('../fixtures/x.json', import.meta.url)`"],
  ]
  for (const [file, line] of fine) assert.deepEqual(scan(file, line), [], `flagged in ${file}: ${line}`)
})
