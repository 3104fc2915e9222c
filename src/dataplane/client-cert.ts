// Mutual TLS on the data-plane listener (§7.8): the listener's TLS options from a truststore, and the
// verified client certificate of a connection in the shape AWS gives it to `$context.identity.clientCert`,
// REST proxy events (`requestContext.identity.clientCert`) and HTTP v2 events
// (`requestContext.authentication.clientCert`).

import { X509Certificate } from 'node:crypto'
import type { Socket } from 'node:net'
import type { TLSSocket } from 'node:tls'

/** A client certificate as AWS reports it. */
export interface ClientCert {
  clientCertPem: string
  subjectDN: string
  issuerDN: string
  serialNumber: string
  validity: { notBefore: string; notAfter: string }
}

/** What the TLS listener needs for mutual TLS. */
export interface MutualTlsOptions {
  /** PEM bundle of the CA certificates that may issue client certificates. */
  ca: string | Buffer
  requestCert: true
  /** true: a missing or untrusted certificate fails the handshake; false: the request gets 403 instead. */
  rejectUnauthorized: boolean
}

/**
 * Checks a truststore's text and returns the listener options. Throws an Error naming `display` when the
 * bundle holds no certificate or one that cannot be parsed.
 *
 * @example
 * createServer({ cert, key, ...mutualTls(readFileSync(path), path, true) }, handler)
 */
export function mutualTls(truststore: Buffer | string, display: string, requireClientCert: boolean): MutualTlsOptions {
  const text = truststore.toString()
  const blocks = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []
  if (blocks.length === 0) throw new Error(`the truststore ${display} holds no PEM certificate ("-----BEGIN CERTIFICATE-----")`)
  blocks.forEach((pem, i) => {
    try {
      new X509Certificate(pem)
    } catch (err) {
      throw new Error(`certificate ${i + 1} of the truststore ${display} cannot be read: ${(err as Error).message}`)
    }
  })
  return { ca: text, requestCert: true, rejectUnauthorized: requireClientCert }
}

const bySocket = new WeakMap<object, ClientCert | null>()

/**
 * The verified client certificate of a connection, or null (plain HTTP, no certificate, or one the
 * truststore does not vouch for). Computed once per connection.
 */
export function verifiedClientCert(socket: Socket): ClientCert | null {
  const tls = socket as Partial<TLSSocket>
  if (tls.encrypted !== true || tls.authorized !== true || typeof tls.getPeerCertificate !== 'function') return null
  let cert = bySocket.get(socket)
  if (cert !== undefined) return cert
  const peer = tls.getPeerCertificate(false)
  cert = peer && peer.raw ? describe(new X509Certificate(peer.raw)) : null
  bySocket.set(socket, cert)
  return cert
}

/** True when the connection presented a certificate that the truststore does not vouch for. */
export function hasUntrustedCert(socket: Socket): boolean {
  const tls = socket as Partial<TLSSocket>
  if (tls.encrypted !== true || tls.authorized === true || typeof tls.getPeerCertificate !== 'function') return false
  const peer = tls.getPeerCertificate(false)
  return Boolean(peer && peer.raw)
}

function describe(x: X509Certificate): ClientCert {
  return {
    clientCertPem: x.toString(),
    subjectDN: distinguishedName(x.subject),
    issuerDN: distinguishedName(x.issuer),
    // [K §7.8] AWS's examples show the serial as lower-case hex bytes joined by ':'.
    serialNumber: serialOf(x.serialNumber),
    validity: { notBefore: x.validFrom, notAfter: x.validTo },
  }
}

/**
 * Node gives a DN one attribute per line, most significant first (`C=US\nO=Example\nCN=client`), with RFC 2253
 * escapes already in the values; AWS reports the RFC 2253 string, least significant first and comma-separated
 * (`CN=client,O=Example,C=US`) [K §7.8].
 */
function distinguishedName(lines: string): string {
  return lines
    .split('\n')
    .filter((l) => l !== '')
    .reverse()
    .join(',')
}

function serialOf(hex: string): string {
  const even = hex.length % 2 === 1 ? '0' + hex : hex
  return (even.toLowerCase().match(/../g) ?? []).join(':')
}
