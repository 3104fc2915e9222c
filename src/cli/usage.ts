// `gatehouse usage`: prints a usage plan's usage records (requests per API key and UTC day, and the quota
// left) as a table, read from a running gateway's admin API (GET /usageplans/{id}/usage, §7.2).

import { parse, UsageError } from './args.js'

export const USAGE_HELP = `Usage: gatehouse usage --admin URL --plan ID [options]

Prints a usage plan's usage: requests per API key and UTC day, and the quota remaining after each day.

Options:
  --admin URL          the gateway's admin address, e.g. http://127.0.0.1:9090
  --plan ID            the usage plan id
  --key ID             only this API key
  --from YYYY-MM-DD    first day (default: 6 days before --to)
  --to YYYY-MM-DD      last day (default: today, UTC)
  --token TOKEN        the admin token (default: $GATEHOUSE_ADMIN_TOKEN)
  --json               print the admin API's JSON answer instead of a table
`

interface Out {
  write(text: string): unknown
}

const DAY_MS = 86_400_000
const DAY = /^\d{4}-\d{2}-\d{2}$/

function checkDay(value: string, flag: string): string {
  const ms = DAY.test(value) ? Date.parse(`${value}T00:00:00Z`) : NaN
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== value) {
    throw new UsageError(`${flag} must be a date YYYY-MM-DD, got ${JSON.stringify(value)}`)
  }
  return value
}

class AdminRequestError extends Error {}

/** Runs `gatehouse usage`; resolves to the exit code (0 printed, 1 the admin API refused or is unreachable). */
export async function usage(argv: string[], out: Out = process.stdout, err: Out = process.stderr): Promise<number> {
  const { values } = parse(argv, {
    admin: { type: 'string' },
    plan: { type: 'string' },
    key: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    token: { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  })
  if (values.help) {
    out.write(USAGE_HELP)
    return 0
  }
  if (!values.admin) throw new UsageError('usage needs --admin URL (the gateway admin address, e.g. http://127.0.0.1:9090)')
  if (!values.plan) throw new UsageError('usage needs --plan ID (the usage plan id; GET /usageplans lists them)')
  let base: URL
  try {
    base = new URL(values.admin)
  } catch {
    throw new UsageError(`--admin must be a URL such as http://127.0.0.1:9090, got ${JSON.stringify(values.admin)}`)
  }
  const to = values.to !== undefined ? checkDay(values.to, '--to') : new Date().toISOString().slice(0, 10)
  const from = values.from !== undefined ? checkDay(values.from, '--from') : new Date(Date.parse(to) - 6 * DAY_MS).toISOString().slice(0, 10)
  if (from > to) throw new UsageError(`--from ${from} is after --to ${to}`)
  const token = values.token ?? process.env['GATEHOUSE_ADMIN_TOKEN']

  const get = async (path: string): Promise<any> => {
    const url = new URL(path, base)
    let res: Response
    try {
      res = await fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} })
    } catch (e) {
      throw new AdminRequestError(`cannot reach the admin API at ${base.origin}: ${(e as Error & { cause?: Error }).cause?.message ?? (e as Error).message}`)
    }
    const text = await res.text()
    let body: any
    try {
      body = JSON.parse(text)
    } catch {
      body = undefined
    }
    if (!res.ok) throw new AdminRequestError(`${res.status} from ${url.pathname}: ${body?.message ?? text}`)
    return body
  }

  try {
    const planId = encodeURIComponent(values.plan)
    const plan = await get(`/usageplans/${planId}`)
    const query = new URLSearchParams({ startDate: from, endDate: to, limit: '500' })
    if (values.key) query.set('keyId', values.key)
    const records = await get(`/usageplans/${planId}/usage?${query}`)
    if (values.json) {
      out.write(JSON.stringify(records, null, 2) + '\n')
      return 0
    }
    // Key names, without values: the plain key listing never includes them.
    const names = new Map<string, string>()
    let position: string | undefined
    do {
      const page = await get(`/apikeys?limit=500${position ? `&position=${encodeURIComponent(position)}` : ''}`)
      for (const k of page.item ?? []) if (typeof k.name === 'string') names.set(k.id, k.name)
      position = page.position
    } while (position)
    out.write(renderUsage(plan, records, names))
    return 0
  } catch (e) {
    if (!(e instanceof AdminRequestError)) throw e
    err.write(`gatehouse usage: ${e.message}\n`)
    return 1
  }
}

interface PlanJson {
  id: string
  name: string
  quota?: { limit: number; period: string; offset: number }
}

/** GetUsage's answer on the wire: the per-key days under `values` (the SDKs' `items`). */
interface UsageJson {
  startDate: string
  endDate: string
  values: Record<string, Array<[number, number]>>
}

/** The usage table: one row per key and day, numbers right-aligned. */
export function renderUsage(plan: PlanJson, usage: UsageJson, names: ReadonlyMap<string, string>): string {
  const quota = plan.quota ? `quota ${plan.quota.limit} per ${plan.quota.period}` : 'no quota'
  const head = `Usage plan ${plan.name} (${plan.id}), ${usage.startDate} to ${usage.endDate}, ${quota}\n`
  const keyIds = Object.keys(usage.values).sort((a, b) => (names.get(a) ?? a).localeCompare(names.get(b) ?? b))
  if (keyIds.length === 0) return `${head}\nNo API keys in this usage plan.\n`
  const days: string[] = []
  for (let d = Date.parse(usage.startDate); d <= Date.parse(usage.endDate); d += DAY_MS) days.push(new Date(d).toISOString().slice(0, 10))
  const rows: string[][] = [['KEY', 'DAY', 'USED', 'REMAINING']]
  for (const id of keyIds) {
    const label = names.has(id) ? `${names.get(id)} (${id})` : id
    usage.values[id]!.forEach(([used, remaining], i) => rows.push([i === 0 ? label : '', days[i] ?? '', String(used), plan.quota ? String(remaining) : '-']))
  }
  const width = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)))
  const line = (r: string[]): string => r.map((cell, c) => (c >= 2 ? cell.padStart(width[c]!) : cell.padEnd(width[c]!))).join('  ').trimEnd()
  return `${head}\n${rows.map(line).join('\n')}\n`
}
