import { buildServices, createTestDatabase, freePort, startService, TestDatabase } from '@lapi/testing';

jest.setTimeout(90_000);

describe('ingest serves Prometheus metrics on its own listener', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    buildServices();
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  it('counts requests per route and per machine under upstream\'s metric names', async () => {
    const metricsPort = await freePort();
    const ingest = await startService('ingest', { DATABASE_URL: db.url, LAPI_METRICS_PORT: String(metricsPort) });
    try {
      await fetch(`${ingest.url}/v1/watchers/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"machine_id":"x","password":"y"}' });
      const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      expect(text).toMatch(/cs_lapi_route_requests_total\{route="\/v1\/watchers\/login",method="POST"\} 1/);
      expect(text).toMatch(/cs_lapi_request_duration_seconds_bucket/);
      expect((await fetch(`${ingest.url}/metrics`)).status).toBe(404);
    } finally {
      await ingest.stop();
    }
  });
});
