// Custom domains made through the control plane and served end to end (docs/custom-domains.md): the real AWS
// SDK clients create domains (PEM text, and an ACM ARN the config file maps to files), map a REST API with
// CreateBasePathMapping and an HTTP API with CreateApiMapping; real HTTPS clients naming the domain by SNI (and
// plain HTTP by Host) reach each API and verify the certificate created; UpdateDomainName's new certificate
// reaches new handshakes without a restart; removed mappings and domains answer as documented. Then a base path
// mapping switched under load (config-file reloads and UpdateBasePathMapping) fails no request; a compile
// finding certificate or truststore files unusable keeps each domain's last good certificate (and truststore);
// removing every domain (control plane or reload) leaves the HTTPS listener refusing handshakes; a mapping left
// dangling by a reload answers 403.
// Certificates are made by openssl in a temp dir (the tests skip with a message without it).

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { copyFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Agent, Pool, request } from 'undici'
import {
  CreateBasePathMappingCommand,
  CreateDomainNameCommand,
  DeleteBasePathMappingCommand,
  DeleteDomainNameCommand,
  GetBasePathMappingsCommand,
  UpdateBasePathMappingCommand,
  UpdateDomainNameCommand,
  type APIGatewayClient,
} from '@aws-sdk/client-api-gateway'
import { CreateApiMappingCommand } from '@aws-sdk/client-apigatewayv2'
import { startGateway, startUpstream, tempDir, writeFile, type TestGateway, type Upstream } from '../helpers.js'
import { restClient, settle, v2Client } from '../admin/control-plane.js'
import { handshake, issueCertificates, type IssuedCertificates } from '../admin/domain-fixture.js'
import { SwitchLoad } from '../switch-load.js'

const ARN_ONE = 'arn:aws:acm:us-east-1:000000000000:certificate/aaaaaaaa-0000-4000-8000-000000000001'
const ARN_TWO = 'arn:aws:acm:us-east-1:000000000000:certificate/aaaaaaaa-0000-4000-8000-000000000002'
const ARN_API = 'arn:aws:acm:us-east-1:000000000000:certificate/aaaaaaaa-0000-4000-8000-000000000003'
const FORBIDDEN = { status: 403, json: { message: 'Forbidden' } }

/** A REST API whose GET /v answers its name and its stage's `colour` variable (stages blue and green). */
function restApi(id: string, name: string): Record<string, unknown> {
  const mock = {
    type: 'mock',
    requestTemplates: { 'application/json': '{"statusCode": 200}' },
    responses: { default: { statusCode: '200', responseTemplates: { 'application/json': `{"api": "${name}", "colour": "$stageVariables.colour"}` } } },
  }
  return {
    id,
    type: 'rest',
    definition: { openapi: '3.0.1', info: { title: name, version: '1' }, paths: { '/v': { get: { 'x-amazon-apigateway-integration': mock } } } },
    stages: { blue: { variables: { colour: 'blue' } }, green: { variables: { colour: 'green' } } },
  }
}

/** An HTTP API whose GET /v is proxied to the upstream (which answers `{"api": "items"}`). */
function httpApi(upstream: Upstream): Record<string, unknown> {
  const proxy = { type: 'http_proxy', httpMethod: 'GET', uri: `${upstream.url}/items`, payloadFormatVersion: '1.0' }
  return { id: 'items01', type: 'http', definition: { openapi: '3.0.1', info: { title: 'items', version: '1' }, paths: { '/v': { get: { 'x-amazon-apigateway-integration': proxy } } } }, stages: { $default: {} } }
}

/** The config file: an HTTPS listener, ARNs mapped to the www certificates and api-2, REST APIs alpha01 and beta01, HTTP API items01. */
function config(upstream: Upstream, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    listeners: { https: { port: 0, host: '127.0.0.1' } },
    certificates: { [ARN_ONE]: { cert: './www-1.pem', key: './www-1.key' }, [ARN_TWO]: { cert: './www-2.pem', key: './www-2.key' }, [ARN_API]: { cert: './api-2.pem', key: './api-2.key' } },
    apis: [restApi('alpha01', 'alpha'), restApi('beta01', 'beta'), httpApi(upstream)],
    ...extra,
  }
}

