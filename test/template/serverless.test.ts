// The serverless.yml reader (Serverless Framework v3): a service translated into config-file declarations, named
// as the framework names things, and loaded through the config file pipeline (loadDesiredState) without a
// problem. http events → REST API, httpApi events → HTTP API, websocket events → WebSocket API, resources → ignored.

import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { apiIdFor } from '../../src/controlplane/config/desired.js'
import { HELLO_JS, httpApi, loadTranslated, methodAt, readYaml, restApi, serviceDir, type ServiceDir } from './serverless-helpers.js'

const SERVICE = `service: shop
frameworkVersion: '3'
provider:
  name: aws
  runtime: nodejs18.x
  stage: \${opt:stage, 'dev'}
  region: eu-west-1
  timeout: 10
  environment:
    GREETING: hello
  apiGateway:
    binaryMediaTypes: ['image/png']
    apiKeys:
      - shop-free
      - name: shop-paid
        value: 0123456789abcdefghijKLMN
    usagePlan:
      quota: { limit: 1000, offset: 0, period: month }
      throttle: { burstLimit: 20, rateLimit: 10 }
  httpApi:
    cors: true
functions:
  hello:
    handler: src/handler.hello
    memorySize: 256
    reservedConcurrency: 5
    environment:
      EXTRA: '1'
    events:
      - http: GET hello
      - http:
          path: /items/{id}
          method: any
          cors: true
          private: true
      - http:
          path: files/{proxy+}
          method: get
      - httpApi: 'GET /hi/{id}'
      - httpApi: '*'
      - websocket: $connect
      - websocket:
          route: sendMessage
          routeResponseSelectionExpression: $default
      - sqs: arn:aws:sqs:eu-west-1:123456789012:queue
  named:
    name: my-own-name
    handler: other.main
    events:
      - http: POST other
  python:
    handler: app.handler
    runtime: python3.12
    events:
      - http: GET py
resources:
  Resources:
    ItemsTable:
      Type: AWS::DynamoDB::Table
      Properties: { TableName: items }
`

