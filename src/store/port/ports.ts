// The storage ports (src/store/port/, with state-rules.ts, batch.ts and watchers.ts, the contract code every
// adapter shares). ConfigStore: revisioned config documents with a change feed (memory, SQLite, PostgreSQL).
// State, one port per role (BucketStore, QuotaStore, CacheStore, LimitStore, ResponseCache) bundled as
// StateStore: memory, SQLite (quotas), Redis or a cluster primary.
// Adapters import only the port; one conformance suite per port (test/conformance/) runs against each adapter.

/** Kinds of config document. One document per (kind, id). */
export type DocKind =
  | 'api' // RestApi | HttpApi, id = apiId
  | 'deployment' // Deployment, id = deploymentId
  | 'stage' // Stage, id = `${apiId}/${stageName}`
  | 'settings' // GatewaySettings, id = 'gateway'
  | 'function' // function declarations
  | 'apikey' // API keys
  | 'usageplan' // usage plans
  | 'domain' // DomainName (custom domains with their mappings), id = domainName

export const DOC_KINDS: readonly DocKind[] = ['api', 'deployment', 'stage', 'settings', 'function', 'apikey', 'usageplan', 'domain']

export interface StoredDoc<T = unknown> {
  kind: DocKind
  id: string
  /** The global revision at which this document was last written. */
  revision: number
  /** Who owns the document: `file` (config files / CLI flags; replaced on reload) or `admin` (admin API). */
  origin: string
  value: T
}

export type ChangeOp =
  | { op: 'put'; kind: DocKind; id: string; value: unknown; origin?: string; /** fail unless the doc is at this revision (0: must not exist) */ expectRevision?: number }
  | { op: 'delete'; kind: DocKind; id: string; expectRevision?: number }

export interface ChangeEvent {
  revision: number
  op: 'put' | 'delete'
  kind: DocKind
  id: string
}

/** Thrown by `apply` when an `expectRevision` does not hold; nothing of the batch is written. */
export class RevisionConflictError extends Error {
  readonly kind: DocKind
  readonly id: string
  readonly expected: number
  readonly actual: number
  constructor(kind: DocKind, id: string, expected: number, actual: number) {
    super(`revision conflict on ${kind}/${id}: expected ${expected}, found ${actual}`)
    this.name = 'RevisionConflictError'
    this.kind = kind
    this.id = id
    this.expected = expected
    this.actual = actual
  }
}

/**
 * Thrown by `changesSince` when the events after `requested` are no longer kept (adapters bound their
 * change log); the caller must reload everything instead of replaying changes.
 */
export class ChangeLogTruncatedError extends Error {
  readonly requested: number
  /** The oldest revision `changesSince` can still start from. */
  readonly oldestAvailable: number
  constructor(requested: number, oldestAvailable: number) {
    super(`changes after revision ${requested} are no longer kept; the change log starts after revision ${oldestAvailable}`)
    this.name = 'ChangeLogTruncatedError'
    this.requested = requested
    this.oldestAvailable = oldestAvailable
  }
}

export interface ConfigStore {
  /** The current global revision (0 for an empty store). Increases by one per applied batch. */
  revision(): Promise<number>
  get<T = unknown>(kind: DocKind, id: string): Promise<StoredDoc<T> | undefined>
  list<T = unknown>(kind: DocKind): Promise<Array<StoredDoc<T>>>
  /**
   * Applies a batch atomically: all of it or none of it. Every op of the batch gets the same new
   * revision, which is returned. An empty batch returns the current revision and writes nothing.
   */
  apply(ops: ChangeOp[]): Promise<number>
  /** Change events after `revision`, oldest first. Throws ChangeLogTruncatedError if they are no longer kept. */
  changesSince(revision: number): Promise<ChangeEvent[]>
  /**
   * Calls `listener` with the events of each batch applied after this call (by this process or, for
   * shared backends, by another). Returns an unsubscribe function.
   */
  watch(listener: (events: ChangeEvent[]) => void): () => void
  close(): Promise<void>
}

// ---------------------------------------------------------------------------------------------------
// The data plane's shared state, one port per role: BucketStore (token buckets), QuotaStore (quota counters
// and usage records), CacheStore (TTL'd entries), LimitStore (buckets and quota decided together in one call,
// `admit`), and StateStore, the bundle the composition root hands out (src/store/compose.ts).
//
// Time always comes from the caller (`nowMs`, epoch milliseconds from an injectable clock); adapters never
// read the wall clock to make a decision. Buckets, quota counters, usage records and cache entries live in
// separate namespaces: the same key string in two of them names two unrelated things. Every decision
// (`takeTokens`, `consumeQuota`, `adjustQuota`, `admit`) is one atomic step in the backend, so several gateway
// processes sharing one backend enforce one limit exactly.

