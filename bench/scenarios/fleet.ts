/**
 * Scenario 9: a fleet. 1,000, 5,000 and 10,000 bouncers (distinct keys) poll
 * `/v1/decisions/stream` every 10 s while agents push 20 alerts a second: CPU per process
 * (Postgres's backends for the server's database included), poll p50/p99, failed polls, what each
 * bouncer received against what was added, and memory. wrk drives the fleet (bench/lib/fleet-load.ts);
 * a sample of bouncers is driven from here instead, each decision counted, to check that every
 * one of them got every decision exactly once. Sizes grow on one running server (bouncers are
 * added between them); CrowdSec stops at the first size it does not keep up with.
 * Run: npm run bench:fleet [crowdsec|standalone|embedded|cluster ...]
 * Push streams only (memory per connection): BENCH_FLEET_POLLS=0 BENCH_FLEET_SIZES=10050 npm run bench:fleet cluster
 * A trial at a smaller scale (not saved as the scenario's figures):
 *   BENCH_FLEET_SIZES=200,500 BENCH_FLEET_SECONDS=20 npm run bench:fleet standalone
 */
import { loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import { decisionAt } from '../lib/dataset';
import { runFleet, FleetResult } from '../lib/fleet-load';
import { openPushFleet } from '../lib/push-load';
import { startPushClient } from '@lapi/testing';
import { cpuSecondsOf, machineTicks, peakRssMiB, rssMiB, stealPercent } from '../lib/proc-stats';
import { eachTarget, environment, main, saveResult, targetsFromArgs } from '../lib/results';
import { AGENT_HEADERS, inBatches, namedProcesses, Target } from '../lib/targets';
import { round } from '../lib/wrk';
import { percentile } from '../lib/percentile';

const sizes = process.env.BENCH_FLEET_SIZES?.split(',').map(Number);
/** Only the push streams (bouncers are still added, for their keys): `BENCH_FLEET_POLLS=0`. */
const POLLS = process.env.BENCH_FLEET_POLLS !== '0';
const TRIAL = !!(sizes || process.env.BENCH_FLEET_SECONDS || process.env.BENCH_FLEET_PUSH || !POLLS);
const SETTINGS = {
  fleets: sizes ?? [1000, 5000, 10_000],
  poll_every_s: 10,
  measured_s: Number(process.env.BENCH_FLEET_SECONDS ?? 60),
  alerts_per_s: 20,
  /** Machines the alerts come from, each with its own JWT, in turn. */
  agents: Number(process.env.BENCH_FLEET_AGENTS ?? 1000),
  sample_bouncers: 50,
  push_connections: Number(process.env.BENCH_FLEET_PUSH ?? 10_000),
  push_measured_s: Number(process.env.BENCH_FLEET_SECONDS ?? 60),
};
const ADMIN_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface FleetSize {
  bouncers: number;
  /** User+system CPU over the measured window, in cores, per process; `postgres` is the backends serving the server's database. */
  cpu_cores: Record<string, number>;
  cpu_total_cores: number;
  polls: number;
  /** Polls a second the fleet made, against bouncers / interval. */
  polls_per_s: number;
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
  failed_polls: number;
  decisions_added: number;
  failed_pushes: number;
  /** Decisions the wrk-driven bouncers received in all, against their number × decisions added. */
  fleet_received: number;
  fleet_expected: number;
  /** Of fleet_received, what the poll of every bouncer after the run got. */
  fleet_received_after_run: number;
  /** Fewest and most decisions one sampled bouncer received, and how many were missing or repeated in all. */
  sample_received_min: number;
  sample_received_max: number;
  sample_missing: number;
  sample_repeated: number;
  rss_mib: Record<string, number>;
  peak_rss_mib: Record<string, number>;
  load_average: number[];
  steal_pct: number;
}

export interface PushSize {
  connections: number;
  /** What held the streams: bench/lib/push-fleet.c, or Node.js worker threads where no C compiler is. */
  load_tool?: 'native' | 'node-worker';
  /** The native tool's nice value: above 0 it yields the cores to the servers it measures (bench/lib/push-load.ts). */
  load_tool_nice?: number;
  /** The first replica (or the standalone) with every stream open on it and nothing happening: its RSS before and after, and CPU. */
  idle_process: string;
  idle_rss_before_mib: number;
  idle_rss_after_mib: number;
  idle_kib_per_connection: number;
  idle_cpu_cores: number;
  /** Then the streams spread over every replica while decisions are added. */
  cpu_cores: Record<string, number>;
  cpu_total_cores: number;
  decisions_added: number;
  failed_pushes: number;
  /** Decisions counted in all the streams, against streams × decisions added. */
  delivered: number;
  expected: number;
  streams_closed: number;
  /** Sampled streams (full parse, reconnect with Last-Event-ID): missing and repeated decisions in all. */
  sample_missing: number;
  sample_repeated: number;
  /** The native load tool's processes (push-fleet.c), beside the servers; undefined with the Node.js workers. */
  load_tool_cpu_cores?: number;
  /** From a push's 201 (its commit is before it) to a sampled stream's event. */
  latency_p50_ms: number;
  latency_p99_ms: number;
  latency_max_ms: number;
  rss_mib: Record<string, number>;
  load_average: number[];
}

export interface FleetResultRun {
  sizes: FleetSize[];
  push?: PushSize;
  /** Why the run stopped before the largest size, if it did. */
  stopped?: string;
}

/** The pids of Postgres backends connected to `database` now. */
async function postgresBackends(database: string): Promise<number[]> {
  const c = new Client({ connectionString: ADMIN_URL });
  await c.connect();
  try {
    return (await c.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = $1', [database])).rows.map((r) => r.pid);
  } finally {
    await c.end();
  }
}

interface SampledBouncer {
  key: string;
  received: Map<string, number>;
  failed: number;
}

/** Startup polls (startup=true) for new bouncers, a few at a time, before they join the fleet. */
async function startupPolls(t: Target, keys: string[]): Promise<void> {
  await inBatches(keys.length, 16, async (i) => {
    const res = await fetch(`${t.decisionUrls[i % t.decisionUrls.length]}/v1/decisions/stream?startup=true`, { headers: { 'x-api-key': keys[i] } });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`startup poll answered ${res.status}`);
  });
}

async function measureSize(t: Target, jwts: string[], keys: string[], firstValue: number): Promise<{ size: FleetSize; nextValue: number }> {
  const sample: SampledBouncer[] = keys.slice(0, SETTINGS.sample_bouncers).map((key) => ({ key, received: new Map(), failed: 0 }));
  const fleetKeys = keys.slice(SETTINGS.sample_bouncers);
  const interval = SETTINGS.poll_every_s * 1000;
  const wrkSeconds = SETTINGS.measured_s + SETTINGS.poll_every_s + 3;

  // The sample roams over the replicas, as a bouncer behind a round-robin edge does.
  let sampling = true;
  const sampleLatencies: number[] = [];
  const sampled = Promise.all(
    sample.map(async (b, i) => {
      await sleep((i * interval) / sample.length);
      for (let n = 0; sampling; n++) {
        const started = performance.now();
        try {
          const res = await fetch(`${t.decisionUrls[(i + n) % t.decisionUrls.length]}/v1/decisions/stream`, { headers: { 'x-api-key': b.key } });
          const body = (await res.json()) as { new: { value: string }[] | null };
          if (res.status !== 200) throw new Error(String(res.status));
          for (const d of body.new ?? []) b.received.set(d.value, (b.received.get(d.value) ?? 0) + 1);
        } catch {
          b.failed++;
        }
        sampleLatencies.push(performance.now() - started);
        await sleep(Math.max(0, interval - (performance.now() - started)));
      }
    }),
  );

  const perUrl = t.decisionUrls.map((url, u) => ({ url, keys: fleetKeys.filter((_, k) => k % t.decisionUrls.length === u) }));
  const fleet = Promise.all(
    perUrl.map((p) => runFleet({ url: p.url, keys: p.keys, intervalMs: interval, seconds: wrkSeconds, connections: Math.min(1000, Math.max(16, Math.ceil(p.keys.length / 10))), threads: perUrl.length > 1 ? 1 : 2 })),
  );

  const injector = startInjector(t, jwts, firstValue);

  const pgPids = t.postgresDatabase ? await postgresBackends(t.postgresDatabase) : [];
  const procs = namedProcesses(t);
  const cpuBefore = cpuSecondsOf([...procs.map((p) => p.pid), ...pgPids]);
  const ticks = machineTicks();
  const wallBefore = performance.now();
  await sleep(SETTINGS.measured_s * 1000);
  const pgAfter = t.postgresDatabase ? await postgresBackends(t.postgresDatabase) : [];
  const cpuAfter = cpuSecondsOf([...procs.map((p) => p.pid), ...pgAfter]);
  const wall = (performance.now() - wallBefore) / 1000;
  const steal = stealPercent(ticks, machineTicks());
  const load = loadavg().map((l) => round(l, 2));
  const injected = await injector.stop();
  const { values, failedPushes } = injected;
  const rss = Object.fromEntries(procs.map((p) => [p.name, rssMiB([p.pid])[0]]));
  const peak = Object.fromEntries(procs.map((p) => [p.name, peakRssMiB([p.pid])[0]]));

  const results: FleetResult[] = await fleet;
  sampling = false;
  await sampled;
  // A poll scheduled after wrk stopped, or answered after, would miss its count: one more poll of
  // every bouncer after the run collects what is still due, so the counts are whole.
  const lastPolls = await finalPolls(t, fleetKeys);
  for (const [i, got] of (await finalPolls(t, sample.map((b) => b.key))).entries()) {
    for (const v of got) sample[i].received.set(v, (sample[i].received.get(v) ?? 0) + 1);
  }

  const used = (pid: number) => (cpuAfter.get(pid) ?? 0) - (cpuBefore.get(pid) ?? 0);
  const cpu: Record<string, number> = Object.fromEntries(procs.map((p) => [p.name, round(used(p.pid) / wall, 3)]));
  if (t.postgresDatabase) cpu.postgres = round(pgAfter.reduce((a, pid) => a + used(pid), 0) / wall, 3);
  const added = values.length;
  const expected = new Set(values);
  const perSample = sample.map((b) => [...b.received].filter(([v]) => expected.has(v)).length);
  const polls = results.reduce((a, r) => a + r.requests, 0) + sampleLatencies.length;
  sampleLatencies.sort((a, b) => a - b);
  const samplePct = (p: number) => percentile(sampleLatencies, p) ?? 0;
  const size: FleetSize = {
    bouncers: keys.length,
    cpu_cores: cpu,
    cpu_total_cores: round(Object.values(cpu).reduce((a, b) => a + b, 0), 3),
    polls,
    polls_per_s: Math.round(polls / Math.max(...results.map((r) => r.seconds))),
    // wrk's percentiles per process; the worst stands, and the sample's own if worse.
    p50_ms: round(Math.max(...results.map((r) => r.p50_ms), samplePct(50)), 2),
    p99_ms: round(Math.max(...results.map((r) => r.p99_ms), samplePct(99)), 2),
    max_ms: round(Math.max(...results.map((r) => r.max_ms), sampleLatencies[sampleLatencies.length - 1] ?? 0), 2),
    failed_polls: results.reduce((a, r) => a + r.errors, 0) + sample.reduce((a, b) => a + b.failed, 0),
    decisions_added: added,
    failed_pushes: failedPushes,
    fleet_received: results.reduce((a, r) => a + r.new_received, 0) + lastPolls.reduce((a, got) => a + got.length, 0),
    fleet_received_after_run: lastPolls.reduce((a, got) => a + got.length, 0),
    fleet_expected: fleetKeys.length * added,
    sample_received_min: Math.min(...perSample),
    sample_received_max: Math.max(...perSample),
    sample_missing: sample.reduce((a, b) => a + values.filter((v) => !b.received.has(v)).length, 0),
    sample_repeated: sample.reduce((a, b) => a + [...b.received.values()].filter((n) => n > 1).length, 0),
    rss_mib: rss,
    peak_rss_mib: peak,
    load_average: load,
    steal_pct: steal,
  };
  console.log(`[bench] fleet ${t.name} ${keys.length}: ${JSON.stringify(size)}`);
  return { size, nextValue: injected.nextValue };
}

/** One poll of each key (16 at a time, each on its own replica as in the run): the values in each answer's `new`. */
function finalPolls(t: Target, keys: string[]): Promise<string[][]> {
  return inBatches(keys.length, 16, async (i) => {
    const res = await fetch(`${t.decisionUrls[i % t.decisionUrls.length]}/v1/decisions/stream`, { headers: { 'x-api-key': keys[i] } });
    const body = (await res.json()) as { new: { value: string }[] | null };
    if (res.status !== 200) throw new Error(`poll after the run answered ${res.status}`);
    return (body.new ?? []).map((d) => d.value);
  });
}

/** Alerts at a steady rate (SETTINGS.alerts_per_s), one decision each, each a new value, from each agent in turn; `answeredAt` is when each push was answered 201 (its commit came before). */
function startInjector(t: Target, jwts: string[], firstValue: number) {
  const values: string[] = [];
  const answeredAt = new Map<string, number>();
  let failedPushes = 0;
  let injecting = true;
  let nextValue = firstValue;
  const inFlight = new Set<Promise<void>>();
  const pushOne = async (k: number) => {
    const d = decisionAt(k);
    const decision = { origin: 'crowdsec', type: 'ban', scope: d.scope, value: d.value, duration: '4h', scenario: 'crowdsecurity/ssh-bf' };
    try {
      const res = await fetch(`${t.ingestUrl}/v1/alerts`, { method: 'POST', headers: { ...AGENT_HEADERS, authorization: `Bearer ${jwts[k % jwts.length]}` }, body: JSON.stringify([alertOf(decision)]) });
      await res.arrayBuffer();
      if (res.status === 201) {
        values.push(d.value);
        answeredAt.set(d.value, performance.now());
      } else failedPushes++;
    } catch {
      failedPushes++;
    }
  };
  // On schedule, whatever the answers' latency: agents do not wait for each other.
  const run = (async () => {
    for (let next = performance.now(); injecting; next += 1000 / SETTINGS.alerts_per_s) {
      await sleep(Math.max(0, next - performance.now()));
      const p = pushOne(nextValue++).finally(() => inFlight.delete(p));
      inFlight.add(p);
    }
  })();
  return {
    answeredAt,
    async stop() {
      injecting = false;
      await run;
      await Promise.all(inFlight);
      return { values, failedPushes, nextValue };
    },
  };
}

/** A server keeps up while every poll is answered and within the poll interval. */
const keepsUp = (s: FleetSize) => s.failed_polls === 0 && s.p99_ms < SETTINGS.poll_every_s * 1000;

async function measurePush(t: Target, jwts: string[], keys: string[], firstValue: number): Promise<PushSize> {
  const procs = namedProcesses(t);
  const idle = procs.find((p) => p.name === 'decisions-1' || p.name === 'standalone')!;
  const sampleKeys = keys.slice(0, SETTINGS.sample_bouncers);
  const streamKeys = keys.slice(SETTINGS.sample_bouncers, SETTINGS.sample_bouncers + SETTINGS.push_connections);

  // Every stream on one process, idle: what an open connection costs.
  // Settled (the collector's work done) before each reading.
  const settle = () => sleep(5000);
  await settle();
  const rssBefore = rssMiB([idle.pid])[0];
  const fleet = await openPushFleet(t.decisionUrls[0], streamKeys);
  await settle();
  const rssAfter = rssMiB([idle.pid])[0];
  const idleCpuBefore = cpuSecondsOf([idle.pid]);
  await sleep(10_000);
  const idleCpu = (cpuSecondsOf([idle.pid]).get(idle.pid)! - idleCpuBefore.get(idle.pid)!) / 10;
  await fleet.close();
  await sleep(2000);

  // The same number spread over every replica, with decisions coming.
  const perUrl = t.decisionUrls.map((url, u) => streamKeys.filter((_, k) => k % t.decisionUrls.length === u));
  const fleets = await Promise.all(perUrl.map((k, u) => openPushFleet(t.decisionUrls[u], k)));
  const sample = sampleKeys.map((key, i) => startPushClient(() => t.decisionUrls[i % t.decisionUrls.length], key, { startup: false }));
  while (!sample.every((c) => c.lastEventId !== undefined)) await sleep(100);
  const injector = startInjector(t, jwts, firstValue);
  const pgPids = t.postgresDatabase ? await postgresBackends(t.postgresDatabase) : [];
  const toolPids = fleets.flatMap((f) => (f.pid === undefined ? [] : [f.pid]));
  const cpuBefore = cpuSecondsOf([...procs.map((p) => p.pid), ...pgPids, ...toolPids]);
  const wallBefore = performance.now();
  await sleep(SETTINGS.push_measured_s * 1000);
  const pgAfter = t.postgresDatabase ? await postgresBackends(t.postgresDatabase) : [];
  const cpuAfter = cpuSecondsOf([...procs.map((p) => p.pid), ...pgAfter, ...toolPids]);
  const wall = (performance.now() - wallBefore) / 1000;
  const load = loadavg().map((l) => round(l, 2));
  const { values, failedPushes } = await injector.stop();
  await sleep(2000);
  const rss = Object.fromEntries(procs.map((p) => [p.name, rssMiB([p.pid])[0]]));
  const used = (pid: number) => (cpuAfter.get(pid) ?? 0) - (cpuBefore.get(pid) ?? 0);
  const cpu: Record<string, number> = Object.fromEntries(procs.map((p) => [p.name, round(used(p.pid) / wall, 3)]));
  if (t.postgresDatabase) cpu.postgres = round(pgAfter.reduce((a, pid) => a + used(pid), 0) / wall, 3);
  const latencies: number[] = [];
  for (const c of sample) for (const v of values) {
    const at = c.arrivedAt.get(v);
    if (at !== undefined) latencies.push(Math.max(0, at - injector.answeredAt.get(v)!));
  }
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => round(percentile(latencies, p) ?? NaN, 1);
  const stats = await Promise.all(fleets.map((f) => f.stats()));
  const delivered = stats.reduce((a, f) => a + f.values, 0);
  const closed = stats.reduce((a, f) => a + f.closed, 0);
  const result: PushSize = {
    connections: streamKeys.length + sample.length,
    load_tool: fleets[0].tool,
    load_tool_nice: fleets[0].nice,
    idle_process: idle.name,
    idle_rss_before_mib: rssBefore,
    idle_rss_after_mib: rssAfter,
    idle_kib_per_connection: round(((rssAfter - rssBefore) * 1024) / streamKeys.length, 1),
    idle_cpu_cores: round(idleCpu, 3),
    cpu_cores: cpu,
    cpu_total_cores: round(Object.values(cpu).reduce((a, b) => a + b, 0), 3),
    load_tool_cpu_cores: toolPids.length ? round(toolPids.reduce((a, pid) => a + used(pid), 0) / wall, 3) : undefined,
    decisions_added: values.length,
    failed_pushes: failedPushes,
    delivered,
    expected: streamKeys.length * values.length,
    streams_closed: closed,
    sample_missing: sample.reduce((a, c) => a + values.filter((v) => !c.received.has(v)).length, 0),
    sample_repeated: sample.reduce((a, c) => a + [...c.received.values()].filter((n) => n > 1).length, 0),
    latency_p50_ms: pct(50),
    latency_p99_ms: pct(99),
    latency_max_ms: round(latencies[latencies.length - 1] ?? NaN, 1),
    rss_mib: rss,
    load_average: load,
  };
  await Promise.all(fleets.map((f) => f.close()));
  for (const c of sample) c.stop();
  console.log(`[bench] fleet ${t.name} push: ${JSON.stringify(result)}`);
  return result;
}

export async function measureFleet(t: Target): Promise<FleetResultRun> {
  if (!t.agents) throw new Error(`${t.name}: no way to add agents`);
  const jwts = await t.agents(SETTINGS.agents);
  const keys: string[] = [];
  const out: FleetResultRun = { sizes: [] };
  let nextValue = 0;
  for (const n of SETTINGS.fleets) {
    const fresh = await t.addBouncers(n - keys.length, keys.length);
    await startupPolls(t, fresh);
    keys.push(...fresh);
    if (!POLLS) continue;
    const measured = await measureSize(t, jwts, keys, nextValue);
    const size = measured.size;
    nextValue = measured.nextValue;
    out.sizes.push(size);
    if (t.name === 'crowdsec' && !keepsUp(size)) {
      out.stopped = `did not keep up with ${n} bouncers (p99 ${size.p99_ms} ms, ${size.failed_polls} failed polls)`;
      break;
    }
  }
  if (t.name !== 'crowdsec' && SETTINGS.push_connections > 0) out.push = await measurePush(t, jwts, keys, nextValue);
  return out;
}

function alertOf(decision: Record<string, unknown>): Record<string, unknown> {
  const now = new Date().toISOString();
  return { scenario: 'crowdsecurity/ssh-bf', scenario_hash: 'bench', scenario_version: '0.1', message: 'bench', events_count: 1, start_at: now, stop_at: now, capacity: 5, leakspeed: '10s', simulated: false, remediation: true, events: [], source: { scope: 'Ip', value: String(decision.value), ip: String(decision.value) }, decisions: [decision] };
}

if (require.main === module) {
  main(async () => {
    // Saved server by server (a partial rerun keeps the others'): a long run that fails on one server keeps the rest.
    for (const name of targetsFromArgs(['crowdsec', 'standalone', 'embedded', 'cluster'])) {
      const runs = await eachTarget([name], measureFleet);
      saveResult({ scenario: TRIAL ? 'fleet-trial' : 'fleet', title: 'Fleet of polling bouncers', date: new Date().toISOString(), environment: environment(), settings: SETTINGS, runs });
    }
  });
}
