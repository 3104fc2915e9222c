// The Gatehouse resource model: the AWS API Gateway objects (REST v1, HTTP v2) as plain TypeScript types.
// Config files, OpenAPI import and the admin API all produce these; the compiler consumes them.
// Field names follow AWS's control-plane JSON (docs/aws-behaviour.md §1, §3) so that export and the
// AWS-compatible admin API are straight mappings.

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD' | 'OPTIONS' | 'ANY'
export const HTTP_METHODS: readonly HttpMethod[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'ANY']

export type GatewayResponseType =
  | 'DEFAULT_4XX'
  | 'DEFAULT_5XX'
  | 'ACCESS_DENIED'
  | 'API_CONFIGURATION_ERROR'
  | 'AUTHORIZER_CONFIGURATION_ERROR'
  | 'AUTHORIZER_FAILURE'
  | 'BAD_REQUEST_PARAMETERS'
  | 'BAD_REQUEST_BODY'
  | 'EXPIRED_TOKEN'
  | 'INTEGRATION_FAILURE'
  | 'INTEGRATION_TIMEOUT'
  | 'INVALID_API_KEY'
  | 'INVALID_SIGNATURE'
  | 'MISSING_AUTHENTICATION_TOKEN'
  | 'QUOTA_EXCEEDED'
  | 'REQUEST_TOO_LARGE'
  | 'RESOURCE_NOT_FOUND'
  | 'THROTTLED'
  | 'UNAUTHORIZED'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'WAF_FILTERED'

/** A customised gateway response (§6.2). Absent fields fall back per the DEFAULT_4XX/5XX precedence rules. */
export interface GatewayResponse {
  responseType: GatewayResponseType
  statusCode?: string
  /** `gatewayresponse.header.{Name}` → `'static'` | `method.request.header.x` | `stageVariables.x` | `context.x` … */
  responseParameters: Record<string, string>
  /** content type → template (simple `$context.*` / `$stageVariables.*` substitution, not VTL). */
  responseTemplates: Record<string, string>
}

// ---------------------------------------------------------------------------------------------------
// REST APIs (v1)

export interface RestApi {
  kind: 'REST'
  id: string
  name: string
  description?: string
  version?: string
  createdDate: string
  binaryMediaTypes: string[]
  /** 0–10485760; null disables compression (§14.1). */
  minimumCompressionSize: number | null
  apiKeySource: 'HEADER' | 'AUTHORIZER'
  endpointConfiguration: { types: Array<'EDGE' | 'REGIONAL' | 'PRIVATE'>; vpcEndpointIds?: string[]; ipAddressType?: 'ipv4' | 'dualstack' }
  /** The resource policy document as an object (AWS stores a JSON string; we keep it parsed). */
  policy: Record<string, unknown> | null
  disableExecuteApiEndpoint: boolean
  /** `TLS_1_0` | `TLS_1_2` | `SecurityPolicy_*` (2025), stored and returned by the control plane. */
  securityPolicy?: string
  /** `BASIC` | `STRICT` (2025), stored and returned by the control plane. */
  endpointAccessMode?: string
  rootResourceId: string
  /** Resources by id. The root resource (path `/`) always exists. */
  resources: Record<string, Resource>
  /** Models by name. */
  models: Record<string, Model>
  /** Request validators by id. */
  requestValidators: Record<string, RequestValidator>
  /** Authorizers by id. */
  authorizers: Record<string, Authorizer>
  gatewayResponses: Partial<Record<GatewayResponseType, GatewayResponse>>
  tags: Record<string, string>
  /** Other `x-amazon-apigateway-*` root extensions, kept verbatim (documentation, security policy…). */
  extensions: Record<string, unknown>
}

export interface Resource {
  id: string
  parentId: string | null
  /** One path segment: a literal, `{name}` or a trailing `{name+}`. Empty for the root. */
  pathPart: string
  /** The full path, e.g. `/pets/{petId}`. */
  path: string
  resourceMethods: Partial<Record<HttpMethod, Method>>
}

