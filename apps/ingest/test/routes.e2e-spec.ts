import { loadConfig } from '@lapi/config';
import { createTestDatabase, declaredRoutes, startServedApp } from '@lapi/testing';
import { IngestModule } from '../src/app.module';

describe('the ingest service', () => {
  it('serves every route the edge sends to it and the probes, and no other (the route table says which)', async () => {
    const db = await createTestDatabase();
    const config = Object.assign(loadConfig({}), { logLevel: 'warn', databaseUrl: db.url, metricsPort: 0 });
    try {
      const { app, served } = await startServedApp(IngestModule.with(config), config);
      await app.close();
      expect(declaredRoutes('ingest').length).toBeGreaterThan(2);
      expect(served).toEqual(declaredRoutes('ingest'));
    } finally {
      await db.drop();
    }
  });
});
