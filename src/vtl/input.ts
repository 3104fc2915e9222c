// `$input` (§5.2): the body as text, JSONPath selections as JSON text or as objects, and the request
// parameters. One instance per render; the body is decoded and parsed at most once, and only if used.

import { charge } from './budget.js'
import { TemplateRenderError } from './errors.js'
import { JsonPathSyntaxError, compileJsonPath } from './jsonpath.js'
import { HostObject, markCaseInsensitive, toJsonText } from './values.js'

/** The request (or integration response) a template reads through `$input`. */
export interface TemplateInput {
  /** Raw request (or response) body. */
  body: Buffer | string
  /** Parameters for `$input.params()`: */
  path: Record<string, string>
  querystring: Record<string, string>
  /** Header lookups fall back to a case-insensitive match. */
  header: Record<string, string>
  /**
   * Media type the body is treated as (the template's key). It decides the empty-body rule: an empty body reads
   * as `{}` for JSON types (§5.2). Absent means `application/json`, as for a request without Content-Type (§5.9).
   */
  contentType?: string
}

const NOT_PARSED = Symbol('not parsed')
const NOT_JSON = Symbol('not JSON')

/** Whether a media type counts as JSON for the empty-body rule (`application/json`, `*\/*+json`). [K] */
export function isJsonMediaType(contentType: string | undefined): boolean {
  if (contentType === undefined) return true
  const semi = contentType.indexOf(';')
  const mime = (semi === -1 ? contentType : contentType.slice(0, semi)).trim().toLowerCase()
  return mime === '' || mime === 'application/json' || mime.endsWith('+json')
}

export class InputObject extends HostObject {
  readonly #input: TemplateInput
  #body: string | undefined
  #doc: unknown = NOT_PARSED
  #params: Record<string, Record<string, string>> | undefined

  constructor(input: TemplateInput) {
    super()
    this.#input = input
  }

  /** `$input.body`: the raw payload; an empty body of a JSON type reads as `{}` ([REC test_input_body_formatting]). */
  body(): string {
    if (this.#body === undefined) {
      const raw = this.#input.body
      const text = typeof raw === 'string' ? raw : raw.toString('utf8')
      this.#body = text === '' && isJsonMediaType(this.#input.contentType) ? '{}' : text
    }
    return this.#body
  }

  #document(): unknown {
    if (this.#doc === NOT_PARSED) {
      try {
        this.#doc = JSON.parse(this.body()) as unknown
      } catch {
        this.#doc = NOT_JSON
      }
    }
    return this.#doc
  }

  #select(path: unknown, method: string): { found: boolean; value: unknown } {
    if (typeof path !== 'string') return { found: false, value: undefined }
    const doc = this.#document()
    if (doc === NOT_JSON) return { found: false, value: undefined }
    let compiled
    try {
      compiled = compileJsonPath(path)
    } catch (e) {
      if (e instanceof JsonPathSyntaxError) throw new TemplateRenderError(`$input.${method}: ${e.message}`, { cause: e })
      throw e
    }
    const value = compiled.evaluate(doc)
    return { found: value !== undefined, value }
  }

  /** `$input.path(p)`: the selection as an object (map, list, string, number, boolean); null when none. */
  path(p: unknown): unknown {
    return this.#select(p, 'path').value
  }

  /**
   * `$input.json(p)`: the selection as compact JSON text. No match, or a body that isn't JSON, gives `""`
   * (the two characters) per §5.2 [K].
   */
  json(p: unknown): string {
    const r = this.#select(p, 'json')
    if (!r.found) return '""'
    const text = toJsonText(r.value)
    // Serialising costs about a step per 8 characters; the caller charges half of it as for any string.
    charge(text.length >>> 4)
    return text
  }

  /** `$input.params()`: `{path, querystring, header}`, in that order. Built once per render, on first use. */
  params(): Record<string, Record<string, string>> {
    if (this.#params === undefined) {
      const i = this.#input
      this.#params = {
        path: { ...i.path },
        querystring: { ...i.querystring },
        header: markCaseInsensitive({ ...i.header }),
      }
    }
    return this.#params
  }

  /** `$input.params(name)`: path, then querystring, then header (case-insensitive fallback); `""` when absent. */
  param(name: unknown): string {
    if (typeof name !== 'string') return ''
    const i = this.#input
    if (Object.hasOwn(i.path, name)) return i.path[name] as string
    if (Object.hasOwn(i.querystring, name)) return i.querystring[name] as string
    if (Object.hasOwn(i.header, name)) return i.header[name] as string
    const lower = name.toLowerCase()
    for (const k of Object.keys(i.header)) if (k.toLowerCase() === lower) return i.header[k] as string
    return ''
  }

  getProperty(name: string): unknown {
    return name === 'body' ? this.body() : undefined
  }

  callMethod(name: string, args: readonly unknown[]): unknown {
    switch (name) {
      case 'json':
        return args.length === 1 ? this.json(args[0]) : undefined
      case 'path':
        return args.length === 1 ? this.path(args[0]) : undefined
      case 'params':
        if (args.length === 0) return this.params()
        return args.length === 1 ? this.param(args[0]) : undefined
      case 'getBody':
        return args.length === 0 ? this.body() : undefined
      default:
        return undefined
    }
  }
}
