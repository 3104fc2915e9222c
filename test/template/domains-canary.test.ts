// What a template says about custom domains, canaries and access logs, as the config it becomes: SAM's Domain,
// CanarySetting and AccessLogSetting(s); AWS::ApiGateway::DomainName + BasePathMapping, Stage.CanarySetting,
// Deployment.DeploymentCanarySettings and AccessLogSetting; AWS::ApiGatewayV2::DomainName + ApiMapping and
// Stage.AccessLogSettings. Problems point into the template; a certificate ARN the config does not map is a
// warning, and the domain still answers by Host.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { readTemplate } from '../../src/controlplane/template/index.js'
import { apiIdFor, loadDesiredState } from '../../src/controlplane/config/desired.js'
import { ConfigError } from '../../src/errors.js'
import { startGateway, tempDir, writeFile } from '../helpers.js'

const ARN = 'arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555'

const FN = `  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs20.x
      Handler: index.handler
      InlineCode: |
        exports.handler = async (event) => ({ statusCode: 200, body: JSON.stringify({ path: event.path ?? event.rawPath, resource: event.resource ?? event.routeKey, release: (event.stageVariables || {}).release }) })
`

const SAM = `Transform: AWS::Serverless-2016-10-31
Parameters:
  Cert: { Type: String, Default: ${ARN} }
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
      Variables: { release: stable }
      CanarySetting:
        PercentTraffic: 10
        StageVariableOverrides: { release: canary }
        UseStageCache: false
      AccessLogSetting:
        DestinationArn: arn:aws:logs:us-east-1:123456789012:log-group:api-access
        Format: >-
          $context.requestId
          $context.status
      Domain:
        DomainName: API.example.com
        CertificateArn: !Ref Cert
        BasePath: [/v1, /]
        EndpointConfiguration: REGIONAL
        SecurityPolicy: TLS_1_2
        Route53: { HostedZoneId: Z123 }
  Http:
    Type: AWS::Serverless::HttpApi
    Properties:
      AccessLogSettings: { DestinationArn: arn:aws:logs:us-east-1:123456789012:log-group:http, Format: $context.requestId $context.routeKey }
      Domain:
        DomainName: http.example.com
        CertificateArn: !Ref Cert
        BasePath: [/api/v2]
        NormalizeBasePath: false
${FN}      Events:
        Rest: { Type: Api, Properties: { RestApiId: !Ref Api, Path: /pets, Method: GET } }
        HttpGet: { Type: HttpApi, Properties: { ApiId: !Ref Http, Path: /items, Method: GET } }
`

async function read(dir: string, text: string, name = 'template.yaml') {
  const path = writeFile(dir, name, text)
  return readTemplate(path, { file: name, dir, parameterOverrides: {} })
}

async function load(sources: { template: string; configFile?: string; cwd: string }) {
  return loadDesiredState({ restApis: [], httpApis: [], stageVariables: {}, ...sources })
}

async function refused(sources: { template: string; configFile?: string; cwd: string }): Promise<Array<{ file?: string; path: string; message: string }>> {
  try {
    await load(sources)
  } catch (err) {
    if (err instanceof ConfigError) return err.problems
    throw err
  }
  assert.fail('the configuration was accepted')
}

test('SAM: Domain becomes a domain mapping each BasePath to the stage; CanarySetting and AccessLogSetting(s) become stage settings', async () => {
  const { dir, cleanup } = tempDir()
  try {
    const r = await read(dir, SAM)
    assert.deepEqual(r.problems, [])
    const api = r.config!.apis!.find((a) => a.name === 'Api')!
    assert.deepEqual(api.stages!.prod!.canarySettings, { percentTraffic: 10, stageVariableOverrides: { release: 'canary' }, useStageCache: false })
    assert.deepEqual(api.stages!.prod!.accessLogSettings, { destinationArn: 'arn:aws:logs:us-east-1:123456789012:log-group:api-access', format: '$context.requestId $context.status' })
    const http = r.config!.apis!.find((a) => a.name === 'Http')!
    assert.deepEqual(http.stages!.$default!.accessLogSettings, { destinationArn: 'arn:aws:logs:us-east-1:123456789012:log-group:http', format: '$context.requestId $context.routeKey' })
    assert.deepEqual(r.config!.domains, [
      { domainName: 'api.example.com', certificateArn: ARN, endpointType: 'REGIONAL', securityPolicy: 'TLS_1_2', mappings: [{ basePath: 'v1', api: api.id, stage: 'prod' }, { basePath: '(none)', api: api.id, stage: 'prod' }] },
      // NormalizeBasePath: false keeps the slash inside; SAM's default would make it apiv2.
      { domainName: 'http.example.com', certificateArn: ARN, endpointType: 'REGIONAL', mappings: [{ basePath: 'api/v2', api: http.id, stage: '$default' }] },
    ])
    assert.ok(r.warnings.some((w) => w.path === '/Resources/Api/Properties/Domain/Route53' && /Route53 records are not created/.test(w.message)))
  } finally {
    cleanup()
  }
})

