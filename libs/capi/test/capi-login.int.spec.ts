import { randomUUID } from 'node:crypto';
import { CapiSim } from '@lapi/capi-sim';
import { BAN_MARGIN_MS, BAN_MS, capiMetrics, LEASE_TTL_MS, LOGIN_WINDOW_MS, ManualClock } from '@lapi/capi';
import { createTestDatabase, TestDatabase } from '@lapi/testing';
import { CapiNode, loginRequests, startSim } from './capi-test-kit';

jest.setTimeout(120_000);

const MINUTE = 60_000;

/** The login rules against the simulator, on one simulated clock shared by CAPI and every node. */
describe('one CAPI client for the cluster', () => {
  let db: TestDatabase;
  let sim: CapiSim;
  let clock: ManualClock;
  let nodes: CapiNode[] = [];

  const node = async (overrides = {}) => {
    const n = await CapiNode.open(db.url, sim, clock, overrides);
    nodes.push(n);
    return n;
  };

  beforeEach(async () => {
    clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z'));
    db = await createTestDatabase();
    sim = await startSim(clock, { blocklistSize: 20 });
  });
  afterEach(async () => {
    await Promise.all(nodes.map((n) => n.close()));
    nodes = [];
    await sim.close();
    await db.drop();
  });

  it('registers without logging in, and stores the credentials every node sees', async () => {
    const a = await node();
    const id = await a.admin().register();
    expect(sim.machines.has(id)).toBe(true);
    expect(loginRequests(sim)).toBe(0);
    const b = await node();
    expect((await b.admin().status()).machineId).toBe(id);
    await expect(b.admin().register()).rejects.toThrow(/already registered/);
  });

  it('logs in once when 3 nodes start at once, and a new leader reuses the token', async () => {
    const [a, b, c] = [await node(), await node(), await node()];
    await a.admin().register();
    await a.db.dataSource.query(`INSERT INTO machines (machine_id, scenarios) VALUES ('m1', 'crowdsecurity/ssh-bf,crowdsecurity/http-probing'), ('m2', 'crowdsecurity/ssh-bf')`);
    const workers = [a.worker(), b.worker(), c.worker()];
    for (let t = 0; t < 60; t++) {
      await Promise.all(workers.map((w) => w.tick()));
      clock.advance(10_000);
    }
    expect(loginRequests(sim)).toBe(1);
    // Upstream's login body: the credentials and every scenario any machine has installed.
    expect(sim.lastLogin).toEqual({ machine_id: (await a.state.get()).machineId, password: (await a.state.get()).password, scenarios: ['crowdsecurity/http-probing', 'crowdsecurity/ssh-bf'] });
    expect(sim.requests.filter((r) => r.path === '/v3/decisions/stream')).toHaveLength(1);
    const leader = (await a.admin().status()).leader;
    const leading = workers.find((w) => w.holder === leader)!;
    expect(leading).toBeDefined();
    // The leader goes away cleanly; another takes over at once, with the stored token.
    await leading.stop();
    const rest = workers.filter((w) => w !== leading);
    sim.changeBlocklist(0.1);
    clock.advance(2.5 * 3600_000 - 2 * MINUTE);
    await Promise.all(rest.map((w) => w.tick()));
    expect(rest.map((w) => w.holder)).toContain((await a.admin().status()).leader);
    expect(sim.requests.filter((r) => r.path === '/v3/decisions/stream')).toHaveLength(2);
    // The token (1 h) ran out in the meantime: exactly one new login, by the new leader.
    expect(loginRequests(sim)).toBe(2);
  });

  it('logs in at most once over 100 restarts in 10 minutes, clean stops and crashes alike', async () => {
    const a = await node({ capiSharing: true });
    await a.admin().register();
    for (let i = 0; i < 100; i++) {
      // An alert before every start: each start has a signal to send, so each needs a token.
      await a.db.dataSource.query(`INSERT INTO alerts (uuid, scenario, machine_id) VALUES ($1, 'test/restart', 'm1')`, [randomUUID()]);
      const w = a.worker();
      await w.tick();
      // Every other restart is a crash: the lease is left to run out.
      if (i % 2 === 0) await w.stop();
      clock.advance(6_000);
    }
    expect(loginRequests(sim)).toBe(1);
    expect(sim.requests.filter((r) => r.path === '/v3/decisions/stream')).toHaveLength(1);
    expect(sim.bannedUntil).toBe(0);
    // Crashed leaders hold the lease for its TTL: their successors wait, and send later.
    expect(sim.signalBatches.flat().length).toBeGreaterThanOrEqual(50);
  });

  it('answers 1,000 status calls from the stored state, with no token stored, logging in zero times', async () => {
    const a = await node();
    await a.admin().register();
    const admin = a.admin();
    for (let i = 0; i < 1000; i++) {
      const s = await admin.status();
      if (s.tokenValidUntil !== null || !s.registered) throw new Error('unexpected status');
    }
    expect(loginRequests(sim)).toBe(0);
    expect(sim.requests.filter((r) => r.path !== '/v3/watchers')).toHaveLength(0);
  });

  it('never spends more logins than the budget, however often tokens expire, and says when the next is', async () => {
    sim = await restartSim({ tokenTtlMs: 2 * MINUTE, blocklistSize: 5 });
    const a = await node();
    await a.admin().register();
    const waitsBefore = await waits('budget');
    // Tokens last 2 minutes; pulls fail and retry, signals are off: the worker wants a login often.
    for (let t = 0; t < 3 * 50 * 6; t++) {
      const w = a.worker();
      await w.tick();
      await a.state.setNextPull(new Date(clock.now()));
      clock.advance(10_000);
    }
    expect(sim.bannedUntil).toBe(0);
    // 5 allowed per window when neither enrolled nor sharing; the budget keeps 2 in reserve.
    const times = sim.loginTimes;
    for (const t of times) expect(times.filter((u) => u > t - LOGIN_WINDOW_MS && u <= t).length).toBeLessThanOrEqual(3);
    expect(times.length).toBeGreaterThanOrEqual(3);
    expect(await waits('budget')).toBeGreaterThan(waitsBefore);
    const s = await a.admin().status();
    expect(s.loginBudget).toBe(3);
  });

  it('after a 403 on login, no node logs in for the hour and the margin, across restarts; status says when', async () => {
    const a = await node();
    const b = await node();
    await a.admin().register();
    // Something else behind our NAT got the IP banned a moment ago.
    sim.bannedUntil = clock.now() + BAN_MS;
    await a.worker().tick();
    expect(loginRequests(sim)).toBe(1);
    const banned = (await b.admin().status()).bannedUntil;
    expect(banned).toBe(new Date(clock.now() + BAN_MS + BAN_MARGIN_MS).toISOString());
    expect((await b.admin().status()).nextLoginAt).toBe(banned);
    await expect(b.admin().check()).rejects.toThrow(/403/);
    for (let t = 0; t < (BAN_MS + BAN_MARGIN_MS) / 30_000 - 1; t++) {
      clock.advance(30_000);
      await Promise.all([a.worker().tick(), b.worker().tick()]);
    }
    expect(loginRequests(sim)).toBe(1);
    clock.advance(LEASE_TTL_MS);
    await b.worker().tick();
    expect(loginRequests(sim)).toBe(2);
    expect((await a.admin().status()).tokenValidUntil).not.toBeNull();
  });

  it('a 403 on any call locks logins out too, and a 401 on a call costs exactly one login', async () => {
    const a = await node();
    await a.admin().register();
    const w = a.worker();
    await w.tick();
    expect(loginRequests(sim)).toBe(1);
    // CAPI forgets the token (a 401): one login, and the call is retried.
    await a.db.dataSource.query(`UPDATE capi_state SET token = 'not.a-valid.token' WHERE id = 1`);
    await a.state.setNextPull(new Date(clock.now()));
    await w.tick();
    expect(loginRequests(sim)).toBe(2);
    expect(sim.requests.filter((r) => r.path === '/v3/decisions/stream').map((r) => r.status)).toEqual([200, 401, 200]);
    // Now the IP is banned while the token is valid: the pull gets a 403; nothing is tried for an hour.
    sim.bannedUntil = clock.now() + BAN_MS;
    await a.state.setNextPull(new Date(clock.now()));
    await w.tick();
    const calls = sim.requests.length;
    for (let t = 0; t < 100; t++) {
      clock.advance(30_000);
      await a.worker().tick();
    }
    expect(sim.requests.length).toBe(calls);
    expect((await a.admin().status()).bannedUntil).not.toBeNull();
  });

  async function restartSim(options: ConstructorParameters<typeof CapiSim>[0]): Promise<CapiSim> {
    await sim.close();
    return startSim(clock, options);
  }
});

async function waits(reason: string): Promise<number> {
  const m = await capiMetrics.loginWaits.get();
  return m.values.find((v) => v.labels.reason === reason)?.value ?? 0;
}
