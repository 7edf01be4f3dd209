import { Edge, EdgeTls, startEdge } from './edge';
import { buildServices, RunningProcess, startNats, startService } from './processes';
import { createTestDatabase, TestDatabase } from './test-database';

export type TestNats = Awaited<ReturnType<typeof startNats>>;

export interface TestClusterOptions {
  /** How many decisions replicas; 2 unless said. */
  decisions?: number;
  /** Whether a registration service runs beside ingest; it does unless said. */
  registration?: boolean;
  /** Sets LAPI_AUTO_REGISTRATION_TOKEN (and the loopback ranges), for registerMachine. */
  registrationToken?: string;
  /** Settings on top of the cluster's own (DATABASE_URL, NATS_URL, LAPI_JWT_SECRET, …). */
  env?: Record<string, string>;
  /** Debian's nginx in front, with the project's routing (needs the registration service); an EdgeTls to terminate TLS there. */
  edge?: boolean | EdgeTls;
  /** A database of the suite's own (one it stops or restarts); not dropped at the end. */
  databaseUrl?: string;
}

/** Ingest, registration and decisions replicas on one Postgres database and one NATS, as the suites run them. */
export interface TestCluster {
  db: { url: string };
  nats: TestNats;
  /** What each service was started with: start one again with startService(role, cluster.env, port). */
  env: Record<string, string>;
  ingest: RunningProcess;
  registration: RunningProcess | undefined;
  /** The replicas; a suite restarting one puts the new process in its place, so stop() ends it. */
  decisions: RunningProcess[];
  edge: Edge | undefined;
  /** Registers a machine with the registration token, through the edge if there is one. */
  registerMachine(name: string, password: string): Promise<void>;
  /** A machine's token, logged in through the edge if there is one, else on ingest. */
  login(name: string, password: string): Promise<string>;
  /** Ends everything started, whatever of it was started: edge, services, NATS, then the database. */
  stop(): Promise<void>;
}

const JSON_HEADERS = { 'content-type': 'application/json' };

/**
 * Starts what the cluster suites share: a fresh database (or `databaseUrl`), NATS, the services in
 * parallel and an edge. If any of it fails, what did start is stopped before the error is thrown,
 * so the suite's afterAll has nothing to end.
 */
export async function startTestCluster(options: TestClusterOptions = {}): Promise<TestCluster> {
  buildServices();
  const started: Partial<Running> = {};
  try {
    return await startParts(options, started);
  } catch (e) {
    await stopParts(started);
    throw e;
  }
}

interface Running {
  database: TestDatabase;
  nats: TestNats;
  services: RunningProcess[];
  decisions: RunningProcess[];
  edge: Edge;
}

/** Starts each part in turn, noting it in `started` as soon as it runs. */
async function startParts(o: TestClusterOptions, started: Partial<Running>): Promise<TestCluster> {
  const db = o.databaseUrl ? { url: o.databaseUrl } : (started.database = await createTestDatabase());
  const nats = (started.nats = await startNats());
  const env = clusterEnv(db.url, nats.url, o);
  const [ingest, registration, decisions] = await startServices(env, o, started);
  const edge = o.edge ? (started.edge = await startClusterEdge(ingest, registration!, decisions, o.edge)) : undefined;
  // Clients reach the cluster through the edge when it has one, as a deployment's do.
  const front = (service: RunningProcess) => edge?.url ?? service.url;
  return {
    db,
    nats,
    env,
    ingest,
    registration,
    decisions,
    edge,
    registerMachine: (name, password) => registerMachine(front(registration!), name, password, env.LAPI_AUTO_REGISTRATION_TOKEN),
    login: (name, password) => login(front(ingest), name, password),
    stop: () => stopParts(started),
  };
}

function clusterEnv(databaseUrl: string, natsUrl: string, o: TestClusterOptions): Record<string, string> {
  const env: Record<string, string> = { DATABASE_URL: databaseUrl, NATS_URL: natsUrl, LAPI_JWT_SECRET: 's'.repeat(40) };
  // The services behind the edge take the client's address (and certificate) from the edge only.
  if (o.edge) env.LAPI_TRUSTED_PROXIES = '127.0.0.1/32';
  if (o.registrationToken) Object.assign(env, { LAPI_AUTO_REGISTRATION_TOKEN: o.registrationToken, LAPI_AUTO_REGISTRATION_RANGES: '127.0.0.0/8' });
  return { ...env, ...o.env };
}

/** All at once (each waits for its own readiness); the ones that started are noted even when another fails. */
async function startServices(env: Record<string, string>, o: TestClusterOptions, started: Partial<Running>): Promise<[RunningProcess, RunningProcess | undefined, RunningProcess[]]> {
  const replicas = o.decisions ?? 2;
  const roles = ['ingest', ...(o.registration === false ? [] : ['registration']), ...Array(replicas).fill('decisions')] as ('ingest' | 'registration' | 'decisions')[];
  const results = await Promise.allSettled(roles.map((role) => startService(role, env)));
  started.services = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  const [ingest, ...rest] = started.services;
  const decisions = (started.decisions = rest.slice(rest.length - replicas));
  return [ingest, o.registration === false ? undefined : rest[0], decisions];
}

function startClusterEdge(ingest: RunningProcess, registration: RunningProcess, decisions: RunningProcess[], edge: true | EdgeTls): Promise<Edge> {
  const upstreams = { ingest: [ingest.port], registration: [registration.port], decisions: decisions.map((d) => d.port) };
  return startEdge(upstreams, edge === true ? undefined : edge);
}

async function stopParts(p: Partial<Running>): Promise<void> {
  await p.edge?.stop();
  // The replicas array as it is now: a suite may have put a restarted replica in it.
  const services = new Set([...(p.services ?? []), ...(p.decisions ?? [])]);
  await Promise.all([...services].map((s) => s.stop('SIGKILL')));
  await p.nats?.stop('SIGKILL');
  await p.database?.drop();
}

async function registerMachine(url: string, machine_id: string, password: string, registration_token: string | undefined): Promise<void> {
  const res = await fetch(`${url}/v1/watchers`, { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify({ machine_id, password, registration_token }) });
  if (res.status !== 202) throw new Error(`registering ${machine_id} answered ${res.status}: ${await res.text()}`);
}

async function login(url: string, machine_id: string, password: string): Promise<string> {
  const res = await fetch(`${url}/v1/watchers/login`, { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify({ machine_id, password }) });
  if (res.status !== 200) throw new Error(`logging ${machine_id} in answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { token: string }).token;
}
