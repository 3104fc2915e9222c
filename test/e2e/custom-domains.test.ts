// Custom domains (§1.7, §7.8, §14.3) with real TLS clients and certificates made by openssl in a temp dir:
// SNI picks each domain's certificate; base path mappings route to a REST and an HTTP API (longest prefix on
// whole segments, (none), multi-level, stage from the path); unmapped paths get 403; the domain reaches
// $context, access logs and Lambda events; TLS_1_2 refuses older clients; mutual TLS on one domain only;
// certificates reload without a restart; plain HTTP routes by Host.

import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { connect } from 'node:tls'
import { X509Certificate } from 'node:crypto'
import { Agent, request } from 'undici'
import { PATIENCE_MS, eventually, startGateway, tempDir, writeFile, type TestGateway } from '../helpers.js'
import { handshake } from '../admin/domain-fixture.js'

let tmp: { dir: string; cleanup: () => void }
let opensslMissing: string | false = false

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { cwd: tmp.dir, stdio: 'pipe' })
}

/** A CA; server certificates for each domain (issued by it); a client certificate from it and one from a rogue CA. */
function issue(name: string, subject: string, ca: string, ext: string, serial: string): void {
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject)
  openssl('x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.pem`, '-CAkey', `${ca}.key`, '-set_serial', serial, '-out', `${name}.pem`, '-days', '2', '-extfile', ext)
}

