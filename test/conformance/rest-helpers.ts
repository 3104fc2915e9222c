// Helpers for the REST conformance tests (AWS recordings re-expressed as OpenAPI documents): one gateway
// per document, the URL forms the recordings used, echo upstreams, and a raw node:http client for the
// headers undici refuses to send (Expect, Transfer-Encoding, Upgrade...).

import { request as httpRequest } from 'node:http'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { startGateway, startUpstream, tempDir, writeFile, type TestGateway, type TestResponse, type Upstream } from '../helpers.js'

/** A REST API served alone by a gateway, on stage `stage`. */
export interface RestApiUnderTest {
  gw: TestGateway
  apiId: string
  stage: string
  /** GET/POST... on `/{stage}{path}` (the plain path form). */
  call(path: string, init?: Parameters<TestGateway['fetch']>[1]): Promise<TestResponse>
  /** The same request on the host-based URL `{apiId}.execute-api.localhost` (LocalStack's UrlType.HOST_BASED). */
  callHostBased(path: string, init?: Parameters<TestGateway['fetch']>[1]): Promise<TestResponse>
  /** The same request on LocalStack's path-based URL `/restapis/{id}/{stage}/_user_request_{path}` (UrlType.PATH_BASED). */
  callPathBased(path: string, init?: Parameters<TestGateway['fetch']>[1]): Promise<TestResponse>
  stop(): Promise<void>
}

/** Writes `doc` as an OpenAPI file and starts a gateway serving it on `stage`. */
export async function startRestApi(doc: unknown, opts: { stage?: string; stageVariables?: Record<string, string> } = {}): Promise<RestApiUnderTest> {
  const tmp = tempDir('gatehouse-conformance-')
  const file = writeFile(tmp.dir, 'api.json', doc)
  const stage = opts.stage ?? 'dev'
  let gw: TestGateway
  try {
    gw = await startGateway({ restApis: [file], stage, stageVariables: opts.stageVariables ?? {} })
  } catch (err) {
    tmp.cleanup()
    throw err
  }
  const apiId = [...gw.gateway.plan!.apis.keys()][0]!
  return {
    gw,
    apiId,
    stage,
    call: (path, init) => gw.fetch(`/${stage}${path}`, init),
    callHostBased: (path, init) => gw.fetch(`/${stage}${path}`, { ...init, host: `${apiId}.execute-api.localhost:${gw.port}` }),
    callPathBased: (path, init) => gw.fetch(`/restapis/${apiId}/${stage}/_user_request_${path}`, init),
    stop: async () => {
      await gw.stop()
      tmp.cleanup()
    },
  }
}

/** What an echo upstream saw, in the shape the recordings' echo servers reported. */
export interface Echo {
  method: string
  path: string
  /** Query values grouped by key in arrival order and joined with `,` (as a Lambda URL event does). */
  args: Record<string, string>
  /** Header names lower-cased; repeated headers joined with `, `. */
  headers: Record<string, string>
  /** The raw header names and values as received. */
  rawHeaders: string[]
  body: string
}

function echoOf(method: string, rawUrl: string, rawHeaders: string[], body: string): Echo {
  const url = new URL(rawUrl, 'http://upstream')
  const args: Record<string, string> = {}
  for (const [k, v] of url.searchParams) args[k] = args[k] === undefined ? v : `${args[k]},${v}`
  const headers: Record<string, string> = {}
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const k = rawHeaders[i]!.toLowerCase()
    const v = rawHeaders[i + 1]!
    headers[k] = headers[k] === undefined ? v : `${headers[k]}, ${v}`
  }
  return { method, path: url.pathname, args, headers, rawHeaders, body }
}

/** An upstream that answers every request with a JSON description of it (an Echo) plus `extraHeaders`. */
export function startEchoUpstream(extraHeaders: Record<string, string> = {}): Promise<Upstream> {
  return startUpstream((req: IncomingMessage, res: ServerResponse, body: string) => {
    const text = JSON.stringify(echoOf(req.method!, req.url!, req.rawHeaders, body))
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(text)), ...extraHeaders })
    res.end(text)
  })
}

/** The upstream's view of its last request. */
export function lastSeen(up: Upstream): Echo {
  const r = up.requests.at(-1)
  if (!r) throw new Error('the upstream received no request')
  return echoOf(r.method, r.url, r.rawHeaders, r.body)
}

/** A request through node:http, which (unlike undici) sends any header the recordings' clients sent. */
export function rawRequest(
  port: number,
  path: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<TestResponse & { rawHeaders: string[] }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method: init.method ?? 'GET', headers: init.headers, agent: false }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8')
        resolve({ status: res.statusCode!, headers: res.headers, rawHeaders: res.rawHeaders, text, json: () => JSON.parse(text) })
      })
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end(init.body)
  })
}

/** Header names of a request or response, lower-cased and sorted, without the ones listed. */
export function headerNames(headers: Record<string, unknown>, without: string[] = []): string[] {
  const skip = new Set(without.map((h) => h.toLowerCase()))
  return Object.keys(headers)
    .map((h) => h.toLowerCase())
    .filter((h) => !skip.has(h))
    .sort()
}

/**
 * What the recorded client sent on every request of TestApiGatewayHeaderRemapping (python-requests, GET, no
 * body; Host is the invoke URL's): the headers whose passing, dropping and remapping the recordings show.
 */
export const HEADER_REMAPPING_CLIENT_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  Accept: 'application/json',
  'Accept-Charset': 'UTF-8',
  'Accept-Encoding': 'br',
  Age: 'request_Age',
  Authorization: 'Unauthorized',
  Connection: 'close',
  'Content-Encoding': 'deflate',
  'Content-MD5': 'request_Content-MD5',
  'Content-Type': 'application/json',
  Date: 'request_Date',
  Expect: '100-continue',
  'Max-Forwards': '2',
  Pragma: 'cache',
  'Proxy-Authenticate': 'Basic',
  Range: 'bytes=500-999',
  Referer: 'https://example.com/',
  Server: 'https://example.com/',
  TE: 'deflate',
  Trailer: 'Expires',
  'Transfer-Encoding': 'chunked',
  Upgrade: 'HTTP/2.0',
  'User-Agent': 'localStack/0.0',
  Via: 'p.example.net',
  Warn: '299 localStack/0.0',
  'WWW-Authenticate': 'Basic YWxhZGRpbjpvcGVuc2VzYW1l',
})
