// Builds the Stage documents of one API from its declared stages (or the CLI's single stage), checking the
// rules that depend on the API type (§1.6 REST stages, §3.3 HTTP stages). Stage documents are kept as
// declared: AWS's recorded defaults for methodSettings are the compiler's business.

import type { ConfigProblem } from '../../errors.js'
import type { Api, CanarySettings, HttpMethod, Stage } from '../../model/types.js'
import type { StageDecl } from './config-file.js'
import { isRecord } from './config-file.js'
import type { Where } from './api-source.js'
import { pointerSegment } from './schema-check.js'

const REST_STAGE_NAME = /^[A-Za-z0-9_-]{1,128}$/
/** §11.3: an HTTP API access log format is at most 3 KB. */
const HTTP_ACCESS_LOG_MAX_BYTES = 3072

export interface StageInput {
  kind: 'REST' | 'HTTP'
  apiId: string
  /** The imported API, for warnings about settings that name no route or method; absent if import failed. */
  api?: Api
  deploymentId: string
  /** Stage name → declaration. */
  decls: Record<string, StageDecl>
  /**
   * Where the stages were named: a config-file stages map (`/apis/0/stages`, one key per stage) or a flag
   * (`--stage`, for the stage made when an API declares none).
   */
  where: Where & { perStage: boolean }
  /** Variables merged over every stage's own (CLI `--stage-variable`, which wins). */
  extraVariables: Record<string, string>
  /** Stage name → canary deployment id, for canaries that run a different definition. */
  canaryDeploymentIds: Record<string, string>
  now: string
}

/** Checks a stage name for an API type; returns the problem message, or undefined when it is fine. */
export function stageNameProblem(name: string, kind: 'REST' | 'HTTP'): string | undefined {
  if (name === '$default') return kind === 'HTTP' ? undefined : '"$default" stages exist only on HTTP APIs; REST stage names are 1–128 letters, digits, "-" or "_"'
  if (REST_STAGE_NAME.test(name)) return undefined
  return `invalid stage name "${name}": stage names are 1–128 letters, digits, "-" or "_"` + (kind === 'HTTP' ? ' (or "$default")' : '')
}