function makeCertificates(): void {
  for (const ca of ['ca', 'rogue-ca']) {
    openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${ca}.key`, '-out', `${ca}.pem`, '-days', '2', '-subj', `/CN=${ca}`)
  }
  const servers: Array<[string, string]> = [
    ['api', 'api.example.com'],
    ['apps', '*.apps.example.com'],
    ['secure', 'secure.example.com'],
    ['legacy', 'legacy.example.com'],
    ['api2', 'api.example.com'],
  ]
  servers.forEach(([file, dns], i) => {
    writeFile(tmp.dir, `${file}.ext`, `subjectAltName=DNS:${dns}\n`)
    issue(file, `/CN=${dns}`, 'ca', `${file}.ext`, `0x${(i + 16).toString(16)}`)
  })
  writeFile(tmp.dir, 'client.ext', 'extendedKeyUsage=clientAuth\n')
  issue('client', '/CN=client-one', 'ca', 'client.ext', '0x0a')
  issue('rogue', '/CN=client-one', 'rogue-ca', 'client.ext', '0x0b')
}

const FUNCTION = `export const handler = async (event) => ({ statusCode: 200, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(event) })
`

function lambdaUri(name: string): string {
  return `arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:${name}/invocations`
}

const CTX_TEMPLATE =
  '{"stage": "$context.stage", "which": "$stageVariables.which", "domainName": "$context.domainName", "domainPrefix": "$context.domainPrefix", "basePath": "$context.customDomain.basePathMatched", "resourcePath": "$context.resourcePath", "path": "$context.path"}'

const ARN = 'arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-apps'

function writeApis(): void {
  writeFile(tmp.dir, 'echo.mjs', FUNCTION)
  writeFile(tmp.dir, 'rest.json', {
    openapi: '3.0.1',
    info: { title: 'orders-rest', version: '1' },
    paths: {
      '/event': { get: { 'x-amazon-apigateway-integration': { type: 'aws_proxy', httpMethod: 'POST', uri: lambdaUri('echo') } } },
      '/ctx': {
        get: {
          'x-amazon-apigateway-integration': {
            type: 'mock',
            requestTemplates: { 'application/json': '{"statusCode": 200}' },
            responses: { default: { statusCode: '200', responseTemplates: { 'application/json': CTX_TEMPLATE } } },
          },
        },
      },
    },
  })
  writeFile(tmp.dir, 'http.json', {
    openapi: '3.0.1',
    info: { title: 'items-http', version: '1' },
    'x-amazon-apigateway-importexport-version': '1.0',
    // The execute-api host refuses this API; its custom domains still serve it.
    'x-amazon-apigateway-endpoint-configuration': { disableExecuteApiEndpoint: true },
    paths: { '/event': { get: { 'x-amazon-apigateway-integration': { type: 'aws_proxy', httpMethod: 'POST', uri: lambdaUri('echo'), payloadFormatVersion: '2.0' } } } },
  })
}

function config(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    listeners: { https: { port: 0, host: '127.0.0.1' } },
    functionsDir: '.',
    apis: [
      {
        name: 'orders-rest',
        id: 'ordersrest1',
        type: 'rest',
        openapi: './rest.json',
        stages: {
          prod: { variables: { which: 'prod' }, accessLogSettings: { format: 'log domain=$context.domainName prefix=$context.domainPrefix base=$context.customDomain.basePathMatched path=$context.path status=$context.status' } },
          beta: { variables: { which: 'beta' } },
        },
      },
      { name: 'items-http', id: 'itemshttp01', type: 'http', openapi: './http.json', stages: { $default: {} } },
    ],
    certificates: { [ARN]: { cert: './apps.pem', key: './apps.key' } },
    domains: [
      {
        domainName: 'api.example.com',
        certificate: { cert: './api.pem', key: './api.key' },
        mappings: [
          { basePath: 'v1', api: 'orders-rest', stage: 'prod' },
          { basePath: 'v2', api: 'items-http', stage: '$default' },
          { basePath: 'v1/orders', api: 'orders-rest', stage: 'beta' },
          { basePath: 'staged', api: 'ordersrest1' },
        ],
      },
      { domainName: '*.apps.example.com', certificateArn: ARN, mappings: [{ basePath: '(none)', api: 'items-http', stage: '$default' }] },
      { domainName: 'secure.example.com', certificate: { cert: './secure.pem', key: './secure.key' }, mutualTls: { truststore: './ca.pem' }, mappings: [{ api: 'orders-rest', stage: 'prod' }] },
      { domainName: 'legacy.example.com', certificate: { cert: './legacy.pem', key: './legacy.key' }, securityPolicy: 'TLS_1_0', mappings: [{ api: 'orders-rest', stage: 'prod' }] },
    ],
    ...overrides,
  }
}

interface Answer {
  status: number
  text: string
  json: any
}

/** An HTTPS client that names `servername` by SNI and trusts the test CA. */
function httpsClient(port: number, servername: string, identity: 'client' | 'rogue' | null = null) {
  const agent = new Agent({
    connect: {
      ca: readFileSync(join(tmp.dir, 'ca.pem')),
      servername,
      ...(identity ? { cert: readFileSync(join(tmp.dir, `${identity}.pem`)), key: readFileSync(join(tmp.dir, `${identity}.key`)) } : {}),
    },
  })
  return {
    async get(path: string, host = servername): Promise<Answer> {
      const res = await request(`https://127.0.0.1:${port}${path}`, { dispatcher: agent, headers: { host } })
      const text = await res.body.text()
      let json: any = null
      try {
        json = text ? JSON.parse(text) : null
      } catch {
        json = null
      }
      return { status: res.statusCode, text, json }
    },
    close: () => agent.close(),
  }
}

/** One request written by hand over TLS: `servername` by SNI, `host` in the Host header; the whole answer. */
function rawRequest(port: number, servername: string, host: string, path: string, identity: 'client' | null): Promise<string> {
  return new Promise((resolve, reject) => {
    const id = identity ? { cert: readFileSync(join(tmp.dir, `${identity}.pem`)), key: readFileSync(join(tmp.dir, `${identity}.key`)) } : {}
    const s = connect({ port, host: '127.0.0.1', servername, ca: readFileSync(join(tmp.dir, 'ca.pem')), ...id }, () => {
      s.write(`GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`)
    })
    let text = ''
    s.setEncoding('utf8')
    s.on('data', (c: string) => (text += c))
    s.on('end', () => resolve(text))
    s.on('error', reject)
  })
}

let gw: TestGateway
let httpsPort = 0

before(async () => {
  tmp = tempDir('gatehouse-domains-')
  try {
    makeCertificates()
  } catch (err) {
    opensslMissing = `openssl is needed to make test certificates: ${(err as Error).message}`
    return
  }
  writeApis()
  gw = await startGateway({ configFile: writeFile(tmp.dir, 'gatehouse.yaml', config()) })
  httpsPort = gw.gateway.httpsAddress!.port
})

