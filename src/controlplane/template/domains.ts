// Custom domains a template declares, as the config file's `domains:` (docs/custom-domains.md): SAM's `Domain`
// of AWS::Serverless::Api and AWS::Serverless::HttpApi, and AWS::ApiGateway::DomainName with BasePathMapping,
// AWS::ApiGatewayV2::DomainName with ApiMapping. Certificates stay ACM ARNs here; the config file's
// `certificates:` decides whether they can be served (src/controlplane/config/domains.ts).

import { fileURLToPath } from 'node:url'
import { resolve } from 'node:path'
import { isRecord, type DomainDecl } from '../config/config-file.js'
import { at } from './intrinsics.js'
import type { ApiBuild, DomainBuild, Stack } from './stack.js'

type Obj = Record<string, unknown>

/** What a domain resource (or SAM's Domain) says, evaluated, and where each part is in the template. */
interface DomainSource {
  logicalId: string
  type: string
  /** The JSON pointer of the resource's Properties (or of SAM's Domain). */
  path: string
  name: unknown
  namePath: string
  certificateArn: unknown
  certificatePath: string
  endpointType: unknown
  securityPolicy: unknown
  securityPolicyPath: string
  mutualTls: unknown
  mutualTlsPath: string
  tags?: Record<string, string>
}

/** Declares a domain; undefined (with a problem, or listed as ignored) when it cannot be served. */
function declareDomain(stack: Stack, s: DomainSource): DomainBuild | undefined {
  if (typeof s.name !== 'string' || s.name === '') return stack.problem(s.namePath, 'DomainName is the custom domain name, such as api.example.com')
  const name = s.name.toLowerCase()
  if (s.endpointType === 'PRIVATE') {
    stack.ignore(s.logicalId, s.type, `${name} is a private custom domain; Gatehouse serves public ones only`)
    return undefined
  }
  const known = stack.domains.get(name)
  if (known !== undefined) return stack.problem(s.namePath, `domain ${name} is already declared at ${known.origins['']}`)
  const decl: DomainBuild['decl'] = { domainName: name, mappings: [] }
  const origins: Record<string, string> = { '': s.path, '/domainName': s.namePath, '/certificateArn': s.certificatePath, '/securityPolicy': s.securityPolicyPath, '/mutualTls': s.mutualTlsPath }
  if (typeof s.certificateArn === 'string' && s.certificateArn !== '') decl.certificateArn = s.certificateArn
  if (s.endpointType === 'REGIONAL' || s.endpointType === 'EDGE') decl.endpointType = s.endpointType
  if (s.securityPolicy === 'TLS_1_0' || s.securityPolicy === 'TLS_1_2') decl.securityPolicy = s.securityPolicy
  else if (typeof s.securityPolicy === 'string') stack.warn(s.securityPolicyPath, `security policy ${s.securityPolicy} is served as TLS_1_2 (TLS 1.2 and 1.3): Gatehouse has TLS_1_0 and TLS_1_2 only`)
  if (isRecord(s.mutualTls)) {
    const uri = s.mutualTls.TruststoreUri
    if (typeof uri !== 'string' || uri === '') return stack.problem(at(s.mutualTlsPath, 'TruststoreUri'), 'TruststoreUri names the PEM bundle of the CAs that issue client certificates')
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(uri) && !uri.startsWith('file:')) {
      // Served without it, the domain would let in the clients AWS refuses.
      stack.ignore(s.logicalId, s.type, `${name}: its mutual TLS truststore ${uri} is not a local file (give TruststoreUri as a path relative to the template, e.g. through a parameter)`)
      return undefined
    }
    decl.mutualTls = { truststore: uri.startsWith('file:') ? fileURLToPath(uri) : resolve(stack.opts.dir, uri) }
    origins['/mutualTls'] = at(s.mutualTlsPath, 'TruststoreUri')
  }
  if (s.tags !== undefined) decl.tags = s.tags
  const build: DomainBuild = { decl, origins }
  stack.domains.set(name, build)
  return build
}

