import { randomBytes } from 'node:crypto';
import { newAlert, newDecision, pollUntil, createTestDatabase, TestDatabase } from '@lapi/testing';
import { call, startTestLapi, TestLapi } from './support/test-lapi';

const natsUrl = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
// A prefix of this run's own: other clusters (another test run) on the same NATS stay apart.
const busSubjectPrefix = `lapi-test-${randomBytes(4).toString('hex')}`;

/** Two LAPI nodes on one Postgres and one NATS: what a client sees must not depend on the node. */
describe('two nodes sharing Postgres and NATS', () => {
  let db: TestDatabase;
  let a: TestLapi;
  let b: TestLapi;

  beforeAll(async () => {
    db = await createTestDatabase();
    a = await startTestLapi({ sharedDatabaseUrl: db.url, natsUrl, busSubjectPrefix });
    b = await startTestLapi({ sharedDatabaseUrl: db.url, natsUrl, busSubjectPrefix });
  });
  afterAll(async () => {
    await a.close();
    await b.close();
    await db.drop();
  });

  it('accepts a token issued by one node on the other (one shared secret)', async () => {
    const token = await a.machineToken();
    expect((await call(b, 'GET', '/v1/heartbeat', { token })).status).toBe(200);
  });

  it('serves a decision pushed to one node from the other node\'s memory, fast', async () => {
    const token = await a.machineToken();
    const key = await a.bouncerKey();
    await call(a, 'POST', '/v1/alerts', { token, body: [newAlert({ decisions: [newDecision({ value: '192.0.2.123' })] })] });
    await pollUntil(async () => (await call(b, 'GET', '/v1/decisions?ip=192.0.2.123', { apiKey: key })).body?.length === 1, 'node b to serve it', { timeoutMs: 2000, intervalMs: 10 });
  });

  it('shares a bouncer cursor: polls alternating between nodes get every decision exactly once', async () => {
    const token = await a.machineToken();
    const key = await a.bouncerKey();
    await call(a, 'GET', '/v1/decisions/stream?startup=true', { apiKey: key });
    const seen: string[] = [];
    for (let i = 0; i < 20; i++) {
      await call(i % 2 ? a : b, 'POST', '/v1/alerts', { token, body: [newAlert({ decisions: [newDecision({ value: `198.51.100.${i}` })] })] });
      const node = i % 3 ? a : b;
      seen.push(...((await call(node, 'GET', '/v1/decisions/stream', { apiKey: key })).body.new ?? []).map((d: { value: string }) => d.value));
    }
    await pollUntil(async () => {
      seen.push(...((await call(b, 'GET', '/v1/decisions/stream', { apiKey: key })).body.new ?? []).map((d: { value: string }) => d.value));
      return seen.length >= 20;
    }, 'all 20 decisions');
    expect(seen.sort()).toEqual(Array.from({ length: 20 }, (_, i) => `198.51.100.${i}`).sort());
  });
});
