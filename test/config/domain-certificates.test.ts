// The domains' certificates as each compile reads them (src/controlplane/config/domain-tls.ts,
// DomainCertificates): a domain whose files became unreadable or unusable keeps the last certificate it served
// well (and says so); a domain that never had one is left without; a removed domain's is forgotten, so a new
// domain of that name does not inherit it. Real files and certificates made by openssl.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { DomainCertificates } from '../../src/controlplane/config/domain-tls.js'
import type { DomainName } from '../../src/model/types.js'
import { tempDir } from '../helpers.js'
import { issueCertificates, type IssuedCertificates } from '../admin/domain-fixture.js'

function domain(dir: string, stem: string): DomainName {
  return {
    domainName: 'api.example.test',
    certificateFiles: { certFile: join(dir, `${stem}.pem`), keyFile: join(dir, `${stem}.key`) },
    securityPolicy: 'TLS_1_2',
    endpointType: 'REGIONAL',
    mappings: [],
    tags: {},
    createdDate: '2026-01-01T00:00:00.000Z',
  }
}

test('each domain keeps its last good certificate through unreadable and unusable files, and forgets it when the domain goes', async (t) => {
  const tmp = tempDir('gatehouse-domain-certs-')
  t.after(() => tmp.cleanup())
  let certs: IssuedCertificates
  try {
    certs = issueCertificates(tmp.dir, { one: 'api.example.test', two: 'api.example.test' })
  } catch (err) {
    return t.skip(`openssl is needed to make test certificates: ${(err as Error).message}`)
  }
  const read = new DomainCertificates()
  const live = domain(tmp.dir, 'live')
  writeFileSync(join(tmp.dir, 'live.pem'), certs.pem('one'))
  writeFileSync(join(tmp.dir, 'live.key'), certs.key('one'))

  const first = await read.read([live], {})
  assert.equal(first.pems.get('api.example.test')?.cert, certs.pem('one'))
  assert.deepEqual(first.problems, [])

  // The file disappears: the last good certificate is kept, and the problem says so.
  rmSync(join(tmp.dir, 'live.pem'))
  const gone = await read.read([live], {})
  assert.equal(gone.pems.get('api.example.test')?.cert, certs.pem('one'))
  assert.equal(gone.problems.length, 1)
  assert.equal(gone.problems[0]!.kept, true)
  assert.match(gone.problems[0]!.message, /^domain api\.example\.test: cannot read the certificate .*live\.pem: no such file$/)

  // A certificate that does not match its key: kept as well.
  writeFileSync(join(tmp.dir, 'live.pem'), certs.pem('two'))
  const mismatch = await read.read([live], {})
  assert.equal(mismatch.pems.get('api.example.test')?.cert, certs.pem('one'))
  assert.deepEqual(mismatch.problems.map((p) => [p.kept, /cannot serve TLS: .*key values mismatch/.test(p.message)]), [[true, true]])

  // Fixed: the new pair is served, and is the last good one from now on.
  writeFileSync(join(tmp.dir, 'live.key'), certs.key('two'))
  const fixed = await read.read([live], {})
  assert.equal(fixed.pems.get('api.example.test')?.cert, certs.pem('two'))
  assert.deepEqual(fixed.problems, [])

  // An ARN that the certificates table no longer maps.
  const byArn: DomainName = { ...live, certificateArn: 'arn:aws:acm:us-east-1:000000000000:certificate/x' }
  delete byArn.certificateFiles
  const noArn = await read.read([byArn], {})
  assert.equal(noArn.pems.get('api.example.test')?.cert, certs.pem('two'))
  assert.deepEqual(noArn.problems.map((p) => [p.kept, p.message]), [[true, 'domain api.example.test: certificate arn:aws:acm:us-east-1:000000000000:certificate/x is not in the certificates table']])

  // The domain is removed, then a domain of the same name comes back with unreadable files: nothing is inherited.
  assert.equal((await read.read([], {})).pems.size, 0)
  rmSync(join(tmp.dir, 'live.pem'))
  const reborn = await read.read([live], {})
  assert.equal(reborn.pems.has('api.example.test'), false)
  assert.deepEqual(reborn.problems.map((p) => p.kept), [false])
})
