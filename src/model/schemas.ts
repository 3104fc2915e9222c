// JSON Schemas (ajv, draft-07) of the model objects that config files and the admin API carry — stage,
// stage variables, method and route settings, access-log and canary settings, gateway responses, CORS —
// and of the gatehouse.yaml config file itself. Limits are AWS's (docs/aws-behaviour.md §1.6, §3.3, §3.9,
// §6.2, §11.6). A schema node may carry `x-message`: the user-facing wording used instead of ajv's.

import type { GatewayResponseType, HttpMethod } from './types.js'
import { HTTP_METHODS } from './types.js'

type Schema = Record<string, unknown>

/** Every gateway response type AWS accepts in `PutGatewayResponse` (§16.3: 21 values). */
export const GATEWAY_RESPONSE_TYPES: readonly GatewayResponseType[] = [
  'DEFAULT_4XX', 'DEFAULT_5XX', 'ACCESS_DENIED', 'API_CONFIGURATION_ERROR', 'AUTHORIZER_CONFIGURATION_ERROR',
  'AUTHORIZER_FAILURE', 'BAD_REQUEST_PARAMETERS', 'BAD_REQUEST_BODY', 'EXPIRED_TOKEN', 'INTEGRATION_FAILURE',
  'INTEGRATION_TIMEOUT', 'INVALID_API_KEY', 'INVALID_SIGNATURE', 'MISSING_AUTHENTICATION_TOKEN', 'QUOTA_EXCEEDED',
  'REQUEST_TOO_LARGE', 'RESOURCE_NOT_FOUND', 'THROTTLED', 'UNAUTHORIZED', 'UNSUPPORTED_MEDIA_TYPE', 'WAF_FILTERED',
]

/** Stage names: REST `[A-Za-z0-9_-]{1,128}` (§1.6); HTTP APIs also `$default` (§3.3). */
export const STAGE_NAME_PATTERN = '^(?:\\$default|[A-Za-z0-9_-]{1,128})$'
/** Stage variable names: letters, digits and `_`, at most 64 (§1.6). */
export const STAGE_VARIABLE_NAME_PATTERN = '^[A-Za-z0-9_]{1,64}$'
/**
 * Stage variable values: at most 512 of `[A-Za-z0-9-._~:/?#&=,]` (§1.6). AWS's API reference writes the
 * set with `+`, so an empty value is refused too.
 */
export const STAGE_VARIABLE_VALUE_PATTERN = '^[A-Za-z0-9\\-._~:/?#&=,]{1,512}$'
/** API ids appear as a host label (`{apiId}.execute-api.localhost`), so they must be DNS-safe and lower-case. */
export const API_ID_PATTERN = '^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$'

const METHODS_ALT = (HTTP_METHODS as readonly HttpMethod[]).join('|')
/** `{resourcePath}/{httpMethod}` with `/` in the path written `~1`, or `*` for either part (§1.6). */
export const METHOD_SETTINGS_KEY_PATTERN = `^(?:\\*|~1[^/]*)/(?:\\*|${METHODS_ALT})$`
/** A route key (`GET /pets/{id}`) or `$default` (§3.2). */
export const ROUTE_KEY_PATTERN = `^(?:\\$default|(?:${METHODS_ALT}) /[^\\s]*)$`

const nonEmptyString: Schema = { type: 'string', minLength: 1 }
const stringArray: Schema = { type: 'array', items: { type: 'string' } }
const stringMap: Schema = { type: 'object', additionalProperties: { type: 'string' } }
const LOGGING_LEVELS = ['OFF', 'ERROR', 'INFO']

/** Stage variables: at most 100 per stage (§1.6). */
export const stageVariablesSchema: Schema = {
  type: 'object',
  maxProperties: 100,
  'x-message': 'a stage has at most 100 stage variables (§1.6)',
  propertyNames: {
    pattern: STAGE_VARIABLE_NAME_PATTERN,
    'x-message': 'stage variable names are 1–64 letters, digits or underscores (§1.6)',
  },
  additionalProperties: {
    type: 'string',
    pattern: STAGE_VARIABLE_VALUE_PATTERN,
    'x-message': 'stage variable values are 1–512 characters from A-Z a-z 0-9 - . _ ~ : / ? # & = , (§1.6)',
  },
}

