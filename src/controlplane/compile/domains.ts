// Custom domain names → the data plane's domain table and TLS table (§1.7, §7.8, §14.3). Pure: the PEM text
// of each domain's certificate and truststore comes in `pems`, read by the caller (src/gateway.ts through
// src/controlplane/config/domain-tls.ts); building a secure context from it is computation, not I/O.

import type { DomainName } from '../../model/types.js'
import type { ApiPlan, StagePlan } from '../../dataplane/plan.js'
import { compileTlsTable, DomainTable, type DomainMapping, type DomainPem, type DomainPlan, type TlsTable } from '../../dataplane/domains.js'

export interface CompiledDomains {
  table: DomainTable | null
  tls: TlsTable | null
}

/**
 * Compiles every domain's mappings against the APIs served. A mapping whose API or stage is not served is
 * left out with a warning (requests on its base path get 403, as AWS gives for an unmapped path).
 */
export function compileDomains(domains: readonly DomainName[], apis: ReadonlyMap<string, ApiPlan>, pems: ReadonlyMap<string, DomainPem>, warn: (m: string) => void): CompiledDomains {
  if (domains.length === 0) return { table: null, tls: null }
  const plans: DomainPlan[] = []
  for (const d of domains) {
    const name = d.domainName.toLowerCase()
    const mappings: DomainMapping[] = []
    for (const m of d.mappings) {
      const shown = m.basePath === '' ? '(none)' : m.basePath
      const api = apis.get(m.apiId)
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
    plans.push(
      Object.freeze({
        name,
        mappings: Object.freeze(mappings),
        mutualTls: d.mutualTlsAuthentication !== undefined,
        securityPolicy: d.securityPolicy === 'TLS_1_0' ? 'TLS_1_0' : 'TLS_1_2',
      } as const),
    )
  }
  return { table: new DomainTable(plans), tls: compileTlsTable(plans, pems, warn) }
}
