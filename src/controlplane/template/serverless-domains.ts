// The custom domains of a serverless.yml as the serverless-domain-manager plugin declares them —
// `custom.customDomain` (one domain, `apiType` rest or http) or `custom.customDomains` (a list of `{rest: …}` /
// `{http: …}` / `{websocket: …}`) — as the config file's `domains:`. The plugin itself is not run; its settings are
// read (docs/serverless-framework.md).

import { isRecord, type DomainDecl } from '../config/config-file.js'

type Obj = Record<string, unknown>

export interface ServerlessDomainsInput {
  custom: unknown
  /** The id of the REST API of http events, and of the HTTP API of httpApi events, when the service has one. */
  restApiId?: string
  httpApiId?: string
  /** The service's stage (the REST API's stage; the plugin's default `stage`). */
  stage: string
  problem: (path: string, message: string) => void
  warn: (path: string, message: string) => void
  ignore: (logicalId: string, type: string, reason: string) => void
}

/** The domains, with their origins (a pointer inside each declaration → the serverless.yml pointer). */
export function serverlessDomains(input: ServerlessDomainsInput): { domains: DomainDecl[]; origins: Array<Record<string, string>> } {
  const out = { domains: [] as DomainDecl[], origins: [] as Array<Record<string, string>> }
  const custom: Obj = isRecord(input.custom) ? input.custom : {}
  const entries: Array<{ raw: unknown; path: string; apiType: unknown }> = []
  if (custom.customDomain !== undefined) {
    const raw = custom.customDomain
    entries.push({ raw, path: '/custom/customDomain', apiType: isRecord(raw) ? raw.apiType ?? 'rest' : 'rest' })
  }
  if (custom.customDomains !== undefined) {
    if (!Array.isArray(custom.customDomains)) input.problem('/custom/customDomains', 'customDomains is a list of {rest: {…}}, {http: {…}} or {websocket: {…}}')
    else {
      custom.customDomains.forEach((item, i) => {
        const kind = isRecord(item) ? Object.keys(item)[0] : undefined
        if (kind === undefined || !isRecord(item)) return input.problem(`/custom/customDomains/${i}`, 'an entry of customDomains is {rest: {…}}, {http: {…}} or {websocket: {…}}')
        entries.push({ raw: item[kind], path: `/custom/customDomains/${i}/${kind}`, apiType: kind })
      })
    }
  }
  for (const { raw, path, apiType } of entries) {
    if (!isRecord(raw)) {
      input.problem(path, 'a custom domain is a mapping with domainName: (and basePath:, stage:, certificateArn: …)')
      continue
    }
    if (raw.enabled === false || raw.enabled === 'false') continue
    if (typeof raw.domainName !== 'string' || raw.domainName === '') {
      input.problem(`${path}/domainName`, 'domainName is the custom domain name, such as api.example.com')
      continue
    }
    const name = raw.domainName.toLowerCase()
    const type = String(apiType).toLowerCase()
    if (type === 'websocket') {
      input.ignore(path, 'customDomain', `${name}: WebSocket APIs are served from a later issue`)
      continue
    }
    if (type !== 'rest' && type !== 'http') {
      input.problem(`${path}/apiType`, `apiType is rest, http or websocket, got ${JSON.stringify(apiType)}`)
      continue
    }
    const apiId = type === 'rest' ? input.restApiId : input.httpApiId
    if (apiId === undefined) {
      input.problem(path, `${name} maps the service's ${type === 'rest' ? 'REST API (http events)' : 'HTTP API (httpApi events)'}, and the service has none` + (type === 'rest' ? ' (apiType: http for httpApi events)' : ''))
      continue
    }
    const decl: DomainDecl = { domainName: name }
    const origins: Record<string, string> = { '': path, '/domainName': `${path}/domainName`, '/certificateArn': `${path}/certificateArn`, '/securityPolicy': `${path}/securityPolicy`, '/endpointType': `${path}/endpointType` }
    if (typeof raw.certificateArn === 'string') decl.certificateArn = raw.certificateArn
    else if (typeof raw.certificateName === 'string') {
      input.warn(`${path}/certificateName`, `certificateName ${raw.certificateName} is looked up in ACM, which Gatehouse cannot do: give certificateArn (and map it under certificates: of a --config file) to serve ${name} over HTTPS`)
    }
    const endpoint = typeof raw.endpointType === 'string' ? raw.endpointType.toUpperCase() : 'EDGE'
    if (endpoint === 'REGIONAL' || endpoint === 'EDGE') decl.endpointType = endpoint
    else input.problem(`${path}/endpointType`, `endpointType is edge or regional, got ${JSON.stringify(raw.endpointType)}`)
    const policy = typeof raw.securityPolicy === 'string' ? raw.securityPolicy.toUpperCase() : 'TLS_1_2'
    if (policy === 'TLS_1_0' || policy === 'TLS_1_2') decl.securityPolicy = policy
    else input.problem(`${path}/securityPolicy`, `securityPolicy is tls_1_0 or tls_1_2, got ${JSON.stringify(raw.securityPolicy)}`)
    if (raw.tlsTruststoreUri !== undefined) {
      // Served without it, the domain would let in the clients AWS refuses.
      input.ignore(path, 'customDomain', `${name}: mutual TLS (tlsTruststoreUri) is read from S3 by the plugin; declare the domain in a --config file with mutualTls: {truststore: FILE}`)
      continue
    }
    const basePath = typeof raw.basePath === 'string' ? raw.basePath.replace(/^\/+|\/+$/g, '') : raw.basePath === undefined || raw.basePath === null ? '' : undefined
    if (basePath === undefined) {
      input.problem(`${path}/basePath`, 'basePath is a string such as v1 (empty or (none) for none)')
      continue
    }
    // The plugin maps HTTP APIs to their $default stage, REST APIs to `stage` (default: the service's).
    const stage = type === 'http' ? '$default' : typeof raw.stage === 'string' ? raw.stage : input.stage
    decl.mappings = [{ basePath: basePath === '' ? '(none)' : basePath, api: apiId, stage }]
    Object.assign(origins, { '/mappings/0': path, '/mappings/0/basePath': `${path}/basePath`, '/mappings/0/stage': `${path}/stage` })
    out.domains.push(decl)
    out.origins.push(origins)
  }
  return out
}
