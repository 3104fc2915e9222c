// Custom domain names (§1.7, §7.8, §14.3), compiled once per plan: the domain table that host resolution
// (resolve.ts) consults before the execute-api rules — exact names and `*.example.com` wildcards (one label),
// each with its mappings longest base path first — and the TLS table the HTTPS listener's SNI callback
// reads: one secure context per domain, built from PEM text when the plan is compiled and swapped with it.

import { createSecureContext, type SecureContext } from 'node:tls'
import type { ApiPlan, StagePlan } from './plan.js'
import type { WsApiPlan, WsStagePlan } from './websocket/plan.js'

/** One base path mapping / API mapping, compiled. */
export interface DomainMapping {
  /** '' for `(none)`, else `v1` or `v1/orders` (no leading or trailing `/`). */
  readonly basePath: string
  readonly api: ApiPlan
  /** The mapped stage; null: the first path segment after the base path names it (REST mappings without a stage). */
  readonly stage: StagePlan | null
}

/** An API mapping of a WebSocket API (always with its stage, as AWS's API mappings have). */
export interface WsDomainMapping {
  /** '' for `(none)`, else one segment. */
  readonly basePath: string
  readonly api: WsApiPlan
  readonly stage: WsStagePlan
}

export interface DomainPlan {
  /** Lower case, as configured (`*.example.com` for a wildcard). */
  readonly name: string
  /** Longest base path first, so the first that matches wins. */
  readonly mappings: readonly DomainMapping[]
  /** WebSocket APIs' mappings, longest base path first (a domain serving WebSocket APIs: upgrades and `@connections`). */
  readonly websocket?: readonly WsDomainMapping[]
  /** A client certificate chaining to the domain's truststore is required (over the HTTPS listener, by SNI). */
  readonly mutualTls: boolean
  /** `TLS_1_2`: TLS 1.0 and 1.1 handshakes naming this domain fail. */
  readonly securityPolicy: 'TLS_1_0' | 'TLS_1_2'
}

/** A domain's certificate and truststore as PEM text (read from files or the store by the control plane). */
export interface DomainPem {
  /** The certificate body followed by its chain. */
  cert: string
  key: string
  /** The mutual-TLS truststore (a PEM bundle of CA certificates). */
  ca?: string
}

/** The host part of a Host header, lower case, without its port (`API.Example.com:8443` → `api.example.com`). */
export function hostName(host: string): string {
  let end = host.length
  // `[::1]:8080`: an IPv6 literal is never a custom domain; its colons are not a port.
  if (host.charCodeAt(0) !== 91) {
    const colon = host.lastIndexOf(':')
    if (colon !== -1) end = colon
  }
  const name = end === host.length ? host : host.slice(0, end)
  return name.toLowerCase()
}

export class DomainTable {
  readonly #exact = new Map<string, DomainPlan>()
  /** `*.example.com` under `example.com`. */
  readonly #wildcard = new Map<string, DomainPlan>()

  constructor(domains: readonly DomainPlan[]) {
    for (const d of domains) {
      if (d.name.startsWith('*.')) this.#wildcard.set(d.name.slice(2), d)
      else this.#exact.set(d.name, d)
    }
  }

  get size(): number {
    return this.#exact.size + this.#wildcard.size
  }

