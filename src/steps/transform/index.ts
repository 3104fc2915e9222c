// The transform step (§2.10, §5.9, §14.2): for REST methods whose integration takes a request template
// (HTTP, AWS and MOCK, whatever the backend — even one that cannot run answers 415 first, as AWS does), the
// payload conversion of `contentHandling`, template selection by Content-Type with the passthrough rule's
// 415, and the template's rendering. The integration then reads `ctx.payload` and `ctx.transformed`.

import type { ContentHandling } from '../../model/types.js'
import type { RouteInfo, Step, StepFactory } from '../../dataplane/plan.js'
import type { RequestContext } from '../../dataplane/context.js'
import { compileRequestTemplates, type RequestTemplates } from '../../mapping/request-templates.js'
import { convertRequestBody } from '../../mapping/binary.js'

/** Integration types that take request templates (proxies pass the request on as it is). */
const TEMPLATED = new Set(['HTTP', 'AWS', 'MOCK'])

class TransformStep implements Step {
  readonly name = 'transform'
  readonly #templates: RequestTemplates
  readonly #contentHandling: ContentHandling | undefined
  readonly #describe: unknown

  constructor(templates: RequestTemplates, contentHandling: ContentHandling | undefined, describe: unknown) {
    this.#templates = templates
    this.#contentHandling = contentHandling
    this.#describe = describe
  }

  request(ctx: RequestContext): Promise<undefined> {
    return this.#run(ctx)
  }

  async #run(ctx: RequestContext): Promise<undefined> {
    // The body as the stage presents it: decompressed on REST APIs (§14.1).
    const body = await ctx.body()
    const payload = convertRequestBody(ctx, body, this.#contentHandling)
    ctx.payload = payload
    ctx.transformed = this.#templates.apply(ctx, payload)
    return undefined
  }

  describe(): unknown {
    return this.#describe
  }
}

export const transformStep: StepFactory = {
  kind: 'transform',
  compile(route: RouteInfo): Step | null {
    const integration = route.method?.methodIntegration
    if (route.apiKind !== 'REST' || !integration || !TEMPLATED.has(integration.type)) return null
    const templates = compileRequestTemplates(integration.requestTemplates, integration.passthroughBehavior)
    return new TransformStep(templates, integration.contentHandling, {
      templates: Object.keys(integration.requestTemplates).map((t) => t.toLowerCase()).sort(),
      passthroughBehavior: integration.passthroughBehavior,
      ...(integration.contentHandling ? { contentHandling: integration.contentHandling } : {}),
    })
  },
}