const CFN = `AWSTemplateFormatVersion: '2010-09-09'
Resources:
  Rest:
    Type: AWS::ApiGateway::RestApi
    Properties: { Name: rest }
  Pets:
    Type: AWS::ApiGateway::Resource
    Properties: { RestApiId: !Ref Rest, ParentId: !GetAtt Rest.RootResourceId, PathPart: pets }
  PetsGet:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Rest
      ResourceId: !Ref Pets
      HttpMethod: GET
      AuthorizationType: NONE
      Integration: { Type: MOCK, RequestTemplates: { application/json: '{"statusCode": 200}' }, IntegrationResponses: [{ StatusCode: 200 }] }
      MethodResponses: [{ StatusCode: 200 }]
  Deployment:
    Type: AWS::ApiGateway::Deployment
    Properties: { RestApiId: !Ref Rest }
  ProdStage:
    Type: AWS::ApiGateway::Stage
    Properties:
      RestApiId: !Ref Rest
      DeploymentId: !Ref Deployment
      StageName: prod
      AccessLogSetting: { DestinationArn: arn:aws:logs:us-east-1:123456789012:log-group:rest, Format: $context.requestId }
      CanarySetting: { DeploymentId: !Ref Deployment, PercentTraffic: 5 }
  BetaStage:
    Type: AWS::ApiGateway::Stage
    Properties: { RestApiId: !Ref Rest, DeploymentId: !Ref Deployment, StageName: beta }
  CanaryDeployment:
    Type: AWS::ApiGateway::Deployment
    Properties:
      RestApiId: !Ref Rest
      StageName: beta
      DeploymentCanarySettings: { PercentTraffic: 25, StageVariableOverrides: { color: blue }, UseStageCache: true }
  Domain:
    Type: AWS::ApiGateway::DomainName
    Properties:
      DomainName: rest.example.com
      RegionalCertificateArn: ${ARN}
      EndpointConfiguration: { Types: [REGIONAL] }
      SecurityPolicy: TLS_1_2
      Tags: [{ Key: team, Value: pets }]
  Mapping:
    Type: AWS::ApiGateway::BasePathMapping
    Properties: { DomainName: !Ref Domain, RestApiId: !Ref Rest, Stage: !Ref ProdStage, BasePath: pets-api }
  PrivateMapping:
    Type: AWS::ApiGateway::BasePathMappingV2
    Properties: { DomainNameArn: arn:aws:apigateway:us-east-1::/domainnames/private.example.com+abc, RestApiId: !Ref Rest }
  Http:
    Type: AWS::ApiGatewayV2::Api
    Properties: { Name: http, ProtocolType: HTTP, Target: arn:aws:lambda:us-east-1:123456789012:function:nothing }
  HttpStage:
    Type: AWS::ApiGatewayV2::Stage
    Properties: { ApiId: !Ref Http, StageName: live, AccessLogSettings: { Format: $context.routeKey } }
  HttpDomain:
    Type: AWS::ApiGatewayV2::DomainName
    Properties:
      DomainName: v2.example.com
      DomainNameConfigurations: [{ CertificateArn: ${ARN}, EndpointType: REGIONAL, SecurityPolicy: TLS_1_2 }]
      Tags: { team: items }
  HttpMapping:
    Type: AWS::ApiGatewayV2::ApiMapping
    Properties: { DomainName: !Ref HttpDomain, ApiId: !Ref Http, Stage: !Ref HttpStage, ApiMappingKey: items/v2 }
`

