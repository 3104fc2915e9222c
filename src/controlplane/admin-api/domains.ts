// Custom domain names (§1.7) as both control planes see them: one namespace of `domain` documents (id = the
// lower-cased name) whose `mappings` list holds REST base path mappings and apigatewayv2 API mappings alike.
// The rules the two share live here: domain name and base path syntax, certificates (an ACM ARN the operator
// mapped to PEM files in `GatewaySettings.certificates`, or PEM text checked to parse), the mTLS truststore
// (read from a file:// URI or an absolute path), a mapping's target, and the mappings that keep an API or a
// stage from being deleted. Also the AWS JSON of a domain for each control plane.

import { BASE_PATH_PATTERN, DOMAIN_NAME_PATTERN } from '../../model/schemas.js'
import { X509Certificate, createPrivateKey } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { isAbsolute } from 'node:path'
import { fileURLToPath } from 'node:url'
import { stableId } from '../../model/ids.js'
import type { Api, ApiMapping, DomainName, GatewaySettings, Stage } from '../../model/types.js'
import type { ChangeOp, ConfigStore, StoredDoc } from '../../store/port/ports.js'
import { mutualTls } from '../../dataplane/client-cert.js'
import { stageDocId } from '../config/store-plan.js'
import type { HandlerContext } from './context.js'
import { AdminApiError, badRequest, conflict, epochSeconds, notFound } from './http.js'
import { putOp, touchOp } from './writes.js'

export const DOMAIN_NOT_FOUND = 'Invalid domain name identifier specified'
export const MAPPING_NOT_FOUND = 'Invalid base path mapping identifier specified'
/** Recorded (ConflictException) for a second mapping at one base path. */
export const BASE_PATH_TAKEN = 'Base path already exists for this domain name'
export const SECURITY_POLICIES = ['TLS_1_0', 'TLS_1_2'] as const

/** Route 53 hosted zones of API Gateway's regional endpoints (for `regionalHostedZoneId`); CloudFront's for edge. */
const REGIONAL_ZONES: Record<string, string> = {
  'us-east-1': 'Z1UJRXOUMOOFQ8',
  'us-east-2': 'ZOJJZC49E0EPZ',
  'us-west-2': 'Z2OJLYMUO9EFXC',
  'eu-west-1': 'ZLY8HYME6SFDD',
  'eu-central-1': 'Z1U9ULNL0V5AJ3',
}
const CLOUDFRONT_ZONE = 'Z2FDTNDATAQYW2'

export function domainNotFound(): AdminApiError {
  return notFound(DOMAIN_NOT_FOUND)
}

/** The stored domain a path names (any case), or AWS's 404. */
export async function readDomain(store: ConfigStore, name: string): Promise<StoredDoc<DomainName>> {
  const doc = await store.get<DomainName>('domain', name.toLowerCase())
  if (!doc) throw domainNotFound()
  return doc
}

/** Writes a new domain (CreateDomainName of either control plane), or AWS's 409 when the name is taken. */
export async function putNewDomain(ctx: HandlerContext, d: DomainName): Promise<void> {
  await ctx.writer.write(async (store) => {
    if (await store.get('domain', d.domainName)) throw conflict('The domain name you provided already exists.')
    checkDomainRules(d)
    return { ops: [putOp('domain', d.domainName, d, undefined)], result: undefined }
  })
}

/**
 * Changes a domain: `change` edits a copy and returns the answer, with ops for the same batch (the touch of a
 * mapping's target); the domain's rules are checked and the copy written in one batch that fails on a
 * concurrent change (then everything is read and done again). The domain becomes the admin's.
 */
export async function changeDomain<T>(ctx: HandlerContext, name: string, change: (d: DomainName, store: ConfigStore) => Promise<{ result: T; extra?: ChangeOp[] }>): Promise<T> {
  const { result } = await ctx.writer.write(async (store) => {
    const doc = await readDomain(store, name)
    const d = structuredClone(doc.value)
    const { result, extra = [] } = await change(d, store)
    checkDomainRules(d)
    return { ops: [putOp('domain', doc.id, d, doc), ...extra], result }
  })
  return result
}

/** Domains by name. */
export async function listDomains(store: ConfigStore): Promise<DomainName[]> {
  return (await store.list<DomainName>('domain')).map((d) => d.value).sort((a, b) => (a.domainName < b.domainName ? -1 : 1))
}

