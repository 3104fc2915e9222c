// RedisStateStore: every state role (buckets, quotas, cache, the response cache, and `admit`) in one Redis shared by every gateway
// node. Each decision is one Lua script (EVALSHA through ioredis defineCommand), so limits and quotas hold
// exactly across nodes, and a throttled request with a quota costs one round trip.

import { Redis } from 'ioredis'
import type { RedisOptions } from 'ioredis'
import { StateStoreUnavailableError } from '../port/ports.js'
import type { AdmitResult, BucketSpec, CachedResponse, DailyUsage, QuotaPeriod, QuotaResult, QuotaSpec, QuotaStatus, StateStore, TakeResult } from '../port/ports.js'
import {
  BUCKET_KEEP_AFTER_FULL_MS,
  CACHE_KEEP_AFTER_EXPIRY_MS,
  QUOTA_KEEP_AFTER_END_MS,
  TOKEN_EPSILON,
  checkAdmit,
  checkBuckets,
  checkConsume,
  checkCount,
  checkResponseEntry,
  checkKey,
  checkPeriod,
  checkRetentionDays,
  checkTime,
  checkTtl,
  checkValue,
  daysBetween,
  responseEntryBytes,
  usageTtlMs,
  utcDay,
} from '../port/state-rules.js'

export interface RedisStateStoreOptions {
  /** Prepended to every key (default `gatehouse:`), so several gateways or test runs can share one Redis. */
  keyPrefix?: string
  /** How long a command may wait for its answer before it fails with StateStoreUnavailableError (default 500 ms). */
  commandTimeoutMs?: number
  /** How long a connection attempt may take (default 1000 ms). */
  connectTimeoutMs?: number
  /** How many days of usage records are kept (default 90). */
  usageRetentionDays?: number
  /** Called with each connection error (they also become the `cause` of StateStoreUnavailableError). */
  onError?: (error: Error) => void
}

// `admit`: token buckets, evaluated in order, all or nothing; then, only if every bucket gave a token, the
// quota. The bucket arithmetic repeats refill() and waitForToken() of state-rules.ts step for step so that
// this adapter and the in-process ones decide alike. `takeTokens` and `consumeQuota` are this script with
// no quota and with no buckets.
// KEYS: the n buckets, then (with a quota) the period's counter (hash: u = used, c = cap set by adjustQuota)
// and the day's usage record. ARGV: nowMs, n, 1|0 (a quota or not), epsilon, keep-after-full ms, rate and
// burst per bucket, then limit, counter ttl ms, usage ttl ms.
// Returns { 0, index of the first empty bucket, retry after ms or -1 for never } when a bucket refuses,
// { 2, used, 0 } when the quota refuses (the tokens stay taken), { 1, used, remaining } when admitted
// ({ 1, -1, -1 } without a quota).
const ADMIT = `
local now = tonumber(ARGV[1])
local n = tonumber(ARGV[2])
local eps = tonumber(ARGV[4])
local keep = tonumber(ARGV[5])
local tokens, stamps, rates, bursts = {}, {}, {}, {}
local index, wait = 0, 0
for i = 1, n do
  local rate = tonumber(ARGV[4 + 2 * i])
  local burst = tonumber(ARGV[5 + 2 * i])
  local state = redis.call('HMGET', KEYS[i], 't', 's')
  local t, s = burst, now
  if state[1] then
    t = tonumber(state[1])
    s = tonumber(state[2])
    local elapsed = 0
    if now > s then elapsed = now - s end
    t = math.min(burst, t + (elapsed * rate) / 1000)
    s = math.max(s, now)
  end
  tokens[i], stamps[i], rates[i], bursts[i] = t, s, rate, burst
  local w = 0
  if rate <= 0 or burst < 1 then
    w = -1
  elseif t < 1 - eps then
    w = math.ceil(((1 - t) * 1000) / rate)
  end
  if w ~= 0 then
    if index == 0 then index = i end
    if w < 0 or wait < 0 then wait = -1 elseif w > wait then wait = w end
  end
end
if index > 0 then return { 0, index - 1, wait } end
for i = 1, n do
  local left = tokens[i] - 1
  redis.call('HSET', KEYS[i], 't', string.format('%.17g', left), 's', string.format('%.17g', stamps[i]))
  redis.call('PEXPIRE', KEYS[i], math.max(0, math.ceil(((bursts[i] - left) * 1000) / rates[i])) + keep)
end
if ARGV[3] ~= '1' then return { 1, -1, -1 } end
local q = 6 + 2 * n
local counter, usage = KEYS[n + 1], KEYS[n + 2]
local quota = redis.call('HMGET', counter, 'u', 'c')
local used = quota[1] and tonumber(quota[1]) or 0
local cap = quota[2] and tonumber(quota[2]) or tonumber(ARGV[q])
if used >= cap then return { 2, used, 0 } end
used = redis.call('HINCRBY', counter, 'u', 1)
redis.call('PEXPIRE', counter, ARGV[q + 1])
redis.call('INCR', usage)
redis.call('PEXPIRE', usage, ARGV[q + 2])
return { 1, used, cap - used }
`

