// A Serverless Framework v3 service (serverless.yml) translated into the config file's own declarations: the
// implicit REST API of `http` events, the HTTP API of `httpApi` events (each as an inline OpenAPI document with
// x-amazon-apigateway extensions), the functions, API keys and usage plans. Named as the framework names them
// (docs/serverless-framework.md). Pure apart from reading the handler files' presence and `${file(…)}` files;
// never throws on bad input.

import { stat } from 'node:fs/promises'
import { basename, resolve } from 'node:path'
import type { ApiDecl, ApiKeyDecl, ConfigFileDecl, FunctionDecl, UsagePlanDecl } from '../config/config-file.js'
import { isRecord } from '../config/config-file.js'
import { apiIdFor } from '../config/desired.js'
import { WebSocketApiBuilder } from './serverless-websocket.js'
import { serverlessDomains } from './serverless-domains.js'
import { isFunctionName } from '../../functions/function-ref.js'
import { RESERVED_ENVIRONMENT_KEYS } from '../../functions/config.js'
import type { TemplateOptions, TemplateResult } from './types.js'
import { resolveVariables } from './serverless-variables.js'
import { HttpApiBuilder, RestApiBuilder, lambdaUri, segment, str, type EventContext } from './serverless-events.js'

type Obj = Record<string, unknown>

/** The framework's defaults for a function (its docs: 6 s, 1024 MB), not Lambda's. */
const DEFAULT_TIMEOUT = 6
const DEFAULT_MEMORY = 1024

/** Function settings that configure AWS itself (roles, networks, packaging): nothing to serve. */
const FUNCTION_KEYS_IGNORED = new Set([
  'description', 'package', 'role', 'vpc', 'layers', 'tags', 'tracing', 'iamRoleStatements', 'iamRoleStatementsName',
  'onError', 'kmsKeyArn', 'snapStart', 'architecture', 'ephemeralStorageSize', 'logRetentionInDays', 'disableLogs',
  'condition', 'dependsOn', 'provisionedConcurrency', 'maximumEventAge', 'maximumRetryAttempts', 'destinations',
  'fileSystemConfig', 'versionFunction', 'url', 'image', 'logs',
])

/**
 * Translates a parsed serverless.yml (`doc`) into config-file declarations. Every problem carries `opts.file` and
 * the JSON pointer of the offending node; `config` is absent only when the document is not a service at all.
 */
export async function readServerlessYml(doc: unknown, opts: TemplateOptions): Promise<TemplateResult> {
  const result: TemplateResult = { problems: [], warnings: [], ignored: [], files: [resolve(opts.dir, basename(opts.file))] }
  try {
    await translate(doc, opts, result)
  } catch (err) {
    // A bug here must not take the caller down: it is reported like any problem.
    result.problems.push({ file: opts.file, path: '', message: `cannot read the service: ${err instanceof Error ? err.message : String(err)}` })
    delete result.config
  }
  return result
}