interface Setup {
  tmp: { dir: string; cleanup: () => void }
  certs: IssuedCertificates
  upstream: Upstream
}

/** Certificates (api.example.test ×2, www.example.test ×2, secure.example.test, a client's) and the HTTP API's upstream; null with a skip message without openssl. */
async function setUp(t: { skip: (m: string) => void; after: (f: () => Promise<void>) => void }): Promise<Setup | null> {
  const tmp = tempDir('gatehouse-domains-cp-')
  let certs: IssuedCertificates
  try {
    certs = issueCertificates(tmp.dir, { api: 'api.example.test', 'api-2': 'api.example.test', 'www-1': 'www.example.test', 'www-2': 'www.example.test', secure: 'secure.example.test', client: 'client.example.test' })
  } catch (err) {
    tmp.cleanup()
    t.skip(`openssl is needed to make test certificates: ${(err as Error).message}`)
    return null
  }
  const upstream = await startUpstream((_req, res) => res.end(JSON.stringify({ api: 'items' })))
  t.after(async () => {
    await upstream.close()
    tmp.cleanup()
  })
  return { tmp, certs, upstream }
}

interface Answer {
  status: number
  json: unknown
}

/** An HTTPS client naming `servername` by SNI (keep-alive), verifying the certificate against the test CA; `identity`: its client certificate. */
function httpsClient(port: number, servername: string, ca: string, identity?: { cert: string; key: string }) {
  const agent = new Agent({ connect: { ca, servername, ...identity } })
  return {
    async get(path: string): Promise<Answer> {
      const res = await request(`https://127.0.0.1:${port}${path}`, { dispatcher: agent, headers: { host: servername } })
      const text = await res.body.text()
      return { status: res.statusCode, json: text === '' ? null : JSON.parse(text) }
    },
    close: () => agent.close(),
  }
}

/** Plain HTTP by Host. */
async function byHost(gw: TestGateway, host: string, path: string): Promise<Answer> {
  const r = await gw.fetch(path, { host })
  return { status: r.status, json: r.text === '' ? null : JSON.parse(r.text) }
}

/** The fingerprint a handshake naming `servername` gets (failing the test when the handshake fails). */
async function served(port: number, servername: string | null): Promise<string> {
  const r = await handshake(port, servername)
  assert.ok('fingerprint' in r, `the handshake naming ${servername} failed: ${JSON.stringify(r)}`)
  return r.fingerprint
}

/** The error lines the gateway logged (pino level 50). */
function errors(gw: TestGateway): string[] {
  return gw.logs.filter((l) => l['level'] === 50).map((l) => String(l['msg']))
}