/** A domain name as CreateDomainName takes it: DNS labels, an optional leading `*.` (one wildcard label). */
export function checkDomainName(raw: string | undefined): string {
  if (raw === undefined || raw === '') throw badRequest('Domain name is required: give domainName, e.g. api.example.com')
  const name = raw.toLowerCase().replace(/\.$/, '')
  const ok = name.length <= 253 && DOMAIN_NAME.test(name)
  if (!ok) throw badRequest(`Invalid domain name specified: ${raw}. Write DNS labels of letters, digits and '-' separated by '.', e.g. api.example.com, or *.example.com for a wildcard`)
  return name
}

export function checkSecurityPolicy(raw: string | undefined, fallback: DomainName['securityPolicy']): DomainName['securityPolicy'] {
  if (raw === undefined || raw === '') return fallback
  const p = raw.toUpperCase()
  if (!(SECURITY_POLICIES as readonly string[]).includes(p)) throw badRequest(`Invalid security policy specified: ${raw}. Valid options are ${SECURITY_POLICIES.join(',')}`)
  return p as DomainName['securityPolicy']
}

export function checkEndpointType(raw: string, fallback: DomainName['endpointType']): DomainName['endpointType'] {
  const t = raw === '' ? fallback : raw.toUpperCase()
  if (t === 'PRIVATE') throw badRequest('PRIVATE custom domain names are not supported by this gateway; use REGIONAL or EDGE')
  if (t !== 'REGIONAL' && t !== 'EDGE') throw badRequest('Invalid EndpointTypes specified. Valid options are REGIONAL,EDGE,PRIVATE')
  return t
}

/** What a domain's certificate is, as a request gives it. */
export interface CertificateInput {
  arn?: string | undefined
  name?: string | undefined
  body?: string | undefined
  privateKey?: string | undefined
  chain?: string | undefined
}

/** The certificate members of a stored domain. */
export type DomainCertificate = Pick<DomainName, 'certificateArn' | 'certificateName' | 'certificatePem'>

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g

/** Whether `cert` is good for `domain` (a wildcard domain: any one label under it). */
function covers(cert: X509Certificate, domain: string): boolean {
  const host = domain.startsWith('*.') ? `wildcard-check.${domain.slice(2)}` : domain
  return cert.checkHost(host) !== undefined
}

/**
 * Checks a certificate given as PEM text: the body is an X.509 certificate for `domain`, the private key
 * parses and belongs to it, the chain holds certificates. Never echoes the key.
 */
function checkPem(domain: string, input: CertificateInput): NonNullable<DomainName['certificatePem']> {
  const { body, privateKey, chain } = input
  if (!body || !privateKey) throw badRequest('A certificate given as PEM needs both certificateBody and certificatePrivateKey')
  let cert: X509Certificate
  try {
    cert = new X509Certificate(body)
  } catch (err) {
    throw badRequest(`certificateBody is not a PEM certificate ("-----BEGIN CERTIFICATE-----"): ${(err as Error).message}`)
  }
  let key
  try {
    key = createPrivateKey(privateKey)
  } catch {
    throw badRequest('certificatePrivateKey is not a PEM private key ("-----BEGIN PRIVATE KEY-----", unencrypted)')
  }
  if (!cert.checkPrivateKey(key)) throw badRequest("certificatePrivateKey does not match certificateBody: the key is not the certificate's private key")
  if (!covers(cert, domain)) throw badRequest(`The certificate does not cover ${domain} (its subject is ${cert.subject.replace(/\n/g, ', ')}${cert.subjectAltName ? `; ${cert.subjectAltName}` : ''})`)
  if (Date.parse(cert.validTo) < Date.now()) throw badRequest(`The certificate expired on ${cert.validTo}`)
  const out: NonNullable<DomainName['certificatePem']> = { body, privateKey }
  if (chain) {
    const blocks = chain.match(PEM_CERT) ?? []
    if (blocks.length === 0) throw badRequest('certificateChain holds no PEM certificate ("-----BEGIN CERTIFICATE-----")')
    blocks.forEach((pem, i) => {
      try {
        new X509Certificate(pem)
      } catch (err) {
        throw badRequest(`certificate ${i + 1} of certificateChain cannot be read: ${(err as Error).message}`)
      }
    })
    out.chain = chain
  }
  return out
}

