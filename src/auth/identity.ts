// The `identity` section of the config file: the region of execute-api ARNs and SigV4 scopes, the
// Cognito user pools stood in for by local OpenID providers, and the IAM credentials (with their identity
// policies) that AWS_IAM methods and routes accept (docs/aws-behaviour.md §7.4, §7.5). Checked once at
// load time with a path per problem; pure.

import type { ConfigProblem } from '../errors.js'
import type { Credentials } from './sigv4.js'
import type { CognitoIssuerOverrides } from './cognito.js'
import { parseUserPoolArn } from './cognito.js'
import { compilePolicy, PolicyError } from './policy.js'

/** The region of ARNs and SigV4 credential scopes when the config names none. */
export const DEFAULT_IDENTITY_REGION = 'us-east-1'
/** The gateway's own account: the account of every method ARN, and of callers with no IAM identity (§7.7). */
export const GATEWAY_ACCOUNT_ID = '000000000000'

/** One IAM credential as the config file declares it. */
export interface CredentialDecl {
  accessKeyId: string
  secretAccessKey: string
  /** Temporary credentials: requests must carry exactly this `X-Amz-Security-Token`. */
  sessionToken?: string
  /** `arn:aws:iam::{account}:user/{name}`, `…:role/{name}` or `arn:aws:sts::{account}:assumed-role/{role}/{session}`. */
  principalArn: string
  /** `$context.identity.caller` and `.user` (e.g. `AIDAEXAMPLE`); null when absent. */
  userId?: string
  /** `$context.identity.principalOrgId` and the `aws:PrincipalOrgID` condition key. */
  principalOrgId?: string
  /** When temporary credentials stop working (ISO 8601); requests after it get EXPIRED_TOKEN. */
  expiration?: string
  /** IAM identity policies of the principal: an Allow of `execute-api:Invoke` on the method ARN admits it. */
  policies?: unknown[]
}

/** The `identity` section of the config file. */
export interface IdentityDecl {
  region?: string
  cognito?: { endpoint?: string; userPools?: Record<string, string> }
  credentials?: CredentialDecl[]
}

/** A credential the SigV4 check accepts, with the identity policies of its principal. */
export interface IamCredential extends Credentials {
  readonly policies: readonly object[]
}

/** The checked `identity` section. */
export interface IdentityConfig {
  readonly region: string
  readonly cognito: CognitoIssuerOverrides | undefined
  readonly credentials: readonly IamCredential[]
}

/** What a gateway without an `identity` section uses: us-east-1, AWS's own Cognito issuers, no credentials. */
export const EMPTY_IDENTITY: IdentityConfig = Object.freeze({ region: DEFAULT_IDENTITY_REGION, cognito: undefined, credentials: Object.freeze([]) })

const PRINCIPAL_ARN = /^arn:aws[a-z-]*:(?:iam::(\d{12}):(?:user|role)\/\S+|iam::(\d{12}):root|sts::(\d{12}):assumed-role\/[^/\s]+\/\S+)$/
const ACCESS_KEY_ID = /^\w{16,128}$/
const POOL_ID = /^[\w-]+_[0-9A-Za-z]+$/

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function isHttpUrl(v: string): boolean {
  try {
    const u = new URL(v)
    return u.protocol === 'http:' || u.protocol === 'https:'
  } catch {
    return false
  }
}

/**
 * Checks an `identity` section (already schema-checked for shapes: ill-typed fields are skipped here, the
 * schema reported them) and returns what the auth step uses, with every problem found. Policies are
 * compiled to find their problems (`/identity/credentials/0/policies/1/Statement/0/Effect`). Messages never
 * repeat a secret.
 *
 * @example
 * const { identity, problems } = resolveIdentity({ credentials: [{ accessKeyId: 'AKIDEXAMPLE00000', secretAccessKey: 's',
 *   principalArn: 'arn:aws:iam::000000000000:user/alice', policies: [{ Statement: { Effect: 'Allow', Action: 'execute-api:Invoke', Resource: '*' } }] }] })
 */