describe('serverless.yml: a service translated and loaded', () => {
  let svc: ServiceDir
  before(() => {
    svc = serviceDir({ 'src/handler.js': HELLO_JS, 'other.mjs': 'export const main = async () => ({ statusCode: 201 })\n', 'app.py': 'def handler(e, c): pass\n' })
  })
  after(() => svc.cleanup())

  it('names the REST API {stage}-{service}, the functions {service}-{stage}-{key}, and finds handler files', async () => {
    const result = await readYaml(SERVICE, svc.dir)
    assert.deepEqual(result.problems, [])
    const config = result.config!
    assert.deepEqual(config.apis!.map((a) => [a.type, a.name, Object.keys(a.stages ?? {})]), [
      ['rest', 'dev-shop', ['dev']],
      ['http', 'dev-shop', ['$default']],
      ['websocket', 'dev-shop-websockets', ['dev']],
    ])
    const hello = config.functions!.find((f) => f.name === 'shop-dev-hello')!
    assert.equal(hello.module, `${svc.dir}/src/handler.js`)
    assert.equal(hello.handler, 'hello')
    assert.deepEqual(hello.environment, { GREETING: 'hello', EXTRA: '1' }, 'provider and function environment, merged')
    assert.equal(hello.timeout, 10, 'provider.timeout')
    assert.equal(hello.memorySize, 256)
    assert.equal(hello.reservedConcurrency, 5)
    const named = config.functions!.find((f) => f.name === 'my-own-name')!
    assert.equal(named.module, `${svc.dir}/other.mjs`)
    assert.equal(named.timeout, 10)
    assert.equal(config.functions!.length, 2, 'the python function is not run')
    assert.ok(result.files.includes(`${svc.dir}/serverless.yml`))
  })

  it('lists what it does not serve: other runtimes, sqs events, raw resources; websocket events make a WebSocket API', async () => {
    const result = await readYaml(SERVICE, svc.dir)
    const byId = new Map(result.ignored.map((i) => [i.logicalId, i]))
    assert.match(byId.get('/functions/python')!.reason, /python3\.12.*other runtimes come later/)
    assert.match(byId.get('/functions/python/events/0/http')!.reason, /function python is not run/)
    assert.equal(byId.get('/functions/hello/events/5/websocket'), undefined)
    const ws = result.config!.apis!.find((a) => a.type === 'websocket')!
    assert.deepEqual(ws.routes!.map((r) => r.routeKey), ['$connect', 'sendMessage'])
    assert.equal(ws.routeSelectionExpression, '$request.body.action')
    assert.equal(byId.get('/functions/hello/events/7/sqs')!.type, 'sqs')
    assert.deepEqual(byId.get('/resources/Resources/ItemsTable'), {
      logicalId: '/resources/Resources/ItemsTable',
      type: 'AWS::DynamoDB::Table',
      reason: byId.get('/resources/Resources/ItemsTable')!.reason,
    })
  })

  it('passes the config pipeline: methods, CORS preflight, API keys, usage plan, HTTP routes and CORS', async () => {
    const result = await readYaml(SERVICE, svc.dir)
    const state = await loadTranslated(result, svc.dir)
    const rest = restApi(state)
    assert.equal(rest.id, apiIdFor('rest', 'dev-shop'))
    assert.deepEqual(rest.binaryMediaTypes, ['image/png'])
    const get = methodAt(rest, '/hello', 'GET')
    assert.equal(get.methodIntegration?.type, 'AWS_PROXY')
    assert.match(get.methodIntegration!.uri!, /arn:aws:apigateway:eu-west-1:lambda:path\/2015-03-31\/functions\/arn:aws:lambda:eu-west-1:123456789012:function:shop-dev-hello\/invocations/)
    assert.equal(get.apiKeyRequired, false)
    const any = methodAt(rest, '/items/{id}', 'ANY')
    assert.equal(any.apiKeyRequired, true, 'private: true')
    assert.equal(any.requestParameters['method.request.path.id'], true)
    methodAt(rest, '/files/{proxy+}', 'GET')
    const options = methodAt(rest, '/items/{id}', 'OPTIONS')
    assert.equal(options.methodIntegration?.type, 'MOCK')
    const ir = options.methodIntegration!.integrationResponses!['200']!
    assert.equal(ir.responseParameters!['method.response.header.Access-Control-Allow-Origin'], "'*'")
    assert.equal(ir.responseParameters!['method.response.header.Access-Control-Allow-Methods'], "'OPTIONS,DELETE,GET,HEAD,PATCH,POST,PUT'")
    assert.equal(
      ir.responseParameters!['method.response.header.Access-Control-Allow-Headers'],
      "'Content-Type,X-Amz-Date,Authorization,X-Api-Key,X-Amz-Security-Token,X-Amz-User-Agent,X-Amzn-Trace-Id'",
    )
    assert.deepEqual(state.apiKeys.map((k) => k.name).sort(), ['shop-free', 'shop-paid'])
    assert.equal(state.apiKeys.find((k) => k.name === 'shop-paid')!.value, '0123456789abcdefghijKLMN')
    assert.equal(state.usagePlans.length, 1)
    const plan = state.usagePlans[0]!
    assert.equal(plan.name, 'shop-dev')
    assert.deepEqual(plan.quota, { limit: 1000, offset: 0, period: 'MONTH' })
    assert.deepEqual(plan.throttle, { burstLimit: 20, rateLimit: 10 })
    assert.deepEqual(plan.apiStages.map((s) => [s.apiId, s.stage]), [[rest.id, 'dev']])

    const http = httpApi(state)
    assert.deepEqual(Object.values(http.routes).map((r) => r.routeKey).sort(), ['$default', 'GET /hi/{id}'])
    const integration = Object.values(http.integrations)[0]!
    assert.equal(integration.payloadFormatVersion, '2.0')
    assert.deepEqual(http.corsConfiguration?.allowOrigins, ['*'])
    assert.deepEqual(new Set(http.corsConfiguration?.allowMethods), new Set(['OPTIONS', 'GET', 'DELETE', 'HEAD', 'PATCH', 'POST', 'PUT']))
  })

  it('--stage (opts.stage) renames the API, the stage, the functions and the usage plan', async () => {
    const result = await readYaml(SERVICE, svc.dir, { stage: 'prod' })
    const config = result.config!
    assert.equal(config.apis![0]!.name, 'prod-shop')
    assert.deepEqual(Object.keys(config.apis![0]!.stages!), ['prod'])
    assert.ok(config.functions!.some((f) => f.name === 'shop-prod-hello'))
    assert.equal(config.usagePlans![0]!.name, 'shop-prod')
  })
})

