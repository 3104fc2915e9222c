// `gatehouse canary set|promote|rollback`: a REST stage's canary release (§1.6) driven through the AWS
// control-plane operations on a running gateway's admin port (docs/canary.md): CreateDeployment with
// canarySettings (set --deploy), UpdateStage `/canarySettings/*` (set), UpdateStage's copy operations then
// `remove /canarySettings` (promote), and `remove /canarySettings` alone (rollback). HTTP APIs have no canary.

import { parse, UsageError } from './args.js'
import { AdminClient, AdminError, adminBase, apiKind, authFromEnv } from './admin-client.js'

interface Out {
  write(text: string): unknown
}

export const CANARY_HELP = `Usage: gatehouse canary set --admin URL --api ID --stage NAME [--percent N] [--deployment ID | --deploy]
                          [--variable K=V]... [--use-stage-cache | --own-cache]
       gatehouse canary promote --admin URL --api ID --stage NAME
       gatehouse canary rollback --admin URL --api ID --stage NAME

A REST API stage's canary release: a share of the stage's requests, chosen at random, served by another
deployment with its own stage variable overrides (docs/canary.md).

set: creates or changes the stage's canary (UpdateStage /canarySettings/*). A new canary starts on the
     stage's own deployment at 0 % unless --deployment or --deploy says otherwise.
promote: the stage takes the canary's deployment and stage variable overrides (UpdateStage copy
     operations, as AWS promotes), then the canary is removed.
rollback: removes the canary; the stage's own deployment serves every request again.

Options:
  --admin URL          the gateway's admin address, e.g. http://127.0.0.1:9090
  --token TOKEN        the admin token (default: $GATEHOUSE_ADMIN_TOKEN); without one, requests are signed
                       with SigV4 when AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are set
  --api ID             the REST API id
  --stage NAME         the stage
  --percent N          set: the share of requests the canary takes, 0 to 100
  --deployment ID      set: the deployment the canary serves
  --deploy             set: snapshot the API as it is now into a new deployment for the canary
                       (CreateDeployment with canarySettings)
  --description TEXT   set --deploy: the new deployment's description
  --variable K=V       set: a stage variable override for canary requests (repeatable)
  --use-stage-cache    set: the canary reads and writes the stage's cache entries
  --own-cache          set: the canary keeps cache entries of its own (the default)
`

type Patch = { op: string; path: string; value?: string; from?: string }

async function guarded(err: Out, f: () => Promise<number>): Promise<number> {
  try {
    return await f()
  } catch (e) {
    if (!(e instanceof AdminError)) throw e
    err.write(`gatehouse canary: ${e.type ? `${e.type}: ` : ''}${e.message}\n`)
    return 1
  }
}

/** `--variable K=V` values as a map; a name that is not a stage variable name is a usage error. */
function variables(pairs: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {}
  for (const pair of pairs) {
    const eq = pair.indexOf('=')
    const name = eq > 0 ? pair.slice(0, eq) : ''
    if (!/^[A-Za-z0-9_]{1,64}$/.test(name)) throw new UsageError(`--variable takes NAME=VALUE with a name of letters, digits and _, got ${JSON.stringify(pair)}`)
    out[name] = pair.slice(eq + 1)
  }
  return out
}

function describeCanary(stage: Record<string, any>): string {
  const c = stage['canarySettings']
  if (!c) return `stage ${stage['stageName']} serves deployment ${stage['deploymentId']}; no canary`
  const overrides = Object.entries(c.stageVariableOverrides ?? {}).map(([k, v]) => `${k}=${String(v)}`)
  return (
    `stage ${stage['stageName']} serves deployment ${stage['deploymentId']}; canary: ${c.percentTraffic} % to deployment ${c.deploymentId}` +
    (overrides.length ? `, overrides ${overrides.join(' ')}` : '') +
    (c.useStageCache ? ', using the stage cache' : '')
  )
}

