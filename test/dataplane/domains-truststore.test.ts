// A domain's secure context never trusts the public roots for client certificates: without a truststore of
// its own (none declared, or its file gone after a restart) a client certificate from a publicly trusted CA
// must not verify, or a mutual-TLS domain would admit it. The public roots are stood in for by a test CA
// given to a child process through NODE_EXTRA_CA_CERTS, which Node adds to its default root store.

import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

const script = (moduleUrl: string) => `
import { createServer, connect } from 'node:tls'
import { readFileSync } from 'node:fs'
const { compileTlsTable } = await import(${JSON.stringify(moduleUrl)})
const [dir, withTruststore] = process.argv.slice(1)
const read = (f) => readFileSync(dir + '/' + f, 'utf8')
const domain = { name: 'api.example.com', securityPolicy: 'TLS_1_2', mutualTls: true, mappings: [] }
const pem = { cert: read('site.pem'), key: read('site.key'), ...(withTruststore === 'yes' ? { ca: read('ca.pem') } : {}) }
const table = compileTlsTable([domain], new Map([[domain.name, pem]]), (m) => { throw new Error(m) })
const server = createServer({ ...table.defaultOptions, requestCert: true, rejectUnauthorized: false, SNICallback: (n, cb) => cb(null, table.find(n).context) }, (s) => {
  process.stdout.write(JSON.stringify({ authorized: s.authorized }))
  s.end()
})
server.listen(0, '127.0.0.1', () => {
  const c = connect({ port: server.address().port, host: '127.0.0.1', servername: 'api.example.com', rejectUnauthorized: false, cert: read('client.pem'), key: read('client.key') })
  c.on('data', () => {})
  c.on('close', () => server.close())
  c.on('error', () => {})
})
`

function run(dir: string, withTruststore: boolean): Promise<{ authorized: boolean }> {
  const moduleUrl = pathToFileURL(join(process.cwd(), 'src/dataplane/domains.ts')).href
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script(moduleUrl), dir, withTruststore ? 'yes' : 'no'], {
    env: { ...process.env, NODE_EXTRA_CA_CERTS: join(dir, 'ca.pem') },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  let out = ''
  child.stdout.on('data', (d: Buffer) => (out += d))
  return new Promise((resolve, reject) => child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`child exited ${code}`)))))
}

describe('domain truststores (§7.8)', () => {
  it('a client certificate from a CA in the public root store does not verify on a domain without its own truststore; it does with one', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'gh-truststore-'))
    t.after(() => rmSync(dir, { recursive: true, force: true }))
    const openssl = (...args: string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' })
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']
    try {
      openssl('req', '-x509', ...ec, '-keyout', 'site.key', '-out', 'site.pem', '-days', '2', '-subj', '/CN=api.example.com')
      openssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=Publicly Trusted CA')
      openssl('req', ...ec, '-keyout', 'client.key', '-out', 'client.csr', '-subj', '/CN=client')
      openssl('x509', '-req', '-in', 'client.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-set_serial', '7', '-out', 'client.pem', '-days', '2')
    } catch (err) {
      t.skip(`openssl is not available: ${(err as Error).message}`)
      return
    }
    assert.ok(readFileSync(join(dir, 'client.pem'), 'utf8').includes('BEGIN CERTIFICATE'))
    assert.deepEqual(await run(dir, false), { authorized: false }, 'no truststore: the public roots must not vouch for the client')
    assert.deepEqual(await run(dir, true), { authorized: true }, 'the domain’s own truststore verifies the same client')
  })
})
