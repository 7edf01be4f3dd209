import { renderEdgeMap } from './edge-map';
import { RouteDeclaration } from './route-table';

const r = (method: RouteDeclaration['method'], path: string, service: RouteDeclaration['service']): RouteDeclaration => ({ method, path, auth: ['public'], bodyLimit: 1024, service });

describe('renderEdgeMap', () => {
  it('sends each method and path to its service, GET with HEAD, parameters as one segment, probes nowhere', () => {
    const map = renderEdgeMap([
      r('DELETE', '/v1/things/:id', 'ingest'),
      r('GET', '/v1/things/:id', 'ingest'),
      r('GET', '/v1/things', 'decisions'),
      r('DELETE', '/v1/things', 'ingest'),
      r('GET', '/health/live', null),
    ]);
    expect(map.split('\n').map((l) => l.trim().replace(/\s+/g, ' '))).toEqual([
      'map "$request_method $uri" $lapi_service {',
      'default none;',
      '"~^(GET|HEAD) /v1/things$" decisions;',
      '"~^DELETE /v1/things$" ingest;',
      '"~^(GET|HEAD|DELETE) /v1/things/[^/]+$" ingest;',
      '}',
    ]);
  });
});
