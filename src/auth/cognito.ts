// Cognito user pool specifics (docs/aws-behaviour.md §7.4): the issuer URL of a pool ARN, with the local
// override that points a pool at any OpenID provider, and the all-strings claims REST integrations receive.

/** The parts of a user pool ARN `arn:{partition}:cognito-idp:{region}:{account}:userpool/{poolId}`. */
export interface UserPoolArn {
  partition: string
  region: string
  accountId: string
  poolId: string
}

const USER_POOL_ARN = /^arn:(aws[a-z-]*):cognito-idp:([a-z0-9-]+):(\d{12}):userpool\/([A-Za-z0-9_-]+)$/

/** The parts of a user pool ARN, or undefined when `arn` is not one. */
export function parseUserPoolArn(arn: string): UserPoolArn | undefined {
  const m = USER_POOL_ARN.exec(arn.trim())
  if (m === null) return undefined
  return { partition: m[1]!, region: m[2]!, accountId: m[3]!, poolId: m[4]! }
}

/**
 * The issuer of a user pool's tokens: `https://cognito-idp.{region}.amazonaws.com/{poolId}` (§7.4), or
 * `{endpointOverride}/{poolId}` when a Cognito emulator serves the pool (cognito-local, LocalStack and moto
 * use this shape). Throws a RangeError naming the expected shape when `providerArn` is not a pool ARN.
 *
 * @example
 * cognitoIssuer('arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_AbC')
 * // 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC'
 * cognitoIssuer('arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_AbC', 'http://localhost:9229')
 * // 'http://localhost:9229/eu-west-1_AbC'
 */
export function cognitoIssuer(providerArn: string, endpointOverride?: string): string {
  const arn = parseUserPoolArn(providerArn)
  if (arn === undefined) {
    throw new RangeError(
      `${JSON.stringify(providerArn)} is not a Cognito user pool ARN (arn:aws:cognito-idp:{region}:{account}:userpool/{poolId})`,
    )
  }
  if (endpointOverride !== undefined && endpointOverride !== '') return `${endpointOverride.replace(/\/+$/, '')}/${arn.poolId}`
  const domain = arn.partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com'
  return `https://cognito-idp.${arn.region}.${domain}/${arn.poolId}`
}

/**
 * Where Cognito authorizers look for their pools when running outside AWS: the config knob
 * `identity.cognito` (see docs). Tokens must then carry the mapped issuer as `iss`, which is what a local
 * provider standing in for the pool issues.
 *
 * ```yaml
 * identity:
 *   cognito:
 *     endpoint: http://localhost:9229          # every pool at {endpoint}/{poolId}
 *     userPools:                               # or one pool at a time; wins over endpoint
 *       arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_AbC: http://127.0.0.1:8080/oidc
 * ```
 */
export interface CognitoIssuerOverrides {
  /** Pool ARN, or bare pool id, → issuer URL of the OpenID provider that stands in for that pool. */
  userPools?: Readonly<Record<string, string>>
  /** Base URL of a Cognito emulator; each pool's issuer becomes `{endpoint}/{poolId}`. */
  endpoint?: string
}

/**
 * The issuer to verify a pool's tokens against: a `userPools` entry for the ARN or its pool id, else
 * `endpoint`, else AWS's own issuer. Throws a RangeError when `providerArn` is not a pool ARN.
 */
export function resolveCognitoIssuer(providerArn: string, overrides?: CognitoIssuerOverrides): string {
  const arn = parseUserPoolArn(providerArn)
  const pools = overrides?.userPools
  if (arn !== undefined && pools !== undefined) {
    for (const key of [providerArn.trim(), arn.poolId]) {
      const mapped = Object.hasOwn(pools, key) ? pools[key] : undefined
      if (typeof mapped === 'string' && mapped !== '') return mapped
    }
  }
  return cognitoIssuer(providerArn, overrides?.endpoint)
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat']
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

/** Java's `Date.toString()` in UTC, e.g. `Tue Apr 04 18:39:39 UTC 2023`. */
function javaUtcDate(epochSeconds: number): string {
  const d = new Date(epochSeconds * 1000)
  const two = (n: number): string => String(n).padStart(2, '0')
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${two(d.getUTCDate())} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} UTC ${d.getUTCFullYear()}`
}

function claimText(v: unknown): string {
  if (typeof v === 'string') return v
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v)
  if (Array.isArray(v)) return v.map(claimText).join(',')
  return JSON.stringify(v) ?? ''
}

/**
 * Claims as a REST Cognito authorizer hands them on (`$context.authorizer.claims`, proxy
 * `requestContext.authorizer.claims`): every value a string (§7.4). As recorded in AWS samples, `exp` and
 * `iat` become Java dates (`Tue Apr 04 18:39:39 UTC 2023`) while other numbers such as `auth_time` stay
 * digits, and booleans become `"true"`/`"false"`. Arrays (`cognito:groups`) are joined with commas and
 * objects become JSON text [K: choice].
 */
export function stringifyClaims(claims: Readonly<Record<string, unknown>>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(claims)) {
    if (value === undefined) continue
    out[name] = (name === 'exp' || name === 'iat') && typeof value === 'number' && Number.isFinite(value) ? javaUtcDate(value) : claimText(value)
  }
  return out
}
