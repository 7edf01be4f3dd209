import { declaredRoutes, routesServedBy } from '@lapi/testing';
import { RegistrationModule } from '../src/app.module';

describe('the registration service', () => {
  it('serves every route the edge sends to it and the probes, and no other (the route table says which)', async () => {
    expect(declaredRoutes('registration').length).toBeGreaterThan(2);
    expect(await routesServedBy((config) => RegistrationModule.with(config))).toEqual(declaredRoutes('registration'));
  });
});