test('domains made through the control plane serve over HTTPS with SNI and by Host; certificate updates, removed mappings and domains take effect without a restart', async (t) => {
  const s = await setUp(t)
  if (s === null) return
  const { certs } = s
  const gw = await startGateway({ configFile: writeFile(s.tmp.dir, 'gatehouse.yaml', config(s.upstream)) })
  t.after(() => gw.stop())
  const port = gw.gateway.httpsAddress!.port
  const rest: APIGatewayClient = restClient(gw.adminPort)
  const v2 = v2Client(gw.adminPort)

  // api.example.test from PEM text (REGIONAL: it maps an HTTP API too); www.example.test from an ARN the config file maps.
  await rest.send(new CreateDomainNameCommand({ domainName: 'api.example.test', certificateBody: certs.pem('api'), certificatePrivateKey: certs.key('api'), endpointConfiguration: { types: ['REGIONAL'] } }))
  await rest.send(new CreateDomainNameCommand({ domainName: 'www.example.test', regionalCertificateArn: ARN_ONE, endpointConfiguration: { types: ['REGIONAL'] } }))
  await rest.send(new CreateBasePathMappingCommand({ domainName: 'api.example.test', basePath: 'v1', restApiId: 'alpha01', stage: 'blue' }))
  await v2.send(new CreateApiMappingCommand({ DomainName: 'api.example.test', ApiMappingKey: 'v2', ApiId: 'items01', Stage: '$default' }))
  await rest.send(new CreateBasePathMappingCommand({ domainName: 'www.example.test', restApiId: 'beta01', stage: 'green' }))
  await settle(gw)

  const api = httpsClient(port, 'api.example.test', certs.ca)
  const www = httpsClient(port, 'www.example.test', certs.ca)
  t.after(async () => {
    await api.close()
    await www.close()
  })
  // The clients verify the certificates against the CA and the names: each domain serves the one it was given.
  assert.deepEqual(await api.get('/v1/v'), { status: 200, json: { api: 'alpha', colour: 'blue' } })
  assert.deepEqual(await api.get('/v2/v'), { status: 200, json: { api: 'items' } })
  assert.deepEqual(await www.get('/v'), { status: 200, json: { api: 'beta', colour: 'green' } })
  assert.equal(await served(port, 'api.example.test'), certs.fingerprint('api'))
  assert.equal(await served(port, 'www.example.test'), certs.fingerprint('www-1'))
  // Plain HTTP routes the same domains by Host.
  assert.deepEqual(await byHost(gw, 'api.example.test', '/v1/v'), { status: 200, json: { api: 'alpha', colour: 'blue' } })
  assert.deepEqual(await byHost(gw, `api.example.test:${gw.port}`, '/v2/v'), { status: 200, json: { api: 'items' } })
  assert.deepEqual(await byHost(gw, 'www.example.test', '/v'), { status: 200, json: { api: 'beta', colour: 'green' } })

  // UpdateDomainName to another mapped ARN: new handshakes get its certificate; the open connection keeps working.
  await rest.send(new UpdateDomainNameCommand({ domainName: 'www.example.test', patchOperations: [{ op: 'replace', path: '/regionalCertificateArn', value: ARN_TWO }] }))
  await settle(gw)
  assert.equal(await served(port, 'www.example.test'), certs.fingerprint('www-2'))
  assert.deepEqual(await www.get('/v'), { status: 200, json: { api: 'beta', colour: 'green' } })
  const fresh = httpsClient(port, 'www.example.test', certs.ca)
  assert.deepEqual(await fresh.get('/v'), { status: 200, json: { api: 'beta', colour: 'green' } })
  await fresh.close()
  // A domain made from PEM text moves to an ARN (PEM text cannot be patched in, as on AWS).
  await rest.send(new UpdateDomainNameCommand({ domainName: 'api.example.test', patchOperations: [{ op: 'replace', path: '/regionalCertificateArn', value: ARN_API }] }))
  await settle(gw)
  assert.equal(await served(port, 'api.example.test'), certs.fingerprint('api-2'))
  const api2 = httpsClient(port, 'api.example.test', certs.ca)
  t.after(() => api2.close())
  assert.deepEqual(await api2.get('/v1/v'), { status: 200, json: { api: 'alpha', colour: 'blue' } })

  // DeleteBasePathMapping: the base path is no longer mapped (403 Forbidden); the other mapping still serves.
  await rest.send(new DeleteBasePathMappingCommand({ domainName: 'api.example.test', basePath: 'v1' }))
  await settle(gw)
  assert.deepEqual(await api2.get('/v1/v'), FORBIDDEN)
  assert.deepEqual(await byHost(gw, 'api.example.test', '/v1/v'), FORBIDDEN)
  assert.deepEqual(await api2.get('/v2/v'), { status: 200, json: { api: 'items' } })

  // DeleteDomainName: the name is an ordinary host again. A handshake naming it gets the default certificate (the
  // first domain's by name: www.example.test's), which a verifying client refuses; a request that gets through
  // (plain HTTP by Host) is resolved like any host that names no domain: no API is the default here, so 403.
  await rest.send(new DeleteDomainNameCommand({ domainName: 'api.example.test' }))
  await settle(gw)
  assert.equal(await served(port, 'api.example.test'), certs.fingerprint('www-2'))
  const refused = httpsClient(port, 'api.example.test', certs.ca)
  await assert.rejects(refused.get('/v2/v'), (err: NodeJS.ErrnoException) => err.code === 'ERR_TLS_CERT_ALTNAME_INVALID')
  await refused.close()
  assert.deepEqual(await byHost(gw, 'api.example.test', '/v2/v'), FORBIDDEN)
  assert.deepEqual(await byHost(gw, 'api.example.test', '/v1/v'), FORBIDDEN)
  assert.deepEqual(await www.get('/v'), { status: 200, json: { api: 'beta', colour: 'green' } })

  // Deleting the last domain leaves the HTTPS listener without a certificate: every new handshake fails (with or
  // without SNI), as on a listener started with no domain, rather than serving a deleted domain's certificate.
  await rest.send(new DeleteDomainNameCommand({ domainName: 'www.example.test' }))
  await settle(gw)
  for (const name of ['www.example.test', 'api.example.test', null]) {
    const r = await handshake(port, name)
    assert.ok('error' in r, `a handshake naming ${name} got a certificate after every domain was deleted`)
    assert.match(r.error, /handshake failure|closed|ECONNRESET/)
  }
  assert.ok(gw.logs.some((l) => /the HTTPS listener of custom domains has no certificate left/.test(String(l['msg']))), 'a warning says so')
  // A new domain brings the listener back.
  await rest.send(new CreateDomainNameCommand({ domainName: 'www.example.test', regionalCertificateArn: ARN_ONE, endpointConfiguration: { types: ['REGIONAL'] } }))
  await rest.send(new CreateBasePathMappingCommand({ domainName: 'www.example.test', restApiId: 'alpha01', stage: 'green' }))
  await settle(gw)
  const back = httpsClient(port, 'www.example.test', certs.ca)
  assert.deepEqual(await back.get('/v'), { status: 200, json: { api: 'alpha', colour: 'green' } })
  await back.close()
  assert.equal(await served(port, null), certs.fingerprint('www-1'))
  assert.deepEqual(errors(gw), [])
})

