// Mutual TLS on the data-plane listener (§7.8) with certificates made by openssl in a temp dir: a trusted
// client certificate reaches REST proxy events, HTTP API v2 events, mapping templates and access logs; a
// missing or untrusted one fails the handshake (client certificates required) or gets 403 (optional).

import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Agent, request } from 'undici'
import { startGateway, tempDir, writeFile, type TestGateway } from '../helpers.js'
import { ConfigError } from '../../src/errors.js'

let tmp: { dir: string; cleanup: () => void }
let opensslMissing: string | false = false

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { cwd: tmp.dir, stdio: 'pipe' })
}

/** A CA, a server certificate for localhost, a client certificate from the CA and one from another CA. */
function makeCertificates(): void {
  writeFile(tmp.dir, 'server.ext', 'subjectAltName=DNS:localhost,DNS:*.execute-api.localhost,IP:127.0.0.1\n')
  writeFile(tmp.dir, 'client.ext', 'extendedKeyUsage=clientAuth\n')
  for (const ca of ['ca', 'rogue-ca']) {
    openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${ca}.key`, '-out', `${ca}.pem`, '-days', '2', '-subj', ca === 'ca' ? '/O=Example Corp/CN=Test Client CA' : '/CN=Rogue CA')
  }
  const issue = (name: string, subject: string, ca: string, ext: string, serial: string) => {
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject)
    openssl('x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.pem`, '-CAkey', `${ca}.key`, '-set_serial', serial, '-out', `${name}.pem`, '-days', '2', '-extfile', ext)
  }
  issue('server', '/CN=localhost', 'ca', 'server.ext', '0x01')
  issue('client', '/C=US/O=Example Corp/CN=client-one', 'ca', 'client.ext', '0x0a1b2c3d4e5f')
  issue('rogue', '/CN=client-one', 'rogue-ca', 'client.ext', '0x02')
}

const FUNCTION = `export const handler = async (event) => ({ statusCode: 200, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(event.requestContext) })
`

function lambdaUri(name: string): string {
  return `arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:${name}/invocations`
}

async function serve(tls: Record<string, unknown>): Promise<TestGateway> {
  writeFile(tmp.dir, 'echo.mjs', FUNCTION)
  writeFile(tmp.dir, 'rest.json', {
    openapi: '3.0.1',
    info: { title: 'mtls-rest', version: '1' },
    paths: {
      '/event': { get: { 'x-amazon-apigateway-integration': { type: 'aws_proxy', httpMethod: 'POST', uri: lambdaUri('echo') } } },
      '/template': {
        get: {
          'x-amazon-apigateway-integration': {
            type: 'mock',
            requestTemplates: { 'application/json': '{"statusCode": 200}' },
            responses: { default: { statusCode: '200', responseTemplates: { 'application/json': '{"dn": "$context.identity.clientCert.subjectDN", "notAfter": "$context.identity.clientCert.validity.notAfter"}' } } },
          },
        },
      },
    },
  })
  writeFile(tmp.dir, 'http.json', {
    openapi: '3.0.1',
    info: { title: 'mtls-http', version: '1' },
    'x-amazon-apigateway-importexport-version': '1.0',
    paths: { '/event': { get: { 'x-amazon-apigateway-integration': { type: 'aws_proxy', httpMethod: 'POST', uri: lambdaUri('echo'), payloadFormatVersion: '2.0' } } } },
  })
  const config = writeFile(tmp.dir, 'gatehouse.yaml', {
    listeners: { http: { tls } },
    functionsDir: '.',
    apis: [
      { name: 'mtls-rest', id: 'mtlsrest01', type: 'rest', openapi: './rest.json', stages: { dev: { accessLogSettings: { format: 'dn=$context.identity.clientCert.subjectDN serial=$context.identity.clientCert.serialNumber' } } } },
      { name: 'mtls-http', id: 'mtlshttp01', type: 'http', openapi: './http.json', stages: { $default: {} } },
    ],
  })
  return startGateway({ configFile: config })
}

interface Client {
  get(host: string, path: string): Promise<{ status: number; json: any }>
  close(): Promise<void>
}

function client(port: number, identity: 'client' | 'rogue' | null): Client {
  const agent = new Agent({
    connect: {
      ca: readFileSync(join(tmp.dir, 'ca.pem')),
      servername: 'localhost',
      ...(identity ? { cert: readFileSync(join(tmp.dir, `${identity}.pem`)), key: readFileSync(join(tmp.dir, `${identity}.key`)) } : {}),
    },
  })
  return {
    async get(host, path) {
      const res = await request(`https://127.0.0.1:${port}${path}`, { dispatcher: agent, headers: { host: `${host}.execute-api.localhost` } })
      const text = await res.body.text()
      return { status: res.statusCode, json: text ? JSON.parse(text) : null }
    },
    close: () => agent.close(),
  }
}

