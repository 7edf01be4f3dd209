import { randomUUID } from 'node:crypto';
import { CapiSim } from '@lapi/capi-sim';
import { CapiWorker, LEASE_TTL_MS, ManualClock, SIGNALS_EVERY_MS } from '@lapi/capi';
import { DecisionsRepository } from '@lapi/db';
import { createTestDatabase, TestDatabase } from '@lapi/testing';
import { CapiNode, startSim } from './capi-test-kit';

jest.setTimeout(60_000);

const MINUTE = 60_000;

/** Manual deletions reported to CAPI's POST /v3/decisions/delete, from an outbox the deleting transaction fills. */
describe('CAPI manual deletions', () => {
  let db: TestDatabase;
  let sim: CapiSim;
  let clock: ManualClock;
  let a: CapiNode;
  let decisions: DecisionsRepository;

  beforeEach(async () => {
    clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z'));
    db = await createTestDatabase();
    sim = await startSim(clock, { blocklistSize: 5, sharing: true });
    a = await CapiNode.open(db.url, sim, clock, { capiSharing: true, capiShareManualDecisions: true, capiPull: false });
    await a.admin().register();
    await a.admin().enroll('attachment-key');
    decisions = new DecisionsRepository(a.db.dataSource);
  });
  afterEach(async () => {
    await a.close();
    await sim.close();
    await db.drop();
  });

  /** A manual decision as cscli adds it: an alert holding one decision of origin cscli. Returns the decisions' uuids. */
  const addManual = async (n = 1, value = '192.0.2.9') => {
    const alert = randomUUID();
    await a.db.dataSource.query(
      `INSERT INTO alerts (uuid, scenario, scenario_hash, machine_id, source_scope, source_value, simulated, started_at, stopped_at)
       VALUES ($1, $2, '', 'lapictl', 'Ip', $3, false, now(), now())`,
      [alert, "manual 'ban' from 'lapictl'", value],
    );
    const uuids = Array.from({ length: n }, () => randomUUID());
    for (const [i, uuid] of uuids.entries()) {
      await a.db.dataSource.query(
        `INSERT INTO decisions (uuid, alert_id, until, scenario, type, scope, value, origin, seq)
         SELECT $1, id, now() + interval '4 hours', scenario, 'ban', 'Ip', $3, 'cscli', (SELECT greatest(coalesce(max(seq), 0), (SELECT seq FROM change_head)) FROM decisions) + 1000 + $4 FROM alerts WHERE uuid = $2`,
        [uuid, alert, value, i],
      );
    }
    return uuids;
  };
  const share = { toCapi: true };
  const deleted = () => sim.deletionBatches.flat();
  const nextRound = async (worker: CapiWorker) => {
    clock.advance(SIGNALS_EVERY_MS);
    await worker.tick();
  };

  it('shares a manual decision as a signal carrying its uuid, then reports its deletion once, as upstream\'s body: an array of uuids', async () => {
    const [uuid] = await addManual();
    const worker = a.worker();
    await worker.tick();
    const [signal] = sim.signalBatches.flat();
    expect(signal).toEqual(expect.objectContaining({ scenario_trust: 'manual', scenario: "manual 'ban' from 'lapictl'" }));
    expect(signal.decisions).toEqual([expect.objectContaining({ uuid, origin: 'cscli', scope: 'Ip', value: '192.0.2.9', type: 'ban', duration: '14400s' })]);

    expect(await decisions.endByFilter({ value: '192.0.2.9' }, async () => undefined, undefined, share)).toBe(1);
    expect(await a.deletions.count()).toBe(1);
    clock.advance(SIGNALS_EVERY_MS);
    await worker.tick();
    expect(sim.deletionBatches).toEqual([[uuid]]);
    expect(await a.deletions.count()).toBe(0);
    clock.advance(SIGNALS_EVERY_MS);
    await worker.tick();
    expect(deleted()).toEqual([uuid]);
  });

  it('sends deletions in batches of at most 50, oldest first', async () => {
    const uuids = await addManual(120);
    const worker = a.worker();
    await worker.tick();
    for (const uuid of uuids) {
      const [row] = await a.db.dataSource.query('SELECT id FROM decisions WHERE uuid = $1', [uuid]);
      await decisions.endById(Number(row.id), share);
    }
    await nextRound(worker);
    expect(sim.deletionBatches.map((b) => b.length)).toEqual([50, 50, 20]);
    expect(deleted()).toEqual(uuids);
  });

  it('keeps a deletion while CAPI is down and sends it once when it is back, even from the next leader after a crash', async () => {
    const [uuid] = await addManual();
    const worker = a.worker();
    await worker.tick();
    await decisions.endByFilter({ value: '192.0.2.9' }, async () => undefined, undefined, share);
    const port = Number(new URL(sim.url).port);
    await sim.close();
    await nextRound(worker); // fails (unreachable); this node crashes after it, leaving the lease to run out
    expect(await a.deletions.count()).toBe(1);
    await sim.start(port);
    clock.advance(LEASE_TTL_MS);
    const b = await CapiNode.open(db.url, sim, clock, { capiSharing: true, capiShareManualDecisions: true, capiPull: false });
    try {
      const next = b.worker();
      await nextRound(next);
      await nextRound(next);
    } finally {
      await b.close();
    }
    expect(deleted()).toEqual([uuid]);
    expect(await a.deletions.count()).toBe(0);
  });

  it('retries a deletion CAPI refused with a 500 ten minutes later, and sends it once', async () => {
    const [uuid] = await addManual();
    const worker = a.worker();
    await worker.tick();
    await decisions.endByFilter({ value: '192.0.2.9' }, async () => undefined, undefined, share);
    sim.failures.set('/v3/decisions/delete', 1);
    clock.advance(SIGNALS_EVERY_MS);
    await worker.tick();
    expect(deleted()).toEqual([]);
    clock.advance(SIGNALS_EVERY_MS);
    await worker.tick();
    expect(deleted()).toEqual([]); // not before the retry time
    clock.advance(10 * MINUTE);
    await worker.tick();
    clock.advance(SIGNALS_EVERY_MS);
    await worker.tick();
    expect(deleted()).toEqual([uuid]);
  });

  it('queues nothing for a deletion not shared, or on a site not enrolled (upstream reports through its console client)', async () => {
    await addManual(1, '192.0.2.20');
    await addManual(1, '192.0.2.21');
    await decisions.endByFilter({ value: '192.0.2.20' }, async () => undefined);
    expect(await a.deletions.count()).toBe(0);
    await a.state.setEnrolled(false);
    await decisions.endByFilter({ value: '192.0.2.21' }, async () => undefined, undefined, share);
    expect(await a.deletions.count()).toBe(0);
  });

  it('leaves manual decisions out of the signals when they are not shared', async () => {
    await addManual();
    const quiet = await CapiNode.open(db.url, sim, clock, { capiSharing: true, capiShareManualDecisions: false, capiPull: false });
    try {
      await quiet.worker().tick();
    } finally {
      await quiet.close();
    }
    expect(sim.signalBatches).toEqual([]);
  });
});
