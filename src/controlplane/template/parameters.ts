// A template's Parameters given their values: `--parameter-overrides` over each Default, checked against
// AllowedValues, list types split, SSM parameter types taken from their default (Gatehouse reads no SSM), and
// the pseudo parameters (AWS::Region …). Every problem has the JSON pointer of the parameter. Pure.

import type { ConfigProblem } from '../../errors.js'
import { isRecord } from '../config/config-file.js'
import { at } from './intrinsics.js'

export const DEFAULT_REGION = 'us-east-1'
export const DEFAULT_ACCOUNT_ID = '123456789012'

export interface ParameterValues {
  values: Map<string, unknown>
  problems: ConfigProblem[]
  warnings: ConfigProblem[]
}

/**
 * Parameter values: the override, else the Default. A parameter with neither, an override of a parameter the
 * template does not declare, and a value outside AllowedValues are problems (as `aws cloudformation deploy`
 * refuses them).
 */
export function parameterValues(parameters: unknown, overrides: Record<string, string>, file: string): ParameterValues {
  const out: ParameterValues = { values: new Map(), problems: [], warnings: [] }
  const declared = isRecord(parameters) ? parameters : {}
  if (parameters !== undefined && !isRecord(parameters)) out.problems.push({ file, path: '/Parameters', message: 'Parameters is a mapping of parameter names to declarations' })
  for (const key of Object.keys(overrides)) {
    if (!(key in declared)) {
      const known = Object.keys(declared)
      out.problems.push({ file, path: '--parameter-overrides', message: `${key}: the template declares no parameter of that name${known.length ? ` (it has ${known.join(', ')})` : ''}` })
    }
  }
  for (const [name, decl] of Object.entries(declared)) {
    const path = at('/Parameters', name)
    if (!isRecord(decl)) {
      out.problems.push({ file, path, message: 'a parameter is a mapping with at least a Type' })
      continue
    }
    const type = typeof decl.Type === 'string' ? decl.Type : 'String'
    const given = overrides[name]
    const raw = given ?? (decl.Default === undefined ? undefined : stringOf(decl.Default))
    if (raw === undefined) {
      out.problems.push({ file, path, message: `parameter ${name} has no Default: give it with --parameter-overrides ${name}=VALUE` })
      continue
    }
    if (type.startsWith('AWS::SSM::Parameter::Value<')) {
      out.warnings.push({ file, path, message: `${name} is read from SSM Parameter Store in AWS; Gatehouse reads no SSM and uses "${raw}" (${given !== undefined ? 'the override' : 'the Default'}) as the value itself` })
    }
    const allowed = Array.isArray(decl.AllowedValues) ? decl.AllowedValues.map(stringOf) : undefined
    if (allowed !== undefined && !isList(type) && !allowed.includes(raw)) {
      out.problems.push({ file, path: given !== undefined ? '--parameter-overrides' : at(path, 'Default'), message: `${name} must be one of ${allowed.join(', ')}; got "${raw}"` })
      continue
    }
    if (typeof decl.AllowedPattern === 'string' && !isList(type)) {
      let re: RegExp | undefined
      try {
        re = new RegExp(`^(?:${decl.AllowedPattern})$`, 'u')
      } catch {
        re = undefined
      }
      if (re !== undefined && !re.test(raw)) {
        out.problems.push({ file, path: given !== undefined ? '--parameter-overrides' : at(path, 'Default'), message: `${name}: "${raw}" does not match AllowedPattern ${decl.AllowedPattern}` })
        continue
      }
    }
    if (type === 'Number' && !Number.isFinite(Number(raw))) {
      out.problems.push({ file, path: given !== undefined ? '--parameter-overrides' : at(path, 'Default'), message: `${name} is a Number; got "${raw}"` })
      continue
    }
    out.values.set(name, isList(type) ? raw.split(',').map((s) => s.trim()) : raw)
  }
  return out
}

function isList(type: string): boolean {
  return type === 'CommaDelimitedList' || type.startsWith('List<')
}

function stringOf(v: unknown): string {
  return Array.isArray(v) ? v.map(String).join(',') : String(v)
}

/** The pseudo parameters as a template served by Gatehouse sees them. */
export function pseudoParameters(opts: { region?: string; accountId?: string; stackName: string }): Record<string, unknown> {
  const region = opts.region ?? DEFAULT_REGION
  const accountId = opts.accountId ?? DEFAULT_ACCOUNT_ID
  const partition = region.startsWith('cn-') ? 'aws-cn' : region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws'
  return {
    'AWS::Region': region,
    'AWS::AccountId': accountId,
    'AWS::StackName': opts.stackName,
    'AWS::StackId': `arn:${partition}:cloudformation:${region}:${accountId}:stack/${opts.stackName}/00000000-0000-0000-0000-000000000000`,
    'AWS::Partition': partition,
    'AWS::URLSuffix': partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com',
    'AWS::NotificationARNs': [],
  }
}
