// Web pages cannot use the admin port, although a browser will send requests to 127.0.0.1 for any page: a
// cross-site page cannot create keys (a foreign Origin or Sec-Fetch-Site is refused; a text/plain or form body
// is refused), and a DNS-rebinding page — whose requests carry its own name as Host — cannot read key values
// or metrics. Programs keep working: no Origin, a Host of localhost, an IP address, the bound host or an allowed
// name, JSON bodies (and CSV for ImportApiKeys, typed or not). Bound elsewhere than loopback with no token, the
// gateway warns at start.

import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { send, startGateway, tempDir, writeFile, type TestGateway, type TestResponse } from '../helpers.js'
import { adminClient, baseConfig, errorOf } from './helpers.js'
import { serve } from '../../src/cli/serve.js'
import { UsageError } from '../../src/cli/args.js'
import { isAllowedHost } from '../../src/controlplane/admin-guard.js'

const KEY_VALUE = 'secret-key-value-0123456789abcdef'

describe('the admin port and web pages', () => {
  let tmp: ReturnType<typeof tempDir>
  let gw: TestGateway
  /** A request to the admin port with exactly these headers (Host defaults to localhost:PORT). */
  const call = (method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<TestResponse> =>
    send(gw.adminPort, path, { method, ...(headers.host ? { host: headers.host } : {}), headers, ...(body === undefined ? {} : { body }) })
  const keyNames = async (): Promise<string[]> => ((await call('GET', '/apikeys')).json().item as Array<{ name?: string }>).map((k) => k.name ?? '')

  before(async () => {
    tmp = tempDir()
    const config = baseConfig({ listeners: { admin: { allowedHosts: ['gatehouse-admin.internal', '.corp.example'] } }, apiKeys: [{ name: 'existing', value: KEY_VALUE }] })
    gw = await startGateway({ configFile: writeFile(tmp.dir, 'gatehouse.yaml', config) }, { adminAllowedHosts: ['from-the-cli.example'] })
  })
  after(async () => {
    await gw.stop()
    tmp.cleanup()
  })

  it('refuses a cross-site page creating a key (text/plain POST with a foreign Origin), and creates nothing', async () => {
    const res = await call('POST', '/apikeys', { origin: 'http://evil.example', 'content-type': 'text/plain;charset=UTF-8', 'sec-fetch-site': 'cross-site' }, '{"name":"planted","value":"planted-value-0123456789abcdef","enabled":true}')
    assert.equal(res.status, 403)
    assert.equal(res.headers['x-amzn-errortype'], 'ForbiddenException')
    assert.match(res.json().message, /refuses requests from web pages of other origins \(Origin: http:\/\/evil\.example\)/)
    // Another port of the same machine is another origin too (a dev server, or an API served on the data plane).
    const sameMachine = await call('POST', '/apikeys', { origin: `http://localhost:${gw.port}`, 'content-type': 'application/json' }, '{"name":"planted"}')
    assert.equal(sameMachine.status, 403)
    assert.equal((await call('POST', '/apikeys', { origin: 'null', 'content-type': 'application/json' }, '{"name":"planted"}')).status, 403, 'a sandboxed page or a file')
    assert.deepEqual(await keyNames(), ['existing'])
  })

  it('refuses text/plain and form bodies on writes even without an Origin (415), and says to send JSON', async () => {
    const plain = await call('POST', '/apikeys', { 'content-type': 'text/plain' }, '{"name":"planted"}')
    assert.deepEqual(errorOf(plain), { status: 415, type: 'UnsupportedMediaTypeException', message: 'Unsupported Media Type: the admin API takes request bodies as JSON; send "Content-Type: application/json", not text/plain' })
    const form = await call('POST', '/usageplans', { 'content-type': 'application/x-www-form-urlencoded' }, 'name=planted')
    assert.equal(form.status, 415)
    const untyped = await call('PATCH', '/apikeys/whatever', {}, '{"patchOperations":[]}')
    assert.equal(untyped.status, 415)
    assert.match(untyped.json().message, /send "Content-Type: application\/json" with the body/)
    const csvAsText = await call('POST', '/apikeys?mode=import&format=csv', { 'content-type': 'text/plain' }, 'Name,Key\nplanted,planted-value-0123456789abcdef\n')
    assert.deepEqual(errorOf(csvAsText), { status: 415, type: 'UnsupportedMediaTypeException', message: 'Unsupported Media Type: ImportApiKeys takes the CSV as text/csv (or application/octet-stream), not text/plain' })
    assert.deepEqual(await keyNames(), ['existing'])
  })

  it('takes JSON writes, CSV imports typed or untyped (the AWS CLI sends no type), and body-less deletes', async () => {
    const created = await call('POST', '/apikeys', { 'content-type': 'application/json; charset=utf-8' }, '{"name":"json"}')
    assert.equal(created.status, 201)
    for (const [type, name] of [['text/csv', 'csv'], ['application/octet-stream', 'octets'], [undefined, 'untyped']] as const) {
      const res = await call('POST', '/apikeys?mode=import&format=csv', type ? { 'content-type': type } : {}, `Name,Key\n${name},${name}-value-0123456789abcdefghijklmnop\n`)
      assert.equal(res.status, 201, `${type}: ${res.text}`)
      assert.equal(res.json().ids.length, 1, `${type}: ${res.text}`)
    }
    assert.equal((await call('DELETE', `/apikeys/${created.json().id}`)).status, 202)
    assert.deepEqual((await keyNames()).sort(), ['csv', 'existing', 'octets', 'untyped'])
    // A same-origin request (a page the admin port served, or the browser's console on it) is its own origin.
    const same = await call('POST', '/apikeys', { origin: `http://localhost:${gw.adminPort}`, 'sec-fetch-site': 'same-origin', 'content-type': 'application/json' }, '{"name":"same-origin"}')
    assert.equal(same.status, 201)
  })

  it('refuses a DNS-rebinding page (a foreign Host) on every path: no key values, no metrics', async () => {
    for (const path of ['/apikeys?includeValues=true', '/usageplans', '/metrics', '/health', '/ready']) {
      const res = await call('GET', path, { host: `rebind.evil.example:${gw.adminPort}` })
      assert.equal(res.status, 403, path)
      assert.equal(res.headers['x-amzn-errortype'], 'ForbiddenException', path)
      assert.match(res.json().message, /does not answer to the host name in this request \(Host: rebind\.evil\.example:\d+\).*--admin-allowed-host NAME or listeners\.admin\.allowedHosts/, path)
      assert.ok(!res.text.includes(KEY_VALUE), path)
    }
    assert.equal((await call('GET', '/metrics', { host: 'corp.example.evil.example' })).status, 403, 'an allowed domain is matched on its end only')
    assert.equal((await call('GET', '/metrics', { host: 'xcorp.example' })).status, 403, 'and on a label boundary')
  })

  it('answers its own names: localhost, IP addresses (a pod IP for probes), and the allowed names, port or not', async () => {
    for (const host of ['localhost', `localhost:${gw.adminPort}`, `127.0.0.1:${gw.adminPort}`, `[::1]:${gw.adminPort}`, '[::1]', '10.1.2.3:9090', 'LOCALHOST.', 'gatehouse-admin.internal:9090', 'corp.example', 'admin.eu.corp.example', 'from-the-cli.example']) {
      const res = await call('GET', '/apikeys?includeValues=true', { host })
      assert.equal(res.status, 200, `${host}: ${res.text}`)
      assert.equal((await call('GET', '/health', { host })).status, 200, host)
    }
  })

  it('refuses requests browsers mark as coming from another site, and takes ones typed in the address bar', async () => {
    for (const site of ['cross-site', 'same-site']) {
      const res = await call('GET', '/apikeys?includeValues=true', { 'sec-fetch-site': site, 'sec-fetch-mode': 'no-cors' })
      assert.equal(res.status, 403, site)
      assert.match(res.json().message, /Sec-Fetch-Site/, site)
    }
    assert.equal((await call('GET', '/metrics', { 'sec-fetch-site': 'none', 'sec-fetch-mode': 'navigate' })).status, 200)
  })

  it('keeps the connection usable after refusing a request with an unread body', async () => {
    const big = 'x'.repeat(256 * 1024)
    assert.equal((await call('POST', '/apikeys', { host: 'evil.example', 'content-type': 'application/json' }, big)).status, 403)
    assert.equal((await call('POST', '/apikeys', { 'content-type': 'text/plain' }, big)).status, 415)
    assert.equal((await adminClient(gw.adminPort)('GET', '/usageplans')).status, 200)
  })
})

describe('the admin listener off loopback', () => {
  it('warns at start when it is reachable from other machines and has no token, and answers its bound host', async () => {
    const tmp = tempDir()
    const gw = await startGateway({ configFile: writeFile(tmp.dir, 'gatehouse.yaml', baseConfig()) }, { adminHost: '0.0.0.0' })
    try {
      const warnings = gw.logs.filter((l) => l.level === 40 && /admin listener/.test(String(l.msg)))
      assert.equal(warnings.length, 1)
      assert.match(String(warnings[0]!.msg), /the admin listener is bound to 0\.0\.0\.0, which other machines can reach, and has no token/)
      assert.equal(gw.gateway.adminWarning, warnings[0]!.msg, 'the same words for the banner')
    } finally {
      await gw.stop()
      tmp.cleanup()
    }
    const tokenTmp = tempDir()
    const withToken = await startGateway({ configFile: writeFile(tokenTmp.dir, 'gatehouse.yaml', baseConfig({ listeners: { admin: { token: 'an-admin-token-that-is-long-enough' } } })) }, { adminHost: '0.0.0.0' })
    try {
      assert.equal(withToken.gateway.adminWarning, null, 'a token is the credential')
      assert.equal(withToken.logs.filter((l) => /admin listener/.test(String(l.msg))).length, 0)
    } finally {
      await withToken.stop()
      tokenTmp.cleanup()
    }
  })

  it('stays quiet on loopback', async () => {
    const tmp = tempDir()
    const gw = await startGateway({ configFile: writeFile(tmp.dir, 'gatehouse.yaml', baseConfig()) }, { adminHost: 'localhost' })
    try {
      assert.equal(gw.gateway.adminWarning, null)
      assert.equal(gw.logs.filter((l) => /admin listener/.test(String(l.msg))).length, 0)
    } finally {
      await gw.stop()
      tmp.cleanup()
    }
  })

  it('answers the host name it was told to bind (--admin-host NAME), not a wildcard address as a name', () => {
    const policy = (bound: string) => ({ allowedHosts: () => [], boundHost: () => bound })
    assert.equal(isAllowedHost('gatehouse.lan', policy('gatehouse.lan')), true)
    assert.equal(isAllowedHost('gatehouse.lan', policy('GATEHOUSE.LAN')), true)
    assert.equal(isAllowedHost('gatehouse.lan', policy('0.0.0.0')), false)
    assert.equal(isAllowedHost('gatehouse.lan', policy('::')), false)
  })

  it('refuses an --admin-allowed-host that is not a host name', async () => {
    await assert.rejects(serve(['--admin-allowed-host', 'http://admin.example:9090']), (e: unknown) => e instanceof UsageError && /--admin-allowed-host: "http:\/\/admin\.example:9090" is not a host name/.test(e.message))
  })
})
