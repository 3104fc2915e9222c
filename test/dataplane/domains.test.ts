// The domain table (src/dataplane/domains.ts) and host resolution through it (src/dataplane/resolve.ts),
// without a listener: Host names normalised, exact names before one-label wildcards, the longest base path
// on whole segments, the stage from the path, 403 for what no mapping covers, /ping as a health check.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { DomainTable, hostName, type DomainPlan } from '../../src/dataplane/domains.js'
import { HostTable } from '../../src/dataplane/resolve.js'
import type { ApiPlan, StagePlan } from '../../src/dataplane/plan.js'
import type { RequestContext } from '../../src/dataplane/context.js'

test('hostName: lower case, port dropped, IPv6 literals left alone', () => {
  assert.equal(hostName('API.Example.com:8443'), 'api.example.com')
  assert.equal(hostName('api.example.com'), 'api.example.com')
  assert.equal(hostName('[::1]:8080'), '[::1]:8080')
})

function stage(name: string): StagePlan {
  return { stageName: name, variables: { which: name }, canary: null } as unknown as StagePlan
}

const rest: ApiPlan = { id: 'rest000001', name: 'rest', kind: 'REST', disableExecuteApiEndpoint: true, stages: new Map([['prod', stage('prod')], ['beta', stage('beta')]]), defaultStage: null }
const http: ApiPlan = { id: 'http000001', name: 'http', kind: 'HTTP', disableExecuteApiEndpoint: false, stages: new Map(), defaultStage: stage('$default') }

function domain(name: string, mappings: DomainPlan['mappings'], mutualTls = false): DomainPlan {
  return { name, mappings: [...mappings].sort((a, b) => b.basePath.length - a.basePath.length), mutualTls, securityPolicy: 'TLS_1_2' }
}

const table = new DomainTable([
  domain('api.example.com', [
    { basePath: 'v1', api: rest, stage: rest.stages.get('prod')! },
    { basePath: 'v1/orders', api: rest, stage: rest.stages.get('beta')! },
    { basePath: 'v2', api: http, stage: http.defaultStage },
    { basePath: 'any', api: rest, stage: null },
  ]),
  domain('*.example.com', [{ basePath: '', api: http, stage: http.defaultStage }]),
])

test('DomainTable.find: exact names first, then a wildcard one label up', () => {
  assert.equal(table.find('api.example.com')?.name, 'api.example.com')
  assert.equal(table.find('shop.example.com')?.name, '*.example.com')
  assert.equal(table.find('a.b.example.com'), undefined)
  assert.equal(table.find('example.com'), undefined)
})

function ctx(host: string, path: string): RequestContext {
  return { domainName: host, rawPath: path, path, clientCert: null, tlsServerName: null, basePathMatched: null, stage: null, apiKind: null, stageVariables: {} } as unknown as RequestContext
}

test('resolution through a domain: longest base path on whole segments, stage from the path, 403 otherwise', () => {
  const hosts = new HostTable(new Map([[rest.id, rest], [http.id, http]]), null, table)
  const cases: Array<[string, string, number, string?, string?, string?]> = [
    // host, path, resolution, stage, path after, base path
    ['API.example.com:443', '/v1/pets', 0, 'prod', '/pets', 'v1'],
    ['api.example.com', '/v1', 0, 'prod', '/', 'v1'],
    ['api.example.com', '/v1/orders/7', 0, 'beta', '/7', 'v1/orders'],
    ['api.example.com', '/v1orders/7', 403],
    ['api.example.com', '/v2/items', 0, '$default', '/items', 'v2'],
    ['api.example.com', '/any/beta/x', 0, 'beta', '/x', 'any'],
    ['api.example.com', '/any/gamma/x', 403],
    ['api.example.com', '/any', 403],
    ['api.example.com', '/', 403],
    ['api.example.com', '/ping', 200],
    ['shop.example.com', '/sping', 200],
    ['shop.example.com', '/anything/at/all', 0, '$default', '/anything/at/all', ''],
  ]
  for (const [host, path, want, stageName, rest, base] of cases) {
    const c = ctx(host, path)
    assert.equal(hosts.resolve(c), want, `${host}${path}`)
    if (want !== 0) continue
    assert.equal(c.stage?.stageName, stageName, `${host}${path}`)
    assert.equal(c.path, rest, `${host}${path}`)
    assert.equal(c.basePathMatched, base, `${host}${path}`)
    assert.equal(c.domainName, hostName(host))
  }
  // The REST API's execute-api host is disabled; its domain still serves it (above).
  assert.equal(hosts.resolve(ctx('rest000001.execute-api.localhost', '/prod/pets')), 403)
})

test('a mutual-TLS domain resolves only for a verified certificate on a connection that named it by SNI', () => {
  const secure = new DomainTable([domain('secure.example.com', [{ basePath: '', api: http, stage: http.defaultStage }], true), domain('api.example.com', [])])
  const hosts = new HostTable(new Map([[http.id, http]]), null, secure)
  const cert = { subjectDN: 'CN=client' }
  const with_ = (sni: string | null, clientCert: unknown) => Object.assign(ctx('secure.example.com', '/x'), { tlsServerName: sni, clientCert })
  assert.equal(hosts.resolve(with_('secure.example.com', cert)), 0)
  assert.equal(hosts.resolve(with_('SECURE.example.com', cert)), 0)
  assert.equal(hosts.resolve(with_('secure.example.com', null)), 403)
  assert.equal(hosts.resolve(with_('api.example.com', cert)), 403)
  assert.equal(hosts.resolve(with_(null, cert)), 403)
})
