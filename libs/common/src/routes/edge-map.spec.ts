import { nginxSize, renderBodyLimitLocations, renderBodyLimitMap, renderEdgeMap, rewriteEdgeRouting } from './edge-map';
import { RouteDeclaration } from './route-table';

const r = (method: RouteDeclaration['method'], path: string, service: RouteDeclaration['service'], bodyLimit: RouteDeclaration['bodyLimit'] = 1024): RouteDeclaration => ({
  method,
  path,
  auth: 'public',
  bodyLimit,
  service,
});
const lines = (text: string) => text.split('\n').map((l) => l.trim().replace(/\s+/g, ' '));

describe('renderEdgeMap', () => {
  it('sends each method and path to its service, GET with HEAD, parameters as one segment, probes nowhere', () => {
    const map = renderEdgeMap([
      r('DELETE', '/v1/things/:id', 'ingest'),
      r('GET', '/v1/things/:id', 'ingest'),
      r('GET', '/v1/things', 'decisions'),
      r('DELETE', '/v1/things', 'ingest'),
      r('GET', '/health/live', null),
    ]);
    expect(lines(map)).toEqual([
      'map "$request_method $uri" $lapi_service {',
      'default none;',
      '"~^(GET|HEAD) /v1/things$" decisions;',
      '"~^DELETE /v1/things$" ingest;',
      '"~^(GET|HEAD|DELETE) /v1/things/[^/]+$" ingest;',
      '}',
    ]);
  });
});

describe('the body limits', () => {
  const routes = [r('GET', '/v1/things', 'ingest'), r('POST', '/v1/things', 'ingest', 'LAPI_MAX_BODY_BYTES'), r('POST', '/v1/login', 'ingest', 65536), r('GET', '/health/live', null, 2048)];

  it("map each method and path to its route's limit, the setting's where it takes LAPI_MAX_BODY_BYTES", () => {
    expect(lines(renderBodyLimitMap(routes, 8 * 1024 * 1024))).toEqual([
      'map "$request_method $uri" $lapi_body_limit {',
      'default none;',
      '"~^POST /v1/login$" 64k;',
      '"~^(GET|HEAD) /v1/things$" 1k;',
      '"~^POST /v1/things$" 8m;',
      '}',
    ]);
  });

  it('have one location per limit of a routed route, the largest the ceiling', () => {
    expect(lines(renderBodyLimitLocations(routes, 8 * 1024 * 1024))).toEqual([
      'client_max_body_size 8m;',
      'location = /.lapi-body-limit/1k { internal; client_max_body_size 1k; proxy_pass http://$lapi_upstream$request_uri; }',
      'location = /.lapi-body-limit/64k { internal; client_max_body_size 64k; proxy_pass http://$lapi_upstream$request_uri; }',
      'location = /.lapi-body-limit/8m { internal; client_max_body_size 8m; proxy_pass http://$lapi_upstream$request_uri; }',
    ]);
  });

  it('are written as nginx reads sizes', () => {
    expect([1024, 20 * 1024, 32 * 1024 * 1024, 1536 * 1024, 1000].map(nginxSize)).toEqual(['1k', '20k', '32m', '1536k', '1000']);
  });
});

describe('rewriteEdgeRouting', () => {
  const before = (routes: RouteDeclaration[]) =>
    [
      '# a comment kept',
      renderEdgeMap(routes),
      '',
      renderBodyLimitMap(routes, 1024 * 1024),
      '',
      'server {',
      '    listen 8080;',
      renderBodyLimitLocations(routes, 1024 * 1024, '    '),
      '    client_body_buffer_size 1m;',
      '}',
    ].join('\n');

  it('replaces the maps and the body-limit locations with the table\'s, keeping everything else and its indentation', () => {
    const old = [r('GET', '/v1/things', 'decisions')];
    const now = [r('GET', '/v1/things', 'decisions'), r('POST', '/v1/usage-metrics', 'ingest', 16384), r('DELETE', '/v1/things', 'ingest')];
    const rewritten = rewriteEdgeRouting(before(old), now, 1024 * 1024);
    expect(rewritten).toBe(before(now));
    expect(rewritten).toContain('    location = /.lapi-body-limit/16k');
    // Written twice, the same.
    expect(rewriteEdgeRouting(rewritten, now, 1024 * 1024)).toBe(rewritten);
  });

  it('refuses a config without the generated parts rather than writing half of them', () => {
    expect(() => rewriteEdgeRouting('server {}\n', [r('GET', '/v1/things', 'decisions')], 1024)).toThrow(/no service map/);
  });
});
