// Policy evaluation for execute-api: method ARNs, §7.3's matching rules and examples, principals,
// conditions, compile errors, resource-policy shorthand, and every cell of §7.7's combined tables.

import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import {
  accessDeniedMessage,
  apiArn,
  combine,
  compilePolicy,
  evaluatePolicy,
  methodArn,
  PolicyError,
  requestConditions,
  type Decision,
  type PolicyPrincipal,
  type PolicyRequest,
} from '../../src/auth/policy.js'

const INVOKE = 'execute-api:Invoke'
const API = { region: 'us-east-1', accountId: '123456789012', apiId: 'a1b2c3d4e5' }
const arnFor = (method: string, path: string, stage = 'dev') => methodArn({ ...API, stage, method, path })

function req(resource: string, extra: Partial<PolicyRequest> = {}): PolicyRequest {
  return { action: INVOKE, resource, conditions: {}, ...extra }
}

function allowOnly(resource: string | string[], more: Record<string, unknown> = {}) {
  return { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: INVOKE, Resource: resource, ...more }] }
}

describe('method ARNs (§0)', () => {
  test('the root resource ends in /GET/ and paths are the actual request path', () => {
    assert.equal(arnFor('GET', '/'), 'arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/dev/GET/')
    assert.equal(arnFor('POST', '/pets/123'), 'arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/dev/POST/pets/123')
    assert.equal(arnFor('GET', 'pets'), 'arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/dev/GET/pets')
    assert.equal(apiArn('eu-west-1', '111122223333', 'abc'), 'arn:aws:execute-api:eu-west-1:111122223333:abc')
  })

  test('the ACCESS_DENIED message names the caller (or anonymous) and the method ARN', () => {
    const arn = arnFor('GET', '/pets')
    assert.equal(
      accessDeniedMessage('arn:aws:iam::123:user/x', arn, false),
      `User: arn:aws:iam::123:user/x is not authorized to perform: execute-api:Invoke on resource: ${arn}`,
    )
    assert.equal(
      accessDeniedMessage(undefined, arn, true),
      `User: anonymous is not authorized to perform: execute-api:Invoke on resource: ${arn} with an explicit deny`,
    )
  })
})

