import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  buildServices, ClientTlsFiles, enrollWithLapictl, lapictlWith, createCscli, createTestDatabase, CustomBouncer, httpsCall, pollUntil, RunningProcess, startCaProcess, startCustomBouncer, startNats, startService, TestDatabase,
  writeCredentials,
} from '@lapi/testing';

jest.setTimeout(240_000);

/**
 * The cluster serving HTTPS itself, with its own CA process: enrollment on the registration
 * service is signed by the CA over NATS, the real clients use what it wrote on the services
 * directly, and a revocation reaches both decisions replicas within 2 seconds.
 */
describe('the cluster with TLS on the services and its own CA', () => {
  const root = mkdtempSync(join(tmpdir(), 'lapi-tls-cluster-'));
  const caDir = join(root, 'ca');
  const caEnv = { LAPI_CA_DIR: caDir, LAPI_CA_KEY_FILE: join(root, 'ca-secret', 'ca.key'), LAPI_CA_KEY_PASSPHRASE: 'a long enough passphrase' };
  let db: TestDatabase;
  let nats: Awaited<ReturnType<typeof startNats>>;
  let ca: Awaited<ReturnType<typeof startCaProcess>>;
  let services: RunningProcess[] = [];
  let bouncer: CustomBouncer | undefined;

  const lapictl = lapictlWith(() => ({ DATABASE_URL: db.url, NATS_URL: nats.url }));
  const enroll = (role: 'agent' | 'bouncer', name: string): Promise<ClientTlsFiles> => {
    const [, registration] = services;
    return enrollWithLapictl(lapictl, { url: registration.url, role, name, outDir: root, caCert: join(caDir, 'ca.pem') });
  };

  beforeAll(async () => {
    buildServices();
    db = await createTestDatabase();
    nats = await startNats();
    await lapictl(caEnv, 'ca', 'init');
    await lapictl(caEnv, 'ca', 'server-cert', '--ip', '127.0.0.1', '--out', join(root, 'server'));
    ca = await startCaProcess({ DATABASE_URL: db.url, NATS_URL: nats.url, ...caEnv });
    // The services get the public files only: no CA key, no passphrase.
    const env = {
      DATABASE_URL: db.url,
      NATS_URL: nats.url,
      LAPI_JWT_SECRET: 't'.repeat(40),
      LAPI_TLS_CERT_FILE: join(root, 'server', 'cert.pem'),
      LAPI_TLS_KEY_FILE: join(root, 'server', 'key.pem'),
      LAPI_TLS_CLIENT_CA_FILE: join(caDir, 'ca.pem'),
      LAPI_TLS_CRL_FILE: join(caDir, 'crl.pem'),
    };
    services = await Promise.all([startService('ingest', env), startService('registration', env), startService('decisions', env), startService('decisions', env)]);
  });

  afterAll(async () => {
    await bouncer?.stop();
    await Promise.all(services.map((s) => s.stop('SIGKILL')));
    await ca?.stop('SIGKILL');
    await nats?.stop('SIGKILL');
    await db?.drop();
    rmSync(root, { recursive: true, force: true });
  });

  it('cscli enrolled through the registration service adds a decision on ingest; an enrolled bouncer on a replica pulls it', async () => {
    const [ingest, , d1] = services;
    const agent = await enroll('agent', 'cluster-cscli');
    const cscli = createCscli({ url: `${ingest.url}/`, dir: join(root, 'cscli') });
    writeCredentials(cscli.credentialsPath, { url: `${ingest.url}/`, ca_cert_path: agent.caCertPath, cert_path: agent.certPath, key_path: agent.keyPath });
    const add = await cscli.run(['decisions', 'add', '-i', '192.0.2.99', '-d', '1h']);
    expect(add.code).toBe(0);
    bouncer = await startCustomBouncer({ url: `${d1.url}/`, tls: await enroll('bouncer', 'cluster-fw'), dir: join(root, 'bouncer'), updateFrequency: '1s' });
    await bouncer.waitFor((ev) => ev.some((e) => e.action === 'add' && e.value === '192.0.2.99'), 10_000, 'the decision on the bouncer');
    expect(ca.output()).toMatch(/issued bouncer certificate [0-9A-F]+ to cluster-fw/);
  });

  it('refuses a revoked certificate on every replica within 2 seconds', async () => {
    const [, , d1, d2] = services;
    const files = await enroll('bouncer', 'cluster-doomed');
    const opts = { certPath: files.certPath, keyPath: files.keyPath, caPath: files.caCertPath };
    for (const d of [d1, d2]) expect((await httpsCall(`${d.url}/v1/decisions`, opts)).status).toBe(200);
    await lapictl({}, 'ca', 'revoke', 'cluster-doomed');
    const revokedAt = Date.now();
    await Promise.all(
      [d1, d2].map((d) =>
        pollUntil(async () => (await httpsCall(`${d.url}/v1/decisions`, opts)).status === 403, `replica ${d.url} to refuse the revoked certificate`, { timeoutMs: 2000, intervalMs: 50 }),
      ),
    );
    expect(Date.now() - revokedAt).toBeLessThan(2000);
  });

  it('answers enrollment with a JSON 503 while the CA process is down', async () => {
    await ca.stop('SIGKILL');
    const [, registration] = services;
    const token = await lapictl({}, 'ca', 'token', 'create', '--role', 'agent');
    const res = await httpsCall(`${registration.url}/v1/ca/enroll`, { caPath: join(caDir, 'ca.pem'), method: 'POST', body: { token, name: 'nobody', csr: 'x' } });
    expect(res.status).toBe(503);
    expect(res.body.message).toMatch(/CA did not answer/);
  });
});
