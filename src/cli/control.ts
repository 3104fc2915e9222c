// `gatehouse export`, `gatehouse sdk`, `gatehouse import` and `gatehouse deployments list|rollback`: the control
// plane's GetExport/ExportApi, GetSdk, ImportRestApi/PutRestApi/ImportApi/ReimportApi, CreateDeployment,
// GetDeployments and UpdateStage, called on a running gateway's admin port (docs/control-plane.md).

import { readFileSync, writeFileSync } from 'node:fs'
import { basename } from 'node:path'
import { parse, UsageError } from './args.js'
import { AdminClient, AdminError, adminBase, apiKind, authFromEnv } from './admin-client.js'

export interface Out {
  write(text: string): unknown
}

export const COMMON = `  --admin URL          the gateway's admin address, e.g. http://127.0.0.1:9090
  --token TOKEN        the admin token (default: $GATEHOUSE_ADMIN_TOKEN); without one, requests are signed
                       with SigV4 when AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are set
                       (listeners.admin.credentials)`

export const EXPORT_HELP = `Usage: gatehouse export --admin URL --api ID --stage NAME [options]

Writes a stage's API as OpenAPI (REST: GetExport; HTTP: ExportApi).

Options:
${COMMON}
  --api ID             the API id
  --stage NAME         the stage whose deployment is exported (HTTP APIs: optional, the API as it is now)
  --type TYPE          REST APIs: oas30 (default) or swagger
  --extensions LIST    REST APIs: integrations, apigateway, authorizers, validators, postman (comma-separated)
  --no-extensions      HTTP APIs: leave the x-amazon-apigateway extensions out
  --yaml               YAML instead of JSON
  --out FILE           write to FILE instead of standard output
`

export const SDK_HELP = `Usage: gatehouse sdk --admin URL --api ID --stage NAME [options]

Writes a client SDK of a REST API stage as a zip (GetSdk): javascript, the shape Amazon API Gateway
generates (apiGateway-js-sdk/apigClient.js and its libraries), or typescript, a typed client.ts.

Options:
${COMMON}
  --api ID             the REST API id
  --stage NAME         the stage the client calls
  --type TYPE          javascript (default) or typescript
  --invoke-url URL     the URL the client calls by default (default: the gateway's data plane)
  --out FILE           the zip to write (default: the name the gateway gives, in the current folder)
`

export const IMPORT_HELP = `Usage: gatehouse import --admin URL FILE [options]

Creates an API from an OpenAPI file (ImportRestApi, ImportApi), or replaces one (PutRestApi, ReimportApi),
and optionally deploys it to a stage. Prints the API id.

Options:
${COMMON}
  --http               an HTTP API (default: a REST API)
  --api ID             update this API instead of creating one
  --mode MODE          REST updates: merge (default) or overwrite
  --basepath MODE      ignore (default), prepend or split
  --stage NAME         then deploy to this stage (HTTP APIs: created with autoDeploy when missing)
`

export const DEPLOYMENTS_HELP = `Usage: gatehouse deployments list --admin URL --api ID
       gatehouse deployments rollback --admin URL --api ID --stage NAME [--to DEPLOYMENT_ID]

list: an API's deployments, oldest first, with the stages that serve each (a canary as STAGE/Canary(N%)):
  its history, the deployments a stage or canary uses plus the newest --deployment-history others
  (default 10; docs/deployments.md).
rollback: points the stage at another kept deployment, earlier or later (--to, default: the one before the
  stage's current one), in one atomic change. On a config-file API the stage then stays where it was put
  until it is pointed at the deployment the file declares again (docs/deployments.md).

Options:
${COMMON}
`

export const commonOptions = { admin: { type: 'string' }, token: { type: 'string' }, help: { type: 'boolean', short: 'h' } } as const

export async function guarded(name: string, err: Out, f: () => Promise<number>): Promise<number> {
  try {
    return await f()
  } catch (e) {
    if (!(e instanceof AdminError)) throw e
    err.write(`gatehouse ${name}: ${e.type ? `${e.type}: ` : ''}${e.message}\n`)
    return 1
  }
}

/** Rows as aligned columns (the first row is the heading), one line each. */
export function table(rows: string[][]): string {
  const width = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)))
  return rows.map((r) => r.map((cell, c) => cell.padEnd(width[c]!)).join('  ').trimEnd()).join('\n') + '\n'
}