/** One entry of a REST stage's `methodSettings` (§1.6). */
export const methodSettingSchema: Schema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    metricsEnabled: { type: 'boolean' },
    loggingLevel: { enum: LOGGING_LEVELS },
    dataTraceEnabled: { type: 'boolean' },
    throttlingBurstLimit: { type: 'integer', minimum: 0 },
    throttlingRateLimit: { type: 'number', minimum: 0 },
    cachingEnabled: { type: 'boolean' },
    cacheTtlInSeconds: { type: 'integer', minimum: 0, maximum: 3600 },
    cacheDataEncrypted: { type: 'boolean' },
    requireAuthorizationForCacheControl: { type: 'boolean' },
    unauthorizedCacheControlHeaderStrategy: { enum: ['FAIL_WITH_403', 'SUCCEED_WITH_RESPONSE_HEADER', 'SUCCEED_WITHOUT_RESPONSE_HEADER'] },
  },
}

/** A REST stage's `methodSettings` map. */
export const methodSettingsSchema: Schema = {
  type: 'object',
  propertyNames: {
    pattern: METHOD_SETTINGS_KEY_PATTERN,
    'x-message': 'method settings keys are "{resourcePath}/{httpMethod}" with each "/" of the path written "~1" (e.g. "~1pets~1{petId}/GET"), or "*/*" for every method',
  },
  additionalProperties: methodSettingSchema,
}

/** HTTP API `defaultRouteSettings` / one `routeSettings` entry (§3.3). */
export const routeSettingsSchema: Schema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    throttlingBurstLimit: { type: 'integer', minimum: 0 },
    throttlingRateLimit: { type: 'number', minimum: 0 },
    detailedMetricsEnabled: { type: 'boolean' },
    loggingLevel: { enum: LOGGING_LEVELS },
    dataTraceEnabled: { type: 'boolean' },
  },
}

/** HTTP API `routeSettings`, keyed by route key. */
export const routeSettingsMapSchema: Schema = {
  type: 'object',
  propertyNames: { pattern: ROUTE_KEY_PATTERN, 'x-message': 'route settings keys are route keys such as "GET /pets/{id}" or "$default"' },
  additionalProperties: routeSettingsSchema,
}

/** Stage `accessLogSettings` (§11.6): the format is one line of `$context.*` text. */
export const accessLogSettingsSchema: Schema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    destinationArn: nonEmptyString,
    format: { type: 'string', minLength: 1, pattern: '^[^\\r\\n]*$', 'x-message': 'the access log format is a single line of text' },
  },
}

/** Stage `canarySettings` as AWS stores it (§1.6). */
export const canarySettingsSchema: Schema = {
  type: 'object',
  additionalProperties: false,
  required: ['deploymentId'],
  properties: {
    percentTraffic: { type: 'number', minimum: 0, maximum: 100 },
    deploymentId: nonEmptyString,
    stageVariableOverrides: stageVariablesSchema,
    useStageCache: { type: 'boolean' },
  },
}

/** HTTP API `corsConfiguration` (§3.9). `maxAge` follows AWS's API reference: -1 to 86400. */
export const corsSchema: Schema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    allowOrigins: stringArray,
    allowCredentials: { type: 'boolean' },
    exposeHeaders: stringArray,
    maxAge: { type: 'integer', minimum: -1, maximum: 86400 },
    allowMethods: stringArray,
    allowHeaders: stringArray,
  },
}