async function translate(doc: unknown, opts: TemplateOptions, result: TemplateResult): Promise<void> {
  const problem = (path: string, message: string): void => void result.problems.push({ file: opts.file, path, message })
  const warn = (path: string, message: string): void => void result.warnings.push({ file: opts.file, path, message })
  const ignore = (logicalId: string, type: string, reason: string): void => void result.ignored.push({ logicalId, type, reason })
  if (!isRecord(doc)) {
    problem('', 'a serverless.yml is a mapping with service:, provider: and functions:')
    return
  }
  const resolved = await resolveVariables(doc, {
    file: opts.file,
    dir: opts.dir,
    optStage: opts.stage,
    optRegion: opts.region,
    params: opts.parameterOverrides ?? {},
    accountId: opts.accountId ?? '123456789012',
    defaultRegion: 'us-east-1',
  })
  result.problems.push(...resolved.problems)
  result.warnings.push(...resolved.warnings)
  result.files.push(...resolved.files)
  const sls = isRecord(resolved.value) ? resolved.value : {}
  const stage = resolved.stage
  const region = resolved.region
  const accountId = opts.accountId ?? '123456789012'

  const service = isRecord(sls.service) ? str(sls.service.name) : str(sls.service)
  if (service === undefined || service === '') {
    problem('/service', 'service: names the service (a string); functions and APIs are named after it')
    return
  }
  if (!/^[-_a-zA-Z0-9]+$/.test(stage)) problem('/provider/stage', `invalid stage name "${stage}": API Gateway stage names use only letters, digits, "-" and "_"`)
  const provider: Obj = isRecord(sls.provider) ? sls.provider : {}
  if (!isRecord(sls.provider)) problem('/provider', 'provider: is required (name: aws, runtime: nodejs18.x, …)')
  else if (provider.name !== 'aws') problem('/provider/name', `only the aws provider is read, not ${JSON.stringify(provider.name)}`)
  if (sls.frameworkVersion !== undefined && !/^[\^~>=<\s]*3(\.|$)/.test(String(sls.frameworkVersion))) {
    warn('/frameworkVersion', `read as a Serverless Framework v3 service (frameworkVersion is ${JSON.stringify(sls.frameworkVersion)})`)
  }
  for (const [i, plugin] of (Array.isArray(sls.plugins) ? sls.plugins : isRecord(sls.plugins) && Array.isArray(sls.plugins.modules) ? sls.plugins.modules : []).entries()) {
    // Its settings (custom.customDomain) are read by serverless-domains.ts.
    if (plugin === 'serverless-domain-manager') continue
    ignore(`/plugins/${i}`, 'plugin', `plugin ${String(plugin)} is not run: plugins change what the framework deploys, and Gatehouse reads serverless.yml itself`)
  }
  providerWarnings(provider, warn, ignore)

  const apiGateway: Obj = isRecord(provider.apiGateway) ? provider.apiGateway : {}
  const httpApiConfig: Obj = isRecord(provider.httpApi) ? provider.httpApi : {}
  const restName = str(provider.apiName) ?? (apiGateway.shouldStartNameWithService === true ? `${service}-${stage}` : `${stage}-${service}`)
  const httpName = str(httpApiConfig.name) ?? (httpApiConfig.shouldStartNameWithService === true ? `${service}-${stage}` : `${stage}-${service}`)

  // Functions first: events name their targets (and authorizers name functions) by the framework's function names.
  const functions: FunctionDecl[] = []
  const deployedNames = new Map<string, string>()
  const rawFunctions = functionsOf(sls.functions, problem)
  for (const [key, fn] of rawFunctions) {
    const name = isRecord(fn) && typeof fn.name === 'string' ? fn.name : `${service}-${stage}-${key}`
    deployedNames.set(key, name)
  }
  const served = new Set<string>()
  for (const [key, fn] of rawFunctions) {
    const path = `/functions/${segment(key)}`
    const decl = await functionDecl(key, fn, path, provider, deployedNames.get(key)!, opts, problem, warn, ignore)
    if (decl !== undefined) {
      functions.push(decl)
      served.add(key)
    }
  }

  const ctx: EventContext = {
    problem,
    warn,
    ignore,
    region,
    accountId,
    functionUri: (key) => {
      const name = deployedNames.get(key)
      return name === undefined ? undefined : lambdaUri(name, region, accountId)
    },
    service,
    stage,
  }
  const rest = new RestApiBuilder(ctx, restName, apiGateway, provider)
  const http = new HttpApiBuilder(ctx, httpName, httpApiConfig)
  const ws = new WebSocketApiBuilder(ctx, provider)
  // An authorizer names a function by its key under functions: or its deployed name.
  const functionByRef = (ref: string): string | undefined => {
    if (deployedNames.has(ref)) return served.has(ref) ? ctx.functionUri(ref) : undefined
    for (const [k, name] of deployedNames) if (name === ref && served.has(k)) return ctx.functionUri(k)
    return undefined
  }
  for (const [key, fn] of rawFunctions) {
    if (!isRecord(fn) || fn.events === undefined || fn.events === null) continue
    const path = `/functions/${segment(key)}/events`
    if (!Array.isArray(fn.events)) {
      problem(path, 'events is a list, e.g. - http: GET hello')
      continue
    }
    fn.events.forEach((event, i) => {
      const ep = `${path}/${i}`
      const kind = isRecord(event) ? Object.keys(event)[0] : undefined
      if (kind === undefined || !isRecord(event)) {
        problem(ep, 'an event is a mapping with one key, e.g. http:, httpApi: or websocket:')
        return
      }
      const body = event[kind]
      if (kind === 'websocket') {
        if (!served.has(key)) ignore(`${ep}/websocket`, 'websocket', `not served: function ${key} is not run (see its own entry)`)
        else ws.addEvent(key, body, `${ep}/websocket`, functionByRef)
        return
      }
      if (kind !== 'http' && kind !== 'httpApi') {
        ignore(`${ep}/${segment(kind)}`, kind, `${kind} events are not served: only http and httpApi events reach a function through the gateway`)
        return
      }
      if (!served.has(key)) {
        ignore(`${ep}/${kind}`, kind, `not served: function ${key} is not run (see its own entry)`)
        return
      }
      if (kind === 'http') rest.addEvent(key, body, `${ep}/http`, fn)
      else http.addEvent(key, body, `${ep}/httpApi`, fn)
    })
  }

  const apis: ApiDecl[] = []
  const restDecl = rest.build()
  if (restDecl !== undefined) apis.push({ ...restDecl, stages: { [stage]: restStage(provider) } })
  const httpDecl = http.build()
  if (httpDecl !== undefined) apis.push({ ...httpDecl, stages: { $default: {} } })
  const wsDecl = ws.build(apiIdFor('websocket', ws.name))
  if (wsDecl !== undefined) apis.push(wsDecl)

  const { apiKeys, usagePlans } = keysAndPlans(apiGateway, restDecl === undefined ? undefined : apiIdFor('rest', restName), service, stage, problem, warn)

  for (const [id, res] of Object.entries(isRecord(sls.resources) && isRecord(sls.resources.Resources) ? sls.resources.Resources : {})) {
    const type = isRecord(res) && typeof res.Type === 'string' ? res.Type : 'unknown'
    ignore(`/resources/Resources/${segment(id)}`, type, 'raw CloudFormation under resources: is not translated by the serverless.yml reader (a SAM template can declare APIs and functions)')
  }
  if (isRecord(sls.resources) && isRecord(sls.resources.extensions)) warn('/resources/extensions', 'resources.extensions patch CloudFormation the framework generates; they are ignored')

  const domains = serverlessDomains({
    custom: sls.custom,
    stage,
    problem,
    warn,
    ignore,
    ...(restDecl !== undefined ? { restApiId: restDecl.id ?? apiIdFor('rest', restName) } : {}),
    ...(httpDecl !== undefined ? { httpApiId: httpDecl.id ?? apiIdFor('http', httpName) } : {}),
  })

  const config: ConfigFileDecl = {}
  if (apis.length > 0) config.apis = apis
  if (domains.domains.length > 0) {
    config.domains = domains.domains
    result.origins = { ...result.origins, domains: domains.origins }
  }
  if (functions.length > 0) config.functions = functions
  if (apiKeys.length > 0) config.apiKeys = apiKeys
  if (usagePlans.length > 0) config.usagePlans = usagePlans
  if (apis.length === 0) warn('/functions', 'no http, httpApi or websocket event: the service declares no API to serve')
  result.config = config
}

