// The state of one template being translated: its resources, the intrinsics evaluator, the values resources
// answer to Ref and Fn::GetAtt (a function's name and ARN, an API's id …), and the declarations built so far.

import type { ConfigProblem } from '../../errors.js'
import type { ApiDecl, ApiKeyDecl, DomainDecl, FunctionDecl, StageDecl, UsagePlanDecl } from '../config/config-file.js'
import { isRecord } from '../config/config-file.js'
import { stableId } from '../../model/ids.js'
import { functionArn, isFunctionName } from '../../functions/function-ref.js'
import type { IgnoredResource, TemplateOptions } from './types.js'
import { at, Intrinsics, type ResourceValues } from './intrinsics.js'

/** An API being built: its OpenAPI document and what the config declares beside it. */
export interface ApiBuild {
  logicalId: string
  id: string
  kind: 'rest' | 'http'
  name: string
  doc: Record<string, unknown>
  stages: Record<string, StageDecl>
  extra: Partial<ApiDecl>
  /** The JSON pointer of the resource's Properties. */
  path: string
  /** The JSON pointer of its OpenAPI document when the template holds one (Body, DefinitionBody). */
  docPath?: string
}

/**
 * A custom domain the template declares, with where each of its parts comes from: `origins` maps a pointer
 * inside the declaration (`''`, `/certificateArn`, `/mappings/0`, `/mappings/0/stage` …) to the template's
 * pointer, so that problems found when the domain is built point into the template.
 */
export interface DomainBuild {
  decl: DomainDecl & { mappings: NonNullable<DomainDecl['mappings']> }
  origins: Record<string, string>
}

export interface ResourceDecl {
  Type: string
  Properties: Record<string, unknown>
  Condition?: unknown
}

export const IMPLICIT_REST_API = 'ServerlessRestApi'
export const IMPLICIT_HTTP_API = 'ServerlessHttpApi'

const REST_API_TYPES = new Set(['AWS::Serverless::Api', 'AWS::ApiGateway::RestApi'])
const HTTP_API_TYPES = new Set(['AWS::Serverless::HttpApi', 'AWS::ApiGatewayV2::Api'])
const FUNCTION_TYPES = new Set(['AWS::Serverless::Function', 'AWS::Lambda::Function'])

export class Stack {
  readonly opts: TemplateOptions
  readonly file: string
  readonly region: string
  readonly accountId: string
  readonly resources: Record<string, ResourceDecl>
  readonly ev: Intrinsics
  readonly warnings: ConfigProblem[] = []
  readonly ignored: IgnoredResource[] = []
  readonly apis = new Map<string, ApiBuild>()
  readonly functions: FunctionDecl[] = []
  readonly apiKeys: ApiKeyDecl[] = []
  readonly usagePlans: UsagePlanDecl[] = []
  /** Custom domains (SAM's Domain, AWS::ApiGateway(V2)::DomainName), by lower-case domain name. */
  readonly domains = new Map<string, DomainBuild>()
  /** Resources that exist only because SAM generates them (the implicit APIs, `{Api}{Stage}Stage` …). */
  readonly generated = new Map<string, ResourceValues>()
  /** DefinitionUri files of SAM APIs, read before translation, by the DefinitionUri as written. */
  readonly definitions = new Map<string, unknown>()
  /** Outputs of nested applications, by the application's logical id. */
  readonly nested = new Map<string, (output: string, path: string) => unknown>()
  readonly #refs = new Map<string, string>()

