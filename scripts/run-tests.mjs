// Runs every test file under test/ with Node's own test runner, through tsx (Node 20 has no glob in --test).
import { readdirSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { spawn } from 'node:child_process'

const root = new URL('..', import.meta.url).pathname
const only = process.argv.slice(2)
function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name)
    if (statSync(p).isDirectory()) { if (name !== 'fixtures' && name !== 'node_modules') walk(p, out) }
    else if (/\.test\.(ts|mts|js|mjs)$/.test(name)) out.push(relative(root, p))
  }
  return out
}
let files = walk(join(root, 'test'), []).sort()
if (only.length) files = files.filter((f) => only.some((o) => f.includes(o)))
const args = ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=120000', ...files]
const child = spawn(process.execPath, args, { cwd: root, stdio: 'inherit', env: { ...process.env, GATEHOUSE_TEST: '1' } })
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)))