after(async () => {
  await gw?.stop()
  tmp.cleanup()
})

test('SNI picks each domain certificate; a wildcard domain serves one label; no SNI or an unknown name gets the default (the first domain by name)', async (t) => {
  if (opensslMissing) return t.skip(opensslMissing)
  const cn = async (name: string | null) => {
    const r = await handshake(httpsPort, name)
    assert.ok('cn' in r, JSON.stringify(r))
    return r.cn
  }
  assert.equal(await cn('api.example.com'), 'api.example.com')
  assert.equal(await cn('API.Example.COM'), 'api.example.com')
  assert.equal(await cn('secure.example.com'), 'secure.example.com')
  assert.equal(await cn('shop.apps.example.com'), '*.apps.example.com')
  // '*.apps.example.com' sorts first by name: it is the default certificate.
  assert.equal(await cn(null), '*.apps.example.com')
  assert.equal(await cn('unknown.example.org'), '*.apps.example.com')
  // And a real client verifying the name against the CA is content.
  const c = httpsClient(httpsPort, 'api.example.com')
  try {
    assert.equal((await c.get('/v1/ctx')).status, 200)
  } finally {
    await c.close()
  }
})

test('base path mappings: v1 → REST stage, v2 → HTTP API, v1/orders (multi-level) wins over v1, stage from the path, whole segments only, unmapped → 403', async (t) => {
  if (opensslMissing) return t.skip(opensslMissing)
  const c = httpsClient(httpsPort, 'api.example.com')
  try {
    const v1 = await c.get('/v1/ctx')
    assert.equal(v1.status, 200, v1.text)
    assert.deepEqual(v1.json, { stage: 'prod', which: 'prod', domainName: 'api.example.com', domainPrefix: 'api', basePath: 'v1', resourcePath: '/ctx', path: '/v1/ctx' })

    const orders = await c.get('/v1/orders/ctx')
    assert.equal(orders.status, 200, orders.text)
    assert.equal(orders.json.which, 'beta')
    assert.equal(orders.json.basePath, 'v1/orders')

    const staged = await c.get('/staged/beta/ctx')
    assert.equal(staged.status, 200, staged.text)
    assert.equal(staged.json.which, 'beta')
    assert.equal(staged.json.basePath, 'staged')
    assert.equal(staged.json.path, '/staged/beta/ctx')

    const http = await c.get('/v2/event')
    assert.equal(http.status, 200, http.text)
    assert.equal(http.json.version, '2.0')
    assert.equal(http.json.rawPath, '/v2/event')
    assert.equal(http.json.requestContext.http.path, '/v2/event')
    assert.equal(http.json.requestContext.domainName, 'api.example.com')
    assert.equal(http.json.requestContext.domainPrefix, 'api')
    assert.equal(http.json.requestContext.stage, '$default')

    for (const path of ['/v3/ctx', '/v1orders/ctx', '/', '/staged/nostage/ctx', '/staged']) {
      const r = await c.get(path)
      assert.equal(r.status, 403, path)
      assert.deepEqual(r.json, { message: 'Forbidden' }, path)
    }
    // The startup banner lists the domain URLs with each API stage.
    const urls = gw.gateway.urls()
    const of = (apiId: string, stage: string) => urls.find((u) => u.apiId === apiId && u.stage === stage)?.urls ?? []
    assert.ok(of('ordersrest1', 'prod').includes(`https://api.example.com:${httpsPort}/v1/`), JSON.stringify(urls))
    assert.ok(of('ordersrest1', 'beta').includes(`https://api.example.com:${httpsPort}/v1/orders/`), JSON.stringify(urls))
    assert.ok(of('ordersrest1', 'beta').includes(`https://api.example.com:${httpsPort}/staged/beta/`), JSON.stringify(urls))
    assert.ok(of('itemshttp01', '$default').includes(`https://*.apps.example.com:${httpsPort}/`), JSON.stringify(urls))
    // A mapped base path whose API has no such route answers as the API does (REST: 403 Missing Authentication Token).
    const noRoute = await c.get('/v1/nowhere')
    assert.equal(noRoute.status, 403)
    assert.match(noRoute.text, /Missing Authentication Token/)
  } finally {
    await c.close()
  }
})

