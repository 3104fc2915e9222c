// Reads a gatehouse.yaml / gatehouse.json config file: YAML/JSON syntax, the scalar conveniences
// (a YAML number where AWS wants a string), and the config file's JSON Schema. Meaning (ids, stages,
// OpenAPI documents) is the business of desired.ts.

import YAML from 'yaml'
import type { Tags } from 'yaml'
import type { ConfigProblem } from '../../errors.js'
import type { AccessLogSettings, CorsConfiguration, MethodSetting, RouteSettings } from '../../model/types.js'
import { configFileSchema } from '../../model/schemas.js'
import { checkSchema } from './schema-check.js'
import type { IdentityDecl } from '../../auth/identity.js'
import type { EdgeLimits } from '../../dataplane/limits.js'
import type { WsLimits } from '../../dataplane/websocket/server.js'
import { ALIAS_BOMB, CONFIG_FILE_LIMIT, MAX_ALIAS_COUNT, TOO_DEEP, checkDocumentShape, isAliasBomb, isStackOverflow, readBoundedText, tooLargeMessage } from './limits.js'

export { describeFsError } from './limits.js'

/** The config file as declared (after schema validation; fields may still be ill-typed where problems were reported). */
export interface ConfigFileDecl {
  $schema?: string
  listeners?: {
    http?: { port?: number; host?: string; limits?: Partial<EdgeLimits>; websocket?: Partial<WsLimits>; tls?: { cert: string; key: string; truststore?: string; requireClientCert?: boolean } }
    /** The HTTPS listener of custom domains (SNI picks each domain's certificate). */
    https?: { port?: number; host?: string }
    admin?: { port?: number; host?: string; token?: string; allowedHosts?: string[]; credentials?: Array<{ accessKeyId: string; secretAccessKey: string }>; throttle?: { rateLimit: number; burstLimit: number } }
  }
  dataDir?: string
  /** A `postgres://` URL: config shared by several gateway nodes (the CLI's --config-store wins). */
  configStore?: string
  functionsDir?: string
  logging?: { level?: string; accessLogs?: boolean }
  defaultApi?: string
  /** Deployments kept per API beyond those in use (docs/deployments.md). */
  deploymentHistory?: number
  apis?: ApiDecl[]
  functions?: FunctionDecl[]
  apiKeys?: ApiKeyDecl[]
  usagePlans?: UsagePlanDecl[]
  /** Region, Cognito user pools and IAM credentials for authorizers (src/auth/identity.ts). */
  identity?: IdentityDecl
  /** Custom domain names (§1.7): certificates, TLS policy, mutual TLS, base path mappings (domains.ts). */
  domains?: DomainDecl[]
  /** ACM certificate ARNs → PEM files, for domains that name their certificate by ARN. */
  certificates?: Record<string, CertificateDecl>
}

/** A certificate as PEM files, relative to the config file. */
export interface CertificateDecl {
  cert: string
  key: string
  chain?: string
}

/** One custom domain name in the config file. */
export interface DomainDecl {
  domainName: string
  certificate?: CertificateDecl
  certificateArn?: string
  securityPolicy?: 'TLS_1_0' | 'TLS_1_2'
  endpointType?: 'REGIONAL' | 'EDGE'
  mutualTls?: { truststore: string }
  mappings?: Array<{ basePath?: string; api: string; stage?: string }>
  tags?: Record<string, string>
}

/** An API key in the config file (§7.1). Without `value` the gateway generates one and keeps it in its store. */
export interface ApiKeyDecl {
  name: string
  value?: string
  /** Default true (unlike AWS's CreateApiKey): a key declared in a file is meant to be used. */
  enabled?: boolean
  description?: string
  customerId?: string
  tags?: Record<string, string>
}

/** A usage plan in the config file (§7.2): APIs by name or id, keys by name. */
export interface UsagePlanDecl {
  name: string
  description?: string
  apiStages?: Array<{ api: string; stage: string; throttle?: Record<string, { burstLimit?: number; rateLimit?: number }> }>
  throttle?: { burstLimit?: number; rateLimit?: number }
  quota?: { limit: number; offset?: number; period: 'DAY' | 'WEEK' | 'MONTH' }
  productCode?: string
  tags?: Record<string, string>
  apiKeys?: string[]
}

