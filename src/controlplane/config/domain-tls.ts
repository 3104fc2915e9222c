// Reads the PEM text of custom domains' certificates and truststores (§1.7, §7.8): from the files the config
// file names, the ACM ARN table of the gateway settings, or the PEM text the control plane stored. The config
// loader uses it to refuse unusable files with their paths; the gateway, to hand the compiler PEM text each
// time it compiles (so a replaced certificate file is picked up by the next compile).

import { readFile } from 'node:fs/promises'
import { createSecureContext } from 'node:tls'
import { fileURLToPath } from 'node:url'
import type { CertificateFiles, DomainName, GatewaySettings } from '../../model/types.js'
import type { DomainPem } from '../../dataplane/domains.js'
import { mutualTls } from '../../dataplane/client-cert.js'
import { describeFsError } from './limits.js'

/** A PEM file read, or why not (a message naming the file). */
async function readPemFile(file: string, what: string): Promise<string | { error: string }> {
  try {
    return await readFile(file, 'utf8')
  } catch (err) {
    return { error: `cannot read the ${what} ${file}: ${describeFsError(err)}` }
  }
}

/** Reads a certificate's files: the body followed by its chain, and the key; `field` names the file that failed. */
export async function readCertificateFiles(files: CertificateFiles): Promise<{ cert: string; key: string } | { field: 'cert' | 'key' | 'chain'; error: string }> {
  const cert = await readPemFile(files.certFile, 'certificate')
  if (typeof cert !== 'string') return { field: 'cert', ...cert }
  const key = await readPemFile(files.keyFile, 'private key')
  if (typeof key !== 'string') return { field: 'key', ...key }
  let chain = ''
  if (files.chainFile !== undefined) {
    const c = await readPemFile(files.chainFile, 'certificate chain')
    if (typeof c !== 'string') return { field: 'chain', ...c }
    chain = c
  }
  return { cert: joinPem(cert, chain), key }
}

function joinPem(body: string, chain: string | undefined): string {
  if (!chain) return body
  return body.endsWith('\n') ? body + chain : `${body}\n${chain}`
}

/** Why a certificate and key cannot serve TLS (not PEM, key does not match), or null. */
export function certificateProblem(cert: string, key: string): string | null {
  try {
    createSecureContext({ cert, key })
    return null
  } catch (err) {
    return (err as Error).message
  }
}

/** The local file a truststore URI stands for (an absolute path or a file: URL), or null (`s3://…`). */
export function truststoreFile(uri: string): string | null {
  if (uri.startsWith('file:')) return fileURLToPath(uri)
  return uri.startsWith('/') ? uri : null
}

/**
 * Every domain's PEM text, by lower-case domain name. A domain whose certificate or truststore cannot be
 * read is left out and reported in `problems` (one line each); a domain with an unusable truststore is left
 * out whole, so that mutual TLS is never silently off.
 */
export async function readDomainPems(domains: readonly DomainName[], settings: GatewaySettings): Promise<{ pems: Map<string, DomainPem>; problems: string[] }> {
  const pems = new Map<string, DomainPem>()
  const problems: string[] = []
  for (const d of domains) {
    const name = d.domainName.toLowerCase()
    let pem: DomainPem | null = null
    if (d.certificatePem !== undefined) {
      pem = { cert: joinPem(d.certificatePem.body, d.certificatePem.chain), key: d.certificatePem.privateKey }
    } else {
      const files = d.certificateFiles ?? (d.certificateArn !== undefined ? settings.certificates?.[d.certificateArn] : undefined)
      if (files === undefined) {
        if (d.certificateArn !== undefined) problems.push(`domain ${name}: certificate ${d.certificateArn} is not in the certificates table`)
        continue
      }
      const read = await readCertificateFiles(files)
      if ('error' in read) {
        problems.push(`domain ${name}: ${read.error}`)
        continue
      }
      pem = read
    }
    const mtls = d.mutualTlsAuthentication
    if (mtls !== undefined) {
      let ca = mtls.truststorePem
      if (ca === undefined) {
        const file = truststoreFile(mtls.truststoreUri)
        if (file === null) {
          problems.push(`domain ${name}: the truststore ${mtls.truststoreUri} cannot be read here (give it as a file)`)
          continue
        }
        const text = await readPemFile(file, 'truststore')
        if (typeof text !== 'string') {
          problems.push(`domain ${name}: ${text.error}`)
          continue
        }
        ca = text
      }
      try {
        mutualTls(ca, mtls.truststoreUri, true)
      } catch (err) {
        problems.push(`domain ${name}: ${(err as Error).message}`)
        continue
      }
      pem.ca = ca
    }
    pems.set(name, pem)
  }
  return { pems, problems }
}
