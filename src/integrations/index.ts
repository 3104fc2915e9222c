// The integration table: one factory per integration type (and for `AWS` integrations per service, see
// `integrationKey` in src/dataplane/plan.ts), built once per gateway process from the handles the
// integrations use. The compiler looks a route's integration up here; a key with no factory is an
// integration this build cannot run (the route answers 500 and the compile warns).

import type { Dispatcher } from 'undici'
import type { Integration, IntegrationV2, RestApi } from '../model/types.js'
import type { IntegrationFactory, IntegrationTable, RouteInfo } from '../dataplane/plan.js'
import type { FunctionInvoker } from '../mapping/function-target.js'
import { HttpIntegration } from './http.js'
import { MockIntegration } from './mock.js'
import { LambdaIntegration, LambdaProxyIntegration } from './lambda.js'
import { compileIntegrationResponses } from './responses.js'
import { compileHttpApiRequestMapping, compileHttpApiResponseMapping } from './http-api-mapping.js'

export interface IntegrationDeps {
  /** The upstream connection pools of HTTP integrations. */
  dispatcher: Dispatcher
  /** The function runtime behind Lambda integrations. */
  functions: FunctionInvoker
}

/** A Lambda invocation URI or a Lambda function ARN/name (HTTP APIs accept the bare ARN). */
export function isLambdaUri(uri: string | undefined): boolean {
  if (!uri) return false
  return /^arn:aws[\w-]*:apigateway:[^:]*:lambda:path\//.test(uri) || /^arn:aws[\w-]*:lambda:/.test(uri) || /^\$\{stageVariables\.[A-Za-z0-9_]+\}$/.test(uri)
}

function httpFactory(deps: IntegrationDeps, proxy: boolean): IntegrationFactory {
  return (route: RouteInfo, integration: Integration | IntegrationV2) => {
    if (route.apiKind === 'REST') {
      const i = integration as Integration
      if (!i.uri) throw new Error('an HTTP integration needs a uri')
      return new HttpIntegration(
        {
          apiKind: 'REST',
          apiId: route.api.id,
          proxy,
          uri: i.uri,
          stageVariables: route.stage.variables,
          httpMethod: i.httpMethod,
          timeoutMs: i.timeoutInMillis,
          requestParameters: i.requestParameters,
          appendPath: false,
          insecureSkipVerification: i.tlsConfig?.insecureSkipVerification,
          ...(proxy ? {} : { responses: compileIntegrationResponses(i.integrationResponses) }),
        },
        deps.dispatcher,
      )
    }
    const i = integration as IntegrationV2
    if (!proxy) throw new Error('HTTP integrations of HTTP APIs are HTTP_PROXY')
    if (!i.integrationUri) throw new Error('an HTTP_PROXY integration needs an integrationUri')
    return new HttpIntegration(
      {
        apiKind: 'HTTP',
        apiId: route.api.id,
        proxy: true,
        uri: i.integrationUri,
        stageVariables: route.stage.variables,
        httpMethod: i.integrationMethod,
        timeoutMs: i.timeoutInMillis,
        requestParameters: i.requestParameters,
        responseParameters: i.responseParameters,
        appendPath: route.routeKey === '$default',
        insecureSkipVerification: i.tlsConfig?.insecureSkipVerification,
      },
      deps.dispatcher,
    )
  }
}

function lambdaProxyFactory(deps: IntegrationDeps): IntegrationFactory {
  return (route, integration) => {
    if (route.apiKind === 'REST') {
      const i = integration as Integration
      if (!i.uri) throw new Error('an AWS_PROXY integration needs a uri')
      if (!isLambdaUri(i.uri)) throw new Error(`Integrations of type 'AWS_PROXY' currently only supports Lambda function and Firehose stream invocations (uri ${i.uri})`)
      const api = route.api as RestApi
      return new LambdaProxyIntegration(
        {
          apiKind: 'REST',
          uri: i.uri,
          stageVariables: route.stage.variables,
          httpMethod: i.httpMethod,
          payloadFormatVersion: '1.0',
          timeoutMs: i.timeoutInMillis,
          binaryMediaTypes: api.binaryMediaTypes,
          requestParameters: i.requestParameters,
        },
        deps.functions,
      )
    }
    const i = integration as IntegrationV2
    if (!i.integrationUri) throw new Error('an AWS_PROXY integration needs an integrationUri')
    return new LambdaProxyIntegration(
      {
        apiKind: 'HTTP',
        uri: i.integrationUri,
        stageVariables: route.stage.variables,
        payloadFormatVersion: i.payloadFormatVersion ?? '2.0',
        timeoutMs: i.timeoutInMillis,
        binaryMediaTypes: [],
        requestMapping: compileHttpApiRequestMapping(i.requestParameters),
        responseMapping: compileHttpApiResponseMapping(i.responseParameters),
      },
      deps.functions,
    )
  }
}

/** REST `AWS` integrations with a Lambda URI (non-proxy, §4.8). */
function lambdaFactory(deps: IntegrationDeps): IntegrationFactory {
  return (route, integration) => {
    const i = integration as Integration
    if (route.apiKind !== 'REST' || !i.uri || !/:lambda:path\//.test(i.uri)) throw new Error(`an AWS Lambda integration needs a lambda:path/ URI (uri ${i.uri ?? 'missing'})`)
    return new LambdaIntegration(
      {
        uri: i.uri,
        stageVariables: route.stage.variables,
        timeoutMs: i.timeoutInMillis,
        responses: compileIntegrationResponses(i.integrationResponses),
        invocationType: Object.entries(i.requestParameters).find(([k]) => k.toLowerCase() === 'integration.request.header.x-amz-invocation-type')?.[1],
        requestParameters: i.requestParameters,
      },
      deps.functions,
    )
  }
}

function mockFactory(): IntegrationFactory {
  return (route, integration) => {
    if (route.apiKind !== 'REST') throw new Error('MOCK integrations exist on REST APIs only')
    return new MockIntegration(integration as Integration)
  }
}

/** Every integration this build runs, by key. */
export function createIntegrations(deps: IntegrationDeps): IntegrationTable {
  return new Map<string, IntegrationFactory>([
    ['HTTP', httpFactory(deps, false)],
    ['HTTP_PROXY', httpFactory(deps, true)],
    ['MOCK', mockFactory()],
    ['AWS_PROXY', lambdaProxyFactory(deps)],
    ['AWS:lambda', lambdaFactory(deps)],
  ])
}