  /** Every domain (for banners and descriptions, not requests). */
  all(): DomainPlan[] {
    return [...this.#exact.values(), ...this.#wildcard.values()]
  }

  /** The domain serving `name` (lower case, no port): an exact name first, else a wildcard one label up. */
  find(name: string): DomainPlan | undefined {
    const exact = this.#exact.get(name)
    if (exact !== undefined || this.#wildcard.size === 0) return exact
    const dot = name.indexOf('.')
    return dot === -1 ? undefined : this.#wildcard.get(name.slice(dot + 1))
  }
}

/** What the SNI callback hands back for one domain. */
export interface DomainTls {
  readonly domain: DomainPlan
  readonly context: SecureContext
}

/** The options of the listener's default secure context (clients without SNI, or naming no domain). */
export interface DefaultTlsOptions {
  cert: string
  key: string
  minVersion: 'TLSv1' | 'TLSv1.2'
  /** The truststore client certificates are verified against (the domain's own leaf when it has none). */
  ca: string
  ciphers?: string
}

/**
 * OpenSSL 3 refuses TLS 1.0/1.1 at its default security level: a listener that has to accept them (a
 * `TLS_1_0` domain) lowers it. Domains with `TLS_1_2` refuse old versions in the SNI callback.
 */
export const LEGACY_CIPHERS = 'DEFAULT:@SECLEVEL=0'

/** The TLS side of the domains: a secure context per domain, looked up by SNI name like hosts are. */
export class TlsTable {
  readonly #exact = new Map<string, DomainTls>()
  readonly #wildcard = new Map<string, DomainTls>()
  /** The first domain's certificate (by name), for clients that send no SNI name or an unknown one. */
  readonly defaultOptions: DefaultTlsOptions | null
  readonly defaultDomain: DomainPlan | null
  /** Some domain requires client certificates: the listener asks every client for one (and requires none). */
  readonly anyMutualTls: boolean
  /** Some domain accepts TLS 1.0/1.1: the listener's version floor is TLS 1.0. */
  readonly anyLegacy: boolean

  constructor(entries: ReadonlyArray<{ domain: DomainPlan; pem: DomainPem; context: SecureContext }>) {
    let first: { domain: DomainPlan; pem: DomainPem } | null = null
    let anyMutualTls = false
    let anyLegacy = false
    for (const e of entries) {
      const t: DomainTls = { domain: e.domain, context: e.context }
      if (e.domain.name.startsWith('*.')) this.#wildcard.set(e.domain.name.slice(2), t)
      else this.#exact.set(e.domain.name, t)
      if (first === null || e.domain.name < first.domain.name) first = e
      if (e.domain.mutualTls) anyMutualTls = true
      if (e.domain.securityPolicy === 'TLS_1_0') anyLegacy = true
    }
    this.anyMutualTls = anyMutualTls
    this.anyLegacy = anyLegacy
    this.defaultDomain = first?.domain ?? null
    this.defaultOptions =
      first === null ? null : { cert: first.pem.cert, key: first.pem.key, ca: first.pem.ca ?? first.pem.cert, minVersion: anyLegacy ? 'TLSv1' : 'TLSv1.2', ...(anyLegacy ? { ciphers: LEGACY_CIPHERS } : {}) }
  }

  /** The domain's context for an SNI name (lower-cased here: SNI names are case-insensitive). */
  find(servername: string): DomainTls | undefined {
    const name = servername.toLowerCase()
    const exact = this.#exact.get(name)
    if (exact !== undefined || this.#wildcard.size === 0) return exact
    const dot = name.indexOf('.')
    return dot === -1 ? undefined : this.#wildcard.get(name.slice(dot + 1))
  }
}

/**
 * Builds the secure contexts of the domains that have certificates. A certificate that cannot be used is
 * reported through `warn` and leaves its domain to the default certificate.
 */
export function compileTlsTable(domains: readonly DomainPlan[], pems: ReadonlyMap<string, DomainPem>, warn: (m: string) => void): TlsTable | null {
  const entries: Array<{ domain: DomainPlan; pem: DomainPem; context: SecureContext }> = []
  for (const d of domains) {
    const pem = pems.get(d.name)
    if (pem === undefined) continue
    try {
      const legacy = d.securityPolicy === 'TLS_1_0'
      const context = createSecureContext({
        cert: pem.cert,
        key: pem.key,
        // Without a `ca` a context trusts Node's public roots: a client certificate from any public CA would
        // verify. A domain without a truststore (none declared, or its file gone) trusts its own leaf instead,
        // which no client can present without the domain's private key.
        ca: pem.ca ?? pem.cert,
        minVersion: legacy ? 'TLSv1' : 'TLSv1.2',
        ...(legacy ? { ciphers: LEGACY_CIPHERS } : {}),
      })
      entries.push({ domain: d, pem, context })
    } catch (err) {
      warn(`domain ${d.name}: its certificate cannot be used (${(err as Error).message}); clients naming it get the default certificate`)
    }
  }
  return entries.length === 0 ? null : new TlsTable(entries)
}