const gatewayResponseFields: Schema = {
  statusCode: { type: 'string', pattern: '^[1-5]\\d\\d$', 'x-message': 'statusCode must be a 3-digit status from 100 to 599' },
  responseParameters: {
    type: 'object',
    propertyNames: {
      pattern: "^gatewayresponse\\.header\\.[!#$%&'*+.^_`|~0-9A-Za-z-]+$",
      'x-message': 'gateway response parameters are named "gatewayresponse.header.{Name}" (§6.2)',
    },
    additionalProperties: {
      type: 'string',
      pattern:
        "^(?:'[^']*'|method\\.request\\.(?:header|querystring|path|multivalueheader|multivaluequerystring)\\.\\S+|stageVariables\\.[A-Za-z0-9_]+|context\\.[A-Za-z0-9_.]+)$",
      'x-message':
        "a gateway response parameter value is a quoted static value ('text'), method.request.{header|querystring|path|multivalueheader|multivaluequerystring}.NAME, stageVariables.NAME or context.NAME (§6.2)",
    },
  },
  responseTemplates: stringMap,
}

/** A customised gateway response as AWS stores it (§6.2). */
export const gatewayResponseSchema: Schema = {
  type: 'object',
  additionalProperties: false,
  required: ['responseType'],
  properties: { responseType: { enum: GATEWAY_RESPONSE_TYPES }, ...gatewayResponseFields },
}

/** `gatewayResponses` as a config file writes it: keyed by response type, the type implied by the key. */
export const gatewayResponsesMapSchema: Schema = {
  type: 'object',
  propertyNames: { enum: GATEWAY_RESPONSE_TYPES, 'x-message': `gateway response types are ${GATEWAY_RESPONSE_TYPES.join(', ')}` },
  additionalProperties: { type: 'object', additionalProperties: false, properties: gatewayResponseFields },
}

const CACHE_CLUSTER_SIZES = ['0.5', '1.6', '6.1', '13.5', '28.4', '58.2', '118', '237']

const stageFields: Schema = {
  description: { type: 'string' },
  variables: stageVariablesSchema,
  methodSettings: methodSettingsSchema,
  defaultRouteSettings: routeSettingsSchema,
  routeSettings: routeSettingsMapSchema,
  accessLogSettings: accessLogSettingsSchema,
  tracingEnabled: { type: 'boolean' },
  cacheClusterEnabled: { type: 'boolean' },
  cacheClusterSize: { enum: CACHE_CLUSTER_SIZES },
  tags: stringMap,
}

/** A Stage as stored (§1.6, §3.3). */
export const stageSchema: Schema = {
  type: 'object',
  additionalProperties: false,
  required: ['apiId', 'stageName', 'deploymentId'],
  properties: {
    apiId: nonEmptyString,
    stageName: { type: 'string', pattern: STAGE_NAME_PATTERN },
    deploymentId: nonEmptyString,
    autoDeploy: { type: 'boolean' },
    canarySettings: canarySettingsSchema,
    createdDate: { type: 'string' },
    lastUpdatedDate: { type: 'string' },
    ...stageFields,
  },
}

/**
 * A canary as a config file declares it: the canary runs the stage's own deployment with
 * `stageVariableOverrides`, or the API as described by another OpenAPI document (`openapi` or `definition`).
 */
export const canaryDeclarationSchema: Schema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    percentTraffic: { type: 'number', minimum: 0, maximum: 100 },
    stageVariableOverrides: stageVariablesSchema,
    useStageCache: { type: 'boolean' },
    openapi: nonEmptyString,
    definition: { type: 'object' },
  },
}

/** A stage as a config file declares it (the stage name is its key). */
export const stageDeclarationSchema: Schema = {
  type: 'object',
  additionalProperties: false,
  properties: { ...stageFields, canarySettings: canaryDeclarationSchema },
}

