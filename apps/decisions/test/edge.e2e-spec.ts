import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { createCscli, CustomBouncer, Edge, startCustomBouncer, startTestCluster, TestCluster } from '@lapi/testing';

jest.setTimeout(180_000);
const execFileAsync = promisify(execFile);

/** The whole cluster behind Debian's nginx with deploy/nginx/lapi.conf, driven by the real clients through one URL. */
describe('cluster behind the edge proxy, with the real CrowdSec clients', () => {
  const root = mkdtempSync(join(tmpdir(), 'lapi-edge-e2e-'));
  let cluster: TestCluster;
  let edge: Edge;
  let bouncers: CustomBouncer[] = [];

  beforeAll(async () => {
    cluster = await startTestCluster({ edge: true, env: { LAPI_JWT_SECRET: 'e'.repeat(40) } });
    edge = cluster.edge!;
  });

  afterAll(async () => {
    await Promise.all(bouncers.map((b) => b.stop()));
    await cluster?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  const lapictl = async (...args: string[]) =>
    (await execFileAsync(process.execPath, [resolve(__dirname, '../../../scripts/lapictl.js'), ...args], { env: { ...process.env, DATABASE_URL: cluster.db.url, NATS_URL: cluster.nats.url } })).stdout.trim();

  it('cscli registers, is validated, adds a decision through the one URL; bouncers on each replica and on the edge apply it', async () => {
    const cscli = createCscli({ url: `${edge.url}/`, dir: join(root, 'cscli') });
    await cscli.register('edge-cscli');
    await lapictl('machines', 'validate', 'edge-cscli');
    expect((await cscli.run(['lapi', 'status'])).code).toBe(0);

    const [d1, d2] = cluster.decisions;
    const targets = [`${d1.url}/`, `${d2.url}/`, `${edge.url}/`];
    bouncers = await Promise.all(
      targets.map(async (url, i) => startCustomBouncer({ url, apiKey: await lapictl('-o', 'raw', 'bouncers', 'add', `fw-${i}`), dir: join(root, `bouncer-${i}`), updateFrequency: '1s' })),
    );
    expect((await cscli.run(['decisions', 'add', '-i', '192.0.2.150', '-d', '1h'])).code).toBe(0);
    for (const b of bouncers) await b.waitFor((ev) => ev.some((e) => e.action === 'add' && e.value === '192.0.2.150'), 10_000, 'the add on every bouncer');

    expect((await cscli.run(['decisions', 'delete', '-i', '192.0.2.150'])).code).toBe(0);
    for (const b of bouncers) await b.waitFor((ev) => ev.some((e) => e.action === 'del' && e.value === '192.0.2.150'), 10_000, 'the delete on every bouncer');

    const listed = await cscli.json<unknown[] | null>(['alerts', 'list']);
    expect(listed).toHaveLength(1);
  });

  it('routes the same way in Kubernetes (the base\'s edge config is deploy/nginx/lapi.conf)', () => {
    const routes = (text: string) => [...text.matchAll(/"~\^([^"]+)"\s+(\w+);/g)].map((m) => `${m[1]} -> ${m[2]}`);
    const shipped = routes(readFileSync(resolve(__dirname, '../../../deploy/nginx/lapi.conf'), 'utf8'));
    expect(shipped.length).toBeGreaterThan(5);
    expect(routes(readFileSync(resolve(__dirname, '../../../deploy/k8s/base/edge/lapi.conf'), 'utf8'))).toEqual(shipped);
  });

  it('answers unknown paths at the edge with a JSON 404', async () => {
    const res = await fetch(`${edge.url}/v1/nothing`);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ message: 'not found' });
  });
});