before(() => {
  tmp = tempDir('gatehouse-mtls-')
  try {
    makeCertificates()
  } catch (err) {
    opensslMissing = `openssl is needed to make test certificates: ${(err as Error).message}`
  }
})

after(() => tmp.cleanup())

test('a trusted client certificate reaches REST and HTTP API events, templates and access logs', async (t) => {
  if (opensslMissing) return t.skip(opensslMissing)
  const gw = await serve({ cert: './server.pem', key: './server.key', truststore: './ca.pem' })
  const c = client(gw.port, 'client')
  try {
    const rest = await c.get('mtlsrest01', '/dev/event')
    assert.equal(rest.status, 200)
    const cert = rest.json.identity.clientCert
    assert.equal(cert.subjectDN, 'CN=client-one,O=Example Corp,C=US')
    assert.equal(cert.issuerDN, 'CN=Test Client CA,O=Example Corp')
    assert.equal(cert.serialNumber, '0a:1b:2c:3d:4e:5f')
    assert.match(cert.validity.notBefore, /^[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \d{4} GMT$/)
    assert.match(cert.validity.notAfter, /^[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \d{4} GMT$/)
    assert.equal(cert.clientCertPem.trim(), readFileSync(join(tmp.dir, 'client.pem'), 'utf8').trim())

    const http = await c.get('mtlshttp01', '/event')
    assert.equal(http.status, 200)
    assert.deepEqual(http.json.authentication.clientCert, cert)

    const template = await c.get('mtlsrest01', '/dev/template')
    assert.deepEqual(template.json, { dn: 'CN=client-one,O=Example Corp,C=US', notAfter: cert.validity.notAfter })
    assert.ok(gw.accessLog.includes('dn=CN=client-one,O=Example Corp,C=US serial=0a:1b:2c:3d:4e:5f'), gw.accessLog.join('\n'))
  } finally {
    await c.close()
    await gw.stop()
  }
})

test('client certificates required (the default with a truststore): no certificate or an untrusted one fails the TLS handshake', async (t) => {
  if (opensslMissing) return t.skip(opensslMissing)
  const gw = await serve({ cert: './server.pem', key: './server.key', truststore: './ca.pem' })
  try {
    const trusted = client(gw.port, 'client')
    assert.equal((await trusted.get('mtlsrest01', '/dev/template')).status, 200)
    await trusted.close()
    for (const identity of [null, 'rogue'] as const) {
      const c = client(gw.port, identity)
      try {
        await assert.rejects(c.get('mtlsrest01', '/dev/template'), (err: Error) => {
          // The server's alert (certificate required / unknown CA) or the connection it closes.
          const text = `${err.message} ${String((err as { code?: string }).code)} ${String((err.cause as Error | undefined)?.message)}`
          assert.match(text, /other side closed|certificate required|unknown ca|ECONNRESET/i, text)
          return true
        })
      } finally {
        await c.close()
      }
    }
  } finally {
    await gw.stop()
  }
})

test('client certificates optional: none is admitted without clientCert, an untrusted one gets 403 Forbidden [K §7.8]', async (t) => {
  if (opensslMissing) return t.skip(opensslMissing)
  const gw = await serve({ cert: './server.pem', key: './server.key', truststore: './ca.pem', requireClientCert: false })
  const anonymous = client(gw.port, null)
  const rogue = client(gw.port, 'rogue')
  const trusted = client(gw.port, 'client')
  try {
    const none = await anonymous.get('mtlsrest01', '/dev/event')
    assert.equal(none.status, 200)
    assert.equal(none.json.identity.clientCert, undefined)
    const refused = await rogue.get('mtlsrest01', '/dev/event')
    assert.equal(refused.status, 403)
    assert.deepEqual(refused.json, { message: 'Forbidden' })
    const refusedHttp = await rogue.get('mtlshttp01', '/event')
    assert.equal(refusedHttp.status, 403)
    const ok = await trusted.get('mtlshttp01', '/event')
    assert.equal(ok.json.authentication.clientCert.subjectDN, 'CN=client-one,O=Example Corp,C=US')
  } finally {
    await Promise.all([anonymous.close(), rogue.close(), trusted.close()])
    await gw.stop()
  }
})

test('mutual TLS config problems: requireClientCert without a truststore; a truststore with no certificate', async (t) => {
  if (opensslMissing) return t.skip(opensslMissing)
  await assert.rejects(serve({ cert: './server.pem', key: './server.key', requireClientCert: true }), (err: unknown) => {
    assert.ok(err instanceof ConfigError)
    assert.deepEqual(err.problems.map((p) => p.path), ['/listeners/http/tls/requireClientCert'])
    return true
  })
  writeFile(tmp.dir, 'empty.pem', 'not a certificate\n')
  await assert.rejects(serve({ cert: './server.pem', key: './server.key', truststore: './empty.pem' }), /truststore .*empty\.pem holds no PEM certificate/)
})
