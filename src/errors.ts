// The one table of gateway errors: each AWS gateway-response type with its status, error type and message
// (docs/aws-behaviour.md §6.1, §3.10), plus the GatewayError class every layer throws.

import type { GatewayResponseType } from './model/types.js'

export interface GatewayErrorSpec {
  /** Default HTTP status on REST APIs. */
  readonly status: number
  /** `x-amzn-ErrorType` header value (REST only; HTTP APIs send none, §3.10). */
  readonly errorType: string
  /** Default `$context.error.message` on REST APIs. */
  readonly message: string | null
  /** Body message on HTTP APIs (Title Case, §3.10). */
  readonly httpApiMessage: string
  /** WebSocket close code when the error happens during the handshake or a route. */
  readonly wsCloseCode: number
  /** Whether the caller caused it (4xx) or we/the backend did (5xx). */
  readonly fault: 'client' | 'server'
}

/** Every gateway response type except the DEFAULT_* fallbacks. The order is AWS's doc order. */
export const GATEWAY_ERRORS: Readonly<Record<Exclude<GatewayResponseType, 'DEFAULT_4XX' | 'DEFAULT_5XX'>, GatewayErrorSpec>> =
  Object.freeze({
    ACCESS_DENIED: { status: 403, errorType: 'AccessDeniedException', message: 'User is not authorized to access this resource', httpApiMessage: 'Forbidden', wsCloseCode: 1008, fault: 'client' },
    API_CONFIGURATION_ERROR: { status: 500, errorType: 'InternalServerErrorException', message: 'Internal server error', httpApiMessage: 'Internal Server Error', wsCloseCode: 1011, fault: 'server' },
    AUTHORIZER_CONFIGURATION_ERROR: { status: 500, errorType: 'AuthorizerConfigurationException', message: null, httpApiMessage: 'Internal Server Error', wsCloseCode: 1011, fault: 'server' },
    AUTHORIZER_FAILURE: { status: 500, errorType: 'AuthorizerFailureException', message: 'Internal server error', httpApiMessage: 'Internal Server Error', wsCloseCode: 1011, fault: 'server' },
    BAD_REQUEST_PARAMETERS: { status: 400, errorType: 'BadRequestException', message: 'Bad request', httpApiMessage: 'Bad Request', wsCloseCode: 1008, fault: 'client' },
    BAD_REQUEST_BODY: { status: 400, errorType: 'BadRequestException', message: 'Invalid request body', httpApiMessage: 'Bad Request', wsCloseCode: 1008, fault: 'client' },
    EXPIRED_TOKEN: { status: 403, errorType: 'InvalidSignatureException', message: 'The security token included in the request is expired', httpApiMessage: 'Forbidden', wsCloseCode: 1008, fault: 'client' },
    INTEGRATION_FAILURE: { status: 504, errorType: 'InternalServerErrorException', message: 'Network error communicating with endpoint', httpApiMessage: 'Service Unavailable', wsCloseCode: 1011, fault: 'server' },
    INTEGRATION_TIMEOUT: { status: 504, errorType: 'InternalServerErrorException', message: 'Endpoint request timed out', httpApiMessage: 'Service Unavailable', wsCloseCode: 1011, fault: 'server' },
    INVALID_API_KEY: { status: 403, errorType: 'ForbiddenException', message: 'Forbidden', httpApiMessage: 'Forbidden', wsCloseCode: 1008, fault: 'client' },
    INVALID_SIGNATURE: { status: 403, errorType: 'InvalidSignatureException', message: 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.', httpApiMessage: 'Forbidden', wsCloseCode: 1008, fault: 'client' },
    MISSING_AUTHENTICATION_TOKEN: { status: 403, errorType: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token', httpApiMessage: 'Forbidden', wsCloseCode: 1008, fault: 'client' },
    QUOTA_EXCEEDED: { status: 429, errorType: 'LimitExceededException', message: 'Limit Exceeded', httpApiMessage: 'Too Many Requests', wsCloseCode: 1008, fault: 'client' },
    REQUEST_TOO_LARGE: { status: 413, errorType: 'RequestTooLargeException', message: 'Request Too Long', httpApiMessage: 'Request Entity Too Large', wsCloseCode: 1009, fault: 'client' },
    RESOURCE_NOT_FOUND: { status: 404, errorType: 'ResourceNotFoundException', message: 'Not Found', httpApiMessage: 'Not Found', wsCloseCode: 1008, fault: 'client' },
    THROTTLED: { status: 429, errorType: 'TooManyRequestsException', message: 'Too Many Requests', httpApiMessage: 'Too Many Requests', wsCloseCode: 1008, fault: 'client' },
    UNAUTHORIZED: { status: 401, errorType: 'UnauthorizedException', message: 'Unauthorized', httpApiMessage: 'Unauthorized', wsCloseCode: 1008, fault: 'client' },
    UNSUPPORTED_MEDIA_TYPE: { status: 415, errorType: 'UnsupportedMediaTypeException', message: 'Unsupported Media Type', httpApiMessage: 'Unsupported Media Type', wsCloseCode: 1003, fault: 'client' },
    WAF_FILTERED: { status: 403, errorType: 'WafFilteredException', message: 'Forbidden', httpApiMessage: 'Forbidden', wsCloseCode: 1008, fault: 'client' },
  })

/**
 * Gatehouse's own gateway responses: answers to situations AWS never meets, so it has no gateway-response type
 * for them. Each is customised through its class's default type (`DEFAULT_5XX`), which is also what
 * `$context.error.responseType` names, as AWS does for an error with no type of its own.
 */
export const GATEHOUSE_ERRORS = Object.freeze({
  /**
   * `--redis-unavailable closed`: the state store holding limits and quotas cannot be reached, so the request
   * is refused rather than admitted unchecked. 503 with Retry-After: the store reconnects within a second.
   */
  STATE_STORE_UNAVAILABLE: { status: 503, errorType: 'ServiceUnavailableException', message: 'Service Unavailable', httpApiMessage: 'Service Unavailable', wsCloseCode: 1013, fault: 'server' },
} satisfies Record<string, GatewayErrorSpec>)

export type GatewayErrorCode = keyof typeof GATEWAY_ERRORS | keyof typeof GATEHOUSE_ERRORS

const ALL_ERRORS: Readonly<Record<GatewayErrorCode, GatewayErrorSpec>> = Object.freeze({ ...GATEWAY_ERRORS, ...GATEHOUSE_ERRORS })

/** The spec of any gateway error code, AWS's or Gatehouse's own. */
export function errorSpec(code: GatewayErrorCode): GatewayErrorSpec {
  return ALL_ERRORS[code]
}

/** The gateway-response type of a code: itself for AWS's types, its class's default for Gatehouse's own. */
export function responseTypeOf(code: GatewayErrorCode): GatewayResponseType {
  return code in GATEHOUSE_ERRORS ? (ALL_ERRORS[code].status >= 500 ? 'DEFAULT_5XX' : 'DEFAULT_4XX') : (code as GatewayResponseType)
}

/** Every gateway error code: AWS's types in their order, then Gatehouse's own. */
export const GATEWAY_ERROR_CODES = Object.freeze(Object.keys(ALL_ERRORS) as GatewayErrorCode[])

/**
 * Answers that are not gateway responses (no customisation applies, §6.3): each with its status, its
 * `x-amzn-ErrorType` on REST (null: none) and its body, byte for byte as AWS sends it. The only other place
 * a literal error body may live is the IncompleteSignature message below; a test keeps it so.
 */
export interface BareAnswer {
  readonly status: number
  readonly errorType: string | null
  readonly body: string
}

export const BARE_ANSWERS = Object.freeze({
  /** An unknown host, API or stage on a REST API (§2.1). */
  FORBIDDEN: { status: 403, errorType: 'ForbiddenException', body: '{"message":"Forbidden"}' },
  /** No route or stage on an HTTP API (§3.2). */
  NOT_FOUND: { status: 404, errorType: 'NotFoundException', body: '{"message":"Not Found"}' },
  /** URL over the regional limit (§2.2, [K] 414). */
  URI_TOO_LONG: { status: 414, errorType: null, body: '{"message":"Request-URI Too Long"}' },
  /** Header values over 10240 bytes (§2.2, [K] 431), or more header lines than the edge takes (docs/limits.md). */
  HEADERS_TOO_LARGE: { status: 431, errorType: null, body: '{"message":"Request Header Fields Too Large"}' },
  /**
   * A request HTTP refuses before any API sees it (RFC 9112 §3.2, §3.2.2): a duplicate Host, a target that is
   * neither a path nor an http(s) URL, dot segments that climb above the root or hide behind an encoded slash
   * [K: AWS's answer to these is not recorded].
   */
  BAD_REQUEST: { status: 400, errorType: null, body: '{"message":"Bad Request"}' },
  /** A request whose body stalled, or that took longer than the edge allows to arrive (docs/limits.md) [K]. */
  REQUEST_TIMEOUT: { status: 408, errorType: null, body: '{"message":"Request Timeout"}' },
  /** REST: a Lambda proxy result that is not a valid response (§4.2), with AWS's space after the colon. */
  MALFORMED_PROXY_RESPONSE: { status: 502, errorType: null, body: '{"message": "Internal server error"}' },
  /** HTTP APIs: a failed or malformed Lambda proxy response (§3.10). */
  HTTP_API_INTERNAL_ERROR: { status: 500, errorType: null, body: '{"message":"Internal Server Error"}' },
  /**
   * REST: a request-parameter mapping onto Content-Length or Transfer-Encoding (§5.7); on Lambda integrations
   * (AWS_PROXY, AWS) also onto Authorization, Connection, Expect, Proxy-Authenticate or TE. AWS answers with its
   * own body, not the gateway-response template: the header_remapping recordings have Content-Length 36.
   */
  FATAL_HEADER_MAPPING: { status: 500, errorType: 'InternalServerErrorException', body: '{"message": "Internal server error"}' },
} satisfies Record<string, BareAnswer>)

export type BareAnswerCode = keyof typeof BARE_ANSWERS

/** A malformed SigV4 Authorization header (§7.5), or any non-SigV4 one on an unmatched REST request (§1.2): 403 IncompleteSignatureException. */
export function incompleteSignature(message: string): BareAnswer {
  return { status: 403, errorType: 'IncompleteSignatureException', body: JSON.stringify({ message }) }
}

/** §1.2: the message for an Authorization header that is not SigV4 on an unmatched REST request, quoting it. */
export function notKeyValueMessage(authorization: string): string {
  const token = authorization.split(' ').pop()!
  return `'${token}' not a valid key=value pair (missing equal-sign) in Authorization header: '${authorization}'.`
}

/**
 * The error every layer throws for a request that ends in a gateway response.
 * `message` overrides the type's default `$context.error.message` (e.g. the list of missing parameters).
 */
export class GatewayError extends Error {
  readonly code: GatewayErrorCode
  readonly responseMessage: string | null
  /** Extra response headers that belong to this error (e.g. `WWW-Authenticate` on a JWT failure). */
  readonly headers: Record<string, string> | undefined
  /**
   * The thrower has already reported this failure (rate-limited, e.g. a state-store outage): the runner does
   * not log it once more per request.
   */
  readonly reported: boolean

  constructor(code: GatewayErrorCode, message?: string | null, options?: { cause?: unknown; headers?: Record<string, string>; reported?: boolean }) {
    const spec = ALL_ERRORS[code]
    const responseMessage = message === undefined ? spec.message : message
    super(responseMessage ?? code, options?.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'GatewayError'
    this.code = code
    this.responseMessage = responseMessage
    this.headers = options?.headers
    this.reported = options?.reported ?? false
  }
}

/** A problem in a config or OpenAPI file: where it is and what is wrong. */
export interface ConfigProblem {
  /** File path, when the problem belongs to a file. */
  file?: string
  /** A JSON-pointer-like path inside the document, e.g. `/paths/~1pets/get/x-amazon-apigateway-integration/type`. */
  path: string
  message: string
}

/** Thrown when config is refused; carries every problem found, not just the first. */
export class ConfigError extends Error {
  readonly problems: ConfigProblem[]
  constructor(problems: ConfigProblem[]) {
    super(formatProblems(problems))
    this.name = 'ConfigError'
    this.problems = problems
  }
}

export function formatProblems(problems: ConfigProblem[]): string {
  return problems.map((p) => `${p.file ? p.file + ': ' : ''}${p.path || '/'}: ${p.message}`).join('\n')
}

/**
 * WebSocket error frames (docs/aws-behaviour.md §10.8), sent on the connection, which stays open: no route
 * matched and there is no `$default` (`Forbidden`), the integration failed (`Internal server error`), model
 * validation failed (`Bad request body`, with the message id instead of the request id), the route's throttle
 * refused it (`Too Many Requests` [K: the message as HTTP APIs word it]). AWS's spacing.
 */
export const WS_ERROR_MESSAGES = Object.freeze({ FORBIDDEN: 'Forbidden', INTERNAL: 'Internal server error', BAD_REQUEST_BODY: 'Bad request body', THROTTLED: 'Too Many Requests', LIMIT_EXCEEDED: 'Limit Exceeded' })

export function wsErrorFrame(kind: keyof typeof WS_ERROR_MESSAGES, connectionId: string, id: string): string {
  const idName = kind === 'BAD_REQUEST_BODY' ? 'messageId' : 'requestId'
  return `{"message": ${JSON.stringify(WS_ERROR_MESSAGES[kind])}, "connectionId":${JSON.stringify(connectionId)}, "${idName}":${JSON.stringify(id)}}`
}

/**
 * `@connections` management API errors (§10.5): the status, `x-amzn-ErrorType` and `{"message": …}` body of
 * GoneException (410: closed or unknown connection), PayloadTooLargeException (413), ForbiddenException (403),
 * BadRequestException (400) and the rest.
 */
export const MANAGEMENT_ERRORS = Object.freeze({
  GONE: { status: 410, errorType: 'GoneException', message: null },
  PAYLOAD_TOO_LARGE: { status: 413, errorType: 'PayloadTooLargeException', message: 'Message too long' },
  FORBIDDEN: { status: 403, errorType: 'ForbiddenException', message: 'Forbidden' },
  BAD_REQUEST: { status: 400, errorType: 'BadRequestException', message: 'Invalid connectionId' },
  NOT_FOUND: { status: 404, errorType: 'NotFoundException', message: 'Not Found' },
  /** The connection is not on this node and the shared connection registry (Redis) cannot be reached. */
  REGISTRY_UNAVAILABLE: { status: 500, errorType: 'InternalServerErrorException', message: 'Internal server error: the connection registry is unavailable, so connections held by other nodes cannot be reached' },
  /** The node holding the connection did not answer in time. */
  NODE_UNREACHABLE: { status: 500, errorType: 'InternalServerErrorException', message: 'Internal server error: the node holding the connection did not answer' },
} satisfies Record<string, { status: number; errorType: string; message: string | null }>)

export function managementErrorBody(code: keyof typeof MANAGEMENT_ERRORS, message?: string): string {
  const m = message ?? MANAGEMENT_ERRORS[code].message
  return m === null ? '' : JSON.stringify({ message: m })
}
