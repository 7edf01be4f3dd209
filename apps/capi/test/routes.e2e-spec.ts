import { loadConfig } from '@lapi/config';
import { createTestDatabase, declaredRoutes, startServedApp } from '@lapi/testing';
import { CapiAppModule } from '../src/app.module';

describe('the CAPI worker', () => {
  it('serves the probes only: the edge sends it no route, so it must not answer a machine\'s DELETE /v1/decisions', async () => {
    const db = await createTestDatabase();
    const config = Object.assign(loadConfig({}), { logLevel: 'warn', databaseUrl: db.url, metricsPort: 0 });
    try {
      const { app, served } = await startServedApp(CapiAppModule.with(config), config);
      await app.close();
      expect(declaredRoutes('capi')).toEqual(['GET /health/live', 'GET /health/ready']);
      expect(served).toEqual(declaredRoutes('capi'));
    } finally {
      await db.drop();
    }
  });
});
