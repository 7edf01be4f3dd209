import { ChildProcess, execFile, execFileSync } from 'node:child_process';
import { get as httpsGet } from 'node:https';
import { appendFileSync, chmodSync, mkdirSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { EdgeUpstreams, renderEdgeConfig } from '../edge';
import { pollUntil } from '../poll-until';
import { buildServices } from '../processes';
import { startTcpProxy, TcpProxy } from '../tcp-proxy';
import { Host, Netns } from './netns';

const ROOT = resolve(__dirname, '../../../..');
/** Every service listens on this port of its own host (each host has its own port space). */
export const SERVICE_PORT = 8080;
const PG_PORT = 5432;
const NATS_PORT = 4222;
export const BED_JWT_SECRET = 'bed-jwt-secret-'.padEnd(40, 'x');
export const BED_REGISTRATION_TOKEN = 'bed-registration-token-'.padEnd(40, 'y');
/** Short, so that a partition from Postgres shows within seconds (requests get 503 past it). */
export const BED_DB_TIMEOUT = '3s';

export type ServiceKind = 'ingest' | 'registration' | 'decisions' | 'capi' | 'ca';

export interface ClusterBedOptions {
  /** How many decisions replicas (dec1, dec2, …); 2 by default. */
  decisions?: number;
  /** Client hosts to create before the services (so their addresses can be in `env`). */
  clients?: string[];
  /** Settings for every service on top of the bed's, e.g. LAPI_TRUSTED_IPS naming a client host. */
  env?: (bed: ClusterBed) => Record<string, string>;
}

/** A process the bed started in one of its hosts. */
export interface BedProcess {
  name: string;
  host: Host;
  proc: ChildProcess;
  output(): string;
  /** SIGTERM (graceful) or SIGKILL; resolves when it has exited. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export interface BedService extends BedProcess {
  kind: ServiceKind;
  /** http://<host ip>:8080 */
  url: string;
  env: Record<string, string>;
}

function track(name: string, host: Host, proc: ChildProcess): BedProcess {
  const out: string[] = [];
  let size = 0;
  const keep = (c: Buffer) => {
    out.push(String(c));
    size += c.length;
    while (size > 1_000_000 && out.length > 1) size -= out.shift()!.length;
  };
  proc.stdout?.on('data', keep);
  proc.stderr?.on('data', keep);
  const exited = () => proc.exitCode !== null || proc.signalCode !== null;
  return {
    name,
    host,
    proc,
    output: () => out.join(''),
    stop: (signal = 'SIGTERM') =>
      new Promise((done) => {
        if (exited()) return done();
        const killer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
        proc.once('exit', () => {
          clearTimeout(killer);
          done();
        });
        proc.kill(signal);
      }),
  };
}

/** A status code; over HTTPS the server's certificate is not checked (tests check it themselves). */
function statusOf(url: string): Promise<number> {
  if (url.startsWith('http:')) return fetch(url).then((r) => r.status);
  return new Promise((done, fail) => {
    httpsGet(url, { rejectUnauthorized: false, agent: false }, (res) => {
      res.resume();
      done(res.statusCode ?? 0);
    }).on('error', fail);
  });
}

async function waitFor(p: BedProcess, ready: () => Promise<boolean> | boolean, what: string, timeoutMs = 120_000): Promise<void> {
  try {
    await pollUntil(async () => {
      if (p.proc.exitCode !== null || p.proc.signalCode !== null) throw new Error(`${p.name} exited (${p.proc.exitCode ?? p.proc.signalCode})`);
      return ready();
    }, what, { timeoutMs, intervalMs: 100 });
  } catch (e) {
    await p.stop('SIGKILL');
    throw new Error(`${(e as Error).message}\n${p.output().slice(-3000)}`);
  }
}

/**
 * The cluster across hosts: Postgres, NATS, the edge (nginx with the shipped routing) and each
 * service in its own network namespace with its own address. The test process (the bed's .1)
 * drives it and runs the clients in further hosts. destroy() (also run on process exit) kills
 * everything and removes the namespaces; a crashed run's leftovers are removed by the next.
 */
export class ClusterBed {
  readonly services = new Map<string, BedService>();
  private readonly others: BedProcess[] = [];
  pgUrl = '';
  /** NATS as the services reach it: through natsProxy, in the test process. */
  natsUrl = '';
  /**
   * Every service's NATS connection goes through it, so a test can slow them all (setDelay): the
   * kernel here has no netem. It listens on the test process's address on the bed.
   */
  natsProxy!: TcpProxy;
  edgeUrl = '';

  private constructor(
    readonly net: Netns,
    private readonly opts: ClusterBedOptions,
  ) {}

  /** Postgres, NATS, ingest, registration, `decisions` replicas and the edge, each on its own host. */
  static async start(opts: ClusterBedOptions = {}): Promise<ClusterBed> {
    buildServices();
    const bed = new ClusterBed(Netns.create(), opts);
    try {
      // nginx's workers (nobody) read their temp directories below it.
      chmodSync(bed.net.dir, 0o755);
      for (const h of ['pg', 'nats', 'edge', 'ingest', 'reg', ...(opts.clients ?? [])]) bed.net.addHost(h);
      await Promise.all([bed.startPostgres(), bed.startNats()]);
      await bed.createDatabase();
      // One first, so the rest do not all migrate the empty database at once.
      await bed.startService('ingest', 'ingest');
      const replicas = Array.from({ length: opts.decisions ?? 2 }, (_, i) => `dec${i + 1}`);
      await Promise.all([bed.startService('registration', 'reg'), ...replicas.map((h) => bed.startService('decisions', h))]);
      await bed.startEdge();
    } catch (e) {
      await bed.destroy();
      throw e;
    }
    return bed;
  }

  host(name: string): Host {
    return this.net.hosts.get(name) ?? this.net.addHost(name);
  }

  service(name: string): BedService {
    const s = this.services.get(name);
    if (!s) throw new Error(`no service ${name}`);
    return s;
  }

  /** The settings every service of the bed shares. */
  baseEnv(): Record<string, string> {
    return {
      DATABASE_URL: this.pgUrl,
      NATS_URL: this.natsUrl,
      LAPI_JWT_SECRET: BED_JWT_SECRET,
      LAPI_AUTO_REGISTRATION_TOKEN: BED_REGISTRATION_TOKEN,
      LAPI_AUTO_REGISTRATION_RANGES: `${this.net.subnet}.0/24`,
      LAPI_TRUSTED_PROXIES: `${this.host('edge').ip}/32`,
      LAPI_DB_TIMEOUT: BED_DB_TIMEOUT,
      LAPI_CAPI: 'false',
      LAPI_METRICS_PORT: '0',
      LAPI_LOG_FORMAT: 'json',
      LAPI_LOG_LEVEL: 'warn',
      ...this.opts.env?.(this),
    };
  }

  /** Starts a service on host `hostName` (created if new) and waits until it reports ready. */
  async startService(kind: ServiceKind, hostName: string, env: Record<string, string> = {}): Promise<BedService> {
    const host = this.host(hostName);
    const all: Record<string, string> = { ...this.baseEnv(), LAPI_LISTEN_ADDR: host.ip, LAPI_PORT: String(SERVICE_PORT), ...env };
    const proc = this.net.spawn(host, process.execPath, ['--max-semi-space-size=32', join(ROOT, 'scripts/service.js'), kind], { cwd: ROOT, env: { ...process.env, ...all } });
    const url = `${all.LAPI_TLS_CERT_FILE ? 'https' : 'http'}://${host.ip}:${SERVICE_PORT}`;
    const svc: BedService = { ...track(hostName, host, proc), kind, url, env: all };
    this.services.set(hostName, svc);
    if (kind === 'ca') await waitFor(svc, () => svc.output().includes('answering signing requests'), 'the CA to answer');
    else await waitFor(svc, async () => (await statusOf(`${url}/health/ready`).catch(() => 0)) === 200, `${kind} on ${host.ip} to be ready`);
    return svc;
  }

  /** Stops a service (SIGKILL: as a crash) and starts it again with the same settings. */
  async restartService(name: string): Promise<BedService> {
    const old = this.service(name);
    await old.stop('SIGKILL');
    return this.startService(old.kind, name, old.env);
  }

  /** Cuts a service's host off from NATS (its proxy), both ways: packets dropped, or refused with a reset. */
  cutFromNats(name: string, mode: 'drop' | 'reject' = 'drop'): void {
    this.net.cut(this.host(name), this.net.rootIp, this.natsProxy.port, mode);
  }

  /** Cuts a service's host off from Postgres, both ways: packets dropped, or refused with a reset. */
  cutFromPostgres(name: string, mode: 'drop' | 'reject' = 'drop'): void {
    this.net.cut(this.host(name), this.host('pg'), PG_PORT, mode);
  }

  /** Drops `percent` % of the packets between a service's host and NATS, at random. */
  natsLoss(name: string, percent: number): void {
    this.net.loss(this.host(name), this.net.rootIp, this.natsProxy.port, percent);
  }

  /** Removes every cut and loss rule of a host. */
  heal(name: string): void {
    this.net.heal(this.host(name));
  }

  /**
   * Runs `node scripts/lapictl.js args` on host `hostName` with the bed's database and NATS; resolves
   * with its stdout. Never synchronously: its NATS connection goes through this process's proxy.
   */
  lapictl(hostName: string, args: string[], env: Record<string, string> = {}): Promise<string> {
    return new Promise((done, fail) => {
      execFile(
        'ip',
        ['netns', 'exec', this.host(hostName).ns, process.execPath, join(ROOT, 'scripts/lapictl.js'), ...args],
        { cwd: ROOT, env: { ...process.env, DATABASE_URL: this.pgUrl, NATS_URL: this.natsUrl, ...env }, timeout: 60_000 },
        (err, stdout, stderr) => (err ? fail(new Error(`lapictl ${args.join(' ')}: ${err.message}\n${stderr}`)) : done(stdout.trim())),
      );
    });
  }

  /** A query on the bed's database, from the test process. */
  async sql<T>(text: string, params: unknown[] = []): Promise<T[]> {
    const c = new Client({ connectionString: this.pgUrl });
    await c.connect();
    try {
      return (await c.query(text, params)).rows as T[];
    } finally {
      await c.end();
    }
  }

  private async startPostgres(): Promise<void> {
    const host = this.host('pg');
    const bin = join('/usr/lib/postgresql', readdirSync('/usr/lib/postgresql').sort().pop()!, 'bin');
    const dir = join(this.net.dir, 'pg');
    const data = join(dir, 'data');
    mkdirSync(dir);
    execFileSync('chown', ['postgres', dir]);
    execFileSync('runuser', ['-u', 'postgres', '--', join(bin, 'initdb'), '-D', data, '-U', 'postgres', '--auth=trust', '--no-sync'], { stdio: 'pipe' });
    appendFileSync(join(data, 'pg_hba.conf'), `host all all ${this.net.subnet}.0/24 trust\n`);
    // setpriv execs (runuser would fork): the process the bed tracks is the postmaster itself.
    const proc = this.net.spawn(host, 'setpriv', [
      '--reuid=postgres', '--regid=postgres', '--init-groups', '--',
      join(bin, 'postgres'), '-D', data, '-p', String(PG_PORT), '-k', dir,
      '-c', `listen_addresses=${host.ip}`, '-c', 'fsync=off', '-c', 'max_connections=300',
    ]);
    const pg = track('postgres', host, proc);
    this.others.push(pg);
    this.pgUrl = `postgres://postgres@${host.ip}:${PG_PORT}/postgres`;
    await waitFor(pg, () => pg.output().includes('ready to accept connections'), 'postgres to accept connections', 30_000);
  }

  private async createDatabase(): Promise<void> {
    await this.sql('CREATE DATABASE lapi');
    this.pgUrl = this.pgUrl.replace(/\/postgres$/, '/lapi');
  }

  private async startNats(): Promise<void> {
    const host = this.host('nats');
    const proc = this.net.spawn(host, '/usr/sbin/nats-server', ['-a', host.ip, '-p', String(NATS_PORT), '-js', '-sd', join(this.net.dir, 'nats')]);
    const nats = track('nats', host, proc);
    this.others.push(nats);
    await waitFor(nats, () => nats.output().includes('Server is ready'), 'nats-server to start', 10_000);
    this.natsProxy = await startTcpProxy(host.ip, NATS_PORT, this.net.rootIp);
    this.natsUrl = `nats://${this.net.rootIp}:${this.natsProxy.port}`;
  }

  /** nginx with the shipped routing (deploy/nginx/lapi.conf), its upstreams the services' addresses. */
  private async startEdge(): Promise<void> {
    const host = this.host('edge');
    const dir = join(this.net.dir, 'edge');
    mkdirSync(dir);
    chmodSync(dir, 0o755);
    const at = (kind: ServiceKind) => [...this.services.values()].filter((s) => s.kind === kind).map((s) => `${s.host.ip}:${SERVICE_PORT}`);
    const up: EdgeUpstreams = { ingest: at('ingest'), decisions: at('decisions'), registration: at('registration') };
    const conf = renderEdgeConfig(SERVICE_PORT, up, dir, undefined, host.ip);
    const edge = track('nginx', host, this.net.spawn(host, '/usr/sbin/nginx', ['-c', conf, '-p', dir]));
    this.others.push(edge);
    this.edgeUrl = `http://${host.ip}:${SERVICE_PORT}`;
    await waitFor(edge, async () => (await fetch(`${this.edgeUrl}/nothing`).catch(() => undefined))?.status === 404, 'the edge to listen', 10_000);
  }

  /** Stops everything and removes the hosts. */
  async destroy(): Promise<void> {
    await Promise.all([...this.services.values()].map((s) => s.stop('SIGKILL')));
    await Promise.all(this.others.map((p) => p.stop('SIGKILL')));
    await this.natsProxy?.close();
    this.net.destroy();
  }
}
