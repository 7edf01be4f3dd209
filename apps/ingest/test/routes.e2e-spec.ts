import { declaredRoutes, routesServedBy } from '@lapi/testing';
import { IngestModule } from '../src/app.module';

describe('the ingest service', () => {
  it('serves every route the edge sends to it and the probes, and no other (the route table says which)', async () => {
    expect(declaredRoutes('ingest').length).toBeGreaterThan(2);
    expect(await routesServedBy((config) => IngestModule.with(config))).toEqual(declaredRoutes('ingest'));
  });
});