test('blue/green through a base path mapping: switching v1 under load by config-file reloads and UpdateBasePathMapping fails no request', async (t) => {
  const s = await setUp(t)
  if (s === null) return
  const { certs } = s
  const domain = (api: string, stage: string) => ({
    domains: [{ domainName: 'api.example.test', certificate: { cert: './api.pem', key: './api.key' }, mappings: [{ basePath: 'v1', api, stage }] }],
  })
  const file = writeFile(s.tmp.dir, 'gatehouse.yaml', config(s.upstream, domain('alpha01', 'blue')))
  const gw = await startGateway({ configFile: file })
  const port = gw.gateway.httpsAddress!.port
  const pool = new Pool(`https://127.0.0.1:${port}`, { connections: 8, pipelining: 1, connect: { ca: certs.ca, servername: 'api.example.test' } })
  let load: SwitchLoad | null = null
  t.after(async () => {
    await load?.halt()
    await pool.close()
    await gw.stop()
  })
  load = new SwitchLoad({
    clients: 8,
    perPhase: 40,
    initial: 'alpha/blue',
    request: async () => {
      const res = await pool.request({ path: '/v1/v', method: 'GET', headers: { host: 'api.example.test' } })
      return { status: res.statusCode, text: await res.body.text() }
    },
    version: (text) => {
      const v = JSON.parse(text) as { api: string; colour: string }
      return `${v.api}/${v.colour}`
    },
  })

  // 1. The config file's `domains:` (the domain is the file's): v1 → alpha01 green, then → beta01 blue.
  const reloadTo = (api: string, stage: string) => async (): Promise<void> => {
    writeFile(s.tmp.dir, 'gatehouse.yaml', config(s.upstream, domain(api, stage)))
    assert.deepEqual(await gw.gateway.reload(), { ok: true, problems: '' })
  }
  await load.switchTo('alpha/green', reloadTo('alpha01', 'green'))
  await load.switchTo('beta/blue', reloadTo('beta01', 'blue'))

  // 2. UpdateBasePathMapping (the domain becomes the admin's): /restapiId, /stage, then both at once.
  const rest = restClient(gw.adminPort)
  const patch = (ops: Array<[string, string]>) => async (): Promise<void> => {
    const m = await rest.send(new UpdateBasePathMappingCommand({ domainName: 'api.example.test', basePath: 'v1', patchOperations: ops.map(([path, value]) => ({ op: 'replace', path, value })) }))
    assert.equal(m.basePath, 'v1')
    await settle(gw)
  }
  await load.switchTo('alpha/blue', patch([['/restapiId', 'alpha01']]))
  await load.switchTo('alpha/green', patch([['/stage', 'green']]))
  await load.switchTo('beta/green', patch([['/restapiId', 'beta01']]))
  await load.switchTo('alpha/blue', patch([['/restapiId', 'alpha01'], ['/stage', 'blue']]))
  await load.stop()
  load.assertClean(['alpha/blue', 'alpha/green', 'beta/blue', 'beta/green'])
  // The certificate served all along is the domain's.
  assert.equal(await served(port, 'api.example.test'), certs.fingerprint('api'))
})

