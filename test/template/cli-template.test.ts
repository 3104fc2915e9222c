// `gatehouse serve --template` as a user runs it: the banner with the invoke URLs and one line per ignored
// resource, --parameter-overrides in the AWS CLI's form, and a refused template's problems with their paths.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { send, tempDir, writeFile } from '../helpers.js'

const root = fileURLToPath(new URL('../..', import.meta.url))

function cli(args: string[]): { stop: () => void; stdout: () => string; stderr: () => string; exit: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/run.ts', ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  child.stdout.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr.on('data', (d: Buffer) => (err += d.toString()))
  const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))
  return { stop: () => child.kill('SIGTERM'), stdout: () => out, stderr: () => err, exit }
}

async function waitFor(get: () => string, re: RegExp, exit: Promise<unknown>, ms = 90_000): Promise<RegExpMatchArray> {
  let ended = false
  void exit.then(() => (ended = true))
  const end = Date.now() + ms
  while (Date.now() < end) {
    const m = get().match(re)
    if (m) return m
    if (ended) break
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error(`no ${re} in:\n${get()}`)
}

test('serve --template prints the URLs and each ignored resource, and serves the functions', async () => {
  const run = cli(['serve', '--template', 'test/fixtures/sam/apigw-http-api-lambda/template.yml', '--parameter-overrides', 'AppName=renamed', '--port', '0', '--admin-port', '0', '--no-access-log', '--no-watch'])
  try {
    await waitFor(run.stdout, /ignored: /, run.exit)
    const out = run.stdout()
    assert.match(out, /HTTP API renamed \(\w+\), stage \$default:/, 'the API is named by the overridden parameter')
    assert.match(out, /ignored: FunctionResourcePermission \(AWS::Lambda::Permission\): /)
    const port = Number(out.match(/http:\/\/localhost:(\d+)\//)![1])
    const res = await send(port, '/x')
    assert.equal(res.status, 200)
    assert.equal(res.json().functionName, 'renamed-function')
  } finally {
    run.stop()
    assert.equal(await run.exit, 0)
  }
})

test('serve --template refuses a template with problems, each with its file and JSON pointer, exit 1', async () => {
  const run = cli(['serve', '--template', 'test/fixtures/sam/apigw-http-api-lambda/template.yml', '--parameter-overrides', 'Nope=1', '--port', '0', '--admin-port', '0'])
  assert.equal(await run.exit, 1)
  assert.match(run.stderr(), /configuration refused/)
  assert.match(run.stderr(), /--parameter-overrides.*Nope: the template declares no parameter of that name \(it has AppName\)/)
})

test('serve --template serverless.yml: a Serverless Framework service through the same flag, its stage from --stage', async () => {
  const run = cli(['serve', '--template', 'test/fixtures/serverless/aws-node-http-api/serverless.yml', '--stage', 'prod', '--port', '0', '--admin-port', '0', '--no-access-log', '--no-watch'])
  try {
    const m = await waitFor(run.stdout, /HTTP API prod-serverless-http-api \(\w+\), stage \$default:\n\s+(http:\/\/\S+)/, run.exit)
    const port = Number(m[1]!.match(/:(\d+)\//)![1])
    const host = new URL(m[1]!).host
    const res = await send(port, '/', { host })
    assert.equal(res.status, 200)
    assert.equal(res.json().message, 'Go Serverless v3.0! Your function executed successfully!')
    assert.equal(res.json().input.routeKey, 'GET /')
  } finally {
    run.stop()
    assert.equal(await run.exit, 0)
  }
})

test('serve --template with a SAM Domain: the banner shows the domain\'s URL, it answers by Host, and the unmapped certificate is a warning', async () => {
  const { dir, cleanup } = tempDir()
  const template = writeFile(dir, 'template.yaml', `Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
      Domain: { DomainName: api.example.com, CertificateArn: arn:aws:acm:us-east-1:123456789012:certificate/abc, BasePath: [/v1] }
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs20.x
      Handler: index.handler
      InlineCode: "exports.handler = async (event) => ({ statusCode: 200, body: event.path })"
      Events:
        Get: { Type: Api, Properties: { RestApiId: !Ref Api, Path: /x, Method: GET } }
`)
  const run = cli(['serve', '--template', template, '--port', '0', '--admin-port', '0', '--no-access-log', '--no-watch'])
  try {
    const m = await waitFor(run.stdout, /http:\/\/api\.example\.com:(\d+)\/v1\//, run.exit)
    const res = await send(Number(m[1]), '/v1/x', { host: 'api.example.com' })
    assert.equal(res.status, 200)
    assert.equal(res.text, '/v1/x')
    assert.match(run.stderr(), /Domain\/CertificateArn.*api.example.com is served by Host on the HTTP listener only/)
  } finally {
    run.stop()
    assert.equal(await run.exit, 0)
    cleanup()
  }
})
