// The vtl scenario: a micro-benchmark of Gatehouse's mapping-template engine, no HTTP. Each template is
// compiled once, checked to render valid JSON, then rendered over and over in timed rounds; prints µs per
// render, renders/s and renders per CPU-second. Runs in one process (run.mjs pins it to one core).
// Usage: node bench/vtl.mjs '{"root":DIR,"seconds":S,"rounds":N}'   (or through `npm run bench -- --scenario vtl`)
// Prints `RESULT {json}` as its last line.

import { performance } from 'node:perf_hooks'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

const opts = { seconds: 1, rounds: 5, ...JSON.parse(process.argv[2] ?? '{}') }
if (!opts.root) {
  process.stderr.write('usage: node vtl.mjs \'{"root":"/path/to/gatehouse","seconds":1,"rounds":5}\'\n')
  process.exit(2)
}
const { compileTemplate } = await import(pathToFileURL(join(opts.root, 'dist', 'vtl', 'index.js')).href)

const ITEMS = Array.from({ length: 50 }, (_, i) => ({
  sku: `SKU-${String(i).padStart(4, '0')}`,
  // Quotes, a backslash and a newline, so $util.escapeJavaScript has work to do. No apostrophe: it escapes
  // that as \' (as on AWS), which is not valid JSON, and the bench checks the output parses.
  name: `Widget "${i}" is\\plain\nline two`,
  qty: (i % 7) + 1,
}))

const CONTEXT = { requestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef', stage: 'dev', identity: { sourceIp: '127.0.0.1' } }
const PARAMS = { path: { id: '42' }, querystring: { verbose: 'true', page: '2' }, header: { 'Content-Type': 'application/json', 'User-Agent': 'gatehouse-bench', Accept: '*/*' } }

/** The three templates: what each exercises, its source and the request body it renders against. */
export const TEMPLATES = [
  {
    name: 'passthrough',
    what: "small JSON passthrough: $input.json('$')",
    source: `{"body": $input.json('$'), "stage": "$context.stage"}`,
    body: JSON.stringify({ id: 42, name: 'Ada', tags: ['a', 'b'], active: true }),
  },
  {
    name: 'foreach-50',
    what: 'request-template.vm-like: #foreach over 50 items, $util.escapeJavaScript, every parameter',
    source: `#set($allParams = $input.params())
{
  "body": {
    "order": "$util.escapeJavaScript($input.path('$.order'))",
    "items": [
#foreach($item in $input.path('$.items'))
      {"sku": "$util.escapeJavaScript($item.sku)", "name": "$util.escapeJavaScript($item.name)", "qty": $item.qty}#if($foreach.hasNext),#end
#end
    ]
  },
  "params": {
#foreach($type in $allParams.keySet())
#set($group = $allParams.get($type))
    "$type": {
#foreach($name in $group.keySet())
      "$name": "$util.escapeJavaScript($group.get($name))"#if($foreach.hasNext),#end
#end
    }#if($foreach.hasNext),#end
#end
  },
  "context": {
    "requestId": "$context.requestId",
    "stage": "$context.stage",
    "sourceIp": "$context.identity.sourceIp"
  }
}`,
    body: JSON.stringify({ order: 'ord-"1"', items: ITEMS }),
  },
  {
    name: 'path-if',
    what: "$input.path selections and #if/#elseif/#else",
    source: `#set($order = $input.path('$'))
{
  "id": "$input.path('$.id')",
  "customer": "$input.path('$.customer.name')",
#if($input.path('$.priority') == "high")
  "queue": "express",
#elseif($order.total > 100)
  "queue": "large",
#else
  "queue": "standard",
#end
  "total": $input.path('$.total')
}`,
    body: JSON.stringify({ id: 'o-17', customer: { name: 'Grace', tier: 'gold' }, priority: 'normal', total: 250.5 }),
  },
]

function varsFor(t) {
  return { input: { body: t.body, ...PARAMS }, context: CONTEXT, stageVariables: null }
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor((s.length - 1) / 2)]
}

/** Renders `compiled` for about `seconds`, in batches, and returns the count, wall and CPU time. */
function timedRound(compiled, vars, seconds) {
  const batch = 200
  let renders = 0
  let sink = 0
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  const until = t0 + seconds * 1000
  let now = t0
  do {
    for (let i = 0; i < batch; i++) sink += compiled.render(vars).output.length
    renders += batch
    now = performance.now()
  } while (now < until)
  const cpu = process.cpuUsage(cpu0)
  const wallS = (now - t0) / 1000
  const cpuS = (cpu.user + cpu.system) / 1e6
  if (sink === 0) throw new Error('rendered nothing')
  return { renders, wallS, cpuS, usPerRender: (wallS * 1e6) / renders, rendersPerSec: renders / wallS, rendersPerCpuSec: cpuS > 0 ? renders / cpuS : null }
}

const results = []
for (const t of TEMPLATES) {
  const compiled = compileTemplate(t.source)
  const vars = varsFor(t)
  const sample = compiled.render(vars).output
  try {
    JSON.parse(sample)
  } catch (err) {
    process.stderr.write(`vtl: template ${t.name} rendered invalid JSON (${err.message}):\n${sample}\n`)
    process.exit(1)
  }
  // Warm-up (discarded): lets V8 optimise the render path before the timed rounds.
  timedRound(compiled, vars, Math.min(1, opts.seconds))
  const rounds = []
  for (let r = 0; r < opts.rounds; r++) rounds.push(timedRound(compiled, vars, opts.seconds))
  const perCpu = rounds.map((r) => r.rendersPerCpuSec).filter((x) => x !== null)
  results.push({
    name: t.name,
    what: t.what,
    templateBytes: Buffer.byteLength(t.source),
    bodyBytes: Buffer.byteLength(t.body),
    outputBytes: Buffer.byteLength(sample),
    renders: rounds.reduce((a, r) => a + r.renders, 0),
    usPerRender: median(rounds.map((r) => r.usPerRender)),
    rendersPerSec: median(rounds.map((r) => r.rendersPerSec)),
    rendersPerCpuSec: perCpu.length > 0 ? median(perCpu) : null,
    rounds,
  })
  process.stderr.write(`vtl: ${t.name} done\n`)
}
process.stdout.write(`RESULT ${JSON.stringify(results)}\n`)
