import { TlsConfig } from '@lapi/config';
import { BouncersRepository, MachinesRepository } from '@lapi/db';
import { ClientTlsFiles, createCscli, createOpensslCa, CustomBouncer, OpensslCa, sshBruteForceLog, startAgentReplay, startCustomBouncer, writeCredentials } from '@lapi/testing';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestLapi, TestLapi } from './support/test-lapi';

jest.setTimeout(120_000);

interface AlertJson {
  scenario: string;
  decisions: { value: string; type: string; origin: string }[] | null;
}

/**
 * Debian's CrowdSec 1.4.6 clients with no key and no password: a certificate from an existing
 * (openssl-made) CA in their config, against the standalone LAPI serving HTTPS.
 */
describe('real CrowdSec clients authenticating with certificates from an openssl CA', () => {
  const root = mkdtempSync(join(tmpdir(), 'lapi-tls-clients-'));
  let ca: OpensslCa;
  let lapi: TestLapi;
  let bouncer: CustomBouncer | undefined;
  const files = (role: 'agent' | 'bouncer', cn: string): ClientTlsFiles => {
    const issued = ca.issue({ cn, ou: `${role}-ou` });
    return { caCertPath: ca.certPath, certPath: issued.certPath, keyPath: issued.keyPath };
  };

  beforeAll(async () => {
    ca = createOpensslCa('Existing CA', join(root, 'ca'));
    const server = ca.issue({ cn: 'lapi', serverNames: ['IP:127.0.0.1', 'DNS:localhost'] });
    const tls = Object.assign(new TlsConfig(), { certFile: server.certPath, keyFile: server.keyPath, clientCaFile: ca.certPath });
    lapi = await startTestLapi({ tls });
  });
  afterAll(async () => {
    await bouncer?.stop();
    await lapi?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('cscli with only ca_cert_path, cert_path and key_path adds a decision and lists it', async () => {
    const cscli = createCscli({ url: `${lapi.url}/`, dir: join(root, 'cscli') });
    writeCredentials(cscli.credentialsPath, { url: `${lapi.url}/`, ...tlsFieldsOf(files('agent', 'cscli-host')) });
    const add = await cscli.run(['decisions', 'add', '-i', '192.0.2.77', '-d', '1h']);
    expect(add.stderr).not.toMatch(/level=(error|fatal)/);
    expect(add.code).toBe(0);
    const alerts = await cscli.json<AlertJson[]>(['decisions', 'list']);
    expect(alerts.flatMap((a) => a.decisions ?? []).map((d) => d.value)).toContain('192.0.2.77');
  });

  it('crowdsec-custom-bouncer with only cert_path, key_path and ca_cert_path pulls the decisions', async () => {
    bouncer = await startCustomBouncer({ url: `${lapi.url}/`, tls: files('bouncer', 'fw-host'), dir: join(root, 'bouncer'), updateFrequency: '1s' });
    await bouncer.waitFor((ev) => ev.some((e) => e.action === 'add' && e.value === '192.0.2.77'), 10_000, 'the decision added by cscli');
  });

  it('the crowdsec agent with a certificate pushes the alert of a replayed brute force, and the bouncer gets the ban', async () => {
    const logFile = join(root, 'auth.log');
    writeFileSync(logFile, sshBruteForceLog('203.0.113.67', 12));
    const run = await startAgentReplay({ url: `${lapi.url}/`, tls: files('agent', 'agent-host'), logFile, dir: join(root, 'agent') });
    expect(run.stderr).not.toMatch(/level=fatal/);
    expect(run.code).toBe(0);
    await bouncer!.waitFor((ev) => ev.some((e) => e.action === 'add' && e.value === '203.0.113.67'), 10_000, 'the ban from the agent');
  });

  it('knows them only as certificate identities named <CN>@<ip>', async () => {
    const machines = await lapi.app.get(MachinesRepository).list();
    const bouncers = await lapi.app.get(BouncersRepository).list();
    expect(machines.map((m) => [m.machineId, m.authType])).toEqual([['cscli-host@127.0.0.1', 'tls'], ['agent-host@127.0.0.1', 'tls']]);
    expect(bouncers.map((b) => [b.name, b.authType])).toEqual([['fw-host@127.0.0.1', 'tls']]);
  });
});

function tlsFieldsOf(t: ClientTlsFiles) {
  return { ca_cert_path: t.caCertPath, cert_path: t.certPath, key_path: t.keyPath };
}