/** `gatehouse export`. */
export async function exportCommand(argv: string[], out: Out = process.stdout, err: Out = process.stderr): Promise<number> {
  const { values } = parse(argv, {
    ...commonOptions,
    api: { type: 'string' },
    stage: { type: 'string' },
    type: { type: 'string' },
    extensions: { type: 'string' },
    'no-extensions': { type: 'boolean' },
    yaml: { type: 'boolean' },
    out: { type: 'string' },
  })
  if (values.help) {
    out.write(EXPORT_HELP)
    return 0
  }
  if (!values.api) throw new UsageError('export needs --api ID')
  const client = new AdminClient(adminBase(values.admin), authFromEnv(values.token))
  return guarded('export', err, async () => {
    const id = encodeURIComponent(values.api!)
    let body: Buffer
    if ((await apiKind(client, values.api!)) === 'rest') {
      if (!values.stage) throw new UsageError('export of a REST API needs --stage NAME')
      const query = values.extensions ? `?extensions=${encodeURIComponent(values.extensions)}` : ''
      const res = await client.send('GET', `/restapis/${id}/stages/${encodeURIComponent(values.stage)}/exports/${encodeURIComponent(values.type ?? 'oas30')}${query}`, {
        headers: { accept: values.yaml ? 'application/yaml' : 'application/json' },
      })
      body = res.body
    } else {
      const q = new URLSearchParams({ outputType: values.yaml ? 'YAML' : 'JSON', includeExtensions: values['no-extensions'] ? 'false' : 'true' })
      if (values.stage) q.set('stageName', values.stage)
      body = (await client.send('GET', `/v2/apis/${id}/exports/OAS30?${q}`)).body
    }
    if (values.out) writeFileSync(values.out, body)
    else out.write(body.toString('utf8') + (body.toString('utf8').endsWith('\n') ? '' : '\n'))
    return 0
  })
}

/** `gatehouse sdk`. */
export async function sdkCommand(argv: string[], out: Out = process.stdout, err: Out = process.stderr): Promise<number> {
  const { values } = parse(argv, { ...commonOptions, api: { type: 'string' }, stage: { type: 'string' }, type: { type: 'string' }, 'invoke-url': { type: 'string' }, out: { type: 'string' } })
  if (values.help) {
    out.write(SDK_HELP)
    return 0
  }
  if (!values.api) throw new UsageError('sdk needs --api ID')
  if (!values.stage) throw new UsageError('sdk needs --stage NAME')
  const client = new AdminClient(adminBase(values.admin), authFromEnv(values.token))
  return guarded('sdk', err, async () => {
    const query = values['invoke-url'] ? `?invokeUrl=${encodeURIComponent(values['invoke-url'])}` : ''
    const path = `/restapis/${encodeURIComponent(values.api!)}/stages/${encodeURIComponent(values.stage!)}/sdks/${encodeURIComponent(values.type ?? 'javascript')}${query}`
    const res = await client.send('GET', path)
    const disposition = res.headers['content-disposition']
    const named = typeof disposition === 'string' ? /filename="([^"]+)"/.exec(disposition)?.[1] : undefined
    const file = values.out ?? basename(named ?? `${values.type ?? 'javascript'}.zip`)
    writeFileSync(file, res.body)
    out.write(`${file}\n`)
    return 0
  })
}