/** Adds a base path mapping: `api` and `stage` as the config file's, each part's template pointer remembered. */
function addMapping(domain: DomainBuild, basePath: string, api: ApiBuild, stage: string | undefined, where: { path: string; basePath: string; api: string; stage: string }): void {
  const j = domain.decl.mappings.length
  domain.decl.mappings.push({ basePath: basePath === '' ? '(none)' : basePath, api: api.id, ...(stage !== undefined ? { stage } : {}) })
  Object.assign(domain.origins, { [`/mappings/${j}`]: where.path, [`/mappings/${j}/basePath`]: where.basePath, [`/mappings/${j}/api`]: where.api, [`/mappings/${j}/stage`]: where.stage })
}

/**
 * SAM's `Domain` of an Api or HttpApi: a domain mapping each of `BasePath` (default `/`, i.e. `(none)`) to the
 * API's stage. With `NormalizeBasePath` (the default) SAM keeps only the letters and digits of a base path
 * (`/v1/users` → `v1users`); without it, the path less its outer slashes.
 */
export function samDomain(stack: Stack, api: ApiBuild, raw: unknown, path: string, stageName: string): void {
  if (!isRecord(raw)) {
    stack.problem(path, 'Domain is a mapping (DomainName, CertificateArn, BasePath …)')
    return
  }
  const type = `${stack.resources[api.logicalId]?.Type ?? (api.kind === 'rest' ? 'AWS::Serverless::Api' : 'AWS::Serverless::HttpApi')} Domain`
  const endpoint = raw.EndpointConfiguration
  if (raw.Route53 !== undefined) stack.warn(at(path, 'Route53'), 'Route53 records are not created: point the name at Gatehouse yourself (a hosts entry, or a Host header)')
  const domain = declareDomain(stack, {
    logicalId: api.logicalId,
    type,
    path,
    name: raw.DomainName,
    namePath: at(path, 'DomainName'),
    certificateArn: raw.CertificateArn,
    certificatePath: at(path, 'CertificateArn'),
    endpointType: endpoint ?? 'REGIONAL',
    securityPolicy: raw.SecurityPolicy,
    securityPolicyPath: at(path, 'SecurityPolicy'),
    mutualTls: raw.MutualTlsAuthentication,
    mutualTlsPath: at(path, 'MutualTlsAuthentication'),
  })
  if (domain === undefined) return
  const normalize = raw.NormalizeBasePath !== false && raw.NormalizeBasePath !== 'false'
  const basePaths = raw.BasePath === undefined ? ['/'] : Array.isArray(raw.BasePath) ? raw.BasePath : [raw.BasePath]
  basePaths.forEach((b, i) => {
    const bpath = Array.isArray(raw.BasePath) ? at(path, 'BasePath', i) : at(path, 'BasePath')
    if (typeof b !== 'string') {
      stack.problem(bpath, 'a base path is a string such as /v1 (or / for none)')
      return
    }
    // SAM refuses characters other than these before it normalizes.
    if (/[^0-9A-Za-z/_-]/.test(b)) {
      stack.problem(bpath, `invalid base path "${b}": SAM accepts letters, digits, /, - and _`)
      return
    }
    const basePath = normalize ? b.replace(/[^0-9A-Za-z]/g, '') : b.replace(/^\/+|\/+$/g, '')
    addMapping(domain, basePath, api, stageName, { path: bpath, basePath: bpath, api: path, stage: path })
  })
}

