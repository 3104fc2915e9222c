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
      // The output must be JSON with a statusCode; anything else is a configuration error (§1.4).
      let parsed: unknown
      try {
        parsed = JSON.parse(rendered)
      } catch {
        ctx.integrationErrorMessage = 'the MOCK request template did not render JSON with a statusCode'
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
    return this.#responses.select(String(status), ctx, EMPTY_HEADERS, EMPTY_BODY)
  }
}
