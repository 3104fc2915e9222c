// The admin API's HTTP conventions, as AWS's control plane has them (§16.1): JSON bodies, errors as
// `{"message": …}` with an `x-amzn-ErrorType` header (which AWS SDKs read the exception name from), patch
// operations (§16.2), limit/position paging with a page's list under `item` (the wire name of the SDKs'
// `items`, §7.2), and dates as epoch seconds (what AWS SDKs parse in rest-json responses).

import type { IncomingMessage, ServerResponse } from 'node:http'

/** The `x-amzn-ErrorType` values the admin API answers with. */
export type AdminErrorType =
  | 'BadRequestException'
  | 'NotFoundException'
  | 'ConflictException'
  | 'UnauthorizedException'
  | 'ForbiddenException'
  | 'NotImplementedException'
  | 'SerializationException'
  | 'ServiceUnavailableException'
  | 'UnsupportedMediaTypeException'
  | 'ValidationException'
  | 'TooManyRequestsException'
  | 'LimitExceededException'
  | 'InvalidSignatureException'
  | 'UnrecognizedClientException'
  | 'IncompleteSignatureException'
  | 'ExpiredTokenException'

/** An admin API request that ends in an AWS-style error response. */
export class AdminApiError extends Error {
  readonly status: number
  readonly type: AdminErrorType
  readonly headers: Record<string, string>
  /** Members of the error body besides `message` (apigatewayv2's NotFoundException names a `resourceType`). */
  readonly extra: Record<string, string>
  constructor(status: number, type: AdminErrorType, message: string, headers: Record<string, string> = {}, extra: Record<string, string> = {}) {
    super(message)
    this.name = 'AdminApiError'
    this.status = status
    this.type = type
    this.headers = headers
    this.extra = extra
  }
}

export const badRequest = (message: string): AdminApiError => new AdminApiError(400, 'BadRequestException', message)
export const notFound = (message: string): AdminApiError => new AdminApiError(404, 'NotFoundException', message)
export const conflict = (message: string): AdminApiError => new AdminApiError(409, 'ConflictException', message)
/** AWS's input validation failures (enum values, patterns): 400 ValidationException. */
export const validation = (message: string): AdminApiError => new AdminApiError(400, 'ValidationException', message)

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) })
  res.end(text)
}

/** 202 with no body: AWS's answer to the admin API's deletes. */
export function sendAccepted(res: ServerResponse): void {
  res.writeHead(202, { 'Content-Length': 0 })
  res.end()
}

/** 204 with no body: the answer of some deletes (methods, integrations, every apigatewayv2 delete). */
export function sendNoContent(res: ServerResponse): void {
  res.writeHead(204)
  res.end()
}

export function sendError(res: ServerResponse, err: AdminApiError): void {
  const text = JSON.stringify({ message: err.message, ...err.extra })
  res.writeHead(err.status, {
    ...err.headers,
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    'x-amzn-ErrorType': err.type,
  })
  res.end(text)
}

/** The largest request body the admin API reads: an OpenAPI import at AWS's 6 MB limit (wrapped in JSON for apigatewayv2), a CSV of many keys. */
export const MAX_BODY_BYTES = 7 * 1024 * 1024

/** Bodies already read before the handler ran (to check a SigV4 signature over them). */
const BUFFERED = new WeakMap<IncomingMessage, Buffer>()

/** Reads the whole body once and keeps it, so that `readBody` later gives the same bytes. */
export async function bufferBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const done = BUFFERED.get(req)
  if (done) return done
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > limit) throw new AdminApiError(413, 'BadRequestException', `Request body is larger than ${limit} bytes`)
    chunks.push(chunk)
  }
  const body = Buffer.concat(chunks)
  BUFFERED.set(req, body)
  return body
}

export async function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<string> {
  const buffered = BUFFERED.get(req)
  if (buffered) return buffered.toString('utf8')
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > limit) throw new AdminApiError(413, 'BadRequestException', `Request body is larger than ${limit} bytes`)
    chunks.push(chunk)
  }
  return Buffer.concat(chunks).toString('utf8')
}

/** The request body as a JSON object; an empty body is `{}`. */
export async function readJsonObject(req: IncomingMessage): Promise<Record<string, unknown>> {
  const text = await readBody(req)
  if (text.trim() === '') return {}
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (err) {
    throw new AdminApiError(400, 'SerializationException', `Could not parse request body into json: ${(err as Error).message}`)
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new AdminApiError(400, 'SerializationException', 'The request body must be a JSON object')
  }
  return value as Record<string, unknown>
}

export interface PatchOperation {
  op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test'
  path: string
  value?: string
  from?: string
}

const PATCH_OPS: ReadonlyArray<PatchOperation['op']> = ['add', 'remove', 'replace', 'move', 'copy', 'test']

