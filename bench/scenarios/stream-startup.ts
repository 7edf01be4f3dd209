/**
 * Scenario 2: stream startup. `GET /v1/decisions/stream?startup=true` with 100,000 and then
 * 1,000,000 active decisions: time to the full body, and the serving process's peak memory.
 * The body is received by curl, as a bouncer written in Go receives it: Node's fetch took 0.4
 * to 0.6 s to receive 135 MB that a plain server sent at once (curl: 0.03 s), which would have
 * measured the bench's client more than the server.
 * Run: npm run bench:stream [crowdsec|standalone|cluster ...]
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { loadDecisions } from '../lib/load';
import { peakRssMiB, resetPeakRss } from '../lib/proc-stats';
import { eachTarget, environment, main, saveResult, targetsFromArgs } from '../lib/results';
import { Target } from '../lib/targets';
import { round } from '../lib/wrk';

const execFileAsync = promisify(execFile);

const SIZES = [100_000, 1_000_000];
const REPEATS = 3;

export interface StartupReading {
  decisions: number;
  /** Median of the repeats. */
  seconds: number;
  all_seconds: number[];
  body_mb: number;
  /** Highest peak RSS of the serving process over the repeats (MiB). */
  peak_rss_mib: number;
  load_seconds: number;
}

export async function measureStreamStartup(t: Target): Promise<StartupReading[]> {
  const jwt = await t.login();
  const keys = await t.addBouncers(REPEATS * SIZES.length);
  // The replica answering; the others (and ingest) are not what a bouncer waits for.
  const servingPid = t.pids()[t.name === 'cluster' ? 2 : 0];
  const readings: StartupReading[] = [];
  let loaded = 0;
  for (const [s, size] of SIZES.entries()) {
    const load_seconds = await loadDecisions(t.ingestUrl, jwt, loaded, size);
    loaded = size;
    await settle(t, keys[s * REPEATS], size);
    const times: number[] = [];
    let bytes = 0;
    let peak = 0;
    for (let r = 0; r < REPEATS; r++) {
      resetPeakRss([servingPid]);
      const { seconds, body } = await startup(t.decisionUrls[0], keys[s * REPEATS + r]);
      times.push(seconds);
      peak = Math.max(peak, peakRssMiB([servingPid])[0]);
      bytes = body.length;
      const count = decisionsIn(body);
      if (count !== size) throw new Error(`${t.name} startup gave ${count} decisions, expected ${size}`);
    }
    const sorted = [...times].sort((a, b) => a - b);
    readings.push({ decisions: size, seconds: round(sorted[1], 3), all_seconds: times.map((x) => round(x, 3)), body_mb: round(bytes / 1e6, 1), peak_rss_mib: peak, load_seconds: round(load_seconds, 1) });
  }
  return readings;
}

/** One startup through curl: the time from connecting to the last byte, as curl measured it, and the body. */
async function startup(url: string, key: string): Promise<{ seconds: number; body: Buffer }> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-stream-'));
  const file = join(dir, 'body.json');
  try {
    const args = ['-sS', '-o', file, '-w', '%{http_code} %{time_total}', '-H', `x-api-key: ${key}`, `${url}/v1/decisions/stream?startup=true`];
    const { stdout } = await execFileAsync('curl', args);
    const [status, seconds] = stdout.trim().split(' ');
    if (status !== '200') throw new Error(`startup answered ${status}`);
    return { seconds: Number(seconds), body: readFileSync(file) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** How many decisions a startup body lists as new. */
function decisionsIn(body: Buffer): number {
  return (JSON.parse(body.toString()) as { new: unknown[] | null }).new?.length ?? 0;
}

/** Waits until a replica holds everything loaded (the cluster's replicas follow the bus), so the timed runs measure serving only. */
async function settle(t: Target, key: string, size: number): Promise<void> {
  if (t.name !== 'cluster') return;
  const deadline = Date.now() + 60_000;
  for (;;) {
    const { body } = await startup(t.decisionUrls[0], key);
    if (decisionsIn(body) === size) return;
    if (Date.now() > deadline) throw new Error('the replica never caught up with the load');
  }
}

if (require.main === module) {
  main(async () => {
    const runs = await eachTarget(targetsFromArgs(), measureStreamStartup);
    saveResult({ scenario: 'stream-startup', title: 'Stream startup', date: new Date().toISOString(), environment: environment(), settings: { sizes: SIZES, repeats: REPEATS }, runs });
  });
}
