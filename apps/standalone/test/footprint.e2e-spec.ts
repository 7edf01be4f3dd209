import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildServices, residentMemory, RunningProcess, startNpmStart } from '@lapi/testing';

/**
 * A guard against regressions of the default's memory (issue #18), not the benchmark
 * (`npm run bench:footprint` measures it): generous bounds, well above what a first start takes
 * now and well below the ~900 MB it peaked at when PGlite ran initdb in the process.
 */
const FIRST_START_PEAK_MIB = 300;
const IDLE_MIB = 200;
const IDLE_AFTER_MS = 5_000;

describe('npm start on a new data directory (embedded database)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lapi-footprint-'));
  let lapi: RunningProcess | undefined;

  beforeAll(() => buildServices(), 120_000);
  afterAll(async () => {
    await lapi?.stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it(`peaks under ${FIRST_START_PEAK_MIB} MiB resident while it creates the database, and idles under ${IDLE_MIB} MiB ${IDLE_AFTER_MS / 1000} s after ready`, async () => {
    // No DATABASE_URL or NATS_URL: what a new user's `npm start` runs.
    lapi = await startNpmStart({ DATABASE_URL: '', NATS_URL: '', LAPI_DATA_DIR: dir, LAPI_JWT_SECRET: randomBytes(24).toString('hex') }, undefined, 60_000);
    const pid = lapi.proc.pid!;
    // VmHWM counts from the spawn, so read once ready it is the peak of the whole first start.
    const { peakMiB } = residentMemory(pid);
    await new Promise((r) => setTimeout(r, IDLE_AFTER_MS));
    const { rssMiB } = residentMemory(pid);
    expect(peakMiB).toBeLessThanOrEqual(FIRST_START_PEAK_MIB);
    expect(rssMiB).toBeLessThanOrEqual(IDLE_MIB);
  }, 90_000);
});