describe('matching rules of §7.3', () => {
  test('SAM#5777: .../dev/*/* matches the root method ARN .../dev/GET/', () => {
    const policy = allowOnly('arn:aws:execute-api:us-east-1:123:api/dev/*/*')
    assert.equal(evaluatePolicy(policy, req('arn:aws:execute-api:us-east-1:123:api/dev/GET/')), 'ALLOW')
    assert.equal(evaluatePolicy(policy, req('arn:aws:execute-api:us-east-1:123:api/dev/GET/a/b/c')), 'ALLOW')
    assert.equal(evaluatePolicy(policy, req('arn:aws:execute-api:us-east-1:123:api/prod/GET/')), 'SILENT')
  })

  test('serverless-offline#1794: arn:aws:execute-api:* matches everything', () => {
    const policy = allowOnly('arn:aws:execute-api:*')
    for (const arn of [arnFor('GET', '/'), arnFor('DELETE', '/a/b'), 'arn:aws:execute-api:eu-west-1:999999999999:zzz/prod/POST/x']) {
      assert.equal(evaluatePolicy(policy, req(arn)), 'ALLOW', arn)
    }
  })

  test('serverless-offline#1191: no implicit prefix match', () => {
    const policy = allowOnly('arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/dev/GET/organizations')
    assert.equal(evaluatePolicy(policy, req(arnFor('GET', '/organizations'))), 'ALLOW')
    assert.equal(evaluatePolicy(policy, req(arnFor('GET', '/organizations/0000'))), 'SILENT')
    assert.equal(evaluatePolicy(policy, req(arnFor('GET', '/organization'))), 'SILENT')
  })

  test('* spans / and : and may be empty; ? is exactly one character; resources are case-sensitive', () => {
    const p = compilePolicy(allowOnly(['arn:aws:execute-api:us-east-1:*:a1b2c3d4e5/*/GET/pets*', 'arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/dev/PUT/item/?']))
    assert.equal(p.evaluate(req(arnFor('GET', '/pets'))), 'ALLOW')
    assert.equal(p.evaluate(req(arnFor('GET', '/pets/1/toys'))), 'ALLOW')
    assert.equal(p.evaluate(req(arnFor('GET', '/pets', 'prod'))), 'ALLOW')
    assert.equal(p.evaluate(req(arnFor('PUT', '/item/7'))), 'ALLOW')
    assert.equal(p.evaluate(req(arnFor('PUT', '/item/77'))), 'SILENT')
    assert.equal(p.evaluate(req(arnFor('PUT', '/item/'))), 'SILENT')
    assert.equal(p.evaluate(req(arnFor('get', '/pets'))), 'SILENT')
  })

  test('Action matches execute-api:Invoke, execute-api:* and *, case-insensitively and with wildcards', () => {
    for (const action of ['execute-api:Invoke', 'execute-api:*', '*', 'EXECUTE-API:invoke', 'execute-api:Inv*', 'execute-api:Invok?']) {
      const policy = { Statement: { Effect: 'Allow', Action: action, Resource: '*' } }
      assert.equal(evaluatePolicy(policy, req(arnFor('GET', '/'))), 'ALLOW', action)
    }
    for (const action of ['execute-api:ManageConnections', 'execute-api:InvokeX', 's3:*', 'execute-api']) {
      const policy = { Statement: { Effect: 'Allow', Action: action, Resource: '*' } }
      assert.equal(evaluatePolicy(policy, req(arnFor('GET', '/'))), 'SILENT', action)
    }
    const connections = { Statement: { Effect: 'Allow', Action: ['execute-api:ManageConnections'], Resource: '*' } }
    assert.equal(evaluatePolicy(connections, { ...req('arn:aws:execute-api:us-east-1:1:ws/prod/POST/@connections/abc'), action: 'execute-api:ManageConnections' }), 'ALLOW')
  })

  test('Statement may be one object or an array; Resource a string or an array', () => {
    const single = { Version: '2012-10-17', Statement: { Effect: 'Allow', Action: INVOKE, Resource: arnFor('GET', '/a') } }
    assert.equal(evaluatePolicy(single, req(arnFor('GET', '/a'))), 'ALLOW')
    const list = allowOnly([arnFor('GET', '/a'), arnFor('GET', '/b')])
    assert.equal(evaluatePolicy(list, req(arnFor('GET', '/b'))), 'ALLOW')
    assert.equal(evaluatePolicy(list, req(arnFor('GET', '/c'))), 'SILENT')
    assert.equal(evaluatePolicy({ Version: '2012-10-17', Statement: [] }, req(arnFor('GET', '/a'))), 'SILENT')
  })

  test('an explicit Deny wins over any Allow, in whichever statement order', () => {
    const allow = { Effect: 'Allow', Action: 'execute-api:*', Resource: 'arn:aws:execute-api:*' }
    const deny = { Effect: 'Deny', Action: INVOKE, Resource: arnFor('DELETE', '/*') }
    for (const Statement of [[allow, deny], [deny, allow]]) {
      const p = compilePolicy({ Version: '2012-10-17', Statement })
      assert.equal(p.evaluate(req(arnFor('DELETE', '/pets/1'))), 'DENY')
      assert.equal(p.evaluate(req(arnFor('GET', '/pets/1'))), 'ALLOW')
    }
    const onlyDeny = compilePolicy({ Statement: [deny] })
    assert.equal(onlyDeny.evaluate(req(arnFor('GET', '/pets/1'))), 'SILENT')
    assert.equal(onlyDeny.evaluate(req(arnFor('DELETE', '/pets/1'))), 'DENY')
  })

  test('NotAction and NotResource invert the match', () => {
    const p = compilePolicy({
      Statement: [
        { Effect: 'Allow', NotAction: 'execute-api:InvalidateCache', Resource: '*' },
        { Effect: 'Deny', Action: '*', NotResource: [arnFor('*', '/public/*'), arnFor('GET', '/')] },
      ],
    })
    assert.equal(p.evaluate(req(arnFor('GET', '/public/x'))), 'ALLOW')
    assert.equal(p.evaluate(req(arnFor('GET', '/'))), 'ALLOW')
    assert.equal(p.evaluate(req(arnFor('GET', '/private/x'))), 'DENY')
    assert.equal(p.evaluate({ ...req(arnFor('GET', '/public/x')), action: 'execute-api:InvalidateCache' }), 'SILENT')
  })

  test('globs with many * match in linear-ish time: a long request path cannot stall the evaluation (issue 8)', () => {
    // As a backtracking regex, six `*`s against a 100-character path took minutes; the wildcard matcher takes
    // at most pattern × value steps. The path is the caller's to choose (up to the 8 KB URL limit).
    const p = compilePolicy(allowOnly([arnFor('GET', '/*a*a*a*a*a*a*b'), arnFor('*', '/*?*?*?*?*?*c')]))
    const long = '/' + 'a'.repeat(8000)
    assert.equal(p.evaluate(req(arnFor('GET', long))), 'SILENT')
    assert.equal(p.evaluate(req(arnFor('GET', long + 'b'))), 'ALLOW')
    assert.equal(p.evaluate(req(arnFor('PUT', '/xyz' + 'a'.repeat(8000) + 'c'))), 'ALLOW')
    assert.equal(p.evaluate(req(arnFor('PUT', '/xyzc'))), 'SILENT')
    // `?` is one character, also outside the BMP; case-insensitive actions still match.
    const q = compilePolicy({ Statement: [{ Effect: 'Allow', Action: 'EXECUTE-API:inv?ke', Resource: arnFor('GET', '/?x') }] })
    assert.equal(q.evaluate(req(arnFor('GET', '/😀x'))), 'ALLOW')
    assert.equal(q.evaluate(req(arnFor('GET', '/ab'))), 'SILENT')
  })

  test('a JSON text policy (as stored in RestApi.policy) evaluates like the object', () => {
    const text = JSON.stringify(allowOnly(arnFor('GET', '/*')))
    assert.equal(evaluatePolicy(text, req(arnFor('GET', '/x'))), 'ALLOW')
    assert.equal(evaluatePolicy(text, req(arnFor('POST', '/x'))), 'SILENT')
    assert.equal(compilePolicy(text).statementCount, 1)
  })
})

