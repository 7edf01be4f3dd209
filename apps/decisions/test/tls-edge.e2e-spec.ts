import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  buildServices, ClientTlsFiles, createCscli, createOpensslCa, createTestDatabase, CustomBouncer, Edge, httpsCall, OpensslCa, RunningProcess, sshBruteForceLog, startAgentReplay,
  startCustomBouncer, startEdge, startNats, startService, TestDatabase, writeCredentials,
} from '@lapi/testing';

jest.setTimeout(240_000);

interface AlertJson {
  decisions: { value: string }[] | null;
}

/**
 * TLS at the edge: Debian's nginx with deploy/nginx/lapi.conf and edge-tls.conf terminates TLS
 * and verifies client certificates against an existing (openssl-made) CA; the services, plain
 * HTTP behind it, take the certificate from the edge's header. The real clients use only
 * ca_cert_path, cert_path and key_path.
 */
describe('the cluster behind an edge terminating TLS, with certificates from an openssl CA', () => {
  const root = mkdtempSync(join(tmpdir(), 'lapi-tls-edge-'));
  let ca: OpensslCa;
  let other: OpensslCa;
  let db: TestDatabase;
  let nats: Awaited<ReturnType<typeof startNats>>;
  let services: RunningProcess[] = [];
  let edge: Edge;
  let bouncer: CustomBouncer | undefined;
  const files = (role: 'agent' | 'bouncer', cn: string, from = () => ca): ClientTlsFiles => {
    const issued = from().issue({ cn, ou: `${role}-ou` });
    return { caCertPath: ca.certPath, certPath: issued.certPath, keyPath: issued.keyPath };
  };
  const bouncerNames = async () => {
    const { Client } = await import('pg');
    const c = new Client({ connectionString: db.url });
    await c.connect();
    try {
      return (await c.query('SELECT name, auth_type FROM bouncers ORDER BY id')).rows as { name: string; auth_type: string }[];
    } finally {
      await c.end();
    }
  };

  beforeAll(async () => {
    buildServices();
    ca = createOpensslCa('Existing CA', join(root, 'ca'));
    other = createOpensslCa('Someone else', join(root, 'other'));
    db = await createTestDatabase();
    nats = await startNats();
    // Plain HTTP behind the edge: the client CA to check the header against, the edge as the only trusted peer.
    const env = { DATABASE_URL: db.url, NATS_URL: nats.url, LAPI_JWT_SECRET: 'g'.repeat(40), LAPI_TRUSTED_PROXIES: '127.0.0.1/32', LAPI_TLS_CLIENT_CA_FILE: ca.certPath };
    services = await Promise.all([startService('ingest', env), startService('registration', env), startService('decisions', env), startService('decisions', env)]);
    const [ingest, registration, d1, d2] = services;
    const server = ca.issue({ cn: 'edge', serverNames: ['IP:127.0.0.1', 'DNS:localhost'] });
    edge = await startEdge(
      { ingest: [ingest.port], registration: [registration.port], decisions: [d1.port, d2.port] },
      { certPath: server.certPath, keyPath: server.keyPath, clientCaPath: ca.certPath, crlPath: ca.writeCrl() },
    );
  });

  afterAll(async () => {
    await bouncer?.stop();
    await edge?.stop();
    await Promise.all(services.map((s) => s.stop('SIGKILL')));
    await nats?.stop('SIGKILL');
    await db?.drop();
    rmSync(root, { recursive: true, force: true });
  });

  it('cscli with a certificate adds a decision through the edge and lists it', async () => {
    const cert = files('agent', 'edge-cscli');
    const cscli = createCscli({ url: `${edge.url}/`, dir: join(root, 'cscli') });
    writeCredentials(cscli.credentialsPath, { url: `${edge.url}/`, ca_cert_path: cert.caCertPath, cert_path: cert.certPath, key_path: cert.keyPath });
    expect((await cscli.run(['decisions', 'add', '-i', '192.0.2.111', '-d', '1h'])).code).toBe(0);
    const alerts = await cscli.json<AlertJson[]>(['decisions', 'list']);
    expect(alerts.flatMap((a) => a.decisions ?? []).map((d) => d.value)).toContain('192.0.2.111');
  });

  it('crowdsec-custom-bouncer with a certificate pulls the decision through the edge', async () => {
    bouncer = await startCustomBouncer({ url: `${edge.url}/`, tls: files('bouncer', 'edge-fw'), dir: join(root, 'bouncer'), updateFrequency: '1s' });
    await bouncer.waitFor((ev) => ev.some((e) => e.action === 'add' && e.value === '192.0.2.111'), 10_000, 'the decision through the edge');
    expect(await bouncerNames()).toContainEqual({ name: 'edge-fw@127.0.0.1', auth_type: 'tls' });
  });

  it('the crowdsec agent with a certificate pushes its alert through the edge, and the bouncer gets the ban', async () => {
    const logFile = join(root, 'auth.log');
    writeFileSync(logFile, sshBruteForceLog('203.0.113.69', 12));
    const run = await startAgentReplay({ url: `${edge.url}/`, tls: files('agent', 'edge-agent'), logFile, dir: join(root, 'agent') });
    expect(run.code).toBe(0);
    await bouncer!.waitFor((ev) => ev.some((e) => e.action === 'add' && e.value === '203.0.113.69'), 10_000, 'the ban from the agent');
  });

  it('drops a certificate header a client sends itself', async () => {
    const stolen = ca.issue({ cn: 'header-forger', ou: 'bouncer-ou' });
    const res = await httpsCall(`${edge.url}/v1/decisions`, { caPath: ca.certPath, headers: { 'x-client-cert': encodeURIComponent(readFileSync(stolen.certPath, 'utf8')) } });
    expect(res).toEqual({ status: 403, body: { message: 'access forbidden' } });
    expect((await bouncerNames()).map((b) => b.name)).not.toContain('header-forger@127.0.0.1');
  });

  it('answers a certificate from another CA with a JSON 403 at the edge', async () => {
    const stranger = files('bouncer', 'stranger', () => other);
    const res = await httpsCall(`${edge.url}/v1/decisions`, { certPath: stranger.certPath, keyPath: stranger.keyPath, caPath: ca.certPath });
    expect(res.status).toBe(403);
    expect(res.body.message).toMatch(/client certificate refused/);
  });

  it('refuses an agent certificate on the bouncer routes and a bouncer certificate on login, through the edge', async () => {
    const agent = files('agent', 'edge-swap-a');
    const b = files('bouncer', 'edge-swap-b');
    const pull = await httpsCall(`${edge.url}/v1/decisions/stream`, { certPath: agent.certPath, keyPath: agent.keyPath, caPath: ca.certPath });
    expect(pull).toMatchObject({ status: 403, body: { message: expect.stringMatching(/agent certificate cannot be used as a bouncer/) } });
    const login = await httpsCall(`${edge.url}/v1/watchers/login`, { certPath: b.certPath, keyPath: b.keyPath, caPath: ca.certPath, method: 'POST', body: {} });
    expect(login).toMatchObject({ status: 401, body: { message: expect.stringMatching(/bouncer certificate cannot be used as a agent/) } });
  });
});
