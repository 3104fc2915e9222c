// MOCK integrations (§1.4): no backend. The request template's `statusCode` selects the integration
// response; its template makes the body. Request-template selection and passthrough rules of §5.9 apply.

import type { IntegrationHandler } from '../dataplane/plan.js'
import type { RequestContext } from '../dataplane/context.js'
import type { ContentHandling, Integration } from '../model/types.js'
import { GatewayError } from '../errors.js'
import { sendReply } from '../dataplane/respond.js'
import { readRequestBody } from './body.js'
import { compileIntegrationResponses, type IntegrationResponseSelector } from './responses.js'
import { compileRequestTemplates, type RequestTemplates } from './request-templates.js'
import { convertRequestBody } from './binary.js'

const EMPTY_HEADERS = Object.freeze({})

export class MockIntegration implements IntegrationHandler {
  readonly type = 'MOCK'
  readonly #templates: RequestTemplates
  readonly #responses: IntegrationResponseSelector
  readonly #contentHandling: ContentHandling | undefined

  constructor(integration: Integration) {
    this.#templates = compileRequestTemplates(integration.requestTemplates, integration.passthroughBehavior)
    this.#responses = compileIntegrationResponses(integration.integrationResponses)
    this.#contentHandling = integration.contentHandling
  }

  async handle(ctx: RequestContext): Promise<void> {
    if (ctx.body === null) ctx.body = await readRequestBody(ctx)
    const rendered = this.#templates.apply(ctx, convertRequestBody(ctx, ctx.body, this.#contentHandling))
    let status = 200
    if (rendered !== null && rendered.trim() !== '') {
      // The output must be JSON with a statusCode; anything else is a configuration error (§1.4).
      let parsed: unknown
      try {
        parsed = JSON.parse(rendered)
      } catch {
        throw new GatewayError('API_CONFIGURATION_ERROR', undefined)
      }
      const code = (parsed as { statusCode?: unknown } | null)?.statusCode
      if (code !== undefined) status = Number(code)
      if (!Number.isInteger(status)) throw new GatewayError('API_CONFIGURATION_ERROR', undefined)
    }
    ctx.integrationStatus = status
    ctx.integrationLatency = 0
    if (this.#responses.empty) {
      // No integration responses at all: AWS answers 500 Internal server error.
      throw new GatewayError('API_CONFIGURATION_ERROR', undefined)
    }
    sendReply(ctx, this.#responses.select(String(status), ctx, EMPTY_HEADERS, Buffer.alloc(0)))
  }
}