/**
 * The certificate of a domain from an ACM ARN (which the operator must have mapped to PEM files in the config
 * file's `certificates:`; the settings document) or, in apigateway (`pem`), from PEM text. `what` names the
 * ARN member in messages.
 */
export async function resolveCertificate(store: ConfigStore, domain: string, input: CertificateInput, what: string, pem = true): Promise<DomainCertificate> {
  const out: DomainCertificate = {}
  const orPem = pem ? ' or certificateBody and certificatePrivateKey' : ''
  if (input.name) out.certificateName = input.name
  if (input.arn) {
    if (input.body || input.privateKey) throw badRequest(`Give the certificate either as ${what} or as certificateBody and certificatePrivateKey, not both`)
    const settings = await store.get<GatewaySettings>('settings', 'gateway')
    if (!settings?.value.certificates?.[input.arn]) {
      throw badRequest(
        `Certificate ${input.arn} is not known to this gateway: there is no ACM here, so map the ARN to PEM files in the config file ` +
          `(certificates: {"${input.arn}": {cert: FILE, key: FILE, chain: FILE}})${pem ? ', or send the certificate itself as certificateBody and certificatePrivateKey' : ''}`,
      )
    }
    out.certificateArn = input.arn
    return out
  }
  if (input.body || input.privateKey || input.chain) {
    out.certificatePem = checkPem(domain, input)
    return out
  }
  throw badRequest(`A certificate is required: give ${what} (an ARN mapped to PEM files in the config file's certificates:)${orPem}`)
}

/**
 * The mutual TLS settings of a domain: AWS reads the truststore from S3; here it is a PEM bundle on the
 * gateway's host, named by a file:// URI or an absolute path, read and checked now (and kept in the document).
 */