  constructor(opts: TemplateOptions, resources: Record<string, ResourceDecl>, env: Omit<ConstructorParameters<typeof Intrinsics>[0], 'resource' | 'file'>) {
    this.opts = opts
    this.file = opts.file
    this.resources = resources
    this.region = String(env.pseudo['AWS::Region'])
    this.accountId = String(env.pseudo['AWS::AccountId'])
    this.ev = new Intrinsics({ ...env, file: opts.file, resource: (id) => this.#values(id) })
  }

  get problems(): ConfigProblem[] {
    return this.ev.problems
  }

  problem(path: string, message: string): undefined {
    return this.ev.problem(path, message)
  }

  warn(path: string, message: string): void {
    this.warnings.push({ file: this.file, path, message })
  }

  ignore(logicalId: string, type: string, reason: string): void {
    this.ignored.push({ logicalId, type, reason })
  }

  /** A property of a resource, evaluated. */
  prop(logicalId: string, name: string): unknown {
    const r = this.resources[logicalId]
    return r === undefined ? undefined : this.ev.evaluate(r.Properties[name], at('/Resources', logicalId, 'Properties', name))
  }

  /** The logical id of the resource whose Ref gave `value`, if any. */
  logicalIdOf(value: unknown): string | undefined {
    return typeof value === 'string' ? this.#refs.get(value) : undefined
  }

  /** The id Gatehouse gives the API declared by `logicalId`: stable across restarts. */
  apiId(logicalId: string): string {
    return this.#remember(stableId(`template-api:${logicalId}`, 10), logicalId)
  }

  /** The function name of a function resource: its FunctionName, else its logical id (Lambda's 64-character rule). */
  functionName(logicalId: string): string {
    const given = this.resources[logicalId] ? this.ev.evaluate(this.resources[logicalId]!.Properties.FunctionName, at('/Resources', logicalId, 'Properties', 'FunctionName')) : undefined
    const name = typeof given === 'string' && isFunctionName(given) ? given : logicalId.slice(0, 64)
    return this.#remember(name, logicalId)
  }

  functionArn(logicalId: string): string {
    return functionArn(this.functionName(logicalId), this.region, this.accountId)
  }

  /** A Lambda integration URI naming the function `logicalId`. */
  invocationUri(functionArnValue: string): string {
    return `arn:aws:apigateway:${this.region}:lambda:path/2015-03-31/functions/${functionArnValue}/invocations`
  }

  /** A stable id for a resource whose Ref is an opaque id (a resource, a key, a plan …). */
  opaqueId(logicalId: string, length = 10): string {
    return this.#remember(stableId(`template:${logicalId}`, length), logicalId)
  }

  #remember(value: string, logicalId: string): string {
    this.#refs.set(value, logicalId)
    return value
  }

  /** Whether a resource exists once its Condition is applied. */
  exists(logicalId: string): boolean {
    const r = this.resources[logicalId]
    if (r === undefined) return this.generated.has(logicalId)
    return r.Condition === undefined || this.ev.condition(r.Condition, at('/Resources', logicalId, 'Condition'))
  }

  #values(logicalId: string): ResourceValues | undefined {
    const generated = this.generated.get(logicalId)
    if (generated !== undefined) return generated
    const r = this.resources[logicalId]
    if (r === undefined) return undefined
    const type = r.Type
    const arn = (service: string, rest: string): string => `arn:aws:${service}:${this.region}:${this.accountId}:${rest}`
    if (FUNCTION_TYPES.has(type)) {
      return { ref: () => this.functionName(logicalId), getAtt: (a) => (a === 'Arn' ? this.functionArn(logicalId) : placeholder(logicalId, a)) }
    }
    if (REST_API_TYPES.has(type) || HTTP_API_TYPES.has(type)) {
      return {
        ref: () => this.apiId(logicalId),
        getAtt: (a) => {
          if (a === 'RootResourceId') return this.opaqueId(`${logicalId}/`, 10)
          if (a === 'ApiEndpoint') return `https://${this.apiId(logicalId)}.execute-api.${this.region}.amazonaws.com`
          if (a === 'ApiId' || a === 'RestApiId') return this.apiId(logicalId)
          return placeholder(logicalId, a)
        },
      }
    }
    if (type === 'AWS::ApiGateway::Stage' || type === 'AWS::ApiGatewayV2::Stage') {
      return { ref: () => this.#remember(String(this.prop(logicalId, 'StageName') ?? logicalId), logicalId), getAtt: (a) => placeholder(logicalId, a) }
    }
    if (type === 'AWS::ApiGateway::DomainName' || type === 'AWS::ApiGatewayV2::DomainName') {
      // Ref is the domain name itself; BasePathMapping and ApiMapping name their domain with it.
      return { ref: () => this.#remember(String(this.prop(logicalId, 'DomainName') ?? logicalId).toLowerCase(), logicalId), getAtt: (a) => placeholder(logicalId, a) }
    }
    if (type === 'AWS::CertificateManager::Certificate') {
      // A stable ARN, so that a config file's certificates: can map it (the domain's warning prints it).
      return { ref: () => this.#remember(arn('acm', `certificate/${stableId(`certificate:${logicalId}`, 12)}`), logicalId), getAtt: (a) => placeholder(logicalId, a) }
    }
    if (type === 'AWS::Cognito::UserPool') {
      const poolId = `${this.region}_${stableId(`pool:${logicalId}`, 9).toUpperCase()}`
      return {
        ref: () => this.#remember(poolId, logicalId),
        getAtt: (a) => (a === 'Arn' ? arn('cognito-idp', `userpool/${poolId}`) : a === 'ProviderName' ? `cognito-idp.${this.region}.amazonaws.com/${poolId}` : a === 'ProviderURL' ? `https://cognito-idp.${this.region}.amazonaws.com/${poolId}` : placeholder(logicalId, a)),
      }
    }
    if (type === 'AWS::Serverless::Application') {
      return {
        ref: () => arn('cloudformation', `stack/${logicalId}/00000000-0000-0000-0000-000000000000`),
        getAtt: (a) => {
          const nested = this.nested.get(logicalId)
          if (a.startsWith('Outputs.') && nested !== undefined) return nested(a.slice('Outputs.'.length), at('/Resources', logicalId))
          return a.startsWith('Outputs.') ? undefined : placeholder(logicalId, a)
        },
      }
    }
    if (type === 'AWS::IAM::Role') return { ref: () => logicalId, getAtt: (a) => (a === 'Arn' ? `arn:aws:iam::${this.accountId}:role/${logicalId}` : placeholder(logicalId, a)) }
    const service = /^AWS::([A-Za-z0-9]+)::/.exec(type)?.[1]?.toLowerCase() ?? 'unknown'
    return { ref: () => this.opaqueId(logicalId), getAtt: (a) => (a === 'Arn' ? arn(service, logicalId) : placeholder(logicalId, a)) }
  }
}

/** The value of an attribute Gatehouse has no use for: a recognisable string, never used to route requests. */
function placeholder(logicalId: string, attribute: string): string {
  return `${logicalId}-${attribute.replace(/[^A-Za-z0-9]/g, '-')}`
}

export function props(r: unknown): Record<string, unknown> {
  return isRecord(r) && isRecord(r.Properties) ? r.Properties : {}
}
