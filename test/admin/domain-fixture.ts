// Shared fixtures for the custom domain tests: certificates made by openssl in a temp dir (a certificate for
// api.example.com and *.example.com with its key, an unrelated key, a CA bundle for mutual TLS), and ACM ARNs
// mapped to those files in the gateway's settings document, as the config file's `certificates:` does; and a
// test CA issuing server certificates for named domains (the end-to-end tests' clients verify them), and a
// TLS handshake that reports the certificate served.

import { execFileSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { X509Certificate } from 'node:crypto'
import { join } from 'node:path'
import { connect } from 'node:tls'
import type { GatewaySettings } from '../../src/model/types.js'
import type { TestGateway } from '../helpers.js'

export const MAPPED_ARN = 'arn:aws:acm:us-east-1:000000000000:certificate/11111111-2222-3333-4444-555555555555'
export const OTHER_MAPPED_ARN = 'arn:aws:acm:us-east-1:000000000000:certificate/66666666-7777-8888-9999-000000000000'
export const UNMAPPED_ARN = 'arn:aws:acm:us-east-1:000000000000:certificate/deadbeef-0000-0000-0000-000000000000'

export interface Certs {
  /** PEM of a certificate for api.example.com and *.example.com. */
  cert: string
  key: string
  /** A key that is not the certificate's. */
  otherKey: string
  /** A CA certificate bundle (the mutual TLS truststore), and its path. */
  ca: string
  caPath: string
  certPath: string
  keyPath: string
}

/** Makes the certificates in `dir` (EC P-256 keys: quick). */
export function makeCerts(dir: string): Certs {
  const openssl = (...args: string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' })
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']
  openssl('req', '-x509', ...ec, '-keyout', 'site.key', '-out', 'site.pem', '-days', '2', '-subj', '/CN=api.example.com', '-addext', 'subjectAltName=DNS:api.example.com,DNS:*.example.com')
  openssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/O=Example Corp/CN=Test Client CA')
  openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', 'other.key')
  const read = (name: string): string => readFileSync(join(dir, name), 'utf8')
  return { cert: read('site.pem'), key: read('site.key'), otherKey: read('other.key'), ca: read('ca.pem'), caPath: join(dir, 'ca.pem'), certPath: join(dir, 'site.pem'), keyPath: join(dir, 'site.key') }
}

/** Maps MAPPED_ARN and OTHER_MAPPED_ARN to the certificate files in the gateway's settings document. */
export async function mapCertificates(gw: TestGateway, certs: Certs): Promise<void> {
  const store = gw.gateway.store!
  const current = await store.get<GatewaySettings>('settings', 'gateway')
  const files = { certFile: certs.certPath, keyFile: certs.keyPath }
  const value: GatewaySettings = { ...(current?.value ?? {}), certificates: { [MAPPED_ARN]: files, [OTHER_MAPPED_ARN]: files } }
  await store.apply([{ op: 'put', kind: 'settings', id: 'gateway', value, origin: 'file', expectRevision: current?.revision ?? 0 }])
}

/** A test CA and the server certificates it issued, as files in one folder. */
export interface IssuedCertificates {
  dir: string
  /** The CA certificate (PEM), for clients that verify the server. */
  ca: string
  /** The PEM text of `{stem}.pem` (a certificate) or `{stem}.key`. */
  pem(stem: string): string
  key(stem: string): string
  /** The SHA-256 fingerprint of `{stem}.pem`, as `getPeerX509Certificate().fingerprint256` shows it. */
  fingerprint(stem: string): string
}

/**
 * Makes a CA (`ca.pem`) and, for each `stem → DNS name`, a server certificate it issues (`{stem}.pem`,
 * `{stem}.key`; EC P-256, for speed), so that a client trusting the CA verifies the name as a browser would.
 * Throws when openssl is missing (callers skip with the message).
 */
export function issueCertificates(dir: string, names: Record<string, string>): IssuedCertificates {
  const openssl = (...args: string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' })
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']
  openssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=Gatehouse Test CA')
  let serial = 0x100
  for (const [stem, dns] of Object.entries(names)) {
    writeFileSync(join(dir, `${stem}.ext`), `subjectAltName=DNS:${dns}\n`)
    openssl('req', ...ec, '-keyout', `${stem}.key`, '-out', `${stem}.csr`, '-subj', `/CN=${dns}`)
    openssl('x509', '-req', '-in', `${stem}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-set_serial', String(serial++), '-out', `${stem}.pem`, '-days', '2', '-extfile', `${stem}.ext`)
  }
  const read = (name: string): string => readFileSync(join(dir, name), 'utf8')
  return { dir, ca: read('ca.pem'), pem: (stem) => read(`${stem}.pem`), key: (stem) => read(`${stem}.key`), fingerprint: (stem) => new X509Certificate(read(`${stem}.pem`)).fingerprint256 }
}

/** What a handshake got: the certificate's subject CN and SHA-256 fingerprint and the protocol, or the error. */
export type Handshake = { cn: string; fingerprint: string; protocol: string | null } | { error: string }

/**
 * One TLS handshake with a listener on 127.0.0.1, naming `servername` by SNI (or none), not verifying the
 * certificate; `extra` adds connection options (versions, ciphers).
 */
export function handshake(port: number, servername: string | null, extra: Record<string, unknown> = {}): Promise<Handshake> {
  return new Promise((resolve) => {
    const s = connect({ port, host: '127.0.0.1', rejectUnauthorized: false, ...(servername !== null ? { servername } : {}), ...extra }, () => {
      const peer = s.getPeerX509Certificate()
      const out = { cn: peer ? peer.subject.replace(/^CN=/, '') : '', fingerprint: peer?.fingerprint256 ?? '', protocol: s.getProtocol() }
      s.end()
      resolve(out)
    })
    s.on('error', (err: NodeJS.ErrnoException) => resolve({ error: `${err.code ?? ''} ${err.message}` }))
    s.on('close', () => resolve({ error: 'closed' }))
  })
}
