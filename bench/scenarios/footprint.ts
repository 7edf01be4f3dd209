/**
 * Scenario 9: footprint (issue #18). For each server, one after another: a first start on a new
 * database and a restart on the same one (time from spawn to ready, polled every 20 ms; peak and
 * idle resident memory), its resident memory with 10,000 and 100,000 active decisions, and its peak
 * under the ingestion scenario's load. Memory is read per process from /proc: the cluster's
 * services one by one.
 * Run: npm run bench:footprint [crowdsec|standalone|embedded|cluster ...]
 */
import { loadavg } from 'node:os';
import { buildServices, freePort, insertBouncer, RunningProcess, startNats, startService, startUpstreamLapi, UpstreamLapi } from '@lapi/testing';
import { DecisionsReading, FootprintResult, ProcessFootprint, StartReading } from '../lib/footprint';
import { loadDecisions } from '../lib/load';
import { peakRssMiB, resetPeakRss, rssMiB } from '../lib/proc-stats';
import { environment, main, saveResult, targetsFromArgs } from '../lib/results';
import { BenchDatabase, createDatabase, embeddedDatabase, inBatches, login, MACHINE, register, serviceEnv, Target, TargetName } from '../lib/targets';
import { round } from '../lib/wrk';
import { INGESTION_SETTINGS, measureIngestion } from './ingestion';

const SETTINGS = { poll_ms: 20, early_idle_s: 10, idle_after_s: 30, sizes: [10_000, 100_000], per_alert: 5_000, ingestion: INGESTION_SETTINGS };

/** Bouncer names already taken: the scenario and the ingestion run it reuses each add one. */
let bouncers = 0;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One process of a server, started (again) by `start`, ready when `readyUrl` answers as `isReady` says. */
interface Member {
  service: string;
  start(): Promise<{ pid: number; url: string }>;
  readyUrl(): string;
  isReady(status: number): boolean;
  stop(): Promise<void>;
}

/** A server as this scenario drives it: its processes, and a Target (the other scenarios' view) of it once running. */
interface Server {
  readyOn: FootprintResult['ready_on'];
  /** Started in this order; members of one group start together. */
  groups: Member[][];
  target(running: Map<string, { pid: number; url: string }>): Target;
  drop(): Promise<void>;
}

/** Starts a member and times it from the spawn to its first ready answer, polled every SETTINGS.poll_ms. */
async function timedStart(m: Member): Promise<{ pid: number; url: string; ready_s: number; peak_mib: number }> {
  const t0 = performance.now();
  let readyAt: number | undefined;
  let starting = true;
  const poll = (async () => {
    while (readyAt === undefined && (starting || performance.now() - t0 < 120_000)) {
      const status = await fetch(m.readyUrl()).then(
        async (r) => (await r.arrayBuffer(), r.status),
        () => 0,
      );
      if (m.isReady(status)) readyAt = performance.now();
      else await sleep(SETTINGS.poll_ms);
    }
  })();
  const started = await m.start().finally(() => (starting = false));
  await poll;
  if (readyAt === undefined) throw new Error(`${m.service} never answered ${m.readyUrl()}`);
  // VmHWM counts from the spawn: read now, it is the peak of the whole start.
  return { ...started, ready_s: round((readyAt - t0) / 1000, 3), peak_mib: peakRssMiB([started.pid])[0] };
}

/** Starts every member, group by group; after SETTINGS.idle_after_s, reads each one's resident set. */
async function startAll(server: Server): Promise<{ running: Map<string, { pid: number; url: string }>; readings: Map<string, StartReading> }> {
  const running = new Map<string, { pid: number; url: string }>();
  const timed = new Map<string, { ready_s: number; peak_mib: number }>();
  for (const group of server.groups) {
    for (const [i, r] of (await Promise.all(group.map(timedStart))).entries()) {
      running.set(group[i].service, r);
      timed.set(group[i].service, r);
    }
  }
  // Read early, and again once V8's memory reducer (which runs after about 20 s of low allocation) has had its turn.
  await sleep(SETTINGS.early_idle_s * 1000);
  const early = new Map([...running].map(([service, { pid }]) => [service, rssMiB([pid])[0]]));
  await sleep((SETTINGS.idle_after_s - SETTINGS.early_idle_s) * 1000);
  const readings = new Map<string, StartReading>();
  for (const [service, { pid }] of running) {
    const { ready_s, peak_mib } = timed.get(service)!;
    readings.set(service, { ready_s, peak_mib, idle_early_mib: early.get(service)!, idle_mib: rssMiB([pid])[0] });
  }
  return { running, readings };
}