describe('principals (resource policies)', () => {
  const alice: PolicyPrincipal = { type: 'aws', arn: 'arn:aws:iam::111122223333:user/alice', accountId: '111122223333' }
  const session: PolicyPrincipal = { type: 'aws', arn: 'arn:aws:sts::111122223333:assumed-role/Reader/s1', accountId: '111122223333' }
  const stranger: PolicyPrincipal = { type: 'aws', arn: 'arn:aws:iam::999999999999:user/eve', accountId: '999999999999' }
  const anonymous: PolicyPrincipal = { type: 'anonymous' }
  const withPrincipal = (Principal: unknown) => compilePolicy({ Statement: [{ Effect: 'Allow', Principal, Action: INVOKE, Resource: '*' }] })
  const decide = (p: ReturnType<typeof compilePolicy>, principal: PolicyPrincipal | undefined) => {
    const r = req(arnFor('GET', '/'))
    if (principal) r.principal = principal
    return p.evaluate(r)
  }

  test('"*" and {"AWS": "*"} match everyone, anonymous callers included', () => {
    for (const principal of ['*', { AWS: '*' }, { AWS: ['*'] }]) {
      const p = withPrincipal(principal)
      const everyone: Array<PolicyPrincipal | undefined> = [alice, stranger, anonymous, undefined]
      for (const who of everyone) assert.equal(decide(p, who), 'ALLOW')
    }
  })

  test('an ARN matches that principal; an account id or root ARN matches the whole account', () => {
    const byArn = withPrincipal({ AWS: 'arn:aws:iam::111122223333:user/alice' })
    assert.equal(decide(byArn, alice), 'ALLOW')
    assert.equal(decide(byArn, stranger), 'SILENT')
    assert.equal(decide(byArn, anonymous), 'SILENT')
    for (const account of ['111122223333', 'arn:aws:iam::111122223333:root']) {
      const p = withPrincipal({ AWS: [account] })
      assert.equal(decide(p, alice), 'ALLOW')
      assert.equal(decide(p, session), 'ALLOW')
      assert.equal(decide(p, stranger), 'SILENT')
      assert.equal(decide(p, undefined), 'SILENT')
    }
  })

  test('a role principal covers its assumed-role sessions', () => {
    assert.equal(decide(withPrincipal({ AWS: 'arn:aws:iam::111122223333:role/Reader' }), session), 'ALLOW')
    assert.equal(decide(withPrincipal({ AWS: 'arn:aws:iam::111122223333:role/team/Reader' }), session), 'ALLOW')
    assert.equal(decide(withPrincipal({ AWS: 'arn:aws:iam::111122223333:role/Writer' }), session), 'SILENT')
    assert.equal(decide(withPrincipal({ AWS: 'arn:aws:iam::999999999999:role/Reader' }), session), 'SILENT')
  })

  test('Service principals never match an execute-api caller; NotPrincipal inverts', () => {
    assert.equal(decide(withPrincipal({ Service: 'lambda.amazonaws.com' }), alice), 'SILENT')
    const notAlice = compilePolicy({ Statement: [{ Effect: 'Deny', NotPrincipal: { AWS: alice.arn }, Action: INVOKE, Resource: '*' }] })
    assert.equal(decide(notAlice, alice), 'SILENT')
    assert.equal(decide(notAlice, stranger), 'DENY')
    assert.equal(decide(notAlice, anonymous), 'DENY')
  })
})

