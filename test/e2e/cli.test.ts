// The CLI as a user runs it: `serve` with no arguments (the bundled example), `serve` with flags,
// `validate` exit codes, and SIGTERM draining in-flight requests before exiting 0.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { send, startUpstream, tempDir, writeFile } from '../helpers.js'

const root = fileURLToPath(new URL('../..', import.meta.url))

function cli(args: string[]): { child: ChildProcess; stdout: () => string; stderr: () => string; exit: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/run.ts', ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()))
  // 'close', not 'exit': by then everything the process wrote to stdout and stderr has been read.
  const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))
  return { child, stdout: () => out, stderr: () => err, exit }
}

/** Polls `get()` until it matches `re`; the default wait allows for tsx compiling the sources on a slow, busy machine. */
async function waitFor(get: () => string, re: RegExp, ms = 90_000): Promise<RegExpMatchArray> {
  const end = Date.now() + ms
  while (Date.now() < end) {
    const m = get().match(re)
    if (m) return m
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error(`timed out waiting for ${re} in:\n${get()}`)
}

test('`serve` with no arguments serves the bundled example and prints every invoke URL', async () => {
  const run = cli(['serve', '--port', '0', '--admin-port', '0'])
  try {
    const banner = await waitFor(run.stdout, /admin: http:\/\/127\.0\.0\.1:(\d+)/)
    const out = run.stdout()
    const port = Number(out.match(/http:\/\/localhost:(\d+)\/dev\//)![1])
    assert.match(out, /REST API pets \(petstore01\), stage dev:/)
    assert.match(out, /REST API pets \(petstore01\), stage prod \(canary: 10 % of requests to deployment \w+\):/)
    assert.match(out, /http:\/\/petstore01\.execute-api\.localhost:\d+\/dev\//)
    assert.match(out, /HTTP API pets-http \(petshttp01\), stage \$default:/)
    assert.match(out, /WebSocket API chat \(chatsock01\), stage production:\n\s+ws:\/\/chatsock01\.execute-api\.localhost:\d+\/production/)
    const pets = await send(port, '/dev/pets')
    assert.equal(pets.status, 200)
    assert.equal(pets.json().length, 3)
    assert.equal(pets.headers['access-control-allow-origin'], '*')
    const missing = await send(port, '/dev/nothing-here')
    assert.equal(missing.status, 404)
    assert.match(missing.json().message, /no route for GET/)
    // The Lambda-backed routes of the example: a proxy handler, and a TypeScript non-proxy one behind a validator.
    const hello = await send(port, '/dev/hello?name=ada')
    assert.equal(hello.status, 200)
    assert.equal(hello.json().message, 'hello, ada')
    // The prod stage's canary (10 %) answers with its own stage variable; the stage with its own.
    assert.ok(['stable', 'canary'].includes((await send(port, '/prod/hello')).json().release))
    const json = { 'content-type': 'application/json' }
    const created = await send(port, '/dev/pets', { method: 'POST', headers: json, body: '{"name":"Rex","type":"dog","price":10}' })
    assert.equal(created.status, 201)
    assert.equal(created.json().name, 'Rex')
    const invalid = await send(port, '/dev/pets', { method: 'POST', headers: json, body: '{"name":"Rex","type":"dog"}' })
    assert.equal(invalid.status, 400)
    assert.equal(invalid.json().message, 'Invalid request body')
    const conflict = await send(port, '/dev/pets', { method: 'POST', headers: json, body: '{"name":"godzilla","type":"dog","price":1}' })
    assert.equal(conflict.status, 409)
    // The keyed route and the Lambda-authorized route, as the README shows them.
    assert.equal((await send(port, '/dev/premium')).status, 403)
    assert.equal((await send(port, '/dev/premium', { headers: { 'x-api-key': 'example-key-0123456789abcdef' } })).status, 200)
    assert.equal((await send(port, '/dev/private')).status, 401)
    const allowed = await send(port, '/dev/private', { headers: { authorization: 'allow-me' } })
    assert.equal(allowed.status, 200)
    assert.equal(allowed.json().message, 'hello, user-42')
    assert.equal((await send(port, '/dev/private', { headers: { authorization: 'deny-me' } })).status, 403)
    // The cached method: the second GET of a pet is the first one's response (its requestId), per petId.
    const pet = await send(port, '/dev/pets/1')
    assert.equal(pet.status, 200)
    assert.equal((await send(port, '/dev/pets/1')).json().requestId, pet.json().requestId)
    assert.notEqual((await send(port, '/dev/pets/2')).json().requestId, pet.json().requestId)
    const health = await send(Number(banner[1]), '/health')
    assert.equal(health.status, 200)
    // Access-log lines go to stdout, one per request.
    await waitFor(run.stdout, /"resourcePath":"\/pets"/)
  } finally {
    run.child.kill('SIGTERM')
    assert.equal(await run.exit, 0)
  }
})

test('SIGTERM drains in-flight requests, then exits 0', async () => {
  // The backend holds the request until the test lets it go, so it is in flight for as long as needed.
  let release!: () => void
  const released = new Promise<void>((resolve) => (release = resolve))
  let arrived!: () => void
  const inFlight = new Promise<void>((resolve) => (arrived = resolve))
  const upstream = await startUpstream((_req, res) => {
    arrived()
    void released.then(() => res.end('finished'))
  })
  const tmp = tempDir()
  try {
    const file = writeFile(tmp.dir, 'api.yaml', {
      openapi: '3.0.1',
      info: { title: 'drain', version: '1' },
      paths: { '/slow': { get: { 'x-amazon-apigateway-integration': { type: 'http_proxy', httpMethod: 'GET', uri: '${stageVariables.up}/slow' } } } },
    })
    const run = cli(['serve', '--rest-api', file, '--stage', 'dev', '--stage-variable', `up=${upstream.url}`, '--port', '0', '--admin-port', '0', '--no-access-log'])
    const m = await waitFor(run.stdout, /http:\/\/localhost:(\d+)\/dev\//)
    const port = Number(m[1])
    const inflight = send(port, '/dev/slow')
    await inFlight
    run.child.kill('SIGTERM')
    // Only once the gateway has begun draining does the backend answer.
    await waitFor(run.stderr, /draining in-flight requests/)
    release()
    const res = await inflight
    assert.equal(res.status, 200)
    assert.equal(res.text, 'finished')
    assert.equal(await run.exit, 0)
    await assert.rejects(send(port, '/dev/slow'), /ECONNREFUSED/)
  } finally {
    release()
    await upstream.close()
    tmp.cleanup()
  }
})

test('`serve` refuses a bad file with every problem listed and exits 1', async () => {
  const tmp = tempDir()
  try {
    const file = writeFile(tmp.dir, 'bad.json', { openapi: '3.0.1', paths: { '/a': { get: { 'x-amazon-apigateway-integration': { type: 'carrier-pigeon' } } } } })
    const run = cli(['serve', '--rest-api', file, '--port', '0', '--admin-port', '0'])
    assert.equal(await run.exit, 1)
    assert.match(run.stderr(), /configuration refused/)
    assert.match(run.stderr(), /bad\.json: \/info/)
    assert.match(run.stderr(), /bad\.json: \/paths\/~1a\/get\/x-amazon-apigateway-integration\/type/)
  } finally {
    tmp.cleanup()
  }
})

test('`validate` exits 0 for valid files and 1 listing every problem otherwise', async () => {
  const tmp = tempDir()
  try {
    const good = writeFile(tmp.dir, 'good.yaml', { openapi: '3.0.1', info: { title: 'ok', version: '1' }, paths: { '/a': { get: { 'x-amazon-apigateway-integration': { type: 'mock', requestTemplates: { 'application/json': '{"statusCode":200}' }, responses: { default: { statusCode: '200' } } } } } } })
    const ok = cli(['validate', good, 'examples/gatehouse.yaml'])
    assert.equal(await ok.exit, 0)
    assert.match(ok.stdout(), /2 files valid/)
    const bad = writeFile(tmp.dir, 'bad.yaml', { apis: [{ name: 'x', type: 'rest' }], listeners: { http: { port: 'eighty' } } })
    const ko = cli(['validate', good, bad])
    assert.equal(await ko.exit, 1)
    assert.match(ko.stderr(), /bad\.yaml: \/apis\/0/)
    assert.match(ko.stderr(), /bad\.yaml: \/listeners\/http\/port/)
    const usage = cli(['validate'])
    assert.equal(await usage.exit, 2)
  } finally {
    tmp.cleanup()
  }
})

test('`validate` prints import warnings and still exits 0: a security requirement naming an undefined scheme', async () => {
  const sample = fileURLToPath(new URL('../fixtures/openapi/request-validation-undefined-scheme.json', import.meta.url))
  const run = cli(['validate', sample])
  assert.equal(await run.exit, 0, run.stderr())
  assert.match(run.stdout(), /1 file valid, with 2 warnings/)
  assert.match(run.stderr(), /^2 warnings:$/m)
  assert.match(run.stderr(), /request-validation-undefined-scheme\.json: \/paths\/~1validation\/get\/security\/0\/sigv4: Unknown security scheme 'sigv4'/)
  assert.match(run.stderr(), /\/paths\/~1validation\/post\/security\/0\/sigv4: Unknown security scheme 'sigv4'/)
})

test('`validate` says whether it guessed the API type, and --rest / --http say it instead', async () => {
  const tmp = tempDir()
  try {
    // A REST API as exported with extensions: importexport-version and cors do not make it an HTTP API.
    const exported = writeFile(tmp.dir, 'rest-export.json', {
      openapi: '3.0.1',
      info: { title: 'pets-export', version: '1' },
      'x-amazon-apigateway-importexport-version': '1.0',
      'x-amazon-apigateway-cors': { allowOrigins: ['*'] },
      paths: { '/pets': { get: { responses: { '200': { description: '200 response' } }, 'x-amazon-apigateway-integration': { type: 'mock', requestTemplates: { 'application/json': '{"statusCode":200}' }, responses: { default: { statusCode: '200' } } } } } },
    })
    const guessed = cli(['validate', exported])
    assert.equal(await guessed.exit, 0, guessed.stderr())
    assert.match(guessed.stdout(), /rest-export\.json: treated as a REST API \(guessed: no HTTP-API-only extension found; pass --http or --rest to say\)/)

    const asRest = cli(['validate', '--rest', exported])
    assert.equal(await asRest.exit, 0, asRest.stderr())
    assert.match(asRest.stdout(), /rest-export\.json: treated as a REST API \(--rest\)/)

    const asHttp = cli(['validate', '--http', exported])
    assert.equal(await asHttp.exit, 1)
    assert.match(asHttp.stdout(), /rest-export\.json: treated as an HTTP API \(--http\)/)
    assert.match(asHttp.stderr(), /\/paths\/~1pets\/get\/x-amazon-apigateway-integration\/type: HTTP APIs support only aws_proxy and http_proxy integrations, not mock/)

    const http = writeFile(tmp.dir, 'http.json', {
      openapi: '3.0.1',
      info: { title: 'orders', version: '1' },
      paths: { '/orders': { get: { 'x-amazon-apigateway-integration': { type: 'http_proxy', httpMethod: 'GET', uri: 'http://127.0.0.1:3000/orders', payloadFormatVersion: '1.0' } } } },
    })
    const guessedHttp = cli(['validate', http])
    assert.equal(await guessedHttp.exit, 0, guessedHttp.stderr())
    assert.match(guessedHttp.stdout(), /http\.json: treated as an HTTP API \(guessed: HTTP-API-only integration payloadFormatVersion at \/paths\/~1orders\/get\/x-amazon-apigateway-integration\/payloadFormatVersion; pass --http or --rest to say\)/)

    const both = cli(['validate', '--rest', '--http', exported])
    assert.equal(await both.exit, 2)
    assert.match(both.stderr(), /--rest or --http, not both/)
  } finally {
    tmp.cleanup()
  }
})

test('`serve --account-limit`: RATE:BURST caps every request of the process (429 beyond the burst), off lifts it, anything else is a usage error', async () => {
  const tmp = tempDir()
  const api = writeFile(tmp.dir, 'api.yaml', { openapi: '3.0.1', info: { title: 'acct', version: '1' }, paths: { '/a': { get: { 'x-amazon-apigateway-integration': { type: 'mock', requestTemplates: { 'application/json': '{"statusCode":200}' }, responses: { default: { statusCode: '200' } } } } } } })
  const run = cli(['serve', '--rest-api', api, '--stage', 'dev', '--port', '0', '--admin-port', '0', '--no-access-log', '--account-limit', '0.001:2'])
  try {
    const port = Number((await waitFor(run.stdout, /http:\/\/localhost:(\d+)\/dev\//))[1])
    const statuses = []
    for (let i = 0; i < 4; i++) statuses.push((await send(port, '/dev/a')).status)
    assert.deepEqual(statuses, [200, 200, 429, 429])
  } finally {
    run.child.kill('SIGTERM')
    await run.exit
    tmp.cleanup()
  }
  const bad = cli(['serve', '--account-limit', 'lots'])
  assert.equal(await bad.exit, 2)
  assert.match(bad.stderr(), /--account-limit takes RATE:BURST \(e\.g\. 10000:5000\) or off, got "lots"/)
})
