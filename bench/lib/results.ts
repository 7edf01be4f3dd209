import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { crowdsecVersion, ourVersion, startTarget, Target, TargetName } from './targets';

export const RESULTS_DIR = resolve(__dirname, '../results');

export interface ScenarioResult<T = unknown> {
  scenario: string;
  title: string;
  date: string;
  environment: Environment;
  /** What the scenario measured, per server. */
  runs: Partial<Record<TargetName | 'hello-world', T>>;
  /** Settings the scenario ran with. */
  settings: Record<string, unknown>;
  /** When each server's figures were taken, and on which commit: a partial rerun keeps the others'. */
  run_dates?: Partial<Record<TargetName | 'hello-world', RunStamp>>;
}

export interface Environment {
  cpus: number;
  cpu_model: string;
  memory_gib: number;
  node: string;
  crowdsec: string;
  lapi_cluster: string;
  load_tool: string;
}

export function environment(): Environment {
  return {
    cpus: cpus().length,
    cpu_model: cpus()[0]?.model ?? 'unknown',
    memory_gib: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    crowdsec: crowdsecVersion(),
    lapi_cluster: ourVersion(),
    load_tool: `wrk ${debianVersion('wrk')} (the loads), curl ${debianVersion('curl')} (stream startups), from Debian`,
  };
}

/** The installed Debian package's version, upstream part only. */
function debianVersion(pkg: string): string {
  try {
    return execFileSync('dpkg-query', ['-W', '-f', '${Version}', pkg], { encoding: 'utf8' }).replace(/^\d+:/, '').replace(/-[^-]*$/, '');
  } catch {
    return '(not installed)';
  }
}

/**
 * Writes a scenario's results. Servers this run did not measure keep their figures from the file,
 * with their own dates, when they ran with the same settings; a rerun of one server never erases
 * the others'.
 */
export function saveResult(result: ScenarioResult): void {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const merged = mergeRuns(loadResult(result.scenario), result);
  writeFileSync(join(RESULTS_DIR, `${result.scenario}.json`), JSON.stringify(merged, null, 2) + '\n');
  console.log(`[bench] ${result.scenario}: ${JSON.stringify(result.runs)}`);
}

/** When, at which commit and on which machine a server's figures were taken (recorded since 2026-12-04; older stamps lack the machine). */
export interface RunStamp {
  date: string;
  lapi_cluster: string;
  machine?: string;
}

export const machineOf = (e: Environment) => `${e.cpus} × ${e.cpu_model}`;

export function mergeRuns(previous: ScenarioResult | undefined, result: ScenarioResult): ScenarioResult {
  const stamp: RunStamp = { date: result.date, lapi_cluster: result.environment.lapi_cluster, machine: machineOf(result.environment) };
  const fresh = Object.fromEntries(Object.keys(result.runs).map((name) => [name, stamp]));
  if (!previous) return { ...result, run_dates: fresh };
  if (JSON.stringify(previous.settings) !== JSON.stringify(result.settings)) {
    console.warn(`[bench] ${result.scenario}: settings changed since the saved run; the other servers' figures are dropped`);
    return { ...result, run_dates: fresh };
  }
  const kept = previous.run_dates ?? Object.fromEntries(Object.keys(previous.runs).map((name) => [name, { date: previous.date, lapi_cluster: previous.environment.lapi_cluster }]));
  return { ...result, runs: { ...previous.runs, ...result.runs }, run_dates: { ...kept, ...fresh } };
}

export function loadResult<T>(scenario: string): ScenarioResult<T> | undefined {
  const path = join(RESULTS_DIR, `${scenario}.json`);
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as ScenarioResult<T>) : undefined;
}

/** Starts one server at a time (only one runs while it is measured), runs the measurement, always stops it. */
export async function eachTarget<T>(names: TargetName[], measure: (t: Target) => Promise<T>): Promise<Partial<Record<TargetName, T>>> {
  const out: Partial<Record<TargetName, T>> = {};
  for (const name of names) {
    console.log(`[bench] starting ${name}`);
    const target = await startTarget(name);
    try {
      out[name] = await measure(target);
    } finally {
      await target.stop();
    }
  }
  return out;
}

/** Names given on the command line (crowdsec, standalone, embedded, cluster), or all of `all`. */
export function targetsFromArgs(all: TargetName[] = ['crowdsec', 'standalone', 'cluster']): TargetName[] {
  const asked = process.argv.slice(2).filter((a): a is TargetName => all.includes(a as TargetName));
  return asked.length ? asked : all;
}

export function main(run: () => Promise<void>): void {
  run().then(
    () => process.exit(0),
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