/** A function declaration (the Lambda-model runtime): limits as on AWS Lambda. */
export const functionDeclarationSchema: Schema = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: {
    name: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$', 'x-message': 'function names are 1–64 letters, digits, "-" or "_"' },
    module: nonEmptyString,
    handler: { type: 'string', pattern: '^[A-Za-z_$][A-Za-z0-9_$]*$', 'x-message': 'handler is the name of the exported function, e.g. "handler"' },
    timeout: { type: 'integer', minimum: 1, maximum: 900 },
    memorySize: { type: 'integer', minimum: 128, maximum: 10240 },
    environment: {
      type: 'object',
      propertyNames: { pattern: '^[A-Za-z][A-Za-z0-9_]*$', 'x-message': 'environment variable names start with a letter and use letters, digits and "_"' },
      additionalProperties: { type: 'string' },
    },
    reservedConcurrency: { type: 'integer', minimum: 0 },
  },
}

/** A WebSocket API's stage in the config file: routeSettings keyed by WebSocket route keys. */
const webSocketStageDeclarationSchema: Schema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...stageFields,
    routeSettings: { type: 'object', propertyNames: { minLength: 1 }, additionalProperties: routeSettingsSchema },
    canarySettings: canaryDeclarationSchema,
  },
}

const templateMap: Schema = { type: 'object', additionalProperties: { type: 'string' } }

/** A WebSocket integration in the config file: apigatewayv2 CreateIntegration's fields, and its integration responses. */
const wsIntegrationSchema: Schema = {
  type: 'object',
  additionalProperties: false,
  required: ['integrationType'],
  properties: {
    integrationType: { enum: ['AWS_PROXY', 'AWS', 'HTTP', 'HTTP_PROXY', 'MOCK'] },
    integrationUri: nonEmptyString,
    integrationMethod: nonEmptyString,
    timeoutInMillis: { type: 'integer', minimum: 50, maximum: 29000 },
    description: { type: 'string' },
    contentHandlingStrategy: { enum: ['CONVERT_TO_TEXT', 'CONVERT_TO_BINARY'] },
    passthroughBehavior: { enum: ['WHEN_NO_MATCH', 'NEVER', 'WHEN_NO_TEMPLATES'] },
    credentialsArn: nonEmptyString,
    requestParameters: { type: 'object', additionalProperties: { type: 'string' } },
    requestTemplates: templateMap,
    templateSelectionExpression: nonEmptyString,
    integrationResponses: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['integrationResponseKey'],
        properties: {
          integrationResponseKey: nonEmptyString,
          responseTemplates: templateMap,
          templateSelectionExpression: nonEmptyString,
          contentHandlingStrategy: { enum: ['CONVERT_TO_TEXT', 'CONVERT_TO_BINARY'] },
          responseParameters: { type: 'object', additionalProperties: { type: 'string' } },
        },
      },
    },
  },
}

/** A WebSocket route in the config file: apigatewayv2 CreateRoute's fields, and its route responses. */
const wsRouteSchema: Schema = {
  type: 'object',
  additionalProperties: false,
  required: ['routeKey'],
  properties: {
    routeKey: nonEmptyString,
    target: nonEmptyString,
    authorizationType: { enum: ['NONE', 'AWS_IAM', 'CUSTOM'] },
    authorizerId: nonEmptyString,
    apiKeyRequired: { type: 'boolean' },
    operationName: nonEmptyString,
    modelSelectionExpression: nonEmptyString,
    requestModels: { type: 'object', additionalProperties: { type: 'string' } },
    requestParameters: { type: 'object', additionalProperties: { type: 'object', properties: { required: { type: 'boolean' } } } },
    routeResponseSelectionExpression: nonEmptyString,
    routeResponses: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['routeResponseKey'],
        properties: {
          routeResponseKey: nonEmptyString,
          modelSelectionExpression: nonEmptyString,
          responseModels: { type: 'object', additionalProperties: { type: 'string' } },
        },
      },
    },
  },
}

/** A WebSocket API's authorizer in the config file: apigatewayv2 CreateAuthorizer's fields (REQUEST only, §10.6). */
const wsAuthorizerSchema: Schema = {
  type: 'object',
  additionalProperties: false,
  required: ['authorizerUri'],
  properties: {
    name: nonEmptyString,
    authorizerType: { enum: ['REQUEST'] },
    authorizerUri: nonEmptyString,
    identitySource: { anyOf: [nonEmptyString, { type: 'array', items: nonEmptyString }] },
    authorizerCredentialsArn: nonEmptyString,
    authorizerResultTtlInSeconds: { type: 'integer', minimum: 0, maximum: 3600 },
  },
}