export function buildStages(input: StageInput): { stages: Stage[]; problems: ConfigProblem[]; warnings: ConfigProblem[] } {
  const problems: ConfigProblem[] = []
  const warnings: ConfigProblem[] = []
  const stages: Stage[] = []
  const { where, kind } = input
  const problem = (path: string, message: string): void => {
    problems.push(where.file === undefined ? { path, message } : { file: where.file, path, message })
  }
  const warn = (path: string, message: string): void => {
    warnings.push(where.file === undefined ? { path, message } : { file: where.file, path, message })
  }

  for (const [stageName, rawDecl] of Object.entries(input.decls)) {
    const base = where.perStage ? `${where.path}/${pointerSegment(stageName)}` : where.path
    const nameProblem = stageNameProblem(stageName, kind)
    if (nameProblem) problem(base, nameProblem)
    // Ill-typed declarations were reported by the schema check; build from what is usable.
    const decl: StageDecl = isRecord(rawDecl) ? rawDecl : {}
    const fieldPath = (field: string): string => (where.perStage ? `${base}/${field}` : base)

    if (kind === 'HTTP') {
      for (const field of ['methodSettings', 'canarySettings', 'tracingEnabled', 'cacheClusterEnabled', 'cacheClusterSize'] as const) {
        if (decl[field] !== undefined) {
          problem(fieldPath(field), field === 'methodSettings'
            ? 'methodSettings apply to REST stages; HTTP API stages use defaultRouteSettings and routeSettings'
            : `${field} applies to REST stages only`)
        }
      }
      const format = decl.accessLogSettings?.format
      if (typeof format === 'string' && Buffer.byteLength(format) > HTTP_ACCESS_LOG_MAX_BYTES) {
        problem(fieldPath('accessLogSettings') + '/format', `an HTTP API access log format is at most 3 KB (this one is ${Buffer.byteLength(format)} bytes) (§11.3)`)
      }
    } else {
      for (const field of ['defaultRouteSettings', 'routeSettings'] as const) {
        if (decl[field] !== undefined) problem(fieldPath(field), `${field} apply to HTTP API stages; REST stages use methodSettings`)
      }
    }

    const own = isRecord(decl.variables) ? decl.variables : {}
    const variables = { ...own, ...input.extraVariables }
    if (Object.keys(own).length <= 100 && Object.keys(variables).length > 100) {
      problem(fieldPath('variables'), `a stage has at most 100 stage variables (§1.6); with --stage-variable this one has ${Object.keys(variables).length}`)
    }

    if (input.api) {
      for (const w of unmatchedSettings(input.api, decl)) warn(fieldPath(w.field) + '/' + pointerSegment(w.key), w.message)
    }

    const stage: Stage = {
      apiId: input.apiId,
      stageName,
      deploymentId: input.deploymentId,
      variables,
      methodSettings: isRecord(decl.methodSettings) ? { ...decl.methodSettings } : {},
      tags: isRecord(decl.tags) ? { ...decl.tags } : {},
      createdDate: input.now,
      lastUpdatedDate: input.now,
    }
    if (decl.description !== undefined) stage.description = decl.description
    if (decl.defaultRouteSettings !== undefined) stage.defaultRouteSettings = decl.defaultRouteSettings
    if (decl.routeSettings !== undefined) stage.routeSettings = decl.routeSettings
    if (decl.accessLogSettings !== undefined) stage.accessLogSettings = decl.accessLogSettings
    if (decl.tracingEnabled !== undefined) stage.tracingEnabled = decl.tracingEnabled
    if (decl.cacheClusterEnabled !== undefined) stage.cacheClusterEnabled = decl.cacheClusterEnabled
    if (decl.cacheClusterSize !== undefined) stage.cacheClusterSize = decl.cacheClusterSize
    if (isRecord(decl.canarySettings)) {
      const c = decl.canarySettings
      const canary: CanarySettings = {
        // §1.6: a new canary starts on the stage's own deployment; a canary definition gives it its own.
        percentTraffic: typeof c.percentTraffic === 'number' ? c.percentTraffic : 0,
        deploymentId: input.canaryDeploymentIds[stageName] ?? input.deploymentId,
        stageVariableOverrides: isRecord(c.stageVariableOverrides) ? { ...(c.stageVariableOverrides as Record<string, string>) } : {},
        useStageCache: c.useStageCache === true,
      }
      stage.canarySettings = canary
    }
    stages.push(stage)
  }
  return { stages, problems, warnings }
}

/** methodSettings / routeSettings entries that name no method or route of the API: almost always a typo. */
function unmatchedSettings(api: Api, decl: StageDecl): Array<{ field: string; key: string; message: string }> {
  const out: Array<{ field: string; key: string; message: string }> = []
  if (api.kind === 'REST' && isRecord(decl.methodSettings)) {
    const byPath = new Map(Object.values(api.resources).map((r) => [r.path, r]))
    for (const key of Object.keys(decl.methodSettings)) {
      const slash = key.lastIndexOf('/')
      if (slash < 0) continue
      const rawPath = key.slice(0, slash)
      const method = key.slice(slash + 1)
      if (rawPath === '*') continue
      const path = rawPath.replace(/~1/g, '/').replace(/~0/g, '~')
      const resource = byPath.get(path)
      if (!resource) {
        out.push({ field: 'methodSettings', key, message: `no resource ${path} in this API; the setting has no effect` })
      } else if (method !== '*' && !resource.resourceMethods[method as HttpMethod] && !resource.resourceMethods.ANY) {
        out.push({ field: 'methodSettings', key, message: `no ${method} method on ${path} in this API; the setting has no effect` })
      }
    }
  }
  if (api.kind === 'HTTP' && isRecord(decl.routeSettings)) {
    const keys = new Set(Object.values(api.routes).map((r) => r.routeKey))
    for (const key of Object.keys(decl.routeSettings)) {
      if (!keys.has(key)) out.push({ field: 'routeSettings', key, message: `no route "${key}" in this API; the setting has no effect` })
    }
  }
  return out
}
