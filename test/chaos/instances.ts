// Private Redis and PostgreSQL servers for the chaos test: started by the test on free loopback ports, in
// folders of its own, so that stopping and restarting them cannot disturb the machine's shared services (or
// the other tests running beside this one). Redis keeps an append-only file synced on every write, as an
// operator who counts quotas in Redis would; PostgreSQL is a fresh cluster made by initdb.

import { spawn, spawnSync } from 'node:child_process'
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir, userInfo } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { answers } from '../services.js'
import { closedPort, within } from '../multinode/helpers.js'

const START_MS = 60_000

export class OwnRedis {
  readonly dir = mkdtempSync(join(tmpdir(), 'gatehouse-chaos-redis-'))
  port = 0

  /** The reason this machine cannot run one, or null. */
  static missing(): string | null {
    return spawnSync('redis-server', ['--version']).status === 0 ? null : 'redis-server is not installed'
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`
  }

  async start(): Promise<void> {
    if (this.port === 0) this.port = await closedPort()
    const child = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--appendonly', 'yes', '--appendfsync', 'always', '--save', '', '--daemonize', 'no', '--logfile', join(this.dir, 'redis.log')],
      { stdio: 'ignore', detached: false },
    )
    child.unref()
    await within(START_MS, `redis-server on ${this.port}`, () => answers('127.0.0.1', this.port, 200))
    // Loading the append-only file takes a moment after the port opens.
    const client = new Redis(this.url, { lazyConnect: true, maxRetriesPerRequest: 1 })
    client.on('error', () => undefined)
    try {
      await client.connect()
      await within(START_MS, 'redis-server to finish loading', async () => (await client.ping().catch(() => '')) === 'PONG')
    } finally {
      client.disconnect()
    }
  }

  /** SHUTDOWN: Redis syncs its append-only file and exits; resolves once the port is closed. */
  async stop(): Promise<void> {
    const client = new Redis(this.url, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null })
    client.on('error', () => undefined)
    await client.connect()
    await client.call('SHUTDOWN').catch(() => undefined)
    client.disconnect()
    await within(START_MS, 'redis-server to stop', async () => !(await answers('127.0.0.1', this.port, 200)))
  }

  async destroy(): Promise<void> {
    if (this.port !== 0 && (await answers('127.0.0.1', this.port, 200))) await this.stop().catch(() => undefined)
    rmSync(this.dir, { recursive: true, force: true })
  }
}

export class OwnPostgres {
  readonly #bin: string
  readonly dir: string
  readonly #asPostgres: boolean
  port = 0

  private constructor(bin: string) {
    this.#bin = bin
    this.#asPostgres = userInfo().uid === 0
    this.dir = mkdtempSync(join(tmpdir(), 'gatehouse-chaos-pg-'))
    if (this.#asPostgres) {
      const ids = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' })
      const gids = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' })
      chownSync(this.dir, Number(ids.stdout.trim()), Number(gids.stdout.trim()))
      chmodSync(this.dir, 0o700)
    }
  }

  /** Finds initdb/pg_ctl (Debian keeps them under /usr/lib/postgresql/N/bin); null when absent. */
  static binDir(): string | null {
    const root = '/usr/lib/postgresql'
    if (existsSync(root)) {
      for (const v of readdirSync(root).sort().reverse()) {
        const bin = join(root, v, 'bin')
        if (existsSync(join(bin, 'initdb')) && existsSync(join(bin, 'pg_ctl'))) return bin
      }
    }
    const which = spawnSync('sh', ['-c', 'dirname "$(command -v initdb)"'], { encoding: 'utf8' })
    const bin = which.stdout.trim()
    return which.status === 0 && bin && existsSync(join(bin, 'pg_ctl')) ? bin : null
  }

  /** The reason this machine cannot run one, or null. */
  static missing(): string | null {
    if (!OwnPostgres.binDir()) return 'PostgreSQL server binaries (initdb, pg_ctl) are not installed'
    if (userInfo().uid === 0 && spawnSync('id', ['-u', 'postgres']).status !== 0) return 'running as root without a postgres user to run initdb as'
    return null
  }

  static async create(): Promise<OwnPostgres> {
    const pg = new OwnPostgres(OwnPostgres.binDir()!)
    pg.port = await closedPort()
    pg.#run('initdb', ['-D', join(pg.dir, 'data'), '-A', 'trust', '-U', 'postgres', '--no-sync'])
    return pg
  }

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`
  }

  #run(tool: string, args: string[]): void {
    const cmd = join(this.#bin, tool)
    const r = this.#asPostgres
      ? spawnSync('runuser', ['-u', 'postgres', '--', cmd, ...args], { encoding: 'utf8', cwd: this.dir })
      : spawnSync(cmd, args, { encoding: 'utf8', cwd: this.dir })
    if (r.status !== 0) throw new Error(`${tool} ${args.join(' ')} failed (${r.status}):\n${r.stdout}\n${r.stderr}`)
  }

  #ctl(action: string): void {
    const options = `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off`
    this.#run('pg_ctl', ['-D', join(this.dir, 'data'), '-o', options, '-l', join(this.dir, 'server.log'), '-m', 'fast', '-w', '-t', '60', action])
  }

  start(): void {
    this.#ctl('start')
  }

  /** A fast restart: every client connection is closed, and the server is back once pg_ctl returns. */
  restart(): void {
    this.#ctl('restart')
  }

  destroy(): void {
    try {
      this.#run('pg_ctl', ['-D', join(this.dir, 'data'), '-m', 'immediate', '-w', 'stop'])
    } catch {
      // Not running.
    }
    rmSync(this.dir, { recursive: true, force: true })
  }
}
