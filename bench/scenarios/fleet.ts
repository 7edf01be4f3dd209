/**
 * Scenario 9: a fleet. 1,000, 5,000 and 10,000 bouncers (distinct keys) poll
 * `/v1/decisions/stream` every 10 s while agents push 20 alerts a second: CPU per process
 * (Postgres's backends for the server's database included), poll p50/p99, failed polls, what each
 * bouncer received against what was added, and memory. wrk drives the fleet (bench/lib/fleet-load.ts);
 * a sample of bouncers is driven from here instead, each decision counted, to check that every
 * one of them got every decision exactly once. Sizes grow on one running server (bouncers are
 * added between them); CrowdSec stops at the first size it does not keep up with.
 * Run: npm run bench:fleet [crowdsec|standalone|embedded|cluster ...]
 * A trial at a smaller scale (not saved as the scenario's figures):
 *   BENCH_FLEET_SIZES=200,500 BENCH_FLEET_SECONDS=20 npm run bench:fleet standalone
 */
import { loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import { decisionAt } from '../lib/dataset';
import { runFleet, FleetResult } from '../lib/fleet-load';
import { cpuSecondsOf, machineTicks, peakRssMiB, rssMiB, stealPercent } from '../lib/proc-stats';
import { eachTarget, environment, main, saveResult, targetsFromArgs } from '../lib/results';
import { AGENT_HEADERS, Target } from '../lib/targets';
import { round } from '../lib/wrk';

const sizes = process.env.BENCH_FLEET_SIZES?.split(',').map(Number);
const TRIAL = !!(sizes || process.env.BENCH_FLEET_SECONDS);
const SETTINGS = {
  fleets: sizes ?? [1000, 5000, 10_000],
  poll_every_s: 10,
  measured_s: Number(process.env.BENCH_FLEET_SECONDS ?? 60),
  alerts_per_s: 20,
  sample_bouncers: 50,
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

export interface FleetResultRun {
  sizes: FleetSize[];
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
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < keys.length; i = next++) {
      const res = await fetch(`${t.decisionUrls[i % t.decisionUrls.length]}/v1/decisions/stream?startup=true`, { headers: { 'x-api-key': keys[i] } });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`startup poll answered ${res.status}`);
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
}

async function measureSize(t: Target, jwt: string, keys: string[], firstValue: number): Promise<{ size: FleetSize; added: number }> {
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

  // Alerts at a steady rate, one decision each, each a new value.
  const values: string[] = [];
  let failedPushes = 0;
  let injecting = true;
  const injector = (async () => {
    for (let next = performance.now(), k = firstValue; injecting; next += 1000 / SETTINGS.alerts_per_s, k++) {
      await sleep(Math.max(0, next - performance.now()));
      const d = decisionAt(k);
      const decision = { origin: 'crowdsec', type: 'ban', scope: d.scope, value: d.value, duration: '4h', scenario: 'crowdsecurity/ssh-bf' };
      try {
        const res = await fetch(`${t.ingestUrl}/v1/alerts`, { method: 'POST', headers: { ...AGENT_HEADERS, authorization: `Bearer ${jwt}` }, body: JSON.stringify([alertOf(decision)]) });
        await res.arrayBuffer();
        if (res.status === 201) values.push(d.value);
        else failedPushes++;
      } catch {
        failedPushes++;
      }
    }
  })();

  const pgPids = t.postgresDatabase ? await postgresBackends(t.postgresDatabase) : [];
  const procs = t.processes();
  const cpuBefore = cpuSecondsOf([...procs.map((p) => p.pid), ...pgPids]);
  const ticks = machineTicks();
  const wallBefore = performance.now();
  await sleep(SETTINGS.measured_s * 1000);
  const pgAfter = t.postgresDatabase ? await postgresBackends(t.postgresDatabase) : [];
  const cpuAfter = cpuSecondsOf([...procs.map((p) => p.pid), ...pgAfter]);
  const wall = (performance.now() - wallBefore) / 1000;
  const steal = stealPercent(ticks, machineTicks());
  const load = loadavg().map((l) => round(l, 2));
  injecting = false;
  await injector;
  const rss = Object.fromEntries(procs.map((p) => [p.name, rssMiB(p.pid)]));
  const peak = Object.fromEntries(procs.map((p) => [p.name, peakRssMiB([p.pid])[0]]));

  const results: FleetResult[] = await fleet;
  sampling = false;
  await sampled;

  const used = (pid: number) => (cpuAfter.get(pid) ?? 0) - (cpuBefore.get(pid) ?? 0);
  const cpu: Record<string, number> = Object.fromEntries(procs.map((p) => [p.name, round(used(p.pid) / wall, 3)]));
  if (t.postgresDatabase) cpu.postgres = round(pgAfter.reduce((a, pid) => a + used(pid), 0) / wall, 3);
  const added = values.length;
  const expected = new Set(values);
  const perSample = sample.map((b) => [...b.received].filter(([v]) => expected.has(v)).length);
  const polls = results.reduce((a, r) => a + r.requests, 0) + sampleLatencies.length;
  sampleLatencies.sort((a, b) => a - b);
  const samplePct = (p: number) => sampleLatencies[Math.min(sampleLatencies.length - 1, Math.ceil((p / 100) * sampleLatencies.length) - 1)] ?? 0;
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
    fleet_received: results.reduce((a, r) => a + r.new_received, 0),
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
  return { size, added };
}

/** A server keeps up while every poll is answered and within the poll interval. */
const keepsUp = (s: FleetSize) => s.failed_polls === 0 && s.p99_ms < SETTINGS.poll_every_s * 1000;

export async function measureFleet(t: Target): Promise<FleetResultRun> {
  const jwt = await t.login();
  const keys: string[] = [];
  const out: FleetResultRun = { sizes: [] };
  let nextValue = 0;
  for (const n of SETTINGS.fleets) {
    const fresh = await t.addBouncers(n - keys.length, keys.length);
    await startupPolls(t, fresh);
    keys.push(...fresh);
    const { size, added } = await measureSize(t, jwt, keys, nextValue);
    nextValue += added + 1000;
    out.sizes.push(size);
    if (t.name === 'crowdsec' && !keepsUp(size)) {
      out.stopped = `did not keep up with ${n} bouncers (p99 ${size.p99_ms} ms, ${size.failed_polls} failed polls)`;
      break;
    }
  }
  return out;
}

function alertOf(decision: Record<string, unknown>): Record<string, unknown> {
  const now = new Date().toISOString();
  return { scenario: 'crowdsecurity/ssh-bf', scenario_hash: 'bench', scenario_version: '0.1', message: 'bench', events_count: 1, start_at: now, stop_at: now, capacity: 5, leakspeed: '10s', simulated: false, remediation: true, events: [], source: { scope: 'Ip', value: String(decision.value), ip: String(decision.value) }, decisions: [decision] };
}

if (require.main === module) {
  main(async () => {
    const runs = await eachTarget(targetsFromArgs(['crowdsec', 'standalone', 'embedded', 'cluster']), measureFleet);
    const result = { scenario: TRIAL ? 'fleet-trial' : 'fleet', title: 'Fleet of polling bouncers', date: new Date().toISOString(), environment: environment(), settings: SETTINGS, runs };
    saveResult(result);
  });
}