export interface ApiDecl {
  name?: string
  id?: string
  type: 'rest' | 'http' | 'websocket'
  openapi?: string
  /** WebSocket APIs (docs/websocket.md): apigatewayv2 CreateApi's fields, with routes and integrations inline. */
  description?: string
  routeSelectionExpression?: string
  apiKeySelectionExpression?: string
  disableExecuteApiEndpoint?: boolean
  disableSchemaValidation?: boolean
  tags?: Record<string, string>
  routes?: Array<Record<string, unknown>>
  integrations?: Record<string, Record<string, unknown>>
  /** WebSocket APIs: CreateAuthorizer's fields by authorizer id (REQUEST authorizers for `$connect`). */
  authorizers?: Record<string, Record<string, unknown>>
  definition?: Record<string, unknown>
  basepath?: 'ignore' | 'prepend' | 'split'
  binaryMediaTypes?: string[]
  gatewayResponses?: Record<string, { statusCode?: string; responseParameters?: Record<string, string>; responseTemplates?: Record<string, string> }>
  cors?: CorsConfiguration
  /** REST: the resource policy (§7.6), replacing the document's `x-amazon-apigateway-policy`. */
  policy?: Record<string, unknown>
  /** REST: the endpoint type (AWS's `endpointConfigurationTypes`); PRIVATE APIs need a policy (§1.8). */
  endpointType?: 'EDGE' | 'REGIONAL' | 'PRIVATE'
  stages?: Record<string, StageDecl>
}

export interface StageDecl {
  description?: string
  variables?: Record<string, string>
  methodSettings?: Record<string, MethodSetting>
  defaultRouteSettings?: RouteSettings
  routeSettings?: Record<string, RouteSettings>
  accessLogSettings?: AccessLogSettings
  canarySettings?: CanaryDecl
  tracingEnabled?: boolean
  cacheClusterEnabled?: boolean
  cacheClusterSize?: string
  tags?: Record<string, string>
}

export interface CanaryDecl {
  percentTraffic?: number
  stageVariableOverrides?: Record<string, string>
  useStageCache?: boolean
  openapi?: string
  definition?: Record<string, unknown>
}

export interface FunctionDecl {
  name: string
  module?: string
  handler?: string
  timeout?: number
  memorySize?: number
  environment?: Record<string, string>
  reservedConcurrency?: number
}

/** For readers of YAML dialects (CloudFormation's `!Ref` tags): extra tags, and a rewrite of the parsed document before it becomes plain data. */
export interface YamlReadOptions {
  customTags?: Tags
  rewrite?: (doc: YAML.Document.Parsed) => void
}

export interface ParsedText {
  value?: unknown
  problems: ConfigProblem[]
  warnings: ConfigProblem[]
}

/**
 * Parses YAML (and so JSON) text; syntax errors and duplicate keys come back as problems with line and column,
 * and so do the documents no config needs: aliases that expand past a bound (an "alias bomb"), an alias inside
 * the collection it names, nesting deeper than MAX_DOCUMENT_DEPTH. Never throws.
 */
