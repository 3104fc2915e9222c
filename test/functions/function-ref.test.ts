// parseFunctionRef on every form a function can be named by, and resolveFunctionConfig's defaults and problems.

import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { resolve } from 'node:path'
import { parseFunctionRef, functionArn, resolveFunctionConfig } from '../../src/functions/index.js'
import { ConfigError } from '../../src/errors.js'

describe('parseFunctionRef', () => {
  it('reads a Lambda ARN, with and without a qualifier', () => {
    assert.deepEqual(parseFunctionRef('arn:aws:lambda:eu-west-1:123456789012:function:pets'), {
      name: 'pets', region: 'eu-west-1', accountId: '123456789012',
    })
    assert.deepEqual(parseFunctionRef('arn:aws:lambda:eu-west-1:123456789012:function:pets:live'), {
      name: 'pets', qualifier: 'live', region: 'eu-west-1', accountId: '123456789012',
    })
    assert.deepEqual(parseFunctionRef('arn:aws:lambda:us-east-1:123456789012:function:pets:$LATEST')?.qualifier, '$LATEST')
    assert.deepEqual(parseFunctionRef('arn:aws:lambda:us-east-1:123456789012:function:pets:7')?.qualifier, '7')
    assert.deepEqual(parseFunctionRef('arn:aws-cn:lambda:cn-north-1:123456789012:function:pets')?.region, 'cn-north-1')
  })

  it('reads the API Gateway integration URI around an ARN', () => {
    assert.deepEqual(
      parseFunctionRef('arn:aws:apigateway:us-west-2:lambda:path/2015-03-31/functions/arn:aws:lambda:us-west-2:111122223333:function:orders-api:prod/invocations'),
      { name: 'orders-api', qualifier: 'prod', region: 'us-west-2', accountId: '111122223333' },
    )
    assert.deepEqual(
      parseFunctionRef('arn:aws:apigateway:us-west-2:lambda:path/2015-03-31/functions/arn:aws:lambda:us-west-2:111122223333:function:orders_api/invocations'),
      { name: 'orders_api', region: 'us-west-2', accountId: '111122223333' },
    )
  })

  it('reads a plain name, a name with a qualifier and a partial ARN', () => {
    assert.deepEqual(parseFunctionRef('hello'), { name: 'hello' })
    assert.deepEqual(parseFunctionRef('hello:beta'), { name: 'hello', qualifier: 'beta' })
    assert.deepEqual(parseFunctionRef('123456789012:function:hello'), { name: 'hello', accountId: '123456789012' })
  })

  it('refuses what names no function, including names that could leave a functions directory', () => {
    for (const bad of [
      '', 'a/b', '../etc/passwd', 'a.b', 'x'.repeat(65), 'arn:aws:lambda:us-east-1:123:function:f',
      'arn:aws:s3:::bucket', 'arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/../x/invocations',
      'arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/${stageVariables.fn}/invocations', 'name:has:colons',
    ]) {
      assert.equal(parseFunctionRef(bad), null, bad)
    }
  })

  it('builds invokedFunctionArn the way Lambda shows it', () => {
    assert.equal(functionArn('f', 'us-east-1', '000000000000'), 'arn:aws:lambda:us-east-1:000000000000:function:f')
    assert.equal(functionArn('f', 'us-east-1', '000000000000', 'live'), 'arn:aws:lambda:us-east-1:000000000000:function:f:live')
  })
})

describe('resolveFunctionConfig', () => {
  it("applies Lambda's defaults: 3 s, 128 MB, export `handler`, no reserved concurrency", () => {
    const cfg = resolveFunctionConfig({ name: 'f', module: 'functions/f.mjs' })
    assert.equal(cfg.timeout, 3)
    assert.equal(cfg.memorySize, 128)
    assert.equal(cfg.handler, 'handler')
    assert.equal(cfg.reservedConcurrency, undefined)
    assert.equal(cfg.module, resolve('functions/f.mjs'))
  })

  it('reports every problem at once, each with its path', () => {
    let err: unknown
    try {
      resolveFunctionConfig({
        name: 'bad name', module: '', handler: 'a-b', timeout: 0, memorySize: 64,
        environment: { AWS_REGION: 'x', '1X': 'y', OK: 3 as unknown as string }, reservedConcurrency: -1,
        timout: 3,
      } as never)
    } catch (e) {
      err = e
    }
    assert.ok(err instanceof ConfigError)
    const paths = err.problems.map((p) => p.path).sort()
    assert.deepEqual(paths, [
      '/environment/1X', '/environment/AWS_REGION', '/environment/OK', '/handler', '/memorySize', '/module', '/name',
      '/reservedConcurrency', '/timeout', '/timout',
    ])
  })
})