/** AWS::ApiGateway::DomainName, BasePathMapping(V2), AWS::ApiGatewayV2::DomainName, ApiMapping. */
export function translateDomainResources(stack: Stack, ids: string[], typeOf: (id: string) => string): void {
  const of = (type: string): string[] => ids.filter((id) => typeOf(id) === type)
  for (const id of of('AWS::ApiGateway::DomainName')) {
    const base = at('/Resources', id, 'Properties')
    const p = (k: string): unknown => stack.prop(id, k)
    const endpoint = p('EndpointConfiguration')
    const types = isRecord(endpoint) && Array.isArray(endpoint.Types) ? endpoint.Types : []
    const regional = p('RegionalCertificateArn')
    declareDomain(stack, {
      logicalId: id,
      type: 'AWS::ApiGateway::DomainName',
      path: base,
      name: p('DomainName'),
      namePath: at(base, 'DomainName'),
      certificateArn: regional ?? p('CertificateArn'),
      certificatePath: at(base, regional !== undefined ? 'RegionalCertificateArn' : 'CertificateArn'),
      endpointType: types[0] ?? 'EDGE',
      securityPolicy: p('SecurityPolicy'),
      securityPolicyPath: at(base, 'SecurityPolicy'),
      mutualTls: p('MutualTlsAuthentication'),
      mutualTlsPath: at(base, 'MutualTlsAuthentication'),
      ...tagsOf(p('Tags')),
    })
  }
  for (const id of of('AWS::ApiGatewayV2::DomainName')) {
    const base = at('/Resources', id, 'Properties')
    const p = (k: string): unknown => stack.prop(id, k)
    const configs = p('DomainNameConfigurations')
    const c: Obj = Array.isArray(configs) && isRecord(configs[0]) ? configs[0] : {}
    const cpath = at(base, 'DomainNameConfigurations', 0)
    declareDomain(stack, {
      logicalId: id,
      type: 'AWS::ApiGatewayV2::DomainName',
      path: base,
      name: p('DomainName'),
      namePath: at(base, 'DomainName'),
      certificateArn: c.CertificateArn,
      certificatePath: at(cpath, 'CertificateArn'),
      endpointType: c.EndpointType ?? 'REGIONAL',
      securityPolicy: c.SecurityPolicy,
      securityPolicyPath: at(cpath, 'SecurityPolicy'),
      mutualTls: p('MutualTlsAuthentication'),
      mutualTlsPath: at(base, 'MutualTlsAuthentication'),
      ...tagsOf(p('Tags')),
    })
  }
  const mapping = (id: string, apiKey: string, basePathKey: string): void => {
    const base = at('/Resources', id, 'Properties')
    const domainName = stack.prop(id, 'DomainName')
    const domain = typeof domainName === 'string' ? stack.domains.get(domainName.toLowerCase()) : undefined
    if (domain === undefined) {
      // A domain made outside the template (or one not served) cannot be served here.
      stack.ignore(id, typeOf(id), typeof domainName === 'string' ? `domain ${domainName} is not a domain this template serves` : 'it names no domain')
      return
    }
    const apiLogical = stack.logicalIdOf(stack.prop(id, apiKey))
    const api = apiLogical === undefined ? undefined : stack.apis.get(apiLogical)
    if (api === undefined) {
      stack.problem(at(base, apiKey), 'names no API of this template')
      return
    }
    const stage = stack.prop(id, 'Stage')
    const basePath = stack.prop(id, basePathKey)
    if (basePath !== undefined && typeof basePath !== 'string') {
      stack.problem(at(base, basePathKey), 'the base path is a string such as v1 (or (none))')
      return
    }
    addMapping(domain, basePath ?? '', api, typeof stage === 'string' ? stage : undefined, { path: base, basePath: at(base, basePathKey), api: at(base, apiKey), stage: at(base, 'Stage') })
  }
  for (const id of of('AWS::ApiGateway::BasePathMapping')) mapping(id, 'RestApiId', 'BasePath')
  for (const id of of('AWS::ApiGatewayV2::ApiMapping')) mapping(id, 'ApiId', 'ApiMappingKey')
  for (const id of of('AWS::ApiGateway::BasePathMappingV2')) stack.ignore(id, 'AWS::ApiGateway::BasePathMappingV2', 'a mapping of a private custom domain (AWS::ApiGateway::DomainNameV2); Gatehouse serves public domains only')
}

function tagsOf(raw: unknown): { tags?: Record<string, string> } {
  const tags: Record<string, string> = {}
  if (Array.isArray(raw)) for (const t of raw) if (isRecord(t) && typeof t.Key === 'string') tags[t.Key] = String(t.Value ?? '')
  if (isRecord(raw)) for (const [k, v] of Object.entries(raw)) tags[k] = String(v)
  return Object.keys(tags).length > 0 ? { tags } : {}
}

/** The domains as config-file declarations, with their origins index-aligned. */
export function domainDecls(stack: Stack): { domains: DomainDecl[]; origins: Array<Record<string, string>> } {
  const builds = [...stack.domains.values()]
  return { domains: builds.map((b) => b.decl), origins: builds.map((b) => b.origins) }
}