/** One token bucket of a `takeTokens` or `admit` call (docs/aws-behaviour.md §7.9). */
export interface BucketSpec {
  /** Names the bucket. The same key with other limits is the same bucket, now under the new limits. */
  readonly key: string
  /** Tokens added per second, fractions allowed. 0 blocks all traffic through the bucket. */
  readonly rate: number
  /** The most tokens the bucket holds; a new (or long idle) bucket is full. Below 1 blocks all traffic. */
  readonly burst: number
}

/**
 * The outcome of `takeTokens`. On rejection `index` is the first bucket (in the order given) without a
 * token, and `retryAfterMs` how long until every bucket of the call holds a token again if nobody else
 * takes one (`Infinity` when one of them never refills: rate or burst 0).
 */
export type TakeResult = { allowed: true } | { allowed: false; index: number; retryAfterMs: number }

/** A quota period [start, end) in epoch milliseconds, as `quotaPeriod` (src/store/port/state-rules.ts) computes it. */
export interface QuotaPeriod {
  readonly start: number
  readonly end: number
}

/** Requests admitted in a quota period so far, and how many more it admits. */
export interface QuotaStatus {
  used: number
  remaining: number
}

/** The outcome of `consumeQuota`: the counter after the request (unchanged when it was rejected). */
export interface QuotaResult extends QuotaStatus {
  allowed: boolean
}

/** Requests admitted for one key on one UTC day (`YYYY-MM-DD`). */
export interface DailyUsage {
  day: string
  used: number
}

/**
 * Thrown by a state store whose shared backend does not answer (Redis down, unreachable or too slow; a
 * cluster primary gone). It is raised quickly rather than after long retries, so that callers can decide to
 * fail open or fail closed.
 */
export class StateStoreUnavailableError extends Error {
  readonly code = 'STATE_STORE_UNAVAILABLE'
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'StateStoreUnavailableError'
  }
}

/** What every adapter of a state role has besides its role: a way to let go of its backend. */
export interface Closable {
  close(): Promise<void>
}

/** Token buckets (§7.9): the throttling role. */
export interface BucketStore {
  /**
   * Takes one token from every bucket, or none: the buckets are checked in the given order and the request
   * is admitted only if each has a token. Keys must be distinct within a call. An empty list is admitted.
   * Throws RangeError for a negative or non-finite rate or burst, a non-finite `nowMs`, or a repeated key.
   */
  takeTokens(buckets: readonly BucketSpec[], nowMs: number): Promise<TakeResult>
  /** Optional: the same decision synchronously, for in-process adapters (the data plane then skips an await). */
  takeTokensSync?(buckets: readonly BucketSpec[], nowMs: number): TakeResult
}

/** Quota counters per period and usage records per UTC day (§7.2): the quota role. */
export interface QuotaStore {
  /**
   * Counts one request against `key`'s quota for `period` if fewer than `limit` (or the remaining quota set by
   * `adjustQuota`) were admitted in it; a rejected request is not counted. Each admitted request also adds
   * one to the usage record of `key` for the UTC day of `nowMs`. `nowMs` must lie in [start, end).
   */
  consumeQuota(key: string, limit: number, period: QuotaPeriod, nowMs: number): Promise<QuotaResult>
  /** Optional: the same decision synchronously, for adapters that decide in-process (memory, SQLite). */
  consumeQuotaSync?(key: string, limit: number, period: QuotaPeriod, nowMs: number): QuotaResult
  /** The quota counter of `key` for `period` without counting anything. */
  quotaStatus(key: string, limit: number, period: QuotaPeriod): Promise<QuotaStatus>
  /**
   * Replaces what remains of `key`'s quota in `period` (AWS UpdateUsage, `replace /remaining`): from now on the
   * period admits `remaining` more requests, whatever the plan's limit. Returns the new status.
   */
  adjustQuota(key: string, period: QuotaPeriod, remaining: number, nowMs: number): Promise<QuotaStatus>
  /**
   * The usage record of `key`: one entry per UTC day from `fromDay` to `toDay` (both `YYYY-MM-DD`, inclusive,
   * at most 366 days), oldest first, 0 for days without admitted requests.
   */
  getUsage(key: string, fromDay: string, toDay: string): Promise<DailyUsage[]>
}

/**
 * Entries that expire: the Lambda-authorizer result cache today, the response cache (§8) later. Expiry is
 * decided on the callers' clock.
 */
export interface CacheStore {
  /** An entry, or undefined when absent or expired at `nowMs`. Strings come back as strings, Buffers as Buffers. */
  get(key: string, nowMs: number): Promise<string | Buffer | undefined>
  /** Stores an entry (a copy of `value`) that expires `ttlMs` (> 0) after `nowMs`. Strings are kept as UTF-8. */
  set(key: string, value: string | Buffer, ttlMs: number, nowMs: number): Promise<void>
  delete(key: string): Promise<void>
  /** Deletes every entry whose key starts with `prefix`. */
  deletePrefix(prefix: string): Promise<void>
}

