import { loadConfig } from '@lapi/config';
import { createTestDatabase, declaredRoutes, startServedApp } from '@lapi/testing';
import { RegistrationModule } from '../src/app.module';

describe('the registration service', () => {
  it('serves every route the edge sends to it and the probes, and no other (the route table says which)', async () => {
    const db = await createTestDatabase();
    const config = Object.assign(loadConfig({}), { logLevel: 'warn', databaseUrl: db.url, metricsPort: 0 });
    try {
      const { app, served } = await startServedApp(RegistrationModule.with(config), config);
      await app.close();
      expect(declaredRoutes('registration').length).toBeGreaterThan(2);
      expect(served).toEqual(declaredRoutes('registration'));
    } finally {
      await db.drop();
    }
  });
});
