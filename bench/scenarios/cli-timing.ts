/**
 * How long an operator waits for the admin command: `lapictl --help` and `lapictl decisions list`
 * beside `cscli --help` and `cscli decisions list` (cscli through our standalone LAPI, lapictl
 * straight from the same database), each the median of several runs on the same data.
 * Writes bench/results/cli.json; `npm run bench:cli`.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildServices, createCscli, startService } from '@lapi/testing';
import { environment, main, saveResult } from '../lib/results';
import { createDatabase } from '../lib/targets';

const RUNS = 7;
const DECISIONS = 200;
const ROOT = resolve(__dirname, '../..');
const LAPICTL = join(ROOT, 'scripts/lapictl.js');

interface Timing {
  median_ms: number;
  min_ms: number;
  max_ms: number;
  runs: number;
}

/** Runs a command `RUNS` times after one warm-up (the OS file cache), failing on a non-zero exit. */
function time(cmd: string, args: string[], env: Record<string, string>): Timing {
  const once = () => {
    const start = process.hrtime.bigint();
    const res = spawnSync(cmd, args, { env: { ...process.env, ...env }, encoding: 'utf8' });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (res.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${res.status}: ${res.stderr}`);
    return ms;
  };
  once();
  const samples = Array.from({ length: RUNS }, once).sort((a, b) => a - b);
  const round = (n: number) => Math.round(n);
  return { median_ms: round(samples[Math.floor(RUNS / 2)]), min_ms: round(samples[0]), max_ms: round(samples[RUNS - 1]), runs: RUNS };
}

main(async () => {
  buildServices();
  const db = await createDatabase();
  const dir = mkdtempSync(join(tmpdir(), 'bench-cli-'));
  // lapictl on Postgres, and on the embedded database that a running LAPI serves (the default).
  const databases = { standalone: { DATABASE_URL: db.url, NATS_URL: '' }, embedded: { DATABASE_URL: '', LAPI_DATA_DIR: join(dir, 'data'), NATS_URL: '' } };
  const lapis = await Promise.all(Object.values(databases).map((env) => startService('standalone', env)));
  try {
    const csv = join(dir, 'decisions.csv');
    writeFileSync(csv, ['value,reason', ...Array.from({ length: DECISIONS }, (_, i) => `10.0.${i >> 8}.${i & 255},bench ${i}`)].join('\n'));
    const lapictl = (env: Record<string, string>, ...args: string[]) => {
      const res = spawnSync(process.execPath, [LAPICTL, ...args], { env: { ...process.env, ...env }, encoding: 'utf8' });
      if (res.status !== 0) throw new Error(`lapictl ${args.join(' ')}: ${res.stderr}`);
    };
    for (const env of Object.values(databases)) lapictl(env, 'decisions', 'import', '-i', csv);
    const cscli = createCscli({ url: lapis[0].url, dir: join(dir, 'cscli') });
    lapictl(databases.standalone, 'machines', 'add', 'bench-cscli', '--auto', '-f', cscli.credentialsPath, '-u', `${lapis[0].url}/`);

    const cscliArgs = ['-c', cscli.configPath];
    const lapictlRuns = (env: Record<string, string>) => ({
      help: time(process.execPath, [LAPICTL, '--help'], env),
      decisions_list: time(process.execPath, [LAPICTL, 'decisions', 'list'], env),
    });
    const runs = {
      crowdsec: {
        help: time('cscli', [...cscliArgs, '--help'], {}),
        decisions_list: time('cscli', [...cscliArgs, 'decisions', 'list'], {}),
      },
      standalone: lapictlRuns(databases.standalone),
      embedded: lapictlRuns(databases.embedded),
    };
    saveResult({
      scenario: 'cli',
      title: 'Admin command start-up: --help and decisions list',
      date: new Date().toISOString(),
      environment: environment(),
      runs,
      settings: { runs: RUNS, decisions: DECISIONS, cscli: 'cscli 1.4.6 through our standalone LAPI (HTTP)', lapictl: 'node scripts/lapictl.js, straight to the database a running LAPI uses (Postgres, or the embedded one)' },
    });
  } finally {
    await Promise.all(lapis.map((l) => l.stop()));
    rmSync(dir, { recursive: true, force: true });
    await db.drop();
  }
});