// KEYS[1]: the period's counter. ARGV: remaining, counter ttl ms. Returns used.
const ADJUST_QUOTA = `
local used = tonumber(redis.call('HGET', KEYS[1], 'u') or '0')
redis.call('HSET', KEYS[1], 'u', used, 'c', used + tonumber(ARGV[1]))
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return used
`

// KEYS[1]: the entry (hash: v = bytes, t = 's' for a string or 'b', e = expiry in the callers' time).
// ARGV: value, type, expiresAt, ttl ms.
const CACHE_SET = `
redis.call('HSET', KEYS[1], 'v', ARGV[1], 't', ARGV[2], 'e', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
`

// The response cache (§8). Each stage has a generation counter (KEYS[1], `rgen:{stage}`); its entries live under
// `resp:{stage}:{generation}:{key}`, so FlushStageCache is one INCR: the old generation's entries are never
// read again and expire on their own (PEXPIRE: the TTL plus a margin). No SCAN, however many entries.
// GET — ARGV: entry key base (`…resp:{stage}:`), key. Returns { expiresAt, status, headers JSON, body } or nils.
const RESPONSE_GET = `
local g = redis.call('GET', KEYS[1]) or '0'
return redis.call('HMGET', ARGV[1] .. g .. ':' .. ARGV[2], 'e', 's', 'h', 'b')
`
// SET — ARGV: entry key base, key, expiresAt, status, headers JSON, body, ttl ms.
const RESPONSE_SET = `
local g = redis.call('GET', KEYS[1]) or '0'
local k = ARGV[1] .. g .. ':' .. ARGV[2]
redis.call('HSET', k, 'e', ARGV[3], 's', ARGV[4], 'h', ARGV[5], 'b', ARGV[6])
redis.call('PEXPIRE', k, ARGV[7])
`

interface Scripts {
  ghResponseGetBuffer(gen: string, base: string, key: string): Promise<Array<Buffer | null>>
  ghResponseSet(gen: string, base: string, key: string, expiresAt: string, status: number, headers: string, body: Buffer, ttl: number): Promise<null>
  ghAdmit(numKeys: number, ...args: Array<string | number>): Promise<[number, number, number]>
  ghAdjustQuota(key: string, remaining: number, counterTtl: number): Promise<number>
  ghCacheSet(key: string, value: string | Buffer, type: string, expiresAt: string, ttl: number): Promise<null>
}

// Reply errors that mean "Redis cannot serve right now", not "this command is wrong".
const UNAVAILABLE_REPLIES = /^(LOADING|MASTERDOWN|READONLY|TRYAGAIN|CLUSTERDOWN|BUSY)\b/

/**
 * A StateStore in Redis. Time is the callers' `nowMs`, even here where Redis has a clock of its own: it keeps
 * decisions injectable (tests run on a frozen clock) and identical to the in-process adapters'. Gateway nodes
 * are expected to run NTP; a node whose clock lags cannot mint tokens (a bucket's stamp never moves back),
 * it only sees less refill. Redis's own clock is used for nothing but expiring idle keys (PEXPIRE with a
 * relative time plus a margin), so state that is needed is never dropped early.
 *
 * Unreachable Redis fails fast with StateStoreUnavailableError: commands are never queued while
 * disconnected (`enableOfflineQueue: false`), never resent after a reconnect (that could count a request
 * twice), and time out after `commandTimeoutMs`. After a failure, calls fail at once until ioredis has
 * reconnected in the background. One Redis (or a primary) is assumed: a call's keys may span hash slots, so
 * Redis Cluster is not supported.
 *
 * @example
 * const state = new RedisStateStore('redis://127.0.0.1:6379', { keyPrefix: 'gatehouse:prod:' })
 * const quota = await state.consumeQuota('plan1:key1', 1000, quotaPeriod('DAY', 0, now), now)
 */
