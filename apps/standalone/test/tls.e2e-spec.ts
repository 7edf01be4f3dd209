import { BouncersRepository, MachinesRepository } from '@lapi/db';
import { TlsConfig } from '@lapi/config';
import { MachinesService } from '@lapi/machines';
import { createOpensslCa, httpsCall, HttpsCallOptions, IssuedFiles, OpensslCa, pollUntil } from '@lapi/testing';
import { copyFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { startTestLapi, TestLapi } from './support/test-lapi';

jest.setTimeout(60_000);

const DAY = 86400_000;

/** HTTPS on the standalone LAPI, and certificate authentication as upstream's. */
describe('the standalone LAPI serving HTTPS with a client CA', () => {
  let ca: OpensslCa;
  let other: OpensslCa;
  let lapi: TestLapi;
  let serverCert: IssuedFiles;
  const tlsFiles = () => join(ca.dir, 'served');

  const as = (cert: IssuedFiles | undefined, extra: HttpsCallOptions = {}): HttpsCallOptions => ({ certPath: cert?.certPath, keyPath: cert?.keyPath, caPath: ca.certPath, ...extra });
  const get = (path: string, cert?: IssuedFiles, extra: HttpsCallOptions = {}) => httpsCall(`${lapi.url}${path}`, as(cert, extra));
  const login = (cert?: IssuedFiles, body: unknown = { scenarios: ['crowdsecurity/ssh-bf'] }) => httpsCall(`${lapi.url}/v1/watchers/login`, as(cert, { method: 'POST', body }));
  /** A password machine's token, over HTTPS without a client certificate. */
  const passwordToken = async (name: string) => {
    await lapi.app.get(MachinesService).add(name, 'test-password');
    const res = await httpsCall(`${lapi.url}/v1/watchers/login`, as(undefined, { method: 'POST', body: { machine_id: name, password: 'test-password' } }));
    expect(res.status).toBe(200);
    return res.body.token as string;
  };
  const bouncerNames = async () => (await lapi.app.get(BouncersRepository).list()).map((b) => b.name);
  const machineNames = async () => (await lapi.app.get(MachinesRepository).list()).map((m) => m.machineId);

  beforeAll(async () => {
    ca = createOpensslCa('LAPI test CA');
    other = createOpensslCa('Someone else');
    serverCert = ca.issue({ cn: 'lapi', serverNames: ['IP:127.0.0.1', 'DNS:localhost'] });
    ca.writeCrl();
    // Served from copies, so the tests can rotate them.
    const dir = tlsFiles();
    mkdirSync(dir);
    copyFileSync(serverCert.certPath, join(dir, 'cert.pem'));
    copyFileSync(serverCert.keyPath, join(dir, 'key.pem'));
    copyFileSync(ca.crlPath, join(dir, 'crl.pem'));
    const tls = Object.assign(new TlsConfig(), {
      certFile: join(dir, 'cert.pem'),
      keyFile: join(dir, 'key.pem'),
      clientCaFile: ca.certPath,
      crlFile: join(dir, 'crl.pem'),
    });
    lapi = await startTestLapi({ tls });
  });
  afterAll(async () => {
    await lapi?.close();
    rmSync(ca.dir, { recursive: true, force: true });
    rmSync(other.dir, { recursive: true, force: true });
  });

  it('serves HTTPS and refuses TLS 1.1', async () => {
    expect((await get('/health')).status).toBe(200);
    const refused = await new Promise<string>((resolve) => {
      const s = connect({ host: '127.0.0.1', port: Number(new URL(lapi.url).port), ca: readFileSync(ca.certPath), minVersion: 'TLSv1', maxVersion: 'TLSv1.1' });
      s.once('secureConnect', () => resolve('connected'));
      s.once('error', (e) => resolve(e.message));
    });
    expect(refused).not.toBe('connected');
  });

  it('keeps API keys and passwords working beside certificates (VerifyClientCertIfGiven)', async () => {
    const key = await lapi.bouncerKey('keyed');
    expect((await get('/v1/decisions', undefined, { headers: { 'x-api-key': key } })).status).toBe(200);
    expect(await passwordToken('pw-machine')).toEqual(expect.any(String));
  });

  it('takes a bouncer certificate as a bouncer named <CN>@<ip> with the certificate auth type, created on first use', async () => {
    const cert = ca.issue({ cn: 'fw-01', ou: 'bouncer-ou' });
    expect(await get('/v1/decisions/stream?startup=true', cert)).toMatchObject({ status: 200 });
    expect((await get('/v1/decisions', cert)).status).toBe(200);
    const row = await lapi.app.get(BouncersRepository).findByName('fw-01@127.0.0.1');
    expect(row).toMatchObject({ authType: 'tls', ipAddress: '127.0.0.1' });
  });

  it('logs an agent certificate in without a password and its token works on machine routes', async () => {
    const cert = ca.issue({ cn: 'agent-01', ou: 'agent-ou' });
    const res = await login(cert);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ code: 200, token: expect.any(String) });
    const machine = await lapi.app.get(MachinesRepository).findByMachineId('agent-01@127.0.0.1');
    expect(machine).toMatchObject({ authType: 'tls', isValidated: true, scenarios: 'crowdsecurity/ssh-bf' });
    const alerts = await get('/v1/alerts', cert, { headers: { authorization: `Bearer ${res.body.token}` } });
    expect(alerts.status).toBe(200);
  });

  describe.each([
    ['an expired certificate', () => ca.issue({ cn: 'old', ou: 'agent-ou', startDate: new Date(Date.now() - 10 * DAY), endDate: new Date(Date.now() - DAY) }), /expired/],
    ['a certificate not yet valid', () => ca.issue({ cn: 'early', ou: 'agent-ou', startDate: new Date(Date.now() + DAY), endDate: new Date(Date.now() + 10 * DAY) }), /not yet valid/],
    ['a certificate from another CA', () => other.issue({ cn: 'stranger', ou: 'agent-ou' }), /unknown authority/],
    ['an OU in neither list', () => ca.issue({ cn: 'odd', ou: 'printers' }), /OU \(printers\) is not allowed/],
  ])('refuses %s', (_name, make, message) => {
    it('on login with a 401 and creates no machine', async () => {
      const before = await machineNames();
      const res = await login(make());
      expect(res.status).toBe(401);
      expect(res.body.message).toMatch(message);
      expect(await machineNames()).toEqual(before);
    });

    it('on the bouncer routes with a 403 and creates no bouncer', async () => {
      const before = await bouncerNames();
      const cert = make();
      for (const path of ['/v1/decisions', '/v1/decisions/stream']) {
        const res = await get(path, cert);
        expect(res.status).toBe(403);
        expect(res.body.message).toMatch(message);
      }
      expect(await bouncerNames()).toEqual(before);
    });
  });

  it('refuses a bouncer certificate on login and an agent certificate on bouncer routes', async () => {
    const before = { m: await machineNames(), b: await bouncerNames() };
    const bouncer = ca.issue({ cn: 'swap-b', ou: 'bouncer-ou' });
    const agent = ca.issue({ cn: 'swap-a', ou: 'agent-ou' });
    const res = await login(bouncer);
    expect(res).toMatchObject({ status: 401, body: { message: expect.stringMatching(/bouncer certificate cannot be used as a agent/) } });
    const pull = await get('/v1/decisions/stream', agent);
    expect(pull).toMatchObject({ status: 403, body: { message: expect.stringMatching(/agent certificate cannot be used as a bouncer/) } });
    // A bouncer's certificate with a machine's valid token is refused too.
    const token = await passwordToken('token-holder');
    expect((await get('/v1/alerts', bouncer, { headers: { authorization: `Bearer ${token}` } })).status).toBe(401);
    expect(await bouncerNames()).toEqual(before.b);
    expect(await machineNames()).toEqual([...before.m, 'token-holder']);
  });

  it('lets neither a certificate take over a key or password name, nor a password log into a certificate machine', async () => {
    await lapi.bouncerKey('web@127.0.0.1');
    const b = await get('/v1/decisions', ca.issue({ cn: 'web', ou: 'bouncer-ou' }));
    expect(b).toMatchObject({ status: 403, body: { message: expect.stringMatching(/exists with api-key authentication/) } });
    await passwordToken('host@127.0.0.1');
    const m = await login(ca.issue({ cn: 'host', ou: 'agent-ou' }));
    expect(m).toMatchObject({ status: 401, body: { message: expect.stringMatching(/exists with password authentication/) } });
    const byPassword = await httpsCall(`${lapi.url}/v1/watchers/login`, as(undefined, { method: 'POST', body: { machine_id: 'agent-01@127.0.0.1', password: 'anything' } }));
    expect(byPassword.status).toBe(401);
  });

  it('refuses a certificate once the CRL file lists it, without a restart', async () => {
    const cert = ca.issue({ cn: 'to-revoke', ou: 'bouncer-ou' });
    expect((await get('/v1/decisions', cert)).status).toBe(200);
    ca.revoke(cert);
    copyFileSync(ca.crlPath, join(tlsFiles(), 'crl.pem'));
    const res = await pollUntil(async () => {
      const r = await get('/v1/decisions', cert);
      return r.status === 403 && r;
    }, 'the revoked certificate to be refused', { timeoutMs: 5000, intervalMs: 100 });
    expect(res.body.message).toMatch(/revoked/);
    expect((await get('/v1/decisions', ca.issue({ cn: 'still-good', ou: 'bouncer-ou' }))).status).toBe(200);
  });

  it('serves a rotated server certificate without a restart', async () => {
    const rotated = ca.issue({ cn: 'lapi-rotated', serverNames: ['IP:127.0.0.1'] });
    copyFileSync(rotated.keyPath, join(tlsFiles(), 'key.pem'));
    copyFileSync(rotated.certPath, join(tlsFiles(), 'cert.pem'));
    const serial = await pollUntil(() => serverSerial(lapi.url, ca.certPath).then((s) => s === rotated.serial && s), 'the rotated certificate to be served', { timeoutMs: 5000, intervalMs: 100 });
    expect(serial).toBe(rotated.serial);
  });
});

