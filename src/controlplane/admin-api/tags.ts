// Tags (TagResource, UntagResource, GetTags) on the ARNs of REST APIs, stages, API keys and usage plans
// (apigateway: `/tags/{arn}`) and of HTTP/WebSocket APIs and their stages (apigatewayv2: `/v2/tags/{arn}`).
// ARNs are `arn:aws:apigateway:{region}::/restapis/{id}[/stages/{name}]`, `…::/apis/{id}[/stages/{name}]`,
// `…::/apikeys/{id}`, `…::/usageplans/{id}`, `…::/domainnames/{name}` (both); any region is accepted. Tags are kept on the tagged object.

import type { Api, ApiKey, DomainName, Stage, UsagePlan } from '../../model/types.js'
import type { DocKind } from '../../store/port/ports.js'
import { stageDocId } from '../config/store-plan.js'
import type { HandlerContext } from './context.js'
import { badRequest, notFound, readJsonObject, sendJson, sendNoContent, stringMap } from './http.js'
import { route, type Route } from './router.js'
import { putOp } from './writes.js'

type Tagged = Api | Stage | ApiKey | UsagePlan | DomainName

interface Target {
  kind: DocKind
  id: string
  /** Whether the stored document is the one the ARN names (an API of the right type). */
  matches: (value: Tagged) => boolean
}

const ARN = /^arn:[^:]+:apigateway:[^:]*::(\/.+)$/

function targetOf(arn: string, v2: boolean): Target {
  const m = ARN.exec(arn)
  if (!m) throw badRequest(`Invalid resource ARN specified: ${arn}`)
  const parts = m[1]!.split('/').slice(1)
  const [collection, id, sub, name] = parts
  const apiKind = collection === 'restapis' ? 'REST' : collection === 'apis' ? 'HTTP' : undefined
  if (apiKind !== undefined && id && parts.length === 2) return { kind: 'api', id, matches: (v) => (v as Api).kind === apiKind }
  if (apiKind !== undefined && id && sub === 'stages' && name && parts.length === 4) return { kind: 'stage', id: stageDocId({ apiId: id, stageName: name }), matches: () => true }
  if (!v2 && collection === 'apikeys' && id && parts.length === 2) return { kind: 'apikey', id, matches: () => true }
  if (!v2 && collection === 'usageplans' && id && parts.length === 2) return { kind: 'usageplan', id, matches: () => true }
  if (collection === 'domainnames' && id && parts.length === 2) return { kind: 'domain', id: id.toLowerCase(), matches: () => true }
  throw badRequest(`Invalid resource ARN specified: ${arn}`)
}

async function read(ctx: HandlerContext, target: Target, arn: string) {
  const doc = await ctx.writer.store.get<Tagged>(target.kind, target.id)
  if (!doc || !target.matches(doc.value)) throw notFound(`Invalid resource identifier specified: ${arn}`)
  return doc
}

async function changeTags(ctx: HandlerContext, v2: boolean, change: (tags: Record<string, string>) => void): Promise<Record<string, string>> {
  const arn = ctx.params[0]!
  const target = targetOf(arn, v2)
  const { result } = await ctx.writer.write(async () => {
    const doc = await read(ctx, target, arn)
    const value = structuredClone(doc.value)
    value.tags = { ...(value.tags ?? {}) }
    change(value.tags)
    return { ops: [putOp(target.kind, target.id, value, doc)], result: value.tags }
  })
  return result
}

function tagKeys(url: URL): string[] {
  return url.searchParams.getAll('tagKeys').flatMap((k) => k.split(',')).filter((k) => k !== '')
}

async function getTags(ctx: HandlerContext, v2: boolean): Promise<void> {
  const arn = ctx.params[0]!
  const doc = await read(ctx, targetOf(arn, v2), arn)
  sendJson(ctx.res, 200, { tags: { ...(doc.value.tags ?? {}) } })
}

async function tagResource(ctx: HandlerContext, v2: boolean): Promise<void> {
  const tags = stringMap(await readJsonObject(ctx.req), 'tags')
  await changeTags(ctx, v2, (current) => Object.assign(current, tags))
  if (v2) sendJson(ctx.res, 201, {})
  else sendNoContent(ctx.res)
}

async function untagResource(ctx: HandlerContext, v2: boolean): Promise<void> {
  const keys = tagKeys(ctx.url)
  await changeTags(ctx, v2, (current) => {
    for (const k of keys) delete current[k]
  })
  sendNoContent(ctx.res)
}

export const TAG_ROUTES: Route[] = [
  route('GET', '/tags/{resourceArn+}', (ctx) => getTags(ctx, false)),
  route('PUT', '/tags/{resourceArn+}', (ctx) => tagResource(ctx, false)),
  route('DELETE', '/tags/{resourceArn+}', (ctx) => untagResource(ctx, false)),
  route('GET', '/v2/tags/{resourceArn+}', (ctx) => getTags(ctx, true)),
  route('POST', '/v2/tags/{resourceArn+}', (ctx) => tagResource(ctx, true)),
  route('DELETE', '/v2/tags/{resourceArn+}', (ctx) => untagResource(ctx, true)),
]