/** One entry of `apis` in the config file. */
export const apiDeclarationSchema: Schema = {
  type: 'object',
  additionalProperties: false,
  required: ['type'],
  properties: {
    name: nonEmptyString,
    id: { type: 'string', pattern: API_ID_PATTERN, 'x-message': 'API ids are lower-case letters, digits and inner "-", at most 63 characters (they appear in host names)' },
    type: { enum: ['rest', 'http', 'websocket'] },
    openapi: nonEmptyString,
    // WebSocket APIs (type: websocket): apigatewayv2 CreateApi's fields, routes and integrations (docs/websocket.md).
    description: { type: 'string' },
    routeSelectionExpression: nonEmptyString,
    apiKeySelectionExpression: { enum: ['$request.header.x-api-key', '$context.authorizer.usageIdentifierKey'] },
    disableExecuteApiEndpoint: { type: 'boolean' },
    disableSchemaValidation: { type: 'boolean' },
    tags: stringMap,
    routes: { type: 'array', items: wsRouteSchema },
    integrations: { type: 'object', additionalProperties: wsIntegrationSchema },
    authorizers: { type: 'object', additionalProperties: wsAuthorizerSchema },
    definition: { type: 'object' },
    basepath: { enum: ['ignore', 'prepend', 'split'] },
    binaryMediaTypes: stringArray,
    gatewayResponses: gatewayResponsesMapSchema,
    cors: corsSchema,
    // The policy's own rules are checked by the loader (src/auth/policy.ts), with paths inside it.
    policy: { type: 'object' },
    endpointType: { enum: ['EDGE', 'REGIONAL', 'PRIVATE'] },
    // Stage names are checked by the loader, which knows whether `$default` is allowed (HTTP only).
    stages: { type: 'object' },
  },
  // WebSocket stages key their routeSettings by any route key (`sendmessage`, `$connect`).
  if: { type: 'object', properties: { type: { const: 'websocket' } }, required: ['type'] },
  then: { type: 'object', properties: { stages: { type: 'object', additionalProperties: webSocketStageDeclarationSchema } } },
  else: { type: 'object', properties: { stages: { type: 'object', additionalProperties: stageDeclarationSchema } } },
}

const throttleSchema: Schema = {
  type: 'object',
  additionalProperties: false,
  properties: { burstLimit: { type: 'integer', minimum: 0 }, rateLimit: { type: 'number', minimum: 0 } },
}

/**
 * One entry of `apiKeys` in the config file (§7.1). The value's rules (20–128 visible characters) are the
 * loader's, so that a secret never appears in an error message.
 */
export const apiKeyDeclarationSchema: Schema = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 1024 },
    value: { type: 'string' },
    enabled: { type: 'boolean' },
    description: { type: 'string', maxLength: 125000 },
    customerId: nonEmptyString,
    tags: stringMap,
  },
}

/** One entry of `usagePlans` in the config file (§7.2). Offsets and method throttle keys are checked by the loader. */
export const usagePlanDeclarationSchema: Schema = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: {
    name: nonEmptyString,
    description: { type: 'string' },
    apiStages: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['api', 'stage'],
        properties: { api: nonEmptyString, stage: nonEmptyString, throttle: { type: 'object', additionalProperties: throttleSchema } },
      },
    },
    throttle: throttleSchema,
    quota: {
      type: 'object',
      additionalProperties: false,
      required: ['limit', 'period'],
      properties: { limit: { type: 'integer', minimum: 0 }, offset: { type: 'integer', minimum: 0 }, period: { enum: ['DAY', 'WEEK', 'MONTH'] } },
    },
    productCode: nonEmptyString,
    tags: stringMap,
    apiKeys: { type: 'array', items: nonEmptyString },
  },
}