export type RestAuthorizationType = 'NONE' | 'AWS_IAM' | 'CUSTOM' | 'COGNITO_USER_POOLS'

export interface Method {
  httpMethod: HttpMethod
  authorizationType: RestAuthorizationType
  authorizerId?: string
  authorizationScopes?: string[]
  apiKeyRequired: boolean
  requestValidatorId?: string
  operationName?: string
  /** `method.request.{path|querystring|header|multivaluequerystring|multivalueheader}.{name}` → required. */
  requestParameters: Record<string, boolean>
  /** content type → model name. */
  requestModels: Record<string, string>
  /** by status code. */
  methodResponses: Record<string, MethodResponse>
  methodIntegration?: Integration
}

export interface MethodResponse {
  statusCode: string
  /** `method.response.header.{name}` → required. */
  responseParameters: Record<string, boolean>
  responseModels: Record<string, string>
}

export type RestIntegrationType = 'AWS' | 'AWS_PROXY' | 'HTTP' | 'HTTP_PROXY' | 'MOCK'
export type PassthroughBehavior = 'WHEN_NO_MATCH' | 'WHEN_NO_TEMPLATES' | 'NEVER'
export type ContentHandling = 'CONVERT_TO_TEXT' | 'CONVERT_TO_BINARY'

export interface Integration {
  type: RestIntegrationType
  /** The backend method (`integrationHttpMethod`); POST for Lambda. */
  httpMethod?: string
  uri?: string
  connectionType: 'INTERNET' | 'VPC_LINK'
  connectionId?: string
  credentials?: string
  /** `integration.request.{path|querystring|header}.{name}` → source expression (§5.7). */
  requestParameters: Record<string, string>
  /** content type → VTL template. */
  requestTemplates: Record<string, string>
  passthroughBehavior: PassthroughBehavior
  contentHandling?: ContentHandling
  /** 50–29000 (default 29000). */
  timeoutInMillis: number
  cacheNamespace?: string
  cacheKeyParameters: string[]
  /** by status code; each may carry a `selectionPattern`. */
  integrationResponses: Record<string, IntegrationResponse>
  tlsConfig?: { insecureSkipVerification?: boolean }
  responseTransferMode?: 'BUFFERED' | 'STREAM'
}

export interface IntegrationResponse {
  statusCode: string
  /** Java regex; absent or empty for the default response. */
  selectionPattern?: string
  /** `method.response.header.{name}` → source expression. */
  responseParameters: Record<string, string>
  responseTemplates: Record<string, string>
  contentHandling?: ContentHandling
}

export interface Model {
  id: string
  name: string
  contentType: string
  /** JSON Schema draft 4, parsed. */
  schema: Record<string, unknown>
  description?: string
}

export interface RequestValidator {
  id: string
  name: string
  validateRequestBody: boolean
  validateRequestParameters: boolean
}

export interface Authorizer {
  id: string
  name: string
  /** REST: TOKEN | REQUEST | COGNITO_USER_POOLS. HTTP: REQUEST | JWT. */
  type: 'TOKEN' | 'REQUEST' | 'COGNITO_USER_POOLS' | 'JWT'
  authorizerUri?: string
  authorizerCredentials?: string
  /** REST: comma list (`method.request.header.Auth`); HTTP: selection expressions. Kept as given. */
  identitySource?: string | string[]
  identityValidationExpression?: string
  /** default 300, max 3600, 0 disables the cache. */
  authorizerResultTtlInSeconds: number
  providerARNs?: string[]
  authorizerPayloadFormatVersion?: '1.0' | '2.0'
  enableSimpleResponses?: boolean
  jwtConfiguration?: { issuer?: string; audience?: string[] }
  /** The OpenAPI security scheme's `x-amazon-apigateway-authtype`, if any. */
  authType?: string
}

// ---------------------------------------------------------------------------------------------------
// HTTP APIs (v2)