test('(none) on a wildcard domain; /ping and /sping are health checks; the execute-api host still refuses an API with disableExecuteApiEndpoint', async (t) => {
  if (opensslMissing) return t.skip(opensslMissing)
  const c = httpsClient(httpsPort, 'shop.apps.example.com')
  try {
    const r = await c.get('/event')
    assert.equal(r.status, 200, r.text)
    assert.equal(r.json.rawPath, '/event')
    assert.equal(r.json.requestContext.domainName, 'shop.apps.example.com')
    assert.equal(r.json.requestContext.domainPrefix, 'shop')
    for (const path of ['/ping', '/sping']) {
      const ping = await c.get(path)
      assert.equal(ping.status, 200, path)
      assert.equal(ping.text, '')
    }
  } finally {
    await c.close()
  }
  const direct = await gw.fetch('/event', { host: 'itemshttp01.execute-api.localhost' })
  assert.equal(direct.status, 403)
  // The REST API is still served on its execute-api host, stage first.
  assert.equal((await gw.fetch('/prod/ctx', { host: 'ordersrest1.execute-api.localhost' })).json().basePath, '')
})

test('the REST Lambda proxy event through a domain: path and requestContext.path keep the base path, resource does not', async (t) => {
  if (opensslMissing) return t.skip(opensslMissing)
  const c = httpsClient(httpsPort, 'api.example.com')
  try {
    const r = await c.get('/v1/event?x=1')
    assert.equal(r.status, 200, r.text)
    assert.equal(r.json.resource, '/event')
    assert.equal(r.json.path, '/v1/event')
    assert.equal(r.json.requestContext.path, '/v1/event')
    assert.equal(r.json.requestContext.domainName, 'api.example.com')
    assert.equal(r.json.requestContext.domainPrefix, 'api')
    assert.equal(r.json.requestContext.stage, 'prod')
    assert.equal(r.json.requestContext.identity.clientCert, undefined)
  } finally {
    await c.close()
  }
  // On the execute-api host, path has no stage (§4.1) — unchanged.
  const direct = await gw.fetch('/prod/event', { host: 'ordersrest1.execute-api.localhost' })
  assert.equal(direct.json().path, '/event')
  assert.equal(direct.json().requestContext.path, '/prod/event')
})

test('access log lines carry the domain, its prefix and the base path matched', async (t) => {
  if (opensslMissing) return t.skip(opensslMissing)
  const c = httpsClient(httpsPort, 'api.example.com')
  try {
    assert.equal((await c.get('/v1/ctx')).status, 200)
  } finally {
    await c.close()
  }
  assert.ok(gw.accessLog.some((l) => l.includes('log domain=api.example.com prefix=api base=v1 path=/v1/ctx status=200')), gw.accessLog.join('\n'))
})

test('plain HTTP serves domains by Host (case-insensitive, port ignored); a mutual-TLS domain is refused there', async (t) => {
  if (opensslMissing) return t.skip(opensslMissing)
  const r = await gw.fetch('/v1/orders/ctx', { host: `API.example.com:${gw.port}` })
  assert.equal(r.status, 200, r.text)
  assert.equal(r.json().domainName, 'api.example.com')
  assert.equal(r.json().basePath, 'v1/orders')
  assert.equal((await gw.fetch('/v9', { host: 'api.example.com' })).status, 403)
  const secure = await gw.fetch('/ctx', { host: 'secure.example.com' })
  assert.equal(secure.status, 403)
  assert.deepEqual(secure.json(), { message: 'Forbidden' })
})