export function parseYamlText(text: string, file: string, opts: YamlReadOptions = {}): ParsedText {
  const fail = (message: string): ParsedText => ({ problems: [{ file, path: '', message }], warnings: [] })
  let doc: YAML.Document.Parsed
  try {
    doc = YAML.parseDocument(text, { prettyErrors: true, uniqueKeys: true, merge: true, ...(opts.customTags ? { customTags: opts.customTags } : {}) })
    opts.rewrite?.(doc)
  } catch (err) {
    return fail(isStackOverflow(err) ? TOO_DEEP : `cannot parse the file: ${(err as Error).message}`)
  }
  const where = (e: YAML.YAMLError): string => (e.linePos ? `line ${e.linePos[0].line}, column ${e.linePos[0].col}: ` : '')
  const firstLine = (m: string): string => m.split('\n')[0] ?? m
  // The parser turns its own stack overflow on deep nesting into an error at the place it gave up.
  const reason = (e: YAML.YAMLError): string => (/call stack/i.test(e.message) ? TOO_DEEP : firstLine(e.message))
  const problems = doc.errors.map((e) => ({ file, path: '', message: `syntax error at ${where(e)}${reason(e)}` }))
  const warnings = doc.warnings.map((e) => ({ file, path: '', message: `${where(e)}${firstLine(e.message)}` }))
  if (problems.length) return { problems, warnings }
  let value: unknown
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT })
  } catch (err) {
    if (isAliasBomb(err)) return { problems: [{ file, path: '', message: `Invalid YAML: ${ALIAS_BOMB}` }], warnings }
    return { problems: [{ file, path: '', message: isStackOverflow(err) ? TOO_DEEP : `cannot read the YAML: ${(err as Error).message}` }], warnings }
  }
  const shape = checkDocumentShape(value)
  if (shape !== undefined) return { problems: [{ file, path: shape.path, message: shape.message }], warnings }
  return { value, problems, warnings }
}

/** True for a plain object (not an array, not null). */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/**
 * YAML users write `port: 3000` or `statusCode: 404`; AWS keeps these as strings. Numbers and booleans in
 * those places are taken as their string form before validation (stage variables, canary overrides,
 * gateway-response status codes, function environment variables).
 */
function stringifyScalars(config: Record<string, unknown>): void {
  const fix = (map: unknown): void => {
    if (!isRecord(map)) return
    for (const [k, v] of Object.entries(map)) if (typeof v === 'number' || typeof v === 'boolean') map[k] = String(v)
  }
  for (const api of Array.isArray(config.apis) ? config.apis : []) {
    if (!isRecord(api)) continue
    if (isRecord(api.gatewayResponses)) {
      for (const gr of Object.values(api.gatewayResponses)) {
        if (isRecord(gr) && typeof gr.statusCode === 'number') gr.statusCode = String(gr.statusCode)
      }
    }
    if (!isRecord(api.stages)) continue
    for (const stage of Object.values(api.stages)) {
      if (!isRecord(stage)) continue
      fix(stage.variables)
      if (isRecord(stage.canarySettings)) fix(stage.canarySettings.stageVariableOverrides)
    }
  }
  for (const fn of Array.isArray(config.functions) ? config.functions : []) if (isRecord(fn)) fix(fn.environment)
}

/**
 * Reads and schema-checks a config file. `config` is absent when the file can't be read or parsed. A file over
 * CONFIG_FILE_LIMIT is refused from its size alone, before it is read.
 */
export async function readConfigFile(absPath: string, display: string): Promise<{ config?: ConfigFileDecl; problems: ConfigProblem[]; warnings: ConfigProblem[] }> {
  const read = await readBoundedText(absPath, CONFIG_FILE_LIMIT)
  if ('error' in read) return { problems: [{ file: display, path: '', message: `cannot read the config file: ${read.error}` }], warnings: [] }
  if ('tooLarge' in read) {
    const advice = 'put large OpenAPI definitions in files of their own (openapi: FILE) rather than inline (definition:)'
    return { problems: [{ file: display, path: '', message: tooLargeMessage('config file', read.tooLarge.size, read.tooLarge.limit, advice) }], warnings: [] }
  }
  const parsed = parseYamlText(read.text, display)
  if (parsed.problems.length) return { problems: parsed.problems, warnings: parsed.warnings }
  const value = parsed.value ?? {}
  if (!isRecord(value)) {
    return { problems: [{ file: display, path: '', message: 'a config file is a mapping (object) of settings such as listeners and apis' }], warnings: parsed.warnings }
  }
  stringifyScalars(value)
  return { config: value as ConfigFileDecl, problems: checkSchema(configFileSchema, value, { file: display }), warnings: parsed.warnings }
}
