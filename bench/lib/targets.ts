/**
 * The servers a benchmark compares, started the same way for every scenario: the real CrowdSec
 * LAPI (Debian's crowdsec, SQLite, its default), lapi-cluster standalone on Postgres, standalone
 * on its embedded database (`npm start` with no configuration), and lapi-cluster as a cluster (ingest, registration and two decisions replicas sharing Postgres
 * and a NATS of its own). All on loopback, each on a fresh database.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { buildServices, freePort, insertBouncer, RunningProcess, startNats, startService, startUpstreamLapi, UpstreamLapi } from '@lapi/testing';

export type TargetName = 'crowdsec' | 'standalone' | 'embedded' | 'cluster';

export interface Target {
  name: TargetName;
  version: string;
  /** Where agents log in and push alerts. */
  ingestUrl: string;
  /** Where bouncers ask for decisions: one URL, or one per replica. */
  decisionUrls: string[];
  /** A machine's JWT for POST /v1/alerts. */
  login(): Promise<string>;
  /** `count` more machines (agents), each registered as the server's own tools do, and their JWTs (the targets `startTarget` makes). */
  agents?(count: number): Promise<string[]>;
  /** `count` bouncers with distinct keys, registered as each server's own CLI does (straight into its database); names are numbered from `from`. */
  addBouncers(count: number, from?: number): Promise<string[]>;
  /** The server processes, for CPU and memory readings. */
  pids(): number[];
  /** The same, named (`decisions-1`, `crowdsec`, ...); see `namedProcesses`. */
  processes?(): { name: string; pid: number }[];
  /** The Postgres database the server uses (its backends' CPU counts as the server's); none for CrowdSec's SQLite and the embedded database, which run inside the server's process. */
  postgresDatabase?: string;

  stop(): Promise<void>;
}

const ROOT = resolve(__dirname, '../..');
const ADMIN_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REGISTRATION_TOKEN = 'bench-registration-token-'.padEnd(40, 'x');
export const MACHINE = { machine_id: 'bench-agent', password: 'bench-agent-password' };

export async function startTarget(name: TargetName): Promise<Target> {
  if (name === 'crowdsec') return startCrowdsec();
  return startOurs(name);
}

export function crowdsecVersion(): string {
  // crowdsec prints its version through its logger, on stderr.
  const run = spawnSync('/usr/bin/crowdsec', ['-version'], { encoding: 'utf8' });
  return /version: (\S+)/.exec(`${run.stdout}${run.stderr}`)?.[1] ?? 'unknown';
}

export function ourVersion(): string {
  const pkg = require(join(ROOT, 'package.json')) as { version: string };
  const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
  return `${pkg.version} (${commit})`;
}

async function startCrowdsec(): Promise<Target> {
  const port = await freePort();
  const lapi = await startUpstreamLapi({ port, readyTimeoutMs: 60_000 });
  const creds = lapi.cscli.credentials();
  return {
    name: 'crowdsec',
    version: crowdsecVersion(),
    ingestUrl: lapi.url,
    decisionUrls: [lapi.url],
    login: () => login(lapi.url, { machine_id: creds.login!, password: creds.password! }),
    agents: (count) => inBatches(count, 4, (i) => crowdsecAgent(lapi, i)),
    addBouncers: (count, from = 0) => inBatches(count, 4, (i) => lapi.addBouncer(`bench-bouncer-${from + i}`)),
    pids: () => [lapi.proc.pid!],
    processes: () => [{ name: 'crowdsec', pid: lapi.proc.pid! }],
    stop: async () => void (await lapi.stop()),
  };
}

async function startOurs(name: 'standalone' | 'embedded' | 'cluster'): Promise<Target> {
  buildServices();
  const db = name === 'embedded' ? embeddedDatabase() : await createDatabase();
  const env = serviceEnv(name, db);
  // BENCH_CPU_PROF=<dir>: our processes write a V8 CPU profile there when they stop.
  const profDir = process.env.BENCH_CPU_PROF;
  const start = (service: 'standalone' | 'ingest' | 'decisions' | 'registration') => startService(service, env, undefined, profDir ? ['--cpu-prof', `--cpu-prof-dir=${resolve(profDir)}`] : []);
  const procs: RunningProcess[] = [];
  const names: string[] = [];
  let natsPid: number | undefined;
  const stops: (() => Promise<unknown>)[] = [];
  try {
    if (name !== 'cluster') {
      procs.push(await start('standalone'));
      names.push('standalone');
    } else {
      const nats = await startNats();
      stops.push(() => nats.stop('SIGKILL'));
      natsPid = nats.proc.pid;
      env.NATS_URL = nats.url;
      procs.push(await start('ingest'));
      procs.push(...(await Promise.all([start('registration'), start('decisions'), start('decisions')])));
      names.push('ingest', 'registration', 'decisions-1', 'decisions-2');
    }
  } catch (e) {
    await Promise.all([...procs.map((p) => p.stop('SIGKILL')), ...stops.map((s) => s())]);
    await db.drop();
    throw e;
  }
  const ingestUrl = procs[0].url;
  const decisionUrls = name === 'cluster' ? procs.slice(2).map((p) => p.url) : [ingestUrl];
  const registrationUrl = name === 'cluster' ? procs[1].url : ingestUrl;
  await register(registrationUrl);
  return {
    name,
    version: ourVersion(),
    ingestUrl,
    decisionUrls,
    login: () => login(ingestUrl, MACHINE),
    agents: (count) => inBatches(count, 8, (i) => ourAgent(registrationUrl, ingestUrl, i)),
    addBouncers: (count, from = 0) => inBatches(count, 8, (i) => insertBouncer(db.url, `bench-bouncer-${from + i}`)),
    pids: () => procs.map((p) => p.proc.pid!),
    processes: () => [...procs.map((p, i) => ({ name: names[i], pid: p.proc.pid! })), ...(natsPid ? [{ name: 'nats', pid: natsPid }] : [])],
    postgresDatabase: db.name,
    stop: async () => {
      await Promise.all(procs.map((p) => p.stop('SIGTERM')));
      await Promise.all(stops.map((s) => s()));
      await db.drop();
    },
  };
}