/** `functions:` as [key, declaration] pairs (a mapping, or the list of mappings the framework also accepts). */
function functionsOf(raw: unknown, problem: (p: string, m: string) => void): Array<[string, unknown]> {
  if (raw === undefined || raw === null) return []
  if (isRecord(raw)) return Object.entries(raw)
  if (Array.isArray(raw)) return raw.flatMap((item) => (isRecord(item) ? Object.entries(item) : []))
  problem('/functions', 'functions is a mapping of function keys to their declarations')
  return []
}

function providerWarnings(provider: Obj, warn: (p: string, m: string) => void, ignore: (id: string, type: string, reason: string) => void): void {
  const notServed: Record<string, string> = {
    iam: 'IAM roles do not apply: functions run in the gateway process',
    iamRoleStatements: 'IAM roles do not apply: functions run in the gateway process',
    vpc: 'networking is the host\'s',
    deploymentBucket: 'nothing is deployed',
    logs: 'access and execution logs are the gateway\'s own (docs/operations.md)',
    tracing: 'X-Ray tracing is not emulated',
    layers: 'layers are not unpacked: a handler imports what it needs from its own directory',
    stackTags: 'no CloudFormation stack is created',
    tags: 'no CloudFormation stack is created',
    eventBridge: 'only http and httpApi events are served',
    alb: 'only http and httpApi events are served',
  }
  for (const [key, why] of Object.entries(notServed)) {
    if (provider[key] !== undefined) warn(`/provider/${key}`, `provider.${key} is ignored: ${why}`)
  }
  const apiGateway = isRecord(provider.apiGateway) ? provider.apiGateway : {}
  if (apiGateway.restApiId !== undefined) warn('/provider/apiGateway/restApiId', 'an existing REST API cannot be extended here: the http events make an API of their own')
  if (isRecord(provider.httpApi) && provider.httpApi.id !== undefined) warn('/provider/httpApi/id', 'an existing HTTP API cannot be extended here: the httpApi events make an API of their own')
  for (const key of ['minimumCompressionSize', 'metrics', 'websocketApiId']) {
    if (apiGateway[key] !== undefined) warn(`/provider/apiGateway/${key}`, `provider.apiGateway.${key} is ignored`)
  }
  void ignore
}

