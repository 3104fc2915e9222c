// FunctionRuntime with real worker threads and real handler files in a temp dir: cold and warm environments,
// handler styles, Lambda's error shapes, timeouts, crashes, memory limits, concurrency, TypeScript, reloads,
// resolution from a functions directory, context, environment variables and logs.

import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { createServer, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import {
  FunctionNotFoundError,
  FunctionRuntime,
  TooManyRequestsError,
  type FunctionLogLine,
  type FunctionRuntimeOptions,
  type InvokeResult,
} from '../../src/functions/index.js'

let root: string
let fnDir: string
let cacheDir: string
const runtimes: FunctionRuntime[] = []

function write(rel: string, content: string): string {
  const path = join(fnDir, rel)
  mkdirSync(dirname(path), { recursive: true })
  writeFileSync(path, content)
  return path
}

function runtime(opts: FunctionRuntimeOptions = {}): FunctionRuntime {
  const rt = new FunctionRuntime({ cacheDir, ...opts })
  rt.registerDirectory(fnDir)
  runtimes.push(rt)
  return rt
}

function ok(res: InvokeResult): unknown {
  assert.equal(res.functionError, undefined, `function failed: ${JSON.stringify(res.functionError)}`)
  return res.payload
}

/** Polls `cond` until it holds; the deadline is generous because the machine may be slow and busy. */
async function until(cond: () => boolean, what: string, ms = 30_000): Promise<void> {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

/** A real HTTP server whose requests are held until released: handlers fetch it to stay in flight. */
interface Gate { url: string; held: number; arrived(n: number): Promise<void>; release(): void; close(): Promise<void> }
async function gate(): Promise<Gate> {
  const held: ServerResponse[] = []
  const waiters: Array<{ n: number; resolve: () => void }> = []
  const server: Server = createServer((_req, res) => {
    held.push(res)
    for (const w of waiters) if (held.length >= w.n) w.resolve()
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`
  return {
    url,
    get held() {
      return held.length
    },
    arrived: (n) => (held.length >= n ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ n, resolve }))),
    release: () => {
      for (const res of held.splice(0)) res.end('released')
    },
    close: () => {
      server.closeAllConnections()
      return new Promise<void>((r) => server.close(() => r()))
    },
  }
}

const WAIT_FOR_GATE = `
let calls = 0
export const handler = async (event) => {
  calls++
  const res = await fetch(event.url)
  return { version: VERSION, calls, body: await res.text() }
}
`

before(() => {
  root = mkdtempSync(join(tmpdir(), 'gatehouse-functions-test-'))
  fnDir = join(root, 'functions')
  cacheDir = join(root, 'cache')
  mkdirSync(fnDir)
  write('counter.mjs', `
let count = 0
console.log('initialising counter')
export const handler = async (event) => {
  count++
  return { count, echo: event }
}
`)
  write('styles.mjs', `
export const handler = (event, context, callback) => {
  switch (event.kind) {
    case 'sync-return': return { ignored: true }
    case 'promise': return Promise.resolve({ via: 'promise' })
    case 'callback': callback(null, { via: 'callback' }); return
    case 'callback-waits':
      setTimeout(() => console.log('timer after callback'), 50)
      callback(null, 'waited')
      return
    case 'callback-no-wait':
      context.callbackWaitsForEmptyEventLoop = false
      setTimeout(() => console.log('timer after callback'), 50)
      callback(null, 'did not wait')
      return
    case 'succeed': context.succeed({ via: 'succeed' }); return
    case 'done': context.done(null, { via: 'done' }); return
    case 'first-call-wins': context.callbackWaitsForEmptyEventLoop = false; callback(null, 'first'); callback(null, 'second'); return
    case 'throw': throw new TypeError('bad input')
    case 'throw-custom': { const e = new Error('no such pet'); e.name = 'NotFound'; throw e }
    case 'throw-string': throw 'plain string'
    case 'callback-error': callback(new RangeError('out of range')); return
    case 'callback-string': callback('nope'); return
    case 'fail-empty': context.fail(); return
    case 'circular': { const o = {}; o.self = o; context.succeed(o); return }
    case 'huge': context.succeed('x'.repeat(6291557)); return
  }
}
`)
  write('async-styles.mjs', `
export const handler = async (event) => {
  switch (event.kind) {
    case 'undefined': return undefined
    case 'never-settles': await new Promise(() => {}); return
    case 'reject': throw new Error('async failure')
    case 'reject-undefined': return Promise.reject(undefined)
  }
}
`)
  write('context.mjs', `
export const handler = async (event, context) => ({
  awsRequestId: context.awsRequestId,
  functionName: context.functionName,
  functionVersion: context.functionVersion,
  memoryLimitInMB: context.memoryLimitInMB,
  invokedFunctionArn: context.invokedFunctionArn,
  remaining: context.getRemainingTimeInMillis(),
  callbackWaitsForEmptyEventLoop: context.callbackWaitsForEmptyEventLoop,
  logGroupName: context.logGroupName,
  logStreamName: context.logStreamName,
  identity: context.identity === undefined ? 'undefined' : context.identity,
  clientContext: context.clientContext === undefined ? 'undefined' : context.clientContext,
  hasDoneSucceedFail: [typeof context.done, typeof context.succeed, typeof context.fail],
  env: {
    AWS_LAMBDA_FUNCTION_NAME: process.env.AWS_LAMBDA_FUNCTION_NAME,
    AWS_LAMBDA_FUNCTION_VERSION: process.env.AWS_LAMBDA_FUNCTION_VERSION,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    AWS_REGION: process.env.AWS_REGION,
    AWS_LAMBDA_LOG_GROUP_NAME: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    AWS_LAMBDA_LOG_STREAM_NAME: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
    _HANDLER: process.env._HANDLER,
    TABLE: process.env.TABLE,
    GATEHOUSE_HOST_SECRET: process.env.GATEHOUSE_HOST_SECRET ?? null,
  },
})
`)
  write('logs.mjs', `
console.log('loading logs module')
export const handler = async (event) => {
  console.log('hello %s', event.who)
  console.info('info line')
  console.warn('warn line')
  console.error('error line', { code: 7 })
  console.debug('debug line')
  process.stdout.write('raw stdout\\n')
  return 'logged'
}
`)
  write('crash.mjs', `
let calls = 0
export const handler = async (event) => {
  calls++
  switch (event.kind) {
    case 'exit': process.exit(2)
    case 'uncaught': setTimeout(() => { throw new RangeError('thrown from a timer') }, 1); return new Promise(() => setInterval(() => {}, 1000))
    case 'unhandled': Promise.reject(new Error('nobody caught me')); return new Promise(() => setInterval(() => {}, 1000))
    case 'oom': { const hog = []; for (;;) hog.push(new Array(100000).fill(calls)) }
    case 'slow-ok': { await fetch(event.url); return { calls } }
    default: return { calls }
  }
}
`)
  write('sleepy.mjs', `
let calls = 0
export const handler = async () => {
  calls++
  await new Promise(() => setInterval(() => {}, 1000))
}
export const count = async () => ({ calls: ++calls })
`)
})

after(async () => {
  await Promise.all(runtimes.map((rt) => rt.close()))
  rmSync(root, { recursive: true, force: true })
})

describe('environments', () => {
  it('starts cold once, then reuses the warm environment (module state survives)', async () => {
    const rt = runtime()
    const first = await rt.invoke('counter', { n: 1 })
    assert.deepEqual(ok(first), { count: 1, echo: { n: 1 } })
    assert.equal(first.coldStart, true)
    assert.ok(first.initDurationMs !== undefined && first.initDurationMs > 0)
    assert.match(first.logs.at(-1)!, /^REPORT RequestId: \S+\tDuration: [\d.]+ ms\tBilled Duration: \d+ ms\tMemory Size: 128 MB\tMax Memory Used: \d+ MB\tInit Duration: [\d.]+ ms\t$/)
    const second = await rt.invoke('counter', { n: 2 })
    assert.deepEqual(ok(second), { count: 2, echo: { n: 2 } })
    assert.equal(second.coldStart, false)
    assert.equal(second.initDurationMs, undefined)
    assert.doesNotMatch(second.logs.at(-1)!, /Init Duration/)
    assert.equal(rt.stats().environments, 1)
  })

  it('gives the handler what a JSON round trip leaves of the event', async () => {
    const rt = runtime()
    assert.deepEqual(ok(await rt.invoke('counter', { when: new Date(0), gone: undefined, list: [1, undefined] })), {
      count: 1, echo: { when: '1970-01-01T00:00:00.000Z', list: [1, null] },
    })
  })

  it('stops environments that stay idle past idleTimeoutMs; the next call is cold', async () => {
    const rt = runtime({ idleTimeoutMs: 100 })
    assert.equal((await rt.invoke('counter', {})).coldStart, true)
    await until(() => rt.stats().environments === 0, 'the idle environment to be stopped')
    const again = await rt.invoke('counter', {})
    assert.equal(again.coldStart, true)
    assert.deepEqual(ok(again), { count: 1, echo: {} })
  })
})

describe('handler styles', () => {
  let rt: FunctionRuntime
  before(() => {
    rt = runtime()
  })

  it('answers with the callback, a returned promise, context.succeed and context.done', async () => {
    assert.deepEqual(ok(await rt.invoke('styles', { kind: 'callback' })), { via: 'callback' })
    assert.deepEqual(ok(await rt.invoke('styles', { kind: 'promise' })), { via: 'promise' })
    assert.deepEqual(ok(await rt.invoke('styles', { kind: 'succeed' })), { via: 'succeed' })
    assert.deepEqual(ok(await rt.invoke('styles', { kind: 'done' })), { via: 'done' })
    assert.equal(ok(await rt.invoke('styles', { kind: 'first-call-wins' })), 'first')
  })

  it("ignores a plain return value of a non-async handler and answers null, as Lambda's Node.js runtime does", async () => {
    const res = await rt.invoke('styles', { kind: 'sync-return' })
    assert.equal(ok(res), null)
  })

  it('answers an async handler that returns undefined with null', async () => {
    assert.equal(ok(await rt.invoke('async-styles', { kind: 'undefined' })), null)
  })

  it('waits for the event loop to empty after the callback unless callbackWaitsForEmptyEventLoop is false', async () => {
    const waited = await rt.invoke('styles', { kind: 'callback-waits' })
    assert.equal(ok(waited), 'waited')
    assert.ok(waited.logs.some((l) => l.endsWith('\tINFO\ttimer after callback')), 'the timer ran inside the invocation')
    const quick = await rt.invoke('styles', { kind: 'callback-no-wait' })
    assert.equal(ok(quick), 'did not wait')
    assert.ok(!quick.logs.some((l) => l.includes('timer after callback')), 'answered before the timer')
  })

  it('fails an async handler whose promise never settles once nothing is left to run (Runtime.NodeJsExit)', async () => {
    const res = await rt.invoke('async-styles', { kind: 'never-settles' })
    assert.equal(res.functionError?.errorType, 'Runtime.NodeJsExit')
    assert.equal(ok(await rt.invoke('async-styles', { kind: 'undefined' })), null)
  })
})

describe('function errors', () => {
  let rt: FunctionRuntime
  before(() => {
    rt = runtime()
  })

  it('reports a thrown Error with its name, message and stack lines', async () => {
    const res = await rt.invoke('styles', { kind: 'throw' })
    assert.equal(res.payload, undefined)
    assert.equal(res.functionError?.errorType, 'TypeError')
    assert.equal(res.functionError?.errorMessage, 'bad input')
    assert.equal(res.functionError?.stackTrace?.[0], 'TypeError: bad input')
    assert.match(res.functionError?.stackTrace?.[1] ?? '', /styles\.mjs:\d+:\d+/)
    assert.ok(res.logs.some((l) => /\tERROR\tInvoke Error \t\{"errorType":"TypeError","errorMessage":"bad input","stack":\[/.test(l)))
  })

  it('uses the error name a handler gives, and async rejections the same way', async () => {
    assert.equal((await rt.invoke('styles', { kind: 'throw-custom' })).functionError?.errorType, 'NotFound')
    const rejected = await rt.invoke('async-styles', { kind: 'reject' })
    assert.deepEqual([rejected.functionError?.errorType, rejected.functionError?.errorMessage], ['Error', 'async failure'])
  })

  it('reports thrown strings and callback(err) as the Node.js runtime does', async () => {
    assert.deepEqual((await rt.invoke('styles', { kind: 'throw-string' })).functionError, { errorType: 'string', errorMessage: 'plain string', stackTrace: [] })
    assert.deepEqual((await rt.invoke('styles', { kind: 'callback-string' })).functionError, { errorType: 'string', errorMessage: 'nope', stackTrace: [] })
    const cbErr = (await rt.invoke('styles', { kind: 'callback-error' })).functionError
    assert.deepEqual([cbErr?.errorType, cbErr?.errorMessage], ['RangeError', 'out of range'])
    assert.deepEqual((await rt.invoke('styles', { kind: 'fail-empty' })).functionError, { errorType: 'string', errorMessage: 'handled', stackTrace: [] })
    assert.deepEqual((await rt.invoke('async-styles', { kind: 'reject-undefined' })).functionError, { errorType: 'string', errorMessage: 'handled', stackTrace: [] })
  })

  it('fails a result JSON cannot represent', async () => {
    const res = await rt.invoke('styles', { kind: 'circular' })
    assert.deepEqual([res.functionError?.errorType, res.functionError?.errorMessage], ['Error', 'Unable to stringify response body'])
  })

  it("fails a response above Lambda's 6 MB limit", async () => {
    const res = await rt.invoke('styles', { kind: 'huge' })
    assert.deepEqual(res.functionError, {
      errorType: 'Function.ResponseSizeTooLarge',
      errorMessage: 'Response payload size exceeded maximum allowed payload size (6291556 bytes).',
    })
  })

  it('keeps the environment warm after a handled error', async () => {
    await rt.invoke('counter', {})
    await rt.invoke('styles', { kind: 'throw' })
    const res = await rt.invoke('styles', { kind: 'callback' })
    assert.equal(res.coldStart, false)
  })
})

describe('timeouts, crashes and memory', () => {
  it('ends an environment that runs past its timeout with Sandbox.Timedout; the next call is cold', async () => {
    const rt = runtime()
    rt.register({ name: 'sleepy', module: join(fnDir, 'sleepy.mjs'), timeout: 0.5 })
    const res = await rt.invoke('sleepy', {}, { requestId: 'timeout-req-1' })
    assert.deepEqual(res.functionError, {
      errorType: 'Sandbox.Timedout',
      errorMessage: 'RequestId: timeout-req-1 Error: Task timed out after 0.50 seconds',
    })
    assert.ok(res.durationMs >= 450, `ran ${res.durationMs} ms`)
    assert.ok(res.logs.some((l) => /^\S+Z timeout-req-1 Task timed out after 0\.50 seconds$/.test(l)))
    assert.match(res.logs.at(-1)!, /\tStatus: timeout\t$/)
    rt.register({ name: 'sleepy', module: join(fnDir, 'sleepy.mjs'), handler: 'count', timeout: 0.5 })
    const next = await rt.invoke('sleepy', {})
    assert.equal(next.coldStart, true)
    assert.deepEqual(ok(next), { calls: 1 })
  })

  it('fails only the invocation that calls process.exit; the next one gets a fresh environment', async () => {
    const rt = runtime()
    const res = await rt.invoke('crash', { kind: 'exit' }, { requestId: 'exit-req' })
    assert.deepEqual(res.functionError, { errorType: 'Runtime.ExitError', errorMessage: 'RequestId: exit-req Error: Runtime exited with error: exit status 2' })
    const next = await rt.invoke('crash', {})
    assert.equal(next.coldStart, true)
    assert.deepEqual(ok(next), { calls: 1 })
  })

  it('fails only the invocation with an uncaught exception, while another environment keeps serving', async () => {
    const rt = runtime()
    const g = await gate()
    try {
      const slow = rt.invoke('crash', { kind: 'slow-ok', url: g.url })
      await g.arrived(1)
      const res = await rt.invoke('crash', { kind: 'uncaught' })
      assert.equal(res.functionError?.errorType, 'RangeError')
      assert.equal(res.functionError?.errorMessage, 'thrown from a timer')
      assert.ok(res.logs.some((l) => l.includes('\tERROR\tUncaught Exception \t{"errorType":"RangeError"')))
      g.release()
      assert.deepEqual(ok(await slow), { calls: 1 })
      const next = await rt.invoke('crash', {})
      assert.deepEqual(ok(next), { calls: 2 }, 'the surviving warm environment answers')
    } finally {
      await g.close()
    }
  })

  it('fails only the invocation with an unhandled rejection (Runtime.UnhandledPromiseRejection)', async () => {
    const rt = runtime()
    const res = await rt.invoke('crash', { kind: 'unhandled' })
    assert.equal(res.functionError?.errorType, 'Runtime.UnhandledPromiseRejection')
    assert.equal(res.functionError?.errorMessage, 'Error: nobody caught me')
    const next = await rt.invoke('crash', {})
    assert.equal(next.coldStart, true)
    assert.deepEqual(ok(next), { calls: 1 })
  })

  it('fails an invocation that allocates past memorySize with Runtime.OutOfMemory and keeps serving', async () => {
    const rt = runtime()
    // Filling 128 MB can take longer than the default 3 s timeout on a busy machine: only the memory limit may end it.
    rt.register({ name: 'crash', module: join(fnDir, 'crash.mjs'), timeout: 100 })
    const res = await rt.invoke('crash', { kind: 'oom' }, { requestId: 'oom-req' })
    assert.deepEqual(res.functionError, { errorType: 'Runtime.OutOfMemory', errorMessage: 'RequestId: oom-req Error: Runtime exited with error: signal: killed' })
    assert.match(res.logs.at(-1)!, /Max Memory Used: 128 MB\t.*Status: error\tError Type: Runtime\.OutOfMemory\t$/)
    const next = await rt.invoke('crash', {})
    assert.equal(next.coldStart, true)
    assert.deepEqual(ok(next), { calls: 1 })
  })
})

describe('concurrency', () => {
  it('throttles past reservedConcurrency at once, and serves again when calls finish', async () => {
    const rt = runtime()
    write('gated.mjs', WAIT_FOR_GATE.replace('VERSION', '1'))
    rt.register({ name: 'gated', module: join(fnDir, 'gated.mjs'), reservedConcurrency: 2 })
    const g = await gate()
    try {
      const inFlight = [rt.invoke('gated', { url: g.url }), rt.invoke('gated', { url: g.url })]
      await g.arrived(2)
      await assert.rejects(rt.invoke('gated', { url: g.url }), (err: unknown) => {
        assert.ok(err instanceof TooManyRequestsError)
        assert.equal(err.message, 'Rate Exceeded.')
        assert.equal(err.reason, 'ReservedFunctionConcurrentInvocationLimitExceeded')
        return true
      })
      assert.equal(g.held, 2, 'the throttled call never ran')
      g.release()
      for (const res of await Promise.all(inFlight)) assert.equal((ok(res) as { body: string }).body, 'released')
      const after = rt.invoke('gated', { url: g.url })
      await g.arrived(1)
      g.release()
      assert.equal((await after).coldStart, false)
    } finally {
      await g.close()
    }
  })

  it('throttles a function with reserved concurrency 0 every time', async () => {
    const rt = runtime()
    rt.register({ name: 'off', module: join(fnDir, 'counter.mjs'), reservedConcurrency: 0 })
    await assert.rejects(rt.invoke('off', {}), TooManyRequestsError)
  })

  it('caps environments across functions, reclaiming idle ones from other functions first', async () => {
    const rt = runtime({ maxEnvironments: 1 })
    write('gated-two.mjs', WAIT_FOR_GATE.replace('VERSION', '2'))
    assert.equal((await rt.invoke('counter', {})).coldStart, true)
    assert.deepEqual(ok(await rt.invoke('context', {})) !== undefined, true, 'the idle counter environment made room')
    assert.equal(rt.stats().environments, 1)
    assert.equal((await rt.invoke('counter', {})).coldStart, true)
    const g = await gate()
    try {
      const busy = rt.invoke('gated-two', { url: g.url })
      await g.arrived(1)
      await assert.rejects(rt.invoke('counter', {}), (err: unknown) => err instanceof TooManyRequestsError && err.reason === 'ConcurrentInvocationLimitExceeded')
      g.release()
      ok(await busy)
    } finally {
      await g.close()
    }
  })
})

describe('modules', () => {
  it('runs CommonJS handlers: .cjs files and .js files outside a "type": "module" package', async () => {
    write('legacy.cjs', `exports.handler = async (event) => ({ style: 'cjs', n: event.n })`)
    write('legacy-dir/index.js', `module.exports.handler = function (event, context, callback) { callback(null, { style: typeof require, dir: __dirname.endsWith('legacy-dir') }) }`)
    const rt = runtime()
    assert.deepEqual(ok(await rt.invoke('legacy', { n: 3 })), { style: 'cjs', n: 3 })
    assert.deepEqual(ok(await rt.invoke('legacy-dir', {})), { style: 'function', dir: true })
  })

  it('compiles TypeScript on load, bundling its local imports, into the cache dir and not next to the file', async () => {
    write('node_modules/tiny-greeter/package.json', JSON.stringify({ name: 'tiny-greeter', type: 'module', exports: './index.js' }))
    write('node_modules/tiny-greeter/index.js', `export const greet = (n) => 'hello ' + n`)
    write('typed/lib.ts', `export function double(n: number): number { return n * 2 }\n`)
    write('typed/index.ts', `
import { double } from './lib.js'
import { greet } from 'tiny-greeter'
enum Kind { Pet = 'pet' }
interface Event { n: number; who: string }
export const handler = async (event: Event): Promise<{ kind: Kind; doubled: number; greeting: string }> =>
  ({ kind: Kind.Pet, doubled: double(event.n), greeting: greet(event.who) })
`)
    const before = readdirSync(join(fnDir, 'typed')).sort()
    const rt = runtime()
    assert.deepEqual(ok(await rt.invoke('typed', { n: 21, who: 'ts' })), { kind: 'pet', doubled: 42, greeting: 'hello ts' })
    assert.deepEqual(readdirSync(join(fnDir, 'typed')).sort(), before)
    const compiled = readdirSync(cacheDir).filter((f) => f.startsWith('index.ts-') && f.endsWith('.mjs'))
    assert.equal(compiled.length, 1)
    const compiledAt = statSync(join(cacheDir, compiled[0]!)).mtimeMs

    // A fresh runtime (a restart) with unchanged files loads the cached output without compiling again.
    const restarted = runtime()
    assert.deepEqual(ok(await restarted.invoke('typed', { n: 1, who: 'again' })), { kind: 'pet', doubled: 2, greeting: 'hello again' })
    assert.equal(statSync(join(cacheDir, compiled[0]!)).mtimeMs, compiledAt)

    // A change to an imported file is seen by the next cold start.
    write('typed/lib.ts', `export function double(n: number): number { return n * 2 + 1000 }\n`)
    const third = runtime()
    assert.deepEqual(ok(await third.invoke('typed', { n: 1, who: 'x' })), { kind: 'pet', doubled: 1002, greeting: 'hello x' })
  })

  it('maps a TypeScript file that does not compile to Runtime.UserCodeSyntaxError', async () => {
    write('broken-ts.ts', `export const handler = async (: number) => 1\n`)
    const res = await runtime().invoke('broken-ts', {})
    assert.equal(res.functionError?.errorType, 'Runtime.UserCodeSyntaxError')
    assert.match(res.functionError?.errorMessage ?? '', /^SyntaxError: .*broken-ts\.ts:1:\d+: /)
    assert.equal(res.coldStart, true)
  })

  it("reports load failures with the Node.js runtime's error types, and retries init on the next call", async () => {
    write('syntax.mjs', `export const handler = async () => {\n`)
    write('no-export.mjs', `export const somethingElse = 1\n`)
    write('not-function.mjs', `export const handler = 42\n`)
    write('missing-dep.cjs', `require('no-such-package-anywhere'); exports.handler = async () => 1\n`)
    write('throws-on-load.mjs', `throw new Error('config missing')\n`)
    const rt = runtime()
    const syntax = await rt.invoke('syntax', {})
    assert.equal(syntax.functionError?.errorType, 'Runtime.UserCodeSyntaxError')
    assert.match(syntax.functionError?.errorMessage ?? '', /^SyntaxError: /)
    assert.deepEqual((await rt.invoke('no-export', {})).functionError, { errorType: 'Runtime.HandlerNotFound', errorMessage: 'no-export.handler is undefined or not exported' })
    assert.deepEqual((await rt.invoke('not-function', {})).functionError, { errorType: 'Runtime.HandlerNotFound', errorMessage: 'not-function.handler is not a function' })
    const missing = await rt.invoke('missing-dep', {})
    assert.equal(missing.functionError?.errorType, 'Runtime.ImportModuleError')
    assert.match(missing.functionError?.errorMessage ?? '', /^Error: Cannot find module 'no-such-package-anywhere'/)
    const thrown = await rt.invoke('throws-on-load', {})
    assert.deepEqual([thrown.functionError?.errorType, thrown.functionError?.errorMessage], ['Error', 'config missing'])
    assert.ok(thrown.logs[0]?.includes('\tundefined\tERROR\tUncaught Exception \t'))

    const again = await rt.invoke('no-export', {})
    assert.equal(again.coldStart, true)
    write('no-export.mjs', `export const handler = async () => 'fixed'\n`)
    assert.equal(ok(await rt.invoke('no-export', {})), 'fixed')
  })

  it('loads new code for new environments after an edit, while an invocation in flight finishes on the old code', async () => {
    const rt = runtime()
    write('editable.mjs', WAIT_FOR_GATE.replace('VERSION', '1'))
    const g = await gate()
    try {
      const old = rt.invoke('editable', { url: g.url })
      await g.arrived(1)
      write('editable.mjs', WAIT_FOR_GATE.replace('VERSION', '"two"'))
      const fresh = rt.invoke('editable', { url: g.url })
      await g.arrived(2)
      g.release()
      assert.equal((ok(await old) as { version: unknown }).version, 1)
      const freshRes = await fresh
      assert.equal((ok(freshRes) as { version: unknown }).version, 'two')
      assert.equal(freshRes.coldStart, true)
      const warm = rt.invoke('editable', { url: g.url })
      await g.arrived(1)
      g.release()
      const warmRes = await warm
      assert.deepEqual([(ok(warmRes) as { version: unknown }).version, warmRes.coldStart], ['two', false])
      await until(() => rt.stats().environments === 1, 'the old environment to retire after its invocation')
    } finally {
      await g.close()
    }
  })

  it('replaces a registered function: new config reaches new environments only', async () => {
    const rt = runtime()
    rt.register({ name: 'conf', module: join(fnDir, 'context.mjs'), environment: { TABLE: 'one' } })
    assert.equal((ok(await rt.invoke('conf', {})) as { env: { TABLE: string } }).env.TABLE, 'one')
    rt.register({ name: 'conf', module: join(fnDir, 'context.mjs'), environment: { TABLE: 'two' } })
    const res = await rt.invoke('conf', {})
    assert.equal((ok(res) as { env: { TABLE: string } }).env.TABLE, 'two')
    assert.equal(res.coldStart, true)
  })
})

describe('resolution from a functions directory', () => {
  it('resolves names, ARNs with qualifiers and integration URIs to DIR/NAME.* and DIR/NAME/index.*', async () => {
    write('nested/index.mjs', `export const handler = async (e, ctx) => ctx.invokedFunctionArn`)
    const rt = runtime()
    assert.equal(ok(await rt.invoke('nested', {})), 'arn:aws:lambda:us-east-1:000000000000:function:nested')
    assert.equal(ok(await rt.invoke('arn:aws:lambda:eu-west-1:123456789012:function:nested:live', {})), 'arn:aws:lambda:eu-west-1:123456789012:function:nested:live')
    assert.equal(
      ok(await rt.invoke('arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:123456789012:function:nested/invocations', {})),
      'arn:aws:lambda:eu-west-1:123456789012:function:nested',
    )
    assert.equal(rt.has('nested'), true)
    assert.equal(rt.has('arn:aws:lambda:us-east-1:123456789012:function:counter:3'), true)
    assert.equal(rt.has('nothing-here'), false)
    assert.equal(rt.has('../functions/counter'), false)
  })

  it('throws FunctionNotFoundError for unknown names, bad references and missing files', async () => {
    const rt = runtime()
    await assert.rejects(rt.invoke('nothing-here', {}), (err: unknown) => err instanceof FunctionNotFoundError && /Function not found: arn:aws:lambda:us-east-1:000000000000:function:nothing-here/.test(err.message))
    await assert.rejects(rt.invoke('../../etc/passwd', {}), FunctionNotFoundError)
    rt.register({ name: 'ghost', module: join(fnDir, 'ghost.mjs') })
    await assert.rejects(rt.invoke('ghost', {}), FunctionNotFoundError)
    const vanishing = write('vanishing.mjs', `export const handler = async () => 'here'`)
    assert.equal(ok(await rt.invoke('vanishing', {})), 'here')
    rmSync(vanishing)
    await assert.rejects(rt.invoke('vanishing', {}), FunctionNotFoundError)
  })

  it('prefers a registered function over a file of the same name', async () => {
    const rt = runtime()
    rt.register({ name: 'counter', module: join(fnDir, 'legacy.cjs') })
    assert.deepEqual(ok(await rt.invoke('counter', { n: 9 })), { style: 'cjs', n: 9 })
  })
})

describe('context, environment and logs', () => {
  it('passes a Lambda context and environment variables, without the gateway environment', async () => {
    process.env['GATEHOUSE_HOST_SECRET'] = 'do-not-leak'
    try {
      const rt = runtime()
      rt.register({ name: 'ctx', module: join(fnDir, 'context.mjs'), memorySize: 256, timeout: 10, environment: { TABLE: 'pets' } })
      const before = Date.now()
      const res = await rt.invoke('arn:aws:lambda:us-east-1:000000000000:function:ctx:prod', {}, { requestId: 'req-ctx-1', clientContext: { client: { app: 'x' } } })
      const took = Date.now() - before
      const p = ok(res) as Record<string, unknown> & { env: Record<string, unknown>; remaining: number; logStreamName: string }
      assert.equal(p['awsRequestId'], 'req-ctx-1')
      assert.equal(res.requestId, 'req-ctx-1')
      assert.equal(p['functionName'], 'ctx')
      assert.equal(p['functionVersion'], '$LATEST')
      assert.equal(p['memoryLimitInMB'], '256')
      assert.equal(p['invokedFunctionArn'], 'arn:aws:lambda:us-east-1:000000000000:function:ctx:prod')
      // The 10 s timeout less at most the time the whole invocation took (however slow the machine), give or take a
      // few ms of clock rounding.
      assert.ok(p.remaining <= 10_000 && p.remaining >= 10_000 - took - 5, `remaining ${p.remaining} after an invocation of ${took} ms`)
      assert.equal(p['callbackWaitsForEmptyEventLoop'], true)
      assert.equal(p['logGroupName'], '/aws/lambda/ctx')
      assert.match(p.logStreamName, /^\d{4}\/\d\d\/\d\d\/\[\$LATEST\][0-9a-f]{32}$/)
      assert.equal(p['identity'], 'undefined')
      assert.deepEqual(p['clientContext'], { client: { app: 'x' } })
      assert.deepEqual(p['hasDoneSucceedFail'], ['function', 'function', 'function'])
      assert.deepEqual(p.env, {
        AWS_LAMBDA_FUNCTION_NAME: 'ctx',
        AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '256',
        AWS_REGION: 'us-east-1',
        AWS_LAMBDA_LOG_GROUP_NAME: '/aws/lambda/ctx',
        AWS_LAMBDA_LOG_STREAM_NAME: p.logStreamName,
        _HANDLER: 'context.handler',
        TABLE: 'pets',
        GATEHOUSE_HOST_SECRET: null,
      })
    } finally {
      delete process.env['GATEHOUSE_HOST_SECRET']
    }
  })

  it('captures console output per invocation as CloudWatch lines, and hands every line to the logger', async () => {
    const seen: FunctionLogLine[] = []
    const rt = runtime({ logger: (l) => seen.push(l) })
    const res = await rt.invoke('logs', { who: 'world' }, { requestId: 'log-req-1' })
    assert.equal(ok(res), 'logged')
    const ts = '\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z'
    const expected = [
      new RegExp(`^${ts}\\tundefined\\tINFO\\tloading logs module$`),
      /^START RequestId: log-req-1 Version: \$LATEST$/,
      new RegExp(`^${ts}\\tlog-req-1\\tINFO\\thello world$`),
      new RegExp(`^${ts}\\tlog-req-1\\tINFO\\tinfo line$`),
      new RegExp(`^${ts}\\tlog-req-1\\tWARN\\twarn line$`),
      new RegExp(`^${ts}\\tlog-req-1\\tERROR\\terror line \\{ code: 7 \\}$`),
      new RegExp(`^${ts}\\tlog-req-1\\tDEBUG\\tdebug line$`),
      /^raw stdout$/,
      /^END RequestId: log-req-1$/,
      /^REPORT RequestId: log-req-1\t/,
    ]
    assert.equal(res.logs.length, expected.length, res.logs.join('\n'))
    expected.forEach((re, i) => assert.match(res.logs[i]!, re))
    assert.deepEqual(seen.map((l) => l.line), res.logs)
    const hello = seen.find((l) => l.message === 'hello world')
    assert.deepEqual(hello && { fn: hello.functionName, id: hello.requestId, level: hello.level }, { fn: 'logs', id: 'log-req-1', level: 'INFO' })
    assert.deepEqual(seen.map((l) => l.level), ['INFO', 'START', 'INFO', 'INFO', 'WARN', 'ERROR', 'DEBUG', 'INFO', 'END', 'REPORT'])
    assert.equal(seen[0]!.requestId, 'undefined')

    const warm = await rt.invoke('logs', { who: 'again' }, { requestId: 'log-req-2' })
    assert.ok(!warm.logs.some((l) => l.includes('loading logs module')), 'init lines belong to the cold start only')
    assert.ok(warm.logs.every((l) => !l.includes('log-req-1')))
  })
})

describe('close', () => {
  it('stops every worker, rejects the invocations in flight and refuses new ones', async () => {
    const baseline = process.getActiveResourcesInfo().filter((r) => r === 'MessagePort').length
    const rt = new FunctionRuntime({ cacheDir })
    rt.registerDirectory(fnDir)
    const g = await gate()
    try {
      await rt.invoke('counter', {})
      await rt.invoke('context', {})
      const pending = rt.invoke('editable', { url: g.url })
      await g.arrived(1)
      assert.equal(rt.stats().environments, 3)
      const rejected = assert.rejects(pending, /closed/)
      await rt.close()
      await rejected
      assert.deepEqual(rt.stats(), { environments: 0, inFlight: 0 })
      assert.equal(process.getActiveResourcesInfo().filter((r) => r === 'MessagePort').length, baseline, 'no worker ports remain')
      await assert.rejects(rt.invoke('counter', {}), /closed/)
    } finally {
      await g.close()
    }
  })
})