/** The environment our services run with in the bench: its database, auto-registration of the bench's machine from loopback. */
export function serviceEnv(name: 'standalone' | 'embedded' | 'cluster', db: BenchDatabase): Record<string, string> {
  return {
    DATABASE_URL: name === 'embedded' ? '' : db.url,
    LAPI_DATA_DIR: name === 'embedded' ? db.dir! : '',
    LAPI_JWT_SECRET: randomBytes(24).toString('hex'),
    LAPI_AUTO_REGISTRATION_TOKEN: REGISTRATION_TOKEN,
    LAPI_AUTO_REGISTRATION_RANGES: '127.0.0.0/8',
    LAPI_LOG_LEVEL: 'warn',
  };
}

/** Registers the bench's machine (auto-validated); `MACHINE` then logs in. */
export async function register(url: string, machine = MACHINE): Promise<void> {
  const res = await fetch(`${url}/v1/watchers`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...machine, registration_token: REGISTRATION_TOKEN }) });
  if (res.status !== 202) throw new Error(`machine registration (auto-validated: 202) failed: ${res.status} ${await res.text()}`);
}

/** Agent `i` of a fleet on CrowdSec: added by cscli (as `cscli machines add`, validated), then logged in. */
async function crowdsecAgent(lapi: UpstreamLapi, i: number): Promise<string> {
  const machine = { machine_id: `bench-agent-${i}`, password: `bench-agent-${i}-password` };
  const file = join(lapi.dir, `agent-${i}.yaml`);
  const res = await lapi.cscli.run(['machines', 'add', machine.machine_id, '--password', machine.password, '-f', file, '--force']);
  if (res.code !== 0) throw new Error(`cscli machines add ${machine.machine_id}: ${res.stderr}`);
  return login(lapi.url, machine);
}

/** Agent `i` of a fleet on ours: registered with the auto-registration token (validated at once), then logged in. */
async function ourAgent(registrationUrl: string, ingestUrl: string, i: number): Promise<string> {
  const machine = { machine_id: `bench-agent-${i}`, password: `bench-agent-${i}-password` };
  await register(registrationUrl, machine);
  return login(ingestUrl, machine);
}

/** CrowdSec refuses a login whose user agent is not crowdsec/<version> ("bad user agent"); agents send this one. */
export const AGENT_HEADERS = { 'content-type': 'application/json', 'user-agent': 'crowdsec/v1.4.6-bench' };

export async function login(url: string, machine: { machine_id: string; password: string }): Promise<string> {
  const res = await fetch(`${url}/v1/watchers/login`, { method: 'POST', headers: AGENT_HEADERS, body: JSON.stringify({ ...machine, scenarios: [] }) });
  const body = (await res.json()) as { token?: string; message?: string };
  if (res.status !== 200 || !body.token) throw new Error(`login failed: ${res.status} ${body.message}`);
  return body.token;
}

export interface BenchDatabase {
  url: string;
  /** The Postgres database's name. */
  name?: string;
  /** The embedded database's data directory. */
  dir?: string;
  drop(): Promise<void>;
}

/** A fresh data directory; `url` reaches the running LAPI's socket there, as lapictl does. */
export function embeddedDatabase(): BenchDatabase {
  const dir = mkdtempSync(join(tmpdir(), 'lapi-bench-'));
  return { dir, url: `postgres://postgres@localhost/postgres?host=${encodeURIComponent(dir)}`, drop: async () => rmSync(dir, { recursive: true, force: true }) };
}

/** A fresh database on the bench's Postgres, dropped with its `drop`. */
export async function createDatabase(): Promise<BenchDatabase> {
  const name = `lapi_bench_${randomBytes(4).toString('hex')}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  const u = new URL(ADMIN_URL);
  u.pathname = `/${name}`;
  return { url: u.toString(), name, drop: () => adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

async function adminQuery(text: string): Promise<void> {
  const c = new Client({ connectionString: ADMIN_URL });
  await c.connect();
  try {
    await c.query(text);
  } finally {
    await c.end();
  }
}

export async function inBatches<T>(count: number, parallel: number, make: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      out[i] = await make(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, count) }, worker));
  return out;
}

/** A target's processes by name, or numbered when it does not name them. */
export function namedProcesses(t: Target): { name: string; pid: number }[] {
  return t.processes?.() ?? t.pids().map((pid, i) => ({ name: `process-${i + 1}`, pid }));
}
