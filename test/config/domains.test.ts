// The config file's `domains:` and `certificates:` (docs/custom-domains.md): a good declaration becomes
// DomainName documents (mappings resolved to API ids, files absolute and watched); every mistake is a
// problem with its JSON-pointer path, all of them in one ConfigError.

import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { loadDesiredState, apiIdFor } from '../../src/controlplane/config/desired.js'
import type { Sources } from '../../src/controlplane/config/desired.js'
import { ORDERS_HTTP, PETSTORE_REST, problemAt, problemsOf, tempDir } from './helpers.js'
import type { TempDir } from './helpers.js'

function sources(over: Partial<Sources>): Sources {
  return { restApis: [], httpApis: [], stageVariables: {}, ...over }
}

const APIS = `apis:
  - name: petstore
    type: rest
    openapi: ./petstore.yaml
    stages: { prod: {}, beta: {} }
  - name: orders
    type: http
    openapi: ./orders.yaml
    stages: { $default: {} }
`

describe('config: custom domains', () => {
  let tmp: TempDir
  let n = 0
  let opensslMissing: string | false = false
  before(async () => {
    tmp = await tempDir()
    await tmp.write('petstore.yaml', PETSTORE_REST)
    await tmp.write('orders.yaml', ORDERS_HTTP)
    try {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'api.key', '-out', 'api.pem', '-days', '2', '-subj', '/CN=api.example.com'], { cwd: tmp.dir, stdio: 'pipe' })
    } catch (err) {
      opensslMissing = `openssl is needed to make a test certificate: ${(err as Error).message}`
    }
  })
  after(() => tmp.remove())

  async function write(yaml: string): Promise<string> {
    const name = `config-${++n}.yaml`
    await tmp.write(name, APIS + yaml)
    return name
  }

  it('becomes DomainName documents: mappings resolved to API ids, (none) as "", files absolute and watched, ARNs through certificates', async (t) => {
    if (opensslMissing) return t.skip(opensslMissing)
    const name = await write(`certificates:
  "arn:aws:acm:us-east-1:123456789012:certificate/abc-123": { cert: ./api.pem, key: ./api.key }
domains:
  - domainName: API.example.com
    certificate: { cert: ./api.pem, key: ./api.key }
    mappings:
      - { basePath: (none), api: petstore, stage: prod }
      - { basePath: v1/orders, api: orders, stage: $default }
      - { basePath: staged, api: petstore }
  - domainName: "*.apps.example.com"
    certificateArn: arn:aws:acm:us-east-1:123456789012:certificate/abc-123
    mutualTls: { truststore: ./api.pem }
`)
    const d = await loadDesiredState(sources({ configFile: name, cwd: tmp.dir }))
    assert.equal(d.domains.length, 2)
    const [api, apps] = d.domains
    assert.equal(api!.domainName, 'api.example.com')
    assert.equal(api!.securityPolicy, 'TLS_1_2')
    assert.deepEqual(api!.certificateFiles, { certFile: join(tmp.dir, 'api.pem'), keyFile: join(tmp.dir, 'api.key') })
    assert.deepEqual(
      api!.mappings.map((m) => [m.basePath, m.apiId, m.stage]),
      [
        ['', apiIdFor('rest', 'petstore'), 'prod'],
        ['v1/orders', apiIdFor('http', 'orders'), '$default'],
        ['staged', apiIdFor('rest', 'petstore'), undefined],
      ],
    )
    assert.equal(apps!.certificateArn, 'arn:aws:acm:us-east-1:123456789012:certificate/abc-123')
    assert.deepEqual(d.settings.certificates, { 'arn:aws:acm:us-east-1:123456789012:certificate/abc-123': { certFile: join(tmp.dir, 'api.pem'), keyFile: join(tmp.dir, 'api.key') } })
    assert.deepEqual(apps!.mutualTlsAuthentication, { truststoreUri: join(tmp.dir, 'api.pem') })
    // Certificate, key and truststore files are watched: replacing them reloads.
    for (const f of ['api.pem', 'api.key']) assert.ok(d.files.includes(join(tmp.dir, f)), f)
  })

  it('reports every problem with its path', async () => {
    await tmp.write('garbage.pem', 'not a certificate\n')
    const name = await write(`certificates:
  "arn:aws:acm:us-east-1:123456789012:certificate/bad": { cert: ./garbage.pem, key: ./garbage.pem }
  not-an-arn: { cert: ./api.pem, key: ./api.key }
domains:
  - domainName: api.example.com
    certificate: { cert: ./missing.pem, key: ./api.key }
    mappings:
      - { basePath: v1, api: nosuchapi, stage: prod }
      - { basePath: v1, api: petstore, stage: prod }
      - { basePath: /v2/, api: petstore, stage: prod }
      - { basePath: v3, api: petstore, stage: gamma }
      - { basePath: v4, api: orders }
  - domainName: other.example.com
    certificateArn: arn:aws:acm:us-east-1:123456789012:certificate/unknown
    securityPolicy: TLS_1_0
    mappings:
      - { basePath: a/b, api: petstore, stage: prod }
      - { basePath: c, api: orders, stage: $default }
  - domainName: API.EXAMPLE.COM
    certificateArn: arn:aws:acm:us-east-1:123456789012:certificate/bad
  - domainName: nocert.example.com
  - domainName: not a host
    certificate: { cert: ./api.pem, key: ./api.key }
  - domainName: mtls.example.com
    certificate: { cert: ./api.pem, key: ./api.key }
    mutualTls: { truststore: ./garbage.pem }
`)
    const problems = await problemsOf(() => loadDesiredState(sources({ configFile: name, cwd: tmp.dir })))
    assert.match(problemAt(problems, '/domains/0/certificate/cert').message, /cannot read the certificate .*missing\.pem/)
    assert.match(problemAt(problems, '/domains/0/mappings/0/api').message, /nosuchapi/)
    assert.match(problemAt(problems, '/domains/0/mappings/1/basePath').message, /base path v1 is already mapped at \/domains\/0\/mappings\/0/)
    assert.match(problemAt(problems, '/domains/0/mappings/2/basePath').message, /basePath is \(none\), or path segments/)
    assert.match(problemAt(problems, '/domains/0/mappings/3/stage').message, /no stage "gamma"; its stages are: prod, beta/)
    assert.match(problemAt(problems, '/domains/0/mappings/4').message, /HTTP API "orders" is mapped without a stage/)
    assert.match(problemAt(problems, '/domains/1/certificateArn').message, /not listed under certificates/)
    assert.match(problemAt(problems, '/domains/1/mappings/0/basePath').message, /multi-level base paths \(a\/b\) need securityPolicy TLS_1_2/)
    assert.match(problemAt(problems, '/domains/1/mappings/1/api').message, /HTTP APIs can be mapped only on domains with securityPolicy TLS_1_2/)
    assert.match(problemAt(problems, '/domains/2/domainName').message, /domain api\.example\.com is already declared at \/domains\/0/)
    assert.match(problemAt(problems, '/domains/3').message, /a domain needs a certificate/)
    assert.match(problemAt(problems, '/domains/4/domainName').message, /domainName is a host name/)
    assert.match(problemAt(problems, '/domains/5/mutualTls/truststore').message, /holds no PEM certificate/)
    assert.match(problemAt(problems, '/certificates/arn:aws:acm:us-east-1:123456789012:certificate~1bad/cert').message, /cannot serve TLS/)
    assert.match(problemAt(problems, '/certificates/not-an-arn').message, /not an ACM certificate ARN/)
  })

  it('a typo in a domain is refused by the schema with its path', async () => {
    const name = await write(`domains:
  - domainName: api.example.com
    certificateArn: arn:aws:acm:us-east-1:123456789012:certificate/x
    securityPolicy: TLS_1_3
    mapings: []
`)
    const problems = await problemsOf(() => loadDesiredState(sources({ configFile: name, cwd: tmp.dir })))
    problemAt(problems, '/domains/0/securityPolicy')
    problemAt(problems, '/domains/0/mapings')
  })
})