test('CloudFormation: DomainName + BasePathMapping, V2 DomainName + ApiMapping, Stage.CanarySetting, DeploymentCanarySettings, access logs', async () => {
  const { dir, cleanup } = tempDir()
  try {
    const r = await read(dir, CFN)
    assert.deepEqual(r.problems, [])
    const rest = r.config!.apis!.find((a) => a.name === 'rest')!
    const http = r.config!.apis!.find((a) => a.name === 'http')!
    assert.deepEqual(rest.stages!.prod, { accessLogSettings: { destinationArn: 'arn:aws:logs:us-east-1:123456789012:log-group:rest', format: '$context.requestId' }, canarySettings: { percentTraffic: 5 } })
    assert.deepEqual(rest.stages!.beta, { canarySettings: { percentTraffic: 25, stageVariableOverrides: { color: 'blue' }, useStageCache: true } })
    assert.deepEqual(http.stages!.live, { accessLogSettings: { format: '$context.routeKey' } })
    assert.deepEqual(r.config!.domains, [
      { domainName: 'rest.example.com', certificateArn: ARN, endpointType: 'REGIONAL', securityPolicy: 'TLS_1_2', tags: { team: 'pets' }, mappings: [{ basePath: 'pets-api', api: rest.id, stage: 'prod' }] },
      { domainName: 'v2.example.com', certificateArn: ARN, endpointType: 'REGIONAL', securityPolicy: 'TLS_1_2', tags: { team: 'items' }, mappings: [{ basePath: 'items/v2', api: http.id, stage: 'live' }] },
    ])
    assert.deepEqual(r.ignored.find((i) => i.logicalId === 'PrivateMapping')?.type, 'AWS::ApiGateway::BasePathMappingV2')
    assert.ok(!r.ignored.some((i) => ['Domain', 'Mapping', 'HttpDomain', 'HttpMapping'].includes(i.logicalId)), 'the domain resources are served, not ignored')
  } finally {
    cleanup()
  }
})

test('mistakes in domains and canaries are problems at their place in the template; an S3 truststore or a private domain is ignored with its reason', async () => {
  const { dir, cleanup } = tempDir()
  try {
    const r = await read(dir, `Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
      CanarySetting: { PercentTraffic: 150 }
      AccessLogSetting: { Format: '' }
      Domain: { DomainName: a.example.com, CertificateArn: ${ARN}, BasePath: ['/v1.0'] }
  Other:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
      Domain: { DomainName: A.example.com, CertificateArn: ${ARN} }
  Mtls:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
      Domain: { DomainName: m.example.com, CertificateArn: ${ARN}, MutualTlsAuthentication: { TruststoreUri: s3://bucket/truststore.pem } }
  Private:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
      Domain: { DomainName: p.example.com, CertificateArn: ${ARN}, EndpointConfiguration: PRIVATE }
  Rest:
    Type: AWS::ApiGateway::RestApi
    Properties: { Name: rest }
  Early:
    Type: AWS::ApiGateway::Deployment
    Properties: { RestApiId: !Ref Rest, StageName: nowhere, DeploymentCanarySettings: { PercentTraffic: 5 } }
  Dangling:
    Type: AWS::ApiGateway::BasePathMapping
    Properties: { DomainName: a.example.com, RestApiId: nope }
${FN}      Events:
        Get: { Type: Api, Properties: { RestApiId: !Ref Api, Path: /x, Method: GET } }
`)
    const at = (path: string): string | undefined => r.problems.find((p) => p.path === path)?.message
    assert.match(at('/Resources/Api/Properties/CanarySetting/PercentTraffic') ?? '', /PercentTraffic is a number from 0.0 to 100.0.*150/)
    assert.match(at('/Resources/Api/Properties/AccessLogSetting/Format') ?? '', /Format is the access log line/)
    assert.match(at('/Resources/Api/Properties/Domain/BasePath/0') ?? '', /invalid base path "\/v1.0"/)
    assert.match(at('/Resources/Other/Properties/Domain/DomainName') ?? '', /domain a.example.com is already declared at \/Resources\/Api\/Properties\/Domain/)
    assert.match(at('/Resources/Early/Properties/StageName') ?? '', /stage nowhere must already be created before making a canary release deployment/)
    assert.match(at('/Resources/Dangling/Properties/RestApiId') ?? '', /names no API of this template/)
    assert.ok(r.problems.every((p) => p.file === 'template.yaml'))
    assert.match(r.ignored.find((i) => i.logicalId === 'Mtls')?.reason ?? '', /m.example.com: its mutual TLS truststore s3:\/\/bucket\/truststore.pem is not a local file/)
    assert.match(r.ignored.find((i) => i.logicalId === 'Private')?.reason ?? '', /p.example.com is a private custom domain/)
  } finally {
    cleanup()
  }
})