describe('serverless.yml: variables', () => {
  let svc: ServiceDir
  const saved = { ...process.env }
  before(() => {
    svc = serviceDir({
      'handler.js': HELLO_JS,
      'config/dev.yml': 'table: items-dev\nnested:\n  deep: ${self:service}-deep\n',
      'config/settings.json': '{"memory": 512}',
    })
    process.env.GATEHOUSE_SLS_TEST_VAR = 'from-env'
    delete process.env.GATEHOUSE_SLS_UNSET
  })
  after(() => {
    svc.cleanup()
    process.env = saved
  })

  const VARS = `service: vars
provider:
  name: aws
  runtime: nodejs20.x
  stage: \${opt:stage, "qa"}
  region: \${opt:region, 'ap-south-1'}
  memorySize: \${file(./config/settings.json):memory}
  environment:
    STAGE: \${sls:stage}
    REGION: \${aws:region}
    ACCOUNT: \${aws:accountId}
    FROM_ENV: \${env:GATEHOUSE_SLS_TEST_VAR}
    ENV_DEFAULT: \${env:GATEHOUSE_SLS_UNSET, 'fallback value'}
    CHAINED: \${env:GATEHOUSE_SLS_UNSET, self:custom.stageName}
    NESTED_FALLBACK: \${env:GATEHOUSE_SLS_UNSET, \${self:custom.stageName}}
    TABLE: \${self:custom.settings.table}
    DEEP: \${self:custom.settings.nested.deep}
    DYNAMIC: \${self:custom.byStage.\${sls:stage}}
    PARAM: \${param:domain}
    PARAM_BLOCK: \${param:fromBlock}
    NUMBER: \${self:custom.count}
    MIXED: 'at \${self:custom.count}-\${sls:stage}'
custom:
  stageName: \${sls:stage}
  settings: \${file(./config/dev.yml)}
  byStage:
    qa: qa-value
    prod: prod-value
  count: 3
params:
  default:
    fromBlock: block-default
  qa:
    fromBlock: block-qa
functions:
  f:
    handler: handler.hello
    events:
      - http: GET f
`

  it('resolves self, opt, sls, aws, env, file and param variables, nested and with fallbacks', async () => {
    const result = await readYaml(VARS, svc.dir, { parameterOverrides: { domain: 'example.test' } })
    assert.deepEqual(result.problems, [])
    const fn = result.config!.functions![0]!
    assert.equal(fn.name, 'vars-qa-f')
    assert.equal(fn.memorySize, 512)
    assert.deepEqual(fn.environment, {
      STAGE: 'qa',
      REGION: 'ap-south-1',
      ACCOUNT: '123456789012',
      FROM_ENV: 'from-env',
      ENV_DEFAULT: 'fallback value',
      CHAINED: 'qa',
      NESTED_FALLBACK: 'qa',
      TABLE: 'items-dev',
      DEEP: 'vars-deep',
      DYNAMIC: 'qa-value',
      PARAM: 'example.test',
      PARAM_BLOCK: 'block-qa',
      NUMBER: '3',
      MIXED: 'at 3-qa',
    })
    assert.ok(result.files.includes(`${svc.dir}/config/dev.yml`))
    assert.ok(result.files.includes(`${svc.dir}/config/settings.json`))
    assert.match(result.config!.apis![0]!.definition!.paths ? JSON.stringify(result.config!.apis![0]!.definition) : '', /ap-south-1/)
  })

  it('--stage and --region (opts) win over provider.stage and provider.region; opts.accountId is aws:accountId', async () => {
    const result = await readYaml(VARS, svc.dir, { stage: 'prod', region: 'eu-central-1', accountId: '000000000000', parameterOverrides: { domain: 'x' } })
    assert.deepEqual(result.problems, [])
    const env = result.config!.functions![0]!.environment!
    assert.equal(env.STAGE, 'prod')
    assert.equal(env.REGION, 'eu-central-1')
    assert.equal(env.ACCOUNT, '000000000000')
    assert.equal(env.PARAM_BLOCK, 'block-default', 'no params.prod: the default block')
  })

  it('reports cycles and unresolvable references at the JSON pointer of the value', async () => {
    const yaml = `service: bad
provider:
  name: aws
  runtime: nodejs20.x
custom:
  a: \${self:custom.b}
  b: \${self:custom.a}
  missing: \${self:custom.nothing}
  unset: \${env:GATEHOUSE_SLS_UNSET}
  ssm: \${ssm:/path/to/secret}
  ssmFallback: \${ssm:/path/to/secret, 'local'}
  nofile: \${file(./nope.yml):x}
  remote: \${file(https://example.com/x.yml)}
  param: \${param:nothing}
  unclosed: 'x \${self:service'
functions:
  f:
    handler: handler.hello
    environment:
      SSM: \${self:custom.ssmFallback}
`
    const result = await readYaml(yaml, svc.dir)
    const at = (path: string) => result.problems.filter((p) => p.path === path).map((p) => p.message).join(' | ')
    assert.ok(result.problems.every((p) => p.file === 'serverless.yml'))
    assert.match(at('/custom/a') + at('/custom/b'), /cycle/)
    assert.match(at('/custom/missing'), /cannot resolve \$\{self:custom\.nothing\}: nothing is declared at that address/)
    assert.match(at('/custom/unset'), /GATEHOUSE_SLS_UNSET is not set/)
    assert.match(at('/custom/ssm'), /"ssm" source needs AWS/)
    assert.equal(at('/custom/ssmFallback'), '')
    assert.match(at('/custom/nofile'), /cannot read \.\/nope\.yml: no such file/)
    assert.match(at('/custom/remote'), /only local files/)
    assert.match(at('/custom/param'), /--param nothing/)
    assert.match(at('/custom/unclosed'), /no closing/)
    assert.equal(result.config!.functions![0]!.environment!.SSM, 'local')
  })

  it('a file that includes itself is a cycle, not a stack overflow', async () => {
    svc.write('loop.yml', 'again: ${file(./loop.yml)}\n')
    const result = await readYaml(`service: s\nprovider: { name: aws }\ncustom:\n  x: \${file(./loop.yml)}\n`, svc.dir)
    assert.match(result.problems.map((p) => `${p.path} ${p.message}`).join('\n'), /\/custom\/x .*includes itself/)
  })
})

