import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CapiAdmin, CapiWorker } from '@lapi/capi';
import { CapiSim } from '@lapi/capi-sim';
import { CapiDeletionsRepository, CapiSignalsRepository, CapiStateRepository } from '@lapi/db';
import { createTestDatabase, lapictlWith, newAlert, newDecision, pollUntil, TestDatabase } from '@lapi/testing';
import { call, startTestLapi, TestLapi } from '../../standalone/test/support/test-lapi';

jest.setTimeout(180_000);

/**
 * Upstream's share_manual_decisions end to end: a manual decision goes to CAPI as a signal, and
 * its deletion (by a machine's DELETE /v1/decisions, or lapictl) reaches POST /v3/decisions/delete
 * once, though CAPI is down when it is made and the LAPI restarts before sending it.
 */
describe.each([
  ['Postgres', false],
  ['the embedded database', true],
])('manual deletions reported to CAPI, on %s', (_name, embedded) => {
  const root = mkdtempSync(join(tmpdir(), 'lapi-capi-deletions-'));
  const dataDir = join(root, 'data');
  let db: TestDatabase | undefined;
  let sim: CapiSim;
  let lapi: TestLapi | undefined;
  const lapictl = lapictlWith(() => ({
    NATS_URL: '', LAPI_CAPI_SHARE_MANUAL_DECISIONS: 'true', ...(embedded ? { LAPI_DATA_DIR: dataDir, DATABASE_URL: '' } : { DATABASE_URL: db!.url }),
  }));

  beforeAll(async () => {
    sim = new CapiSim({ blocklistSize: 3, sharing: true });
    await sim.start();
    if (!embedded) db = await createTestDatabase();
  });
  afterAll(async () => {
    await lapi?.close();
    await sim.close();
    await db?.drop();
    rmSync(root, { recursive: true, force: true });
  });

  const start = () =>
    startTestLapi({
      ...(embedded ? { embeddedDir: dataDir } : { sharedDatabaseUrl: db!.url }),
      capiUrl: sim.url, capiSharing: true, capiShareManualDecisions: true, capiPull: false,
    });
  const admin = (l: TestLapi) => new CapiAdmin({ state: l.app.get(CapiStateRepository), signals: l.app.get(CapiSignalsRepository), deletions: l.app.get(CapiDeletionsRepository), config: l.config });
  const sharedUuids = () => sim.signalBatches.flat().flatMap((s) => (s.decisions as { uuid: string; value: string }[]).map((d) => [d.value, d.uuid]));

  it('shares two manual decisions, and reports each deletion exactly once though CAPI was down and the LAPI restarted', async () => {
    lapi = await start();
    await admin(lapi).register();
    await admin(lapi).enroll('attachment-key');
    const token = await lapi.machineToken('cscli-host');
    for (const value of ['192.0.2.60', '192.0.2.61']) {
      const alert = newAlert({ scenario: `manual 'ban' from 'cscli-host'`, sourceValue: value, decisions: [newDecision({ value, scenario: `manual 'ban' from 'cscli-host'` })] });
      expect((await call(lapi, 'POST', '/v1/alerts', { token, body: [alert] })).status).toBe(201);
    }
    await lapi.app.get(CapiWorker).tick();
    const shared = new Map(sharedUuids() as [string, string][]);
    expect([...shared.keys()].sort()).toEqual(['192.0.2.60', '192.0.2.61']);
    expect(sim.signalBatches.flat().map((s) => s.scenario_trust)).toEqual(['manual', 'manual']);

    // CAPI goes down; one decision is deleted by a machine, the other by lapictl.
    const port = Number(new URL(sim.url).port);
    await sim.close();
    expect((await call(lapi, 'DELETE', '/v1/decisions?ip=192.0.2.60', { token })).body).toEqual({ nbDeleted: '1' });
    await lapictl({}, 'decisions', 'delete', '-i', '192.0.2.61');
    await lapi.app.get(CapiWorker).tick();
    expect((await admin(lapi).status()).queuedDeletions).toBe(2);
    expect(sim.deletionBatches).toEqual([]);

    // The LAPI restarts (the queue is all it keeps), and CAPI is back.
    await lapi.close();
    await sim.start(port);
    lapi = await start();
    await pollUntil(async () => sim.deletionBatches.flat().length >= 2, 'both deletions at CAPI');
    await lapi.app.get(CapiWorker).tick();
    expect(sim.deletionBatches.flat().sort()).toEqual([shared.get('192.0.2.60'), shared.get('192.0.2.61')].sort());
    expect(await lapi.app.get(CapiDeletionsRepository).count()).toBe(0);
    expect(sim.requests.filter((r) => r.path === '/v3/decisions/delete' && r.status === 200)).toHaveLength(sim.deletionBatches.length);
  });
});