/**
 * The `patchOperations` of an update request (§16.2). Values are strings on the wire; numbers and booleans
 * sent by hand-written clients are taken as their string form.
 */
export function patchOperations(body: Record<string, unknown>, operation: string): PatchOperation[] {
  const raw = body.patchOperations ?? []
  if (!Array.isArray(raw)) throw badRequest('patchOperations must be a list of {op, path, value} objects')
  const invalid: string[] = []
  const ops = raw.map((item, i): PatchOperation => {
    const o = (typeof item === 'object' && item !== null ? item : {}) as Record<string, unknown>
    if (!PATCH_OPS.includes(o.op as PatchOperation['op'])) {
      invalid.push(`Value '${String(o.op)}' at '${operation}.patchOperations.${i + 1}.member.op' failed to satisfy constraint: Member must satisfy enum value set: [add, remove, move, test, replace, copy]`)
    }
    const op: PatchOperation = { op: o.op as PatchOperation['op'], path: typeof o.path === 'string' ? o.path : '' }
    if (o.value !== undefined && o.value !== null) op.value = typeof o.value === 'string' ? o.value : String(o.value)
    if (typeof o.from === 'string') op.from = o.from
    return op
  })
  // Recorded: every bad op is listed in one ValidationException.
  if (invalid.length > 0) throw validationErrors(invalid)
  return ops
}

/** AWS's wording for input constraint failures: `N validation error(s) detected: …; …`. */
export function validationErrors(messages: readonly string[]): AdminApiError {
  return validation(`${messages.length} validation error${messages.length === 1 ? '' : 's'} detected: ${messages.join('; ')}`)
}

/** AWS's message for a patch path an object does not support. */
export function invalidPatchPath(op: PatchOperation, supported: readonly string[]): AdminApiError {
  return badRequest(`Invalid patch path  '${op.path}' specified for op '${op.op}'. Must be one of: [${supported.join(', ')}]`)
}

/** Booleans in patch values follow Java's `Boolean.parseBoolean`: "true" (any case) is true, anything else false (recorded). */
export function patchBoolean(value: string | undefined): boolean {
  return value?.toLowerCase() === 'true'
}

/** A JSON-pointer segment decoded (`~1` → `/`, `~0` → `~`). */
export function unescapeSegment(segment: string): string {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~')
}

/** `true` for the query flags AWS takes as booleans (`includeValues=true`). */
export function queryFlag(url: URL, name: string): boolean {
  return url.searchParams.get(name)?.toLowerCase() === 'true'
}

export const DEFAULT_PAGE_SIZE = 25
export const MAX_PAGE_SIZE = 500

/** `limit`: 1–500, default 25. Anything else (AWS answered `limit=-1` with a normal page, recorded) is the default. */
export function pageSize(url: URL): number {
  const n = Number(url.searchParams.get('limit'))
  if (!Number.isInteger(n) || n < 1) return DEFAULT_PAGE_SIZE
  return Math.min(n, MAX_PAGE_SIZE)
}

/**
 * One page of `items` (already in list order) after the item `position` names. The position token is the
 * sort key of the last item returned, so a page boundary stays put when items are added or removed.
 */
export function page<T>(items: readonly T[], url: URL, sortKey: (item: T) => string): { items: T[]; position?: string } {
  const token = url.searchParams.get('position')
  let start = 0
  if (token !== null && token !== '') {
    let after: unknown
    try {
      after = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'))
    } catch {
      after = undefined
    }
    if (typeof after !== 'string') throw badRequest('Invalid position parameter')
    const index = items.findIndex((item) => sortKey(item) > after)
    start = index === -1 ? items.length : index
  }
  const size = pageSize(url)
  const slice = items.slice(start, start + size)
  const last = slice[slice.length - 1]
  if (start + size >= items.length || last === undefined) return { items: slice }
  return { items: slice, position: Buffer.from(JSON.stringify(sortKey(last)), 'utf8').toString('base64url') }
}

/** An ISO date as AWS's wire form: seconds since the epoch (fractions kept). */
export function epochSeconds(iso: string): number {
  return Date.parse(iso) / 1000
}

/** An optional string field of a request body; anything but a string (or absent/null) is a 400. */
export function optionalString(body: Record<string, unknown>, field: string): string | undefined {
  const v = body[field]
  if (v === undefined || v === null) return undefined
  if (typeof v !== 'string') throw badRequest(`${field} must be a string`)
  return v
}

/** A string map field (`tags`). */
export function stringMap(body: Record<string, unknown>, field: string): Record<string, string> {
  const v = body[field]
  if (v === undefined || v === null) return {}
  if (typeof v !== 'object' || Array.isArray(v)) throw badRequest(`${field} must be a map of strings`)
  const out: Record<string, string> = {}
  for (const [k, val] of Object.entries(v)) {
    if (typeof val !== 'string') throw badRequest(`${field}.${k} must be a string`)
    out[k] = val
  }
  return out
}