/** The REST API's stage: tracing, as far as a StageDecl says it. */
function restStage(provider: Obj): Record<string, unknown> {
  const stage: Record<string, unknown> = {}
  if (isRecord(provider.tracing) && provider.tracing.apiGateway === true) stage.tracingEnabled = true
  return stage
}

async function functionDecl(
  key: string,
  fn: unknown,
  path: string,
  provider: Obj,
  name: string,
  opts: TemplateOptions,
  problem: (p: string, m: string) => void,
  warn: (p: string, m: string) => void,
  ignore: (id: string, type: string, reason: string) => void,
): Promise<FunctionDecl | undefined> {
  if (!isRecord(fn)) {
    problem(path, 'a function is a mapping with at least handler:')
    return undefined
  }
  if (fn.image !== undefined) {
    ignore(path, 'function', `function ${key} is a container image: images are run from a later issue`)
    return undefined
  }
  const runtime = str(fn.runtime) ?? str(provider.runtime) ?? 'nodejs18.x'
  if (!runtime.startsWith('nodejs')) {
    ignore(path, 'function', `function ${key} has runtime ${runtime}: only Node.js functions are run (in the gateway process); other runtimes come later`)
    return undefined
  }
  if (!isFunctionName(name)) {
    problem(typeof fn.name === 'string' ? `${path}/name` : path, `the function name "${name}" is not a Lambda function name (1–64 letters, digits, "-" or "_")`)
    return undefined
  }
  for (const k of Object.keys(fn)) if (FUNCTION_KEYS_IGNORED.has(k)) warn(`${path}/${segment(k)}`, `${k} is ignored: it configures AWS, not what the function does when called`)
  const handler = str(fn.handler)
  const dot = handler === undefined ? -1 : handler.lastIndexOf('.')
  if (handler === undefined || dot <= 0 || dot === handler.length - 1) {
    problem(`${path}/handler`, 'handler is FILE.EXPORT, e.g. src/handler.hello (the file src/handler.js, its export hello)')
    return undefined
  }
  const exportName = handler.slice(dot + 1)
  if (!/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(exportName)) {
    problem(`${path}/handler`, `"${exportName}" is not an export name`)
    return undefined
  }
  const base = resolve(opts.dir, handler.slice(0, dot))
  let module: string | undefined
  for (const ext of MODULE_ORDER) {
    try {
      if ((await stat(base + ext)).isFile()) {
        module = base + ext
        break
      }
    } catch {
      // not this extension
    }
  }
  if (module === undefined) {
    problem(`${path}/handler`, `no handler file ${handler.slice(0, dot)}.{${MODULE_ORDER.map((e) => e.slice(1)).join(',')}} in ${opts.dir}`)
    return undefined
  }
  const decl: FunctionDecl = { name, module, handler: exportName }
  const environment: Record<string, string> = {}
  for (const [where, env] of [['/provider/environment', provider.environment], [`${path}/environment`, fn.environment]] as const) {
    if (env === undefined || env === null) continue
    if (!isRecord(env)) {
      problem(where, 'environment is a mapping of variable names to values')
      continue
    }
    for (const [k, v] of Object.entries(env)) {
      const vp = `${where}/${segment(k)}`
      const value = str(v)
      if (value === undefined) warn(vp, `${k} is left out: its value is not a string (a CloudFormation function such as Ref cannot be evaluated here)`)
      else if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(k)) problem(vp, 'variable names start with a letter and use letters, digits and "_"')
      else if (RESERVED_ENVIRONMENT_KEYS.has(k)) warn(vp, `${k} is left out: the runtime sets it`)
      else environment[k] = value
    }
  }
  if (Object.keys(environment).length > 0) decl.environment = environment
  const timeout = fn.timeout ?? provider.timeout ?? DEFAULT_TIMEOUT
  if (typeof timeout === 'number' && Number.isInteger(timeout) && timeout >= 1 && timeout <= 900) decl.timeout = timeout
  else problem(fn.timeout !== undefined ? `${path}/timeout` : '/provider/timeout', 'timeout is a whole number of seconds from 1 to 900')
  const memorySize = fn.memorySize ?? provider.memorySize ?? DEFAULT_MEMORY
  if (typeof memorySize === 'number' && Number.isInteger(memorySize) && memorySize >= 128 && memorySize <= 10240) decl.memorySize = memorySize
  else problem(fn.memorySize !== undefined ? `${path}/memorySize` : '/provider/memorySize', 'memorySize is a whole number of MB from 128 to 10240')
  if (fn.reservedConcurrency !== undefined) {
    if (typeof fn.reservedConcurrency === 'number' && Number.isInteger(fn.reservedConcurrency) && fn.reservedConcurrency >= 0) decl.reservedConcurrency = fn.reservedConcurrency
    else problem(`${path}/reservedConcurrency`, 'reservedConcurrency is a whole number, 0 or more')
  }
  return decl
}

