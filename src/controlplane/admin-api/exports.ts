// GetExport (REST APIs: `GET /restapis/{id}/stages/{stage}/exports/{oas30|swagger}`) and ExportApi (HTTP APIs:
// `GET /v2/apis/{id}/exports/OAS30`) on the admin port, written by the export module
// (src/controlplane/openapi/export.ts, docs/export.md). A REST export is of the stage's deployment; an HTTP
// export of the stage's deployment when `stageName` is given, else of the API as it is now.

import type { Deployment, Stage } from '../../model/types.js'
import { stageDocId } from '../config/store-plan.js'
import {
  ExportError,
  exportFormatOf,
  exportHttpApi,
  exportRestApi,
  parseHttpExportSpecification,
  parseRestExportExtensions,
  parseRestExportType,
  restExportFile,
  serializeExport,
} from '../openapi/export.js'
import type { HandlerContext } from './context.js'
import { badRequest, notFound } from './http.js'
import { route, type Route } from './router.js'
import { readRestApi, STAGE_NOT_FOUND } from './rest/common.js'
import { readHttpApi } from './v2/common.js'

function exportCall<T>(f: () => T): T {
  try {
    return f()
  } catch (err) {
    if (err instanceof ExportError) throw badRequest(err.message)
    throw err
  }
}

function sendFile(ctx: HandlerContext, body: string, headers: Record<string, string>): void {
  ctx.res.writeHead(200, { ...headers, 'Content-Length': Buffer.byteLength(body) })
  ctx.res.end(body)
}

async function deploymentOf(ctx: HandlerContext, apiId: string, stageName: string): Promise<{ stage: Stage; deployment: Deployment }> {
  const stage = await ctx.store.get<Stage>('stage', stageDocId({ apiId, stageName }))
  if (!stage) throw notFound(STAGE_NOT_FOUND)
  const deployment = stage.value.deploymentId ? await ctx.store.get<Deployment>('deployment', stage.value.deploymentId) : undefined
  if (!deployment) throw badRequest(`Stage ${stageName} has no deployment to export`)
  return { stage: stage.value, deployment: deployment.value }
}

/** GET /restapis/{id}/stages/{stage}/exports/{type} (GetExport): `extensions=…`, `Accept: application/json|application/yaml`. */
async function getExport(ctx: HandlerContext): Promise<void> {
  const [apiId, stageName, exportType] = [ctx.params[0]!, ctx.params[1]!, ctx.params[2]!]
  await readRestApi(ctx, ctx.store, apiId)
  const { deployment } = await deploymentOf(ctx, apiId, stageName)
  if (deployment.snapshot.kind !== 'REST') throw badRequest('The stage does not serve a REST API')
  const file = exportCall(() => {
    const type = parseRestExportType(exportType)
    const extensions = parseRestExportExtensions(ctx.url.searchParams.get('extensions') ?? undefined)
    const accept = ctx.req.headers.accept
    const doc = exportRestApi(deployment.snapshot as Parameters<typeof exportRestApi>[0], { type, stageName, deployment, extensions, region: ctx.region })
    return restExportFile(doc, type, exportFormatOf(accept))
  })
  sendFile(ctx, file.body, { 'Content-Type': file.contentType, 'Content-Disposition': file.contentDisposition })
}

/** GET /v2/apis/{id}/exports/{specification} (ExportApi): `outputType`, `stageName`, `includeExtensions`, `exportVersion`. */
async function exportApi(ctx: HandlerContext): Promise<void> {
  const apiId = ctx.params[0]!
  const q = ctx.url.searchParams
  let api = (await readHttpApi(ctx, ctx.store, apiId)).value
  const stageName = q.get('stageName') ?? undefined
  let deployment: Deployment | undefined
  if (stageName !== undefined && stageName !== '') {
    deployment = (await deploymentOf(ctx, apiId, stageName)).deployment
    if (deployment.snapshot.kind !== 'HTTP') throw badRequest('The stage does not serve an HTTP API')
    api = deployment.snapshot
  }
  if (api.protocolType !== 'HTTP') throw badRequest('Export is supported only for HTTP APIs')
  const text = exportCall(() => {
    parseHttpExportSpecification(ctx.params[1]!)
    const format = exportFormatOf(q.get('outputType') ?? undefined)
    const include = q.get('includeExtensions')
    const doc = exportHttpApi(api, {
      ...(stageName ? { stageName } : {}),
      ...(deployment ? { deployment } : {}),
      ...(include !== null ? { includeExtensions: include.toLowerCase() !== 'false' } : {}),
      ...(q.get('exportVersion') ? { exportVersion: q.get('exportVersion')! } : {}),
      region: ctx.region,
    })
    return serializeExport(doc, format)
  })
  sendFile(ctx, text, { 'Content-Type': 'application/octet-stream' })
}

export const EXPORT_ROUTES: Route[] = [
  route('GET', '/restapis/{restApiId}/stages/{stageName}/exports/{exportType}', getExport),
  route('GET', '/v2/apis/{apiId}/exports/{specification}', exportApi),
]
