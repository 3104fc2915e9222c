// `gatehouse domains list|create|map|unmap`: custom domain names on a running gateway's admin port through
// AWS's own operations (GetDomainNames, GetBasePathMappings, CreateDomainName, CreateBasePathMapping or, for
// HTTP APIs, apigatewayv2's CreateApiMapping, and DeleteBasePathMapping; docs/control-plane.md).

import { readFileSync } from 'node:fs'
import { parse, toPairs, UsageError } from './args.js'
import { AdminClient, adminBase, apiKind, authFromEnv } from './admin-client.js'
import { COMMON, commonOptions, guarded, table, type Out } from './control.js'

export const DOMAINS_HELP = `Usage: gatehouse domains list --admin URL
       gatehouse domains create --admin URL --domain NAME (--certificate-arn ARN | --cert FILE --key FILE) [options]
       gatehouse domains map --admin URL --domain NAME --api ID [--stage NAME] [--base-path PATH]
       gatehouse domains unmap --admin URL --domain NAME [--base-path PATH]

list: the custom domain names with their endpoint type, TLS policy, certificate and mappings.
create: a custom domain name (CreateDomainName). Its certificate is an ACM ARN mapped to PEM files in the
  config file's certificates:, or PEM files sent to the gateway (--cert, --key, --chain).
map: routes https://NAME/PATH/... to an API stage (CreateBasePathMapping; HTTP APIs: CreateApiMapping).
  Without --base-path the root is mapped; REST APIs without --stage take the stage from the next path segment.
unmap: removes the mapping at --base-path (default: the root).

Options:
${COMMON}
  --domain NAME        the custom domain name, e.g. api.example.com
  --certificate-arn ARN
                       create: an ACM certificate ARN the config file maps to PEM files
  --cert FILE          create: the certificate (PEM); with --key FILE (its private key) and --chain FILE
                       (intermediate certificates)
  --endpoint TYPE      create: REGIONAL (default) or EDGE
  --security-policy P  create: TLS_1_2 (default) or TLS_1_0
  --truststore PATH    create: a PEM bundle of CA certificates for mutual TLS (absolute path or file:// URI)
  --tag KEY=VALUE      create: a tag (repeatable)
  --api ID             map: the REST or HTTP API
  --stage NAME         map: the API's stage (required for HTTP APIs)
  --base-path PATH     map, unmap: one or more segments, e.g. v1 or orders/v1 (default: the root)
`

function readPem(file: string, flag: string): string {
  try {
    return readFileSync(file, 'utf8')
  } catch (e) {
    throw new UsageError(`cannot read ${flag} ${file}: ${(e as Error).message}`)
  }
}

interface DomainRow {
  domainName: string
  endpointConfiguration?: { types?: string[] }
  securityPolicy?: string
  certificateArn?: string
  regionalCertificateArn?: string
  certificateName?: string
  regionalCertificateName?: string
  regionalDomainName?: string
  distributionDomainName?: string
}