test('a compile that finds certificate files unreadable or unusable keeps each domain on its last good certificate, logs an error, and picks up fixed files', async (t) => {
  const s = await setUp(t)
  if (s === null) return
  const { certs, tmp } = s
  // Copies the test may break: api.example.test's files, and the files ARN_ONE stands for (www.example.test).
  for (const [from, to] of [['api', 'live-api'], ['www-1', 'live-www']]) {
    copyFileSync(join(tmp.dir, `${from}.pem`), join(tmp.dir, `${to}.pem`))
    copyFileSync(join(tmp.dir, `${from}.key`), join(tmp.dir, `${to}.key`))
  }
  const cfg = config(s.upstream, {
    domains: [
      { domainName: 'api.example.test', certificate: { cert: './live-api.pem', key: './live-api.key' }, mappings: [{ basePath: 'v1', api: 'alpha01', stage: 'blue' }] },
      { domainName: 'www.example.test', certificateArn: ARN_ONE, mappings: [{ api: 'beta01', stage: 'blue' }] },
    ],
  })
  ;(cfg['certificates'] as Record<string, unknown>)[ARN_ONE] = { cert: './live-www.pem', key: './live-www.key' }
  const gw = await startGateway({ configFile: writeFile(tmp.dir, 'gatehouse.yaml', cfg) })
  t.after(() => gw.stop())
  const port = gw.gateway.httpsAddress!.port
  const rest = restClient(gw.adminPort)
  assert.equal(await served(port, 'api.example.test'), certs.fingerprint('api'))
  assert.equal(await served(port, 'www.example.test'), certs.fingerprint('www-1'))

  // api's certificate file disappears; www's is replaced by one that does not match its key. The control plane
  // then triggers a compile (a new mapping). Neither domain falls back to the default certificate (the first
  // domain's by name: api's for www, www's for api).
  rmSync(join(tmp.dir, 'live-api.pem'))
  writeFileSync(join(tmp.dir, 'live-www.pem'), certs.pem('api-2'))
  await rest.send(new CreateBasePathMappingCommand({ domainName: 'www.example.test', basePath: 'extra', restApiId: 'alpha01', stage: 'green' }))
  await settle(gw)
  assert.equal(await served(port, 'api.example.test'), certs.fingerprint('api'), 'api.example.test keeps its last good certificate')
  assert.equal(await served(port, 'www.example.test'), certs.fingerprint('www-1'), 'www.example.test keeps its last good certificate')
  const client = httpsClient(port, 'api.example.test', certs.ca)
  t.after(() => client.close())
  assert.deepEqual(await client.get('/v1/v'), { status: 200, json: { api: 'alpha', colour: 'blue' } })
  const logged = errors(gw)
  assert.ok(logged.some((m) => /^domain api\.example\.test: cannot read the certificate .*live-api\.pem: no such file; it keeps serving its last good certificate$/.test(m)), logged.join('\n'))
  assert.ok(logged.some((m) => /^domain www\.example\.test: its certificate and key cannot serve TLS: .*; it keeps serving its last good certificate$/.test(m)), logged.join('\n'))

  // Fixed files (a new certificate for api) are served from the next compile on.
  writeFileSync(join(tmp.dir, 'live-api.pem'), certs.pem('api-2'))
  writeFileSync(join(tmp.dir, 'live-api.key'), certs.key('api-2'))
  writeFileSync(join(tmp.dir, 'live-www.pem'), certs.pem('www-2'))
  writeFileSync(join(tmp.dir, 'live-www.key'), certs.key('www-2'))
  await rest.send(new DeleteBasePathMappingCommand({ domainName: 'www.example.test', basePath: 'extra' }))
  await settle(gw)
  assert.equal(await served(port, 'api.example.test'), certs.fingerprint('api-2'))
  assert.equal(await served(port, 'www.example.test'), certs.fingerprint('www-2'))

  // A reload that drops ARN_ONE from `certificates:` (and www from `domains:`; the domain is the admin's since its
  // mapping changed, so it stays): www keeps its certificate, as AWS refuses to delete a certificate in use.
  const reloaded = config(s.upstream, { domains: [(cfg['domains'] as unknown[])[0]] })
  delete (reloaded['certificates'] as Record<string, unknown>)[ARN_ONE]
  writeFile(tmp.dir, 'gatehouse.yaml', reloaded)
  assert.deepEqual(await gw.gateway.reload(), { ok: true, problems: '' })
  await settle(gw)
  assert.equal(await served(port, 'www.example.test'), certs.fingerprint('www-2'))
  const www = httpsClient(port, 'www.example.test', certs.ca)
  t.after(() => www.close())
  assert.deepEqual(await www.get('/v'), { status: 200, json: { api: 'beta', colour: 'blue' } })
  assert.ok(errors(gw).some((m) => m === `domain www.example.test: certificate ${ARN_ONE} is not in the certificates table; it keeps serving its last good certificate`), errors(gw).join('\n'))
})

