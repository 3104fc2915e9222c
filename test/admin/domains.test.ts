// Custom domain names on both control planes, driven by the unmodified AWS SDKs (@aws-sdk/client-api-gateway
// and @aws-sdk/client-apigatewayv2): domains with certificates from mapped ACM ARNs or PEM text (never given
// back), mutual TLS truststores read from files, updates, paging, base path mappings and API mappings seen
// from both sides, the validation a user meets, deletes refused while a domain maps an API or stage, and the
// `domain` store documents the data plane reads.

import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import {
  CreateBasePathMappingCommand,
  CreateDomainNameCommand,
  CreateRestApiCommand,
  CreateDeploymentCommand,
  DeleteBasePathMappingCommand,
  DeleteDomainNameCommand,
  DeleteRestApiCommand,
  DeleteStageCommand,
  GetBasePathMappingCommand,
  GetBasePathMappingsCommand,
  GetDomainNameCommand,
  GetDomainNamesCommand,
  GetResourcesCommand,
  GetTagsCommand,
  PutIntegrationCommand,
  PutMethodCommand,
  TagResourceCommand,
  UpdateBasePathMappingCommand,
  UpdateDomainNameCommand,
  type APIGatewayClient,
} from '@aws-sdk/client-api-gateway'
import * as v2 from '@aws-sdk/client-apigatewayv2'
import type { DomainName } from '../../src/model/types.js'
import { startGateway, tempDir, writeFile, type TestGateway } from '../helpers.js'
import { baseConfig } from './helpers.js'
import { failure, restClient, v2Client } from './control-plane.js'
import { MAPPED_ARN, OTHER_MAPPED_ARN, UNMAPPED_ARN, makeCerts, mapCertificates, type Certs } from './domain-fixture.js'

const REGIONAL_TARGET = /^d-[a-z0-9]{10}\.execute-api\.us-east-1\.amazonaws\.com$/

