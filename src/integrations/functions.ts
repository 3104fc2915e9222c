// Builds Lambda integrations for the compiler: REST `AWS_PROXY`, REST `AWS` with a Lambda URI, and HTTP API
// `AWS_PROXY`. Other `AWS` service integrations are left to the service-integration work (null here).

import type { Integration, IntegrationV2, RestApi } from '../model/types.js'
import type { IntegrationHandler } from '../dataplane/plan.js'
import type { IntegrationFactory, RouteInfo } from '../controlplane/compile/compile.js'
import { LambdaIntegration, LambdaProxyIntegration, type FunctionInvoker } from './lambda.js'
import { compileIntegrationResponses } from './responses.js'
import { compileRequestTemplates } from './request-templates.js'
import { compileHttpApiRequestMapping, compileHttpApiResponseMapping } from './http-api-mapping.js'

/** A Lambda invocation URI or a Lambda function ARN/name (HTTP APIs accept the bare ARN). */
export function isLambdaUri(uri: string | undefined): boolean {
  if (!uri) return false
  return /^arn:aws[\w-]*:apigateway:[^:]*:lambda:path\//.test(uri) || /^arn:aws[\w-]*:lambda:/.test(uri) || /^\$\{stageVariables\.[A-Za-z0-9_]+\}$/.test(uri)
}

export function functionIntegrations(invoker: FunctionInvoker): IntegrationFactory {
  return (route: RouteInfo, integration: Integration | IntegrationV2): IntegrationHandler | null => {
    if (route.apiKind === 'REST') {
      const i = integration as Integration
      const api = route.api as RestApi
      if (i.type === 'AWS_PROXY') {
        if (!i.uri) throw new Error('an AWS_PROXY integration needs a uri')
        if (!isLambdaUri(i.uri)) throw new Error(`Integrations of type 'AWS_PROXY' currently only supports Lambda function and Firehose stream invocations (uri ${i.uri})`)
        return new LambdaProxyIntegration(
          { apiKind: 'REST', uri: i.uri, httpMethod: i.httpMethod, payloadFormatVersion: '1.0', timeoutMs: i.timeoutInMillis, binaryMediaTypes: api.binaryMediaTypes },
          invoker,
        )
      }
      if (i.type === 'AWS' && i.uri && /:lambda:path\//.test(i.uri)) {
        return new LambdaIntegration(
          {
            uri: i.uri,
            timeoutMs: i.timeoutInMillis,
            requestTemplates: compileRequestTemplates(i.requestTemplates, i.passthroughBehavior),
            responses: compileIntegrationResponses(i.integrationResponses),
            invocationType: Object.entries(i.requestParameters).find(([k]) => k.toLowerCase() === 'integration.request.header.x-amz-invocation-type')?.[1],
            contentHandling: i.contentHandling,
          },
          invoker,
        )
      }
      return null
    }
    const i = integration as IntegrationV2
    if (i.integrationType === 'AWS_PROXY' && !i.integrationSubtype) {
      if (!i.integrationUri) throw new Error('an AWS_PROXY integration needs an integrationUri')
      return new LambdaProxyIntegration(
        {
          apiKind: 'HTTP',
          uri: i.integrationUri,
          payloadFormatVersion: i.payloadFormatVersion ?? '2.0',
          timeoutMs: i.timeoutInMillis,
          binaryMediaTypes: [],
          requestMapping: compileHttpApiRequestMapping(i.requestParameters),
          responseMapping: compileHttpApiResponseMapping(i.responseParameters),
        },
        invoker,
      )
    }
    return null
  }
}
