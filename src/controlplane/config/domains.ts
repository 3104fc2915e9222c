// The config file's `domains` and `certificates` (§1.7, §7.8, §14.3): custom domain names checked against the
// APIs and stages the same configuration declares, their certificate and truststore files read and tried,
// and turned into DomainName documents (id = the lower-case name) with mappings resolved to API ids.

import { resolve } from 'node:path'
import type { ConfigProblem } from '../../errors.js'
import type { CertificateFiles, DomainName, Stage } from '../../model/types.js'
import { stableId } from '../../model/ids.js'
import type { CertificateDecl, DomainDecl } from './config-file.js'
import { isRecord } from './config-file.js'
import { checkSchema, pointerSegment } from './schema-check.js'
import { domainDeclarationSchema } from '../../model/schemas.js'
import { resolveApi } from './usage-plans.js'
import { certificateProblem, readCertificateFiles } from './domain-tls.js'
import { readFile } from 'node:fs/promises'
import { mutualTls } from '../../dataplane/client-cert.js'
import { describeFsError } from './limits.js'

export interface DomainsInput {
  domains: unknown
  certificates: unknown
  apis: ReadonlyArray<{ id: string; name: string; kind: 'REST' | 'HTTP' }>
  stages: readonly Stage[]
  file: string | undefined
  /** Where relative file names resolve (the config file's directory). */
  dir: string
  now: string
  /**
   * Domains a `--template` declares, checked as the config file's are, their problems pointing into the template
   * through `origins` (per domain: a pointer inside the declaration → the template's pointer; the longest prefix
   * wins). A template names its certificate by ACM ARN only: one missing from `certificates:` is a warning, and
   * the domain is served by `Host` on the HTTP listeners without a certificate.
   */
  template?: { file: string; dir: string; decls: readonly DomainDecl[]; origins: ReadonlyArray<Readonly<Record<string, string>>> }
}

export interface DomainsResult {
  domains: DomainName[]
  /** `certificates:` as GatewaySettings.certificates (absolute paths); absent when the file has none. */
  certificates?: Record<string, CertificateFiles>
  problems: ConfigProblem[]
  warnings: ConfigProblem[]
  /** Every certificate, key, chain and truststore file named, for watching (missing ones included). */
  files: string[]
}