/** `gatehouse import`. */
export async function importCommand(argv: string[], out: Out = process.stdout, err: Out = process.stderr): Promise<number> {
  const { values, positionals } = parse(
    argv,
    { ...commonOptions, http: { type: 'boolean' }, api: { type: 'string' }, mode: { type: 'string' }, basepath: { type: 'string' }, stage: { type: 'string' } },
    true,
  )
  if (values.help) {
    out.write(IMPORT_HELP)
    return 0
  }
  if (positionals.length !== 1) throw new UsageError('import needs one FILE (an OpenAPI 3.0 or Swagger 2.0 document, JSON or YAML)')
  let text: string
  try {
    text = readFileSync(positionals[0]!, 'utf8')
  } catch (e) {
    throw new UsageError(`cannot read ${positionals[0]}: ${(e as Error).message}`)
  }
  const client = new AdminClient(adminBase(values.admin), authFromEnv(values.token))
  return guarded('import', err, async () => {
    const basepath = values.basepath ? `basepath=${encodeURIComponent(values.basepath)}` : ''
    let apiId: string
    if (values.http) {
      const res = values.api
        ? await client.send('PUT', `/v2/apis/${encodeURIComponent(values.api)}${basepath ? `?${basepath}` : ''}`, { body: { body: text } })
        : await client.send('PUT', `/v2/apis${basepath ? `?${basepath}` : ''}`, { body: { body: text } })
      apiId = res.json().apiId
      if (values.stage) {
        const stage = encodeURIComponent(values.stage)
        const exists = (await client.send('GET', `/v2/apis/${apiId}/stages/${stage}`, { allow: [404] })).status === 200
        if (!exists) await client.send('POST', `/v2/apis/${apiId}/stages`, { body: { stageName: values.stage, autoDeploy: true } })
        else if (!(await client.send('GET', `/v2/apis/${apiId}/stages/${stage}`)).json().autoDeploy) await client.send('POST', `/v2/apis/${apiId}/deployments`, { body: { stageName: values.stage } })
      }
    } else {
      const headers = { 'content-type': /^\s*[{[]/.test(text) ? 'application/json' : 'application/yaml' }
      const res = values.api
        ? await client.send('PUT', `/restapis/${encodeURIComponent(values.api)}?mode=${encodeURIComponent(values.mode ?? 'merge')}${basepath ? `&${basepath}` : ''}`, { body: text, headers })
        : await client.send('POST', `/restapis?mode=import${basepath ? `&${basepath}` : ''}`, { body: text, headers })
      apiId = res.json().id
      if (values.stage) await client.send('POST', `/restapis/${apiId}/deployments`, { body: { stageName: values.stage, description: `gatehouse import ${positionals[0]}` } })
    }
    out.write(`${apiId}\n`)
    return 0
  })
}

interface DeploymentRow {
  id: string
  createdDate: string
  description?: string
}

/** `gatehouse deployments list|rollback`. */
export async function deploymentsCommand(argv: string[], out: Out = process.stdout, err: Out = process.stderr): Promise<number> {
  const [action, ...rest] = argv
  const { values } = parse(rest, { ...commonOptions, api: { type: 'string' }, stage: { type: 'string' }, to: { type: 'string' } })
  if (values.help || action === undefined || action === '--help' || action === '-h') {
    out.write(DEPLOYMENTS_HELP)
    return action === undefined ? 2 : 0
  }
  if (action !== 'list' && action !== 'rollback') throw new UsageError(`deployments takes list or rollback, not ${JSON.stringify(action)}`)
  if (!values.api) throw new UsageError(`deployments ${action} needs --api ID`)
  const client = new AdminClient(adminBase(values.admin), authFromEnv(values.token))
  return guarded('deployments', err, async () => {
    const id = encodeURIComponent(values.api!)
    const rest = (await apiKind(client, values.api!)) === 'rest'
    const deployments: DeploymentRow[] = []
    if (rest) {
      let position: string | undefined
      do {
        const page = (await client.send('GET', `/restapis/${id}/deployments?limit=500${position ? `&position=${encodeURIComponent(position)}` : ''}`)).json()
        for (const d of page.item ?? []) deployments.push({ id: d.id, createdDate: new Date(d.createdDate * 1000).toISOString(), ...(d.description ? { description: d.description } : {}) })
        position = page.position
      } while (position)
    } else {
      for (const d of (await client.send('GET', `/v2/apis/${id}/deployments`)).json().items ?? []) {
        deployments.push({ id: d.deploymentId, createdDate: d.createdDate, ...(d.description ? { description: d.description } : {}) })
      }
    }
    const stages: Array<{ stageName: string; deploymentId?: string; canarySettings?: { deploymentId: string; percentTraffic: number } }> = rest ? ((await client.send('GET', `/restapis/${id}/stages`)).json().item ?? []) : ((await client.send('GET', `/v2/apis/${id}/stages`)).json().items ?? [])

    if (action === 'list') {
      const rows = [['DEPLOYMENT', 'CREATED', 'STAGES', 'DESCRIPTION']]
      // A REST stage's canary shows as `{stage}/Canary` with its share (docs/canary.md).
      const servedBy = (id: string): string[] => [
        ...stages.filter((s) => s.deploymentId === id).map((s) => s.stageName),
        ...stages.filter((s) => s.canarySettings?.deploymentId === id).map((s) => `${s.stageName}/Canary(${s.canarySettings!.percentTraffic}%)`),
      ]
      for (const d of deployments) rows.push([d.id, d.createdDate, servedBy(d.id).join(',') || '-', d.description ?? ''])
      out.write(table(rows))
      return 0
    }

    if (!values.stage) throw new UsageError('deployments rollback needs --stage NAME')
    const stage = stages.find((s) => s.stageName === values.stage)
    if (!stage) throw new AdminError(404, 'NotFoundException', `The API has no stage ${values.stage}`)
    let target = values.to
    if (target === undefined) {
      const at = deployments.findIndex((d) => d.id === stage.deploymentId)
      if (at <= 0) throw new AdminError(400, 'BadRequestException', `Stage ${values.stage} has no earlier deployment to roll back to; name one with --to`)
      target = deployments[at - 1]!.id
    }
    const name = encodeURIComponent(values.stage)
    if (rest) await client.send('PATCH', `/restapis/${id}/stages/${name}`, { body: { patchOperations: [{ op: 'replace', path: '/deploymentId', value: target }] } })
    else await client.send('PATCH', `/v2/apis/${id}/stages/${name}`, { body: { deploymentId: target } })
    out.write(`stage ${values.stage} now serves deployment ${target} (was ${stage.deploymentId ?? 'none'})\n`)
    return 0
  })
}
