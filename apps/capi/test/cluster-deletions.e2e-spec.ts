import { CapiSim } from '@lapi/capi-sim';
import { lapictlWith, newAlert, newDecision, pollUntil, RunningProcess, sql, startService, startTestCluster, TestCluster } from '@lapi/testing';

jest.setTimeout(180_000);

/**
 * In the cluster, a machine's deletion is made by ingest and reported by the capi service (the
 * leader): the outbox in Postgres is what carries it from one to the other, across a capi
 * restart made while CAPI was down.
 */
describe('manual deletions in the cluster: made on ingest, reported by the capi service', () => {
  let cluster: TestCluster;
  let db: TestCluster['db'];
  let sim: CapiSim;
  let ingest: RunningProcess;
  let capi: RunningProcess | undefined;
  let env: Record<string, string>;
  const lapictl = lapictlWith(() => env);

  beforeAll(async () => {
    sim = new CapiSim({ blocklistSize: 3, sharing: true });
    await sim.start();
    // Ingest alone: the capi service is started by the test.
    cluster = await startTestCluster({ registration: false, decisions: 0, env: { LAPI_CAPI_URL: sim.url, LAPI_CAPI_PULL: 'false', LAPI_CAPI_SHARE_MANUAL_DECISIONS: 'true' } });
    ({ db, ingest, env } = cluster);
  });
  afterAll(async () => {
    await capi?.stop('SIGKILL');
    await cluster?.stop();
    await sim.close();
  });

  const json = { 'content-type': 'application/json' };

  it('shares a manual decision and reports its deletion once, though CAPI was down when it was made', async () => {
    await lapictl({}, 'capi', 'register');
    await lapictl({}, 'console', 'enroll', 'attachment-key');
    await lapictl({}, 'machines', 'add', 'cscli-host', '-p', 'cscli-password');
    const login = await fetch(`${ingest.url}/v1/watchers/login`, { method: 'POST', headers: json, body: JSON.stringify({ machine_id: 'cscli-host', password: 'cscli-password' }) });
    const bearer = { authorization: `Bearer ${((await login.json()) as { token: string }).token}` };
    const auth = { ...json, ...bearer };
    const alert = newAlert({ sourceValue: '192.0.2.70', decisions: [newDecision({ value: '192.0.2.70' })] });
    expect((await fetch(`${ingest.url}/v1/alerts`, { method: 'POST', headers: auth, body: JSON.stringify([alert]) })).status).toBe(201);

    capi = await startService('capi', env);
    const signal = await pollUntil(async () => sim.signalBatches.flat()[0], 'the manual decision as a signal');
    const [shared] = signal.decisions as { uuid: string; value: string }[];
    expect(shared.value).toBe('192.0.2.70');

    const port = Number(new URL(sim.url).port);
    await sim.close();
    const deleted = await fetch(`${ingest.url}/v1/decisions?ip=192.0.2.70`, { method: 'DELETE', headers: bearer });
    expect(await deleted.json()).toEqual({ nbDeleted: '1' });
    expect(await sql(db.url, 'SELECT decision_uuid FROM capi_deletions')).toEqual([{ decision_uuid: shared.uuid }]);
    await capi.stop('SIGTERM');
    await sim.start(port);
    capi = await startService('capi', env);
    await pollUntil(async () => sim.deletionBatches.length > 0, 'the deletion at CAPI', { timeoutMs: 30_000 });
    // The worker renews its lease at the start of each round (every 10 s): two renewals more, and
    // the whole round between them has run, sending nothing more.
    const lease = async () => (await sql<{ at: Date }>(db.url, 'SELECT lease_until AS at FROM capi_state'))[0].at.getTime();
    const sentAt = await lease();
    await pollUntil(async () => (await lease()) > sentAt + 15_000, 'two more rounds of the worker', { timeoutMs: 40_000, intervalMs: 500 });
    expect(sim.deletionBatches).toEqual([[shared.uuid]]);
    expect(await sql(db.url, 'SELECT decision_uuid FROM capi_deletions')).toEqual([]);
  });
});