export class RedisStateStore implements StateStore {
  /** The key prefix in use. */
  readonly keyPrefix: string
  readonly #client: Redis
  readonly #scripts: Scripts
  readonly #connectTimeoutMs: number
  readonly #retentionDays: number
  readonly #where: string
  #failing = false
  #lastError: Error | undefined
  #waitingForReady: Promise<void> | undefined
  #closed = false

  /** `connection` is a `redis://` URL or ioredis options; the fail-fast options above always apply. */
  constructor(connection: string | RedisOptions, options: RedisStateStoreOptions = {}) {
    this.keyPrefix = options.keyPrefix ?? 'gatehouse:'
    if (typeof this.keyPrefix !== 'string') throw new TypeError('keyPrefix must be a string')
    const commandTimeout = options.commandTimeoutMs ?? 500
    this.#connectTimeoutMs = options.connectTimeoutMs ?? 1000
    for (const [name, value] of [['commandTimeoutMs', commandTimeout], ['connectTimeoutMs', this.#connectTimeoutMs]] as const) {
      if (!Number.isInteger(value) || value <= 0) throw new RangeError(`${name} must be a positive integer, got ${value}`)
    }
    this.#retentionDays = checkRetentionDays(options.usageRetentionDays)
    const failFast: RedisOptions = {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      lazyConnect: false,
      commandTimeout,
      connectTimeout: this.#connectTimeoutMs,
    }
    const backoff: RedisOptions = { retryStrategy: (times: number) => Math.min(50 * times, 1000) }
    if (typeof connection === 'string') {
      if (connection === '') throw new TypeError('RedisStateStore: the connection URL must be a non-empty string')
      this.#client = new Redis(connection, { ...backoff, ...failFast })
    } else if (typeof connection === 'object' && connection !== null) {
      this.#client = new Redis({ ...backoff, ...connection, ...failFast })
    } else {
      throw new TypeError('RedisStateStore: connection must be a redis:// URL or ioredis options')
    }
    const { host, port } = this.#client.options
    this.#where = `${host ?? '127.0.0.1'}:${port ?? 6379}`

    this.#client.on('ready', () => {
      this.#failing = false
    })
    this.#client.on('error', (error: Error) => {
      this.#failing = true
      this.#lastError = error
      options.onError?.(error)
    })
    this.#client.on('close', () => {
      this.#failing = true
    })
    this.#client.defineCommand('ghAdmit', { lua: ADMIT })
    this.#client.defineCommand('ghAdjustQuota', { numberOfKeys: 1, lua: ADJUST_QUOTA })
    this.#client.defineCommand('ghCacheSet', { numberOfKeys: 1, lua: CACHE_SET })
    this.#client.defineCommand('ghResponseGet', { numberOfKeys: 1, lua: RESPONSE_GET })
    this.#client.defineCommand('ghResponseSet', { numberOfKeys: 1, lua: RESPONSE_SET })
    this.#scripts = this.#client as unknown as Scripts
  }

  async takeTokens(buckets: readonly BucketSpec[], nowMs: number): Promise<TakeResult> {
    checkBuckets(buckets, nowMs)
    if (buckets.length === 0) return { allowed: true }
    const [code, index, wait] = await this.#admit('takeTokens', buckets, null, nowMs)
    return code === 0 ? { allowed: false, index, retryAfterMs: wait < 0 ? Infinity : wait } : { allowed: true }
  }

  async consumeQuota(key: string, limit: number, period: QuotaPeriod, nowMs: number): Promise<QuotaResult> {
    checkConsume(key, limit, period, nowMs)
    const [code, used, remaining] = await this.#admit('consumeQuota', [], { key, limit, period }, nowMs)
    return { allowed: code === 1, used, remaining }
  }

  /** Buckets and quota in one script, so one round trip (see ports.ts, LimitStore, for the semantics). */
  async admit(buckets: readonly BucketSpec[], quota: QuotaSpec | null, nowMs: number): Promise<AdmitResult> {
    checkAdmit(buckets, quota, nowMs)
    if (buckets.length === 0 && quota === null) return { allowed: true, quota: null }
    const [code, a, b] = await this.#admit('admit', buckets, quota, nowMs)
    if (code === 0) return { allowed: false, refusedBy: 'bucket', index: a, retryAfterMs: b < 0 ? Infinity : b }
    if (code === 2) return { allowed: false, refusedBy: 'quota', quota: { used: a, remaining: b } }
    return { allowed: true, quota: quota === null ? null : { used: a, remaining: b } }
  }

  /** Runs the ADMIT script: checked arguments in, its raw { code, a, b } out. */
  #admit(op: string, buckets: readonly BucketSpec[], quota: QuotaSpec | null, nowMs: number): Promise<[number, number, number]> {
    const n = buckets.length
    const keys: string[] = new Array(n)
    const argv: Array<string | number> = [String(nowMs), n, quota === null ? 0 : 1, String(TOKEN_EPSILON), BUCKET_KEEP_AFTER_FULL_MS]
    for (let i = 0; i < n; i++) {
      const b = buckets[i]!
      keys[i] = this.#key('bucket', b.key)
      argv.push(String(b.rate), String(b.burst))
    }
    if (quota !== null) {
      const day = utcDay(nowMs)
      keys.push(this.#quotaKey(quota.key, quota.period), this.#key('usage', `${day}:${quota.key}`))
      argv.push(quota.limit, counterTtl(quota.period, nowMs), Math.ceil(usageTtlMs(day, nowMs, this.#retentionDays)))
    }
    return this.#run(op, () => this.#scripts.ghAdmit(keys.length, ...keys, ...argv))
  }

  async quotaStatus(key: string, limit: number, period: QuotaPeriod): Promise<QuotaStatus> {
    checkKey(key)
    checkCount(limit, 'limit')
    checkPeriod(period)
    const [u, c] = await this.#run('quotaStatus', () => this.#client.hmget(this.#quotaKey(key, period), 'u', 'c'))
    const used = u === null ? 0 : Number(u)
    return { used, remaining: Math.max(0, (c === null ? limit : Number(c)) - used) }
  }

  async adjustQuota(key: string, period: QuotaPeriod, remaining: number, nowMs: number): Promise<QuotaStatus> {
    checkKey(key)
    checkPeriod(period)
    checkCount(remaining, 'remaining')
    checkTime(nowMs, 'nowMs')
    const used = await this.#run('adjustQuota', () => this.#scripts.ghAdjustQuota(this.#quotaKey(key, period), remaining, counterTtl(period, nowMs)))
    return { used, remaining }
  }

  async getUsage(key: string, fromDay: string, toDay: string): Promise<DailyUsage[]> {
    checkKey(key)
    const days = daysBetween(fromDay, toDay)
    const counts = await this.#run('getUsage', () => this.#client.mget(days.map((day) => this.#key('usage', `${day}:${key}`))))
    return days.map((day, i) => ({ day, used: counts[i] == null ? 0 : Number(counts[i]) }))
  }

  async get(key: string, nowMs: number): Promise<string | Buffer | undefined> {
    checkKey(key)
    checkTime(nowMs, 'nowMs')
    const [expiresAt, type, bytes] = await this.#run('get', () => this.#client.hmgetBuffer(this.#key('cache', key), 'e', 't', 'v'))
    // Expiry is decided on the callers' clock; PEXPIRE only removes the entry from Redis afterwards.
    if (expiresAt == null || bytes == null || nowMs >= Number(expiresAt.toString())) return undefined
    return type?.toString() === 's' ? bytes.toString('utf8') : bytes
  }

  async set(key: string, value: string | Buffer, ttlMs: number, nowMs: number): Promise<void> {
    checkKey(key)
    checkValue(value)
    checkTtl(ttlMs)
    checkTime(nowMs, 'nowMs')
    const text = typeof value === 'string'
    await this.#run('set', () => this.#scripts.ghCacheSet(this.#key('cache', key), value, text ? 's' : 'b', String(nowMs + ttlMs), Math.ceil(ttlMs) + CACHE_KEEP_AFTER_EXPIRY_MS))
  }

  async delete(key: string): Promise<void> {
    checkKey(key)
    await this.#run('delete', () => this.#client.unlink(this.#key('cache', key)))
  }

  /** Walks the matching keys with SCAN and unlinks them in batches: entries set meanwhile may survive. */
  async deletePrefix(prefix: string): Promise<void> {
    if (typeof prefix !== 'string') throw new TypeError('prefix must be a string')
    const match = `${escapeGlob(this.#key('cache', prefix))}*`
    await this.#run('deletePrefix', async () => {
      let cursor = '0'
      do {
        const [next, keys] = await this.#client.scan(cursor, 'MATCH', match, 'COUNT', 1000)
        if (keys.length > 0) await this.#client.unlink(...keys)
        cursor = next
      } while (cursor !== '0')
    })
  }

  async getResponse(stage: string, key: string, nowMs: number): Promise<CachedResponse | undefined> {
    checkKey(stage, 'stage')
    checkKey(key)
    checkTime(nowMs, 'nowMs')
    const [e, st, h, b] = await this.#run('getResponse', () => this.#scripts.ghResponseGetBuffer(this.#key('rgen', stage), this.#key('resp', `${stage}:`), key))
    if (e == null || st == null || h == null || b == null || nowMs >= Number(e.toString())) return undefined
    return { status: Number(st.toString()), headers: JSON.parse(h.toString('utf8')) as string[], body: b }
  }

  /** Redis bounds memory itself (maxmemory with a volatile-* policy: every entry has a TTL); `capacityBytes` only refuses entries larger than the bound. */
  async setResponse(stage: string, key: string, entry: CachedResponse, ttlMs: number, nowMs: number, capacityBytes: number): Promise<void> {
    checkResponseEntry(stage, key, entry, ttlMs, nowMs, capacityBytes)
    if (responseEntryBytes(key, entry) > capacityBytes) return
    const headers = JSON.stringify(entry.headers)
    await this.#run('setResponse', () =>
      this.#scripts.ghResponseSet(this.#key('rgen', stage), this.#key('resp', `${stage}:`), key, String(nowMs + ttlMs), entry.status, headers, entry.body, Math.ceil(ttlMs) + CACHE_KEEP_AFTER_EXPIRY_MS),
    )
  }

  /** One INCR of the stage's generation: every entry stored before is unreachable from then on. */
  async flushResponses(stage: string): Promise<void> {
    checkKey(stage, 'stage')
    await this.#run('flushResponses', () => this.#client.incr(this.#key('rgen', stage)))
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    if (this.#client.status === 'ready') {
      try {
        // QUIT waits for the server's answer; a connection that stopped answering must not hold up shutdown.
        let timer: NodeJS.Timeout | undefined
        const gaveUp = new Promise<'timeout'>((resolve) => {
          timer = setTimeout(() => resolve('timeout'), 1000)
          timer.unref()
        })
        const r = await Promise.race([this.#client.quit(), gaveUp])
        clearTimeout(timer)
        if (r !== 'timeout') return
      } catch {
        // Lost while quitting: nothing left to say goodbye to.
      }
    }
    this.#client.disconnect()
  }

  #key(space: 'bucket' | 'usage' | 'cache' | 'quota' | 'rgen' | 'resp', key: string): string {
    return `${this.keyPrefix}${space}:${key}`
  }

  #quotaKey(key: string, period: QuotaPeriod): string {
    return this.#key('quota', `${period.start}:${period.end}:${key}`)
  }

  /** Runs one Redis round trip, turning every sign of an unreachable Redis into StateStoreUnavailableError. */
  async #run<T>(op: string, command: () => Promise<T>): Promise<T> {
    if (this.#closed) throw new Error('RedisStateStore is closed')
    if (this.#client.status !== 'ready') {
      if (this.#failing) throw this.#unavailable(op, this.#lastError)
      await this.#untilReady(op)
    }
    try {
      return await command()
    } catch (error) {
      if (error instanceof Error && error.name === 'ReplyError' && !UNAVAILABLE_REPLIES.test(error.message)) throw error
      throw this.#unavailable(op, error)
    }
  }

  /** Waits for a connection in progress (at start-up), at most connectTimeoutMs; shared by concurrent calls. */
  #untilReady(op: string): Promise<void> {
    this.#waitingForReady ??= new Promise<void>((resolve, reject) => {
      const settle = (error?: unknown): void => {
        clearTimeout(timer)
        this.#client.off('ready', onReady).off('error', settle).off('close', onClose)
        this.#waitingForReady = undefined
        if (error === undefined) resolve()
        else reject(error)
      }
      const onReady = (): void => settle()
      const onClose = (): void => settle(this.#lastError ?? new Error('connection closed'))
      const timer = setTimeout(() => {
        this.#failing = true
        settle(new Error(`no connection within ${this.#connectTimeoutMs} ms`))
      }, this.#connectTimeoutMs)
      this.#client.on('ready', onReady).on('error', settle).on('close', onClose)
    })
    return this.#waitingForReady.catch((error: unknown) => {
      throw this.#unavailable(op, error)
    })
  }

  #unavailable(op: string, cause: unknown): StateStoreUnavailableError {
    const reason = cause instanceof Error ? cause.message : 'not connected'
    return new StateStoreUnavailableError(`Redis at ${this.#where} is unavailable (${op}): ${reason}`, { cause })
  }
}

/** Keeps a period's counter until the period has ended, plus a margin for disagreeing clocks. */
function counterTtl(period: QuotaPeriod, nowMs: number): number {
  return Math.max(0, Math.ceil(period.end - nowMs)) + QUOTA_KEEP_AFTER_END_MS
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&')
}
