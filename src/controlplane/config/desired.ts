// The desired state: everything the user declared (a gatehouse.yaml config file and/or CLI flags), read,
// imported and validated into the model objects the store holds — APIs, deployments, stages, settings,
// function declarations, API keys and usage plans — or one ConfigError that lists every problem across every file.

import { basename, dirname, extname, isAbsolute, relative, resolve } from 'node:path'
import { ConfigError } from '../../errors.js'
import type { ConfigProblem } from '../../errors.js'
import type { Api, ApiKey, Deployment, DomainName, GatewaySettings, Stage, UsagePlan } from '../../model/types.js'
import { stableId } from '../../model/ids.js'
import { stageVariablesSchema } from '../../model/schemas.js'
import type { ApiDecl, ConfigFileDecl, FunctionDecl, StageDecl } from './config-file.js'
import { isRecord, readConfigFile } from './config-file.js'
import type { Where } from './api-source.js'
import { applyApiOverrides, checkApiDecl, importDefinition, readDefinitionFile, titleOf } from './api-source.js'
import { buildStages } from './stages.js'
import { buildWebSocketApi } from './websocket-api.js'
import { canonicalJson } from './canonical.js'
import { checkSchema, pointerSegment } from './schema-check.js'
import { buildUsagePlans } from './usage-plans.js'
import { buildDomains } from './domains.js'
import { resolveIdentity, type IdentityConfig } from '../../auth/identity.js'
import { allowedHostProblem } from '../admin-guard.js'
import { edgeLimits, type EdgeLimits } from '../../dataplane/limits.js'
import type { WsLimits } from '../../dataplane/websocket/server.js'
import { readTemplate, type IgnoredResource, type TemplateOptions, type TemplateResult } from '../template/index.js'
import { redirectCognitoIssuers } from '../template/cognito-issuers.js'

export { planStoreChanges, stageDocId, FILE_ORIGIN } from './store-plan.js'
export type { CurrentDocs } from './store-plan.js'

/** What the user gave: a config file and/or CLI flags. */
export interface Sources {
  /** Path to gatehouse.yaml / gatehouse.json (relative to `cwd`). */
  configFile?: string
  /**
   * `--template FILE`: an AWS SAM / CloudFormation template (or a Serverless Framework serverless.yml), relative
   * to `cwd`. Its APIs, functions, keys and plans are served beside the config file's; listeners, dataDir and the
   * rest come from the config file (docs/templates.md).
   */
  template?: string
  /** `--parameter-overrides K=V`: values of the template's Parameters. */
  parameterOverrides?: Record<string, string>
  /** `--rest-api FILE` (repeatable), relative to `cwd`. */
  restApis: string[]
  /** `--http-api FILE` (repeatable), relative to `cwd`. */
  httpApis: string[]
  /**
   * `--stage NAME` (default `dev`): the stage of CLI-given APIs, and of config-file APIs that declare no
   * stages. `$default` is allowed for HTTP APIs only.
   */
  stage?: string
  /**
   * `--stage-variable K=V`: merged over the variables of EVERY stage produced, CLI-given or declared in the
   * config file, the CLI value winning — so `--stage-variable backend=…` redirects a configured API for one run.
   */
  stageVariables: Record<string, string>
  /** `--functions DIR`, relative to `cwd`; wins over the config file's `functionsDir`. */
  functionsDir?: string
  /**
   * `--deployment-history N`: deployments kept per API beyond those a stage or canary points at; wins over the
   * config file's `deploymentHistory` (docs/deployments.md).
   */
  deploymentHistory?: number
  /** Directory CLI paths resolve against (default: `process.cwd()`). */
  cwd?: string
  /** Clock for `createdDate` fields (default: the system clock). */
  now?: () => Date
}

/** The admin listener: its bearer token, and the Host names it answers to besides its own (admin-guard.ts). */
export type AdminListenerConfig = ListenerConfig & {
  token?: string
  allowedHosts?: string[]
  /** Access keys the AWS SDKs and CLI sign admin requests with (SigV4, verified). */
  credentials?: Array<{ accessKeyId: string; secretAccessKey: string }>
  /** AWS's control-plane rate limit: beyond it, 429 TooManyRequestsException. */
  throttle?: { rateLimit: number; burstLimit: number }
}

export interface ListenerConfig {
  port?: number
  host?: string
}

