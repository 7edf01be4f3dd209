import { CapiSim } from '@lapi/capi-sim';
import { CapiHttp, CapiWorker, ManualClock, METRICS_EVERY_MS, PULL_EVERY_MS, PULL_JITTER_MS } from '@lapi/capi';
import { createTestDatabase, TestDatabase } from '@lapi/testing';
import { CapiNode, startSim } from './capi-test-kit';

jest.setTimeout(60_000);

const MINUTE = 60_000;

/** Upstream's timing on the simulated clock: pulls every 2 h with jitter, usage metrics every 30 min. */
describe('CAPI schedule', () => {
  let db: TestDatabase;
  let sim: CapiSim;
  let clock: ManualClock;
  let a: CapiNode;

  beforeEach(async () => {
    clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z'));
    db = await createTestDatabase();
    sim = await startSim(clock, { blocklistSize: 5, tokenTtlMs: 24 * 3600_000 });
    a = await CapiNode.open(db.url, sim, clock);
    await a.admin().register();
  });
  afterEach(async () => {
    await a.close();
    await sim.close();
    await db.drop();
  });

  const pulls = () => sim.requests.filter((r) => r.path === '/v3/decisions/stream').length;

  it('pulls at start, then every 2 h plus jitter; sends usage metrics every 30 min', async () => {
    await a.db.dataSource.query(`INSERT INTO machines (machine_id, version) VALUES ('m1', 'v1.6.8')`);
    await a.db.dataSource.query(`INSERT INTO bouncers (name, api_key_hash, type, version) VALUES ('fw1', 'x', 'crowdsec-firewall-bouncer', 'v0.0.28')`);
    const w = a.worker();
    const start = clock.now();
    await w.tick();
    expect(pulls()).toBe(1);
    const next = (await a.state.get()).nextPullAt!.getTime() - start;
    expect(next).toBeGreaterThanOrEqual(PULL_EVERY_MS);
    expect(next).toBeLessThanOrEqual(PULL_EVERY_MS + PULL_JITTER_MS);
    for (let t = 0; t < (5 * 3600_000) / 10_000; t++) {
      clock.advance(10_000);
      await w.tick();
    }
    expect(pulls()).toBe(3);
    expect(sim.metrics).toHaveLength(10);
    expect(sim.metrics[0]).toEqual({
      machines: [expect.objectContaining({ name: 'm1', version: 'v1.6.8' })],
      bouncers: [expect.objectContaining({ name: 'fw1', type: 'crowdsec-firewall-bouncer', version: 'v0.0.28' })],
    });
    expect(sim.requests.filter((r) => r.path === '/v3/watchers/login')).toHaveLength(1);
  });

  it("reports 1.6+ usage metrics from the leader with the legacy metrics, each payload once, with no login of its own", async () => {
    await a.db.dataSource.query(`INSERT INTO machines (machine_id, version, os_name, os_version, feature_flags, datasources, hub_state)
      VALUES ('m1', 'v1.7.8', 'debian', '12', 'a,b', '{"file": 2}', '{"collections": [{"name": "crowdsecurity/linux", "status": "official", "version": "0.2"}]}')`);
    await a.db.dataSource.query(`INSERT INTO bouncers (name, api_key_hash, type, version, last_pull) VALUES ('fw1', 'x', 'crowdsec-firewall-bouncer', 'v0.0.31', now())`);
    const window = (n: number) => ({ meta: { utc_now_timestamp: n, window_size_seconds: 900 }, items: [{ name: 'dropped', unit: 'packet', value: n }] });
    await a.usageMetrics.insert('RC', 'fw1', { type: 'crowdsec-firewall-bouncer', metrics: [window(1)] });
    await a.usageMetrics.insert('RC', 'fw1', { type: 'crowdsec-firewall-bouncer', metrics: [window(2)] });
    await a.usageMetrics.insert('LP', 'm1', { metrics: [window(3)] });
    await a.usageMetrics.insert('RC', 'deleted-bouncer', { metrics: [window(4)] });
    const leader = a.worker();
    const follower = a.worker();
    for (let t = 0; t < (65 * MINUTE) / 10_000; t++) {
      clock.advance(10_000);
      await leader.tick();
      await follower.tick();
    }
    expect(sim.usageMetrics).toHaveLength(2);
    const [first, second] = sim.usageMetrics;
    expect(first.remediation_components).toEqual([expect.objectContaining({ name: 'fw1', type: 'crowdsec-firewall-bouncer', version: 'v0.0.31', last_pull: expect.any(Number) })]);
    expect(first.remediation_components[0].metrics.map((m: any) => m.items[0].value)).toEqual([1, 2]);
    expect(first.log_processors).toEqual([expect.objectContaining({ name: 'm1', version: 'v1.7.8', os: { name: 'debian', version: '12' }, feature_flags: ['a', 'b'], datasources: { file: 2 } })]);
    expect(first.log_processors[0].hub_items.collections[0].name).toBe('crowdsecurity/linux');
    expect(first.log_processors[0].metrics.map((m: any) => m.items[0].value)).toEqual([3]);
    expect(first.lapi).toMatchObject({ version: expect.stringMatching(/^v1\./), metrics: [expect.objectContaining({ items: [] })] });
    expect(second.remediation_components[0].metrics).toEqual([]);
    expect((await a.usageMetrics.unpushed(10)).map((u) => u.generatedBy)).toEqual(['deleted-bouncer']);
    expect(sim.requests.filter((r) => r.path === '/v3/watchers/login')).toHaveLength(1);
  });

  it('keeps going when CAPI is unreachable: records the error, retries 10 minutes later', async () => {
    const offline = new CapiWorker(
      { state: a.state, decisions: a.decisions, signals: a.signals, deletions: a.deletions, usageMetrics: a.usageMetrics, http: new CapiHttp('http://127.0.0.1:1/'), publish: async () => undefined },
      { sharing: false, pull: true, clock },
    );
    await offline.tick();
    const s = await a.admin().status();
    expect(s.lastError).toMatch(/unreachable/);
    expect(s.nextPullAt).toBe(new Date(clock.now() + 10 * MINUTE).toISOString());
    expect(s.bannedUntil).toBeNull();
    // Reachable again: the next due round pulls, with one login.
    clock.advance(10 * MINUTE);
    await a.worker().tick();
    expect(pulls()).toBe(1);
    expect(METRICS_EVERY_MS).toBe(30 * MINUTE);
  });
});