function serverSerial(url: string, caPath: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port: Number(new URL(url).port), ca: readFileSync(caPath) }, () => {
      resolve(s.getPeerCertificate().serialNumber.toUpperCase());
      s.end();
    });
    s.once('error', reject);
  });
}

/** TLS at the edge: the service believes the edge's certificate header only from a trusted proxy. */
describe.each([
  ['the edge (a trusted proxy)', ['127.0.0.1/32'], true],
  ['a peer that is not the edge', ['10.0.0.0/8'], false],
])('a client certificate header from %s', (_name, trustedProxies, believed) => {
  let ca: OpensslCa;
  let other: OpensslCa;
  let lapi: TestLapi;
  const header = (cert: IssuedFiles) => ({ 'x-client-cert': encodeURIComponent(readFileSync(cert.certPath, 'utf8')) });
  const pull = (cert: IssuedFiles) => fetch(`${lapi.url}/v1/decisions`, { headers: header(cert) }).then(async (r) => ({ status: r.status, body: (await r.json()) as { message?: string } }));

  beforeAll(async () => {
    ca = createOpensslCa('Edge CA');
    other = createOpensslCa('Forger CA');
    // Plain HTTP behind the edge: the client CA and its CRL, to check the header against.
    lapi = await startTestLapi({ trustedProxies, tls: Object.assign(new TlsConfig(), { clientCaFile: ca.certPath, crlFile: ca.writeCrl() }) });
  });
  afterAll(async () => {
    await lapi?.close();
    rmSync(ca.dir, { recursive: true, force: true });
    rmSync(other.dir, { recursive: true, force: true });
  });

  it(believed ? 'authenticates the bouncer it names' : 'is ignored: no bouncer is authenticated or created', async () => {
    const res = await pull(ca.issue({ cn: 'edge-fw', ou: 'bouncer-ou' }));
    const names = (await lapi.app.get(BouncersRepository).list()).map((b) => b.name);
    if (believed) {
      expect(res.status).toBe(200);
      expect(names).toEqual(['edge-fw@127.0.0.1']);
    } else {
      expect(res).toEqual({ status: 403, body: { message: 'access forbidden' } });
      expect(names).toEqual([]);
    }
  });

  it('refuses a header holding a certificate the CRL file lists, once the file says so', async () => {
    const cert = ca.issue({ cn: 'edge-revoked', ou: 'bouncer-ou' });
    expect((await pull(cert)).status).toBe(believed ? 200 : 403);
    ca.revoke(cert);
    const res = await pollUntil(async () => {
      const r = await pull(cert);
      return (!believed || /revoked/.test(r.body.message ?? '')) && r;
    }, 'the CRL to be reloaded', { timeoutMs: 5000, intervalMs: 100 });
    expect(res.status).toBe(403);
  });

  it('refuses a header holding a certificate of another CA, or no certificate', async () => {
    const forged = await pull(other.issue({ cn: 'forged', ou: 'bouncer-ou' }));
    expect(forged.status).toBe(403);
    if (believed) expect(forged.body.message).toMatch(/unknown authority/);
    const junk = await fetch(`${lapi.url}/v1/decisions`, { headers: { 'x-client-cert': 'not%20a%20cert' } });
    expect(junk.status).toBe(403);
    expect((await lapi.app.get(BouncersRepository).list()).map((b) => b.name)).not.toContain('forged@127.0.0.1');
  });
});

