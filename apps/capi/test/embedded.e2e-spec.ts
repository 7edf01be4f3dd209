import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CapiAdmin, CapiWorker } from '@lapi/capi';
import { CapiSim } from '@lapi/capi-sim';
import { CapiDeletionsRepository, CapiSignalsRepository, CapiStateRepository } from '@lapi/db';
import { pollUntil } from '@lapi/testing';
import { call, startTestLapi, TestLapi } from '../../standalone/test/support/test-lapi';

jest.setTimeout(120_000);

/** The embedded database is single-session: the lease row (not a session lock) still makes one client. */
describe('CAPI on the embedded database', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lapi-capi-embedded-'));
  let sim: CapiSim;
  let lapi: TestLapi | undefined;

  beforeAll(async () => {
    sim = new CapiSim({ blocklistSize: 30 });
    await sim.start();
  });
  afterAll(async () => {
    await lapi?.close();
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const admin = (l: TestLapi) => new CapiAdmin({ state: l.app.get(CapiStateRepository), signals: l.app.get(CapiSignalsRepository), deletions: l.app.get(CapiDeletionsRepository), config: l.config });
  const logins = () => sim.requests.filter((r) => r.path === '/v3/watchers/login').length;

  it('registers, leads, pulls the blocklist to bouncers, and keeps its token across a restart', async () => {
    lapi = await startTestLapi({ embeddedDir: dir, capiUrl: sim.url, capiSharing: false });
    await admin(lapi).register();
    await lapi.app.get(CapiWorker).tick();
    const key = await lapi.bouncerKey();
    const first = await call(lapi, 'GET', '/v1/decisions/stream?startup=true', { apiKey: key });
    expect((first.body.new ?? []).map((d: { value: string }) => d.value).sort()).toEqual([...sim.blocklist].sort());
    expect(logins()).toBe(1);
    expect((await admin(lapi).status()).leader).toBe(lapi.app.get(CapiWorker).holder);
    await lapi.close();

    sim.changeBlocklist(0.1);
    lapi = await startTestLapi({ embeddedDir: dir, capiUrl: sim.url, capiSharing: false });
    const worker = lapi.app.get(CapiWorker);
    // The previous leader let go of the lease on shutdown: this one leads on its first round.
    await pollUntil(async () => (await admin(lapi!).status()).leader === worker.holder, 'the restarted node to lead');
    await worker.blocklist.pull();
    const next = await call(lapi, 'GET', '/v1/decisions/stream', { apiKey: key });
    expect(next.body.new).toHaveLength(3);
    expect(next.body.deleted).toHaveLength(3);
    expect(logins()).toBe(1);
  });
});
