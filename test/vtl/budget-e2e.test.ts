// Issue 8, item 2: a mapping template with three nested #foreach, each under AWS's 1,000-iteration cap, fed a
// 1,000-item list, used to run a billion iterations and freeze the process for minutes. Every render now has
// a step budget: the request gets the usual 500 for a failed template, one log line names the API, the route,
// the template and the budget, and /health answers within 100 ms while such requests keep coming.

import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startGateway, tempDir, writeFile, type TestGateway } from '../helpers.js'
import { describeLoad, healthUnderHostileLoad, medianLatency } from '../hostile-load.js'

let gw: TestGateway
let tmp: { dir: string; cleanup: () => void }

const JSON_HEADERS = { 'content-type': 'application/json' }
const TEMPLATE = `#set($n = 0)
#foreach($a in $input.path('$.items'))#foreach($b in $input.path('$.items'))#foreach($c in $input.path('$.items'))#set($n = $n + 1)#end#end#end
{"statusCode": 200, "n": $n}`

before(async () => {
  tmp = tempDir('gatehouse-vtl-budget-')
  writeFile(tmp.dir, 'api.json', {
    openapi: '3.0.1',
    info: { title: 'vtl-budget', version: '1' },
    paths: {
      '/report': {
        post: {
          'x-amazon-apigateway-integration': {
            type: 'mock',
            requestTemplates: { 'application/json': TEMPLATE },
            responses: { default: { statusCode: '200', responseTemplates: { 'application/json': '{"ok": true}' } } },
          },
        },
      },
    },
  })
  const config = writeFile(tmp.dir, 'gatehouse.yaml', { apis: [{ name: 'vtl-budget', id: 'vtlbudget1', type: 'rest', openapi: './api.json', stages: { dev: {} } }] })
  gw = await startGateway({ configFile: config })
})

after(async () => {
  await gw?.stop()
  tmp?.cleanup()
})

const items = (n: number): string => JSON.stringify({ items: Array.from({ length: n }, (_, i) => i) })

test('three nested #foreach over 1,000 items: 500 and one log line naming the API, route, template and budget; /health stays quick', async (t) => {
  const small = await gw.fetch('/dev/report', { method: 'POST', headers: JSON_HEADERS, body: items(20) })
  assert.equal(small.status, 200, small.text)
  assert.deepEqual(small.json(), { ok: true })

  const before = gw.logs.length
  const hostile = () => gw.fetch('/dev/report', { method: 'POST', headers: JSON_HEADERS, body: items(1000) })
  const load = await healthUnderHostileLoad(gw, hostile)
  t.diagnostic(describeLoad(load))
  for (const answer of load.answers) {
    assert.equal(answer.status, 500)
    assert.deepEqual(answer.json(), { message: 'Internal server error' })
    assert.equal(answer.headers['x-amzn-errortype'], 'InternalServerErrorException')
  }
  const lines = gw.logs.slice(before).filter((l) => l.msg === 'request answered with API_CONFIGURATION_ERROR')
  assert.equal(lines.length, load.answers.length, 'one log line per request')
  const line = lines[0]!
  assert.equal(line.api, 'vtlbudget1')
  assert.equal(line.stage, 'dev')
  assert.equal(line.route, 'POST /report')
  assert.match(String(line.reason), /^request template \(application\/json\) failed: the render went over its budget of \d+ evaluation steps$/)
  t.diagnostic(`log: ${JSON.stringify({ api: line.api, route: line.route, reason: line.reason })}`)
  assert.ok(load.overlapping >= load.latencies.length / 2, describeLoad(load))
  assert.ok(medianLatency(load) < 100, describeLoad(load))
})
