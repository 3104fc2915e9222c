// `$util` (§5.5): escapeJavaScript, parseJson, urlEncode/urlDecode and base64Encode/base64Decode with the Java
// library semantics API Gateway exposes. There is no `$util.toJson` or `$util.time` (those are AppSync).

import { charge } from './budget.js'
import { TemplateRenderError } from './errors.js'
import { HostObject } from './values.js'

function hex4(code: number): string {
  return code.toString(16).toUpperCase().padStart(4, '0')
}

/**
 * Java commons-lang `StringEscapeUtils.escapeJavaScript`: `"` `\` `'` `/` are backslash-escaped, control
 * characters become `\b \t \n \f \r` or `\u00XX`, and everything above U+007E except DEL becomes `\uXXXX`
 * (per UTF-16 unit, upper-case hex). Note `\'` is not valid JSON; AWS documents this (§5.5).
 */
export function escapeJavaScript(s: string): string {
  let out = ''
  let plainFrom = 0
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    let rep: string
    if (c > 0x7f) rep = '\\u' + hex4(c)
    else if (c < 0x20) {
      switch (c) {
        case 0x08:
          rep = '\\b'
          break
        case 0x09:
          rep = '\\t'
          break
        case 0x0a:
          rep = '\\n'
          break
        case 0x0c:
          rep = '\\f'
          break
        case 0x0d:
          rep = '\\r'
          break
        default:
          rep = '\\u' + hex4(c)
      }
    } else if (c === 0x22) rep = '\\"'
    else if (c === 0x27) rep = "\\'"
    else if (c === 0x5c) rep = '\\\\'
    else if (c === 0x2f) rep = '\\/'
    else continue
    out += s.slice(plainFrom, i) + rep
    plainFrom = i + 1
  }
  return plainFrom === 0 ? s : out + s.slice(plainFrom)
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
      case 'escapeJavaScript':
        return escapeJavaScript(s)
      case 'parseJson':
        // Parsing is linear in the text; the result is an object, which the caller cannot charge by length.
        charge(s.length >>> 6)
        try {
          return JSON.parse(s) as unknown
        } catch (e) {
          throw new TemplateRenderError(`$util.parseJson: ${(e as Error).message}`, { cause: e })
        }
      case 'urlEncode':
        return urlEncode(s)
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
