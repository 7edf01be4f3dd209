import { randomUUID } from 'node:crypto';
import { CapiSim } from '@lapi/capi-sim';
import { LEASE_TTL_MS, ManualClock, SIGNALS_EVERY_MS } from '@lapi/capi';
import { createTestDatabase, TestDatabase } from '@lapi/testing';
import { CapiNode, startSim } from './capi-test-kit';

jest.setTimeout(60_000);

/** Alerts shared as signals: batched by 50, kept in the outbox until CAPI accepted them. */
describe('CAPI signals', () => {
  let db: TestDatabase;
  let sim: CapiSim;
  let clock: ManualClock;
  let a: CapiNode;

  beforeEach(async () => {
    clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z'));
    db = await createTestDatabase();
    sim = await startSim(clock, { blocklistSize: 5, sharing: true });
    a = await CapiNode.open(db.url, sim, clock, { capiSharing: true, capiPull: false });
    await a.admin().register();
  });
  afterEach(async () => {
    await a.close();
    await sim.close();
    await db.drop();
  });

  const addAlerts = async (n: number, extra: { simulated?: boolean } = {}) => {
    const uuids = Array.from({ length: n }, () => randomUUID());
    for (const uuid of uuids) {
      await a.db.dataSource.query(
        `INSERT INTO alerts (uuid, scenario, scenario_hash, machine_id, source_scope, source_value, simulated, started_at, stopped_at)
         VALUES ($1, 'crowdsecurity/ssh-bf', 'abc', 'm1', 'Ip', '192.0.2.1', $2, now(), now())`,
        [uuid, extra.simulated ?? false],
      );
    }
    return uuids;
  };
  const received = () => sim.signalBatches.flat().map((s) => s.uuid as string);

  it('sends new alerts in batches of at most 50, in CAPI\'s signal shape, leaving out simulated and manual ones', async () => {
    const shared = await addAlerts(120);
    await addAlerts(2, { simulated: true });
    const [manual] = await addAlerts(1);
    await a.db.dataSource.query(
      `INSERT INTO decisions (uuid, alert_id, until, type, scope, value, origin, seq) SELECT $1, id, now() + interval '1 hour', 'ban', 'Ip', '192.0.2.9', 'cscli', 1000000 FROM alerts WHERE uuid = $2`,
      [randomUUID(), manual],
    );
    // Sharing counts in the login budget only once CAPI has accepted signals (5 - 2, then 10 - 2).
    expect((await a.admin().status()).loginBudget).toBe(3);
    await a.worker().tick();
    expect(sim.signalBatches.map((b) => b.length)).toEqual([50, 50, 20]);
    expect((await a.admin().status()).loginBudget).toBe(8);
    expect(received().sort()).toEqual(shared.sort());
    expect(sim.signalBatches[0][0]).toEqual(expect.objectContaining({
      scenario: 'crowdsecurity/ssh-bf', scenario_hash: 'abc', machine_id: 'm1', scenario_trust: 'certified',
      source: expect.objectContaining({ scope: 'Ip', value: '192.0.2.1' }), start_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    }));
    expect(await a.signals.count()).toBe(0);
  });

  it('keeps signals CAPI did not accept across a crash, and the next leader sends each once', async () => {
    const uuids = await addAlerts(70);
    sim.failures.set('/v3/signals', 1);
    await a.worker().tick(); // crashes after the failed push: the lease is left to run out
    expect(received()).toEqual([]);
    expect(await a.signals.count()).toBe(70);
    clock.advance(LEASE_TTL_MS + SIGNALS_EVERY_MS);
    const later = await addAlerts(5);
    const b = await CapiNode.open(db.url, sim, clock, { capiSharing: true, capiPull: false });
    try {
      await b.worker().tick();
    } finally {
      await b.close();
    }
    expect(received().sort()).toEqual([...uuids, ...later].sort());
    expect(sim.signalBatches.map((x) => x.length)).toEqual([50, 25]);
  });

  it('does not share when sharing is off', async () => {
    await addAlerts(3);
    const quiet = await CapiNode.open(db.url, sim, clock, { capiSharing: false, capiPull: false });
    try {
      await quiet.worker().tick();
    } finally {
      await quiet.close();
    }
    expect(sim.signalBatches).toEqual([]);
  });
});