export interface DesiredState {
  apis: Api[]
  deployments: Deployment[]
  stages: Stage[]
  settings: GatewaySettings
  /** Validated function declarations (`module` resolved to an absolute path), passed through. */
  functions: unknown[]
  /** API keys of the config file; `value` is '' where the file gives none (the store planner fills it in). */
  apiKeys: ApiKey[]
  usagePlans: UsagePlan[]
  /** Custom domain names of the config file (`domains:`), with their mappings resolved to API ids. */
  domains: DomainName[]
  /** The config file's `identity` section, checked (region, Cognito pools, IAM credentials). */
  identity: IdentityConfig
  /**
   * `tls.truststore` (absolute) turns on mutual TLS (§7.8); `requireClientCert` is then true unless set false.
   * `limits`: the edge's timeouts and connection cap as given (defaults filled in by the data plane).
   */
  listeners: {
    http?: ListenerConfig & { limits?: Partial<EdgeLimits>; websocket?: Partial<WsLimits>; tls?: { cert: string; key: string; truststore?: string; requireClientCert?: boolean } }
    /** The HTTPS listener of custom domains (SNI), when configured. */
    https?: ListenerConfig
    admin?: AdminListenerConfig
  }
  /** Absolute. */
  dataDir?: string
  /** Absolute. */
  functionsDir?: string
  /** The config file's `configStore` URL (PostgreSQL), as written. */
  configStore?: string
  logging: { level: string; accessLogs: boolean }
  warnings: ConfigProblem[]
  /** Resources of the `--template` that are not served, one line each for the user. */
  ignored?: IgnoredResource[]
  /**
   * Every file read, for hot-reload watching (config file + referenced OpenAPI files), absolute. Files that
   * were named but missing are included, so that creating them can trigger a reload.
   */
  files: string[]
}

/**
 * The id of a deployment: derived from the API id and the snapshot's content (its `createdDate` aside), so
 * that a restart with unchanged files gives the same deployment and any change to the API gives a new one.
 */
export function deploymentIdFor(api: Api): string {
  return stableId(`${api.id}:${canonicalJson({ ...api, createdDate: undefined })}`, 6)
}

/** The deployment of an API as it now stands. `createdDate` is this load's time; the store planner keeps the first one. */
export function deploymentOf(api: Api, createdDate: string): Deployment {
  return { id: deploymentIdFor(api), apiId: api.id, createdDate, snapshot: api }
}

/** The stable id of an API that has no explicit `id`: from its type and name. */
export function apiIdFor(type: 'rest' | 'http' | 'websocket', name: string): string {
  return stableId(`${type}:${name}`, 10)
}

interface ApiEntry {
  id: string
  name: string
  kind: 'REST' | 'HTTP'
  /** How to name this API to the user, e.g. `petstore (gatehouse.yaml /apis/0)`. */
  label: string
  /** Where an id collision is reported. */
  where: Where
  api?: Api
}

/**
 * Reads and validates everything; throws ConfigError listing EVERY problem (file + path + message) across
 * all files. Relative paths in the config file resolve against its directory; CLI paths against `cwd`.
 */
export async function loadDesiredState(sources: Sources): Promise<DesiredState> {
  const loader = new Loader(sources)
  return loader.load()
}

class Loader {
  readonly #sources: Sources
  readonly #cwd: string
  readonly #now: string
  readonly #problems: ConfigProblem[] = []
  readonly #warnings: ConfigProblem[] = []
  readonly #files: string[] = []
  readonly #entries: ApiEntry[] = []
  readonly #deployments = new Map<string, Deployment>()
  readonly #stages: Stage[] = []
  readonly #cliStage: string
  readonly #cliVariables: Record<string, string>
  #configDir: string
  #configFile: string | undefined

  constructor(sources: Sources) {
    this.#sources = sources
    this.#cwd = resolve(sources.cwd ?? process.cwd())
    this.#now = (sources.now?.() ?? new Date()).toISOString()
    this.#cliStage = sources.stage ?? 'dev'
    this.#cliVariables = { ...(sources.stageVariables ?? {}) }
    this.#configDir = this.#cwd
  }

