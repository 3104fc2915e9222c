// Text and binary payloads of REST non-proxy integrations (§14.2): which side of a request or an integration
// response counts as binary (binaryMediaTypes against Content-Type / the first Accept), and the conversions
// `contentHandling` asks for — base64 both ways, and AWS's lossy UTF-8 for text.

import { isUtf8 } from 'node:buffer'
import type { RequestContext } from '../dataplane/context.js'
import type { ContentHandling } from '../model/types.js'
import { GatewayError } from '../errors.js'
import { isBinaryType } from './lambda-events.js'
import { firstAccept, mediaType } from './templates.js'

/**
 * Decodes standard base64 as strictly as Java's basic decoder: only the base64 alphabet (no whitespace, no
 * URL-safe letters), padding optional but correct when present. Returns null for anything else ([K]: the
 * recordings only show that text such as `this is a UTF8 text typed object` fails).
 */
export function decodeBase64Strict(data: Buffer | string): Buffer | null {
  const text = typeof data === 'string' ? data : data.toString('latin1')
  let end = text.length
  let pad = 0
  while (end > 0 && text.charCodeAt(end - 1) === 61 /* = */) {
    end--
    pad++
  }
  if (pad > 2) return null
  for (let i = 0; i < end; i++) {
    const c = text.charCodeAt(i)
    const ok = (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 43 || c === 47
    if (!ok) return null
  }
  if (end % 4 === 1) return null
  if (pad > 0 && (end + pad) % 4 !== 0) return null
  return Buffer.from(text.slice(0, end), 'base64')
}

/**
 * The bytes as AWS's text handling leaves them: valid UTF-8 unchanged, each invalid sequence replaced by
 * U+FFFD (`EF BF BD`) — the recorded `raw-no-media` bodies grow from 67 to 99 bytes exactly this way.
 */
export function asUtf8Text(body: Buffer): Buffer {
  return isUtf8(body) ? body : Buffer.from(body.toString('utf8'), 'utf8')
}

function decodeOrFail(body: Buffer, ctx: RequestContext | null, where: string): Buffer {
  const out = decodeBase64Strict(body)
  if (out === null) {
    // A base64 decode failure is a configuration error: 500 (§6.1, §14.2).
    if (ctx !== null) ctx.integrationErrorMessage = `${where} is not valid base64 (contentHandling CONVERT_TO_BINARY)`
    throw new GatewayError('API_CONFIGURATION_ERROR', undefined)
  }
  return out
}

/** Whether the request payload is binary: its Content-Type matches the stage's binaryMediaTypes (§14.2). */
export function requestIsBinary(ctx: RequestContext): boolean {
  const list = ctx.stage?.binaryMediaTypes ?? []
  return list.length > 0 && isBinaryType(mediaType(ctx.header('content-type'), ''), list)
}

/**
 * The integration request payload (§14.2, request table, as test_apigw_s3_binary_support_request* recorded it):
 * a binary payload passes as it is (`CONVERT_TO_TEXT`: base64-encoded); a text payload is UTF-8 text, lossy
 * for invalid bytes (`CONVERT_TO_BINARY`: base64-decoded, 500 when it is not base64).
 */
export function convertRequestBody(ctx: RequestContext, body: Buffer, handling: ContentHandling | undefined): Buffer {
  if (body.length === 0) return body
  if (requestIsBinary(ctx)) return handling === 'CONVERT_TO_TEXT' ? Buffer.from(body.toString('base64')) : body
  return handling === 'CONVERT_TO_BINARY' ? decodeOrFail(body, ctx, 'the request body') : asUtf8Text(body)
}

/**
 * The method response payload from an integration response (§14.2, response table, as
 * test_apigw_s3_binary_support_response_* recorded it). The payload is binary when the integration response's
 * Content-Type matches binaryMediaTypes; the client wants binary when its first Accept type does.
 * - unset: binary→binary as is, binary→text base64-encoded, text→binary base64-decoded, text→text lossy text;
 * - `CONVERT_TO_TEXT`: binary payloads base64-encoded, text payloads lossy text, whatever the Accept;
 * - `CONVERT_TO_BINARY`: binary payloads as they are, text payloads base64-decoded, whatever the Accept.
 * A payload that must be base64-decoded and is not base64 → 500 API_CONFIGURATION_ERROR.
 */
export function convertResponseBody(ctx: RequestContext, body: Buffer, contentType: string | undefined, handling: ContentHandling | undefined): Buffer {
  const list = ctx.stage?.binaryMediaTypes ?? []
  const payloadBinary = list.length > 0 && isBinaryType(mediaType(contentType, ''), list)
  const toBase64 = () => Buffer.from(body.toString('base64'))
  if (handling === 'CONVERT_TO_TEXT') return payloadBinary ? toBase64() : asUtf8Text(body)
  if (handling === 'CONVERT_TO_BINARY') return payloadBinary ? body : decodeOrFail(body, ctx, 'the integration response body')
  const acceptBinary = list.length > 0 && isBinaryType(firstAccept(ctx.header('accept')), list)
  if (payloadBinary) return acceptBinary ? body : toBase64()
  return acceptBinary ? decodeOrFail(body, ctx, 'the integration response body') : asUtf8Text(body)
}

/**
 * A template reads its body as text: a body that is not valid UTF-8 (binary passed through, or just
 * base64-decoded) cannot be mapped → 500, as test_apigw_s3_binary_support_request_convert_to_binary_with_request_template
 * recorded for a decoded body meeting an application/json template ([K] for the general rule).
 */
export function requireTemplateText(ctx: RequestContext, body: Buffer): void {
  if (!isUtf8(body)) {
    ctx.integrationErrorMessage = 'a mapping template cannot read a binary body; set contentHandling CONVERT_TO_TEXT'
    throw new GatewayError('API_CONFIGURATION_ERROR', undefined)
  }
}