export interface CorsConfiguration {
  allowOrigins?: string[]
  allowCredentials?: boolean
  exposeHeaders?: string[]
  maxAge?: number
  allowMethods?: string[]
  allowHeaders?: string[]
}

export interface HttpApi {
  kind: 'HTTP'
  id: string
  name: string
  description?: string
  version?: string
  createdDate: string
  /** WEBSOCKET APIs are stored and returned by the control plane; they are not served yet. */
  protocolType: 'HTTP' | 'WEBSOCKET'
  routeSelectionExpression: string
  disableExecuteApiEndpoint: boolean
  corsConfiguration?: CorsConfiguration
  /** WebSocket: `$request.header.x-api-key` or `$context.authorizer.usageIdentifierKey`. */
  apiKeySelectionExpression?: string
  disableSchemaValidation?: boolean
  ipAddressType?: 'ipv4' | 'dualstack'
  /** Models by modelId (WebSocket APIs use them; stored and returned). */
  models?: Record<string, ModelV2>
  /** Routes by routeId. */
  routes: Record<string, Route>
  /** Integrations by integrationId. */
  integrations: Record<string, IntegrationV2>
  /** Authorizers by id (types REQUEST and JWT). */
  authorizers: Record<string, Authorizer>
  tags: Record<string, string>
  extensions: Record<string, unknown>
}

export type HttpAuthorizationType = 'NONE' | 'JWT' | 'CUSTOM' | 'AWS_IAM'

export interface Route {
  routeId: string
  /** `METHOD /path` or `$default`. */
  routeKey: string
  /** `integrations/{integrationId}`. */
  target?: string
  authorizationType: HttpAuthorizationType
  authorizerId?: string
  authorizationScopes?: string[]
  operationName?: string
  /** WebSocket routes (stored and returned). */
  apiKeyRequired?: boolean
  modelSelectionExpression?: string
  requestModels?: Record<string, string>
  requestParameters?: Record<string, { required: boolean }>
  routeResponseSelectionExpression?: string
  /** Route responses by routeResponseId (WebSocket; stored and returned). */
  routeResponses?: Record<string, RouteResponseV2>
}

/** A WebSocket route response (stored and returned). */
export interface RouteResponseV2 {
  routeResponseId: string
  routeResponseKey: string
  modelSelectionExpression?: string
  responseModels?: Record<string, string>
  responseParameters?: Record<string, { required: boolean }>
}

/** An HTTP/WebSocket API model (stored and returned). `schema` is kept as the string given. */
export interface ModelV2 {
  modelId: string
  name: string
  contentType?: string
  description?: string
  schema?: string
}

/** A WebSocket integration response (stored and returned). */
export interface IntegrationResponseV2 {
  integrationResponseId: string
  integrationResponseKey: string
  contentHandlingStrategy?: string
  responseParameters?: Record<string, string>
  responseTemplates?: Record<string, string>
  templateSelectionExpression?: string
}

export interface IntegrationV2 {
  integrationId: string
  integrationType: 'AWS_PROXY' | 'HTTP_PROXY' | 'AWS' | 'HTTP' | 'MOCK'
  integrationUri?: string
  integrationMethod?: string
  integrationSubtype?: string
  payloadFormatVersion?: '1.0' | '2.0'
  /** 50–30000 (default 30000). */
  timeoutInMillis: number
  connectionType: 'INTERNET' | 'VPC_LINK'
  connectionId?: string
  credentialsArn?: string
  /** `append|overwrite|remove:{header|querystring}.{name}` or `overwrite:path` → value (§3.5). */
  requestParameters: Record<string, string>
  /** backend status code → { `overwrite:statuscode` | `append:header.x` … → value }. */
  responseParameters: Record<string, Record<string, string>>
  tlsConfig?: { serverNameToVerify?: string; insecureSkipVerification?: boolean }
  description?: string
  /** WebSocket integrations (stored and returned). */
  contentHandlingStrategy?: string
  passthroughBehavior?: string
  requestTemplates?: Record<string, string>
  templateSelectionExpression?: string
  integrationResponseSelectionExpression?: string
  /** Integration responses by integrationResponseId (WebSocket; stored and returned). */
  integrationResponses?: Record<string, IntegrationResponseV2>
}

