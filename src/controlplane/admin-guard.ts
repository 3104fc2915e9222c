// What keeps web pages away from the admin listener (docs/admin-port.md). A browser will send requests to
// 127.0.0.1:9090 for any page it shows, so a loopback address alone does not make the admin port private:
//
// - DNS rebinding: a page on evil.example re-points its own name at 127.0.0.1 and then reads the admin port as
//   its "same origin". The browser still sends `Host: evil.example`, so the listener answers only Host names that
//   are its own: `localhost`, IP addresses (a rebinding needs a name), the host it was told to bind, and the names
//   the operator allows (`--admin-allowed-host`, `listeners.admin.allowedHosts`). The port is not compared:
//   port mappings (docker -p 8081:9090) change it, and a rebinding cannot choose the name.
// - Cross-site requests: any page can POST to the admin port (a form, or fetch in no-cors mode with a
//   `text/plain` body) without reading the answer. Browsers say where such a request comes from: a request
//   whose `Origin` is not the admin port's own origin, or whose `Sec-Fetch-Site` is `cross-site` or `same-site`
//   (another port on the same machine is another site's page), is refused, whatever its method or path.
//   Non-browser clients (the AWS SDKs and CLI, curl, Prometheus, Kubernetes probes) send neither header.
// - The admin API also requires JSON request bodies (admin-api/index.ts): the body types a page may send
//   without asking first (CORS "simple" requests: text/plain, forms) are refused.
//
// This is the approach of local development servers (webpack-dev-server's and Vite's `allowedHosts`, Jupyter's
// Host and Origin checks), applied to every path: /health, /ready and /metrics too, since metrics name the
// APIs served; Kubernetes probes and Prometheus address a pod by its IP, which is always accepted.

import type { IncomingMessage } from 'node:http'
import { isIP } from 'node:net'

export interface AdminHostPolicy {
  /** The host names the operator allows besides the built-in ones; `.example.com` allows it and every subdomain. */
  allowedHosts: () => readonly string[]
  /** The host the admin listener was told to bind (`127.0.0.1`, `0.0.0.0`, a name, …). */
  boundHost: () => string | undefined
}

const WILDCARD_BIND = new Set(['', '0.0.0.0', '::', '[::]'])

/** A Host header's host name: lower case, without port, brackets or a trailing dot. Null when it cannot be parsed. */
export function hostName(host: string): string | null {
  const h = host.trim().toLowerCase()
  let name: string
  if (h.startsWith('[')) {
    const end = h.indexOf(']')
    if (end < 0) return null
    const rest = h.slice(end + 1)
    if (rest !== '' && !/^:\d*$/.test(rest)) return null
    name = h.slice(1, end)
  } else {
    const colon = h.indexOf(':')
    if (colon >= 0 && !/^\d*$/.test(h.slice(colon + 1))) return null
    name = colon >= 0 ? h.slice(0, colon) : h
  }
  if (name.endsWith('.')) name = name.slice(0, -1)
  return name === '' ? null : name
}

/** Why an operator-given allowed host is unusable, or null when it is fine. */
export function allowedHostProblem(entry: string): string | null {
  const e = entry.toLowerCase()
  if (isIP(e) !== 0) return null
  if (/^\.?[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*\.?$/.test(e)) return null
  return `${JSON.stringify(entry)} is not a host name: give a name without scheme, port or path (gatehouse-admin.internal), or .example.com for a domain and its subdomains`
}

function matchesAllowed(name: string, allowed: readonly string[]): boolean {
  for (const raw of allowed) {
    let a = raw.toLowerCase()
    if (a.endsWith('.')) a = a.slice(0, -1)
    if (a.startsWith('.')) {
      if (name === a.slice(1) || name.endsWith(a)) return true
    } else if (name === a) return true
  }
  return false
}

/** True when the admin listener answers to this Host name. */
export function isAllowedHost(name: string, policy: AdminHostPolicy): boolean {
  if (name === 'localhost' || isIP(name) !== 0) return true
  const bound = policy.boundHost()
  if (bound !== undefined && !WILDCARD_BIND.has(bound) && hostName(bound) === name) return true
  return matchesAllowed(name, policy.allowedHosts())
}

const DEFAULT_PORT: Record<string, string> = { 'http:': '80', 'https:': '443' }

/** True when `origin` is the origin of a page served from `host` (the request's Host header). */
function sameOrigin(origin: string, host: string): boolean {
  let url: URL
  try {
    url = new URL(origin)
  } catch {
    return false
  }
  if (url.origin === 'null' || url.hostname === '') return false
  // The scheme is not compared: behind a TLS-terminating proxy the page is https and the listener plain http.
  const h = host.trim().toLowerCase()
  const port = DEFAULT_PORT[url.protocol]
  return url.host === h || (port !== undefined && url.port === '' && h === `${url.hostname}:${port}`)
}

/**
 * Why the admin listener must refuse this request — the message of its 403 — or null when it may serve it.
 * Requests without `Host` (HTTP/1.0), `Origin` or `Sec-Fetch-Site` come from no browser and pass those checks.
 */
export function foreignRequest(req: IncomingMessage, policy: AdminHostPolicy): string | null {
  const host = req.headers.host
  if (host !== undefined) {
    const name = hostName(host)
    if (name === null || !isAllowedHost(name, policy)) {
      return `The admin port does not answer to the host name in this request (Host: ${host.slice(0, 200)}), so that web pages cannot reach it through DNS rebinding. It answers to localhost, IP addresses and the host it is bound to; allow another name with --admin-allowed-host NAME or listeners.admin.allowedHosts in the config file.`
    }
  }
  const origin = req.headers.origin
  if (origin !== undefined && (host === undefined || !sameOrigin(origin, host))) {
    return `The admin port refuses requests from web pages of other origins (Origin: ${origin.slice(0, 200)}). Send requests from a program (curl, an AWS SDK or CLI), not from a browser page.`
  }
  const site = req.headers['sec-fetch-site']
  if (site !== undefined && site !== 'same-origin' && site !== 'none') {
    return `The admin port refuses requests that web pages of other sites make (Sec-Fetch-Site: ${String(site).slice(0, 50)}). Open its URLs directly, or send requests from a program (curl, an AWS SDK or CLI).`
  }
  return null
}
