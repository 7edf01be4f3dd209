import { renderRouteList } from './route-list';
import { RouteDeclaration } from './route-table';

describe('renderRouteList', () => {
  it('lists each route by path then method, with its callers, body limit, addresses and service', () => {
    const routes: RouteDeclaration[] = [
      { method: 'DELETE', path: '/v1/things/:id', auth: 'machine', bodyLimit: 1024, from: 'LAPI_TRUSTED_IPS', service: 'ingest' },
      { method: 'POST', path: '/v1/things', auth: 'machine', bodyLimit: 'LAPI_MAX_BODY_BYTES', service: 'ingest' },
      { method: 'GET', path: '/v1/things', auth: 'bouncer', bodyLimit: 1024, service: 'decisions' },
      { method: 'POST', path: '/v1/things/renew', auth: 'public', certificate: { roles: ['agent', 'bouncer'], required: true }, bodyLimit: 1024, service: 'registration' },
      { method: 'GET', path: '/health/live', auth: 'public', bodyLimit: 1000, service: null },
    ];
    expect(renderRouteList(routes).split('\n')).toEqual([
      '| method | URL | callers | body limit | from | service |',
      '|---|---|---|---|---|---|',
      '| GET | `/health/live` | public | 1000 bytes | any | each service (probe; not routed by the edge) |',
      '| GET | `/v1/things` | bouncer (API key or certificate) | 1 KiB | any | decisions |',
      '| POST | `/v1/things` | machine (JWT) | `LAPI_MAX_BODY_BYTES` | any | ingest |',
      '| DELETE | `/v1/things/{id}` | machine (JWT) | 1 KiB | `LAPI_TRUSTED_IPS` | ingest |',
      '| POST | `/v1/things/renew` | public, agent or bouncer certificate (required) | 1 KiB | any | registration |',
    ]);
  });
});
