import { createTestDatabase, declaredRoutes, ServedApp, startServedApp, TestDatabase } from '@lapi/testing';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { renderEdgeMap, routeTable } from '@lapi/common';
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

  it.each(routeTable().filter((r) => !r.auth.includes('public')).map((r) => [`${r.method} ${r.path}`, r] as const))(
    'refuses %s without credentials, with a JSON message',
    async (_name, route) => {
      const res = await standalone.fastify.inject({ method: route.method, url: route.path.replace(/:\w+/g, '1') });
      expect([401, 403]).toContain(res.statusCode);
      expect(res.json()).toEqual({ message: expect.any(String) });
    },
  );

  /** The routing map of an edge config, one directive a line, spaces collapsed (indentation and alignment vary). */
  const edgeMap = (text: string) =>
    (/map "\$request_method \$uri" \$lapi_service \{[\s\S]*?\n\s*\}/.exec(text)?.[0] ?? '')
      .split('\n')
      .map((l) => l.trim().replace(/\s+/g, ' '))
      .join('\n');

  it.each(['deploy/nginx/lapi.conf', 'deploy/nginx/lapi.local.conf.template', 'deploy/k8s/40-edge.yaml'])(
    'is how the edge routes in %s (npm run edge:map prints the map to paste there)',
    (file) => {
      const expected = edgeMap(renderEdgeMap(routeTable()));
      expect(expected).toContain('"~^(GET|HEAD) /v1/decisions$" decisions;');
      expect(edgeMap(readFileSync(resolve(__dirname, '../../..', file), 'utf8'))).toBe(expected);
    },
  );
});
