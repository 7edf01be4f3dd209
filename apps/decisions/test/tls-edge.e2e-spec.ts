import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  buildServices, ClientTlsFiles, enrollWithLapictl, lapictlWith, createCscli, createOpensslCa, createTestDatabase, CustomBouncer, Edge, httpsCall, OpensslCa, pollUntil, RunningProcess, sshBruteForceLog,
  startAgentReplay, startCaProcess, startCustomBouncer, startEdge, startNats, startService, startTestCluster, TestCluster, TestDatabase, writeCredentials,
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
  let cluster: TestCluster;
  let db: TestCluster['db'];
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
    ca = createOpensslCa('Existing CA', join(root, 'ca'));
    other = createOpensslCa('Someone else', join(root, 'other'));
    const server = ca.issue({ cn: 'edge', serverNames: ['IP:127.0.0.1', 'DNS:localhost'] });
    // Plain HTTP behind the edge (its only trusted peer): the client CA to check the header against.
    cluster = await startTestCluster({
      env: { LAPI_JWT_SECRET: 'g'.repeat(40), LAPI_TLS_CLIENT_CA_FILE: ca.certPath },
      edge: { certPath: server.certPath, keyPath: server.keyPath, clientCaPath: ca.certPath, crlPath: ca.writeCrl() },
    });
    ({ db } = cluster);
    edge = cluster.edge!;
  });

  afterAll(async () => {
    await bouncer?.stop();
    await cluster?.stop();
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

/**
 * The same edge with the cluster's own CA: hosts enroll through the edge (registration asks the
 * CA process over NATS), the real clients use what `lapictl ca enroll` wrote, and a revocation is
 * refused through the edge on every replica within 2 seconds.
 */
describe('the cluster behind the TLS edge, with certificates from lapictl ca enroll', () => {
  const root = mkdtempSync(join(tmpdir(), 'lapi-tls-edge-ca-'));
  const caDir = join(root, 'ca');
  const caEnv = { LAPI_CA_DIR: caDir, LAPI_CA_KEY_FILE: join(root, 'ca-key', 'ca.key'), LAPI_CA_KEY_PASSPHRASE: 'edge passphrase, long enough' };
  let db: TestDatabase;
  let nats: Awaited<ReturnType<typeof startNats>>;
  let ca: Awaited<ReturnType<typeof startCaProcess>>;
  let services: RunningProcess[] = [];
  let edge: Edge;
  let bouncer: CustomBouncer | undefined;

  const lapictl = lapictlWith(() => ({ DATABASE_URL: db.url, NATS_URL: nats.url }));
  const enroll = (role: 'agent' | 'bouncer', name: string): Promise<ClientTlsFiles> =>
    enrollWithLapictl(lapictl, { url: edge.url, role, name, outDir: root, caCert: join(caDir, 'ca.pem') });

  beforeAll(async () => {
    buildServices();
    db = await createTestDatabase();
    nats = await startNats();
    await lapictl(caEnv, 'ca', 'init');
    await lapictl(caEnv, 'ca', 'server-cert', '--ip', '127.0.0.1', '--out', join(root, 'edge-tls'));
    ca = await startCaProcess({ DATABASE_URL: db.url, NATS_URL: nats.url, ...caEnv });
    const env = { DATABASE_URL: db.url, NATS_URL: nats.url, LAPI_JWT_SECRET: 'h'.repeat(40), LAPI_TRUSTED_PROXIES: '127.0.0.1/32', LAPI_TLS_CLIENT_CA_FILE: join(caDir, 'ca.pem') };
    services = await Promise.all([startService('ingest', env), startService('registration', env), startService('decisions', env), startService('decisions', env)]);
    const [ingest, registration, d1, d2] = services;
    edge = await startEdge(
      { ingest: [ingest.port], registration: [registration.port], decisions: [d1.port, d2.port] },
      { certPath: join(root, 'edge-tls', 'cert.pem'), keyPath: join(root, 'edge-tls', 'key.pem'), clientCaPath: join(caDir, 'ca.pem'), crlPath: join(caDir, 'crl.pem') },
    );
  });

  afterAll(async () => {
    await bouncer?.stop();
    await edge?.stop();
    await Promise.all(services.map((s) => s.stop('SIGKILL')));
    await ca?.stop('SIGKILL');
    await nats?.stop('SIGKILL');
    await db?.drop();
    rmSync(root, { recursive: true, force: true });
  });

  it('cscli, the bouncer and the agent enrolled through the edge work through it', async () => {
    const agent = await enroll('agent', 'ca-cscli');
    const cscli = createCscli({ url: `${edge.url}/`, dir: join(root, 'cscli') });
    writeCredentials(cscli.credentialsPath, { url: `${edge.url}/`, ca_cert_path: agent.caCertPath, cert_path: agent.certPath, key_path: agent.keyPath });
    expect((await cscli.run(['decisions', 'add', '-i', '192.0.2.122', '-d', '1h'])).code).toBe(0);
    bouncer = await startCustomBouncer({ url: `${edge.url}/`, tls: await enroll('bouncer', 'ca-fw'), dir: join(root, 'bouncer'), updateFrequency: '1s' });
    await bouncer.waitFor((ev) => ev.some((e) => e.action === 'add' && e.value === '192.0.2.122'), 10_000, 'the decision through the edge');
    const logFile = join(root, 'auth.log');
    writeFileSync(logFile, sshBruteForceLog('203.0.113.70', 12));
    const run = await startAgentReplay({ url: `${edge.url}/`, tls: await enroll('agent', 'ca-agent'), logFile, dir: join(root, 'agent') });
    expect(run.code).toBe(0);
    await bouncer.waitFor((ev) => ev.some((e) => e.action === 'add' && e.value === '203.0.113.70'), 10_000, 'the ban from the agent');
  });

  it('refuses a revoked certificate through the edge on every replica within 2 seconds', async () => {
    const [, , d1, d2] = services;
    const files = await enroll('bouncer', 'ca-doomed');
    const pem = encodeURIComponent(readFileSync(files.certPath, 'utf8'));
    // Through the edge (either replica), and as the edge would call each replica.
    const through = () => httpsCall(`${edge.url}/v1/decisions`, { certPath: files.certPath, keyPath: files.keyPath, caPath: files.caCertPath });
    const direct = (url: string) => fetch(`${url}/v1/decisions`, { headers: { 'x-client-cert': pem } }).then((r) => r.status);
    expect((await through()).status).toBe(200);
    expect([await direct(d1.url), await direct(d2.url)]).toEqual([200, 200]);
    await lapictl({}, 'ca', 'revoke', 'ca-doomed');
    const revokedAt = Date.now();
    await Promise.all([
      pollUntil(async () => (await direct(d1.url)) === 403, 'replica 1 to refuse it', { timeoutMs: 2000, intervalMs: 50 }),
      pollUntil(async () => (await direct(d2.url)) === 403, 'replica 2 to refuse it', { timeoutMs: 2000, intervalMs: 50 }),
      pollUntil(async () => (await through()).status === 403, 'the edge to refuse it', { timeoutMs: 2000, intervalMs: 50 }),
    ]);
    expect(Date.now() - revokedAt).toBeLessThan(2000);
  });
});
