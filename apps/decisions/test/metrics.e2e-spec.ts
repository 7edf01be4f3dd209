import { buildServices, createTestDatabase, freePort, insertBouncer, startService, TestDatabase } from '@lapi/testing';

jest.setTimeout(90_000);

describe('a decisions replica serves Prometheus metrics', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    buildServices();
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  it('counts bouncer lookups and stream polls per bouncer under upstream\'s metric name', async () => {
    const metricsPort = await freePort();
    const replica = await startService('decisions', { DATABASE_URL: db.url, LAPI_METRICS_PORT: String(metricsPort) });
    try {
      const key = await insertBouncer(db.url, 'metrics-bouncer');
      const headers = { 'x-api-key': key };
      expect((await fetch(`${replica.url}/v1/decisions?ip=192.0.2.1`, { headers })).status).toBe(200);
      expect((await fetch(`${replica.url}/v1/decisions/stream?startup=true`, { headers })).status).toBe(200);
      expect((await fetch(`${replica.url}/v1/decisions/stream`, { headers })).status).toBe(200);
      const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      expect(text).toMatch(/cs_lapi_bouncer_requests_total\{bouncer="metrics-bouncer",route="\/v1\/decisions",method="GET"\} 1/);
      expect(text).toMatch(/cs_lapi_bouncer_requests_total\{bouncer="metrics-bouncer",route="\/v1\/decisions\/stream",method="GET"\} 2/);
    } finally {
      await replica.stop();
    }
  });
});
