/**
 * Scenario 3: delta polls. 1,000 bouncers (distinct keys) poll `/v1/decisions/stream` every 10 s
 * (each starts with startup=true) while 100 decisions/s are added: the servers' CPU and the poll
 * p99, and whether every bouncer received every decision.
 * Run: npm run bench:polls [crowdsec|standalone|embedded|cluster ...]
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { decisionAt } from '../lib/dataset';
import { cpuSeconds } from '../lib/proc-stats';
import { eachTarget, environment, main, saveResult, targetsFromArgs } from '../lib/results';
import { AGENT_HEADERS, Target } from '../lib/targets';
import { round } from '../lib/wrk';
import { percentile } from '../lib/percentile';

const SETTINGS = { bouncers: 1000, poll_every_s: 10, decisions_per_s: 100, measured_s: 60 };
const BATCHES_PER_S = 10;

export interface PollsResult {
  cpu_cores: number;
  polls: number;
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
  failed_polls: number;
  decisions_added: number;
  /** Pushes the server refused (each would have added 10 decisions). */
  failed_pushes: number;
  /** Fewest and most decisions one bouncer received (each should receive every one, once). */
  received_min: number;
  received_max: number;
}

export async function measureDeltaPolls(t: Target): Promise<PollsResult> {
  const jwt = await t.login();
  const keys = await t.addBouncers(SETTINGS.bouncers);
  const bouncers = keys.map((key, i) => ({ key, url: t.decisionUrls[i % t.decisionUrls.length], received: 0 }));
  const latencies: number[] = [];
  let failed = 0;
  let measuring = false;
  const poll = async (b: (typeof bouncers)[number], startup: boolean) => {
    const started = performance.now();
    try {
      const res = await fetch(`${b.url}/v1/decisions/stream?startup=${startup}`, { headers: { 'x-api-key': b.key } });
      const body = (await res.json()) as { new: unknown[] | null };
      if (res.status !== 200) throw new Error(String(res.status));
      b.received += body.new?.length ?? 0;
    } catch {
      if (measuring) failed++;
    }
    if (measuring) latencies.push(performance.now() - started);
  };
  const spread = (SETTINGS.poll_every_s * 1000) / SETTINGS.bouncers;
  const round_ = (startup: boolean) => Promise.all(bouncers.map(async (b, i) => (await sleep(i * spread), poll(b, startup))));

  await round_(true);
  let stop = false;
  let added = 0;
  let pushFailures = 0;
  const injector = (async () => {
    const perBatch = SETTINGS.decisions_per_s / BATCHES_PER_S;
    for (let next = performance.now(); !stop; next += 1000 / BATCHES_PER_S) {
      await sleep(Math.max(0, next - performance.now()));
      const decisions = Array.from({ length: perBatch }, (_, k) => {
        const d = decisionAt(added + k);
        return { origin: 'crowdsec', type: 'ban', scope: d.scope, value: d.value, duration: '4h', scenario: 'crowdsecurity/ssh-bf' };
      });
      const res = await fetch(`${t.ingestUrl}/v1/alerts`, { method: 'POST', headers: { ...AGENT_HEADERS, authorization: `Bearer ${jwt}` }, body: JSON.stringify([alertOf(decisions)]) });
      await res.arrayBuffer();
      // CrowdSec on SQLite refuses some pushes under this load (500, "database is locked"): counted, not fatal.
      if (res.status === 201) added += perBatch;
      else pushFailures++;
    }
  })();
  measuring = true;
  const cpuBefore = cpuSeconds(t.pids());
  const wallBefore = performance.now();
  for (let r = 0; r < SETTINGS.measured_s / SETTINGS.poll_every_s; r++) await round_(false);
  const cpu = cpuSeconds(t.pids()) - cpuBefore;
  const wall = (performance.now() - wallBefore) / 1000;
  measuring = false;
  stop = true;
  await injector;
  // One more round after the last addition, so every bouncer can have everything.
  await sleep(1000);
  await round_(false);
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => round(percentile(latencies, p) ?? NaN, 1);
  const received = bouncers.map((b) => b.received);
  return {
    cpu_cores: round(cpu / wall, 3),
    polls: latencies.length,
    p50_ms: pct(50),
    p99_ms: pct(99),
    max_ms: round(latencies[latencies.length - 1], 1),
    failed_polls: failed,
    decisions_added: added,
    failed_pushes: pushFailures,
    received_min: Math.min(...received),
    received_max: Math.max(...received),
  };
}

function alertOf(decisions: Record<string, unknown>[]): Record<string, unknown> {
  const now = new Date().toISOString();
  return { scenario: 'crowdsecurity/ssh-bf', scenario_hash: 'bench', scenario_version: '0.1', message: 'bench', events_count: 1, start_at: now, stop_at: now, capacity: 5, leakspeed: '10s', simulated: false, remediation: true, events: [], source: { scope: 'Ip', value: String(decisions[0].value), ip: String(decisions[0].value) }, decisions };
}

if (require.main === module) {
  main(async () => {
    const runs = await eachTarget(targetsFromArgs(['crowdsec', 'standalone', 'embedded', 'cluster']), measureDeltaPolls);
    saveResult({ scenario: 'delta-polls', title: 'Delta polls, 1,000 bouncers', date: new Date().toISOString(), environment: environment(), settings: SETTINGS, runs });
  });
}
