// A stage's canary and access log settings as templates write them — SAM's `CanarySetting` and
// `AccessLogSetting(s)`, AWS::ApiGateway::Stage's `CanarySetting` and `AccessLogSetting`, a Deployment's
// `DeploymentCanarySettings` and `StageDescription`, AWS::ApiGatewayV2::Stage's `AccessLogSettings` — as the
// config file's `canarySettings` and `accessLogSettings`. Values arrive evaluated (intrinsics done).

import { isRecord, type CanaryDecl, type StageDecl } from '../config/config-file.js'
import type { AccessLogSettings } from '../../model/types.js'
import { at } from './intrinsics.js'
import type { Stack } from './stack.js'

const VARIABLE_NAME = /^[A-Za-z0-9_]+$/

/**
 * A canary (PercentTraffic, StageVariableOverrides, UseStageCache) as `canarySettings`; undefined, with a
 * problem at `path`, when it cannot be one. `DeploymentId` is not needed: the canary runs the API as the template
 * declares it (a template holds one definition of an API), with its overrides.
 */
export function canaryOf(stack: Stack, raw: unknown, path: string): CanaryDecl | undefined {
  if (!isRecord(raw)) return stack.problem(path, 'a canary setting is a mapping (PercentTraffic, StageVariableOverrides, UseStageCache)')
  const canary: CanaryDecl = {}
  if (raw.PercentTraffic !== undefined) {
    const n = typeof raw.PercentTraffic === 'number' ? raw.PercentTraffic : typeof raw.PercentTraffic === 'string' && raw.PercentTraffic.trim() !== '' ? Number(raw.PercentTraffic) : NaN
    if (!Number.isFinite(n) || n < 0 || n > 100) return stack.problem(at(path, 'PercentTraffic'), `PercentTraffic is a number from 0.0 to 100.0 (the share of requests sent to the canary), got ${JSON.stringify(raw.PercentTraffic)}`)
    canary.percentTraffic = n
  }
  if (raw.StageVariableOverrides !== undefined) {
    if (!isRecord(raw.StageVariableOverrides)) return stack.problem(at(path, 'StageVariableOverrides'), 'StageVariableOverrides is a mapping of stage variable names to values')
    const overrides: Record<string, string> = {}
    for (const [k, v] of Object.entries(raw.StageVariableOverrides)) {
      if (!VARIABLE_NAME.test(k)) return stack.problem(at(path, 'StageVariableOverrides', k), `"${k}" is not a stage variable name (letters, digits and _)`)
      if (v === undefined || typeof v === 'object') return stack.problem(at(path, 'StageVariableOverrides', k), 'a stage variable override is a string')
      overrides[k] = String(v)
    }
    canary.stageVariableOverrides = overrides
  }
  if (raw.UseStageCache !== undefined) {
    if (raw.UseStageCache !== true && raw.UseStageCache !== false && raw.UseStageCache !== 'true' && raw.UseStageCache !== 'false') return stack.problem(at(path, 'UseStageCache'), 'UseStageCache is true or false')
    canary.useStageCache = raw.UseStageCache === true || raw.UseStageCache === 'true'
  }
  return canary
}

/**
 * An access log setting (DestinationArn, Format) as `accessLogSettings`. A format written over several lines
 * (a YAML block) is joined into one, as the gateway prints one line per request.
 */
export function accessLogOf(stack: Stack, raw: unknown, path: string): AccessLogSettings | undefined {
  if (!isRecord(raw)) return stack.problem(path, 'an access log setting is a mapping (DestinationArn, Format)')
  const out: AccessLogSettings = {}
  if (raw.DestinationArn !== undefined) {
    if (typeof raw.DestinationArn !== 'string' || raw.DestinationArn === '') return stack.problem(at(path, 'DestinationArn'), 'DestinationArn is the ARN of a CloudWatch Logs log group or a Firehose stream')
    out.destinationArn = raw.DestinationArn
  }
  if (raw.Format !== undefined) {
    const format = typeof raw.Format === 'string' ? raw.Format.trim().replace(/\s*[\r\n]+\s*/g, ' ') : ''
    if (format === '') return stack.problem(at(path, 'Format'), 'Format is the access log line, with $context variables (e.g. $context.requestId)')
    out.format = format
  }
  return out
}

/** A stage's `CanarySetting` (REST only) and access log setting, from the properties of whatever declares it. */
export function addStageSettings(stack: Stack, stage: StageDecl, p: Record<string, unknown>, path: string, names: { canary?: string; accessLog: string }): void {
  const logs = p[names.accessLog]
  if (logs !== undefined) {
    const settings = accessLogOf(stack, logs, at(path, names.accessLog))
    if (settings !== undefined) stage.accessLogSettings = settings
  }
  const canary = names.canary === undefined ? undefined : p[names.canary]
  if (canary !== undefined) {
    const settings = canaryOf(stack, canary, at(path, names.canary!))
    if (settings !== undefined) stage.canarySettings = settings
  }
}