test('mutual TLS on one domain: a certificate from its truststore is needed there (403 without, or from another CA); other domains require none', async (t) => {
  if (opensslMissing) return t.skip(opensslMissing)
  const trusted = httpsClient(httpsPort, 'secure.example.com', 'client')
  const anonymous = httpsClient(httpsPort, 'secure.example.com')
  const rogue = httpsClient(httpsPort, 'secure.example.com', 'rogue')
  const other = httpsClient(httpsPort, 'api.example.com')
  try {
    const ok = await trusted.get('/event')
    assert.equal(ok.status, 200, ok.text)
    assert.equal(ok.json.requestContext.identity.clientCert.subjectDN, 'CN=client-one')
    assert.equal(ok.json.requestContext.domainName, 'secure.example.com')
    for (const c of [anonymous, rogue]) {
      const r = await c.get('/event')
      assert.equal(r.status, 403)
      assert.deepEqual(r.json, { message: 'Forbidden' })
    }
    // Without a client certificate, other domains answer.
    assert.equal((await other.get('/v1/ctx')).status, 200)
    // A trusted certificate on a connection that named another domain is no way into the mTLS one (undici would
    // name the Host by SNI: the request is written by hand).
    const sideways = await rawRequest(httpsPort, 'api.example.com', 'secure.example.com', '/event', 'client')
    assert.match(sideways, /^HTTP\/1\.1 403 /)
    assert.match(sideways, /\{"message":"Forbidden"\}$/)
    assert.match(await rawRequest(httpsPort, 'secure.example.com', 'secure.example.com', '/event', 'client'), /^HTTP\/1\.1 200 /)
  } finally {
    await Promise.all([trusted.close(), anonymous.close(), rogue.close(), other.close()])
  }
})

