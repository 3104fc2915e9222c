// The compiler run as the gateway runs it (the built-in steps and integrations, no functions), for tests that
// compare what a configuration compiles to: the golden files and the export round trip.

import { Agent } from 'undici'
import type { DesiredState } from '../src/controlplane/config/desired.js'
import { compileGateway, describePlan, describeRoutes } from '../src/controlplane/compile/compile.js'
import { describeWebSocket } from '../src/controlplane/compile/websocket.js'
import { createWebSocketIntegrations } from '../src/integrations/websocket.js'
import { GatewayMetrics } from '../src/observe/metrics.js'
import { createIntegrations } from '../src/integrations/index.js'
import { createSteps, createWsConnectGuards } from '../src/steps/index.js'
import { JwksCache } from '../src/auth/jwt.js'
import { localStateStore } from '../src/store/compose.js'
import { NO_FUNCTIONS } from './helpers.js'

export type Compilable = Pick<DesiredState, 'deployments' | 'stages' | 'settings' | 'apiKeys' | 'usagePlans' | 'identity'>

/** What `desired` compiles to: the routing table, each route's steps and integration, the warnings, the default API. */
export async function describeCompiled(desired: Compilable): Promise<{ routes: unknown; plan: unknown; warnings: string[]; defaultApi: string | null; websocket?: unknown }> {
  const dispatcher = new Agent()
  const jwks = new JwksCache()
  const state = localStateStore()
  try {
    const stepDeps = {
      policy: desired.identity?.region ? { region: desired.identity.region } : {},
      auth: { functions: NO_FUNCTIONS, jwks, state: () => state, identity: () => desired.identity },
      throttle: { state: () => state },
      cache: { cache: () => state },
    }
    const steps = createSteps(stepDeps)
    const metrics = new GatewayMetrics({ defaultMetrics: false })
    const plan = compileGateway(
      {
        revision: 1,
        deployments: new Map(desired.deployments.map((d) => [d.id, d])),
        stages: desired.stages,
        settings: desired.settings,
        apiKeys: desired.apiKeys,
        usagePlans: desired.usagePlans,
      },
      {
        integrations: createIntegrations({ dispatcher, functions: NO_FUNCTIONS }),
        metrics,
        accessLogs: true,
        steps,
        websocket: { integrations: createWebSocketIntegrations({ dispatcher, functions: NO_FUNCTIONS }), metrics, guards: createWsConnectGuards(stepDeps) },
      },
    )
    const described = { routes: describePlan(plan), plan: describeRoutes(plan), warnings: [...plan.warnings].sort(), defaultApi: plan.defaultApi?.id ?? null }
    // WebSocket stages (only in the cases that have some, so the others' files stay as they are).
    return plan.websockets ? { ...described, websocket: describeWebSocket(plan.websockets) } : described
  } finally {
    await dispatcher.close()
    jwks.close()
    await state.close()
  }
}
