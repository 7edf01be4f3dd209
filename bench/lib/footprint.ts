/**
 * The footprint scenario's figures (bench/scenarios/footprint.ts) and the targets of issue #18
 * they are judged by: kept apart from the scenario so the report and its spec read them without
 * starting anything.
 */

/**
 * One start of one process: spawn to ready, its peak resident set over the start, and its resident
 * set once idle (MiB): `idle_mib` once V8's idle-time collector has had its turn (the scenario's
 * idle_after_s), `idle_early_mib` sooner (early_idle_s), when a process may still hold its start-up's garbage.
 */
export interface StartReading {
  ready_s: number;
  peak_mib: number;
  idle_early_mib?: number;
  idle_mib: number;
}

/** A process's resident set once the server holds `decisions` active decisions (right after the load, and idle_after_s later), and its peak while they were loaded (MiB). */
export interface DecisionsReading {
  decisions: number;
  rss_mib: number;
  settled_mib?: number;
  load_peak_mib: number;
}

export interface ProcessFootprint {
  /** standalone, crowdsec, or a cluster service: ingest, registration, decisions-1, decisions-2. */
  service: string;
  first_start: StartReading;
  restart: StartReading;
  decisions: DecisionsReading[];
  /** Peak resident set during the ingestion scenario's load (reset before it). */
  ingestion_peak_mib: number;
}

export interface FootprintResult {
  /** What "ready" means: our GET /health answering 200; CrowdSec 1.4.6 has no /health, so its first HTTP answer. */
  ready_on: 'health 200' | 'first HTTP answer';
  processes: ProcessFootprint[];
  /** 1, 5 and 15-minute load averages of the machine when this server's run began and ended. */
  load_average: { start: number[]; end: number[] };
}

/** A server's memory: the sum over its processes (one for CrowdSec and a standalone). */
export function total(r: FootprintResult): ProcessFootprint {
  if (r.processes.length === 1) return r.processes[0];
  const sum = (f: (p: ProcessFootprint) => number) => r.processes.reduce((a, p) => a + f(p), 0);
  const max = (f: (p: ProcessFootprint) => number) => Math.max(...r.processes.map(f));
  const start = (k: 'first_start' | 'restart'): StartReading => ({ ready_s: max((p) => p[k].ready_s), peak_mib: sum((p) => p[k].peak_mib), idle_early_mib: sum((p) => p[k].idle_early_mib ?? NaN), idle_mib: sum((p) => p[k].idle_mib) });
  const sizes = r.processes[0].decisions.map((d) => d.decisions);
  return {
    service: 'all',
    first_start: start('first_start'),
    restart: start('restart'),
    decisions: sizes.map((decisions) => ({
      decisions,
      rss_mib: sum((p) => p.decisions.find((d) => d.decisions === decisions)?.rss_mib ?? 0),
      settled_mib: sum((p) => p.decisions.find((d) => d.decisions === decisions)?.settled_mib ?? NaN),
      load_peak_mib: sum((p) => p.decisions.find((d) => d.decisions === decisions)?.load_peak_mib ?? 0),
    })),
    ingestion_peak_mib: sum((p) => p.ingestion_peak_mib),
  };
}

export interface TargetCheck {
  /** What is measured, as the issue states it. */
  what: string;
  /** The bound, e.g. "≤ 150 MiB". */
  bound: string;
  unit: 'MiB' | 's';
  /** Our figure; undefined when that server was not run. */
  value?: number;
  /** CrowdSec's figure for the same reading, for comparison (whole server). */
  crowdsec?: number;
  met?: boolean;
}

type Pick = (p: ProcessFootprint) => number | undefined;

interface Target {
  what: string;
  limit: number;
  /** true: the figure must stay under the limit; false: at most the limit. */
  strict: boolean;
  unit: 'MiB' | 's';
  pick: Pick;
}

const withDecisions = (n: number): Pick => (p) => p.decisions.find((d) => d.decisions === n)?.rss_mib;
const settledWith = (n: number): Pick => (p) => p.decisions.find((d) => d.decisions === n)?.settled_mib;

const EMBEDDED: Target[] = [
  { what: 'idle after the first start', limit: 150, strict: false, unit: 'MiB', pick: (p) => p.first_start.idle_mib },
  { what: 'idle after a restart', limit: 150, strict: false, unit: 'MiB', pick: (p) => p.restart.idle_mib },
  { what: 'with 100,000 decisions, right after loading them', limit: 250, strict: true, unit: 'MiB', pick: withDecisions(100_000) },
  { what: 'with 100,000 decisions, idle', limit: 250, strict: true, unit: 'MiB', pick: settledWith(100_000) },
  { what: 'peak under the ingestion load', limit: 250, strict: true, unit: 'MiB', pick: (p) => p.ingestion_peak_mib },
  { what: 'peak while creating the database (first start)', limit: 300, strict: true, unit: 'MiB', pick: (p) => p.first_start.peak_mib },
  { what: '`/health` 200 on an existing database (restart)', limit: 1.5, strict: false, unit: 's', pick: (p) => p.restart.ready_s },
  { what: '`/health` 200 on the very first start', limit: 5, strict: false, unit: 's', pick: (p) => p.first_start.ready_s },
];

const SERVICE: Target[] = [
  { what: 'idle after the first start', limit: 100, strict: false, unit: 'MiB', pick: (p) => p.first_start.idle_mib },
  { what: 'idle after a restart', limit: 100, strict: false, unit: 'MiB', pick: (p) => p.restart.idle_mib },
];
const REPLICA: Target[] = [
  { what: 'with 100,000 decisions, right after loading them', limit: 200, strict: true, unit: 'MiB', pick: withDecisions(100_000) },
  { what: 'with 100,000 decisions, idle', limit: 200, strict: true, unit: 'MiB', pick: settledWith(100_000) },
];

function check(t: Target, who: string, ours: ProcessFootprint | undefined, crowdsec: ProcessFootprint | undefined): TargetCheck {
  const value = ours && t.pick(ours);
  const met = value === undefined ? undefined : t.strict ? value < t.limit : value <= t.limit;
  return { what: `${who}: ${t.what}`, bound: `${t.strict ? '<' : '≤'} ${t.limit} ${t.unit}`, unit: t.unit, value, crowdsec: crowdsec && t.pick(crowdsec), met };
}

/** Issue #18's targets, each beside our figure and CrowdSec's: the embedded default's, then each cluster service's on Postgres. */
export function footprintTargets(runs: { crowdsec?: FootprintResult; embedded?: FootprintResult; cluster?: FootprintResult }): TargetCheck[] {
  const cs = runs.crowdsec && total(runs.crowdsec);
  const embedded = runs.embedded && total(runs.embedded);
  const checks = EMBEDDED.map((t) => check(t, 'embedded', embedded, cs));
  for (const p of runs.cluster?.processes ?? []) {
    for (const t of p.service.startsWith('decisions') ? [...SERVICE, ...REPLICA] : SERVICE) checks.push(check(t, `cluster ${p.service}`, p, cs));
  }
  return checks;
}