test('securityPolicy: TLS_1_2 domains refuse a TLS 1.0/1.1 handshake; a TLS_1_0 domain accepts it where OpenSSL allows', async (t) => {
  if (opensslMissing) return t.skip(opensslMissing)
  const old = { minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT:@SECLEVEL=0' }
  const legacy = await handshake(httpsPort, 'legacy.example.com', old)
  const modern = await handshake(httpsPort, 'api.example.com', old)
  assert.ok('error' in modern, `a TLS 1.1 handshake to a TLS_1_2 domain succeeded: ${JSON.stringify(modern)}`)
  if ('error' in legacy) {
    // This machine's OpenSSL refuses TLS 1.0/1.1 even at security level 0: nothing more to see.
    return t.skip(`this OpenSSL cannot make a TLS 1.0/1.1 handshake: ${legacy.error}`)
  }
  assert.equal(legacy.cn, 'legacy.example.com')
  assert.match(String(legacy.protocol), /^TLSv1(\.1)?$/)
  // Without SNI the default domain's policy applies (*.apps.example.com, TLS_1_2): the connection is closed
  // once the handshake is done, before any request is answered; with TLS 1.2 the same request is answered.
  const answer = (opts: Record<string, unknown>) =>
    new Promise<string>((resolve) => {
      const s = connect({ port: httpsPort, host: '127.0.0.1', rejectUnauthorized: false, ...opts }, () => s.write('GET /ping HTTP/1.1\r\nHost: api.example.com\r\nConnection: close\r\n\r\n'))
      let text = ''
      s.setEncoding('utf8')
      s.on('data', (c: string) => (text += c))
      s.on('close', () => resolve(text))
      s.on('error', () => undefined)
    })
  assert.equal(await answer(old), '')
  assert.match(await answer({}), /^HTTP\/1\.1 200 /)
  // TLS 1.2 and 1.3 still work on both.
  const current = await handshake(httpsPort, 'api.example.com')
  assert.ok('cn' in current && /^TLSv1\.[23]$/.test(String(current.protocol)), JSON.stringify(current))
})

test('a replaced certificate file is served to new handshakes after a reload, without a restart; open connections keep theirs', async (t) => {
  if (opensslMissing) return t.skip(opensslMissing)
  const dir = tmp.dir
  writeFile(dir, 'reload-cert.pem', readFileSync(join(dir, 'api.pem'), 'utf8'))
  writeFile(dir, 'reload-key.pem', readFileSync(join(dir, 'api.key'), 'utf8'))
  const cfg = config({
    domains: [{ domainName: 'api.example.com', certificate: { cert: './reload-cert.pem', key: './reload-key.pem' }, mappings: [{ basePath: 'v1', api: 'orders-rest', stage: 'prod' }] }],
  })
  delete cfg['certificates']
  const g = await startGateway({ configFile: writeFile(dir, 'reload.yaml', cfg) })
  const port = g.gateway.httpsAddress!.port
  const before = await handshake(port, 'api.example.com')
  assert.ok('fingerprint' in before)
  // A connection opened before the change keeps serving with the certificate it was given.
  const open = httpsClient(port, 'api.example.com')
  try {
    assert.equal((await open.get('/v1/ctx')).status, 200)
    writeFile(dir, 'reload-cert.pem', readFileSync(join(dir, 'api2.pem'), 'utf8'))
    writeFile(dir, 'reload-key.pem', readFileSync(join(dir, 'api2.key'), 'utf8'))
    assert.deepEqual(await g.gateway.reload(), { ok: true, problems: '' })
    const after = await handshake(port, 'api.example.com')
    assert.ok('fingerprint' in after)
    assert.notEqual(after.fingerprint, before.fingerprint)
    assert.equal(after.fingerprint, new X509Certificate(readFileSync(join(dir, 'api2.pem'))).fingerprint256)
    assert.equal((await open.get('/v1/ctx')).status, 200)

    // A broken certificate file is refused with its path; the last good certificate keeps serving.
    writeFile(dir, 'reload-cert.pem', 'not a certificate\n')
    const refused = await g.gateway.reload()
    assert.equal(refused.ok, false)
    assert.match(refused.problems, /\/domains\/0\/certificate\/cert/)
    const still = await handshake(port, 'api.example.com')
    assert.ok('fingerprint' in still && still.fingerprint === after.fingerprint)
  } finally {
    await open.close()
    await g.stop()
  }
})

test('the config watcher watches certificate files: replacing one reloads, and new handshakes get the new certificate', async (t) => {
  if (opensslMissing) return t.skip(opensslMissing)
  const dir = tmp.dir
  writeFile(dir, 'watched-cert.pem', readFileSync(join(dir, 'api.pem'), 'utf8'))
  writeFile(dir, 'watched-key.pem', readFileSync(join(dir, 'api.key'), 'utf8'))
  const cfg = config({
    domains: [{ domainName: 'api.example.com', certificate: { cert: './watched-cert.pem', key: './watched-key.pem' }, mappings: [{ basePath: 'v1', api: 'orders-rest', stage: 'prod' }] }],
  })
  delete cfg['certificates']
  const g = await startGateway({ configFile: writeFile(dir, 'watched.yaml', cfg) }, { watch: true })
  const port = g.gateway.httpsAddress!.port
  const wanted = new X509Certificate(readFileSync(join(dir, 'api2.pem'))).fingerprint256
  try {
    // The key first: until the certificate follows, the pair does not match and the reload is refused.
    writeFile(dir, 'watched-key.pem', readFileSync(join(dir, 'api2.key'), 'utf8'))
    writeFile(dir, 'watched-cert.pem', readFileSync(join(dir, 'api2.pem'), 'utf8'))
    await eventually(async () => {
      const r = await handshake(port, 'api.example.com')
      return 'fingerprint' in r && r.fingerprint === wanted
    }, PATIENCE_MS, 'the new certificate')
  } finally {
    await g.stop()
  }
})

test('`gatehouse serve --https-port` opens the HTTPS listener of custom domains and prints it', async (t) => {
  if (opensslMissing) return t.skip(opensslMissing)
  const cfg = config()
  delete cfg['listeners']
  const file = writeFile(tmp.dir, 'cli.yaml', cfg)
  const root = fileURLToPath(new URL('../..', import.meta.url))
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/run.ts', 'serve', '--config', file, '--port', '0', '--admin-port', '0', '--https-port', '0', '--host', '127.0.0.1'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()))
  const exited = new Promise((resolve) => child.on('close', resolve))
  try {
    await eventually(() => /custom domains \(HTTPS, SNI\): port \d+/.test(out), 90_000, `the banner in:\n${out}`)
    const port = Number(out.match(/custom domains \(HTTPS, SNI\): port (\d+)/)![1])
    assert.match(out, /https:\/\/api\.example\.com:\d+\/v1\//)
    const c = httpsClient(port, 'api.example.com')
    try {
      const r = await c.get('/v1/ctx')
      assert.equal(r.status, 200, r.text)
      assert.equal(r.json.domainName, 'api.example.com')
    } finally {
      await c.close()
    }
  } finally {
    child.kill('SIGTERM')
    await exited
  }
})
