// Function declarations: validation of a FunctionConfig (every problem at once, each with its path) and the
// defaults Lambda applies (3 s timeout, 128 MB), plus the environment variables a Lambda environment carries.

import { isAbsolute, resolve } from 'node:path'
import { ConfigError, type ConfigProblem } from '../errors.js'
import { isFunctionName } from './function-ref.js'

/** How a function is declared. */
export interface FunctionConfig {
  /** Lambda function name (1–64 of `A-Z a-z 0-9 - _`). */
  name: string
  /** The module file (`.mjs`, `.js`, `.cjs`, `.ts`, `.mts`, `.cts`) or a directory holding `index.*`; relative to the cwd. */
  module: string
  /** Export name of the handler; a dotted path reaches into nested objects. Default `handler`. */
  handler?: string
  /** Seconds, like Lambda's Timeout (fractions allowed here). Default 3, at most 900. */
  timeout?: number
  /** MB, 128–10240, like Lambda's MemorySize; bounds the environment's JS heap. Default 128. */
  memorySize?: number
  /** Variables the handler sees in `process.env`, on top of Lambda's own. */
  environment?: Record<string, string>
  /** Most invocations in flight at once; 0 throttles every call. Default: the runtime's global cap. */
  reservedConcurrency?: number
}

/** A validated config with defaults applied and the module path made absolute. */
export interface ResolvedFunctionConfig {
  readonly name: string
  readonly module: string
  readonly handler: string
  readonly timeout: number
  readonly memorySize: number
  readonly environment: Readonly<Record<string, string>>
  readonly reservedConcurrency: number | undefined
}

export const DEFAULT_TIMEOUT_SECONDS = 3
export const MAX_TIMEOUT_SECONDS = 900
export const DEFAULT_MEMORY_MB = 128
export const MIN_MEMORY_MB = 128
export const MAX_MEMORY_MB = 10_240
export const MODULE_EXTENSIONS = ['.mjs', '.js', '.cjs', '.ts', '.mts', '.cts'] as const

/**
 * Variables the runtime sets itself; Lambda refuses them in a function's configuration. Unlike Lambda, credential
 * variables (AWS_ACCESS_KEY_ID …) may be set, since there is no execution role to supply them.
 */
export const RESERVED_ENVIRONMENT_KEYS: ReadonlySet<string> = new Set([
  '_HANDLER', '_X_AMZN_TRACE_ID', 'AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_EXECUTION_ENV', 'AWS_LAMBDA_FUNCTION_NAME',
  'AWS_LAMBDA_FUNCTION_MEMORY_SIZE', 'AWS_LAMBDA_FUNCTION_VERSION', 'AWS_LAMBDA_INITIALIZATION_TYPE',
  'AWS_LAMBDA_LOG_GROUP_NAME', 'AWS_LAMBDA_LOG_STREAM_NAME', 'AWS_LAMBDA_RUNTIME_API', 'LAMBDA_TASK_ROOT',
  'LAMBDA_RUNTIME_DIR',
])

const KNOWN_KEYS = new Set(['name', 'module', 'handler', 'timeout', 'memorySize', 'environment', 'reservedConcurrency'])
const HANDLER_PATH = /^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$/
const ENV_KEY = /^[A-Za-z][A-Za-z0-9_]*$/

/**
 * Validates `cfg` and applies Lambda's defaults.
 * @throws ConfigError listing every problem, with paths relative to the config object (`/timeout`).
 */