  async load(): Promise<DesiredState> {
    this.#problems.push(...checkSchema(stageVariablesSchema, this.#cliVariables, { prefix: '--stage-variable' }))

    let config: ConfigFileDecl | undefined
    if (this.#sources.configFile !== undefined) {
      const abs = resolve(this.#cwd, this.#sources.configFile)
      this.#files.push(abs)
      this.#configDir = dirname(abs)
      this.#configFile = this.#display(abs)
      const read = await readConfigFile(abs, this.#configFile)
      this.#problems.push(...read.problems)
      this.#warnings.push(...read.warnings)
      config = read.config
    }

    const template = await this.#readTemplate()
    const identity = resolveIdentity(config?.identity, this.#configFile === undefined ? {} : { file: this.#configFile })
    this.#problems.push(...identity.problems)
    redirectCognitoIssuers(template?.config?.apis ?? [], identity.identity.cognito)
    const decls: unknown[] = Array.isArray(config?.apis) ? config.apis : []
    for (const [i, decl] of decls.entries()) if (isRecord(decl)) await this.#loadConfigApi(decl as unknown as ApiDecl, { file: this.#configFile, base: `/apis/${i}` })
    for (const [i, decl] of (template?.config?.apis ?? []).entries()) {
      await this.#loadConfigApi(decl, { file: template!.file, base: template!.origins?.apis?.[i] ?? '/Resources' })
    }
    for (const file of this.#sources.restApis ?? []) await this.#loadCliApi(file, 'REST')
    for (const file of this.#sources.httpApis ?? []) await this.#loadCliApi(file, 'HTTP')

    this.#checkIdCollisions()
    const settings: GatewaySettings = {}
    const defaultApiId = this.#resolveDefaultApi(config?.defaultApi)
    if (defaultApiId !== undefined) settings.defaultApiId = defaultApiId
    if (this.#sources.deploymentHistory !== undefined) settings.deploymentHistory = this.#sources.deploymentHistory
    else if (typeof config?.deploymentHistory === 'number') settings.deploymentHistory = config.deploymentHistory
    const functions = this.#functions([...(Array.isArray(config?.functions) ? config.functions : []), ...(template?.config?.functions ?? [])])
    const usage = buildUsagePlans({
      apiKeys: [...(Array.isArray(config?.apiKeys) ? config.apiKeys : []), ...(template?.config?.apiKeys ?? [])],
      usagePlans: [...(Array.isArray(config?.usagePlans) ? config.usagePlans : []), ...(template?.config?.usagePlans ?? [])],
      apis: this.#entries.map((e) => ({ id: e.id, name: e.name, kind: e.kind, ...(e.api?.kind === 'HTTP' && e.api.protocolType === 'WEBSOCKET' ? { protocolType: 'WEBSOCKET' as const } : {}) })),
      stages: this.#stages,
      file: this.#configFile ?? template?.file,
      now: this.#now,
    })
    this.#problems.push(...usage.problems)
    const domains = await buildDomains({
      domains: config?.domains,
      certificates: config?.certificates,
      apis: this.#entries.map((e) => ({ id: e.id, name: e.name, kind: e.kind })),
      stages: this.#stages,
      file: this.#configFile,
      dir: this.#configDir,
      now: this.#now,
      ...(template?.config?.domains !== undefined ? { template: { file: template.file, dir: dirname(resolve(this.#cwd, this.#sources.template!)), decls: template.config.domains, origins: template.origins?.domains ?? [] } } : {}),
    })
    this.#problems.push(...domains.problems)
    this.#warnings.push(...domains.warnings)
    this.#files.push(...domains.files)
    if (domains.certificates !== undefined) settings.certificates = domains.certificates
    const listeners = this.#listeners(config?.listeners)

    if (this.#problems.length) throw new ConfigError(this.#problems)

    const state: DesiredState = {
      apis: this.#entries.flatMap((e) => (e.api ? [e.api] : [])),
      deployments: [...this.#deployments.values()],
      stages: this.#stages,
      settings,
      functions,
      apiKeys: usage.apiKeys,
      usagePlans: usage.usagePlans,
      domains: domains.domains,
      identity: identity.identity,
      listeners,
      logging: { level: config?.logging?.level ?? 'info', accessLogs: config?.logging?.accessLogs ?? true },
      warnings: this.#warnings,
      ...(template !== undefined ? { ignored: template.ignored } : {}),
      files: [...new Set(this.#files)],
    }
    if (typeof config?.dataDir === 'string') state.dataDir = resolve(this.#configDir, config.dataDir)
    if (typeof config?.configStore === 'string') state.configStore = config.configStore
    if (this.#sources.functionsDir !== undefined) state.functionsDir = resolve(this.#cwd, this.#sources.functionsDir)
    else if (typeof config?.functionsDir === 'string') state.functionsDir = resolve(this.#configDir, config.functionsDir)
    return state
  }

  /** A path as the user will recognise it: relative to cwd when it lies below it. */
  #display(abs: string): string {
    const rel = relative(this.#cwd, abs)
    return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : abs
  }

  #problem(where: Where, path: string, message: string): void {
    this.#problems.push(where.file === undefined ? { path, message } : { file: where.file, path, message })
  }

  /** `--template`: read and translated into declarations; its problems, warnings and files joined to the load's. */
  async #readTemplate(): Promise<(TemplateResult & { file: string }) | undefined> {
    if (this.#sources.template === undefined) return undefined
    const abs = resolve(this.#cwd, this.#sources.template)
    const file = this.#display(abs)
    const opts: TemplateOptions = { file, dir: dirname(abs), parameterOverrides: this.#sources.parameterOverrides ?? {} }
    // --stage is a Serverless Framework service's stage (SAM and CloudFormation name their stages themselves).
    if (this.#sources.stage !== undefined) opts.stage = this.#sources.stage
    const result = await readTemplate(abs, opts)
    this.#files.push(...result.files)
    this.#problems.push(...result.problems)
    this.#warnings.push(...result.warnings)
    return { ...result, file }
  }

  /** An API declared in the config file (`/apis/N`) or by the template (the pointer of its resource). */
  async #loadConfigApi(decl: ApiDecl, origin: { file: string | undefined; base: string }): Promise<void> {
    const base = origin.base
    if (decl.type === 'websocket') return this.#loadWebSocketApi(decl, origin)
    const inFile: Where = { file: origin.file, path: base }
    const kind = decl.type === 'rest' ? 'REST' : decl.type === 'http' ? 'HTTP' : undefined

    const source = await this.#definitionOf(decl, base, origin.file)
    const name = typeof decl.name === 'string' ? decl.name : titleOf(source.doc) ?? source.fallbackName
    if (name === undefined && source.doc !== undefined) {
      this.#problem(inFile, `${base}/name`, 'the API has no name: set name here or info.title in its OpenAPI document')
    }
    if (kind === undefined) return // the schema check reported `type`
    const checked = checkApiDecl(decl, kind, inFile)
    this.#problems.push(...checked.problems)
    this.#warnings.push(...checked.warnings)

    // Without a name there is no stable id to give the API; its stages are still checked below.
    const id = typeof decl.id === 'string' ? decl.id : name !== undefined ? apiIdFor(decl.type, name) : ''
    let imported: Api | undefined
    if (id !== '') {
      const entry: ApiEntry = {
        id,
        name: name ?? id,
        kind,
        label: `${name ?? id} (${origin.file ?? 'config'} ${base})`,
        where: { file: origin.file, path: typeof decl.id === 'string' && origin.file === this.#configFile ? `${base}/id` : base },
      }
      this.#entries.push(entry)
      imported = this.#import(source.doc, { kind, id, basepath: decl.basepath, file: source.file, inline: source.inline })
      if (imported) applyApiOverrides(imported, decl)
      entry.api = imported
    }
    const deployment = imported ? this.#deploy(imported) : undefined

    // Canaries that run another definition get a deployment of their own, of the same API.
    const declared = isRecord(decl.stages) && Object.keys(decl.stages).length > 0
    const stageDecls: Record<string, StageDecl> = declared ? (decl.stages as Record<string, StageDecl>) : { [this.#cliStage]: {} }
    const canaryDeploymentIds: Record<string, string> = {}
    if (declared) {
      for (const [stageName, stageDecl] of Object.entries(stageDecls)) {
        const canary = isRecord(stageDecl) ? stageDecl.canarySettings : undefined
        if (!isRecord(canary) || (canary.openapi === undefined && canary.definition === undefined)) continue
        if (kind !== 'REST') continue // canarySettings on an HTTP stage is reported by buildStages
        const at = `${base}/stages/${pointerSegment(stageName)}/canarySettings`
        const canarySource = await this.#definitionOf(canary, at, origin.file)
        const canaryApi = this.#import(canarySource.doc, { kind, id, basepath: decl.basepath, file: canarySource.file, inline: canarySource.inline })
        if (!canaryApi) continue
        applyApiOverrides(canaryApi, decl)
        canaryDeploymentIds[stageName] = this.#deploy(canaryApi).id
      }
    }

    const built = buildStages({
      kind,
      apiId: id,
      ...(imported ? { api: imported } : {}),
      deploymentId: deployment?.id ?? '',
      decls: stageDecls,
      where: declared ? { file: origin.file, path: `${base}/stages`, perStage: true } : { path: '--stage', perStage: false },
      extraVariables: this.#cliVariables,
      canaryDeploymentIds,
      now: this.#now,
    })
    this.#problems.push(...built.problems)
    this.#warnings.push(...built.warnings)
    this.#stages.push(...built.stages)
  }

  /** A WebSocket API of the config file (`type: websocket`, docs/websocket.md): routes and integrations inline. */
  #loadWebSocketApi(decl: ApiDecl, origin: { file: string | undefined; base: string }): void {
    const base = origin.base
    if (typeof decl.name !== 'string') {
      this.#problem({ file: origin.file, path: base }, `${base}/name`, 'a WebSocket API needs a name')
      return
    }
    const id = typeof decl.id === 'string' ? decl.id : apiIdFor('websocket', decl.name)
    const entry: ApiEntry = { id, name: decl.name, kind: 'HTTP', label: `${decl.name} (${origin.file ?? 'config'} ${base})`, where: { file: origin.file, path: typeof decl.id === 'string' ? `${base}/id` : base } }
    this.#entries.push(entry)
    const built = buildWebSocketApi(decl, id, decl.name, base, origin.file, this.#now)
    this.#problems.push(...built.problems)
    this.#warnings.push(...built.warnings)
    entry.api = built.api
    const deployment = built.api ? this.#deploy(built.api) : undefined
    const declared = isRecord(decl.stages) && Object.keys(decl.stages).length > 0
    const stageDecls: Record<string, StageDecl> = declared ? (decl.stages as Record<string, StageDecl>) : { [this.#cliStage === '$default' ? 'dev' : this.#cliStage]: {} }
    for (const name of Object.keys(stageDecls)) {
      if (name === '$default') this.#problem({ file: origin.file, path: base }, `${base}/stages/${pointerSegment(name)}`, 'WebSocket APIs have no $default stage: name the stage (e.g. "production")')
    }
    const stages = buildStages({
      kind: 'HTTP',
      apiId: id,
      ...(built.api ? { api: built.api } : {}),
      deploymentId: deployment?.id ?? '',
      decls: stageDecls,
      where: declared ? { file: origin.file, path: `${base}/stages`, perStage: true } : { path: '--stage', perStage: false },
      extraVariables: this.#cliVariables,
      canaryDeploymentIds: {},
      now: this.#now,
    })
    this.#problems.push(...stages.problems)
    this.#warnings.push(...stages.warnings)
    this.#stages.push(...stages.stages)
  }

  async #loadCliApi(file: string, kind: 'REST' | 'HTTP'): Promise<void> {
    const flag = kind === 'REST' ? '--rest-api' : '--http-api'
    const abs = resolve(this.#cwd, file)
    const display = this.#display(abs)
    this.#files.push(abs)
    const read = await readDefinitionFile(abs, display, { path: flag })
    this.#problems.push(...read.problems)
    if (read.doc === undefined) return
    const name = titleOf(read.doc) ?? basename(abs, extname(abs))
    const id = apiIdFor(kind === 'REST' ? 'rest' : 'http', name)
    const entry: ApiEntry = { id, name, kind, label: `${name} (${flag} ${display})`, where: { file: display, path: '' } }
    this.#entries.push(entry)
    const imported = this.#import(read.doc, { kind, id, file: display })
    entry.api = imported
    const deployment = imported ? this.#deploy(imported) : undefined
    const built = buildStages({
      kind,
      apiId: id,
      ...(imported ? { api: imported } : {}),
      deploymentId: deployment?.id ?? '',
      decls: { [this.#cliStage]: {} },
      where: { path: '--stage', perStage: false },
      extraVariables: this.#cliVariables,
      canaryDeploymentIds: {},
      now: this.#now,
    })
    this.#problems.push(...built.problems)
    this.#warnings.push(...built.warnings)
    this.#stages.push(...built.stages)
  }

  /**
   * The OpenAPI document of a config entry (an API, or a canary): exactly one of `openapi` (a file, relative
   * to the config file) and `definition` (inline).
   */
  async #definitionOf(decl: { openapi?: unknown; definition?: unknown }, base: string, file: string | undefined): Promise<{ doc?: unknown; file?: string; inline?: Where; fallbackName?: string }> {
    const inFile: Where = { file, path: base }
    if (decl.openapi !== undefined && decl.definition !== undefined) {
      this.#problem(inFile, base, 'give either openapi (a file) or definition (inline), not both')
      return {}
    }
    if (decl.openapi === undefined && decl.definition === undefined) {
      this.#problem(inFile, base, 'needs openapi: FILE (an OpenAPI/Swagger file) or definition: {…} (the document inline)')
      return {}
    }
    if (typeof decl.openapi === 'string' && decl.openapi !== '') {
      const abs = resolve(this.#configDir, decl.openapi)
      const display = this.#display(abs)
      this.#files.push(abs)
      const read = await readDefinitionFile(abs, display, { file: this.#configFile, path: `${base}/openapi` })
      this.#problems.push(...read.problems)
      const fallbackName = basename(abs, extname(abs))
      return read.doc === undefined ? { fallbackName } : { doc: read.doc, file: display, fallbackName }
    }
    // A template's document sits at the pointer of its resource's Body itself.
    if (isRecord(decl.definition)) return { doc: decl.definition, inline: { file, path: file === this.#configFile ? `${base}/definition` : base } }
    return {} // ill-typed: reported by the schema check
  }

  #import(doc: unknown, req: { kind: 'REST' | 'HTTP'; id: string; basepath?: 'ignore' | 'prepend' | 'split'; file?: string; inline?: Where }): Api | undefined {
    if (doc === undefined) return undefined
    const result = importDefinition(doc, {
      kind: req.kind,
      id: req.id,
      createdDate: this.#now,
      ...(req.basepath !== undefined ? { basepath: req.basepath } : {}),
      ...(req.file !== undefined ? { file: req.file } : {}),
      ...(req.inline !== undefined ? { inline: req.inline } : {}),
    })
    this.#problems.push(...result.problems)
    this.#warnings.push(...result.warnings)
    return result.api
  }

  #deploy(api: Api): Deployment {
    const deployment = deploymentOf(api, this.#now)
    if (!this.#deployments.has(deployment.id)) this.#deployments.set(deployment.id, deployment)
    return deployment
  }

  #checkIdCollisions(): void {
    const byId = new Map<string, ApiEntry>()
    for (const entry of this.#entries) {
      const first = byId.get(entry.id)
      if (!first) {
        byId.set(entry.id, entry)
        continue
      }
      this.#problem(
        entry.where,
        entry.where.path,
        `API id "${entry.id}" is used by both ${first.label} and ${entry.label}; give one of them a distinct \`id\` (or name) in the config file`,
      )
    }
  }

  /** `defaultApi` names an API by id or by name. */
  #resolveDefaultApi(ref: unknown): string | undefined {
    if (typeof ref !== 'string') return undefined
    const where: Where = { file: this.#configFile, path: '/defaultApi' }
    const byId = this.#entries.find((e) => e.id === ref)
    if (byId) return byId.id
    const byName = this.#entries.filter((e) => e.name === ref)
    if (byName.length === 1) return byName[0]!.id
    if (byName.length > 1) {
      this.#problem(where, where.path, `"${ref}" names several APIs (${byName.map((e) => e.id).join(', ')}); use the id`)
    } else {
      const known = this.#entries.map((e) => `${e.name} (${e.id})`).join(', ')
      this.#problem(where, where.path, `no API is named "${ref}" or has that id` + (known ? `; the APIs are: ${known}` : '; no APIs are declared'))
    }
    return undefined
  }

  #functions(decls: unknown): unknown[] {
    if (!Array.isArray(decls)) return []
    const out: unknown[] = []
    const seen = new Map<string, number>()
    for (const [i, decl] of decls.entries()) {
      if (!isRecord(decl) || typeof decl.name !== 'string') continue
      const fn = { ...decl } as unknown as FunctionDecl
      const first = seen.get(fn.name)
      if (first !== undefined) {
        this.#problem({ file: this.#configFile, path: '' }, `/functions/${i}/name`, `function "${fn.name}" is already declared at /functions/${first}`)
        continue
      }
      seen.set(fn.name, i)
      if (typeof fn.module === 'string') fn.module = resolve(this.#configDir, fn.module)
      out.push(fn)
    }
    return out
  }

  #listeners(decl: ConfigFileDecl['listeners']): DesiredState['listeners'] {
    const out: DesiredState['listeners'] = {}
    if (!isRecord(decl)) return out
    if (isRecord(decl.http)) {
      const http: NonNullable<DesiredState['listeners']['http']> = {}
      if (typeof decl.http.port === 'number') http.port = decl.http.port
      if (typeof decl.http.host === 'string') http.host = decl.http.host
      if (isRecord(decl.http.limits)) {
        const limits = decl.http.limits as Partial<EdgeLimits>
        try {
          edgeLimits(limits)
          http.limits = limits
        } catch (err) {
          this.#problem({ file: this.#configFile, path: '' }, '/listeners/http/limits', (err as Error).message)
        }
      }
      if (isRecord(decl.http.websocket)) http.websocket = decl.http.websocket as Partial<WsLimits>
      const tls = decl.http.tls
      if (isRecord(tls) && typeof tls.cert === 'string' && typeof tls.key === 'string') {
        http.tls = { cert: resolve(this.#configDir, tls.cert), key: resolve(this.#configDir, tls.key) }
        if (typeof tls.truststore === 'string') http.tls.truststore = resolve(this.#configDir, tls.truststore)
        if (typeof tls.requireClientCert === 'boolean') {
          if (tls.truststore === undefined && tls.requireClientCert) this.#problem({ file: this.#configFile, path: '' }, '/listeners/http/tls/requireClientCert', 'client certificates can only be required with a truststore (a PEM bundle of the CA certificates that issue them)')
          http.tls.requireClientCert = tls.requireClientCert
        }
      }
      out.http = http
    }
    if (isRecord(decl.https)) {
      out.https = {}
      if (typeof decl.https.port === 'number') out.https.port = decl.https.port
      if (typeof decl.https.host === 'string') out.https.host = decl.https.host
    }
    if (isRecord(decl.admin)) {
      const admin: AdminListenerConfig = {}
      if (typeof decl.admin.port === 'number') admin.port = decl.admin.port
      if (typeof decl.admin.host === 'string') admin.host = decl.admin.host
      if (typeof decl.admin.token === 'string') {
        // The message never repeats the token: it is a secret.
        if (decl.admin.token.length < 16) this.#problem({ file: this.#configFile, path: '' }, '/listeners/admin/token', `the admin token is a secret of at least 16 characters (this one has ${decl.admin.token.length}); clients send it as "Authorization: Bearer <token>"`)
        admin.token = decl.admin.token
      }
      if (Array.isArray(decl.admin.allowedHosts)) {
        admin.allowedHosts = []
        decl.admin.allowedHosts.forEach((name, i) => {
          if (typeof name !== 'string') return
          const problem = allowedHostProblem(name)
          if (problem) this.#problem({ file: this.#configFile, path: '' }, `/listeners/admin/allowedHosts/${i}`, problem)
          else admin.allowedHosts!.push(name)
        })
      }
      if (Array.isArray(decl.admin.credentials)) {
        admin.credentials = []
        const seen = new Set<string>()
        decl.admin.credentials.forEach((c, i) => {
          if (!isRecord(c) || typeof c.accessKeyId !== 'string' || typeof c.secretAccessKey !== 'string') return
          const at = `/listeners/admin/credentials/${i}`
          // The messages never repeat the secret.
          if (c.secretAccessKey.length < 16) this.#problem({ file: this.#configFile, path: '' }, `${at}/secretAccessKey`, `an admin secret access key is at least 16 characters (this one has ${c.secretAccessKey.length})`)
          else if (seen.has(c.accessKeyId)) this.#problem({ file: this.#configFile, path: '' }, `${at}/accessKeyId`, `access key id "${c.accessKeyId}" is declared twice`)
          else admin.credentials!.push({ accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey })
          seen.add(c.accessKeyId)
        })
      }
      if (isRecord(decl.admin.throttle) && typeof decl.admin.throttle.rateLimit === 'number' && typeof decl.admin.throttle.burstLimit === 'number') {
        admin.throttle = { rateLimit: decl.admin.throttle.rateLimit, burstLimit: decl.admin.throttle.burstLimit }
      }
      out.admin = admin
    }
    return out
  }
}