export async function readTruststore(uri: string | undefined, version: string | undefined): Promise<NonNullable<DomainName['mutualTlsAuthentication']>> {
  if (!uri) throw badRequest('truststoreUri is required for mutual TLS: a file:// URI or an absolute path of a PEM bundle of CA certificates')
  if (/^s3:\/\//i.test(uri)) throw badRequest(`Cannot read the truststore ${uri}: this gateway has no S3. Put the PEM bundle on the gateway's host and give it as a file:// URI or an absolute path`)
  let path: string
  try {
    path = uri.startsWith('file://') ? fileURLToPath(uri) : uri
  } catch (err) {
    throw badRequest(`Invalid truststoreUri ${uri}: ${(err as Error).message}`)
  }
  if (!isAbsolute(path)) throw badRequest(`Invalid truststoreUri ${uri}: give a file:// URI or an absolute path of a PEM bundle on the gateway's host`)
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    throw badRequest(`Cannot read the truststore ${uri}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
  }
  try {
    mutualTls(text, uri, true)
  } catch (err) {
    throw badRequest(`Invalid truststore: ${(err as Error).message}`)
  }
  const out: NonNullable<DomainName['mutualTlsAuthentication']> = { truststoreUri: uri, truststorePem: text }
  if (version) out.truststoreVersion = version
  return out
}

/** AWS's rules that tie a domain's settings together (§7.8, §14.3). */
export function checkDomainRules(d: DomainName): void {
  if (d.mutualTlsAuthentication && d.endpointType !== 'REGIONAL') throw badRequest('Mutual TLS authentication is only supported on REGIONAL custom domain names')
  if (d.mutualTlsAuthentication && d.securityPolicy !== 'TLS_1_2') throw badRequest('Mutual TLS authentication requires the TLS_1_2 security policy')
  const multi = d.mappings.find((m) => m.basePath.includes('/'))
  if (multi && (d.endpointType !== 'REGIONAL' || d.securityPolicy !== 'TLS_1_2')) {
    throw badRequest(`Multi-level base paths (${multi.basePath}) are only supported on REGIONAL custom domain names with the TLS_1_2 security policy`)
  }
}

/** AWS's characters of a base path / API mapping key segment (§1.7): the config file's schema's pattern ('(none)' is handled before). */
const BASE_PATH = new RegExp(BASE_PATH_PATTERN)
/** DNS labels with an optional leading `*.`, as the config file's schema has them. */
const DOMAIN_NAME = new RegExp(DOMAIN_NAME_PATTERN)

/**
 * A base path as a request gives it, stored form: '' for the root (`(none)`, empty or absent), else segments
 * of letters, digits and `$-_.+!*'()` separated by single '/', without a leading or trailing '/', up to 300.
 */
export function checkBasePath(raw: string | undefined): string {
  if (raw === undefined || raw === '' || raw === '(none)') return ''
  if (raw.length <= 300 && BASE_PATH.test(raw)) return raw
  throw badRequest(`Invalid base path specified: ${raw}. A base path is one or more segments of letters, digits and $-_.+!*'() separated by '/', with no leading or trailing '/', up to 300 characters; (none) maps the root`)
}

/** A mapping's base path as AWS shows it: `(none)` for the root (apigateway). */
export function basePathJson(basePath: string): string {
  return basePath === '' ? '(none)' : basePath
}

/** Removes the mapping `find` picks from the domain named by the path (DeleteBasePathMapping, DeleteApiMapping). */
export async function removeMapping(ctx: HandlerContext, find: (d: DomainName) => ApiMapping): Promise<void> {
  await changeDomain(ctx, ctx.params[0]!, async (d) => {
    const m = find(d)
    d.mappings = d.mappings.filter((x) => x !== m)
    return { result: undefined }
  })
}

/** The mapping a base path names (`(none)` the root), or AWS's 404. */
export function mappingAt(d: DomainName, rawBasePath: string): ApiMapping {
  const basePath = rawBasePath === '(none)' || rawBasePath === '' ? '' : rawBasePath
  const m = d.mappings.find((x) => x.basePath === basePath)
  if (!m) throw notFound(MAPPING_NOT_FOUND)
  return m
}

export function checkBasePathFree(d: DomainName, basePath: string, except?: ApiMapping): void {
  if (d.mappings.some((m) => m !== except && m.basePath === basePath)) throw conflict(BASE_PATH_TAKEN)
}

/** How a missing mapping target is answered: apigateway's and apigatewayv2's wording. */
export interface TargetErrors {
  api: (apiId: string) => AdminApiError
  stage: (stage: string) => AdminApiError
}

/**
 * Checks a mapping's target exists (the API; its stage when named) and that WebSocket APIs do not share the
 * domain with REST or HTTP APIs. Returns a touch of the stage (or API) document, for the write's batch: a
 * concurrent delete of the target then conflicts with the mapping's write.
 */
export async function checkTarget(store: ConfigStore, d: DomainName, m: ApiMapping, errors: TargetErrors, restOnly: boolean): Promise<ChangeOp> {
  const api = await store.get<Api>('api', m.apiId)
  if (!api || (restOnly && api.value.kind !== 'REST')) throw errors.api(m.apiId)
  if (api.value.kind === 'HTTP' && (d.endpointType !== 'REGIONAL' || d.securityPolicy !== 'TLS_1_2')) {
    throw badRequest('HTTP and WebSocket APIs can be mapped only on REGIONAL custom domain names with the TLS_1_2 security policy')
  }
  const ws = (a: Api): boolean => a.kind === 'HTTP' && a.protocolType === 'WEBSOCKET'
  for (const other of d.mappings) {
    if (other === m || other.apiId === m.apiId) continue
    const o = await store.get<Api>('api', other.apiId)
    if (o && ws(o.value) !== ws(api.value)) throw badRequest('WebSocket APIs cannot share a custom domain name with REST or HTTP APIs')
  }
  if (m.stage === undefined) return touchOp(api)
  const stage = await store.get<Stage>('stage', stageDocId({ apiId: m.apiId, stageName: m.stage }))
  if (!stage) throw errors.stage(m.stage)
  return touchOp(stage)
}

/**
 * Refuses (400, AWS's answer to DeleteRestApi and DeleteApi) the deletion of an API, or of one of its stages,
 * that a custom domain still maps; `message` words it from the domain names. Otherwise returns a touch of
 * every domain for the deleting batch, so that a mapping written meanwhile makes the delete start again.
 */
export async function unmappedOrRefuse(store: ConfigStore, apiId: string, stage: string | undefined, message: (domains: string) => string): Promise<ChangeOp[]> {
  const docs = await store.list<DomainName>('domain')
  const names = docs.filter((doc) => doc.value.mappings.some((m) => m.apiId === apiId && (stage === undefined || m.stage === stage))).map((doc) => doc.value.domainName)
  if (names.length > 0) throw badRequest(message(names.sort().join(', ')))
  return docs.map(touchOp)
}

/** `d-` and 10 characters, stable per domain (AWS's regional target name). */
function targetId(d: DomainName): string {
  return stableId(`domain:${d.domainName}`, 10)
}

/** The host name DNS points at: regional (`d-….execute-api.{region}.amazonaws.com`) or a CloudFront distribution. */
export function targetDomainName(d: DomainName, region: string): string {
  return d.endpointType === 'REGIONAL' ? `d-${targetId(d)}.execute-api.${region}.amazonaws.com` : `d${stableId(`edge:${d.domainName}`, 13)}.cloudfront.net`
}

function hostedZone(d: DomainName, region: string): string | undefined {
  return d.endpointType === 'REGIONAL' ? REGIONAL_ZONES[region] : CLOUDFRONT_ZONE
}

export function domainArn(d: DomainName, region: string): string {
  return `arn:aws:apigateway:${region}::/domainnames/${d.domainName}`
}

function mtlsJson(d: DomainName): Record<string, unknown> | undefined {
  const m = d.mutualTlsAuthentication
  if (!m) return undefined
  return { truststoreUri: m.truststoreUri, ...(m.truststoreVersion !== undefined ? { truststoreVersion: m.truststoreVersion } : {}) }
}

/** A DomainName as apigateway answers: the certificate's ARN or name, never its PEM text or key. */
export function domainJson(d: DomainName, region: string): Record<string, unknown> {
  const out: Record<string, unknown> = { domainName: d.domainName, domainNameArn: domainArn(d, region) }
  const zone = hostedZone(d, region)
  if (d.endpointType === 'REGIONAL') {
    if (d.certificateArn !== undefined) out.regionalCertificateArn = d.certificateArn
    if (d.certificateName !== undefined) out.regionalCertificateName = d.certificateName
    out.regionalDomainName = targetDomainName(d, region)
    if (zone) out.regionalHostedZoneId = zone
  } else {
    if (d.certificateArn !== undefined) out.certificateArn = d.certificateArn
    if (d.certificateName !== undefined) out.certificateName = d.certificateName
    out.distributionDomainName = targetDomainName(d, region)
    out.distributionHostedZoneId = zone
  }
  out.certificateUploadDate = epochSeconds(d.createdDate)
  out.endpointConfiguration = { types: [d.endpointType], ipAddressType: 'ipv4' }
  out.domainNameStatus = 'AVAILABLE'
  out.securityPolicy = d.securityPolicy
  const mtls = mtlsJson(d)
  if (mtls) out.mutualTlsAuthentication = mtls
  out.tags = { ...d.tags }
  return out
}

/** A DomainName as apigatewayv2 answers (camelCase on the wire; dates ISO-8601). */
export function domainJsonV2(d: DomainName, region: string): Record<string, unknown> {
  const config: Record<string, unknown> = { apiGatewayDomainName: targetDomainName(d, region) }
  if (d.certificateArn !== undefined) config.certificateArn = d.certificateArn
  if (d.certificateName !== undefined) config.certificateName = d.certificateName
  config.certificateUploadDate = d.createdDate
  config.domainNameStatus = 'AVAILABLE'
  config.endpointType = d.endpointType
  const zone = hostedZone(d, region)
  if (zone) config.hostedZoneId = zone
  config.ipAddressType = 'ipv4'
  config.securityPolicy = d.securityPolicy
  const out: Record<string, unknown> = {
    apiMappingSelectionExpression: '$request.basepath',
    domainName: d.domainName,
    domainNameArn: domainArn(d, region),
    domainNameConfigurations: [config],
  }
  const mtls = mtlsJson(d)
  if (mtls) out.mutualTlsAuthentication = mtls
  out.tags = { ...d.tags }
  return out
}

/** A BasePathMapping (apigateway). */
export function basePathMappingJson(m: ApiMapping): Record<string, unknown> {
  return { basePath: basePathJson(m.basePath), restApiId: m.apiId, ...(m.stage !== undefined ? { stage: m.stage } : {}) }
}

/** An ApiMapping (apigatewayv2): the root's key is ''. */
export function apiMappingJson(m: ApiMapping): Record<string, unknown> {
  return { apiId: m.apiId, apiMappingId: m.id, apiMappingKey: m.basePath, ...(m.stage !== undefined ? { stage: m.stage } : {}) }
}
