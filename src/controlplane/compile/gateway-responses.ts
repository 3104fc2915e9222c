// Compiles a deployment's gateway responses (§6.1–6.2) into one ready-to-render response per type, with
// the precedence: customised type > customised DEFAULT_4XX/DEFAULT_5XX > built-in default.
// HTTP APIs have fixed error bodies (§3.10) and no customisation.

import type { GatewayResponse, GatewayResponseType } from '../../model/types.js'
import { GATEWAY_ERROR_CODES, errorSpec, responseTypeOf, type GatewayErrorCode } from '../../errors.js'
import type { CompiledGatewayResponse } from '../../dataplane/plan.js'
import type { RequestContext } from '../../dataplane/context.js'
import { compileSubstitution } from '../../dataplane/context-vars.js'
import { compileRequestSource, type ParamGetter } from '../../dataplane/param-source.js'

const DEFAULT_TEMPLATE = '{"message":$context.error.messageString}'

/** Status codes HTTP APIs use where REST uses another one (§3.10). */
const HTTP_API_STATUS: Partial<Record<GatewayErrorCode, number>> = {
  INTEGRATION_TIMEOUT: 503,
  INTEGRATION_FAILURE: 500,
  AUTHORIZER_FAILURE: 500,
  AUTHORIZER_CONFIGURATION_ERROR: 500,
  API_CONFIGURATION_ERROR: 500,
  MISSING_AUTHENTICATION_TOKEN: 404,
  RESOURCE_NOT_FOUND: 404,
}

export function compileRestGatewayResponses(custom: Partial<Record<GatewayResponseType, GatewayResponse>>, problems: string[]): Map<string, CompiledGatewayResponse> {
  const out = new Map<string, CompiledGatewayResponse>()
  for (const code of GATEWAY_ERROR_CODES) {
    const spec = errorSpec(code)
    const fallbackType: GatewayResponseType = spec.status >= 500 ? 'DEFAULT_5XX' : 'DEFAULT_4XX'
    // Gatehouse's own errors are of their class's default type: only it customises them.
    const responseType = responseTypeOf(code)
    // REQUEST_TOO_LARGE cannot be customised (§2.2).
    const own = code === 'REQUEST_TOO_LARGE' || responseType === fallbackType ? undefined : custom[responseType]
    const fallback = code === 'REQUEST_TOO_LARGE' ? undefined : custom[fallbackType]
    const chosen = own ?? fallback
    let status = spec.status
    if (own?.statusCode) status = Number(own.statusCode)
    else if (!own && fallback?.statusCode) status = Number(fallback.statusCode)
    const templates = chosen && Object.keys(chosen.responseTemplates).length > 0 ? chosen.responseTemplates : { 'application/json': DEFAULT_TEMPLATE }
    const [contentType, template] = Object.entries(templates)[0]!
    const body = compileSubstitution(template, '')
    const headerGetters: Array<[string, ParamGetter]> = []
    for (const [key, expr] of Object.entries(chosen?.responseParameters ?? {})) {
      const m = /^gatewayresponse\.header\.(.+)$/.exec(key)
      const get = compileRequestSource(expr)
      if (!m || !get) {
        problems.push(`gateway response ${chosen!.responseType}: unsupported parameter mapping ${key} = ${expr}`)
        continue
      }
      headerGetters.push([m[1]!, get])
    }
    out.set(code, {
      type: code,
      status,
      errorType: spec.errorType,
      contentType,
      render(ctx: RequestContext | null, message: string | null) {
        const headers: Record<string, string> = {}
        if (ctx === null) return { body: JSON.stringify({ message }), headers }
        ctx.errorMessage = message
        ctx.errorType = responseType
        for (const [name, get] of headerGetters) {
          const v = get(ctx)
          if (v !== undefined) headers[name] = v
        }
        return { body: body(ctx), headers }
      },
    })
  }
  return out
}

export function compileHttpGatewayResponses(): Map<string, CompiledGatewayResponse> {
  const out = new Map<string, CompiledGatewayResponse>()
  for (const code of GATEWAY_ERROR_CODES) {
    const spec = errorSpec(code)
    const responseType = responseTypeOf(code)
    const body = JSON.stringify({ message: spec.httpApiMessage })
    out.set(code, {
      type: code,
      status: HTTP_API_STATUS[code] ?? spec.status,
      errorType: spec.errorType,
      contentType: 'application/json',
      render(ctx: RequestContext | null) {
        if (ctx) {
          ctx.errorMessage = spec.httpApiMessage
          ctx.errorType = responseType
        }
        return { body, headers: {} }
      },
    })
  }
  return out
}
