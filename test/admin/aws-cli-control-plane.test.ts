// The REST and HTTP API control plane driven by the AWS CLI (whichever `aws` is on PATH), isolated from the
// machine's AWS configuration: the commands users type most — import-rest-api, get-rest-apis,
// get-resources, create-deployment, get-export, apigatewayv2 create-api/get-apis, custom domains and base path
// mappings — and a signed CLI request checked against listeners.admin.credentials. Skips when no `aws` is found.

import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { startGateway, tempDir, writeFile, type TestGateway } from '../helpers.js'
import { invoke, settle } from './control-plane.js'
import { restDefinition } from './helpers.js'
import { MAPPED_ARN, UNMAPPED_ARN, makeCerts, mapCertificates } from './domain-fixture.js'

const ADMIN = { accessKeyId: 'AKIDCLIADMIN', secretAccessKey: 'cli-admin-secret-0123456789' }

interface Run {
  code: number
  stdout: string
  stderr: string
}

function run(args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve) => {
    execFile('aws', args, { env, encoding: 'utf8', timeout: 90_000 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1
      resolve({ code, stdout, stderr: err !== null && typeof err.code !== 'number' ? `${err.message}\n${stderr}` : stderr })
    })
  })
}

/** The machine's environment without its AWS settings, with the given credentials and throwaway config files. */
function isolatedEnv(dir: string, accessKeyId: string, secretAccessKey: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('AWS_')) env[k] = v
  return {
    ...env,
    AWS_ACCESS_KEY_ID: accessKeyId,
    AWS_SECRET_ACCESS_KEY: secretAccessKey,
    AWS_CONFIG_FILE: join(dir, 'aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, 'aws-credentials'),
    AWS_PAGER: '',
    AWS_EC2_METADATA_DISABLED: 'true',
  }
}