test('loading: a mapping to a stage the API lacks is a problem at the mapping; an unmapped certificate ARN is a warning and the domain has no certificate', async () => {
  const { dir, cleanup } = tempDir()
  try {
    const bad = writeFile(dir, 'bad.yaml', CFN.replace('Stage: !Ref ProdStage, BasePath: pets-api', 'Stage: gamma, BasePath: pets-api'))
    const problems = await refused({ template: bad, cwd: dir })
    assert.deepEqual(problems.map((p) => [p.file, p.path]), [['bad.yaml', '/Resources/Mapping/Properties/Stage']])
    assert.match(problems[0]!.message, /API "\w+" has no stage "gamma"; its stages are: (prod, beta|beta, prod)/)

    const state = await load({ template: writeFile(dir, 'template.yaml', CFN), cwd: dir })
    const rest = state.domains.find((d) => d.domainName === 'rest.example.com')!
    assert.equal(rest.certificateArn, undefined)
    assert.deepEqual(rest.mappings.map((m) => [m.basePath, m.stage]), [['pets-api', 'prod']])
    const warning = state.warnings.find((w) => w.path === '/Resources/Domain/Properties/RegionalCertificateArn')
    assert.equal(warning?.file, 'template.yaml')
    assert.match(warning?.message ?? '', /certificate arn:aws:acm:.* is not listed under certificates: of a --config file .*rest.example.com is served by Host on the HTTP listener only/)
    assert.ok(state.warnings.some((w) => w.path === '/Resources/HttpDomain/Properties/DomainNameConfigurations/0/CertificateArn'))
  } finally {
    cleanup()
  }
})

function selfSigned(dir: string, name: string): { cert: string; key: string } {
  const cert = join(dir, `${name}.pem`)
  const key = join(dir, `${name}.key`)
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2', '-subj', `/CN=${name}`, '-addext', `subjectAltName=DNS:${name}`, '-keyout', key, '-out', cert], { stdio: 'ignore' })
  return { cert, key }
}

test('--config certificates: maps the template\'s certificate ARN to PEM files: the domain has its certificate and no warning', async () => {
  const { dir, cleanup } = tempDir()
  try {
    const { cert, key } = selfSigned(dir, 'rest.example.com')
    const config = writeFile(dir, 'gatehouse.yaml', `certificates:\n  "${ARN}": { cert: ${cert}, key: ${key} }\n`)
    const state = await load({ template: writeFile(dir, 'template.yaml', CFN), configFile: config, cwd: dir })
    assert.equal(state.domains.find((d) => d.domainName === 'rest.example.com')?.certificateArn, ARN)
    assert.deepEqual(state.warnings.filter((w) => /certificates:/.test(w.message)), [])
  } finally {
    cleanup()
  }
})

test('served: a SAM domain answers by Host on the HTTP listener, base path stripped, and the canary and access log apply', async () => {
  const { dir, cleanup } = tempDir()
  const gw = await startGateway({ template: writeFile(dir, 'template.yaml', SAM.replace('PercentTraffic: 10', 'PercentTraffic: 100')) })
  try {
    const v1 = await gw.fetch('/v1/pets', { host: 'api.example.com' })
    assert.equal(v1.status, 200, v1.text)
    assert.deepEqual(v1.json(), { path: '/v1/pets', resource: '/pets', release: 'canary' })
    const none = await gw.fetch('/pets', { host: 'api.example.com:8080' })
    assert.equal(none.status, 200, none.text)
    const http = await gw.fetch('/api/v2/items', { host: 'http.example.com' })
    assert.equal(http.status, 200, http.text)
    assert.equal(http.json().resource, 'GET /items')
    assert.equal((await gw.fetch('/items', { host: 'http.example.com' })).status, 403, 'a path no mapping matches is Forbidden')
    assert.ok(gw.accessLog.some((line) => /^\S+ 200$/.test(line)), `the stage's access log format is used: ${gw.accessLog.join('\n')}`)
  } finally {
    await gw.stop()
    cleanup()
  }
})