const ACM_ARN = /^arn:aws[\w-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[A-Za-z0-9-]+$/

/** The store id of a mapping: stable for a domain and base path. */
export function apiMappingIdFor(domainName: string, basePath: string): string {
  return stableId(`mapping:${domainName}:${basePath}`, 6)
}

/** Builds the declared domains, reporting every problem with its path. */
export async function buildDomains(input: DomainsInput): Promise<DomainsResult> {
  const problems: ConfigProblem[] = []
  const warnings: ConfigProblem[] = []
  const files: string[] = []
  const problem = (path: string, message: string): void => {
    problems.push(input.file === undefined ? { path, message } : { file: input.file, path, message })
  }
  const filesOf = (decl: CertificateDecl, dir = input.dir): CertificateFiles => {
    const f: CertificateFiles = { certFile: resolve(dir, decl.cert), keyFile: resolve(dir, decl.key) }
    if (typeof decl.chain === 'string') f.chainFile = resolve(dir, decl.chain)
    files.push(f.certFile, f.keyFile, ...(f.chainFile !== undefined ? [f.chainFile] : []))
    return f
  }
  /** Reads and tries a certificate; reports at `at` (+ `/cert`, `/key`, `/chain`). */
  const tryCertificate = async (f: CertificateFiles, at: string, report = problem): Promise<void> => {
    const read = await readCertificateFiles(f)
    if ('error' in read) return report(`${at}/${read.field}`, read.error)
    const why = certificateProblem(read.cert, read.key)
    if (why !== null) report(`${at}/cert`, `the certificate ${f.certFile} and key ${f.keyFile} cannot serve TLS: ${why}`)
  }

  let certificates: Record<string, CertificateFiles> | undefined
  if (isRecord(input.certificates)) {
    certificates = {}
    for (const [arn, decl] of Object.entries(input.certificates)) {
      const at = `/certificates/${pointerSegment(arn)}`
      if (!ACM_ARN.test(arn)) problem(at, `"${arn}" is not an ACM certificate ARN (arn:aws:acm:REGION:ACCOUNT:certificate/ID)`)
      if (!isRecord(decl) || typeof decl.cert !== 'string' || typeof decl.key !== 'string') continue
      const f = filesOf(decl as unknown as CertificateDecl)
      certificates[arn] = f
      await tryCertificate(f, at)
    }
  }

  const domains: DomainName[] = []
  const seen = new Map<string, string>()
  const entries: DomainEntry[] = []
  for (const [i, raw] of (Array.isArray(input.domains) ? input.domains : []).entries()) {
    // Ill-typed entries were reported by the schema check.
    if (!isRecord(raw) || typeof raw.domainName !== 'string') continue
    entries.push({ decl: raw as unknown as DomainDecl, dir: input.dir, shown: `/domains/${i}`, report: (suffix, message) => problem(`/domains/${i}${suffix}`, message) })
  }
  const tpl = input.template
  for (const [i, decl] of (tpl?.decls ?? []).entries()) {
    const origins = tpl!.origins[i] ?? {}
    const where = (suffix: string): string => originOf(origins, suffix)
    const report = (suffix: string, message: string): void => void problems.push({ file: tpl!.file, path: where(suffix), message })
    const before = problems.length
    for (const p of checkSchema(domainDeclarationSchema, decl)) report(p.path, p.message)
    if (problems.length > before) continue
    entries.push({ decl, dir: tpl!.dir, shown: `${tpl!.file} ${where('')}`, report, warn: (suffix, message) => void warnings.push({ file: tpl!.file, path: where(suffix), message }) })
  }
  for (const { decl, dir, shown: here, report, warn } of entries) {
    const name = decl.domainName.toLowerCase()
    const first = seen.get(name)
    if (first !== undefined) {
      report('/domainName', `domain ${name} is already declared at ${first}`)
      continue
    }
    seen.set(name, here)
    const securityPolicy = decl.securityPolicy ?? 'TLS_1_2'
    const domain: DomainName = {
      domainName: name,
      securityPolicy,
      endpointType: decl.endpointType ?? 'REGIONAL',
      mappings: [],
      tags: isRecord(decl.tags) ? { ...(decl.tags as Record<string, string>) } : {},
      createdDate: input.now,
    }

    const hasFiles = isRecord(decl.certificate)
    if (warn !== undefined) {
      // A template's domain: its certificate is an ACM ARN, which only the config's certificates: can stand for.
      const arn = decl.certificateArn
      if (arn !== undefined && certificates?.[arn] !== undefined) domain.certificateArn = arn
      else {
        const why = arn === undefined ? 'it names no certificate' : `certificate ${arn} is not listed under certificates: of a --config file (the ARN → the PEM files that stand for it here)`
        warn(arn === undefined ? '' : '/certificateArn', `${why}: ${name} is served by Host on the HTTP listener only, not over HTTPS`)
      }
    } else {
      if (hasFiles && typeof decl.certificateArn === 'string') report('/certificateArn', 'give the certificate as certificate: {cert, key} or as certificateArn:, not both')
      else if (!hasFiles && typeof decl.certificateArn !== 'string') report('', 'a domain needs a certificate: certificate: {cert: FILE, key: FILE} or certificateArn: an ARN listed under certificates:')
      if (hasFiles && typeof decl.certificate!.cert === 'string' && typeof decl.certificate!.key === 'string') {
        domain.certificateFiles = filesOf(decl.certificate!, dir)
        await tryCertificate(domain.certificateFiles, '/certificate', report)
      } else if (typeof decl.certificateArn === 'string') {
        domain.certificateArn = decl.certificateArn
        if (certificates?.[decl.certificateArn] === undefined) report('/certificateArn', `certificate ${decl.certificateArn} is not listed under certificates: (the ARN → the PEM files that stand for it here)`)
      }
    }

    if (isRecord(decl.mutualTls) && typeof decl.mutualTls.truststore === 'string') {
      const file = resolve(dir, decl.mutualTls.truststore)
      files.push(file)
      domain.mutualTlsAuthentication = { truststoreUri: file }
      try {
        mutualTls(await readFile(file, 'utf8'), file, true)
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code
        report('/mutualTls/truststore', code !== undefined ? `cannot read the truststore ${file}: ${describeFsError(err)}` : (err as Error).message)
      }
      if (securityPolicy !== 'TLS_1_2') report('/securityPolicy', 'mutual TLS needs securityPolicy TLS_1_2 (§7.8)')
    }

    const byPath = new Map<string, number>()
    for (const [j, m] of (Array.isArray(decl.mappings) ? decl.mappings : []).entries()) {
      if (!isRecord(m) || typeof m.api !== 'string') continue
      const mat = `/mappings/${j}`
      const basePath = m.basePath === undefined || m.basePath === '(none)' ? '' : m.basePath
      if (typeof basePath !== 'string') continue
      const shown = basePath === '' ? '(none)' : basePath
      const other = byPath.get(basePath)
      if (other !== undefined) {
        report(`${mat}/basePath`, `base path ${shown} is already mapped` + (warn === undefined ? ` at ${here}/mappings/${other}` : ` on ${name}`))
        continue
      }
      byPath.set(basePath, j)
      const apiId = resolveApi(m.api, input.apis, (message) => report(`${mat}/api`, message))
      if (apiId === undefined) continue
      const api = input.apis.find((a) => a.id === apiId)!
      if (basePath.includes('/') && securityPolicy !== 'TLS_1_2') report(`${mat}/basePath`, `multi-level base paths (${basePath}) need securityPolicy TLS_1_2 (§1.7)`)
      if (api.kind === 'HTTP' && securityPolicy !== 'TLS_1_2') report(`${mat}/api`, `HTTP APIs can be mapped only on domains with securityPolicy TLS_1_2 (§14.3)`)
      if (typeof m.stage === 'string') {
        if (!input.stages.some((s) => s.apiId === apiId && s.stageName === m.stage)) {
          const names = input.stages.filter((s) => s.apiId === apiId).map((s) => s.stageName)
          report(`${mat}/stage`, `API "${m.api}" has no stage "${m.stage}"` + (names.length ? `; its stages are: ${names.join(', ')}` : ''))
          continue
        }
      } else if (api.kind === 'HTTP') {
        report(mat, `HTTP API "${m.api}" is mapped without a stage: API mappings name one (stage: $default or a stage name)`)
        continue
      }
      domain.mappings.push({ id: apiMappingIdFor(name, basePath), basePath, apiId, ...(typeof m.stage === 'string' ? { stage: m.stage } : {}) })
    }
    domains.push(domain)
  }
  return { domains, ...(certificates !== undefined ? { certificates } : {}), problems, warnings, files }
}

/** One domain to build: the config file's or a template's, with how its problems are reported. */
interface DomainEntry {
  decl: DomainDecl
  /** Where its relative file names resolve. */
  dir: string
  /** Where it is declared, as a duplicate's problem names it. */
  shown: string
  /** A problem at a pointer inside the declaration. */
  report: (suffix: string, message: string) => void
  /** Set for a template's domain (a missing certificate is a warning there). */
  warn?: (suffix: string, message: string) => void
}

/** The template pointer of a pointer inside a domain's declaration: that of its longest known prefix. */
function originOf(origins: Readonly<Record<string, string>>, suffix: string): string {
  for (let p = suffix; ; p = p.slice(0, p.lastIndexOf('/'))) {
    const o = origins[p]
    if (o !== undefined) return o
    if (p === '') return ''
  }
}