/** One cached REST response (§8): what the integration answered, as the response chain carried it. */
export interface CachedResponse {
  readonly status: number
  /** Flat `[name, value, …]`, names in their case, without `Content-Length` (the chain's header form). */
  readonly headers: readonly string[]
  readonly body: Buffer
}

/**
 * The REST stage response cache (§8), kept apart from CacheStore's bag of small entries. Entries belong to a
 * stage (`stage`: `{apiId}/{stageName}`), so `flushResponses` drops a whole stage at once, cheaply. Expiry is
 * decided on the callers' clock. `capacityBytes` is the stage's bound (`cacheClusterSize`): an adapter that
 * holds entries itself evicts the least recently used ones to stay within it and never stores an entry larger
 * than it; a shared backend (Redis) may leave the bound to the backend's own memory policy. An entry is copied
 * in: mutating what was passed never changes the cache. What comes out is the caller's to send, not to change:
 * in-process adapters hand out the stored body itself (a hit copies no bytes), with a fresh header list.
 */
export interface ResponseCache {
  /** The stage's entry under `key`, or undefined when absent, expired at `nowMs` or flushed. */
  getResponse(stage: string, key: string, nowMs: number): Promise<CachedResponse | undefined>
  /** Optional: the same lookup synchronously, for in-process adapters (a hit then answers without an await). */
  getResponseSync?(stage: string, key: string, nowMs: number): CachedResponse | undefined
  /** Stores (or replaces) an entry that expires `ttlMs` (> 0) after `nowMs`. */
  setResponse(stage: string, key: string, entry: CachedResponse, ttlMs: number, nowMs: number, capacityBytes: number): Promise<void>
  /** Drops every entry of the stage (FlushStageCache, a new deployment of the stage). */
  flushResponses(stage: string): Promise<void>
}

/** The quota a request of `admit` is counted against: `consumeQuota`'s arguments. */
export interface QuotaSpec {
  readonly key: string
  readonly limit: number
  readonly period: QuotaPeriod
}

/**
 * The outcome of `admit`. `refusedBy: 'bucket'` carries `takeTokens`'s `index` and `retryAfterMs`;
 * `refusedBy: 'quota'` the quota counter as it stays. An admitted request carries its quota counter after
 * counting (null when the call named no quota).
 */
export type AdmitResult =
  | { allowed: true; quota: QuotaStatus | null }
  | { allowed: false; refusedBy: 'bucket'; index: number; retryAfterMs: number }
  | { allowed: false; refusedBy: 'quota'; quota: QuotaStatus }

/**
 * Buckets and quota together: the one state-store call of a throttled request (one Lua script on Redis, one
 * message to a cluster primary, synchronous in process). `admit(buckets, quota)` decides exactly what
 * `takeTokens(buckets)` followed by `consumeQuota(quota)` (only when the tokens were taken) decides, as one
 * atomic step (§7.9: throttle first, then quota):
 *
 * 1. The buckets are checked in the given order, all or nothing. If one has no token the request is refused
 *    by `'bucket'` (index of the first empty one, `retryAfterMs` as `takeTokens`): no bucket loses a token,
 *    and the quota is neither checked nor counted. So THROTTLED wins over QUOTA_EXCEEDED.
 * 2. Otherwise one token is taken from every bucket. Then, if `quota` is given and spent, the request is
 *    refused by `'quota'`: the tokens taken stay taken (the request spent its place in the buckets), nothing
 *    is counted and no usage is recorded.
 * 3. Otherwise the request is admitted: the quota counter and the usage record of its UTC day grow by one.
 *
 * An empty bucket list with no quota is admitted. Every argument is checked before anything changes, with
 * `takeTokens`'s and `consumeQuota`'s errors.
 */
export interface LimitStore extends BucketStore, QuotaStore {
  admit(buckets: readonly BucketSpec[], quota: QuotaSpec | null, nowMs: number): Promise<AdmitResult>
  /** Optional: the same decision synchronously, for in-process stores (the data plane then skips an await). */
  admitSync?(buckets: readonly BucketSpec[], quota: QuotaSpec | null, nowMs: number): AdmitResult
}

/**
 * Every state role in one bundle, as the composition root (src/store/compose.ts) or a shared backend (Redis,
 * a cluster primary) provides it. Consumers take the role they use: the throttle step a LimitStore, the
 * authorizer cache a CacheStore, the usage reader a QuotaStore, the cache step a ResponseCache.
 */
export interface StateStore extends LimitStore, CacheStore, ResponseCache, Closable {}

// Later roles, each its own port beside these (and on the bundle when a backend serves it):
// ConnectionRegistry (WebSocket connections: §10.4–10.5, @connections) and PubSub (delivery between nodes).