/** `gatehouse domains`. */
export async function domainsCommand(argv: string[], out: Out = process.stdout, err: Out = process.stderr): Promise<number> {
  const [action, ...rest] = argv
  const { values } = parse(rest, {
    ...commonOptions,
    domain: { type: 'string' },
    'certificate-arn': { type: 'string' },
    cert: { type: 'string' },
    key: { type: 'string' },
    chain: { type: 'string' },
    endpoint: { type: 'string' },
    'security-policy': { type: 'string' },
    truststore: { type: 'string' },
    tag: { type: 'string', multiple: true },
    api: { type: 'string' },
    stage: { type: 'string' },
    'base-path': { type: 'string' },
  })
  if (values.help || action === undefined || action === '--help' || action === '-h') {
    out.write(DOMAINS_HELP)
    return action === undefined ? 2 : 0
  }
  if (!['list', 'create', 'map', 'unmap'].includes(action)) throw new UsageError(`domains takes list, create, map or unmap, not ${JSON.stringify(action)}`)
  if (action !== 'list' && !values.domain) throw new UsageError(`domains ${action} needs --domain NAME`)
  const client = new AdminClient(adminBase(values.admin), authFromEnv(values.token))
  const domain = encodeURIComponent(values.domain ?? '')
  const basePath = values['base-path'] ?? ''

  if (action === 'create') {
    const body: Record<string, unknown> = { domainName: values.domain }
    const endpoint = (values.endpoint ?? 'REGIONAL').toUpperCase()
    body.endpointConfiguration = { types: [endpoint] }
    if (values['certificate-arn']) body[endpoint === 'EDGE' ? 'certificateArn' : 'regionalCertificateArn'] = values['certificate-arn']
    else if (values.cert && values.key) {
      body.certificateBody = readPem(values.cert, '--cert')
      body.certificatePrivateKey = readPem(values.key, '--key')
      if (values.chain) body.certificateChain = readPem(values.chain, '--chain')
    } else throw new UsageError('domains create needs --certificate-arn ARN, or --cert FILE and --key FILE')
    if (values['security-policy']) body.securityPolicy = values['security-policy']
    if (values.truststore) body.mutualTlsAuthentication = { truststoreUri: values.truststore }
    const tags = toPairs(values.tag, '--tag')
    if (Object.keys(tags).length > 0) body.tags = tags
    return guarded('domains', err, async () => {
      const d = (await client.send('POST', '/domainnames', { body })).json<DomainRow>()
      out.write(`created ${d.domainName}: point its DNS at ${d.regionalDomainName ?? d.distributionDomainName} (here: at the gateway's data-plane address)\n`)
      return 0
    })
  }

  if (action === 'map') {
    if (!values.api) throw new UsageError('domains map needs --api ID')
    return guarded('domains', err, async () => {
      if ((await apiKind(client, values.api!)) === 'rest') {
        const body: Record<string, unknown> = { restApiId: values.api, basePath }
        if (values.stage) body.stage = values.stage
        await client.send('POST', `/domainnames/${domain}/basepathmappings`, { body })
      } else {
        if (!values.stage) throw new UsageError('domains map of an HTTP API needs --stage NAME')
        await client.send('POST', `/v2/domainnames/${domain}/apimappings`, { body: { apiId: values.api, stage: values.stage, apiMappingKey: basePath } })
      }
      out.write(`mapped https://${values.domain}/${basePath} to API ${values.api} ${values.stage ? `stage ${values.stage}` : '(stage from the path)'}\n`)
      return 0
    })
  }

  if (action === 'unmap') {
    return guarded('domains', err, async () => {
      await client.send('DELETE', `/domainnames/${domain}/basepathmappings/${encodeURIComponent(basePath === '' ? '(none)' : basePath)}`)
      out.write(`unmapped https://${values.domain}/${basePath}\n`)
      return 0
    })
  }

  return guarded('domains', err, async () => {
    const domains: DomainRow[] = []
    let position: string | undefined
    do {
      const page = (await client.send('GET', `/domainnames?limit=500${position ? `&position=${encodeURIComponent(position)}` : ''}`)).json()
      domains.push(...(page.item ?? []))
      position = page.position
    } while (position)
    const rows = [['DOMAIN', 'ENDPOINT', 'TLS', 'CERTIFICATE', 'MAPPINGS']]
    for (const d of domains) {
      const maps = (await client.send('GET', `/domainnames/${encodeURIComponent(d.domainName)}/basepathmappings?limit=500`)).json().item ?? []
      const mappings = maps.map((m: { basePath: string; restApiId: string; stage?: string }) => `${m.basePath === '(none)' ? '/' : `/${m.basePath}`}=${m.restApiId}${m.stage ? `:${m.stage}` : ''}`).join(' ')
      const certificate = d.regionalCertificateArn ?? d.certificateArn ?? d.regionalCertificateName ?? d.certificateName ?? '(PEM)'
      rows.push([d.domainName, d.endpointConfiguration?.types?.[0] ?? '', d.securityPolicy ?? '', certificate, mappings || '-'])
    }
    out.write(table(rows))
    return 0
  })
}
