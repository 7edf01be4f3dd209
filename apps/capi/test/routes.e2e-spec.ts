import { declaredRoutes, routesServedBy } from '@lapi/testing';
import { CapiAppModule } from '../src/app.module';

describe('the CAPI worker', () => {
  it('serves the probes only: the edge sends it no route, so it must not answer a machine\'s DELETE /v1/decisions', async () => {
    expect(declaredRoutes('capi')).toEqual(['GET /health/live', 'GET /health/ready']);
    expect(await routesServedBy((config) => CapiAppModule.with(config))).toEqual(declaredRoutes('capi'));
  });
});