/** Upstream's client_verification modes, on the handshake. */
describe.each([
  ['NoClientCert', { none: 200, good: 403, stranger: 403 }],
  ['RequestClientCert', { none: 200, good: 200, stranger: 403 }],
  ['RequireAnyClientCert', { none: 'refused', good: 200, stranger: 403 }],
  ['VerifyClientCertIfGiven', { none: 200, good: 200, stranger: 403 }],
  ['RequireAndVerifyClientCert', { none: 'refused', good: 200, stranger: 'refused' }],
] as const)('LAPI_TLS_CLIENT_VERIFICATION=%s', (mode, expected) => {
  let ca: OpensslCa;
  let other: OpensslCa;
  let lapi: TestLapi;
  let key: string;

  beforeAll(async () => {
    ca = createOpensslCa('Modes CA');
    other = createOpensslCa('Modes stranger');
    const server = ca.issue({ cn: 'lapi', serverNames: ['IP:127.0.0.1'] });
    lapi = await startTestLapi({ tls: Object.assign(new TlsConfig(), { certFile: server.certPath, keyFile: server.keyPath, clientCaFile: ca.certPath, clientVerification: mode }) });
    key = await lapi.bouncerKey('keyed');
  });
  afterAll(async () => {
    await lapi?.close();
    rmSync(ca.dir, { recursive: true, force: true });
    rmSync(other.dir, { recursive: true, force: true });
  });

  const outcome = (cert?: IssuedFiles) =>
    httpsCall(`${lapi.url}/v1/decisions`, { certPath: cert?.certPath, keyPath: cert?.keyPath, caPath: ca.certPath, headers: cert ? {} : { 'x-api-key': key } }).then(
      (r) => r.status,
      () => 'refused',
    );

  it(`answers no certificate (with a key) ${expected.none}, a good one ${expected.good}, another CA's ${expected.stranger}`, async () => {
    expect(await outcome()).toBe(expected.none);
    expect(await outcome(ca.issue({ cn: 'm', ou: 'bouncer-ou' }))).toBe(expected.good);
    expect(await outcome(other.issue({ cn: 's', ou: 'bouncer-ou' }))).toBe(expected.stranger);
  });
});
