// The admin listener (loopback by default): health, readiness and Prometheus metrics; the AWS-compatible
// control plane (admin-api/: API keys, usage plans, …) mounts on it with `use`. Every request first passes the
// guard against web pages (admin-guard.ts): a foreign Host, Origin or Sec-Fetch-Site is a 403 on every path.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { listen } from '../dataplane/listen.js'
import type { Logger } from 'pino'
import { foreignRequest, type AdminHostPolicy } from './admin-guard.js'

export interface AdminDeps {
  gateway: { readonly ready: boolean; readonly plan: { revision: number } | null }
  metrics: { text(): Promise<string>; readonly contentType: string }
  logger: Logger
  /** Which Host names the listener answers to (admin-guard.ts). */
  hosts: AdminHostPolicy
}

export type AdminRoute = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean> | boolean

export class AdminServer {
  readonly #server: Server
  readonly #deps: AdminDeps
  readonly #routes: AdminRoute[] = []

  constructor(deps: AdminDeps) {
    this.#deps = deps
    this.#server = createServer((req, res) => {
      this.#handle(req, res).catch((err: unknown) => {
        deps.logger.error({ err }, 'admin request failed')
        if (!res.headersSent) json(res, 500, { message: 'Internal server error' })
        else res.destroy()
      })
    })
  }

  /** Adds a handler tried before the built-in routes; it returns true when it answered. */
  use(route: AdminRoute): void {
    this.#routes.push(route)
  }

  listen(port: number, host: string): Promise<AddressInfo> {
    return listen(this.#server, port, host)
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.#server.close(() => resolve())
      this.#server.closeAllConnections()
    })
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const refused = foreignRequest(req, this.#deps.hosts)
    if (refused !== null) {
      // Unread bodies are drained so that the connection stays usable.
      req.resume()
      return json(res, 403, { message: refused }, { 'x-amzn-ErrorType': 'ForbiddenException' })
    }
    const url = new URL(req.url ?? '/', 'http://admin')
    for (const r of this.#routes) if (await r(req, res, url)) return
    if (req.method === 'GET' || req.method === 'HEAD') {
      switch (url.pathname) {
        case '/health':
          return json(res, 200, { status: 'ok' })
        case '/ready': {
          const { gateway } = this.#deps
          if (gateway.ready && gateway.plan) return json(res, 200, { status: 'ready', revision: gateway.plan.revision })
          return json(res, 503, { status: 'starting' })
        }
        case '/metrics': {
          const body = await this.#deps.metrics.text()
          res.writeHead(200, { 'Content-Type': this.#deps.metrics.contentType })
          res.end(body)
          return
        }
      }
    }
    // Named like AWS's control-plane errors, so an AWS SDK or CLI calling an operation this port does not serve
    // raises NotFoundException with this message instead of an unnamed error.
    json(res, 404, { message: `Not Found: the admin port has no ${req.method ?? ''} ${url.pathname}` }, { 'x-amzn-ErrorType': 'NotFoundException' })
  }
}

export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body)
  res.writeHead(status, { ...headers, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) })
  res.end(text)
}