/** The order the handler file is looked for in: `handler: src/h.hello` → src/h.js, src/h.mjs, … */
const MODULE_ORDER: readonly string[] = ['.js', '.mjs', '.cjs', '.ts', '.mts', '.cts']

/**
 * `provider.apiGateway.apiKeys` and `usagePlan`, as the framework makes them: one plan `{service}-{stage}` (or one
 * `{service}-{plan}-{stage}` per named plan), every key in it (or, in the per-plan map form, in its own plan).
 */
function keysAndPlans(
  apiGateway: Obj,
  restApiId: string | undefined,
  service: string,
  stage: string,
  problem: (p: string, m: string) => void,
  warn: (p: string, m: string) => void,
): { apiKeys: ApiKeyDecl[]; usagePlans: UsagePlanDecl[] } {
  const apiKeys: ApiKeyDecl[] = []
  const usagePlans: UsagePlanDecl[] = []
  const rawKeys = apiGateway.apiKeys
  const rawPlan = apiGateway.usagePlan
  if (rawKeys === undefined && rawPlan === undefined) return { apiKeys, usagePlans }
  if (restApiId === undefined) {
    warn('/provider/apiGateway', 'API keys and usage plans apply to the REST API of http events, and the service has none: they are ignored')
    return { apiKeys, usagePlans }
  }
  const apiStages = [{ api: restApiId, stage }]
  const plans = new Map<string, UsagePlanDecl>()
  const limits = (raw: unknown, path: string, plan: UsagePlanDecl): void => {
    if (raw === undefined || raw === null) return
    if (!isRecord(raw)) {
      problem(path, 'a usage plan is a mapping with quota: and throttle:')
      return
    }
    if (isRecord(raw.quota)) {
      const q = raw.quota
      const period = String(q.period ?? '').toUpperCase()
      if (typeof q.limit !== 'number' || !['DAY', 'WEEK', 'MONTH'].includes(period)) problem(`${path}/quota`, 'quota needs limit (a number) and period (DAY, WEEK or MONTH)')
      else plan.quota = { limit: q.limit, period: period as 'DAY' | 'WEEK' | 'MONTH', ...(typeof q.offset === 'number' ? { offset: q.offset } : {}) }
    }
    if (isRecord(raw.throttle)) {
      const t = raw.throttle
      plan.throttle = {}
      if (typeof t.burstLimit === 'number') plan.throttle.burstLimit = t.burstLimit
      if (typeof t.rateLimit === 'number') plan.throttle.rateLimit = t.rateLimit
    }
  }
  if (Array.isArray(rawPlan)) {
    rawPlan.forEach((item, i) => {
      const entry = isRecord(item) ? Object.entries(item)[0] : undefined
      if (entry === undefined) {
        problem(`/provider/apiGateway/usagePlan/${i}`, 'each named usage plan is a mapping of its name to quota: and throttle:')
        return
      }
      const [name, body] = entry
      const plan: UsagePlanDecl = { name: `${service}-${name}-${stage}`, description: `Usage plan "${name}" for ${service} ${stage} stage`, apiStages, apiKeys: [] }
      limits(body, `/provider/apiGateway/usagePlan/${i}/${segment(name)}`, plan)
      plans.set(name, plan)
    })
  } else {
    const plan: UsagePlanDecl = { name: `${service}-${stage}`, description: `Usage plan for ${service} ${stage} stage`, apiStages, apiKeys: [] }
    limits(rawPlan, '/provider/apiGateway/usagePlan', plan)
    plans.set('', plan)
  }
  const addKey = (raw: unknown, path: string, plan: UsagePlanDecl | undefined): void => {
    let key: ApiKeyDecl | undefined
    if (typeof raw === 'string' && raw !== '') key = { name: raw }
    else if (isRecord(raw) && typeof raw.name === 'string' && raw.name !== '') {
      key = { name: raw.name }
      const value = str(raw.value)
      if (value !== undefined) key.value = value
      if (typeof raw.description === 'string') key.description = raw.description
      if (typeof raw.customerId === 'string') key.customerId = raw.customerId
      if (typeof raw.enabled === 'boolean') key.enabled = raw.enabled
    }
    if (key === undefined) {
      problem(path, 'an API key is a name, or a mapping with name: (and value:, description:, customerId:, enabled:)')
      return
    }
    apiKeys.push(key)
    if (plan !== undefined) plan.apiKeys!.push(key.name)
    else warn(path, `API key ${key.name} is in no usage plan (the plans are named), so it opens no method`)
  }
  if (rawKeys !== undefined && !Array.isArray(rawKeys)) problem('/provider/apiGateway/apiKeys', 'apiKeys is a list')
  for (const [i, raw] of (Array.isArray(rawKeys) ? rawKeys : []).entries()) {
    const path = `/provider/apiGateway/apiKeys/${i}`
    const planEntry = isRecord(raw) && raw.name === undefined ? Object.entries(raw)[0] : undefined
    if (planEntry !== undefined) {
      const [planName, keys] = planEntry
      const plan = plans.get(planName)
      if (plan === undefined || !Array.isArray(keys)) {
        problem(`${path}/${segment(planName)}`, `API keys listed under "${planName}" need a usage plan of that name in provider.apiGateway.usagePlan`)
        continue
      }
      keys.forEach((k, j) => addKey(k, `${path}/${segment(planName)}/${j}`, plan))
      continue
    }
    addKey(raw, path, plans.get(''))
  }
  for (const plan of plans.values()) {
    if (plan.apiKeys!.length === 0) delete plan.apiKeys
    usagePlans.push(plan)
  }
  return { apiKeys, usagePlans }
}