export type Api = RestApi | HttpApi

// ---------------------------------------------------------------------------------------------------
// Deployments and stages

/** An immutable snapshot of an API (§1.6). Stages point at one. */
export interface Deployment {
  id: string
  apiId: string
  createdDate: string
  description?: string
  /** HTTP APIs: made by a stage's autoDeploy rather than CreateDeployment. */
  autoDeployed?: boolean
  snapshot: Api
}

export interface MethodSetting {
  metricsEnabled?: boolean
  loggingLevel?: 'OFF' | 'ERROR' | 'INFO'
  dataTraceEnabled?: boolean
  throttlingBurstLimit?: number
  throttlingRateLimit?: number
  cachingEnabled?: boolean
  cacheTtlInSeconds?: number
  cacheDataEncrypted?: boolean
  requireAuthorizationForCacheControl?: boolean
  unauthorizedCacheControlHeaderStrategy?: 'FAIL_WITH_403' | 'SUCCEED_WITH_RESPONSE_HEADER' | 'SUCCEED_WITHOUT_RESPONSE_HEADER'
}

export interface RouteSettings {
  throttlingBurstLimit?: number
  throttlingRateLimit?: number
  detailedMetricsEnabled?: boolean
  loggingLevel?: 'OFF' | 'ERROR' | 'INFO'
  dataTraceEnabled?: boolean
}

export interface CanarySettings {
  percentTraffic: number
  deploymentId: string
  stageVariableOverrides: Record<string, string>
  useStageCache: boolean
}

export interface AccessLogSettings {
  destinationArn?: string
  /** A one-line `$context.*` format (§11.6). */
  format?: string
}

export interface Stage {
  apiId: string
  /** REST: `[A-Za-z0-9_-]+`; HTTP: also `$default` (served with no path prefix). */
  stageName: string
  deploymentId: string
  description?: string
  /** Stage variables (`variables` on REST, `stageVariables` on HTTP). */
  variables: Record<string, string>
  /** REST: `{resourcePath}/{httpMethod}` with `/` escaped as `~1`, or `*\/*`. */
  methodSettings: Record<string, MethodSetting>
  /** HTTP. */
  autoDeploy?: boolean
  defaultRouteSettings?: RouteSettings
  routeSettings?: Record<string, RouteSettings>
  accessLogSettings?: AccessLogSettings
  canarySettings?: CanarySettings
  tracingEnabled?: boolean
  cacheClusterEnabled?: boolean
  cacheClusterSize?: string
  /** Stored and returned by the control plane; no behaviour yet. */
  clientCertificateId?: string
  documentationVersion?: string
  webAclArn?: string
  tags: Record<string, string>
  createdDate: string
  lastUpdatedDate: string
}

/** Gateway-wide settings that are config, not API model: which API answers on bare `localhost`, certificates, history. */
export interface GatewaySettings {
  /** The API served at `http://localhost:PORT/{stage}/…` when several are served. */
  defaultApiId?: string
  /**
   * ACM certificate ARNs → the PEM files that stand for them here (a domain's `certificateArn` /
   * `regionalCertificateArn` is resolved through this table; §12 of docs/aws-behaviour.md).
   */
  certificates?: Record<string, CertificateFiles>
  /** How many deployments per API are kept beyond those a stage or canary points at (docs/deployments.md). */
  deploymentHistory?: number
}

/** A certificate as PEM files: read when the plan is compiled, re-read when they change. */
export interface CertificateFiles {
  certFile: string
  keyFile: string
  /** Intermediate certificates, appended to the chain. */
  chainFile?: string
}