export function resolveIdentity(decl: unknown, where: { file?: string; path?: string } = {}): { identity: IdentityConfig; problems: ConfigProblem[] } {
  const base = where.path ?? '/identity'
  const problems: ConfigProblem[] = []
  const problem = (path: string, message: string): void => {
    problems.push(where.file === undefined ? { path, message } : { file: where.file, path, message })
  }
  if (decl === undefined || decl === null) return { identity: EMPTY_IDENTITY, problems }
  if (!isRecord(decl)) {
    problem(base, 'identity is a mapping with region, cognito and credentials')
    return { identity: EMPTY_IDENTITY, problems }
  }

  const region = typeof decl.region === 'string' ? decl.region : DEFAULT_IDENTITY_REGION

  let cognito: CognitoIssuerOverrides | undefined
  if (isRecord(decl.cognito)) {
    const c = decl.cognito
    const out: { endpoint?: string; userPools?: Record<string, string> } = {}
    if (typeof c.endpoint === 'string') {
      if (!isHttpUrl(c.endpoint)) problem(`${base}/cognito/endpoint`, `the Cognito endpoint must be an http(s) URL, got ${JSON.stringify(c.endpoint)}`)
      out.endpoint = c.endpoint
    }
    if (isRecord(c.userPools)) {
      const pools: Record<string, string> = {}
      for (const [key, issuer] of Object.entries(c.userPools)) {
        const at = `${base}/cognito/userPools/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`
        if (parseUserPoolArn(key) === undefined && !POOL_ID.test(key)) {
          problem(at, `"${key}" is neither a user pool ARN (arn:aws:cognito-idp:{region}:{account}:userpool/{poolId}) nor a pool id ({region}_{id})`)
        }
        if (typeof issuer !== 'string') continue
        if (!isHttpUrl(issuer)) problem(at, `the issuer standing in for a user pool must be an http(s) URL, got ${JSON.stringify(issuer)}`)
        pools[key] = issuer
      }
      out.userPools = pools
    }
    cognito = out
  }

  const credentials: IamCredential[] = []
  const seen = new Map<string, number>()
  const list = Array.isArray(decl.credentials) ? decl.credentials : []
  list.forEach((raw, i) => {
    const at = `${base}/credentials/${i}`
    if (!isRecord(raw)) return
    const id = raw.accessKeyId
    const secret = raw.secretAccessKey
    const arn = raw.principalArn
    let ok = typeof id === 'string' && typeof secret === 'string' && typeof arn === 'string'
    if (typeof id === 'string') {
      if (!ACCESS_KEY_ID.test(id)) {
        problem(`${at}/accessKeyId`, 'an access key id is 16 to 128 letters, digits or underscores (e.g. AKIAIOSFODNN7EXAMPLE)')
        ok = false
      } else if (seen.has(id)) {
        problem(`${at}/accessKeyId`, `access key ${id} is already declared at ${base}/credentials/${seen.get(id)}`)
        ok = false
      } else seen.set(id, i)
    }
    if (typeof secret === 'string' && secret === '') {
      problem(`${at}/secretAccessKey`, 'the secret access key must not be empty')
      ok = false
    }
    let accountId = ''
    if (typeof arn === 'string') {
      const m = PRINCIPAL_ARN.exec(arn)
      if (m === null) {
        problem(`${at}/principalArn`, `"${arn}" is not an IAM principal ARN (arn:aws:iam::{account}:user/{name}, arn:aws:iam::{account}:role/{name} or arn:aws:sts::{account}:assumed-role/{role}/{session})`)
        ok = false
      } else accountId = m[1] ?? m[2] ?? m[3] ?? ''
    }
    let expiresAt: number | undefined
    if (typeof raw.expiration === 'string') {
      expiresAt = Date.parse(raw.expiration)
      if (Number.isNaN(expiresAt)) {
        problem(`${at}/expiration`, `"${raw.expiration}" is not a date and time (ISO 8601, e.g. 2030-01-01T00:00:00Z)`)
        ok = false
      }
    }
    const policies: object[] = []
    if (Array.isArray(raw.policies)) {
      raw.policies.forEach((policy, j) => {
        if (!isRecord(policy)) return
        try {
          compilePolicy(policy)
          policies.push(policy)
        } catch (err) {
          if (!(err instanceof PolicyError)) throw err
          for (const p of err.problems) problem(`${at}/policies/${j}${p.path}`, p.message)
          ok = false
        }
      })
    }
    if (!ok) return
    const cred: IamCredential = {
      accessKeyId: id as string,
      secretAccessKey: secret as string,
      principalArn: arn as string,
      accountId,
      policies,
    }
    if (typeof raw.sessionToken === 'string') cred.sessionToken = raw.sessionToken
    if (expiresAt !== undefined) cred.expiresAt = expiresAt
    if (typeof raw.userId === 'string') {
      cred.caller = raw.userId
      cred.user = raw.userId
    }
    if (typeof raw.principalOrgId === 'string') cred.principalOrgId = raw.principalOrgId
    credentials.push(cred)
  })

  return { identity: Object.freeze({ region, cognito, credentials: Object.freeze(credentials) }), problems }
}
