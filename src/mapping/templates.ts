// The seam between the mapping-template engine and what renders templates (the transform step, integration
// responses, gateway responses): compile once per deployment, render per
// request with `$input`, `$context` and `$stageVariables` (§5). Template selection rules live here too (§5.9).

import type { RequestContext } from '../dataplane/context.js'
import { contextObject } from '../dataplane/context-vars.js'
import { GatewayError } from '../errors.js'
import { compileTemplate, TemplateRenderError, type OverrideMaps, type RenderResult, type TemplateInput } from '../vtl/index.js'

export interface MappingTemplate {
  /**
   * Renders with the body the template maps (request body, or the integration's response body) treated as
   * `contentType`. A render failure is a configuration error: 500 API_CONFIGURATION_ERROR (§6.1).
   */
  render(ctx: RequestContext, body: Buffer | string | null, contentType: string): RenderResult
}

function lastValues(map: Map<string, string[]>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of map) out[k] = v[v.length - 1]!
  return out
}

/**
 * Client headers dropped at ingress, invisible to templates (§6.6): the header_remapping recording
 * (TestApiGatewayHeaderRemapping::test_apigateway_header_remapping_http[HTTP] :: full-integration) reads them as "".
 */
const INGRESS_DROPPED = new Set([
  'connection', 'content-length', 'content-md5', 'expect', 'max-forwards', 'proxy-authenticate', 'server', 'te',
  'transfer-encoding', 'trailer', 'upgrade', 'www-authenticate',
])

function headerValues(ctx: RequestContext): Record<string, string> {
  const out: Record<string, string> = {}
  const raw = ctx.rawHeaders
  for (let i = 0; i < raw.length; i += 2) if (!INGRESS_DROPPED.has(raw[i]!.toLowerCase())) out[raw[i]!] = raw[i + 1]!
  return out
}

/**
 * `$input` of one render: the parameter maps are built only when the template reads them (most read the
 * body alone), once.
 */
class LazyInput implements TemplateInput {
  readonly body: Buffer | string
  readonly contentType: string
  readonly #ctx: RequestContext
  #header: Record<string, string> | null = null
  #querystring: Record<string, string> | null = null

  constructor(ctx: RequestContext, body: Buffer | string, contentType: string) {
    this.#ctx = ctx
    this.body = body
    this.contentType = contentType
  }

  get path(): Record<string, string> {
    return this.#ctx.pathParams
  }

  get querystring(): Record<string, string> {
    return (this.#querystring ??= lastValues(this.#ctx.query))
  }

  get header(): Record<string, string> {
    return (this.#header ??= headerValues(this.#ctx))
  }
}

/**
 * Compiles a mapping template once (at deploy time). Throws TemplateSyntaxError on a template that cannot compile.
 * `name` says which template it is in the log line of a failed render (e.g. `request template (application/json)`).
 */
export function compileMappingTemplate(source: string, name = 'mapping template'): MappingTemplate {
  const tpl = compileTemplate(source)
  return {
    render(ctx, body, contentType) {
      try {
        const result = tpl.render({
          input: new LazyInput(ctx, body ?? '', contentType),
          // `$context` is built only if the template reads it; the overrides a request template set are
          // seeded either way, so the response template reads them back (§5.6), keys of the template's own
          // included. Nothing else a template sets on `$context` carries over ([K]: see seedOverrides).
          context: () => contextObject(ctx),
          overrides: seedOverrides(ctx.overrides),
          stageVariables: ctx.stage?.hasVariables ? { ...ctx.stageVariables } : null,
        })
        ctx.overrides = { request: result.requestOverride, response: result.responseOverride }
        return result
      } catch (err) {
        if (err instanceof TemplateRenderError) {
          // One log line (the runner's, for every 5xx) names the API, the route, this template and, for a
          // render over its budget, the limit.
          ctx.integrationErrorMessage = `${name} failed: ${err.message}`
          throw new GatewayError('API_CONFIGURATION_ERROR', undefined, { cause: err })
        }
        throw err
      }
    },
  }
}

/**
 * The override maps to seed a template's `$context` with: what earlier templates of this request left, the
 * keys beyond the known ones (`extra`) back in place. Only these two maps cross from the request template to
 * the response template. Recorded: whole maps cross, keys AWS does not act on included
 * (test_integration_mock_with_request_overrides_in_response_template, test_integration_mock_with_response_override_in_request_template).
 * Not recorded [K] §5.6: whether another `$context` key a request template sets (`#set($context.foo = …)`) reaches
 * the response template; here it does not, each template starting from the gateway's own `$context`.
 */
function seedOverrides(o: RequestContext['overrides']): Partial<OverrideMaps> | null {
  if (o === null) return null
  return {
    requestOverride: { ...o.request.extra, header: o.request.header, querystring: o.request.querystring, path: o.request.path },
    responseOverride: { ...o.response.extra, header: o.response.header, ...(o.response.status === undefined ? {} : { status: o.response.status }) },
  }
}

/** The media type of a header value without parameters, lower-cased; `fallback` when absent. */
export function mediaType(value: string | undefined, fallback: string): string {
  if (value === undefined || value === '') return fallback
  const semi = value.indexOf(';')
  return (semi === -1 ? value : value.slice(0, semi)).trim().toLowerCase()
}

/** The first media type of an `Accept` header (§6.6: only the first counts). */
export function firstAccept(value: string | undefined): string {
  if (value === undefined || value === '') return 'application/json'
  const comma = value.indexOf(',')
  return mediaType(comma === -1 ? value : value.slice(0, comma), 'application/json')
}

/**
 * Picks the response template for the request's Accept (§5.9): exact match, else `application/json`,
 * else the first defined. Returns undefined when there are no templates (pass-through).
 */
export function selectResponseTemplate<T>(templates: ReadonlyMap<string, T>, accept: string): [string, T] | undefined {
  if (templates.size === 0) return undefined
  const exact = templates.get(accept)
  if (exact !== undefined) return [accept, exact]
  const json = templates.get('application/json')
  if (json !== undefined) return ['application/json', json]
  return templates.entries().next().value as [string, T]
}
