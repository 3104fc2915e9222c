// `$util` (§5.5): escapeJavaScript, parseJson, urlEncode/urlDecode and base64Encode/base64Decode with the Java
// library semantics API Gateway exposes. There is no `$util.toJson` or `$util.time` (those are AppSync).

import { charge } from './budget.js'
import { TemplateRenderError } from './errors.js'
import { HostObject } from './values.js'

const HEX = Array.from('0123456789ABCDEF', (c) => c.charCodeAt(0))
const UTF16 = new TextDecoder('utf-16le')

// What escapeJavaScript writes after the backslash for the characters it escapes with one letter.
const SHORT: Record<number, number> = { 0x08: 0x62, 0x09: 0x74, 0x0a: 0x6e, 0x0c: 0x66, 0x0d: 0x72, 0x22: 0x22, 0x27: 0x27, 0x5c: 0x5c, 0x2f: 0x2f }

function plain(c: number): boolean {
  return c >= 0x20 && c <= 0x7f && c !== 0x22 && c !== 0x27 && c !== 0x5c && c !== 0x2f
}

/**
 * Java commons-lang `StringEscapeUtils.escapeJavaScript`: `"` `\` `'` `/` are backslash-escaped, control
 * characters become `\b \t \n \f \r` or `\u00XX`, and everything above U+007E except DEL becomes `\uXXXX`
 * (per UTF-16 unit, upper-case hex). Note `\'` is not valid JSON; AWS documents this (§5.5).
 */
export function escapeJavaScript(s: string): string {
  const n = s.length
  let i = 0
  while (i < n && plain(s.charCodeAt(i))) i++
  if (i === n) return s
  // Written as UTF-16 code units into one buffer (at most 6 per character): far cheaper than joining
  // millions of small strings when a body is mostly non-ASCII.
  const buf = new Uint16Array(i + (n - i) * 6)
  for (let k = 0; k < i; k++) buf[k] = s.charCodeAt(k)
  let o = i
  for (; i < n; i++) {
    const c = s.charCodeAt(i)
    if (plain(c)) {
      buf[o++] = c
      continue
    }
    buf[o++] = 0x5c
    const short = SHORT[c]
    if (short !== undefined) {
      buf[o++] = short
      continue
    }
    buf[o++] = 0x75
    buf[o++] = HEX[(c >> 12) & 15]!
    buf[o++] = HEX[(c >> 8) & 15]!
    buf[o++] = HEX[(c >> 4) & 15]!
    buf[o++] = HEX[c & 15]!
  }
  return UTF16.decode(buf.subarray(0, o))
}

// Java's URLEncoder keeps only these; a space becomes `+`.
const URL_SAFE = /[A-Za-z0-9.\-*_]/

/** Java `URLEncoder.encode(s, "UTF-8")` (application/x-www-form-urlencoded). */
export function urlEncode(s: string): string {
  // Java's UTF-8 encoder turns an unpaired surrogate into '?'.
  const text = s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '?')
  let out = ''
  for (const ch of text) {
    if (ch === ' ') out += '+'
    else if (ch.length === 1 && URL_SAFE.test(ch)) out += ch
    else for (const b of Buffer.from(ch, 'utf8')) out += '%' + b.toString(16).toUpperCase().padStart(2, '0')
  }
  return out
}

/** Java `URLDecoder.decode(s, "UTF-8")`: `+` is a space; a malformed `%` escape is an error. */
export function urlDecode(s: string): string {
  if (!s.includes('%')) return s.replaceAll('+', ' ')
  let out = ''
  let i = 0
  while (i < s.length) {
    const ch = s[i] as string
    if (ch === '+') {
      out += ' '
      i++
    } else if (ch === '%') {
      const bytes: number[] = []
      while (i < s.length && s[i] === '%') {
        const h = s.slice(i + 1, i + 3)
        if (!/^[0-9a-fA-F]{2}$/.test(h)) {
          throw new TemplateRenderError(`$util.urlDecode: illegal hex characters in escape (%) pattern at ${i}`)
        }
        bytes.push(parseInt(h, 16))
        i += 3
      }
      out += Buffer.from(bytes).toString('utf8')
    } else {
      out += ch
      i++
    }
  }
  return out
}

/** `$util` as templates see it. Stateless, so one instance serves every render. */
export class UtilObject extends HostObject {
  getProperty(): unknown {
    return undefined
  }

  callMethod(name: string, args: readonly unknown[]): unknown {
    if (args.length !== 1) return undefined
    const s = args[0]
    if (typeof s !== 'string') {
      // The Java helpers take a String. Velocity finds no method for a map, list, number or boolean argument,
      // so the reference is null and renders nothing (§5.5 [K]; LocalStack's test_sqs_amz_json_protocol
      // recording shows nested $context maps rendering as ""). A null argument reaches the helper: the
      // escapers return null, parseJson fails.
      if (name === 'parseJson' && (s === undefined || s === null)) throw new TemplateRenderError('$util.parseJson: the argument is null')
      return undefined
    }
    switch (name) {
      case 'escapeJavaScript': {
        const out = escapeJavaScript(s)
        // Building the escaped text costs more than the caller's charge by its length.
        charge(out.length >>> 3)
        return out
      }
      case 'parseJson':
        // Parsing is linear in the text (about a step's time per 8 characters); the result is an object, which
        // the caller cannot charge by length.
        charge(s.length >>> 3)
        try {
          return JSON.parse(s) as unknown
        } catch (e) {
          throw new TemplateRenderError(`$util.parseJson: ${(e as Error).message}`, { cause: e })
        }
      case 'urlEncode': {
        const out = urlEncode(s)
        charge(out.length >>> 3)
        return out
      }
      case 'urlDecode':
        return urlDecode(s)
      case 'base64Encode':
        return Buffer.from(s, 'utf8').toString('base64')
      case 'base64Decode':
        return Buffer.from(s, 'base64').toString('utf8')
      default:
        return undefined
    }
  }
}

export const UTIL = new UtilObject()