/**
 * The `identity` section of the config file (§7.4, §7.5): the region of execute-api ARNs and SigV4 scopes,
 * Cognito user pools mapped to local OpenID providers, and the IAM credentials AWS_IAM methods accept.
 * ARNs, URLs, dates and the policies' own rules are checked by the loader (src/auth/identity.ts).
 */
export const identitySchema: Schema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    region: { type: 'string', pattern: '^[a-z]{2}(?:-[a-z]+)+-\\d+$', 'x-message': 'region is an AWS region name such as us-east-1' },
    cognito: {
      type: 'object',
      additionalProperties: false,
      properties: { endpoint: nonEmptyString, userPools: stringMap },
    },
    credentials: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['accessKeyId', 'secretAccessKey', 'principalArn'],
        properties: {
          accessKeyId: { type: 'string' },
          secretAccessKey: { type: 'string' },
          sessionToken: nonEmptyString,
          principalArn: { type: 'string' },
          userId: nonEmptyString,
          principalOrgId: nonEmptyString,
          expiration: nonEmptyString,
          policies: { type: 'array', items: { type: 'object' } },
        },
      },
    },
  },
}

/** A certificate as PEM files (the config file's `certificate:` of a domain, and each entry of `certificates:`). */
const certificateFilesSchema: Schema = {
  type: 'object',
  additionalProperties: false,
  required: ['cert', 'key'],
  properties: { cert: nonEmptyString, key: nonEmptyString, chain: nonEmptyString },
}

/** AWS's base path / API mapping key (§1.7): `(none)`, or segments of letters, digits and `$-_.+!*'()`, up to 300 characters. */
export const BASE_PATH_PATTERN = "^(?:\\(none\\)|[A-Za-z0-9$\\-_.+!*'()]+(?:/[A-Za-z0-9$\\-_.+!*'()]+)*)$"

/** A custom domain name: labels of letters, digits and hyphens; a leading `*.` makes it a wildcard (one label). */
export const DOMAIN_NAME_PATTERN = '^(?:\\*\\.)?(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\.)+[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$'

/**
 * One entry of `domains` in the config file (§1.7, §7.8, §14.3). Files, APIs, stages and base-path clashes are
 * checked by the loader (src/controlplane/config/domains.ts).
 */
export const domainDeclarationSchema: Schema = {
  type: 'object',
  additionalProperties: false,
  required: ['domainName'],
  properties: {
    domainName: { type: 'string', maxLength: 253, pattern: DOMAIN_NAME_PATTERN, 'x-message': 'domainName is a host name such as api.example.com (or *.example.com for a wildcard)' },
    certificate: certificateFilesSchema,
    certificateArn: { type: 'string', pattern: '^arn:aws[\\w-]*:acm:', 'x-message': 'certificateArn is an ACM certificate ARN (arn:aws:acm:REGION:ACCOUNT:certificate/ID) listed under certificates:' },
    securityPolicy: { enum: ['TLS_1_0', 'TLS_1_2'] },
    endpointType: { enum: ['REGIONAL', 'EDGE'] },
    mutualTls: { type: 'object', additionalProperties: false, required: ['truststore'], properties: { truststore: nonEmptyString } },
    mappings: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['api'],
        properties: {
          basePath: { type: 'string', maxLength: 300, pattern: BASE_PATH_PATTERN, 'x-message': "basePath is (none), or path segments of letters, digits and $-_.+!*'() such as v1 or v1/orders, without a leading or trailing /" },
          api: nonEmptyString,
          stage: nonEmptyString,
        },
      },
    },
    tags: stringMap,
  },
}

const listenerFields: Schema = {
  port: { type: 'integer', minimum: 0, maximum: 65535 },
  host: nonEmptyString,
}

