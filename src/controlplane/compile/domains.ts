// Custom domain names → the data plane's domain table and TLS table (§1.7, §7.8, §14.3). Pure: the PEM text
// of each domain's certificate and truststore comes in `pems`, read by the caller (src/gateway.ts through
// src/controlplane/config/domain-tls.ts); building a secure context from it is computation, not I/O.

import type { DomainName } from '../../model/types.js'
import type { ApiPlan, StagePlan } from '../../dataplane/plan.js'
import { compileTlsTable, DomainTable, type DomainMapping, type DomainPem, type DomainPlan, type TlsTable, type WsDomainMapping } from '../../dataplane/domains.js'
import type { WsApiPlan } from '../../dataplane/websocket/plan.js'

export interface CompiledDomains {
  table: DomainTable | null
  tls: TlsTable | null
}

/**
 * Compiles every domain's mappings against the APIs served. A mapping whose API or stage is not served is
 * left out with a warning (requests on its base path get 403, as AWS gives for an unmapped path).
 */
export function compileDomains(domains: readonly DomainName[], apis: ReadonlyMap<string, ApiPlan>, pems: ReadonlyMap<string, DomainPem>, warn: (m: string) => void, wsApis: ReadonlyMap<string, WsApiPlan> = new Map()): CompiledDomains {
  if (domains.length === 0) return { table: null, tls: null }
  const plans: DomainPlan[] = []
  for (const d of domains) {
    const name = d.domainName.toLowerCase()
    const mappings: DomainMapping[] = []
    const websocket: WsDomainMapping[] = []
    for (const m of d.mappings) {
      const shown = m.basePath === '' ? '(none)' : m.basePath
      const api = apis.get(m.apiId)
      const wsApi = api ? undefined : wsApis.get(m.apiId)
      if (wsApi) {
        // §1.7, §10: a WebSocket API mapping names its stage; upgrades and `@connections` on this domain reach it.
        const stage = m.stage === undefined ? undefined : wsApi.stages.get(m.stage)
        if (stage === undefined) {
          warn(`domain ${name}: base path ${shown} maps WebSocket API ${m.apiId} ${m.stage === undefined ? 'without a stage (API mappings name one)' : `to stage ${m.stage}, which is not deployed`}; its upgrades get 403`)
          continue
        }
        websocket.push(Object.freeze({ basePath: m.basePath, api: wsApi, stage }))
        continue
      }
      if (!api) {
        warn(`domain ${name}: base path ${shown} maps API ${m.apiId}, which is not served; its requests get 403`)
        continue
      }
      let stage: StagePlan | null = null
      if (m.stage !== undefined) {
        stage = (m.stage === '$default' ? api.defaultStage : api.stages.get(m.stage)) ?? null
        if (stage === null) {
          warn(`domain ${name}: base path ${shown} maps stage ${m.stage} of API ${m.apiId}, which is not deployed; its requests get 403`)
          continue
        }
      } else if (api.kind === 'HTTP') {
        warn(`domain ${name}: base path ${shown} maps HTTP API ${m.apiId} without a stage (API mappings name one); its requests get 403`)
        continue
      }
      mappings.push(Object.freeze({ basePath: m.basePath, api, stage }))
    }
    // Longest first: the first base path that matches is the longest (§1.7).
    mappings.sort((a, b) => b.basePath.length - a.basePath.length)
    websocket.sort((a, b) => b.basePath.length - a.basePath.length)
    if (websocket.length > 0 && mappings.length > 0) warn(`domain ${name} maps WebSocket APIs and REST or HTTP APIs: AWS refuses this (a domain serves WebSocket APIs only); here upgrades go to the WebSocket mappings and requests to the others`)
    plans.push(
      Object.freeze({
        name,
        mappings: Object.freeze(mappings),
        ...(websocket.length > 0 ? { websocket: Object.freeze(websocket) } : {}),
        mutualTls: d.mutualTlsAuthentication !== undefined,
        securityPolicy: d.securityPolicy === 'TLS_1_0' ? 'TLS_1_0' : 'TLS_1_2',
      } as const),
    )
  }
  return { table: new DomainTable(plans), tls: compileTlsTable(plans, pems, warn) }
}
