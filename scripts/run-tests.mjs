// Runs every test file under test/ with Node's own test runner, through tsx (Node 20 has no glob in --test).
import { readdirSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { spawn, spawnSync } from 'node:child_process'

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
// The whole run type-checks sources and tests first (tests run through tsx, which does not check types).
if (only.length === 0) {
  const tsc = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.json'), '--noEmit'], { stdio: 'inherit' })
  if (tsc.status !== 0) {
    console.error('type check failed: fix the errors above (npm run typecheck)')
    process.exit(1)
  }
}
let files = walk(join(root, 'test'), []).sort()
if (only.length) files = files.filter((f) => only.some((o) => f.includes(o)))
const args = ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=120000', ...files]
const child = spawn(process.execPath, args, { cwd: root, stdio: 'inherit', env: { ...process.env, GATEHOUSE_TEST: '1' } })
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)))