/**
 * A custom domain name (§1.7; AWS's `DomainName` of apigateway and apigatewayv2, which share one namespace).
 * Stored as its own document (kind `domain`, id = the lower-cased domain name). Its certificate is PEM text
 * (CreateDomainName's `certificateBody`/`certificatePrivateKey`/`certificateChain`), PEM files (the config
 * file), or an ACM ARN resolved through `GatewaySettings.certificates`.
 */
export interface DomainName {
  /** Lower case; a leading `*.` is a wildcard domain (one label). */
  domainName: string
  /** The ACM ARN given (`certificateArn` or `regionalCertificateArn`), when the certificate came as one. */
  certificateArn?: string
  certificateName?: string
  /** PEM text, when given inline or through the control plane. */
  certificatePem?: { body: string; privateKey: string; chain?: string }
  /** PEM files, when given in the config file. */
  certificateFiles?: CertificateFiles
  /** `TLS_1_2` (default) or `TLS_1_0` (§14.3): the lowest TLS version the domain's handshake accepts. */
  securityPolicy: 'TLS_1_0' | 'TLS_1_2'
  endpointType: 'REGIONAL' | 'EDGE'
  /** Mutual TLS (§7.8): the truststore (PEM bundle) the domain's client certificates must chain to. */
  mutualTlsAuthentication?: { truststoreUri: string; truststoreVersion?: string; truststorePem?: string }
  /** Base path mappings (REST) and API mappings (HTTP APIs), one list: the longest matching base path wins. */
  mappings: ApiMapping[]
  tags: Record<string, string>
  createdDate: string
}

/**
 * One base path mapping / API mapping (§1.7): `basePath` is '' for `(none)`, else one or more segments
 * without leading or trailing `/` (`v1`, `v1/orders`). Without `stage` (REST only), the first path segment
 * after the base path names the stage.
 */
export interface ApiMapping {
  /** The apigatewayv2 `ApiMappingId`. */
  id: string
  basePath: string
  apiId: string
  stage?: string
}

// ---------------------------------------------------------------------------------------------------
// API keys and usage plans (§7.1, §7.2)

/** A usage plan's per-key token bucket, or one method's (`burstLimit` int, `rateLimit` requests/second). */
export interface ThrottleSettings {
  burstLimit?: number
  rateLimit?: number
}

/** A usage plan's per-key request quota per period (§7.2). */
export interface QuotaSettings {
  limit: number
  /** Where the period starts: 0 for DAY; weekday 0 (Sunday)–6 for WEEK; day-of-month − 1 (0–27) for MONTH. */
  offset: number
  period: 'DAY' | 'WEEK' | 'MONTH'
}

/** An API key (§7.1). `value` is the secret clients send in `x-api-key`. */
export interface ApiKey {
  id: string
  value: string
  /** Absent when created without a name (or with an empty one), as AWS answers. */
  name?: string
  description?: string
  /** Disabled keys are refused by the data plane. */
  enabled: boolean
  /** AWS Marketplace customer id. */
  customerId?: string
  createdDate: string
  lastUpdatedDate: string
  /** Legacy `{restApiId}/{stageName}` associations (pre-usage-plan), kept as given. */
  stageKeys: string[]
  tags: Record<string, string>
}

/** One API stage of a usage plan, with optional per-method throttles keyed `"/pets/GET"` (`"/*\/*"` for all). */
export interface ApiStage {
  apiId: string
  stage: string
  throttle?: Record<string, ThrottleSettings>
}

/** A usage plan (§7.2): which API stages its keys may call, and their per-key throttle and quota. */
export interface UsagePlan {
  id: string
  name: string
  description?: string
  apiStages: ApiStage[]
  throttle?: ThrottleSettings
  quota?: QuotaSettings
  productCode?: string
  tags: Record<string, string>
  /** Ids of the plan's API keys (AWS's UsagePlanKeys). Internal: not part of AWS's UsagePlan JSON. */
  keyIds: string[]
}
