// Reads the PEM text of custom domains' certificates and truststores (§1.7, §7.8): from the files the config
// file names, the ACM ARN table of the gateway settings, or the PEM text the control plane stored. The config
// loader uses it to refuse unusable files with their paths; the gateway, to hand the compiler PEM text each
// time it compiles (so a replaced certificate file is picked up by the next compile), through
// `DomainCertificates`, which keeps each domain's last good certificate for when its files cannot be used.

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

/** A domain whose certificate or truststore could not be used by a compile. */
export interface DomainPemProblem {
  /** The lower-case domain name. */
  domain: string
  /** Why, naming the file or ARN (`domain api.example.com: cannot read the certificate /…/api.pem: no such file`). */
  message: string
}

/**
 * Every domain's PEM text, by lower-case domain name. A domain whose certificate or truststore cannot be
 * read is left out and reported in `problems` (one each); a domain with an unusable truststore is left
 * out whole, so that mutual TLS is never silently off.
 */
export async function readDomainPems(domains: readonly DomainName[], settings: GatewaySettings): Promise<{ pems: Map<string, DomainPem>; problems: DomainPemProblem[] }> {
  const pems = new Map<string, DomainPem>()
  const problems: DomainPemProblem[] = []
  for (const d of domains) {
    const name = d.domainName.toLowerCase()
    const problem = (message: string): void => void problems.push({ domain: name, message: `domain ${name}: ${message}` })
    let pem: DomainPem | null = null
    if (d.certificatePem !== undefined) {
      pem = { cert: joinPem(d.certificatePem.body, d.certificatePem.chain), key: d.certificatePem.privateKey }
    } else {
      const files = d.certificateFiles ?? (d.certificateArn !== undefined ? settings.certificates?.[d.certificateArn] : undefined)
      if (files === undefined) {
        if (d.certificateArn !== undefined) problem(`certificate ${d.certificateArn} is not in the certificates table`)
        continue
      }
      const read = await readCertificateFiles(files)
      if ('error' in read) {
        problem(read.error)
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
          problem(`the truststore ${mtls.truststoreUri} cannot be read here (give it as a file)`)
          continue
        }
        const text = await readPemFile(file, 'truststore')
        if (typeof text !== 'string') {
          problem(text.error)
          continue
        }
        ca = text
      }
      try {
        mutualTls(ca, mtls.truststoreUri, true)
      } catch (err) {
        problem((err as Error).message)
        continue
      }
      pem.ca = ca
    }
    pems.set(name, pem)
  }
  return { pems, problems }
}

/** A domain's certificate problem, and whether the domain keeps serving its last good certificate. */
export interface KeptCertificate extends DomainPemProblem {
  /** True: the last certificate it served well is kept; false: it never had one (clients naming it get the default). */
  kept: boolean
}

/**
 * Reads the domains' PEM text for each compile and remembers, per domain, the last certificate (and
 * truststore) that could serve TLS. When a compile finds a domain's files unreadable (deleted, moved), its
 * ARN gone from `certificates:`, or a certificate and key that cannot serve TLS, the domain keeps its last
 * good certificate instead of falling back to the default one (docs/custom-domains.md). A domain removed
 * from the configuration is forgotten, so that a new domain of the same name starts afresh.
 */
export class DomainCertificates {
  readonly #lastGood = new Map<string, DomainPem>()

  async read(domains: readonly DomainName[], settings: GatewaySettings): Promise<{ pems: Map<string, DomainPem>; problems: KeptCertificate[] }> {
    const { pems, problems: unread } = await readDomainPems(domains, settings)
    const problems: KeptCertificate[] = []
    const keep = (p: DomainPemProblem): void => {
      const last = this.#lastGood.get(p.domain)
      if (last !== undefined) pems.set(p.domain, last)
      problems.push({ ...p, kept: last !== undefined })
    }
    for (const p of unread) keep(p)
    for (const [name, pem] of pems) {
      const last = this.#lastGood.get(name)
      if (last === pem || (last !== undefined && last.cert === pem.cert && last.key === pem.key && last.ca === pem.ca)) continue
      // New text (a replaced file, an updated domain): check that it can serve before it replaces the last good one.
      const why = certificateProblem(pem.cert, pem.key)
      if (why === null) {
        this.#lastGood.set(name, pem)
        continue
      }
      pems.delete(name)
      keep({ domain: name, message: `domain ${name}: its certificate and key cannot serve TLS: ${why}` })
    }
    const present = new Set(domains.map((d) => d.domainName.toLowerCase()))
    for (const name of this.#lastGood.keys()) if (!present.has(name)) this.#lastGood.delete(name)
    return { pems, problems }
  }
}