async function stopAll(server: Server): Promise<void> {
  for (const group of [...server.groups].reverse()) await Promise.all(group.map((m) => m.stop()));
}

async function measure(name: TargetName): Promise<FootprintResult> {
  const load_start = loadavg().map((l) => round(l, 2));
  const server = name === 'crowdsec' ? await crowdsec() : await ours(name);
  try {
    console.log(`[bench] ${name}: first start`);
    const first = await startAll(server);
    await stopAll(server);
    console.log(`[bench] ${name}: restart on the same database`);
    const { running, readings: restart } = await startAll(server);
    const t = server.target(running);
    const pidOf = (service: string) => running.get(service)!.pid;
    const services = [...running.keys()];
    const decisions = new Map<string, DecisionsReading[]>(services.map((s) => [s, []]));
    const jwt = await t.login();
    const [key] = await t.addBouncers(1);
    let loaded = 0;
    for (const size of SETTINGS.sizes) {
      console.log(`[bench] ${name}: loading ${size} decisions`);
      resetPeakRss(t.pids());
      await loadDecisions(t.ingestUrl, jwt, loaded, size, { perAlert: SETTINGS.per_alert });
      loaded = size;
      await settle(t, key, size);
      const peaks = peakRssMiB(t.pids());
      const now = rssMiB(t.pids());
      await sleep(SETTINGS.idle_after_s * 1000);
      const settled = rssMiB(t.pids());
      services.forEach((s, i) => decisions.get(s)!.push({ decisions: size, rss_mib: now[i], settled_mib: settled[i], load_peak_mib: peaks[i] }));
    }
    console.log(`[bench] ${name}: ingestion load`);
    resetPeakRss(t.pids());
    await measureIngestion(t);
    const ingestionPeaks = new Map(services.map((s) => [s, peakRssMiB([pidOf(s)])[0]]));
    await stopAll(server);
    const processes: ProcessFootprint[] = services.map((s) => ({ service: s, first_start: first.readings.get(s)!, restart: restart.get(s)!, decisions: decisions.get(s)!, ingestion_peak_mib: ingestionPeaks.get(s)! }));
    const result = { ready_on: server.readyOn, processes, load_average: { start: load_start, end: loadavg().map((l) => round(l, 2)) } };
    console.log(`[bench] ${name}: ${JSON.stringify(result)}`);
    return result;
  } finally {
    await stopAll(server).catch(() => undefined);
    await server.drop();
  }
}

/** Waits until a bouncer's startup stream serves every decision loaded (a cluster's replicas follow the bus). */
async function settle(t: Target, key: string, size: number): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (const url of t.decisionUrls) {
    for (;;) {
      const res = await fetch(`${url}/v1/decisions/stream?startup=true`, { headers: { 'x-api-key': key } });
      const body = (await res.json()) as { new: unknown[] | null };
      if ((body.new?.length ?? 0) >= size) break;
      if (Date.now() > deadline) throw new Error(`${url} never served the ${size} decisions loaded`);
      await sleep(200);
    }
  }
}