/** `gatehouse canary set|promote|rollback`. */
export async function canaryCommand(argv: string[], out: Out = process.stdout, err: Out = process.stderr): Promise<number> {
  const [action, ...rest] = argv
  const { values } = parse(rest, {
    admin: { type: 'string' },
    token: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
    api: { type: 'string' },
    stage: { type: 'string' },
    percent: { type: 'string' },
    deployment: { type: 'string' },
    deploy: { type: 'boolean' },
    description: { type: 'string' },
    variable: { type: 'string', multiple: true },
    'use-stage-cache': { type: 'boolean' },
    'own-cache': { type: 'boolean' },
  })
  if (values.help || action === undefined || action === '--help' || action === '-h') {
    out.write(CANARY_HELP)
    return action === undefined ? 2 : 0
  }
  if (action !== 'set' && action !== 'promote' && action !== 'rollback') throw new UsageError(`canary takes set, promote or rollback, not ${JSON.stringify(action)}`)
  if (!values.api) throw new UsageError(`canary ${action} needs --api ID`)
  if (!values.stage) throw new UsageError(`canary ${action} needs --stage NAME`)
  const setOnly = ['percent', 'deployment', 'deploy', 'description', 'variable', 'use-stage-cache', 'own-cache'] as const
  if (action !== 'set') {
    const extra = setOnly.find((k) => values[k] !== undefined)
    if (extra) throw new UsageError(`--${extra} is an option of canary set`)
  }
  if (values.deploy && values.deployment) throw new UsageError('canary set takes --deployment ID or --deploy, not both')
  if (values['use-stage-cache'] && values['own-cache']) throw new UsageError('canary set takes --use-stage-cache or --own-cache, not both')
  let percent: string | undefined
  if (values.percent !== undefined) {
    const n = Number(values.percent)
    if (values.percent.trim() === '' || !Number.isFinite(n) || n < 0 || n > 100) throw new UsageError(`--percent must be a number from 0 to 100, got ${JSON.stringify(values.percent)}`)
    percent = String(n)
  }
  const overrides = variables(values.variable ?? [])

  const client = new AdminClient(adminBase(values.admin), authFromEnv(values.token))
  return guarded(err, async () => {
    if ((await apiKind(client, values.api!)) !== 'rest') throw new AdminError(400, 'BadRequestException', 'canary releases are for REST API stages; HTTP APIs have none')
    const stagePath = `/restapis/${encodeURIComponent(values.api!)}/stages/${encodeURIComponent(values.stage!)}`
    const before = (await client.send('GET', stagePath)).json()
    const patch = async (ops: Patch[]): Promise<Record<string, any>> => (await client.send('PATCH', stagePath, { body: { patchOperations: ops } })).json()

    if (action === 'set') {
      const ops: Patch[] = []
      if (values.deploy) {
        // CreateDeployment replaces the canary whole (recorded): what the stage's canary had is carried over.
        const c = before.canarySettings ?? {}
        const canarySettings = {
          percentTraffic: percent !== undefined ? Number(percent) : (c.percentTraffic ?? 0),
          stageVariableOverrides: { ...(c.stageVariableOverrides ?? {}), ...overrides },
          useStageCache: values['use-stage-cache'] ? true : values['own-cache'] ? false : (c.useStageCache ?? false),
        }
        const body = { stageName: values.stage, canarySettings, ...(values.description ? { description: values.description } : {}) }
        const d = (await client.send('POST', `/restapis/${encodeURIComponent(values.api!)}/deployments`, { body })).json()
        out.write(`deployment ${d.id} made for the canary\n`)
      } else {
        if (values.deployment) ops.push({ op: 'replace', path: '/canarySettings/deploymentId', value: values.deployment })
        for (const [k, v] of Object.entries(overrides)) ops.push({ op: 'replace', path: `/canarySettings/stageVariableOverrides/${k}`, value: v })
        if (values['use-stage-cache'] || values['own-cache']) ops.push({ op: 'replace', path: '/canarySettings/useStageCache', value: values['use-stage-cache'] ? 'true' : 'false' })
        // The percentage last: a canary is never sent traffic before its deployment and overrides are set.
        if (percent !== undefined) ops.push({ op: 'replace', path: '/canarySettings/percentTraffic', value: percent })
        if (ops.length === 0) throw new UsageError('canary set needs at least one of --percent, --deployment, --deploy, --variable, --use-stage-cache, --own-cache')
        await patch(ops)
      }
      out.write(describeCanary((await client.send('GET', stagePath)).json()) + '\n')
      return 0
    }

    if (!before.canarySettings) throw new AdminError(400, 'BadRequestException', `Stage ${values.stage} has no canary to ${action === 'promote' ? 'promote' : 'roll back'}`)
    if (action === 'promote') {
      // AWS's promotion (§16.2): the canary's traffic to 0 %, its deployment and overrides copied into the stage.
      await patch([
        { op: 'replace', path: '/canarySettings/percentTraffic', value: '0.0' },
        { op: 'copy', from: '/canarySettings/deploymentId', path: '/deploymentId' },
        { op: 'copy', from: '/canarySettings/stageVariableOverrides', path: '/variables' },
      ])
      const after = await patch([{ op: 'remove', path: '/canarySettings' }])
      out.write(`stage ${values.stage} now serves deployment ${after['deploymentId']} (was ${before.deploymentId}); the canary is promoted and removed\n`)
      return 0
    }
    await patch([{ op: 'remove', path: '/canarySettings' }])
    out.write(`stage ${values.stage} serves deployment ${before.deploymentId} to every request; the canary (deployment ${before.canarySettings.deploymentId}) is removed\n`)
    return 0
  })
}