/** The gatehouse.yaml / gatehouse.json config file. Unknown keys are refused everywhere (typos). */
export const configFileSchema: Schema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    $schema: { type: 'string' },
    listeners: {
      type: 'object',
      additionalProperties: false,
      properties: {
        http: {
          type: 'object',
          additionalProperties: false,
          properties: {
            ...listenerFields,
            // The HTTP edge's timeouts (milliseconds) and connection cap (docs/limits.md); 0 turns one off.
            limits: {
              type: 'object',
              additionalProperties: false,
              properties: {
                headersTimeoutMs: { type: 'integer', minimum: 1 },
                bodyIdleTimeoutMs: { type: 'integer', minimum: 0 },
                requestTimeoutMs: { type: 'integer', minimum: 0 },
                maxConnectionsPerIp: { type: 'integer', minimum: 0 },
              },
            },
            // WebSocket APIs' limits (docs/websocket.md); AWS's values by default.
            websocket: {
              type: 'object',
              additionalProperties: false,
              properties: {
                maxMessageBytes: { type: 'integer', minimum: 1 },
                idleTimeoutMs: { type: 'integer', minimum: 1 },
                maxConnectionMs: { type: 'integer', minimum: 1 },
              },
            },
            tls: {
              type: 'object',
              additionalProperties: false,
              required: ['cert', 'key'],
              // truststore: a PEM bundle of CA certificates for mutual TLS (§7.8); requireClientCert defaults to true with one.
              properties: { cert: nonEmptyString, key: nonEmptyString, truststore: nonEmptyString, requireClientCert: { type: 'boolean' } },
            },
          },
        },
        // The HTTPS listener of custom domains: SNI picks each domain's certificate (docs/custom-domains.md).
        https: { type: 'object', additionalProperties: false, properties: { ...listenerFields } },
        admin: {
          type: 'object',
          additionalProperties: false,
          properties: {
            ...listenerFields,
            // Its length is checked by the loader, whose message never repeats the secret.
            token: { type: 'string' },
            // Host names the admin listener answers to besides its own (checked by the loader).
            allowedHosts: { type: 'array', items: { type: 'string' } },
            // Access keys the AWS SDKs and CLI sign admin requests with (SigV4, verified); lengths checked by the loader.
            credentials: {
              type: 'array',
              items: {
                type: 'object',
                additionalProperties: false,
                required: ['accessKeyId', 'secretAccessKey'],
                properties: { accessKeyId: nonEmptyString, secretAccessKey: { type: 'string' } },
              },
            },
            // AWS's control-plane rate limit: beyond it, 429 TooManyRequestsException.
            throttle: {
              type: 'object',
              additionalProperties: false,
              required: ['rateLimit', 'burstLimit'],
              properties: { rateLimit: { type: 'number', minimum: 0 }, burstLimit: { type: 'integer', minimum: 1 } },
            },
          },
        },
      },
    },
    dataDir: nonEmptyString,
    configStore: {
      type: 'string',
      pattern: '^postgres(ql)?://',
      'x-message': 'configStore is a PostgreSQL URL: postgres://user:password@host:5432/database (add ?schema=NAME for a schema other than public)',
    },
    functionsDir: nonEmptyString,
    logging: {
      type: 'object',
      additionalProperties: false,
      properties: {
        level: { enum: ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] },
        accessLogs: { type: 'boolean' },
      },
    },
    defaultApi: nonEmptyString,
    // Deployments kept per API beyond those a stage or canary points at (docs/deployments.md).
    deploymentHistory: { type: 'integer', minimum: 0, maximum: 10000 },
    apis: { type: 'array', items: apiDeclarationSchema },
    functions: { type: 'array', items: functionDeclarationSchema },
    apiKeys: { type: 'array', items: apiKeyDeclarationSchema },
    usagePlans: { type: 'array', items: usagePlanDeclarationSchema },
    identity: identitySchema,
    domains: { type: 'array', items: domainDeclarationSchema },
    // ACM certificate ARNs → the PEM files that stand for them here (a domain's certificateArn).
    certificates: { type: 'object', additionalProperties: certificateFilesSchema },
  },
}
