import { CapiDeletionsRepository, CapiSignalsRepository, CapiStateRepository } from '@lapi/db';
import { CapiAdmin } from '@lapi/capi';
import { CapiSim } from '@lapi/capi-sim';
import { createTestDatabase, newAlert, newDecision, pollUntil, TestDatabase } from '@lapi/testing';
import { Client } from 'pg';
import { call, startTestLapi, TestLapi } from '../../standalone/test/support/test-lapi';

jest.setTimeout(60_000);

/** Start-up never depends on CAPI: unreachable or banning, the LAPI serves and the status says why. */
describe('the LAPI with CAPI down or banning', () => {
  let db: TestDatabase;
  let sim: CapiSim;
  let lapi: TestLapi | undefined;

  beforeEach(async () => {
    sim = new CapiSim({ blocklistSize: 5 });
    await sim.start();
    db = await createTestDatabase();
    sim.machines.set('cluster-1', { password: 'pw', enrolled: false });
    const pg = new Client({ connectionString: db.url });
    await pg.connect();
    await pg.query(`UPDATE capi_state SET machine_id = 'cluster-1', password = 'pw' WHERE id = 1`);
    await pg.end();
  });
  afterEach(async () => {
    await lapi?.close();
    await sim.close();
    await db.drop();
  });

  const status = (l: TestLapi) => new CapiAdmin({ state: l.app.get(CapiStateRepository), signals: l.app.get(CapiSignalsRepository), deletions: l.app.get(CapiDeletionsRepository), config: l.config }).status();

  const serves = async (l: TestLapi) => {
    expect((await call(l, 'GET', '/health/ready')).status).toBe(200);
    const token = await l.machineToken();
    expect((await call(l, 'POST', '/v1/alerts', { token, body: [newAlert({ decisions: [newDecision({ value: '192.0.2.77' })] })] })).status).toBe(201);
    const key = await l.bouncerKey();
    expect((await call(l, 'GET', '/v1/decisions?ip=192.0.2.77', { apiKey: key })).body).toHaveLength(1);
  };

  it('serves when CAPI is unreachable, and the status says so', async () => {
    lapi = await startTestLapi({ sharedDatabaseUrl: db.url, capiUrl: 'http://127.0.0.1:1/' });
    await serves(lapi);
    const s = await pollUntil(async () => ((await status(lapi!)).lastError ? status(lapi!) : undefined), 'the CAPI error in the status');
    expect(s.lastError).toMatch(/unreachable/);
  });

  it('serves when CAPI bans the IP; the status shows the lockout and no second login is tried', async () => {
    sim.bannedUntil = Date.now() + 3600_000;
    lapi = await startTestLapi({ sharedDatabaseUrl: db.url, capiUrl: sim.url });
    await serves(lapi);
    const s = await pollUntil(async () => ((await status(lapi!)).bannedUntil ? status(lapi!) : undefined), 'the lockout in the status');
    expect(Date.parse(s.bannedUntil!)).toBeGreaterThan(Date.now() + 3600_000);
    expect(sim.requests.filter((r) => r.path === '/v3/watchers/login')).toHaveLength(1);
  });
});
