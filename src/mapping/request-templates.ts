// Request-template selection by Content-Type and the passthrough rules with their 415 (§5.9).

import type { RequestContext } from '../dataplane/context.js'
import type { PassthroughBehavior } from '../model/types.js'
import { GatewayError } from '../errors.js'
import { compileMappingTemplate, mediaType, type MappingTemplate } from './templates.js'
import { requireTemplateText } from './binary.js'

export interface RequestTemplates {
  /** The rendered template, or null to pass the body through untransformed. Throws UNSUPPORTED_MEDIA_TYPE. */
  apply(ctx: RequestContext, body: Buffer): string | null
  readonly size: number
}

export function compileRequestTemplates(templates: Record<string, string>, passthrough: PassthroughBehavior): RequestTemplates {
  const compiled = new Map<string, MappingTemplate>()
  for (const [type, src] of Object.entries(templates)) compiled.set(type.toLowerCase(), compileMappingTemplate(src, `request template (${type})`))
  return {
    size: compiled.size,
    apply(ctx, body) {
      // A missing Content-Type counts as application/json (§5.9).
      const type = mediaType(ctx.header('content-type'), 'application/json')
      const tpl = compiled.get(type)
      if (tpl !== undefined) {
        requireTemplateText(ctx, body)
        return tpl.render(ctx, body, type).output
      }
      if (passthrough === 'NEVER' || (passthrough === 'WHEN_NO_TEMPLATES' && compiled.size > 0)) {
        throw new GatewayError('UNSUPPORTED_MEDIA_TYPE', undefined)
      }
      return null
    },
  }
}
