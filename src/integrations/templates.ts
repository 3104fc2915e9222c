// The seam between integrations and the mapping-template engine: compile once per deployment, render per
// request with `$input`, `$context` and `$stageVariables` (§5). Template selection rules live here too (§5.9).

import type { RequestContext } from '../dataplane/context.js'
import { compileSubstitution } from '../dataplane/context-vars.js'

export interface MappingTemplate {
  /** Renders with the body the template maps (request or response body). */
  render(ctx: RequestContext, body: Buffer | null): string
}

/** Compiles a mapping template once (at deploy time). Throws on a template that cannot compile. */
export function compileMappingTemplate(source: string): MappingTemplate {
  const render = compileSubstitution(source, '')
  return { render: (ctx) => render(ctx) }
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