describe('conditions', () => {
  const arn = arnFor('GET', '/pets')
  const withCondition = (Condition: unknown, Effect = 'Allow') => compilePolicy({ Statement: [{ Effect, Action: INVOKE, Resource: '*', Condition }] })
  const check = (Condition: unknown, conditions: PolicyRequest['conditions']): Decision => withCondition(Condition).evaluate(req(arn, { conditions }))

  test('IpAddress / NotIpAddress with IPv4 and IPv6 CIDR lists, and IPv4-mapped addresses from Node sockets', () => {
    const allowList = { IpAddress: { 'aws:SourceIp': ['192.0.2.0/24', '198.51.100.7', '2001:db8::/32'] } }
    assert.equal(check(allowList, { 'aws:SourceIp': '192.0.2.10' }), 'ALLOW')
    assert.equal(check(allowList, { 'aws:SourceIp': '::ffff:192.0.2.10' }), 'ALLOW')
    assert.equal(check(allowList, { 'aws:SourceIp': '198.51.100.7' }), 'ALLOW')
    assert.equal(check(allowList, { 'aws:SourceIp': '198.51.100.8' }), 'SILENT')
    assert.equal(check(allowList, { 'aws:SourceIp': '2001:db8:abcd::1' }), 'ALLOW')
    assert.equal(check(allowList, { 'aws:SourceIp': '2001:db9::1' }), 'SILENT')
    assert.equal(check(allowList, { 'aws:SourceIp': 'not-an-ip' }), 'SILENT')
    assert.equal(check(allowList, {}), 'SILENT')

    const local = { IpAddress: { 'aws:SourceIp': ['127.0.0.0/8', '::1/128'] } }
    assert.equal(check(local, { 'aws:SourceIp': '::ffff:127.0.0.1' }), 'ALLOW')
    assert.equal(check(local, { 'aws:SourceIp': '::1' }), 'ALLOW')
    assert.equal(check(local, { 'aws:SourceIp': 'fe80::1%eth0' }), 'SILENT')
    assert.equal(check({ IpAddress: { 'aws:SourceIp': '::ffff:10.0.0.0/104' } }, { 'aws:SourceIp': '10.1.2.3' }), 'ALLOW')
    assert.equal(check({ IpAddress: { 'aws:SourceIp': '10.0.0.0/9' } }, { 'aws:SourceIp': '10.127.255.255' }), 'ALLOW')
    assert.equal(check({ IpAddress: { 'aws:SourceIp': '10.0.0.0/9' } }, { 'aws:SourceIp': '10.128.0.0' }), 'SILENT')
    assert.equal(check({ IpAddress: { 'aws:SourceIp': '0.0.0.0/0' } }, { 'aws:SourceIp': '203.0.113.1' }), 'ALLOW')

    // The usual AWS resource policy: allow everyone, deny outside the range.
    const ipPolicy = compilePolicy({
      Statement: [
        { Effect: 'Allow', Principal: '*', Action: INVOKE, Resource: '*' },
        { Effect: 'Deny', Principal: '*', Action: INVOKE, Resource: '*', Condition: { NotIpAddress: { 'aws:SourceIp': ['192.0.2.0/24'] } } },
      ],
    })
    assert.equal(ipPolicy.evaluate(req(arn, { conditions: { 'aws:SourceIp': '::ffff:192.0.2.1' } })), 'ALLOW')
    assert.equal(ipPolicy.evaluate(req(arn, { conditions: { 'aws:SourceIp': '203.0.113.9' } })), 'DENY')
  })

  test('string operators: Equals, NotEquals, EqualsIgnoreCase, Like, NotLike', () => {
    assert.equal(check({ StringEquals: { 'aws:UserAgent': ['curl/8', 'wget'] } }, { 'aws:UserAgent': 'wget' }), 'ALLOW')
    assert.equal(check({ StringEquals: { 'aws:UserAgent': 'curl/8' } }, { 'aws:UserAgent': 'Curl/8' }), 'SILENT')
    assert.equal(check({ StringEqualsIgnoreCase: { 'aws:UserAgent': 'curl/8' } }, { 'aws:UserAgent': 'CURL/8' }), 'ALLOW')
    assert.equal(check({ StringNotEquals: { 'aws:UserAgent': ['a', 'b'] } }, { 'aws:UserAgent': 'c' }), 'ALLOW')
    assert.equal(check({ StringNotEquals: { 'aws:UserAgent': ['a', 'b'] } }, { 'aws:UserAgent': 'b' }), 'SILENT')
    assert.equal(check({ StringNotEqualsIgnoreCase: { 'aws:UserAgent': 'A' } }, { 'aws:UserAgent': 'a' }), 'SILENT')
    assert.equal(check({ StringLike: { 'aws:Referer': ['https://*.example.com/*'] } }, { 'aws:Referer': 'https://www.example.com/page' }), 'ALLOW')
    assert.equal(check({ StringLike: { 'aws:Referer': 'https://*.example.com/*' } }, { 'aws:Referer': 'https://example.org/' }), 'SILENT')
    assert.equal(check({ StringLike: { 'aws:UserAgent': 'v?' } }, { 'aws:UserAgent': 'v1' }), 'ALLOW')
    assert.equal(check({ StringNotLike: { 'aws:UserAgent': '*bot*' } }, { 'aws:UserAgent': 'Mozilla' }), 'ALLOW')
    assert.equal(check({ StringNotLike: { 'aws:UserAgent': '*bot*' } }, { 'aws:UserAgent': 'crawlbot/1' }), 'SILENT')
  })

  test('condition keys are case-insensitive; values are not', () => {
    assert.equal(check({ StringEquals: { 'AWS:USERAGENT': 'x' } }, { 'aws:UserAgent': 'x' }), 'ALLOW')
    assert.equal(check({ StringEquals: { 'aws:useragent': 'x' } }, { 'Aws:UserAgent': 'x' }), 'ALLOW')
  })

  test('an absent key fails positive operators, passes negated ones, and passes anything ...IfExists', () => {
    assert.equal(check({ StringEquals: { 'aws:Referer': 'x' } }, {}), 'SILENT')
    assert.equal(check({ StringNotEquals: { 'aws:Referer': 'x' } }, {}), 'ALLOW')
    assert.equal(check({ NotIpAddress: { 'aws:SourceIp': '10.0.0.0/8' } }, {}), 'ALLOW')
    assert.equal(check({ StringEqualsIfExists: { 'aws:Referer': 'x' } }, {}), 'ALLOW')
    assert.equal(check({ StringEqualsIfExists: { 'aws:Referer': 'x' } }, { 'aws:Referer': 'y' }), 'SILENT')
    assert.equal(check({ IpAddressIfExists: { 'aws:SourceIp': '10.0.0.0/8' } }, { 'aws:SourceIp': '10.1.1.1' }), 'ALLOW')
    assert.equal(check({ StringEquals: { 'aws:Referer': 'x' } }, { 'aws:Referer': undefined }), 'SILENT')
  })

  test('values OR within a key; keys and operators AND', () => {
    const condition = {
      StringEquals: { 'aws:UserAgent': ['a', 'b'], 'aws:PrincipalAccount': '111122223333' },
      Bool: { 'aws:SecureTransport': 'true' },
    }
    const base = { 'aws:UserAgent': 'b', 'aws:PrincipalAccount': '111122223333', 'aws:SecureTransport': 'true' }
    assert.equal(check(condition, base), 'ALLOW')
    assert.equal(check(condition, { ...base, 'aws:UserAgent': 'c' }), 'SILENT')
    assert.equal(check(condition, { ...base, 'aws:PrincipalAccount': '999999999999' }), 'SILENT')
    assert.equal(check(condition, { ...base, 'aws:SecureTransport': 'false' }), 'SILENT')
  })

  test('Bool, Numeric and Date operators', () => {
    assert.equal(check({ Bool: { 'aws:SecureTransport': false } }, { 'aws:SecureTransport': 'false' }), 'ALLOW')
    assert.equal(check({ Bool: { 'aws:SecureTransport': 'True' } }, { 'aws:SecureTransport': 'true' }), 'ALLOW')
    assert.equal(check({ NumericLessThan: { 'custom:n': 10 } }, { 'custom:n': '9' }), 'ALLOW')
    assert.equal(check({ NumericLessThan: { 'custom:n': 10 } }, { 'custom:n': '10' }), 'SILENT')
    assert.equal(check({ NumericLessThanEquals: { 'custom:n': '10' } }, { 'custom:n': '10' }), 'ALLOW')
    assert.equal(check({ NumericGreaterThan: { 'custom:n': '1.5' } }, { 'custom:n': '2' }), 'ALLOW')
    assert.equal(check({ NumericGreaterThanEquals: { 'custom:n': '2' } }, { 'custom:n': '1' }), 'SILENT')
    assert.equal(check({ NumericEquals: { 'custom:n': '2' } }, { 'custom:n': '2.0' }), 'ALLOW')
    assert.equal(check({ NumericNotEquals: { 'custom:n': '2' } }, { 'custom:n': '3' }), 'ALLOW')
    assert.equal(check({ NumericEquals: { 'custom:n': '2' } }, { 'custom:n': 'two' }), 'SILENT')

    const now = Date.parse('2025-06-01T12:00:00Z')
    const ctx = requestConditions({ nowMs: now })
    assert.equal(check({ DateLessThan: { 'aws:CurrentTime': '2025-12-31T00:00:00Z' } }, ctx), 'ALLOW')
    assert.equal(check({ DateGreaterThan: { 'aws:CurrentTime': '2025-12-31T00:00:00Z' } }, ctx), 'SILENT')
    assert.equal(check({ DateGreaterThan: { 'aws:CurrentTime': '2025-01-01' } }, ctx), 'ALLOW')
    assert.equal(check({ DateLessThanEquals: { 'aws:EpochTime': String(now / 1000) } }, ctx), 'ALLOW')
    assert.equal(check({ DateGreaterThanEquals: { 'aws:EpochTime': now / 1000 + 1 } }, ctx), 'SILENT')
    assert.equal(check({ DateEquals: { 'aws:CurrentTime': '2025-06-01T12:00:00Z' } }, ctx), 'ALLOW')
    assert.equal(check({ DateNotEquals: { 'aws:CurrentTime': '2025-06-01T12:00:00Z' } }, ctx), 'SILENT')
    // A time window as two operators on the same key.
    const window = { DateGreaterThan: { 'aws:CurrentTime': '2025-05-01T00:00:00Z' }, DateLessThan: { 'aws:CurrentTime': '2025-07-01T00:00:00Z' } }
    assert.equal(check(window, ctx), 'ALLOW')
    assert.equal(check(window, requestConditions({ nowMs: Date.parse('2025-08-01T00:00:00Z') })), 'SILENT')
  })

  test('Arn operators, Null, ForAnyValue and ForAllValues', () => {
    assert.equal(check({ ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/Admin*' } }, { 'aws:PrincipalArn': 'arn:aws:iam::111122223333:role/AdminX' }), 'ALLOW')
    assert.equal(check({ ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/Admin*' } }, { 'aws:PrincipalArn': 'arn:aws:iam::1:2:role/Admin' }), 'SILENT')
    assert.equal(check({ ArnEquals: { 'aws:PrincipalArn': 'arn:aws:iam::111122223333:user/a' } }, { 'aws:PrincipalArn': 'arn:aws:iam::111122223333:user/a' }), 'ALLOW')
    assert.equal(check({ ArnNotLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:user/*' } }, { 'aws:PrincipalArn': 'arn:aws:iam::1:role/r' }), 'ALLOW')
    assert.equal(check({ Null: { 'aws:PrincipalArn': 'true' } }, {}), 'ALLOW')
    assert.equal(check({ Null: { 'aws:PrincipalArn': 'true' } }, { 'aws:PrincipalArn': 'arn:aws:iam::1:user/a' }), 'SILENT')
    assert.equal(check({ Null: { 'aws:PrincipalArn': false } }, { 'aws:PrincipalArn': 'arn:aws:iam::1:user/a' }), 'ALLOW')
    assert.equal(check({ 'ForAnyValue:StringEquals': { 'custom:groups': ['admin', 'ops'] } }, { 'custom:groups': ['dev', 'ops'] }), 'ALLOW')
    assert.equal(check({ 'ForAnyValue:StringEquals': { 'custom:groups': ['admin'] } }, { 'custom:groups': ['dev'] }), 'SILENT')
    assert.equal(check({ 'ForAnyValue:StringEquals': { 'custom:groups': ['admin'] } }, {}), 'SILENT')
    assert.equal(check({ 'ForAllValues:StringEquals': { 'custom:groups': ['dev', 'ops'] } }, { 'custom:groups': ['dev', 'ops'] }), 'ALLOW')
    assert.equal(check({ 'ForAllValues:StringEquals': { 'custom:groups': ['dev'] } }, { 'custom:groups': ['dev', 'ops'] }), 'SILENT')
    assert.equal(check({ 'ForAllValues:StringEquals': { 'custom:groups': ['dev'] } }, {}), 'ALLOW')
  })

  test('a condition on a Deny statement only denies when it holds', () => {
    const p = compilePolicy({
      Statement: [
        { Effect: 'Allow', Action: INVOKE, Resource: '*' },
        { Effect: 'Deny', Action: INVOKE, Resource: '*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } },
      ],
    })
    assert.equal(p.evaluate(req(arn, { conditions: { 'aws:SecureTransport': 'true' } })), 'ALLOW')
    assert.equal(p.evaluate(req(arn, { conditions: { 'aws:SecureTransport': 'false' } })), 'DENY')
  })

  test('requestConditions formats keys as AWS does', () => {
    const ctx = requestConditions({
      nowMs: Date.parse('2015-08-30T12:36:00.123Z'),
      sourceIp: '::ffff:127.0.0.1',
      userAgent: 'curl/8',
      referer: 'https://example.com/',
      secureTransport: false,
      principal: { type: 'aws', arn: 'arn:aws:iam::111122223333:user/alice', accountId: '111122223333' },
      username: 'alice',
    })
    assert.deepEqual(ctx, {
      'aws:CurrentTime': '2015-08-30T12:36:00Z',
      'aws:EpochTime': '1440938160',
      'aws:SourceIp': '127.0.0.1',
      'aws:UserAgent': 'curl/8',
      'aws:Referer': 'https://example.com/',
      'aws:SecureTransport': 'false',
      'aws:PrincipalArn': 'arn:aws:iam::111122223333:user/alice',
      'aws:PrincipalAccount': '111122223333',
      'aws:username': 'alice',
    })
    assert.equal(requestConditions({ nowMs: 0, sourceIp: '2001:db8::1' })['aws:SourceIp'], '2001:db8::1')
  })
})

describe('resource-policy shorthand (§7.6)', () => {
  const opts = { resourcePolicyApiArn: apiArn(API.region, API.accountId, API.apiId) }

  test('execute-api:/… expands to the API ARN', () => {
    const p = compilePolicy(
      {
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: '*', Action: INVOKE, Resource: 'execute-api:/*' },
          { Effect: 'Deny', Principal: '*', Action: INVOKE, Resource: ['execute-api:/dev/DELETE/*', 'execute-api:/*/GET/admin'] },
        ],
      },
      opts,
    )
    assert.equal(p.evaluate(req(arnFor('GET', '/'))), 'ALLOW')
    assert.equal(p.evaluate(req(arnFor('POST', '/pets/1', 'prod'))), 'ALLOW')
    assert.equal(p.evaluate(req(arnFor('DELETE', '/pets/1'))), 'DENY')
    assert.equal(p.evaluate(req(arnFor('DELETE', '/pets/1', 'prod'))), 'ALLOW')
    assert.equal(p.evaluate(req(arnFor('GET', '/admin', 'prod'))), 'DENY')
    // Another API's ARN is outside execute-api:/*.
    assert.equal(p.evaluate(req('arn:aws:execute-api:us-east-1:123456789012:zzzzzzzzzz/dev/GET/')), 'SILENT')
  })

  test('without the API ARN the shorthand is a literal that matches nothing; full ARNs still work', () => {
    const policy = { Statement: [{ Effect: 'Allow', Principal: '*', Action: INVOKE, Resource: 'execute-api:/*' }] }
    assert.equal(evaluatePolicy(policy, req(arnFor('GET', '/'))), 'SILENT')
    assert.equal(evaluatePolicy(policy, req(arnFor('GET', '/')), opts), 'ALLOW')
    assert.equal(evaluatePolicy(allowOnly(arnFor('GET', '/x')), req(arnFor('GET', '/x')), opts), 'ALLOW')
  })
})

describe('malformed policies are refused at compile time, every problem at once', () => {
  const problemsOf = (policy: unknown): string[] => {
    try {
      compilePolicy(policy)
    } catch (err) {
      assert.ok(err instanceof PolicyError, String(err))
      return err.problems.map((p) => `${p.path}: ${p.message}`)
    }
    assert.fail('expected a PolicyError')
  }

  test('shape errors', () => {
    assert.deepEqual(problemsOf('{not json'), [`: not valid JSON (${(() => { try { JSON.parse('{not json') } catch (e) { return (e as Error).message } return '' })()})`])
    assert.deepEqual(problemsOf(42), [': a policy must be a JSON object'])
    assert.deepEqual(problemsOf({ Version: '2012-10-17' }), ['/Statement: Statement is required'])
    assert.deepEqual(problemsOf({ Statement: ['x'] }), ['/Statement/0: a statement must be an object'])
  })

  test('statement errors are all reported, each with its path', () => {
    const problems = problemsOf({
      Statement: [
        { Effect: 'Permit', Action: INVOKE, Resource: '*' },
        { Effect: 'Allow', Action: INVOKE, NotAction: 's3:*', Resource: '*' },
        { Effect: 'Allow', Action: INVOKE },
        { Effect: 'Allow', Action: [], Resource: '*' },
        { Effect: 'Allow', Action: INVOKE, Resource: '*', Principal: { Robot: 'x' }, Extra: 1 },
        { Effect: 'Allow', Action: INVOKE, Resource: '*', Principal: { AWS: 'bob' } },
      ],
    })
    assert.deepEqual(problems, [
      '/Statement/0/Effect: Effect must be "Allow" or "Deny"',
      '/Statement/1: a statement cannot have both Action and NotAction',
      '/Statement/2: a statement needs Resource or NotResource',
      '/Statement/3/Action: must be a string or a non-empty array of strings',
      '/Statement/4/Extra: unknown statement element "Extra"',
      '/Statement/4/Principal/Robot: unknown principal type "Robot" (expected AWS, Service, Federated or CanonicalUser)',
      '/Statement/5/Principal/AWS: "bob" is not "*", a 12-digit account id or an ARN',
    ])
  })

  test('condition errors: unknown operators and bad values', () => {
    const problems = problemsOf({
      Statement: {
        Effect: 'Deny',
        Action: INVOKE,
        Resource: '*',
        Condition: {
          StringSortOf: { 'aws:UserAgent': 'x' },
          NullIfExists: { 'aws:Referer': 'true' },
          IpAddress: { 'aws:SourceIp': ['10.0.0.0/33', '300.1.1.1', '10.0.0.0/8'] },
          DateLessThan: { 'aws:CurrentTime': 'tomorrow' },
          NumericEquals: { 'custom:n': 'ten' },
          Bool: { 'aws:SecureTransport': 'yes' },
          StringEquals: { 'aws:UserAgent': { nested: true } },
        },
      },
    })
    assert.deepEqual(problems, [
      '/Statement/Condition/StringSortOf: unknown condition operator "StringSortOf"',
      '/Statement/Condition/NullIfExists: unknown condition operator "NullIfExists"',
      '/Statement/Condition/IpAddress/aws:SourceIp: "10.0.0.0/33" is not an IPv4 or IPv6 address or CIDR block',
      '/Statement/Condition/IpAddress/aws:SourceIp: "300.1.1.1" is not an IPv4 or IPv6 address or CIDR block',
      '/Statement/Condition/DateLessThan/aws:CurrentTime: "tomorrow" is not a valid date (ISO 8601 or epoch seconds)',
      '/Statement/Condition/NumericEquals/custom:n: "ten" is not a valid number',
      '/Statement/Condition/Bool/aws:SecureTransport: "yes" is not true or false',
      '/Statement/Condition/StringEquals/aws:UserAgent: condition values must be a string, number or boolean, or a non-empty array of them',
    ])
  })

  test('the error message itself lists the problems', () => {
    assert.throws(() => evaluatePolicy({ Statement: { Effect: 'Allow', Resource: '*' } }, req('x')), {
      name: 'PolicyError',
      message: 'Invalid policy: /Statement: a statement needs Action or NotAction',
    })
  })
})

describe('combined evaluation tables (§7.7)', () => {
  const decisions: Decision[] = ['ALLOW', 'SILENT', 'DENY']
  // Rows: auth; columns: resource policy Allow, silent, Deny.
  const tableA: Record<Decision, Array<'ALLOW' | 'DENY'>> = {
    ALLOW: ['ALLOW', 'ALLOW', 'DENY'],
    SILENT: ['ALLOW', 'DENY', 'DENY'],
    DENY: ['DENY', 'DENY', 'DENY'],
  }
  const tableB: Record<Decision, Array<'ALLOW' | 'DENY'>> = {
    ALLOW: ['ALLOW', 'DENY', 'DENY'],
    SILENT: ['DENY', 'DENY', 'DENY'],
    DENY: ['DENY', 'DENY', 'DENY'],
  }

  for (const auth of decisions) {
    decisions.forEach((rp, col) => {
      test(`same account (table A): auth ${auth} × resource policy ${rp} → ${tableA[auth][col]}`, () => {
        assert.equal(combine(auth, rp, true), tableA[auth][col])
      })
      test(`cross-account (table B): auth ${auth} × resource policy ${rp} → ${tableB[auth][col]}`, () => {
        assert.equal(combine(auth, rp, false), tableB[auth][col])
      })
    })
  }

  test('without a resource policy only an explicit Allow passes', () => {
    for (const same of [true, false]) {
      assert.equal(combine('ALLOW', null, same), 'ALLOW')
      assert.equal(combine('SILENT', null, same), 'DENY')
      assert.equal(combine('DENY', null, same), 'DENY')
    }
  })

  test('authorizationType NONE: only the resource policy counts; silent passes on public APIs, not private ones', () => {
    assert.equal(combine(null, null, true), 'ALLOW')
    assert.equal(combine(null, 'ALLOW', false), 'ALLOW')
    assert.equal(combine(null, 'SILENT', false), 'ALLOW')
    assert.equal(combine(null, 'DENY', true), 'DENY')
    assert.equal(combine(null, 'SILENT', true, { privateApi: true }), 'DENY')
    assert.equal(combine(null, 'ALLOW', true, { privateApi: true }), 'ALLOW')
  })

  test('end to end: an IAM user of another account needs both an identity Allow and a resource-policy Allow', () => {
    const arn = arnFor('GET', '/pets')
    const caller: PolicyPrincipal = { type: 'aws', arn: 'arn:aws:iam::999999999999:user/eve', accountId: '999999999999' }
    const identity = compilePolicy(allowOnly('arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/*'))
    const resourcePolicy = compilePolicy(
      { Statement: [{ Effect: 'Allow', Principal: { AWS: '999999999999' }, Action: INVOKE, Resource: 'execute-api:/dev/GET/*' }] },
      { resourcePolicyApiArn: apiArn(API.region, API.accountId, API.apiId) },
    )
    const request = req(arn, { principal: caller })
    const sameAccount = caller.accountId === API.accountId
    assert.equal(combine(identity.evaluate(request), resourcePolicy.evaluate(request), sameAccount), 'ALLOW')
    const post = req(arnFor('POST', '/pets'), { principal: caller })
    assert.equal(combine(identity.evaluate(post), resourcePolicy.evaluate(post), sameAccount), 'DENY')
  })
})