describe('control plane through the AWS CLI', () => {
  let tmp: ReturnType<typeof tempDir>
  let gw: TestGateway
  let version: string | undefined
  const aws = (env: NodeJS.ProcessEnv, ...args: string[]): Promise<Run> => run([...args, '--endpoint-url', `http://127.0.0.1:${gw.adminPort}`, '--region', 'us-east-1', '--output', 'json'], env)

  before(async () => {
    tmp = tempDir()
    const probe = await run(['--version'], isolatedEnv(tmp.dir, 'x', 'y'))
    if (probe.code === 0) version = (probe.stdout || probe.stderr).trim()
    gw = await startGateway({ configFile: writeFile(tmp.dir, 'gatehouse.yaml', { listeners: { admin: { credentials: [ADMIN] } } }) })
  })
  after(async () => {
    await gw.stop()
    tmp.cleanup()
  })

  it('imports, lists, deploys and exports a REST API, and creates an HTTP API, with signed requests', async (t) => {
    if (version === undefined) {
      t.skip('no AWS CLI: `aws` is not on PATH (Debian: apt-get install awscli)')
      return
    }
    t.diagnostic(version)
    const env = isolatedEnv(tmp.dir, ADMIN.accessKeyId, ADMIN.secretAccessKey)
    const definition = writeFile(tmp.dir, 'pets.json', {
      openapi: '3.0.1',
      info: { title: 'cli-pets', version: '1' },
      paths: {
        '/pets': {
          get: {
            'x-amazon-apigateway-integration': { type: 'mock', requestTemplates: { 'application/json': '{"statusCode": 200}' }, responses: { default: { statusCode: '200', responseTemplates: { 'application/json': '{"pets": "from the cli"}' } } } },
          },
        },
      },
    })
    const imported = await aws(env, 'apigateway', 'import-rest-api', '--body', `fileb://${definition}`)
    assert.equal(imported.code, 0, imported.stderr)
    const api = JSON.parse(imported.stdout) as { id: string; name: string }
    assert.equal(api.name, 'cli-pets')

    const list = await aws(env, 'apigateway', 'get-rest-apis')
    assert.equal(list.code, 0, list.stderr)
    assert.ok((JSON.parse(list.stdout) as { items: Array<{ id: string }> }).items.some((a) => a.id === api.id))
    const resources = await aws(env, 'apigateway', 'get-resources', '--rest-api-id', api.id, '--embed', 'methods')
    assert.equal(resources.code, 0, resources.stderr)
    assert.deepEqual((JSON.parse(resources.stdout) as { items: Array<{ path: string }> }).items.map((r) => r.path), ['/', '/pets'])

    const deployed = await aws(env, 'apigateway', 'create-deployment', '--rest-api-id', api.id, '--stage-name', 'dev', '--description', 'from the CLI')
    assert.equal(deployed.code, 0, deployed.stderr)
    assert.equal((JSON.parse(deployed.stdout) as { description: string }).description, 'from the CLI')
    await settle(gw)
    assert.deepEqual((await invoke(gw, api.id, '/dev/pets')).json(), { pets: 'from the cli' })

    const out = join(tmp.dir, 'export.json')
    const exported = await aws(env, 'apigateway', 'get-export', '--rest-api-id', api.id, '--stage-name', 'dev', '--export-type', 'oas30', '--parameters', 'extensions=integrations', out)
    assert.equal(exported.code, 0, exported.stderr)
    const doc = JSON.parse(readFileSync(out, 'utf8')) as { info: { title: string }; paths: Record<string, Record<string, Record<string, unknown>>> }
    assert.equal(doc.info.title, 'cli-pets')
    assert.ok(doc.paths['/pets']!.get!['x-amazon-apigateway-integration'])

    const http = await aws(env, 'apigatewayv2', 'create-api', '--name', 'cli-http', '--protocol-type', 'HTTP', '--target', 'http://127.0.0.1:9')
    assert.equal(http.code, 0, http.stderr)
    const apis = await aws(env, 'apigatewayv2', 'get-apis')
    assert.ok((JSON.parse(apis.stdout) as { Items: Array<{ Name: string }> }).Items.some((a) => a.Name === 'cli-http'))

    const missing = await aws(env, 'apigateway', 'get-rest-api', '--rest-api-id', 'nope000000')
    assert.notEqual(missing.code, 0)
    assert.match(missing.stderr, /An error occurred \(NotFoundException\) when calling the GetRestApi operation: Invalid API identifier specified 000000000000:nope000000/)
    const badSecret = await aws(isolatedEnv(tmp.dir, ADMIN.accessKeyId, 'not-the-secret'), 'apigateway', 'get-rest-apis')
    assert.notEqual(badSecret.code, 0)
    assert.match(badSecret.stderr, /\(InvalidSignatureException\)/)
  })

  it('creates custom domains (mapped ARN, PEM files), maps a multi-level base path and reads it back as an API mapping', async (t) => {
    if (version === undefined) {
      t.skip('no AWS CLI: `aws` is not on PATH (Debian: apt-get install awscli)')
      return
    }
    const env = isolatedEnv(tmp.dir, ADMIN.accessKeyId, ADMIN.secretAccessKey)
    const certs = makeCerts(tmp.dir)
    await mapCertificates(gw, certs)
    const imported = await aws(env, 'apigateway', 'import-rest-api', '--body', `fileb://${writeFile(tmp.dir, 'domains.json', restDefinition('cli-domains'))}`)
    assert.equal(imported.code, 0, imported.stderr)
    const apiId = (JSON.parse(imported.stdout) as { id: string }).id
    assert.equal((await aws(env, 'apigateway', 'create-deployment', '--rest-api-id', apiId, '--stage-name', 'prod')).code, 0)

    const created = await aws(env, 'apigateway', 'create-domain-name', '--domain-name', 'cli.example.com', '--regional-certificate-arn', MAPPED_ARN, '--endpoint-configuration', 'types=REGIONAL', '--security-policy', 'TLS_1_2')
    assert.equal(created.code, 0, created.stderr)
    const domain = JSON.parse(created.stdout) as Record<string, unknown>
    assert.match(String(domain.regionalDomainName), /^d-[a-z0-9]{10}\.execute-api\.us-east-1\.amazonaws\.com$/)
    assert.deepEqual([domain.domainNameStatus, domain.regionalCertificateArn, domain.securityPolicy], ['AVAILABLE', MAPPED_ARN, 'TLS_1_2'])

    const mapped = await aws(env, 'apigateway', 'create-base-path-mapping', '--domain-name', 'cli.example.com', '--rest-api-id', apiId, '--stage', 'prod', '--base-path', 'shop/v1')
    assert.equal(mapped.code, 0, mapped.stderr)
    assert.deepEqual(JSON.parse(mapped.stdout), { basePath: 'shop/v1', restApiId: apiId, stage: 'prod' })
    const one = await aws(env, 'apigateway', 'get-base-path-mapping', '--domain-name', 'cli.example.com', '--base-path', 'shop/v1')
    assert.equal(one.code, 0, one.stderr)
    const asApiMappings = await aws(env, 'apigatewayv2', 'get-api-mappings', '--domain-name', 'cli.example.com')
    assert.equal(asApiMappings.code, 0, asApiMappings.stderr)
    const items = (JSON.parse(asApiMappings.stdout) as { Items: Array<Record<string, string>> }).Items
    assert.deepEqual(items.map((m) => [m.ApiId, m.ApiMappingKey, m.Stage]), [[apiId, 'shop/v1', 'prod']])

    const pem = await aws(env, 'apigateway', 'create-domain-name', '--domain-name', 'pem.example.com', '--certificate-name', 'site', '--certificate-body', `file://${certs.certPath}`, '--certificate-private-key', `file://${certs.keyPath}`)
    assert.equal(pem.code, 0, pem.stderr)
    assert.doesNotMatch(pem.stdout, /PRIVATE KEY|BEGIN CERTIFICATE/)
    assert.match(String((JSON.parse(pem.stdout) as Record<string, unknown>).distributionDomainName), /^d[a-z0-9]{13}\.cloudfront\.net$/)

    const unmapped = await aws(env, 'apigateway', 'create-domain-name', '--domain-name', 'nope.example.com', '--certificate-arn', UNMAPPED_ARN)
    assert.notEqual(unmapped.code, 0)
    assert.match(unmapped.stderr, /An error occurred \(BadRequestException\) when calling the CreateDomainName operation: Certificate arn:aws:acm:\S+ is not known to this gateway/)
    const taken = await aws(env, 'apigateway', 'delete-rest-api', '--rest-api-id', apiId)
    assert.match(taken.stderr, /\(BadRequestException\) when calling the DeleteRestApi operation: Deleting RestApi \w+ failed\. Please remove all base path mappings related to the RestApi in your domains: cli\.example\.com/)

    assert.equal((await aws(env, 'apigateway', 'delete-base-path-mapping', '--domain-name', 'cli.example.com', '--base-path', 'shop/v1')).code, 0)
    assert.equal((await aws(env, 'apigatewayv2', 'delete-domain-name', '--domain-name', 'cli.example.com')).code, 0)
    const names = (JSON.parse((await aws(env, 'apigateway', 'get-domain-names')).stdout) as { items: Array<{ domainName: string }> }).items.map((d) => d.domainName)
    assert.deepEqual(names, ['pem.example.com'])
  })
})