const SLS = `service: shop
frameworkVersion: '3'
plugins: [serverless-domain-manager]
provider: { name: aws, runtime: nodejs20.x, stage: prod }
custom:
  customDomain:
    domainName: Shop.example.com
    basePath: /orders/
    certificateArn: ${ARN}
    endpointType: regional
    securityPolicy: tls_1_2
  customDomains:
    - http: { domainName: items.example.com, certificateName: '*.example.com', stage: prod }
    - websocket: { domainName: ws.example.com }
functions:
  orders:
    handler: handler.orders
    events:
      - http: GET list
      - httpApi: GET /items
`

test('serverless.yml: custom.customDomain and customDomains (serverless-domain-manager) become domains; the plugin is not listed as ignored', async () => {
  const { dir, cleanup } = tempDir()
  try {
    writeFile(dir, 'handler.js', "exports.orders = async (event) => ({ statusCode: 200, body: JSON.stringify({ path: event.path ?? event.rawPath, stage: event.requestContext.stage }) })\n")
    const r = await read(dir, SLS, 'serverless.yml')
    assert.deepEqual(r.problems, [])
    const rest = r.config!.apis!.find((a) => a.type === 'rest')!
    const http = r.config!.apis!.find((a) => a.type === 'http')!
    assert.deepEqual(r.config!.domains, [
      { domainName: 'shop.example.com', certificateArn: ARN, endpointType: 'REGIONAL', securityPolicy: 'TLS_1_2', mappings: [{ basePath: 'orders', api: apiIdFor('rest', rest.name!), stage: 'prod' }] },
      // The plugin maps an HTTP API's $default stage (the framework deploys no other).
      { domainName: 'items.example.com', endpointType: 'EDGE', securityPolicy: 'TLS_1_2', mappings: [{ basePath: '(none)', api: apiIdFor('http', http.name!), stage: '$default' }] },
    ])
    assert.ok(!r.ignored.some((i) => /serverless-domain-manager/.test(i.reason)))
    assert.match(r.ignored.find((i) => i.logicalId === '/custom/customDomains/1/websocket')?.reason ?? '', /ws.example.com: WebSocket APIs/)
    assert.match(r.warnings.find((w) => w.path === '/custom/customDomains/0/http/certificateName')?.message ?? '', /certificateName \*.example.com is looked up in ACM/)

    const gw = await startGateway({ template: join(dir, 'serverless.yml') })
    try {
      const res = await gw.fetch('/orders/list', { host: 'shop.example.com' })
      assert.equal(res.status, 200, res.text)
      assert.deepEqual(res.json(), { path: '/orders/list', stage: 'prod' })
      const items = await gw.fetch('/items', { host: 'items.example.com' })
      assert.equal(items.status, 200, items.text)
    } finally {
      await gw.stop()
    }
  } finally {
    cleanup()
  }
})

