/**
 * wrk (Debian's package) drives the HTTP load: a C load generator uses far less of the two cores
 * than a Node one would, so more of the machine is left to the server under test.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { machineTicks, stealPercent } from './proc-stats';

export interface WrkResult {
  requests: number;
  seconds: number;
  rps: number;
  p50_ms: number;
  p90_ms: number;
  p99_ms: number;
  max_ms: number;
  /** Connect, read, write and timeout errors, and answers outside 2xx/3xx. */
  errors: number;
  non2xx: number;
  /** The body of one refused request, when the script captured one. */
  sample_error?: string;
  /**
   * Share of the machine's CPU the hypervisor gave to other guests during the run: this machine
   * is a shared VM, and a run with much steal is slower for reasons of its own.
   */
  steal_pct?: number;
}

export interface WrkRun {
  url: string;
  connections: number;
  threads?: number;
  seconds: number;
  /** Lua defining `request` (and whatever it needs); the JSON reporter is appended. */
  script: string;
  env?: Record<string, string>;
}

/**
 * wrk reports latency in microseconds; `done` prints one JSON line the harness parses. A script
 * that keeps its threads in `all_threads` (from its setup) and sets `last_error` in them (from a
 * `response` callback) also gets the body of one refused request reported.
 */
const REPORTER = `
done = function(summary, latency, requests)
  if extra_report then extra_report() end
  for _, t in ipairs(all_threads or {}) do
    local body = t:get("last_error")
    if body then io.write("WRK_ERROR " .. body:gsub("\\n", " ") .. "\\n") end
  end
  local e = summary.errors
  io.write(string.format('WRK_JSON {"requests":%d,"duration_us":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,"p50":%d,"p90":%d,"p99":%d,"max":%d}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
`;

export async function runWrk(run: WrkRun): Promise<WrkResult> {
  return (await runWrkWithOutput(run)).result;
}

/** runWrk, with wrk's whole stdout for lines a script printed itself (its `extra_report`, called from `done`). */
export function runWrkWithOutput(run: WrkRun): Promise<{ result: WrkResult; stdout: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'lapi-wrk-'));
  const scriptPath = join(dir, 'script.lua');
  writeFileSync(scriptPath, run.script + REPORTER);
  const args = ['-t', String(run.threads ?? Math.min(2, run.connections)), '-c', String(run.connections), '-d', `${run.seconds}s`, '--timeout', '10s', '-s', scriptPath, run.url];
  const ticks = machineTicks();
  return new Promise((done, fail) => {
    execFile('wrk', args, { env: { ...process.env, ...run.env }, maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      const line = /WRK_JSON (.*)/.exec(stdout)?.[1];
      if (err || !line) return fail(new Error(`wrk ${args.join(' ')} failed: ${err?.message ?? ''}\n${stdout}\n${stderr}`));
      const r = JSON.parse(line) as Record<string, number>;
      const sampleError = /WRK_ERROR (.*)/.exec(stdout)?.[1];
      const seconds = r.duration_us / 1e6;
      const result: WrkResult = {
        requests: r.requests,
        seconds: round(seconds, 2),
        rps: Math.round(r.requests / seconds),
        p50_ms: round(r.p50 / 1000, 2),
        p90_ms: round(r.p90 / 1000, 2),
        p99_ms: round(r.p99 / 1000, 2),
        max_ms: round(r.max / 1000, 2),
        errors: r.connect + r.read + r.write + r.timeout + r.status,
        non2xx: r.status,
        ...(sampleError ? { sample_error: sampleError.slice(0, 300) } : {}),
        steal_pct: stealPercent(ticks, machineTicks()),
      };
      done({ result, stdout });
    });
  });
}

/** Several wrk runs at once (one per replica); their requests add up and the worst latency stands. */
export async function runWrkTogether(runs: WrkRun[]): Promise<WrkResult> {
  const results = await Promise.all(runs.map(runWrk));
  const sum = (f: (r: WrkResult) => number) => results.reduce((a, r) => a + f(r), 0);
  const worst = (f: (r: WrkResult) => number) => Math.max(...results.map(f));
  return {
    requests: sum((r) => r.requests),
    seconds: worst((r) => r.seconds),
    rps: sum((r) => r.rps),
    p50_ms: worst((r) => r.p50_ms),
    p90_ms: worst((r) => r.p90_ms),
    p99_ms: worst((r) => r.p99_ms),
    max_ms: worst((r) => r.max_ms),
    errors: sum((r) => r.errors),
    non2xx: sum((r) => r.non2xx),
    steal_pct: worst((r) => r.steal_pct ?? 0),
  };
}

/**
 * Runs taken one after the other (rounds of one load) as one result: requests and seconds add
 * up, p50 is the middle round's, the worst p99 and max stand, steal is averaged.
 */
export function combineRounds(rounds: WrkResult[]): WrkResult {
  const sum = (f: (r: WrkResult) => number) => rounds.reduce((a, r) => a + f(r), 0);
  const worst = (f: (r: WrkResult) => number) => Math.max(...rounds.map(f));
  const median = (f: (r: WrkResult) => number) => rounds.map(f).sort((a, b) => a - b)[Math.floor(rounds.length / 2)];
  const seconds = sum((r) => r.seconds);
  return {
    requests: sum((r) => r.requests),
    seconds: round(seconds, 2),
    rps: Math.round(sum((r) => r.requests) / seconds),
    p50_ms: median((r) => r.p50_ms),
    p90_ms: median((r) => r.p90_ms),
    p99_ms: worst((r) => r.p99_ms),
    max_ms: worst((r) => r.max_ms),
    errors: sum((r) => r.errors),
    non2xx: sum((r) => r.non2xx),
    steal_pct: round(sum((r) => r.steal_pct ?? 0) / rounds.length, 1),
  };
}

/** A script that sends GET requests for the paths in a file, in turn, with one header. */
export function rotatingGets(paths: string[], header: [string, string]): { script: string; env: Record<string, string> } {
  const dir = mkdtempSync(join(tmpdir(), 'lapi-wrk-paths-'));
  const file = join(dir, 'paths.txt');
  writeFileSync(file, paths.join('\n') + '\n');
  const script = `
local paths = {}
for line in io.lines(os.getenv("WRK_PATHS")) do paths[#paths + 1] = line end
local headers = { [${JSON.stringify(header[0])}] = os.getenv("WRK_HEADER") }
local i = math.random(#paths)
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i], headers)
end
`;
  return { script, env: { WRK_PATHS: file, WRK_HEADER: header[1] } };
}

export function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