test('a mapping left dangling by a config reload (its API or stage removed) answers 403 Forbidden; the rest of the domain serves', async (t) => {
  const s = await setUp(t)
  if (s === null) return
  const { certs, tmp } = s
  const file = writeFile(tmp.dir, 'gatehouse.yaml', config(s.upstream))
  const gw = await startGateway({ configFile: file })
  t.after(() => gw.stop())
  const port = gw.gateway.httpsAddress!.port
  const rest = restClient(gw.adminPort)
  await rest.send(new CreateDomainNameCommand({ domainName: 'api.example.test', certificateBody: certs.pem('api'), certificatePrivateKey: certs.key('api'), endpointConfiguration: { types: ['REGIONAL'] } }))
  await rest.send(new CreateBasePathMappingCommand({ domainName: 'api.example.test', basePath: 'gone', restApiId: 'beta01', stage: 'blue' }))
  await rest.send(new CreateBasePathMappingCommand({ domainName: 'api.example.test', basePath: 'green', restApiId: 'alpha01', stage: 'green' }))
  await rest.send(new CreateBasePathMappingCommand({ domainName: 'api.example.test', basePath: 'v1', restApiId: 'alpha01', stage: 'blue' }))
  await settle(gw)
  const client = httpsClient(port, 'api.example.test', certs.ca)
  t.after(() => client.close())
  assert.deepEqual(await client.get('/gone/v'), { status: 200, json: { api: 'beta', colour: 'blue' } })

  // The file drops beta01 and alpha01's green stage. The control plane would refuse that (DeleteRestApi, DeleteStage);
  // the file is the operator's word, so the reload goes through and the mappings dangle.
  const alpha = restApi('alpha01', 'alpha')
  alpha['stages'] = { blue: { variables: { colour: 'blue' } } }
  const cfg = config(s.upstream)
  cfg['apis'] = [alpha, httpApi(s.upstream)]
  writeFile(tmp.dir, 'gatehouse.yaml', cfg)
  assert.deepEqual(await gw.gateway.reload(), { ok: true, problems: '' })
  await settle(gw)
  for (const path of ['/gone/v', '/green/v']) {
    assert.deepEqual(await client.get(path), FORBIDDEN, path)
    assert.deepEqual(await byHost(gw, 'api.example.test', path), FORBIDDEN, path)
  }
  assert.deepEqual(await client.get('/v1/v'), { status: 200, json: { api: 'alpha', colour: 'blue' } })
  assert.equal((await client.get('/ping')).status, 200)
  // The warnings name each dangling mapping; the mappings are still listed, and can be repointed or removed.
  const warned = gw.logs.filter((l) => l['level'] === 40).map((l) => String(l['msg']))
  assert.ok(warned.some((m) => m === 'domain api.example.test: base path gone maps API beta01, which is not served; its requests get 403'), warned.join('\n'))
  assert.ok(warned.some((m) => m === 'domain api.example.test: base path green maps stage green of API alpha01, which is not deployed; its requests get 403'), warned.join('\n'))
  const listed = await rest.send(new GetBasePathMappingsCommand({ domainName: 'api.example.test' }))
  assert.deepEqual(listed.items?.map((m) => [m.basePath, m.restApiId, m.stage]), [['gone', 'beta01', 'blue'], ['green', 'alpha01', 'green'], ['v1', 'alpha01', 'blue']])
  await rest.send(new UpdateBasePathMappingCommand({ domainName: 'api.example.test', basePath: 'green', patchOperations: [{ op: 'replace', path: '/stage', value: 'blue' }] }))
  await rest.send(new DeleteBasePathMappingCommand({ domainName: 'api.example.test', basePath: 'gone' }))
  await settle(gw)
  assert.deepEqual(await client.get('/green/v'), { status: 200, json: { api: 'alpha', colour: 'blue' } })
  assert.deepEqual(await client.get('/gone/v'), FORBIDDEN)
  assert.deepEqual(errors(gw), [])
})