test('serverless.yml: a customDomain for an API the service lacks, or a bad endpointType, is a problem at its place', async () => {
  const { dir, cleanup } = tempDir()
  try {
    writeFile(dir, 'handler.js', 'exports.orders = async () => ({ statusCode: 200 })\n')
    const r = await read(dir, SLS.replace('      - http: GET list\n', '').replace('endpointType: regional', 'endpointType: private'), 'serverless.yml')
    assert.deepEqual(r.problems.map((p) => p.path), ['/custom/customDomain'])
    assert.match(r.problems[0]!.message, /shop.example.com maps the service's REST API \(http events\), and the service has none \(apiType: http for httpApi events\)/)
    const r2 = await read(dir, SLS.replace('endpointType: regional', 'endpointType: private'), 'serverless.yml')
    assert.deepEqual(r2.problems.map((p) => [p.path, p.message]), [['/custom/customDomain/endpointType', 'endpointType is edge or regional, got "private"']])
  } finally {
    cleanup()
  }
})

test('HTTPS: with --config mapping the template\'s certificate ARN, the domain answers over TLS by SNI', async () => {
  const { dir, cleanup } = tempDir()
  const { cert, key } = selfSigned(dir, 'api.example.com')
  const config = writeFile(dir, 'gatehouse.yaml', `certificates:\n  "${ARN}": { cert: ${cert}, key: ${key} }\n`)
  const gw = await startGateway({ template: writeFile(dir, 'template.yaml', SAM), configFile: config }, { httpsPort: 0 })
  try {
    const port = gw.gateway.httpsAddress!.port
    const { Agent, request } = await import('undici')
    const { readFileSync } = await import('node:fs')
    const agent = new Agent({ connect: { ca: readFileSync(cert), servername: 'api.example.com' } })
    const res = await request(`https://127.0.0.1:${port}/v1/pets`, { headers: { host: 'api.example.com' }, dispatcher: agent })
    assert.equal(res.statusCode, 200)
    assert.equal(((await res.body.json()) as { path: string }).path, '/v1/pets')
    await agent.close()
  } finally {
    await gw.stop()
    cleanup()
  }
})

test('Globals.Api Domain and CanarySetting apply to the implicit API; a BasePathMapping names a SAM API\'s stage with !Ref Api.Stage', async () => {
  const { dir, cleanup } = tempDir()
  try {
    const r = await read(dir, `Transform: AWS::Serverless-2016-10-31
Globals:
  Api:
    CanarySetting: { PercentTraffic: '2.5' }
    Domain: { DomainName: implicit.example.com, CertificateArn: ${ARN}, BasePath: /shop }
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties: { StageName: live, Domain: { DomainName: own.example.com, CertificateArn: ${ARN} } }
  Extra:
    Type: AWS::ApiGateway::BasePathMapping
    Properties: { DomainName: own.example.com, RestApiId: !Ref Api, Stage: !Ref Api.Stage, BasePath: extra }
${FN}      Events:
        Implicit: { Type: Api, Properties: { Path: /a, Method: GET } }
        Own: { Type: Api, Properties: { RestApiId: !Ref Api, Path: /b, Method: GET } }
`)
    assert.deepEqual(r.problems, [])
    const implicit = r.config!.apis!.find((a) => a.id !== undefined && a.stages?.Prod !== undefined)!
    const own = r.config!.apis!.find((a) => a.name === 'Api')!
    assert.deepEqual(implicit.stages!.Prod!.canarySettings, { percentTraffic: 2.5 })
    assert.deepEqual(own.stages!.live!.canarySettings, { percentTraffic: 2.5 }, 'Globals.Api applies to every SAM Api')
    assert.deepEqual(r.config!.domains!.map((d) => [d.domainName, d.mappings!.map((m) => `${m.basePath}→${m.api === own.id ? 'own' : 'implicit'}/${m.stage}`)]), [
      // SAM merges Globals mappings key by key: the API's own Domain keeps the global BasePath.
      ['own.example.com', ['shop→own/live', 'extra→own/live']],
      ['implicit.example.com', ['shop→implicit/Prod']],
    ])
  } finally {
    cleanup()
  }
})

test('loading: a serverless customDomain stage the service does not deploy, and a template domain the --config declares too, are problems in the right file', async () => {
  const { dir, cleanup } = tempDir()
  try {
    writeFile(dir, 'handler.js', 'exports.orders = async () => ({ statusCode: 200 })\n')
    const sls = writeFile(dir, 'serverless.yml', SLS.replace('securityPolicy: tls_1_2', 'securityPolicy: tls_1_2\n    stage: staging'))
    const problems = await refused({ template: sls, cwd: dir })
    assert.deepEqual(problems.map((p) => [p.file, p.path]), [['serverless.yml', '/custom/customDomain/stage']])
    assert.match(problems[0]!.message, /has no stage "staging"; its stages are: prod/)

    const { cert, key } = selfSigned(dir, 'rest.example.com')
    const config = writeFile(dir, 'gatehouse.yaml', `domains:\n  - { domainName: REST.example.com, certificate: { cert: ${cert}, key: ${key} } }\n`)
    const clash = await refused({ template: writeFile(dir, 'template.yaml', CFN), configFile: config, cwd: dir })
    assert.deepEqual(clash.map((p) => [p.file, p.path, p.message]), [['template.yaml', '/Resources/Domain/Properties/DomainName', 'domain rest.example.com is already declared at /domains/0']])
  } finally {
    cleanup()
  }
})
