// `gatehouse domains list|create|map|unmap` against a running gateway (admin token): domains created from a
// mapped ACM ARN and from PEM files, REST and HTTP API stages mapped and unmapped, the table `list` prints,
// and the gateway's refusals printed as the command's error.

import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { domainsCommand, DOMAINS_HELP } from '../../src/cli/domains.js'
import { UsageError } from '../../src/cli/args.js'
import type { DomainName } from '../../src/model/types.js'
import { startGateway, tempDir, writeFile, type TestGateway } from '../helpers.js'
import { baseConfig } from './helpers.js'
import { MAPPED_ARN, UNMAPPED_ARN, makeCerts, mapCertificates, type Certs } from './domain-fixture.js'

const TOKEN = 'cli-domains-token-0123456789'

function capture(): { write(t: string): void; text: string } {
  return {
    text: '',
    write(t: string) {
      this.text += t
    },
  }
}

describe('gatehouse domains', () => {
  let tmp: ReturnType<typeof tempDir>
  let gw: TestGateway
  let certs: Certs
  let admin: string[]

  before(async () => {
    tmp = tempDir()
    certs = makeCerts(tmp.dir)
    gw = await startGateway({ configFile: writeFile(tmp.dir, 'gatehouse.yaml', baseConfig({ listeners: { admin: { token: TOKEN } } })) })
    await mapCertificates(gw, certs)
    admin = ['--admin', `http://127.0.0.1:${gw.adminPort}`, '--token', TOKEN]
  })
  after(async () => {
    await gw.stop()
    tmp.cleanup()
  })

  async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
    const out = capture()
    const err = capture()
    const code = await domainsCommand([...argv, ...admin], out, err)
    return { code, out: out.text, err: err.text }
  }

  it('creates domains, maps REST and HTTP API stages, lists them, and unmaps', async () => {
    const created = await run('create', '--domain', 'api.example.com', '--certificate-arn', MAPPED_ARN, '--tag', 'team=edge')
    assert.equal(created.code, 0, created.err)
    assert.match(created.out, /^created api\.example\.com: point its DNS at d-[a-z0-9]{10}\.execute-api\.us-east-1\.amazonaws\.com /)
    const pem = await run('create', '--domain', 'www.example.com', '--endpoint', 'edge', '--security-policy', 'TLS_1_0', '--cert', certs.certPath, '--key', certs.keyPath)
    assert.equal(pem.code, 0, pem.err)
    assert.match(pem.out, /point its DNS at d[a-z0-9]{13}\.cloudfront\.net/)

    assert.equal((await run('map', '--domain', 'api.example.com', '--api', 'shop01', '--stage', 'prod')).out, 'mapped https://api.example.com/ to API shop01 stage prod\n')
    assert.equal((await run('map', '--domain', 'api.example.com', '--api', 'orders01', '--stage', '$default', '--base-path', 'orders/v1')).code, 0)
    assert.equal((await run('map', '--domain', 'www.example.com', '--api', 'shop01', '--base-path', 'shop')).out, 'mapped https://www.example.com/shop to API shop01 (stage from the path)\n')

    const list = await run('list')
    assert.equal(list.code, 0)
    const lines = list.out.trimEnd().split('\n').map((l) => l.split(/\s{2,}/))
    assert.deepEqual(lines, [
      ['DOMAIN', 'ENDPOINT', 'TLS', 'CERTIFICATE', 'MAPPINGS'],
      ['api.example.com', 'REGIONAL', 'TLS_1_2', MAPPED_ARN, '/=shop01:prod /orders/v1=orders01:$default'],
      ['www.example.com', 'EDGE', 'TLS_1_0', '(PEM)', '/shop=shop01'],
    ])

    const doc = await gw.gateway.store!.get<DomainName>('domain', 'api.example.com')
    assert.deepEqual(doc?.value.tags, { team: 'edge' })
    assert.deepEqual(doc?.value.mappings.map((m) => [m.basePath, m.apiId, m.stage]), [['', 'shop01', 'prod'], ['orders/v1', 'orders01', '$default']])
    assert.equal((await gw.gateway.store!.get<DomainName>('domain', 'www.example.com'))?.value.certificatePem?.body, certs.cert)

    assert.equal((await run('unmap', '--domain', 'api.example.com', '--base-path', 'orders/v1')).out, 'unmapped https://api.example.com/orders/v1\n')
    assert.equal((await run('unmap', '--domain', 'api.example.com')).code, 0)
    assert.deepEqual((await gw.gateway.store!.get<DomainName>('domain', 'api.example.com'))?.value.mappings, [])
  })

  it("prints the gateway's refusals, and usage errors for what the command cannot send", async () => {
    const unmapped = await run('create', '--domain', 'nope.example.com', '--certificate-arn', UNMAPPED_ARN)
    assert.equal(unmapped.code, 1)
    assert.match(unmapped.err, /^gatehouse domains: BadRequestException: Certificate arn:aws:acm:.* is not known to this gateway: there is no ACM here, so map the ARN to PEM files in the config file/)
    const taken = await run('create', '--domain', 'dup.example.com', '--certificate-arn', MAPPED_ARN)
    assert.equal(taken.code, 0)
    assert.equal((await run('create', '--domain', 'dup.example.com', '--certificate-arn', MAPPED_ARN)).err, 'gatehouse domains: ConflictException: The domain name you provided already exists.\n')
    const badPath = await run('map', '--domain', 'dup.example.com', '--api', 'shop01', '--base-path', '/v1/')
    assert.match(badPath.err, /^gatehouse domains: BadRequestException: Invalid base path specified: \/v1\/\./)
    const noApi = await run('map', '--domain', 'dup.example.com', '--api', 'nosuchapi')
    assert.equal(noApi.err, 'gatehouse domains: NotFoundException: No REST or HTTP API has the id nosuchapi\n')
    const noMapping = await run('unmap', '--domain', 'dup.example.com', '--base-path', 'v9')
    assert.equal(noMapping.err, 'gatehouse domains: NotFoundException: Invalid base path mapping identifier specified\n')

    await assert.rejects(run('map', '--domain', 'dup.example.com', '--api', 'orders01'), (e: Error) => e instanceof UsageError && e.message === 'domains map of an HTTP API needs --stage NAME')
    await assert.rejects(run('create', '--domain', 'x.example.com'), (e: Error) => e instanceof UsageError && e.message === 'domains create needs --certificate-arn ARN, or --cert FILE and --key FILE')
    await assert.rejects(run('map', '--api', 'shop01'), (e: Error) => e instanceof UsageError && e.message === 'domains map needs --domain NAME')
    await assert.rejects(run('rename'), (e: Error) => e instanceof UsageError && e.message === 'domains takes list, create, map or unmap, not "rename"')

    const help = capture()
    assert.equal(await domainsCommand(['--help'], help), 0)
    assert.equal(help.text, DOMAINS_HELP)
    assert.match(DOMAINS_HELP, /^Usage: gatehouse domains list --admin URL\n/)
  })
})
