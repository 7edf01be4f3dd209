import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as forge from 'node-forge';
import { buildCrl, CaKeyPair, createCa, CsrError, issueServerCertificate, signClientCertificate } from './x509';

function csrFor(cn: string, keys = forge.pki.rsa.generateKeyPair({ bits: 2048 })): string {
  const csr = forge.pki.createCertificationRequest();
  csr.publicKey = keys.publicKey;
  csr.setSubject([{ name: 'commonName', value: cn }, { shortName: 'OU', value: 'asks-for-admin' }]);
  csr.sign(keys.privateKey, forge.md.sha256.create());
  return forge.pki.certificationRequestToPem(csr);
}

describe('the X.509 building (x509.ts)', () => {
  let ca: CaKeyPair;
  let dir: string;
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString();

  beforeAll(() => {
    ca = createCa('lapi-cluster test CA');
    dir = mkdtempSync(join(tmpdir(), 'lapi-signer-'));
    writeFileSync(join(dir, 'ca.pem'), forge.pki.certificateToPem(ca.cert));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('issues a client certificate with the role OU it sets, whatever the CSR asks, that openssl verifies', () => {
    const issued = signClientCertificate(ca, { csrPem: csrFor('web-01'), name: 'web-01', ou: 'bouncer-ou', ttlMs: 86400_000 });
    writeFileSync(join(dir, 'client.pem'), issued.pem);
    expect(openssl('verify', '-CAfile', join(dir, 'ca.pem'), '-purpose', 'sslclient', join(dir, 'client.pem'))).toMatch(/OK/);
    expect(openssl('x509', '-in', join(dir, 'client.pem'), '-noout', '-subject')).toMatch(/OU ?= ?bouncer-ou, CN ?= ?web-01/);
    expect(issued.notAfter.getTime() - Date.now()).toBeLessThanOrEqual(86400_000);
  });

  it('refuses a CSR whose signature does not match its key', () => {
    // Carries one key and is signed by another: whoever sent it does not hold the key it names.
    const csr = forge.pki.createCertificationRequest();
    csr.publicKey = forge.pki.rsa.generateKeyPair({ bits: 1024 }).publicKey;
    csr.setSubject([{ name: 'commonName', value: 'web-02' }]);
    csr.sign(forge.pki.rsa.generateKeyPair({ bits: 1024 }).privateKey, forge.md.sha256.create());
    const forged = forge.pki.certificationRequestToPem(csr);
    expect(() => signClientCertificate(ca, { csrPem: forged, name: 'web-02', ou: 'agent-ou', ttlMs: 1000 })).toThrow(/signature does not match/);
  });

  it('refuses a CSR for another name, and one that is not a CSR', () => {
    expect(() => signClientCertificate(ca, { csrPem: csrFor('someone-else'), name: 'web-03', ou: 'agent-ou', ttlMs: 1000 })).toThrow(CsrError);
    expect(() => signClientCertificate(ca, { csrPem: 'hello', name: 'web-03', ou: 'agent-ou', ttlMs: 1000 })).toThrow(CsrError);
  });

  it('issues a server certificate for DNS names and IPs', () => {
    const s = issueServerCertificate(ca, ['lapi', 'localhost'], ['127.0.0.1'], 86400_000);
    writeFileSync(join(dir, 'server.pem'), s.pem);
    expect(openssl('verify', '-CAfile', join(dir, 'ca.pem'), '-purpose', 'sslserver', join(dir, 'server.pem'))).toMatch(/OK/);
    expect(openssl('x509', '-in', join(dir, 'server.pem'), '-noout', '-ext', 'subjectAltName')).toMatch(/DNS:lapi, DNS:localhost, IP Address:127.0.0.1/);
  });

  it('writes a CRL that openssl checks a revoked certificate against', () => {
    const revoked = signClientCertificate(ca, { csrPem: csrFor('gone'), name: 'gone', ou: 'agent-ou', ttlMs: 86400_000 });
    const kept = signClientCertificate(ca, { csrPem: csrFor('kept'), name: 'kept', ou: 'agent-ou', ttlMs: 86400_000 });
    writeFileSync(join(dir, 'crl.pem'), buildCrl(ca, [{ serial: revoked.serial, revokedAt: new Date() }], 1));
    writeFileSync(join(dir, 'gone.pem'), revoked.pem);
    writeFileSync(join(dir, 'kept.pem'), kept.pem);
    expect(openssl('crl', '-in', join(dir, 'crl.pem'), '-CAfile', join(dir, 'ca.pem'), '-noout', '-text')).toContain(revoked.serial);
    const check = (file: string) => {
      try {
        return openssl('verify', '-crl_check', '-CAfile', join(dir, 'ca.pem'), '-CRLfile', join(dir, 'crl.pem'), join(dir, file));
      } catch (e) {
        return String((e as { stdout?: Buffer }).stdout) + String((e as { stderr?: Buffer }).stderr);
      }
    };
    expect(check('gone.pem')).toMatch(/certificate revoked/);
    expect(check('kept.pem')).toMatch(/: OK/);
  });
});