describe('custom domain names through the AWS SDKs', () => {
  let tmp: ReturnType<typeof tempDir>
  let gw: TestGateway
  let rest: APIGatewayClient
  let client2: v2.ApiGatewayV2Client
  let certs: Certs

  before(async () => {
    tmp = tempDir()
    certs = makeCerts(tmp.dir)
    gw = await startGateway({ configFile: writeFile(tmp.dir, 'gatehouse.yaml', baseConfig()) })
    await mapCertificates(gw, certs)
    rest = restClient(gw.adminPort)
    client2 = v2Client(gw.adminPort)
  })
  after(async () => {
    await gw.stop()
    tmp.cleanup()
  })

  const stored = async (name: string) => gw.gateway.store!.get<DomainName>('domain', name)

  it('creates a REGIONAL domain from a mapped ACM ARN: AWS shape on both control planes, the document the data plane reads', async () => {
    const created = await rest.send(
      new CreateDomainNameCommand({ domainName: 'API.Example.com', regionalCertificateArn: MAPPED_ARN, endpointConfiguration: { types: ['REGIONAL'] }, securityPolicy: 'TLS_1_2', tags: { team: 'edge' } }),
    )
    assert.equal(created.$metadata.httpStatusCode, 201)
    assert.equal(created.domainName, 'api.example.com')
    assert.match(created.regionalDomainName!, REGIONAL_TARGET)
    assert.equal(created.regionalHostedZoneId, 'Z1UJRXOUMOOFQ8')
    assert.equal(created.regionalCertificateArn, MAPPED_ARN)
    assert.deepEqual(created.endpointConfiguration?.types, ['REGIONAL'])
    assert.equal(created.domainNameStatus, 'AVAILABLE')
    assert.equal(created.securityPolicy, 'TLS_1_2')
    assert.deepEqual(created.tags, { team: 'edge' })
    assert.equal(created.distributionDomainName, undefined)

    // Domain names are case-insensitive, as DNS names are.
    const got = await rest.send(new GetDomainNameCommand({ domainName: 'API.EXAMPLE.COM' }))
    assert.equal(got.domainName, 'api.example.com')
    assert.equal(got.regionalDomainName, created.regionalDomainName)

    const seen = await client2.send(new v2.GetDomainNameCommand({ DomainName: 'api.example.com' }))
    assert.equal(seen.ApiMappingSelectionExpression, '$request.basepath')
    assert.deepEqual(
      seen.DomainNameConfigurations?.map((c) => [c.ApiGatewayDomainName, c.CertificateArn, c.EndpointType, c.SecurityPolicy, c.DomainNameStatus, c.HostedZoneId]),
      [[created.regionalDomainName, MAPPED_ARN, 'REGIONAL', 'TLS_1_2', 'AVAILABLE', 'Z1UJRXOUMOOFQ8']],
    )

    const doc = await stored('api.example.com')
    assert.equal(doc?.origin, 'admin')
    const { createdDate, ...value } = doc!.value
    assert.match(createdDate, /^\d{4}-\d\d-\d\dT/)
    assert.deepEqual(value, { domainName: 'api.example.com', certificateArn: MAPPED_ARN, securityPolicy: 'TLS_1_2', endpointType: 'REGIONAL', mappings: [], tags: { team: 'edge' } })

    const again = await failure(client2.send(new v2.CreateDomainNameCommand({ DomainName: 'api.example.com', DomainNameConfigurations: [{ CertificateArn: MAPPED_ARN }] })))
    assert.deepEqual([again.name, again.status, again.message], ['ConflictException', 409, 'The domain name you provided already exists.'])
  })

  it('refuses a certificate ARN the operator has not mapped to files, and a domain without a certificate, saying what to do', async () => {
    const unmapped = await failure(rest.send(new CreateDomainNameCommand({ domainName: 'nocert.example.com', regionalCertificateArn: UNMAPPED_ARN, endpointConfiguration: { types: ['REGIONAL'] } })))
    assert.equal(unmapped.name, 'BadRequestException')
    assert.match(unmapped.message, /^Certificate arn:aws:acm:.*deadbeef.* is not known to this gateway: there is no ACM here, so map the ARN to PEM files in the config file \(certificates: /)
    const v2unmapped = await failure(client2.send(new v2.CreateDomainNameCommand({ DomainName: 'nocert.example.com', DomainNameConfigurations: [{ CertificateArn: UNMAPPED_ARN }] })))
    assert.equal(v2unmapped.name, 'BadRequestException')
    assert.match(v2unmapped.message, /is not known to this gateway: there is no ACM here, so map the ARN to PEM files in the config file \(certificates: \{"arn:[^"]+": \{cert: FILE, key: FILE, chain: FILE\}\}\)$/)
    const v2none = await failure(client2.send(new v2.CreateDomainNameCommand({ DomainName: 'nocert.example.com', DomainNameConfigurations: [{ EndpointType: 'REGIONAL' }] })))
    assert.equal(v2none.message, "A certificate is required: give CertificateArn (an ARN mapped to PEM files in the config file's certificates:)")
    const v2noConfig = await failure(client2.send(new v2.CreateDomainNameCommand({ DomainName: 'nocert.example.com' })))
    assert.equal(v2noConfig.message, 'DomainNameConfigurations is required: give [{CertificateArn, EndpointType, SecurityPolicy}]')

    const none = await failure(rest.send(new CreateDomainNameCommand({ domainName: 'nocert.example.com' })))
    assert.equal(none.message, "A certificate is required: give certificateArn (an ARN mapped to PEM files in the config file's certificates:) or certificateBody and certificatePrivateKey")
    const wrongMember = await failure(rest.send(new CreateDomainNameCommand({ domainName: 'nocert.example.com', certificateArn: MAPPED_ARN, endpointConfiguration: { types: ['REGIONAL'] } })))
    assert.equal(wrongMember.message, 'certificateArn is for EDGE domain names; a REGIONAL domain name takes regionalCertificateArn')
    const badName = await failure(rest.send(new CreateDomainNameCommand({ domainName: 'not a domain', certificateArn: MAPPED_ARN })))
    assert.match(badName.message, /^Invalid domain name specified: not a domain\./)
    const badPolicy = await failure(rest.send(new CreateDomainNameCommand({ domainName: 'nocert.example.com', certificateArn: MAPPED_ARN, securityPolicy: 'TLS_1_3' as 'TLS_1_2' })))
    assert.equal(badPolicy.message, 'Invalid security policy specified: TLS_1_3. Valid options are TLS_1_0,TLS_1_2')
    const privateType = await failure(rest.send(new CreateDomainNameCommand({ domainName: 'nocert.example.com', certificateArn: MAPPED_ARN, endpointConfiguration: { types: ['PRIVATE'] } })))
    assert.match(privateType.message, /^PRIVATE custom domain names are not supported/)
    const twoTypes = await failure(rest.send(new CreateDomainNameCommand({ domainName: 'nocert.example.com', certificateArn: MAPPED_ARN, endpointConfiguration: { types: ['EDGE', 'REGIONAL'] } })))
    assert.equal(twoTypes.message, 'Cannot create an api with multiple Endpoint Types.')
    assert.equal(await stored('nocert.example.com'), undefined)
  })

  it('takes a certificate as PEM text (checked to parse, key matching, covering the domain) and never gives the key back', async () => {
    const created = await rest.send(new CreateDomainNameCommand({ domainName: 'edge.example.com', certificateName: 'site', certificateBody: certs.cert, certificatePrivateKey: certs.key, certificateChain: certs.ca }))
    assert.match(created.distributionDomainName!, /^d[a-z0-9]{13}\.cloudfront\.net$/)
    assert.equal(created.distributionHostedZoneId, 'Z2FDTNDATAQYW2')
    assert.deepEqual(created.endpointConfiguration?.types, ['EDGE'])
    assert.equal(created.certificateName, 'site')
    assert.equal(created.securityPolicy, 'TLS_1_2')
    for (const answer of [created, await rest.send(new GetDomainNameCommand({ domainName: 'edge.example.com' })), await client2.send(new v2.GetDomainNameCommand({ DomainName: 'edge.example.com' }))]) {
      const text = JSON.stringify(answer)
      assert.ok(!text.includes('PRIVATE KEY') && !text.includes('BEGIN CERTIFICATE'), 'no PEM text in the answer')
    }
    const doc = await stored('edge.example.com')
    assert.deepEqual(doc?.value.certificatePem, { body: certs.cert, privateKey: certs.key, chain: certs.ca })
    assert.equal(doc?.value.certificateArn, undefined)

    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ certificateBody: certs.cert, certificatePrivateKey: certs.otherKey }, /^certificatePrivateKey does not match certificateBody/],
      [{ certificateBody: 'not a certificate', certificatePrivateKey: certs.key }, /^certificateBody is not a PEM certificate/],
      [{ certificateBody: certs.cert, certificatePrivateKey: 'not a key' }, /^certificatePrivateKey is not a PEM private key/],
      [{ certificateBody: certs.cert }, /^A certificate given as PEM needs both certificateBody and certificatePrivateKey$/],
      [{ certificateBody: certs.cert, certificatePrivateKey: certs.key, certificateChain: 'junk' }, /^certificateChain holds no PEM certificate/],
      [{ certificateBody: certs.cert, certificatePrivateKey: certs.key, certificateArn: MAPPED_ARN }, /either as certificateArn or as certificateBody/],
    ]
    for (const [fields, message] of cases) {
      const f = await failure(rest.send(new CreateDomainNameCommand({ domainName: 'pem.example.com', ...fields })))
      assert.equal(f.name, 'BadRequestException')
      assert.match(f.message, message)
    }
    const notCovered = await failure(rest.send(new CreateDomainNameCommand({ domainName: 'api.other.org', certificateBody: certs.cert, certificatePrivateKey: certs.key })))
    assert.match(notCovered.message, /^The certificate does not cover api\.other\.org \(its subject is CN=api\.example\.com; DNS:api\.example\.com, DNS:\*\.example\.com\)$/)
    // A wildcard domain is covered by a wildcard certificate.
    await rest.send(new CreateDomainNameCommand({ domainName: '*.example.com', certificateBody: certs.cert, certificatePrivateKey: certs.key }))
    assert.equal((await stored('*.example.com'))?.value.domainName, '*.example.com')
  })

  it('reads the mutual TLS truststore from a file:// URI or an absolute path, and refuses s3:// and what cannot be read', async () => {
    const uri = pathToFileURL(certs.caPath).href
    const created = await rest.send(
      new CreateDomainNameCommand({ domainName: 'mtls.example.com', regionalCertificateArn: MAPPED_ARN, endpointConfiguration: { types: ['REGIONAL'] }, mutualTlsAuthentication: { truststoreUri: uri, truststoreVersion: '1' } }),
    )
    assert.deepEqual(created.mutualTlsAuthentication, { truststoreUri: uri, truststoreVersion: '1' })
    assert.deepEqual((await stored('mtls.example.com'))?.value.mutualTlsAuthentication, { truststoreUri: uri, truststoreVersion: '1', truststorePem: certs.ca })
    const v2seen = await client2.send(new v2.GetDomainNameCommand({ DomainName: 'mtls.example.com' }))
    assert.deepEqual(v2seen.MutualTlsAuthentication, { TruststoreUri: uri, TruststoreVersion: '1' })

    writeFileSync(join(tmp.dir, 'junk.pem'), 'no certificates here\n')
    const cases: Array<[string, RegExp]> = [
      ['s3://bucket/truststore.pem', /^Cannot read the truststore s3:\/\/bucket\/truststore\.pem: this gateway has no S3\. Put the PEM bundle on the gateway's host and give it as a file:\/\/ URI or an absolute path$/],
      ['truststore.pem', /^Invalid truststoreUri truststore\.pem: give a file:\/\/ URI or an absolute path/],
      [join(tmp.dir, 'missing.pem'), /^Cannot read the truststore .*missing\.pem: ENOENT$/],
      [join(tmp.dir, 'junk.pem'), /^Invalid truststore: the truststore .*junk\.pem holds no PEM certificate/],
    ]
    for (const [truststoreUri, message] of cases) {
      const f = await failure(rest.send(new CreateDomainNameCommand({ domainName: 'mtls2.example.com', regionalCertificateArn: MAPPED_ARN, endpointConfiguration: { types: ['REGIONAL'] }, mutualTlsAuthentication: { truststoreUri } })))
      assert.equal(f.name, 'BadRequestException')
      assert.match(f.message, message)
    }
    const edge = await failure(rest.send(new CreateDomainNameCommand({ domainName: 'mtls2.example.com', certificateArn: MAPPED_ARN, mutualTlsAuthentication: { truststoreUri: certs.caPath } })))
    assert.equal(edge.message, 'Mutual TLS authentication is only supported on REGIONAL custom domain names')
    const v2s3 = await failure(client2.send(new v2.CreateDomainNameCommand({ DomainName: 'mtls2.example.com', DomainNameConfigurations: [{ CertificateArn: MAPPED_ARN }], MutualTlsAuthentication: { TruststoreUri: 's3://b/k.pem' } })))
    assert.match(v2s3.message, /this gateway has no S3/)
  })

  it('updates a domain with AWS patch operations (apigateway) and with UpdateDomainName (apigatewayv2)', async () => {
    await rest.send(new CreateDomainNameCommand({ domainName: 'upd.example.com', regionalCertificateArn: MAPPED_ARN, endpointConfiguration: { types: ['REGIONAL'] } }))
    const updated = await rest.send(
      new UpdateDomainNameCommand({
        domainName: 'upd.example.com',
        patchOperations: [
          { op: 'replace', path: '/regionalCertificateArn', value: OTHER_MAPPED_ARN },
          { op: 'replace', path: '/mutualTlsAuthentication/truststoreUri', value: certs.caPath },
          { op: 'replace', path: '/mutualTlsAuthentication/truststoreVersion', value: '7' },
        ],
      }),
    )
    assert.equal(updated.regionalCertificateArn, OTHER_MAPPED_ARN)
    assert.deepEqual(updated.mutualTlsAuthentication, { truststoreUri: certs.caPath, truststoreVersion: '7' })

    const tls10 = await failure(rest.send(new UpdateDomainNameCommand({ domainName: 'upd.example.com', patchOperations: [{ op: 'replace', path: '/securityPolicy', value: 'TLS_1_0' }] })))
    assert.equal(tls10.message, 'Mutual TLS authentication requires the TLS_1_2 security policy')
    const dropped = await rest.send(
      new UpdateDomainNameCommand({
        domainName: 'upd.example.com',
        patchOperations: [
          { op: 'remove', path: '/mutualTlsAuthentication' },
          { op: 'replace', path: '/securityPolicy', value: 'TLS_1_0' },
        ],
      }),
    )
    assert.equal(dropped.mutualTlsAuthentication, undefined)
    assert.equal(dropped.securityPolicy, 'TLS_1_0')

    const badPath = await failure(rest.send(new UpdateDomainNameCommand({ domainName: 'upd.example.com', patchOperations: [{ op: 'replace', path: '/domainName', value: 'x.example.com' }] })))
    assert.equal(badPath.name, 'BadRequestException')
    assert.match(badPath.message, /^Invalid patch path {2}'\/domainName' specified for op 'replace'\. Must be one of: \[\/certificateArn, /)
    const unmapped = await failure(rest.send(new UpdateDomainNameCommand({ domainName: 'upd.example.com', patchOperations: [{ op: 'replace', path: '/regionalCertificateArn', value: UNMAPPED_ARN }] })))
    assert.match(unmapped.message, /is not known to this gateway/)
    const edgeArn = await failure(rest.send(new UpdateDomainNameCommand({ domainName: 'upd.example.com', patchOperations: [{ op: 'replace', path: '/certificateArn', value: MAPPED_ARN }] })))
    assert.equal(edgeArn.message, 'certificateArn is for EDGE domain names; this one is REGIONAL')

    const v2updated = await client2.send(
      new v2.UpdateDomainNameCommand({ DomainName: 'upd.example.com', DomainNameConfigurations: [{ CertificateArn: MAPPED_ARN, SecurityPolicy: 'TLS_1_2', EndpointType: 'REGIONAL' }], MutualTlsAuthentication: { TruststoreUri: pathToFileURL(certs.caPath).href } }),
    )
    assert.deepEqual([v2updated.DomainNameConfigurations?.[0]?.CertificateArn, v2updated.DomainNameConfigurations?.[0]?.SecurityPolicy], [MAPPED_ARN, 'TLS_1_2'])
    assert.equal(v2updated.MutualTlsAuthentication?.TruststoreUri, pathToFileURL(certs.caPath).href)
    const doc = await stored('upd.example.com')
    assert.deepEqual([doc?.value.certificateArn, doc?.value.securityPolicy, doc?.value.mutualTlsAuthentication?.truststorePem], [MAPPED_ARN, 'TLS_1_2', certs.ca])

    const missing = await failure(rest.send(new UpdateDomainNameCommand({ domainName: 'nowhere.example.com', patchOperations: [] })))
    assert.deepEqual([missing.name, missing.status, missing.message], ['NotFoundException', 404, 'Invalid domain name identifier specified'])
  })

  it('makes a domain written by the config file admin-owned once it is changed through the admin API', async () => {
    const store = gw.gateway.store!
    const value: DomainName = { domainName: 'file.example.com', certificateFiles: { certFile: certs.certPath, keyFile: certs.keyPath }, securityPolicy: 'TLS_1_2', endpointType: 'REGIONAL', mappings: [], tags: {}, createdDate: new Date().toISOString() }
    await store.apply([{ op: 'put', kind: 'domain', id: 'file.example.com', value, origin: 'file', expectRevision: 0 }])
    const got = await rest.send(new GetDomainNameCommand({ domainName: 'file.example.com' }))
    assert.equal(got.regionalCertificateArn, undefined)
    await rest.send(new CreateBasePathMappingCommand({ domainName: 'file.example.com', basePath: 'shop', restApiId: 'shop01', stage: 'prod' }))
    const doc = await stored('file.example.com')
    assert.equal(doc?.origin, 'admin')
    assert.deepEqual(doc?.value.certificateFiles, { certFile: certs.certPath, keyFile: certs.keyPath })
    assert.deepEqual(doc?.value.mappings.map((m) => [m.basePath, m.apiId, m.stage]), [['shop', 'shop01', 'prod']])
    await rest.send(new DeleteDomainNameCommand({ domainName: 'file.example.com' }))
  })

  it('pages GetDomainNames with limit/position (apigateway) and MaxResults/NextToken (apigatewayv2)', async () => {
    for (const n of ['p1', 'p2', 'p3']) await rest.send(new CreateDomainNameCommand({ domainName: `${n}.paging.example.com`, regionalCertificateArn: MAPPED_ARN, endpointConfiguration: { types: ['REGIONAL'] } }))
    const all = (await rest.send(new GetDomainNamesCommand({ limit: 500 }))).items!.map((d) => d.domainName!)
    assert.deepEqual(all, [...all].sort())
    assert.ok(all.includes('p2.paging.example.com'))
    const names: string[] = []
    let position: string | undefined
    let pages = 0
    do {
      const p = await rest.send(new GetDomainNamesCommand({ limit: 2, ...(position ? { position } : {}) }))
      assert.ok(p.items!.length <= 2)
      names.push(...p.items!.map((d) => d.domainName!))
      position = p.position
      pages++
    } while (position)
    assert.deepEqual(names, all)
    assert.equal(pages, Math.ceil(all.length / 2))

    const v2names: string[] = []
    let token: string | undefined
    do {
      const p = await client2.send(new v2.GetDomainNamesCommand({ MaxResults: '2', ...(token ? { NextToken: token } : {}) }))
      v2names.push(...p.Items!.map((d) => d.DomainName!))
      token = p.NextToken
    } while (token)
    assert.deepEqual(v2names, all)
  })

  it('maps base paths to REST API stages: root, single and multi-level, get, update, delete, and the errors AWS gives', async () => {
    const domainName = 'maps.example.com'
    await rest.send(new CreateDomainNameCommand({ domainName, regionalCertificateArn: MAPPED_ARN, endpointConfiguration: { types: ['REGIONAL'] } }))
    const root = await rest.send(new CreateBasePathMappingCommand({ domainName, restApiId: 'shop01', stage: 'prod' }))
    assert.equal(root.$metadata.httpStatusCode, 201)
    assert.deepEqual([root.basePath, root.restApiId, root.stage], ['(none)', 'shop01', 'prod'])
    await rest.send(new CreateBasePathMappingCommand({ domainName, basePath: 'v1', restApiId: 'shop01', stage: 'dev' }))
    await rest.send(new CreateBasePathMappingCommand({ domainName, basePath: 'shop/v2', restApiId: 'shop01' }))

    const list = await rest.send(new GetBasePathMappingsCommand({ domainName }))
    assert.deepEqual(list.items?.map((m) => [m.basePath, m.restApiId, m.stage]), [['(none)', 'shop01', 'prod'], ['shop/v2', 'shop01', undefined], ['v1', 'shop01', 'dev']])
    const paged = await rest.send(new GetBasePathMappingsCommand({ domainName, limit: 2 }))
    assert.equal(paged.items?.length, 2)
    const rest2 = await rest.send(new GetBasePathMappingsCommand({ domainName, limit: 2, position: paged.position! }))
    assert.deepEqual(rest2.items?.map((m) => m.basePath), ['v1'])

    assert.equal((await rest.send(new GetBasePathMappingCommand({ domainName, basePath: '(none)' }))).stage, 'prod')
    assert.equal((await rest.send(new GetBasePathMappingCommand({ domainName, basePath: 'shop/v2' }))).restApiId, 'shop01')
    const missing = await failure(rest.send(new GetBasePathMappingCommand({ domainName, basePath: 'nope' })))
    assert.deepEqual([missing.name, missing.message], ['NotFoundException', 'Invalid base path mapping identifier specified'])

    const taken = await failure(rest.send(new CreateBasePathMappingCommand({ domainName, basePath: 'v1', restApiId: 'shop01', stage: 'prod' })))
    assert.deepEqual([taken.name, taken.status, taken.message], ['ConflictException', 409, 'Base path already exists for this domain name'])
    for (const basePath of ['/v1', 'v1/', 'a b', 'v1//x', 'caf\u00e9', 'a?b', 'x'.repeat(301)]) {
      const bad = await failure(rest.send(new CreateBasePathMappingCommand({ domainName, basePath, restApiId: 'shop01' })))
      assert.equal(bad.name, 'BadRequestException')
      assert.match(bad.message, /^Invalid base path specified: .*\. A base path is one or more segments of letters, digits and \$-_\.\+!\*'\(\) separated by '\/'/)
    }
    // AWS's other characters are fine.
    const odd = await rest.send(new CreateBasePathMappingCommand({ domainName, basePath: "v1.0/a_b-c/$x+y!*'(z)", restApiId: 'shop01', stage: 'dev' }))
    assert.equal(odd.basePath, "v1.0/a_b-c/$x+y!*'(z)")
    assert.equal((await rest.send(new GetBasePathMappingCommand({ domainName, basePath: "v1.0/a_b-c/$x+y!*'(z)" }))).stage, 'dev')
    await rest.send(new DeleteBasePathMappingCommand({ domainName, basePath: "v1.0/a_b-c/$x+y!*'(z)" }))
    const noApi = await failure(rest.send(new CreateBasePathMappingCommand({ domainName, basePath: 'x', restApiId: 'nosuchapi' })))
    assert.deepEqual([noApi.name, noApi.status, noApi.message], ['BadRequestException', 400, 'Invalid REST API identifier specified'])
    const httpApi = await failure(rest.send(new CreateBasePathMappingCommand({ domainName, basePath: 'x', restApiId: 'orders01' })))
    assert.equal(httpApi.message, 'Invalid REST API identifier specified')
    const noStage = await failure(rest.send(new CreateBasePathMappingCommand({ domainName, basePath: 'x', restApiId: 'shop01', stage: 'staging' })))
    assert.deepEqual([noStage.name, noStage.message], ['BadRequestException', 'Invalid stage identifier specified'])
    const noDomain = await failure(rest.send(new CreateBasePathMappingCommand({ domainName: 'nowhere.example.com', restApiId: 'shop01' })))
    assert.deepEqual([noDomain.name, noDomain.message], ['NotFoundException', 'Invalid domain name identifier specified'])

    // Multi-level base paths need a REGIONAL domain with TLS 1.2.
    const tls10 = await failure(rest.send(new UpdateDomainNameCommand({ domainName, patchOperations: [{ op: 'replace', path: '/securityPolicy', value: 'TLS_1_0' }] })))
    assert.equal(tls10.message, 'Multi-level base paths (shop/v2) are only supported on REGIONAL custom domain names with the TLS_1_2 security policy')
    await rest.send(new CreateDomainNameCommand({ domainName: 'edgemaps.example.com', certificateArn: MAPPED_ARN }))
    const edge = await failure(rest.send(new CreateBasePathMappingCommand({ domainName: 'edgemaps.example.com', basePath: 'a/b', restApiId: 'shop01' })))
    assert.match(edge.message, /^Multi-level base paths \(a\/b\) are only supported on REGIONAL/)

    const moved = await rest.send(
      new UpdateBasePathMappingCommand({
        domainName,
        basePath: 'v1',
        patchOperations: [
          { op: 'replace', path: '/basePath', value: 'v3' },
          { op: 'replace', path: '/stage', value: 'prod' },
        ],
      }),
    )
    assert.deepEqual([moved.basePath, moved.restApiId, moved.stage], ['v3', 'shop01', 'prod'])
    const clash = await failure(rest.send(new UpdateBasePathMappingCommand({ domainName, basePath: 'v3', patchOperations: [{ op: 'replace', path: '/basePath', value: '(none)' }] })))
    assert.equal(clash.name, 'ConflictException')
    const badOp = await failure(rest.send(new UpdateBasePathMappingCommand({ domainName, basePath: 'v3', patchOperations: [{ op: 'add', path: '/stage', value: 'dev' }] })))
    assert.equal(badOp.message, "Invalid patch path  '/stage' specified for op 'add'. Must be one of: [/basePath, /restapiId, /stage]")
    const badStage = await failure(rest.send(new UpdateBasePathMappingCommand({ domainName, basePath: 'v3', patchOperations: [{ op: 'replace', path: '/stage', value: 'gone' }] })))
    assert.equal(badStage.message, 'Invalid stage identifier specified')

    const deleted = await rest.send(new DeleteBasePathMappingCommand({ domainName, basePath: 'v3' }))
    assert.equal(deleted.$metadata.httpStatusCode, 202)
    await rest.send(new DeleteBasePathMappingCommand({ domainName, basePath: '(none)' }))
    assert.deepEqual((await stored(domainName))?.value.mappings.map((m) => [m.basePath, m.apiId, m.stage ?? null]), [['shop/v2', 'shop01', null]])
  })

  it('shows REST base path mappings as API mappings and API mappings as base path mappings (one namespace)', async () => {
    const domainName = 'shared.example.com'
    const created = await client2.send(new v2.CreateDomainNameCommand({ DomainName: domainName, DomainNameConfigurations: [{ CertificateArn: MAPPED_ARN }], Tags: { env: 'test' } }))
    assert.deepEqual([created.DomainNameConfigurations?.[0]?.EndpointType, created.DomainNameConfigurations?.[0]?.SecurityPolicy, created.Tags], ['REGIONAL', 'TLS_1_2', { env: 'test' }])
    assert.match(created.DomainNameConfigurations![0]!.ApiGatewayDomainName!, REGIONAL_TARGET)

    const orders = await client2.send(new v2.CreateApiMappingCommand({ DomainName: domainName, ApiId: 'orders01', Stage: '$default', ApiMappingKey: 'orders/v1' }))
    assert.match(orders.ApiMappingId!, /^[a-z0-9]{6}$/)
    assert.deepEqual([orders.ApiId, orders.Stage, orders.ApiMappingKey], ['orders01', '$default', 'orders/v1'])
    // A REST API stage can be mapped through apigatewayv2 too.
    const shopV2 = await client2.send(new v2.CreateApiMappingCommand({ DomainName: domainName, ApiId: 'shop01', Stage: 'dev', ApiMappingKey: 'shop' }))
    await rest.send(new CreateBasePathMappingCommand({ domainName, restApiId: 'shop01', stage: 'prod' }))

    const asApiMappings = await client2.send(new v2.GetApiMappingsCommand({ DomainName: domainName }))
    assert.deepEqual(asApiMappings.Items?.map((m) => [m.ApiMappingKey, m.ApiId, m.Stage]), [['', 'shop01', 'prod'], ['orders/v1', 'orders01', '$default'], ['shop', 'shop01', 'dev']])
    const asBasePaths = await rest.send(new GetBasePathMappingsCommand({ domainName }))
    assert.deepEqual(asBasePaths.items?.map((m) => [m.basePath, m.restApiId, m.stage]), [['(none)', 'shop01', 'prod'], ['orders/v1', 'orders01', '$default'], ['shop', 'shop01', 'dev']])

    // apigateway's UpdateBasePathMapping edits a mapping made by CreateApiMapping; a new restapiId must be a REST API.
    const viaRest = await rest.send(new UpdateBasePathMappingCommand({ domainName, basePath: 'orders/v1', patchOperations: [{ op: 'replace', path: '/basePath', value: 'orders/v2' }] }))
    assert.deepEqual([viaRest.basePath, viaRest.restApiId, viaRest.stage], ['orders/v2', 'orders01', '$default'])
    await rest.send(new UpdateBasePathMappingCommand({ domainName, basePath: 'orders/v2', patchOperations: [{ op: 'replace', path: '/basePath', value: 'orders/v1' }] }))
    const toHttp = await failure(rest.send(new UpdateBasePathMappingCommand({ domainName, basePath: '(none)', patchOperations: [{ op: 'replace', path: '/restapiId', value: 'orders01' }] })))
    assert.deepEqual([toHttp.name, toHttp.message], ['BadRequestException', 'Invalid REST API identifier specified'])

    const one = await client2.send(new v2.GetApiMappingCommand({ DomainName: domainName, ApiMappingId: orders.ApiMappingId }))
    assert.equal(one.ApiMappingKey, 'orders/v1')
    const taken = await failure(client2.send(new v2.CreateApiMappingCommand({ DomainName: domainName, ApiId: 'orders01', Stage: '$default', ApiMappingKey: 'shop' })))
    assert.deepEqual([taken.name, taken.status], ['ConflictException', 409])
    const noStage = await failure(client2.send(new v2.CreateApiMappingCommand({ DomainName: domainName, ApiId: 'orders01', Stage: '', ApiMappingKey: 'x' })))
    assert.deepEqual([noStage.name, noStage.message], ['BadRequestException', 'Stage is required: the stage of the API the mapping routes to'])
    const unknownStage = await failure(client2.send(new v2.CreateApiMappingCommand({ DomainName: domainName, ApiId: 'orders01', Stage: 'beta', ApiMappingKey: 'x' })))
    assert.deepEqual([unknownStage.name, unknownStage.message], ['BadRequestException', 'Invalid stage identifier specified beta'])
    const unknownApi = await failure(client2.send(new v2.CreateApiMappingCommand({ DomainName: domainName, ApiId: 'nosuchapi', Stage: 'x', ApiMappingKey: 'x' })))
    assert.deepEqual([unknownApi.name, unknownApi.status, unknownApi.message], ['NotFoundException', 404, 'Invalid API identifier specified 000000000000:nosuchapi'])
    const unknownId = await failure(client2.send(new v2.GetApiMappingCommand({ DomainName: domainName, ApiMappingId: 'zzzzzz' })))
    assert.deepEqual([unknownId.name, unknownId.message], ['NotFoundException', 'Invalid API mapping identifier specified'])

    await rest.send(new CreateDomainNameCommand({ domainName: 'legacy.example.com', certificateArn: MAPPED_ARN, securityPolicy: 'TLS_1_0' }))
    const httpOnEdge = await failure(client2.send(new v2.CreateApiMappingCommand({ DomainName: 'legacy.example.com', ApiId: 'orders01', Stage: '$default' })))
    assert.deepEqual([httpOnEdge.name, httpOnEdge.message], ['BadRequestException', 'HTTP and WebSocket APIs can be mapped only on REGIONAL custom domain names with the TLS_1_2 security policy'])

    const updated = await client2.send(new v2.UpdateApiMappingCommand({ DomainName: domainName, ApiMappingId: shopV2.ApiMappingId, ApiId: 'shop01', ApiMappingKey: 'store', Stage: 'prod' }))
    assert.deepEqual([updated.ApiMappingKey, updated.Stage], ['store', 'prod'])
    assert.equal((await rest.send(new GetBasePathMappingCommand({ domainName, basePath: 'store' }))).stage, 'prod')
    const gone = await client2.send(new v2.DeleteApiMappingCommand({ DomainName: domainName, ApiMappingId: shopV2.ApiMappingId }))
    assert.equal(gone.$metadata.httpStatusCode, 204)
    const doc = await stored(domainName)
    assert.deepEqual(
      doc?.value.mappings.map((m) => ({ ...m, id: m.id === orders.ApiMappingId ? 'orders' : 'other' })),
      [
        { id: 'orders', basePath: 'orders/v1', apiId: 'orders01', stage: '$default' },
        { id: 'other', basePath: '', apiId: 'shop01', stage: 'prod' },
      ],
    )
    assert.match(doc!.value.mappings[1]!.id, /^[a-z0-9]{6}$/)
  })

  it('refuses to delete an API or a stage a domain maps, with AWS words, until the mapping is removed', async () => {
    const api = await rest.send(new CreateRestApiCommand({ name: 'mapped' }))
    const rootId = (await rest.send(new GetResourcesCommand({ restApiId: api.id }))).items![0]!.id!
    await rest.send(new PutMethodCommand({ restApiId: api.id, resourceId: rootId, httpMethod: 'GET', authorizationType: 'NONE' }))
    await rest.send(new PutIntegrationCommand({ restApiId: api.id, resourceId: rootId, httpMethod: 'GET', type: 'MOCK' }))
    await rest.send(new CreateDeploymentCommand({ restApiId: api.id, stageName: 'live' }))
    await rest.send(new CreateDomainNameCommand({ domainName: 'guard.example.com', regionalCertificateArn: MAPPED_ARN, endpointConfiguration: { types: ['REGIONAL'] } }))
    await rest.send(new CreateBasePathMappingCommand({ domainName: 'guard.example.com', basePath: 'live', restApiId: api.id, stage: 'live' }))

    const stage = await failure(rest.send(new DeleteStageCommand({ restApiId: api.id, stageName: 'live' })))
    assert.deepEqual([stage.name, stage.message], ['BadRequestException', 'Deleting stage live failed. Please remove all base path mappings related to the stage in your domains: guard.example.com'])
    const whole = await failure(rest.send(new DeleteRestApiCommand({ restApiId: api.id })))
    assert.equal(whole.message, `Deleting RestApi ${api.id} failed. Please remove all base path mappings related to the RestApi in your domains: guard.example.com`)

    const httpApi = await client2.send(new v2.CreateApiCommand({ Name: 'mapped-http', ProtocolType: 'HTTP', Target: 'http://127.0.0.1:9' }))
    const mapping = await client2.send(new v2.CreateApiMappingCommand({ DomainName: 'guard.example.com', ApiId: httpApi.ApiId, Stage: '$default', ApiMappingKey: 'http' }))
    const v2stage = await failure(client2.send(new v2.DeleteStageCommand({ ApiId: httpApi.ApiId, StageName: '$default' })))
    assert.equal(v2stage.message, 'Deleting stage $default failed. Please remove all API mappings for the stage from your custom domain names.')
    const v2api = await failure(client2.send(new v2.DeleteApiCommand({ ApiId: httpApi.ApiId })))
    assert.equal(v2api.message, `Deleting API ${httpApi.ApiId} failed. Please remove all API mappings for the API from your custom domain names.`)

    await client2.send(new v2.DeleteApiMappingCommand({ DomainName: 'guard.example.com', ApiMappingId: mapping.ApiMappingId }))
    await client2.send(new v2.DeleteApiCommand({ ApiId: httpApi.ApiId }))
    // Deleting the domain deletes its mappings: the REST API can go too.
    const deleted = await rest.send(new DeleteDomainNameCommand({ domainName: 'guard.example.com' }))
    assert.equal(deleted.$metadata.httpStatusCode, 202)
    assert.equal(await stored('guard.example.com'), undefined)
    await rest.send(new DeleteRestApiCommand({ restApiId: api.id }))
  })

  it('tags a domain by its ARN, and deletes a domain through apigatewayv2', async () => {
    await client2.send(new v2.CreateDomainNameCommand({ DomainName: 'tagged.example.com', DomainNameConfigurations: [{ CertificateArn: MAPPED_ARN }] }))
    const arn = 'arn:aws:apigateway:us-east-1::/domainnames/tagged.example.com'
    await rest.send(new TagResourceCommand({ resourceArn: arn, tags: { owner: 'ops' } }))
    assert.deepEqual((await rest.send(new GetTagsCommand({ resourceArn: arn }))).tags, { owner: 'ops' })
    assert.deepEqual((await client2.send(new v2.GetDomainNameCommand({ DomainName: 'tagged.example.com' }))).Tags, { owner: 'ops' })
    const deleted = await client2.send(new v2.DeleteDomainNameCommand({ DomainName: 'tagged.example.com' }))
    assert.equal(deleted.$metadata.httpStatusCode, 204)
    const gone = await failure(client2.send(new v2.GetDomainNameCommand({ DomainName: 'tagged.example.com' })))
    assert.deepEqual([gone.name, gone.status, gone.message], ['NotFoundException', 404, 'Invalid domain name identifier specified'])
  })
})