/** Debian's crowdsec on a new SQLite file, restarted on the same directory and file. CrowdSec 1.4.6 has no /health: ready at its first HTTP answer, as the harness waits for it. */
async function crowdsec(): Promise<Server> {
  const port = await freePort();
  let lapi: UpstreamLapi | undefined;
  let dir: string | undefined;
  const member: Member = {
    service: 'crowdsec',
    async start() {
      lapi = await startUpstreamLapi({ port, dir, readyTimeoutMs: 120_000 });
      dir = lapi.dir;
      return { pid: lapi.proc.pid!, url: lapi.url };
    },
    readyUrl: () => `http://127.0.0.1:${port}/v1/decisions`,
    isReady: (status) => status > 0,
    stop: async () => void (await lapi?.stop()),
  };
  return {
    readyOn: 'first HTTP answer',
    groups: [[member]],
    target: (running) => {
      const creds = lapi!.cscli.credentials();
      const url = running.get('crowdsec')!.url;
      return {
        name: 'crowdsec',
        version: '',
        ingestUrl: url,
        decisionUrls: [url],
        login: () => login(url, { machine_id: creds.login!, password: creds.password! }),
        addBouncers: (count) => inBatches(count, 4, () => lapi!.addBouncer(`bench-bouncer-${bouncers++}`)),
        pids: () => [running.get('crowdsec')!.pid],
        stop: async () => undefined,
      };
    },
    drop: async () => undefined,
  };
}

/** Ours on a new database (a new data directory, or a new empty Postgres database so migrations run), restarted on the same one. */
async function ours(name: 'standalone' | 'embedded' | 'cluster'): Promise<Server> {
  buildServices();
  const db: BenchDatabase = name === 'embedded' ? embeddedDatabase() : await createDatabase();
  const env = serviceEnv(name, db);
  const stops: (() => Promise<unknown>)[] = [];
  const member = async (service: string, app: 'standalone' | 'ingest' | 'decisions' | 'registration'): Promise<Member> => {
    const port = await freePort();
    let proc: RunningProcess | undefined;
    return {
      service,
      async start() {
        proc = await startService(app, env, port);
        return { pid: proc.proc.pid!, url: proc.url };
      },
      // The cluster's ingest and registration serve only /health/ready; the standalone answers /health, as a user checks it.
      readyUrl: () => `http://127.0.0.1:${port}${app === 'standalone' ? '/health' : '/health/ready'}`,
      isReady: (status) => status === 200,
      stop: async () => void (await proc?.stop('SIGTERM')),
    };
  };
  let groups: Member[][];
  if (name === 'cluster') {
    const nats = await startNats();
    stops.push(() => nats.stop('SIGKILL'));
    env.NATS_URL = nats.url;
    // Ingest first: it runs the migrations on the new database.
    groups = [[await member('ingest', 'ingest')], [await member('registration', 'registration'), await member('decisions-1', 'decisions'), await member('decisions-2', 'decisions')]];
  } else {
    groups = [[await member('standalone', 'standalone')]];
  }
  let registered = false;
  return {
    readyOn: 'health 200',
    groups,
    target: (running) => {
      const ingestUrl = running.get(name === 'cluster' ? 'ingest' : 'standalone')!.url;
      const decisionUrls = name === 'cluster' ? [running.get('decisions-1')!.url, running.get('decisions-2')!.url] : [ingestUrl];
      const registrationUrl = running.get(name === 'cluster' ? 'registration' : 'standalone')!.url;
      return {
        name,
        version: '',
        ingestUrl,
        decisionUrls,
        login: async () => {
          if (!registered) await register(registrationUrl);
          registered = true;
          return login(ingestUrl, MACHINE);
        },
        addBouncers: (count) => inBatches(count, 8, () => insertBouncer(db.url, `bench-bouncer-${bouncers++}`)),
        pids: () => [...running.values()].map((r) => r.pid),
        stop: async () => undefined,
      };
    },
    drop: async () => {
      await Promise.all(stops.map((s) => s()));
      await db.drop();
    },
  };
}

if (require.main === module) {
  main(async () => {
    // Saved server by server (a partial rerun keeps the others'), so one that fails loses only its own.
    for (const name of targetsFromArgs(['crowdsec', 'standalone', 'embedded', 'cluster'])) {
      console.log(`[bench] starting ${name}`);
      const runs: Partial<Record<TargetName, FootprintResult>> = { [name]: await measure(name) };
      saveResult({ scenario: 'footprint', title: 'Footprint', date: new Date().toISOString(), environment: environment(), settings: SETTINGS, runs });
    }
  });
}

