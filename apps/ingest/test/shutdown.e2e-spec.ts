import { Client } from 'pg';
import { buildServices, createTestDatabase, lapictlWith, newAlert, newDecision, pollUntil, sql, startService, TestDatabase } from '@lapi/testing';

jest.setTimeout(90_000);

describe('ingest shuts down gracefully on SIGTERM', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    buildServices();
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  it('finishes an alert push in flight, then exits promptly', async () => {
    // Ingest serves logins and pushes, not registration: the machine is added as an operator would.
    await lapictlWith(() => ({ DATABASE_URL: db.url, NATS_URL: '' }))({}, 'machines', 'add', 'm', '-p', 'p');
    const ingest = await startService('ingest', { DATABASE_URL: db.url });
    const json = { 'content-type': 'application/json' };
    const { token: jwt } = (await (await fetch(`${ingest.url}/v1/watchers/login`, { method: 'POST', headers: json, body: JSON.stringify({ machine_id: 'm', password: 'p' }) })).json()) as { token: string };
    // Hold the sequence lock, so the push is provably still in flight when SIGTERM arrives.
    const blocker = new Client({ connectionString: db.url });
    await blocker.connect();
    await blocker.query('BEGIN');
    await blocker.query('SELECT seq FROM change_head WHERE id = 1 FOR UPDATE');
    const decisions = Array.from({ length: 2000 }, (_, i) => newDecision({ value: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` }));
    let settled = false;
    const push = fetch(`${ingest.url}/v1/alerts`, { method: 'POST', headers: { ...json, authorization: `Bearer ${jwt}` }, body: JSON.stringify([newAlert({ decisions })]) }).finally(() => (settled = true));
    await pollUntil(async () => (await sql<{ n: number }>(db.url, "SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%change_head%'"))[0].n > 0, 'the push to wait on the lock');
    const stoppedAt = Date.now();
    const exited = ingest.stop('SIGTERM');
    // Shutdown has begun once readiness is withdrawn or the listener is closed.
    await pollUntil(() => fetch(`${ingest.url}/health/ready`).then((r) => r.status === 503, () => true), 'shutdown to begin');
    expect(settled).toBe(false);
    expect(ingest.proc.exitCode).toBeNull();
    await blocker.query('COMMIT');
    await blocker.end();
    const res = await push;
    expect(res.status).toBe(201);
    await exited;
    // Nest re-raises the signal once its shutdown hooks are done: a clean exit is by SIGTERM (or 0).
    expect(ingest.proc.exitCode === 0 || ingest.proc.signalCode === 'SIGTERM').toBe(true);
    expect(Date.now() - stoppedAt).toBeLessThan(15_000);
    const [{ n }] = await sql<{ n: number }>(db.url, 'SELECT count(*)::int AS n FROM decisions');
    expect(n).toBe(2000);
  });
});