test('a config reload that removes every domain leaves the HTTPS listener refusing handshakes; one that adds a domain back serves it', async (t) => {
  const s = await setUp(t)
  if (s === null) return
  const { certs, tmp } = s
  const withDomain = config(s.upstream, { domains: [{ domainName: 'api.example.test', certificate: { cert: './api.pem', key: './api.key' }, mappings: [{ basePath: 'v1', api: 'alpha01', stage: 'blue' }] }] })
  const gw = await startGateway({ configFile: writeFile(tmp.dir, 'gatehouse.yaml', withDomain) })
  t.after(() => gw.stop())
  const port = gw.gateway.httpsAddress!.port
  assert.equal(await served(port, null), certs.fingerprint('api'))

  writeFile(tmp.dir, 'gatehouse.yaml', config(s.upstream))
  assert.deepEqual(await gw.gateway.reload(), { ok: true, problems: '' })
  for (const name of ['api.example.test', null]) assert.ok('error' in (await handshake(port, name)), `a handshake naming ${name} got the removed domain's certificate`)
  assert.deepEqual(await byHost(gw, 'api.example.test', '/v1/v'), FORBIDDEN)

  writeFile(tmp.dir, 'gatehouse.yaml', withDomain)
  assert.deepEqual(await gw.gateway.reload(), { ok: true, problems: '' })
  const client = httpsClient(port, 'api.example.test', certs.ca)
  t.after(() => client.close())
  assert.deepEqual(await client.get('/v1/v'), { status: 200, json: { api: 'alpha', colour: 'blue' } })
})

test('a mutual-TLS domain whose truststore file becomes unreadable keeps its last good truststore: trusted clients still get in, others still get 403', async (t) => {
  const s = await setUp(t)
  if (s === null) return
  const { certs, tmp } = s
  copyFileSync(join(tmp.dir, 'ca.pem'), join(tmp.dir, 'live-ca.pem'))
  const cfg = config(s.upstream, {
    domains: [{ domainName: 'secure.example.test', certificate: { cert: './secure.pem', key: './secure.key' }, mutualTls: { truststore: './live-ca.pem' }, mappings: [{ api: 'alpha01', stage: 'blue' }] }],
  })
  const gw = await startGateway({ configFile: writeFile(tmp.dir, 'gatehouse.yaml', cfg) })
  t.after(() => gw.stop())
  const port = gw.gateway.httpsAddress!.port
  const check = async (): Promise<void> => {
    const trusted = httpsClient(port, 'secure.example.test', certs.ca, { cert: certs.pem('client'), key: certs.key('client') })
    const anonymous = httpsClient(port, 'secure.example.test', certs.ca)
    try {
      assert.deepEqual(await trusted.get('/v'), { status: 200, json: { api: 'alpha', colour: 'blue' } })
      assert.deepEqual(await anonymous.get('/v'), FORBIDDEN)
    } finally {
      await Promise.all([trusted.close(), anonymous.close()])
    }
  }
  await check()
  rmSync(join(tmp.dir, 'live-ca.pem'))
  await restClient(gw.adminPort).send(new CreateBasePathMappingCommand({ domainName: 'secure.example.test', basePath: 'green', restApiId: 'alpha01', stage: 'green' }))
  await settle(gw)
  await check()
  assert.equal(await served(port, 'secure.example.test'), certs.fingerprint('secure'))
  assert.ok(errors(gw).some((m) => /^domain secure\.example\.test: cannot read the truststore .*live-ca\.pem: no such file; it keeps serving its last good certificate$/.test(m)), errors(gw).join('\n'))
})