describe('serverless.yml: http event details', () => {
  let svc: ServiceDir
  before(() => {
    svc = serviceDir({ 'handler.js': HELLO_JS })
  })
  after(() => svc.cleanup())

  const AUTH = `service: auth
provider:
  name: aws
  runtime: nodejs20.x
  apiGateway:
    request:
      schemas:
        item-model:
          name: ItemModel
          schema: { type: object, required: [name], properties: { name: { type: string } } }
functions:
  authorize:
    handler: handler.hello
  authorizeRequest:
    handler: handler.hello
  hello:
    handler: handler.hello
    events:
      - http:
          path: token
          method: get
          authorizer: authorize
      - http:
          path: request
          method: get
          authorizer:
            name: authorizeRequest
            type: request
            identitySource: method.request.header.X-Token
            resultTtlInSeconds: 0
      - http:
          path: cognito
          method: get
          authorizer:
            arn: arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_AbCdEf
            scopes: [email]
      - http:
          path: iam
          method: get
          authorizer: aws_iam
      - http:
          path: validated
          method: post
          request:
            parameters:
              querystrings:
                page: true
                sort: false
              headers:
                X-Trace:
                  required: true
            schemas:
              application/json: item-model
      - http:
          path: legacy
          method: post
          integration: lambda
          request:
            template:
              text/plain: '{"raw": "$input.body"}'
          response:
            headers:
              X-Custom: "'yes'"
      - http:
          path: fire
          method: post
          async: true
`

  it('authorizers: function → TOKEN/REQUEST, Cognito ARN → COGNITO_USER_POOLS, aws_iam → AWS_IAM', async () => {
    const result = await readYaml(AUTH, svc.dir)
    assert.deepEqual(result.problems, [])
    const rest = restApi(await loadTranslated(result, svc.dir))
    const authorizers = Object.values(rest.authorizers)
    const token = methodAt(rest, '/token', 'GET')
    assert.equal(token.authorizationType, 'CUSTOM')
    const tokenAuth = rest.authorizers[token.authorizerId!]!
    assert.equal(tokenAuth.type, 'TOKEN')
    assert.equal(tokenAuth.identitySource, 'method.request.header.Authorization')
    assert.equal(tokenAuth.authorizerResultTtlInSeconds, 300)
    assert.match(tokenAuth.authorizerUri!, /function:auth-dev-authorize\/invocations$/)
    const request = methodAt(rest, '/request', 'GET')
    const requestAuth = rest.authorizers[request.authorizerId!]!
    assert.equal(requestAuth.type, 'REQUEST')
    assert.equal(requestAuth.identitySource, 'method.request.header.X-Token')
    assert.equal(requestAuth.authorizerResultTtlInSeconds, 0)
    const cognito = methodAt(rest, '/cognito', 'GET')
    assert.equal(cognito.authorizationType, 'COGNITO_USER_POOLS')
    assert.deepEqual(cognito.authorizationScopes, ['email'])
    assert.deepEqual(rest.authorizers[cognito.authorizerId!]!.providerARNs, ['arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_AbCdEf'])
    assert.equal(methodAt(rest, '/iam', 'GET').authorizationType, 'AWS_IAM')
    assert.equal(authorizers.length, 3)
  })

  it('request parameters and schemas: required flags, a model, the body-and-parameters validator', async () => {
    const result = await readYaml(AUTH, svc.dir)
    const rest = restApi(await loadTranslated(result, svc.dir))
    const m = methodAt(rest, '/validated', 'POST')
    assert.equal(m.requestParameters['method.request.querystring.page'], true)
    assert.equal(m.requestParameters['method.request.querystring.sort'], false)
    assert.equal(m.requestParameters['method.request.header.X-Trace'], true)
    assert.equal(m.requestModels['application/json'], 'ItemModel')
    const validator = rest.requestValidators[m.requestValidatorId!]!
    assert.equal(validator.name, 'auth-dev | Validate request body and querystring parameters')
    assert.equal(validator.validateRequestBody, true)
    assert.equal(validator.validateRequestParameters, true)
    assert.ok(rest.models.ItemModel)
  })

  it('integration: lambda gets the default request templates (custom ones added), the status code patterns and headers', async () => {
    const result = await readYaml(AUTH, svc.dir)
    const rest = restApi(await loadTranslated(result, svc.dir))
    const m = methodAt(rest, '/legacy', 'POST')
    const integration = m.methodIntegration!
    assert.equal(integration.type, 'AWS')
    assert.equal(integration.passthroughBehavior, 'NEVER')
    assert.deepEqual(Object.keys(integration.requestTemplates!).sort(), ['application/json', 'application/x-www-form-urlencoded', 'text/plain'])
    assert.match(integration.requestTemplates!['application/json']!, /"requestPath": "\$context\.resourcePath"/)
    const responses = integration.integrationResponses!
    assert.deepEqual(Object.keys(responses).sort(), ['200', '400', '401', '403', '404', '422', '500', '502', '504'])
    assert.equal(responses['200']!.selectionPattern ?? '', '')
    assert.equal(responses['400']!.selectionPattern, '[\\s\\S]*\\[400\\][\\s\\S]*')
    assert.equal(responses['200']!.responseParameters!['method.response.header.X-Custom'], "'yes'")
    assert.equal(m.methodResponses['200']!.responseParameters['method.response.header.X-Custom'], false)
    const fire = methodAt(rest, '/fire', 'POST').methodIntegration!
    assert.equal(fire.type, 'AWS')
    assert.equal(fire.requestParameters!['integration.request.header.X-Amz-Invocation-Type'], "'Event'")
  })

  it('problems name the file and the pointer of the event; nothing throws', async () => {
    const yaml = `service: broken
provider:
  name: aws
  runtime: nodejs20.x
functions:
  hello:
    handler: handler.hello
    events:
      - http: GETONLY
      - http: { path: x, method: fetch }
      - http: { method: get }
      - http: GET same
      - http: GET same
      - http: { path: a, method: get, authorizer: nobody }
      - http: { path: b, method: get, integration: http }
      - httpApi: 'GET nopath'
      - httpApi: { method: get, path: /y, authorizer: { name: undeclared } }
      - httpApi: { method: get, path: /z, payload: '3.0' }
      - 42
  nohandler:
    handler: missing.fn
  badname:
    handler: handler
  toolong:
    handler: handler.hello
    timeout: 1000
`
    const result = await readYaml(yaml, svc.dir)
    const paths = result.problems.map((p) => p.path)
    for (const expected of [
      '/functions/hello/events/0/http',
      '/functions/hello/events/1/http/method',
      '/functions/hello/events/2/http/path',
      '/functions/hello/events/4/http',
      '/functions/hello/events/5/http/authorizer',
      '/functions/hello/events/6/http/request/uri',
      '/functions/hello/events/7/httpApi',
      '/functions/hello/events/8/httpApi/authorizer',
      '/functions/hello/events/9/httpApi/payload',
      '/functions/hello/events/10',
      '/functions/nohandler/handler',
      '/functions/badname/handler',
      '/functions/toolong/timeout',
    ]) {
      assert.ok(paths.includes(expected), `a problem at ${expected}; got ${paths.join(', ')}`)
    }
    assert.ok(result.problems.every((p) => p.file === 'serverless.yml' && p.message.length > 0))
    assert.match(result.problems.find((p) => p.path === '/functions/hello/events/4/http')!.message, /GET \/same is already declared at \/functions\/hello\/events\/3\/http/)
  })

  it('not a service: a problem, no config', async () => {
    for (const doc of [null, 42, 'text', [], { provider: { name: 'aws' } }]) {
      const { readServerlessYml } = await import('../../src/controlplane/template/serverless.js')
      const result = await readServerlessYml(doc, { file: 'serverless.yml', dir: svc.dir, parameterOverrides: {} })
      assert.equal(result.config, undefined)
      assert.ok(result.problems.length > 0)
    }
  })
})

