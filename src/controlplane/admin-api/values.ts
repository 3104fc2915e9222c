// The rules API keys and usage plans share between the admin API and the config file: value and name limits
// with AWS's recorded messages (§16.3), generated key values, throttle and quota checks, and stable ids.

import { randomBytes } from 'node:crypto'
import { stableId } from '../../model/ids.js'
import { HTTP_METHODS } from '../../model/types.js'
import type { QuotaSettings, ThrottleSettings } from '../../model/types.js'

export const API_KEY_VALUE_MIN = 20
export const API_KEY_VALUE_MAX = 128
/** The length of a generated key value (§7.1). */
export const GENERATED_VALUE_LENGTH = 40
export const API_KEY_NAME_MAX = 1024
/** AWS refuses a 125,001-character description (recorded); 125,000 is the largest we accept. */
export const API_KEY_DESCRIPTION_MAX = 125_000

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'

/** A random 40-character alphanumeric key value, as AWS generates when none is given. */
export function generateApiKeyValue(): string {
  // 248 is the largest multiple of 62 below 256: rejecting bytes above it keeps every character equally likely.
  let out = ''
  while (out.length < GENERATED_VALUE_LENGTH) {
    for (const b of randomBytes(64)) {
      if (b < 248 && out.length < GENERATED_VALUE_LENGTH) out += ALPHANUMERIC[b % 62]
    }
  }
  return out
}

/**
 * What is wrong with a key value, in AWS's words for the recorded cases; undefined when it is fine.
 * Beyond AWS's length rule the value must be visible ASCII (no spaces or control characters): it travels in
 * the `x-api-key` header, where anything else cannot be sent reliably (§7.1 [K]: AWS documents alphanumerics).
 */
export function apiKeyValueProblem(value: string): string | undefined {
  if (value.length < API_KEY_VALUE_MIN) return `API Key value should be at least ${API_KEY_VALUE_MIN} characters`
  if (value.length > API_KEY_VALUE_MAX) return `API Key value exceeds maximum size of ${API_KEY_VALUE_MAX} characters`
  if (!/^[\x21-\x7e]+$/.test(value)) return 'API Key value must consist of visible ASCII characters (no spaces or control characters)'
  return undefined
}

export function apiKeyNameProblem(name: string): string | undefined {
  return name.length > API_KEY_NAME_MAX ? `Invalid API Key name, can be at most ${API_KEY_NAME_MAX} characters.` : undefined
}

export function apiKeyDescriptionProblem(description: string): string | undefined {
  return description.length > API_KEY_DESCRIPTION_MAX ? 'Invalid API Key description specified.' : undefined
}

/** Problems of a throttle setting; `what` names it in messages (e.g. `throttle`). */
export function throttleProblems(t: ThrottleSettings, what: string): string[] {
  const out: string[] = []
  if (t.burstLimit !== undefined && (!Number.isInteger(t.burstLimit) || t.burstLimit < 0)) {
    out.push(`${what} burstLimit must be a whole number of requests, 0 or more (found ${String(t.burstLimit)})`)
  }
  if (t.rateLimit !== undefined && (!Number.isFinite(t.rateLimit) || t.rateLimit < 0)) {
    out.push(`${what} rateLimit must be a number of requests per second, 0 or more (found ${String(t.rateLimit)})`)
  }
  return out
}

/** The largest `offset` of each quota period (the data plane's quota periods, §7.2). */
export const QUOTA_OFFSET_MAX: Readonly<Record<QuotaSettings['period'], number>> = { DAY: 0, WEEK: 6, MONTH: 27 }
export const QUOTA_PERIODS = Object.keys(QUOTA_OFFSET_MAX) as Array<QuotaSettings['period']>

/** Problems of a quota setting. */
export function quotaProblems(q: { limit?: unknown; offset?: unknown; period?: unknown }): string[] {
  const out: string[] = []
  if (typeof q.limit !== 'number' || !Number.isInteger(q.limit) || q.limit < 0) {
    out.push(`quota limit must be a whole number of requests, 0 or more (found ${JSON.stringify(q.limit ?? null)})`)
  }
  if (typeof q.period !== 'string' || !(QUOTA_PERIODS as string[]).includes(q.period)) {
    out.push(`quota period must be one of ${QUOTA_PERIODS.join(', ')} (found ${JSON.stringify(q.period ?? null)})`)
    return out
  }
  const max = QUOTA_OFFSET_MAX[q.period as QuotaSettings['period']]
  const offset = q.offset ?? 0
  if (typeof offset !== 'number' || !Number.isInteger(offset) || offset < 0 || offset > max) {
    const meaning = q.period === 'DAY' ? 'a DAY quota starts at 00:00 UTC, so its offset is 0' : q.period === 'WEEK' ? 'the weekday the week starts on, 0 (Sunday) to 6' : 'the day of the month the period starts on, minus one: 0 (the 1st) to 27'
    out.push(`quota offset for ${q.period} must be ${max === 0 ? '0' : `0 to ${max}`}: ${meaning} (found ${JSON.stringify(offset)})`)
  }
  return out
}

/**
 * A usage plan's per-method throttle key: `{resourcePath}/{HTTPMETHOD}` such as `/pets/GET` (`//GET` for the
 * root resource), or `/*\/*` for every method (§7.2).
 */
export function methodThrottleKeyProblem(key: string): string | undefined {
  const slash = key.lastIndexOf('/')
  const path = key.slice(0, slash)
  const method = key.slice(slash + 1)
  const pathOk = path === '/*' || path === '/' || /^(?:\/[^/\s]+)+$/.test(path)
  const methodOk = (HTTP_METHODS as readonly string[]).includes(method) || (method === '*' && path === '/*')
  if (slash > 0 && pathOk && methodOk) return undefined
  return `invalid method throttle key "${key}": write {resourcePath}/{HTTPMETHOD}, e.g. "/pets/GET" or "/pets/{petId}/DELETE", or "/*/*" for every method`
}

/** The stable id of an API key declared in a config file (from its name). */
export function apiKeyIdFor(name: string): string {
  return stableId(`apikey:${name}`, 10)
}

/** The stable id of a usage plan declared in a config file (from its name). */
export function usagePlanIdFor(name: string): string {
  return stableId(`usageplan:${name}`, 10)
}
