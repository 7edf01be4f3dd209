import { createTestDatabase, declaredRoutes, renderKustomization, ServedApp, startServedApp, TestDatabase } from '@lapi/testing';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { renderBodyLimitLocations, renderBodyLimitMap, renderEdgeMap, renderRouteList, routeTable } from '@lapi/common';
import { loadConfig } from '@lapi/config';
import { StandaloneModule } from '../src/app.module';

describe('the route table', () => {
  let db: TestDatabase;
  let standalone: ServedApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    const config = Object.assign(loadConfig({}), { logLevel: 'warn', databaseUrl: db.url, metricsPort: 0 });
    standalone = await startServedApp(StandaloneModule.with(config), config, (f) => {
      f.get('/v1/undeclared', async () => ({ served: true }));
    });
  });
  afterAll(async () => {
    await standalone?.app.close();
    await db?.drop();
  });

  it('is every route the standalone app serves, and only those', () => {
    expect(standalone.served.filter((r) => r !== 'GET /v1/undeclared')).toEqual(declaredRoutes());
    expect(declaredRoutes()).toEqual(expect.arrayContaining(['GET /v1/decisions', 'GET /v1/decisions/stream', 'POST /v1/alerts', 'POST /v1/watchers/login']));
  });

  it('refuses a route served but not declared (deny by default)', async () => {
    const res = await standalone.fastify.inject({ method: 'GET', url: '/v1/undeclared' });
    expect({ status: res.statusCode, body: res.json() }).toEqual({ status: 403, body: { message: 'route has no access rule' } });
  });

  it.each(routeTable().filter((r) => !(r.auth === 'public')).map((r) => [`${r.method} ${r.path}`, r] as const))(
    'refuses %s without credentials, with a JSON message',
    async (_name, route) => {
      const res = await standalone.fastify.inject({ method: route.method, url: route.path.replace(/:\w+/g, '1') });
      expect([401, 403]).toContain(res.statusCode);
      expect(res.json()).toEqual({ message: expect.any(String) });
    },
  );

  /** Lines of an edge config, one directive a line, spaces collapsed (indentation and alignment vary). */
  const directives = (text: string) =>
    text
      .split('\n')
      .map((l) => l.trim().replace(/\s+/g, ' '))
      .filter((l) => l !== '' && !l.startsWith('#'));
  /** The `map "$request_method $uri" $<variable>` block of an edge config. */
  const mapOf = (text: string, variable: string) =>
    directives(new RegExp(`map "\\$request_method \\$uri" \\$${variable} \\{[\\s\\S]*?\\n\\s*\\}`).exec(text)?.[0] ?? '');
  /** Every body limit of an edge config: the ceiling and each limit's location. */
  const bodyLimits = (text: string) => directives(text).filter((l) => l.includes('client_max_body_size'));
  const maxBodyBytes = loadConfig({}).maxBodyBytes;

  /** The edge config the Kubernetes overlay renders (kubectl kustomize): its ConfigMap's default.conf. */
  const renderedEdge = (overlay: string) =>
    renderKustomization(overlay).find((o) => o.kind === 'ConfigMap' && /^lapi-edge-[a-z0-9]+$/.test(o.metadata.name) && !o.metadata.name.startsWith('lapi-edge-tls'))!.data['default.conf'] as string;
  const copies: Array<[string, () => string]> = [
    ...['deploy/nginx/lapi.conf', 'deploy/nginx/lapi.local.conf.template', 'deploy/k8s/base/edge/lapi.conf'].map((file) => [file, () => readFileSync(resolve(__dirname, '../../..', file), 'utf8')] as [string, () => string]),
    ...['deploy/k8s/overlays/dev', 'deploy/k8s/overlays/prod'].map((dir) => [`kubectl kustomize ${dir}`, () => renderedEdge(dir)] as [string, () => string]),
  ];

  describe.each(copies)(
    'is how the edge routes in %s (npm run edge:map -- --write writes it)',
    (_name, read) => {
      const copy = read();

      it('sends each route to its service', () => {
        const expected = mapOf(renderEdgeMap(routeTable()), 'lapi_service');
        expect(expected).toContain('"~^(GET|HEAD) /v1/decisions$" decisions;');
        expect(mapOf(copy, 'lapi_service')).toEqual(expected);
      });

      it("takes each route's body limit", () => {
        const expected = mapOf(renderBodyLimitMap(routeTable(), maxBodyBytes), 'lapi_body_limit');
        expect(expected).toEqual(expect.arrayContaining(['"~^POST /v1/watchers/login$" 64k;', '"~^POST /v1/alerts$" 32m;']));
        expect(mapOf(copy, 'lapi_body_limit')).toEqual(expected);
        expect(bodyLimits(copy)).toEqual(directives(renderBodyLimitLocations(routeTable(), maxBodyBytes)));
      });
    },
  );

  it('is the route list of deploy/README.md (npm run routes:doc prints it)', () => {
    const readme = readFileSync(resolve(__dirname, '../../../deploy/README.md'), 'utf8');
    const listed = /<!-- route list:.*-->\n([\s\S]*?)<!-- end of route list -->/.exec(readme)?.[1].trim();
    const expected = renderRouteList(routeTable());
    expect(expected).toContain('| POST | `/v1/watchers/login` | public, agent certificate (if presented) | 64 KiB | any | ingest |');
    expect(listed).toBe(expected);
  });
});
