// Function references: the forms API Gateway and Lambda accept for naming a function (ARN, partial ARN, name,
// with or without a qualifier, or an integration URI wrapping an ARN), parsed into name + qualifier. Pure.

/** A function named by an ARN, an integration URI or a plain name. */
export interface FunctionRef {
  /** The function name: 1–64 of `A-Z a-z 0-9 - _`. */
  name: string
  /** Version or alias after the name (`:prod`, `:3`, `:$LATEST`). */
  qualifier?: string
  /** The region in the Lambda ARN, when one was given. */
  region?: string
  /** The account id in the Lambda ARN, when one was given. */
  accountId?: string
}

// Lambda's own name rule; it also keeps a name from reaching outside a --functions directory (no dots, no slashes).
const NAME = '[A-Za-z0-9_-]{1,64}'
const QUALIFIER = '\\$LATEST|[A-Za-z0-9_-]{1,128}'

const LAMBDA_ARN = new RegExp(`^arn:aws[a-z-]*:lambda:([a-z0-9-]+):(\\d{12}):function:(${NAME})(?::(${QUALIFIER}))?$`)
const PARTIAL_ARN = new RegExp(`^(\\d{12}):function:(${NAME})(?::(${QUALIFIER}))?$`)
const PLAIN = new RegExp(`^(${NAME})(?::(${QUALIFIER}))?$`)
const NAME_ONLY = new RegExp(`^${NAME}$`)
const INTEGRATION_URI = /^arn:aws[a-z-]*:apigateway:[a-z0-9-]+:lambda:path\/2015-03-31\/functions\/(.+)\/invocations$/

/** Whether `name` is a valid Lambda function name. */
export function isFunctionName(name: string): boolean {
  return NAME_ONLY.test(name)
}

/**
 * Parses a function reference. Stage variables must already be substituted by the caller.
 * Returns null when `uriOrArn` names no function (wrong shape, invalid name).
 *
 * @example
 * parseFunctionRef('arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:123456789012:function:pets:live/invocations')
 * // → { name: 'pets', qualifier: 'live', region: 'eu-west-1', accountId: '123456789012' }
 */
export function parseFunctionRef(uriOrArn: string): FunctionRef | null {
  if (typeof uriOrArn !== 'string') return null
  const s = uriOrArn.trim()
  const uri = INTEGRATION_URI.exec(s)
  if (uri) return parseLambdaRef(uri[1]!)
  return parseLambdaRef(s)
}

function parseLambdaRef(s: string): FunctionRef | null {
  let m = LAMBDA_ARN.exec(s)
  if (m) return withQualifier({ name: m[3]!, region: m[1]!, accountId: m[2]! }, m[4])
  m = PARTIAL_ARN.exec(s)
  if (m) return withQualifier({ name: m[2]!, accountId: m[1]! }, m[3])
  m = PLAIN.exec(s)
  if (m) return withQualifier({ name: m[1]! }, m[2])
  return null
}

function withQualifier(ref: FunctionRef, qualifier: string | undefined): FunctionRef {
  if (qualifier !== undefined) ref.qualifier = qualifier
  return ref
}

/** `arn:aws:lambda:{region}:{account}:function:{name}[:{qualifier}]`, as `context.invokedFunctionArn` shows it. */
export function functionArn(name: string, region: string, accountId: string, qualifier?: string): string {
  return `arn:aws:lambda:${region}:${accountId}:function:${name}${qualifier === undefined ? '' : ':' + qualifier}`
}
