// MOCK integrations (§1.4): no backend. The request template's `statusCode` (rendered by the transform step)
// selects the integration response; its template makes the body.

import type { IntegrationHandler, Reply } from '../dataplane/plan.js'
import type { RequestContext } from '../dataplane/context.js'
import type { Integration } from '../model/types.js'
import { GatewayError } from '../errors.js'
import { compileIntegrationResponses, type IntegrationResponseSelector } from './responses.js'

const EMPTY_HEADERS = Object.freeze({})
const EMPTY_BODY = Buffer.alloc(0)

export class MockIntegration implements IntegrationHandler {
  readonly type = 'MOCK'
  readonly #responses: IntegrationResponseSelector

  constructor(integration: Integration) {
    this.#responses = compileIntegrationResponses(integration.integrationResponses)
  }

  describe(): unknown {
    return { type: this.type, responses: this.#responses.describe() }
  }

  async handle(ctx: RequestContext): Promise<Reply> {
    const rendered = ctx.transformed
    let status = 200
    if (rendered !== null && rendered.trim() !== '') {
      // The output must be a JSON object, read leniently (readTemplateOutput); its statusCode, when present,
      // selects the integration response (§1.4). Anything else is a configuration error.
      const parsed = readTemplateOutput(rendered)
      if (parsed === null) {
        ctx.integrationErrorMessage = 'Unable to parse statusCode: the MOCK request template did not render a JSON object'
        throw new GatewayError('API_CONFIGURATION_ERROR', undefined)
      }
      const code = parsed.statusCode
      if (code !== undefined) status = Number(code)
      if (!Number.isInteger(status)) {
        ctx.integrationErrorMessage = 'Unable to parse statusCode: it should be an integer'
        throw new GatewayError('API_CONFIGURATION_ERROR', undefined)
      }
    }
    ctx.integrationStatus = status
    ctx.integrationLatency = 0
    if (this.#responses.empty) {
      // No integration responses at all: AWS answers 500 Internal server error.
      throw new GatewayError('API_CONFIGURATION_ERROR', undefined)
    }
    return this.#responses.select(String(status), ctx, EMPTY_HEADERS, EMPTY_BODY)
  }
}

/**
 * A MOCK request template's output as an object, or null when it is none. Strict JSON first; failing that, a
 * lenient reading: names bare or single-quoted, strings single-quoted. AWS accepts CDK's CORS template
 * `{statusCode: 200}` and answers 200 (test_integration_mock_with_path_param); how far its leniency goes is not
 * recorded [K]: these two relaxations (Jackson's unquoted-field-names and single-quotes features) and no more.
 */
function readTemplateOutput(text: string): Record<string, unknown> | null {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    value = new LenientJson(text).document()
  }
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null
}

/** Thrown inside LenientJson only, to unwind to document(). */
class NotJson extends Error {}

/** JSON with bare or single-quoted names and single-quoted strings; document() yields null on anything else. */
class LenientJson {
  readonly #s: string
  #i = 0

  constructor(text: string) {
    this.#s = text
  }

  document(): unknown {
    try {
      const v = this.#value()
      this.#ws()
      if (this.#i !== this.#s.length) throw new NotJson()
      return v
    } catch (err) {
      // RangeError: nesting deeper than the stack, which no template means as JSON.
      if (err instanceof NotJson || err instanceof RangeError) return null
      throw err
    }
  }

  #ws(): void {
    while (this.#i < this.#s.length && /\s/.test(this.#s[this.#i]!)) this.#i++
  }

  #expect(ch: string): void {
    this.#ws()
    if (this.#s[this.#i] !== ch) throw new NotJson()
    this.#i++
  }

  #value(): unknown {
    this.#ws()
    const c = this.#s[this.#i]
    if (c === '{') return this.#object()
    if (c === '[') return this.#array()
    if (c === '"' || c === "'") return this.#string()
    const m = /^(?:-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(this.#s.slice(this.#i))
    if (!m) throw new NotJson()
    this.#i += m[0].length
    return JSON.parse(m[0]) as unknown
  }

  #object(): Record<string, unknown> {
    const out: Record<string, unknown> = {}
    this.#expect('{')
    this.#ws()
    if (this.#s[this.#i] === '}') {
      this.#i++
      return out
    }
    for (;;) {
      this.#ws()
      const c = this.#s[this.#i]
      let name: string
      if (c === '"' || c === "'") name = this.#string()
      else {
        const m = /^[A-Za-z_$][\w$]*/.exec(this.#s.slice(this.#i))
        if (!m) throw new NotJson()
        name = m[0]
        this.#i += name.length
      }
      this.#expect(':')
      out[name] = this.#value()
      this.#ws()
      if (this.#s[this.#i] === ',') {
        this.#i++
        continue
      }
      this.#expect('}')
      return out
    }
  }

  #array(): unknown[] {
    const out: unknown[] = []
    this.#expect('[')
    this.#ws()
    if (this.#s[this.#i] === ']') {
      this.#i++
      return out
    }
    for (;;) {
      out.push(this.#value())
      this.#ws()
      if (this.#s[this.#i] === ',') {
        this.#i++
        continue
      }
      this.#expect(']')
      return out
    }
  }

  #string(): string {
    const quote = this.#s[this.#i]!
    let out = ''
    for (let i = this.#i + 1; i < this.#s.length; i++) {
      const c = this.#s[i]!
      if (c === quote) {
        this.#i = i + 1
        return out
      }
      if (c !== '\\') {
        out += c
        continue
      }
      const e = this.#s[++i]
      if (e === 'u') {
        const hex = this.#s.slice(i + 1, i + 5)
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new NotJson()
        out += String.fromCharCode(parseInt(hex, 16))
        i += 4
      } else if (e !== undefined && e in ESCAPES) out += ESCAPES[e]
      else throw new NotJson()
    }
    throw new NotJson()
  }
}

const ESCAPES: Record<string, string> = { '"': '"', "'": "'", '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' }
