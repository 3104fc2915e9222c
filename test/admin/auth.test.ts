// Who may use the admin API: open on loopback without a token; on an exposed listener without a token,
// changes and key values are refused with a message saying how to configure one; with
// `listeners.admin.token`, every admin API request needs it (Bearer, or as an AWS access key id).

import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { send, startGateway, tempDir, writeFile } from '../helpers.js'
import { adminClient, baseConfig, errorOf } from './helpers.js'

const TOKEN = 'an-admin-token-that-is-long-enough'

describe('admin API access', () => {
  it('is open on a loopback listener without a token', async () => {
    const tmp = tempDir()
    const gw = await startGateway({ configFile: writeFile(tmp.dir, 'gatehouse.yaml', baseConfig()) })
    try {
      const api = adminClient(gw.adminPort)
      assert.equal((await api('POST', '/apikeys', { name: 'k' })).status, 201)
      assert.equal((await api('GET', '/apikeys?includeValues=true')).status, 200)
    } finally {
      await gw.stop()
      tmp.cleanup()
    }
  })

  it('refuses changes and key values on a non-loopback listener without a token, and says how to set one', async () => {
    const tmp = tempDir()
    const gw = await startGateway({ configFile: writeFile(tmp.dir, 'gatehouse.yaml', baseConfig()) }, { adminHost: '0.0.0.0' })
    try {
      const api = adminClient(gw.adminPort)
      const created = await api('POST', '/apikeys', { name: 'k' })
      assert.equal(created.status, 403)
      assert.equal(created.headers['x-amzn-errortype'], 'ForbiddenException')
      assert.match(created.json().message, /bound to 0\.0\.0\.0/)
      assert.match(created.json().message, /Set listeners\.admin\.credentials \(.*\) or listeners\.admin\.token \(.*\) in the config file/)
      assert.equal((await api('POST', '/usageplans', { name: 'p' })).status, 403)
      assert.equal((await api('DELETE', '/apikeys/x')).status, 403)
      assert.equal((await api('GET', '/apikeys?includeValues=true')).status, 403, 'key values are as sensitive as changes')
      assert.equal((await api('GET', '/usageplans/x/keys')).status, 403, 'usage plan keys carry their values')
      assert.deepEqual((await api('GET', '/apikeys')).json(), { item: [] }, 'plain listings stay readable')
      assert.equal((await api('GET', '/usageplans')).status, 200)
      assert.equal((await api('GET', '/health')).status, 200, 'health checks need no token')
    } finally {
      await gw.stop()
      tmp.cleanup()
    }
  })

  it('requires the configured token on every admin API request, as a Bearer token or an AWS access key id', async () => {
    const tmp = tempDir()
    const config = writeFile(tmp.dir, 'gatehouse.yaml', baseConfig({ listeners: { admin: { token: TOKEN } } }))
    const gw = await startGateway({ configFile: config }, { adminHost: '0.0.0.0' })
    try {
      const api = adminClient(gw.adminPort)
      const missing = await api('GET', '/apikeys')
      assert.deepEqual(errorOf(missing), {
        status: 401,
        type: 'UnauthorizedException',
        message: 'This admin API requires a token: send the header "Authorization: Bearer <listeners.admin.token>" (AWS CLIs and SDKs: use the token as the access key id)',
      })
      assert.equal(missing.headers['www-authenticate'], 'Bearer realm="gatehouse-admin"')
      assert.deepEqual(errorOf(await api('GET', '/apikeys', undefined, { authorization: 'Bearer not-the-token-at-all' })), { status: 403, type: 'ForbiddenException', message: 'The admin API token is not valid' })

      const bearer = { authorization: `Bearer ${TOKEN}` }
      assert.equal((await api('POST', '/apikeys', { name: 'k' }, bearer)).status, 201)
      const sigv4 = { authorization: `AWS4-HMAC-SHA256 Credential=${TOKEN}/20240101/us-east-1/apigateway/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc` }
      const listed = await api('GET', '/apikeys?includeValues=true', undefined, sigv4)
      assert.equal(listed.status, 200)
      assert.equal(listed.json().item.length, 1)
      assert.equal((await send(gw.adminPort, '/health')).status, 200)
      assert.equal((await send(gw.adminPort, '/metrics')).status, 200)

      // A changed token applies after a reload.
      writeFile(tmp.dir, 'gatehouse.yaml', baseConfig({ listeners: { admin: { token: `${TOKEN}-rotated` } } }))
      assert.equal((await gw.gateway.reload()).ok, true)
      assert.equal((await api('GET', '/apikeys', undefined, bearer)).status, 403)
      assert.equal((await api('GET', '/apikeys', undefined, { authorization: `Bearer ${TOKEN}-rotated` })).status, 200)
    } finally {
      await gw.stop()
      tmp.cleanup()
    }
  })
})