export function resolveFunctionConfig(cfg: FunctionConfig): ResolvedFunctionConfig {
  const problems: ConfigProblem[] = []
  if (cfg === null || typeof cfg !== 'object' || Array.isArray(cfg)) {
    throw new ConfigError([{ path: '', message: 'a function config must be an object' }])
  }
  for (const key of Object.keys(cfg)) {
    if (!KNOWN_KEYS.has(key)) problems.push({ path: `/${key}`, message: `unknown property (expected one of ${[...KNOWN_KEYS].join(', ')})` })
  }
  if (typeof cfg.name !== 'string' || !isFunctionName(cfg.name)) {
    problems.push({ path: '/name', message: 'must be 1-64 characters of A-Z, a-z, 0-9, - and _' })
  }
  if (typeof cfg.module !== 'string' || cfg.module.trim() === '') {
    problems.push({ path: '/module', message: 'must be the path of the function module' })
  }
  const handler = cfg.handler ?? 'handler'
  if (typeof handler !== 'string' || !HANDLER_PATH.test(handler)) {
    problems.push({ path: '/handler', message: 'must be an export name such as "handler" (dots reach into nested objects)' })
  }
  const timeout = cfg.timeout ?? DEFAULT_TIMEOUT_SECONDS
  if (typeof timeout !== 'number' || !Number.isFinite(timeout) || timeout <= 0 || timeout > MAX_TIMEOUT_SECONDS) {
    problems.push({ path: '/timeout', message: `must be a number of seconds above 0 and at most ${MAX_TIMEOUT_SECONDS}` })
  }
  const memorySize = cfg.memorySize ?? DEFAULT_MEMORY_MB
  if (typeof memorySize !== 'number' || !Number.isInteger(memorySize) || memorySize < MIN_MEMORY_MB || memorySize > MAX_MEMORY_MB) {
    problems.push({ path: '/memorySize', message: `must be a whole number of MB from ${MIN_MEMORY_MB} to ${MAX_MEMORY_MB}` })
  }
  const environment: Record<string, string> = {}
  if (cfg.environment !== undefined) {
    if (cfg.environment === null || typeof cfg.environment !== 'object' || Array.isArray(cfg.environment)) {
      problems.push({ path: '/environment', message: 'must be an object of string values' })
    } else {
      for (const [key, value] of Object.entries(cfg.environment)) {
        const path = `/environment/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`
        if (!ENV_KEY.test(key)) problems.push({ path, message: 'variable names start with a letter and hold only letters, digits and _' })
        else if (RESERVED_ENVIRONMENT_KEYS.has(key)) problems.push({ path, message: 'is reserved: the runtime sets it' })
        if (typeof value !== 'string') problems.push({ path, message: 'must be a string' })
        else environment[key] = value
      }
    }
  }
  const reserved = cfg.reservedConcurrency
  if (reserved !== undefined && (typeof reserved !== 'number' || !Number.isInteger(reserved) || reserved < 0)) {
    problems.push({ path: '/reservedConcurrency', message: 'must be a whole number, 0 or more' })
  }
  if (problems.length > 0) throw new ConfigError(problems)
  return Object.freeze({
    name: cfg.name,
    module: isAbsolute(cfg.module) ? cfg.module : resolve(cfg.module),
    handler,
    timeout,
    memorySize,
    environment: Object.freeze(environment),
    reservedConcurrency: reserved,
  })
}

/** Whether the host process runs in UTC, so that `TZ=:UTC` (Lambda's value) tells the handler the truth. */
const HOST_IS_UTC = new Date(2020, 0, 1).getTimezoneOffset() === 0 && new Date(2020, 6, 1).getTimezoneOffset() === 0

/**
 * The environment of one execution environment. The gateway's own environment is not inherited (it may hold
 * secrets); PATH and LANG are, as Lambda sets them. TZ is Lambda's `:UTC` only when the host runs in UTC: worker
 * threads share the process's time zone, so a different value would not take effect.
 */
export function lambdaEnvironment(cfg: ResolvedFunctionConfig, o: {
  region: string
  logStreamName: string
  handlerString: string
  taskRoot: string
}): Record<string, string> {
  const env: Record<string, string> = {
    PATH: process.env['PATH'] ?? '/usr/local/bin:/usr/bin:/bin',
    LANG: 'en_US.UTF-8',
  }
  if (HOST_IS_UTC) env['TZ'] = ':UTC'
  else if (process.env['TZ'] !== undefined) env['TZ'] = process.env['TZ']
  Object.assign(env, cfg.environment)
  env['AWS_REGION'] = o.region
  env['AWS_DEFAULT_REGION'] = o.region
  env['AWS_EXECUTION_ENV'] = `AWS_Lambda_nodejs${process.versions.node.split('.')[0]}.x`
  env['AWS_LAMBDA_FUNCTION_NAME'] = cfg.name
  env['AWS_LAMBDA_FUNCTION_VERSION'] = '$LATEST'
  env['AWS_LAMBDA_FUNCTION_MEMORY_SIZE'] = String(cfg.memorySize)
  env['AWS_LAMBDA_INITIALIZATION_TYPE'] = 'on-demand'
  env['AWS_LAMBDA_LOG_GROUP_NAME'] = `/aws/lambda/${cfg.name}`
  env['AWS_LAMBDA_LOG_STREAM_NAME'] = o.logStreamName
  env['LAMBDA_TASK_ROOT'] = o.taskRoot
  env['_HANDLER'] = o.handlerString
  return env
}
