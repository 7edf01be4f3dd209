import { insertBouncer, lapictlWith, newAlert, newDecision, pollUntil, RunningProcess, startTestCluster, TestCluster } from '@lapi/testing';

jest.setTimeout(180_000);

/** An address allowlisted after it was banned: the ban ends on every decisions replica, told through the bus. */
describe('allowlists in a cluster: ingest and two decisions replicas on Postgres + NATS', () => {
  let cluster: TestCluster;
  let db: TestCluster['db'];
  let ingest: RunningProcess;
  let replicas: RunningProcess[];
  let token: string;
  const lapictl = lapictlWith(() => cluster.env);

  beforeAll(async () => {
    cluster = await startTestCluster({ registration: false });
    ({ db, ingest, decisions: replicas } = cluster);
    await lapictl({}, 'machines', 'add', 'agent', '--password', 'agent-password-1');
    token = await cluster.login('agent', 'agent-password-1');
  });
  afterAll(() => cluster?.stop());

  const served = async (replica: RunningProcess, key: string, ip: string) => {
    const res = await fetch(`${replica.url}/v1/decisions?ip=${ip}`, { headers: { 'x-api-key': key } });
    return ((await res.json()) as unknown[] | null)?.length ?? 0;
  };

  it('ends the ban of an address allowlisted afterwards on every replica within a second, and keeps the others', async () => {
    const key = await insertBouncer(db.url, 'b-allow');
    for (const value of ['192.0.2.77', '192.0.2.78']) {
      const res = await fetch(`${ingest.url}/v1/alerts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify([newAlert({ sourceValue: value, decisions: [newDecision({ value })] })]),
      });
      expect(res.status).toBe(201);
    }
    for (const r of replicas) await pollUntil(async () => (await served(r, key, '192.0.2.77')) === 1 && (await served(r, key, '192.0.2.78')) === 1, `replica ${r.url} to serve both bans`);

    await lapictl({}, 'allowlists', 'create', 'partners', '-d', 'partners');
    expect(await lapictl({}, 'allowlists', 'add', 'partners', '192.0.2.77')).toBe('added 1 values to allowlist partners\n1 decisions deleted by allowlists');
    const addedAt = Date.now();
    for (const r of replicas) {
      await pollUntil(async () => (await served(r, key, '192.0.2.77')) === 0, `replica ${r.url} to stop serving the allowlisted ban`, { timeoutMs: 1500, intervalMs: 20 });
    }
    expect(Date.now() - addedAt).toBeLessThan(1500);
    for (const r of replicas) expect(await served(r, key, '192.0.2.78')).toBe(1);
  });

  it('drops an alert without decisions from an allowlisted source pushed to ingest', async () => {
    const res = await fetch(`${ingest.url}/v1/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify([newAlert({ sourceValue: '192.0.2.77', decisions: null })]),
    });
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual([]);
  });
});