describe('serverless.yml: httpApi authorizers, payload and CORS; named usage plans', () => {
  let svc: ServiceDir
  before(() => {
    svc = serviceDir({ 'handler.js': HELLO_JS })
  })
  after(() => svc.cleanup())

  it('JWT and Lambda request authorizers, payload 1.0, a CORS mapping', async () => {
    const yaml = `service: api
provider:
  name: aws
  runtime: nodejs20.x
  httpApi:
    payload: '1.0'
    cors:
      allowedOrigins: [https://app.example.com]
      allowedHeaders: [Content-Type]
      allowCredentials: true
      exposedResponseHeaders: [X-Total]
      maxAge: 600
    authorizers:
      jwtAuth:
        identitySource: $request.header.Authorization
        issuerUrl: https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbCdEf
        audience: [client-1, client-2]
      lambdaAuth:
        type: request
        functionName: authorize
        enableSimpleResponses: true
        payloadVersion: '2.0'
        identitySource: [$request.header.X-Key]
        resultTtlInSeconds: 60
functions:
  authorize:
    handler: handler.hello
  hello:
    handler: handler.hello
    events:
      - httpApi:
          method: GET
          path: /me
          authorizer:
            name: jwtAuth
            scopes: [profile]
      - httpApi:
          method: post
          path: /things/{id}
          authorizer: { name: lambdaAuth }
          payload: '2.0'
      - httpApi:
          method: '*'
          path: /anything
      - httpApi:
          method: get
          path: /iam
          authorizer: { type: aws_iam }
`
    const result = await readYaml(yaml, svc.dir)
    assert.deepEqual(result.problems, [])
    const http = httpApi(await loadTranslated(result, svc.dir))
    const route = (key: string) => Object.values(http.routes).find((r) => r.routeKey === key)!
    const me = route('GET /me')
    assert.equal(me.authorizationType, 'JWT')
    assert.deepEqual(me.authorizationScopes, ['profile'])
    const jwt = http.authorizers[me.authorizerId!]!
    assert.equal(jwt.jwtConfiguration?.issuer, 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbCdEf')
    assert.deepEqual(jwt.jwtConfiguration?.audience, ['client-1', 'client-2'])
    const things = route('POST /things/{id}')
    assert.equal(things.authorizationType, 'CUSTOM')
    const lambda = http.authorizers[things.authorizerId!]!
    assert.equal(lambda.enableSimpleResponses, true)
    assert.equal(lambda.authorizerPayloadFormatVersion, '2.0')
    assert.deepEqual(lambda.identitySource, ['$request.header.X-Key'])
    assert.equal(lambda.authorizerResultTtlInSeconds, 60)
    assert.match(lambda.authorizerUri!, /function:api-dev-authorize\/invocations$/)
    assert.equal(route('ANY /anything').authorizationType, 'NONE')
    assert.equal(route('GET /iam').authorizationType, 'AWS_IAM')
    const integrationOf = (r: { target?: string }) => http.integrations[r.target!.replace('integrations/', '')]!
    assert.equal(integrationOf(me).payloadFormatVersion, '1.0', 'provider.httpApi.payload')
    assert.equal(integrationOf(things).payloadFormatVersion, '2.0', 'the event payload wins')
    assert.deepEqual(http.corsConfiguration, {
      allowOrigins: ['https://app.example.com'],
      allowHeaders: ['Content-Type'],
      allowMethods: ['OPTIONS', 'GET', 'POST', 'DELETE', 'HEAD', 'PATCH', 'PUT'],
      allowCredentials: true,
      exposeHeaders: ['X-Total'],
      maxAge: 600,
    })
  })

  it('a list of named usage plans, keys listed per plan', async () => {
    const yaml = `service: plans
provider:
  name: aws
  runtime: nodejs20.x
  apiGateway:
    apiKeys:
      - free:
          - free-key-1
          - name: free-key-2
            description: second
      - paid:
          - paid-key
    usagePlan:
      - free:
          quota: { limit: 10, period: DAY }
      - paid:
          throttle: { rateLimit: 100, burstLimit: 200 }
functions:
  hello:
    handler: handler.hello
    events:
      - http: { path: x, method: get, private: true }
`
    const result = await readYaml(yaml, svc.dir)
    assert.deepEqual(result.problems, [])
    const state = await loadTranslated(result, svc.dir)
    const plans = Object.fromEntries(state.usagePlans.map((p) => [p.name, p]))
    assert.deepEqual(Object.keys(plans).sort(), ['plans-free-dev', 'plans-paid-dev'])
    assert.deepEqual(plans['plans-free-dev']!.quota, { limit: 10, offset: 0, period: 'DAY' })
    assert.deepEqual(plans['plans-paid-dev']!.throttle, { rateLimit: 100, burstLimit: 200 })
    assert.deepEqual(result.config!.usagePlans!.map((p) => p.apiKeys), [['free-key-1', 'free-key-2'], ['paid-key']])
    assert.equal(state.apiKeys.length, 3)
  })
})
