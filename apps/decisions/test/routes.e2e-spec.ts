import { declaredRoutes, routesServedBy } from '@lapi/testing';
import { DecisionsAppModule } from '../src/app.module';

describe('the decisions service', () => {
  it('serves every route the edge sends to it and the probes, and no other (the route table says which)', async () => {
    expect(declaredRoutes('decisions').length).toBeGreaterThan(2);
    expect(await routesServedBy((config) => DecisionsAppModule.with(config))).toEqual(declaredRoutes('decisions'));
  });
});
