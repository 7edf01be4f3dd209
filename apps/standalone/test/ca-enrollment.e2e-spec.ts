import { CaConfig, TlsConfig } from '@lapi/config';
import { BouncersRepository } from '@lapi/db';
import { buildServices, ClientTlsFiles, createTestDatabase, createCscli, CustomBouncer, httpsCall, pollUntil, sshBruteForceLog, startAgentReplay, startCustomBouncer, writeCredentials } from '@lapi/testing';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import * as forge from 'node-forge';
import { startTestLapi, TestLapi } from './support/test-lapi';

jest.setTimeout(180_000);
const execFileAsync = promisify(execFile);

interface AlertJson {
  decisions: { value: string }[] | null;
}

/**
 * The cluster's own CA in the standalone LAPI: `lapictl ca init`, its server certificate, tokens,
 * `lapictl ca enroll` on the client side, and the real CrowdSec clients with what it wrote.
 */
describe('certificates from lapictl ca enroll', () => {
  const root = mkdtempSync(join(tmpdir(), 'lapi-ca-e2e-'));
  const caDir = join(root, 'ca');
  const keyFile = join(root, 'ca-key', 'ca.key');
  const passphrase = 'correct horse battery staple';
  let lapi: TestLapi;
  let bouncer: CustomBouncer | undefined;
  let dbUrl = '';

  const lapictl = async (...args: string[]) => {
    const env = { ...process.env, NATS_URL: '', DATABASE_URL: dbUrl, LAPI_CA_DIR: caDir, LAPI_CA_KEY_FILE: keyFile, LAPI_CA_KEY_PASSPHRASE: passphrase };
    const { stdout } = await execFileAsync(process.execPath, [resolve(__dirname, '../../../scripts/lapictl.js'), ...args], { env });
    return stdout.trim();
  };
  const lapictlFails = (...args: string[]) => lapictl(...args).then(
    (out) => `succeeded: ${out}`,
    (e: { stderr?: string }) => e.stderr ?? '',
  );
  const enroll = async (role: 'agent' | 'bouncer', name: string, token?: string): Promise<ClientTlsFiles> => {
    const t = token ?? (await lapictl('ca', 'token', 'create', '--role', role, '--ttl', '10m'));
    const out = await lapictl('ca', 'enroll', '--url', lapi.url, '--token', t, '--name', name, '--out', join(root, name), '--ca-cert', join(caDir, 'ca.pem'));
    const line = (k: string) => new RegExp(`^${k}: (.+)$`, 'm').exec(out)![1];
    return { caCertPath: line('ca_cert_path'), certPath: line('cert_path'), keyPath: line('key_path') };
  };

  beforeAll(async () => {
    buildServices();
    // The database first (lapictl needs it), then the CA, then the LAPI serving the CA's server certificate.
    const db = await createTestDatabase();
    dbUrl = db.url;
    await lapictl('ca', 'init', '--name', 'e2e CA');
    await lapictl('ca', 'server-cert', '--ip', '127.0.0.1', '--dns', 'localhost', '--out', join(root, 'server'));
    const tls = Object.assign(new TlsConfig(), {
      certFile: join(root, 'server', 'cert.pem'),
      keyFile: join(root, 'server', 'key.pem'),
      clientCaFile: join(caDir, 'ca.pem'),
      crlFile: join(caDir, 'crl.pem'),
    });
    const ca = Object.assign(new CaConfig(), { dir: caDir, keyFile, passphrase });
    lapi = await startTestLapi({ tls, ca, sharedDatabaseUrl: dbUrl });
    const close = lapi.close;
    lapi.close = async () => {
      await close();
      await db.drop();
    };
  });
  afterAll(async () => {
    await bouncer?.stop();
    await lapi?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('keeps the CA key encrypted, readable by its owner alone, apart from the certificate', () => {
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const pem = readFileSync(keyFile, 'utf8');
    expect(pem).toMatch(/ENCRYPTED/);
    expect(forge.pki.decryptRsaPrivateKey(pem, 'wrong passphrase')).toBeNull();
  });

  it('enrolls cscli as an agent: it writes the three files, and cscli adds and lists a decision with them', async () => {
    const files = await enroll('agent', 'cscli-host');
    expect(statSync(files.keyPath).mode & 0o777).toBe(0o600);
    const cscli = createCscli({ url: `${lapi.url}/`, dir: join(root, 'cscli') });
    writeCredentials(cscli.credentialsPath, { url: `${lapi.url}/`, ca_cert_path: files.caCertPath, cert_path: files.certPath, key_path: files.keyPath });
    const add = await cscli.run(['decisions', 'add', '-i', '192.0.2.88', '-d', '1h']);
    expect(add.code).toBe(0);
    const alerts = await cscli.json<AlertJson[]>(['decisions', 'list']);
    expect(alerts.flatMap((a) => a.decisions ?? []).map((d) => d.value)).toContain('192.0.2.88');
  });

  it('enrolls crowdsec-custom-bouncer as a bouncer, and it pulls the decision', async () => {
    bouncer = await startCustomBouncer({ url: `${lapi.url}/`, tls: await enroll('bouncer', 'fw-host'), dir: join(root, 'bouncer'), updateFrequency: '1s' });
    await bouncer.waitFor((ev) => ev.some((e) => e.action === 'add' && e.value === '192.0.2.88'), 10_000, 'the decision added by cscli');
  });

  it('the crowdsec agent enrolled with a two-use token pushes its alert, and the bouncer gets the ban', async () => {
    const token = await lapictl('ca', 'token', 'create', '--role', 'agent', '--uses', '2');
    const files = await enroll('agent', 'agent-host', token);
    await enroll('agent', 'agent-host-2', token);
    expect(await lapictlFails('ca', 'enroll', '--url', lapi.url, '--token', token, '--name', 'third', '--out', join(root, 'third'), '--ca-cert', join(caDir, 'ca.pem'))).toMatch(/401: enrollment token is unknown, used up or expired/);
    const logFile = join(root, 'auth.log');
    writeFileSync(logFile, sshBruteForceLog('203.0.113.68', 12));
    const run = await startAgentReplay({ url: `${lapi.url}/`, tls: files, logFile, dir: join(root, 'agent') });
    expect(run.code).toBe(0);
    await bouncer!.waitFor((ev) => ev.some((e) => e.action === 'add' && e.value === '203.0.113.68'), 10_000, 'the ban from the agent');
  });

  it('refuses a token used twice, an expired one, and a token of the other role on the other routes', async () => {
    const once = await lapictl('ca', 'token', 'create', '--role', 'bouncer');
    await enroll('bouncer', 'once-host', once);
    expect(await lapictlFails('ca', 'enroll', '--url', lapi.url, '--token', once, '--name', 'twice-host', '--out', join(root, 'twice'), '--ca-cert', join(caDir, 'ca.pem'))).toMatch(/401/);
    const expired = await lapictl('ca', 'token', 'create', '--role', 'agent', '--ttl', '1ms');
    expect(await lapictlFails('ca', 'enroll', '--url', lapi.url, '--token', expired, '--name', 'late-host', '--out', join(root, 'late'), '--ca-cert', join(caDir, 'ca.pem'))).toMatch(/401: enrollment token is unknown, used up or expired/);
    // once-host is a bouncer: its certificate does not log in as an agent.
    const files = { certPath: join(root, 'once-host', 'cert.pem'), keyPath: join(root, 'once-host', 'key.pem'), caPath: join(caDir, 'ca.pem') };
    const login = await httpsCall(`${lapi.url}/v1/watchers/login`, { ...files, method: 'POST', body: {} });
    expect(login).toMatchObject({ status: 401, body: { message: expect.stringMatching(/bouncer certificate cannot be used as a agent/) } });
  });

  it('refuses a CSR whose signature does not match, without using up the token', async () => {
    const token = await lapictl('ca', 'token', 'create', '--role', 'agent');
    const csr = forge.pki.createCertificationRequest();
    csr.publicKey = forge.pki.rsa.generateKeyPair({ bits: 1024 }).publicKey;
    csr.setSubject([{ name: 'commonName', value: 'forger' }]);
    csr.sign(forge.pki.rsa.generateKeyPair({ bits: 1024 }).privateKey, forge.md.sha256.create());
    const res = await httpsCall(`${lapi.url}/v1/ca/enroll`, { caPath: join(caDir, 'ca.pem'), method: 'POST', body: { token, name: 'forger', csr: forge.pki.certificationRequestToPem(csr) } });
    expect(res).toMatchObject({ status: 400, body: { message: expect.stringMatching(/signature does not match/) } });
    const bad = await httpsCall(`${lapi.url}/v1/ca/enroll`, { caPath: join(caDir, 'ca.pem'), method: 'POST', body: { token, name: '../etc', csr: 'x' } });
    expect(bad.status).toBe(400);
    await enroll('agent', 'forger', token);
  });

  it('renews with the current certificate and no token, keeping the name', async () => {
    const before = readFileSync(join(root, 'fw-host', 'cert.pem'), 'utf8');
    const out = await lapictl('ca', 'renew', '--url', lapi.url, '--dir', join(root, 'fw-host'));
    expect(out).toMatch(/^cert_path: /m);
    const after = readFileSync(join(root, 'fw-host', 'cert.pem'), 'utf8');
    expect(after).not.toBe(before);
    expect(forge.pki.certificateFromPem(after).subject.getField('CN').value).toBe('fw-host');
    const noCert = await httpsCall(`${lapi.url}/v1/ca/renew`, { caPath: join(caDir, 'ca.pem'), method: 'POST', body: { csr: 'x' } });
    expect(noCert.status).toBe(401);
  });

  it('lists what it issued, and a revoked certificate is refused within 2 seconds', async () => {
    const list = JSON.parse(await lapictl('-o', 'json', 'ca', 'list')) as { name: string; serial: string }[];
    expect(list.map((c) => c.name)).toEqual(expect.arrayContaining(['cscli-host', 'fw-host', 'agent-host', 'agent-host-2', 'once-host', 'forger']));
    const files = await enroll('bouncer', 'doomed-host');
    const opts = { certPath: files.certPath, keyPath: files.keyPath, caPath: files.caCertPath };
    expect((await httpsCall(`${lapi.url}/v1/decisions`, opts)).status).toBe(200);
    await lapictl('ca', 'revoke', 'doomed-host');
    const revokedAt = Date.now();
    const res = await pollUntil(async () => {
      const r = await httpsCall(`${lapi.url}/v1/decisions`, opts);
      return r.status === 403 && r;
    }, 'the revoked certificate to be refused', { timeoutMs: 2000, intervalMs: 50 });
    expect(Date.now() - revokedAt).toBeLessThan(2000);
    expect(res.body.message).toMatch(/revoked/);
    const doomed = await lapi.app.get(BouncersRepository).findByName('doomed-host@127.0.0.1');
    expect(doomed?.authType).toBe('tls');
    // and the CRL the CA writes lists it, for the edge's ssl_crl
    const serial = JSON.parse(await lapictl('-o', 'json', 'ca', 'list')).find((c: { name: string }) => c.name === 'doomed-host').serial;
    await pollUntil(() => crlSerials(join(caDir, 'crl.pem')).includes(serial), 'the CRL to list it', { timeoutMs: 3000 });
  });
});

function crlSerials(path: string): string {
  return execFileSync('openssl', ['crl', '-in', path, '-noout', '-text']).toString().toUpperCase();
}
